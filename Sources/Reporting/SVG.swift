// Inline SVG charts for the HTML report: no script, no external resources, robust to
// empty data, single points, zeros on log axes and non-finite values.

import Foundation

/// Where a value lands on a y axis: inside the plot, or pinned to an edge because the
/// scale cannot show it (zero or negative on a log axis, an infinity).
enum Placement: Equatable {
  case inside(Double)
  case top(String)
  case bottom(String)
}

/// A value axis: log10 or symmetric log with a linear zone of half-width `c`.
enum ValueScale {
  case log
  /// `u(v) = sign(v) * log10(1 + |v| / c)`: linear near 0, logarithmic beyond `c`.
  case symlog(Double)

  /// Transformed position of a raw value, or where it is pinned; nil for NaN.
  func place(_ v: Double) -> Placement? {
    if v.isNaN { return nil }
    switch self {
    case .log:
      if v == .infinity { return .top("inf") }
      if v <= 0 { return .bottom(v == 0 ? "0" : "≤0") }
      return .inside(log10(v))
    case .symlog(let c):
      if v == .infinity { return .top("inf") }
      if v == -.infinity { return .bottom("-inf") }
      // |v| / c overflows for |v| near the largest double: use log10|v| - log10 c there.
      let q = abs(v) / c
      let u = q.isFinite ? log10(1 + q) : log10(abs(v)) - log10(c)
      return .inside(v < 0 ? -u : u)
    }
  }

  /// Ticks between transformed bounds `lo` and `hi`, at most about `maxTicks`.
  func ticks(lo: Double, hi: Double, maxTicks: Int = 7) -> [(Double, String)] {
    guard lo.isFinite, hi.isFinite, lo <= hi else { return [] }
    switch self {
    case .log:
      let a = Int(ceil(lo - 1e-9)), b = Int(floor(hi + 1e-9))
      guard a <= b else { return [] }
      let step = max(1, (b - a + maxTicks - 1) / maxTicks)
      return stride(from: a, through: b, by: step).map { (Double($0), decadeLabel($0)) }
    case .symlog(let c):
      // Ticks at 0 and at +-c*10^j for j = step, 2 step, ... (u(c*10^j) = log10(1 + 10^j));
      // j = 0 is left out, its tick (u = 0.3) would overprint the one at 0.
      var out: [(Double, String)] = []
      if lo <= 0 && hi >= 0 { out.append((0, "0")) }
      let cExp = Int(log10(c).rounded())
      let span = max(abs(lo), abs(hi))
      let jMax = min(400, Int(ceil(span)) + 1)
      let sides = (lo < 0 ? 1 : 0) + (hi > 0 ? 1 : 0)
      let step = max(1, Int(ceil(Double(jMax) / Double(max(1, maxTicks / max(1, sides))))))
      for j in stride(from: step, through: jMax, by: step) {
        let u = log10(1 + pow(10, Double(j)))
        if u <= hi + 1e-9 { out.append((u, decadeLabel(cExp + j))) }
        if -u >= lo - 1e-9 { out.append((-u, "-" + decadeLabel(cExp + j))) }
      }
      return out.sorted { $0.0 < $1.0 }
    }
  }
}

/// Label of 10^k: `1e-8`, `0.01`, `1`, `1000`, `1e6`.
func decadeLabel(_ k: Int) -> String { formatNumber(pow(10, Double(k))) }

/// Transformed range covering `values`, widened to whole units and never empty.
func valueRange(_ values: [Double], includeZero: Bool = false) -> (Double, Double) {
  let finite = values.filter(\.isFinite)
  var lo = finite.min() ?? -1, hi = finite.max() ?? 1
  if includeZero { lo = min(lo, 0); hi = max(hi, 0) }
  lo = floor(lo); hi = ceil(hi)
  if hi - lo < 1 { lo -= 1; hi += 1 }
  return (lo, hi)
}

/// One line of a chart.
struct ChartSeries {
  var name: String
  /// CSS class giving stroke and fill (`s-blue`, `s-orange`, `s-grey`).
  var cls: String
  /// Marker shape: `circle`, `square` or `triangle`.
  var marker: String
  var dashed: Bool
  /// Points in raw units: x (category index or value), y (raw value; NaN skipped).
  var points: [(x: Double, y: Double)]
}

/// Geometry shared by the charts.
struct Frame {
  var width = 380.0, height = 264.0
  var left = 66.0, right = 14.0, top = 52.0, bottom = 46.0
  var plotW: Double { width - left - right }
  var plotH: Double { height - top - bottom }
}

/// Marker of a point: circle, square or triangle, filled or hollow.
func svgMarker(_ shape: String, x: Double, y: Double, cls: String, hollow: Bool = false) -> String {
  let fill = hollow ? " fill=\"#fff\"" : ""
  switch shape {
  case "square":
    return "<rect class=\"\(cls)\"\(fill) x=\"\(coord(x - 3.5))\" y=\"\(coord(y - 3.5))\" "
      + "width=\"7\" height=\"7\"/>"
  case "triangle":
    return "<path class=\"\(cls)\"\(fill) d=\"M\(coord(x)) \(coord(y - 4.5))L\(coord(x + 4.5)) "
      + "\(coord(y + 3.5))L\(coord(x - 4.5)) \(coord(y + 3.5))Z\"/>"
  default:
    return "<circle class=\"\(cls)\"\(fill) cx=\"\(coord(x))\" cy=\"\(coord(y))\" r=\"3.5\"/>"
  }
}

/// A line chart. The x axis is either categorical (`categories` labels at indices
/// 0..<count) or logarithmic (`xLog`); the y axis uses `yScale`. Points the y scale
/// cannot show are pinned to the top or bottom edge with a hollow marker and a label
/// (`inf`, `0`); NaN points are left out and counted in the caption; lines break at
/// pinned points. With no drawable point, the chart says so.
func svgLineChart(
  title: String, xLabel: String, yLabel: String, categories: [String]?, yScale: ValueScale,
  series: [ChartSeries], zeroLine: String? = nil, reference: (slope: Double, label: String)? = nil
) -> String {
  let f = Frame()
  // Domain on y.
  var yv: [Double] = []
  var nanCount = 0
  for s in series {
    for p in s.points {
      switch yScale.place(p.y) {
      case .inside(let u)?: yv.append(u)
      case nil: nanCount += 1
      default: break
      }
    }
  }
  var zeroIncluded = false
  if case .symlog = yScale, zeroLine != nil { zeroIncluded = true }
  let (ylo, yhi) = valueRange(yv, includeZero: zeroIncluded)
  // Domain on x.
  let xlo: Double, xhi: Double
  if let cats = categories {
    xlo = -0.5; xhi = Double(max(cats.count, 1)) - 0.5
  } else {
    let xs = series.flatMap { $0.points.map(\.x) }.filter { $0 > 0 && $0.isFinite }.map(log10)
    (xlo, xhi) = valueRange(xs)
  }
  func px(_ x: Double) -> Double? {
    if categories != nil { return f.left + (x - xlo) / (xhi - xlo) * f.plotW }
    guard x > 0, x.isFinite else { return nil }
    return f.left + (log10(x) - xlo) / (xhi - xlo) * f.plotW
  }
  func py(_ u: Double) -> Double { f.top + (yhi - u) / (yhi - ylo) * f.plotH }

  var o = svgOpen(f, title: title)
  o += "<text class=\"ct\" x=\"\(coord(f.width / 2))\" y=\"16\" text-anchor=\"middle\">"
    + "\(xmlEscape(title))</text>"
  o += "<rect class=\"pa\" x=\"\(coord(f.left))\" y=\"\(coord(f.top))\" width=\"\(coord(f.plotW))\" "
    + "height=\"\(coord(f.plotH))\"/>"
  // Y ticks and grid.
  for (u, label) in yScale.ticks(lo: ylo, hi: yhi) {
    let y = py(u)
    o += "<line class=\"gr\" x1=\"\(coord(f.left))\" x2=\"\(coord(f.left + f.plotW))\" "
      + "y1=\"\(coord(y))\" y2=\"\(coord(y))\"/>"
    o += "<text class=\"tk\" x=\"\(coord(f.left - 4))\" y=\"\(coord(y + 3.5))\" "
      + "text-anchor=\"end\">\(xmlEscape(label))</text>"
  }
  if let zl = zeroLine, ylo <= 0, yhi >= 0 {
    let y = py(0)
    o += "<line class=\"zl\" x1=\"\(coord(f.left))\" x2=\"\(coord(f.left + f.plotW))\" "
      + "y1=\"\(coord(y))\" y2=\"\(coord(y))\"/>"
    o += "<text class=\"tk\" x=\"\(coord(f.left + f.plotW - 3))\" y=\"\(coord(y - 3))\" "
      + "text-anchor=\"end\">\(xmlEscape(zl))</text>"
  }
  // X ticks.
  if let cats = categories {
    let step = max(1, (cats.count + 7) / 8)
    for (i, c) in cats.enumerated() where i % step == 0 {
      let x = px(Double(i))!
      o += "<text class=\"tk\" x=\"\(coord(x))\" y=\"\(coord(f.top + f.plotH + 14))\" "
        + "text-anchor=\"middle\">\(xmlEscape(c))</text>"
    }
  } else {
    for (u, label) in ValueScale.log.ticks(lo: xlo, hi: xhi) {
      let x = f.left + (u - xlo) / (xhi - xlo) * f.plotW
      o += "<line class=\"gr\" x1=\"\(coord(x))\" x2=\"\(coord(x))\" y1=\"\(coord(f.top))\" "
        + "y2=\"\(coord(f.top + f.plotH))\"/>"
      o += "<text class=\"tk\" x=\"\(coord(x))\" y=\"\(coord(f.top + f.plotH + 14))\" "
        + "text-anchor=\"middle\">\(xmlEscape(label))</text>"
    }
  }
  o += "<text class=\"al\" x=\"\(coord(f.left + f.plotW / 2))\" y=\"\(coord(f.height - 8))\" "
    + "text-anchor=\"middle\">\(xmlEscape(xLabel))</text>"
  o += "<text class=\"al\" transform=\"translate(12 \(coord(f.top + f.plotH / 2))) rotate(-90)\" "
    + "text-anchor=\"middle\">\(xmlEscape(yLabel))</text>"

  // Reference slope through the first drawable point of the first series (log-log).
  if let ref = reference, categories == nil,
    let p0 = series.first?.points.first(where: { $0.x > 0 && $0.x.isFinite && $0.y > 0 && $0.y.isFinite })
  {
    let x0 = log10(p0.x), y0 = log10(p0.y)
    let x1 = xhi, y1 = y0 + ref.slope * (x1 - x0)
    let xa = xlo, ya = y0 + ref.slope * (xa - x0)
    // Clip to the y range by walking along the line.
    func clipPoint(_ xv: Double, _ yv: Double) -> (Double, Double) {
      if yv > yhi { return (x0 + (yhi - y0) / ref.slope, yhi) }
      if yv < ylo { return (x0 + (ylo - y0) / ref.slope, ylo) }
      return (xv, yv)
    }
    let (ax, ay) = clipPoint(xa, ya), (bx, by) = clipPoint(x1, y1)
    let sx = { (u: Double) in f.left + (u - xlo) / (xhi - xlo) * f.plotW }
    o += "<line class=\"rf\" x1=\"\(coord(sx(ax)))\" y1=\"\(coord(py(ay)))\" x2=\"\(coord(sx(bx)))\" "
      + "y2=\"\(coord(py(by)))\"/>"
    o += "<text class=\"tk\" x=\"\(coord(sx(bx) - 4))\" y=\"\(coord(py(by) + 12))\" "
      + "text-anchor=\"end\">\(xmlEscape(ref.label))</text>"
  }

  // Series.
  var drawn = 0
  for s in series {
    var path = ""
    var pen = false
    var marks = ""
    for p in s.points {
      guard let x = px(p.x), let place = yScale.place(p.y) else { pen = false; continue }
      switch place {
      case .inside(let u):
        let y = py(u)
        path += (pen ? "L" : "M") + "\(coord(x)) \(coord(y))"
        pen = true
        marks += svgMarker(s.marker, x: x, y: y, cls: s.cls)
      case .top(let label), .bottom(let label):
        var isTop = false
        if case .top = place { isTop = true }
        let y = isTop ? f.top + 5 : f.top + f.plotH - 5
        pen = false
        marks += svgMarker(s.marker, x: x, y: y, cls: s.cls, hollow: true)
        marks += "<text class=\"pn\" x=\"\(coord(x + 6))\" y=\"\(coord(isTop ? y + 4 : y - 2))\">"
          + "\(xmlEscape(label))</text>"
      }
      drawn += 1
    }
    if !path.isEmpty {
      o += "<path class=\"ln \(s.cls)\(s.dashed ? " da" : "")\" d=\"\(path)\"/>"
    }
    o += marks
  }
  if drawn == 0 {
    o += "<text class=\"nd\" x=\"\(coord(f.left + f.plotW / 2))\" y=\"\(coord(f.top + f.plotH / 2))\" "
      + "text-anchor=\"middle\">no data to plot</text>"
  }
  // Legend, between the title and the plot so it never hides a point.
  var lx = f.left + 4
  for s in series {
    let ly = 34.0
    o += svgMarker(s.marker, x: lx + 4, y: ly - 3, cls: s.cls)
    o += "<text class=\"lg\" x=\"\(coord(lx + 11))\" y=\"\(coord(ly + 1))\">\(xmlEscape(s.name))</text>"
    lx += 24 + Double(s.name.count) * 6.2
  }
  if nanCount > 0 {
    o += "<text class=\"pn\" x=\"\(coord(f.left + f.plotW))\" y=\"\(coord(f.top - 5))\" "
      + "text-anchor=\"end\">\(nanCount) NaN not drawn</text>"
  }
  o += "</svg>"
  return o
}

/// Opening tag of a chart with its accessible title.
func svgOpen(_ f: Frame, title: String) -> String {
  "<svg class=\"chart\" viewBox=\"0 0 \(coord(f.width)) \(coord(f.height))\" width=\"\(coord(f.width))\" "
    + "height=\"\(coord(f.height))\" role=\"img\" aria-label=\"\(xmlEscape(title))\">"
    + "<title>\(xmlEscape(title))</title>"
}

/// A bar chart of counts over labelled bins; bars flagged `bad` are drawn in the failure
/// colour with a hatch pattern and a ✗ above the count.
func svgBarChart(title: String, xLabel: String, bins: [(label: String, count: Int, bad: Bool)])
  -> String
{
  var f = Frame()
  f.width = max(380, 60 + Double(bins.count) * 44)
  let maxCount = max(1, bins.map(\.count).max() ?? 0)
  var o = svgOpen(f, title: title)
  o += "<text class=\"ct\" x=\"\(coord(f.width / 2))\" y=\"16\" text-anchor=\"middle\">"
    + "\(xmlEscape(title))</text>"
  o += "<rect class=\"pa\" x=\"\(coord(f.left))\" y=\"\(coord(f.top))\" width=\"\(coord(f.plotW))\" "
    + "height=\"\(coord(f.plotH))\"/>"
  o += "<text class=\"tk\" x=\"\(coord(f.left - 4))\" y=\"\(coord(f.top + 4))\" text-anchor=\"end\">"
    + "\(maxCount)</text>"
  o += "<text class=\"tk\" x=\"\(coord(f.left - 4))\" y=\"\(coord(f.top + f.plotH))\" "
    + "text-anchor=\"end\">0</text>"
  let n = max(1, bins.count)
  let w = f.plotW / Double(n)
  for (i, b) in bins.enumerated() {
    let h = Double(b.count) / Double(maxCount) * (f.plotH - 14)
    let x = f.left + Double(i) * w
    let y = f.top + f.plotH - h
    if b.count > 0 {
      o += "<rect class=\"\(b.bad ? "b-fail" : "b-pass")\" x=\"\(coord(x + 3))\" y=\"\(coord(y))\" "
        + "width=\"\(coord(w - 6))\" height=\"\(coord(h))\"/>"
      if b.bad {
        o += "<rect fill=\"url(#hatch)\" x=\"\(coord(x + 3))\" y=\"\(coord(y))\" "
          + "width=\"\(coord(w - 6))\" height=\"\(coord(h))\"/>"
      }
    }
    if b.count > 0 {
      o += "<text class=\"tk\" x=\"\(coord(x + w / 2))\" y=\"\(coord(y - 3))\" text-anchor=\"middle\">"
        + "\(b.bad ? "✗" : "")\(b.count)</text>"
    }
    o += "<text class=\"tk\" x=\"\(coord(x + w / 2))\" y=\"\(coord(f.top + f.plotH + 14))\" "
      + "text-anchor=\"middle\">\(xmlEscape(b.label))</text>"
  }
  o += "<text class=\"al\" x=\"\(coord(f.left + f.plotW / 2))\" y=\"\(coord(f.height - 8))\" "
    + "text-anchor=\"middle\">\(xmlEscape(xLabel))</text>"
  o += "<text class=\"al\" transform=\"translate(12 \(coord(f.top + f.plotH / 2))) rotate(-90)\" "
    + "text-anchor=\"middle\">cases</text>"
  if bins.allSatisfy({ $0.count == 0 }) {
    o += "<text class=\"nd\" x=\"\(coord(f.left + f.plotW / 2))\" y=\"\(coord(f.top + f.plotH / 2))\" "
      + "text-anchor=\"middle\">no data to plot</text>"
  }
  o += "</svg>"
  return o
}

/// One cell of a heatmap: its counts decide colour and text.
struct HeatCell {
  var passed: Int
  var checked: Int
  var failed: Int
  var warned: Int
  var skipped: Int
}

/// Colour class of a cell from the share of checked cases that do not fail the run
/// (colour-blind safe: dark blue, light blue, sand, orange, vermillion, grey):
/// `h5` all passed without warnings, `h4` no failure but warnings or at least 90% without
/// failure, `h3` at least 50%, `h2` some, `h1` none, `h0` nothing checked (all skipped).
func heatClass(_ c: HeatCell) -> String {
  guard c.checked > 0 else { return "h0" }
  if c.failed == 0 { return c.warned == 0 ? "h5" : "h4" }
  let rate = Double(c.checked - c.failed) / Double(c.checked)
  if rate >= 0.9 { return "h4" }
  if rate >= 0.5 { return "h3" }
  if rate > 0 { return "h2" }
  return "h1"
}

/// A heatmap with row and column labels; each cell shows `passed/checked`, and below
/// it the ✗ failed and ! warned counts; cells with failures carry a hatch pattern, so
/// the picture does not rely on colour.
func svgHeatmap(title: String, rows: [String], columns: [String], cells: [[HeatCell?]]) -> String {
  var f = Frame()
  let cw = 70.0, ch = 34.0
  f.left = 150; f.top = 44; f.bottom = 12; f.right = 10
  f.width = f.left + f.right + cw * Double(max(1, columns.count))
  f.height = f.top + f.bottom + ch * Double(max(1, rows.count))
  var o = svgOpen(f, title: title)
  o += "<text class=\"ct\" x=\"8\" y=\"16\">\(xmlEscape(title))</text>"
  for (j, c) in columns.enumerated() {
    o += "<text class=\"tk\" x=\"\(coord(f.left + cw * (Double(j) + 0.5)))\" y=\"\(coord(f.top - 8))\" "
      + "text-anchor=\"middle\">\(xmlEscape(c))</text>"
  }
  for (i, rlabel) in rows.enumerated() {
    let y = f.top + ch * Double(i)
    o += "<text class=\"tk\" x=\"\(coord(f.left - 6))\" y=\"\(coord(y + ch / 2 + 4))\" "
      + "text-anchor=\"end\">\(xmlEscape(rlabel))</text>"
    for j in columns.indices {
      let x = f.left + cw * Double(j)
      guard i < cells.count, j < cells[i].count, let c = cells[i][j] else {
        o += "<rect class=\"hx\" x=\"\(coord(x + 1))\" y=\"\(coord(y + 1))\" width=\"\(coord(cw - 2))\" "
          + "height=\"\(coord(ch - 2))\"/>"
        continue
      }
      let cls = heatClass(c)
      o += "<rect class=\"\(cls)\" x=\"\(coord(x + 1))\" y=\"\(coord(y + 1))\" width=\"\(coord(cw - 2))\" "
        + "height=\"\(coord(ch - 2))\"/>"
      if c.failed > 0 {
        o += "<rect fill=\"url(#hatch)\" x=\"\(coord(x + 1))\" y=\"\(coord(y + 1))\" "
          + "width=\"\(coord(cw - 2))\" height=\"\(coord(ch - 2))\"/>"
      }
      let dark = cls == "h5" || cls == "h1"
      let tcls = dark ? "hl" : "hd"
      let main = c.checked > 0 ? "\(c.passed)/\(c.checked) ✓" : "\(c.skipped) skipped"
      var sub: [String] = []
      if c.failed > 0 { sub.append("✗\(c.failed)") }
      if c.warned > 0 { sub.append("!\(c.warned)") }
      if c.skipped > 0 && c.checked > 0 { sub.append("–\(c.skipped)") }
      o += "<text class=\"\(tcls)\" x=\"\(coord(x + cw / 2))\" y=\"\(coord(y + 14))\" "
        + "text-anchor=\"middle\">\(main)</text>"
      if !sub.isEmpty {
        o += "<text class=\"\(tcls) sm\" x=\"\(coord(x + cw / 2))\" y=\"\(coord(y + 27))\" "
          + "text-anchor=\"middle\">\(sub.joined(separator: " "))</text>"
      }
    }
  }
  o += "</svg>"
  return o
}
