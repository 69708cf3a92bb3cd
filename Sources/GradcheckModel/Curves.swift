// The behaviour curves of a transform: its margin and its slope dT/dx against u = 1 + x*s.

/// One transform's behaviour at one beta, sampled on a grid of `u = 1 + x*s`: the
/// margin `1 + T*s` and the slope `dT/dx` (the results' optional `curves` member).
///
/// For `softplus`, `leaky` and `safe-softplus` both are functions of `u` alone, so one
/// curve describes every matrix; for `where` the slope is too, and the margin is `u`
/// for `u > 0` but `-delta*s` for `u <= 0`, so that side depends on the `s` the curve
/// was computed at (`s`, 1 for the curves gradcheck writes).
public struct BehaviourCurve: Sendable, Equatable {
  public var transform: TransformKind
  public var beta: Double
  /// The s the points were computed at (x = (u - 1)/s).
  public var s: Double
  /// The grid of u = 1 + x*s, increasing.
  public var u: [Double]
  /// The margin 1 + T*s at each u.
  public var margin: [Double]
  /// dT/dx at each u.
  public var dx: [Double]

  public init(transform: TransformKind, beta: Double, s: Double, u: [Double], margin: [Double], dx: [Double]) {
    self.transform = transform
    self.beta = beta
    self.s = s
    self.u = u
    self.margin = margin
    self.dx = dx
  }

  /// The order of curves in results: transform (in `TransformKind` order), then beta.
  public static func order(_ a: BehaviourCurve, _ b: BehaviourCurve) -> Bool {
    let ia = TransformKind.allCases.firstIndex(of: a.transform)!
    let ib = TransformKind.allCases.firstIndex(of: b.transform)!
    return ia != ib ? ia < ib : a.beta < b.beta
  }

  /// The union of several lists of curves by (transform, beta), the first one met kept,
  /// in `order`.
  public static func union<S: Sequence>(_ lists: S) -> [BehaviourCurve] where S.Element == [BehaviourCurve] {
    var out: [BehaviourCurve] = []
    for list in lists {
      for c in list where !out.contains(where: { $0.transform == c.transform && $0.beta == c.beta }) {
        out.append(c)
      }
    }
    return out.sorted(by: order)
  }
}
