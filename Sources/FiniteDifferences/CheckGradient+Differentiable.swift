/// The one-call checks for functions the compiler differentiates
/// (`@differentiable(reverse)`, Swift's `_Differentiation` module): the derivative under
/// test is the compiler's (the pullback of `f`, including any custom
/// `@derivative(of:)` it calls), checked against finite differences of `f` itself.

import _Differentiation

/// Checks the compiler's gradient of `f` at `x` against finite differences (the same
/// comparison and Taylor test as `checkGradient(of:gradient:at:options:)`).
///
///     @differentiable(reverse) func f(_ x: [Double]) -> Double { sin(x[0]) * x[1] * x[1] }
///     print(checkGradient(of: f, at: [0.5, 2]))
public func checkGradient(
  of f: @differentiable(reverse) ([Double]) -> Double, at x: [Double],
  options: GradientCheckOptions = GradientCheckOptions()
) -> GradientCheckReport {
  checkGradient(
    of: { f($0) }, gradient: { compilerGradient(of: f, at: $0) }, at: x, options: options)
}

/// Checks the compiler's Jacobian of `f: R^n -> R^m` at `x` (row `o` is the pullback of
/// the `o`-th unit cotangent) against finite differences.
public func checkJacobian(
  of f: @differentiable(reverse) ([Double]) -> [Double], at x: [Double],
  options: GradientCheckOptions = GradientCheckOptions()
) -> GradientCheckReport {
  checkJacobian(
    of: { f($0) }, jacobian: { compilerJacobian(of: f, at: $0) }, at: x, options: options)
}

/// `grad f(x)` by reverse mode. An input the function does not use gets the zero
/// tangent, which `_Differentiation` may represent by an empty array: it is widened to
/// `x.count` zeros.
func compilerGradient(of f: @differentiable(reverse) ([Double]) -> Double, at x: [Double]) -> [Double] {
  widen(gradient(at: x, of: f).base, to: x.count)
}

/// The Jacobian of `f` at `x` by reverse mode: row `o` is `pullback(e_o)`.
func compilerJacobian(
  of f: @differentiable(reverse) ([Double]) -> [Double], at x: [Double]
) -> [[Double]] {
  let (y, pullback) = valueWithPullback(at: x, of: f)
  return (0..<y.count).map { o in
    var e = [Double](repeating: 0, count: y.count)
    e[o] = 1
    return widen(pullback(Array<Double>.DifferentiableView(e)).base, to: x.count)
  }
}

/// `v` when it has `count` entries; `count` zeros when it is the empty (zero) tangent.
func widen(_ v: [Double], to count: Int) -> [Double] {
  v.isEmpty ? Array(repeating: 0, count: count) : v
}
