import EigenCore
import GSLReference
import Testing

let eps = Double.ulpOfOne

/// Euclidean norm of a complex vector (scaled, no overflow).
func norm2(_ v: [Complex]) -> Double {
  scaledNorm2(v.flatMap { [$0.re, $0.im] })
}

/// `M x` for a real matrix and a complex vector.
func apply(_ m: Matrix, _ x: [Complex]) -> [Complex] {
  (0..<m.rows).map { i in
    var s = Complex.zero
    for j in 0..<m.cols { s = s + m[i, j] * x[j] }
    return s
  }
}

/// `||M x - lambda x||_2`.
func residual(_ m: Matrix, _ lambda: Complex, _ x: [Complex]) -> Double {
  let mx = apply(m, x)
  return norm2((0..<x.count).map { mx[$0] - lambda * x[$0] })
}

/// `u^T v` (no conjugation).
func dotT(_ u: [Complex], _ v: [Complex]) -> Complex {
  var s = Complex.zero
  for k in 0..<u.count { s = s + u[k] * v[k] }
  return s
}

/// A seeded random matrix with entries uniform in [-1, 1).
func randomMatrix(rows: Int, cols: Int, seed: UInt64) -> Matrix {
  var rng = SeededRNG(seed: seed)
  return Matrix(rows: rows, cols: cols, storage: (0..<(rows * cols)).map { _ in rng.uniform(-1, 1) })
}

/// [[1,2,3],[4,5,6],[7,8,10]]: eigenvalues 16.70749331612474, -0.905740179521758, 0.19824686339700937.
let classic3 = Matrix([[1, 2, 3], [4, 5, 6], [7, 8, 10]])

/// Companion matrix of (x-1)(x-2)(x-3) = x^3 - 6x^2 + 11x - 6.
let companion123 = Matrix([[6, -11, 6], [1, 0, 0], [0, 1, 0]])

/// GSL bug #59781 regression matrix, as written in GSL 2.8 `eigen/test.c` (`dat_59781`,
/// row-major); GSL's test transposes it in place before use, and so does `bug59781`.
let dat59781: [Double] = [
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 3,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 6, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 3, 0, 0, 0, 6, 0, 3,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 2, 0, 0, 0,
  0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 3, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 6, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  6, 0, 3, 0, 0, 0, 6, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 4, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
]
let bug59781 = Matrix(rows: 18, cols: 18, storage: dat59781).transposed

/// Checks an eigensystem against A: right residual `||A v - lambda v|| / (n eps ||A||_F)` and
/// unit norms. Returns the worst right-residual ratio.
func worstRightRatio(_ a: Matrix, _ es: GSLEigensystem) -> Double {
  let n = Double(a.n)
  let scale = n * eps * a.normFrobenius
  return zip(es.eigenvalues, es.right).map { residual(a, $0, $1) / scale }.max() ?? 0
}

/// Worst left-residual ratio `||u^T A - lambda u^T|| / (n eps ||A||_F kappa)`, where
/// `kappa = ||u|| ||v|| / |u^T v|` is the eigenvalue's condition number. lambda comes from the
/// run on A and u from the run on A^T, so their mismatch is first-order `kappa * (backward
/// errors)`: hence the kappa. A wrong pairing makes u^T v ~ 0 and kappa huge, which this
/// ratio alone would hide: so it returns +inf when kappa exceeds `1/sqrt(eps)` (none of the
/// test matrices is that close to defective).
func worstLeftRatio(_ a: Matrix, _ es: GSLEigensystem) -> Double {
  let n = Double(a.n)
  let at = a.transposed
  var worst = 0.0
  for i in 0..<es.eigenvalues.count {
    let u = es.left![i], v = es.right[i]
    let kappa = norm2(u) * norm2(v) / dotT(u, v).magnitude
    if !(kappa <= 1 / eps.squareRoot()) { return .infinity }
    worst = max(worst, residual(at, es.eigenvalues[i], u) / (n * eps * a.normFrobenius * max(1, kappa)))
  }
  return worst
}

/// Worst plain left-residual ratio `||u^T A - lambda u^T|| / (n eps ||A||_F)`, for matrices
/// with multiple eigenvalues, where kappa from one left and one right vector means nothing
/// (no biorthogonality between two independent runs).
func worstPlainLeftRatio(_ a: Matrix, _ es: GSLEigensystem) -> Double {
  let at = a.transposed
  let scale = Double(a.n) * eps * a.normFrobenius
  return zip(es.eigenvalues, es.left!).map { residual(at, $0, $1) / scale }.max() ?? 0
}

/// Eigenvalue condition numbers `kappa_i = ||u_i|| ||v_i|| / |u_i^T v_i|`.
func kappas(_ es: GSLEigensystem) -> [Double] {
  zip(es.left!, es.right).map { u, v in norm2(u) * norm2(v) / dotT(u, v).magnitude }
}

/// Compares a computed spectrum with exact values: after sorting both, each eigenvalue is
/// within `20 n eps ||A||_F kappa` (first-order perturbation bound for a backward-stable
/// solver with the LAPACK threshold 20), kappa from the paired eigensystem.
func expectSpectrum(_ a: Matrix, _ got: [Complex], _ exact: [Complex]) throws {
  let es = try GSLReference.eigensystem(a)
  let perm = optimalPairing(got, exact)
  let permK = optimalPairing(got, es.eigenvalues)
  let k = kappas(es)
  for i in 0..<got.count {
    let tol = 20 * Double(a.n) * eps * a.normFrobenius * max(1, k[permK[i]])
    #expect((got[i] - exact[perm[i]]).magnitude <= tol, "\(got[i]) vs \(exact[perm[i]])")
  }
}

/// Worst `| ||x||_2 - 1 |` over a list of vectors.
func worstNormError(_ vs: [[Complex]]) -> Double {
  vs.map { abs(norm2($0) - 1) }.max() ?? 0
}

/// Sorted copy by real part, then imaginary part.
func sortedSpectrum(_ z: [Complex]) -> [Complex] { z.sorted(by: Complex.reportOrder) }
