import EigenCore
import GradcheckModel
import Spectral
import Testing

// The batched route to finite-difference values: perturbed copies of one matrix solved
// together by `BatchedSmallEigen`, then `SpectralEvaluator.value(_:eigenvalues:sentinel:)`,
// must give exactly what `value` gives one matrix at a time.

@Suite("Spectral values from a batch")
struct BatchedValueTests {
  @Test("value from batched eigenvalues equals value one matrix at a time", arguments: [3, 4, 8])
  func batchedValuesMatch(n: Int) throws {
    var rng = SeededRNG(seed: 31, stream: UInt64(n))
    let y = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
    // Central-difference copies: Y +- h E_ij over a ladder of steps, as the engine makes them.
    var copies: [Matrix] = []
    for e in 0..<min(n * n, 5) {
      for step in 0..<6 {
        for side in [1.0, -1.0] {
          var c = y
          c.storage[e] += side * 0x1p-7 * Double(sign: .plus, exponent: -step, significand: 1)
          copies.append(c)
        }
      }
    }
    let flat = copies.flatMap(\.storage)
    var values = [Complex](repeating: .zero, count: copies.count * n)
    var outcomes = [EigenBatch.Outcome](repeating: .solved, count: copies.count)
    let lanes = BatchedSmallEigen(order: n)
    flat.withUnsafeBufferPointer { a in
      values.withUnsafeMutableBufferPointer { v in
        outcomes.withUnsafeMutableBufferPointer { o in
          lanes.eigenvalues(of: a, count: copies.count, into: v, outcomes: o)
        }
      }
    }
    #expect(lanes.fallbacks == 0)
    var one = SpectralEvaluator()
    var batched = SpectralEvaluator()
    batched.countSolves(copies.count)
    for kind in [SpectralKind.minRealEigenvalue, .minRealPart] {
      for sentinel in [nil, -0.5] as [Double?] {
        for (b, c) in copies.enumerated() {
          #expect(outcomes[b] == .solved)
          let want = try one.value(kind, c, sentinel: sentinel)
          let got = SpectralEvaluator.value(
            kind, eigenvalues: Array(values[(b * n)..<((b + 1) * n)]), sentinel: sentinel)
          #expect(got.s?.bitPattern == want.s?.bitPattern && got.realCount == want.realCount
            && got.selected == want.selected)
        }
      }
    }
    #expect(batched.solves == copies.count)
  }
}
