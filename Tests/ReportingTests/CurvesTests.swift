import Foundation
import GradcheckModel
import Testing

@testable import Reporting

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// A curve on a five-point grid (the tabulated u) with margins and slopes from `f`.
private func curve(_ t: TransformKind, _ beta: Double, _ f: (Double) -> (Double, Double)) -> BehaviourCurve {
  let u: [Double] = [-100, -50, -1, 0, 0.5, 2, 10]
  return BehaviourCurve(
    transform: t, beta: beta, s: 1, u: u, margin: u.map { f($0).0 }, dx: u.map { f($0).1 })
}

private func softplusLike(_ beta: Double) -> (Double) -> (Double, Double) {
  { u in (log1p(exp(beta * u)) / beta, 1 / (1 + exp(-beta * u))) }
}

private let sampleCurves: [BehaviourCurve] = [
  curve(.where, 1) { u in (u > 0 ? u : -1e-5, u > 0 ? 1 : 0) },
  curve(.where, 5) { u in (u > 0 ? u : -1e-5, u > 0 ? 1 : 0) },
  curve(.softplus, 1, softplusLike(1)),
  curve(.softplus, 5, softplusLike(5)),
  curve(.softplus, 50, softplusLike(50)),
]

private func withCurves(_ curves: [BehaviourCurve]) -> Results {
  var r = sampleResults()
  r.curves = curves
  return r
}

private func count(_ s: String, _ needle: String) -> Int { s.components(separatedBy: needle).count - 1 }

@Suite("Behaviour curves in reports")
struct CurvesReportTests {
  @Test("HTML: one figure per transform, two panels, a path per line, after the beta recommendation")
  func html() {
    let h = renderHTML(withCurves(sampleCurves))
    #expect(count(h, "<figure class=\"curves\">") == 2)
    // where: its betas share one line ("every β"); softplus: three lines; two panels each.
    #expect(count(h, "<path class=\"cv\"") == 2 * (1 + 3))
    #expect(h.contains(">every β</text>") && h.contains(">β=50</text>"))
    let beta = h.range(of: "<section id=\"beta\"")?.lowerBound
    let curves = h.range(of: "<section id=\"curves\">")!.lowerBound
    let charts = h.range(of: "<section id=\"charts\">")!.lowerBound
    if let beta { #expect(beta < curves) }
    #expect(curves < charts)
    #expect(h.contains("<a href=\"#curves\">Curves</a>"))
    // Lines differ by dash as well as colour.
    #expect(h.contains("stroke-dasharray=\"7 3\"") && h.contains("stroke-dasharray=\"2 2\""))
  }

  @Test("the curves section is well-formed XML: one svg per panel, one cv path per line")
  func wellFormed() throws {
    let h = renderHTML(withCurves(sampleCurves))
    let start = h.range(of: "<section id=\"curves\">")!.lowerBound
    let end = h.range(of: "</section>", range: start..<h.endIndex)!.upperBound
    let doc = try XMLDocument(data: Data(h[start..<end].utf8), options: [])
    let svgs = try doc.nodes(forXPath: "//svg")
    #expect(svgs.count == 4)
    #expect(try doc.nodes(forXPath: "//path[@class='cv']").count == 8)
    for p in try doc.nodes(forXPath: "//path[@class='cv']") {
      let d = (p as? XMLElement)?.attribute(forName: "d")?.stringValue ?? ""
      #expect(d.hasPrefix("M") && !d.contains("nan") && !d.contains("inf"))
    }
  }

  @Test("lines of betas with different values stay apart even when one pair matches")
  func grouping() {
    let lines = curveLines([
      curve(.leaky, 1) { ($0, 1) }, curve(.leaky, 2) { ($0, 1) }, curve(.leaky, 3) { ($0, 2) },
    ])
    #expect(lines.count == 1)
    #expect(lines[0].lines.map(\.label) == ["β=1, 2", "β=3"])
  }

  @Test("Markdown: a table per transform with margin and dT/dx at the tabulated u")
  func markdown() {
    let m = renderMarkdown(withCurves(sampleCurves))
    #expect(m.contains("## Behaviour curves"))
    #expect(m.contains("| line | value | u = -50 | u = -1 | u = 0 | u = 0.5 | u = 2 |"))
    #expect(m.contains("| every β | margin | -1e-5 | -1e-5 | -1e-5 | 0.5 | 2 |"))
    #expect(m.contains("| β=5 | dT/dx | \(formatNumber(1 / (1 + exp(250.0)))) | \(formatNumber(1 / (1 + exp(5.0)))) | 0.5 |"))
    #expect(count(m, "| margin |") == 4 && count(m, "| dT/dx |") == 4)
    let rec = m.range(of: "## Beta recommendation")?.lowerBound
    if let rec { #expect(rec < m.range(of: "## Behaviour curves")!.lowerBound) }
  }

  @Test("without curves the reports have no curves section; the accumulator carries them")
  func absent() {
    #expect(!renderHTML(sampleResults()).contains("id=\"curves\""))
    #expect(!renderMarkdown(sampleResults()).contains("Behaviour curves"))
    let r = sampleResults()
    var acc = ReportAccumulator(seed: r.seed, version: r.version)
    for c in r.cases { acc.add(c) }
    acc.curves = sampleCurves
    #expect(acc.html() == renderHTML(withCurves(sampleCurves)))
    #expect(acc.markdown() == renderMarkdown(withCurves(sampleCurves)))
  }
}
