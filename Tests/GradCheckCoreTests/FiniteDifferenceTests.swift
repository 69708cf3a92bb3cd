import EigenCore
import Testing

@testable import GradCheckCore

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
  #expect(est.series(output: 1).count == 6)
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
  // worst ratio error / estimate 1.4 ... 3.0 over 4000 outputs before the smaller-step
  // term, 1.4 after it); GradientComparison's errorMultiplier 3 covers that.
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
  let exact = f.jacobian(z)
  for o in 0..<3 {
    for i in 0..<4 {
      let d = abs(jac.estimates[o][i] - exact[o][i])
      #expect(d <= jac.errorEstimates[o][i] + 4 * Double.ulpOfOne * abs(exact[o][i]), "(\(o), \(i))")
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
