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
}

extension CheckEngine {
  /// A case's steps: a kinked transform (where, leaky) whose kink at `1 + x*s = 0` lies
  /// within the steps is `nonsmooth`; its steps otherwise stay clear of the kink. A
  /// `nonsmooth` case runs one-sided, with steps that ignore the kink (the one-sided
  /// differences straddle it). The skips: `step-unresolvable` (no resolvable Y step keeps
  /// t within 0.1), `near-pole` (steps cannot stay clear of a pole at s = 0).
  func planCase(_ spec: CaseSpec, transform: TransformKind?, s: Double, plan: MatrixPlan) -> CasePlan {
    let x = spec.x.x
    let t = x * s
    let kinked = transform == .where || transform == .leaky
    var classification = plan.classification
    var reason = plan.reason
    let xScale = s != 0 && (1 / abs(s)).isFinite ? max(abs(x), 1 / abs(s)) : max(abs(x), 1)
    let hx0 = difference.stepFactor * xScale
    let onKink = kinked && atKink(x: x, s: s, plan: plan)
    if onKink && classification != .nonsmooth {
      classification = .nonsmooth
      reason = "\(transform!.rawValue) has a kink at 1 + x*s = 0; here 1 + x*s = \(formatNumber(1 + t))"
    }
    let oneSided = classification == .nonsmooth
    // Off its kink a kinked transform's steps stay clear of it, one-sided or not.
    let avoidKink = kinked && !onKink
    var hx = hx0
    let hY = Self.yStep(x: x, kinked: avoidKink, s: s, plan: plan)
    if avoidKink && abs(1 + t) > 0 && abs(s) > 0 { hx = min(hx, 0.1 * abs(1 + t) / abs(s)) }
    let singularAtZero = transform == .softplus || (kinked && 1 + t <= 0)
    var skip: CheckSkip? = nil
    if hY < plan.floorStep {
      skip = CheckSkip(
        code: .stepUnresolvable,
        message: "|x| kappa = \(formatNumber(abs(x) * plan.stepKappa)): t = x*s moves by more than 0.1 within the smallest step a finite difference can resolve (\(formatNumber(plan.floorStep)))")
    } else if plan.poleUnresolved && singularAtZero {
      skip = CheckSkip(
        code: .nearPole,
        message: "near-singular: |s| = \(formatNumber(abs(s))) is too close to the pole of \(transform!.rawValue) at s = 0 for a finite difference to step around it")
    } else if onKink && plan.classification == .nonsmooth {
      // Two transform branches times two candidates for s: four pieces meet, and a
      // coordinate line can miss the ones a valid gradient comes from.
      skip = CheckSkip(
        code: .compoundKink,
        message: "\(transform!.rawValue) sits on its kink (1 + x*s = \(formatNumber(1 + t))) where s itself is nonsmooth (\(plan.reason)): more than two smooth pieces meet, so the one-sided bracket is not a necessary condition")
    }
    return CasePlan(
      classification: classification, reason: reason, xScale: xScale, hx: hx, hY: hY, skip: skip,
      oneSided: oneSided && skip == nil)
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
      for kinked in [false, true] {
        let h = Self.yStep(x: x, kinked: kinked, s: s, plan: plan)
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
        for d in 0..<p.fdCount {
          for h in difference.stepSequence(initialStep: plan.hY) {
            for step in [h, -h] {
              points.append(EvaluationPoint(x: x, beta: beta, direction: d, step: step, s: p.s(d, step), gradient: false))
            }
          }
        }
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
      }
      layouts.append(layout)
    }
    return (points, layouts)
  }

  /// The x component of the Taylor direction for a case: Taylor steps are in units of Y,
  /// the x component moves in units of the case's x scale.
  static func taylorXDirection(_ p: Perturbations, xScale: Double, scaleY: Double) -> Double {
    p.taylorX * xScale / scaleY
  }
}
