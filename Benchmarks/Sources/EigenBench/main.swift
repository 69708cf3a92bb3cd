/// `make bench`: the native `EigenSolver` against GSL (`gsl_eigen_nonsymm(v)`) and LAPACK
/// (`LAPACKE_dgeev_work`), in one process, on identical seeded batches, single-threaded.
///
/// Method:
/// - one batch per N of standard-normal matrices from `SeededRNG(seed: 6, stream: N)`,
///   row-major, the same bits for every solver;
/// - every solver keeps its workspaces across the batch (one `EigenSolver` per batch; GSL
///   workspaces and LAPACK `work` queried and allocated once per N); inputs are copied into
///   the solver's own buffer on every call (all three overwrite or copy their input);
/// - a measurement runs `passes` passes over the batch, `passes` calibrated from a warm-up
///   pass so that one measurement lasts about 0.4 s; the rate is `passes * count / seconds`
///   (CLOCK_MONOTONIC), and the best of 3 measurements is reported;
/// - modes: `values` (eigenvalues only) and `vectors` (native: `factor(vectors: true)`, then
///   the left and right eigenvectors of lambda_min, written with `leftEigenvector(_:into:)` /
///   `rightEigenvector(_:into:)` into buffers allocated once per N; lambda_min = the minimum real eigenvalue, or the
///   eigenvalue of minimum real part when none is real; GSL: `gsl_eigen_nonsymmv`, all right
///   eigenvectors; LAPACK: `dgeev` with jobvl = jobvr = 'V', all left and right eigenvectors);
/// - before timing, the eigenvalues of the three solvers are cross-checked on the whole batch
///   within a condition-scaled tolerance, and the benchmark aborts (exit 3) if they disagree.
///
/// - `values-batched` (N = 3 and 8): the same batch through `BatchedSmallEigen` (several
///   matrices at once in SIMD lanes; its eigenvalues are checked bit for bit against the
///   scalar solver's first), against the same GSL and LAPACK values passes;
/// - the default sweep of the release `gradcheck` binary (`sweep --exit-zero`, which writes
///   no file), run once with `--jobs 1` and once with `--jobs <cores>`, wall time each.
///
/// Usage: `EigenBench [--out Reports/bench.json] [--quick] [--gradcheck BIN] [--profile-native N values|vectors] [--profile-batched N] [--compare-batched N]`.

import AllocCounter
import CGSLBench
import CLapacke
import Dispatch
import EigenCore
import Foundation
import GradCheckCore
import Spectral  // SpectralEvaluator: a module of GradCheckCore's product, not a product itself

#if canImport(Glibc)
  import Glibc
#endif

// MARK: - Options

var outPath = "Reports/bench.json"
var quick = false
/// `--profile-native N MODE`: only run the native solver on the N batch for ~3 s (for `perf record`).
var profile: (n: Int, mode: String)? = nil
/// `--profile-batched N`: only run `BatchedSmallEigen` on the N batch for ~3 s.
var profileBatched: Int? = nil
/// `--compare-batched N`: only the N batch's eigenvalues through the scalar solver,
/// `BatchedSmallEigen` and GSL, measured side by side in this process (ratios for tuning).
var compareBatched: Int? = nil
/// The release `gradcheck` binary timed on the default sweep (`make bench` builds it).
var gradcheckPath = ".build/release/gradcheck"
do {
  var args = CommandLine.arguments.dropFirst()
  while let a = args.popFirst() {
    switch a {
    case "--out":
      guard let p = args.popFirst() else { fatalError("--out needs a path") }
      outPath = p
    case "--quick": quick = true
    case "--profile-native":
      guard let n = args.popFirst().flatMap({ Int($0) }), let m = args.popFirst() else { fatalError("--profile-native N values|vectors") }
      profile = (n, m)
    case "--profile-batched":
      guard let n = args.popFirst().flatMap({ Int($0) }) else { fatalError("--profile-batched N") }
      profileBatched = n
    case "--compare-batched":
      guard let n = args.popFirst().flatMap({ Int($0) }) else { fatalError("--compare-batched N") }
      compareBatched = n
    case "--gradcheck":
      guard let p = args.popFirst() else { fatalError("--gradcheck needs a path") }
      gradcheckPath = p
    default:
      FileHandle.standardError.write("usage: EigenBench [--out PATH] [--quick] [--gradcheck BIN] [--profile-native N values|vectors] [--profile-batched N] [--compare-batched N]\n".data(using: .utf8)!)
      exit(2)
    }
  }
}

/// Target seconds of one measurement.
let targetSeconds = quick ? 0.05 : 0.4
let repetitions = 3
let sizes = [3, 8, 32, 128]
/// Matrices per batch: fewer at large N (each measurement is several passes over the batch).
func batchCount(_ n: Int) -> Int {
  switch n {
  case ...3: return 4096
  case ...8: return 2048
  case ...32: return 256
  default: return 16
  }
}

// MARK: - Clock, sink

/// `EIGENBENCH_CPU_CLOCK=1`: time by the thread's CPU clock instead of the wall clock, so
/// that another process sharing the core does not count against the code measured (for
/// comparisons on a busy machine; the published figures are wall-clock).
let cpuClock = ProcessInfo.processInfo.environment["EIGENBENCH_CPU_CLOCK"] == "1"
/// How long `--profile-native` and `--profile-batched` run (`EIGENBENCH_SECONDS`, default 3).
let profileSeconds = ProcessInfo.processInfo.environment["EIGENBENCH_SECONDS"].flatMap(Double.init) ?? 3

/// Seconds: `clock_gettime(CLOCK_MONOTONIC)`, or `CLOCK_THREAD_CPUTIME_ID` with
/// `EIGENBENCH_CPU_CLOCK=1`.
@inline(never) func now() -> Double {
  var ts = timespec()
  clock_gettime(cpuClock ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Keeps results observable so that the optimiser cannot drop the work.
nonisolated(unsafe) var sinkValue = 0.0
@inline(never) func sink(_ x: Double) { sinkValue += x }
nonisolated(unsafe) var sinkArray: [Double] = []
@inline(never) func sinkArr(_ a: [Double]) { sinkArray = a }

func fail(_ message: String, code: Int32 = 3) -> Never {
  FileHandle.standardError.write("bench: \(message)\n".data(using: .utf8)!)
  exit(code)
}

// MARK: - Batches

/// `count` row-major n x n matrices with independent standard-normal entries.
struct Batch {
  let n: Int
  let count: Int
  let data: [Double]
  init(n: Int, count: Int, seed: UInt64) {
    var rng = SeededRNG(seed: seed, stream: UInt64(n))
    var d = [Double](repeating: 0, count: count * n * n)
    for k in 0..<d.count { d[k] = rng.gaussian() }
    self.n = n
    self.count = count
    self.data = d
  }
  func matrix(_ k: Int) -> Matrix {
    Matrix(rows: n, cols: n, storage: Array(data[(k * n * n)..<((k + 1) * n * n)]))
  }
}

enum Mode: String { case values, vectors, valuesBatched = "values-batched" }

// MARK: - Native

/// Index of lambda_min: the minimum real eigenvalue, or the eigenvalue of minimum real part
/// when none is real.
@inline(__always) func pickMinimum(_ s: borrowing EigenSolver, n: Int) -> Int {
  var pick = -1
  var best = Double.infinity
  for i in 0..<n {
    let l = s.eigenvalue(i)
    if l.im == 0 && l.re < best { best = l.re; pick = i }
  }
  if pick < 0 {
    for i in 0..<n where s.eigenvalue(i).re < best { best = s.eigenvalue(i).re; pick = i }
  }
  return pick
}

/// Caller-owned buffers for the lambda_min left and right eigenvectors, allocated once per
/// N and reused: `leftEigenvector(_:into:)` / `rightEigenvector(_:into:)` write into them,
/// so the vectors mode allocates nothing per matrix.
struct VectorBuffers {
  let u: UnsafeMutableBufferPointer<Complex>
  let v: UnsafeMutableBufferPointer<Complex>
  init(n: Int) {
    u = .allocate(capacity: n)
    u.initialize(repeating: .zero)
    v = .allocate(capacity: n)
    v.initialize(repeating: .zero)
  }
  func deallocate() {
    u.deallocate()
    v.deallocate()
  }
}

/// One pass of the native solver over a batch with a reused solver; returns a checksum.
func nativePass(
  _ solver: inout EigenSolver, _ vecs: VectorBuffers, _ b: Batch, _ mode: Mode, range: Range<Int>? = nil
) -> Double {
  let n = b.n, nn = n * n
  var acc = 0.0
  let r = range ?? 0..<b.count
  b.data.withUnsafeBufferPointer { all in
    for k in r {
      let m = UnsafeBufferPointer(rebasing: all[(k * nn)..<((k + 1) * nn)])
      do throws(EigenError) {
        switch mode {
        case .values, .valuesBatched:
          try solver.factor(m, n: n, vectors: false)
          acc += solver.eigenvalue(0).re
        case .vectors:
          try solver.factor(m, n: n, vectors: true)
          let i = pickMinimum(solver, n: n)
          try solver.leftEigenvector(i, into: vecs.u)
          try solver.rightEigenvector(i, into: vecs.v)
          acc += solver.eigenvalue(i).re + vecs.u[0].re + vecs.v[0].re
        }
      } catch {
        fail("native solver failed on matrix \(k) (N=\(n)): \(error)")
      }
    }
  }
  return acc
}

/// Native `factor(vectors: true)` without the eigenvector extraction (for the time breakdown).
func nativeFactorOnlyPass(_ solver: inout EigenSolver, _ b: Batch) -> Double {
  let n = b.n, nn = n * n
  var acc = 0.0
  b.data.withUnsafeBufferPointer { all in
    for k in 0..<b.count {
      let m = UnsafeBufferPointer(rebasing: all[(k * nn)..<((k + 1) * nn)])
      do throws(EigenError) {
        try solver.factor(m, n: n, vectors: true)
        acc += solver.eigenvalue(0).re
      } catch {
        fail("native solver failed on matrix \(k) (N=\(n)): \(error)")
      }
    }
  }
  return acc
}

// MARK: - GSL

/// GSL workspaces for one N, allocated once and reused (balancing on, like dgeev and the
/// native solver).
final class GSLRunner {
  let n: Int
  let m: UnsafeMutablePointer<gsl_matrix>
  let eval: UnsafeMutablePointer<gsl_vector_complex>
  let evec: UnsafeMutablePointer<gsl_matrix_complex>
  let w: UnsafeMutablePointer<gsl_eigen_nonsymm_workspace>
  let wv: UnsafeMutablePointer<gsl_eigen_nonsymmv_workspace>

  init(n: Int) {
    self.n = n
    guard let m = gsl_matrix_alloc(n, n), let e = gsl_vector_complex_alloc(n),
      let z = gsl_matrix_complex_alloc(n, n), let w = gsl_eigen_nonsymm_alloc(n),
      let wv = gsl_eigen_nonsymmv_alloc(n)
    else { fail("GSL allocation failed") }
    self.m = m; self.eval = e; self.evec = z; self.w = w; self.wv = wv
    gsl_eigen_nonsymm_params(0, 1, w)
    gsl_eigen_nonsymmv_params(1, wv)
  }
  deinit {
    gsl_matrix_free(m); gsl_vector_complex_free(eval); gsl_matrix_complex_free(evec)
    gsl_eigen_nonsymm_free(w); gsl_eigen_nonsymmv_free(wv)
  }

  /// Eigenvalue i (valid after a call).
  func eigenvalue(_ i: Int) -> Complex {
    Complex(eval.pointee.data[2 * i], eval.pointee.data[2 * i + 1])
  }

  func pass(_ b: Batch, _ mode: Mode) -> Double {
    let n = self.n, nn = n * n
    var acc = 0.0
    let dst = m.pointee.data!
    b.data.withUnsafeBufferPointer { all in
      for k in 0..<b.count {
        dst.update(from: all.baseAddress! + k * nn, count: nn)  // tda == n
        switch mode {
        case .values, .valuesBatched:
          let status = gsl_eigen_nonsymm(m, eval, w)
          if status != 0 { fail("gsl_eigen_nonsymm failed (\(status)) on matrix \(k), N=\(n)") }
          acc += eval.pointee.data[0]
        case .vectors:
          let status = gsl_eigen_nonsymmv(m, eval, evec, wv)
          if status != 0 { fail("gsl_eigen_nonsymmv failed (\(status)) on matrix \(k), N=\(n)") }
          acc += eval.pointee.data[0] + evec.pointee.data[0]
        }
      }
    }
    return acc
  }
}

// MARK: - LAPACK

/// `LAPACKE_dgeev_work` (column-major; the input is transposed into `a` on every call) with
/// the workspace queried (lwork = -1) once per N and mode, so no call allocates.
final class LapackRunner {
  let n: Int
  let a: UnsafeMutablePointer<Double>
  let wr: UnsafeMutablePointer<Double>
  let wi: UnsafeMutablePointer<Double>
  let vl: UnsafeMutablePointer<Double>
  let vr: UnsafeMutablePointer<Double>
  let workN: UnsafeMutablePointer<Double>
  let workV: UnsafeMutablePointer<Double>
  let lworkN: Int32
  let lworkV: Int32

  init(n: Int) {
    self.n = n
    let a = UnsafeMutablePointer<Double>.allocate(capacity: n * n)
    a.initialize(repeating: 1, count: n * n)
    let wr = UnsafeMutablePointer<Double>.allocate(capacity: n)
    wr.initialize(repeating: 0, count: n)
    let wi = UnsafeMutablePointer<Double>.allocate(capacity: n)
    wi.initialize(repeating: 0, count: n)
    let vl = UnsafeMutablePointer<Double>.allocate(capacity: n * n)
    vl.initialize(repeating: 0, count: n * n)
    let vr = UnsafeMutablePointer<Double>.allocate(capacity: n * n)
    vr.initialize(repeating: 0, count: n * n)
    self.a = a; self.wr = wr; self.wi = wi; self.vl = vl; self.vr = vr
    let ni = Int32(n)
    func query(_ job: UInt8) -> Int32 {
      var opt = 0.0
      let info = LAPACKE_dgeev_work(
        LAPACK_COL_MAJOR, CChar(job), CChar(job), ni, a, ni, wr, wi, vl, ni, vr, ni, &opt, -1)
      if info != 0 { fail("dgeev workspace query failed (\(info))") }
      return Int32(opt)
    }
    lworkN = query(UInt8(ascii: "N"))
    lworkV = query(UInt8(ascii: "V"))
    workN = .allocate(capacity: Int(lworkN)); workN.initialize(repeating: 0, count: Int(lworkN))
    workV = .allocate(capacity: Int(lworkV)); workV.initialize(repeating: 0, count: Int(lworkV))
  }
  deinit {
    a.deallocate(); wr.deallocate(); wi.deallocate(); vl.deallocate(); vr.deallocate()
    workN.deallocate(); workV.deallocate()
  }

  func eigenvalue(_ i: Int) -> Complex { Complex(wr[i], wi[i]) }

  func pass(_ b: Batch, _ mode: Mode) -> Double {
    let n = self.n, nn = n * n, ni = Int32(n)
    let values = mode != .vectors
    let job = CChar(values ? UInt8(ascii: "N") : UInt8(ascii: "V"))
    let work = values ? workN : workV
    let lwork = values ? lworkN : lworkV
    var acc = 0.0
    b.data.withUnsafeBufferPointer { all in
      for k in 0..<b.count {
        let src = all.baseAddress! + k * nn
        // Row-major A into column-major a: a[i + j n] = A[i n + j].
        for i in 0..<n { for j in 0..<n { a[i + j * n] = src[i * n + j] } }
        let info = LAPACKE_dgeev_work(
          LAPACK_COL_MAJOR, job, job, ni, a, ni, wr, wi, vl, ni, vr, ni, work, lwork)
        if info != 0 { fail("dgeev failed (info \(info)) on matrix \(k), N=\(n)") }
        acc += wr[0] + (mode == .vectors ? vl[0] + vr[0] : 0)
      }
    }
    return acc
  }
}

// MARK: - Measurement

/// Best-of-`repetitions` rates in matrices per second of several contenders, measured
/// interleaved (round r runs every contender once) so that a change in the machine's load
/// hits all of them alike. One pass of a contender = `perPass` matrices; a warm-up pass
/// calibrates each contender's passes per measurement to about `targetSeconds`.
func measure(perPass: Int, _ contenders: [() -> Double]) -> [Double] {
  let passes = contenders.map { pass -> Int in
    let t0 = now()
    sink(pass())
    let once = max(now() - t0, 1e-7)
    return max(1, min(1_000_000, Int((targetSeconds / once).rounded(.up))))
  }
  var best = [Double](repeating: 0, count: contenders.count)
  for _ in 0..<repetitions {
    for (c, pass) in contenders.enumerated() {
      let start = now()
      var acc = 0.0
      for _ in 0..<passes[c] { acc += pass() }
      let elapsed = now() - start
      sink(acc)
      best[c] = max(best[c], Double(passes[c] * perPass) / elapsed)
    }
  }
  return best
}

/// A native solver kept across a batch (a class so that closures can share it).
final class NativeRunner {
  var solver: EigenSolver
  let vecs: VectorBuffers
  init(n: Int) {
    solver = EigenSolver(capacity: n)
    vecs = VectorBuffers(n: n)
  }
  deinit { vecs.deallocate() }
  func pass(_ b: Batch, _ mode: Mode) -> Double { nativePass(&solver, vecs, b, mode) }
  func factorOnlyPass(_ b: Batch) -> Double { nativeFactorOnlyPass(&solver, b) }
}

/// `BatchedSmallEigen` over a batch, with its outputs allocated once.
final class BatchedRunner {
  let solver: BatchedSmallEigen
  let values: UnsafeMutableBufferPointer<Complex>
  let outcomes: UnsafeMutableBufferPointer<EigenBatch.Outcome>
  init(_ b: Batch) {
    solver = BatchedSmallEigen(order: b.n)
    values = .allocate(capacity: b.count * b.n)
    values.initialize(repeating: .zero)
    outcomes = .allocate(capacity: b.count)
    outcomes.initialize(repeating: .solved)
  }
  deinit {
    values.deallocate()
    outcomes.deallocate()
  }
  func pass(_ b: Batch) -> Double {
    b.data.withUnsafeBufferPointer { solver.eigenvalues(of: $0, count: b.count, into: values, outcomes: outcomes) }
    var acc = 0.0
    for k in 0..<b.count { acc += values[k * b.n].re }
    return acc
  }
  /// Aborts unless every eigenvalue has the scalar solver's bits.
  func check(_ b: Batch) {
    sink(pass(b))
    var s = EigenSolver(capacity: b.n)
    for k in 0..<b.count {
      do throws(EigenError) {
        try s.factor(b.matrix(k), vectors: false)
      } catch {
        fail("native solver failed on matrix \(k) (N=\(b.n)): \(error)")
      }
      for i in 0..<b.n where values[k * b.n + i].re.bitPattern != s.eigenvalue(i).re.bitPattern
        || values[k * b.n + i].im.bitPattern != s.eigenvalue(i).im.bitPattern
      {
        fail("batched eigenvalue \(i) of matrix \(k) (N=\(b.n)) differs from the scalar solver's")
      }
    }
  }
}

/// Heap allocations per matrix of one pass (the pass is warmed up first).
func allocationsPerMatrix(perPass: Int, _ pass: () -> Double) -> Double {
  sink(pass())
  alloc_counter_reset()
  let acc = pass()
  let count = alloc_counter_value()
  sink(acc)
  return Double(count) / Double(perPass)
}

// MARK: - Cross-check of the eigenvalues

/// Checks that the three solvers' eigenvalues agree on every matrix of the batch.
///
/// For each eigenvalue `lambda` of one solver, the nearest eigenvalue `mu` of the other must
/// satisfy `|lambda - mu| <= tol = 64 n ulp ||A||_F kappa(lambda)` (backward error
/// `O(n ulp ||A||)` times the condition number `kappa = |u| |v| / |u^T v|`, taken from the
/// native eigenpair nearest to `lambda`), in both directions. Also checks the native
/// lambda_min eigenvectors: `||A v - lambda v|| <= 64 n ulp ||A||_F` and the same for `u^T A`.
/// Returns the largest `|lambda - mu| / tol` seen.
func crossCheck(_ b: Batch, gsl: GSLRunner, lapack: LapackRunner) -> Double {
  let n = b.n
  var worst = 0.0
  var vec = EigenSolver(capacity: n)
  var val = EigenSolver(capacity: n)
  let single = Batch1(batch: b)
  for k in 0..<b.count {
    let a = b.matrix(k)
    let scale = 64 * Double(n) * Machine.ulp * a.normFrobenius
    do throws(EigenError) {
      try val.factor(a, vectors: false)
      try vec.factor(a, vectors: true)
      let pairs = try (0..<n).map { (i: Int) throws(EigenError) -> (Complex, Double) in
        let p = try vec.eigenpair(i)
        return (p.value, p.kappa)
      }
      func kappa(near z: Complex) -> Double {
        var best = Double.infinity, kap = Double.infinity
        for (l, c) in pairs where (l - z).magnitude < best { best = (l - z).magnitude; kap = c }
        return kap
      }
      _ = gsl.pass(single.at(k), .values)
      _ = lapack.pass(single.at(k), .values)
      let native = val.eigenvalues
      let sets: [(String, [Complex])] = [
        ("native vectors mode", pairs.map { $0.0 }),
        ("GSL", (0..<n).map { gsl.eigenvalue($0) }),
        ("LAPACK", (0..<n).map { lapack.eigenvalue($0) }),
      ]
      for (name, other) in sets {
        for (xs, ys) in [(native, other), (other, native)] {
          for x in xs {
            let d = ys.map { ($0 - x).magnitude }.min()!
            let tol = scale * kappa(near: x)
            if !(d <= tol) {
              fail("eigenvalues disagree (native vs \(name)) on matrix \(k), N=\(n): \(x) is \(d) from the nearest, tolerance \(tol)")
            }
            worst = max(worst, d / tol)
          }
        }
      }
      // lambda_min eigenvectors (what a gradient needs).
      let i = pickMinimum(vec, n: n)
      let lambda = vec.eigenvalue(i)
      let u = try vec.leftEigenvector(i)
      let v = try vec.rightEigenvector(i)
      var rr = [Complex](repeating: .zero, count: n), rl = rr
      for r in 0..<n {
        for c in 0..<n {
          rr[r] = rr[r] + Complex(a[r, c]) * v[c]
          rl[c] = rl[c] + u[r] * Complex(a[r, c])
        }
      }
      for r in 0..<n {
        rr[r] = rr[r] - lambda * v[r]
        rl[r] = rl[r] - lambda * u[r]
      }
      let resR = scaledNorm2(rr.flatMap { [$0.re, $0.im] })
      let resL = scaledNorm2(rl.flatMap { [$0.re, $0.im] })
      if !(resR <= scale && resL <= scale) {
        fail("native lambda_min eigenvectors have residuals \(resR), \(resL) > \(scale) on matrix \(k), N=\(n)")
      }
    } catch {
      fail("native solver failed in the cross-check on matrix \(k), N=\(n): \(error)")
    }
  }
  return worst
}

/// One-matrix batches cut from a batch (for the cross-check).
struct Batch1 {
  let batch: Batch
  func at(_ k: Int) -> Batch {
    Batch(n: batch.n, data: Array(batch.data[(k * batch.n * batch.n)..<((k + 1) * batch.n * batch.n)]))
  }
}

extension Batch {
  init(n: Int, data: [Double]) {
    self.n = n
    self.count = data.count / (n * n)
    self.data = data
  }
}

// MARK: - Run

func fmt(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }

// The interposer must be live, or allocations_per_matrix would read 0 for the wrong reason.
do {
  alloc_counter_reset()
  sinkArr([Double](repeating: 1, count: 64 + Int(sinkValue.isNaN ? 1 : 0)))
  if alloc_counter_value() == 0 { fail("the malloc interposer is not live (no allocation counted)") }
}

if let (n, m) = profile {
  guard let mode = Mode(rawValue: m) else { fail("mode must be values or vectors", code: 2) }
  let b = Batch(n: n, count: batchCount(n), seed: 6)
  var solver = EigenSolver(capacity: n)
  let vecs = VectorBuffers(n: n)
  let start = now()
  var passes = 0
  while now() - start < profileSeconds && passes < 1_000_000 {
    sink(nativePass(&solver, vecs, b, mode))
    passes += 1
  }
  print("native N=\(n) \(mode.rawValue): \(fmt(Double(passes * b.count) / (now() - start), 0)) matrices/s")
  exit(0)
}

if let n = profileBatched {
  let b = Batch(n: n, count: batchCount(n), seed: 6)
  let runner = BatchedRunner(b)
  let start = now()
  var passes = 0
  while now() - start < profileSeconds && passes < 1_000_000 {
    sink(runner.pass(b))
    passes += 1
  }
  print("batched N=\(n): \(fmt(Double(passes * b.count) / (now() - start), 0)) matrices/s, "
    + "\(fmt(Double(runner.solver.rounds) / Double(passes * b.count) * Double(runner.solver.laneWidth), 2)) rounds per group of \(runner.solver.laneWidth)")
  exit(0)
}

if let n = compareBatched {
  let b = Batch(n: n, count: batchCount(n), seed: 6)
  let native = NativeRunner(n: n)
  let gsl = GSLRunner(n: n)
  let lanes = BatchedRunner(b)
  lanes.check(b)
  let r = measure(perPass: b.count, [{ native.pass(b, .values) }, { lanes.pass(b) }, { gsl.pass(b, .values) }])
  let width = lanes.solver.laneWidth
  let perGroup = Double(lanes.solver.rounds) / Double(lanes.solver.matricesSolved) * Double(width)
  let rates = "N=\(n) matrices/s: scalar values \(fmt(r[0], 0)), batched \(fmt(r[1], 0)), GSL \(fmt(r[2], 0)); "
  let ratios = "batched/scalar \(fmt(r[1] / r[0], 3)), batched/GSL \(fmt(r[1] / r[2], 3)), scalar/GSL \(fmt(r[0] / r[2], 3)); "
  var sweeps = 0
  for k in 0..<b.count {
    try? native.solver.factor(b.matrix(k), vectors: false)
    sweeps += native.solver.iterations
  }
  let counts = "\(fmt(perGroup, 2)) rounds per group of \(width) (scalar: \(fmt(Double(sweeps) / Double(b.count), 2)) sweeps per matrix), fallbacks \(lanes.solver.fallbacks) of \(lanes.solver.matricesSolved)"
  print(rates + ratios + counts)
  exit(0)
}

let cpu: String = {
  guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
  for line in text.split(separator: "\n") where line.hasPrefix("model name") {
    return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
  }
  return "unknown"
}()
let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
/// The CPU the Swift code was compiled for, as `make bench` says (`EIGENBENCH_TARGET_CPU`:
/// its `TARGET_CPU`, empty for the compiler's baseline); "unknown" when run otherwise.
let targetCPU: String = {
  guard let value = ProcessInfo.processInfo.environment["EIGENBENCH_TARGET_CPU"] else { return "unknown" }
  return value.isEmpty ? "baseline" : value
}()
print("gradcheck bench: native EigenSolver vs GSL 2.7 (gsl_eigen_nonsymm[v]) vs LAPACKE dgeev")
print("machine: \(cores) cores, \(cpu); Swift code built for: \(targetCPU); OPENBLAS_NUM_THREADS=\(ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] ?? "unset")")
let lapackBackend: String = {
  guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return "unknown" }
  let libs = Set(maps.split(separator: "\n").compactMap { line -> String? in
    guard let path = line.split(separator: " ", omittingEmptySubsequences: true).last, path.hasPrefix("/") else { return nil }
    let p = String(path)
    return p.contains("lapack") || p.contains("blas") ? p : nil
  })
  return libs.sorted().joined(separator: ", ")
}()
print("LAPACK/BLAS libraries loaded: \(lapackBackend)")
print("load average at start: \((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "unknown")")
print("single-threaded, best of \(repetitions) measurements of ~\(targetSeconds) s, matrices per second")
print("")

struct Row { let n: Int; let mode: Mode; let native: Double; let gsl: Double; let lapack: Double }
var rows: [Row] = []
var allocValues: [Int: Double] = [:]
var allocVectors: [Int: Double] = [:]
var allocOthers: [String] = []
var breakdown: [String] = []
var batches: [Int: Batch] = [:]
var factorOnlyRate: [Int: Double] = [:]
var batchedRounds: [Int: Double] = [:]
var batchedWidth: [Int: Int] = [:]
var batchedFallbacks: [Int: Int] = [:]
var allocBatched: [Int: Double] = [:]

for n in sizes {
  let b = Batch(n: n, count: batchCount(n), seed: 6)
  batches[n] = b
  let gsl = GSLRunner(n: n)
  let lapack = LapackRunner(n: n)
  let worst = crossCheck(b, gsl: gsl, lapack: lapack)
  print("N=\(n): \(b.count) matrices; eigenvalues agree (native, GSL, LAPACK), worst error / tolerance \(String(format: "%.2e", worst))")
  for mode in [Mode.values, .vectors] {
    let native = NativeRunner(n: n)
    var contenders: [() -> Double] = [
      { native.pass(b, mode) }, { gsl.pass(b, mode) }, { lapack.pass(b, mode) },
    ]
    // For the time breakdown: factor(vectors: true) without extracting eigenvectors.
    let factorOnly = NativeRunner(n: n)
    if mode == .vectors { contenders.append { factorOnly.factorOnlyPass(b) } }
    let r = measure(perPass: b.count, contenders)
    rows.append(Row(n: n, mode: mode, native: r[0], gsl: r[1], lapack: r[2]))
    if mode == .vectors { factorOnlyRate[n] = r[3] }
    let al = allocationsPerMatrix(perPass: b.count) { native.pass(b, mode) }
    if mode == .values { allocValues[n] = al } else { allocVectors[n] = al }
    let ag = allocationsPerMatrix(perPass: b.count) { gsl.pass(b, mode) }
    let ala = allocationsPerMatrix(perPass: b.count) { lapack.pass(b, mode) }
    allocOthers.append("N=\(n) \(mode.rawValue): GSL \(fmt(ag, 2)), LAPACK \(fmt(ala, 2))")
  }
  if n <= 8 {
    // The same batch through the batched path, beside the same GSL and LAPACK values passes.
    let eight = BatchedRunner(b)
    eight.check(b)
    let r = measure(perPass: b.count, [{ eight.pass(b) }, { gsl.pass(b, .values) }, { lapack.pass(b, .values) }])
    rows.append(Row(n: n, mode: .valuesBatched, native: r[0], gsl: r[1], lapack: r[2]))
    batchedRounds[n] = Double(eight.solver.rounds) / Double(eight.solver.matricesSolved) * Double(eight.solver.laneWidth)
    batchedWidth[n] = eight.solver.laneWidth
    batchedFallbacks[n] = eight.solver.fallbacks
    allocBatched[n] = allocationsPerMatrix(perPass: b.count) { eight.pass(b) }
  }
  // Where the native time goes: factor(vectors: true) alone vs with the lambda_min vectors,
  // and QR iterations per matrix.
  var s = EigenSolver(capacity: n)
  let factorOnly = factorOnlyRate[n]!
  var iters = 0
  for k in 0..<b.count {
    try? s.factor(b.matrix(k), vectors: false)
    iters += s.iterations
  }
  let rv = rows.first { $0.n == n && $0.mode == .values }!.native
  let rb = rows.first { $0.n == n && $0.mode == .valuesBatched }?.native
  let rvec = rows.first { $0.n == n && $0.mode == .vectors }!.native
  breakdown.append(
    "N=\(n): values \(fmt(1e6 / rv, 2)) us, factor(vectors: true) \(fmt(1e6 / factorOnly, 2)) us, "
      + "+ left/right vectors of lambda_min \(fmt(1e6 / rvec, 2)) us per matrix; "
      + "\(fmt(Double(iters) / Double(b.count), 1)) QR iterations per matrix"
      + (rb.map { "; batched values \(fmt(1e6 / $0, 3)) us, \(fmt(batchedRounds[n]!, 1)) rounds per group of \(batchedWidth[n]!)" } ?? ""))
}

// Parallel: N=8 values through the product's batch API, `EigenBatch.eigenvalues`, on all
// cores vs on one thread (one solver per worker, dynamic blocks; see Batch.swift).
let threads = max(1, cores)
let pb = batches[8]!
nonisolated(unsafe) let parallelValues = UnsafeMutableBufferPointer<Complex>.allocate(capacity: pb.count * pb.n)
parallelValues.initialize(repeating: .zero)
/// One pass of `EigenBatch.eigenvalues` over the batch on `threads` workers; returns a
/// checksum of the eigenvalues (so that no work can be optimised away).
func batchPass(_ b: Batch, threads: Int) -> Double {
  let outcomes = b.data.withUnsafeBufferPointer {
    EigenBatch.eigenvalues($0, n: b.n, count: b.count, into: parallelValues, threads: threads)
  }
  var acc = Double(outcomes.count)
  for k in stride(from: 0, to: b.count * b.n, by: 7) { acc += parallelValues[k].re }
  return acc
}
let parallelRates = measure(perPass: pb.count, [
  { batchPass(pb, threads: 1) }, { batchPass(pb, threads: threads) },
])
let rateOne = parallelRates[0], rateAll = parallelRates[1]
let speedup = rateAll / rateOne

/// Process CPU seconds (user + system, all threads) per wall second over ~`targetSeconds` of
/// `pass`: about `threads` when every thread had a core of its own, about 1 when the other
/// cores were busy with other work.
func cpuPerWall(_ pass: () -> Double) -> Double {
  func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) * 1e-6
      + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) * 1e-6
  }
  let c0 = cpuSeconds(), t0 = now()
  var passes = 0
  while now() - t0 < targetSeconds && passes < 1_000_000 {
    sink(pass())
    passes += 1
  }
  return (cpuSeconds() - c0) / (now() - t0)
}
let parallelCPU = cpuPerWall { batchPass(pb, threads: threads) }
func loadAverage() -> String {
  (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))
    .map { $0.split(separator: " ").prefix(3).joined(separator: " ") } ?? "unknown"
}

// MARK: - One full gradient check

/// The reference case y[0] (docs/checks.md) with x = -2 and 1, every transform, the 6 default betas,
/// no GSL cross-check (an engine made without a reference check): eigen solves and best-of-3 wall time of
/// `CheckEngine.run` on one thread.
func gradientCheckCost() -> (solves: Int, cases: Int, seconds: Double) {
  let y = Matrix([[-0.2671, -0.0748, -0.1718], [-0.1510, 0.2960, -1.6154], [-0.0786, -1.6944, 0.9237]])
  let job = MatrixJob(
    y: y, xs: [XCase(index: 0, x: -2), XCase(index: 0, x: 1)], name: "spec-reference y[0]",
    repro: "bench")
  let engine = CheckEngine(options: EngineOptions())
  var best = Double.infinity, solves = 0, cases = 0
  for _ in 0..<repetitions {
    var evaluator = SpectralEvaluator()
    let t0 = now()
    let results = engine.run(job, evaluator: &evaluator)
    best = min(best, now() - t0)
    solves = evaluator.solves
    cases = results.count
  }
  return (solves, cases, best)
}
let gradCost = gradientCheckCost()

// MARK: - The default sweep, one thread against all cores

/// Wall seconds of `gradcheck sweep --jobs <jobs> --exit-zero` (the default sweep; it writes
/// no file, its summary line goes to a pipe and is returned), and the CPU seconds it used
/// (user + system, from the children's rusage).
func timeSweep(_ gradcheckPath: String, jobs: Int) -> (seconds: Double, cpu: Double, summary: String) {
  let p = Process()
  p.executableURL = URL(fileURLWithPath: gradcheckPath)
  p.arguments = ["sweep", "--jobs", "\(jobs)", "--exit-zero"]
  let out = Pipe()
  p.standardOutput = out
  p.standardError = FileHandle.nullDevice
  let cpu0 = childrenCPUSeconds()
  let t0 = now()
  do { try p.run() } catch { fail("cannot run \(gradcheckPath): \(error) (make bench builds it)") }
  let data = out.fileHandleForReading.readDataToEndOfFile()
  p.waitUntilExit()
  let seconds = now() - t0
  if p.terminationStatus != 0 { fail("\(gradcheckPath) sweep --jobs \(jobs) exited \(p.terminationStatus)") }
  let summary = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
  return (seconds, childrenCPUSeconds() - cpu0, summary)
}

/// User + system CPU seconds of the waited-for children so far.
func childrenCPUSeconds() -> Double {
  var usage = rusage()
  getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
  func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
  return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// The sweep with one thread and with all, twice, interleaved (1, all, 1, all) like the
/// solver rows, so that a change in the machine's load hits both alike; the faster of each
/// pair's two runs is reported.
let sweepLoad = loadAverage()
var sweepRuns: [(one: (seconds: Double, cpu: Double, summary: String), all: (seconds: Double, cpu: Double, summary: String))] = []
if !quick {
  for _ in 0..<2 {
    sweepRuns.append((timeSweep(gradcheckPath, jobs: 1), timeSweep(gradcheckPath, jobs: threads)))
  }
}
let sweepOne = sweepRuns.map(\.one).min { $0.seconds < $1.seconds }
let sweepAll = sweepRuns.map(\.all).min { $0.seconds < $1.seconds }
for run in sweepRuns where run.one.summary != run.all.summary || run.one.summary != sweepRuns[0].one.summary {
  fail("the sweep's summary differs between runs or between --jobs 1 and --jobs \(threads): '\(run.one.summary)' vs '\(run.all.summary)'")
}

// MARK: - Table

let allocMax = max(allocValues.values.max() ?? 0, allocBatched.values.max() ?? 0)
let allocVectorsMax = allocVectors.values.max() ?? 0
/// bench.json's `allocations_per_matrix`: the largest over both modes and every N when both
/// modes are allocation-free, else the values-mode figure (the vectors one is printed).
let allocReported = allocMax == 0 && allocVectorsMax == 0 ? max(allocMax, allocVectorsMax) : allocMax
print("")
print(
  pad("N", 4) + pad("mode", 15) + pad("native", 13) + pad("GSL", 13) + pad("LAPACK", 13)
    + pad("nat/GSL", 10) + pad("nat/LAPACK", 12) + pad("GSL target", 12) + pad("LAPACK target", 15))
/// The targets: batched and single-matrix rows alike.
func gslTarget(_ n: Int) -> Double { n <= 3 ? 5 : n <= 8 ? 3 : n <= 32 ? 1.5 : 1 }
func lapackTarget(_ n: Int) -> Double { n <= 32 ? 1 : 0.7 }
for r in rows {
  let rg = r.native / r.gsl, rl = r.native / r.lapack
  let okG = rg >= gslTarget(r.n) ? "ok" : "MISS"
  let okL = (r.n <= 32 ? rl > 1 : rl >= 0.7) ? "ok" : "MISS"
  print(
    pad("\(r.n)", 4) + pad(r.mode.rawValue, 15) + pad(fmt(r.native, 0), 13) + pad(fmt(r.gsl, 0), 13)
      + pad(fmt(r.lapack, 0), 13) + pad(fmt(rg, 2), 10) + pad(fmt(rl, 2), 12)
      + pad(">=\(fmt(gslTarget(r.n), 1)) \(okG)", 12)
      + pad("\(r.n <= 32 ? ">" : ">=")\(fmt(lapackTarget(r.n), 1)) \(okL)", 15))
}
print("")
print(
  "parallel (N=8, values, EigenBatch.eigenvalues on \(threads) threads vs 1): \(fmt(rateAll, 0)) vs \(fmt(rateOne, 0)) matrices/s on one thread, speed-up \(fmt(speedup, 2)) (target >= 1.8: \(speedup >= 1.8 ? "ok" : "MISS"))"
)
print(
  "  CPU seconds per wall second during the \(threads)-thread run: \(fmt(parallelCPU, 2)) "
    + "(about \(threads) when each thread had a core; load average now \(loadAverage()))")
print(
  "native heap allocations per matrix (UnsafeBufferPointer path, reused solver), values: "
    + sizes.map { "N=\($0) \(fmt(allocValues[$0]!, 2))" }.joined(separator: ", ")
    + " (target 0: \(allocMax == 0 ? "ok" : "MISS"))")
print("  vectors (factor(vectors: true) + left/right eigenvector of lambda_min into reused buffers): "
  + sizes.map { "N=\($0) \(fmt(allocVectors[$0]!, 2))" }.joined(separator: ", ")
  + (allocVectorsMax == 0 ? " (none)"
    : " (the rare matrices whose balancing amplifies residuals by more than 4 get the eigenvector residual check, which allocates; see EigenSolver.keepBackwardStableVectors)"))
print("  values-batched (BatchedSmallEigen; lanes: "
  + batchedWidth.keys.sorted().map { "N=\($0) \(batchedWidth[$0]!)" }.joined(separator: ", ") + "): "
  + allocBatched.keys.sorted().map { "N=\($0) \(fmt(allocBatched[$0]!, 2))" }.joined(separator: ", ")
  + "; lanes handed to the scalar solver: "
  + batchedFallbacks.keys.sorted().map { "N=\($0) \(batchedFallbacks[$0]!)" }.joined(separator: ", "))
print("  other solvers: " + allocOthers.joined(separator: "; "))
if let a = sweepOne, let b = sweepAll {
  let sp = a.seconds / b.seconds
  print(
    "default sweep (\(gradcheckPath) sweep --exit-zero, no output file): --jobs 1 \(fmt(a.seconds, 2)) s, "
      + "--jobs \(threads) \(fmt(b.seconds, 2)) s, speed-up \(fmt(sp, 2)) (target >= 1.8: \(sp >= 1.8 ? "ok" : "MISS"); "
      + "load average before \(sweepLoad))")
  print(
    "  runs (wall s / CPU s): " + sweepRuns.map {
      "--jobs 1 \(fmt($0.one.seconds, 2)) / \(fmt($0.one.cpu, 2)), --jobs \(threads) \(fmt($0.all.seconds, 2)) / \(fmt($0.all.cpu, 2))"
    }.joined(separator: "; "))
  print("  \(a.summary)")
}
print(
  "one full gradient check (the reference case y[0], x = -2 and 1, all transforms, 6 betas, \(gradCost.cases) cases, "
    + "no GSL cross-check): \(gradCost.solves) eigen solves, \(fmt(gradCost.seconds * 1e3, 2)) ms")
print("native time per matrix:")
for line in breakdown { print("  " + line) }

// MARK: - JSON

func num(_ x: Double, _ digits: Int) -> String {
  x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : fmt(x, digits)
}
var json = "{\"format\": \"gradcheck-bench/1\", \"rows\": ["
json += rows.map {
  "{\"n\": \($0.n), \"mode\": \"\($0.mode.rawValue)\", \"native\": \(fmt($0.native, 1)), \"gsl\": \(fmt($0.gsl, 1)), \"lapack\": \(fmt($0.lapack, 1))}"
}.joined(separator: ", ")
json += "], \"parallel\": {\"threads\": \(threads), \"speedup\": \(fmt(speedup, 3))}"
if let a = sweepOne, let b = sweepAll {
  json += ", \"sweep\": {\"jobs1_s\": \(fmt(a.seconds, 3)), \"jobs_all_s\": \(fmt(b.seconds, 3)), \"jobs_all\": \(threads), \"speedup\": \(fmt(a.seconds / b.seconds, 3))}"
}
// The lanes per order of the batched path: fixed when the code was compiled (four at every
// order when built with GRADCHECK_AVX2, two at orders 4 ... 16 otherwise), so this says what
// the binary is, whatever `target_cpu` was told.
let lanesJSON = batchedWidth.keys.sorted().map { "\"\($0)\": \(batchedWidth[$0]!)" }.joined(separator: ", ")
json += ", \"allocations_per_matrix\": \(num(allocReported, 3)), \"target_cpu\": \"\(targetCPU)\", \"lanes\": {\(lanesJSON)}}\n"
let url = URL(fileURLWithPath: outPath)
do {
  try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
  try json.write(to: url, atomically: true, encoding: .utf8)
} catch {
  fail("cannot write \(outPath): \(error)", code: 1)
}
print("")
print("wrote \(outPath) (checksum \(String(format: "%.6g", sinkValue)))")
