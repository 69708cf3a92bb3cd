import EigenCore
import GradcheckModel
import Spectral
import Testing

private let forumY1 = Matrix([
  [-0.7459, -1.0099, -0.2937], [-0.4803, -0.8911, -0.3678], [0.3982, -0.7645, 0.7407],
])

/// Central difference of s along the entry (i, j), with a Richardson step.
private func fdEntry(_ kind: SpectralKind, _ y: Matrix, _ i: Int, _ j: Int) throws -> Double {
  var ev = SpectralEvaluator()
  func s(_ h: Double) throws -> Double {
    var m = y
    m[i, j] += h
    return try ev.value(kind, m).s!
  }
  let h = 1e-3
  let d1 = (try s(h) - s(-h)) / (2 * h)
  let d2 = (try s(h / 2) - s(-h / 2)) / h
  return (4 * d2 - d1) / 3
}

@Suite("Spectral quantities")
struct SpectralQuantityTests {
  @Test func forumExampleBatch1() throws {
    var ev = SpectralEvaluator()
    let r = try ev.evaluate(.minRealEigenvalue, forumY1)
    #expect(abs(r.s! - -1.5519847121) < 1e-9)
    #expect(abs(r.kappa! - 1.1239763586) < 1e-9)
    #expect(r.realCount == 3)
    #expect(abs(r.gap - (-0.2078899478 - -1.5519847121)) < 1e-9)
    // ds/dY = grad_y / (dT/ds); the forum example's grad_y[0][0] = 0.1412815858 for softplus
    // beta 5, so check the ratio structure: rank one, trace of ds/dY . Y = s.
    let g = r.gradient!
    var tr = 0.0
    for i in 0..<3 { for j in 0..<3 { tr += g[i, j] * forumY1[i, j] } }
    #expect(abs(tr - r.s!) < 1e-12)  // <Y, u v^T/(u^T v)> = lambda
  }

  @Test(arguments: SpectralKind.allCases)
  func gradientMatchesFiniteDifferences(_ kind: SpectralKind) throws {
    var rng = SeededRNG(seed: 3, stream: 77)
    var checked = 0
    for _ in 0..<30 {
      let n = 3 + rng.int(below: 3)
      let y = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
      var ev = SpectralEvaluator()
      let r = try ev.evaluate(kind, y)
      guard let g = r.gradient, r.gap > 0.05, r.nearestComplexImag > 0.05 else { continue }
      checked += 1
      for i in 0..<n {
        for j in 0..<n {
          let fd = try fdEntry(kind, y, i, j)
          #expect(abs(fd - g[i, j]) < 1e-6 * max(1, abs(g[i, j])), "\(kind) [\(i)][\(j)] fd \(fd) vs \(g[i, j])")
        }
      }
    }
    #expect(checked >= 10)
  }

  @Test func noRealEigenvalueIsUndefinedUnlessSentinel() throws {
    let rot = Matrix([[0, -2], [2, 0]])
    var ev = SpectralEvaluator()
    let r = try ev.evaluate(.minRealEigenvalue, rot)
    #expect(r.s == nil && r.gradient == nil && r.realCount == 0)
    let m = try ev.evaluate(.minRealEigenvalue, rot, sentinel: 1.0)
    #expect(m.s == 1.0 && m.masked)
    #expect(m.gradient!.storage.allSatisfy { $0 == 0 })
    let p = try ev.evaluate(.minRealPart, rot)
    #expect(p.s == 0)
  }

  @Test func sentinelReproducesTheQuestionsMasking() throws {
    // eigenvalues 3 and 1 +- 2i: with sentinel 1.0 the masked pair gives s = 1.0 < 3
    let y = Matrix([[3, 0, 0], [0, 1, -2], [0, 2, 1]])
    var ev = SpectralEvaluator()
    #expect(try ev.evaluate(.minRealEigenvalue, y).s == 3)
    #expect(try ev.evaluate(.minRealEigenvalue, y, sentinel: 1.0).s == 1.0)
    #expect(try ev.evaluate(.minRealEigenvalue, y, sentinel: 5.0).s == 3)
  }

  @Test func solvesAreCounted() throws {
    var ev = SpectralEvaluator()
    _ = try ev.evaluate(.minRealEigenvalue, forumY1)
    _ = try ev.value(.minRealEigenvalue, forumY1)
    #expect(ev.solves == 2)
  }
}

@Suite("SVD")
struct SVDTests {
  @Test(arguments: [1, 2, 3, 5, 8, 16])
  func reconstructsAndIsOrthogonal(_ n: Int) throws {
    var rng = SeededRNG(seed: 9, stream: UInt64(n))
    let a = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
    let d = try SingularValueDecomposition(a)
    #expect(d.converged)
    let rec = d.u * Matrix.diagonal(d.s) * d.v.transposed
    #expect((a - rec).norm1 <= 20 * Double(n) * Machine.ulp * a.norm1)
    #expect((Matrix.identity(n) - d.u.transposed * d.u).norm1 <= 20 * Double(n) * Machine.ulp)
    #expect((Matrix.identity(n) - d.v.transposed * d.v).norm1 <= 20 * Double(n) * Machine.ulp)
    for k in 1..<n { #expect(d.s[k - 1] >= d.s[k]) }
  }

  @Test func rankDeficientAndScaled() throws {
    let a = Matrix([[1, 2], [2, 4]])
    let d = try SingularValueDecomposition(a)
    #expect(abs(d.s[0] - 5) < 1e-14 && d.s[1] < 1e-15)
    let big = try SingularValueDecomposition(1e300 * Matrix([[3, 0], [0, 4]]))
    #expect(big.s == [4e300, 3e300])
    let tiny = try SingularValueDecomposition(1e-300 * Matrix([[3, 0], [0, 4]]))
    #expect(abs(tiny.s[0] / 4e-300 - 1) < 1e-15)
  }
}
