import Testing

@testable import EigenCore

// The allocation-free eigenvector API `rightEigenvector(_:into:)` /
// `leftEigenvector(_:into:)`:
// - it writes exactly the bits of the array API, for every eigenvalue of seeded
//   matrices of every order 1...16 and some larger ones, of several kinds (real and
//   complex eigenvalues, repeated ones, balancing with permutations and scaling);
// - it agrees with an independent reference, the generic complex-arithmetic
//   extraction the solver used before (kept below), to a few ulps (they differ only in
//   how the final 2-norm is summed);
// - it writes `n` entries and nothing past them, and checks its index.
// That a second call allocates nothing is measured by the benchmark (EigenBench counts
// malloc calls in the vectors mode), not here.

/// Seeded test matrices of order `n`: Gaussian, upper triangular with repeated
/// diagonal entries, a Gaussian matrix with one isolated row and column (balancing
/// permutes), and a badly scaled similarity `D G D^-1` (balancing scales).
private func testMatrices(_ n: Int, seed: UInt64) -> [Matrix] {
  var rng = SeededRNG(seed: seed, stream: UInt64(n))
  var out: [Matrix] = []
  out.append(gaussianMatrix(n, &rng))
  var tri = gaussianMatrix(n, &rng)
  for i in 0..<n {
    for j in 0..<i { tri[i, j] = 0 }
    tri[i, i] = Double(i % 2)
  }
  out.append(tri)
  var iso = gaussianMatrix(n, &rng)
  if n > 1 {
    for j in 0..<n where j != n / 2 { iso[n / 2, j] = 0 }
  }
  out.append(iso)
  let g = gaussianMatrix(n, &rng)
  var scaled = g
  for i in 0..<n {
    for j in 0..<n { scaled[i, j] = g[i, j] * Double(sign: .plus, exponent: 3 * (i - j), significand: 1) }
  }
  out.append(scaled)
  return out
}

/// The extraction as the solver did it before the `into:` API (generic complex
/// arithmetic, `[Complex]` temporaries, scaled 2-norm): an independent reference. Same
/// pivot rule (DTREVC3's `smin`); it scales against overflow at its own threshold.
private func referenceEigenvector(_ s: EigenSolver, _ idx: Int, left: Bool) -> [Complex] {
  let n = s.n
  let t = s.h
  var lambda: Complex, b: Int, size: Int
  if s.wi[idx] == 0 {
    (lambda, b, size) = (Complex(t[idx * n + idx]), idx, 1)
  } else {
    b = s.wi[idx] > 0 ? idx : idx - 1
    let w = abs(t[b * n + b + 1]).squareRoot() * abs(t[(b + 1) * n + b]).squareRoot()
    (lambda, size) = (Complex(t[b * n + b], s.wi[idx] > 0 ? w : -w), 2)
  }
  let smlnum = Machine.safmin * (Double(n) / Machine.ulp)
  let smin = max(Machine.ulp * (abs(lambda.re) + abs(lambda.im)), smlnum)
  var x = [Complex](repeating: .zero, count: n)
  if size == 1 {
    x[b] = Complex(1)
  } else {
    let mu = Complex(t[b * n + b]) - lambda
    let t01 = t[b * n + b + 1], t10 = t[(b + 1) * n + b]
    let (p, q) = left ? (t10, t01) : (t01, t10)
    if abs(p) >= abs(q) {
      x[b] = Complex(p)
      x[b + 1] = -mu
    } else {
      x[b] = mu
      x[b + 1] = Complex(-q)
    }
  }
  func rescaleIfLarge(_ j: Int) {
    if abs(x[j].re) > 0x1p200 || abs(x[j].im) > 0x1p200 {
      for k in 0..<n { x[k] = 0x1p-200 * x[k] }
    }
  }
  // x and the right-hand side times 2^-k, for k in [0, 2200], in two exact factors.
  func scaleDown(_ k: Int, _ r: inout Complex) {
    let f1 = Double(sign: .plus, exponent: max(-(k / 2), -1074), significand: 1)
    let f2 = Double(sign: .plus, exponent: max(-(k - k / 2), -1074), significand: 1)
    for m in 0..<n { x[m] = f2 * (f1 * x[m]) }
    r = f2 * (f1 * r)
  }
  // x_j = r / p with p perturbed to smin, r (and x) scaled down first when the quotient
  // would pass about 2^190.
  func solve(_ j: Int, _ r: Complex, _ p: Complex) {
    var r = r
    let q = perturbedPivot(p, smin: smin)
    if r != .zero {
      let e = Int(r.magnitude.exponent) - Int(q.magnitude.exponent)
      if e > 190 { scaleDown(e - 190, &r) }
    }
    x[j] = r / q
    rescaleIfLarge(j)
  }
  func store(_ j0: Int, _ j1: Int, _ y: (Complex, Complex, Int)) {
    var unused = Complex.zero
    if y.2 > 0 { scaleDown(y.2, &unused) }
    x[j0] = y.0
    x[j1] = y.1
    rescaleIfLarge(j0)
    rescaleIfLarge(j1)
  }
  if !left {
    let end = b + size - 1
    var j = b - 1
    while j >= 0 {
      if j > 0 && t[j * n + j - 1] != 0 {
        var r0 = Complex.zero, r1 = Complex.zero
        for m in (j + 1)...end {
          r0 = r0 - t[(j - 1) * n + m] * x[m]
          r1 = r1 - t[j * n + m] * x[m]
        }
        store(j - 1, j, solve2x2(
          Complex(t[(j - 1) * n + j - 1]) - lambda, Complex(t[(j - 1) * n + j]),
          Complex(t[j * n + j - 1]), Complex(t[j * n + j]) - lambda, r0, r1, smin: smin))
        j -= 2
      } else {
        var r = Complex.zero
        for m in (j + 1)...end { r = r - t[j * n + m] * x[m] }
        solve(j, r, Complex(t[j * n + j]) - lambda)
        j -= 1
      }
    }
  } else {
    var j = b + size
    while j < n {
      if j + 1 < n && t[(j + 1) * n + j] != 0 {
        var r0 = Complex.zero, r1 = Complex.zero
        for m in b..<j {
          r0 = r0 - t[m * n + j] * x[m]
          r1 = r1 - t[m * n + j + 1] * x[m]
        }
        store(j, j + 1, solve2x2(
          Complex(t[j * n + j]) - lambda, Complex(t[(j + 1) * n + j]),
          Complex(t[j * n + j + 1]), Complex(t[(j + 1) * n + j + 1]) - lambda, r0, r1, smin: smin))
        j += 2
      } else {
        var r = Complex.zero
        for m in b..<j { r = r - t[m * n + j] * x[m] }
        solve(j, r, Complex(t[j * n + j]) - lambda)
        j += 1
      }
    }
  }
  var w = [Complex](repeating: .zero, count: n)
  for r in 0..<n {
    var acc = Complex.zero
    for c in 0..<n where x[c] != .zero { acc = acc + s.z[r * n + c] * x[c] }
    w[r] = acc
  }
  var top = Int.min
  for r in 0..<n where w[r] != .zero {
    let d = Int(s.dscale[r].exponent) * (left ? -1 : 1)
    let m = max(abs(w[r].re), abs(w[r].im))
    guard m.isFinite else { continue }
    top = max(top, d + Int(m.exponent))
  }
  if top != Int.min {
    for r in 0..<n {
      let d = Int(s.dscale[r].exponent) * (left ? -1 : 1) - top
      let f1 = Double(sign: .plus, exponent: max(d / 2, -1074), significand: 1)
      let f2 = Double(sign: .plus, exponent: max(d - d / 2, -1074), significand: 1)
      w[r] = f2 * (f1 * w[r])
    }
  }
  var k = s.swapCount - 1
  while k >= 0 {
    w.swapAt(s.swapA[k], s.swapB[k])
    k -= 1
  }
  var best = 0
  var bestMag = -1.0
  for k in 0..<n where w[k].magnitude > bestMag {
    bestMag = w[k].magnitude
    best = k
  }
  let phase = (1 / bestMag) * w[best].conjugate
  let rot = (1 / phase.magnitude) * phase
  for k in 0..<n { w[k] = rot * ((1 / bestMag) * w[k]) }
  w[best] = Complex(w[best].magnitude, 0)
  let norm = complexNorm2(w)
  for k in 0..<n { w[k] = (1 / norm) * w[k] }
  return w
}

/// Calls an `into:` extraction on a buffer of `n + 2` entries preset to a sentinel,
/// checks that the two past `n` are untouched, and returns the first `n`.
private func viaBuffer(
  _ n: Int, _ body: (UnsafeMutableBufferPointer<Complex>) throws(EigenError) -> Void
) throws -> [Complex] {
  let sentinel = Complex(-7.25, 3.5)
  var buf = [Complex](repeating: sentinel, count: n + 2)
  var failure: EigenError? = nil
  buf.withUnsafeMutableBufferPointer { b in
    do throws(EigenError) { try body(b) } catch { failure = error }
  }
  if let failure { throw failure }
  #expect(buf[n] == sentinel && buf[n + 1] == sentinel, "wrote past n = \(n)")
  return Array(buf[0..<n])
}

private func sameBits(_ a: [Complex], _ b: [Complex]) -> Bool {
  a.count == b.count
    && zip(a, b).allSatisfy { $0.re.bitPattern == $1.re.bitPattern && $0.im.bitPattern == $1.im.bitPattern }
}

@Suite("Eigenvectors written into caller buffers")
struct EigenvectorIntoTests {
  static let orders = Array(1...16) + [24, 40, 65]

  @Test("into: gives the array API's bits and agrees with the generic reference", arguments: orders)
  func matchesArrayAndReference(n: Int) throws {
    var checked = 0, complexChecked = 0
    for seed in UInt64(1)...3 {
      for a in testMatrices(n, seed: seed) {
        var s = EigenSolver()
        try s.factor(a, vectors: true)
        for i in 0..<n {
          let r = try viaBuffer(n) { (b) throws(EigenError) in try s.rightEigenvector(i, into: b) }
          let l = try viaBuffer(n) { (b) throws(EigenError) in try s.leftEigenvector(i, into: b) }
          #expect(sameBits(r, try s.rightEigenvector(i)), "right, n=\(n) seed=\(seed) i=\(i)")
          #expect(sameBits(l, try s.leftEigenvector(i)), "left, n=\(n) seed=\(seed) i=\(i)")
          // The reference: same algorithm in generic complex arithmetic with a scaled
          // norm. Entries are at most 1 in magnitude, so an absolute bound in ulps.
          let tol = 4 * Double(n + 1) * Machine.ulp
          for (mine, ref) in [(r, referenceEigenvector(s, i, left: false)), (l, referenceEigenvector(s, i, left: true))] {
            for k in 0..<n {
              #expect(
                abs(mine[k].re - ref[k].re) <= tol && abs(mine[k].im - ref[k].im) <= tol,
                "n=\(n) seed=\(seed) i=\(i) entry \(k): \(mine[k]) vs reference \(ref[k])")
            }
          }
          if s.eigenvalue(i).im == 0 {
            #expect(r.allSatisfy { $0.im == 0 } && l.allSatisfy { $0.im == 0 })
          } else {
            complexChecked += 1
          }
          // Unit norm, largest entry real and positive.
          for v in [r, l] {
            let norm = complexNorm2(v)
            #expect(abs(norm - 1) <= 4 * Double(n) * Machine.ulp)
            let big = v.indices.max { v[$0].magnitude < v[$1].magnitude }!
            #expect(v[big].im == 0 && v[big].re > 0)
          }
          checked += 1
        }
      }
    }
    #expect(checked == 12 * n)
    if n >= 4 { #expect(complexChecked > 0, "no complex eigenvalue among the n = \(n) matrices") }
  }

  @Test func badIndexThrows() throws {
    var rng = SeededRNG(seed: 9)
    var s = EigenSolver()
    try s.factor(gaussianMatrix(4, &rng), vectors: true)
    #expect(throws: EigenError.badIndex(4, count: 4)) {
      _ = try viaBuffer(4) { (b) throws(EigenError) in try s.rightEigenvector(4, into: b) }
    }
    #expect(throws: EigenError.badIndex(-1, count: 4)) {
      _ = try viaBuffer(4) { (b) throws(EigenError) in try s.leftEigenvector(-1, into: b) }
    }
  }

  @Test("a reused solver and buffer give the same bits as fresh ones")
  func reuseAcrossOrders() throws {
    var s = EigenSolver()
    var rng = SeededRNG(seed: 11)
    var buf = [Complex](repeating: .zero, count: 40)
    for n in [12, 3, 40, 7, 1, 40] {
      let a = gaussianMatrix(n, &rng)
      try s.factor(a, vectors: true)
      var fresh = EigenSolver()
      try fresh.factor(a, vectors: true)
      for i in 0..<n {
        var failure: EigenError? = nil
        buf.withUnsafeMutableBufferPointer { b in
          do throws(EigenError) { try s.rightEigenvector(i, into: b) } catch { failure = error }
        }
        #expect(failure == nil)
        #expect(sameBits(Array(buf[0..<n]), try fresh.rightEigenvector(i)))
      }
    }
  }
}
