/// The non-LAPACK families: general, structured and edge-case spectra.
///
/// Unless said otherwise a family builds `A = V T V^-1` with `V = U diag(sigma) W` (U, W
/// random orthogonal, sigma geometric from 1 to 1/cond) and `T` block diagonal, 1x1 blocks for
/// real eigenvalues and `[[a, b], [-b, a]]` for the pair `a +- i b`. With this `T` the
/// eigenvector matrix has condition number exactly `cond(V)` (the 2x2 blocks are normal).
/// The edge families use `cond(V) = 4`, mildly non-normal, so that left and right
/// eigenvectors differ (a transposed `u v^T` gradient is then wrong and detectable).

/// `cond(V)` of the edge families.
let edgeCond = 4.0

extension MatrixFamilies {
  static let otherFamilies: [MatrixFamily] = [
    gaussian, prescribed, symmetric, triangular, companion, wilkinson, mixed,
    nearZeroMin, complexNearReal, realCollision, repeatedMin, jordanMin, graded, noReal, extremeScale,
  ]

  /// `10^-k` and the exponent `k = index % 12 + 1` cycled by the edge families.
  static func edgeExponent(_ index: Int) -> (k: Int, value: Double) {
    let k = index % 12 + 1
    return (k, powerOfTen(-k))
  }

  /// Blocks `[first..., reals ascending from start]`, built into `V T V^-1` with `cond(V) = cond`.
  static func bySimilarity(_ blocks: [SpectralBlock], cond: Double, note: String, _ rng: inout SeededRNG) -> Built {
    let t = quasiTriangular(blocks, &rng)
    let n = t.n
    let s = Similarity(sigma: Similarity.geometricSigma(n, cond: cond), &rng)
    return builtBySimilarity(blocks, t: t, similarity: s, note: note)
  }

  static let gaussian = MatrixFamily(
    name: "gaussian",
    guarantee:
      "i.i.d. standard normal entries; spectrum unknown, but for odd N at least one eigenvalue is real (non-real "
      + "eigenvalues of a real matrix come in conjugate pairs); even N may have none",
    supports: { $0 >= 1 }
  ) { n, _, rng in
    let a = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
    return Built(
      matrix: a, eigenvalues: nil, condV: nil, note: "gaussian: i.i.d. N(0, 1) entries", construction: nil)
  }

  /// `cond(V)` exponents cycled by `prescribed`.
  static let prescribedCondExponents = [0, 2, 4, 6]

  static let prescribed = MatrixFamily(
    name: "prescribed",
    guarantee:
      "V D V^-1 with known spectrum: cond(V) = 10^c, c = 0, 2, 4, 6 cycled by index; p = (index / 4) mod "
      + "((N - 1) / 2 + 1) complex pairs (imaginary parts in [0.5, 2)), the other N - 2p >= 1 eigenvalues real; the "
      + "minimum real eigenvalue is at distance >= 0.5 from every other eigenvalue",
    supports: { $0 >= 1 }
  ) { n, index, rng in
    let c = prescribedCondExponents[index % 4]
    let p = (index / 4) % ((n - 1) / 2 + 1)
    let lmin = rng.uniform(-2, 1)
    let reals = SpectrumDraw.ascendingReals(n - 2 * p, from: lmin, &rng).enumerated().map {
      $0.offset == 0 ? $0.element : $0.element + 0.25  // first gap >= 0.5
    }
    var blocks = reals.map { SpectralBlock.real($0) }
    for _ in 0..<p { blocks.append(SpectrumDraw.pair(re: (-3, 3), im: (0.5, 2), &rng)) }
    return bySimilarity(
      blocks, cond: powerOfTen(c),
      note: "prescribed: V D V^-1, cond(V) = 1e\(c), \(n - 2 * p) real, \(p) complex pairs, min real separated by >= 0.5",
      &rng)
  }

  static let symmetric = MatrixFamily(
    name: "symmetric",
    guarantee:
      "Q diag(lambda) Q^T with Q random orthogonal and lambda uniform in [-2, 2): exactly symmetric (a_ij and a_ji "
      + "are the same computed number), real spectrum known",
    supports: { $0 >= 1 }
  ) { n, _, rng in
    let lambda = (0..<n).map { _ in rng.uniform(-2, 2) }
    let q = randomOrthogonal(n, &rng)
    var a = Matrix(n: n)
    for i in 0..<n {
      for j in i..<n {
        var s = 0.0
        for k in 0..<n { s += q[i, k] * lambda[k] * q[j, k] }
        a[i, j] = s
        a[j, i] = s
      }
    }
    let blocks = lambda.map { SpectralBlock.real($0) }
    return Built(
      matrix: a, eigenvalues: spectrum(blocks), condV: 1, note: "symmetric: Q diag(lambda) Q^T, symmetrised exactly",
      construction: Construction(t: Matrix.diagonal(lambda), similarity: Similarity(orthogonal: q)))
  }

  static let triangular = MatrixFamily(
    name: "triangular",
    guarantee:
      "upper triangular with diagonal uniform in [-2, 2) and standard normal strictly upper part: the spectrum is "
      + "the diagonal exactly",
    supports: { $0 >= 1 }
  ) { n, _, rng in
    let blocks = (0..<n).map { _ in SpectralBlock.real(rng.uniform(-2, 2)) }
    let t = quasiTriangular(blocks, upper: { $0.gaussian() }, &rng)
    return Built(
      matrix: t, eigenvalues: spectrum(blocks), condV: 1,
      note: "triangular: upper triangular, spectrum = diagonal", construction: Construction(t: t))
  }

  /// The Frobenius companion matrix of the monic polynomial with these roots:
  /// `C[i+1][i] = 1`, `C[i][n-1] = -c_i`, where `prod (x - r_i) = x^n + c_{n-1} x^{n-1} + ... + c_0`,
  /// so that `det(x I - C) = p(x)`. Coefficients by the recurrence `c <- c * (x - r)`.
  static func companionBuilt(roots: [Double], note: String) -> Built {
    let n = roots.count
    var q = [1.0]  // q[j]: coefficient of x^j of the partial product, monic
    for r in roots {
      var next = [Double](repeating: 0, count: q.count + 1)
      for j in 0..<next.count {
        let lower = j >= 1 ? q[j - 1] : 0
        let here = j < q.count ? q[j] : 0
        next[j] = lower - r * here
      }
      q = next
    }
    let c = Array(q[0..<n])
    var a = Matrix(n: n)
    for i in 0..<n {
      if i + 1 < n { a[i + 1, i] = 1 }
      a[i, n - 1] = -c[i]
    }
    return Built(
      matrix: a, eigenvalues: roots.map { Complex($0) }, condV: nil, note: note,
      construction: Construction(roots: roots, coefficients: c))
  }

  static let companion = MatrixFamily(
    name: "companion",
    guarantee:
      "companion matrix of prod (x - r_i) with N distinct real roots r_i = k_i / 2, integers |k_i| <= max(8, N) "
      + "drawn without repetition; for N <= 16 the coefficients are exact (no rounding), so the spectrum is exactly the roots; "
      + "N <= 128 (coefficients stay finite)",
    supports: { (1...128).contains($0) }
  ) { n, _, rng in
    let kmax = max(8, n)
    var pool = Array(-kmax...kmax)
    var roots = [Double]()
    for _ in 0..<n {
      let j = rng.int(below: pool.count)
      roots.append(Double(pool.remove(at: j)) / 2)
    }
    roots.sort()
    return companionBuilt(roots: roots, note: "companion: Frobenius companion of prod (x - k_i/2), distinct k_i")
  }

  static let wilkinson = MatrixFamily(
    name: "wilkinson",
    guarantee:
      "companion matrix of Wilkinson's polynomial prod_{k=1..N} (x - k) (not random; every index gives the same "
      + "matrix); coefficients exact for N <= 17, roots extremely ill-conditioned for large N; N <= 128",
    supports: { (1...128).contains($0) }
  ) { n, _, _ in
    companionBuilt(roots: (1...n).map { Double($0) }, note: "wilkinson: companion of prod_{k=1..\(n)} (x - k)")
  }

  static let mixed = MatrixFamily(
    name: "mixed",
    guarantee:
      "V D V^-1, cond(V) = 10: one real eigenvalue (two for even N, the second >= 0.5 above) and complex pairs "
      + "(imaginary parts in [0.5, 2)), the first pair with real part 0.25..1.5 below the minimum real eigenvalue",
    supports: { $0 >= 3 }
  ) { n, _, rng in
    let lmin = rng.uniform(-1, 1)
    var blocks: [SpectralBlock] = [.real(lmin)]
    if n % 2 == 0 { blocks.append(.real(lmin + rng.uniform(0.5, 2))) }
    let p = (n - blocks.count) / 2
    for k in 0..<p {
      if k == 0 {
        blocks.append(SpectrumDraw.pair(re: (lmin - 1.5, lmin - 0.25), im: (0.5, 2), &rng))
      } else {
        blocks.append(SpectrumDraw.pair(re: (lmin - 2, lmin + 2), im: (0.5, 2), &rng))
      }
    }
    return bySimilarity(
      blocks, cond: 10, note: "mixed: V D V^-1, cond(V) = 10, \(n - 2 * p) real, \(p) complex pairs, one pair left of min real",
      &rng)
  }

  /// Real eigenvalues above `floor`: the first uniform in `[floor, floor + 0.5)`, then gaps in `[0.25, 1)`.
  static func realsAbove(_ floor: Double, count: Int, _ rng: inout SeededRNG) -> [SpectralBlock] {
    guard count > 0 else { return [] }
    return SpectrumDraw.ascendingReals(count, from: rng.uniform(floor, floor + 0.5), &rng).map { .real($0) }
  }

  static let nearZeroMin = MatrixFamily(
    name: "near-zero-min",
    guarantee:
      "V D V^-1, cond(V) = 4, all eigenvalues real; the minimum is +10^-k (index / 12 even) or -10^-k (odd), "
      + "k = index % 12 + 1, and every other eigenvalue is >= 0.5",
    supports: { $0 >= 1 }
  ) { n, index, rng in
    let (k, e) = edgeExponent(index)
    let lmin = (index / 12) % 2 == 0 ? e : -e
    let blocks = [SpectralBlock.real(lmin)] + realsAbove(0.5, count: n - 1, &rng)
    return bySimilarity(
      blocks, cond: edgeCond, note: "near-zero-min: lambda_min = \(lmin < 0 ? "-" : "+")1e-\(k), others >= 0.5, cond(V) = 4",
      &rng)
  }

  static let complexNearReal = MatrixFamily(
    name: "complex-near-real",
    guarantee:
      "V D V^-1, cond(V) = 4: minimum real eigenvalue l in [-1, 1), a complex pair (l +- 1/8) +- i 10^-k "
      + "(k = index % 12 + 1; + when index / 12 is even, - when odd), all other eigenvalues real and >= l + 0.5",
    supports: { $0 >= 3 }
  ) { n, index, rng in
    let (k, e) = edgeExponent(index)
    let lmin = rng.uniform(-1, 1)
    let above = (index / 12) % 2 == 0
    let mu = above ? lmin + 0.125 : lmin - 0.125
    let blocks = [SpectralBlock.real(lmin), .pair(re: mu, im: e)] + realsAbove(lmin + 0.5, count: n - 3, &rng)
    return bySimilarity(
      blocks, cond: edgeCond,
      note: "complex-near-real: pair (lambda_min \(above ? "+" : "-") 0.125) +- 1e-\(k) i next to lambda_min, cond(V) = 4",
      &rng)
  }

  static let realCollision = MatrixFamily(
    name: "real-collision",
    guarantee:
      "V D V^-1, cond(V) = 4, all eigenvalues real: the two smallest are l and l + 10^-k (l in [-1, 1), "
      + "k = index % 12 + 1, the gap as computed in floating point), every other eigenvalue >= l + 0.5",
    supports: { $0 >= 2 }
  ) { n, index, rng in
    let (k, e) = edgeExponent(index)
    let l1 = rng.uniform(-1, 1)
    let blocks = [SpectralBlock.real(l1), .real(l1 + e)] + realsAbove(l1 + 0.5, count: n - 2, &rng)
    return bySimilarity(
      blocks, cond: edgeCond, note: "real-collision: two smallest real eigenvalues 1e-\(k) apart, cond(V) = 4", &rng)
  }

  static let repeatedMin = MatrixFamily(
    name: "repeated-min",
    guarantee:
      "V D V^-1, cond(V) = 4, diagonalizable, all eigenvalues real: the minimum l in [-1, 1) exactly twice, "
      + "every other eigenvalue >= l + 0.5",
    supports: { $0 >= 2 }
  ) { n, _, rng in
    let l = rng.uniform(-1, 1)
    let blocks = [SpectralBlock.real(l), .real(l)] + realsAbove(l + 0.5, count: n - 2, &rng)
    return bySimilarity(blocks, cond: edgeCond, note: "repeated-min: lambda_min twice, diagonalizable, cond(V) = 4", &rng)
  }

  static let jordanMin = MatrixFamily(
    name: "jordan-min",
    guarantee:
      "V J V^-1, cond(V) = 4: the minimum eigenvalue l in [-1, 1) is defective (a 2x2 Jordan block [[l, 1], [0, l]]), "
      + "every other eigenvalue real and >= l + 0.5",
    supports: { $0 >= 2 }
  ) { n, _, rng in
    let l = rng.uniform(-1, 1)
    let blocks = [SpectralBlock.jordan(l)] + realsAbove(l + 0.5, count: n - 2, &rng)
    return bySimilarity(blocks, cond: edgeCond, note: "jordan-min: 2x2 Jordan block at lambda_min, cond(V) = 4", &rng)
  }

  /// The grading exponents `g_i = round(k log2(10) i / (n - 1))`: `D = diag(2^g_i)` spans about `10^k`.
  static func gradingExponents(_ n: Int, k: Int) -> [Int] {
    guard n > 1 else { return [0] }
    return (0..<n).map { i in Int((Double(k) * 3.321928094887362 * Double(i) / Double(n - 1)).rounded()) }
  }

  static let graded = MatrixFamily(
    name: "graded",
    guarantee:
      "D A D^-1 with D = diag(2^g_i) ~ diag(10^(k i/(N-1))), k = 2, 4, ..., 16 cycled by index, A = V T V^-1 "
      + "(cond(V) = 4, real and complex pairs, at least one real); D is a power of two so the graded matrix has "
      + "exactly A's computed entries rescaled and the same known spectrum",
    supports: { $0 >= 1 }
  ) { n, index, rng in
    let k = 2 * (index % 8 + 1)
    let p = rng.int(below: (n - 1) / 2 + 1)
    var blocks = [SpectralBlock.real(rng.uniform(-1, 1))]
    blocks += realsAbove(-1, count: n - 1 - 2 * p, &rng)
    for _ in 0..<p { blocks.append(SpectrumDraw.pair(re: (-2, 2), im: (0.25, 2), &rng)) }
    var b = bySimilarity(blocks, cond: edgeCond, note: "", &rng)
    let g = gradingExponents(n, k: k)
    for i in 0..<n { for j in 0..<n { b.matrix[i, j] *= powerOfTwo(g[i] - g[j]) } }
    b.construction?.grading = g
    b.note = "graded: D A D^-1, D = diag(2^g) ~ 10^(\(k) i/(n-1)), A = V T V^-1 with \(n - 2 * p) real, \(p) pairs"
    return b
  }

  static let noReal = MatrixFamily(
    name: "no-real",
    guarantee:
      "V D V^-1, cond(V) = 4, N/2 complex pairs with imaginary parts in [0.25, 2) and real parts in [-2, 2): "
      + "no real eigenvalue (even N only)",
    supports: { $0 >= 2 && $0 % 2 == 0 }
  ) { n, _, rng in
    let blocks = (0..<(n / 2)).map { _ in SpectrumDraw.pair(re: (-2, 2), im: (0.25, 2), &rng) }
    return bySimilarity(blocks, cond: edgeCond, note: "no-real: \(n / 2) complex pairs, cond(V) = 4", &rng)
  }

  static let extremeScale = MatrixFamily(
    name: "extreme-scale",
    guarantee:
      "a well-conditioned V D V^-1 (cond(V) = 2, at least one real eigenvalue, the rest real or pairs) times "
      + "2^498 ~ 10^150 for even index, 2^-498 ~ 10^-150 for odd; the power of two scales the known spectrum exactly",
    supports: { $0 >= 1 }
  ) { n, index, rng in
    let p = rng.int(below: (n - 1) / 2 + 1)
    var blocks = [SpectralBlock.real(rng.uniform(-2, 1))]
    blocks += realsAbove(-1, count: n - 1 - 2 * p, &rng)
    for _ in 0..<p { blocks.append(SpectrumDraw.pair(re: (-2, 2), im: (0.25, 2), &rng)) }
    let up = index % 2 == 0
    let scale = powerOfTwo(up ? 498 : -498)
    let t = quasiTriangular(blocks, &rng)
    let s = Similarity(sigma: Similarity.geometricSigma(n, cond: 2), &rng)
    return builtBySimilarity(
      blocks, t: t, similarity: s, scale: scale,
      note: "extreme-scale: V D V^-1 (cond(V) = 2) times 2^\(up ? "" : "-")498 ~ 1e\(up ? "+" : "-")150")
  }
}
