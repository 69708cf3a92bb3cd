#!/usr/bin/env python3
"""High-precision references for the transforms (see docs/checks.md).

Generates Tests/SpectralTests/TransformReferenceData.swift:

    python3 Tests/SpectralTests/reference_transforms.py > Tests/SpectralTests/TransformReferenceData.swift

Every input (x, s, beta, the parameters) is a float64; mpmath evaluates the
*defining* formulas of the transforms on those exact binary values with 3400 + 3*beta
bits of precision (enough to keep 1 + x*s exact for |s| = 1e-300 and to
resolve the O(t^2) cancellation in dT/ds), then rounds each result once to the
nearest float64 (overflow -> +-inf, underflow -> 0 or a subnormal).
Derivatives are the analytic derivatives of the defining formulas, checked
against mpmath's own numerical differentiation on a sample of smooth points,
and every value is recomputed with 700 more bits and compared.

Conventions (the same as Sources/Spectral/Transforms.swift):
- the branch of `where` and `leaky` is decided by the exact sign of 1 + x*s;
  at 1 + x*s = 0 the active (else) branch is taken;
- softplus at s = +-0 is +-inf with dT/dx = sigma(beta) and dT/ds = -inf;
- safe-softplus at s = 0 is its limit, dT/ds its limit
  (1 - delta) * x^2 * beta * sigma(beta) * (1 - sigma(beta)) / (2 sp_beta(1)).
"""
import math
import random
import sys

import mpmath as mp

EXTRA_CHECK_PREC = 700


def prec_for(beta):
    """Bits: 1 + x*s exact for |s| = 1e-300 and the O(t^2) numerator of dT/ds
    (which carries a factor e^-beta for safe-softplus) resolved."""
    return 3400 + int(3 * beta)

BETAS = [0.1, 1.0, 5.0, 20.0, 100.0, 1000.0]
S_GRID = [0.0, -0.0, 1e-300, -1e-300, 1e-12, -1e-12, 1e-6, -1e-6, 0.1, -0.1, 1.0, -1.0, 10.0, -10.0]
X_GRID = [-50.0, -2.0, -1.0, -1e-8, 0.0, 1e-8, 0.5, 1.0, 2.0, 50.0]
# (x, s) with 1 + x*s = 0 exactly, = +-1e-8 (approximately, the exact value
# is whatever the float64 inputs give), = -50, and |t| = 1e6.
BOUNDARY = [
    (1.0, -1.0), (2.0, -0.5), (-4.0, 0.25),
    (1.0 + 1e-8, -1.0), (1.0 - 1e-8, -1.0),
    (-(1.0 + 1e-8) / 0.3, 0.3), (-(1.0 - 1e-8) / 0.3, 0.3),
    (-(1.0 + 1e-8) * 1e6, 1e-6), (-(1.0 - 1e-8) * 1e6, 1e-6),
    (51.0, -1.0), (-5.1, 10.0), (5100.0, -0.01),
    (1e6, -1.0), (1e6, 1.0), (-2e5, 5.0),
]
RANDOM_POINTS = 250  # per transform, seeded: see random_points()
MARGIN = 1e-5  # where: delta
SLOPE = 0.01   # leaky: alpha
FLOOR = 1e-6   # safe-softplus: delta
KINDS = ["where", "softplus", "leaky", "safe-softplus"]

FORUM_Y = [
    [[-0.2671, -0.0748, -0.1718], [-0.1510, 0.2960, -1.6154], [-0.0786, -1.6944, 0.9237]],
    [[-0.7459, -1.0099, -0.2937], [-0.4803, -0.8911, -0.3678], [0.3982, -0.7645, 0.7407]],
]


def sp(z, b):
    return mp.log1p(mp.exp(b * z)) / b


def sig(z):
    return 1 / (1 + mp.exp(-z))


def random_points():
    """Seeded (beta, x, s) aimed at the switch-overs of the implementation: t near
    -1 (the kink), near -1/beta (zero of softplus's dT/ds), beta*t near +-2, 30 and
    where sigma(beta) expm1(beta t) = -1/2, plus wide log-uniform t and s."""
    rng = random.Random(20261127)
    pts = []
    for i in range(RANDOM_POINTS):
        beta = 10 ** rng.uniform(-1.3, 3)
        s = rng.choice([-1, 1]) * 10 ** rng.uniform(-15, 1.5)
        if i % 25 == 0:
            s = rng.choice([-1, 1]) * 10 ** rng.uniform(-300, -15)
        mode = i % 7
        if mode == 0:
            t = rng.uniform(-3, 3)
        elif mode == 1:
            t = -1 + rng.choice([-1, 1]) * 10 ** rng.uniform(-12, 0)
        elif mode == 2:
            t = -1 / beta * (1 + rng.uniform(-0.2, 0.2))
        elif mode == 3:
            t = rng.choice([-2.0, 2.0, 30.0]) * (1 + rng.uniform(-0.05, 0.05)) / beta
        elif mode == 4:
            sb = 1 / (1 + math.exp(-beta))
            if sb <= 0.5:
                t = rng.uniform(-3, 3)
            else:
                t = math.log(1 - 0.5 / sb) * (1 + rng.uniform(-0.1, 0.1)) / beta
        elif mode == 5:
            t = rng.choice([-1, 1]) * 10 ** rng.uniform(-12, 6)
        else:
            t = rng.choice([-1, 1]) * 10 ** rng.uniform(-3, 2) / beta
        x = t / s
        if math.isfinite(x) and abs(x) < 1e300:
            pts.append((beta, x, s))
    return pts


def reference(kind, x_f, s_f, b_f):
    """(T, dT/dx, dT/ds) as mpf, or Python floats for signed infinities."""
    x, s, b = mp.mpf(x_f), mp.mpf(s_f), mp.mpf(b_f)
    t = x * s
    u = 1 + t
    if kind == "where":
        if u > 0:
            return x, mp.mpf(1), mp.mpf(0)
        return -1 / s - mp.mpf(MARGIN), mp.mpf(0), 1 / s**2
    if kind == "leaky":
        a = mp.mpf(SLOPE)
        if u > 0:
            return x, mp.mpf(1), mp.mpf(0)
        return (a * u - 1) / s, a, (1 - a) / s**2
    if kind == "softplus":
        if s == 0:
            return math.copysign(math.inf, s_f), sig(b), -math.inf
        num = sp(u, b) - 1
        sg = sig(b * u)
        return num / s, sg, (x * sg * s - num) / s**2
    if kind == "safe-softplus":
        d = 1 - mp.mpf(FLOOR)  # 1 - delta, exact in mpmath
        c = sp(mp.mpf(1), b)
        if s == 0:
            sb = sig(b)
            return d * x * sb / c, d * sb / c, d * x**2 * b * sb * (1 - sb) / (2 * c)
        phi = sp(u, b) / c - 1
        dphi = sig(b * u) / c
        return d * phi / s, d * dphi, d * (x * dphi * s - phi) / s**2
    raise ValueError(kind)


def reference_margin(kind, x_f, s_f, b_f):
    """The exact margin 1 + T*s of the exact T (NaN for softplus at s = 0)."""
    x, s, b = mp.mpf(x_f), mp.mpf(s_f), mp.mpf(b_f)
    u = 1 + x * s
    if kind == "softplus":
        return math.nan if s == 0 else sp(u, b)
    if kind == "safe-softplus":
        d = mp.mpf(FLOOR)
        return d + (1 - d) * sp(u, b) / sp(mp.mpf(1), b)
    raise ValueError(kind)


def to_float(v):
    if isinstance(v, float):
        return v
    return float(v)  # mpmath rounds to nearest, overflow -> inf


def fmt(v):
    f = to_float(v)
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return repr(f)


def self_check(rows):
    """Higher precision agrees; analytic derivatives agree with mp.diff."""
    for i, (kind, b, x, s, vals) in enumerate(rows):
        mp.mp.prec = prec_for(b) + EXTRA_CHECK_PREC
        again = reference(kind, x, s, b)
        for u, v in zip(vals, again):
            assert to_float(u) == to_float(v), (kind, b, x, s, u, v)
            if not isinstance(v, float) and abs(v) > mp.mpf(10) ** -300:
                assert abs(u - v) <= mp.mpf(10) ** -50 * abs(v), (kind, b, x, s)
        # numerical differentiation on smooth, moderately scaled points
        if kind in ("softplus", "safe-softplus") and s != 0 and abs(x * s) < 100 and abs(1 + x * s) > 1e-3 \
                and abs(s) >= 1e-6 and i % 7 == 0:
            mp.mp.prec = 600
            fx = lambda xx: reference(kind, xx, s, b)[0]
            fs = lambda ss: reference(kind, x, ss, b)[0]
            gx = mp.diff(fx, mp.mpf(x))
            gs = mp.diff(fs, mp.mpf(s))
            # mp.diff's error is relative to the size of T, not of its derivative
            scale = abs(vals[0]) + 1
            for num, ana in ((gx, vals[1]), (gs, vals[2])):
                assert abs(num - ana) <= mp.mpf(10) ** -40 * abs(ana) + mp.mpf(10) ** -150 * scale, \
                    (kind, b, x, s, num, ana)


def main():
    points = [(x, s) for s in S_GRID for x in X_GRID] + BOUNDARY
    rows = []
    for kind in KINDS:
        for b in BETAS:
            mp.mp.prec = prec_for(b)
            for x, s in points:
                rows.append((kind, b, x, s, reference(kind, x, s, b)))
    rand = random_points()
    for kind in KINDS:
        for b, x, s in rand:
            mp.mp.prec = prec_for(b)
            rows.append((kind, b, x, s, reference(kind, x, s, b)))
    self_check(rows)

    mp.mp.prec = 3400
    lambdas = []
    for y in FORUM_Y:
        ev = mp.eig(mp.matrix(y), left=False, right=False)
        real = [mp.re(e) for e in ev if abs(mp.im(e)) < mp.mpf(10) ** -200]
        lambdas.append(min(real))

    out = sys.stdout
    out.write("// Generated by Tests/SpectralTests/reference_transforms.py (mpmath, 3400 + 3*beta bits,\n")
    out.write("// cross-checked with 700 more bits and against mp.diff). Do not edit by hand.\n")
    out.write("// Each line: kind beta x s value dT/dx dT/ds, every number a float64 written\n")
    out.write("// with round-trip precision (inf = the true value overflows or diverges).\n\n")
    out.write("/// Minimum real eigenvalues of the two matrices of the forum example,\n")
    out.write("/// from mpmath's eigenvalue solver, rounded to float64.\n")
    out.write("let forumLambdaMin: [Double] = [%s]\n\n" % ", ".join(fmt(v) for v in lambdas))
    out.write("/// Reference grid: %d rows.\n" % len(rows))
    out.write('let transformReferenceTable = """\n')
    for kind, b, x, s, vals in rows:
        out.write(" ".join([kind, fmt(b), fmt(x), fmt(s)] + [fmt(v) for v in vals]) + "\n")
    out.write('"""\n\n')
    out.write("/// Exact margins 1 + T*s (kind beta x s margin) on the grid, for the smooth transforms.\n")
    out.write('let transformMarginReferenceTable = """\n')
    for kind in ("softplus", "safe-softplus"):
        for b in BETAS:
            mp.mp.prec = prec_for(b)
            for x, s in points:
                m = reference_margin(kind, x, s, b)
                out.write(" ".join([kind, fmt(b), fmt(x), fmt(s), fmt(m)]) + "\n")
    out.write('"""\n')


if __name__ == "__main__":
    main()
