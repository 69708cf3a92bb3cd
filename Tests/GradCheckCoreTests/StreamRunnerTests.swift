import Dispatch
import Testing

@testable import GradCheckCore

/// A thread-safe counter for the tests.
private final class Tally: @unchecked Sendable {
  private var value = 0
  private let lock = DispatchSemaphore(value: 1)
  func add() -> Int {
    lock.wait()
    defer { lock.signal() }
    value += 1
    return value
  }
  var current: Int {
    lock.wait()
    defer { lock.signal() }
    return value
  }
}

private struct Stop: Error, Equatable {}

@Suite("Ordered streaming runner")
struct StreamRunnerTests {
  @Test("results come in item order, at most a window ahead", arguments: [1, 2, 4])
  func orderedAndBounded(threads: Int) throws {
    let items = Array(0..<300)
    let started = Tally()
    var seen: [Int] = []
    var mostAhead = 0
    let window = 5
    let outcome = ParallelRunner(threads: threads).forEachInOrder(items, window: window, { x, i, _ in
      _ = started.add()
      // Uneven work so that workers finish out of order.
      var s = 0.0
      for k in 0..<((x * 7919) % 13 * 500) { s += Double(k) }
      return (i, x * x, s >= 0)
    }, consume: { (i, r: (Int, Int, Bool)) in
      #expect(r.0 == i)
      seen.append(r.1)
      // Items taken so far: at most the window beyond those consumed before this one.
      mostAhead = max(mostAhead, started.current - i)
    })
    #expect(seen == items.map { $0 * $0 })
    #expect(outcome == .init(finished: 300, consumed: 300, stopped: false))
    #expect(mostAhead <= window)
  }

  @Test("a stop request ends the run with a consumed prefix")
  func stops() {
    let done = Tally()
    var consumed: [Int] = []
    let outcome = ParallelRunner(threads: 2).forEachInOrder(
      Array(0..<10_000), window: 8, shouldStop: { done.current >= 50 },
      { x, _, _ in _ = done.add(); return x }, consume: { (_, x: Int) in consumed.append(x) })
    #expect(outcome.stopped)
    #expect(consumed == Array(0..<consumed.count))
    #expect(outcome.consumed == consumed.count && outcome.finished < 10_000)
  }

  @Test("an error from consume stops the workers and is rethrown")
  func consumeThrows() {
    let done = Tally()
    #expect(throws: Stop()) {
      try ParallelRunner(threads: 2).forEachInOrder(
        Array(0..<10_000), window: 4, { x, _, _ in _ = done.add(); return x },
        consume: { (i, _: Int) throws(Stop) in if i == 20 { throw Stop() } })
    }
    #expect(done.current <= 21 + 4 + 2)
  }
}
