import EigenCore
import Testing

@testable import FiniteDifferences

#if canImport(Glibc)
  import Glibc
#endif

// MARK: - The slope of the piece a jumping side follows

/// `1 + sin(3x)` for x >= 0 (slope 3), `-0.5 + x + x^2` for x < 0 (slope 1): continuous
/// from the right, the left side jumps by -1.5 at 0.
private func stepWithSlopes(_ x: [Double]) -> Double {
  x[0] >= 0 ? 1 + sin(3 * x[0]) : -0.5 + x[0] + x[0] * x[0]
}

@Test func aJumpingSideRecoversItsPieceSlope() {
  let engine = OneSidedDifference()
  let right = engine.derivative(along: [1], at: [0], f: stepWithSlopes)
  let left = engine.derivative(along: [-1], at: [0], f: stepWithSlopes)
  #expect(right.regularity == .regular && right.pieceSlope == nil)
  #expect(abs(right.estimate - 3) <= right.errorEstimate && right.errorEstimate < 1e-8)
  guard case .discontinuous(let jump) = left.regularity else {
    Issue.record("the left side should jump: \(left.regularity)")
    return
  }
  #expect(abs(jump + 1.5) < 1e-3)
  // Along -d the piece -0.5 - h + h^2 has slope -1 (L = 1).
  let slope = try! #require(left.pieceSlope)
  #expect(abs(slope + 1) <= left.pieceError, "\(slope) +- \(left.pieceError)")
  #expect(left.pieceError < 1e-8 && abs(slope + 1) < 1e-8, "\(slope) +- \(left.pieceError)")
  #expect(abs(left.pieceExponent! - 1) < 0.05)
  #expect(abs(left.pieceJump + 1.5) < 1e-8, "\(left.pieceJump)")
  // The forward estimate itself says nothing: its error is infinite.
  #expect(left.errorEstimate == .infinity)
}

@Test func piecesOfRandomSlopesAndCurvaturesAreRecovered() {
  // g(h) = J + c1 h + c2 h^2 + c3 sin(h) for h > 0, 0 at h = 0.
  var rng = SeededRNG(seed: 707)
  let engine = OneSidedDifference()
  for _ in 0..<200 {
    let j = rng.uniform(0.1, 2) * (rng.sign())
    let (c1, c2, c3) = (rng.uniform(-5, 5), rng.uniform(-20, 20), rng.uniform(-3, 3))
    let e = engine.derivative(initialStep: 0x1p-7) { h in h == 0 ? 0 : j + c1 * h + c2 * h * h + c3 * sin(h) }
    #expect(e.regularity.reason == "discontinuous")
    let slope = c1 + c3
    let est = try! #require(e.pieceSlope)
    #expect(abs(est - slope) <= e.pieceError, "\(est) vs \(slope) +- \(e.pieceError)")
    #expect(e.pieceError <= 1e-8 * max(1, abs(slope)), "\(e.pieceError)")
  }
}

@Test func aJumpToASqrtPieceHasNoTightSlope() {
  // After a real/complex flip the piece itself can be sqrt-like: no finite slope at 0+.
  let engine = OneSidedDifference()
  for c in [1.0, 0.3, 0.05, 0.01] {
    let e = engine.derivative(initialStep: 0x1p-7) { h in h == 0 ? 0 : 1 + c * sqrt(h) + 2 * h }
    #expect(e.regularity.reason == "discontinuous", "c = \(c)")
    #expect(e.pieceError == .infinity, "c = \(c): \(e.pieceSlope ?? .nan) +- \(e.pieceError)")
  }
  // The bracket then cannot use that side: the direction is skipped as before.
  let sq: ([Double]) -> Double = { x in x[0] > 0 ? 1 + sqrt(x[0]) : -x[0] }
  let r = bracketAt([0], along: [1], analytic: 1, f: sq)
  #expect(r.status == .skip && r.reason == "discontinuous", "\(r.message)")
  #expect(r.message == "discontinuous: f jumps by 1.008 on the right side", "\(r.message)")
}

// MARK: - The bracket with a piece slope

@Test func eitherPieceAndTheirAverageMatchAtAJumpAndBeyondFails() {
  // L = 1 (the left piece), R = 3 (the right piece, on which 0 lies).
  let (a, b) = (1.0, 3.0)
  let fromLeft = bracketAt([0], along: [1], analytic: a, f: stepWithSlopes)
  #expect(fromLeft.status == .pass && fromLeft.side == .left, "\(fromLeft.message)")
  #expect(fromLeft.jumps.count == 1 && fromLeft.jumps[0].side == .left && fromLeft.jumps[0].detected)
  #expect(fromLeft.message.hasPrefix("the left side jumps by -1.5"), "\(fromLeft.message)")
  #expect(fromLeft.message.contains("matches the left piece's slope"), "\(fromLeft.message)")
  let fromRight = bracketAt([0], along: [1], analytic: b, f: stepWithSlopes)
  #expect(fromRight.status == .pass && fromRight.side == .right, "\(fromRight.message)")
  let mid = bracketAt([0], along: [1], analytic: 0.5 * (a + b), f: stepWithSlopes)
  #expect(mid.status == .pass && mid.side == .between, "\(mid.message)")
  for wrong in [2 * a - b, 2 * b - a, b + 1e-4] {
    let r = bracketAt([0], along: [1], analytic: wrong, f: stepWithSlopes)
    #expect(r.status == .fail && r.side == .neither && r.reason == nil, "\(wrong): \(r.message)")
  }
  // Along -d the bracket is mirrored: the right side jumps.
  let mirrored = bracketAt([0], along: [-1], analytic: -a, f: stepWithSlopes)
  #expect(mirrored.status == .pass && mirrored.jumps.map(\.side) == [.right], "\(mirrored.message)")
}

@Test func bothSidesJumpingAreSkipped() {
  // f(0) = 5 is on neither piece: 2x + 1 on the right, -x^2 - 4x on the left. The
  // gradient of the value at p (a framework's) need not lie between the pieces' slopes
  // (2 and -4), so no bracket is claimed, even though both slopes are resolved.
  let f: ([Double]) -> Double = { x in x[0] > 0 ? 2 * x[0] + 1 : (x[0] < 0 ? -x[0] * x[0] - 4 * x[0] : 5) }
  let right = OneSidedDifference().derivative(along: [1], at: [0], f: f)
  let left = OneSidedDifference().derivative(along: [-1], at: [0], f: f)
  #expect(abs(right.pieceSlope! - 2) < 1e-8 && abs(left.pieceSlope! - 4) < 1e-8)
  for a in [2.0, -4, 10] {
    let r = GradientComparison().bracket(analytic: a, right: right, left: left)
    #expect(r.status == .skip && r.reason == "discontinuous", "\(a): \(r.message)")
    #expect(r.message == "discontinuous: f jumps on both sides (by -4 on the right, -5 on the left): f(p) lies on neither side's piece", "\(r.message)")
  }
}

@Test func aJumpTooSmallToSeeIsCheckedAgainstItsPieceSlope() {
  // The right side jumps by 1e-6 next to a slope of 2: at the smallest step (2^-14) the
  // slope dominates, so the jump is not seen, but the forward differences diverge like
  // 1e-6 / h. The secants of the side's own points give the piece's slope.
  let f: ([Double]) -> Double = { x in x[0] > 0 ? 1e-6 + 2 * x[0] + x[0] * x[0] : -x[0] }
  let right = OneSidedDifference().derivative(along: [1], at: [0], f: f)
  #expect(right.regularity == .regular && right.errorEstimate == .infinity)
  let slope = try! #require(right.pieceSlope)
  #expect(abs(slope - 2) <= right.pieceError && right.pieceError < 1e-8, "\(slope) +- \(right.pieceError)")
  #expect(abs(right.pieceJump - 1e-6) < 1e-8, "\(right.pieceJump)")
  for (a, expected) in [(2.0, FDStatus.pass), (-1, .pass), (0.5, .pass), (2.01, .fail), (-1.01, .fail)] {
    let r = bracketAt([0], along: [1], analytic: a, f: f)
    #expect(r.status == expected, "\(a): \(r.message)")
    #expect(r.jumps.count == 1 && r.jumps[0].side == .right && !r.jumps[0].detected)
  }
}
