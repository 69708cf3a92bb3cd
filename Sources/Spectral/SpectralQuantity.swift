import EigenCore
import GradcheckModel

/// The value of a spectral quantity `s(Y)` at one matrix, with its derivative and
/// what the classification needs (see docs/checks.md).
public struct SpectralEvaluation: Sendable, Equatable {
  public var kind: SpectralKind
  /// `s(Y)`; nil when undefined (`min-real-eigenvalue` of a matrix with no real
  /// eigenvalue and no sentinel).
  public var s: Double?
  /// Whether `s` is the sentinel (a masked complex eigenvalue won the minimum).
  public var masked: Bool
  /// `ds/dY` (N x N, same layout as Y); zero when masked, nil when `s` is nil.
  public var gradient: Matrix?
  /// Condition number of `s`: `|u| |v| / |u^T v|` of the eigenvalue (1 for a
  /// singular value, which is perfectly conditioned).
  public var kappa: Double?
  /// The native eigenvalues, sorted by real part then imaginary part.
  public var eigenvalues: [Complex]
  /// Distance from `s` to the next candidate for the minimum (second smallest
  /// real eigenvalue, next distinct real part, next singular value); `+inf` if none.
  public var gap: Double
  /// Smallest |Im| of a complex eigenvalue whose real part is at or below `s`
  /// (a near-real pair that a perturbation could make real and minimal); `+inf`.
  public var nearestComplexImag: Double
  /// Number of eigenvalues that are real (1 x 1 Schur blocks).
  public var realCount: Int
  /// Left and right vectors behind `gradient` (eigenvectors `u^T A = lambda u^T`,
  /// `A v = lambda v`, or singular vectors), unit 2-norm; nil when not computed.
  public var left: [Complex]? = nil
  public var right: [Complex]? = nil
  /// The derivative of the neighbouring candidate (second smallest real
  /// eigenvalue, next real part, next singular value); used by the selftest to
  /// inject "the gradient of the wrong eigenvalue".
  public var neighbourGradient: Matrix? = nil
}

/// Evaluates spectral quantities with reusable workspaces, counting the solves.
public struct SpectralEvaluator: Sendable {
  public var solver = EigenSolver()
  /// Eigen solves (or SVDs) performed so far.
  public private(set) var solves = 0

  public init() {}

  /// Full evaluation: value, derivative and diagnostics.
  ///
  /// `min-real-eigenvalue`: `s = min { Re(lambda) : lambda real }`, complex ones
  /// masked as `+inf` (or as `sentinel` when given: then `s = min(real, sentinel)`
  /// when a complex eigenvalue exists); `ds/dY = u v^T / (u^T v)`.
  /// `min-real-part`: `s = min Re(lambda)`; `ds/dY = Re(u v^T / (u^T v))`.
  /// `min-singular-value`: `s = sigma_min`; `ds/dY = u_s v_s^T`.
  public mutating func evaluate(
    _ kind: SpectralKind, _ y: Matrix, sentinel: Double? = nil, gradient: Bool = true
  ) throws(EigenError) -> SpectralEvaluation {
    try solver.factor(y, vectors: gradient && kind != .minSingularValue)
    solves += 1
    let n = y.rows
    let values = solver.eigenvalues
    let sorted = values.sorted(by: Complex.reportOrder)
    let realCount = values.reduce(0) { $0 + ($1.im == 0 ? 1 : 0) }
    switch kind {
    case .minRealEigenvalue, .minRealPart:
      guard let pick = Self.select(kind, values, sentinel: sentinel) else {
        return SpectralEvaluation(
          kind: kind, s: nil, masked: false, gradient: nil, kappa: nil, eigenvalues: sorted,
          gap: .infinity, nearestComplexImag: Self.nearestImag(values, below: .infinity),
          realCount: realCount)
      }
      if pick.masked {
        return SpectralEvaluation(
          kind: kind, s: pick.s, masked: true, gradient: gradient ? Matrix(n: n) : nil, kappa: nil,
          eigenvalues: sorted, gap: pick.gap,
          nearestComplexImag: Self.nearestImag(values, below: pick.s), realCount: realCount)
      }
      var result = SpectralEvaluation(
        kind: kind, s: pick.s, masked: false, gradient: nil, kappa: nil, eigenvalues: sorted,
        gap: pick.gap, nearestComplexImag: Self.nearestImag(values, below: pick.s),
        realCount: realCount)
      if gradient {
        let p = try solver.eigenpair(pick.index)
        result.kappa = p.kappa
        result.gradient = Self.eigenGradient(p)
        result.left = p.left
        result.right = p.right
        if let nb = Self.neighbour(kind, values, of: pick.index) {
          result.neighbourGradient = Self.eigenGradient(try solver.eigenpair(nb))
        }
      }
      return result
    case .minSingularValue:
      let svd = try SingularValueDecomposition(y)
      solves += 1
      let k = n - 1
      let gap = n >= 2 ? svd.s[n - 2] - svd.s[n - 1] : .infinity
      var result = SpectralEvaluation(
        kind: kind, s: svd.s[k], masked: false, gradient: nil, kappa: 1, eigenvalues: sorted,
        gap: gap, nearestComplexImag: .infinity, realCount: realCount)
      if gradient {
        func outer(_ c: Int) -> Matrix {
          var g = Matrix(n: n)
          for i in 0..<n { for j in 0..<n { g[i, j] = svd.u[i, c] * svd.v[j, c] } }
          return g
        }
        result.gradient = outer(k)
        result.left = (0..<n).map { Complex(svd.u[$0, k]) }
        result.right = (0..<n).map { Complex(svd.v[$0, k]) }
        if n >= 2 { result.neighbourGradient = outer(n - 2) }
      }
      return result
    }
  }

  /// Every eigenvalue (Schur order) with its left and right eigenvectors, for the
  /// `solver` check. One solve.
  public mutating func eigenpairs(_ y: Matrix) throws(EigenError) -> [Eigenpair] {
    try solver.factor(y, vectors: true)
    solves += 1
    var out: [Eigenpair] = []
    for i in 0..<y.rows { out.append(try solver.eigenpair(i)) }
    return out
  }

  /// Value only (no vectors), for finite differences: `s` and the number of real
  /// eigenvalues (to detect real/complex flips). One solve.
  public mutating func value(
    _ kind: SpectralKind, _ y: Matrix, sentinel: Double? = nil
  ) throws(EigenError) -> (s: Double?, realCount: Int, selected: Int?) {
    if kind == .minSingularValue {
      let svd = try SingularValueDecomposition(y)
      solves += 1
      return (svd.s[y.rows - 1], y.rows, nil)
    }
    try solver.factor(y, vectors: false)
    solves += 1
    return Self.value(kind, eigenvalues: solver.eigenvalues, sentinel: sentinel)
  }

  /// `value` from the eigenvalues (Schur order) of one matrix, for eigenvalues solved
  /// elsewhere: a batch of perturbed copies through `BatchedSmallEigen.eigenvalues`, which
  /// gives each matrix the bits `value` would (then count the solves with `countSolves`).
  /// Not for `min-singular-value`.
  public static func value(
    _ kind: SpectralKind, eigenvalues values: [Complex], sentinel: Double? = nil
  ) -> (s: Double?, realCount: Int, selected: Int?) {
    precondition(kind != .minSingularValue, "min-singular-value needs the SVD")
    let realCount = values.reduce(0) { $0 + ($1.im == 0 ? 1 : 0) }
    let pick = Self.select(kind, values, sentinel: sentinel)
    return (pick?.s, realCount, pick.map { $0.masked ? -1 : $0.index })
  }

  /// Counts `count` eigen solves done outside the evaluator (see `value(_:eigenvalues:sentinel:)`).
  public mutating func countSolves(_ count: Int) { solves += count }

  /// The minimising eigenvalue: index in Schur order, value, masked flag, gap.
  static func select(
    _ kind: SpectralKind, _ values: [Complex], sentinel: Double?
  ) -> (index: Int, s: Double, masked: Bool, gap: Double)? {
    var best = -1
    var bestValue = Double.infinity
    var second = Double.infinity
    var hasComplex = false
    for (i, e) in values.enumerated() {
      if kind == .minRealEigenvalue && e.im != 0 {
        hasComplex = true
        continue
      }
      // A conjugate pair is one candidate for min-real-part (same real part).
      if kind == .minRealPart && e.im < 0 { continue }
      if best < 0 || e.re < bestValue {
        if best >= 0 { second = bestValue }
        best = i
        bestValue = e.re
      } else if e.re < second {
        second = e.re
      }
    }
    if kind == .minRealEigenvalue, let v = sentinel, hasComplex {
      if best < 0 || v < bestValue {
        let gap = best < 0 ? Double.infinity : bestValue - v
        return (-1, v, true, gap)
      }
      second = min(second, v)
    }
    if best < 0 { return nil }
    return (best, bestValue, false, second - bestValue)
  }

  /// `d lambda / dY = Re(u v^T / (u^T v))`.
  static func eigenGradient(_ p: Eigenpair) -> Matrix {
    let n = p.right.count
    var dot = Complex.zero
    for k in 0..<n { dot = dot + p.left[k] * p.right[k] }
    var g = Matrix(n: n)
    for i in 0..<n {
      for j in 0..<n { g[i, j] = ((p.left[i] * p.right[j]) / dot).re }
    }
    return g
  }

  /// The next candidate after `index`: the eigenvalue with the next larger real
  /// part among the same kind of candidates (real ones first for
  /// min-real-eigenvalue, any for the rest); nil for N = 1.
  static func neighbour(_ kind: SpectralKind, _ values: [Complex], of index: Int) -> Int? {
    let s = values[index].re
    var best: Int? = nil
    for pass in 0..<2 {
      for (i, e) in values.enumerated() where i != index {
        if kind == .minRealEigenvalue && pass == 0 && e.im != 0 { continue }
        if e.im < 0 && values.contains(e.conjugate) && kind == .minRealPart { continue }
        if e == values[index].conjugate { continue }
        if let b = best {
          if abs(e.re - s) < abs(values[b].re - s) { best = i }
        } else {
          best = i
        }
      }
      if best != nil { return best }
    }
    return best
  }

  static func nearestImag(_ values: [Complex], below s: Double) -> Double {
    var m = Double.infinity
    for e in values where e.im != 0 && e.re <= s { m = min(m, abs(e.im)) }
    if s.isInfinite { for e in values where e.im != 0 { m = min(m, abs(e.im)) } }
    return m
  }
}
