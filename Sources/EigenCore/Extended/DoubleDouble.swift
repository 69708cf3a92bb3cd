/// A double-double number: the unevaluated sum `hi + lo` of two doubles, about 106 bits.
///
/// Always normalized: `hi = fl(hi + lo)`, so `|lo| <= ulp(hi) / 2` and `hi` is the
/// nearest double to the value. The operations are the error-free transformations
///
///     twoSum(a, b):      s = fl(a + b), e = (a - (s - b')) + (b - b'), b' = s - a;  s + e = a + b exactly
///     fastTwoSum(a, b):  s = fl(a + b), e = b - (s - a)   (|a| >= |b| or a = 0); s + e = a + b exactly
///     twoProduct(a, b):  p = fl(a b),   e = fma(a, b, -p);                           p + e = a b   exactly
///
/// composed as in Joldes, Muller and Popescu, "Tight and rigorous error bounds for basic
/// building blocks of double-word arithmetic" (ACM TOMS 44, 2017), with `u = 2^-53`:
/// `+` and `-` are their AccurateDWPlusDW (relative error <= 3u^2 / (1 - 4u)), `*` is
/// DWTimesDW1 (<= 5u^2, the two cross terms summed in one double), the mixed
/// double-double / double forms DWPlusFP and DWTimesFP (<= 2u^2). `/` is long division
/// with two correction steps and `squareRoot` one Newton step in double-double: not
/// proven here, but measured (DoubleDoubleTests: the round trips `(a*b)/b`, `(a/b)*b` and
/// `sqrt(x)^2` on 10 000 random values of exponents up to +-1000 stay below
/// `1.4 epsilon`). `epsilon = 2^-104 = 4u^2` is the unit tolerances should use.
///
/// Range: as a double's (results above the largest double are infinite), but `lo`
/// underflows gradually below `2^-969`: the pair holds fewer than 106 bits under about
/// `1e-292`. Callers that need full precision at any scale scale by a power of two first
/// (`scaled(byExponent:)`, exact).
/// Non-finite values propagate (`hi` NaN or infinite; `lo` then is meaningless).
public struct DoubleDouble: Sendable, Equatable, Comparable, CustomStringConvertible {
  /// The leading double: the nearest double to the value.
  public var hi: Double
  /// The trailing double, `|lo| <= ulp(hi) / 2`.
  public var lo: Double

  /// `x` exactly (`lo = 0`).
  @inlinable public init(_ x: Double) {
    hi = x
    lo = 0
  }

  /// `hi + lo`, normalized by an exact two-sum (any order of magnitudes is accepted).
  @inlinable public init(hi: Double, lo: Double) {
    let s = Self.sum(hi, lo)
    self.init(uncheckedHi: s.hi, lo: s.hi.isFinite ? s.lo : 0)
  }

  /// An already normalized pair (no check): `|lo| <= ulp(hi) / 2`.
  @inlinable init(uncheckedHi hi: Double, lo: Double) {
    self.hi = hi
    self.lo = lo
  }

  /// `hi + lo` by the fast two-sum, valid when `|hi| >= |lo|` or `hi = 0`.
  @inlinable @inline(__always)
  static func fast(_ a: Double, _ b: Double) -> DoubleDouble {
    let s = a + b
    return DoubleDouble(uncheckedHi: s, lo: b - (s - a))
  }

  /// `a * b` exactly (the product and its FMA residual), barring overflow and underflow.
  @inlinable @inline(__always)
  public static func product(_ a: Double, _ b: Double) -> DoubleDouble {
    let p = a * b
    return DoubleDouble(uncheckedHi: p, lo: (-p).addingProduct(a, b))
  }

  /// `a + b` exactly (two-sum), barring overflow.
  @inlinable @inline(__always)
  public static func sum(_ a: Double, _ b: Double) -> DoubleDouble {
    let s = a + b
    let bb = s - a
    return DoubleDouble(uncheckedHi: s, lo: (a - (s - bb)) + (b - bb))
  }

  public static let zero = DoubleDouble(0)
  public static let one = DoubleDouble(1)
  /// `2^-104 = 4 u^2`: the unit of the operations' relative error bounds (see the type's
  /// documentation), for tolerances.
  public static let epsilon: Double = 0x1p-104

  /// The nearest double (`hi`, since the pair is normalized).
  @inlinable public var double: Double { hi }

  @inlinable public var isFinite: Bool { hi.isFinite && lo.isFinite }
  @inlinable public var isZero: Bool { hi == 0 }

  /// `|x|`.
  @inlinable public var magnitude: DoubleDouble {
    hi < 0 || (hi == 0 && lo < 0) ? -self : self
  }

  /// `+1` or `-1` as the sign bit of `hi` (`-0` gives `-1`).
  @inlinable var signOfHi: Double { hi.sign == .minus ? -1 : 1 }

  /// `x * 2^k` exactly (in two halves, so `k` may reach about +-2100), barring overflow
  /// and underflow of `lo`.
  @inlinable public func scaled(byExponent k: Int) -> DoubleDouble {
    let h1 = Double(sign: .plus, exponent: k / 2, significand: 1)
    let h2 = Double(sign: .plus, exponent: k - k / 2, significand: 1)
    return DoubleDouble(uncheckedHi: (hi * h1) * h2, lo: (lo * h1) * h2)
  }

  // MARK: - Arithmetic

  /// AccurateDWPlusDW: `(s, e) = twoSum(a.hi, b.hi)`, `(t, f) = twoSum(a.lo, b.lo)`,
  /// `e += t`, renormalize, `e += f`, renormalize.
  @inlinable @inline(__always)
  public static func + (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
    let s = sum(a.hi, b.hi)
    let t = sum(a.lo, b.lo)
    let u = fast(s.hi, s.lo + t.hi)
    return fast(u.hi, u.lo + t.lo)
  }

  @inlinable @inline(__always)
  public static prefix func - (a: DoubleDouble) -> DoubleDouble {
    DoubleDouble(uncheckedHi: -a.hi, lo: -a.lo)
  }

  @inlinable @inline(__always)
  public static func - (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble { a + (-b) }

  /// DWPlusFP: `(s, e) = twoSum(a.hi, b)`, `e += a.lo`, renormalize (<= 2u^2).
  @inlinable @inline(__always)
  public static func + (a: DoubleDouble, b: Double) -> DoubleDouble {
    let s = sum(a.hi, b)
    let r = fast(s.hi, s.lo + a.lo)
    return r
  }

  @inlinable @inline(__always)
  public static func + (a: Double, b: DoubleDouble) -> DoubleDouble { b + a }
  @inlinable @inline(__always)
  public static func - (a: DoubleDouble, b: Double) -> DoubleDouble { a + (-b) }
  @inlinable @inline(__always)
  public static func - (a: Double, b: DoubleDouble) -> DoubleDouble { (-b) + a }

  /// DWTimesDW: `(p, e) = twoProduct(a.hi, b.hi)`, `e += a.hi b.lo + a.lo b.hi`, renormalize.
  @inlinable @inline(__always)
  public static func * (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
    let p = product(a.hi, b.hi)
    let cross = a.hi * b.lo + a.lo * b.hi
    let r = fast(p.hi, p.lo + cross)
    return r
  }

  /// DWTimesFP: `(p, e) = twoProduct(a.hi, b)`, `e += a.lo b`, renormalize (<= 2u^2).
  /// Exact when `b` is a power of two (barring underflow).
  @inlinable @inline(__always)
  public static func * (a: DoubleDouble, b: Double) -> DoubleDouble {
    let p = product(a.hi, b)
    let r = fast(p.hi, p.lo + a.lo * b)
    return r
  }

  @inlinable @inline(__always)
  public static func * (a: Double, b: DoubleDouble) -> DoubleDouble { b * a }

  /// Long division: `q1 = a.hi / b.hi`, `r = a - q1 b`, `q2 = r.hi / b.hi`, `r -= q2 b`,
  /// `q3 = r.hi / b.hi`; the result is `(q1 + q2) + q3`, each remainder exact to `u^2`.
  @inlinable
  public static func / (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
    let q1 = a.hi / b.hi
    guard q1.isFinite, b.hi.isFinite else { return DoubleDouble(uncheckedHi: q1, lo: 0) }
    var r = a - b * q1
    let q2 = r.hi / b.hi
    r = r - b * q2
    let q3 = r.hi / b.hi
    let q = fast(q1, q2)
    return q + q3
  }

  /// `a / b` by the same long division, with a double divisor.
  @inlinable
  public static func / (a: DoubleDouble, b: Double) -> DoubleDouble {
    let q1 = a.hi / b
    guard q1.isFinite, b.isFinite else { return DoubleDouble(uncheckedHi: q1, lo: 0) }
    var r = a - product(q1, b)
    let q2 = r.hi / b
    r = r - product(q2, b)
    let q3 = r.hi / b
    return fast(q1, q2) + q3
  }

  @inlinable
  public static func / (a: Double, b: DoubleDouble) -> DoubleDouble { DoubleDouble(a) / b }

  @inlinable public static func += (a: inout DoubleDouble, b: DoubleDouble) { a = a + b }
  @inlinable public static func -= (a: inout DoubleDouble, b: DoubleDouble) { a = a - b }
  @inlinable public static func *= (a: inout DoubleDouble, b: DoubleDouble) { a = a * b }
  @inlinable public static func /= (a: inout DoubleDouble, b: DoubleDouble) { a = a / b }
  @inlinable public static func += (a: inout DoubleDouble, b: Double) { a = a + b }
  @inlinable public static func -= (a: inout DoubleDouble, b: Double) { a = a - b }
  @inlinable public static func *= (a: inout DoubleDouble, b: Double) { a = a * b }
  @inlinable public static func /= (a: inout DoubleDouble, b: Double) { a = a / b }

  /// `sqrt(x)`: `q = sqrt(x.hi)` in double, then one Newton step in double-double,
  /// `q + (x - q^2) / (2q)` with `x - q^2` from the exact product `q * q`. `sqrt(0) = 0`,
  /// negative `x` gives NaN, `+inf` stays `+inf`.
  @inlinable
  public func squareRoot() -> DoubleDouble {
    if hi <= 0 {
      return hi == 0 ? .zero : DoubleDouble(uncheckedHi: .nan, lo: 0)
    }
    guard hi.isFinite else { return self }
    // Away from the ends of the exponent range the Newton step's q^2 is exact; very large
    // or small x are scaled by an even power of two first (exact, and halved exactly).
    let e = Int(hi.exponent)
    if e > 1000 || e < -960 {
      let k = e & ~1
      return scaled(byExponent: -k).squareRoot().scaled(byExponent: k / 2)
    }
    let q = hi.squareRoot()
    let r = self - DoubleDouble.product(q, q)
    return DoubleDouble.fast(q, r.hi / (2 * q))
  }

  // MARK: - Comparison and description

  @inlinable public static func < (a: DoubleDouble, b: DoubleDouble) -> Bool {
    a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo)
  }

  /// The pair as written by Swift, `"hi + lo"` (each double round-trips exactly).
  public var description: String {
    guard isFinite else { return "\(hi)" }
    return "\(hi) + \(lo)"
  }
}

extension DoubleDouble {
  /// `sqrt(a^2 + b^2)` without overflow or harmful underflow: both are scaled by the power
  /// of two `2^-k`, `k` the exponent of `max(|a|, |b|)` (exact), then squared.
  @inlinable static func hypot(_ a: DoubleDouble, _ b: DoubleDouble) -> DoubleDouble {
    let m = max(abs(a.hi), abs(b.hi))
    if m == 0 || !m.isFinite { return DoubleDouble(m) }
    let k = Int(m.exponent)
    let x = a.scaled(byExponent: -k), y = b.scaled(byExponent: -k)
    return (x * x + y * y).squareRoot().scaled(byExponent: k)
  }

  /// `|a|` with the sign of `b`'s leading double (LAPACK's SIGN).
  @inlinable static func sign(_ a: DoubleDouble, _ b: DoubleDouble) -> DoubleDouble {
    let m = a.magnitude
    return b.hi.sign == .minus ? -m : m
  }
}
