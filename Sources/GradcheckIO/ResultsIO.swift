import GradcheckModel

/// Results files (`gradcheck-results/1`, docs/results-format.md): deterministic encoding, strict
/// decoding, and merging of shards.

/// A problem with a results file or a merge. `description` is `file: path: message`
/// (parts that are empty are left out).
public struct ResultsError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The file, when the error is about one ("" otherwise).
  public var file: String
  /// JSON-path style place in the file (`cases[3].checks.gradient.status`), or "".
  public var path: String
  public var message: String

  public init(file: String = "", path: String = "", message: String) {
    self.file = file
    self.path = path
    self.message = message
  }

  public var description: String {
    [file, path, message].filter { !$0.isEmpty }.joined(separator: ": ")
  }
}

// MARK: - Encoding

/// The results as a `gradcheck-results/1` file: 2-space indent, keys in the documented order,
/// the summary, every check and every eigenvalue list on one line, one `grad_y` row per
/// line, numbers in shortest round-trip form (`5.0`, `0.1`, `1e-300`), non-finite
/// numbers as `null`, ending with a newline. The same results always give the same bytes,
/// and `decodeResults(encodeResults(r), file:) == r` whenever every number is finite
/// (a non-finite optional reads back as nil, a non-finite entry of an array as NaN).
public func encodeResults(_ r: Results) -> String {
  var out = resultsHead(format: r.format, version: r.version, seed: r.seed, summary: r.summary, curves: r.curves)
  if r.cases.isEmpty {
    out += "[]"
  } else {
    out += "[\n" + r.cases.map { "    " + encodeCase($0) }.joined(separator: ",\n") + "\n  ]"
  }
  return out + resultsTail
}

/// The text of a results file before the elements of `cases`: the members `format`,
/// `version`, `seed`, `summary`, `curves` (only when there are curves) and the key
/// `"cases": ` (the layout of `encodeResults`).
func resultsHead(format: String, version: String, seed: UInt64, summary s: Summary, curves: [BehaviourCurve] = []) -> String {
  let summary = JSONWriter.inlineObject([
    ("cases", String(s.cases)), ("pass", String(s.pass)), ("warn", String(s.warn)),
    ("fail", String(s.fail)), ("skip", String(s.skip)), ("xfail", String(s.xfail)),
    ("xpass", String(s.xpass)),
  ])
  return "{\n  \"format\": \(JSONWriter.string(format)),\n  \"version\": \(JSONWriter.string(version)),\n"
    + "  \"seed\": \(seed),\n  \"summary\": \(summary),\n" + encodeCurves(curves) + "  \"cases\": "
}

/// The member `"curves": [...],` and its line break (empty without curves): one curve
/// an object, its `u`, `margin` and `dx` arrays one a line.
func encodeCurves(_ curves: [BehaviourCurve]) -> String {
  if curves.isEmpty { return "" }
  let items = curves.map { c in
    "    {\"transform\": \(JSONWriter.string(c.transform.rawValue)), \"beta\": \(JSONWriter.number(c.beta)), "
      + "\"s\": \(JSONWriter.number(c.s)),\n"
      + "     \"u\": \(JSONWriter.numbers(c.u)),\n"
      + "     \"margin\": \(JSONWriter.numbers(c.margin)),\n"
      + "     \"dx\": \(JSONWriter.numbers(c.dx))}"
  }
  return "  \"curves\": [\n" + items.joined(separator: ",\n") + "\n  ],\n"
}

/// The text of a results file after the `cases` array.
let resultsTail = "\n}\n"

/// Writes a results file case by case, holding no case in memory: each case is encoded
/// as it comes (`add`) into a `ScratchFile` next to the final path, and `finish` writes
/// the file atomically (`writeAtomically(to:_:)`) as the head with the summary counted
/// from the cases, the cases copied from the scratch file, and the tail. The bytes are
/// those of `encodeResults` for the same cases in the same order. Until `finish`
/// succeeds nothing exists at the final path; `discard` (or the process ending) frees
/// the scratch file.
public final class ResultsStreamWriter {
  /// The final path of the results file.
  public let path: String
  public let seed: UInt64
  public let version: String
  /// Counts of the cases added so far.
  public private(set) var summary = Summary()
  /// The behaviour curves written before the cases (set any time before `finish`).
  public var curves: [BehaviourCurve] = []
  private let body: ScratchFile

  /// Starts a results file for `path` (the scratch file is created in its folder).
  public init(path: String, seed: UInt64, version: String = gradcheckVersion) throws(FileError) {
    self.path = path
    self.seed = seed
    self.version = version
    body = try ScratchFile(for: path)
  }

  /// Encodes one case (the next in the file's order).
  public func add(_ c: CaseResult) throws(FileError) {
    try body.append((summary.cases == 0 ? "    " : ",\n    ") + encodeCase(c))
    summary.add(c.status)
  }

  /// Writes the whole file atomically and frees the scratch file.
  public func finish() throws(FileError) {
    defer { body.close() }
    let head = resultsHead(format: resultsFormat, version: version, seed: seed, summary: summary, curves: curves)
    let empty = summary.cases == 0
    let size = body.size
    try writeAtomically(to: path) { (out) throws(FileError) in
      try out.write(head + (empty ? "[]" : "[\n"))
      try out.copy(0..<size, of: body)
      try out.write((empty ? "" : "\n  ]") + resultsTail)
    }
  }

  /// Gives up: frees the scratch file; nothing is written.
  public func discard() { body.close() }
}

private func encodeCase(_ c: CaseResult) -> String {
  let eigenvalues =
    "[" + c.eigenvalues.map { "[\(JSONWriter.number($0.re)), \(JSONWriter.number($0.im))]" }
    .joined(separator: ", ") + "]"
  let checks = JSONWriter.object(
    c.orderedChecks.map { ($0.name.rawValue, encodeCheck($0.result)) }, indent: 6)
  var m: [(String, String)] = [
    ("id", JSONWriter.string(c.id)),
    ("source", JSONWriter.string(c.source)),
    ("index", String(c.index)),
    ("family", JSONWriter.string(c.family)),
    ("n", String(c.n)),
    ("transform", JSONWriter.string(c.transform?.rawValue)),
    ("beta", JSONWriter.number(c.beta)),
    ("spectral", JSONWriter.string(c.spectral.rawValue)),
    ("classification", JSONWriter.string(c.classification?.rawValue)),
    ("status", JSONWriter.string(c.status.rawValue)),
    ("x", JSONWriter.number(c.x)),
    ("lambda_min", JSONWriter.number(c.lambdaMin)),
    ("kappa", JSONWriter.number(c.kappa)),
    ("eigenvalues", eigenvalues),
    ("x_cond", JSONWriter.number(c.xCond)),
    ("grad_x", JSONWriter.number(c.gradX)),
    ("grad_y", c.gradY.map { JSONWriter.matrix($0, indent: 6) } ?? "null"),
    ("checks", checks),
    ("repro", JSONWriter.string(c.repro)),
  ]
  if let e = c.eigenSolves { m.append(("eigen_solves", String(e))) }
  if let d = c.dtype { m.append(("dtype", JSONWriter.string(d.rawValue))) }
  if let e = c.evaluator { m.append(("evaluator", JSONWriter.string(e))) }
  return JSONWriter.object(m, indent: 4)
}

private func encodeCheck(_ r: CheckResult) -> String {
  var m: [(String, String)] = [("status", JSONWriter.string(r.status.rawValue))]
  if let code = r.code { m.append(("code", JSONWriter.string(code))) }
  m += [
    ("value", JSONWriter.number(r.value)),
    ("tolerance", JSONWriter.number(r.tolerance)),
    ("message", JSONWriter.string(r.message)),
  ]
  if let series = r.series {
    let points = series.map { "[\(JSONWriter.number($0.step)), \(JSONWriter.number($0.error))]" }
    m.append(("series", "[" + points.joined(separator: ", ") + "]"))
  }
  return JSONWriter.inlineObject(m)
}

// MARK: - Decoding

/// Reads a `gradcheck-results/1` file strictly: every key of docs/results-format.md must be
/// present (`series` and `eigen_solves` may be omitted), unknown keys are errors, names
/// must be known, integers must be integer literals, and the summary must equal the one
/// recomputed from the cases.
/// - Throws: `ResultsError` naming `file` and the place (`cases[2].status`), with the
///   line:column of syntax errors.
public func decodeResults(_ text: String, file: String) throws(ResultsError) -> Results {
  try decodeResults(Array(text.utf8), file: file)
}

/// `decodeResults` from bytes.
public func decodeResults(
  _ bytes: [UInt8], file: String, maxBytes: Int = JSON.defaultMaxBytes
) throws(ResultsError) -> Results {
  let root: JSONValue
  do {
    root = try JSON.parse(bytes, maxBytes: maxBytes)
  } catch {
    throw ResultsError(file: file, message: error.description)
  }
  let d = ResultsDecoder(file: file)
  return try d.results(root)
}

/// Reads and decodes a results file from disk.
public func loadResults(_ path: String, maxBytes: Int = resultsMaxBytes) throws(ResultsError) -> Results {
  switch FileSystem.readBytes(path, maxBytes: maxBytes) {
  case .failure(let e): throw ResultsError(file: path, message: e.message)
  case .success(let bytes): return try decodeResults(bytes, file: path, maxBytes: maxBytes)
  }
}

/// Reads a results file case by case (`next`), holding one case at a time: the file is
/// mapped, not read into memory (`InputBytes`), and its `cases` are parsed one element at a
/// time (`JSONStreamReader`). The format, version, seed and stated summary are read first
/// (`init`), when they come before the cases as in every file gradcheck writes; otherwise
/// the file is decoded whole (`loadResults`) and its cases handed out from memory.
///
/// The checks are those of `loadResults`, and so is the error a bad file gives: when
/// reading stops at a problem, the file is decoded whole to name the problem exactly as
/// `loadResults` does (which, for a file whose first problem lies after some cases, may be
/// an earlier problem of another kind, such as a syntax error at the end). Cases handed out
/// before an error are not known to be valid: a caller that writes them must drop what it
/// wrote when `next` throws.
public final class ResultsReader {
  public let path: String
  public let version: String
  public let seed: UInt64
  /// The file's behaviour curves (empty when it has none), read with the header.
  public private(set) var curves: [BehaviourCurve] = []
  /// Counts of the cases read so far (after the last one: the file's summary).
  public private(set) var summary = Summary()

  private let maxBytes: Int
  private let input: InputBytes
  private var stream: JSONStreamReader
  private var header: ResultsDecoder.Header?
  /// The cases of a file decoded whole, and the next one to hand out.
  private var whole: [CaseResult] = []
  private var nextWhole = 0
  /// The first element, read by `init` to find the header.
  private var first: JSONValue?
  private var count = 0
  private var done = false

  /// Opens `path` and reads up to its first case.
  public init(path: String, maxBytes: Int = resultsMaxBytes) throws(ResultsError) {
    self.path = path
    self.maxBytes = maxBytes
    do {
      input = try InputBytes(path, maxBytes: maxBytes)
    } catch {
      throw ResultsError(file: path, message: error.message)
    }
    stream = JSONStreamReader(input.buffer, key: "cases")
    let d = ResultsDecoder(file: path)
    var found: (version: String, seed: UInt64, curves: [BehaviourCurve])?
    do {
      let input = self.input
      try stream.begin(release: { input.release(upTo: $0) })
      input.restart()  // the UTF-8 pass is over: the parse reads the pages again
      switch try stream.next() {
      case .element(let v):
        first = v
        if let (members, start) = stream.rootMembers {
          let known = Set(members.map(\.key))
          if ["format", "version", "seed", "summary"].allSatisfy(known.contains) {
            let h = try d.header(JSONValue(.object(members), at: start))
            header = h
            found = (h.version, h.seed, h.curves)
          }
        }
      case .done(let root):
        // No streamed element: the file is small, or its cases are not an array.
        let r = try d.results(root)
        found = (r.version, r.seed, r.curves)
        whole = r.cases
        done = true
      }
    } catch {
      throw Self.diagnose(error, path, input, maxBytes)
    }
    if let found {
      version = found.version
      seed = found.seed
      curves = found.curves
    } else {
      // The header follows the cases: decode the file whole.
      let r = try Self.decodeWhole(path, input, maxBytes)
      version = r.version
      seed = r.seed
      curves = r.curves
      whole = r.cases
      first = nil
      done = true
    }
  }

  /// The next case, or nil after the last one (when the whole file has been checked).
  public func next() throws(ResultsError) -> CaseResult? {
    if done {
      guard nextWhole < whole.count else { return nil }
      defer { nextWhole += 1 }
      summary.add(whole[nextWhole].status)
      return whole[nextWhole]
    }
    let d = ResultsDecoder(file: path)
    do {
      let value: JSONValue
      if let v = first {
        first = nil
        value = v
      } else {
        switch try stream.next() {
        case .element(let v): value = v
        case .done(let root):
          done = true
          whole = []
          // Members after the cases, and the stated summary against the cases.
          _ = try d.object(root, "", known: ResultsDecoder.topKeys)
          try d.checkSummary(header!, summary)
          return nil
        }
      }
      let c = try d.caseResult(value, "cases[\(count)]")
      count += 1
      summary.add(c.status)
      input.release(upTo: stream.offset)
      return c
    } catch {
      throw Self.diagnose(error, path, input, maxBytes)
    }
  }

  private static func decodeWhole(_ path: String, _ input: InputBytes, _ maxBytes: Int) throws(ResultsError) -> Results {
    try decodeResults(Array(input.buffer), file: path, maxBytes: maxBytes)
  }

  /// The error to report for `error`, met while streaming the file: for a JSON or results
  /// error, the one `loadResults` gives for the whole file (the same error first met, or
  /// its own should it find none); anything else as it is.
  private static func diagnose(_ error: any Error, _ path: String, _ input: InputBytes, _ maxBytes: Int) -> ResultsError {
    switch error {
    case let e as JSONError:
      return diagnose(path, input, maxBytes, fallback: ResultsError(file: path, message: e.description))
    case let e as ResultsError:
      return diagnose(path, input, maxBytes, fallback: e)
    default:
      return ResultsError(file: path, message: "\(error)")
    }
  }

  /// The error `loadResults` gives for the file (`fallback` should it find none).
  private static func diagnose(_ path: String, _ input: InputBytes, _ maxBytes: Int, fallback: ResultsError) -> ResultsError {
    do {
      _ = try decodeWhole(path, input, maxBytes)
      return fallback
    } catch {
      return error
    }
  }
}

private struct ResultsDecoder {
  let file: String

  func fail(_ path: String, _ message: String, _ v: JSONValue? = nil, at: SourcePosition? = nil) -> ResultsError {
    let at = (at ?? v?.position).map { " (at \($0))" } ?? ""
    return ResultsError(file: file, path: path, message: message + at)
  }

  /// An object's members, with unknown keys rejected.
  func object(_ v: JSONValue, _ path: @autoclosure () -> String, known: [String]) throws(ResultsError) -> JSONValue {
    guard let members = v.members else {
      throw fail(path(), "expected an object, found \(v.typeName)", v)
    }
    // Files written by gradcheck have the keys in `known` order: try the key at the
    // member's own place first.
    for (k, m) in members.enumerated() where !(k < known.count && known[k] == m.key) && !known.contains(m.key) {
      throw fail(sub(path(), m.key), "unknown key \(quoted(m.key))", at: m.keyPosition)
    }
    return v
  }

  func field(
    _ o: JSONValue, _ path: @autoclosure () -> String, _ key: String, hint: Int = -1
  ) throws(ResultsError) -> JSONValue {
    guard let v = member(o, key, hint: hint) else { throw fail(sub(path(), key), "missing required key", o) }
    return v
  }

  /// `o[key]`, looking at the member at index `hint` first. Keys of an object are unique
  /// (a duplicate is a parse error), so this is the member `o[key]` finds.
  func member(_ o: JSONValue, _ key: String, hint: Int) -> JSONValue? {
    if case .object(let members) = o.kind, hint >= 0, hint < members.count, members[hint].key == key {
      return members[hint].value
    }
    return o[key]
  }

  func string(_ v: JSONValue, _ path: @autoclosure () -> String) throws(ResultsError) -> String {
    guard let s = v.string else { throw fail(path(), "expected a string, found \(v.typeName)", v) }
    return s
  }

  func optionalString(_ v: JSONValue, _ path: @autoclosure () -> String) throws(ResultsError) -> String? {
    v.isNull ? nil : try string(v, path())
  }

  /// A number; `null` (how non-finite values are written) reads as NaN.
  func number(_ v: JSONValue, _ path: @autoclosure () -> String) throws(ResultsError) -> Double {
    if v.isNull { return .nan }
    guard let d = v.double else { throw fail(path(), "expected a number, found \(v.typeName)", v) }
    return d
  }

  func optionalNumber(_ v: JSONValue, _ path: @autoclosure () -> String) throws(ResultsError) -> Double? {
    v.isNull ? nil : try number(v, path())
  }

  func integer<I: FixedWidthInteger>(_ v: JSONValue, _ path: @autoclosure () -> String, _: I.Type) throws(ResultsError) -> I {
    guard let literal = v.numberLiteral, let i = I(literal) else {
      throw fail(path(), "expected an integer in \(I.min)...\(I.max), found \(v.numberLiteral ?? v.typeName)", v)
    }
    return i
  }

  func name<E: RawRepresentable & CaseIterable>(_ v: JSONValue, _ path: @autoclosure () -> String, _: E.Type) throws(ResultsError) -> E
  where E.RawValue == String {
    let s = try string(v, path())
    guard let e = E(rawValue: s) else {
      throw fail(path(), "unknown name \(quoted(s)); known: " + E.allCases.map(\.rawValue).joined(separator: ", "), v)
    }
    return e
  }

  func optionalName<E: RawRepresentable & CaseIterable>(_ v: JSONValue, _ path: @autoclosure () -> String, _ t: E.Type) throws(ResultsError) -> E?
  where E.RawValue == String {
    v.isNull ? nil : try name(v, path(), t)
  }

  func array(_ v: JSONValue, _ path: @autoclosure () -> String) throws(ResultsError) -> [JSONValue] {
    guard let a = v.array else { throw fail(path(), "expected an array, found \(v.typeName)", v) }
    return a
  }

  /// `[[a, b], ...]` pairs of numbers.
  func pairs(_ v: JSONValue, _ path: @autoclosure () -> String) throws(ResultsError) -> [(Double, Double)] {
    var out: [(Double, Double)] = []
    for (k, item) in try array(v, path()).enumerated() {
      let p = try array(item, "\(path())[\(k)]")
      guard p.count == 2 else { throw fail("\(path())[\(k)]", "expected 2 numbers, found \(p.count)", item) }
      out.append((try number(p[0], "\(path())[\(k)][0]"), try number(p[1], "\(path())[\(k)][1]")))
    }
    return out
  }

  /// The members of a results file besides its cases.
  struct Header {
    var version: String
    var seed: UInt64
    var stated: [String: Int]
    var summaryValue: JSONValue
    var curves: [BehaviourCurve]
  }

  static let topKeys = ["format", "version", "seed", "summary", "curves", "cases"]
  static let curveKeys = ["transform", "beta", "s", "u", "margin", "dx"]
  static let summaryKeys = ["cases", "pass", "warn", "fail", "skip", "xfail", "xpass"]
  static let caseKeys = [
    "id", "source", "index", "family", "n", "transform", "beta", "spectral", "classification",
    "status", "x", "lambda_min", "kappa", "eigenvalues", "x_cond", "grad_x", "grad_y", "checks",
    "repro", "eigen_solves", "dtype", "evaluator",
  ]
  static let checkNames = CheckName.allCases.map(\.rawValue)
  static let checkKeys = ["status", "code", "value", "tolerance", "message", "series"]

  func results(_ root: JSONValue) throws(ResultsError) -> Results {
    let h = try header(root)
    let top = root
    var cases: [CaseResult] = []
    for (k, item) in try array(try field(top, "", "cases"), "cases").enumerated() {
      cases.append(try caseResult(item, "cases[\(k)]"))
    }
    let r = Results(seed: h.seed, cases: cases, version: h.version, curves: h.curves)
    try checkSummary(h, r.summary)
    return r
  }

  /// Checks the top-level keys, and reads the format, version, seed and summary.
  func header(_ root: JSONValue) throws(ResultsError) -> Header {
    let top = try object(root, "", known: Self.topKeys)
    let format = try string(try field(top, "", "format"), "format")
    guard format == resultsFormat else {
      throw fail("format", "expected \(quoted(resultsFormat)), found \(quoted(format))")
    }
    let version = try string(try field(top, "", "version"), "version")
    let seed = try integer(try field(top, "", "seed"), "seed", UInt64.self)
    let summaryKeys = Self.summaryKeys
    let summaryValue = try object(try field(top, "", "summary"), "summary", known: summaryKeys)
    var stated: [String: Int] = [:]
    for k in summaryKeys {
      stated[k] = try integer(try field(summaryValue, "summary", k), "summary.\(k)", Int.self)
    }
    var curves: [BehaviourCurve] = []
    if let v = member(top, "curves", hint: 4), !v.isNull {
      for (k, item) in try array(v, "curves").enumerated() { curves.append(try curve(item, "curves[\(k)]")) }
    }
    return Header(version: version, seed: seed, stated: stated, summaryValue: summaryValue, curves: curves)
  }

  /// One behaviour curve: `u`, `margin` and `dx` of one length (null entries read as NaN).
  func curve(_ v: JSONValue, _ p: String) throws(ResultsError) -> BehaviourCurve {
    let o = try object(v, p, known: Self.curveKeys)
    func numbers(_ key: String, _ hint: Int) throws(ResultsError) -> [Double] {
      var out: [Double] = []
      for (k, e) in try array(try field(o, p, key, hint: hint), sub(p, key)).enumerated() {
        out.append(e.isNull ? .nan : try number(e, "\(sub(p, key))[\(k)]"))
      }
      return out
    }
    let u = try numbers("u", 3), margin = try numbers("margin", 4), dx = try numbers("dx", 5)
    guard margin.count == u.count, dx.count == u.count else {
      throw fail(p, "u, margin and dx must have one length, found \(u.count), \(margin.count), \(dx.count)", v)
    }
    return BehaviourCurve(
      transform: try name(try field(o, p, "transform", hint: 0), sub(p, "transform"), TransformKind.self),
      beta: try number(try field(o, p, "beta", hint: 1), sub(p, "beta")),
      s: try number(try field(o, p, "s", hint: 2), sub(p, "s")),
      u: u, margin: margin, dx: dx)
  }

  /// The summary a file states must be the one its cases give.
  func checkSummary(_ h: Header, _ s: Summary) throws(ResultsError) {
    let summaryKeys = Self.summaryKeys, stated = h.stated, summaryValue = h.summaryValue
    let computed = [
      "cases": s.cases, "pass": s.pass, "warn": s.warn, "fail": s.fail, "skip": s.skip,
      "xfail": s.xfail, "xpass": s.xpass,
    ]
    for k in summaryKeys where stated[k] != computed[k] {
      throw fail(
        "summary.\(k)",
        "the file says \(stated[k]!) but its cases give \(computed[k]!)", summaryValue)
    }
  }

  func caseResult(_ v: JSONValue, _ p: String) throws(ResultsError) -> CaseResult {
    let o = try object(v, p, known: Self.caseKeys)
    // Keys are looked up at their place in `caseKeys` first (where gradcheck writes them).
    func f(_ key: String, _ hint: Int) throws(ResultsError) -> JSONValue { try field(o, p, key, hint: hint) }
    let gradYValue = try f("grad_y", 16)
    var gradY: [[Double]]?
    if !gradYValue.isNull {
      var rows: [[Double]] = []
      for (r, row) in try array(gradYValue, sub(p, "grad_y")).enumerated() {
        var values: [Double] = []
        for (c, e) in try array(row, "\(sub(p, "grad_y"))[\(r)]").enumerated() {
          values.append(try number(e, "\(sub(p, "grad_y"))[\(r)][\(c)]"))
        }
        rows.append(values)
      }
      gradY = rows
    }
    let checksValue = try object(try f("checks", 17), sub(p, "checks"), known: Self.checkNames)
    var checks: [CheckName: CheckResult] = [:]
    for m in checksValue.members ?? [] {
      checks[CheckName(rawValue: m.key)!] = try check(m.value, sub(sub(p, "checks"), m.key))
    }
    var eigenSolves: Int?
    if let e = member(o, "eigen_solves", hint: 19), !e.isNull { eigenSolves = try integer(e, sub(p, "eigen_solves"), Int.self) }
    var dtype: DType?
    if let d = member(o, "dtype", hint: 20), !d.isNull { dtype = try name(d, sub(p, "dtype"), DType.self) }
    var evaluator: String?
    if let e = member(o, "evaluator", hint: 21) { evaluator = try optionalString(e, sub(p, "evaluator")) }
    return CaseResult(
      id: try string(try f("id", 0), sub(p, "id")),
      source: try optionalString(try f("source", 1), sub(p, "source")),
      index: try integer(try f("index", 2), sub(p, "index"), Int.self),
      family: try optionalString(try f("family", 3), sub(p, "family")),
      n: try integer(try f("n", 4), sub(p, "n"), Int.self),
      transform: try optionalName(try f("transform", 5), sub(p, "transform"), TransformKind.self),
      beta: try optionalNumber(try f("beta", 6), sub(p, "beta")),
      spectral: try name(try f("spectral", 7), sub(p, "spectral"), SpectralKind.self),
      classification: try optionalName(try f("classification", 8), sub(p, "classification"), Classification.self),
      status: try name(try f("status", 9), sub(p, "status"), Status.self),
      x: try optionalNumber(try f("x", 10), sub(p, "x")),
      lambdaMin: try optionalNumber(try f("lambda_min", 11), sub(p, "lambda_min")),
      kappa: try optionalNumber(try f("kappa", 12), sub(p, "kappa")),
      eigenvalues: try pairs(try f("eigenvalues", 13), sub(p, "eigenvalues")).map { ComplexPair($0.0, $0.1) },
      xCond: try optionalNumber(try f("x_cond", 14), sub(p, "x_cond")),
      gradX: try optionalNumber(try f("grad_x", 15), sub(p, "grad_x")),
      gradY: gradY,
      checks: checks,
      repro: try string(try f("repro", 18), sub(p, "repro")),
      eigenSolves: eigenSolves, dtype: dtype, evaluator: evaluator)
  }

  func check(_ v: JSONValue, _ p: String) throws(ResultsError) -> CheckResult {
    let o = try object(v, p, known: Self.checkKeys)
    var series: [SeriesPoint]?
    if let s = member(o, "series", hint: 5), !s.isNull {
      series = try pairs(s, sub(p, "series")).map { SeriesPoint(step: $0.0, error: $0.1) }
    }
    // Files written before reason codes have none.
    var code: String?
    if let c = member(o, "code", hint: 1), !c.isNull { code = try string(c, sub(p, "code")) }
    var result = CheckResult(
      status: try name(try field(o, p, "status", hint: 0), sub(p, "status"), Status.self),
      value: try optionalNumber(try field(o, p, "value", hint: 2), sub(p, "value")),
      tolerance: try optionalNumber(try field(o, p, "tolerance", hint: 3), sub(p, "tolerance")),
      message: try string(try field(o, p, "message", hint: 4), sub(p, "message")),
      series: series)
    result.code = code
    return result
  }
}

private func sub(_ path: String, _ key: String) -> String {
  path.isEmpty ? key : path + "." + key
}

// MARK: - Merging

/// Merges results files (shards of one run): every part must have the same seed and
/// version, case ids must be unique across parts (a duplicate is an error naming it),
/// and the cases are sorted with `CaseResult.canonicalOrder`, the summary recomputed.
/// Merging the shards of a sweep gives the bytes of the unsharded run. `names` (for
/// example the files the parts were read from) name the parts in errors; without them
/// parts are numbered from 1.
public func mergeResults(_ parts: [Results], names: [String]? = nil) throws(ResultsError) -> Results {
  try checkMergeable(parts.map { MergePart(format: $0.format, version: $0.version, seed: $0.seed, ids: $0.cases.map(\.id)) }, names: names)
  var cases = parts.flatMap(\.cases)
  cases.sort(by: CaseResult.canonicalOrder)
  return Results(
    seed: parts[0].seed, cases: cases, version: parts[0].version,
    curves: BehaviourCurve.union(parts.map(\.curves)))
}

/// What `checkMergeable` needs of a part: its header and its case ids in file order.
public struct MergePart: Sendable, Equatable {
  public var format: String
  public var version: String
  public var seed: UInt64
  public var ids: [String]

  public init(format: String, version: String, seed: UInt64, ids: [String]) {
    self.format = format
    self.version = version
    self.seed = seed
    self.ids = ids
  }
}

/// The checks of `mergeResults`: at least one part, every part with the format, seed and
/// version of the first, and no case id twice (the first duplicate in part order, then
/// file order, is named).
public func checkMergeable(_ parts: [MergePart], names: [String]? = nil) throws(ResultsError) {
  guard let first = parts.first else { throw ResultsError(message: "nothing to merge: no results given") }
  func part(_ k: Int) -> String {
    if let names, k < names.count { return names[k] }
    return "part \(k + 1)"
  }
  var owner: [String: Int] = [:]
  for (k, p) in parts.enumerated() {
    if p.format != first.format {
      throw ResultsError(message: "\(part(k)) has format \(quoted(p.format)), \(part(0)) has \(quoted(first.format))")
    }
    if p.seed != first.seed {
      throw ResultsError(message: "\(part(k)) has seed \(p.seed), \(part(0)) has seed \(first.seed); only shards of one run can be merged")
    }
    if p.version != first.version {
      throw ResultsError(message: "\(part(k)) has version \(quoted(p.version)), \(part(0)) has \(quoted(first.version))")
    }
    for id in p.ids {
      if let other = owner[id] {
        let where_ = other == k ? "twice in \(part(k))" : "in \(part(other)) and \(part(k))"
        throw ResultsError(message: "duplicate case id \(quoted(id)) \(where_); were the same shards merged twice?")
      }
      owner[id] = k
    }
  }
}

/// Largest results file read back (results are our own output: a 100000-case
/// sweep writes a few hundred MB at most).
public let resultsMaxBytes = 1 << 30
