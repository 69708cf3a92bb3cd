import EigenCore
import Testing

@testable import FiniteDifferences

#if canImport(Glibc)
  import Glibc
#endif

/// A seeded scalar case: f = output 0 of a random composition, point, direction and
/// the exact directional derivative.
struct TaylorCase {
  var f: RandomComposition
  var z: [Double]
  var w: [Double]
  var g: Double
  var termScale: Double

  init(_ rng: inout SeededRNG) {
    let n = 1 + rng.int(below: 5)
    f = RandomComposition(rng: &rng, n: n, m: 1)
    z = (0..<n).map { _ in rng.uniform(-1, 1) }
    w = rng.gaussianVector(n)
    let grad = f.jacobian(z)[0]
    g = RandomComposition.dot(grad, w)
    termScale = zip(grad, w).reduce(0) { $0 + abs($1.0 * $1.1) }
  }

  func run(_ test: TaylorTest = TaylorTest(), derivative: Double? = nil) -> TaylorResult {
    test.run(at: z, along: w, directionalDerivative: derivative ?? g) { f.value($0)[0] }
  }
}

// MARK: - Seeded random compositions

@Test func correctGradientsGiveOrderTwo() {
  var rng = SeededRNG(seed: 31)
  var verdicts: [TaylorVerdict: Int] = [:]
  var lowest = Double.infinity
  for _ in 0..<500 {
    let c = TaylorCase(&rng)
    var calls = 0
    let r = TaylorTest().run(at: c.z, along: c.w, directionalDerivative: c.g) { x in
      calls += 1
      return c.f.value(x)[0]
    }
    verdicts[r.verdict, default: 0] += 1
    #expect(r.verdict != .fail, "\(r.message)")
    lowest = min(lowest, r.order ?? .infinity)
    #expect(r.evaluations == calls)
    #expect(calls <= 1 + TaylorTest().maxDescent + TaylorTest().maxAscent)
  }
  // Measured: every case passes with order in [1.98, 2.02].
  #expect(verdicts[.pass] == 500, "\(verdicts)")
  #expect(lowest >= 1.8)
}

@Test func gradientsOffByOnePerMilleGiveOrderOne() {
  var rng = SeededRNG(seed: 32)
  var checked = 0
  var highest = 0.0
  for _ in 0..<500 {
    let c = TaylorCase(&rng)
    // Every entry of the gradient off by 1e-3 relative (random signs).
    let grad = c.f.jacobian(c.z)[0]
    let wrong = grad.map { $0 * (1 + 1e-3 * rng.sign()) }
    let g = RandomComposition.dot(wrong, c.w)
    // Only directions along which the error is itself about 1e-3 of the terms.
    guard abs(g - c.g) >= 1e-4 * c.termScale else { continue }
    checked += 1
    let r = c.run(derivative: g)
    #expect(r.verdict == .fail, "\(r.message)")
    highest = max(highest, r.order ?? .infinity)
  }
  #expect(checked >= 400)
  // Measured: orders in [0.94, 1.05].
  #expect(highest <= 1.3)
}

// MARK: - Known functions

@Test func linearFunctionsAreInconclusive() {
  let t = TaylorTest()
  let linear = t.run(at: [0.5, -2], along: [1, 3], directionalDerivative: 2 * 1 - 0.5 * 3) { x in
    2 * x[0] - 0.5 * x[1] + 7
  }
  #expect(linear.verdict == .inconclusive, "\(linear.message)")
  #expect(linear.verdict.status == .skip && linear.order == nil)
  let constant = t.run(at: [1], along: [1], directionalDerivative: 0) { _ in 3 }
  #expect(constant.verdict == .inconclusive)
  // Linear near the point, kinked far away (the `where` transform when inactive):
  // never a failure.
  let piecewise = t.run(at: [0.2], along: [1], directionalDerivative: 1) { x in
    x[0] < 1.5 ? x[0] : 3 * x[0] - 3
  }
  #expect(piecewise.verdict == .inconclusive, "\(piecewise.message)")
}

@Test func exactQuadraticAndInflection() {
  let t = TaylorTest()
  let q = t.run(initialStep: 0.1, directionalDerivative: 2 * 0.3) { h in (0.3 + h) * (0.3 + h) }
  #expect(q.verdict == .pass)
  #expect(abs(q.order! - 2) < 0.05)
  // At an inflection point the remainder is O(h^3): still a pass.
  let cubic = t.run(initialStep: 0.1, directionalDerivative: 0) { h in h * h * h }
  #expect(cubic.verdict == .pass && abs(cubic.order! - 3) < 0.05)
  // Wrong derivative of the cubic (0.01 instead of 0): order 1.
  let wrongCubic = t.run(initialStep: 0.1, directionalDerivative: 0.01) { h in h * h * h }
  #expect(wrongCubic.verdict == .fail && abs(wrongCubic.order! - 1) < 0.1)
  #expect(wrongCubic.message.contains("derivative 0.01 is off by about 0.01"), "\(wrongCubic.message)")
}

@Test func scalesOfInputAndOutput() {
  let t = TaylorTest()
  // Input scale 1e-8 (step from the point's magnitude would be too large without `scale`).
  var small = t
  small.scale = 0
  let z = 3e-8
  let a = small.run(at: [z], along: [1], directionalDerivative: 1e8 * cos(z * 1e8)) { sin($0[0] * 1e8) }
  #expect(a.verdict == .pass, "\(a.message)")
  let b = t.run(at: [2e8], along: [1], directionalDerivative: exp(2.0) / 1e8) { exp($0[0] / 1e8) }
  #expect(b.verdict == .pass, "\(b.message)")
  let c = t.run(at: [0.4], along: [1], directionalDerivative: 1e-8 * exp(0.4)) { 1e-8 * exp($0[0]) }
  #expect(c.verdict == .pass, "\(c.message)")
  let d = t.run(at: [0.4], along: [1], directionalDerivative: 1e8 * cos(0.4)) { 1e8 * sin($0[0]) }
  #expect(d.verdict == .pass, "\(d.message)")
  // Wrong by 1e-3 at every scale: fail.
  let e = t.run(at: [0.4], along: [1], directionalDerivative: 1.001e8 * cos(0.4)) { 1e8 * sin($0[0]) }
  #expect(e.verdict == .fail, "\(e.message)")
}

@Test func sharpBendWithCorrectGradientPasses() {
  // softplus with beta 200 just past its bend: the largest steps see the remainder grow
  // like h (the bend), only the deep steps show h^2. A test that stopped early would
  // accuse this correct gradient.
  let beta = 200.0
  func sp(_ x: Double) -> Double { x > 0 ? x + log1p(exp(-beta * x)) / beta : log1p(exp(beta * x)) / beta }
  let z = 0.002
  let g = 1 / (1 + exp(-beta * z))
  let r = TaylorTest().run(at: [z], along: [1], directionalDerivative: g) { sp($0[0]) }
  #expect(r.verdict == .pass, "\(r.message)")
  #expect(r.series.first!.step == 0x1p-4)
  // The largest steps are not in the asymptotic regime.
  let s = r.series
  #expect(log2(s[0].error / s[1].error) < 1.5)
}

@Test func singularityWithinTheLargestSteps() {
  // log(z) at z = 0.01: the largest steps leave the domain (nan), the rest decide.
  let r = TaylorTest().run(at: [0.01], along: [1], directionalDerivative: 100) { log($0[0]) }
  #expect(r.verdict == .pass, "\(r.message)")
  let w = TaylorTest().run(at: [0.01], along: [1], directionalDerivative: 100.1) { log($0[0]) }
  #expect(w.verdict == .fail, "\(w.message)")
}

@Test func noiseAboveTheModelNeverFails() {
  // f computed with pseudo-random noise of 1e-11 relative (far above the eps model):
  // the deep steps are noise; the verdict must not be a failure.
  var rng = SeededRNG(seed: 77)
  for _ in 0..<100 {
    let c = TaylorCase(&rng)
    var noise = SeededRNG(seed: rng.next())
    let r = TaylorTest().run(at: c.z, along: c.w, directionalDerivative: c.g) { x in
      let v = c.f.value(x)[0]
      return v * (1 + 1e-11 * noise.uniform(-1, 1))
    }
    #expect(r.verdict != .fail, "\(r.message)")
  }
}

@Test func nonFiniteInputsAreInconclusive() {
  let t = TaylorTest()
  #expect(t.run(initialStep: 0.1, directionalDerivative: 1) { _ in .nan }.verdict == .inconclusive)
  let g = t.run(initialStep: 0.1, directionalDerivative: .nan) { h in h * h }
  #expect(g.verdict == .inconclusive && g.evaluations == 1)
  let nowhere = t.run(initialStep: 0.1, directionalDerivative: 1) { h in h == 0 ? 0 : .nan }
  #expect(nowhere.verdict == .inconclusive && nowhere.message == "f is not finite at any step")
}

@Test func seriesWindowAndEvaluations() {
  var calls = 0
  var steps: [Double] = []
  let r = TaylorTest().run(initialStep: 0.5, directionalDerivative: 1) { h in
    calls += 1
    steps.append(h)
    return exp(h)
  }
  #expect(r.verdict == .pass)
  #expect(calls == r.evaluations)
  #expect(Set(steps).count == steps.count, "every step evaluated once")
  #expect(steps.first == 0 && steps[1] == 0.5)
  #expect(r.series.count == calls - 1)
  #expect(zip(r.series, r.series.dropFirst()).allSatisfy { $0.step == 2 * $1.step })
  // Remainder of exp: r(h) = e^h - 1 - h.
  for p in r.series where p.error > 1e-12 {
    #expect(abs(p.error - (expm1(p.step) - p.step)) <= 1e-15 + 1e-9 * p.error)
  }
  #expect(r.window.count == TaylorTest().windowSlopes + 1)
  #expect(r.message.hasPrefix("observed order 2 >= 1.8 over steps "), "\(r.message)")
}
