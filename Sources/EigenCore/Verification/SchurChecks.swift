// LAPACK-style checks of Schur and Hessenberg factorizations (DHST01, DORT01, DDRVES test 1).

/// DHST01's factorization ratio `|A - Q T Q^T|_1 / (n |A|_1 ulp)` for a real Schur form.
///
/// Exactly as DHST01 (with `unfl = 2^-1022`, `ulp = 2^-52`):
///
///     ANORM  = max(|A|_1, unfl)
///     WNORM  = |A - Q T Q^T|_1
///     SMLNUM = unfl * n / ulp
///     ratio  = min(WNORM, ANORM) / max(SMLNUM, ANORM * ulp) / n
///
/// which cannot overflow and is at most `1/(n ulp)`. `Q T Q^T` is formed as
/// `(Q T) Q^T`. One addition to DHST01: when the entries of `A` are finite but
/// `|A|_1` overflows, `A` and `T` are first scaled by `2^-16` (exact; the ratio is
/// invariant), since `ANORM = inf` would pass anything. 0 for `n = 0`;
/// `LAPACKTest.failureRatio` when a NaN appears. Passes when `<= 20`.
///
/// - Precondition: `a`, `q`, `t` square of the same order.
public func schurResidualRatio(a: Matrix, q: Matrix, t: Matrix) -> Double {
  FactorizationCheck.similarityRatio(a: a, q: q, middle: t)
}

/// DHST01's ratio `|A - Q H Q^T|_1 / (n |A|_1 ulp)` for a Hessenberg reduction;
/// the same formula as `schurResidualRatio`, with `H` in place of `T`.
public func hessenbergResidualRatio(a: Matrix, q: Matrix, h: Matrix) -> Double {
  FactorizationCheck.similarityRatio(a: a, q: q, middle: h)
}

/// DORT01's orthogonality ratio `|I - Q Q^T|_1 / (n ulp)` (ROWCOL = 'R', square `Q`).
///
/// `I - Q Q^T` is symmetric, so its 1-norm is also its infinity-norm (DORT01 uses
/// DLANSY on the upper triangle of the same matrix). 0 for `n = 0`;
/// `LAPACKTest.failureRatio` when a NaN appears. Passes when `<= 20`.
public func orthogonalityRatio(q: Matrix) -> Double {
  precondition(q.isSquare, "orthogonalityRatio: Q is \(q.rows) x \(q.cols)")
  let n = q.n
  if n == 0 { return 0 }
  if q.storage.contains(where: \.isNaN) { return LAPACKTest.failureRatio }
  let w = Matrix.identity(n) - q * q.transposed
  let resid = w.norm1
  if resid.isNaN { return LAPACKTest.failureRatio }
  return (resid / Double(n)) / LAPACKTest.ulp
}

/// Whether `T` is a real Schur form in LAPACK's standard form (DLANV2's convention).
///
/// Checks, in this order, and names the first violation in `reason`:
/// 1. `T` is square and every entry is finite;
/// 2. every entry below the first subdiagonal is exactly 0 (DDRVES test 1);
/// 3. no two consecutive subdiagonal entries are both nonzero (DDRVES test 1);
/// 4. every 2x2 block (`T[i+1][i] != 0`) is standardized: `T[i][i] == T[i+1][i+1]`
///    exactly and `T[i][i+1] * T[i+1][i] < 0` (so its eigenvalues are the complex pair
///    `T[i][i] +- i sqrt(-T[i][i+1] T[i+1][i])`). The sign test compares signs rather
///    than forming the product, which could underflow to -0.
///
/// `reason` is `"ok"` when all hold. Indices in messages are 0-based.
public func isStandardizedQuasiTriangular(t: Matrix) -> (ok: Bool, reason: String) {
  guard t.isSquare else { return (false, "T is \(t.rows) x \(t.cols), not square") }
  let n = t.n
  if let bad = t.firstNonFinite { return (false, "T[\(bad.row)][\(bad.col)] = \(t[bad.row, bad.col]) is not finite") }
  for i in 0..<n {
    for j in 0..<n where i > j + 1 && t[i, j] != 0 {
      return (false, "T[\(i)][\(j)] = \(t[i, j]) is below the first subdiagonal")
    }
  }
  if n >= 3 {
    for i in 0..<(n - 2) where t[i + 1, i] != 0 && t[i + 2, i + 1] != 0 {
      return (false, "consecutive nonzero subdiagonal entries T[\(i + 1)][\(i)] and T[\(i + 2)][\(i + 1)]")
    }
  }
  if n >= 2 {
    for i in 0..<(n - 1) where t[i + 1, i] != 0 {
      if t[i, i] != t[i + 1, i + 1] {
        return (false, "2x2 block at \(i): diagonal \(t[i, i]) != \(t[i + 1, i + 1])")
      }
      let b = t[i, i + 1]
      let c = t[i + 1, i]
      if !((b > 0 && c < 0) || (b < 0 && c > 0)) {
        return (false, "2x2 block at \(i): T[\(i)][\(i + 1)] * T[\(i + 1)][\(i)] = \(b) * \(c) is not negative")
      }
    }
  }
  return (true, "ok")
}

/// Shared arithmetic of the factorization ratios.
enum FactorizationCheck {
  /// DHST01 RESULT(1) for `A - Q M Q^T`.
  static func similarityRatio(a: Matrix, q: Matrix, middle: Matrix) -> Double {
    precondition(
      a.isSquare && q.isSquare && middle.isSquare && a.n == q.n && a.n == middle.n,
      "factorization ratio: A \(a.rows)x\(a.cols), Q \(q.rows)x\(q.cols), T \(middle.rows)x\(middle.cols)")
    let n = a.n
    if n == 0 { return 0 }
    // Matrix products skip zero factors, so a NaN could hide behind a 0: check inputs first.
    if a.storage.contains(where: \.isNaN) || q.storage.contains(where: \.isNaN)
      || middle.storage.contains(where: \.isNaN)
    {
      return LAPACKTest.failureRatio
    }
    let unfl = LAPACKTest.safeMinimum
    let ulp = LAPACKTest.ulp
    if a.norm1 == .infinity && a.firstNonFinite == nil && middle.firstNonFinite == nil {
      // Finite entries whose norm overflows: DHST01 would read ANORM = inf and pass
      // anything. The ratio is invariant under A -> sA, T -> sT; s = 2^-16 is exact.
      let s = 0x1p-16
      return similarityRatio(a: s * a, q: q, middle: s * middle)
    }
    let w = a - (q * middle) * q.transposed
    let rawA = a.norm1
    let wnorm = w.norm1
    if rawA.isNaN || wnorm.isNaN { return LAPACKTest.failureRatio }
    let anorm = max(rawA, unfl)
    let smlnum = unfl * Double(n) / ulp
    return min(wnorm, anorm) / max(smlnum, anorm * ulp) / Double(n)
  }
}
