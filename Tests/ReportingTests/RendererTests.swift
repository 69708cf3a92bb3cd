// Structural tests of the renderers: determinism, JUnit parsed back, HTML self-contained
// and well formed, Markdown order and size cap.

import Foundation
import GradcheckModel
import Testing

@testable import Reporting

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Number of non-overlapping occurrences of `needle` in `s`.
func occurrences(of needle: String, in s: String) -> Int {
  s.components(separatedBy: needle).count - 1
}

/// Byte offset of the first occurrence of `needle`, or nil.
func offset(of needle: String, in s: String) -> Int? {
  s.range(of: needle).map { s.utf8.distance(from: s.startIndex, to: $0.lowerBound) }
}

@Suite("Determinism")
struct DeterminismTests {
  @Test func sameInputSameBytes() {
    let r = sampleResults()
    #expect(renderMarkdown(r) == renderMarkdown(r))
    #expect(renderHTML(r) == renderHTML(r))
    #expect(renderJUnit(r) == renderJUnit(r))
    #expect(renderIndexHTML(entries: indexEntries) == renderIndexHTML(entries: indexEntries))
  }

  /// Check dictionaries built in another insertion order must not change a byte.
  @Test func independentOfDictionaryOrder() {
    let r = sampleResults()
    var s = r
    for i in s.cases.indices {
      var d: [CheckName: CheckResult] = [:]
      for k in s.cases[i].checks.keys.sorted().reversed() { d[k] = s.cases[i].checks[k] }
      s.cases[i].checks = d
    }
    #expect(renderMarkdown(s) == renderMarkdown(r))
    #expect(renderHTML(s) == renderHTML(r))
    #expect(renderJUnit(s) == renderJUnit(r))
  }
}

@Suite("JUnit XML")
struct JUnitTests {
  @Test func parsesBackWithTheRightStructure() throws {
    let r = sampleResults()
    let xml = renderJUnit(r, suiteName: "gradcheck <fixtures>")
    let doc = try XMLDocument(data: Data(xml.utf8), options: [])
    let root = try #require(doc.rootElement())
    #expect(root.name == "testsuites")
    #expect(root.attribute(forName: "name")?.stringValue == "gradcheck <fixtures>")
    let failedCases = r.cases.filter { $0.status == .fail || $0.status == .xpass }
    let skippedCases = r.cases.filter { $0.status == .skip }
    #expect(root.attribute(forName: "tests")?.stringValue == "\(r.cases.count)")
    #expect(root.attribute(forName: "failures")?.stringValue == "\(failedCases.count)")
    #expect(root.attribute(forName: "skipped")?.stringValue == "\(skippedCases.count)")
    #expect(root.attribute(forName: "errors")?.stringValue == "0")

    let suites = root.elements(forName: "testsuite")
    let groups = Set(r.cases.map(\.group)).sorted()
    #expect(suites.map { $0.attribute(forName: "name")?.stringValue ?? "" } == groups)
    var names: [String] = []
    var failures = 0, skipped = 0
    for suite in suites {
      let group = suite.attribute(forName: "name")?.stringValue ?? ""
      let cases = suite.elements(forName: "testcase")
      let expected = r.cases.filter { $0.group == group }
      #expect(suite.attribute(forName: "tests")?.stringValue == "\(expected.count)")
      #expect(cases.count == expected.count)
      let f = expected.filter { $0.status == .fail || $0.status == .xpass }.count
      #expect(suite.attribute(forName: "failures")?.stringValue == "\(f)")
      for tc in cases {
        #expect(tc.attribute(forName: "classname")?.stringValue == group)
        #expect(tc.attribute(forName: "time")?.stringValue == "0")
        names.append(tc.attribute(forName: "name")?.stringValue ?? "")
        let fe = tc.elements(forName: "failure")
        #expect(fe.count <= 1)
        failures += fe.count
        skipped += tc.elements(forName: "skipped").count
      }
    }
    #expect(failures == failedCases.count)
    #expect(skipped == skippedCases.count)
    // Names read back equal the ids (the control character U+0001 is removed).
    let ids = r.cases.map { $0.id.replacingOccurrences(of: "\u{1}", with: "") }
    #expect(Set(names) == Set(ids))
  }

  @Test func failureHoldsEveryFailedCheckAndSkipHasReason() throws {
    let r = sampleResults()
    let doc = try XMLDocument(data: Data(renderJUnit(r).utf8), options: [])
    let root = try #require(doc.rootElement())
    var byName: [String: XMLElement] = [:]
    for s in root.elements(forName: "testsuite") {
      for tc in s.elements(forName: "testcase") {
        byName[tc.attribute(forName: "name")?.stringValue ?? ""] = tc
      }
    }
    let broken = try #require(byName["near-zero[0] softplus beta=50"])
    let failure = try #require(broken.elements(forName: "failure").first)
    #expect(failure.attribute(forName: "type")?.stringValue == "fail")
    let body = failure.stringValue ?? ""
    for check in ["constraint: fail", "gradient: fail", "taylor: fail", "growth: fail"] {
      #expect(body.contains(check), "failure body lacks \(check)")
    }
    #expect(body.contains("repro: gradcheck check fixtures/near-zero.json"))
    #expect(!body.contains("finite: pass"))

    let skip = try #require(byName["rotation[0] softplus beta=5"])
    let reason = skip.elements(forName: "skipped").first?.attribute(forName: "message")?.stringValue
    #expect(reason == "no-real-eigenvalue: no real eigenvalue (s undefined)")

    let xpass = try #require(byName["forum-example[1] softplus beta=1"])
    #expect(xpass.elements(forName: "failure").count == 1)
    let xfail = try #require(byName["forum-example[1] softplus beta=5"])
    #expect(xfail.elements(forName: "failure").isEmpty)
    let xfailOut = xfail.elements(forName: "system-out").first?.stringValue ?? ""
    #expect(xfailOut.contains("expected failure: fidelity"))
    let warn = try #require(byName["forum-example[1] leaky beta=5"])
    let warnOut = warn.elements(forName: "system-out").first?.stringValue ?? ""
    #expect(warnOut.contains("warning: constraint"))

    let odd = try #require(byName.keys.first { $0.hasPrefix("odd") }.flatMap { byName[$0] })
    let oddBody = odd.elements(forName: "failure").first?.stringValue ?? ""
    #expect(oddBody.contains("<&\"'>"))
    #expect(!oddBody.contains("\u{7}"))
  }

  @Test func escapingRemovesControlsAndEscapesMarkup() {
    #expect(xmlEscape("a<b>&\"c'\u{1}\u{7F}\u{85}d\u{FFFF}") == "a&lt;b&gt;&amp;&quot;c&apos;d")
    #expect(xmlEscape("l1\nl2\tx") == "l1 l2 x")
    #expect(xmlEscape("l1\nl2", singleLine: false) == "l1\nl2")
  }
}

@Suite("HTML")
struct HTMLTests {
  @Test func selfContainedAndWellFormed() {
    let html = renderHTML(sampleResults())
    #expect(!html.lowercased().contains("<script"))
    #expect(!html.contains("http://"))
    #expect(!html.contains("https://"))
    #expect(!html.contains("src="))
    #expect(!html.contains("<link"))
    #expect(!html.contains("@import"))
    // CSS/SVG url() references only point inside the page (the hatch pattern).
    for part in html.components(separatedBy: "url(").dropFirst() {
      #expect(part.hasPrefix("#"), "url( not a fragment: \(part.prefix(40))")
    }
    // Every href is a fragment.
    for part in html.components(separatedBy: "href=\"").dropFirst() {
      #expect(part.hasPrefix("#"), "non-fragment link: \(part.prefix(40))")
    }
    #expect(occurrences(of: "<svg", in: html) == occurrences(of: "</svg>", in: html))
    #expect(occurrences(of: "<svg", in: html) >= 10)
    for tag in ["table", "section", "figure", "article", "pre", "header", "main"] {
      #expect(occurrences(of: "<\(tag)", in: html) == occurrences(of: "</\(tag)>", in: html), "\(tag)")
    }
    #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
    #expect(html.hasSuffix("</html>\n"))
    // No raw control characters or unescaped sample markup.
    #expect(!html.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    #expect(!html.contains("odd <&"))
    #expect(html.contains("odd &lt;&amp;&quot;&apos;&gt;"))
  }

  @Test func conclusionsFirstFailedCasesAfterThePictures() throws {
    let html = renderHTML(sampleResults())
    let order = try ["scorecard", "modes", "beta", "charts", "tables", "failures", "warnings", "cases"]
      .map { try #require(offset(of: "<section id=\"\($0)\"", in: html), "\($0)") }
    #expect(order == order.sorted())
    // Every failing case appears in the failures section with its repro command.
    let failures = String(html[html.range(of: "<section id=\"failures\"")!.lowerBound...])
      .components(separatedBy: "</section>")[0]
    for c in sampleResults().cases where c.status == .fail || c.status == .xpass {
      #expect(failures.contains(xmlEscape(c.id)), "\(c.id)")
      #expect(failures.contains(xmlEscape(c.repro, singleLine: false)))
    }
    #expect(html.contains("✗ FAIL"))
  }

  @Test func picturesArePresent() {
    let html = renderHTML(sampleResults())
    #expect(html.contains("softplus: pass rate"))
    #expect(html.contains("safe-softplus: constraint margin"))
    #expect(html.contains("where: max |grad|"))
    #expect(html.contains("failure 1: error vs step"))
    #expect(html.contains("solver: value / tolerance"))
    #expect(html.contains("O(h²)"))
    // The series with a zero and an infinity pins them to the edges; NaN is counted.
    #expect(html.contains("1 NaN not drawn"))
    // The skipped softplus case shows in its heatmap, the where failure is hatched.
    #expect(html.contains(">1 skipped</text>"))
    #expect(html.contains("fill=\"url(#hatch)\""))
  }

  @Test func largeInputStaysBounded() {
    let r = largeResults(count: 20_000)
    let html = renderHTML(r)
    #expect(html.utf8.count < 3 << 20)
    #expect(html.contains("The first 2000 of 20000 cases are listed"))
    #expect(occurrences(of: "<article class=\"case\">", in: html) == htmlFailureCap)
  }

  @Test func indexLinksEveryReport() {
    let html = renderIndexHTML(entries: indexEntries)
    #expect(html.contains("href=\"fixtures/report.html\""))
    #expect(html.contains("href=\"sweep/report.html?a=1&amp;b=&quot;2&quot;\""))
    #expect(html.contains("Fixtures &lt;check&gt;"))
    #expect(!html.contains("<script") && !html.contains("http"))
    #expect(html.contains("✗ FAIL"))
    #expect(renderIndexHTML(entries: []).contains("No reports."))
  }
}

@Suite("Markdown")
struct MarkdownTests {
  @Test func conclusionsFirstCasesLast() throws {
    let r = sampleResults()
    let md = renderMarkdown(r)
    #expect(md.hasPrefix("# gradcheck report\n\n**✗ FAIL**"))
    let order = try [
      "## Scorecard", "## Failure modes (", "## Beta recommendation", "## By transform and beta",
      "## Failed cases (", "## Warned cases (",
    ].map { try #require(offset(of: $0, in: md)) }
    #expect(order == order.sorted())
    #expect(md.contains("## Classification"))
    #expect(md.contains("## Checks"))
    #expect(md.contains("## Solver agreement"))
    // Counts worked out by hand from sampleResults(): softplus at beta 5 has one pass, one
    // xfail, one fail and one skip; leaky has a failure at beta 1 and a warning at beta 5.
    #expect(md.contains("| softplus | 1/2 ✓ ✗1 | 2/3 ✓ ✗1 –1 | 0/1 ✓ ✗1 | · | 3/6 ✓ ✗3 –1 |"))
    #expect(md.contains("| leaky | 0/1 ✓ ✗1 | 0/1 ✓ !1 | · | · | 0/2 ✓ ✗1 !1 |"))
    #expect(md.contains("| where | · | · | · | · | ✗1 | · | · | · |"))
    #expect(md.contains("| no-real-eigenvalue | 1 | 0 | 0 | 0 | 1 | 0 | 0 |"))
    #expect(md.contains("| solver | 1 | 1 | 1 | 0 | 12 |"))
    // One repro block per failure mode (its minimal case); every listed case has its repro.
    let a = ReportAccumulator(r).builderAnalysis
    #expect(occurrences(of: "```sh\n", in: md) == a.modes.count)
    for c in a.failureCases + a.warningCases { #expect(md.contains(mdCode(c.repro))) }
    // Markup in ids and messages is escaped; no raw control characters remain.
    #expect(md.contains("margin -inf second line \\| pipe \\`tick\\` \\*star\\*"))
    #expect(!md.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    #expect(!md.contains("more are not listed"))
  }

  @Test func capsAtTheLimitForLargeInput() {
    let r = largeResults(count: 200_000)
    let md = renderMarkdown(r)
    #expect(md.utf8.count <= markdownByteLimit)
    #expect(md.utf8.count > markdownByteLimit / 2)
    #expect(md.contains("more are not listed here"))
    #expect(md.contains("results.json"))
    // The sections before the case lists are whole.
    #expect(md.contains("## By transform and beta"))
    #expect(md.contains("## Classification"))
    #expect(md.hasSuffix("\n"))
  }

  @Test func smallLimitListsWhatFitsAndCountsTheRest() throws {
    let r = sampleResults()
    let full = renderMarkdown(r, title: "t")
    // Room for the sections and about one listed case.
    let limit = try #require(offset(of: "## Failed cases (", in: full)) + 900
    let md = renderMarkdown(r, title: "t", byteLimit: limit)
    #expect(full.utf8.count > limit)
    #expect(md.utf8.count <= limit)
    #expect(md.contains("more are not listed here"))
    #expect(md.contains("## Classification"))
    // Everything before the case lists is the full report's.
    let cutAt = try #require(md.range(of: "## Failed cases ("))
    #expect(full.hasPrefix(String(md[..<cutAt.lowerBound])))
  }

  @Test func escaping() {
    #expect(mdEscape("a|b*c_d<e>&f`g\nh") == "a\\|b\\*c\\_d\\<e\\>&amp;f\\`g h")
    #expect(mdCode("x`y|z") == "``x`y\\|z``")
    #expect(mdCode("`a`") == "`` `a` ``")
    #expect(mdCodeBlock("a ``` b") == "````sh\na ``` b\n````\n")
  }
}

@Suite("Numbers and charts")
struct FormatTests {
  @Test func formatNumberRules() {
    #expect(formatNumber(nil) == "n/a")
    #expect(formatNumber(.nan) == "NaN")
    #expect(formatNumber(.infinity) == "inf")
    #expect(formatNumber(-.infinity) == "-inf")
    #expect(formatNumber(0) == "0")
    #expect(formatNumber(-0.0) == "0")
    #expect(formatNumber(1) == "1")
    #expect(formatNumber(0.0122748) == "0.01227")
    #expect(formatNumber(-1.5519847121) == "-1.552")
    #expect(formatNumber(123456) == "123500")
    #expect(formatNumber(1234567) == "1.235e6")
    #expect(formatNumber(1.5e-8) == "1.5e-8")
    #expect(formatNumber(0.0001) == "0.0001")
    #expect(formatNumber(0.00001234) == "1.234e-5")
    #expect(formatNumber(9.9996) == "10")
    #expect(formatNumber(-3.2e9) == "-3.2e9")
    #expect(formatNumber(4.4e-16) == "4.4e-16")
  }

  @Test func lambdaBands() {
    #expect(LambdaBand(-3e-9).label == "-1e-8 < s < 0")
    #expect(LambdaBand(0).label == "0 ≤ s < 1e-8")
    #expect(LambdaBand(1e-5).label == "1e-8 ≤ s < 1e-4")
    #expect(LambdaBand(-1e-5).label == "-1e-4 < s ≤ -1e-8")
    #expect(LambdaBand(-1.55).label == "s ≤ -1")
    #expect(LambdaBand(1).label == "s ≥ 1")
    #expect(LambdaBand(0.5).label == "0.1 ≤ s < 1")
    #expect(LambdaBand(nil) == .undefined)
    #expect(LambdaBand(.nan) == .undefined)
    #expect(LambdaBand(-2) < LambdaBand(-1e-9))
    #expect(LambdaBand(-1e-9) < LambdaBand(0))
    #expect(LambdaBand(0) < LambdaBand(2))
  }

  @Test func chartsSurviveDegenerateData() {
    let cases: [[(x: Double, y: Double)]] = [
      [], [(0, 5)], [(0, 0)], [(0, .infinity), (1, .nan)], [(0, -.infinity), (1, 1e300), (2, 1e-300)],
    ]
    for pts in cases {
      for scale in [ValueScale.log, .symlog(1e-16)] {
        let svg = svgLineChart(
          title: "t", xLabel: "x", yLabel: "y", categories: ["a", "b", "c"], yScale: scale,
          series: [ChartSeries(name: "s", cls: "s-blue", marker: "circle", dashed: false, points: pts)],
          zeroLine: "0")
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
        #expect(!svg.contains("nan") && !svg.contains("inf\"") && !svg.contains("NaN\""))
      }
    }
    let empty = svgLineChart(title: "t", xLabel: "x", yLabel: "y", categories: nil, yScale: .log,
      series: [ChartSeries(name: "s", cls: "s-blue", marker: "circle", dashed: false, points: [])])
    #expect(empty.contains("no data to plot"))
    let loglog = svgLineChart(title: "t", xLabel: "x", yLabel: "y", categories: nil, yScale: .log,
      series: [ChartSeries(name: "s", cls: "s-blue", marker: "square", dashed: false,
        points: [(1e-3, 0), (0, 1), (-1, 2), (1e-2, 1e-5)])],
      reference: (2, "O(h²)"))
    #expect(loglog.contains(">0</text>"))
    #expect(loglog.contains("<rect class=\"s-blue\""))
    let bars = svgBarChart(title: "b", xLabel: "x", bins: [])
    #expect(bars.contains("no data to plot"))
    let heat = svgHeatmap(title: "h", rows: [], columns: [], cells: [])
    #expect(heat.hasSuffix("</svg>"))
  }

  @Test func medians() {
    #expect(median([]) == nil)
    #expect(median([.nan]) == nil)
    #expect(median([3, 1, 2]) == 2)
    #expect(median([1, 2, 3, 4]) == 2.5)
    #expect(median([1, .infinity]) == .infinity)
    #expect(maxAbsGradient(makeCase(id: "g", status: .pass, gradX: -3, gradY: [[1, -7]], checks: [:])) == 7)
    #expect(maxAbsGradient(makeCase(id: "g", status: .pass, gradX: nil, gradY: nil, checks: [:])) == nil)
    #expect(maxAbsGradient(makeCase(id: "g", status: .pass, gradX: 1, gradY: [[.nan]], checks: [:]))!.isNaN)
  }
}

@Suite("Eig-only results")
struct EigOnlyTests {
  /// `gradcheck eig` results: no transform, beta or x; only solver and expect checks.
  func eigResults() -> Results {
    Results(seed: 1, cases: sampleResults().cases.filter { $0.transform == nil })
  }

  @Test func markdownHasSolverSummaryAndNoTransformSections() {
    let md = renderMarkdown(eigResults())
    #expect(md.contains("## Solver agreement (native vs GSL)"))
    #expect(md.contains("| 3 | 1 | 1 | 1 | 0 | inf | `jordan n=3 #0` |"))
    #expect(md.contains("Eigen solves (eig cases): 6."))
    #expect(!md.contains("## Findings by transform"))
    #expect(!md.contains("## Constraint margin"))
  }

  @Test func htmlHasSolverHistogramAndHeatmap() {
    let html = renderHTML(eigResults())
    #expect(html.contains("solver: value / tolerance"))
    #expect(html.contains("none (eig): pass rate"))
    #expect(!html.contains(": max |grad|"))
    #expect(!html.contains("<section id=\"scorecard\"") && !html.contains("<section id=\"beta\""))
    #expect(occurrences(of: "<svg", in: html) == occurrences(of: "</svg>", in: html))
  }

  @Test func junitGroupsByFamily() throws {
    let doc = try XMLDocument(data: Data(renderJUnit(eigResults()).utf8), options: [])
    let suites = try #require(doc.rootElement()).elements(forName: "testsuite")
    #expect(suites.map { $0.attribute(forName: "name")?.stringValue ?? "" } == ["jordan", "random-gaussian"])
  }
}
