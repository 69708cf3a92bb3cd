/// A simple real eigenvalue of a perturbed matrix followed by Newton's method in
/// double-double, from the unperturbed eigenpair: far cheaper than a full solve
/// (`ExtendedEigenSolver`) when the perturbation is small.
///
/// Newton's method on `F(v, lambda) = [(B - lambda I) v; c^T v - 1]` with the normalisation
/// `c = v0 / |v0|^2` (so `c^T v0 = 1`): each step solves the bordered system
///
///     [ B - lambda I   -v ] [ dv      ]     [ (B - lambda I) v ]
///     [ c^T             0 ] [ dlambda ] = - [ c^T v - 1        ]
///
/// by Gaussian elimination with partial pivoting in double-double, and converges
/// quadratically to the eigenpair of B nearest the start while the eigenvalue is simple.
/// The workspace is allocated once per instance; `refine` allocates nothing.
public struct ExtendedEigenNewton {
  public let n: Int
  var m: [DoubleDouble]
  var rhs: [DoubleDouble]
  var v: [DoubleDouble]
  var c: [DoubleDouble]

  public init(n: Int) {
    self.n = n
    m = Array(repeating: .zero, count: (n + 1) * (n + 1))
    rhs = Array(repeating: .zero, count: n + 1)
    v = Array(repeating: .zero, count: n)
    c = Array(repeating: .zero, count: n)
  }

  /// The eigenvalue of `b` (row-major `n * n`) that Newton's method reaches from
  /// `(lambda0, v0)`, or nil when it does not settle within `maxSteps` steps (a correction
  /// `|dlambda| <= tolerance`) or meets a singular bordered matrix. The attainable accuracy is about `u kappa |B|`: a tolerance below it
  /// is never met.
  public mutating func refine(
    _ b: [DoubleDouble], lambda0: DoubleDouble, right v0: [Double], tolerance: Double, maxSteps: Int = 8
  ) -> DoubleDouble? {
    precondition(b.count == n * n && v0.count == n)
    var norm2 = 0.0
    for x in v0 { norm2 += x * x }
    guard norm2 > 0, norm2.isFinite, tolerance > 0 else { return nil }
    for k in 0..<n {
      v[k] = DoubleDouble(v0[k])
      c[k] = DoubleDouble(v0[k]) / norm2
    }
    var lambda = lambda0
    for _ in 0..<maxSteps {
      guard let step = newtonStep(b, lambda: lambda) else { return nil }
      lambda = lambda + step
      // Converging quadratically, the next correction would be far below this one.
      if abs(step.hi) <= tolerance { return lambda }
    }
    return nil
  }

  /// One Newton step: updates `v` and returns `dlambda` (nil: singular system).
  mutating func newtonStep(_ b: [DoubleDouble], lambda: DoubleDouble) -> DoubleDouble? {
    let w = n + 1
    // Residual: r = (B - lambda I) v, and c^T v - 1.
    for i in 0..<n {
      var r = -(lambda * v[i])
      for j in 0..<n { r = r + b[i * n + j] * v[j] }
      rhs[i] = -r
    }
    var cv = DoubleDouble(-1)
    for j in 0..<n { cv = cv + c[j] * v[j] }
    rhs[n] = -cv
    // The bordered matrix.
    for i in 0..<n {
      for j in 0..<n { m[i * w + j] = b[i * n + j] }
      m[i * w + i] = m[i * w + i] - lambda
      m[i * w + n] = -v[i]
    }
    for j in 0..<n { m[n * w + j] = c[j] }
    m[n * w + n] = .zero
    guard solveInPlace(w) else { return nil }
    for i in 0..<n { v[i] = v[i] + rhs[i] }
    return rhs[n]
  }

  /// Solves `m x = rhs` (order `w`) in place by Gaussian elimination with partial
  /// pivoting; false when a pivot is exactly zero.
  mutating func solveInPlace(_ w: Int) -> Bool {
    for k in 0..<w {
      var p = k
      for i in (k + 1)..<w where abs(m[i * w + k].hi) > abs(m[p * w + k].hi) { p = i }
      if m[p * w + k].hi == 0 { return false }
      if p != k {
        for j in 0..<w { m.swapAt(k * w + j, p * w + j) }
        rhs.swapAt(k, p)
      }
      let pivot = m[k * w + k]
      for i in (k + 1)..<w {
        let f = m[i * w + k] / pivot
        if f.hi == 0 { continue }
        for j in (k + 1)..<w { m[i * w + j] = m[i * w + j] - f * m[k * w + j] }
        rhs[i] = rhs[i] - f * rhs[k]
      }
    }
    for k in stride(from: w - 1, through: 0, by: -1) {
      var x = rhs[k]
      for j in (k + 1)..<w { x = x - m[k * w + j] * rhs[j] }
      rhs[k] = x / m[k * w + k]
    }
    return true
  }
}
