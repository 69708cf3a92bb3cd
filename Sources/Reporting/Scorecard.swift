// The scorecard and the beta recommendation: the four properties a user asks of a
// transform (constraint kept, gradient correct, gradient healthy, fidelity), counted per
// transform and beta.

import GradcheckModel

/// The four properties of the cases of one transform (and beta), with the worst margin
/// and the largest gradient.
struct Properties {
  /// Cases with a defined (finite) s, and those whose `constraint` passed or warned.
  var definedS = 0, kept = 0
  /// `gradient` pass / run (pass, warn or fail), and the cases where it did not run.
  var gradientPass = 0, gradientRun = 0, gradientNotRun = 0
  /// `growth` and `fidelity`: pass / run, and the failures.
  var growthPass = 0, growthRun = 0, growthFail = 0
  var fidelityPass = 0, fidelityRun = 0, fidelityFail = 0
  var worstMargin: Double? = nil
  var largestGradient: Double? = nil

  /// Whether a check status counts as run.
  static func ran(_ s: Status?) -> Bool { s == .pass || s == .warn || s == .fail }

  mutating func add(_ c: CaseResult) {
    let constraint = c.checks[.constraint]
    if let s = c.lambdaMin, s.isFinite {
      definedS += 1
      if constraint?.status == .pass || constraint?.status == .warn { kept += 1 }
    }
    let g = c.checks[.gradient]?.status
    if Self.ran(g) { gradientRun += 1 } else { gradientNotRun += 1 }
    if g == .pass { gradientPass += 1 }
    let gr = c.checks[.growth]?.status
    if Self.ran(gr) { growthRun += 1 }
    if gr == .pass { growthPass += 1 }
    if gr == .fail { growthFail += 1 }
    let f = c.checks[.fidelity]?.status
    if Self.ran(f) { fidelityRun += 1 }
    if f == .pass { fidelityPass += 1 }
    if f == .fail { fidelityFail += 1 }
    if let m = constraint?.value, !m.isNaN { worstMargin = min(worstMargin ?? m, m) }
    if let gm = maxAbsGradient(c), !gm.isNaN { largestGradient = max(largestGradient ?? gm, gm) }
  }

  mutating func add(_ o: Properties) {
    definedS += o.definedS; kept += o.kept
    gradientPass += o.gradientPass; gradientRun += o.gradientRun; gradientNotRun += o.gradientNotRun
    growthPass += o.growthPass; growthRun += o.growthRun; growthFail += o.growthFail
    fidelityPass += o.fidelityPass; fidelityRun += o.fidelityRun; fidelityFail += o.fidelityFail
    if let m = o.worstMargin { worstMargin = min(worstMargin ?? m, m) }
    if let g = o.largestGradient { largestGradient = max(largestGradient ?? g, g) }
  }

  /// Whether the constraint held in every case with a defined s (and there was one).
  var keptEverywhere: Bool { definedS > 0 && kept == definedS }
}

/// `part/whole (percent)`, or `–` when nothing ran.
func fractionCell(_ part: Int, _ whole: Int) -> String {
  guard whole > 0 else { return "–" }
  let pct = 100 * Double(part) / Double(whole)
  let p: String
  if part == whole { p = "100%" } else if part == 0 { p = "0%" } else {
    // Never round a shortfall up to 100% or a success down to 0%.
    let r = (pct * 10).rounded() / 10
    p = (r >= 100 ? "99.9" : r <= 0 ? "0.1" : formatNumber(r)) + "%"
  }
  return "\(p) (\(part)/\(whole))"
}

/// The beta recommendation of one transform.
struct BetaRecommendation {
  var transform: TransformKind
  /// Betas at which the constraint held in every case with a defined s.
  var keptBetas: [Double]
  /// Among those, the one with the fewest `growth` + `fidelity` failures (ties: fewer
  /// `growth` failures, then the smaller beta).
  var best: Double?
  var bestFailures: Int
  var bestCases: Int
  /// Without a kept beta: the beta with the largest share of kept cases.
  var closest: (beta: Double, kept: Int, of: Int)?

  /// One sentence naming the range and the recommended beta.
  var sentence: String {
    let t = transform.rawValue
    guard let best else {
      if let c = closest {
        return "\(t) lost the constraint at every β; it held most often at β=\(formatNumber(c.beta)) "
          + "(\(fractionCell(c.kept, c.of)))."
      }
      return "\(t) has no case with a defined s."
    }
    let range = keptBetas.count == 1
      ? "only at β=\(formatNumber(keptBetas[0]))"
      : "at β ∈ {\(keptBetas.map { formatNumber($0) }.joined(separator: ", "))}"
    return "\(t) kept the constraint in every case \(range); β=\(formatNumber(best)) has the fewest "
      + "growth and fidelity failures (\(bestFailures) in \(plural(bestCases, "case")))."
  }
}

extension Analysis {
  /// Per transform or external evaluator (eig cases excluded): the properties over every beta.
  func scorecard() -> [(transform: TransformKind?, props: Properties)] {
    transforms.filter { $0 != nil || !evaluators.isEmpty }.map { t in
      var p = Properties()
      for b in betasPresent(t) { if let c = tb[TBKey(transform: t, beta: b)] { p.add(c.props) } }
      return (t, p)
    }
  }

  /// The recommendation of each transform (see `BetaRecommendation`).
  func recommendations() -> [BetaRecommendation] {
    transforms.compactMap { t -> BetaRecommendation? in
      guard let t else { return nil }
      var kept: [Double] = []
      var best: (Double, Int, Int, Int)? = nil  // beta, growth+fidelity, growth, cases
      var closest: (beta: Double, kept: Int, of: Int)? = nil
      for b in betasPresent(t) {
        guard let b, let p = tb[TBKey(transform: t, beta: b)]?.props else { continue }
        if p.definedS > 0 {
          let share = Double(p.kept) / Double(p.definedS)
          if closest == nil || share > Double(closest!.kept) / Double(closest!.of) {
            closest = (b, p.kept, p.definedS)
          }
        }
        guard p.keptEverywhere else { continue }
        kept.append(b)
        let f = p.growthFail + p.fidelityFail
        let cases = tb[TBKey(transform: t, beta: b)]!.counts.total
        if best == nil || f < best!.1 || (f == best!.1 && p.growthFail < best!.2) {
          best = (b, f, p.growthFail, cases)
        }
      }
      return BetaRecommendation(
        transform: t, keptBetas: kept, best: best?.0, bestFailures: best?.1 ?? 0,
        bestCases: best?.3 ?? 0, closest: closest)
    }
  }
}
