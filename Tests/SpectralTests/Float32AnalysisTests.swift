//===--- Float32AnalysisTests.swift ---------------------------------------===//
//
// The measurements behind docs/float32.md: where a margin computed in float32
// rounds away (softplus, where, leaky), whether safe-softplus's floor holds in
// float32 and which floor does, and where gradients underflow or overflow in
// float32 but not in float64. Each scan prints what it found and checks it
// against the bound the rounding analysis predicts.
//
//===----------------------------------------------------------------------===//

import GradcheckModel
import Testing

@testable import Spectral

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `s` values of the scans: both signs, |s| from 1e-4 to 1e3 (float32 numbers).
let scanS: [Double] = [-1000, -37.5, -3, -1, -0.3, -0.0123, -1e-4, 1e-4, 0.07, 0.5, 1, 2.5, 19, 700]
  .map { Double(Float($0)) }

/// The margin `1 + T*s` a program in `dtype` computes for the transform at the float32
/// point nearest to `(x, s, beta)`: inputs rounded to the dtype, T evaluated in it,
/// `Transform.constraintMargin`. Returns the margin and `beta*(1 + x*s)` of the
/// rounded inputs (computed exactly enough in float64).
func dtypeMargin(
  _ kind: TransformKind, x: Double, s: Double, beta: Double, dtype: DType,
  parameters: TransformParameters
) -> (margin: Double, a: Double) {
  let (xr, sr, br) = (dtype.round(x), dtype.round(s), dtype.round(beta))
  let a = br * (1 + xr * sr)
  let value: Double
  switch dtype {
  case .float64:
    value = Transform.evaluate(kind, x: xr, s: sr, beta: br, parameters: parameters).value
  case .float32:
    value = Double(
      Transform.evaluate(kind, x: Float(xr), s: Float(sr), beta: Float(br), parameters: parameters)
        .value)
  }
  return (Transform.constraintMargin(xCond: value, s: sr, dtype: dtype), a)
}

@Suite("Float32 analysis: margins and gradients")
struct Float32AnalysisTests {
  /// For one dtype and beta: over `a = beta*(1 + t)` from -1 down to -80 (steps of 0.01)
  /// and every scan `s`, the mildest violation `a` at which the computed softplus margin
  /// is `<= 0`, and the mildest at which it is at most the rounding level.
  func softplusLoss(dtype: DType, beta: Double) -> (zero: Double, roundingLevel: Double) {
    var zero = -Double.infinity
    var level = -Double.infinity
    let rounding = Transform.marginRoundingLevel(for: dtype)
    for s in scanS {
      for step in 100...8000 {
        let u = -Double(step) / 100 / beta
        let (margin, a) = dtypeMargin(
          .softplus, x: (u - 1) / s, s: s, beta: beta, dtype: dtype,
          parameters: TransformParameters(defaultsFor: dtype))
        if margin <= 0 { zero = max(zero, a) }
        if margin <= rounding { level = max(level, a) }
      }
    }
    return (zero, level)
  }

  @Test("softplus: the computed margin rounds to 0 where sp_beta(1 + t) < about half an ulp of 1")
  func softplusThreshold() {
    // 1 + fl(T*s) = 0 once T*s = sp - 1 rounds to -1, i.e. sp_beta(1 + t) ~ exp(a)/beta
    // below about ulp(1)/4 to ulp(1) of the dtype: a ~ ln(beta * ulp/2) (-37.4 + ln beta in
    // float64, -16.6 + ln beta in float32).
    for beta in [1.0, 2, 5, 10, 20, 50] {
      for dtype in DType.allCases {
        let (zero, level) = softplusLoss(dtype: dtype, beta: beta)
        let predicted = log(beta * dtype.ulpOfOne / 2)
        print(
          "softplus \(dtype.rawValue) beta=\(beta): margin <= 0 from a = \(zero), <= 4 ulp from a = \(level) (ln(beta ulp/2) = \(predicted))"
        )
        #expect(zero.magnitude < 100, "the margin never rounded to 0")
        #expect(zero >= predicted - log(2.0) - 0.05 && zero <= predicted + log(2.0) + 0.05)
        // at rounding level: sp at most a few ulps, a = ln(beta * 4.5 ulp) or milder
        #expect(level >= predicted + log(8.0) - 0.05 && level <= predicted + log(16.0) + 0.05)
      }
    }
  }

  /// Deep violations of the floor scan: `u = 1 + t = -10^k`, k from -2 to 6 in steps of
  /// 0.05, for every scan `s` and `beta` 1...50 (float32 points).
  func floorGrid() -> [(x: Float, s: Float, beta: Float)] {
    var points: [(x: Float, s: Float, beta: Float)] = []
    for beta in 1...50 {
      for s in scanS {
        for k in 0...160 {
          let u = -pow(10, -2 + Double(k) / 20)
          points.append((Float((u - 1) / s), Float(s), Float(beta)))
        }
      }
    }
    return points
  }

  /// The smallest float32 `safe-softplus` margin over `floorGrid()` with floor `delta`,
  /// and the largest deviation of the float32 margin from the exact margin of the same
  /// float32 inputs, both in ulps of 1 in float32; for the tool's stable evaluation and
  /// for a straightforward float32 program, `T = (1 - delta)(sp_beta(1 + x*s)/c - 1)/s`.
  func floorScan(_ delta: Float, grid: [(x: Float, s: Float, beta: Float)])
    -> (minimum: Double, deviation: Double, naiveMinimum: Double, naiveDeviation: Double)
  {
    let parameters = TransformParameters(floor: Double(delta))
    let ulp = Double(Float.ulpOfOne)
    var minimum = Double.infinity
    var deviation = 0.0
    var naiveMinimum = Double.infinity
    var naiveDeviation = 0.0
    for (x, s, beta) in grid {
      let value = Transform.evaluate(.safeSoftplus, x: x, s: s, beta: beta, parameters: parameters)
      let margin = Double(Transform.floatMargin(value: value.value, s: s))
      let exact = Transform.safeSoftplusMargin(
        x: Double(x), s: Double(s), beta: Double(beta), floor: Double(delta))
      minimum = min(minimum, margin / ulp)
      deviation = max(deviation, (margin - exact).magnitude / ulp)
      let c = softplusBeta(Float(1), beta: beta)
      let naive = (1 - delta) * (softplusBeta(1 + x * s, beta: beta) / c - 1) / s
      let naiveMargin = Double(Transform.floatMargin(value: naive, s: s))
      naiveMinimum = min(naiveMinimum, naiveMargin / ulp)
      naiveDeviation = max(naiveDeviation, (naiveMargin - exact).magnitude / ulp)
    }
    return (minimum, deviation, naiveMinimum, naiveDeviation)
  }

  @Test("safe-softplus in float32: 1e-6 holds by a few ulps only, 2^-13 with room")
  func floatFloor() {
    let grid = floorGrid()
    #expect(grid.count == 50 * scanS.count * 161)
    let level = Transform.marginRoundingLevel(for: .float32) / Double(Float.ulpOfOne)  // 4
    // The float64 default rounded to float32 (8.4 ulps of 1).
    let old = floorScan(Float(1e-6), grid: grid)
    print(
      "floor 1e-6 in float32: smallest margin \(old.minimum) ulp, worst deviation \(old.deviation) ulp; straightforward program: smallest \(old.naiveMinimum) ulp, worst deviation \(old.naiveDeviation) ulp"
    )
    // The smallest floor (in quarter ulps of 1) whose margin stays above rounding level.
    var smallest = 0.0
    for quarter in 16...400 {
      let delta = Float(quarter) * Float.ulpOfOne / 4
      if floorScan(delta, grid: grid).minimum > level {
        smallest = Double(delta)
        break
      }
    }
    print("smallest float32 floor above rounding level: \(smallest) (\(smallest / Double(Float.ulpOfOne)) ulp)")
    #expect(smallest > 0, "no floor up to 100 ulps held")
    let chosen = Float(TransformParameters.defaultFloor(for: .float32))
    let new = floorScan(chosen, grid: grid)
    print(
      "floor 2^-13 in float32: smallest margin \(new.minimum) ulp, worst deviation \(new.deviation) ulp; straightforward program: smallest \(new.naiveMinimum) ulp, worst deviation \(new.naiveDeviation) ulp"
    )
    // The chosen floor keeps every margin above rounding level, for both evaluations...
    #expect(new.minimum > level && new.naiveMinimum > level)
    // ...and the worst rounding of the margin stays within 1% of it.
    let worst = max(new.deviation, new.naiveDeviation)
    #expect(worst < 0.01 * Double(chosen) / Double(Float.ulpOfOne))
    // 1e-6 stays above rounding level with the stable forms, but by a few ulps only.
    #expect(old.minimum > level && old.minimum <= level + 4)
    #expect(Double(Float(1e-6)) >= smallest)
  }

  /// The mildest scanned `|s|` (in 1e-12 .. 1e2, s < 0) at which `where`'s computed
  /// margin `-delta*s` is at or below rounding level in `dtype`.
  func whereLoss(dtype: DType) -> Double {
    var worst = 0.0
    for k in 0...1400 {
      let s = -pow(10, -12 + Double(k) / 100)
      let (margin, _) = dtypeMargin(
        .where, x: 2 / -s, s: s, beta: 1, dtype: dtype, parameters: TransformParameters())
      if margin <= Transform.marginRoundingLevel(for: dtype) { worst = max(worst, s.magnitude) }
    }
    return worst
  }

  @Test("where: the margin -delta*s is at rounding level for |s| up to about 4 ulp / delta")
  func whereThreshold() {
    for dtype in DType.allCases {
      let loss = whereLoss(dtype: dtype)
      let predicted = Transform.marginRoundingLevel(for: dtype) / 1e-5
      print("where \(dtype.rawValue): margin at rounding level for |s| <= \(loss) (4 ulp/delta = \(predicted))")
      #expect(loss >= predicted / 2 && loss <= predicted * 4)
    }
  }

  @Test("Gradient underflow: dT/dx of softplus is 0 below a = -103 in float32 (-745 in float64)")
  func vanishingThreshold() {
    for dtype in DType.allCases {
      var mildest = -Double.infinity
      for step in 100...80000 {
        let a = -Double(step) / 100
        let dx: Double
        switch dtype {
        case .float64: dx = Transform.evaluate(.softplus, x: a - 1, s: 1, beta: 1).dx
        case .float32:
          dx = Double(Transform.evaluate(.softplus, x: Float(a - 1), s: 1, beta: 1).dx)
        }
        if dx == 0 { mildest = max(mildest, a) }
      }
      // sigma(a) ~ exp(a) rounds to 0 below half the smallest subnormal
      let predicted =
        (dtype == .float64
          ? log(Double.leastNonzeroMagnitude) : log(Double(Float.leastNonzeroMagnitude))) - log(2.0)
      print("softplus dT/dx \(dtype.rawValue): 0 from a = \(mildest) (ln(min subnormal/2) = \(predicted))")
      #expect((mildest - predicted).magnitude <= 0.02)
    }
  }

  @Test("Gradient overflow: where's dT/ds = 1/s^2 is infinite below |s| = 5.4e-20 in float32")
  func overflowThreshold() {
    var mildest = 0.0
    for k in 0...3000 {
      let s = -pow(10, -30 + Double(k) / 100)
      let ds = Transform.evaluate(.where, x: Float(2 / -s), s: Float(s), beta: 1).ds
      if !ds.isFinite { mildest = max(mildest, s.magnitude) }
    }
    let predicted = 1 / Double(Float.greatestFiniteMagnitude).squareRoot()
    print("where dT/ds float32: infinite for |s| <= \(mildest) (1/sqrt(max) = \(predicted))")
    #expect(mildest >= predicted * 0.97 && mildest <= predicted * 1.03)
  }
}
