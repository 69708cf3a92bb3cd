import EigenCore
import Testing

@testable import FiniteDifferences

#if canImport(Glibc)
  import Glibc
#endif

/// A random smooth function R^n -> R^m with its exact Jacobian:
/// out_o(z) = A_o exp(alpha_o (a_o . z)) + sum_k c_ok (b_o . z)^k + B_o sin(gamma_o (d_o . z)).
struct RandomComposition {
  var a: [[Double]], b: [[Double]], d: [[Double]]
  var amp: [Double], alpha: [Double], c: [[Double]], bAmp: [Double], gamma: [Double]
  let n: Int, m: Int

  init(rng: inout SeededRNG, n: Int, m: Int) {
    self.n = n
    self.m = m
    a = (0..<m).map { _ in rng.gaussianVector(n) }
    b = (0..<m).map { _ in rng.gaussianVector(n) }
    d = (0..<m).map { _ in rng.gaussianVector(n) }
    amp = (0..<m).map { _ in rng.gaussian() }
    alpha = (0..<m).map { _ in rng.uniform(-1.5, 1.5) }
    c = (0..<m).map { _ in (0...(3 + rng.int(below: 4))).map { _ in rng.gaussian() } }
    bAmp = (0..<m).map { _ in rng.gaussian() }
    gamma = (0..<m).map { _ in rng.uniform(-2, 2) }
  }
  static func dot(_ x: [Double], _ y: [Double]) -> Double {
    var s = 0.0
    for i in 0..<x.count { s += x[i] * y[i] }
    return s
  }
  /// Directional derivative J w in extended precision (reference for error measurements).
  func directional(_ z: [Double], _ w: [Double]) -> [Double] {
    func dotL(_ x: [Double], _ y: [Double]) -> Float80 {
      var s: Float80 = 0
      for i in 0..<x.count { s += Float80(x[i]) * Float80(y[i]) }
      return s
    }
    return (0..<m).map { o in
      let u = dotL(a[o], z), v = dotL(b[o], z), t = dotL(d[o], z)
      var dp: Float80 = 0
      for k in c[o].indices.reversed() where k >= 1 { dp = dp * v + Float80(k) * Float80(c[o][k]) }
      let al = Float80(alpha[o]), ga = Float80(gamma[o])
      let e = Float80(amp[o]) * al * expl(al * u)
      let s = Float80(bAmp[o]) * ga * cosl(ga * t)
      return Double(e * dotL(a[o], w) + dp * dotL(b[o], w) + s * dotL(d[o], w))
    }
  }
  /// First-order bound on the absolute rounding error of one evaluation near `z`
  /// (per output, the largest over outputs): dot products `n eps sum|a_i z_i|`,
  /// Horner `2 deg eps sum|c_k||v|^k`, libm and products a few eps of each term,
  /// each propagated through the derivative of the outer function.
  func noiseBound(_ z: [Double]) -> Double {
    let eps = Double.ulpOfOne
    var worst = 0.0
    for o in 0..<m {
      func absDot(_ x: [Double]) -> Double { zip(x, z).reduce(0) { $0 + abs($1.0 * $1.1) } + 1e-300 }
      let u = Self.dot(a[o], z), v = Self.dot(b[o], z), t = Self.dot(d[o], z)
      let du = Double(n) * eps * absDot(a[o]), dv = Double(n) * eps * absDot(b[o]), dt = Double(n) * eps * absDot(d[o])
      let e = abs(amp[o] * exp(alpha[o] * u))
      var pAbs = 0.0, dp = 0.0
      for k in c[o].indices.reversed() {
        pAbs = pAbs * abs(v) + abs(c[o][k])
        if k >= 1 { dp = dp * abs(v) + Double(k) * abs(c[o][k]) }
      }
      let sAbs = abs(bAmp[o])
      let deg = Double(c[o].count)
      let bound =
        e * (abs(alpha[o]) * (du + eps * abs(u)) + 3 * eps)
        + 2 * deg * eps * pAbs + dp * dv
        + sAbs * abs(gamma[o]) * (dt + eps * abs(t)) + 3 * eps * sAbs
        + 2 * eps * (e + pAbs + sAbs)
      worst = max(worst, bound)
    }
    return worst
  }

  func value(_ z: [Double]) -> [Double] {
    (0..<m).map { o in
      let u = Self.dot(a[o], z), v = Self.dot(b[o], z), t = Self.dot(d[o], z)
      var p = 0.0
      for k in c[o].indices.reversed() { p = p * v + c[o][k] }
      return amp[o] * exp(alpha[o] * u) + p + bAmp[o] * sin(gamma[o] * t)
    }
  }
  /// m x n Jacobian.
  func jacobian(_ z: [Double]) -> [[Double]] {
    (0..<m).map { o in
      let u = Self.dot(a[o], z), v = Self.dot(b[o], z), t = Self.dot(d[o], z)
      var dp = 0.0
      for k in c[o].indices.reversed() where k >= 1 { dp = dp * v + Double(k) * c[o][k] }
      let e = amp[o] * alpha[o] * exp(alpha[o] * u)
      let s = bAmp[o] * gamma[o] * cos(gamma[o] * t)
      return (0..<n).map { i in e * a[o][i] + dp * b[o][i] + s * d[o][i] }
    }
  }
}


// MARK: - Helpers

/// One sweep of a scalar function of one variable at `z` with the engine's default step.
func sweep1D(
  _ engine: CentralDifference = CentralDifference(), at z: Double, scale: Double? = nil,
  _ f: @escaping (Double) -> Double
) -> DerivativeEstimate {
  var e = engine
  if let scale { e.scale = scale }
  return e.derivative(initialStep: e.initialStep(magnitude: z), inputMagnitude: abs(z)) { h in [f(z + h)] }
}

struct KnownCase: CustomStringConvertible, Sendable {
  var name: String
  var z: Double
  var scale: Double?
  var f: @Sendable (Double) -> Double
  var df: @Sendable (Double) -> Double
  var description: String { name }
}

let knownCases: [KnownCase] = [
  KnownCase(name: "quintic", z: 0.7, scale: nil,
    f: { 1 - 2 * $0 + 3 * $0 * $0 - 0.5 * pow($0, 3) + 0.25 * pow($0, 4) - 0.125 * pow($0, 5) },
    df: { -2 + 6 * $0 - 1.5 * $0 * $0 + pow($0, 3) - 0.625 * pow($0, 4) }),
  KnownCase(name: "degree 9", z: -1.3, scale: nil,
    f: { pow($0, 9) - 4 * pow($0, 7) + $0 }, df: { 9 * pow($0, 8) - 28 * pow($0, 6) + 1 }),
  KnownCase(name: "exp", z: 0.3, scale: nil, f: { exp(2 * $0) }, df: { 2 * exp(2 * $0) }),
  KnownCase(name: "exp at 0", z: 0, scale: nil, f: { exp(-3 * $0) }, df: { -3 * exp(-3 * $0) }),
  KnownCase(name: "sin", z: 1.1, scale: nil, f: { sin(3 * $0) }, df: { 3 * cos(3 * $0) }),
  KnownCase(name: "log near 0 (scaled)", z: 0.02, scale: 0.02, f: { log($0) }, df: { 1 / $0 }),
  KnownCase(name: "log near 0 (steps reach the singularity)", z: 0.005, scale: nil, f: { log($0) }, df: { 1 / $0 }),
  KnownCase(name: "input scale 1e-8", z: 3e-8, scale: 1e-8, f: { sin($0 * 1e8) }, df: { 1e8 * cos($0 * 1e8) }),
  KnownCase(name: "input scale 1e+8", z: 2e8, scale: nil, f: { exp($0 / 1e8) }, df: { exp($0 / 1e8) / 1e8 }),
  KnownCase(name: "output scale 1e-8", z: 0.4, scale: nil, f: { 1e-8 * exp($0) }, df: { 1e-8 * exp($0) }),
  KnownCase(name: "output scale 1e+8", z: 0.4, scale: nil, f: { 1e8 * sin($0) }, df: { 1e8 * cos($0) }),
  KnownCase(name: "both scales", z: -5e7, scale: nil, f: { 1e-8 * sin($0 / 3e7) }, df: { 1e-8 / 3e7 * cos($0 / 3e7) }),
  KnownCase(name: "softplus beta 20", z: 0.05, scale: nil,
    f: { log1p(exp(20 * $0)) / 20 }, df: { 1 / (1 + exp(-20 * $0)) }),
]

// MARK: - Known functions

@Test("estimate within its error estimate of the exact derivative", arguments: knownCases)
func knownFunction(_ c: KnownCase) throws {
  let est = sweep1D(at: c.z, scale: c.scale, c.f)
  let exact = c.df(c.z)
  let err = abs(est.estimates[0] - exact)
  let e = est.errorEstimates[0]
  #expect(e.isFinite, "\(c.name): error estimate \(e)")
  #expect(err <= e, "\(c.name): error \(err) > estimate \(e)")
  // The estimate is useful: relative error estimate small for every case here; the
  // log whose largest steps leave its domain only has steps h/z = 0.8 ... 0.05 left
  // (measured 1.2e-3 relative).
  let useful = c.name.hasPrefix("log near 0 (steps") ? 1e-2 : 1e-6
  #expect(e <= useful * abs(exact), "\(c.name): error estimate \(e) vs |f'| \(abs(exact))")
  #expect(est.evaluations == 12)
}

@Test func smoothCasesAreAccurateToTenDigits() {
  for c in knownCases where !c.name.hasPrefix("log near 0 (steps") {
    let est = sweep1D(at: c.z, scale: c.scale, c.f)
    let exact = c.df(c.z)
    #expect(abs(est.estimates[0] - exact) <= 1e-10 * abs(exact), "\(c.name)")
  }
}

@Test func stepsReachingTheSingularityAreSkippedNotTrusted() {
  // log at z = 0.005 with steps 7.8e-3 ... 2.4e-4: the two largest steps leave the
  // domain (nan); the estimate comes from the valid steps and says how good it is.
  let est = sweep1D(at: 0.005) { log($0) }
  #expect(est.table[0].central[0].isNaN)
  #expect(est.table[5].central[0].isFinite)
  #expect(est.steps[0] < 0.005)
  #expect(abs(est.estimates[0] - 200) <= est.errorEstimates[0])
}

@Test func richardsonLevelsAreExactOnPolynomials() {
  // Level 1 removes h^2: exact (to rounding) for cubics; level 2 for quintics.
  let cubic = CentralDifference(richardsonLevels: 1)
  let e3 = sweep1D(cubic, at: 0.5) { $0 * $0 * $0 - $0 }
  #expect(abs(e3.estimates[0] - (3 * 0.25 - 1)) <= 1e-13)
  let plain = sweep1D(CentralDifference(richardsonLevels: 0), at: 0.5) { $0 * $0 * $0 - $0 }
  // Plain central: error exactly h^2 at each step (f''' / 6 * h^2 with f''' = 6).
  for row in plain.table {
    #expect(abs((row.central[0] - (-0.25)) - row.step * row.step) <= 1e-12)
  }
  #expect(abs(plain.estimates[0] + 0.25) > 1e-9)
}

@Test func vectorOutputsShareOneSweep() {
  var calls = 0
  var seen: [Double] = []
  let engine = CentralDifference()
  let est = engine.derivative(initialStep: 0.01, inputMagnitude: 1) { h in
    calls += 1
    seen.append(h)
    let x = 1 + h
    return [exp(x), sin(x), x * x * x, 1e8 * log(x)]
  }
  #expect(calls == 12 && est.evaluations == 12 && engine.evaluationsPerSweep == 12)
  #expect(Set(seen).count == 12, "every step point evaluated once")
  let exact = [exp(1.0), cos(1.0), 3.0, 1e8]
  for o in 0..<4 {
    #expect(abs(est.estimates[o] - exact[o]) <= est.errorEstimates[o], "output \(o)")
    #expect(est.errorEstimates[o] <= 1e-9 * abs(exact[o]), "output \(o)")
  }
  #expect(est.table.count == 6)
  #expect(est.errorEstimatePoints(output: 1).count == 6)
  #expect(est.table.map(\.step) == engine.stepSequence(initialStep: 0.01))
}

@Test func stepSequenceAndDefaultStep() {
  let e = CentralDifference()
  #expect(e.initialStep(magnitude: 0) == 0x1p-7)
  #expect(e.initialStep(magnitude: -256) == 2)
  #expect(e.stepSequence(initialStep: 1) == [1, 0.5, 0.25, 0.125, 0.0625, 0.03125])
}

// MARK: - Kinks

@Test func errorEstimateGrowsAtAKink() {
  // f(z) = |z - a| + z^2 at z = 0: f'(0) = -1 for a > 0. Steps 7.8e-3 ... 2.4e-4.
  let engine = CentralDifference()
  func run(_ a: Double) -> DerivativeEstimate {
    engine.derivative(initialStep: engine.initialStep(magnitude: 0)) { h in [abs(h - a) + h * h] }
  }
  // Far kink: exact to rounding.
  let far = run(1)
  #expect(abs(far.estimates[0] + 1) <= far.errorEstimates[0])
  #expect(far.errorEstimates[0] < 1e-12)
  // Kink between the steps (4.9e-4 < a < 9.8e-4): the large steps straddle it; the
  // error estimate grows by 10 orders and still covers the error.
  let inside = run(5e-4)
  #expect(inside.errorEstimates[0] > 1e10 * far.errorEstimates[0])
  #expect(abs(inside.estimates[0] + 1) <= inside.errorEstimates[0])
  // Kink closer than every step: the differences behave like -a/h (diverging as
  // h -> 0): no estimate is trusted.
  for a in [2e-4, 1e-4, 1e-5] {
    let close = run(a)
    #expect(close.errorEstimates[0] == .infinity, "a = \(a)")
  }
}

@Test func nonFiniteEverywhereGivesNaNAndInfiniteError() {
  let est = CentralDifference().derivative(initialStep: 0.1) { _ in [.nan, 1] }
  #expect(est.estimates[0].isNaN && est.errorEstimates[0] == .infinity && est.levels[0] == -1)
  #expect(est.estimates[1] == 0 && est.errorEstimates[1] <= 1e-13)
}

@Test func changingOutputCountMakesThatStepUnusable() {
  let est = CentralDifference().derivative(initialStep: 0.1) { h in h == 0.025 ? [] : [2 * h + 1] }
  #expect(est.outputCount == 1)
  #expect(est.table[2].central[0].isNaN)
  #expect(est.table[4].central[0].isFinite)
  #expect(abs(est.estimates[0] - 2) <= est.errorEstimates[0])
  #expect(est.errorEstimates[0] < 1e-12)
}

// MARK: - Seeded random compositions

@Test func randomCompositionsWithTheirRoundingBound() {
  // With the function's own rounding bound as absoluteNoise, the estimate is within
  // its error estimate for every case, and the error estimate is not absurdly
  // pessimistic (measured: median ratio about 2e2).
  var rng = SeededRNG(seed: 2026)
  var ratios: [Double] = []
  var failures = 0
  for _ in 0..<500 {
    let n = 1 + rng.int(below: 4)
    let f = RandomComposition(rng: &rng, n: n, m: 2)
    let z = (0..<n).map { _ in rng.uniform(-1, 1) }
    let w = rng.gaussianVector(n)
    let engine = CentralDifference(absoluteNoise: f.noiseBound(z))
    let est = engine.derivative(along: w, at: z) { f.value($0) }
    let ref = f.directional(z, w)
    for o in 0..<2 {
      let err = abs(est.estimates[o] - ref[o])
      if !(err <= est.errorEstimates[o]) { failures += 1 }
      ratios.append(est.errorEstimates[o] / max(err, Double.ulpOfOne * abs(ref[o])))
    }
  }
  ratios.sort()
  #expect(failures == 0)
  #expect(ratios[ratios.count / 2] <= 1e3, "median pessimism \(ratios[ratios.count / 2])")
}

@Test func randomCompositionsWithTheDefaultNoiseModel() {
  // With the default model (noise eps |f| per value) cancellation inside f can make the
  // rounding larger than modelled: the error estimate is then a little low (measured
  // on seeds 1-6 x 4000 outputs: error > estimate in 12 outputs, worst ratio 1.96;
  // 0.58 for this seed); GradientComparison's errorMultiplier 3 covers that.
  var rng = SeededRNG(seed: 99)
  var ratios: [Double] = []
  var worst = 0.0
  let engine = CentralDifference()
  for _ in 0..<500 {
    let n = 1 + rng.int(below: 4)
    let f = RandomComposition(rng: &rng, n: n, m: 2)
    let z = (0..<n).map { _ in rng.uniform(-1, 1) }
    let w = rng.gaussianVector(n)
    let est = engine.derivative(along: w, at: z) { f.value($0) }
    let ref = f.directional(z, w)
    for o in 0..<2 {
      let err = abs(est.estimates[o] - ref[o])
      worst = max(worst, err / est.errorEstimates[o])
      ratios.append(est.errorEstimates[o] / max(err, Double.ulpOfOne * abs(ref[o])))
      #expect(abs(est.estimates[o] - ref[o]) <= 1e-8 * max(1, abs(ref[o])))
    }
  }
  ratios.sort()
  #expect(worst <= GradientComparison().errorMultiplier, "worst error / estimate \(worst)")
  #expect(ratios[ratios.count / 2] <= 100, "median pessimism \(ratios[ratios.count / 2])")
}

@Test func richardsonImprovesOverPlainCentral() {
  var rng = SeededRNG(seed: 7)
  let richardson = CentralDifference()
  let plain = CentralDifference(richardsonLevels: 0)
  var gains: [Double] = []
  for _ in 0..<500 {
    let n = 1 + rng.int(below: 4)
    let f = RandomComposition(rng: &rng, n: n, m: 2)
    let z = (0..<n).map { _ in rng.uniform(-1, 1) }
    let w = rng.gaussianVector(n)
    let r = richardson.derivative(along: w, at: z) { f.value($0) }
    let p = plain.derivative(along: w, at: z) { f.value($0) }
    let ref = f.directional(z, w)
    for o in 0..<2 {
      gains.append(abs(p.estimates[o] - ref[o]) / max(abs(r.estimates[o] - ref[o]), 1e-300))
      // Plain central differences are honest too.
      #expect(abs(p.estimates[o] - ref[o]) <= p.errorEstimates[o] * GradientComparison().errorMultiplier)
    }
  }
  gains.sort()
  // Measured: never worse, 5th percentile gain ~3e4, median ~2e6.
  #expect(gains[0] >= 1)
  #expect(gains[gains.count / 20] >= 1e3)
  #expect(gains[gains.count / 2] >= 1e5)
}

// MARK: - Jacobian

@Test func jacobianOfAKnownMap() {
  var rng = SeededRNG(seed: 5)
  let f = RandomComposition(rng: &rng, n: 4, m: 3)
  let z = [0.3, -0.7, 1e-3, 0]
  var calls = 0
  let engine = CentralDifference(absoluteNoise: f.noiseBound(z))
  let jac = engine.jacobian(at: z) { x in
    calls += 1
    return f.value(x)
  }
  #expect(calls == 4 * 12 && jac.evaluations == calls)
  #expect(jac.columns.count == 4)
  // Reference columns J e_i in extended precision.
  let columns = (0..<4).map { i in f.directional(z, (0..<4).map { $0 == i ? 1 : 0 }) }
  let exact = (0..<3).map { o in (0..<4).map { columns[$0][o] } }
  for o in 0..<3 {
    for i in 0..<4 {
      let d = abs(jac.estimates[o][i] - exact[o][i])
      #expect(d <= jac.errorEstimates[o][i], "(\(o), \(i))")
      #expect(d <= 1e-9 * max(1, abs(exact[o][i])))
    }
  }
}

@Test func jacobianStepUsesPerCoordinateScale() {
  var steps: [Double] = []
  let engine = CentralDifference()
  _ = engine.jacobian(at: [0, 10], scales: [4, 1]) { x in
    steps.append(x[0] != 0 ? x[0] : x[1] - 10)
    return [x[0] + x[1]]
  }
  #expect(steps[0] == 4 * 0x1p-7)
  #expect(steps[12] == 10 * 0x1p-7)
}

// MARK: - GradientComparison

/// FD Jacobian and exact Jacobian of a seeded random composition, flattened row-major.
func seededJacobians(_ rng: inout SeededRNG, n: Int, m: Int) -> (exact: [Double], numeric: [Double], errors: [Double]) {
  let f = RandomComposition(rng: &rng, n: n, m: m)
  let z = (0..<n).map { _ in rng.uniform(-1, 1) }
  let jac = CentralDifference().jacobian(at: z) { f.value($0) }
  return (f.jacobian(z).flatMap { $0 }, jac.estimates.flatMap { $0 }, jac.errorEstimates.flatMap { $0 })
}

@Test func correctGradientsPass() {
  var rng = SeededRNG(seed: 11)
  let rule = GradientComparison()
  var statuses: [FDStatus: Int] = [:]
  var worst = 0.0
  for _ in 0..<500 {
    let n = 1 + rng.int(below: 5)
    let (exact, numeric, errors) = seededJacobians(&rng, n: n, m: 2)
    let r = rule.compare(analytic: exact, numeric: numeric, errorEstimates: errors)
    statuses[r.status, default: 0] += 1
    worst = max(worst, r.value)
  }
  #expect(statuses[.pass] == 500, "\(statuses), worst normalized error \(worst)")
  #expect(worst < 0.1)
}

@Test func correctDirectionalDerivativesPass() {
  var rng = SeededRNG(seed: 12)
  let rule = GradientComparison()
  for _ in 0..<200 {
    let n = 2 + rng.int(below: 6)
    let f = RandomComposition(rng: &rng, n: n, m: 1)
    let z = (0..<n).map { _ in rng.uniform(-1, 1) }
    let grad = f.jacobian(z)[0]
    var analytic: [Double] = [], numeric: [Double] = [], errors: [Double] = []
    var termScale = 0.0
    for _ in 0..<3 {
      let w = rng.gaussianVector(n)
      let est = CentralDifference().derivative(along: w, at: z) { f.value($0) }
      analytic.append(RandomComposition.dot(grad, w))
      numeric.append(est.estimates[0])
      errors.append(est.errorEstimates[0])
      termScale = max(termScale, zip(grad, w).reduce(0) { $0 + abs($1.0 * $1.1) })
    }
    let r = rule.compare(analytic: analytic, numeric: numeric, errorEstimates: errors, scale: termScale)
    #expect(r.status == .pass, "\(r.message)")
    // Factor 2 on the whole gradient is caught in every direction.
    let wrong = rule.compare(
      analytic: analytic.map { 2 * $0 }, numeric: numeric, errorEstimates: errors, scale: termScale)
    if analytic.contains(where: { abs($0) > 1e-6 * termScale }) {
      #expect(wrong.status == .fail, "\(wrong.message)")
    }
  }
}

@Test func injectedErrorsFail() {
  var rng = SeededRNG(seed: 13)
  let rule = GradientComparison()
  var checked = 0
  for _ in 0..<500 {
    let n = 1 + rng.int(below: 5)
    let (exact, numeric, errors) = seededJacobians(&rng, n: n, m: 2)
    let big = exact.map(abs).max()!
    // An entry that is not negligible against the gradient (the absolute floor is
    // 1e-8 of the largest entry: errors far below it are out of reach by design).
    let candidates = exact.indices.filter { abs(exact[$0]) >= 1e-2 * big }
    let j = candidates[rng.int(below: candidates.count)]
    var small = exact
    small[j] *= 1 + (rng.sign() * 1e-4)
    var flipped = exact
    flipped[j] = -flipped[j]
    let doubled = exact.map { 2 * $0 }
    for (name, wrong) in [("1e-4 in one entry", small), ("sign flip", flipped), ("factor 2", doubled)] {
      let r = rule.compare(analytic: wrong, numeric: numeric, errorEstimates: errors)
      #expect(r.status == .fail, "\(name): \(r.message)")
      if name != "factor 2" { #expect(r.worstIndex == j, "\(name) names the wrong entry") }
      #expect(r.value > 1)
    }
    checked += 1
  }
  #expect(checked == 500)
}

@Test func transposedJacobianFails() {
  var rng = SeededRNG(seed: 14)
  let rule = GradientComparison()
  for _ in 0..<500 {
    let (exact, numeric, errors) = seededJacobians(&rng, n: 3, m: 3)
    let transposed = (0..<9).map { exact[($0 % 3) * 3 + $0 / 3] }
    let asymmetry = (0..<9).map { abs(exact[$0] - transposed[$0]) }.max()!
    #expect(asymmetry > 1e-3 * exact.map(abs).max()!, "generic Jacobians are not symmetric")
    let r = rule.compare(
      analytic: transposed, numeric: numeric, errorEstimates: errors,
      labels: (0..<9).map { "J[\($0 / 3)][\($0 % 3)]" })
    #expect(r.status == .fail)
    #expect(r.message.hasPrefix("gradient mismatch at J["), "\(r.message)")
  }
}

@Test func warnWhenOnlyTheErrorBarCovers() {
  let rule = GradientComparison()
  // Entry 1: |diff| = 5e-6 > tol (1e-6 * 1 + 1e-8 * 1 = 1.01e-6) but the FD error
  // estimate 1e-5 covers it: cannot be resolved, so warn (not pass, not fail).
  let r = rule.compare(
    analytic: [1, 1.000005], numeric: [1, 1], errorEstimates: [1e-14, 1e-5],
    labels: ["grad_x", "grad_y[0][1]"])
  #expect(r.status == .warn)
  #expect(r.worstIndex == 1)
  #expect(r.message.contains("grad_y[0][1]"), "\(r.message)")
  #expect(r.message.hasPrefix("FD error estimate too large"))
  #expect(r.value <= 1 && r.tolerance == 1)
  // Same difference with a small error estimate fails.
  let f = rule.compare(analytic: [1, 1.000005], numeric: [1, 1], errorEstimates: [1e-14, 1e-14])
  #expect(f.status == .fail && f.value > 1)
  #expect(f.message == "gradient mismatch at entry 1: analytic 1, numeric 1 +- 1e-14, |diff| 5e-6, tol 1.01e-6")
  // Within tolerance: pass, naming the worst entry.
  let p = rule.compare(analytic: [1, 1 + 1e-7], numeric: [1, 1], errorEstimates: [0, 0])
  #expect(p.status == .pass && p.worstIndex == 1)
  #expect(p.message.hasPrefix("max normalized error 0.099"), "\(p.message)")
}

@Test func nonFiniteAndEmpty() {
  let rule = GradientComparison()
  #expect(rule.compare(analytic: [.nan], numeric: [1], errorEstimates: [0]).status == .fail)
  #expect(rule.compare(analytic: [.infinity, 1], numeric: [1, 1], errorEstimates: [0, 0]).status == .fail)
  let w = rule.compare(analytic: [1, 2], numeric: [1, .nan], errorEstimates: [0, .infinity])
  #expect(w.status == .warn && w.worstIndex == 1)
  #expect(w.message.hasPrefix("finite differences could not resolve entry 1"))
  // An unresolved entry does not hide a failing one.
  let f = rule.compare(analytic: [1, 3], numeric: [.nan, 1], errorEstimates: [.infinity, 0])
  #expect(f.status == .fail && f.worstIndex == 1)
  #expect(rule.compare(analytic: [], numeric: [], errorEstimates: []).status == .skip)
  // All-zero gradients agree exactly.
  #expect(rule.compare(analytic: [0, 0], numeric: [0, 0], errorEstimates: [0, 0]).status == .pass)
  // Analytic zero against a nonzero numeric gradient fails.
  #expect(rule.compare(analytic: [0, 0], numeric: [1e-3, 0], errorEstimates: [1e-15, 0]).status == .fail)
}
