import EigenCore
import GradcheckModel
import Spectral
import NumberFormat

extension CheckEngine {
  /// `expect`: compares fixture-supplied values with the source's. The tolerance is the
  /// rounding error a correct evaluation in the fixture's dtype can make (`u` = 1e-8 for
  /// float64, 1e-4 for float32, well above each dtype's eps to allow for a different
  /// solver and summation order), measured by the size of the terms that cancel:
  /// - `lambda_min`: `u (|lambda| + kappa |Y|_F)` (backward-stable solvers);
  /// - `x_cond` of the form `(f(1 + t) - 1)/s`: `u (|T| + (1 + |1 + t|) / |s|)`;
  /// - `grad_x`: `u |grad_x|`;
  /// - `grad_y = dT/ds ds/dY` with `dT/ds = (x f'(1+t) s - (f - 1)) / s^2`:
  ///   `u (|grad_y_ij| + |ds/dY_ij| (|x grad_x| + |T|) / |s|)` (a naive chain rule,
  ///   as autograd computes it, cancels there when 1 + t is large).
  /// nil when the fixture gives nothing to compare for this case.
  static func expectCheck(
    _ e: Expectation, x: Double, transform: TransformKind?, beta: Double, s: Double, kappa: Double,
    normY: Double, dsdY: Matrix, value: SourceValue, against: String = "the fixture's",
    codes: (match: ReasonCode, differ: ReasonCode) = (.matchesFixture, .differsFromFixture)
  ) -> CheckResult? {
    let u = e.dtype.expectUnit
    var worst = 0.0
    var worstName = ""
    var compared: [String] = []
    let cols = value.gradY?.cols ?? 1
    func cmp(_ name: String, _ mine: [Double], _ theirs: [Double], _ allowed: [Double]) {
      for k in 0..<min(mine.count, theirs.count) {
        let d = abs(mine[k] - theirs[k]) / max(allowed[k], Double.leastNormalMagnitude)
        let v = mine[k].isNaN || theirs[k].isNaN ? Double.infinity : d
        if v > worst || worstName.isEmpty {
          worst = v
          worstName = mine.count > 1 ? "\(name)[\(k / cols)][\(k % cols)]" : name
        }
      }
      compared.append(name)
    }
    let t = x * s
    let gradX = value.gradX ?? .nan
    let b = e.element
    if let l = e.values.lambdaMin?[b] {
      cmp("lambda_min", [s], [l], [e.dtype.lambdaMinTolerance(expected: l, kappa: kappa, normY: normY)])
    }
    if e.transform != nil && e.transform == transform && e.beta != nil && e.beta == beta {
      if let v = e.values.xCond?[b] { cmp("x_cond", [value.xCond], [v], [u * (abs(v) + (1 + abs(1 + t)) / abs(s))]) }
      if let v = e.values.gradX?[b] { cmp("grad_x", [gradX], [v], [u * abs(v)]) }
      if let rows = e.values.gradY?[b], let mine = value.gradY {
        let v = Matrix(rows)
        let terms = (abs(x * gradX) + abs(value.xCond)) / abs(s)
        let allowed = (0..<v.storage.count).map { u * (abs(v.storage[$0]) + abs(dsdY.storage[$0]) * terms) }
        cmp("grad_y", mine.storage, v.storage, allowed)
      }
    }
    if compared.isEmpty { return nil }
    let ok = worst <= 1
    return CheckResult(
      status: ok ? .pass : .fail, code: ok ? codes.match : codes.differ, value: worst, tolerance: 1,
      message: ok
        ? "\(compared.joined(separator: ", ")) agree with \(against) \(e.dtype.rawValue) values (worst \(worstName) at \(formatNumber(worst)) of its tolerance)"
        : "\(worstName) differs from \(against) \(e.dtype.rawValue) value by \(formatNumber(worst)) times its rounding tolerance (u = \(formatNumber(u)))")
  }

  /// A case's status: the worst of its checks, then the fixture's outcomes
  /// (an expected `fail` that fails is `xfail`, one that does not is `xpass`; an
  /// expected other status that does not occur adds a failing `expect` entry).
  static func status(
    of checks: inout [CheckName: CheckResult], outcomes: [Outcome], index: Int,
    transform: TransformKind?, beta: Double?, classification: Classification?
  ) -> Status {
    var expectedFail: Set<CheckName> = []
    var mismatches: [String] = []
    for o in outcomes where o.matches(index: index, transform: transform, beta: beta) {
      let actual = checks[o.check]?.status ?? .skip
      if o.status == .fail {
        expectedFail.insert(o.check)
      } else if actual != o.status {
        mismatches.append("outcome: expected \(o.check.rawValue) \(o.status.rawValue), got \(actual.rawValue)")
      }
    }
    if !mismatches.isEmpty {
      let prev = checks[.expect]
      checks[.expect] = CheckResult(
        status: .fail, code: .outcomeNotMet, value: prev?.value, tolerance: prev?.tolerance,
        message: ((prev.map { [$0.message] } ?? []) + mismatches).joined(separator: "; "))
    }
    var xpass = false
    var xfail = false
    var rest: [Status] = []
    for (name, r) in checks {
      if expectedFail.contains(name) {
        if r.status == .fail { xfail = true } else { xpass = true }
      } else {
        rest.append(r.status)
      }
    }
    if expectedFail.contains(where: { checks[$0] == nil }) { xpass = true }
    let worst = Status.worst(rest)
    if worst == .fail { return .fail }
    if xpass { return .xpass }
    if classification == .noRealEigenvalue { return xfail ? .xfail : .skip }
    if xfail && worst != .warn { return .xfail }
    return worst
  }

  /// The case result: id `name[index] x=label source beta=B`, and the command that reruns
  /// exactly this case (`caseRepro`).
  func assemble(
    job: MatrixJob, spec: CaseSpec, source: any GradientSource, spectral: SpectralKind,
    classification: Classification?, base: SpectralEvaluation?, value: SourceValue?,
    checks: [CheckName: CheckResult], solves: Int
  ) -> CaseResult {
    var checks = checks
    let transform = source.transform
    let status = Self.status(
      // A fixture's outcomes describe its own spectral quantity.
      of: &checks, outcomes: spectral == (job.spectral ?? .minRealEigenvalue) ? job.outcomes : [],
      index: spec.x.index, transform: transform, beta: spec.beta, classification: classification)
    let label = spec.x.label.map { " x=\($0)" } ?? ""
    let dtype = source.dtype == .float64 ? "" : " dtype=\(source.dtype.rawValue)"
    let id = "\(job.name)[\(spec.x.index)]\(label) \(source.name) beta=\(formatExact(spec.beta))\(dtype)"
    let external = options.exec.command != nil
    let repro = caseRepro(
      jobPrefix: job.repro, xLabel: spec.x.label, transform: external ? source.reference?.rawValue : source.name,
      beta: spec.beta, spectral: spectral, options: options, dtype: source.dtype)
    return CaseResult(
      id: id, source: job.source, index: spec.x.index, family: job.family, n: job.y.rows,
      transform: transform, beta: spec.beta, spectral: spectral, classification: classification,
      status: status, x: spec.x.x, lambdaMin: base?.s, kappa: base?.kappa,
      eigenvalues: (base?.eigenvalues ?? []).map { ComplexPair($0.re, $0.im) },
      xCond: value?.xCond, gradX: value?.gradX, gradY: value?.gradY?.nested, checks: checks,
      repro: repro, eigenSolves: solves, dtype: source.dtype, evaluator: external ? source.name : nil)
  }
}
