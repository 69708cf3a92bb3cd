// GitHub-flavoured Markdown report: fits a CI job summary (under 1 MiB).

import GradcheckModel

/// Size limit of the Markdown report in bytes (UTF-8): 1 MiB, the limit of a GitHub
/// Actions job summary.
public let markdownByteLimit = 1 << 20

/// Most warnings listed one by one in the Markdown report; the rest are counted.
let markdownWarningCap = 100

/// Renders results as GitHub-flavoured Markdown.
///
/// Order: title and overall status, summary counts, every failed case (`fail` and
/// `xpass`) with its failed checks and its repro command, warnings (the first 100),
/// then the tables: transform x beta, failing checks per transform, constraint margin and
/// gradient size per transform and beta, transform x lambda_min band, classifications,
/// checks, and the solver summary when cases carry a `solver` check.
///
/// The output is under 1 MiB (`markdownByteLimit`): when the failure entries would not
/// fit, the entries that fit are listed and a note says how many were left out and that
/// every case is in `results.json`; should the tables alone exceed the limit, the text is
/// cut at a line boundary with the same note. The output depends only on `r` and
/// `title` (no timestamps, no paths other than those in the results).
public func renderMarkdown(_ r: Results, title: String = "gradcheck report") -> String {
  renderMarkdown(r, title: title, byteLimit: markdownByteLimit)
}

/// `renderMarkdown` with an explicit byte limit (tests use small limits).
func renderMarkdown(_ r: Results, title: String, byteLimit: Int) -> String {
  ReportAccumulator(r, markdownByteLimit: byteLimit).markdown(title: title)
}

/// The Markdown report from an analysis whose failure entries were kept for `byteLimit`.
func renderMarkdown(_ h: ReportHeader, _ a: Analysis, title: String, byteLimit: Int) -> String {
  let head = markdownHead(h, a, title: title)
  let tail = markdownTables(a)
  // Room kept for the closing note and the section headings.
  let reserve = 1024
  var out = head
  var size = head.utf8.count
  var omittedFailures = 0, omittedWarnings = 0

  // Failures first: each entry is added only if it, the tables and the reserve still fit.
  // Entries not kept by the analysis are past the byte limit on their own, so the first
  // of them would not fit either.
  if a.failureCount > 0 {
    let h = "## Failures (\(a.failureCount))\n\n"
    out += h
    size += h.utf8.count
    var added = 0
    for entry in a.markdownFailures {
      let n = entry.utf8.count
      if size + n + tail.utf8.count + reserve > byteLimit { break }
      out += entry
      size += n
      added += 1
    }
    omittedFailures = a.failureCount - added
    if omittedFailures > 0 {
      let note = "> **Cut:** \(omittedFailures) of \(a.failureCount) failures left out to keep "
        + "this report under 1 MiB; every case, with its repro command, is in results.json.\n\n"
      out += note
      size += note.utf8.count
    }
  }

  if a.warningCount > 0 {
    let shown = min(a.warningCount, markdownWarningCap)
    var h = "## Warnings (\(a.warningCount))\n\n"
    if shown < a.warningCount { h += "The first \(shown) are listed; all are in results.json.\n\n" }
    out += h
    size += h.utf8.count
    var listed = 0
    for c in a.warningCases.prefix(shown) {
      let entry = markdownWarning(c)
      let n = entry.utf8.count
      if size + n + tail.utf8.count + reserve > byteLimit { break }
      out += entry
      size += n
      listed += 1
    }
    omittedWarnings = shown - listed
    if omittedWarnings > 0 {
      let note = "- … \(omittedWarnings) more warnings left out to keep this report under 1 MiB "
        + "(see results.json).\n"
      out += note
      size += note.utf8.count
    }
    out += "\n"
    size += 1
  }

  out += tail
  size += tail.utf8.count
  if omittedFailures + omittedWarnings > 0 {
    out += "---\n\n_This report was cut: \(omittedFailures + omittedWarnings) entries were left "
      + "out (\(omittedFailures) failures, \(omittedWarnings) warnings). results.json holds "
      + "every case._\n"
    size = out.utf8.count
  }
  if size <= byteLimit { return out }
  return hardCut(out, byteLimit: byteLimit, reserve: reserve)
}

/// Cuts text at the last line boundary that leaves room for a note, then appends the
/// note with the number of lines left out.
func hardCut(_ text: String, byteLimit: Int, reserve: Int) -> String {
  let bytes = Array(text.utf8)
  let budget = max(0, byteLimit - reserve)
  var cut = min(budget, bytes.count)
  while cut > 0 && bytes[cut - 1] != UInt8(ascii: "\n") { cut -= 1 }
  let kept = String(decoding: bytes[0..<cut], as: UTF8.self)
  let left = bytes[cut...].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
  return kept + "\n---\n\n_This report was cut at 1 MiB: \(left) entries (lines) were left out. "
    + "results.json holds every case._\n"
}

// MARK: - Sections

func markdownHead(_ r: ReportHeader, _ a: Analysis, title: String) -> String {
  let s = a.summary
  var o = "# \(mdEscape(title))\n\n"
  o += "**\(a.verdict.label)** — \(mdEscape(a.verdict.sentence(s)))\n\n"
  o += "Seed \(r.seed) · format \(mdCode(r.format)) · gradcheck \(mdEscape(r.version))\n\n"
  o += "| status | cases |\n|:--|--:|\n"
  let counts: [(Status, Int)] = [
    (.pass, s.pass), (.warn, s.warn), (.fail, s.fail), (.skip, s.skip), (.xfail, s.xfail),
    (.xpass, s.xpass),
  ]
  for (st, n) in counts { o += "| \(statusDescription(st)) | \(n) |\n" }
  o += "| **total** | **\(s.cases)** |\n\n"
  return o
}

func markdownFailure(_ c: CaseResult, number: Int) -> String {
  var o = "### \(number). \(statusLabel(c.status)): \(mdCode(c.id))\n\n"
  o += mdEscape(caseContext(c)) + "\n\n"
  if c.status == .xpass {
    o += "Expected to fail, but every check passed (an expected failure that no longer "
      + "happens fails the run).\n\n"
  }
  let checks = explainingChecks(c)
  if !checks.isEmpty {
    o += "| check | status | value | tolerance | message |\n|:--|:--|--:|--:|:--|\n"
    for (name, res) in checks {
      o += "| \(name.rawValue) | \(statusLabel(res.status)) | \(formatNumber(res.value)) | "
        + "\(formatNumber(res.tolerance)) | \(mdEscape(res.message)) |\n"
    }
    o += "\n"
  }
  o += "Reproduce:\n\n" + mdCodeBlock(c.repro) + "\n"
  return o
}

func markdownWarning(_ c: CaseResult) -> String {
  let parts = explainingChecks(c).map { (name, res) in
    "\(name.rawValue) \(formatNumber(res.value)) (tolerance \(formatNumber(res.tolerance))): "
      + mdEscape(res.message)
  }
  return "- \(mdCode(c.id)) — " + parts.joined(separator: "; ") + "\n"
}

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
  let findings = a.findings()
  if !findings.isEmpty {
    o += "## Findings by transform\n\n"
    for (t, lines) in findings {
      o += "- **\(t.rawValue)**: " + lines.map(mdEscape).joined(separator: " ") + "\n"
    }
    o += "\n"
  }
  if a.summary.cases > 0 && (a.hasTransforms || a.betas.count > 1) {
    o += "## By transform and beta\n\n"
    o += "Cells: passed/checked ✓ (checked = not skipped), ✗ failed, ! warned, – skipped.\n\n"
    o += "| transform | " + a.betas.map { betaLabel($0) }.joined(separator: " | ") + " | all |\n"
    o += "|:--|" + String(repeating: "--:|", count: a.betas.count + 1) + "\n"
    for t in a.transforms {
      var total = StatusCounts()
      var row = "| \(transformLabel(t)) |"
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
      var row = "| \(transformLabel(t)) |"
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
        o += "| \(transformLabel(t)) | \(b.map { formatNumber($0) } ?? "–") | "
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
      var row = "| \(transformLabel(t)) |"
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
