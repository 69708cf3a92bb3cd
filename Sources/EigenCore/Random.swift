/// The project's seeded random number generator, identical on every machine.
///
/// xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64. Uniform doubles
/// take the top 53 bits. Gaussian deviates use Marsaglia's polar method with
/// `deterministicLog`, which is built from IEEE basic operations only (+, -, *, /,
/// sqrt), so the stream does not depend on the platform's libm.
public struct SeededRNG: RandomNumberGenerator, Sendable {
  private var s: (UInt64, UInt64, UInt64, UInt64)
  private var spareGaussian: Double?

  /// Seeds the generator. Different `stream` values give independent streams for
  /// the same seed (used to derive per-case generators: every random choice
  /// derives from `--seed`).
  public init(seed: UInt64, stream: UInt64 = 0) {
    var x = seed ^ (stream &* 0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03
    func splitmix(_ x: inout UInt64) -> UInt64 {
      x = x &+ 0x9E37_79B9_7F4A_7C15
      var z = x
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    s = (splitmix(&x), splitmix(&x), splitmix(&x), splitmix(&x))
    spareGaussian = nil
  }

  @inline(__always)
  private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

  public mutating func next() -> UInt64 {
    let result = SeededRNG.rotl(s.1 &* 5, 7) &* 9
    let t = s.1 << 17
    s.2 ^= s.0
    s.3 ^= s.1
    s.1 ^= s.2
    s.0 ^= s.3
    s.2 ^= t
    s.3 = SeededRNG.rotl(s.3, 45)
    return result
  }

  /// Uniform in [0, 1).
  public mutating func uniform() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// Uniform in [a, b).
  public mutating func uniform(_ a: Double, _ b: Double) -> Double {
    a + (b - a) * uniform()
  }

  /// Uniform integer in 0..<n.
  public mutating func int(below n: Int) -> Int {
    precondition(n > 0)
    return Int(next() % UInt64(n))
  }

  /// Random sign, +1 or -1.
  public mutating func sign() -> Double { next() & 1 == 0 ? 1 : -1 }

  /// Standard normal deviate (Marsaglia polar method).
  public mutating func gaussian() -> Double {
    if let g = spareGaussian {
      spareGaussian = nil
      return g
    }
    while true {
      let u = 2 * uniform() - 1
      let v = 2 * uniform() - 1
      let q = u * u + v * v
      if q > 0 && q < 1 {
        let f = (-2 * deterministicLog(q) / q).squareRoot()
        spareGaussian = v * f
        return u * f
      }
    }
  }

  /// A vector of standard normal deviates.
  public mutating func gaussianVector(_ count: Int) -> [Double] {
    (0..<count).map { _ in gaussian() }
  }
}

/// Natural logarithm of a positive finite double from IEEE basic operations only,
/// accurate to a few ulps; identical on every IEEE-754 machine.
///
/// `x = m * 2^e` with `m` in [sqrt(1/2), sqrt(2)), then
/// `log m = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...)` with `s = (m - 1)/(m + 1)`,
/// `|s| <= 0.1716`, summed to 2^-60.
public func deterministicLog(_ x: Double) -> Double {
  precondition(x > 0 && x.isFinite)
  var m = x.significand  // [1, 2)
  var e = Double(x.exponent)
  if m > 1.4142135623730951 {
    m /= 2
    e += 1
  }
  let s = (m - 1) / (m + 1)
  let s2 = s * s
  var term = s
  var sum = 0.0
  var k = 1.0
  while k < 60 {
    sum += term / k
    term *= s2
    k += 2
    if abs(term) < 1e-20 { break }
  }
  let ln2Hi = 0.6931471803691238  // ln 2 split so e*ln2Hi is exact for |e| < 2^11
  let ln2Lo = 1.9082149292705877e-10
  return e * ln2Hi + (2 * sum + e * ln2Lo)
}
