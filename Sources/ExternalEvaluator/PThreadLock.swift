#if canImport(Glibc)
  import Glibc
#endif

/// A mutual-exclusion lock on a `pthread_mutex_t`. The evaluator's state is guarded with
/// it rather than `Synchronization.Mutex`, whose futex-based implementation ThreadSanitizer
/// cannot see (it reported the accesses it orders as a data race); pthread mutexes are
/// intercepted, so the sanitizer checks this code for real.
final class PThreadLock: @unchecked Sendable {
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>

  init() {
    mutex = .allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deinitialize(count: 1)
    mutex.deallocate()
  }

  /// Runs `body` with the lock held.
  func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body()
  }
}
