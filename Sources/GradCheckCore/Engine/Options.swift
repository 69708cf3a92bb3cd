import GradcheckModel
import Spectral

/// Everything a run needs besides its inputs (the common options of the command line,
/// see docs/cli.md). The initialiser's defaults are the one place the command line's
/// defaults come from (`EngineOptions()`).
public struct EngineOptions: Sendable {
  /// Transforms to check; nil takes each input's own (fixture) or all.
  public var transforms: [TransformKind]?
  /// Betas to check; nil takes each input's own (fixture) or the default grid.
  public var betas: [Double]?
  /// Spectral quantity; nil takes each input's own or `min-real-eigenvalue`.
  public var spectral: SpectralKind?
  /// `--margin`, `--slope`, `--floor`.
  public var parameters: TransformParameters
  /// `--max-grad`: the `growth` check fails above it.
  public var maxGrad: Double
  /// `--sentinel`: finite mask for complex eigenvalues.
  public var sentinel: Double?
  /// `--seed`: every random choice derives from it.
  public var seed: UInt64
  /// Full Jacobian up to this N, seeded random directions above it.
  public var jacobianLimit: Int
  /// Random directions when the Jacobian is not full.
  public var randomDirections: Int
  /// `fidelity`: relative tolerance of x_cond against x where 1 + t >= 0.5.
  public var fidelityTolerance: Double
  /// `--dtype`: the precision of the built-in transforms.
  public var dtype: DType
  /// `--exec`, `--exec-timeout`, `--exec-batch`.
  public var exec: ExecOptions

  /// The beta grid when neither the command line nor the input names betas.
  public static let defaultBetas: [Double] = [1, 2, 5, 10, 20, 50]

  public init(
    transforms: [TransformKind]? = nil, betas: [Double]? = nil, spectral: SpectralKind? = nil,
    parameters: TransformParameters = TransformParameters(), maxGrad: Double = 1e6,
    sentinel: Double? = nil, seed: UInt64 = 0, jacobianLimit: Int = 16, randomDirections: Int = 6,
    fidelityTolerance: Double = 1e-2, dtype: DType = .float64, exec: ExecOptions = ExecOptions()
  ) {
    self.dtype = dtype
    self.exec = exec
    self.transforms = transforms
    self.betas = betas
    self.spectral = spectral
    self.parameters = parameters
    self.maxGrad = maxGrad
    self.sentinel = sentinel
    self.seed = seed
    self.jacobianLimit = jacobianLimit
    self.randomDirections = randomDirections
    self.fidelityTolerance = fidelityTolerance
  }
}

/// How an external program (`--exec`) is run; the initialiser's defaults are the command
/// line's.
public struct ExecOptions: Sendable, Equatable {
  /// The command (`/bin/sh -c`); nil: the built-in transforms are checked.
  public var command: String?
  /// Seconds allowed per response (and for the handshake).
  public var timeout: Double
  /// Points per request.
  public var batch: Int
  /// What repro commands append to name the program and its non-default options
  /// (` --exec 'CMD' --exec-timeout S`), shell-quoted by the command line.
  public var repro: String = ""

  public static let defaultTimeout = 60.0
  public static let defaultBatch = 4096

  public init(command: String? = nil, timeout: Double = defaultTimeout, batch: Int = defaultBatch) {
    self.command = command
    self.timeout = timeout
    self.batch = batch
  }
}
