/// Building blocks of the generated families: deterministic powers, random orthogonal
/// matrices, similarities with a prescribed condition number, and quasi-triangular
/// matrices with a prescribed spectrum.

/// LAPACK's ULP, `DLAMCH('Precision') = eps * base = 2^-52`.
let lapackULP = 0x1p-52

/// `2^x` for finite `|x| < 1000` from IEEE basic operations only, accurate to a few ulps and
/// identical on every IEEE-754 machine.
///
/// `x = k + f` with `k = round(x)`, `|f| <= 1/2`; `2^f = exp(f ln 2) = sum_j (f ln 2)^j / j!`
/// (`|f ln 2| <= 0.347`, summed until a term is below 1e-18), then scaled exactly by `2^k`.
public func deterministicExp2(_ x: Double) -> Double {
  precondition(x.isFinite && abs(x) < 1000, "deterministicExp2 needs |x| < 1000")
  let k = x.rounded()
  let y = (x - k) * 0.6931471805599453
  var term = 1.0
  var sum = 1.0
  var j = 1.0
  while j <= 30 {
    term *= y / j
    sum += term
    if abs(term) < 1e-18 { break }
    j += 1
  }
  return Double(sign: .plus, exponent: Int(k), significand: sum)
}

/// `2^e` exactly.
@inline(__always) func powerOfTwo(_ e: Int) -> Double {
  Double(sign: .plus, exponent: e, significand: 1)
}

/// `10^k` for `|k| <= 22`: exact for `k >= 0` (repeated multiplication), the correctly
/// rounded `1 / 10^-k` for `k < 0`.
func powerOfTen(_ k: Int) -> Double {
  precondition(abs(k) <= 22, "powerOfTen is exact only for |k| <= 22")
  var p = 1.0
  for _ in 0..<abs(k) { p *= 10 }
  return k >= 0 ? p : 1 / p
}

/// A random orthogonal matrix: the product of Householder reflections
/// `H_k = I - 2 v v^T / (v^T v)` with `v` standard normal on rows `k..<n` (k = 0 ... n-2),
/// followed by random column signs (Stewart 1980; Haar distributed up to the sign convention).
func randomOrthogonal(_ n: Int, _ rng: inout SeededRNG) -> Matrix {
  var q = Matrix.identity(n)
  var k = 0
  while k < n - 1 {
    let m = n - k
    let v = rng.gaussianVector(m)
    var vv = 0.0
    for x in v { vv += x * x }
    if vv > 0 {
      for i in 0..<n {
        var s = 0.0
        for j in 0..<m { s += q[i, k + j] * v[j] }
        let f = 2 * s / vv
        for j in 0..<m { q[i, k + j] -= f * v[j] }
      }
    }
    k += 1
  }
  for j in 0..<n {
    let s = rng.sign()
    if s < 0 { for i in 0..<n { q[i, j] = -q[i, j] } }
  }
  return q
}

/// A similarity `V = U diag(sigma) W` (U, W orthogonal) with its inverse computed from the
/// factors, `V^-1 = W^T diag(1/sigma) U^T`; `cond_2(V) = max sigma / min sigma`.
struct Similarity: Sendable {
  var u: Matrix
  var sigma: [Double]
  var w: Matrix
  var v: Matrix
  var vInverse: Matrix
  var cond: Double { (sigma.max() ?? 1) / (sigma.min() ?? 1) }

  /// `V = U diag(sigma) W` with fresh random orthogonal `U`, `W`.
  init(sigma: [Double], _ rng: inout SeededRNG) {
    let n = sigma.count
    let u = randomOrthogonal(n, &rng)
    let w = randomOrthogonal(n, &rng)
    self.init(u: u, sigma: sigma, w: w)
  }

  init(u: Matrix, sigma: [Double], w: Matrix) {
    let n = sigma.count
    self.u = u
    self.sigma = sigma
    self.w = w
    var us = u
    var wts = w.transposed
    for i in 0..<n {
      for j in 0..<n {
        us[i, j] *= sigma[j]
        wts[i, j] /= sigma[j]
      }
    }
    v = us * w
    vInverse = wts * u.transposed
  }

  /// An orthogonal similarity `V = Q`, `V^-1 = Q^T` (sigma = 1, W = I).
  init(orthogonal q: Matrix) {
    u = q
    sigma = Array(repeating: 1, count: q.n)
    w = Matrix.identity(q.n)
    v = q
    vInverse = q.transposed
  }

  /// Singular values geometrically spaced from 1 down to `1/cond`:
  /// `sigma_i = 2^(-log2(cond) i/(n-1))`, with `sigma_0 = 1` and `sigma_{n-1} = 1/cond` exactly
  /// rounded (so `cond(V)` is `cond` to within an ulp). `n = 1` gives `[1]`.
  static func geometricSigma(_ n: Int, cond: Double) -> [Double] {
    precondition(cond >= 1)
    if n == 1 { return [1] }
    let l2 = deterministicLog(cond) / 0.6931471805599453
    return (0..<n).map { i in
      i == 0 ? 1 : i == n - 1 ? 1 / cond : deterministicExp2(-l2 * Double(i) / Double(n - 1))
    }
  }
}

/// One diagonal block of an upper quasi-triangular `T`.
enum SpectralBlock: Sendable {
  /// A 1x1 block: a real eigenvalue.
  case real(Double)
  /// `[[re, im], [-im, re]]`, `im > 0`: the pair `re +- i im` (exactly, since
  /// `det(z I - B) = (z - re)^2 + im^2`).
  case pair(re: Double, im: Double)
  /// `[[l, 1], [0, l]]`: a defective double eigenvalue.
  case jordan(Double)

  var size: Int {
    if case .real = self { return 1 }
    return 2
  }

  var eigenvalues: [Complex] {
    switch self {
    case .real(let l): return [Complex(l)]
    case .pair(let re, let im): return [Complex(re, im), Complex(re, -im)]
    case .jordan(let l): return [Complex(l), Complex(l)]
    }
  }
}

/// The spectrum of a block list, scaled by `scale` (a power of two, so exactly).
func spectrum(_ blocks: [SpectralBlock], scale: Double = 1) -> [Complex] {
  blocks.flatMap { $0.eigenvalues }.map { scale * $0 }
}

/// The upper quasi-triangular `T` with these diagonal blocks. When `upper` is given, every
/// entry above the block diagonal is drawn from it (LAPACK DLATME's random upper triangle);
/// otherwise `T` is block diagonal.
func quasiTriangular(
  _ blocks: [SpectralBlock], upper: ((inout SeededRNG) -> Double)? = nil, _ rng: inout SeededRNG
) -> Matrix {
  let n = blocks.reduce(0) { $0 + $1.size }
  var t = Matrix(n: n)
  var start = [Int]()
  var i = 0
  for b in blocks {
    start.append(i)
    switch b {
    case .real(let l): t[i, i] = l
    case .pair(let re, let im):
      t[i, i] = re
      t[i + 1, i + 1] = re
      t[i, i + 1] = im
      t[i + 1, i] = -im
    case .jordan(let l):
      t[i, i] = l
      t[i + 1, i + 1] = l
      t[i, i + 1] = 1
    }
    i += b.size
  }
  if let upper {
    for (bi, b) in blocks.enumerated() {
      let r0 = start[bi]
      for r in r0..<(r0 + b.size) {
        for c in (r0 + b.size)..<n { t[r, c] = upper(&rng) }
      }
    }
  }
  return t
}

/// `A = scale * fl((V T) V^-1)`, with `scale` a power of two.
func similar(_ t: Matrix, _ s: Similarity?, scale: Double = 1) -> Matrix {
  let a = s.map { ($0.v * t) * $0.vInverse } ?? t
  return scale == 1 ? a : scale * a
}

/// The power of two `2^(target - e)` where `2^e <= maxAbs(a) < 2^(e+1)`, so that the scaled
/// matrix has its largest entry in `[2^target, 2^(target+1))`; 1 for the zero matrix.
func normalisingScale(_ a: Matrix, targetExponent: Int) -> Double {
  let m = a.maxAbs
  guard m > 0 && m.isFinite else { return 1 }
  return powerOfTwo(targetExponent - Int(m.exponent))
}

/// A result built by similarity from blocks: `A = scale * V T V^-1`.
func builtBySimilarity(
  _ blocks: [SpectralBlock], t: Matrix, similarity: Similarity?, scale: Double = 1, note: String
) -> Built {
  Built(
    matrix: similar(t, similarity, scale: scale), eigenvalues: spectrum(blocks, scale: scale),
    condV: similarity?.cond ?? 1, note: note,
    construction: Construction(t: t, similarity: similarity, scale: scale))
}

/// Random spectra for the non-LAPACK families.
enum SpectrumDraw {
  /// `count` real eigenvalues, the first at `start`, then cumulative gaps uniform in `[0.25, 1)`.
  static func ascendingReals(_ count: Int, from start: Double, _ rng: inout SeededRNG) -> [Double] {
    var out = [Double]()
    var x = start
    for k in 0..<count {
      if k > 0 { x += rng.uniform(0.25, 1) }
      out.append(x)
    }
    return out
  }

  /// A complex pair with real part uniform in `re` and imaginary part uniform in `im`.
  static func pair(re: (Double, Double), im: (Double, Double), _ rng: inout SeededRNG) -> SpectralBlock {
    let r = rng.uniform(re.0, re.1)
    let i = rng.uniform(im.0, im.1)
    return .pair(re: r, im: i)
  }
}
