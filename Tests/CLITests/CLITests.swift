import Foundation
import GradcheckIO
import GradcheckModel
import Testing

/// End-to-end tests of the built `gradcheck` binary: exit codes, output files,
/// error messages. `make test` builds it first and passes GRADCHECK_BIN.
/// Number of non-overlapping occurrences of `needle` in `s`.
func occurrences(of needle: String, in s: String) -> Int { s.components(separatedBy: needle).count - 1 }

enum CLI {
  static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  static var binary: String {
    if let b = ProcessInfo.processInfo.environment["GRADCHECK_BIN"], !b.isEmpty { return b }
    return root.appendingPathComponent(".build/debug/gradcheck").path
  }

  struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// Runs the binary in the package root with the given arguments.
  static func run(_ args: [String], cwd: URL? = nil) throws -> Run {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = args
    p.currentDirectoryURL = cwd ?? root
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
  }

  /// Starts the binary with `args` (stdout discarded), waits until `ready` holds, sends
  /// `signal` and returns the exit status and stderr.
  static func interrupt(_ args: [String], signal: Int32 = SIGINT, when ready: () -> Bool) throws
    -> (status: Int32, stderr: String)
  {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: binary)
    p.arguments = args
    p.currentDirectoryURL = root
    let err = Pipe()
    p.standardError = err
    p.standardOutput = Pipe()
    try p.run()
    #expect(ready() && p.isRunning, "the run was not ready to be interrupted")
    kill(p.processIdentifier, signal)
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: e, as: UTF8.self))
  }

  static func tempDir() throws -> URL {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("gradcheck-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
    return d
  }

  /// Runs the binary (output discarded, in the test's working directory: give absolute
  /// paths) and returns its exit status and its own peak resident set size in KB
  /// (`ru_maxrss` from wait4 on that child alone).
  static func spawnMeasuringPeak(_ args: [String]) throws -> (status: Int32, kb: Int) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([binary] + args).map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, binary, &actions, nil, argv, environ)
    guard rc == 0 else { throw CocoaError(.executableLoad) }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let exited = (status & 0x7f) == 0
    return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), Int(usage.ru_maxrss))
  }

  static func files(in d: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: d.path)) ?? []).sorted()
  }
}

@Suite("gradcheck binary", .serialized)
struct CLITests {
  @Test func checkFixturesExitsZeroAndWritesEveryReport() throws {
    let d = try CLI.tempDir()
    let r = try CLI.run(["check", "fixtures", "--out", d.path])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(CLI.files(in: d) == ["junit.xml", "report.html", "report.md", "results.json"])
    #expect(r.stdout.contains("gradcheck check:") && r.stdout.contains("-> OK"))
    let results = try loadResults(d.appendingPathComponent("results.json").path)
    #expect(results.summary.fail == 0 && results.summary.xpass == 0)
    #expect(results.summary.xfail > 0)
    let forum = try #require(results.cases.first { $0.id == "forum-example[1] softplus beta=5" })
    #expect(forum.status == .pass)
    #expect(abs(forum.xCond! - 0.6364271340) < 1e-9)
  }

  @Test func forumExampleWithEveryTransform() throws {
    let d = try CLI.tempDir()
    let out = d.appendingPathComponent("out.json").path
    let r = try CLI.run(["check", "fixtures/forum-example.json", "--transform", "all", "--beta", "1,5,20", "--json", out])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    let text = try String(contentsOfFile: out, encoding: .utf8)
    let obj = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(obj["format"] as? String == "gradcheck-results/1")
    let cases = try #require(obj["cases"] as? [[String: Any]])
    #expect(cases.count == 24)
    for key in ["id", "source", "index", "family", "n", "transform", "beta", "spectral", "classification",
                "status", "x", "lambda_min", "kappa", "eigenvalues", "x_cond", "grad_x", "grad_y", "checks", "repro"] {
      #expect(cases[0].keys.contains(key), "missing \(key)")
    }
    // where's vanishing gradient and leaky's violation are declared outcomes: xfail.
    let statuses = Set(cases.compactMap { $0["status"] as? String })
    #expect(statuses.isSubset(of: ["pass", "xfail", "warn"]))
  }

  @Test func failingCasesExitOne() throws {
    // The same fixture without its outcomes: the known failures fail the run.
    let d = try CLI.tempDir()
    let src = try String(contentsOfFile: CLI.root.appendingPathComponent("fixtures/forum-example.json").path, encoding: .utf8)
    var obj = try #require(try JSONSerialization.jsonObject(with: Data(src.utf8)) as? [String: Any])
    obj["outcomes"] = nil
    let f = d.appendingPathComponent("forum.json")
    try JSONSerialization.data(withJSONObject: obj).write(to: f)
    let r = try CLI.run(["check", f.path, "--transform", "where"])
    #expect(r.status == 1)
    #expect(r.stdout.contains("-> FAIL"))
    let z = try CLI.run(["check", f.path, "--transform", "where", "--exit-zero"])
    #expect(z.status == 0)
  }

  @Test func expectAndOutcomesOnlyForTheFixturesOwnSpectralQuantity() throws {
    let d = try CLI.tempDir()
    let out = d.appendingPathComponent("sv.json").path
    _ = try CLI.run(["check", "fixtures/forum-example.json", "--spectral", "min-singular-value", "--transform", "all", "--json", out])
    let results = try loadResults(out)
    #expect(results.cases.count == 8)
    for c in results.cases {
      #expect(c.checks[.expect] == nil, "\(c.id)")
      #expect(c.status != .xfail && c.status != .xpass, "\(c.id)")
      #expect(c.spectral == .minSingularValue)
    }
  }

  @Test func strictCountsWarnings() throws {
    let r = try CLI.run(["check", "fixtures/edge-repeated-min.json", "--strict"])
    let plain = try CLI.run(["check", "fixtures/edge-repeated-min.json"])
    #expect(plain.status == 0)
    if plain.stdout.contains("0 warn") {
      #expect(r.status == 0)
    } else {
      #expect(r.status == 1)
    }
  }

  @Test(arguments: [
    (["check"], "Missing expected argument"),
    (["check", "fixtures", "--transform", "softmax"], "--transform"),
    (["check", "fixtures", "--beta", "0"], "--beta"),
    (["check", "fixtures", "--beta", "abc"], "--beta"),
    (["check", "fixtures", "--spectral", "max-eigenvalue"], "--spectral"),
    (["check", "fixtures", "--jobs", "0"], "--jobs"),
    (["check", "fixtures", "--bogus"], "--bogus"),
    (["check", "fixtures", "--floor", "2"], "--floor"),
    (["sweep", "--shard", "3/2"], "--shard"),
    (["sweep", "--family", "nope"], "nope"),
    (["sweep", "--n", "0"], "--n"),
    (["frobnicate"], "frobnicate"),
    (["check", "does-not-exist.json"], "does-not-exist.json"),
    (["check", "fixtures", "--json", "/nonexistent-dir/x/out.json"], "/nonexistent-dir/x"),
    (["report", "does-not-exist.json"], "does-not-exist.json"),
    (["merge", "does-not-exist.json"], "does-not-exist.json"),
  ])
  func badCommandLinesExitTwoAndWriteNothing(_ args: [String], _ mentions: String) throws {
    let d = try CLI.tempDir()
    let r = try CLI.run(args + ["--out", d.appendingPathComponent("o").path].filter { _ in args.first == "check" }, cwd: nil)
    #expect(r.status == 2, "\(args): \(r.status) \(r.stderr)")
    #expect(r.stderr.contains(mentions), "\(args): \(r.stderr)")
    #expect(CLI.files(in: d).isEmpty || CLI.files(in: d.appendingPathComponent("o")).isEmpty)
  }

  @Test func malformedFixturesExitTwoNamingFileAndPlace() throws {
    let d = try CLI.tempDir()
    let cases: [(String, String, String)] = [
      ("short-row.json", #"{"format":"gradcheck-fixture/1","x":[1,2],"y":[[[1,0],[0,1]],[[1,0],[0]]]}"#, "y[1][1]"),
      ("typo.json", #"{"format":"gradcheck-fixture/1","x":[1],"y":[[[1]]],"betta":5}"#, "betta"),
      ("syntax.json", "{\"format\": \"gradcheck-fixture/1\",\n \"x\": [1,]}", "2:"),
      ("empty.json", "", "empty.json"),
      ("nan.json", #"{"format":"gradcheck-fixture/1","x":[1e999],"y":[[[1]]]}"#, "1:38: 1e999 is not a finite number"),
      ("ragged.json", #"{"format":"gradcheck-fixture/1","x":[1,2],"y":[[[1,0],[0,1]]]}"#, "y"),
      ("beta.json", #"{"format":"gradcheck-fixture/1","x":[1],"y":[[[1]]],"beta":-5}"#, "beta"),
      ("missing.json", "{}", "format"),
      ("transform.json", #"{"format":"gradcheck-fixture/1","x":[1],"y":[[[1]]],"transform":"softmax"}"#, "transform"),
    ]
    for (name, text, _) in cases { try text.write(to: d.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    let out = d.appendingPathComponent("out")
    let r = try CLI.run(["check", d.path, "--out", out.path])
    #expect(r.status == 2)
    for (name, _, place) in cases {
      let line = r.stderr.split(separator: "\n").first { $0.contains(name) } ?? ""
      #expect(line.contains(place), "\(name): \(r.stderr)")
    }
    #expect(CLI.files(in: out).isEmpty)
  }

  @Test func eigOnFamiliesAndFixtures() throws {
    let d = try CLI.tempDir()
    let out = d.appendingPathComponent("eig.json").path
    let r = try CLI.run(["eig", "fixtures/forum-example.json", "--family", "lapack", "--n", "1,2,3,5,10,20", "--count", "3", "--json", out])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    let results = try loadResults(out)
    #expect(results.cases.count == 2 + 21 * 6 * 3)  // lapack = each of the 21 types
    for c in results.cases {
      #expect(c.transform == nil && c.beta == nil && c.x == nil && c.xCond == nil)
      let solver = try #require(c.checks[.solver])
      #expect(solver.status != .fail, "\(c.id): \(solver.message)")
      #expect(solver.value! <= 20)
    }
  }

  /// eig streams its cases (nothing sorted at the end): the results are in canonical order,
  /// and every output is byte-identical for 1 and 2 worker threads, on a mix of fixture
  /// files and generated families (more cases than one block of the stream).
  @Test func eigStreamsInCanonicalOrderWhateverTheJobs() throws {
    let d = try CLI.tempDir()
    let args = ["eig", "fixtures", "--family", "symmetric,lapack-3,gaussian", "--n", "5,2,3", "--count", "7", "--exit-zero"]
    for jobs in ["1", "2"] {
      let r = try CLI.run(args + ["--jobs", jobs, "--out", d.appendingPathComponent("j\(jobs)").path])
      #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }
    for name in ["results.json", "report.md", "report.html", "junit.xml"] {
      let a = try Data(contentsOf: d.appendingPathComponent("j1/\(name)"))
      let b = try Data(contentsOf: d.appendingPathComponent("j2/\(name)"))
      #expect(!a.isEmpty && a == b, "\(name) differs between --jobs 1 and 2")
    }
    let run = try loadResults(d.appendingPathComponent("j1/results.json").path)
    #expect(run.cases.count > 3 * 3 * 7)
    #expect(zip(run.cases, run.cases.dropFirst()).allSatisfy { !CaseResult.canonicalOrder($1, $0) })
    #expect(run.cases.map { "\($0.group)|\($0.id)" } == run.cases.sorted(by: CaseResult.canonicalOrder).map { "\($0.group)|\($0.id)" })
    #expect(Set(run.cases.map(\.group)).count > 3)  // the families and the fixture files
  }

  @Test func jobsAndShardsGiveIdenticalBytes() throws {
    let d = try CLI.tempDir()
    let base = ["sweep", "--family", "gaussian,symmetric,near-zero-min", "--n", "3,4", "--count", "2", "--transform", "softplus,safe-softplus", "--beta", "5", "--exit-zero"]
    func path(_ n: String) -> String { d.appendingPathComponent(n).path }
    #expect(try CLI.run(base + ["--jobs", "1", "--json", path("j1.json")]).status == 0)
    #expect(try CLI.run(base + ["--jobs", "2", "--json", path("j2.json")]).status == 0)
    let j1 = try Data(contentsOf: URL(fileURLWithPath: path("j1.json")))
    #expect(j1 == (try Data(contentsOf: URL(fileURLWithPath: path("j2.json")))))
    // The run streams its cases already in canonical order (nothing is sorted afterwards).
    let run = try loadResults(path("j1.json"))
    #expect(zip(run.cases, run.cases.dropFirst()).allSatisfy { !CaseResult.canonicalOrder($1, $0) })
    #expect(Set(run.cases.map(\.group)).count == 3)
    for shards in [2, 3] {
      var parts: [String] = []
      for i in 1...shards {
        let p = path("s\(shards)-\(i).json")
        #expect(try CLI.run(base + ["--shard", "\(i)/\(shards)", "--json", p]).status == 0)
        parts.append(p)
      }
      let merged = path("merged\(shards).json")
      let m = try CLI.run(["merge"] + parts + ["--json", merged, "--exit-zero"])
      #expect(m.status == 0, "\(m.stderr)")
      #expect(try Data(contentsOf: URL(fileURLWithPath: merged)) == j1, "merge of \(shards) shards differs")
    }
    // Merging a shard with itself is an error (duplicate case ids).
    let dup = try CLI.run(["merge", path("s2-1.json"), path("s2-1.json"), "--json", path("dup.json")])
    #expect(dup.status == 2 && dup.stderr.contains("duplicate"))
    #expect(!FileManager.default.fileExists(atPath: path("dup.json")))
  }

  /// Runs a case's repro as printed and returns the cases it produced.
  func rerun(_ c: CaseResult, in d: URL) throws -> [CaseResult] {
    let one = d.appendingPathComponent("one.json").path
    var args = Array(c.repro.split(separator: " ").map(String.init).dropFirst())  // drop "gradcheck"
    args.append(contentsOf: ["--json", one, "--exit-zero"])
    let r = try CLI.run(args)
    #expect(r.status == 0, "\(c.repro): \(r.stderr)")
    return try loadResults(one).cases
  }

  @Test(arguments: [
    ["sweep", "--family", "companion,near-zero-min,mixed", "--n", "2,3", "--count", "2", "--beta", "1,20"],
    ["sweep", "--family", "jordan-min,prescribed", "--n", "3", "--count", "1", "--beta", "5", "--seed", "3",
     "--max-grad", "1e4", "--floor", "1e-3", "--margin", "1e-4", "--slope", "0.05"],
    ["check", "fixtures", "--transform", "all", "--beta", "1,20"],
    ["check", "fixtures", "--transform", "all", "--beta", "5", "--spectral", "min-real-part", "--sentinel", "1"],
  ])
  func reproCommandsReproduceExactlyTheirCase(_ run: [String]) throws {
    let d = try CLI.tempDir()
    let all = d.appendingPathComponent("all.json").path
    let r = try CLI.run(run + ["--json", all, "--exit-zero"])
    #expect(r.status == 0, "\(r.stderr)")
    let results = try loadResults(all)
    // A few failed (or else warned, else any) cases of every transform.
    for t in TransformKind.allCases {
      let mine = results.cases.filter { $0.transform == t }
      let failed = mine.filter { $0.status == .fail || $0.status == .xfail }
      let sample = (failed.isEmpty ? mine : failed)
      try #require(!sample.isEmpty, "no case of \(t.rawValue)")
      for c in [sample.first!, sample[sample.count / 2], sample.last!] {
        let again = try rerun(c, in: d)
        #expect(again.count == 1, "\(c.repro) gives \(again.count) cases")
        #expect(again.first?.id == c.id && again.first?.status == c.status, "\(c.repro)")
        // Every value agrees; only the eigen solves differ: they count the matrix's work for
        // every x case, and the repro runs one.
        var same = again.first
        same?.eigenSolves = c.eigenSolves
        #expect(same == c)
      }
    }
  }

  /// Copies a results file with one passing case turned into a failure (summary adjusted).
  func injectRegression(_ from: String, _ to: String) throws -> String {
    var top = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: from))) as? [String: Any])
    var cases = try #require(top["cases"] as? [[String: Any]])
    let k = try #require(cases.firstIndex { $0["status"] as? String == "pass" })
    cases[k]["status"] = "fail"
    top["cases"] = cases
    var summary = try #require(top["summary"] as? [String: Int])
    summary["pass"]! -= 1
    summary["fail"]! += 1
    top["summary"] = summary
    try JSONSerialization.data(withJSONObject: top, options: [.sortedKeys]).write(to: URL(fileURLWithPath: to))
    return try #require(cases[k]["id"] as? String)
  }

  @Test func diffReportsExactlyTheInjectedRegression() throws {
    let d = try CLI.tempDir()
    func path(_ n: String) -> String { d.appendingPathComponent(n).path }
    #expect(try CLI.run(["check", "fixtures", "--transform", "all", "--beta", "5", "--json", path("a.json"), "--exit-zero"]).status == 0)
    #expect(try CLI.run(["check", "fixtures", "--transform", "all", "--beta", "5", "--json", path("b.json"), "--exit-zero"]).status == 0)
    // Identical runs: nothing regressed, exit 0, even though the runs hold failures.
    let same = try CLI.run(["diff", path("a.json"), path("b.json"), "--json", path("same.json")])
    #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
    let counts = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("same.json")))) as? [String: Any])
    #expect((counts["counts"] as? [String: Int])?["regressed"] == 0)
    #expect((counts["counts"] as? [String: Int])?["unchanged"] ?? 0 > 100)
    // One injected regression: exactly that case, exit 1.
    let id = try injectRegression(path("b.json"), path("c.json"))
    let r = try CLI.run(["diff", path("a.json"), path("c.json"), "--json", path("d.json"), "--markdown", path("d.md"), "--html", path("d.html")])
    #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
    let diff = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path("d.json")))) as? [String: Any])
    let regressed = try #require(diff["regressed"] as? [[String: Any]])
    #expect(regressed.count == 1 && regressed.first?["id"] as? String == id)
    #expect((diff["fixed"] as? [Any])?.isEmpty == true && (diff["new_cases"] as? [Any])?.isEmpty == true)
    #expect(r.stdout.contains("regressed: \(id): pass -> fail"))
    #expect(try String(contentsOfFile: path("d.md"), encoding: .utf8).contains("### Regressed (1)"))
    // The same through --baseline on report and merge.
    #expect(try CLI.run(["report", path("c.json"), "--baseline", path("a.json")]).status == 1)
    #expect(try CLI.run(["report", path("b.json"), "--baseline", path("a.json")]).status == 0)
    #expect(try CLI.run(["merge", path("b.json"), "--json", path("m.json"), "--baseline", path("a.json")]).status == 0)
    // A missing baseline is an input error.
    #expect(try CLI.run(["diff", path("nope.json"), path("a.json")]).status == 2)
  }

  /// The README's CI recipe: commit a baseline of a project with known failures, then fail
  /// the job only on regressions.
  @Test func ciRecipeFailsOnlyOnRegressions() throws {
    let d = try CLI.tempDir()
    func path(_ n: String) -> String { d.appendingPathComponent(n).path }
    let run = ["sweep", "--family", "near-zero-min", "--n", "2", "--count", "2", "--beta", "1,20"]
    // Without a baseline the known failures fail the job.
    #expect(try CLI.run(run + ["--json", path("plain.json")]).status == 1)
    #expect(try CLI.run(run + ["--json", path("baseline.json"), "--exit-zero"]).status == 0)
    let ci = try CLI.run(run + ["--out", path("Reports"), "--baseline", path("baseline.json")])
    #expect(ci.status == 0, "\(ci.stdout)\(ci.stderr)")
    #expect(ci.stdout.contains("0 regressed"))
    // A baseline in which a case passed that now fails: the job fails.
    let cleaner = try injectFix(path("baseline.json"), path("cleaner.json"))
    let bad = try CLI.run(run + ["--out", path("Reports2"), "--baseline", path("cleaner.json")])
    #expect(bad.status == 1 && bad.stdout.contains("regressed: \(cleaner)"), "\(bad.stdout)")
    // The reports lead with the comparison, regressions first.
    let md = try String(contentsOfFile: path("Reports2/report.md"), encoding: .utf8)
    let lead = try #require(md.range(of: "## Against the baseline")).lowerBound
    #expect(lead < (try #require(md.range(of: "## Scorecard")).lowerBound))
    #expect(md.contains("### Regressed (1)\n\n- `\(cleaner)`: ✓ pass → ✗ fail"))
    // A run without output files compares too; a missing baseline is an input error.
    #expect(try CLI.run(run + ["--baseline", path("baseline.json")]).status == 0)
    #expect(try CLI.run(run + ["--baseline", path("missing.json")]).status == 2)
  }

  /// Copies a results file with one failing case turned into a pass (summary adjusted).
  func injectFix(_ from: String, _ to: String) throws -> String {
    var top = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: from))) as? [String: Any])
    var cases = try #require(top["cases"] as? [[String: Any]])
    let k = try #require(cases.firstIndex { $0["status"] as? String == "fail" })
    cases[k]["status"] = "pass"
    top["cases"] = cases
    var summary = try #require(top["summary"] as? [String: Int])
    summary["pass"]! += 1
    summary["fail"]! -= 1
    top["summary"] = summary
    try JSONSerialization.data(withJSONObject: top, options: [.sortedKeys]).write(to: URL(fileURLWithPath: to))
    return try #require(cases[k]["id"] as? String)
  }

  @Test func indexTotalsCountEachCaseOnce() throws {
    let d = try CLI.tempDir()
    func path(_ n: String) -> String { d.appendingPathComponent(n).path }
    #expect(try CLI.run(["check", "fixtures/forum-example.json", "--json", path("f.json"), "--exit-zero"]).status == 0)
    #expect(try CLI.run(["sweep", "--family", "gaussian", "--n", "2", "--json", path("s.json"), "--exit-zero"]).status == 0)
    #expect(try CLI.run(["merge", path("f.json"), path("s.json"), "--json", path("all.json"), "--exit-zero"]).status == 0)
    let all = try loadResults(path("all.json")).summary
    let r = try CLI.run(["report", path("all.json"), "--index", path("index.html"),
                         "--entry", "All|all.html|\(path("all.json"))", "--entry", "F|f.html|\(path("f.json"))",
                         "--entry", "S|s.html|\(path("s.json"))", "--exit-zero"])
    #expect(r.status == 0, "\(r.stderr)")
    let html = try String(contentsOfFile: path("index.html"), encoding: .utf8)
    #expect(html.contains("(of \(all.cases) cases)"))
  }

  /// The default sweep's families, transforms, betas and x cases at N = 2 and 3 (a third of
  /// its cases): the Markdown report leads with the conclusions, lists every failure mode,
  /// stays under 100 KiB and is cut only in its case lists.
  @Test func defaultSweepReportReadsAsAJobSummary() throws {
    let d = try CLI.tempDir()
    let out = d.appendingPathComponent("rep").path
    let r = try CLI.run(["sweep", "--n", "2,3", "--out", out, "--exit-zero"])
    #expect(r.status == 0, "\(r.stderr)")
    let md = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
    #expect(md.utf8.count <= 100 * 1024)
    let headings = md.split(separator: "\n").filter { $0.hasPrefix("## ") }.map { String($0.prefix(18)) }
    #expect(headings.first == "## Scorecard")
    let order = ["## Scorecard", "## Failure modes (", "## Beta recommendation", "## Behaviour curves",
                 "## By transform and beta",
                 "## Classification", "## Failed cases (", "## Warned cases ("]
    let at = try order.map { h in try #require(md.range(of: h), "\(h)").lowerBound }
    #expect(at == at.sorted())
    // Every mode is listed, each with its minimal case's repro.
    let count = try #require(Int(md.split(separator: "## Failure modes (")[1].prefix { $0.isNumber }))
    let modes = String(md[at[1]..<at[2]])
    #expect(occurrences(of: "\n### ", in: modes) == count && occurrences(of: "```sh\n", in: modes) == count)
    // The first screen names every transform with its share of kept constraints and a beta.
    let firstScreen = md.split(separator: "\n").prefix(16).joined(separator: "\n")
    for t in TransformKind.allCases { #expect(firstScreen.contains("| \(t.rawValue) | ")) }
    #expect(firstScreen.contains("recommended β"))
    // The case lists end whole, with how many are not listed.
    #expect(md.hasSuffix("case with its repro command._\n\n"))
    // The HTML report has the same order.
    let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
    let ids = try ["scorecard", "modes", "beta", "charts", "tables", "failures", "warnings"]
      .map { try #require(html.range(of: "<section id=\"\($0)\""), "\($0)").lowerBound }
    #expect(ids == ids.sorted())
  }

  @Test func reportRendersFromResultsAlone() throws {
    let d = try CLI.tempDir()
    let json = d.appendingPathComponent("r.json").path
    #expect(try CLI.run(["check", "fixtures/forum-example.json", "--json", json]).status == 0)
    let r = try CLI.run(["report", json, "--out", d.appendingPathComponent("rep").path])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(CLI.files(in: d.appendingPathComponent("rep")) == ["junit.xml", "report.html", "report.md", "results.json"])
    // Rendering is a pure function of the results: the copy is byte-identical.
    let copy = try Data(contentsOf: d.appendingPathComponent("rep/results.json"))
    #expect(copy == (try Data(contentsOf: URL(fileURLWithPath: json))))
  }

  @Test func generateWritesAFixtureThatChecks() throws {
    let d = try CLI.tempDir()
    let f = d.appendingPathComponent("gen.json").path
    let g = try CLI.run(["generate", "--family", "prescribed", "--n", "4", "--count", "3", "-o", f])
    #expect(g.status == 0, "\(g.stderr)")
    let fixtures = try loadFixtures(paths: [f]).get()
    #expect(fixtures[0].batchCount == 3 && fixtures[0].n == 4)
    #expect(try CLI.run(["check", f, "--transform", "safe-softplus", "--beta", "5"]).status == 0)
  }

  @Test func selftestPasses() throws {
    let r = try CLI.run(["selftest"])
    #expect(r.status == 0, "\(r.stdout)")
    #expect(r.stdout.contains("every injected bug caught"))
  }

  /// The peak memory of a sweep does not grow with its cases (README, limits): results are
  /// streamed to their files, not held. Measured with wait4 on the child (its own peak
  /// RSS), comparing a sweep of 192 cases with one of 2304: the old design, which held
  /// every case and encoded results.json as one string, grew by about 11 KB per case
  /// (some 25 MB here); streamed, the difference is the window of jobs in flight and the
  /// reports' capped lists, a few MB, and it stays there (40 MB at 100000 cases).
  @Test(.enabled(if: !CLI.binary.contains("-asan") && !CLI.binary.contains("-tsan"),
                 "sanitizer builds keep freed memory in quarantine"))
  func sweepMemoryDoesNotGrowWithCases() throws {
    let d = try CLI.tempDir()
    func peakKB(count: Int) throws -> Int {
      let out = d.appendingPathComponent("c\(count)").path
      let args = ["sweep", "--family", "gaussian", "--n", "3", "--count", "\(count)", "--jobs", "2",
                  "--out", out, "--exit-zero"]
      let (status, kb) = try CLI.spawnMeasuringPeak(args)
      #expect(status == 0)
      let results = try loadResults(out + "/results.json")
      #expect(results.cases.count == 192 * count)
      return kb
    }
    let small = try peakKB(count: 1), large = try peakKB(count: 12)
    #expect(large - small < 14 * 1024, "peak RSS \(small) KB for 192 cases, \(large) KB for 2304")
  }

  /// JUnit from results whose groups are interleaved (not in canonical order): each group's
  /// testcases are gathered from several places of the streamed scratch file, in results
  /// order, so the file equals the JUnit of the same cases with their groups made contiguous.
  @Test func junitFromInterleavedGroups() throws {
    let d = try CLI.tempDir()
    let json = d.appendingPathComponent("r.json").path
    #expect(try CLI.run(["sweep", "--family", "gaussian,symmetric", "--n", "3", "--count", "2",
                         "--transform", "softplus", "--beta", "5", "--json", json, "--exit-zero"]).status == 0)
    let r = try loadResults(json)
    // Alternate the two groups: gaussian, symmetric, gaussian, ...
    let g = r.cases.filter { $0.group == "gaussian" }, s = r.cases.filter { $0.group == "symmetric" }
    #expect(g.count == s.count && g.count > 4)
    var mixed = r
    mixed.cases = zip(s, g).flatMap { [$0, $1] }
    var grouped = r
    grouped.cases = g + s
    for (name, results) in [("mixed", mixed), ("grouped", grouped)] {
      try writeAtomically(encodeResults(results), to: d.appendingPathComponent("\(name).json").path)
      let rep = try CLI.run(["report", d.appendingPathComponent("\(name).json").path,
                             "--junit", d.appendingPathComponent("\(name).xml").path, "--exit-zero"])
      #expect(rep.status == 0, "\(rep.stderr)")
    }
    let mixedXML = try String(contentsOf: d.appendingPathComponent("mixed.xml"), encoding: .utf8)
    #expect(mixedXML == (try String(contentsOf: d.appendingPathComponent("grouped.xml"), encoding: .utf8)))
    #expect(mixedXML.components(separatedBy: "<testsuite ").count == 3)
  }

  @Test func sigintLeavesNoReportAndExits130() throws {
    let d = try CLI.tempDir()
    let r = try CLI.interrupt(["sweep", "--family", "all", "--n", "5", "--count", "50", "--jobs", "1", "--out", d.path]) {
      Thread.sleep(forTimeInterval: 2)
      return true
    }
    #expect(r.status == 130)
    #expect(r.stderr.contains("interrupted"))
    #expect(CLI.files(in: d).isEmpty, "\(CLI.files(in: d))")
  }

  @Test func sigtermLeavesNoReportAndExits143() throws {
    let d = try CLI.tempDir()
    let r = try CLI.interrupt(
      ["sweep", "--family", "all", "--n", "5", "--count", "50", "--jobs", "2", "--out", d.path], signal: SIGTERM
    ) {
      Thread.sleep(forTimeInterval: 2)
      return true
    }
    let e = r.stderr
    #expect(r.status == 143, "\(e)")
    #expect(e.contains("gradcheck: interrupted (SIGTERM) after "), "\(e)")
    #expect(e.hasSuffix(" of 1750 matrices; no report was written\n"), "\(e)")
    #expect(!e.contains("ThreadSanitizer"), "\(e)")
    #expect(CLI.files(in: d).isEmpty, "\(CLI.files(in: d))")
  }

  /// check and sweep write the behaviour curves of the transforms and betas they ran (at
  /// the run's parameters), eig none; report and merge carry them into their outputs.
  @Test func behaviourCurvesWrittenAndCarried() throws {
    let d = try CLI.tempDir()
    func path(_ n: String) -> String { d.appendingPathComponent(n).path }
    let sweep = try CLI.run([
      "sweep", "--family", "gaussian", "--n", "3", "--count", "1", "--transform", "softplus,leaky",
      "--beta", "2,20", "--slope", "0.1", "--out", path("s"), "--exit-zero",
    ])
    #expect(sweep.status == 0, "\(sweep.stderr)")
    let r = try loadResults(path("s/results.json"))
    #expect(r.curves.map(\.transform) == [.softplus, .softplus, .leaky, .leaky])
    #expect(r.curves.map(\.beta) == [2, 20, 2, 20])
    let leaky = r.curves[2]
    let k = try #require(leaky.u.firstIndex(of: -1))
    #expect(abs(leaky.margin[k] + 0.1) < 1e-15 && leaky.dx[k] == 0.1)  // --slope reaches the curves
    let html = try String(contentsOfFile: path("s/report.html"), encoding: .utf8)
    #expect(html.components(separatedBy: "<figure class=\"curves\">").count - 1 == 2)
    let md = try String(contentsOfFile: path("s/report.md"), encoding: .utf8)
    #expect(md.contains("## Behaviour curves"))

    // report renders the same reports from the results file alone.
    #expect(try CLI.run(["report", path("s/results.json"), "--title", "gradcheck sweep", "--html", path("r.html"), "--markdown", path("r.md"), "--exit-zero"]).status == 0)
    #expect(try String(contentsOfFile: path("r.html"), encoding: .utf8) == html)
    #expect(try String(contentsOfFile: path("r.md"), encoding: .utf8) == md)

    // merge: the union of the parts' curves.
    let check = try CLI.run([
      "check", "fixtures/forum-example.json", "--transform", "where", "--beta", "2", "--json", path("c.json"),
      "--exit-zero", "--seed", "0",
    ])
    #expect(check.status == 0, "\(check.stderr)")
    #expect(try loadResults(path("c.json")).curves.map(\.transform) == [.where])
    let m = try CLI.run(["merge", path("s/results.json"), path("c.json"), "--json", path("m.json"), "--exit-zero"])
    #expect(m.status == 0, "\(m.stderr)")
    let merged = try loadResults(path("m.json"))
    #expect(merged.curves.map(\.transform) == [.where, .softplus, .softplus, .leaky, .leaky])
    #expect(Array(merged.curves.dropFirst()) == r.curves)

    // eig runs no transform: no curves.
    #expect(try CLI.run(["eig", "--family", "gaussian", "--n", "3", "--count", "1", "--json", path("e.json")]).status == 0)
    #expect(try loadResults(path("e.json")).curves.isEmpty)
    #expect(!(try String(contentsOfFile: path("e.json"), encoding: .utf8)).contains("curves"))
  }
}

@Suite("HTML report in a real browser")
struct BrowserTests {
  static var chromium: String? {
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    where FileManager.default.isExecutableFile(atPath: p) { return p }
    return nil
  }

  /// Renders the fixtures' HTML report in headless Chromium and checks the
  /// screenshot is not blank. A blank 1280x900 page compresses to about 10 KB
  /// of PNG; the report's summary, tables and charts give several times that.
  @Test(.enabled(if: chromium != nil, "no Chromium installed (make test installs it when run as root)"))
  func htmlReportRendersInChromium() throws {
    let d = try CLI.tempDir()
    #expect(try CLI.run(["check", "fixtures/forum-example.json", "--transform", "all", "--beta", "1,5", "--html", d.appendingPathComponent("r.html").path]).status == 0)
    let png = d.appendingPathComponent("shot.png")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Self.chromium!)
    p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--screenshot=\(png.path)", "--window-size=1280,900",
                   "file://" + d.appendingPathComponent("r.html").path]
    p.standardOutput = Pipe()
    p.standardError = Pipe()
    try p.run()
    p.waitUntilExit()
    let data = try Data(contentsOf: png)
    #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    #expect(data.count > 30_000, "screenshot is \(data.count) bytes: blank page?")
  }
}
