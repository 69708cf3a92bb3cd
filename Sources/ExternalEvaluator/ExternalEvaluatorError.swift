/// Why an external evaluator could not be used.
///
/// `description` names the command, the request (`handshake`, `request 7`, or `request
/// not sent` for a request refused before sending), what was
/// wrong, and the last lines the program wrote to stderr:
/// ```
/// external evaluator `python3 ev.py`: request 7: no response within 60 s
/// its last 2 lines on stderr:
///   loading model...
///   warning: ...
/// ```
public struct ExternalEvaluatorError: Error, Sendable, Equatable, CustomStringConvertible {
  public enum Kind: String, Sendable, Equatable {
    /// The program could not be started at all.
    case startFailed
    /// The handshake reply was not valid.
    case handshake
    /// A response broke the protocol (not JSON, wrong id, missing field, wrong shape, a
    /// number out of place).
    case protocolViolation
    /// The program ended (exited or was killed by a signal) or closed its stdout or stdin.
    case programEnded
    /// No complete response within the timeout.
    case timeout
    /// Our run was interrupted while waiting (the wake-up descriptor became readable, or
    /// the pool was cancelled). Not the program's fault.
    case interrupted
    /// The evaluator was already closed or had failed before.
    case unusable
    /// The request itself cannot be sent (a non-finite input, a wrong count).
    case invalidRequest
  }

  public var kind: Kind
  /// The command as given.
  public var command: String
  /// The request's id; nil for the handshake and for errors outside a request.
  public var requestID: Int?
  /// What was wrong, one sentence.
  public var problem: String
  /// The last lines the program wrote to stderr (at most 20), oldest first.
  public var stderrTail: [String]

  public init(kind: Kind, command: String, requestID: Int?, problem: String, stderrTail: [String]) {
    self.kind = kind
    self.command = command
    self.requestID = requestID
    self.problem = problem
    self.stderrTail = stderrTail
  }

  /// Whether this error stops a run as a protocol error (everything but an interruption).
  public var isProtocolError: Bool { kind != .interrupted }

  public var description: String {
    let place = requestID.map { "request \($0)" } ?? (kind == .invalidRequest ? "request not sent" : "handshake")
    var text = "external evaluator `\(command)`: \(place): \(problem)"
    if stderrTail.isEmpty {
      text += "\n(it wrote nothing to stderr)"
    } else {
      let count = stderrTail.count
      text += "\nits last \(count == 1 ? "line" : "\(count) lines") on stderr:"
      for line in stderrTail { text += "\n  " + line }
    }
    return text
  }
}
