import ArgumentParser
import GradcheckIO
import GradcheckModel

extension GradCheck {
  /// `gradcheck merge RESULT...`: one results file from shards or runs.
  struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Merge results files (from shards) into one; duplicate case ids are an error.")

    @Argument(help: "Results files (gradcheck-results/1).")
    var results: [String]

    @Option(help: "Merged results file.")
    var json: String?
    @Option(help: "Markdown report.")
    var markdown: String?
    @Option(help: "HTML report.")
    var html: String?
    @Option(help: "JUnit XML report.")
    var junit: String?
    @Option(help: "Write results.json, report.md, report.html and junit.xml into this folder.")
    var out: String?
    @Flag(help: "Count warnings as failures.")
    var strict = false
    @Flag(name: .customLong("exit-zero"), help: "Report only: exit 0 even when checks fail.")
    var exitZero = false

    func validate() throws {
      if results.isEmpty { throw ValidationError("give at least one results file") }
    }

    func run() throws {
      let plan = OutputPlan(json: json, markdown: markdown, html: html, junit: junit, out: out)
      try plan.check(out: out)
      let parts = try results.map(readResults)
      let merged: Results
      do {
        merged = try mergeResults(parts)
      } catch {
        throw InputError(message: error.description)
      }
      try plan.write(merged, title: "gradcheck")
      try finishRun(merged, command: "merge", strict: strict, exitZero: exitZero)
    }
  }

  /// `gradcheck report RESULT`: renders reports from a results file alone.
  struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Render reports from a results file.")

    @Argument(help: "A results file (gradcheck-results/1).")
    var result: String

    @Option(help: "Markdown report.")
    var markdown: String?
    @Option(help: "HTML report.")
    var html: String?
    @Option(help: "JUnit XML report.")
    var junit: String?
    @Option(help: "Write report.md, report.html and junit.xml (and results.json) into this folder.")
    var out: String?
    @Option(help: "Report title.")
    var title: String = "gradcheck"
    @Flag(help: "Count warnings as failures.")
    var strict = false
    @Flag(name: .customLong("exit-zero"), help: "Report only: exit 0 even when checks fail.")
    var exitZero = false

    func run() throws {
      let plan = OutputPlan(json: nil, markdown: markdown, html: html, junit: junit, out: out)
      try plan.check(out: out)
      let r = try readResults(result)
      try plan.write(r, title: title)
      try finishRun(r, command: "report", strict: strict, exitZero: exitZero)
    }
  }
}

func readResults(_ path: String) throws -> Results {
  do {
    return try loadResults(path)
  } catch {
    throw InputError(message: error.description)
  }
}
