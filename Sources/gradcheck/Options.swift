import ArgumentParser
import GradCheckCore
import NumberFormat
import GradcheckModel
import Spectral

/// Where results and reports go, and how the exit code is decided: shared by
/// every command that writes results.
struct OutputOptions: ParsableArguments {
  @Option(help: "Results file (gradcheck-results/1 JSON).")
  var json: String?

  @Option(help: "Markdown report.")
  var markdown: String?

  @Option(help: "Self-contained HTML report.")
  var html: String?

  @Option(help: "JUnit XML report.")
  var junit: String?

  @Option(help: "Write results.json, report.md, report.html and junit.xml into this folder.")
  var out: String?

  @Flag(help: "Count warnings as failures.")
  var strict = false

  @Flag(name: .customLong("exit-zero"), help: "Report only: exit 0 even when checks fail.")
  var exitZero = false

  @Option(help: "Compare with this baseline results file: exit 1 only when a case regressed or a new case fails; reports lead with the regressions.")
  var baseline: String?
}

/// The options shared by every command that runs cases (see docs/cli.md).
struct CommonOptions: ParsableArguments {
  @Option(name: .customLong("transform"), help: "Transforms: a comma-separated list of where, softplus, leaky, safe-softplus, or all.")
  var transform: String?

  @Option(help: "Betas: a comma-separated list of positive numbers.")
  var beta: String?

  @Option(help: "Spectral quantity: min-real-eigenvalue (default), min-real-part, min-singular-value.")
  var spectral: String?

  @Option(help: "Seed of every random choice.")
  var seed: UInt64 = 0

  @Option(help: "Worker threads (default: all cores). Results are identical for every value.")
  var jobs: Int?

  @OptionGroup var output: OutputOptions

  @Option(help: "where: delta of -1/s - delta.")
  var margin: Double = CommonOptions.defaults.parameters.margin

  @Option(help: "leaky: slope alpha.")
  var slope: Double = CommonOptions.defaults.parameters.slope

  @Option(help: "safe-softplus: floor delta.")
  var floor: Double = CommonOptions.defaults.parameters.floor

  @Option(name: .customLong("max-grad"), help: "growth: largest acceptable |gradient| entry.")
  var maxGrad: Double = CommonOptions.defaults.maxGrad

  @Option(help: "Mask complex eigenvalues with this finite value instead of +inf.")
  var sentinel: Double?

  func validate() throws {
    if let transform { _ = try parseTransforms(transform) }
    if let beta { _ = try parseBetas(beta) }
    if let spectral, SpectralKind(rawValue: spectral) == nil {
      throw ValidationError("--spectral: unknown spectral quantity '\(spectral)'; expected one of \(SpectralKind.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    if let jobs, jobs < 1 { throw ValidationError("--jobs: expected a positive number, found \(jobs)") }
    if !(margin > 0 && margin.isFinite) { throw ValidationError("--margin: expected a positive number") }
    if !(slope >= 0 && slope < 1) { throw ValidationError("--slope: expected a number in [0, 1)") }
    if !(floor > 0 && floor < 1) { throw ValidationError("--floor: expected a number in (0, 1)") }
    if !(maxGrad > 0) { throw ValidationError("--max-grad: expected a positive number") }
    if let sentinel, !sentinel.isFinite { throw ValidationError("--sentinel: expected a finite number") }
  }

  var transforms: [TransformKind]? { transform.flatMap { try? parseTransforms($0) } }
  var betas: [Double]? { beta.flatMap { try? parseBetas($0) } }
  var spectralKind: SpectralKind? { spectral.flatMap { SpectralKind(rawValue: $0) } }
  var threads: Int { jobs ?? ProcessInfoLite.cores }

  /// The engine's defaults: the one place the options' default values come from.
  static let defaults = EngineOptions()

  func engineOptions() -> EngineOptions {
    var o = Self.defaults
    o.transforms = transforms
    o.betas = betas
    o.spectral = spectralKind
    o.parameters = TransformParameters(margin: margin, slope: slope, floor: floor)
    o.maxGrad = maxGrad
    o.sentinel = sentinel
    o.seed = seed
    return o
  }
}

func parseTransforms(_ s: String) throws -> [TransformKind] {
  if s == "all" { return TransformKind.allCases }
  var out: [TransformKind] = []
  for part in s.split(separator: ",", omittingEmptySubsequences: false) {
    let name = part.trimmingCharacters(in: " ")
    guard let t = TransformKind(rawValue: name) else {
      throw ValidationError("--transform: unknown transform '\(name)'; expected a list of \(TransformKind.allCases.map(\.rawValue).joined(separator: ", ")) or all")
    }
    if !out.contains(t) { out.append(t) }
  }
  return out
}

func parseBetas(_ s: String) throws -> [Double] {
  var out: [Double] = []
  for part in s.split(separator: ",", omittingEmptySubsequences: false) {
    let text = part.trimmingCharacters(in: " ")
    guard let v = Double(text), v.isFinite, v > 0 else {
      throw ValidationError("--beta: '\(text)' is not a positive finite number")
    }
    if !out.contains(v) { out.append(v) }
  }
  return out
}

func parseIntList(_ s: String, option: String, min: Int = 1) throws -> [Int] {
  var out: [Int] = []
  for part in s.split(separator: ",", omittingEmptySubsequences: false) {
    let text = part.trimmingCharacters(in: " ")
    guard let v = Int(text), v >= min else {
      throw ValidationError("\(option): '\(text)' is not a whole number >= \(min)")
    }
    if !out.contains(v) { out.append(v) }
  }
  return out
}

extension Substring {
  func trimmingCharacters(in set: Character) -> String {
    var s = self[...]
    while s.first == set { s = s.dropFirst() }
    while s.last == set { s = s.dropLast() }
    return String(s)
  }
}

#if canImport(Glibc)
  import Glibc
#endif

enum ProcessInfoLite {
  static var cores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
