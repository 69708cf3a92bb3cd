extension ExtendedEigenSolver {
  /// Unit 2-norm left and right eigenvectors of the real eigenvalue `index`,
  /// `u^T A = lambda u^T` and `A v = lambda v`, in double-double; `nil` when the eigenvalue
  /// is complex or `index` is out of range.
  ///
  /// Inverse iteration (after LAPACK DLAEIN) on the input matrix as scaled for the solve
  /// (`A 2^-e`, exact; eigenvectors do not change under scaling), with the computed
  /// eigenvalue as shift: `M = A 2^-e - lambda I` (its transpose for `u`) is factored once,
  /// `P M = L U` by partial pivoting, pivots smaller than `delta = epsilon |A 2^-e|_1`
  /// replaced by `delta` (with their sign); then, as DLAEIN, `U x = b` is solved for a fixed
  /// start `b` and accepted when it grew enough, `|x|_2 >= 0.1 / (sqrt(n) delta)`:
  /// `M x = P^T L b`, so the normalized `x` has the residual
  /// `|M x| / |x| <= n |b| / |x|`, of order `epsilon |A|`. The starts are
  /// `b = (1, ..., 1)` and, if that did not grow (rare: `b` nearly orthogonal to the left
  /// null vector of `U`), `b = (1, ..., 1) - (sqrt(n) + 1) e_(n-t)` for `t = 1, 2` (DLAEIN's
  /// sequence); the start that grew most is kept. Deterministic.
  ///
  /// Solving with the whole `P^T L U` again from the accepted vector would not help and
  /// can hurt: for an ill-conditioned eigenvalue (`kappa = 1 / |u^T v|` large) the right
  /// vector as a start has only a `1 / kappa` component along the left null vector, and
  /// the residual of such a step is about `|lambda - lambda_exact|`, `kappa` times larger.
  ///
  /// The sign makes the entry of largest magnitude (the first such) positive.
  public func realEigenvectors(_ index: Int) -> (left: [DoubleDouble], right: [DoubleDouble])? {
    guard index >= 0 && index < n && scaledIm[index].isZero else { return nil }
    if n == 1 { return ([.one], [.one]) }
    let lambda = scaledRe[index]
    let a = scaledMatrix
    var norm1 = 0.0
    for j in 0..<n {
      var s = 0.0
      for i in 0..<n { s += abs(a[i * n + j].hi) }
      norm1 = max(norm1, s)
    }
    let floor = DoubleDouble.epsilon * max(norm1, 0x1p-900)
    // One scratch buffer: the n x n factor, the vector, the best vector so far.
    var scratch = [DoubleDouble](repeating: .zero, count: n * n + 2 * n)
    func vector(transposed: Bool) -> [DoubleDouble] {
      scratch.withUnsafeMutableBufferPointer { buffer in
        let base = buffer.baseAddress!
        let m = DDMatrix(base: base, n: n)
        let x = UnsafeMutableBufferPointer(start: base + n * n, count: n)
        let best = UnsafeMutableBufferPointer(start: base + n * n + n, count: n)
        for i in 0..<n {
          for j in 0..<n { m[i, j] = transposed ? a[j * n + i] : a[i * n + j] }
          m[i, i] -= lambda
        }
        InverseIteration.factor(m, floor: floor)
        InverseIteration.solveWithGrowth(m, floor: floor, x, work: best)
        InverseIteration.fixSign(x)
        return Array(x)
      }
    }
    return (vector(transposed: true), vector(transposed: false))
  }
}

/// The linear algebra of `realEigenvectors`, in double-double on a row-major view.
enum InverseIteration {
  /// Entries above `2^600` during a solve trigger a rescaling of the whole vector by
  /// `2^-600` (exact; the solution is normalized afterwards anyway).
  static let rescaleThreshold = 0x1p600

  /// In-place LU with partial pivoting, `P M = L U` (unit lower `L` below the diagonal,
  /// `U` on and above it; the solves need `U` only, so `P` is not recorded). A pivot
  /// with `|u_kk| < floor` becomes `floor` with its sign (`+floor` for 0).
  static func factor(_ m: DDMatrix, floor: Double) {
    let n = m.n
    for k in 0..<n {
      var p = k
      var best = abs(m[k, k].hi)
      for i in (k + 1)..<n where abs(m[i, k].hi) > best {
        best = abs(m[i, k].hi)
        p = i
      }
      if p != k {
        for j in 0..<n {
          let t = m[k, j]
          m[k, j] = m[p, j]
          m[p, j] = t
        }
      }
      if best < floor {
        m[k, k] = DoubleDouble(m[k, k].hi.sign == .minus ? -floor : floor)
      }
      let pivot = m[k, k]
      for i in (k + 1)..<n {
        let l = m[i, k] / pivot
        m[i, k] = l
        if l.isZero { continue }
        for j in (k + 1)..<n { m[i, j] -= l * m[k, j] }
      }
    }
  }

  /// DLAEIN's solves `U x = b` for the starts `b = (1, ..., 1)`, then
  /// `(1, ..., 1) - (sqrt(n) + 1) e_(n-t)`, `t = 1, 2`, until `|x|_2 >= 0.1 / (sqrt(n) floor)`;
  /// leaves the normalized `x` of the start that grew most (the first that was enough).
  static func solveWithGrowth(
    _ m: DDMatrix, floor: Double, _ x: UnsafeMutableBufferPointer<DoubleDouble>,
    work best: UnsafeMutableBufferPointer<DoubleDouble>
  ) {
    let n = m.n
    let rootn = Double(n).squareRoot()
    let enough = 0.1 / (rootn * floor)
    var bestGrowth = -1.0
    for t in 0..<min(3, n) {
      for r in 0..<n { x[r] = .one }
      if t > 0 { x[n - t] = DoubleDouble(1 - (rootn + 1)) }
      let rescalings = solveUpper(m, x)
      // |x| / |b| as a double; rescaled solutions grew past 2^600, far beyond `enough`.
      let bnorm = (Double(n - 1) + (t > 0 ? Double(n) : 1)).squareRoot()
      let growth = rescalings > 0 ? .infinity : ExtendedSchur.norm(x, from: 0, to: n).hi / bnorm
      normalize(x)
      if growth > bestGrowth {
        bestGrowth = growth
        for r in 0..<n { best[r] = x[r] }
      }
      if growth >= enough { break }
    }
    for r in 0..<n { x[r] = best[r] }
  }

  /// `x = U^-1 x` by back substitution, rescaling `x` by `2^-600` whenever an entry passes
  /// `rescaleThreshold` (so repeated tiny pivots cannot overflow). Returns the number of
  /// rescalings.
  @discardableResult
  static func solveUpper(_ m: DDMatrix, _ x: UnsafeMutableBufferPointer<DoubleDouble>) -> Int {
    let n = m.n
    var rescalings = 0
    for i in stride(from: n - 1, through: 0, by: -1) {
      var s = x[i]
      for j in (i + 1)..<n { s -= m[i, j] * x[j] }
      s = s / m[i, i]
      x[i] = s
      if abs(s.hi) > rescaleThreshold {
        for r in 0..<n { x[r] = x[r].scaled(byExponent: -600) }
        rescalings += 1
      }
    }
    return rescalings
  }

  /// `x / |x|_2` (the norm computed after scaling by a power of two, exact).
  static func normalize(_ x: UnsafeMutableBufferPointer<DoubleDouble>) {
    let norm = ExtendedSchur.norm(x, from: 0, to: x.count)
    guard !norm.isZero else { return }
    let inv = 1 / norm
    for r in 0..<x.count { x[r] = x[r] * inv }
  }

  /// Makes the (first) entry of largest magnitude positive.
  static func fixSign(_ x: UnsafeMutableBufferPointer<DoubleDouble>) {
    var best = 0
    for r in 1..<x.count where x[r].magnitude > x[best].magnitude { best = r }
    if x[best].hi < 0 {
      for r in 0..<x.count { x[r] = -x[r] }
    }
  }
}
