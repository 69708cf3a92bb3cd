/// Stable names (see docs/checks.md and docs/cli.md). Every name used on the command line,
/// in fixtures and in results comes from here.

/// The transforms `x_cond = T(x, s; beta)`.
public enum TransformKind: String, CaseIterable, Sendable, Codable, Hashable {
  case `where` = "where"
  case softplus = "softplus"
  case leaky = "leaky"
  case safeSoftplus = "safe-softplus"
}

/// The spectral quantities s(Y).
public enum SpectralKind: String, CaseIterable, Sendable, Codable, Hashable {
  case minRealEigenvalue = "min-real-eigenvalue"
  case minRealPart = "min-real-part"
  case minSingularValue = "min-singular-value"
}

/// Precision in which a fixture's `expect` values were computed.
public enum DType: String, CaseIterable, Sendable, Codable, Hashable {
  case float64, float32
}

/// Case classification, in the order in which they are tested.
public enum Classification: String, CaseIterable, Sendable, Codable, Hashable {
  case noRealEigenvalue = "no-real-eigenvalue"
  case nonsmooth = "nonsmooth"
  case illConditioned = "ill-conditioned"
  case nearSingular = "near-singular"
  case smooth = "smooth"
}

/// The checks (see docs/checks.md), in their canonical (report and file) order.
public enum CheckName: String, CaseIterable, Sendable, Codable, Hashable, Comparable {
  case constraint, finite, gradient, taylor, growth, fidelity, solver, reference, evaluate, expect

  public static func < (a: CheckName, b: CheckName) -> Bool {
    allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
  }
}

/// Status of a check or a case. A check is one of `pass`, `warn`, `fail`, `skip`;
/// a case can also be `xfail` (an expected failure that failed, which passes the run)
/// or `xpass` (an expected failure that passed, which fails the run).
public enum Status: String, CaseIterable, Sendable, Codable, Hashable {
  case pass, warn, fail, skip, xfail, xpass

  /// Severity used for "a case's status is the worst of its checks":
  /// skip < pass < warn < fail. (`xfail`/`xpass` are never check statuses.)
  public var severity: Int {
    switch self {
    case .skip: 0
    case .pass: 1
    case .xfail: 1
    case .warn: 2
    case .fail: 3
    case .xpass: 3
    }
  }

  /// The worst of a list of check statuses; `skip` when the list is empty.
  public static func worst<S: Sequence>(_ statuses: S) -> Status where S.Element == Status {
    statuses.max(by: { $0.severity < $1.severity }) ?? .skip
  }

  /// Whether this status makes the run exit 1 (with `strict`, `warn` too).
  public func failsRun(strict: Bool) -> Bool {
    switch self {
    case .fail, .xpass: true
    case .warn: strict
    default: false
    }
  }
}

extension DType {
  /// The rounding unit `u` of the `expect` comparisons: the error a correct evaluation in
  /// this dtype can make, well above its eps to allow for another solver and summation
  /// order (1e-8 for float64, 1e-4 for float32).
  public var expectUnit: Double { self == .float64 ? 1e-8 : 1e-4 }

  /// The tolerance of an expected `lambda_min`: `u (|lambda| + kappa |Y|_F)`, the error of a
  /// backward-stable solver on an eigenvalue of condition number kappa (at least 1).
  public func lambdaMinTolerance(expected lambda: Double, kappa: Double, normY: Double) -> Double {
    expectUnit * (abs(lambda) + max(kappa, 1) * normY)
  }
}
