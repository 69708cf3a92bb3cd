// Comparing a run with a baseline run, case by case by id: what is new, what regressed,
// what was fixed, what is unchanged and what is gone.

import GradcheckModel

/// The severity of a status when runs are compared: pass < warn < fail. A skipped case
/// and an expected failure (`xfail`) pass the run, so they rank with `pass`; an
/// unexpected pass (`xpass`) fails it, so it ranks with `fail`.
public func severityRank(_ s: Status) -> Int {
  switch s {
  case .pass, .skip, .xfail: 0
  case .warn: 1
  case .fail, .xpass: 2
  }
}

/// One case that differs between the runs: its id and its status in each (nil where
/// absent).
public struct BaselineChange: Sendable, Equatable {
  public var id: String
  public var before: Status?
  public var after: Status?
  public init(id: String, before: Status?, after: Status?) {
    self.id = id
    self.before = before
    self.after = after
  }
}

/// The comparison of a run with its baseline, built case by case: the baseline's ids and
/// statuses are held, the new run's cases stream through `add`.
public struct BaselineComparison: Sendable {
  private var base: [String: Status]
  public private(set) var new: [BaselineChange] = []
  public private(set) var regressed: [BaselineChange] = []
  public private(set) var fixed: [BaselineChange] = []
  public private(set) var unchanged = 0
  private var seen: Set<String> = []

  /// A comparison against a baseline given as (id, status) pairs.
  public init<S: Sequence>(baseline: S) where S.Element == (String, Status) {
    base = [:]
    for (id, st) in baseline { base[id] = st }
  }

  /// An empty comparison to which the baseline's cases are added one by one.
  public init() { base = [:] }

  /// Adds one case of the baseline.
  public mutating func addBaseline(id: String, status: Status) { base[id] = status }

  /// Adds the next case of the new run.
  public mutating func add(id: String, status: Status) {
    seen.insert(id)
    guard let before = base[id] else {
      new.append(BaselineChange(id: id, before: nil, after: status))
      return
    }
    let a = severityRank(before), b = severityRank(status)
    if b > a {
      regressed.append(BaselineChange(id: id, before: before, after: status))
    } else if b < a {
      fixed.append(BaselineChange(id: id, before: before, after: status))
    } else {
      unchanged += 1
    }
  }

  /// Cases of the baseline the new run does not have, in id order.
  public var gone: [BaselineChange] {
    base.filter { !seen.contains($0.key) }.map { BaselineChange(id: $0.key, before: $0.value, after: nil) }
      .sorted { $0.id < $1.id }
  }

  /// New cases that fail the run (`fail`, `xpass`), and with `strict` also those that warn.
  public func newFailing(strict: Bool) -> [BaselineChange] {
    new.filter { $0.after.map { severityRank($0) >= (strict ? 1 : 2) } ?? false }
  }

  /// Whether the comparison fails a run: a case regressed, or a new case fails (with
  /// `strict`: or warns).
  public func failsRun(strict: Bool) -> Bool {
    !regressed.isEmpty || !newFailing(strict: strict).isEmpty
  }

  /// The five counts, in report order.
  public var counts: [(name: String, count: Int)] {
    [("regressed", regressed.count), ("fixed", fixed.count), ("new", new.count),
     ("gone", gone.count), ("unchanged", unchanged)]
  }
}

/// Most cases listed per kind in the Markdown and HTML comparisons (the JSON lists all).
let baselineListCap = 200

private func statusText(_ s: Status?) -> String { s.map { statusLabel($0) } ?? "–" }

/// The comparison as Markdown: the counts, then the regressed, fixed, new and gone cases
/// (the first 200 of each).
public func renderBaselineMarkdown(_ c: BaselineComparison, base: String, new: String) -> String {
  var o = "## Against the baseline\n\n"
  o += "Baseline \(mdCode(base)), this run \(mdCode(new)).\n\n"
  o += "| " + c.counts.map(\.name).joined(separator: " | ") + " |\n"
  o += "|" + String(repeating: "--:|", count: 5) + "\n"
  o += "| " + c.counts.map { String($0.count) }.joined(separator: " | ") + " |\n\n"
  for (name, list) in [("Regressed", c.regressed), ("Fixed", c.fixed), ("New", c.new), ("Gone", c.gone)] where !list.isEmpty {
    o += "### \(name) (\(list.count))\n\n"
    for ch in list.prefix(baselineListCap) {
      o += "- \(mdCode(ch.id)): \(statusText(ch.before)) → \(statusText(ch.after))\n"
    }
    if list.count > baselineListCap { o += "- … \(list.count - baselineListCap) more (see the JSON comparison)\n" }
    o += "\n"
  }
  return o
}

/// The lists of a comparison as HTML sections (regressed, fixed, new, gone; the first 200
/// of each).
func htmlBaselineLists(_ c: BaselineComparison) -> String {
  var o = ""
  for (name, list) in [("Regressed", c.regressed), ("Fixed", c.fixed), ("New", c.new), ("Gone", c.gone)] where !list.isEmpty {
    o += "<h3>\(name) (\(list.count))</h3>\n<table><thead><tr><th scope=\"col\">case</th>"
      + "<th scope=\"col\">baseline</th><th scope=\"col\">this run</th></tr></thead><tbody>\n"
    for ch in list.prefix(baselineListCap) {
      o += "<tr><td class=\"id\">\(xmlEscape(ch.id))</td><td>\(ch.before.map(badge) ?? "–")</td>"
        + "<td>\(ch.after.map(badge) ?? "–")</td></tr>\n"
    }
    o += "</tbody></table>\n"
    if list.count > baselineListCap {
      o += "<p class=\"note\">\(list.count - baselineListCap) more in results.json.</p>\n"
    }
  }
  return o
}

/// The counts table of a comparison.
func htmlBaselineCounts(_ c: BaselineComparison) -> String {
  "<table><thead><tr>" + c.counts.map { "<th scope=\"col\" class=\"n\">\($0.name)</th>" }.joined()
    + "</tr></thead><tbody><tr>" + c.counts.map { "<td class=\"n\">\($0.count)</td>" }.joined()
    + "</tr></tbody></table>\n"
}

/// The section a report leads with when it is compared with a baseline.
func htmlBaselineSection(_ c: BaselineComparison, base: String) -> String {
  "<section id=\"baseline\">\n<h2>Against the baseline</h2>\n<p>Baseline <code>\(xmlEscape(base))</code>.</p>\n"
    + htmlBaselineCounts(c) + htmlBaselineLists(c) + "</section>\n"
}

/// The comparison as a self-contained HTML page (the report's style).
public func renderBaselineHTML(_ c: BaselineComparison, base: String, new: String) -> String {
  let failing = c.failsRun(strict: false)
  var o = htmlHead(title: "gradcheck diff")
  o += "<header>\n<h1>gradcheck diff</h1>\n<p class=\"verdict \(failing ? "fail" : "pass")\">"
    + (failing ? "✗ REGRESSED" : "✓ NO REGRESSION") + "<span> — baseline "
    + "\(xmlEscape(base)), this run \(xmlEscape(new))</span></p>\n</header>\n<main>\n"
  o += htmlBaselineCounts(c) + htmlBaselineLists(c)
  return o + "</main>\n</body>\n</html>\n"
}
