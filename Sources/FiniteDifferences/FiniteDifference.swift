/// The finite-difference engine (the `gradient` check of gradcheck): central
/// differences over a geometric step sequence, Richardson extrapolation, and an error
/// estimate for every derivative (truncation + rounding), numdifftools/GSL style.
///
/// Everything here is pure maths on value types: no I/O, no global state, no
/// randomness (random directions are chosen by the caller with `SeededRNG`).

#if canImport(Glibc)
  import Glibc
#endif

// MARK: - Results

/// One row of the step table of a sweep: everything computed from the points
/// `+h` and `-h` and the rows with smaller steps (for plots: error against step).
public struct DifferenceStep: Sendable, Equatable {
  /// The step `h_i = h0 * ratio^-i`.
  public var step: Double
  /// Plain central difference `(g(h) - g(-h)) / (2h)`, one per output.
  public var central: [Double]
  /// The best Richardson extrapolant whose largest step is `h_i` (smallest error
  /// estimate over the levels available at this row), one per output.
  public var extrapolated: [Double]
  /// The error estimate of `extrapolated` (`+infinity` when not computable).
  public var errorEstimates: [Double]

  public init(step: Double, central: [Double], extrapolated: [Double], errorEstimates: [Double]) {
    self.step = step
    self.central = central
    self.extrapolated = extrapolated
    self.errorEstimates = errorEstimates
  }
}

/// The derivatives of all outputs of one line `h -> g(h)` at `h = 0`.
public struct DerivativeEstimate: Sendable, Equatable {
  /// Best estimate of `g'(0)`, one per output (`nan` when no step gave finite values).
  public var estimates: [Double]
  /// Error estimate of each estimate (absolute, `+infinity` when not computable):
  /// truncation (spread of neighbouring extrapolants) plus propagated rounding.
  public var errorEstimates: [Double]
  /// Per output, the largest step of the stencil that gave the best estimate
  /// (`nan` when none).
  public var steps: [Double]
  /// Per output, the Richardson level of the best estimate (0 = plain central
  /// difference, `-1` when none).
  public var levels: [Int]
  /// The per-step table, largest step first.
  public var table: [DifferenceStep]
  /// Number of calls of the function: exactly `2 * steps` per sweep.
  public var evaluations: Int

  public init(
    estimates: [Double], errorEstimates: [Double], steps: [Double], levels: [Int],
    table: [DifferenceStep], evaluations: Int
  ) {
    self.estimates = estimates
    self.errorEstimates = errorEstimates
    self.steps = steps
    self.levels = levels
    self.table = table
    self.evaluations = evaluations
  }

  /// Number of outputs.
  public var outputCount: Int { estimates.count }

  /// Error estimate against step for one output (largest step first), for
  /// convergence plots.
  public func errorEstimatePoints(output: Int) -> [FDPoint] {
    table.map { FDPoint(step: $0.step, error: $0.errorEstimates[output]) }
  }

  /// Actual error `|central - exact|` against step for one output (largest step
  /// first), when the exact (or analytic) derivative is known.
  public func centralErrorPoints(output: Int, exact: Double) -> [FDPoint] {
    table.map { FDPoint(step: $0.step, error: abs($0.central[output] - exact)) }
  }
}

/// A full Jacobian by coordinate directions: `estimates[o][i] = d output_o / d input_i`.
public struct JacobianEstimate: Sendable, Equatable {
  /// `outputs x inputs` estimates.
  public var estimates: [[Double]]
  /// `outputs x inputs` error estimates.
  public var errorEstimates: [[Double]]
  /// One sweep per input coordinate (column), in input order.
  public var columns: [DerivativeEstimate]
  /// Total number of function calls: `inputs * 2 * steps`.
  public var evaluations: Int

  public init(
    estimates: [[Double]], errorEstimates: [[Double]], columns: [DerivativeEstimate],
    evaluations: Int
  ) {
    self.estimates = estimates
    self.errorEstimates = errorEstimates
    self.columns = columns
    self.evaluations = evaluations
  }
}

// MARK: - Engine

/// Central differences with Richardson extrapolation over a geometric step sequence.
///
/// For a line `g(h)` (vector valued, typically `g(h) = f(z + h w)`):
///
/// - steps `h_i = h0 * r^-i`, `i = 0 ..< steps` (largest first);
/// - level 0: `T[0][i] = (g(h_i) - g(-h_i)) / (2 h_i)`, error `O(h^2)`;
/// - level k: `T[k][i] = T[k-1][i+1] + (T[k-1][i+1] - T[k-1][i]) / (r^(2k) - 1)`,
///   which removes the `h^(2k)` term (error `O(h^(2k+2))`); `T[k][i]` uses the
///   steps `h_i ... h_(i+k)`;
/// - truncation estimate of `T[k][i]`: the largest of `|T[k][i] - T[k-1][i+1]|`
///   (the last correction; GSL's deliberately pessimistic `|r5 - r3|`) and
///   the differences to the two nearest entries of the same level (`i-1` and `i+1`, or
///   the two on the available side at either end; in the asymptotic regime the
///   larger-step neighbour differs by about `r^(2k+2)` times the error, and noise or a
///   kink between the steps shows up as a jump). A non-finite neighbour makes the
///   candidate unusable. Neighbours share samples, so their agreement cannot reveal
///   noise that is correlated between them: the rounding model below must carry it.
///   Also `|T[k][i] - T[k][j]| - rho[k][j]` for every smaller step `j > i`: values at
///   smaller steps are closer to the limit up to their rounding, so a large-step value
///   far from them is not converged (this is what exposes a kink between the steps:
///   the large-step differences look smooth and agree with each other);
/// - rounding estimate: at level 0
///   `rho[0][i] = (relativeNoise * (|g(h_i)| + |g(-h_i)|) + 2 absoluteNoise) / (2 h_i)
///   + eps * |T[0][i]| * inputMagnitude / h_i`
///   (function noise, and GSL's term for the inexact point `z + h`), propagated with the
///   absolute Richardson weights `rho[k][i] = (1 + a) rho[k-1][i+1] + a rho[k-1][i]`,
///   `a = 1 / (r^(2k) - 1)`;
/// - divergence: when the gaps between plain differences at the three smallest steps
///   grow (each >= 1.5 times the previous) far beyond rounding
///   (`> divergenceFactor * rounding`), the sequence is not converging (a kink or pole
///   closer than the smallest step gives `D_i ~ 1/h_i`) and the error estimate is
///   `+infinity` (the estimate is kept for display);
/// - error estimate = truncation + rounding; the result for each output is the
///   candidate (any level, any step) with the smallest error estimate (first one on
///   ties, levels ascending, then steps descending).
///
/// The function is called exactly once per step point (`2 * steps` calls per sweep,
/// in the order `+h_0, -h_0, +h_1, -h_1, ...`) and never re-evaluated, so one sweep
/// of perturbed eigen solves gives the derivatives of every output (all transforms,
/// all betas) at once.
///
/// Default step: `h0 = stepFactor * max(|z|, scale)` with `stepFactor = 2^-7`
/// (about 7.8e-3; steps 7.8e-3 ... 2.4e-4 relative to the input scale). Reason: with two
/// Richardson levels the truncation error is `O(h^6)` and the optimal step is about
/// `eps^(1/7) ~ 6e-3` of the scale, while the rounding error `~ eps / h` stays near
/// 1e-12 relative at the smallest step; larger steps would leave smooth regions of
/// eigenvalue functions (a kink or pole at a few percent of the scale) more often.
/// Smaller steps only add rounding error. The scale floor (`scale`, default 1) keeps
/// the step from collapsing at `z = 0`; callers pass the natural scale of the input
/// (for a matrix entry: the matrix norm).
public struct CentralDifference: Sendable, Equatable {
  /// `c` in `h0 = c * max(|z|, scale)`; default `2^-7`.
  public var stepFactor: Double
  /// Floor of the input magnitude used for the default step; default 1.
  public var scale: Double
  /// Ratio between successive steps (`h_(i+1) = h_i / ratio`); default 2.
  public var ratio: Double
  /// Number of steps in the sweep; default 6 (12 calls of the function).
  public var steps: Int
  /// Number of Richardson levels (0 = plain central differences); default 2
  /// (error `O(h^6)`). At most `steps - 2` so every level has two entries.
  public var richardsonLevels: Int
  /// Relative noise of one function value, used for the rounding estimate;
  /// default `Double.ulpOfOne` (2.2e-16). Raise it for functions computed with a
  /// known larger relative error (an eigen solve of a matrix with condition kappa).
  public var relativeNoise: Double
  /// Absolute noise of one function value (all outputs), added to the rounding
  /// estimate; default 0. Use it when the values are sums of much larger terms
  /// (cancellation), where noise relative to `|g|` understates the rounding.
  public var absoluteNoise: Double

  public init(
    stepFactor: Double = 0x1p-7, scale: Double = 1, ratio: Double = 2, steps: Int = 6,
    richardsonLevels: Int = 2, relativeNoise: Double = Double.ulpOfOne, absoluteNoise: Double = 0
  ) {
    precondition(stepFactor > 0 && stepFactor.isFinite, "stepFactor must be positive")
    precondition(scale >= 0 && scale.isFinite, "scale must be non-negative")
    precondition(ratio > 1 && ratio.isFinite, "ratio must exceed 1")
    precondition(steps >= 2 && steps <= 64, "steps must be in 2...64")
    precondition(
      richardsonLevels >= 0 && richardsonLevels <= steps - 2,
      "richardsonLevels must be in 0...steps-2")
    precondition(relativeNoise >= 0 && relativeNoise.isFinite, "relativeNoise must be >= 0")
    self.stepFactor = stepFactor
    self.scale = scale
    self.ratio = ratio
    self.steps = steps
    self.richardsonLevels = richardsonLevels
    self.relativeNoise = relativeNoise
    precondition(absoluteNoise >= 0 && absoluteNoise.isFinite, "absoluteNoise must be >= 0")
    self.absoluteNoise = absoluteNoise
  }

  /// How far above the rounding estimate growing gaps at the smallest steps must be
  /// to call the sweep divergent (100: rounding noise of functions that cancel large
  /// terms was measured at up to ~20 times the default model).
  public static let divergenceFactor = 100.0

  /// Number of function calls of one sweep: `2 * steps`.
  public var evaluationsPerSweep: Int { 2 * steps }

  /// The default largest step for an input of magnitude `magnitude`:
  /// `stepFactor * max(|magnitude|, scale)` (if both are 0: `stepFactor`).
  public func initialStep(magnitude: Double) -> Double {
    let m = max(abs(magnitude), scale)
    return stepFactor * (m > 0 && m.isFinite ? m : 1)
  }

  /// The step sequence `h_i = h0 * ratio^-i`, largest first.
  public func stepSequence(initialStep h0: Double) -> [Double] {
    geometricSteps(from: h0, ratio: ratio, count: steps)
  }

  /// Derivatives at `h = 0` of every output of the line `g` (one sweep, `2 * steps`
  /// calls of `g`).
  ///
  /// - Parameters:
  ///   - initialStep: the largest step `h0` (> 0).
  ///   - inputMagnitude: magnitude of the base point in units of `h` (`|z| / |w|`),
  ///     for GSL's rounding term of the inexact point `z + h w`; 0 when exact.
  ///   - line: `h -> g(h)`. The number of outputs is that of the first call; a call
  ///     that returns another count is treated as all-`nan` (that step is unusable).
  public func derivative(
    initialStep h0: Double, inputMagnitude: Double = 0, of line: (Double) -> [Double]
  ) -> DerivativeEstimate {
    sweep(initialStep: h0, inputMagnitude: inputMagnitude, actualStep: nil, line)
  }

  /// The sweep. `actualStep(h)` (when given) is the displacement really applied for the
  /// nominal signed step `h` (for a coordinate step, `fl(z + h) - z`, exact), and the
  /// central difference divides by `actualStep(h) - actualStep(-h)`.
  func sweep(
    initialStep h0: Double, inputMagnitude: Double, actualStep: ((Double) -> Double)?,
    _ line: (Double) -> [Double]
  ) -> DerivativeEstimate {
    precondition(h0 > 0 && h0.isFinite, "initial step must be positive and finite")
    let hs = stepSequence(initialStep: h0)
    let n = steps
    var plus: [[Double]] = []
    var minus: [[Double]] = []
    plus.reserveCapacity(n)
    minus.reserveCapacity(n)
    var m = -1
    var calls = 0
    let widths = hs.map { h in actualStep.map { $0(h) - $0(-h) } ?? 2 * h }
    for h in hs {
      var p = line(h)
      calls += 1
      if m < 0 { m = p.count }
      if p.count != m { p = Array(repeating: .nan, count: m) }
      var q = line(-h)
      calls += 1
      if q.count != m { q = Array(repeating: .nan, count: m) }
      plus.append(p)
      minus.append(q)
    }
    let outputs = max(m, 0)
    let inputMag = abs(inputMagnitude).isFinite ? abs(inputMagnitude) : 0

    var estimates = Array(repeating: Double.nan, count: outputs)
    var errors = Array(repeating: Double.infinity, count: outputs)
    var bestSteps = Array(repeating: Double.nan, count: outputs)
    var levels = Array(repeating: -1, count: outputs)
    var rowValues = Array(repeating: Array(repeating: Double.nan, count: outputs), count: n)
    var rowErrors = Array(repeating: Array(repeating: Double.infinity, count: outputs), count: n)
    var central = Array(repeating: Array(repeating: Double.nan, count: outputs), count: n)

    let levelsK = richardsonLevels
    for o in 0..<outputs {
      // Level 0 and its rounding.
      var t0 = Array(repeating: Double.nan, count: n)
      var rho0 = t0
      for i in 0..<n {
        let gp = plus[i][o]
        let gm = minus[i][o]
        let d = (gp - gm) / widths[i]
        t0[i] = d
        central[i][o] = d
        rho0[i] =
          (relativeNoise * (abs(gp) + abs(gm)) + 2 * absoluteNoise) / widths[i]
          + Double.ulpOfOne * abs(d) * inputMag / hs[i]
      }
      // Richardson levels, error estimates, the best candidate (a row with no usable
      // candidate still shows its plain central difference).
      let column = RichardsonColumn(
        level0: t0, rounding0: rho0, steps: hs, levels: levelsK, factorStep: ratio * ratio,
        divergenceFactor: Self.divergenceFactor)
      for i in 0..<n {
        rowValues[i][o] = column.rowValues[i]
        rowErrors[i][o] = column.rowErrors[i]
      }
      estimates[o] = column.estimate
      errors[o] = column.error
      bestSteps[o] = column.step
      levels[o] = column.level
    }
    let table = (0..<n).map { i in
      DifferenceStep(
        step: hs[i], central: central[i], extrapolated: rowValues[i], errorEstimates: rowErrors[i])
    }
    return DerivativeEstimate(
      estimates: estimates, errorEstimates: errors, steps: bestSteps, levels: levels,
      table: table, evaluations: calls)
  }

  /// Directional derivative of `f` at `point` along `direction`: one sweep of
  /// `f(point + h * direction)` (`2 * steps` calls of `f`).
  ///
  /// The step is in units of the direction: `h0 = stepFactor * max(|point|_inf, scale) /
  /// |direction|_inf`, so the largest displacement of any coordinate is
  /// `stepFactor * max(|point|_inf, scale)` whatever the length of `direction`.
  /// The estimate is `d/dh f(point + h direction)` at 0, i.e. `J * direction`.
  public func derivative(
    along direction: [Double], at point: [Double], f: ([Double]) -> [Double]
  ) -> DerivativeEstimate {
    var line = DirectionalLine(point: point, direction: direction, stepFactor: stepFactor, scale: scale)
    return derivative(initialStep: line.initialStep, inputMagnitude: line.inputMagnitude) { h in f(line.at(h)) }
  }

  /// Full Jacobian by coordinate directions `e_i`: one sweep per input coordinate
  /// (`inputs * 2 * steps` calls of `f`). Coordinate `i` uses
  /// `h0_i = stepFactor * max(|point[i]|, scales[i])`, with `scales[i]` defaulting to
  /// `scale` (pass the natural scale of each input, e.g. the matrix norm for the
  /// entries of a matrix, so that a zero entry is not probed with a tiny step).
  /// The displacement actually applied, `fl(z_i + h) - z_i` (exact by Sterbenz when
  /// `h <= |z_i|`), replaces `h` in the differences, so the inexact point adds no error.
  /// Intended for small problems (N <= 16: up to 257 inputs).
  public func jacobian(
    at point: [Double], scales: [Double]? = nil, f: ([Double]) -> [Double]
  ) -> JacobianEstimate {
    if let scales { precondition(scales.count == point.count, "scales and point differ in length") }
    var columns: [DerivativeEstimate] = []
    columns.reserveCapacity(point.count)
    var calls = 0
    var x = point
    for i in 0..<point.count {
      let s = scales.map { abs($0[i]) } ?? scale
      let m = max(abs(point[i]), s)
      let h0 = stepFactor * (m > 0 && m.isFinite ? m : 1)
      let zi = point[i]
      let column = sweep(initialStep: h0, inputMagnitude: 0, actualStep: { h in (zi + h) - zi }) { h in
        x[i] = zi + h
        let y = f(x)
        x[i] = point[i]
        return y
      }
      calls += column.evaluations
      columns.append(column)
    }
    let outputs = columns.first?.outputCount ?? 0
    var est = Array(repeating: Array(repeating: Double.nan, count: point.count), count: outputs)
    var err = Array(repeating: Array(repeating: Double.infinity, count: point.count), count: outputs)
    for (i, c) in columns.enumerated() {
      for o in 0..<min(outputs, c.outputCount) {
        est[o][i] = c.estimates[o]
        err[o][i] = c.errorEstimates[o]
      }
    }
    return JacobianEstimate(estimates: est, errorEstimates: err, columns: columns, evaluations: calls)
  }
}
