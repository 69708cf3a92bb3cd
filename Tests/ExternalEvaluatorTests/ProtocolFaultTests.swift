#if canImport(Glibc)
  import Glibc
#endif
import ExternalEvaluator
import Testing

/// Every way a program can break the protocol gives a thrown error naming the command,
/// the request, what was wrong and the program's last stderr lines, and leaves no
/// process behind.
@Suite("External evaluator protocol faults")
struct ProtocolFaultTests {
  /// Starts `fault`, sends request 1 (2 points, N = 3) and returns the error and the
  /// seconds the failed request took (start-up excluded).
  func failure(_ fault: String, grad: Bool = true, timeout: Double = 30) throws -> (ExternalEvaluatorError, Double)? {
    let command = Programs.misbehaving(fault)
    let evaluator = try ExternalEvaluator.start(command: command, timeout: timeout, stderrSink: nil)
    let pid = evaluator.pid
    let (x, y) = smallRequest(points: 2, n: 3)
    var caught: ExternalEvaluatorError?
    let seconds = timed {
      caught = expectFailure { () throws(ExternalEvaluatorError) in
        _ = try evaluator.evaluate(beta: 5, x: x, y: y, n: 3, grad: grad)
      }
    }
    guard let error = caught else { return nil }
    #expect(error.command == command)
    #expect(error.requestID == 1)
    #expect(error.description.contains("external evaluator `\(command)`: request 1: "))
    #expect(!processExists(pid), "the program was reaped (not even a zombie)")
    #expect(!groupExists(pid), "nothing of the program's process group runs after the error")
    // The evaluator is unusable afterwards, and says why.
    let again = expectFailure { () throws(ExternalEvaluatorError) in
      _ = try evaluator.evaluate(beta: 5, x: x, y: y, n: 3, grad: grad)
    }
    #expect(again?.kind == .unusable)
    #expect(again?.problem.contains(error.problem) == true)
    return (error, seconds)
  }

  @Test("a line that is not JSON")
  func notJSON() throws {
    let (error, _) = try #require(try failure("not-json"))
    #expect(error.kind == .protocolViolation)
    #expect(error.problem.contains("expected a JSON object '{'"))
    #expect(error.problem.contains("the line was: Traceback (most recent call last): this is not JSON"))
  }

  @Test("a wrong id")
  func wrongID() throws {
    let (error, _) = try #require(try failure("wrong-id"))
    #expect(error.kind == .protocolViolation)
    #expect(error.problem.contains("the response's id is 2, expected 1"))
  }

  @Test("a missing id")
  func missingID() throws {
    let (error, _) = try #require(try failure("missing-id"))
    #expect(error.problem.contains("the response has no \"id\""))
  }

  @Test("a missing field")
  func missingField() throws {
    let (error, _) = try #require(try failure("missing-field"))
    #expect(error.kind == .protocolViolation)
    #expect(error.problem.contains("no \"x_cond\""))
  }

  @Test("grad_y missing when gradients were asked for")
  func missingGradient() throws {
    let (error, _) = try #require(try failure("missing-grad"))
    #expect(error.problem.contains("no \"grad_y\" (the request had \"grad\": true)"))
  }

  @Test("grad_x present when gradients were not asked for")
  func extraGradient() throws {
    let (error, _) = try #require(try failure("extra-grad", grad: false))
    #expect(error.problem.contains("has \"grad_x\" but the request had \"grad\": false"))
  }

  @Test("a wrong number of points")
  func wrongShape() throws {
    let (error, _) = try #require(try failure("wrong-shape"))
    #expect(error.problem.contains("x_cond: expected 2 numbers, found 3"))
  }

  @Test("a wrong matrix shape")
  func wrongMatrixShape() throws {
    let (error, _) = try #require(try failure("wrong-matrix-shape"))
    #expect(error.problem.contains("grad_y[0][0]: expected 3 numbers, found 4"))
  }

  @Test("a number out of place")
  func badNumber() throws {
    let (error, _) = try #require(try failure("bad-number"))
    #expect(error.problem.contains("x_cond[0]: expected a number or \"nan\", \"inf\", \"-inf\", found true"))
  }

  @Test("Python's bare NaN token is named, with the fix")
  func pythonNaN() throws {
    let (error, _) = try #require(try failure("python-nan"))
    #expect(error.problem.contains("x_cond[0]: found NaN, which is not JSON"))
  }

  @Test("a crash names the signal and keeps the stderr tail")
  func crash() throws {
    let (error, _) = try #require(try failure("crash"))
    #expect(error.kind == .programEnded)
    #expect(error.problem.contains("was killed by signal SIGSEGV"))
    #expect(error.stderrTail.contains("about to crash"))
    #expect(error.description.contains("\n  about to crash"))
  }

  @Test("a crash behind a shell that did not exec is still named")
  func crashBehindShell() throws {
    let command = "python3 '\(Programs.evaluators)/misbehaving_evaluator.py' crash; exit $?"
    let evaluator = try ExternalEvaluator.start(command: command, stderrSink: nil)
    let (x, y) = smallRequest(points: 1, n: 2)
    let error = expectFailure { () throws(ExternalEvaluatorError) in
      _ = try evaluator.evaluate(beta: 1, x: x, y: y, n: 2, grad: false)
    }
    #expect(error?.problem.contains("exited with status 139 (a shell's report of signal SIGSEGV") == true, "\(String(describing: error))")
    #expect(!groupExists(evaluator.pid))
  }

  @Test("abort names SIGABRT")
  func abort() throws {
    let (error, _) = try #require(try failure("abort"))
    #expect(error.problem.contains("was killed by signal SIGABRT"))
  }

  @Test("exiting mid-run gives the status and the last stderr line")
  func exitMidRun() throws {
    let (error, _) = try #require(try failure("exit"))
    #expect(error.kind == .programEnded)
    #expect(error.problem.contains("exited with status 3 before answering"))
    #expect(error.stderrTail.last == "giving up on request 1")
  }

  @Test("only the last 20 stderr lines are kept")
  func stderrTail() throws {
    let (error, _) = try #require(try failure("noisy-exit"))
    #expect(error.stderrTail == (11...30).map { "noise line \($0)" })
    #expect(error.description.contains("its last 20 lines on stderr:"))
  }

  @Test("a program that closes stdout but keeps running is ended")
  func closedStdout() throws {
    let (error, _) = try #require(try failure("close-stdout"))
    #expect(error.kind == .programEnded)
    #expect(error.problem.contains("closed its stdout"))
  }

  @Test("a second line for one request breaks the next request")
  func twoLines() throws {
    let command = Programs.misbehaving("two-lines")
    let evaluator = try ExternalEvaluator.start(command: command, stderrSink: nil)
    let (x, y) = smallRequest(points: 1, n: 2)
    _ = try evaluator.evaluate(beta: 1, x: x, y: y, n: 2, grad: false)
    let error = expectFailure { () throws(ExternalEvaluatorError) in
      _ = try evaluator.evaluate(beta: 1, x: x, y: y, n: 2, grad: false)
    }
    #expect(error?.requestID == 2)
    #expect(error?.problem.contains("the response's id is 1, expected 2") == true)
    #expect(!groupExists(evaluator.pid))
  }

  @Test("the timeout fires within bounds and the hung program is ended")
  func timeout() throws {
    let (error, elapsed) = try #require(try failure("hang", timeout: 1))
    #expect(error.kind == .timeout)
    #expect(error.problem == "no response within 1 s")
    // 1 s of waiting, then SIGTERM ends Python at once; generous slack for a loaded machine.
    #expect(elapsed >= 1 && elapsed < 6, "took \(elapsed) s")
  }

  @Test("a hung program that ignores SIGTERM gets SIGKILL")
  func timeoutIgnoringTerm() throws {
    let (error, elapsed) = try #require(try failure("hang-ignore-term", timeout: 1))
    #expect(error.kind == .timeout)
    // 1 s timeout + 2 s between SIGTERM and SIGKILL.
    #expect(elapsed >= 3 && elapsed < 8, "took \(elapsed) s")
  }

  @Test("handshake faults", arguments: [
    ("no-name", "has no \"name\""),
    ("bad-name", "name \"has space\" is not made of letters"),
    ("bad-dtype", "dtype \"float16\" is not float64 or float32"),
    ("bad-spectral", "spectral \"max-eigenvalue\" is not one of min-real-eigenvalue"),
    ("no-protocol", "has no \"protocol\" (expected \"gradcheck-exec/1\")"),
    ("bad-protocol", "speaks protocol \"gradcheck-exec/2\""),
    ("hello-not-json", "invalid handshake reply: expected a JSON object"),
  ])
  func handshake(fault: String, message: String) {
    let command = Programs.misbehaving(fault)
    let error = expectFailure { () throws(ExternalEvaluatorError) in
      _ = try ExternalEvaluator.start(command: command, timeout: 30, stderrSink: nil)
    }
    #expect(error?.kind == .handshake)
    #expect(error?.requestID == nil)
    #expect(error?.description.hasPrefix("external evaluator `\(command)`: handshake: ") == true)
    #expect(error?.problem.contains(message) == true, "\(String(describing: error?.problem))")
  }

  @Test("a command that does not exist ends before the handshake")
  func missingCommand() {
    let error = expectFailure { () throws(ExternalEvaluatorError) in
      _ = try ExternalEvaluator.start(command: "exec /nonexistent/evaluator", timeout: 30, stderrSink: nil)
    }
    #expect(error?.kind == .programEnded)
    #expect(error?.problem.contains("exited with status 127") == true)
    #expect(error?.stderrTail.joined().contains("/nonexistent/evaluator") == true)
  }
}

