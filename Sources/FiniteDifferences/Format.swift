/// The library's own number formatting for one-line messages: deterministic, no
/// Foundation, no locale.

#if canImport(Glibc)
  import Glibc
#endif

/// `x` in scientific notation with three significant digits (`-1.23e-05`, `0`, `nan`,
/// `inf`), for one-line messages; deterministic on a given platform.
func formatScientific(_ x: Double) -> String {
  if x.isNaN { return "nan" }
  if x.isInfinite { return x < 0 ? "-inf" : "inf" }
  if x == 0 { return "0" }
  let sign = x < 0 ? "-" : ""
  var v = abs(x)
  var shift = 0
  if v < 1e-290 {
    v *= 1e30
    shift = -30
  }
  var e = Int(log10(v).rounded(.down))
  var m = v / pow(10, Double(e))
  if m >= 10 {
    m /= 10
    e += 1
  } else if m < 1 {
    m *= 10
    e -= 1
  }
  var digits = Int((m * 100).rounded())
  if digits >= 1000 {
    digits = 100
    e += 1
  }
  e += shift
  let d0 = digits / 100
  let rest = digits % 100
  let frac = rest < 10 ? "0\(rest)" : "\(rest)"
  let ae = abs(e)
  let exp = (e < 0 ? "-" : "+") + (ae < 10 ? "0\(ae)" : "\(ae)")
  return "\(sign)\(d0).\(frac)e\(exp)"
}

/// `x` with two decimals (`2.00`, `-0.35`), for orders in messages.
func formatFixed(_ x: Double) -> String {
  if !x.isFinite { return x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf") }
  if abs(x) >= 1e15 { return formatScientific(x) }
  let cents = Int((abs(x) * 100).rounded())
  let sign = x < 0 && cents != 0 ? "-" : ""
  let frac = cents % 100
  return "\(sign)\(cents / 100).\(frac < 10 ? "0" : "")\(frac)"
}
