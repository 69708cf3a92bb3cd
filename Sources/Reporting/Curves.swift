// The behaviour curves in the reports: per transform, the margin 1 + T*s and dT/dx
// against u = 1 + x*s, one line per beta (Markdown: a table at a few u).

import Foundation
import GradcheckModel

/// A transform's curves grouped by identical values: `where` and `leaky` ignore beta,
/// so their betas share one line (labelled "every β" when all do).
struct CurveLine {
  var label: String
  var curve: BehaviourCurve
}

/// The lines of each transform, in `BehaviourCurve.order`.
func curveLines(_ curves: [BehaviourCurve]) -> [(transform: TransformKind, lines: [CurveLine])] {
  var out: [(transform: TransformKind, lines: [CurveLine])] = []
  for t in TransformKind.allCases {
    let mine = curves.filter { $0.transform == t }.sorted(by: BehaviourCurve.order)
    guard !mine.isEmpty else { continue }
    var groups: [(betas: [Double], curve: BehaviourCurve)] = []
    for c in mine {
      if let k = groups.firstIndex(where: { sameValues($0.curve, c) }) {
        groups[k].betas.append(c.beta)
      } else {
        groups.append(([c.beta], c))
      }
    }
    let lines = groups.map { g in
      CurveLine(
        label: groups.count == 1 && mine.count > 1
          ? "every β" : "β=" + g.betas.map { formatNumber($0) }.joined(separator: ", "),
        curve: g.curve)
    }
    out.append((t, lines))
  }
  return out
}

/// Whether two curves have the same points (bit for bit, NaN equal to NaN).
func sameValues(_ a: BehaviourCurve, _ b: BehaviourCurve) -> Bool {
  func bits(_ v: [Double]) -> [UInt64] { v.map(\.bitPattern) }
  return bits(a.u) == bits(b.u) && bits(a.margin) == bits(b.margin) && bits(a.dx) == bits(b.dx)
}

/// The u the Markdown table shows (points of the grid gradcheck writes).
let markdownCurvePoints: [Double] = [-50, -1, 0, 0.5, 2]

/// The curves as one Markdown table per transform: margin and dT/dx at
/// `markdownCurvePoints` per line ("–" where the curve has no such point).
func markdownCurves(_ curves: [BehaviourCurve]) -> String {
  let all = curveLines(curves)
  guard !all.isEmpty else { return "" }
  var o = "## Behaviour curves\n\n"
  o += "Margin 1 + T·s and dT/dx against u = 1 + x·s (computed at s = 1; only the `where` margin "
    + "for u ≤ 0, −δ·s, depends on s). u ≤ 0 violates the unconstrained x.\n\n"
  for (t, lines) in all {
    o += "**\(t.rawValue)**\n\n| line | value |"
      + markdownCurvePoints.map { " u = \(formatNumber($0)) |" }.joined() + "\n|:--|:--|"
      + String(repeating: "--:|", count: markdownCurvePoints.count) + "\n"
    for l in lines {
      for (name, values) in [("margin", l.curve.margin), ("dT/dx", l.curve.dx)] {
        o += "| \(l.label) | \(name) |"
        for u in markdownCurvePoints {
          let v = l.curve.u.firstIndex(of: u).map { values[$0] }
          o += " \(v.map { formatNumber($0) } ?? "–") |"
        }
        o += "\n"
      }
    }
    o += "\n"
  }
  return o
}

/// The curves section of the HTML report: per transform a figure with two panels
/// (margin, dT/dx) against u on a symlog axis; empty without curves.
func htmlCurves(_ curves: [BehaviourCurve]) -> String {
  let all = curveLines(curves)
  guard !all.isEmpty else { return "" }
  var o = "<section id=\"curves\">\n<h2>Behaviour curves</h2>\n"
  o += "<p>The trade-off between keeping the constraint and keeping a gradient: for each "
    + "transform, the margin 1 + T·s (left) and dT/dx (right) against u = 1 + x·s, where u ≤ 0 "
    + "is an unconstrained x that violates the constraint (the dashed vertical line is the boundary "
    + "u = 0). One line per β, told apart by colour and dash. Both axes are symlog: u is linear "
    + "within 0.001 of 0, the margin within 1e-6, dT/dx within 1e-16 (below that the gradient has "
    + "vanished at float64 precision). The curves depend on the transform, β and its parameters, "
    + "not on a matrix; they are computed at s = 1, which changes nothing except the "
    + "<code>where</code> margin for u ≤ 0 (−δ·s: −δ here, positive for s &lt; 0).</p>\n"
    + "<div class=\"charts\">\n"
  for (t, lines) in all {
    let margin = svgCurvePanel(
      title: "\(t.rawValue): margin 1 + T·s", yLabel: "margin (symlog)", yScale: .symlog(1e-6),
      lines: lines.map { ($0.label, $0.curve.u, $0.curve.margin) })
    let slope = svgCurvePanel(
      title: "\(t.rawValue): dT/dx", yLabel: "dT/dx (symlog)", yScale: .symlog(1e-16),
      lines: lines.map { ($0.label, $0.curve.u, $0.curve.dx) })
    o += "<figure class=\"curves\">\(margin)\(slope)<figcaption>\(xmlEscape(t.rawValue)): "
      + "margin and dT/dx against u = 1 + x·s.</figcaption></figure>\n"
  }
  return o + "</div>\n</section>\n"
}

/// Colours (Okabe-Ito) and dash patterns of the curve lines, by line index (cycled).
let curveColours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
let curveDashes = ["", "7 3", "2 2", "9 3 2 3", "4 4", "1 3", "12 4"]

/// The linear zone of the u axis of the curves.
let curveULinear = 1e-3

/// One panel of a transform's curves: `lines` (label, u, y) against u on a symlog axis
/// (linear within `curveULinear`) from -100 to 10, y on `yScale`; the boundary u = 0 as
/// a dashed vertical line (the axis title says which side violates), y = 0 as a line when in range; a legend of line samples above
/// the plot. Non-finite points are left out (the line breaks).
func svgCurvePanel(
  title: String, yLabel: String, yScale: ValueScale, lines: [(label: String, u: [Double], y: [Double])]
) -> String {
  let uScale = ValueScale.symlog(curveULinear)
  func at(_ v: Double, _ s: ValueScale) -> Double? {
    if case .inside(let p)? = s.place(v) { return p.isFinite ? p : nil }
    return nil
  }
  // Legend rows (line sample and label), then the plot.
  let width = 440.0
  var legend: [(x: Double, row: Int)] = []
  var lx = 0.0, row = 0
  for l in lines {
    let w = 44 + Double(l.label.count) * 6.6
    if lx > 0 && lx + w > width - 80 { lx = 0; row += 1 }
    legend.append((lx, row))
    lx += w
  }
  var f = Frame()
  f.width = width
  f.height = 280 + Double(row) * 14
  f.top = 46 + Double(row) * 14
  let xlo = at(-100, uScale)!, xhi = at(10, uScale)!
  var ys: [Double] = []
  for l in lines { for v in l.y { if let p = at(v, yScale) { ys.append(p) } } }
  let (ylo, yhi) = valueRange(ys, includeZero: true)
  func px(_ p: Double) -> Double { f.left + (p - xlo) / (xhi - xlo) * f.plotW }
  func py(_ p: Double) -> Double { f.top + (yhi - p) / (yhi - ylo) * f.plotH }

  var o = svgOpen(f, title: title)
  o += "<text class=\"ct\" x=\"\(coord(f.width / 2))\" y=\"16\" text-anchor=\"middle\">\(xmlEscape(title))</text>"
  o += "<rect class=\"pa\" x=\"\(coord(f.left))\" y=\"\(coord(f.top))\" width=\"\(coord(f.plotW))\" "
    + "height=\"\(coord(f.plotH))\"/>"
  for (p, label) in yScale.ticks(lo: ylo, hi: yhi, maxTicks: 9) {
    o += "<line class=\"gr\" x1=\"\(coord(f.left))\" x2=\"\(coord(f.left + f.plotW))\" "
      + "y1=\"\(coord(py(p)))\" y2=\"\(coord(py(p)))\"/>"
    o += "<text class=\"tk\" x=\"\(coord(f.left - 4))\" y=\"\(coord(py(p) + 3.5))\" text-anchor=\"end\">"
      + "\(xmlEscape(label))</text>"
  }
  for u in [-100.0, -10, -1, -0.1, -0.01, 0, 0.01, 0.1, 1, 10] {
    let x = px(at(u, uScale)!)
    o += "<line class=\"gr\" x1=\"\(coord(x))\" x2=\"\(coord(x))\" y1=\"\(coord(f.top))\" "
      + "y2=\"\(coord(f.top + f.plotH))\"/>"
    o += "<text class=\"tk\" x=\"\(coord(x))\" y=\"\(coord(f.top + f.plotH + 14))\" text-anchor=\"middle\">"
      + "\(formatNumber(u))</text>"
  }
  // The boundary u = 0, and y = 0.
  let x0 = px(0)
  o += "<line class=\"zl\" x1=\"\(coord(x0))\" x2=\"\(coord(x0))\" y1=\"\(coord(f.top))\" "
    + "y2=\"\(coord(f.top + f.plotH))\"/>"
  if ylo < 0 && yhi > 0 {
    o += "<line class=\"zl\" x1=\"\(coord(f.left))\" x2=\"\(coord(f.left + f.plotW))\" "
      + "y1=\"\(coord(py(0)))\" y2=\"\(coord(py(0)))\"/>"
  }
  o += "<text class=\"al\" x=\"\(coord(f.left + f.plotW / 2))\" y=\"\(coord(f.height - 8))\" "
    + "text-anchor=\"middle\">u = 1 + x·s (symlog; u ≤ 0: x violates)</text>"
  o += "<text class=\"al\" transform=\"translate(12 \(coord(f.top + f.plotH / 2))) rotate(-90)\" "
    + "text-anchor=\"middle\">\(xmlEscape(yLabel))</text>"
  for (k, l) in lines.enumerated() {
    let stroke = curveStroke(k)
    var path = "", pen = false
    for (u, y) in zip(l.u, l.y) {
      guard let pu = at(u, uScale), let pv = at(y, yScale), pu >= xlo, pu <= xhi else { pen = false; continue }
      path += (pen ? "L" : "M") + "\(coord(px(pu))) \(coord(py(pv)))"
      pen = true
    }
    if !path.isEmpty { o += "<path class=\"cv\" \(stroke) d=\"\(path)\"/>" }
    let (gx, gr) = legend[k]
    let ly = 32 + Double(gr) * 14
    o += "<line class=\"cv\" \(stroke) x1=\"\(coord(f.left + gx))\" x2=\"\(coord(f.left + gx + 26))\" "
      + "y1=\"\(coord(ly - 4))\" y2=\"\(coord(ly - 4))\"/>"
    o += "<text class=\"lg\" x=\"\(coord(f.left + gx + 30))\" y=\"\(coord(ly))\">\(xmlEscape(l.label))</text>"
  }
  return o + "</svg>"
}

/// The stroke attributes of line `k`: its colour and dash pattern.
func curveStroke(_ k: Int) -> String {
  let dash = curveDashes[k % curveDashes.count]
  return "stroke=\"\(curveColours[k % curveColours.count])\""
    + (dash.isEmpty ? "" : " stroke-dasharray=\"\(dash)\"")
}
