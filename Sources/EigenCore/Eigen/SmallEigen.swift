// The small-order fast path of `EigenSolver.factor`: orders 1 ... `smallOrderLimit`.
//
// Same algorithm as the general path, stage by stage: DGEBAL balancing (permutations, then
// power-of-two scaling with row and column 2-norms), DGEHD2 Householder reduction to
// Hessenberg form, DLAHQR Francis double-shift QR with the Ahues-Tisseur deflation test,
// exceptional shifts, the same iteration bound, and DLANV2 standardisation of the 2 x 2
// blocks. It fills the same solver state (h = T, z = Schur vectors, wr/wi, dscale, swaps,
// ilo/ihi, scaleExponent, iterations), so eigenvectors, condition numbers and everything
// downstream work unchanged. What makes it faster:
// - one pointer acquisition per matrix, then kernels on raw pointers, generic over a
//   compile-time order (`SmallOrder`): one specialised copy per N, with the index arithmetic
//   and the loop bounds folded (a protocol with a static `n` rather than an integer generic
//   parameter, which needs macOS 26 where the package supports macOS 13);
// - Householder reflectors with a plain `sqrt(sum of squares)` whenever that sum is inside
//   [2^-900, 2^900] (nothing over- or underflows harmfully), the scaled DLARFG otherwise;
// - no division by the scale factors DLAHQR divides out of the shift block and of the first
//   column of the double-shift polynomial when those factors are inside [2^-400, 2^400]
//   (the products cannot then over- or underflow harmfully, and the reflector built from
//   the column is invariant under the scaling up to rounding); selects, not branches, for
//   the data-dependent choice of real or complex shifts;
// - N = 3 unrolled on local values; N = 1 and 2 closed forms;
// - balancing computes the max-norms, and runs the power-of-two loops, only for a row and
//   column whose 2-norms are more than a factor 2 apart (otherwise DGEBAL leaves them).
//
// It takes only "nice" inputs and returns nil for the others, which the general path
// then factors from scratch: a non-finite entry (so the error is the general path's), an
// entry above 2^400 or a largest entry below 2^-400 (the general path scales those), a
// balancing that spans more than `smallBalancingLimit` (the general path may then also try
// the unbalanced factorisation), and a QR iteration that does not converge (so the
// `didNotConverge` error, with its counts, is the general path's).

extension EigenSolver {
  /// Largest order the small path takes. Measured against the general path (cycles per
  /// matrix): 1.9x faster at N = 13, 1.3x at N = 16, the gain shrinking as the O(N^3) work
  /// takes over; 16 is also the fuzz target's largest order.
  static let smallOrderLimit = 16

  /// Balancing range `max d_i / min d_i` above which the small path hands the matrix to
  /// the general path.
  static let smallBalancingLimit: Double = 0x1p64

  /// Factors `a` (row-major, order `n <= smallOrderLimit`) on the small path and returns
  /// the number of QR iterations; the caller sets `n`, `iterations` and
  /// `hasSchurVectors`. nil (state unspecified, to be overwritten by the general path)
  /// when the input is not one the small path takes.
  mutating func factorSmall(
    _ a: UnsafeBufferPointer<Double>, n: Int, vectors: Bool, balance: Bool
  ) -> Int? {
    reserve(n)
    // The buffers leave self for the pointer work (no overlapping access), and come back.
    var hB: [Double] = [], zB: [Double] = [], wB: [Double] = [], dB: [Double] = []
    var saB: [Int] = [], sbB: [Int] = [], wrB: [Double] = [], wiB: [Double] = []
    swap(&hB, &h); swap(&zB, &z); swap(&wB, &work); swap(&dB, &dscale)
    swap(&saB, &swapA); swap(&sbB, &swapB); swap(&wrB, &wr); swap(&wiB, &wi)
    defer {
      swap(&hB, &h); swap(&zB, &z); swap(&wB, &work); swap(&dB, &dscale)
      swap(&saB, &swapA); swap(&sbB, &swapB); swap(&wrB, &wr); swap(&wiB, &wi)
    }
    var outcome: SmallOutcome? = nil
    hB.withUnsafeMutableBufferPointer { hb in
      zB.withUnsafeMutableBufferPointer { zb in
        wB.withUnsafeMutableBufferPointer { wb in
          dB.withUnsafeMutableBufferPointer { db in
            saB.withUnsafeMutableBufferPointer { sab in
              sbB.withUnsafeMutableBufferPointer { sbb in
                wrB.withUnsafeMutableBufferPointer { wrb in
                  wiB.withUnsafeMutableBufferPointer { wib in
                    let p = SmallBuffers(
                      a: a.baseAddress!, h: hb.baseAddress!, z: zb.baseAddress!, v: wb.baseAddress!,
                      d: db.baseAddress!, swapA: sab.baseAddress!, swapB: sbb.baseAddress!,
                      wr: wrb.baseAddress!, wi: wib.baseAddress!)
                    outcome = Self.smallDispatch(p, n: n, vectors: vectors, balance: balance)
                  }
                }
              }
            }
          }
        }
      }
    }
    guard let o = outcome else { return nil }
    ilo = o.ilo
    ihi = o.ihi
    swapCount = o.swaps
    scaleExponent = 0
    return o.iterations
  }

  /// One copy of the pipeline per order, each with `n` a compile-time constant.
  @inline(never)
  static func smallDispatch(_ p: SmallBuffers, n: Int, vectors: Bool, balance: Bool) -> SmallOutcome? {
    switch n {
    case 1: return small1(p)
    case 2: return small2(p, vectors: vectors, balance: balance)
    case 3: return small3(p, vectors: vectors, balance: balance)
    case 4: return smallPipeline(p, SmallOrder4.self, vectors: vectors, balance: balance)
    case 5: return smallPipeline(p, SmallOrder5.self, vectors: vectors, balance: balance)
    case 6: return smallPipeline(p, SmallOrder6.self, vectors: vectors, balance: balance)
    case 7: return smallPipeline(p, SmallOrder7.self, vectors: vectors, balance: balance)
    case 8: return smallPipeline(p, SmallOrder8.self, vectors: vectors, balance: balance)
    case 9: return smallPipeline(p, SmallOrder9.self, vectors: vectors, balance: balance)
    case 10: return smallPipeline(p, SmallOrder10.self, vectors: vectors, balance: balance)
    case 11: return smallPipeline(p, SmallOrder11.self, vectors: vectors, balance: balance)
    case 12: return smallPipeline(p, SmallOrder12.self, vectors: vectors, balance: balance)
    case 13: return smallPipeline(p, SmallOrder13.self, vectors: vectors, balance: balance)
    case 14: return smallPipeline(p, SmallOrder14.self, vectors: vectors, balance: balance)
    case 15: return smallPipeline(p, SmallOrder15.self, vectors: vectors, balance: balance)
    case 16: return smallPipeline(p, SmallOrder16.self, vectors: vectors, balance: balance)
    default: return nil
    }
  }

  // MARK: - Closed forms for N = 1 and N = 2

  /// N = 1: `T = [a]`, `Z = [1]`, `lambda = a`; nothing to balance (DGEBAL returns
  /// ilo = ihi = 1 without a swap), no iteration.
  @inline(__always)
  static func small1(_ p: SmallBuffers) -> SmallOutcome? {
    let x = p.a[0]
    let ax = abs(x)
    // Finite, and inside the range the general path would not rescale.
    guard ax <= 0x1p400, ax == 0 || ax >= 0x1p-400 else { return nil }
    p.h[0] = x
    p.z[0] = 1
    p.d[0] = 1
    p.wr[0] = x
    p.wi[0] = 0
    return SmallOutcome(ilo: 0, ihi: 0, swaps: 0, iterations: 0)
  }

  /// N = 2: balancing (which isolates a triangular matrix's eigenvalues by a swap), then
  /// the deflation test on `h21` and, when it is not negligible, the standardised block
  /// of DLANV2 with its rotation as the Schur vectors. No QR iteration.
  @inline(__always)
  static func small2(_ p: SmallBuffers, vectors: Bool, balance: Bool) -> SmallOutcome? {
    guard smallLoad(p, SmallOrder2.self) else { return nil }
    var ilo = 0, ihi = 1, swaps = 0
    if balance {
      guard let b = smallBalance(p, SmallOrder2.self) else { return nil }
      (ilo, ihi, swaps) = b
    } else {
      p.d[0] = 1
      p.d[1] = 1
    }
    let H = p.h, Z = p.z
    if vectors {
      Z[0] = 1
      Z[1] = 0
      Z[2] = 0
      Z[3] = 1
    }
    if ilo == ihi {
      // Triangular after the permutation: the eigenvalues are the diagonal.
      p.wr[0] = H[0]
      p.wi[0] = 0
      p.wr[1] = H[3]
      p.wi[1] = 0
      return SmallOutcome(ilo: ilo, ihi: ihi, swaps: swaps, iterations: 0)
    }
    // DLAHQR's deflation test at k = 1 (Ahues-Tisseur), nh = 2.
    if smallNegligible(H, n: 2, k: 1, ilo: 0, ihi: 1, smlnum: Machine.safmin * (2 / Machine.ulp)) {
      H[2] = 0
      p.wr[0] = H[0]
      p.wi[0] = 0
      p.wr[1] = H[3]
      p.wi[1] = 0
      return SmallOutcome(ilo: ilo, ihi: ihi, swaps: swaps, iterations: 0)
    }
    let blk = standardize2x2(H[0], H[1], H[2], H[3])
    H[0] = blk.a
    H[1] = blk.b
    H[2] = blk.c
    H[3] = blk.d
    p.wr[0] = blk.rt1r
    p.wi[0] = blk.rt1i
    p.wr[1] = blk.rt2r
    p.wi[1] = blk.rt2i
    if vectors {
      // Z = I with columns 0, 1 rotated as DLAHQR does it, row by row
      // (x, y) -> (cs x + sn y, cs y - sn x) (so that a zero keeps its sign).
      let cs = blk.cs, sn = blk.sn
      Z[0] = cs * 1 + sn * 0
      Z[1] = cs * 0 - sn * 1
      Z[2] = cs * 0 + sn * 1
      Z[3] = cs * 1 - sn * 0
    }
    return SmallOutcome(ilo: ilo, ihi: ihi, swaps: swaps, iterations: 0)
  }

  // MARK: - N = 3 unrolled

  /// N = 3: balancing, then, when no eigenvalue was isolated (ilo = 0, ihi = 2), the
  /// Hessenberg reflector and DLAHQR unrolled on 9 local values (18 with the Schur
  /// vectors), in the same order of operations as the generic kernels; otherwise the
  /// generic kernels.
  static func small3(_ p: SmallBuffers, vectors: Bool, balance: Bool) -> SmallOutcome? {
    guard smallLoad(p, SmallOrder3.self) else { return nil }
    var swaps = 0
    if balance {
      guard let (lo, hi, count) = smallBalance(p, SmallOrder3.self) else { return nil }
      if lo != 0 || hi != 2 {
        if vectors {
          for k in 0..<9 { p.z[k] = 0 }
          p.z[0] = 1
          p.z[4] = 1
          p.z[8] = 1
        }
        smallHessenberg(p, SmallOrder3.self, ilo: lo, ihi: hi, vectors: vectors)
        guard let its = smallFrancis(p, SmallOrder3.self, ilo: lo, ihi: hi, want: vectors) else { return nil }
        return SmallOutcome(ilo: lo, ihi: hi, swaps: count, iterations: its)
      }
      swaps = count
    } else {
      p.d[0] = 1
      p.d[1] = 1
      p.d[2] = 1
    }
    let H = p.h
    let (m, tau, v1) = smallHessenberg3(p)
    var h00 = m.h00, h01 = m.h01, h02 = m.h02
    var h10 = m.h10, h11 = m.h11, h12 = m.h12
    var h20 = 0.0, h21 = m.h21, h22 = m.h22
    var z00 = 1.0, z01 = 0.0, z02 = 0.0
    var z10 = 0.0, z11 = 1.0, z12 = 0.0
    var z20 = 0.0, z21 = 0.0, z22 = 1.0
    if vectors && tau != 0 {
      // The reflector from the right on Z = I: rows 0...2, columns 1, 2.
      smallReflect(&z01, &z02, v1: v1, tau: tau)
      smallReflect(&z11, &z12, v1: v1, tau: tau)
      smallReflect(&z21, &z22, v1: v1, tau: tau)
    }

    // DLAHQR, i = 2 and l = 0 (the only case with QR steps at N = 3; m = l = 0).
    let ulp = Machine.ulp
    let smlnum = Machine.safmin * (3 / ulp)
    let itmax = 30 * 10
    var total = 0, kdefl = 0
    var l = 0
    var its = 0
    var converged = false
    while its <= itmax {
      if smallNegligible(
        hkk1: h21, hk1k: h12, hkk: h22, hk1k1: h11, extra: abs(h10), smlnum: smlnum)
      {
        l = 2
      } else if smallNegligible(
        hkk1: h10, hk1k: h01, hkk: h11, hk1k1: h00, extra: abs(h21), smlnum: smlnum)
      {
        l = 1
      }
      if l > 0 {
        converged = true
        break
      }
      kdefl &+= 1
      total &+= 1
      var s11: Double, s12: Double, s21: Double, s22: Double
      if kdefl % 20 == 0 {
        let s = abs(h21) + abs(h10)
        s11 = 0.75 * s + h22
        s12 = -0.4375 * s
        s21 = s
        s22 = s11
      } else if kdefl % 10 == 0 {
        let s = abs(h10) + abs(h21)
        s11 = 0.75 * s + h00
        s12 = -0.4375 * s
        s21 = s
        s22 = s11
      } else {
        s11 = h11
        s21 = h21
        s12 = h12
        s22 = h22
      }
      let (rt1r, rt1i, rt2r, rt2i) = smallShifts(s11, s12, s21, s22)
      var (v0, v1, v2) = smallFirstColumn(
        hmm: h00, h1m: h10, hmm1: h01, hm1m1: h11, hm2m1: h21, rt1r: rt1r, rt1i: rt1i, rt2r: rt2r, rt2i: rt2i)
      // k = 0: the 3-entry reflector on rows and columns 0...2.
      do {
        let t1 = smallReflector3(alpha: &v0, x1: &v1, x2: &v2, count: 2, scratch: p.v)
        let w2 = v1, w3 = v2
        let t2 = t1 * w2, t3 = t1 * w3
        @inline(__always) func rows(_ a: inout Double, _ b: inout Double, _ c: inout Double) {
          let sum = a + w2 * b + w3 * c
          a -= sum * t1
          b -= sum * t2
          c -= sum * t3
        }
        rows(&h00, &h10, &h20)
        rows(&h01, &h11, &h21)
        rows(&h02, &h12, &h22)
        rows(&h00, &h01, &h02)
        rows(&h10, &h11, &h12)
        rows(&h20, &h21, &h22)
        if vectors {
          rows(&z00, &z01, &z02)
          rows(&z10, &z11, &z12)
          rows(&z20, &z21, &z22)
        }
      }
      // k = 1: the 2-entry reflector taking [h10; h20] to [beta; 0].
      do {
        var a = h10, x = h20, unused = 0.0
        let t1 = smallReflector3(alpha: &a, x1: &x, x2: &unused, count: 1, scratch: p.v)
        h10 = a
        h20 = 0
        let w2 = x
        let t2 = t1 * w2
        @inline(__always) func pair(_ a: inout Double, _ b: inout Double) {
          let sum = a + w2 * b
          a -= sum * t1
          b -= sum * t2
        }
        pair(&h11, &h21)
        pair(&h12, &h22)
        pair(&h01, &h02)
        pair(&h11, &h12)
        pair(&h21, &h22)
        if vectors {
          pair(&z01, &z02)
          pair(&z11, &z12)
          pair(&z21, &z22)
        }
      }
      its &+= 1
    }
    if !converged { return nil }
    let wr = p.wr, wi = p.wi
    if l == 2 {
      // h[2][2] deflated; then the leading 2 x 2 block (i = 1), which converges at once.
      h21 = 0
      wr[2] = h22
      wi[2] = 0
      if smallNegligible(hkk1: h10, hk1k: h01, hkk: h11, hk1k1: h00, extra: 0, smlnum: smlnum) {
        h10 = 0
        wr[1] = h11
        wi[1] = 0
        wr[0] = h00
        wi[0] = 0
      } else {
        let blk = standardize2x2(h00, h01, h10, h11)
        h00 = blk.a
        h01 = blk.b
        h10 = blk.c
        h11 = blk.d
        wr[0] = blk.rt1r
        wi[0] = blk.rt1i
        wr[1] = blk.rt2r
        wi[1] = blk.rt2i
        if vectors {
          let cs = blk.cs, sn = blk.sn
          rotatePair(cs, sn, &h02, &h12)
          rotatePair(cs, sn, &z00, &z01)
          rotatePair(cs, sn, &z10, &z11)
          rotatePair(cs, sn, &z20, &z21)
        }
      }
    } else {
      // h[1][0] deflated: the trailing 2 x 2 block, then h[0][0].
      h10 = 0
      let blk = standardize2x2(h11, h12, h21, h22)
      h11 = blk.a
      h12 = blk.b
      h21 = blk.c
      h22 = blk.d
      wr[1] = blk.rt1r
      wi[1] = blk.rt1i
      wr[2] = blk.rt2r
      wi[2] = blk.rt2i
      if vectors {
        let cs = blk.cs, sn = blk.sn
        rotatePair(cs, sn, &h01, &h02)
        rotatePair(cs, sn, &z01, &z02)
        rotatePair(cs, sn, &z11, &z12)
        rotatePair(cs, sn, &z21, &z22)
      }
      wr[0] = h00
      wi[0] = 0
    }
    H[0] = h00
    H[1] = h01
    H[2] = h02
    H[3] = h10
    H[4] = h11
    H[5] = h12
    H[6] = h20
    H[7] = h21
    H[8] = h22
    if vectors {
      let Z = p.z
      Z[0] = z00
      Z[1] = z01
      Z[2] = z02
      Z[3] = z10
      Z[4] = z11
      Z[5] = z12
      Z[6] = z20
      Z[7] = z21
      Z[8] = z22
    }
    return SmallOutcome(ilo: 0, ihi: 2, swaps: swaps, iterations: total)
  }

  /// N = 3's Hessenberg reduction (DGEHD2) of the balanced matrix in `p.h`: one reflector
  /// `I - tau [1; v1][1, v1]` taking `[h10; h20]` to `[beta; 0]`, applied from the right to
  /// columns 1, 2 and from the left to rows 1, 2. Returns the reduced matrix and the
  /// reflector (for the Schur vectors). The scalar small path and the order-3 lanes both
  /// reduce with it, so their matrices have the same bits.
  @inline(__always)
  static func smallHessenberg3(_ p: SmallBuffers) -> (h: Hessenberg3, tau: Double, v1: Double) {
    let H = p.h
    let h00 = H[0]
    var h01 = H[1], h02 = H[2]
    var h10 = H[3], h11 = H[4], h12 = H[5]
    var h21 = H[7], h22 = H[8]
    var alpha = h10, x = H[6], unused = 0.0
    let tau = smallReflector3(alpha: &alpha, x1: &x, x2: &unused, count: 1, scratch: p.v)
    h10 = alpha
    let v1 = x
    if tau != 0 {
      // From the right: rows 0...2, columns 1, 2.
      smallReflect(&h01, &h02, v1: v1, tau: tau)
      smallReflect(&h11, &h12, v1: v1, tau: tau)
      smallReflect(&h21, &h22, v1: v1, tau: tau)
      // From the left: rows 1, 2, columns 1, 2.
      smallReflect(&h11, &h21, v1: v1, tau: tau)
      smallReflect(&h12, &h22, v1: v1, tau: tau)
    }
    return (Hessenberg3(h00: h00, h01: h01, h02: h02, h10: h10, h11: h11, h12: h12, h21: h21, h22: h22), tau, v1)
  }

  /// The 2-entry reflector of `smallHessenberg3` on one pair:
  /// `s = (a + b v1) tau`, `a -= s`, `b -= s v1` (the same operations on a row pair from the
  /// left as on a column pair from the right; `b v1` and `v1 b` are the same product).
  @inline(__always)
  static func smallReflect(_ a: inout Double, _ b: inout Double, v1: Double, tau: Double) {
    let s = (a + b * v1) * tau
    a -= s
    b -= s * v1
  }

  /// DLAHQR's shifts from the 2 x 2 block `[h11 h12; h21 h22]` (the trailing block, or
  /// the exceptional one): its eigenvalues `(rt1r, rt1i, rt2r, rt2i)` when they are a
  /// complex pair, else twice the real one closer to `h22`. DLAHQR divides the block by
  /// `s = |h11| + |h12| + |h21| + |h22|` first against over- and underflow; that is only
  /// needed, and only done, when s is outside [2^-400, 2^400] (the products below then
  /// stay inside [2^-802, 2^802] up to negligible terms), which saves a division on the
  /// iteration's critical path. Shifts only steer the convergence; a difference in
  /// their last bits does not change the backward error.
  @inline(__always)
  static func smallShifts(
    _ h11: Double, _ h12: Double, _ h21: Double, _ h22: Double
  ) -> (Double, Double, Double, Double) {
    let s0 = abs(h11) + abs(h12) + abs(h21) + abs(h22)
    if s0 == 0 { return (0, 0, 0, 0) }
    var a = h11, b = h12, c = h21, d = h22
    var back = 1.0
    if !(s0 >= 0x1p-400 && s0 <= 0x1p400) {
      let r0 = 1 / s0
      a *= r0
      c *= r0
      b *= r0
      d *= r0
      back = s0
    }
    let tr = (a + d) * 0.5
    let det = (a - tr) * (d - tr) - b * c
    let rtdisc = abs(det).squareRoot()
    // det >= 0: the complex pair tr +- i rtdisc; else both shifts are the real
    // eigenvalue closer to d. Selects rather than branches (the sign of det is
    // data-dependent).
    let up = tr + rtdisc, down = tr - rtdisc
    let closer = abs(up - d) <= abs(down - d) ? up : down
    let complexPair = det >= 0
    let rt1r = (complexPair ? tr : closer) * back
    let rt1i = complexPair ? rtdisc * back : 0
    return (rt1r, rt1i, rt1r, -rt1i)
  }

  /// A multiple of the first column of `(H - s1)(H - s2)` at row m (DLAHQR):
  /// `[h_mm^2 + h_m,m+1 h_m+1,m - ..., h_m+1,m (h_mm + h_m+1,m+1 - s1 - s2), h_m+1,m h_m+2,m+1]`.
  /// DLAHQR scales twice (by `s = |h_mm - s2| + |Im s2| + |h_m+1,m|`, then by the
  /// 1-norm of the result) against over- and underflow; the reflector made from it and
  /// the two-small-subdiagonals test are invariant under scaling, so each scaling is
  /// done only when its scale is outside [2^-400, 2^400].
  @inline(__always)
  static func smallFirstColumn(
    hmm: Double, h1m: Double, hmm1: Double, hm1m1: Double, hm2m1: Double,
    rt1r: Double, rt1i: Double, rt2r: Double, rt2i: Double
  ) -> (Double, Double, Double) {
    let s = abs(hmm - rt2r) + abs(rt2i) + abs(h1m)
    var v0: Double, v1: Double, v2: Double
    if s >= 0x1p-400 && s <= 0x1p400 {
      v0 = h1m * hmm1 + (hmm - rt1r) * (hmm - rt2r) - rt1i * rt2i
      v1 = h1m * (hmm + hm1m1 - rt1r - rt2r)
      v2 = h1m * hm2m1
    } else {
      // s >= |h_m+1,m| > smlnum: 1/s is finite.
      let rs = 1 / s
      let h21s = h1m * rs
      v0 = h21s * hmm1 + (hmm - rt1r) * ((hmm - rt2r) * rs) - rt1i * (rt2i * rs)
      v1 = h21s * (hmm + hm1m1 - rt1r - rt2r)
      v2 = h21s * hm2m1
    }
    let sv = abs(v0) + abs(v1) + abs(v2)
    if !(sv >= 0x1p-400 && sv <= 0x1p400) {
      v0 /= sv
      v1 /= sv
      v2 /= sv
    }
    return (v0, v1, v2)
  }

  /// DLAHQR's test of whether the subdiagonal entry `hkk1 = h[k][k-1]` is negligible
  /// (Ahues-Tisseur), on values: `hk1k = h[k-1][k]`, `hkk = h[k][k]`,
  /// `hk1k1 = h[k-1][k-1]`, and `extra` the neighbours' |h[k-1][k-2]| + |h[k+1][k]|
  /// that DLAHQR adds when the diagonal pair is 0.
  @inline(__always)
  static func smallNegligible(
    hkk1 h: Double, hk1k: Double, hkk: Double, hk1k1: Double, extra: Double, smlnum: Double
  ) -> Bool {
    let ulp = Machine.ulp
    let hkk1 = abs(h)
    if hkk1 <= smlnum { return true }
    var tst = abs(hk1k1) + abs(hkk)
    if tst == 0 { tst += extra }
    if hkk1 > ulp * tst { return false }
    let b = abs(hk1k)
    let ab = max(hkk1, b)
    let ba = min(hkk1, b)
    let dkk = abs(hkk)
    let diff = abs(hk1k1 - hkk)
    let aa = max(dkk, diff)
    let bb = min(dkk, diff)
    let s = aa + ab
    return ba * (ab / s) <= max(smlnum, ulp * (bb * (aa / s)))
  }

  // MARK: - The pipeline for 3 <= N <= smallOrderLimit

  static func smallPipeline<O: SmallOrder>(
    _ p: SmallBuffers, _: O.Type, vectors: Bool, balance: Bool
  ) -> SmallOutcome? {
    let n = O.n
    guard smallLoad(p, O.self) else { return nil }
    var ilo = 0, ihi = n - 1, swaps = 0
    if balance {
      guard let b = smallBalance(p, O.self) else { return nil }
      (ilo, ihi, swaps) = b
    } else {
      for i in 0..<n { p.d[i] = 1 }
    }
    if vectors {
      let Z = p.z
      for k in 0..<(n * n) { Z[k] = 0 }
      for i in 0..<n { Z[i &* n &+ i] = 1 }
    }
    smallHessenberg(p, O.self, ilo: ilo, ihi: ihi, vectors: vectors)
    guard let its = smallFrancis(p, O.self, ilo: ilo, ihi: ihi, want: vectors) else { return nil }
    return SmallOutcome(ilo: ilo, ihi: ihi, swaps: swaps, iterations: its)
  }

  /// Copies the input into H; `false` when an entry is not finite or above 2^400, the
  /// largest is below 2^-400 and not 0, or the nonzero entries span more than 2^600 (the
  /// general path scales those, see `factor`, or rejects them).
  @inline(__always)
  static func smallLoad<O: SmallOrder>(_ p: SmallBuffers, _: O.Type) -> Bool {
    let n = O.n
    var maxAbs = 0.0
    var minAbs = Double.infinity
    for k in 0..<(n * n) {
      let x = p.a[k]
      let ax = abs(x)
      // Also false for NaN.
      if !(ax <= 0x1p400) { return false }
      if ax > maxAbs { maxAbs = ax }
      if ax != 0 && ax < minAbs { minAbs = ax }
      p.h[k] = x
    }
    return maxAbs == 0 || (maxAbs >= 0x1p-400 && minAbs >= maxAbs * 0x1p-600)
  }

  // MARK: Balancing (DGEBAL 'B')

  /// DGEBAL on H as the general path does it; returns (ilo, ihi, swaps), or nil when the
  /// scale factors span more than `smallBalancingLimit`.
  static func smallBalance<O: SmallOrder>(_ p: SmallBuffers, _: O.Type) -> (Int, Int, Int)? {
    let n = O.n
    let H = p.h, d = p.d
    for i in 0..<n { d[i] = 1 }
    var swaps = 0
    var k = 0
    var l = n &- 1
    @inline(__always) func swap(_ i: Int, _ j: Int) {
      if i != j {
        for c in 0..<n {
          let t = H[i &* n &+ c]
          H[i &* n &+ c] = H[j &* n &+ c]
          H[j &* n &+ c] = t
        }
        for r in 0..<n {
          let t = H[r &* n &+ i]
          H[r &* n &+ i] = H[r &* n &+ j]
          H[r &* n &+ j] = t
        }
      }
      p.swapA[swaps] = i
      p.swapB[swaps] = j
      swaps &+= 1
    }
    // Rows isolating an eigenvalue go to the bottom (at most n passes).
    var searching = true
    rowSearch: while searching {
      searching = false
      var i = l
      while i >= 0 {
        var isolated = true
        var j = 0
        while j <= l {
          if j != i && H[i &* n &+ j] != 0 {
            isolated = false
            break
          }
          j &+= 1
        }
        if isolated {
          swap(l, i)
          if l == 0 { break rowSearch }
          l &-= 1
          searching = true
          break
        }
        i &-= 1
      }
    }
    // Columns isolating an eigenvalue go to the top.
    searching = l > 0
    while searching {
      searching = false
      var j = k
      while j <= l {
        var isolated = true
        var i = k
        while i <= l {
          if i != j && H[i &* n &+ j] != 0 {
            isolated = false
            break
          }
          i &+= 1
        }
        if isolated {
          swap(k, j)
          k &+= 1
          searching = k < l
          break
        }
        j &+= 1
      }
    }
    if k >= l { return (k, max(k, l), swaps) }
    // Power-of-two scaling with the 2-norms of row and column i within k...l.
    let sclfac = 2.0, factor = 0.95
    let sfmin1 = Machine.safmin / Machine.ulp
    let sfmax1 = 1 / sfmin1
    let sfmin2 = sfmin1 * sclfac
    let sfmax2 = 1 / sfmin2
    var sweeps = 0
    var noconv = true
    while noconv && sweeps < 200 {
      noconv = false
      sweeps &+= 1
      for i in k...l {
        var csq = 0.0, rsq = 0.0
        for j in k...l {
          let cv = H[j &* n &+ i], rv = H[i &* n &+ j]
          csq += cv * cv
          rsq += rv * rv
        }
        let plain = csq >= 0x1p-900 && csq <= 0x1p900 && rsq >= 0x1p-900 && rsq <= 0x1p900
        // Squares within a factor 4 of each other (with a margin for the rounding of
        // the square roots): the test below would skip this i, so skip it now, without
        // the square roots. (c = fl(sqrt(csq)) is monotone in csq and commutes with
        // the power-of-two factors.)
        if plain && csq >= 0.25 * rsq && 0.25 * csq < rsq * (1 - 0x1p-40) { continue }
        var c = csq.squareRoot(), r = rsq.squareRoot()
        if !plain {
          var cs = ScaledSumOfSquares(), rs = ScaledSumOfSquares()
          for j in k...l {
            cs.add(H[j &* n &+ i])
            rs.add(H[i &* n &+ j])
          }
          c = cs.norm
          r = rs.norm
        }
        if c == 0 || r == 0 { continue }
        // DGEBAL leaves row and column i when neither power-of-two loop below would
        // run: then f = 1 and c + r = s >= 0.95 s.
        if !(c < r / sclfac) && !(c / sclfac >= r) { continue }
        var ca = 0.0
        for j in 0...l { ca = max(ca, abs(H[j &* n &+ i])) }
        var ra = 0.0
        for j in k..<n { ra = max(ra, abs(H[i &* n &+ j])) }
        var g = r / sclfac
        var f = 1.0
        let s = c + r
        var guardLoop = 0
        while c < g && max(f, max(c, ca)) < sfmax2 && min(r, min(g, ra)) > sfmin2 && guardLoop < 2100 {
          f *= sclfac
          c *= sclfac
          ca *= sclfac
          r /= sclfac
          g /= sclfac
          ra /= sclfac
          guardLoop &+= 1
        }
        g = c / sclfac
        while g >= r && max(r, ra) < sfmax2 && min(min(f, c), min(g, ca)) > sfmin2 && guardLoop < 4200 {
          f /= sclfac
          c /= sclfac
          g /= sclfac
          ca /= sclfac
          r *= sclfac
          ra *= sclfac
          guardLoop &+= 1
        }
        if c + r >= factor * s { continue }
        if f < 1 && d[i] < 1 && f * d[i] <= sfmin1 { continue }
        if f > 1 && d[i] > 1 && d[i] >= sfmax1 / f { continue }
        let gi = 1 / f
        d[i] *= f
        noconv = true
        for j in k..<n { H[i &* n &+ j] *= gi }
        for j in 0...l { H[j &* n &+ i] *= f }
      }
    }
    var lo = d[0], hi = d[0]
    for i in 1..<n {
      lo = min(lo, d[i])
      hi = max(hi, d[i])
    }
    if hi / lo > smallBalancingLimit { return nil }
    return (k, l, swaps)
  }

  // MARK: Householder reflectors (DLARFG)

  /// DLARFG on `[alpha; x]`, `x` = `count` values at `x[0], x[stride], ...`:
  /// `H = I - tau [1; v][1, v^T]` with `H [alpha; x] = [beta; 0]`; `alpha` becomes beta,
  /// `x` becomes v; returns tau. Plain `beta = -sign(alpha) sqrt(alpha^2 + |x|^2)` when
  /// `|x|^2` is in [2^-900, 2^900] and `alpha^2 + |x|^2 <= 2^900` (then |beta| >= 2^-450:
  /// no rescaling), else the scaled form.
  @inline(__always)
  static func smallReflector(
    alpha: inout Double, x: UnsafeMutablePointer<Double>, count: Int, stride: Int
  ) -> Double {
    var ssq = 0.0
    for k in 0..<count {
      let xk = x[k &* stride]
      ssq += xk * xk
    }
    let total = alpha * alpha + ssq
    guard ssq >= 0x1p-900 && total <= 0x1p900 else {
      return scaledReflector(alpha: &alpha, x: x, count: count, stride: stride)
    }
    // -sign(alpha) sqrt(total), without a branch on the sign.
    let beta = -Double(signOf: alpha, magnitudeOf: total.squareRoot())
    let tau = (beta - alpha) / beta
    let f = 1 / (alpha - beta)
    for k in 0..<count { x[k &* stride] *= f }
    alpha = beta
    return tau
  }

  /// The bulge chase's reflector on `[alpha; x1]` or `[alpha; x1; x2]` (`count` 1 or 2)
  /// held in registers; as `smallReflector`.
  @inline(__always)
  static func smallReflector3(
    alpha: inout Double, x1: inout Double, x2: inout Double, count: Int, scratch: UnsafeMutablePointer<Double>
  ) -> Double {
    let ssq = count == 2 ? x1 * x1 + x2 * x2 : x1 * x1
    let total = alpha * alpha + ssq
    guard ssq >= 0x1p-900 && total <= 0x1p900 else {
      scratch[0] = x1
      scratch[1] = x2
      let tau = scaledReflector(alpha: &alpha, x: scratch, count: count, stride: 1)
      x1 = scratch[0]
      if count == 2 { x2 = scratch[1] }
      return tau
    }
    // -sign(alpha) sqrt(total), without a branch on the sign.
    let beta = -Double(signOf: alpha, magnitudeOf: total.squareRoot())
    let tau = (beta - alpha) / beta
    let f = 1 / (alpha - beta)
    x1 *= f
    x2 *= f
    alpha = beta
    return tau
  }

  /// The general path's DLARFG (`householder`: scaled norm, rescaling of a tiny beta) for
  /// the inputs the plain form does not take, kept out of line so that the specialised
  /// kernels do not carry a copy of this cold path.
  @inline(never)
  static func scaledReflector(
    alpha: inout Double, x: UnsafeMutablePointer<Double>, count: Int, stride: Int
  ) -> Double {
    householder(alpha: &alpha, x: x, count: count, stride: stride)
  }

  // MARK: Hessenberg reduction (DGEHD2)

  static func smallHessenberg<O: SmallOrder>(_ p: SmallBuffers, _: O.Type, ilo: Int, ihi: Int, vectors: Bool) {
    let n = O.n
    if ihi &- ilo < 2 { return }
    let H = p.h, Z = p.z, v = p.v
    for i in ilo..<(ihi &- 1) {
      var alpha = H[(i &+ 1) &* n &+ i]
      let m = ihi &- i  // length of v = [1; x]
      let tau = smallReflector(alpha: &alpha, x: H + ((i &+ 2) &* n &+ i), count: m &- 1, stride: n)
      v[0] = 1
      for k in 1..<m {
        let at = (i &+ 1 &+ k) &* n &+ i
        v[k] = H[at]
        H[at] = 0
      }
      H[(i &+ 1) &* n &+ i] = alpha
      if tau == 0 { continue }
      // From the right: rows 0...ihi, columns i+1...ihi.
      for r in 0...ihi {
        let row = H + (r &* n &+ i &+ 1)
        var s = 0.0
        for k in 0..<m { s += row[k] * v[k] }
        s *= tau
        for k in 0..<m { row[k] -= s * v[k] }
      }
      // From the left: rows i+1...ihi, columns i+1..<n.
      let top = H + (i &+ 1) &* n
      for c in (i &+ 1)..<n {
        var s = 0.0
        for k in 0..<m { s += v[k] * top[k &* n &+ c] }
        s *= tau
        for k in 0..<m { top[k &* n &+ c] -= s * v[k] }
      }
      if vectors {
        for r in ilo...ihi {
          let row = Z + (r &* n &+ i &+ 1)
          var s = 0.0
          for k in 0..<m { s += row[k] * v[k] }
          s *= tau
          for k in 0..<m { row[k] -= s * v[k] }
        }
      }
    }
  }

  // MARK: Francis double-shift QR (DLAHQR)

  /// DLAHQR's test of whether `h[k][k-1]` is negligible (Ahues-Tisseur), on the matrix.
  @inline(__always)
  static func smallNegligible(
    _ H: UnsafeMutablePointer<Double>, n: Int, k: Int, ilo: Int, ihi: Int, smlnum: Double
  ) -> Bool {
    let hkk = H[k &* n &+ k], hk1k1 = H[(k &- 1) &* n &+ k &- 1]
    // The neighbours count only when the diagonal pair is 0 (then |hk1k1| + |hkk| = 0).
    var extra = 0.0
    if hkk == 0 && hk1k1 == 0 {
      if k &- 2 >= ilo { extra += abs(H[(k &- 1) &* n &+ k &- 2]) }
      if k &+ 1 <= ihi { extra += abs(H[(k &+ 1) &* n &+ k]) }
    }
    return smallNegligible(
      hkk1: H[k &* n &+ k &- 1], hk1k: H[(k &- 1) &* n &+ k], hkk: hkk, hk1k1: hk1k1, extra: extra,
      smlnum: smlnum)
  }

  /// DLAHQR on rows and columns ilo...ihi; with `want` the full Schur form T and the Schur
  /// vectors (wantT = wantZ), else only the eigenvalues. Returns the number of QR
  /// iterations, or nil when an eigenvalue does not converge within `30 max(10, nh)`.
  static func smallFrancis<O: SmallOrder>(_ p: SmallBuffers, _: O.Type, ilo: Int, ihi: Int, want: Bool) -> Int? {
    let n = O.n
    let H = p.h, Z = p.z, wr = p.wr, wi = p.wi
    @inline(__always) func at(_ i: Int, _ j: Int) -> Double { H[i &* n &+ j] }
    for i in 0..<n where i < ilo || i > ihi {
      wr[i] = at(i, i)
      wi[i] = 0
    }
    if ilo == ihi {
      wr[ilo] = at(ilo, ilo)
      wi[ilo] = 0
      return 0
    }
    if ihi &- ilo >= 3 {
      for j in ilo...(ihi &- 3) {
        H[(j &+ 2) &* n &+ j] = 0
        H[(j &+ 3) &* n &+ j] = 0
      }
    }
    if ilo <= ihi &- 2 { H[ihi &* n &+ ihi &- 2] = 0 }

    let nh = ihi &- ilo &+ 1
    let ulp = Machine.ulp
    let smlnum = Machine.safmin * (Double(nh) / ulp)
    let itmax = 30 &* max(10, nh)
    let kexsh = 10
    let dat1 = 0.75, dat2 = -0.4375
    var total = 0
    var kdefl = 0
    var i = ihi
    var i1 = 0, i2 = n &- 1

    while i >= ilo {
      var l = ilo
      var converged = false
      var its = 0
      while its <= itmax {
        var k = i
        while k > l {
          if smallNegligible(H, n: n, k: k, ilo: ilo, ihi: ihi, smlnum: smlnum) { break }
          k &-= 1
        }
        l = k
        if l > ilo { H[l &* n &+ l &- 1] = 0 }
        if l >= i &- 1 {
          converged = true
          break
        }
        kdefl &+= 1
        total &+= 1
        if !want {
          i1 = l
          i2 = i
        }
        // The shifts: eigenvalues of the trailing 2 x 2 block, or exceptional ones.
        var h11: Double, h12: Double, h21: Double, h22: Double
        if kdefl % (2 &* kexsh) == 0 {
          let s = abs(at(i, i &- 1)) + abs(at(i &- 1, i &- 2))
          h11 = dat1 * s + at(i, i)
          h12 = dat2 * s
          h21 = s
          h22 = h11
        } else if kdefl % kexsh == 0 {
          let s = abs(at(l &+ 1, l)) + abs(at(l &+ 2, l &+ 1))
          h11 = dat1 * s + at(l, l)
          h12 = dat2 * s
          h21 = s
          h22 = h11
        } else {
          h11 = at(i &- 1, i &- 1)
          h21 = at(i, i &- 1)
          h12 = at(i &- 1, i)
          h22 = at(i, i)
        }
        let (rt1r, rt1i, rt2r, rt2i) = smallShifts(h11, h12, h21, h22)
        // Two consecutive small subdiagonal entries: the first column of the shift
        // polynomial, (H - s1)(H - s2) e_m, scaled.
        var m = i &- 2
        var v0 = 0.0, v1 = 0.0, v2 = 0.0
        while true {
          let hmm = at(m, m)
          (v0, v1, v2) = smallFirstColumn(
            hmm: hmm, h1m: at(m &+ 1, m), hmm1: at(m, m &+ 1), hm1m1: at(m &+ 1, m &+ 1),
            hm2m1: at(m &+ 2, m &+ 1), rt1r: rt1r, rt1i: rt1i, rt2r: rt2r, rt2i: rt2i)
          if m == l { break }
          let h00 = abs(at(m, m &- 1)) * (abs(v1) + abs(v2))
          let h01 = ulp * abs(v0) * (abs(at(m &- 1, m &- 1)) + abs(hmm) + abs(at(m &+ 1, m &+ 1)))
          if h00 <= h01 { break }
          m &-= 1
        }
        // The double-shift QR sweep: chase the bulge from column m to the bottom.
        for k in m...(i &- 1) {
          let nr = min(3, i &- k &+ 1)
          if k > m {
            v0 = at(k, k &- 1)
            v1 = at(k &+ 1, k &- 1)
            if nr == 3 { v2 = at(k &+ 2, k &- 1) }
          }
          let t1 = smallReflector3(alpha: &v0, x1: &v1, x2: &v2, count: nr &- 1, scratch: p.v)
          if k > m {
            H[k &* n &+ k &- 1] = v0
            H[(k &+ 1) &* n &+ k &- 1] = 0
            if k < i &- 1 { H[(k &+ 2) &* n &+ k &- 1] = 0 }
          } else if m > l {
            // Avoids a bug when v1 and v2 underflow (LAPACK).
            H[k &* n &+ k &- 1] *= (1 - t1)
          }
          let w2 = v1
          let t2 = t1 * w2
          if nr == 3 {
            let w3 = v2
            let t3 = t1 * w3
            let r0 = H + (k &* n), r1 = r0 + n, r2 = r1 + n
            for j in k...i2 {
              let sum = r0[j] + w2 * r1[j] + w3 * r2[j]
              r0[j] -= sum * t1
              r1[j] -= sum * t2
              r2[j] -= sum * t3
            }
            // Bottom row first: rows k+1...k+3 feed the next reflector, so they go
            // first into the pipeline (the rows are independent: same results).
            var j = min(k &+ 3, i)
            while j >= i1 {
              let row = H + (j &* n &+ k)
              let sum = row[0] + w2 * row[1] + w3 * row[2]
              row[0] -= sum * t1
              row[1] -= sum * t2
              row[2] -= sum * t3
              j &-= 1
            }
            if want {
              for j in ilo...ihi {
                let row = Z + (j &* n &+ k)
                let sum = row[0] + w2 * row[1] + w3 * row[2]
                row[0] -= sum * t1
                row[1] -= sum * t2
                row[2] -= sum * t3
              }
            }
          } else if nr == 2 {
            let r0 = H + (k &* n), r1 = r0 + n
            for j in k...i2 {
              let sum = r0[j] + w2 * r1[j]
              r0[j] -= sum * t1
              r1[j] -= sum * t2
            }
            var j = i
            while j >= i1 {
              let row = H + (j &* n &+ k)
              let sum = row[0] + w2 * row[1]
              row[0] -= sum * t1
              row[1] -= sum * t2
              j &-= 1
            }
            if want {
              for j in ilo...ihi {
                let row = Z + (j &* n &+ k)
                let sum = row[0] + w2 * row[1]
                row[0] -= sum * t1
                row[1] -= sum * t2
              }
            }
          }
        }
        its &+= 1
      }
      if !converged { return nil }
      if l == i {
        wr[i] = at(i, i)
        wi[i] = 0
      } else if l == i &- 1 {
        let blk = standardize2x2(at(i &- 1, i &- 1), at(i &- 1, i), at(i, i &- 1), at(i, i))
        H[(i &- 1) &* n &+ i &- 1] = blk.a
        H[(i &- 1) &* n &+ i] = blk.b
        H[i &* n &+ i &- 1] = blk.c
        H[i &* n &+ i] = blk.d
        wr[i &- 1] = blk.rt1r
        wi[i &- 1] = blk.rt1i
        wr[i] = blk.rt2r
        wi[i] = blk.rt2i
        if want {
          let cs = blk.cs, sn = blk.sn
          // Rows i-1, i of columns i+1..<n.
          var j = i &+ 1
          while j < n {
            let x = at(i &- 1, j), y = at(i, j)
            H[(i &- 1) &* n &+ j] = cs * x + sn * y
            H[i &* n &+ j] = cs * y - sn * x
            j &+= 1
          }
          // Columns i-1, i of rows 0..<i-1.
          j = 0
          while j < i &- 1 {
            let x = at(j, i &- 1), y = at(j, i)
            H[j &* n &+ i &- 1] = cs * x + sn * y
            H[j &* n &+ i] = cs * y - sn * x
            j &+= 1
          }
          for r in ilo...ihi {
            let x = Z[r &* n &+ i &- 1], y = Z[r &* n &+ i]
            Z[r &* n &+ i &- 1] = cs * x + sn * y
            Z[r &* n &+ i] = cs * y - sn * x
          }
        }
      }
      kdefl = 0
      i = l &- 1
    }
    return total
  }
}

/// A matrix order known at compile time: the small path's kernels are generic over it,
/// so that each order gets its own specialised copy with constant loop bounds.
protocol SmallOrder {
  static var n: Int { get }
}
enum SmallOrder2: SmallOrder { static var n: Int { 2 } }
enum SmallOrder3: SmallOrder { static var n: Int { 3 } }
enum SmallOrder4: SmallOrder { static var n: Int { 4 } }
enum SmallOrder5: SmallOrder { static var n: Int { 5 } }
enum SmallOrder6: SmallOrder { static var n: Int { 6 } }
enum SmallOrder7: SmallOrder { static var n: Int { 7 } }
enum SmallOrder8: SmallOrder { static var n: Int { 8 } }
enum SmallOrder9: SmallOrder { static var n: Int { 9 } }
enum SmallOrder10: SmallOrder { static var n: Int { 10 } }
enum SmallOrder11: SmallOrder { static var n: Int { 11 } }
enum SmallOrder12: SmallOrder { static var n: Int { 12 } }
enum SmallOrder13: SmallOrder { static var n: Int { 13 } }
enum SmallOrder14: SmallOrder { static var n: Int { 14 } }
enum SmallOrder15: SmallOrder { static var n: Int { 15 } }
enum SmallOrder16: SmallOrder { static var n: Int { 16 } }

/// The solver's buffers as raw pointers, for the small path's kernels.
struct SmallBuffers {
  let a: UnsafePointer<Double>
  let h: UnsafeMutablePointer<Double>
  let z: UnsafeMutablePointer<Double>
  /// Scratch of at least n + 2 entries.
  let v: UnsafeMutablePointer<Double>
  let d: UnsafeMutablePointer<Double>
  let swapA: UnsafeMutablePointer<Int>
  let swapB: UnsafeMutablePointer<Int>
  let wr: UnsafeMutablePointer<Double>
  let wi: UnsafeMutablePointer<Double>
}

/// What the small path found besides the buffers.
struct SmallOutcome {
  var ilo: Int
  var ihi: Int
  var swaps: Int
  var iterations: Int
}

/// Applies the plane rotation of a standardised 2 x 2 block to a pair of entries:
/// `(x, y) <- (cs x + sn y, cs y - sn x)` (DLANV2's rotation, as DROT applies it).
@inline(__always)
func rotatePair(_ cs: Double, _ sn: Double, _ x: inout Double, _ y: inout Double) {
  let a = x, b = y
  x = cs * a + sn * b
  y = cs * b - sn * a
}
