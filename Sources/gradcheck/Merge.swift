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
      // Every part is read once to check it (as `loadResults` would) and to learn its
      // header, its case ids and whether its cases are in canonical order.
      var parts: [MergePart] = []
      var allSorted = true
      for path in results {
        let reader = try openResults(path)
        var ids: [String] = []
        var previous: CaseResult?
        while let c = try nextCase(reader) {
          ids.append(c.id)
          if let p = previous, CaseResult.canonicalOrder(c, p) { allSorted = false }
          previous = c
        }
        parts.append(MergePart(format: resultsFormat, version: reader.version, seed: reader.seed, ids: ids))
      }
      do {
        try checkMergeable(parts)
      } catch {
        throw InputError(message: error.description)
      }
      let summary: Summary
      if allSorted {
        summary = try mergeSorted(title: "gradcheck", plan: plan, seed: parts[0].seed, version: parts[0].version)
      } else {
        // Parts not in canonical order (not written by gradcheck): sorted in memory.
        let merged: Results
        do {
          merged = try mergeResults(try results.map(readResults))
        } catch let e as ResultsError {
          throw InputError(message: e.description)
        }
        try plan.write(merged, title: "gradcheck")
        summary = merged.summary
      }
      try finishRun(summary, command: "merge", strict: output.strict, exitZero: output.exitZero,
                    baseline: plan.baseline)
    }

    /// Merges parts whose cases are each in canonical order, streaming: a k-way merge
    /// that takes the smallest next case (the earliest part on a tie, as a stable sort
    /// of the parts' cases one after another would), holding one case per part.
    func mergeSorted(title: String, plan: OutputPlan, seed: UInt64, version: String) throws -> Summary {
      let readers = try results.map(openResults)
      var heads = try readers.map(nextCase)
      let stream = try OutputStream(
        plan, seed: seed, version: version, title: title,
        curves: BehaviourCurve.union(readers.map(\.curves)))
      do {
        while true {
          var best: Int?
          for k in heads.indices {
            guard let c = heads[k] else { continue }
            if let b = best, !CaseResult.canonicalOrder(c, heads[b]!) { continue }
            best = k
          }
          guard let k = best else { break }
          try stream.add(heads[k]!)
          heads[k] = try nextCase(readers[k])
        }
        try stream.finish()
      } catch {
        stream.discard()
        throw error
      }
      return stream.summary
    }
  }
}

/// Opens a results file for reading case by case; problems are input errors.
func openResults(_ path: String) throws -> ResultsReader {
  do {
    return try ResultsReader(path: path)
  } catch {
    throw InputError(message: error.description)
  }
}

/// The next case of a results file; problems are input errors.
func nextCase(_ reader: ResultsReader) throws -> CaseResult? {
  do {
    return try reader.next()
  } catch {
    throw InputError(message: error.description)
  }
}

func readResults(_ path: String) throws -> Results {
  do {
    return try loadResults(path)
  } catch {
    throw InputError(message: error.description)
  }
}
