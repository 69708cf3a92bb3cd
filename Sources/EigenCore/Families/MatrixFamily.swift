/// Seeded generated matrix families: the public types and the registry.
///
/// Every generated case is a function of `(family, n, index, seed)` alone: it draws
/// from its own `SeededRNG` stream, `SeededRNG(seed: seed, stream: familyStream(family, n, index))`,
/// so generating one case never depends on generating another, and the bits of every
/// matrix are the same on every IEEE-754 machine (only +, -, *, /, sqrt and the
/// project's `deterministicLog` / `deterministicExp2` are used; no libm).

/// One generated matrix with what its construction guarantees.
public struct GeneratedMatrix: Sendable {
  /// The family name it was generated from (e.g. `"lapack"`, `"near-zero-min"`).
  public var family: String
  /// The order of the matrix.
  public var n: Int
  /// The index within the family (it selects the pattern, e.g. the LAPACK type or the exponent k).
  public var index: Int
  /// The n x n matrix.
  public var matrix: Matrix
  /// The spectrum known by construction (exact for the construction's factors, before the
  /// rounding of the final products), sorted by `Complex.reportOrder`; `nil` when unknown.
  /// It can be extremely ill-conditioned (LAPACK types 9-18, `jordan-min`, `wilkinson`, large
  /// `companion`): compare a solver against it with residual or condition-scaled bounds.
  public var eigenvalues: [Complex]?
  /// The 2-norm condition number `sigma_max / sigma_min` of the similarity `V` in
  /// `A = V T V^-1` when the matrix was built from a known quasi-triangular `T` (1 when
  /// `A = T` itself, `V = I`, and for orthogonal `V`); `nil` when the matrix was not built
  /// from a known `T` (Jordan block, random dense, gaussian, companion). When `T` is not
  /// diagonal this is not the condition number of the eigenvectors.
  public var condV: Double?
  /// One line describing the construction.
  public var note: String
  /// The factors the matrix was built from (for tests; see `Construction`).
  var construction: Construction?

  /// A generated matrix from its parts (the construction factors are not kept).
  public init(
    family: String, n: Int, index: Int, matrix: Matrix, eigenvalues: [Complex]?, condV: Double?, note: String
  ) {
    self.init(
      family: family, n: n, index: index, matrix: matrix, eigenvalues: eigenvalues, condV: condV, note: note,
      construction: nil)
  }

  init(
    family: String, n: Int, index: Int, matrix: Matrix, eigenvalues: [Complex]?, condV: Double?, note: String,
    construction: Construction?
  ) {
    self.family = family
    self.n = n
    self.index = index
    self.matrix = matrix
    self.eigenvalues = eigenvalues
    self.condV = condV
    self.note = note
    self.construction = construction
  }
}

/// The factors behind a generated matrix, kept so that tests can check the
/// construction without an eigen solver.
///
/// When `t` is set, the matrix is exactly
/// `A = D (scale * fl(V T V^-1)) D^-1` with `D = diag(2^grading[i])` (identity when
/// `grading` is nil), `scale` a power of two, and `V = I` when `v` is nil. Because `D` and
/// `scale` are powers of two, undoing them is exact. `T` is upper quasi-triangular: 1x1
/// blocks, 2x2 blocks `[[a, b], [-b, a]]` (eigenvalues `a +- i b`), and at most one 2x2
/// Jordan block `[[l, 1], [0, l]]`.
struct Construction: Sendable {
  var t: Matrix?
  var similarity: Similarity?
  var scale: Double = 1
  var grading: [Int]?
  /// Companion families: the roots and the monic coefficients `c_0 ... c_{n-1}` of
  /// `p(x) = x^n + c_{n-1} x^{n-1} + ... + c_0`.
  var roots: [Double]?
  var coefficients: [Double]?
}

/// A named family of seeded generated matrices.
public struct MatrixFamily: Sendable {
  /// Stable name, used on the command line (`--family`).
  public let name: String
  /// The property the family guarantees, one sentence.
  public let guarantee: String
  /// Which orders N the family supports (N >= 1 always; pairs need N >= 2, etc.).
  public let supports: @Sendable (Int) -> Bool
  let make: @Sendable (_ n: Int, _ index: Int, _ seed: UInt64) -> GeneratedMatrix

  init(
    name: String, guarantee: String, supports: @escaping @Sendable (Int) -> Bool,
    make: @escaping @Sendable (Int, Int, UInt64) -> GeneratedMatrix
  ) {
    self.name = name
    self.guarantee = guarantee
    self.supports = supports
    self.make = make
  }

  /// A family whose cases draw from the stream of `(name, n, index, seed)`.
  init(
    name: String, guarantee: String, supports: @escaping @Sendable (Int) -> Bool,
    build: @escaping @Sendable (_ n: Int, _ index: Int, _ rng: inout SeededRNG) -> Built
  ) {
    self.init(name: name, guarantee: guarantee, supports: supports) { n, index, seed in
      var rng = SeededRNG(seed: seed, stream: familyStream(name, n: n, index: index))
      return build(n, index, &rng).generated(family: name, n: n, index: index)
    }
  }

  /// The case `(n, index)` of this family for `seed`. Requires `supports(n)` and `index >= 0`.
  public func generate(n: Int, index: Int, seed: UInt64) -> GeneratedMatrix {
    precondition(supports(n), "family \(name) does not support N = \(n)")
    precondition(index >= 0, "index must be >= 0")
    return make(n, index, seed)
  }
}

/// The registry of families.
public enum MatrixFamilies {
  /// Every family, in a fixed order: `lapack` (all 21 types cycled) first, then the
  /// others. The single-type aliases `lapack-1` ... `lapack-21` are not listed here
  /// (they would repeat `lapack`'s cases); `named` and `lapack(type:)` resolve them.
  public static let all: [MatrixFamily] = [lapackCycled] + otherFamilies

  /// The family with this stable name, including `lapack-1` ... `lapack-21`.
  public static func named(_ name: String) -> MatrixFamily? {
    if let f = all.first(where: { $0.name == name }) { return f }
    if name.hasPrefix("lapack-"), let t = Int(name.dropFirst("lapack-".count)), (1...21).contains(t),
      "lapack-\(t)" == name
    {
      return lapackTypes[t - 1]
    }
    return nil
  }

  /// LAPACK's test matrix type `type` (1...21, the DDRVEV list) as a family `lapack-<type>`.
  public static func lapack(type: Int) -> MatrixFamily {
    precondition((1...21).contains(type), "LAPACK matrix types are 1...21")
    return lapackTypes[type - 1]
  }

  static let lapackTypes: [MatrixFamily] = (1...21).map(lapackTypeFamily)

  /// `lapack`: case `index` is case `index / 21` of `lapack-<index % 21 + 1>` (same bits).
  static let lapackCycled = MatrixFamily(
    name: "lapack",
    guarantee:
      "the 21 LAPACK DDRVEV test matrix types cycled by index (type = index % 21 + 1), each with its own guarantee",
    supports: { $0 >= 1 }
  ) { n, index, seed in
    let type = index % 21 + 1
    var g = lapackTypes[type - 1].make(n, index / 21, seed)
    g.family = "lapack"
    g.index = index
    return g
  }
}

/// What a family's builder returns; `generated` adds the case's identity.
struct Built {
  var matrix: Matrix
  var eigenvalues: [Complex]?
  var condV: Double?
  var note: String
  var construction: Construction?

  func generated(family: String, n: Int, index: Int) -> GeneratedMatrix {
    precondition(matrix.rows == n && matrix.cols == n)
    return GeneratedMatrix(
      family: family, n: n, index: index, matrix: matrix,
      eigenvalues: eigenvalues?.sorted(by: Complex.reportOrder), condV: condV, note: note,
      construction: construction)
  }
}

/// The RNG stream of one case: 64-bit FNV-1a over the UTF-8 bytes of the family name, a
/// zero byte, then `n` and `index` as 8 little-endian bytes each. (Swift's `Hasher` is
/// randomly seeded per process, so it is not used.)
func familyStream(_ family: String, n: Int, index: Int) -> UInt64 {
  var bytes = Array(family.utf8)
  bytes.append(0)
  for v in [UInt64(bitPattern: Int64(n)), UInt64(bitPattern: Int64(index))] {
    for s in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(8 * s))) }
  }
  return fnv1a64(bytes)
}

/// 64-bit FNV-1a: `h = 0xcbf29ce484222325; for b: h = (h xor b) * 0x100000001b3 (mod 2^64)`.
func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
  var h: UInt64 = 0xcbf2_9ce4_8422_2325
  for b in bytes {
    h ^= UInt64(b)
    h = h &* 0x0000_0100_0000_01b3
  }
  return h
}
