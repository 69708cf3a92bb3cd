#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An error of the file system, naming the path (as given) and the reason.
public struct FileError: Error, Sendable, Equatable, CustomStringConvertible {
  public var path: String
  public var message: String

  public init(path: String, message: String) {
    self.path = path
    self.message = message
  }

  /// `path: message`
  public var description: String { "\(path): \(message)" }
}

/// The reason for the current `errno`, in lower case (`no such file or directory`).
func errnoMessage(_ code: Int32 = errno) -> String {
  let s = String(cString: strerror(code))
  guard let first = s.first else { return "error \(code)" }
  return first.lowercased() + s.dropFirst()
}

/// Small POSIX file helpers (paths are used exactly as given, never absolutized).
enum FileSystem {
  enum Kind { case file, directory }

  /// Whether `path` is a directory or something to read as a file (following symlinks).
  static func kind(_ path: String) -> Result<Kind, FileError> {
    var st = stat()
    if stat(path, &st) != 0 {
      return .failure(FileError(path: path, message: errnoMessage()))
    }
    return .success((st.st_mode & S_IFMT) == S_IFDIR ? .directory : .file)
  }

  /// Every `*.json` file under `root`, recursively, skipping hidden entries (names
  /// starting with `.`), sorted by path (byte order). Symlinked folders are followed
  /// once (a folder already visited, by device and inode, is skipped, so links cannot
  /// loop), and the depth is bounded.
  static func jsonFiles(under root: String, maxDepth: Int = 64) -> Result<[String], FileError> {
    var found: [String] = []
    var visited = Set<[UInt64]>()
    var pending: [(path: String, depth: Int)] = [(root, 0)]
    while let (dir, depth) = pending.popLast() {
      var st = stat()
      guard stat(dir, &st) == 0 else { return .failure(FileError(path: dir, message: errnoMessage())) }
      guard visited.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted else { continue }
      guard let handle = opendir(dir) else {
        return .failure(FileError(path: dir, message: errnoMessage()))
      }
      var names: [String] = []
      while let entry = readdir(handle) {
        let name = withUnsafePointer(to: entry.pointee.d_name) {
          $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
            String(cString: $0)
          }
        }
        if !name.hasPrefix(".") { names.append(name) }
      }
      closedir(handle)
      for name in names {
        let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
        var est = stat()
        guard stat(path, &est) == 0 else { continue }  // dangling link
        if (est.st_mode & S_IFMT) == S_IFDIR {
          if depth + 1 > maxDepth {
            return .failure(FileError(path: path, message: "folders nested deeper than \(maxDepth) levels"))
          }
          pending.append((path, depth + 1))
        } else if (est.st_mode & S_IFMT) == S_IFREG && name.hasSuffix(".json") {
          found.append(path)
        }
      }
    }
    found.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    return .success(found)
  }

  /// The bytes of a file, reading at most `maxBytes` (a larger file, or an endless
  /// device, is an error rather than a memory blow-up).
  static func readBytes(_ path: String, maxBytes: Int) -> Result<[UInt8], FileError> {
    // O_NONBLOCK so that opening a FIFO without a writer cannot hang; reads then block
    // as usual (a pipe given on purpose, such as /dev/stdin, is read to its end).
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    if fd < 0 { return .failure(FileError(path: path, message: "cannot read: " + errnoMessage())) }
    defer { close(fd) }
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
    var st = stat()
    if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
      return .failure(FileError(path: path, message: "is a folder, not a file"))
    }
    if fstat(fd, &st) == 0 && Int(st.st_size) > maxBytes {
      return .failure(
        FileError(path: path, message: "file is \(st.st_size) bytes, over the limit of \(maxBytes) bytes"))
    }
    var bytes: [UInt8] = []
    let chunk = 1 << 16
    var buffer = [UInt8](repeating: 0, count: chunk)
    while true {
      let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, chunk) }
      if got < 0 {
        if errno == EINTR { continue }
        return .failure(FileError(path: path, message: "cannot read: " + errnoMessage()))
      }
      if got == 0 { break }
      bytes.append(contentsOf: buffer[0..<got])
      if bytes.count > maxBytes {
        return .failure(FileError(path: path, message: "file is over the limit of \(maxBytes) bytes"))
      }
    }
    return .success(bytes)
  }
}

/// The bytes of a file for reading in one pass: a regular file is mapped into memory
/// (read-only), so its pages are read from disk as they are reached and `release` hands
/// the ones already read back to the kernel; the memory held does not grow with the file.
/// Anything else (a pipe, a device) is read whole (`FileSystem.readBytes`). The errors, and
/// the size limit, are those of `readBytes`.
final class InputBytes {
  let buffer: UnsafeBufferPointer<UInt8>
  private let mapped: Bool
  private var released = 0
  private static let page = Int(sysconf(Int32(_SC_PAGESIZE)))

  init(_ path: String, maxBytes: Int) throws(FileError) {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    if fd < 0 { throw FileError(path: path, message: "cannot read: " + errnoMessage()) }
    defer { close(fd) }
    var st = stat()
    let isRegular = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    if isRegular && Int(st.st_size) > maxBytes {
      throw FileError(path: path, message: "file is \(st.st_size) bytes, over the limit of \(maxBytes) bytes")
    }
    if isRegular && st.st_size > 0,
      let base = mmap(nil, Int(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED
    {
      _ = madvise(base, Int(st.st_size), MADV_SEQUENTIAL)
      buffer = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: Int(st.st_size))
      mapped = true
      return
    }
    // Not a regular file (or an empty one, or mapping failed): read it whole.
    switch FileSystem.readBytes(path, maxBytes: maxBytes) {
    case .failure(let e): throw e
    case .success(let bytes):
      let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
      _ = copy.initialize(from: bytes)
      buffer = UnsafeBufferPointer(start: copy.baseAddress, count: bytes.count)
      mapped = false
    }
  }

  /// Hands the pages before `offset` back to the kernel (mapped files; they are read
  /// again from the file should they be needed).
  func release(upTo offset: Int) {
    guard mapped, let base = buffer.baseAddress else { return }
    let end = (min(offset, buffer.count) / Self.page) * Self.page
    if end - released < 4 << 20 { return }
    _ = madvise(UnsafeMutableRawPointer(mutating: base) + released, end - released, MADV_DONTNEED)
    released = end
  }

  /// Starts another pass from the beginning: pages it reads again are released again.
  func restart() { released = 0 }

  deinit {
    guard let base = buffer.baseAddress else { return }
    if mapped {
      munmap(UnsafeMutableRawPointer(mutating: base), buffer.count)
    } else {
      UnsafeMutableBufferPointer(mutating: buffer).deallocate()
    }
  }
}

// MARK: - Output

/// An output file written atomically (see `writeAtomically`).
public struct OutputFile: Sendable, Equatable {
  public var path: String

  public init(_ path: String) {
    self.path = path
  }

  /// Checks, before any work, that the file can be written (see `checkWritable`).
  public func check() throws(FileError) {
    try checkWritable(path)
  }

  /// Replaces the file's content atomically (see `writeAtomically`).
  public func write(_ text: String) throws(FileError) {
    try writeAtomically(text, to: path)
  }
}

/// Writes `text` to `path` so that the file holds either its old content or all of the
/// new one, never a part: the bytes go to a new temporary file in the same folder
/// (`.NAME.tmp-PID-K`), are flushed with `fsync`, and the temporary is renamed over
/// `path` (then the folder is synced, best effort). On any error (a full disk included)
/// the temporary is removed and a `FileError` naming `path` is thrown.
public func writeAtomically(_ text: String, to path: String) throws(FileError) {
  try writeAtomically(Array(text.utf8), to: path, beforeRename: {})
}

/// The folder part of a path (`.` for a bare name) and the name.
func splitPath(_ path: String) -> (dir: String, name: String) {
  guard let slash = path.lastIndex(of: "/") else { return (".", path) }
  let dir = String(path[..<slash])
  return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
}

/// `writeAtomically` with a hook run after the data is synced and before the rename
/// (tests use it to inject a failure at the last moment).
func writeAtomically(
  _ bytes: [UInt8], to path: String, beforeRename: () throws(FileError) -> Void
) throws(FileError) {
  try writeAtomically(to: path, beforeRename: beforeRename) { (out) throws(FileError) in
    try out.write(bytes)
  }
}

/// Writes the file at `path` atomically from pieces: `produce` writes into the
/// temporary file through the `AtomicOutput` it is given (text, bytes, or ranges copied
/// from `ScratchFile`s), then the temporary is synced and renamed over `path`, exactly as
/// `writeAtomically(_:to:)` does. When `produce` throws, or anything fails (a full disk
/// included), the temporary is removed and nothing changes at `path`.
public func writeAtomically(
  to path: String, _ produce: (AtomicOutput) throws(FileError) -> Void
) throws(FileError) {
  try writeAtomically(to: path, beforeRename: {}, produce)
}

/// The temporary file being written by `writeAtomically(to:_:)`: writes are buffered
/// (1 MiB) and go to the temporary, never to the final path.
public final class AtomicOutput {
  let fd: Int32
  let path: String
  private var buffer: [UInt8] = []
  static let bufferSize = 1 << 20

  init(fd: Int32, path: String) {
    self.fd = fd
    self.path = path
    buffer.reserveCapacity(Self.bufferSize)
  }

  /// Appends UTF-8 text.
  public func write(_ text: String) throws(FileError) {
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= Self.bufferSize { try flush() }
  }

  /// Appends bytes.
  public func write(_ bytes: [UInt8]) throws(FileError) {
    if buffer.count + bytes.count > Self.bufferSize { try flush() }
    if bytes.count >= Self.bufferSize {
      try writeAll(fd: fd, bytes, path: path)
    } else {
      buffer.append(contentsOf: bytes)
    }
  }

  /// Appends `range` (byte offsets) of a scratch file.
  public func copy(_ range: Range<Int>, of scratch: ScratchFile) throws(FileError) {
    try flush()
    try scratch.flush()
    var offset = range.lowerBound
    var chunk = [UInt8](repeating: 0, count: min(Self.bufferSize, max(range.count, 1)))
    while offset < range.upperBound {
      let want = min(chunk.count, range.upperBound - offset)
      let got = try scratch.read(into: &chunk, count: want, at: offset)
      try writeAll(fd: fd, Array(chunk[0..<got]), path: path)
      offset += got
    }
  }

  func flush() throws(FileError) {
    if buffer.isEmpty { return }
    try writeAll(fd: fd, buffer, path: path)
    buffer.removeAll(keepingCapacity: true)
  }
}

func writeAtomically(
  to path: String, beforeRename: () throws(FileError) -> Void,
  _ produce: (AtomicOutput) throws(FileError) -> Void
) throws(FileError) {
  let (dir, name) = splitPath(path)
  if name.isEmpty { throw FileError(path: path, message: "not a file name (ends with '/')") }
  var st = stat()
  if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
    throw FileError(path: path, message: "is a folder, not a file")
  }
  let (fd, temporary) = try createExclusive(path: path, kind: "tmp")
  var closed = false
  do throws(FileError) {
    let out = AtomicOutput(fd: fd, path: path)
    try produce(out)
    try out.flush()
    if fsync(fd) != 0 {
      throw FileError(path: path, message: "cannot flush to disk: " + errnoMessage())
    }
    closed = true
    if close(fd) != 0 {
      throw FileError(path: path, message: "cannot close: " + errnoMessage())
    }
    try beforeRename()
    if rename(temporary, path) != 0 {
      throw FileError(path: path, message: "cannot replace: " + errnoMessage())
    }
  } catch {
    if !closed { close(fd) }
    unlink(temporary)
    throw error
  }
  // Make the rename itself durable (best effort: not every file system allows it).
  let dfd = open(dir, O_RDONLY | O_CLOEXEC)
  if dfd >= 0 {
    _ = fsync(dfd)
    close(dfd)
  }
}

/// Creates a fresh file next to `path`, named `.NAME.KIND-PID-RANDOM`, exclusively
/// (retried on a collision); returns its descriptor (read-write) and name.
func createExclusive(path: String, kind: String) throws(FileError) -> (Int32, String) {
  let (dir, name) = splitPath(path)
  let folder = dir == "." && !path.hasPrefix("./") ? "" : (dir == "/" ? "/" : dir + "/")
  var temporary = ""
  var fd: Int32 = -1
  var generator = SystemRandomNumberGenerator()
  for _ in 0..<16 {
    let suffix = String(generator.next() & 0xFFFF_FFFF_FFFF, radix: 16)
    temporary = folder + ".\(name).\(kind)-\(getpid())-\(suffix)"
    fd = open(temporary, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    if fd >= 0 || errno != EEXIST { break }
  }
  if fd < 0 {
    throw FileError(path: path, message: "cannot create a file in \(dir): " + errnoMessage())
  }
  return (fd, temporary)
}

/// `close(2)` (the name is taken by `ScratchFile.close` inside the class).
private func posixClose(_ fd: Int32) -> Int32 { close(fd) }

/// A scratch file for output that is streamed during a run and assembled into its final
/// file at the end (`AtomicOutput.copy`). It lives next to the final path (same file
/// system, so a full disk shows during the run) and is unlinked as soon as it is
/// created: it has no name, so nothing of it remains after the process ends, whether it
/// finishes, fails or is killed. Appends are buffered (1 MiB); `size` is the number of
/// bytes appended so far, the offset of the next append.
public final class ScratchFile {
  let fd: Int32
  /// The final path the scratch belongs to (named in errors).
  public let path: String
  private var buffer: [UInt8] = []
  private var flushed = 0
  private var closed = false

  /// Creates the scratch file for the output `path` (in its folder).
  public init(for path: String) throws(FileError) {
    let (fd, name) = try createExclusive(path: path, kind: "part")
    unlink(name)
    self.fd = fd
    self.path = path
    buffer.reserveCapacity(AtomicOutput.bufferSize)
  }

  deinit { close() }

  /// Bytes appended so far.
  public var size: Int { flushed + buffer.count }

  /// Appends UTF-8 text.
  public func append(_ text: String) throws(FileError) {
    buffer.append(contentsOf: text.utf8)
    if buffer.count >= AtomicOutput.bufferSize { try flush() }
  }

  func flush() throws(FileError) {
    if buffer.isEmpty { return }
    try writeAll(fd: fd, buffer, path: path)
    flushed += buffer.count
    buffer.removeAll(keepingCapacity: true)
  }

  /// Reads up to `count` bytes at `offset` into `chunk` (after a `flush`); throws at
  /// an unexpected end.
  func read(into chunk: inout [UInt8], count: Int, at offset: Int) throws(FileError) -> Int {
    while true {
      let got = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
      if got < 0 && errno == EINTR { continue }
      if got < 0 { throw FileError(path: path, message: "cannot read back the scratch file: " + errnoMessage()) }
      if got == 0 { throw FileError(path: path, message: "cannot read back the scratch file: unexpected end") }
      return got
    }
  }

  /// Closes (and so frees) the scratch file; later appends fail.
  public func close() {
    if closed { return }
    closed = true
    _ = posixClose(fd)
    buffer = []
  }
}

/// Writes every byte to `fd`, retrying short writes and interrupts; any other failure
/// (`ENOSPC`, `EIO`, ...) throws naming `path`.
func writeAll(fd: Int32, _ bytes: [UInt8], path: String) throws(FileError) {
  var offset = 0
  while offset < bytes.count {
    let n = bytes.withUnsafeBytes { raw in
      write(fd, raw.baseAddress! + offset, min(bytes.count - offset, 1 << 20))
    }
    if n < 0 {
      if errno == EINTR { continue }
      throw FileError(path: path, message: "cannot write: " + errnoMessage())
    }
    if n == 0 { throw FileError(path: path, message: "cannot write: no progress") }
    offset += n
  }
}

/// Checks before any work that `path` can be written: its folder exists and is a
/// writable, searchable folder, and `path` itself is not a folder. Throws a
/// `FileError` naming the path.
public func checkWritable(_ path: String) throws(FileError) {
  let (dir, name) = splitPath(path)
  if name.isEmpty { throw FileError(path: path, message: "not a file name (ends with '/')") }
  var st = stat()
  guard stat(dir, &st) == 0 else {
    throw FileError(path: path, message: "folder \(dir) does not exist (\(errnoMessage()))")
  }
  guard (st.st_mode & S_IFMT) == S_IFDIR else {
    throw FileError(path: path, message: "\(dir) is not a folder")
  }
  guard access(dir, W_OK | X_OK) == 0 else {
    throw FileError(path: path, message: "folder \(dir) is not writable (\(errnoMessage()))")
  }
  if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
    throw FileError(path: path, message: "is a folder, not a file")
  }
}

/// Checks before any work that `dir` (for `--out`) is a writable folder, creating it and
/// its missing parents when `create` is true. Throws a `FileError` naming the folder.
public func checkWritableDirectory(_ dir: String, create: Bool = true) throws(FileError) {
  var st = stat()
  if stat(dir, &st) != 0 {
    guard create else {
      throw FileError(path: dir, message: "folder does not exist (\(errnoMessage()))")
    }
    // Create each missing component, parents first.
    var prefix = dir.hasPrefix("/") ? "/" : ""
    let parts = dir.split(separator: "/", omittingEmptySubsequences: true)
    for part in parts {
      prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + part
      if stat(prefix, &st) == 0 {
        if (st.st_mode & S_IFMT) != S_IFDIR {
          throw FileError(path: dir, message: "cannot create the folder: \(prefix) is not a folder")
        }
        continue
      }
      if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
        throw FileError(path: dir, message: "cannot create the folder: " + errnoMessage())
      }
    }
    guard stat(dir, &st) == 0 else {
      throw FileError(path: dir, message: "cannot create the folder: " + errnoMessage())
    }
  }
  guard (st.st_mode & S_IFMT) == S_IFDIR else {
    throw FileError(path: dir, message: "exists and is not a folder")
  }
  guard access(dir, W_OK | X_OK) == 0 else {
    throw FileError(path: dir, message: "folder is not writable (\(errnoMessage()))")
  }
}
