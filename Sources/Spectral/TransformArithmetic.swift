//===--- TransformArithmetic.swift ----------------------------------------===//
//
// The arithmetic under the transforms, generic over the precision: error-free
// sums and products (double-Double or double-Float), the arguments t, u, tau,
// a carried in that doubled precision, exponentials in scaled form, a series
// and a quadrature rule.
//
//===----------------------------------------------------------------------===//

import RealModule

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A doubled-precision number `hi + lo`, `|lo| <= ulp(hi)/2` (unnormalized after
/// non-finite steps, where `lo` is 0).
struct TransformDD<F: TransformScalar>: Sendable, Equatable {
  var hi: F
  var lo: F
  /// `hi + lo` rounded.
  var value: F { hi + lo }
}

/// Error-free sum: `a + b = s + err` exactly (Knuth); `err = 0` if `s` is not finite.
@inline(__always)
func transformTwoSum<F: TransformScalar>(_ a: F, _ b: F) -> TransformDD<F> {
  let s = a + b
  guard s.isFinite else { return TransformDD(hi: s, lo: 0) }
  let bb = s - a
  let err = (a - (s - bb)) + (b - bb)
  return TransformDD(hi: s, lo: err)
}

/// Error-free product via fma: `a * b = p + err` (exact unless `p` is subnormal);
/// `err = 0` if `p` is not finite.
@inline(__always)
func transformTwoProduct<F: TransformScalar>(_ a: F, _ b: F) -> TransformDD<F> {
  let p = a * b
  guard p.isFinite else { return TransformDD(hi: p, lo: 0) }
  return TransformDD(hi: p, lo: (-p).addingProduct(a, b))
}

/// The arguments every transform derives from `(x, s, beta)`, in doubled precision:
/// `t = x*s`, `u = 1 + t`, `tau = beta*t`, `a = beta*u = beta + tau`.
struct TransformArguments<F: TransformScalar> {
  let beta: F
  let t: TransformDD<F>
  let u: TransformDD<F>
  let tau: TransformDD<F>
  let a: TransformDD<F>

  init(x: F, s: F, beta: F) {
    self.beta = beta
    t = transformTwoProduct(x, s)
    var u = transformTwoSum(1, t.hi)
    u.lo += t.lo
    self.u = u
    var tau = transformTwoProduct(beta, t.hi)
    tau.lo += beta * t.lo
    self.tau = tau
    var a = transformTwoSum(beta, tau.hi)
    a.lo += tau.lo
    self.a = a
  }

  /// The exact sign test `1 + x*s > 0`.
  var uIsPositive: Bool { u.hi > 0 || (u.hi == 0 && u.lo > 0) }

  /// `1 + beta*t` (the bracket of softplus's dT/ds), rounded once from doubled precision.
  var onePlusTau: F {
    let sum = transformTwoSum(1, tau.hi)
    return sum.hi + (sum.lo + tau.lo)
  }

  /// `sp_beta(u) = u_+ + log1p(exp(-|a|))/beta` with `u` and `a` in doubled precision.
  var softplusOfU: F {
    if uIsPositive {
      let w = expDD(hi: -a.hi, lo: -a.lo)
      return u.hi + (u.lo + F.log(onePlus: w) / beta)
    }
    return F.log(onePlus: expDD(hi: a.hi, lo: a.lo)) / beta
  }
}

/// `exp(hi + lo)` for `|lo|` at most an ulp of `hi`: `exp(hi) * (1 + lo)`.
@inline(__always)
func expDD<F: TransformScalar>(hi: F, lo: F) -> F {
  let e = F.exp(hi)
  return e + e * lo
}

/// `sigma(hi + lo) = sigma(hi) + sigma(hi) sigma(-hi) lo` for a tiny `lo`.
@inline(__always)
func logisticDD<F: TransformScalar>(hi: F, lo: F) -> F {
  let p = logistic(hi)
  let q = logistic(-hi)
  return p + (p * q) * lo
}

/// `m * 2^k` (rounded once, overflowing to infinity and underflowing gradually).
@inline(__always)
func scaled<F: TransformScalar>(_ m: F, _ k: Int) -> F {
  F(sign: .plus, exponent: k, significand: m)
}

/// `exp(hi + lo) = m * 2^k` with `m` in about `[0.7, 1.42]`, never overflowing or
/// underflowing: `k = round(hi/ln 2)`, `r = (hi - k ln2Hi) - k ln2Lo + lo`, `m = exp(r)`
/// (Cody-Waite reduction; `hi - k ln2Hi` is one fused multiply-add, which for Double's
/// 32-bit `ln2Hi` and `|k| < 2^21` is the exact product rounded once, as in fdlibm).
/// For `hi < -F.scaledExpLimit` returns `(0, 0)`: `exp` is then beyond any scaling by
/// finite numbers of the type. For `hi > F.scaledExpLimit` returns `(inf, 0)`.
func scaledExp<F: TransformScalar>(hi: F, lo: F) -> (m: F, k: Int) {
  if hi < -F.scaledExpLimit { return (0, 0) }
  if hi > F.scaledExpLimit { return (.infinity, 0) }
  let k = (hi / F.ln2).rounded()
  let r = hi.addingProduct(-k, F.ln2Hi) - k * F.ln2Lo + lo
  return (F.exp(r), Int(k))
}

/// `S(v) = sum_{k>=2} v^(k-2)/k = (-log1p(-v) - v)/v^2` for `0 <= v <= 1/2`, summed
/// as a series of positive terms (no cancellation), stopping at a term below
/// `F.seriesTolerance` relative. At most 64 terms: `(1/2)^62/64 < 2^-67`.
func logSeriesTail<F: TransformScalar>(_ v: F) -> F {
  var sum: F = 0.5
  var power: F = 1
  var k: F = 3
  while k < 67 {
    power *= v
    let term = power / k
    if term <= F.seriesTolerance * sum { break }
    sum += term
    k += 1
  }
  return sum
}

/// Nodes and weights of the `n`-point Gauss-Legendre rule mapped to [0, 1], by Newton's
/// method on the Legendre polynomial `P_n` (at most 100 iterations per node), in float64.
func gaussLegendreRule(count n: Int) -> (nodes: [Double], weights: [Double]) {
  var nodes = [Double](repeating: 0, count: n)
  var weights = [Double](repeating: 0, count: n)
  let pi = 3.14159265358979323846
  for i in 0..<((n + 1) / 2) {
    var z = cos(pi * (Double(i) + 0.75) / (Double(n) + 0.5))
    for _ in 0..<100 {
      let step = legendre(n, at: z).p / legendreDerivative(n, at: z)
      z -= step
      if step.magnitude <= 1e-17 { break }
    }
    let derivative = legendreDerivative(n, at: z)
    let weight = 2 / ((1 - z * z) * derivative * derivative)
    // z is the i-th largest root; map x -> (1 + x)/2 on [0, 1].
    nodes[n - 1 - i] = (1 + z) / 2
    nodes[i] = (1 - z) / 2
    weights[n - 1 - i] = weight / 2
    weights[i] = weight / 2
  }
  return (nodes, weights)
}

/// `P_n(z)` and `P_{n-1}(z)` by the three-term recurrence
/// `j P_j = (2j - 1) z P_{j-1} - (j - 1) P_{j-2}`.
func legendre(_ n: Int, at z: Double) -> (p: Double, previous: Double) {
  var p0 = 1.0
  var p1 = z
  for j in 2...n {
    let p2 = ((2 * Double(j) - 1) * z * p1 - (Double(j) - 1) * p0) / Double(j)
    p0 = p1
    p1 = p2
  }
  return (p1, p0)
}

/// `P_n'(z) = n (z P_n(z) - P_{n-1}(z)) / (z^2 - 1)`.
func legendreDerivative(_ n: Int, at z: Double) -> Double {
  let (p, previous) = legendre(n, at: z)
  return Double(n) * (z * p - previous) / (z * z - 1)
}
