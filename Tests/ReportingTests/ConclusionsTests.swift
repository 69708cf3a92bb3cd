// Scorecard, failure modes, beta recommendation and baseline comparison, worked out by hand.

import GradcheckModel
import Testing

@testable import Reporting

/// A `growth` failure (vanishing) or a `constraint` failure of `t` at beta `b`.
private func failing(
  _ id: String, _ t: TransformKind, beta b: Double, check: CheckName, n: Int = 3,
  family: String? = nil, x: Double = 1, lambda: Double? = -0.5
) -> CaseResult {
  var checks = passing(allGradChecks)
  checks[check] = CheckResult(status: .fail, value: check == .constraint ? -0.1 : 0, tolerance: 0, message: "bad")
  return makeCase(
    id: id, source: family == nil ? "fixtures/a.json" : nil, family: family, n: n, transform: t,
    beta: b, status: .fail, x: x, lambdaMin: lambda, checks: checks)
}

private func ok(_ id: String, _ t: TransformKind, beta b: Double) -> CaseResult {
  makeCase(id: id, transform: t, beta: b, status: .pass, checks: passing(allGradChecks))
}

@Suite("Report conclusions")
struct ConclusionsTests {
  func analysis(_ cases: [CaseResult]) -> Analysis {
    var b = AnalysisBuilder()
    for c in cases { b.add(c) }
    return b.finish()
  }

  @Test func modesGroupByTransformCheckAndCodeRankedByCount() {
    let a = analysis([
      failing("a", .softplus, beta: 1, check: .growth, n: 8, family: "lapack-3", x: 0.1),
      failing("b", .softplus, beta: 5, check: .growth, n: 3, family: "gaussian", x: 9),
      failing("c", .softplus, beta: 5, check: .growth, n: 3, family: "symmetric", x: 4),
      failing("d", .softplus, beta: 5, check: .growth, n: 3, family: "symmetric", x: -2),
      failing("e", .leaky, beta: 5, check: .constraint),
      ok("f", .leaky, beta: 1),
    ])
    #expect(a.modes.map { "\($0.key.subject) \($0.key.check) \($0.stats.count)" } == [
      "softplus growth 4", "leaky constraint 1",
    ])
    let m = a.modes[0].stats
    // Smallest N, then the simplest family (symmetric before gaussian), then smallest |x|.
    #expect(m.representative?.id == "d")
    #expect(m.betaText == "1, 5" && m.orderText == "3, 8")
    #expect(m.groupText == "symmetric, gaussian, lapack-3")
    #expect(modeSentence(a.modes[1].key).hasPrefix("leaky"))
  }

  @Test func everyReasonCodeOfAFailureOrWarningHasASentence() {
    let passing: Set<ReasonCode> = [.kept, .finite, .match, .secondOrder, .healthy, .close, .agrees, .matchesFixture, .matchesReference,
      .oneSidedMatch, .betweenSides, .oneSidedSecondOrder]
    for code in ReasonCode.allCases where !passing.contains(code) {
      let own = modeSentences.keys.contains { $0.hasSuffix("/" + code.rawValue) } || codeSentences[code.rawValue] != nil
      #expect(own, "\(code.rawValue) has no sentence")
    }
    // Modes group by the code a check result carries, or by its status in older files.
    #expect(reasonCode(CheckResult(status: .fail, code: .vanishing, message: "m")) == "vanishing")
    #expect(reasonCode(CheckResult(status: .warn, message: "m")) == "warn")
  }

  @Test func familyOrderIsFixturesThenStructuredThenLapack() {
    let order = ["fixture", "symmetric", "triangular", "gaussian", "extreme-scale", "lapack-2", "lapack-10", "zzz"]
    let ranks = order.map { name in
      familyRank(makeCase(id: name, source: name == "fixture" ? "f.json" : nil, family: name == "fixture" ? nil : name,
                          status: .pass, checks: [:]))
    }
    #expect(ranks == ranks.sorted() && Set(ranks).count == ranks.count)
  }

  @Test func scorecardAndRecommendation() {
    // safe-softplus keeps the constraint at both betas; beta 5 has no growth failure.
    // leaky loses it at beta 5 only; softplus at both.
    let a = analysis([
      failing("s1", .safeSoftplus, beta: 1, check: .growth), ok("s2", .safeSoftplus, beta: 5),
      ok("s3", .safeSoftplus, beta: 1),
      ok("l1", .leaky, beta: 1), failing("l2", .leaky, beta: 5, check: .constraint),
      failing("p1", .softplus, beta: 1, check: .constraint), failing("p2", .softplus, beta: 5, check: .constraint),
      ok("p3", .softplus, beta: 5),
    ])
    let card = Dictionary(uniqueKeysWithValues: a.scorecard().map { ($0.transform!, $0.props) })
    #expect(card[.safeSoftplus]!.kept == 3 && card[.safeSoftplus]!.definedS == 3)
    #expect(card[.safeSoftplus]!.growthPass == 2 && card[.safeSoftplus]!.growthRun == 3)
    #expect(card[.softplus]!.kept == 1 && card[.softplus]!.worstMargin == -0.1)
    let rec = Dictionary(uniqueKeysWithValues: a.recommendations().map { ($0.transform, $0) })
    #expect(rec[.safeSoftplus]!.keptBetas == [1, 5] && rec[.safeSoftplus]!.best == 5)
    #expect(rec[.leaky]!.keptBetas == [1] && rec[.leaky]!.best == 1)
    #expect(rec[.softplus]!.best == nil && rec[.softplus]!.closest?.beta == 5)
    #expect(rec[.safeSoftplus]!.sentence.contains("β=5 has the fewest growth and fidelity failures"))
    #expect(rec[.softplus]!.sentence.contains("lost the constraint at every β"))
    #expect(fractionCell(2, 3) == "66.7% (2/3)" && fractionCell(999, 1000) == "99.9% (999/1000)")
    #expect(fractionCell(1, 100_000) == "0.1% (1/100000)" && fractionCell(0, 0) == "–")
  }

  @Test func baselineComparison() {
    var c = BaselineComparison(baseline: [("a", .pass), ("b", .fail), ("c", .warn), ("d", .pass), ("e", .xfail)])
    for (id, st) in [("a", Status.warn), ("b", .pass), ("c", .warn), ("e", .skip), ("f", .warn), ("g", .fail)] {
      c.add(id: id, status: st)
    }
    #expect(c.regressed.map(\.id) == ["a"] && c.fixed.map(\.id) == ["b"] && c.unchanged == 2)
    #expect(c.new.map(\.id) == ["f", "g"] && c.gone.map(\.id) == ["d"])
    #expect(c.failsRun(strict: false))
    var quiet = BaselineComparison(baseline: [("a", .fail)])
    quiet.add(id: "a", status: .fail)
    quiet.add(id: "n", status: .warn)
    #expect(!quiet.failsRun(strict: false) && quiet.failsRun(strict: true))
    let md = renderBaselineMarkdown(c, base: "base.json", new: "new.json")
    #expect(md.contains("| regressed | fixed | new | gone | unchanged |\n|--:|--:|--:|--:|--:|\n| 1 | 1 | 2 | 1 | 2 |"))
    #expect(md.range(of: "### Regressed")!.lowerBound < md.range(of: "### Fixed")!.lowerBound)
  }

  @Test func indexTotalsCountEachCaseOnce() {
    var parts = Summary(), all = Summary()
    parts.add(.fail); parts.add(.pass)
    all.add(.fail); all.add(.pass)
    let html = renderIndexHTML(entries: [("all", "a.html", all), ("part", "p.html", parts)], total: all)
    #expect(html.contains("(of 2 cases)"))
  }

  @Test func anExternalEvaluatorHasItsOwnScorecardRowAndLabel() {
    var cases = [ok("e1", .softplus, beta: 5), failing("e2", .softplus, beta: 5, check: .fidelity)]
    for k in cases.indices {
      cases[k].transform = nil
      cases[k].evaluator = "my-softplus"
    }
    let a = analysis(cases)
    #expect(a.hasTransforms)
    #expect(a.scorecard().count == 1 && a.label(nil) == "my-softplus")
    let md = renderMarkdown(Results(seed: 0, cases: cases))
    #expect(md.contains("## Scorecard") && md.contains("| my-softplus | "))
    #expect(!md.contains("none (eig)"))
    // eig results (no transform, no evaluator) keep their label and have no scorecard.
    var eig = ok("g1", .softplus, beta: 5)
    eig.transform = nil
    eig.beta = nil
    let e = analysis([eig])
    #expect(!e.hasTransforms && e.label(nil) == "none (eig)" && e.scorecard().isEmpty)
  }
}
