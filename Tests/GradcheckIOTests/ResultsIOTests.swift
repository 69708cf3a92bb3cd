import Foundation
import GradcheckModel
import Testing

@testable import GradcheckIO

/// A fixture case like the results format's example, with every kind of field filled.
private func forumCase(index: Int = 1, transform: TransformKind? = .softplus, beta: Double? = 5, status: Status = .pass) -> CaseResult {
  CaseResult(
    id: "forum-example[\(index)] \(transform?.rawValue ?? "-") beta=\(beta ?? 0)",
    source: "fixtures/forum-example.json", index: index, family: nil, n: 3,
    transform: transform, beta: beta, spectral: .minRealEigenvalue,
    classification: .smooth, status: status, x: 1.0, lambdaMin: -1.5519847121, kappa: 1.1239763586,
    eigenvalues: [ComplexPair(-1.5519847121, 0), ComplexPair(-0.2078899478, 0), ComplexPair(0.8635746598, 0)],
    xCond: 0.6364271340, gradX: 0.0595286453,
    gradY: [
      [0.1412815858, 0.1093049168, 0.0119097411],
      [0.2907928342, 0.2249768528, 0.0245132255],
      [0.0647485480, 0.0500938223, 0.0054581667],
    ],
    checks: [
      .gradient: CheckResult(
        status: .pass, value: 1e-10, tolerance: 1e-6, message: "max error 1e-10",
        series: [SeriesPoint(step: 1e-3, error: 2e-9), SeriesPoint(step: 5e-4, error: 5e-10)]),
      .constraint: CheckResult(status: status, value: 0.0122748, tolerance: 0.0, message: "margin 1 + x_cond*s = 0.0123 > 0"),
    ],
    repro: "gradcheck check fixtures/forum-example.json --transform softplus --beta 5")
}

/// A generated (eig-style) case with nulls, odd numbers and strings that need escapes.
private func generatedCase(_ k: Int) -> CaseResult {
  CaseResult(
    id: "rotation n=2 #\(k)", source: nil, index: k, family: "rotation", n: 2,
    transform: nil, beta: nil, spectral: .minRealPart, classification: nil, status: .skip,
    x: nil, lambdaMin: nil, kappa: .leastNonzeroMagnitude,
    eigenvalues: [ComplexPair(-0.0, -1), ComplexPair(0, 1e-300)], xCond: nil, gradX: nil, gradY: nil,
    checks: [.solver: CheckResult(status: .skip, message: "no real eigenvalue: \"quoted\"\ttab\nnew line é")],
    repro: "gradcheck eig --family rotation --n 2 --count 3", eigenSolves: 7)
}

private let sample = Results(
  seed: UInt64.max,
  cases: [forumCase(), forumCase(index: 0, status: .fail), generatedCase(0), generatedCase(1)])

private func decodeError(_ text: String) -> String? {
  do {
    _ = try decodeResults(text, file: "r.json")
    return nil
  } catch {
    return error.description
  }
}

@Suite("Results files")
struct ResultsIOTests {
  @Test("round trip is exact and encoding deterministic")
  func roundTrip() throws {
    let text = encodeResults(sample)
    #expect(encodeResults(sample) == text)
    let back = try decodeResults(text, file: "r.json")
    #expect(back == sample)
    #expect(encodeResults(back) == text)
    #expect(back.seed == UInt64.max)
    #expect(back.summary.fail == 1 && back.summary.skip == 2 && back.summary.pass == 1)
    let empty = Results(seed: 0, cases: [])
    #expect(try decodeResults(encodeResults(empty), file: "e.json") == empty)
  }

  @Test("layout: documented field names and order, one line per check, matrix rows per line")
  func layout() {
    let r = Results(seed: 0, cases: [forumCase()])
    let expected = """
      {
        "format": "gradcheck-results/1",
        "version": "0.1.0",
        "seed": 0,
        "summary": {"cases": 1, "pass": 1, "warn": 0, "fail": 0, "skip": 0, "xfail": 0, "xpass": 0},
        "cases": [
          {
            "id": "forum-example[1] softplus beta=5.0",
            "source": "fixtures/forum-example.json",
            "index": 1,
            "family": null,
            "n": 3,
            "transform": "softplus",
            "beta": 5.0,
            "spectral": "min-real-eigenvalue",
            "classification": "smooth",
            "status": "pass",
            "x": 1.0,
            "lambda_min": -1.5519847121,
            "kappa": 1.1239763586,
            "eigenvalues": [[-1.5519847121, 0.0], [-0.2078899478, 0.0], [0.8635746598, 0.0]],
            "x_cond": 0.636427134,
            "grad_x": 0.0595286453,
            "grad_y": [
              [0.1412815858, 0.1093049168, 0.0119097411],
              [0.2907928342, 0.2249768528, 0.0245132255],
              [0.064748548, 0.0500938223, 0.0054581667]
            ],
            "checks": {
              "constraint": {"status": "pass", "value": 0.0122748, "tolerance": 0.0, "message": "margin 1 + x_cond*s = 0.0123 > 0"},
              "gradient": {"status": "pass", "value": 1e-10, "tolerance": 1e-06, "message": "max error 1e-10", "series": [[0.001, 2e-09], [0.0005, 5e-10]]}
            },
            "repro": "gradcheck check fixtures/forum-example.json --transform softplus --beta 5"
          }
        ]
      }

      """
    #expect(encodeResults(r) == expected)
  }

  @Test("reason codes: written right after status, read back; files without them still read")
  func reasonCodes() throws {
    var c = forumCase()
    c.checks[.constraint]!.code = "kept"
    let text = encodeResults(Results(seed: 0, cases: [c]))
    #expect(text.contains(#"{"status": "pass", "code": "kept", "value": 0.0122748"#))
    let back = try decodeResults(text, file: "r.json")
    #expect(back.cases[0].checks[.constraint]?.code == "kept")
    #expect(back.cases[0].checks[.gradient]?.code == nil)
    #expect(back == Results(seed: 0, cases: [c]))
    let old = text.replacingOccurrences(of: #""code": "kept", "#, with: "")
    #expect(old != text)
    let oldBack = try decodeResults(old, file: "old.json")
    #expect(oldBack.cases[0].checks[.constraint]?.code == nil)
    #expect(oldBack.cases[0].checks[.constraint]?.value == 0.0122748)
  }

  @Test("non-finite numbers are written as null")
  func nonFinite() throws {
    var c = forumCase()
    c.gradX = .infinity
    c.checks[.growth] = CheckResult(status: .fail, value: .nan, tolerance: 1e8, message: "gradient is not finite")
    c.gradY![0][0] = -.infinity
    c.status = .fail
    let text = encodeResults(Results(seed: 3, cases: [c]))
    #expect(text.contains("\"grad_x\": null,"))
    #expect(text.contains("[null, 0.1093049168, 0.0119097411]"))
    let back = try decodeResults(text, file: "r.json").cases[0]
    #expect(back.gradX == nil)
    #expect(back.checks[.growth]?.value == nil)
    #expect(back.gradY?[0][0].isNaN == true)
  }

  @Test("decoding is strict and names the place", arguments: [
    ("{\"format\": \"gradcheck-results/2\"}", "r.json: format: expected \"gradcheck-results/1\", found \"gradcheck-results/2\""),
    ("[]", "r.json: expected an object, found array (at 1:1)"),
    ("{", "r.json: 1:2: expected a key in double quotes, found end of file"),
  ])
  func strictDecoding(_ text: String, _ message: String) {
    #expect(decodeError(text) == message)
  }

  @Test("decoding rejects edited files")
  func editedFiles() {
    let text = encodeResults(sample)
    func edited(_ from: String, _ to: String) -> String? {
      precondition(text.contains(from), from)
      return decodeError(text.replacingFirst(from, with: to))
    }
    #expect(edited("\"fail\": 1,", "\"fail\": 2,")?.hasPrefix("r.json: summary.fail: the file says 2 but its cases give 1") == true)
    #expect(edited("\"status\": \"skip\",", "\"status\": \"skipped\",")?.hasPrefix("r.json: cases[2].status: unknown name \"skipped\"; known: pass, warn, fail, skip, xfail, xpass") == true)
    #expect(edited("\"x_cond\": 0.636427134,", "\"xcond\": 0.636427134,")?.hasPrefix("r.json: cases[0].xcond: unknown key \"xcond\"") == true)
    #expect(edited("\"repro\": \"gradcheck eig", "\"reproduce\": \"gradcheck eig")?.hasPrefix("r.json: cases[2].reproduce: unknown key") == true)
    #expect(edited("\"index\": 0,", "\"index\": 0.5,")?.hasPrefix("r.json: cases[1].index: expected an integer") == true)
    #expect(edited("\"seed\": 18446744073709551615", "\"seed\": 18446744073709551616")?.hasPrefix("r.json: seed: expected an integer in 0...18446744073709551615, found 18446744073709551616") == true)
    #expect(edited("\"constraint\": {\"status\": \"pass\"", "\"constrain\": {\"status\": \"pass\"")?.hasPrefix("r.json: cases[0].checks.constrain: unknown key") == true)
    #expect(edited("\"eigenvalues\": [[-0.0, -1.0]", "\"eigenvalues\": [[-0.0]")?.hasPrefix("r.json: cases[2].eigenvalues[0]: expected 2 numbers, found 1") == true)
  }

  @Test("merge: shards give the unsharded results; duplicates and mismatches are errors")
  func merge() throws {
    let whole = Results(seed: 7, cases: sample.cases.sorted(by: CaseResult.canonicalOrder))
    let a = Results(seed: 7, cases: [sample.cases[3], sample.cases[0]])
    let b = Results(seed: 7, cases: [sample.cases[2], sample.cases[1]])
    let merged = try mergeResults([a, b])
    #expect(merged == whole)
    #expect(encodeResults(try mergeResults([b, a])) == encodeResults(whole))
    #expect(merged.summary == Summary(counting: sample.cases))

    #expect(throws: ResultsError(message: "duplicate case id \"rotation n=2 #0\" in part 2 and part 3; were the same shards merged twice?")) {
      try mergeResults([a, b, Results(seed: 7, cases: [generatedCase(0)])])
    }
    #expect(throws: ResultsError(message: "duplicate case id \"rotation n=2 #0\" twice in b.json; were the same shards merged twice?")) {
      try mergeResults([a, Results(seed: 7, cases: [generatedCase(0), generatedCase(0)])], names: ["a.json", "b.json"])
    }
    #expect(throws: ResultsError(message: "s2.json has seed 9, s1.json has seed 7; only shards of one run can be merged")) {
      try mergeResults([a, Results(seed: 9, cases: [])], names: ["s1.json", "s2.json"])
    }
    #expect(throws: ResultsError(message: "part 2 has seed 8, part 1 has seed 7; only shards of one run can be merged")) {
      try mergeResults([a, Results(seed: 8, cases: [])])
    }
    #expect(throws: ResultsError(message: "part 2 has version \"0.2.0\", part 1 has \"0.1.0\"")) {
      try mergeResults([a, Results(seed: 7, cases: [], version: "0.2.0")])
    }
    #expect(throws: ResultsError(message: "nothing to merge: no results given")) {
      try mergeResults([])
    }
  }
}

extension String {
  fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
    guard let r = range(of: target) else { return self }
    return replacingCharacters(in: r, with: replacement)
  }
}

@Suite("Results: behaviour curves")
struct ResultsCurvesTests {
  static func curve(_ t: TransformKind, _ beta: Double, shift: Double = 0) -> BehaviourCurve {
    BehaviourCurve(
      transform: t, beta: beta, s: 1, u: [-100, -1e-4, 0, 0.5, 10],
      margin: [-1e-5 + shift, 1e-300, 0.5, 0.974, 10.0], dx: [0, 1.5e-7, 0.5, 0.62, 1])
  }

  static func results(_ curves: [BehaviourCurve], index: Int = 1) -> Results {
    let c = CaseResult(
      id: "f[\(index)] softplus beta=5", source: "f.json", index: index, family: nil, n: 2,
      transform: .softplus, beta: 5, spectral: .minRealEigenvalue, classification: .smooth,
      status: .pass, x: 1, lambdaMin: -1, kappa: 1, eigenvalues: [ComplexPair(-1, 0), ComplexPair(2, 0)],
      xCond: 0.5, gradX: 0.1, gradY: nil, checks: [:], repro: "gradcheck check f.json")
    return Results(seed: 3, cases: [c], curves: curves)
  }

  @Test("round trip with and without curves; written after the summary, before the cases")
  func roundTrip() throws {
    let with = Self.results([Self.curve(.softplus, 1), Self.curve(.softplus, 5)])
    let text = encodeResults(with)
    #expect(try decodeResults(text, file: "r.json") == with)
    let summary = text.range(of: "\"summary\"")!.lowerBound
    let curves = text.range(of: "\"curves\": [")!.lowerBound
    let cases = text.range(of: "\"cases\": [")!.lowerBound
    #expect(summary < curves && curves < cases)
    #expect(text.contains("{\"transform\": \"softplus\", \"beta\": 1.0, \"s\": 1.0,\n     \"u\": [-100.0, -0.0001, 0.0, 0.5, 10.0],"))
    let without = Self.results([])
    let plain = encodeResults(without)
    #expect(!plain.contains("curves"))
    #expect(try decodeResults(plain, file: "r.json").curves.isEmpty)
  }

  @Test("the streaming reader hands out the curves with the header, and files without them")
  func reader() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("curves-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    for curves in [[Self.curve(.leaky, 2)], []] {
      let path = dir.appendingPathComponent("r\(curves.count).json").path
      try encodeResults(Self.results(curves)).write(toFile: path, atomically: true, encoding: .utf8)
      let r = try ResultsReader(path: path)
      #expect(r.curves == curves)
      #expect(try r.next() != nil)
      #expect(try r.next() == nil)
    }
  }

  @Test("a curve whose arrays differ in length, or with an unknown key, is an error naming it")
  func strict() {
    let good = encodeResults(Self.results([Self.curve(.softplus, 1)]))
    let short = good.replacingOccurrences(of: "\"dx\": [0.0, ", with: "\"dx\": [")
    #expect(throws: ResultsError.self) { try decodeResults(short, file: "r.json") }
    do {
      _ = try decodeResults(short, file: "r.json")
    } catch {
      #expect(error.description.contains("curves[0]") && error.description.contains("one length"))
    }
    let unknown = good.replacingOccurrences(of: "\"s\": 1.0,", with: "\"s\": 1.0, \"t\": 2,")
    do {
      _ = try decodeResults(unknown, file: "r.json")
      Issue.record("an unknown key in a curve was accepted")
    } catch {
      #expect(error.description.contains("curves[0].t"))
    }
  }

  @Test("merge takes the union by transform and beta, the first part's curve kept, in order")
  func merge() throws {
    let a = Self.results([Self.curve(.safeSoftplus, 5), Self.curve(.softplus, 5)], index: 1)
    let b = Self.results([Self.curve(.softplus, 5, shift: 1), Self.curve(.where, 1), Self.curve(.softplus, 1)], index: 2)
    let m = try mergeResults([a, b])
    #expect(m.curves.map(\.transform) == [.where, .softplus, .softplus, .safeSoftplus])
    #expect(m.curves.map(\.beta) == [1, 1, 5, 5])
    #expect(m.curves[2] == Self.curve(.softplus, 5))
    #expect(try mergeResults([Self.results([], index: 1), Self.results([], index: 2)]).curves.isEmpty)
  }
}
