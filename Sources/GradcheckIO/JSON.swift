/// A strict JSON reader of our own (RFC 8259), built for hostile input.
///
/// `JSONSerialization` and `JSONDecoder` lose source positions and can crash on deep
/// nesting; this parser never recurses (an explicit stack bounded by `maxDepth`), runs in
/// time linear in the input, and names the line and column of every error
/// (`"3:17: expected ',' or ']', found '}'"`). Every value carries its position.
///
/// Accepted input: UTF-8, with or without a byte order mark. Rejected with a clear
/// message: empty input, UTF-16/UTF-32 (detected by their BOM or by the NUL pattern of
/// ASCII text), invalid UTF-8, control bytes outside strings, input over `maxBytes`,
/// nesting over `maxDepth`, duplicate object keys, numbers outside the JSON grammar, and
/// numbers that overflow `Double` ("not a finite number").

/// A 1-based line and column in a source text. Columns count Unicode scalars.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var line: Int
  public var column: Int

  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  /// `line:column`, as in `3:17`.
  public var description: String { "\(line):\(column)" }

  public static func < (a: SourcePosition, b: SourcePosition) -> Bool {
    (a.line, a.column) < (b.line, b.column)
  }
}

/// One member of a JSON object, in file order.
public struct JSONMember: Sendable, Equatable {
  public var key: String
  /// Position of the key's opening quote.
  public var keyPosition: SourcePosition
  public var value: JSONValue

  public init(key: String, keyPosition: SourcePosition, value: JSONValue) {
    self.key = key
    self.keyPosition = keyPosition
    self.value = value
  }
}

/// A parsed JSON value with the position where it starts.
public struct JSONValue: Sendable, Equatable {
  /// The value itself. Objects keep their members in file order (keys are unique:
  /// a duplicate key is a parse error). Numbers keep their literal text, so integers
  /// beyond 2^53 (seeds) can be read exactly.
  public enum Kind: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double, literal: String)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])
  }

  public var kind: Kind
  public var position: SourcePosition

  public init(_ kind: Kind, at position: SourcePosition) {
    self.kind = kind
    self.position = position
  }

  /// The JSON type name used in messages: `null`, `boolean`, `number`, `string`,
  /// `array`, `object`.
  public var typeName: String {
    switch kind {
    case .null: "null"
    case .bool: "boolean"
    case .number: "number"
    case .string: "string"
    case .array: "array"
    case .object: "object"
    }
  }

  /// The number, if this is a number.
  public var double: Double? {
    if case .number(let d, _) = kind { return d }
    return nil
  }

  /// The literal text of a number, if this is a number.
  public var numberLiteral: String? {
    if case .number(_, let literal) = kind { return literal }
    return nil
  }

  /// The string, if this is a string.
  public var string: String? {
    if case .string(let s) = kind { return s }
    return nil
  }

  /// The elements, if this is an array.
  public var array: [JSONValue]? {
    if case .array(let a) = kind { return a }
    return nil
  }

  /// The members in file order, if this is an object.
  public var members: [JSONMember]? {
    if case .object(let m) = kind { return m }
    return nil
  }

  /// Whether this is `null`.
  public var isNull: Bool {
    if case .null = kind { return true }
    return false
  }

  /// The value of `key` if this is an object holding it (linear search; objects here are small).
  public subscript(key: String) -> JSONValue? {
    members?.first(where: { $0.key == key })?.value
  }
}

/// A JSON syntax or encoding error. `description` is `line:column: message`, or just
/// the message for whole-file problems (empty file, wrong encoding, too large).
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
  public var position: SourcePosition?
  public var message: String

  public init(_ message: String, at position: SourcePosition? = nil) {
    self.message = message
    self.position = position
  }

  public var description: String {
    position.map { "\($0): \(message)" } ?? message
  }
}

/// Entry points of the strict JSON reader.
public enum JSON {
  /// Default nesting limit (arrays and objects inside each other).
  public static let defaultMaxDepth = 256
  /// Default size limit in bytes (64 MiB).
  public static let defaultMaxBytes = 64 << 20

  /// Parses one JSON text from UTF-8 bytes (a leading UTF-8 BOM is skipped).
  /// - Throws: `JSONError` naming the line and column of the first problem.
  public static func parse(
    _ bytes: [UInt8], maxDepth: Int = defaultMaxDepth, maxBytes: Int = defaultMaxBytes
  ) throws(JSONError) -> JSONValue {
    if bytes.count > maxBytes {
      throw JSONError("file is \(bytes.count) bytes, over the limit of \(maxBytes) bytes")
    }
    return try bytes.withUnsafeBufferPointer { (buffer) throws(JSONError) -> JSONValue in
      var parser = Parser(buffer, maxDepth: maxDepth)
      return try parser.parseDocument()
    }
  }

  /// Parses one JSON text from a string.
  public static func parse(
    _ text: String, maxDepth: Int = defaultMaxDepth, maxBytes: Int = defaultMaxBytes
  ) throws(JSONError) -> JSONValue {
    try parse(Array(text.utf8), maxDepth: maxDepth, maxBytes: maxBytes)
  }

  /// The double nearest to a number literal of the JSON grammar, computed exactly when
  /// that is cheap, else nil (then `Double(String)`, which rounds correctly, is used).
  ///
  /// Clinger's fast path: the literal is `±w × 10^q` with integer digits `w` and
  /// exponent `q`; when `w <= 2^53` and `|q| <= 22`, both `w` and `10^|q|` are doubles
  /// exactly, so the one IEEE multiplication `w * 10^q` (or division `w / 10^-q`) is the
  /// correctly rounded value of `w × 10^q`, the value `Double(String)` gives. The sign is
  /// applied last (`-0` is `-0.0`).
  static func exactDouble(_ literal: UnsafeBufferPointer<UInt8>) -> Double? {
    var k = 0
    let n = literal.count
    let negative = n > 0 && literal[0] == UInt8(ascii: "-")
    if negative { k = 1 }
    var w: UInt64 = 0
    var scale = 0  // digits after the point
    var afterPoint = false
    while k < n {
      let c = literal[k]
      if c == UInt8(ascii: ".") {
        afterPoint = true
      } else if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
        if w > (1 << 53) { return nil }  // too many digits for the fast path
        w = w * 10 + UInt64(c - UInt8(ascii: "0"))
        if afterPoint { scale += 1 }
      } else {
        break  // 'e' or 'E'
      }
      k += 1
    }
    var exponent = 0
    if k < n {
      k += 1  // 'e'
      var exponentNegative = false
      if literal[k] == UInt8(ascii: "-") || literal[k] == UInt8(ascii: "+") {
        exponentNegative = literal[k] == UInt8(ascii: "-")
        k += 1
      }
      while k < n {
        if exponent > 1000 { return nil }
        exponent = exponent * 10 + Int(literal[k] - UInt8(ascii: "0"))
        k += 1
      }
      if exponentNegative { exponent = -exponent }
    }
    let q = exponent - scale
    guard w <= (1 << 53), q >= -22, q <= 22 else { return nil }
    let m = Double(w)
    let d = q >= 0 ? m * exactPowersOfTen[q] : m / exactPowersOfTen[-q]
    return negative ? -d : d
  }

  /// `10^k` for k = 0...22, each exactly a double.
  static let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
  ]

  /// The name of a wide Unicode encoding the bytes are in ("UTF-16" or "UTF-32"),
  /// detected by a byte order mark or, as RFC 4627 section 3 suggests, by the pattern of
  /// NUL bytes that ASCII text has in those encodings; nil otherwise.
  static func wideEncoding(_ b: UnsafeBufferPointer<UInt8>) -> String? {
    let n = b.count
    if n >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF { return "UTF-32" }
    if n >= 4 && b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0 { return "UTF-32" }
    if n >= 2 && ((b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE)) {
      return "UTF-16"
    }
    if n >= 4 {
      if b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] != 0 { return "UTF-32" }
      if b[0] != 0 && b[1] == 0 && b[2] == 0 && b[3] == 0 { return "UTF-32" }
      if b[0] == 0 && b[1] != 0 && b[2] == 0 && b[3] != 0 { return "UTF-16" }
      if b[0] != 0 && b[1] == 0 && b[2] != 0 && b[3] == 0 { return "UTF-16" }
    } else if n >= 2 {
      if (b[0] == 0) != (b[1] == 0) { return "UTF-16" }
    }
    return nil
  }
}

/// The parser state: a cursor over the bytes, the current line and column, and an
/// explicit stack of open containers (no recursion, so no stack overflow).
private struct Parser {
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
    /// The keys of `members`, kept only once the object has more than
    /// `Parser.linearKeys` members (smaller objects are searched linearly).
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
    let n = b.count
    var nextRelease = j + Parser.releaseStride
    while j < n {
      if j >= nextRelease {
        release?(j)
        nextRelease = j + Parser.releaseStride
      }
      // A run of ASCII bytes, 8 at a time, up to the next release point.
      let limit = min(n, nextRelease)
      if let base = b.baseAddress {
        while j + 8 <= limit {
          let word = UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self)
          if word & 0x8080_8080_8080_8080 != 0 { break }
          j += 8
        }
      }
      while j < limit && b[j] < 0x80 { j += 1 }
      if j >= limit { continue }
      let c = b[j]
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
          at: positionOfValidPrefix(upTo: j))
      }
      j += len
    }
  }

  /// The line and column of offset `end`, counted from the cursor over bytes that are
  /// valid UTF-8 (a newline starts a line, every other scalar is one column).
  func positionOfValidPrefix(upTo end: Int) -> SourcePosition {
    var ln = line
    var col = column
    var j = i
    while j < end {
      let c = b[j]
      if c == 0x0A {
        ln += 1
        col = 1
      } else {
        col += 1
      }
      j += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4
    }
    return SourcePosition(line: ln, column: col)
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
                Frame(isObject: true, start: start, key: key, keyPosition: keyPosition))
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
            if Parser.isDuplicate(next, in: &state.stack[top]) {
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

  /// Members an object may have before its keys are also kept in a set.
  static let linearKeys = 16

  /// Whether `key` is already a key of the object `frame` (whose members hold every key
  /// read so far); records it. Small objects are searched linearly, larger ones in a set.
  static func isDuplicate(_ key: String, in frame: inout Frame) -> Bool {
    let count = frame.members.count
    if count <= linearKeys {
      for m in frame.members where m.key == key { return true }
      if count == linearKeys {
        frame.keys.reserveCapacity(2 * linearKeys)
        for m in frame.members { frame.keys.insert(m.key) }
        frame.keys.insert(key)
      }
      return false
    }
    return !frame.keys.insert(key).inserted
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
      column += scalars
      guard i < b.count else {
        throw JSONError("unexpected end of file in the string opened at \(open)", at: position)
      }
      let c = b[i]
      if c == UInt8(ascii: "\"") && out.isEmpty {
        // No escape in the string (escapes always add bytes to `out`): the run is the string.
        let s = String(decoding: UnsafeBufferPointer(rebasing: b[runStart..<i]), as: UTF8.self)
        advance()
        return s
      }
      if i > runStart { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[runStart..<i])) }
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
    let bytes = UnsafeBufferPointer(rebasing: b[first..<i])
    let literal = String(decoding: bytes, as: UTF8.self)
    guard let d = JSON.exactDouble(bytes) ?? Double(literal), d.isFinite else {
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

/// A JSON document read in steps: the elements of one array, the value of a member of
/// the root object (`key`), are handed over one by one (`next`) instead of being kept, so
/// the memory for the document is that of one element and of the rest of the document.
/// Everything is checked as `JSON.parse` checks it, in the same order, with the same errors
/// and places; `next` returns `.done` with the whole value (the streamed array empty) once
/// the document has been read to its end.
struct JSONStreamReader {
  private var parser: Parser
  private var state: Parser.StreamState

  /// A reader of `buffer`, which must stay valid while the reader is used.
  init(_ buffer: UnsafeBufferPointer<UInt8>, key: String, maxDepth: Int = JSON.defaultMaxDepth) {
    parser = Parser(buffer, maxDepth: maxDepth)
    state = Parser.StreamState(key: key)
  }

  /// The checks before the value (see `JSON.parse`); `release` is called now and then
  /// with the offset of the bytes checked so far.
  mutating func begin(release: ((Int) -> Void)? = nil) throws(JSONError) {
    try parser.begin(release: release)
  }

  enum Step {
    case element(JSONValue)
    case done(JSONValue)
  }

  /// The next element of the streamed array, or the whole value at the end (after which
  /// nothing but whitespace may follow).
  mutating func next() throws(JSONError) -> Step {
    switch try parser.step(&state) {
    case .element(let v): return .element(v)
    case .done(let v):
      try parser.end()
      return .done(v)
    }
  }

  /// Bytes read so far.
  var offset: Int { parser.i }

  /// The members of the root object read so far, with its position, while the reader is
  /// inside the streamed array (nil otherwise).
  var rootMembers: (members: [JSONMember], start: SourcePosition)? {
    guard state.stack.count >= 2, state.stack[0].isObject, state.stack[0].key == state.key else { return nil }
    return (state.stack[0].members, state.stack[0].start)
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

/// A string in double quotes with JSON escapes, for messages.
func quoted(_ s: String) -> String {
  var out = "\""
  out += JSONWriter.escaped(s.count <= 60 ? s : String(s.prefix(57)) + "...")
  out += "\""
  return out
}
