import Testing

@testable import EigenCore

// MARK: - Helpers

/// Distances sorted in decreasing order: the key `optimalPairing` minimizes lexicographically.
private func sortedDistances(_ a: [Complex], _ b: [Complex], _ p: [Int]) -> [Double] {
  (0..<a.count).map { (a[$0] - b[p[$0]]).magnitude }.sorted(by: >)
}

/// `x < y` lexicographically (same length).
private func lexLess(_ x: [Double], _ y: [Double]) -> Bool {
  for k in 0..<x.count where x[k] != y[k] { return x[k] < y[k] }
  return false
}

/// Next permutation in lexicographic order; false after the last one.
private func nextPermutation(_ p: inout [Int]) -> Bool {
  guard p.count > 1 else { return false }
  var i = p.count - 2
  while i >= 0 && p[i] >= p[i + 1] { i -= 1 }
  if i < 0 { return false }
  var j = p.count - 1
  while p[j] <= p[i] { j -= 1 }
  p.swapAt(i, j)
  p[(i + 1)...].reverse()
  return true
}

/// Brute force over all permutations in lexicographic order, keeping the first
/// strictly better one: the lexicographically smallest optimal permutation.
private func bruteForcePairing(_ a: [Complex], _ b: [Complex]) -> [Int] {
  var p = Array(0..<a.count)
  var best = p
  var bestKey = sortedDistances(a, b, p)
  while nextPermutation(&p) {
    let key = sortedDistances(a, b, p)
    if lexLess(key, bestKey) {
      best = p
      bestKey = key
    }
  }
  return best
}

private func isPermutation(_ p: [Int], _ n: Int) -> Bool {
  p.count == n && Set(p) == Set(0..<n)
}

/// Pairing by sorting both spectra in report order (what a naive check does).
private func sortOrderPairing(_ a: [Complex], _ b: [Complex]) -> [Int] {
  let ia = (0..<a.count).sorted { Complex.reportOrder(a[$0], a[$1]) }
  let ib = (0..<b.count).sorted { Complex.reportOrder(b[$0], b[$1]) }
  var p = [Int](repeating: 0, count: a.count)
  for k in 0..<a.count { p[ia[k]] = ib[k] }
  return p
}

private func maxDistance(_ a: [Complex], _ b: [Complex], _ p: [Int]) -> Double {
  sortedDistances(a, b, p).first ?? 0
}

/// A random spectrum of one of several kinds, and a second spectrum to pair it with.
private func randomSpectra(_ rng: inout SeededRNG, n: Int) -> ([Complex], [Complex]) {
  func grid(_ rng: inout SeededRNG) -> Complex {
    Complex(Double(rng.int(below: 5) - 2) / 2, rng.int(below: 3) == 0 ? Double(rng.int(below: 3) - 1) : 0)
  }
  func withConjugates(_ rng: inout SeededRNG, _ make: (inout SeededRNG) -> Complex) -> [Complex] {
    var out: [Complex] = []
    while out.count < n {
      let z = make(&rng)
      if z.im != 0 && out.count + 2 <= n && rng.int(below: 2) == 0 {
        out.append(z)
        out.append(z.conjugate)
      } else {
        out.append(Complex(z.re, out.count + 1 == n ? 0 : z.im))
      }
    }
    return out
  }
  func shuffledNoisy(_ rng: inout SeededRNG, _ a: [Complex], _ noise: Double, relative: Bool) -> [Complex] {
    var b = a
    for k in stride(from: b.count - 1, to: 0, by: -1) { b.swapAt(k, rng.int(below: k + 1)) }
    return b.map { z in
      let s = relative ? noise * z.magnitude : noise
      return Complex(z.re + s * rng.gaussian(), z.im == 0 ? 0 : z.im + s * rng.gaussian())
    }
  }
  switch rng.int(below: 5) {
  case 0:  // coarse grid: many exact ties and duplicates
    return (withConjugates(&rng, grid), withConjugates(&rng, grid))
  case 1:  // a permuted, slightly perturbed copy
    let a = withConjugates(&rng) { r in Complex(r.gaussian(), r.int(below: 2) == 0 ? r.gaussian() : 0) }
    return (a, shuffledNoisy(&rng, a, 1e-6, relative: false))
  case 2:  // one cluster, noise comparable to the spread
    let a = withConjugates(&rng) { r in Complex(1 + 1e-8 * r.gaussian(), r.int(below: 2) == 0 ? 1e-8 * r.gaussian() : 0) }
    return (a, shuffledNoisy(&rng, a, 1e-8, relative: false))
  case 3:  // magnitudes from 1e-200 to 1e200, relative noise
    let a = withConjugates(&rng) { r in
      let m = deterministicExp10(Double(r.int(below: 401) - 200))
      return Complex(m * r.sign(), r.int(below: 2) == 0 ? m * r.uniform(0.1, 1) : 0)
    }
    return (a, shuffledNoisy(&rng, a, 1e-10, relative: true))
  default:  // independent draws
    let make: (inout SeededRNG) -> Complex = { r in Complex(r.gaussian(), r.int(below: 2) == 0 ? r.gaussian() : 0) }
    return (withConjugates(&rng, make), withConjugates(&rng, make))
  }
}

/// 10^k by repeated multiplication (test data only; k in -300...300).
private func deterministicExp10(_ k: Double) -> Double {
  var x = 1.0
  let steps = Int(abs(k))
  for _ in 0..<steps { x = k < 0 ? x / 10 : x * 10 }
  return x
}

// MARK: - Pairing

@Suite("optimalPairing")
struct PairingTests {
  @Test("empty, one value, identical values")
  func trivialCases() {
    #expect(optimalPairing([], []) == [])
    #expect(optimalPairing([Complex(3, 1)], [Complex(-7)]) == [0])
    let same = [Complex](repeating: Complex(2, -1), count: 6)
    #expect(optimalPairing(same, same) == Array(0..<6))
    let twice = [Complex(1), Complex(1), Complex(2), Complex(2)]
    #expect(optimalPairing(twice, twice) == [0, 1, 2, 3])
  }

  @Test("a cluster where sort order pairs the wrong values")
  func clusterBreaksSortOrder() {
    let a = [Complex(1.0, 0.001), Complex(1.0000001, -0.001)]
    let b = [Complex(1.0000001, 0.001), Complex(1.0, -0.001)]
    let sorted = sortOrderPairing(a, b)
    #expect(sorted == [1, 0])
    #expect(maxDistance(a, b, sorted) > 1e-3)
    let p = optimalPairing(a, b)
    #expect(p == [0, 1])
    #expect(maxDistance(a, b, p) < 2e-7)
  }

  @Test("permuted conjugate pairs are matched to their own partners")
  func permutedConjugatePairs() {
    let a = [Complex(1, 2), Complex(1, -2), Complex(3), Complex(-1, 0.5), Complex(-1, -0.5), Complex(1, 1e-3)]
    let perm = [4, 2, 5, 0, 3, 1]  // b[perm[i]] = a[i] + tiny
    var b = [Complex](repeating: .zero, count: a.count)
    for i in 0..<a.count { b[perm[i]] = a[i] + Complex(1e-12 * Double(i + 1), -1e-12) }
    #expect(optimalPairing(a, b) == perm)
  }

  @Test("global greedy nearest-first fails, the optimum does not")
  func greedyFails() {
    let a = [Complex(0), Complex(1)]
    let b = [Complex(0.9), Complex(2)]
    // Greedy takes the closest pair (a1, b0) = 0.1 first, leaving (a0, b1) = 2.
    let greedyMax = max((a[1] - b[0]).magnitude, (a[0] - b[1]).magnitude)
    #expect(greedyMax == 2)
    let p = optimalPairing(a, b)
    #expect(p == [0, 1])
    #expect(maxDistance(a, b, p) == 1)
  }

  @Test("below the bottleneck, the next-largest distances are minimized too")
  func refinementBelowBottleneck() {
    // The bottleneck 5 is forced by a0; a1 and a2 must then take their exact partners.
    let a = [Complex(0), Complex(10), Complex(10.5)]
    let b = [Complex(5), Complex(10.5), Complex(10)]
    #expect(optimalPairing(a, b) == [0, 2, 1])
    // A huge error does not let small eigenvalues be paired arbitrarily (a float sum could not tell).
    let c = [Complex(1e300), Complex(1), Complex(2)]
    let d = [Complex(1.0000000001e300), Complex(2), Complex(1)]
    #expect(optimalPairing(c, d) == [0, 2, 1])
  }

  @Test("very different magnitudes, and distances that overflow")
  func magnitudes() {
    #expect(optimalPairing([Complex(1e-300), Complex(1e300)], [Complex(1e300), Complex(2e-300)]) == [1, 0])
    #expect(optimalPairing([Complex(1e-300, 1e-300), Complex(1e-300, -1e-300)], [Complex(1e-300, -1e-300), Complex(1e-300, 1e-300)]) == [1, 0])
    let big = Double.greatestFiniteMagnitude
    // |big - (-big)| overflows; the halved distances keep the order.
    #expect(optimalPairing([Complex(big), Complex(-big)], [Complex(-big), Complex(big * 0.999)]) == [1, 0])
    #expect(optimalPairing([Complex(big, big), Complex(-big, -big)], [Complex(-big, -big), Complex(big, big)]) == [1, 0])
  }

  @Test("NaN and infinity count as the largest distance, and stay deterministic")
  func nonFinite() {
    let a = [Complex(.nan), Complex(1)]
    let b = [Complex(1), Complex(2)]
    #expect(optimalPairing(a, b) == [1, 0])
    let c = [Complex(.infinity), Complex(0, 1), Complex(.nan, 0)]
    let d = [Complex(0, 1.0000001), Complex(.nan), Complex(.infinity)]
    let p = optimalPairing(c, d)
    #expect(p[1] == 0)
    #expect(isPermutation(p, 3))
    #expect(optimalPairing(c, d) == p)
  }

  @Test("agrees exactly with brute force on 300 seeded spectra, n <= 7")
  func bruteForce() {
    var rng = SeededRNG(seed: 2518, stream: 11)
    var kinds = 0
    for trial in 0..<300 {
      let n = 1 + trial % 7
      let (a, b) = randomSpectra(&rng, n: n)
      let p = optimalPairing(a, b)
      let q = bruteForcePairing(a, b)
      #expect(p == q, "trial \(trial): a = \(a), b = \(b)")
      #expect(maxDistance(a, b, p) == maxDistance(a, b, q))
      if p != Array(0..<n) { kinds += 1 }
    }
    // Sanity: the data exercise non-identity pairings.
    #expect(kinds > 100)
  }

  @Test("n = 64: a large cluster is paired, no swap of two pairs improves it")
  func largeCluster() {
    var rng = SeededRNG(seed: 7, stream: 3)
    let n = 64
    let a = (0..<n).map { _ in Complex(1 + 1e-6 * rng.gaussian(), 1e-6 * rng.gaussian()) }
    let b = a.map { Complex($0.re + 3e-7 * rng.gaussian(), $0.im + 3e-7 * rng.gaussian()) }
    let p = optimalPairing(a, b)
    #expect(isPermutation(p, n))
    let key = sortedDistances(a, b, p)
    var improved = false
    for i in 0..<n {
      for j in (i + 1)..<n {
        var q = p
        q.swapAt(i, j)
        if lexLess(sortedDistances(a, b, q), key) { improved = true }
      }
    }
    #expect(!improved)
    #expect(key[0] <= maxDistance(a, b, Array(0..<n)))
    // Well-separated values with a random permutation: recovered exactly.
    let c = (0..<n).map { Complex(Double($0), Double($0 % 3) - 1) }
    var perm = Array(0..<n)
    for k in stride(from: n - 1, to: 0, by: -1) { perm.swapAt(k, rng.int(below: k + 1)) }
    var d = [Complex](repeating: .zero, count: n)
    for i in 0..<n { d[perm[i]] = Complex(c[i].re + 1e-9 * rng.gaussian(), c[i].im) }
    #expect(optimalPairing(c, d) == perm)
  }
}

// MARK: - Spectrum agreement

@Suite("compareSpectra")
struct SpectrumAgreementTests {
  let ulp = 0x1p-52

  @Test("identical spectra agree with zero error")
  func identical() {
    let s = [Complex(-1), Complex(2, 3), Complex(2, -3)]
    let r = compareSpectra(native: s, reference: [s[2], s[0], s[1]], matrixNorm: 5, kappas: nil)
    #expect(r.pairing == [1, 2, 0])
    #expect(r.maxError == 0)
    #expect(r.worstRatio == 0)
    #expect(r.worstIndex == 0)
    #expect(r.classificationDisagreements.isEmpty)
    #expect(r.withinBound)
    #expect(!r.kappaSupplied)
    #expect(r.kappas == [1, 1, 1])
  }

  @Test("bound C n ulp ||A||_F max(kappa, 1), ratios and the worst index")
  func boundFormula() {
    let native = [Complex(1 + 1e-14), Complex(2), Complex(3 + 1e-13)]
    let reference = [Complex(1), Complex(2), Complex(3)]
    let r = compareSpectra(native: native, reference: reference, matrixNorm: 2, kappas: [10, 1, 0.5])
    #expect(r.pairing == [0, 1, 2])
    #expect(r.kappas == [10, 1, 1])
    for i in 0..<3 {
      let bound = 20 * 3 * ulp * 2 * r.kappas[i]
      #expect(abs(r.bounds[i] - bound) <= 1e-15 * bound)
      let err = (native[i] - reference[i]).magnitude
      #expect(r.errors[i] == err)
      #expect(abs(r.ratios[i] - err / bound) <= 1e-14 * (err / bound))
    }
    #expect(r.worstIndex == 2)
    #expect(r.worstRatio > 3 && r.worstRatio < 4.5)  // 1e-13 / (120 ulp * ... ) ~ 3.75
    #expect(!r.withinBound)
    #expect(abs(r.maxError - 1e-13) < 1e-15)
    // A larger constant scales every ratio down.
    let loose = compareSpectra(native: native, reference: reference, matrixNorm: 2, kappas: [10, 1, 0.5], constant: 100)
    #expect(abs(loose.worstRatio - r.worstRatio / 5) <= 1e-14 * r.worstRatio)
    #expect(loose.withinBound)
  }

  @Test("real/complex disagreements are reported with the imaginary part relative to the bound")
  func classification() {
    let native = [Complex(2), Complex(2.0000001), Complex(5)]
    let reference = [Complex(2.00000005, 1e-8), Complex(2.00000005, -1e-8), Complex(5)]
    let r = compareSpectra(native: native, reference: reference, matrixNorm: 3, kappas: nil)
    #expect(r.classificationDisagreements.count == 2)
    let first = r.classificationDisagreements[0]
    #expect(first.index == 0)
    #expect(first.nativeImag == 0)
    #expect(abs(first.referenceImag) == 1e-8)
    #expect(r.classificationDisagreements[1].index == 1)
    let expected = 1e-8 / (20 * 3 * ulp * 3)
    #expect(abs(first.imagRelativeToBound - expected) <= 1e-14 * expected)
    // Both directions: a complex native value against a real reference.
    let flipped = compareSpectra(native: reference, reference: native, matrixNorm: 3, kappas: nil)
    #expect(flipped.classificationDisagreements.map(\.referenceImag) == [0, 0])
    #expect(flipped.classificationDisagreements.map(\.nativeImag).map(abs) == [1e-8, 1e-8])
  }

  @Test("zero norm, NaN, infinite kappa, and extreme magnitudes")
  func edgeCases() {
    let zero = compareSpectra(native: [Complex(0), Complex(0)], reference: [Complex(0), Complex(0)], matrixNorm: 0, kappas: nil)
    #expect(zero.worstRatio == 0 && zero.withinBound)
    let off = compareSpectra(native: [Complex(1e-320)], reference: [Complex(0)], matrixNorm: 0, kappas: nil)
    #expect(off.worstRatio == .infinity)
    let nan = compareSpectra(native: [Complex(1), Complex(.nan)], reference: [Complex(1), Complex(2)], matrixNorm: 2, kappas: nil)
    #expect(nan.worstRatio == .infinity && nan.worstIndex == 1)
    let defective = compareSpectra(native: [Complex(1 + 1e-8)], reference: [Complex(1)], matrixNorm: 1, kappas: [.infinity])
    #expect(defective.worstRatio == 0)
    #expect(defective.bounds == [.infinity])
    let nanKappa = compareSpectra(native: [Complex(1 + 1e-8)], reference: [Complex(1)], matrixNorm: 1, kappas: [.nan])
    #expect(nanKappa.kappas == [1] && !nanKappa.withinBound)
    let empty = compareSpectra(native: [], reference: [], matrixNorm: 0, kappas: [])
    #expect(empty.worstIndex == nil && empty.worstRatio == 0 && empty.maxError == 0)

    for scale in [1e300, 1e-300] {
      let ref = [Complex(scale), Complex(-scale, scale), Complex(-scale, -scale)]
      let nat = ref.map { Complex($0.re * (1 + 4 * ulp), $0.im) }
      let r = compareSpectra(native: nat, reference: ref, matrixNorm: 2 * scale, kappas: [1, 1, 1])
      #expect(r.pairing == [0, 1, 2])
      #expect(r.worstRatio > 0 && r.worstRatio < 1, "scale \(scale): \(r.worstRatio)")
      #expect(r.bounds.allSatisfy { $0.isFinite && $0 > 0 })
    }
  }
}
