// JUnit XML for CI consumers (Jenkins, GitLab, GitHub test reporters).

import GradcheckModel

/// Renders results as JUnit XML.
///
/// Structure:
/// ```
/// <testsuites name tests failures errors skipped time>
///   <testsuite name="<group>" tests failures errors skipped time>   (groups sorted)
///     <testcase classname="<group>" name="<case id>" time="0">
///       <failure message="..." type="fail">every failed check</failure>   (fail, xpass)
///       <skipped message="<reason>"/>                                     (skip)
///       <system-out>warnings, expected failures</system-out>
///     </testcase>
/// ```
/// A case's group is its fixture path or family (`CaseResult.group`); within a group,
/// cases keep the results order. `failures` counts cases with status `fail` or `xpass`
/// (one `failure` element each), `skipped` counts cases with status `skip`, `errors` is
/// always 0 (an input error stops a run before results exist) and `time` is 0 so the
/// output is deterministic. Text and attributes are escaped and stripped of control
/// characters that XML 1.0 forbids.
public func renderJUnit(_ r: Results, suiteName: String = "gradcheck") -> String {
  var groups: [String: [Int]] = [:]
  for (i, c) in r.cases.enumerated() { groups[c.group, default: []].append(i) }
  let names = groups.keys.sorted()
  let total = StatusCounts(Summary(counting: r.cases))

  var o = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
  o += "<testsuites name=\"\(xmlEscape(suiteName))\" tests=\"\(total.total)\" "
    + "failures=\"\(total.failed)\" errors=\"0\" skipped=\"\(total.skip)\" time=\"0\">\n"
  for g in names {
    let idx = groups[g]!
    var s = StatusCounts()
    for i in idx { s.add(r.cases[i].status) }
    o += "  <testsuite name=\"\(xmlEscape(g))\" tests=\"\(s.total)\" failures=\"\(s.failed)\" "
      + "errors=\"0\" skipped=\"\(s.skip)\" time=\"0\">\n"
    o += "    <properties>\n"
    o += "      <property name=\"seed\" value=\"\(r.seed)\"/>\n"
    o += "      <property name=\"gradcheck.version\" value=\"\(xmlEscape(r.version))\"/>\n"
    o += "    </properties>\n"
    for i in idx { o += junitCase(r.cases[i], group: g) }
    o += "  </testsuite>\n"
  }
  o += "</testsuites>\n"
  return o
}

/// One line per check: `name: status, value V, tolerance T: message`.
func junitCheckLine(_ name: CheckName, _ res: CheckResult) -> String {
  "\(name.rawValue): \(res.status.rawValue), value \(formatNumber(res.value)), "
    + "tolerance \(formatNumber(res.tolerance)): \(oneLine(res.message))"
}

func junitCase(_ c: CaseResult, group: String) -> String {
  var o = "    <testcase classname=\"\(xmlEscape(group))\" name=\"\(xmlEscape(c.id))\" time=\"0\""
  var body = ""
  switch c.status {
  case .fail:
    let failed = failedChecks(c)
    let names = failed.map(\.name.rawValue).joined(separator: ", ")
    let first = failed.first.map { ": " + oneLine($0.result.message) } ?? ""
    let message = "failed: \(names.isEmpty ? "case" : names)\(first)"
    var text = failed.map { junitCheckLine($0.name, $0.result) }
    text.append("context: \(caseContext(c))")
    text.append("repro: \(oneLine(c.repro))")
    body += "      <failure message=\"\(xmlEscape(message))\" type=\"fail\">"
      + xmlEscape(text.joined(separator: "\n"), singleLine: false) + "</failure>\n"
  case .xpass:
    var text = ["expected to fail, but every check passed:"]
    text += c.orderedChecks.map { junitCheckLine($0.name, $0.result) }
    text.append("context: \(caseContext(c))")
    text.append("repro: \(oneLine(c.repro))")
    body += "      <failure message=\"unexpected pass: an expected failure did not happen\" "
      + "type=\"fail\">" + xmlEscape(text.joined(separator: "\n"), singleLine: false)
      + "</failure>\n"
  case .skip:
    body += "      <skipped message=\"\(xmlEscape(skipReason(c)))\"/>\n"
  case .pass, .warn, .xfail:
    break
  }
  // Warnings and expected failures go to system-out, so consumers show them without
  // counting the case as failed.
  var out: [String] = []
  for (name, res) in c.orderedChecks where res.status == .warn {
    out.append("warning: " + junitCheckLine(name, res))
  }
  if c.status == .xfail {
    for (name, res) in c.orderedChecks where res.status == .fail {
      out.append("expected failure: " + junitCheckLine(name, res))
    }
  }
  if !out.isEmpty {
    body += "      <system-out>" + xmlEscape(out.joined(separator: "\n"), singleLine: false)
      + "</system-out>\n"
  }
  if body.isEmpty { return o + "/>\n" }
  o += ">\n" + body + "    </testcase>\n"
  return o
}
