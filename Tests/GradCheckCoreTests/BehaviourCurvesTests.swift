import GradCheckCore
import GradcheckModel
import Spectral
import Testing

@Suite("Behaviour curves")
struct BehaviourCurvesTests {
  let parameters = TransformParameters(margin: 3e-5, slope: 0.05, floor: 1e-4)

  @Test("the grid runs from -100 to 10, increasing, symlog, with the tabulated points")
  func grid() {
    let u = behaviourCurveGrid
    #expect(u.first == -100 && u.last == 10)
    #expect(zip(u, u.dropFirst()).allSatisfy { $0 < $1 })
    #expect(u.count == 132)
    for p in curveTablePoints + [0, 1e-3, -1e-3, 5e-4, -1, 1, -10] { #expect(u.contains(p), "\(p)") }
    // 12 points a decade beyond the linear zone: from 1 to 10 there are 12 steps, plus 2.
    #expect(u.filter { $0 > 1 && $0 <= 10 }.count == 13)
    #expect(u.filter { abs($0) <= 1e-3 }.count == 21)
  }

  @Test("each point is the engine's exact margin and dT/dx at x = u - 1, s = 1", arguments: TransformKind.allCases)
  func valuesAreTheTransform(_ t: TransformKind) {
    for beta in [1.0, 5, 50, 1000] {
      let c = behaviourCurve(t, beta: beta, parameters: parameters)
      #expect(c.transform == t && c.beta == beta && c.s == 1 && c.u == behaviourCurveGrid)
      #expect(c.margin.count == c.u.count && c.dx.count == c.u.count)
      for (k, u) in c.u.enumerated() {
        let x = u - 1
        let e = Transform.evaluate(t, x: x, s: 1, beta: beta, parameters: parameters)
        let m = Transform.exactMargin(t, x: x, s: 1.0, beta: beta, parameters: parameters)
        #expect(c.dx[k].bitPattern == e.dx.bitPattern, "\(t) beta=\(beta) u=\(u)")
        #expect(c.margin[k].bitPattern == m.bitPattern, "\(t) beta=\(beta) u=\(u)")
        #expect(c.margin[k].isFinite && c.dx[k].isFinite)
      }
    }
  }

  @Test("closed forms: softplus margin sp(u), leaky alpha*u below 0, where -delta, safe-softplus >= floor")
  func closedForms() {
    let sp = behaviourCurve(.softplus, beta: 5, parameters: parameters)
    let leaky = behaviourCurve(.leaky, beta: 5, parameters: parameters)
    let wh = behaviourCurve(.where, beta: 5, parameters: parameters)
    let safe = behaviourCurve(.safeSoftplus, beta: 5, parameters: parameters)
    let k = sp.u.firstIndex(of: 0)!
    #expect(abs(sp.margin[k] - 0.6931471805599453 / 5) < 1e-15)
    #expect(sp.dx[k] == 0.5)
    let m1 = leaky.u.firstIndex(of: -1)!
    #expect(abs(leaky.margin[m1] + 0.05) < 1e-16 && leaky.dx[m1] == 0.05)
    #expect(wh.margin[m1] == -3e-5 && wh.dx[m1] == 0)
    #expect(safe.margin.allSatisfy { $0 >= 1e-4 })
    let two = sp.u.firstIndex(of: 2)!
    #expect(wh.margin[two] == 2 && wh.dx[two] == 1 && leaky.margin[two] == 2)
  }

  @Test("curves depend on u alone, except the where margin for u <= 0 (-delta*s)", arguments: TransformKind.allCases)
  func invariance(_ t: TransformKind) {
    let c = behaviourCurve(t, beta: 5, parameters: parameters)
    for s in [3.0, -0.7, 1e-3] {
      for (k, u) in c.u.enumerated() where abs(u) > 1e-9 {
        let x = (u - 1) / s
        let dx = Transform.evaluate(t, x: x, s: s, beta: 5, parameters: parameters).dx
        let m = Transform.exactMargin(t, x: x, s: s, beta: 5, parameters: parameters)
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(abs(a), abs(b)) }
        #expect(close(dx, c.dx[k]), "\(t) s=\(s) u=\(u): \(dx) vs \(c.dx[k])")
        let expected = t == .where && u <= 0 ? -3e-5 * s : c.margin[k]
        #expect(close(m, expected), "\(t) s=\(s) u=\(u): \(m) vs \(expected)")
      }
    }
  }

  @Test("one curve per transform and beta, in transform then beta order")
  func orderAndUnion() {
    let cs = behaviourCurves(transforms: [.safeSoftplus, .softplus, .softplus], betas: [10, 1], parameters: parameters)
    #expect(cs.map(\.transform) == [.softplus, .softplus, .safeSoftplus, .safeSoftplus])
    #expect(cs.map(\.beta) == [1, 10, 1, 10])
    let other = behaviourCurves(transforms: [.where], betas: [1], parameters: parameters)
    let u = BehaviourCurve.union([Array(cs.suffix(2)), other, cs])
    #expect(u.map(\.transform) == [.where, .softplus, .softplus, .safeSoftplus, .safeSoftplus])
    #expect(u == BehaviourCurve.union([cs, other]))
  }
}
