/// One external program per worker, started once per run and reused for every request
/// of that worker.
///
/// `shutDown` is safe to call from a command's cleanup on any thread, also while workers
/// are blocked in `evaluate` (they are woken and throw `.interrupted`), and more than once.
public final class ExternalEvaluatorPool: Sendable {
  /// One evaluator per worker.
  public let evaluators: [ExternalEvaluator]

  /// What every program said in its handshake (they agree).
  public var identity: EvaluatorIdentity { evaluators[0].identity }

  /// Starts `workers` copies of `command` (all spawned first, so that their start-up
  /// overlaps, then each handshake). If any fails, every program already started is ended
  /// and the first error is thrown. The handshakes must agree on name, dtype and spectral.
  public static func start(
    command: String, workers: Int, timeout: Double = ExternalEvaluator.defaultTimeout, wake: Int32? = nil,
    stderrSink: Int32? = 2
  ) throws(ExternalEvaluatorError) -> ExternalEvaluatorPool {
    precondition(workers >= 1, "workers must be positive")
    var launched: [Launched] = []
    var started: [ExternalEvaluator] = []
    do {
      for _ in 0..<workers {
        launched.append(try Launched(command: command, timeout: timeout, wake: wake, stderrSink: stderrSink))
      }
      for program in launched { started.append(try program.handshake()) }
    } catch {
      ExternalEvaluator.close(started, grace: 0)
      launched.removeAll()  // ends those whose handshake was not reached
      throw error
    }
    if let odd = started.first(where: { $0.identity != started[0].identity }) {
      let a = started[0].identity
      let b = odd.identity
      ExternalEvaluator.close(started, grace: 0)
      throw ExternalEvaluatorError(
        kind: .handshake, command: command, requestID: nil,
        problem: "its copies disagree: one says name \(a.name), dtype \(a.dtype.rawValue), spectral \(a.spectral.rawValue); another name \(b.name), dtype \(b.dtype.rawValue), spectral \(b.spectral.rawValue)",
        stderrTail: [])
    }
    return ExternalEvaluatorPool(evaluators: started)
  }

  private init(evaluators: [ExternalEvaluator]) {
    self.evaluators = evaluators
  }

  deinit { shutDown(grace: 0) }

  /// The evaluator of worker `index` (0-based).
  public func evaluator(worker index: Int) -> ExternalEvaluator { evaluators[index] }

  /// Points all the programs have answered so far.
  public var pointsAnswered: Int { evaluators.reduce(0) { $0 + $1.pointsAnswered } }

  /// Wakes every blocked request (they throw `.interrupted`) without ending the programs.
  public func cancel() {
    for evaluator in evaluators { evaluator.cancel() }
  }

  /// Cancels requests in flight, then ends every program in parallel (stdin closed,
  /// `grace` seconds, SIGTERM, `ExternalEvaluator.terminateGrace` seconds, SIGKILL) and
  /// reaps them. At the end of a normal run use the default grace; on an interrupt a
  /// short one. Idempotent.
  public func shutDown(grace: Double = ExternalEvaluator.defaultShutdownGrace) {
    cancel()
    ExternalEvaluator.close(evaluators, grace: grace)
  }
}
