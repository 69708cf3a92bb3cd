/// The results model (`gradcheck-results/1`, see docs/results-format.md): plain values,
/// produced by the engine, encoded by GradcheckIO and rendered by Reporting.

/// The format tag of results files.
public let resultsFormat = "gradcheck-results/1"
/// The tool version written into results.
public let gradcheckVersion = "0.1.0"

/// One point of a convergence series (finite-difference error against step,
/// or Taylor remainder against step), kept for the HTML plots.
public struct SeriesPoint: Sendable, Equatable, Hashable {
  public var step: Double
  public var error: Double
  public init(step: Double, error: Double) {
    self.step = step
    self.error = error
  }
}

/// The result of one check of one case.
public struct CheckResult: Sendable, Equatable {
  public var status: Status
  /// The stable reason code (`ReasonCode`, kebab-case); nil in files written before codes.
  public var code: String?
  /// The measured value (margin, error, order, ...); `nil` when not measured.
  public var value: Double?
  /// The tolerance the value was held to; `nil` when none applies.
  public var tolerance: Double?
  /// One line that names the reason.
  public var message: String
  /// Optional convergence series (gradient: FD error vs step; taylor: remainder vs step).
  public var series: [SeriesPoint]?

  public init(
    status: Status, code: ReasonCode? = nil, value: Double? = nil, tolerance: Double? = nil,
    message: String, series: [SeriesPoint]? = nil
  ) {
    self.status = status
    self.code = code?.rawValue
    self.value = value
    self.tolerance = tolerance
    self.message = message
    self.series = series
  }
}

/// A complex number as written in results: `[re, im]`.
public struct ComplexPair: Sendable, Equatable, Hashable {
  public var re: Double
  public var im: Double
  public init(_ re: Double, _ im: Double) {
    self.re = re
    self.im = im
  }
}

/// One case: one batch element (or generated matrix) x one transform x one beta.
public struct CaseResult: Sendable, Equatable {
  public var id: String
  /// Fixture path as given on the command line (relative), or nil for generated cases.
  public var source: String?
  public var index: Int
  /// Generated family name, or nil for fixture cases.
  public var family: String?
  public var n: Int
  public var transform: TransformKind?
  public var beta: Double?
  public var spectral: SpectralKind
  public var classification: Classification?
  public var status: Status
  public var x: Double?
  public var lambdaMin: Double?
  public var kappa: Double?
  /// Native eigenvalues sorted by real part, then imaginary part.
  public var eigenvalues: [ComplexPair]
  public var xCond: Double?
  public var gradX: Double?
  /// N x N, same layout as y[b].
  public var gradY: [[Double]]?
  /// Checks in canonical order (`CheckName` order).
  public var checks: [CheckName: CheckResult]
  /// Command that reproduces exactly this case.
  public var repro: String
  /// Number of eigen solves spent on the matrix of this case (shared by every
  /// transform and beta of the matrix); nil when not counted.
  public var eigenSolves: Int?
  /// The precision the values under test were computed in; nil: float64 (written only
  /// when not float64).
  public var dtype: DType?
  /// The external program's name (`--exec`), nil for the built-in transforms.
  public var evaluator: String?

  public init(
    id: String, source: String?, index: Int, family: String?, n: Int,
    transform: TransformKind?, beta: Double?, spectral: SpectralKind,
    classification: Classification?, status: Status, x: Double?, lambdaMin: Double?,
    kappa: Double?, eigenvalues: [ComplexPair], xCond: Double?, gradX: Double?,
    gradY: [[Double]]?, checks: [CheckName: CheckResult], repro: String,
    eigenSolves: Int? = nil, dtype: DType? = nil, evaluator: String? = nil
  ) {
    self.dtype = dtype == .float64 ? nil : dtype
    self.evaluator = evaluator
    self.id = id
    self.source = source
    self.index = index
    self.family = family
    self.n = n
    self.transform = transform
    self.beta = beta
    self.spectral = spectral
    self.classification = classification
    self.status = status
    self.x = x
    self.lambdaMin = lambdaMin
    self.kappa = kappa
    self.eigenvalues = eigenvalues
    self.xCond = xCond
    self.gradX = gradX
    self.gradY = gradY
    self.checks = checks
    self.repro = repro
    self.eigenSolves = eigenSolves
  }

  /// Checks in canonical order.
  public var orderedChecks: [(name: CheckName, result: CheckResult)] {
    checks.keys.sorted().map { ($0, checks[$0]!) }
  }

  /// The group a case belongs to in reports: fixture path or family name.
  public var group: String { source ?? family ?? "cases" }
}

/// Counts per status.
public struct Summary: Sendable, Equatable {
  public var cases = 0
  public var pass = 0
  public var warn = 0
  public var fail = 0
  public var skip = 0
  public var xfail = 0
  public var xpass = 0

  public init() {}

  public init<S: Sequence>(counting cases: S) where S.Element == CaseResult {
    for c in cases { add(c.status) }
  }

  public mutating func add(_ status: Status) {
    cases += 1
    switch status {
    case .pass: pass += 1
    case .warn: warn += 1
    case .fail: fail += 1
    case .skip: skip += 1
    case .xfail: xfail += 1
    case .xpass: xpass += 1
    }
  }

  /// Adds another summary's counts.
  public static func += (a: inout Summary, b: Summary) {
    a.cases += b.cases
    a.pass += b.pass
    a.warn += b.warn
    a.fail += b.fail
    a.skip += b.skip
    a.xfail += b.xfail
    a.xpass += b.xpass
  }

  /// Whether the run fails (exit 1): a failed case or an unexpected pass,
  /// and with `strict` also a warning.
  public func failsRun(strict: Bool) -> Bool {
    fail > 0 || xpass > 0 || (strict && warn > 0)
  }
}

/// A whole results file.
public struct Results: Sendable, Equatable {
  public var format: String
  public var version: String
  public var seed: UInt64
  public var summary: Summary
  public var cases: [CaseResult]
  /// The behaviour curves per transform and beta (empty when the run wrote none).
  public var curves: [BehaviourCurve] = []

  public init(
    seed: UInt64, cases: [CaseResult], version: String = gradcheckVersion, curves: [BehaviourCurve] = []
  ) {
    self.format = resultsFormat
    self.curves = curves
    self.version = version
    self.seed = seed
    self.cases = cases
    self.summary = Summary(counting: cases)
  }
}

/// The canonical order of cases, defined once: group (fixture path or family), N, index,
/// transform (in `TransformKind` order, none first), beta (none first), spectral quantity,
/// then id. Results files, runs, shards and merges all sort with it, and the commands that
/// stream results order their work by its leading fields, so the same cases always give
/// the same bytes.
public struct CaseOrderKey: Comparable, Sendable {
  public var group: String
  public var n: Int
  public var index: Int
  public var transform: Int
  public var beta: Double
  public var spectral: Int
  public var id: String

  public init(
    group: String, n: Int, index: Int, transform: TransformKind? = nil, beta: Double? = nil,
    spectral: SpectralKind = .minRealEigenvalue, id: String = ""
  ) {
    self.group = group
    self.n = n
    self.index = index
    self.transform = transform.map { TransformKind.allCases.firstIndex(of: $0)! } ?? -1
    self.beta = beta ?? -.infinity
    self.spectral = SpectralKind.allCases.firstIndex(of: spectral)!
    self.id = id
  }

  public static func < (a: CaseOrderKey, b: CaseOrderKey) -> Bool {
    if a.group != b.group { return a.group < b.group }
    if a.n != b.n { return a.n < b.n }
    if a.index != b.index { return a.index < b.index }
    if a.transform != b.transform { return a.transform < b.transform }
    if a.beta != b.beta { return a.beta < b.beta }
    if a.spectral != b.spectral { return a.spectral < b.spectral }
    return a.id < b.id
  }
}

extension CaseResult {
  /// This case's place in the canonical order.
  public var orderKey: CaseOrderKey {
    CaseOrderKey(group: group, n: n, index: index, transform: transform, beta: beta, spectral: spectral, id: id)
  }

  /// The canonical order of cases in results files (`CaseOrderKey`).
  public static func canonicalOrder(_ a: CaseResult, _ b: CaseResult) -> Bool {
    a.orderKey < b.orderKey
  }
}
