#!/usr/bin/env python3
"""High-precision references for the transforms evaluated in float32.

Generates Tests/SpectralTests/TransformReferenceData32.swift:

    python3 Tests/SpectralTests/reference_transforms_float32.py > Tests/SpectralTests/TransformReferenceData32.swift

Every input (x, s, beta) is a float32, and so are the parameters (a float32
evaluation rounds --margin, --slope and --floor to float32: margin = f32(1e-5),
slope = f32(0.01), floor = 2^-13, the float32 default). mpmath evaluates the
defining formulas (the same as reference_transforms.py) on those exact binary
values with 1600 + 3*beta bits (1 + x*s is exact: float32 products need 48 bits
and |x*s| >= 2^-298), then rounds each result once to the nearest float32
(overflow -> +-inf, below 2^-126 -> a float32 subnormal or 0). Every value is
recomputed with 400 more bits and must round the same.

Also writes the safe-softplus margins 1 + T*s of the exact T, rounded to float32.
"""
import math
import random
import struct
import sys

import mpmath as mp

sys.dont_write_bytecode = True  # no __pycache__ inside the test target
import reference_transforms as ref  # noqa: E402  (the defining formulas)

EXTRA_CHECK_PREC = 400


def f32(v):
    """Round a Python float to the nearest float32 (as a Python float)."""
    return struct.unpack("f", struct.pack("f", v))[0]


MARGIN = f32(1e-5)
SLOPE = f32(0.01)
FLOOR = 2.0 ** -13
ref.MARGIN, ref.SLOPE, ref.FLOOR = MARGIN, SLOPE, FLOOR

FLT_MAX = (2 - 2.0 ** -23) * 2.0 ** 127


def prec_for(beta):
    return 1600 + int(3 * beta)


def round_f32(v):
    """Round an mpf (or a Python float infinity) once to the nearest float32, ties to even."""
    if isinstance(v, float):
        return v
    if v == 0:
        return 0.0
    sign = -1 if v < 0 else 1
    a = abs(v)
    m, e = mp.frexp(a)  # a = m 2^e, 1/2 <= m < 1
    if e - 1 < -126:  # subnormal range: multiples of 2^-149
        q = mp.nint(a * mp.mpf(2) ** 149)
        return sign * float(q) * 2.0 ** -149
    q = mp.nint(m * mp.mpf(2) ** 24)
    r = float(q) * 2.0 ** (e - 24)
    if r > FLT_MAX:
        return sign * math.inf
    return sign * r


BETAS = [0.5, 1.0, 5.0, 20.0, 50.0, 100.0]
S_GRID = [0.0, -0.0, 1e-30, -1e-30, 1e-6, -1e-6, 1e-3, -1e-3, 0.1, -0.1, 1.0, -1.0, 10.0, -10.0]
X_GRID = [-50.0, -2.0, -1.0, -1e-4, 0.0, 1e-4, 0.5, 1.0, 2.0, 50.0]
# 1 + x*s = 0 exactly, near +-1e-4, -50, and |t| = 1e6.
BOUNDARY = [
    (1.0, -1.0), (2.0, -0.5), (-4.0, 0.25),
    (1.0 + 1e-4, -1.0), (1.0 - 1e-4, -1.0),
    (-(1.0 + 1e-4) / 0.3, 0.3), (-(1.0 - 1e-4) / 0.3, 0.3),
    (51.0, -1.0), (-5.1, 10.0), (5100.0, -0.01),
    (1e6, -1.0), (1e6, 1.0), (-2e5, 5.0),
]
RANDOM_POINTS = 400
KINDS = ["where", "softplus", "leaky", "safe-softplus"]


def random_points():
    """Seeded float32 (beta, x, s) aimed at the switch-overs of the implementation, as in
    reference_transforms.py, with |s| >= 1e-30 and |t| <= 1e6."""
    rng = random.Random(20261204)
    pts = []
    for i in range(RANDOM_POINTS):
        beta = 10 ** rng.uniform(-1.3, 2.3)
        s = rng.choice([-1, 1]) * 10 ** rng.uniform(-8, 1.5)
        if i % 25 == 0:
            s = rng.choice([-1, 1]) * 10 ** rng.uniform(-30, -8)
        mode = i % 7
        if mode == 0:
            t = rng.uniform(-3, 3)
        elif mode == 1:
            t = -1 + rng.choice([-1, 1]) * 10 ** rng.uniform(-6, 0)
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
            t = rng.choice([-1, 1]) * 10 ** rng.uniform(-6, 6)
        else:
            t = rng.choice([-1, 1]) * 10 ** rng.uniform(-3, 2) / beta
        x = f32(t / s)
        if math.isfinite(x) and abs(x) < 1e30:
            pts.append((f32(beta), x, f32(s)))
    return pts


def fmt(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return repr(v)


def rows():
    points = [(f32(x), f32(s)) for s in S_GRID for x in X_GRID] + [(f32(x), f32(s)) for x, s in BOUNDARY]
    triples = [(b, x, s) for b in BETAS for x, s in points]
    triples += random_points()
    out = []
    for kind in KINDS:
        for b, x, s in triples:
            mp.mp.prec = prec_for(b)
            vals = [round_f32(v) for v in ref.reference(kind, x, s, b)]
            mp.mp.prec = prec_for(b) + EXTRA_CHECK_PREC
            again = [round_f32(v) for v in ref.reference(kind, x, s, b)]
            assert vals == again, (kind, b, x, s, vals, again)
            out.append((kind, b, x, s, vals))
    margins = []
    for b, x, s in triples:
        mp.mp.prec = prec_for(b)
        m = round_f32(ref.reference_margin("safe-softplus", x, s, b))
        margins.append((b, x, s, m))
    return out, margins


def main():
    table, margins = rows()
    out = sys.stdout
    out.write("// Generated by Tests/SpectralTests/reference_transforms_float32.py (mpmath, 1600 + 3*beta\n")
    out.write("// bits, cross-checked with 400 more). Do not edit by hand.\n")
    out.write("// Each line: kind beta x s value dT/dx dT/ds; the inputs are float32 numbers and each\n")
    out.write("// result is the exact value rounded once to float32 (inf: it overflows float32), with\n")
    out.write("// the parameters margin = f32(1e-5), slope = f32(0.01), floor = 2^-13.\n\n")
    out.write("/// Float32 reference grid: %d rows.\n" % len(table))
    out.write('let transformReferenceTable32 = """\n')
    for kind, b, x, s, vals in table:
        out.write(" ".join([kind, fmt(b), fmt(x), fmt(s)] + [fmt(v) for v in vals]) + "\n")
    out.write('"""\n\n')
    out.write("/// Exact safe-softplus margins 1 + T*s rounded to float32 (beta x s margin), floor 2^-13.\n")
    out.write('let safeSoftplusMarginReferenceTable32 = """\n')
    for b, x, s, m in margins:
        out.write(" ".join([fmt(b), fmt(x), fmt(s), fmt(m)]) + "\n")
    out.write('"""\n')


if __name__ == "__main__":
    main()
