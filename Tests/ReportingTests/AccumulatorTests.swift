// The report accumulator keeps what the reports show, not the cases.

import GradcheckModel
import Testing

@testable import Reporting

/// Case `k` of a long synthetic run: every third fails (with a series), every fifth
/// warns, over four groups, two transforms and three betas.
private func streamedCase(_ k: Int) -> CaseResult {
  let status: Status = k % 3 == 0 ? .fail : (k % 5 == 0 ? .warn : .pass)
  var checks = passing(allGradChecks, margin: 1e-3 * Double(k % 17))
  if status == .fail {
    checks[.gradient] = CheckResult(
      status: .fail, value: 0.5, tolerance: 1e-6,
      message: "finite difference disagrees: " + String(repeating: "x", count: 2_000),
      series: [SeriesPoint(step: 1e-3, error: 0.5), SeriesPoint(step: 1e-4, error: 0.5)])
  } else if status == .warn {
    checks[.fidelity] = CheckResult(status: .warn, value: 0.02, tolerance: 0.01, message: "x_cond moved")
  }
  return makeCase(
    id: "case-\(k)", source: nil, family: "family\(k % 4)", index: k, n: 3,
    transform: k % 2 == 0 ? .softplus : .safeSoftplus, beta: [1.0, 5.0, 20.0][k % 3],
    status: status, lambdaMin: -1 + Double(k % 11) / 5, checks: checks)
}

@Suite("Report accumulator")
struct AccumulatorTests {
  /// What the analysis holds besides the two numbers per case of the medians.
  struct Held: Equatable {
    var failureCases: Int
    var warningCases: Int
    var seriesCases: Int
    var caseRows: Int
    var modes: Int
    var listedPerMode: [Int]
    var cells: Int
  }

  func held(_ b: AnalysisBuilder) -> (Held, perCase: Int) {
    let a = b.finish()
    let held = Held(
      failureCases: a.failureCases.count, warningCases: a.warningCases.count,
      seriesCases: a.seriesCases.count, caseRows: a.caseRows.count, modes: a.modes.count,
      listedPerMode: a.modes.map(\.stats.listed.count), cells: a.tb.count)
    let perCase = a.tb.values.reduce(0) { $0 + $1.grads.count + $1.margins.count }
    return (held, perCase)
  }

  @Test("what it holds stops growing at the reports' caps")
  func boundedByCaps() {
    var b = AnalysisBuilder()
    // 4000 cases fill every mode's list (each transform fails 667 and warns 267 times).
    for k in 0..<4_000 { b.add(streamedCase(k)) }
    let (first, perCase1) = held(b)
    for k in 4_000..<8_000 { b.add(streamedCase(k)) }
    let (second, perCase2) = held(b)
    // Doubling the cases changes nothing it keeps in full ...
    #expect(first == second)
    #expect(first.failureCases == caseListCap && first.seriesCases == htmlSeriesCap)
    #expect(first.warningCases == caseListCap)
    #expect(first.caseRows == htmlCaseRowCap)
    #expect(first.listedPerMode.allSatisfy { $0 <= caseListCap })
    // ... and only the margin and gradient size of each case grow.
    #expect(perCase1 == 2 * 4_000 && perCase2 == 2 * 8_000)
    #expect(b.finish().failureCount == 8_000 / 3 + 1 && b.finish().summary.cases == 8_000)
    // The modes count every case: two transforms each fail `gradient` and warn `fidelity`.
    let modes = b.finish().modes
    #expect(modes.map(\.stats.count).reduce(0, +) == 8_000 / 3 + 1 + b.finish().warningCount)
    #expect(Set(modes.map { "\($0.key.subject) \($0.key.check)" }) == [
      "softplus gradient", "safe-softplus gradient", "softplus fidelity", "safe-softplus fidelity",
    ])
  }

  @Test("the case lists fill what the sections leave, whole entries only", arguments: [12_000, 100_000])
  func caseListsWithinLimit(limit: Int) {
    let r = Results(seed: 3, cases: (0..<1_500).map(streamedCase), version: "1.2.3")
    let md = renderMarkdown(r, title: "t", byteLimit: limit)
    #expect(md.utf8.count <= limit)
    #expect(md.contains("more are not listed here"))
    // Every mode is listed whatever the limit.
    #expect(occurrences(of: "\n### ", in: md) == 4)
    // Fed one by one or from whole results: the same bytes.
    var acc = ReportAccumulator(seed: 3, version: "1.2.3", format: resultsFormat, markdownByteLimit: limit)
    for c in r.cases { acc.add(c) }
    #expect(acc.markdown(title: "t") == md)
  }

  @Test("JUnit pieces put together in group order give renderJUnit")
  func junitPieces() {
    let r = sampleResults()
    var layout = JUnitLayout(seed: r.seed, version: r.version)
    var texts: [(String, String)] = []
    for c in r.cases { texts.append(layout.add(c)) }
    var o = layout.head(suiteName: "s")
    for g in layout.groups {
      o += layout.suiteHead(g) + texts.filter { $0.0 == g }.map(\.1).joined() + JUnitLayout.suiteTail
    }
    o += JUnitLayout.tail
    #expect(o == renderJUnit(r, suiteName: "s"))
  }
}
