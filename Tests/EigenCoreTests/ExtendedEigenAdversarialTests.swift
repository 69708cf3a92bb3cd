@testable import EigenCore
import Testing

/// The double solver's adversarial matrices (AdversarialTests.swift) through the
/// double-double solver: it converges, its eigenvalues are finite and its eigenvectors
/// pass the residual bound of `DDTest.checkVectors`.
@Suite("Double-double eigen solver: adversarial matrices")
struct ExtendedEigenAdversarialTests {
  private func check(_ a: Matrix, _ label: String) throws {
    let s = try ExtendedEigenSolver(DDTest.dd(a), n: a.rows)
    #expect(s.eigenvalues.allSatisfy { $0.re.isFinite && $0.im.isFinite }, "\(label)")
    _ = try DDTest.checkVectors(DDTest.dd(a), n: a.rows, label)
  }

  @Test func nearDefective() throws {
    for n in [2, 3, 5, 8, 16] {
      for corner in [1e-30, 1e-20, 1e-14, 1e-8] {
        var j = Matrix.identity(n)
        for i in 0..<(n - 1) { j[i, i + 1] = 1 }
        j[n - 1, 0] = corner
        var rng = SeededRNG(seed: 59, stream: UInt64(n))
        try check(j, "Jordan n=\(n) corner \(corner)")
        try check(Adversarial.orthogonallySimilar(j, &rng), "hidden Jordan n=\(n) corner \(corner)")
      }
    }
  }

  @Test func clustered() throws {
    for n in [2, 4, 7, 12, 16] {
      var rng = SeededRNG(seed: 31, stream: UInt64(n))
      let d = Matrix.diagonal((0..<n).map { 1 + Double($0) * LAPACKTest.ulp })
      var pairs = Matrix.identity(n)
      for i in stride(from: 0, to: n - 1, by: 2) {
        pairs[i, i + 1] = LAPACKTest.ulp
        pairs[i + 1, i] = -LAPACKTest.ulp
      }
      try check(Adversarial.orthogonallySimilar(d, &rng), "clustered reals n=\(n)")
      try check(Adversarial.orthogonallySimilar(pairs, &rng), "clustered pairs n=\(n)")
      // Unhidden, the pairs 1 +- i ulp are exact: complex, not real, in double-double too.
      let e = try ExtendedEigenSolver(DDTest.dd(pairs), n: n).eigenvalues
      #expect(e.filter { $0.im.isZero }.count == n % 2, "pairs n=\(n)")
    }
  }

  @Test func zeroRowsAndColumns() throws {
    var rng = SeededRNG(seed: 17)
    for n in [2, 3, 6, 11, 16] {
      for pattern in 0..<3 {
        var a = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
        switch pattern {
        case 0: for c in 0..<n { a[0, c] = 0 }
        case 1: for r in 0..<n { a[r, n - 1] = 0 }
        default:
          for k in stride(from: 0, to: n, by: 2) {
            for c in 0..<n { a[k, c] = 0 }
            for r in 0..<n { a[r, k] = 0 }
          }
        }
        try check(a, "zero rows/columns n=\(n) pattern \(pattern)")
      }
    }
  }

  @Test func gslBug59781() throws {
    try check(Adversarial.bug59781, "GSL bug 59781")
  }

  @Test func denormalsAndFuzzFindings() throws {
    let tiny = try ExtendedEigenSolver([DoubleDouble(0x1p-1074)], n: 1).eigenvalues
    #expect(tiny[0].re == DoubleDouble(0x1p-1074))
    let t2 = try ExtendedEigenSolver([0x1p-1060, 0x1p-1074, 0, -0x1p-1070], n: 2).eigenvalues
    #expect(Set(t2.map(\.re.hi)) == [0x1p-1060, -0x1p-1070])
    let m = Double.greatestFiniteMagnitude
    // Eigenvalues 0.5 +- sqrt(0.25 + M^2): finite (about +-M).
    let big = try ExtendedEigenSolver([1, m, m, m, 0, 0, 0, 0, 0], n: 3).eigenvalues
    #expect(big.allSatisfy { $0.re.hi.isFinite })
    // 2M and its negative: no double can hold them.
    #expect(throws: EigenError.eigenvalueOverflow(magnitudeExponent: 1024)) { try ExtendedEigenSolver([m, m, m, m], n: 2) }
    try check(Matrix([
      [0.0004767922792013327, 0.0004767922794117647, 0.0004767922794117647, 0.0004767922794117647, 0.0004767922794117647],
      [0.0004767922794117647, 0.0004767922794117647, 0.0004767922794117647, 0.0004767922794117647, 1.6031837859188951e-288],
      [6.572409673357464e-287, 2.567347528655259e-289, 2.5673475286553755e-289, 2.567347528655259e-289, 2.5673475286851233e-289],
      [2.567347528655259e-289, 2.5673475363005544e-289, 2.567347528655259e-289, 2.567349485850923e-289, 2.567347528655259e-289],
      [2.567848570745261e-289, 2.567347528655259e-289, 2.695614303695833e-289, 2.567347528655259e-289, 1.6825368763795104e-284],
    ]), "fuzz: zero eigenvector")
    try check(Matrix([
      [4.852897904996543e-299, 4.5480509667887196e-305, -9.586012774963336e+90],
      [5.4323774876e-312, 3.42575000493434e-310, 4.852897904996543e-299],
      [-1.7318841639839346e-24, -9.586051501470104e+90, -9.586051653338757e+90],
    ]), "fuzz: deflated coupling")
  }
}
