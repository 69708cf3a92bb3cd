#!/usr/bin/env python3
"""How many digits of s (the minimum real eigenvalue) and ds/dY double precision gets.

For each fixture written by `gradcheck generate` (one matrix each), the exact s and
ds/dY = u v^T / (u^T v) come from mpmath at 80 digits (the matrix's entries are exact
doubles), and are compared with the double-precision values: s from a results file of
`gradcheck sweep` (the case `FAMILY/nN[0]`), ds/dY from LAPACK through NumPy (the same
algorithm family as the tool's solver). Needs `pip install mpmath numpy`.

    gradcheck sweep --json results.json --exit-zero
    for f in lapack-13 lapack-14; do for n in 4 5 8; do
      gradcheck generate --family $f --n $n --output g-$f-$n.json; done; done
    python3 scripts/s-accuracy.py results.json g-*.json
"""
import json
import sys

import mpmath
import numpy as np

mpmath.mp.dps = 80


def main(results_path, fixtures):
    tool = {}
    for c in json.load(open(results_path))["cases"]:
        if c.get("lambda_min") is not None:
            tool[c["id"].split(" ")[0]] = c["lambda_min"]
    for path in fixtures:
        fixture = json.load(open(path))
        name = fixture["description"].split(": ")[-1]  # "lapack-13 n=4 #0"
        family, n, index = name.split(" ")
        key = f"{family}/n{n[2:]}[{index[1:]}]"
        y = np.array(fixture["y"][0])
        m = mpmath.matrix(y.tolist())
        values, right = mpmath.eig(m)
        tiny = mpmath.mpf(10) ** -40
        reals = [(mpmath.re(e), i) for i, e in enumerate(values) if abs(mpmath.im(e)) <= tiny * max(1, abs(e))]
        if not reals or key not in tool:
            print(f"{key}: no real eigenvalue")
            continue
        s, i = min(reals)
        values_t, left = mpmath.eig(m.T)
        j = min(range(len(values_t)), key=lambda k: abs(values_t[k] - s))
        u, v = left[:, j], right[:, i]
        exact = (u * v.T) / (u.T * v)[0]
        exact = np.array([[float(mpmath.re(exact[r, c])) for c in range(y.shape[0])] for r in range(y.shape[0])])
        w, vr = np.linalg.eig(y)
        wl, ul = np.linalg.eig(y.T)
        a = np.argmin(np.where(w.imag == 0, w.real, np.inf))
        b = np.argmin(abs(wl - w[a]))
        lapack = np.real(np.outer(ul[:, b], vr[:, a]) / (ul[:, b] @ vr[:, a]))
        s_err = abs((tool[key] - float(s)) / float(s))
        g_err = abs(lapack - exact).max() / abs(exact).max()
        print(f"{key}: |Y| {abs(y).max():.2g}, s {float(s):.6g}: relative error of s {s_err:.1e}, of ds/dY {g_err:.1e}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
