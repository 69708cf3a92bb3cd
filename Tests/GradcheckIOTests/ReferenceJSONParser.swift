@testable import GradcheckIO

// The JSON reader as it was before the speed work (commit 096c778, Sources/GradcheckIO/JSON.swift),
// kept verbatim but for its name, as the reference the faster reader is compared with
// (`JSONEquivalenceTests`): same values, same positions, same errors.

/// Parses `bytes` with the reference reader (the checks of the old `JSON.parse`).
func referenceParse(
  _ bytes: [UInt8], maxDepth: Int = JSON.defaultMaxDepth, maxBytes: Int = JSON.defaultMaxBytes
) throws(JSONError) -> JSONValue {
  if bytes.count > maxBytes {
    throw JSONError("file is \(bytes.count) bytes, over the limit of \(maxBytes) bytes")
  }
  return try bytes.withUnsafeBufferPointer { (buffer) throws(JSONError) -> JSONValue in
    var parser = ReferenceParser(buffer, maxDepth: maxDepth)
    return try parser.parseDocument()
  }
}

/// The parser state: a cursor over the bytes, the current line and column, and an
/// explicit stack of open containers (no recursion, so no stack overflow).
struct ReferenceParser {
  let b: UnsafeBufferPointer<UInt8>
  let maxDepth: Int
  var i = 0
  var line = 1
  var column = 1

  init(_ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
    self.b = buffer
    self.maxDepth = maxDepth
  }

  var position: SourcePosition { SourcePosition(line: line, column: column) }

  /// An open array or object. Frames are mutated in place on the stack
  /// (`stack[k].items.append`), so appending never copies the elements gathered so far.
  struct Frame {
    var isObject: Bool
    var start: SourcePosition
    var items: [JSONValue] = []
    var members: [JSONMember] = []
    var keys: Set<String> = []
    /// The key whose value is being parsed (objects).
    var key = ""
    var keyPosition = SourcePosition(line: 0, column: 0)
  }

  // MARK: Document

  mutating func parseDocument() throws(JSONError) -> JSONValue {
    try begin()
    let value = try parseValueTree()
    try end()
    return value
  }

  /// The checks of a document before its value: not empty, UTF-8 (a BOM is skipped),
  /// not only whitespace; leaves the cursor at the value. `release` is called now and then
  /// during the UTF-8 pass with the offset checked so far (see `validateUTF8`).
  mutating func begin(release: ((Int) -> Void)? = nil) throws(JSONError) {
    if b.isEmpty { throw JSONError("file is empty; expected a JSON value") }
    if let wide = JSON.wideEncoding(b) {
      throw JSONError("file is \(wide); gradcheck reads UTF-8 JSON")
    }
    if b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
      i = 3
      if b.count == 3 {
        throw JSONError("file holds only a UTF-8 byte order mark; expected a JSON value")
      }
    }
    try validateUTF8(release: release)
    skipWhitespace()
    if i == b.count { throw JSONError("file holds only whitespace; expected a JSON value") }
  }

  /// The check after the document's value: nothing but whitespace follows.
  mutating func end() throws(JSONError) {
    skipWhitespace()
    if i < b.count {
      throw JSONError("unexpected \(describeHere()) after the JSON value", at: position)
    }
  }

  /// Bytes between calls of the `release` hook of `validateUTF8`.
  static let releaseStride = 8 << 20

  /// One pass over the whole input that rejects invalid UTF-8 (overlong forms,
  /// surrogates, code points over U+10FFFF, truncated sequences), naming the line and
  /// column. After it, every byte run between ASCII delimiters is valid UTF-8.
  func validateUTF8(release: ((Int) -> Void)? = nil) throws(JSONError) {
    var j = i
    var ln = line
    var col = column
    let n = b.count
    var nextRelease = j + ReferenceParser.releaseStride
    while j < n {
      if j >= nextRelease, let release {
        release(j)
        nextRelease = j + ReferenceParser.releaseStride
      }
      let c = b[j]
      if c < 0x80 {
        if c == 0x0A {
          ln += 1
          col = 1
        } else {
          col += 1
        }
        j += 1
        continue
      }
      var len = 0
      var lo: UInt8 = 0x80
      var hi: UInt8 = 0xBF
      switch c {
      case 0xC2...0xDF: len = 2
      case 0xE0: len = 3; lo = 0xA0
      case 0xE1...0xEC, 0xEE...0xEF: len = 3
      case 0xED: len = 3; hi = 0x9F
      case 0xF0: len = 4; lo = 0x90
      case 0xF1...0xF3: len = 4
      case 0xF4: len = 4; hi = 0x8F
      default: len = 0
      }
      var ok = len > 0 && j + len <= n
      if ok {
        let c1 = b[j + 1]
        ok = c1 >= lo && c1 <= hi
        var k = 2
        while ok && k < len {
          ok = b[j + k] & 0xC0 == 0x80
          k += 1
        }
      }
      if !ok {
        throw JSONError(
          "invalid UTF-8 (byte \(hex(c))); gradcheck reads UTF-8 JSON text",
          at: SourcePosition(line: ln, column: col))
      }
      j += len
      col += 1
    }
  }

  // MARK: Values

  /// Parses one value and everything nested in it with an explicit stack.
  mutating func parseValueTree() throws(JSONError) -> JSONValue {
    var state = StreamState(key: nil)
    switch try step(&state) {
    case .done(let value): return value
    case .element(let value): return value  // not reached: nothing is streamed without a key
    }
  }

  /// What `step` stopped at.
  enum Step {
    /// The next element of the streamed array.
    case element(JSONValue)
    /// The whole value, with the streamed array left empty.
    case done(JSONValue)
  }

  /// Where `step` is in the value: the open containers, and whether it stopped after an
  /// element of the streamed array.
  struct StreamState {
    /// The key of the root object whose array value is streamed (nil: none).
    var key: String?
    var stack: [Frame] = []
    var afterElement = false
  }

  /// Parses on from `state`: the whole value (`.done`), or, when the root is an object
  /// and the value of its member `state.key` is an array, up to the next element of that
  /// array (`.element`), which is handed over instead of being kept; the next call goes
  /// on after it. The syntax checked, and the errors and their places, are those of a
  /// whole parse.
  mutating func step(_ state: inout StreamState) throws(JSONError) -> Step {
    var value = JSONValue(.null, at: position)
    var haveValue = false
    if state.afterElement {
      state.afterElement = false
      skipWhitespace()
      if peek(UInt8(ascii: ",")) {
        advance()
      } else if peek(UInt8(ascii: "]")) {
        advance()
        let frame = state.stack.removeLast()
        value = JSONValue(.array(frame.items), at: frame.start)
        haveValue = true
      } else {
        throw JSONError(
          "expected ',' or ']', found \(describeHere())\(openNote(state.stack))", at: position)
      }
    }
    while true {
      if !haveValue {
        // Expecting a value.
        skipWhitespace()
        let start = position
        guard i < b.count else {
          throw JSONError("unexpected end of file; expected a value\(openNote(state.stack))", at: start)
        }
        switch b[i] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
          if state.stack.count >= maxDepth {
            throw JSONError(
              "nesting deeper than \(maxDepth) levels of arrays and objects", at: start)
          }
          let isObject = b[i] == UInt8(ascii: "{")
          advance()
          skipWhitespace()
          if isObject {
            if peek(UInt8(ascii: "}")) {
              advance()
              value = JSONValue(.object([]), at: start)
            } else {
              let (key, keyPosition) = try parseKeyAndColon()
              state.stack.append(
                Frame(isObject: true, start: start, keys: [key], key: key, keyPosition: keyPosition))
              continue
            }
          } else {
            if peek(UInt8(ascii: "]")) {
              advance()
              value = JSONValue(.array([]), at: start)
            } else {
              state.stack.append(Frame(isObject: false, start: start))
              continue
            }
          }
        case UInt8(ascii: "\""):
          value = JSONValue(.string(try parseString()), at: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
          value = try parseNumber()
        case UInt8(ascii: "t"):
          try expectLiteral("true")
          value = JSONValue(.bool(true), at: start)
        case UInt8(ascii: "f"):
          try expectLiteral("false")
          value = JSONValue(.bool(false), at: start)
        case UInt8(ascii: "n"):
          try expectLiteral("null")
          value = JSONValue(.null, at: start)
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
          throw JSONError(
            "expected a value, found \(describeHere()); NaN and Infinity are not JSON numbers",
            at: start)
        default:
          throw JSONError("expected a value, found \(describeHere())", at: start)
        }
      }
      haveValue = false

      // Have a complete value: hand it to the enclosing containers.
      while true {
        let top = state.stack.count - 1
        if top < 0 { return .done(value) }
        if top == 1, let key = state.key, state.stack[0].isObject, state.stack[0].key == key,
          !state.stack[1].isObject
        {
          // An element of the streamed array: handed over, not kept.
          state.afterElement = true
          return .element(value)
        }
        skipWhitespace()
        if !state.stack[top].isObject {
          state.stack[top].items.append(value)
          if peek(UInt8(ascii: ",")) {
            advance()
          } else if peek(UInt8(ascii: "]")) {
            advance()
            let frame = state.stack.removeLast()
            value = JSONValue(.array(frame.items), at: frame.start)
            continue
          } else {
            throw JSONError(
              "expected ',' or ']', found \(describeHere())\(openNote(state.stack))", at: position)
          }
        } else {
          state.stack[top].members.append(
            JSONMember(key: state.stack[top].key, keyPosition: state.stack[top].keyPosition, value: value))
          if peek(UInt8(ascii: ",")) {
            advance()
            skipWhitespace()
            let (next, nextPosition) = try parseKeyAndColon()
            if !state.stack[top].keys.insert(next).inserted {
              throw JSONError("duplicate key \(quoted(next)) in this object", at: nextPosition)
            }
            state.stack[top].key = next
            state.stack[top].keyPosition = nextPosition
          } else if peek(UInt8(ascii: "}")) {
            advance()
            let frame = state.stack.removeLast()
            value = JSONValue(.object(frame.members), at: frame.start)
            continue
          } else {
            throw JSONError(
              "expected ',' or '}', found \(describeHere())\(openNote(state.stack))", at: position)
          }
        }
        break
      }
    }
  }

  /// `"key"` then `:`; the cursor is at the key's opening quote.
  mutating func parseKeyAndColon() throws(JSONError) -> (String, SourcePosition) {
    let keyPosition = position
    guard peek(UInt8(ascii: "\"")) else {
      throw JSONError("expected a key in double quotes, found \(describeHere())", at: keyPosition)
    }
    let key = try parseString()
    skipWhitespace()
    guard peek(UInt8(ascii: ":")) else {
      throw JSONError(
        "expected ':' after key \(quoted(key)), found \(describeHere())", at: position)
    }
    advance()
    return (key, keyPosition)
  }

  /// A note on the innermost open container, for end-of-file errors.
  func openNote(_ stack: [Frame]) -> String {
    guard i >= b.count, let last = stack.last else { return "" }
    return " (the \(last.isObject ? "object" : "array") opened at \(last.start) is not closed)"
  }

  mutating func expectLiteral(_ word: String) throws(JSONError) {
    let start = position
    let w = Array(word.utf8)
    var matches = i + w.count <= b.count
    var k = 0
    while matches && k < w.count {
      matches = b[i + k] == w[k]
      k += 1
    }
    if !matches {
      throw JSONError("invalid literal; expected \(word)", at: start)
    }
    i += w.count
    column += w.count
  }

  /// A string; the cursor is at the opening quote. Control characters must be escaped,
  /// `\u` escapes must form valid scalars (surrogates only in high-low pairs).
  mutating func parseString() throws(JSONError) -> String {
    let open = position
    advance()
    var out: [UInt8] = []
    while true {
      // Fast path: a run of plain bytes.
      let runStart = i
      var scalars = 0
      while i < b.count {
        let c = b[i]
        if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { break }
        if c & 0xC0 != 0x80 { scalars += 1 }
        i += 1
      }
      if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[runStart..<i])) }
      column += scalars
      guard i < b.count else {
        throw JSONError("unexpected end of file in the string opened at \(open)", at: position)
      }
      let c = b[i]
      if c == UInt8(ascii: "\"") {
        advance()
        return String(decoding: out, as: UTF8.self)
      }
      if c < 0x20 {
        throw JSONError(
          "control character U+\(hex4(UInt32(c))) in a string must be escaped"
            + (c == 0x0A ? " (the string opened at \(open) is not closed?)" : ""),
          at: position)
      }
      // Escape.
      let escapePosition = position
      advance()
      guard i < b.count else {
        throw JSONError("unexpected end of file in the string opened at \(open)", at: position)
      }
      let e = b[i]
      advance()
      switch e {
      case UInt8(ascii: "\""): out.append(0x22)
      case UInt8(ascii: "\\"): out.append(0x5C)
      case UInt8(ascii: "/"): out.append(0x2F)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "u"):
        var code = try hex4Digits(escapePosition)
        if (0xD800...0xDBFF).contains(code) {
          guard i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
            throw JSONError(
              "lone surrogate \\u\(hex4(code)) (a high surrogate must be followed by a low one)",
              at: escapePosition)
          }
          advance()
          advance()
          let low = try hex4Digits(escapePosition)
          guard (0xDC00...0xDFFF).contains(low) else {
            throw JSONError(
              "lone surrogate \\u\(hex4(code)) (followed by \\u\(hex4(low)), not a low surrogate)",
              at: escapePosition)
          }
          code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(code) {
          throw JSONError("lone low surrogate \\u\(hex4(code))", at: escapePosition)
        }
        let scalar = Unicode.Scalar(code)!  // surrogates excluded above
        out.append(contentsOf: UTF8.encode(scalar)!)
      default:
        throw JSONError(
          "invalid escape '\\\(printable(e))' (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
          at: escapePosition)
      }
    }
  }

  mutating func hex4Digits(_ escapePosition: SourcePosition) throws(JSONError) -> UInt32 {
    var v: UInt32 = 0
    for _ in 0..<4 {
      guard i < b.count else {
        throw JSONError("unexpected end of file in a \\u escape", at: escapePosition)
      }
      let c = b[i]
      let d: UInt32
      switch c {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
      default:
        throw JSONError("a \\u escape needs 4 hex digits, found \(describeHere())", at: position)
      }
      v = v * 16 + d
      advance()
    }
    return v
  }

  /// A number by the JSON grammar
  /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, which must be finite as a Double.
  mutating func parseNumber() throws(JSONError) -> JSONValue {
    let start = position
    let first = i
    if peek(UInt8(ascii: "-")) { advance() }
    guard i < b.count, isDigit(b[i]) else {
      throw JSONError("invalid number: expected a digit, found \(describeHere())", at: position)
    }
    if b[i] == UInt8(ascii: "0") {
      advance()
      if i < b.count && isDigit(b[i]) {
        throw JSONError("invalid number: leading zeros are not allowed", at: start)
      }
    } else {
      while i < b.count && isDigit(b[i]) { advance() }
    }
    if peek(UInt8(ascii: ".")) {
      advance()
      guard i < b.count, isDigit(b[i]) else {
        throw JSONError(
          "invalid number: expected a digit after '.', found \(describeHere())", at: position)
      }
      while i < b.count && isDigit(b[i]) { advance() }
    }
    if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
      advance()
      if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { advance() }
      guard i < b.count, isDigit(b[i]) else {
        throw JSONError(
          "invalid number: expected a digit in the exponent, found \(describeHere())",
          at: position)
      }
      while i < b.count && isDigit(b[i]) { advance() }
    }
    let literal = String(decoding: UnsafeBufferPointer(rebasing: b[first..<i]), as: UTF8.self)
    guard let d = Double(literal), d.isFinite else {
      throw JSONError("\(abbreviated(literal)) is not a finite number (overflows a double)", at: start)
    }
    return JSONValue(.number(d, literal: literal), at: start)
  }

  // MARK: Cursor

  @inline(__always) func peek(_ c: UInt8) -> Bool { i < b.count && b[i] == c }

  /// Moves past one ASCII byte (never a newline: those only occur in whitespace).
  @inline(__always) mutating func advance() {
    i += 1
    column += 1
  }

  mutating func skipWhitespace() {
    while i < b.count {
      switch b[i] {
      case 0x20, 0x09, 0x0D:
        i += 1
        column += 1
      case 0x0A:
        i += 1
        line += 1
        column = 1
      default:
        return
      }
    }
  }

  /// What is at the cursor, for messages: `'x'`, `end of file`, `byte 0x00`, or the character.
  func describeHere() -> String {
    guard i < b.count else { return "end of file" }
    let c = b[i]
    if c >= 0x20 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
    if c < 0x80 {
      return "control byte \(hex(c))" + (c == 0 ? " (is this a binary file?)" : "")
    }
    // Valid UTF-8 (checked up front): decode one scalar.
    var k = i + 1
    while k < b.count && b[k] & 0xC0 == 0x80 && k < i + 4 { k += 1 }
    let s = String(decoding: UnsafeBufferPointer(rebasing: b[i..<k]), as: UTF8.self)
    return "'\(s)'"
  }
}

@inline(__always) private func isDigit(_ c: UInt8) -> Bool {
  c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")
}

private let hexDigits = Array("0123456789ABCDEF")

private func hex(_ c: UInt8) -> String {
  "0x" + String(hexDigits[Int(c >> 4)]) + String(hexDigits[Int(c & 15)])
}

private func hex4(_ v: UInt32) -> String {
  (0..<4).reversed().map { String(hexDigits[Int((v >> (4 * UInt32($0))) & 15)]) }.joined()
}

private func printable(_ c: UInt8) -> String {
  c >= 0x20 && c < 0x7F ? String(Character(Unicode.Scalar(c))) : hex(c)
}

private func abbreviated(_ s: String) -> String {
  s.count <= 40 ? s : String(s.prefix(20)) + "..." + String(s.suffix(10))
}

