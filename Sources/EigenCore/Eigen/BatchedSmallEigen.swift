// Eigenvalues of a batch of small matrices of one order, several at a time across SIMD lanes.
//
// One matrix's QR iteration is a chain of dependent square roots and divisions (each
// reflector needs the previous step's bulge, each shift the previous sweep): the small path
// (SmallEigen.swift) spends most of its time waiting for that chain at N = 3 ... 8. Here
// `V.scalarCount` matrices of a batch run the same algorithm side by side, lane j of every
// `V` holding matrix j of the group, so that the chains of the lanes overlap.
//
// The algorithm of each lane is the small path's, operation for operation: DGEBAL balancing
// (done per lane with the small path's own code), DGEHD2 Householder reduction, DLAHQR with
// the Ahues-Tisseur deflation test, exceptional shifts, `30 max(10, n)` iterations per
// eigenvalue window, and DLANV2 for the 2 x 2 blocks. Every lane has its own active window
// `[l, i]`, iteration counts and shifts; a step of the bulge chase at row k updates a lane
// only where that lane's own sweep covers k (a select, so a lane outside its sweep keeps its
// bits exactly). Rows and columns are updated over the union of the lanes' windows: a lane
// then also changes entries right of or above its own window (or zeros below it, which stay
// zero), entries DLAHQR never reads again for the eigenvalues (later windows lie above and
// left of the current one). So a lane's eigenvalues depend on its own matrix only: the same
// bits whatever the other matrices of the batch, and whatever the batch's size.
//
// The lanes do take the same floating-point operations in the same order as the small path
// on the window entries, so the eigenvalues agree with `EigenSolver.factor` bit for bit
// wherever the small path takes the matrix; where the small path unrolls N = 3 (`small3`) the
// operations are the same too. They may move in the last bits against the general path (for
// matrices the small path hands on, see there), never beyond the backward-error bound.
//
// Lanes that need the general path's care go to a scalar `EigenSolver` (which takes its
// small path or the general one, with the same errors): an entry that is not finite, above
// 2^400, a largest entry below 2^-400 or a span past 2^600 (the general path scales those),
// balancing that isolates an eigenvalue by a permutation (a tiny block) or spans more than
// `smallBalancingLimit`, a reflector whose norm needs DLARFG's scaling is done per lane with
// the general path's `householder`, and an eigenvalue window that does not converge within
// the iteration bound (the general path then reports `didNotConverge`).
//
// Nothing is allocated per matrix: the lanes' storage lives in the workspace.

/// Vectors of doubles with the two bit operations the lanes need (the standard library's
/// SIMD types have no `abs` or `copysign`).
protocol DoubleLanes: SIMD where Scalar == Double {
  /// `|x|` lane by lane (clears the sign bit).
  static func magnitudes(_ x: Self) -> Self
  /// The magnitude of `magnitude` with the sign bit of `sign`, lane by lane.
  static func copySign(magnitude: Self, sign: Self) -> Self
}

extension SIMD4: DoubleLanes where Scalar == Double {
  @inline(__always)
  static func magnitudes(_ x: Self) -> Self {
    unsafeBitCast(unsafeBitCast(x, to: SIMD4<UInt64>.self) & 0x7fff_ffff_ffff_ffff, to: Self.self)
  }
  @inline(__always)
  static func copySign(magnitude: Self, sign: Self) -> Self {
    let m = unsafeBitCast(magnitude, to: SIMD4<UInt64>.self) & 0x7fff_ffff_ffff_ffff
    let s = unsafeBitCast(sign, to: SIMD4<UInt64>.self) & 0x8000_0000_0000_0000
    return unsafeBitCast(m | s, to: Self.self)
  }
}

extension SIMD8: DoubleLanes where Scalar == Double {
  @inline(__always)
  static func magnitudes(_ x: Self) -> Self {
    unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt64>.self) & 0x7fff_ffff_ffff_ffff, to: Self.self)
  }
  @inline(__always)
  static func copySign(magnitude: Self, sign: Self) -> Self {
    let m = unsafeBitCast(magnitude, to: SIMD8<UInt64>.self) & 0x7fff_ffff_ffff_ffff
    let s = unsafeBitCast(sign, to: SIMD8<UInt64>.self) & 0x8000_0000_0000_0000
    return unsafeBitCast(m | s, to: Self.self)
  }
}

/// `a` where `mask`, else `b`.
@inline(__always)
func select<V: SIMD>(_ mask: SIMDMask<V.MaskStorage>, _ a: V, _ b: V) -> V {
  b.replacing(with: a, where: mask)
}

/// Eigenvalues of many matrices of one order, `width` at a time (see the file's header).
///
/// ```
/// let solver = BatchedSmallEigen(order: 3)
/// solver.eigenvalues(of: batch, count: count, into: values, outcomes: outcomes)
/// ```
/// Matrix b of the batch is `matrices[b * n * n ..< (b + 1) * n * n]`, row-major; its
/// eigenvalues go to `values[b * n ..< (b + 1) * n]` in Schur order (that of
/// `EigenSolver.eigenvalue(_:)`), NaN when it failed, and its outcome to `outcomes[b]`.
/// Orders 3 ... `maxOrder` run in lanes; orders 1, 2 (closed forms, no iteration to hide)
/// and above `maxOrder` go to the scalar solver matrix by matrix.
///
/// A reference type holding its workspace: one per thread (it is not `Sendable`).
public final class BatchedSmallEigen {
  /// Largest order solved in lanes.
  public static let maxOrder = EigenSolver.smallOrderLimit

  /// Lanes per group.
  public enum Width: Int, Sendable, CaseIterable {
    case four = 4
    case eight = 8
  }

  /// The order of the matrices.
  public let order: Int
  /// Matrices per group.
  public let width: Width
  /// Matrices of a lane order (3 ... `maxOrder`) handed to the scalar solver so far (for
  /// tests and the benchmark).
  public private(set) var fallbacks = 0

  var solver: EigenSolver
  /// Lane storage: H (n^2 vectors), wr, wi, the Householder vector (n each), the first
  /// column of the shift polynomial (3); 64-byte aligned.
  let raw: UnsafeMutableRawPointer
  /// Per-lane scalar scratch: balancing's h (n^2), d (n), a reflector's x (n), spare (n).
  let scratch: UnsafeMutablePointer<Double>
  let swapBuffer: UnsafeMutablePointer<Int>

  /// A solver for matrices of order `order`, `width` lanes per group (the default is the
  /// faster on the project machine, see Benchmarks/README.md).
  public init(order: Int, width: Width = .eight) {
    precondition(order >= 1)
    self.order = order
    self.width = width
    solver = EigenSolver(capacity: order)
    let vectors = order * order + 3 * order + 3
    raw = .allocate(byteCount: 64 * (vectors + order + 1), alignment: 64)
    raw.initializeMemory(as: UInt8.self, repeating: 0, count: 64 * (vectors + order + 1))
    scratch = .allocate(capacity: order * order + 4 * order + 4)
    scratch.initialize(repeating: 0, count: order * order + 4 * order + 4)
    swapBuffer = .allocate(capacity: 2 * order + 2)
    swapBuffer.initialize(repeating: 0, count: 2 * order + 2)
  }

  deinit {
    raw.deallocate()
    scratch.deallocate()
    swapBuffer.deallocate()
  }

  /// Solves `count` matrices (see the type's documentation).
  public func eigenvalues(
    of matrices: UnsafeBufferPointer<Double>, count: Int,
    into values: UnsafeMutableBufferPointer<Complex>,
    outcomes: UnsafeMutableBufferPointer<EigenBatch.Outcome>
  ) {
    let n = order
    precondition(matrices.count >= count * n * n && values.count >= count * n && outcomes.count >= count)
    if count == 0 { return }
    guard n >= 3 && n <= Self.maxOrder else {
      for b in 0..<count { scalarSolve(matrices, b, values, outcomes) }
      return
    }
    switch width {
    case .four: dispatch(SIMD4<Double>.self, matrices, count, values, outcomes)
    case .eight: dispatch(SIMD8<Double>.self, matrices, count, values, outcomes)
    }
  }

  /// One specialised copy per order and width.
  func dispatch<V: DoubleLanes>(
    _: V.Type, _ m: UnsafeBufferPointer<Double>, _ c: Int, _ v: UnsafeMutableBufferPointer<Complex>,
    _ o: UnsafeMutableBufferPointer<EigenBatch.Outcome>
  ) {
    switch order {
    case 3: run(SmallOrder3.self, V.self, m, c, v, o)
    case 4: run(SmallOrder4.self, V.self, m, c, v, o)
    case 5: run(SmallOrder5.self, V.self, m, c, v, o)
    case 6: run(SmallOrder6.self, V.self, m, c, v, o)
    case 7: run(SmallOrder7.self, V.self, m, c, v, o)
    case 8: run(SmallOrder8.self, V.self, m, c, v, o)
    case 9: run(SmallOrder9.self, V.self, m, c, v, o)
    case 10: run(SmallOrder10.self, V.self, m, c, v, o)
    case 11: run(SmallOrder11.self, V.self, m, c, v, o)
    case 12: run(SmallOrder12.self, V.self, m, c, v, o)
    case 13: run(SmallOrder13.self, V.self, m, c, v, o)
    case 14: run(SmallOrder14.self, V.self, m, c, v, o)
    case 15: run(SmallOrder15.self, V.self, m, c, v, o)
    default: run(SmallOrder16.self, V.self, m, c, v, o)
    }
  }

  /// Solves matrix b with the scalar solver (the small or the general path).
  func scalarSolve(
    _ matrices: UnsafeBufferPointer<Double>, _ b: Int, _ values: UnsafeMutableBufferPointer<Complex>,
    _ outcomes: UnsafeMutableBufferPointer<EigenBatch.Outcome>
  ) {
    let n = order
    let slice = UnsafeBufferPointer(rebasing: matrices[(b * n * n)..<((b + 1) * n * n)])
    do throws(EigenError) {
      try solver.factor(slice, n: n, vectors: false)
      for i in 0..<n { values[b * n + i] = solver.eigenvalue(i) }
      outcomes[b] = .solved
    } catch {
      outcomes[b] = .failed(error)
      for i in 0..<n { values[b * n + i] = Complex(.nan, .nan) }
    }
  }

  /// The groups of `V.scalarCount` matrices: load and balance each lane, reduce and
  /// iterate the lanes together, write the results; lanes that need the scalar solver
  /// get it after their group.
  func run<O: SmallOrder, V: DoubleLanes>(
    _: O.Type, _: V.Type, _ matrices: UnsafeBufferPointer<Double>, _ count: Int,
    _ values: UnsafeMutableBufferPointer<Complex>, _ outcomes: UnsafeMutableBufferPointer<EigenBatch.Outcome>
  ) {
    let n = O.n, w = V.scalarCount
    let base = matrices.baseAddress!
    let H = raw.bindMemory(to: V.self, capacity: n * n + 3 * n + 3)
    let wr = H + n * n, wi = wr + n, hv = wi + n, col = hv + n
    let s = scratch
    let p0 = SmallBuffers(
      a: base, h: s, z: s + n * n + n, v: s + n * n + n, d: s + n * n, swapA: swapBuffer,
      swapB: swapBuffer + n + 1, wr: s + n * n + 2 * n, wi: s + n * n + 3 * n)
    var g = 0
    while g < count {
      var live = SIMDMask<V.MaskStorage>()
      for j in 0..<w {
        let b = g + j
        var ok = false
        if b < count {
          var p = p0
          p = SmallBuffers(
            a: base + b * n * n, h: p.h, z: p.z, v: p.v, d: p.d, swapA: p.swapA, swapB: p.swapB, wr: p.wr, wi: p.wi)
          if BatchedSmallEigen.loadAndBalance(p, O.self) { ok = true }
        }
        live[j] = ok
        for k in 0..<(n * n) { H[k][j] = ok ? s[k] : 0 }
      }
      var done = SIMDMask<V.MaskStorage>()
      if any(live) {
        Self.hessenbergLanes(H, hv, live: live, scratch: s, O.self)
        done = Self.francisLanes(H, wr, wi, col, live: live, scratch: s, O.self)
      }
      for j in 0..<w where g + j < count {
        let b = g + j
        if done[j] {
          for i in 0..<n { values[b * n + i] = Complex(wr[i][j], wi[i][j]) }
          outcomes[b] = .solved
        } else {
          fallbacks += 1
          scalarSolve(matrices, b, values, outcomes)
        }
      }
      g += w
    }
  }

  /// The small path's load and balancing on one lane's matrix into `p.h`; false when the
  /// lane needs the scalar solver (see the file's header).
  static func loadAndBalance<O: SmallOrder>(_ p: SmallBuffers, _: O.Type) -> Bool {
    guard EigenSolver.smallLoad(p, O.self), let (lo, hi, _) = EigenSolver.smallBalance(p, O.self) else {
      return false
    }
    return lo == 0 && hi == O.n - 1
  }

  // MARK: - Hessenberg reduction (DGEHD2) in lanes

  /// DGEHD2 on every lane (ilo = 0, ihi = n - 1), the small path's `smallHessenberg`
  /// operation for operation; a lane not `live`, or whose reflector is the identity
  /// (tau = 0), keeps its bits.
  static func hessenbergLanes<O: SmallOrder, V: DoubleLanes>(
    _ H: UnsafeMutablePointer<V>, _ v: UnsafeMutablePointer<V>, live: SIMDMask<V.MaskStorage>,
    scratch: UnsafeMutablePointer<Double>, _: O.Type
  ) {
    let n = O.n
    for i in 0..<(n &- 2) {
      let m = n &- 1 &- i  // length of v = [1; x]
      let alpha = H[(i &+ 1) &* n &+ i]
      var ssq = V()
      for k in 1..<m {
        let x = H[(i &+ 1 &+ k) &* n &+ i]
        ssq += x * x
      }
      let total = alpha * alpha + ssq
      let plain = (ssq .>= 0x1p-900) .& (total .<= 0x1p900)
      let beta = -V.copySign(magnitude: total.squareRoot(), sign: alpha)
      var tau = (beta - alpha) / beta
      let f = 1 / (alpha - beta)
      var newAlpha = beta
      v[0] = V(repeating: 1)
      for k in 1..<m { v[k] = H[(i &+ 1 &+ k) &* n &+ i] * f }
      let scaled = live .& .!plain
      if any(scaled) {
        for j in 0..<V.scalarCount where scaled[j] {
          var a = alpha[j]
          for k in 1..<m { scratch[k &- 1] = H[(i &+ 1 &+ k) &* n &+ i][j] }
          tau[j] = householder(alpha: &a, x: scratch, count: m &- 1, stride: 1)
          newAlpha[j] = a
          for k in 1..<m { v[k][j] = scratch[k &- 1] }
        }
      }
      for k in 1..<m { H[(i &+ 1 &+ k) &* n &+ i] = select(live, V(), H[(i &+ 1 &+ k) &* n &+ i]) }
      H[(i &+ 1) &* n &+ i] = select(live, newAlpha, alpha)
      let apply = live .& (tau .!= 0)
      if !any(apply) { continue }
      // From the right: rows 0..<n, columns i+1..<n.
      for r in 0..<n {
        let row = H + (r &* n &+ i &+ 1)
        var s = V()
        for k in 0..<m { s += row[k] * v[k] }
        s *= tau
        for k in 0..<m { row[k] = select(apply, row[k] - s * v[k], row[k]) }
      }
      // From the left: rows i+1..<n, columns i+1..<n.
      let top = H + (i &+ 1) &* n
      for c in (i &+ 1)..<n {
        var s = V()
        for k in 0..<m { s += v[k] * top[k &* n &+ c] }
        s *= tau
        for k in 0..<m { top[k &* n &+ c] = select(apply, top[k &* n &+ c] - s * v[k], top[k &* n &+ c]) }
      }
    }
  }
}


extension BatchedSmallEigen {
  // MARK: - Francis double-shift QR (DLAHQR) in lanes

  /// DLAHQR, eigenvalues only, on the `live` lanes (ilo = 0, ihi = n - 1), the small
  /// path's `smallFrancis` operation for operation on each lane's window; returns the lanes
  /// that found every eigenvalue (the others did not converge within the bound). A round:
  /// each lane scans its window `[l, i]` for a negligible subdiagonal entry; a lane whose
  /// window has shrunk to one or two rows records those eigenvalues (DLANV2) and moves up;
  /// the others take one double-shift sweep together. The lanes' window bounds, iteration
  /// counts and first rows are kept as doubles (small integers, exact) so that every mask
  /// is one vector comparison.
  static func francisLanes<O: SmallOrder, V: DoubleLanes>(
    _ H: UnsafeMutablePointer<V>, _ wr: UnsafeMutablePointer<V>, _ wi: UnsafeMutablePointer<V>,
    _ col: UnsafeMutablePointer<V>, live: SIMDMask<V.MaskStorage>, scratch: UnsafeMutablePointer<Double>,
    _: O.Type
  ) -> SIMDMask<V.MaskStorage> {
    let n = O.n, w = V.scalarCount
    let ulp = Machine.ulp
    let smlnum = Machine.safmin * (Double(n) / ulp)
    let itmax = Double(30 &* max(10, n))
    var iv = V(repeating: Double(n &- 1)), lv = V(), its = V(), kdefl = V()
    var active = live
    var done = SIMDMask<V.MaskStorage>()
    while any(active) {
      // The iteration bound: a window still open after itmax + 1 sweeps fails.
      active = active .& (its .<= itmax)
      // Deflation: l = the largest k in (l, i] with h[k][k-1] negligible, else l.
      var lNew = lv
      for k in 1..<n {
        let kk = Double(k)
        let inWindow = active .& (lv .< kk) .& (iv .>= kk)
        if !any(inWindow) { continue }
        lNew = select(inWindow .& negligibleLanes(H, n: n, k: k, smlnum: smlnum), V(repeating: kk), lNew)
      }
      lv = lNew
      for k in 1..<n {
        let at = k &* n &+ k &- 1
        H[at] = select(active .& (lv .== Double(k)), V(), H[at])
      }
      let one = active .& (lv .== iv), two = active .& (lv .== iv - 1)
      let converged = one .| two
      if any(converged) {
        for i in 0..<n {
          let here = one .& (iv .== Double(i))
          wr[i] = select(here, H[i &* n &+ i], wr[i])
          wi[i] = select(here, V(), wi[i])
        }
        if any(two) {
          for j in 0..<w where two[j] {
            let i = Int(iv[j])
            let blk = standardize2x2(
              H[(i &- 1) &* n &+ i &- 1][j], H[(i &- 1) &* n &+ i][j], H[i &* n &+ i &- 1][j], H[i &* n &+ i][j])
            wr[i &- 1][j] = blk.rt1r
            wi[i &- 1][j] = blk.rt1i
            wr[i][j] = blk.rt2r
            wi[i][j] = blk.rt2i
          }
        }
        kdefl = select(converged, V(), kdefl)
        its = select(converged, V(), its)
        iv = select(converged, lv - 1, iv)
        lv = select(converged, V(), lv)
        let finished = converged .& (iv .< 0)
        done = done .| finished
        active = active .& .!finished
      }
      let sweeping = active .& .!converged
      if !any(sweeping) { continue }
      kdefl = select(sweeping, kdefl + 1, kdefl)
      // The shifts' 2 x 2 block: the window's trailing block (i >= 2 in a sweeping lane),
      // or DLAHQR's exceptional block every 10 sweeps without a deflation.
      var h11 = V(), h12 = V(), h21 = V(), h22 = V()
      for i in 2..<n {
        let here = sweeping .& (iv .== Double(i))
        if !any(here) { continue }
        h11 = select(here, H[(i &- 1) &* n &+ i &- 1], h11)
        h12 = select(here, H[(i &- 1) &* n &+ i], h12)
        h21 = select(here, H[i &* n &+ i &- 1], h21)
        h22 = select(here, H[i &* n &+ i], h22)
      }
      if any(sweeping .& (kdefl .>= 10)) {
        for j in 0..<w where sweeping[j] {
          let kd = Int(kdefl[j]), i = Int(iv[j]), l = Int(lv[j])
          @inline(__always) func at(_ r: Int, _ c: Int) -> Double { H[r &* n &+ c][j] }
          if kd % 20 == 0 {
            let e = abs(at(i, i &- 1)) + abs(at(i &- 1, i &- 2))
            h11[j] = 0.75 * e + at(i, i)
            h12[j] = -0.4375 * e
            h21[j] = e
            h22[j] = h11[j]
          } else if kd % 10 == 0 {
            let e = abs(at(l &+ 1, l)) + abs(at(l &+ 2, l &+ 1))
            h11[j] = 0.75 * e + at(l, l)
            h12[j] = -0.4375 * e
            h21[j] = e
            h22[j] = h11[j]
          }
        }
      }
      let shifts = shiftsLanes(h11, h12, h21, h22)
      let iMax = Int(select(sweeping, iv, V(repeating: -1)).max())
      let lMin = Int(select(sweeping, lv, V(repeating: Double(n))).min())
      let mv = startRows(H, col, sweeping: sweeping, iv: iv, lv: lv, shifts: shifts, iMax: iMax, O.self)
      chase(H, col, sweeping: sweeping, iv: iv, lv: lv, mv: mv, lMin: lMin, iMax: iMax, scratch: scratch, O.self)
      its = select(sweeping, its + 1, its)
    }
    return done
  }

  /// `max(a, b)` lane by lane as `Swift.max` takes it (`b >= a ? b : a`).
  @inline(__always)
  static func maxLanes<V: DoubleLanes>(_ a: V, _ b: V) -> V { select(b .>= a, b, a) }
  /// `min(a, b)` lane by lane as `Swift.min` takes it (`b < a ? b : a`).
  @inline(__always)
  static func minLanes<V: DoubleLanes>(_ a: V, _ b: V) -> V { select(b .< a, b, a) }

  /// DLAHQR's negligibility test of `h[k][k-1]` (Ahues-Tisseur, `smallNegligible`) in every
  /// lane; the divisions only when some lane passes the first test.
  @inline(__always)
  static func negligibleLanes<V: DoubleLanes>(
    _ H: UnsafeMutablePointer<V>, n: Int, k: Int, smlnum: Double
  ) -> SIMDMask<V.MaskStorage> {
    let ulp = Machine.ulp
    let hkk = H[k &* n &+ k], hk1k1 = H[(k &- 1) &* n &+ k &- 1]
    let sub = V.magnitudes(H[k &* n &+ k &- 1])
    let dkk = V.magnitudes(hkk)
    var tst = V.magnitudes(hk1k1) + dkk
    let zero = tst .== 0
    if any(zero) {
      // The neighbours count only when the diagonal pair is 0 (ilo = 0, ihi = n - 1).
      var extra = V()
      if k >= 2 { extra += V.magnitudes(H[(k &- 1) &* n &+ k &- 2]) }
      if k &+ 1 < n { extra += V.magnitudes(H[(k &+ 1) &* n &+ k]) }
      tst = select(zero, tst + extra, tst)
    }
    let tiny = sub .<= smlnum
    let candidate = .!tiny .& (sub .<= ulp * tst)
    if !any(candidate) { return tiny }
    let b = V.magnitudes(H[(k &- 1) &* n &+ k])
    let ab = maxLanes(sub, b)
    let ba = minLanes(sub, b)
    let diff = V.magnitudes(hk1k1 - hkk)
    let aa = maxLanes(dkk, diff)
    let bb = minLanes(dkk, diff)
    let s = aa + ab
    let rhs = maxLanes(V(repeating: smlnum), ulp * (bb * (aa / s)))
    return tiny .| (candidate .& (ba * (ab / s) .<= rhs))
  }

  /// The shifts of every lane (`smallShifts`): the eigenvalues of the 2 x 2 block when
  /// they are a complex pair, else twice the real one closer to `h22`; the block is scaled
  /// by `s = |h11| + |h12| + |h21| + |h22|` only in lanes where s is outside
  /// [2^-400, 2^400]. Returns (re s1, im s1, re s2, im s2).
  @inline(__always)
  static func shiftsLanes<V: DoubleLanes>(
    _ h11: V, _ h12: V, _ h21: V, _ h22: V
  ) -> (V, V, V, V) {
    let s0 = V.magnitudes(h11) + V.magnitudes(h12) + V.magnitudes(h21) + V.magnitudes(h22)
    var a = h11, b = h12, c = h21, d = h22
    var back = V(repeating: 1)
    let outside = .!((s0 .>= 0x1p-400) .& (s0 .<= 0x1p400))
    if any(outside) {
      let r0 = 1 / s0
      a = select(outside, a * r0, a)
      c = select(outside, c * r0, c)
      b = select(outside, b * r0, b)
      d = select(outside, d * r0, d)
      back = select(outside, s0, back)
    }
    let tr = (a + d) * 0.5
    let det = (a - tr) * (d - tr) - b * c
    let rtdisc = V.magnitudes(det).squareRoot()
    let up = tr + rtdisc, down = tr - rtdisc
    let closer = select(V.magnitudes(up - d) .<= V.magnitudes(down - d), up, down)
    let complexPair = det .>= 0
    let zero = s0 .== 0
    let rt1r = select(zero, V(), select(complexPair, tr, closer) * back)
    let rt1i = select(zero .| .!complexPair, V(), rtdisc * back)
    return (rt1r, rt1i, rt1r, -rt1i)
  }

  /// A multiple of the first column of `(H - s1)(H - s2)` at row m in every lane
  /// (`smallFirstColumn`), scaled by DLAHQR's factors only in lanes where they are outside
  /// [2^-400, 2^400].
  @inline(__always)
  static func firstColumnLanes<V: DoubleLanes>(
    hmm: V, h1m: V, hmm1: V, hm1m1: V, hm2m1: V, shifts: (V, V, V, V)
  ) -> (V, V, V) {
    let (rt1r, rt1i, rt2r, rt2i) = shifts
    let s = V.magnitudes(hmm - rt2r) + V.magnitudes(rt2i) + V.magnitudes(h1m)
    var v0 = h1m * hmm1 + (hmm - rt1r) * (hmm - rt2r) - rt1i * rt2i
    var v1 = h1m * (hmm + hm1m1 - rt1r - rt2r)
    var v2 = h1m * hm2m1
    let outside = .!((s .>= 0x1p-400) .& (s .<= 0x1p400))
    if any(outside) {
      let rs = 1 / s
      let h21s = h1m * rs
      v0 = select(outside, h21s * hmm1 + (hmm - rt1r) * ((hmm - rt2r) * rs) - rt1i * (rt2i * rs), v0)
      v1 = select(outside, h21s * (hmm + hm1m1 - rt1r - rt2r), v1)
      v2 = select(outside, h21s * hm2m1, v2)
    }
    let sv = V.magnitudes(v0) + V.magnitudes(v1) + V.magnitudes(v2)
    let scale = .!((sv .>= 0x1p-400) .& (sv .<= 0x1p400))
    if any(scale) {
      v0 = select(scale, v0 / sv, v0)
      v1 = select(scale, v1 / sv, v1)
      v2 = select(scale, v2 / sv, v2)
    }
    return (v0, v1, v2)
  }

  /// Each sweeping lane's first row m (DLAHQR: the lowest m >= l, from i - 2 down, where
  /// two consecutive subdiagonal entries are small enough), returned, and the first column
  /// of its shift polynomial there, into `col`. All lanes look at the same m at once (so
  /// they read the same entries); a lane takes part from its own i - 2 down and stops at
  /// its own m.
  @inline(__always)
  static func startRows<O: SmallOrder, V: DoubleLanes>(
    _ H: UnsafeMutablePointer<V>, _ col: UnsafeMutablePointer<V>, sweeping: SIMDMask<V.MaskStorage>,
    iv: V, lv: V, shifts: (V, V, V, V), iMax: Int, _: O.Type
  ) -> V {
    let n = O.n
    let ulp = Machine.ulp
    @inline(__always) func at(_ r: Int, _ c: Int) -> V { H[r &* n &+ c] }
    var searching = sweeping
    var mv = V()
    var m = iMax &- 2
    while m >= 0 && any(searching) {
      let mm = Double(m)
      let here = searching .& (iv - 2 .>= mm)
      if any(here) {
        let hmm = at(m, m)
        let (v0, v1, v2) = firstColumnLanes(
          hmm: hmm, h1m: at(m &+ 1, m), hmm1: at(m, m &+ 1), hm1m1: at(m &+ 1, m &+ 1),
          hm2m1: at(m &+ 2, m &+ 1), shifts: shifts)
        col[0] = select(here, v0, col[0])
        col[1] = select(here, v1, col[1])
        col[2] = select(here, v2, col[2])
        var stop = here .& (lv .== mm)
        if m > 0 {
          let h00 = V.magnitudes(at(m, m &- 1)) * (V.magnitudes(v1) + V.magnitudes(v2))
          let h01 = ulp * V.magnitudes(v0)
            * (V.magnitudes(at(m &- 1, m &- 1)) + V.magnitudes(hmm) + V.magnitudes(at(m &+ 1, m &+ 1)))
          stop = stop .| (here .& (h00 .<= h01))
        }
        mv = select(stop, V(repeating: mm), mv)
        searching = searching .& .!stop
      }
      m &-= 1
    }
    return mv
  }

  /// The double-shift sweep of every sweeping lane: the bulge chased from its row m to the
  /// bottom of its window, rows k...k+2 at step k for every lane whose sweep covers k.
  @inline(__always)
  static func chase<O: SmallOrder, V: DoubleLanes>(
    _ H: UnsafeMutablePointer<V>, _ col: UnsafeMutablePointer<V>, sweeping: SIMDMask<V.MaskStorage>,
    iv: V, lv: V, mv: V, lMin: Int, iMax: Int, scratch: UnsafeMutablePointer<Double>, _: O.Type
  ) {
    let n = O.n, w = V.scalarCount
    let kLo = Int(select(sweeping, mv, V(repeating: Double(n))).min())
    for k in kLo...(iMax &- 1) {
      // Lanes at step k: part; with a 3-entry reflector: three; at their first row: first.
      let kk = Double(k)
      let part = sweeping .& (mv .<= kk) .& (iv .> kk)
      if !any(part) { continue }
      let three = part .& (iv .> kk + 1)
      let first = part .& (mv .== kk)
      let interior = first .& (mv .> lv)
      let hasRow2 = k &+ 2 < n
      var a0 = col[0], a1 = col[1], a2 = col[2]
      if k > 0 {
        a0 = select(first, a0, H[k &* n &+ k &- 1])
        a1 = select(first, a1, H[(k &+ 1) &* n &+ k &- 1])
        if hasRow2 { a2 = select(first, a2, H[(k &+ 2) &* n &+ k &- 1]) }
      }
      // The reflector (smallReflector3): [a0; a1; a2] or [a0; a1] -> [beta; 0; 0].
      let ssq1 = a1 * a1
      let ssq = select(three, ssq1 + a2 * a2, ssq1)
      let total = a0 * a0 + ssq
      let plain = (ssq .>= 0x1p-900) .& (total .<= 0x1p900)
      let beta = -V.copySign(magnitude: total.squareRoot(), sign: a0)
      var t1 = (beta - a0) / beta
      let f = 1 / (a0 - beta)
      var w2 = a1 * f, w3 = a2 * f, alpha = beta
      let scaled = part .& .!plain
      if any(scaled) {
        for j in 0..<w where scaled[j] {
          var a = a0[j]
          scratch[0] = a1[j]
          scratch[1] = a2[j]
          t1[j] = householder(alpha: &a, x: scratch, count: three[j] ? 2 : 1, stride: 1)
          alpha[j] = a
          w2[j] = scratch[0]
          if three[j] { w3[j] = scratch[1] }
        }
      }
      if k > 0 {
        let later = part .& .!first
        let at0 = k &* n &+ k &- 1
        H[at0] = select(later, alpha, select(interior, H[at0] * (1 - t1), H[at0]))
        H[at0 &+ n] = select(later, V(), H[at0 &+ n])
        if hasRow2 { H[at0 &+ 2 &* n] = select(later .& three, V(), H[at0 &+ 2 &* n]) }
      }
      let t2 = t1 * w2, t3 = t1 * w3
      // Rows k, k+1 (, k+2), columns k...iMax.
      let r0 = H + k &* n, r1 = r0 + n, r2 = r1 + n
      for c in k...iMax {
        let x0 = r0[c], x1 = r1[c]
        var sum = x0 + w2 * x1
        if hasRow2 {
          let x2 = r2[c]
          sum = select(three, sum + w3 * x2, sum)
          r2[c] = select(three, x2 - sum * t3, x2)
        }
        r0[c] = select(part, x0 - sum * t1, x0)
        r1[c] = select(part, x1 - sum * t2, x1)
      }
      // Columns k, k+1 (, k+2), rows lMin...min(k+3, iMax).
      var r = min(k &+ 3, iMax)
      while r >= lMin {
        let row = H + (r &* n &+ k)
        let x0 = row[0], x1 = row[1]
        var sum = x0 + w2 * x1
        if hasRow2 {
          let x2 = row[2]
          sum = select(three, sum + w3 * x2, sum)
          row[2] = select(three, x2 - sum * t3, x2)
        }
        row[0] = select(part, x0 - sum * t1, x0)
        row[1] = select(part, x1 - sum * t2, x1)
        r &-= 1
      }
    }
  }
}
