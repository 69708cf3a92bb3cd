// Eigenvalues of a batch of 3 x 3 matrices across SIMD lanes: the small path's N = 3 kernel
// (`EigenSolver.small3`) with each of the Hessenberg matrix's 8 possibly nonzero entries held
// as one vector, lane j of every vector belonging to one matrix.
//
// Each matrix is loaded and balanced on its own by the small path's code, reduced to
// Hessenberg form by small3's reflector, and tested for deflation once (scalar, small3's
// operations); a matrix that needs QR steps waits in a queue. Then every round, all lanes at
// once, without a mask: one Francis double-shift step (small3's sweep at i = 2, l = m = 0),
// then DLAHQR's deflation tests at h21 and h10. A lane that deflated writes its 1 x 1
// eigenvalue, puts its 2 x 2 block aside (small3's own deflation test of the leading block
// first, when h21 deflated) and takes the queue's next matrix at once; the others step again.
// The blocks put aside get DLANV2 four at a time, in lanes (`eigenvalues2x2`). The lanes'
// arithmetic has no cross-lane operation: a lane's bits depend on its own matrix only,
// whatever the batch around it.
//
// Bit for bit small3: the step's formulas are small3's (smallShifts, smallFirstColumn,
// smallReflector3, the row and column updates), operation for operation, on the branch
// small3 takes for ordinary values, plus two of its other branches that are not rare: the
// first column divided by its 1-norm (matrices scaled beyond about 2^+-200), and the
// second reflector's identity where h20 is exactly 0 (exact zeros: integer or low-rank
// matrices). Wherever small3 would take another branch, the lane leaves its matrix to the
// scalar solver, which restarts it from its input (same bits by construction): a shift
// block or first column whose first scale is outside [2^-400, 2^400] (including 0 and NaN),
// a reflector that needs DLARFG's scaled form (the very test small3 makes), and a matrix
// still not deflated after 9 steps (small3's 10th is an exceptional shift; its iteration
// bound comes later still). Matrices that small3 does not take in this
// form also go to the scalar solver: a failed load, a balancing refused or isolating an
// eigenvalue (ilo, ihi not 0, 2).
//
// Nothing is allocated per matrix: the lanes are local vectors, the scalar scratch is the
// workspace's.

/// The lanes of the order-3 kernel: 4 doubles, 2 SSE2 registers on the baseline build, one
/// AVX2 register when built for AVX2 (`make` on an x86-64-v3 machine). Measured with
/// `EigenBench --compare-batched 3` (the scalar small path and the lanes on the same batch in
/// one process, this alias changed, same code) on the baseline build: batched / scalar
/// 1.87-1.97 with `SIMD4`, 1.48-1.58 with `SIMD8` (register spills), 1.52-1.60 with `SIMD2`
/// (each round's fixed costs over 2 matrices); with AVX2, `SIMD4` 2.57-2.59 (Benchmarks/README.md).
typealias Lanes3 = SIMD4<Double>
/// A comparison's result on `Lanes3`.
typealias LaneMask3 = SIMDMask<Lanes3.MaskStorage>
/// `Lanes3`'s bits.
typealias LaneBits3 = SIMD4<UInt64>

extension SIMD2: DoubleLanes where Scalar == Double {
  @inline(__always)
  static func magnitudes(_ x: Self) -> Self {
    unsafeBitCast(unsafeBitCast(x, to: SIMD2<UInt64>.self) & 0x7fff_ffff_ffff_ffff, to: Self.self)
  }
  @inline(__always)
  static func copySign(magnitude: Self, sign: Self) -> Self {
    let m = unsafeBitCast(magnitude, to: SIMD2<UInt64>.self) & 0x7fff_ffff_ffff_ffff
    let s = unsafeBitCast(sign, to: SIMD2<UInt64>.self) & 0x8000_0000_0000_0000
    return unsafeBitCast(m | s, to: Self.self)
  }
}

/// `-x` lane by lane as the scalar `-x` takes it: the sign bit flipped (the standard
/// library's vector negation is `0 - x`, which turns +0 into +0, not -0).
@inline(__always)
func negated3(_ x: Lanes3) -> Lanes3 {
  unsafeBitCast(unsafeBitCast(x, to: LaneBits3.self) ^ 0x8000_0000_0000_0000, to: Lanes3.self)
}

/// `a` where `mask`, else `b`.
@inline(__always)
func pick3(_ mask: LaneMask3, _ a: Lanes3, _ b: Lanes3) -> Lanes3 { b.replacing(with: a, where: mask) }

/// An upper Hessenberg 3 x 3 matrix (h20 = 0 is not stored).
struct Hessenberg3 {
  var h00, h01, h02, h10, h11, h12, h21, h22: Double
  /// The matrix the lanes without one iterate on: the cyclic permutation
  /// `[[0, 0, 1], [1, 0, 0], [0, 1, 0]]`, on which the Francis step only permutes and flips
  /// signs (no deflation, no underflow: nothing slow).
  static let idle = Hessenberg3(h00: 0, h01: 0, h02: 1, h10: 1, h11: 0, h12: 0, h21: 1, h22: 0)
}

/// `Lanes3.scalarCount` upper Hessenberg 3 x 3 matrices, one entry per vector.
struct Hessenberg3Lanes {
  var h00 = Lanes3(), h01 = Lanes3(), h02 = Lanes3(), h10 = Lanes3()
  var h11 = Lanes3(), h12 = Lanes3(), h21 = Lanes3(), h22 = Lanes3()

  /// Lane j's matrix.
  @inline(__always)
  subscript(j: Int) -> Hessenberg3 {
    Hessenberg3(h00: h00[j], h01: h01[j], h02: h02[j], h10: h10[j], h11: h11[j], h12: h12[j], h21: h21[j], h22: h22[j])
  }

  /// Puts `m` into the lanes of `lane` (one lane: `laneMask3(j)`), by selects in registers
  /// (a store of one lane into a vector then read whole stalls the store forwarding).
  @inline(__always)
  mutating func put(_ m: Hessenberg3, in lane: LaneMask3) {
    h00.replace(with: m.h00, where: lane)
    h01.replace(with: m.h01, where: lane)
    h02.replace(with: m.h02, where: lane)
    h10.replace(with: m.h10, where: lane)
    h11.replace(with: m.h11, where: lane)
    h12.replace(with: m.h12, where: lane)
    h21.replace(with: m.h21, where: lane)
    h22.replace(with: m.h22, where: lane)
  }
}

/// `Lanes3.scalarCount` 2 x 2 blocks `[a b; c d]`, one entry per vector.
struct Block2Lanes {
  var a = Lanes3(), b = Lanes3(), c = Lanes3(), d = Lanes3()
  /// Puts a block into the lanes of `lane`, by selects in registers.
  @inline(__always)
  mutating func put(_ a0: Double, _ b0: Double, _ c0: Double, _ d0: Double, in lane: LaneMask3) {
    a.replace(with: a0, where: lane)
    b.replace(with: b0, where: lane)
    c.replace(with: c0, where: lane)
    d.replace(with: d0, where: lane)
  }
}

/// The mask of lane j alone.
@inline(__always)
func laneMask3(_ j: Int) -> LaneMask3 {
  var iota = Lanes3()
  for k in 0..<Lanes3.scalarCount { iota[k] = Double(k) }
  return iota .== Lanes3(repeating: Double(j))
}

extension BatchedSmallEigen {
  /// Order 3 (see the file's header): the lanes take the batch's matrices in order, a lane
  /// whose matrix is done (or left to the scalar solver) takes the next one at once.
  ///
  /// The scalar work of a round (preparing matrices for the lanes, the eigenvalues of the
  /// lanes that deflated in the round before) does not depend on the round's step and comes
  /// after it in program order, so that the processor runs it while the step's chain of
  /// square roots and divisions is in flight (and a mispredicted branch in it does not
  /// discard the step). Prepared matrices wait in a queue of `w` (a refill then only copies
  /// one in); the deflated lanes' blocks wait in a list of at most `w`.
  func run3(
    _ matrices: UnsafeBufferPointer<Double>, _ count: Int,
    _ values: UnsafeMutableBufferPointer<Complex>, _ outcomes: UnsafeMutableBufferPointer<EigenBatch.Outcome>
  ) {
    let w = Lanes3.scalarCount
    // A power of two (the queue's ring), and the lists fit the workspace (init).
    precondition(w & (w &- 1) == 0 && w <= Self.laneSlots && w &* MemoryLayout<Hessenberg3>.stride <= 64 &* 9)
    let smlnum = Machine.safmin * (3 / Machine.ulp)
    let owner = laneOwner
    let out = values.baseAddress!
    // The queue (a ring of w prepared matrices and their indices) in the lanes' workspace,
    // and the deflated 2 x 2 blocks waiting for DLANV2 (w at a time, in lanes; up to 2 w
    // wait), with where their eigenvalues go.
    let queue = raw.bindMemory(to: Hessenberg3.self, capacity: w)
    let queueOwner = swapBuffer + (2 &* order &+ 2)  // past the balancing's swaps
    let blockAt = queueOwner + w
    var blocks = Block2Lanes(), moreBlocks = Block2Lanes()
    var head = 0, queued = 0, pending = 0
    var H = Hessenberg3Lanes()
    var steps = Lanes3()
    var active = LaneMask3()
    var next = 0
    // Counted here, added to the solver's counters at the end (an access to a class's
    // property in the loop costs a run-time exclusivity check; so would a local variable
    // captured by a local function).
    var roundsHere = 0, fallbacksHere = 0
    defer {
      rounds &+= roundsHere
      fallbacks &+= fallbacksHere
    }
    var first = true
    while first || any(active) {
      var leave = LaneMask3(repeating: true)
      var done = LaneMask3(), at2 = LaneMask3()
      if first {
        first = false
      } else {
        roundsHere &+= 1
        let ordinary = Self.francisStep3(&H)
        // The eigenvalues of w deflated blocks (then fewer than w wait: with the at most w
        // of this round, fewer than 2 w).
        if pending >= w {
          Self.finishBlocks(blocks, count: w, at: blockAt, into: out)
          blocks = moreBlocks
          for k in 0..<(pending &- w) { blockAt[k] = blockAt[w &+ k] }
          pending &-= w
        }
        steps += 1
        let (a2, a1) = Self.deflation3(H, smlnum: smlnum)
        at2 = a2
        done = ordinary .& (a2 .| a1)
        // A 10th step would take small3's exceptional shift.
        leave = active .& (done .| .!ordinary .| (steps .>= 9))
      }
      // The queue topped up to w matrices.
      while queued < w {
        let at = (head &+ queued) & (w &- 1)
        guard nextForLanes3(matrices, count, &next, values, outcomes, &fallbacksHere, smlnum: smlnum, into: queue + at, queueOwner + at)
        else { break }
        queued &+= 1
      }
      if !any(leave) { continue }
      for j in 0..<w where leave[j] {
        if active[j] {
          let b = owner[j]
          if done[j] {
            let added: Bool
            if pending < w {
              added = Self.deflate3(
                H[j], at2: at2[j], smlnum: smlnum, into: out + 3 &* b, first: 3 &* b, &blocks, lane: pending,
                blockAt + pending)
            } else {
              added = Self.deflate3(
                H[j], at2: at2[j], smlnum: smlnum, into: out + 3 &* b, first: 3 &* b, &moreBlocks,
                lane: pending &- w, blockAt + pending)
            }
            if added { pending &+= 1 }
            outcomes[b] = .solved
          } else {
            fallbacksHere &+= 1
            scalarSolve(matrices, b, values, outcomes)
          }
        }
        // The queue's next matrix, if any.
        let lane = laneMask3(j)
        if queued > 0 {
          H.put(queue[head], in: lane)
          owner[j] = queueOwner[head]
          head = (head &+ 1) & (w &- 1)
          queued &-= 1
          active = active .| lane
        } else {
          H.put(.idle, in: lane)
          active = active .& .!lane
        }
      }
      steps.replace(with: 0, where: leave)
    }
    Self.finishBlocks(blocks, count: min(pending, w), at: blockAt, into: out)
    Self.finishBlocks(moreBlocks, count: max(pending &- w, 0), at: blockAt + w, into: out)
  }

  /// The next matrix of the batch, from `next` on, that needs QR steps, in Hessenberg form,
  /// into `slot`, with its index into `index`; the ones before it are solved here (no step
  /// needed) or by the scalar solver (counted in `fallbacks`). false when the batch is done.
  func nextForLanes3(
    _ matrices: UnsafeBufferPointer<Double>, _ count: Int, _ next: inout Int,
    _ values: UnsafeMutableBufferPointer<Complex>, _ outcomes: UnsafeMutableBufferPointer<EigenBatch.Outcome>,
    _ fallbacks: inout Int, smlnum: Double, into slot: UnsafeMutablePointer<Hessenberg3>,
    _ index: UnsafeMutablePointer<Int>
  ) -> Bool {
    let s = scratch
    while next < count {
      let b = next
      next &+= 1
      let p = SmallBuffers(
        a: matrices.baseAddress! + b &* 9, h: s, z: s + 12, v: s + 12, d: s + 9, swapA: swapBuffer,
        swapB: swapBuffer + 4, wr: s + 18, wi: s + 18)
      guard Self.loadAndBalance(p, SmallOrder3.self) else {
        fallbacks &+= 1
        scalarSolve(matrices, b, values, outcomes)
        continue
      }
      let m = EigenSolver.smallHessenberg3(p).h
      // small3's first deflation tests, before any step.
      let at = EigenSolver.smallNegligible(hkk1: m.h21, hk1k: m.h12, hkk: m.h22, hk1k1: m.h11, extra: abs(m.h10), smlnum: smlnum)
        ? 2
        : EigenSolver.smallNegligible(hkk1: m.h10, hk1k: m.h01, hkk: m.h11, hk1k1: m.h00, extra: abs(m.h21), smlnum: smlnum)
          ? 1 : 0
      if at == 0 {
        slot.pointee = m
        index.pointee = b
        return true
      }
      Self.finish3(m, deflatedAt: at, smlnum: smlnum, into: values.baseAddress! + 3 &* b)
      outcomes[b] = .solved
    }
    return false
  }

  /// small3 after the deflation of `h[l][l-1]` (l = `deflatedAt`): l = 2, the 1 x 1 block
  /// h22, then the leading 2 x 2 block (its own deflation test, else DLANV2); l = 1, the
  /// trailing 2 x 2 block (DLANV2) and h00. Writes the 3 eigenvalues in small3's order.
  static func finish3(_ m: Hessenberg3, deflatedAt l: Int, smlnum: Double, into out: UnsafeMutablePointer<Complex>) {
    if l == 2 {
      out[2] = Complex(m.h22, 0)
      if EigenSolver.smallNegligible(hkk1: m.h10, hk1k: m.h01, hkk: m.h11, hk1k1: m.h00, extra: 0, smlnum: smlnum) {
        out[1] = Complex(m.h11, 0)
        out[0] = Complex(m.h00, 0)
      } else {
        let blk = standardize2x2(m.h00, m.h01, m.h10, m.h11)
        out[0] = Complex(blk.rt1r, blk.rt1i)
        out[1] = Complex(blk.rt2r, blk.rt2i)
      }
    } else {
      let blk = standardize2x2(m.h11, m.h12, m.h21, m.h22)
      out[1] = Complex(blk.rt1r, blk.rt1i)
      out[2] = Complex(blk.rt2r, blk.rt2i)
      out[0] = Complex(m.h00, 0)
    }
  }

  /// small3 after the deflation of `h[l][l-1]` in a lane (l = 2 when `at2`, else 1), up to
  /// DLANV2: writes the 1 x 1 block's eigenvalue (and, for l = 2, the leading block's two
  /// when its own deflation test passes: then returns false); otherwise puts the 2 x 2
  /// block into lane `lane` of `blocks`, puts the index in the batch's values of the first
  /// of its eigenvalues into `at` (`first` is that of the matrix's first), and returns true.
  @inline(__always)
  static func deflate3(
    _ m: Hessenberg3, at2: Bool, smlnum: Double, into out: UnsafeMutablePointer<Complex>, first: Int,
    _ blocks: inout Block2Lanes, lane: Int, _ at: UnsafeMutablePointer<Int>
  ) -> Bool {
    let mask = laneMask3(lane)
    if at2 {
      out[2] = Complex(m.h22, 0)
      if EigenSolver.smallNegligible(hkk1: m.h10, hk1k: m.h01, hkk: m.h11, hk1k1: m.h00, extra: 0, smlnum: smlnum) {
        out[1] = Complex(m.h11, 0)
        out[0] = Complex(m.h00, 0)
        return false
      }
      blocks.put(m.h00, m.h01, m.h10, m.h11, in: mask)
      at.pointee = first
    } else {
      out[0] = Complex(m.h00, 0)
      blocks.put(m.h11, m.h12, m.h21, m.h22, in: mask)
      at.pointee = first &+ 1
    }
    return true
  }

  /// DLANV2's eigenvalues for the first `count` lanes of `blocks`: lane k's pair goes to
  /// `out[at[k]]`, `out[at[k] + 1]` (see `deflate3`).
  static func finishBlocks(_ blocks: Block2Lanes, count: Int, at: UnsafeMutablePointer<Int>, into out: UnsafeMutablePointer<Complex>) {
    if count == 0 { return }
    let (rt1r, rt1i, rt2r, rt2i, scalar) = eigenvalues2x2(blocks.a, blocks.b, blocks.c, blocks.d)
    for k in 0..<count {
      let o = out + at[k]
      if scalar[k] {
        let blk = standardize2x2(blocks.a[k], blocks.b[k], blocks.c[k], blocks.d[k])
        o[0] = Complex(blk.rt1r, blk.rt1i)
        o[1] = Complex(blk.rt2r, blk.rt2i)
      } else {
        o[0] = Complex(rt1r[k], rt1i[k])
        o[1] = Complex(rt2r[k], rt2i[k])
      }
    }
  }

  /// `standardize2x2(a, b, c, d)`'s eigenvalues `(rt1r, rt1i, rt2r, rt2i)` (LAPACK DLANV2)
  /// in every lane, its branches as selects, operation for operation; the lanes where
  /// DLANV2 would rescale `sigma` and `temp` (their larger magnitude at or beyond
  /// `Machine.safmx2` or `Machine.safmn2`) are marked `scalar` (their results here are not
  /// DLANV2's: those lanes call it).
  @inline(__always)
  static func eigenvalues2x2(
    _ a: Lanes3, _ b: Lanes3, _ c: Lanes3, _ d: Lanes3
  ) -> (Lanes3, Lanes3, Lanes3, Lanes3, scalar: LaneMask3) {
    let mag = Lanes3.magnitudes
    let zero = Lanes3(), half = Lanes3(repeating: 0.5)
    /// `fsign(1, x)`: -1 where the sign bit of x is set, else 1.
    @inline(__always) func unitSign(_ x: Lanes3) -> Lanes3 {
      Lanes3.copySign(magnitude: Lanes3(repeating: 1), sign: x)
    }
    let cZero = c .== 0
    let bZero = b .== 0
    let fsB = unitSign(b), fsC = unitSign(c)
    // DLANV2's third case: a = d with b, c of opposite signs, already standard.
    let standard = (a - d .== 0) .& (fsB .!= fsC)
    // The general case.
    let temp = a - d
    let p = 0.5 * temp
    let ab = mag(b), ac = mag(c)
    let bcmax = pick3(ac .>= ab, ac, ab)
    let bcmis = pick3(ac .< ab, ac, ab) * fsB * fsC
    let ap = mag(p)
    let scale = pick3(bcmax .>= ap, bcmax, ap)
    let z = (p / scale) * p + (bcmax / scale) * bcmis
    let realPair = z .>= Lanes3(repeating: 4.0 * Machine.ulp)
    // Real eigenvalues.
    // (The square roots of magnitudes: the same values where they are used, here scale >= 0
    // and z > 0, and vector square roots for the compiler, which otherwise keeps the
    // scalar library call a negative argument needs.)
    let zr = p + Lanes3.copySign(magnitude: mag(scale).squareRoot() * mag(z).squareRoot(), sign: p)
    let aReal = d + zr
    let dReal = d - (bcmax / zr) * bcmis
    // Complex or almost equal real eigenvalues: make the diagonal equal.
    let sigma = b + c
    let big = pick3(mag(sigma) .>= mag(temp), mag(sigma), mag(temp))
    let rescaled = (big .>= Machine.safmx2) .| (big .<= Machine.safmn2)
    let tau = hypot2Lanes(sigma, temp)
    // 1/2 (1 + |sigma| / tau) is at least 1/2, or NaN (kept, sign and all).
    let cs2 = half * (1 + mag(sigma) / tau)
    let cs = pick3(cs2 .!= cs2, cs2, mag(cs2).squareRoot())
    let sn = negated3(p / (tau * cs)) * unitSign(sigma)
    let aa = a * cs + b * sn
    let bb = negated3(a) * sn + b * cs
    let cc = c * cs + d * sn
    let dd = negated3(c) * sn + d * cs
    let b1 = bb * cs + dd * sn
    let c1 = negated3(aa) * sn + cc * cs
    let tmid = half * ((aa * cs + cc * sn) + (negated3(bb) * sn + dd * cs))
    // sqrt|b| and sqrt|c| of the block as it ends: the given one where it was standard (a
    // complex pair), else [a1 b1; c1 d1] (then also the split below).
    let complexStandard = .!cZero .& .!bZero .& standard
    let sab = mag(pick3(complexStandard, b, b1)).squareRoot()
    let sac = mag(pick3(complexStandard, c, c1)).squareRoot()
    // Then, where c1 != 0 and b1 != 0 have the same sign: real eigenvalues t +- p1.
    let p1 = Lanes3.copySign(magnitude: sab * sac, sign: c1)
    let splits = (c1 .!= 0) .& (b1 .!= 0) .& (unitSign(b1) .== unitSign(c1))
    let stays = (c1 .!= 0) .& (b1 .!= 0) .& .!splits
    let aMid = pick3(splits, tmid + p1, tmid)
    let dMid = pick3(splits, tmid - p1, tmid)
    // The eigenvalues by case, in DLANV2's order of tests.
    let general = .!cZero .& .!bZero .& .!standard
    let mid = general .& .!realPair
    let rt1r = pick3(cZero, a, pick3(bZero, d, pick3(standard, a, pick3(realPair, aReal, aMid))))
    let rt2r = pick3(cZero, d, pick3(bZero, a, pick3(standard, d, pick3(realPair, dReal, dMid))))
    // Imaginary parts where the final c is not 0: sqrt|b| sqrt|c| and its negation.
    let complexMid = mid .& stays
    let im = sab * sac
    let hasIm = complexStandard .| complexMid
    let rt1i = pick3(hasIm, im, zero)
    let rt2i = pick3(hasIm, negated3(im), zero)
    return (rt1r, rt1i, rt2r, rt2i, mid .& rescaled)
  }

  /// `hypot2(x, y)` in every lane: `w sqrt(1 + (z / w)^2)` with `w`, `z` the larger and
  /// smaller magnitude, `w` itself where `z = 0` or `w` is infinite.
  @inline(__always)
  static func hypot2Lanes(_ x: Lanes3, _ y: Lanes3) -> Lanes3 {
    let xa = Lanes3.magnitudes(x), ya = Lanes3.magnitudes(y)
    let w = pick3(ya .>= xa, ya, xa)
    let z = pick3(ya .< xa, ya, xa)
    let r = z / w
    return pick3((z .== 0) .| (w .> Double.greatestFiniteMagnitude), w, w * (1 + r * r).squareRoot())
  }

  /// One Francis double-shift step on every lane (small3's loop body with the standard
  /// shifts: i = 2, l = m = 0): the shifts from the trailing 2 x 2 block (`smallShifts`),
  /// the first column of the shift polynomial (`smallFirstColumn`), the 3-entry reflector on
  /// rows and columns 0...2, the 2-entry reflector on [h10; h20] and rows and columns 1, 2.
  /// Returns the lanes where small3 takes these formulas (no scaled form); in the others the
  /// matrix is garbage.
  @inline(__always)
  static func francisStep3(_ H: inout Hessenberg3Lanes) -> LaneMask3 {
    let mag = Lanes3.magnitudes
    var h00 = H.h00, h01 = H.h01, h02 = H.h02, h10 = H.h10
    var h11 = H.h11, h12 = H.h12, h21 = H.h21, h22 = H.h22
    var h20 = Lanes3()
    // smallShifts(h11, h12, h21, h22) with s0 in [2^-400, 2^400] (so the factor back = 1,
    // by which small3 multiplies exactly, is left out).
    let s0 = mag(h11) + mag(h12) + mag(h21) + mag(h22)
    var ordinary = (s0 .>= 0x1p-400) .& (s0 .<= 0x1p400)
    let tr = (h11 + h22) * 0.5
    let det = (h11 - tr) * (h22 - tr) - h12 * h21
    let rtdisc = mag(det).squareRoot()
    let up = tr + rtdisc, down = tr - rtdisc
    let closer = pick3(mag(up - h22) .<= mag(down - h22), up, down)
    let complexPair = det .>= 0
    let rt1r = pick3(complexPair, tr, closer)
    let rt1i = pick3(complexPair, rtdisc, Lanes3())
    let rt2r = rt1r, rt2i = negated3(rt1i)
    // smallFirstColumn at m = 0, both scales in [2^-400, 2^400].
    let sc = mag(h00 - rt2r) + mag(rt2i) + mag(h10)
    ordinary = ordinary .& (sc .>= 0x1p-400) .& (sc .<= 0x1p400)
    var c0 = h10 * h01 + (h00 - rt1r) * (h00 - rt2r) - rt1i * rt2i
    var c1 = h10 * (h00 + h11 - rt1r - rt2r)
    var c2 = h10 * h21
    let sv = mag(c0) + mag(c1) + mag(c2)
    // The column divided by its 1-norm where that is outside [2^-400, 2^400] (matrices
    // scaled by more than about 2^200 or less than 2^-200).
    let scale = .!((sv .>= 0x1p-400) .& (sv .<= 0x1p400))
    if any(scale) {
      c0 = pick3(scale, c0 / sv, c0)
      c1 = pick3(scale, c1 / sv, c1)
      c2 = pick3(scale, c2 / sv, c2)
    }
    // k = 0: smallReflector3 on [c0; c1; c2], plain form.
    do {
      let ssq = c1 * c1 + c2 * c2
      let total = c0 * c0 + ssq
      ordinary = ordinary .& (ssq .>= 0x1p-900) .& (total .<= 0x1p900)
      let beta = negated3(Lanes3.copySign(magnitude: total.squareRoot(), sign: c0))
      let t1 = (beta - c0) / beta
      let f = 1 / (c0 - beta)
      let w2 = c1 * f, w3 = c2 * f
      let t2 = t1 * w2, t3 = t1 * w3
      @inline(__always) func rows(_ a: inout Lanes3, _ b: inout Lanes3, _ c: inout Lanes3) {
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
    }
    // k = 1: smallReflector3 on [h10; h20], plain form, or DLARFG's identity (tau = 0,
    // h10 and h20 kept) where h20 is exactly 0 (a matrix with exact zeros: integers, low
    // rank); h20 becomes 0.
    do {
      let ssq = h20 * h20
      let total = h10 * h10 + ssq
      let plain = (ssq .>= 0x1p-900) .& (total .<= 0x1p900)
      let beta = negated3(Lanes3.copySign(magnitude: total.squareRoot(), sign: h10))
      var t1 = (beta - h10) / beta
      let f = 1 / (h10 - beta)
      var w2 = h20 * f
      if all(plain) {
        h10 = beta
      } else {
        let identity = h20 .== 0
        ordinary = ordinary .& (plain .| identity)
        t1 = pick3(identity, Lanes3(), t1)
        w2 = pick3(identity, h20, w2)
        h10 = pick3(identity, h10, beta)
      }
      let t2 = t1 * w2
      @inline(__always) func pair(_ a: inout Lanes3, _ b: inout Lanes3) {
        let sum = a + w2 * b
        a -= sum * t1
        b -= sum * t2
      }
      pair(&h11, &h21)
      pair(&h12, &h22)
      pair(&h01, &h02)
      pair(&h11, &h12)
      pair(&h21, &h22)
    }
    H = Hessenberg3Lanes(h00: h00, h01: h01, h02: h02, h10: h10, h11: h11, h12: h12, h21: h21, h22: h22)
    return ordinary
  }

  /// small3's deflation tests in every lane: `h21` negligible (then l = 2), and `h10`
  /// negligible (l = 1 when h21 is not).
  @inline(__always)
  static func deflation3(_ H: Hessenberg3Lanes, smlnum: Double) -> (LaneMask3, LaneMask3) {
    let mag = Lanes3.magnitudes
    let at2 = negligible3(hkk1: H.h21, hk1k: H.h12, hkk: H.h22, hk1k1: H.h11, extra: mag(H.h10), smlnum: smlnum)
    let at1 = negligible3(hkk1: H.h10, hk1k: H.h01, hkk: H.h11, hk1k1: H.h00, extra: mag(H.h21), smlnum: smlnum)
    return (at2, at1)
  }

  /// `smallNegligible(hkk1:hk1k:hkk:hk1k1:extra:smlnum:)` in every lane, its early returns
  /// as masks: `|hkk1| <= smlnum`, or not `|hkk1| > ulp tst` and the Ahues-Tisseur test.
  /// `Swift.max(x, y)` is `y >= x ? y : x` and `min(x, y)` is `y < x ? y : x`, as here.
  @inline(__always)
  static func negligible3(
    hkk1 h: Lanes3, hk1k: Lanes3, hkk: Lanes3, hk1k1: Lanes3, extra: Lanes3, smlnum: Double
  ) -> LaneMask3 {
    let mag = Lanes3.magnitudes
    let ulp = Machine.ulp
    let hkk1 = mag(h)
    let tiny = hkk1 .<= smlnum
    var tst = mag(hk1k1) + mag(hkk)
    tst = pick3(tst .== 0, tst + extra, tst)
    let far = hkk1 .> ulp * tst
    let b = mag(hk1k)
    let ab = pick3(b .>= hkk1, b, hkk1)
    let ba = pick3(b .< hkk1, b, hkk1)
    let dkk = mag(hkk)
    let diff = mag(hk1k1 - hkk)
    let aa = pick3(diff .>= dkk, diff, dkk)
    let bb = pick3(diff .< dkk, diff, dkk)
    let s = aa + ab
    let right = ulp * (bb * (aa / s))
    let bound = pick3(right .>= Lanes3(repeating: smlnum), right, Lanes3(repeating: smlnum))
    return tiny .| (.!far .& (ba * (ab / s) .<= bound))
  }
}
