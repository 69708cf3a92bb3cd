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
  var layout = JUnitLayout(seed: r.seed, version: r.version)
  var bodies: [String: String] = [:]
  for c in r.cases {
    let (group, text) = layout.add(c)
    bodies[group, default: ""] += text
  }
  var o = layout.head(suiteName: suiteName)
  for g in layout.groups {
    o += layout.suiteHead(g) + bodies[g]! + JUnitLayout.suiteTail
  }
  return o + JUnitLayout.tail
}

/// The JUnit XML of `renderJUnit` in pieces, for writing it from a stream of cases: each
/// case's `testcase` element (`add`) is known as soon as the case is, while the counts of
/// the `testsuites` and `testsuite` elements around them are known only at the end. The
/// layout keeps the counts per group (a few numbers per fixture or family, not per case);
/// the caller keeps the `testcase` texts of each group in order (for example in a scratch
/// file) and writes `head`, then for each of `groups` its `suiteHead`, its texts and
/// `suiteTail`, then `tail`.
public struct JUnitLayout {
  public let seed: UInt64
  public let version: String
  private var counts: [String: StatusCounts] = [:]
  private var total = StatusCounts()

  public init(seed: UInt64, version: String = gradcheckVersion) {
    self.seed = seed
    self.version = version
  }

  /// Counts the next case and returns its group and its `testcase` element.
  public mutating func add(_ c: CaseResult) -> (group: String, text: String) {
    let g = c.group
    counts[g, default: StatusCounts()].add(c.status)
    total.add(c.status)
    return (g, junitCase(c, group: g))
  }

  /// The groups seen, sorted (the order of the `testsuite` elements).
  public var groups: [String] { counts.keys.sorted() }

  /// The XML declaration and the opening `testsuites` element with the totals.
  public func head(suiteName: String) -> String {
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      + "<testsuites name=\"\(xmlEscape(suiteName))\" tests=\"\(total.total)\" "
      + "failures=\"\(total.failed)\" errors=\"0\" skipped=\"\(total.skip)\" time=\"0\">\n"
  }

  /// The opening `testsuite` element of a group with its counts and properties.
  public func suiteHead(_ g: String) -> String {
    let s = counts[g] ?? StatusCounts()
    return "  <testsuite name=\"\(xmlEscape(g))\" tests=\"\(s.total)\" failures=\"\(s.failed)\" "
      + "errors=\"0\" skipped=\"\(s.skip)\" time=\"0\">\n"
      + "    <properties>\n"
      + "      <property name=\"seed\" value=\"\(seed)\"/>\n"
      + "      <property name=\"gradcheck.version\" value=\"\(xmlEscape(version))\"/>\n"
      + "    </properties>\n"
  }

  /// The closing `testsuite` element.
  public static let suiteTail = "  </testsuite>\n"
  /// The closing `testsuites` element.
  public static let tail = "</testsuites>\n"
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
