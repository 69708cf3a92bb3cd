/// Singular value decomposition of a square matrix by one-sided Jacobi rotations
/// (Hestenes; Demmel & Veselic 1992): the columns of `W = A V` are orthogonalised
/// pairwise until every pair satisfies `|w_p . w_q| <= n * ulp * |w_p| |w_q|`;
/// then `sigma_j = |w_j|`, `u_j = w_j / sigma_j`. Accurate to high relative
/// precision for the small singular values that `min-singular-value` needs.
/// Bounded: at most 80 sweeps, then `converged` is false.
public struct SingularValueDecomposition: Sendable {
  /// Left singular vectors as columns (n x n).
  public var u: Matrix
  /// Singular values, descending.
  public var s: [Double]
  /// Right singular vectors as columns (n x n): `A = U diag(s) V^T`.
  public var v: Matrix
  /// Whether the sweeps converged within their bound.
  public var converged: Bool
  /// Sweeps used.
  public var sweeps: Int

  /// Decomposes a square matrix. Non-finite input is an `EigenError.nonFinite`.
  public init(_ a: Matrix) throws(EigenError) {
    guard a.rows == a.cols, a.rows >= 1 else { throw .badShape(rows: a.rows, cols: a.cols) }
    if let (r, c) = a.firstNonFinite { throw .nonFinite(row: r, col: c, value: a[r, c]) }
    let n = a.rows
    // Scale by a power of two into a safe range (exact).
    let maxAbs = a.maxAbs
    var e = 0
    if maxAbs > 0x1p400 || (maxAbs > 0 && maxAbs < 0x1p-400) { e = Int(maxAbs.exponent) }
    let f = Double(sign: .plus, exponent: -e, significand: 1)
    // Work on columns: store W column-major for locality.
    var w = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0..<n { w[j * n + i] = a[i, j] * f } }
    var vv = [Double](repeating: 0, count: n * n)
    for j in 0..<n { vv[j * n + j] = 1 }
    let tol = Double(n) * Machine.ulp
    var sweeps = 0
    var converged = n == 1
    while !converged && sweeps < 80 {
      sweeps += 1
      var rotated = false
      for p in 0..<(n - 1) {
        for q in (p + 1)..<n {
          var alpha = 0.0, beta = 0.0, gamma = 0.0
          for k in 0..<n {
            let wp = w[p * n + k], wq = w[q * n + k]
            alpha += wp * wp
            beta += wq * wq
            gamma += wp * wq
          }
          if gamma == 0 || abs(gamma) <= tol * (alpha.squareRoot() * beta.squareRoot()) { continue }
          rotated = true
          let zeta = (beta - alpha) / (2 * gamma)
          let t = fsign(1, zeta) / (abs(zeta) + (1 + zeta * zeta).squareRoot())
          let c = 1 / (1 + t * t).squareRoot()
          let s = c * t
          for k in 0..<n {
            let wp = w[p * n + k], wq = w[q * n + k]
            w[p * n + k] = c * wp - s * wq
            w[q * n + k] = s * wp + c * wq
            let vp = vv[p * n + k], vq = vv[q * n + k]
            vv[p * n + k] = c * vp - s * vq
            vv[q * n + k] = s * vp + c * vq
          }
        }
      }
      if !rotated { converged = true }
    }
    // Singular values and vectors, sorted descending (stable on ties).
    var sigma = [Double](repeating: 0, count: n)
    for j in 0..<n { sigma[j] = scaledNorm2(w[(j * n)..<((j + 1) * n)]) }
    let order = (0..<n).sorted { sigma[$0] != sigma[$1] ? sigma[$0] > sigma[$1] : $0 < $1 }
    var u = Matrix(n: n), v = Matrix(n: n)
    var s = [Double](repeating: 0, count: n)
    let back = Double(sign: .plus, exponent: e, significand: 1)
    for (col, j) in order.enumerated() {
      s[col] = sigma[j] * back
      for k in 0..<n { v[k, col] = vv[j * n + k] }
      if sigma[j] > 0 {
        for k in 0..<n { u[k, col] = w[j * n + k] / sigma[j] }
      }
    }
    // Zero singular values: complete U with an orthonormal basis (Gram-Schmidt
    // against the found columns, starting from unit vectors).
    for col in 0..<n where s[col] == 0 {
      var filled = false
      for start in 0..<n where !filled {
        var x = [Double](repeating: 0, count: n)
        x[start] = 1
        for _ in 0..<2 {
          for other in 0..<n where other != col && (s[other] > 0 || other < col) {
            var d = 0.0
            for k in 0..<n { d += u[k, other] * x[k] }
            for k in 0..<n { x[k] -= d * u[k, other] }
          }
        }
        let nx = scaledNorm2(x)
        if nx > 0.5 {
          for k in 0..<n { u[k, col] = x[k] / nx }
          filled = true
        }
      }
    }
    self.u = u
    self.s = s
    self.v = v
    self.converged = converged
    self.sweeps = sweeps
  }
}
