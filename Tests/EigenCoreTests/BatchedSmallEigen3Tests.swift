import Testing

@testable import EigenCore

// The order-3 lane kernel (BatchedSmallEigen3.swift) against the scalar small path
// (`EigenSolver.factor(vectors: false)`): the same eigenvalue bits and outcomes on every
// family, on many seeded random matrices, whatever the batch around a matrix, and on the
// matrices whose rare branches the lanes leave to the scalar solver.

/// What the batched solver returned on a batch of 3 x 3 matrices.
private struct Run {
  var values: [Complex]
  var outcomes: [EigenBatch.Outcome]
  var fallbacks: Int
  var rounds: Int
  func bits(_ b: Int) -> [UInt64] { order3Bits(Array(values[(3 * b)..<(3 * b + 3)])) }
}

private func order3Bits(_ v: [Complex]) -> [UInt64] { v.flatMap { [$0.re.bitPattern, $0.im.bitPattern] } }

private func solve3(_ ms: [Matrix]) -> Run {
  let flat = ms.flatMap(\.storage)
  var values = [Complex](repeating: Complex(0, 0), count: ms.count * 3)
  var outcomes = [EigenBatch.Outcome](repeating: .solved, count: ms.count)
  let solver = BatchedSmallEigen(order: 3)
  flat.withUnsafeBufferPointer { a in
    values.withUnsafeMutableBufferPointer { v in
      outcomes.withUnsafeMutableBufferPointer { o in
        solver.eigenvalues(of: a, count: ms.count, into: v, outcomes: o)
      }
    }
  }
  return Run(values: values, outcomes: outcomes, fallbacks: solver.fallbacks, rounds: solver.rounds)
}

/// The scalar solver on one matrix: its eigenvalues (Schur order) and QR iterations, or its error.
private func scalar3(_ a: Matrix) -> Result<([Complex], Int), EigenError> {
  var s = EigenSolver()
  do throws(EigenError) {
    try s.factor(a, vectors: false)
    return .success((s.eigenvalues, s.iterations))
  } catch {
    return .failure(error)
  }
}

/// What the scalar solver's run says about the lanes: `long` matrices took 10 or more QR
/// steps (small3's exceptional shift: the lanes leave those), `laneable` ones were loaded,
/// balanced without an isolated eigenvalue and solved within 9 steps (the lanes keep
/// those, save the rare scaled branch).
private struct Census {
  var long = 0
  var laneable = 0
}

/// Checks every matrix of the batch against the scalar solver.
@discardableResult
private func expectScalarBits(_ ms: [Matrix], _ r: Run, _ label: String) -> Census {
  var census = Census()
  for (b, a) in ms.enumerated() {
    var s = EigenSolver()
    do throws(EigenError) {
      try s.factor(a, vectors: false)
      let want = s.eigenvalues
      if s.iterations >= 10 { census.long += 1 }
      let top = a.storage.map { abs($0) }.max()!
      let low = a.storage.map { abs($0) }.filter { $0 != 0 }.min() ?? 0
      let loads = top <= 0x1p400 && (top == 0 || (top >= 0x1p-400 && low >= top * 0x1p-600))
      if loads && s.ilo == 0 && s.ihi == 2 && s.iterations < 10 { census.laneable += 1 }
      #expect(r.outcomes[b] == .solved, "\(label)[\(b)]")
      #expect(r.bits(b) == order3Bits(want), "\(label)[\(b)] \(a.storage): \(Array(r.values[(3 * b)..<(3 * b + 3)])) against \(want)" as Comment)
    } catch {
      // By description: a NaN in the error is not equal to itself.
      #expect("\(r.outcomes[b])" == "\(EigenBatch.Outcome.failed(error))", "\(label)[\(b)]")
      #expect(r.values[3 * b].re.isNaN)
    }
  }
  return census
}

/// The lanes left every matrix they cannot take to the scalar solver, and kept all but a
/// few (at most 2 %: a scaled reflector as the last step converges) of the others.
private func expectLanesKept(_ r: Run, _ census: Census, count: Int, _ label: String) {
  #expect(r.fallbacks >= count - census.laneable, "\(label): fallbacks \(r.fallbacks), laneable \(census.laneable) of \(count)")
  #expect(r.fallbacks <= count - census.laneable + census.laneable / 50, "\(label): fallbacks \(r.fallbacks), laneable \(census.laneable) of \(count)")
}

/// Seeded random 3 x 3 matrices of several kinds: Gaussian, small integers (zeros, ties,
/// exact cancellations), sparse, upper Hessenberg (a zero (2, 0) entry: the scaled
/// Hessenberg reflector), symmetric, nearly triangular, rank one, and Gaussian scaled by
/// 2^k over the whole range the small path takes.
private func randomMatrices(count: Int, seed: UInt64) -> [Matrix] {
  var rng = SeededRNG(seed: seed, stream: 3)
  var out: [Matrix] = []
  for k in 0..<count {
    var m = Matrix(rows: 3, cols: 3, storage: rng.gaussianVector(9))
    switch k % 9 {
    case 1: for i in 0..<9 { m.storage[i] = Double(rng.int(below: 5) - 2) }
    case 2: for i in 0..<9 where rng.int(below: 3) == 0 { m.storage[i] = 0 }
    case 3: m[2, 0] = 0
    case 4: for i in 0..<3 { for j in 0..<i { m[i, j] = m[j, i] } }
    case 5: for i in 0..<3 { for j in 0..<i { m[i, j] *= 0x1p-30 } }
    case 6:
      let u = rng.gaussianVector(3), v = rng.gaussianVector(3)
      for i in 0..<3 { for j in 0..<3 { m[i, j] = u[i] * v[j] } }
    case 7:
      let e = rng.int(below: 800) - 400
      for i in 0..<9 { m.storage[i] = Double(sign: .plus, exponent: e, significand: 1) * m.storage[i] }
    case 8:
      // Entries of widely different magnitudes (balancing has work to do).
      for i in 0..<9 { m.storage[i] *= Double(sign: .plus, exponent: rng.int(below: 120) - 60, significand: 1) }
    default: break
    }
    out.append(m)
  }
  return out
}

/// Matrices the lanes cannot take or that fail: NaN, infinity, huge, tiny, triangular
/// (balancing isolates its eigenvalues), zero.
private func specials(seed: UInt64) -> [Matrix] {
  var rng = SeededRNG(seed: seed, stream: 33)
  var nan = Matrix(rows: 3, cols: 3, storage: rng.gaussianVector(9))
  nan[0, 1] = .nan
  var inf = Matrix(rows: 3, cols: 3, storage: rng.gaussianVector(9))
  inf[2, 1] = -.infinity
  var huge = Matrix(rows: 3, cols: 3, storage: rng.gaussianVector(9))
  for k in 0..<9 { huge.storage[k] *= 0x1p500 }
  var tiny = Matrix(rows: 3, cols: 3, storage: rng.gaussianVector(9))
  for k in 0..<9 { tiny.storage[k] *= 0x1p-450 }
  var upper = Matrix(rows: 3, cols: 3, storage: rng.gaussianVector(9))
  for i in 0..<3 { for j in 0..<i { upper[i, j] = 0 } }
  return [nan, inf, huge, tiny, upper, Matrix(n: 3)]
}

@Suite("Batched order-3 lanes")
struct BatchedSmallEigen3Tests {
  @Test("every family: the scalar solver's eigenvalue bits and outcomes")
  func families() {
    let families = (1...21).map { MatrixFamilies.lapack(type: $0) } + MatrixFamilies.all.filter { $0.name != "lapack" }
    var ms: [Matrix] = []
    for f in families where f.supports(3) {
      for k in 0..<12 { ms.append(f.generate(n: 3, index: k, seed: 3030).matrix) }
    }
    #expect(ms.count >= 12 * 30)
    let r = solve3(ms)
    let census = expectScalarBits(ms, r, "families")
    // Many run in lanes (so the agreement is the lanes' own).
    #expect(census.laneable > ms.count / 2)
    expectLanesKept(r, census, count: ms.count, "families")
  }

  @Test("seeded random matrices of many kinds: the scalar solver's bits; lanes leave only the long ones")
  func randomKinds() {
    let ms = randomMatrices(count: 6000, seed: 2027)
    let r = solve3(ms)
    let census = expectScalarBits(ms, r, "random")
    #expect(census.laneable > ms.count / 2)
    expectLanesKept(r, census, count: ms.count, "random")
    // Gaussian and upper Hessenberg inputs (whose scaled Hessenberg reflector is the
    // scalar preparation's, not a fallback).
    let plain = ms.enumerated().filter { $0.offset % 9 == 0 || $0.offset % 9 == 3 }.map(\.element)
    let rp = solve3(plain)
    let cp = expectScalarBits(plain, rp, "gaussian and Hessenberg")
    #expect(cp.laneable > plain.count * 9 / 10)
    expectLanesKept(rp, cp, count: plain.count, "gaussian and Hessenberg")
  }

  @Test("one matrix alone takes as many rounds as the scalar solver takes QR steps")
  func roundsCountSteps() {
    var rng = SeededRNG(seed: 8, stream: 3)
    for _ in 0..<40 {
      let a = Matrix(rows: 3, cols: 3, storage: rng.gaussianVector(9))
      guard case .success(let (_, its)) = scalar3(a) else { Issue.record("scalar failed"); continue }
      let r = solve3([a])
      if its < 10 {
        #expect(r.rounds == its)
        #expect(r.fallbacks == 0)
      } else {
        #expect(r.fallbacks == 1)
      }
    }
  }

  /// Batch sizes 1, width - 1, width, width + 1, 100 (by index).
  @Test("a matrix's bits do not depend on its lane, its neighbours or the batch size",
        arguments: 0..<5)
  func lanesAreIndependent(sizeIndex: Int) {
    let width = BatchedSmallEigen(order: 3).laneWidth
    #expect(width >= 2 && width <= BatchedSmallEigen.laneSlots)
    let n = [1, width - 1, width, width + 1, 100][sizeIndex]
    let cases = randomMatrices(count: n > 9 ? 18 : 27, seed: 99)
    let others = specials(seed: UInt64(n)) + randomMatrices(count: 120, seed: 1000 + UInt64(n))
    var rng = SeededRNG(seed: 4, stream: UInt64(n))
    let positions = n <= 9 ? Array(0..<n) : Array(0..<9) + [n / 2, n - 2, n - 1]
    for (c, a) in cases.enumerated() {
      let alone = solve3([a])
      expectScalarBits([a], alone, "alone \(c)")
      for position in positions {
        var batch = Array(others.shuffled(using: &rng).prefix(n - 1))
        batch.insert(a, at: position)
        let r = solve3(batch)
        #expect(r.bits(position) == alone.bits(0), "case \(c) at \(position) of \(n)")
        #expect(r.outcomes[position] == alone.outcomes[0])
        if position == 0 || position == n - 1 { expectScalarBits(batch, r, "batch of \(n)") }
      }
    }
  }

  @Test("specials mixed with ordinary matrices at every lane position")
  func specialsEverywhere() {
    let sp = specials(seed: 5)
    let ordinary = randomMatrices(count: 40, seed: 6)
    let width = BatchedSmallEigen(order: 3).laneWidth
    for (s, special) in sp.enumerated() {
      for position in 0..<(2 * width) {
        var batch = Array(ordinary.prefix(2 * width + 1))
        batch.insert(special, at: position)
        let r = solve3(batch)
        expectScalarBits(batch, r, "special \(s) at \(position)")
      }
    }
    let r = solve3(sp)
    #expect(r.values[0].re.isNaN)
    #expect(r.outcomes[1] == .failed(.nonFinite(row: 2, col: 1, value: -.infinity)))
    // All six are the scalar solver's: a failed load (NaN, infinity, huge, tiny) or
    // eigenvalues isolated by balancing (triangular, zero).
    #expect(r.fallbacks == 6)
  }

  @Test("rare branches: scaled shifts and first columns (entries near 2^400 or 2^-400)")
  func scaledForms() {
    var rng = SeededRNG(seed: 17, stream: 3)
    var ms: [Matrix] = []
    for k in 0..<400 {
      var m = Matrix(rows: 3, cols: 3, storage: rng.gaussianVector(9))
      let top = m.storage.map { abs($0) }.max()!
      // Largest entry just below 2^400, or just above 2^-400 with the others smaller still.
      let e = k % 2 == 0 ? 399 : -399 - rng.int(below: 3)
      for i in 0..<9 { m.storage[i] = m.storage[i] / top * Double(sign: .plus, exponent: e, significand: 1) }
      ms.append(m)
    }
    let r = solve3(ms)
    expectScalarBits(ms, r, "scaled")
    // The lanes met these branches and left them to the scalar solver.
    #expect(r.fallbacks > 50, "fallbacks \(r.fallbacks)")
  }

  @Test("rare branches: matrices that need the exceptional shifts (cycles)")
  func exceptionalShifts() {
    var rng = SeededRNG(seed: 18, stream: 3)
    var ms: [Matrix] = []
    for k in 0..<40 {
      // [[0, 0, a], [b, 0, 0], [0, c, 0]]: a cycle, the shifts stall without DLAHQR's
      // exceptional ones; scaled and, for half of them, slightly perturbed.
      var m = Matrix(n: 3)
      m[0, 2] = 1 + 0.1 * rng.uniform()
      m[1, 0] = 1 + 0.1 * rng.uniform()
      m[2, 1] = 1 + 0.1 * rng.uniform()
      if k == 0 { m[0, 2] = 1; m[1, 0] = 1; m[2, 1] = 1 }
      if k % 2 == 1 { for i in 0..<9 where m.storage[i] == 0 { m.storage[i] = 1e-9 * rng.gaussian() } }
      ms.append(m)
    }
    let r = solve3(ms)
    let census = expectScalarBits(ms, r, "cycles")
    #expect(census.long > 0)
    #expect(r.fallbacks >= census.long)
    // The exact cycle on its own.
    let one = solve3([ms[0]])
    guard case .success(let (_, its)) = scalar3(ms[0]) else { Issue.record("scalar failed"); return }
    #expect(its >= 10)
    #expect(one.fallbacks == 1)
  }
}

@Suite("DLANV2 in lanes")
struct Eigenvalues2x2LanesTests {
  /// Blocks reaching every branch of DLANV2: c = 0, b = 0, a = d with b, c of opposite
  /// signs, real and complex pairs, almost equal real eigenvalues, the split of the equal
  /// diagonal into a real pair, signed zeros, huge and tiny entries (the rescaling loop:
  /// those lanes must be marked for the scalar call), NaN and infinity.
  private func blocks() -> [(Double, Double, Double, Double)] {
    var rng = SeededRNG(seed: 31, stream: 2)
    let specials: [Double] = [0, -0.0, 1, -1, 2, -2, 0.5, 3, 1e-300, -1e-300, 0x1p-1000, 1e300, -1e300, 0x1p600, .nan, .infinity, -.infinity, 5e-324]
    var out: [(Double, Double, Double, Double)] = []
    for _ in 0..<6000 {
      func pick() -> Double {
        switch rng.int(below: 4) {
        case 0: return specials[rng.int(below: specials.count)]
        case 1: return Double(rng.int(below: 7) - 3)
        default: return rng.gaussian() * Double(sign: .plus, exponent: rng.int(below: 40) - 20, significand: 1)
        }
      }
      var blk = (pick(), pick(), pick(), pick())
      switch rng.int(below: 5) {
      case 0: blk.3 = blk.0  // equal diagonal
      case 1: blk.3 = blk.0; blk.2 = -blk.1 * rng.uniform(0.5, 2)  // standard complex, or close
      case 2: blk.2 = blk.1 * 1e-17  // almost equal real eigenvalues
      default: break
      }
      out.append(blk)
    }
    return out
  }

  /// A double's bits, every NaN one value. IEEE 754 leaves a NaN result's sign and payload
  /// open, and x86 gives an operation on two NaNs the first operand's: which of the two the
  /// compiler puts first (a commutative add or multiply, SSE's two-operand or AVX's
  /// three-operand form) decides it, so the NaN blocks' signs differ between the lanes and
  /// the scalar code in some builds (the debug build for AVX2). Every other value must
  /// have the same bits.
  static func bits(_ x: Double) -> UInt64 { x.isNaN ? Double.nan.bitPattern : x.bitPattern }

  @Test("the eigenvalues of standardize2x2 bit for bit (any NaN as NaN), or the lane marked for it")
  func agreesWithStandardize() {
    let all = blocks()
    let w = Lanes3.scalarCount
    var marked = 0
    for start in stride(from: 0, to: all.count, by: w) {
      var a = Lanes3(), b = Lanes3(), c = Lanes3(), d = Lanes3()
      for k in 0..<w {
        let blk = all[(start + k) % all.count]
        a[k] = blk.0
        b[k] = blk.1
        c[k] = blk.2
        d[k] = blk.3
      }
      let (rt1r, rt1i, rt2r, rt2i, scalar) = BatchedSmallEigen.eigenvalues2x2(a, b, c, d)
      for k in 0..<w {
        if scalar[k] { marked += 1; continue }
        let want = standardize2x2(a[k], b[k], c[k], d[k])
        let got = [rt1r[k], rt1i[k], rt2r[k], rt2i[k]].map(Self.bits)
        #expect(got == [want.rt1r, want.rt1i, want.rt2r, want.rt2i].map(Self.bits), "[\(a[k]) \(b[k]); \(c[k]) \(d[k])]")
      }
    }
    // The rescaling loop was met (those go to the scalar call), and rarely.
    #expect(marked > 0 && marked < all.count / 10, "marked \(marked)")
  }
}
