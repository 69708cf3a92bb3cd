import ArgumentParser
import EigenCore

/// Generated-matrix selection shared by `sweep`, `eig` and `generate`.
struct FamilyOptions: ParsableArguments {
  @Option(help: "Matrix families: a comma-separated list of names, or all.")
  var family: String?

  @Option(help: "Matrix orders N: a comma-separated list.")
  var n: String?

  @Option(help: "Matrices per family and N.")
  var count: Int = 1

  @Option(help: "Only the matrix with this index (0-based) of each family and N (for repro commands).")
  var index: Int?

  func validate() throws {
    if let family { _ = try parseFamilies(family) }
    if let n {
      let ns = try parseIntList(n, option: "--n")
      if let big = ns.first(where: { $0 > maxGeneratedN }) {
        throw ValidationError("--n: \(big) is larger than the largest supported N (\(maxGeneratedN))")
      }
    }
    if count < 1 || count > 100_000 { throw ValidationError("--count: expected 1...100000, found \(count)") }
    if let index, index < 0 { throw ValidationError("--index: expected a whole number >= 0") }
  }

  var families: [MatrixFamily]? { family.flatMap { try? parseFamilies($0) } }
  var orders: [Int]? { n.flatMap { try? parseIntList($0, option: "--n") } }

  /// The generated matrices, in a stable order: family list order, N, index.
  func matrices(seed: UInt64, defaultFamilies: [MatrixFamily], defaultOrders: [Int]) -> [GeneratedMatrix] {
    var out: [GeneratedMatrix] = []
    for f in families ?? defaultFamilies {
      for n in orders ?? defaultOrders where f.supports(n) {
        let indices = index.map { [$0] } ?? Array(0..<count)
        for k in indices { out.append(f.generate(n: n, index: k, seed: seed)) }
      }
    }
    return out
  }

  /// Options reproducing one generated matrix.
  static func repro(_ g: GeneratedMatrix, seed: UInt64) -> String {
    "--family \(g.family) --n \(g.n) --index \(g.index)" + (seed != 0 ? " --seed \(seed)" : "")
  }
}

/// Largest N accepted for generated matrices and fixtures (limits: README).
let maxGeneratedN = 256
/// Largest batch of one fixture file.
let maxBatch = 100_000

/// `lapack` on the command line means each of the 21 LAPACK types (`lapack-1` ...
/// `lapack-21`), each with `--count` matrices; `all` is every family so expanded.
func parseFamilies(_ s: String) throws -> [MatrixFamily] {
  let names = s == "all" ? MatrixFamilies.all.map(\.name) : s.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: " ") }
  var out: [MatrixFamily] = []
  for name in names {
    let expanded: [MatrixFamily]
    if name == "lapack" {
      expanded = (1...21).map { MatrixFamilies.lapack(type: $0) }
    } else if let f = MatrixFamilies.named(name) {
      expanded = [f]
    } else {
      throw ValidationError("--family: unknown family '\(name)'; known: \(MatrixFamilies.all.map(\.name).joined(separator: ", ")), lapack-1 ... lapack-21, all")
    }
    for f in expanded where !out.contains(where: { $0.name == f.name }) { out.append(f) }
  }
  return out
}

/// Every family, with `lapack` expanded into its 21 types.
let allFamiliesExpanded = (try? parseFamilies("all")) ?? MatrixFamilies.all
