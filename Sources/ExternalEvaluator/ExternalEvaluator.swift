#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import GradcheckModel

/// The client side of the `gradcheck-exec/1` protocol: one external program computing
/// `x_cond = T(x, s(y); beta)` and the gradients of `sum(x_cond)`, asked one request at
/// a time over its stdin and stdout (one JSON object per line each way).
///
/// Lifecycle: `start` runs `/bin/sh -c COMMAND` and does the handshake; `evaluate` sends
/// one request and waits (at most `timeout` seconds) for its response; `close` ends the
/// program (stdin closed, `shutdownGrace` seconds to exit, then SIGTERM to its process
/// group, then SIGKILL) and reaps it. Any failure of a request (a protocol error, the
/// program ending, a timeout, an interruption) also ends and reaps the program before
/// the error is thrown, so no program is ever left running; the evaluator is then
/// unusable. A response `{"id": K, "error": "text"}` is not a failure: it is returned
/// as `.error(text)`.
///
/// Thread safety: requests and `close` are serialized by a lock; `cancel` may be called
/// from any thread at any time and wakes a request blocked in `evaluate` at once (it
/// then throws `.interrupted`). A descriptor given as `wake` does the same when it
/// becomes readable (it is only polled, never read).
public final class ExternalEvaluator: Sendable {
  public static let defaultTimeout = 60.0
  public static let defaultBatch = 4096
  public static let defaultShutdownGrace = 5.0
  /// Seconds between SIGTERM and SIGKILL.
  public static let terminateGrace = 2.0
  /// Lines of the program's stderr kept for messages.
  public static let stderrLines = 20

  /// The command as given (run as `/bin/sh -c command`).
  public let command: String
  /// Seconds allowed per request (and for the handshake).
  public let timeout: Double
  /// What the handshake said.
  public let identity: EvaluatorIdentity
  /// The process id of `/bin/sh` (also the program's process group id).
  public let pid: Int32

  public var name: String { identity.name }
  public var dtype: DType { identity.dtype }
  public var spectral: SpectralKind { identity.spectral }

  /// Serializes requests and `close`; guards `storage`.
  private let lock = PThreadLock()
  private let storage: Session
  private let cancelRead: Int32
  private let cancelWrite: Int32
  private let wake: Int32?

  /// Starts the program and does the handshake.
  /// - Parameters:
  ///   - timeout: seconds allowed for the handshake and for each request.
  ///   - wake: a descriptor that becomes readable when the run is interrupted (polled
  ///     alongside the program's pipes, never read).
  ///   - stderrSink: where the program's stderr lines go (our stderr by default; nil
  ///     keeps them only for messages).
  public static func start(
    command: String, timeout: Double = defaultTimeout, wake: Int32? = nil, stderrSink: Int32? = 2
  ) throws(ExternalEvaluatorError) -> ExternalEvaluator {
    let launched = try Launched(command: command, timeout: timeout, wake: wake, stderrSink: stderrSink)
    return try launched.handshake()
  }

  init(_ launched: Launched, identity: EvaluatorIdentity) {
    command = launched.command
    timeout = launched.timeout
    self.identity = identity
    pid = launched.session.child!.pid
    cancelRead = launched.cancelRead
    cancelWrite = launched.cancelWrite
    wake = launched.wake
    storage = launched.takeSession()
  }

  deinit {
    close()
    Glibc.close(cancelRead)
    Glibc.close(cancelWrite)
  }

  /// Points of the requests the program has answered so far (with values or an `error`).
  public var pointsAnswered: Int { withSession { $0.pointsAnswered } }

  // MARK: Requests

  /// Sends one request for `x.count` points (`y`: the row-major `n x n` matrices one
  /// after the other, `y.count == x.count * n * n`) and returns the program's answer.
  ///
  /// - Throws: `ExternalEvaluatorError` for anything but a valid response or an
  ///   `error` response; the program has then been ended and reaped.
  public func evaluate(beta: Double, x: [Double], y: [Double], n: Int, grad: Bool)
    throws(ExternalEvaluatorError) -> EvalResponse
  {
    try x.withUnsafeBufferPointer { (xs) throws(ExternalEvaluatorError) in
      try y.withUnsafeBufferPointer { (ys) throws(ExternalEvaluatorError) in
        try evaluate(beta: beta, x: xs, y: ys, n: n, grad: grad)
      }
    }
  }

  /// `evaluate` on buffers (a slice of a larger batch without copying).
  public func evaluate(
    beta: Double, x: UnsafeBufferPointer<Double>, y: UnsafeBufferPointer<Double>, n: Int, grad: Bool
  ) throws(ExternalEvaluatorError) -> EvalResponse {
    try validate(beta: beta, x: x, y: y, n: n)
    if x.isEmpty { return .values(EvalValues(points: 0, n: n, xCond: [], gradX: grad ? [] : nil, gradY: grad ? [] : nil)) }
    let command = command
    let timeout = timeout
    let wakeFDs = [cancelRead] + (wake.map { [$0] } ?? [])
    return try withSession { (s) throws(ExternalEvaluatorError) -> EvalResponse in
      guard let child = s.child else {
        throw ExternalEvaluatorError(
          kind: .unusable, command: command, requestID: nil,
          problem: s.failure ?? "the evaluator was closed", stderrTail: s.lastStderr)
      }
      let id = s.nextID
      s.nextID += 1
      s.output.removeAll()
      RequestWriter.eval(id: id, beta: beta, x: x, y: y, n: n, grad: grad, into: s.output)
      let expectedNumbers = x.count * (3 + n * n)
      let lineEnd: Int
      do throws(ExchangeFailure) {
        lineEnd = try child.exchange(
          request: s.output, response: s.input, deadline: monotonicNanoseconds(after: timeout),
          wake: wakeFDs, maxLineBytes: (1 << 20) + 64 * expectedNumbers)
      } catch {
        throw s.fail(error, command: command, requestID: id, timeout: timeout)
      }
      let line = UnsafeBufferPointer(start: s.input.base + s.input.start, count: lineEnd - s.input.start)
      do throws(ResponseProblem) {
        let response = try ResponseDecoder.eval(line, id: id, points: x.count, n: n, grad: grad)
        s.input.consume(upTo: lineEnd + 1)
        s.pointsAnswered += x.count
        return response
      } catch {
        throw s.fail(protocolProblem: error.message, line: line, command: command, requestID: id)
      }
    }
  }

  private func validate(
    beta: Double, x: UnsafeBufferPointer<Double>, y: UnsafeBufferPointer<Double>, n: Int
  ) throws(ExternalEvaluatorError) {
    func invalid(_ problem: String) -> ExternalEvaluatorError {
      ExternalEvaluatorError(kind: .invalidRequest, command: command, requestID: nil, problem: problem, stderrTail: [])
    }
    guard n >= 1 else { throw invalid("matrix size \(n) is not positive") }
    guard y.count == x.count * n * n else {
      throw invalid("\(x.count) points need \(x.count * n * n) matrix entries, got \(y.count)")
    }
    guard beta.isFinite else { throw invalid("beta \(beta) is not finite") }
    if let b = x.firstIndex(where: { !$0.isFinite }) { throw invalid("x[\(b)] = \(x[b]) is not finite") }
    if let k = y.firstIndex(where: { !$0.isFinite }) {
      throw invalid("y[\(k / (n * n))][\(k / n % n)][\(k % n)] = \(y[k]) is not finite")
    }
  }

  /// `evaluate` in requests of at most `maxPoints` points each (in order), for a batch
  /// of any size. Each chunk's answer is returned with the points it covers; an `error`
  /// response covers only its own chunk.
  public func evaluateBatched(
    beta: Double, x: [Double], y: [Double], n: Int, grad: Bool, maxPoints: Int = defaultBatch
  ) throws(ExternalEvaluatorError) -> [EvalChunk] {
    precondition(maxPoints >= 1, "maxPoints must be positive")
    guard y.count == x.count * n * n else {
      throw ExternalEvaluatorError(
        kind: .invalidRequest, command: command, requestID: nil,
        problem: "\(x.count) points need \(x.count * n * n) matrix entries, got \(y.count)", stderrTail: [])
    }
    var chunks: [EvalChunk] = []
    chunks.reserveCapacity((x.count + maxPoints - 1) / maxPoints)
    try x.withUnsafeBufferPointer { (xs) throws(ExternalEvaluatorError) in
      try y.withUnsafeBufferPointer { (ys) throws(ExternalEvaluatorError) in
        var start = 0
        while start < xs.count {
          let end = min(start + maxPoints, xs.count)
          let response = try evaluate(
            beta: beta, x: UnsafeBufferPointer(rebasing: xs[start..<end]),
            y: UnsafeBufferPointer(rebasing: ys[(start * n * n)..<(end * n * n)]), n: n, grad: grad)
          chunks.append(EvalChunk(points: start..<end, response: response))
          start = end
        }
      }
    }
    return chunks
  }

  // MARK: Ending

  /// Wakes a request blocked in `evaluate` (it throws `.interrupted`) and makes every
  /// later request throw; safe from any thread, never blocks. Does not end the program:
  /// `close` does.
  public func cancel() {
    var byte: UInt8 = 1
    _ = write(cancelWrite, &byte, 1)
  }

  /// Ends the program (stdin closed, `grace` seconds, SIGTERM, `terminateGrace` seconds,
  /// SIGKILL) and reaps it. Idempotent; waits for a request in flight to finish (call
  /// `cancel` first to cut it short).
  public func close(grace: Double = defaultShutdownGrace) {
    ExternalEvaluator.close([self], grace: grace)
  }

  /// Ends several programs at once: all stdins are closed first, so they finish in
  /// parallel and the whole takes at most `grace + terminateGrace` seconds plus the
  /// time SIGKILL takes.
  static func close(_ evaluators: [ExternalEvaluator], grace: Double) {
    var children: [ChildProcess] = []
    for evaluator in evaluators {
      if let child = evaluator.withSession({ s -> ChildProcess? in
        defer { s.child = nil }
        return s.child
      }) {
        children.append(child)
      }
    }
    for child in children { child.closeStdin() }
    ChildProcess.shutDown(children, grace: grace, termGrace: terminateGrace)
    for (evaluator, child) in zip(evaluators, children) {
      evaluator.withSession { s in
        s.lastStderr = child.stderr.lines
        if s.failure == nil { s.failure = "the evaluator was closed" }
      }
    }
  }

  /// Runs `body` on the session with the lock held.
  private func withSession<T, E: Error>(_ body: (Session) throws(E) -> T) throws(E) -> T {
    try lock.withLock { () throws(E) -> T in try body(storage) }
  }

  /// The last lines the program wrote to stderr (so far).
  public var stderrTail: [String] {
    withSession { s in s.child?.stderr.lines ?? s.lastStderr }
  }
}

/// One request's answer within a batch, with the points (indices into the batch) it covers.
public struct EvalChunk: Sendable, Equatable {
  public var points: Range<Int>
  public var response: EvalResponse
}

// MARK: - Internals

/// What the lock protects: the process and the reused buffers.
final class Session: @unchecked Sendable {
  var child: ChildProcess?
  var nextID = 1
  /// Points of the requests answered so far (values or an `error`).
  var pointsAnswered = 0
  let output = ByteBuffer()
  let input = ByteBuffer()
  /// Why the evaluator became unusable.
  var failure: String?
  var lastStderr: [String] = []

  init(child: ChildProcess) {
    self.child = child
  }

  /// Ends the program after a failed exchange and builds the error.
  func fail(_ failure: ExchangeFailure, command: String, requestID: Int?, timeout: Double)
    -> ExternalEvaluatorError
  {
    guard let child else { fatalError("fail without a program") }
    let kind: ExternalEvaluatorError.Kind
    var problem: String
    switch failure {
    case .timeout:
      kind = .timeout
      problem = "no response within \(formatSeconds(timeout)) s"
    case .interrupted:
      kind = .interrupted
      problem = "interrupted while waiting for the response"
    case .lineTooLong:
      kind = .protocolViolation
      problem = "the response line is longer than any valid response could be"
    case .io(let text):
      kind = .programEnded
      problem = text
    case .stdoutClosed, .stdinClosed:
      kind = .programEnded
      // Give it a moment to be gone, so that we can say how it ended.
      if child.waitForExit(deadline: monotonicNanoseconds(after: 2)), let how = child.terminationDescription {
        problem = "the program \(how) before answering"
      } else {
        problem = failure == .stdoutClosed ? "the program closed its stdout" : "the program closed its stdin"
      }
    }
    finish(child, problem: problem)
    return ExternalEvaluatorError(
      kind: kind, command: command, requestID: requestID, problem: problem, stderrTail: lastStderr)
  }

  /// Ends the program after an invalid line and builds the error, quoting the line.
  func fail(protocolProblem: String, line: UnsafeBufferPointer<UInt8>, command: String, requestID: Int?)
    -> ExternalEvaluatorError
  {
    let excerpt = String(decoding: line.prefix(200), as: UTF8.self)
    let problem = "\(protocolProblem); the line was: \(excerpt)\(line.count > 200 ? " [... \(line.count) bytes]" : "")"
    if let child { finish(child, problem: problem) }
    return ExternalEvaluatorError(
      kind: requestID == nil ? .handshake : .protocolViolation, command: command, requestID: requestID,
      problem: problem, stderrTail: lastStderr)
  }

  private func finish(_ child: ChildProcess, problem: String) {
    ChildProcess.shutDown([child], grace: 0, termGrace: ExternalEvaluator.terminateGrace)
    lastStderr = child.stderr.lines
    failure = "the evaluator failed earlier: \(problem)"
    self.child = nil
  }
}

/// A started program before (and during) its handshake.
final class Launched {
  let command: String
  let timeout: Double
  let wake: Int32?
  let cancelRead: Int32
  let cancelWrite: Int32
  var session: Session
  private var handedOver = false

  init(command: String, timeout: Double, wake: Int32?, stderrSink: Int32?) throws(ExternalEvaluatorError) {
    self.command = command
    self.timeout = timeout
    self.wake = wake
    let fds: (read: Int32, write: Int32)
    do {
      fds = try spawnLock.withLock { () throws(SpawnFailure) in try ChildProcess.makePipe() }
    } catch {
      throw ExternalEvaluatorError(
        kind: .startFailed, command: command, requestID: nil, problem: error.message, stderrTail: [])
    }
    for fd in [fds.read, fds.write] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    cancelRead = fds.read
    cancelWrite = fds.write
    do throws(SpawnFailure) {
      session = Session(child: try ChildProcess.spawn(command: command, stderrSink: stderrSink))
    } catch {
      Glibc.close(fds.read)
      Glibc.close(fds.write)
      throw ExternalEvaluatorError(
        kind: .startFailed, command: command, requestID: nil, problem: error.message, stderrTail: [])
    }
    RequestWriter.hello(into: session.output)
  }

  deinit {
    if !handedOver {
      if let child = session.child {
        ChildProcess.shutDown([child], grace: 0, termGrace: ExternalEvaluator.terminateGrace)
      }
      Glibc.close(cancelRead)
      Glibc.close(cancelWrite)
    }
  }

  /// Sends the hello (already queued), reads and checks the reply.
  func handshake() throws(ExternalEvaluatorError) -> ExternalEvaluator {
    let s = session
    guard let child = s.child else { fatalError("handshake without a program") }
    let lineEnd: Int
    do throws(ExchangeFailure) {
      lineEnd = try child.exchange(
        request: s.output, response: s.input, deadline: monotonicNanoseconds(after: timeout),
        wake: [cancelRead] + (wake.map { [$0] } ?? []), maxLineBytes: 1 << 20)
    } catch {
      var failure = s.fail(error, command: command, requestID: nil, timeout: timeout)
      if failure.kind == .protocolViolation { failure.kind = .handshake }
      throw failure
    }
    let line = UnsafeBufferPointer(start: s.input.base + s.input.start, count: lineEnd - s.input.start)
    do throws(ResponseProblem) {
      let identity = try ResponseDecoder.hello(line)
      s.input.consume(upTo: lineEnd + 1)
      return ExternalEvaluator(self, identity: identity)
    } catch {
      throw s.fail(protocolProblem: "invalid handshake reply: \(error.message)", line: line, command: command, requestID: nil)
    }
  }

  /// Hands the session (and the cancel pipe) over to the evaluator.
  func takeSession() -> Session {
    handedOver = true
    return session
  }
}

/// `60`, `0.5`: seconds without a useless `.0`.
func formatSeconds(_ seconds: Double) -> String {
  seconds == seconds.rounded() && seconds.magnitude < 1e15 ? String(Int(seconds)) : "\(seconds)"
}
