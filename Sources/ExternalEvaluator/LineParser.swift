#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// What was wrong with a response line, as one sentence (`x_cond[2]: expected a
/// number or "nan", "inf", "-inf", found true (column 31)`).
struct ResponseProblem: Error, Equatable {
  var message: String
}

/// A cursor over one response line (without its newline), parsing exactly the JSON the
/// protocol allows, straight into caller-provided storage: no tree, no per-number
/// allocation.
///
/// Numbers follow the JSON grammar; in number positions the strings `"nan"`, `"inf"`,
/// `"-inf"` stand for the non-finite values. Decimal conversion takes Clinger's exact
/// fast path (a decimal mantissa `m <= 2^53` and a power of ten `10^k`, `|k| <= 22`,
/// both exact doubles, so `m * 10^k` or `m / 10^k` rounded once is the correctly
/// rounded value), else
/// `strtod` (correctly rounded in glibc; checked to consume exactly the literal, with
/// the standard library's locale-independent parser as the fallback).
struct LineParser {
  let bytes: UnsafeBufferPointer<UInt8>
  var i = 0

  init(_ bytes: UnsafeBufferPointer<UInt8>) {
    self.bytes = bytes
  }

  // MARK: Structure

  @inline(__always)
  mutating func skipWhitespace() {
    while i < bytes.count {
      let c = bytes[i]
      if c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A { i += 1 } else { return }
    }
  }

  @inline(__always)
  var current: UInt8? { i < bytes.count ? bytes[i] : nil }

  /// Skips whitespace and consumes `c`, or throws naming what was expected.
  @inline(__always)
  mutating func expect(_ c: UInt8, _ what: @autoclosure () -> String) throws(ResponseProblem) {
    skipWhitespace()
    guard current == c else { throw problem("expected \(what()), found \(foundHere())") }
    i += 1
  }

  /// After a value inside an array or object: consumes `,` (true) or `close` (false).
  mutating func separator(close: UInt8, _ context: @autoclosure () -> String) throws(ResponseProblem)
    -> Bool
  {
    skipWhitespace()
    if current == UInt8(ascii: ",") {
      i += 1
      return true
    }
    if current == close {
      i += 1
      return false
    }
    throw problem("\(context()): expected ',' or '\(Character(Unicode.Scalar(close)))', found \(foundHere())")
  }

  /// Throws unless only whitespace is left.
  mutating func expectEnd() throws(ResponseProblem) {
    skipWhitespace()
    guard i == bytes.count else { throw problem("unexpected \(foundHere()) after the object") }
  }

  /// Iterates an object's members: calls `member(key)` with the cursor on the value,
  /// which must consume it.
  mutating func object(
    _ member: (inout LineParser, String) throws(ResponseProblem) -> Void
  ) throws(ResponseProblem) {
    try expect(UInt8(ascii: "{"), "a JSON object '{'")
    skipWhitespace()
    if current == UInt8(ascii: "}") {
      i += 1
      return
    }
    repeat {
      skipWhitespace()
      guard current == UInt8(ascii: "\"") else { throw problem("expected a member name, found \(foundHere())") }
      let key = try string()
      try expect(UInt8(ascii: ":"), "':' after \"\(key)\"")
      try member(&self, key)
    } while try separator(close: UInt8(ascii: "}"), "in the object")
  }

  // MARK: Values

  /// A JSON string (escapes decoded; control characters rejected).
  mutating func string() throws(ResponseProblem) -> String {
    try expect(UInt8(ascii: "\""), "a string")
    var out: [UInt8] = []
    while true {
      guard let c = current else { throw problem("unterminated string") }
      i += 1
      switch c {
      case UInt8(ascii: "\""):
        return String(decoding: out, as: UTF8.self)
      case UInt8(ascii: "\\"):
        guard let e = current else { throw problem("unterminated string") }
        i += 1
        switch e {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
          var scalar = try hex4()
          if (0xD800..<0xDC00).contains(scalar), i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"),
            bytes[i + 1] == UInt8(ascii: "u")
          {
            i += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw problem("invalid surrogate pair") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
          }
          let decoded: Unicode.Scalar = Unicode.Scalar(scalar) ?? "\u{FFFD}"
          out.append(contentsOf: String(decoded).utf8)
        default:
          throw problem("invalid escape '\\\(Character(Unicode.Scalar(e)))' in a string")
        }
      default:
        if c < 0x20 { throw problem("control character in a string") }
        out.append(c)
      }
    }
  }

  private mutating func hex4() throws(ResponseProblem) -> UInt32 {
    guard i + 4 <= bytes.count else { throw problem("unterminated \\u escape") }
    var v: UInt32 = 0
    for _ in 0..<4 {
      let c = bytes[i]
      let d: UInt32
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
      default: throw problem("invalid \\u escape")
      }
      v = v << 4 | d
      i += 1
    }
    return v
  }

  /// A non-negative integer (the id): digits only, at most 18 of them.
  mutating func integer(_ name: String) throws(ResponseProblem) -> Int {
    skipWhitespace()
    let begin = i
    var value = 0
    while let c = current, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9"), i - begin < 18 {
      value = value * 10 + Int(c - UInt8(ascii: "0"))
      i += 1
    }
    if i == begin || isNumberByte(current) {
      i = begin
      throw problem("\(name): expected a non-negative integer, found \(foundHere())")
    }
    return value
  }

  /// A number, or one of the strings `"nan"`, `"inf"`, `"-inf"`; `path()` names the
  /// place for the message.
  @inline(__always)
  mutating func number(_ path: @autoclosure () -> String) throws(ResponseProblem) -> Double {
    skipWhitespace()
    guard let c = current else { throw problem("\(path()): expected a number, found the end of the line") }
    if c == UInt8(ascii: "-") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) {
      let begin = i
      guard let value = numberLiteral() else {
        throw problem("\(path()): \(foundHere()) is not a JSON number")
      }
      guard value.isFinite else {
        i = begin
        throw problem("\(path()): \(foundHere()) is beyond the range of a double; write \"inf\" or \"-inf\"")
      }
      return value
    }
    if c == UInt8(ascii: "\"") {
      let begin = i
      if let special = specialString() { return special }
      i = begin
      throw problem("\(path()): expected a number or \"nan\", \"inf\", \"-inf\", found \(foundHere())")
    }
    if c == UInt8(ascii: "N") || c == UInt8(ascii: "I") {
      throw problem("\(path()): found \(foundHere()), which is not JSON; write the strings \"nan\", \"inf\", \"-inf\"")
    }
    throw problem("\(path()): expected a number or \"nan\", \"inf\", \"-inf\", found \(foundHere())")
  }

  /// `"nan"`, `"inf"` or `"-inf"` at the cursor (consumed), else nil.
  private mutating func specialString() -> Double? {
    for (word, value) in [("\"nan\"", Double.nan), ("\"inf\"", .infinity), ("\"-inf\"", -.infinity)] {
      let utf8 = word.utf8
      if i + utf8.count <= bytes.count && zip(utf8, bytes[i...]).allSatisfy({ $0 == $1 }) {
        i += utf8.count
        return value
      }
    }
    return nil
  }

  /// A JSON number literal at the cursor (consumed); nil (cursor unchanged) if the text
  /// is not one. Out-of-range literals give an infinity.
  private mutating func numberLiteral() -> Double? {
    let begin = i
    var j = i
    let negative = bytes[j] == UInt8(ascii: "-")
    if negative { j += 1 }
    var mantissa: UInt64 = 0
    var digits = 0  // significant digits accumulated in `mantissa`
    var dropped = false  // a nonzero digit did not fit in 19
    var exponent = 0
    guard j < bytes.count, isDigit(bytes[j]) else { return nil }
    if bytes[j] == UInt8(ascii: "0") {
      j += 1
    } else {
      while j < bytes.count, isDigit(bytes[j]) {
        accumulate(bytes[j], &mantissa, &digits, &dropped, &exponent, fraction: false)
        j += 1
      }
    }
    if j < bytes.count, bytes[j] == UInt8(ascii: ".") {
      j += 1
      guard j < bytes.count, isDigit(bytes[j]) else { return nil }
      while j < bytes.count, isDigit(bytes[j]) {
        accumulate(bytes[j], &mantissa, &digits, &dropped, &exponent, fraction: true)
        j += 1
      }
    }
    if j < bytes.count, bytes[j] == UInt8(ascii: "e") || bytes[j] == UInt8(ascii: "E") {
      j += 1
      var exponentNegative = false
      if j < bytes.count, bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-") {
        exponentNegative = bytes[j] == UInt8(ascii: "-")
        j += 1
      }
      guard j < bytes.count, isDigit(bytes[j]) else { return nil }
      var e = 0
      while j < bytes.count, isDigit(bytes[j]) {
        if e < 100_000 { e = e * 10 + Int(bytes[j] - UInt8(ascii: "0")) }
        j += 1
      }
      exponent += exponentNegative ? -e : e
    }
    i = j
    if !dropped && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
      let m = Double(mantissa)
      let value = exponent < 0 ? m / powersOfTen[-exponent] : m * powersOfTen[exponent]
      return negative ? -value : value
    }
    return slowConversion(begin, j)
  }

  /// Adds one digit to the mantissa (tracking the decimal exponent).
  @inline(__always)
  private func accumulate(
    _ c: UInt8, _ mantissa: inout UInt64, _ digits: inout Int, _ dropped: inout Bool,
    _ exponent: inout Int, fraction: Bool
  ) {
    let d = UInt64(c - UInt8(ascii: "0"))
    if digits == 0 && d == 0 {
      if fraction { exponent -= 1 }  // leading zeros of a fraction
      return
    }
    if digits < 19 {
      mantissa = mantissa * 10 + d
      digits += 1
      if fraction { exponent -= 1 }
    } else {
      if d != 0 { dropped = true }
      if !fraction { exponent += 1 }
    }
  }

  /// `strtod` on the literal `bytes[begin..<end]` (followed in memory by a byte that
  /// cannot continue a number); the standard library's parser when `strtod` does not
  /// stop exactly at `end` (a locale with another decimal point).
  private func slowConversion(_ begin: Int, _ end: Int) -> Double {
    let start = UnsafeRawPointer(bytes.baseAddress! + begin).assumingMemoryBound(to: CChar.self)
    var stop: UnsafeMutablePointer<CChar>? = nil
    let value = strtod(start, &stop)
    let expectedStop = UnsafeRawPointer(bytes.baseAddress! + end)
    if let stop, UnsafeRawPointer(stop) == expectedStop { return value }
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[begin..<end]), as: UTF8.self)
    return Double(text) ?? .nan
  }

  /// Skips any JSON value (for members we do not know), nesting at most 64 deep.
  mutating func skipValue(depth: Int = 0) throws(ResponseProblem) {
    guard depth < 64 else { throw problem("nesting deeper than 64") }
    skipWhitespace()
    guard let c = current else { throw problem("expected a value, found the end of the line") }
    switch c {
    case UInt8(ascii: "{"):
      try object { (p, _) throws(ResponseProblem) in try p.skipValue(depth: depth + 1) }
    case UInt8(ascii: "["):
      i += 1
      skipWhitespace()
      if current == UInt8(ascii: "]") {
        i += 1
        return
      }
      repeat { try skipValue(depth: depth + 1) } while try separator(close: UInt8(ascii: "]"), "in an array")
    case UInt8(ascii: "\""):
      _ = try string()
    case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
      for word in ["true", "false", "null"] where bytes.count - i >= word.utf8.count {
        if zip(word.utf8, bytes[i...]).allSatisfy({ $0 == $1 }) {
          i += word.utf8.count
          return
        }
      }
      throw problem("expected a value, found \(foundHere())")
    default:
      guard numberLiteral() != nil else { throw problem("expected a value, found \(foundHere())") }
    }
  }

  // MARK: Messages

  /// A problem at the cursor: the message and the column (1-based, in bytes).
  func problem(_ message: String) -> ResponseProblem {
    ResponseProblem(message: "\(message) (column \(i + 1))")
  }

  /// A short quote of the text at the cursor: `'}'`, `true`, `"nan "`, `the end of the line`.
  func foundHere() -> String {
    guard i < bytes.count else { return "the end of the line" }
    var end = i
    while end < bytes.count, end - i < 24,
      !(bytes[end] == UInt8(ascii: ",") || bytes[end] == UInt8(ascii: "]") || bytes[end] == UInt8(ascii: "}"))
        || end == i
    {
      end += 1
    }
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<end]), as: UTF8.self)
    return end - i == 1 ? "'\(text)'" : text
  }
}

@inline(__always)
private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

@inline(__always)
private func isNumberByte(_ c: UInt8?) -> Bool {
  guard let c else { return false }
  return isDigit(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
    || c == UInt8(ascii: "-") || c == UInt8(ascii: "+")
}

/// 10^0 ... 10^22, each exact in a double.
private let powersOfTen: [Double] = (0...22).map { k in
  var p = 1.0
  for _ in 0..<k { p *= 10 }
  return p
}
