/// LAPACK's 21 test matrix types for non-symmetric eigensolvers (TESTING/EIG/ddrvev.f,
/// the same list in DDRVES, DDRVVX, DCHKHS), rebuilt from their definitions with the
/// project's seeded RNG (the bits differ from LAPACK's DLARAN streams; the structure does not).
///
/// Magnitudes: "near overflow" is `ANORM = sqrt(overflow) * ulp = 2^511 * 2^-52 = 2^459
/// (~1.5e138)` and "near underflow" is `sqrt(underflow) / ulp = 2^-511 * 2^52 = 2^-459
/// (~6.7e-139)`, the values DCHKHS uses (DDRVEV's `OVFL*ULP ~ 1e292` leaves no headroom for
/// the gradient arithmetic downstream). Scalings are by powers of two, so they are exact and
/// a known spectrum scales exactly.

/// `2^459`, LAPACK DCHKHS's "near overflow" ANORM.
let lapackLargeNorm = powerOfTwo(459)
/// `2^-459`, LAPACK DCHKHS's "near underflow" ANORM.
let lapackSmallNorm = powerOfTwo(-459)

/// DLATM1/DLATME eigenvalue modes used by the 21 types.
enum LapackMode: Sendable {
  /// Mode 1: `1, ulp, ..., ulp`.
  case clustered
  /// Mode 3: `ulp^((i-1)/(n-1))`, i = 1 ... n (geometric from 1 to ulp).
  case geometric
  /// Mode 4: `1 - (i-1)/(n-1) (1 - ulp)` (evenly spaced from 1 to ulp).
  case evenly
  /// Mode 5: magnitudes log-uniform in (ulp, 1), random signs, and (here) each
  /// eigenvalue starts a complex pair `a +- i b` with probability 1/2 when room remains.
  case random

  var label: String {
    switch self {
    case .clustered: "clustered 1, ulp, ..., ulp"
    case .geometric: "geometric 1..ulp"
    case .evenly: "evenly spaced 1..ulp"
    case .random: "random log-uniform (ulp, 1), real or complex pairs"
    }
  }

  /// The diagonal blocks for order n, with random signs.
  func blocks(_ n: Int, _ rng: inout SeededRNG) -> [SpectralBlock] {
    func logUniform(_ rng: inout SeededRNG) -> Double { deterministicExp2(-52 * rng.uniform()) }
    switch self {
    case .clustered:
      return (0..<n).map { i in .real(rng.sign() * (i == 0 ? 1 : lapackULP)) }
    case .geometric:
      return (0..<n).map { i in
        .real(rng.sign() * (n == 1 ? 1 : deterministicExp2(-52 * Double(i) / Double(n - 1))))
      }
    case .evenly:
      return (0..<n).map { i in
        .real(rng.sign() * (n == 1 ? 1 : 1 - Double(i) / Double(n - 1) * (1 - lapackULP)))
      }
    case .random:
      var out = [SpectralBlock]()
      var i = 0
      while i < n {
        if i + 1 < n && rng.uniform() < 0.5 {
          let re = rng.sign() * logUniform(&rng)
          let im = logUniform(&rng)
          out.append(.pair(re: re, im: im))
          i += 2
        } else {
          out.append(.real(rng.sign() * logUniform(&rng)))
          i += 1
        }
      }
      return out
    }
  }
}

/// The family `lapack-<type>`.
func lapackTypeFamily(_ type: Int) -> MatrixFamily {
  MatrixFamily(
    name: "lapack-\(type)", guarantee: lapackGuarantee(type), supports: { $0 >= 1 }
  ) { n, _, rng in lapackBuild(type: type, n: n, &rng) }
}

func lapackGuarantee(_ type: Int) -> String {
  switch type {
  case 1: "LAPACK type 1: the zero matrix (all eigenvalues 0)"
  case 2: "LAPACK type 2: the identity (all eigenvalues 1)"
  case 3: "LAPACK type 3: the transposed Jordan block (1 on the diagonal and subdiagonal), one defective eigenvalue 1"
  case 4: "LAPACK type 4: diagonal, evenly spaced magnitudes 1..ulp with random signs (spectrum = diagonal)"
  case 5: "LAPACK type 5: diagonal, geometrically spaced magnitudes 1..ulp with random signs (spectrum = diagonal)"
  case 6: "LAPACK type 6: diagonal, clustered magnitudes 1, ulp, ..., ulp with random signs (spectrum = diagonal)"
  case 7: "LAPACK type 7: type 4 times 2^459 (near overflow), spectrum scaled exactly"
  case 8: "LAPACK type 8: type 4 times 2^-459 (near underflow), spectrum scaled exactly"
  case 9, 10, 11, 12:
    "LAPACK type \(type): U^T T U with U orthogonal and T upper triangular with a random O(1) upper part and "
      + "\(lapackMode(type).label) diagonal; spectrum = that of T"
  case 13, 14, 15, 16:
    "LAPACK type \(type): X T X^-1 with X = U diag(sigma) W, cond(X) = 1/sqrt(ulp) = 2^26, T upper (quasi-)triangular "
      + "with \(lapackMode(type).label) diagonal; spectrum = that of T"
  case 17: "LAPACK type 17: type 16 scaled by a power of two to max entry in [2^459, 2^460) (near overflow)"
  case 18: "LAPACK type 18: type 16 scaled by a power of two to max entry in [2^-459, 2^-458) (near underflow)"
  case 19:
    "LAPACK type 19: random dense entries uniform in (-1, 1); for N >= 4 the first two rows, last row, first column "
      + "and last two columns are zero (isolated eigenvalues for balancing); spectrum unknown"
  case 20: "LAPACK type 20: type 19 scaled by a power of two to max entry in [2^459, 2^460) (near overflow)"
  case 21: "LAPACK type 21: type 19 scaled by a power of two to max entry in [2^-459, 2^-458) (near underflow)"
  default: preconditionFailure("LAPACK types are 1...21")
  }
}

/// KMODE of DDRVEV for the types that use a mode.
func lapackMode(_ type: Int) -> LapackMode {
  switch type {
  case 4, 7, 8, 9, 13: .evenly
  case 5, 10, 14: .geometric
  case 6, 11, 15: .clustered
  case 12, 16, 17, 18: .random
  default: preconditionFailure("type \(type) has no eigenvalue mode")
  }
}

/// Builds one matrix of LAPACK type `type` (1...21) of order `n`.
func lapackBuild(type: Int, n: Int, _ rng: inout SeededRNG) -> Built {
  let upperO1: (inout SeededRNG) -> Double = { $0.uniform(-1, 1) }
  switch type {
  case 1:
    let t = Matrix(n: n)
    return Built(
      matrix: t, eigenvalues: Array(repeating: .zero, count: n), condV: 1, note: "lapack type 1: zero matrix",
      construction: Construction(t: t))
  case 2:
    let t = Matrix.identity(n)
    return Built(
      matrix: t, eigenvalues: Array(repeating: Complex(1), count: n), condV: 1, note: "lapack type 2: identity",
      construction: Construction(t: t))
  case 3:
    var a = Matrix.identity(n)
    for i in 0..<max(n - 1, 0) { a[i + 1, i] = 1 }
    return Built(
      matrix: a, eigenvalues: Array(repeating: Complex(1), count: n), condV: nil,
      note: "lapack type 3: transposed Jordan block, 1 on diagonal and subdiagonal", construction: nil)
  case 4, 5, 6, 7, 8:
    let mode = lapackMode(type)
    let blocks = mode.blocks(n, &rng)
    let t = quasiTriangular(blocks, &rng)
    let scale = type == 7 ? lapackLargeNorm : type == 8 ? lapackSmallNorm : 1
    let scaleNote = type == 7 ? ", times 2^459 (type 4 near overflow)" : type == 8 ? ", times 2^-459 (type 4 near underflow)" : ""
    return builtBySimilarity(
      blocks, t: t, similarity: nil, scale: scale,
      note: "lapack type \(type): diagonal, \(mode.label), random signs\(scaleNote)")
  case 9, 10, 11, 12:
    let mode = lapackMode(type)
    let blocks = mode.blocks(n, &rng)
    let t = quasiTriangular(blocks, upper: upperO1, &rng)
    let u = randomOrthogonal(n, &rng)
    return builtBySimilarity(
      blocks, t: t, similarity: Similarity(orthogonal: u.transposed),
      note: "lapack type \(type): U^T T U, U orthogonal, T upper with \(mode.label) diagonal, random O(1) upper part")
  case 13, 14, 15, 16, 17, 18:
    let mode = lapackMode(type)
    let blocks = mode.blocks(n, &rng)
    let t = quasiTriangular(blocks, upper: upperO1, &rng)
    let x = Similarity(sigma: Similarity.geometricSigma(n, cond: powerOfTwo(26)), &rng)
    var note = "lapack type \(type): X T X^-1, X = U diag(sigma) W, cond(X) = 2^26 = 1/sqrt(ulp), T upper with \(mode.label) diagonal"
    var scale = 1.0
    if type >= 17 {
      let target = type == 17 ? 459 : -459
      scale = normalisingScale(similar(t, x), targetExponent: target)
      note += type == 17 ? ", scaled to max entry ~2^459 (near overflow)" : ", scaled to max entry ~2^-459 (near underflow)"
    }
    return builtBySimilarity(blocks, t: t, similarity: x, scale: scale, note: note)
  case 19, 20, 21:
    var a = Matrix(n: n)
    for i in 0..<n { for j in 0..<n { a[i, j] = rng.uniform(-1, 1) } }
    if n >= 4 {
      for j in 0..<n {
        a[0, j] = 0
        a[1, j] = 0
        a[n - 1, j] = 0
      }
      for i in 0..<n {
        a[i, 0] = 0
        a[i, n - 2] = 0
        a[i, n - 1] = 0
      }
    }
    var note = "lapack type \(type): random dense uniform(-1, 1)" + (n >= 4 ? ", rows 1, 2, n and columns 1, n-1, n zeroed" : "")
    if type >= 20 {
      a = normalisingScale(a, targetExponent: type == 20 ? 459 : -459) * a
      note += type == 20 ? ", scaled to max entry ~2^459 (near overflow)" : ", scaled to max entry ~2^-459 (near underflow)"
    }
    return Built(matrix: a, eigenvalues: nil, condV: nil, note: note, construction: nil)
  default:
    preconditionFailure("LAPACK types are 1...21")
  }
}
