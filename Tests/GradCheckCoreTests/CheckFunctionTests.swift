import FiniteDifferences
import EigenCore
import Foundation
@testable import GradCheckCore
import GradcheckModel
import Spectral
import Testing

/// A context for x = 1, s = -0.5 (1 + x*s = 0.5) with the given values under test.
private func context(
  xCond: Double = 1, gradX: Double = 1, gradY: [Double] = [0.5, 0, 0, 0.25], x: Double = 1, s: Double = -0.5,
  exactMargin: Double? = nil, classification: Classification = .smooth, skip: CheckSkip? = nil
) -> CaseContext {
  CaseContext(
    x: x, s: s, beta: 5, transform: .softplus, classification: classification, reason: "test reason",
    value: SourceValue(xCond: xCond, gradX: gradX, gradY: Matrix(rows: 2, cols: 2, storage: gradY)),
    exactMargin: exactMargin, maxGrad: 1e6, fidelityTolerance: 1e-2, skip: skip)
}

private func evidence(analytic: [Double], numeric: [Double], errors: [Double]) -> GradientEvidence {
  GradientEvidence(
    analytic: analytic, numeric: numeric, errors: errors, labels: analytic.indices.map { "e\($0)" }, scale: 1,
    series: { _ in [SeriesPoint(step: 1, error: 1)] })
}

@Suite("Check functions on hand-built contexts")
struct CheckFunctionTests {
  @Test func constraintCodes() {
    // margin 1 + x_cond*s: 1 + 1 * -0.5 = 0.5
    let kept = constraintCheck(context())
    #expect(kept.status == .pass && kept.code == "kept" && kept.value == 0.5)
    let atRounding = constraintCheck(context(xCond: (1 - 2 * Double.ulpOfOne) / 0.5))
    #expect(atRounding.status == .warn && atRounding.code == "margin-at-rounding-level")
    let violated = constraintCheck(context(xCond: 3, exactMargin: -0.5))
    #expect(violated.status == .fail && violated.code == "constraint-violated")
    // softplus at a deep violation: exact margin positive, computed margin exactly 0.
    let rounded = constraintCheck(context(xCond: 2, exactMargin: 1e-30))
    #expect(rounded.status == .fail && rounded.code == "margin-rounds-to-zero" && rounded.value == 0)
    let undefined = constraintCheck(context(xCond: .nan))
    #expect(undefined.status == .fail && undefined.code == "margin-undefined" && undefined.value == nil)
  }

  @Test func finiteCodes() {
    #expect(finiteCheck(context()).code == "finite")
    let bad = finiteCheck(context(gradX: .infinity, gradY: [.nan, 0, 0, .nan]))
    #expect(bad.status == .fail && bad.code == "non-finite" && bad.value == 2)
    #expect(bad.message.contains("grad_x = inf") && bad.message.contains("2 entries of grad_y"))
  }

  @Test func gradientCodes() {
    var c = context()
    c.gradient = evidence(analytic: [1, 2], numeric: [1, 2], errors: [1e-12, 1e-12])
    let pass = gradientCheck(c, comparison: GradientComparison())
    #expect(pass.status == .pass && pass.code == "match" && pass.series == nil)
    c.gradient = evidence(analytic: [1, 2], numeric: [1, 2.01], errors: [1e-12, 1e-12])
    let fail = gradientCheck(c, comparison: GradientComparison())
    #expect(fail.status == .fail && fail.code == "mismatch" && fail.series != nil)
    c.gradient = evidence(analytic: [1, 2], numeric: [1, 2.01], errors: [1e-12, 0.1])
    #expect(gradientCheck(c, comparison: GradientComparison()).code == "within-error-bar")
    c.gradient = evidence(analytic: [1, 2], numeric: [1, .nan], errors: [1e-12, .infinity])
    #expect(gradientCheck(c, comparison: GradientComparison()).code == "difference-unresolved")
    var ill = context(classification: .illConditioned)
    ill.gradient = evidence(analytic: [1, 2], numeric: [1, 2.01], errors: [1e-12, 1e-12])
    let warned = gradientCheck(ill, comparison: GradientComparison())
    #expect(warned.status == .warn && warned.code == "ill-conditioned" && warned.message.hasPrefix("ill-conditioned (test reason)"))
    let skipped = gradientCheck(
      context(skip: CheckSkip(code: .nearPole, message: "near the pole")), comparison: GradientComparison())
    #expect(skipped.status == .skip && skipped.code == "near-pole" && skipped.message == "near the pole")
    let notFinite = gradientCheck(context(gradX: .nan), comparison: GradientComparison())
    #expect(notFinite.status == .skip && notFinite.code == "gradient-not-finite")
  }

  @Test func taylorCodes() {
    func result(_ v: TaylorVerdict) -> TaylorResult {
      TaylorResult(
        verdict: v, order: v == .pass ? 2 : 1, series: [FDPoint(step: 1, error: 1)], window: [], initialStep: 1,
        evaluations: 1, message: "m")
    }
    var c = context()
    c.taylor = result(.pass)
    let pass = taylorCheck(c, gradient: nil)
    #expect(pass.status == .pass && pass.code == "second-order" && pass.series == nil)
    c.taylor = result(.fail)
    #expect(taylorCheck(c, gradient: CheckResult(status: .fail, message: "")).code == "order-one")
    let notAsymptotic = taylorCheck(c, gradient: CheckResult(status: .pass, message: ""))
    #expect(notAsymptotic.status == .warn && notAsymptotic.code == "not-asymptotic")
    c.taylor = result(.warn)
    #expect(taylorCheck(c, gradient: nil).code == "order-unsettled")
    c.taylor = result(.inconclusive)
    #expect(taylorCheck(c, gradient: nil).status == .skip)
    #expect(taylorCheck(c, gradient: nil).code == "remainder-at-rounding")
    var ill = context(classification: .illConditioned)
    ill.taylor = result(.fail)
    #expect(taylorCheck(ill, gradient: nil).code == "ill-conditioned")
  }

  @Test func growthCodes() {
    #expect(growthCheck(context()).code == "healthy")
    let exploding = growthCheck(context(gradY: [2e6, 0, 0, 0]))
    #expect(exploding.status == .fail && exploding.code == "exploding" && exploding.value == 2e6)
    // active constraint (1 + x*s = -1) and dT/dx = 0
    let vanishing = growthCheck(context(gradX: 0, x: 4))
    #expect(vanishing.status == .fail && vanishing.code == "vanishing")
  }

  @Test func fidelityCodes() {
    let close = fidelityCheck(context(xCond: 1.001))
    #expect(close.status == .pass && close.code == "close")
    let departs = fidelityCheck(context(xCond: 1.5, x: 1, s: -0.4))
    #expect(departs.status == .fail && departs.code == "departs")
    // softplus near s = 0: x_cond ~ c/s far from x at small |x*s|.
    let diverges = fidelityCheck(context(xCond: 400, x: 1, s: 1e-3))
    #expect(diverges.status == .fail && diverges.code == "diverges-near-zero")
    let infeasible = fidelityCheck(context(x: 4))
    #expect(infeasible.status == .skip && infeasible.code == "not-feasible")
  }

  @Test func everyCodeHasAMeaningAndIsKebabCase() {
    for c in ReasonCode.allCases {
      #expect(!c.meaning.isEmpty)
      #expect(c.rawValue.allSatisfy { $0.isLowercase || $0 == "-" }, "\(c.rawValue)")
    }
    #expect(Set(ReasonCode.allCases.map(\.rawValue)).count == ReasonCode.allCases.count)
  }
}

/// A source that returns the built-in values with `grad_x` off by 1e-3 relative.
private struct SlightlyWrongSource: GradientSource {
  var name: String { "slightly-wrong" }
  var transform: TransformKind? { .softplus }
  var dtype: DType { .float64 }
  func evaluate(_ batch: EvaluationBatch) throws -> [SourceValue] {
    BuiltinTransformSource(.softplus).evaluate(batch).map { v in
      var v = v
      v.gradX = v.gradX.map { $0 * (1 + 1e-3) }
      return v
    }
  }
}

/// A source that always fails.
private struct FailingSource: GradientSource {
  struct Broken: Error, CustomStringConvertible { var description: String { "program exited with status 3" } }
  var name: String { "broken" }
  var transform: TransformKind? { nil }
  var dtype: DType { .float64 }
  func evaluate(_ batch: EvaluationBatch) throws -> [SourceValue] { throw Broken() }
}

/// Records the batches it is asked for.
private final class RecordingSource: GradientSource, @unchecked Sendable {
  var batches: [EvaluationBatch] = []
  var name: String { "recorder" }
  var transform: TransformKind? { .softplus }
  var dtype: DType { .float64 }
  func evaluate(_ batch: EvaluationBatch) throws -> [SourceValue] {
    batches.append(batch)
    return BuiltinTransformSource(.softplus).evaluate(batch)
  }
}

@Suite("Gradient sources")
struct GradientSourceTests {
  let y = Matrix([[-0.7459, -1.0099, -0.2937], [-0.4803, -0.8911, -0.3678], [0.3982, -0.7645, 0.7407]])

  func run(_ sources: [any GradientSource]) -> [CaseResult] {
    var ev = SpectralEvaluator()
    let job = MatrixJob(y: y, xs: [XCase(index: 0, x: 1.0)], name: "t", repro: "test")
    return CheckEngine(options: EngineOptions(betas: [5]), sources: sources).run(job, evaluator: &ev)
  }

  @Test func aWrongSourceSuppliedFromOutsideIsCaught() throws {
    let c = try #require(run([SlightlyWrongSource()]).first)
    #expect(c.id == "t[0] slightly-wrong beta=5")
    #expect(c.checks[.gradient]?.status == .fail)
    #expect(c.checks[.gradient]?.code == "mismatch")
    #expect(c.checks[.gradient]?.message.contains("grad_x") == true)
    let right = try #require(run([BuiltinTransformSource(.softplus)]).first)
    #expect(right.checks[.gradient]?.status == .pass)
    #expect(right.eigenSolves == c.eigenSolves)
  }

  @Test func oneBatchPerSourceHoldsBaseAndFiniteDifferencePoints() throws {
    let recorder = RecordingSource()
    let c = try #require(run([recorder]).first)
    #expect(recorder.batches.count == 1)
    let batch = try #require(recorder.batches.first)
    let base = batch.points.filter(\.gradient)
    #expect(base.count == 1 && base[0].direction == nil && base[0].x == 1.0)
    // 9 directions x 12 steps, 12 x steps, 32 Taylor steps.
    #expect(batch.points.count == 1 + 9 * 12 + 12 + 32)
    // A perturbed point's matrix is Y + h W, and its s is the tool's s there.
    let p = try #require(batch.points.first { $0.direction == 4 })
    let m = batch.matrix(of: p)
    #expect(m[1, 1] == y[1, 1] + p.step && m[0, 0] == y[0, 0])
    var ev = SpectralEvaluator()
    #expect(try ev.value(.minRealEigenvalue, m).s == p.s)
    #expect(c.checks[.gradient]?.status == .pass)
  }

  @Test func aFailingSourceFailsItsCasesWithTheReason() throws {
    let c = try #require(run([FailingSource()]).first)
    #expect(c.status == .fail && c.transform == nil)
    #expect(c.checks[.finite]?.code == "evaluation-failed")
    #expect(c.checks[.finite]?.message == "broken could not evaluate: program exited with status 3")
  }

  /// The wrong rules of the selftest live outside the engine: no source file of the
  /// engine's module mentions a mutation.
  @Test func theEngineModuleHoldsNoMutation() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Sources/GradCheckCore")
    let files = try #require(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }
      .filter { $0.hasSuffix(".swift") }
    #expect(files.count >= 10)
    for f in files {
      let text = try String(contentsOf: root.appendingPathComponent(f), encoding: .utf8)
      #expect(!text.lowercased().contains("mutation"), "\(f) mentions a mutation")
    }
  }
}
