import ArgumentParser
import Foundation
import GradcheckIO
import GradcheckModel
import Reporting

extension GradCheck {
  /// `gradcheck diff BASE NEW`: compares two results files case by case by id.
  struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Compare two results files by case id: new, regressed, fixed, unchanged, gone.")

    @Argument(help: "The baseline results file.")
    var base: String

    @Argument(help: "The new results file.")
    var new: String

    @Option(help: "Write the comparison as Markdown.")
    var markdown: String?

    @Option(help: "Write the comparison as a self-contained HTML page.")
    var html: String?

    @Option(help: "Write the comparison (every changed case) as JSON.")
    var json: String?

    @Flag(help: "A new case that warns also fails the comparison.")
    var strict = false

    @Flag(name: .customLong("exit-zero"), help: "Report only: exit 0 even when a case regressed.")
    var exitZero = false

    func run() throws {
      for path in [markdown, html, json].compactMap({ $0 }) {
        do { try checkWritable(path) } catch { throw InputError(message: error.description) }
      }
      let c = try compareResults(base: base, new: new)
      do {
        if let markdown { try writeAtomically(renderBaselineMarkdown(c, base: base, new: new), to: markdown) }
        if let html { try writeAtomically(renderBaselineHTML(c, base: base, new: new), to: html) }
        if let json { try writeAtomically(baselineJSON(c, base: base, new: new), to: json) }
      } catch {
        throw InputError(message: "cannot write \(error.description)")
      }
      try finishComparison(c, command: "diff", strict: strict, exitZero: exitZero)
    }
  }
}

/// Streams both results files (the baseline's ids and statuses are held, the new file's
/// cases pass one at a time) into a comparison.
func compareResults(base: String, new: String) throws -> BaselineComparison {
  var c = BaselineComparison()
  let b = try openResults(base)
  while let x = try nextCase(b) { c.addBaseline(id: x.id, status: x.status) }
  let n = try openResults(new)
  while let x = try nextCase(n) { c.add(id: x.id, status: x.status) }
  return c
}

/// Prints the five counts and the regressed cases; exits 1 when a case regressed or a
/// new case fails (`strict`: or warns), unless `exitZero`.
func finishComparison(_ c: BaselineComparison, command: String, strict: Bool, exitZero: Bool) throws {
  print(c.counts.map { $0.name.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined(separator: " "))
  print(c.counts.map { String($0.count).padding(toLength: 10, withPad: " ", startingAt: 0) }.joined(separator: " "))
  for ch in c.regressed.prefix(20) {
    print("regressed: \(ch.id): \(ch.before?.rawValue ?? "-") -> \(ch.after?.rawValue ?? "-")")
  }
  for ch in c.newFailing(strict: strict).prefix(20) { print("new \(ch.after!.rawValue): \(ch.id)") }
  let failing = c.failsRun(strict: strict)
  print("gradcheck \(command): against the baseline: \(c.regressed.count) regressed, "
    + "\(c.newFailing(strict: strict).count) new failing"
    + (failing ? (exitZero ? " (reported, --exit-zero)" : " -> FAIL") : " -> OK"))
  if failing && !exitZero { throw ExitCode(1) }
}

/// The comparison as JSON: the counts and every changed case (`gradcheck-diff/1`).
func baselineJSON(_ c: BaselineComparison, base: String, new: String) -> String {
  func list(_ l: [BaselineChange]) -> [[String: Any]] {
    l.map { ["id": $0.id, "before": $0.before?.rawValue ?? NSNull(), "after": $0.after?.rawValue ?? NSNull()] }
  }
  let object: [String: Any] = [
    "format": "gradcheck-diff/1", "base": base, "new": new,
    "counts": Dictionary(uniqueKeysWithValues: c.counts.map { ($0.name, $0.count) }),
    "regressed": list(c.regressed), "fixed": list(c.fixed), "new_cases": list(c.new), "gone": list(c.gone),
  ]
  let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
  return String(decoding: data, as: UTF8.self) + "\n"
}
