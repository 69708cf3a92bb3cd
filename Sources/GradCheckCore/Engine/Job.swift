import EigenCore
import GradcheckModel

/// What a fixture expects of one batch element: its values (`ExpectedValues`, shared by
/// the batch) at `element`, and what they were computed for.
public struct Expectation: Sendable, Equatable {
  public var values: ExpectedValues
  /// The batch element.
  public var element: Int
  /// The fixture's single transform and beta; x_cond and the gradients are compared only
  /// when the file names exactly one of each, and only for that case.
  public var transform: TransformKind?
  public var beta: Double?
  /// The spectral quantity the values were computed for: nothing is compared when a run
  /// uses another one.
  public var spectral: SpectralKind
  /// Precision of the values: sets their tolerance.
  public var dtype: DType

  public init(
    values: ExpectedValues, element: Int, transform: TransformKind? = nil, beta: Double? = nil,
    spectral: SpectralKind = .minRealEigenvalue, dtype: DType = .float64
  ) {
    self.values = values
    self.element = element
    self.transform = transform
    self.beta = beta
    self.spectral = spectral
    self.dtype = dtype
  }
}

/// One x value checked against a matrix.
public struct XCase: Sendable, Equatable {
  /// Index reported in results (batch index for fixtures, matrix number for sweeps).
  public var index: Int
  /// The x value; ignored when `margin` is set.
  public var x: Double
  /// When set, x is chosen so that `1 + x*s = margin` (generated edge cases:
  /// on the boundary, just inside or outside, deep violation), resolved once s is known.
  public var margin: Double? = nil
  /// Label for ids of generated x edge cases ("boundary", "inside", ...); nil for fixtures.
  public var label: String?
  public var expect: Expectation?

  public init(index: Int, x: Double, label: String? = nil, expect: Expectation? = nil) {
    self.index = index
    self.x = x
    self.label = label
    self.expect = expect
  }

  /// An x with `1 + x*s = margin`.
  public init(index: Int, margin: Double, label: String) {
    self.index = index
    self.x = 0
    self.margin = margin
    self.label = label
    self.expect = nil
  }

  /// The x value for spectral value s (`(margin - 1) / s`; 0 when s is 0 or undefined).
  public func resolved(s: Double?) -> Double {
    guard let m = margin else { return x }
    guard let s, s != 0 else { return 0 }
    return (m - 1) / s
  }
}

/// A matrix with the x values to check against it. The eigenproblems of the
/// matrix and of its perturbations are solved once and shared by every x,
/// transform and beta.
public struct MatrixJob: Sendable {
  public var y: Matrix
  public var xs: [XCase]
  /// Name used in case ids (fixture name or "family n=N #k").
  public var name: String
  /// Fixture path (as given) or nil.
  public var source: String?
  /// Family name or nil.
  public var family: String?
  /// The input's own transforms, betas and spectral quantity (fixtures), used
  /// when the command line does not override them.
  public var transforms: [TransformKind]?
  public var betas: [Double]?
  public var spectral: SpectralKind?
  public var outcomes: [Outcome]
  /// Command prefix reproducing this job ("gradcheck check fixtures/a.json").
  public var repro: String

  public init(
    y: Matrix, xs: [XCase], name: String, source: String? = nil, family: String? = nil,
    transforms: [TransformKind]? = nil, betas: [Double]? = nil, spectral: SpectralKind? = nil,
    outcomes: [Outcome] = [], repro: String
  ) {
    self.y = y
    self.xs = xs
    self.name = name
    self.source = source
    self.family = family
    self.transforms = transforms
    self.betas = betas
    self.spectral = spectral
    self.outcomes = outcomes
    self.repro = repro
  }
}
