/// One-sided differences: the directional derivative `f'(p; d) = lim_{h -> 0+}
/// (f(p + h d) - f(p)) / h` of a function that may be only piecewise smooth at `p`, with
/// an error estimate, and the regularity of `f` on that side (a jump, or an infinite
/// slope as at `sqrt(h)`).

#if canImport(Glibc)
  import Glibc
#endif

/// How `g(h) = f(p + h d)` behaves as `h -> 0+`, read from the observed exponent `p` of
/// `|g(h) - g(0)| ~ h^p` over the smallest steps.
public enum OneSidedRegularity: Sendable, Equatable {
  /// `p >= 0.75` (Lipschitz: a finite one-sided slope), or the increments are at
  /// rounding level (flat at this scale).
  case regular
  /// `p < 0.25`: the increment does not shrink with the step, `g(0+) != g(0)` (the
  /// difference quotient grows like `1/h`). `jump` is the increment at the smallest
  /// usable step.
  case discontinuous(jump: Double)
  /// `0.25 <= p < 0.75`: continuous but not Lipschitz (the quotient grows like
  /// `h^(p - 1)`, `p = 1/2` at a Jordan block); `exponent` is `p`.
  case unboundedDerivative(exponent: Double)

  /// The reason code: `nil`, `discontinuous` or `unbounded-derivative`.
  public var reason: String? {
    switch self {
    case .regular: nil
    case .discontinuous: "discontinuous"
    case .unboundedDerivative: "unbounded-derivative"
    }
  }
}

/// One row of a one-sided sweep.
public struct OneSidedStep: Sendable, Equatable {
  /// The step `h_i = h0 ratio^-i`.
  public var step: Double
  /// `g(h_i) - g(0)`.
  public var increment: Double
  /// `(g(h_i) - g(0)) / h_i`.
  public var quotient: Double
  /// The best extrapolant whose largest step is `h_i`, and its error estimate.
  public var extrapolated: Double
  public var errorEstimate: Double
}

/// The one-sided derivative of one output at `h = 0+`.
public struct OneSidedEstimate: Sendable, Equatable {
  /// Best estimate of `g'(0+)` (`nan` when no step gave a finite value).
  public var estimate: Double
  /// Its error estimate: truncation + rounding, `+infinity` when not computable or when
  /// the regularity is not `regular` (no finite slope to estimate).
  public var errorEstimate: Double
  /// The largest step of the best candidate's stencil and its Richardson level.
  public var step: Double
  public var level: Int
  /// The observed exponent `p` of `|g(h) - g(0)| ~ h^p` (median of the local slopes
  /// over the deepest run of usable increments); `nil` when fewer than
  /// `exponentSlopes + 1` consecutive increments are above rounding, or their slopes do
  /// not settle.
  public var exponent: Double?
  public var regularity: OneSidedRegularity
  /// When the side is `discontinuous`, or `regular` with forward differences that do not
  /// converge (infinite `errorEstimate`: a jump too small against the slope at the
  /// smallest step to be seen, `|J| ~ |c| h_min`): the slope of the smooth piece the side
  /// follows, `lim_{h -> 0+} g'(h)`, from the secants between its own points (without
  /// `g(0)`), and that estimate's error (`+infinity` when the piece is itself not
  /// Lipschitz at `0+` or its secants do not follow a power law); `nil` and `+infinity`
  /// otherwise. See `OneSidedDifference.pieceSlope`.
  public var pieceSlope: Double? = nil
  public var pieceError: Double = .infinity
  /// The observed exponent of the piece's secant increments `|g(h_i) - g(h_(i+1))|`.
  public var pieceExponent: Double? = nil
  /// With a piece slope: `g(h_min) - g(0) - pieceSlope h_min`, the jump to the piece
  /// (to `O(h_min^2)`).
  public var pieceJump: Double = .nan
  /// The sweep, largest step first.
  public var table: [OneSidedStep]
  /// Calls of the line, `g(0)` included (for a vector line, shared by all outputs).
  public var evaluations: Int
}

/// Forward differences `D(h) = (g(h) - g(0)) / h` over `h_i = h0 r^-i` (largest first),
/// Richardson-extrapolated assuming `D(h) = g'(0+) + c1 h + c2 h^2 + ...` (level k removes
/// the `h^k` term: factor `r^k`), with the error estimates of `RichardsonColumn`. Level-0
/// rounding: `(relativeNoise (|g(h)| + |g(0)|) + 2 absoluteNoise) / h + eps |D| m / h`
/// (`m` the input magnitude in units of `h`).
///
/// Regularity: the increments `|g(h_i) - g(0)|` above `usableFactor` times their rounding
/// floor give local exponents `log(|Δ_i| / |Δ_(i+1)|) / log r`; the median over the last
/// `exponentSlopes` of the deepest run is the observed exponent `p` (when they agree
/// within `settledSpread`; else there is none). `p < 0.25`:
/// discontinuous; `0.25 <= p < 0.75`: unbounded derivative; else regular (with a
/// fractional `p`, more than 0.25 from an integer, the error estimate adds the distance
/// to the last quotient and its geometric tail: the expansion in integer powers does not
/// hold). A jump (or an
/// infinite slope) is only seen when it dominates the smooth part at the smallest
/// steps: a jump `J` next to a slope `c` needs `|J| >> |c| h_min`.
///
/// Defaults: `h0 = 2^-7 max(|z|, scale)`, 8 steps (`h_min = 2^-14` of the scale), 3
/// Richardson levels (error `O(h^4)`); forward differences lose an order per level
/// against central ones, so they need one more level and two more steps for a similar
/// accuracy (about 1e-9 relative on smooth functions).
public struct OneSidedDifference: Sendable, Equatable {
  public var stepFactor: Double
  public var scale: Double
  public var ratio: Double
  public var steps: Int
  public var richardsonLevels: Int
  public var relativeNoise: Double
  public var absoluteNoise: Double
  /// An increment is used for the exponent when above this multiple of its floor.
  public var usableFactor: Double
  /// Local slopes per exponent fit (the deepest ones); default 3.
  public var exponentSlopes: Int
  /// The fit needs its slopes within this spread (a power law); default 0.3.
  public var settledSpread: Double

  public init(
    stepFactor: Double = 0x1p-7, scale: Double = 1, ratio: Double = 2, steps: Int = 8,
    richardsonLevels: Int = 3, relativeNoise: Double = Double.ulpOfOne, absoluteNoise: Double = 0,
    usableFactor: Double = 100, exponentSlopes: Int = 3, settledSpread: Double = 0.3
  ) {
    precondition(stepFactor > 0 && stepFactor.isFinite, "stepFactor must be positive")
    precondition(scale >= 0 && scale.isFinite, "scale must be non-negative")
    precondition(ratio > 1 && ratio.isFinite, "ratio must exceed 1")
    precondition(steps >= 2 && steps <= 64, "steps must be in 2...64")
    precondition(
      richardsonLevels >= 0 && richardsonLevels <= steps - 2,
      "richardsonLevels must be in 0...steps-2")
    precondition(relativeNoise >= 0 && absoluteNoise >= 0 && usableFactor >= 1)
    precondition(exponentSlopes >= 1 && exponentSlopes < steps, "exponentSlopes must be in 1..<steps")
    self.stepFactor = stepFactor
    self.scale = scale
    self.ratio = ratio
    self.steps = steps
    self.richardsonLevels = richardsonLevels
    self.relativeNoise = relativeNoise
    self.absoluteNoise = absoluteNoise
    self.usableFactor = usableFactor
    self.exponentSlopes = exponentSlopes
    precondition(settledSpread > 0, "settledSpread must be positive")
    self.settledSpread = settledSpread
  }

  /// Below this exponent the line jumps; below `unboundedBelow` its slope is infinite.
  public static let discontinuousBelow = 0.25
  public static let unboundedBelow = 0.75
  /// Secant gaps of a piece at its smallest steps must shrink by at least this factor per
  /// step (a smooth piece's halve; those of a piece with a sqrt-like term grow).
  public static let pieceGapRatio = 0.8
  /// An exponent this far from an integer is fractional (the error estimate then adds
  /// the distance to the plain quotient at the smallest step).
  public static let fractionalExponent = 0.25

  /// The steps `h0 r^-i`, largest first.
  public func stepSequence(initialStep h0: Double) -> [Double] {
    geometricSteps(from: h0, ratio: ratio, count: steps)
  }

  /// One-sided derivatives at `h = 0+` of every output of the line `g` (called at 0
  /// once, then once per step: `1 + steps` calls). A call that returns another number
  /// of outputs than `g(0)` counts as all-`nan`.
  public func derivatives(
    initialStep h0: Double, inputMagnitude: Double = 0, of line: (Double) -> [Double]
  ) -> [OneSidedEstimate] {
    precondition(h0 > 0 && h0.isFinite, "initial step must be positive and finite")
    let hs = stepSequence(initialStep: h0)
    let g0 = line(0)
    let m = g0.count
    let values = hs.map { h -> [Double] in
      let v = line(h)
      return v.count == m ? v : Array(repeating: .nan, count: m)
    }
    let inputMag = abs(inputMagnitude).isFinite ? abs(inputMagnitude) : 0
    return (0..<m).map { o in
      estimate(g0: g0[o], values: values.map { $0[o] }, steps: hs, inputMagnitude: inputMag)
    }
  }

  /// The one-sided derivative of a scalar line (`1 + steps` calls).
  public func derivative(
    initialStep h0: Double, inputMagnitude: Double = 0, of line: (Double) -> Double
  ) -> OneSidedEstimate {
    precondition(h0 > 0 && h0.isFinite, "initial step must be positive and finite")
    let hs = stepSequence(initialStep: h0)
    let g0 = line(0)
    let values = hs.map(line)
    let inputMag = abs(inputMagnitude).isFinite ? abs(inputMagnitude) : 0
    return estimate(g0: g0, values: values, steps: hs, inputMagnitude: inputMag)
  }

  /// `f'(point; direction)`: the line `h -> f(point + h direction)` with
  /// `h0 = stepFactor max(|point|_inf, scale) / |direction|_inf`.
  public func derivative(
    along direction: [Double], at point: [Double], f: ([Double]) -> Double
  ) -> OneSidedEstimate {
    var line = DirectionalLine(point: point, direction: direction, stepFactor: stepFactor, scale: scale)
    return derivative(initialStep: line.initialStep, inputMagnitude: line.inputMagnitude) { h in f(line.at(h)) }
  }

  /// The estimate of one output from `g(0)` and `g(h_i)`.
  func estimate(g0: Double, values: [Double], steps hs: [Double], inputMagnitude: Double) -> OneSidedEstimate {
    let n = hs.count
    var quotients = [Double](repeating: .nan, count: n)
    var rounding = quotients
    var increments = quotients
    var floors = quotients
    for i in 0..<n {
      let inc = values[i] - g0
      let floor = relativeNoise * (abs(values[i]) + abs(g0)) + 2 * absoluteNoise
      increments[i] = inc
      floors[i] = floor
      quotients[i] = inc / hs[i]
      rounding[i] = floor / hs[i] + Double.ulpOfOne * abs(quotients[i]) * inputMagnitude / hs[i]
    }
    let column = RichardsonColumn(
      level0: quotients, rounding0: rounding, steps: hs, levels: richardsonLevels,
      factorStep: ratio, divergenceFactor: CentralDifference.divergenceFactor)
    let (exponent, jump) = observedExponent(increments: increments, floors: floors)
    var regularity = OneSidedRegularity.regular
    if let p = exponent, g0.isFinite {
      if p < Self.discontinuousBelow {
        regularity = .discontinuous(jump: jump)
      } else if p < Self.unboundedBelow {
        regularity = jumpNextToSlope(g0: g0, values: values, steps: hs, inputMagnitude: inputMagnitude)
          .map { .discontinuous(jump: $0) } ?? .unboundedDerivative(exponent: p)
      }
    }
    let table = (0..<n).map { i in
      OneSidedStep(
        step: hs[i], increment: increments[i], quotient: quotients[i],
        extrapolated: column.rowValues[i], errorEstimate: column.rowErrors[i])
    }
    // A fractional exponent (h^1.5) breaks the expansion in integer powers of h that
    // the extrapolation assumes: the quotients then converge like h^q at best (q the
    // fractional part of p), so the limit may lie a geometric tail
    // |D(h_min) - D(r h_min)| / (r^q - 1) beyond the last quotient, and the error
    // estimate adds that tail and the distance from the estimate to that quotient.
    var error = regularity == .regular ? column.error : .infinity
    if let p = exponent, abs(p - p.rounded()) > Self.fractionalExponent, n >= 2 {
      let q = p - p.rounded(.down)
      let tail = abs(quotients[n - 1] - quotients[n - 2]) / (pow(ratio, q) - 1)
      error += tail + abs(quotients[n - 1] - column.estimate)
    }
    var result = OneSidedEstimate(
      estimate: column.estimate,
      errorEstimate: error,
      step: column.step, level: column.level, exponent: exponent, regularity: regularity,
      table: table, evaluations: 1 + n)
    let unresolved = regularity == .regular && !error.isFinite
    if regularity.reason == "discontinuous" || unresolved {
      let piece = pieceSlope(values: values, steps: hs, inputMagnitude: inputMagnitude)
      result.pieceSlope = piece.slope
      result.pieceError = piece.error
      result.pieceExponent = piece.exponent
      if let slope = piece.slope { result.pieceJump = values[n - 1] - g0 - slope * hs[n - 1] }
    }
    return result
  }

  /// A jump `J` next to a slope `c` (`g(h) - g(0) = J + c h + ...` with `J` and `c h`
  /// alike over the steps) gives increments whose fitted exponent lies between 0 and 1,
  /// as an infinite slope's (`sqrt(h)`: 1/2) does. They differ in the piece: the secants
  /// of `J + c h + ...` converge like a smooth piece's (`pieceSlope` with a finite error),
  /// those of `sqrt(h)` do not. The jump `g(h_min) - g(0) - c h_min` when the piece is
  /// smooth and the jump is at least a tenth of the smallest step's increment; nil otherwise.
  func jumpNextToSlope(g0: Double, values: [Double], steps hs: [Double], inputMagnitude: Double) -> Double? {
    let piece = pieceSlope(values: values, steps: hs, inputMagnitude: inputMagnitude)
    guard let slope = piece.slope, piece.error.isFinite, let p = piece.exponent, p >= Self.unboundedBelow else {
      return nil
    }
    let last = hs.count - 1
    let jump = values[last] - g0 - slope * hs[last]
    return abs(jump) >= 0.1 * abs(values[last] - g0) ? jump : nil
  }

  /// The slope of the smooth piece a jumping side follows, from its own points only
  /// (`g(0)` is on another piece). The secants
  /// `D_i = (g(h_i) - g(h_(i+1))) / (h_i - h_(i+1))` of a smooth piece
  /// `g(h) = c0 + c1 h + c2 h^2 + c3 h^3 + ...` expand as
  /// `D_i = c1 + c2 (h_i + h_(i+1)) + c3 (h_i^2 + h_i h_(i+1) + h_(i+1)^2) + ...`, a series
  /// in integer powers of `h_i` since `h_(i+1) = h_i / r`: the `n - 1` secants are
  /// Richardson-extrapolated like forward differences (factor `r^k` at level k, at most
  /// `n - 3` levels) towards `c1`. Level-0 rounding:
  /// `(relativeNoise (|g(h_i)| + |g(h_(i+1))|) + 2 absoluteNoise) / (h_i - h_(i+1))
  /// + 2 eps |D_i| m / (h_i - h_(i+1))` (`m` the input magnitude).
  ///
  /// Regularity of the piece: the observed exponent `p` of the secant increments
  /// `|g(h_i) - g(h_(i+1))| ~ h_i^p` (as for `g(h) - g(0)`). The error is `+infinity` when
  /// `p < 0.75` (a piece that is not Lipschitz at `0+`, like `c0 + sqrt(h)` after a
  /// real/complex flip, or a piece that jumps again), and when some increments are above
  /// rounding but settle on no power law (a mixture of a slope and such a term); it adds
  /// the geometric tail of the secants for a fractional `p`, as the one-sided estimate
  /// does. Increments all at rounding level: a flat piece, the extrapolation's error. The
  /// error is `+infinity` too when the last secant gap `|D_(n-2) - D_(n-3)|` is above
  /// `divergenceFactor` times its rounding and exceeds `pieceGapRatio` (0.8) times the
  /// previous one: a smooth piece's gaps halve per step (`c2 (h_i - h_(i+2)) + ...`),
  /// those of `c0 + c1 h + c sqrt(h)` grow like `h^(-1/2)`.
  public func pieceSlope(
    values: [Double], steps hs: [Double], inputMagnitude: Double
  ) -> (slope: Double?, error: Double, exponent: Double?) {
    let n = hs.count - 1
    guard n >= 3, values.count == hs.count else { return (nil, .infinity, nil) }
    var secants = [Double](repeating: .nan, count: n)
    var rounding = secants
    var increments = secants
    var floors = secants
    for i in 0..<n {
      let dh = hs[i] - hs[i + 1]
      let inc = values[i] - values[i + 1]
      let floor = relativeNoise * (abs(values[i]) + abs(values[i + 1])) + 2 * absoluteNoise
      increments[i] = inc
      floors[i] = floor
      secants[i] = inc / dh
      rounding[i] = floor / dh + 2 * Double.ulpOfOne * abs(secants[i]) * inputMagnitude / dh
    }
    let column = RichardsonColumn(
      level0: secants, rounding0: rounding, steps: Array(hs.prefix(n)), levels: min(richardsonLevels, n - 2),
      factorStep: ratio, divergenceFactor: CentralDifference.divergenceFactor)
    guard column.estimate.isFinite else { return (nil, .infinity, nil) }
    let (exponent, _) = observedExponent(increments: increments, floors: floors)
    var error = column.error
    if let p = exponent {
      if p < Self.unboundedBelow {
        error = .infinity
      } else if abs(p - p.rounded()) > Self.fractionalExponent {
        let q = p - p.rounded(.down)
        let tail = abs(secants[n - 1] - secants[n - 2]) / (pow(ratio, q) - 1)
        error += tail + abs(secants[n - 1] - column.estimate)
      }
    } else if (0..<n).contains(where: { !(abs(increments[$0]) <= usableFactor * floors[$0]) }) {
      error = .infinity
    }
    // A smooth piece's secants converge like h (gaps halve per step, or better); gaps
    // that shrink by less than `pieceGapRatio` at the smallest steps (above rounding)
    // come from a term like sqrt(h) mixed in, whose secants grow without bound.
    let gapPrev = abs(secants[n - 2] - secants[n - 3])
    let gapLast = abs(secants[n - 1] - secants[n - 2])
    if gapLast > Self.pieceGapRatio * gapPrev
      && gapLast > CentralDifference.divergenceFactor * (rounding[n - 1] + rounding[n - 2])
    {
      error = .infinity
    }
    return (column.estimate, error, exponent)
  }

  /// The exponent `p` of `|Δ| ~ h^p`: the median of the last `exponentSlopes` local
  /// slopes `log(|Δ_i| / |Δ_(i+1)|) / log r` of the deepest run of consecutive usable
  /// increments (`|Δ_i| > usableFactor floor_i`), with the increment at that run's
  /// smallest step; `nil` when no run is long enough or those slopes spread more than
  /// `settledSpread` (not a power law: an increment passing through zero, noise).
  func observedExponent(increments: [Double], floors: [Double]) -> (Double?, Double) {
    let usable = (0..<increments.count).map {
      increments[$0].isFinite && abs(increments[$0]) > usableFactor * floors[$0]
    }
    var end = increments.count - 1
    while end >= 0 {
      var start = end
      while start > 0 && usable[start - 1] && usable[end] { start -= 1 }
      if usable[end] && end - start >= exponentSlopes {
        let logR = log(ratio)
        let slopes = ((end - exponentSlopes)..<end).map {
          log(abs(increments[$0]) / abs(increments[$0 + 1])) / logR
        }.sorted()
        // Not a power law (an increment passing through zero, noise): no exponent.
        guard slopes.last! - slopes.first! <= settledSpread else { return (nil, .nan) }
        let k = slopes.count
        let median = k % 2 == 1 ? slopes[k / 2] : 0.5 * (slopes[k / 2 - 1] + slopes[k / 2])
        return (median, increments[end])
      }
      end = usable[end] ? start - 1 : end - 1
    }
    return (nil, .nan)
  }
}
