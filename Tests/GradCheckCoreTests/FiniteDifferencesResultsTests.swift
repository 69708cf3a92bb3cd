import FiniteDifferences
import GradcheckModel
import Testing

@testable import GradCheckCore

#if canImport(Glibc)
  import Glibc
#endif

// The finite-difference library's results as values of the results model.

@Test func comparisonAsCheckResult() {
  let rule = GradientComparison()
  let p = rule.compare(analytic: [1, 1 + 1e-7], numeric: [1, 1], errorEstimates: [0, 0])
  let series = [SeriesPoint(step: 1e-2, error: 1e-9)]
  let check = p.checkResult(series: series)
  #expect(p.status == .pass)
  #expect(check.status == .pass && check.tolerance == 1 && check.value == p.value)
  #expect(check.message == p.message && check.series == series)
  let f = rule.compare(analytic: [2], numeric: [1], errorEstimates: [1e-12])
  #expect(f.checkResult().status == .fail && f.checkResult().series == nil)
  let w = rule.compare(analytic: [1], numeric: [.nan], errorEstimates: [.infinity])
  #expect(w.checkResult().status == .warn)
  #expect(rule.compare(analytic: [], numeric: [], errorEstimates: []).checkResult().status == .skip)
}

@Test func taylorAsCheckResult() {
  let r = TaylorTest().run(initialStep: 0.5, directionalDerivative: 1) { exp($0) }
  let check = r.checkResult()
  #expect(check.status == .pass && check.value == r.order && check.tolerance == 1.8)
  #expect(check.series == r.series.map { SeriesPoint(step: $0.step, error: $0.error) })
  #expect(check.message == r.message)
  let wrong = TaylorTest().run(initialStep: 0.5, directionalDerivative: 1.1) { exp($0) }
  #expect(wrong.checkResult().status == .fail)
  let linear = TaylorTest().run(initialStep: 0.5, directionalDerivative: 2) { 2 * $0 }
  #expect(linear.checkResult().status == .skip && linear.checkResult().value == nil)
}

@Test func derivativeSeriesAsSeriesPoints() {
  let est = CentralDifference().derivative(initialStep: 0.01) { h in [exp(1 + h)] }
  let s = est.series(output: 0)
  #expect(s.count == 6)
  #expect(s.map(\.step) == est.table.map(\.step))
  #expect(s.map(\.error) == est.table.map { $0.errorEstimates[0] })
  let c = est.centralErrorSeries(output: 0, exact: exp(1.0))
  #expect(c.map(\.error) == est.table.map { abs($0.central[0] - exp(1.0)) })
  #expect(c.allSatisfy { $0.error > 0 && $0.error < 1e-3 })
}

@Test func statusConversionKeepsNames() {
  for s in FDStatus.allCases {
    #expect(Status(s).rawValue == s.rawValue)
  }
}
