import EigenCore
import GradCheckCore
import GradcheckModel
import Spectral

/// `gradcheck selftest`: proves the checker catches wrong gradients.
///
/// On a seeded set of smooth matrices (several generators and N) and every
/// transform, it runs the checks once with the correct analytic gradient (no
/// `gradient` or `taylor` failure allowed) and once per injected bug. A bug is
/// *effective* on a case when it changes the analytic gradient by more than
/// `1e-6` relative to the gradient's size (a mutation of `ds/dY` is invisible
/// where `dT/ds = 0`, e.g. on `where`'s feasible branch); it is *caught* when the
/// `gradient` or `taylor` check fails. The selftest passes when every bug kind is
/// effective somewhere and caught on every effective case, and no correct
/// gradient is flagged.
public struct SelfTest: Sendable {
  public struct Row: Sendable, Equatable {
    /// nil for the row of correct gradients.
    public var mutation: GradientMutation?
    /// Cases where the mutation changes the gradient.
    public var effective: Int
    /// Of those, caught by `gradient`, by `taylor`, and by either.
    public var caughtByGradient: Int
    public var caughtByTaylor: Int
    public var caught: Int
    /// Correct row only: cases whose gradient or taylor check failed (false alarms).
    public var falseAlarms: Int
    /// Ids of effective cases that were not caught (or false alarms), capped.
    public var missed: [String]

    public var ok: Bool {
      mutation == nil ? falseAlarms == 0 && effective > 0 : effective > 0 && caught == effective
    }
  }

  public var seed: UInt64
  public var threads: Int

  public init(seed: UInt64 = 0, threads: Int = 1) {
    self.seed = seed
    self.threads = threads
  }

  /// The seeded smooth matrices: Gaussian (odd N), V D V^-1 with a separated real
  /// minimum, and upper triangular plus a random similarity.
  public func jobs() -> [MatrixJob] {
    var jobs: [MatrixJob] = []
    for (k, n) in [3, 4, 5, 8, 3, 5].enumerated() {
      var rng = SeededRNG(seed: seed, stream: 0x5E1F + UInt64(k))
      var y: Matrix
      var attempts = 0
      // A matrix with a real minimum separated from everything else (so every case
      // is smooth); bounded search over seeded draws.
      repeat {
        attempts += 1
        if k % 2 == 0 {
          y = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
        } else {
          // V D V^-1 with D real, distinct, minimum separated.
          var d = (0..<n).map { Double($0) * 0.7 + rng.uniform(-0.2, 0.2) }
          d[0] = -1.5 + rng.uniform(-0.2, 0.2)
          var v = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
          for i in 0..<n { v[i, i] += 3 }
          y = v * Matrix.diagonal(d) * v.inverse
        }
      } while !isSeparated(y) && attempts < 200
      // x values: feasible (1 + t = 2), active (1 + t = -0.5), deep (1 + t = -5).
      var ev = SpectralEvaluator()
      let s = (try? ev.evaluate(.minRealEigenvalue, y, gradient: false).s) ?? nil
      guard let s, s != 0 else { continue }
      let xs = [1.0, -0.5, -5.0].enumerated().map { i, m in
        XCase(index: i, x: (m - 1) / s, label: ["feasible", "active", "deep"][i])
      }
      jobs.append(
        MatrixJob(
          y: y, xs: xs, name: "selftest-\(k) n=\(n)", family: "selftest",
          repro: "gradcheck selftest --seed \(seed)"))
    }
    return jobs
  }

  /// Runs the correct gradients and every mutation.
  public func run(betas: [Double] = [1, 5, 20]) -> [Row] {
    let jobs = self.jobs()
    let options = EngineOptions(betas: betas, seed: seed)
    let builtins: [any GradientSource] = TransformKind.allCases.map { BuiltinTransformSource($0) }
    var rows: [Row] = []
    let runner = ParallelRunner(threads: threads)
    let correct = runner.map(jobs) { job, _, ev in
      CheckEngine(options: options, sources: builtins).run(job, evaluator: &ev)
    }.flatMap { $0 }
    var row = Row(mutation: nil, effective: 0, caughtByGradient: 0, caughtByTaylor: 0, caught: 0, falseAlarms: 0, missed: [])
    for c in correct where c.classification == .smooth {
      row.effective += 1
      let g = c.checks[.gradient]?.status == .fail
      let t = c.checks[.taylor]?.status == .fail
      if g || t {
        row.falseAlarms += 1
        if row.missed.count < 10 { row.missed.append(c.id) }
      }
    }
    rows.append(row)
    for m in GradientMutation.allCases {
      let mutated = runner.map(jobs) { job, _, ev in
        let wrong: [any GradientSource] = builtins.map { MutatedSource($0, mutation: m) }
        return CheckEngine(options: options, sources: wrong).run(job, evaluator: &ev)
      }.flatMap { $0 }
      var r = Row(mutation: m, effective: 0, caughtByGradient: 0, caughtByTaylor: 0, caught: 0, falseAlarms: 0, missed: [])
      for (good, bad) in zip(correct, mutated) where good.classification == .smooth {
        guard isEffective(good, bad) else { continue }
        r.effective += 1
        let g = bad.checks[.gradient]?.status == .fail
        let t = bad.checks[.taylor]?.status == .fail
        if g { r.caughtByGradient += 1 }
        if t { r.caughtByTaylor += 1 }
        if g || t {
          r.caught += 1
        } else if r.missed.count < 10 {
          r.missed.append(bad.id)
        }
      }
      rows.append(r)
    }
    return rows
  }

  /// Whether the mutated gradient differs from the correct one by more than
  /// 1e-6 of the gradient's size.
  func isEffective(_ good: CaseResult, _ bad: CaseResult) -> Bool {
    guard let gx = good.gradX, let bx = bad.gradX, let gy = good.gradY, let by = bad.gradY else { return false }
    var size = abs(gx)
    var diff = abs(gx - bx)
    for (r1, r2) in zip(gy, by) {
      for (a, b) in zip(r1, r2) {
        size = max(size, abs(a))
        diff = max(diff, abs(a - b))
      }
    }
    return diff > 1e-6 * size
  }

  func isSeparated(_ y: Matrix) -> Bool {
    var ev = SpectralEvaluator()
    guard let r = try? ev.evaluate(.minRealEigenvalue, y, gradient: true), let s = r.s else { return false }
    let scale = max(y.maxAbs, 1)
    return r.gap > 0.1 * scale && r.nearestComplexImag > 0.1 * scale && (r.kappa ?? .infinity) < 1e3
      && abs(s) > 0.1 * scale
  }
}
