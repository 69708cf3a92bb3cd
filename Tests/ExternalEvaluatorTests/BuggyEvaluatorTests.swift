import ExternalEvaluator
import Testing

/// The bug-injected evaluators (for end-to-end tests of the checks) really carry their
/// bug, and only it: each is compared with the correct NumPy evaluator on the same points.
@Suite("Bug-injected evaluators")
struct BuggyEvaluatorTests {
  /// Two 3 x 3 points: the forum example's matrices, and a matrix with eigenvalues
  /// 2 and 1.5 +- i (every real eigenvalue above 1, so masking with 1.0 changes s).
  static let n = 3
  static let x: [Double] = [-2, 1, 0.5]
  static let y: [Double] = [
    -0.2671, -0.0748, -0.1718, -0.1510, 0.2960, -1.6154, -0.0786, -1.6944, 0.9237,
    -0.7459, -1.0099, -0.2937, -0.4803, -0.8911, -0.3678, 0.3982, -0.7645, 0.7407,
    2, 0, 0, 0, 1.5, -1, 0, 1, 1.5,
  ]

  func values(_ command: String, requests: Int = 1) throws -> [EvalValues] {
    let program = try ExternalEvaluator.start(command: command, stderrSink: nil)
    defer { program.close() }
    var result: [EvalValues] = []
    for k in 0..<requests {
      // The second request moves the points a little, so a stale gradient shows.
      let y = Self.y.map { $0 * (1 + 0.01 * Double(k)) }
      guard case .values(let v) = try program.evaluate(beta: 5, x: Self.x, y: y, n: Self.n, grad: true) else {
        throw ExternalEvaluatorError(kind: .protocolViolation, command: command, requestID: k + 1, problem: "error response", stderrTail: [])
      }
      result.append(v)
    }
    return result
  }

  @Test("grad-y-transposed, grad-x-sign, grad-y-scaled")
  func simpleBugs() throws {
    let good = try values(Programs.numpy(transform: "softplus"))[0]
    let transposed = try values(Programs.buggy("grad-y-transposed"))[0]
    let sign = try values(Programs.buggy("grad-x-sign"))[0]
    let scaled = try values(Programs.buggy("grad-y-scaled"))[0]
    let n = Self.n
    let goodY = try #require(good.gradY)
    for b in 0..<Self.x.count {
      for i in 0..<n {
        for j in 0..<n {
          #expect(transposed.gradY![(b * n + i) * n + j] == goodY[(b * n + j) * n + i])
        }
      }
    }
    #expect(transposed.gradY != goodY)
    #expect(sign.gradX == good.gradX!.map { -$0 })
    #expect(scaled.gradY == goodY.map { $0 * 1.001 })
    for bug in [transposed, sign, scaled] {
      #expect(bug.xCond == good.xCond)
      #expect(bug.lambdaMin == good.lambdaMin)
    }
  }

  @Test("stale-gradient answers the previous request's gradients")
  func stale() throws {
    let good = try values(Programs.numpy(transform: "softplus"), requests: 2)
    let stale = try values(Programs.buggy("stale-gradient"), requests: 2)
    #expect(stale[0].gradY == good[0].gradY)
    #expect(stale[1].gradY == good[0].gradY)
    #expect(stale[1].gradX == good[0].gradX)
    #expect(stale[1].xCond == good[1].xCond)
    #expect(good[1].gradY != good[0].gradY)
  }

  @Test("mask-one masks complex eigenvalues with 1.0")
  func maskOne() throws {
    let good = try values(Programs.numpy(transform: "softplus"))[0]
    let masked = try values(Programs.buggy("mask-one"))[0]
    // The third matrix's real eigenvalue is 2; with complex ones masked as 1.0, s = 1.
    #expect(good.lambdaMin?[2] == 2)
    #expect(masked.lambdaMin?[2] == 1)
    #expect(masked.xCond[2] != good.xCond[2])
    #expect(masked.gradY![18..<27].allSatisfy { $0 == 0 }, "the masked minimum has no gradient")
    // The other matrices have a real minimum below 1: unchanged.
    #expect(masked.lambdaMin![0..<2] == good.lambdaMin![0..<2])
    #expect(masked.xCond[0..<2] == good.xCond[0..<2])
  }
}
