#if canImport(Glibc)
  import Glibc
#endif
import Dispatch
import ExternalEvaluator
import GradcheckModel
import Testing

/// Values that are not faults, batching, and ending programs (close, pool, cancel, wake).
@Suite("External evaluator lifecycle and values")
struct LifecycleTests {
  @Test("the handshake's identity is exposed")
  func identity() throws {
    let evaluator = try ExternalEvaluator.start(command: Programs.misbehaving("spectral-singular"), stderrSink: nil)
    defer { evaluator.close() }
    #expect(evaluator.name == "misbehaving-spectral-singular")
    #expect(evaluator.dtype == .float64)
    #expect(evaluator.spectral == .minSingularValue)
  }

  @Test("an error response is a value, and the program goes on")
  func errorResponse() throws {
    let evaluator = try ExternalEvaluator.start(command: Programs.misbehaving("error"), stderrSink: nil)
    defer { evaluator.close() }
    let (x, y) = smallRequest(points: 3, n: 2)
    // Odd ids succeed, even ids get an error response.
    for id in 1...4 {
      let response = try evaluator.evaluate(beta: 2, x: x, y: y, n: 2, grad: true)
      if id % 2 == 0 {
        #expect(response == .error("cannot evaluate request \(id)"))
      } else {
        guard case .values(let v) = response else {
          Issue.record("request \(id): expected values, got \(response)")
          continue
        }
        #expect(v.xCond == [1, 1, 1])
        #expect(v.gradX == [2, 2, 2])
        #expect(v.gradY == Array(repeating: 0, count: 12))
        #expect(v.lambdaMin == [1, 1.125, 1.25])
      }
    }
  }

  @Test("NaN and infinities arrive as values")
  func nanValues() throws {
    let evaluator = try ExternalEvaluator.start(command: Programs.misbehaving("nan"), stderrSink: nil)
    defer { evaluator.close() }
    let (x, y) = smallRequest(points: 3, n: 2)
    guard case .values(let v) = try evaluator.evaluate(beta: 2, x: x, y: y, n: 2, grad: true) else {
      Issue.record("expected values")
      return
    }
    #expect(v.xCond[0].isNaN)
    #expect(v.xCond[1] == 1)
    #expect(v.xCond[2] == -.infinity)
    #expect(v.gradX?[0] == .infinity)
  }

  @Test("batches are split into requests of at most maxPoints, in order")
  func batched() throws {
    let evaluator = try ExternalEvaluator.start(command: Programs.misbehaving("error"), stderrSink: nil)
    defer { evaluator.close() }
    let (x0, y) = smallRequest(points: 10, n: 3)
    let x = x0.indices.map { Double($0) }
    let chunks = try evaluator.evaluateBatched(beta: 1, x: x, y: y, n: 3, grad: false, maxPoints: 4)
    #expect(chunks.map(\.points) == [0..<4, 4..<8, 8..<10])
    // Request 2 (the second chunk) gets an error response; the others values.
    #expect(chunks[1].response == .error("cannot evaluate request 2"))
    for chunk in [chunks[0], chunks[2]] {
      guard case .values(let v) = chunk.response else {
        Issue.record("chunk \(chunk.points): expected values")
        continue
      }
      #expect(v.xCond == chunk.points.map { 2 * Double($0) })
      #expect(v.lambdaMin == chunk.points.map { 1 + Double($0) / 8 })
    }
  }

  @Test("a program filling its stderr while we write a large request does not block either side")
  func chatty() throws {
    let evaluator = try ExternalEvaluator.start(command: Programs.misbehaving("chatty"), timeout: 60, stderrSink: nil)
    defer { evaluator.close() }
    let (x, y) = smallRequest(points: 4096, n: 4)  // about 0.4 MB of request
    guard case .values(let v) = try evaluator.evaluate(beta: 1, x: x, y: y, n: 4, grad: true) else {
      Issue.record("expected values")
      return
    }
    #expect(v.xCond.count == 4096)
    #expect(v.gradY?.count == 4096 * 16)
    #expect(evaluator.stderrTail.count == 20)
    #expect(evaluator.stderrTail.last?.hasPrefix("chatter 4095 ") == true)
  }

  @Test("non-finite inputs are refused before anything is sent")
  func invalidRequest() throws {
    let evaluator = try ExternalEvaluator.start(command: Programs.misbehaving("good"), stderrSink: nil)
    defer { evaluator.close() }
    let error = expectFailure { () throws(ExternalEvaluatorError) in
      _ = try evaluator.evaluate(beta: 1, x: [1, .nan], y: [1, 0, 0, 1, 1, 0, 0, 1], n: 2, grad: false)
    }
    #expect(error?.kind == .invalidRequest)
    #expect(error?.problem == "x[1] = nan is not finite")
    // The program is still usable.
    let (x, y) = smallRequest(points: 1, n: 2)
    #expect(try evaluator.evaluate(beta: 1, x: x, y: y, n: 2, grad: false) != .error(""))
  }

  @Test("close ends and reaps the program; it is idempotent and later requests fail")
  func close() throws {
    let evaluator = try ExternalEvaluator.start(command: Programs.misbehaving("good"), stderrSink: nil)
    let pid = evaluator.pid
    #expect(processExists(pid))
    evaluator.close()
    #expect(!processExists(pid), "reaped: not even a zombie")
    evaluator.close()
    let (x, y) = smallRequest(points: 1, n: 2)
    let error = expectFailure { () throws(ExternalEvaluatorError) in
      _ = try evaluator.evaluate(beta: 1, x: x, y: y, n: 2, grad: false)
    }
    #expect(error?.kind == .unusable)
  }

  @Test("a program that outlives its stdin and ignores SIGTERM is killed after grace + 2 s")
  func lingering() throws {
    let evaluator = try ExternalEvaluator.start(command: Programs.misbehaving("linger"), stderrSink: nil)
    let pid = evaluator.pid
    let elapsed = timed { evaluator.close(grace: 0.5) }
    #expect(!groupExists(pid))
    #expect(elapsed >= 2.5 && elapsed < 7, "took \(elapsed) s")
  }

  @Test("a shell's background children are ended with it")
  func processGroup() throws {
    // The shell starts a background sleeper, then runs the evaluator (not exec'd).
    let command = "sleep 300 & python3 '\(Programs.evaluators)/misbehaving_evaluator.py' good"
    let evaluator = try ExternalEvaluator.start(command: command, stderrSink: nil)
    let pid = evaluator.pid
    evaluator.close()
    // The sleeper gets SIGKILL with the group; on a loaded machine it may not have been
    // scheduled to die yet when close returns. Left alone it would live 300 s.
    for _ in 0..<20 where groupExists(pid) { usleep(100_000) }
    #expect(!groupExists(pid), "the background sleep was ended too")
  }

  @Test("a pool starts one program per worker, and shutDown ends them all in parallel")
  func pool() throws {
    let pool = try ExternalEvaluatorPool.start(command: Programs.misbehaving("good"), workers: 3, stderrSink: nil)
    let pids = pool.evaluators.map(\.pid)
    #expect(Set(pids).count == 3)
    #expect(pool.identity.name == "misbehaving-good")
    let (x, y) = smallRequest(points: 2, n: 2)
    DispatchQueue.concurrentPerform(iterations: 3) { worker in
      for _ in 0..<5 {
        let response = try? pool.evaluator(worker: worker).evaluate(beta: 1, x: x, y: y, n: 2, grad: true)
        #expect(response == .values(EvalValues(points: 2, n: 2, xCond: [1, 1], gradX: [2, 2], gradY: Array(repeating: 0, count: 8), lambdaMin: [1, 1.125])))
      }
    }
    pool.shutDown()
    pool.shutDown()
    for pid in pids { #expect(!groupExists(pid)) }
  }

  @Test("pool shutDown from another thread wakes a blocked worker at once")
  func shutDownWakesWorker() throws {
    let pool = try ExternalEvaluatorPool.start(command: Programs.misbehaving("hang"), workers: 1, timeout: 120, stderrSink: nil)
    let pid = pool.evaluators[0].pid
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var caught: ExternalEvaluatorError?
    let (x, y) = smallRequest(points: 1, n: 2)
    let started = DispatchSemaphore(value: 0)
    Thread.detach {
      started.signal()
      do throws(ExternalEvaluatorError) {
        _ = try pool.evaluator(worker: 0).evaluate(beta: 1, x: x, y: y, n: 2, grad: false)
      } catch {
        caught = error
      }
      done.signal()
    }
    started.wait()
    usleep(500_000)  // the worker is now blocked waiting for the response
    let elapsed = timed { pool.shutDown(grace: 0) }
    #expect(done.wait(timeout: .now() + 10) == .success)
    #expect(caught?.kind == .interrupted)
    #expect(caught?.isProtocolError == false)
    #expect(!groupExists(pid))
    #expect(elapsed < 5, "took \(elapsed) s")
  }

  @Test("a readable wake descriptor interrupts a blocked request")
  func wakeDescriptor() throws {
    var fds: [Int32] = [-1, -1]
    #expect(pipe(&fds) == 0)
    defer { Glibc.close(fds[0]); Glibc.close(fds[1]) }
    let evaluator = try ExternalEvaluator.start(command: Programs.misbehaving("hang"), timeout: 120, wake: fds[0], stderrSink: nil)
    let pid = evaluator.pid
    let writer = fds[1]
    Thread.detach {
      usleep(300_000)
      var byte: UInt8 = 1
      _ = write(writer, &byte, 1)
    }
    let (x, y) = smallRequest(points: 1, n: 2)
    var error: ExternalEvaluatorError?
    let elapsed = timed {
      error = expectFailure { () throws(ExternalEvaluatorError) in
        _ = try evaluator.evaluate(beta: 1, x: x, y: y, n: 2, grad: false)
      }
    }
    #expect(error?.kind == .interrupted)
    #expect(!groupExists(pid))
    #expect(elapsed < 5, "took \(elapsed) s")
  }
}

/// A detached POSIX thread (tests only).
enum Thread {
  static func detach(_ body: @escaping @Sendable () -> Void) {
    DispatchQueue.global().async(execute: body)
  }
}
