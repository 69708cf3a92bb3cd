import GradcheckModel

/// Fixture files (`gradcheck-fixture/1`, docs/fixture-format.md): the model, the validating
/// reader that lists every problem of every file, and the encoder used by
/// `gradcheck generate`.

/// The format tag of fixture files.
public let fixtureFormat = "gradcheck-fixture/1"

/// One validated fixture file.
public struct Fixture: Sendable, Equatable {
  /// The path as given (relative paths stay relative).
  public var path: String
  /// `name` from the file, or the file stem.
  public var name: String
  public var description: String?
  /// The learnable parameter, B values.
  public var x: [Double]
  /// B square N x N matrices.
  public var y: [[[Double]]]
  /// Matrix size N (>= 1).
  public var n: Int
  /// Batch count B (>= 1), `x.count == y.count`.
  public var batchCount: Int
  /// Transforms named by the file (`all` expanded, duplicates dropped); nil when absent.
  public var transforms: [TransformKind]?
  /// Betas named by the file; nil when absent.
  public var betas: [Double]?
  public var spectral: SpectralKind?
  /// Precision of the `expect` values (default `float64`).
  public var dtype: DType
  public var expect: ExpectedValues
  public var outcomes: [Outcome]

  /// A fixture from values; `n` and `batchCount` are taken from `y`. `name` defaults to
  /// the file stem of `path`. The values must satisfy the rules of `loadFixtures`
  /// (`encodeFixture` writes what it is given).
  public init(
    path: String, name: String? = nil, description: String? = nil, x: [Double],
    y: [[[Double]]], transforms: [TransformKind]? = nil, betas: [Double]? = nil,
    spectral: SpectralKind? = nil, dtype: DType = .float64,
    expect: ExpectedValues = ExpectedValues(), outcomes: [Outcome] = []
  ) {
    self.path = path
    self.name = name ?? fileStem(path)
    self.description = description
    self.x = x
    self.y = y
    self.n = y.first?.count ?? 0
    self.batchCount = y.count
    self.transforms = transforms
    self.betas = betas
    self.spectral = spectral
    self.dtype = dtype
    self.expect = expect
    self.outcomes = outcomes
  }
}

/// One problem in one input file. `description` is
/// `fixtures/a.json: y[1][2]: expected 3 numbers, found 2`, or without the path part for
/// whole-file problems and syntax errors (`fixtures/a.json: 3:17: expected ',' or ']'`).
public struct FixtureProblem: Sendable, Equatable, CustomStringConvertible {
  /// The file as given.
  public var file: String
  /// JSON-path style place (`y[1][2]`, `expect.grad_y[0]`, `outcomes[2].check`); empty
  /// for problems of the whole file (syntax, encoding, unreadable).
  public var path: String
  public var message: String
  /// Where in the file the problem is, when known (not part of `description`).
  public var position: SourcePosition?

  public init(file: String, path: String, message: String, position: SourcePosition? = nil) {
    self.file = file
    self.path = path
    self.message = message
    self.position = position
  }

  public var description: String {
    path.isEmpty ? "\(file): \(message)" : "\(file): \(path): \(message)"
  }
}

/// All problems found in a set of fixture files, in file order.
public struct FixtureErrors: Error, Sendable, Equatable, CustomStringConvertible {
  public var problems: [FixtureProblem]

  public init(_ problems: [FixtureProblem]) {
    self.problems = problems
  }

  /// One problem per line.
  public var description: String {
    problems.map(\.description).joined(separator: "\n")
  }
}

// MARK: - Loading

/// Loads and validates fixture files. Folders are searched recursively for `*.json`
/// (hidden entries skipped, each folder's files sorted by path); a file given
/// explicitly is read whatever its extension. Every file is validated before returning,
/// and every problem of every file is collected: a missing path, an unreadable or
/// oversized file, a syntax error, every shape and name error, and two files that
/// share a fixture name (case ids would collide). Paths are kept as given.
public func loadFixtures(
  paths: [String], maxBytes: Int = JSON.defaultMaxBytes
) -> Result<[Fixture], FixtureErrors> {
  var problems: [FixtureProblem] = []
  var files: [String] = []
  var seen = Set<String>()
  for p in paths {
    switch FileSystem.kind(p) {
    case .failure(let error):
      problems.append(FixtureProblem(file: p, path: "", message: error.message))
    case .success(.directory):
      switch FileSystem.jsonFiles(under: p) {
      case .success(let found):
        if found.isEmpty {
          problems.append(FixtureProblem(file: p, path: "", message: "folder holds no *.json files"))
        }
        for f in found where seen.insert(f).inserted { files.append(f) }
      case .failure(let error):
        problems.append(FixtureProblem(file: error.path, path: "", message: error.message))
      }
    case .success(.file):
      if seen.insert(p).inserted { files.append(p) }
    }
  }
  var fixtures: [Fixture] = []
  var nameOwner: [String: String] = [:]
  for f in files {
    let bytes: [UInt8]
    switch FileSystem.readBytes(f, maxBytes: maxBytes) {
    case .failure(let error):
      problems.append(FixtureProblem(file: f, path: "", message: error.message))
      continue
    case .success(let b): bytes = b
    }
    switch parseFixture(bytes, file: f, maxBytes: maxBytes) {
    case .failure(let errors): problems += errors.problems
    case .success(let fixture):
      if let owner = nameOwner[fixture.name] {
        problems.append(
          FixtureProblem(
            file: f, path: "name",
            message: "\(quoted(fixture.name)) is also the name of \(owner); case ids must be unique"))
      } else {
        nameOwner[fixture.name] = f
      }
      fixtures.append(fixture)
    }
  }
  return problems.isEmpty ? .success(fixtures) : .failure(FixtureErrors(problems))
}

/// At most this many problems are listed per file (then a count of the rest), so a
/// huge malformed file cannot flood the terminal.
public let maxProblemsPerFile = 200

/// Parses and validates one fixture from its bytes; `file` names it in problems and
/// becomes `Fixture.path`.
public func parseFixture(
  _ bytes: [UInt8], file: String, maxBytes: Int = JSON.defaultMaxBytes
) -> Result<Fixture, FixtureErrors> {
  let root: JSONValue
  do {
    root = try JSON.parse(bytes, maxBytes: maxBytes)
  } catch {
    return .failure(
      FixtureErrors([FixtureProblem(file: file, path: "", message: error.description, position: error.position)]))
  }
  var v = FixtureValidator(file: file)
  let fixture = v.validate(root)
  if let fixture, v.problems.isEmpty { return .success(fixture) }
  var problems = v.problems
  if problems.count > maxProblemsPerFile {
    let more = problems.count - maxProblemsPerFile
    problems.removeLast(more)
    problems.append(FixtureProblem(file: file, path: "", message: "\(more) more problems not shown"))
  }
  return .failure(FixtureErrors(problems))
}

/// Parses and validates one fixture from text.
public func parseFixture(_ text: String, file: String) -> Result<Fixture, FixtureErrors> {
  parseFixture(Array(text.utf8), file: file)
}

/// The file name without folders and without a final `.json`.
func fileStem(_ path: String) -> String {
  var base = Substring(path)
  while base.hasSuffix("/") && base.count > 1 { base = base.dropLast() }
  if let slash = base.lastIndex(of: "/") { base = base[base.index(after: slash)...] }
  if base.hasSuffix(".json") && base.count > 5 { base = base.dropLast(5) }
  return String(base)
}

// MARK: - Validation

/// Keys of the fixture format.
private let topKeys = [
  "format", "name", "description", "x", "y", "transform", "beta", "spectral", "dtype", "expect",
  "outcomes",
]
private let expectKeys = ["lambda_min", "x_cond", "grad_x", "grad_y"]
private let outcomeKeys = ["index", "transform", "beta", "check", "status"]

/// Walks a parsed fixture and records every problem with its JSON path.
private struct FixtureValidator {
  let file: String
  var problems: [FixtureProblem] = []

  init(file: String) {
    self.file = file
  }

  mutating func problem(_ path: String, _ message: String, _ at: JSONValue?) {
    problems.append(FixtureProblem(file: file, path: path, message: message, position: at?.position))
  }

  mutating func validate(_ root: JSONValue) -> Fixture? {
    guard let members = root.members else {
      problem("", "expected a JSON object at the top level, found \(article(root.typeName))", root)
      return nil
    }
    checkKeys(members, known: topKeys, prefix: "")

    // format
    if let f = root["format"] {
      if f.string != fixtureFormat {
        let found = f.string.map(quoted) ?? article(f.typeName)
        problem("format", "expected \(quoted(fixtureFormat)), found \(found)", f)
      }
    } else {
      problem("format", "missing required key (expected \(quoted(fixtureFormat)))", root)
    }

    // name, description
    var name: String?
    if let v = root["name"] {
      if let s = v.string, !s.isEmpty {
        name = s
      } else {
        problem("name", "expected a non-empty string, found \(describe(v))", v)
      }
    }
    var description: String?
    if let v = root["description"] {
      if let s = v.string { description = s } else {
        problem("description", "expected a string, found \(describe(v))", v)
      }
    }

    // x
    var x: [Double]?
    if let v = root["x"] {
      x = numbers(v, "x", count: nil, what: "")
      if let xs = x, xs.isEmpty {
        problem("x", "expected at least 1 number, found an empty array", v)
        x = nil
      }
    } else {
      problem("x", "missing required key (B numbers)", root)
    }
    let b = x?.count

    // y
    var y: [[[Double]]]?
    var n: Int?
    if let v = root["y"] {
      (y, n) = matrixBatch(v, "y", batch: b, n: nil)
    } else {
      problem("y", "missing required key (B square N x N matrices)", root)
    }

    // transform, beta, spectral, dtype
    var transforms: [TransformKind]?
    if let v = root["transform"] { transforms = transformList(v) }
    var betas: [Double]?
    if let v = root["beta"] { betas = betaList(v) }
    var spectral: SpectralKind?
    if let v = root["spectral"] { spectral = enumName(v, "spectral", SpectralKind.self, what: "spectral quantity") }
    var dtype = DType.float64
    if let v = root["dtype"], let d = enumName(v, "dtype", DType.self, what: "dtype") { dtype = d }

    // expect
    var expect = ExpectedValues()
    if let v = root["expect"] {
      if let m = v.members {
        checkKeys(m, known: expectKeys, prefix: "expect")
        let each = b.map { "\(counted($0, "number")) (one per element of x)" }
        if let e = v["lambda_min"] { expect.lambdaMin = numbers(e, "expect.lambda_min", count: b, what: each) }
        if let e = v["x_cond"] { expect.xCond = numbers(e, "expect.x_cond", count: b, what: each) }
        if let e = v["grad_x"] { expect.gradX = numbers(e, "expect.grad_x", count: b, what: each) }
        if let e = v["grad_y"] {
          expect.gradY = matrixBatch(e, "expect.grad_y", batch: b, n: n, expectNSource: "y").0
        }
      } else {
        problem("expect", "expected an object, found \(describe(v))", v)
      }
    }

    // outcomes
    var outcomes: [Outcome] = []
    if let v = root["outcomes"] {
      if let items = v.array {
        for (k, item) in items.enumerated() {
          if let o = outcome(item, "outcomes[\(k)]", batch: b) { outcomes.append(o) }
        }
      } else {
        problem("outcomes", "expected an array of objects, found \(describe(v))", v)
      }
    }

    guard problems.isEmpty, let x, let y, n != nil else { return nil }
    return Fixture(
      path: file, name: name, description: description, x: x, y: y, transforms: transforms,
      betas: betas, spectral: spectral, dtype: dtype, expect: expect, outcomes: outcomes)
  }

  /// Unknown keys are errors; suggests the nearest known key within edit distance 2.
  mutating func checkKeys(_ members: [JSONMember], known: [String], prefix: String) {
    for m in members where !known.contains(m.key) {
      var message = "unknown key \(quoted(m.key))"
      if let s = nearest(m.key, in: known) {
        message += " (did you mean \(quoted(s))?)"
      } else {
        message += "; known keys: " + known.joined(separator: ", ")
      }
      problems.append(
        FixtureProblem(file: file, path: join(prefix, m.key), message: message, position: m.keyPosition))
    }
  }

  /// An array of numbers; with `count`, it must have that many.
  mutating func numbers(_ v: JSONValue, _ path: String, count: Int?, what: String?) -> [Double]? {
    guard let items = v.array else {
      problem(path, "expected an array of \(what.flatMap { $0.isEmpty ? nil : $0 } ?? "numbers"), found \(describe(v))", v)
      return nil
    }
    var ok = true
    if let count, items.count != count {
      problem(path, "expected \(what ?? counted(count, "number")), found \(items.count)", v)
      ok = false
    }
    var out: [Double] = []
    out.reserveCapacity(items.count)
    for (k, item) in items.enumerated() {
      if let d = item.double {
        out.append(d)
      } else {
        problem("\(path)[\(k)]", "expected a number, found \(describe(item))", item)
        ok = false
      }
    }
    return ok ? out : nil
  }

  /// B square N x N matrices. `batch` (B from x) and `n` are required sizes when known;
  /// without `n`, N is the row count of the first matrix and every other must match.
  mutating func matrixBatch(
    _ v: JSONValue, _ path: String, batch: Int?, n: Int?, expectNSource: String? = nil
  ) -> ([[[Double]]]?, Int?) {
    guard let items = v.array else {
      problem(path, "expected an array of square matrices, found \(describe(v))", v)
      return (nil, nil)
    }
    var ok = true
    if items.isEmpty {
      problem(path, "expected at least 1 matrix, found an empty array", v)
      return (nil, nil)
    }
    if let batch, items.count != batch {
      problem(path, "expected \(counted(batch, "matrix", "matrices")) (one per element of x), found \(items.count)", v)
      ok = false
    }
    // N: given, or the row count of the first matrix that is an array.
    var size = n
    var nSource = expectNSource.map { "N = \(n ?? 0) from \($0)" }
    if size == nil, let k = items.firstIndex(where: { $0.array != nil }) {
      size = items[k].array!.count
      nSource = "N = \(size!) from \(path)[\(k)]"
      if size == 0 {
        problem("\(path)[\(k)]", "expected a square matrix with at least 1 row, found an empty array", items[k])
        return (nil, nil)
      }
    }
    var out: [[[Double]]] = []
    for (k, m) in items.enumerated() {
      let mPath = "\(path)[\(k)]"
      guard let rows = m.array, let size else {
        problem(mPath, "expected a square matrix (an array of rows), found \(describe(m))", m)
        ok = false
        continue
      }
      if rows.count != size {
        let note = nSource.map { " (\($0))" } ?? ""
        problem(mPath, "expected \(counted(size, "row"))\(note), found \(rows.count)", m)
        ok = false
      }
      var matrix: [[Double]] = []
      for (r, row) in rows.enumerated() {
        if let xs = numbers(row, "\(mPath)[\(r)]", count: size, what: counted(size, "number")) {
          matrix.append(xs)
        } else {
          ok = false
        }
      }
      out.append(matrix)
    }
    return (ok ? out : nil, size)
  }

  /// `transform`: a name or a list of names (`all` selects every transform).
  mutating func transformList(_ v: JSONValue) -> [TransformKind]? {
    let known = TransformKind.allCases.map(\.rawValue) + ["all"]
    func one(_ item: JSONValue, _ path: String) -> [TransformKind]? {
      guard let s = item.string else {
        problem(path, "expected a transform name, found \(describe(item))", item)
        return nil
      }
      if s == "all" { return TransformKind.allCases }
      if let t = TransformKind(rawValue: s) { return [t] }
      problem(path, unknownName("transform", s, known), item)
      return nil
    }
    var result: [TransformKind] = []
    var ok = true
    if let items = v.array {
      if items.isEmpty {
        problem("transform", "expected a transform name or a non-empty list of names, found an empty array", v)
        return nil
      }
      for (k, item) in items.enumerated() {
        if let ts = one(item, "transform[\(k)]") { result += ts } else { ok = false }
      }
    } else if let ts = one(v, "transform") {
      result = ts
    } else {
      ok = false
    }
    guard ok else { return nil }
    var seen = Set<TransformKind>()
    return result.filter { seen.insert($0).inserted }
  }

  /// `beta`: a positive number or a list of them.
  mutating func betaList(_ v: JSONValue) -> [Double]? {
    if let items = v.array {
      if items.isEmpty {
        problem("beta", "expected a positive number or a non-empty list of them, found an empty array", v)
        return nil
      }
      var out: [Double] = []
      var ok = true
      for (k, item) in items.enumerated() {
        if let d = positive(item, "beta[\(k)]") {
          if out.contains(d) {
            problem("beta[\(k)]", "\(item.numberLiteral ?? "") is listed twice (case ids must be unique)", item)
            ok = false
          }
          out.append(d)
        } else {
          ok = false
        }
      }
      return ok ? out : nil
    }
    return positive(v, "beta").map { [$0] }
  }

  mutating func positive(_ v: JSONValue, _ path: String) -> Double? {
    guard let d = v.double, d > 0 else {
      problem(path, "expected a positive number, found \(describe(v))", v)
      return nil
    }
    return d
  }

  /// A string naming one case of a `RawRepresentable` enum.
  mutating func enumName<E: RawRepresentable & CaseIterable>(
    _ v: JSONValue, _ path: String, _ type: E.Type, what: String
  ) -> E? where E.RawValue == String {
    guard let s = v.string else {
      problem(path, "expected a \(what) name, found \(describe(v))", v)
      return nil
    }
    if let e = E(rawValue: s) { return e }
    problem(path, unknownName(what, s, E.allCases.map(\.rawValue)), v)
    return nil
  }

  mutating func outcome(_ v: JSONValue, _ path: String, batch: Int?) -> Outcome? {
    guard let members = v.members else {
      problem(path, "expected an object with \"check\" and \"status\", found \(describe(v))", v)
      return nil
    }
    checkKeys(members, known: outcomeKeys, prefix: path)
    let before = problems.count
    var index: Int?
    if let i = v["index"] {
      if let d = i.double, d == d.rounded(), d >= 0, d < Double(batch ?? Int.max) {
        index = Int(d)
      } else {
        let range = batch.map { "from 0 to \($0 - 1) (B = \($0))" } ?? ">= 0"
        problem(join(path, "index"), "expected an integer \(range), found \(describe(i))", i)
      }
    }
    var transform: TransformKind?
    if let t = v["transform"] {
      if t.string == "all" {
        problem(join(path, "transform"), "\"all\" is not a filter here; omit the key to match every transform", t)
      } else {
        transform = enumName(t, join(path, "transform"), TransformKind.self, what: "transform")
      }
    }
    var beta: Double?
    if let b = v["beta"] { beta = positive(b, join(path, "beta")) }
    var check: CheckName?
    if let c = v["check"] {
      check = enumName(c, join(path, "check"), CheckName.self, what: "check")
    } else {
      problem(join(path, "check"), "missing required key (one of \(CheckName.allCases.map(\.rawValue).joined(separator: ", ")))", v)
    }
    var status: Status?
    if let s = v["status"] {
      let allowed = [Status.pass, .warn, .fail, .skip].map(\.rawValue)
      if let str = s.string, allowed.contains(str) {
        status = Status(rawValue: str)
      } else if let str = s.string {
        problem(join(path, "status"), unknownName("status", str, allowed), s)
      } else {
        problem(join(path, "status"), "expected a status name, found \(describe(s))", s)
      }
    } else {
      problem(join(path, "status"), "missing required key (one of pass, warn, fail, skip)", v)
    }
    guard problems.count == before, let check, let status else { return nil }
    return Outcome(index: index, transform: transform, beta: beta, check: check, status: status)
  }
}

/// `unknown transform "softpluss" (did you mean "softplus"?)`, or the list of known names.
private func unknownName(_ what: String, _ s: String, _ known: [String]) -> String {
  if let near = nearest(s, in: known) {
    return "unknown \(what) \(quoted(s)) (did you mean \(quoted(near))?)"
  }
  return "unknown \(what) \(quoted(s)); known: " + known.joined(separator: ", ")
}

/// `a.b`, or `a["odd key"]` for keys that are not plain identifiers.
private func join(_ prefix: String, _ key: String) -> String {
  let plain = !key.isEmpty && key.utf8.allSatisfy {
    ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
      || $0 == 0x5F || $0 == 0x2D || $0 == 0x24
  }
  if !plain { return prefix + "[" + quoted(key) + "]" }
  return prefix.isEmpty ? key : prefix + "." + key
}

/// `1 number`, `3 numbers`.
private func counted(_ n: Int, _ one: String, _ many: String? = nil) -> String {
  n == 1 ? "1 \(one)" : "\(n) \(many ?? one + "s")"
}

/// `a string`, `an object`, ... for messages.
private func article(_ typeName: String) -> String {
  (typeName.first.map { "aeio".contains($0) } ?? false) ? "an \(typeName)" : "a \(typeName)"
}

/// What a value is, for messages: numbers, short strings and literals verbatim,
/// containers by type and size.
private func describe(_ v: JSONValue) -> String {
  switch v.kind {
  case .null: "null"
  case .bool(let b): b ? "true" : "false"
  case .number(_, let literal): literal.count <= 32 ? literal : "a number"
  case .string(let s): "the string \(quoted(s))"
  case .array(let a): a.isEmpty ? "an empty array" : "an array of \(a.count)"
  case .object: "an object"
  }
}

/// The known name closest to `s` by edit distance, when that distance is at most 2 (and
/// smaller than the name itself); ties go to the first in `known`.
func nearest(_ s: String, in known: [String]) -> String? {
  let a = Array(s.unicodeScalars)
  guard a.count <= 64 else { return nil }
  var best: (String, Int)?
  for k in known {
    let d = editDistance(a, Array(k.unicodeScalars))
    if d <= 2 && d < max(a.count, 1) && (best == nil || d < best!.1) { best = (k, d) }
  }
  return best?.0
}

/// Levenshtein distance (insertions, deletions, substitutions), O(|a| |b|).
func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  var previous = Array(0...b.count)
  var current = [Int](repeating: 0, count: b.count + 1)
  for i in 1...a.count {
    current[0] = i
    for j in 1...b.count {
      let cost = a[i - 1] == b[j - 1] ? 0 : 1
      current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
    }
    swap(&previous, &current)
  }
  return previous[b.count]
}

// MARK: - Encoding

/// The fixture as a `gradcheck-fixture/1` file (2-space indent, one matrix row per line,
/// keys in the documented order, absent optional fields omitted). Reading it back with
/// `parseFixture(_:file:)` under the same path gives the same `Fixture`. The values must
/// be finite (JSON cannot hold anything else).
public func encodeFixture(_ f: Fixture) -> String {
  var m: [(String, String)] = [
    ("format", JSONWriter.string(fixtureFormat)),
    ("name", JSONWriter.string(f.name)),
  ]
  if let d = f.description { m.append(("description", JSONWriter.string(d))) }
  m.append(("x", JSONWriter.numbers(f.x)))
  m.append(("y", JSONWriter.matrices(f.y, indent: 2)))
  if let ts = f.transforms {
    let names = ts.map { JSONWriter.string($0.rawValue) }
    m.append(("transform", names.count == 1 ? names[0] : "[" + names.joined(separator: ", ") + "]"))
  }
  if let bs = f.betas {
    m.append(("beta", bs.count == 1 ? JSONWriter.number(bs[0]) : JSONWriter.numbers(bs)))
  }
  if let s = f.spectral { m.append(("spectral", JSONWriter.string(s.rawValue))) }
  m.append(("dtype", JSONWriter.string(f.dtype.rawValue)))
  if !f.expect.isEmpty {
    var e: [(String, String)] = []
    if let v = f.expect.lambdaMin { e.append(("lambda_min", JSONWriter.numbers(v))) }
    if let v = f.expect.xCond { e.append(("x_cond", JSONWriter.numbers(v))) }
    if let v = f.expect.gradX { e.append(("grad_x", JSONWriter.numbers(v))) }
    if let v = f.expect.gradY { e.append(("grad_y", JSONWriter.matrices(v, indent: 4))) }
    m.append(("expect", JSONWriter.object(e, indent: 2)))
  }
  if !f.outcomes.isEmpty {
    let items = f.outcomes.map { o -> String in
      var fields: [(String, String)] = []
      if let i = o.index { fields.append(("index", String(i))) }
      if let t = o.transform { fields.append(("transform", JSONWriter.string(t.rawValue))) }
      if let b = o.beta { fields.append(("beta", JSONWriter.number(b))) }
      fields.append(("check", JSONWriter.string(o.check.rawValue)))
      fields.append(("status", JSONWriter.string(o.status.rawValue)))
      return "    " + JSONWriter.inlineObject(fields)
    }
    m.append(("outcomes", "[\n" + items.joined(separator: ",\n") + "\n  ]"))
  }
  return JSONWriter.object(m, indent: 0) + "\n"
}
