import EigenCore
import Testing

// Newton's method on a perturbed matrix must reach the eigenvalue a full double-double
// solve finds, from the first-order start, on well-conditioned and on ill-conditioned
// matrices; it must refuse a tolerance below what double-double attains.

/// A matrix with the smallest real eigenvalue simple, its right vector and ds/dY.
private struct Base {
  var a: [DoubleDouble]
  var n: Int
  var s: DoubleDouble
  var right: [Double]
  var gradient: [Double]
  var kappa: Double

  init?(_ m: Matrix) {
    n = m.rows
    a = m.storage.map(DoubleDouble.init)
    guard let solver = try? ExtendedEigenSolver(a, n: n), let k = solver.smallestRealIndex,
      let (u, v) = solver.realEigenvectors(k)
    else { return nil }
    s = solver.eigenvalues[k].re
    right = v.map(\.double)
    var dot = DoubleDouble.zero
    for i in 0..<n { dot += u[i] * v[i] }
    let n = n
    gradient = (0..<(n * n)).map { (u[$0 / n] * v[$0 % n] / dot).double }
    kappa = (1 / dot.magnitude).double
  }

  /// `A + h W` formed exactly, and the first-order value `s + h <ds/dY, W>`.
  func perturbed(_ w: [Double], _ h: Double) -> (b: [DoubleDouble], first: DoubleDouble) {
    var slope = 0.0
    for k in 0..<(n * n) { slope += gradient[k] * w[k] }
    let b = (0..<(n * n)).map { a[$0] + DoubleDouble.product(h, w[$0]) }
    return (b, s + DoubleDouble(h * slope))
  }
}

/// The full solver's eigenvalue of `b` nearest `target` (real ones only).
private func nearestReal(_ b: [DoubleDouble], n: Int, to target: DoubleDouble) throws -> DoubleDouble? {
  let solver = try ExtendedEigenSolver(b, n: n)
  var best: DoubleDouble? = nil
  for (i, e) in solver.eigenvalues.enumerated() where solver.isReal(i) {
    if best == nil || (e.re - target).magnitude < (best! - target).magnitude { best = e.re }
  }
  return best
}

@Suite("Newton's method for a perturbed eigenvalue in double-double")
struct ExtendedNewtonTests {
  @Test("reaches the full solve's eigenvalue on seeded random matrices", arguments: [2, 3, 5, 8, 12])
  func matchesFullSolve(n: Int) throws {
    var rng = SeededRNG(seed: 41, stream: UInt64(n))
    var checked = 0
    for _ in 0..<20 {
      let m = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
      guard let base = Base(m) else { continue }
      var newton = ExtendedEigenNewton(n: n)
      let w = rng.gaussianVector(n * n)
      for h in [1e-3, 1e-6, 1e-12] {
        let (b, first) = base.perturbed(w, h)
        let tolerance = 0x1p-60 * abs(base.s.double) + 0x1p-90
        guard let reached = newton.refine(b, lambda0: first, right: base.right, tolerance: tolerance),
          let full = try nearestReal(b, n: n, to: first)
        else { continue }
        let bound = 1e-24 * base.kappa * max(1, abs(full.double))
        #expect((reached - full).magnitude.double <= bound, "n \(n) h \(h): \(reached) against \(full)")
        checked += 1
      }
    }
    #expect(checked >= 30)
  }

  @Test("reaches it on the ill-conditioned LAPACK types, where double precision cannot")
  func illConditioned() throws {
    var checked = 0
    for family in ["lapack-13", "lapack-14", "lapack-16"] {
      for n in [3, 4, 5, 8] {
        let g = MatrixFamilies.named(family)!.generate(n: n, index: 0, seed: 0)
        guard let base = Base(g.matrix) else { continue }
        var rng = SeededRNG(seed: 7, stream: UInt64(n))
        let w = rng.gaussianVector(n * n)
        var newton = ExtendedEigenNewton(n: n)
        // Steps that move s by about 1e-3 and 1e-6 of |s| (|ds/dY| is about kappa).
        for fraction in [1e-3, 1e-6] {
          let h = fraction * abs(base.s.double) / base.kappa
          let (b, first) = base.perturbed(w, h)
          // Below double rounding, or at what double-double attains (u kappa |A| n).
          let attainable = 64 * DoubleDouble.epsilon * base.kappa * g.matrix.maxAbs * Double(n)
          let tolerance = max(0x1p-60 * abs(base.s.double), attainable)
          let refined = newton.refine(b, lambda0: first, right: base.right, tolerance: tolerance)
          let reached = try #require(refined)
          let full = try #require(try nearestReal(b, n: n, to: first))
          #expect(abs((reached - full).double) <= max(1e-12 * abs(full.double), attainable), "\(family) n \(n): \(reached) against \(full)")
          // The step moved s measurably, so matching the full solve is not matching the start.
          #expect(abs((full - base.s).double) > 1e-3 * fraction * abs(base.s.double))
          checked += 1
        }
      }
    }
    #expect(checked >= 16)
  }

  @Test("a tolerance below double-double's accuracy is never met")
  func refusesUnattainableTolerance() {
    var rng = SeededRNG(seed: 3, stream: 0)
    let m = Matrix(rows: 4, cols: 4, storage: rng.gaussianVector(16))
    let base = Base(m)!
    var newton = ExtendedEigenNewton(n: 4)
    let (b, first) = base.perturbed(rng.gaussianVector(16), 1e-4)
    let unattainable = newton.refine(b, lambda0: first, right: base.right, tolerance: 1e-300)
    let attainable = newton.refine(b, lambda0: first, right: base.right, tolerance: 1e-20)
    #expect(unattainable == nil && attainable != nil)
  }

  @Test("a zero start vector or a singular bordered system gives nil, not a value")
  func degenerateInputs() {
    var newton = ExtendedEigenNewton(n: 2)
    let a = [1.0, 0, 0, 1].map(DoubleDouble.init)
    let zeroStart = newton.refine(a, lambda0: .one, right: [0, 0], tolerance: 1e-20)
    // The identity at its double eigenvalue: B - I = 0, so the bordered matrix is singular.
    let singular = newton.refine(a, lambda0: .one, right: [1, 0], tolerance: 1e-20)
    #expect(zeroStart == nil && singular == nil)
  }
}
