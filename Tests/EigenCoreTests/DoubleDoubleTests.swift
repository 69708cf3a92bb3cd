import EigenCore
import Testing

/// Whether `x` is normalized: `fl(hi + lo) == hi`.
private func isNormalized(_ x: DoubleDouble) -> Bool { x.hi + x.lo == x.hi }

/// `|x - y| / |y|` in double-double (exact enough to measure errors of order epsilon).
private func relativeError(_ x: DoubleDouble, _ y: DoubleDouble) -> Double {
  abs((x - y).hi) / abs(y.hi)
}

/// A random double-double of random sign, exponent uniform in `-exponents ... exponents`,
/// and a random `lo` filling the trailing bits.
private func randomDD(_ rng: inout SeededRNG, exponents: Int = 400) -> DoubleDouble {
  let e = rng.int(below: 2 * exponents + 1) - exponents
  let hi = rng.sign() * rng.uniform(1, 2) * Double(sign: .plus, exponent: e, significand: 1)
  let lo = hi * rng.uniform(-1, 1) * 0x1p-53
  return DoubleDouble(hi: hi, lo: lo)
}

/// A random integer-valued double in `[0, 2^bits)`.
private func randomInteger(_ rng: inout SeededRNG, bits: Int) -> Double {
  Double(rng.next() >> UInt64(64 - bits))
}

@Suite("DoubleDouble arithmetic")
struct DoubleDoubleTests {
  @Test func twoProductIsExact() {
    var rng = SeededRNG(seed: 1)
    for _ in 0..<10_000 {
      // Integers below 2^45: the product has up to 90 bits, too many for one double,
      // and is compared exactly as a 128-bit integer.
      let a = randomInteger(&rng, bits: 45), b = randomInteger(&rng, bits: 45)
      let p = DoubleDouble.product(a, b)
      #expect(Int128(p.hi) + Int128(p.lo) == Int128(a) * Int128(b), "\(a) * \(b)")
      #expect(isNormalized(p))
      // On general doubles: the residual is what an FMA leaves, and then exactly zero.
      let x = rng.gaussian(), y = rng.gaussian()
      let q = DoubleDouble.product(x, y)
      #expect((-q.hi).addingProduct(x, y) == q.lo)
      #expect(q.hi == x * y)
    }
  }

  @Test func twoSumIsExact() {
    var rng = SeededRNG(seed: 2)
    for _ in 0..<10_000 {
      // A 62-bit integer (rounded to 53 bits, still an integer) plus a small one: the sum
      // needs more than 53 bits.
      let a = randomInteger(&rng, bits: 62) * rng.sign(), b = randomInteger(&rng, bits: 20) * rng.sign()
      let s = DoubleDouble.sum(a, b)
      #expect(Int128(s.hi) + Int128(s.lo) == Int128(a) + Int128(b), "\(a) + \(b)")
      #expect(isNormalized(s))
      // In either order, and the double sum is the leading part.
      #expect(DoubleDouble.sum(b, a) == s)
      #expect(s.hi == a + b)
    }
  }

  @Test func initNormalizesInAnyOrder() {
    let x = DoubleDouble(hi: 0x1p-60, lo: 1)
    #expect(x.hi == 1 && x.lo == 0x1p-60)
    let y = DoubleDouble(hi: 1, lo: 0x1p-53)  // a tie: rounds to even, 1 + 2^-53 stays split
    #expect(isNormalized(y) && y.hi + y.lo == 1 && y.hi == 1)
    #expect(DoubleDouble(3).lo == 0 && DoubleDouble(3).double == 3)
  }

  @Test func cancellationKeepsDigits() {
    let one = DoubleDouble.one
    let x = one + 0x1p-80
    #expect(x.hi == 1 && x.lo == 0x1p-80)
    #expect(x - 1 == DoubleDouble(0x1p-80))
    #expect(x - one == DoubleDouble(0x1p-80))
    let y = DoubleDouble(hi: 3, lo: 0x1p-60) - DoubleDouble(hi: 3, lo: -0x1p-61)
    #expect(y == DoubleDouble(0x1.8p-60))
    #expect((1 - x).hi == -0x1p-80)
  }

  @Test func multiplyThenDivideRoundTrips() {
    var rng = SeededRNG(seed: 3)
    var worstMul = 0.0, worstDiv = 0.0
    for _ in 0..<10_000 {
      let a = randomDD(&rng), b = randomDD(&rng)
      let p = a * b, q = a / b
      #expect(isNormalized(p) && isNormalized(q))
      worstMul = max(worstMul, relativeError(p / b, a))
      worstDiv = max(worstDiv, relativeError(q * b, a))
      let d = b.hi
      worstMul = max(worstMul, relativeError((a * d) / d, a))
      worstDiv = max(worstDiv, relativeError((a / d) * d, a))
    }
    // Two operations of at most about 2 epsilon each.
    #expect(worstMul <= 4 * DoubleDouble.epsilon, "(a*b)/b: \(worstMul / DoubleDouble.epsilon) epsilon")
    #expect(worstDiv <= 4 * DoubleDouble.epsilon, "(a/b)*b: \(worstDiv / DoubleDouble.epsilon) epsilon")
    #expect(worstMul > 0)
    print("DoubleDouble round trips: (a*b)/b \(worstMul / DoubleDouble.epsilon), (a/b)*b \(worstDiv / DoubleDouble.epsilon) epsilon")
  }

  @Test func addThenSubtractRoundTrips() {
    var rng = SeededRNG(seed: 4)
    for _ in 0..<10_000 {
      let a = randomDD(&rng, exponents: 20), b = randomDD(&rng, exponents: 20)
      let s = a + b, t = a - b
      #expect(isNormalized(s) && isNormalized(t))
      // (a + b) - b = a up to the rounding of a + b, relative to max(|a|, |b|).
      let err = abs(((s - b) - a).hi) / max(abs(a.hi), abs(b.hi))
      #expect(err <= 4 * DoubleDouble.epsilon, "\(a) + \(b)")
      #expect(a + b == b + a)
      #expect((a - b) == -(b - a))
    }
  }

  @Test func squareRootSquaresBack() {
    var rng = SeededRNG(seed: 5)
    var worst = 0.0
    for _ in 0..<10_000 {
      // Over the whole exponent range (scaled for the check, exactly, so that the
      // square's residual does not underflow).
      let x = randomDD(&rng, exponents: 1020).magnitude
      let r = x.squareRoot()
      #expect(isNormalized(r))
      let e = Int(x.hi.exponent) & ~1
      let rs = r.scaled(byExponent: -e / 2)
      worst = max(worst, relativeError(rs * rs, x.scaled(byExponent: -e)))
    }
    #expect(worst <= 4 * DoubleDouble.epsilon, "sqrt(x)^2: \(worst / DoubleDouble.epsilon) epsilon")
    print("DoubleDouble sqrt(x)^2: \(worst / DoubleDouble.epsilon) epsilon")
    #expect(DoubleDouble(4).squareRoot() == DoubleDouble(2))
    #expect(DoubleDouble.zero.squareRoot() == .zero)
    #expect(DoubleDouble(-1).squareRoot().hi.isNaN)
    // sqrt(2)^2 = 2 to double-double precision, not double precision.
    let s2 = DoubleDouble(2).squareRoot()
    #expect(abs((s2 * s2 - 2).hi) <= 2 * DoubleDouble.epsilon)
    #expect(s2.lo != 0)
  }

  @Test func powerOfTwoScalingIsExact() {
    var rng = SeededRNG(seed: 6)
    for _ in 0..<1000 {
      let x = randomDD(&rng, exponents: 100)
      let k = rng.int(below: 1001) - 500
      #expect(x.scaled(byExponent: k).scaled(byExponent: -k) == x)
      #expect(x * 0x1p-40 == x.scaled(byExponent: -40))
    }
  }

  @Test func comparisonAndMagnitude() {
    let a = DoubleDouble(hi: 1, lo: 0x1p-70), b = DoubleDouble(hi: 1, lo: -0x1p-70)
    #expect(b < a && a > b && a != b)
    #expect((-a).magnitude == a)
    #expect(DoubleDouble(-0.0).magnitude.hi.sign == .plus || DoubleDouble(-0.0).magnitude.hi == 0)
    #expect(!DoubleDouble(.nan).isFinite && !DoubleDouble(.infinity).isFinite && a.isFinite)
    #expect((DoubleDouble.one / .zero).hi == .infinity)
  }

  @Test func knownConstantToDoubleDoublePrecision() {
    // 1/3 * 3 = 1 and 1/3 = 0x1.5555555555555p-2 + 0x1.5555555555555p-56 (the next 53 bits).
    let third = DoubleDouble.one / 3
    #expect(third.hi == 0x1.5555555555555p-2)
    #expect(third.lo == 0x1.5555555555555p-56)
    #expect(abs((third * 3 - 1).hi) <= DoubleDouble.epsilon)
  }
}
