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

  /// The beta grid when neither the command line nor the input names betas.
  public static let defaultBetas: [Double] = [1, 2, 5, 10, 20, 50]

  public init(
    transforms: [TransformKind]? = nil, betas: [Double]? = nil, spectral: SpectralKind? = nil,
    parameters: TransformParameters = TransformParameters(), maxGrad: Double = 1e6,
    sentinel: Double? = nil, seed: UInt64 = 0, jacobianLimit: Int = 16, randomDirections: Int = 6,
    fidelityTolerance: Double = 1e-2
  ) {
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
