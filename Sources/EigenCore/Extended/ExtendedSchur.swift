/// The stages of `ExtendedEigenSolver` on a matrix already scaled to `max|a_ij|` in
/// `[1, 2)`: Householder reduction to Hessenberg form, Francis double-shift QR, 2 x 2
/// standardization. Written after LAPACK DGEHD2, DLAHQR (eigenvalues only) and DLANV2,
/// in double-double. Magnitude tests (deflation, shift choice) use the leading doubles:
/// they decide only when to stop or which shift to take, not what is computed.
enum ExtendedSchur {
  /// The unit of the deflation tests, `DoubleDouble.epsilon`.
  static let ulp = DoubleDouble.epsilon
  /// Subdiagonals at most this small are negligible outright (LAPACK's
  /// `safmin * (n / ulp)` for a matrix of norm about 1, with the double-double `lo`
  /// parts' own underflow threshold `2^-969` as `safmin`).
  static func smallNumber(_ n: Int) -> Double { 0x1p-969 * (Double(n) / ulp) }
  /// Iterations without a deflation before an exceptional shift (DLAHQR's KEXSH).
  static let exceptionalShiftPeriod = 10

  // MARK: - Hessenberg reduction

  /// Reduces `h` to upper Hessenberg form `Q^T h Q` (DGEHD2): for `k = 0 ... n-3` the
  /// reflector `P = I - tau w w^T` (`w_{k+1} = 1`) zeroing `h[k+2..., k]` is applied from
  /// the left to the trailing rows and from the right to every row; `Q` is not kept.
  static func reduceToHessenberg(_ h: DDMatrix, work w: UnsafeMutableBufferPointer<DoubleDouble>) {
    let n = h.n
    guard n > 2 else { return }
    for k in 0..<(n - 2) {
      let m = n - k - 1  // reflector length, rows k+1 ... n-1
      for r in 0..<m { w[r] = h[k + 1 + r, k] }
      let (beta, tau) = householder(w, count: m)
      h[k + 1, k] = beta
      for r in (k + 2)..<n { h[r, k] = .zero }
      if tau.isZero { continue }
      w[0] = .one
      // Left: rows k+1 ... n-1, columns k+1 ... n-1: h -= tau w (w^T h).
      for j in (k + 1)..<n {
        var s = DoubleDouble.zero
        for r in 0..<m { s += w[r] * h[k + 1 + r, j] }
        s *= tau
        for r in 0..<m { h[k + 1 + r, j] -= s * w[r] }
      }
      // Right: every row, columns k+1 ... n-1: h -= tau (h w) w^T.
      for i in 0..<n {
        var s = DoubleDouble.zero
        for r in 0..<m { s += h[i, k + 1 + r] * w[r] }
        s *= tau
        for r in 0..<m { h[i, k + 1 + r] -= s * w[r] }
      }
    }
  }

  /// The 2-norm of `x[from ..< to]`, scaled by the power of two of the largest entry
  /// (exact) so that the squares neither overflow nor underflow.
  static func norm(_ x: UnsafeMutableBufferPointer<DoubleDouble>, from: Int, to: Int) -> DoubleDouble {
    var m = 0.0
    for r in from..<to { m = max(m, abs(x[r].hi)) }
    if m == 0 { return .zero }
    let e = Int(m.exponent)
    var s = DoubleDouble.zero
    for r in from..<to {
      let y = x[r].scaled(byExponent: -e)
      s += y * y
    }
    return s.squareRoot().scaled(byExponent: e)
  }

  /// DLARFG: for `(alpha, x) = (w[0], w[1 ..< count])` finds `beta` and `tau` with
  /// `(I - tau (1, v)(1, v)^T) (alpha, x) = (beta, 0)`:
  ///
  ///     beta = -sign(alpha) sqrt(alpha^2 + |x|^2),  tau = (beta - alpha) / beta,
  ///     v = x / (alpha - beta),
  ///
  /// writing `v` over `w[1 ...]`. `tau = 0` (and `beta = alpha`) when `x = 0`.
  @inline(__always)
  static func householder(_ w: UnsafeMutableBufferPointer<DoubleDouble>, count: Int) -> (beta: DoubleDouble, tau: DoubleDouble) {
    let alpha = w[0]
    let xnorm = count > 1 ? norm(w, from: 1, to: count) : .zero
    if xnorm.isZero { return (alpha, .zero) }
    let (beta, tau, d) = reflectorFromNorm(alpha: alpha, xnorm: xnorm)
    for r in 1..<count { w[r] = w[r] / d }
    return (beta, tau)
  }

  /// The reflector of `(alpha, x)` from `xnorm = |x|_2 > 0`: `beta = -sign(alpha)
  /// hypot(alpha, xnorm)`, `tau = (beta - alpha) / beta`, and the divisor `alpha - beta`
  /// of `v = x / (alpha - beta)`.
  @inline(__always)
  static func reflectorFromNorm(alpha: DoubleDouble, xnorm: DoubleDouble)
    -> (beta: DoubleDouble, tau: DoubleDouble, divisor: DoubleDouble)
  {
    let beta = -DoubleDouble.sign(DoubleDouble.hypot(alpha, xnorm), alpha)
    return (beta, (beta - alpha) / beta, alpha - beta)
  }

  // MARK: - Francis double-shift QR

  /// All eigenvalues of the upper Hessenberg `h` (destroyed) into `re`, `im`, Schur order
  /// (DLAHQR with WANTT = WANTZ = false). Returns the iterations spent.
  static func eigenvalues(_ h: DDMatrix, re: inout [DoubleDouble], im: inout [DoubleDouble]) throws(EigenError) -> Int {
    let n = h.n
    if n == 1 {
      re[0] = h[0, 0]
      im[0] = .zero
      return 0
    }
    let smlnum = smallNumber(n)
    let itmax = 30 * max(10, n)
    var kdefl = 0
    var total = 0
    var i = n - 1
    var v: (DoubleDouble, DoubleDouble, DoubleDouble) = (.zero, .zero, .zero)
    while i >= 0 {
      var l = 0
      var converged = false
      for _ in 0...itmax {
        // (Searching down to the last split only: a split above it was zeroed already.)
        l = deflationPoint(h, low: l, high: i, smlnum: smlnum)
        if l > 0 { h[l, l - 1] = .zero }
        if l >= i - 1 {
          converged = true
          break
        }
        kdefl += 1
        total += 1
        let shifts = shiftPair(h, l: l, i: i, kdefl: kdefl)
        let m = bulgeStart(h, l: l, i: i, shifts: shifts, v: &v)
        sweep(h, l: l, m: m, i: i, v: v)
      }
      guard converged else {
        throw .didNotConverge(iterations: total, converged: n - 1 - i)
      }
      if l == i {
        re[i] = h[i, i]
        im[i] = .zero
      } else {
        let e = standardize(h[i - 1, i - 1], h[i - 1, i], h[i, i - 1], h[i, i])
        (re[i - 1], im[i - 1], re[i], im[i]) = (e.rt1r, e.rt1i, e.rt2r, e.rt2i)
      }
      kdefl = 0
      i = l - 1
    }
    return total
  }

  /// The largest `k` in `low+1 ... high` whose subdiagonal `h[k, k-1]` is negligible (or
  /// `low`): `|h[k, k-1]| <= smlnum`, or the Ahues-Tisseur test
  ///
  ///     |h[k,k-1]| <= ulp (|h[k-1,k-1]| + |h[k,k]|)  and
  ///     ba (ab / s) <= max(smlnum, ulp bb (aa / s)),
  ///
  /// `ab, ba` the max and min of `|h[k,k-1]|, |h[k-1,k]|`, `aa, bb` of
  /// `|h[k,k]|, |h[k-1,k-1] - h[k,k]|`, `s = aa + ab`.
  static func deflationPoint(_ h: DDMatrix, low: Int, high: Int, smlnum: Double) -> Int {
    var k = high
    while k > low {
      let sub = abs(h[k, k - 1].hi)
      if sub <= smlnum { return k }
      var tst = abs(h[k - 1, k - 1].hi) + abs(h[k, k].hi)
      if tst == 0 {
        if k - 2 >= low { tst += abs(h[k - 1, k - 2].hi) }
        if k + 1 <= high { tst += abs(h[k + 1, k].hi) }
      }
      if sub <= ulp * tst {
        let sup = abs(h[k - 1, k].hi)
        let ab = max(sub, sup), ba = min(sub, sup)
        let diag = abs(h[k, k].hi), diff = abs((h[k - 1, k - 1] - h[k, k]).hi)
        let aa = max(diag, diff), bb = min(diag, diff)
        let s = aa + ab
        if ba * (ab / s) <= max(smlnum, ulp * (bb * (aa / s))) { return k }
      }
      k -= 1
    }
    return low
  }

  /// The shifts `(rt1r, rt1i, rt2r, rt2i)`: the eigenvalues of the trailing 2 x 2 block
  /// (both set to the one nearer `h[i, i]` when real, DLAHQR's choice), or after 10 (20)
  /// iterations without a deflation the exceptional block `[[0.75 s + h_kk, -0.4375 s],
  /// [s, 0.75 s + h_kk]]` at the top (bottom) of the active window, `s` the sum of two
  /// subdiagonal magnitudes there. The block is scaled by a power of two near
  /// `1 / (|h11| + |h12| + |h21| + |h22|)` (exact) and
  ///
  ///     tr = (h11 + h22) / 2,  det = (h11 - tr)(h22 - tr) - h12 h21,
  ///
  /// gives `tr +- i sqrt(det)` when `det >= 0`, else `tr +- sqrt(-det)`.
  static func shiftPair(_ h: DDMatrix, l: Int, i: Int, kdefl: Int)
    -> (rt1r: DoubleDouble, rt1i: DoubleDouble, rt2r: DoubleDouble, rt2i: DoubleDouble)
  {
    var h11: DoubleDouble, h12: DoubleDouble, h21: DoubleDouble, h22: DoubleDouble
    if kdefl % (2 * exceptionalShiftPeriod) == 0 {
      let s = abs(h[i, i - 1].hi) + abs(h[i - 1, i - 2].hi)
      h11 = h[i, i] + 0.75 * s
      (h12, h21, h22) = (DoubleDouble(-0.4375 * s), DoubleDouble(s), h11)
    } else if kdefl % exceptionalShiftPeriod == 0 {
      let s = abs(h[l + 1, l].hi) + abs(h[l + 2, l + 1].hi)
      h11 = h[l, l] + 0.75 * s
      (h12, h21, h22) = (DoubleDouble(-0.4375 * s), DoubleDouble(s), h11)
    } else {
      (h11, h12, h21, h22) = (h[i - 1, i - 1], h[i - 1, i], h[i, i - 1], h[i, i])
    }
    let s = abs(h11.hi) + abs(h12.hi) + abs(h21.hi) + abs(h22.hi)
    if s == 0 { return (.zero, .zero, .zero, .zero) }
    let e = Int(s.exponent)
    h11 = h11.scaled(byExponent: -e)
    h12 = h12.scaled(byExponent: -e)
    h21 = h21.scaled(byExponent: -e)
    h22 = h22.scaled(byExponent: -e)
    let tr = (h11 + h22) * 0.5
    let det = (h11 - tr) * (h22 - tr) - h12 * h21
    let rtdisc = det.magnitude.squareRoot()
    if det.hi >= 0 {
      let r = tr.scaled(byExponent: e), im = rtdisc.scaled(byExponent: e)
      return (r, im, r, -im)
    }
    let a = tr + rtdisc, b = tr - rtdisc
    let r = ((a - h22).magnitude <= (b - h22).magnitude ? a : b).scaled(byExponent: e)
    return (r, .zero, r, .zero)
  }

  /// The first column `v` of `(H - rt1) (H - rt2)` restricted to rows `m ... m+2`, for the
  /// lowest `m >= l` where the sweep may start (DLAHQR: two consecutive small
  /// subdiagonals, `|h[m,m-1]| (|v2| + |v3|) <= ulp |v1| (|h[m-1,m-1]| + |h[m,m]| + |h[m+1,m+1]|)`).
  /// With `h21s = h[m+1,m] / s`, `s = |h_mm - rt2r| + |rt2i| + |h[m+1,m]|` (as a power of two):
  ///
  ///     v1 = h21s h[m,m+1] + (h_mm - rt1r) ((h_mm - rt2r) / s) - rt1i (rt2i / s)
  ///     v2 = h21s (h_mm + h[m+1,m+1] - rt1r - rt2r)
  ///     v3 = h21s h[m+2,m+1]
  ///
  /// then scaled by a power of two near `1 / (|v1| + |v2| + |v3|)`.
  static func bulgeStart(
    _ h: DDMatrix, l: Int, i: Int,
    shifts: (rt1r: DoubleDouble, rt1i: DoubleDouble, rt2r: DoubleDouble, rt2i: DoubleDouble),
    v: inout (DoubleDouble, DoubleDouble, DoubleDouble)
  ) -> Int {
    let (rt1r, rt1i, rt2r, rt2i) = shifts
    var m = i - 2
    while true {
      let hmm = h[m, m]
      let d2 = hmm - rt2r
      let s = abs(d2.hi) + abs(rt2i.hi) + abs(h[m + 1, m].hi)
      let e = -Int(s.exponent)
      let h21s = h[m + 1, m].scaled(byExponent: e)
      var v1 = h21s * h[m, m + 1] + (hmm - rt1r) * d2.scaled(byExponent: e) - rt1i * rt2i.scaled(byExponent: e)
      var v2 = h21s * (hmm + h[m + 1, m + 1] - rt1r - rt2r)
      var v3 = h21s * h[m + 2, m + 1]
      let t = abs(v1.hi) + abs(v2.hi) + abs(v3.hi)
      if t > 0 {
        let f = -Int(t.exponent)
        (v1, v2, v3) = (v1.scaled(byExponent: f), v2.scaled(byExponent: f), v3.scaled(byExponent: f))
      }
      v = (v1, v2, v3)
      if m == l { return m }
      let h00 = abs(h[m, m - 1].hi) * (abs(v2.hi) + abs(v3.hi))
      let h01 = abs(v1.hi) * (abs(h[m - 1, m - 1].hi) + abs(hmm.hi) + abs(h[m + 1, m + 1].hi))
      if h00 <= ulp * h01 { return m }
      m -= 1
    }
  }

  /// One implicit double-shift sweep on the active window `l ... i`, starting at `m` with
  /// the bulge vector `v`: for `k = m ... i-1` a reflector of length `nr = min(3, i-k+1)`
  /// (DLARFG) chases the bulge one row down, applied to rows and columns of the window only
  /// (eigenvalues only). At `k = m > l`, `h[m, m-1]` is multiplied by `1 - tau` (DLAHQR's
  /// form, safe when `v2, v3` underflow).
  static func sweep(_ h: DDMatrix, l: Int, m: Int, i: Int, v: (DoubleDouble, DoubleDouble, DoubleDouble)) {
    var w = v
    for k in m..<i {
      let nr = min(3, i - k + 1)
      if k > m {
        w = (h[k, k - 1], h[k + 1, k - 1], nr == 3 ? h[k + 2, k - 1] : .zero)
      }
      let (beta, t1) = reflector3(&w, nr)
      if k > m {
        h[k, k - 1] = beta
        h[k + 1, k - 1] = .zero
        if k < i - 1 { h[k + 2, k - 1] = .zero }
      } else if m > l {
        h[k, k - 1] = h[k, k - 1] * (1 - t1)
      }
      if t1.isZero { continue }
      let v2 = w.1, t2 = t1 * v2
      if nr == 3 {
        let v3 = w.2, t3 = t1 * v3
        for j in k...i {
          let s = h[k, j] + v2 * h[k + 1, j] + v3 * h[k + 2, j]
          h[k, j] -= s * t1
          h[k + 1, j] -= s * t2
          h[k + 2, j] -= s * t3
        }
        for j in l...min(k + 3, i) {
          let s = h[j, k] + v2 * h[j, k + 1] + v3 * h[j, k + 2]
          h[j, k] -= s * t1
          h[j, k + 1] -= s * t2
          h[j, k + 2] -= s * t3
        }
      } else {
        for j in k...i {
          let s = h[k, j] + v2 * h[k + 1, j]
          h[k, j] -= s * t1
          h[k + 1, j] -= s * t2
        }
        for j in l...i {
          let s = h[j, k] + v2 * h[j, k + 1]
          h[j, k] -= s * t1
          h[j, k + 1] -= s * t2
        }
      }
    }
  }

  /// `householder` for a vector of length 2 or 3 held in a tuple: returns `(beta, tau)`
  /// and leaves `v = x / (alpha - beta)` in `w.1, w.2`.
  @inline(__always)
  static func reflector3(_ w: inout (DoubleDouble, DoubleDouble, DoubleDouble), _ nr: Int) -> (DoubleDouble, DoubleDouble) {
    let alpha = w.0
    let m = max(abs(w.1.hi), abs(w.2.hi))
    if m == 0 { return (alpha, .zero) }
    let e = Int(m.exponent)
    let x1 = w.1.scaled(byExponent: -e), x2 = w.2.scaled(byExponent: -e)
    let xnorm = (x1 * x1 + x2 * x2).squareRoot().scaled(byExponent: e)
    let (beta, tau, d) = reflectorFromNorm(alpha: alpha, xnorm: xnorm)
    w.1 = w.1 / d
    w.2 = nr == 3 ? w.2 / d : .zero
    return (beta, tau)
  }

  // MARK: - 2 x 2 blocks

  /// DLANV2's eigenvalues of `[[a, b], [c, d]]`, real ones exactly real.
  ///
  /// With `p = (a - d) / 2`, `bcmax = max(|b|, |c|)`, `bcmis = min(|b|, |c|) sign(b) sign(c)`,
  /// `scale = max(|p|, bcmax)`, `z = (p / scale) p + (bcmax / scale) bcmis`:
  /// - `z >= 4 epsilon`: real, `z' = p + sign(p) sqrt(scale) sqrt(z)`, eigenvalues
  ///   `d + z'` and `d - (bcmax / z') bcmis`;
  /// - otherwise a rotation `[[cs, -sn], [sn, cs]]` (`sigma = b + c`,
  ///   `tau = hypot(sigma, a - d)`, `cs = sqrt((1 + |sigma| / tau) / 2)`,
  ///   `sn = -(p / (tau cs)) sign(sigma)`) makes the diagonal equal to `t`; then off-diagonal
  ///   entries of equal sign give the real pair `t +- sqrt|b| sqrt|c|` and opposite signs the
  ///   complex pair `t +- i sqrt|b| sqrt|c|`.
  static func standardize(_ a0: DoubleDouble, _ b0: DoubleDouble, _ c0: DoubleDouble, _ d0: DoubleDouble)
    -> (rt1r: DoubleDouble, rt1i: DoubleDouble, rt2r: DoubleDouble, rt2i: DoubleDouble)
  {
    var (a, b, c, d) = (a0, b0, c0, d0)
    if c.isZero {
    } else if b.isZero {
      (a, d, b, c) = (d, a, -c, .zero)
    } else if (a - d).isZero && (b.hi.sign != c.hi.sign) {
    } else {
      let temp = a - d
      var p = temp * 0.5
      let bcmax = max(b.magnitude, c.magnitude)
      let bcmis = min(b.magnitude, c.magnitude) * (b.signOfHi * c.signOfHi)
      let scale = max(p.magnitude, bcmax)
      var z = (p / scale) * p + (bcmax / scale) * bcmis
      if z.hi >= 4 * DoubleDouble.epsilon {
        z = p + DoubleDouble.sign(scale.squareRoot() * z.squareRoot(), p)
        a = d + z
        d = d - (bcmax / z) * bcmis
        c = .zero
      } else {
        let sigma = b + c
        let tau = DoubleDouble.hypot(sigma, temp)
        let cs = ((1 + sigma.magnitude / tau) * 0.5).squareRoot()
        let sn = -(p / (tau * cs)) * sigma.signOfHi
        let aa = a * cs + b * sn, bb = b * cs - a * sn
        let cc = c * cs + d * sn, dd = d * cs - c * sn
        b = bb * cs + dd * sn
        c = cc * cs - aa * sn
        let t = ((aa * cs + cc * sn) + (dd * cs - bb * sn)) * 0.5
        (a, d) = (t, t)
        if !c.isZero {
          if !b.isZero {
            if b.hi.sign == c.hi.sign {
              p = DoubleDouble.sign(b.magnitude.squareRoot() * c.magnitude.squareRoot(), c)
              (a, d, c) = (t + p, t - p, .zero)
            }
          } else {
            (b, c) = (-c, .zero)
          }
        }
      }
    }
    if c.isZero { return (a, .zero, d, .zero) }
    let im = b.magnitude.squareRoot() * c.magnitude.squareRoot()
    return (a, im, d, -im)
  }
}
