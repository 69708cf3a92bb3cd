/// Eigenvalues, eigenvectors and condition numbers from a factored `EigenSolver`.
///
/// Conventions (those of ds/dY in docs/checks.md):
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
    try eigenvectorArray(i, left: false)
  }

  /// The left eigenvector of eigenvalue `i` (`u^T A = lambda u^T`, unit 2-norm).
  public func leftEigenvector(_ i: Int) throws(EigenError) -> [Complex] {
    try eigenvectorArray(i, left: true)
  }

  /// Writes the right eigenvector `v` of eigenvalue `i` (`A v = lambda v`, unit
  /// 2-norm, largest entry real and positive) into `out[0..<n]`: the same values,
  /// bit for bit, as `rightEigenvector(i)`, without any heap allocation (the one
  /// temporary, `n` complex numbers, is on the stack).
  ///
  /// - Precondition: `out.count >= n` and `factor(_:vectors: true)` was called.
  public func rightEigenvector(_ i: Int, into out: UnsafeMutableBufferPointer<Complex>) throws(EigenError) {
    try eigenvector(i, left: false, into: out)
  }

  /// Writes the left eigenvector `u` of eigenvalue `i` (`u^T A = lambda u^T`, unit
  /// 2-norm, largest entry real and positive) into `out[0..<n]`: the same values,
  /// bit for bit, as `leftEigenvector(i)`, without any heap allocation.
  ///
  /// - Precondition: `out.count >= n` and `factor(_:vectors: true)` was called.
  public func leftEigenvector(_ i: Int, into out: UnsafeMutableBufferPointer<Complex>) throws(EigenError) {
    try eigenvector(i, left: true, into: out)
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

  /// The array form of `eigenvector(_:left:into:)`.
  private func eigenvectorArray(_ idx: Int, left: Bool) throws(EigenError) -> [Complex] {
    guard idx >= 0 && idx < n else { throw .badIndex(idx, count: n) }
    var w = [Complex](repeating: .zero, count: n)
    var failure: EigenError? = nil
    w.withUnsafeMutableBufferPointer { out in
      do throws(EigenError) {
        try eigenvector(idx, left: left, into: out)
      } catch {
        failure = error
      }
    }
    if let failure { throw failure }
    return w
  }

  /// Right (`left == false`) or left eigenvector of eigenvalue `idx`, written to
  /// `out[0..<n]` without heap allocation: a real eigenvalue's Schur-basis vector `x`
  /// is kept in the imaginary parts of `out` itself; a complex one's (`n` complex
  /// numbers) on the stack (for `n > 512`, the only case that allocates, on the heap).
  private func eigenvector(
    _ idx: Int, left: Bool, into out: UnsafeMutableBufferPointer<Complex>
  ) throws(EigenError) {
    guard idx >= 0 && idx < n else { throw .badIndex(idx, count: n) }
    precondition(hasSchurVectors, "factor(_:vectors: true) before asking for eigenvectors")
    precondition(out.count >= n, "the output buffer needs n = \(n) entries, has \(out.count)")
    let n = self.n
    let wiIdx = wi[idx]
    let swaps = swapCount
    h.withUnsafeBufferPointer { tb in
      z.withUnsafeBufferPointer { zb in
        dscale.withUnsafeBufferPointer { db in
          swapA.withUnsafeBufferPointer { sab in
            swapB.withUnsafeBufferPointer { sbb in
              let v = EigenvectorKernel(
                t: tb.baseAddress!, z: zb.baseAddress!, d: db.baseAddress!,
                swapA: sab.baseAddress!, swapB: sbb.baseAddress!, swaps: swaps, n: n)
              let o = out.baseAddress!
              if wiIdx == 0 {
                v.realVector(idx, left: left, out: o)
              } else if n <= 64 {
                // At most 1024 bytes: withUnsafeTemporaryAllocation stays on the stack.
                withUnsafeTemporaryAllocation(of: Complex.self, capacity: n) { x in
                  v.complexVector(idx, wi: wiIdx, left: left, x: x.baseAddress!, out: o)
                }
              } else {
                v.complexVectorLarge(idx, wi: wiIdx, left: left, out: o)
              }
            }
          }
        }
      }
    }
  }
}

/// Eigenvector extraction from a real Schur factorisation `B = Z T Z^T` of the
/// balanced matrix `B = D^-1 P A P^T D` (LAPACK DTREVC for one eigenvalue, then
/// DGEBAK), on raw row-major storage:
///
/// - right: solve `(T - lambda I) x = 0` by back-substitution above the
///   eigenvalue's block, `v = P^T D Z x`;
/// - left: solve `x^T (T - lambda I) = 0` by forward substitution after the
///   block, `u = P^T D^-1 Z x`;
///
/// with diagonal pivots smaller than `smin = max(ulp |lambda|, smlnum)` replaced by
/// `smin` (DTREVC3's perturbation at repeated eigenvalues, relative to `lambda` alone).
/// The growth this allows (`x_j = r_j / p_j` with `p_j` down to `smlnum`) is kept
/// finite as DLALN2 does with its `scale`: when a quotient would exceed 2^200, `x` and
/// `r_j` are first multiplied by a power of two `2^-k` (exact; the entries of `x` that
/// are negligible against the new one may underflow); and `x` is rescaled by 2^-200
/// when an entry exceeds 2^200, so that no sum `r_j` overflows. Then normalised (see
/// `normalize`).
///
/// A floor relative to `|T|` (`1e-3 ulp max|t_ij|`, used before) is not applied: on a
/// graded `T` it exceeds every pivot of the small rows and leaves each such row a residual
/// `r_j` of the size of its right-hand side, which the balancing's `D` then amplifies in
/// `A` (a 16 x 16 with nine isolated zero eigenvalues failed the residual test at 2.7e4
/// that way, while DGEEV's vectors pass it). A real eigenvalue is done entirely in real arithmetic: with zero
/// imaginary parts every complex operation of the general path reduces to the
/// same real operation, so both give the same bits.
struct EigenvectorKernel {
  let t: UnsafePointer<Double>
  let z: UnsafePointer<Double>
  let d: UnsafePointer<Double>
  let swapA: UnsafePointer<Int>
  let swapB: UnsafePointer<Int>
  let swaps: Int
  let n: Int

  static let big = 0x1p200

  /// `smin = max(ulp |lambda|, smlnum)`, `smlnum = safmin n / ulp`, for the eigenvalue
  /// `lambda = (re, im)` (LAPACK DTREVC3's; no floor relative to `|T|`).
  @inline(__always)
  func smallestPivot(_ re: Double, _ im: Double) -> Double {
    max(Machine.ulp * (abs(re) + abs(im)), Machine.safmin * (Double(n) / Machine.ulp))
  }

  /// The eigenvector of the real eigenvalue `t[b][b]`. The Schur-basis vector `x`
  /// lives in the imaginary parts of `out` (`x_k = out[k].im`) while the real parts
  /// receive `Z x`; the imaginary parts are then set to 0.
  func realVector(_ b: Int, left: Bool, out: UnsafeMutablePointer<Complex>) {
    let n = self.n, t = self.t
    let lambda = t[b * n + b]
    let smin = smallestPivot(lambda, 0)
    let x = RealInImaginary(base: out)
    for k in 0..<n { x[k] = 0 }
    x[b] = 1
    @inline(__always) func scaleAll(_ k: Int) {
      let (f1, f2) = exactPowerOfTwo(-k)
      for m in 0..<n { x[m] = f2 * (f1 * x[m]) }
    }
    @inline(__always) func rescaleIfLarge(_ j: Int) {
      if abs(x[j]) > Self.big {
        for k in 0..<n { x[k] = 0x1p-200 * x[k] }
      }
    }
    /// `x_j = r / p` (`p` already perturbed), with `x` and `r` scaled down first by a
    /// power of two when the quotient would exceed 2^200.
    @inline(__always) func put(_ j: Int, _ r: Double, _ p: Double) {
      var r = r
      let k = quotientShift(r, p, slack: 0)
      if k > 0 {
        scaleAll(k)
        let (f1, f2) = exactPowerOfTwo(-k)
        r = f2 * (f1 * r)
      }
      x[j] = r / p
      rescaleIfLarge(j)
    }
    /// Stores a 2 x 2 solve's `(x_j0, x_j1)`, solved for the right-hand side times
    /// `2^-k`: the rest of `x` is scaled by `2^-k` too.
    @inline(__always) func put2(_ j0: Int, _ j1: Int, _ y: (Double, Double, Int)) {
      if y.2 > 0 { scaleAll(y.2) }
      x[j0] = y.0
      x[j1] = y.1
      rescaleIfLarge(j0)
      rescaleIfLarge(j1)
    }
    if !left {
      var j = b - 1
      while j >= 0 {
        if j > 0 && t[j * n + j - 1] != 0 {
          var r0 = 0.0, r1 = 0.0
          let row0 = t + (j - 1) * n, row1 = t + j * n
          for m in (j + 1)...b {
            r0 = r0 - row0[m] * x[m]
            r1 = r1 - row1[m] * x[m]
          }
          let y = solve2x2Real(
            row0[j - 1] - lambda, row0[j], row1[j - 1], row1[j] - lambda, r0, r1, smin: smin)
          put2(j - 1, j, y)
          j -= 2
        } else {
          var r = 0.0
          let row = t + j * n
          for m in (j + 1)...b { r = r - row[m] * x[m] }
          put(j, r, perturbedPivotReal(row[j] - lambda, smin: smin))
          j -= 1
        }
      }
      // out = Z x, x supported on 0...b.
      for r in 0..<n {
        let zr = z + r * n
        var s = 0.0
        for c in 0...b { s = s + zr[c] * x[c] }
        out[r].re = s
      }
    } else {
      var j = b + 1
      while j < n {
        if j + 1 < n && t[(j + 1) * n + j] != 0 {
          var r0 = 0.0, r1 = 0.0
          for m in b..<j {
            r0 = r0 - t[m * n + j] * x[m]
            r1 = r1 - t[m * n + j + 1] * x[m]
          }
          let y = solve2x2Real(
            t[j * n + j] - lambda, t[(j + 1) * n + j], t[j * n + j + 1], t[(j + 1) * n + j + 1] - lambda,
            r0, r1, smin: smin)
          put2(j, j + 1, y)
          j += 2
        } else {
          var r = 0.0
          for m in b..<j { r = r - t[m * n + j] * x[m] }
          put(j, r, perturbedPivotReal(t[j * n + j] - lambda, smin: smin))
          j += 1
        }
      }
      // out = Z x, x supported on b..<n.
      for r in 0..<n {
        let zr = z + r * n
        var s = 0.0
        for c in b..<n { s = s + zr[c] * x[c] }
        out[r].re = s
      }
    }
    for k in 0..<n { out[k].im = 0 }
    undoBalancing(out, left: left)
    // Largest entry (first on ties), its sign taken away, then unit norm.
    var best = 0
    var bestMag = -1.0
    for k in 0..<n {
      let m = abs(out[k].re)
      if m > bestMag {
        bestMag = m
        best = k
      }
    }
    guard bestMag > 0, bestMag.isFinite else { return }
    let inv = 1 / bestMag
    let phase = inv * out[best].re
    let rot = (1 / abs(phase)) * phase
    var ssq = 0.0
    for k in 0..<n {
      let y = rot * (inv * out[k].re)
      out[k].re = y
      ssq += y * y
    }
    // out[best] = rot * phase > 0 already: the general path's `|w_best|` is a no-op.
    let scale = 1 / ssq.squareRoot()
    for k in 0..<n { out[k] = Complex(scale * out[k].re, 0) }
  }
}
/// `2^-e` for the exponent `e` of a finite nonzero `v` (so `2^-e |v|` is in [1, 2)), as
/// two powers of two `(s1, s2)` to apply as `s2 * (s1 * y)`: `2^-e` alone is not
/// representable when `v` is denormal (`e < -1023`). Both factors are exact.
@inline(__always)
func unitScale(_ v: Double) -> (Double, Double) {
  let e = v == 0 || !v.isFinite ? 0 : Int(v.exponent)
  let k = -e
  let k1 = min(k, 1023)
  return (Double(sign: .plus, exponent: k1, significand: 1),
          Double(sign: .plus, exponent: k - k1, significand: 1))
}

/// `2^k` for `k` in [-2200, 0] as two factors `(f1, f2)` to apply as `f2 * (f1 * y)`,
/// neither of which underflows alone.
@inline(__always)
func exactPowerOfTwo(_ k: Int) -> (Double, Double) {
  (Double(sign: .plus, exponent: max(k / 2, -1074), significand: 1),
   Double(sign: .plus, exponent: max(k - k / 2, -1074), significand: 1))
}

/// The `k >= 0` by which `num` must be shifted down (`2^-k num`) so that
/// `|2^-k num / den| < 2^200`: `|num| < 2^(e_num + 1)`, `|den| >= 2^e_den`, plus `slack`
/// binades for complex operands (their max-norms). 0 when `num = 0`.
@inline(__always)
func quotientShift(_ num: Double, _ den: Double, slack: Int) -> Int {
  if num == 0 || !num.isFinite || den == 0 { return 0 }
  return max(Int(num.exponent) - Int(den.exponent) - 199 + slack, 0)
}

/// The imaginary parts of a complex buffer, seen as a real vector.
struct RealInImaginary {
  let base: UnsafeMutablePointer<Complex>
  @inline(__always) subscript(_ k: Int) -> Double {
    get { base[k].im }
    nonmutating set { base[k].im = newValue }
  }
}

extension EigenvectorKernel {
  /// `complexVector` for `n > 64`, with its temporary in a stack array of 512
  /// complex numbers (8 KiB) when `n <= 512`, on the heap beyond.
  @inline(never)
  func complexVectorLarge(_ idx: Int, wi: Double, left: Bool, out: UnsafeMutablePointer<Complex>) {
    if n <= 512 {
      var stack = InlineArray<512, Complex>(repeating: .zero)
      var span = stack.mutableSpan
      span.withUnsafeMutableBufferPointer { x in
        complexVector(idx, wi: wi, left: left, x: x.baseAddress!, out: out)
      }
    } else {
      var heap = [Complex](repeating: .zero, count: n)
      heap.withUnsafeMutableBufferPointer { x in
        complexVector(idx, wi: wi, left: left, x: x.baseAddress!, out: out)
      }
    }
  }

  /// The eigenvector of the complex eigenvalue `idx` (imaginary part `wi`) of the
  /// 2 x 2 standardised block it lives in; `x` holds `n` complex numbers.
  func complexVector(
    _ idx: Int, wi: Double, left: Bool, x: UnsafeMutablePointer<Complex>, out: UnsafeMutablePointer<Complex>
  ) {
    let n = self.n, t = self.t
    let b = wi > 0 ? idx : idx - 1
    let a = t[b * n + b]
    let w = abs(t[b * n + b + 1]).squareRoot() * abs(t[(b + 1) * n + b]).squareRoot()
    let lambda = Complex(a, wi > 0 ? w : -w)
    let smin = smallestPivot(lambda.re, lambda.im)
    for k in 0..<n { x[k] = .zero }
    // The null vector of the eigenvalue's own block.
    let mu = Complex(a) - lambda
    let t01 = t[b * n + b + 1], t10 = t[(b + 1) * n + b]
    let (p, q) = left ? (t10, t01) : (t01, t10)
    // (p, -mu) if |p| >= |q|, else (mu, -q), scaled by the power of
    // two 2^-e that brings that entry into [1, 2) (DTREVC starts from a vector of unit
    // max-norm: for a block near 1e-280 the raw entries' products with T underflow).
    // |mu| = w = sqrt|p q| <= max(|p|, |q|), so the max-norm is in [1, 2) to rounding; the
    // scaling is exact and changes no rounding elsewhere (only under- and overflow).
    if abs(p) >= abs(q) {
      let (s1, s2) = unitScale(p)
      x[b] = Complex(s2 * (s1 * p))
      x[b + 1] = -(s2 * (s1 * mu))
    } else {
      let (s1, s2) = unitScale(q)
      x[b] = s2 * (s1 * mu)
      x[b + 1] = Complex(-(s2 * (s1 * q)))
    }
    @inline(__always) func scaleAll(_ k: Int) {
      let (f1, f2) = exactPowerOfTwo(-k)
      for m in 0..<n { x[m] = f2 * (f1 * x[m]) }
    }
    @inline(__always) func rescaleIfLarge(_ j: Int) {
      if abs(x[j].re) > Self.big || abs(x[j].im) > Self.big {
        for k in 0..<n { x[k] = 0x1p-200 * x[k] }
      }
    }
    // As in `realVector`.
    @inline(__always) func put(_ j: Int, _ r: Complex, _ p: Complex) {
      var r = r
      let k = complexQuotientShift(r, p, slack: 2)
      if k > 0 {
        scaleAll(k)
        let (f1, f2) = exactPowerOfTwo(-k)
        r = f2 * (f1 * r)
      }
      x[j] = r / p
      rescaleIfLarge(j)
    }
    @inline(__always) func put2(_ j0: Int, _ j1: Int, _ y: (Complex, Complex, Int)) {
      if y.2 > 0 { scaleAll(y.2) }
      x[j0] = y.0
      x[j1] = y.1
      rescaleIfLarge(j0)
      rescaleIfLarge(j1)
    }
    if !left {
      // Back-substitution: (T - lambda I) x = 0, rows above the block.
      let end = b + 1
      var j = b - 1
      while j >= 0 {
        if j > 0 && t[j * n + j - 1] != 0 {
          var r0 = Complex.zero, r1 = Complex.zero
          for m in (j + 1)...end {
            r0 = r0 - t[(j - 1) * n + m] * x[m]
            r1 = r1 - t[j * n + m] * x[m]
          }
          let y = solve2x2(
            Complex(t[(j - 1) * n + j - 1]) - lambda, Complex(t[(j - 1) * n + j]),
            Complex(t[j * n + j - 1]), Complex(t[j * n + j]) - lambda, r0, r1, smin: smin)
          put2(j - 1, j, y)
          j -= 2
        } else {
          var r = Complex.zero
          for m in (j + 1)...end { r = r - t[j * n + m] * x[m] }
          put(j, r, perturbedPivot(Complex(t[j * n + j]) - lambda, smin: smin))
          j -= 1
        }
      }
      for r in 0..<n {
        let zr = z + r * n
        var s = Complex.zero
        for c in 0...end { s = s + zr[c] * x[c] }
        out[r] = s
      }
    } else {
      // Forward substitution: x^T (T - lambda I) = 0, columns after the block.
      var j = b + 2
      while j < n {
        if j + 1 < n && t[(j + 1) * n + j] != 0 {
          var r0 = Complex.zero, r1 = Complex.zero
          for m in b..<j {
            r0 = r0 - t[m * n + j] * x[m]
            r1 = r1 - t[m * n + j + 1] * x[m]
          }
          let y = solve2x2(
            Complex(t[j * n + j]) - lambda, Complex(t[(j + 1) * n + j]),
            Complex(t[j * n + j + 1]), Complex(t[(j + 1) * n + j + 1]) - lambda, r0, r1, smin: smin)
          put2(j, j + 1, y)
          j += 2
        } else {
          var r = Complex.zero
          for m in b..<j { r = r - t[m * n + j] * x[m] }
          put(j, r, perturbedPivot(Complex(t[j * n + j]) - lambda, smin: smin))
          j += 1
        }
      }
      for r in 0..<n {
        let zr = z + r * n
        var s = Complex.zero
        for c in b..<n { s = s + zr[c] * x[c] }
        out[r] = s
      }
    }
    undoBalancing(out, left: left)
    normalize(out, count: n)
  }

  /// Undoes the balancing on `w = out[0..<n]`: right `D w`, left `D^-1 w`, then the
  /// swaps in reverse order. D is made of powers of two, so the product is done in
  /// exponents, shifted by the largest one: it neither overflows nor underflows
  /// before the normalisation (as DGEBAK/DTREVC keep vectors in range).
  ///
  /// Fast path: when every `d_r` is in [2^-400, 2^400] and every `|w_r|` at most
  /// 2^500 (the usual case), `w_r` is multiplied by `d_r` or `1 / d_r` directly
  /// (exact: powers of two). The result differs from the shifted one by a power of
  /// two only, which the normalisation removes exactly. Nothing overflows (at most
  /// 2^900), and as `||w|| = ||x|| >= 1` (x has an entry 1, or above 1 after a
  /// rescaling), an entry that underflows is below 2^-400 times the largest.
  @inline(__always)
  func undoBalancing(_ w: UnsafeMutablePointer<Complex>, left: Bool) {
    var dmin = Double.infinity, dmax = 0.0, wmax = 0.0
    for r in 0..<n {
      dmin = min(dmin, d[r])
      dmax = max(dmax, d[r])
      wmax = max(wmax, max(abs(w[r].re), abs(w[r].im)))
    }
    if dmin >= 0x1p-400 && dmax <= 0x1p400 && wmax <= 0x1p500 {
      if dmin != 1 || dmax != 1 {
        for r in 0..<n {
          let f = left ? 1 / d[r] : d[r]
          w[r] = Complex(f * w[r].re, f * w[r].im)
        }
      }
      swapBack(w)
      return
    }
    let sign = left ? -1 : 1
    var top = Int.min
    for r in 0..<n where w[r].re != 0 || w[r].im != 0 {
      let e = Int(d[r].exponent) * sign
      let m = max(abs(w[r].re), abs(w[r].im))
      // A non-finite entry (a failed substitution) is left to show as such.
      guard m.isFinite else { continue }
      top = max(top, e + Int(m.exponent))
    }
    if top != Int.min {
      for r in 0..<n {
        let e = Int(d[r].exponent) * sign - top
        // 2^e for e in [-2200, 0]: in two factors so that neither underflows alone.
        let f1 = Double(sign: .plus, exponent: max(e / 2, -1074), significand: 1)
        let f2 = Double(sign: .plus, exponent: max(e - e / 2, -1074), significand: 1)
        w[r] = f2 * (f1 * w[r])
      }
    }
    swapBack(w)
  }

  /// The balancing permutation's swaps, undone in reverse order.
  @inline(__always)
  func swapBack(_ w: UnsafeMutablePointer<Complex>) {
    var s = swaps - 1
    while s >= 0 {
      let i = swapA[s], j = swapB[s]
      let tmp = w[i]
      w[i] = w[j]
      w[j] = tmp
      s -= 1
    }
  }
}

/// A pivot `p` with `|p| < smin` replaced by `smin * (p / |p|)` (`smin` when `p = 0`),
/// otherwise `p` itself. The unit direction `p / |p|` is formed first: its components are
/// at most 1 in magnitude, so nothing overflows however small `|p|` is (the factor
/// `smin / |p|` of the naive form overflows for `smin ~ 1e72`, `|p| ~ 1e-299`, and
/// `inf * 0` then gave NaN vectors). LAPACK DLALN2 replaces such a pivot by `smin` itself.
@inline(__always)
func perturbedPivot(_ p: Complex, smin: Double) -> Complex {
  let m = p.magnitude
  guard m < smin else { return p }
  if m == 0 { return Complex(smin) }
  return smin * Complex(p.re / m, p.im / m)
}

/// `perturbedPivot` for a real pivot: `+-smin` with the sign of `p` (`smin` for `p = 0`),
/// the bits `perturbedPivot` gives with a zero imaginary part.
@inline(__always)
func perturbedPivotReal(_ p: Double, smin: Double) -> Double {
  let m = abs(p)
  guard m < smin else { return p }
  if m == 0 { return smin }
  return smin * (p / m)
}

/// Solves the complex 2 x 2 system `[a b; c d] [x0; x1] = 2^-k [r0; r1]` by Gaussian
/// elimination with complete pivoting; a pivot smaller than `smin` is replaced by
/// `smin` (LAPACK DLALN2's perturbation). Returns `(x0, x1, k)`: `k = 0` unless the
/// solution would exceed about 2^200, then the right-hand side is scaled down by the
/// power of two `2^-k` first (DLALN2's `scale`), so that nothing overflows.
func solve2x2(
  _ a: Complex, _ b: Complex, _ c: Complex, _ d: Complex, _ r0: Complex, _ r1: Complex,
  smin: Double
) -> (Complex, Complex, Int) {
  // Pick the largest entry as pivot (the first on ties).
  let ma = a.magnitude, mb = b.magnitude, mc = c.magnitude, md = d.magnitude
  var p = 0
  var mp = ma
  if mb > mp { p = 1; mp = mb }
  if mc > mp { p = 2; mp = mc }
  if md > mp { p = 3 }
  // Arrange as [m0 m1; m2 m3] [y0; y1] = [s0; s1] with m0 the pivot.
  var m0 = a, m1 = b, m2 = c, m3 = d
  var s0 = r0, s1 = r1
  let swappedCols = p == 1 || p == 3
  if swappedCols {
    (m0, m1) = (m1, m0)
    (m2, m3) = (m3, m2)
  }
  if p == 2 || p == 3 {  // swap rows
    (m0, m2) = (m2, m0)
    (m1, m3) = (m3, m1)
    (s0, s1) = (s1, s0)
  }
  var p11 = m0
  if p11.magnitude < smin { p11 = Complex(smin) }
  let l21 = m2 / p11
  let u22 = perturbedPivot(m3 - l21 * m1, smin: smin)
  var b2 = s1 - l21 * s0
  // |l21|, |m1 / p11| <= 1 (complete pivoting): |y1| <= |b2| / |u22|, |y0| <= |s0| / |p11| + |y1|.
  let k = max(complexQuotientShift(b2, u22, slack: 2), complexQuotientShift(s0, p11, slack: 2))
  if k > 0 {
    let (f1, f2) = exactPowerOfTwo(-k)
    b2 = f2 * (f1 * b2)
    s0 = f2 * (f1 * s0)
  }
  let y1 = b2 / u22
  let y0 = (s0 - m1 * y1) / p11
  return swappedCols ? (y1, y0, k) : (y0, y1, k)
}

/// `quotientShift` for complex operands, on their max-norms (`|a / b| <= 2 max|a| / max|b|`
/// with Smith's division; `slack` covers it).
@inline(__always)
func complexQuotientShift(_ num: Complex, _ den: Complex, slack: Int) -> Int {
  quotientShift(max(abs(num.re), abs(num.im)), max(abs(den.re), abs(den.im)), slack: slack)
}

/// `solve2x2` for a real system: the same operations with zero imaginary parts.
@inline(__always)
func solve2x2Real(
  _ a: Double, _ b: Double, _ c: Double, _ d: Double, _ r0: Double, _ r1: Double, smin: Double
) -> (Double, Double, Int) {
  var p = 0
  var mp = abs(a)
  if abs(b) > mp { p = 1; mp = abs(b) }
  if abs(c) > mp { p = 2; mp = abs(c) }
  if abs(d) > mp { p = 3 }
  var m0 = a, m1 = b, m2 = c, m3 = d
  var s0 = r0, s1 = r1
  let swappedCols = p == 1 || p == 3
  if swappedCols {
    (m0, m1) = (m1, m0)
    (m2, m3) = (m3, m2)
  }
  if p == 2 || p == 3 {
    (m0, m2) = (m2, m0)
    (m1, m3) = (m3, m1)
    (s0, s1) = (s1, s0)
  }
  var p11 = m0
  if abs(p11) < smin { p11 = smin }
  let l21 = m2 / p11
  let u22 = perturbedPivotReal(m3 - l21 * m1, smin: smin)
  var b2 = s1 - l21 * s0
  // |l21|, |m1 / p11| <= 1 (complete pivoting): |y1| < |b2| / |u22|, |y0| <= |s0| / |p11| + |y1|.
  let k = max(quotientShift(b2, u22, slack: 1), quotientShift(s0, p11, slack: 1))
  if k > 0 {
    let (f1, f2) = exactPowerOfTwo(-k)
    b2 = f2 * (f1 * b2)
    s0 = f2 * (f1 * s0)
  }
  let y1 = b2 / u22
  let y0 = (s0 - m1 * y1) / p11
  return swappedCols ? (y1, y0, k) : (y0, y1, k)
}

/// Scales `w[0..<count]` to unit 2-norm with its largest-magnitude entry (the
/// first on ties) real and positive: `w <- (rot / max|w_k|) w`, `rot` the unit
/// complex number that makes the largest entry real and positive, then
/// `w <- w / sqrt(sum |w_k|^2)`. After the first step every entry has magnitude
/// at most 1 (to rounding) and the largest is 1, so the plain sum of squares can
/// neither overflow nor lose accuracy to underflow.
func normalize(_ w: UnsafeMutablePointer<Complex>, count: Int) {
  var best = 0
  var bestMag = -1.0
  for k in 0..<count {
    let m = w[k].magnitude
    if m > bestMag {
      bestMag = m
      best = k
    }
  }
  guard bestMag > 0, bestMag.isFinite else { return }
  let phase = (1 / bestMag) * w[best].conjugate
  let pm = phase.magnitude
  let rot = (1 / pm) * phase
  for k in 0..<count { w[k] = rot * ((1 / bestMag) * w[k]) }
  w[best] = Complex(w[best].magnitude, 0)
  var ssq = 0.0
  for k in 0..<count { ssq += w[k].re * w[k].re + w[k].im * w[k].im }
  let scale = 1 / ssq.squareRoot()
  for k in 0..<count { w[k] = scale * w[k] }
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
