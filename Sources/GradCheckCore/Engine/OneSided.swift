import FiniteDifferences
import GradcheckModel
import NumberFormat

/// The one-sided evidence of a `nonsmooth` case (see docs/nonsmooth.md): for every
/// direction `d` of the finite-difference sweep (then x), the bracket of the analytic
/// `<g, d>` between `L = -f'(p; -d)` and `R = f'(p; d)`, each a forward difference over
/// the central sweep's own points (`f(p + h d)`, `f(p - h d)` and `f(p)`: no extra solve).
struct OneSidedEvidence {
  var brackets: [BracketResult]
  var labels: [String]
  /// The observed exponent of a side with an unbounded slope, per direction.
  var exponents: [Double?]
  /// A compound kink: each Y direction's bracket spans the four pieces' slopes (its
  /// `left` and `right` are the lowest and the highest of them).
  var compound = false

  /// The first direction whose one-sided differences jump without a usable piece slope,
  /// else the first whose slope is unbounded (`discontinuous` before
  /// `unbounded-derivative`).
  var irregular: (label: String, bracket: BracketResult)? {
    for reason in ["discontinuous", "unbounded-derivative"] {
      if let k = brackets.firstIndex(where: { $0.reason == reason }) { return (labels[k], brackets[k]) }
    }
    return nil
  }

  /// The directions on which a side jumps and its piece's slope stands in for it, as
  /// `label: the right side jumps by J` (the first `limit`, then `...`); nil when none.
  func jumpSummary(limit: Int = 3) -> String? {
    let jumping = brackets.indices.filter { !brackets[$0].jumps.isEmpty }
    guard !jumping.isEmpty else { return nil }
    let named = jumping.prefix(limit).map { k in
      labels[k] + ": " + brackets[k].jumps.map { "the \($0.side) side jumps by \($0.detected ? "" : "about ")\(formatNumber($0.size))" }
        .joined(separator: " and ")
    }
    return "f jumps along \(jumping.count) of \(brackets.count) directions, each checked against the slope of "
      + "the piece its jumping side follows (\(named.joined(separator: "; "))\(jumping.count > limit ? "; ..." : ""))"
  }
}

/// The one-sided Taylor test: the remainders along `+w` (with `a = <g, w>`) and along `-w`
/// (with `-a`), and the bracket of `a` along `w` from the first steps of the two ladders.
struct OneSidedTaylor {
  var right: TaylorResult
  var left: TaylorResult
  var bracket: BracketResult
}

extension CheckEngine {
  /// The one-sided engine on the central sweep's steps `h0 2^-i` (`i < steps`), three
  /// Richardson levels (forward differences gain one order per level).
  func oneSidedDifference(relativeNoise: Double, steps: Int? = nil) -> OneSidedDifference {
    let n = steps ?? difference.steps
    return OneSidedDifference(
      stepFactor: difference.stepFactor, ratio: difference.ratio, steps: n, richardsonLevels: min(3, n - 2),
      relativeNoise: relativeNoise)
  }

  /// The right and left one-sided derivatives of one sweep: `line(+h)` and `line(-h)`
  /// against `f0`, over the steps `h0 2^-i`.
  func sides(
    _ os: OneSidedDifference, h0: Double, inputMagnitude: Double, f0: Double, _ line: (Double) -> Double
  ) -> (right: OneSidedEstimate, left: OneSidedEstimate) {
    let right = os.derivative(initialStep: h0, inputMagnitude: inputMagnitude) { h in h == 0 ? f0 : line(h) }
    let left = os.derivative(initialStep: h0, inputMagnitude: inputMagnitude) { h in h == 0 ? f0 : line(-h) }
    return (right, left)
  }

  /// The bracket of every Y direction and of x, from the case's central sweep values.
  func oneSidedEvidence(
    value: SourceValue, plan: CasePlan, layout: PointLayout, values: [SourceValue], p: Perturbations,
    matrix: MatrixPlan, x: Double
  ) -> OneSidedEvidence {
    let gradX = value.gradX ?? .nan
    let (analytic, scale) = Self.analyticDerivatives(value, p)
    let f0 = value.xCond
    let steps = difference.steps
    let osY = oneSidedDifference(relativeNoise: matrix.relativeNoise)
    let hsY = difference.stepSequence(initialStep: plan.hY)
    var brackets: [BracketResult] = []
    var exponents: [Double?] = []
    func exponent(_ e: OneSidedEstimate) -> Double? {
      if case .unboundedDerivative(let p) = e.regularity { return p }
      return nil
    }
    for d in 0..<p.fdCount {
      var pieces: [OneSidedEstimate] = []
      if let shifted = layout.shifted {
        // A compound kink: the two sides at each base shifted off the kink.
        let block = 1 + 2 * p.fdCount * steps
        for base in [shifted, shifted + block] {
          let first = base + 1 + 2 * d * steps
          let (r, l) = sides(osY, h0: plan.hY, inputMagnitude: matrix.inputMagnitude, f0: values[base].xCond) { h in
            Self.sweepValue(values, first: first, hsY, h)
          }
          pieces += [r, l]
        }
      } else {
        let first = layout.y! + 2 * d * steps
        let (r, l) = sides(osY, h0: plan.hY, inputMagnitude: matrix.inputMagnitude, f0: f0) { h in
          Self.sweepValue(values, first: first, hsY, h)
        }
        pieces = [r, l]
      }
      brackets.append(hullBracket(analytic: analytic[d], pieces: pieces, scale: scale))
      exponents.append(pieces.lazy.compactMap(exponent).first)
    }
    let osX = oneSidedDifference(relativeNoise: Double.ulpOfOne)
    let hsX = difference.stepSequence(initialStep: plan.hx)
    let (r, l) = sides(osX, h0: plan.hx, inputMagnitude: abs(x), f0: f0) { h in
      Self.sweepValue(values, first: layout.x!, hsX, h)
    }
    brackets.append(comparison.bracket(analytic: gradX, right: r, left: l, scale: scale))
    exponents.append(exponent(r) ?? exponent(l))
    return OneSidedEvidence(
      brackets: brackets, labels: p.labels + ["grad_x"], exponents: exponents, compound: layout.shifted != nil)
  }

  /// The bracket of `a` by one-sided estimates given as (right, left) pairs: one pair is
  /// the ordinary bracket `[L, R]`; at a compound kink the two pairs of the shifted bases
  /// give the four pieces' slopes `R_k = f'(p_k; d)` and `L_k = -f'(p_k; -d)`, and `a` must
  /// lie in `[min, max]` of the four (`conv` of the pieces' gradients projects there). At a
  /// compound kink a side that jumps or has an unbounded slope makes the direction
  /// irregular (the bracket of that side with itself says which).
  func hullBracket(analytic a: Double, pieces: [OneSidedEstimate], scale: Double) -> BracketResult {
    guard pieces.count > 2 else { return comparison.bracket(analytic: a, right: pieces[0], left: pieces[1], scale: scale) }
    if let irregular = pieces.first(where: { $0.regularity != .regular }) {
      return comparison.bracket(analytic: a, right: irregular, left: irregular, scale: scale)
    }
    // Slope k: R for even k, L = -estimate for odd k.
    func slope(_ k: Int) -> Double { k % 2 == 0 ? pieces[k].estimate : -pieces[k].estimate }
    func negated(_ e: OneSidedEstimate) -> OneSidedEstimate {
      var e = e
      e.estimate = -e.estimate
      return e
    }
    // Ascending, a NaN last: it then ends the bracket, which says it is unresolved.
    let order = pieces.indices.sorted { i, j in slope(j).isNaN ? !slope(i).isNaN : slope(i) < slope(j) }
    let (lo, hi) = (order.first!, order.last!)
    // `bracket` reads R from `right` and L as minus `left`'s estimate.
    let right = hi % 2 == 0 ? pieces[hi] : negated(pieces[hi])
    let left = lo % 2 == 1 ? pieces[lo] : negated(pieces[lo])
    return comparison.bracket(analytic: a, right: right, left: left, scale: scale)
  }

  /// The Taylor test on both ladders (`+w` and `-w`) and the bracket of `<g, w>` from
  /// their first 8 steps (`h0 2^-j`, j = 0..7).
  func oneSidedTaylor(
    value: SourceValue, plan: CasePlan, layout: PointLayout, values: [SourceValue], p: Perturbations,
    matrix: MatrixPlan
  ) -> OneSidedTaylor {
    let a = Self.taylorDerivative(value, plan: plan, p: p, matrix: matrix)
    let first = layout.taylor!
    let count = p.taylorSteps.count
    let f0 = value.xCond
    func line(_ h: Double) -> Double {
      if h == 0 { return f0 }
      guard let j = p.taylorSteps.firstIndex(of: abs(h)) else { return .nan }
      return values[first + (h < 0 ? count : 0) + j].xCond
    }
    let taylor = TaylorTest(relativeNoise: matrix.relativeNoise)
    let right = taylor.run(initialStep: p.taylorH0, directionalDerivative: a) { line($0) }
    let left = taylor.run(initialStep: p.taylorH0, directionalDerivative: -a) { line(-$0) }
    let os = oneSidedDifference(relativeNoise: matrix.relativeNoise, steps: 8)
    let (r, l) = sides(os, h0: p.taylorH0, inputMagnitude: matrix.inputMagnitude, f0: f0, line)
    return OneSidedTaylor(right: right, left: left, bracket: comparison.bracket(analytic: a, right: r, left: l))
  }
}

/// `gradient` in one-sided mode: every direction's bracket (`GradientComparison.bracket`).
/// A side that jumps takes the slope of the piece it follows as its end of the bracket;
/// a direction that jumps where that slope cannot be estimated skips the check
/// (`discontinuous`), one with an unbounded slope too (`unbounded-derivative`, and
/// `growth` fails); else the worst bracket decides: `one-sided-match`, `within-error-bar`
/// or `outside-bracket`. The message names the mode (why the case is nonsmooth), how many
/// directions g matches on each side, and the directions that jump.
func oneSidedGradientCheck(_ c: CaseContext, _ e: OneSidedEvidence) -> CheckResult {
  let mode = "one-sided (\(c.reason))"
  if let (label, b) = e.irregular {
    let code: ReasonCode = b.reason == "discontinuous" ? .discontinuous : .unboundedDerivative
    return CheckResult(status: .skip, code: code, message: "\(mode): \(label): \(b.message)")
  }
  let rank: [FDStatus: Int] = [.pass: 0, .skip: 0, .warn: 1, .fail: 2]
  var worst = 0
  for k in e.brackets.indices {
    let (a, b) = (e.brackets[k], e.brackets[worst])
    if rank[a.status]! > rank[b.status]! || (a.status == b.status && !(a.value <= b.value)) { worst = k }
  }
  var counts: [BracketSide: Int] = [:]
  for b in e.brackets { counts[b.side, default: 0] += 1 }
  let sides = BracketSide.allCases.compactMap { s in counts[s].map { "\(s.rawValue) \($0)" } }.joined(separator: ", ")
  let w = e.brackets[worst]
  let jumps = e.jumpSummary().map { "; " + $0 } ?? ""
  // At a compound kink the Y brackets span four pieces: their ends are the lowest and
  // highest slopes.
  let ends = e.compound ? " (left and right: the lowest and highest of the four pieces' slopes along Y directions)" : ""
  let message = "\(mode): g matches \(sides) of \(e.brackets.count) directions\(ends); worst \(e.labels[worst]): \(w.message)\(jumps)"
  let value = w.value.isFinite ? w.value : nil
  switch w.status {
  case .fail:
    return illConditionedOneSided(c, CheckResult(
      status: .fail, code: w.analytic.isFinite ? .outsideBracket : .nonFinite, value: value, tolerance: 1,
      message: message))
  case .warn:
    let resolved = w.left.isFinite && w.right.isFinite && w.leftError.isFinite && w.rightError.isFinite
    return CheckResult(
      status: .warn, code: resolved ? .withinErrorBar : .differenceUnresolved, value: value, tolerance: 1,
      message: message)
  default:
    return CheckResult(status: .pass, code: .oneSidedMatch, value: value ?? 0, tolerance: 1, message: message)
  }
}

/// `taylor` in one-sided mode (skipped with the gradient's code where a sweep direction
/// jumps or has an unbounded slope; as on a smooth case where `<g, w>` is not finite). With `a = <g, w>`, `R = f'(p; w)`, `L = -f'(p; -w)`, the
/// remainders are `f(p + h w) - f(p) - h a = h (R - a) + O(h^2)` and
/// `f(p - h w) - f(p) + h a = h (a - L) + O(h^2)`: the one on the side g matches is O(h^2).
/// - either side's remainder passes (order >= 1.8): `pass`, `one-sided-second-order`;
/// - the bracket along w jumps or is unbounded: `skip` with that code;
/// - `a` outside `[L, R]`: `fail`, `outside-bracket` (a warning when `gradient` passes:
///   the ladder's first steps are not asymptotic);
/// - `a` strictly between `L` and `R` (an average, a subgradient of a kink): no one-sided
///   remainder can be O(h^2), so `pass` with `between-sides`;
/// - otherwise the verdict of the matched side's remainder, a first-order one being a
///   warning (`not-asymptotic`): the bracket did not exclude `a`.
/// A side that jumps along w (its end of the bracket is its piece's slope) has a remainder
/// `f(p + h w) - f(p) - h a = J + O(h)` that says nothing about `a`: it never passes, and
/// when `a` matches only such a side, the bracket's verdict stands (`one-sided-match`, or
/// `within-error-bar`).
func oneSidedTaylorCheck(_ c: CaseContext, _ e: OneSidedTaylor, gradient: CheckResult?) -> CheckResult {
  let mode = "one-sided (\(c.reason))"
  let b = e.bracket
  // A jump or an infinite slope along a sweep direction: no expansion to test.
  if let code = gradient?.code, code == ReasonCode.discontinuous.rawValue || code == ReasonCode.unboundedDerivative.rawValue {
    return CheckResult(status: .skip, code: ReasonCode(rawValue: code)!, message: gradient!.message)
  }
  guard b.analytic.isFinite else {
    var check = e.right.checkResult()
    check.code = taylorCode(e.right.verdict).rawValue
    return check
  }
  if let reason = b.reason {
    let code: ReasonCode = reason == "discontinuous" ? .discontinuous : .unboundedDerivative
    return CheckResult(status: .skip, code: code, message: "\(mode): along the Taylor direction: \(b.message)")
  }
  let jumped = Set(b.jumps.map(\.side))
  let rightPasses = e.right.verdict == .pass && !jumped.contains(.right)
  let leftPasses = e.left.verdict == .pass && !jumped.contains(.left)
  if rightPasses || leftPasses {
    let both = rightPasses && leftPasses
    let side = both ? "both sides" : (rightPasses ? "the right side" : "the left side")
    var check = (rightPasses ? e.right : e.left).checkResult()
    check.code = ReasonCode.oneSidedSecondOrder.rawValue
    check.message = "\(mode): the remainder on \(side) of the Taylor direction is O(h^2): " + check.message
    check.series = nil
    return check
  }
  if b.status == .fail { return outsideBracketTaylor(c, e, mode: mode, gradient: gradient) }
  if b.side == .between && !b.degenerate && b.status == .pass {
    return CheckResult(
      status: .pass, code: .betweenSides, value: nil, tolerance: TaylorTest().passOrder,
      message: "\(mode): <g, w> lies strictly between the one-sided derivatives (\(b.message)): no one-sided remainder is O(h^2)")
  }
  return matchedSideTaylor(c, e, mode: mode, jumped: jumped)
}

/// One-sided `taylor` where `<g, w>` is outside the bracket along w: `fail`
/// (`outside-bracket`), a warning on an ill-conditioned pair, or (`not-asymptotic`) when
/// every direction of `gradient` is in its bracket.
func outsideBracketTaylor(_ c: CaseContext, _ e: OneSidedTaylor, mode: String, gradient: CheckResult?) -> CheckResult {
  var check = CheckResult(
    status: .fail, code: .outsideBracket, value: e.right.order, tolerance: TaylorTest().passOrder,
    message: "\(mode): <g, w> outside the one-sided derivatives along the Taylor direction (\(e.bracket.message))")
  check.series = e.right.checkResult().series
  check = illConditionedOneSided(c, check)
  if check.status == .fail && gradient?.status == .pass {
    check.status = .warn
    check.code = ReasonCode.notAsymptotic.rawValue
    check.message = "not asymptotic: " + check.message + "; every direction of the gradient check is in its bracket"
  }
  return check
}

/// One-sided `taylor` on the side `<g, w>` matches: that side's remainder decides (a
/// first-order one is `not-asymptotic`: the bracket did not exclude `a`), except on a side
/// that jumps, whose remainder is the jump: the bracket's verdict stands there.
func matchedSideTaylor(_ c: CaseContext, _ e: OneSidedTaylor, mode: String, jumped: Set<BracketSide>) -> CheckResult {
  let b = e.bracket
  var matched: BracketSide = b.side == .left ? .left : .right
  if jumped.contains(matched) && b.side == .between && !jumped.contains(.left) { matched = .left }
  if jumped.contains(matched) {
    let pass = b.status == .pass
    return CheckResult(
      status: pass ? .pass : .warn, code: pass ? .oneSidedMatch : .withinErrorBar, value: b.value, tolerance: 1,
      message: "\(mode): <g, w> matches the slope of the piece the \(matched) side jumps to; the remainder "
        + "there is the jump (O(1)), so only the bracket along the Taylor direction applies (\(b.message))")
  }
  let tr = matched == .left ? e.left : e.right
  var check = tr.checkResult()
  check.code = taylorCode(tr.verdict).rawValue
  check.message = "\(mode), \(matched) side: " + check.message
  // A first-order remainder on a side the bracket did not rule out contradicts it: the
  // ladder is not asymptotic there (only `outside-bracket` fails one-sided).
  if check.status == .fail {
    check.status = .warn
    check.code = ReasonCode.notAsymptotic.rawValue
    check.message = "not asymptotic: " + check.message + "; the bracket along the Taylor direction does not exclude <g, w>"
  }
  if check.status == .pass { check.series = nil }
  return check
}

/// `unbounded-derivative` for `growth`: the first direction whose one-sided difference
/// shrinks like `h^p` with `p < 0.75` (s continuous but not Lipschitz, p = 1/2 at a Jordan
/// block), nil when there is none.
func unboundedGrowth(_ c: CaseContext) -> CheckResult? {
  // Whatever other directions do (a Jordan block also jumps where its pair turns complex).
  guard let e = c.oneSided, let k = e.exponents.firstIndex(where: { $0 != nil }), let p = e.exponents[k] else {
    return nil
  }
  let label = e.labels[k]
  return CheckResult(
    status: .fail, code: .unboundedDerivative, value: p, tolerance: OneSidedDifference.unboundedBelow,
    message: "unbounded derivative along \(label): the one-sided difference shrinks like h^\(formatNumber(p)) (exponent < 0.75): x_cond is continuous but not Lipschitz here")
}

/// A one-sided failure where kappa of the solver's pair exceeds 1e6 is a warning, as on
/// smooth ill-conditioned cases: there the analytic gradient (of a simple eigenvalue
/// split from its neighbour by a hair, as in a perturbed Jordan block) describes a
/// neighbourhood far smaller than the smallest resolvable step, so the one-sided
/// differences measure another regime.
func illConditionedOneSided(_ c: CaseContext, _ check: CheckResult) -> CheckResult {
  guard check.status == .fail, let kappa = c.illKappa else { return check }
  var check = check
  check.status = .warn
  check.code = ReasonCode.illConditioned.rawValue
  check.message = "ill-conditioned (kappa = \(formatNumber(kappa)): the gradient describes a neighbourhood smaller than the steps); " + check.message
  return check
}
