import EigenCore
#if canImport(Glibc)
  import Glibc
#endif
import GSLReference
import GradcheckModel
import Spectral
import NumberFormat

/// LAPACK's threshold for its eigen test ratios (20).
let lapackThreshold = LAPACKTest.threshold

/// The measurements behind the `solver` check of one matrix.
public struct SolverComparison: Sendable {
  public var native: [Complex]
  public var reference: [Complex]?
  public var referenceError: String?
  public var rightRatio: Double
  public var leftRatio: Double
  public var normalizationRatio: Double
  public var agreement: SpectrumAgreement?
  public var check: CheckResult
}

/// Native solver against GSL and against LAPACK-style residual ratios (check
/// `solver`, see docs/checks.md):
/// - the native right and left residual ratios (DGET22) and the normalisation
///   ratio must be at most 20;
/// - after optimal pairing, every native eigenvalue must be within
///   `20 n ulp |A|_F max(kappa_i, 1)` of GSL's (ratio <= 1);
/// - a real/complex classification disagreement within that bound is a solver-
///   dependent ambiguity (`warn`, reported with the size of the imaginary part);
///   beyond it, a failure;
/// - a GSL failure is a `warn` naming it, never a native failure.
/// The value is `max(native ratios, 20 * agreement ratio)`, held to 20.
public func compareWithReference(_ y: Matrix, _ ev: inout SpectralEvaluator) -> SolverComparison {
  let pairs: [Eigenpair]
  do {
    pairs = try ev.eigenpairs(y)
  } catch {
    return SolverComparison(
      native: [], reference: nil, referenceError: nil, rightRatio: .infinity, leftRatio: .infinity,
      normalizationRatio: .infinity, agreement: nil,
      check: CheckResult(status: .fail, code: .nativeFailed, message: "native solver: \(error)"))
  }
  let values = pairs.map(\.value)
  let right = rightResidualRatio(a: y, eigenvalues: values, vectors: pairs.map(\.right))
  let left = leftResidualRatio(a: y, eigenvalues: values, vectors: pairs.map(\.left))
  let norm = max(
    normalizationRatio(vectors: pairs.map(\.right)), normalizationRatio(vectors: pairs.map(\.left)))
  let nativeWorst = max(right, left, norm)
  var verdict = SolverVerdict(
    status: nativeWorst <= lapackThreshold ? .pass : .fail,
    code: nativeWorst <= lapackThreshold ? .agrees : .residualTooLarge, value: nativeWorst,
    messages: ["native ratios right \(formatNumber(right)), left \(formatNumber(left)), norm \(formatNumber(norm)) (threshold \(formatNumber(lapackThreshold)))"])
  var reference: [Complex]? = nil
  var referenceError: String? = nil
  var agreement: SpectrumAgreement? = nil
  do {
    let ref = try GSLReference.eigenvalues(y)
    reference = ref
    let a = compareSpectra(
      native: values, reference: ref, matrixNorm: y.normFrobenius, kappas: pairs.map(\.kappa))
    agreement = a
    judge(a, values: values, norm: y.normFrobenius, nativeWorst: nativeWorst, &verdict)
  } catch {
    referenceError = error.description
    verdict.add(.warn, .referenceFailed, "reference failure (not a native failure): \(error.description)")
  }
  return SolverComparison(
    native: values, reference: reference, referenceError: referenceError, rightRatio: right,
    leftRatio: left, normalizationRatio: norm, agreement: agreement,
    check: CheckResult(
      status: verdict.status, code: verdict.code, value: verdict.value, tolerance: lapackThreshold,
      message: verdict.messages.joined(separator: "; ")))
}

/// The `solver` verdict as it builds up: the worst status, the code of the first finding
/// that set it, the value and the messages.
struct SolverVerdict {
  var status: Status
  var code: ReasonCode
  var value: Double
  var messages: [String]

  /// Adds a finding: a `fail` (or a `warn` on a pass so far) sets the status and its code.
  mutating func add(_ s: Status, _ c: ReasonCode, _ message: String? = nil) {
    if s == .fail && status != .fail || s == .warn && status == .pass {
      code = c
      status = s
    }
    if let message { messages.append(message) }
  }
}

/// `err / ((20 n ulp)^(1/m) |A|_F)`: the Hoelder bound of a cluster of m eigenvalues (a
/// multiple or defective eigenvalue) around native eigenvalue i (infinite when m < 2).
func clusterRatio(_ values: [Complex], _ i: Int, _ err: Double, norm: Double) -> Double {
  let m = values.filter { ($0 - values[i]).magnitude <= 2 * err }.count
  guard m >= 2 else { return .infinity }
  return err / (lapackThreshold * pow(Double(values.count) * Machine.ulp, 1 / Double(m)) * norm)
}

/// Judges the native spectrum against GSL's. A multiple or defective eigenvalue of
/// multiplicity m moves like (eps |A|)^(1/m) |A|^(1 - 1/m), beyond any first-order bound:
/// past the bound, an error within that Hoelder bound for its cluster is a solver-dependent
/// ambiguity (warn), a larger one a disagreement (fail). So is a real/complex
/// classification difference, within the bound or its cluster's (warn) or not (fail).
func judge(_ a: SpectrumAgreement, values: [Complex], norm: Double, nativeWorst: Double, _ v: inout SolverVerdict) {
  v.value = max(v.value, lapackThreshold * a.worstRatio)
  if a.withinBound {
    v.messages.append("GSL agrees (worst \(formatNumber(a.worstRatio)) of the bound 20 n ulp |A| kappa)")
  } else {
    var clustered = true
    var worstCluster = 0.0
    for i in 0..<values.count where a.ratios[i] > 1 {
      let r = clusterRatio(values, i, a.errors[i], norm: norm)
      if !(r <= 1) { clustered = false }
      worstCluster = max(worstCluster, r)
    }
    if clustered {
      v.value = max(nativeWorst, lapackThreshold * worstCluster)
      v.add(.warn, .multipleEigenvalue,
        "GSL differs beyond the first-order bound on a multiple eigenvalue (\(formatNumber(a.worstRatio)) times it), within the bound (20 n ulp)^(1/m) |A| of its cluster (\(formatNumber(worstCluster)) of it)")
    } else {
      v.add(.fail, .disagreement,
        "GSL disagrees: eigenvalue \(a.worstIndex.map { "\(values[$0])" } ?? "?") off by \(formatNumber(a.maxError)), \(formatNumber(a.worstRatio)) times the bound")
    }
  }
  for d in a.classificationDisagreements {
    let what = "real/complex ambiguity at \(values[d.index]): native Im \(formatNumber(d.nativeImag)), GSL Im \(formatNumber(d.referenceImag)) (\(formatNumber(d.imagRelativeToBound)) of the bound)"
    let err = max(abs(d.nativeImag), abs(d.referenceImag))
    if d.imagRelativeToBound <= 1 || clusterRatio(values, d.index, err, norm: norm) <= 1 {
      v.add(.warn, .ambiguousRealComplex, what)
    } else {
      v.add(.fail, .disagreement, what)
    }
  }
}

/// The `solver` check as the engine's hook.
@Sendable public func referenceSolverCheck(_ y: Matrix, _ ev: inout SpectralEvaluator) -> CheckResult {
  compareWithReference(y, &ev).check
}
