import ArgumentParser
import Dispatch
import EigenCore
import GradCheckCore
import GradcheckIO
import GradcheckModel
import Spectral
import ExecSource
import ProcessControl
import ExternalEvaluator

extension GradCheck {
  /// `gradcheck check PATH...`: every case of the fixture files (or of the
  /// `*.json` files found in folders).
  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check fixture files (or folders searched for *.json).")

    @Argument(help: "Fixture files or folders.")
    var paths: [String]

    @OptionGroup var options: CommonOptions

    @Option(help: "Only the batch element with this index (0-based) of each fixture (for repro commands).")
    var index: Int?

    func validate() throws {
      if paths.isEmpty { throw ValidationError("give at least one fixture file or folder") }
      if let index, index < 0 { throw ValidationError("--index: expected a whole number >= 0") }
    }

    func run() throws {
      let plan = try OutputPlan(options.output)
      let fixtures = try loadOrExplain(paths)
      if let index {
        let short = fixtures.filter { index >= $0.batchCount }
        for f in short { writeStderr("\(f.path): --index \(index): the batch has \(f.batchCount) matrices\n") }
        if !short.isEmpty { throw InputError(message: "--index \(index) is past the end of \(short.count) fixture\(short.count == 1 ? "" : "s"); nothing was run") }
      }
      let jobs = fixtures.flatMap { fixtureJobs($0, options: options) }
        .filter { job in index.map { job.xs[0].index == $0 } ?? true }
      let run = try runJobs(jobs, options: options, label: "check", plan: plan, title: "gradcheck check")
      try finishRun(run.summary, command: "check", strict: options.output.strict, exitZero: options.output.exitZero,
                    extra: run.solvesNote,
                    baseline: plan.baseline)
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
  let outcomes = f.outcomes
  return (0..<f.batchCount).map { b in
    let expect = f.expect.isEmpty ? nil : Expectation(
      values: f.expect, element: b, transform: ownTransform, beta: ownBeta,
      spectral: f.spectral ?? .minRealEigenvalue, dtype: f.dtype)
    return MatrixJob(
      y: Matrix(f.y[b]), xs: [XCase(index: b, x: f.x[b], expect: expect)], name: f.name,
      source: f.path, transforms: f.transforms, betas: f.betas, spectral: f.spectral,
      outcomes: outcomes, repro: "gradcheck check \(shellQuote(f.path)) --index \(b)")
  }
}

/// Runs jobs on the worker threads with a progress bar on a terminal and writes the
/// outputs of `plan` as the cases come, in canonical order (`canonicalBlocks`), through an
/// `OutputStream`: at most a few jobs' cases per worker thread are held at once
/// (`ParallelRunner.forEachInOrder`), so memory does not grow with the number of cases.
/// An interrupt stops the run, removes what was streamed and exits (130 or 143) with no
/// output file written.
func runJobs(
  _ jobs: [MatrixJob], options: CommonOptions, label: String, plan: OutputPlan, title: String
) throws -> (summary: Summary, solvesNote: String) {
  let engineOptions = options.engineOptions()
  guard let command = engineOptions.exec.command else {
    let engine = CheckEngine(options: engineOptions, referenceCheck: referenceSolverCheck)
    return try runEngine(engine, jobs, options: options, label: label, plan: plan, title: title)
  }
  let threads = min(options.threads, max(1, jobs.count))
  let pool: ExternalEvaluatorPool
  do {
    pool = try ExternalEvaluatorPool.start(
      command: command, workers: threads, timeout: engineOptions.exec.timeout, wake: Interrupt.wakeDescriptor)
  } catch {
    // An interrupt during the handshakes is an interrupt (exit 130/143), not a fault.
    try Interrupt.check()
    throw InputError(message: error.description)
  }
  // Also on an error or an interrupt (the run unwinds): an interrupted run does not wait.
  defer { pool.shutDown(grace: interruptRequested() ? 0 : ExternalEvaluator.defaultShutdownGrace) }
  let fault = RunFault()
  let source = ExternalSource(
    pool: pool, fault: fault, maxPoints: engineOptions.exec.batch, reference: engineOptions.transforms?.first)
  let engine = CheckEngine(options: engineOptions, sources: [source], referenceCheck: referenceSolverCheck)
  let (summary, solvesNote) = try runEngine(
    engine, jobs, options: options, label: label, plan: plan, title: title,
    // Once the run is interrupted, the evaluators' "interrupted" answers are no fault: the
    // run exits as interrupted (130/143).
    failure: { interruptRequested() ? nil : fault.error.map { InputError(message: $0.description) } })
  return (summary, solvesNote + " (\(pool.pointsAnswered) points evaluated by \(pool.identity.name))")
}

/// Runs the engine over the jobs, streaming the outputs (see `runJobs`).
func runEngine(
  _ engine: CheckEngine, _ jobs: [MatrixJob], options: CommonOptions, label: String, plan: OutputPlan,
  title: String, failure: (@Sendable () -> (any Error)?)? = nil
) throws -> (summary: Summary, solvesNote: String) {
  var solves = SolveCounter()
  let summary = try streamBlocks(
    canonicalBlocks(jobs), total: jobs.count, label: label, threads: options.threads, plan: plan,
    seed: options.seed, title: title, curvesFor: engine.options.parameters,
    cost: { block in block.reduce(0.0) { total, j in let n = Double(jobs[j].y.rows); return total + n * n * n } },
    { block, ev in
      // The block's jobs in their given order, their cases in canonical order.
      var cases: [CaseResult] = []
      for j in block { cases += engine.run(jobs[j], evaluator: &ev) }
      cases.sort(by: CaseResult.canonicalOrder)
      return cases
    },
    seen: { solves.add($0) }, failure: failure)
  return (summary, solves.note)
}

/// The jobs' indices in blocks whose cases, each block's sorted on its own and the blocks
/// in order, are in the canonical order of results (`CaseResult.canonicalOrder`), so a run
/// streams its results without sorting them all. A case's group, N and index come from its
/// job (`source ?? family`, the matrix order, the x case's index), and the canonical order
/// sorts by those first: the jobs are sorted by (group, N, smallest index) and a block is a
/// run of jobs of one group and N whose index ranges overlap (almost always a single job).
/// Within a block the jobs keep their given order, so ties sort as a stable sort of all
/// the cases in job order would.
func canonicalBlocks(_ jobs: [MatrixJob]) -> [[Int]] {
  struct Key {
    var group: String
    var n: Int
    var low: Int
    var high: Int
    /// The leading fields of the canonical order (group, N, smallest index).
    var order: CaseOrderKey { CaseOrderKey(group: group, n: n, index: low) }
  }
  let keys = jobs.map { j -> Key in
    let indices = j.xs.map(\.index)
    return Key(group: j.source ?? j.family ?? "cases", n: j.y.rows, low: indices.min() ?? Int.max,
               high: indices.max() ?? Int.min)
  }
  let order = jobs.indices.sorted { a, b in
    let ka = keys[a].order, kb = keys[b].order
    return ka != kb ? ka < kb : a < b
  }
  var blocks: [[Int]] = []
  var high = Int.min
  for j in order {
    let k = keys[j]
    if let last = blocks.last?.last, keys[last].group == k.group, keys[last].n == k.n, k.low <= high {
      blocks[blocks.count - 1].append(j)
      high = max(high, k.high)
    } else {
      blocks.append([j])
      high = k.high
    }
  }
  return blocks.map { $0.sorted() }
}

/// Jobs finished so far, counted from the worker threads.
final class JobCount: @unchecked Sendable {
  private var count = 0
  private let lock = DispatchSemaphore(value: 1)

  /// Adds `n` and returns the new count.
  func add(_ n: Int) -> Int {
    lock.wait()
    defer { lock.signal() }
    count += n
    return count
  }

  var value: Int {
    lock.wait()
    defer { lock.signal() }
    return count
  }
}

/// Eigen solves of a run, for the summary line: solves are per matrix and every case of a
/// matrix carries its matrix's count, so each (group, index, N, x) counts once. Cases come in
/// canonical order, where the cases of one (group, N, index) follow one another, so only
/// the current one's keys are held.
struct SolveCounter {
  private var total = 0
  private var current: (group: String, n: Int, index: Int)?
  private var perMatrix: [String: Int] = [:]

  mutating func add(_ c: CaseResult) {
    guard let s = c.eigenSolves else { return }
    if let cur = current, cur.group != c.group || cur.n != c.n || cur.index != c.index {
      flush()
    }
    current = (c.group, c.n, c.index)
    perMatrix["\(c.group)#\(c.index)#\(c.n)#\(c.x ?? 0)"] = s
  }

  private mutating func flush() {
    total += perMatrix.values.reduce(0, +)
    perMatrix.removeAll(keepingCapacity: true)
  }

  /// ` (K eigen solves)`, or "" when none were counted.
  var note: String {
    var copy = self
    copy.flush()
    return copy.total > 0 ? " (\(copy.total) eigen solves)" : ""
  }
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
