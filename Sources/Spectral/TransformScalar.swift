//===--- TransformScalar.swift --------------------------------------------===//
//
// The floating-point types the transforms are evaluated in (Double and
// Float), with the few constants of the evaluation that depend on the type.
// Everything else is one generic implementation (Transforms.swift,
// TransformArithmetic.swift).
//
//===----------------------------------------------------------------------===//

import GradcheckModel
import RealModule

/// A binary floating-point type the transforms can be evaluated in: `Double`
/// (float64) or `Float` (float32). `exp`, `log(onePlus:)` and `expMinusOne`
/// come from `Real` (the C library's functions of that precision).
///
/// The requirements are the constants of the evaluation that depend on the
/// precision; the algorithm is the same for every conforming type.
public protocol TransformScalar: Real, BinaryFloatingPoint, Sendable where Exponent == Int {
  /// The dtype name of this precision (`float64` or `float32`).
  static var dtype: DType { get }
  /// `|tau|` below which `safe-softplus` uses `G(tau) = sigma(beta) + H(0) tau`
  /// (there `H(0) tau` is far below an ulp of `sigma(beta) >= 1/2`, and above it
  /// `sigma(beta) expm1(tau)` is a normal number). Double: 1e-100, Float: 1e-20.
  static var tinyTau: Self { get }
  /// `|hi|` beyond which `exp(hi) = m 2^k` is reported as 0 (or infinity):
  /// `2^(hi/ln 2)` is then past any rescaling by finite numbers of the type.
  /// Double: 1e6, Float: 1e4.
  static var scaledExpLimit: Self { get }
  /// ln 2 rounded to the type (divides `hi` in the reduction of `exp`).
  static var ln2: Self { get }
  /// High part of ln 2 for the Cody-Waite reduction (`k ln2Hi` is formed exactly
  /// by a fused multiply-add, so any split works; Double keeps fdlibm's).
  static var ln2Hi: Self { get }
  /// `ln 2 - ln2Hi`, rounded.
  static var ln2Lo: Self { get }
  /// Relative size of the last term kept by `logSeriesTail` (a quarter of an ulp
  /// of 1 or less). Double: 2^-60, Float: 2^-30.
  static var seriesTolerance: Self { get }
  /// The 20-point Gauss-Legendre rule on [0, 1], computed in float64 and rounded.
  static var gaussLegendre20: (nodes: [Self], weights: [Self]) { get }
  /// `Transform.evaluate` compiled for this type (what the generic entry point calls,
  /// so that callers in other modules run specialized code).
  static func evaluateTransform(
    _ kind: TransformKind, x: Self, s: Self, beta: Self, parameters: TransformParameters
  ) -> TransformEvaluation<Self>
}

extension Double: TransformScalar {
  public static var dtype: DType { .float64 }
  public static var tinyTau: Double { 1e-100 }
  public static var scaledExpLimit: Double { 1e6 }
  public static var ln2: Double { 0.69314718055994530942 }
  /// fdlibm's split: 32 significant bits, so `k ln2Hi` is exact for `|k| < 2^21`.
  public static var ln2Hi: Double { 6.93147180369123816490e-01 }
  public static var ln2Lo: Double { 1.90821492927058770002e-10 }
  public static var seriesTolerance: Double { 0x1p-60 }
  public static var gaussLegendre20: (nodes: [Double], weights: [Double]) { gaussLegendre20Double }
  public static func evaluateTransform(
    _ kind: TransformKind, x: Double, s: Double, beta: Double, parameters: TransformParameters
  ) -> TransformEvaluation<Double> {
    Transform.evaluateInPrecision(kind, x: x, s: s, beta: beta, parameters: parameters)
  }
}

extension Float: TransformScalar {
  public static var dtype: DType { .float32 }
  public static var tinyTau: Float { 1e-20 }
  public static var scaledExpLimit: Float { 1e4 }
  public static var ln2: Float { Float(0.693147180559945309417232121458) }
  /// ln 2 rounded to float32 (the fused multiply-add makes `k ln2Hi` exact).
  public static var ln2Hi: Float { ln2 }
  /// ln 2 - ln2Hi, rounded to float32 (about -1.9e-9).
  public static var ln2Lo: Float {
    Float(0.693147180559945309417232121458 - Double(Float(0.693147180559945309417232121458)))
  }
  public static var seriesTolerance: Float { 0x1p-30 }
  public static var gaussLegendre20: (nodes: [Float], weights: [Float]) { gaussLegendre20Float }
  public static func evaluateTransform(
    _ kind: TransformKind, x: Float, s: Float, beta: Float, parameters: TransformParameters
  ) -> TransformEvaluation<Float> {
    Transform.evaluateInPrecision(kind, x: x, s: s, beta: beta, parameters: parameters)
  }
}

/// Gauss-Legendre rule with 20 nodes on [0, 1] (nodes increasing), computed once in float64.
let gaussLegendre20Double: (nodes: [Double], weights: [Double]) = gaussLegendreRule(count: 20)

/// The same rule rounded to float32.
let gaussLegendre20Float: (nodes: [Float], weights: [Float]) = (
  gaussLegendre20Double.nodes.map { Float($0) }, gaussLegendre20Double.weights.map { Float($0) }
)
