//===--- Transforms.swift -------------------------------------------------===//
//
// The four constraint transforms x_cond = T(x, s; beta) (see docs/checks.md),
// with their partial derivatives dT/dx and dT/ds, evaluated to a few ulps
// wherever the result is representable.
//
// Notation: t = x*s, u = 1 + t, a = beta*u, tau = beta*t,
// sp_beta(z) = log(1 + exp(beta*z)) / beta, sigma the logistic function,
// c = sp_beta(1).
//
//===----------------------------------------------------------------------===//

import GradcheckModel

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

// MARK: - Public types

/// The tunable constants of the transforms (see docs/checks.md, and the
/// `--margin`, `--slope`, `--floor` options of section 5).
public struct TransformParameters: Sendable, Equatable {
  /// `where`: the offset delta in `-1/s - delta` (`--margin`, default 1e-5).
  public var margin: Double
  /// `leaky`: the negative-side slope alpha of `lrelu_alpha` (`--slope`, default 0.01).
  public var slope: Double
  /// `safe-softplus`: the floor delta of the margin, `1 + T*s >= delta`
  /// (`--floor`, default 1e-6; meaningful in (0, 1)).
  public var floor: Double

  /// Creates parameters; the defaults are the command line's.
  public init(margin: Double = 1e-5, slope: Double = 0.01, floor: Double = 1e-6) {
    self.margin = margin
    self.slope = slope
    self.floor = floor
  }
}

/// A transform's value and its two partial derivatives at one point.
public struct TransformValue: Sendable, Equatable {
  /// x_cond = T(x, s; beta).
  public var value: Double
  /// dT/dx (`grad_x`).
  public var dx: Double
  /// dT/ds (multiplied by ds/dY it gives `grad_y`).
  public var ds: Double

  /// Creates a value from its three components.
  public init(value: Double, dx: Double, ds: Double) {
    self.value = value
    self.dx = dx
    self.ds = ds
  }

  /// All three components NaN: the result for invalid input.
  static let nan = TransformValue(value: .nan, dx: .nan, ds: .nan)
}

// MARK: - Scalar building blocks

/// The steep softplus `sp_beta(z) = log(1 + exp(beta*z)) / beta`, evaluated as
/// `max(z, 0) + log1p(exp(-beta*|z|)) / beta`, which never overflows.
///
/// Precondition (not checked): `beta > 0`. For `beta*z` far below zero the
/// result underflows to 0 like the true value `exp(beta*z)/beta`.
public func softplusBeta(_ z: Double, beta: Double) -> Double {
  max(z, 0) + log1p(exp(-beta * z.magnitude)) / beta
}

/// The logistic function `sigma(z) = 1 / (1 + exp(-z))`, evaluated as
/// `1 / (1 + exp(-z))` for `z >= 0` and `exp(z) / (1 + exp(z))` for `z < 0`,
/// so it neither overflows nor loses its relative accuracy for either sign.
public func logistic(_ z: Double) -> Double {
  if z >= 0 { return 1 / (1 + exp(-z)) }
  let e = exp(z)
  return e / (1 + e)
}

// MARK: - Transforms

/// The transforms `T(x, s; beta)` and their partial
/// derivatives.
///
/// - `where`: `T = x` if `1 + t > 0`, else `-1/s - delta`;
///   `dT/dx = 1` or `0`, `dT/ds = 0` or `1/s^2`.
/// - `softplus`: `T = (sp_beta(1 + t) - 1)/s`; `dT/dx = sigma(beta(1 + t))`,
///   `dT/ds = (x sigma(beta(1 + t)) s - sp_beta(1 + t) + 1)/s^2`.
/// - `leaky`: `T = x` if `1 + t > 0`, else `alpha x + (alpha - 1)/s`;
///   `dT/dx = 1` or `alpha`, `dT/ds = 0` or `(1 - alpha)/s^2`.
/// - `safe-softplus`: `T = (1 - delta) phi(t)/s`; `dT/dx = (1 - delta) sigma(beta(1 + t))/c`,
///   `dT/ds = (1 - delta) x^2 (t phi'(t) - phi(t))/t^2`.
///
/// with `t = x*s`, `c = sp_beta(1)`, `phi(t) = sp_beta(1 + t)/c - 1`.
///
/// Conventions:
/// - `t = x*s` and `1 + t` are carried in double-double precision (with `fma`),
///   so branch decisions use the exact sign of `1 + x*s`, and `beta*(1 + t)`
///   keeps its digits even for `beta = 1000`. At `1 + x*s = 0` exactly the
///   active (else) branch of `where` and `leaky` is taken, with its derivatives.
/// - `softplus` diverges as `s -> 0`: at `s = +0` / `-0` the value is `+inf` /
///   `-inf`, `dT/dx = sigma(beta)` and `dT/ds = -inf`. For tiny nonzero `s`
///   the huge values are computed in a scaled form, so they are correctly
///   signed (and overflow to infinity only where the true value does).
/// - `safe-softplus` is finite and smooth through `s = 0`; there it returns its
///   limits `T = (1 - delta) x sigma(beta)/c` and
///   `dT/ds = (1 - delta) x^2 beta sigma(beta) sigma(-beta) / (2c)`.
/// - `x` and `s` must be finite, and for `softplus` and `safe-softplus` also
///   `beta > 0` finite and `x*s` finite (no overflow of the product); otherwise
///   every component is NaN, never a made-up value. `where` and `leaky` ignore `beta`.
///
/// Accuracy: a few ulps relative wherever the result is a normal float64,
/// except where the function itself is ill-conditioned (at a zero of T or of
/// a derivative the error is relative to the size of the cancelling terms).
public enum Transform {
  /// Evaluates `T(x, s; beta)` and its partial derivatives for one point.
  public static func evaluate(
    _ kind: TransformKind, x: Double, s: Double, beta: Double,
    parameters: TransformParameters = .init()
  ) -> TransformValue {
    guard x.isFinite, s.isFinite else { return .nan }
    switch kind {
    case .where:
      let g = TransformArguments(x: x, s: s, beta: 1)
      return whereTransform(g, x: x, s: s, delta: parameters.margin)
    case .leaky:
      let g = TransformArguments(x: x, s: s, beta: 1)
      return leaky(g, x: x, s: s, alpha: parameters.slope)
    case .softplus:
      guard beta > 0, beta.isFinite, (x * s).isFinite else { return .nan }
      return softplus(TransformArguments(x: x, s: s, beta: beta), x: x, s: s)
    case .safeSoftplus:
      guard beta > 0, beta.isFinite, (x * s).isFinite else { return .nan }
      return safeSoftplus(
        TransformArguments(x: x, s: s, beta: beta), x: x, beta: beta, delta: parameters.floor)
    }
  }

  /// Evaluates `T` elementwise over a batch: `result[b] = evaluate(kind, x[b], s[b])`.
  ///
  /// Precondition: `x.count == s.count`.
  public static func evaluateBatch(
    _ kind: TransformKind, x: [Double], s: [Double], beta: Double,
    parameters: TransformParameters = .init()
  ) -> [TransformValue] {
    precondition(x.count == s.count, "evaluateBatch: x has \(x.count) elements, s has \(s.count)")
    var result: [TransformValue] = []
    result.reserveCapacity(x.count)
    for b in 0..<x.count {
      result.append(evaluate(kind, x: x[b], s: s[b], beta: beta, parameters: parameters))
    }
    return result
  }

  /// The margin `1 + value*s` exactly as a user computes it in float64 (one
  /// rounded product, one rounded sum; no fused multiply-add). This is the
  /// quantity the `constraint` check judges; it is NaN for
  /// `softplus` at `s = 0` (`inf * 0`).
  public static func floatMargin(value: Double, s: Double) -> Double {
    let product = value * s
    return 1 + product
  }

  /// The exact margin `1 + T*s` of the exact transform value (before the
  /// rounding of `T` and of the product), evaluated stably:
  ///
  /// | kind | `1 + T*s` |
  /// |---|---|
  /// | `where` | `1 + t` if `1 + t > 0`, else `-delta*s` |
  /// | `softplus` | `sp_beta(1 + t)` (NaN at `s = 0`, where `T` is undefined) |
  /// | `leaky` | `1 + t` if `1 + t > 0`, else `alpha*(1 + t)` |
  /// | `safe-softplus` | `delta + (1 - delta) sp_beta(1 + t)/sp_beta(1)`, always `>= delta` |
  public static func exactMargin(
    _ kind: TransformKind, x: Double, s: Double, beta: Double,
    parameters: TransformParameters = .init()
  ) -> Double {
    guard x.isFinite, s.isFinite else { return .nan }
    switch kind {
    case .where:
      let g = TransformArguments(x: x, s: s, beta: 1)
      return g.uIsPositive ? g.u.value : -parameters.margin * s
    case .leaky:
      let g = TransformArguments(x: x, s: s, beta: 1)
      return g.uIsPositive
        ? g.u.value : parameters.slope * g.u.hi + parameters.slope * g.u.lo
    case .softplus:
      guard beta > 0, beta.isFinite, s != 0 else { return .nan }
      return TransformArguments(x: x, s: s, beta: beta).softplusOfU
    case .safeSoftplus:
      guard beta > 0, beta.isFinite else { return .nan }
      return safeSoftplusMargin(x: x, s: s, beta: beta, floor: parameters.floor)
    }
  }

  /// The exact `safe-softplus` margin
  /// `1 + T*s = delta + (1 - delta) * sp_beta(1 + t) / sp_beta(1) >= delta`
  /// (delta = `floor`), finite for every finite `x`, `s` and positive `beta`.
  public static func safeSoftplusMargin(x: Double, s: Double, beta: Double, floor: Double = 1e-6)
    -> Double
  {
    guard x.isFinite, s.isFinite, beta > 0, beta.isFinite else { return .nan }
    let g = TransformArguments(x: x, s: s, beta: beta)
    let c = softplusBeta(1, beta: beta)
    return floor + (1 - floor) * (g.softplusOfU / c)
  }

  // MARK: where

  /// `where`: `T = x` if `1 + t > 0`, else `-1/s - delta`.
  static func whereTransform(_ g: TransformArguments, x: Double, s: Double, delta: Double)
    -> TransformValue
  {
    if g.uIsPositive { return TransformValue(value: x, dx: 1, ds: 0) }
    // 1 + t <= 0 implies s != 0.
    let inverse = 1 / s
    return TransformValue(value: -inverse - delta, dx: 0, ds: inverse / s)
  }

  // MARK: leaky

  /// `leaky`: `T = (lrelu_alpha(1 + t) - 1)/s`, i.e. `x` if `1 + t > 0`, else
  /// `(alpha*(1 + t) - 1)/s = alpha x + (alpha - 1)/s` with
  /// `dT/dx = alpha`, `dT/ds = (1 - alpha)/s^2`.
  static func leaky(_ g: TransformArguments, x: Double, s: Double, alpha: Double)
    -> TransformValue
  {
    if g.uIsPositive { return TransformValue(value: x, dx: 1, ds: 0) }
    // alpha*(1 + t) - 1 with 1 + t in double-double: one fused rounding, then a tiny correction.
    let numerator = (-1.0).addingProduct(alpha, g.u.hi) + alpha * g.u.lo
    return TransformValue(value: numerator / s, dx: alpha, ds: ((1 - alpha) / s) / s)
  }

  // MARK: softplus

  /// `softplus`: `T = (sp_beta(1 + t) - 1)/s`.
  ///
  /// For `u = 1 + t > 0`, with `w = exp(-a)`, `L = log1p(w)/beta`:
  /// `sp_beta(u) - 1 = t + L`, so `T = x + L/s`, `dT/dx = 1/(1 + w)` and
  /// `dT/ds = -M/s^2` with
  /// `beta*M = (1 + beta t) v + h(v)`, `v = sigma(-a) = w/(1 + w)`,
  /// `h(v) = log1p(w) - v = -log1p(-v) - v = sum_{k>=2} v^k/k` (no cancellation).
  /// `L/s` and `M/s^2` are formed from `w = m 2^k` and `s = sig 2^e` in scaled
  /// form, so they stay accurate when `w` underflows or `s` is tiny.
  ///
  /// For `u <= 0`, with `E = exp(a) <= 1`:
  /// `T = (log1p(E)/beta - 1)/s`, `dT/dx = E/(1 + E)`,
  /// `dT/ds = K/s^2`, `K = sigma(-a) - (|a| sigma(a) + log1p(E))/beta`.
  static func softplus(_ g: TransformArguments, x: Double, s: Double) -> TransformValue {
    let beta = g.beta
    if s == 0 {
      // sp_beta(1) - 1 = log1p(exp(-beta))/beta > 0: T = +-inf, dT/ds -> -inf from both sides.
      return TransformValue(
        value: s.sign == .minus ? -.infinity : .infinity, dx: logistic(beta), ds: -.infinity)
    }
    if g.uIsPositive {
      let (m, k) = scaledExp(hi: -g.a.hi, lo: -g.a.lo)
      let w = scaled(m, k)  // may underflow to a subnormal or 0
      let onePlusW = 1 + w
      let dx = 1 / onePlusW
      let sMagnitude = s.magnitude
      let e = sMagnitude.exponent
      let significand = sMagnitude.significand  // s = +-significand * 2^e, significand in [1, 2)
      // L/s = sign(s) * m * (log1p(w)/w) / (beta * significand) * 2^(k - e)
      let ratio = w == 0 ? 1 : log1p(w) / w
      let quotientMagnitude = scaled(m * ratio / (beta * significand), k - e)
      let quotient = s < 0 ? -quotientMagnitude : quotientMagnitude
      let value = x + quotient
      guard m != 0 else { return TransformValue(value: value, dx: dx, ds: -0.0) }
      // M / s^2 = m [(1 + beta t)/(1 + w) + w S(v)/(1 + w)^2] / (beta significand^2)
      //           * 2^(k - 2e)
      let v = w / onePlusW
      let bracket = g.onePlusTau / onePlusW + w * logSeriesTail(v) / (onePlusW * onePlusW)
      let ds = -scaled(m * bracket / (beta * significand * significand), k - 2 * e)
      return TransformValue(value: value, dx: dx, ds: ds)
    } else {
      let bigE = expDD(hi: g.a.hi, lo: g.a.lo)  // exp(a), a <= 0
      let onePlusE = 1 + bigE
      let log1pE = log1p(bigE)
      let value = (log1pE / beta - 1) / s
      let sigmaA = bigE / onePlusE
      let sigmaMinusA = 1 / onePlusE
      let k = sigmaMinusA - ((-g.a.value) * sigmaA + log1pE) / beta
      return TransformValue(value: value, dx: sigmaA, ds: (k / s) / s)
    }
  }

  // MARK: safe-softplus

  /// `safe-softplus`: `T = (1 - delta) phi(t)/s`, `phi(t) = sp_beta(1 + t)/c - 1`.
  ///
  /// With `ell(tau) = beta (sp_beta(1 + t) - c) = log1p(sigma(beta) expm1(tau))`
  /// (so `phi = ell/(beta c)`):
  /// - `T = (1 - delta)/c * x * G(tau)`, `G(tau) = ell(tau)/tau` (`G(0) = sigma(beta)`),
  ///   which is `phi(t)/s = x phi(t)/t` without the 0/0 at `s = 0`;
  /// - `dT/dx = (1 - delta) sigma(a)/c` (`s` cancels);
  /// - `dT/ds = (1 - delta)/c * beta * x^2 * H(tau)`,
  ///   `H(tau) = (tau ell'(tau) - ell(tau))/tau^2 = G'(tau) = integral_0^1 v rho(beta + v tau) dv`,
  ///   `rho(z) = sigma(z) sigma(-z) > 0`, so `H > 0` and `H(0) = rho(beta)/2`.
  static func safeSoftplus(_ g: TransformArguments, x: Double, beta: Double, delta: Double)
    -> TransformValue
  {
    let c = softplusBeta(1, beta: beta)
    let scale = (1 - delta) / c
    let h = safeH(g)
    let gValue = safeG(g, h: scaled(h.m, h.k))
    let sigmaA = logisticDD(hi: g.a.hi, lo: g.a.lo)
    // dT/ds = scale * beta * x^2 * H, assembled from x = +-xm 2^xe and H = m 2^k so
    // that it neither underflows in H (a factor exp(-beta)) nor overflows in x^2 early.
    let ds: Double
    if x == 0 || h.m == 0 {
      ds = 0
    } else {
      let xm = x.magnitude.significand
      ds = scaled(((scale * beta) * h.m) * (xm * xm), h.k + 2 * x.magnitude.exponent)
    }
    return TransformValue(value: (scale * gValue) * x, dx: scale * sigmaA, ds: ds)
  }

  /// `G(tau) = ell(tau)/tau`, `ell(tau) = log1p(sigma(beta) expm1(tau))`, using the
  /// form of `ell` that keeps its digits:
  /// - `|tau|` tiny: `G = sigma(beta) + H(0) tau`;
  /// - `tau > 30`: `ell = tau + log1p(exp(-a)) - log1p(exp(-beta))` (no overflow of expm1);
  /// - otherwise `q = sigma(beta) expm1(tau)`, `ell = log1p(q)` while `q >= -1/2`;
  /// - `q < -1/2` (`1 + q` would cancel): `1 + q = (exp(-beta) + exp(tau))/(1 + exp(-beta))`,
  ///   `ell = max(-beta, tau) + log1p(exp(-|a|)) - log1p(exp(-beta))`, all `|ell| >= log 2`.
  /// The low part of `tau` enters through `G' = H` (`h`).
  static func safeG(_ g: TransformArguments, h: Double) -> Double {
    let beta = g.beta
    let tau = g.tau.hi
    let sigmaBeta = logistic(beta)
    let base: Double
    if tau.magnitude < 1e-100 {
      return sigmaBeta + h * (tau + g.tau.lo)
    } else if tau > 30 {
      base = (tau + log1p(exp(-g.a.hi)) - log1p(exp(-beta))) / tau
    } else {
      let q = sigmaBeta * expm1(tau)
      if q >= -0.5 {
        base = log1p(q) / tau
      } else {
        let ell = max(-beta, tau) + log1p(exp(-g.a.hi.magnitude)) - log1p(exp(-beta))
        base = ell / tau
      }
    }
    return base + h * g.tau.lo
  }

  /// `H(tau) = (tau ell'(tau) - ell(tau))/tau^2 = m 2^k >= 0`, `ell'(tau) = sigma(a)`,
  /// returned in scaled form because it carries a factor `exp(-min(beta, a))` that
  /// underflows for large `beta` while `beta x^2 H` may not:
  /// - `|tau| <= 2`: `H = integral_0^1 v rho(beta + v tau) dv` by 20-point Gauss-Legendre
  ///   (the integrand is analytic within `pi` of the real axis, so the rule is exact to
  ///   rounding), `rho(beta + r) = E/(1 + E)^2`, `E = exp(-beta) exp(-r)`, with
  ///   `exp(-beta)` factored out;
  /// - otherwise `D = tau ell' - ell = log1p(exp(-beta)) - log1p(exp(-a)) - tau sigma(-a)`
  ///   (for `a > 0`), evaluated with the smaller exponential factored out:
  ///   `tau > 2`: `D = exp(-beta) (-expm1(-tau) log1p(y)/y - tau exp(-tau))/(1 + exp(-a))`,
  ///   `y = -exp(-beta) expm1(-tau)/(1 + exp(-a))`;
  ///   `tau < -2`:
  ///   `D = exp(-a) (|tau|/(1 + exp(-a)) - (log1p(y)/y) (-expm1(tau))/(1 + exp(-beta)))`,
  ///   `y = -exp(-a) expm1(tau)/(1 + exp(-beta))`;
  ///   and for `a <= 0`: `D = beta sigma(-a) + log1p(exp(-beta)) - (|a| sigma(a) + log1p(exp(a)))`.
  ///   These cancel by at most a small factor when `|tau| > 2`. Then `H = D/tau^2`.
  static func safeH(_ g: TransformArguments) -> (m: Double, k: Int) {
    let beta = g.beta
    let tau = g.tau.hi
    if tau.magnitude <= 2 {
      let (mBeta, kBeta) = scaledExp(hi: -beta, lo: 0)
      let expMinusBeta = scaled(mBeta, kBeta)
      let rule = gaussLegendre20
      var sum = 0.0
      for i in 0..<rule.nodes.count {
        let v = rule.nodes[i]
        let decay = exp(-v * tau)
        let onePlusE = 1 + expMinusBeta * decay
        sum += rule.weights[i] * v * ((mBeta * decay) / (onePlusE * onePlusE))
      }
      return (sum, kBeta)
    }
    if tau > 2 {
      let (mBeta, kBeta) = scaledExp(hi: -beta, lo: 0)
      let expMinusBeta = scaled(mBeta, kBeta)
      let onePlusWa = 1 + expDD(hi: -g.a.hi, lo: -g.a.lo)
      let rise = -expm1(-tau)  // 1 - exp(-tau)
      let y = expMinusBeta * rise / onePlusWa
      let ratio = y == 0 ? 1 : log1p(y) / y
      let dScaled = (rise * ratio - tau * exp(-tau)) / onePlusWa
      return (mBeta * ((dScaled / tau) / tau), kBeta)
    }
    if g.a.hi > 0 {
      let (mA, kA) = scaledExp(hi: -g.a.hi, lo: -g.a.lo)
      let wa = scaled(mA, kA)
      let onePlusWb = 1 + exp(-beta)
      let rise = -expm1(tau)  // 1 - exp(tau)
      let y = wa * rise / onePlusWb
      let ratio = y == 0 ? 1 : log1p(y) / y
      let dScaled = (-tau) / (1 + wa) - ratio * rise / onePlusWb
      return (mA * ((dScaled / tau) / tau), kA)
    }
    let bigE = expDD(hi: g.a.hi, lo: g.a.lo)
    let onePlusE = 1 + bigE
    let sigmaA = bigE / onePlusE
    let sigmaMinusA = 1 / onePlusE
    let d = (beta * sigmaMinusA + log1p(exp(-beta))) - ((-g.a.value) * sigmaA + log1p(bigE))
    return ((d / tau) / tau, 0)
  }
}

// MARK: - Internals

/// A double-double number `hi + lo`, `|lo| <= ulp(hi)/2` (unnormalized after
/// non-finite steps, where `lo` is 0).
struct TransformDD: Sendable, Equatable {
  var hi: Double
  var lo: Double
  /// `hi + lo` rounded.
  var value: Double { hi + lo }
}

/// Error-free sum: `a + b = s + err` exactly (Knuth); `err = 0` if `s` is not finite.
@inline(__always)
func transformTwoSum(_ a: Double, _ b: Double) -> TransformDD {
  let s = a + b
  guard s.isFinite else { return TransformDD(hi: s, lo: 0) }
  let bb = s - a
  let err = (a - (s - bb)) + (b - bb)
  return TransformDD(hi: s, lo: err)
}

/// Error-free product via fma: `a * b = p + err` (exact unless `p` is subnormal);
/// `err = 0` if `p` is not finite.
@inline(__always)
func transformTwoProduct(_ a: Double, _ b: Double) -> TransformDD {
  let p = a * b
  guard p.isFinite else { return TransformDD(hi: p, lo: 0) }
  return TransformDD(hi: p, lo: (-p).addingProduct(a, b))
}

/// The arguments every transform derives from `(x, s, beta)`, in double-double:
/// `t = x*s`, `u = 1 + t`, `tau = beta*t`, `a = beta*u = beta + tau`.
struct TransformArguments {
  let beta: Double
  let t: TransformDD
  let u: TransformDD
  let tau: TransformDD
  let a: TransformDD

  init(x: Double, s: Double, beta: Double) {
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

  /// `1 + beta*t` (the bracket of softplus's dT/ds), rounded once from double-double.
  var onePlusTau: Double {
    let sum = transformTwoSum(1, tau.hi)
    return sum.hi + (sum.lo + tau.lo)
  }

  /// `sp_beta(u) = u_+ + log1p(exp(-|a|))/beta` with `u` and `a` in double-double.
  var softplusOfU: Double {
    if uIsPositive {
      let w = expDD(hi: -a.hi, lo: -a.lo)
      return u.hi + (u.lo + log1p(w) / beta)
    }
    return log1p(expDD(hi: a.hi, lo: a.lo)) / beta
  }
}

/// `exp(hi + lo)` for `|lo|` at most an ulp of `hi`: `exp(hi) * (1 + lo)`.
@inline(__always)
func expDD(hi: Double, lo: Double) -> Double {
  let e = exp(hi)
  return e + e * lo
}

/// `sigma(hi + lo) = sigma(hi) + sigma(hi) sigma(-hi) lo` for a tiny `lo`.
@inline(__always)
func logisticDD(hi: Double, lo: Double) -> Double {
  let p = logistic(hi)
  let q = logistic(-hi)
  return p + (p * q) * lo
}

/// `m * 2^k` (rounded once, overflowing to infinity and underflowing gradually).
@inline(__always)
func scaled(_ m: Double, _ k: Int) -> Double {
  Double(sign: .plus, exponent: k, significand: m)
}

/// `exp(hi + lo) = m * 2^k` with `m` in about `[0.7, 1.42]`, never overflowing or
/// underflowing: `k = round(hi/ln 2)`, `r = (hi - k ln2Hi) - k ln2Lo + lo`, `m = exp(r)`
/// (Cody-Waite reduction with fdlibm's split of ln 2; `k*ln2Hi` is exact for
/// `|k| < 2^21`). For `hi < -10^6` returns `(0, 0)`: then `exp` is below `2^-1.4e6`,
/// beyond any scaling by a finite double. For `hi > 10^6` returns `(inf, 0)`.
func scaledExp(hi: Double, lo: Double) -> (m: Double, k: Int) {
  if hi < -1e6 { return (0, 0) }
  if hi > 1e6 { return (.infinity, 0) }
  let ln2Hi = 6.93147180369123816490e-01
  let ln2Lo = 1.90821492927058770002e-10
  let k = (hi / 0.69314718055994530942).rounded()
  let r = (hi - k * ln2Hi) - k * ln2Lo + lo
  return (exp(r), Int(k))
}

/// `S(v) = sum_{k>=2} v^(k-2)/k = (-log1p(-v) - v)/v^2` for `0 <= v <= 1/2`, summed
/// as a series of positive terms (no cancellation). At most 64 terms:
/// `(1/2)^62/64 < 2^-67`.
func logSeriesTail(_ v: Double) -> Double {
  var sum = 0.5
  var power = 1.0
  var k = 3.0
  while k < 67 {
    power *= v
    let term = power / k
    if term <= 0x1p-60 * sum { break }
    sum += term
    k += 1
  }
  return sum
}

/// Gauss-Legendre rule with 20 nodes on [0, 1] (nodes increasing), computed once by
/// Newton's method on the Legendre polynomial (at most 100 iterations per node).
let gaussLegendre20: (nodes: [Double], weights: [Double]) = gaussLegendreRule(count: 20)

/// Nodes and weights of the `n`-point Gauss-Legendre rule mapped to [0, 1].
func gaussLegendreRule(count n: Int) -> (nodes: [Double], weights: [Double]) {
  var nodes = [Double](repeating: 0, count: n)
  var weights = [Double](repeating: 0, count: n)
  let pi = 3.14159265358979323846
  for i in 0..<((n + 1) / 2) {
    var z = cos(pi * (Double(i) + 0.75) / (Double(n) + 0.5))
    var derivative = 0.0
    for _ in 0..<100 {
      var p0 = 1.0
      var p1 = z
      for j in 2...n {
        let p2 = ((2 * Double(j) - 1) * z * p1 - (Double(j) - 1) * p0) / Double(j)
        p0 = p1
        p1 = p2
      }
      derivative = Double(n) * (z * p1 - p0) / (z * z - 1)
      let step = p1 / derivative
      z -= step
      if step.magnitude <= 1e-17 { break }
    }
    // Recompute P_n' at the converged node for the weight.
    var p0 = 1.0
    var p1 = z
    for j in 2...n {
      let p2 = ((2 * Double(j) - 1) * z * p1 - (Double(j) - 1) * p0) / Double(j)
      p0 = p1
      p1 = p2
    }
    derivative = Double(n) * (z * p1 - p0) / (z * z - 1)
    let weight = 2 / ((1 - z * z) * derivative * derivative)
    // z is the i-th largest root; map x -> (1 + x)/2 on [0, 1].
    nodes[n - 1 - i] = (1 + z) / 2
    nodes[i] = (1 - z) / 2
    weights[n - 1 - i] = weight / 2
    weights[i] = weight / 2
  }
  return (nodes, weights)
}
