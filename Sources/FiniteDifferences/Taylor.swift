import NumberFormat
/// The Taylor remainder test (the `taylor` check of gradcheck): along a direction
/// `w`, the first-order remainder `r(h) = |f(z + h w) - f(z) - h g|` with
/// `g = <grad f(z), w>` shrinks like `h^2` when `g` is right and only like `h` when it
/// is wrong. The test needs no tolerance on the gradient itself (no step-size choice
/// can turn a wrong gradient into order 2).

#if canImport(Glibc)
  import Glibc
#endif

/// Outcome of the Taylor remainder test.
public enum TaylorVerdict: String, Sendable, Equatable, CaseIterable {
  /// Observed order >= `passOrder` (about 2).
  case pass
  /// Neither clearly 2 nor clearly 1 (between the thresholds, not settled, or noise).
  case warn
  /// Settled observed order about 1 (`0.5 <= order < failOrder`), remainder of one
  /// sign: the directional derivative is wrong.
  case fail
  /// The remainder is at rounding level at every usable step (f linear along `w`,
  /// or not finite): nothing can be concluded.
  case inconclusive

  /// The check status: `inconclusive` maps to `skip` (never a false failure).
  public var status: FDStatus {
    switch self {
    case .pass: .pass
    case .warn: .warn
    case .fail: .fail
    case .inconclusive: .skip
    }
  }
}

/// The result of one Taylor remainder test.
public struct TaylorResult: Sendable, Equatable {
  public var verdict: TaylorVerdict
  /// Observed order (median local slope of `log2 r` against `log2 h` over the chosen
  /// window); `nil` when inconclusive.
  public var order: Double?
  /// Every evaluated step with a finite remainder: `(h, r(h))`, largest step first.
  public var series: [FDPoint]
  /// The points whose slopes gave `order`, largest step first (empty when none).
  public var window: [FDPoint]
  /// The starting step `h0` (in units of the direction).
  public var initialStep: Double
  /// Number of calls of `f`: 1 (at `z`) + one per step of the ladder.
  public var evaluations: Int
  /// One line naming the reason.
  public var message: String

  public init(
    verdict: TaylorVerdict, order: Double?, series: [FDPoint], window: [FDPoint],
    initialStep: Double, evaluations: Int, message: String
  ) {
    self.verdict = verdict
    self.order = order
    self.series = series
    self.window = window
    self.initialStep = initialStep
    self.evaluations = evaluations
    self.message = message
  }
}

/// The Taylor remainder test on a ladder of steps `h_j = h0 * 2^-j`.
///
/// Every step is positive, so the test is one-sided: at a point where `f` is only
/// piecewise smooth, give it the one-sided slope `f'(z; w)` (a correct one gives order 2
/// on a piecewise smooth f, the other side's slope order 1).
///
/// Algorithm (every evaluation made once, all loops bounded):
/// 1. `f0 = f(z)`; `h0 = stepFactor * max(|z|_inf, scale) / |w|_inf` (default
///    `stepFactor = 2^-4`: the largest displacement is 1/16 of the input scale, where
///    the `h^2` term dominates rounding by many orders for any smooth f).
/// 2. Descend: `j = 0, 1, 2, ...` computing `r_j = |f(z + h_j w) - f0 - h_j g|` until two
///    consecutive remainders are at rounding level, or `maxDescent` steps. The order is
///    an `h -> 0` property, so the ladder goes as deep as rounding allows: a small
///    gradient error `d` only shows (as order 1) below `h ~ |d| / |f''|`, and a function
///    with a sharp but smooth bend (softplus with large beta) shows order 1 *above* its
///    bend even with a correct gradient, so stopping early would miss errors or
///    accuse correct gradients.
/// 3. Rounding floor of a step: `floor_j = relativeNoise * (|f0| + |f_j|) + eps * |h_j g|
///    + absoluteNoise`; `r_j` is usable when `r_j > usableFactor * floor_j` (default
///    100: then rounding moves a local slope by at most ~0.03).
/// 4. If fewer than `minimumSlopes` local slopes are usable (the remainder is at
///    rounding level: f linear along `w`, or `h0` far too small), ascend
///    `j = -1, -2, ...` (at most `maxAscent` steps) while that does not give enough.
/// 5. Local slopes `s_j = log2(r_j / r_(j+1))` over consecutive usable steps; windows
///    are `windowSlopes` consecutive slopes (or a shorter run of at least
///    `minimumSlopes`); a window is settled when `max s - min s <= settledSpread`.
///    The chosen window is the deepest settled one (else the deepest one); the
///    observed order is the median of its slopes.
/// 6. Verdict: order >= `passOrder` pass; settled, `0.5 <= order < failOrder`, signed
///    remainders of one sign and the window reaching `h <= h0` fail; no window
///    inconclusive; anything else warn (order between the thresholds, a tail that
///    never settles, order < 0.5 meaning the remainder does not decrease: noise).
///    A window found only by ascending never fails (below it the remainder was at
///    rounding level, which bounds the gradient error there).
public struct TaylorTest: Sendable, Equatable {
  /// `c` in `h0 = c * max(|z|_inf, scale) / |w|_inf`; default `2^-4`.
  public var stepFactor: Double
  /// Floor of the input magnitude for `h0`; default 1.
  public var scale: Double
  /// Relative noise of one value of f (rounding floor); default `Double.ulpOfOne`.
  /// For f computed through an eigen solve, `eps * kappa` is more honest.
  public var relativeNoise: Double
  /// Absolute noise of one value of f added to the floor; default 0.
  public var absoluteNoise: Double
  /// A remainder is usable when above this multiple of the floor; default 100.
  public var usableFactor: Double
  /// Bound on the descending ladder (j = 0 ..< maxDescent); default 52 (`2^-52 h0`).
  public var maxDescent: Int
  /// Bound on the ascending ladder (j = -1 ... -maxAscent); default 8 (`256 h0`).
  public var maxAscent: Int
  /// Slopes per window; default 4.
  public var windowSlopes: Int
  /// Fewest slopes for any verdict; default 3.
  public var minimumSlopes: Int
  /// Largest spread of the slopes of a settled window; default 0.3.
  public var settledSpread: Double
  /// Pass at or above this order; default 1.8.
  public var passOrder: Double
  /// Fail below this order (if settled); default 1.5 (midway between 1 and 2).
  public var failOrder: Double

  public init(
    stepFactor: Double = 0x1p-4, scale: Double = 1, relativeNoise: Double = Double.ulpOfOne,
    absoluteNoise: Double = 0, usableFactor: Double = 100, maxDescent: Int = 52,
    maxAscent: Int = 8, windowSlopes: Int = 4, minimumSlopes: Int = 3,
    settledSpread: Double = 0.3, passOrder: Double = 1.8, failOrder: Double = 1.5
  ) {
    precondition(stepFactor > 0 && stepFactor.isFinite)
    precondition(scale >= 0 && scale.isFinite)
    precondition(relativeNoise >= 0 && absoluteNoise >= 0 && usableFactor >= 1)
    precondition(maxDescent >= 4 && maxDescent <= 200 && maxAscent >= 0 && maxAscent <= 200)
    precondition(minimumSlopes >= 2 && windowSlopes >= minimumSlopes)
    precondition(settledSpread > 0 && passOrder > failOrder && failOrder > 0.5)
    self.stepFactor = stepFactor
    self.scale = scale
    self.relativeNoise = relativeNoise
    self.absoluteNoise = absoluteNoise
    self.usableFactor = usableFactor
    self.maxDescent = maxDescent
    self.maxAscent = maxAscent
    self.windowSlopes = windowSlopes
    self.minimumSlopes = minimumSlopes
    self.settledSpread = settledSpread
    self.passOrder = passOrder
    self.failOrder = failOrder
  }

  /// Runs the test for `f` at `point` along `direction`, with the analytic directional
  /// derivative `g = <grad f(point), direction>`.
  public func run(
    at point: [Double], along direction: [Double], directionalDerivative g: Double,
    f: ([Double]) -> Double
  ) -> TaylorResult {
    var line = DirectionalLine(point: point, direction: direction, stepFactor: stepFactor, scale: scale)
    return run(initialStep: line.initialStep, directionalDerivative: g) { h in f(line.at(h)) }
  }

  /// Runs the test on a line `h -> f(z + h w)` (called at `h = 0` once, then once per
  /// ladder step) with the analytic derivative `g` of the line at 0.
  public func run(
    initialStep h0: Double, directionalDerivative g: Double, line: (Double) -> Double
  ) -> TaylorResult {
    precondition(h0 > 0 && h0.isFinite, "initial step must be positive and finite")
    let f0 = line(0)
    var calls = 1
    func result(_ v: TaylorVerdict, _ msg: String, order: Double? = nil,
                points: [Point] = [], window: [FDPoint] = []) -> TaylorResult {
      let series = points.sorted { $0.j < $1.j }.filter { $0.r.isFinite }
        .map { FDPoint(step: $0.h, error: $0.r) }
      return TaylorResult(
        verdict: v, order: order, series: series, window: window, initialStep: h0,
        evaluations: calls, message: msg)
    }
    guard f0.isFinite else {
      return result(.inconclusive, "f is not finite at the point (\(formatNumber(f0)))")
    }
    guard g.isFinite else {
      return result(.inconclusive, "analytic directional derivative is not finite (\(formatNumber(g)))")
    }

    var points: [Point] = []  // in evaluation order; j unique
    func evaluate(_ j: Int) -> Point {
      let h = h0 * pow(2, Double(-j))
      let fj = line(h)
      calls += 1
      let signed = (fj - f0) - h * g
      let floor = relativeNoise * (abs(f0) + abs(fj)) + Double.ulpOfOne * abs(h * g) + absoluteNoise
      let p = Point(j: j, h: h, signed: signed, r: abs(signed), floor: floor,
                    usable: signed.isFinite && abs(signed) > usableFactor * floor)
      points.append(p)
      return p
    }
    // Descend.
    var belowInARow = 0
    for j in 0..<maxDescent {
      let p = evaluate(j)
      if p.r.isFinite && !p.usable { belowInARow += 1 } else { belowInARow = 0 }
      if belowInARow >= 2 { break }
    }
    var windows = slopeWindows(points)
    // Ascend while too few slopes (remainder at rounding level near h0).
    if windows.isEmpty {
      for j in stride(from: -1, through: -maxAscent, by: -1) {
        let p = evaluate(j)
        if !p.r.isFinite { break }
        windows = slopeWindows(points)
        if !windows.isEmpty { break }
      }
    }
    guard !windows.isEmpty else {
      let anyFinite = points.contains { $0.r.isFinite }
      return result(
        .inconclusive,
        anyFinite
          ? "remainder at rounding level at every step (f linear along the direction at this scale)"
          : "f is not finite at any step",
        points: points)
    }
    // Deepest settled window, else deepest window.
    let chosen = windows.last(where: { $0.spread <= settledSpread }) ?? windows.last!
    let settled = chosen.spread <= settledSpread
    let order = chosen.median
    let windowPoints = chosen.points.map { FDPoint(step: $0.h, error: $0.r) }
    let sameSign = chosen.points.allSatisfy { $0.signed > 0 } || chosen.points.allSatisfy { $0.signed < 0 }
    let reachesH0 = (chosen.points.last?.j ?? -1) >= 0
    let deepest = chosen.points.last!
    let range = "steps \(formatNumber(chosen.points.first!.h))..\(formatNumber(deepest.h))"
    let orderText = formatNumber(order)
    if order >= passOrder {
      return result(
        .pass, "observed order \(orderText) >= \(formatNumber(passOrder)) over \(range)",
        order: order, points: points, window: windowPoints)
    }
    if settled && order >= 0.5 && order < failOrder && sameSign && reachesH0 {
      // signed remainder ~ -d h with d = g - (f(z+hw) - f(z))/h, the error of g.
      let slope = g + deepest.signed / deepest.h
      return result(
        .fail,
        "observed order \(orderText) < \(formatNumber(failOrder)) over \(range): remainder is O(h), "
          + "analytic directional derivative \(formatNumber(g)) is off by about "
          + "\(formatNumber(g - slope)) ((f(z+hw)-f(z))/h = \(formatNumber(slope)))",
        order: order, points: points, window: windowPoints)
    }
    let reason: String
    if !settled {
      reason = "remainder never settles in the asymptotic regime (slopes spread \(formatNumber(chosen.spread)))"
    } else if order < 0.5 {
      reason = "remainder does not decrease with the step (noise above the rounding model)"
    } else if order < failOrder && !sameSign {
      reason = "remainder changes sign within the window"
    } else if order < failOrder {
      reason = "window found only above the initial step (remainder at rounding level below it)"
    } else {
      reason = "order between \(formatNumber(failOrder)) and \(formatNumber(passOrder))"
    }
    if order < failOrder && !reachesH0 {
      return result(
        .inconclusive, "observed order \(orderText) over \(range), but \(reason)",
        order: order, points: points, window: windowPoints)
    }
    return result(
      .warn, "observed order \(orderText) over \(range): \(reason)",
      order: order, points: points, window: windowPoints)
  }

  /// One ladder point.
  struct Point: Sendable, Equatable {
    var j: Int
    var h: Double
    var signed: Double
    var r: Double
    var floor: Double
    var usable: Bool
  }

  /// Consecutive slopes and their points (largest step first).
  struct SlopeWindow: Sendable, Equatable {
    var points: [Point]
    var slopes: [Double]
    var spread: Double { (slopes.max() ?? 0) - (slopes.min() ?? 0) }
    var median: Double {
      let s = slopes.sorted()
      let n = s.count
      return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2])
    }
  }

  /// All windows of `windowSlopes` consecutive local slopes within runs of consecutive
  /// usable ladder points (a run with only `minimumSlopes ..< windowSlopes` slopes gives
  /// one shorter window), ordered from the largest step to the smallest.
  func slopeWindows(_ points: [Point]) -> [SlopeWindow] {
    let sorted = points.sorted { $0.j < $1.j }
    var runs: [[Point]] = []
    var current: [Point] = []
    for p in sorted {
      if p.usable, let last = current.last, last.j + 1 == p.j {
        current.append(p)
      } else {
        if current.count >= 2 { runs.append(current) }
        current = p.usable ? [p] : []
      }
    }
    if current.count >= 2 { runs.append(current) }
    var windows: [SlopeWindow] = []
    for run in runs {
      let slopes = (0..<(run.count - 1)).map { log2(run[$0].r / run[$0 + 1].r) }
      if slopes.count >= windowSlopes {
        for start in 0...(slopes.count - windowSlopes) {
          windows.append(SlopeWindow(
            points: Array(run[start...(start + windowSlopes)]),
            slopes: Array(slopes[start..<(start + windowSlopes)])))
        }
      } else if slopes.count >= minimumSlopes {
        windows.append(SlopeWindow(points: run, slopes: slopes))
      }
    }
    return windows.sorted { ($0.points.last!.j, $0.points.first!.j) < ($1.points.last!.j, $1.points.first!.j) }
  }
}
