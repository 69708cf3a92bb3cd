#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One external program, started with `posix_spawn` and driven with `poll`.
///
/// Why `posix_spawn` and `poll` rather than Foundation's `Process` or swift-subprocess:
/// the check engine runs on plain worker threads, and each worker needs a *synchronous*
/// request/response exchange whose every wait is bounded (the per-request timeout), can be
/// woken at once by an interrupt (an extra descriptor in the same `poll`), and keeps
/// draining the program's stderr while it writes a large request (so neither side can
/// block the other on a full pipe). `Process` reaps children on its own thread and offers
/// no bounded read; swift-subprocess is built on async/await. Here every wait is a `poll`
/// with a deadline, and the process is always reaped by `waitpid` on our side.
///
/// The program runs as `/bin/sh -c COMMAND` in the current directory with our
/// environment, in a process group of its own (so a terminal's Ctrl-C reaches only us,
/// and we can signal the shell *and* whatever it started), with the default signal
/// dispositions and an empty signal mask whatever ours are. Our ends of its pipes are
/// close-on-exec, so no other program we start inherits them (an inherited write end
/// would keep a program's stdin open after we close it).
final class ChildProcess {
  let pid: pid_t
  private(set) var stdinFD: Int32
  private(set) var stdoutFD: Int32
  private(set) var stderrFD: Int32
  var stderr: StderrTail
  /// The raw wait status once reaped.
  private(set) var waitStatus: Int32?

  private init(pid: pid_t, stdin: Int32, stdout: Int32, stderr: Int32, tail: StderrTail) {
    self.pid = pid
    self.stdinFD = stdin
    self.stdoutFD = stdout
    self.stderrFD = stderr
    self.stderr = tail
  }

  deinit {
    for fd in [stdinFD, stdoutFD, stderrFD] where fd >= 0 { close(fd) }
  }

  var isReaped: Bool { waitStatus != nil }

  // MARK: Start

  /// Starts `/bin/sh -c command`.
  /// - Throws: the reason as text (`posix_spawn` or `pipe` failed).
  static func spawn(command: String, stderrSink: Int32?) throws(SpawnFailure) -> ChildProcess {
    try spawnLock.withLock { () throws(SpawnFailure) in try spawnLocked(command: command, stderrSink: stderrSink) }
  }

  private static func spawnLocked(command: String, stderrSink: Int32?) throws(SpawnFailure) -> ChildProcess {
    let input = try makePipe()
    let output = try makePipe()
    let errors = try makePipe()
    let childEnds = [input.read, output.write, errors.write]
    let parentEnds = [input.write, output.read, errors.read]
    defer { for fd in childEnds { close(fd) } }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for (fd, target) in zip(childEnds, [Int32(0), 1, 2]) {
      posix_spawn_file_actions_adddup2(&actions, fd, target)
    }

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    posix_spawnattr_setsigmask(&attributes, &emptyMask)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for sig in [SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD] { sigaddset(&defaults, sig) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setpgroup(&attributes, 0)
    let flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP
    posix_spawnattr_setflags(&attributes, Int16(flags))

    let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup(command), nil]
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ)
    guard rc == 0 else {
      for fd in parentEnds { close(fd) }
      throw SpawnFailure(message: "cannot start /bin/sh: \(String(cString: strerror(rc)))")
    }
    for fd in parentEnds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    return ChildProcess(
      pid: pid, stdin: input.write, stdout: output.read, stderr: errors.read,
      tail: StderrTail(sink: stderrSink))
  }

  /// A close-on-exec pipe whose two ends are both above 2 (so that `dup2` onto 0, 1, 2
  /// in the child always copies, which also clears close-on-exec there). Called with
  /// `spawnLock` held: `pipe2` is not in the portable headers, so close-on-exec is set
  /// after `pipe`, and the lock keeps another thread's spawn out of that window.
  static func makePipe() throws(SpawnFailure) -> (read: Int32, write: Int32) {
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else {
      throw SpawnFailure(message: "cannot create a pipe: \(String(cString: strerror(errno)))")
    }
    for i in 0..<2 {
      if fds[i] <= 2 {
        let moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)
        close(fds[i])
        fds[i] = moved
      } else {
        _ = fcntl(fds[i], F_SETFD, FD_CLOEXEC)
      }
    }
    return (fds[0], fds[1])
  }

  // MARK: Exchange

  /// Writes `request[request.start...]` to the program's stdin and reads its stdout into
  /// `response` until a newline, while forwarding its stderr, all within `deadline`
  /// (monotonic nanoseconds). Returns the absolute offset of the newline in `response`.
  ///
  /// Stops early with `ExchangeFailure` when a descriptor in `wake` becomes readable
  /// (never read: it stays readable for the other workers), when the program closes
  /// stdout or stdin, or when the line grows past `maxLineBytes`.
  func exchange(
    request: ByteBuffer, response: ByteBuffer, deadline: UInt64, wake: [Int32], maxLineBytes: Int
  ) throws(ExchangeFailure) -> Int {
    response.compact()  // offsets below stay valid: nothing moves the live bytes again
    var scanned = response.start
    let pipeGuard = SigpipeGuard()
    defer { pipeGuard.restore() }
    var fds: [pollfd] = []
    fds.reserveCapacity(3 + wake.count)
    while true {
      if let newline = response.firstIndex(of: UInt8(ascii: "\n"), from: scanned) { return newline }
      scanned = response.count
      if response.liveCount > maxLineBytes { throw .lineTooLong }
      let now = monotonicNanoseconds()
      guard now < deadline else { throw .timeout }
      fds.removeAll(keepingCapacity: true)
      let writing = request.liveCount > 0 && stdinFD >= 0
      fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0))
      fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0))  // -1 is ignored
      fds.append(pollfd(fd: writing ? stdinFD : -1, events: Int16(POLLOUT), revents: 0))
      for fd in wake { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
      let rc = poll(&fds, nfds_t(fds.count), pollTimeout(until: deadline, now: now))
      if rc < 0 {
        if errno == EINTR || errno == EAGAIN { continue }
        throw .io("poll failed: \(String(cString: strerror(errno)))")
      }
      if fds[3...].contains(where: { $0.revents != 0 }) { throw .interrupted }
      if fds[1].revents != 0 { drainStderr() }
      if fds[2].revents != 0 { try writeSome(request) }
      if fds[0].revents != 0 {
        if try !readSome(into: response) { throw .stdoutClosed }
      }
    }
  }

  /// One `write` of pending request bytes.
  private func writeSome(_ request: ByteBuffer) throws(ExchangeFailure) {
    let n = write(stdinFD, request.base + request.start, request.liveCount)
    if n > 0 {
      request.consume(upTo: request.start + n)
    } else if n < 0 && errno != EAGAIN && errno != EINTR {
      if errno == EPIPE { throw .stdinClosed }
      throw .io("writing to the program failed: \(String(cString: strerror(errno)))")
    }
  }

  /// One `read` of stdout into `response`; false at end of file.
  private func readSome(into response: ByteBuffer) throws(ExchangeFailure) -> Bool {
    response.reserve(1 << 16)
    let space = response.freeSpace
    let n = read(stdoutFD, space.baseAddress, space.count)
    if n > 0 {
      response.commit(n)
      return true
    }
    if n == 0 { return false }
    if errno == EAGAIN || errno == EINTR { return true }
    throw .io("reading from the program failed: \(String(cString: strerror(errno)))")
  }

  /// Reads whatever stderr holds now (without blocking); closes it at end of file.
  func drainStderr() {
    guard stderrFD >= 0 else { return }
    var chunk = [UInt8](repeating: 0, count: 1 << 14)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(stderrFD, $0.baseAddress, $0.count) }
      if n > 0 {
        chunk.withUnsafeBytes { stderr.take(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
        continue
      }
      if n < 0 && errno == EINTR { continue }
      if n < 0 && errno == EAGAIN { return }
      close(stderrFD)
      stderrFD = -1
      stderr.finish()
      return
    }
  }

  // MARK: End

  /// Closes our end of the program's stdin (its signal to finish). Idempotent.
  func closeStdin() {
    if stdinFD >= 0 {
      close(stdinFD)
      stdinFD = -1
    }
  }

  /// Waits until the program has exited or `deadline` passes (see `waitForExit(_:deadline:)`).
  /// Returns whether it is reaped.
  @discardableResult
  func waitForExit(deadline: UInt64) -> Bool {
    ChildProcess.waitForExit([self], deadline: deadline)
  }

  /// Waits until every program has exited or `deadline` passes, draining their stderr
  /// meanwhile (a program blocked on a full stderr pipe could not exit). A program that has
  /// exited is reaped at once, after a SIGKILL to what is left of its process group (the
  /// group id stays reserved while the exited program is not yet reaped, so the signal
  /// cannot reach anyone else). Returns whether all are reaped.
  @discardableResult
  static func waitForExit(_ children: [ChildProcess], deadline: UInt64) -> Bool {
    var fds: [pollfd] = []
    while true {
      for child in children where !child.isReaped && child.hasExited() {
        kill(-child.pid, SIGKILL)
        child.reap()
        child.drainStderr()
      }
      let running = children.filter { !$0.isReaped }
      if running.isEmpty { return true }
      let now = monotonicNanoseconds()
      if now >= deadline { return false }
      // Wake on stderr output, else re-check every 5 ms (bounded by the deadline).
      fds = running.map { pollfd(fd: $0.stderrFD, events: Int16(POLLIN), revents: 0) }
      _ = poll(&fds, nfds_t(fds.count), min(pollTimeout(until: deadline, now: now), 5))
      for (child, fd) in zip(running, fds) where fd.revents != 0 { child.drainStderr() }
    }
  }

  /// Whether the program has exited (without reaping it: `WNOWAIT`).
  private func hasExited() -> Bool {
    var info = siginfo_t()
    while true {
      let rc = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
      if rc == 0 { return info.si_signo == SIGCHLD }
      if errno == EINTR { continue }
      return true  // ECHILD: not our child any more; nothing to wait for
    }
  }

  private func reap() {
    var status: Int32 = 0
    while true {
      let rc = waitpid(pid, &status, 0)
      if rc == pid { break }
      if rc < 0 && errno == EINTR { continue }
      status = -1  // reaped elsewhere; status unknown
      break
    }
    waitStatus = status
  }

  /// Sends `signal` to the program's whole process group (the shell and what it started).
  func signalGroup(_ signal: Int32) {
    guard waitStatus == nil else { return }
    kill(-pid, signal)
  }

  /// Ends programs: stdins closed, then `grace` seconds to exit, then SIGTERM to the
  /// process groups of those still running, `termGrace` seconds, then SIGKILL; always
  /// reaped. The programs end in parallel. Idempotent.
  static func shutDown(_ children: [ChildProcess], grace: Double, termGrace: Double) {
    for child in children { child.closeStdin() }
    if !waitForExit(children, deadline: monotonicNanoseconds(after: grace)) {
      for child in children { child.signalGroup(SIGTERM) }
      if !waitForExit(children, deadline: monotonicNanoseconds(after: termGrace)) {
        for child in children { child.signalGroup(SIGKILL) }
        waitForExit(children, deadline: .max)
      }
    }
    for child in children { child.finishPipes() }
  }

  /// Closes stdout and stderr after a last bounded drain of stderr (a grandchild still
  /// holding it open must not keep us waiting).
  private func finishPipes() {
    let deadline = monotonicNanoseconds(after: 0.2)
    while stderrFD >= 0 && monotonicNanoseconds() < deadline {
      var fd = pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)
      _ = poll(&fd, 1, 20)
      if fd.revents != 0 { drainStderr() } else { break }
    }
    if stderrFD >= 0 {
      close(stderrFD)
      stderrFD = -1
      stderr.finish()
    }
    if stdoutFD >= 0 {
      close(stdoutFD)
      stdoutFD = -1
    }
  }

  /// What the wait status says, as in `exited with status 3` or
  /// `was killed by signal SIGSEGV (Segmentation fault)`.
  var terminationDescription: String? {
    guard let status = waitStatus else { return nil }
    if status == -1 { return "ended (its status was collected elsewhere)" }
    let low = status & 0x7f
    if low == 0 {
      let code = (status >> 8) & 0xff
      // A shell that ran the program without exec reports its death by signal N as 128 + N.
      if code > 128 && code < 128 + 65 && strsignal(code - 128) != nil {
        return "exited with status \(code) (a shell's report of signal \(signalDescription(code - 128)))"
      }
      return "exited with status \(code)"
    }
    if low != 0x7f { return "was killed by signal \(signalDescription(low))" }
    return "stopped"
  }
}

/// Held while pipes are made and programs spawned (see `makePipe`).
let spawnLock = PThreadLock()

/// `posix_spawn` or `pipe` failed.
struct SpawnFailure: Error {
  var message: String
}

/// Why an exchange with the program stopped.
enum ExchangeFailure: Error, Equatable {
  case timeout
  case interrupted
  case stdoutClosed
  case stdinClosed
  case lineTooLong
  case io(String)
}

/// Blocks SIGPIPE on this thread while it writes to a program's stdin, so that a program
/// that died turns a write into EPIPE rather than killing us; a SIGPIPE raised meanwhile
/// is consumed before the mask is restored. Other threads and the process's dispositions
/// are untouched.
struct SigpipeGuard {
  private var previous = sigset_t()
  private var wasPending = false

  init() {
    var block = sigset_t()
    sigemptyset(&block)
    sigaddset(&block, SIGPIPE)
    pthread_sigmask(SIG_BLOCK, &block, &previous)
    var pending = sigset_t()
    sigpending(&pending)
    wasPending = sigismember(&pending, SIGPIPE) == 1
  }

  func restore() {
    var pending = sigset_t()
    sigpending(&pending)
    if !wasPending && sigismember(&pending, SIGPIPE) == 1 {
      var only = sigset_t()
      sigemptyset(&only)
      sigaddset(&only, SIGPIPE)
      var zero = timespec(tv_sec: 0, tv_nsec: 0)
      _ = sigtimedwait(&only, nil, &zero)
    }
    var previous = previous
    pthread_sigmask(SIG_SETMASK, &previous, nil)
  }
}

/// `SIGSEGV (Segmentation fault)`, or the number when the signal has no name here.
func signalDescription(_ signal: Int32) -> String {
  let names: [Int32: String] = [
    SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
    SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
    SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM",
    SIGTERM: "SIGTERM", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ", SIGSYS: "SIGSYS",
  ]
  let text = strsignal(signal).map { String(cString: $0) }
  switch (names[signal], text) {
  case (let name?, let text?): return "\(name) (\(text))"
  case (let name?, nil): return name
  default: return "\(signal)" + (text.map { " (\($0))" } ?? "")
  }
}

/// Monotonic clock in nanoseconds.
func monotonicNanoseconds() -> UInt64 {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// The monotonic time `seconds` from now (saturating; `.infinity` gives `.max`).
func monotonicNanoseconds(after seconds: Double) -> UInt64 {
  let now = monotonicNanoseconds()
  guard seconds.isFinite else { return .max }
  let delta = max(seconds, 0) * 1e9
  return delta >= Double(UInt64.max - now) ? .max : now + UInt64(delta)
}

/// Milliseconds for `poll` until `deadline`, rounded up, capped at one minute per call.
func pollTimeout(until deadline: UInt64, now: UInt64) -> Int32 {
  guard deadline > now else { return 0 }
  let ms = (deadline - now + 999_999) / 1_000_000
  return Int32(min(ms, 60_000))
}
