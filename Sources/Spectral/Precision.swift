//===--- Precision.swift --------------------------------------------------===//
//
// What depends on the dtype a case is evaluated in (float64 or float32): the
// constraint margin as a program of that dtype computes it, the level below
// which a positive margin is only rounding, and the default floor of
// safe-softplus. docs/float32.md gives the measurements behind the numbers.
//
//===----------------------------------------------------------------------===//

import GradcheckModel

extension DType {
  /// The ulp of 1 in this dtype: 2^-52 (float64) or 2^-23 (float32).
  public var ulpOfOne: Double {
    switch self {
    case .float64: Double.ulpOfOne
    case .float32: Double(Float.ulpOfOne)
    }
  }

  /// Rounds a float64 number to this dtype (identity for float64; float32 rounds
  /// to nearest, overflowing to infinity), returned as a float64.
  public func round(_ value: Double) -> Double {
    switch self {
    case .float64: value
    case .float32: Double(Float(value))
    }
  }
}

extension TransformParameters {
  /// The default `safe-softplus` floor delta of a dtype: 1e-6 for float64 and
  /// 2^-13 (about 1.22e-4) for float32.
  ///
  /// The float64 margin `1 + T*s` at a deep violation is `delta` up to a few ulps of 1
  /// (2.2e-16 each), so 1e-6 leaves it far above rounding level. In float32 an ulp of
  /// 1 is 1.19e-7 and 1e-6 is only 8.4 of them; the measured float32 margin at deep
  /// violations (betas 1 to 50) is `delta` plus or minus `E` ulps of 1, and the floor
  /// must keep `delta - E ulp` above the rounding level of 4 ulps with room to spare
  /// (docs/float32.md: the scan, `E`, and why 2^-13).
  public static func defaultFloor(for dtype: DType) -> Double {
    switch dtype {
    case .float64: 1e-6
    case .float32: 0x1p-13
    }
  }
}

extension Transform {
  /// The margin `1 + xCond*s` as a program working in `dtype` computes it: both
  /// operands rounded to the dtype, one rounded product, one rounded sum (no fused
  /// multiply-add), the result returned as a float64 (exactly, for float32).
  public static func constraintMargin(xCond: Double, s: Double, dtype: DType) -> Double {
    switch dtype {
    case .float64: floatMargin(value: xCond, s: s)
    case .float32: Double(floatMargin(value: Float(xCond), s: Float(s)))
    }
  }

  /// The largest positive margin that is still only rounding in `dtype`: 4 ulps of 1
  /// (8.9e-16 for float64, 4.77e-7 for float32). A computed margin `m` with
  /// `0 < m <= marginRoundingLevel(for:)` is at rounding level (the `constraint`
  /// check warns), above it the constraint holds with room.
  public static func marginRoundingLevel(for dtype: DType) -> Double {
    4 * dtype.ulpOfOne
  }
}
