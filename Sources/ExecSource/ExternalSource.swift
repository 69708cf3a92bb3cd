import Dispatch
import EigenCore
import ExternalEvaluator
import GradCheckCore
import GradcheckModel
import Spectral

/// An external program (`--exec`) as a gradient source: the points of a batch are sent
/// as `gradcheck-exec/1` requests, grouped by beta and by whether gradients are asked for
/// (base points with `grad: true`, finite-difference points with `grad: false`), each
/// point with its own matrix (`batch.matrix(of:)`) and x, at most `maxPoints` per request.
///
/// Each worker thread borrows one program of the pool for the whole batch (there are as
/// many programs as workers, so a worker never waits for one), so requests of one worker
/// go to one process, in order.
///
/// - Requests carry finite numbers only: a point with a non-finite x, beta or matrix
///   entry (a step that overflowed, an input at infinity) is not sent, and its value
///   stays NaN, as an evaluation there would give; the checks that need it say so.
/// - An `error` response marks every point of that beta with the program's text (the
///   cases' `evaluate` check fails; the run goes on).
/// - A protocol fault (`ExternalEvaluatorError`) is recorded in `fault` (the first one
///   wins), every program's pending request is woken, and the error is thrown: the
///   command line stops the run on it.
public struct ExternalSource: GradientSource {
  public let pool: ExternalEvaluatorPool
  public let fault: RunFault
  public let maxPoints: Int
  public let reference: TransformKind?
  let lease: EvaluatorLease

  public init(pool: ExternalEvaluatorPool, fault: RunFault, maxPoints: Int, reference: TransformKind?) {
    self.pool = pool
    self.fault = fault
    self.maxPoints = maxPoints
    self.reference = reference
    self.lease = EvaluatorLease(count: pool.evaluators.count)
  }

  public var name: String { pool.identity.name }
  public var dtype: DType { pool.identity.dtype }
  /// The built-in transform of the same name, if the program is named after one.
  public var transform: TransformKind? { TransformKind(rawValue: name) }

  public func evaluate(_ batch: EvaluationBatch) throws -> [SourceValue] {
    let k = lease.borrow()
    defer { lease.giveBack(k) }
    do {
      return try Self.evaluate(batch, with: pool.evaluator(worker: k), maxPoints: maxPoints)
    } catch {
      if error.isProtocolError, fault.record(error) { pool.cancel() }
      throw error
    }
  }

  /// The groups of points one request family covers: same beta, same `gradient`.
  struct GroupKey: Hashable {
    var beta: UInt64
    var gradient: Bool
  }

  static func evaluate(
    _ batch: EvaluationBatch, with evaluator: ExternalEvaluator, maxPoints: Int
  ) throws(ExternalEvaluatorError) -> [SourceValue] {
    let n = batch.y.rows
    var order: [GroupKey] = []
    var groups: [GroupKey: [Int]] = [:]
    for (i, p) in batch.points.enumerated() where p.x.isFinite && p.beta.isFinite {
      let key = GroupKey(beta: p.beta.bitPattern, gradient: p.gradient)
      if groups[key] == nil { order.append(key) }
      groups[key, default: []].append(i)
    }
    var values = [SourceValue](repeating: SourceValue(xCond: .nan), count: batch.points.count)
    var failedBetas: [UInt64: String] = [:]
    for key in order {
      var members: [Int] = []
      var x: [Double] = []
      var y: [Double] = []
      x.reserveCapacity(groups[key]!.count)
      y.reserveCapacity(groups[key]!.count * n * n)
      for i in groups[key]! {
        let matrix = batch.matrix(of: batch.points[i]).storage
        guard matrix.allSatisfy(\.isFinite) else { continue }
        members.append(i)
        x.append(batch.points[i].x)
        y += matrix
      }
      if members.isEmpty { continue }
      let chunks = try evaluator.evaluateBatched(
        beta: Double(bitPattern: key.beta), x: x, y: y, n: n, grad: key.gradient, maxPoints: maxPoints)
      for chunk in chunks {
        switch chunk.response {
        case .error(let text):
          failedBetas[key.beta] = failedBetas[key.beta] ?? text
        case .values(let v):
          for (j, b) in chunk.points.enumerated() {
            var value = SourceValue(xCond: v.xCond[j], lambdaMin: v.lambdaMin?[j])
            if key.gradient {
              value.gradX = v.gradX?[j]
              value.gradY = v.gradY.map { Matrix(rows: n, cols: n, storage: Array($0[(j * n * n)..<((j + 1) * n * n)])) }
            }
            values[members[b]] = value
          }
        }
      }
    }
    if !failedBetas.isEmpty {
      for (i, p) in batch.points.enumerated() {
        if let text = failedBetas[p.beta.bitPattern] { values[i] = SourceValue(xCond: .nan, error: text) }
      }
    }
    return values
  }
}

/// The first protocol fault of a run, recorded by whichever worker meets it.
public final class RunFault: @unchecked Sendable {
  private var first: ExternalEvaluatorError?
  private let lock = DispatchSemaphore(value: 1)

  public init() {}

  /// Records `error` unless one is recorded already; true when it was the first.
  @discardableResult
  public func record(_ error: ExternalEvaluatorError) -> Bool {
    lock.wait()
    defer { lock.signal() }
    guard first == nil else { return false }
    first = error
    return true
  }

  public var error: ExternalEvaluatorError? {
    lock.wait()
    defer { lock.signal() }
    return first
  }
}

/// Lends the pool's programs to the worker threads, one each at a time.
final class EvaluatorLease: @unchecked Sendable {
  private var free: [Int]
  private let lock = DispatchSemaphore(value: 1)
  private let available: DispatchSemaphore

  init(count: Int) {
    free = Array((0..<count).reversed())
    available = DispatchSemaphore(value: 0)
    for _ in 0..<count { available.signal() }
  }

  func borrow() -> Int {
    available.wait()
    lock.wait()
    defer { lock.signal() }
    return free.removeLast()
  }

  func giveBack(_ k: Int) {
    lock.wait()
    free.append(k)
    lock.signal()
    available.signal()
  }
}
