#!/usr/bin/env python3
"""An external evaluator for gradcheck (protocol gradcheck-exec/1) with the original
discussion's PyTorch code: the transform under test is exactly what a training script
computes, and its gradients come from autograd (x_cond.sum().backward()).

    gradcheck check fixtures --exec "python3 examples/pytorch_evaluator.py"
    gradcheck sweep --exec "python3 examples/pytorch_evaluator.py --transform softplus --dtype float64"

Needs PyTorch (not installed by gradcheck's tests). float32 by default, as in training.
"""
import argparse
import json
import sys

import torch
import torch.nn.functional as F

PROTOCOL = "gradcheck-exec/1"


def min_real_eigenvalue(y):
    """s = min of the real eigenvalues of each matrix; complex ones masked as +inf."""
    ev = torch.linalg.eigvals(y)
    return torch.where(torch.isreal(ev), ev.real, torch.full_like(ev.real, float("inf"))).min(-1).values


def sp(z, beta):
    """softplus without its linear threshold (threshold large)."""
    return F.softplus(z, beta=beta, threshold=1e9)


def transform(name, x, s, beta, margin, slope, floor):
    if name == "where":  # the question's code
        return torch.where(1 + x * s > 0, x, -1 / s - margin)
    if name == "softplus":  # the answer's trick
        return (sp(1 + x * s, beta) - 1) / s
    if name == "leaky":  # the answer's alternative
        return (F.leaky_relu(1 + x * s, negative_slope=slope) - 1) / s
    if name == "safe-softplus":  # (1 - floor) * phi(t)/s, phi(t) = sp(1 + t)/sp(1) - 1
        c = sp(torch.ones((), dtype=x.dtype), beta)
        return (1 - floor) * (sp(1 + x * s, beta) / c - 1) / s
    raise ValueError(name)


def encode(obj):
    text = json.dumps(obj, separators=(",", ":"))
    if "NaN" in text or "Infinity" in text:
        text = text.replace("-Infinity", '"-inf"').replace("Infinity", '"inf"').replace("NaN", '"nan"')
    return text


def evaluate(request, args, dtype):
    x = torch.tensor(request["x"], dtype=dtype, requires_grad=True)
    y = torch.tensor(request["y"], dtype=dtype, requires_grad=True)
    beta = float(request["beta"])
    with torch.set_grad_enabled(bool(request["grad"])):
        s = min_real_eigenvalue(y)
        x_cond = transform(args.transform, x, s, beta, args.margin, args.slope, args.floor)
    response = {"id": request["id"], "x_cond": x_cond.tolist(), "lambda_min": s.tolist()}
    if request["grad"]:
        x_cond.sum().backward()
        response["grad_x"] = x.grad.tolist()
        response["grad_y"] = y.grad.tolist()
    return response


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transform", choices=("where", "softplus", "leaky", "safe-softplus"), default="softplus")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--margin", type=float, default=1e-5)
    parser.add_argument("--slope", type=float, default=0.01)
    parser.add_argument("--floor", type=float, default=1e-6)
    args = parser.parse_args()
    dtype = torch.float32 if args.dtype == "float32" else torch.float64
    for line in sys.stdin.buffer:
        request = json.loads(line)
        if request.get("op") == "hello":
            response = {"protocol": PROTOCOL, "name": "torch-" + args.transform, "dtype": args.dtype}
        else:
            try:
                response = evaluate(request, args, dtype)
            except RuntimeError as error:  # e.g. the eigen solver did not converge
                response = {"id": request.get("id"), "error": str(error)}
        sys.stdout.write(encode(response) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
