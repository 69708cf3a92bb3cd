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

  @Option(help: "safe-softplus: floor delta (default 1e-6 in float64, 2^-13 in float32).")
  var floor: Double?

  @Option(help: "Precision of the built-in transforms: float64 (default) or float32.")
  var dtype: String?

  @Option(help: "Check this external program (run with /bin/sh -c; protocol gradcheck-exec/1) instead of the built-in transforms.")
  var exec: String?

  @Option(name: .customLong("exec-timeout"), help: "Seconds to wait for one response of the program.")
  var execTimeout: Double = CommonOptions.defaults.exec.timeout

  @Option(name: .customLong("exec-batch"), help: "Points per request to the program.")
  var execBatch: Int = CommonOptions.defaults.exec.batch

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
    if let floor, !(floor > 0 && floor < 1) { throw ValidationError("--floor: expected a number in (0, 1)") }
    if let dtype, DType(rawValue: dtype) == nil {
      throw ValidationError("--dtype: unknown dtype '\(dtype)'; expected float64 or float32")
    }
    if exec != nil && dtype != nil {
      throw ValidationError("--dtype: not with --exec (the program states its own dtype in its handshake)")
    }
    if let exec, exec.allSatisfy({ $0 == " " }) { throw ValidationError("--exec: expected a command") }
    if exec != nil, let t = transforms, t.count != 1 {
      throw ValidationError("--transform: with --exec, name one built-in transform to compare the program with (found \(t.count))")
    }
    if !(execTimeout > 0 && execTimeout.isFinite) { throw ValidationError("--exec-timeout: expected a positive number of seconds") }
    if execBatch < 1 { throw ValidationError("--exec-batch: expected a positive number of points") }
    if !(maxGrad > 0) { throw ValidationError("--max-grad: expected a positive number") }
    if let sentinel, !sentinel.isFinite { throw ValidationError("--sentinel: expected a finite number") }
  }

  var transforms: [TransformKind]? { transform.flatMap { try? parseTransforms($0) } }
  var betas: [Double]? { beta.flatMap { try? parseBetas($0) } }
  var spectralKind: SpectralKind? { spectral.flatMap { SpectralKind(rawValue: $0) } }
  var threads: Int { jobs ?? ProcessInfoLite.cores }
  /// `--dtype` (float64 when not given).
  var dtypeKind: DType { dtype.flatMap { DType(rawValue: $0) } ?? .float64 }
  /// `--floor`, else the default of the dtype.
  var floorValue: Double { floor ?? TransformParameters.defaultFloor(for: dtypeKind) }

  /// The engine's defaults: the one place the options' default values come from.
  static let defaults = EngineOptions()

  func engineOptions() -> EngineOptions {
    var o = Self.defaults
    o.transforms = transforms
    o.betas = betas
    o.spectral = spectralKind
    o.parameters = TransformParameters(margin: margin, slope: slope, floor: floorValue)
    o.dtype = dtypeKind
    o.exec = ExecOptions(command: exec, timeout: execTimeout, batch: execBatch)
    if let exec {
      o.exec.repro = " --exec \(shellQuote(exec))"
      if execTimeout != Self.defaults.exec.timeout { o.exec.repro += " --exec-timeout \(formatExact(execTimeout))" }
      if execBatch != Self.defaults.exec.batch { o.exec.repro += " --exec-batch \(execBatch)" }
    }
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
