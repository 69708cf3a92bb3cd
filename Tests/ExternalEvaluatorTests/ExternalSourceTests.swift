import EigenCore
import ExecSource
import ExternalEvaluator
import GradCheckCore
import Spectral
import Testing

/// The gradient-source adapter over real programs: what is sent and what comes back.
@Suite("External source")
struct ExternalSourceTests {
  /// Requests carry finite numbers only: a point whose x or matrix is not finite is never
  /// sent (the program answers only the others) and its value is NaN; the others are the
  /// program's answers, in point order.
  @Test func pointsThatAreNotFiniteAreNotSent() throws {
    let y = Matrix([[2, 1, 0], [0, 3, 1], [1, 0, 4]])
    var evaluator = SpectralEvaluator()
    let base = try evaluator.evaluate(.minRealEigenvalue, y, gradient: true)
    let s = try #require(base.s)
    let w = Matrix([[4, 0, 0], [0, 0, 0], [0, 0, 0]])  // 2 + 4 * DBL_MAX overflows
    let points = [
      EvaluationPoint(x: 0.5, beta: 5, s: s, gradient: true),
      EvaluationPoint(x: .infinity, beta: 5, s: s, gradient: false),
      EvaluationPoint(x: 0.5, beta: 5, direction: 0, step: 1e-3, s: s, gradient: false),
      EvaluationPoint(x: 0.5, beta: 5, direction: 0, step: .greatestFiniteMagnitude, s: s, gradient: false),
      EvaluationPoint(x: -0.25, beta: 5, s: s, gradient: false),
    ]
    let pool = try ExternalEvaluatorPool.start(command: Programs.numpy(transform: "softplus"), workers: 1)
    defer { pool.shutDown() }
    let source = ExternalSource(pool: pool, fault: RunFault(), maxPoints: 64, reference: nil)
    let values = try source.evaluate(EvaluationBatch(y: y, base: base, directions: [w], points: points))
    #expect(values.count == points.count)
    #expect(pool.pointsAnswered == 3)
    #expect(values[1].xCond.isNaN && values[3].xCond.isNaN)
    #expect(values[1].error == nil)
    #expect(values[3].error == nil)
    let builtin = BuiltinTransformSource(.softplus)
    let expected = builtin.evaluate(EvaluationBatch(y: y, base: base, directions: [w], points: points))
    for k in [0, 2, 4] {
      // NumPy's eigenvalue may differ from the native solver's in the last bits.
      #expect(abs(values[k].xCond - expected[k].xCond) <= 1e-10 * max(1, abs(expected[k].xCond)), "point \(k)")
    }
    #expect(values[0].gradY != nil)
  }
}
