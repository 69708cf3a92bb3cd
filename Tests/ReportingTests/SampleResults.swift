// Sample results built in code for the renderer tests: every status, eig-style cases,
// non-finite values, convergence series and characters that need escaping.

import GradcheckModel

/// Builds one case with sensible defaults.
func makeCase(
  id: String, source: String? = "fixtures/forum-example.json", family: String? = nil,
  index: Int = 0, n: Int = 3, transform: TransformKind? = .softplus, beta: Double? = 5,
  classification: Classification? = .smooth, status: Status, x: Double? = 1,
  lambdaMin: Double? = -1.5519847121, gradX: Double? = 0.0595, gradY: [[Double]]? = [[0.14, -0.11], [0.29, 0.02]],
  checks: [CheckName: CheckResult], eigenSolves: Int? = nil
) -> CaseResult {
  CaseResult(
    id: id, source: source, index: index, family: family, n: n, transform: transform, beta: beta,
    spectral: .minRealEigenvalue, classification: classification, status: status, x: x,
    lambdaMin: lambdaMin, kappa: 1.124, eigenvalues: [ComplexPair(-1.55, 0), ComplexPair(0.86, 0)],
    xCond: x, gradX: gradX, gradY: gradY, checks: checks,
    repro: "gradcheck check \(source ?? "--family \(family ?? "random")") --transform "
      + "\(transform?.rawValue ?? "all") --beta \(beta.map { "\($0)" } ?? "5")",
    eigenSolves: eigenSolves)
}

func passing(_ names: [CheckName], margin: Double = 0.0123) -> [CheckName: CheckResult] {
  var d: [CheckName: CheckResult] = [:]
  for n in names {
    switch n {
    case .constraint:
      d[n] = CheckResult(status: .pass, value: margin, tolerance: 4.4e-16, message: "margin \(margin) > 0")
    case .taylor:
      d[n] = CheckResult(status: .pass, value: 2.001, tolerance: 1.5, message: "observed order 2")
    default:
      d[n] = CheckResult(status: .pass, value: 1e-9, tolerance: 1e-6, message: "\(n.rawValue) ok")
    }
  }
  return d
}

let allGradChecks: [CheckName] = [.constraint, .finite, .gradient, .taylor, .growth, .fidelity]

/// A mix of every status and shape of case the renderers must handle.
func sampleResults() -> Results {
  var cases: [CaseResult] = []
  // Passing softplus and safe-softplus cases over two betas.
  for (i, beta) in [1.0, 5.0].enumerated() {
    cases.append(makeCase(id: "forum-example[0] softplus beta=\(beta)", index: 0, beta: beta,
      status: .pass, x: -2, lambdaMin: -0.6075, checks: passing(allGradChecks)))
    cases.append(makeCase(id: "forum-example[0] safe-softplus beta=\(beta)", index: 0,
      transform: .safeSoftplus, beta: beta, status: .pass, x: -2, lambdaMin: -0.6075,
      gradX: 0.5 + Double(i), checks: passing(allGradChecks, margin: 1e-6)))
  }
  // softplus breaking near s = 0: deep violation in floating point, gradient with series.
  var brk = passing(allGradChecks)
  brk[.constraint] = CheckResult(status: .fail, value: -1.5e-3, tolerance: 4.4e-16,
    message: "margin 1 + x_cond*s = -0.0015 <= 0 (rounding at beta*(1+t) < -37)")
  brk[.gradient] = CheckResult(status: .fail, value: 0.31, tolerance: 1e-6,
    message: "relative error 0.31 > 1e-6",
    series: [
      SeriesPoint(step: 1e-1, error: 0.5), SeriesPoint(step: 1e-2, error: 0.3),
      SeriesPoint(step: 1e-3, error: 0.31), SeriesPoint(step: 1e-4, error: 0),
      SeriesPoint(step: 1e-5, error: .infinity), SeriesPoint(step: 1e-6, error: .nan),
    ])
  brk[.taylor] = CheckResult(status: .fail, value: 1.02, tolerance: 1.5,
    message: "observed order 1.02 < 1.5 (wrong gradient)",
    series: [
      SeriesPoint(step: 1e-1, error: 1e-2), SeriesPoint(step: 1e-2, error: 1e-3),
      SeriesPoint(step: 1e-3, error: 1e-4),
    ])
  brk[.growth] = CheckResult(status: .fail, value: 3.2e9, tolerance: 1e6, message: "max |grad| 3.2e9 > 1e6")
  cases.append(makeCase(id: "near-zero[0] softplus beta=50", source: "fixtures/near-zero.json",
    beta: 50, classification: .nearSingular, status: .fail, x: 3, lambdaMin: -3e-9,
    gradX: 3.2e9, gradY: [[1e3, -2e9], [0, 5]], checks: brk))
  // where: vanishing gradient.
  var van = passing(allGradChecks)
  van[.growth] = CheckResult(status: .fail, value: 0, tolerance: 0,
    message: "vanishing gradient: dT/dx = 0 where the constraint is active")
  cases.append(makeCase(id: "forum-example[1] where beta=5", index: 1, transform: .where,
    status: .fail, x: 1, gradX: 0, gradY: [[0.5, 0], [0, 0]], checks: van))
  // leaky: constraint warning at rounding level, and a violation.
  var lw = passing(allGradChecks)
  lw[.constraint] = CheckResult(status: .warn, value: 2.2e-16, tolerance: 4.4e-16,
    message: "margin 2.2e-16 at rounding level")
  cases.append(makeCase(id: "forum-example[1] leaky beta=5", index: 1, transform: .leaky,
    status: .warn, lambdaMin: 1e-5, checks: lw))
  var lv = passing(allGradChecks)
  lv[.constraint] = CheckResult(status: .fail, value: -0.0054, tolerance: 4.4e-16,
    message: "margin -0.0054 <= 0: leaky violates the constraint where active")
  cases.append(makeCase(id: "forum-example[1] leaky beta=1", index: 1, transform: .leaky, beta: 1,
    status: .fail, lambdaMin: 0.02, checks: lv))
  // Skipped: no real eigenvalue.
  var sk: [CheckName: CheckResult] = [:]
  for n in allGradChecks { sk[n] = CheckResult(status: .skip, message: "no real eigenvalue (s undefined)") }
  cases.append(makeCase(id: "rotation[0] softplus beta=5", source: "fixtures/rotation.json",
    classification: .noRealEigenvalue, status: .skip, x: 1, lambdaMin: nil, gradX: nil, gradY: nil,
    checks: sk))
  // Expected failure that failed (xfail) and one that passed (xpass).
  var xf = passing(allGradChecks)
  xf[.fidelity] = CheckResult(status: .fail, value: 0.4, tolerance: 1e-2, message: "x_cond far from x")
  cases.append(makeCase(id: "forum-example[1] softplus beta=5", index: 1, status: .xfail,
    checks: xf))
  cases.append(makeCase(id: "forum-example[1] softplus beta=1", index: 1, beta: 1, status: .xpass,
    checks: passing(allGradChecks)))
  // Non-finite values and odd characters in ids, groups and messages.
  var nf = passing(allGradChecks)
  nf[.finite] = CheckResult(status: .fail, value: .nan, tolerance: nil,
    message: "grad_y not finite: NaN at [0][1] <&\"'> \u{7}bell")
  nf[.constraint] = CheckResult(status: .fail, value: -.infinity, tolerance: 4.4e-16,
    message: "margin -inf\nsecond line | pipe `tick` *star*")
  cases.append(makeCase(id: "odd <&\"'> `name`\u{1} [1] | softplus beta=5",
    source: "fixtures/odd&<dir>/x\"y'.json", index: 1, classification: .illConditioned,
    status: .fail, x: .infinity, lambdaMin: 0, gradX: .infinity, gradY: [[.nan, 1]], checks: nf))
  // Eig-style cases: no transform, beta or x; a solver check and an expect check.
  cases.append(makeCase(id: "random-gaussian n=4 #0", source: nil, family: "random-gaussian",
    index: 0, n: 4, transform: nil, beta: nil, classification: .smooth, status: .pass, x: nil,
    lambdaMin: -2.1, gradX: nil, gradY: nil,
    checks: [
      .solver: CheckResult(status: .pass, value: 3e-15, tolerance: 1e-12, message: "agrees with GSL"),
      .expect: CheckResult(status: .pass, value: 1e-16, tolerance: 1e-12, message: "lambda_min as expected"),
    ], eigenSolves: 2))
  cases.append(makeCase(id: "random-gaussian n=4 #1", source: nil, family: "random-gaussian",
    index: 1, n: 4, transform: nil, beta: nil, classification: .illConditioned, status: .warn, x: nil,
    lambdaMin: 4e-3, gradX: nil, gradY: nil,
    checks: [.solver: CheckResult(status: .warn, value: 5e-11, tolerance: 1e-12, message: "GSL failed: EMAXITER")],
    eigenSolves: 2))
  cases.append(makeCase(id: "jordan n=3 #0", source: nil, family: "jordan", index: 0, transform: nil,
    beta: nil, classification: .nonsmooth, status: .fail, x: nil, lambdaMin: 1, gradX: nil, gradY: nil,
    checks: [.solver: CheckResult(status: .fail, value: .infinity, tolerance: 1e-12, message: "residual ratio inf > 20")],
    eigenSolves: 2))
  cases.sort(by: CaseResult.canonicalOrder)
  return Results(seed: 7, cases: cases)
}

/// Many cases: every fifth fails, every seventh warns, a few transforms and betas.
func largeResults(count: Int) -> Results {
  let transforms: [TransformKind] = [.where, .softplus, .leaky, .safeSoftplus]
  let betas: [Double] = [1, 5, 20]
  let failChecks: [CheckName: CheckResult] = [
    .constraint: CheckResult(status: .fail, value: -0.25, tolerance: 4.4e-16,
      message: "margin -0.25 <= 0 after rounding at a deep violation"),
    .gradient: CheckResult(status: .fail, value: 0.5, tolerance: 1e-6, message: "relative error 0.5 > 1e-6"),
  ]
  let warnChecks: [CheckName: CheckResult] = [
    .constraint: CheckResult(status: .warn, value: 1e-16, tolerance: 4.4e-16, message: "rounding level")
  ]
  let passChecks = passing([.constraint, .gradient])
  var cases: [CaseResult] = []
  cases.reserveCapacity(count)
  for i in 0..<count {
    let status: Status = i % 5 == 0 ? .fail : (i % 7 == 0 ? .warn : .pass)
    let checks = status == .fail ? failChecks : (status == .warn ? warnChecks : passChecks)
    cases.append(makeCase(
      id: "sweep gaussian n=3 #\(i / 12) \(transforms[i % 4].rawValue) beta=\(betas[i % 3])",
      source: nil, family: "gaussian", index: i / 12, transform: transforms[i % 4],
      beta: betas[i % 3], status: status, lambdaMin: Double(i % 13 - 6) * 0.3,
      gradX: Double(i % 11), gradY: nil, checks: checks))
  }
  return Results(seed: 0, cases: cases)
}
