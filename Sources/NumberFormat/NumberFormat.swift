// The one number formatter family of the project: `formatNumber` for messages and
// reports (4 significant digits), `formatExact` for ids and commands (round trip).
// No Foundation: the C library's `vsnprintf` rounds, in the C locale.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Formats a number for messages and reports, with at most 4 significant digits and
/// fixed rules:
///
/// - `nil` is `n/a`; NaN is `NaN`; infinities are `inf` and `-inf`; `0` and `-0` are `0`.
/// - The value is first rounded to 4 significant digits, `m * 10^e` with `1 <= |m| < 10`
///   (correctly rounded, ties to even, from the exact binary value).
/// - When `-4 <= e < 6` it is written in plain decimal (`0.001235`, `12.35`, `123500`),
///   otherwise in scientific notation with the shortest mantissa and no `+` or leading zeros
///   in the exponent (`1.5e-8`, `-2e12`).
/// - Trailing zeros of the fraction, and a trailing point, are removed (`1.500` is `1.5`).
///
/// The output never depends on the locale (the decimal separator is always `.`).
public func formatNumber(_ value: Double?) -> String {
  guard let v = value else { return "n/a" }
  if v.isNaN { return "NaN" }
  if v.isInfinite { return v < 0 ? "-inf" : "inf" }
  if v == 0 { return "0" }
  let (negative, digits, exponent) = roundedDigits(v)
  var text: String
  if exponent >= -4 && exponent < 6 {
    if exponent < 0 {
      text = "0." + String(repeating: "0", count: -exponent - 1) + digits
    } else if exponent >= digits.count - 1 {
      text = digits + String(repeating: "0", count: exponent - (digits.count - 1))
    } else {
      let cut = digits.index(digits.startIndex, offsetBy: exponent + 1)
      text = String(digits[..<cut]) + "." + digits[cut...]
    }
    text = stripFraction(text)
  } else {
    let first = digits.prefix(1)
    text = stripFraction(first + "." + digits.dropFirst()) + "e\(exponent)"
  }
  return negative ? "-" + text : text
}

/// Formats a number exactly, for ids and commands: integers without ".0", else Swift's
/// shortest round-trip form ("5", "0.5", "1e-08").
public func formatExact(_ v: Double) -> String {
  if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
  return "\(v)"
}

/// The 4 significant digits of a finite nonzero `v` ("1235") and its decimal exponent,
/// correctly rounded from the exact binary value (ties to even), as C's `%.3e` gives them.
///
/// Fast path: `m = |v| 10^(3 - e)` with `e = floor(log10 |v|)`, in double, is within a
/// relative 2.3e-16 (two roundings) of the exact `|v| 10^(3 - e)`, so an absolute 2.3e-12
/// in [1000, 10000); when it lies farther than 1e-6 from a half, its nearest integer is the
/// exact value's (near the decade's ends both sides round to 1000: 9999.99... is 1000
/// with the next exponent, as 1000.00... of the next decade is). Otherwise (about one
/// number in 10^5, and every exact tie such as 12345), and outside [1e-280, 1e280], where
/// the power of ten or the product could leave the normal range, C's `%.3e` decides.
func roundedDigits(_ v: Double) -> (negative: Bool, digits: String, exponent: Int) {
  let a = abs(v)
  guard a >= 1e-280 && a <= 1e280 else { return printfRoundedDigits(v) }
  var e = Int((log10(a)).rounded(.down))
  var m = a * powerOfTen(3 - e)
  if m < 1000 {
    e -= 1
    m = a * powerOfTen(3 - e)
  } else if m >= 10000 {
    e += 1
    m = a * powerOfTen(3 - e)
  }
  let fraction = m - m.rounded(.down)
  guard m >= 1000 && m < 10000 && abs(fraction - 0.5) > 1e-6 else { return printfRoundedDigits(v) }
  var digits = Int(m.rounded(.toNearestOrAwayFromZero))
  if digits == 10000 {
    digits = 1000
    e += 1
  }
  return (v < 0, String(digits), e)
}

/// `10^k` correctly rounded, for `-300 <= k <= 300`.
@inline(__always)
func powerOfTen(_ k: Int) -> Double { powersOfTen[k + 300] }

/// `10^-300 ... 10^300`, each parsed from its decimal form (correctly rounded).
let powersOfTen: [Double] = (-300...300).map { Double("1e\($0)")! }

/// `roundedDigits` from C's `%.3e` (the exact binary value, correctly rounded).
func printfRoundedDigits(_ v: Double) -> (negative: Bool, digits: String, exponent: Int) {
  var buffer = [CChar](repeating: 0, count: 32)
  let count = withVaList([v]) { args in
    buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, "%.3e", args) }
  }
  let text = String(decoding: buffer.prefix(Int(count)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  let parts = text.split(separator: "e")
  let mantissa = parts[0]
  return (mantissa.hasPrefix("-"), String(mantissa.filter { $0.isNumber }), Int(parts[1])!)
}

/// Removes trailing zeros after a decimal point, then the point itself if nothing is left.
public func stripFraction<S: StringProtocol>(_ s: S) -> String {
  guard s.contains(".") else { return String(s) }
  var t = Substring(s)
  while t.last == "0" { t = t.dropLast() }
  if t.last == "." { t = t.dropLast() }
  return String(t)
}

