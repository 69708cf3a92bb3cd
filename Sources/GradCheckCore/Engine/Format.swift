#if canImport(Glibc)
  import Glibc
#endif

/// Four significant digits, deterministic ("1.235e-05", "0.01227", "-inf"),
/// for check messages.
func fmt(_ v: Double) -> String {
  if v.isNaN { return "nan" }
  if v.isInfinite { return v < 0 ? "-inf" : "inf" }
  if v == 0 { return "0" }
  let a = abs(v)
  // a = m * 10^e with 1 <= m < 10.
  var e = 0
  var m = a
  while m >= 10 {
    m /= 10
    e += 1
  }
  while m < 1 {
    m *= 10
    e -= 1
  }
  func trimmed(_ x: Double) -> String {
    var str = String(x)
    if str.hasSuffix(".0") { str.removeLast(2) }
    return str
  }
  let sign = v < 0 ? "-" : ""
  if a >= 1e-3 && a < 1e5 {
    var scale = 1.0
    for _ in 0..<max(0, 3 - e) { scale *= 10 }
    return sign + trimmed((a * scale).rounded() / scale)
  }
  var mr = (m * 1000).rounded() / 1000
  if mr >= 10 {
    mr /= 10
    e += 1
  }
  return sign + trimmed(mr) + "e" + (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
}

/// FNV-1a over the UTF-8 bytes of a string: a stable hash (Swift's Hasher is
/// seeded per process).
func fnv1a(_ s: String) -> UInt64 {
  var h: UInt64 = 0xcbf2_9ce4_8422_2325
  for b in s.utf8 {
    h ^= UInt64(b)
    h = h &* 0x100_0000_01b3
  }
  return h
}
