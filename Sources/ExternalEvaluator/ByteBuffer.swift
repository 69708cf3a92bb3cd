#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A growable byte buffer over one heap allocation, reused across requests so that
/// reading and writing protocol lines allocates nothing per number (and, once it has
/// grown to the size of a request, nothing per request).
///
/// Bytes `[start, count)` are live; `consume(upTo:)` drops a prefix in O(1) and the
/// space is reclaimed by `compact()` before the next read.
final class ByteBuffer {
  private(set) var base: UnsafeMutablePointer<UInt8>
  private(set) var capacity: Int
  /// End of the live bytes.
  private(set) var count = 0
  /// Start of the live bytes.
  private(set) var start = 0

  init(capacity: Int = 1 << 16) {
    self.capacity = max(capacity, 64)
    base = .allocate(capacity: self.capacity)
  }

  deinit { base.deallocate() }

  /// Number of live bytes.
  var liveCount: Int { count - start }

  /// Drops every byte.
  func removeAll() {
    count = 0
    start = 0
  }

  /// Drops the live bytes before `index` (an absolute offset).
  func consume(upTo index: Int) {
    precondition(index >= start && index <= count)
    start = index
    if start == count { removeAll() }
  }

  /// Moves the live bytes to the front.
  func compact() {
    guard start > 0 else { return }
    let live = count - start
    if live > 0 { memmove(base, base + start, live) }
    start = 0
    count = live
  }

  /// Makes room for at least `extra` more bytes after `count`.
  @inline(__always)
  func reserve(_ extra: Int) {
    if count + extra > capacity { grow(count + extra) }
  }

  private func grow(_ needed: Int) {
    var newCapacity = capacity
    while newCapacity < needed { newCapacity *= 2 }
    let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
    fresh.update(from: base, count: count)
    base.deallocate()
    base = fresh
    capacity = newCapacity
  }

  /// Free space after `count` (call `reserve` first to have some).
  var freeSpace: UnsafeMutableRawBufferPointer {
    UnsafeMutableRawBufferPointer(start: base + count, count: capacity - count)
  }

  /// Marks `n` bytes written into `freeSpace` as live.
  func commit(_ n: Int) {
    precondition(n >= 0 && count + n <= capacity)
    count += n
  }

  @inline(__always)
  func append(_ byte: UInt8) {
    reserve(1)
    base[count] = byte
    count += 1
  }

  func append(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
    reserve(bytes.count)
    (base + count).update(from: source, count: bytes.count)
    count += bytes.count
  }

  func append(_ text: StaticString) {
    text.withUTF8Buffer { append($0) }
  }

  func append(_ text: String) {
    var copy = text
    copy.withUTF8 { append($0) }
  }

  /// The absolute offset of the first `byte` at or after `from`, or nil.
  func firstIndex(of byte: UInt8, from: Int) -> Int? {
    let from = max(from, start)
    guard from < count else { return nil }
    guard let hit = memchr(base + from, Int32(byte), count - from) else { return nil }
    return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
  }
}

/// `TextOutputStream` conformance so that `Double.write(to:)` formats its shortest
/// round-trip digits straight into the buffer: the standard library hands floating-point
/// text to `_writeASCII` from a stack buffer, with no `String` in between.
struct ByteBufferStream: TextOutputStream {
  let buffer: ByteBuffer

  mutating func write(_ string: String) { buffer.append(string) }

  mutating func _writeASCII(_ bytes: UnsafeBufferPointer<UInt8>) { buffer.append(bytes) }
}
