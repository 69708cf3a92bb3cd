/// Values a fixture expects the tool to reproduce (for example exported from PyTorch),
/// compared for the fixture's own single transform and beta. Any subset may be given.
public struct ExpectedValues: Sendable, Equatable {
  /// `s` per batch element (B values).
  public var lambdaMin: [Double]?
  /// `x_cond` per batch element (B values).
  public var xCond: [Double]?
  /// `dT/dx` per batch element (B values).
  public var gradX: [Double]?
  /// `dT/ds * ds/dY` per batch element (B x N x N, same layout as `y`).
  public var gradY: [[[Double]]]?

  public init(
    lambdaMin: [Double]? = nil, xCond: [Double]? = nil, gradX: [Double]? = nil,
    gradY: [[[Double]]]? = nil
  ) {
    self.lambdaMin = lambdaMin
    self.xCond = xCond
    self.gradX = gradX
    self.gradY = gradY
  }

  /// Whether no value is expected.
  public var isEmpty: Bool { lambdaMin == nil && xCond == nil && gradX == nil && gradY == nil }
}
