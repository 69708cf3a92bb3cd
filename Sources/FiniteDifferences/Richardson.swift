/// Richardson extrapolation of one output over a geometric step sequence, with the
/// error estimate of every candidate and the choice of the best one: shared by the
/// central differences (error expansion in h^2, h^4, ...: `factorStep = r^2`) and the
/// one-sided ones (h, h^2, ...: `factorStep = r`).

/// The extrapolation table of one output and its best candidate.
///
/// - level k: `T[k][i] = T[k-1][i+1] + (T[k-1][i+1] - T[k-1][i]) / (q^k - 1)` with
///   `q = factorStep`, which removes the next term of the error expansion; `T[k][i]`
///   uses the steps `h_i ... h_(i+k)`;
/// - rounding `rho[k][i] = (1 + a) rho[k-1][i+1] + a rho[k-1][i]`, `a = 1 / (q^k - 1)`;
/// - truncation estimate of `T[k][i]`: the largest of the last correction
///   `|T[k][i] - T[k-1][i+1]|`, the differences to the two nearest entries of the same
///   level, and `|T[k][i] - T[k][j]| - rho[k][j]` for every smaller step `j > i + 1`;
/// - error estimate = truncation + rounding; the best candidate has the smallest (first on
///   ties: levels ascending, then steps descending);
/// - divergence: gaps between level-0 values at the three smallest steps growing (each
///   >= 1.5 times the previous) beyond `divergenceFactor` times their rounding make the
///   error estimate `+infinity` (the estimate is kept for display).
struct RichardsonColumn: Sendable, Equatable {
  /// Best estimate (`nan` when no candidate was finite).
  var estimate = Double.nan
  /// Its error estimate (`+infinity` when none).
  var error = Double.infinity
  /// The largest step of the best candidate's stencil (`nan` when none).
  var step = Double.nan
  /// The Richardson level of the best candidate (`-1` when none).
  var level = -1
  /// Per step, the best candidate whose largest step is that step (the level-0 value
  /// when none is usable), and its error estimate.
  var rowValues: [Double]
  var rowErrors: [Double]

  init(
    level0: [Double], rounding0: [Double], steps hs: [Double], levels: Int,
    factorStep: Double, divergenceFactor: Double
  ) {
    let n = hs.count
    precondition(level0.count == n && rounding0.count == n && levels <= n - 2)
    // The table by level k and step i at `k * n + i` (one allocation each, not one per level).
    var t = level0 + Array(repeating: Double.nan, count: levels * n)
    var rho = rounding0 + Array(repeating: Double.nan, count: levels * n)
    var rowValues = Array(repeating: Double.nan, count: n)
    var rowErrors = Array(repeating: Double.infinity, count: n)
    var estimate = Double.nan
    var error = Double.infinity
    var step = Double.nan
    var level = -1
    // Richardson levels.
    var factor = 1.0
    if levels >= 1 {
      for k in 1...levels {
        factor *= factorStep
        let a = 1 / (factor - 1)
        for i in 0..<(n - k) {
          let up = (k - 1) * n + i
          t[k * n + i] = t[up + 1] + (t[up + 1] - t[up]) * a
          rho[k * n + i] = (1 + a) * rho[up + 1] + a * rho[up]
        }
      }
    }
    // Error estimates and the best candidate.
    for k in 0...levels {
      let count = n - k
      for i in 0..<count {
        let row = k * n
        let value = t[row + i]
        var err = Double.infinity
        if value.isFinite && rho[row + i].isFinite {
          var trunc = 0.0
          var usable = true
          if k >= 1 {
            let c = abs(value - t[row - n + i + 1])
            if c.isFinite { trunc = max(trunc, c) } else { usable = false }
          }
          // The two nearest entries of the same level: i-1 and i+1 inside, the two on
          // the one available side at either end.
          let neighbours = i == 0 ? (1, 2) : (i == count - 1 ? (i - 1, i - 2) : (i - 1, i + 1))
          for jn in 0..<2 {
            let j = jn == 0 ? neighbours.0 : neighbours.1
            guard j >= 0 && j < count else { continue }
            let c = abs(value - t[row + j])
            if c.isFinite { trunc = max(trunc, c) } else { usable = false }
          }
          // Values at smaller steps are closer to the limit (less truncation) up to
          // their rounding: a candidate far from any of them is not converged.
          if i + 2 < count {
            for jn in (i + 2)..<count {
              let c = abs(value - t[row + jn]) - rho[row + jn]
              if c.isFinite { trunc = max(trunc, c) }
            }
          }
          if usable { err = trunc + rho[row + i] }
        }
        if err < rowErrors[i] {
          rowErrors[i] = err
          rowValues[i] = value
        }
        if err < error {
          error = err
          estimate = value
          step = hs[i]
          level = k
        }
      }
    }
    // Divergence: if the plain differences at the three smallest steps move apart
    // faster and faster (each gap >= 1.5 times the previous one) by far more than
    // rounding explains (last gap > divergenceFactor * rounding), the sequence is
    // not converging (a kink or a pole closer than the smallest step makes
    // D_i ~ 1/h_i): no estimate can be trusted, the error estimate is +infinity.
    if n >= 4 {
      let d1 = abs(t[n - 3] - t[n - 4])
      let d2 = abs(t[n - 2] - t[n - 3])
      let d3 = abs(t[n - 1] - t[n - 2])
      if d2 >= 1.5 * d1 && d3 >= 1.5 * d2
        && d3 > divergenceFactor * (rho[n - 1] + rho[n - 2])
      {
        error = .infinity
      }
    }
    for i in 0..<n where rowValues[i].isNaN {
      rowValues[i] = t[i]
    }
    self.estimate = estimate
    self.error = error
    self.step = step
    self.level = level
    self.rowValues = rowValues
    self.rowErrors = rowErrors
  }
}

/// The geometric step sequence `h_i = h0 * ratio^-i`, i = 0 ..< count, largest first:
/// the steps of the central and of the one-sided differences (each step is the previous
/// one divided by `ratio`, so a power-of-two ratio keeps every step exact).
func geometricSteps(from h0: Double, ratio: Double, count: Int) -> [Double] {
  var hs: [Double] = []
  hs.reserveCapacity(count)
  var h = h0
  for _ in 0..<count {
    hs.append(h)
    h /= ratio
  }
  return hs
}
