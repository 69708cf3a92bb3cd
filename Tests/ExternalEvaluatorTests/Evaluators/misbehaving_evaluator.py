#!/usr/bin/env python3
"""A gradcheck-exec/1 evaluator (standard library only) that misbehaves on purpose.

    python3 misbehaving_evaluator.py FAULT [--on K]

Until request K (default 1: the first evaluation) it answers correctly with a toy
transform (x_cond = 2x, grad_x = 2, grad_y = 0, lambda_min = y[b][0][0]); then it commits
FAULT. Handshake faults (`no-name`, `bad-name`, `bad-dtype`, `bad-spectral`,
`no-protocol`, `bad-protocol`, `hello-not-json`) happen in the handshake; `slow-hello`
answers it only after 60 s. `good` never misbehaves.
"""
import json
import os
import signal
import sys
import time

FAULT = sys.argv[1]
ON = int(sys.argv[sys.argv.index("--on") + 1]) if "--on" in sys.argv else 1


def send(text):
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def correct(request):
    x = request["x"]
    response = {"id": request["id"], "x_cond": [2 * v for v in x], "lambda_min": [m[0][0] for m in request["y"]]}
    if request["grad"]:
        n = len(request["y"][0])
        response["grad_x"] = [2.0 for _ in x]
        response["grad_y"] = [[[0.0] * n for _ in range(n)] for _ in x]
    return response


def hello():
    if FAULT == "slow-hello":
        time.sleep(60)  # a program still starting up (an import that takes long)
    reply = {"protocol": "gradcheck-exec/1", "name": "misbehaving-" + FAULT, "dtype": "float64"}
    if FAULT == "no-name":
        del reply["name"]
    elif FAULT == "bad-name":
        reply["name"] = "has space"
    elif FAULT == "bad-dtype":
        reply["dtype"] = "float16"
    elif FAULT == "bad-spectral":
        reply["spectral"] = "max-eigenvalue"
    elif FAULT == "no-protocol":
        del reply["protocol"]
    elif FAULT == "bad-protocol":
        reply["protocol"] = "gradcheck-exec/2"
    elif FAULT == "hello-not-json":
        return send("hello there")
    elif FAULT == "spectral-singular":
        reply["spectral"] = "min-singular-value"
    send(json.dumps(reply))


def misbehave(request):
    rid = request["id"]
    good = correct(request)
    if FAULT == "not-json":
        send("Traceback (most recent call last): this is not JSON")
    elif FAULT == "wrong-id":
        good["id"] = rid + 1
        send(json.dumps(good))
    elif FAULT == "missing-id":
        del good["id"]
        send(json.dumps(good))
    elif FAULT == "missing-field":
        del good["x_cond"]
        send(json.dumps(good))
    elif FAULT == "missing-grad":
        good.pop("grad_y", None)
        send(json.dumps(good))
    elif FAULT == "extra-grad":
        good["grad_x"] = [0.0 for _ in request["x"]]
        send(json.dumps(good))
    elif FAULT == "wrong-shape":
        good["x_cond"].append(1.0)
        send(json.dumps(good))
    elif FAULT == "wrong-matrix-shape":
        good["grad_y"][0][0].append(0.0)
        send(json.dumps(good))
    elif FAULT == "bad-number":
        good["x_cond"][0] = True
        send(json.dumps(good))
    elif FAULT == "python-nan":
        good["x_cond"][0] = float("nan")
        send(json.dumps(good))  # writes the bare token NaN, which is not JSON
    elif FAULT == "nan":
        good["x_cond"][0] = "nan"
        good["x_cond"][-1] = "-inf"
        if "grad_x" in good:
            good["grad_x"][0] = "inf"
        send(json.dumps(good))
    elif FAULT == "error":
        if rid % 2 == 0:
            send(json.dumps({"id": rid, "error": "cannot evaluate request %d" % rid}))
        else:
            send(json.dumps(good))
    elif FAULT == "crash":
        sys.stderr.write("about to crash\n")
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGSEGV)
    elif FAULT == "abort":
        os.abort()
    elif FAULT == "exit":
        sys.stderr.write("giving up on request %d\n" % rid)
        sys.exit(3)
    elif FAULT == "noisy-exit":
        for k in range(1, 31):
            sys.stderr.write("noise line %d\n" % k)
        sys.exit(4)
    elif FAULT == "hang":
        time.sleep(3600)
    elif FAULT == "hang-ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(3600)
    elif FAULT == "close-stdout":
        os.close(1)
        time.sleep(3600)
    elif FAULT == "two-lines":
        send(json.dumps(good))
        send(json.dumps(good))
    else:
        send(json.dumps(good))


def main():
    if FAULT == "chatty":
        # Fills the stderr pipe (256 KiB) before reading a (large) request: a client that
        # wrote the request without reading stderr meanwhile would wait forever.
        sys.stdin.readline()
        hello()
        for k in range(4096):
            sys.stderr.write("chatter %d %s\n" % (k, "." * 56))
        sys.stderr.flush()
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("op") == "hello":
            hello()
        elif request["id"] >= ON:
            misbehave(request)
        else:
            send(json.dumps(correct(request)))
    if FAULT == "linger":
        # Ignores the end of stdin and SIGTERM: only SIGKILL ends it.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(3600)


if __name__ == "__main__":
    main()
