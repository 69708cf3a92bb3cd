import EigenCore

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

  /// Exact integer matrix product (entries must stay below 2^53).
  static func times(_ a: Matrix, _ b: Matrix) -> Matrix { a * b }

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
