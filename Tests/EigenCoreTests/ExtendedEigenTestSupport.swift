import EigenCore
import Testing

/// Helpers for the double-double eigen solver's tests.
enum DDTest {
  static let eps = DoubleDouble.epsilon

  static func dd(_ m: Matrix) -> [DoubleDouble] { m.storage.map(DoubleDouble.init) }

  /// The eigenvalues as double complex numbers.
  static func complex(_ s: ExtendedEigenSolver) -> [Complex] {
    s.eigenvalues.map { Complex($0.re.double, $0.im.double) }
  }

  /// `max|a_ij|` scaled to `[1, 2)` by a power of two (exact), for residuals at any scale.
  static func normalized(_ a: [DoubleDouble]) -> (matrix: [DoubleDouble], exponent: Int) {
    let m = a.map { abs($0.hi) }.max() ?? 0
    let e = m == 0 ? 0 : Int(m.exponent)
    return (a.map { $0.scaled(byExponent: -e) }, e)
  }

  /// `|A|_F` in double-double (A already of moderate scale).
  static func frobenius(_ a: [DoubleDouble]) -> Double {
    var s = DoubleDouble.zero
    for x in a { s += x * x }
    return s.squareRoot().double
  }

  /// `|A v - lambda v|_2` (or `|A^T u - lambda u|_2` when `transposed`) in double-double.
  static func residual(_ a: [DoubleDouble], n: Int, lambda: DoubleDouble, _ v: [DoubleDouble], transposed: Bool) -> Double {
    var s = DoubleDouble.zero
    for i in 0..<n {
      var r = -(lambda * v[i])
      for j in 0..<n { r += (transposed ? a[j * n + i] : a[i * n + j]) * v[j] }
      s += r * r
    }
    return s.squareRoot().double
  }

  /// `|v|_2 - 1` in double-double.
  static func unitDefect(_ v: [DoubleDouble]) -> Double {
    var s = DoubleDouble.zero
    for x in v { s += x * x }
    return abs((s.squareRoot() - 1).hi)
  }

  /// Index of the smallest real eigenvalue (by value), if any.
  static func minRealIndex(_ s: ExtendedEigenSolver) -> Int? {
    let e = s.eigenvalues
    return (0..<s.n).filter { e[$0].im.isZero }.min { e[$0].re < e[$1].re }
  }

  /// `|A v - lambda v|_2` and `|A^T u - lambda u|_2` within `20 n epsilon |A|_F` (at the
  /// input's scale), unit norms to epsilon, for every real eigenvalue.
  static func checkVectors(_ a: [DoubleDouble], n: Int, _ label: String) throws -> Double {
    let s = try ExtendedEigenSolver(a, n: n)
    let (scaled, e) = DDTest.normalized(a)
    let norm = DDTest.frobenius(scaled)
    var worst = 0.0
    for i in 0..<n {
      let value = s.eigenvalues[i]
      guard value.im.isZero else {
        #expect(s.realEigenvectors(i) == nil)
        continue
      }
      let vectors = try #require(s.realEigenvectors(i))
      let lambda = value.re.scaled(byExponent: -e)
      for (v, transposed) in [(vectors.right, false), (vectors.left, true)] {
        let r = DDTest.residual(scaled, n: n, lambda: lambda, v, transposed: transposed)
        let bound = 20 * Double(n) * DDTest.eps * max(norm, 1e-300)
        #expect(r <= bound, "\(label) eigenvalue \(i) (\(value.re)): \(transposed ? "left" : "right") residual \(r), bound \(bound)")
        #expect(DDTest.unitDefect(v) <= 4 * DDTest.eps)
        worst = max(worst, r / (Double(n) * DDTest.eps * max(norm, 1e-300)))
      }
    }
    return worst
  }

  /// A random unit lower triangular integer matrix with entries in `-k ... k` below the
  /// diagonal, and its inverse (integer, computed exactly by forward substitution).
  static func unitLower(_ n: Int, k: Int, _ rng: inout SeededRNG) -> (Matrix, Matrix) {
    var l = Matrix.identity(n)
    for i in 0..<n { for j in 0..<i { l[i, j] = Double(rng.int(below: 2 * k + 1) - k) } }
    var inv = Matrix.identity(n)
    // Column by column: L x = e_j.
    for j in 0..<n {
      for i in (j + 1)..<n {
        var s = 0.0
        for p in j..<i { s -= l[i, p] * inv[p, j] }
        inv[i, j] = s
      }
    }
    return (l, inv)
  }
}
