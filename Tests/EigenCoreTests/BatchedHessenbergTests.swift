import Testing

@testable import EigenCore

// The lanes' Hessenberg reduction (BatchedHessenberg.swift) against the small path's scalar
// `smallHessenberg`, bit for bit in every lane.

/// The small path's kernel type of order n (4 ... 16).
private func smallOrder(_ n: Int) -> any SmallOrder.Type {
  switch n {
  case 4: SmallOrder4.self
  case 5: SmallOrder5.self
  case 6: SmallOrder6.self
  case 7: SmallOrder7.self
  case 8: SmallOrder8.self
  case 9: SmallOrder9.self
  case 10: SmallOrder10.self
  case 11: SmallOrder11.self
  case 12: SmallOrder12.self
  case 13: SmallOrder13.self
  case 14: SmallOrder14.self
  case 15: SmallOrder15.self
  default: SmallOrder16.self
  }
}

/// `smallHessenberg` (ilo = 0, ihi = n - 1, no vectors) of the row-major matrix `a`.
private func scalarHessenberg<O: SmallOrder>(_ a: [Double], _: O.Type) -> [Double] {
  let n = O.n
  let h = UnsafeMutablePointer<Double>.allocate(capacity: n * n)
  let z = UnsafeMutablePointer<Double>.allocate(capacity: n * n)
  let v = UnsafeMutablePointer<Double>.allocate(capacity: 4 * n + 4)
  let swaps = UnsafeMutablePointer<Int>.allocate(capacity: 2 * n + 2)
  defer {
    h.deallocate()
    z.deallocate()
    v.deallocate()
    swaps.deallocate()
  }
  h.initialize(from: a, count: n * n)
  let p = SmallBuffers(
    a: UnsafePointer(h), h: h, z: z, v: v, d: v + n + 2, swapA: swaps, swapB: swaps + n + 1, wr: v + 2 * n + 2,
    wi: v + 3 * n + 2)
  EigenSolver.smallHessenberg(p, O.self, ilo: 0, ihi: n - 1, vectors: false)
  return Array(UnsafeBufferPointer(start: h, count: n * n))
}

/// `hessenbergLanes` on `lanes[j]` in lane j (`Lanes.scalarCount` matrices), the `live`
/// lanes marked as holding a matrix; every lane's result. The scratch has the solver's size.
private func laneHessenberg<O: SmallOrder>(_ lanes: [[Double]], live: [Bool], _: O.Type) -> [[Double]] {
  let n = O.n, w = Lanes.scalarCount
  let H = UnsafeMutablePointer<Lanes>.allocate(capacity: n * n)
  let v = UnsafeMutablePointer<Lanes>.allocate(capacity: n)
  let scratch = UnsafeMutablePointer<Double>.allocate(capacity: n * n + 4 * n + 4)
  defer {
    H.deallocate()
    v.deallocate()
    scratch.deallocate()
  }
  v.initialize(repeating: Lanes(), count: n)
  scratch.initialize(repeating: 0, count: n * n + 4 * n + 4)
  for k in 0..<(n * n) {
    var x = Lanes()
    for j in 0..<w { x[j] = lanes[j][k] }
    H[k] = x
  }
  var mask = LaneMask()
  for j in 0..<w { mask[j] = live[j] }
  BatchedSmallEigen.hessenbergLanes(H, v: v, live: mask, scratch: scratch, O.self)
  return (0..<w).map { j in (0..<(n * n)).map { H[$0][j] } }
}

/// The kinds of matrices: each takes some branch of the reduction (see `matrix`).
private let kinds = [
  "gauss", "tiny", "huge", "tiny column", "zero column", "block triangular", "Hessenberg", "sparse integers",
  "graded", "scaled columns",
]

/// A seeded matrix of order n of the given kind (row-major).
private func matrix(_ kind: String, n: Int, _ rng: inout SeededRNG) -> [Double] {
  var a = rng.gaussianVector(n * n)
  switch kind {
  case "tiny":  // every column's sum of squares below 2^-900: the scaled reflector
    for k in a.indices { a[k] *= 0x1p-460 }
  case "huge":  // alpha^2 + |x|^2 above 2^900: the scaled reflector
    for k in a.indices { a[k] *= 0x1p460 }
  case "tiny column":  // the first column below the subdiagonal near 2^-460
    for i in 2..<n { a[i * n] *= 0x1p-460 }
  case "zero column":  // x = 0 in the first column: tau = 0, no update
    for i in 2..<n { a[i * n] = 0 }
  case "block triangular":  // a zero block below: tau = 0 at column k - 1, +-0 entries
    let k = 2 + rng.int(below: n - 3)
    for i in k..<n { for j in 0..<k { a[i * n + j] = (rng.uniform() < 0.5) ? 0 : -0.0 } }
  case "Hessenberg":  // already Hessenberg: every tau = 0
    for i in 0..<n { for j in 0..<max(0, i - 1) { a[i * n + j] = 0 } }
  case "sparse integers":  // exact zeros (of both signs) and exact sums
    for k in a.indices { a[k] = (rng.uniform() < 0.6) ? ((rng.uniform() < 0.5) ? 0 : -0.0) : Double(rng.int(below: 5)) - 2 }
  case "graded":  // d_i / d_j with d_i = 2^s_i, |s_i| <= 230: entries across 2^+-460
    let s = (0..<n).map { _ in Double(rng.int(below: 461)) - 230 }
    for i in 0..<n { for j in 0..<n { a[i * n + j] *= Double.pow2(s[i] - s[j]) } }
  case "scaled columns":  // random columns by 2^-470 or 2^470
    for j in 0..<n where (rng.uniform() < 0.4) {
      let f = (rng.uniform() < 0.5) ? 0x1p-470 : 0x1p470
      for i in 0..<n { a[i * n + j] *= f }
    }
  default: break
  }
  return a
}

extension Double {
  /// 2^e for an integral e in the normal range.
  fileprivate static func pow2(_ e: Double) -> Double { Double(sign: .plus, exponent: Int(e), significand: 1) }
}

private func bits(_ a: [Double]) -> [UInt64] { a.map(\.bitPattern) }

@Suite("Batched Hessenberg reduction")
struct BatchedHessenbergTests {
  @Test("every lane gets the scalar reduction's bits, whatever its neighbours' kind",
        arguments: Array(4...16))
  func agreesWithScalar(n: Int) {
    let O = smallOrder(n)
    let w = Lanes.scalarCount
    var rng = SeededRNG(seed: 4100, stream: UInt64(n))
    var batch: [(String, [Double])] = []
    for kind in kinds { for _ in 0..<(2 * w) { batch.append((kind, matrix(kind, n: n, &rng))) } }
    batch.shuffle(using: &rng)
    for start in stride(from: 0, to: batch.count - w + 1, by: w) {
      let group = Array(batch[start..<(start + w)])
      let got = laneHessenberg(group.map(\.1), live: Array(repeating: true, count: w), O)
      for j in 0..<w {
        let want = scalarHessenberg(group[j].1, O)
        #expect(bits(got[j]) == bits(want), "order \(n), \(group[j].0) in lane \(j)")
      }
    }
  }

  @Test("the generator's kinds meet the scaled reflector's and tau = 0's conditions in their first column")
  func kindsTakeTheirBranches() {
    // A check of the generator, so that the bit-for-bit tests above do reach the lanes'
    // scaled path and tau = 0 select: the first column alone decides its reflector, by
    // `smallReflector`'s plain test.
    let n = 8
    var rng = SeededRNG(seed: 4101, stream: 0)
    func firstColumn(_ a: [Double]) -> (plain: Bool, zero: Bool) {
      var ssq = 0.0
      for i in 2..<n { ssq += a[i * n] * a[i * n] }
      let total = a[n] * a[n] + ssq
      return (ssq >= 0x1p-900 && total <= 0x1p900, ssq == 0)
    }
    for _ in 0..<20 {
      #expect(!firstColumn(matrix("tiny", n: n, &rng)).plain)
      #expect(!firstColumn(matrix("huge", n: n, &rng)).plain)
      #expect(!firstColumn(matrix("tiny column", n: n, &rng)).plain)
      #expect(firstColumn(matrix("zero column", n: n, &rng)).zero)
      #expect(firstColumn(matrix("gauss", n: n, &rng)).plain)
    }
    // A zero x gives tau = 0 (the scalar reduction then skips the updates).
    var alpha = 3.0
    var x = [0.0, -0.0, 0.0]
    #expect(EigenSolver.scaledReflector(alpha: &alpha, x: &x, count: 3, stride: 1) == 0)
  }

  @Test("lanes without a matrix (NaN, infinity, zeros, huge) neither trap nor change the others",
        arguments: [4, 7, 12, 16])
  func garbageNeighbours(n: Int) {
    let O = smallOrder(n)
    let w = Lanes.scalarCount
    var rng = SeededRNG(seed: 4102, stream: UInt64(n))
    let garbage: [[Double]] = [
      Array(repeating: .nan, count: n * n), Array(repeating: .infinity, count: n * n),
      Array(repeating: 0, count: n * n), rng.gaussianVector(n * n).map { $0 * 0x1p1000 },
      rng.gaussianVector(n * n).map { $0 * 0x1p-1070 }, rng.gaussianVector(n * n).map { $0.isNaN ? 0 : $0 / 0 },
    ]
    for kind in kinds {
      for position in 0..<w {
        let a = matrix(kind, n: n, &rng)
        var lanes = (0..<w).map { _ in garbage[rng.int(below: garbage.count)] }
        var live = Array(repeating: false, count: w)
        lanes[position] = a
        live[position] = true
        // The other live lanes hold matrices of other kinds.
        for j in 0..<w where j != position && (rng.uniform() < 0.3) {
          lanes[j] = matrix(kinds[rng.int(below: kinds.count)], n: n, &rng)
          live[j] = true
        }
        let got = laneHessenberg(lanes, live: live, O)
        for j in 0..<w where live[j] {
          #expect(bits(got[j]) == bits(scalarHessenberg(lanes[j], O)), "order \(n), \(kind) at lane \(j)")
        }
      }
    }
  }

  @Test("the batched solver keeps the scalar solver's eigenvalue bits at every order 4 ... 16",
        arguments: Array(4...16))
  func batchedEigenvalues(n: Int) {
    var rng = SeededRNG(seed: 4103, stream: UInt64(n))
    // Kinds the solver takes in lanes or hands to the scalar path (tiny, huge): both agree.
    var ms: [[Double]] = []
    for kind in kinds { for _ in 0..<3 { ms.append(matrix(kind, n: n, &rng)) } }
    for _ in 0..<10 { ms.append(matrix("gauss", n: n, &rng)) }
    ms.shuffle(using: &rng)
    let (values, outcomes, fallbacks) = solveBatched(ms.map { Matrix(rows: n, cols: n, storage: $0) })
    // At least the Gaussian ones run in lanes (so that the agreement is partly the lanes'
    // own; the tiny, huge, graded and triangular ones go to the scalar solver, whose
    // balancing takes them out of the lanes: the lanes' scaled reflectors are exercised by
    // the reduction tests above, not by this whole solve).
    #expect(ms.count - fallbacks >= 10)
    for (b, a) in ms.enumerated() {
      var s = EigenSolver()
      do throws(EigenError) {
        try s.factor(Matrix(rows: n, cols: n, storage: a), vectors: false)
        #expect(outcomes[b] == .solved)
        let want = s.eigenvalues.flatMap { [$0.re.bitPattern, $0.im.bitPattern] }
        let got = values[(b * n)..<((b + 1) * n)].flatMap { [$0.re.bitPattern, $0.im.bitPattern] }
        #expect(got == want, "order \(n), matrix \(b)")
      } catch {
        #expect(outcomes[b] == .failed(error), "order \(n), matrix \(b)")
      }
    }
  }
}
