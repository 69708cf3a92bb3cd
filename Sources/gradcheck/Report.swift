import ArgumentParser
import GradcheckIO
import GradcheckModel
import Reporting

extension GradCheck {
  /// `gradcheck report RESULT`: renders reports from a results file alone.
  struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Render reports from a results file.")

    @Argument(help: "A results file (gradcheck-results/1).")
    var result: String

    @OptionGroup var output: OutputOptions
    @Option(help: "Report title.")
    var title: String = "gradcheck"
    @Option(help: "Also write an index page linking several reports (with --entry).")
    var index: String?
    @Option(help: "An index entry TITLE|HREF|RESULTS: the link text, the report it links to (relative to the index), and the results file its summary comes from.")
    var entry: [String] = []
    func validate() throws {
      if index != nil && entry.isEmpty { throw ValidationError("--index needs at least one --entry TITLE|HREF|RESULTS") }
      for e in entry where e.split(separator: "|", omittingEmptySubsequences: false).count != 3 {
        throw ValidationError("--entry: expected TITLE|HREF|RESULTS, found '\(e)'")
      }
    }

    func run() throws {
      let plan = try OutputPlan(output)
      if let index {
        do { try checkWritable(index) } catch { throw InputError(message: error.description) }
      }
      let r = try readResults(result)
      var entries: [(title: String, href: String, summary: Summary)] = []
      for e in entry {
        let parts = e.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        entries.append((parts[0], parts[1], try readResults(parts[2]).summary))
      }
      try plan.write(r, title: title)
      if let index {
        do {
          try writeAtomically(renderIndexHTML(entries: entries), to: index)
        } catch {
          throw InputError(message: "cannot write \(error.description)")
        }
      }
      try finishRun(r, command: "report", strict: output.strict, exitZero: output.exitZero)
    }
  }
}
