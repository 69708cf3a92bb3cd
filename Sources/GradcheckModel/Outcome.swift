/// An expected status (a fixture's `outcomes`, see docs/fixture-format.md): every field but
/// `check` and `status` is an optional filter. A matching expected `fail` that fails is reported as `xfail`;
/// one that passes is `xpass`.
public struct Outcome: Sendable, Equatable {
  /// Batch index the expectation applies to (nil: every index).
  public var index: Int?
  /// Transform it applies to (nil: every transform).
  public var transform: TransformKind?
  /// Beta it applies to (nil: every beta).
  public var beta: Double?
  public var check: CheckName
  /// One of `pass`, `warn`, `fail`, `skip`.
  public var status: Status

  public init(
    index: Int? = nil, transform: TransformKind? = nil, beta: Double? = nil, check: CheckName,
    status: Status
  ) {
    self.index = index
    self.transform = transform
    self.beta = beta
    self.check = check
    self.status = status
  }

  /// Whether this expectation applies to a case (every given filter equal).
  public func matches(index: Int, transform: TransformKind?, beta: Double?) -> Bool {
    (self.index == nil || self.index == index)
      && (self.transform == nil || self.transform == transform)
      && (self.beta == nil || self.beta == beta)
  }
}
