import EigenCore
import GradcheckModel
import Spectral

/// The analytic gradient of one case, as `x_cond.sum().backward()` gives it:
/// `grad_x = dT/dx`, `grad_y = dT/ds * ds/dY`.
public struct AnalyticGradient: Sendable, Equatable {
  public var value: Double
  public var dx: Double
  public var ds: Double
  public var gradY: Matrix
}

/// A bug injected into the analytic gradient (for `gradcheck selftest` and the
/// tests that prove the checks can fail).
public enum GradientMutation: String, CaseIterable, Sendable {
  /// `v u^T / (u^T v)` instead of `u v^T / (u^T v)`.
  case transposed = "transposed-uvT"
  /// `u v^T` without the `1 / (u^T v)`.
  case missingNormalization = "missing-1/(uTv)"
  /// `v v^T / (v^T v)`: the right eigenvector used twice.
  case rightTwice = "right-vector-twice"
  /// The sign of dT/dx flipped.
  case flippedSignDx = "sign-of-dT/dx"
  /// dT/ds doubled.
  case doubledDs = "dT/ds-doubled"
  /// One entry of grad_y off by 1e-4 relative.
  case oneEntryOff = "one-entry-1e-4"
  /// ds/dY of the neighbouring eigenvalue.
  case neighbourEigenvalue = "neighbour-eigenvalue"

  /// A one-line description for the selftest table.
  public var summary: String {
    switch self {
    case .transposed: "u v^T transposed"
    case .missingNormalization: "missing 1/(u^T v)"
    case .rightTwice: "right eigenvector used twice (v v^T/(v^T v))"
    case .flippedSignDx: "sign of dT/dx flipped"
    case .doubledDs: "dT/ds doubled"
    case .oneEntryOff: "one entry of grad_y off by 1e-4 relative"
    case .neighbourEigenvalue: "dT/ds of the neighbouring eigenvalue"
    }
  }
}

extension SpectralEvaluation {
  /// `ds/dY`, possibly with a bug injected into it. Nil when the mutation does not
  /// apply (no vectors, or no neighbour).
  func derivative(mutation: GradientMutation?) -> Matrix? {
    guard let g = gradient else { return nil }
    let n = g.rows
    switch mutation {
    case .transposed:
      return g.transposed
    case .missingNormalization:
      guard let u = left, let v = right else { return nil }
      var m = Matrix(n: n)
      for i in 0..<n { for j in 0..<n { m[i, j] = (u[i] * v[j]).re } }
      return m
    case .rightTwice:
      guard let v = right else { return nil }
      var dot = Complex.zero
      for k in 0..<n { dot = dot + v[k] * v[k] }
      var m = Matrix(n: n)
      for i in 0..<n { for j in 0..<n { m[i, j] = ((v[i] * v[j]) / dot).re } }
      return m
    case .neighbourEigenvalue:
      return neighbourGradient
    case .oneEntryOff:
      // The largest entry (first on ties), so the error is 1e-4 of a leading entry.
      var m = g
      var k = 0
      for q in 0..<m.storage.count where abs(m.storage[q]) > abs(m.storage[k]) { k = q }
      m.storage[k] *= 1 + 1e-4
      return m
    case .flippedSignDx, .doubledDs, nil:
      return g
    }
  }
}

/// Analytic value and gradient of one case.
func analyticGradient(
  _ t: TransformKind, x: Double, s: Double, beta: Double, dsdY: Matrix,
  parameters: TransformParameters, mutation: GradientMutation?
) -> AnalyticGradient {
  let tv = Transform.evaluate(t, x: x, s: s, beta: beta, parameters: parameters)
  var dx = tv.dx
  var ds = tv.ds
  if mutation == .flippedSignDx { dx = -dx }
  if mutation == .doubledDs { ds = 2 * ds }
  var gy = dsdY
  for k in 0..<gy.storage.count { gy.storage[k] *= ds }
  return AnalyticGradient(value: tv.value, dx: dx, ds: ds, gradY: gy)
}
