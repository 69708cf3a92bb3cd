/// Small deterministic JSON writing helpers shared by the fixture and results encoders.
///
/// Numbers are written with Swift's shortest round-trip `description` (`5.0`, `0.1`,
/// `1e-300`, `1e+16`), which is valid JSON and parses back to the same `Double`;
/// non-finite values (which JSON cannot hold) are written as `null`.
enum JSONWriter {
  /// The JSON text of a double: shortest round-trip digits, `null` when not finite.
  static func number(_ d: Double) -> String {
    d.isFinite ? d.description : "null"
  }

  /// The JSON text of an optional double (`null` for nil or non-finite).
  static func number(_ d: Double?) -> String {
    d.map(number) ?? "null"
  }

  /// A JSON string literal.
  static func string(_ s: String) -> String {
    "\"" + escaped(s) + "\""
  }

  /// An optional string (`null` for nil).
  static func string(_ s: String?) -> String {
    s.map(string) ?? "null"
  }

  /// The body of a JSON string literal: `"` and `\` escaped, control characters as
  /// `\n`, `\t`, ... or `\u00XX`; everything else written as UTF-8.
  static func escaped(_ s: String) -> String {
    // Most strings (names, messages, numbers) need no escape: one pass over the UTF-8
    // bytes says so (every byte of a multi-byte scalar is >= 0x80), and the string is
    // returned as it is, the same text the loop below would build.
    if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
      return s
    }
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      default:
        if scalar.value < 0x20 {
          let h = Array("0123456789abcdef")
          out += "\\u00" + String(h[Int(scalar.value >> 4)]) + String(h[Int(scalar.value & 15)])
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out
  }

  /// A one-line array of numbers: `[1.0, 2.5, null]`.
  static func numbers(_ a: [Double]) -> String {
    var out = "["
    out.reserveCapacity(2 + 26 * a.count)
    for (i, d) in a.enumerated() {
      if i > 0 { out += ", " }
      out += number(d)
    }
    out += "]"
    return out
  }

  /// `count` spaces appended to `out`.
  static func pad(_ out: inout String, _ count: Int) {
    for _ in 0..<count { out += " " }
  }

  /// An N x N matrix with one row per line, indented by `indent` spaces for the rows:
  /// ```
  /// [
  ///   [1.0, 2.0],
  ///   [3.0, 4.0]
  /// ]
  /// ```
  static func matrix(_ m: [[Double]], indent: Int) -> String {
    if m.isEmpty { return "[]" }
    var out = "[\n"
    for (i, row) in m.enumerated() {
      if i > 0 { out += ",\n" }
      pad(&out, indent + 2)
      out += numbers(row)
    }
    out += "\n"
    pad(&out, indent)
    out += "]"
    return out
  }

  /// A batch of matrices, each as `matrix`, one element per block.
  static func matrices(_ ms: [[[Double]]], indent: Int) -> String {
    if ms.isEmpty { return "[]" }
    let pad = String(repeating: " ", count: indent + 2)
    let items = ms.map { pad + matrix($0, indent: indent + 2) }.joined(separator: ",\n")
    return "[\n" + items + "\n" + String(repeating: " ", count: indent) + "]"
  }

  /// An object written one member per line from already-encoded values, keys in the
  /// given order.
  static func object(_ members: [(String, String)], indent: Int) -> String {
    if members.isEmpty { return "{}" }
    var out = "{\n"
    out.reserveCapacity(members.reduce(8 + indent) { $0 + $1.0.utf8.count + $1.1.utf8.count + indent + 8 })
    for (i, (key, value)) in members.enumerated() {
      if i > 0 { out += ",\n" }
      pad(&out, indent + 2)
      appendMember(&out, key, value)
    }
    out += "\n"
    pad(&out, indent)
    out += "}"
    return out
  }

  /// An object on one line: `{"a": 1, "b": 2}`.
  static func inlineObject(_ members: [(String, String)]) -> String {
    var out = "{"
    out.reserveCapacity(members.reduce(2) { $0 + $1.0.utf8.count + $1.1.utf8.count + 6 })
    for (i, (key, value)) in members.enumerated() {
      if i > 0 { out += ", " }
      appendMember(&out, key, value)
    }
    out += "}"
    return out
  }

  /// `"key": value` appended to `out`.
  static func appendMember(_ out: inout String, _ key: String, _ value: String) {
    out += "\""
    out += escaped(key)
    out += "\": "
    out += value
  }
}
