import ArgumentParser
import EigenCore
import GradCheckCore
import GradcheckIO
import GradcheckModel

/// The x edge cases checked against every generated matrix (issue: sweep), by
/// their margin `1 + x*s` or as fixed values.
let sweepXCases: [(label: String, margin: Double?, x: Double)] = [
  ("feasible", 2, 0),  // comfortably inside: fidelity applies
  ("boundary", 0, 0),  // 1 + x*s = 0
  ("inside", 1e-8, 0),
  ("outside", -1e-8, 0),
  ("deep", -50, 0),  // deep violation
  ("zero", nil, 0),
  ("large", nil, 1e3),
  ("negative", nil, -1),
]

extension GradCheck {
  /// `gradcheck sweep`: generated cases over families, N, x edge cases,
  /// transforms and betas.
  struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check generated cases: --family LIST|all --n LIST --count K.")

    @OptionGroup var families: FamilyOptions
    @OptionGroup var options: CommonOptions

    @Option(help: "The I-th of N disjoint parts of the sweep (1-based), e.g. 2/3.")
    var shard: String?

    @Option(name: .customLong("x-case"), help: "Only these x edge cases (comma-separated labels: \(sweepXCases.map(\.label).joined(separator: ", "))).")
    var xCase: String?

    func validate() throws {
      if let shard { _ = try parseShard(shard) }
      if let xCase {
        for l in xCase.split(separator: ",") where !sweepXCases.contains(where: { $0.label == String(l) }) {
          throw ValidationError("--x-case: unknown x case '\(l)'")
        }
      }
    }

    static let defaultOrders = [2, 3, 4, 5, 8, 16]
    /// Without --family: every family, each of the 21 LAPACK types on its own.
    static let defaultFamilies = allFamiliesExpanded

    func run() throws {
      let plan = try OutputPlan(options.output)
      let (shardIndex, shardCount) = try shard.map(parseShard) ?? (1, 1)
      let wanted = xCase.map { Set($0.split(separator: ",").map(String.init)) }
      let generated = families.matrices(
        seed: options.seed, defaultFamilies: Self.defaultFamilies, defaultOrders: Self.defaultOrders)
      var jobs: [MatrixJob] = []
      for (k, g) in generated.enumerated() where k % shardCount == shardIndex - 1 {
        var xs: [XCase] = []
        for xc in sweepXCases where wanted?.contains(xc.label) ?? true {
          if let m = xc.margin {
            xs.append(XCase(index: g.index, margin: m, label: xc.label))
          } else {
            xs.append(XCase(index: g.index, x: xc.x, label: xc.label))
          }
        }
        jobs.append(MatrixJob(
          y: g.matrix, xs: xs, name: "\(g.family)/n\(g.n)", family: g.family, outcomes: [],
          repro: "gradcheck sweep \(FamilyOptions.repro(g, seed: 0))"))
      }
      let run = try runJobs(jobs, options: options, label: "sweep", plan: plan, title: "gradcheck sweep")
      try finishRun(run.summary, command: "sweep", strict: options.output.strict, exitZero: options.output.exitZero,
                    extra: run.solvesNote,
                    baseline: plan.baseline)
    }
  }
}

func parseShard(_ s: String) throws -> (Int, Int) {
  let parts = s.split(separator: "/")
  guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 1, i <= n else {
    throw ValidationError("--shard: expected I/N with 1 <= I <= N, found '\(s)'")
  }
  return (i, n)
}
