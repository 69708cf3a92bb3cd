/// The native real non-symmetric eigen solver.
///
/// Pipeline (LAPACK DGEEV for small N, written in Swift):
/// 1. scaling by a power of two when max|a_ij| is outside [2^-400, 2^400] (exact);
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
/// then back-transformed with the Schur vectors and the balancing.
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
      return
    }
    for k in 0..<(n * n) where !a[k].isFinite {
      throw .nonFinite(row: k / n, col: k % n, value: a[k])
    }
    reserve(n)
    self.n = n
    self.hasSchurVectors = false
    self.iterations = 0
    var maxAbs = 0.0
    for k in 0..<(n * n) { maxAbs = max(maxAbs, abs(a[k])) }
    scaleExponent = 0
    if maxAbs > 0x1p400 || (maxAbs > 0 && maxAbs < 0x1p-400) {
      scaleExponent = Int(maxAbs.exponent)
    }
    // 2^-e in two exact halves: for all-denormal input e < -1023 and 2^-e alone
    // would overflow.
    let half1 = Double(sign: .plus, exponent: -(scaleExponent / 2), significand: 1)
    let half2 = Double(sign: .plus, exponent: -(scaleExponent - scaleExponent / 2), significand: 1)
    func load() {
      h.withUnsafeMutableBufferPointer { hb in
        for k in 0..<(n * n) { hb[k] = (a[k] * half1) * half2 }
      }
    }
    load()
    try run(vectors: vectors, balance: balance)
    hasSchurVectors = vectors
    // Balancing that spans more than 2^100 can make a deflation that is negligible
    // in the balanced matrix a residual far above LAPACK's threshold in the original
    // one (LAPACK DGEEV shares this). Only in that rare case, check the eigenvectors'
    // residual ratios against the input and keep the unbalanced factorisation when
    // it is better.
    if vectors && balance && n > 1 && balancingRange() > 0x1p100 {
      let scaled = Matrix(rows: n, cols: n, storage: (0..<(n * n)).map { (a[$0] * half1) * half2 })
      let balanced = worstResidualRatio(scaled)
      if balanced > LAPACKTest.threshold {
        load()
        try run(vectors: true, balance: false)
        if worstResidualRatio(scaled) > balanced {
          load()
          try run(vectors: true, balance: true)
        }
      }
    }
  }

  /// The ratio of the largest to the smallest balancing scale factor.
  func balancingRange() -> Double {
    var lo = Double.infinity, hi = 0.0
    for i in 0..<n {
      lo = min(lo, dscale[i])
      hi = max(hi, dscale[i])
    }
    return hi / lo
  }

  /// The worst DGET22 ratio of every right and left eigenvector against `a` (the
  /// matrix as factored, before balancing); +inf when a vector cannot be formed.
  func worstResidualRatio(_ a: Matrix) -> Double {
    var values: [Complex] = []
    var rights: [[Complex]] = []
    var lefts: [[Complex]] = []
    // Eigenvalues of the scaled matrix: the stored ones times 2^-e.
    let down1 = Double(sign: .plus, exponent: -(scaleExponent / 2), significand: 1)
    let down2 = Double(sign: .plus, exponent: -(scaleExponent - scaleExponent / 2), significand: 1)
    for i in 0..<n {
      let lambda = eigenvalue(i)
      values.append(Complex((lambda.re * down1) * down2, (lambda.im * down1) * down2))
      guard let r = try? rightEigenvector(i), let l = try? leftEigenvector(i) else { return .infinity }
      rights.append(r)
      lefts.append(l)
    }
    let worst = max(
      rightResidualRatio(a: a, eigenvalues: values, vectors: rights),
      leftResidualRatio(a: a, eigenvalues: values, vectors: lefts))
    return worst.isNaN ? .infinity : worst
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
    if scaleExponent != 0 {
      // Scaling back: exact unless it overflows (an eigenvalue of a matrix with
      // entries near the largest double may exceed it by rounding; it is then
      // returned as the largest finite double, within the backward error) or
      // underflows into denormals.
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
        wrB[i] = back(wrB[i])
        wiB[i] = back(wiB[i])
      }
      if let e = overflow { throw .eigenvalueOverflow(magnitudeExponent: e) }
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
  /// (DGEHD2), accumulating the reflectors into Z when `vectors`.
  static func hessenberg(
    _ H: UnsafeMutablePointer<Double>, _ Z: UnsafeMutablePointer<Double>, n: Int,
    ilo: Int, ihi: Int, vectors: Bool, v: UnsafeMutablePointer<Double>
  ) {
    if ihi - ilo < 2 { return }
    for i in ilo..<(ihi - 1) {
      var alpha = H[(i + 1) * n + i]
      let m = ihi - i  // length of v = [1; x]
      let tau = householder(alpha: &alpha, x: H + (i + 2) * n + i, count: m - 1, stride: n)
      v[0] = 1
      for k in 1..<m { v[k] = H[(i + 1 + k) * n + i] }
      H[(i + 1) * n + i] = alpha
      for k in 1..<m { H[(i + 1 + k) * n + i] = 0 }
      if tau == 0 { continue }
      // From the right: rows 0...ihi, columns i+1...ihi.
      for r in 0...ihi {
        let row = H + r * n + i + 1
        var s = 0.0
        for k in 0..<m { s += row[k] * v[k] }
        s *= tau
        if s != 0 { for k in 0..<m { row[k] -= s * v[k] } }
      }
      // From the left: rows i+1...ihi, columns i+1..<n.
      for c in (i + 1)..<n {
        var s = 0.0
        for k in 0..<m { s += v[k] * H[(i + 1 + k) * n + c] }
        s *= tau
        if s != 0 { for k in 0..<m { H[(i + 1 + k) * n + c] -= s * v[k] } }
      }
      if vectors {
        for r in ilo...ihi {
          let row = Z + r * n + i + 1
          var s = 0.0
          for k in 0..<m { s += row[k] * v[k] }
          s *= tau
          if s != 0 { for k in 0..<m { row[k] -= s * v[k] } }
        }
      }
    }
  }

  // MARK: - Francis double-shift QR (DLAHQR)

  /// Returns the number of QR iterations. Throws when an eigenvalue does not
  /// converge within `30 * max(10, nh)` iterations.
  private static func francisQR(
    _ H: UnsafeMutablePointer<Double>, _ Z: UnsafeMutablePointer<Double>, n: Int,
    ilo: Int, ihi: Int, wantT: Bool, wantZ: Bool,
    wr: UnsafeMutablePointer<Double>, wi: UnsafeMutablePointer<Double>
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
            for j in k...i2 {
              let sum = at(k, j).pointee + v2 * at(k + 1, j).pointee + v3 * at(k + 2, j).pointee
              at(k, j).pointee -= sum * t1
              at(k + 1, j).pointee -= sum * t2
              at(k + 2, j).pointee -= sum * t3
            }
            for j in i1...min(k + 3, i) {
              let row = H + j * n + k
              let sum = row[0] + v2 * row[1] + v3 * row[2]
              row[0] -= sum * t1
              row[1] -= sum * t2
              row[2] -= sum * t3
            }
            if wantZ {
              for j in ilo...ihi {
                let row = Z + j * n + k
                let sum = row[0] + v2 * row[1] + v3 * row[2]
                row[0] -= sum * t1
                row[1] -= sum * t2
                row[2] -= sum * t3
              }
            }
          } else if nr == 2 {
            for j in k...i2 {
              let sum = at(k, j).pointee + v2 * at(k + 1, j).pointee
              at(k, j).pointee -= sum * t1
              at(k + 1, j).pointee -= sum * t2
            }
            for j in i1...i {
              let row = H + j * n + k
              let sum = row[0] + v2 * row[1]
              row[0] -= sum * t1
              row[1] -= sum * t2
            }
            if wantZ {
              for j in ilo...ihi {
                let row = Z + j * n + k
                let sum = row[0] + v2 * row[1]
                row[0] -= sum * t1
                row[1] -= sum * t2
              }
            }
          }
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
          for j in ilo...ihi {
            let x = Z[j * n + i - 1], y = Z[j * n + i]
            Z[j * n + i - 1] = cs * x + sn * y
            Z[j * n + i] = cs * y - sn * x
          }
        }
      }
      kdefl = 0
      i = l - 1
    }
    return totalIterations
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
    var v = [Double](repeating: 0, count: n + 1)
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
