// Number formatting and escaping shared by the renderers. Everything here is a pure
// function of its input, so reports are byte-for-byte reproducible.

import Foundation
// formatNumber and stripFraction live in NumberFormat, the one formatter of the project;
// re-exported so every renderer (and a user of Reporting) has them.
@_exported import NumberFormat

/// Formats an SVG coordinate with one decimal (`12.5`, `-3`, `0`), locale-independent.
func coord(_ v: Double) -> String {
  guard v.isFinite else { return "0" }
  let r = (v * 10).rounded() / 10
  if r == 0 { return "0" }
  return stripFraction(String(format: "%.1f", r))
}

/// Formats a fraction in [0, 1] as a whole percentage (`97%`); values in (0, 1) never
/// round to `0%` or `100%`, so a single failure is never hidden by rounding.
func percent(_ num: Int, _ den: Int) -> String {
  guard den > 0 else { return "n/a" }
  if num == den { return "100%" }
  if num == 0 { return "0%" }
  let p = Int((Double(num) * 100 / Double(den)).rounded())
  return "\(min(99, max(1, p)))%"
}

// MARK: - Text cleaning and escaping

/// Whether a scalar is a control character that no report should carry: C0 controls
/// other than tab, newline and carriage return, DEL, C1 controls, and the non-characters
/// U+FFFE and U+FFFF (not allowed in XML 1.0).
func isForbiddenControl(_ u: Unicode.Scalar) -> Bool {
  let v = u.value
  if v < 0x20 { return v != 0x09 && v != 0x0A && v != 0x0D }
  if v >= 0x7F && v <= 0x9F { return true }
  return v == 0xFFFE || v == 0xFFFF
}

/// Removes forbidden control characters and turns every line break or tab into one space:
/// the text of a table cell, a list entry or an attribute is always a single line.
func oneLine(_ s: String) -> String {
  var out = String.UnicodeScalarView()
  for u in s.unicodeScalars {
    if isForbiddenControl(u) { continue }
    if u == "\n" || u == "\r" || u == "\t" { out.append(" ") } else { out.append(u) }
  }
  return String(out)
}

/// Escapes text for XML or HTML content and attributes (`& < > " '`), after removing
/// forbidden control characters. With `singleLine`, line breaks and tabs become spaces.
func xmlEscape(_ s: String, singleLine: Bool = true) -> String {
  var out = ""
  out.reserveCapacity(s.utf8.count)
  for u in s.unicodeScalars {
    if isForbiddenControl(u) { continue }
    switch u {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    case "'": out += "&apos;"
    case "\r": if !singleLine { out += "&#13;" } else { out += " " }
    case "\n", "\t": out += singleLine ? " " : String(Character(u))
    default: out.unicodeScalars.append(u)
    }
  }
  return out
}

/// Escapes text for GitHub-flavoured Markdown inline content, including table cells:
/// the characters that start emphasis, links, code, HTML or table cells are
/// backslash-escaped and `&` becomes `&amp;`. The result is one line.
func mdEscape(_ s: String) -> String {
  var out = ""
  for ch in oneLine(s) {
    switch ch {
    case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "~", "#", "!": out += "\\\(ch)"
    case "&": out += "&amp;"
    default: out.append(ch)
    }
  }
  return out
}

/// A Markdown code span holding `s` literally (one line). The fence is one backtick
/// longer than the longest backtick run inside; `|` is escaped so the span is safe in a
/// table cell (GFM splits cells before parsing code spans).
func mdCode(_ s: String) -> String {
  let text = oneLine(s).replacingOccurrences(of: "|", with: "\\|")
  if text.isEmpty { return "` `" }
  let fence = String(repeating: "`", count: longestRun(of: "`", in: text) + 1)
  let pad = text.hasPrefix("`") || text.hasSuffix("`") || text.hasPrefix(" ") && text.hasSuffix(" ")
  return pad ? "\(fence) \(text) \(fence)" : "\(fence)\(text)\(fence)"
}

/// A fenced Markdown code block with an info string; the fence is longer than any
/// backtick run in the content, and control characters are removed.
func mdCodeBlock(_ s: String, info: String = "sh") -> String {
  var cleaned = String.UnicodeScalarView()
  for u in s.unicodeScalars where !isForbiddenControl(u) && u != "\r" { cleaned.append(u) }
  let text = String(cleaned)
  let fence = String(repeating: "`", count: max(3, longestRun(of: "`", in: text) + 1))
  return "\(fence)\(info)\n\(text)\n\(fence)\n"
}

/// Length of the longest run of `c` in `s`.
func longestRun(of c: Character, in s: String) -> Int {
  var best = 0, run = 0
  for ch in s {
    if ch == c { run += 1; best = max(best, run) } else { run = 0 }
  }
  return best
}
