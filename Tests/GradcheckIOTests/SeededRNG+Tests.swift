import EigenCore

/// The two draws the random documents and literals use, on the project's generator.
extension SeededRNG {
  /// Uniform in `0..<n`.
  mutating func below(_ n: Int) -> Int { int(below: n) }
  /// True with probability `p`.
  mutating func chance(_ p: Double) -> Bool { uniform() < p }
}
