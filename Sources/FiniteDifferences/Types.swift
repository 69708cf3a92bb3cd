/// The library's own small result types (it depends on nothing but the standard
/// library): a verdict and a point of a convergence series.

/// The verdict of a comparison or test.
///
/// - `pass`: agrees within the tolerance;
/// - `warn`: agrees only within the finite-difference error bar, or the evidence is
///   mixed;
/// - `fail`: disagrees beyond tolerance plus error bar;
/// - `skip`: nothing could be concluded (no entries, or the function is linear or not
///   finite where it was probed).
public enum FDStatus: String, Sendable, Equatable, Hashable, CaseIterable {
  case pass, warn, fail, skip

  /// Severity: skip < pass < warn < fail.
  public var severity: Int {
    switch self {
    case .skip: 0
    case .pass: 1
    case .warn: 2
    case .fail: 3
    }
  }

  /// The worst of a list of statuses (`skip` when empty).
  public static func worst<S: Sequence>(_ statuses: S) -> FDStatus where S.Element == FDStatus {
    statuses.max(by: { $0.severity < $1.severity }) ?? .skip
  }
}

/// One point of a convergence series: an error (estimate, actual error or Taylor
/// remainder) against the step that gave it.
public struct FDPoint: Sendable, Equatable, Hashable {
  public var step: Double
  public var error: Double

  public init(step: Double, error: Double) {
    self.step = step
    self.error = error
  }
}
