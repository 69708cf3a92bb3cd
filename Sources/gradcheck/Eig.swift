import ArgumentParser
import EigenCore
import GradCheckCore
import GradcheckIO
import GradcheckModel
import Spectral

extension GradCheck {
  /// `gradcheck eig`: the native solver against GSL and LAPACK-style ratios on
  /// fixture matrices and generated families.
  struct Eig: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Cross-check the native eigen solver against GSL (fixtures and/or --family/--n/--count).")

    @Argument(help: "Fixture files or folders (their matrices are checked).")
    var paths: [String] = []

    @OptionGroup var families: FamilyOptions

    @Option(help: "Seed of the generated matrices.")
    var seed: UInt64 = 0
    @Option(help: "Worker threads (default: all cores).")
    var jobs: Int?
    @OptionGroup var output: OutputOptions

    func validate() throws {
      if paths.isEmpty && families.family == nil {
        throw ValidationError("give fixture paths and/or --family")
      }
      if let jobs, jobs < 1 { throw ValidationError("--jobs: expected a positive number") }
    }

    func run() throws {
      let plan = try OutputPlan(output)
      var items: [EigItem] = []
      if !paths.isEmpty {
        for f in try loadOrExplain(paths) {
          for b in 0..<f.batchCount {
            items.append(EigItem(
              y: Matrix(f.y[b]), id: "\(f.name)[\(b)]", source: f.path, family: nil, index: b,
              expectLambda: f.expect.lambdaMin?[b], dtype: f.dtype,
              repro: "gradcheck eig \(shellQuote(f.path))"))
          }
        }
      }
      if families.family != nil {
        for g in families.matrices(seed: seed, defaultFamilies: [], defaultOrders: [3]) {
          items.append(EigItem(
            y: g.matrix, id: "\(g.family) n=\(g.n) #\(g.index)", source: nil, family: g.family, index: g.index,
            expectLambda: nil, dtype: .float64,
            repro: "gradcheck eig \(FamilyOptions.repro(g, seed: seed))"))
        }
      }
      let progress = Progress(total: items.count, label: "eig")
      let perItem = ParallelRunner(threads: jobs ?? ProcessInfoLite.cores).map(
        items, progress: { progress.update($0) }, shouldStop: { interruptRequested() }
      ) { item, _, ev in eigCase(item, &ev) }
      progress.finish()
      if interruptRequested() { exitInterrupted(done: perItem.compactMap { $0 }.count, total: items.count) }
      let cases = perItem.compactMap { $0 }.sorted(by: CaseResult.canonicalOrder)
      let results = Results(seed: seed, cases: cases)
      try plan.write(results, title: "gradcheck eig")
      let worst = cases.compactMap { $0.checks[.solver]?.value }.max() ?? 0
      try finishRun(results, command: "eig", strict: output.strict, exitZero: output.exitZero,
                    extra: " (largest solver value \(formatExact((worst * 100).rounded() / 100)) of 20)")
    }
  }
}

struct EigItem: Sendable {
  var y: Matrix
  var id: String
  var source: String?
  var family: String?
  var index: Int
  var expectLambda: Double?
  var dtype: DType
  var repro: String
}

func eigCase(_ item: EigItem, _ ev: inout SpectralEvaluator) -> CaseResult {
  let before = ev.solves
  let cmp = compareWithReference(item.y, &ev)
  var checks: [CheckName: CheckResult] = [.solver: cmp.check]
  let sorted = cmp.native.sorted(by: Complex.reportOrder)
  let lambda = sorted.filter { $0.im == 0 }.map(\.re).min()
  var kappa: Double? = nil
  if let base = try? ev.evaluate(.minRealEigenvalue, item.y, gradient: true) { kappa = base.kappa }
  if let e = item.expectLambda {
    let tol = item.dtype == .float64 ? 1e-8 : 1e-3
    if let l = lambda {
      let err = abs(l - e) / max(abs(e), 1e-300)
      checks[.expect] = CheckResult(
        status: err <= tol ? .pass : .fail, value: err, tolerance: tol,
        message: err <= tol ? "lambda_min agrees with the fixture" : "lambda_min \(l) differs from the fixture's \(e)")
    } else {
      checks[.expect] = CheckResult(status: .fail, message: "no real eigenvalue, the fixture expects lambda_min = \(e)")
    }
  }
  let status = Status.worst(checks.values.map(\.status))
  return CaseResult(
    id: item.id, source: item.source, index: item.index, family: item.family, n: item.y.rows,
    transform: nil, beta: nil, spectral: .minRealEigenvalue, classification: nil, status: status,
    x: nil, lambdaMin: lambda, kappa: kappa, eigenvalues: sorted.map { ComplexPair($0.re, $0.im) },
    xCond: nil, gradX: nil, gradY: nil, checks: checks, repro: item.repro, eigenSolves: ev.solves - before)
}
