#if canImport(Glibc)
  import Glibc
#endif
import Dispatch

/// Set by SIGINT/SIGTERM; the runner stops taking new matrices and the command
/// exits before writing anything.
nonisolated(unsafe) private var interruptSignal: Int32 = 0

func installSignalHandlers() {
  signal(SIGINT) { sig in interruptSignal = sig }
  signal(SIGTERM) { sig in interruptSignal = sig }
  // The runtime starts with SIGINT blocked on this thread; unblock both so that
  // the handler runs (the flag is polled between matrices).
  var set = sigset_t()
  sigemptyset(&set)
  sigaddset(&set, SIGINT)
  sigaddset(&set, SIGTERM)
  pthread_sigmask(SIG_UNBLOCK, &set, nil)
}

func interruptRequested() -> Bool { interruptSignal != 0 }

/// Prints how far the run got and exits 128 + signal (130 for SIGINT, 143 for
/// SIGTERM). Nothing is written: reports are only ever written whole.
func exitInterrupted(done: Int, total: Int) -> Never {
  let sig = interruptSignal == 0 ? SIGINT : interruptSignal
  writeStderr("gradcheck: interrupted (\(sig == SIGTERM ? "SIGTERM" : "SIGINT")) after \(done) of \(total) matrices; no report was written\n")
  exit(128 + sig)
}

/// A progress bar on stderr when it is a terminal: done/total, rate, ETA.
final class Progress: @unchecked Sendable {
  let total: Int
  let label: String
  let enabled: Bool
  let start: UInt64
  private let lock = DispatchSemaphore(value: 1)
  private var lastDraw: UInt64 = 0

  init(total: Int, label: String) {
    self.total = total
    self.label = label
    self.enabled = isatty(2) != 0 && total > 0
    self.start = DispatchTime.now().uptimeNanoseconds
  }

  func update(_ done: Int) {
    guard enabled else { return }
    lock.wait()
    defer { lock.signal() }
    let now = DispatchTime.now().uptimeNanoseconds
    if done < total && now - lastDraw < 100_000_000 { return }
    lastDraw = now
    let elapsed = Double(now - start) / 1e9
    let rate = elapsed > 0 ? Double(done) / elapsed : 0
    let eta = rate > 0 ? Double(total - done) / rate : 0
    let width = 30
    let filled = total > 0 ? width * done / total : width
    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    let line = "\r\(label) [\(bar)] \(done)/\(total) \(Int(rate.rounded()))/s ETA \(Int(eta.rounded()))s "
    writeStderr(line)
  }

  func finish() {
    guard enabled else { return }
    writeStderr("\r" + String(repeating: " ", count: 80) + "\r")
  }
}
