import EigenCore
#if canImport(Glibc)
  import Glibc
#endif
import GradcheckModel
import Spectral
import NumberFormat

/// The perturbed matrices of one matrix and the tool's s at each: `s(Y + h W_d)` for the
/// finite-difference directions at every step of the shared sweep and of the smaller
/// sweeps some x need, and along the Taylor direction at every step of its ladder. Each
/// perturbed matrix is solved once and shared by every x, source and beta.
struct Perturbations: Sendable {
  /// The finite-difference directions, then the Taylor direction (last).
  var directions: [Matrix]
  /// Names of the finite-difference directions (`grad_y[i][j]`, `<grad_y, W0>`).
  var labels: [String]
  /// The x component of the Taylor direction (its Y component is `directions.last`).
  var taylorX: Double
  /// The first step of the Taylor test, and its ladder `taylorH0 * 2^-j` for j in
  /// `CheckEngine.taylorLadder`.
  var taylorH0: Double
  var taylorSteps: [Double]
  /// `s` by direction and step bit pattern.
  var spectra: [[UInt64: Double]]
  /// Why the real/complex classification flipped in the shared sweep, if it did.
  var flip: String?

  var fdCount: Int { labels.count }
  var taylorDirection: Int { labels.count }

  /// `s(Y + h W_d)`; NaN where undefined or not solved.
  func s(_ d: Int, _ h: Double) -> Double { spectra[d][h.bitPattern] ?? .nan }
}

extension CheckEngine {
  /// Solves every perturbed matrix one job needs, in a fixed order (the shared sweep
  /// direction by direction, the Taylor ladder, for one-sided cases the ladder along minus
  /// the Taylor direction, the smaller sweeps), so the solve count depends on the matrix
  /// and its x values only. The matrices of each phase are solved together
  /// (`solvePerturbed`), and a flip of the real/complex classification is recorded in that
  /// order, so the results are those of solving one matrix after the other.
  func perturb(
    _ job: MatrixJob, base: SpectralEvaluation, plan: MatrixPlan, steps smallSteps: [Double],
    twoSidedLadder: Bool = false, spectral: SpectralKind, evaluator: inout SpectralEvaluator
  ) -> Perturbations {
    var rng = SeededRNG(seed: options.seed, stream: fnv1a(job.name) ^ 0xD1AE)
    var p = finiteDifferenceDirections(n: job.y.rows, rng: &rng)
    p.spectra = Array(repeating: [:], count: p.directions.count + 1)
    func sweep(_ h0: Double) -> [PerturbedMatrix] {
      var requests: [PerturbedMatrix] = []
      for d in 0..<p.fdCount {
        for h in difference.stepSequence(initialStep: h0) {
          requests.append(PerturbedMatrix(direction: d, step: h))
          requests.append(PerturbedMatrix(direction: d, step: -h))
        }
      }
      return requests
    }
    func solve(_ requests: [PerturbedMatrix], detectFlip: Bool) {
      let fresh = uniqueUnsolved(requests, in: p)
      let values = plan.precision == .extended
        ? solveExtended(fresh, of: job.y, p: p, base: base, plan: plan, evaluator: &evaluator)
        : solvePerturbed(fresh, of: job.y, directions: p.directions, spectral: spectral, evaluator: &evaluator)
      for (r, v) in zip(fresh, values) {
        p.spectra[r.direction][r.step.bitPattern] = v?.s ?? .nan
        guard detectFlip && p.flip == nil else { continue }
        if let v, v.s != nil {
          if v.realCount != base.realCount {
            p.flip = "real/complex classification flips under a perturbation of \(formatNumber(abs(r.step))) (\(base.realCount) -> \(v.realCount) real eigenvalues)"
          }
        } else {
          p.flip = "s undefined at step \(formatNumber(r.step))"
        }
      }
    }
    solve(sweep(plan.h0), detectFlip: true)
    appendTaylorDirection(&p, n: job.y.rows, rng: &rng, plan: plan)
    var rest = p.taylorSteps.map { PerturbedMatrix(direction: p.taylorDirection, step: $0) }
    // One-sided cases (a nonsmooth matrix, or an x on a kink) also step along -w.
    if twoSidedLadder || plan.classification == .nonsmooth || p.flip != nil {
      rest += p.taylorSteps.map { PerturbedMatrix(direction: p.taylorDirection, step: -$0) }
    }
    for h in smallSteps { rest += sweep(h) }
    solve(rest, detectFlip: false)
    return p
  }

  /// The requests not solved yet, each once, in their first order.
  func uniqueUnsolved(_ requests: [PerturbedMatrix], in p: Perturbations) -> [PerturbedMatrix] {
    var seen = Set<PerturbedMatrix>()
    return requests.filter { p.spectra[$0.direction][$0.step.bitPattern] == nil && seen.insert($0).inserted }
  }

  /// `value(spectral, Y + h W_d)` for each request (nil where the solve failed), one
  /// matrix at a time, or through `BatchedSmallEigen` where its lanes pay
  /// (`perturbedSolves`), which gives every matrix the same bits.
  func solvePerturbed(
    _ requests: [PerturbedMatrix], of y: Matrix, directions: [Matrix], spectral: SpectralKind,
    evaluator: inout SpectralEvaluator
  ) -> [(s: Double?, realCount: Int)?] {
    let n = y.rows
    guard spectral != .minSingularValue, perturbedSolves.batches(order: n), requests.count > 1 else {
      return requests.map { r in
        let m = y.perturbed(along: directions[r.direction], by: r.step)
        return (try? evaluator.value(spectral, m, sentinel: options.sentinel)).map { ($0.s, $0.realCount) }
      }
    }
    var flat = [Double](repeating: 0, count: requests.count * n * n)
    for (b, r) in requests.enumerated() {
      // As `perturbed(along:by:)`, written into the batch.
      let w = directions[r.direction]
      for k in 0..<(n * n) { flat[b * n * n + k] = y.storage[k] + r.step * w.storage[k] }
    }
    var values = [Complex](repeating: .zero, count: requests.count * n)
    var outcomes = [EigenBatch.Outcome](repeating: .solved, count: requests.count)
    let lanes = BatchedSmallEigen(order: n)
    flat.withUnsafeBufferPointer { a in
      values.withUnsafeMutableBufferPointer { v in
        outcomes.withUnsafeMutableBufferPointer { o in lanes.eigenvalues(of: a, count: requests.count, into: v, outcomes: o) }
      }
    }
    evaluator.countSolves(requests.count)
    return outcomes.indices.map { b in
      guard outcomes[b] == .solved else { return nil }
      let v = SpectralEvaluator.value(spectral, eigenvalues: Array(values[(b * n)..<((b + 1) * n)]), sentinel: options.sentinel)
      return (v.s, v.realCount)
    }
  }

  /// `value(min-real-eigenvalue, Y + h W_d)` for each request in double-double, the
  /// perturbed matrix formed exactly (`y_ij + h w_ij` as the double-double sum of `y_ij`
  /// and the exact product `h w_ij`): nil where the solve failed.
  ///
  /// A full solve (`ExtendedEigenSolver`) costs a few hundred microseconds at N = 16, so
  /// most requests follow s instead by Newton's method from the base eigenpair
  /// (`ExtendedEigenNewton`, started at the first-order value `s + h <ds/dY, W>`). Full
  /// solves check it where the matrix moves most: every step of the Taylor ladder and each
  /// direction's largest steps (`+-h0`, also what a flip of the real/complex count shows
  /// at). Where the full solve's minimum is not the eigenvalue Newton's method reaches
  /// (another one crossed below it, or it became complex), every step of that direction
  /// is solved in full.
  func solveExtended(
    _ requests: [PerturbedMatrix], of y: Matrix, p: Perturbations, base: SpectralEvaluation, plan: MatrixPlan,
    evaluator: inout SpectralEvaluator
  ) -> [(s: Double?, realCount: Int)?] {
    let n = y.rows
    var a = [DoubleDouble](repeating: .zero, count: n * n)
    var newton = ExtendedEigenNewton(n: n)
    let right = base.right?.map(\.re)
    var fullDirections = Set<Int>()
    func full() -> (s: Double?, realCount: Int)? {
      (try? evaluator.valueExtended(a, n: n, sentinel: options.sentinel)).map { ($0.s, $0.realCount) }
    }
    // `<ds/dY, W_d>` for each direction, for the first-order starts.
    let slopes = p.directions.map { w in
      var slope = 0.0
      for k in 0..<(n * n) { slope += (base.gradient?.storage[k] ?? .nan) * w.storage[k] }
      return slope
    }
    func followed(_ r: PerturbedMatrix) -> Double? {
      guard let s = base.s, base.gradient != nil, let right, !base.masked else { return nil }
      // Settled below the double rounding of s, or at the double-double noise if above.
      let tolerance = max(plan.relativeNoise * abs(s), Double.leastNormalMagnitude)
      let start = DoubleDouble(s + r.step * slopes[r.direction])
      return newton.refine(a, lambda0: start, right: right, tolerance: tolerance)?.double
    }
    return requests.map { r in
      let w = p.directions[r.direction]
      for k in 0..<(n * n) { a[k] = DoubleDouble(y.storage[k]) + DoubleDouble.product(r.step, w.storage[k]) }
      if r.direction == p.taylorDirection || fullDirections.contains(r.direction) { return full() }
      if abs(r.step) >= plan.h0 {
        let checked = full()
        let s = checked?.s
        let agree = s.map { s in followed(r).map { abs($0 - s) <= Self.newtonAgreement * max(abs(s), plan.floorStep) } ?? false } ?? false
        if !agree || checked?.realCount != base.realCount { fullDirections.insert(r.direction) }
        return checked
      }
      if let s = followed(r) {
        evaluator.countSolves(1)
        return (s, base.realCount)
      }
      return full()
    }
  }

  /// How closely Newton's value must match a full solve's minimum at a check point
  /// (relative): far looser than either's error, far tighter than a gap to another
  /// eigenvalue that a step may cross.
  static let newtonAgreement = 1e-9

  /// Unit coordinate directions (the full Jacobian) up to `jacobianLimit`, seeded random
  /// directions scaled to `|W|_max = 1` above it.
  func finiteDifferenceDirections(n: Int, rng: inout SeededRNG) -> Perturbations {
    var directions: [Matrix] = []
    var labels: [String] = []
    if n <= options.jacobianLimit {
      for i in 0..<n {
        for j in 0..<n {
          var w = Matrix(n: n)
          w[i, j] = 1
          directions.append(w)
          labels.append("grad_y[\(i)][\(j)]")
        }
      }
    } else {
      for d in 0..<options.randomDirections {
        var w = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
        let f = 1 / w.maxAbs
        for k in 0..<w.storage.count { w.storage[k] *= f }
        directions.append(w)
        labels.append("<grad_y, W\(d)>")
      }
    }
    return Perturbations(directions: directions, labels: labels, taylorX: 0, taylorH0: 0, taylorSteps: [], spectra: [], flip: nil)
  }

  /// The Taylor direction (x and Y together, `max(|w_x|, |W|_max) = 1`) and its ladder
  /// `h_j = h0 2^-j` with `h0 = min(8 h0, |Y|/16)` (`h0/16` in double-double, so that the
  /// ladder's top step is h0), solved once for every case.
  func appendTaylorDirection(_ p: inout Perturbations, n: Int, rng: inout SeededRNG, plan: MatrixPlan) {
    let wx = rng.gaussian()
    var wy = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
    let wScale = 1 / max(abs(wx), wy.maxAbs)
    for k in 0..<wy.storage.count { wy.storage[k] *= wScale }
    p.directions.append(wy)
    p.taylorX = wx * wScale
    // In double-double the steps are bounded by the gap to the next eigenvalue (h0 is 5%
    // of it over kappa, far below the rounding of Y): the ladder stays within h0.
    let h0 = plan.precision == .extended ? 0x1p-4 * plan.h0 : min(8 * plan.h0, 0x1p-4 * plan.scaleY)
    p.taylorH0 = h0
    p.taylorSteps = Self.taylorLadder.map { h0 * pow(2, Double(-$0)) }
  }
}

extension Matrix {
  /// `Y + h W`, entry by entry (`y_ij + h w_ij`): every perturbed matrix of the engine.
  func perturbed(along w: Matrix, by h: Double) -> Matrix {
    var m = self
    for k in 0..<m.storage.count { m.storage[k] += h * w.storage[k] }
    return m
  }
}

/// One perturbed matrix `Y + step W[direction]`.
struct PerturbedMatrix: Hashable {
  var direction: Int
  var step: Double

  static func == (a: Self, b: Self) -> Bool { a.direction == b.direction && a.step.bitPattern == b.step.bitPattern }
  func hash(into h: inout Hasher) {
    h.combine(direction)
    h.combine(step.bitPattern)
  }
}

/// Which perturbed solves go through `BatchedSmallEigen`'s lanes.
public enum PerturbedSolves: Sendable {
  /// One matrix at a time.
  case scalar
  /// In lanes for the orders where they are faster (`BatchedSmallEigen.lanesPay(order:)`).
  case whereLanesPay
  /// In lanes for every order they take (for tests: the results must not change).
  case lanes

  func batches(order n: Int) -> Bool {
    switch self {
    case .scalar: false
    case .whereLanesPay: BatchedSmallEigen.lanesPay(order: n)
    case .lanes: n >= 3 && n <= BatchedSmallEigen.maxOrder
    }
  }
}

/// FNV-1a over the UTF-8 bytes of a string: a stable hash (Swift's Hasher is
/// seeded per process).
func fnv1a(_ s: String) -> UInt64 {
  var h: UInt64 = 0xcbf2_9ce4_8422_2325
  for b in s.utf8 {
    h ^= UInt64(b)
    h = h &* 0x100_0000_01b3
  }
  return h
}
