import EigenCore
import Testing

@testable import GradcheckIO

/// Random JSON-ish text: valid documents with every kind of value (objects of up to 40
/// members, with and without repeated keys; strings with escapes and 2-, 3- and 4-byte
/// characters; numbers of every form, including 17 digits, denormals, -0 and overflow),
/// whitespace with newlines, and, for some documents, a few bytes flipped, inserted,
/// removed or the text cut short.
private struct DocumentGenerator {
  var rng: SeededRNG

  mutating func whitespace(_ out: inout [UInt8]) {
    for _ in 0..<rng.below(3) { out.append([0x20, 0x0A, 0x09, 0x0D, 0x20][rng.below(5)]) }
  }

  mutating func number() -> String {
    switch rng.below(12) {
    case 0: return String(rng.below(1000))
    case 1: return "-" + String(rng.next() >> UInt64(rng.below(64)))
    case 2: return "\(Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF))"  // any finite double
    case 3: return ["0", "-0", "-0.0", "0e0", "0E-0", "-0e+5"][rng.below(6)]
    case 4: return ["4.9e-324", "2.4703282292062328e-324", "2.4703282292062327e-324", "2.2250738585072011e-308",
                    "2.2250738585072014e-308", "1.7976931348623157e308", "1.7976931348623158e308",
                    "1.7976931348623159e308", "1e309", "-1e400", "1e-400", "9007199254740993",
                    "0.1000000000000000055511151231257827", "18446744073709551616"][rng.below(14)]
    case 5:
      // 17 significant digits with an exponent.
      var s = rng.chance(0.5) ? "-" : ""
      s += String(1 + rng.below(9)) + "."
      for _ in 0..<16 { s += String(rng.below(10)) }
      return s + "e" + String(rng.below(640) - 330)
    case 6: return "\(Double(rng.below(1_000_000)) / 1024)"
    case 7: return ["01", "1.", ".5", "-", "1e", "1e+", "+1", "1.5e3.2", "0x10", "1_0", "-a"][rng.below(11)]
    default:
      var s = rng.chance(0.3) ? "-" : ""
      s += String(rng.below(100_000))
      if rng.chance(0.6) { s += "." + String(rng.below(1_000_000_000)) }
      if rng.chance(0.4) { s += ["e", "E", "e+", "e-", "E-"][rng.below(5)] + String(rng.below(400)) }
      return s
    }
  }

  mutating func string(_ out: inout [UInt8]) {
    out.append(0x22)
    for _ in 0..<rng.below(12) {
      switch rng.below(10) {
      case 0: out += Array("\\n\\t\\\"\\\\\\/\\b\\f\\r".utf8)[0..<(2 * (1 + rng.below(8)))]
      case 1: out += Array(["\\u00e9", "\\ud83d\\ude00", "\\u0000", "\\uD800", "\\udc00x", "\\u12", "\\q"][rng.below(7)].utf8)
      case 2: out += Array(["é", "€", "😀", "日本"][rng.below(4)].utf8)
      case 3: if rng.chance(0.1) { out.append(UInt8(rng.below(0x20))) }  // raw control byte
      default:
        let c = UInt8(0x20 + rng.below(0x5F))  // printable ASCII but the quote and backslash
        out.append(c == 0x22 || c == 0x5C ? UInt8(ascii: "a") : c)
      }
    }
    out.append(0x22)
  }

  mutating func value(_ out: inout [UInt8], depth: Int) {
    whitespace(&out)
    let kind = depth > 5 ? rng.below(5) : rng.below(8)
    switch kind {
    case 0: out += Array(number().utf8)
    case 1: string(&out)
    case 2: out += Array(["true", "false", "null", "nul", "NaN", "Infinity"][rng.chance(0.97) ? rng.below(3) : 3 + rng.below(3)].utf8)
    case 3, 4: out += Array(number().utf8)
    case 5:
      out.append(UInt8(ascii: "["))
      let n = rng.below(6)
      for k in 0..<n {
        if k > 0 { out.append(UInt8(ascii: ",")) }
        value(&out, depth: depth + 1)
      }
      whitespace(&out)
      out.append(UInt8(ascii: "]"))
    default:
      out.append(UInt8(ascii: "{"))
      let n = rng.chance(0.3) ? rng.below(41) : rng.below(5)
      let unique = rng.chance(0.6)
      for k in 0..<n {
        if k > 0 { out.append(UInt8(ascii: ",")) }
        whitespace(&out)
        let key = unique ? "k\(k)" : "k\(rng.below(n + 8))"
        out += Array("\"\(key)\"".utf8)
        whitespace(&out)
        out.append(UInt8(ascii: ":"))
        value(&out, depth: depth + 1)
      }
      whitespace(&out)
      out.append(UInt8(ascii: "}"))
    }
    whitespace(&out)
  }

  mutating func document() -> [UInt8] {
    var out: [UInt8] = []
    if rng.chance(0.05) { out += [0xEF, 0xBB, 0xBF] }
    value(&out, depth: 0)
    if rng.chance(0.4) {
      for _ in 0..<(1 + rng.below(3)) where !out.isEmpty {
        let at = rng.below(out.count)
        switch rng.below(4) {
        case 0: out[at] = UInt8(truncatingIfNeeded: rng.next())
        case 1: out.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
        case 2: out.remove(at: at)
        default: out.removeLast(out.count - at)
        }
      }
    }
    return out
  }
}

/// The outcome of a parse: the value, or the error's text.
private func outcome(_ parse: () throws(JSONError) -> JSONValue) -> Result<JSONValue, JSONError> {
  do { return .success(try parse()) } catch { return .failure(error) }
}

@Suite("Faster JSON reader against the reference reader")
struct JSONEquivalenceTests {
  @Test("random documents and their mutations: same values, positions and errors")
  func randomDocuments() {
    var gen = DocumentGenerator(rng: SeededRNG(seed: 20261127))
    var parsed = 0, failed = 0, mismatches = 0
    for k in 0..<3000 {
      let doc = gen.document()
      let new = outcome { () throws(JSONError) in try JSON.parse(doc) }
      let old = outcome { () throws(JSONError) in try referenceParse(doc) }
      if case .success = new { parsed += 1 } else { failed += 1 }
      if new != old {
        mismatches += 1
        if mismatches <= 5 {
          Issue.record("document \(k): \(String(decoding: doc.prefix(300), as: UTF8.self))\nnew: \(new)\nold: \(old)")
        }
      }
    }
    #expect(mismatches == 0)
    // Both kinds of outcome are well represented.
    #expect(parsed > 700 && failed > 700, "parsed \(parsed), failed \(failed)")
  }

  @Test("limits and whole-file problems: same errors")
  func limitsAndEncodings() {
    var docs: [[UInt8]] = [
      [], [0xEF, 0xBB, 0xBF], [0xEF, 0xBB, 0xBF, 0x20], Array("  \n ".utf8), [0xFE, 0xFF, 0, 0x5B],
      [0, 0x5B, 0, 0x5D], Array("[1]".utf8) + [0xC0, 0xAF], Array("[\"\u{e9}\"]\n\n  ".utf8) + [0xED, 0xA0, 0x80],
      Array("{\"a\": [1,\n2]} x".utf8), Array(repeating: UInt8(ascii: "["), count: 256) + Array(repeating: UInt8(ascii: "]"), count: 256),
      Array(repeating: UInt8(ascii: "["), count: 257), Array("[".utf8) + Array(repeating: UInt8(ascii: " "), count: 100) + [0xF4, 0x90, 0x80, 0x80],
    ]
    // Invalid UTF-8 after long ASCII runs of every length modulo 8, with newlines and
    // multi-byte characters before it (the position is counted only on error).
    for pad in 0..<24 {
      var d = Array("[\"é\",\n \"".utf8) + Array(repeating: UInt8(ascii: "a"), count: pad)
      d += [0xE2, 0x82]  // truncated 3-byte sequence
      d += Array("\"]".utf8)
      docs.append(d)
    }
    // Objects of 15 to 40 members with a repeated key at every place.
    for n in [15, 16, 17, 18, 33, 40] {
      for dup in 1..<n {
        var text = "{"
        for k in 0..<n { text += (k > 0 ? ", " : "") + "\"k\(k == dup ? dup / 2 : k)\": \(k)" }
        docs.append(Array((text + "}").utf8))
      }
    }
    for doc in docs {
      for (depth, bytes) in [(256, Int.max), (3, 1 << 20), (256, 10)] {
        let new = outcome { () throws(JSONError) in try JSON.parse(doc, maxDepth: depth, maxBytes: bytes) }
        let old = outcome { () throws(JSONError) in try referenceParse(doc, maxDepth: depth, maxBytes: bytes) }
        #expect(new == old, "\(String(decoding: doc.prefix(200), as: UTF8.self))")
      }
    }
  }

  @Test("a large document crosses the UTF-8 pass's release points with the same errors")
  func releaseStride() throws {
    // Over 8 MiB (the release stride), with an invalid byte beyond it and a multi-byte
    // character straddling the stride boundary.
    let stride = 8 << 20
    var doc = Array("[\"".utf8)
    doc += Array(repeating: UInt8(ascii: "x"), count: stride - 3)
    doc += Array("€".utf8)
    doc += Array(repeating: UInt8(ascii: "y"), count: 1000)
    let good = doc + Array("\"]".utf8)
    let v = try JSON.parse(good, maxBytes: Int.max)
    #expect(v.array?.first?.string?.count == stride - 3 + 1 + 1000)
    let bad = doc + [0xFF] + Array("\"]".utf8)
    let new = outcome { () throws(JSONError) in try JSON.parse(bad, maxBytes: Int.max) }
    let old = outcome { () throws(JSONError) in try referenceParse(bad, maxBytes: Int.max) }
    #expect(new == old)
    #expect((try? new.get()) == nil && String(describing: new).contains("1:\(stride + 1001)"))
  }
}
