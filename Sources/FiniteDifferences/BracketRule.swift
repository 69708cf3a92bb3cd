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

/// A side of the bracket that jumps (`f(p + h d)` tends to another value than `f(p)`),
/// checked against the slope of the smooth piece it follows.
public struct BracketJump: Sendable, Equatable {
  /// `.left` or `.right`.
  public var side: BracketSide
  /// The increment `f(p +- h d) - f(p)` at the smallest usable step when `detected`,
  /// else the jump to the piece, `f(p +- h_min d) - f(p) -+ h_min slope`.
  public var size: Double
  /// `true` when the side's increments do not shrink with the step (a jump seen
  /// directly); `false` when its forward differences do not converge, which a jump of the
  /// order of the slope times the smallest step causes.
  public var detected: Bool

  public init(side: BracketSide, size: Double, detected: Bool = true) {
    self.side = side
    self.size = size
    self.detected = detected
  }
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
  /// `L = -f'(p; -d)` and `R = f'(p; d)`, with their error estimates (on a side that
  /// jumps, the slope of the piece that side follows, signed the same way).
  public var left: Double
  public var leftError: Double
  public var right: Double
  public var rightError: Double
  /// Distance of `a` outside the bracket over the bound of an end
  /// (`tol + errorMultiplier e`), the smaller over the two ends: 0 inside, fail above 1.
  public var value: Double
  /// `discontinuous` or `unbounded-derivative` when a side is not regular and the rule
  /// could not be applied (`nil` when a jumping side's piece slope stands in for it).
  public var reason: String?
  /// The sides that jump and were checked against their piece's slope, right first.
  public var jumps: [BracketJump] = []
  /// What `message` says, kept as numbers: a gradient check compares many directions
  /// and reads the message of a few.
  var detail: BracketDetail

  /// One line naming the side or the reason (written when read).
  public var message: String {
    let jumped = jumps.map {
      $0.detected
        ? "the \($0.side) side jumps by \(formatNumber($0.size)); "
        : "the \($0.side) side's forward differences do not converge (a jump of about \(formatNumber($0.size)) against the slope); "
    }.joined()
      + (jumps.isEmpty ? "" : "its piece's slope stands for its derivative: ")
    switch detail {
    case .text(let text):
      return text
    case .analyticNotFinite:
      return jumped + "analytic directional derivative is not finite (\(formatNumber(analytic)))"
    case .unresolved:
      return jumped + "one-sided differences could not resolve the bracket (left \(formatNumber(left)) +- "
        + "\(formatNumber(leftError)), right \(formatNumber(right)) +- \(formatNumber(rightError)))"
    case .compared(let dist, let bound):
      let numbers =
        "analytic \(formatNumber(analytic)), left \(formatNumber(left)) +- \(formatNumber(leftError)), "
        + "right \(formatNumber(right)) +- \(formatNumber(rightError))"
      var what: String
      switch side {
      case .between where degenerate: what = "matches the two-sided derivative (left and right agree)"
      case .between: what = "between the one-sided derivatives"
      case .left: what = "matches the left \(jumps.contains { $0.side == .left } ? "piece's slope" : "derivative")"
      case .right: what = "matches the right \(jumps.contains { $0.side == .right } ? "piece's slope" : "derivative")"
      case .neither: what = "outside the bracket by \(formatNumber(dist)) (bound \(formatNumber(bound)))"
      }
      if status == .warn { what += " only within the error bar" }
      return jumped + "\(what): \(numbers)"
    }
  }
}

/// The message of a `BracketResult` before it is written.
enum BracketDetail: Sendable, Equatable {
  /// A skip's reason, written already.
  case text(String)
  case analyticNotFinite
  /// `L`, `R` or an error estimate is not finite.
  case unresolved
  /// The comparison, with `a`'s distance outside the bracket and the nearer end's bound.
  case compared(dist: Double, bound: Double)
}

extension GradientComparison {
  /// The bracket rule. With `S = scale ?? max(|a|, |L|, |R|)` and, for each end `E` in
  /// `{L, R}`, `tol_E = relativeTolerance max(|a|, |E|) + absoluteTolerance S` and
  /// `bound_E = tol_E + errorMultiplier e_E`:
  ///
  /// - a side that jumps (`discontinuous`) follows another smooth piece `f_k` with
  ///   `f_k(p) != f(p)`: its end of the bracket is that piece's slope `<grad f_k, d>`
  ///   (`OneSidedEstimate.pieceSlope`, signed as the side's derivative) with its error
  ///   estimate, and the side is listed in `jumps` (a gradient of either piece, the one
  ///   `p` lies on or the other, matches one end; an average lies between). When the piece
  ///   slope or its error is not finite, or when both sides jump (then `f(p)` lies on a
  ///   piece neither side follows, whose gradient no bracket of theirs need contain):
  ///   `skip`, `discontinuous`. A regular side whose
  ///   forward differences do not converge (infinite error: a jump of the order of the
  ///   slope times the smallest step) takes its piece slope the same way, when finite;
  /// - a side with an unbounded slope: `skip`, `unbounded-derivative`;
  /// - `a` not finite: `fail`; `L`, `R` or an error estimate not finite: `warn`;
  /// - `a` inside `[min(L, R), max(L, R)]`: `pass`; outside, at `dist_E = |a - E|` from
  ///   each end (both on the same side of `a`): `pass` when `dist_E <= tol_E` for an end,
  ///   `warn` when `dist_E <= bound_E` for an end (the nearer one, or a farther one whose
  ///   error bar spans the bracket: the true bracket may still reach `a`), else `fail`;
  ///   `value = min_E dist_E / bound_E`;
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
    let (ends, jumps, skip) = bracketEnds(right: right, left: left)
    if let skip { return skipped(a, right, left, reason: skip.reason, skip.message) }
    let r = ends[0].value
    let l = -ends[1].value
    let er = ends[0].error
    let el = ends[1].error
    func result(
      _ status: FDStatus, _ side: BracketSide, degenerate: Bool = false, value: Double = .nan,
      reason: String? = nil, _ detail: BracketDetail
    ) -> BracketResult {
      BracketResult(
        status: status, side: side, degenerate: degenerate, analytic: a, left: l, leftError: el,
        right: r, rightError: er, value: value, reason: reason, jumps: jumps, detail: detail)
    }
    guard a.isFinite else { return result(.fail, .neither, value: .infinity, .analyticNotFinite) }
    guard l.isFinite && r.isFinite && el.isFinite && er.isFinite else { return result(.warn, .neither, .unresolved) }
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
    var value = 0.0
    var bound = 0.0
    var status = FDStatus.pass
    if a < lo || a > hi {
      // Both ends lie on the same side of a; the true bracket can reach a when either
      // end can, within its tolerance (pass) or its bound (warn). The nearer end decides
      // unless the farther one's error bar covers the whole bracket (an unresolved end).
      dist = a < lo ? lo - a : a - hi
      let nearLeft = (a < lo) == (l <= r)
      let ends = [(abs(a - l), tolL, boundL), (abs(a - r), tolR, boundR)]
      let ratio = { (e: (Double, Double, Double)) in e.0 == 0 ? 0 : (e.2 > 0 ? e.0 / e.2 : .infinity) }
      value = min(ratio(ends[0]), ratio(ends[1]))
      bound = nearLeft ? boundL : boundR
      status = ends.contains { $0.0 <= $0.1 } ? .pass : (ends.contains { $0.0 <= $0.2 } ? .warn : .fail)
    }
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
    return result(status, side, degenerate: degenerate, value: value, .compared(dist: dist, bound: bound))
  }

  /// The two ends of the bracket (`R` then `-L`'s estimate) with their error estimates: a
  /// regular side's one-sided derivative, or the piece slope of a side that jumps (or
  /// whose forward differences diverge); or why the bracket is skipped (a jump without a
  /// usable piece slope, both sides jumping, an unbounded slope).
  func bracketEnds(right: OneSidedEstimate, left: OneSidedEstimate) -> (
    ends: [(value: Double, error: Double)], jumps: [BracketJump], skip: (reason: String?, message: String)?
  ) {
    var ends: [(value: Double, error: Double)] = []
    var jumps: [BracketJump] = []
    for (side, est) in [(BracketSide.right, right), (.left, left)] {
      switch est.regularity {
      case .regular:
        if !est.errorEstimate.isFinite, let slope = est.pieceSlope, slope.isFinite, est.pieceError.isFinite {
          ends.append((slope, est.pieceError))
          jumps.append(BracketJump(side: side, size: est.pieceJump, detected: false))
        } else {
          ends.append((est.estimate, est.errorEstimate))
        }
      case .discontinuous(let jump):
        guard let slope = est.pieceSlope, slope.isFinite, est.pieceError.isFinite else {
          return ([], [], (est.regularity.reason, "discontinuous: f jumps by \(formatNumber(jump)) on the \(side) side"))
        }
        ends.append((slope, est.pieceError))
        jumps.append(BracketJump(side: side, size: jump))
      case .unboundedDerivative(let p):
        return ([], [], (est.regularity.reason, "unbounded-derivative: on the \(side) side f(p + h d) - f(p) ~ h^\(formatNumber(p))"))
      }
    }
    // Both sides on other pieces: f(p) lies on a piece neither side follows (a double
    // real eigenvalue whose pair turns complex either way, say), whose gradient, the one
    // a framework returns, no bracket of the two sides' pieces need contain.
    if jumps.count == 2 {
      return ([], [], (OneSidedRegularity.discontinuous(jump: 0).reason,
        "discontinuous: f jumps on both sides (by \(formatNumber(jumps[0].size)) on the right, "
          + "\(formatNumber(jumps[1].size)) on the left): f(p) lies on neither side's piece"))
    }
    return (ends, jumps, nil)
  }

  /// The `skip` of a side that is not regular (and has no usable piece slope).
  func skipped(
    _ a: Double, _ right: OneSidedEstimate, _ left: OneSidedEstimate, reason: String?, _ message: String
  ) -> BracketResult {
    BracketResult(
      status: .skip, side: .neither, degenerate: false, analytic: a, left: -left.estimate,
      leftError: left.errorEstimate, right: right.estimate, rightError: right.errorEstimate, value: .nan,
      reason: reason, detail: .text(message))
  }
}
