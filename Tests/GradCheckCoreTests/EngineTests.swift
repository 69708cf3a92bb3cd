import EigenCore
import Foundation
@testable import GradCheckCore
import GradcheckSelfTest
import GradcheckModel
import Spectral
import Testing

private let forumY0 = Matrix([
  [-0.2671, -0.0748, -0.1718], [-0.1510, 0.2960, -1.6154], [-0.0786, -1.6944, 0.9237],
])
private let forumY1 = Matrix([
  [-0.7459, -1.0099, -0.2937], [-0.4803, -0.8911, -0.3678], [0.3982, -0.7645, 0.7407],
])

private func run(
  _ y: Matrix, xs: [Double], transforms: [TransformKind] = TransformKind.allCases, betas: [Double] = [5],
  spectral: SpectralKind = .minRealEigenvalue, mutation: GradientMutation? = nil, reference: Bool = false,
  name: String = "t"
) -> [CaseResult] {
  let options = EngineOptions(transforms: transforms, betas: betas, spectral: spectral, seed: 0)
  let sources = mutation.map { m in transforms.map { MutatedSource(BuiltinTransformSource($0), mutation: m) } }
  let engine = CheckEngine(
    options: options, sources: sources, referenceCheck: reference ? referenceSolverCheck : nil)
  var ev = SpectralEvaluator()
  let job = MatrixJob(
    y: y, xs: xs.enumerated().map { XCase(index: $0.offset, x: $0.element) }, name: name, repro: "test")
  return engine.run(job, evaluator: &ev)
}

private func rel(_ a: Double, _ b: Double) -> Double { abs(a - b) / abs(b) }

@Suite("Check engine")
struct EngineTests {
  @Test func forumExampleReproducesThePublishedNumbers() throws {
    let c = try #require(run(forumY1, xs: [1.0], transforms: [.softplus], reference: true).first)
    #expect(rel(c.lambdaMin!, -1.5519847121) < 1e-9)
    #expect(rel(c.kappa!, 1.1239763586) < 1e-9)
    #expect(rel(c.xCond!, 0.6364271340) < 1e-9)
    #expect(rel(c.gradX!, 0.0595286453) < 1e-9)
    let spec: [[Double]] = [
      [0.1412815858, 0.1093049168, 0.0119097411],
      [0.2907928342, 0.2249768528, 0.0245132255],
      [0.0647485480, 0.0500938223, 0.0054581667],
    ]
    // The reference prints 10 decimals: agree to half a unit of the last one.
    for i in 0..<3 { for j in 0..<3 { #expect(abs(c.gradY![i][j] - spec[i][j]) <= 5e-11) } }
    // An independent float64 evaluation (numpy: LAPACK dgeev, left vectors from
    // A^T; fixtures/forum-example.json) to 1e-9 relative.
    let numpy: [[Double]] = [
      [0.14128158582902497, 0.10930491678901025, 0.011909741127629775],
      [0.2907928341762388, 0.22497685282878764, 0.024513225531032246],
      [0.06474854801718038, 0.05009382228899906, 0.005458166687113317],
    ]
    for i in 0..<3 { for j in 0..<3 { #expect(rel(c.gradY![i][j], numpy[i][j]) < 1e-9) } }
    // The forum example's margins: 1 + x*s = -0.5520, 1 + x_cond*s = 0.0123.
    #expect(abs((1 + c.x! * c.lambdaMin!) - -0.5520) < 5e-5)
    #expect(abs(c.checks[.constraint]!.value! - 0.0123) < 5e-5)
    #expect(c.status == .pass)
    #expect(c.classification == .smooth)
    #expect(c.checks[.solver]?.status == .pass)
    let c0 = try #require(run(forumY0, xs: [-2.0], transforms: [.softplus]).first)
    #expect(abs((1 + c0.x! * c0.lambdaMin!) - 3.2149) < 5e-5)
    #expect(abs(c0.checks[.constraint]!.value! - 3.2149) < 5e-5)
  }

  @Test func breakingTheGradientMakesTheGradientCheckFail() throws {
    for m in GradientMutation.allCases {
      let cases = run(forumY1, xs: [1.0], transforms: [.softplus, .safeSoftplus], mutation: m)
      for c in cases {
        #expect(c.checks[.gradient]?.status == .fail, "\(m) not caught on \(c.id)")
        #expect(c.status == .fail)
      }
    }
  }

  @Test func solvesDoNotGrowWithTransformsAndBetas() throws {
    let one = run(forumY1, xs: [1.0, -3.0], transforms: [.softplus], betas: [5])
    let many = run(forumY1, xs: [1.0, -3.0], transforms: TransformKind.allCases, betas: [1, 2, 5, 10, 20, 50])
    #expect(many.count == 48)
    #expect(Set(one.compactMap(\.eigenSolves)).count == 1)
    let solves = Set(many.compactMap(\.eigenSolves))
    #expect(solves.count == 1)
    #expect(solves.first == one.first?.eigenSolves)
  }

  /// Each transform near s = 0: Y = diag(s, 1, 2) so that s is exact.
  @Test(arguments: [0.0, 1e-300, -1e-300, 1e-12, -1e-12, 1e-6, -1e-6])
  func transformsNearZero(_ s: Double) throws {
    let y = Matrix.diagonal([s, 1, 2])
    for beta in [5.0, 20.0] {
      let cases = run(y, xs: [1.0], betas: [beta])
      let safe = try #require(cases.first { $0.transform == .safeSoftplus })
      #expect(safe.checks[.constraint]?.status == .pass, "\(safe.id) s=\(s)")
      #expect(safe.checks[.finite]?.status == .pass)
      #expect(safe.checks[.fidelity]?.status == .pass, "\(safe.checks[.fidelity]!.message)")
      #expect(safe.checks[.gradient]?.status != .fail)
      let soft = try #require(cases.first { $0.transform == .softplus })
      if abs(s) <= 1e-300 {
        // Undefined at s = 0, and dT/ds ~ 1/s^2 overflows at 1e-300: a clear
        // non-finite result, never a made-up value.
        #expect(soft.checks[.finite]?.status == .fail)
      } else {
        #expect(soft.checks[.finite]?.status == .pass)
      }
      // The divergence of softplus, x_cond ~ c/s with c = log1p(exp(-beta))/beta,
      // is reported (fidelity or growth) wherever it moves x_cond by over 1%.
      let c = log1pExp(-beta) / beta
      if c / abs(s) > 0.01 {
        let flagged = soft.checks[.fidelity]?.status == .fail || soft.checks[.growth]?.status == .fail
        #expect(flagged, "softplus divergence not reported at s=\(s) beta=\(beta)")
      }
      for c in cases { #expect(c.checks[.gradient]?.status != .fail, "\(c.id) s=\(s): \(c.checks[.gradient]!.message)") }
    }
  }

  @Test func repeatedJordanAndNearRealMinimaAreClassifiedWithoutFalseFailures() throws {
    var rng = SeededRNG(seed: 1)
    var v = Matrix(rows: 4, cols: 4, storage: rng.gaussianVector(16))
    for i in 0..<4 { v[i, i] += 3 }
    let vi = v.inverse
    // repeated minimum
    let repeated = v * Matrix.diagonal([-1, -1, 1, 2]) * vi
    // Jordan block at the minimum
    var j = Matrix.diagonal([-1, -1, 1, 2])
    j[0, 1] = 1
    let jordan = v * j * vi
    // near-real complex pair next to the minimum: -1.2 +- 1e-9 i
    var c = Matrix.diagonal([-1.2, -1.2, -1, 2])
    c[0, 1] = 1e-9
    c[1, 0] = -1e-9
    let nearReal = v * c * vi
    for (name, y) in [("repeated", repeated), ("jordan", jordan), ("near-real", nearReal)] {
      let cases = run(y, xs: [0.5, -3], betas: [1, 5, 20], name: name)
      for r in cases {
        #expect(r.classification != .smooth, "\(name): \(r.id) classified smooth")
        #expect(r.checks[.gradient]?.status != .fail, "\(name): \(r.id) \(r.checks[.gradient]!.message)")
        #expect(r.checks[.taylor]?.status != .fail, "\(name): \(r.id) \(r.checks[.taylor]!.message)")
      }
    }
  }

  @Test func noRealEigenvalueSkipsWithTheReason() throws {
    let y = Matrix([[1, 2, 0, 0], [-2, 1, 0, 0], [0, 0, -3, 0.5], [0, 0, -0.5, -3]])
    for c in run(y, xs: [1]) {
      #expect(c.status == .skip && c.classification == .noRealEigenvalue)
      #expect(c.checks[.gradient]?.message.contains("no real eigenvalue") == true)
      #expect(c.lambdaMin == nil && c.xCond == nil)
    }
  }

  /// Analytic derivatives against finite differences over >= 1000 seeded smooth
  /// cases, for every transform and spectral quantity: zero failures.
  @Test(arguments: SpectralKind.allCases)
  func noFalseFailuresOnSmoothCases(_ spectral: SpectralKind) throws {
    var rng = SeededRNG(seed: 42, stream: UInt64(SpectralKind.allCases.firstIndex(of: spectral)!))
    var smooth = 0
    var failures: [String] = []
    var k = 0
    while smooth < 1000 && k < 400 {
      k += 1
      let n = 3 + k % 4
      let y = Matrix(rows: n, cols: n, storage: rng.gaussianVector(n * n))
      var ev = SpectralEvaluator()
      guard let base = try? ev.evaluate(spectral, y, gradient: false), let s = base.s, s != 0 else { continue }
      // Feasible, active and deep x for this s.
      let xs = [1.0, -0.5, -3.0].map { ($0 - 1) / s }
      for c in run(y, xs: xs, betas: [1, 5, 20], spectral: spectral, name: "p\(k)") {
        guard c.classification == .smooth else { continue }
        smooth += 1
        for check in [CheckName.gradient, .taylor] where c.checks[check]?.status == .fail {
          failures.append("\(c.id) \(check): \(c.checks[check]!.message)")
        }
      }
    }
    #expect(smooth >= 1000)
    #expect(failures.isEmpty, "\(failures.prefix(5))")
  }

  @Test func selftestCatchesEveryBugWithoutFalseAlarms() {
    let rows = SelfTest(seed: 0, threads: 2).run()
    #expect(rows.count == 1 + GradientMutation.allCases.count)
    for r in rows {
      #expect(r.ok, "\(r.mutation?.rawValue ?? "correct"): \(r.caught)/\(r.effective), missed \(r.missed)")
    }
  }

  @Test func resultsAreIdenticalForAnyNumberOfThreads() {
    var rng = SeededRNG(seed: 3)
    let jobs = (0..<6).map { k in
      MatrixJob(
        y: Matrix(rows: 3, cols: 3, storage: rng.gaussianVector(9)), xs: [XCase(index: k, x: 0.5)],
        name: "j\(k)", repro: "test")
    }
    let engine = CheckEngine(options: EngineOptions(betas: [5], seed: 0))
    let one = ParallelRunner(threads: 1).map(jobs) { job, _, ev in engine.run(job, evaluator: &ev) }
    let two = ParallelRunner(threads: 2).map(jobs) { job, _, ev in engine.run(job, evaluator: &ev) }
    #expect(one == two)
  }
}

/// log(1 + e^z) without overflow.
func log1pExp(_ z: Double) -> Double {
  z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
}
