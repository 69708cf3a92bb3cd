/// Eigenvalues (and, for a real one, its left and right eigenvectors) of a real n x n
/// matrix in double-double arithmetic (`DoubleDouble`, about 106 bits).
///
/// For matrices whose eigenvalues are so ill-conditioned that double precision leaves
/// only a few correct digits (an eigenvalue's error is about `kappa * n * ulp * |A|`,
/// `kappa = 1 / |u^T v|` for unit vectors `u`, `v`): here `ulp` becomes
/// `DoubleDouble.epsilon = 2^-104`, 2^-52 times smaller.
///
/// Pipeline (one allocation of the workspace per solve, none per iteration):
/// 1. scaling by `2^-e`, `e` the exponent of `max|a_ij|`, so `max|a_ij|` is in `[1, 2)`
///    (exact; undone on the eigenvalues, so matrices near `1e+-300` work);
/// 2. Householder reduction to upper Hessenberg form (LAPACK DGEHD2, no `Q` kept);
/// 3. Francis implicit double-shift QR (LAPACK DLAHQR, eigenvalues only): the
///    Ahues-Tisseur deflation test with `ulp = epsilon`, exceptional shifts every 10
///    iterations without a deflation, and at most `30 * max(10, n)` iterations per
///    eigenvalue, past which `EigenError.didNotConverge` is thrown;
/// 4. each 2 x 2 block standardized (LAPACK DLANV2): a real eigenvalue comes out of a
///    1 x 1 block with imaginary part exactly 0, complex ones as exact conjugate pairs,
///    positive imaginary part first.
///
/// The QR algorithm is normwise backward stable: the eigenvalues are those of `A + E`
/// with `|E|_F <= c n epsilon |A|_F` (`c` a small constant).
public struct ExtendedEigenSolver: Sendable {
  /// The order.
  public let n: Int
  /// The input times `2^-scaleExponent` (row-major), kept for the eigenvectors.
  let scaledMatrix: [DoubleDouble]
  /// The eigenvalues of `scaledMatrix`, Schur order.
  let scaledRe: [DoubleDouble]
  let scaledIm: [DoubleDouble]
  /// The input was multiplied by `2^-scaleExponent`.
  let scaleExponent: Int
  /// QR iterations spent (for tests and benchmarks).
  public let iterations: Int

  /// Factors `a`, row-major `n * n` (entries may carry a `lo` part).
  ///
  /// Throws `EigenError.badShape` for `n < 1` or a wrong count, `.nonFinite(row:col:value:)`
  /// for a NaN or infinite entry, `.didNotConverge` past the iteration bound, and
  /// `.eigenvalueOverflow` when an eigenvalue exceeds the largest double (entries near it).
  public init(_ a: [DoubleDouble], n: Int) throws(EigenError) {
    guard n >= 1, a.count == n * n else { throw .badShape(rows: n, cols: a.count / max(n, 1)) }
    var maxAbs = 0.0
    for k in 0..<(n * n) {
      guard a[k].isFinite else {
        throw .nonFinite(row: k / n, col: k % n, value: a[k].hi + a[k].lo)
      }
      maxAbs = max(maxAbs, abs(a[k].hi))
    }
    let e = maxAbs == 0 ? 0 : Int(maxAbs.exponent)
    let scaled = e == 0 ? a : a.map { $0.scaled(byExponent: -e) }
    var h = scaled
    var re = [DoubleDouble](repeating: .zero, count: n)
    var im = re
    var work = [DoubleDouble](repeating: .zero, count: n)
    var its = 0
    try h.withUnsafeMutableBufferPointer { (hb) throws(EigenError) in
      let hm = DDMatrix(base: hb.baseAddress!, n: n)
      try work.withUnsafeMutableBufferPointer { (wb) throws(EigenError) in
        ExtendedSchur.reduceToHessenberg(hm, work: wb)
      }
      its = try ExtendedSchur.eigenvalues(hm, re: &re, im: &im)
    }
    // Undoing the scaling must not overflow: max|lambda| <= n max|a_ij| < 2^(e+1) n.
    for k in 0..<n {
      let m = max(abs(re[k].hi), abs(im[k].hi))
      if m > 0 && Int(m.exponent) + e > Int(Double.greatestFiniteMagnitude.exponent) {
        throw .eigenvalueOverflow(magnitudeExponent: Int(m.exponent) + e)
      }
    }
    self.n = n
    self.scaledMatrix = scaled
    self.scaledRe = re
    self.scaledIm = im
    self.scaleExponent = e
    self.iterations = its
  }

  /// A solver for a double matrix (`lo = 0`), row-major.
  public init(_ a: [Double], n: Int) throws(EigenError) {
    try self.init(a.map(DoubleDouble.init), n: n)
  }

  /// Every eigenvalue, Schur order, conjugate pairs adjacent (positive imaginary part
  /// first); a real eigenvalue has `im` exactly zero.
  public var eigenvalues: [(re: DoubleDouble, im: DoubleDouble)] {
    (0..<n).map { (scaledRe[$0].scaled(byExponent: scaleExponent), scaledIm[$0].scaled(byExponent: scaleExponent)) }
  }

  /// Whether eigenvalue `index` is real (its imaginary part is exactly zero).
  public func isReal(_ index: Int) -> Bool { scaledIm[index].isZero }

  /// The index of the smallest real eigenvalue by value (the first of equal ones), or
  /// `nil` when every eigenvalue is complex.
  public var smallestRealIndex: Int? {
    var best: Int? = nil
    for i in 0..<n where scaledIm[i].isZero {
      if let b = best, scaledRe[b] <= scaledRe[i] { continue }
      best = i
    }
    return best
  }
}

/// A row-major n x n view of double-double storage, `m[i, j]`.
struct DDMatrix {
  let base: UnsafeMutablePointer<DoubleDouble>
  let n: Int

  @inline(__always)
  subscript(i: Int, j: Int) -> DoubleDouble {
    get { base[i * n + j] }
    nonmutating set { base[i * n + j] = newValue }
  }
}
