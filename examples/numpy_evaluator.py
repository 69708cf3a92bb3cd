#!/usr/bin/env python3
"""An external evaluator for gradcheck (protocol gradcheck-exec/1) that needs only NumPy.

    gradcheck sweep --exec "python3 examples/numpy_evaluator.py --transform softplus"

It reads one JSON request per line on stdin and writes one JSON response per line on
stdout. For every point b of a request it computes, in the chosen dtype:

    s[b]      = min real eigenvalue of y[b] (complex ones masked as +inf; an eigenvalue is
                real when LAPACK returns it with imaginary part exactly 0, as torch.isreal)
    x_cond[b] = T(x[b], s[b]; beta)
    grad_x[b] = dT/dx
    grad_y[b] = dT/ds * ds/dY,  ds/dY = u v^T / (u^T v)

with v, u the right and left eigenvectors of that eigenvalue (np.linalg.eig of Y and of
Y^T, matched by eigenvalue): the gradients of sum(x_cond), as x_cond.sum().backward()
gives them. Everything is vectorised over the points of a request.

Transforms (t = x*s, u = 1 + t, a = beta*u, sp(z) = log(1 + exp(beta*z))/beta, sigma the
logistic function, c = sp(1)):
    where          x if u > 0, else -1/s - margin
    softplus       (sp(u) - 1)/s
    leaky          (lrelu_slope(u) - 1)/s
    safe-softplus  (1 - floor) * phi(t)/s, phi(t) = sp(u)/c - 1; at s = 0 its limit
                   (1 - floor) * x * sigma(beta)/c
each in a form that neither overflows nor cancels (log1p/expm1 where a direct formula
would lose its digits).
"""
import argparse
import json
import sys

import numpy as np

PROTOCOL = "gradcheck-exec/1"
TRANSFORMS = ("where", "softplus", "leaky", "safe-softplus")


# ---------------------------------------------------------------------------
# Scalar building blocks (elementwise on arrays of one dtype)

def softplus_beta(z, beta):
    """sp(z) = max(z, 0) + log1p(exp(-beta*|z|))/beta: never overflows."""
    return np.maximum(z, 0) + np.log1p(np.exp(-beta * np.abs(z))) / beta


def logistic(z):
    """sigma(z) = 1/(1 + exp(-z)), as exp(z)/(1 + exp(z)) for z < 0 (no overflow)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def log_series_tail(v):
    """h(v) = -log1p(-v) - v = sum_{k>=2} v^k/k for 0 <= v <= 1/2, without cancellation:
    the series (Horner, 40 terms: (1/2)^40 < eps) for v < 0.1, the direct form above."""
    series = np.zeros_like(v)
    for k in range(41, 1, -1):
        series = series * v + v.dtype.type(1.0 / k)
    series = series * v * v
    direct = -np.log1p(-v) - v
    return np.where(v < 0.1, series, direct)


# ---------------------------------------------------------------------------
# Transforms: (value, dT/dx, dT/ds) elementwise

def where_transform(x, s, beta, p):
    u = 1 + x * s
    active = ~(u > 0)
    inv = 1 / np.where(active, s, 1)
    value = np.where(active, -inv - p.margin, x)
    dx = np.where(active, 0, 1).astype(x.dtype)
    ds = np.where(active, inv * inv, 0).astype(x.dtype)
    return value, dx, ds


def leaky_transform(x, s, beta, p):
    alpha = x.dtype.type(p.slope)
    u = 1 + x * s
    active = ~(u > 0)
    safe_s = np.where(active, s, 1)
    value = np.where(active, (alpha * u - 1) / safe_s, x)
    dx = np.where(active, alpha, 1).astype(x.dtype)
    ds = np.where(active, ((1 - alpha) / safe_s) / safe_s, 0).astype(x.dtype)
    return value, dx, ds


def softplus_transform(x, s, beta, p):
    """u > 0: T = x + L/s, L = log1p(w)/beta, w = exp(-a); dT/ds = -(t v + L)/s^2 with
    v = sigma(-a), written beta (t v + L) = (1 + beta t) v + h(v) (h from log_series_tail).
    u <= 0: E = exp(a) <= 1, T = (log1p(E)/beta - 1)/s, dT/ds = K/s^2,
    K = sigma(-a) - (|a| sigma(a) + log1p(E))/beta. At s = 0: T = +-inf, dT/ds = -inf."""
    t = x * s
    u = 1 + t
    a = beta * u
    positive = u > 0
    zero = s == 0
    safe_s = np.where(zero, 1, s)
    # u > 0
    w = np.exp(-np.abs(a))  # exp(-a) where u > 0, exp(a) where u <= 0
    v = w / (1 + w)
    value_pos = x + (np.log1p(w) / beta) / safe_s
    ds_pos = -(((1 + beta * t) * v + log_series_tail(np.where(positive, v, 0))) / beta) / safe_s / safe_s
    # u <= 0
    log1p_e = np.log1p(w)
    value_neg = (log1p_e / beta - 1) / safe_s
    sigma_a = w / (1 + w)
    k = 1 / (1 + w) - (np.abs(a) * sigma_a + log1p_e) / beta
    ds_neg = (k / safe_s) / safe_s
    value = np.where(positive, value_pos, value_neg)
    ds = np.where(positive, ds_pos, ds_neg)
    dx = logistic(a)
    value = np.where(zero, np.copysign(np.inf, s).astype(x.dtype), value)
    ds = np.where(zero, -np.inf, ds).astype(x.dtype)
    return value, dx, ds


def safe_softplus_transform(x, s, beta, p):
    """T = (1 - floor)/c * x * G(tau), G = ell/tau, ell = beta*(sp(1 + t) - c), tau = beta t:
    ell = log1p(sigma(beta) expm1(tau)) while that argument stays >= -1/2, else
    max(-beta, tau) + log1p(exp(-|a|)) - log1p(exp(-beta)) (the same value, exact there);
    tau > 30: tau + log1p(exp(-a)) - log1p(exp(-beta)) (no overflow of expm1);
    |tau| tiny: G = sigma(beta) + H(0) tau (so s = 0 gives the limit).
    dT/dx = (1 - floor) sigma(a)/c; dT/ds = (1 - floor)/c * beta * x^2 * H(tau),
    H = (tau sigma(a) - ell)/tau^2 = integral_0^1 v rho(beta + v tau) dv, rho = sigma(z) sigma(-z):
    by 20-point Gauss-Legendre for |tau| <= 2, else D/tau^2 with
    D = log1p(exp(-beta)) - log1p(exp(-a)) - tau sigma(-a) (a > 0), or
    D = beta sigma(-a) + log1p(exp(-beta)) - |a| sigma(a) - log1p(exp(a)) (a <= 0)."""
    dt = x.dtype.type
    one = dt(1)
    delta = dt(p.floor)
    c = one + np.log1p(np.exp(-beta)) / beta  # sp(1)
    scale = (one - delta) / c
    t = x * s
    tau = beta * t
    a = beta + tau
    sigma_beta = logistic(beta)
    log1p_exp_minus_beta = np.log1p(np.exp(-beta))
    # ell(tau)
    with np.errstate(over="ignore", invalid="ignore"):
        q = sigma_beta * np.expm1(np.minimum(tau, dt(30)))
    ell_log1p = np.log1p(np.maximum(q, dt(-0.5)))
    ell_split = np.maximum(-beta, tau) + np.log1p(np.exp(-np.abs(a))) - log1p_exp_minus_beta
    ell_big = tau + np.log1p(np.exp(-np.abs(a))) - log1p_exp_minus_beta
    ell = np.where(tau > 30, ell_big, np.where(q >= -0.5, ell_log1p, ell_split))
    # H(tau)
    nodes, weights = gauss_legendre_01(x.dtype)
    z = beta + np.clip(tau, -2, 2)[..., None] * nodes  # (B, 20)
    e = np.exp(-np.abs(z))
    rho = e / ((1 + e) * (1 + e))
    h_small = (rho * nodes * weights).sum(-1)
    safe_tau = np.where(np.abs(tau) > 2, tau, 1)
    sigma_minus_a = logistic(-a)
    d_pos = log1p_exp_minus_beta - np.log1p(np.exp(-np.abs(a))) - tau * sigma_minus_a
    d_neg = (beta * sigma_minus_a + log1p_exp_minus_beta
             - (np.abs(a) * logistic(a) + np.log1p(np.exp(-np.abs(a)))))
    h_large = np.where(a > 0, d_pos, d_neg) / safe_tau / safe_tau
    h = np.where(np.abs(tau) <= 2, h_small, h_large)
    # G(tau) = ell/tau, with the series where tau is tiny
    tiny = dt(1e-8) if x.dtype == np.float64 else dt(1e-4)
    g_series = sigma_beta + h * tau
    g = np.where(np.abs(tau) < tiny, g_series, ell / np.where(np.abs(tau) < tiny, 1, tau))
    value = (scale * g) * x
    dx = scale * logistic(a)
    ds = scale * beta * x * x * h
    return value, dx, ds


_GL_CACHE = {}


def gauss_legendre_01(dtype):
    """20-point Gauss-Legendre nodes and weights on [0, 1] in `dtype`."""
    if dtype not in _GL_CACHE:
        n, w = np.polynomial.legendre.leggauss(20)
        _GL_CACHE[dtype] = (((n + 1) / 2).astype(dtype), (w / 2).astype(dtype))
    return _GL_CACHE[dtype]


TRANSFORM_FUNCTIONS = {
    "where": where_transform,
    "softplus": softplus_transform,
    "leaky": leaky_transform,
    "safe-softplus": safe_softplus_transform,
}


class Parameters:
    def __init__(self, margin=1e-5, slope=0.01, floor=1e-6):
        self.margin = margin
        self.slope = slope
        self.floor = floor


# ---------------------------------------------------------------------------
# The spectral quantity and its derivative

def min_real_eigenvalue(y, mask=np.inf):
    """s[b] = min of the real eigenvalues of y[b] (complex ones masked as `mask`), and the
    index of the minimiser in np.linalg.eigvals's order."""
    ev = np.linalg.eigvals(y)
    real = np.imag(ev) == 0
    candidates = np.where(real, np.real(ev), y.dtype.type(mask))
    index = np.argmin(candidates, axis=-1)
    s = np.take_along_axis(candidates, index[..., None], -1)[..., 0]
    return s.astype(y.dtype), index


def min_real_eigenvalue_with_gradient(y, mask=np.inf):
    """s and ds/dY = u v^T / (u^T v) (zero where no real eigenvalue won, i.e. where s is
    the mask), from np.linalg.eig of Y (right vectors v) and of Y^T (left vectors u), the
    left eigenvalue matched as the real one nearest to s."""
    ev, right = np.linalg.eig(y)
    real = np.imag(ev) == 0
    candidates = np.where(real, np.real(ev), y.dtype.type(mask))
    index = np.argmin(candidates, axis=-1)
    s = np.take_along_axis(candidates, index[..., None], -1)[..., 0].astype(y.dtype)
    ev_t, left = np.linalg.eig(np.swapaxes(y, -1, -2))
    distance = np.where(np.imag(ev_t) == 0, np.abs(np.real(ev_t) - s[..., None]), np.inf)
    left_index = np.argmin(distance, axis=-1)
    v = np.real(np.take_along_axis(right, index[..., None, None], -1)[..., 0])
    u = np.real(np.take_along_axis(left, left_index[..., None, None], -1)[..., 0])
    denominator = np.sum(u * v, axis=-1)
    gradient = (u[..., :, None] * v[..., None, :]) / denominator[..., None, None]
    won_by_real = np.take_along_axis(real, index[..., None], -1)[..., 0]
    gradient = np.where(won_by_real[..., None, None], gradient, 0).astype(y.dtype)
    return s, gradient


# ---------------------------------------------------------------------------
# The evaluator

class Evaluator:
    def __init__(self, transform="softplus", dtype="float64", parameters=None, mask=np.inf):
        self.transform = transform
        self.dtype = np.dtype(dtype)
        self.parameters = parameters or Parameters()
        self.mask = mask

    @property
    def name(self):
        return "numpy-" + self.transform

    def evaluate(self, beta, x, y, grad):
        """Arrays x_cond, lambda_min and, with grad, grad_x and grad_y for one request."""
        dt = self.dtype.type
        x = np.asarray(x, dtype=self.dtype)
        y = np.asarray(y, dtype=self.dtype)
        beta = dt(beta)
        if y.ndim != 3 or y.shape[0] != x.shape[0] or y.shape[1] != y.shape[2]:
            raise ValueError(f"y has shape {y.shape}, expected ({x.shape[0]}, N, N)")
        with np.errstate(all="ignore"):  # 1/0 and overflow give inf and nan, as in PyTorch
            if grad:
                s, ds_dy = min_real_eigenvalue_with_gradient(y, self.mask)
            else:
                s, _ = min_real_eigenvalue(y, self.mask)
            value, dx, ds = TRANSFORM_FUNCTIONS[self.transform](x, s, beta, self.parameters)
            result = {"x_cond": value.astype(self.dtype), "lambda_min": s}
            if grad:
                result["grad_x"] = dx.astype(self.dtype)
                result["grad_y"] = (ds[:, None, None] * ds_dy).astype(self.dtype)
        return result


def encode(obj):
    """One JSON line; non-finite numbers as the strings "nan", "inf", "-inf"."""
    text = json.dumps(obj, separators=(",", ":"))
    if "NaN" in text or "Infinity" in text:
        text = text.replace("-Infinity", '"-inf"').replace("Infinity", '"inf"').replace("NaN", '"nan"')
    return text


def respond(request, evaluator):
    """The response object for one request."""
    rid = request.get("id")
    try:
        result = evaluator.evaluate(request["beta"], request["x"], request["y"], bool(request["grad"]))
    except (np.linalg.LinAlgError, ValueError) as error:
        return {"id": rid, "error": f"{type(error).__name__}: {error}"}
    response = {"id": rid}
    for key, array in result.items():
        response[key] = array.tolist()
    return response


def hello(evaluator):
    return {"protocol": PROTOCOL, "name": evaluator.name, "dtype": evaluator.dtype.name}


def serve(evaluator, handle=respond, stdin=None, stdout=None):
    """Answers requests until stdin closes. `handle(request, evaluator)` makes a response."""
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    for line in stdin:
        request = json.loads(line)
        if request.get("op") == "hello":
            response = hello(evaluator)
        else:
            response = handle(request, evaluator)
        stdout.write(encode(response).encode() + b"\n")
        stdout.flush()


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transform", choices=TRANSFORMS, default="softplus")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    parser.add_argument("--margin", type=float, default=1e-5, help="where: delta (default 1e-5)")
    parser.add_argument("--slope", type=float, default=0.01, help="leaky: alpha (default 0.01)")
    parser.add_argument("--floor", type=float, default=1e-6, help="safe-softplus: delta (default 1e-6)")
    return parser.parse_args(argv)


def evaluator_from_arguments(args, mask=np.inf):
    return Evaluator(args.transform, args.dtype, Parameters(args.margin, args.slope, args.floor), mask)


if __name__ == "__main__":
    serve(evaluator_from_arguments(parse_arguments()))
