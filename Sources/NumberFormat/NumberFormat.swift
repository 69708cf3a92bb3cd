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
/// from C's `%.3e` (the exact binary value, correctly rounded).
func roundedDigits(_ v: Double) -> (negative: Bool, digits: String, exponent: Int) {
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
