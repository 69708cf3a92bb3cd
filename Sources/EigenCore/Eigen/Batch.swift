import Dispatch
import Synchronization

/// Eigenvalues of a batch of B matrices of order n, stored contiguously row-major
/// (`batch[b * n * n + i * n + j]`), in parallel over `threads` workers with one
/// reusable `EigenSolver` each: after a worker's first matrix nothing is
/// allocated per matrix. Results are identical for every number of threads
/// (each matrix is solved by the same code on its own workspace).
public enum EigenBatch {
  /// The outcome for one matrix of a batch.
  public enum Outcome: Sendable, Equatable {
    case solved
    case failed(EigenError)
  }

  /// Writes the eigenvalues of matrix b (Schur order) to
  /// `values[b * n ..< (b + 1) * n]` and returns one outcome per matrix.
  ///
  /// Scheduling: workers take blocks of consecutive matrices from a shared atomic
  /// counter (dynamic, so a worker whose core is busy with other work does not
  /// hold the others back at the end). A block covers at least 1 KiB of results,
  /// so two workers write to the same cache line only at block borders, and there
  /// are about 16 blocks per worker, so the last block finishes soon after the rest.
  public static func eigenvalues(
    _ batch: UnsafeBufferPointer<Double>, n: Int, count: Int,
    into values: UnsafeMutableBufferPointer<Complex>, threads: Int = 1
  ) -> [Outcome] {
    precondition(n >= 1 && batch.count >= count * n * n && values.count >= count * n)
    var outcomes = [Outcome](repeating: .solved, count: count)
    let workers = max(1, min(threads, count))
    let block = blockSize(n: n, count: count, workers: workers)
    let next = BlockCounter()
    outcomes.withUnsafeMutableBufferPointer { out in
      nonisolated(unsafe) let out = out
      nonisolated(unsafe) let values = values
      nonisolated(unsafe) let batch = batch
      @Sendable func work() {
        var solver = EigenSolver(capacity: n)
        // Bounded: each turn takes a fresh block, and there are ceil(count / block).
        while true {
          let lo = next.take(block)
          if lo >= count { return }
          for b in lo..<min(count, lo + block) {
            let slice = UnsafeBufferPointer(rebasing: batch[(b * n * n)..<((b + 1) * n * n)])
            do throws(EigenError) {
              try solver.factor(slice, n: n, vectors: false)
              for i in 0..<n { values[b * n + i] = solver.eigenvalue(i) }
            } catch {
              out[b] = .failed(error)
              for i in 0..<n { values[b * n + i] = Complex(.nan, .nan) }
            }
          }
        }
      }
      if workers == 1 {
        work()
      } else {
        DispatchQueue.concurrentPerform(iterations: workers) { _ in work() }
      }
    }
    return outcomes
  }

  /// Matrices per block: about 16 blocks per worker, and at least 1 KiB of
  /// eigenvalues (64 complex numbers) per block.
  static func blockSize(n: Int, count: Int, workers: Int) -> Int {
    let minimum = max(1, 64 / n)
    return max(minimum, count / (16 * workers))
  }
}

/// A shared counter handing out the start of the next block.
final class BlockCounter: Sendable {
  private let value = Atomic<Int>(0)
  /// The first index of a fresh block of `size`.
  func take(_ size: Int) -> Int { value.wrappingAdd(size, ordering: .relaxed).oldValue }
}
