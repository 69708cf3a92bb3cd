// Agreement of a native spectrum with a reference spectrum (the `solver` check).

/// A paired eigenvalue that is real in one spectrum and complex in the other.
///
/// An eigenvalue is real when the solver gives it a 1x1 block, so
/// `im == 0` exactly. A near-real pair in one solver against a nearly colliding
/// real pair in the other is a legitimate, solver-dependent ambiguity when the
/// nonzero imaginary part is within the accuracy bound (`imagRelativeToBound <= 1`),
/// and a real disagreement when it is far above it. Either way it is reported.
public struct ClassificationDisagreement: Sendable, Equatable, Hashable {
  /// Index into the native spectrum.
  public let index: Int
  /// Index into the reference spectrum (`pairing[index]`).
  public let referenceIndex: Int
  /// Imaginary part of the native eigenvalue.
  public let nativeImag: Double
  /// Imaginary part of the paired reference eigenvalue.
  public let referenceImag: Double
  /// `max(|nativeImag|, |referenceImag|) / bound[index]`, computed without
  /// overflow like `SpectrumAgreement.ratios` (`+infinity` if the bound is 0).
  public let imagRelativeToBound: Double

  public init(index: Int, referenceIndex: Int, nativeImag: Double, referenceImag: Double, imagRelativeToBound: Double) {
    self.index = index
    self.referenceIndex = referenceIndex
    self.nativeImag = nativeImag
    self.referenceImag = referenceImag
    self.imagRelativeToBound = imagRelativeToBound
  }
}

/// How far a native spectrum is from a reference spectrum, eigenvalue by eigenvalue.
///
/// After `optimalPairing(native, reference)`, eigenvalue `i` of the native solver has
/// error `err_i = |native[i] - reference[p[i]]|` and bound
///
///     bound_i = C * n * ulp * ||A||_F * max(kappa_i, 1),    ulp = 2^-52,
///
/// the first-order perturbation bound `|d lambda| <= kappa ||E||` for two backward
/// stable solvers, each with a backward error `||E|| <= (C/2) n ulp ||A||_F`.
/// `C` defaults to `SpectrumAgreement.defaultConstant = 20`, LAPACK's test
/// threshold (`ded.in`, `nep.in`). `ratio_i = err_i / bound_i`; the spectra agree
/// when `worstRatio <= 1`. For a defective eigenvalue the first-order bound is too
/// small (the error grows like `ulp^(1/k)`) unless the caller's kappa reflects it.
public struct SpectrumAgreement: Sendable, Equatable, Hashable {
  /// LAPACK's threshold for its eigenvalue test ratios, used as `C`.
  public static let defaultConstant = LAPACKTest.threshold

  /// `pairing[i]` is the reference index paired with native eigenvalue `i`.
  public let pairing: [Int]
  /// `err_i = |native[i] - reference[pairing[i]]|` (`+infinity` if NaN or overflowing).
  public let errors: [Double]
  /// `bound_i` (see the type's documentation); may be `+infinity` (kappa infinite, or overflow).
  public let bounds: [Double]
  /// `err_i / bound_i`, computed as `((err_i / ||A||_F) / max(kappa_i, 1)) / (C n ulp)` so that
  /// it neither overflows nor underflows needlessly; `0` when `err_i == 0`, `+infinity` when
  /// `err_i` is not finite or the bound is 0 with `err_i > 0`.
  public let ratios: [Double]
  /// The kappa used for each eigenvalue: the caller's (NaN taken as 1), or 1 when none was given.
  public let kappas: [Double]
  /// `max_i err_i` (0 for empty spectra).
  public let maxError: Double
  /// `max_i ratio_i` (0 for empty spectra).
  public let worstRatio: Double
  /// Native index of the first eigenvalue attaining `worstRatio` (nil for empty spectra).
  public let worstIndex: Int?
  /// Paired eigenvalues classified real by one spectrum and complex by the other,
  /// in native index order.
  public let classificationDisagreements: [ClassificationDisagreement]
  /// The constant `C` of the bound.
  public let constant: Double
  /// Whether `kappas` came from the caller (otherwise all are the fallback 1).
  public let kappaSupplied: Bool

  /// `worstRatio <= 1`: every paired error is within its bound.
  public var withinBound: Bool { worstRatio <= 1 }
}

/// Compares a native spectrum with a reference spectrum (for example GSL's).
///
/// - Parameters:
///   - native: the native solver's eigenvalues.
///   - reference: the reference eigenvalues, same count.
///   - matrixNorm: `||A||_F` of the matrix both solved (finite or `+infinity`, not negative).
///   - kappas: eigenvalue condition numbers `kappa_i` of the *native* eigenvalues
///     (`eigenvalueCondition(left:right:)`), same count as `native`. When `nil`, kappa = 1 is
///     used for every eigenvalue: the bound of a normal matrix, strict for non-normal ones
///     (a large ratio then means "ill-conditioned or wrong", and the caller should say so).
///     A NaN kappa is taken as 1 (strict); `+infinity` makes that bound infinite.
///   - constant: `C` in the bound (default 20).
/// - Returns: errors, bounds and ratios per native eigenvalue, the worst, and the
///   real/complex classification disagreements.
public func compareSpectra(
  native: [Complex], reference: [Complex], matrixNorm: Double, kappas: [Double]?,
  constant: Double = SpectrumAgreement.defaultConstant
) -> SpectrumAgreement {
  precondition(native.count == reference.count, "compareSpectra: \(native.count) native against \(reference.count) reference eigenvalues")
  precondition(!matrixNorm.isNaN && matrixNorm >= 0, "compareSpectra: matrix norm \(matrixNorm)")
  precondition(constant > 0 && constant.isFinite, "compareSpectra: constant \(constant)")
  if let kappas { precondition(kappas.count == native.count, "compareSpectra: \(kappas.count) kappas for \(native.count) eigenvalues") }
  let n = native.count
  let pairing = optimalPairing(native, reference)
  let ulp = LAPACKTest.ulp
  let scale = constant * Double(n) * ulp
  var errors: [Double] = []
  var bounds: [Double] = []
  var ratios: [Double] = []
  var used: [Double] = []
  var disagreements: [ClassificationDisagreement] = []
  var maxError = 0.0
  var worstRatio = 0.0
  var worstIndex: Int? = nil

  /// `(x / ||A||_F / kappa) / (C n ulp)` without needless overflow.
  func relative(_ x: Double, kappa: Double) -> Double {
    if x.isNaN || x == .infinity { return .infinity }
    if x == 0 { return 0 }
    let r = (x / matrixNorm) / kappa / scale  // matrixNorm == 0 -> +infinity; kappa == inf -> 0
    return r.isNaN ? .infinity : r
  }

  for i in 0..<n {
    let ref = reference[pairing[i]]
    let err = PairingDistances.distance(native[i], ref, halved: false)
    let kappa: Double
    if let kappas { kappa = kappas[i].isNaN ? 1 : max(kappas[i], 1) } else { kappa = 1 }
    let bound = scale * matrixNorm * kappa
    let ratio = relative(err, kappa: kappa)
    errors.append(err)
    bounds.append(bound)
    ratios.append(ratio)
    used.append(kappa)
    if err > maxError { maxError = err }
    if worstIndex == nil || ratio > worstRatio {
      worstRatio = ratio
      worstIndex = i
    }
    if (native[i].im == 0) != (ref.im == 0) {
      let imag = max(abs(native[i].im), abs(ref.im))
      disagreements.append(
        ClassificationDisagreement(
          index: i, referenceIndex: pairing[i], nativeImag: native[i].im, referenceImag: ref.im,
          imagRelativeToBound: relative(imag, kappa: kappa)))
    }
  }
  return SpectrumAgreement(
    pairing: pairing, errors: errors, bounds: bounds, ratios: ratios, kappas: used, maxError: maxError,
    worstRatio: worstRatio, worstIndex: worstIndex, classificationDisagreements: disagreements,
    constant: constant, kappaSupplied: kappas != nil)
}
