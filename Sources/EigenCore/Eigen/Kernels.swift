// Small dense kernels for the native eigen solver: machine constants, Householder
// reflector generation (LAPACK DLARFG), plane rotations, and the standardisation
// of a real 2 x 2 block (LAPACK DLANV2). All operate on row-major n x n storage.

/// Machine constants, as LAPACK's DLAMCH gives them for IEEE double.
public enum Machine {
  /// Relative precision `ulp = eps * base = 2^-52` (DLAMCH('P')).
  public static let ulp: Double = 0x1p-52
  /// Safe minimum `2^-1022` (DLAMCH('S')): 1/safmin does not overflow.
  public static let safmin: Double = 0x1p-1022
  /// `2^-485`, DLANV2's SAFMN2 = base^int(log(safmin/eps)/log(base)/2).
  static let safmn2: Double = 0x1p-485
  static let safmx2: Double = 0x1p485
}

/// `sqrt(x^2 + y^2)` without unnecessary overflow or underflow (LAPACK DLAPY2).
@inline(__always)
func hypot2(_ x: Double, _ y: Double) -> Double {
  let xa = abs(x), ya = abs(y)
  let w = max(xa, ya), z = min(xa, ya)
  if z == 0 || w > Double.greatestFiniteMagnitude { return w }
  let r = z / w
  return w * (1 + r * r).squareRoot()
}

/// `|a| * sign(b)` (Fortran SIGN).
@inline(__always)
func fsign(_ a: Double, _ b: Double) -> Double {
  b.sign == .minus ? -abs(a) : abs(a)
}

/// Zero, or a magnitude in [2^-500, 2^500].
@inline(__always)
func inSafeRange(_ v: Double) -> Bool {
  let a = abs(v)
  return a == 0 || (a >= 0x1p-500 && a <= 0x1p500)
}

/// Euclidean norm of `count` values at `x[0], x[stride], ...`, scaled so that it
/// neither overflows nor underflows (LAPACK DNRM2).
@inline(__always)
func stridedNorm2(_ x: UnsafeMutablePointer<Double>, count: Int, stride: Int) -> Double {
  var acc = ScaledSumOfSquares()
  for k in 0..<count { acc.add(x[k * stride]) }
  return acc.norm
}

/// Generates an elementary reflector `H = I - tau * [1; v] [1, v^T]` with
/// `H [alpha; x] = [beta; 0]` (LAPACK DLARFG). On return `alpha` holds beta and
/// `x` holds v. `x` is `count` values at `x[0], x[stride], ...`.
@inline(__always)
func householder(
  alpha: inout Double, x: UnsafeMutablePointer<Double>, count: Int, stride: Int
) -> Double {
  if count <= 0 { return 0 }
  // The QR sweep's 2- and 3-vectors: plain sums of squares when every value is
  // in [2^-500, 2^500] or zero (no overflow or harmful underflow possible), the
  // scaled forms otherwise.
  var xnorm: Double
  var beta: Double
  if count <= 2 && inSafeRange(alpha) && inSafeRange(x[0]) && (count == 1 || inSafeRange(x[stride])) {
    let x1 = x[stride * (count - 1)]
    let ssq = count == 1 ? x[0] * x[0] : x[0] * x[0] + x1 * x1
    if ssq == 0 { return 0 }
    xnorm = ssq.squareRoot()
    beta = -fsign((alpha * alpha + ssq).squareRoot(), alpha)
  } else {
    // Longer vectors (the Hessenberg reduction's columns): the plain sum of squares
    // when it lies in [2^-900, 2^900] (then no square overflows, and squares that
    // underflow add less than count * 2^-1022, negligible against it), the scaled
    // form otherwise.
    var ssq = 0.0
    for k in 0..<count { ssq += x[k * stride] * x[k * stride] }
    if ssq >= 0x1p-900 && ssq <= 0x1p900 {
      xnorm = ssq.squareRoot()
    } else {
      xnorm = stridedNorm2(x, count: count, stride: stride)
    }
    if xnorm == 0 { return 0 }
    beta = -fsign(hypot2(alpha, xnorm), alpha)
  }
  let safmin = Machine.safmin / (Machine.ulp / 2)
  var knt = 0
  if abs(beta) < safmin {
    let rsafmn = 1 / safmin
    repeat {
      knt += 1
      for k in 0..<count { x[k * stride] *= rsafmn }
      beta *= rsafmn
      alpha *= rsafmn
    } while abs(beta) < safmin && knt < 20
    xnorm = stridedNorm2(x, count: count, stride: stride)
    beta = -fsign(hypot2(alpha, xnorm), alpha)
  }
  let tau = (beta - alpha) / beta
  let f = 1 / (alpha - beta)
  for k in 0..<count { x[k * stride] *= f }
  for _ in 0..<knt { beta *= safmin }
  alpha = beta
  return tau
}

/// The standardised Schur factorisation of a real 2 x 2 block (LAPACK DLANV2):
///
/// ```
/// [ a b ] = [ cs -sn ] [ aa bb ] [  cs sn ]
/// [ c d ]   [ sn  cs ] [ cc dd ] [ -sn cs ]
/// ```
///
/// where either `cc = 0` (two real eigenvalues `aa`, `dd`) or `aa = dd` and
/// `bb * cc < 0` (the complex pair `aa +- sqrt(|bb|) sqrt(|cc|) i`).
/// Returns the new block, both eigenvalues (the one with positive imaginary part
/// first) and the rotation.
struct StandardizedBlock {
  var a: Double, b: Double, c: Double, d: Double
  var rt1r: Double, rt1i: Double, rt2r: Double, rt2i: Double
  var cs: Double, sn: Double
}

func standardize2x2(_ a0: Double, _ b0: Double, _ c0: Double, _ d0: Double) -> StandardizedBlock {
  var a = a0, b = b0, c = c0, d = d0
  var cs = 1.0, sn = 0.0
  let multpl = 4.0
  let eps = Machine.ulp
  if c == 0 {
    cs = 1
    sn = 0
  } else if b == 0 {
    cs = 0
    sn = 1
    let temp = d
    d = a
    a = temp
    b = -c
    c = 0
  } else if a - d == 0 && fsign(1, b) != fsign(1, c) {
    cs = 1
    sn = 0
  } else {
    var temp = a - d
    var p = 0.5 * temp
    let bcmax = max(abs(b), abs(c))
    let bcmis = min(abs(b), abs(c)) * fsign(1, b) * fsign(1, c)
    var scale = max(abs(p), bcmax)
    var z = (p / scale) * p + (bcmax / scale) * bcmis
    if z >= multpl * eps {
      // Real eigenvalues.
      z = p + fsign(scale.squareRoot() * z.squareRoot(), p)
      a = d + z
      d = d - (bcmax / z) * bcmis
      let tau = hypot2(c, z)
      cs = z / tau
      sn = c / tau
      b = b - c
      c = 0
    } else {
      // Complex or almost equal real eigenvalues: make the diagonal equal.
      var count = 0
      var sigma = b + c
      while true {
        count += 1
        scale = max(abs(temp), abs(sigma))
        if scale >= Machine.safmx2 {
          sigma *= Machine.safmn2
          temp *= Machine.safmn2
          if count <= 20 { continue }
        }
        if scale <= Machine.safmn2 {
          sigma *= Machine.safmx2
          temp *= Machine.safmx2
          if count <= 20 { continue }
        }
        break
      }
      p = 0.5 * temp
      var tau = hypot2(sigma, temp)
      cs = (0.5 * (1 + abs(sigma) / tau)).squareRoot()
      sn = -(p / (tau * cs)) * fsign(1, sigma)
      let aa = a * cs + b * sn
      let bb = -a * sn + b * cs
      let cc = c * cs + d * sn
      let dd = -c * sn + d * cs
      a = aa * cs + cc * sn
      b = bb * cs + dd * sn
      c = -aa * sn + cc * cs
      d = -bb * sn + dd * cs
      temp = 0.5 * (a + d)
      a = temp
      d = temp
      if c != 0 {
        if b != 0 {
          if fsign(1, b) == fsign(1, c) {
            // Real eigenvalues: reduce to upper triangular form.
            let sab = abs(b).squareRoot()
            let sac = abs(c).squareRoot()
            p = fsign(sab * sac, c)
            tau = 1 / abs(b + c).squareRoot()
            a = temp + p
            d = temp - p
            b = b - c
            c = 0
            let cs1 = sab * tau
            let sn1 = sac * tau
            let t = cs * cs1 - sn * sn1
            sn = cs * sn1 + sn * cs1
            cs = t
          }
        } else {
          b = -c
          c = 0
          let t = cs
          cs = -sn
          sn = t
        }
      }
    }
  }
  var rt1i = 0.0, rt2i = 0.0
  if c != 0 {
    rt1i = abs(b).squareRoot() * abs(c).squareRoot()
    rt2i = -rt1i
  }
  return StandardizedBlock(
    a: a, b: b, c: c, d: d, rt1r: a, rt1i: rt1i, rt2r: d, rt2i: rt2i, cs: cs, sn: sn)
}

/// `sum_k a[k] b[k]` for `k in 0..<count`, with four partial sums (`k mod 4`) added
/// as `(s0 + s1) + (s2 + s3)`: the same error bound as the sequential sum
/// (`count ulp sum |a_k b_k|`), without its chain of dependent additions.
@inline(__always)
func dot4(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int) -> Double {
  var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
  var k = 0
  while k + 4 <= count {
    s0 += a[k] * b[k]
    s1 += a[k + 1] * b[k + 1]
    s2 += a[k + 2] * b[k + 2]
    s3 += a[k + 3] * b[k + 3]
    k += 4
  }
  while k < count {
    s0 += a[k] * b[k]
    k += 1
  }
  return (s0 + s1) + (s2 + s3)
}

/// Applies the reflector `I - tau [v] [v]^T` from the left to the `rows x cols` block
/// whose row `k` starts at `a + k * ld` (`rows` = length of `v`), as a rank-1 update
/// done row by row: `s = tau * (v^T A)` accumulated into `s[0..<cols]` one row at a
/// time, then `A[k][c] -= v[k] s[c]`. Every inner loop runs along a contiguous row.
@inline(__always)
func applyReflectorLeft(
  _ a: UnsafeMutablePointer<Double>, ld: Int, rows: Int, cols: Int,
  v: UnsafePointer<Double>, tau: Double, s: UnsafeMutablePointer<Double>
) {
  if cols <= 0 || rows <= 0 { return }
  do {
    let row = a, vk = v[0]
    for c in 0..<cols { s[c] = vk * row[c] }
  }
  if rows > 1 {
    for k in 1..<rows {
      let row = a + k * ld, vk = v[k]
      for c in 0..<cols { s[c] += vk * row[c] }
    }
  }
  for c in 0..<cols { s[c] *= tau }
  for k in 0..<rows {
    let row = a + k * ld, vk = v[k]
    for c in 0..<cols { row[c] -= vk * s[c] }
  }
}

/// Applies `P = I - t1 [1 v2 v3]^T [1 v2 v3]` from the left to three consecutive
/// rows `r0 = a, r1 = a + ld, r2 = a + 2 ld` over `count` contiguous columns, with
/// `t2 = t1 v2`, `t3 = t1 v3`: `s = r0 + v2 r1 + v3 r2`, `r0 -= t1 s`, `r1 -= t2 s`,
/// `r2 -= t3 s` (DLAHQR's update, one column at a time along contiguous rows).
@inline(__always)
func applyReflector3Rows(
  _ a: UnsafeMutablePointer<Double>, ld: Int, count: Int,
  v2: Double, v3: Double, t1: Double, t2: Double, t3: Double
) {
  let r0 = a, r1 = a + ld, r2 = a + 2 * ld
  for j in 0..<count {
    let sum = r0[j] + v2 * r1[j] + v3 * r2[j]
    r0[j] -= sum * t1
    r1[j] -= sum * t2
    r2[j] -= sum * t3
  }
}

/// Transposes the row-major `n x n` matrix at `a` in place.
func transposeInPlace(_ a: UnsafeMutablePointer<Double>, n: Int) {
  for i in 0..<n {
    for j in (i + 1)..<max(i + 1, n) {
      let t = a[i * n + j]
      a[i * n + j] = a[j * n + i]
      a[j * n + i] = t
    }
  }
}
