import EigenCore
import Testing

@testable import GradcheckIO

/// `JSON.exactDouble(literal)`, when it answers, against `Double(String)` (the parser's
/// reference, correctly rounded by the C library), bit for bit.
private func agrees(_ literal: String) -> (answered: Bool, same: Bool) {
  let bytes = Array(literal.utf8)
  guard let fast = bytes.withUnsafeBufferPointer({ JSON.exactDouble($0) }) else { return (false, true) }
  guard let reference = Double(literal) else { return (true, false) }
  return (true, fast.bitPattern == reference.bitPattern)
}

/// The JSON literal `±w × 10^q` written with the point after `intDigits` digits of `w`
/// (or as `0.000w` with `zeros` zeros, or with no point), and the matching exponent.
private func literal(_ w: UInt64, _ q: Int, negative: Bool, form: Int, zeros: Int) -> String {
  let digits = String(w)
  var mantissa: String
  var fractionDigits = 0
  switch form {
  case 0:
    mantissa = digits
  case 1 where digits.count > 1:
    let cut = 1 + (zeros % (digits.count - 1))
    mantissa = String(digits.prefix(cut)) + "." + String(digits.dropFirst(cut))
    fractionDigits = digits.count - cut
  default:
    mantissa = "0." + String(repeating: "0", count: zeros) + digits
    fractionDigits = zeros + digits.count
  }
  let e = q + fractionDigits
  // The exponent: none (when 0, for some), or e/E with an optional '+' when positive.
  let marker = ["e", "E", "e+", "E+"][zeros % 4]
  let exponent = e == 0 && zeros % 2 == 0 ? "" : (e < 0 ? String(marker.prefix(1)) : marker) + String(e)
  return (negative ? "-" : "") + mantissa + exponent
}

@Suite("Number literals: the fast path against Double(String)")
struct NumberParsingTests {
  @Test("a million literals in the fast path's range, every form, bit for bit")
  func fastPathRange() {
    var rng = SeededRNG(seed: 7)
    var answered = 0
    var wrong: [String] = []
    for _ in 0..<1_000_000 {
      // w: up to 2^53 (sometimes exactly at it or just above), of every length.
      let bits = 1 + rng.below(54)
      var w = rng.next() >> UInt64(64 - bits)
      if rng.below(50) == 0 { w = (1 << 53) + UInt64(rng.below(3)) - 1 }
      let q = rng.below(49) - 24  // -24...24: just outside the range too
      let s = literal(w, q, negative: rng.below(2) == 0, form: rng.below(3), zeros: rng.below(8))
      let r = agrees(s)
      if r.answered { answered += 1 }
      if !r.same { wrong.append(s) }
    }
    #expect(wrong.isEmpty, "\(wrong.prefix(10))")
    #expect(answered > 800_000)
  }

  @Test("shortest forms of random doubles of every magnitude, bit for bit")
  func randomDoubles() {
    var rng = SeededRNG(seed: 11)
    var answered = 0
    var wrong: [String] = []
    for k in 0..<300_000 {
      let d: Double
      switch k % 3 {
      case 0: d = Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF)  // any finite magnitude
      case 1: d = Double(rng.next() >> 11) / Double(1 << rng.below(60))  // short binary fractions
      default: d = Double(rng.below(100_000_000)) / [1e1, 1e3, 1e7, 1e15][rng.below(4)]
      }
      for s in ["\(d)", "-\(d)"] {
        let r = agrees(s)
        if r.answered { answered += 1 }
        if !r.same { wrong.append(s) }
      }
    }
    #expect(wrong.isEmpty, "\(wrong.prefix(10))")
    #expect(answered > 100_000)
  }

  @Test("edge cases: zeros, 2^53, the powers of ten, denormals, 17 digits, huge exponents")
  func edgeCases() throws {
    var cases = [
      "0", "-0", "0.0", "-0.0", "0e0", "-0e-0", "0E+22", "-0.000e-400", "0e400", "1", "-1",
      "9007199254740992", "9007199254740993", "-9007199254740992", "9007199254740991e22",
      "9007199254740992e-22", "1e22", "1e23", "1e-22", "1e-23", "4.9e-324", "5e-324",
      "2.2250738585072014e-308", "2.2250738585072011e-308", "1.7976931348623157e308",
      "0.1", "0.2", "0.3", "123456789012345678", "12345678901234567890123", "1.00000000000000011102230246251565404236316680908203125",
      "0.30000000000000004", "3.0000000000000004e-1", "1e1000", "1e-1000", "1e99999999999999999999",
      "0.0000000000000000000001", "0.00000000000000000000001", "4503599627370497.5", "100000000000000000000000e-22",
    ]
    for k in 0...22 { cases += ["1e\(k)", "1e-\(k)", "9007199254740991e\(k)", "9007199254740991e-\(k)", "3e\(k)", "7e-\(k)"] }
    for s in cases {
      let r = agrees(s)
      #expect(r.same, "\(s)")
    }
    // Through the parser: values and literals kept.
    let v = try JSON.parse("[-0, 0.1, 9007199254740993, 1e-23, 4.9e-324, 1e22]")
    let a = try #require(v.array)
    #expect(a[0].double?.bitPattern == (-0.0).bitPattern)
    #expect(a.map { $0.double! } == [-0.0, 0.1, 9007199254740992, 1e-23, Double.leastNonzeroMagnitude, 1e22])
    #expect(a[2].numberLiteral == "9007199254740993")
  }
}
