import Testing

@testable import GradcheckIO

/// The error text of parsing `text`, or nil when it parses.
private func parseError(_ bytes: [UInt8], maxDepth: Int = JSON.defaultMaxDepth, maxBytes: Int = JSON.defaultMaxBytes) -> String? {
  do {
    _ = try JSON.parse(bytes, maxDepth: maxDepth, maxBytes: maxBytes)
    return nil
  } catch {
    return error.description
  }
}

private func parseError(_ text: String) -> String? { parseError(Array(text.utf8)) }

@Suite("Strict JSON reader")
struct JSONTests {
  @Test("values, file order, literals and positions")
  func values() throws {
    let text = """
      {"b": [1, -0.5e2, true, null],
        "a": {"s": "x\\u00e9\\ud83d\\ude00\\n", "e": []},
        "big": 18446744073709551615}
      """
    let v = try JSON.parse(text)
    let members = try #require(v.members)
    #expect(members.map(\.key) == ["b", "a", "big"])
    #expect(members[1].keyPosition == SourcePosition(line: 2, column: 3))
    let b = try #require(v["b"]?.array)
    #expect(b.map(\.position) == [
      SourcePosition(line: 1, column: 8), SourcePosition(line: 1, column: 11),
      SourcePosition(line: 1, column: 19), SourcePosition(line: 1, column: 25),
    ])
    #expect(b[1].double == -50.0)
    #expect(b[1].numberLiteral == "-0.5e2")
    #expect(b[2].kind == .bool(true))
    #expect(b[3].isNull)
    #expect(v["a"]?["s"]?.string == "x\u{e9}\u{1F600}\n")
    #expect(v["a"]?["e"]?.array?.isEmpty == true)
    #expect(v["big"]?.numberLiteral == "18446744073709551615")
    #expect(UInt64(try #require(v["big"]?.numberLiteral)) == UInt64.max)
  }

  @Test("columns count characters, not bytes")
  func columnsCountScalars() {
    // "é" is 2 bytes; the bad token is the 8th character of line 1 (the 10th byte).
    #expect(parseError("[\"\u{e9}\u{e9}\", x]") == "1:8: expected a value, found 'x'")
  }

  @Test("syntax errors name line and column", arguments: [
    ("[1, 2\n 3]", "2:2: expected ',' or ']', found '3'"),
    ("{\"a\": 1\n\n  \"b\": 2}", "3:3: expected ',' or '}', found '\"'"),
    ("{\"a\" 1}", "1:6: expected ':' after key \"a\", found '1'"),
    ("{a: 1}", "1:2: expected a key in double quotes, found 'a'"),
    ("[1, 2,]", "1:7: expected a value, found ']'"),
    ("{\"a\": 1,}", "1:9: expected a key in double quotes, found '}'"),
    ("['a']", "1:2: expected a value, found '''"),
    ("[1] 2", "1:5: unexpected '2' after the JSON value"),
    ("[1, 2", "1:6: expected ',' or ']', found end of file (the array opened at 1:1 is not closed)"),
    ("{\"a\": [", "1:8: unexpected end of file; expected a value (the array opened at 1:7 is not closed)"),
    ("\"abc", "1:5: unexpected end of file in the string opened at 1:1"),
    ("\"a\nb\"", "1:3: control character U+000A in a string must be escaped (the string opened at 1:1 is not closed?)"),
    ("\"\\x\"", "1:2: invalid escape '\\x' (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"),
    ("\"\\u12G4\"", "1:6: a \\u escape needs 4 hex digits, found 'G'"),
    ("\"\\ud800\"", "1:2: lone surrogate \\uD800 (a high surrogate must be followed by a low one)"),
    ("\"\\udc00\"", "1:2: lone low surrogate \\uDC00"),
    ("[tru]", "1:2: invalid literal; expected true"),
    ("[nul", "1:2: invalid literal; expected null"),
    ("[NaN]", "1:2: expected a value, found 'N'; NaN and Infinity are not JSON numbers"),
    ("[Infinity]", "1:2: expected a value, found 'I'; NaN and Infinity are not JSON numbers"),
    ("// c\n1", "1:1: expected a value, found '/'"),
    ("{\"x\": 1, \"x\": 2}", "1:10: duplicate key \"x\" in this object"),
  ])
  func syntaxErrors(_ text: String, _ message: String) {
    #expect(parseError(text) == message)
  }

  @Test("numbers follow the JSON grammar exactly", arguments: [
    ("01", "1:1: invalid number: leading zeros are not allowed"),
    ("-01", "1:1: invalid number: leading zeros are not allowed"),
    ("1.", "1:3: invalid number: expected a digit after '.', found end of file"),
    (".5", "1:1: expected a value, found '.'"),
    ("+1", "1:1: expected a value, found '+'"),
    ("-", "1:2: invalid number: expected a digit, found end of file"),
    ("-a", "1:2: invalid number: expected a digit, found 'a'"),
    ("1e", "1:3: invalid number: expected a digit in the exponent, found end of file"),
    ("1e+", "1:4: invalid number: expected a digit in the exponent, found end of file"),
    ("0x10", "1:2: unexpected 'x' after the JSON value"),
    ("1e999", "1:1: 1e999 is not a finite number (overflows a double)"),
    ("[0, -1.8e308]", "1:5: -1.8e308 is not a finite number (overflows a double)"),
  ])
  func badNumbers(_ text: String, _ message: String) {
    #expect(parseError(text) == message)
  }

  @Test("valid numbers parse to the correctly rounded double")
  func goodNumbers() throws {
    let cases: [(String, Double)] = [
      ("0", 0), ("-0", -0.0), ("0.1", 0.1), ("1e-300", 1e-300), ("5e-324", .leastNonzeroMagnitude),
      ("1.7976931348623157e308", .greatestFiniteMagnitude), ("1E+2", 100), ("-12.5e-1", -1.25),
      ("1e-400", 0),  // underflow to zero is finite and allowed
    ]
    for (text, value) in cases {
      let v = try JSON.parse(text)
      #expect(v.double == value, "\(text)")
      #expect(v.numberLiteral == text)
    }
  }

  @Test("whole-file problems: empty, BOM, wide encodings")
  func fileEncodings() throws {
    #expect(parseError([]) == "file is empty; expected a JSON value")
    #expect(parseError([0xEF, 0xBB, 0xBF]) == "file holds only a UTF-8 byte order mark; expected a JSON value")
    #expect(parseError(Array(" \n\t ".utf8)) == "file holds only whitespace; expected a JSON value")
    // A UTF-8 BOM before a value is accepted.
    let withBOM = try JSON.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8))
    #expect(withBOM.array?.count == 1)
    let utf16 = "gradcheck reads UTF-8 JSON"
    // UTF-16 LE with BOM, UTF-16 BE with BOM, and both without (NUL pattern).
    let text = "{\"x\": 1}"
    let le: [UInt8] = [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    let be: [UInt8] = [0xFE, 0xFF] + text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    #expect(parseError(le) == "file is UTF-16; \(utf16)")
    #expect(parseError(be) == "file is UTF-16; \(utf16)")
    #expect(parseError(Array(le.dropFirst(2))) == "file is UTF-16; \(utf16)")
    #expect(parseError(Array(be.dropFirst(2))) == "file is UTF-16; \(utf16)")
    #expect(parseError([0xFF, 0xFE]) == "file is UTF-16; \(utf16)")
    let le32: [UInt8] = [0xFF, 0xFE, 0, 0] + text.unicodeScalars.flatMap { [UInt8($0.value), 0, 0, 0] as [UInt8] }
    #expect(parseError(le32) == "file is UTF-32; \(utf16)")
    #expect(parseError(Array(le32.dropFirst(4))) == "file is UTF-32; \(utf16)")
  }

  @Test("invalid UTF-8 is named with its place")
  func invalidUTF8() {
    let bad: [([UInt8], String)] = [
      (Array("[\"a".utf8) + [0xFF] + Array("\"]".utf8), "1:4: invalid UTF-8 (byte 0xFF); gradcheck reads UTF-8 JSON text"),
      (Array("[\n \"".utf8) + [0xC0, 0x80] + Array("\"]".utf8), "2:3: invalid UTF-8 (byte 0xC0); gradcheck reads UTF-8 JSON text"),  // overlong
      (Array("\"".utf8) + [0xED, 0xA0, 0x80] + Array("\"".utf8), "1:2: invalid UTF-8 (byte 0xED); gradcheck reads UTF-8 JSON text"),  // surrogate
      (Array("\"".utf8) + [0xF4, 0x90, 0x80, 0x80] + Array("\"".utf8), "1:2: invalid UTF-8 (byte 0xF4); gradcheck reads UTF-8 JSON text"),  // > U+10FFFF
      (Array("\"ab".utf8) + [0xE2, 0x82], "1:4: invalid UTF-8 (byte 0xE2); gradcheck reads UTF-8 JSON text"),  // truncated
    ]
    for (bytes, message) in bad {
      #expect(parseError(bytes) == message)
    }
    #expect(parseError(Array("[1,\u{0}2]".utf8)) == "1:4: expected a value, found control byte 0x00 (is this a binary file?)")
  }

  @Test("nesting is bounded: 256 levels parse, 257 and 100000 fail at level 257")
  func nesting() throws {
    let ok = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
    #expect(try JSON.parse(ok).array?.count == 1)
    let over = String(repeating: "[", count: 257) + String(repeating: "]", count: 257)
    #expect(parseError(over) == "1:257: nesting deeper than 256 levels of arrays and objects")
    let message = parseError(String(repeating: "[{\"a\":", count: 50_000))
    // 128 repeats of the 6 characters open 256 levels; the next '[' is at column 769.
    #expect(message == "1:769: nesting deeper than 256 levels of arrays and objects")
    #expect(parseError(String(repeating: "[", count: 100_000)) == "1:257: nesting deeper than 256 levels of arrays and objects")
  }

  @Test("a 5 MB truncated file fails naming the end and the open array")
  func truncated() {
    var text = "{\"x\": ["
    let row = "0.12345678901234, -1.5e-3, 42, "
    while text.utf8.count < 5_000_000 { text += row }
    let message = parseError(text)
    let lines = 1
    let column = text.count + 1
    #expect(message == "\(lines):\(column): expected ',' or ']', found end of file (the array opened at 1:7 is not closed)"
      || message == "\(lines):\(column): unexpected end of file; expected a value (the array opened at 1:7 is not closed)")
  }

  @Test("random binary input is rejected without crashing")
  func randomBinary() {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for trial in 0..<200 {
      var bytes: [UInt8] = []
      let count = 1 + trial * 37
      for _ in 0..<count {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        bytes.append(UInt8(truncatingIfNeeded: state >> 56))
      }
      // Any error is fine; what matters is a message and no crash or hang.
      if let message = parseError(bytes) { #expect(!message.isEmpty) }
    }
    // One megabyte of binary: first invalid byte is reported quickly.
    var big = [UInt8](repeating: 0, count: 1 << 20)
    for k in big.indices {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      big[k] = UInt8(truncatingIfNeeded: state >> 56)
    }
    big[0] = 0x80
    big[1] = 0x81
    #expect(parseError(big) == "1:1: invalid UTF-8 (byte 0x80); gradcheck reads UTF-8 JSON text")
  }

  @Test("size limit")
  func sizeLimit() {
    let text = Array("[1, 2, 3]".utf8)
    #expect(parseError(text, maxBytes: 8) == "file is 9 bytes, over the limit of 8 bytes")
    #expect(parseError(text, maxBytes: 9) == nil)
  }

  @Test("writer escapes and numbers read back exactly")
  func writerRoundTrip() throws {
    let s = "quote \" backslash \\ tab \t nl \n nul \u{0} bell \u{7} é 😀 \u{2028}"
    let v = try JSON.parse(JSONWriter.string(s))
    #expect(v.string == s)
    for d in [0.1, 1e-300, .leastNonzeroMagnitude, -0.0, 1.7976931348623157e308, 123456789.125, 1e16, 2.5e-8] {
      let text = JSONWriter.number(d)
      #expect(try JSON.parse(text).double == d, "\(text)")
    }
    #expect(JSONWriter.number(5.0) == "5.0")
    #expect(JSONWriter.number(1e-300) == "1e-300")
    #expect(JSONWriter.number(Double.nan) == "null")
    #expect(JSONWriter.number(-Double.infinity) == "null")
  }
}

@Suite("JSON string escaping")
struct JSONEscapeTests {
  /// The escape rules written out one scalar at a time (the writer's slow path).
  func reference(_ s: String) -> String {
    var out = ""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "\u{08}": out += "\\b"
      case "\u{0C}": out += "\\f"
      default:
        if u.value < 0x20 {
          let hex = String(u.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    return out
  }

  @Test("strings with and without characters to escape: the fast path returns the same text, and it parses back")
  func escapedMatchesTheRules() throws {
    let fixed = ["", "plain", "gaussian/n3 x=-2", "λ_min ≈ −1.55 ✓", "a\"b", "back\\slash", "tab\there",
                 "\u{01}\u{1F}", "line\nbreak\r", "\u{7F} del", "é\u{0301}", "𝔘𝔫𝔦"]
    var state: UInt64 = 5
    func next() -> UInt64 {  // a fixed LCG: the same strings every run
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return state >> 33
    }
    var random: [String] = []
    let alphabet: [Unicode.Scalar] = ["a", "Z", " ", "\"", "\\", "\n", "\u{00}", "\u{1F}", "\u{7F}", "é", "λ", "😀"]
    for _ in 0..<2000 {
      var s = ""
      for _ in 0..<Int(next() % 12) { s.unicodeScalars.append(alphabet[Int(next() % UInt64(alphabet.count))]) }
      random.append(s)
    }
    for s in fixed + random {
      let e = JSONWriter.escaped(s)
      #expect(e == reference(s), "\(s.debugDescription)")
      let back = try JSON.parse("\"" + e + "\"")
      #expect(back.string == s, "\(s.debugDescription)")
    }
  }
}
