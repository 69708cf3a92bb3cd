/// The finite-difference library's results as values of the results model: the
/// engine keeps calling `checkResult(...)`, `series(output:)` and
/// `centralErrorSeries(output:exact:)` and gets `CheckResult` and `SeriesPoint`.

import FiniteDifferences
import GradcheckModel

extension Status {
  /// The results-model status of a finite-difference verdict (same name).
  public init(_ status: FDStatus) {
    switch status {
    case .pass: self = .pass
    case .warn: self = .warn
    case .fail: self = .fail
    case .skip: self = .skip
    }
  }
}

extension SeriesPoint {
  /// The results-model point of a finite-difference series point.
  public init(_ point: FDPoint) {
    self.init(step: point.step, error: point.error)
  }
}

extension DerivativeEstimate {
  /// Error estimate against step for one output (largest step first), for the
  /// HTML convergence plot of the `gradient` check.
  public func series(output: Int) -> [SeriesPoint] {
    errorEstimatePoints(output: output).map(SeriesPoint.init)
  }

  /// Actual error `|central - exact|` against step for one output (largest step
  /// first), when the exact (or analytic) derivative is known.
  public func centralErrorSeries(output: Int, exact: Double) -> [SeriesPoint] {
    centralErrorPoints(output: output, exact: exact).map(SeriesPoint.init)
  }
}

extension GradientComparisonResult {
  /// As a `CheckResult` of the results model.
  public func checkResult(series: [SeriesPoint]? = nil) -> CheckResult {
    CheckResult(
      status: Status(status), value: value, tolerance: tolerance, message: message,
      series: series)
  }
}

extension TaylorResult {
  /// As a `CheckResult`: value = observed order, tolerance = `passOrder`, series =
  /// remainder against step.
  public func checkResult(passOrder: Double = TaylorTest().passOrder) -> CheckResult {
    CheckResult(
      status: Status(verdict.status), value: order, tolerance: passOrder, message: message,
      series: series.map(SeriesPoint.init))
  }
}
