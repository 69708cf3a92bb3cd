import EigenCore
import Foundation
@testable import NumberFormat
import Testing

@Suite("Number formatting")
struct NumberFormatTests {
  @Test func specialValues() {
    #expect(formatNumber(nil) == "n/a")
    #expect(formatNumber(.nan) == "NaN")
    #expect(formatNumber(.infinity) == "inf" && formatNumber(-.infinity) == "-inf")
    #expect(formatNumber(0) == "0" && formatNumber(-0.0) == "0")
  }

  @Test(arguments: [
    (0.0122748, "0.01227"), (1.2345e-5, "1.234e-5"), (-1.5e-8, "-1.5e-8"), (2e12, "2e12"),
    (-2e12, "-2e12"), (123456, "123500"), (999999, "1e6"), (12.5, "12.5"), (1.5, "1.5"),
    (0.0001, "0.0001"), (0.00009999, "9.999e-5"), (1, "1"), (-0.354, "-0.354"), (1e300, "1e300"),
    (Double.leastNonzeroMagnitude, "4.941e-324"), (20, "20"), (1e6, "1e6"), (1e-3, "0.001"),
  ])
  func fourSignificantDigits(_ v: Double, _ expected: String) {
    #expect(formatNumber(v) == expected)
  }

  /// Against the former Foundation implementation (`String(format: "%.3e")`, which rounds
  /// the exact binary value) on seeded random bit patterns over the whole range.
  @Test func agreesWithFoundationOnRandomValues() {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    var compared = 0
    for _ in 0..<20000 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let v = Double(bitPattern: state)
      guard v.isFinite else { continue }
      compared += 1
      #expect(formatNumber(v) == foundationFormat(v), "\(v)")
    }
    #expect(compared > 19000)
  }

  @Test func exactForms() {
    #expect(formatExact(5) == "5" && formatExact(-3) == "-3")
    #expect(formatExact(0.5) == "0.5" && formatExact(1e-8) == "1e-08")
    #expect(formatExact(1e14) == "100000000000000")
    for v in [0.1, 1.0 / 3, 2.5e-300, 123456789.125] { #expect(Double(formatExact(v)) == v) }
  }
}

/// The formatter Reporting had before, built on Foundation: the reference of the tests.
private func foundationFormat(_ v: Double) -> String {
  if v == 0 { return "0" }
  let sci = String(format: "%.3e", v)
  let ePos = sci.firstIndex(of: "e")!
  let exponent = Int(sci[sci.index(after: ePos)...])!
  if exponent >= -4 && exponent < 6 {
    let negative = sci.hasPrefix("-")
    let digits = sci[..<ePos].filter { $0.isNumber }
    var plain: String
    if exponent < 0 {
      plain = "0." + String(repeating: "0", count: -exponent - 1) + digits
    } else if exponent >= digits.count - 1 {
      plain = digits + String(repeating: "0", count: exponent - (digits.count - 1))
    } else {
      let cut = digits.index(digits.startIndex, offsetBy: exponent + 1)
      plain = String(digits[..<cut]) + "." + digits[cut...]
    }
    plain = stripFraction(plain)
    return negative ? "-" + plain : plain
  }
  return "\(stripFraction(String(sci[..<ePos])))e\(exponent)"
}

// The fast path of the 4-digit rounding against C's `%.3e` (the exact binary value,
// correctly rounded), on numbers spread over every exponent and on near and exact ties.
@Suite("Four-digit rounding")
struct RoundedDigitsTests {
  func agree(_ v: Double) -> Bool {
    let fast = roundedDigits(v)
    let exact = printfRoundedDigits(v)
    return fast == exact
  }

  @Test func randomBitPatternsOfEveryExponent() {
    var g = SeededRNG(seed: 1)
    var wrong: [Double] = []
    for _ in 0..<300_000 {
      let v = Double(bitPattern: g.next())
      if v.isFinite && v != 0 && !agree(v) { wrong.append(v) }
    }
    #expect(wrong.isEmpty, "\(wrong.prefix(5))")
  }

  @Test func nearAndExactTies() {
    var g = SeededRNG(seed: 2)
    var wrong: [Double] = []
    for _ in 0..<100_000 {
      let digits = Double(1000 + g.next() % 9000) + 0.5
      let e = Int(g.next() % 60) - 30
      let tie = digits * pow(10, Double(e))
      for v in [tie, tie.nextUp, tie.nextDown, -tie] where !agree(v) { wrong.append(v) }
    }
    // Exact binary ties (x.5 at the fourth digit) and the ends of a decade.
    for v in [12345.0, 1234.5, 123.45e2, 99995.0, 9999.5, 0.0009765625, 1000, 10000, 9999.999999999, 1e23, 5e-324, 1e308]
    where !agree(v) && !agree(-v) {
      wrong.append(v)
    }
    for k in -300...300 {
      let p = pow(10.0, Double(k))
      for v in [p, p.nextUp, p.nextDown, 9.9995 * p, 9.9995 * p.nextUp] where v.isFinite && v != 0 && !agree(v) {
        wrong.append(v)
      }
    }
    #expect(wrong.isEmpty, "\(wrong.prefix(5))")
  }
}
