import ArgumentParser
import EigenCore
import GradCheckCore
import GradcheckIO
import GradcheckModel
import Spectral
import NumberFormat

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
      let run = try runEig(items, seed: seed, threads: jobs ?? ProcessInfoLite.cores, plan: plan)
      try finishRun(run.summary, command: "eig", strict: output.strict, exitZero: output.exitZero,
                    extra: " (largest solver value \(formatExact((run.worst * 100).rounded() / 100)) of \(formatExact(LAPACKTest.threshold)))",
                    baseline: plan.baseline)
    }
  }
}

/// Items per block of `runEig` (one case each, computed one after another by one worker).
let eigBlock = 8

/// Runs `eigCase` over `items` on the worker threads and writes the outputs of `plan` as
/// the cases come, in canonical order, through an `OutputStream` (as `runJobs` does for
/// check and sweep): the items are put in the order of their cases (`eigOrder`) and taken
/// in blocks of `eigBlock`, and at most `8 * threads` blocks' cases are held at once
/// (`ParallelRunner.forEachInOrder`), so memory for results does not grow with the number
/// of cases. The bytes are those of sorting all the cases at the end. Returns the counts
/// and the largest solver value (0 when none). An interrupt stops the run, removes what
/// was streamed and exits (130 or 143) with no output file written.
func runEig(
  _ items: [EigItem], seed: UInt64, threads: Int, plan: OutputPlan
) throws -> (summary: Summary, worst: Double) {
  let order = eigOrder(items)
  let blocks = stride(from: 0, to: order.count, by: eigBlock).map {
    Array(order[$0..<min($0 + eigBlock, order.count)])
  }
  var worst: Double?  // as `max()` of the values in case order
  let summary = try streamBlocks(
    blocks, total: items.count, label: "eig", threads: threads, plan: plan, seed: seed,
    title: "gradcheck eig",
    { block, ev in block.map { eigCase(items[$0], &ev) } },
    seen: { c in
      if let v = c.checks[.solver]?.value, worst.map({ $0 < v }) ?? true { worst = v }
    })
  return (summary, worst ?? 0)
}

/// The indices of `items` in the canonical order of their cases (`CaseResult.canonicalOrder`):
/// an item's case has the item's group (`source ?? family`), N (the matrix order), index
/// and id, no transform or beta, and the spectral quantity `minRealEigenvalue`, so the
/// canonical order of the cases is the order of (group, N, index, id); ties keep the
/// items' order, as the stable sort of all the cases did.
func eigOrder(_ items: [EigItem]) -> [Int] {
  let keys = items.map { CaseOrderKey(group: $0.source ?? $0.family ?? "cases", n: $0.y.rows, index: $0.index, id: $0.id) }
  return items.indices.sorted { a, b in keys[a] != keys[b] ? keys[a] < keys[b] : a < b }
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
    if let l = lambda {
      // The bound of the `check` command's expect: u (|lambda| + kappa |Y|_F).
      let tol = item.dtype.lambdaMinTolerance(expected: e, kappa: kappa ?? 1, normY: item.y.normFrobenius)
      let ratio = abs(l - e) / max(tol, Double.leastNormalMagnitude)
      let ok = ratio <= 1
      checks[.expect] = CheckResult(
        status: ok ? .pass : .fail, code: ok ? .matchesFixture : .differsFromFixture, value: ratio, tolerance: 1,
        message: ok
          ? "lambda_min agrees with the fixture's \(item.dtype.rawValue) value (\(formatNumber(ratio)) of its tolerance)"
          : "lambda_min \(l) differs from the fixture's \(e) by \(formatNumber(ratio)) times its rounding tolerance (u = \(formatNumber(item.dtype.expectUnit)))")
    } else {
      checks[.expect] = CheckResult(
        status: .fail, code: .noRealEigenvalue, message: "no real eigenvalue, the fixture expects lambda_min = \(e)")
    }
  }
  let status = Status.worst(checks.values.map(\.status))
  return CaseResult(
    id: item.id, source: item.source, index: item.index, family: item.family, n: item.y.rows,
    transform: nil, beta: nil, spectral: .minRealEigenvalue, classification: nil, status: status,
    x: nil, lambdaMin: lambda, kappa: kappa, eigenvalues: sorted.map { ComplexPair($0.re, $0.im) },
    xCond: nil, gradX: nil, gradY: nil, checks: checks, repro: item.repro, eigenSolves: ev.solves - before)
}
