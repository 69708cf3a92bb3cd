import Testing

@testable import EigenCore

// MARK: - Helpers

private let ulp = 0x1p-52

/// Unit 2-norm copy of a complex vector.
private func normalized(_ v: [Complex]) -> [Complex] {
  let s = v.reduce(0.0) { $0 + $1.re * $1.re + $1.im * $1.im }.squareRoot()
  return v.map { Complex($0.re / s, $0.im / s) }
}

private func real(_ v: [Double]) -> [Complex] { v.map { Complex($0) } }

/// Right eigenvector of upper-triangular `t` for `t[k][k]` by back-substitution
/// (`x_k = 1`, `(t_ii - lambda) x_i = -sum_{i<j<=k} t_ij x_j`); distinct diagonal assumed.
private func triangularRight(_ t: Matrix, _ k: Int) -> [Double] {
  var x = [Double](repeating: 0, count: t.n)
  x[k] = 1
  let lambda = t[k, k]
  for i in stride(from: k - 1, through: 0, by: -1) {
    var s = 0.0
    for j in (i + 1)...k { s += t[i, j] * x[j] }
    x[i] = -s / (t[i, i] - lambda)
  }
  return x
}

/// Left eigenvector (`u^T t = lambda u^T`) of upper-triangular `t` for `t[k][k]` by forward substitution.
private func triangularLeft(_ t: Matrix, _ k: Int) -> [Double] {
  var u = [Double](repeating: 0, count: t.n)
  u[k] = 1
  let lambda = t[k, k]
  for i in (k + 1)..<max(k + 1, t.n) {
    var s = 0.0
    for j in k..<i { s += t[j, i] * u[j] }
    u[i] = -s / (t[i, i] - lambda)
  }
  return u
}

private let triangular = Matrix([[1, 2, 3], [0, 4, 5], [0, 0, 6]])

/// Exact eigen data of the triangular test matrix, vectors of unit 2-norm.
private func triangularData(_ t: Matrix) -> (values: [Complex], right: [[Complex]], left: [[Complex]]) {
  let values = (0..<t.n).map { Complex(t[$0, $0]) }
  let right = (0..<t.n).map { normalized(real(triangularRight(t, $0))) }
  let left = (0..<t.n).map { normalized(real(triangularLeft(t, $0))) }
  return (values, right, left)
}

/// A = [[0, 2], [-1, 0]]: lambda = +- i sqrt 2, v = (2, lambda), u (u^T A = lambda u^T) = (1, -lambda).
private let rotation = Matrix([[0, 2], [-1, 0]])
private let r2 = 2.0.squareRoot()
private let rotationValues = [Complex(0, r2), Complex(0, -r2)]
private let rotationRight = rotationValues.map { normalized([Complex(2), $0]) }
private let rotationLeft = rotationValues.map { normalized([Complex(1), -$0]) }

/// An orthogonal matrix: the product of three seeded Householder reflectors.
private func orthogonal(_ n: Int, seed: UInt64) -> Matrix {
  var rng = SeededRNG(seed: seed, stream: 5)
  var q = Matrix.identity(n)
  for _ in 0..<3 {
    let w = rng.gaussianVector(n)
    let ww = w.reduce(0) { $0 + $1 * $1 }
    var h = Matrix.identity(n)
    for i in 0..<n { for j in 0..<n { h[i, j] -= 2 * w[i] * w[j] / ww } }
    q = q * h
  }
  return q
}

/// A standardized quasi-triangular T: eigenvalues 1, 2 +- i sqrt(21), -1, 4.
private let schurT = Matrix([
  [1, 2, 3, 4, 5],
  [0, 2, 7, 1, 1],
  [0, -3, 2, 1, 1],
  [0, 0, 0, -1, 1],
  [0, 0, 0, 0, 4],
])

// MARK: - Eigenvector ratios

@Suite("DGET22-style eigenvector ratios")
struct EigenvectorRatioTests {
  @Test("exact eigen data of a diagonal matrix give 0")
  func diagonal() {
    let a = Matrix.diagonal([3, -1, 2])
    let values = [Complex(3), Complex(-1), Complex(2)]
    let vectors = (0..<3).map { k in (0..<3).map { Complex($0 == k ? 1 : 0) } }
    #expect(rightResidualRatio(a: a, eigenvalues: values, vectors: vectors) == 0)
    #expect(leftResidualRatio(a: a, eigenvalues: values, vectors: vectors) == 0)
    #expect(normalizationRatio(vectors: vectors) == 0)
    #expect(rightResidualRatio(a: Matrix(n: 0), eigenvalues: [], vectors: []) == 0)
    #expect(normalizationRatio(vectors: []) == 0)
  }

  @Test("exact eigen data of a triangular matrix give small ratios; a 1e-10 perturbation gives a large one")
  func triangularMatrix() {
    let (values, right, left) = triangularData(triangular)
    let rr = rightResidualRatio(a: triangular, eigenvalues: values, vectors: right)
    let lr = leftResidualRatio(a: triangular, eigenvalues: values, vectors: left)
    #expect(rr < 5, "right \(rr)")
    #expect(lr < 5, "left \(lr)")
    #expect(normalizationRatio(vectors: right) < 5)
    // One vector, as the gradient needs: still fine.
    #expect(rightResidualRatio(a: triangular, eigenvalues: [values[1]], vectors: [right[1]]) < 5)

    var bad = right
    bad[2][0] = bad[2][0] + Complex(1e-10)
    let perturbed = rightResidualRatio(a: triangular, eigenvalues: values, vectors: bad)
    #expect(perturbed > 1e4, "\(perturbed)")
    #expect(perturbed < LAPACKTest.failureRatio)
    var badLeft = left
    badLeft[0][1] = badLeft[0][1] + Complex(0, 1e-10)
    #expect(leftResidualRatio(a: triangular, eigenvalues: values, vectors: badLeft) > 1e4)
    // Left vectors passed as right vectors (a transposition bug) fail outright.
    #expect(rightResidualRatio(a: triangular, eigenvalues: values, vectors: left) > 1e10)
  }

  @Test("complex eigenvalues: the documented u^T convention and LAPACK's u^H convention")
  func complexPair() {
    let rr = rightResidualRatio(a: rotation, eigenvalues: rotationValues, vectors: rotationRight)
    #expect(rr < 5)
    #expect(leftResidualRatio(a: rotation, eigenvalues: rotationValues, vectors: rotationLeft) < 5)
    let lapackLeft = rotationLeft.map { $0.map(\.conjugate) }
    #expect(leftResidualRatio(a: rotation, eigenvalues: rotationValues, vectors: lapackLeft, convention: .conjugateTranspose) < 5)
    // The wrong convention is caught.
    #expect(leftResidualRatio(a: rotation, eigenvalues: rotationValues, vectors: lapackLeft) > 1e10)
    #expect(leftResidualRatio(a: rotation, eigenvalues: rotationValues, vectors: rotationLeft, convention: .conjugateTranspose) > 1e10)
    // Conjugated eigenvalues with the right vectors fail.
    #expect(rightResidualRatio(a: rotation, eigenvalues: rotationValues.map(\.conjugate), vectors: rotationRight) > 1e10)
  }

  @Test("no overflow or underflow at norms 1e300 and 1e-300")
  func extremeScales() {
    let (values, right, left) = triangularData(triangular)
    for scale in [1e300, 1e-300] {
      let a = scale * triangular
      let v = values.map { scale * $0 }
      let rr = rightResidualRatio(a: a, eigenvalues: v, vectors: right)
      let lr = leftResidualRatio(a: a, eigenvalues: v, vectors: left)
      #expect(rr < 5, "scale \(scale): right \(rr)")
      #expect(lr < 5, "scale \(scale): left \(lr)")
      var bad = right
      bad[1][0] = bad[1][0] + Complex(1e-10)
      let perturbed = rightResidualRatio(a: a, eigenvalues: v, vectors: bad)
      #expect(perturbed > 1e4 && perturbed < LAPACKTest.failureRatio, "scale \(scale): perturbed \(perturbed)")
    }
  }

  @Test("DGET22's guards: an error as large as |A| reads 1/ulp, NaN reads 1/ulp")
  func guards() {
    let e = [[Complex(1), Complex(0)], [Complex(0), Complex(1)]]
    // ANORM < 1 and ERRNRM >= ANORM: (min(ERRNRM, ANORM) / ANORM) / ulp = 1/ulp.
    let tiny = 1e-300 * Matrix.diagonal([1, 2])
    #expect(rightResidualRatio(a: tiny, eigenvalues: [Complex(1), Complex(1)], vectors: e) == LAPACKTest.failureRatio)
    // ANORM >= 1 and ERRNRM >= ANORM: min(ERRNRM / ANORM, 1) / ulp = 1/ulp.
    let a = Matrix.diagonal([1, 2])
    #expect(rightResidualRatio(a: a, eigenvalues: [Complex(100), Complex(100)], vectors: e) == LAPACKTest.failureRatio)
    // ERRNRM just below ANORM stays below 1/ulp.
    let close = rightResidualRatio(a: a, eigenvalues: [Complex(1), Complex(0.5)], vectors: e)
    #expect(close == (1.5 / 2) / ulp)
    // |A|_1 overflows although the entries are finite: a wrong pair must not pass
    // (a literal DGET22 would compute ERRNRM / inf = 0 here).
    let huge = Matrix([[1e308, 1e308], [0, 1e308]])
    let wrong = rightResidualRatio(a: huge, eigenvalues: [Complex(0.9e308)], vectors: [[Complex(1), Complex(0)]])
    #expect(wrong > 1e13 && wrong <= LAPACKTest.failureRatio, "\(wrong)")
    #expect(rightResidualRatio(a: huge, eigenvalues: [Complex(1e308)], vectors: [[Complex(1), Complex(0)]]) == 0)
    let hugeLeft = leftResidualRatio(a: huge.transposed, eigenvalues: [Complex(0.9e308)], vectors: [[Complex(1), Complex(0)]])
    #expect(hugeLeft > 1e13)
    // A residual that itself overflows is a failure, not NaN or a crash.
    let full = Matrix([[1e308, 1e308], [1e308, 1e308]])
    let overflowing = rightResidualRatio(a: full, eigenvalues: [Complex(-1e308)], vectors: [[Complex(1), Complex(1)]])
    #expect(overflowing == LAPACKTest.failureRatio)
    // NaN anywhere.
    #expect(rightResidualRatio(a: a, eigenvalues: [Complex(.nan), Complex(2)], vectors: e) == LAPACKTest.failureRatio)
    #expect(leftResidualRatio(a: a, eigenvalues: [Complex(1), Complex(2)], vectors: [[Complex(1), Complex(.nan)], e[1]]) == LAPACKTest.failureRatio)
    #expect(normalizationRatio(vectors: [[Complex(.nan)]]) == LAPACKTest.failureRatio)
  }

  @Test("normalization ratio: max | ||v||_2 - 1 | / (n ulp)")
  func normalization() {
    let third = (1.0 / 3).squareRoot()
    #expect(normalizationRatio(vectors: [real([third, third, third])]) < 2)
    let scaled = [real([1 + 1e-12, 0, 0]), real([0, 1, 0])]
    let ratio = normalizationRatio(vectors: scaled)
    let expected = ((1 + 1e-12) - 1) / (3 * ulp)
    #expect(ratio == expected)
    // Entries near the limits: the norm is computed with scaling.
    #expect(normalizationRatio(vectors: [[Complex(1e300), Complex(0, 1e300)]]) == ((2.0).squareRoot() * 1e300) / (2 * ulp))
    #expect(abs(normalizationRatio(vectors: [[Complex(1e-300), Complex(0)]]) - 1 / (2 * ulp)) <= 1)
    #expect(normalizationRatio(vectors: [[Complex(0.6), Complex(0, 0.8)]]) < 2)
  }
}

// MARK: - Schur and Hessenberg ratios

@Suite("DHST01/DORT01 factorization ratios and the standardized Schur form")
struct SchurRatioTests {
  @Test("A = Q T Q^T with orthogonal Q gives small ratios; perturbations give large ones")
  func schurResidual() {
    let q = orthogonal(5, seed: 1)
    let a = (q * schurT) * q.transposed
    #expect(schurResidualRatio(a: a, q: q, t: schurT) < 5)
    #expect(orthogonalityRatio(q: q) < 5)
    var t2 = schurT
    t2[0, 4] += 1e-9
    #expect(schurResidualRatio(a: a, q: q, t: t2) > 1e3)
    var q2 = q
    q2[2, 3] += 1e-9
    #expect(orthogonalityRatio(q: q2) > 1e3)
    #expect(schurResidualRatio(a: a, q: q2, t: schurT) > 1e3)
    // Q^T in place of Q is caught.
    #expect(schurResidualRatio(a: a, q: q.transposed, t: schurT) > 1e10)
    #expect(schurResidualRatio(a: Matrix(n: 0), q: Matrix(n: 0), t: Matrix(n: 0)) == 0)
    #expect(orthogonalityRatio(q: Matrix(n: 0)) == 0)
  }

  @Test("DHST01's bound 1/(n ulp) and the scales 1e300, 1e-300")
  func schurScales() {
    let q = orthogonal(5, seed: 2)
    for scale in [1e300, 1e-300] {
      let t = scale * schurT
      let a = (q * t) * q.transposed
      let ratio = schurResidualRatio(a: a, q: q, t: t)
      #expect(ratio < 5, "scale \(scale): \(ratio)")
    }
    // A completely wrong factorization is capped at 1/(n ulp).
    let wrong = schurResidualRatio(a: schurT, q: Matrix(n: 5), t: Matrix(n: 5))
    #expect(wrong == 1 / (5 * ulp))
    var nanT = schurT
    nanT[4, 4] = .nan
    #expect(schurResidualRatio(a: schurT, q: Matrix(n: 5), t: nanT) == LAPACKTest.failureRatio)
    // |A|_1 overflows with finite entries: a wrong T must not pass.
    // Q = [[0, 1], [-1, 0]], T = 1e308 [[1, 1], [0, 1]]: A = [[1e308, 0], [-1e308, 1e308]] exactly.
    let rot = Matrix([[0, 1], [-1, 0]])
    let big = Matrix([[1e308, 1e308], [0, 1e308]])
    let bigA = Matrix([[1e308, 0], [-1e308, 1e308]])
    #expect((rot * big) * rot.transposed == bigA)
    #expect(bigA.norm1 == .infinity && bigA.firstNonFinite == nil)
    #expect(schurResidualRatio(a: bigA, q: rot, t: big) == 0)
    var bigWrong = big
    bigWrong[0, 0] *= 1 - 1e-6
    #expect(schurResidualRatio(a: bigA, q: rot, t: bigWrong) > 1e6)
  }

  @Test("Hessenberg residual")
  func hessenberg() {
    var rng = SeededRNG(seed: 4)
    var h = Matrix(n: 6)
    for i in 0..<6 { for j in max(0, i - 1)..<6 { h[i, j] = rng.gaussian() } }
    let q = orthogonal(6, seed: 3)
    let a = (q * h) * q.transposed
    #expect(hessenbergResidualRatio(a: a, q: q, h: h) < 5)
    h[5, 4] += 1e-9
    #expect(hessenbergResidualRatio(a: a, q: q, h: h) > 1e3)
  }

  @Test("standardized quasi-triangular form: accepted and rejected cases")
  func standardForm() {
    #expect(isStandardizedQuasiTriangular(t: schurT).ok)
    #expect(isStandardizedQuasiTriangular(t: schurT).reason == "ok")
    #expect(isStandardizedQuasiTriangular(t: Matrix(n: 0)).ok)
    #expect(isStandardizedQuasiTriangular(t: Matrix([[7]])).ok)
    #expect(isStandardizedQuasiTriangular(t: triangular).ok)
    #expect(isStandardizedQuasiTriangular(t: Matrix([[1, 2], [-3, 1]])).ok)
    #expect(isStandardizedQuasiTriangular(t: Matrix([[1, -1e-200], [1e-200, 1]])).ok)  // product underflows

    let below = isStandardizedQuasiTriangular(t: Matrix([[1, 2, 3], [0, 4, 5], [1e-300, 0, 6]]))
    #expect(!below.ok && below.reason.contains("below the first subdiagonal"))
    let consecutive = isStandardizedQuasiTriangular(t: Matrix([[1, 2, 3], [-1, 1, 5], [0, -2, 1]]))
    #expect(!consecutive.ok && consecutive.reason.contains("consecutive"))
    let unequal = isStandardizedQuasiTriangular(t: Matrix([[1, 2], [-3, 1.5]]))
    #expect(!unequal.ok && unequal.reason.contains("diagonal"))
    let realPair = isStandardizedQuasiTriangular(t: Matrix([[1, 2], [3, 1]]))  // eigenvalues 1 +- sqrt 6
    #expect(!realPair.ok && realPair.reason.contains("not negative"))
    let zeroB = isStandardizedQuasiTriangular(t: Matrix([[1, 0], [3, 1]]))  // defective, not a complex pair
    #expect(!zeroB.ok)
    var nanT = schurT
    nanT[0, 3] = .nan
    #expect(!isStandardizedQuasiTriangular(t: nanT).ok)
    #expect(!isStandardizedQuasiTriangular(t: Matrix(rows: 2, cols: 3)).ok)
    var lowBlock = schurT
    lowBlock[4, 3] = 2  // second block at 3 with unequal diagonal -1 != 4
    #expect(!isStandardizedQuasiTriangular(t: lowBlock).ok)
  }
}

// MARK: - Eigenvalue condition number

@Suite("eigenvalueCondition")
struct ConditionTests {
  @Test("symmetric matrix: kappa = 1")
  func symmetric() {
    // [[2, 1], [1, 3]]: lambda = (5 +- sqrt 5)/2, v = (1, lambda - 2) = u.
    for lambda in [(5 + 5.0.squareRoot()) / 2, (5 - 5.0.squareRoot()) / 2] {
      let v = real([1, lambda - 2])
      #expect(abs(eigenvalueCondition(left: v, right: v) - 1) <= 4 * ulp)
    }
    let e = real([0, 0, 1])
    #expect(eigenvalueCondition(left: e, right: e) == 1)
  }

  @Test("[[1, 1], [0, 1 + d]]: kappa = sqrt(1 + 1/d^2) for both eigenvalues")
  func nearDefective() {
    for d in [1e-1, 1e-3, 1e-6, 1e-9] {
      let expected = (1 + 1 / (d * d)).squareRoot()
      // lambda = 1: v = (1, 0); u^T (A - I) = 0 gives u = (-d, 1).
      let k1 = eigenvalueCondition(left: real([-d, 1]), right: real([1, 0]))
      #expect(abs(k1 - expected) <= 1e-14 * expected, "d = \(d): \(k1) vs \(expected)")
      // lambda = 1 + d: v = (1, d); u = (0, 1).
      let k2 = eigenvalueCondition(left: real([0, 1]), right: real([1, d]))
      #expect(abs(k2 - expected) <= 1e-14 * expected, "d = \(d): \(k2) vs \(expected)")
      // The eigen data really are eigen data of the matrix.
      let a = Matrix([[1, 1], [0, 1 + d]])
      #expect(rightResidualRatio(a: a, eigenvalues: [Complex(1), Complex(1 + d)], vectors: [real([1, 0]), normalized(real([1, d]))]) < 5)
      #expect(leftResidualRatio(a: a, eigenvalues: [Complex(1), Complex(1 + d)], vectors: [normalized(real([-d, 1])), real([0, 1])]) < 5)
    }
  }

  @Test("complex eigenvalue: both conventions give 3 sqrt(2) / 4; the wrong one is caught")
  func complexPair() {
    // A = [[0, 2], [-1, 0]], v = (2, i sqrt 2), u = (1, -i sqrt 2): u^T v = 4, |u| = sqrt 3, |v| = sqrt 6.
    let expected = 3 * 2.0.squareRoot() / 4
    let k = eigenvalueCondition(left: rotationLeft[0], right: rotationRight[0])
    #expect(abs(k - expected) <= 1e-15 * 4)
    let lapackU = rotationLeft[0].map(\.conjugate)
    let kh = eigenvalueCondition(left: lapackU, right: rotationRight[0], convention: .conjugateTranspose)
    #expect(abs(kh - expected) <= 1e-15 * 4)
    // Mixing the conventions makes u . v vanish (up to rounding).
    #expect(eigenvalueCondition(left: lapackU, right: rotationRight[0]) > 1e14)
  }

  @Test("scaling invariance, zero products and non-finite entries")
  func edgeCases() {
    let u = real([-1e-3, 1])
    let v = real([1, 0])
    let base = eigenvalueCondition(left: u, right: v)
    let scaled = eigenvalueCondition(left: u.map { 1e300 * $0 }, right: v.map { 1e-300 * $0 })
    #expect(abs(scaled - base) <= 1e-15 * base)
    #expect(eigenvalueCondition(left: real([0, 1]), right: real([1, 0])) == .infinity)
    #expect(eigenvalueCondition(left: real([0, 0]), right: real([1, 0])) == .infinity)
    #expect(eigenvalueCondition(left: [], right: []) == .infinity)
    #expect(eigenvalueCondition(left: real([.nan, 1]), right: real([1, 0])).isNaN)
    #expect(eigenvalueCondition(left: real([.infinity, 1]), right: real([1, 0])).isNaN)
  }
}
