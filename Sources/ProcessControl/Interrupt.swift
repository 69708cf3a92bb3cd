#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Synchronization

/// The process's interrupt: SIGINT and SIGTERM turned into a flag any thread can read and
/// a file descriptor that becomes readable, so that a run stops by normal unwinding.
///
/// How a run uses it:
/// 1. `Interrupt.install()` once at start, on the main thread, before any worker starts.
/// 2. Compute loops read `Interrupt.requested` between items (one atomic load, lock-free).
/// 3. A thread blocked waiting on something else (a child process's pipe in `poll`) adds
///    `Interrupt.wakeDescriptor` to its poll set with `POLLIN`: it turns readable when the
///    signal arrives and stays readable, so every waiter wakes at once, although no thread
///    but the watcher (below) ever receives the signal. Never read from it.
/// 4. The code that saw the interrupt throws `Interrupt.Stop` (`try Interrupt.check()`), or
///    returns early; the owners of resources release them on the way out (`defer`: reap
///    child processes, remove scratch files), and the entry point, catching the error at
///    the top, exits with `Stop.exitStatus` (128 + signal: 130 for SIGINT, 143 for
///    SIGTERM). Nothing is cleaned up from the signal handler and there is no registry of
///    cleanup actions: whoever owns a resource releases it where it owns it.
///
/// Delivery: `install` blocks the signals in the calling thread (every thread started
/// after inherits the mask; libdispatch's workers block them anyway) and starts a watcher
/// thread that takes them with `sigwait`, then records the signal (an atomic
/// compare-and-exchange) and writes one byte to a non-blocking pipe: ordinary thread code,
/// no signal handler involved. So the signal is seen at once whatever the other threads are
/// doing; with a handler, ThreadSanitizer defers it until the interrupted thread next calls
/// into an intercepted function, which never comes when that thread sleeps until the
/// workers stop. A handler doing the same two async-signal-safe steps is installed as
/// well, for a thread started before `install` that does not block the signals. The first
/// signal is the one reported; later ones change nothing, so a second Ctrl-C does not kill
/// the process half-way through its cleanup.
///
/// Child processes: `exec` resets handled signals to their default action, but the signal
/// mask is inherited, and every thread here blocks SIGINT and SIGTERM: a child would start
/// deaf to the SIGTERM sent to stop it. Spawn children with `Interrupt.resetSignals(_:)`
/// applied to the spawn attributes. Both ends of the wake pipe are close-on-exec, so
/// children never hold them.
///
/// Why a target of its own: this is neither maths (`EigenCore`, `Spectral`), nor a value
/// type (`GradcheckModel`), nor a file format (`GradcheckIO`); it is process state that the
/// CLI installs and that library code reads (evaluators that run child processes and wait
/// on their pipes, any loop that should stop early). A leaf target with no dependency lets
/// any of them import it without importing each other or the CLI.
public enum Interrupt {
  /// The first interrupting signal received; 0 while none.
  private static let received = Atomic<Int32>(0)
  /// The pipe's read end (polled by waiters) and write end (written by the handler);
  /// -1 before `install`.
  private static let readEnd = Atomic<Int32>(-1)
  private static let writeEnd = Atomic<Int32>(-1)
  /// Set by the first `install`, which alone creates the pipe and the handlers.
  private static let installed = Atomic<Bool>(false)

  /// The signals `install` handles by default.
  public static let defaultSignals: [Int32] = [SIGINT, SIGTERM]

  /// Creates the wake pipe, blocks `signals` in the calling thread, starts the watcher
  /// thread that takes them (`sigwait`) and installs the fallback handler. Call it once, on
  /// the main thread, before starting any other thread; later calls do nothing.
  public static func install(signals: [Int32] = defaultSignals) {
    guard installed.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent)
      .exchanged
    else { return }
    var fds: [Int32] = [-1, -1]
    if pipe(&fds) == 0 {
      for fd in fds {
        _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
      }
      readEnd.store(fds[0], ordering: .sequentiallyConsistent)
      writeEnd.store(fds[1], ordering: .sequentiallyConsistent)
    }
    // Touches `received` here, so its lazy global initialisation never runs in the handler.
    _ = received.load(ordering: .sequentiallyConsistent)
    var set = sigset_t()
    sigemptyset(&set)
    for sig in signals { sigaddset(&set, sig) }
    var action = sigaction()
    #if canImport(Glibc)
      action.__sigaction_handler.sa_handler = interruptHandler
    #else
      action.__sigaction_u.__sa_handler = interruptHandler
    #endif
    action.sa_flags = SA_RESTART
    action.sa_mask = set
    for sig in signals { sigaction(sig, &action, nil) }
    pthread_sigmask(SIG_BLOCK, &set, nil)
    let watched = UnsafeMutablePointer<sigset_t>.allocate(capacity: 1)  // the watcher's, for good
    watched.initialize(to: set)
    var thread = pthread_t()
    if pthread_create(&thread, nil, watchSignals, watched) == 0 {
      pthread_detach(thread)
    } else {
      // No watcher: let the handler take the signals on this thread.
      pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
  }

  /// Whether an interrupting signal has arrived. Cheap (one atomic load) and safe from any
  /// thread; poll it between units of work.
  public static var requested: Bool { received.load(ordering: .acquiring) != 0 }

  /// The interrupting signal received first, nil while none.
  public static var signal: Int32? {
    let s = received.load(ordering: .acquiring)
    return s == 0 ? nil : s
  }

  /// A file descriptor that becomes readable (`POLLIN`) when the interrupt arrives and stays
  /// readable from then on; -1 before `install` (poll ignores a negative descriptor). Add it
  /// to a `poll` set to wake a blocked wait; never read from it or close it.
  public static var wakeDescriptor: Int32 { readEnd.load(ordering: .acquiring) }

  /// Throws `Stop` when an interrupt has arrived.
  public static func check() throws(Stop) {
    if let s = signal { throw Stop(signal: s) }
  }

  /// Sets `attr` so that a spawned child starts with an empty signal mask and the default
  /// action for the interrupting signals, whatever the spawning thread blocks: a child
  /// spawned from a worker thread would otherwise inherit SIGINT and SIGTERM blocked. Keeps
  /// the flags already set on `attr`.
  public static func resetSignals(_ attr: inout posix_spawnattr_t, signals: [Int32] = defaultSignals) {
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attr, &empty)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for sig in signals { sigaddset(&defaults, sig) }
    posix_spawnattr_setsigdefault(&attr, &defaults)
    var flags: Int16 = 0
    posix_spawnattr_getflags(&attr, &flags)
    posix_spawnattr_setflags(&attr, flags | Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
  }

  /// The error that unwinds a run after an interrupt, up to the entry point, which exits
  /// with `exitStatus`.
  public struct Stop: Error, Sendable, Equatable {
    public let signal: Int32
    public init(signal: Int32) { self.signal = signal }
    /// 128 + signal, the shell's convention: 130 for SIGINT, 143 for SIGTERM.
    public var exitStatus: Int32 { 128 + signal }
    /// `SIGINT`, `SIGTERM`, or `signal N` for any other.
    public var signalName: String { Interrupt.name(of: signal) }
  }

  /// `SIGINT`, `SIGTERM`, or `signal N` for any other.
  public static func name(of sig: Int32) -> String {
    switch sig {
    case SIGINT: "SIGINT"
    case SIGTERM: "SIGTERM"
    default: "signal \(sig)"
    }
  }

  /// Records the signal (the first one wins) and makes the wake pipe readable. Only
  /// async-signal-safe work (lock-free atomics and `write`; errno is restored), as the
  /// fallback handler runs it too.
  fileprivate static func record(_ sig: Int32) {
    let savedErrno = errno
    _ = received.compareExchange(expected: 0, desired: sig, ordering: .sequentiallyConsistent)
    let fd = writeEnd.load(ordering: .sequentiallyConsistent)
    if fd >= 0 {
      var byte: UInt8 = 1
      _ = write(fd, &byte, 1)  // non-blocking: a full pipe is readable already
    }
    errno = savedErrno
  }
}

/// The fallback handler `install` registers.
private func interruptHandler(_ sig: Int32) {
  Interrupt.record(sig)
}

/// The watcher thread: takes the blocked signals of the set `arg` points to, one at a time,
/// for the life of the process.
#if canImport(Glibc)
  private func watchSignals(_ arg: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    watchLoop(arg!.assumingMemoryBound(to: sigset_t.self))
  }
#else
  private func watchSignals(_ arg: UnsafeMutableRawPointer) -> UnsafeMutableRawPointer? {
    watchLoop(arg.assumingMemoryBound(to: sigset_t.self))
  }
#endif

private func watchLoop(_ set: UnsafeMutablePointer<sigset_t>) -> Never {
  while true {
    var sig: Int32 = 0
    if sigwait(set, &sig) == 0 { Interrupt.record(sig) }
  }
}
