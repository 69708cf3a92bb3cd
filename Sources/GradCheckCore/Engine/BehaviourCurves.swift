// The behaviour curves of the transforms: margin and slope against u = 1 + x*s, per beta.

import GradcheckModel
import Spectral

/// The grid of `u = 1 + x*s` the behaviour curves are sampled on, increasing from -100
/// to 10 (132 points), a symmetric-log grid:
/// - a linear zone `|u| <= 1e-3`: `u = k * 1e-4`, `k = -10...10`;
/// - log decades beyond it, 12 points a decade: `u = -10^(j/12 - 3)`, `j = 1...60` (to -100),
///   and `u = 10^(j/12 - 3)`, `j = 1...48` (to 10);
/// - and the points the Markdown report tabulates (`curveTablePoints`).
public let behaviourCurveGrid: [Double] = {
  var u: [Double] = (-10...10).map { Double($0) / 1e4 }
  for j in 1...60 { u.append(-Double.pow(10, Double(j) / 12 - 3)) }
  for j in 1...48 { u.append(Double.pow(10, Double(j) / 12 - 3)) }
  u += curveTablePoints
  return Array(Set(u)).sorted()
}()

/// The u at which the Markdown report tabulates the curves: deep violation, the
/// boundary's neighbourhood and comfortably inside.
public let curveTablePoints: [Double] = [-50, -1, 0, 0.5, 2]

/// The s every behaviour curve is computed at: `x = u - 1`, `s = 1`.
///
/// For `softplus`, `leaky` and `safe-softplus` nothing depends on that choice: with
/// `t = x*s` and `u = 1 + t`, the margin is `sp_beta(u)`, `u` or `alpha*u` (for `u <= 0`),
/// and `delta + (1 - delta) sp_beta(u)/sp_beta(1)`, and dT/dx is `sigma(beta*u)`, 1 or
/// alpha, and `(1 - delta) sigma(beta*u)/sp_beta(1)`: functions of `u` alone. For
/// `where`, dT/dx (1 or 0) is too, and the margin is `u` for `u > 0`, but `-delta*s` for
/// `u <= 0`: `-delta` at s = 1 (the constraint missed by delta), `+delta` at s = -1.
public let behaviourCurveS = 1.0

/// The behaviour curves of `transforms` at `betas`, in `BehaviourCurve.order`, each
/// sampled on `behaviourCurveGrid` at `s = behaviourCurveS`: at each `u`, `x = u - 1`,
/// `margin = Transform.exactMargin(x, s)` (the exact `1 + T*s`, before rounding: a
/// float64 `1 + T*s` rounds to 0 where the exact margin is below 1.1e-16) and
/// `dx = Transform.evaluate(x, s).dx`, in float64.
public func behaviourCurves(
  transforms: [TransformKind], betas: [Double], parameters: TransformParameters
) -> [BehaviourCurve] {
  var out: [BehaviourCurve] = []
  for t in Set(transforms) {
    for beta in Set(betas) {
      out.append(behaviourCurve(t, beta: beta, parameters: parameters))
    }
  }
  return out.sorted(by: BehaviourCurve.order)
}

/// One behaviour curve (see `behaviourCurves`).
public func behaviourCurve(
  _ t: TransformKind, beta: Double, parameters: TransformParameters
) -> BehaviourCurve {
  let s = behaviourCurveS
  let grid = behaviourCurveGrid
  var margin: [Double] = [], dx: [Double] = []
  margin.reserveCapacity(grid.count)
  dx.reserveCapacity(grid.count)
  for u in grid {
    let x = (u - 1) / s
    margin.append(Transform.exactMargin(t, x: x, s: s, beta: beta, parameters: parameters))
    dx.append(Transform.evaluate(t, x: x, s: s, beta: beta, parameters: parameters).dx)
  }
  return BehaviourCurve(transform: t, beta: beta, s: s, u: grid, margin: margin, dx: dx)
}
