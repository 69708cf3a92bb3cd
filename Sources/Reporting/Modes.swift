// Failure modes: failed and warned cases grouped by (transform, check, reason code), each
// with where it occurs, one plain sentence and its minimal representative case.

import Foundation
import GradcheckModel

/// The reason code of a check result (a stable kebab-case name such as `vanishing`, see
/// `ReasonCode`). Results files written before check results carried a code get a code
/// derived from the status alone: `fail`, `warn`, `skip` or `pass`.
func reasonCode(_ r: CheckResult) -> String { r.code ?? r.status.rawValue }

/// The simplicity order of matrix groups, simplest first, used to pick a failure mode's
/// minimal representative (after the smallest N, before the smallest |x|): fixture files
/// (hand-written examples), then the generated families from the most to the least
/// structured, then the LAPACK test types by number. Groups not named here come last,
/// alphabetically. This is the only place the order is written down.
let familySimplicityOrder: [String] = [
  "symmetric", "triangular", "gaussian", "prescribed", "companion", "wilkinson", "mixed",
  "near-zero-min", "complex-near-real", "real-collision", "repeated-min", "jordan-min",
  "graded", "no-real", "extreme-scale",
]

/// Rank of a case's group in `familySimplicityOrder`: fixtures 0, the named families 1...,
/// `lapack-K` after them by K, anything else last.
func familyRank(_ c: CaseResult) -> Int {
  if c.source != nil { return 0 }
  guard let f = c.family else { return 10_000 }
  return groupRank(f)
}

/// `familyRank` of a group name (a fixture path ends in `.json`).
func groupRank(_ g: String) -> Int {
  if g.hasSuffix(".json") { return 0 }
  if let i = familySimplicityOrder.firstIndex(of: g) { return 1 + i }
  if g.hasPrefix("lapack-"), let k = Int(g.dropFirst(7)) { return 100 + k }
  return 1_000
}

/// Whether case `a` is a simpler representative than `b`: smaller N, then the simpler
/// group (`familyRank`), then the smaller |x|; ties keep the earlier case.
func simpler(_ a: CaseResult, than b: CaseResult) -> Bool {
  if a.n != b.n { return a.n < b.n }
  let fa = familyRank(a), fb = familyRank(b)
  if fa != fb { return fa < fb }
  let xa = abs(a.x ?? 0), xb = abs(b.x ?? 0)
  return xa < xb
}

/// A failure mode: who (transform, or `eig` for eigenvalue-only cases), which check, why
/// (reason code), and whether it fails or warns.
struct ModeKey: Hashable {
  var subject: String
  var check: String
  var code: String
  var severity: Status
}

/// The x case of a case as shown in failure modes: the sweep's edge-case label (`x=LABEL`
/// in its id), else the x value.
func xCaseLabel(_ c: CaseResult) -> String {
  if let r = c.id.range(of: " x=") {
    let rest = c.id[r.upperBound...]
    return String(rest.prefix { $0 != " " })
  }
  return c.x.map { "x=\(formatNumber($0))" } ?? "–"
}

/// Distinct values seen, in first-seen order, up to a cap (with the number left out).
struct DistinctValues<T: Hashable> {
  private(set) var values: [T] = []
  private var seen: Set<T> = []
  private(set) var more = 0
  let cap: Int
  init(cap: Int) { self.cap = cap }
  mutating func add(_ v: T) {
    if seen.contains(v) { return }
    if values.count < cap {
      seen.insert(v)
      values.append(v)
    } else {
      more += 1
      seen.insert(v)
    }
  }
}

/// What one failure mode holds: counts and where it occurs, its minimal representative,
/// and the first cases whose first explaining check is this mode (for the case lists).
struct ModeStats {
  var count = 0
  var betas = DistinctValues<Double>(cap: 64)
  var bands = DistinctValues<Int>(cap: 16)
  var xCases = DistinctValues<String>(cap: 16)
  var groups = DistinctValues<String>(cap: 64)
  var orders = DistinctValues<Int>(cap: 64)
  var representative: CaseResult? = nil
  /// Cases listed under this mode (first explaining check), at most `caseListCap`.
  var listed: [CaseResult] = []
  var listedTotal = 0

  mutating func add(_ c: CaseResult) {
    count += 1
    if let b = c.beta { betas.add(b) }
    bands.add(LambdaBand(c.lambdaMin).order)
    xCases.add(xCaseLabel(c))
    groups.add(c.group)
    orders.add(c.n)
    if representative.map({ simpler(c, than: $0) }) ?? true { representative = slim(c) }
  }
}

/// Most failed (and, separately, warned) cases listed one by one, in mode order.
let caseListCap = 200

/// A case without its gradient matrix, for the lists kept across a run (the reports show
/// ids, checks and repro commands, never grad_y).
func slim(_ c: CaseResult) -> CaseResult {
  var s = c
  s.gradY = nil
  return s
}

/// The modes of a case: one per explaining check (failed checks for a failure, warnings
/// for a warning); an unexpected pass is the mode `outcome` / `unexpected-pass`.
func modeKeys(_ c: CaseResult) -> [ModeKey] {
  let subject = c.transform?.rawValue ?? c.evaluator ?? "eig"
  switch c.status {
  case .xpass:
    return [ModeKey(subject: subject, check: "outcome", code: "unexpected-pass", severity: .fail)]
  case .fail, .warn:
    let sev: Status = c.status == .fail ? .fail : .warn
    return explainingChecks(c).map {
      ModeKey(subject: subject, check: $0.name.rawValue, code: reasonCode($0.result), severity: sev)
    }
  default:
    return []
  }
}

/// Plain sentences for (check, code), with `{t}` standing for the transform's name. A
/// code not listed takes the sentence of its check (`checkSentence`).
let modeSentences: [String: String] = [
  "constraint/constraint-violated": "{t} breaks the constraint: the margin 1 + x_cond·s is zero or negative.",
  "constraint/margin-rounds-to-zero": "{t}'s exact margin is positive, but 1 + x_cond·s rounds to 0 or below in float64: the constraint is lost to rounding.",
  "constraint/margin-at-rounding-level": "{t} keeps the constraint by only a few ulps of 1: one rounding from violation.",
  "constraint/margin-undefined": "{t}'s margin is NaN: x_cond is undefined here (s = 0).",
  "finite/non-finite": "{t} returns an infinite or NaN x_cond or gradient.",
  "gradient/mismatch": "{t}'s analytic gradient disagrees with finite differences: the gradient is wrong.",
  "gradient/within-error-bar": "{t}'s gradient agrees with finite differences only within their error bar.",
  "gradient/difference-unresolved": "Finite differences could not evaluate {t}'s gradient here.",
  "gradient/ill-conditioned": "{t}'s gradient differs from finite differences on an ill-conditioned matrix (reported, not failed).",
  "taylor/order-one": "{t}'s Taylor remainder shrinks only like h: the directional derivative is wrong.",
  "taylor/order-unsettled": "{t}'s Taylor order never settles between the thresholds.",
  "taylor/not-asymptotic": "{t}'s Taylor steps are not asymptotic although every gradient entry passes.",
  "growth/vanishing": "{t}'s gradient dT/dx is 0 where the constraint is active: x stops learning there.",
  "growth/exploding": "{t}'s gradient exceeds --max-grad (or is not finite): it explodes.",
  "fidelity/departs": "{t} moves a comfortably feasible x by more than the fidelity tolerance.",
  "fidelity/diverges-near-zero": "{t}'s x_cond grows like 1/s as s → 0: far from a feasible x.",
  "solver/reference-failed": "GSL failed on the matrix (a reference failure, not the native solver's).",
  "solver/ambiguous-real-complex": "Native solver and GSL classify an eigenvalue real or complex differently (within the bound).",
  "solver/multiple-eigenvalue": "A multiple eigenvalue agrees with GSL only within its cluster's bound.",
  "solver/disagreement": "A native eigenvalue differs from GSL's beyond the bound.",
  "solver/residual-too-large": "A native residual ratio exceeds the LAPACK threshold 20.",
  "solver/native-failed": "The native eigen solver failed on the matrix.",
  "expect/differs-from-fixture": "{t} differs from a value the fixture supplies beyond its dtype's rounding.",
  "expect/outcome-not-met": "An outcome the fixture declares did not happen.",
  "reference/differs-from-reference": "{t} computes a value or gradient that differs from the built-in transform's beyond its dtype's rounding.",
  "evaluate/evaluator-error": "{t} answered the request with an error instead of values.",
  "outcome/unexpected-pass": "A failure the fixture declares as expected no longer happens.",
]

/// Sentences of codes that mean the same whatever the check (used when the check and code
/// have none of their own).
let codeSentences: [String: String] = [
  "ill-conditioned": "{t} fails a check on an ill-conditioned matrix: reported as a warning naming kappa.",
  "evaluation-failed": "The gradient source could not evaluate {t} here.",
  "remainder-at-rounding": "{t}'s Taylor remainder is at rounding level at every step: nothing to conclude.",
  "difference-unresolved": "Finite differences could not evaluate {t}'s gradient here.",
  "non-finite": "{t} returns an infinite or NaN value or gradient.",
  "nonsmooth": "{t} is not differentiable here: the minimiser is not unique at finite-difference resolution, or a kink.",
  "near-pole": "s is too close to {t}'s pole at s = 0 for finite differences.",
  "step-unresolvable": "|x|·kappa is so large that no resolvable step keeps t = x·s small for {t}.",
  "gradient-not-finite": "{t}'s gradient is not finite, so it could not be compared.",
  "not-feasible": "x is not comfortably feasible, so {t}'s fidelity does not apply.",
  "no-real-eigenvalue": "The matrix has no real eigenvalue: s is undefined for {t}.",
  "no-gradient": "No derivative of s is available for {t}.",
  "margin-undefined": "{t}'s margin is NaN: x_cond is undefined here (s = 0).",
  "order-unsettled": "{t}'s Taylor order never settles between the thresholds.",
  "not-asymptotic": "{t}'s Taylor steps are not asymptotic although every gradient entry passes.",
  "departs": "{t} moves a comfortably feasible x by more than the fidelity tolerance.",
  "diverges-near-zero": "{t}'s x_cond grows like 1/s as s → 0.",
  "outside-bracket": "At a nonsmooth point {t}'s gradient lies outside the one-sided derivatives: no one-sided or averaged choice gives it.",
  "discontinuous": "{t} jumps here (the one-sided difference does not shrink with the step), on both sides or to a piece with no estimable slope: nothing to compare.",
  "unbounded-derivative": "{t}'s slope is unbounded here (the difference shrinks like h^p with p < 1, e.g. sqrt(h) at a Jordan block): gradients explode nearby.",
  "compound-kink": "{t} sits on its kink where the minimiser is not unique either: several smooth pieces meet, so the one-sided bracket is not checked.",
]

/// The sentence of a check whose code has none of its own.
func checkSentence(_ check: String, _ severity: Status) -> String {
  let w = severity == .warn
  switch check {
  case "constraint": return w ? "{t} keeps the constraint only at rounding level." : "{t} does not keep the constraint 1 + x_cond·s > 0."
  case "finite": return "{t} gives a non-finite value or gradient."
  case "gradient": return w ? "{t}'s gradient agrees with finite differences only within their error bar." : "{t}'s analytic gradient disagrees with finite differences."
  case "taylor": return w ? "{t}'s Taylor test cannot confirm second order (noisy or in between)." : "{t}'s Taylor remainder does not shrink like h²: the gradient is wrong."
  case "growth": return "{t}'s gradient explodes or vanishes."
  case "fidelity": return "{t} departs from x by more than the fidelity tolerance where x is comfortably feasible."
  case "solver": return w ? "The eigen solver's result is ambiguous or the GSL reference failed." : "The native eigen solver fails its residual or GSL check."
  case "expect": return "{t} disagrees with the values the fixture supplies."
  default: return "{t}: \(check) \(severity.rawValue)."
  }
}

/// The sentence of a mode, with the transform's name filled in.
func modeSentence(_ k: ModeKey) -> String {
  let template = modeSentences["\(k.check)/\(k.code)"] ?? codeSentences[k.code]
    ?? checkSentence(k.check, k.severity)
  let name = k.subject == "eig" ? "The eigen check" : k.subject
  let s = template.replacingOccurrences(of: "{t}", with: name)
  return s
}

/// A mode with its statistics, ranked.
struct FailureMode {
  var key: ModeKey
  var stats: ModeStats
}

/// Modes ranked by case count (largest first), then failures before warnings, then
/// subject, check and code, so the order is deterministic.
func rankModes(_ modes: [ModeKey: ModeStats]) -> [FailureMode] {
  modes.map { FailureMode(key: $0.key, stats: $0.value) }.sorted { a, b in
    if a.stats.count != b.stats.count { return a.stats.count > b.stats.count }
    if a.key.severity != b.key.severity { return a.key.severity == .fail }
    if a.key.subject != b.key.subject { return a.key.subject < b.key.subject }
    if a.key.check != b.key.check { return a.key.check < b.key.check }
    return a.key.code < b.key.code
  }
}

/// Short list of values: the first `limit`, then `(+k more)`.
func shortList(_ items: [String], more: Int = 0, limit: Int = 8) -> String {
  let shown = items.prefix(limit)
  let extra = items.count - shown.count + more
  return shown.joined(separator: ", ") + (extra > 0 ? " (+\(extra) more)" : "")
}

extension ModeStats {
  var betaText: String {
    shortList(betas.values.sorted().map { formatNumber($0) }, more: betas.more, limit: 10)
  }
  /// The bands of s: listed when there are a few, else their count and the outermost two.
  var bandText: String {
    let b = bands.values.sorted().map { LambdaBand(order: $0).label }
    if b.count <= 3 { return b.joined(separator: ", ") }
    return "\(b.count) bands from \(b.first!) to \(b.last!)"
  }
  var xText: String { shortList(xCases.values, more: xCases.more, limit: 8) }
  /// The groups, simplest first (`familySimplicityOrder`; fixture paths before families).
  var groupText: String {
    let sorted = groups.values.sorted { a, b in
      let ra = groupRank(a), rb = groupRank(b)
      return ra != rb ? ra < rb : a < b
    }
    return shortList(sorted, more: groups.more, limit: 5)
  }
  var orderText: String {
    shortList(orders.values.sorted().map(String.init), more: orders.more, limit: 10)
  }
}
