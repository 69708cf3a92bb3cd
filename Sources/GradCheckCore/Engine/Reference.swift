import EigenCore
import FiniteDifferences
import GradcheckModel
import Spectral

extension CheckEngine {
  /// `reference`: an external program's `x_cond`, `grad_x`, `grad_y` (and `lambda_min`
  /// when it reports one) against the built-in transform `kind` evaluated in the
  /// program's dtype, within the tolerances of the `expect` check (`expectCheck`: the
  /// rounding a correct evaluation in that dtype can make).
  ///
  /// The built-in is evaluated at the program's own `lambda_min` when it reports one (the
  /// tool's s otherwise), with the tool's ds/dY: its s is compared with the tool's on its
  /// own, so that the difference of two eigen solvers near s = 0, amplified by a transform
  /// that grows like 1/s, is not blamed on the transform. Where s is not differentiable
  /// (`nonsmooth`: two candidates within the step, or a real/complex classification that
  /// flips, where another solver may rightly pick another branch) only `x_cond` is
  /// compared, at the program's s.
  func referenceCheck(
    _ kind: TransformKind, dtype: DType, x: Double, beta: Double, s: Double, kappa: Double, job: MatrixJob,
    base: SpectralEvaluation, value: SourceValue, smooth: Bool
  ) -> CheckResult {
    let builtin = BuiltinTransformSource(kind, parameters: options.parameters, dtype: dtype)
    let theirS = value.lambdaMin.flatMap { $0.isFinite ? $0 : nil } ?? s
    let point = EvaluationPoint(x: x, beta: beta, s: theirS, gradient: true)
    let mine = builtin.evaluate(EvaluationBatch(y: job.y, base: base, directions: [], points: [point]))[0]
    let values = ExpectedValues(
      lambdaMin: smooth ? value.lambdaMin.map { [$0] } : nil, xCond: [mine.xCond], gradX: smooth ? mine.gradX.map { [$0] } : nil,
      gradY: smooth ? mine.gradY.map { [$0.nested] } : nil)
    let e = Expectation(values: values, element: 0, transform: kind, beta: beta, spectral: .minRealEigenvalue, dtype: dtype)
    return Self.expectCheck(
      e, x: x, transform: kind, beta: beta, s: s, kappa: kappa, normY: job.y.normFrobenius, dsdY: base.gradient!,
      value: value, against: "the built-in \(kind.rawValue)'s", codes: (.matchesReference, .differsFromReference))!
  }
}

extension GradientComparison {
  /// The comparison rule for values computed in `dtype`: float64 as is; float32 with
  /// tolerances 1000 times wider (relative 1e-3, absolute 1e-5 of the scale). A float32
  /// value carries ~6e-8 relative rounding and a float32 eigen solve `6e-8 kappa |Y| / |s|`,
  /// which the finite differences' error estimates carry on top (see `relativeNoise`).
  func scaled(for dtype: DType) -> GradientComparison {
    guard dtype == .float32 else { return self }
    var c = self
    c.relativeTolerance *= 1000
    c.absoluteTolerance *= 1000
    return c
  }
}
