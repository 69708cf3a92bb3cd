import Testing

@testable import EigenCore

// The Householder Hessenberg reduction (`EigenSolver.hessenberg`, reached through
// `hessenbergDecomposition` and directly on a sub-block ilo...ihi as balancing leaves
// it): for orders up to 200,
// - H is exactly upper Hessenberg (zeros below the subdiagonal, stored reflectors cleared);
// - similarity: ||A - Q H Q^T||_F <= 8 n ulp ||A||_F;
// - orthogonality: ||Q^T Q - I||_F <= 8 n ulp;
// - on a sub-block, Q is the identity outside ilo...ihi and H equals A there except for
//   the rows/columns the block's similarity touches.

/// `||A - Q H Q^T||_F / (n ulp ||A||_F)` and `||Q^T Q - I||_F / (n ulp)`, row-major.
private func ratios(a: [Double], h: [Double], q: [Double], n: Int) -> (similarity: Double, orthogonality: Double) {
  var qh = [Double](repeating: 0, count: n * n)
  for i in 0..<n {
    for k in 0..<n where q[i * n + k] != 0 {
      let f = q[i * n + k]
      for j in 0..<n { qh[i * n + j] += f * h[k * n + j] }
    }
  }
  var res = 0.0, anorm = 0.0, orth = 0.0
  for i in 0..<n {
    for j in 0..<n {
      var s = 0.0, o = 0.0
      for k in 0..<n {
        s += qh[i * n + k] * q[j * n + k]
        o += q[k * n + i] * q[k * n + j]
      }
      let d = a[i * n + j] - s
      res += d * d
      anorm += a[i * n + j] * a[i * n + j]
      let e = o - (i == j ? 1 : 0)
      orth += e * e
    }
  }
  let scale = Double(n) * Machine.ulp
  return (res.squareRoot() / (scale * max(anorm.squareRoot(), Machine.safmin)), orth.squareRoot() / scale)
}

@Suite("Hessenberg reduction")
struct HessenbergTests {
  @Test("A = Q H Q^T with Q orthogonal and H Hessenberg", arguments: [1, 2, 3, 4, 5, 8, 13, 32, 75, 128, 200])
  func fullRange(n: Int) {
    var rng = SeededRNG(seed: 21, stream: UInt64(n))
    // Gaussian entries, a few rows and columns scaled by 2^+-20 (rough, like unbalanced input).
    var a = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
    for i in stride(from: 0, to: n, by: 7) {
      for j in 0..<n {
        a[i, j] *= 0x1p20
        a[j, i] *= 0x1p-20
      }
    }
    let (h, q) = EigenSolver.hessenbergDecomposition(a)
    for i in 0..<n {
      for j in 0..<max(0, i - 1) { #expect(h[i, j] == 0, "H[\(i)][\(j)] = \(h[i, j])") }
    }
    let r = ratios(a: a.storage, h: h.storage, q: q.storage, n: n)
    #expect(r.similarity <= 8, "n = \(n): similarity ratio \(r.similarity)")
    #expect(r.orthogonality <= 8, "n = \(n): orthogonality ratio \(r.orthogonality)")
  }

  @Test("on a block ilo...ihi of a block upper triangular matrix", arguments: [(12, 3, 9), (40, 0, 30), (64, 10, 63), (150, 7, 141)])
  func subBlock(n: Int, ilo: Int, ihi: Int) {
    var rng = SeededRNG(seed: 22, stream: UInt64(n))
    var a = rng.gaussianVector(n * n)
    // Balancing's shape: zero below the diagonal outside rows/columns ilo...ihi.
    for i in 0..<n {
      for j in 0..<i where !(ilo...ihi).contains(i) || !(ilo...ihi).contains(j) { a[i * n + j] = 0 }
    }
    var h = a
    var q = [Double](repeating: 7, count: n * n)  // overwritten with Q
    var work = [Double](repeating: 0, count: 3 * n + 1)
    h.withUnsafeMutableBufferPointer { hb in
      q.withUnsafeMutableBufferPointer { qb in
        work.withUnsafeMutableBufferPointer { wb in
          EigenSolver.hessenberg(
            hb.baseAddress!, qb.baseAddress!, n: n, ilo: ilo, ihi: ihi, vectors: true, v: wb.baseAddress!)
        }
      }
    }
    for i in 0..<n {
      for j in 0..<n {
        if i > j + 1 { #expect(h[i * n + j] == 0) }
        if !(ilo...ihi).contains(i) || !(ilo...ihi).contains(j) {
          #expect(q[i * n + j] == (i == j ? 1 : 0), "Q[\(i)][\(j)] outside the block")
        }
        // Rows and columns outside the block keep their entries where Q does not act.
        if (i < ilo || i > ihi) && (j < ilo || j > ihi) { #expect(h[i * n + j] == a[i * n + j]) }
      }
    }
    let r = ratios(a: a, h: h, q: q, n: n)
    #expect(r.similarity <= 8, "similarity ratio \(r.similarity)")
    #expect(r.orthogonality <= 8, "orthogonality ratio \(r.orthogonality)")
  }
}
