/// Errors of the native eigen solver. Every one names what went wrong and where.
public enum EigenError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The input has a NaN or infinite entry at (row, col) (0-based).
  case nonFinite(row: Int, col: Int, value: Double)
  /// The input is not square or is empty.
  case badShape(rows: Int, cols: Int)
  /// The QR iteration did not converge within its hard bound; `converged` eigenvalues
  /// had been found.
  case didNotConverge(iterations: Int, converged: Int)
  /// The requested eigenvalue index is out of range.
  case badIndex(Int, count: Int)
  /// An eigenvalue's magnitude exceeds the largest double (entries near the
  /// overflow threshold): it has no representable value.
  case eigenvalueOverflow(magnitudeExponent: Int)
  /// The eigenvectors fail LAPACK's residual test (DGET22 ratio above 20) both with and
  /// without balancing: on matrices whose entries span a very wide range the solver
  /// refuses to return vectors it cannot vouch for. `residualRatio` is the better of
  /// the two worst ratios (`LAPACKTest.failureRatio` when a vector was not finite).
  case inaccurateEigenvectors(residualRatio: Double)

  public var description: String {
    switch self {
    case let .nonFinite(r, c, v):
      "matrix entry [\(r)][\(c)] is \(v); the eigen solver needs finite numbers"
    case let .badShape(r, c):
      "matrix is \(r) x \(c); the eigen solver needs a square matrix with N >= 1"
    case let .didNotConverge(it, conv):
      "native eigen solver did not converge after \(it) QR iterations (\(conv) eigenvalues converged)"
    case let .badIndex(i, count):
      "eigenvalue index \(i) out of range 0..<\(count)"
    case let .eigenvalueOverflow(e):
      "an eigenvalue of magnitude about 2^\(e) exceeds the largest double; scale the matrix down"
    case let .inaccurateEigenvectors(r):
      "eigenvectors fail the residual test with and without balancing (DGET22 ratio \(r) > 20); "
        + "the matrix entries span too wide a range for reliable eigenvectors"
    }
  }
}
