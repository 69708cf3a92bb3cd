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

/// The line `h -> point + h direction` behind every `along:at:` form (central and
/// one-sided differences, the Taylor test): its first step
/// `h0 = stepFactor max(|point|_inf, scale) / |direction|_inf` (the largest displacement
/// of any coordinate is `stepFactor max(|point|_inf, scale)` whatever the length of
/// `direction`; 1 stands for a magnitude that is 0 or not finite), and the input
/// magnitude in units of h, `|point|_inf / |direction|_inf`.
struct DirectionalLine {
  let point: [Double]
  let direction: [Double]
  let initialStep: Double
  let inputMagnitude: Double
  private var x: [Double]

  init(point: [Double], direction: [Double], stepFactor: Double, scale: Double) {
    precondition(direction.count == point.count, "direction and point differ in length")
    let wNorm = direction.reduce(0.0) { max($0, abs($1)) }
    precondition(wNorm > 0 && wNorm.isFinite, "direction must be nonzero and finite")
    let zNorm = point.reduce(0.0) { max($0, abs($1)) }
    let m = max(zNorm, scale)
    self.point = point
    self.direction = direction
    initialStep = stepFactor * (m > 0 && m.isFinite ? m : 1) / wNorm
    inputMagnitude = zNorm / wNorm
    x = point
  }

  /// `point + h direction` (in a buffer reused from call to call).
  mutating func at(_ h: Double) -> [Double] {
    for j in 0..<point.count { x[j] = point[j] + h * direction[j] }
    return x
  }
}
