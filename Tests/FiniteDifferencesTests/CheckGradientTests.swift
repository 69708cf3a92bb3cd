import EigenCore
import NumberFormat
import Testing
import _Differentiation

@testable import FiniteDifferences

#if canImport(Glibc)
  import Glibc
#endif

/// A function with its correct gradient, a point and (optionally) input scales.
struct GradientCase: CustomTestStringConvertible, Sendable {
  var name: String
  var f: @Sendable ([Double]) -> Double
  var g: @Sendable ([Double]) -> [Double]
  var x: [Double]
  var scales: [Double]? = nil
  var testDescription: String { name }
}

let correctCases: [GradientCase] = [
  GradientCase(
    name: "sin(x0) x1^2", f: { sin($0[0]) * $0[1] * $0[1] },
    g: { [cos($0[0]) * $0[1] * $0[1], 2 * sin($0[0]) * $0[1]] }, x: [0.5, 2]),
  GradientCase(
    name: "exp(x0 + 2 x1)", f: { exp($0[0] + 2 * $0[1]) },
    g: { [exp($0[0] + 2 * $0[1]), 2 * exp($0[0] + 2 * $0[1])] }, x: [0.3, -0.4]),
  GradientCase(
    name: "log x0 + log(x1 x2)", f: { log($0[0]) + log($0[1] * $0[2]) },
    g: { [1 / $0[0], 1 / $0[1], 1 / $0[2]] }, x: [1.5, 0.7, 2]),
  GradientCase(
    name: "rational (x0^2 + 1) / (x1^2 + x0 x1 + 2)",
    f: { ($0[0] * $0[0] + 1) / ($0[1] * $0[1] + $0[0] * $0[1] + 2) },
    g: { x in
      let p = x[0] * x[0] + 1
      let q = x[1] * x[1] + x[0] * x[1] + 2
      return [(2 * x[0] * q - p * x[1]) / (q * q), -p * (2 * x[1] + x[0]) / (q * q)]
    }, x: [0.8, -1.3]),
  GradientCase(
    name: "Rosenbrock", f: { 100 * pow($0[1] - $0[0] * $0[0], 2) + pow(1 - $0[0], 2) },
    g: { x in
      [-400 * x[0] * (x[1] - x[0] * x[0]) - 2 * (1 - x[0]), 200 * (x[1] - x[0] * x[0])]
    }, x: [-1.2, 1]),
  GradientCase(
    name: "log1p(exp(x0)) x1", f: { log1p(exp($0[0])) * $0[1] },
    g: { x in [x[1] / (1 + exp(-x[0])), log1p(exp(x[0]))] }, x: [1.7, -0.6]),
  GradientCase(
    name: "x0 exp(-x1^2) + cos x2", f: { $0[0] * exp(-$0[1] * $0[1]) + cos($0[2]) },
    g: { x in [exp(-x[1] * x[1]), -2 * x[0] * x[1] * exp(-x[1] * x[1]), -sin(x[2])] },
    x: [2, 0.4, 1.1]),
  GradientCase(
    name: "euclidean norm in 5D", f: { x in sqrt(x.reduce(0) { $0 + $1 * $1 }) },
    g: { x in
      let r = sqrt(x.reduce(0) { $0 + $1 * $1 })
      return x.map { $0 / r }
    }, x: [1, -2, 0.5, 3, -0.25]),
  GradientCase(
    name: "atan(x1 / x0)", f: { atan($0[1] / $0[0]) },
    g: { x in
      let r2 = x[0] * x[0] + x[1] * x[1]
      return [-x[1] / r2, x[0] / r2]
    }, x: [1.3, 0.9]),
  GradientCase(
    name: "1 / (1 + x0^2) near 0", f: { 1 / (1 + $0[0] * $0[0]) },
    g: { x in [-2 * x[0] / pow(1 + x[0] * x[0], 2)] }, x: [1e-3]),
  GradientCase(
    name: "logistic loss", f: { x in log1p(exp(-(0.3 * x[0] - 1.2 * x[1] + 0.7 * x[2]))) },
    g: { x in
      let t = 0.3 * x[0] - 1.2 * x[1] + 0.7 * x[2]
      let s = -1 / (1 + exp(t))
      return [0.3 * s, -1.2 * s, 0.7 * s]
    }, x: [0.5, 1, -2]),
  GradientCase(
    name: "badly scaled: 1e-6 x0^2 + x0 x1 at x0 = 1e5",
    f: { 1e-6 * $0[0] * $0[0] + $0[0] * $0[1] },
    g: { x in [2e-6 * x[0] + x[1], x[0]] }, x: [1e5, 3]),
  GradientCase(
    name: "badly scaled: exp(x0 / 1e6) sin(1e3 x1), with scales",
    f: { exp($0[0] / 1e6) * sin(1e3 * $0[1]) },
    g: { x in [exp(x[0] / 1e6) * sin(1e3 * x[1]) / 1e6, 1e3 * exp(x[0] / 1e6) * cos(1e3 * x[1])] },
    x: [2e6, 1e-3], scales: [1e6, 1e-3]),
  GradientCase(
    name: "badly scaled: 1e12 x0 x1 + x2 at tiny x", f: { 1e12 * $0[0] * $0[1] + $0[2] },
    g: { x in [1e12 * x[1], 1e12 * x[0], 1] }, x: [2e-7, -3e-7, 5], scales: [1e-6, 1e-6, 1]),
]

@Test(arguments: correctCases)
func correctGradientPasses(_ c: GradientCase) {
  let r = checkGradient(
    of: c.f, gradient: c.g, at: c.x, options: GradientCheckOptions(scales: c.scales))
  #expect(r.status == .pass, "\(r)")
  #expect(r.comparison.status == .pass && r.taylor.verdict == .pass, "\(r)")
  #expect(r.entries.count == c.x.count && r.entries.allSatisfy { $0.status == .pass })
  #expect(r.entries.allSatisfy { $0.normalizedError < 0.1 }, "\(r)")
  // Calls: one at x, 12 per input, the Taylor ladder.
  #expect(r.evaluations == 1 + 12 * c.x.count + r.taylor.evaluations)
}

/// A wrong gradient: the correct one changed by `wrong`; `bad` lists the entries that
/// are wrong (nil: all of them).
struct WrongGradient: CustomTestStringConvertible, Sendable {
  var name: String
  var base: Int
  var wrong: @Sendable ([Double]) -> [Double]
  var bad: [Int]
  var testDescription: String { name }
}

let wrongGradients: [WrongGradient] = [
  WrongGradient(name: "sign of sin(x0) x1^2", base: 0, wrong: { $0.map { -$0 } }, bad: [0, 1]),
  WrongGradient(
    name: "factor 1.001 on entry 1 of log x0 + log(x1 x2)", base: 2,
    wrong: { g in var g = g; g[1] *= 1.001; return g }, bad: [1]),
  WrongGradient(
    name: "factor 1.001 on entry 0 of Rosenbrock", base: 4,
    wrong: { g in var g = g; g[0] *= 1.001; return g }, bad: [0]),
  WrongGradient(
    name: "swapped entries of the rational function", base: 3,
    wrong: { g in [g[1], g[0]] }, bad: [0, 1]),
  WrongGradient(
    name: "swapped entries 1 and 3 of the norm", base: 7,
    wrong: { g in var g = g; g.swapAt(1, 3); return g }, bad: [1, 3]),
  // Entry 0 (6e-6) is 6e8 times smaller than entry 1 (4e3): its sign error is below the
  // absolute floor 1e-8 S of the rule and is not seen; entry 1's is.
  WrongGradient(
    name: "sign of the badly scaled exp sin", base: 12, wrong: { $0.map { -$0 } }, bad: [1]),
  WrongGradient(
    name: "sign of entry 0 of the badly scaled quadratic", base: 11,
    wrong: { g in var g = g; g[0] = -g[0]; return g }, bad: [0]),
]

@Test(arguments: wrongGradients)
func wrongGradientFails(_ w: WrongGradient) {
  let c = correctCases[w.base]
  let r = checkGradient(
    of: c.f, gradient: { w.wrong(c.g($0)) }, at: c.x, options: GradientCheckOptions(scales: c.scales))
  #expect(r.status == .fail, "\(r)")
  #expect(r.comparison.status == .fail)
  let failing = r.entries.filter { $0.status == .fail }.map(\.input)
  #expect(failing == w.bad, "\(r)")
  #expect(w.bad.contains(r.comparison.worstIndex ?? -1))
}

@Test func missingTermFails() {
  // f = x0 x1 + sin x0: the gradient without the derivative of sin x0.
  let f: ([Double]) -> Double = { $0[0] * $0[1] + sin($0[0]) }
  let right: ([Double]) -> [Double] = { [$0[1] + cos($0[0]), $0[0]] }
  let missing: ([Double]) -> [Double] = { [$0[1], $0[0]] }
  #expect(checkGradient(of: f, gradient: right, at: [0.7, -1.5]).status == .pass)
  let r = checkGradient(of: f, gradient: missing, at: [0.7, -1.5])
  #expect(r.status == .fail && r.entry(input: 0).status == .fail && r.entry(input: 1).status == .pass, "\(r)")
  #expect(r.taylor.verdict == .fail, "\(r.taylor.message)")
  #expect(r.message.contains("df/dx[0]"), "\(r.message)")
}

@Test func smallErrorIsCaughtByTheEntrywiseRuleOnly() {
  // 1.001 on one of five entries: the entry fails; the Taylor test along a random
  // direction sees an O(h) remainder only below h ~ error / curvature, and either
  // fails or passes, never hides the entrywise failure.
  let c = correctCases[7]
  let r = checkGradient(of: c.f, gradient: { x in var g = c.g(x); g[2] *= 1.001; return g }, at: c.x)
  #expect(r.status == .fail && r.entry(input: 2).status == .fail)
  #expect(r.entries.filter { $0.status == .fail }.count == 1)
}

@Test func entryVerdictsAreTheComparisonsEntries() {
  // The overall comparison is the worst entry; its normalized error is the largest.
  for c in correctCases.prefix(6) {
    for factor in [1.0, 1 + 1e-7, 1 + 3e-6, 1.01] {
      let r = checkGradient(of: c.f, gradient: { c.g($0).map { $0 * factor } }, at: c.x)
      #expect(r.comparison.status == FDStatus.worst(r.entries.map(\.status)), "\(c.name) \(factor)")
      #expect(r.comparison.value == r.entries.map(\.normalizedError).max()!)
    }
  }
  // 1e-7 relative: within the tolerance; 3e-6: beyond tol + 3 e (e ~ 1e-12).
  let c = correctCases[0]
  #expect(checkGradient(of: c.f, gradient: { c.g($0).map { $0 * (1 + 1e-7) } }, at: c.x).comparison.status == .pass)
  #expect(checkGradient(of: c.f, gradient: { c.g($0).map { $0 * (1 + 3e-6) } }, at: c.x).comparison.status == .fail)
}

// MARK: - Jacobian form

func jf(_ x: [Double]) -> [Double] { [x[0] * x[1], sin(x[0]) + x[2] * x[2], exp(x[1]) / x[2]] }
func jj(_ x: [Double]) -> [[Double]] {
  [
    [x[1], x[0], 0],
    [cos(x[0]), 0, 2 * x[2]],
    [0, exp(x[1]) / x[2], -exp(x[1]) / (x[2] * x[2])],
  ]
}

@Test func correctJacobianPasses() {
  let x = [0.4, -0.8, 1.6]
  let r = checkJacobian(of: jf, jacobian: jj, at: x)
  #expect(r.status == .pass, "\(r)")
  #expect(r.outputs == 3 && r.entries.count == 9 && r.isJacobian)
  #expect(r.entry(output: 2, input: 1).analytic == exp(-0.8) / 1.6)
  #expect(abs(r.entry(output: 2, input: 1).numeric - exp(-0.8) / 1.6) < 1e-10)
  // Zero entries are compared against the row's scale.
  #expect(r.entry(output: 1, input: 1).numeric == 0 && r.entry(output: 1, input: 1).status == .pass)
  #expect(r.description.contains("df[2]/dx[1]"))
}

@Test func wrongJacobianEntryFails() {
  let x = [0.4, -0.8, 1.6]
  let r = checkJacobian(of: jf, jacobian: { var j = jj($0); j[1][2] *= 1.001; return j }, at: x)
  #expect(r.status == .fail, "\(r)")
  let failing = r.entries.filter { $0.status == .fail }
  #expect(failing.count == 1 && failing[0].output == 1 && failing[0].input == 2)
  #expect(r.comparison.message.contains("df[1]/dx[2]"), "\(r.comparison.message)")
  // A transposed Jacobian (a classic bug) fails too.
  let t = checkJacobian(of: jf, jacobian: { x in let j = jj(x); return (0..<3).map { o in (0..<3).map { j[$0][o] } } }, at: x)
  #expect(t.status == .fail)
}

// MARK: - Determinism and the report

@Test func sameSeedSameReportOtherSeedOtherDirection() {
  let c = correctCases[6]
  let a = checkGradient(of: c.f, gradient: c.g, at: c.x)
  let b = checkGradient(of: c.f, gradient: c.g, at: c.x)
  #expect(a == b)
  let other = checkGradient(of: c.f, gradient: c.g, at: c.x, options: GradientCheckOptions(seed: 2))
  #expect(other.taylorDirection != a.taylorDirection && other.status == .pass)
  // w_i = u_i max(|x_i|, 1), |u_i| < 1, the largest |u_i| >= 1/2.
  let ratios = zip(a.taylorDirection, c.x).map { abs($0) / max(abs($1), 1) }
  #expect(ratios.allSatisfy { $0 < 1 } && ratios.max()! >= 0.5)
}

@Test func descriptionIsATable() {
  let c = correctCases[0]
  let r = checkGradient(of: c.f, gradient: c.g, at: c.x)
  let lines = r.description.split(separator: "\n").map(String.init)
  #expect(lines[0] == "gradient check: pass (2 inputs, 1 output, \(r.evaluations) evaluations)")
  #expect(lines[1].hasPrefix("  entry") && lines[1].contains("analytic") && lines[1].hasSuffix("status"))
  #expect(lines[2].hasPrefix("  df/dx[0]") && lines[2].hasSuffix("pass"))
  #expect(lines[2].contains(formatNumber(cos(0.5) * 4)))
  #expect(lines[4].hasPrefix("  taylor: pass, observed order"))
  #expect(lines[5] == "  " + r.message && r.message.hasPrefix("pass: entries pass"))
}

// MARK: - @differentiable(reverse) overloads

@differentiable(reverse)
func sinTimesSquare(_ x: [Double]) -> Double { sin(x[0]) * x[1] * x[1] }

@differentiable(reverse)
func expLogRational(_ x: [Double]) -> Double {
  exp(x[0]) * log(x[1]) / (1 + x[2] * x[2])
}

@differentiable(reverse)
func sumOfSquares(_ x: [Double]) -> Double {
  var s = 0.0
  for i in withoutDerivative(at: 0..<x.count) { s += x[i] * x[i] }
  return s
}

@differentiable(reverse)
func firstOnly(_ x: [Double]) -> Double { 3 * x[0] }

/// `x^3` with a deliberately wrong derivative `3x` (it should be `3x^2`).
func badCube(_ x: Double) -> Double { x * x * x }

@derivative(of: badCube)
func badCubeVJP(_ x: Double) -> (value: Double, pullback: (Double) -> Double) {
  (badCube(x), { v in v * 3 * x })
}

@differentiable(reverse)
func usesBadCube(_ x: [Double]) -> Double { badCube(x[0]) + x[1] }

@differentiable(reverse)
func vectorFunction(_ x: [Double]) -> [Double] { [x[0] * x[1], sin(x[0]) + x[2] * x[2], exp(x[1]) / x[2]] }

@Test func compilerGradientsOfCorrectFunctionsPass() {
  let a = checkGradient(of: sinTimesSquare, at: [0.5, 2])
  #expect(a.status == .pass, "\(a)")
  #expect(a.entry(input: 0).analytic == cos(0.5) * 4)
  #expect(checkGradient(of: expLogRational, at: [0.3, 2.5, -0.7]).status == .pass)
  #expect(checkGradient(of: sumOfSquares, at: [1, -2, 3, 0.5]).status == .pass)
  // An input the function ignores gets a zero derivative, not a missing one.
  let b = checkGradient(of: firstOnly, at: [1, 2])
  #expect(b.status == .pass && b.entries.map(\.analytic) == [3, 0], "\(b)")
  let j = checkJacobian(of: vectorFunction, at: [0.4, -0.8, 1.6])
  #expect(j.status == .pass, "\(j)")
  #expect(j.entries.map(\.analytic) == checkJacobian(of: jf, jacobian: jj, at: [0.4, -0.8, 1.6]).entries.map(\.analytic))
}

@Test func wrongCustomDerivativeFails() {
  let r = checkGradient(of: usesBadCube, at: [2, 1])
  #expect(r.status == .fail, "\(r)")
  // The compiler's derivative is the custom one: 3x = 6, while d/dx x^3 = 12.
  #expect(r.entry(input: 0).analytic == 6 && abs(r.entry(input: 0).numeric - 12) < 1e-8)
  #expect(r.entry(input: 0).status == .fail && r.entry(input: 1).status == .pass)
  #expect(r.taylor.verdict == .fail)
  // At x = 1 the wrong rule happens to agree (3x = 3x^2): the check passes there.
  #expect(checkGradient(of: usesBadCube, at: [1, 1]).comparison.status == .pass)
}

// MARK: - Seeded random compositions

@Test func randomJacobiansPassAndOneWrongEntryFails() {
  // 200 random exp/polynomial/sin compositions (all 200 pass with this seed; a warn is
  // allowed, never a fail); 1e-4 relative on one entry always fails.
  var rng = SeededRNG(seed: 606)
  var statuses: [FDStatus: Int] = [:]
  for k in 0..<200 {
    let n = 1 + rng.int(below: 4)
    let m = 1 + rng.int(below: 3)
    let f = RandomComposition(rng: &rng, n: n, m: m)
    let z = (0..<n).map { _ in rng.uniform(-1, 1) }
    let options = GradientCheckOptions(seed: UInt64(k))
    let r = checkJacobian(of: f.value, jacobian: f.jacobian, at: z, options: options)
    statuses[r.status, default: 0] += 1
    #expect(r.status != .fail, "\(r)")
    // 1e-4 relative on the largest entry of a random row.
    let o = rng.int(below: m)
    let j0 = f.jacobian(z)[o]
    let i = j0.indices.max { abs(j0[$0]) < abs(j0[$1]) }!
    let bad = checkJacobian(
      of: f.value, jacobian: { x in var j = f.jacobian(x); j[o][i] *= 1 + 1e-4; return j }, at: z,
      options: options)
    #expect(bad.status == .fail && bad.entry(output: o, input: i).status == .fail, "\(bad)")
  }
  #expect((statuses[.pass] ?? 0) >= 190, "\(statuses)")
}
