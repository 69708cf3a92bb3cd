import CGSL
import EigenCore

#if canImport(Glibc)
  import Glibc
#endif

/// GSL's default error handler prints and calls `abort()`. It is a process-global static,
/// so it is switched off exactly once: Swift initialises a global `let` lazily and
/// thread-safely (`swift_once`), and every entry point reads this value first.
private let gslErrorHandlerIsOff: Bool = {
  _ = gsl_set_error_handler_off()
  return true
}()

/// Makes sure GSL's abort-on-error handler is off before any GSL call.
/// (An `if`, not a `precondition`, so the read survives `-Ounchecked`.)
@inline(__always)
private func ensureGSLHandlerOff() {
  if !gslErrorHandlerIsOff { fatalError("GSL error handler could not be switched off") }
}

/// Eigenvalues and eigenvectors of a real square matrix, from GSL.
public struct GSLEigensystem: Sendable, Equatable {
  /// The eigenvalues in GSL's order (deflation order, not sorted); a complex pair is
  /// consecutive with the positive imaginary part first.
  public var eigenvalues: [Complex]
  /// `right[i]` is a right eigenvector of `eigenvalues[i]`: `A v = lambda v`, with
  /// `||v||_2 = 1` (GSL's normalisation). The phase (sign, for a real vector) is arbitrary.
  public var right: [[Complex]]
  /// `left[i]` is a left eigenvector of `eigenvalues[i]` in the transpose convention
  /// `u^T A = lambda u^T` (equivalently `A^T u = lambda u`), with `||u||_2 = 1` and an
  /// arbitrary phase. For a real eigenvalue u is real and this is the usual left vector.
  /// LAPACK's convention `u^H A = lambda u^H` gives `conj(u)`; so `u v^T / (u^T v)` is the
  /// eigenvalue derivative `d lambda / dA` in this convention. `nil` when not requested.
  ///
  /// Obtained by running `gsl_eigen_nonsymmv` on Aᵀ (GSL has no left vectors) and pairing
  /// its eigenvalues with A's by `optimalPairing`. For a multiple eigenvalue the
  /// left vector is some left eigenvector of it; nothing makes it biorthogonal to `right[i]`.
  public var left: [[Complex]]?

  public init(eigenvalues: [Complex], right: [[Complex]], left: [[Complex]]?) {
    self.eigenvalues = eigenvalues
    self.right = right
    self.left = left
  }
}

/// The GSL-backed reference solver (GSL 2.7.1, `gsl_eigen_nonsymm(v)` and
/// `gsl_linalg_SV_decomp`). The only importer of CGSL.
///
/// Every entry point
/// - copies its input (GSL overwrites it),
/// - rejects empty, non-square (eigen only) and non-finite input before calling GSL,
/// - pre-scales A by an exact power of two, `A = 2^k S` with `max|s_ij|` in `[0.5, 1)`, and
///   scales eigenvalues and singular values back by `2^k` (eigenvectors and singular vectors
///   are those of S). GSL has no input scaling of its own and fails (`GSL_EMAXITER`) for
///   norms beyond about 1e+-160. The scaling is exact except for entries below
///   `2^-1074 * 2^k` (smaller than `2^-1022 max|a_ij|`), which underflow: a backward error far
///   below `eps ||A||`. Results are scaled back without overflow guards, so a matrix whose
///   eigenvalues exceed the largest double gets infinite eigenvalues,
/// - allocates its own GSL workspace, so calls from several threads are safe.
public enum GSLReference {

  // MARK: Eigenvalues

  /// The eigenvalues of a real square matrix, from `gsl_eigen_nonsymm` (Hessenberg reduction,
  /// then Francis double-shift QR; eigenvalues only, `compute_t = 0`).
  ///
  /// - Parameters:
  ///   - a: the matrix (copied, not modified).
  ///   - balance: apply GSL's diagonal balancing first. Off by default, as in GSL's
  ///     `gsl_eigen_nonsymmv` default.
  /// - Returns: the n eigenvalues in GSL's order (not sorted; conjugate pairs consecutive).
  /// - Throws: `.empty`, `.notSquare`, `.nonFinite`, `.didNotConverge`, `.gsl`.
  public static func eigenvalues(_ a: Matrix, balance: Bool = false) throws(GSLReferenceError)
    -> [Complex]
  {
    try eigenvalues(a, balance: balance, prescale: true)
  }

  /// `eigenvalues(_:balance:)` with the power-of-two pre-scaling optional, to show what plain
  /// GSL does without it. Not for production use.
  @_spi(GSLInternals)
  public static func eigenvalues(_ a: Matrix, balance: Bool, prescale: Bool)
    throws(GSLReferenceError) -> [Complex]
  {
    ensureGSLHandlerOff()
    try validate(a, square: true)
    let n = a.rows
    let (scaled, k) = prescale ? powerOfTwoScaled(a) : (a, 0)
    var work = scaled.storage
    var eval = [Double](repeating: 0, count: 2 * n)

    guard let w = gsl_eigen_nonsymm_alloc(n) else { throw .gsl(code: Int32(GSL_ENOMEM), reason: "workspace allocation failed") }
    defer { gsl_eigen_nonsymm_free(w) }
    gsl_eigen_nonsymm_params(0, balance ? 1 : 0, w)

    let status: Int32 = work.withUnsafeMutableBufferPointer { wp in
      eval.withUnsafeMutableBufferPointer { ep in
        var m = gsl_matrix_view_array(wp.baseAddress, n, n)
        var e = gsl_vector_complex_view_array(ep.baseAddress, n)
        return gsl_eigen_nonsymm(&m.matrix, &e.vector, w)
      }
    }
    try check(status, converged: w.pointee.n_evals)
    return (0..<n).map { i in scaleBack(Complex(eval[2 * i], eval[2 * i + 1]), k) }
  }

  // MARK: Eigensystem

  /// Eigenvalues with right (and optionally left) eigenvectors, from `gsl_eigen_nonsymmv`.
  ///
  /// The eigenvalues come from the full Schur form (`compute_t = 1`), so they may differ from
  /// `eigenvalues(_:)` in the last bits. Left vectors come from a second run on Aᵀ; see
  /// `GSLEigensystem.left` for the convention.
  ///
  /// - Parameters:
  ///   - a: the matrix (copied, not modified).
  ///   - leftVectors: also compute left eigenvectors (a second GSL run, on Aᵀ).
  ///   - balance: GSL balancing for both runs; off by default, as in GSL.
  /// - Throws: as `eigenvalues(_:)`. If the run on Aᵀ fails, the error is that run's
  ///   (its `converged` counts Aᵀ's eigenvalues).
  public static func eigensystem(_ a: Matrix, leftVectors: Bool = true, balance: Bool = false)
    throws(GSLReferenceError) -> GSLEigensystem
  {
    ensureGSLHandlerOff()
    try validate(a, square: true)
    let (scaled, k) = powerOfTwoScaled(a)
    let (values, right) = try nonsymmv(scaled, balance: balance)
    var left: [[Complex]]? = nil
    if leftVectors {
      // A^T u = mu u; mu runs over the same eigenvalues, in another order and rounding.
      let (valuesT, vectorsT) = try nonsymmv(scaled.transposed, balance: balance)
      let perm = optimalPairing(values, valuesT)
      left = perm.map { vectorsT[$0] }
    }
    return GSLEigensystem(
      eigenvalues: values.map { scaleBack($0, k) }, right: right, left: left)
  }

  /// One `gsl_eigen_nonsymmv` run on an already validated and scaled matrix: eigenvalues and
  /// unit right eigenvectors (one per eigenvalue, same order).
  private static func nonsymmv(_ a: Matrix, balance: Bool) throws(GSLReferenceError)
    -> (values: [Complex], vectors: [[Complex]])
  {
    let n = a.rows
    var work = a.storage
    var eval = [Double](repeating: 0, count: 2 * n)
    var evec = [Double](repeating: 0, count: 2 * n * n)

    guard let w = gsl_eigen_nonsymmv_alloc(n) else { throw .gsl(code: Int32(GSL_ENOMEM), reason: "workspace allocation failed") }
    defer { gsl_eigen_nonsymmv_free(w) }
    gsl_eigen_nonsymmv_params(balance ? 1 : 0, w)

    let status: Int32 = work.withUnsafeMutableBufferPointer { wp in
      eval.withUnsafeMutableBufferPointer { ep in
        evec.withUnsafeMutableBufferPointer { vp in
          var m = gsl_matrix_view_array(wp.baseAddress, n, n)
          var e = gsl_vector_complex_view_array(ep.baseAddress, n)
          var z = gsl_matrix_complex_view_array(vp.baseAddress, n, n)
          return gsl_eigen_nonsymmv(&m.matrix, &e.vector, &z.matrix, w)
        }
      }
    }
    try check(status, converged: w.pointee.nonsymm_workspace_p.pointee.n_evals)
    let values = (0..<n).map { i in Complex(eval[2 * i], eval[2 * i + 1]) }
    // evec is row-major complex: entry (i, j) at 2 (i n + j); eigenvector j is column j.
    let vectors = (0..<n).map { j in
      (0..<n).map { i in Complex(evec[2 * (i * n + j)], evec[2 * (i * n + j) + 1]) }
    }
    return (values, vectors)
  }

  // MARK: Singular values

  /// The singular values of A in non-increasing order (from `svd`).
  public static func singularValues(_ a: Matrix) throws(GSLReferenceError) -> [Double] {
    try svd(a).s
  }

  /// The thin singular value decomposition `A = U diag(s) V^T` from `gsl_linalg_SV_decomp`
  /// (Golub–Kahan–Reinsch). With `k = min(rows, cols)`: `u` is rows x k and `v` is cols x k,
  /// both with orthonormal columns, and `s` (length k) is non-negative and non-increasing.
  /// GSL needs rows >= cols; a wide matrix is decomposed through its transpose
  /// (`A^T = U' S V'^T` gives `U = V'`, `V = U'`).
  ///
  /// - Throws: `.empty`, `.nonFinite`, `.didNotConverge(converged: 0)`, `.gsl`.
  public static func svd(_ a: Matrix) throws(GSLReferenceError) -> (u: Matrix, s: [Double], v: Matrix) {
    ensureGSLHandlerOff()
    try validate(a, square: false)
    let (scaled, k) = powerOfTwoScaled(a)
    if a.rows >= a.cols {
      let r = try svdTall(scaled)
      return (r.u, r.s.map { scalbn($0, Int32(k)) }, r.v)
    } else {
      let r = try svdTall(scaled.transposed)
      return (r.v, r.s.map { scalbn($0, Int32(k)) }, r.u)
    }
  }

  /// `gsl_linalg_SV_decomp` on a validated matrix with rows >= cols.
  private static func svdTall(_ a: Matrix) throws(GSLReferenceError) -> (u: Matrix, s: [Double], v: Matrix) {
    let m = a.rows, n = a.cols
    var uWork = a.storage  // overwritten with U
    var vWork = [Double](repeating: 0, count: n * n)
    var s = [Double](repeating: 0, count: n)
    var scratch = [Double](repeating: 0, count: n)
    let status: Int32 = uWork.withUnsafeMutableBufferPointer { up in
      vWork.withUnsafeMutableBufferPointer { vp in
        s.withUnsafeMutableBufferPointer { sp in
          scratch.withUnsafeMutableBufferPointer { wp in
            var um = gsl_matrix_view_array(up.baseAddress, m, n)
            var vm = gsl_matrix_view_array(vp.baseAddress, n, n)
            var sv = gsl_vector_view_array(sp.baseAddress, n)
            var wv = gsl_vector_view_array(wp.baseAddress, n)
            return gsl_linalg_SV_decomp(&um.matrix, &vm.matrix, &sv.vector, &wv.vector)
          }
        }
      }
    }
    try check(status, converged: 0)
    return (Matrix(rows: m, cols: n, storage: uWork), s, Matrix(rows: n, cols: n, storage: vWork))
  }

  // MARK: Helpers

  /// Rejects what GSL cannot take: no entries, a non-square eigenproblem, NaN or Inf.
  private static func validate(_ a: Matrix, square: Bool) throws(GSLReferenceError) {
    if a.rows == 0 || a.cols == 0 { throw .empty }
    if square && !a.isSquare { throw .notSquare }
    if let (row, col) = a.firstNonFinite { throw .nonFinite(row: row, col: col) }
  }

  /// `A = 2^k S` with `max|s_ij|` in `[0.5, 1)`: k = exponent(max|a_ij|) + 1, each entry
  /// multiplied by `2^-k` with `scalbn` (exact unless the result is subnormal). The zero
  /// matrix is returned unchanged with k = 0.
  static func powerOfTwoScaled(_ a: Matrix) -> (scaled: Matrix, exponent: Int) {
    let m = a.maxAbs
    if m == 0 { return (a, 0) }
    let k = Int(m.exponent) + 1
    let s = Matrix(rows: a.rows, cols: a.cols, storage: a.storage.map { scalbn($0, Int32(-k)) })
    return (s, k)
  }

  /// `2^k z`, exactly (unless it overflows).
  private static func scaleBack(_ z: Complex, _ k: Int) -> Complex {
    k == 0 ? z : Complex(scalbn(z.re, Int32(k)), scalbn(z.im, Int32(k)))
  }

  /// Maps a GSL status to an error: `GSL_EMAXITER` to `.didNotConverge`, anything else but
  /// `GSL_SUCCESS` to `.gsl` with `gsl_strerror`'s text.
  private static func check(_ status: Int32, converged: Int) throws(GSLReferenceError) {
    if Int(status) == Int(GSL_SUCCESS) { return }
    if Int(status) == Int(GSL_EMAXITER) { throw .didNotConverge(converged: converged) }
    let reason = gsl_strerror(status).map { String(cString: $0) } ?? "unknown GSL error"
    throw .gsl(code: status, reason: reason)
  }
}
