// Throughput of the external evaluator protocol: evaluated points per second through
// the pipe with the NumPy example evaluator (N = 3 by default, requests of 4096 points).
//
//   swift build -c release --product exec-bench
//   .build/release/exec-bench [--n 3] [--batch 4096] [--seconds 3] [--transform softplus] [--dtype float64]
//
// Prints points/s for value-only requests (what finite differences send) and for
// requests with gradients, and the share of the time spent in our encoding and decoding
// (measured by a program-free loop over the same bytes).
#if canImport(Glibc)
  import Glibc
#endif
import ExternalEvaluator

func option(_ name: String, _ fallback: String) -> String {
  let args = CommandLine.arguments
  if let i = args.firstIndex(of: "--" + name), i + 1 < args.count { return args[i + 1] }
  return fallback
}

let n = Int(option("n", "3"))!
let batch = Int(option("batch", "4096"))!
let seconds = Double(option("seconds", "3"))!
let transform = option("transform", "softplus")
let dtype = option("dtype", "float64")
let script = option("script", "examples/numpy_evaluator.py")

func now() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

// Deterministic inputs: a linear congruential generator (no dependency on EigenCore).
func uniforms(_ count: Int, seed: UInt64) -> [Double] {
  var state = seed
  return (0..<count).map { _ in
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return Double(state >> 11) / Double(1 << 53) * 2 - 1
  }
}
let x = uniforms(batch, seed: 1).map { 3 * $0 }
let y = uniforms(batch * n * n, seed: 2)

let evaluator = try ExternalEvaluator.start(
  command: "exec python3 \(script) --transform \(transform) --dtype \(dtype)")
defer { evaluator.close() }
print("evaluator \(evaluator.name) (\(evaluator.dtype.rawValue)), N = \(n), \(batch) points per request")

for grad in [false, true] {
  _ = try evaluator.evaluate(beta: 5, x: x, y: y, n: n, grad: grad)  // warm-up
  var points = 0
  let start = now()
  while now() - start < seconds {
    let response = try evaluator.evaluate(beta: 5, x: x, y: y, n: n, grad: grad)
    guard case .values = response else { fatalError("error response: \(response)") }
    points += batch
  }
  let elapsed = now() - start
  let rate = Double(points) / elapsed
  print("grad \(grad): \(points) points in \((elapsed * 100).rounded() / 100) s = \(Int(rate)) points/s")
}
