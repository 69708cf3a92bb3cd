import Testing

#if canImport(Glibc)
  import Glibc
#endif

@testable import EigenCore

// The small-order fast path (SmallEigen.swift) against the general path of
// `EigenSolver.factor` (forced with `smallPathEnabled = false`).

/// What one factorisation gives: eigenvalues in Schur order and, with vectors, the worst
/// DGET22 ratios and the condition number of every eigenvalue; or the error.
private struct Solved {
  var values: [Complex] = []
  var kappas: [Double] = []
  var right = 0.0
  var left = 0.0
  var error: EigenError?
  var iterations = 0
}

private func solve(_ a: Matrix, small: Bool, vectors: Bool = true) -> Solved {
  var s = EigenSolver()
  s.smallPathEnabled = small
  var out = Solved()
  do {
    try s.factor(a, vectors: vectors)
  } catch {
    out.error = error
    return out
  }
  out.values = s.eigenvalues
  out.iterations = s.iterations
  guard vectors else { return out }
  var rights: [[Complex]] = [], lefts: [[Complex]] = []
  for i in 0..<a.rows {
    guard let v = try? s.rightEigenvector(i), let u = try? s.leftEigenvector(i) else {
      out.right = .infinity
      out.left = .infinity
      return out
    }
    rights.append(v)
    lefts.append(u)
    out.kappas.append(eigenvalueCondition(left: u, right: v))
  }
  out.right = rightResidualRatio(a: a, eigenvalues: out.values, vectors: rights)
  out.left = leftResidualRatio(a: a, eigenvalues: out.values, vectors: lefts)
  return out
}

/// Whether the small path takes `a` (it returns nil for the inputs it hands on).
private func smallPathTakes(_ a: Matrix, vectors: Bool = false) -> Bool {
  var s = EigenSolver()
  return a.storage.withUnsafeBufferPointer { s.factorSmall($0, n: a.rows, vectors: vectors, balance: true) } != nil
}

/// Test matrices of order n: every family that supports n, plus gaussian matrices with
/// complex pairs, repeated and defective eigenvalues, and graded entries.
private func testMatrices(n: Int, perFamily: Int, seed: UInt64) -> [(String, Matrix)] {
  var out: [(String, Matrix)] = []
  for family in MatrixFamilies.all where family.supports(n) {
    for index in 0..<perFamily {
      out.append(("\(family.name)[\(index)]", family.generate(n: n, index: index, seed: seed).matrix))
    }
  }
  var rng = SeededRNG(seed: seed, stream: 600 + UInt64(n))
  for k in 0..<perFamily {
    // Gaussian.
    out.append(("gauss[\(k)]", Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))))
    // Complex pairs: a block-diagonal rotation-like matrix, orthogonally mixed.
    var t = Matrix(n: n)
    var i = 0
    while i < n {
      if i + 1 < n {
        let a = rng.gaussian(), b = rng.uniform(0.1, 2)
        t[i, i] = a
        t[i + 1, i + 1] = a
        t[i, i + 1] = b
        t[i + 1, i] = -b
        i += 2
      } else {
        t[i, i] = rng.gaussian()
        i += 1
      }
    }
    for r in 0..<n { for c in (r + 1)..<max(r + 1, n) where t[r, c] == 0 { t[r, c] = rng.gaussian() } }
    out.append(("pairs[\(k)]", mixed(t, &rng)))
    // Repeated eigenvalue (diagonal 1.5 with a random strictly upper part: defective).
    var j = Matrix(n: n)
    for r in 0..<n {
      j[r, r] = 1.5
      for c in (r + 1)..<max(r + 1, n) { j[r, c] = rng.gaussian() }
    }
    out.append(("defective[\(k)]", mixed(j, &rng)))
    // Repeated but diagonalisable: two values, orthogonally mixed.
    out.append(("repeated[\(k)]", mixed(.diagonal((0..<n).map { $0 % 2 == 0 ? -1 : 2 }), &rng)))
    // Graded: D G D^-1 with D = diag(2^(8 i)).
    var g = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
    for r in 0..<n { for c in 0..<n { g[r, c] *= Double(sign: .plus, exponent: 8 * (r - c), significand: 1) } }
    out.append(("graded[\(k)]", g))
    // Tiny and denormal entries among O(1) ones (the plain sums of squares must fall back
    // to the scaled ones where it matters), and entries just inside the range 2^+-400.
    var tiny = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
    for e in 0..<(n * n) where rng.next() % 3 == 0 {
      tiny.storage[e] = [0x1p-1070, -1e-310, 1e-200, 0x1p-600, 0][Int(rng.next() % 5)]
    }
    out.append(("tiny[\(k)]", tiny))
    let edge = rng.gaussianVector(n * n)
    let top = edge.map(abs).max()!
    let big = Double(sign: .plus, exponent: k % 2 == 0 ? 399 : -399, significand: 1)
    out.append(("edge[\(k)]", Matrix(rows: n, cols: n, storage: edge.map { $0 / top * big })))
  }
  return out
}

/// `Q a Q^T` for a seeded orthogonal Q (a product of two reflectors).
private func mixed(_ a: Matrix, _ rng: inout SeededRNG) -> Matrix {
  let n = a.rows
  var m = a
  for _ in 0..<2 {
    let w = rng.gaussianVector(n)
    let ww = w.reduce(0) { $0 + $1 * $1 }
    var h = Matrix.identity(n)
    for i in 0..<n { for j in 0..<n { h[i, j] -= 2 * w[i] * w[j] / ww } }
    m = h * m * h
  }
  return m
}

/// `SMALL_EIGEN_SCALE` from the environment (default 1), for longer differential runs.
private let scaleFactor: Int = {
  guard let p = getenv("SMALL_EIGEN_SCALE"), let k = Int(String(cString: p)), k >= 1 else { return 1 }
  return min(k, 100)
}()

@Suite("Small-order fast path")
struct SmallEigenTests {
  /// Hundreds to thousands of matrices per order: the fast path and the general path give eigenvalues
  /// within the condition-scaled bound of each other, and both pass DGET22 (< 20).
  @Test("differential: fast vs general path, orders 1 ... smallOrderLimit", arguments: Array(1...EigenSolver.smallOrderLimit))
  func differential(n: Int) throws {
    // 23 sources x perFamily matrices: 2300 per order up to 4, 552 up to 8, then 184 (the
    // debug build of the test target has to stay fast); SMALL_EIGEN_SCALE=k multiplies
    // them by k for a longer run.
    let perFamily = (n <= 4 ? 100 : (n <= 8 ? 24 : 8)) * scaleFactor
    let cases = testMatrices(n: n, perFamily: perFamily, seed: 2026)
    var taken = 0, gaussTaken = 0, gaussCount = 0, checked = 0, eigenvalueCount = 0
    for (name, a) in cases {
      let fast = solve(a, small: true, vectors: true)
      let general = solve(a, small: false, vectors: false)
      let takes = smallPathTakes(a)
      if takes { taken += 1 }
      if name.hasPrefix("gauss") || name.hasPrefix("edge") {
        gaussCount += 1
        if takes { gaussTaken += 1 }
      }
      #expect(fast.error == general.error, "\(name) n=\(n): \(String(describing: fast.error)) vs \(String(describing: general.error))")
      if fast.error != nil || general.error != nil { continue }
      // Backward stable: DGET22 ratios below LAPACK's threshold, for every matrix, with no
      // exceptions. (Two were once recorded as known issues: 3 x 3 / 4 x 4 matrices with
      // denormal entries, left ratio 41.6 on both paths, and Wilkinson's companion at
      // n = 12 ... 15, left ratio ~21. Wilkinson's came from balancing, not from the vector
      // solves: the balanced factorisation's left vectors, mapped back through D (the same
      // D as LAPACK's DGEBAL), carry B's backward error amplified; the solver's residual
      // check now catches it and keeps the unbalanced factorisation (see
      // `wilkinsonCompanionVectors`). The denormal ones no longer occur in 3000 matrices
      // per family at n = 3, 4: their balancing spans more than 2^100, so the same check
      // runs, and keeps the unbalanced factorisation for ~5% of the `tiny` matrices.)
      #expect(fast.right < LAPACKTest.threshold && fast.left < LAPACKTest.threshold, "\(name) n=\(n): fast ratios \(fast.right), \(fast.left)")
      // Eigenvalues: every fast eigenvalue whose first-order bound
      // 20 n ulp ||A||_F kappa is less than a quarter of its distance to the other
      // eigenvalues (first-order perturbation theory holds there; inside clusters of
      // nearly defective eigenvalues neither solver's error follows it) has a general
      // path eigenvalue within that bound; and so has it in the values-only mode.
      let valuesOnly = solve(a, small: true, vectors: false)
      let bound = 20 * Double(n) * LAPACKTest.ulp * a.normFrobenius
      for i in 0..<n {
        let lambda = fast.values[i]
        let b = bound * max(1, fast.kappas[i].isNaN ? 1 : fast.kappas[i])
        var separation = Double.infinity
        for j in 0..<n where j != i { separation = min(separation, (fast.values[j] - lambda).magnitude) }
        guard 4 * b < separation else { continue }
        checked += 1
        let nearest = general.values.map { ($0 - lambda).magnitude }.min()!
        #expect(nearest <= b, "\(name) n=\(n): eigenvalue \(lambda) is \(nearest / b) x its bound from the general path's")
        let nearestValues = valuesOnly.values.map { ($0 - lambda).magnitude }.min()!
        #expect(nearestValues <= b, "\(name) n=\(n): values-only mode \(nearestValues / b) x the bound away")
      }
      eigenvalueCount += n
    }
    // Most eigenvalues are compared (the rest are in ill-conditioned clusters: LAPACK
    // types 9-18, jordan-min, defective, wilkinson).
    #expect(checked * 2 >= eigenvalueCount, "n=\(n): only \(checked) of \(eigenvalueCount) eigenvalues compared")
    // The fast path is really exercised: it takes every gaussian matrix, and most cases.
    #expect(gaussTaken == gaussCount, "n=\(n): fast path took \(gaussTaken) of \(gaussCount) gaussian and edge-of-range matrices")
    #expect(taken * 10 >= cases.count * 7, "n=\(n): fast path took only \(taken) of \(cases.count) cases")
  }

  /// Wilkinson's companion matrix (roots 1 ... n): balancing (D spanning 2^23 ... 2^46,
  /// exactly LAPACK DGEBAL's exponents) amplifies the Schur form's backward error in the
  /// left vectors `u = D^-1 Z x`. LAPACK's own DGEEV vectors give left ratios 1.0 ... 9.4
  /// at n = 10 ... 16 on these matrices, ours from the balanced factorisation 2.9 ... 12.4
  /// and above 20 at n = 12 (21.3 when it was a known issue), rounding deciding: that one
  /// fails DGET22, the residual check sees it and keeps the unbalanced factorisation (left
  /// ratio 0.67). Both paths, all orders.
  @Test("Wilkinson companion n = 10 ... 16: DGET22 right and left ratios below 20 on both paths")
  func wilkinsonCompanionVectors() throws {
    for n in 10...16 {
      let a = MatrixFamilies.wilkinson.generate(n: n, index: 0, seed: 2026).matrix
      for small in [true, false] {
        let r = solve(a, small: small)
        #expect(r.error == nil)
        #expect(r.right < LAPACKTest.threshold && r.left < LAPACKTest.threshold, "n=\(n) small=\(small): \(r.right), \(r.left)")
      }
      var s = EigenSolver()
      try s.factor(a, vectors: true)
      #expect(s.vectorCheck != .notNeeded, "n=\(n): balancing spans 2^23 or more, the check runs")
      if n == 12 { #expect(s.vectorCheck == .unbalancedKept) }
    }
  }

  /// N = 1 and N = 2 take the same arithmetic as the general path: the whole solver
  /// state is bitwise the same.
  @Test("N = 1, 2: solver state bitwise equal to the general path's", arguments: [1, 2])
  func bitwiseSmallOrders(n: Int) throws {
    var cases = testMatrices(n: n, perFamily: 40, seed: 7)
    cases += [
      ("rotation", Matrix([[0, -1], [1, 0]])), ("jordan", Matrix([[2, 1], [0, 2]])),
      ("zero", Matrix(n: 2)), ("upper", Matrix([[1, 2], [0, 3]])), ("lower", Matrix([[1, 0], [2, 3]])),
      ("tiny", Matrix([[1, 1], [1e-300, 2]])), ("close", Matrix([[1, 1], [1e-20, 1]])),
    ].filter { $0.1.rows == n }
    if n == 1 { cases += [("x", Matrix([[-3.5]])), ("zero", Matrix([[0]])), ("denormal-free", Matrix([[0x1p-399]]))] }
    for (name, a) in cases {
      for vectors in [false, true] {
        var f = EigenSolver(), g = EigenSolver()
        g.smallPathEnabled = false
        try f.factor(a, vectors: vectors)
        try g.factor(a, vectors: vectors)
        #expect(bits(f.wr, n) == bits(g.wr, n) && bits(f.wi, n) == bits(g.wi, n), "\(name): eigenvalues")
        #expect(bits(f.dscale, n) == bits(g.dscale, n), "\(name): balancing")
        #expect(f.ilo == g.ilo && f.ihi == g.ihi && f.swapCount == g.swapCount, "\(name): ilo/ihi/swaps")
        #expect(Array(f.swapA[0..<f.swapCount]) == Array(g.swapA[0..<g.swapCount]))
        #expect(Array(f.swapB[0..<f.swapCount]) == Array(g.swapB[0..<g.swapCount]))
        #expect(f.iterations == g.iterations && f.scaleExponent == g.scaleExponent)
        #expect(f.hasSchurVectors == vectors && f.n == n)
        if vectors {
          #expect(bits(f.h, n * n) == bits(g.h, n * n), "\(name): Schur form")
          #expect(bits(f.z, n * n) == bits(g.z, n * n), "\(name): Schur vectors")
        }
      }
    }
  }

  private func bits(_ v: [Double], _ count: Int) -> [UInt64] { v[0..<count].map(\.bitPattern) }

  @Test("N = 1 closed form")
  func oneByOne() throws {
    for x in [-3.5, 0, 1, 0x1p-399, -0x1p399] {
      let a = Matrix([[x]])
      #expect(smallPathTakes(a))
      var s = EigenSolver()
      try s.factor(a, vectors: true)
      #expect(s.eigenvalues == [Complex(x)])
      #expect(s.iterations == 0)
      let (t, z) = s.schurForm()
      #expect(t[0, 0] == x && z[0, 0] == 1)
      #expect(try s.rightEigenvector(0) == [Complex(1)] && s.leftEigenvector(0) == [Complex(1)])
    }
  }

  @Test("N = 2 hand cases: complex pair, equal eigenvalues, zero, triangular, tiny off-diagonal")
  func twoByTwo() throws {
    func check(_ rows: [[Double]], _ expected: [Complex], exact: Bool, _ comment: Comment) throws {
      let a = Matrix(rows)
      #expect(smallPathTakes(a, vectors: true), comment)
      var s = EigenSolver()
      try s.factor(a, vectors: true)
      let got = s.eigenvalues.sorted(by: Complex.reportOrder)
      let want = expected.sorted(by: Complex.reportOrder)
      for (g, w) in zip(got, want) {
        if exact {
          #expect(g == w, comment)
        } else {
          #expect((g - w).magnitude <= 4 * Machine.ulp * max(1, w.magnitude), "\(comment): \(g) vs \(w)")
        }
      }
      let (t, _) = s.schurForm()
      #expect(isStandardizedQuasiTriangular(t: t).ok, comment)
      let r = solve(a, small: true)
      #expect(r.right < LAPACKTest.threshold && r.left < LAPACKTest.threshold, "\(comment): \(r.right), \(r.left)")
    }
    try check([[0, -1], [1, 0]], [Complex(0, 1), Complex(0, -1)], exact: true, "rotation")
    try check([[0, 2], [-1, 0]], [Complex(0, 2.0.squareRoot()), Complex(0, -(2.0.squareRoot()))], exact: false, "pair")
    try check([[1, -5], [2, 1]], [Complex(1, 10.0.squareRoot()), Complex(1, -(10.0.squareRoot()))], exact: false, "pair 1 +- i sqrt 10")
    try check([[2, 1], [0, 2]], [Complex(2), Complex(2)], exact: true, "Jordan block")
    try check([[3, 0], [0, 3]], [Complex(3), Complex(3)], exact: true, "scalar")
    try check([[0, 0], [0, 0]], [.zero, .zero], exact: true, "zero")
    try check([[1, 2], [0, 3]], [Complex(1), Complex(3)], exact: true, "upper triangular")
    try check([[1, 0], [2, 3]], [Complex(1), Complex(3)], exact: true, "lower triangular")
    try check([[4, 1], [1, 4]], [Complex(3), Complex(5)], exact: false, "symmetric")
    try check([[1, 1], [1e-170, 2]], [Complex(1), Complex(2)], exact: false, "negligible h21")
    // Entries spanning more than 2^600 are the general path's (it scales them exactly).
    #expect(!smallPathTakes(Matrix([[1, 1], [1e-300, 2]]), vectors: true))
    try check([[1, 1], [1e-20, 1]], [Complex(1 - 1e-10), Complex(1 + 1e-10)], exact: false, "tiny h21, close pair")
    try check([[1, 1], [-1e-20, 1]], [Complex(1, 1e-10), Complex(1, -1e-10)], exact: false, "tiny h21, close complex pair")
  }

  @Test("fallbacks: non-finite entries give the general path's error at every order")
  func nonFinite() throws {
    var rng = SeededRNG(seed: 31)
    for n in 1...EigenSolver.smallOrderLimit {
      for bad in [Double.nan, .infinity, -.infinity] {
        var a = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
        let k = Int(rng.next() % UInt64(n * n))
        a.storage[k] = bad
        if n > 1 { a.storage[(k + 1) % (n * n)] = .infinity }  // a second one after it
        #expect(!smallPathTakes(a))
        for vectors in [false, true] {
          var f = EigenSolver(), g = EigenSolver()
          g.smallPathEnabled = false
          var ef: EigenError?, eg: EigenError?
          do { try f.factor(a, vectors: vectors) } catch { ef = error }
          do { try g.factor(a, vectors: vectors) } catch { eg = error }
          let first = min(k, n > 1 ? (k + 1) % (n * n) : k)
          guard case let .nonFinite(r, c, v)? = ef, case let .nonFinite(r2, c2, v2)? = eg else {
            Issue.record("n=\(n): expected nonFinite errors, got \(String(describing: ef)), \(String(describing: eg))")
            continue
          }
          #expect(r == r2 && c == c2 && v.bitPattern == v2.bitPattern)
          #expect(r * n + c == first)
        }
      }
    }
  }

  @Test("fallbacks: 1e+-300 entries are handed to the general path (bitwise the same results)")
  func extremeScale() throws {
    var rng = SeededRNG(seed: 32)
    for n in 1...EigenSolver.smallOrderLimit {
      for scale in [1e300, 1e-300, 0x1p-1060] {
        let a = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n).map { $0 * scale })
        #expect(!smallPathTakes(a), "n=\(n) scale \(scale)")
        var f = EigenSolver(), g = EigenSolver()
        g.smallPathEnabled = false
        try f.factor(a, vectors: true)
        try g.factor(a, vectors: true)
        #expect(f.eigenvalues == g.eigenvalues)
        #expect(f.scaleExponent != 0 && f.scaleExponent == g.scaleExponent)
        let r = solve(a, small: true)
        #expect(r.right < LAPACKTest.threshold && r.left < LAPACKTest.threshold, "n=\(n) scale \(scale)")
      }
    }
  }

  @Test("fallbacks: a balancing wider than smallBalancingLimit goes to the general path")
  func wideBalancing() throws {
    // Graded by 2^40 per step: balancing spans far more than 2^64 at n >= 3.
    for n in 3...EigenSolver.smallOrderLimit {
      var a = Matrix(n: n)
      for r in 0..<n {
        for c in 0..<n { a[r, c] = Double(sign: .plus, exponent: 40 * (r - c), significand: 1) * (1 + Double(r + 2 * c) / 16) }
      }
      #expect(!smallPathTakes(a), "n=\(n)")
      let f = solve(a, small: true), g = solve(a, small: false)
      #expect(f.values.map(\.re.bitPattern) == g.values.map(\.re.bitPattern))
    }
  }

  @Test("a reused solver gives the same bits as a fresh one, across orders and modes")
  func reuse() throws {
    var rng = SeededRNG(seed: 33)
    var reused = EigenSolver()
    for _ in 0..<200 {
      let n = Int(rng.next() % UInt64(EigenSolver.smallOrderLimit)) + 1
      let vectors = rng.next() % 2 == 0
      let a = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
      var fresh = EigenSolver()
      try fresh.factor(a, vectors: vectors)
      try reused.factor(a, vectors: vectors)
      #expect(fresh.eigenvalues == reused.eigenvalues)
      if vectors {
        let i = n - 1
        #expect(try fresh.rightEigenvector(i) == reused.rightEigenvector(i))
      }
    }
  }
}
