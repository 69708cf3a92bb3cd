// The Hessenberg reduction (DGEHD2) of the lanes' balanced matrices, all lanes at once.
//
// The small path's `smallHessenberg` (ilo = 0, ihi = n - 1), operation for operation, with
// lane j of every vector belonging to one matrix: the same reflectors (`smallReflector`'s
// plain form in lanes; a lane whose column needs the scaled form gets the very function
// the scalar path calls), the same sums in the same order. So every lane ends with the
// scalar reduction's bits, and the batched path stays the scalar solver's bit for bit.
//
// Lanes without a matrix (garbage: zeros, NaN) are reduced with the others; they never take
// the scaled form's scalar call, and nothing in the plain form traps on NaN or infinity.

extension BatchedSmallEigen {
  /// DGEHD2 on every lane of `H` (n x n, row-major, one matrix per lane), rows and columns
  /// 0 ... n - 1. For each column i < n - 2, with m = n - 1 - i, `alpha = h[i+1][i]` and
  /// `x = h[i+2...n-1][i]`:
  ///
  ///     ssq = sum_k x_k^2 (k = 0, 1, ... from 0),   total = alpha^2 + ssq
  ///     beta = -sign(alpha) sqrt(total),  tau = (beta - alpha) / beta,  v = [1; x / (alpha - beta)]
  ///
  /// when `ssq >= 2^-900` and `total <= 2^900` (else the lane's `scaledReflector`); then
  /// `h[i+1][i] = beta`, `x = 0`, and, unless tau = 0 (the lane is left as it is),
  ///
  ///     row r = 0 ... n-1:     s = tau (sum_k h[r][i+1+k] v_k),  h[r][i+1+k] -= s v_k
  ///     column c = i+1 ... n-1: s = tau (sum_k v_k h[i+1+k][c]),  h[i+1+k][c] -= s v_k
  ///
  /// each sum from 0 in the order k = 0 ... m - 1 (`smallHessenberg`'s). `v` holds n
  /// vectors of scratch, `scratch` `Lanes.scalarCount (n - 2)` scalars (within the solver's
  /// n^2 + 4n + 4 up to 8 lanes); only the `live` lanes may take the scaled form (the
  /// others hold no matrix).
  @inline(__always)
  static func hessenbergLanes<O: SmallOrder>(
    _ H: UnsafeMutablePointer<Lanes>, v: UnsafeMutablePointer<Lanes>, live: LaneMask,
    scratch: UnsafeMutablePointer<Double>, _: O.Type
  ) {
    let n = O.n, ihi = n &- 1
    if ihi < 2 { return }
    v[0] = Lanes(repeating: 1)
    for i in 0..<(ihi &- 1) {
      let m = ihi &- i
      let (tau, keep) = reflectorLanes(
        H + ((i &+ 1) &* n &+ i), v: v, count: m &- 1, stride: n, live: live, scratch: scratch)
      rightUpdate(H + (i &+ 1), v: v, tau: tau, m: m, rows: ihi &+ 1, n: n, keep: keep)
      leftUpdate(H + (i &+ 1) &* n, v: v, tau: tau, m: m, columns: (i &+ 1)..<n, n: n, keep: keep)
    }
  }

  /// `smallReflector` on `[alpha; x]` in every lane (`alpha = a[0]`, `x_k = a[(k + 1)
  /// stride]`, k < count): alpha becomes beta, x becomes 0, `v[1...count]` the reflector's
  /// tail. Returns tau, and the mask of the lanes with tau = 0 (those the updates leave
  /// as they are) when some `live` lane has tau = 0, else nil.
  @inline(__always)
  static func reflectorLanes(
    _ a: UnsafeMutablePointer<Lanes>, v: UnsafeMutablePointer<Lanes>, count: Int, stride: Int,
    live: LaneMask, scratch: UnsafeMutablePointer<Double>
  ) -> (Lanes, LaneMask?) {
    let alpha = a[0]
    var ssq = Lanes()
    for k in 1...count {
      let xk = a[k &* stride]
      ssq += xk * xk
    }
    let total = alpha * alpha + ssq
    let plain = (ssq .>= 0x1p-900) .& (total .<= 0x1p900)
    // -sign(alpha) sqrt(total): total > 0 in a plain lane, so that the vector minus
    // (0 - x) is the scalar one there.
    var beta = -laneCopySign(magnitude: total.squareRoot(), sign: alpha)
    var tau = (beta - alpha) / beta
    let f = 1 / (alpha - beta)
    for k in 1...count { v[k] = a[k &* stride] * f }
    let scaled = live .& .!plain
    var keep: LaneMask?
    if any(scaled) {
      // The cold path, lane by lane (lane j's x in scratch[j count ..< (j + 1) count]), on
      // the column as it was read.
      for j in 0..<Lanes.scalarCount where scaled[j] {
        let x = scratch + j &* count
        for k in 1...count { x[k &- 1] = a[k &* stride][j] }
        var aj = alpha[j]
        tau[j] = EigenSolver.scaledReflector(alpha: &aj, x: x, count: count, stride: 1)
        beta[j] = aj
        for k in 1...count { v[k][j] = x[k &- 1] }
      }
      let zero = scaled .& (tau .== 0)
      if any(zero) { keep = zero }
    }
    for k in 1...count { a[k &* stride] = Lanes() }
    a[0] = beta
    return (tau, keep)
  }

  /// The reflector from the right on `rows` rows of `h` (its columns 0 ..< m, row stride
  /// n): `s = tau (sum_k h[r][k] v_k)`, `h[r][k] -= s v_k`; lanes in `keep` unchanged.
  @inline(__always)
  static func rightUpdate(
    _ h: UnsafeMutablePointer<Lanes>, v: UnsafeMutablePointer<Lanes>, tau: Lanes, m: Int, rows: Int, n: Int,
    keep: LaneMask?
  ) {
    for r in 0..<rows {
      let row = h + r &* n
      var s = Lanes()
      for k in 0..<m { s += row[k] * v[k] }
      s *= tau
      if let keep {
        for k in 0..<m { row[k] = select(keep, row[k], row[k] - s * v[k]) }
      } else {
        for k in 0..<m { row[k] -= s * v[k] }
      }
    }
  }

  /// The reflector from the left on the `columns` of `h` (its rows 0 ..< m, row stride n):
  /// `s = tau (sum_k v_k h[k][c])`, `h[k][c] -= s v_k`; lanes in `keep` unchanged.
  @inline(__always)
  static func leftUpdate(
    _ h: UnsafeMutablePointer<Lanes>, v: UnsafeMutablePointer<Lanes>, tau: Lanes, m: Int, columns: Range<Int>,
    n: Int, keep: LaneMask?
  ) {
    for c in columns {
      var s = Lanes()
      for k in 0..<m { s += v[k] * h[k &* n &+ c] }
      s *= tau
      if let keep {
        for k in 0..<m { h[k &* n &+ c] = select(keep, h[k &* n &+ c], h[k &* n &+ c] - s * v[k]) }
      } else {
        for k in 0..<m { h[k &* n &+ c] -= s * v[k] }
      }
    }
  }
}
