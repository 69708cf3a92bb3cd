#if canImport(Glibc)
  import Glibc
#endif
import ExternalEvaluator
import Testing

/// Paths and helpers shared by the external evaluator tests (real processes, no mocks).
enum Programs {
  /// The repository root (three levels above this file).
  static let root: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
  }()

  static let evaluators = root + "/Tests/ExternalEvaluatorTests/Evaluators"

  /// `exec python3 .../misbehaving_evaluator.py FAULT --on K` (exec: the shell becomes
  /// Python, so its signals are reported as its own).
  static func misbehaving(_ fault: String, on request: Int = 1) -> String {
    "exec python3 '\(evaluators)/misbehaving_evaluator.py' \(fault) --on \(request)"
  }

  static func numpy(transform: String, dtype: String = "float64") -> String {
    "exec python3 '\(root)/examples/numpy_evaluator.py' --transform \(transform) --dtype \(dtype)"
  }

  static func buggy(_ bug: String, transform: String = "softplus") -> String {
    "exec python3 '\(evaluators)/buggy_evaluator.py' --bug \(bug) --transform \(transform)"
  }
}

/// Whether a process of process group `pgid` is still running: a process listed in
/// /proc with that group and a state other than zombie (a killed grandchild stays a
/// zombie until init reaps it; it runs no more).
func groupExists(_ pgid: Int32) -> Bool {
  guard let dir = opendir("/proc") else { return kill(-pgid, 0) == 0 }
  defer { closedir(dir) }
  while let entry = readdir(dir) {
    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
      String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
    }
    guard let pid = Int32(name), let stat = readSmallFile("/proc/\(pid)/stat"),
      let close = stat.lastIndex(of: ")")
    else { continue }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // fields: state, ppid, pgrp, ...
    if fields.count > 2, fields[2] == "\(pgid)", fields[0] != "Z" { return true }
  }
  return false
}

/// A small text file's contents, or nil.
func readSmallFile(_ path: String) -> String? {
  let fd = open(path, O_RDONLY)
  guard fd >= 0 else { return nil }
  defer { close(fd) }
  var buffer = [UInt8](repeating: 0, count: 1024)
  let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
  return n > 0 ? String(decoding: buffer[..<n], as: UTF8.self) : nil
}

/// Whether process `pid` exists (a zombie counts: it was not reaped).
func processExists(_ pid: Int32) -> Bool {
  kill(pid, 0) == 0 || errno == EPERM
}

/// A small valid request: `points` matrices of size `n` (diagonal, entries 1..n) and x = 0.5.
func smallRequest(points: Int, n: Int) -> (x: [Double], y: [Double]) {
  var y = [Double](repeating: 0, count: points * n * n)
  for b in 0..<points {
    for i in 0..<n { y[(b * n + i) * n + i] = Double(i + 1) + Double(b) / 8 }
  }
  return (Array(repeating: 0.5, count: points), y)
}

/// Runs `body` expecting an `ExternalEvaluatorError`, which it returns.
func expectFailure(
  _ body: () throws(ExternalEvaluatorError) -> Void, sourceLocation: SourceLocation = #_sourceLocation
) -> ExternalEvaluatorError? {
  do {
    try body()
    Issue.record("expected an ExternalEvaluatorError, got none", sourceLocation: sourceLocation)
    return nil
  } catch {
    return error
  }
}

/// Seconds elapsed while running `body`.
func timed(_ body: () -> Void) -> Double {
  var a = timespec()
  var b = timespec()
  clock_gettime(CLOCK_MONOTONIC, &a)
  body()
  clock_gettime(CLOCK_MONOTONIC, &b)
  return Double(b.tv_sec - a.tv_sec) + Double(b.tv_nsec - a.tv_nsec) / 1e9
}
