import EigenCore
import GradCheckCore
import GradcheckModel
import Spectral

/// A bug injected into a gradient (for `gradcheck selftest` and the tests that prove the
/// checks can fail). The engine knows nothing of these: a `MutatedSource` wraps a correct
/// source and corrupts what it returns, as a checker is tested with deliberately wrong rules.
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
  func derivative(mutation: GradientMutation) -> Matrix? {
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
    case .flippedSignDx, .doubledDs:
      return g
    }
  }
}

/// A gradient source with a bug injected: the wrapped source's values, with `ds/dY`
/// replaced by a wrong one (transposed, unnormalised, ...) before it evaluates, or its
/// `grad_x` / `grad_y` corrupted after. Values (`x_cond`) are left correct, so finite
/// differences measure the true gradient and the checks must catch the wrong one.
public struct MutatedSource: GradientSource {
  public var wrapped: any GradientSource
  public var mutation: GradientMutation

  public init(_ wrapped: any GradientSource, mutation: GradientMutation) {
    self.wrapped = wrapped
    self.mutation = mutation
  }

  public var name: String { wrapped.name }
  public var transform: TransformKind? { wrapped.transform }
  public var dtype: DType { wrapped.dtype }
  public var readsToolSpectrum: Bool { wrapped.readsToolSpectrum }

  public func evaluate(_ batch: EvaluationBatch) throws -> [SourceValue] {
    var corrupted = batch
    if let g = batch.base.derivative(mutation: mutation) { corrupted.base.gradient = g }
    var values = try wrapped.evaluate(corrupted)
    for k in values.indices where batch.points[k].gradient {
      switch mutation {
      case .flippedSignDx:
        values[k].gradX = values[k].gradX.map { -$0 }
      case .doubledDs:
        if var gy = values[k].gradY {
          for q in 0..<gy.storage.count { gy.storage[q] *= 2 }
          values[k].gradY = gy
        }
      default:
        break
      }
    }
    return values
  }
}
