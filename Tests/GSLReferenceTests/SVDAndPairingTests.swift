import EigenCore
import GSLReference
import Testing

/// `||A - U diag(s) V^T||_F`.
private func reconstructionError(_ a: Matrix, _ u: Matrix, _ s: [Double], _ v: Matrix) -> Double {
  var us = u
  for i in 0..<u.rows { for j in 0..<u.cols { us[i, j] *= s[j] } }
  return (a - us * v.transposed).normFrobenius
}

/// `||Q^T Q - I||_F`.
private func orthonormalityError(_ q: Matrix) -> Double {
  (q.transposed * q - Matrix.identity(q.cols)).normFrobenius
}

@Suite("GSL reference SVD")
struct SVDTests {

  @Test(
    "SVD reconstructs A, has orthonormal U and V and non-increasing non-negative s",
    arguments: [(1, 1), (2, 2), (3, 3), (5, 5), (8, 8), (4, 3), (3, 4), (7, 2), (2, 7), (3, 1), (1, 3)])
  func reconstructs(rows: Int, cols: Int) throws {
    let a = randomMatrix(rows: rows, cols: cols, seed: UInt64(31 * rows + cols))
    let (u, s, v) = try GSLReference.svd(a)
    let k = min(rows, cols)
    #expect(u.rows == rows && u.cols == k)
    #expect(v.rows == cols && v.cols == k)
    #expect(s.count == k)
    let m = Double(max(rows, cols))
    #expect(reconstructionError(a, u, s, v) <= 20 * m * eps * a.normFrobenius)
    #expect(orthonormalityError(u) <= 20 * m * eps)
    #expect(orthonormalityError(v) <= 20 * m * eps)
    #expect(s.allSatisfy { $0 >= 0 })
    #expect(zip(s, s.dropFirst()).allSatisfy { $0 >= $1 })
    #expect(try GSLReference.singularValues(a) == s)
  }

  @Test("known singular values: diag(3,-1,2) -> [3,2,1]; 1x1; zero matrix")
  func known() throws {
    let s = try GSLReference.singularValues(Matrix.diagonal([3, -1, 2]))
    #expect(zip(s, [3.0, 2, 1]).allSatisfy { abs($0 - $1) <= 4 * eps * 3 })
    #expect(try GSLReference.singularValues(Matrix([[-2.5]])) == [2.5])
    let (u, z, v) = try GSLReference.svd(Matrix(n: 3))
    #expect(z == [0, 0, 0])
    #expect(orthonormalityError(u) <= 20 * 3 * eps)
    #expect(orthonormalityError(v) <= 20 * 3 * eps)
  }

  @Test("SVD at 1e+200 and 1e-200 reconstructs A")
  func extreme() throws {
    for scale in [1e200, 1e-200] {
      let a = scale * classic3
      let (u, s, v) = try GSLReference.svd(a)
      #expect(reconstructionError(a, u, s, v) <= 20 * 3 * eps * a.normFrobenius)
    }
  }
}

@Suite("Optimal pairing")
struct PairingTests {

  @Test("pairs where a greedy nearest match does not")
  func beatsGreedy() {
    // Greedy on the globally nearest pair takes (2, 1.6) first, then (1, 3): total 2.4.
    // The optimum pairs 1 with 1.6 and 2 with 3: total 1.6.
    let a = [Complex(1), Complex(2)]
    let b = [Complex(1.6), Complex(3)]
    #expect(optimalPairing(a, b) == [0, 1])
  }

  @Test("recovers a permutation of conjugate pairs and reals, perturbed")
  func recoversPermutation() {
    let a = [Complex(1, 2), Complex(1, -2), Complex(0.5), Complex(0.5 + 1e-9), Complex(-3)]
    let perm = [3, 0, 4, 2, 1]  // b[perm[i]] ~ a[i]
    var b = [Complex](repeating: .zero, count: a.count)
    for i in 0..<a.count { b[perm[i]] = a[i] + Complex(1e-12, -1e-12) }
    #expect(optimalPairing(a, b) == perm)
  }
  // Optimality of the pairing itself is tested against brute force in
  // EigenCoreTests (VerificationTests); here, its use for GSL's left vectors.

}
