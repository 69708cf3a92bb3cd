import ArgumentParser
import GradcheckIO
import GradcheckModel
import Reporting

/// Where a run writes, checked before any work starts (an output path that
/// cannot be written is an input error, exit 2, and nothing is computed).
struct OutputPlan {
  var json: String?
  var markdown: String?
  var html: String?
  var junit: String?

  init(_ o: OutputOptions, results: Bool = true) throws {
    self.init(json: results ? o.json : nil, markdown: o.markdown, html: o.html, junit: o.junit, out: o.out)
    try check(out: o.out)
  }

  init(json: String?, markdown: String?, html: String?, junit: String?, out: String?) {
    self.json = json
    self.markdown = markdown
    self.html = html
    self.junit = junit
    if let out {
      let dir = out.hasSuffix("/") ? String(out.dropLast()) : out
      self.json = self.json ?? "\(dir)/results.json"
      self.markdown = self.markdown ?? "\(dir)/report.md"
      self.html = self.html ?? "\(dir)/report.html"
      self.junit = self.junit ?? "\(dir)/junit.xml"
    }
  }

  func check(out: String?) throws {
    do {
      if let out { try checkWritableDirectory(out, create: true) }
      for p in [json, markdown, html, junit].compactMap({ $0 }) { try checkWritable(p) }
    } catch {
      throw InputError(message: error.description)
    }
  }

  /// Renders and writes every requested file atomically.
  func write(_ results: Results, title: String) throws {
    var files: [(String, String)] = []
    if let json { files.append((json, encodeResults(results))) }
    if let markdown { files.append((markdown, renderMarkdown(results, title: title))) }
    if let html { files.append((html, renderHTML(results, title: title))) }
    if let junit { files.append((junit, renderJUnit(results, suiteName: title))) }
    for (path, text) in files {
      do {
        try writeAtomically(text, to: path)
      } catch {
        throw InputError(message: "cannot write \(error.description)")
      }
    }
  }
}

/// The one-line summary that ends every run, and the exit code (SPEC section 5).
func finishRun(_ results: Results, command: String, strict: Bool, exitZero: Bool, extra: String = "") throws {
  let s = results.summary
  var line = "gradcheck \(command): \(s.cases) cases: \(s.pass) pass, \(s.warn) warn, \(s.fail) fail, \(s.skip) skip"
  if s.xfail > 0 || s.xpass > 0 { line += ", \(s.xfail) xfail, \(s.xpass) xpass" }
  line += extra
  let failing = s.failsRun(strict: strict)
  line += failing ? (exitZero ? " (failures reported, --exit-zero)" : " -> FAIL") : " -> OK"
  print(line)
  if failing && !exitZero { throw ExitCode(1) }
}
