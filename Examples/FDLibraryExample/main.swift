// The README's "Use as a library" snippets, verbatim (a test checks that each one is
// contained in this file and runs the built example). Exits 1 if a check does not come
// out as the README says.

import Foundation
import FiniteDifferences

let f = { (x: [Double]) in sin(x[0]) * x[1] * x[1] }
let g = { (x: [Double]) in [cos(x[0]) * x[1] * x[1], 2 * sin(x[0]) * x[1]] }
let report = checkGradient(of: f, gradient: g, at: [0.5, 2])
print(report)

let polar = { (x: [Double]) in [x[0] * cos(x[1]), x[0] * sin(x[1])] }
let polarJacobian = { (x: [Double]) in
  [[cos(x[1]), -x[0] * sin(x[1])], [sin(x[1]), x[0] * cos(x[1])]]
}
print(checkJacobian(of: polar, jacobian: polarJacobian, at: [2, 0.3]).status)  // pass

import _Differentiation

@differentiable(reverse)
func loss(_ x: [Double]) -> Double { sin(x[0]) * x[1] * x[1] }

print(checkGradient(of: loss, at: [0.5, 2]).status)  // pass

// Not in the README: a wrong gradient (one factor 2 missing) fails, naming the entry.
let wrong = checkGradient(of: f, gradient: { x in [cos(x[0]) * x[1] * x[1], sin(x[0]) * x[1]] }, at: [0.5, 2])
print(wrong.status, wrong.comparison.worstIndex!)  // fail 1

let expected: [FDStatus] = [.pass, .pass, .pass, .fail]
let actual = [
  report.status, checkJacobian(of: polar, jacobian: polarJacobian, at: [2, 0.3]).status,
  checkGradient(of: loss, at: [0.5, 2]).status, wrong.status,
]
exit(actual == expected ? 0 : 1)
