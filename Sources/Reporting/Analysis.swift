// Aggregates computed once from results and shared by the Markdown and HTML renderers.
// No maths beyond counting, sorting and medians: the engine has measured everything.

import GradcheckModel

/// Counts of case (or check) statuses in one table cell: a `Summary` with the
/// views the renderers need.
struct StatusCounts: Equatable {
  private var summary = Summary()

  mutating func add(_ s: Status) { summary.add(s) }
  mutating func add(_ other: StatusCounts) { summary += other.summary }

  var pass: Int { summary.pass }
  var warn: Int { summary.warn }
  var fail: Int { summary.fail }
  var skip: Int { summary.skip }
  var xfail: Int { summary.xfail }
  var xpass: Int { summary.xpass }
  var total: Int { summary.cases }
  /// Cases that were checked (not skipped).
  var checked: Int { total - skip }
  /// Cases that passed the run's bar without a warning: `pass` and expected failures.
  var passed: Int { pass + xfail }
  /// Cases that fail the run: `fail` and unexpected passes.
  var failed: Int { fail + xpass }

  init() {}
  init(_ s: Summary) { summary = s }
}

/// The overall verdict of a run, as shown at the top of every report.
enum Verdict {
  case fail, warn, pass, empty

  init(_ s: Summary) {
    if s.fail > 0 || s.xpass > 0 {
      self = .fail
    } else if s.warn > 0 {
      self = .warn
    } else if s.cases == 0 {
      self = .empty
    } else {
      self = .pass
    }
  }

  var label: String {
    switch self {
    case .fail: "✗ FAIL"
    case .warn: "! PASS WITH WARNINGS"
    case .pass: "✓ PASS"
    case .empty: "– NO CASES"
    }
  }

  var cssClass: String {
    switch self {
    case .fail: "fail"
    case .warn: "warn"
    case .pass: "pass"
    case .empty: "skip"
    }
  }

  /// One sentence that states the verdict with its counts.
  func sentence(_ s: Summary) -> String {
    var parts: [String] = []
    if s.fail > 0 { parts.append("\(s.fail) failed") }
    if s.xpass > 0 { parts.append("\(s.xpass) unexpectedly passed") }
    if s.warn > 0 { parts.append("\(s.warn) with warnings") }
    if s.skip > 0 { parts.append("\(s.skip) skipped") }
    if s.xfail > 0 { parts.append("\(s.xfail) failed as expected") }
    let detail = parts.isEmpty ? "" : ": " + parts.joined(separator: ", ")
    switch self {
    case .fail: return "The run fails\(detail) (of \(s.cases) cases)."
    case .warn: return "The run passes with warnings\(detail) (of \(s.cases) cases)."
    case .pass: return "All \(s.cases) cases pass\(detail)."
    case .empty: return "The results hold no cases."
    }
  }
}

/// Symbol of a status: a shape cue that does not rely on colour.
func statusSymbol(_ s: Status) -> String {
  switch s {
  case .pass: "✓"
  case .warn: "!"
  case .fail: "✗"
  case .skip: "–"
  case .xfail: "✓"
  case .xpass: "✗"
  }
}

/// Symbol and name of a status (`✗ fail`).
func statusLabel(_ s: Status) -> String { "\(statusSymbol(s)) \(s.rawValue)" }

/// Long description of a status for summary tables.
func statusDescription(_ s: Status) -> String {
  switch s {
  case .pass: "✓ pass"
  case .warn: "! warn"
  case .fail: "✗ fail"
  case .skip: "– skip"
  case .xfail: "✓ xfail (failed as expected)"
  case .xpass: "✗ xpass (expected failure passed)"
  }
}

/// Name of a transform, or of its absence (eigenvalue-only cases).
/// The row label of a case's transform or evaluator.
func subjectLabel(_ c: CaseResult) -> String { c.transform?.rawValue ?? c.evaluator ?? "none (eig)" }

/// Column or row label of a beta value.
func betaLabel(_ b: Double?) -> String { b.map { "β=\(formatNumber($0))" } ?? "no β" }

/// Bands of s = lambda_min, by sign and magnitude, from most negative to most positive;
/// `undefined` holds cases without a finite s.
struct LambdaBand: Hashable, Comparable {
  /// Magnitude edges of |s|: [0, 1e-8), [1e-8, 1e-4), [1e-4, 1e-2), [1e-2, 0.1), [0.1, 1), [1, inf).
  static let edges: [Double] = [0, 1e-8, 1e-4, 1e-2, 0.1, 1]
  static let edgeLabels = ["0", "1e-8", "1e-4", "1e-2", "0.1", "1"]

  /// Position from 0 (s <= -1) to 11 (s >= 1); 12 is undefined.
  let order: Int

  static let undefined = LambdaBand(order: 12)

  init(order: Int) { self.order = order }

  init(_ s: Double?) {
    guard let s, s.isFinite else { self = .undefined; return }
    let m = abs(s)
    var k = 0  // magnitude band 0...5
    for (i, e) in Self.edges.enumerated() where m >= e { k = i }
    // Negative values (s < 0) take 5 - k; zero and positive values take 6 + k.
    order = s < 0 ? 5 - k : 6 + k
  }

  static func < (a: LambdaBand, b: LambdaBand) -> Bool { a.order < b.order }

  var label: String {
    if order == 12 { return "s undefined" }
    let k = order < 6 ? 5 - order : order - 6
    let lo = Self.edgeLabels[k]
    let hi: String? = k + 1 < Self.edgeLabels.count ? Self.edgeLabels[k + 1] : nil
    if order < 6 {
      guard let hi else { return "s ≤ -1" }
      return k == 0 ? "-\(hi) < s < 0" : "-\(hi) < s ≤ -\(lo)"
    }
    guard let hi else { return "s ≥ 1" }
    return "\(lo) ≤ s < \(hi)"
  }
}

/// Transform and beta of a case, the cell of the transform x beta tables.
struct TBKey: Hashable {
  var transform: TransformKind?
  var beta: Double?
}

/// Measurements of the cases in one transform x beta cell.
struct TBCell {
  var counts = StatusCounts()
  /// Largest gradient magnitude per case (finite or infinite; NaN ones only counted).
  var grads: [Double] = []
  /// Constraint margins per case (finite or infinite; NaN ones only counted).
  var margins: [Double] = []
  var nanGrads = 0
  var nanMargins = 0
  /// The four properties of the scorecard and the beta recommendation.
  var props = Properties()
}

/// Largest magnitude over grad_x and every entry of grad_y:
/// `max(|grad_x|, max_ij |grad_y[i][j]|)`; NaN when any entry is NaN, nil when there
/// is no gradient at all.
func maxAbsGradient(_ c: CaseResult) -> Double? {
  var best: Double? = nil
  var sawNaN = false
  if let g = c.gradX {
    if g.isNaN { sawNaN = true } else { best = abs(g) }
  }
  if let gy = c.gradY {
    for row in gy {
      for v in row {
        if v.isNaN { sawNaN = true } else { best = max(best ?? 0, abs(v)) }
      }
    }
  }
  return sawNaN ? .nan : best
}

/// Index of a transform in the documented order (docs/results-format.md).
func transformIndex(_ t: TransformKind) -> Int {
  switch t {
  case .where: 0
  case .softplus: 1
  case .leaky: 2
  case .safeSoftplus: 3
  }
}

/// Index of a classification in the documented order (docs/results-format.md).
func classificationIndex(_ k: Classification) -> Int {
  switch k {
  case .noRealEigenvalue: 0
  case .nonsmooth: 1
  case .illConditioned: 2
  case .nearSingular: 3
  case .smooth: 4
  }
}

/// Index of a check in canonical order.
func checkIndex(_ n: CheckName) -> Int {
  switch n {
  case .constraint: 0
  case .finite: 1
  case .gradient: 2
  case .taylor: 3
  case .growth: 4
  case .fidelity: 5
  case .solver: 6
  case .reference: 7
  case .evaluate: 8
  case .expect: 9
  }
}

/// The beta of a case as a table key (NaN, which no table can order, becomes nil).
func betaKey(_ b: Double?) -> Double? {
  guard let b, !b.isNaN else { return nil }
  return b == 0 ? 0 : b  // fold -0 into 0
}

/// Median of values that are not NaN (infinities order as usual); nil when empty.
func median(_ values: [Double]) -> Double? {
  let v = values.filter { !$0.isNaN }.sorted()
  guard !v.isEmpty else { return nil }
  let m = v.count / 2
  if v.count % 2 == 1 { return v[m] }
  let a = v[m - 1], b = v[m]
  if a.isInfinite || b.isInfinite { return a == b ? a : (a.isInfinite ? a : b) }
  return a + (b - a) / 2
}

/// Solver agreement bins of value / tolerance, by decade.
struct SolverStats {
  var counts = StatusCounts()
  /// Bins: index 0 is ratio < 1e-6, 1...8 the decades [1e-6, 1e-5) ... [10, 100), 9 is >= 100.
  var bins = [Int](repeating: 0, count: 10)
  var nonFinite = 0
  var noTolerance = 0
  var worstRatio: Double? = nil
  var worstID: String? = nil
  var eigenSolves = 0
  var countedSolves = false

  static let binLabels = [
    "< 1e-6", "1e-6", "1e-5", "1e-4", "1e-3", "0.01", "0.1", "1", "10", "≥ 100",
  ]

  mutating func add(_ r: CheckResult, id: String) {
    counts.add(r.status)
    guard let v = r.value else { noTolerance += 1; return }
    guard v.isFinite else { nonFinite += 1; worst(.infinity, id); return }
    guard let t = r.tolerance, t.isFinite, t > 0 else { noTolerance += 1; return }
    let ratio = abs(v) / t
    worst(ratio, id)
    if ratio < 1e-6 {
      bins[0] += 1
    } else if ratio >= 100 {
      bins[9] += 1
    } else {
      // Decade index from 1 (1e-6) to 8 (10), from the exact powers of ten.
      let k = decadeIndex(ratio)
      bins[k] += 1
    }
  }

  private mutating func worst(_ ratio: Double, _ id: String) {
    if worstRatio == nil || ratio > worstRatio! { worstRatio = ratio; worstID = id }
  }

  /// Decade bin of a ratio in [1e-6, 100): 1 for [1e-6, 1e-5) ... 8 for [10, 100).
  private func decadeIndex(_ ratio: Double) -> Int {
    let lower: [Double] = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10]
    var k = 1
    for (i, e) in lower.enumerated() where ratio >= e { k = i + 1 }
    return k
  }
}

/// Everything the reports show, computed in one pass over the cases (`AnalysisBuilder`).
/// It holds counts and per-cell aggregates, one margin and one gradient size per case
/// (for the medians), and only the first cases of each list the reports show in full
/// (failures, warnings, convergence series, rows of the case table), so its size does not
/// grow with the cases beyond those two numbers per case.
struct Analysis {
  let summary: Summary
  let verdict: Verdict
  /// Transforms present, in the documented order (docs/results-format.md), with `nil` (eig cases) last.
  let transforms: [TransformKind?]
  /// Betas present, ascending, with `nil` last.
  let betas: [Double?]
  let tb: [TBKey: TBCell]
  /// Status counts per transform, beta and lambda band.
  let bands: [TBKey: [LambdaBand: StatusCounts]]
  /// Status counts per transform and band (over all betas).
  let bandTotals: [TransformKind?: [LambdaBand: StatusCounts]]
  /// Classifications present, in the documented order (docs/results-format.md), nil (unclassified) last.
  let classifications: [(Classification?, StatusCounts)]
  /// Check status counts per check, and the cases where the check did not run.
  let checks: [(CheckName, StatusCounts, notRun: Int)]
  /// Failing and warning checks per transform and check.
  let transformChecks: [TransformKind?: [CheckName: StatusCounts]]
  let solver: SolverStats?
  /// Number of cases that fail the run (fail, xpass).
  let failureCount: Int
  /// The first `caseListCap` of them, in mode order (results order within a mode).
  let failureCases: [CaseResult]
  /// Failure modes, ranked by case count (`rankModes`).
  let modes: [FailureMode]
  /// Per transform, why `gradient` did not run: reason (classification) and count.
  let gradientNotRun: [TransformKind?: [(reason: String, count: Int)]]
  /// Number of cases with status warn.
  let warningCount: Int
  /// The first `caseListCap` of them, in mode order (results order within a mode).
  let warningCases: [CaseResult]
  /// Number of failing cases with a series on the gradient or taylor check.
  let seriesCount: Int
  /// The first `htmlSeriesCap` of them, in results order.
  let seriesCases: [CaseResult]
  /// Rows of the HTML case table for the first `htmlCaseRowCap` cases.
  let caseRows: [String]
  /// External evaluators of the cases without a built-in transform, by name (empty for
  /// `eig` results): those cases' rows are theirs, not the eigen check's.
  var evaluators: [String] = []

  /// The row label of a transform; cases without one belong to the external evaluator(s)
  /// of the run, or else to the eigen check.
  func label(_ t: TransformKind?) -> String {
    t?.rawValue ?? (evaluators.isEmpty ? "none (eig)" : evaluators.joined(separator: ", "))
  }

  init(
    summary: Summary, transforms: [TransformKind?], betas: [Double?], tb: [TBKey: TBCell],
    bands: [TBKey: [LambdaBand: StatusCounts]], bandTotals: [TransformKind?: [LambdaBand: StatusCounts]],
    classifications: [(Classification?, StatusCounts)], checks: [(CheckName, StatusCounts, notRun: Int)],
    transformChecks: [TransformKind?: [CheckName: StatusCounts]], solver: SolverStats?,
    failureCount: Int, failureCases: [CaseResult], modes: [FailureMode],
    gradientNotRun: [TransformKind?: [(reason: String, count: Int)]], warningCount: Int,
    warningCases: [CaseResult], seriesCount: Int, seriesCases: [CaseResult], caseRows: [String]
  ) {
    self.summary = summary
    self.verdict = Verdict(summary)
    self.transforms = transforms
    self.betas = betas
    self.tb = tb
    self.bands = bands
    self.bandTotals = bandTotals
    self.classifications = classifications
    self.checks = checks
    self.transformChecks = transformChecks
    self.solver = solver
    self.failureCount = failureCount
    self.failureCases = failureCases
    self.modes = modes
    self.gradientNotRun = gradientNotRun
    self.warningCount = warningCount
    self.warningCases = warningCases
    self.seriesCount = seriesCount
    self.seriesCases = seriesCases
    self.caseRows = caseRows
  }
  /// Bands present for a transform, in order.
  func bandsPresent(_ t: TransformKind?) -> [LambdaBand] {
    (bandTotals[t] ?? [:]).keys.sorted()
  }

  /// Betas present for a transform, in order.
  func betasPresent(_ t: TransformKind?) -> [Double?] {
    betas.filter { tb[TBKey(transform: t, beta: $0)] != nil }
  }

  /// Whether any case has a transform or an external evaluator (not only eig cases).
  var hasTransforms: Bool { transforms.contains { $0 != nil } || !evaluators.isEmpty }
}

/// Builds an `Analysis` case by case, in results order. One pass with small integer
/// indices (transform, beta column, band, check) into flat arrays; dictionaries are
/// built only from the few non-empty cells at the end.
struct AnalysisBuilder {
  /// Byte limit of the Markdown report the failure entries are kept for.
  let markdownByteLimit: Int
  private let nT = TransformKind.allCases.count + 1  // last index: no transform
  private let nBand = 13
  private let nCheck = CheckName.allCases.count
  private let nCls = Classification.allCases.count + 1
  private var summary = Summary()
  private var betaColumn: [Double?: Int] = [:]
  private var cells: [[TBCell?]]  // [t][beta column]
  private var bandCounts: [[[StatusCounts]]]  // [t][beta column][band]
  private var cls: [StatusCounts?]
  private var chk: [StatusCounts?]
  private var tc: [[StatusCounts?]]
  private var solver = SolverStats()
  private var hasSolver = false
  private var failureCount = 0, warningCount = 0, seriesCount = 0
  private var seriesCases: [CaseResult] = []
  private var modes: [ModeKey: ModeStats] = [:]
  private var notRun: [[String: Int]]  // [t][reason]
  private var caseRows: [String] = []
  private var evaluators = Set<String>()

  init(markdownByteLimit: Int = Reporting.markdownByteLimit) {
    self.markdownByteLimit = markdownByteLimit
    cells = Array(repeating: [], count: nT)
    bandCounts = Array(repeating: [], count: nT)
    cls = [StatusCounts?](repeating: nil, count: nCls)
    chk = [StatusCounts?](repeating: nil, count: nCheck)
    tc = [[StatusCounts?]](repeating: [StatusCounts?](repeating: nil, count: nCheck), count: nT)
    notRun = Array(repeating: [:], count: nT)
  }

  /// Adds the next case.
  mutating func add(_ c: CaseResult) {
    summary.add(c.status)
    let t = c.transform.map { transformIndex($0) } ?? nT - 1
    if c.transform == nil, let e = c.evaluator { evaluators.insert(e) }
    let beta = betaKey(c.beta)
    let b: Int
    if let known = betaColumn[beta] {
      b = known
    } else {
      b = betaColumn.count
      betaColumn[beta] = b
    }
    while cells[t].count <= b {
      cells[t].append(nil)
      bandCounts[t].append([StatusCounts](repeating: StatusCounts(), count: nBand))
    }
    if cells[t][b] == nil { cells[t][b] = TBCell() }
    cells[t][b]!.counts.add(c.status)
    cells[t][b]!.props.add(c)
    if !Properties.ran(c.checks[.gradient]?.status) {
      // Why: the skipped check's reason code, else (older files) the classification.
      let g = c.checks[.gradient]
      let why = g == nil ? "not checked" : (g?.code ?? c.classification?.rawValue ?? "skipped")
      notRun[t][why, default: 0] += 1
    }
    addModes(c)
    if let g = maxAbsGradient(c) {
      if g.isNaN { cells[t][b]!.nanGrads += 1 } else { cells[t][b]!.grads.append(g) }
    }
    if let m = c.checks[.constraint]?.value {
      if m.isNaN { cells[t][b]!.nanMargins += 1 } else { cells[t][b]!.margins.append(m) }
    }
    bandCounts[t][b][LambdaBand(c.lambdaMin).order].add(c.status)
    let k = c.classification.map { classificationIndex($0) } ?? nCls - 1
    if cls[k] == nil { cls[k] = StatusCounts() }
    cls[k]!.add(c.status)
    for (name, result) in c.checks {
      let n = checkIndex(name)
      if chk[n] == nil { chk[n] = StatusCounts() }
      chk[n]!.add(result.status)
      // Expected failures do not fail the run: they are left out of this table.
      if c.status != .xfail {
        if tc[t][n] == nil { tc[t][n] = StatusCounts() }
        tc[t][n]!.add(result.status)
      }
      if name == .solver {
        hasSolver = true
        solver.add(result, id: c.id)
      }
    }
    if c.transform == nil, c.checks[.solver] != nil, let n = c.eigenSolves {
      solver.eigenSolves += n
      solver.countedSolves = true
    }
    switch c.status {
    case .fail, .xpass:
      failureCount += 1
      let g = c.checks[.gradient]?.series ?? [], ty = c.checks[.taylor]?.series ?? []
      if !g.isEmpty || !ty.isEmpty {
        seriesCount += 1
        if seriesCases.count < htmlSeriesCap { seriesCases.append(c) }
      }
    case .warn:
      warningCount += 1
    default: break
    }
    if caseRows.count < htmlCaseRowCap { caseRows.append(htmlCaseRow(c)) }
  }

  /// Counts the case in each of its modes, and lists it (up to `caseListCap`) under its
  /// first one.
  private mutating func addModes(_ c: CaseResult) {
    let keys = modeKeys(c)
    for k in keys { modes[k, default: ModeStats()].add(c) }
    guard let first = keys.first else { return }
    modes[first]!.listedTotal += 1
    if modes[first]!.listed.count < caseListCap { modes[first]!.listed.append(slim(c)) }
  }

  /// The analysis of the cases added so far.
  func finish() -> Analysis {
    func transformAt(_ t: Int) -> TransformKind? { t < nT - 1 ? TransformKind.allCases[t] : nil }
    let transforms = (0..<nT).filter { !cells[$0].isEmpty }.map(transformAt)
    let sortedBetas = betaColumn.keys.compactMap { $0 }.sorted()
    let betas = sortedBetas.map { Optional($0) } + (betaColumn[nil] != nil ? [nil] : [])
    var tb: [TBKey: TBCell] = [:]
    var bands: [TBKey: [LambdaBand: StatusCounts]] = [:]
    var bandTotals: [TransformKind?: [LambdaBand: StatusCounts]] = [:]
    for t in 0..<nT {
      for (beta, b) in betaColumn where b < cells[t].count {
        guard let cell = cells[t][b] else { continue }
        let key = TBKey(transform: transformAt(t), beta: beta)
        tb[key] = cell
        for band in 0..<nBand where bandCounts[t][b][band].total > 0 {
          let s = bandCounts[t][b][band]
          bands[key, default: [:]][LambdaBand(order: band)] = s
          bandTotals[key.transform, default: [:]][LambdaBand(order: band), default: StatusCounts()] =
            merge(bandTotals[key.transform]?[LambdaBand(order: band)] ?? StatusCounts(), s)
        }
      }
    }
    let classifications = (0..<nCls).compactMap { k in
      cls[k].map { (k < nCls - 1 ? Classification.allCases[k] : nil, $0) }
    }
    let total = summary.cases
    let checks = (0..<nCheck).compactMap { n in
      chk[n].map { (CheckName.allCases[n], $0, notRun: total - $0.total) }
    }
    var transformChecks: [TransformKind?: [CheckName: StatusCounts]] = [:]
    for t in 0..<nT {
      for n in 0..<nCheck { if let s = tc[t][n] { transformChecks[transformAt(t), default: [:]][CheckName.allCases[n]] = s } }
    }
    let ranked = rankModes(modes)
    func listed(_ sev: Status) -> [CaseResult] {
      Array(ranked.filter { $0.key.severity == sev }.lazy.flatMap(\.stats.listed).prefix(caseListCap))
    }
    var gradientNotRun: [TransformKind?: [(reason: String, count: Int)]] = [:]
    for t in 0..<nT where !notRun[t].isEmpty {
      gradientNotRun[transformAt(t)] = notRun[t].map { ($0.key, $0.value) }
        .sorted { $0.count != $1.count ? $0.count > $1.count : $0.reason < $1.reason }
    }
    var analysis = Analysis(
      summary: summary, transforms: transforms, betas: betas, tb: tb, bands: bands,
      bandTotals: bandTotals, classifications: classifications, checks: checks,
      transformChecks: transformChecks, solver: hasSolver ? solver : nil,
      failureCount: failureCount, failureCases: listed(.fail), modes: ranked,
      gradientNotRun: gradientNotRun, warningCount: warningCount, warningCases: listed(.warn), seriesCount: seriesCount,
      seriesCases: seriesCases, caseRows: caseRows)
    analysis.evaluators = evaluators.sorted()
    return analysis
  }
}

/// The failed checks of a case (status fail), in canonical order.
func failedChecks(_ c: CaseResult) -> [(name: CheckName, result: CheckResult)] {
  c.orderedChecks.filter { $0.result.status == .fail }
}

/// The checks that explain a case's status: for fail, the failed checks; for xpass
/// (an expected failure that did not happen), every check; for warn, the warnings.
func explainingChecks(_ c: CaseResult) -> [(name: CheckName, result: CheckResult)] {
  switch c.status {
  case .xpass: return c.orderedChecks
  case .warn: return c.orderedChecks.filter { $0.result.status == .warn }
  case .skip: return c.orderedChecks.filter { $0.result.status == .skip }
  default: return failedChecks(c)
  }
}

/// Why a case was skipped: the first skipped check's message, after the classification.
func skipReason(_ c: CaseResult) -> String {
  let msg = c.orderedChecks.first { $0.result.status == .skip }?.result.message
  switch (c.classification, msg) {
  case let (k?, m?): return "\(k.rawValue): \(m)"
  case let (k?, nil): return k.rawValue
  case let (nil, m?): return m
  case (nil, nil): return "skipped"
  }
}

/// One line describing where a case sits: group, index, size, transform, beta, s, x.
func caseContext(_ c: CaseResult) -> String {
  var parts = ["\(c.group)", "index \(c.index)", "n=\(c.n)"]
  if let t = c.transform { parts.append("transform \(t.rawValue)") }
  if let b = c.beta { parts.append("β=\(formatNumber(b))") }
  parts.append("spectral \(c.spectral.rawValue)")
  parts.append("classification \(c.classification?.rawValue ?? "n/a")")
  parts.append("s=\(formatNumber(c.lambdaMin))")
  if c.x != nil { parts.append("x=\(formatNumber(c.x))") }
  if c.kappa != nil { parts.append("κ=\(formatNumber(c.kappa))") }
  return parts.joined(separator: " · ")
}

/// `n` followed by the noun, with a plural `s` unless n is 1 (`1 case`, `3 cases`).
func plural(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }
