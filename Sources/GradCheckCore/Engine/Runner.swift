import Dispatch
import EigenCore
import GradcheckModel
import Spectral

/// Runs jobs in parallel over `jobs` worker threads with one workspace each.
/// Results come back in job order whatever the number of threads, so the same
/// inputs and seed give the same bytes.
public struct ParallelRunner: Sendable {
  public var threads: Int

  public init(threads: Int) {
    self.threads = max(1, threads)
  }

  /// Maps `work` over `items`; `work` gets the item, its index and the worker's
  /// workspace. `progress` is called after each item with the number done.
  public func map<T: Sendable, R: Sendable>(
    _ items: [T],
    progress: (@Sendable (Int) -> Void)? = nil,
    _ work: @Sendable (T, Int, inout SpectralEvaluator) -> R
  ) -> [R] {
    map(items, progress: progress, shouldStop: nil, work).map { $0! }
  }

  /// As `map`, but stops taking new items once `shouldStop` returns true; items
  /// not run are nil.
  public func map<T: Sendable, R: Sendable>(
    _ items: [T],
    progress: (@Sendable (Int) -> Void)?,
    shouldStop: (@Sendable () -> Bool)?,
    _ work: @Sendable (T, Int, inout SpectralEvaluator) -> R
  ) -> [R?] {
    let count = items.count
    if count == 0 { return [] }
    let box = ResultBox<R>(count: count)
    let workers = min(threads, count)
    if workers == 1 {
      var ev = SpectralEvaluator()
      for i in 0..<count {
        if shouldStop?() == true { break }
        box.set(i, work(items[i], i, &ev))
        progress?(box.finished())
      }
    } else {
      let next = Counter()
      DispatchQueue.concurrentPerform(iterations: workers) { _ in
        var ev = SpectralEvaluator()
        while true {
          if shouldStop?() == true { break }
          let i = next.next()
          if i >= count { break }
          box.set(i, work(items[i], i, &ev))
          progress?(box.finished())
        }
      }
    }
    return box.values()
  }
}

/// Results written by index from several threads.
final class ResultBox<R>: @unchecked Sendable {
  private var storage: [R?]
  private var done = 0
  private let lock = NSLockLike()

  init(count: Int) { storage = Array(repeating: nil, count: count) }

  func set(_ i: Int, _ value: R) {
    lock.withLock {
      storage[i] = value
      done += 1
    }
  }

  func finished() -> Int { lock.withLock { done } }

  func values() -> [R?] { lock.withLock { storage } }
}

/// A shared work counter.
final class Counter: @unchecked Sendable {
  private var value = 0
  private let lock = NSLockLike()
  func next() -> Int {
    lock.withLock {
      defer { value += 1 }
      return value
    }
  }
}

/// A mutex from Dispatch (no Foundation in maths targets).
final class NSLockLike: @unchecked Sendable {
  private let semaphore = DispatchSemaphore(value: 1)
  func withLock<T>(_ body: () throws -> T) rethrows -> T {
    semaphore.wait()
    defer { semaphore.signal() }
    return try body()
  }
}
