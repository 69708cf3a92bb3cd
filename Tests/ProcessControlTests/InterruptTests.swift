import Foundation
import ProcessControl
import Testing

/// The interrupt facility, in a child process (`InterruptProbe`: installing handlers and
/// raising the flag in the test process would leave it interrupted for every other test).
/// The probe waits on the wake descriptor from a thread that blocks the signals, so the
/// descriptor alone can wake it.
@Suite("Interrupt")
struct InterruptTests {
  /// The probe beside the test bundle (both in the build's products folder), or
  /// INTERRUPT_PROBE_BIN.
  static var probe: String {
    if let b = ProcessInfo.processInfo.environment["INTERRUPT_PROBE_BIN"], !b.isEmpty { return b }
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    // On some platforms the test binary sits inside a bundle (`X.xctest/Contents/MacOS`).
    while dir.path.contains(".xctest") { dir = dir.deletingLastPathComponent() }
    return dir.appendingPathComponent("InterruptProbe").path
  }

  struct Outcome {
    var status: Int32
    var lines: [String]
  }

  /// Starts the probe, waits for its `ready` line, sends `signals` one after the other and
  /// returns its exit status and every line it printed. With `later`, the probe holds
  /// (`hold`) after its `still-readable` line until those signals are sent too.
  static func interruptProbe(with signals: [Int32], later: [Int32] = []) throws -> Outcome {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: probe)
    if !later.isEmpty { p.arguments = ["hold", "\(signals.count + later.count)"] }
    let out = Pipe(), input = Pipe()
    p.standardOutput = out
    p.standardInput = input
    try p.run()
    let reader = out.fileHandleForReading
    var text = ""
    func readUntil(_ marker: String) {
      while !text.contains(marker) {
        let chunk = reader.availableData
        if chunk.isEmpty { return }
        text += String(decoding: chunk, as: UTF8.self)
      }
    }
    readUntil("ready")
    for s in signals { kill(p.processIdentifier, s) }
    if !later.isEmpty {
      readUntil("still-readable")
      for s in later { kill(p.processIdentifier, s) }
    }
    try input.fileHandleForWriting.close()
    text += String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return Outcome(status: p.terminationStatus, lines: text.split(separator: "\n").map(String.init))
  }

  @Test func sigintWakesAPollingThreadUnwindsAndExits130() throws {
    let o = try Self.interruptProbe(with: [SIGINT])
    #expect(o.lines == [
      "ready requested=false",
      "woke requested=true signal=\(SIGINT) revents=\(POLLIN)",
      "still-readable=true",
      "cleanup",
    ])
    #expect(o.status == 130)
  }

  @Test func sigtermWakesAPollingThreadUnwindsAndExits143() throws {
    let o = try Self.interruptProbe(with: [SIGTERM])
    #expect(o.lines == [
      "ready requested=false",
      "woke requested=true signal=\(SIGTERM) revents=\(POLLIN)",
      "still-readable=true",
      "cleanup",
    ])
    #expect(o.status == 143)
  }

  /// Signals after the first (here while the run unwinds) are handled but change nothing:
  /// the first one is reported. (Two signals sent at once are handled lowest number first,
  /// hence the wait for the first one's effect.)
  @Test func theFirstSignalWins() throws {
    let o = try Self.interruptProbe(with: [SIGTERM], later: [SIGINT])
    #expect(o.lines == [
      "ready requested=false",
      "woke requested=true signal=\(SIGTERM) revents=\(POLLIN)",
      "still-readable=true",
      "handled=2 signal=\(SIGTERM)",
      "cleanup",
    ])
    #expect(o.status == 143)
  }

  /// A child spawned from a thread that blocks SIGINT and SIGTERM inherits them blocked
  /// (so a SIGTERM sent to stop it would wait forever), unless spawned with `resetSignals`.
  @Test func resetSignalsUnblocksInterruptsInChildren() throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Self.probe)
    p.arguments = ["spawn-mask"]
    let out = Pipe()
    p.standardOutput = out
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    #expect(p.terminationStatus == 0)
    /// The mask of a `SigBlk:` line (hex, bit k - 1 for signal k), by the line's first word.
    var masks: [String: UInt64] = [:]
    for line in text.split(separator: "\n") {
      let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      if words.count == 3, words[1] == "SigBlk:", let m = UInt64(words[2], radix: 16) {
        masks[String(words[0])] = m
      }
    }
    let interrupts = UInt64(1) << (SIGINT - 1) | UInt64(1) << (SIGTERM - 1)
    #expect(masks["plain"].map { $0 & interrupts } == interrupts, "\(text)")
    #expect(masks["reset"] == 0, "\(text)")
  }

  /// Without `install` (this test process): nothing requested, no descriptor, `check`
  /// does not throw.
  @Test func uninstalledIsNeverRequested() throws {
    #expect(!Interrupt.requested)
    #expect(Interrupt.signal == nil)
    #expect(Interrupt.wakeDescriptor == -1)
    try Interrupt.check()
  }

  @Test func exitStatusAndName() {
    #expect(Interrupt.Stop(signal: SIGINT).exitStatus == 130)
    #expect(Interrupt.Stop(signal: SIGTERM).exitStatus == 143)
    #expect(Interrupt.Stop(signal: SIGINT).signalName == "SIGINT")
    #expect(Interrupt.Stop(signal: SIGTERM).signalName == "SIGTERM")
    #expect(Interrupt.name(of: SIGHUP) == "signal \(SIGHUP)")
  }
}
