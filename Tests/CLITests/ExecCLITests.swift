import Foundation
import GradcheckIO
import GradcheckModel
import Testing

/// `--exec` end to end: the built binary against real evaluator processes (the NumPy
/// example, evaluators with injected bugs, evaluators that break the protocol).
@Suite("gradcheck --exec", .serialized)
struct ExecCLITests {
  static let numpy = "python3 examples/numpy_evaluator.py"
  static let buggy = "python3 Tests/ExternalEvaluatorTests/Evaluators/buggy_evaluator.py"
  static let misbehaving = "python3 Tests/ExternalEvaluatorTests/Evaluators/misbehaving_evaluator.py"

  /// Runs the binary with `--json` into a fresh folder; returns the run and the results.
  func run(_ args: [String]) throws -> (CLI.Run, Results?, URL) {
    let d = try CLI.tempDir()
    let json = d.appendingPathComponent("results.json").path
    let r = try CLI.run(args + ["--json", json])
    let results = FileManager.default.fileExists(atPath: json) ? try loadResults(json) : nil
    return (r, results, d)
  }

  /// Checks that can only fail through a wrong program (the others describe the transform).
  static let correctness: [CheckName] = [.finite, .gradient, .taylor, .solver, .reference, .evaluate, .expect]

  @Test(arguments: ["float64", "float32"])
  func numpyEvaluatorPassesEveryCorrectnessCheck(dtype: String) throws {
    let exec = "\(Self.numpy) --transform softplus --dtype \(dtype)"
    for args in [
      ["check", "fixtures/forum-example.json", "--beta", "5"],
      ["sweep", "--family", "gaussian,symmetric", "--n", "3", "--count", "2", "--beta", "1,5,20"],
    ] {
      let (r, results, _) = try run(args + ["--exec", exec, "--transform", "softplus"])
      #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
      let cases = try #require(results).cases
      #expect(!cases.isEmpty)
      for c in cases {
        #expect(c.evaluator == "numpy-softplus")
        #expect(c.transform == nil)
        #expect(c.dtype == (dtype == "float32" ? .float32 : nil))
        #expect(c.repro.contains("--exec '\(exec)' --transform softplus"))
        #expect(c.checks[.reference] != nil)
        for name in Self.correctness {
          #expect(c.checks[name]?.status != .fail, "\(c.id) \(name): \(c.checks[name]?.message ?? "")")
        }
      }
      if dtype == "float32" {
        #expect(cases.contains { $0.checks[.gradient]?.message.contains("float32 tolerances") == true })
      }
    }
  }

  /// Every family of the default sweep, the zero matrix included, goes through the
  /// NumPy evaluator to the end: no point is refused (requests carry finite numbers only,
  /// and none of the engine's points may overflow), and the run's verdict is 0 or 1.
  @Test func theDefaultSweepAtOrderThreeRunsThroughTheEvaluator() throws {
    let (r, results, _) = try run(["sweep", "--n", "3", "--exec", "\(Self.numpy) --transform where", "--transform", "where"])
    #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
    #expect(!r.stderr.contains("Warning"), "\(r.stderr)")
    let cases = try #require(results).cases
    #expect(cases.count == 35 * 8 * 6)
    #expect(cases.contains { $0.family == "lapack-1" && $0.checks[.gradient]?.status == .pass })
  }

  @Test(arguments: ["grad-y-transposed", "grad-x-sign", "stale-gradient", "grad-y-scaled"])
  func injectedGradientBugsFailGradient(bug: String) throws {
    let (r, results, _) = try run([
      "sweep", "--family", "gaussian", "--n", "3", "--count", "2", "--x-case", "feasible,large", "--beta", "1,5",
      "--exec", "\(Self.buggy) --bug \(bug) --transform softplus",
    ])
    #expect(r.status == 1, "\(r.stderr)")
    let cases = try #require(results).cases
    #expect(cases.contains { $0.checks[.gradient]?.status == .fail }, "\(bug) was not caught")
  }

  /// The original question's bug: complex eigenvalues masked with 1.0. On a matrix whose
  /// real eigenvalue (2) exceeds 1 the program takes s = 1; its gradient is consistent with
  /// its own values, so only the comparison with the built-in transform catches it.
  @Test func maskingWithOneFailsReferenceNotGradient() throws {
    let d = try CLI.tempDir()
    let fixture = d.appendingPathComponent("complex-pair.json")
    try """
      {"format": "gradcheck-fixture/1", "name": "complex-pair", "x": [0.5],
       "y": [[[2.0, 0.1, 0.2], [0.3, 1.0, -3.0], [-0.1, 3.0, 1.0]]]}
      """.write(to: fixture, atomically: true, encoding: .utf8)
    // The correct program passes `reference` on the same matrix.
    for (bug, refStatus) in [("mask-one", Status.fail), ("none", Status.pass)] {
      let exec = bug == "none" ? "\(Self.numpy) --transform softplus" : "\(Self.buggy) --bug \(bug) --transform softplus"
      let (r, results, _) = try run(["check", fixture.path, "--beta", "5", "--transform", "softplus", "--exec", exec])
      #expect(r.status == (bug == "none" ? 0 : 1), "\(r.stdout)\(r.stderr)")
      let c = try #require(results?.cases.first)
      #expect(c.checks[.reference]?.status == refStatus, "\(bug): \(c.checks[.reference]?.message ?? "")")
      if bug == "mask-one" {
        #expect(c.checks[.reference]?.code == "differs-from-reference")
        #expect(c.checks[.gradient]?.status == .pass, "\(c.checks[.gradient]?.message ?? "")")
      }
    }
  }

  /// Processes whose command line contains `tag` (evaluators left running).
  func processes(tagged tag: String) -> [String] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.filter { Int($0) != nil }.compactMap { pid in
      // Zombies (already dead, not yet reaped by their new parent) have an empty cmdline.
      guard let data = Self.readWhole("/proc/\(pid)/cmdline") else { return nil }
      let line = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
      return line.contains(tag) ? pid : nil
    }
  }

  /// A file's bytes by read(2) until end of file. (`FileManager.contents(atPath:)` on a
  /// /proc file, whose size reads as 0, leaks its buffer in this toolchain's Foundation:
  /// LeakSanitizer reported 25 MB over the suite.)
  static func readWhole(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if got < 0 { return nil }
      if got == 0 { return bytes }
      bytes += chunk[..<got]
    }
  }

  @Test(arguments: [
    ("not-json", "expected a JSON object"), ("wrong-id", "id"), ("missing-field", "x_cond"),
    ("wrong-shape", "x_cond"), ("crash", "signal"), ("exit", "exit"), ("hang", "no response within 3 s"),
  ])
  func protocolFaultsStopTheRunWithNothingWritten(fault: String, part: String) throws {
    let d = try CLI.tempDir()
    let tag = "tag-\(UUID().uuidString)"
    let command = "\(Self.misbehaving) \(fault) --on 2 \(tag)"
    // The timeout covers the handshake too: short only for the program that hangs, and
    // long enough for Python to start on a loaded machine.
    let r = try CLI.run([
      "sweep", "--family", "gaussian", "--n", "3", "--count", "2", "--x-case", "feasible", "--beta", "1,5",
      "--jobs", "2", "--exec", command, "--exec-timeout", fault == "hang" ? "3" : "30", "--out", d.path,
    ])
    #expect(r.status == 2, "\(fault): \(r.stdout)\(r.stderr)")
    #expect(r.stderr.contains("external evaluator `\(command)`"), "\(r.stderr)")
    #expect(r.stderr.contains("request 2"), "\(r.stderr)")
    #expect(r.stderr.contains(part), "\(fault): \(r.stderr)")
    #expect(r.stderr.contains("stderr"), "\(r.stderr)")
    #expect(CLI.files(in: d).isEmpty, "\(CLI.files(in: d))")
    // A process killed by the time gradcheck exits may need a moment to be scheduled and
    // die; one left running would stay.
    var left = processes(tagged: tag)
    for _ in 0..<20 where !left.isEmpty {
      usleep(100_000)
      left = processes(tagged: tag)
    }
    #expect(left.isEmpty, "\(fault): evaluator left running: \(left)")
  }

  @Test func aBrokenHandshakeStopsBeforeAnyCase() throws {
    let d = try CLI.tempDir()
    let r = try CLI.run(["check", "fixtures/forum-example.json", "--exec", "\(Self.misbehaving) no-name", "--out", d.path])
    #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
    #expect(r.stderr.contains("handshake"), "\(r.stderr)")
    #expect(CLI.files(in: d).isEmpty)
  }

  /// The processes tagged `tag` still running after up to 2 s.
  func leftRunning(tagged tag: String) -> [String] {
    var left = processes(tagged: tag)
    for _ in 0..<20 where !left.isEmpty {
      usleep(100_000)
      left = processes(tagged: tag)
    }
    return left
  }

  /// SIGINT mid-run: exit 130, nothing written, every evaluator ended.
  @Test func anInterruptEndsEveryEvaluator() throws {
    let d = try CLI.tempDir()
    // The NumPy evaluator takes no free arguments: a random slope (unused by softplus) tags it.
    let tag = "0.01\(UInt32.random(in: 100_000_000...999_999_999))"
    let r = try CLI.interrupt([
      "sweep", "--family", "all", "--n", "5", "--count", "20", "--jobs", "2", "--out", d.path,
      "--exec", "\(Self.numpy) --transform softplus --slope \(tag)",
    ]) {
      Thread.sleep(forTimeInterval: 3)
      return processes(tagged: tag).count >= 2  // one evaluator per worker
    }
    #expect(r.status == 130, "\(r.stderr)")
    #expect(CLI.files(in: d).isEmpty, "\(CLI.files(in: d))")
    let left = leftRunning(tagged: tag)
    #expect(left.isEmpty, "evaluators left running after SIGINT: \(left)")
  }

  /// SIGINT while the programs are still starting (before their handshake): an interrupt
  /// (exit 130), not a protocol fault (exit 2); nothing written, no program left.
  @Test func anInterruptDuringTheHandshakeIsAnInterrupt() throws {
    let d = try CLI.tempDir()
    let tag = "\(UInt32.random(in: 100_000_000...999_999_999))"
    let r = try CLI.interrupt([
      "check", "fixtures/forum-example.json", "--jobs", "2", "--out", d.path,
      "--exec", "\(Self.misbehaving) slow-hello --on \(tag)",
    ]) {
      for _ in 0..<100 where processes(tagged: tag).isEmpty { usleep(100_000) }
      return !processes(tagged: tag).isEmpty
    }
    #expect(r.status == 130, "\(r.stderr)")
    #expect(r.stderr.contains("interrupted (SIGINT)"), "\(r.stderr)")
    #expect(CLI.files(in: d).isEmpty, "\(CLI.files(in: d))")
    let left = leftRunning(tagged: tag)
    #expect(left.isEmpty, "evaluators left running after SIGINT: \(left)")
  }

  @Test func anErrorResponseFailsEvaluateAndTheRunGoesOn() throws {
    let (r, results, _) = try run([
      "check", "fixtures/forum-example.json", "--beta", "5", "--exec", "\(Self.misbehaving) error --on 2",
    ])
    #expect(r.status == 1, "\(r.stderr)")
    let cases = try #require(results).cases
    #expect(cases.count == 2)
    let failed = cases.filter { $0.checks[.evaluate]?.status == .fail }
    #expect(!failed.isEmpty)
    for c in failed { #expect(c.checks[.evaluate]?.code == "evaluator-error") }
  }

  @Test func resultsAreTheSameForEveryJobs() throws {
    var bytes: [Data] = []
    for jobs in ["1", "2"] {
      let (r, _, d) = try run([
        "sweep", "--family", "gaussian", "--n", "3", "--count", "3", "--x-case", "feasible,boundary", "--beta", "5",
        "--jobs", jobs, "--exec", "\(Self.numpy) --transform softplus --dtype float32",
      ])
      #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
      bytes.append(try Data(contentsOf: d.appendingPathComponent("results.json")))
    }
    #expect(bytes[0] == bytes[1])
  }

  @Test func builtinFloat32CarriesItsDtype() throws {
    let (r, results, _) = try run([
      "sweep", "--family", "gaussian", "--n", "3", "--count", "1", "--transform", "softplus,safe-softplus",
      "--beta", "5", "--dtype", "float32",
    ])
    #expect(r.status == 0 || r.status == 1, "\(r.stderr)")
    for c in try #require(results).cases {
      #expect(c.dtype == .float32 && c.id.hasSuffix(" dtype=float32") && c.repro.contains("--dtype float32"))
      #expect(c.checks[.gradient]?.status != .fail, "\(c.id): \(c.checks[.gradient]?.message ?? "")")
      if c.transform == .safeSoftplus { #expect(c.checks[.constraint]?.status == .pass, "\(c.id)") }
    }
  }
}
