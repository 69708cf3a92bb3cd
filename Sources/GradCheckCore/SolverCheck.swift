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
  var messages = ["native ratios right \(formatNumber(right)), left \(formatNumber(left)), norm \(formatNumber(norm)) (threshold \(formatNumber(lapackThreshold)))"]
  var status: Status = nativeWorst <= lapackThreshold ? .pass : .fail
  // The reason code: the first failure's, else the first warning's.
  var code: ReasonCode = status == .fail ? .residualTooLarge : .agrees
  func note(_ s: Status, _ c: ReasonCode) {
    if s == .fail && status != .fail || s == .warn && status == .pass { code = c }
  }
  var reference: [Complex]? = nil
  var referenceError: String? = nil
  var agreement: SpectrumAgreement? = nil
  var value = nativeWorst
  do {
    let ref = try GSLReference.eigenvalues(y)
    reference = ref
    // err / ((20 n ulp)^(1/m) |A|_F): the Hoelder bound of a cluster of m eigenvalues
    // (a multiple or defective eigenvalue) around native eigenvalue i.
    let nrm = y.normFrobenius
    func hoelderRatio(_ i: Int, _ err: Double) -> Double {
      let m = values.filter { ($0 - values[i]).magnitude <= 2 * err }.count
      guard m >= 2 else { return .infinity }
      return err / (lapackThreshold * pow(Double(values.count) * Machine.ulp, 1 / Double(m)) * nrm)
    }
    var worstCluster = 0.0
    let a = compareSpectra(
      native: values, reference: ref, matrixNorm: y.normFrobenius, kappas: pairs.map(\.kappa))
    agreement = a
    value = max(value, lapackThreshold * a.worstRatio)
    if a.withinBound {
      messages.append("GSL agrees (worst \(formatNumber(a.worstRatio)) of the bound 20 n ulp |A| kappa)")
    } else {
      // A multiple or defective eigenvalue of multiplicity m moves like
      // (eps |A|)^(1/m) |A|^(1 - 1/m), beyond any first-order bound: past the bound,
      // an error within that Hoelder bound for its cluster is a solver-dependent
      // ambiguity (warn), a larger one a disagreement (fail).
      var clustered = true
      for i in 0..<values.count where a.ratios[i] > 1 {
        let r = hoelderRatio(i, a.errors[i])
        if !(r <= 1) { clustered = false }
        worstCluster = max(worstCluster, r)
      }
      if clustered {
        value = max(nativeWorst, lapackThreshold * worstCluster)
        note(.warn, .multipleEigenvalue)
        if status == .pass { status = .warn }
        messages.append(
          "GSL differs beyond the first-order bound on a multiple eigenvalue (\(formatNumber(a.worstRatio)) times it), within the bound (20 n ulp)^(1/m) |A| of its cluster (\(formatNumber(worstCluster)) of it)")
      } else {
        note(.fail, .disagreement)
        status = .fail
        messages.append(
          "GSL disagrees: eigenvalue \(a.worstIndex.map { "\(values[$0])" } ?? "?") off by \(formatNumber(a.maxError)), \(formatNumber(a.worstRatio)) times the bound")
      }
    }
    for d in a.classificationDisagreements {
      let what = "real/complex ambiguity at \(values[d.index]): native Im \(formatNumber(d.nativeImag)), GSL Im \(formatNumber(d.referenceImag)) (\(formatNumber(d.imagRelativeToBound)) of the bound)"
      messages.append(what)
      if d.imagRelativeToBound <= 1 || hoelderRatio(d.index, max(abs(d.nativeImag), abs(d.referenceImag))) <= 1 {
        note(.warn, .ambiguousRealComplex)
        if status == .pass { status = .warn }
      } else {
        note(.fail, .disagreement)
        status = .fail
      }
    }
  } catch {
    referenceError = error.description
    messages.append("reference failure (not a native failure): \(error.description)")
    note(.warn, .referenceFailed)
    if status == .pass { status = .warn }
  }
  return SolverComparison(
    native: values, reference: reference, referenceError: referenceError, rightRatio: right,
    leftRatio: left, normalizationRatio: norm, agreement: agreement,
    check: CheckResult(
      status: status, code: code, value: value, tolerance: lapackThreshold, message: messages.joined(separator: "; ")))
}

/// The `solver` check as the engine's hook.
@Sendable public func referenceSolverCheck(_ y: Matrix, _ ev: inout SpectralEvaluator) -> CheckResult {
  compareWithReference(y, &ev).check
}
