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
      // The results are read case by case straight into the outputs, which are written
      // only once every input has been read.
      let reader = try openResults(result)
      let stream = try OutputStream(
        plan, seed: reader.seed, version: reader.version, title: title, curves: reader.curves)
      var entries: [(title: String, href: String, summary: Summary)] = []
      var seen = Set<String>()
      var total = Summary()
      do {
        while let c = try nextCase(reader) { try stream.add(c) }
        for e in entry {
          let parts = e.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
          let other = try openResults(parts[2])
          // Each case counts once in the totals: a merged entry repeats its parts' cases.
          while let c = try nextCase(other) { if seen.insert(c.id).inserted { total.add(c.status) } }
          entries.append((parts[0], parts[1], other.summary))
        }
        try stream.finish()
      } catch {
        stream.discard()
        throw error
      }
      if let index {
        do {
          try writeAtomically(renderIndexHTML(entries: entries, total: total), to: index)
        } catch {
          throw InputError(message: "cannot write \(error.description)")
        }
      }
      try finishRun(stream.summary, command: "report", strict: output.strict, exitZero: output.exitZero,
                    baseline: plan.baseline)
    }
  }
}
