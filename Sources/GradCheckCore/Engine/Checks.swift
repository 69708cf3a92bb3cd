import FiniteDifferences
import EigenCore
import GradcheckModel
import Spectral
import NumberFormat

/// Why `gradient` and `taylor` cannot run on a case (decided before evaluation).
struct CheckSkip: Sendable, Equatable {
  var code: ReasonCode
  var message: String
}

/// The finite-difference evidence of the `gradient` check: analytic against numeric
/// derivatives along every direction (then `grad_x`), with error estimates.
struct GradientEvidence {
  var analytic: [Double]
  var numeric: [Double]
  var errors: [Double]
  var labels: [String]
  /// The gradient's scale `S` (the size of the terms of each directional derivative).
  var scale: Double
  /// The finite-difference error against step of entry k, for the plots (nil: none).
  var series: (Int) -> [SeriesPoint]?
}

/// Everything the checks of one case read: the point, the values under test, the
/// classification and the finite-difference evidence.
struct CaseContext {
  var x: Double
  /// The tool's s.
  var s: Double
  var beta: Double
  var transform: TransformKind?
  /// The precision of the values under test.
  var dtype: DType = .float64
  var classification: Classification
  var reason: String
  /// The values under test at the base point (gradients present).
  var value: SourceValue
  /// `1 + T*s` of the exact transform value, when the source is a built-in transform.
  var exactMargin: Double?
  var maxGrad: Double
  var fidelityTolerance: Double
  /// Set when `gradient` and `taylor` cannot run here.
  var skip: CheckSkip?
  /// nil when skipped.
  var gradient: GradientEvidence?
  var taylor: TaylorResult?
  /// Set instead of `gradient` and `taylor` on a one-sided (nonsmooth) case.
  var oneSided: OneSidedEvidence?
  var oneSidedTaylor: OneSidedTaylor?
  /// A compound kink (four pieces meet): `gradient` brackets each Y direction by the
  /// four slopes; the one-sided Taylor test, which assumes two pieces, does not run.
  var compound = false
  /// kappa of the solver's pair when above `CheckEngine.illConditionedKappa` (a one-sided
  /// failure is then a warning: see `illConditionedOneSided`).
  var illKappa: Double? = nil
  /// Appended to the messages of `gradient` and `taylor` when they ran: the matrix was
  /// solved in double-double (`MatrixPlan.precisionNote`).
  var precisionNote: String? = nil

  var t: Double { x * s }
  var gradX: Double { value.gradX ?? .nan }
  var gradY: [Double] { value.gradY?.storage ?? [.nan] }
  /// Whether x_cond and both gradients are finite.
  var isFinite: Bool { value.xCond.isFinite && gradX.isFinite && gradY.allSatisfy(\.isFinite) }
}

/// `constraint`: the margin `1 + x_cond*s` evaluated in the source's dtype as a user would
/// (with the source's own s when it reports one, else the tool's rounded to the dtype):
/// pass above 4 ulp of 1 in that dtype, warn at or below, fail at zero, below or NaN.
func constraintCheck(_ c: CaseContext) -> CheckResult {
  let margin = Transform.constraintMargin(xCond: c.value.xCond, s: c.value.lambdaMin ?? c.s, dtype: c.dtype)
  let level = Transform.marginRoundingLevel(for: c.dtype)
  if margin.isNaN || margin <= 0 {
    let code: ReasonCode =
      margin.isNaN ? .marginUndefined : (c.exactMargin.map { $0 > 0 } == true ? .marginRoundsToZero : .constraintViolated)
    return CheckResult(
      status: .fail, code: code, value: margin.isFinite ? margin : nil, tolerance: 0,
      message: "margin 1 + x_cond*s = \(formatNumber(margin)) <= 0: the constraint is violated")
  }
  if margin <= level {
    return CheckResult(
      status: .warn, code: .marginAtRoundingLevel, value: margin, tolerance: level,
      message: "margin 1 + x_cond*s = \(formatNumber(margin)) > 0 but at rounding level (<= 4 ulp of 1\(c.dtype == .float64 ? "" : " in \(c.dtype.rawValue)"))")
  }
  return CheckResult(
    status: .pass, code: .kept, value: margin, tolerance: level, message: "margin 1 + x_cond*s = \(formatNumber(margin)) > 0")
}

/// `finite`: x_cond, grad_x and every entry of grad_y are finite.
func finiteCheck(_ c: CaseContext) -> CheckResult {
  var bad: [String] = []
  if !c.value.xCond.isFinite { bad.append("x_cond = \(formatNumber(c.value.xCond))") }
  if !c.gradX.isFinite { bad.append("grad_x = \(formatNumber(c.gradX))") }
  let badY = c.gradY.filter { !$0.isFinite }.count
  if badY > 0 { bad.append("\(badY) entries of grad_y") }
  if bad.isEmpty {
    return CheckResult(status: .pass, code: .finite, value: 0, tolerance: 0, message: "x_cond, grad_x and grad_y are finite")
  }
  return CheckResult(
    status: .fail, code: .nonFinite, value: Double(bad.count), tolerance: 0,
    message: "not finite: " + bad.joined(separator: ", "))
}

/// Why `gradient` and `taylor` do not run on this case, if they do not.
func differenceSkip(_ c: CaseContext) -> CheckSkip? {
  if let skip = c.skip { return skip }
  if !c.isFinite { return CheckSkip(code: .gradientNotFinite, message: "analytic gradient not finite (see finite)") }
  return nil
}

/// `gradient`: analytic against finite-difference derivatives (`GradientComparison`);
/// a failure on an ill-conditioned matrix is a warning naming the reason.
func gradientCheck(_ c: CaseContext, comparison: GradientComparison) -> CheckResult {
  if let skip = differenceSkip(c) { return CheckResult(status: .skip, code: skip.code, message: skip.message) }
  if let e = c.oneSided { return oneSidedGradientCheck(c, e) }
  guard let e = c.gradient else {
    return CheckResult(status: .skip, code: .differenceUnresolved, message: "no finite differences")
  }
  let cmp = comparison.compare(
    analytic: e.analytic, numeric: e.numeric, errorEstimates: e.errors, scale: e.scale, labels: e.labels)
  var check = cmp.checkResult(series: cmp.status != .pass ? cmp.worstIndex.flatMap(e.series) : nil)
  if c.dtype != .float64 { check.message += " (\(c.dtype.rawValue) tolerances)" }
  switch cmp.status {
  case .pass: check.code = ReasonCode.match.rawValue
  case .fail:
    let finite = cmp.worstIndex.map { e.analytic[$0].isFinite } ?? true
    check.code = (finite ? ReasonCode.mismatch : .nonFinite).rawValue
  default:
    let resolved = cmp.worstIndex.map { e.numeric[$0].isFinite && e.errors[$0].isFinite } ?? false
    check.code = (resolved ? ReasonCode.withinErrorBar : .differenceUnresolved).rawValue
  }
  if check.status == .fail && c.classification == .illConditioned {
    check.status = .warn
    check.code = ReasonCode.illConditioned.rawValue
    check.message = "ill-conditioned (\(c.reason)); " + check.message
  }
  return check
}

/// `taylor`: the observed order of the first-order remainder along the Taylor direction.
/// A first-order verdict while every entry of `gradient` passes is a warning (the window
/// lies outside the asymptotic regime), as is a failure on an ill-conditioned matrix.
func taylorCheck(_ c: CaseContext, gradient: CheckResult?) -> CheckResult {
  if let skip = differenceSkip(c) { return CheckResult(status: .skip, code: skip.code, message: skip.message) }
  if c.compound {
    return CheckResult(
      status: .skip, code: .compoundKink,
      message: "one-sided (\(c.reason)): four smooth pieces meet, and the one-sided Taylor test assumes two")
  }
  if let e = c.oneSidedTaylor { return oneSidedTaylorCheck(c, e, gradient: gradient) }
  guard let tr = c.taylor else {
    return CheckResult(status: .skip, code: .remainderAtRounding, message: "no Taylor test")
  }
  var check = tr.checkResult()
  check.code = taylorCode(tr.verdict).rawValue
  if check.status == .fail && gradient?.status == .pass {
    check.status = .warn
    check.code = ReasonCode.notAsymptotic.rawValue
    check.message = "not asymptotic: " + check.message + "; the entrywise finite-difference check passes"
  }
  // Series are kept for the plots of cases that did not pass.
  if check.status == .pass { check.series = nil }
  if check.status == .fail && c.classification == .illConditioned {
    check.status = .warn
    check.code = ReasonCode.illConditioned.rawValue
    check.message = "ill-conditioned (\(c.reason)); " + check.message
  }
  return check
}

func taylorCode(_ v: TaylorVerdict) -> ReasonCode {
  switch v {
  case .pass: .secondOrder
  case .fail: .orderOne
  case .warn: .orderUnsettled
  case .inconclusive: .remainderAtRounding
  }
}

/// `growth`: x_cond Lipschitz at a one-sided point (else `unbounded-derivative`), max
/// |gradient entry| within `--max-grad` (else exploding), and dT/dx nonzero where the
/// constraint is active, `1 + x*s <= 0` (else vanishing).
func growthCheck(_ c: CaseContext) -> CheckResult {
  var maxGrad = abs(c.gradX)
  for v in c.gradY { maxGrad = max(maxGrad, abs(v)) }
  let limit = c.maxGrad
  // The cause before its symptom: an infinite slope also makes the gradient explode.
  if let unbounded = unboundedGrowth(c) { return unbounded }
  if !maxGrad.isFinite || maxGrad > limit {
    return CheckResult(
      status: .fail, code: .exploding, value: maxGrad.isFinite ? maxGrad : nil, tolerance: limit,
      message: "exploding gradient: max |grad| = \(formatNumber(maxGrad)) > --max-grad \(formatNumber(limit))")
  }
  if 1 + c.t <= 0 && c.gradX == 0 {
    return CheckResult(
      status: .fail, code: .vanishing, value: 0, tolerance: limit,
      message: "vanishing gradient: dT/dx = 0 where the constraint is active (1 + x*s = \(formatNumber(1 + c.t)))")
  }
  return CheckResult(
    status: .pass, code: .healthy, value: maxGrad, tolerance: limit,
    message: "max |grad| = \(formatNumber(maxGrad)) <= \(formatNumber(limit)); dT/dx = \(formatNumber(c.gradX))")
}

/// `fidelity`: where x is comfortably feasible (`1 + x*s >= 0.5`), `|x_cond - x| / |x|`
/// within the tolerance. A departure larger than |x| itself at `|x*s| < 1` is the
/// divergence of a transform that grows like 1/s as s -> 0.
func fidelityCheck(_ c: CaseContext) -> CheckResult {
  let x = c.x
  let value = c.value.xCond
  guard 1 + c.t >= 0.5 else {
    return CheckResult(
      status: .skip, code: .notFeasible, message: "x is not comfortably feasible (1 + x*s = \(formatNumber(1 + c.t)) < 0.5)")
  }
  let err = x == 0 ? (value == 0 ? 0 : Double.infinity) : abs(value - x) / abs(x)
  let tol = c.fidelityTolerance
  if err <= tol {
    return CheckResult(
      status: .pass, code: .close, value: err, tolerance: tol,
      message: "x_cond = \(formatNumber(value)) stays within \(formatNumber(tol)) of x = \(formatNumber(x))")
  }
  let code: ReasonCode = err > 1 && abs(c.t) < 1 ? .divergesNearZero : .departs
  return CheckResult(
    status: .fail, code: code, value: err.isFinite ? err : nil, tolerance: tol,
    message: "x_cond = \(formatNumber(value)) departs from x = \(formatNumber(x)) (relative \(formatNumber(err))) although x is feasible (1 + x*s = \(formatNumber(1 + c.t)))")
}
