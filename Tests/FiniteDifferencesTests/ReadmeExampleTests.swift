import Foundation
import Testing

/// The README's "Use as a library" snippets are the example target's code, and the built
/// example prints what the README shows. (`make example` also builds them in a new
/// package that depends on this repository by path.)
enum ReadmeExample {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// The "Use as a library" section of the README.
  static func section() throws -> String {
    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    let parts = readme.components(separatedBy: "\n## Use as a library\n")
    try #require(parts.count == 2, "README.md has one \"Use as a library\" section")
    return parts[1].components(separatedBy: "\n## ")[0]
  }

  /// The fenced blocks of `text` opened by exactly `fence` (e.g. "```swift" or "```").
  static func blocks(_ text: String, fence: String) -> [String] {
    var blocks: [String] = []
    var current: [Substring]? = nil
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
      if let c = current {
        if line == "```" {
          blocks.append(c.joined(separator: "\n"))
          current = nil
        } else {
          current = c + [line]
        }
      } else if line == fence {
        current = []
      }
    }
    return blocks
  }

  /// The built example: next to GRADCHECK_BIN when set, else in .build/debug.
  static var binary: String {
    if let b = ProcessInfo.processInfo.environment["GRADCHECK_BIN"], !b.isEmpty {
      return URL(fileURLWithPath: b).deletingLastPathComponent().appendingPathComponent("FDLibraryExample").path
    }
    return root.appendingPathComponent(".build/debug/FDLibraryExample").path
  }
}

@Test func readmeSnippetsAreTheExampleVerbatim() throws {
  let section = try ReadmeExample.section()
  let main = try String(
    contentsOf: ReadmeExample.root.appendingPathComponent("Examples/FDLibraryExample/main.swift"),
    encoding: .utf8)
  let code = ReadmeExample.blocks(section, fence: "```swift")
    .filter { !$0.hasPrefix("// swift-tools-version") }
  #expect(code.count == 3, "the gradient, Jacobian and @differentiable snippets")
  for block in code {
    #expect(main.contains(block), "Examples/FDLibraryExample/main.swift lacks the README snippet:\n\(block)")
  }
  // The manifest snippet depends on the product by name (make example builds it).
  let manifest = ReadmeExample.blocks(section, fence: "```swift").filter { $0.hasPrefix("// swift-tools-version") }
  #expect(manifest.count == 1)
  #expect(manifest.first?.contains(".product(name: \"FiniteDifferences\", package: \"gradcheck\")") == true)
}

@Test func builtExampleRunsAndPrintsTheReadmeOutput() throws {
  let path = ReadmeExample.binary
  try #require(FileManager.default.isExecutableFile(atPath: path), "build the example first: \(path)")
  let p = Process()
  p.executableURL = URL(fileURLWithPath: path)
  let out = Pipe()
  p.standardOutput = out
  try p.run()
  let data = out.fileHandleForReading.readDataToEndOfFile()
  p.waitUntilExit()
  #expect(p.terminationStatus == 0)
  let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
  // The README's printed report is the first lines of the output.
  let shown = ReadmeExample.blocks(try ReadmeExample.section(), fence: "```")
    .filter { $0.hasPrefix("gradient check:") }
  try #require(shown.count == 1)
  let expected = shown[0].split(separator: "\n").map(String.init)
  #expect(Array(lines.prefix(expected.count)) == expected)
  // Then the Jacobian, the @differentiable overload and the wrong gradient.
  #expect(Array(lines.suffix(3)) == ["pass", "pass", "fail 1"])
}
