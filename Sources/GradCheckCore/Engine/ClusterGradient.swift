import EigenCore
import Spectral

/// The derivative of a double minimum: at a real eigenvalue of multiplicity two the
/// solver's `u v^T / (u^T v)` comes from an arbitrary pair of the eigenspace (its
/// directional derivatives can lie outside the one-sided ones), so the built-in
/// gradient there is the derivative of the mean of the two copies,
/// `(G1 + G2) / 2` with `G_k = û_k v_k^T`, `û` the left basis dual to the right vectors
/// (`û_k^T v_l = delta_kl`). Along any direction whose perturbation splits the pair into
/// two real eigenvalues `λ ± h μ`, its derivative `tr / 2` lies between them: a valid
/// one-sided choice, and the only one that is for every coordinate direction.
public struct ClusterGradient: Sendable {
  /// The pieces `G1`, `G2` and their mean.
  public var first: Matrix
  public var second: Matrix
  public var mean: Matrix

  /// From the solver's pair `(u1, v1)` of s and the neighbour's derivative
  /// `B = u2 v2^T / (u2^T v2)` (rank one: `u2` is its largest column, `v2` its largest
  /// row); nil without vectors, for complex vectors, or when the two right (or left)
  /// vectors are parallel (a defective eigenvalue: no dual basis), or when the
  /// neighbour's vectors are not eigenvectors of `y` for `s` (within `1e-8 |Y|`).
  public init?(_ base: SpectralEvaluation, y: Matrix, s: Double) {
    guard let lc = base.left, let rc = base.right, let nb = base.neighbourGradient,
      lc.allSatisfy({ $0.im == 0 }), rc.allSatisfy({ $0.im == 0 })
    else { return nil }
    let n = nb.rows
    let u1 = lc.map(\.re)
    let v1 = rc.map(\.re)
    var (bi, bj) = (0, 0)
    for i in 0..<n { for j in 0..<n where abs(nb[i, j]) > abs(nb[bi, bj]) { (bi, bj) = (i, j) } }
    let d = nb[bi, bj]
    guard d != 0 && d.isFinite else { return nil }
    let u2 = (0..<n).map { nb[$0, bj] }
    let v2 = (0..<n).map { nb[bi, $0] / d }
    func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
    func norm(_ a: [Double]) -> Double { dot(a, a).squareRoot() }
    // Residuals |Y v2 - s v2| and |Y^T u2 - s u2|: the neighbour must be the other copy.
    var rv = 0.0
    var ru = 0.0
    for i in 0..<n {
      var yv = -s * v2[i]
      var yu = -s * u2[i]
      for k in 0..<n {
        yv += y[i, k] * v2[k]
        yu += y[k, i] * u2[k]
      }
      rv += yv * yv
      ru += yu * yu
    }
    let bound = 1e-8 * max(y.maxAbs, Double.leastNormalMagnitude)
    guard rv.squareRoot() <= bound * norm(v2), ru.squareRoot() <= bound * norm(u2) else { return nil }
    let (c11, c12, c21, c22) = (dot(u1, v1), dot(u1, v2), dot(u2, v1), dot(u2, v2))
    let det = c11 * c22 - c12 * c21
    guard abs(det) > 1e-8 * norm(u1) * norm(v1) * norm(u2) * norm(v2), det.isFinite else { return nil }
    let w1 = (0..<n).map { (u1[$0] * c22 - u2[$0] * c12) / det }
    let w2 = (0..<n).map { (u2[$0] * c11 - u1[$0] * c21) / det }
    var g1 = Matrix(n: n)
    var g2 = Matrix(n: n)
    var mean = Matrix(n: n)
    for i in 0..<n {
      for j in 0..<n {
        g1[i, j] = w1[i] * v1[j]
        g2[i, j] = w2[i] * v2[j]
        mean[i, j] = 0.5 * (g1[i, j] + g2[i, j])
      }
    }
    first = g1
    second = g2
    self.mean = mean
  }
}
