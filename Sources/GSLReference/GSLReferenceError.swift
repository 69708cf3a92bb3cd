/// Why the GSL reference solver produced no result.
///
/// The reference never returns partial or garbage numbers: every failure of GSL, and every
/// input GSL cannot handle, becomes one of these cases.
public enum GSLReferenceError: Error, Equatable, Sendable, CustomStringConvertible {
  /// GSL's QR iteration (or SVD sweep) gave up (`GSL_EMAXITER`). `converged` is the number of
  /// eigenvalues GSL had converged when it stopped (`w->n_evals`); it is 0 for the SVD, where
  /// GSL reports no count. For the left eigenvectors (the run on Aᵀ) it counts that run.
  case didNotConverge(converged: Int)
  /// Entry (row, col) is NaN or ±Inf. Checked before calling GSL: on such input GSL spins
  /// for 30·n iterations and returns uninitialised memory.
  case nonFinite(row: Int, col: Int)
  /// An eigenvalue problem was given a non-square matrix.
  case notSquare
  /// The matrix has no entries (0 rows or 0 columns).
  case empty
  /// Any other GSL status; `reason` is `gsl_strerror(code)`.
  case gsl(code: Int32, reason: String)

  public var description: String {
    switch self {
    case .didNotConverge(let converged):
      return "GSL reference did not converge (GSL_EMAXITER; \(converged) eigenvalue(s) converged)"
    case .nonFinite(let row, let col):
      return "GSL reference input has a non-finite entry at (\(row), \(col))"
    case .notSquare:
      return "GSL reference eigenvalue problem needs a square matrix"
    case .empty:
      return "GSL reference input matrix is empty"
    case .gsl(let code, let reason):
      return "GSL reference failed with status \(code): \(reason)"
    }
  }
}
