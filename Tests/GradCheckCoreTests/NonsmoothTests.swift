import EigenCore
import Foundation
@testable import GradCheckCore
import GradcheckSelfTest
import GradcheckModel
import Spectral
import Testing

/// Triangular, s = -0.5 exactly: x = 2 sits on the kink 1 + x*s = 0 in binary.
private let kinkY = Matrix([[-0.5, 1, 0.25], [0, 1, 2], [0, 0, 3]])
/// Block upper triangular with the minimum -1 twice (semisimple).
private let repeatedY = Matrix([[-1, 0, 0.5], [0, -1, 0.25], [0, 0, 2]])
/// A 2x2 Jordan block at the minimum 1: s(Y + h W) - 1 ~ sqrt(h).
private let jordanY = Matrix([[1, 1, 0.5], [0, 1, 0.25], [0, 0, 3]])

private func run(
  _ y: Matrix, x: Double, _ sources: [any GradientSource], betas: [Double] = [5],
  parameters: TransformParameters = .init()
) -> [CaseResult] {
  var ev = SpectralEvaluator()
  let job = MatrixJob(y: y, xs: [XCase(index: 0, x: x)], name: "t", repro: "test")
  return CheckEngine(options: EngineOptions(betas: betas, parameters: parameters), sources: sources)
    .run(job, evaluator: &ev)
}

private func bracketSource(_ t: TransformKind, _ c: BracketGradient, margin: Double = 1e-5) -> any GradientSource {
  let p = TransformParameters(margin: margin)
  return BracketSource(BuiltinTransformSource(t, parameters: p), choice: c, parameters: p)
}

@Suite("Gradients at nonsmooth points")
struct NonsmoothTests {
  @Test func theKinkIsExactInBinary() {
    #expect(1 + 2 * -0.5 == 0.0)
    var ev = SpectralEvaluator()
    #expect((try? ev.evaluate(.minRealEigenvalue, kinkY, gradient: false).s) == -0.5)
  }

  @Test func leakyOnItsKinkRunsOneSidedAndEveryInBracketGradientPasses() throws {
    for choice in BracketGradient.allCases {
      let c = try #require(run(kinkY, x: 2, [bracketSource(.leaky, choice)]).first)
      #expect(c.classification == .nonsmooth)
      let g = try #require(c.checks[.gradient])
      #expect(g.message.contains("one-sided (leaky has a kink at 1 + x*s = 0"), "\(g.message)")
      if choice.inBracket {
        #expect(g.status == .pass && g.code == "one-sided-match", "\(choice): \(g.message)")
        #expect(c.checks[.taylor]?.status != .fail, "\(choice): \(c.checks[.taylor]!.message)")
      } else {
        #expect(g.status == .fail && g.code == "outside-bracket", "\(choice): \(g.message)")
        #expect(g.message.contains("neither"))
      }
    }
  }

  @Test func theSideGMatchesIsNamed() throws {
    // grad_x: feasible branch 1 (from the left in x, x < 2 keeps 1 + x*s > 0), active
    // branch alpha = 0.01 (from the right).
    let a = try #require(run(kinkY, x: 2, [bracketSource(.leaky, .branchA)]).first)
    #expect(a.gradX == 1)
    #expect(a.checks[.gradient]!.message.contains("left"))
    let b = try #require(run(kinkY, x: 2, [bracketSource(.leaky, .branchB)]).first)
    #expect(b.gradX == 0.01)
    #expect(b.checks[.gradient]!.message.contains("right"))
    let avg = try #require(run(kinkY, x: 2, [bracketSource(.leaky, .average)]).first)
    #expect(avg.checks[.gradient]!.message.contains("between"))
    #expect(avg.checks[.taylor]!.code == "between-sides" || avg.checks[.taylor]!.code == "one-sided-second-order")
  }

  @Test func whereWithoutMarginIsContinuousAtItsKinkAndChecked() throws {
    for choice in BracketGradient.allCases {
      let c = try #require(
        run(kinkY, x: 2, [bracketSource(.where, choice, margin: 0)], parameters: TransformParameters(margin: 0)).first)
      let g = try #require(c.checks[.gradient])
      #expect(g.status == (choice.inBracket ? .pass : .fail), "\(choice): \(g.message)")
    }
  }

  /// `where` with its margin jumps by the margin at its kink (its two branches differ by
  /// delta = 1e-5): each jumping side is checked against the slope of the branch it
  /// follows, so the built-in gradient and every in-bracket choice pass and 2A - B, 2B - A
  /// fail, and the message names the jump.
  @Test func whereWithItsMarginJumpsAtTheKinkAndIsCheckedAgainstThePieceSlopes() throws {
    let builtin = try #require(run(kinkY, x: 2, [BuiltinTransformSource(.where)]).first)
    #expect(builtin.classification == .nonsmooth)
    let g = try #require(builtin.checks[.gradient])
    #expect(g.status == .pass && g.code == "one-sided-match", "\(g.message)")
    #expect(g.message.contains("jumps by 1e-5"), "\(g.message)")
    #expect(builtin.checks[.taylor]?.status != .fail, "\(builtin.checks[.taylor]!.message)")
    for choice in BracketGradient.allCases {
      let c = try #require(run(kinkY, x: 2, [bracketSource(.where, choice)]).first)
      let g = try #require(c.checks[.gradient])
      #expect(g.message.contains("jumps by 1e-5"), "\(choice): \(g.message)")
      if choice.inBracket {
        #expect(g.status == .pass && g.code == "one-sided-match", "\(choice): \(g.message)")
        #expect(c.checks[.taylor]?.status != .fail, "\(choice): \(c.checks[.taylor]!.message)")
      } else {
        #expect(g.status == .fail && g.code == "outside-bracket", "\(choice): \(g.message)")
      }
    }
  }

  @Test func aRepeatedMinimumIsCheckedWithTheMeanOfItsCopies() throws {
    let sources = TransformKind.allCases.map { BuiltinTransformSource($0) as any GradientSource }
    for x in [-1.0, 1.5] {
      for c in run(repeatedY, x: x, sources, betas: [1, 5, 20]) {
        #expect(c.classification == .nonsmooth)
        let g = try #require(c.checks[.gradient])
        #expect(g.status == .pass, "\(c.id): \(g.message)")
        #expect(g.message.contains("mean of the two copies"))
        #expect(c.checks[.taylor]?.status != .fail, "\(c.id): \(c.checks[.taylor]!.message)")
      }
    }
  }

  @Test func theClusterPiecesAreDualAndTheirMeanIsTheBuiltinDerivative() throws {
    var ev = SpectralEvaluator()
    let base = try ev.evaluate(.minRealEigenvalue, repeatedY, gradient: true)
    let cluster = try #require(ClusterGradient(base, y: repeatedY, s: -1))
    // d s along W = e1 e1^T: pieces 1 and 0 (the copies along e1 and e2), mean 1/2.
    #expect(abs(cluster.first[0, 0] + cluster.second[0, 0] - 1) < 1e-12)
    #expect(abs(cluster.mean[0, 0] - 0.5) < 1e-12 && abs(cluster.mean[1, 1] - 0.5) < 1e-12)
    // Traces of the pieces are 1 each (tr G_k = u_k^T v_k = 1).
    for g in [cluster.first, cluster.second] { #expect(abs(g[0, 0] + g[1, 1] + g[2, 2] - 1) < 1e-12) }
  }

  @Test func aGradientOutsideTheBracketAtARepeatedMinimumFails() throws {
    for choice in [BracketGradient.beyondA, .beyondB] {
      let c = try #require(run(repeatedY, x: 1.5, [bracketSource(.softplus, choice)]).first)
      #expect(c.checks[.gradient]?.status == .fail, "\(choice)")
      #expect(c.checks[.gradient]?.code == "outside-bracket")
    }
  }

  @Test func aJordanBlockHasAnUnboundedDerivative() throws {
    let c = try #require(run(jordanY, x: 0.5, [BuiltinTransformSource(.softplus)]).first)
    #expect(c.classification == .nonsmooth)
    #expect(c.checks[.gradient]?.status == .skip)
    let growth = try #require(c.checks[.growth])
    #expect(growth.status == .fail && growth.code == "unbounded-derivative", "\(growth.message)")
    let p = try #require(growth.value)
    #expect(abs(p - 0.5) < 0.1, "exponent \(p)")
  }

  @Test func smoothCasesKeepTheTwoSidedRule() throws {
    let y = Matrix([[-0.7459, -1.0099, -0.2937], [-0.4803, -0.8911, -0.3678], [0.3982, -0.7645, 0.7407]])
    let c = try #require(run(y, x: 1, [BuiltinTransformSource(.softplus)]).first)
    #expect(c.classification == .smooth)
    #expect(c.checks[.gradient]?.code == "match")
    #expect(!(c.checks[.gradient]!.message.contains("one-sided")))
  }


  /// `where`/`leaky` on its kink at a double minimum: four pieces meet (two branches, two
  /// copies of s). Each Y direction is bracketed by the four slopes, measured at two
  /// bases shifted off the kink in x: the built-in gradient and every gradient in the
  /// pieces' hull pass, one beyond it fails; taylor (which assumes two pieces) is skipped.
  @Test func aCompoundKinkIsBracketedByItsFourPieces() throws {
    #expect(1 + 1 * -1.0 == 0)
    // `where` without its margin, which would make it jump at the kink along x.
    let p = TransformParameters(margin: 0)
    for t in [TransformKind.where, .leaky] {
      let builtin = try #require(run(repeatedY, x: 1, [BuiltinTransformSource(t, parameters: p)], parameters: p).first)
      #expect(builtin.classification == .nonsmooth)
      let g = try #require(builtin.checks[.gradient])
      #expect(g.status == .pass && g.code == "one-sided-match", "\(t): \(g.message)")
      #expect(g.message.contains("four pieces"), "\(g.message)")
      #expect(builtin.checks[.taylor]?.code == "compound-kink")
      for choice in BracketGradient.allCases {
        let c = try #require(run(repeatedY, x: 1, [bracketSource(t, choice, margin: 0)], parameters: p).first)
        let g = try #require(c.checks[.gradient])
        if choice.inBracket {
          #expect(g.status == .pass, "\(t) \(choice): \(g.message)")
        } else {
          #expect(g.status == .fail && g.code == "outside-bracket", "\(t) \(choice): \(g.message)")
        }
      }
    }
  }

  /// The zero matrix has no scale of its own: it is measured in units of 1, so the Taylor
  /// ladder's x direction (x-scale over |Y|) stays finite and every point is finite.
  @Test func theZeroMatrixTakesFiniteSteps() throws {
    let zero = Matrix(rows: 3, cols: 3, storage: [Double](repeating: 0, count: 9))
    for x in [1000.0, -1, 0] {
      let c = try #require(run(zero, x: x, [BuiltinTransformSource(.where)]).first)
      let taylor = try #require(c.checks[.taylor])
      #expect(!taylor.message.contains("not finite"), "x = \(x): \(taylor.message)")
      #expect(c.checks[.gradient]?.status == .pass, "x = \(x): \(c.checks[.gradient]!.message)")
    }
  }
  @Test func theSelftestsNonsmoothRowsHold() {
    let rows = SelfTest(seed: 0, threads: 1).runNonsmooth(betas: [5])
    #expect(rows.count == BracketGradient.allCases.count)
    for r in rows {
      #expect(r.effective > 0, "\(r.choice)")
      #expect(r.ok, "\(r.choice): \(r.missed)")
    }
  }
}
