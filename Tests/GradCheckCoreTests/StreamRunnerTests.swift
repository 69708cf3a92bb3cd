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

/// The order in which items were started.
private final class StartLog: @unchecked Sendable {
  private var order: [Int] = []
  private let lock = DispatchSemaphore(value: 1)
  func add(_ i: Int) {
    lock.wait()
    order.append(i)
    lock.signal()
  }
  var items: [Int] {
    lock.wait()
    defer { lock.signal() }
    return order
  }
}

@Suite("Ordered streaming runner")
struct StreamRunnerTests {
  @Test("the last window of items starts by decreasing cost; results still come in item order", arguments: [1, 2, 3])
  func expensiveTailFirst(threads: Int) throws {
    let items = Array(0..<40)
    let window = 8
    // Costs: item 39 (the last) is the most expensive, then 33, then the rest equal.
    let cost: (Int) -> Double = { $0 == 39 ? 100 : $0 == 33 ? 50 : 1 }
    let log = StartLog()
    var seen: [Int] = []
    let outcome = ParallelRunner(threads: threads).forEachInOrder(items, window: window, cost: cost, { x, i, _ in
      log.add(i)
      return x * 3
    }, consume: { (i, r: Int) in
      #expect(r == items[i] * 3)
      seen.append(i)
    })
    #expect(outcome.consumed == 40 && !outcome.stopped)
    #expect(seen == Array(0..<40))
    let started = log.items
    #expect(Set(started) == Set(items))
    // Every item before the tail starts before every tail item; in the tail, 39 and 33 first.
    let firstTail = started.firstIndex { $0 >= 32 }!
    #expect(Set(started[..<firstTail]) == Set(0..<32))
    if threads == 1 {
      #expect(Array(started[32...]) == [39, 33, 32, 34, 35, 36, 37, 38])
    }
    #expect(ParallelRunner.tailOrder([1, 100, 1, 50], from: 10) == [11, 13, 10, 12])
  }

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
