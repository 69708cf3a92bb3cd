// GitHub-flavoured Markdown report: fits a CI job summary (under 1 MiB).

import GradcheckModel

/// Size limit of the Markdown report in bytes (UTF-8): 100 KiB, a tenth of a GitHub
/// Actions job summary. The individual cases listed at the end fill what the sections
/// before them leave; those sections are never cut.
public let markdownByteLimit = 100 << 10

/// Renders results as GitHub-flavoured Markdown.
///
/// Order (the HTML report's too): title and verdict with the counts; the scorecard (one
/// row per transform: constraint kept, gradient correct, gradient healthy, fidelity, worst
/// margin, largest |gradient|, recommended beta); every failure mode, ranked by case
/// count, with where it occurs, a sentence and its minimal representative's repro; the
/// beta recommendation (per transform and beta, the four properties); the behaviour
/// curves; the tables (transform x beta, failing checks, margin and gradient size,
/// transform x s band, classifications, checks, solver); then the failed and warned cases
/// one by one in mode order (the first 200 of each, fewer when the byte limit is reached:
/// a note says how many are left out; results.json and JUnit keep every case).
///
/// The output depends only on `r` and `title` (no timestamps, no paths other than those
/// in the results).
public func renderMarkdown(_ r: Results, title: String = "gradcheck report") -> String {
  renderMarkdown(r, title: title, byteLimit: markdownByteLimit)
}

/// `renderMarkdown` with an explicit byte limit (tests use small limits).
func renderMarkdown(_ r: Results, title: String, byteLimit: Int) -> String {
  ReportAccumulator(r, markdownByteLimit: byteLimit).markdown(title: title)
}

/// The Markdown report from an analysis.
func renderMarkdown(
  _ h: ReportHeader, _ a: Analysis, title: String, byteLimit: Int, leading: String = ""
) -> String {
  var out = markdownHead(h, a, title: title) + leading
  out += markdownScorecard(a)
  out += markdownModes(a)
  out += markdownRecommendation(a)
  out += markdownCurves(h.curves)
  out += markdownTables(a)
  // The case lists share what is left; each entry is added whole or not at all.
  var budget = byteLimit - out.utf8.count - 512
  out += markdownCaseList(
    "Failed cases", a.failureCases, total: a.failureCount, budget: &budget, entry: markdownFailure)
  out += markdownCaseList(
    "Warned cases", a.warningCases, total: a.warningCount, budget: &budget, entry: markdownWarning)
  return out
}

/// A section listing cases one per entry while they fit the budget, with a note of how
/// many were left out.
func markdownCaseList(
  _ heading: String, _ cases: [CaseResult], total: Int, budget: inout Int,
  entry: (CaseResult) -> String
) -> String {
  guard total > 0 else { return "" }
  var body = ""
  var listed = 0
  for c in cases {
    let e = entry(c)
    if e.utf8.count > budget { break }
    budget -= e.utf8.count
    body += e
    listed += 1
  }
  var o = "## \(heading) (\(listed) of \(total), in mode order)\n\n" + body
  if listed < total {
    o += "\n_\(total - listed) more are not listed here: results.json and junit.xml hold every "
      + "case with its repro command._\n"
  }
  return o + "\n"
}

// MARK: - Sections

func markdownHead(_ r: ReportHeader, _ a: Analysis, title: String) -> String {
  let s = a.summary
  var o = "# \(mdEscape(title))\n\n"
  o += "**\(a.verdict.label)** — \(mdEscape(a.verdict.sentence(s)))\n\n"
  let counts: [(Status, Int)] = [
    (.pass, s.pass), (.warn, s.warn), (.fail, s.fail), (.skip, s.skip), (.xfail, s.xfail),
    (.xpass, s.xpass),
  ]
  o += counts.map { "\(statusSymbol($0.0)) \($0.0.rawValue) \($0.1)" }.joined(separator: " · ")
    + " · **\(s.cases) cases** · seed \(r.seed) · \(mdCode(r.format)) · gradcheck \(mdEscape(r.version))\n\n"
  return o
}

func markdownScorecard(_ a: Analysis) -> String {
  let rows = a.scorecard()
  guard a.hasTransforms else { return "" }
  let rec = Dictionary(uniqueKeysWithValues: a.recommendations().map { ($0.transform, $0) })
  var o = "## Scorecard\n\n"
  o += "Per transform, over every β: constraint kept = `constraint` pass or warn / cases with a "
    + "defined s; gradient correct = `gradient` pass / run; healthy = `growth` pass / run; "
    + "fidelity = `fidelity` pass / run.\n\n"
  o += "| transform | constraint kept | gradient correct | gradient healthy | fidelity | "
    + "worst margin | largest \\|grad\\| | recommended β |\n|:--|--:|--:|--:|--:|--:|--:|:--|\n"
  for (t, p) in rows {
    var grad = fractionCell(p.gradientPass, p.gradientRun)
    if p.gradientNotRun > 0 {
      let why = (a.gradientNotRun[t] ?? []).prefix(3).map { "\($0.reason) \($0.count)" }
      grad += "; not run \(p.gradientNotRun)" + (why.isEmpty ? "" : ": " + why.joined(separator: ", "))
    }
    let r = t.flatMap { rec[$0] }
    let recText = r.map { $0.best.map { "β=\(formatNumber($0))" } ?? "none keeps it" } ?? "–"
    o += "| \(a.label(t)) | \(fractionCell(p.kept, p.definedS)) | \(grad) | "
      + "\(fractionCell(p.growthPass, p.growthRun)) | \(fractionCell(p.fidelityPass, p.fidelityRun)) | "
      + "\(formatNumber(p.worstMargin)) | \(formatNumber(p.largestGradient)) | \(recText) |\n"
  }
  return o + "\n"
}

func markdownModes(_ a: Analysis) -> String {
  guard !a.modes.isEmpty else { return "## Failure modes\n\nNo case failed or warned.\n\n" }
  var o = "## Failure modes (\(a.modes.count))\n\n"
  o += "Failed and warned cases grouped by transform, check and reason code, largest first (a "
    + "case with several failing checks counts in each). Minimal case: smallest N, then the "
    + "simplest matrix family, then the smallest |x|.\n\n"
  for (k, m) in a.modes.enumerated() {
    let key = m.key, st = m.stats
    o += "### \(k + 1). \(statusSymbol(key.severity)) \(key.subject) · \(key.check) · "
      + "\(key.code) — \(plural(st.count, "case"))\n\n"
    o += mdEscape(modeSentence(key)) + "  \n"
    var at: [String] = []
    if !st.betas.values.isEmpty { at.append("β \(st.betaText)") }
    at.append("s: \(st.bandText)")
    at.append("x: \(st.xText)")
    at.append("in: \(st.groupText)")
    at.append("N: \(st.orderText)")
    o += mdEscape(at.joined(separator: " · ")) + "\n\n"
    if let r = st.representative {
      o += "Minimal case \(mdCode(r.id)):\n\n" + mdCodeBlock(r.repro) + "\n"
    }
  }
  return o
}

func markdownRecommendation(_ a: Analysis) -> String {
  let recs = a.recommendations()
  guard !recs.isEmpty else { return "" }
  var o = "## Beta recommendation\n\n"
  for r in recs { o += "- " + mdEscape(r.sentence) + "\n" }
  o += "\n| transform | β | constraint kept | gradient correct | gradient healthy | fidelity |\n"
    + "|:--|--:|--:|--:|--:|--:|\n"
  for t in a.transforms where t != nil {
    for b in a.betasPresent(t) {
      guard let p = a.tb[TBKey(transform: t, beta: b)]?.props else { continue }
      o += "| \(a.label(t)) | \(b.map { formatNumber($0) } ?? "–") | "
        + "\(fractionCell(p.kept, p.definedS)) | \(fractionCell(p.gradientPass, p.gradientRun)) | "
        + "\(fractionCell(p.growthPass, p.growthRun)) | \(fractionCell(p.fidelityPass, p.fidelityRun)) |\n"
    }
  }
  return o + "\n"
}

func markdownFailure(_ c: CaseResult) -> String {
  var o = "- \(statusSymbol(c.status)) \(mdCode(c.id))"
  if c.status == .xpass {
    o += " — expected to fail, but every check passed"
  } else {
    o += " — " + explainingChecks(c).map { "\($0.name.rawValue): \(mdEscape($0.result.message))" }
      .joined(separator: "; ")
  }
  return o + "  \n  \(mdCode(c.repro))\n"
}

func markdownWarning(_ c: CaseResult) -> String { markdownFailure(c) }

/// Cell text for a status count: `passed/checked`, then `✗ failed` and `! warned`.
func mdCountCell(_ s: StatusCounts) -> String {
  if s.total == 0 { return "·" }
  if s.checked == 0 { return "\(s.skip) skipped" }
  var t = "\(s.passed)/\(s.checked) ✓"
  if s.failed > 0 { t += " ✗\(s.failed)" }
  if s.warn > 0 { t += " !\(s.warn)" }
  if s.skip > 0 { t += " –\(s.skip)" }
  return t
}

func markdownTables(_ a: Analysis) -> String {
  var o = ""
  if a.summary.cases > 0 && (a.hasTransforms || a.betas.count > 1) {
    o += "## By transform and beta\n\n"
    o += "Cells: passed/checked ✓ (checked = not skipped), ✗ failed, ! warned, – skipped.\n\n"
    o += "| transform | " + a.betas.map { betaLabel($0) }.joined(separator: " | ") + " | all |\n"
    o += "|:--|" + String(repeating: "--:|", count: a.betas.count + 1) + "\n"
    for t in a.transforms {
      var total = StatusCounts()
      var row = "| \(a.label(t)) |"
      for b in a.betas {
        let c = a.tb[TBKey(transform: t, beta: b)]?.counts ?? StatusCounts()
        row += " \(mdCountCell(c)) |"
        total = merge(total, c)
      }
      o += row + " \(mdCountCell(total)) |\n"
    }
    o += "\n"
  }

  // Which checks break for which transform.
  let checkNames = CheckName.allCases.filter { n in a.checks.contains { $0.0 == n } }
  if !checkNames.isEmpty {
    o += "## Failing checks by transform\n\n"
    o += "Cells: ✗ failed, ! warned (counts of cases); · none. Expected failures (xfail) are "
      + "not counted.\n\n"
    o += "| transform | " + checkNames.map(\.rawValue).joined(separator: " | ") + " |\n"
    o += "|:--|" + String(repeating: "--:|", count: checkNames.count) + "\n"
    for t in a.transforms {
      var row = "| \(a.label(t)) |"
      for n in checkNames {
        let s = a.transformChecks[t]?[n] ?? StatusCounts()
        var cell = ""
        if s.fail > 0 { cell += "✗\(s.fail)" }
        if s.warn > 0 { cell += (cell.isEmpty ? "" : " ") + "!\(s.warn)" }
        row += " \(cell.isEmpty ? "·" : cell) |"
      }
      o += row + "\n"
    }
    o += "\n"
  }

  if a.hasTransforms {
    o += "## Constraint margin and gradient size by transform and beta\n\n"
    o += "Margin = value of the `constraint` check, 1 + x_cond·s (must stay above 0); "
      + "max |grad| = largest of |grad_x| and |grad_y| entries. Median and worst over cases.\n\n"
    o += "| transform | β | cases | margin median | margin worst | max \\|grad\\| median | "
      + "max \\|grad\\| worst |\n|:--|--:|--:|--:|--:|--:|--:|\n"
    for t in a.transforms where t != nil {
      for b in a.betasPresent(t) {
        guard let cell = a.tb[TBKey(transform: t, beta: b)] else { continue }
        let worstGrad = cell.grads.max()
        let worstMargin = cell.margins.min()
        o += "| \(a.label(t)) | \(b.map { formatNumber($0) } ?? "–") | "
          + "\(cell.counts.total) | \(formatNumber(median(cell.margins))) | "
          + "\(formatNumber(worstMargin)) | \(formatNumber(median(cell.grads))) | "
          + "\(formatNumber(worstGrad)) |\n"
      }
    }
    o += "\n"

    let bands = Set(a.transforms.flatMap { a.bandsPresent($0) }).sorted()
    o += "## By transform and s = lambda_min\n\n"
    o += "Cells: passed/checked ✓, ✗ failed, ! warned, – skipped (all betas).\n\n"
    o += "| transform | " + bands.map { mdEscape($0.label) }.joined(separator: " | ") + " |\n"
    o += "|:--|" + String(repeating: "--:|", count: bands.count) + "\n"
    for t in a.transforms {
      var row = "| \(a.label(t)) |"
      for band in bands { row += " \(mdCountCell(a.bandTotals[t]?[band] ?? StatusCounts())) |" }
      o += row + "\n"
    }
    o += "\n"
  }

  if !a.classifications.isEmpty {
    o += "## Classification\n\n"
    o += "| classification | cases | ✓ pass | ! warn | ✗ fail | – skip | xfail | xpass |\n"
    o += "|:--|--:|--:|--:|--:|--:|--:|--:|\n"
    for (k, s) in a.classifications {
      o += "| \(k?.rawValue ?? "n/a") | \(s.total) | \(s.pass) | \(s.warn) | \(s.fail) | "
        + "\(s.skip) | \(s.xfail) | \(s.xpass) |\n"
    }
    o += "\n"
  }

  if !a.checks.isEmpty {
    o += "## Checks\n\n"
    o += "| check | ✓ pass | ! warn | ✗ fail | – skip | not run |\n|:--|--:|--:|--:|--:|--:|\n"
    for (n, s, notRun) in a.checks {
      o += "| \(n.rawValue) | \(s.pass) | \(s.warn) | \(s.fail) | \(s.skip) | \(notRun) |\n"
    }
    o += "\n"
  }

  if let sv = a.solver {
    o += "## Solver agreement (native vs GSL)\n\n"
    o += "| solver checks | ✓ pass | ! warn | ✗ fail | – skip | worst value/tolerance | worst case |\n"
    o += "|--:|--:|--:|--:|--:|--:|:--|\n"
    o += "| \(sv.counts.total) | \(sv.counts.pass) | \(sv.counts.warn) | \(sv.counts.fail) | "
      + "\(sv.counts.skip) | \(formatNumber(sv.worstRatio)) | "
      + "\(sv.worstID.map { mdCode($0) } ?? "–") |\n\n"
    o += "Value/tolerance by decade: "
    o += zip(SolverStats.binLabels, sv.bins).filter { $0.1 > 0 }.map { "\($0.0): \($0.1)" }
      .joined(separator: ", ")
    if sv.nonFinite > 0 { o += ", non-finite: \(sv.nonFinite)" }
    if sv.noTolerance > 0 { o += ", no value or tolerance: \(sv.noTolerance)" }
    o += ".\n"
    if sv.countedSolves { o += "\nEigen solves (eig cases): \(sv.eigenSolves).\n" }
    o += "\n"
  }
  return o
}

/// Sum of two status counts.
func merge(_ a: StatusCounts, _ b: StatusCounts) -> StatusCounts {
  var s = a
  s.add(b)
  return s
}
