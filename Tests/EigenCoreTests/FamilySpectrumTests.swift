import EigenCore
import Testing

/// The families' guarantees checked with the native solver: the known spectrum is
/// recovered within the perturbation bound of each eigenvalue, and a real
/// eigenvalue is present where the family promises one (none for `no-real`).
@Suite("Family guarantees, checked with the native solver")
struct FamilySpectrumTests {
  /// Families whose known spectrum is well enough conditioned to recover, and
  /// whether each promises a real eigenvalue.
  static let families: [(name: String, real: Bool?)] = [
    ("prescribed", true), ("symmetric", true), ("triangular", true), ("companion", true),
    ("mixed", true), ("near-zero-min", true), ("complex-near-real", true), ("real-collision", true),
    ("repeated-min", true), ("jordan-min", true), ("graded", nil), ("no-real", false), ("extreme-scale", nil),
  ]

  @Test(arguments: families.map(\.name))
  func knownSpectrumIsRecovered(_ name: String) throws {
    let family = try #require(MatrixFamilies.named(name))
    let promise = Self.families.first { $0.name == name }!.real
    var checked = 0
    for n in [1, 2, 3, 4, 5, 8] where family.supports(n) {
      for index in 0..<6 {
        let g = family.generate(n: n, index: index, seed: 0)
        let known = try #require(g.eigenvalues, "\(name) states its spectrum")
        var s = EigenSolver()
        try s.factor(g.matrix, vectors: true)
        var kappas: [Double] = []
        for i in 0..<n { kappas.append(try s.eigenpair(i).kappa) }
        let a = compareSpectra(
          native: s.eigenvalues, reference: known, matrixNorm: g.matrix.normFrobenius, kappas: kappas)
        // First-order bound, or for a multiple/defective eigenvalue of multiplicity m
        // the Hoelder bound 20 (n ulp)^(1/m) |A|_F of its cluster.
        for i in 0..<n where a.ratios[i] > 1 {
          let m = s.eigenvalues.filter { ($0 - s.eigenvalues[i]).magnitude <= 2 * a.errors[i] }.count
          let hoelder = 20 * pow(Double(n) * Machine.ulp, 1 / Double(max(m, 1))) * g.matrix.normFrobenius
          #expect(m >= 2 && a.errors[i] <= hoelder, "\(name) n=\(n) #\(index): eigenvalue \(s.eigenvalues[i]) off by \(a.errors[i]) (\(a.ratios[i]) x bound)")
        }
        let realCount = s.eigenvalues.filter { $0.im == 0 }.count
        // (near-colliding or defective minima may legitimately come out as a complex pair)
        if promise == true && name != "real-collision" && name != "repeated-min" && name != "jordan-min" {
          #expect(realCount > 0, "\(name) n=\(n) #\(index) promises a real eigenvalue")
        }
        if promise == false { #expect(realCount == 0, "\(name) n=\(n) #\(index) promises none") }
        checked += 1
      }
    }
    #expect(checked > 0)
  }

  @Test func gaussianOfOddOrderHasARealEigenvalue() throws {
    let family = try #require(MatrixFamilies.named("gaussian"))
    for n in [1, 3, 5, 7, 9] {
      for index in 0..<20 {
        var s = EigenSolver()
        try s.factor(family.generate(n: n, index: index, seed: 0).matrix, vectors: false)
        #expect(s.eigenvalues.contains { $0.im == 0 })
      }
    }
  }
}

#if canImport(Glibc)
  import Glibc
#endif
