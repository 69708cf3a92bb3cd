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

extension SelfTest {
  /// One row of the nonsmooth part: a `BracketGradient` on every nonsmooth case.
  public struct NonsmoothRow: Sendable, Equatable {
    public var choice: BracketGradient
    /// Nonsmooth cases where the choice differs from the solver's own gradient by more
    /// than 1e-6 of its size (for the in-bracket rows: every nonsmooth case checked).
    public var effective: Int
    /// Cases whose `gradient` or `taylor` failed.
    public var flagged: Int
    public var missed: [String]

    /// In-bracket gradients are never flagged; outside ones are caught on every effective case.
    public var ok: Bool { effective > 0 && (choice.inBracket ? flagged == 0 : flagged == effective) }
  }

  /// Nonsmooth matrices with exact binary entries: a repeated minimum -1 (block upper
  /// triangular, so the solver's eigenvector pairs are dual) and a triangular matrix with
  /// s = -0.5 and x = 2 on the kink `1 + x*s = 0` of `where` and `leaky`.
  public func nonsmoothJobs() -> [MatrixJob] {
    let repeated: [Matrix] = [
      Matrix([[-1, 0, 0.5], [0, -1, 0.25], [0, 0, 2]]),
      Matrix([[-1, 0, 0.375, 0.125], [0, -1, 0.25, -0.5], [0, 0, 2, 1], [0, 0, 0, 3]]),
    ]
    let kinks: [Matrix] = [
      Matrix([[-0.5, 1, 0.25], [0, 1, 2], [0, 0, 3]]),
      Matrix([[-0.5, 0.25, 1, 0], [0, 1, 2, 0.5], [0, 0, 3, 1], [0, 0, 0, 4]]),
    ]
    var jobs: [MatrixJob] = []
    for (k, y) in repeated.enumerated() {
      // 1 + x*s = 2 (feasible) and -0.5 (active), s = -1.
      let xs = [(-1.0, "feasible"), (1.5, "active")].enumerated().map { XCase(index: $0.offset, x: $0.element.0, label: $0.element.1) }
      jobs.append(MatrixJob(y: y, xs: xs, name: "selftest-repeated-\(k) n=\(y.rows)", family: "selftest", repro: "gradcheck selftest"))
    }
    for (k, y) in kinks.enumerated() {
      jobs.append(
        MatrixJob(
          y: y, xs: [XCase(index: 0, x: 2, label: "kink")], name: "selftest-kink-\(k) n=\(y.rows)", family: "selftest",
          repro: "gradcheck selftest"))
    }
    return jobs
  }

  /// Runs every `BracketGradient` through every built-in transform on the nonsmooth jobs
  /// (`where` with margin 0, so that it is continuous at its kink).
  public func runNonsmooth(betas: [Double] = [1, 5, 20]) -> [NonsmoothRow] {
    let jobs = nonsmoothJobs()
    let parameters = TransformParameters(margin: 0)
    let options = EngineOptions(betas: betas, parameters: parameters, seed: seed)
    let builtins: [any GradientSource] = TransformKind.allCases.map { BuiltinTransformSource($0, parameters: parameters) }
    let runner = ParallelRunner(threads: threads)
    let correct = runner.map(jobs) { job, _, ev in
      CheckEngine(options: options, sources: builtins).run(job, evaluator: &ev)
    }.flatMap { $0 }
    return BracketGradient.allCases.map { choice in
      let results = runner.map(jobs) { job, _, ev in
        let sources: [any GradientSource] = builtins.map { BracketSource($0, choice: choice, parameters: parameters) }
        return CheckEngine(options: options, sources: sources).run(job, evaluator: &ev)
      }.flatMap { $0 }
      var row = NonsmoothRow(choice: choice, effective: 0, flagged: 0, missed: [])
      for (good, c) in zip(correct, results) where c.classification == .nonsmooth {
        guard choice.inBracket || isEffective(good, c) else { continue }
        row.effective += 1
        let flagged = c.checks[.gradient]?.status == .fail || c.checks[.taylor]?.status == .fail
        if flagged { row.flagged += 1 }
        if flagged == choice.inBracket && row.missed.count < 10 { row.missed.append(c.id) }
      }
      return row
    }
  }
}
