// Reports from a stream of cases: what the Markdown and HTML reports read, gathered case
// by case, so a run need not hold its results to render them.

import GradcheckModel

/// Gathers, case by case in results order, everything the Markdown and HTML reports show,
/// and renders them. Its memory does not grow with the cases beyond two numbers per case
/// (the constraint margin and the gradient size, for the medians of the transform x beta
/// tables): it keeps the counts and aggregates of every table and picture, and in full only
/// the cases the reports list one by one, up to their caps (failures, warnings, series,
/// rows of the case table; see `renderMarkdown` and `renderHTML`).
///
/// `markdown(title:)` and `html(title:)` are byte for byte `renderMarkdown` and
/// `renderHTML` of `Results` holding the same cases in the same order.
public struct ReportAccumulator {
  public let format: String
  public let version: String
  public let seed: UInt64
  private var builder: AnalysisBuilder
  /// A comparison with a baseline run (and the baseline's path): the reports then lead
  /// with it, regressions first, then fixed cases.
  public var baseline: (comparison: BaselineComparison, path: String)?
  /// The behaviour curves the reports draw (the results' `curves`).
  public var curves: [BehaviourCurve] = []

  /// An empty accumulator for results with this seed, version and format.
  public init(seed: UInt64, version: String = gradcheckVersion, format: String = resultsFormat) {
    self.init(seed: seed, version: version, format: format, markdownByteLimit: markdownByteLimit)
  }

  init(seed: UInt64, version: String, format: String, markdownByteLimit: Int) {
    self.format = format
    self.version = version
    self.seed = seed
    builder = AnalysisBuilder(markdownByteLimit: markdownByteLimit)
  }

  /// An accumulator holding every case of `r`.
  public init(_ r: Results) {
    self.init(r, markdownByteLimit: markdownByteLimit)
  }

  init(_ r: Results, markdownByteLimit: Int) {
    self.init(seed: r.seed, version: r.version, format: r.format, markdownByteLimit: markdownByteLimit)
    curves = r.curves
    for c in r.cases { add(c) }
  }

  /// Adds the next case (in results order).
  public mutating func add(_ c: CaseResult) { builder.add(c) }

  /// The Markdown report (see `renderMarkdown`).
  public func markdown(title: String = "gradcheck report") -> String {
    renderMarkdown(
      header, builder.finish(), title: title, byteLimit: builder.markdownByteLimit,
      leading: baseline.map { renderBaselineMarkdown($0.comparison, base: $0.path, new: "this run") } ?? "")
  }

  /// The HTML report (see `renderHTML`).
  public func html(title: String = "gradcheck report") -> String {
    renderHTML(
      header, builder.finish(), title: title,
      leading: baseline.map { htmlBaselineSection($0.comparison, base: $0.path) } ?? "")
  }

  /// The analysis of the cases added so far (tests).
  var builderAnalysis: Analysis { builder.finish() }

  var header: ReportHeader { ReportHeader(format: format, version: version, seed: seed, curves: curves) }
}

/// The fields of a results file the reports show besides its cases.
struct ReportHeader {
  var format: String
  var version: String
  var seed: UInt64
  var curves: [BehaviourCurve] = []
}
