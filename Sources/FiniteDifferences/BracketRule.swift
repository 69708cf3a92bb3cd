import NumberFormat
/// The check of a gradient at a point where `f` may be only piecewise smooth: the
/// analytic directional derivative `a = <g, d>` must lie between the left derivative
/// `L = -f'(p; -d)` and the right one `R = f'(p; d)` (a necessary condition for `g` to be
/// in the Clarke subdifferential, and what a one-sided or averaged gradient satisfies).

/// Which one-sided derivative the analytic one matches.
public enum BracketSide: String, Sendable, Equatable, CaseIterable {
  /// `a` matches `L` (the derivative from the side of `-d`) and not `R`.
  case left
  /// `a` matches `R` and not `L`.
  case right
  /// `a` lies strictly between `L` and `R`, or the bracket degenerates (`L = R`, `f`
  /// differentiable along `d`) and `a` matches it.
  case between
  /// `a` is outside the bracket beyond its tolerance.
  case neither
}

/// The verdict of the bracket rule for one direction.
public struct BracketResult: Sendable, Equatable {
  /// `pass` inside the bracket (within tolerance), `warn` when only the error estimates
  /// cover the distance (or the one-sided derivatives could not be resolved), `fail`
  /// beyond, `skip` when a side is not regular (`reason`).
  public var status: FDStatus
  public var side: BracketSide
  /// `L` and `R` agree within their tolerances and error bars: the two-sided case.
  public var degenerate: Bool
  public var analytic: Double
  /// `L = -f'(p; -d)` and `R = f'(p; d)`, with their error estimates.
  public var left: Double
  public var leftError: Double
  public var right: Double
  public var rightError: Double
  /// Distance of `a` outside the bracket over the bound of the nearer end
  /// (`tol + errorMultiplier e`): 0 inside, fail above 1.
  public var value: Double
  /// `discontinuous` or `unbounded-derivative` when a side is not regular.
  public var reason: String?
  /// One line naming the side or the reason.
  public var message: String
}

extension GradientComparison {
  /// The bracket rule. With `S = scale ?? max(|a|, |L|, |R|)` and, for each end `E` in
  /// `{L, R}`, `tol_E = relativeTolerance max(|a|, |E|) + absoluteTolerance S` and
  /// `bound_E = tol_E + errorMultiplier e_E`:
  ///
  /// - a side that jumps or has an unbounded slope: `skip` with that reason;
  /// - `a` not finite: `fail`; `L`, `R` or an error estimate not finite: `warn`;
  /// - `a` inside `[min(L, R), max(L, R)]`: `pass`; outside by `dist` from the nearer end
  ///   `E`: `pass` when `dist <= tol_E`, `warn` when `dist <= bound_E`, else `fail`;
  /// - `a` matches `E` when `|a - E| <= bound_E`; the side is `between` when it matches
  ///   both and they agree (`degenerate`: `|R - L| <= bound_L + bound_R`) or it lies
  ///   strictly inside matching neither, `left`/`right` when it matches one only, else
  ///   `neither`.
  ///
  /// - Parameters:
  ///   - right: `f'(p; d)` (the sweep along `d`).
  ///   - left: `f'(p; -d)` (the sweep along `-d`); `L` is minus its estimate.
  public func bracket(
    analytic a: Double, right: OneSidedEstimate, left: OneSidedEstimate, scale: Double? = nil
  ) -> BracketResult {
    let r = right.estimate
    let l = -left.estimate
    let er = right.errorEstimate
    let el = left.errorEstimate
    func result(
      _ status: FDStatus, _ side: BracketSide, degenerate: Bool = false, value: Double = .nan,
      reason: String? = nil, _ message: String
    ) -> BracketResult {
      BracketResult(
        status: status, side: side, degenerate: degenerate, analytic: a, left: l, leftError: el,
        right: r, rightError: er, value: value, reason: reason, message: message)
    }
    for (name, est) in [("right", right), ("left", left)] {
      switch est.regularity {
      case .regular: continue
      case .discontinuous(let jump):
        return result(
          .skip, .neither, reason: est.regularity.reason,
          "discontinuous: f jumps by \(formatNumber(jump)) on the \(name) side")
      case .unboundedDerivative(let p):
        return result(
          .skip, .neither, reason: est.regularity.reason,
          "unbounded-derivative: on the \(name) side f(p + h d) - f(p) ~ h^\(formatNumber(p))")
      }
    }
    guard a.isFinite else {
      return result(.fail, .neither, value: .infinity, "analytic directional derivative is not finite (\(formatNumber(a)))")
    }
    guard l.isFinite && r.isFinite && el.isFinite && er.isFinite else {
      return result(
        .warn, .neither,
        "one-sided differences could not resolve the bracket (left \(formatNumber(l)) +- "
          + "\(formatNumber(el)), right \(formatNumber(r)) +- \(formatNumber(er)))")
    }
    let s = scale.flatMap { $0.isFinite ? abs($0) : nil } ?? max(abs(a), abs(l), abs(r))
    let tolL = tolerance(analytic: a, numeric: l, scale: s)
    let tolR = tolerance(analytic: a, numeric: r, scale: s)
    let boundL = tolL + errorMultiplier * el
    let boundR = tolR + errorMultiplier * er
    let matchL = abs(a - l) <= boundL
    let matchR = abs(a - r) <= boundR
    let degenerate = abs(r - l) <= boundL + boundR
    let lo = min(l, r)
    let hi = max(l, r)
    var dist = 0.0
    var tol = 0.0
    var bound = 0.0
    if a < lo || a > hi {
      let nearLeft = (a < lo) == (l <= r)
      dist = a < lo ? lo - a : a - hi
      tol = nearLeft ? tolL : tolR
      bound = nearLeft ? boundL : boundR
    }
    let value = dist == 0 ? 0 : (bound > 0 ? dist / bound : .infinity)
    let status: FDStatus = dist <= tol ? .pass : (dist <= bound ? .warn : .fail)
    let side: BracketSide
    if matchL && matchR {
      side = .between  // then |R - L| <= bound_L + bound_R: degenerate
    } else if matchL {
      side = .left
    } else if matchR {
      side = .right
    } else {
      side = dist == 0 ? .between : .neither
    }
    let numbers =
      "analytic \(formatNumber(a)), left \(formatNumber(l)) +- \(formatNumber(el)), "
      + "right \(formatNumber(r)) +- \(formatNumber(er))"
    var what: String
    switch side {
    case .between where degenerate: what = "matches the two-sided derivative (left and right agree)"
    case .between: what = "between the one-sided derivatives"
    case .left: what = "matches the left derivative"
    case .right: what = "matches the right derivative"
    case .neither: what = "outside the bracket by \(formatNumber(dist)) (bound \(formatNumber(bound)))"
    }
    if status == .warn { what += " only within the error bar" }
    return result(status, side, degenerate: degenerate, value: value, "\(what): \(numbers)")
  }
}
