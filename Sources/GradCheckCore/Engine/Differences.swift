import FiniteDifferences
import EigenCore
import GradcheckModel
import Spectral

/// The derivatives along every Y direction of one case, from its source's values.
struct DirectionalDifferences {
  var numeric: [Double]
  var errors: [Double]
  /// The sweep tables of the shared step (one per direction) and this case's output in
  /// them; nil for a case swept at its own smaller step.
  var tables: [DerivativeEstimate]?
  var output: Int
}

extension CheckEngine {
  /// The relative noise of one value of a source computing in `dtype`: the matrix's
  /// (an eigenvalue's error `eps kappa |Y| n / |s|`) with `eps` that of the dtype.
  static func relativeNoise(_ matrix: MatrixPlan, _ dtype: DType) -> Double {
    matrix.relativeNoise * (dtype.ulpOfOne / Double.ulpOfOne)
  }

  /// The value of point `first + 2 i + (h < 0 ? 1 : 0)` for the signed step `h` of the
  /// sweep `hs` (NaN for a step the sweep does not have).
  static func sweepValue(_ values: [SourceValue], first: Int, _ hs: [Double], _ h: Double) -> Double {
    guard let i = hs.firstIndex(of: abs(h)) else { return .nan }
    return values[first + 2 * i + (h < 0 ? 1 : 0)].xCond
  }

  /// Central differences with Richardson extrapolation along every Y direction. Cases at
  /// the shared step are swept together (one sweep per direction, one output per case);
  /// a case that needs a smaller step is swept alone.
  func directionalDifferences(
    _ cases: [(plan: CasePlan, layout: PointLayout)], values: [SourceValue], p: Perturbations, matrix: MatrixPlan,
    dtype: DType = .float64
  ) -> [DirectionalDifferences?] {
    var fd = difference
    fd.relativeNoise = Self.relativeNoise(matrix, dtype)
    let steps = difference.steps
    var out = [DirectionalDifferences?](repeating: nil, count: cases.count)
    let shared = cases.indices.filter { cases[$0].layout.y != nil && cases[$0].plan.hY >= matrix.h0 }
    let hs0 = difference.stepSequence(initialStep: matrix.h0)
    var tables: [DerivativeEstimate] = []
    for d in 0..<p.fdCount {
      tables.append(fd.derivative(initialStep: matrix.h0, inputMagnitude: matrix.inputMagnitude) { h in
        shared.map { Self.sweepValue(values, first: cases[$0].layout.y! + 2 * d * steps, hs0, h) }
      })
    }
    for (k, c) in shared.enumerated() {
      out[c] = DirectionalDifferences(
        numeric: tables.map { $0.estimates[k] }, errors: tables.map { $0.errorEstimates[k] }, tables: tables, output: k)
    }
    for c in cases.indices where cases[c].layout.y != nil && cases[c].plan.hY < matrix.h0 {
      let hY = cases[c].plan.hY
      let hs = difference.stepSequence(initialStep: hY)
      var numeric: [Double] = []
      var errors: [Double] = []
      for d in 0..<p.fdCount {
        let est = fd.derivative(initialStep: hY, inputMagnitude: matrix.inputMagnitude) { h in
          [Self.sweepValue(values, first: cases[c].layout.y! + 2 * d * steps, hs, h)]
        }
        numeric.append(est.estimates[0])
        errors.append(est.errorEstimates[0])
      }
      out[c] = DirectionalDifferences(numeric: numeric, errors: errors, tables: nil, output: 0)
    }
    return out
  }

  /// The analytic directional derivatives `<grad_y, W_d>` along every finite-difference
  /// direction, and the gradient's scale `S`: the largest of `|grad_x|` and
  /// `sum_k |grad_y[k] W_d[k]|` (the size of the terms of each derivative).
  static func analyticDerivatives(_ value: SourceValue, _ p: Perturbations) -> (analytic: [Double], scale: Double) {
    let gradY = value.gradY?.storage ?? []
    var analytic: [Double] = []
    var scale = abs(value.gradX ?? .nan)
    for w in p.directions.prefix(p.fdCount) {
      var dot = 0.0
      var size = 0.0
      for k in 0..<w.storage.count {
        dot += gradY[k] * w.storage[k]
        size += abs(gradY[k] * w.storage[k])
      }
      analytic.append(dot)
      scale = max(scale, size)
    }
    return (analytic, scale)
  }

  /// The analytic derivative along the Taylor direction `(w_x, W)`:
  /// `grad_x w_x + <grad_y, W>`.
  static func taylorDerivative(_ value: SourceValue, plan: CasePlan, p: Perturbations, matrix: MatrixPlan) -> Double {
    let xdir = taylorXDirection(p, xScale: plan.xScale, scaleY: matrix.scaleY)
    let gradY = value.gradY?.storage ?? []
    let wy = p.directions[p.taylorDirection]
    var a = (value.gradX ?? .nan) * xdir
    for k in 0..<wy.storage.count { a += gradY[k] * wy.storage[k] }
    return a
  }

  /// The `gradient` evidence of one case: `<grad_y, W_d>` against its directional
  /// difference for every direction, then `grad_x` against a difference in x (no solve).
  func gradientEvidence(
    _ y: DirectionalDifferences, value: SourceValue, plan: CasePlan, layout: PointLayout,
    values: [SourceValue], p: Perturbations, x: Double, dtype: DType = .float64
  ) -> GradientEvidence {
    let (analytic, scale) = Self.analyticDerivatives(value, p)
    var fdx = difference
    fdx.relativeNoise = dtype.ulpOfOne
    let hs = difference.stepSequence(initialStep: plan.hx)
    let ex = fdx.derivative(initialStep: plan.hx, inputMagnitude: abs(x)) { h in
      [Self.sweepValue(values, first: layout.x!, hs, h)]
    }
    let gradX = value.gradX ?? .nan
    let count = p.fdCount
    return GradientEvidence(
      analytic: analytic + [gradX], numeric: y.numeric + [ex.estimates[0]], errors: y.errors + [ex.errorEstimates[0]],
      labels: p.labels + ["grad_x"], scale: scale,
      series: { k in
        if k < count, let tables = y.tables { return tables[k].centralErrorSeries(output: y.output, exact: analytic[k]) }
        if k == count { return ex.centralErrorSeries(output: 0, exact: gradX) }
        return nil
      })
  }

  /// The Taylor remainder test of one case along `(w_x, W)` jointly, on the ladder solved
  /// up front (a step outside it reads as NaN).
  func taylorResult(
    value: SourceValue, plan: CasePlan, layout: PointLayout, values: [SourceValue], p: Perturbations,
    matrix: MatrixPlan, dtype: DType = .float64
  ) -> TaylorResult {
    let g = Self.taylorDerivative(value, plan: plan, p: p, matrix: matrix)
    let taylor = TaylorTest(relativeNoise: Self.relativeNoise(matrix, dtype))
    let first = layout.taylor!
    return taylor.run(initialStep: p.taylorH0, directionalDerivative: g) { h in
      if h == 0 { return value.xCond }
      guard let j = p.taylorSteps.firstIndex(of: h) else { return .nan }
      return values[first + j].xCond
    }
  }
}
