#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The program's stderr on its way through: every complete line is forwarded to
/// `sink` (our stderr) in one `write`, so that lines of several programs do not mix
/// mid-line, and the last `keep` lines are remembered for error messages.
struct StderrTail {
  /// Lines kept for messages.
  let keep: Int
  /// Where lines are forwarded (file descriptor), or nil to keep them only.
  let sink: Int32?
  /// Longest line kept for messages (longer ones are cut, with a note); forwarding is whole.
  static let maxKeptLineBytes = 2000

  private var partial: [UInt8] = []
  private var ring: [String] = []
  private var next = 0

  init(keep: Int = 20, sink: Int32?) {
    self.keep = keep
    self.sink = sink
  }

  /// Takes a chunk read from the program's stderr.
  mutating func take(_ bytes: UnsafeRawBufferPointer) {
    var lineStart = 0
    for i in 0..<bytes.count where bytes[i] == UInt8(ascii: "\n") {
      partial.append(contentsOf: bytes[lineStart...i])
      emitPartial()
      lineStart = i + 1
    }
    if lineStart < bytes.count { partial.append(contentsOf: bytes[lineStart...]) }
    // A program writing an endless line without a newline: pass it on in pieces.
    if partial.count >= 1 << 16 { emitPartial() }
  }

  /// Flushes an unterminated last line (at end of file).
  mutating func finish() {
    if !partial.isEmpty {
      partial.append(UInt8(ascii: "\n"))
      emitPartial()
    }
  }

  /// The last lines, oldest first.
  var lines: [String] {
    ring.count < keep ? ring : Array(ring[next...] + ring[..<next])
  }

  private mutating func emitPartial() {
    if let sink { writeFully(sink, partial) }
    var body = partial
    if body.last == UInt8(ascii: "\n") { body.removeLast() }
    if body.last == UInt8(ascii: "\r") { body.removeLast() }
    var text = String(decoding: body.prefix(Self.maxKeptLineBytes), as: UTF8.self)
    if body.count > Self.maxKeptLineBytes { text += " [... \(body.count) bytes]" }
    if ring.count < keep {
      ring.append(text)
    } else {
      ring[next] = text
      next = (next + 1) % keep
    }
    partial.removeAll(keepingCapacity: true)
  }
}

/// Writes all of `bytes` to `fd` (a blocking descriptor such as our stderr), retrying
/// on EINTR and short writes; gives up silently on another error (stderr is best effort).
func writeFully(_ fd: Int32, _ bytes: [UInt8]) {
  bytes.withUnsafeBytes { raw in
    var offset = 0
    while offset < raw.count {
      let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
      if n > 0 {
        offset += n
      } else if n < 0 && errno == EINTR {
        continue
      } else {
        return
      }
    }
  }
}
