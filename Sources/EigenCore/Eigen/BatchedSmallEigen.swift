// Eigenvalues of a batch of small matrices of one order, several at a time across SIMD lanes.
//
// One matrix's QR iteration is a chain of dependent square roots and divisions (each
// reflector needs the previous step's bulge, each shift the previous sweep): the small path
// (SmallEigen.swift) spends most of its time waiting for that chain at N = 3 ... 8. Here
// `Lanes.scalarCount` matrices of a batch iterate side by side, lane j of every `Lanes`
// vector holding one matrix, so that the chains of the lanes overlap. Each matrix is loaded
// and balanced (DGEBAL) on its own by the small path's code, then takes a lane; the lanes
// that took a matrix are reduced to Hessenberg form (DGEHD2) together, the small path's
// reduction in every lane (BatchedHessenberg.swift). A lane whose matrix is done waits for
// the others, and then all take their next matrices together: their windows then shrink
// together, and a sweep, which runs over the union of the lanes' windows, costs about one
// window's (a fresh matrix beside a half-done one would cost the fresh one's for both).
//
// The iteration of each lane is the small path's DLAHQR, operation for operation: the
// Ahues-Tisseur deflation test, the same shifts and exceptional shifts, `30 max(10, n)`
// iterations per eigenvalue window, DLANV2 for the 2 x 2 blocks. Every lane has its own
// active window `[l, i]`, iteration counts and shifts; a step of the bulge chase at row k
// updates a lane only where that lane's own sweep covers k (a select, so a lane outside its
// sweep keeps its bits exactly). Rows and columns are updated over the union of the lanes'
// windows: a lane then also changes entries right of or above its own window (or zeros below
// it, which stay zero), entries DLAHQR never reads again for the eigenvalues (later windows
// lie above and left of the current one). A round tests every lane for deflation, again in
// those that deflated, until each has a window to sweep, so that every lane with a matrix
// sweeps in every round (as many rounds as the scalar path has sweeps). When all the lanes
// with a matrix share one window the sweep runs on every lane unmasked: a lane without a
// matrix holds zeros (then NaN), garbage that its next matrix replaces entirely.
//
// So every eigenvalue is `EigenSolver.factor(vectors: false)`'s, bit for bit (the tests check
// it on every matrix family and order 3 ... 16; nothing moves in the last bits), and a lane's
// result depends on its own matrix only: the same bits whatever the other matrices of the
// batch and its size.
//
// Matrices that need the general path's care go to a scalar `EigenSolver` (its small path or
// the general one, with the same errors): an entry that is not finite, above 2^400, a largest
// entry below 2^-400 or a span past 2^600 (the general path scales those), balancing that
// isolates an eigenvalue by a permutation (a tiny block) or spans more than
// `smallBalancingLimit`, and an eigenvalue window that does not converge within the
// iteration bound (the general path then reports `didNotConverge`). A reflector whose norm
// needs DLARFG's scaling is computed for its lane alone with the general path's `householder`.
//
// Order 3 has its own kernel (BatchedSmallEigen3.swift): small3's unrolled step on the 8
// entries of 4 matrices in lanes, with DLANV2 in lanes too; it is about twice as fast as the
// scalar small path, where this generic kernel is slower than it (Benchmarks/README.md).
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

/// The lanes: as many doubles as one vector register holds, 2 on the baseline x86-64
/// build (SSE2) and 4 when built for AVX2 (`make` defines `GRADCHECK_AVX2` with its
/// `TARGET_CPU`). Measured against the other widths (same code, this alias changed;
/// `EigenBench --compare-batched N`, one process): on SSE2 two lanes beat four and eight at
/// N = 4 ... 16, with AVX2 four beat two (N = 8: 3.6x GSL against 3.25x; Benchmarks/README.md).
/// Every lane's sweep runs over the union of the lanes' windows, so that the wider the
/// vector, the more work goes to lanes whose window is smaller than the largest; a vector
/// of one register leaves the sweep's coefficients in registers and makes a mask test one
/// instruction, which is what decides. Every width gives each lane the scalar solver's bits.
/// The code uses the concrete type, not a generic `SIMD` parameter: the standard library's
/// comparisons, selects and mask operations become vector instructions only where the
/// type is concrete (in a generic context, even specialised, they run lane by lane).
#if GRADCHECK_AVX2
typealias Lanes = SIMD4<Double>
#else
typealias Lanes = SIMD2<Double>
#endif
/// `Lanes`'s bits (the mask storage: 64-bit integers).
typealias LaneBits = Lanes.MaskStorage

/// `|x|` lane by lane (the sign bit cleared).
@inline(__always)
func laneMagnitudes(_ x: Lanes) -> Lanes {
  unsafeBitCast(unsafeBitCast(x, to: LaneBits.self) & Int64.max, to: Lanes.self)
}

/// The magnitude of `magnitude` with the sign bit of `sign`, lane by lane.
@inline(__always)
func laneCopySign(magnitude: Lanes, sign: Lanes) -> Lanes {
  let m = unsafeBitCast(magnitude, to: LaneBits.self) & Int64.max
  let s = unsafeBitCast(sign, to: LaneBits.self) & Int64.min
  return unsafeBitCast(m | s, to: Lanes.self)
}

/// The mask of lane j alone.
@inline(__always)
func laneMask(_ j: Int) -> LaneMask {
  var iota = Lanes()
  for k in 0..<Lanes.scalarCount { iota[k] = Double(k) }
  return iota .== Lanes(repeating: Double(j))
}

/// A comparison's result, one lane per matrix.
typealias LaneMask = SIMDMask<Lanes.MaskStorage>

/// A mask with whether it is all true or all false, so that a select by it can be skipped.
struct Uniform {
  let mask: LaneMask
  let all: Bool
  let none: Bool
  @inline(__always)
  init(_ mask: LaneMask) {
    self.mask = mask
    all = Swift.all(mask)
    none = !any(mask)
  }
  /// `a` where the mask is true, else `b`.
  @inline(__always)
  func pick(_ a: Lanes, _ b: Lanes) -> Lanes { all ? a : none ? b : select(mask, a, b) }
}

/// `a` where `mask`, else `b`.
@inline(__always)
func select(_ mask: LaneMask, _ a: Lanes, _ b: Lanes) -> Lanes {
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
/// Orders 3 ... `maxOrder` run in lanes (order 3 in its own kernel, `laneWidth` matrices at
/// a time); orders 1, 2 (closed forms, no iteration to hide) and above `maxOrder` go to the
/// scalar solver matrix by matrix.
///
/// A reference type holding its workspace: one per thread (it is not `Sendable`).
public final class BatchedSmallEigen {
  /// Largest order solved in lanes.
  public static let maxOrder = EigenSolver.smallOrderLimit

  /// Whether the lanes solve matrices of this order faster than the scalar path does, one
  /// after the other, on this build (`make bench`, the `values-batched` rows;
  /// `EigenBench --compare-batched N`): callers with a choice (the finite-difference
  /// engine's perturbed solves) take the lanes only then. Every order they take: order 3,
  /// whose own kernel runs 1.9 (baseline x86-64) to 2.6 (AVX2) times the scalar path's
  /// rate, and orders 4 ... 16, where the generic kernel, since it also reduces the lanes'
  /// matrices to Hessenberg form, runs about 1.15-1.25 (baseline, two lanes) and 1.4-1.5
  /// (AVX2, four lanes) times it (Benchmarks/README.md). On the default sweep the lanes at
  /// orders 9 ... 16 as well (its N = 16 matrices) took 4-5 % off its time, with the same
  /// results file.
  public static func lanesPay(order: Int) -> Bool { order >= 3 && order <= maxOrder }

  /// The order of the matrices.
  public let order: Int
  /// Matrices iterated side by side (lanes) by the generic kernel (orders 4 ... `maxOrder`).
  public static let width = Lanes.scalarCount
  /// Matrices iterated side by side at this order (order 3 has its own kernel and width).
  public var laneWidth: Int { order == 3 ? Lanes3.scalarCount : Self.width }
  /// Lanes of the widest kernel (the size of the per-lane lists).
  static let laneSlots = max(Lanes.scalarCount, Lanes3.scalarCount)
  /// Matrices of a lane order (3 ... `maxOrder`) handed to the scalar solver so far (for
  /// tests and the benchmark).
  public internal(set) var fallbacks = 0
  /// Rounds of the lanes' QR iteration so far (a round: every active lane's deflation
  /// tests, until each has a window to sweep, and one sweep of all), for the benchmark's
  /// analysis.
  public internal(set) var rounds = 0
  /// Matrices solved so far (in lanes or not).
  public private(set) var matricesSolved = 0

  var solver: EigenSolver
  /// Lane storage: H (n^2 vectors), wr, wi, the Hessenberg reduction's reflector v (n
  /// each), the first column of the shift polynomial (3); 64-byte aligned.
  let raw: UnsafeMutableRawPointer
  /// Per-lane scalar scratch: balancing's h (n^2; once a matrix is in its lane, the scaled
  /// reflectors' x), d (n), a reflector's x (n), spare (n).
  let scratch: UnsafeMutablePointer<Double>
  let swapBuffer: UnsafeMutablePointer<Int>
  /// The batch index of each lane's matrix.
  let laneOwner: UnsafeMutablePointer<Int>

  /// A solver for matrices of order `order`.
  public init(order: Int) {
    precondition(order >= 1)
    self.order = order
    solver = EigenSolver(capacity: order)
    let vectors = order * order + 3 * order + 3
    raw = .allocate(byteCount: 64 * (vectors + order + 1), alignment: 64)
    raw.initializeMemory(as: UInt8.self, repeating: 0, count: 64 * (vectors + order + 1))
    scratch = .allocate(capacity: order * order + 4 * order + 4)
    scratch.initialize(repeating: 0, count: order * order + 4 * order + 4)
    // Past the balancing's swaps, order 3's queue and deflated blocks (BatchedSmallEigen3.swift).
    swapBuffer = .allocate(capacity: 2 * order + 2 + 3 * Lanes3.scalarCount)
    swapBuffer.initialize(repeating: 0, count: 2 * order + 2 + 3 * Lanes3.scalarCount)
    laneOwner = .allocate(capacity: Self.laneSlots)
    laneOwner.initialize(repeating: 0, count: Self.laneSlots)
  }

  deinit {
    raw.deallocate()
    scratch.deallocate()
    swapBuffer.deallocate()
    laneOwner.deallocate()
  }

  /// Solves `count` matrices (see the type's documentation).
  public func eigenvalues(
    of matrices: UnsafeBufferPointer<Double>, count: Int,
    into values: UnsafeMutableBufferPointer<Complex>,
    outcomes: UnsafeMutableBufferPointer<EigenBatch.Outcome>
  ) {
    let n = order
    precondition(matrices.count >= count * n * n && values.count >= count * n && outcomes.count >= count)
    matricesSolved += count
    if count == 0 { return }
    guard n >= 3 && n <= Self.maxOrder else {
      for b in 0..<count { scalarSolve(matrices, b, values, outcomes) }
      return
    }
    dispatch(matrices, count, values, outcomes)
  }

  /// One specialised copy per order.
  func dispatch(
    _ m: UnsafeBufferPointer<Double>, _ c: Int, _ v: UnsafeMutableBufferPointer<Complex>,
    _ o: UnsafeMutableBufferPointer<EigenBatch.Outcome>
  ) {
    switch order {
    case 3: run3(m, c, v, o)
    case 4: run(SmallOrder4.self, m, c, v, o)
    case 5: run(SmallOrder5.self, m, c, v, o)
    case 6: run(SmallOrder6.self, m, c, v, o)
    case 7: run(SmallOrder7.self, m, c, v, o)
    case 8: run(SmallOrder8.self, m, c, v, o)
    case 9: run(SmallOrder9.self, m, c, v, o)
    case 10: run(SmallOrder10.self, m, c, v, o)
    case 11: run(SmallOrder11.self, m, c, v, o)
    case 12: run(SmallOrder12.self, m, c, v, o)
    case 13: run(SmallOrder13.self, m, c, v, o)
    case 14: run(SmallOrder14.self, m, c, v, o)
    case 15: run(SmallOrder15.self, m, c, v, o)
    default: run(SmallOrder16.self, m, c, v, o)
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

  /// The lanes take matrices in batch order: each is loaded and balanced on its own (the
  /// small path's code), then reduced to Hessenberg form and iterated in its lane with the
  /// others; when every lane's matrix is done (or failed), all take their next ones.
  /// Matrices that need the scalar solver get it when their turn comes.
  func run<O: SmallOrder>(
    _: O.Type, _ matrices: UnsafeBufferPointer<Double>, _ count: Int,
    _ values: UnsafeMutableBufferPointer<Complex>, _ outcomes: UnsafeMutableBufferPointer<EigenBatch.Outcome>
  ) {
    let n = O.n
    let base = matrices.baseAddress!
    let H = raw.bindMemory(to: Lanes.self, capacity: n * n + 3 * n + 3)
    let wr = H + n * n, wi = wr + n, col = wi + 2 * n
    let s = scratch
    let owner = laneOwner
    var next = 0
    Self.francisLanes(
      H, wr, wi, col, v: wi + n, scratch: s, rounds: &rounds, O.self,
      refill: { j in
        while next < count {
          let b = next
          next += 1
          let p = SmallBuffers(
            a: base + b * n * n, h: s, z: s + n * n + n, v: s + n * n + n, d: s + n * n, swapA: swapBuffer,
            swapB: swapBuffer + n + 1, wr: s + n * n + 3 * n, wi: s + n * n + 3 * n)
          if Self.loadAndBalance(p, O.self) {
            // Balanced, not yet Hessenberg (francisLanes reduces all the new lanes at once).
            // By scalar stores into lane j: the lanes' reduction reads the vectors only after
            // every lane's refill (faster than a select per entry, `EigenBench
            // --compare-batched 8`).
            let w = Lanes.scalarCount
            H.withMemoryRebound(to: Double.self, capacity: n * n * w) { h in
              for k in 0..<(n * n) { h[k &* w &+ j] = s[k] }
            }
            owner[j] = b
            return true
          }
          fallbacks += 1
          scalarSolve(matrices, b, values, outcomes)
        }
        return false
      },
      finish: { j, converged in
        let b = owner[j]
        if converged {
          for i in 0..<n { values[b * n + i] = Complex(wr[i][j], wi[i][j]) }
          outcomes[b] = .solved
        } else {
          fallbacks += 1
          scalarSolve(matrices, b, values, outcomes)
        }
      })
  }

  /// The small path's load and balancing on one lane's matrix into `p.h`; false when the
  /// lane needs the scalar solver (see the file's header).
  static func loadAndBalance<O: SmallOrder>(_ p: SmallBuffers, _: O.Type) -> Bool {
    guard EigenSolver.smallLoad(p, O.self), let (lo, hi, _) = EigenSolver.smallBalance(p, O.self) else {
      return false
    }
    return lo == 0 && hi == O.n - 1
  }

}

extension BatchedSmallEigen {
  // MARK: - Francis double-shift QR (DLAHQR) in lanes

  /// DLAHQR, eigenvalues only, on the `live` lanes (ilo = 0, ihi = n - 1), the small
  /// path's `smallFrancis` operation for operation on each lane's window. A round: each
  /// lane scans its window `[l, i]` for a negligible subdiagonal entry; a lane whose window
  /// has shrunk to one or two rows records those eigenvalues (DLANV2), moves up (or takes
  /// its next matrix) and scans again at once, until every lane has a window to sweep; then
  /// all take one double-shift sweep together (so that no lane waits out a round). The
  /// lanes that `refill` gave a (balanced) matrix are reduced to Hessenberg form together
  /// (`hessenbergLanes`, `v` its n vectors of scratch) before their first round. The
  /// lanes' window bounds, iteration counts and first rows are kept as doubles (small
  /// integers, exact) so that every mask is one vector comparison.
  static func francisLanes<O: SmallOrder>(
    _ H: UnsafeMutablePointer<Lanes>, _ wr: UnsafeMutablePointer<Lanes>, _ wi: UnsafeMutablePointer<Lanes>,
    _ col: UnsafeMutablePointer<Lanes>, v: UnsafeMutablePointer<Lanes>, scratch: UnsafeMutablePointer<Double>,
    rounds: inout Int, _: O.Type, refill: (Int) -> Bool, finish: (Int, Bool) -> Void
  ) {
    let n = O.n, w = Lanes.scalarCount
    let smlnum = Machine.safmin * (Double(n) / Machine.ulp)
    let itmax = Double(30 &* max(10, n))
    let top = Lanes(repeating: Double(n &- 1))
    var iv = top, lv = Lanes(), its = Lanes(), kdefl = Lanes()
    var roundsHere = 0
    defer { rounds &+= roundsHere }
    /// Every lane takes its next matrix (`refill`), and the lanes that got one are reduced
    /// to Hessenberg form together; the mask of those lanes.
    @inline(__always) func takeNextMatrices() -> LaneMask {
      var taken = LaneMask()
      for j in 0..<w where refill(j) { taken = taken .| laneMask(j) }
      if any(taken) { hessenbergLanes(H, v: v, live: taken, scratch: scratch, O.self) }
      return taken
    }
    var active = takeNextMatrices()
    while any(active) {
      roundsHere &+= 1
      // The iteration bound: a window still open after itmax + 1 sweeps fails; the lane
      // takes the next matrix (its whole window, counters at 0).
      let over = active .& (its .> itmax)
      if any(over) {
        for j in 0..<w where over[j] { finish(j, false) }
        active = active .& .!over
      }
      // Deflation, in every active lane, then again in the lanes that moved to a new
      // window or matrix, until none converges.
      var testing = active
      while true {
        while any(testing) {
          let converged = deflateLanes(H, wr, wi, testing: testing, iv: iv, lv: &lv, smlnum: smlnum, O.self)
          if !any(converged) { break }
          kdefl.replace(with: 0, where: converged)
          its.replace(with: 0, where: converged)
          iv.replace(with: lv - 1, where: converged)
          lv.replace(with: 0, where: converged)
          let finished = converged .& (iv .< 0)
          if any(finished) {
            for j in 0..<w where finished[j] { finish(j, true) }
            active = active .& .!finished
            // A lane without a matrix is swept with the others as garbage: zeros (which
            // become NaN, never subnormal numbers that would slow the sweep down).
            for k in 0..<(n &* n) { H[k].replace(with: 0, where: finished) }
          }
          testing = converged .& active
        }
        if any(active) { break }
        // Every lane done: all take their next matrices together (so that their windows
        // shrink together: a round's sweep costs the largest window's).
        active = takeNextMatrices()
        if !any(active) { break }
        iv = top
        lv = Lanes()
        its = Lanes()
        kdefl = Lanes()
        testing = active
      }
      let sweeping = active
      if !any(sweeping) { break }
      kdefl = select(sweeping, kdefl + 1, kdefl)
      // The shifts' 2 x 2 block: the window's trailing block (i >= 2 in a sweeping lane),
      // or DLAHQR's exceptional block every 10 sweeps without a deflation. (Written here, not
      // as a function returning the four vectors: that measured 1.5 % slower at N = 8.)
      var h11 = Lanes(), h12 = Lanes(), h21 = Lanes(), h22 = Lanes()
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
      let iMax = Int(select(sweeping, iv, Lanes(repeating: -1)).max())
      let lMin = Int(select(sweeping, lv, Lanes(repeating: Double(n))).min())
      let mv = startRows(H, col, sweeping: sweeping, iv: iv, lv: lv, shifts: shifts, iMax: iMax, O.self)
      // When every sweeping lane has the same window and first row (most rounds), the sweep
      // runs unmasked on all lanes: a lane not sweeping has no matrix (every active lane
      // sweeps), its entries are garbage until its next matrix replaces them all.
      var j0 = 0
      while !sweeping[j0] { j0 &+= 1 }
      let m0 = mv[j0], i0 = iv[j0], l0 = lv[j0]
      if all(.!sweeping .| ((mv .== m0) .& (iv .== i0) .& (lv .== l0))) {
        chase(
          H, col, sweeping: LaneMask(repeating: true), live: sweeping, iv: Lanes(repeating: i0),
          lv: Lanes(repeating: l0), mv: Lanes(repeating: m0), lMin: lMin, iMax: iMax, scratch: scratch, O.self)
      } else {
        chase(
          H, col, sweeping: sweeping, live: sweeping, iv: iv, lv: lv, mv: mv, lMin: lMin, iMax: iMax,
          scratch: scratch, O.self)
      }
      its = select(sweeping, its + 1, its)
    }
  }

  /// One deflation test of every `testing` lane (DLAHQR): its l becomes the largest k in
  /// (l, i] with h[k][k-1] negligible (that entry set to 0), else stays; a lane whose
  /// window is then one row (l = i) or two (l = i - 1) records its eigenvalues there (the
  /// 2 x 2 block's by DLANV2). Returns those lanes.
  @inline(__always)
  static func deflateLanes<O: SmallOrder>(
    _ H: UnsafeMutablePointer<Lanes>, _ wr: UnsafeMutablePointer<Lanes>, _ wi: UnsafeMutablePointer<Lanes>,
    testing: LaneMask, iv: Lanes, lv: inout Lanes, smlnum: Double, _: O.Type
  ) -> LaneMask {
    let n = O.n, w = Lanes.scalarCount
    // From the bottom up, each lane stopping at its first negligible entry (DLAHQR's scan).
    var lNew = lv
    var searching = testing .& (lv .< iv)
    var k = n &- 1
    while k >= 1 && any(searching) {
      let kk = Double(k)
      let here = searching .& (iv .>= kk)
      if any(here) {
        let hit = here .& negligibleLanes(H, n: n, k: k, smlnum: smlnum)
        if any(hit) {
          lNew.replace(with: kk, where: hit)
          H[k &* n &+ k &- 1].replace(with: 0, where: hit)
          searching = searching .& .!hit
        }
      }
      // A lane's scan ends above l + 1 (where an earlier test left h[l][l-1] at 0).
      searching = searching .& (lv .< kk - 1)
      k &-= 1
    }
    lv = lNew
    let one = testing .& (lNew .== iv), two = testing .& (lNew .== iv - 1)
    let converged = one .| two
    if !any(converged) { return converged }
    for i in 0..<n {
      let here = one .& (iv .== Double(i))
      wr[i].replace(with: H[i &* n &+ i], where: here)
      wi[i].replace(with: 0, where: here)
    }
    if any(two) {
      for j in 0..<w where two[j] {
        let i = Int(iv[j])
        let blk = standardize2x2(
          H[(i &- 1) &* n &+ i &- 1][j], H[(i &- 1) &* n &+ i][j], H[i &* n &+ i &- 1][j], H[i &* n &+ i][j])
        let lane = laneMask(j)
        wr[i &- 1].replace(with: blk.rt1r, where: lane)
        wi[i &- 1].replace(with: blk.rt1i, where: lane)
        wr[i].replace(with: blk.rt2r, where: lane)
        wi[i].replace(with: blk.rt2i, where: lane)
      }
    }
    return converged
  }

  /// `max(a, b)` lane by lane as `Swift.max` takes it (`b >= a ? b : a`).
  @inline(__always)
  static func maxLanes(_ a: Lanes, _ b: Lanes) -> Lanes { select(b .>= a, b, a) }
  /// `min(a, b)` lane by lane as `Swift.min` takes it (`b < a ? b : a`).
  @inline(__always)
  static func minLanes(_ a: Lanes, _ b: Lanes) -> Lanes { select(b .< a, b, a) }

  /// DLAHQR's negligibility test of `h[k][k-1]` (Ahues-Tisseur, `smallNegligible`) in every
  /// lane; the divisions only when some lane passes the first test.
  @inline(__always)
  static func negligibleLanes(
    _ H: UnsafeMutablePointer<Lanes>, n: Int, k: Int, smlnum: Double
  ) -> LaneMask {
    let ulp = Machine.ulp
    let hkk = H[k &* n &+ k], hk1k1 = H[(k &- 1) &* n &+ k &- 1]
    let sub = laneMagnitudes(H[k &* n &+ k &- 1])
    let dkk = laneMagnitudes(hkk)
    var tst = laneMagnitudes(hk1k1) + dkk
    let zero = tst .== 0
    if any(zero) {
      // The neighbours count only when the diagonal pair is 0 (ilo = 0, ihi = n - 1).
      var extra = Lanes()
      if k >= 2 { extra += laneMagnitudes(H[(k &- 1) &* n &+ k &- 2]) }
      if k &+ 1 < n { extra += laneMagnitudes(H[(k &+ 1) &* n &+ k]) }
      tst = select(zero, tst + extra, tst)
    }
    let tiny = sub .<= smlnum
    let candidate = .!tiny .& (sub .<= ulp * tst)
    if !any(candidate) { return tiny }
    let b = laneMagnitudes(H[(k &- 1) &* n &+ k])
    let ab = maxLanes(sub, b)
    let ba = minLanes(sub, b)
    let diff = laneMagnitudes(hk1k1 - hkk)
    let aa = maxLanes(dkk, diff)
    let bb = minLanes(dkk, diff)
    let s = aa + ab
    let rhs = maxLanes(Lanes(repeating: smlnum), ulp * (bb * (aa / s)))
    return tiny .| (candidate .& (ba * (ab / s) .<= rhs))
  }

  /// The shifts of every lane (`smallShifts`): the eigenvalues of the 2 x 2 block when
  /// they are a complex pair, else twice the real one closer to `h22`; the block is scaled
  /// by `s = |h11| + |h12| + |h21| + |h22|` only in lanes where s is outside
  /// [2^-400, 2^400]. Returns (re s1, im s1, re s2, im s2).
  @inline(__always)
  static func shiftsLanes(
    _ h11: Lanes, _ h12: Lanes, _ h21: Lanes, _ h22: Lanes
  ) -> (Lanes, Lanes, Lanes, Lanes) {
    let s0 = laneMagnitudes(h11) + laneMagnitudes(h12) + laneMagnitudes(h21) + laneMagnitudes(h22)
    var a = h11, b = h12, c = h21, d = h22
    var back = Lanes(repeating: 1)
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
    let rtdisc = laneMagnitudes(det).squareRoot()
    let up = tr + rtdisc, down = tr - rtdisc
    let closer = select(laneMagnitudes(up - d) .<= laneMagnitudes(down - d), up, down)
    let complexPair = det .>= 0
    let zero = s0 .== 0
    let rt1r = select(zero, Lanes(), select(complexPair, tr, closer) * back)
    let rt1i = select(zero .| .!complexPair, Lanes(), rtdisc * back)
    // The vector minus is `0 - x`: +0 where the scalar code's -rt1i is -0. It cannot move
    // a bit: rt2i enters the first column only as |rt2i| and as rt1i rt2i, subtracted from
    // h1m hmm1 + (hmm - rt1r)(hmm - rt2r), which is never -0 when rt1i = 0 (the shifts are
    // then equal, so the product is a square).
    return (rt1r, rt1i, rt1r, -rt1i)
  }

  /// A multiple of the first column of `(H - s1)(H - s2)` at row m in every lane
  /// (`smallFirstColumn`), scaled by DLAHQR's factors only in lanes where they are outside
  /// [2^-400, 2^400].
  @inline(__always)
  static func firstColumnLanes(
    hmm: Lanes, h1m: Lanes, hmm1: Lanes, hm1m1: Lanes, hm2m1: Lanes, shifts: (Lanes, Lanes, Lanes, Lanes)
  ) -> (Lanes, Lanes, Lanes) {
    let (rt1r, rt1i, rt2r, rt2i) = shifts
    let s = laneMagnitudes(hmm - rt2r) + laneMagnitudes(rt2i) + laneMagnitudes(h1m)
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
    let sv = laneMagnitudes(v0) + laneMagnitudes(v1) + laneMagnitudes(v2)
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
  static func startRows<O: SmallOrder>(
    _ H: UnsafeMutablePointer<Lanes>, _ col: UnsafeMutablePointer<Lanes>, sweeping: LaneMask,
    iv: Lanes, lv: Lanes, shifts: (Lanes, Lanes, Lanes, Lanes), iMax: Int, _: O.Type
  ) -> Lanes {
    let n = O.n
    let ulp = Machine.ulp
    @inline(__always) func at(_ r: Int, _ c: Int) -> Lanes { H[r &* n &+ c] }
    var searching = sweeping
    var mv = Lanes()
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
          let h00 = laneMagnitudes(at(m, m &- 1)) * (laneMagnitudes(v1) + laneMagnitudes(v2))
          let h01 = ulp * laneMagnitudes(v0)
            * (laneMagnitudes(at(m &- 1, m &- 1)) + laneMagnitudes(hmm) + laneMagnitudes(at(m &+ 1, m &+ 1)))
          stop = stop .| (here .& (h00 .<= h01))
        }
        mv = select(stop, Lanes(repeating: mm), mv)
        searching = searching .& .!stop
      }
      m &-= 1
    }
    return mv
  }

  /// The double-shift sweep of every sweeping lane: the bulge chased from its row m to the
  /// bottom of its window, rows k...k+2 at step k for every lane whose sweep covers k.
  @inline(__always)
  static func chase<O: SmallOrder>(
    _ H: UnsafeMutablePointer<Lanes>, _ col: UnsafeMutablePointer<Lanes>, sweeping: LaneMask, live: LaneMask,
    iv: Lanes, lv: Lanes, mv: Lanes, lMin: Int, iMax: Int, scratch: UnsafeMutablePointer<Double>, _: O.Type
  ) {
    let n = O.n, w = Lanes.scalarCount
    let kLo = Int(select(sweeping, mv, Lanes(repeating: Double(n))).min())
    for k in kLo...(iMax &- 1) {
      // Lanes at step k: part; with a 3-entry reflector: three; at their first row: first.
      let kk = Double(k)
      let part = sweeping .& (mv .<= kk) .& (iv .> kk)
      if !any(part) { continue }
      let three = part .& (iv .> kk + 1)
      let first = part .& (mv .== kk)
      let interior = first .& (mv .> lv)
      let hasRow2 = k &+ 2 < n
      // The masks are most often all true or all false (every lane at the same window):
      // then the selects are skipped (a select by a uniform mask is one of its operands).
      let p = Uniform(part), t = Uniform(three), fr = Uniform(first)
      var a0 = col[0], a1 = col[1], a2 = col[2]
      if k > 0 {
        a0 = fr.pick(a0, H[k &* n &+ k &- 1])
        a1 = fr.pick(a1, H[(k &+ 1) &* n &+ k &- 1])
        if hasRow2 { a2 = fr.pick(a2, H[(k &+ 2) &* n &+ k &- 1]) }
      }
      // The reflector (smallReflector3): [a0; a1; a2] or [a0; a1] -> [beta; 0; 0].
      let ssq1 = a1 * a1
      let ssq = t.none ? ssq1 : t.pick(ssq1 + a2 * a2, ssq1)
      let total = a0 * a0 + ssq
      let plain = (ssq .>= 0x1p-900) .& (total .<= 0x1p900)
      let beta = -laneCopySign(magnitude: total.squareRoot(), sign: a0)
      var t1 = (beta - a0) / beta
      let f = 1 / (a0 - beta)
      var w2 = a1 * f, w3 = a2 * f, alpha = beta
      let scaled = part .& live .& .!plain
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
        let later = Uniform(part .& .!first)
        let at0 = k &* n &+ k &- 1
        let keep = any(interior) ? select(interior, H[at0] * (1 - t1), H[at0]) : H[at0]
        H[at0] = later.pick(alpha, keep)
        if !later.none {
          H[at0 &+ n] = later.pick(Lanes(), H[at0 &+ n])
          if hasRow2 { H[at0 &+ 2 &* n] = Uniform(part .& .!first .& three).pick(Lanes(), H[at0 &+ 2 &* n]) }
        }
      }
      let t2 = t1 * w2, t3 = t1 * w3
      let row2 = hasRow2 && !t.none
      // Rows k, k+1 (, k+2), columns k...iMax.
      let r0 = H + k &* n, r1 = r0 + n, r2 = r1 + n
      for c in k...iMax {
        let x0 = r0[c], x1 = r1[c]
        var sum = x0 + w2 * x1
        if row2 {
          let x2 = r2[c]
          sum = t.pick(sum + w3 * x2, sum)
          r2[c] = t.pick(x2 - sum * t3, x2)
        }
        r0[c] = p.pick(x0 - sum * t1, x0)
        r1[c] = p.pick(x1 - sum * t2, x1)
      }
      // Columns k, k+1 (, k+2), rows lMin...min(k+3, iMax).
      var r = min(k &+ 3, iMax)
      while r >= lMin {
        let row = H + (r &* n &+ k)
        let x0 = row[0], x1 = row[1]
        var sum = x0 + w2 * x1
        if row2 {
          let x2 = row[2]
          sum = t.pick(sum + w3 * x2, sum)
          row[2] = t.pick(x2 - sum * t3, x2)
        }
        row[0] = p.pick(x0 - sum * t1, x0)
        row[1] = p.pick(x1 - sum * t2, x1)
        r &-= 1
      }
    }
  }
}
