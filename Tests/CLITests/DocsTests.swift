import Foundation
import GradcheckModel
import Testing

/// The reference in docs/ stays complete: every subcommand and every option the built
/// binary accepts is documented in docs/cli.md, every reason code in
/// docs/results-format.md, and no page of the repository cites a document it does not hold.
@Suite("docs")
struct DocsTests {
  static func page(_ name: String) throws -> String {
    try String(contentsOf: CLI.root.appendingPathComponent("docs/\(name)"), encoding: .utf8)
  }

  /// Subcommand names from `gradcheck --help` ("SUBCOMMANDS:" block).
  static func subcommands() throws -> [String] {
    let help = try CLI.run(["--help"]).stdout
    guard let start = help.range(of: "SUBCOMMANDS:") else { return [] }
    return help[start.upperBound...].split(separator: "\n").compactMap { line in
      guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
      return line.split(separator: " ").first.map(String.init)
    }.filter { $0 != "See" }
  }

  @Test func everySubcommandAndOptionIsInTheCLIReference() throws {
    let cli = try Self.page("cli.md")
    let commands = try Self.subcommands()
    #expect(commands.count >= 8, "subcommands found: \(commands)")
    for command in commands {
      #expect(cli.contains("`\(command)"), "docs/cli.md does not document the subcommand \(command)")
      let help = try CLI.run([command, "--help"]).stdout
      let options = Set(
        help.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," || $0 == "[" || $0 == "]" })
          .filter { $0.hasPrefix("--") && $0.count > 2 }
          .map { String($0.prefix(while: { $0 == "-" || $0.isLetter || $0.isNumber })) })
      for option in options.sorted() where option != "--help" && option != "--version" {
        #expect(cli.contains("`\(option)"), "docs/cli.md does not document \(option) of \(command)")
      }
    }
  }

  @Test func everyReasonCodeIsInTheResultsFormat() throws {
    let page = try Self.page("results-format.md")
    for code in ReasonCode.allCases {
      #expect(page.contains("`\(code.rawValue)`"), "docs/results-format.md does not list the code \(code.rawValue)")
    }
  }

  @Test func everyCheckNameIsInTheChecksPage() throws {
    let page = try Self.page("checks.md")
    for check in CheckName.allCases {
      #expect(page.contains("`\(check.rawValue)`"), "docs/checks.md does not describe the check \(check.rawValue)")
    }
  }

  @Test func linksBetweenDocsPagesResolve() throws {
    let docs = CLI.root.appendingPathComponent("docs")
    let names = try FileManager.default.contentsOfDirectory(atPath: docs.path)
    for name in names where name.hasSuffix(".md") {
      let text = try Self.page(name)
      var rest = Substring(text)
      while let open = rest.range(of: "](") {
        let after = rest[open.upperBound...]
        guard let close = after.firstIndex(of: ")") else { break }
        let target = after[..<close].split(separator: "#").first.map(String.init) ?? ""
        if !target.isEmpty && !target.contains("://") {
          let exists = FileManager.default.fileExists(atPath: docs.appendingPathComponent(target).path)
          #expect(exists, "docs/\(name) links to \(target), which docs/ does not hold")
        }
        rest = after[close...]
      }
    }
  }
}
