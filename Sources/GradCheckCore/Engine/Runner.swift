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

extension ParallelRunner {
  /// How a `forEachInOrder` run ended.
  public struct StreamOutcome: Sendable, Equatable {
    /// Items whose work finished (consumed or not).
    public var finished: Int
    /// Items handed to `consume`, always a prefix of the items.
    public var consumed: Int
    /// Whether `shouldStop` ended the run before every item was consumed.
    public var stopped: Bool
  }

  /// Runs `work` over `items` on the worker threads and hands each result to `consume`
  /// on the calling thread, in item order, as soon as it and every earlier result are
  /// ready, while the workers go on. At most `window` results are computed but not yet
  /// consumed at any time (a worker waits for a free slot before taking the next item), so
  /// the memory held for results is bounded by `window` items whatever the number of
  /// items; with `threads` workers a window of a few items per thread keeps them busy.
  /// The results, and so the consumed sequence, are those of `map`: the same for every
  /// number of threads.
  ///
  /// Items are taken in order, except the last `window`: once every earlier item is taken
  /// they are taken by decreasing `cost` (ties in order), so that an expensive item near
  /// the end (an N = 16 matrix is the default sweep's last) does not run alone while the
  /// other workers idle. That is safe from waiting forever: every item from the first
  /// unconsumed one on then fits in the window, and it never changes a result.
  ///
  /// `shouldStop` is polled before each item is taken and while waiting; once it returns
  /// true no new item is started, the items running are finished, and the run returns
  /// with `stopped` (results not yet consumed are dropped). When `consume` throws, the
  /// workers stop the same way and the error is rethrown.
  /// - Parameters:
  ///   - window: the most results held at once (at least 1).
  ///   - cost: an estimate of an item's work, for the order of the last `window` items.
  ///   - progress: called (on a worker thread) with the number of finished items.
  public func forEachInOrder<T: Sendable, R: Sendable, E: Error>(
    _ items: [T], window: Int, cost: ((T) -> Double)? = nil,
    progress: (@Sendable (Int) -> Void)? = nil,
    shouldStop: (@Sendable () -> Bool)? = nil,
    _ work: @escaping @Sendable (T, Int, inout SpectralEvaluator) -> R,
    consume: (Int, R) throws(E) -> Void
  ) throws(E) -> StreamOutcome {
    let count = items.count
    if count == 0 { return StreamOutcome(finished: 0, consumed: 0, stopped: false) }
    let window = max(1, window)
    let workers = min(threads, count)
    let tail = max(0, count - window)
    let state = StreamState<R>(
      count: count, tailStart: tail, tailOrder: Self.tailOrder(cost.map { c in items[tail...].map(c) } ?? [], from: tail))
    // Created at 0 and raised: libdispatch traps when a semaphore is freed below the
    // value it was created with, which a stopped run can leave.
    let slots = DispatchSemaphore(value: 0)
    for _ in 0..<window { slots.signal() }
    let group = DispatchGroup()
    for _ in 0..<workers {
      DispatchQueue.global().async(group: group) {
        var ev = SpectralEvaluator()
        while true {
          slots.wait()
          if state.isCancelled || shouldStop?() == true { break }
          let i = state.take()
          if i >= count { break }
          let r = work(items[i], i, &ev)
          let done = state.put(i, r)
          progress?(done)
        }
        state.workerExited()
      }
    }
    // Stops the workers: no new item is taken, every waiting worker is released.
    func stopWorkers() {
      state.cancel()
      for _ in 0..<workers { slots.signal() }
      group.wait()
    }
    var consumed = 0
    var stopped = false
    while consumed < count {
      guard shouldStop?() != true, let r = state.waitFor(consumed, workers: workers) else {
        stopped = true
        break
      }
      do {
        try consume(consumed, r)
      } catch {
        stopWorkers()
        throw error
      }
      consumed += 1
      slots.signal()
    }
    stopWorkers()
    return StreamOutcome(finished: state.finishedCount, consumed: consumed, stopped: stopped)
  }
}

extension ParallelRunner {
  /// The indices `from ..< from + costs.count` by decreasing cost, ties in index order.
  static func tailOrder(_ costs: [Double], from start: Int) -> [Int] {
    costs.indices.sorted { a, b in costs[a] != costs[b] ? costs[a] > costs[b] : a < b }.map { start + $0 }
  }
}

/// The shared state of `forEachInOrder`: results by index until consumed, the next item
/// to take, and how many workers have exited.
final class StreamState<R>: @unchecked Sendable {
  private var pending: [Int: R] = [:]
  private var next = 0
  /// The indices of the last items, from `tailStart` on, in the order they are taken.
  private let tailStart: Int
  private let tailOrder: [Int]
  private var finished = 0
  private var exited = 0
  private var cancelled = false
  private let lock = NSLockLike()
  /// Signalled on every result and every worker exit.
  private let changed = DispatchSemaphore(value: 0)

  /// `tailOrder`: the indices of the last items (from `tailStart` on) in the order to
  /// take them; empty: in order.
  init(count: Int, tailStart: Int = 0, tailOrder: [Int] = []) {
    self.tailStart = tailStart
    self.tailOrder = tailOrder
  }

  /// The next item to take (at least the item count when none is left).
  func take() -> Int {
    lock.withLock {
      let k = next
      next += 1
      return k >= tailStart && k - tailStart < tailOrder.count ? tailOrder[k - tailStart] : k
    }
  }

  func put(_ i: Int, _ r: R) -> Int {
    let done = lock.withLock { () -> Int in
      pending[i] = r
      finished += 1
      return finished
    }
    changed.signal()
    return done
  }

  func workerExited() {
    lock.withLock { exited += 1 }
    changed.signal()
  }

  func cancel() { lock.withLock { cancelled = true } }
  var isCancelled: Bool { lock.withLock { cancelled } }
  var finishedCount: Int { lock.withLock { finished } }

  /// Removes and returns result `i`, waiting for it; nil when every worker has exited
  /// without producing it (the run was stopped).
  func waitFor(_ i: Int, workers: Int) -> R? {
    while true {
      let (value, allExited) = lock.withLock { () -> (R?, Bool) in
        (pending.removeValue(forKey: i), exited == workers)
      }
      if let value { return value }
      if allExited { return nil }
      changed.wait()
    }
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
