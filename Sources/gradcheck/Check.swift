import ArgumentParser
import EigenCore
import GradCheckCore
import GradcheckIO
import GradcheckModel
import Spectral

extension GradCheck {
  /// `gradcheck check PATH...`: every case of the fixture files (or of the
  /// `*.json` files found in folders).
  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check fixture files (or folders searched for *.json).")

    @Argument(help: "Fixture files or folders.")
    var paths: [String]

    @OptionGroup var options: CommonOptions

    func validate() throws {
      if paths.isEmpty { throw ValidationError("give at least one fixture file or folder") }
    }

    func run() throws {
      let plan = try OutputPlan(options.output)
      let fixtures = try loadOrExplain(paths)
      let jobs = fixtures.flatMap { fixtureJobs($0, options: options) }
      let results = runJobs(jobs, options: options, label: "check")
      try plan.write(results, title: "gradcheck check")
      try finishRun(results, command: "check", strict: options.output.strict, exitZero: options.output.exitZero,
                    extra: solvesNote(results))
    }
  }
}

/// Loads fixtures; every problem of every file goes to stderr, then exit 2.
func loadOrExplain(_ paths: [String]) throws -> [Fixture] {
  switch loadFixtures(paths: paths) {
  case .success(let f):
    // Limits (README): N and the batch size.
    var problems: [String] = []
    for fx in f {
      if fx.n > maxGeneratedN {
        problems.append("\(fx.path): y: N = \(fx.n) exceeds the largest supported N (\(maxGeneratedN))")
      }
      if fx.batchCount > maxBatch {
        problems.append("\(fx.path): y: \(fx.batchCount) matrices exceed the largest supported batch (\(maxBatch))")
      }
    }
    if !problems.isEmpty {
      for p in problems { writeStderr(p + "\n") }
      throw InputError(message: "\(problems.count) problem\(problems.count == 1 ? "" : "s") in the input; nothing was run")
    }
    return f
  case .failure(let errors):
    for p in errors.problems { writeStderr("\(p.description)\n") }
    throw InputError(message: "\(errors.problems.count) problem\(errors.problems.count == 1 ? "" : "s") in the input; nothing was run")
  }
}

/// One job per batch element of a fixture.
func fixtureJobs(_ f: Fixture, options: CommonOptions) -> [MatrixJob] {
  let ownTransform = f.transforms?.count == 1 ? f.transforms![0] : nil
  let ownBeta = f.betas?.count == 1 ? f.betas![0] : nil
  let outcomes = f.outcomes.map {
    OutcomeRule(index: $0.index, transform: $0.transform, beta: $0.beta, check: $0.check, status: $0.status)
  }
  return (0..<f.batchCount).map { b in
    var expect: ExpectedValues? = nil
    if !f.expect.isEmpty {
      let hasOwn = ownTransform != nil && ownBeta != nil
      expect = ExpectedValues(
        lambdaMin: f.expect.lambdaMin?[b],
        xCond: hasOwn ? f.expect.xCond?[b] : nil,
        gradX: hasOwn ? f.expect.gradX?[b] : nil,
        gradY: hasOwn ? f.expect.gradY.map { Matrix($0[b]) } : nil,
        transform: ownTransform, beta: ownBeta, dtype: f.dtype,
        spectral: f.spectral ?? .minRealEigenvalue)
    }
    return MatrixJob(
      y: Matrix(f.y[b]), xs: [XCase(index: b, x: f.x[b], expect: expect)], name: f.name,
      source: f.path, transforms: f.transforms, betas: f.betas, spectral: f.spectral,
      outcomes: outcomes, repro: "gradcheck check \(shellQuote(f.path))\(options.reproSuffix)")
  }
}

/// Runs jobs on the worker threads with a progress bar on a terminal; an
/// interrupt stops the run before anything is written (exit 130).
func runJobs(_ jobs: [MatrixJob], options: CommonOptions, label: String) -> Results {
  let engine = CheckEngine(options: options.engineOptions(), referenceCheck: referenceSolverCheck)
  let progress = Progress(total: jobs.count, label: label)
  let runner = ParallelRunner(threads: options.threads)
  let perJob = runner.map(jobs, progress: { done in progress.update(done) }, shouldStop: { interruptRequested() }) {
    job, _, ev in engine.run(job, evaluator: &ev)
  }
  progress.finish()
  if interruptRequested() { exitInterrupted(done: perJob.compactMap { $0 }.count, total: jobs.count) }
  let cases = perJob.compactMap { $0 }.flatMap { $0 }.sorted(by: CaseResult.canonicalOrder)
  return Results(seed: options.seed, cases: cases)
}

func solvesNote(_ r: Results) -> String {
  // Solves are per matrix; every case of a matrix carries its matrix's count.
  var perMatrix: [String: Int] = [:]
  for c in r.cases {
    if let s = c.eigenSolves { perMatrix["\(c.group)#\(c.index)#\(c.n)#\(c.x ?? 0)", default: 0] = s }
  }
  let total = perMatrix.values.reduce(0, +)
  return total > 0 ? " (\(total) eigen solves)" : ""
}

func shellQuote(_ s: String) -> String {
  let safe = s.unicodeScalars.allSatisfy {
    ($0.value < 128) && ("a"..."z" ~= Character($0) || "A"..."Z" ~= Character($0) || "0"..."9" ~= Character($0) || "-_./=,".unicodeScalars.contains($0))
  }
  return safe ? s : "'" + s.replacingAll("'", with: "'\\''") + "'"
}

extension String {
  func replacingAll(_ a: String, with b: String) -> String {
    var out = ""
    var rest = self[...]
    while let r = rest.range(of: a) {
      out += rest[..<r.lowerBound]
      out += b
      rest = rest[r.upperBound...]
    }
    return out + rest
  }
}

extension Substring {
  func range(of needle: String) -> Range<Substring.Index>? {
    guard !needle.isEmpty else { return nil }
    var i = startIndex
    while i < endIndex {
      if self[i...].hasPrefix(needle) { return i..<index(i, offsetBy: needle.count) }
      i = index(after: i)
    }
    return nil
  }
}
