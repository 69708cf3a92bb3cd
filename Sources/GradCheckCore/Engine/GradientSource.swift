import EigenCore
import GradcheckModel
import Spectral

/// Supplies the values and gradients under test: `x_cond = T(x, s(Y); beta)`, and at base
/// points `grad_x = dT/dx` and `grad_y = d x_cond / dY` (the gradients of `sum(x_cond)`,
/// as `x_cond.sum().backward()` gives them).
///
/// The engine gathers every point one matrix needs into one `EvaluationBatch` per source
/// and calls `evaluate` once: the base points (the matrix's own Y, one per x and beta,
/// `gradient == true`) and the finite-difference points (`gradient == false`) at perturbed
/// matrices `Y + h W` and perturbed `x`. Each point carries both its matrix (as a
/// perturbation of the batch's base matrix, `batch.matrix(of:)`) and the tool's own
/// `s` there, so a source may use either: the built-in formulas read `s` (solved once per
/// perturbed matrix and shared by every x, transform and beta); an external program
/// receives `(x, Y)` and computes s(Y) itself, which verifies its whole autograd path.
///
/// - `name` stands in case ids where a transform name would.
/// - `transform` is the built-in transform the source evaluates (or imitates); it selects
///   the fixture's `expect` values and `outcomes` and the exact margin of the `constraint`
///   check. nil for a program the tool knows nothing about.
/// - `dtype` is the precision the source computes in.
/// - `reference` is a built-in transform the source's values are compared with (the
///   `reference` check); nil: none.
/// - `evaluate` returns one `SourceValue` per point, in point order, or throws when the
///   source cannot answer (a program that failed): every case of that batch then fails
///   with code `evaluation-failed`. A point the source declined with a reason (an
///   external program's `error` response) carries it in `SourceValue.error`.
public protocol GradientSource: Sendable {
  var name: String { get }
  var transform: TransformKind? { get }
  var dtype: DType { get }
  var reference: TransformKind? { get }
  /// Whether the source computes from the tool's s (`EvaluationPoint.s`) and ds/dY
  /// (`batch.base`) rather than from the matrix, as the built-in formulas do: only then
  /// may the engine solve them in double-double where double precision cannot resolve a
  /// step (`CheckEngine.resolutionSkips`). A program computes s itself: false.
  var readsToolSpectrum: Bool { get }
  func evaluate(_ batch: EvaluationBatch) throws -> [SourceValue]
}

extension GradientSource {
  public var reference: TransformKind? { nil }
  public var readsToolSpectrum: Bool { false }
}

/// One point `(x, Y, beta)` at which a source is evaluated.
public struct EvaluationPoint: Sendable, Equatable {
  public var x: Double
  public var beta: Double
  /// The matrix is `Y + step * W[direction]` (`EvaluationBatch.directions`); nil: `Y`.
  public var direction: Int?
  public var step: Double
  /// The tool's `s` at this matrix (NaN where it is undefined).
  public var s: Double
  /// Whether `gradX` and `gradY` are asked for (base points only).
  public var gradient: Bool

  public init(x: Double, beta: Double, direction: Int? = nil, step: Double = 0, s: Double, gradient: Bool) {
    self.x = x
    self.beta = beta
    self.direction = direction
    self.step = step
    self.s = s
    self.gradient = gradient
  }
}

/// Every point one matrix needs from one source.
public struct EvaluationBatch: Sendable {
  /// The base matrix Y.
  public var y: Matrix
  /// The tool's evaluation of s at Y: `s`, `ds/dY` (`gradient`), the vectors behind it.
  public var base: SpectralEvaluation
  /// Perturbation directions W in Y space (finite-difference directions, then the Taylor one).
  public var directions: [Matrix]
  public var points: [EvaluationPoint]

  public init(y: Matrix, base: SpectralEvaluation, directions: [Matrix], points: [EvaluationPoint]) {
    self.y = y
    self.base = base
    self.directions = directions
    self.points = points
  }

  /// The matrix of a point: `Y + step * W[direction]` (Y itself for base points).
  public func matrix(of point: EvaluationPoint) -> Matrix {
    guard let d = point.direction else { return y }
    return y.perturbed(along: directions[d], by: point.step)
  }
}

/// What a source returns for one point.
public struct SourceValue: Sendable, Equatable {
  public var xCond: Double
  /// `dT/dx`; given exactly when the point asked for gradients.
  public var gradX: Double?
  /// `d x_cond / dY` (N x N); given exactly when the point asked for gradients.
  public var gradY: Matrix?
  /// The source's own `s`, when it reports one (used for its constraint margin).
  public var lambdaMin: Double?
  /// Why the source could not evaluate this point (its own words); the values are then NaN.
  public var error: String?

  public init(xCond: Double, gradX: Double? = nil, gradY: Matrix? = nil, lambdaMin: Double? = nil, error: String? = nil) {
    self.xCond = xCond
    self.gradX = gradX
    self.gradY = gradY
    self.lambdaMin = lambdaMin
    self.error = error
  }
}

/// The built-in formulas of one transform: `Transform.evaluate(kind, x, s, beta)` at the
/// tool's `s`, and `grad_y = dT/ds * ds/dY` with `ds/dY` from `batch.base.gradient`.
///
/// In float32 it is what a float32 program does at best: x, beta and the tool's float64
/// s rounded to float32, the transform and its derivatives in `Float` arithmetic, and
/// `grad_y = fl32(fl32(ds/dY) * dT/ds)`.
public struct BuiltinTransformSource: GradientSource {
  public var kind: TransformKind
  public var parameters: TransformParameters
  public var dtype: DType

  public init(_ kind: TransformKind, parameters: TransformParameters = TransformParameters(), dtype: DType = .float64) {
    self.kind = kind
    self.parameters = parameters
    self.dtype = dtype
  }

  public var name: String { kind.rawValue }
  public var transform: TransformKind? { kind }
  public var readsToolSpectrum: Bool { true }

  public func evaluate(_ batch: EvaluationBatch) -> [SourceValue] {
    batch.points.map { p in
      let v = Self.evaluate(kind, x: p.x, s: p.s, beta: p.beta, parameters: parameters, dtype: dtype)
      guard p.gradient else { return SourceValue(xCond: v.value) }
      var gy = batch.base.gradient ?? Matrix(n: batch.y.rows)
      for k in 0..<gy.storage.count { gy.storage[k] = dtype.round(dtype.round(gy.storage[k]) * v.ds) }
      return SourceValue(xCond: v.value, gradX: v.dx, gradY: gy)
    }
  }

  /// The transform in the arithmetic of `dtype` (inputs rounded to it), as doubles.
  public static func evaluate(
    _ kind: TransformKind, x: Double, s: Double, beta: Double, parameters: TransformParameters, dtype: DType
  ) -> TransformEvaluation<Double> {
    switch dtype {
    case .float64:
      return Transform.evaluate(kind, x: x, s: s, beta: beta, parameters: parameters)
    case .float32:
      let v = Transform.evaluate(kind, x: Float(x), s: Float(s), beta: Float(beta), parameters: parameters)
      return TransformEvaluation(value: Double(v.value), dx: Double(v.dx), ds: Double(v.ds))
    }
  }
}
