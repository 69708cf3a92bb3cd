import ArgumentParser
import GradCheckCore
import GradcheckSelfTest
import GradcheckModel

extension GradCheck {
  /// `gradcheck selftest`: injects known bugs into the analytic gradient and
  /// exits 0 only when every one is caught and no correct gradient is flagged.
  struct SelfTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "selftest", abstract: "Mutation self-test of the checker.")

    @Option(help: "Seed of the matrices and directions.")
    var seed: UInt64 = 0
    @Option(help: "Worker threads (default: all cores).")
    var jobs: Int?

    func run() throws {
      let selfTest = SelfTest(seed: seed, threads: jobs ?? ProcessInfoLite.cores)
      let rows = selfTest.run()
      print(renderSelfTestTable(rows))
      let nonsmooth = selfTest.runNonsmooth()
      print("")
      print(renderNonsmoothTable(nonsmooth))
      let ok = rows.allSatisfy(\.ok) && nonsmooth.allSatisfy(\.ok)
      print(ok
        ? "gradcheck selftest: every injected bug caught, no correct gradient flagged -> OK"
        : "gradcheck selftest: FAILED (see the rows marked MISSED)")
      if !ok { throw ExitCode(1) }
    }
  }
}

func renderSelfTestTable(_ rows: [SelfTest.Row]) -> String {
  var lines = ["| injected bug | effective cases | caught by gradient | caught by taylor | caught | verdict |",
               "|---|---:|---:|---:|---:|---|"]
  for r in rows {
    if let m = r.mutation {
      lines.append("| \(m.summary) | \(r.effective) | \(r.caughtByGradient) | \(r.caughtByTaylor) | \(r.caught) | \(r.ok ? "caught" : "MISSED: " + r.missed.joined(separator: "; ")) |")
    } else {
      lines.append("| none (correct gradients, smooth cases) | \(r.effective) | - | - | \(r.falseAlarms) false alarms | \(r.ok ? "clean" : "FALSE ALARM: " + r.missed.joined(separator: "; ")) |")
    }
  }
  return lines.joined(separator: "\n")
}

/// The nonsmooth part: gradients in the one-sided bracket (never flagged) and outside it
/// (caught on every case where they differ from the solver's).
func renderNonsmoothTable(_ rows: [SelfTest.NonsmoothRow]) -> String {
  var lines = ["| gradient at a nonsmooth point | cases | flagged | verdict |", "|---|---:|---:|---|"]
  for r in rows {
    let verdict = r.ok
      ? (r.choice.inBracket ? "clean" : "caught")
      : (r.choice.inBracket ? "FALSE ALARM: " : "MISSED: ") + r.missed.joined(separator: "; ")
    lines.append("| \(r.choice.summary) | \(r.effective) | \(r.flagged) | \(verdict) |")
  }
  return lines.joined(separator: "\n")
}
