import EigenCore
import ExternalEvaluator
import GradcheckModel
import Spectral
import Testing

/// The NumPy example evaluator agrees with the built-in transforms and the native
/// eigen solver on seeded random matrices, in float64 and in float32.
@Suite("NumPy example evaluator")
struct NumPyEvaluatorTests {
  /// One seeded point: a Gaussian matrix (scaled by 1/sqrt(n)) and an x with
  /// 1 + x*s spread over [-4, 4], kept where the comparison is well posed: a real minimum
  /// with condition number below 100, separated from the next candidate and from
  /// complex pairs by 5% of |Y|, |s| >= 0.05, and 1 + x*s at least 0.05 from the kinks
  /// of `where` and `leaky`.
  struct Point {
    var x: Double
    var y: Matrix
    var s: Double
    var dsdY: Matrix
    var kappa: Double
  }

  static func points(n: Int, count: Int, seed: UInt64) throws -> [Point] {
    var rng = SeededRNG(seed: seed, stream: UInt64(n))
    var evaluator = SpectralEvaluator()
    var result: [Point] = []
    while result.count < count {
      let scale = 1 / Double(n).squareRoot()
      let y = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n).map { $0 * scale })
      let e = try evaluator.evaluate(.minRealEigenvalue, y)
      guard let s = e.s, let gradient = e.gradient, let kappa = e.kappa, !e.masked else { continue }
      let size = y.normFrobenius
      guard kappa < 100, e.gap > 0.05 * size, e.nearestComplexImag > 0.05 * size, s.magnitude >= 0.05 else { continue }
      let margin = rng.uniform(-4, 4)
      guard margin.magnitude >= 0.05 else { continue }
      result.append(Point(x: (margin - 1) / s, y: y, s: s, dsdY: gradient, kappa: kappa))
    }
    return result
  }

  @Test(
    "agrees with the built-in transforms",
    arguments: [DType.float64, .float32], TransformKind.allCases)
  func agreement(dtype: DType, transform: TransformKind) throws {
    let unit = dtype == .float64 ? 0x1p-52 : 0x1p-23
    let command = Programs.numpy(transform: transform.rawValue, dtype: dtype.rawValue)
    let program = try ExternalEvaluator.start(command: command, stderrSink: nil)
    defer { program.close() }
    #expect(program.name == "numpy-\(transform.rawValue)")
    #expect(program.dtype == dtype)
    for n in [3, 5] {
      let points = try Self.points(n: n, count: 48, seed: 20261204)
      // Inputs as the program sees them (rounded to its dtype), so that the reference
      // answers the same question.
      let round: (Double) -> Double = dtype == .float64 ? { $0 } : { Double(Float($0)) }
      let xs = points.map { round($0.x) }
      let ys = points.flatMap { $0.y.storage.map(round) }
      var spectral = SpectralEvaluator()
      for beta in [1.0, 5.0, 20.0] {
        let response = try program.evaluate(beta: beta, x: xs, y: ys, n: n, grad: true)
        guard case .values(let v) = response else {
          Issue.record("\(transform) n=\(n) beta=\(beta): \(response)")
          continue
        }
        for (b, point) in points.enumerated() {
          let y = Matrix(rows: n, cols: n, storage: Array(ys[(b * n * n)..<((b + 1) * n * n)]))
          let e = try spectral.evaluate(.minRealEigenvalue, y)
          let s = try #require(e.s)
          let dsdY = try #require(e.gradient)
          let reference = Transform.evaluate(transform, x: xs[b], s: s, beta: beta)
          // Error model: the program's s is accurate to about unit * kappa * |Y|; T,
          // dT/dx and dT/ds move with s by at most their s-derivatives (bounded by
          // beta-scaled terms below), plus a few hundred units of rounding.
          let sError = 64 * unit * point.kappa * y.normFrobenius
          let x = xs[b]
          let where_ = "\(transform) \(dtype) n=\(n) beta=\(beta) point \(b) (x=\(x), s=\(s))"
          #expect(
            (v.lambdaMin![b] - s).magnitude <= sError, "lambda_min \(v.lambdaMin![b]) vs \(s): \(where_)")
          let tolT = 16 * unit * (reference.value.magnitude + x.magnitude + 1 / s.magnitude)
            + reference.ds.magnitude * sError
          #expect((v.xCond[b] - reference.value).magnitude <= tolT, "x_cond \(v.xCond[b]) vs \(reference.value): \(where_)")
          let tolX = 16 * unit * reference.dx.magnitude + beta * x.magnitude * sError
          #expect((v.gradX![b] - reference.dx).magnitude <= tolX, "grad_x \(v.gradX![b]) vs \(reference.dx): \(where_)")
          // grad_y = dT/ds * ds/dY, ds/dY accurate to about unit * kappa^2. softplus's dT/ds
          // cancels (terms of size (|x dT/dx| + |T| + 1/|s|)/|s|, as the fixtures' expect
          // check models it) and moves with s by about beta x^2 + those terms/|s|; the
          // other transforms' dT/ds is formed without cancellation (1/s^2, or the
          // quadrature of safe-softplus) and moves by about (2/|s| + beta |x|) |dT/ds|.
          let softplusTerms = (x.magnitude * reference.dx.magnitude + reference.value.magnitude + 1 / s.magnitude) / s.magnitude
          let cancelling = transform == .softplus ? softplusTerms : reference.ds.magnitude
          let curvature = transform == .softplus
            ? beta * x * x + 4 * softplusTerms / s.magnitude
            : (2 / s.magnitude + beta * x.magnitude) * reference.ds.magnitude
          let gradYMax = dsdY.storage.map { ($0 * reference.ds).magnitude }.max() ?? 0
          for k in 0..<(n * n) {
            let expected = reference.ds * dsdY.storage[k]
            let g = dsdY.storage[k].magnitude
            let tolY = 64 * unit * point.kappa * (point.kappa * gradYMax + g * cancelling) + g * curvature * sError
            let got = v.gradY![b * n * n + k]
            #expect((got - expected).magnitude <= tolY, "grad_y[\(k)] \(got) vs \(expected) (tol \(tolY)): \(where_)")
          }
        }
      }
    }
  }
}
