// Self-contained HTML report: inline CSS and SVG only (no script, no network).

import GradcheckModel

/// Most failed cases shown in detail in the HTML report (in mode order); the rest are counted.
let htmlFailureCap = caseListCap
/// Most warnings listed in the HTML report (in mode order).
let htmlWarningCap = caseListCap
/// Most failing cases with a convergence series that get their own chart.
let htmlSeriesCap = 12
/// Most rows of the full case table.
let htmlCaseRowCap = 2000

/// Renders results as one self-contained HTML file.
///
/// Content, in order (the Markdown report's): the title with the overall status and the
/// summary counts; the scorecard, the failure modes and the beta recommendation (see
/// `renderMarkdown`); the pictures — per transform a heatmap of the
/// pass rate over beta (columns) and bands of s = lambda_min (rows), per transform the
/// largest gradient entry (log scale) and the constraint margin `1 + x_cond*s` (symlog
/// scale, linear within 1e-16 of 0) against beta, median and worst over cases, for
/// failing cases with a convergence series the finite-difference error and Taylor
/// remainder against the step (log-log), and the solver agreement (value / tolerance
/// histogram); then the transform x beta, failing checks, classification and check
/// tables; the failed cases (the first 200 in detail, in mode order) with their failed
/// checks and repro commands, the warned cases (first 200), and a table of all cases
/// (first 2000 rows).
///
/// Colours come from a colour-blind-safe palette (blue, orange, vermillion, grey) and
/// every status also carries a symbol (✓ ! ✗ –), counts and, for failures, a hatch
/// pattern. The page has no script and references no network resource; its bytes
/// depend only on `r` and `title`.
public func renderHTML(_ r: Results, title: String = "gradcheck report") -> String {
  ReportAccumulator(r).html(title: title)
}

/// The HTML report from an analysis.
func renderHTML(_ r: ReportHeader, _ a: Analysis, title: String, leading: String = "") -> String {
  var o = htmlHead(title: title)
  o += "<header>\n<h1>\(xmlEscape(title))</h1>\n"
  o += "<p class=\"verdict \(a.verdict.cssClass)\">\(a.verdict.label)"
    + "<span> — \(xmlEscape(a.verdict.sentence(a.summary)))</span></p>\n"
  o += "<p class=\"meta\">Seed \(r.seed) · format \(xmlEscape(r.format)) · gradcheck "
    + "\(xmlEscape(r.version))</p>\n"
  o += htmlSummaryCounts(a.summary)
  o += "<nav><a href=\"#scorecard\">Scorecard</a> · <a href=\"#modes\">Failure modes</a> · "
    + "<a href=\"#beta\">Beta</a> · " + (r.curves.isEmpty ? "" : "<a href=\"#curves\">Curves</a> · ")
    + "<a href=\"#charts\">Pictures</a> · <a href=\"#tables\">Tables</a> · "
    + "<a href=\"#failures\">Failed cases</a> · <a href=\"#warnings\">Warned cases</a> · "
    + "<a href=\"#cases\">All cases</a></nav>\n</header>\n<main>\n"
  o += leading
  o += htmlScorecard(a)
  o += htmlModes(a)
  o += htmlRecommendation(a)
  o += htmlCurves(r.curves)
  o += htmlCharts(a)
  o += htmlTables(a)
  o += htmlFailures(a)
  o += htmlWarnings(a)
  o += htmlCaseTable(a)
  o += "</main>\n<footer>Rendered by gradcheck \(xmlEscape(r.version)) from the results alone; "
    + "results.json holds every case and value.</footer>\n</body>\n</html>\n"
  return o
}

/// Renders an index page linking several reports (for `Reports/index.html`), each with
/// its overall status and counts, in the given order; same style as `renderHTML`.
/// `total` counts each case once over every entry (a merged entry holds its parts' cases
/// again); without it the entries' counts are added.
public func renderIndexHTML(
  entries: [(title: String, href: String, summary: Summary)], total: Summary? = nil
) -> String {
  var all = Summary()
  for e in entries { all += e.summary }
  if let total { all = total }
  let v = Verdict(all)
  var o = htmlHead(title: "gradcheck reports")
  o += "<header>\n<h1>gradcheck reports</h1>\n"
  o += "<p class=\"verdict \(v.cssClass)\">\(v.label)<span> — "
    + "\(xmlEscape(v.sentence(all)))</span></p>\n"
    + (total != nil ? "<p class=\"meta\">Totals count each case once: a case in several reports "
      + "(a merged report and its parts) is counted one time.</p>\n" : "")
    + "</header>\n<main>\n<section id=\"reports\">\n"
  o += "<h2>Reports (\(entries.count))</h2>\n"
  if entries.isEmpty {
    o += "<p>No reports.</p>\n"
  } else {
    o += "<table>\n<thead><tr><th scope=\"col\">report</th><th scope=\"col\">status</th>"
      + "<th scope=\"col\" class=\"n\">cases</th>"
      + Status.allCases.map { "<th scope=\"col\" class=\"n\">\(statusLabel($0))</th>" }.joined()
      + "</tr></thead>\n<tbody>\n"
    for e in entries {
      let ev = Verdict(e.summary)
      let s = StatusCounts(e.summary)
      o += "<tr><td><a href=\"\(xmlEscape(e.href))\">\(xmlEscape(e.title))</a></td>"
        + "<td><span class=\"st \(ev.cssClass)\">\(ev.label)</span></td>"
        + "<td class=\"n\">\(e.summary.cases)</td>"
        + [s.pass, s.warn, s.fail, s.skip, s.xfail, s.xpass].map { "<td class=\"n\">\($0)</td>" }
        .joined() + "</tr>\n"
    }
    o += "</tbody>\n</table>\n"
  }
  o += "</section>\n</main>\n<footer>Each report is a single self-contained file.</footer>\n"
    + "</body>\n</html>\n"
  return o
}

// MARK: - Page frame

let htmlStyle = """
  :root{--blue:#0072B2;--sky:#56B4E9;--orange:#E69F00;--verm:#D55E00;--grey:#6b6b6b;--ink:#1b1b1b;--line:#d0d0d0}
  *{box-sizing:border-box}
  body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:#fafafa}
  header,main,footer{max-width:1200px;margin:0 auto;padding:0 20px}
  header{padding-top:14px}
  h1{font-size:1.6em;margin:.4em 0}
  h2{font-size:1.3em;margin:1.6em 0 .5em;border-bottom:2px solid var(--line);padding-bottom:.2em}
  h3{font-size:1.08em;margin:1.2em 0 .4em}
  .verdict{font-size:1.25em;font-weight:700;padding:10px 14px;border-radius:6px;border-left:10px solid}
  .verdict span{font-weight:400;font-size:.85em}
  .verdict.fail{background:#fbe3d6;border-color:var(--verm);color:#6d2a00}
  .verdict.warn{background:#fcefd2;border-color:var(--orange);color:#5a3d00}
  .verdict.pass{background:#dcebf6;border-color:var(--blue);color:#003a5c}
  .verdict.skip{background:#ececec;border-color:var(--grey);color:#333}
  .meta{color:#555;margin:.3em 0}
  nav{margin:.6em 0 0}
  a{color:#005a8c}
  .counts{display:flex;flex-wrap:wrap;gap:8px;margin:.6em 0;padding:0;list-style:none}
  .counts li{padding:6px 12px;border-radius:6px;background:#fff;border:1px solid var(--line);border-left:6px solid var(--grey)}
  .counts b{font-size:1.2em;margin-right:4px}
  .counts .pass,.counts .xfail{border-left-color:var(--blue)}
  .counts .warn{border-left-color:var(--orange)}
  .counts .fail,.counts .xpass{border-left-color:var(--verm);border-left-style:double;border-left-width:8px}
  table{border-collapse:collapse;margin:.5em 0 1em;background:#fff;font-size:.92em}
  caption{text-align:left;color:#444;padding:4px 0;caption-side:top}
  th,td{border:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
  th{background:#f0f0f0}
  td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
  td.id{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em;word-break:break-all}
  .wide{overflow-x:auto}
  .st{display:inline-block;padding:0 6px;border-radius:4px;font-weight:600;white-space:nowrap}
  .st.pass,.st.xfail{background:#dcebf6;color:#003a5c}
  .st.warn{background:#fcefd2;color:#5a3d00}
  .st.fail,.st.xpass{background:#fbe3d6;color:#6d2a00;text-decoration:underline wavy}
  .st.skip{background:#ececec;color:#333}
  article.case{background:#fff;border:1px solid var(--line);border-left:8px double var(--verm);border-radius:6px;padding:8px 14px;margin:0 0 12px}
  article.case h3{margin:.2em 0 .3em;font-size:1em}
  article.case .ctx{color:#444;font-size:.9em;margin:.2em 0 .5em}
  pre{background:#1f2430;color:#f3f3f3;padding:8px 12px;border-radius:5px;overflow-x:auto;font-size:.88em}
  code{font-family:ui-monospace,Menlo,Consolas,monospace}
  .note{background:#fff8e5;border:1px solid #e8d9a8;padding:6px 10px;border-radius:5px}
  .charts{display:flex;flex-wrap:wrap;gap:14px;align-items:flex-start}
  figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:6px;padding:6px;max-width:100%;overflow-x:auto}
  figcaption{font-size:.85em;color:#444;max-width:380px;padding:2px 4px}
  svg.chart{display:block;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
  .ct{font-size:13px;font-weight:700;fill:#222}
  .tk{font-size:10.5px;fill:#333}
  .al{font-size:11px;fill:#222}
  .lg{font-size:11px;fill:#222}
  .pn{font-size:10px;fill:#6d2a00}
  .nd{font-size:12px;fill:#777}
  .sm{font-size:10px}
  .pa{fill:#fff;stroke:#999}
  .gr{stroke:#e3e3e3}
  .zl{stroke:#333;stroke-dasharray:6 3}
  .rf{stroke:#888;stroke-dasharray:2 3}
  .ln{fill:none;stroke-width:1.8}
  .da{stroke-dasharray:5 3}
  .s-blue{stroke:var(--blue);fill:var(--blue)}
  .s-orange{stroke:var(--verm);fill:var(--verm)}
  .s-grey{stroke:#555;fill:#555}
  .ln.s-blue,.ln.s-orange,.ln.s-grey{fill:none}
  .cv{fill:none;stroke-width:1.8}
  figure.curves{display:flex;flex-wrap:wrap;gap:8px}
  figure.curves figcaption{flex-basis:100%}
  .b-pass{fill:var(--blue)}
  .b-fail{fill:var(--verm)}
  .h0{fill:#e6e6e6}.h1{fill:var(--verm)}.h2{fill:var(--orange)}.h3{fill:#f5dca8}.h4{fill:#a9d2ee}.h5{fill:var(--blue)}
  .hx{fill:#fff;stroke:#eee}
  .hl{fill:#fff;font-size:11px;font-weight:700}
  .hd{fill:#111;font-size:11px;font-weight:700}
  .legend{display:flex;flex-wrap:wrap;gap:10px;font-size:.85em;margin:.3em 0}
  .legend span{display:inline-flex;align-items:center;gap:4px}
  .sw{display:inline-block;width:16px;height:12px;border:1px solid #999}
  table.score td,table.score th{padding:5px 10px}
  table.score th[scope=row]{white-space:nowrap}
  .short{color:#6d2a00;font-weight:600}
  article.mode{background:#fff;border:1px solid var(--line);border-left:8px solid var(--verm);border-radius:6px;padding:6px 14px;margin:0 0 10px}
  article.mode.warn{border-left-color:var(--orange)}
  article.mode h3{margin:.2em 0 .2em;font-size:1em}
  article.mode p{margin:.25em 0}
  article.mode pre{margin:.3em 0;white-space:pre-wrap;word-break:break-all}
  footer{color:#666;font-size:.85em;padding:20px}
  @media (prefers-reduced-motion:reduce){*{transition:none}}
  """

func htmlHead(title: String) -> String {
  "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    + "<title>\(xmlEscape(title))</title>\n<style>\n\(htmlStyle)\n</style>\n</head>\n<body>\n"
    + "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\" focusable=\"false\">"
    + "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
    + "patternTransform=\"rotate(45)\"><rect width=\"2\" height=\"6\" fill=\"#000\" "
    + "fill-opacity=\"0.3\"/></pattern></defs></svg>\n"
}

/// A status badge.
func badge(_ s: Status) -> String { "<span class=\"st \(s.rawValue)\">\(statusLabel(s))</span>" }

func htmlSummaryCounts(_ s: Summary) -> String {
  let items: [(Status, Int)] = [
    (.pass, s.pass), (.warn, s.warn), (.fail, s.fail), (.skip, s.skip), (.xfail, s.xfail),
    (.xpass, s.xpass),
  ]
  var o = "<ul class=\"counts\" aria-label=\"summary counts\"><li><b>\(s.cases)</b> cases</li>"
  for (st, n) in items {
    o += "<li class=\"\(st.rawValue)\"><b>\(n)</b> \(xmlEscape(statusDescription(st)))</li>"
  }
  return o + "</ul>\n"
}

// MARK: - Failures and warnings

func htmlCheckTable(_ checks: [(name: CheckName, result: CheckResult)]) -> String {
  var o = "<table><thead><tr><th scope=\"col\">check</th><th scope=\"col\">status</th>"
    + "<th scope=\"col\" class=\"n\">value</th><th scope=\"col\" class=\"n\">tolerance</th>"
    + "<th scope=\"col\">message</th></tr></thead><tbody>"
  for (name, res) in checks {
    o += "<tr><td>\(name.rawValue)</td><td>\(badge(res.status))</td>"
      + "<td class=\"n\">\(formatNumber(res.value))</td><td class=\"n\">\(formatNumber(res.tolerance))</td>"
      + "<td>\(xmlEscape(res.message))</td></tr>"
  }
  return o + "</tbody></table>\n"
}

func htmlFailures(_ a: Analysis) -> String {
  var o = "<section id=\"failures\">\n<h2>Failed cases (\(a.failureCount); the first \(min(a.failureCount, htmlFailureCap)) in mode order)</h2>\n"
  if a.failureCount == 0 {
    o += "<p>✓ No case failed.</p>\n</section>\n"
    return o
  }
  for (k, c) in a.failureCases.prefix(htmlFailureCap).enumerated() {
    o += "<article class=\"case\">\n<h3>\(k + 1). \(badge(c.status)) <code>\(xmlEscape(c.id))</code></h3>\n"
    o += "<p class=\"ctx\">\(xmlEscape(caseContext(c)))</p>\n"
    if c.status == .xpass {
      o += "<p>Expected to fail, but every check passed: the expected failure no longer "
        + "happens, which fails the run.</p>\n"
    }
    let checks = explainingChecks(c)
    if !checks.isEmpty { o += htmlCheckTable(checks) }
    o += "<p>Reproduce:</p>\n<pre><code>\(xmlEscape(c.repro, singleLine: false))</code></pre>\n"
    o += "</article>\n"
  }
  if a.failureCount > htmlFailureCap {
    o += "<p class=\"note\">\(a.failureCount - htmlFailureCap) more failures are not shown "
      + "in detail; they are in the case table below and in results.json.</p>\n"
  }
  return o + "</section>\n"
}

func htmlWarnings(_ a: Analysis) -> String {
  var o = "<section id=\"warnings\">\n<h2>Warned cases (\(a.warningCount); the first \(min(a.warningCount, htmlWarningCap)) in mode order)</h2>\n"
  if a.warningCount == 0 { return o + "<p>No warnings.</p>\n</section>\n" }
  o += "<div class=\"wide\"><table><thead><tr><th scope=\"col\">case</th><th scope=\"col\">check</th>"
    + "<th scope=\"col\" class=\"n\">value</th><th scope=\"col\" class=\"n\">tolerance</th>"
    + "<th scope=\"col\">message</th></tr></thead><tbody>\n"
  for c in a.warningCases.prefix(htmlWarningCap) {
    for (name, res) in explainingChecks(c) {
      o += "<tr><td class=\"id\">\(xmlEscape(c.id))</td><td>\(badge(.warn)) \(name.rawValue)</td>"
        + "<td class=\"n\">\(formatNumber(res.value))</td><td class=\"n\">\(formatNumber(res.tolerance))</td>"
        + "<td>\(xmlEscape(res.message))</td></tr>\n"
    }
  }
  o += "</tbody></table></div>\n"
  if a.warningCount > htmlWarningCap {
    o += "<p class=\"note\">\(a.warningCount - htmlWarningCap) more warnings are in the case "
      + "table and in results.json.</p>\n"
  }
  return o + "</section>\n"
}

// MARK: - Findings and pictures

func heatLegend() -> String {
  "<div class=\"legend\" aria-label=\"heatmap legend\">"
    + "<span><i class=\"sw\" style=\"background:#0072B2\"></i>all passed</span>"
    + "<span><i class=\"sw\" style=\"background:#a9d2ee\"></i>no failure but warnings, or "
    + "≥ 90% without failure</span>"
    + "<span><i class=\"sw\" style=\"background:#f5dca8\"></i>50–90% without failure</span>"
    + "<span><i class=\"sw\" style=\"background:#E69F00\"></i>&lt; 50% without failure</span>"
    + "<span><i class=\"sw\" style=\"background:#D55E00\"></i>all failed</span>"
    + "<span><i class=\"sw\" style=\"background:#e6e6e6\"></i>all skipped</span>"
    + "<span>hatched: some failed</span>"
    + "<span>cell: passed/checked ✓, ✗ failed, ! warned, – skipped</span></div>\n"
}

func htmlCharts(_ a: Analysis) -> String {
  var o = "<section id=\"charts\">\n<h2>Pictures</h2>\n"
  if a.summary.cases == 0 { return o + "<p>No cases, nothing to plot.</p>\n</section>\n" }

  // (a) Heatmaps.
  o += "<h3>Pass rate over β and s = lambda_min, per transform</h3>\n"
    + "<p>Where each transform breaks: rows are bands of s by sign and magnitude (transforms "
    + "that divide by s are at risk near 0), columns are β. The colour shows the share of "
    + "checked cases without failure; the text gives the counts.</p>\n" + heatLegend()
  o += "<div class=\"charts\">\n"
  for t in a.transforms {
    let rows = a.bandsPresent(t)
    let cols = a.betasPresent(t)
    let cells: [[HeatCell?]] = rows.map { band in
      cols.map { b in
        guard let s = a.bands[TBKey(transform: t, beta: b)]?[band] else { return nil }
        return HeatCell(passed: s.passed, checked: s.checked, failed: s.failed, warned: s.warn,
          skipped: s.skip)
      }
    }
    o += "<figure>" + svgHeatmap(title: "\(a.label(t)): pass rate", rows: rows.map(\.label),
      columns: cols.map(betaLabel), cells: cells)
    o += "<figcaption>Rows: bands of s by sign and magnitude; columns: β. Empty cells: no case."
      + "</figcaption></figure>\n"
  }
  o += "</div>\n"

  // (b) Gradient size and margin against beta.
  let transforms = a.transforms.compactMap { $0 }
  if !transforms.isEmpty {
    o += "<h3>Gradient size and constraint margin against β</h3>\n"
    o += "<p>Left: max |grad| (largest of |grad_x| and the |grad_y| entries), log scale. Right: "
      + "margin 1 + x_cond·s from the <code>constraint</code> check; symlog scale, linear within "
      + "1e-16 of 0, the dashed line is the boundary 0 (below it the constraint is violated). "
      + "● median, ■ worst over the cases of each β; hollow markers at an edge are values the "
      + "scale cannot show (inf, 0).</p>\n<div class=\"charts\">\n"
    for t in transforms {
      let betas = a.betasPresent(t)
      let cells = betas.map { a.tb[TBKey(transform: t, beta: $0)] ?? TBCell() }
      let cats = betas.map { $0.map { formatNumber($0) } ?? "none" }
      func pts(_ f: (TBCell) -> Double?) -> [(x: Double, y: Double)] {
        cells.enumerated().compactMap { (i, c) in f(c).map { (Double(i), $0) } }
      }
      let g = svgLineChart(
        title: "\(t.rawValue): max |grad|", xLabel: "β", yLabel: "max |grad| (log)",
        categories: cats, yScale: .log,
        series: [
          ChartSeries(name: "median", cls: "s-blue", marker: "circle", dashed: false,
            points: pts { median($0.grads) }),
          ChartSeries(name: "worst (largest)", cls: "s-orange", marker: "square", dashed: true,
            points: pts { $0.grads.max() }),
        ])
      let m = svgLineChart(
        title: "\(t.rawValue): constraint margin", xLabel: "β", yLabel: "1 + x_cond·s (symlog)",
        categories: cats, yScale: .symlog(1e-16),
        series: [
          ChartSeries(name: "median", cls: "s-blue", marker: "circle", dashed: false,
            points: pts { median($0.margins) }),
          ChartSeries(name: "worst (smallest)", cls: "s-orange", marker: "square", dashed: true,
            points: pts { $0.margins.min() }),
        ], zeroLine: "0: boundary")
      let nanG = cells.reduce(0) { $0 + $1.nanGrads }, nanM = cells.reduce(0) { $0 + $1.nanMargins }
      let noteG = nanG > 0 ? " Not drawn: \(plural(nanG, "case")) with a NaN gradient." : ""
      let noteM = nanM > 0 ? " Not drawn: \(plural(nanM, "case")) with a NaN margin." : ""
      o += "<figure>\(g)<figcaption>\(xmlEscape(t.rawValue)): gradient size.\(noteG)</figcaption></figure>\n"
      o += "<figure>\(m)<figcaption>\(xmlEscape(t.rawValue)): constraint margin.\(noteM)</figcaption></figure>\n"
    }
    o += "</div>\n"
  }

  // (c) Convergence series of failing cases.
  if a.seriesCount > 0 {
    o += "<h3>Finite-difference error against step size (failing cases)</h3>\n"
    o += "<p>Log-log. ● gradient: finite-difference error against the step; ■ taylor: first-order "
      + "remainder against the step, with the dotted O(h²) slope a correct gradient follows "
      + "(a wrong gradient follows O(h)).</p>\n<div class=\"charts\">\n"
    for (k, c) in a.seriesCases.prefix(htmlSeriesCap).enumerated() {
      var series: [ChartSeries] = []
      var hasTaylor = false
      if let s = c.checks[.taylor]?.series, !s.isEmpty {
        hasTaylor = true
        series.append(ChartSeries(name: "taylor", cls: "s-orange", marker: "square", dashed: false,
          points: s.map { ($0.step, $0.error) }))
      }
      if let s = c.checks[.gradient]?.series, !s.isEmpty {
        series.append(ChartSeries(name: "gradient", cls: "s-blue", marker: "circle", dashed: false,
          points: s.map { ($0.step, $0.error) }))
      }
      let chart = svgLineChart(
        title: "failure \(k + 1): error vs step", xLabel: "step h (log)", yLabel: "error (log)",
        categories: nil, yScale: .log, series: series,
        reference: hasTaylor ? (2, "O(h²)") : nil)
      let failed = failedChecks(c).map {
        "\($0.name.rawValue) \(formatNumber($0.result.value))"
      }.joined(separator: ", ")
      o += "<figure>\(chart)<figcaption><code>\(xmlEscape(c.id))</code>"
        + (failed.isEmpty ? "" : " — failed: \(xmlEscape(failed))") + "</figcaption></figure>\n"
    }
    o += "</div>\n"
    if a.seriesCount > htmlSeriesCap {
      o += "<p class=\"note\">\(a.seriesCount - htmlSeriesCap) more failing cases have a "
        + "series; they are in results.json.</p>\n"
    }
  }

  // (d) Solver agreement.
  if let sv = a.solver {
    o += "<h3>Solver agreement (native vs GSL)</h3>\n<div class=\"charts\">\n"
    var bins: [(label: String, count: Int, bad: Bool)] = zip(SolverStats.binLabels, sv.bins)
      .enumerated().map { (k, lb) in (lb.0, lb.1, k >= 7) }
    if sv.nonFinite > 0 { bins.append(("non-finite", sv.nonFinite, true)) }
    let chart = svgBarChart(title: "solver: value / tolerance", xLabel: "value / tolerance (decade)",
      bins: bins)
    o += "<figure>\(chart)<figcaption>Each bar counts cases whose solver value over its "
      + "tolerance lies in the decade starting at the label; bars at 1 and above (✗, hatched) "
      + "exceed the tolerance. \(sv.counts.total) solver checks: \(sv.counts.pass) ✓ pass, "
      + "\(sv.counts.warn) ! warn, \(sv.counts.fail) ✗ fail, \(sv.counts.skip) – skip"
      + (sv.noTolerance > 0 ? "; \(sv.noTolerance) without value or tolerance" : "")
      + ". Worst ratio \(formatNumber(sv.worstRatio))"
      + (sv.worstID.map { " in <code>\(xmlEscape($0))</code>" } ?? "")
      + (sv.countedSolves ? ". Eigen solves (eig cases): \(sv.eigenSolves)" : "")
      + ".</figcaption></figure>\n</div>\n"
  }
  return o + "</section>\n"
}

// MARK: - Tables

/// Cell of a count table: `passed/checked ✓`, then ✗, ! and – counts.
func htmlCountCell(_ s: StatusCounts) -> String {
  "<td class=\"n\">\(xmlEscape(mdCountCell(s)))</td>"
}

func htmlTables(_ a: Analysis) -> String {
  var o = "<section id=\"tables\">\n<h2>Tables</h2>\n"
  if a.summary.cases == 0 { return o + "<p>No cases.</p>\n</section>\n" }

  o += "<div class=\"wide\"><table><caption>By transform and β. Cells: passed/checked ✓ "
    + "(checked = not skipped), ✗ failed, ! warned, – skipped.</caption><thead><tr>"
    + "<th scope=\"col\">transform</th>"
    + a.betas.map { "<th scope=\"col\" class=\"n\">\(xmlEscape(betaLabel($0)))</th>" }.joined()
    + "<th scope=\"col\" class=\"n\">all</th></tr></thead><tbody>\n"
  for t in a.transforms {
    var total = StatusCounts()
    o += "<tr><th scope=\"row\">\(xmlEscape(a.label(t)))</th>"
    for b in a.betas {
      let c = a.tb[TBKey(transform: t, beta: b)]?.counts ?? StatusCounts()
      total = merge(total, c)
      o += htmlCountCell(c)
    }
    o += htmlCountCell(total) + "</tr>\n"
  }
  o += "</tbody></table></div>\n"

  let checkNames = CheckName.allCases.filter { n in a.checks.contains { $0.0 == n } }
  if !checkNames.isEmpty {
    o += "<div class=\"wide\"><table><caption>Failing checks by transform: ✗ failed, ! warned "
      + "(cases; expected failures not counted).</caption><thead><tr><th scope=\"col\">transform</th>"
      + checkNames.map { "<th scope=\"col\" class=\"n\">\($0.rawValue)</th>" }.joined()
      + "</tr></thead><tbody>\n"
    for t in a.transforms {
      o += "<tr><th scope=\"row\">\(xmlEscape(a.label(t)))</th>"
      for n in checkNames {
        let s = a.transformChecks[t]?[n] ?? StatusCounts()
        var cell: [String] = []
        if s.fail > 0 { cell.append("✗\(s.fail)") }
        if s.warn > 0 { cell.append("!\(s.warn)") }
        o += "<td class=\"n\">\(cell.isEmpty ? "·" : cell.joined(separator: " "))</td>"
      }
      o += "</tr>\n"
    }
    o += "</tbody></table></div>\n"
  }

  if a.hasTransforms {
    o += "<div class=\"wide\"><table><caption>Constraint margin (1 + x_cond·s) and max |grad| "
      + "per transform and β, median and worst over cases.</caption><thead><tr>"
      + "<th scope=\"col\">transform</th><th scope=\"col\" class=\"n\">β</th>"
      + "<th scope=\"col\" class=\"n\">cases</th><th scope=\"col\" class=\"n\">margin median</th>"
      + "<th scope=\"col\" class=\"n\">margin worst</th><th scope=\"col\" class=\"n\">max |grad| median</th>"
      + "<th scope=\"col\" class=\"n\">max |grad| worst</th></tr></thead><tbody>\n"
    for t in a.transforms where t != nil {
      for b in a.betasPresent(t) {
        guard let cell = a.tb[TBKey(transform: t, beta: b)] else { continue }
        o += "<tr><th scope=\"row\">\(xmlEscape(a.label(t)))</th>"
          + "<td class=\"n\">\(b.map { formatNumber($0) } ?? "–")</td><td class=\"n\">\(cell.counts.total)</td>"
          + "<td class=\"n\">\(formatNumber(median(cell.margins)))</td>"
          + "<td class=\"n\">\(formatNumber(cell.margins.min()))</td>"
          + "<td class=\"n\">\(formatNumber(median(cell.grads)))</td>"
          + "<td class=\"n\">\(formatNumber(cell.grads.max()))</td></tr>\n"
      }
    }
    o += "</tbody></table></div>\n"
  }

  if !a.classifications.isEmpty {
    o += "<table><caption>Classification</caption><thead><tr><th scope=\"col\">classification</th>"
      + "<th scope=\"col\" class=\"n\">cases</th>"
      + Status.allCases.map { "<th scope=\"col\" class=\"n\">\(statusLabel($0))</th>" }.joined()
      + "</tr></thead><tbody>\n"
    for (k, s) in a.classifications {
      o += "<tr><th scope=\"row\">\(k?.rawValue ?? "n/a")</th><td class=\"n\">\(s.total)</td>"
        + [s.pass, s.warn, s.fail, s.skip, s.xfail, s.xpass].map { "<td class=\"n\">\($0)</td>" }
        .joined() + "</tr>\n"
    }
    o += "</tbody></table>\n"
  }

  if !a.checks.isEmpty {
    o += "<table><caption>Checks (statuses of each check over all cases)</caption><thead><tr>"
      + "<th scope=\"col\">check</th>"
      + [Status.pass, .warn, .fail, .skip].map { "<th scope=\"col\" class=\"n\">\(statusLabel($0))</th>" }
      .joined() + "<th scope=\"col\" class=\"n\">not run</th></tr></thead><tbody>\n"
    for (n, s, notRun) in a.checks {
      o += "<tr><th scope=\"row\">\(n.rawValue)</th><td class=\"n\">\(s.pass)</td>"
        + "<td class=\"n\">\(s.warn)</td><td class=\"n\">\(s.fail)</td><td class=\"n\">\(s.skip)</td>"
        + "<td class=\"n\">\(notRun)</td></tr>\n"
    }
    o += "</tbody></table>\n"
  }
  return o + "</section>\n"
}

func htmlCaseTable(_ a: Analysis) -> String {
  let count = a.summary.cases
  var o = "<section id=\"cases\">\n<h2>All cases (\(count))</h2>\n"
  if count == 0 { return o + "<p>No cases.</p>\n</section>\n" }
  if count > htmlCaseRowCap {
    o += "<p class=\"note\">The first \(htmlCaseRowCap) of \(count) cases are listed; "
      + "results.json holds all of them.</p>\n"
  }
  o += "<div class=\"wide\"><table><thead><tr><th scope=\"col\">status</th><th scope=\"col\">case</th>"
    + "<th scope=\"col\">group</th><th scope=\"col\">transform</th><th scope=\"col\" class=\"n\">β</th>"
    + "<th scope=\"col\">classification</th><th scope=\"col\" class=\"n\">s</th>"
    + "<th scope=\"col\" class=\"n\">x</th><th scope=\"col\" class=\"n\">margin</th>"
    + "<th scope=\"col\" class=\"n\">max |grad|</th><th scope=\"col\">checks not passed</th>"
    + "</tr></thead><tbody>\n"
  for row in a.caseRows.prefix(htmlCaseRowCap) { o += row }
  o += "</tbody></table></div>\n"
  return o + "</section>\n"
}

/// One row of the HTML case table.
func htmlCaseRow(_ c: CaseResult) -> String {
  let notPassed = c.orderedChecks.filter { $0.result.status != .pass }
    .map { "\(statusSymbol($0.result.status)) \($0.name.rawValue)" }.joined(separator: ", ")
  return "<tr><td>\(badge(c.status))</td><td class=\"id\">\(xmlEscape(c.id))</td>"
    + "<td>\(xmlEscape(c.group))</td><td>\(xmlEscape(subjectLabel(c)))</td>"
    + "<td class=\"n\">\(c.beta.map { formatNumber($0) } ?? "–")</td>"
    + "<td>\(c.classification?.rawValue ?? "n/a")</td>"
    + "<td class=\"n\">\(formatNumber(c.lambdaMin))</td><td class=\"n\">\(formatNumber(c.x))</td>"
    + "<td class=\"n\">\(formatNumber(c.checks[.constraint]?.value))</td>"
    + "<td class=\"n\">\(formatNumber(maxAbsGradient(c)))</td>"
    + "<td>\(xmlEscape(notPassed))</td></tr>\n"
}
