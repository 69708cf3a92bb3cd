import EigenCore
import GradCheckCore
import GradcheckModel
import Spectral

/// A gradient chosen at a nonsmooth point, from its two smooth pieces' gradients `A` and
/// `B`: at a kink of `where`/`leaky` (`1 + x*s = 0`) the feasible branch (`T = x`) and the
/// active one; at a repeated minimum the derivative of the solver's eigenvalue and of the
/// other copy. Each piece's gradient, and any convex combination, lies in the one-sided
/// bracket of every direction (a framework's one-sided or averaged choice); `2A - B` and
/// `2B - A` lie outside it wherever the pieces differ.
public enum BracketGradient: String, CaseIterable, Sendable {
  case branchA = "branch-a"
  case branchB = "branch-b"
  case average = "average"
  case beyondA = "beyond-a"
  case beyondB = "beyond-b"

  /// Whether the gradient is in the bracket (then it must never be flagged).
  public var inBracket: Bool { self == .branchA || self == .branchB || self == .average }

  /// The weights `(wA, wB)` of `wA A + wB B`.
  var weights: (Double, Double) {
    switch self {
    case .branchA: (1, 0)
    case .branchB: (0, 1)
    case .average: (0.5, 0.5)
    case .beyondA: (2, -1)
    case .beyondB: (-1, 2)
    }
  }

  public var summary: String {
    switch self {
    case .branchA: "one piece's gradient (feasible branch / first copy)"
    case .branchB: "the other piece's gradient (active branch / second copy)"
    case .average: "the average of the two pieces"
    case .beyondA: "2A - B: beyond the first piece, outside the bracket"
    case .beyondB: "2B - A: beyond the second piece, outside the bracket"
    }
  }
}

/// Wraps a source and replaces its gradients at base points by a `BracketGradient` of
/// the point's two pieces (values are left as they are, so finite differences measure the
/// true function). At a point that is neither on a kink nor at a double minimum with a
/// dual basis, the wrapped gradient is returned unchanged.
public struct BracketSource: GradientSource {
  public var wrapped: any GradientSource
  public var choice: BracketGradient
  public var parameters: TransformParameters

  public init(_ wrapped: any GradientSource, choice: BracketGradient, parameters: TransformParameters = .init()) {
    self.wrapped = wrapped
    self.choice = choice
    self.parameters = parameters
  }

  public var name: String { wrapped.name }
  public var transform: TransformKind? { wrapped.transform }
  public var dtype: DType { wrapped.dtype }
  public var readsToolSpectrum: Bool { wrapped.readsToolSpectrum }

  public func evaluate(_ batch: EvaluationBatch) throws -> [SourceValue] {
    var values = try wrapped.evaluate(batch)
    var pieces: ([SourceValue], [SourceValue])? = nil
    if let s = batch.base.s, let cluster = ClusterGradient(batch.base, y: batch.y, s: s) {
      var first = batch
      first.base.gradient = cluster.first
      var second = batch
      second.base.gradient = cluster.second
      pieces = (try wrapped.evaluate(first), try wrapped.evaluate(second))
    }
    let (wa, wb) = choice.weights
    for k in values.indices where batch.points[k].gradient {
      let p = batch.points[k]
      if let (a, b) = kinkPieces(p, dsdY: batch.base.gradient) {
        values[k].gradX = wa * a.gx + wb * b.gx
        values[k].gradY = combine(a.gy, wa, b.gy, wb)
      } else if let (first, second) = pieces, let ga = first[k].gradY, let gb = second[k].gradY {
        values[k].gradY = combine(ga, wa, gb, wb)
      }
    }
    return values
  }

  /// `(dT/dx, dT/ds ds/dY)` of the feasible branch `T = x` and of the active branch, when
  /// `where` or `leaky` sits exactly on its kink.
  func kinkPieces(_ p: EvaluationPoint, dsdY: Matrix?) -> ((gx: Double, gy: Matrix), (gx: Double, gy: Matrix))? {
    guard let t = transform, t == .where || t == .leaky, let dsdY, p.s != 0,
      abs(1 + p.x * p.s) <= 4 * Double.ulpOfOne
    else { return nil }
    let alpha = t == .leaky ? parameters.slope : 0
    let scaled = { (f: Double) in Matrix(rows: dsdY.rows, cols: dsdY.cols, storage: dsdY.storage.map { f * $0 }) }
    return ((1, scaled(0)), (alpha, scaled((1 - alpha) / (p.s * p.s))))
  }

  func combine(_ a: Matrix, _ wa: Double, _ b: Matrix, _ wb: Double) -> Matrix {
    var m = a
    for q in 0..<m.storage.count { m.storage[q] = wa * a.storage[q] + wb * b.storage[q] }
    return m
  }
}
