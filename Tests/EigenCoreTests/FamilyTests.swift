import Testing

@testable import EigenCore

#if canImport(Glibc)
  import Glibc
#endif

// Checks of the generated matrix families at the level of their construction, with no
// eigen solver: the factors each matrix was built from are kept (`construction`) and
// checked against the matrix and the advertised spectrum.

private let eps = 0x1p-52
private let testNs = [1, 2, 3, 4, 5, 8, 16]
/// Indices that cycle every pattern used: k = 1, 2, 6, 12, both signs, cond exponents, pair counts.
private let testIndices = [0, 1, 2, 3, 4, 5, 7, 11, 12, 13, 23]

/// Every family, the single LAPACK types included.
private let everyFamily: [MatrixFamily] = MatrixFamilies.all + (1...21).map { MatrixFamilies.lapack(type: $0) }

private func frob(_ a: Matrix) -> Double { a.normFrobenius }

private func bits(_ a: Matrix) -> [UInt64] { a.storage.map { $0.bitPattern } }

/// `|Q^T Q - I|_F`.
private func orthogonalityError(_ q: Matrix) -> Double { frob(q.transposed * q - Matrix.identity(q.n)) }

/// The spectrum of an upper quasi-triangular T read from its blocks (1x1 -> t_ii; a 2x2 block
/// [[a, b], [-b, a]] -> a +- i b), sorted by report order.
private func blockSpectrum(_ t: Matrix) -> [Complex] {
  var out = [Complex]()
  var i = 0
  while i < t.n {
    if i + 1 < t.n && t[i + 1, i] != 0 {
      out.append(Complex(t[i, i], t[i, i + 1]))
      out.append(Complex(t[i, i], -t[i, i + 1]))
      i += 2
    } else {
      out.append(Complex(t[i, i]))
      i += 1
    }
  }
  return out.sorted(by: Complex.reportOrder)
}

/// The condition number each family promises for its similarity (nil: no similarity).
private func promisedCond(_ g: GeneratedMatrix) -> Double? {
  let name = g.family
  if name.hasPrefix("lapack-"), let t = Int(name.dropFirst(7)) {
    switch t {
    case 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12: return 1
    case 13...18: return g.n == 1 ? 1 : 0x1p26
    default: return nil
    }
  }
  switch name {
  case "prescribed": return g.n == 1 ? 1 : [1, 1e2, 1e4, 1e6][g.index % 4]
  case "symmetric": return 1
  case "mixed": return 10
  case "near-zero-min", "complex-near-real", "real-collision", "repeated-min", "jordan-min", "graded", "no-real":
    return g.n == 1 ? 1 : 4
  case "extreme-scale": return g.n == 1 ? 1 : 2
  default: return nil
  }
}

/// Checks a similarity-built matrix: T's form and spectrum, the orthogonal factors, cond(V),
/// `V V^-1 = I`, and the residual `|B V - V T|` of the matrix B with grading and scale undone.
private func checkConstruction(_ g: GeneratedMatrix, _ c: Construction) {
  guard let t = c.t else { return }
  let n = g.n
  let a = g.matrix
  let where_ = "\(g.family) n=\(n) index=\(g.index)"
  // T is upper quasi-triangular with normal 2x2 blocks, never two adjacent ones overlapping.
  for i in 0..<n {
    for j in 0..<n where i > j + 1 { #expect(t[i, j] == 0, "\(where_): T[\(i),\(j)] below the subdiagonal") }
  }
  for i in 0..<max(n - 1, 0) where t[i + 1, i] != 0 {
    #expect(t[i, i] == t[i + 1, i + 1] && t[i + 1, i] == -t[i, i + 1] && t[i, i + 1] > 0, "\(where_): 2x2 block at \(i)")
    if i + 2 < n { #expect(t[i + 2, i + 1] == 0, "\(where_): overlapping 2x2 blocks at \(i)") }
  }
  // The advertised spectrum is T's, times the scale, exactly.
  let tSpec = blockSpectrum(t).map { c.scale * $0 }.sorted(by: Complex.reportOrder)
  #expect(g.eigenvalues == tSpec, "\(where_): eigenvalues are not the spectrum of T")
  // Undo grading and scale (powers of two: exact).
  var b = a
  if let gr = c.grading {
    #expect(gr.count == n)
    for i in 0..<n { for j in 0..<n { b[i, j] *= Double(sign: .plus, exponent: gr[j] - gr[i], significand: 1) } }
  }
  if c.scale != 1 {
    #expect(c.scale.significandBitPattern == 0, "\(where_): scale is not a power of two")
    b = (1 / c.scale) * b
  }
  guard let s = c.similarity else {
    #expect(b == t, "\(where_): without a similarity the matrix must be exactly scale * T")
    #expect(g.condV == 1)
    return
  }
  // Orthogonal factors.
  let orthTol = 16 * Double(n) * eps
  #expect(orthogonalityError(s.u) <= orthTol, "\(where_): U not orthogonal: \(orthogonalityError(s.u))")
  #expect(orthogonalityError(s.w) <= orthTol, "\(where_): W not orthogonal: \(orthogonalityError(s.w))")
  // V = U diag(sigma) W (recomputed in the other association).
  var sw = s.w
  for i in 0..<n { for j in 0..<n { sw[i, j] *= s.sigma[i] } }
  #expect(frob(s.v - s.u * sw) <= 4 * Double(n) * eps * frob(s.v), "\(where_): V is not U diag(sigma) W")
  // cond(V) from the singular values: as reported and as promised.
  let cond = s.sigma.max()! / s.sigma.min()!
  #expect(s.sigma.allSatisfy { $0 > 0 && $0 <= 1 } && s.sigma.first == 1)
  #expect(g.condV == cond, "\(where_): condV \(String(describing: g.condV)) != sigma ratio \(cond)")
  if let want = promisedCond(g) {
    #expect(abs(cond - want) <= 4 * eps * want, "\(where_): cond(V) = \(cond), promised \(want)")
  } else {
    Issue.record("\(where_): no promised cond(V) for a similarity family")
  }
  // V V^-1 = I to within the conditioning, and the residual B V - V T.
  let vv = frob(s.v * s.vInverse - Matrix.identity(n))
  #expect(vv <= 16 * Double(n) * eps * cond, "\(where_): |V V^-1 - I| = \(vv)")
  let residual = frob(b * s.v - s.v * t)
  let bound = 16 * Double(n) * eps * (frob(s.v) * frob(t) * frob(s.vInverse) * frob(s.v) + frob(b) * frob(s.v))
  #expect(residual <= bound, "\(where_): |A V - V T| = \(residual) > \(bound)")
}

/// Family-specific guarantees, checked on the matrix and the known spectrum.
private func checkGuarantee(_ g: GeneratedMatrix) throws {
  let n = g.n
  let a = g.matrix
  let where_ = "\(g.family) n=\(n) index=\(g.index)"
  let spec = g.eigenvalues ?? []
  let reals = spec.filter { $0.isReal }.map { $0.re }
  let (k, tenMinusK) = (g.index % 12 + 1, Double("1e-\(g.index % 12 + 1)")!)
  func othersAtLeast(_ floor: Double, excluding count: Int) {
    let rest = reals.sorted().dropFirst(count)
    #expect(rest.allSatisfy { $0 >= floor }, "\(where_): some eigenvalue below \(floor)")
  }
  switch g.family {
  case "lapack-1": #expect(a.storage.allSatisfy { $0 == 0 })
  case "lapack-2": #expect(a == Matrix.identity(n))
  case "lapack-3":
    for i in 0..<n {
      for j in 0..<n { #expect(a[i, j] == (i == j || i == j + 1 ? 1 : 0), "\(where_): Jordan entry \(i),\(j)") }
    }
    #expect(spec == Array(repeating: Complex(1), count: n))
  case "lapack-4", "lapack-5", "lapack-6", "lapack-7", "lapack-8":
    let t = Int(g.family.dropFirst(7))!
    let scale = t == 7 ? 0x1p459 : t == 8 ? 0x1p-459 : 1
    for i in 0..<n { for j in 0..<n where i != j { #expect(a[i, j] == 0) } }
    let mags = (0..<n).map { abs(a[$0, $0]) / scale }
    #expect(mags[0] == 1, "\(where_): first diagonal magnitude is not ANORM")
    if n > 1 {
      #expect(mags[n - 1] == eps, "\(where_): last diagonal magnitude is not ulp")
      for i in 1..<n {
        switch t {
        case 5:  // geometric: constant ratio ulp^(1/(n-1))
          // ulp^(i/(n-1)) from libm with the same argument, independent of deterministicExp2
          let want = exp2(-52 * Double(i) / Double(n - 1))
          #expect(abs(mags[i] - want) <= 4 * eps * want, "\(where_): not geometric: \(mags[i]) vs \(want)")
        case 6: #expect(mags[i] == eps, "\(where_): not clustered")
        default:  // evenly spaced
          let step = mags[i - 1] - mags[i]
          #expect(abs(step - (1 - eps) / Double(n - 1)) <= 4 * eps, "\(where_): not evenly spaced")
        }
      }
    }
  case "lapack-17", "lapack-20":
    #expect(a.maxAbs >= 0x1p459 && a.maxAbs < 0x1p460, "\(where_): max entry \(a.maxAbs) not near 2^459")
  case "lapack-18", "lapack-21":
    #expect(a.maxAbs >= 0x1p-459 && a.maxAbs < 0x1p-458, "\(where_): max entry \(a.maxAbs) not near 2^-459")
  case "lapack-19":
    #expect(a.storage.allSatisfy { $0 > -1 && $0 < 1 })
    if n >= 4 {
      for j in 0..<n { #expect(a[0, j] == 0 && a[1, j] == 0 && a[n - 1, j] == 0) }
      for i in 0..<n { #expect(a[i, 0] == 0 && a[i, n - 2] == 0 && a[i, n - 1] == 0) }
      #expect(a.storage.contains { $0 != 0 } == (n >= 5 || a[2, 1] != 0))
    }
  case "symmetric":
    #expect(a == a.transposed, "\(where_): not exactly symmetric")
    #expect(reals.count == n)
  case "triangular":
    for i in 0..<n { for j in 0..<i { #expect(a[i, j] == 0, "\(where_): below the diagonal") } }
    #expect((0..<n).map { Complex(a[$0, $0]) }.sorted(by: Complex.reportOrder) == spec)
  case "companion", "wilkinson":
    let roots = try #require(g.construction?.roots)
    #expect(Set(roots).count == n, "\(where_): roots not distinct")
    #expect(spec == roots.map { Complex($0) }.sorted(by: Complex.reportOrder))
    // Independent exact expansion of prod (2x - 2r) in Int64: E_j, then c_j = E_j / 2^(n - j).
    let ks = roots.map { Int64(2 * $0) }
    #expect(zip(ks, roots).allSatisfy { Double($0) == 2 * $1 }, "\(where_): roots not in Z/2")
    var e: [Int64] = [1]
    for kk in ks {
      var next = [Int64](repeating: 0, count: e.count + 1)
      for j in 0..<next.count { next[j] = (j >= 1 ? 2 * e[j - 1] : 0) - (j < e.count ? kk * e[j] : 0) }
      e = next
    }
    #expect(e[n] == Int64(1) << Int64(n))
    for i in 0..<n {
      let want = Double(e[i]) * Double(sign: .plus, exponent: -n, significand: 1)
      #expect(a[i, n - 1] == -want, "\(where_): coefficient c_\(i) = \(-a[i, n - 1]), want \(want)")
      for j in 0..<(n - 1) { #expect(a[i, j] == (i == j + 1 ? 1 : 0), "\(where_): companion entry \(i),\(j)") }
    }
  case "gaussian":
    if n >= 8 {
      let mean = a.storage.reduce(0, +) / Double(n * n)
      let variance = a.storage.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n * n - 1)
      #expect(abs(mean) < 4 / Double(n) && abs(variance - 1) < 0.4, "\(where_): mean \(mean) variance \(variance)")
    }
  case "prescribed":
    let p = (g.index / 4) % ((n - 1) / 2 + 1)
    #expect(reals.count == n - 2 * p && reals.count >= 1)
    let lmin = reals.min()!
    for (i, z) in spec.enumerated() where !(z.isReal && z.re == lmin && i == spec.firstIndex(of: z)) {
      #expect((z - Complex(lmin)).magnitude >= 0.5, "\(where_): \(z) within 0.5 of lambda_min \(lmin)")
    }
  case "mixed":
    #expect(reals.count == (n % 2 == 0 ? 2 : 1))
    let lmin = reals.min()!
    #expect(spec.contains { !$0.isReal && $0.re < lmin - 0.24 }, "\(where_): no pair left of lambda_min")
    #expect(spec.allSatisfy { $0.isReal || abs($0.im) >= 0.5 })
  case "near-zero-min":
    #expect(reals.count == n)
    let want = (g.index / 12) % 2 == 0 ? tenMinusK : -tenMinusK
    #expect(reals.min() == want, "\(where_): lambda_min \(String(describing: reals.min())) != \(want) (k = \(k))")
    othersAtLeast(0.5, excluding: 1)
  case "complex-near-real":
    let lmin = try #require(reals.min())
    let pairs = spec.filter { !$0.isReal }
    #expect(pairs.count == 2 && reals.count == n - 2)
    #expect(pairs.allSatisfy { abs($0.im) == tenMinusK }, "\(where_): pair imaginary part is not 1e-\(k)")
    let side = (g.index / 12) % 2 == 0 ? 0.125 : -0.125
    #expect(pairs.allSatisfy { abs($0.re - (lmin + side)) <= 4 * eps }, "\(where_): pair not next to lambda_min")
    othersAtLeast(lmin + 0.5, excluding: 1)
  case "real-collision":
    let r = reals.sorted()
    #expect(r.count == n)
    let gap = r[1] - r[0]
    #expect(abs(gap - tenMinusK) <= 2 * eps * max(1, abs(r[0])), "\(where_): gap \(gap) != 1e-\(k)")
    othersAtLeast(r[0] + 0.5, excluding: 2)
  case "repeated-min":
    let r = reals.sorted()
    #expect(r.count == n && r[0] == r[1])
    othersAtLeast(r[0] + 0.5, excluding: 2)
    // diagonalizable: T is diagonal
    if let t = g.construction?.t { #expect(t == Matrix.diagonal((0..<n).map { t[$0, $0] })) }
  case "jordan-min":
    let r = reals.sorted()
    #expect(r.count == n && r[0] == r[1])
    othersAtLeast(r[0] + 0.5, excluding: 2)
    let t = try #require(g.construction?.t)
    #expect(t[0, 0] == r[0] && t[1, 1] == r[0] && t[0, 1] == 1 && t[1, 0] == 0, "\(where_): no Jordan block")
  case "graded":
    let gr = try #require(g.construction?.grading)
    let kk = 2 * (g.index % 8 + 1)
    #expect(gr.first == 0)
    if n > 1 { #expect(abs(Double(gr[n - 1]) - Double(kk) * 3.321928094887362) <= 0.5) }
    #expect(reals.count >= 1)
  case "no-real":
    #expect(spec.count == n && spec.allSatisfy { !$0.isReal && abs($0.im) >= 0.25 }, "\(where_): a real eigenvalue")
  case "extreme-scale":
    let want = g.index % 2 == 0 ? 0x1p498 : 0x1p-498
    #expect(g.construction?.scale == want)
    #expect(reals.count >= 1)
    #expect(a.maxAbs > 1e-3 * want && a.maxAbs < 1e3 * want, "\(where_): max entry \(a.maxAbs) not ~\(want)")
    #expect(spec.allSatisfy { $0.magnitude < 32 * want })
  default:
    break
  }
}

@Suite("Generated matrix families")
struct FamilyTests {
  @Test("names are unique and resolvable; lapack-<t> resolves only for 1...21")
  func names() {
    let names = MatrixFamilies.all.map(\.name)
    #expect(Set(names).count == names.count)
    for f in everyFamily { #expect(MatrixFamilies.named(f.name)?.name == f.name) }
    #expect(MatrixFamilies.named("lapack-0") == nil)
    #expect(MatrixFamilies.named("lapack-22") == nil)
    #expect(MatrixFamilies.named("lapack-01") == nil)
    #expect(MatrixFamilies.named("nope") == nil)
    for required in [
      "lapack", "gaussian", "prescribed", "symmetric", "triangular", "companion", "mixed", "near-zero-min",
      "complex-near-real", "real-collision", "repeated-min", "jordan-min", "graded", "no-real", "extreme-scale",
    ] {
      #expect(names.contains(required), "missing family \(required)")
    }
    for f in everyFamily { #expect(!f.guarantee.isEmpty && !f.supports(0)) }
  }

  @Test("supports: pairs need N >= 2, no-real needs even N")
  func supports() throws {
    let noReal = try #require(MatrixFamilies.named("no-real"))
    #expect(testNs.map(noReal.supports) == [false, true, false, true, false, true, true])
    for name in ["real-collision", "repeated-min", "jordan-min"] {
      let f = try #require(MatrixFamilies.named(name))
      #expect(!f.supports(1) && f.supports(2) && f.supports(3))
    }
    for name in ["mixed", "complex-near-real"] {
      let f = try #require(MatrixFamilies.named(name))
      #expect(!f.supports(2) && f.supports(3))
    }
    for name in ["gaussian", "lapack", "near-zero-min", "prescribed"] {
      #expect(try #require(MatrixFamilies.named(name)).supports(1))
    }
  }

  @Test("FNV-1a matches the published test vectors")
  func fnv() {
    #expect(fnv1a64([]) == 0xcbf2_9ce4_8422_2325)
    #expect(fnv1a64(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
    #expect(fnv1a64(Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
    #expect(familyStream("gaussian", n: 3, index: 0) != familyStream("gaussian", n: 3, index: 1))
    #expect(familyStream("gaussian", n: 3, index: 0) != familyStream("gaussian", n: 4, index: 0))
  }

  @Test("deterministicExp2 is exact at integers and accurate between")
  func exp2() {
    for k in -60...60 { #expect(deterministicExp2(Double(k)) == Double(sign: .plus, exponent: k, significand: 1)) }
    #expect(abs(deterministicExp2(0.5) - 2.0.squareRoot()) <= 2 * eps)
    #expect(abs(deterministicExp2(-26.5) * 0x1p26 - (0.5).squareRoot()) <= 2 * eps)
    var x = -40.0
    while x <= 40 {
      let p = deterministicExp2(x) * deterministicExp2(-x)
      #expect(abs(p - 1) <= 8 * eps, "2^\(x) 2^-\(x) = \(p)")
      x += 0.37
    }
  }

  @Test("same (family, n, index, seed) gives the same bits; another index or seed gives others")
  func determinism() {
    let deterministicFamilies: Set = ["lapack-1", "lapack-2", "lapack-3", "wilkinson"]
    for f in everyFamily {
      let n = f.supports(5) ? 5 : 4
      let g1 = f.generate(n: n, index: 3, seed: 42)
      _ = f.generate(n: n, index: 4, seed: 42)  // generating another case changes nothing
      let g2 = f.generate(n: n, index: 3, seed: 42)
      #expect(bits(g1.matrix) == bits(g2.matrix), "\(f.name): not deterministic")
      #expect(g1.eigenvalues == g2.eigenvalues && g1.note == g2.note)
      #expect(g1.family == f.name && g1.n == n && g1.index == 3)
      if !deterministicFamilies.contains(f.name) {
        // Distinct streams give distinct matrices. N = 16: the diagonal LAPACK types draw only
        // N random signs, so at N = 5 two of 8 cases coincide with probability ~0.6.
        let byIndex = Set((0..<8).map { bits(f.generate(n: 16, index: $0, seed: 42).matrix) })
        #expect(byIndex.count == 8, "\(f.name): index does not matter (\(byIndex.count) distinct of 8)")
        let bySeed = Set((0..<8).map { bits(f.generate(n: 16, index: 3, seed: UInt64($0)).matrix) })
        #expect(bySeed.count == 8, "\(f.name): seed does not matter (\(bySeed.count) distinct of 8)")
      }
    }
  }

  @Test("lapack case i is lapack-(i % 21 + 1) case i / 21, bit for bit")
  func lapackCycle() throws {
    let cycled = try #require(MatrixFamilies.named("lapack"))
    for i in [0, 5, 12, 20, 21, 33, 62] {
      let g = cycled.generate(n: 5, index: i, seed: 7)
      let single = MatrixFamilies.lapack(type: i % 21 + 1).generate(n: 5, index: i / 21, seed: 7)
      #expect(bits(g.matrix) == bits(single.matrix))
      #expect(g.family == "lapack" && g.index == i && g.note == single.note)
      #expect(g.note.hasPrefix("lapack type \(i % 21 + 1):"))
    }
  }

  @Test("every family at N = 1, 2, 3, 4, 5, 8, 16: shape, finiteness, construction and guarantee")
  func everyCase() throws {
    for f in everyFamily {
      for n in testNs where f.supports(n) {
        for index in f.name.hasPrefix("lapack") ? [0, 1] : testIndices {
          let g = f.generate(n: n, index: index, seed: 2518)
          let a = g.matrix
          #expect(a.rows == n && a.cols == n)
          #expect(a.firstNonFinite == nil, "\(f.name) n=\(n): non-finite entry")
          #expect(!g.note.isEmpty && !g.note.contains("\n"))
          if let spec = g.eigenvalues {
            #expect(spec.count == n, "\(f.name) n=\(n): \(spec.count) eigenvalues")
            #expect(spec.allSatisfy { $0.isFinite })
            // closed under conjugation
            #expect(spec.filter { !$0.isReal }.allSatisfy { z in spec.contains(z.conjugate) })
          }
          if let c = g.construction { checkConstruction(g, c) }
          try checkGuarantee(g)
        }
      }
    }
  }

  @Test("large N: every family gives a finite N x N matrix at N = 32 and 64; companions at 128")
  func largeN() {
    for f in MatrixFamilies.all {
      // companions cost no matrix products, and their coefficients are what could overflow
      let sizes = f.name == "companion" || f.name == "wilkinson" ? [32, 64, 128] : [32, 64]
      for n in sizes where f.supports(n) {
        for index in n == 32 ? [0, 1, 12] : [0] {
          let g = f.generate(n: n, index: index, seed: 3)
          #expect(g.matrix.rows == n && g.matrix.firstNonFinite == nil, "\(f.name) n=\(n): non-finite")
          #expect(g.eigenvalues.map { $0.count == n && $0.allSatisfy { z in z.isFinite } } ?? true)
        }
      }
    }
  }

  @Test("the lapack family cycles through all 21 types at N = 5")
  func lapackAllTypes() throws {
    let cycled = try #require(MatrixFamilies.named("lapack"))
    var seen = Set<String>()
    for i in 0..<21 {
      let g = cycled.generate(n: 5, index: i, seed: 1)
      seen.insert(String(g.note.prefix { $0 != ":" }))
      #expect(g.matrix.firstNonFinite == nil)
    }
    #expect(seen.count == 21)
  }
}
