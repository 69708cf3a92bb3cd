import ArgumentParser
import GradCheckCore
import GradcheckIO
import GradcheckModel
import ProcessControl
import Reporting
import Spectral

/// Where a run writes, checked before any work starts (an output path that
/// cannot be written is an input error, exit 2, and nothing is computed).
struct OutputPlan {
  var json: String?
  var markdown: String?
  var html: String?
  var junit: String?
  /// `--baseline`: the comparison every streamed case joins (read before any work).
  var baseline: Baseline?

  init(_ o: OutputOptions, results: Bool = true) throws {
    self.init(json: results ? o.json : nil, markdown: o.markdown, html: o.html, junit: o.junit, out: o.out)
    try check(out: o.out)
    if let path = o.baseline { baseline = try Baseline(path: path) }
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

  /// Renders and writes every requested file atomically (through `OutputStream`, so the
  /// bytes are those of a streamed run with the same cases).
  func write(_ results: Results, title: String) throws {
    let stream = try OutputStream(
      self, seed: results.seed, version: results.version, title: title, curves: results.curves)
    do {
      for c in results.cases { try stream.add(c) }
      try stream.finish()
    } catch {
      stream.discard()
      throw error
    }
  }
}

/// A baseline run's ids and statuses, and the comparison of the cases streamed since
/// (shared by the plan and its `OutputStream`).
final class Baseline {
  let path: String
  var comparison = BaselineComparison()

  /// Reads the baseline case by case; a problem is an input error (exit 2).
  init(path: String) throws {
    self.path = path
    let reader = try openResults(path)
    while let c = try nextCase(reader) { comparison.addBaseline(id: c.id, status: c.status) }
  }
}

/// The requested output files of a run, written case by case as the cases come (in
/// results order), holding no case: results.json is encoded straight into a scratch file
/// (`ResultsStreamWriter`), each JUnit `testcase` into another (`JUnitLayout`), and the
/// Markdown and HTML reports keep only what they show (`ReportAccumulator`). `finish`
/// writes every file atomically, in the order results.json, Markdown, HTML, JUnit; until
/// then nothing exists at the final paths, and the scratch files have no name, so an
/// interrupted or failed run leaves no file behind.
final class OutputStream {
  let plan: OutputPlan
  let title: String
  private(set) var summary = Summary()
  private var results: ResultsStreamWriter?
  private var reports: ReportAccumulator?
  private var junit: (layout: JUnitLayout, body: ScratchFile)?
  /// Byte ranges of each group's `testcase` elements in the JUnit scratch file.
  private var junitRanges: [String: [Range<Int>]] = [:]
  /// Behaviour curves read from results (`report`, `merge`), written as they are.
  private let givenCurves: [BehaviourCurve]
  /// With the parameters of a run of built-in transforms, the (transform, beta) pairs of
  /// its cases, whose behaviour curves `finish` computes.
  private let curveParameters: TransformParameters?
  private var curvePairs: [TransformKind: Set<Double>] = [:]

  /// `curves`: curves to write as given; `curvesFor`: the transform parameters of a run
  /// whose cases get behaviour curves (one per transform and beta of a case).
  init(
    _ plan: OutputPlan, seed: UInt64, version: String = gradcheckVersion, title: String,
    curves: [BehaviourCurve] = [], curvesFor parameters: TransformParameters? = nil
  ) throws {
    self.plan = plan
    self.title = title
    givenCurves = curves
    curveParameters = parameters
    do {
      if let json = plan.json { results = try ResultsStreamWriter(path: json, seed: seed, version: version) }
      if plan.markdown != nil || plan.html != nil {
        reports = ReportAccumulator(seed: seed, version: version)
      }
      if let path = plan.junit { junit = (JUnitLayout(seed: seed, version: version), try ScratchFile(for: path)) }
    } catch {
      discard()
      throw InputError(message: "cannot write \(error.description)")
    }
  }

  /// Adds the next case to every requested output.
  func add(_ c: CaseResult) throws {
    summary.add(c.status)
    if curveParameters != nil, let t = c.transform, let b = c.beta { curvePairs[t, default: []].insert(b) }
    reports?.add(c)
    plan.baseline?.comparison.add(id: c.id, status: c.status)
    do {
      try results?.add(c)
      if var j = junit {
        junit = nil  // keep the layout uniquely referenced while it is changed
        let (group, text) = j.layout.add(c)
        let start = j.body.size
        try j.body.append(text)
        let end = j.body.size
        if let last = junitRanges[group]?.last, last.upperBound == start {
          junitRanges[group]![junitRanges[group]!.count - 1] = last.lowerBound..<end
        } else {
          junitRanges[group, default: []].append(start..<end)
        }
        junit = j
      }
    } catch {
      throw InputError(message: "cannot write \(error.description)")
    }
  }

  /// Writes every requested file atomically.
  func finish() throws {
    defer { discard() }
    if let b = plan.baseline { reports?.baseline = (b.comparison, b.path) }
    let curves = BehaviourCurve.union([givenCurves, computedCurves()])
    results?.curves = curves
    reports?.curves = curves
    do {
      try results?.finish()
      if let path = plan.markdown, let reports { try writeAtomically(reports.markdown(title: title), to: path) }
      if let path = plan.html, let reports { try writeAtomically(reports.html(title: title), to: path) }
      if let path = plan.junit, let (layout, body) = junit {
        let ranges = junitRanges
        try writeAtomically(to: path) { (out) throws(FileError) in
          try out.write(layout.head(suiteName: title))
          for g in layout.groups {
            try out.write(layout.suiteHead(g))
            for r in ranges[g] ?? [] { try out.copy(r, of: body) }
            try out.write(JUnitLayout.suiteTail)
          }
          try out.write(JUnitLayout.tail)
        }
      }
    } catch {
      throw InputError(message: "cannot write \(error.description)")
    }
  }

  /// The behaviour curves of the (transform, beta) pairs of the cases (see `init`).
  private func computedCurves() -> [BehaviourCurve] {
    guard let parameters = curveParameters else { return [] }
    return curvePairs.flatMap { (t, betas) in betas.map { behaviourCurve(t, beta: $0, parameters: parameters) } }
  }

  /// Gives up: frees the scratch files; nothing (more) is written.
  func discard() {
    results?.discard()
    junit?.body.close()
  }
}

/// The one-line summary that ends every run, and the exit code (see docs/cli.md).
func finishRun(_ results: Results, command: String, strict: Bool, exitZero: Bool, extra: String = "") throws {
  try finishRun(results.summary, command: command, strict: strict, exitZero: exitZero, extra: extra)
}

/// `finishRun` from the counts alone.
///
/// With a baseline the exit code comes from the comparison of the run with it
/// (`finishComparison`), not from the run's own failures.
func finishRun(
  _ s: Summary, command: String, strict: Bool, exitZero: Bool, extra: String = "",
  baseline: Baseline? = nil
) throws {
  if let baseline {
    var line = "gradcheck \(command): \(s.cases) cases: \(s.pass) pass, \(s.warn) warn, \(s.fail) fail, \(s.skip) skip"
    if s.xfail > 0 || s.xpass > 0 { line += ", \(s.xfail) xfail, \(s.xpass) xpass" }
    print(line + extra)
    return try finishComparison(baseline.comparison, command: command, strict: strict, exitZero: exitZero)
  }
  var line = "gradcheck \(command): \(s.cases) cases: \(s.pass) pass, \(s.warn) warn, \(s.fail) fail, \(s.skip) skip"
  if s.xfail > 0 || s.xpass > 0 { line += ", \(s.xfail) xfail, \(s.xpass) xpass" }
  line += extra
  let failing = s.failsRun(strict: strict)
  line += failing ? (exitZero ? " (failures reported, --exit-zero)" : " -> FAIL") : " -> OK"
  print(line)
  if failing && !exitZero { throw ExitCode(1) }
}

/// Runs `blocks` (lists of item indices) on `threads` worker threads with a progress bar
/// over `total` items, and writes the cases each block returns to the outputs of `plan`
/// through an `OutputStream`, in block order as they come: at most `8 * threads` blocks'
/// cases are held at once (`ParallelRunner.forEachInOrder`), so memory does not grow with
/// the number of cases. Eight per thread, not two: blocks cost very different amounts (a
/// sweep's N = 16 matrix takes about 1000 times an N = 2 one, and in canonical order one
/// comes every six blocks), and a worker can run ahead of the oldest unwritten block only
/// within the window; with two per thread the second worker idled while the first held an
/// N = 16 block (default sweep 1.3x on 2 cores, now 1.8x; peak RSS 36 -> 55 MB). `work` must return a block's cases in canonical order and the
/// blocks must follow one another in it (the caller's ordering, see `canonicalBlocks`);
/// `seen` sees every case as it is written. An interrupt stops the run, removes what was
/// streamed and throws `RunInterrupted` (the command exits 130 or 143 with no output file
/// written); an error does the same and is rethrown.
func streamBlocks(
  _ blocks: [[Int]], total: Int, label: String, threads: Int, plan: OutputPlan, seed: UInt64,
  title: String, curvesFor parameters: TransformParameters? = nil, cost: (([Int]) -> Double)? = nil,
  _ work: @escaping @Sendable ([Int], inout SpectralEvaluator) -> [CaseResult],
  seen: (CaseResult) -> Void, failure: (@Sendable () -> (any Error)?)? = nil
) throws -> Summary {
  let progress = Progress(total: total, label: label)
  let stream = try OutputStream(plan, seed: seed, title: title, curvesFor: parameters)
  let finished = JobCount()
  let threads = max(1, threads)
  let outcome: ParallelRunner.StreamOutcome
  do {
    outcome = try ParallelRunner(threads: threads).forEachInOrder(
      blocks, window: 8 * threads, cost: cost, shouldStop: { interruptRequested() || failure?() != nil },
      { block, _, ev in
        let cases = work(block, &ev)
        progress.update(finished.add(block.count))
        return cases
      },
      consume: { (_, cases: [CaseResult]) throws in
        if let error = failure?() { throw error }
        for c in cases {
          try stream.add(c)
          seen(c)
        }
      })
  } catch {
    progress.finish()
    stream.discard()
    if error is Interrupt.Stop { throw RunInterrupted(done: finished.value, total: total) }
    throw error
  }
  progress.finish()
  if let error = failure?() {
    stream.discard()
    throw error
  }
  if outcome.stopped || interruptRequested() {
    stream.discard()
    throw RunInterrupted(done: finished.value, total: total)
  }
  do {
    try stream.finish()
  } catch {
    stream.discard()
    throw error
  }
  return stream.summary
}
