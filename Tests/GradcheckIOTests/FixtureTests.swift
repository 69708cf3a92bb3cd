import Foundation
import GradcheckModel
import Testing

@testable import GradcheckIO

/// The problems of `text` read as `fixtures/a.json`, as printed (empty when valid).
private func problems(_ text: String) -> [String] {
  switch parseFixture(text, file: "fixtures/a.json") {
  case .success: return []
  case .failure(let e): return e.problems.map(\.description)
  }
}

/// A valid B = 2, N = 2 fixture with `extra` members appended and `replace` applied.
private func fixture(_ members: [String: String] = [:], drop: [String] = []) -> String {
  var fields: [(String, String)] = [
    ("format", "\"gradcheck-fixture/1\""),
    ("x", "[1.0, 2.0]"),
    ("y", "[[[1, 0], [0, 1]], [[2, 0], [0, 2]]]"),
  ]
  for (k, v) in members.sorted(by: { $0.key < $1.key }) {
    if let i = fields.firstIndex(where: { $0.0 == k }) { fields[i].1 = v } else { fields.append((k, v)) }
  }
  fields.removeAll { drop.contains($0.0) }
  return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
}

private let forumExampleText = """
  {
    "format": "gradcheck-fixture/1",
    "name": "forum-example",
    "description": "The reference case of the original discussion.",
    "x": [-2.0, 1.0],
    "y": [
      [[-0.2671, -0.0748, -0.1718], [-0.1510, 0.2960, -1.6154], [-0.0786, -1.6944, 0.9237]],
      [[-0.7459, -1.0099, -0.2937], [-0.4803, -0.8911, -0.3678], [0.3982, -0.7645, 0.7407]]
    ],
    "transform": "softplus",
    "beta": 5.0,
    "spectral": "min-real-eigenvalue",
    "dtype": "float64",
    "outcomes": [{"index": 1, "transform": "softplus", "beta": 5.0, "check": "fidelity", "status": "fail"}]
  }
  """

private let checkNames = "constraint, finite, gradient, taylor, growth, fidelity, solver, reference, evaluate, expect"

/// Malformed fixtures and every problem each must report, exactly as printed.
private let malformed: [(String, String, [String])] = [
  ("short row (the documented example)", fixture(["y": "[[[1, 0], [0, 1]], [[2, 0], [0]]]"]),
   ["fixtures/a.json: y[1][1]: expected 2 numbers, found 1"]),
  ("missing format", fixture(drop: ["format"]),
   ["fixtures/a.json: format: missing required key (expected \"gradcheck-fixture/1\")"]),
  ("wrong format", fixture(["format": "\"gradcheck-fixture/2\""]),
   ["fixtures/a.json: format: expected \"gradcheck-fixture/1\", found \"gradcheck-fixture/2\""]),
  ("format not a string", fixture(["format": "1"]),
   ["fixtures/a.json: format: expected \"gradcheck-fixture/1\", found a number"]),
  ("missing x", fixture(drop: ["x"]),
   ["fixtures/a.json: x: missing required key (B numbers)"]),
  ("empty x", fixture(["x": "[]", "y": "[]"]),
   ["fixtures/a.json: x: expected at least 1 number, found an empty array",
    "fixtures/a.json: y: expected at least 1 matrix, found an empty array"]),
  ("x element a string", fixture(["x": "[1.0, \"2\"]"]),
   ["fixtures/a.json: x[1]: expected a number, found the string \"2\""]),
  ("x not an array", fixture(["x": "1"]),
   ["fixtures/a.json: x: expected an array of numbers, found 1"]),
  ("missing y", fixture(drop: ["y"]),
   ["fixtures/a.json: y: missing required key (B square N x N matrices)"]),
  ("B differs between x and y", fixture(["y": "[[[1]], [[2]], [[3]]]"]),
   ["fixtures/a.json: y: expected 2 matrices (one per element of x), found 3"]),
  ("second matrix of another size", fixture(["y": "[[[1, 0], [0, 1]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]]"]),
   ["fixtures/a.json: y[1]: expected 2 rows (N = 2 from y[0]), found 3",
    "fixtures/a.json: y[1][0]: expected 2 numbers, found 3",
    "fixtures/a.json: y[1][1]: expected 2 numbers, found 3",
    "fixtures/a.json: y[1][2]: expected 2 numbers, found 3"]),
  ("non-square matrix", fixture(["x": "[1.0]", "y": "[[[1, 2, 3], [4, 5, 6]]]"]),
   ["fixtures/a.json: y[0][0]: expected 2 numbers, found 3",
    "fixtures/a.json: y[0][1]: expected 2 numbers, found 3"]),
  ("empty matrix", fixture(["y": "[[], []]"]),
   ["fixtures/a.json: y[0]: expected a square matrix with at least 1 row, found an empty array"]),
  ("matrix entry null", fixture(["y": "[[[1, null], [0, 1]], [[2, 0], [0, 2]]]"]),
   ["fixtures/a.json: y[0][0][1]: expected a number, found null"]),
  ("matrix not an array", fixture(["y": "[[[1, 0], [0, 1]], 7]"]),
   ["fixtures/a.json: y[1]: expected a square matrix (an array of rows), found 7"]),
  ("typo in a key", fixture(["tranform": "\"softplus\""]),
   ["fixtures/a.json: tranform: unknown key \"tranform\" (did you mean \"transform\"?)"]),
  ("unknown key far from any", fixture(["zzzzzz": "1"]),
   ["fixtures/a.json: zzzzzz: unknown key \"zzzzzz\"; known keys: format, name, description, x, y, transform, beta, spectral, dtype, expect, outcomes"]),
  ("unknown transform", fixture(["transform": "\"softpluss\""]),
   ["fixtures/a.json: transform: unknown transform \"softpluss\" (did you mean \"softplus\"?)"]),
  ("transform list with a number", fixture(["transform": "[\"softplus\", 3]"]),
   ["fixtures/a.json: transform[1]: expected a transform name, found 3"]),
  ("empty transform list", fixture(["transform": "[]"]),
   ["fixtures/a.json: transform: expected a transform name or a non-empty list of names, found an empty array"]),
  ("negative beta", fixture(["beta": "-1"]),
   ["fixtures/a.json: beta: expected a positive number, found -1"]),
  ("zero beta in a list", fixture(["beta": "[1, 0, \"5\"]"]),
   ["fixtures/a.json: beta[1]: expected a positive number, found 0",
    "fixtures/a.json: beta[2]: expected a positive number, found the string \"5\""]),
  ("beta listed twice", fixture(["beta": "[5, 1, 5.0]"]),
   ["fixtures/a.json: beta[2]: 5.0 is listed twice (case ids must be unique)"]),
  ("unknown spectral", fixture(["spectral": "\"min-eigenvalue\""]),
   ["fixtures/a.json: spectral: unknown spectral quantity \"min-eigenvalue\"; known: min-real-eigenvalue, min-real-part, min-singular-value"]),
  ("unknown dtype", fixture(["dtype": "\"float16\""]),
   ["fixtures/a.json: dtype: unknown dtype \"float16\" (did you mean \"float64\"?)"]),
  ("expect count", fixture(["expect": "{\"grad_x\": [1.0]}"]),
   ["fixtures/a.json: expect.grad_x: expected 2 numbers (one per element of x), found 1"]),
  ("expect grad_y row", fixture(["expect": "{\"grad_y\": [[[1, 0], [0, 1, 2]], [[2, 0], [0, 2]]]}"]),
   ["fixtures/a.json: expect.grad_y[0][1]: expected 2 numbers, found 3"]),
  ("expect grad_y batch", fixture(["expect": "{\"grad_y\": [[[1, 0], [0, 1]]]}"]),
   ["fixtures/a.json: expect.grad_y: expected 2 matrices (one per element of x), found 1"]),
  ("expect grad_y of another N", fixture(["expect": "{\"grad_y\": [[[1]], [[2]]]}"]),
   ["fixtures/a.json: expect.grad_y[0]: expected 2 rows (N = 2 from y), found 1",
    "fixtures/a.json: expect.grad_y[0][0]: expected 2 numbers, found 1",
    "fixtures/a.json: expect.grad_y[1]: expected 2 rows (N = 2 from y), found 1",
    "fixtures/a.json: expect.grad_y[1][0]: expected 2 numbers, found 1"]),
  ("expect key typo", fixture(["expect": "{\"gradx\": [1, 2]}"]),
   ["fixtures/a.json: expect.gradx: unknown key \"gradx\" (did you mean \"grad_x\"?)"]),
  ("expect not an object", fixture(["expect": "[1]"]),
   ["fixtures/a.json: expect: expected an object, found an array of 1"]),
  ("outcome without check and status", fixture(["outcomes": "[{\"index\": 0}]"]),
   ["fixtures/a.json: outcomes[0].check: missing required key (one of \(checkNames))",
    "fixtures/a.json: outcomes[0].status: missing required key (one of pass, warn, fail, skip)"]),
  ("outcome status xfail", fixture(["outcomes": "[{\"check\": \"finite\", \"status\": \"xfail\"}]"]),
   ["fixtures/a.json: outcomes[0].status: unknown status \"xfail\" (did you mean \"fail\"?)"]),
  ("outcome check typo", fixture(["outcomes": "[{\"check\": \"finite\", \"status\": \"pass\"}, {\"check\": \"gradiant\", \"status\": \"fail\"}]"]),
   ["fixtures/a.json: outcomes[1].check: unknown check \"gradiant\" (did you mean \"gradient\"?)"]),
  ("outcome index out of range", fixture(["outcomes": "[{\"index\": 5, \"check\": \"finite\", \"status\": \"pass\"}]"]),
   ["fixtures/a.json: outcomes[0].index: expected an integer from 0 to 1 (B = 2), found 5"]),
  ("outcome index fractional", fixture(["outcomes": "[{\"index\": 0.5, \"check\": \"finite\", \"status\": \"pass\"}]"]),
   ["fixtures/a.json: outcomes[0].index: expected an integer from 0 to 1 (B = 2), found 0.5"]),
  ("outcome transform all", fixture(["outcomes": "[{\"transform\": \"all\", \"check\": \"finite\", \"status\": \"pass\"}]"]),
   ["fixtures/a.json: outcomes[0].transform: \"all\" is not a filter here; omit the key to match every transform"]),
  ("outcome key typo", fixture(["outcomes": "[{\"check\": \"finite\", \"stauts\": \"pass\"}]"]),
   ["fixtures/a.json: outcomes[0].stauts: unknown key \"stauts\" (did you mean \"status\"?)",
    "fixtures/a.json: outcomes[0].status: missing required key (one of pass, warn, fail, skip)"]),
  ("outcomes not an array", fixture(["outcomes": "{}"]),
   ["fixtures/a.json: outcomes: expected an array of objects, found an object"]),
  ("outcome not an object", fixture(["outcomes": "[\"fail\"]"]),
   ["fixtures/a.json: outcomes[0]: expected an object with \"check\" and \"status\", found the string \"fail\""]),
  ("empty name", fixture(["name": "\"\""]),
   ["fixtures/a.json: name: expected a non-empty string, found the string \"\""]),
  ("description not a string", fixture(["description": "[\"a\"]"]),
   ["fixtures/a.json: description: expected a string, found an array of 1"]),
  ("top level an array", "[1, 2]",
   ["fixtures/a.json: expected a JSON object at the top level, found an array"]),
  ("syntax error", "{\n  \"format\": \"gradcheck-fixture/1\"\n  \"x\": [1]\n}",
   ["fixtures/a.json: 3:3: expected ',' or '}', found '\"'"]),
  ("duplicate key", "{\"x\": [1], \"y\": [[[1]]],\n \"x\": [2]}",
   ["fixtures/a.json: 2:2: duplicate key \"x\" in this object"]),
  ("overflowing number", "{\"format\": \"gradcheck-fixture/1\", \"x\": [1e999], \"y\": [[[1]]]}",
   ["fixtures/a.json: 1:41: 1e999 is not a finite number (overflows a double)"]),
  ("empty file", "", ["fixtures/a.json: file is empty; expected a JSON value"]),
  ("every problem of a file", fixture(["beta": "0", "tranform": "\"leaky\"", "y": "[[[1, 0], [0, 1]], [[2, 0], [0]]]", "dtype": "\"f64\""]),
   ["fixtures/a.json: tranform: unknown key \"tranform\" (did you mean \"transform\"?)",
    "fixtures/a.json: y[1][1]: expected 2 numbers, found 1",
    "fixtures/a.json: beta: expected a positive number, found 0",
    "fixtures/a.json: dtype: unknown dtype \"f64\"; known: float64, float32"]),
]

@Suite("Fixture files")
struct FixtureTests {
  @Test("the forum example is a valid fixture")
  func forumExample() throws {
    let f = try parseFixture(forumExampleText, file: "fixtures/forum-example.json").get()
    #expect(f.path == "fixtures/forum-example.json")
    #expect(f.name == "forum-example")
    #expect(f.x == [-2.0, 1.0])
    #expect(f.n == 3 && f.batchCount == 2)
    #expect(f.y[1][2] == [0.3982, -0.7645, 0.7407])
    #expect(f.transforms == [.softplus])
    #expect(f.betas == [5.0])
    #expect(f.spectral == .minRealEigenvalue)
    #expect(f.dtype == .float64)
    #expect(f.expect.isEmpty)
    #expect(f.outcomes == [Outcome(index: 1, transform: .softplus, beta: 5.0, check: .fidelity, status: .fail)])
    #expect(f.outcomes[0].matches(index: 1, transform: .softplus, beta: 5.0))
    #expect(!f.outcomes[0].matches(index: 0, transform: .softplus, beta: 5.0))
  }

  @Test("defaults: name is the file stem, dtype float64, all expands")
  func defaults() throws {
    let f = try parseFixture(fixture(["transform": "[\"leaky\", \"all\"]", "beta": "[1, 10]"]), file: "cases/sub/my-case.json").get()
    #expect(f.name == "my-case")
    #expect(f.dtype == .float64)
    #expect(f.transforms == [.leaky, .where, .softplus, .safeSoftplus])
    #expect(f.betas == [1, 10])
    #expect(f.spectral == nil && f.description == nil && f.outcomes.isEmpty)
    #expect(fileStem("a/b.json") == "b" && fileStem("plain") == "plain" && fileStem(".json") == ".json")
  }

  @Test("malformed fixtures name the file and every place", arguments: malformed.indices)
  func malformedFixture(_ k: Int) {
    let (label, text, expected) = malformed[k]
    #expect(problems(text) == expected, "\(label)")
  }

  @Test("there are at least 25 distinct malformed cases")
  func malformedCount() {
    #expect(malformed.count >= 25)
    #expect(Set(malformed.map(\.1)).count == malformed.count)
  }

  @Test("problems carry the position of the offending value")
  func problemPositions() throws {
    let text = "{\"format\": \"gradcheck-fixture/1\", \"x\": [1],\n \"y\": [[[1, \"a\"]]]}"
    guard case .failure(let e) = parseFixture(text, file: "f.json") else {
      Issue.record("expected problems")
      return
    }
    #expect(e.problems.map(\.description) == [
      "f.json: y[0][0]: expected 1 number, found 2", "f.json: y[0][0][1]: expected a number, found the string \"a\"",
    ])
    #expect(e.problems.map(\.position) == [SourcePosition(line: 2, column: 9), SourcePosition(line: 2, column: 13)])
  }

  @Test("hostile inputs are problems, never crashes")
  func hostileFixtures() {
    let deep = Array((String(repeating: "[", count: 100_000)).utf8)
    let cases: [([UInt8], String)] = [
      (deep, "f.json: 1:257: nesting deeper than 256 levels of arrays and objects"),
      ([0xEF, 0xBB, 0xBF], "f.json: file holds only a UTF-8 byte order mark; expected a JSON value"),
      ([0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00], "f.json: file is UTF-16; gradcheck reads UTF-8 JSON"),
      ([0x7B, 0xC3, 0x28, 0x7D], "f.json: 1:2: invalid UTF-8 (byte 0xC3); gradcheck reads UTF-8 JSON text"),
    ]
    for (bytes, message) in cases {
      guard case .failure(let e) = parseFixture(bytes, file: "f.json") else {
        Issue.record("accepted hostile input: \(message)")
        continue
      }
      #expect(e.problems.map(\.description) == [message])
    }
  }

  @Test("a huge malformed file lists at most 200 problems, then a count")
  func problemCap() {
    let row = "[" + Array(repeating: "\"a\"", count: 300).joined(separator: ",") + "]"
    guard case .failure(let e) = parseFixture(fixture(["x": row, "y": "[[[1]]]"]), file: "f.json") else {
      Issue.record("expected problems")
      return
    }
    #expect(e.problems.count == maxProblemsPerFile + 1)
    #expect(e.problems.first?.description == "f.json: x[0]: expected a number, found the string \"a\"")
    #expect(e.problems.last?.description == "f.json: 100 more problems not shown")
  }

  @Test("encodeFixture round-trips through the reader and is deterministic")
  func roundTrip() throws {
    let forum = try parseFixture(forumExampleText, file: "fixtures/forum-example.json").get()
    let full = Fixture(
      path: "gen/full.json", name: "full \"quoted\" name", description: "line\nbreak",
      x: [0.1, -1e-300, 123456789.125],
      y: [[[1.5]], [[-0.0]], [[Double.leastNonzeroMagnitude]]],
      transforms: [.where, .safeSoftplus], betas: [0.5, 1e3], spectral: .minSingularValue,
      dtype: .float32,
      expect: ExpectedValues(lambdaMin: [1, 2, 3], xCond: [0.1, 0.2, 0.3], gradX: [1, 1, 1], gradY: [[[0.25]], [[0.5]], [[1e-17]]]),
      outcomes: [Outcome(check: .gradient, status: .pass), Outcome(index: 2, transform: .where, beta: 0.5, check: .growth, status: .warn)])
    for f in [forum, full] {
      let text = encodeFixture(f)
      #expect(encodeFixture(f) == text)
      let back = try parseFixture(text, file: f.path).get()
      #expect(back == f)
      #expect(encodeFixture(back) == text)
    }
    let expectedForum = """
      {
        "format": "gradcheck-fixture/1",
        "name": "forum-example",
        "description": "The reference case of the original discussion.",
        "x": [-2.0, 1.0],
        "y": [
          [
            [-0.2671, -0.0748, -0.1718],
            [-0.151, 0.296, -1.6154],
            [-0.0786, -1.6944, 0.9237]
          ],
          [
            [-0.7459, -1.0099, -0.2937],
            [-0.4803, -0.8911, -0.3678],
            [0.3982, -0.7645, 0.7407]
          ]
        ],
        "transform": "softplus",
        "beta": 5.0,
        "spectral": "min-real-eigenvalue",
        "dtype": "float64",
        "outcomes": [
          {"index": 1, "transform": "softplus", "beta": 5.0, "check": "fidelity", "status": "fail"}
        ]
      }

      """
    #expect(encodeFixture(forum) == expectedForum)
  }

  @Test("the PyTorch fixtures load without problems")
  func pytorchFixtures() throws {
    // The exports live in the shared data folder; once shipped, under fixtures/.
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().path
    var paths = ["/work/shared/data"].filter { FileManager.default.fileExists(atPath: $0) }
    if paths.isEmpty { paths = [repo + "/fixtures"] }
    let fixtures = try loadFixtures(paths: paths).get()
    let pytorch = fixtures.filter { $0.name.hasPrefix("pytorch-") }
    #expect(pytorch.count >= 3)
    let byName = Dictionary(uniqueKeysWithValues: pytorch.map { ($0.name, $0) })
    let f64 = try #require(byName["pytorch-softplus-float64"])
    #expect(f64.batchCount == 4 && f64.n == 3 && f64.dtype == .float64)
    #expect(f64.expect.lambdaMin?.first == 1.0359827908745949)
    #expect(f64.expect.gradY?.count == 4)
    let f32 = try #require(byName["pytorch-softplus-float32"])
    #expect(f32.batchCount == 4 && f32.n == 4 && f32.dtype == .float32)
    let safe = try #require(byName["pytorch-safe-softplus-float64"])
    #expect(safe.batchCount == 3 && safe.n == 5 && safe.transforms == [.safeSoftplus] && safe.betas == [10])
    for f in pytorch {
      #expect(try parseFixture(encodeFixture(f), file: f.path).get() == f)
    }
  }
}

@Suite("Loading fixture folders")
struct LoadFixturesTests {
  /// A fresh temporary folder, removed by the caller.
  func temporaryFolder() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gradcheck-io-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  @Test("folders expand recursively, sorted; every problem of every file is listed")
  func folders() throws {
    let root = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let fm = FileManager.default
    try fm.createDirectory(atPath: root + "/fx/sub", withIntermediateDirectories: true)
    try fm.createDirectory(atPath: root + "/fx/.hidden", withIntermediateDirectories: true)
    try fixture(["name": "\"b\""]).write(toFile: root + "/fx/b.json", atomically: false, encoding: .utf8)
    try fixture(["name": "\"a\""]).write(toFile: root + "/fx/sub/a.json", atomically: false, encoding: .utf8)
    try fixture(["name": "\"c\""]).write(toFile: root + "/fx/a.json", atomically: false, encoding: .utf8)
    try "not json".write(toFile: root + "/fx/notes.txt", atomically: false, encoding: .utf8)
    try "{".write(toFile: root + "/fx/.hidden/x.json", atomically: false, encoding: .utf8)
    // Relative paths stay relative: reach the folder through "../" from the current
    // directory (no chdir: tests run in parallel in one process).
    let depth = fm.currentDirectoryPath.split(separator: "/").count
    let r = String(repeating: "../", count: depth) + root.dropFirst() + "/"
    let ok = try loadFixtures(paths: [r + "fx/"]).get()
    #expect(ok.map(\.path) == [r + "fx/a.json", r + "fx/b.json", r + "fx/sub/a.json"])
    #expect(ok.map(\.name) == ["c", "b", "a"])

    try fixture(["x": "[1]"]).write(toFile: root + "/fx/bad1.json", atomically: false, encoding: .utf8)
    try "{\"format\": 1,}".write(toFile: root + "/fx/sub/bad2.json", atomically: false, encoding: .utf8)
    try fixture(["name": "\"a\""]).write(toFile: root + "/dup.json", atomically: false, encoding: .utf8)
    try fm.createDirectory(atPath: root + "/empty", withIntermediateDirectories: true)
    let paths = [r + "fx", r + "missing.json", r + "dup.json", r + "empty", r + "fx/b.json"]
    guard case .failure(let e) = loadFixtures(paths: paths) else {
      Issue.record("expected problems")
      return
    }
    #expect(e.problems.map(\.description) == [
      r + "missing.json: no such file or directory",
      r + "empty: folder holds no *.json files",
      r + "fx/bad1.json: y: expected 1 matrix (one per element of x), found 2",
      r + "fx/sub/bad2.json: 1:14: expected a key in double quotes, found '}'",
      r + "dup.json: name: \"a\" is also the name of \(r)fx/sub/a.json; case ids must be unique",
    ])
    #expect(e.description.split(separator: "\n").count == 5)
  }

  @Test("unreadable and oversized files are problems")
  func unreadable() throws {
    let root = try temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: root) }
    try String(repeating: " ", count: 100).write(toFile: root + "/big.json", atomically: false, encoding: .utf8)
    guard case .failure(let e) = loadFixtures(paths: [root + "/big.json"], maxBytes: 50) else {
      Issue.record("expected a size problem")
      return
    }
    #expect(e.problems.map(\.message) == ["file is 100 bytes, over the limit of 50 bytes"])
    // Endless devices stop at the limit; a FIFO without a writer does not hang.
    if FileManager.default.fileExists(atPath: "/dev/zero") {
      guard case .failure(let z) = loadFixtures(paths: ["/dev/zero"], maxBytes: 1000) else {
        Issue.record("expected a size problem")
        return
      }
      #expect(z.problems.map(\.description) == ["/dev/zero: file is over the limit of 1000 bytes"])
    }
    try #require(mkfifo(root + "/pipe.json", 0o600) == 0)
    guard case .failure(let f) = loadFixtures(paths: [root + "/pipe.json"]) else {
      Issue.record("expected an empty-file problem")
      return
    }
    #expect(f.problems.map(\.message) == ["file is empty; expected a JSON value"])
  }
}
