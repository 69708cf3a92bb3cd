import NumberFormat
/// The one-call checks: `checkGradient(of:gradient:at:)` for `f: R^n -> R` and
/// `checkJacobian(of:jacobian:at:)` for `f: R^n -> R^m`. Each compares every entry of
/// the analytic derivative with a Richardson-extrapolated central difference (with its
/// error estimate) and runs the Taylor remainder test along a seeded random direction.

/// Options of the one-call checks (every default is the gradcheck engine's policy).
public struct GradientCheckOptions: Sendable, Equatable {
  /// The finite-difference sweep: steps `h0_i 2^-k`, `k = 0..5`, with
  /// `h0_i = 2^-7 max(|x_i|, scale_i)`, two Richardson levels.
  public var difference: CentralDifference
  /// The entrywise rule: `tol = 1e-6 max(|a|, |n|) + 1e-8 S`, fail beyond
  /// `tol + 3 x error estimate`, warn when only the error bar covers the difference.
  public var comparison: GradientComparison
  /// The Taylor remainder test (pass at order >= 1.8, fail at a settled order < 1.5).
  public var taylor: TaylorTest
  /// The natural scale of each input: the step floor `scale_i` above and the size of
  /// the Taylor direction's component `i`. `nil`: `difference.scale` (1) for every input.
  /// Pass it for inputs that live on a scale far from 1 near zero (a tiny length, a
  /// huge rate), so that a zero input is not probed with a step of 2^-7.
  public var scales: [Double]?
  /// Seed of the Taylor direction (and of the output weights of a Jacobian).
  public var seed: UInt64

  public init(
    difference: CentralDifference = CentralDifference(),
    comparison: GradientComparison = GradientComparison(), taylor: TaylorTest = TaylorTest(),
    scales: [Double]? = nil, seed: UInt64 = 1
  ) {
    self.difference = difference
    self.comparison = comparison
    self.taylor = taylor
    self.scales = scales
    self.seed = seed
  }

  /// The scale of input `i`: `scales[i]`, else `difference.scale`.
  func scale(of i: Int) -> Double {
    abs(scales?[i] ?? difference.scale)
  }
}

/// The comparison of one entry `d f_output / d x_input`.
public struct EntryCheck: Sendable, Equatable {
  public var output: Int
  public var input: Int
  /// The derivative under test.
  public var analytic: Double
  /// The finite-difference estimate.
  public var numeric: Double
  /// Its error estimate (truncation + rounding; `+infinity` when not computable).
  public var errorEstimate: Double
  /// `tol = relativeTolerance max(|a|, |n|) + absoluteTolerance S` (`S`: the largest
  /// entry of this output's row).
  public var tolerance: Double
  /// `|a - n| / (tol + errorMultiplier e)`: the entry fails above 1.
  public var normalizedError: Double
  public var status: FDStatus
}

/// The result of a one-call check.
public struct GradientCheckReport: Sendable, Equatable, CustomStringConvertible {
  /// Overall verdict: the worst of the entrywise comparison and the Taylor test, except
  /// that a Taylor failure while every entry passes is a `warn` (conflicting evidence:
  /// the remainder is first order only where the entrywise check cannot see an error).
  public var status: FDStatus
  /// One line naming the reason.
  public var message: String
  /// The point `x`.
  public var point: [Double]
  /// Number of outputs (1 for a gradient).
  public var outputs: Int
  /// Whether the check was of a Jacobian (labels `df[o]/dx[i]`) or a gradient (`df/dx[i]`).
  public var isJacobian: Bool
  /// Every entry, output by output (`entries[o * inputs + i]`).
  public var entries: [EntryCheck]
  /// The entrywise verdict (for a Jacobian: that of the worst output row).
  public var comparison: GradientComparisonResult
  /// The Taylor test of `phi(x) = <v, f(x)>` along `taylorDirection` (`v = 1` for a
  /// gradient, seeded weights in [-1, 1) for a Jacobian).
  public var taylor: TaylorResult
  /// The seeded direction `w_i = u_i max(|x_i|, scale_i)`, `u_i` uniform in [-1, 1).
  public var taylorDirection: [Double]
  /// Total number of calls of `f`.
  public var evaluations: Int

  /// Number of inputs.
  public var inputs: Int { point.count }

  /// The entry `d f_output / d x_input`.
  public func entry(output: Int = 0, input: Int) -> EntryCheck {
    entries[output * inputs + input]
  }

  /// The name of an entry in messages: `df/dx[i]` or `df[o]/dx[i]`.
  public func label(output: Int, input: Int) -> String {
    isJacobian ? "df[\(output)]/dx[\(input)]" : "df/dx[\(input)]"
  }

  /// A table of every entry, the Taylor line and the verdict.
  public var description: String {
    var lines = [
      "\(isJacobian ? "Jacobian" : "gradient") check: \(status.rawValue) "
        + "(\(inputs) input\(inputs == 1 ? "" : "s"), \(outputs) output\(outputs == 1 ? "" : "s"), "
        + "\(evaluations) evaluations)"
    ]
    let header = ["entry", "analytic", "numeric", "+- error", "normalized", "status"]
    var rows = [header]
    for e in entries {
      rows.append([
        label(output: e.output, input: e.input), formatNumber(e.analytic),
        formatNumber(e.numeric), formatNumber(e.errorEstimate),
        formatNumber(e.normalizedError), e.status.rawValue,
      ])
    }
    let widths = (0..<header.count).map { c in rows.map { $0[c].count }.max() ?? 0 }
    for r in rows {
      let cells = r.enumerated().map { c, text in
        c == r.count - 1 ? text : text + String(repeating: " ", count: widths[c] - text.count)
      }
      lines.append("  " + cells.joined(separator: "  "))
    }
    lines.append("  taylor: \(taylor.verdict.rawValue), \(taylor.message)")
    lines.append("  \(message)")
    return lines.joined(separator: "\n")
  }
}

/// Checks the gradient `gradient(x)` of `f` at `x` against finite differences.
///
/// Every entry `i` is compared with a Richardson-extrapolated central difference of `f`
/// along `e_i` (steps `2^-7 max(|x_i|, scale_i) 2^-k`, `k = 0..5`): pass within
/// `tol = 1e-6 max(|a|, |n|) + 1e-8 S` (`S` the largest entry), warn when only the
/// finite-difference error bar covers the difference, fail beyond `tol + 3 e`. The
/// Taylor remainder `|f(x + h w) - f(x) - h <gradient, w>|` along a seeded random `w`
/// must shrink like `h^2`. Cost: `12 n` calls of `f` plus about 30 for the Taylor test.
///
/// - Precondition: `x` is not empty and `gradient(x)` has `x.count` entries.
public func checkGradient(
  of f: ([Double]) -> Double, gradient: ([Double]) -> [Double], at x: [Double],
  options: GradientCheckOptions = GradientCheckOptions()
) -> GradientCheckReport {
  let g = gradient(x)
  precondition(
    g.count == x.count, "the gradient has \(g.count) entries for \(x.count) inputs")
  return derivativeCheck(of: { [f($0)] }, analytic: [g], at: x, options: options, isJacobian: false)
}

/// Checks the Jacobian `jacobian(x)` (`m` rows of `n` entries: `J[o][i] = d f_o / d x_i`)
/// of `f: R^n -> R^m` at `x` against finite differences, entry by entry (each output
/// row with its own scale `S_o`, the largest entry of the row), and runs the Taylor test
/// on `<v, f(x)>` for seeded weights `v`. Cost: `12 n` calls of `f` plus about 30.
///
/// - Precondition: `x` is not empty, `f(x)` has `m` outputs and every row `n` entries.
public func checkJacobian(
  of f: ([Double]) -> [Double], jacobian: ([Double]) -> [[Double]], at x: [Double],
  options: GradientCheckOptions = GradientCheckOptions()
) -> GradientCheckReport {
  let j = jacobian(x)
  for (o, row) in j.enumerated() {
    precondition(
      row.count == x.count, "row \(o) of the Jacobian has \(row.count) entries for \(x.count) inputs")
  }
  return derivativeCheck(of: f, analytic: j, at: x, options: options, isJacobian: true)
}

/// The shared body of the one-call checks: entrywise comparison, Taylor test, verdict.
func derivativeCheck(
  of f: ([Double]) -> [Double], analytic: [[Double]], at x: [Double],
  options: GradientCheckOptions, isJacobian: Bool
) -> GradientCheckReport {
  precondition(!x.isEmpty, "the point has no coordinates")
  if let scales = options.scales {
    precondition(scales.count == x.count, "\(scales.count) scales for \(x.count) inputs")
  }
  let y0 = f(x)
  precondition(
    y0.count == analytic.count,
    "f has \(y0.count) outputs but the derivative has \(analytic.count) rows")
  let n = x.count
  let m = analytic.count
  let scales = (0..<n).map { options.scale(of: $0) }
  let fd = options.difference.jacobian(at: x, scales: scales, f: f)

  var entries: [EntryCheck] = []
  var rows: [GradientComparisonResult] = []
  let rule = options.comparison
  for o in 0..<m {
    let a = analytic[o]
    let num = fd.estimates[o]
    let err = fd.errorEstimates[o]
    let s = GradientComparison.defaultScale(analytic: a, numeric: num)
    let labels = (0..<n).map { isJacobian ? "df[\(o)]/dx[\($0)]" : "df/dx[\($0)]" }
    rows.append(rule.compare(analytic: a, numeric: num, errorEstimates: err, scale: s, labels: labels))
    for i in 0..<n {
      let v = rule.judge(analytic: a[i], numeric: num[i], errorEstimate: err[i], scale: s)
      entries.append(EntryCheck(
        output: o, input: i, analytic: a[i], numeric: num[i], errorEstimate: err[i],
        tolerance: v.tolerance, normalizedError: v.normalizedError, status: v.status))
    }
  }
  let comparison = worstRow(rows)
  let (taylor, direction) = seededTaylor(of: f, analytic: analytic, at: x, f0: y0, scales: scales, options: options)

  var taylorStatus = taylor.verdict.status
  var taylorNote = ""
  if taylorStatus == .fail && comparison.status == .pass {
    taylorStatus = .warn
    taylorNote = " (not asymptotic: every entry passes)"
  }
  let status = FDStatus.worst([comparison.status, taylorStatus])
  let message =
    "\(status.rawValue): entries \(comparison.status.rawValue), \(comparison.message); "
    + "taylor \(taylorStatus.rawValue)\(taylorNote)"
    + (taylor.order.map { ", order \(formatNumber($0))" } ?? "")
  return GradientCheckReport(
    status: status, message: message, point: x, outputs: m, isJacobian: isJacobian,
    entries: entries, comparison: comparison, taylor: taylor, taylorDirection: direction,
    evaluations: 1 + fd.evaluations + taylor.evaluations)
}

/// The row with the worst status (then the largest normalized error, then the first).
func worstRow(_ rows: [GradientComparisonResult]) -> GradientComparisonResult {
  var best = rows.first ?? GradientComparisonResult(
    status: .skip, value: 0, tolerance: 1, message: "no derivatives to compare", worstIndex: nil)
  for r in rows.dropFirst() {
    if (r.status.severity, r.value) > (best.status.severity, best.value) { best = r }
  }
  return best
}

/// The Taylor test of `phi(z) = <v, f(z)>` at `x` along the seeded `w`
/// (`w_i = u_i max(|x_i|, scale_i)`), with `phi'(x) w = v^T J w` and
/// `h0 = stepFactor / max |u_i|` (the largest displacement of coordinate `i` is
/// `stepFactor max(|x_i|, scale_i)`). For `m > 1` the rounding floor includes
/// `eps sum |v_o f_o(x)|` (the weighted sum can cancel).
func seededTaylor(
  of f: ([Double]) -> [Double], analytic: [[Double]], at x: [Double], f0: [Double],
  scales: [Double], options: GradientCheckOptions
) -> (TaylorResult, [Double]) {
  let n = x.count
  let m = analytic.count
  var rng = SplitMix64(seed: options.seed)
  let u = rng.direction(n)
  let w = (0..<n).map { i -> Double in
    let size = max(abs(x[i]), scales[i])
    return u[i] * (size > 0 && size.isFinite ? size : 1)
  }
  let v = m == 1 ? [1.0] : rng.direction(m)
  var g = 0.0
  for o in 0..<m {
    for i in 0..<n { g += v[o] * analytic[o][i] * w[i] }
  }
  var test = options.taylor
  if m > 1 {
    var size = 0.0
    for o in 0..<m { size += abs(v[o] * f0[o]) }
    test.absoluteNoise = max(test.absoluteNoise, Double.ulpOfOne * size)
  }
  let h0 = test.stepFactor / u.reduce(0.0) { max($0, abs($1)) }
  var z = x
  let result = test.run(initialStep: h0, directionalDerivative: g) { h in
    for i in 0..<n { z[i] = x[i] + h * w[i] }
    let y = f(z)
    guard y.count == m else { return .nan }
    var phi = 0.0
    for o in 0..<m { phi += v[o] * y[o] }
    return phi
  }
  return (result, w)
}
