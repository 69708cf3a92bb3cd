import EigenCore
@testable import GradCheckCore
import GradcheckModel
import GradcheckSelfTest
import Spectral
import Testing

// Matrices whose s double precision leaves with few correct digits (the LAPACK types built
// as X T X^-1 with cond(X) = 1/sqrt(ulp)) are checked in double-double for the built-in
// formulas: the cases a double-precision finite difference cannot resolve run, the
// built-in gradients pass, and wrong gradients fed through the same path are caught.

/// The sweep's x edge cases, defined by their margin `1 + x*s`.
private let edgeXs = [
  XCase(index: 0, margin: 0, label: "boundary"), XCase(index: 0, margin: 1e-8, label: "inside"),
  XCase(index: 0, margin: -1e-8, label: "outside"), XCase(index: 0, margin: 2, label: "feasible"),
  XCase(index: 0, margin: 0.5, label: "half"),
]

private func job(_ family: String, n: Int) -> MatrixJob {
  let g = MatrixFamilies.named(family)!.generate(n: n, index: 0, seed: 0)
  return MatrixJob(y: g.matrix, xs: edgeXs, name: "\(family)/n\(n)", family: family, repro: "test")
}

/// The ill-conditioned LAPACK types at small orders.
private let illJobs: [MatrixJob] = ["lapack-13", "lapack-14", "lapack-15", "lapack-16"].flatMap { f in
  [3, 4, 5].map { job(f, n: $0) }
}

private func run(_ job: MatrixJob, extended: Bool, sources: [any GradientSource]? = nil, betas: [Double] = [1, 10])
  -> [CaseResult]
{
  var engine = CheckEngine(options: EngineOptions(betas: betas, seed: 0), sources: sources)
  engine.extendedSolves = extended
  var ev = SpectralEvaluator()
  return engine.run(job, evaluator: &ev)
}

private func code(_ r: CaseResult, _ check: CheckName) -> String? { r.checks[check]?.code }

private func skippedUnresolvable(_ results: [CaseResult]) -> Int {
  results.filter { ["step-unresolvable", "near-pole"].contains(code($0, .gradient) ?? "") }.count
}

private func ran(_ r: CaseResult) -> Bool {
  [Status.pass, .warn, .fail].contains(r.checks[.gradient]?.status ?? .skip)
}

@Suite("Extended precision for ill-conditioned s")
struct ExtendedPrecisionTests {
  @Test("double precision cannot difference these matrices; double-double can, and every built-in gradient holds")
  func unresolvableCasesRun() {
    var skippedDouble = 0
    var skippedExtended = 0
    var ranDouble = 0
    var ranExtended = 0
    for job in illJobs {
      let double = run(job, extended: false)
      let extended = run(job, extended: true)
      skippedDouble += skippedUnresolvable(double)
      skippedExtended += skippedUnresolvable(extended)
      ranDouble += double.filter(ran).count
      ranExtended += extended.filter(ran).count
      for r in extended where r.lambdaMin != nil {
        #expect(r.checks[.gradient]?.status != .fail, "\(r.id): \(r.checks[.gradient]?.message ?? "")")
        #expect(r.checks[.taylor]?.status != .fail, "\(r.id): \(r.checks[.taylor]?.message ?? "")")
      }
    }
    // Not vacuous: double precision skipped many of these cases, double-double runs them.
    #expect(skippedDouble >= 100, "double precision skipped only \(skippedDouble)")
    #expect(skippedExtended * 10 <= skippedDouble, "\(skippedExtended) still skipped (double: \(skippedDouble))")
    #expect(ranExtended >= ranDouble + skippedDouble / 2, "ran \(ranExtended) against \(ranDouble) in double")
  }

  @Test("the reported s and ds/dY are the double-double ones, and the reason says so")
  func reportsTheAccurateValues() throws {
    let job = job("lapack-14", n: 4)
    var ev = SpectralEvaluator()
    let accurate = try ev.evaluateExtended(job.y)
    let results = run(job, extended: true, betas: [1])
    let r = try #require(results.first { $0.checks[.gradient]?.status == .pass })
    #expect(r.lambdaMin == accurate.s)
    #expect(r.kappa == accurate.kappa)
    #expect(results.contains { ($0.checks[.gradient]?.message ?? "").contains("double-double") })
    // The double-precision s of this matrix is measurably off (see docs/checks.md).
    let double = try ev.evaluate(.minRealEigenvalue, job.y)
    #expect(abs(double.s! - accurate.s!) > 1e-10 * abs(accurate.s!))
  }

  @Test("wrong gradients through the double-double path are caught", arguments: GradientMutation.allCases)
  func mutationsCaught(mutation: GradientMutation) {
    var caught = 0
    var applicable = 0
    var missed: [String] = []
    for job in illJobs {
      let correct = run(job, extended: true, betas: [5]).filter { $0.transform == .softplus }
      let sources: [any GradientSource] = [MutatedSource(BuiltinTransformSource(.softplus), mutation: mutation)]
      let mutated = run(job, extended: true, sources: sources, betas: [5])
      #expect(correct.count == mutated.count)
      // Two-sided cases: a one-sided bracket (a flip found in the sweep) is wider by design.
      for (c, m) in zip(correct, mutated)
      where ran(m) && Self.changed(c, m) && Self.inExtended(m) && m.classification != .nonsmooth {
        applicable += 1
        if m.checks[.gradient]?.status == .fail { caught += 1 } else { missed.append("\(m.id): \(m.checks[CheckName.gradient]?.message ?? "")") }
      }
    }
    #expect(applicable >= 3, "\(mutation.rawValue): only \(applicable) cases in double-double where it changes the gradient")
    #expect(caught == applicable, "\(mutation.rawValue): caught \(caught) of \(applicable); \(missed.prefix(2))")
  }

  /// Whether the case was checked in double-double (its gradient message says so).
  static func inExtended(_ r: CaseResult) -> Bool {
    (r.checks[.gradient]?.message ?? "").contains("double-double")
  }

  /// Whether the mutated gradient differs from the correct one by more than 1e-5 of its
  /// largest entry (ten times the gradient rule's 1e-6): where it does not (a symmetric
  /// ds/dY transposed, dT/dx near 0 flipped) no check can see the mutation.
  static func changed(_ c: CaseResult, _ m: CaseResult) -> Bool {
    let a = [c.gradX ?? 0] + (c.gradY?.joined().map { $0 } ?? [])
    let b = [m.gradX ?? 0] + (m.gradY?.joined().map { $0 } ?? [])
    let size = a.map(abs).max() ?? 0
    return zip(a, b).contains { abs($0 - $1) > 1e-5 * size }
  }

  @Test("a program's cases stay in double precision")
  func programsStayDouble() {
    /// The built-in values, but claiming to compute s itself.
    struct Program: GradientSource {
      var name: String { "program" }
      var transform: TransformKind? { .softplus }
      var dtype: DType { .float64 }
      func evaluate(_ batch: EvaluationBatch) throws -> [SourceValue] {
        BuiltinTransformSource(.softplus).evaluate(batch)
      }
    }
    var skipped = 0
    for job in illJobs {
      let results = run(job, extended: true, sources: [Program()])
      skipped += skippedUnresolvable(results)
      #expect(!results.contains { ($0.checks[.gradient]?.message ?? "").contains("double-double") })
    }
    #expect(skipped > 0)
  }

  @Test("float32 built-in formulas stay in double precision")
  func float32StaysDouble() {
    var skipped = 0
    for job in illJobs.prefix(6) {
      var engine = CheckEngine(options: EngineOptions(betas: [1], seed: 0, dtype: .float32))
      engine.extendedSolves = true
      var ev = SpectralEvaluator()
      let results = engine.run(job, evaluator: &ev)
      skipped += skippedUnresolvable(results)
      #expect(!results.contains { ($0.checks[.gradient]?.message ?? "").contains("double-double") })
    }
    #expect(skipped > 0)
  }

  @Test("matrices double precision resolves are not touched")
  func wellConditionedStaysDouble() {
    for family in ["lapack-19", "lapack-9", "companion"] {
      let j = job(family, n: 4)
      let on = run(j, extended: true)
      let off = run(j, extended: false)
      #expect(on.map(\.lambdaMin) == off.map(\.lambdaMin))
      #expect(on.map { $0.checks[.gradient]?.message } == off.map { $0.checks[.gradient]?.message })
    }
  }

  @Test func planThresholdsShrinkByTheRefinement() {
    let engine = CheckEngine(options: EngineOptions())
    let y = Matrix(rows: 2, cols: 2, storage: [4, 1, 0, -2])
    var ev = SpectralEvaluator()
    let base = try! ev.evaluate(.minRealEigenvalue, y)
    let d = engine.planMatrix(base: base, s: -2, y: y, precision: .double)
    let e = engine.planMatrix(base: base, s: -2, y: y, precision: .extended)
    let r = DoubleDouble.epsilon / Double.ulpOfOne
    #expect(d.floorStep == CheckEngine.stepFloor * 4 && e.floorStep == d.floorStep * r)
    #expect(d.closeCandidates == CheckEngine.closeCandidates * 4 && e.closeCandidates == d.closeCandidates * r)
    #expect(d.inputMagnitude == 4 && e.inputMagnitude == 4 * r)
    #expect(e.relativeNoise == Double.ulpOfOne && d.relativeNoise >= e.relativeNoise)
    #expect(e.precisionNote?.contains("double-double") == true && d.precisionNote == nil)
    #expect(d.illConditionedKappa == CheckEngine.illConditionedKappa && e.illConditionedKappa == d.illConditionedKappa / r)
  }
}
