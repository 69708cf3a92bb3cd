import ArgumentParser
import GradcheckModel
import ProcessControl

#if canImport(Glibc)
  import Glibc
#endif

/// `gradcheck`: verifies smooth constraint transforms and their gradients through
/// eigenvalues (see docs/cli.md).
struct GradCheck: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gradcheck",
    abstract: "Verify smooth constraint transforms and their gradients through eigenvalues.",
    version: gradcheckVersion,
    subcommands: [Check.self, Sweep.self, Eig.self, Merge.self, Report.self, Diff.self, Generate.self, SelfTestCommand.self]
  )
}

/// Entry point: maps argument errors to exit code 2 (usage or input error),
/// keeps `ExitCode`s as they are.
@main
enum Main {
  static func main() {
    installSignalHandlers()
    do {
      var command = try GradCheck.parseAsRoot()
      try command.run()
    } catch let stop as RunInterrupted {
      writeStderr(stop.message)
      exit(stop.exitStatus)
    } catch let stop as Interrupt.Stop {
      writeStderr("gradcheck: interrupted (\(stop.signalName)); no report was written\n")
      exit(stop.exitStatus)
    } catch let code as ExitCode {
      exit(code.rawValue)
    } catch let e as InputError {
      writeStderr("gradcheck: \(e.message)\n")
      exit(2)
    } catch {
      let code = GradCheck.exitCode(for: error)
      if code == .success {
        print(GradCheck.fullMessage(for: error))
        exit(0)
      }
      writeStderr(GradCheck.fullMessage(for: error) + "\n")
      if !GradCheck.fullMessage(for: error).contains("--help") {
        writeStderr("Run 'gradcheck help' for usage.\n")
      }
      exit(2)
    }
  }
}

/// An input or usage error found by a command (exit 2). The message names the
/// file and the place.
struct InputError: Error {
  var message: String
}

func writeStderr(_ s: String) {
  var s = s
  s.withUTF8 { buf in
    var off = 0
    while off < buf.count {
      let w = write(2, buf.baseAddress! + off, buf.count - off)
      if w <= 0 { break }
      off += w
    }
  }
}
