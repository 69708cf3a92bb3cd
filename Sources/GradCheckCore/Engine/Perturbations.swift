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
  /// and its x values only.
  func perturb(
    _ job: MatrixJob, base: SpectralEvaluation, plan: MatrixPlan, steps smallSteps: [Double],
    twoSidedLadder: Bool = false, spectral: SpectralKind, evaluator: inout SpectralEvaluator
  ) -> Perturbations {
    var rng = SeededRNG(seed: options.seed, stream: fnv1a(job.name) ^ 0xD1AE)
    var p = finiteDifferenceDirections(n: job.y.rows, rng: &rng)
    p.spectra = Array(repeating: [:], count: p.directions.count + 1)
    func solve(_ d: Int, _ h: Double, detectFlip: Bool) {
      if p.spectra[d][h.bitPattern] != nil { return }
      var m = job.y
      let w = p.directions[d]
      for k in 0..<m.storage.count { m.storage[k] += h * w.storage[k] }
      var v = Double.nan
      if let r = try? evaluator.value(spectral, m, sentinel: options.sentinel), let sh = r.s {
        v = sh
        if detectFlip && r.realCount != base.realCount && p.flip == nil {
          p.flip = "real/complex classification flips under a perturbation of \(formatNumber(abs(h))) (\(base.realCount) -> \(r.realCount) real eigenvalues)"
        }
      } else if detectFlip && p.flip == nil {
        p.flip = "s undefined at step \(formatNumber(h))"
      }
      p.spectra[d][h.bitPattern] = v
    }
    func sweep(_ h0: Double, detectFlip: Bool) {
      for d in 0..<p.fdCount {
        for h in difference.stepSequence(initialStep: h0) {
          solve(d, h, detectFlip: detectFlip)
          solve(d, -h, detectFlip: detectFlip)
        }
      }
    }
    sweep(plan.h0, detectFlip: true)
    appendTaylorDirection(&p, n: job.y.rows, rng: &rng, plan: plan)
    for h in p.taylorSteps { solve(p.taylorDirection, h, detectFlip: false) }
    // One-sided cases (a nonsmooth matrix, or an x on a kink) also step along -w.
    if twoSidedLadder || plan.classification == .nonsmooth || p.flip != nil {
      for h in p.taylorSteps { solve(p.taylorDirection, -h, detectFlip: false) }
    }
    for h in smallSteps {
      for d in 0..<p.fdCount {
        for step in difference.stepSequence(initialStep: h) {
          solve(d, step, detectFlip: false)
          solve(d, -step, detectFlip: false)
        }
      }
    }
    return p
  }

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
  /// `h_j = h0 2^-j` with `h0 = min(8 h0, |Y|/16)`, solved once for every case.
  func appendTaylorDirection(_ p: inout Perturbations, n: Int, rng: inout SeededRNG, plan: MatrixPlan) {
    let wx = rng.gaussian()
    var wy = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
    let wScale = 1 / max(abs(wx), wy.maxAbs)
    for k in 0..<wy.storage.count { wy.storage[k] *= wScale }
    p.directions.append(wy)
    p.taylorX = wx * wScale
    let h0 = min(8 * plan.h0, 0x1p-4 * plan.scaleY)
    p.taylorH0 = h0
    p.taylorSteps = Self.taylorLadder.map { h0 * pow(2, Double(-$0)) }
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
