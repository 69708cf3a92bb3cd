/// Seeded pseudo-random directions for the Taylor test of the one-call checks:
/// splitmix64 and uniform values built from integer operations only, so a seed gives
/// the same direction on every machine.

/// splitmix64 (Steele, Lea, Flood 2014): `state += 0x9e3779b97f4a7c15`, then two
/// xor-shift-multiply rounds.
struct SplitMix64: Sendable {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    return z ^ (z >> 31)
  }

  /// Uniform in `[-1, 1)`: `2 * (top 53 bits) * 2^-53 - 1` (exact).
  mutating func symmetricUniform() -> Double {
    Double(next() >> 11) * 0x1p-52 - 1
  }

  /// `count` values uniform in `[-1, 1)` whose largest magnitude is at least 1/2
  /// (redrawn otherwise, so the direction is never nearly zero).
  mutating func direction(_ count: Int) -> [Double] {
    precondition(count > 0)
    while true {
      let u = (0..<count).map { _ in symmetricUniform() }
      if u.contains(where: { abs($0) >= 0.5 }) { return u }
    }
  }
}
