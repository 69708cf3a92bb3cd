/// A complex double, enough for eigenvalues and eigenvectors of real matrices.
public struct Complex: Sendable, Equatable, Hashable, CustomStringConvertible {
  public var re: Double
  public var im: Double

  @inlinable public init(_ re: Double, _ im: Double = 0) {
    self.re = re
    self.im = im
  }

  public static let zero = Complex(0, 0)
  public var isReal: Bool { im == 0 }
  public var conjugate: Complex { Complex(re, -im) }
  /// |z| without overflow.
  public var magnitude: Double {
    let a = abs(re), b = abs(im)
    let m = max(a, b)
    if m == 0 || !m.isFinite { return m }
    let r = min(a, b) / m
    return m * (1 + r * r).squareRoot()
  }
  public var isFinite: Bool { re.isFinite && im.isFinite }

  @inlinable public static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
  @inlinable public static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
  @inlinable public static func * (a: Complex, b: Complex) -> Complex {
    Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
  }
  @inlinable public static func * (s: Double, a: Complex) -> Complex { Complex(s * a.re, s * a.im) }
  /// Smith's division.
  public static func / (a: Complex, b: Complex) -> Complex {
    if abs(b.re) >= abs(b.im) {
      let r = b.im / b.re, d = b.re + b.im * r
      return Complex((a.re + a.im * r) / d, (a.im - a.re * r) / d)
    } else {
      let r = b.re / b.im, d = b.im + b.re * r
      return Complex((a.re * r + a.im) / d, (a.im * r - a.re) / d)
    }
  }
  public static prefix func - (a: Complex) -> Complex { Complex(-a.re, -a.im) }

  public var description: String { im == 0 ? "\(re)" : "\(re)\(im < 0 ? "-" : "+")\(abs(im))i" }

  /// Total order used for reporting: by real part, then imaginary part.
  public static func reportOrder(_ a: Complex, _ b: Complex) -> Bool {
    a.re != b.re ? a.re < b.re : a.im < b.im
  }
}
