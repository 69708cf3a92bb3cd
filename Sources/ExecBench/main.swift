// Throughput of the external evaluator protocol: evaluated points per second through
// the pipe with the NumPy example evaluator (N = 3 by default, requests of 4096 points).
//
//   swift build -c release --product exec-bench
//   .build/release/exec-bench [--n 3] [--batch 4096] [--seconds 3] [--transform softplus] [--dtype float64]
//
// Prints points/s for value-only requests (what finite differences send) and for
// requests with gradients. With `--sweep GRADCHECK` it then times a whole sweep at order
// N through the same evaluator (`GRADCHECK sweep --n N --exec ... --exit-zero`, every
// family, all cores) and divides the points the summary line reports by its wall time;
// `--out FILE` writes the figures as one JSON object. `--script self` replaces the NumPy evaluator by this binary in
// `--serve` mode, which answers every request with a canned response of the right shape
// (17-digit numbers, as Python writes them) at almost no cost: that measures our side
// alone (encoding, the pipe, decoding).
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

if CommandLine.arguments.contains("--serve") { serve(n: n, batch: batch) }

let command = script == "self"
  ? "exec '\(CommandLine.arguments[0])' --serve --n \(n) --batch \(batch)"
  : "exec python3 \(script) --transform \(transform) --dtype \(dtype)"
let evaluator = try ExternalEvaluator.start(command: command)
print("evaluator \(evaluator.name) (\(evaluator.dtype.rawValue)), N = \(n), \(batch) points per request")

/// CPU seconds (user + system) of process `pid` so far, from /proc.
func cpuSeconds(_ pid: Int32) -> Double {
  guard let file = fopen("/proc/\(pid)/stat", "r") else { return .nan }
  defer { fclose(file) }
  var buffer = [CChar](repeating: 0, count: 2048)
  guard fgets(&buffer, 2048, file) != nil else { return .nan }
  let text = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  guard let close = text.lastIndex(of: ")") else { return .nan }
  let fields = text[text.index(after: close)...].split(separator: " ")
  // After the command: state(0) ... utime(11) stime(12), in clock ticks.
  let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
  return (Double(fields[11])! + Double(fields[12])!) / ticks
}

var figures: [(String, Double)] = [("n", Double(n)), ("batch", Double(batch))]
for grad in [false, true] {
  _ = try evaluator.evaluate(beta: 5, x: x, y: y, n: n, grad: grad)  // warm-up
  var points = 0
  let cpuOursStart = cpuSeconds(getpid())
  let cpuTheirsStart = cpuSeconds(evaluator.pid)
  let start = now()
  while now() - start < seconds {
    let response = try evaluator.evaluate(beta: 5, x: x, y: y, n: n, grad: grad)
    guard case .values = response else { fatalError("error response: \(response)") }
    points += batch
  }
  let elapsed = now() - start
  let rate = Double(points) / elapsed
  let ours = cpuSeconds(getpid()) - cpuOursStart
  let theirs = cpuSeconds(evaluator.pid) - cpuTheirsStart
  print("grad \(grad): \(points) points in \((elapsed * 100).rounded() / 100) s = \(Int(rate)) points/s (wall clock)")
  print("  CPU: ours \((ours * 100).rounded() / 100) s = \(Int(Double(points) / ours)) points per CPU second, the evaluator's \((theirs * 100).rounded() / 100) s = \(Int(Double(points) / theirs)) points per CPU second")
  figures.append((grad ? "pipe_grad_points_per_s" : "pipe_values_points_per_s", rate.rounded()))
}
evaluator.close()

if let binary = Optional(option("sweep", "")), !binary.isEmpty {
  let exec = "python3 \(script) --transform \(transform) --dtype \(dtype)"
  let line = "'\(binary)' sweep --n \(n) --exec '\(exec)' --exit-zero"
  let start = now()
  guard let pipe = popen(line, "r") else { fatalError("cannot run \(line)") }
  var output = ""
  var buffer = [CChar](repeating: 0, count: 4096)
  while fgets(&buffer, Int32(buffer.count), pipe) != nil {
    output += String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
  let status = pclose(pipe)
  let elapsed = now() - start
  // "... (228000 points evaluated by numpy-softplus) ..."
  let before = output.split(separator: "\n").last(where: { $0.contains(" points evaluated by ") })
    .map { String($0.split(separator: " points evaluated by ")[0]) }
  guard status == 0, let before, let open = before.lastIndex(of: "("),
    let points = Int(before[before.index(after: open)...])
  else { fatalError("\(line) exited with status \(status) or printed no point count:\n\(output)") }
  let rate = Double(points) / elapsed
  print("sweep --n \(n) (every family, all cores): \(points) points in \((elapsed * 100).rounded() / 100) s = \(Int(rate)) points/s (wall clock, start-up included)")
  figures += [("sweep_points", Double(points)), ("sweep_s", (elapsed * 1000).rounded() / 1000), ("sweep_points_per_s", rate.rounded())]
}

let out = option("out", "")
if !out.isEmpty {
  let members = figures.map { "\"\($0.0)\": \($0.1 == $0.1.rounded() ? String(Int($0.1)) : String($0.1))" }
  let text = "{\"format\": \"gradcheck-exec-bench/1\", \"evaluator\": \"\(script)\", \"transform\": \"\(transform)\", \"dtype\": \"\(dtype)\", " + members.joined(separator: ", ") + "}\n"
  guard let file = fopen(out, "w") else { fatalError("cannot write \(out)") }
  fputs(text, file)
  fclose(file)
  print("wrote \(out)")
}

/// The canned evaluator: reads request lines, answers each with its id and fixed values.
func serve(n: Int, batch: Int) -> Never {
  func numbers(_ count: Int) -> String {
    "[" + uniforms(count, seed: 3).map { "\($0 * 0.123456789)" }.joined(separator: ", ") + "]"
  }
  func matrices() -> String {
    let flat = uniforms(batch * n * n, seed: 4)
    return "[" + (0..<batch).map { b in
      "[" + (0..<n).map { i in "[" + (0..<n).map { j in "\(flat[(b * n + i) * n + j])" }.joined(separator: ", ") + "]" }
        .joined(separator: ", ") + "]"
    }.joined(separator: ", ") + "]"
  }
  let values = Array((", \"x_cond\": \(numbers(batch)), \"lambda_min\": \(numbers(batch))}\n").utf8)
  let withGrad = Array((", \"x_cond\": \(numbers(batch)), \"lambda_min\": \(numbers(batch)), \"grad_x\": \(numbers(batch)), \"grad_y\": \(matrices())}\n").utf8)
  let hello = Array("{\"protocol\": \"gradcheck-exec/1\", \"name\": \"canned\"}\n".utf8)
  var sawHello = false
  var pending: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 1 << 20)
  while true {
    let got = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
    if got <= 0 { exit(0) }
    pending.append(contentsOf: chunk[..<got])
    while let newline = pending.firstIndex(of: 10) {
      let line = pending[..<newline]
      if !sawHello {
        sawHello = true
        hello.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
        pending.removeSubrange(...newline)
        continue
      }
      // "id": K is the second member; "grad": true|false the last.
      let idStart = line.firstIndex(of: UInt8(ascii: ":"))! // after "op"
      var k = line[line.index(after: idStart)...].firstIndex(of: UInt8(ascii: ":"))! + 1
      while line[k] == 32 { k += 1 }
      var id = 0
      while line[k] >= 48 && line[k] <= 57 { id = id * 10 + Int(line[k] - 48); k += 1 }
      let grad = line.suffix(6).elementsEqual("true}".utf8.suffix(6)) || line.suffix(5).elementsEqual("true}".utf8)
      var out = Array("{\"id\": \(id)".utf8)
      out += grad ? withGrad : values
      out.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count { offset += max(0, write(1, raw.baseAddress! + offset, raw.count - offset)) }
      }
      pending.removeSubrange(...newline)
    }
  }
}
