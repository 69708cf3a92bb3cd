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

    @OptionGroup var output: OutputOptions

    func validate() throws {
      if results.isEmpty { throw ValidationError("give at least one results file") }
    }

    func run() throws {
      let plan = try OutputPlan(output)
      let parts = try results.map(readResults)
      let merged: Results
      do {
        merged = try mergeResults(parts)
      } catch {
        throw InputError(message: error.description)
      }
      try plan.write(merged, title: "gradcheck")
      try finishRun(merged, command: "merge", strict: output.strict, exitZero: output.exitZero)
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
