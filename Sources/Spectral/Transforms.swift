//===--- Transforms.swift -------------------------------------------------===//
//
// The four constraint transforms x_cond = T(x, s; beta), with their partial
// derivatives dT/dx and dT/ds, evaluated to a few ulps wherever the result is
// representable. One generic implementation serves float64 (Double) and
// float32 (Float): the same stable forms, in the arithmetic of the type.
//
// Notation: t = x*s, u = 1 + t, a = beta*u, tau = beta*t,
// sp_beta(z) = log(1 + exp(beta*z)) / beta, sigma the logistic function,
// c = sp_beta(1).
//
//===----------------------------------------------------------------------===//

import GradcheckModel
import RealModule

// MARK: - Public types

/// The tunable constants of the transforms (the `--margin`, `--slope` and
/// `--floor` options). They are float64 numbers; a float32 evaluation rounds
/// them to float32 first, like every other input.
public struct TransformParameters: Sendable, Equatable {
  /// `where`: the offset delta in `-1/s - delta` (`--margin`, default 1e-5).
  public var margin: Double
  /// `leaky`: the negative-side slope alpha of `lrelu_alpha` (`--slope`, default 0.01).
  public var slope: Double
  /// `safe-softplus`: the floor delta of the margin, `1 + T*s >= delta`
  /// (`--floor`, default `defaultFloor(for:)` of the dtype; meaningful in (0, 1)).
  public var floor: Double

  /// Creates parameters; the defaults are the float64 defaults.
  public init(margin: Double = 1e-5, slope: Double = 0.01, floor: Double = 1e-6) {
    self.margin = margin
    self.slope = slope
    self.floor = floor
  }

  /// The default parameters of a dtype: the same `margin` and `slope`, and the
  /// floor `defaultFloor(for: dtype)`.
  public init(defaultsFor dtype: DType) {
    self.init(floor: Self.defaultFloor(for: dtype))
  }
}

/// A transform's value and its two partial derivatives at one point, in the
/// precision `T` they were computed in.
public struct TransformEvaluation<F: TransformScalar>: Sendable, Equatable {
  /// x_cond = T(x, s; beta).
  public var value: F
  /// dT/dx (the `grad_x` of a case).
  public var dx: F
  /// dT/ds (multiplied by ds/dY it gives `grad_y`).
  public var ds: F

  /// Creates a value from its three components.
  public init(value: F, dx: F, ds: F) {
    self.value = value
    self.dx = dx
    self.ds = ds
  }

  /// All three components NaN: the result for invalid input.
  static var nan: Self { Self(value: .nan, dx: .nan, ds: .nan) }
}

/// A float64 evaluation (value, dT/dx, dT/ds).
public typealias TransformValue = TransformEvaluation<Double>

/// A float32 evaluation (value, dT/dx, dT/ds).
public typealias TransformValue32 = TransformEvaluation<Float>

// MARK: - Scalar building blocks

/// The steep softplus `sp_beta(z) = log(1 + exp(beta*z)) / beta`, evaluated as
/// `max(z, 0) + log1p(exp(-beta*|z|)) / beta`, which never overflows.
///
/// Precondition (not checked): `beta > 0`. For `beta*z` far below zero the
/// result underflows to 0 like the true value `exp(beta*z)/beta`.
public func softplusBeta<F: TransformScalar>(_ z: F, beta: F) -> F {
  max(z, 0) + F.log(onePlus: F.exp(-beta * z.magnitude)) / beta
}

/// The logistic function `sigma(z) = 1 / (1 + exp(-z))`, evaluated as
/// `1 / (1 + exp(-z))` for `z >= 0` and `exp(z) / (1 + exp(z))` for `z < 0`,
/// so it neither overflows nor loses its relative accuracy for either sign.
public func logistic<F: TransformScalar>(_ z: F) -> F {
  if z >= 0 { return 1 / (1 + F.exp(-z)) }
  let e = F.exp(z)
  return e / (1 + e)
}

// MARK: - Transforms

/// The transforms `T(x, s; beta)` and their partial derivatives.
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
/// - `t = x*s` and `1 + t` are carried in doubled precision (with `fma`),
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
/// Accuracy: a few ulps relative wherever the result is a normal number of its
/// type (float64 or float32),
/// except where the function itself is ill-conditioned (at a zero of T or of
/// a derivative the error is relative to the size of the cancelling terms).
public enum Transform {
  /// Evaluates `T(x, s; beta)` and its partial derivatives for one point in float64.
  public static func evaluate(
    _ kind: TransformKind, x: Double, s: Double, beta: Double,
    parameters: TransformParameters = .init()
  ) -> TransformValue {
    evaluateInPrecision(kind, x: x, s: s, beta: beta, parameters: parameters)
  }

  /// Evaluates `T(x, s; beta)` and its partial derivatives for one point in the
  /// arithmetic of `F` (`Float`: float32; the parameters are rounded to `F`). Calls
  /// from other modules reach code specialized for `F` (through `F.evaluateTransform`).
  public static func evaluate<F: TransformScalar>(
    _ kind: TransformKind, x: F, s: F, beta: F,
    parameters: TransformParameters = .init(defaultsFor: F.dtype)
  ) -> TransformEvaluation<F> {
    F.evaluateTransform(kind, x: x, s: s, beta: beta, parameters: parameters)
  }

  /// The implementation of `evaluate` in the arithmetic of `F` (the parameters rounded
  /// to `F`).
  static func evaluateInPrecision<F: TransformScalar>(
    _ kind: TransformKind, x: F, s: F, beta: F, parameters: TransformParameters
  ) -> TransformEvaluation<F> {
    guard x.isFinite, s.isFinite else { return .nan }
    switch kind {
    case .where:
      let g = TransformArguments(x: x, s: s, beta: 1)
      return whereTransform(g, x: x, s: s, delta: F(parameters.margin))
    case .leaky:
      let g = TransformArguments(x: x, s: s, beta: 1)
      return leaky(g, x: x, s: s, alpha: F(parameters.slope))
    case .softplus:
      guard beta > 0, beta.isFinite, (x * s).isFinite else { return .nan }
      return softplus(TransformArguments(x: x, s: s, beta: beta), x: x, s: s)
    case .safeSoftplus:
      guard beta > 0, beta.isFinite, (x * s).isFinite else { return .nan }
      return safeSoftplus(
        TransformArguments(x: x, s: s, beta: beta), x: x, beta: beta, delta: F(parameters.floor))
    }
  }

  /// Evaluates `T` elementwise over a batch: `result[b] = evaluate(kind, x[b], s[b])`.
  ///
  /// Precondition: `x.count == s.count`.
  public static func evaluateBatch<F: TransformScalar>(
    _ kind: TransformKind, x: [F], s: [F], beta: F,
    parameters: TransformParameters = .init(defaultsFor: F.dtype)
  ) -> [TransformEvaluation<F>] {
    precondition(x.count == s.count, "evaluateBatch: x has \(x.count) elements, s has \(s.count)")
    var result: [TransformEvaluation<F>] = []
    result.reserveCapacity(x.count)
    for b in 0..<x.count {
      result.append(evaluateInPrecision(kind, x: x[b], s: s[b], beta: beta, parameters: parameters))
    }
    return result
  }

  /// The margin `1 + value*s` exactly as a user computes it in the precision of `F`
  /// (one rounded product, one rounded sum; no fused multiply-add). This is the
  /// quantity the `constraint` check judges; it is NaN for `softplus` at `s = 0`
  /// (`inf * 0`).
  public static func floatMargin<F: TransformScalar>(value: F, s: F) -> F {
    let product = value * s
    return 1 + product
  }

  /// The exact margin `1 + T*s` of the exact transform value (before the
  /// rounding of `T` and of the product), evaluated stably in the precision of `F`:
  ///
  /// | kind | `1 + T*s` |
  /// |---|---|
  /// | `where` | `1 + t` if `1 + t > 0`, else `-delta*s` |
  /// | `softplus` | `sp_beta(1 + t)` (NaN at `s = 0`, where `T` is undefined) |
  /// | `leaky` | `1 + t` if `1 + t > 0`, else `alpha*(1 + t)` |
  /// | `safe-softplus` | `delta + (1 - delta) sp_beta(1 + t)/sp_beta(1)`, always `>= delta` |
  public static func exactMargin<F: TransformScalar>(
    _ kind: TransformKind, x: F, s: F, beta: F,
    parameters: TransformParameters = .init(defaultsFor: F.dtype)
  ) -> F {
    guard x.isFinite, s.isFinite else { return .nan }
    switch kind {
    case .where:
      let g = TransformArguments(x: x, s: s, beta: 1)
      return g.uIsPositive ? g.u.value : -F(parameters.margin) * s
    case .leaky:
      let g = TransformArguments(x: x, s: s, beta: 1)
      let slope = F(parameters.slope)
      return g.uIsPositive ? g.u.value : slope * g.u.hi + slope * g.u.lo
    case .softplus:
      guard beta > 0, beta.isFinite, s != 0 else { return .nan }
      return TransformArguments(x: x, s: s, beta: beta).softplusOfU
    case .safeSoftplus:
      guard beta > 0, beta.isFinite else { return .nan }
      return safeSoftplusMargin(x: x, s: s, beta: beta, floor: F(parameters.floor))
    }
  }

  /// The exact `safe-softplus` margin
  /// `1 + T*s = delta + (1 - delta) * sp_beta(1 + t) / sp_beta(1) >= delta`
  /// (delta = `floor`), finite for every finite `x`, `s` and positive `beta`.
  public static func safeSoftplusMargin<F: TransformScalar>(
    x: F, s: F, beta: F, floor: F = F(TransformParameters.defaultFloor(for: F.dtype))
  ) -> F {
    guard x.isFinite, s.isFinite, beta > 0, beta.isFinite else { return .nan }
    let g = TransformArguments(x: x, s: s, beta: beta)
    let c = softplusBeta(1, beta: beta)
    return floor + (1 - floor) * (g.softplusOfU / c)
  }

  // MARK: where

  /// `where`: `T = x` if `1 + t > 0`, else `-1/s - delta`.
  static func whereTransform<F: TransformScalar>(_ g: TransformArguments<F>, x: F, s: F, delta: F)
    -> TransformEvaluation<F>
  {
    if g.uIsPositive { return TransformEvaluation<F>(value: x, dx: 1, ds: 0) }
    // 1 + t <= 0 implies s != 0.
    let inverse = 1 / s
    return TransformEvaluation<F>(value: -inverse - delta, dx: 0, ds: inverse / s)
  }

  // MARK: leaky

  /// `leaky`: `T = (lrelu_alpha(1 + t) - 1)/s`, i.e. `x` if `1 + t > 0`, else
  /// `(alpha*(1 + t) - 1)/s = alpha x + (alpha - 1)/s` with
  /// `dT/dx = alpha`, `dT/ds = (1 - alpha)/s^2`.
  static func leaky<F: TransformScalar>(_ g: TransformArguments<F>, x: F, s: F, alpha: F)
    -> TransformEvaluation<F>
  {
    if g.uIsPositive { return TransformEvaluation<F>(value: x, dx: 1, ds: 0) }
    // alpha*(1 + t) - 1 with 1 + t in double-double: one fused rounding, then a tiny correction.
    let numerator = F(-1).addingProduct(alpha, g.u.hi) + alpha * g.u.lo
    return TransformEvaluation<F>(value: numerator / s, dx: alpha, ds: ((1 - alpha) / s) / s)
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
  static func softplus<F: TransformScalar>(_ g: TransformArguments<F>, x: F, s: F) -> TransformEvaluation<F> {
    let beta = g.beta
    if s == 0 {
      // sp_beta(1) - 1 = log1p(exp(-beta))/beta > 0: T = +-inf, dT/ds -> -inf from both sides.
      return TransformEvaluation<F>(
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
      let ratio = w == 0 ? 1 : F.log(onePlus: w) / w
      let quotientMagnitude = scaled(m * ratio / (beta * significand), k - e)
      let quotient = s < 0 ? -quotientMagnitude : quotientMagnitude
      let value = x + quotient
      guard m != 0 else { return TransformEvaluation<F>(value: value, dx: dx, ds: -F.zero) }
      // M / s^2 = m [(1 + beta t)/(1 + w) + w S(v)/(1 + w)^2] / (beta significand^2)
      //           * 2^(k - 2e)
      let v = w / onePlusW
      let bracket = g.onePlusTau / onePlusW + w * logSeriesTail(v) / (onePlusW * onePlusW)
      let ds = -scaled(m * bracket / (beta * significand * significand), k - 2 * e)
      return TransformEvaluation<F>(value: value, dx: dx, ds: ds)
    } else {
      let bigE = expDD(hi: g.a.hi, lo: g.a.lo)  // exp(a), a <= 0
      let onePlusE = 1 + bigE
      let log1pE = F.log(onePlus: bigE)
      let value = (log1pE / beta - 1) / s
      let sigmaA = bigE / onePlusE
      let sigmaMinusA = 1 / onePlusE
      let k = sigmaMinusA - ((-g.a.value) * sigmaA + log1pE) / beta
      return TransformEvaluation<F>(value: value, dx: sigmaA, ds: (k / s) / s)
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
  static func safeSoftplus<F: TransformScalar>(_ g: TransformArguments<F>, x: F, beta: F, delta: F)
    -> TransformEvaluation<F>
  {
    let c = softplusBeta(1, beta: beta)
    let scale = (1 - delta) / c
    let h = safeH(g)
    let gValue = safeG(g, h: scaled(h.m, h.k))
    let sigmaA = logisticDD(hi: g.a.hi, lo: g.a.lo)
    // dT/ds = scale * beta * x^2 * H, assembled from x = +-xm 2^xe and H = m 2^k so
    // that it neither underflows in H (a factor exp(-beta)) nor overflows in x^2 early.
    let ds: F
    if x == 0 || h.m == 0 {
      ds = 0
    } else {
      let xm = x.magnitude.significand
      ds = scaled(((scale * beta) * h.m) * (xm * xm), h.k + 2 * x.magnitude.exponent)
    }
    return TransformEvaluation<F>(value: (scale * gValue) * x, dx: scale * sigmaA, ds: ds)
  }

  /// `G(tau) = ell(tau)/tau`, `ell(tau) = log1p(sigma(beta) expm1(tau))`, using the
  /// form of `ell` that keeps its digits:
  /// - `|tau|` tiny: `G = sigma(beta) + H(0) tau`;
  /// - `tau > 30`: `ell = tau + log1p(exp(-a)) - log1p(exp(-beta))` (no overflow of expm1);
  /// - otherwise `q = sigma(beta) expm1(tau)`, `ell = log1p(q)` while `q >= -1/2`;
  /// - `q < -1/2` (`1 + q` would cancel): `1 + q = (exp(-beta) + exp(tau))/(1 + exp(-beta))`,
  ///   `ell = max(-beta, tau) + log1p(exp(-|a|)) - log1p(exp(-beta))`, all `|ell| >= log 2`.
  /// The low part of `tau` enters through `G' = H` (`h`).
  static func safeG<F: TransformScalar>(_ g: TransformArguments<F>, h: F) -> F {
    let beta = g.beta
    let tau = g.tau.hi
    let sigmaBeta = logistic(beta)
    let base: F
    if tau.magnitude < F.tinyTau {
      return sigmaBeta + h * (tau + g.tau.lo)
    } else if tau > 30 {
      base = (tau + F.log(onePlus: F.exp(-g.a.hi)) - F.log(onePlus: F.exp(-beta))) / tau
    } else {
      let q = sigmaBeta * F.expMinusOne(tau)
      if q >= -0.5 {
        base = F.log(onePlus: q) / tau
      } else {
        let ell = max(-beta, tau) + F.log(onePlus: F.exp(-g.a.hi.magnitude)) - F.log(onePlus: F.exp(-beta))
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
  static func safeH<F: TransformScalar>(_ g: TransformArguments<F>) -> (m: F, k: Int) {
    let beta = g.beta
    let tau = g.tau.hi
    if tau.magnitude <= 2 {
      let (mBeta, kBeta) = scaledExp(hi: -beta, lo: 0)
      let expMinusBeta = scaled(mBeta, kBeta)
      let rule = F.gaussLegendre20
      var sum: F = 0
      for i in 0..<rule.nodes.count {
        let v = rule.nodes[i]
        let decay = F.exp(-v * tau)
        let onePlusE = 1 + expMinusBeta * decay
        sum += rule.weights[i] * v * ((mBeta * decay) / (onePlusE * onePlusE))
      }
      return (sum, kBeta)
    }
    if tau > 2 {
      let (mBeta, kBeta) = scaledExp(hi: -beta, lo: 0)
      let expMinusBeta = scaled(mBeta, kBeta)
      let onePlusWa = 1 + expDD(hi: -g.a.hi, lo: -g.a.lo)
      let rise = -F.expMinusOne(-tau)  // 1 - exp(-tau)
      let y = expMinusBeta * rise / onePlusWa
      let ratio = y == 0 ? 1 : F.log(onePlus: y) / y
      let dScaled = (rise * ratio - tau * F.exp(-tau)) / onePlusWa
      return (mBeta * ((dScaled / tau) / tau), kBeta)
    }
    if g.a.hi > 0 {
      let (mA, kA) = scaledExp(hi: -g.a.hi, lo: -g.a.lo)
      let wa = scaled(mA, kA)
      let onePlusWb = 1 + F.exp(-beta)
      let rise = -F.expMinusOne(tau)  // 1 - exp(tau)
      let y = wa * rise / onePlusWb
      let ratio = y == 0 ? 1 : F.log(onePlus: y) / y
      let dScaled = (-tau) / (1 + wa) - ratio * rise / onePlusWb
      return (mA * ((dScaled / tau) / tau), kA)
    }
    let bigE = expDD(hi: g.a.hi, lo: g.a.lo)
    let onePlusE = 1 + bigE
    let sigmaA = bigE / onePlusE
    let sigmaMinusA = 1 / onePlusE
    let d = (beta * sigmaMinusA + F.log(onePlus: F.exp(-beta))) - ((-g.a.value) * sigmaA + F.log(onePlus: bigE))
    return ((d / tau) / tau, 0)
  }
}
