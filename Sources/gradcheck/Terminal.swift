#if canImport(Glibc)
  import Glibc
#endif
import Dispatch
import ProcessControl

/// Installs the process's interrupt (`Interrupt`, SIGINT and SIGTERM): the runner stops
/// taking new matrices, the run unwinds (`RunInterrupted`) and the command exits before
/// writing anything.
func installSignalHandlers() { Interrupt.install() }

/// Whether SIGINT or SIGTERM arrived (an atomic load: safe from the worker threads).
func interruptRequested() -> Bool { Interrupt.requested }

/// A run stopped by SIGINT or SIGTERM after `done` of `total` matrices. Thrown instead of
/// exiting on the spot, so that everything on the way up releases what it holds (streamed
/// scratch files, child processes); `Main` prints `message` and exits with `exitStatus`
/// (128 + signal: 130 for SIGINT, 143 for SIGTERM). Nothing is written: reports are only
/// ever written whole.
struct RunInterrupted: Error {
  var stop: Interrupt.Stop
  var done: Int
  var total: Int

  init(done: Int, total: Int) {
    self.stop = Interrupt.Stop(signal: Interrupt.signal ?? SIGINT)
    self.done = done
    self.total = total
  }

  var message: String {
    "gradcheck: interrupted (\(stop.signalName)) after \(done) of \(total) matrices; no report was written\n"
  }
  var exitStatus: Int32 { stop.exitStatus }
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
