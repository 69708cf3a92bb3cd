/// Eigenvalues, eigenvectors and condition numbers from a factored `EigenSolver`.
///
/// Conventions (SPEC section 2):
/// - the right eigenvector `v` of `lambda` satisfies `A v = lambda v`;
/// - the left eigenvector `u` satisfies `u^T A = lambda u^T` (transpose, no
///   conjugate), so that `d lambda / dA = u v^T / (u^T v)` for every eigenvalue,
///   real or complex; `conj(u)` is the usual `u^H A = lambda u^H` left vector;
/// - both are scaled to unit 2-norm, with the largest-magnitude entry (first one
///   on ties) real and positive;
/// - the eigenvalue condition number is `kappa = |u| |v| / |u^T v|`.
public struct Eigenpair: Sendable, Equatable {
  public var value: Complex
  public var left: [Complex]
  public var right: [Complex]
  public var kappa: Double
}

extension EigenSolver {
  /// The eigenvalues of the last factored matrix, in Schur order.
  public var eigenvalues: [Complex] {
    (0..<n).map { Complex(wr[$0], wi[$0]) }
  }

  /// Eigenvalue `i` in Schur order.
  public func eigenvalue(_ i: Int) -> Complex { Complex(wr[i], wi[i]) }

  /// Schur form `T` and Schur vectors `Z` of the balanced, scaled matrix
  /// `B = 2^-e D^-1 P A P^T D`, with `B = Z T Z^T` (needs `vectors: true`).
  public func schurForm() -> (t: Matrix, z: Matrix) {
    precondition(hasSchurVectors, "factor(_:vectors: true) first")
    return (
      Matrix(rows: n, cols: n, storage: Array(h[0..<(n * n)])),
      Matrix(rows: n, cols: n, storage: Array(z[0..<(n * n)]))
    )
  }

  /// The right eigenvector of eigenvalue `i` (`A v = lambda v`, unit 2-norm).
  public func rightEigenvector(_ i: Int) throws(EigenError) -> [Complex] {
    try eigenvector(i, left: false)
  }

  /// The left eigenvector of eigenvalue `i` (`u^T A = lambda u^T`, unit 2-norm).
  public func leftEigenvector(_ i: Int) throws(EigenError) -> [Complex] {
    try eigenvector(i, left: true)
  }

  /// Value, left and right eigenvectors and condition number of eigenvalue `i`.
  public func eigenpair(_ i: Int) throws(EigenError) -> Eigenpair {
    let v = try rightEigenvector(i)
    let u = try leftEigenvector(i)
    return Eigenpair(value: eigenvalue(i), left: u, right: v, kappa: conditionNumber(left: u, right: v))
  }

  /// `kappa = |u| |v| / |u^T v|`; `+inf` when `u^T v = 0` (a defective eigenvalue).
  public func conditionNumber(left u: [Complex], right v: [Complex]) -> Double {
    var dot = Complex.zero
    for k in 0..<u.count { dot = dot + u[k] * v[k] }
    let nu = complexNorm2(u)
    let nv = complexNorm2(v)
    let d = dot.magnitude
    if d == 0 { return .infinity }
    return (nu / d) * nv
  }

  /// The eigenvalue `lambda` of T at Schur index i, and the block it lives in.
  private func schurEigenvalue(_ i: Int) -> (lambda: Complex, blockStart: Int, blockSize: Int) {
    let t = h
    if wi[i] == 0 { return (Complex(t[i * n + i]), i, 1) }
    let b = wi[i] > 0 ? i : i - 1
    let a = t[b * n + b]
    let w = abs(t[b * n + b + 1]).squareRoot() * abs(t[(b + 1) * n + b]).squareRoot()
    return (Complex(a, wi[i] > 0 ? w : -w), b, 2)
  }

  private func eigenvector(_ idx: Int, left: Bool) throws(EigenError) -> [Complex] {
    guard idx >= 0 && idx < n else { throw .badIndex(idx, count: n) }
    precondition(hasSchurVectors, "factor(_:vectors: true) before asking for eigenvectors")
    let n = self.n
    let t = h
    let (lambda, b, size) = schurEigenvalue(idx)
    var tnorm = 0.0
    for k in 0..<(n * n) { tnorm = max(tnorm, abs(t[k])) }
    let smlnum = Machine.safmin * (Double(n) / Machine.ulp)
    let smin = max(Machine.ulp * (abs(lambda.re) + abs(lambda.im)), Machine.ulp * tnorm * 1e-3, smlnum)
    var x = [Complex](repeating: .zero, count: n)
    // The null vector of the eigenvalue's own block.
    if size == 1 {
      x[b] = Complex(1)
    } else {
      let mu = Complex(t[b * n + b]) - lambda
      let t01 = t[b * n + b + 1], t10 = t[(b + 1) * n + b]
      let (p, q) = left ? (t10, t01) : (t01, t10)
      if abs(p) >= abs(q) {
        x[b] = Complex(p)
        x[b + 1] = -mu
      } else {
        x[b] = mu
        x[b + 1] = Complex(-q)
      }
    }
    let big = 0x1p200
    func rescaleIfLarge(_ x: inout [Complex], _ j: Int) {
      if abs(x[j].re) > big || abs(x[j].im) > big {
        for k in 0..<n { x[k] = 0x1p-200 * x[k] }
      }
    }
    if !left {
      // Back-substitution: (T - lambda I) x = 0, rows above the block.
      let end = b + size - 1
      var j = b - 1
      while j >= 0 {
        if j > 0 && t[j * n + j - 1] != 0 {
          var r0 = Complex.zero, r1 = Complex.zero
          for m in (j + 1)...end {
            r0 = r0 - t[(j - 1) * n + m] * x[m]
            r1 = r1 - t[j * n + m] * x[m]
          }
          let (x0, x1) = solve2x2(
            Complex(t[(j - 1) * n + j - 1]) - lambda, Complex(t[(j - 1) * n + j]),
            Complex(t[j * n + j - 1]), Complex(t[j * n + j]) - lambda, r0, r1, smin: smin)
          x[j - 1] = x0
          x[j] = x1
          rescaleIfLarge(&x, j - 1)
          rescaleIfLarge(&x, j)
          j -= 2
        } else {
          var r = Complex.zero
          for m in (j + 1)...end { r = r - t[j * n + m] * x[m] }
          x[j] = divide(r, Complex(t[j * n + j]) - lambda, smin: smin)
          rescaleIfLarge(&x, j)
          j -= 1
        }
      }
    } else {
      // Forward substitution: y^T (T - lambda I) = 0, columns after the block.
      let start = b
      var j = b + size
      while j < n {
        if j + 1 < n && t[(j + 1) * n + j] != 0 {
          var r0 = Complex.zero, r1 = Complex.zero
          for m in start..<j {
            r0 = r0 - t[m * n + j] * x[m]
            r1 = r1 - t[m * n + j + 1] * x[m]
          }
          let (y0, y1) = solve2x2(
            Complex(t[j * n + j]) - lambda, Complex(t[(j + 1) * n + j]),
            Complex(t[j * n + j + 1]), Complex(t[(j + 1) * n + j + 1]) - lambda, r0, r1, smin: smin)
          x[j] = y0
          x[j + 1] = y1
          rescaleIfLarge(&x, j)
          rescaleIfLarge(&x, j + 1)
          j += 2
        } else {
          var r = Complex.zero
          for m in start..<j { r = r - t[m * n + j] * x[m] }
          x[j] = divide(r, Complex(t[j * n + j]) - lambda, smin: smin)
          rescaleIfLarge(&x, j)
          j += 1
        }
      }
    }
    // Back-transform with the Schur vectors: w = Z x.
    var w = [Complex](repeating: .zero, count: n)
    let z = self.z
    for r in 0..<n {
      var s = Complex.zero
      for c in 0..<n where x[c] != .zero { s = s + z[r * n + c] * x[c] }
      w[r] = s
    }
    // Undo the balancing: right D w, left D^-1 w; then the swaps in reverse. D is
    // made of powers of two, so the product is done in exponents, shifted by the
    // largest one: it neither overflows nor underflows before the normalisation
    // (as DGEBAK/DTREVC keep vectors in range).
    var top = Int.min
    for r in 0..<n where w[r] != .zero {
      let d = Int(dscale[r].exponent) * (left ? -1 : 1)
      let m = max(abs(w[r].re), abs(w[r].im))
      // A non-finite entry (a failed substitution) is left to show as such.
      guard m.isFinite else { continue }
      top = max(top, d + Int(m.exponent))
    }
    if top != Int.min {
      for r in 0..<n {
        let d = Int(dscale[r].exponent) * (left ? -1 : 1) - top
        // 2^d for d in [-2200, 0]: in two factors so that neither underflows alone.
        let f1 = Double(sign: .plus, exponent: max(d / 2, -1074), significand: 1)
        let f2 = Double(sign: .plus, exponent: max(d - d / 2, -1074), significand: 1)
        w[r] = f2 * (f1 * w[r])
      }
    }
    var s = swapCount - 1
    while s >= 0 {
      w.swapAt(swapA[s], swapB[s])
      s -= 1
    }
    normalize(&w)
    return w
  }
}

/// `a / b`, with `b` replaced by `smin` (keeping its direction) when `|b| < smin`.
@inline(__always)
func divide(_ a: Complex, _ b: Complex, smin: Double) -> Complex {
  var d = b
  let m = d.magnitude
  if m < smin {
    d = m == 0 ? Complex(smin) : (smin / m) * d
  }
  return a / d
}

/// Solves the complex 2 x 2 system `[a b; c d] [x0; x1] = [r0; r1]` by Gaussian
/// elimination with complete pivoting; a pivot smaller than `smin` is replaced by
/// `smin` (LAPACK DLALN2's perturbation).
func solve2x2(
  _ a: Complex, _ b: Complex, _ c: Complex, _ d: Complex, _ r0: Complex, _ r1: Complex,
  smin: Double
) -> (Complex, Complex) {
  // Pick the largest entry as pivot.
  let mags = [a.magnitude, b.magnitude, c.magnitude, d.magnitude]
  var p = 0
  for k in 1..<4 where mags[k] > mags[p] { p = k }
  // Arrange as [p11 p12; p21 p22] [y0; y1] = [s0; s1] with p11 the pivot.
  var m = [a, b, c, d]
  var rr = [r0, r1]
  var swappedCols = false
  if p == 1 || p == 3 {  // swap columns
    m = [m[1], m[0], m[3], m[2]]
    swappedCols = true
  }
  if p == 2 || p == 3 {  // swap rows
    m = [m[2], m[3], m[0], m[1]]
    rr = [rr[1], rr[0]]
  }
  var p11 = m[0]
  if p11.magnitude < smin { p11 = Complex(smin) }
  let l21 = m[2] / p11
  var u22 = m[3] - l21 * m[1]
  if u22.magnitude < smin { u22 = u22.magnitude == 0 ? Complex(smin) : (smin / u22.magnitude) * u22 }
  let s1 = rr[1] - l21 * rr[0]
  let y1 = s1 / u22
  let y0 = (rr[0] - m[1] * y1) / p11
  return swappedCols ? (y1, y0) : (y0, y1)
}

/// Scales a complex vector to unit 2-norm with its largest-magnitude entry (the
/// first on ties) real and positive.
func normalize(_ w: inout [Complex]) {
  var best = 0
  var bestMag = -1.0
  for k in 0..<w.count {
    let m = w[k].magnitude
    if m > bestMag {
      bestMag = m
      best = k
    }
  }
  guard bestMag > 0, bestMag.isFinite else { return }
  // First scale by the largest entry's magnitude (no overflow), then rotate its
  // phase away, then scale to unit norm.
  let phase = (1 / bestMag) * w[best].conjugate
  let pm = phase.magnitude
  let rot = (1 / pm) * phase
  for k in 0..<w.count { w[k] = rot * ((1 / bestMag) * w[k]) }
  w[best] = Complex(w[best].magnitude, 0)
  let norm = complexNorm2(w)
  for k in 0..<w.count { w[k] = (1 / norm) * w[k] }
}

/// Euclidean norm of a complex vector, scaled against overflow and underflow,
/// without building a real copy.
func complexNorm2(_ v: [Complex]) -> Double {
  var acc = ScaledSumOfSquares()
  for z in v {
    acc.add(z.re)
    acc.add(z.im)
  }
  return acc.norm
}
