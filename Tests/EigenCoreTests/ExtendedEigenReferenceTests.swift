@testable import EigenCore
import Testing

/// The double-double solver against 60-digit mpmath references
/// (scripts/extended-eigen-reference.py) on the LAPACK types 13-16 at N = 3, 4, 5, 8: the
/// matrices whose smallest real eigenvalue s double precision gets to a few digits only.
///
/// Bounds: a backward stable solver's error is about `condition * n * epsilon` (relative
/// error over relative backward error). For an eigenvalue that is
/// `20 n epsilon |A|_F kappa`; for s relative to itself and for ds/dY relative to its
/// largest entry the references' measured condition numbers (one random direction, so
/// up to about `n` below the worst direction) are used, `20 n^2 epsilon cond`.
@Suite("Double-double eigen solver: 60-digit references")
struct ExtendedEigenReferenceTests {
  static let cases = extendedEigenReferences.indices.map { $0 }

  private func dd(_ p: (Double, Double)) -> DoubleDouble { DoubleDouble(hi: p.0, lo: p.1) }

  @Test func matricesAreTheFamilies() {
    for r in extendedEigenReferences {
      let g = MatrixFamilies.lapack(type: r.type).generate(n: r.n, index: 0, seed: 0)
      #expect(g.matrix.storage == r.y, "lapack-\(r.type) n=\(r.n): the families changed; regenerate the references")
    }
    #expect(extendedEigenReferences.count == 16)
  }

  @Test(arguments: cases)
  func againstReference(_ index: Int) throws {
    let r = extendedEigenReferences[index]
    let n = r.n, label = "lapack-\(r.type) n=\(n)"
    let a = r.y.map(DoubleDouble.init)
    let s = try ExtendedEigenSolver(a, n: n)
    let e = s.eigenvalues
    let norm = Matrix(rows: n, cols: n, storage: r.y).normFrobenius
    // Every eigenvalue, paired with the nearest reference; realness as the reference's.
    var used = Set<Int>()
    var worstEigen = 0.0
    for ref in r.eigenvalues {
      let re = dd(ref.re), im = dd(ref.im)
      func dist(_ j: Int) -> Double {
        let dr = (e[j].re - re).double, di = (e[j].im - im).double
        return (dr * dr + di * di).squareRoot()
      }
      let j = (0..<n).filter { !used.contains($0) }.min { dist($0) < dist($1) }!
      used.insert(j)
      let bound = 20 * Double(n) * DDTest.eps * norm * ref.kappa
      #expect(dist(j) <= bound, "\(label): eigenvalue \(e[j]) vs \(re) + i \(im): error \(dist(j)), bound \(bound)")
      #expect(e[j].im.isZero == im.isZero, "\(label): realness of \(re) + i \(im)")
      worstEigen = max(worstEigen, dist(j) / bound)
    }
    guard let sRef = r.s.map(dd) else {
      #expect(s.smallestRealIndex == nil && DDTest.minRealIndex(s) == nil, "\(label): no real eigenvalue expected")
      return
    }
    let i = try #require(s.smallestRealIndex, "\(label): a real eigenvalue")
    #expect(i == DDTest.minRealIndex(s))
    let sErr = abs((e[i].re - sRef).double) / abs(sRef.double)
    let sBound = 20 * Double(n * n) * DDTest.eps * r.condS
    #expect(sErr <= sBound, "\(label): s \(e[i].re) vs \(sRef): relative error \(sErr), bound \(sBound)")
    // ds/dY = u v^T / (u^T v) from the double-double vectors, in double-double.
    let (u, v) = try #require(s.realEigenvectors(i))
    var dot = DoubleDouble.zero
    for k in 0..<n { dot += u[k] * v[k] }
    var gErr = 0.0, gMax = 0.0
    for row in 0..<n {
      for col in 0..<n {
        let g = u[row] * v[col] / dot
        let ref = dd(r.gradient[row * n + col])
        gErr = max(gErr, abs((g - ref).double))
        gMax = max(gMax, abs(ref.double))
      }
    }
    let gBound = 20 * Double(n * n) * DDTest.eps * r.condGradient
    #expect(gErr / gMax <= gBound, "\(label): ds/dY relative error \(gErr / gMax), bound \(gBound)")
    var d = EigenSolver()
    try d.factor(Matrix(rows: n, cols: n, storage: r.y), vectors: false)
    let doubleS = d.eigenvalues.filter(\.isReal).map(\.re).min()
    let doubleErr = doubleS.map { abs(($0 - sRef).double) / abs(sRef.double) } ?? .nan
    print(
      "\(label): relative error of s \(sErr) (double solver \(doubleErr), cond \(r.condS), bound \(sBound)); "
        + "of ds/dY \(gErr / gMax) (cond \(r.condGradient)); eigenvalues \(worstEigen) x bound")
  }
}
