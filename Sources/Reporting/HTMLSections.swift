// The HTML report's conclusions: scorecard, failure modes and beta recommendation (the
// same content as the Markdown report's, in the same order).

import GradcheckModel

func htmlScorecard(_ a: Analysis) -> String {
  guard a.hasTransforms else { return "" }
  let rec = Dictionary(uniqueKeysWithValues: a.recommendations().map { ($0.transform, $0) })
  var o = "<section id=\"scorecard\">\n<h2>Scorecard</h2>\n"
  o += "<p>Per transform, over every β: <b>constraint kept</b> = <code>constraint</code> pass or "
    + "warn / cases with a defined s; <b>gradient correct</b> = <code>gradient</code> pass / run; "
    + "<b>healthy</b> = <code>growth</code> pass / run; <b>fidelity</b> = <code>fidelity</code> "
    + "pass / run.</p>\n"
  o += "<div class=\"wide\"><table class=\"score\"><thead><tr><th scope=\"col\">transform</th>"
    + ["constraint kept", "gradient correct", "gradient healthy", "fidelity", "worst margin",
       "largest |grad|"].map { "<th scope=\"col\" class=\"n\">\(xmlEscape($0))</th>" }.joined()
    + "<th scope=\"col\">recommended β</th></tr></thead><tbody>\n"
  for (t, p) in a.scorecard() {
    var grad = xmlEscape(fractionCell(p.gradientPass, p.gradientRun))
    if p.gradientNotRun > 0 {
      let why = (a.gradientNotRun[t] ?? []).prefix(3).map { "\($0.reason) \($0.count)" }
      grad += "<br><small>not run \(p.gradientNotRun)"
        + (why.isEmpty ? "" : ": " + xmlEscape(why.joined(separator: ", "))) + "</small>"
    }
    let r = t.flatMap { rec[$0] }
    let recText = r.map { $0.best.map { "β=\(formatNumber($0))" } ?? "none keeps it" } ?? "–"
    o += "<tr><th scope=\"row\">\(xmlEscape(a.label(t)))</th>"
      + "<td class=\"n\">\(scoreCell(p.kept, p.definedS))</td><td class=\"n\">\(grad)</td>"
      + "<td class=\"n\">\(scoreCell(p.growthPass, p.growthRun))</td>"
      + "<td class=\"n\">\(scoreCell(p.fidelityPass, p.fidelityRun))</td>"
      + "<td class=\"n\">\(formatNumber(p.worstMargin))</td>"
      + "<td class=\"n\">\(formatNumber(p.largestGradient))</td><td>\(xmlEscape(recText))</td></tr>\n"
  }
  return o + "</tbody></table></div>\n</section>\n"
}

/// A fraction cell, marked with ✗ when short of the whole.
func scoreCell(_ part: Int, _ whole: Int) -> String {
  let text = xmlEscape(fractionCell(part, whole))
  return whole > 0 && part < whole ? "<span class=\"short\">✗ \(text)</span>" : text
}

func htmlModes(_ a: Analysis) -> String {
  var o = "<section id=\"modes\">\n<h2>Failure modes (\(a.modes.count))</h2>\n"
  guard !a.modes.isEmpty else { return o + "<p>✓ No case failed or warned.</p>\n</section>\n" }
  o += "<p>Failed and warned cases grouped by transform, check and reason code, largest first "
    + "(a case with several failing checks counts in each). Minimal case: smallest N, then the "
    + "simplest matrix family, then the smallest |x|.</p>\n"
  for (k, m) in a.modes.enumerated() {
    let key = m.key, st = m.stats
    o += "<article class=\"mode \(key.severity.rawValue)\">\n<h3>\(k + 1). \(badge(key.severity)) "
      + "<b>\(xmlEscape(key.subject))</b> · \(xmlEscape(key.check)) · <code>\(xmlEscape(key.code))</code>"
      + " — \(plural(st.count, "case"))</h3>\n"
    o += "<p>\(xmlEscape(modeSentence(key)))</p>\n<p class=\"ctx\">"
    var at: [String] = []
    if !st.betas.values.isEmpty { at.append("β \(st.betaText)") }
    at += ["s: \(st.bandText)", "x: \(st.xText)", "in: \(st.groupText)", "N: \(st.orderText)"]
    o += xmlEscape(at.joined(separator: " · ")) + "</p>\n"
    if let r = st.representative {
      o += "<p>Minimal case <code>\(xmlEscape(r.id))</code>:</p>\n"
        + "<pre><code>\(xmlEscape(r.repro, singleLine: false))</code></pre>\n"
    }
    o += "</article>\n"
  }
  return o + "</section>\n"
}

func htmlRecommendation(_ a: Analysis) -> String {
  let recs = a.recommendations()
  guard !recs.isEmpty else { return "" }
  var o = "<section id=\"beta\">\n<h2>Beta recommendation</h2>\n<ul>\n"
  for r in recs { o += "<li>\(xmlEscape(r.sentence))</li>\n" }
  o += "</ul>\n<div class=\"wide\"><table><thead><tr><th scope=\"col\">transform</th>"
    + "<th scope=\"col\" class=\"n\">β</th>"
    + ["constraint kept", "gradient correct", "gradient healthy", "fidelity"]
    .map { "<th scope=\"col\" class=\"n\">\($0)</th>" }.joined() + "</tr></thead><tbody>\n"
  for t in a.transforms where t != nil {
    for b in a.betasPresent(t) {
      guard let p = a.tb[TBKey(transform: t, beta: b)]?.props else { continue }
      o += "<tr><td>\(xmlEscape(a.label(t)))</td><td class=\"n\">\(b.map { formatNumber($0) } ?? "–")</td>"
        + "<td class=\"n\">\(scoreCell(p.kept, p.definedS))</td>"
        + "<td class=\"n\">\(scoreCell(p.gradientPass, p.gradientRun))</td>"
        + "<td class=\"n\">\(scoreCell(p.growthPass, p.growthRun))</td>"
        + "<td class=\"n\">\(scoreCell(p.fidelityPass, p.fidelityRun))</td></tr>\n"
    }
  }
  return o + "</tbody></table></div>\n</section>\n"
}
