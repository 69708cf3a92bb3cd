import Foundation
import Testing

@testable import GradcheckIO

@Suite("Atomic output")
struct OutputFileTests {
  let fm = FileManager.default

  func temporaryFolder() throws -> String {
    let dir = fm.temporaryDirectory.appendingPathComponent("gradcheck-out-\(UUID().uuidString)").path
    try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  func contents(_ dir: String) throws -> [String] {
    try fm.contentsOfDirectory(atPath: dir).sorted()
  }

  @Test("writes and replaces, leaving no temporary file")
  func writeAndReplace() throws {
    let dir = try temporaryFolder()
    defer { try? fm.removeItem(atPath: dir) }
    let path = dir + "/results.json"
    try checkWritable(path)
    try writeAtomically("old\n", to: path)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\n")
    try OutputFile(path).write("new é\n")
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "new é\n")
    #expect(try contents(dir) == ["results.json"])
    // Large content is written completely.
    let big = String(repeating: "0123456789abcdef", count: 300_000)
    try writeAtomically(big, to: path)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == big)
    #expect(try contents(dir) == ["results.json"])
  }

  @Test("a failure just before the rename keeps the old content and removes the temporary")
  func failureKeepsOldContent() throws {
    let dir = try temporaryFolder()
    defer { try? fm.removeItem(atPath: dir) }
    let path = dir + "/report.md"
    try writeAtomically("old", to: path)
    var sawTemporary = false
    #expect(throws: FileError(path: path, message: "injected")) {
      try writeAtomically(Array("new".utf8), to: path, beforeRename: { () throws(FileError) in
        // The new bytes are complete in the temporary, the target still old.
        sawTemporary = (try? contents(dir))?.contains { $0.hasPrefix(".report.md.tmp-") } ?? false
        throw FileError(path: path, message: "injected")
      })
    }
    #expect(sawTemporary)
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
    #expect(try contents(dir) == ["report.md"])
  }

  @Test("a full disk is an error, never a partial write")
  func fullDisk() throws {
    guard fm.fileExists(atPath: "/dev/full") else { return }
    let fd = open("/dev/full", O_WRONLY)
    try #require(fd >= 0)
    defer { close(fd) }
    #expect(throws: FileError(path: "out.json", message: "cannot write: no space left on device")) {
      try writeAll(fd: fd, Array("data".utf8), path: "out.json")
    }
  }

  @Test("missing folders, files used as folders and folders used as files are named")
  func badTargets() throws {
    let dir = try temporaryFolder()
    defer { try? fm.removeItem(atPath: dir) }
    try "x".write(toFile: dir + "/plain", atomically: false, encoding: .utf8)
    let missing = dir + "/no/such/out.json"
    #expect(throws: FileError(path: missing, message: "folder \(dir)/no/such does not exist (no such file or directory)")) {
      try checkWritable(missing)
    }
    #expect(throws: FileError(path: missing, message: "cannot create a file in \(dir)/no/such: no such file or directory")) {
      try writeAtomically("x", to: missing)
    }
    let underFile = dir + "/plain/out.json"
    #expect(throws: FileError(path: underFile, message: "\(dir)/plain is not a folder")) {
      try checkWritable(underFile)
    }
    #expect(throws: FileError.self) { try writeAtomically("x", to: underFile) }
    #expect(throws: FileError(path: dir, message: "is a folder, not a file")) {
      try writeAtomically("x", to: dir)
    }
    #expect(throws: FileError(path: dir + "/", message: "not a file name (ends with '/')")) {
      try checkWritable(dir + "/")
    }
    #expect(try contents(dir) == ["plain"])
    #expect(try String(contentsOfFile: dir + "/plain", encoding: .utf8) == "x")
  }

  @Test("a read-only folder is refused before any work")
  func readOnlyFolder() throws {
    // Root bypasses permission bits; a read-only file system is refused even for root.
    if geteuid() == 0 {
      #expect(throws: FileError.self) { try writeAtomically("x", to: "/proc/gradcheck-test.json") }
      return
    }
    let dir = try temporaryFolder()
    defer {
      chmod(dir, 0o755)
      try? fm.removeItem(atPath: dir)
    }
    chmod(dir, 0o555)
    #expect(throws: FileError(path: dir + "/r.json", message: "folder \(dir) is not writable (permission denied)")) {
      try checkWritable(dir + "/r.json")
    }
    #expect(throws: FileError.self) { try writeAtomically("x", to: dir + "/r.json") }
    #expect(try contents(dir).isEmpty)
  }

  @Test("--out folders are created with their parents")
  func outFolder() throws {
    let dir = try temporaryFolder()
    defer { try? fm.removeItem(atPath: dir) }
    try checkWritableDirectory(dir + "/a/b/c")
    var isDir: ObjCBool = false
    #expect(fm.fileExists(atPath: dir + "/a/b/c", isDirectory: &isDir) && isDir.boolValue)
    try checkWritableDirectory(dir + "/a/b/c", create: false)
    #expect(throws: FileError(path: dir + "/x", message: "folder does not exist (no such file or directory)")) {
      try checkWritableDirectory(dir + "/x", create: false)
    }
    try "x".write(toFile: dir + "/file", atomically: false, encoding: .utf8)
    #expect(throws: FileError(path: dir + "/file/sub", message: "cannot create the folder: \(dir)/file is not a folder")) {
      try checkWritableDirectory(dir + "/file/sub")
    }
    #expect(throws: FileError(path: dir + "/file", message: "exists and is not a folder")) {
      try checkWritableDirectory(dir + "/file")
    }
  }
}
