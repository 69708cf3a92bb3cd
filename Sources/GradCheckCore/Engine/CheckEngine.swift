import EigenCore
import FiniteDifferences
#if canImport(Glibc)
  import Glibc
#endif
import GradcheckModel
import Spectral

/// Runs every check of SPEC section 4 on the cases of one matrix.
///
/// The eigenproblem of the matrix and of each perturbed matrix is solved once and
/// shared by every x, transform and beta of the matrix: one finite-difference sweep
/// per direction evaluates all cases at once, and the Taylor test memoises the
/// perturbed spectra by step. So the solve count per matrix (reported as
/// `eigen_solves`) does not grow with the number of transforms and betas.
public struct CheckEngine: Sendable {
  public var options: EngineOptions
  /// A bug injected into the analytic gradient (selftest only).
  public var mutation: GradientMutation?
  /// Cross-checks a matrix against the reference solver; nil skips `solver`.
  public var referenceCheck: (@Sendable (Matrix, inout SpectralEvaluator) -> CheckResult)?

  /// The finite-difference engine used for the `gradient` check.
  public var difference = CentralDifference()
  /// The comparison rule of the `gradient` check.
  public var comparison = GradientComparison()

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
    options: EngineOptions, mutation: GradientMutation? = nil,
    referenceCheck: (@Sendable (Matrix, inout SpectralEvaluator) -> CheckResult)? = nil
  ) {
    self.options = options
    self.mutation = mutation
    self.referenceCheck = referenceCheck
  }

  struct CaseSpec {
    var x: XCase
    var transform: TransformKind
    var beta: Double
  }

  /// All cases of one job, in job order (x, transform, beta).
  public func run(_ job: MatrixJob, evaluator: inout SpectralEvaluator) -> [CaseResult] {
    let spectral = options.spectral ?? job.spectral ?? .minRealEigenvalue
    let transforms = options.transforms ?? job.transforms ?? TransformKind.allCases
    let betas = options.betas ?? job.betas ?? EngineOptions.defaultBetas
    var specs: [CaseSpec] = []
    for x in job.xs { for t in transforms { for b in betas { specs.append(CaseSpec(x: x, transform: t, beta: b)) } } }
    let solvesBefore = evaluator.solves
    let y = job.y
    let n = y.rows

    let solverCheck = referenceCheck?(y, &evaluator)

    let base: SpectralEvaluation
    do {
      base = try evaluator.evaluate(spectral, y, sentinel: options.sentinel, gradient: true)
    } catch {
      let solves = evaluator.solves - solvesBefore
      return specs.map { spec in
        var checks: [CheckName: CheckResult] = [
          .solver: CheckResult(status: .fail, message: "native solver: \(error)")
        ]
        if let solverCheck, solverCheck.status == .fail { checks[.solver] = solverCheck }
        return finish(
          job: job, spec: spec, spectral: spectral, classification: nil, base: nil, analytic: nil,
          checks: checks, solves: solves)
      }
    }

    // No s: every case is skipped with the reason.
    guard let s = base.s, let dsdY = base.derivative(mutation: mutation) ?? base.gradient else {
      let solves = evaluator.solves - solvesBefore
      let reason = base.s == nil
        ? "no real eigenvalue: s is undefined under \(spectral.rawValue) (--sentinel V masks complex eigenvalues)"
        : "no gradient available"
      return specs.map { spec in
        var checks: [CheckName: CheckResult] = [:]
        for c in [CheckName.constraint, .finite, .gradient, .taylor, .growth, .fidelity] {
          checks[c] = CheckResult(status: .skip, message: reason)
        }
        if let solverCheck { checks[.solver] = solverCheck }
        return finish(
          job: job, spec: spec, spectral: spectral, classification: .noRealEigenvalue, base: base,
          analytic: nil, checks: checks, solves: solves)
      }
    }

    // Generated x edge cases are defined by their margin 1 + x*s.
    for k in 0..<specs.count where specs[k].x.margin != nil {
      specs[k].x.x = specs[k].x.resolved(s: s)
      specs[k].x.margin = nil
    }

    // Matrix-level classification and the finite-difference step.
    let kappa = max(base.kappa ?? 1, 1)
    let scaleY = max(y.maxAbs, Double.leastNormalMagnitude)
    let wanted = difference.stepFactor * scaleY
    var limits: [(Double, String)] = []
    if base.gap.isFinite {
      limits.append((0.05 * base.gap / kappa, "the two smallest candidates are \(fmt(base.gap)) apart"))
    }
    if base.nearestComplexImag.isFinite {
      limits.append((
        0.05 * base.nearestComplexImag / kappa,
        "a complex pair with |Im| = \(fmt(base.nearestComplexImag)) lies at or below s"))
    }
    let sLimit = 0.1 * abs(s) / kappa
    // nonsmooth: candidates close in absolute terms (relative to |Y|), or a flip
    // under the perturbation (below); ill-conditioned: kappa too large, or the step
    // needed to stay inside the gap is below what rounding lets a FD resolve.
    var h0 = wanted
    var matrixClass = Classification.smooth
    var classReason = "well separated minimum, kappa \(fmt(kappa))"
    let floorStep = Self.stepFloor * scaleY
    if base.gap.isFinite && base.gap <= Self.closeCandidates * scaleY {
      matrixClass = .nonsmooth
      classReason = "minimizer not unique within the finite-difference resolution: the two smallest candidates are \(fmt(base.gap)) apart"
    } else if base.nearestComplexImag.isFinite && base.nearestComplexImag <= Self.closeCandidates * scaleY {
      matrixClass = .nonsmooth
      classReason = "a complex pair with |Im| = \(fmt(base.nearestComplexImag)) at or below s may become real under the perturbation"
    }
    for (limit, why) in limits where limit < h0 {
      h0 = limit
      if limit < floorStep && matrixClass == .smooth {
        matrixClass = .illConditioned
        classReason = "kappa = \(fmt(kappa)): \(why), so a finite difference must step below the resolvable \(fmt(floorStep))"
      }
    }
    if matrixClass == .smooth && kappa > Self.illConditionedKappa {
      matrixClass = .illConditioned
      classReason = "kappa = \(fmt(kappa)) is too large for a finite difference to resolve"
    }
    if matrixClass == .smooth && abs(s) <= Self.nearSingular * max(scaleY, 1) {
      matrixClass = .nearSingular
      classReason = "|s| = \(fmt(abs(s))) is near 0, where transforms dividing by s are at risk"
    }
    if sLimit > 0 && sLimit < h0 { h0 = sLimit }
    // Steps cannot stay clear of s = 0: transforms with a pole there cannot be
    // differentiated numerically (their divergence is for growth and fidelity).
    let poleUnresolved = sLimit < floorStep
    h0 = max(h0, floorStep)

    // Noise of one value: s carries an absolute error of about eps * kappa * |Y|.
    let sNoise = Double.ulpOfOne * kappa * scaleY * Double(n)
    let relNoise = max(Double.ulpOfOne, sNoise / max(abs(s), Double.leastNormalMagnitude))

    // Analytic gradients of every case.
    let analytic = specs.map {
      analyticGradient(
        $0.transform, x: $0.x.x, s: s, beta: $0.beta, dsdY: dsdY, parameters: options.parameters,
        mutation: mutation)
    }

    // Perturbation directions in Y space.
    var rng = SeededRNG(seed: options.seed, stream: fnv1a(job.name) ^ 0xD1AE)
    var directions: [Matrix] = []
    var labels: [String] = []
    if n <= options.jacobianLimit {
      for i in 0..<n {
        for j in 0..<n {
          var w = Matrix(n: n)
          w[i, j] = 1
          directions.append(w)
          labels.append("grad_y[\(i)][\(j)]")
        }
      }
    } else {
      for d in 0..<options.randomDirections {
        var w = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
        let f = 1 / w.maxAbs
        for k in 0..<w.storage.count { w.storage[k] *= f }
        directions.append(w)
        labels.append("<grad_y, W\(d)>")
      }
    }

    // s(Y + h W_d), memoised per direction and step: every sweep (the shared one
    // and the smaller-step ones near a kink) reads it, so a solve is never repeated.
    var flipped: String? = nil
    var sCache = [[UInt64: Double]](repeating: [:], count: directions.count)
    func sAt(_ d: Int, _ h: Double) -> Double {
      if let v = sCache[d][h.bitPattern] { return v }
      var m = y
      let w = directions[d]
      for k in 0..<m.storage.count { m.storage[k] += h * w.storage[k] }
      var v = Double.nan
      if let r = try? evaluator.value(spectral, m, sentinel: options.sentinel), let sh = r.s {
        v = sh
        if r.realCount != base.realCount && flipped == nil {
          flipped = "real/complex classification flips under a perturbation of \(fmt(abs(h))) (\(base.realCount) -> \(r.realCount) real eigenvalues)"
        }
      } else if flipped == nil {
        flipped = "s undefined at step \(fmt(h))"
      }
      sCache[d][h.bitPattern] = v
      return v
    }

    // One sweep per direction: every case's x_cond along Y + h W from one solve per step.
    var numeric = [[Double]](repeating: [], count: specs.count)
    var errors = [[Double]](repeating: [], count: specs.count)
    var tables: [DerivativeEstimate] = []
    var fd = difference
    fd.relativeNoise = relNoise
    for d in 0..<directions.count {
      let est = fd.derivative(initialStep: h0, inputMagnitude: scaleY) { h in
        let sh = sAt(d, h)
        return specs.map {
          Transform.evaluate($0.transform, x: $0.x.x, s: sh, beta: $0.beta, parameters: options.parameters).value
        }
      }
      for c in 0..<specs.count {
        numeric[c].append(est.estimates[c])
        errors[c].append(est.errorEstimates[c])
      }
      tables.append(est)
    }
    if flipped != nil && matrixClass != .nonsmooth {
      matrixClass = .nonsmooth
      classReason = flipped!
    }

    // Taylor direction (x and Y together), memoised perturbed spectra.
    let wx = rng.gaussian()
    var wy = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
    let wScale = 1 / max(abs(wx), wy.maxAbs)
    for k in 0..<wy.storage.count { wy.storage[k] *= wScale }
    let wxs = wx * wScale
    // The Taylor ladder h_j = h0 2^-j, j = -4 ..< 28, is solved once up front and
    // shared by every case (so the solve count does not depend on how far each
    // case's test descends); a step outside it reads as NaN (unusable).
    let taylorH0 = min(8 * h0, 0x1p-4 * scaleY)
    var memo: [UInt64: Double] = [:]
    for j in Self.taylorLadder {
      let h = taylorH0 * pow(2, Double(-j))
      var m = y
      for k in 0..<m.storage.count { m.storage[k] += h * wy.storage[k] }
      memo[h.bitPattern] = (try? evaluator.value(spectral, m, sentinel: options.sentinel))?.s ?? .nan
    }
    func sAlong(_ h: Double) -> Double {
      if h == 0 { return s }
      return memo[h.bitPattern] ?? .nan
    }
    let taylor = TaylorTest(relativeNoise: relNoise)

    // The step in Y for one x: t = x*s must move by at most 0.1 per step (every
    // transform varies on the scale of t), and for where/leaky the steps must stay
    // clear of their kink at 1 + x*s = 0. The smaller sweeps are solved for every
    // x that needs them, kinked or not, whatever the transforms asked, so the solve
    // count depends on the matrix and the x values only.
    func yStep(_ x: Double, kinked: Bool) -> Double {
      guard abs(x) > 0 else { return h0 }
      var h = min(h0, 0.1 / (abs(x) * kappa))
      let t = x * s
      if kinked && abs(1 + t) > 0 { h = min(h, 0.1 * abs(1 + t) / (abs(x) * kappa)) }
      return h
    }
    var fdc = difference
    fdc.relativeNoise = relNoise
    var smallSteps = Set<Double>()
    for xv in specs.map({ $0.x.x }) {
      for k in [false, true] {
        let h = yStep(xv, kinked: k)
        if h < h0 && h >= floorStep { smallSteps.insert(h) }
      }
    }
    for h in smallSteps.sorted() {
      for d in 0..<directions.count {
        _ = fdc.derivative(initialStep: h, inputMagnitude: scaleY) { step in [sAt(d, step)] }
      }
    }

    // Checks per case.
    var results: [CaseResult] = []
    results.reserveCapacity(specs.count)
    for (c, spec) in specs.enumerated() {
      let a = analytic[c]
      let x = spec.x.x
      let t = x * s
      var classification = matrixClass
      var reason = classReason
      var checks: [CheckName: CheckResult] = [:]
      let kinked = spec.transform == .where || spec.transform == .leaky
      // where/leaky have a kink at 1 + x*s = 0: the steps must not cross it.
      // The natural scale of x is 1/|s| (t = x*s), or |x| when larger.
      let xScale = s != 0 && (1 / abs(s)).isFinite ? max(abs(x), 1 / abs(s)) : max(abs(x), 1)
      let hx0 = difference.stepFactor * xScale
      if kinked && classification != .nonsmooth {
        let sMove = abs(x) * kappa * h0 * 8
        let xMove = abs(s) * hx0 * 8
        if abs(1 + t) <= max(sMove, xMove) && abs(1 + t) <= Self.stepFloor * max(1, abs(t)) * 1e6 {
          classification = .nonsmooth
          reason = "\(spec.transform.rawValue) has a kink at 1 + x*s = 0; here 1 + x*s = \(fmt(1 + t))"
        }
      }
      var hx = hx0
      let hYcase = yStep(x, kinked: kinked)
      if kinked && abs(1 + t) > 0 && abs(s) > 0 { hx = min(hx, 0.1 * abs(1 + t) / abs(s)) }

      // constraint
      let margin = 1 + a.value * s
      if margin.isNaN || margin <= 0 {
        checks[.constraint] = CheckResult(
          status: .fail, value: margin.isFinite ? margin : nil, tolerance: 0,
          message: "margin 1 + x_cond*s = \(fmt(margin)) <= 0: the constraint is violated")
      } else if margin <= Self.marginRoundingLevel {
        checks[.constraint] = CheckResult(
          status: .warn, value: margin, tolerance: Self.marginRoundingLevel,
          message: "margin 1 + x_cond*s = \(fmt(margin)) > 0 but at rounding level (<= 4 ulp of 1)")
      } else {
        checks[.constraint] = CheckResult(
          status: .pass, value: margin, tolerance: Self.marginRoundingLevel,
          message: "margin 1 + x_cond*s = \(fmt(margin)) > 0")
      }

      // finite
      let badY = a.gradY.storage.filter { !$0.isFinite }.count
      var bad: [String] = []
      if !a.value.isFinite { bad.append("x_cond = \(fmt(a.value))") }
      if !a.dx.isFinite { bad.append("grad_x = \(fmt(a.dx))") }
      if badY > 0 { bad.append("\(badY) entries of grad_y") }
      checks[.finite] = bad.isEmpty
        ? CheckResult(status: .pass, value: 0, tolerance: 0, message: "x_cond, grad_x and grad_y are finite")
        : CheckResult(
          status: .fail, value: Double(bad.count), tolerance: 0,
          message: "not finite: " + bad.joined(separator: ", "))

      // gradient
      let singularAtZero = spec.transform == .softplus || (kinked && 1 + t <= 0)
      if hYcase < floorStep && classification != .nonsmooth {
        let why = "|x| kappa = \(fmt(abs(x) * kappa)): t = x*s moves by more than 0.1 within the smallest step a finite difference can resolve (\(fmt(floorStep)))"
        checks[.gradient] = CheckResult(status: .skip, message: why)
        checks[.taylor] = CheckResult(status: .skip, message: why)
      } else if poleUnresolved && singularAtZero && classification != .nonsmooth {
        let why = "near-singular: |s| = \(fmt(abs(s))) is too close to the pole of \(spec.transform.rawValue) at s = 0 for a finite difference to step around it"
        checks[.gradient] = CheckResult(status: .skip, message: why)
        checks[.taylor] = CheckResult(status: .skip, message: why)
      } else if classification == .nonsmooth {
        checks[.gradient] = CheckResult(status: .skip, message: "nonsmooth: \(reason)")
        checks[.taylor] = CheckResult(status: .skip, message: "nonsmooth: \(reason)")
      } else if !bad.isEmpty {
        checks[.gradient] = CheckResult(status: .skip, message: "analytic gradient not finite (see finite)")
        checks[.taylor] = CheckResult(status: .skip, message: "analytic gradient not finite (see finite)")
      } else {
        var an: [Double] = []
        var nu: [Double] = []
        var er: [Double] = []
        var lab: [String] = []
        var scaleS = abs(a.dx)
        var yNumeric = numeric[c], yErrors = errors[c]
        if hYcase < h0 {
          // This case needs smaller steps than the shared sweep (near its kink);
          // the spectra were solved above.
          yNumeric = []
          yErrors = []
          for d in 0..<directions.count {
            let est = fdc.derivative(initialStep: hYcase, inputMagnitude: scaleY) { h in
              [Transform.evaluate(spec.transform, x: x, s: sAt(d, h), beta: spec.beta, parameters: options.parameters).value]
            }
            yNumeric.append(est.estimates[0])
            yErrors.append(est.errorEstimates[0])
          }
        }
        for (d, w) in directions.enumerated() {
          var dot = 0.0
          var size = 0.0
          for k in 0..<w.storage.count {
            dot += a.gradY.storage[k] * w.storage[k]
            size += abs(a.gradY.storage[k] * w.storage[k])
          }
          an.append(dot)
          nu.append(yNumeric[d])
          er.append(yErrors[d])
          lab.append(labels[d])
          scaleS = max(scaleS, size)
        }
        // d/dx: no eigen solve needed.
        var fdx = difference
        fdx.relativeNoise = Double.ulpOfOne
        let ex = fdx.derivative(initialStep: hx, inputMagnitude: abs(x)) { h in
          [Transform.evaluate(spec.transform, x: x + h, s: s, beta: spec.beta, parameters: options.parameters).value]
        }
        an.append(a.dx)
        nu.append(ex.estimates[0])
        er.append(ex.errorEstimates[0])
        lab.append("grad_x")
        let cmp = comparison.compare(analytic: an, numeric: nu, errorEstimates: er, scale: scaleS, labels: lab)
        var series: [SeriesPoint]? = nil
        if cmp.status != .pass, let wi = cmp.worstIndex {
          if wi < directions.count && hYcase >= h0 {
            series = tables[wi].centralErrorSeries(output: c, exact: an[wi])
          } else if wi == directions.count {
            series = ex.centralErrorSeries(output: 0, exact: a.dx)
          }
        }
        var check = cmp.checkResult(series: series)
        if check.status == .fail && classification == .illConditioned {
          check.status = .warn
          check.message = "ill-conditioned (\(reason)); " + check.message
        }
        checks[.gradient] = check

        // taylor: along (wx, W) jointly.
        // Taylor steps h are in units of Y; the x component moves in units of xScale.
        let xdir = wxs * xScale / scaleY
        var g = a.dx * xdir
        for k in 0..<wy.storage.count { g += a.gradY.storage[k] * wy.storage[k] }
        let tr = taylor.run(initialStep: taylorH0, directionalDerivative: g) { h in
          Transform.evaluate(
            spec.transform, x: x + h * xdir, s: sAlong(h), beta: spec.beta, parameters: options.parameters
          ).value
        }
        var tcheck = tr.checkResult()
        // Conflicting evidence: the remainder looks first order while the
        // Richardson check of every entry passes within its tolerance. The Taylor
        // window then lies outside the asymptotic regime; say so rather than fail.
        if tcheck.status == .fail && checks[.gradient]?.status == .pass {
          tcheck.status = .warn
          tcheck.message = "not asymptotic: " + tcheck.message + "; the entrywise finite-difference check passes"
        }
        // Series are kept for the plots of cases that did not pass.
        if tcheck.status == .pass { tcheck.series = nil }
        if tcheck.status == .fail && classification == .illConditioned {
          tcheck.status = .warn
          tcheck.message = "ill-conditioned (\(reason)); " + tcheck.message
        }
        checks[.taylor] = tcheck
      }

      // growth
      var maxGrad = abs(a.dx)
      for v in a.gradY.storage { maxGrad = max(maxGrad, abs(v)) }
      if !maxGrad.isFinite || maxGrad > options.maxGrad {
        checks[.growth] = CheckResult(
          status: .fail, value: maxGrad.isFinite ? maxGrad : nil, tolerance: options.maxGrad,
          message: "exploding gradient: max |grad| = \(fmt(maxGrad)) > --max-grad \(fmt(options.maxGrad))")
      } else if 1 + t <= 0 && a.dx == 0 {
        checks[.growth] = CheckResult(
          status: .fail, value: 0, tolerance: options.maxGrad,
          message: "vanishing gradient: dT/dx = 0 where the constraint is active (1 + x*s = \(fmt(1 + t)))")
      } else {
        checks[.growth] = CheckResult(
          status: .pass, value: maxGrad, tolerance: options.maxGrad,
          message: "max |grad| = \(fmt(maxGrad)) <= \(fmt(options.maxGrad)); dT/dx = \(fmt(a.dx))")
      }

      // fidelity
      if 1 + t >= 0.5 {
        let err = x == 0 ? (a.value == 0 ? 0 : Double.infinity) : abs(a.value - x) / abs(x)
        let ok = err <= options.fidelityTolerance
        checks[.fidelity] = CheckResult(
          status: ok ? .pass : .fail, value: err.isFinite ? err : nil,
          tolerance: options.fidelityTolerance,
          message: ok
            ? "x_cond = \(fmt(a.value)) stays within \(fmt(options.fidelityTolerance)) of x = \(fmt(x))"
            : "x_cond = \(fmt(a.value)) departs from x = \(fmt(x)) (relative \(fmt(err))) although x is feasible (1 + x*s = \(fmt(1 + t)))")
      } else {
        checks[.fidelity] = CheckResult(
          status: .skip, message: "x is not comfortably feasible (1 + x*s = \(fmt(1 + t)) < 0.5)")
      }

      if let solverCheck { checks[.solver] = solverCheck }
      if let e = spec.x.expect, e.spectral == spectral,
        let ec = expectCheck(
          e, spec: spec, s: s, kappa: kappa, normY: y.normFrobenius, dsdY: base.gradient ?? dsdY, a: a)
      {
        checks[.expect] = ec
      }

      var r = finish(
        job: job, spec: spec, spectral: spectral, classification: classification, base: base,
        analytic: a, checks: checks, solves: 0)
      _ = reason
      r.kappa = base.kappa
      results.append(r)
    }
    let solves = evaluator.solves - solvesBefore
    for k in 0..<results.count { results[k].eigenSolves = solves }
    return results
  }

  // MARK: - expect

  /// Compares fixture-supplied values with ours. The tolerance is the rounding
  /// error a correct evaluation in the fixture's dtype can make (`u` = 1e-8 for
  /// float64, 1e-4 for float32, well above each dtype's eps to allow for a different
  /// solver and summation order), measured by the size of the terms that cancel:
  /// - `lambda_min`: `u (|lambda| + kappa |Y|_F)` (backward-stable solvers);
  /// - `x_cond` of the form `(f(1 + t) - 1)/s`: `u (|T| + (1 + |1 + t|) / |s|)`;
  /// - `grad_x`: `u |grad_x|`;
  /// - `grad_y = dT/ds ds/dY` with `dT/ds = (x f'(1+t) s - (f - 1)) / s^2`:
  ///   `u (|grad_y_ij| + |ds/dY_ij| (|x grad_x| + |T|) / |s|)` (a naive chain rule,
  ///   as autograd computes it, cancels there when 1 + t is large).
  func expectCheck(
    _ e: ExpectedValues, spec: CaseSpec, s: Double, kappa: Double, normY: Double, dsdY: Matrix,
    a: AnalyticGradient
  ) -> CheckResult? {
    let u = e.dtype == .float64 ? 1e-8 : 1e-4
    var worst = 0.0
    var worstName = ""
    var compared: [String] = []
    func cmp(_ name: String, _ mine: [Double], _ theirs: [Double], _ allowed: [Double]) {
      for k in 0..<min(mine.count, theirs.count) {
        let d = abs(mine[k] - theirs[k]) / max(allowed[k], Double.leastNormalMagnitude)
        let v = mine[k].isNaN || theirs[k].isNaN ? Double.infinity : d
        if v > worst || worstName.isEmpty {
          worst = v
          worstName = mine.count > 1 ? "\(name)[\(k / a.gradY.cols)][\(k % a.gradY.cols)]" : name
        }
      }
      compared.append(name)
    }
    let x = spec.x.x
    let t = x * s
    if let l = e.lambdaMin { cmp("lambda_min", [s], [l], [u * (abs(l) + kappa * normY)]) }
    let own = (e.transform == nil || e.transform == spec.transform) && (e.beta == nil || e.beta == spec.beta)
    if own {
      if let v = e.xCond { cmp("x_cond", [a.value], [v], [u * (abs(v) + (1 + abs(1 + t)) / abs(s))]) }
      if let v = e.gradX { cmp("grad_x", [a.dx], [v], [u * abs(v)]) }
      if let v = e.gradY {
        let terms = (abs(x * a.dx) + abs(a.value)) / abs(s)
        let allowed = (0..<v.storage.count).map { u * (abs(v.storage[$0]) + abs(dsdY.storage[$0]) * terms) }
        cmp("grad_y", a.gradY.storage, v.storage, allowed)
      }
    }
    if compared.isEmpty { return nil }
    let ok = worst <= 1
    return CheckResult(
      status: ok ? .pass : .fail, value: worst, tolerance: 1,
      message: ok
        ? "\(compared.joined(separator: ", ")) agree with the fixture's \(e.dtype.rawValue) values (worst \(worstName) at \(fmt(worst)) of its tolerance)"
        : "\(worstName) differs from the fixture's \(e.dtype.rawValue) value by \(fmt(worst)) times its rounding tolerance (u = \(fmt(u)))")
  }

  // MARK: - assembling a case

  func finish(
    job: MatrixJob, spec: CaseSpec, spectral: SpectralKind, classification: Classification?,
    base: SpectralEvaluation?, analytic: AnalyticGradient?, checks: [CheckName: CheckResult], solves: Int
  ) -> CaseResult {
    var checks = checks
    let status = Self.status(
      // A fixture's outcomes describe its own spectral quantity.
      of: &checks, outcomes: spectral == (job.spectral ?? .minRealEigenvalue) ? job.outcomes : [], index: spec.x.index, transform: spec.transform, beta: spec.beta,
      classification: classification)
    let label = spec.x.label.map { " x=\($0)" } ?? ""
    let id = "\(job.name)[\(spec.x.index)]\(label) \(spec.transform.rawValue) beta=\(formatExact(spec.beta))"
    let repro = caseRepro(
      jobPrefix: job.repro, xLabel: spec.x.label, transform: spec.transform.rawValue, beta: spec.beta,
      spectral: spectral, options: options)
    return CaseResult(
      id: id, source: job.source, index: spec.x.index, family: job.family, n: job.y.rows,
      transform: spec.transform, beta: spec.beta, spectral: spectral, classification: classification,
      status: status, x: spec.x.x, lambdaMin: base?.s, kappa: base?.kappa,
      eigenvalues: (base?.eigenvalues ?? []).map { ComplexPair($0.re, $0.im) },
      xCond: analytic?.value, gradX: analytic?.dx, gradY: analytic?.gradY.nested, checks: checks,
      repro: repro, eigenSolves: solves)
  }

  /// A case's status: the worst of its checks, then the fixture's outcomes
  /// (an expected `fail` that fails is `xfail`, one that does not is `xpass`; an
  /// expected other status that does not occur adds a failing `expect` entry).
  static func status(
    of checks: inout [CheckName: CheckResult], outcomes: [OutcomeRule], index: Int,
    transform: TransformKind?, beta: Double?, classification: Classification?
  ) -> Status {
    var expectedFail: Set<CheckName> = []
    var mismatches: [String] = []
    for o in outcomes where o.matches(index: index, transform: transform, beta: beta) {
      let actual = checks[o.check]?.status ?? .skip
      if o.status == .fail {
        expectedFail.insert(o.check)
      } else if actual != o.status {
        mismatches.append("outcome: expected \(o.check.rawValue) \(o.status.rawValue), got \(actual.rawValue)")
      }
    }
    if !mismatches.isEmpty {
      let prev = checks[.expect]
      checks[.expect] = CheckResult(
        status: .fail, value: prev?.value, tolerance: prev?.tolerance,
        message: ((prev.map { [$0.message] } ?? []) + mismatches).joined(separator: "; "))
    }
    var xpass = false
    var xfail = false
    var rest: [Status] = []
    for (name, r) in checks {
      if expectedFail.contains(name) {
        if r.status == .fail { xfail = true } else { xpass = true }
      } else {
        rest.append(r.status)
      }
    }
    for name in expectedFail where checks[name] == nil { _ = name; xpass = true }
    let worst = Status.worst(rest)
    if worst == .fail { return .fail }
    if xpass { return .xpass }
    if classification == .noRealEigenvalue && worst != .fail { return xfail ? .xfail : .skip }
    if xfail && worst != .warn { return .xfail }
    return worst
  }
}

/// Four significant digits, deterministic ("1.235e-05", "0.01227", "-inf"),
/// for check messages.
func fmt(_ v: Double) -> String {
  if v.isNaN { return "nan" }
  if v.isInfinite { return v < 0 ? "-inf" : "inf" }
  if v == 0 { return "0" }
  let a = abs(v)
  // a = m * 10^e with 1 <= m < 10.
  var e = 0
  var m = a
  while m >= 10 {
    m /= 10
    e += 1
  }
  while m < 1 {
    m *= 10
    e -= 1
  }
  func trimmed(_ x: Double) -> String {
    var str = String(x)
    if str.hasSuffix(".0") { str.removeLast(2) }
    return str
  }
  let sign = v < 0 ? "-" : ""
  if a >= 1e-3 && a < 1e5 {
    var scale = 1.0
    for _ in 0..<max(0, 3 - e) { scale *= 10 }
    return sign + trimmed((a * scale).rounded() / scale)
  }
  var mr = (m * 1000).rounded() / 1000
  if mr >= 10 {
    mr /= 10
    e += 1
  }
  return sign + trimmed(mr) + "e" + (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
}

/// FNV-1a over the UTF-8 bytes of a string: a stable hash (Swift's Hasher is
/// seeded per process).
func fnv1a(_ s: String) -> UInt64 {
  var h: UInt64 = 0xcbf2_9ce4_8422_2325
  for b in s.utf8 {
    h ^= UInt64(b)
    h = h &* 0x100_0000_01b3
  }
  return h
}
