// LAPACK-style test ratios for eigenvectors (DGET22/ZGET22) and condition numbers.

/// Constants of LAPACK's test programs (double precision).
public enum LAPACKTest {
  /// `DLAMCH('Precision') = eps * base = 2^-52`.
  public static let ulp: Double = 0x1p-52
  /// `DLAMCH('Safe minimum') = 2^-1022`.
  public static let safeMinimum: Double = 0x1p-1022
  /// The pass threshold of every ratio (`ded.in`, `nep.in`: 20.0).
  public static let threshold = 20.0
  /// What LAPACK's tests report for a failed test: `1/ulp = 2^52`. Every ratio function
  /// here returns it when the computation meets a NaN.
  public static let failureRatio: Double = 0x1p52
}

/// Which equation a left eigenvector satisfies.
public enum LeftEigenvectorConvention: Sendable, Equatable, Hashable {
  /// `u^T A = lambda u^T` (no conjugate), as docs/checks.md writes `ds/dY = u v^T / (u^T v)`.
  case transpose
  /// `u^H A = lambda u^H`, as LAPACK (`DGEEV` `VL`) and GSL return them. The two are
  /// conjugates of each other: `u_transpose = conj(u_conjugateTranspose)`; for a real
  /// eigenvalue with a real vector they coincide.
  case conjugateTranspose
}

/// DGET22's first ratio for right eigenvectors: `|A E - E W| / (|A| |E| ulp)`.
///
/// `E` is the `n x k` complex matrix whose column `j` is `vectors[j]`, and `W =
/// diag(eigenvalues)`, so column `j` of the residual is `A v_j - lambda_j v_j`
/// (the complex form of DGET22's block-diagonal `W`: ZGET22 with TRANSA = TRANSE =
/// TRANSW = 'N'). All norms are 1-norms, the largest column sum of moduli. With
/// `ANORM = max(|A|_1, safmin)`, `ENORM = max(|E|_1, ulp)` and
/// `ERRNRM = |A E - E W|_1 / ENORM`, exactly as DGET22:
///
///     ANORM > ERRNRM:  (ERRNRM / ANORM) / ulp
///     else ANORM < 1:  (min(ERRNRM, ANORM) / ANORM) / ulp      (= 1/ulp)
///     else:            min(ERRNRM / ANORM, 1) / ulp
///
/// so the ratio never overflows and lies in `[0, 1/ulp]`. One addition to DGET22:
/// when the entries are finite but `|A|_1` overflows (DGET22 would then divide by
/// `inf` and pass anything), `A` and `W` are first scaled by `2^-16` (exact, and the
/// ratio is invariant under that scaling). A residual that still overflows reads
/// as the failure value `1/ulp`, as in LAPACK; so does a NaN anywhere
/// (`LAPACKTest.failureRatio`). Passes when `<= 20`.
///
/// - Precondition: `a` square `n x n`, `vectors.count == eigenvalues.count`, every vector of length `n`.
public func rightResidualRatio(a: Matrix, eigenvalues: [Complex], vectors: [[Complex]]) -> Double {
  EigenResidual.ratio(a: a, transposeA: false, eigenvalues: eigenvalues, vectors: vectors, conjugateEigenvalues: false)
}

/// DGET22's first ratio for left eigenvectors.
///
/// With the default convention `.transpose` (`u^T A = lambda u^T`, docs/checks.md),
/// column `j` of the residual is `A^T u_j - lambda_j u_j`. With `.conjugateTranspose`
/// (`u^H A = lambda u^H`, LAPACK/GSL) it is `A^T u_j - conj(lambda_j) u_j`, which is
/// ZGET22('C', 'N', 'C') as LAPACK's ZDRVEV calls it for `VL`. The norm of the
/// operator is `ANORM = max(|A^T|_1, safmin) = max(|A|_inf, safmin)` (ZGET22's
/// NORMA = 'I'); everything else is as in `rightResidualRatio`.
public func leftResidualRatio(
  a: Matrix, eigenvalues: [Complex], vectors: [[Complex]], convention: LeftEigenvectorConvention = .transpose
) -> Double {
  EigenResidual.ratio(
    a: a, transposeA: true, eigenvalues: eigenvalues, vectors: vectors,
    conjugateEigenvalues: convention == .conjugateTranspose)
}

/// Normalisation ratio `max_j | ||v_j||_2 - 1 | / (n ulp)`, `n` the vector length.
///
/// DGET22's second ratio uses the max-norm (DTREVC's normalisation); this one uses
/// the 2-norm because the native solver normalises to unit 2-norm, like DGEEV.
/// `||v||_2` is computed with scaling (no overflow or underflow). 0 for no vectors
/// or `n = 0`; `LAPACKTest.failureRatio` when a norm is NaN. Passes when `<= 20`.
public func normalizationRatio(vectors: [[Complex]]) -> Double {
  guard let n = vectors.first?.count, n > 0 else { return 0 }
  precondition(vectors.allSatisfy { $0.count == n }, "normalizationRatio: vectors of different lengths")
  var worst = 0.0
  for v in vectors {
    let norm = EigenResidual.norm2(v)
    if norm.isNaN { return LAPACKTest.failureRatio }
    worst = max(worst, abs(norm - 1))
  }
  return worst / (Double(n) * LAPACKTest.ulp)
}

/// Condition number of a simple eigenvalue, `kappa = ||u||_2 ||v||_2 / |u^T v|`.
///
/// `v` is a right eigenvector (`A v = lambda v`) and `u` a left one. With the default
/// `.transpose` convention (`u^T A = lambda u^T`, docs/checks.md) the denominator is
/// `|u^T v|`, no conjugate, for real and complex eigenvalues alike; with
/// `.conjugateTranspose` (`u^H A = lambda u^H`, LAPACK/GSL) it is `|u^H v|`. Both give
/// the same number for the same eigenvalue, Wilkinson's `1/s(lambda)` (DGEEVX's
/// `1/RCONDE`). It is invariant under scaling of `u` and `v` (both are scaled by
/// their largest modulus before the products, so no overflow or underflow).
/// `kappa >= 1`; 1 for a normal matrix. Returns `+infinity` when the scaled
/// `u^T v` (or `u^H v`) is exactly 0, which includes a zero vector, and NaN when a
/// vector has a non-finite entry.
///
/// - Precondition: `u.count == v.count`.
public func eigenvalueCondition(
  left u: [Complex], right v: [Complex], convention: LeftEigenvectorConvention = .transpose
) -> Double {
  precondition(u.count == v.count, "eigenvalueCondition: vectors of lengths \(u.count) and \(v.count)")
  if !(u.allSatisfy(\.isFinite) && v.allSatisfy(\.isFinite)) { return .nan }
  let su = u.reduce(0.0) { max($0, $1.magnitude) }
  let sv = v.reduce(0.0) { max($0, $1.magnitude) }
  if su == 0 || sv == 0 { return .infinity }
  let us = u.map { Complex($0.re / su, $0.im / su) }
  let vs = v.map { Complex($0.re / sv, $0.im / sv) }
  var dot = Complex.zero
  for k in 0..<us.count {
    let uk = convention == .conjugateTranspose ? us[k].conjugate : us[k]
    dot = dot + uk * vs[k]
  }
  let denominator = dot.magnitude
  if denominator == 0 { return .infinity }
  return EigenResidual.norm2(us) * EigenResidual.norm2(vs) / denominator
}

/// Shared arithmetic of the eigenvector ratios.
enum EigenResidual {
  /// Scaled 2-norm of a complex vector.
  static func norm2(_ v: [Complex]) -> Double { complexNorm2(v) }

  /// Largest column sum of moduli of a complex matrix given by columns; NaN propagates.
  static func norm1(columns: [[Complex]]) -> Double {
    var best = 0.0
    for column in columns {
      var s = 0.0
      for z in column { s += (z.re.isNaN || z.im.isNaN) ? .nan : z.magnitude }
      if s > best || s.isNaN { best = s }
      if best.isNaN { return best }
    }
    return best
  }

  /// Largest row sum of absolute values (the infinity-norm, `= |A^T|_1`); NaN propagates.
  static func normInf(_ a: Matrix) -> Double {
    var best = 0.0
    for i in 0..<a.rows {
      var s = 0.0
      for j in 0..<a.cols { s += abs(a[i, j]) }
      if s > best || s.isNaN { best = s }
      if best.isNaN { return best }
    }
    return best
  }

  /// ZGET22's RESULT(1) for `op(A) E - E W`, `op(A) = A` or `A^T`, `W = diag(w)` or `diag(conj(w))`.
  static func ratio(
    a: Matrix, transposeA: Bool, eigenvalues: [Complex], vectors: [[Complex]], conjugateEigenvalues: Bool
  ) -> Double {
    precondition(a.isSquare, "eigenvector ratio: matrix is \(a.rows) x \(a.cols)")
    precondition(eigenvalues.count == vectors.count, "eigenvector ratio: \(eigenvalues.count) eigenvalues, \(vectors.count) vectors")
    let n = a.n
    precondition(vectors.allSatisfy { $0.count == n }, "eigenvector ratio: vectors must have length \(n)")
    if n == 0 || vectors.isEmpty { return 0 }
    let ulp = LAPACKTest.ulp
    var residual: [[Complex]] = []
    residual.reserveCapacity(vectors.count)
    for (j, v) in vectors.enumerated() {
      let lambda = conjugateEigenvalues ? eigenvalues[j].conjugate : eigenvalues[j]
      var column = [Complex](repeating: .zero, count: n)
      for i in 0..<n {
        var re = 0.0
        var im = 0.0
        for k in 0..<n {
          let aik = transposeA ? a[k, i] : a[i, k]
          re += aik * v[k].re
          im += aik * v[k].im
        }
        column[i] = Complex(re, im) - lambda * v[i]
      }
      residual.append(column)
    }
    let a1 = transposeA ? normInf(a) : a.norm1
    let e1 = norm1(columns: vectors)
    let r1 = norm1(columns: residual)
    if a1.isNaN || e1.isNaN || r1.isNaN { return LAPACKTest.failureRatio }
    if a1 == .infinity && a.firstNonFinite == nil && eigenvalues.allSatisfy(\.isFinite) {
      // Finite entries whose norm overflows: DGET22 would read ANORM = inf and pass
      // anything. The ratio is invariant under A -> sA, W -> sW; s = 2^-16 is exact.
      let s = 0x1p-16
      return ratio(
        a: s * a, transposeA: transposeA, eigenvalues: eigenvalues.map { s * $0 }, vectors: vectors,
        conjugateEigenvalues: conjugateEigenvalues)
    }
    let anorm = max(a1, LAPACKTest.safeMinimum)
    let enorm = max(e1, ulp)
    let errnrm = r1 / enorm
    let result: Double
    if anorm > errnrm {
      result = (errnrm / anorm) / ulp
    } else if anorm < 1 {
      result = (min(errnrm, anorm) / anorm) / ulp
    } else {
      result = min(errnrm / anorm, 1) / ulp
    }
    return result.isNaN ? LAPACKTest.failureRatio : result
  }
}
