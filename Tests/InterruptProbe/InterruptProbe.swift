import Dispatch
import ProcessControl

#if canImport(Glibc)
  import Glibc
#endif

/// A child process for `ProcessControlTests`: installs the interrupt, then waits for it the
/// way a worker waiting on a child's pipe does, on a thread that blocks SIGINT and SIGTERM
/// (so only the wake descriptor can wake it), and exits as the CLI does. Each step is a
/// line on stdout:
///
///     ready requested=false
///     woke requested=true signal=2 revents=1      (the thread's poll saw POLLIN)
///     still-readable=true                         (a second poll sees it too)
///     cleanup                                     (a defer ran on the way out)
///
/// and the exit status is `Interrupt.Stop.exitStatus` (130 for SIGINT). A wait of more than
/// 60 s prints `timeout` and exits 3.
///
/// `InterruptProbe hold N` then reads stdin to its end (the test sends more signals, then
/// closes it), waits up to 10 s until N signals have been handled (N bytes in the wake
/// pipe) and prints `handled=N signal=S`, S being the signal `Interrupt.signal` reports.
///
/// `InterruptProbe spawn-mask` instead spawns `grep SigBlk /proc/self/status` twice from a
/// thread that blocks SIGINT and SIGTERM (as worker threads do), without and with
/// `Interrupt.resetSignals`, and prints the two lines, `plain SigBlk: ...` then
/// `reset SigBlk: ...`: the signals the child starts with blocked.
@main
enum InterruptProbe {
  /// Writes `line` and a newline to stdout at once (unbuffered: the test reads as it goes).
  static func say(_ line: String, terminator: String = "\n") {
    var s = line + terminator
    s.withUTF8 { b in _ = write(1, b.baseAddress, b.count) }
  }

  static func main() {
    let args = Array(CommandLine.arguments.dropFirst())
    if args.first == "spawn-mask" { return spawnMask() }
    let holdFor = args.first == "hold" ? args.dropFirst().first.flatMap { Int32($0) } : nil
    Interrupt.install()
    let woke = DispatchSemaphore(value: 0)
    let ready = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      blockInterrupts()
      ready.signal()
      var p = pollfd(fd: Interrupt.wakeDescriptor, events: Int16(POLLIN), revents: 0)
      let r = poll(&p, 1, 60_000)
      if r <= 0 {
        say("timeout")
        exit(3)
      }
      say("woke requested=\(Interrupt.requested) signal=\(Interrupt.signal ?? 0) revents=\(p.revents)")
      var again = pollfd(fd: Interrupt.wakeDescriptor, events: Int16(POLLIN), revents: 0)
      say("still-readable=\(poll(&again, 1, 0) == 1 && again.revents & Int16(POLLIN) != 0)")
      if let n = holdFor { hold(until: n) }
      woke.signal()
    }
    ready.wait()
    say("ready requested=\(Interrupt.requested)")
    do {
      defer { say("cleanup") }
      woke.wait()
      try Interrupt.check()
      say("not interrupted")
      exit(4)
    } catch {
      exit(error.exitStatus)
    }
  }

  /// Blocks SIGINT and SIGTERM on the calling thread.
  static func blockInterrupts() {
    var blocked = sigset_t()
    sigemptyset(&blocked)
    sigaddset(&blocked, SIGINT)
    sigaddset(&blocked, SIGTERM)
    pthread_sigmask(SIG_BLOCK, &blocked, nil)
  }

  static func spawnMask() {
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      blockInterrupts()
      for reset in [false, true] {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        if reset { Interrupt.resetSignals(&attr) }
        let words = ["/bin/grep", "SigBlk", "/proc/self/status"]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        say(reset ? "reset" : "plain", terminator: " ")
        var pid: pid_t = 0
        if posix_spawn(&pid, words[0], nil, &attr, argv, environ) == 0 {
          var status: Int32 = 0
          waitpid(pid, &status, 0)
        }
        for a in argv { free(a) }
        posix_spawnattr_destroy(&attr)
      }
      done.signal()
    }
    done.wait()
  }

  /// See `hold N` above.
  static func hold(until n: Int32) {
    var byte: UInt8 = 0
    while read(0, &byte, 1) == 1 {}
    var pending: Int32 = 0
    for _ in 0..<1000 {
      _ = ioctl(Interrupt.wakeDescriptor, UInt(FIONREAD), &pending)
      if pending >= n { break }
      usleep(10_000)
    }
    say("handled=\(pending) signal=\(Interrupt.signal ?? 0)")
  }
}
