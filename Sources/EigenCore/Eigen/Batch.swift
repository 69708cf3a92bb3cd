import Dispatch

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
  public static func eigenvalues(
    _ batch: UnsafeBufferPointer<Double>, n: Int, count: Int,
    into values: UnsafeMutableBufferPointer<Complex>, threads: Int = 1
  ) -> [Outcome] {
    precondition(n >= 1 && batch.count >= count * n * n && values.count >= count * n)
    var outcomes = [Outcome](repeating: .solved, count: count)
    let workers = max(1, min(threads, count))
    // Contiguous chunks per worker: no two workers write to the same cache lines
    // except at chunk borders.
    let chunk = (count + workers - 1) / max(workers, 1)
    outcomes.withUnsafeMutableBufferPointer { out in
      nonisolated(unsafe) let out = out
      nonisolated(unsafe) let values = values
      nonisolated(unsafe) let batch = batch
      DispatchQueue.concurrentPerform(iterations: workers) { w in
        var solver = EigenSolver(capacity: n)
        let lo = w * chunk
        let hi = min(count, lo + chunk)
        if lo >= hi { return }
        for b in lo..<hi {
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
    return outcomes
  }
}
