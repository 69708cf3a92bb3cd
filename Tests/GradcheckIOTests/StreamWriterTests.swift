import Foundation
import GradcheckModel
import Testing

@testable import GradcheckIO

/// A case with a matrix gradient, a series and a string that needs escapes.
private func streamCase(_ k: Int, status: Status = .pass) -> CaseResult {
  CaseResult(
    id: "gaussian/n2[\(k)] softplus beta=5 \"x\"", source: nil, index: k, family: "gaussian", n: 2,
    transform: .softplus, beta: 5, spectral: .minRealEigenvalue, classification: .smooth,
    status: status, x: Double(k), lambdaMin: -0.5, kappa: 1.25,
    eigenvalues: [ComplexPair(-0.5, 0), ComplexPair(2, 0)], xCond: 0.25, gradX: .nan,
    gradY: [[0.1, 0.2], [0.3, 1e-300]],
    checks: [
      .constraint: CheckResult(status: status, value: 0.5, tolerance: 0, message: "margin\tok"),
      .taylor: CheckResult(status: .pass, value: 2, tolerance: 1.5, message: "order 2",
        series: [SeriesPoint(step: 1e-2, error: 1e-4)]),
    ],
    repro: "gradcheck sweep --family gaussian --n 2", eigenSolves: k)
}

@Suite("Streamed output files")
struct StreamWriterTests {
  let fm = FileManager.default

  func folder() throws -> String {
    let dir = fm.temporaryDirectory.appendingPathComponent("gradcheck-stream-\(UUID().uuidString)").path
    try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  @Test("a results file written case by case has the bytes of encodeResults", arguments: [0, 1, 5, 3000])
  func streamedResultsEqualEncoded(count: Int) throws {
    let dir = try folder()
    defer { try? fm.removeItem(atPath: dir) }
    let path = dir + "/results.json"
    let cases = (0..<count).map { streamCase($0, status: $0 % 7 == 3 ? .fail : .pass) }
    let w = try ResultsStreamWriter(path: path, seed: 42, version: "9.9")
    for c in cases { try w.add(c) }
    // While the run goes on, nothing is visible in the folder: the scratch file has no name.
    #expect(try fm.contentsOfDirectory(atPath: dir).isEmpty)
    #expect(w.summary == Summary(counting: cases))
    try w.finish()
    let expected = encodeResults(Results(seed: 42, cases: cases, version: "9.9"))
    #expect(try String(contentsOfFile: path, encoding: .utf8) == expected)
    #expect(try fm.contentsOfDirectory(atPath: dir) == ["results.json"])
  }

  @Test("a discarded or failing stream leaves nothing behind and keeps the old file")
  func discardAndFailure() throws {
    let dir = try folder()
    defer { try? fm.removeItem(atPath: dir) }
    let path = dir + "/results.json"
    try writeAtomically("old", to: path)
    let w = try ResultsStreamWriter(path: path, seed: 0)
    try w.add(streamCase(1))
    w.discard()
    #expect(try fm.contentsOfDirectory(atPath: dir) == ["results.json"])
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
    // A failure while the final file is assembled removes its temporary.
    #expect(throws: FileError(path: path, message: "injected")) {
      try writeAtomically(to: path, beforeRename: { () throws(FileError) in
        throw FileError(path: path, message: "injected")
      }) { (out) throws(FileError) in try out.write("new") }
    }
    #expect(try fm.contentsOfDirectory(atPath: dir) == ["results.json"])
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
    // A scratch file cannot be created in a missing folder: the error names the output.
    #expect(throws: FileError.self) { _ = try ResultsStreamWriter(path: dir + "/no/r.json", seed: 0) }
  }

  @Test("pieces copied from a scratch file land in order, across the 1 MiB buffer")
  func scratchCopies() throws {
    let dir = try folder()
    defer { try? fm.removeItem(atPath: dir) }
    let path = dir + "/junit.xml"
    let scratch = try ScratchFile(for: path)
    let a = String(repeating: "a", count: 700_000), b = String(repeating: "b", count: 900_000)
    try scratch.append(a)
    let mid = scratch.size
    try scratch.append(b)
    try scratch.append("c")
    #expect(scratch.size == a.utf8.count + b.utf8.count + 1)
    try writeAtomically(to: path) { (out) throws(FileError) in
      try out.write("<")
      try out.copy(mid..<scratch.size, of: scratch)  // b and c
      try out.copy(0..<mid, of: scratch)  // a
      try out.write(">")
    }
    scratch.close()
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "<" + b + "c" + a + ">")
    #expect(try fm.contentsOfDirectory(atPath: dir) == ["junit.xml"])
  }
}

@Suite("Results read case by case")
struct ResultsReaderTests {
  let fm = FileManager.default

  func write(_ text: String) throws -> String {
    let path = fm.temporaryDirectory.appendingPathComponent("gradcheck-reader-\(UUID().uuidString).json").path
    try text.write(toFile: path, atomically: false, encoding: .utf8)
    return path
  }

  /// Every case of the file through `ResultsReader`, or its error.
  func readAll(_ path: String) -> Result<(cases: [CaseResult], summary: Summary, seed: UInt64, version: String), ResultsError> {
    do {
      let r = try ResultsReader(path: path)
      var cases: [CaseResult] = []
      while let c = try r.next() { cases.append(c) }
      return .success((cases, r.summary, r.seed, r.version))
    } catch {
      return .failure(error)
    }
  }

  @Test("cases, header and summary are those of loadResults")
  func sameAsLoad() throws {
    let cases = (0..<300).map { streamCase($0, status: $0 % 5 == 1 ? .fail : .pass) }
    let text = encodeResults(Results(seed: 7, cases: cases, version: "2.0"))
    let path = try write(text)
    defer { try? fm.removeItem(atPath: path) }
    let r = try readAll(path).get()
    let whole = try loadResults(path)
    #expect(r.cases == whole.cases && r.summary == whole.summary)
    #expect(r.seed == 7 && r.version == "2.0")
    // An empty run and a file whose header follows its cases read the same way too.
    for other in [
      encodeResults(Results(seed: 1, cases: [])),
      "{\"cases\": [], \"format\": \"\(resultsFormat)\", \"version\": \"v\", \"seed\": 3, \"summary\": "
        + "{\"cases\": 0, \"pass\": 0, \"warn\": 0, \"fail\": 0, \"skip\": 0, \"xfail\": 0, \"xpass\": 0}}",
    ] {
      let p = try write(other)
      defer { try? fm.removeItem(atPath: p) }
      let a = try readAll(p).get(), b = try loadResults(p)
      #expect(a.cases == b.cases && a.seed == b.seed && a.version == b.version)
    }
  }

  @Test("a bad file gives the error of loadResults, even when cases were read before it")
  func sameErrors() throws {
    let text = encodeResults(Results(seed: 7, cases: (0..<40).map { streamCase($0) }))
    let firstPass = text.range(of: "\"status\": \"pass\"")!
    let lastPass = text.range(of: "\"status\": \"pass\"", options: .backwards)!
    let variants: [String] = [
      String(text.dropLast(30)),  // cut short
      text.replacingCharacters(in: firstPass, with: "\"status\": \"passs\"") + "x",  // bad name, then junk
      text.replacingCharacters(in: lastPass, with: "\"status\": \"passs\""),  // bad name in the last case
      text.replacingOccurrences(of: "\"cases\": 40", with: "\"cases\": 41"),  // summary
      String(text.dropLast(3)) + ",\n  \"extra\": 1\n}\n",  // unknown key after the cases
      text.replacingOccurrences(of: "\"n\": 2,", with: "\"n\": 2, \"n\": 3,"),  // duplicate key
      "",
    ]
    for v in variants {
      let path = try write(v)
      defer { try? fm.removeItem(atPath: path) }
      var expected: ResultsError?
      do { _ = try loadResults(path) } catch { expected = error }
      let e = try #require(expected, "variant should be rejected: \(v.prefix(80))")
      switch readAll(path) {
      case .success: Issue.record("ResultsReader accepted a file loadResults rejects: \(e)")
      case .failure(let got): #expect(got == e)
      }
    }
  }
}
