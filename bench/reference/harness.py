"""The Python half of bench/reference.ts: a worker that answers one JSON request per line.

A benchmark script defines `measure(case, warmup, count)` returning what `sample` returns
and calls `serve(measure)`. The timing loop is `sample` below, the twin of bench/timing.ts.
"""
import json
import platform
import resource
import sys
import time
import traceback

import torch


def sample(fn, warmup, count, reset=None):
    """`warmup` untimed calls, then `count` timed ones; `reset` runs before each call, untimed.

    Returns seconds per call and the process's minor page faults over the timed calls.
    """
    for _ in range(warmup):
        if reset is not None:
            reset()
        fn()
    out = []
    faults0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(count):
        if reset is not None:
            reset()
        t0 = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - t0) / 1e9)
    return {"seconds": out, "minorFaults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults0}


def info():
    return {"torch": torch.__version__, "python": platform.python_version(), "executable": sys.executable}


def serve(measure):
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        try:
            msg = json.loads(line)
            if msg["op"] == "info":
                reply = {"ok": info()}
            elif msg["op"] == "measure":
                reply = {"ok": measure(msg["case"], msg["warmup"], msg["count"])}
            else:
                reply = {"error": f"unknown op {msg['op']!r}; expected info or measure"}
        except Exception:  # the orchestrator shows the traceback and stops
            reply = {"error": traceback.format_exc()}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
