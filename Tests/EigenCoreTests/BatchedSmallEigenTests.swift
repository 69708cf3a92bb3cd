import Testing

@testable import EigenCore

// The batched path (BatchedSmallEigen.swift) against the scalar solver, and the
// independence of its lanes.

/// `count` matrices of order n, row-major, one after the other.
private func flatten(_ ms: [Matrix]) -> [Double] { ms.flatMap(\.storage) }

/// Eigenvalues and outcomes of the batched path on `ms` (all of one order), and how many
/// matrices it handed to the scalar solver.
func solveBatched(_ ms: [Matrix]) -> (values: [Complex], outcomes: [EigenBatch.Outcome], fallbacks: Int) {
  let n = ms[0].rows
  let flat = flatten(ms)
  var values = [Complex](repeating: Complex(0, 0), count: ms.count * n)
  var outcomes = [EigenBatch.Outcome](repeating: .solved, count: ms.count)
  let solver = BatchedSmallEigen(order: n)
  flat.withUnsafeBufferPointer { a in
    values.withUnsafeMutableBufferPointer { v in
      outcomes.withUnsafeMutableBufferPointer { o in
        solver.eigenvalues(of: a, count: ms.count, into: v, outcomes: o)
      }
    }
  }
  return (values, outcomes, solver.fallbacks)
}

/// The scalar solver's eigenvalues (Schur order) or its error.
private func scalar(_ a: Matrix) -> Result<[Complex], EigenError> {
  var s = EigenSolver()
  do throws(EigenError) {
    try s.factor(a, vectors: false)
    return .success(s.eigenvalues)
  } catch {
    return .failure(error)
  }
}

private func bits(_ v: [Complex]) -> [UInt64] { v.flatMap { [$0.re.bitPattern, $0.im.bitPattern] } }

/// Every family supporting n (each LAPACK type on its own, and the edge families), `per`
/// matrices each, plus Gaussian matrices.
private func familyMatrices(n: Int, per: Int, seed: UInt64) -> [(String, Matrix)] {
  var out: [(String, Matrix)] = []
  let families = (1...21).map { MatrixFamilies.lapack(type: $0) } + MatrixFamilies.all.filter { $0.name != "lapack" }
  for f in families where f.supports(n) {
    for k in 0..<per { out.append(("\(f.name)[\(k)]", f.generate(n: n, index: k, seed: seed).matrix)) }
  }
  var rng = SeededRNG(seed: seed, stream: 900 + UInt64(n))
  for k in 0..<(4 * per) { out.append(("gauss[\(k)]", Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n)))) }
  return out
}

@Suite("Batched small eigenvalues")
struct BatchedSmallEigenTests {
  @Test("the scalar solver's eigenvalues bit for bit, and its errors, on every family",
        arguments: [3, 4, 5, 6, 7, 8, 12, 16])
  func agreesWithScalar(n: Int) throws {
    let cases = familyMatrices(n: n, per: 3, seed: 2026 + UInt64(n))
    let r = solveBatched(cases.map(\.1))
    for (b, (name, a)) in cases.enumerated() {
      let got = Array(r.values[(b * n)..<((b + 1) * n)])
      switch scalar(a) {
      case .failure(let e):
        #expect(r.outcomes[b] == .failed(e), "\(name)")
      case .success(let want):
        #expect(r.outcomes[b] == .solved, "\(name)")
        // The lanes take the small path's operations in its order: the same bits.
        #expect(bits(got) == bits(want), "\(name): \(got) against \(want)" as Comment)
      }
    }
  }

  @Test("a lane's result depends on its own matrix only, whatever the batch around it",
        arguments: [3, 5, 8])
  func lanesAreIndependent(n: Int) {
    let cases = familyMatrices(n: n, per: 2, seed: 77 + UInt64(n)).map(\.1)
    var rng = SeededRNG(seed: 5, stream: UInt64(n))
    // Neighbours that take other paths: NaN, huge, a triangular (isolated) matrix, zero.
    var nan = Matrix(n: n)
    nan[0, 1] = .nan
    var huge = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
    for k in 0..<(n * n) { huge.storage[k] *= 0x1p500 }
    var upper = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
    for i in 0..<n { for j in 0..<i { upper[i, j] = 0 } }
    let others = [nan, huge, upper, Matrix(n: n)] + (0..<12).map { _ in Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n)) }
    let width = BatchedSmallEigen.width
    do {
      let alone = cases.map { bits(solveBatched([$0]).values) }
      // The whole list, reversed, and each matrix at every lane position among others.
      let whole = solveBatched(cases).values
      let reversed = solveBatched(cases.reversed()).values
      for b in cases.indices {
        #expect(bits(Array(whole[(b * n)..<((b + 1) * n)])) == alone[b])
        let r = cases.count - 1 - b
        #expect(bits(Array(reversed[(r * n)..<((r + 1) * n)])) == alone[b])
      }
      for b in stride(from: 0, to: cases.count, by: 7) {
        for position in 0..<width {
          var mix = Array(others.shuffled(using: &rng).prefix(width + 3))
          mix.insert(cases[b], at: position)
          let got = solveBatched(mix).values
          #expect(bits(Array(got[(position * n)..<((position + 1) * n)])) == alone[b], "case \(b) at lane \(position)")
        }
      }
    }
  }

  @Test("lanes that need the general path's care get the scalar solver, with its errors",
        arguments: [3, 6])
  func fallbacks(n: Int) {
    var rng = SeededRNG(seed: 11, stream: UInt64(n))
    let gauss = (0..<20).map { _ in Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n)) }
    // Ordinary matrices all run in lanes (so the agreement above is the lanes' own).
    #expect(solveBatched(gauss).fallbacks == 0)
    var nan = gauss[0]
    nan[1, 2] = .infinity
    var wide = gauss[1]
    wide[0, 0] = 0x1p-700
    var tiny = gauss[2]
    for k in 0..<(n * n) { tiny.storage[k] *= 0x1p-450 }
    var upper = gauss[3]
    for i in 0..<n { for j in 0..<i { upper[i, j] = 0 } }
    let special = [nan, wide, tiny, upper]
    let mix = [gauss[4]] + special + [gauss[5], gauss[6]]
    let r = solveBatched(mix)
    #expect(r.fallbacks == special.count)
    for (b, a) in mix.enumerated() {
      switch scalar(a) {
      case .failure(let e): #expect(r.outcomes[b] == .failed(e))
      case .success(let want): #expect(bits(Array(r.values[(b * n)..<((b + 1) * n)])) == bits(want))
      }
    }
    #expect(r.outcomes[1] == .failed(.nonFinite(row: 1, col: 2, value: .infinity)))
    #expect(r.values[n].re.isNaN)
  }

  @Test("orders outside the lanes' range go to the scalar solver", arguments: [1, 2, 17])
  func otherOrders(n: Int) {
    var rng = SeededRNG(seed: 12, stream: UInt64(n))
    let ms = (0..<9).map { _ in Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n)) }
    let r = solveBatched(ms)
    #expect(r.fallbacks == 0)
    for (b, a) in ms.enumerated() {
      guard case .success(let want) = scalar(a) else { Issue.record("scalar failed"); continue }
      #expect(bits(Array(r.values[(b * n)..<((b + 1) * n)])) == bits(want))
    }
  }
}

@Suite("Batched small eigenvalues: lanes at different speeds")
struct BatchedLanePacingTests {
  /// A matrix that needs one or two sweeps: upper triangular with diagonal 1 ... n, ones
  /// above, and subdiagonal entries 1e-3.
  static func quick(_ n: Int) -> Matrix {
    var a = Matrix(n: n)
    for i in 0..<n {
      a[i, i] = Double(i + 1)
      for j in (i + 1)..<n { a[i, j] = 1 }
      if i > 0 { a[i, i - 1] = 1e-3 }
    }
    return a
  }

  /// The cyclic permutation, scaled: its standard shifts are 0, so DLAHQR needs its
  /// exceptional shifts (after 10 and 20 sweeps without a deflation).
  static func stalling(_ n: Int, scale: Double) -> Matrix {
    var a = Matrix(n: n)
    a[0, n - 1] = scale
    for i in 1..<n { a[i, i - 1] = scale }
    return a
  }

  @Test("a lane whose matrix is done waits for the others, then all take their next; each lane has the scalar solver's bits",
        arguments: [4, 5, 6, 7, 8, 11])
  func pacing(n: Int) {
    var rng = SeededRNG(seed: 41, stream: UInt64(n))
    let gauss = (0..<6).map { _ in Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n)) }
    let slow = [Self.stalling(n, scale: 1), Self.stalling(n, scale: -3)] + gauss
    // Quick and slow matrices side by side, in both orders, and batches of every length up
    // to four lanes' worth (so that lanes sit idle at the end of a batch).
    var batches: [[Matrix]] = []
    for s in slow {
      batches.append([Self.quick(n), s, Self.quick(n)])
      batches.append([s, Self.quick(n), s])
    }
    for length in 1...(4 * BatchedSmallEigen.width) { batches.append(Array((slow + slow).prefix(length))) }
    for ms in batches {
      let r = solveBatched(ms)
      #expect(r.fallbacks == 0, "every matrix runs in lanes")
      for (b, a) in ms.enumerated() {
        guard case .success(let want) = scalar(a) else { Issue.record("scalar failed on matrix \(b)"); continue }
        #expect(r.outcomes[b] == .solved)
        #expect(bits(Array(r.values[(b * n)..<((b + 1) * n)])) == bits(want), "matrix \(b) of \(ms.count)")
      }
    }
  }
}
