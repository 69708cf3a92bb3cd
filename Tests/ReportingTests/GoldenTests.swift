// Golden files: every renderer's output for the sample results, compared byte for byte.
// Re-record with RECORD_GOLDEN=1 (a recording run writes the files and fails on purpose).

import Foundation
import GradcheckModel
import Testing

@testable import Reporting

/// Folder of the golden files, next to this source file.
let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
  .appendingPathComponent("Golden")

/// Compares `actual` with the golden file `name`, or records it when RECORD_GOLDEN=1.
func assertGolden(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
  let url = goldenDirectory.appendingPathComponent(name)
  let data = Data(actual.utf8)
  if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
    try data.write(to: url, options: .atomic)
    Issue.record(
      "recorded golden file Golden/\(name) (\(data.count) bytes); run again without RECORD_GOLDEN=1",
      sourceLocation: sourceLocation)
    return
  }
  guard let expected = FileManager.default.contents(atPath: url.path) else {
    Issue.record("missing golden file Golden/\(name); record it with RECORD_GOLDEN=1",
      sourceLocation: sourceLocation)
    return
  }
  if expected == data { return }
  // Name the first differing line to make the failure readable.
  let a = String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
  let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
  var line = 0
  while line < min(a.count, b.count) && a[line] == b[line] { line += 1 }
  let want = line < a.count ? String(a[line]) : "<end of file>"
  let got = line < b.count ? String(b[line]) : "<end of file>"
  Issue.record(
    Comment(rawValue: "Golden/\(name) differs (\(expected.count) bytes expected, \(data.count) rendered) at line "
      + "\(line + 1):\n  expected: \(want)\n  rendered: \(got)\nre-record with RECORD_GOLDEN=1 if intended"),
    sourceLocation: sourceLocation)
}

let indexEntries: [(title: String, href: String, summary: Summary)] = [
  ("Fixtures <check>", "fixtures/report.html", sampleResults().summary),
  ("Sweep & co", "sweep/report.html?a=1&b=\"2\"", largeResults(count: 30).summary),
  ("Empty", "empty.html", Summary()),
]

@Suite("Golden files")
struct GoldenTests {
  @Test func markdown() throws {
    try assertGolden(renderMarkdown(sampleResults()), "sample.md")
  }

  @Test func junit() throws {
    try assertGolden(renderJUnit(sampleResults()), "sample.junit.xml")
  }

  @Test func html() throws {
    try assertGolden(renderHTML(sampleResults(), title: "gradcheck <sample> & \"report\""), "sample.html")
  }

  @Test func emptyResults() throws {
    let r = Results(seed: 0, cases: [])
    try assertGolden(renderMarkdown(r), "empty.md")
    try assertGolden(renderHTML(r), "empty.html")
    try assertGolden(renderJUnit(r), "empty.junit.xml")
  }

  @Test func index() throws {
    try assertGolden(renderIndexHTML(entries: indexEntries), "index.html")
  }
}
