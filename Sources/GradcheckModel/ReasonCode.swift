/// The stable reason codes of check results: every check result carries one (written as
/// `"code"` in results files), so reports can group failures into modes and tools can
/// match them without parsing messages. Kebab-case; never renamed once published.
public enum ReasonCode: String, CaseIterable, Sendable, Hashable {
  // constraint
  case kept = "kept"
  case marginAtRoundingLevel = "margin-at-rounding-level"
  case constraintViolated = "constraint-violated"
  case marginRoundsToZero = "margin-rounds-to-zero"
  case marginUndefined = "margin-undefined"
  // finite
  case finite = "finite"
  case nonFinite = "non-finite"
  // gradient and taylor
  case match = "match"
  case withinErrorBar = "within-error-bar"
  case differenceUnresolved = "difference-unresolved"
  case mismatch = "mismatch"
  case secondOrder = "second-order"
  case orderOne = "order-one"
  case orderUnsettled = "order-unsettled"
  case notAsymptotic = "not-asymptotic"
  case remainderAtRounding = "remainder-at-rounding"
  case illConditioned = "ill-conditioned"
  case nonsmooth = "nonsmooth"
  case nearPole = "near-pole"
  case stepUnresolvable = "step-unresolvable"
  case gradientNotFinite = "gradient-not-finite"
  // growth
  case healthy = "healthy"
  case exploding = "exploding"
  case vanishing = "vanishing"
  // fidelity
  case close = "close"
  case departs = "departs"
  case divergesNearZero = "diverges-near-zero"
  case notFeasible = "not-feasible"
  // solver
  case agrees = "agrees"
  case referenceFailed = "reference-failed"
  case ambiguousRealComplex = "ambiguous-real-complex"
  case multipleEigenvalue = "multiple-eigenvalue"
  case disagreement = "disagreement"
  case residualTooLarge = "residual-too-large"
  case nativeFailed = "native-failed"
  // expect
  case matchesFixture = "matches-fixture"
  case differsFromFixture = "differs-from-fixture"
  case outcomeNotMet = "outcome-not-met"
  // reference
  case matchesReference = "matches-reference"
  case differsFromReference = "differs-from-reference"
  // evaluate
  case evaluatorError = "evaluator-error"
  // evaluate, and cases without s
  case evaluationFailed = "evaluation-failed"
  case noRealEigenvalue = "no-real-eigenvalue"
  case noGradient = "no-gradient"

  /// What the code means, in one line (for docs and reports).
  public var meaning: String {
    switch self {
    case .kept: "the margin 1 + x_cond*s is positive above rounding level"
    case .marginAtRoundingLevel: "the margin is positive but within 4 ulp of 1: one rounding from violation"
    case .constraintViolated: "the margin is zero or negative: the constraint is broken"
    case .marginRoundsToZero: "the exact margin is positive (e.g. softplus) but the computed one is <= 0: rounding breaks the constraint"
    case .marginUndefined: "the margin is NaN (x_cond undefined, e.g. softplus at s = 0)"
    case .finite: "x_cond, grad_x and grad_y are finite"
    case .nonFinite: "x_cond, grad_x or grad_y is infinite or NaN"
    case .match: "every gradient entry agrees with finite differences within tolerance"
    case .withinErrorBar: "an entry agrees only within the finite-difference error bar"
    case .differenceUnresolved: "finite differences could not evaluate an entry"
    case .mismatch: "a gradient entry differs from finite differences beyond tolerance and error bar"
    case .secondOrder: "the Taylor remainder shrinks like h^2: the gradient is right"
    case .orderOne: "the Taylor remainder shrinks like h: the directional derivative is wrong"
    case .orderUnsettled: "the observed Taylor order lies between the thresholds or never settles"
    case .notAsymptotic: "the remainder looks first order but every entry passes: the steps are not asymptotic"
    case .remainderAtRounding: "the Taylor remainder is at rounding level at every step: nothing to conclude"
    case .illConditioned: "a failure on an ill-conditioned matrix, reported as a warning naming kappa"
    case .nonsmooth: "the minimiser is not unique at finite-difference resolution (or a kink): not differentiable here"
    case .nearPole: "s is too close to the transform's pole at s = 0 for finite differences"
    case .stepUnresolvable: "|x| kappa is so large that no resolvable step keeps t = x*s within 0.1"
    case .gradientNotFinite: "not run: the gradient under test is not finite (see finite)"
    case .healthy: "max |gradient| within --max-grad and dT/dx nonzero where the constraint is active"
    case .exploding: "max |gradient| exceeds --max-grad or is not finite"
    case .vanishing: "dT/dx = 0 where the constraint is active (1 + x*s <= 0)"
    case .close: "x_cond stays within the fidelity tolerance of a comfortably feasible x"
    case .departs: "x_cond departs from a comfortably feasible x beyond the fidelity tolerance"
    case .divergesNearZero: "x_cond grows like 1/s as s -> 0: further from x than |x| itself at |x*s| < 1"
    case .notFeasible: "x is not comfortably feasible (1 + x*s < 0.5): fidelity does not apply"
    case .agrees: "native eigenvalues agree with GSL and the residual ratios are within 20"
    case .referenceFailed: "GSL failed on the matrix (a reference failure, not a native one)"
    case .ambiguousRealComplex: "native and GSL classify an eigenvalue real/complex differently within the bound"
    case .multipleEigenvalue: "beyond the first-order bound on a multiple eigenvalue, within its cluster's bound"
    case .disagreement: "a native eigenvalue differs from GSL beyond the bound"
    case .residualTooLarge: "a native residual ratio exceeds the LAPACK threshold 20"
    case .nativeFailed: "the native solver failed on the matrix"
    case .matchesFixture: "the fixture's values agree within the rounding of its dtype"
    case .differsFromFixture: "a fixture value differs beyond the rounding of its dtype"
    case .outcomeNotMet: "an outcome the fixture declares did not happen"
    case .matchesReference: "the program's values agree with the built-in transform's within the rounding of its dtype"
    case .differsFromReference: "a value of the program differs from the built-in transform's beyond the rounding of its dtype"
    case .evaluatorError: "the external program answered the request with an error"
    case .evaluationFailed: "the gradient source could not evaluate the case"
    case .noRealEigenvalue: "s is undefined: the matrix has no real eigenvalue"
    case .noGradient: "no derivative of s is available"
    }
  }
}
