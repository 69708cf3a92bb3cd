@testable import EigenCore
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A matrix `A = X T X^-1` built exactly in integers (quarters): `X = L U^T` with `L`, `U`
/// unit lower triangular with entries in `-k ... k`, so `X^-1 = U^-T L^-1` is an integer
/// matrix too, and `T` block diagonal: 1 x 1 blocks `d/4` and 2 x 2 blocks
/// `[[a, b], [-b, a]] / 4` (eigenvalues `(a +- i b) / 4`). The right eigenvector of a real
/// eigenvalue `t_ii` is column `i` of `X`, the left one row `i` of `X^-1`, with
/// `u^T v = 1`, so its condition number is `|u|_2 |v|_2` (for a pair, the Frobenius norms
/// of the two columns and rows, an upper bound of the pair's).
private struct ExactSimilarity {
  var a: Matrix
  var eigenvalues: [Complex]
  var kappas: [Double]

  init(n: Int, k: Int, complexPairs: Int, _ rng: inout SeededRNG) {
    let (l, lInv) = DDTest.unitLower(n, k: k, &rng)
    let (u, uInv) = DDTest.unitLower(n, k: k, &rng)
    let x = l * u.transposed
    let xInv = uInv.transposed * lInv
    var t = Matrix(n: n)
    var values: [Complex] = []
    var blocks: [[Int]] = []
    var i = 0
    var pairsLeft = complexPairs
    var used = Set<Int>()
    func fresh(_ range: ClosedRange<Int>) -> Int {
      while true {
        let d = Int(rng.int(below: range.count)) + range.lowerBound
        if d != 0 && used.insert(d).inserted { return d }
      }
    }
    while i < n {
      if pairsLeft > 0 && i + 1 < n {
        let a = Double(fresh(-40...40)), b = Double(rng.int(below: 8) + 1)
        t[i, i] = a / 4
        t[i + 1, i + 1] = a / 4
        t[i, i + 1] = b / 4
        t[i + 1, i] = -b / 4
        values += [Complex(a / 4, b / 4), Complex(a / 4, -b / 4)]
        blocks.append([i, i + 1])
        pairsLeft -= 1
        i += 2
      } else {
        let d = Double(fresh(-40...40))
        t[i, i] = d / 4
        values.append(Complex(d / 4))
        blocks.append([i])
        i += 1
      }
    }
    a = x * t * xInv
    // Exactness: every product and sum above is of integers (quarters) below 2^50.
    let bound = 0x1p50
    precondition(x.storage.allSatisfy { abs($0) < bound } && xInv.storage.allSatisfy { abs($0) < bound })
    precondition((x.transposed * x).storage.allSatisfy { abs($0) < bound })
    precondition(a.storage.allSatisfy { abs($0) < bound / 4 })
    precondition((x * xInv) == Matrix.identity(n), "X^-1 is exact")
    eigenvalues = values
    kappas = []
    for block in blocks {
      var cn = 0.0, rn = 0.0
      for j in block {
        for r in 0..<n {
          cn += x[r, j] * x[r, j]
          rn += xInv[j, r] * xInv[j, r]
        }
      }
      for _ in block { kappas.append((cn * rn).squareRoot()) }
    }
  }
}

/// Pairs each reference eigenvalue with the nearest unused computed one.
private func nearestPairing(_ computed: [(re: DoubleDouble, im: DoubleDouble)], _ exact: [Complex]) -> [Int] {
  var used = Set<Int>()
  return exact.map { e in
    let j = (0..<computed.count).filter { !used.contains($0) }.min { p, q in
      distance(computed[p], e) < distance(computed[q], e)
    }!
    used.insert(j)
    return j
  }
}

/// `|lambda - e|` with the difference taken in double-double.
private func distance(_ l: (re: DoubleDouble, im: DoubleDouble), _ e: Complex) -> Double {
  let dr = (l.re - e.re).double, di = (l.im - e.im).double
  return (dr * dr + di * di).squareRoot()
}

@Suite("Double-double eigen solver: known spectra")
struct ExtendedEigenKnownSpectra {
  /// Exactly similar to a known block diagonal, with `cond(X)` up to about 1e8: every
  /// eigenvalue within `20 n epsilon |A|_F kappa` of the exact one (the first-order
  /// perturbation bound of a backward stable solver), realness right.
  @Test(arguments: [2, 3, 4, 5, 6, 8, 10, 12, 16])
  func exactSimilarity(n: Int) throws {
    var rng = SeededRNG(seed: 100 + UInt64(n))
    var worstRatio = 0.0, worstRelative = 0.0, maxKappa = 0.0
    for trial in 0..<6 {
      let k = n <= 8 ? 3 : 1
      let m = ExactSimilarity(n: n, k: k, complexPairs: trial % 3 == 0 ? 0 : (trial % 3) * n / 4, &rng)
      let s = try ExtendedEigenSolver(DDTest.dd(m.a), n: n)
      let e = s.eigenvalues
      let pairing = nearestPairing(e, m.eigenvalues)
      let norm = m.a.normFrobenius
      for (r, j) in pairing.enumerated() {
        let exact = m.eigenvalues[r]
        let err = distance(e[j], exact)
        let bound = 20 * Double(n) * DDTest.eps * norm * m.kappas[r]
        #expect(err <= bound, "n=\(n) trial \(trial): \(e[j]) vs \(exact), error \(err), bound \(bound)")
        #expect(e[j].im.isZero == (exact.im == 0), "n=\(n) trial \(trial): realness of \(exact)")
        worstRatio = max(worstRatio, err / bound)
        worstRelative = max(worstRelative, err / exact.magnitude)
        maxKappa = max(maxKappa, m.kappas[r])
      }
      // Conjugate pairs adjacent, positive imaginary part first, exact conjugates.
      var i = 0
      while i < n {
        if e[i].im.isZero {
          i += 1
        } else {
          #expect(e[i].im.hi > 0 && e[i + 1].re == e[i].re && e[i + 1].im == -e[i].im)
          i += 2
        }
      }
    }
    // Small orders are well enough conditioned for about 25 digits.
    if n <= 5 { #expect(worstRelative < 1e-25, "n=\(n): worst relative error \(worstRelative), kappa up to \(maxKappa)") }
    print("exactSimilarity n=\(n): worst error/bound \(worstRatio), relative \(worstRelative), kappa up to \(maxKappa)")
  }
}

@Suite("Double-double eigen solver: agreement with the double solver")
struct ExtendedEigenAgreement {
  /// Every eigenvalue within the double solver's bound `20 n ulp |A|_F kappa` of the
  /// double solver's (kappa from its eigenvectors), or for a multiple or defective
  /// eigenvalue of multiplicity m the Hoelder bound `20 (n ulp)^(1/m) |A|_F`. The
  /// double-double values are far more accurate, so this checks them against an
  /// independent solver's error bars.
  private func agree(_ a: Matrix, _ label: String) throws {
    let n = a.rows
    let s = try ExtendedEigenSolver(DDTest.dd(a), n: n)
    var d = EigenSolver()
    try d.factor(a, vectors: true)
    var kappas: [Double] = []
    for i in 0..<n { kappas.append((try? d.eigenpair(i).kappa) ?? .infinity) }
    let ours = DDTest.complex(s)
    let cmp = compareSpectra(native: ours, reference: d.eigenvalues, matrixNorm: a.normFrobenius, kappas: kappas)
    for i in 0..<n where cmp.ratios[i] > 1 {
      let m = ours.filter { ($0 - ours[i]).magnitude <= 2 * cmp.errors[i] }.count
      let hoelder = 20 * pow(Double(n) * Machine.ulp, 1 / Double(max(m, 1))) * a.normFrobenius
      #expect(m >= 2 && cmp.errors[i] <= hoelder, "\(label): eigenvalue \(ours[i]) off by \(cmp.errors[i]) (\(cmp.ratios[i]) x bound)")
    }
  }

  @Test func randomGaussian() throws {
    var rng = SeededRNG(seed: 7)
    for n in 2...16 {
      for t in 0..<4 { try agree(gaussianMatrix(n, &rng), "gaussian n=\(n) #\(t)") }
    }
  }

  @Test func everyFamily() throws {
    let families = MatrixFamilies.all.filter { $0.name != "lapack" } + (1...21).map { MatrixFamilies.lapack(type: $0) }
    var checked = 0
    for family in families {
      for n in [1, 2, 3, 4, 5, 8] where family.supports(n) {
        for index in 0..<(family.name.hasPrefix("lapack-") ? 1 : 2) {
          let g = family.generate(n: n, index: index, seed: 0)
          try agree(g.matrix, "\(family.name) n=\(n) #\(index)")
          checked += 1
        }
      }
    }
    #expect(checked > 150)
  }
}

@Suite("Double-double eigen solver: eigenvectors")
struct ExtendedEigenVectors {
  @Test func randomMatrices() throws {
    var rng = SeededRNG(seed: 8)
    var worst = 0.0
    for n in 2...16 {
      for t in 0..<3 {
        worst = max(worst, try DDTest.checkVectors(DDTest.dd(gaussianMatrix(n, &rng)), n: n, "gaussian n=\(n) #\(t)"))
      }
    }
    print("vectors, gaussian: worst residual / (n eps |A|_F) = \(worst)")
  }

  @Test func illConditionedLapackTypes() throws {
    var worst = 0.0
    for type in 13...18 {
      for n in [3, 4, 5, 8, 12, 16] {
        for index in 0..<2 {
          let g = MatrixFamilies.lapack(type: type).generate(n: n, index: index, seed: 0)
          worst = max(worst, try DDTest.checkVectors(DDTest.dd(g.matrix), n: n, "lapack-\(type) n=\(n) #\(index)"))
        }
      }
    }
    print("vectors, lapack 13-18: worst residual / (n eps |A|_F) = \(worst)")
  }

  @Test func inputWithLowParts() throws {
    // Y + h W with h W below Y's last bit: the lo parts matter and the residual is taken
    // against the double-double input.
    var rng = SeededRNG(seed: 9)
    for n in [3, 6, 9] {
      let y = gaussianMatrix(n, &rng), w = gaussianMatrix(n, &rng)
      let a = (0..<(n * n)).map { DoubleDouble(y.storage[$0]) + DoubleDouble.product(0x1p-60, w.storage[$0]) }
      #expect(a.contains { $0.lo != 0 })
      _ = try DDTest.checkVectors(a, n: n, "Y + h W n=\(n)")
      // The eigenvalues move with h W: they differ from those of Y alone.
      let plain = try ExtendedEigenSolver(DDTest.dd(y), n: n).eigenvalues
      let moved = try ExtendedEigenSolver(a, n: n).eigenvalues
      #expect(zip(plain, moved).contains { $0.re != $1.re })
    }
  }
}

@Suite("Double-double eigen solver: edge cases")
struct ExtendedEigenEdgeCases {
  @Test func oneByOne() throws {
    let s = try ExtendedEigenSolver([DoubleDouble(hi: -3.5, lo: 0x1p-60)], n: 1)
    #expect(s.n == 1)
    #expect(s.eigenvalues[0].re == DoubleDouble(hi: -3.5, lo: 0x1p-60) && s.eigenvalues[0].im.isZero)
    let v = try #require(s.realEigenvectors(0))
    #expect(v.left == [.one] && v.right == [.one])
    #expect(s.realEigenvectors(1) == nil && s.realEigenvectors(-1) == nil)
  }

  @Test func twoByTwo() throws {
    // Rotation: exactly +-i.
    let r = try ExtendedEigenSolver([0, -1, 1, 0], n: 2).eigenvalues
    #expect(r[0].re.isZero && r[0].im == .one && r[1].im == -.one)
    // [[1, 2], [3, 4]]: (5 +- sqrt(33)) / 2 to double-double precision.
    let s = try ExtendedEigenSolver([1, 2, 3, 4], n: 2)
    let root = DoubleDouble(33).squareRoot()
    let expected = [(DoubleDouble(5) + root) * 0.5, (DoubleDouble(5) - root) * 0.5]
    let got = s.eigenvalues.map(\.re).sorted()
    #expect(abs((got[1] - expected[0]).hi) <= 8 * DDTest.eps * 5.4)
    #expect(abs((got[0] - expected[1]).hi) <= 8 * DDTest.eps * 5.4)
    #expect(s.eigenvalues.allSatisfy { $0.im.isZero })
    // Upper triangular with a zero below: eigenvalues exactly the diagonal.
    let t = try ExtendedEigenSolver([2, 7, 0, -3], n: 2).eigenvalues
    #expect(Set(t.map(\.re.hi)) == [2, -3] && t.allSatisfy { $0.re.lo == 0 && $0.im.isZero })
  }

  @Test func zeroAndIdentity() throws {
    for n in [1, 2, 3, 7, 16] {
      let z = try ExtendedEigenSolver([DoubleDouble](repeating: .zero, count: n * n), n: n)
      #expect(z.eigenvalues.allSatisfy { $0.re.isZero && $0.im.isZero })
      let id = try ExtendedEigenSolver(DDTest.dd(Matrix.identity(n)), n: n)
      #expect(id.eigenvalues.allSatisfy { $0.re == .one && $0.im.isZero })
      for i in 0..<n {
        let v = try #require(z.realEigenvectors(i))
        #expect(v.left.allSatisfy(\.isFinite) && DDTest.unitDefect(v.right) <= 4 * DDTest.eps)
        let w = try #require(id.realEigenvectors(i))
        #expect(DDTest.unitDefect(w.left) <= 4 * DDTest.eps && DDTest.unitDefect(w.right) <= 4 * DDTest.eps)
      }
    }
  }

  /// A Jordan block's eigenvalue is perturbed by up to `(|E| / |A|)^(1/n)`: finite, near
  /// the true one, and its vectors are finite unit vectors with small residuals.
  @Test func jordanBlocks() throws {
    for n in [2, 3, 5, 8, 16] {
      // Transposed Jordan block (LAPACK type 3) and a Jordan block hidden by a similarity.
      var j = Matrix.identity(n)
      for i in 0..<(n - 1) { j[i + 1, i] = 1 }
      let s = try ExtendedEigenSolver(DDTest.dd(j), n: n)
      let hoelder = 10 * pow(Double(n) * DDTest.eps * 4, 1 / Double(n))
      for e in s.eigenvalues {
        #expect(e.re.isFinite && e.im.isFinite)
        #expect(distance(e, Complex(1)) <= hoelder, "Jordan n=\(n): \(e)")
      }
      for i in 0..<n {
        if let v = s.realEigenvectors(i) {
          #expect(v.right.allSatisfy(\.isFinite) && v.left.allSatisfy(\.isFinite))
          #expect(DDTest.unitDefect(v.right) <= 4 * DDTest.eps)
        }
      }
    }
  }

  /// Scaling by a power of two is exact: near 1e+300 the eigenvalues are the unscaled
  /// ones times the same power bit for bit; near 1e-300 only `lo` may lose bits to
  /// gradual underflow (`|error| <= 2^-1074`).
  @Test func extremeScales() throws {
    var rng = SeededRNG(seed: 10)
    for n in [2, 4, 7] {
      let a = DDTest.dd(gaussianMatrix(n, &rng))
      let base = try ExtendedEigenSolver(a, n: n).eigenvalues
      for k in [500, 996, 1020, -500, -996, -1040] {
        let big = try ExtendedEigenSolver(a.map { $0.scaled(byExponent: k) }, n: n).eigenvalues
        for (x, y) in zip(base, big) {
          let re = x.re.scaled(byExponent: k), im = x.im.scaled(byExponent: k)
          if k > 0 {
            #expect(y.re == re && y.im == im, "n=\(n) 2^\(k)")
          } else {
            #expect(abs((y.re - re).hi) <= 0x1p-1074 && abs((y.im - re * 0 - im).hi) <= 0x1p-1074, "n=\(n) 2^\(k)")
            #expect(y.re.hi == re.hi || abs(y.re.hi) < 0x1p-1000)
          }
        }
      }
    }
  }

  @Test func badInput() {
    #expect(throws: EigenError.nonFinite(row: 1, col: 0, value: .infinity)) {
      try ExtendedEigenSolver([1, 2, .infinity, 4], n: 2)
    }
    #expect(throws: EigenError.self) { try ExtendedEigenSolver([1, .nan, 3, 4], n: 2) }
    do {
      _ = try ExtendedEigenSolver([1, 2, 3, .nan], n: 2)
      Issue.record("NaN accepted")
    } catch {
      if case let .nonFinite(row, col, value) = error {
        #expect(row == 1 && col == 1 && value.isNaN)
      } else {
        Issue.record("wrong error \(error)")
      }
    }
    #expect(throws: EigenError.badShape(rows: 0, cols: 0)) { try ExtendedEigenSolver([DoubleDouble](), n: 0) }
    #expect(throws: EigenError.self) { try ExtendedEigenSolver([1, 2, 3], n: 2) }
    // Complex eigenvalues have no real vectors.
    let s = try? ExtendedEigenSolver([0, -1, 1, 0], n: 2)
    #expect(s?.realEigenvectors(0) == nil)
  }
}
