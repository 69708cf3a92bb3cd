import EigenCore
import GradcheckModel
import Spectral
import NumberFormat

/// The classification of one matrix and the finite-difference step its cases share.
struct MatrixPlan: Sendable {
  var classification: Classification
  /// Why (one line).
  var reason: String
  /// `max(kappa, 1)` of s.
  var kappa: Double
  /// The kappa the steps are sized with: kappa, or 1 at a collision of the minimiser.
  var stepKappa: Double
  /// `|Y|_max` (at least the smallest normal number).
  var scaleY: Double
  /// The largest finite-difference step in Y.
  var h0: Double
  /// Steps below this cannot be resolved against rounding.
  var floorStep: Double
  /// Steps cannot stay clear of s = 0 (where transforms with a pole there diverge).
  var poleUnresolved: Bool
  /// Relative noise of one value: s carries an absolute error of about `eps kappa |Y| n`.
  var relativeNoise: Double
  /// The arithmetic of s, ds/dY and the perturbed matrices.
  var precision: SolvePrecision
  /// For the messages of `gradient` and `taylor`: the solves were in double-double, and
  /// how far off double precision would have left s.
  var precisionNote: String?

  /// Two candidates closer than this make the minimiser not unique (`nonsmooth`).
  var closeCandidates: Double { precision.closeCandidates(scaleY: scaleY) }
  /// The rounding of a perturbed matrix's entries in units of a step: `u/eps |Y|` (the
  /// finite differences' `inputMagnitude`; `|Y|` in double precision).
  var inputMagnitude: Double { scaleY * precision.refinement }
  /// Above this kappa a finite difference cannot settle a mismatch (`ill-conditioned`, and
  /// a one-sided failure is a warning).
  var illConditionedKappa: Double { precision.illConditionedKappa }
}

/// The arithmetic the eigenvalues of one matrix and of its perturbed copies are solved in.
///
/// `double` for most matrices. `extended` (double-double, unit roundoff `u` about 2^-104)
/// where double precision cannot resolve a step (see `CheckEngine.resolutionSkips`): the
/// matrices built as `X T X^-1` with `cond(X)` near `1/sqrt(eps)`, whose s carries only a
/// few correct digits in double. Then s, ds/dY and every perturbed `s(Y + h W)` (with
/// `Y + h W` formed exactly) are computed in double-double and rounded to double, and the
/// thresholds set in units of the rounding (`stepFloor`, `closeCandidates`) shrink by `u/eps`.
enum SolvePrecision: Sendable {
  case double, extended

  /// The unit roundoff of the solves.
  var unitRoundoff: Double {
    switch self {
    case .double: Double.ulpOfOne
    case .extended: DoubleDouble.epsilon
    }
  }

  /// `u / eps`: how much finer than double precision the solves resolve.
  var refinement: Double { unitRoundoff / Double.ulpOfOne }

  /// Two candidates closer than this make the minimiser not unique:
  /// `CheckEngine.closeCandidates |Y|`, times `u/eps`.
  func closeCandidates(scaleY: Double) -> Double { CheckEngine.closeCandidates * scaleY * refinement }

  /// `CheckEngine.illConditionedKappa` over `u/eps`.
  var illConditionedKappa: Double { CheckEngine.illConditionedKappa / refinement }
}

extension CheckEngine {
  /// Classifies the matrix (`nonsmooth`, `ill-conditioned`, `near-singular`, `smooth`;
  /// a flip under the perturbation is found later) and chooses its step: `h0 = 2^-7 |Y|`,
  /// reduced to 5% of the gap to the next candidate over kappa and 10% of |s| over
  /// kappa, never below `stepFloor |Y|`. `|Y|` is max |y_ij|; a zero matrix has no
  /// scale of its own and is measured in units of 1 (a scale of the smallest normal
  /// number instead made the Taylor ladder's x direction, x-scale/|Y|, overflow).
  ///
  /// In `extended` precision the step floor and `closeCandidates` shrink by `u/eps`, and
  /// the noise is that of a double-double solve (s is rounded to double: at least eps).
  func planMatrix(base: SpectralEvaluation, s: Double, y: Matrix, precision: SolvePrecision = .double) -> MatrixPlan {
    let kappa = max(base.kappa ?? 1, 1)
    let scaleY = y.maxAbs > 0 ? y.maxAbs : 1
    let floorStep = Self.stepFloor * scaleY * precision.refinement
    let close = precision.closeCandidates(scaleY: scaleY)
    var (classification, reason) = classifyMinimiser(base, close: close, kappa: kappa)
    var h0 = difference.stepFactor * scaleY
    // A nonsmooth matrix is differenced one-sided across its collision: only the gaps
    // that are not part of it limit the step.
    let collision = classification == .nonsmooth ? close : 0
    for (limit, why) in gapLimits(base, kappa: kappa, ignoringGapsBelow: collision) where limit < h0 {
      h0 = limit
      if limit < floorStep && classification == .smooth {
        classification = .illConditioned
        reason = "kappa = \(formatNumber(kappa)): \(why), so a finite difference must step below the resolvable \(formatNumber(floorStep))"
      }
    }
    if classification == .smooth && kappa > precision.illConditionedKappa {
      classification = .illConditioned
      reason = "kappa = \(formatNumber(kappa)) is too large for a finite difference to resolve"
    }
    if classification == .smooth && abs(s) <= Self.nearSingular * max(scaleY, 1) {
      classification = .nearSingular
      reason = "|s| = \(formatNumber(abs(s))) is near 0, where transforms dividing by s are at risk"
    }
    // At a collision of the minimiser (a multiple eigenvalue) kappa of the solver's pair
    // means nothing: steps are taken as for kappa 1 (the one-sided differences measure
    // what s does), and an eigenvalue is computed to about sqrt(u) |Y| at worst (a
    // defective one), so the noise uses kappa up to 1/sqrt(u).
    let collided = classification == .nonsmooth
    let stepKappa = collided ? 1 : kappa
    let u = precision.unitRoundoff
    let noiseKappa = collided ? min(kappa, 1 / u.squareRoot()) : kappa
    let sLimit = 0.1 * abs(s) / stepKappa
    if sLimit > 0 && sLimit < h0 { h0 = sLimit }
    let sNoise = u * noiseKappa * scaleY * Double(y.rows)
    var note: String? = nil
    if precision == .extended {
      let doubleError = sNoise / precision.refinement / max(abs(s), Double.leastNormalMagnitude)
      note = "s, ds/dY and the differences in double-double arithmetic ("
        + (doubleError >= 1 ? "double precision would leave s no correct digit" : "double precision would leave s a relative error up to \(formatNumber(doubleError))") + ")"
    }
    return MatrixPlan(
      classification: classification, reason: reason, kappa: kappa, stepKappa: stepKappa, scaleY: scaleY,
      h0: max(h0, floorStep), floorStep: floorStep, poleUnresolved: sLimit < floorStep,
      relativeNoise: max(Double.ulpOfOne, sNoise / max(abs(s), Double.leastNormalMagnitude)),
      precision: precision, precisionNote: note)
  }

  /// `nonsmooth` when the minimiser is not unique at finite-difference resolution: the
  /// two smallest candidates, or a complex pair at or below s, within `close`
  /// (`closeCandidates |Y|`, times `u/eps` in extended precision).
  func classifyMinimiser(_ base: SpectralEvaluation, close: Double, kappa: Double) -> (Classification, String) {
    if base.gap.isFinite && base.gap <= close {
      return (.nonsmooth, "minimizer not unique within the finite-difference resolution: the two smallest candidates are \(formatNumber(base.gap)) apart")
    }
    if base.nearestComplexImag.isFinite && base.nearestComplexImag <= close {
      return (.nonsmooth, "a complex pair with |Im| = \(formatNumber(base.nearestComplexImag)) at or below s may become real under the perturbation")
    }
    return (.smooth, "well separated minimum, kappa \(formatNumber(kappa))")
  }

  /// Steps that keep a perturbation inside the gap to the next candidate: 5% of it over
  /// kappa (gaps at or below `ignoringGapsBelow` set no limit).
  func gapLimits(_ base: SpectralEvaluation, kappa: Double, ignoringGapsBelow collision: Double = 0) -> [(Double, String)] {
    var limits: [(Double, String)] = []
    if base.gap.isFinite && !(collision > 0 && base.gap <= collision) {
      limits.append((0.05 * base.gap / kappa, "the two smallest candidates are \(formatNumber(base.gap)) apart"))
    }
    if base.nearestComplexImag.isFinite && !(collision > 0 && base.nearestComplexImag <= collision) {
      limits.append((
        0.05 * base.nearestComplexImag / kappa,
        "a complex pair with |Im| = \(formatNumber(base.nearestComplexImag)) lies at or below s"))
    }
    return limits
  }

  /// The step in Y for one x, by how the transform depends on `t = x*s` (each step moves
  /// s by at most `stepKappa h`; s's own pole and gaps are limited in `h0` already):
  /// - `generic` (a program's unknown transform): `t` moves by at most 0.1;
  /// - `smoothInT` (softplus, safe-softplus, smooth in t on the scale of `max(1, |1 + t|)`
  ///   away from t = -1): `t` moves by at most `0.1 max(1, |1 + t|)`;
  /// - `kinkAvoiding` (where, leaky off their kink: affine in t on each side of it): the
  ///   steps stay clear of the kink, `t` moving by at most `0.1 |1 + t|`;
  /// - `kinkStraddling` (where, leaky on their kink, differenced one-sided): no limit in t.
  static func yStep(x: Double, shape: StepShape, s: Double, plan: MatrixPlan) -> Double {
    guard abs(x) > 0 else { return plan.h0 }
    let u = abs(1 + x * s)
    let tMove: Double
    switch shape {
    case .generic: tMove = 0.1
    case .smoothInT: tMove = 0.1 * max(1, u)
    case .kinkAvoiding: tMove = u > 0 ? 0.1 * u : .infinity
    case .kinkStraddling: tMove = .infinity
    }
    return min(plan.h0, tMove / (abs(x) * plan.stepKappa))
  }
}

/// How a transform depends on `t = x*s`, for the size of a Y step (`yStep`).
enum StepShape: CaseIterable {
  case generic, smoothInT, kinkAvoiding, kinkStraddling

  /// How far t may move per step, in words.
  var tolerance: String {
    switch self {
    case .generic: "0.1"
    case .smoothInT: "10% of max(1, |1 + t|)"
    case .kinkAvoiding: "10% of its distance to the kink"
    case .kinkStraddling: "any bound"
    }
  }

  init(_ transform: TransformKind?, onKink: Bool) {
    switch transform {
    case nil: self = .generic
    case .softplus?, .safeSoftplus?: self = .smoothInT
    case .where?, .leaky?: self = onKink ? .kinkStraddling : .kinkAvoiding
    }
  }
}
