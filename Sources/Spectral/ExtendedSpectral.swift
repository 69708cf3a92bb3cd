import EigenCore

/// `min-real-eigenvalue` in double-double arithmetic (`ExtendedEigenSolver`), for matrices
/// whose s double precision leaves with few correct digits: the value, its derivative
/// `ds/dY = u v^T / (u^T v)` from double-double left and right eigenvectors, and the
/// diagnostics of `evaluate`, each rounded to double once at the end.
extension SpectralEvaluator {
  /// The full evaluation of `evaluate(.minRealEigenvalue, y, sentinel:)`, in
  /// double-double. The eigenvalues are reported rounded to double; an eigenvalue is real
  /// when the double-double solver ends with it in a 1 x 1 block. `neighbourGradient` is
  /// the next real candidate's (nil when it is complex). One solve.
  public mutating func evaluateExtended(_ y: Matrix, sentinel: Double? = nil) throws(EigenError) -> SpectralEvaluation {
    let n = y.rows
    let solver = try ExtendedEigenSolver(y.storage.map(DoubleDouble.init), n: n)
    countSolves(1)
    let values = Self.rounded(solver.eigenvalues)
    let sorted = values.sorted(by: Complex.reportOrder)
    let realCount = values.reduce(0) { $0 + ($1.im == 0 ? 1 : 0) }
    guard let pick = Self.select(.minRealEigenvalue, values, sentinel: sentinel) else {
      return SpectralEvaluation(
        kind: .minRealEigenvalue, s: nil, masked: false, gradient: nil, kappa: nil, eigenvalues: sorted,
        gap: .infinity, nearestComplexImag: Self.nearestImag(values, below: .infinity), realCount: realCount)
    }
    var result = SpectralEvaluation(
      kind: .minRealEigenvalue, s: pick.s, masked: pick.masked, gradient: pick.masked ? Matrix(n: n) : nil,
      kappa: nil, eigenvalues: sorted, gap: pick.gap, nearestComplexImag: Self.nearestImag(values, below: pick.s),
      realCount: realCount)
    if pick.masked { return result }
    guard let pair = solver.realEigenvectors(pick.index) else { throw EigenError.inaccurateEigenvectors(residualRatio: .infinity) }
    let (gradient, kappa) = Self.extendedGradient(pair.left, pair.right)
    result.gradient = gradient
    result.kappa = kappa
    result.left = pair.left.map { Complex($0.double) }
    result.right = pair.right.map { Complex($0.double) }
    if let nb = Self.neighbour(.minRealEigenvalue, values, of: pick.index), values[nb].im == 0,
      let other = solver.realEigenvectors(nb)
    {
      result.neighbourGradient = Self.extendedGradient(other.left, other.right).gradient
    }
    return result
  }

  /// `value(.minRealEigenvalue, A, sentinel:)` for a matrix given in double-double
  /// (row-major `n * n`: the engine's perturbed matrices `Y + h W`, formed exactly). One
  /// solve.
  public mutating func valueExtended(
    _ a: [DoubleDouble], n: Int, sentinel: Double? = nil
  ) throws(EigenError) -> (s: Double?, realCount: Int, selected: Int?) {
    let solver = try ExtendedEigenSolver(a, n: n)
    countSolves(1)
    return Self.value(.minRealEigenvalue, eigenvalues: Self.rounded(solver.eigenvalues), sentinel: sentinel)
  }

  /// Double-double eigenvalues rounded to double; a real one (imaginary part exactly 0)
  /// stays real.
  static func rounded(_ values: [(re: DoubleDouble, im: DoubleDouble)]) -> [Complex] {
    values.map { Complex($0.re.double, $0.im.double) }
  }

  /// `ds/dY = u v^T / (u^T v)` and `kappa = |u| |v| / |u^T v|` from double-double vectors,
  /// rounded to double at the end.
  static func extendedGradient(_ u: [DoubleDouble], _ v: [DoubleDouble]) -> (gradient: Matrix, kappa: Double) {
    let n = u.count
    var dot = DoubleDouble.zero
    var uu = DoubleDouble.zero
    var vv = DoubleDouble.zero
    for k in 0..<n {
      dot = dot + u[k] * v[k]
      uu = uu + u[k] * u[k]
      vv = vv + v[k] * v[k]
    }
    var g = Matrix(n: n)
    for i in 0..<n {
      for j in 0..<n { g[i, j] = (u[i] * v[j] / dot).double }
    }
    let kappa = ((uu * vv).squareRoot() / dot.magnitude).double
    return (g, kappa)
  }
}
