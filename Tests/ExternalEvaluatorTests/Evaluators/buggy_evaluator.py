#!/usr/bin/env python3
"""The NumPy example evaluator with one injected bug, for end-to-end tests that the
checks catch it:

    python3 buggy_evaluator.py --bug BUG [numpy_evaluator options]

BUG is one of
    grad-y-transposed   grad_y[b] is the transpose of the right one
    grad-x-sign         grad_x has the wrong sign
    stale-gradient      the gradients of point b are those of point b of the previous
                        gradient request (fresh where that request had no point b)
    grad-y-scaled       grad_y is 0.1% too large
    mask-one            complex eigenvalues are masked with 1.0 instead of inf (the
                        original question's bug), in the values and the gradients
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples"))

import numpy as np  # noqa: E402

import numpy_evaluator as ev  # noqa: E402

BUGS = ("grad-y-transposed", "grad-x-sign", "stale-gradient", "grad-y-scaled", "mask-one")


def main():
    argv = sys.argv[1:]
    bug = argv[argv.index("--bug") + 1]
    del argv[argv.index("--bug"):argv.index("--bug") + 2]
    if bug not in BUGS:
        sys.exit("unknown bug %r (one of %s)" % (bug, ", ".join(BUGS)))
    args = ev.parse_arguments(argv)
    evaluator = ev.evaluator_from_arguments(args, mask=1.0 if bug == "mask-one" else np.inf)
    previous = {}

    def handle(request, evaluator):
        response = ev.respond(request, evaluator)
        if "grad_y" not in response:
            return response
        grad_x = np.array(response["grad_x"], dtype=float)
        grad_y = np.array(response["grad_y"], dtype=float)
        if bug == "grad-y-transposed":
            grad_y = np.swapaxes(grad_y, -1, -2)
        elif bug == "grad-x-sign":
            grad_x = -grad_x
        elif bug == "grad-y-scaled":
            grad_y = grad_y * 1.001
        elif bug == "stale-gradient":
            fresh_x, fresh_y = grad_x.copy(), grad_y.copy()
            if previous and previous["y"].shape[1:] == grad_y.shape[1:]:
                k = min(len(grad_x), len(previous["x"]))
                grad_x[:k] = previous["x"][:k]
                grad_y[:k] = previous["y"][:k]
            previous["x"], previous["y"] = fresh_x, fresh_y
        response["grad_x"] = grad_x.tolist()
        response["grad_y"] = grad_y.tolist()
        return response

    ev.serve(evaluator, handle)


if __name__ == "__main__":
    main()
