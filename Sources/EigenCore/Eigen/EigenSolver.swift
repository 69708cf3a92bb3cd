/// The native real non-symmetric eigen solver.
///
/// Pipeline (LAPACK DGEEV for small N, written in Swift):
/// 1. scaling by a power of two to max|a_ij| in [1, 2) (exact) when the entries are
///    huge, tiny or span more than 2^600;
/// 2. balancing (DGEBAL): permutations isolating eigenvalues, then power-of-two
///    diagonal scaling with row and column 2-norms;
/// 3. Householder reduction to upper Hessenberg form (DGEHD2), accumulating Q;
/// 4. Francis implicit double-shift QR (DLAHQR) with the Ahues-Tisseur deflation
///    test, exceptional shifts every 10 iterations without deflation, and the hard
///    bound `30 * max(10, nh)` iterations per eigenvalue: past it the solver throws
///    `EigenError.didNotConverge`, it never hangs;
/// 5. 2 x 2 blocks standardised (DLANV2): real eigenvalues have imaginary part
///    exactly 0, complex ones come as exact conjugate pairs (positive imaginary
///    part first).
///
/// Eigenvectors of a chosen eigenvalue are found by back-substitution on the
/// quasi-triangular Schur form `T` (right) or forward substitution (left), with a
/// perturbed pivot `smin = max(ulp * |lambda|, smlnum)` at repeated eigenvalues,
/// then back-transformed with the Schur vectors and the balancing. When balancing may
/// have amplified the backward error (`keepBackwardStableVectors`), the vectors'
/// residuals are checked and the unbalanced factorisation used instead if needed.
///
/// A solver is a reusable workspace: `factor` overwrites it, and after the first
/// call for a given N it allocates nothing.
public struct EigenSolver: Sendable {
  /// Order of the last factored matrix.
  public private(set) var n = 0
  /// Whether the last factorisation kept the Schur form and Schur vectors.
  public private(set) var hasSchurVectors = false

  // Row-major n x n buffers (capacity may exceed n * n).
  var h: [Double] = []
  var z: [Double] = []
  var wr: [Double] = []
  var wi: [Double] = []
  /// Balancing scale factors D (the balanced matrix is D^-1 P A P^T D).
  var dscale: [Double] = []
  /// Balancing permutations, as swaps (i, j) in the order they were applied.
  var swapA: [Int] = []
  var swapB: [Int] = []
  var swapCount = 0
  var work: [Double] = []
  var ilo = 0
  var ihi = 0
  /// The input was multiplied by 2^-scaleExponent before the factorisation.
  var scaleExponent = 0
  /// QR iterations spent by the last factorisation.
  public private(set) var iterations = 0
  /// What `keepBackwardStableVectors` did in the last factorisation (for tests).
  var vectorCheck = VectorCheck.notNeeded

  /// Outcome of the eigenvector residual check after balancing.
  enum VectorCheck: Equatable, Sendable {
    /// Balancing's amplification stayed within the limit (or no vectors, no balancing).
    case notNeeded
    /// Checked: the balanced factorisation was kept (its vectors pass, or fail less than
    /// the unbalanced ones and `inaccurateEigenvectors` was thrown).
    case balancedKept
    /// The balanced vectors failed; the unbalanced factorisation was kept.
    case unbalancedKept
  }
  /// Whether `factor` may take the small-order fast path (SmallEigen.swift); `false`
  /// forces the general path (for tests comparing the two).
  var smallPathEnabled = true

  public init() {}

  /// A solver with buffers ready for matrices up to order `capacity`.
  public init(capacity: Int) {
    reserve(capacity)
  }

  mutating func reserve(_ n: Int) {
    if h.count < n * n {
      h = [Double](repeating: 0, count: n * n)
      z = [Double](repeating: 0, count: n * n)
    }
    if wr.count < n {
      wr = [Double](repeating: 0, count: n)
      wi = [Double](repeating: 0, count: n)
      dscale = [Double](repeating: 1, count: n)
      swapA = [Int](repeating: 0, count: n)
      swapB = [Int](repeating: 0, count: n)
      work = [Double](repeating: 0, count: 4 * n + 8)
    }
  }

  // MARK: - Factorisation

  /// Factors a matrix given as row-major storage of order `n`.
  ///
  /// - Parameters:
  ///   - a: `n * n` entries, row-major.
  ///   - vectors: keep the full Schur form and Schur vectors, needed for
  ///     eigenvectors; `false` computes eigenvalues only (faster).
  ///   - balance: balance first (default); `false` is for tests of the stages.
  public mutating func factor(
    _ a: UnsafeBufferPointer<Double>, n: Int, vectors: Bool, balance: Bool = true
  ) throws(EigenError) {
    guard n >= 1, a.count >= n * n else { throw .badShape(rows: n, cols: n) }
    if n <= Self.smallOrderLimit && smallPathEnabled,
      let its = factorSmall(a, n: n, vectors: vectors, balance: balance)
    {
      (self.n, iterations, hasSchurVectors) = (n, its, vectors)
      vectorCheck = .notNeeded
      // The rare balancing whose amplification calls for the eigenvector check: the
      // general path factors it again and checks (see `keepBackwardStableVectors`).
      if !(vectors && balance && n > 1 && balancingNeedsVectorCheck(a)) { return }
    }
    for k in 0..<(n * n) where !a[k].isFinite {
      throw .nonFinite(row: k / n, col: k % n, value: a[k])
    }
    reserve(n)
    self.n = n
    self.hasSchurVectors = false
    self.iterations = 0
    // Largest and smallest nonzero magnitudes.
    var maxAbs = 0.0, minAbs = Double.infinity
    for k in 0..<(n * n) {
      let x = abs(a[k])
      maxAbs = max(maxAbs, x)
      if x != 0 { minAbs = min(minAbs, x) }
    }
    // Exact scaling by 2^-e, e = exponent of max|a_ij|, to max|a_ij| in [1, 2), when the
    // entries are huge or tiny (outside [2^-400, 2^400]) or span more than 2^600. A power of
    // two changes no rounding; only entries below 2^(e-1074) are lost, a perturbation of at
    // most 2^-1074 |A|. The fixed range keeps the absolute thresholds of the later stages
    // (DGEBAL's limits on the scale factors, the deflation tests' smallest numbers) in
    // proportion to |A|: on a 3 x 3 of norm 2^302 with entries down to 1e-312, balancing
    // unscaled spanned 2^764 and dropped a coupling that mattered (fuzz finding 7).
    // (The eigenvector solves' perturbed pivots, `smin * p / |p|`, are safe at any scale.)
    // Matrices of ordinary range are factored as given (bit for bit as before).
    let wide = maxAbs > 0x1p400 || maxAbs < 0x1p-400 || minAbs < maxAbs * 0x1p-600
    scaleExponent = maxAbs > 0 && wide ? Int(maxAbs.exponent) : 0
    load(a)
    vectorCheck = .notNeeded
    do throws(EigenError) {
      try run(vectors: vectors, balance: balance)
    } catch {
      // The QR iteration can stall on a balanced matrix whose scale factors span a huge
      // range while the matrix itself converges (found by the fuzz target): only then,
      // try once more without balancing before reporting didNotConverge.
      guard case .didNotConverge = error, balance, n > 1 else { throw error }
      load(a)
      try run(vectors: vectors, balance: false)
    }
    hasSchurVectors = vectors
    if vectors && balance && n > 1 { try keepBackwardStableVectors(a) }
    try scaleEigenvaluesBack()
  }

  /// Entry `k` of the input scaled by `2^-scaleExponent`, in two exact halves: for
  /// all-denormal input the exponent is below -1023 and `2^-e` alone would overflow.
  @inline(__always)
  private func scaled(_ a: UnsafeBufferPointer<Double>, _ k: Int) -> Double {
    let half1 = Double(sign: .plus, exponent: -(scaleExponent / 2), significand: 1)
    let half2 = Double(sign: .plus, exponent: -(scaleExponent - scaleExponent / 2), significand: 1)
    return (a[k] * half1) * half2
  }

  /// Copies the scaled input into the working matrix.
  private mutating func load(_ a: UnsafeBufferPointer<Double>) {
    let half1 = Double(sign: .plus, exponent: -(scaleExponent / 2), significand: 1)
    let half2 = Double(sign: .plus, exponent: -(scaleExponent - scaleExponent / 2), significand: 1)
    let count = n * n
    h.withUnsafeMutableBufferPointer { hb in
      for k in 0..<count { hb[k] = (a[k] * half1) * half2 }
    }
  }

  /// Above this a-priori amplification `kappa(D) |B|_F / |A|_F` of the balancing, the
  /// eigenvectors' residuals are checked (see `keepBackwardStableVectors`).
  static let balancingAmplificationLimit = 4.0

  /// Guards the eigenvectors against balancing (LAPACK DGEEV shares the problem).
  ///
  /// The QR algorithm is backward stable for the balanced matrix `B = D^-1 A D`: it
  /// factors `B + E` with `|E| <= c ulp |B|`, which is `A + D E D^-1` for the input, a
  /// perturbation of up to `c ulp |B| kappa(D)`, `kappa(D) = max d_i / min d_i`. A
  /// right eigenvector `v = D w` has the residual `A v - lambda v = D (B - lambda) w`,
  /// so its DGET22 ratio is at most `amp` times the balanced one, with
  ///
  ///     amp = kappa(D) |B|_F / |A|_F.
  ///
  /// Balancing a matrix `D0 R D0^-1` with `R` well scaled gives `amp ~ 1` (it undoes
  /// `D0`), but on graded matrices it can stretch by far more than it reduces the norm:
  /// a deflation negligible in `B` then becomes a residual of order `|A|` (ratios from
  /// 20 to 1/ulp were measured for `amp` from 8 up; never above 16 for `amp <= 8` over
  /// 10^5 random graded matrices, and gaussian matrices stay below `amp = 4`). So only
  /// when `amp > balancingAmplificationLimit` are the residual ratios of all right and
  /// left eigenvectors computed (DGET22, against the scaled input). When they exceed
  /// `LAPACKTest.threshold`, the unbalanced factorisation (normwise backward stable for
  /// `A` itself) is computed and the better of the two kept; if neither passes, the
  /// vectors would be garbage and `EigenError.inaccurateEigenvectors` is thrown. Past
  /// `kappa(D) = 2^100` the check runs whatever `amp` says (see the code).
  /// Ordinary matrices pay one O(n) test and no O(n^2) work.
  private mutating func keepBackwardStableVectors(_ a: UnsafeBufferPointer<Double>) throws(EigenError) {
    guard balancingNeedsVectorCheck(a) else { return }
    let input = Matrix(rows: n, cols: n, storage: (0..<(n * n)).map { scaled(a, $0) })
    let balanced = worstResidualRatio(input)
    let threshold = LAPACKTest.threshold
    vectorCheck = .balancedKept
    if balanced <= threshold { return }
    load(a)
    var plain = Double.infinity
    do throws(EigenError) {
      try run(vectors: true, balance: false)
      plain = worstResidualRatio(input)
    } catch {
      plain = .infinity  // did not converge: keep the balanced one
    }
    if plain > balanced {
      load(a)
      try run(vectors: true, balance: true)
    } else {
      vectorCheck = .unbalancedKept
    }
    let worst = min(plain, balanced)
    if worst > threshold {
      throw .inaccurateEigenvectors(residualRatio: worst.isFinite ? worst : LAPACKTest.failureRatio)
    }
  }

  /// Whether the last balanced factorisation of `a` (with its Schur form in `h`) calls for
  /// the eigenvector residual check: `amp = kappa(D) |B|_F / |A|_F` above
  /// `balancingAmplificationLimit`, or `kappa(D)` above 2^100. One O(n) test when
  /// `kappa(D)` is within the limit (ordinary matrices), O(n^2) otherwise.
  func balancingNeedsVectorCheck(_ a: UnsafeBufferPointer<Double>) -> Bool {
    let limit = Self.balancingAmplificationLimit
    let kappa = balancingRange()
    guard kappa > limit else { return false }
    // |B|_F = |T|_F (orthogonal similarity); |A|_F of the input as factored. Scaled sums
    // of squares: balancing can shrink the norm by hundreds of orders of magnitude (|B|
    // ~ 1e-200 for |A| ~ 1 was found), and plain squares would underflow to amp = 0.
    var bb = ScaledSumOfSquares(), aa = ScaledSumOfSquares()
    for k in 0..<(n * n) {
      bb.add(h[k])
      aa.add(scaled(a, k))
    }
    // Past kappa(D) = 2^100 the check runs whatever amp says: the bound assumes the
    // balanced vectors pass in B, and a balanced B of norm 1e-140 with a block at 1e-280
    // (|A| ~ 1) was found whose vectors fail even there (ratio 2.5e10, amp 1.4).
    return kappa * (bb.norm / aa.norm) > limit || kappa > 0x1p100
  }

  /// The ratio of the largest to the smallest balancing scale factor (`kappa(D)`).
  func balancingRange() -> Double {
    var lo = Double.infinity, hi = 0.0
    for i in 0..<n {
      lo = min(lo, dscale[i])
      hi = max(hi, dscale[i])
    }
    return hi / lo
  }

  /// The worst DGET22 ratio of every right and left eigenvector against `a`, the
  /// matrix as factored (scaled, before balancing), with the eigenvalues as computed
  /// (before they are scaled back); +inf when a vector cannot be formed or is not finite.
  func worstResidualRatio(_ a: Matrix) -> Double {
    var values: [Complex] = []
    var rights: [[Complex]] = []
    var lefts: [[Complex]] = []
    for i in 0..<n {
      values.append(eigenvalue(i))
      guard let r = try? rightEigenvector(i), let l = try? leftEigenvector(i),
        r.allSatisfy(\.isFinite), l.allSatisfy(\.isFinite)
      else { return .infinity }
      rights.append(r)
      lefts.append(l)
    }
    let worst = max(
      rightResidualRatio(a: a, eigenvalues: values, vectors: rights),
      leftResidualRatio(a: a, eigenvalues: values, vectors: lefts))
    return worst.isNaN ? .infinity : worst
  }

  /// Multiplies the eigenvalues by `2^e`, undoing the scaling of `factor`: exact unless
  /// it overflows (an eigenvalue of a matrix with entries near the largest double may
  /// exceed it by rounding; it is then returned as the largest finite double, within
  /// the backward error; further out it is `EigenError.eigenvalueOverflow`) or
  /// underflows into denormals (rounding to the output format; a nonzero imaginary
  /// part is kept nonzero).
  private mutating func scaleEigenvaluesBack() throws(EigenError) {
    if scaleExponent == 0 { return }
    let f1 = Double(sign: .plus, exponent: scaleExponent / 2, significand: 1)
    let f2 = Double(sign: .plus, exponent: scaleExponent - scaleExponent / 2, significand: 1)
    var overflow: Int? = nil
    func back(_ v: Double) -> Double {
      let r = (v * f1) * f2
      if r.isFinite || !v.isFinite { return r }
      // Past the largest double by rounding only (within 16 ulps): clamp.
      if abs(v * f1) <= (Double.greatestFiniteMagnitude / f2) * (1 + 16 * Double.ulpOfOne) {
        return r < 0 ? -Double.greatestFiniteMagnitude : .greatestFiniteMagnitude
      }
      overflow = Int((v * f1).exponent) + Int(f2.exponent)
      return r
    }
    for i in 0..<n {
      wr[i] = back(wr[i])
      // A complex pair stays a complex pair: an imaginary part that underflows is
      // returned as the smallest denormal of its sign (an error below 2^-1074, the
      // spacing of the output format there), never 0. A 0 would also make the
      // eigenvector code take the pair's 2 x 2 Schur block for a 1 x 1 one.
      let im = back(wi[i])
      wi[i] = im == 0 && wi[i] != 0 ? Double(sign: wi[i].sign, exponent: -1074, significand: 1) : im
    }
    if let e = overflow { throw .eigenvalueOverflow(magnitudeExponent: e) }
  }

  /// Factors a square `Matrix`.
  public mutating func factor(_ m: Matrix, vectors: Bool, balance: Bool = true) throws(EigenError) {
    guard m.rows == m.cols, m.rows >= 1 else { throw .badShape(rows: m.rows, cols: m.cols) }
    // Typed throws through a closure: capture the error and rethrow.
    var failure: EigenError?
    m.storage.withUnsafeBufferPointer { buf in
      do throws(EigenError) {
        try self.factor(buf, n: m.rows, vectors: vectors, balance: balance)
      } catch {
        failure = error
      }
    }
    if let failure { throw failure }
  }

  private mutating func run(vectors: Bool, balance doBalance: Bool) throws(EigenError) {
    let n = self.n
    // Move the buffers out of self so that they can be used through pointers
    // without overlapping accesses; they are moved back before returning.
    var hB: [Double] = [], zB: [Double] = [], wB: [Double] = [], dB: [Double] = []
    var saB: [Int] = [], sbB: [Int] = [], wrB: [Double] = [], wiB: [Double] = []
    swap(&hB, &h); swap(&zB, &z); swap(&wB, &work); swap(&dB, &dscale)
    swap(&saB, &swapA); swap(&sbB, &swapB); swap(&wrB, &wr); swap(&wiB, &wi)
    defer {
      swap(&hB, &h); swap(&zB, &z); swap(&wB, &work); swap(&dB, &dscale)
      swap(&saB, &swapA); swap(&sbB, &swapB); swap(&wrB, &wr); swap(&wiB, &wi)
    }
    var lo = 0, hi = n - 1, count = 0
    var result: Result<Int, EigenError> = .success(0)
    hB.withUnsafeMutableBufferPointer { hb in
      zB.withUnsafeMutableBufferPointer { zb in
        wB.withUnsafeMutableBufferPointer { wb in
          dB.withUnsafeMutableBufferPointer { db in
            saB.withUnsafeMutableBufferPointer { sab in
              sbB.withUnsafeMutableBufferPointer { sbb in
                wrB.withUnsafeMutableBufferPointer { wrb in
                  wiB.withUnsafeMutableBufferPointer { wib in
                    let H = hb.baseAddress!, Z = zb.baseAddress!, W = wb.baseAddress!
                    if doBalance {
                      (lo, hi, count) = Self.balance(
                        H, n: n, d: db.baseAddress!, swapA: sab.baseAddress!,
                        swapB: sbb.baseAddress!)
                    } else {
                      for i in 0..<n { db[i] = 1 }
                    }
                    if vectors {
                      for k in 0..<(n * n) { Z[k] = 0 }
                      for i in 0..<n { Z[i * n + i] = 1 }
                    }
                    Self.hessenberg(H, Z, n: n, ilo: lo, ihi: hi, vectors: vectors, v: W)
                    do throws(EigenError) {
                      result = .success(
                        try Self.francisQR(
                          H, Z, n: n, ilo: lo, ihi: hi, wantT: vectors, wantZ: vectors,
                          wr: wrb.baseAddress!, wi: wib.baseAddress!))
                    } catch {
                      result = .failure(error)
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    ilo = lo
    ihi = hi
    swapCount = count
    switch result {
    case .success(let its): iterations = its
    case .failure(let e): throw e
    }
  }

  // MARK: - Balancing

  /// Balances H in place (DGEBAL 'B'); returns (ilo, ihi, number of swaps).
  private static func balance(
    _ H: UnsafeMutablePointer<Double>, n: Int, d: UnsafeMutablePointer<Double>,
    swapA: UnsafeMutablePointer<Int>, swapB: UnsafeMutablePointer<Int>
  ) -> (Int, Int, Int) {
    for i in 0..<n { d[i] = 1 }
    var swaps = 0
    var k = 0
    var l = n - 1
    func swap(_ i: Int, _ j: Int) {
      if i != j {
        for c in 0..<n {
          let t = H[i * n + c]
          H[i * n + c] = H[j * n + c]
          H[j * n + c] = t
        }
        for r in 0..<n {
          let t = H[r * n + i]
          H[r * n + i] = H[r * n + j]
          H[r * n + j] = t
        }
      }
      swapA[swaps] = i
      swapB[swaps] = j
      swaps += 1
    }
    // Rows isolating an eigenvalue go to the bottom.
    var searching = n > 1
    rowSearch: while searching {
      searching = false
      var i = l
      while i >= 0 {
        var isolated = true
        for j in 0...l where j != i && H[i * n + j] != 0 {
          isolated = false
          break
        }
        if isolated {
          swap(l, i)
          if l == 0 { break rowSearch }
          l -= 1
          searching = true
          break
        }
        i -= 1
      }
    }
    // Columns isolating an eigenvalue go to the top.
    searching = n > 1 && l > 0
    while searching {
      searching = false
      var j = k
      while j <= l {
        var isolated = true
        for i in k...l where i != j && H[i * n + j] != 0 {
          isolated = false
          break
        }
        if isolated {
          swap(k, j)
          k += 1
          searching = k < l
          break
        }
        j += 1
      }
    }
    if k >= l { return (k, max(k, l), swaps) }
    // Scaling: powers of two, 2-norms of row and column within ilo..ihi.
    let sclfac = 2.0, factor = 0.95
    let sfmin1 = Machine.safmin / Machine.ulp
    let sfmax1 = 1 / sfmin1
    let sfmin2 = sfmin1 * sclfac
    let sfmax2 = 1 / sfmin2
    var sweeps = 0
    var noconv = true
    while noconv && sweeps < 200 {
      noconv = false
      sweeps += 1
      for i in k...l {
        // Row and column 2-norms within ilo...ihi: plain sums of squares when they
        // stay in [2^-900, 2^900] (no entry then over- or underflows harmfully),
        // the scaled forms otherwise.
        var csq = 0.0, rsq = 0.0
        for j in k...l {
          let cv = H[j * n + i], rv = H[i * n + j]
          csq += cv * cv
          rsq += rv * rv
        }
        var c = csq.squareRoot(), r = rsq.squareRoot()
        if !(csq >= 0x1p-900 && csq <= 0x1p900 && rsq >= 0x1p-900 && rsq <= 0x1p900) {
          c = stridedNorm2(H + k * n + i, count: l - k + 1, stride: n)
          r = stridedNorm2(H + i * n + k, count: l - k + 1, stride: 1)
        }
        var ca = 0.0
        for j in 0...l { ca = max(ca, abs(H[j * n + i])) }
        var ra = 0.0
        for j in k..<n { ra = max(ra, abs(H[i * n + j])) }
        if c == 0 || r == 0 { continue }
        var g = r / sclfac
        var f = 1.0
        let s = c + r
        var guardLoop = 0
        while c < g && max(f, max(c, ca)) < sfmax2 && min(r, min(g, ra)) > sfmin2 && guardLoop < 2100 {
          f *= sclfac
          c *= sclfac
          ca *= sclfac
          r /= sclfac
          g /= sclfac
          ra /= sclfac
          guardLoop += 1
        }
        g = c / sclfac
        while g >= r && max(r, ra) < sfmax2 && min(min(f, c), min(g, ca)) > sfmin2 && guardLoop < 4200 {
          f /= sclfac
          c /= sclfac
          g /= sclfac
          ca /= sclfac
          r *= sclfac
          ra *= sclfac
          guardLoop += 1
        }
        if c + r >= factor * s { continue }
        if f < 1 && d[i] < 1 && f * d[i] <= sfmin1 { continue }
        if f > 1 && d[i] > 1 && d[i] >= sfmax1 / f { continue }
        let gi = 1 / f
        d[i] *= f
        noconv = true
        for j in k..<n { H[i * n + j] *= gi }
        for j in 0...l { H[j * n + i] *= f }
      }
    }
    return (k, l, swaps)
  }

  // MARK: - Hessenberg reduction

  /// Householder reduction of rows/columns ilo...ihi to upper Hessenberg form
  /// (DGEHD2), `B = Q H Q^T`; when `vectors`, Z is set to Q (DORGHR).
  ///
  /// Reflector `i` is `P_i = I - tau_i w w^T`, `w = [0 (i+1 entries); 1; v_i]`,
  /// chosen so that `P_i` zeroes column i below the subdiagonal; H becomes
  /// `P_i H P_i` by two rank-1 updates: from the right, `H <- H - (tau_i H w) w^T`
  /// (rows 0...ihi: a dot product per row), and from the left,
  /// `H <- H - w (tau_i w^T H)` (rows i+1...ihi, columns i+1..<n: row by row, so
  /// that every inner loop runs along a contiguous row). `v_i` is kept in column i
  /// below the subdiagonal and `tau_i` in `v[i]` until the end; then
  /// `Q = P_ilo P_ilo+1 ... P_ihi-2` is formed backwards, `Q <- P_i Q` from
  /// `Q = I` for i descending, each touching rows and columns i+1...ihi only (about
  /// 2/3 of the forward accumulation's work), and the stored vectors are zeroed.
  ///
  /// - Parameters:
  ///   - Z: n x n; when `vectors`, overwritten with Q (identity outside ilo...ihi).
  ///   - v: workspace of at least `3 n + 1` doubles.
  static func hessenberg(
    _ H: UnsafeMutablePointer<Double>, _ Z: UnsafeMutablePointer<Double>, n: Int,
    ilo: Int, ihi: Int, vectors: Bool, v: UnsafeMutablePointer<Double>
  ) {
    if vectors {
      for k in 0..<(n * n) { Z[k] = 0 }
      for r in 0..<n { Z[r * n + r] = 1 }
    }
    if ihi - ilo < 2 { return }
    let taus = v, s = v + n, w = v + 2 * n
    for i in ilo..<(ihi - 1) {
      var alpha = H[(i + 1) * n + i]
      let m = ihi - i  // length of w's nonzero part [1; v_i]
      let tau = householder(alpha: &alpha, x: H + (i + 2) * n + i, count: m - 1, stride: n)
      taus[i] = tau
      w[0] = 1
      for k in 1..<m { w[k] = H[(i + 1 + k) * n + i] }
      H[(i + 1) * n + i] = alpha
      if tau == 0 { continue }
      // From the right: rows 0...ihi, columns i+1...ihi.
      for r in 0...ihi {
        let row = H + r * n + i + 1
        let d = tau * dot4(row, w, count: m)
        if d != 0 { for k in 0..<m { row[k] -= d * w[k] } }
      }
      // From the left: rows i+1...ihi, columns i+1..<n.
      applyReflectorLeft(
        H + (i + 1) * n + i + 1, ld: n, rows: m, cols: n - i - 1, v: w, tau: tau, s: s)
    }
    if vectors {
      var i = ihi - 2
      while i >= ilo {
        let m = ihi - i
        let tau = taus[i]
        if tau != 0 {
          w[0] = 1
          for k in 1..<m { w[k] = H[(i + 1 + k) * n + i] }
          applyReflectorLeft(Z + (i + 1) * n + i + 1, ld: n, rows: m, cols: m, v: w, tau: tau, s: s)
        }
        i -= 1
      }
    }
    for i in ilo..<(ihi - 1) {
      for r in (i + 2)...ihi { H[r * n + i] = 0 }
    }
  }

  // MARK: - Francis double-shift QR (DLAHQR)

  /// Returns the number of QR iterations. Throws when an eigenvalue does not
  /// converge within `30 * max(10, nh)` iterations.
  ///
  /// Each double-shift step applies a 3-reflector `P = I - t1 [1 v2 v3]^T [1 v2 v3]`
  /// to rows k...k+2 of H (`H <- P H`), to columns k...k+2 of H (`H <- H P`) and,
  /// when `wantZ`, to columns k...k+2 of Z (`Z <- Z P`). Z is row-major, so its
  /// columns are strided: for the sweep Z is transposed in place (`Z^T <- P Z^T`, a
  /// contiguous 3-row update like H's) and transposed back before returning.
  ///
  /// The column updates `H <- H P` of a sweep are split: rows that the sweep's later
  /// row updates still read (k+1...k+3 at step k) are updated at once; the rows
  /// above (i1...k) only ever meet column updates again, so their updates are
  /// deferred to the end of the sweep and applied one row at a time, every
  /// reflector in turn along the row, from the sweep's stored (v2, v3, t1). Each
  /// entry gets the same operations in the same order, so the result is the same
  /// bits; the deferred pass reads each row once instead of once per reflector.
  /// The reflectors need `3 nh` doubles: on the stack (up to nh = 256; beyond, and
  /// for nh < 12, the updates are all done at once).
  private static func francisQR(
    _ H: UnsafeMutablePointer<Double>, _ Z: UnsafeMutablePointer<Double>, n: Int,
    ilo: Int, ihi: Int, wantT: Bool, wantZ: Bool,
    wr: UnsafeMutablePointer<Double>, wi: UnsafeMutablePointer<Double>
  ) throws(EigenError) -> Int {
    let nh = ihi - ilo + 1
    var result: Result<Int, EigenError> = .success(0)
    func sweeps(_ refl: UnsafeMutablePointer<Double>?) {
      do throws(EigenError) {
        result = .success(
          try francisSweeps(
            H, Z, n: n, ilo: ilo, ihi: ihi, wantT: wantT, wantZ: wantZ, wr: wr, wi: wi, refl: refl))
      } catch {
        result = .failure(error)
      }
    }
    if nh < 12 {
      sweeps(nil)
    } else if nh <= 42 {
      // At most 1008 bytes: withUnsafeTemporaryAllocation stays on the stack.
      withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * nh) { sweeps($0.baseAddress!) }
    } else if nh <= 256 {
      var stack = InlineArray<768, Double>(repeating: 0)
      var span = stack.mutableSpan
      span.withUnsafeMutableBufferPointer { sweeps($0.baseAddress!) }
    } else {
      sweeps(nil)
    }
    return try result.get()
  }

  /// `francisQR` with the sweep's reflectors stored in `refl` (3 doubles per step)
  /// when it is not nil, for the deferred column updates.
  private static func francisSweeps(
    _ H: UnsafeMutablePointer<Double>, _ Z: UnsafeMutablePointer<Double>, n: Int,
    ilo: Int, ihi: Int, wantT: Bool, wantZ: Bool,
    wr: UnsafeMutablePointer<Double>, wi: UnsafeMutablePointer<Double>,
    refl: UnsafeMutablePointer<Double>?
  ) throws(EigenError) -> Int {
    @inline(__always) func at(_ i: Int, _ j: Int) -> UnsafeMutablePointer<Double> { H + i * n + j }
    // Eigenvalues isolated by balancing.
    for i in 0..<n where i < ilo || i > ihi {
      wr[i] = H[i * n + i]
      wi[i] = 0
    }
    if ilo == ihi {
      wr[ilo] = H[ilo * n + ilo]
      wi[ilo] = 0
      return 0
    }
    // Zt = Z^T during the sweep (see above).
    if wantZ { transposeInPlace(Z, n: n) }
    defer { if wantZ { transposeInPlace(Z, n: n) } }
    let zlen = ihi - ilo + 1
    // Clear out the trash below the first subdiagonal.
    if ihi - ilo >= 3 {
      for j in ilo...(ihi - 3) {
        at(j + 2, j).pointee = 0
        at(j + 3, j).pointee = 0
      }
    }
    if ilo <= ihi - 2 { at(ihi, ihi - 2).pointee = 0 }

    let nh = ihi - ilo + 1
    let ulp = Machine.ulp
    let smlnum = Machine.safmin * (Double(nh) / ulp)
    let itmax = 30 * max(10, nh)
    let kexsh = 10
    let dat1 = 0.75, dat2 = -0.4375
    var totalIterations = 0
    var kdefl = 0
    var i = ihi
    var i1 = 0, i2 = n - 1
    var v = (0.0, 0.0, 0.0)

    while i >= ilo {
      var l = ilo
      var converged = false
      var its = 0
      while its <= itmax {
        // Look for a single small subdiagonal element (Ahues-Tisseur test).
        var k = i
        while k > l {
          let hkk1 = abs(at(k, k - 1).pointee)
          if hkk1 <= smlnum { break }
          var tst = abs(at(k - 1, k - 1).pointee) + abs(at(k, k).pointee)
          if tst == 0 {
            if k - 2 >= ilo { tst += abs(at(k - 1, k - 2).pointee) }
            if k + 1 <= ihi { tst += abs(at(k + 1, k).pointee) }
          }
          if hkk1 <= ulp * tst {
            let hk1k = abs(at(k - 1, k).pointee)
            let ab = max(hkk1, hk1k)
            let ba = min(hkk1, hk1k)
            let dkk = abs(at(k, k).pointee)
            let diff = abs(at(k - 1, k - 1).pointee - at(k, k).pointee)
            let aa = max(dkk, diff)
            let bb = min(dkk, diff)
            let s = aa + ab
            if ba * (ab / s) <= max(smlnum, ulp * (bb * (aa / s))) { break }
          }
          k -= 1
        }
        l = k
        if l > ilo { at(l, l - 1).pointee = 0 }
        if l >= i - 1 {
          converged = true
          break
        }
        kdefl += 1
        totalIterations += 1
        if !wantT {
          i1 = l
          i2 = i
        }
        var h11: Double, h12: Double, h21: Double, h22: Double
        if kdefl % (2 * kexsh) == 0 {
          let s = abs(at(i, i - 1).pointee) + abs(at(i - 1, i - 2).pointee)
          h11 = dat1 * s + at(i, i).pointee
          h12 = dat2 * s
          h21 = s
          h22 = h11
        } else if kdefl % kexsh == 0 {
          let s = abs(at(l + 1, l).pointee) + abs(at(l + 2, l + 1).pointee)
          h11 = dat1 * s + at(l, l).pointee
          h12 = dat2 * s
          h21 = s
          h22 = h11
        } else {
          h11 = at(i - 1, i - 1).pointee
          h21 = at(i, i - 1).pointee
          h12 = at(i - 1, i).pointee
          h22 = at(i, i).pointee
        }
        var rt1r = 0.0, rt1i = 0.0, rt2r = 0.0, rt2i = 0.0
        let s0 = abs(h11) + abs(h12) + abs(h21) + abs(h22)
        if s0 != 0 {
          h11 /= s0
          h21 /= s0
          h12 /= s0
          h22 /= s0
          let tr = (h11 + h22) / 2
          let det = (h11 - tr) * (h22 - tr) - h12 * h21
          let rtdisc = abs(det).squareRoot()
          if det >= 0 {
            rt1r = tr * s0
            rt2r = rt1r
            rt1i = rtdisc * s0
            rt2i = -rt1i
          } else {
            rt1r = tr + rtdisc
            rt2r = tr - rtdisc
            if abs(rt1r - h22) <= abs(rt2r - h22) {
              rt1r *= s0
              rt2r = rt1r
            } else {
              rt2r *= s0
              rt1r = rt2r
            }
            rt1i = 0
            rt2i = 0
          }
        }
        // Look for two consecutive small subdiagonal elements.
        var m = i - 2
        while true {
          var h21s = at(m + 1, m).pointee
          var s = abs(at(m, m).pointee - rt2r) + abs(rt2i) + abs(h21s)
          h21s = at(m + 1, m).pointee / s
          v.0 = h21s * at(m, m + 1).pointee + (at(m, m).pointee - rt1r) * ((at(m, m).pointee - rt2r) / s)
            - rt1i * (rt2i / s)
          v.1 = h21s * (at(m, m).pointee + at(m + 1, m + 1).pointee - rt1r - rt2r)
          v.2 = h21s * at(m + 2, m + 1).pointee
          s = abs(v.0) + abs(v.1) + abs(v.2)
          v.0 /= s
          v.1 /= s
          v.2 /= s
          if m == l { break }
          let h00 = abs(at(m, m - 1).pointee) * (abs(v.1) + abs(v.2))
          let h01 = ulp * abs(v.0)
            * (abs(at(m - 1, m - 1).pointee) + abs(at(m, m).pointee) + abs(at(m + 1, m + 1).pointee))
          if h00 <= h01 { break }
          m -= 1
        }
        // Double-shift QR step.
        for k in m...(i - 1) {
          let nr = min(3, i - k + 1)
          if k > m {
            v.0 = at(k, k - 1).pointee
            v.1 = at(k + 1, k - 1).pointee
            if nr == 3 { v.2 = at(k + 2, k - 1).pointee }
          }
          var t1 = 0.0
          withUnsafeMutablePointer(to: &v) { vp in
            vp.withMemoryRebound(to: Double.self, capacity: 3) { p in
              t1 = householder(alpha: &p[0], x: p + 1, count: nr - 1, stride: 1)
            }
          }
          if k > m {
            at(k, k - 1).pointee = v.0
            at(k + 1, k - 1).pointee = 0
            if k < i - 1 { at(k + 2, k - 1).pointee = 0 }
          } else if m > l {
            // Avoids a bug when v.1 and v.2 underflow (LAPACK).
            at(k, k - 1).pointee *= (1 - t1)
          }
          let v2 = v.1
          let t2 = t1 * v2
          if nr == 3 {
            let v3 = v.2
            let t3 = t1 * v3
            applyReflector3Rows(at(k, k), ld: n, count: i2 - k + 1, v2: v2, v3: v3, t1: t1, t2: t2, t3: t3)
            var first = i1
            if let R = refl {
              // Rows i1...k: deferred to the end of the sweep.
              R[3 * (k - m)] = v2
              R[3 * (k - m) + 1] = v3
              R[3 * (k - m) + 2] = t1
              first = k + 1
            }
            for j in first...min(k + 3, i) {
              let row = H + j * n + k
              let sum = row[0] + v2 * row[1] + v3 * row[2]
              row[0] -= sum * t1
              row[1] -= sum * t2
              row[2] -= sum * t3
            }
            if wantZ {
              applyReflector3Rows(Z + k * n + ilo, ld: n, count: zlen, v2: v2, v3: v3, t1: t1, t2: t2, t3: t3)
            }
          } else if nr == 2 {
            for j in k...i2 {
              let sum = at(k, j).pointee + v2 * at(k + 1, j).pointee
              at(k, j).pointee -= sum * t1
              at(k + 1, j).pointee -= sum * t2
            }
            var first = i1
            if let R = refl {
              R[3 * (k - m)] = v2
              R[3 * (k - m) + 1] = 0
              R[3 * (k - m) + 2] = t1
              first = k + 1
            }
            for j in first...i {
              let row = H + j * n + k
              let sum = row[0] + v2 * row[1]
              row[0] -= sum * t1
              row[1] -= sum * t2
            }
            if wantZ {
              let r0 = Z + k * n + ilo, r1 = r0 + n
              for j in 0..<zlen {
                let sum = r0[j] + v2 * r1[j]
                r0[j] -= sum * t1
                r1[j] -= sum * t2
              }
            }
          }
        }
        if let R = refl {
          deferredColumnUpdates(H, n: n, rows: i1..<i, m: m, i: i, refl: R)
        }
        its += 1
      }
      if !converged {
        var done = 0
        for q in 0..<n where q > i || q < ilo { done += 1 }
        throw .didNotConverge(iterations: totalIterations, converged: done)
      }
      if l == i {
        wr[i] = at(i, i).pointee
        wi[i] = 0
      } else if l == i - 1 {
        let blk = standardize2x2(
          at(i - 1, i - 1).pointee, at(i - 1, i).pointee, at(i, i - 1).pointee, at(i, i).pointee)
        at(i - 1, i - 1).pointee = blk.a
        at(i - 1, i).pointee = blk.b
        at(i, i - 1).pointee = blk.c
        at(i, i).pointee = blk.d
        wr[i - 1] = blk.rt1r
        wi[i - 1] = blk.rt1i
        wr[i] = blk.rt2r
        wi[i] = blk.rt2i
        let cs = blk.cs, sn = blk.sn
        if wantT {
          // Rows i-1, i of columns i+1..<n.
          if i + 1 <= n - 1 {
            for j in (i + 1)..<n {
              let x = at(i - 1, j).pointee, y = at(i, j).pointee
              at(i - 1, j).pointee = cs * x + sn * y
              at(i, j).pointee = cs * y - sn * x
            }
          }
          // Columns i-1, i of rows 0..<i-1.
          if i - 1 > 0 {
            for j in 0..<(i - 1) {
              let x = at(j, i - 1).pointee, y = at(j, i).pointee
              at(j, i - 1).pointee = cs * x + sn * y
              at(j, i).pointee = cs * y - sn * x
            }
          }
        }
        if wantZ {
          let r0 = Z + (i - 1) * n + ilo, r1 = Z + i * n + ilo
          for j in 0..<zlen {
            let x = r0[j], y = r1[j]
            r0[j] = cs * x + sn * y
            r1[j] = cs * y - sn * x
          }
        }
      }
      kdefl = 0
      i = l - 1
    }
    return totalIterations
  }
}

/// The deferred column updates of one double-shift sweep over steps m...i-1 (see
/// `francisQR`): row r gets, in order, the reflectors of steps max(m, r)...i-1,
/// step k acting on entries k...k+2 (k...k+1 for the last step, k = i-1) as
/// `s = h_k + v2 h_k+1 + v3 h_k+2`, `h_k -= t1 s`, `h_k+1 -= (t1 v2) s`,
/// `h_k+2 -= (t1 v3) s`. The entries in flight stay in registers; rows go four at a
/// time in lockstep (once each has reached the group's common first step) so that
/// their independent chains of dependent operations overlap.
@inline(__always)
func deferredColumnUpdates(
  _ H: UnsafeMutablePointer<Double>, n: Int, rows: Range<Int>, m: Int, i: Int,
  refl R: UnsafeMutablePointer<Double>
) {
  /// One row from step `k` to `end - 1` (3-reflectors only); returns the two
  /// entries in flight, `h_end` and `h_end+1`.
  @inline(__always) func single(_ row: UnsafeMutablePointer<Double>, from k0: Int, to end: Int) {
    var k = k0
    var a = row[k], b = row[k + 1]
    while k < end {
      let q = R + 3 * (k - m)
      let v2 = q[0], v3 = q[1], t1 = q[2]
      let c = row[k + 2]
      let sum = a + v2 * b + v3 * c
      row[k] = a - sum * t1
      a = b - sum * (t1 * v2)
      b = c - sum * (t1 * v3)
      k += 1
    }
    row[k] = a
    row[k + 1] = b
  }
  /// The last step (k = i-1, a 2-reflector) on one row.
  @inline(__always) func last(_ row: UnsafeMutablePointer<Double>) {
    let q = R + 3 * (i - 1 - m)
    let v2 = q[0], t1 = q[2]
    let a = row[i - 1], b = row[i]
    let sum = a + v2 * b
    row[i - 1] = a - sum * t1
    row[i] = b - sum * (t1 * v2)
  }
  var r = rows.lowerBound
  while r + 4 <= rows.upperBound {
    let p0 = H + r * n, p1 = p0 + n, p2 = p1 + n, p3 = p2 + n
    let k0 = max(m, r + 3)
    // Bring rows r, r+1, r+2 up to step k0 (at most 3 steps each).
    if k0 > max(m, r) { single(p0, from: max(m, r), to: min(k0, i - 1)) }
    if k0 > max(m, r + 1) { single(p1, from: max(m, r + 1), to: min(k0, i - 1)) }
    if k0 > max(m, r + 2) { single(p2, from: max(m, r + 2), to: min(k0, i - 1)) }
    var k = min(k0, i - 1)
    var a0 = p0[k], b0 = p0[k + 1], a1 = p1[k], b1 = p1[k + 1]
    var a2 = p2[k], b2 = p2[k + 1], a3 = p3[k], b3 = p3[k + 1]
    while k <= i - 2 {
      let q = R + 3 * (k - m)
      let v2 = q[0], v3 = q[1], t1 = q[2]
      let t2 = t1 * v2, t3 = t1 * v3
      let c0 = p0[k + 2], c1 = p1[k + 2], c2 = p2[k + 2], c3 = p3[k + 2]
      let s0 = a0 + v2 * b0 + v3 * c0
      let s1 = a1 + v2 * b1 + v3 * c1
      let s2 = a2 + v2 * b2 + v3 * c2
      let s3 = a3 + v2 * b3 + v3 * c3
      p0[k] = a0 - s0 * t1
      p1[k] = a1 - s1 * t1
      p2[k] = a2 - s2 * t1
      p3[k] = a3 - s3 * t1
      a0 = b0 - s0 * t2
      a1 = b1 - s1 * t2
      a2 = b2 - s2 * t2
      a3 = b3 - s3 * t2
      b0 = c0 - s0 * t3
      b1 = c1 - s1 * t3
      b2 = c2 - s2 * t3
      b3 = c3 - s3 * t3
      k += 1
    }
    p0[k] = a0; p0[k + 1] = b0
    p1[k] = a1; p1[k + 1] = b1
    p2[k] = a2; p2[k + 1] = b2
    p3[k] = a3; p3[k + 1] = b3
    last(p0); last(p1); last(p2); last(p3)
    r += 4
  }
  while r < rows.upperBound {
    let row = H + r * n
    single(row, from: max(m, r), to: i - 1)
    last(row)
    r += 1
  }
}

extension EigenSolver {
  /// The Householder Hessenberg reduction alone, without balancing: `A = Q H Q^T`
  /// with H upper Hessenberg and Q orthogonal. Exposed for tests of that stage.
  public static func hessenbergDecomposition(_ a: Matrix) -> (h: Matrix, q: Matrix) {
    precondition(a.rows == a.cols && a.rows >= 1)
    let n = a.rows
    var h = a.storage
    var q = Matrix.identity(n).storage
    var v = [Double](repeating: 0, count: 3 * n + 1)
    h.withUnsafeMutableBufferPointer { hb in
      q.withUnsafeMutableBufferPointer { qb in
        v.withUnsafeMutableBufferPointer { vb in
          hessenberg(hb.baseAddress!, qb.baseAddress!, n: n, ilo: 0, ihi: n - 1, vectors: true, v: vb.baseAddress!)
        }
      }
    }
    return (Matrix(rows: n, cols: n, storage: h), Matrix(rows: n, cols: n, storage: q))
  }
}
