import EigenCore
import FiniteDifferences
import GradcheckModel
import Spectral

/// Runs every check (see docs/checks.md) on the cases of one matrix, as a pipeline:
/// classify the matrix and choose its steps (`planMatrix`), solve the perturbed matrices
/// (`perturb`), plan each case (`planCase`), gather every point each gradient source
/// needs and evaluate them in one batch per source (`gatherPoints`), difference the
/// values (`directionalDifferences`, `gradientEvidence`, `taylorResult`), then one
/// function per check on a `CaseContext`.
///
/// The eigenproblem of the matrix and of each perturbed matrix is solved once and
/// shared by every x, source and beta of the matrix. So the solve count per matrix
/// (reported as `eigen_solves`) does not grow with the number of transforms and betas.
public struct CheckEngine: Sendable {
  public var options: EngineOptions
  /// The gradients under test; nil: the built-in formulas of each transform to check
  /// (`options.transforms`, else the job's own, else all).
  public var sources: [any GradientSource]?
  /// Cross-checks a matrix against the reference solver; nil skips `solver`.
  public var referenceCheck: (@Sendable (Matrix, inout SpectralEvaluator) -> CheckResult)?

  /// The finite-difference engine used for the `gradient` check.
  public var difference = CentralDifference()
  /// The comparison rule of the `gradient` check.
  public var comparison = GradientComparison()
  /// How the perturbed matrices are solved (the same bits every way).
  public var perturbedSolves = PerturbedSolves.whereLanesPay
  /// Whether the built-in formulas are checked in double-double arithmetic where double
  /// precision cannot resolve a step (`resolutionSkips`); false: always double.
  public var extendedSolves = true

  /// Above this eigenvalue condition number a case is `ill-conditioned`.
  public static let illConditionedKappa = 1e6
  /// At or below `nearSingular * max(|Y|_max, 1)` a case is `near-singular`.
  public static let nearSingular = 1e-6
  /// Steps below `stepFloor * |Y|_max` cannot be resolved against rounding.
  public static let stepFloor = 1e-8
  /// Two candidates (or a pair's imaginary part) within `closeCandidates * |Y|_max`
  /// make the minimiser not unique at finite-difference resolution: `nonsmooth`.
  public static let closeCandidates = 1e-6
  /// Steps of the Taylor test: `h0 * 2^-j` for these j.
  public static let taylorLadder = -4..<28
  /// A positive constraint margin at or below this (4 ulps of 1) is rounding level.
  public static let marginRoundingLevel = 4 * Double.ulpOfOne

  public init(
    options: EngineOptions, sources: [any GradientSource]? = nil,
    referenceCheck: (@Sendable (Matrix, inout SpectralEvaluator) -> CheckResult)? = nil
  ) {
    self.options = options
    self.sources = sources
    self.referenceCheck = referenceCheck
  }

  /// The sources checked on a job.
  func sources(for job: MatrixJob) -> [any GradientSource] {
    if let sources { return sources }
    let transforms = options.transforms ?? job.transforms ?? TransformKind.allCases
    return transforms.map { BuiltinTransformSource($0, parameters: options.parameters, dtype: options.dtype) }
  }

  /// All cases of one job, in job order (x, source, beta).
  public func run(_ job: MatrixJob, evaluator: inout SpectralEvaluator) -> [CaseResult] {
    let spectral = options.spectral ?? job.spectral ?? .minRealEigenvalue
    let sources = sources(for: job)
    let betas = options.betas ?? job.betas ?? EngineOptions.defaultBetas
    var specs0: [CaseSpec] = []
    for x in job.xs { for k in sources.indices { for b in betas { specs0.append(CaseSpec(x: x, source: k, beta: b)) } } }
    let solvesBefore = evaluator.solves
    let solverCheck = referenceCheck?(job.y, &evaluator)
    let doubleBase: SpectralEvaluation
    do {
      doubleBase = try evaluator.evaluate(spectral, job.y, sentinel: options.sentinel, gradient: true)
    } catch {
      return nativeFailure(job, specs0, sources, spectral, error: error, solverCheck, evaluator.solves - solvesBefore)
    }
    guard doubleBase.s != nil, doubleBase.gradient != nil else {
      return undefined(job, specs0, sources, spectral, doubleBase, solverCheck, evaluator.solves - solvesBefore)
    }
    var setup = prepare(specs0, base: doubleBase, y: job.y, spectral: spectral, precision: .double)
    if extendedSolves && spectral == .minRealEigenvalue && sources.allSatisfy({ $0.readsToolSpectrum && $0.dtype == .float64 }) {
      let unresolved = resolutionSkips(setup, sources: sources)
      if unresolved > 0, let extended = try? evaluator.evaluateExtended(job.y, sentinel: options.sentinel),
        extended.s != nil
      {
        let candidate = prepare(specs0, base: extended, y: job.y, spectral: spectral, precision: .extended)
        if resolvedInExtended(candidate) && resolutionSkips(candidate, sources: sources) < unresolved {
          setup = candidate
        }
      }
    }
    let (specs, base, s) = (setup.specs, setup.base, setup.s)
    var plan = setup.plan
    let xs = specs.map(\.x.x)
    let p = perturb(
      job, base: base, plan: plan, steps: smallSteps(xs: xs, s: s, plan: plan),
      twoSidedLadder: xs.contains { atKink(x: $0, s: s, plan: plan) }, spectral: spectral, evaluator: &evaluator)
    if let flip = p.flip, plan.classification != .nonsmooth {
      plan.classification = .nonsmooth
      plan.reason = flip
    }
    // A program's steps follow the transform it is compared with (`--transform`), if any.
    let plans = specs.map { spec in
      let source = sources[spec.source]
      return planCase(spec, transform: source.transform ?? source.reference, s: s, plan: plan, p: p)
    }
    var results = [CaseResult?](repeating: nil, count: specs.count)
    for (k, source) in sources.enumerated() {
      let cases = specs.indices.filter { specs[$0].source == k }
      let checked = checkSource(
        source, cases: cases, specs: specs, plans: plans, job: job, spectral: spectral, base: base, s: s, plan: plan,
        p: p, solverCheck: solverCheck)
      for (c, r) in zip(cases, checked) { results[c] = r }
    }
    let solves = evaluator.solves - solvesBefore
    return results.map { r in
      var r = r!
      r.eigenSolves = solves
      return r
    }
  }

  /// A matrix's cases with their x resolved, its classification and steps, and the
  /// evaluation of s they use.
  struct MatrixSetup {
    var specs: [CaseSpec]
    var base: SpectralEvaluation
    var s: Double
    var plan: MatrixPlan
  }

  /// Resolves the generated x edge cases (defined by their margin `1 + x*s`) and plans the
  /// matrix (`planMatrix`) for an evaluation with a defined s. At a double real minimum
  /// ds/dY becomes the mean of its two copies' derivatives (`ClusterGradient`).
  func prepare(
    _ specs: [CaseSpec], base: SpectralEvaluation, y: Matrix, spectral: SpectralKind, precision: SolvePrecision
  ) -> MatrixSetup {
    let s = base.s!
    var base = base
    var specs = specs
    for k in specs.indices where specs[k].x.margin != nil {
      specs[k].x.x = specs[k].x.resolved(s: s)
      specs[k].x.margin = nil
    }
    var plan = planMatrix(base: base, s: s, y: y, precision: precision)
    if plan.classification == .nonsmooth && spectral == .minRealEigenvalue && base.gap <= plan.closeCandidates,
      let cluster = ClusterGradient(base, y: y, s: s)
    {
      base.gradient = cluster.mean
      plan.reason += "; ds/dY is the mean of the two copies' derivatives"
    }
    return MatrixSetup(specs: specs, base: base, s: s, plan: plan)
  }

  /// How many cases of a matrix no finite difference can run on at its precision: no step
  /// above the rounding of Y keeps t = x*s within what the transform allows
  /// (`step-unresolvable`) or clear of a pole (`near-pole`). Where double precision leaves
  /// some, and every source reads the tool's s (`readsToolSpectrum`: a program computes s
  /// itself in its own precision, so `--exec` never is) in float64 (a float32 source
  /// rounds s and its transform to float32, a staircase that double-double's steps, which
  /// move s by a few float32 ulps, do not resolve), the matrix is solved again in
  /// double-double (`SolvePrecision.extended`) and checked so if that leaves fewer and
  /// its minimum is simple and resolved there (`resolvedInExtended`).
  func resolutionSkips(_ setup: MatrixSetup, sources: [any GradientSource]) -> Int {
    setup.specs.filter { spec in
      let source = sources[spec.source]
      let transform = source.transform ?? source.reference
      let step = caseStep(x: spec.x.x, transform: transform, s: setup.s, plan: setup.plan)
      return resolutionSkip(x: spec.x.x, transform: transform, s: setup.s, plan: setup.plan, step: step) != nil
    }.count
  }

  /// Whether double-double resolves the minimum: neither `nonsmooth` nor
  /// `ill-conditioned` at its resolution, and every other eigenvalue (complex ones
  /// included) at least `20 kappa floorStep` away, so that a step above the double-double
  /// floor moves s by at most 5% of the way to it. At a collision (a repeated eigenvalue,
  /// as on a diagonal matrix) the eigenvectors behind ds/dY are not determined, and a
  /// defective one (a Jordan block) splits into eigenvalues `u^(1/k)` apart in double-double
  /// as `eps^(1/k)` in double: more digits add nothing there.
  func resolvedInExtended(_ setup: MatrixSetup) -> Bool {
    let plan = setup.plan
    if plan.classification == .nonsmooth || plan.classification == .illConditioned { return false }
    var others = setup.base.eigenvalues
    guard let own = others.firstIndex(where: { $0.re == setup.s && $0.im == 0 }) else { return false }
    others.remove(at: own)
    let reach = 20 * plan.kappa * plan.floorStep
    return others.allSatisfy { e in ((e.re - setup.s) * (e.re - setup.s) + e.im * e.im).squareRoot() > reach }
  }

  /// The cases of one source: one batch evaluation, the differences, every check.
  func checkSource(
    _ source: any GradientSource, cases: [Int], specs: [CaseSpec], plans: [CasePlan], job: MatrixJob,
    spectral: SpectralKind, base: SpectralEvaluation, s: Double, plan: MatrixPlan, p: Perturbations,
    solverCheck: CheckResult?
  ) -> [CaseResult] {
    let (points, layouts) = gatherPoints(cases, specs: specs, plans: plans, s: s, p: p, scaleY: plan.scaleY)
    let values: [SourceValue]
    do {
      values = try source.evaluate(EvaluationBatch(y: job.y, base: base, directions: p.directions, points: points))
      if values.count != points.count {
        throw SourceCountError(expected: points.count, found: values.count)
      }
    } catch {
      // No values to check: `finite` fails with the reason.
      let failed = CheckResult(status: .fail, code: .evaluationFailed, message: "\(source.name) could not evaluate: \(error)")
      return cases.map { c in
        unchecked(job, specs[c], source, spectral, plans[c], base: base, check: (.finite, failed), solverCheck: solverCheck)
      }
    }
    let yDifferences = directionalDifferences(
      cases.indices.map { (plans[cases[$0]], layouts[$0]) }, values: values, p: p, matrix: plan, dtype: source.dtype)
    return cases.indices.map { i in
      let c = cases[i]
      let spec = specs[c]
      let value = values[layouts[i].base]
      if let reason = value.error {
        let failed = CheckResult(status: .fail, code: .evaluatorError, message: "\(source.name) answered with an error: \(reason)")
        return unchecked(job, spec, source, spectral, plans[c], base: base, check: (.evaluate, failed), solverCheck: solverCheck)
      }
      var context = caseContext(spec, source: source, s: s, plan: plans[c], matrix: plan, value: value)
      if differenceSkip(context) == nil && plans[c].oneSided {
        context.oneSided = oneSidedEvidence(
          value: value, plan: plans[c], layout: layouts[i], values: values, p: p, matrix: plan, x: spec.x.x)
        context.oneSidedTaylor = oneSidedTaylor(
          value: value, plan: plans[c], layout: layouts[i], values: values, p: p, matrix: plan)
      } else if differenceSkip(context) == nil, let y = yDifferences[i] {
        context.gradient = gradientEvidence(
          y, value: value, plan: plans[c], layout: layouts[i], values: values, p: p, x: spec.x.x, dtype: source.dtype)
        context.taylor = taylorResult(
          value: value, plan: plans[c], layout: layouts[i], values: values, p: p, matrix: plan, dtype: source.dtype)
      }
      var checks = runChecks(context)
      if let solverCheck { checks[.solver] = solverCheck }
      if let kind = source.reference {
        checks[.reference] = referenceCheck(
          kind, dtype: source.dtype, x: spec.x.x, beta: spec.beta, s: s, kappa: plan.kappa, job: job, base: base,
          value: value, smooth: plans[c].classification != .nonsmooth)
      }
      if let e = spec.x.expect, e.spectral == spectral,
        let check = Self.expectCheck(
          e, x: spec.x.x, transform: source.transform, beta: spec.beta, s: s, kappa: plan.kappa,
          normY: job.y.normFrobenius, dsdY: base.gradient!, value: value)
      {
        checks[.expect] = check
      }
      return assemble(
        job: job, spec: spec, source: source, spectral: spectral, classification: context.classification,
        base: base, value: value, checks: checks, solves: 0)
    }
  }

  /// What the checks of one case read, before its finite-difference evidence.
  func caseContext(
    _ spec: CaseSpec, source: any GradientSource, s: Double, plan casePlan: CasePlan, matrix plan: MatrixPlan,
    value: SourceValue
  ) -> CaseContext {
    var context = CaseContext(
      x: spec.x.x, s: s, beta: spec.beta, transform: source.transform, dtype: source.dtype,
      classification: casePlan.classification, reason: casePlan.reason, value: value,
      exactMargin: (source.transform ?? source.reference).map {
        Transform.exactMargin($0, x: spec.x.x, s: s, beta: spec.beta, parameters: options.parameters)
      },
      maxGrad: options.maxGrad, fidelityTolerance: options.fidelityTolerance, skip: casePlan.skip)
    if plan.kappa > plan.illConditionedKappa { context.illKappa = plan.kappa }
    context.precisionNote = plan.precisionNote
    context.compound = casePlan.compoundShift != nil
    return context
  }

  /// A case whose source gave no values to check: the one failed check (and `solver`).
  func unchecked(
    _ job: MatrixJob, _ spec: CaseSpec, _ source: any GradientSource, _ spectral: SpectralKind, _ plan: CasePlan,
    base: SpectralEvaluation, check: (CheckName, CheckResult), solverCheck: CheckResult?
  ) -> CaseResult {
    var checks = [check.0: check.1]
    if let solverCheck { checks[.solver] = solverCheck }
    return assemble(
      job: job, spec: spec, source: source, spectral: spectral, classification: plan.classification,
      base: base, value: nil, checks: checks, solves: 0)
  }

  /// The checks of one case with a defined s.
  func runChecks(_ c: CaseContext) -> [CheckName: CheckResult] {
    var gradient = gradientCheck(c, comparison: comparison.scaled(for: c.dtype))
    var taylor = taylorCheck(c, gradient: gradient)
    if let note = c.precisionNote {
      if gradient.status != .skip { gradient.message += "; " + note }
      if taylor.status != .skip { taylor.message += "; " + note }
    }
    return [
      .constraint: constraintCheck(c), .finite: finiteCheck(c), .gradient: gradient,
      .taylor: taylor, .growth: growthCheck(c), .fidelity: fidelityCheck(c),
    ]
  }

  /// Every case fails `solver` when the native solver fails on the matrix.
  func nativeFailure(
    _ job: MatrixJob, _ specs: [CaseSpec], _ sources: [any GradientSource], _ spectral: SpectralKind,
    error: any Error, _ solverCheck: CheckResult?, _ solves: Int
  ) -> [CaseResult] {
    specs.map { spec in
      var checks: [CheckName: CheckResult] = [
        .solver: CheckResult(status: .fail, code: .nativeFailed, message: "native solver: \(error)")
      ]
      if let solverCheck, solverCheck.status == .fail { checks[.solver] = solverCheck }
      return assemble(
        job: job, spec: spec, source: sources[spec.source], spectral: spectral, classification: nil, base: nil,
        value: nil, checks: checks, solves: solves)
    }
  }

  /// Without s every case is skipped with the reason.
  func undefined(
    _ job: MatrixJob, _ specs: [CaseSpec], _ sources: [any GradientSource], _ spectral: SpectralKind,
    _ base: SpectralEvaluation, _ solverCheck: CheckResult?, _ solves: Int
  ) -> [CaseResult] {
    let noS = base.s == nil
    let reason = noS
      ? "no real eigenvalue: s is undefined under \(spectral.rawValue) (--sentinel V masks complex eigenvalues)"
      : "no gradient available"
    let skipped = CheckResult(status: .skip, code: noS ? .noRealEigenvalue : .noGradient, message: reason)
    return specs.map { spec in
      var checks: [CheckName: CheckResult] = [:]
      for c in [CheckName.constraint, .finite, .gradient, .taylor, .growth, .fidelity] { checks[c] = skipped }
      if let solverCheck { checks[.solver] = solverCheck }
      return assemble(
        job: job, spec: spec, source: sources[spec.source], spectral: spectral, classification: .noRealEigenvalue,
        base: base, value: nil, checks: checks, solves: solves)
    }
  }
}

/// A source answered with another number of values than points.
struct SourceCountError: Error, CustomStringConvertible {
  var expected: Int
  var found: Int
  var description: String { "returned \(found) values for \(expected) points" }
}
