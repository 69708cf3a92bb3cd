import EigenCore
import GradcheckModel
import Spectral
import NumberFormat

/// One case: an x, a gradient source and a beta.
struct CaseSpec: Sendable {
  var x: XCase
  /// Index into the engine's sources for this job.
  var source: Int
  var beta: Double
}

/// The steps and classification of one case.
struct CasePlan: Sendable {
  var classification: Classification
  var reason: String
  /// The natural scale of x: `max(|x|, 1/|s|)` (t = x*s), or `max(|x|, 1)` when s is 0.
  var xScale: Double
  /// The finite-difference steps in x and in Y.
  var hx: Double
  var hY: Double
  /// Set when `gradient` and `taylor` cannot run.
  var skip: CheckSkip?
  /// `gradient` and `taylor` run one-sided (a `nonsmooth` case): see `OneSided.swift`.
  var oneSided: Bool = false
  /// A compound kink (`where`/`leaky` on its kink where s is itself nonsmooth): the shift
  /// `delta` of x that puts the two shifted bases `x +- delta` on one branch each for every
  /// Y step (see `compoundShift`).
  var compoundShift: Double? = nil
}

/// Where one case's points sit in its source's batch.
struct PointLayout: Sendable {
  var base: Int
  /// First point of the Y sweep (direction d, step i, sign: `y + 2 (d steps + i) + (0 | 1)`).
  var y: Int?
  /// First point of the x sweep (step i, sign: `x + 2 i + (0 | 1)`).
  var x: Int?
  /// First point of the Taylor ladder (one per step).
  var taylor: Int?
  /// First point of a compound kink's shifted sweeps: for `x + delta`, then `x - delta`,
  /// the base point and then the Y sweep laid out as at `y`.
  var shifted: Int?
}

extension CheckEngine {
  /// A case's steps: a kinked transform (where, leaky) whose kink at `1 + x*s = 0` lies
  /// within the steps is `nonsmooth`; its steps otherwise stay clear of the kink. A
  /// `nonsmooth` case runs one-sided, with steps that ignore the kink (the one-sided
  /// differences straddle it); at a compound kink (on the kink where s is nonsmooth too)
  /// it also gets the shift of `compoundShift`. The Y step follows the transform's shape
  /// in t (`yStep`). The skips: `step-unresolvable` (no resolvable Y step keeps t within
  /// what the transform allows), `near-pole` (steps cannot stay clear of a pole at s = 0),
  /// `compound-kink` (no shift of x keeps each shifted base on one branch).
  func planCase(
    _ spec: CaseSpec, transform: TransformKind?, s: Double, plan: MatrixPlan, p: Perturbations
  ) -> CasePlan {
    let x = spec.x.x
    let t = x * s
    var classification = plan.classification
    var reason = plan.reason
    let xScale = s != 0 && (1 / abs(s)).isFinite ? max(abs(x), 1 / abs(s)) : max(abs(x), 1)
    let hx0 = difference.stepFactor * xScale
    let step = caseStep(x: x, transform: transform, s: s, plan: plan)
    let kinked = step.kinked, onKink = step.onKink, hY = step.hY
    if onKink && classification != .nonsmooth {
      classification = .nonsmooth
      reason = "\(transform!.rawValue) has a kink at 1 + x*s = 0; here 1 + x*s = \(formatNumber(1 + t))"
    }
    let oneSided = classification == .nonsmooth
    // Off its kink a kinked transform's steps stay clear of it, one-sided or not.
    let avoidKink = kinked && !onKink
    var hx = hx0
    if avoidKink && abs(1 + t) > 0 && abs(s) > 0 { hx = min(hx, 0.1 * abs(1 + t) / abs(s)) }
    var skip = resolutionSkip(x: x, transform: transform, s: s, plan: plan, step: step)
    var compoundShift: Double? = nil
    if skip == nil && onKink && plan.classification == .nonsmooth {
      // Two transform branches times two candidates for s: four pieces meet. Each Y
      // direction is bracketed by all four slopes, from two bases shifted off the kink.
      compoundShift = self.compoundShift(x: x, s: s, hY: hY, p: p)
      if compoundShift == nil {
        skip = CheckSkip(
          code: .compoundKink,
          message: "\(transform!.rawValue) sits on its kink (1 + x*s = \(formatNumber(1 + t))) where s itself is nonsmooth (\(plan.reason)), and no shift of x puts the Y steps on one branch: more than two smooth pieces meet")
      } else {
        reason += "; \(transform!.rawValue) on its kink: four pieces meet, each direction bracketed by their four slopes"
      }
    }
    return CasePlan(
      classification: classification, reason: reason, xScale: xScale, hx: hx, hY: hY, skip: skip,
      oneSided: oneSided && skip == nil, compoundShift: skip == nil ? compoundShift : nil)
  }

  /// A case's Y step: whether the transform has a kink (where, leaky) and sits on it, the
  /// step's shape in t and its size (`yStep`).
  struct CaseStep {
    var kinked: Bool
    var onKink: Bool
    var shape: StepShape
    var hY: Double
  }

  /// The Y step of the case `(x, transform)`. On a compound kink (on the kink where s is
  /// nonsmooth too) the shifted bases need steps that keep t within 0.1 (as for an unknown
  /// transform), or no shift keeps each on one branch.
  func caseStep(x: Double, transform: TransformKind?, s: Double, plan: MatrixPlan) -> CaseStep {
    let kinked = transform == .where || transform == .leaky
    let onKink = kinked && atKink(x: x, s: s, plan: plan)
    let shape = onKink && plan.classification == .nonsmooth ? .generic : StepShape(transform, onKink: onKink)
    return CaseStep(kinked: kinked, onKink: onKink, shape: shape, hY: Self.yStep(x: x, shape: shape, s: s, plan: plan))
  }

  /// Why no finite difference can run on a case with the Y step `step`, if none can:
  /// `step-unresolvable` (the step is below the step floor), or `near-pole` (steps cannot
  /// stay clear of s = 0, where the transform has a pole; an unknown transform, a program
  /// without `--transform`, is assumed to divide by s).
  func resolutionSkip(x: Double, transform: TransformKind?, s: Double, plan: MatrixPlan, step: CaseStep) -> CheckSkip? {
    let singularAtZero = transform == nil || transform == .softplus || (step.kinked && 1 + x * s <= 0)
    if step.hY < plan.floorStep {
      return CheckSkip(
        code: .stepUnresolvable,
        message: "|x| kappa = \(formatNumber(abs(x) * plan.stepKappa))\(plan.stepKappa < plan.kappa ? " (kappa counted as 1 at the collision; the solver's pair has \(formatNumber(plan.kappa)))" : ""): t = x*s moves further than \(step.shape.tolerance) within the smallest step a finite difference can resolve (\(formatNumber(plan.floorStep)))")
    }
    if plan.poleUnresolved && singularAtZero {
      let what = transform.map { "the pole of \($0.rawValue)" } ?? "a pole (an unknown transform is assumed to divide by s)"
      return CheckSkip(
        code: .nearPole,
        message: "near-singular: |s| = \(formatNumber(abs(s))) is too close to \(what) at s = 0 for a finite difference to step around it: "
          + "the smallest resolvable step (\(formatNumber(plan.floorStep))) moves s by up to \(formatNumber(plan.stepKappa * plan.floorStep)) (kappa \(formatNumber(plan.stepKappa))), more than 10% of |s|")
    }
    return nil
  }

  /// The shift `delta` of x for a compound kink: at `x +- delta` the margin
  /// `1 + (x +- delta) s(Y + h W)` keeps one sign over every step h of the Y sweep, so
  /// each shifted base follows one branch of the transform (whose Y-gradient, for `where`
  /// and `leaky`, does not depend on x). With `m` the largest move of s over the sweep,
  /// `delta = 4 (|1 + x s| + |x| m) / (|s| - m)`; nil when `|s| <= 2 m` (the sweep moves
  /// s across 0 or nearly).
  func compoundShift(x: Double, s: Double, hY: Double, p: Perturbations) -> Double? {
    var move = 0.0
    for d in 0..<p.fdCount {
      for h in difference.stepSequence(initialStep: hY) {
        for step in [h, -h] { move = max(move, abs(p.s(d, step) - s)) }
      }
    }
    guard move.isFinite, abs(s) > 2 * move else { return nil }
    let delta = 4 * (abs(1 + x * s) + abs(x) * move) / (abs(s) - move)
    return delta > 0 && delta.isFinite ? delta : nil
  }

  /// Whether a kinked transform (where, leaky) at this x sits on its kink `1 + x*s = 0`
  /// at finite-difference resolution: within 8 steps in s or in x, and within 1e-2 of t.
  func atKink(x: Double, s: Double, plan: MatrixPlan) -> Bool {
    let t = x * s
    let xScale = s != 0 && (1 / abs(s)).isFinite ? max(abs(x), 1 / abs(s)) : max(abs(x), 1)
    let sMove = abs(x) * plan.stepKappa * plan.h0 * 8
    let xMove = abs(s) * difference.stepFactor * xScale * 8
    return abs(1 + t) <= max(sMove, xMove) && abs(1 + t) <= Self.stepFloor * max(1, abs(t)) * 1e6
  }

  /// The Y steps smaller than the shared one that some x needs (near a kink, or a large
  /// |x|), whatever the sources: solved for every x so the solve count depends on the
  /// matrix and the x values only.
  func smallSteps(xs: [Double], s: Double, plan: MatrixPlan) -> [Double] {
    var steps = Set<Double>()
    for x in xs {
      for shape in StepShape.allCases {
        let h = Self.yStep(x: x, shape: shape, s: s, plan: plan)
        if h < plan.h0 && h >= plan.floorStep { steps.insert(h) }
      }
    }
    return steps.sorted()
  }

  /// Every point one source needs for its cases: the base point (with gradients) of each,
  /// and for the cases whose differences run, the Y sweep along every direction, the x
  /// sweep, and the Taylor ladder (without gradients).
  func gatherPoints(
    _ cases: [Int], specs: [CaseSpec], plans: [CasePlan], s: Double, p: Perturbations, scaleY: Double
  ) -> (points: [EvaluationPoint], layouts: [PointLayout]) {
    var points: [EvaluationPoint] = []
    var layouts: [PointLayout] = []
    for c in cases {
      let x = specs[c].x.x
      let beta = specs[c].beta
      var layout = PointLayout(base: points.count)
      points.append(EvaluationPoint(x: x, beta: beta, s: s, gradient: true))
      let plan = plans[c]
      if plan.skip == nil {
        layout.y = points.count
        appendYSweep(x: x, beta: beta, hY: plan.hY, p: p, to: &points)
        layout.x = points.count
        for h in difference.stepSequence(initialStep: plan.hx) {
          for step in [h, -h] { points.append(EvaluationPoint(x: x + step, beta: beta, s: s, gradient: false)) }
        }
        layout.taylor = points.count
        let xdir = Self.taylorXDirection(p, xScale: plan.xScale, scaleY: scaleY)
        for h in p.taylorSteps {
          points.append(
            EvaluationPoint(x: x + h * xdir, beta: beta, direction: p.taylorDirection, step: h, s: p.s(p.taylorDirection, h), gradient: false))
        }
        if plan.oneSided {
          // The ladder along minus the Taylor direction, for the one-sided Taylor test.
          for h in p.taylorSteps {
            points.append(
              EvaluationPoint(x: x - h * xdir, beta: beta, direction: p.taylorDirection, step: -h, s: p.s(p.taylorDirection, -h), gradient: false))
          }
        }
        if let delta = plan.compoundShift {
          layout.shifted = points.count
          for shiftedX in [x + delta, x - delta] {
            points.append(EvaluationPoint(x: shiftedX, beta: beta, s: s, gradient: false))
            appendYSweep(x: shiftedX, beta: beta, hY: plan.hY, p: p, to: &points)
          }
        }
      }
      layouts.append(layout)
    }
    return (points, layouts)
  }

  /// The x component of the Taylor direction for a case: Taylor steps are in units of Y,
  /// the x component moves in units of the case's x scale.
  /// The Y sweep at one x: along every direction d, for every step h of the ladder from
  /// `hY`, the points `Y + h W_d` and `Y - h W_d`.
  func appendYSweep(x: Double, beta: Double, hY: Double, p: Perturbations, to points: inout [EvaluationPoint]) {
    for d in 0..<p.fdCount {
      for h in difference.stepSequence(initialStep: hY) {
        for step in [h, -h] {
          points.append(EvaluationPoint(x: x, beta: beta, direction: d, step: step, s: p.s(d, step), gradient: false))
        }
      }
    }
  }

  static func taylorXDirection(_ p: Perturbations, xScale: Double, scaleY: Double) -> Double {
    p.taylorX * xScale / scaleY
  }
}
