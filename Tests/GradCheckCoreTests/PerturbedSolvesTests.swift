import EigenCore
@testable import GradCheckCore
import GradcheckModel
import Spectral
import Testing

// The engine's perturbed matrices solved in `BatchedSmallEigen`'s lanes must give every
// case exactly the result of solving them one at a time: same s bits, so the same
// differences, statuses, messages and solve counts.

/// Every family (each LAPACK type on its own) at one order, with x on the boundary (a kink),
/// just inside it and comfortably feasible, as the sweep has them.
private func jobs(n: Int) -> [MatrixJob] {
  let families = MatrixFamilies.all.filter { $0.name != "lapack" }.map(\.name) + (1...21).map { "lapack-\($0)" }
  var jobs: [MatrixJob] = []
  for name in families {
    guard let family = MatrixFamilies.named(name), family.supports(n) else { continue }
    let g = family.generate(n: n, index: 0, seed: 0)
    let xs = [
      XCase(index: 0, margin: 0, label: "boundary"), XCase(index: 0, margin: 1e-8, label: "inside"),
      XCase(index: 0, margin: 2, label: "feasible"),
    ]
    jobs.append(MatrixJob(y: g.matrix, xs: xs, name: "\(name)/n\(n)", family: name, repro: "test"))
  }
  return jobs
}

private func results(_ jobs: [MatrixJob], _ solves: PerturbedSolves) -> [[CaseResult]] {
  var engine = CheckEngine(options: EngineOptions(betas: [5], seed: 0))
  engine.perturbedSolves = solves
  var ev = SpectralEvaluator()
  return jobs.map { engine.run($0, evaluator: &ev) }
}

/// A case's results as text, every double printed exactly (NaN compares unequal to
/// itself) and the checks in their canonical order (a dictionary's order is not fixed).
private func exact(_ results: [CaseResult]) -> [String] {
  results.map { r in
    var r = r
    let checks = r.orderedChecks
    r.checks = [:]
    return "\(r) \(checks)"
  }
}

@Suite("Perturbed solves in lanes")
struct PerturbedSolvesTests {
  @Test("every case's result is the same solved in lanes or one matrix at a time", arguments: [3, 5, 8])
  func lanesChangeNothing(n: Int) {
    let jobs = jobs(n: n)
    #expect(jobs.count >= 30)
    let scalar = results(jobs, .scalar)
    let lanes = results(jobs, .lanes)
    #expect(scalar.count == lanes.count)
    for (a, b) in zip(scalar, lanes) {
      let same = exact(a) == exact(b)
      #expect(same, "\(a.first?.id ?? "?"): the results differ")
    }
    // Not vacuous: most matrices had their perturbed copies solved, and gradients ran.
    let perturbed = scalar.filter { ($0.first?.eigenSolves ?? 0) > 1 }.count
    #expect(perturbed >= jobs.count - 5)
    #expect(scalar.joined().contains { $0.checks[.gradient]?.status == .pass })
  }

  @Test func lanesAreChosenByOrder() {
    #expect(!PerturbedSolves.scalar.batches(order: 3))
    #expect(PerturbedSolves.lanes.batches(order: 3) && PerturbedSolves.lanes.batches(order: BatchedSmallEigen.maxOrder))
    #expect(!PerturbedSolves.lanes.batches(order: 2) && !PerturbedSolves.lanes.batches(order: BatchedSmallEigen.maxOrder + 1))
    for n in 1...20 {
      #expect(PerturbedSolves.whereLanesPay.batches(order: n) == BatchedSmallEigen.lanesPay(order: n))
    }
  }
}
