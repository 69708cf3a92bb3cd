import EigenCore

/// Solves with eigenvectors and returns the solver.
func factored(_ a: Matrix, balance: Bool = true) throws -> EigenSolver {
  var s = EigenSolver()
  try s.factor(a, vectors: true, balance: balance)
  return s
}

/// Residual ratio of a right eigenpair, DGET22-style for one column:
/// `|A v - lambda v|_1 / (|A|_1 |v|_1 ulp)`.
func rightRatio(_ a: Matrix, _ lambda: Complex, _ v: [Complex]) -> Double {
  let n = a.rows
  var res = 0.0, vn = 0.0
  for i in 0..<n {
    var s = Complex.zero
    for j in 0..<n { s = s + a[i, j] * v[j] }
    s = s - lambda * v[i]
    res += s.magnitude
    vn += v[i].magnitude
  }
  let an = max(a.norm1, Machine.safmin)
  return (res / an) / max(vn, Machine.ulp) / Machine.ulp
}

/// Residual ratio of a left eigenpair `u^T A = lambda u^T`.
func leftRatio(_ a: Matrix, _ lambda: Complex, _ u: [Complex]) -> Double {
  rightRatio(a.transposed, lambda, u)
}

/// Random matrix with standard normal entries.
func gaussianMatrix(_ n: Int, _ rng: inout SeededRNG) -> Matrix {
  Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
}

/// The worst right and left ratios over every eigenvalue.
func worstRatios(_ a: Matrix) throws -> (right: Double, left: Double) {
  let s = try factored(a)
  var r = 0.0, l = 0.0
  for i in 0..<a.rows {
    let p = try s.eigenpair(i)
    r = max(r, rightRatio(a, p.value, p.right))
    l = max(l, leftRatio(a, p.value, p.left))
  }
  return (r, l)
}
