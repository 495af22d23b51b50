"""The Python half of bench/reference.ts: a worker that answers one JSON request per line.

A benchmark script defines `measure(case, warmup, count)` returning what `sample` returns
and calls `serve(measure)`. The timing loop is `sample` below, the twin of bench/timing.ts.
A script whose case must run in a process of its own (so that its peak memory is its own) calls
`run_once(measure)` instead: one case from the command line, one JSON line out, then exit.
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


def memory_kib(field):
    """VmRSS (now) or VmHWM (peak) of this process in KiB, from /proc/self/status; None without it."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def info():
    return {"torch": torch.__version__, "python": platform.python_version(), "executable": sys.executable}


def serve(measure, ops=None):
    """Answers requests until stdin closes; `ops` maps further op names to functions of msg["args"]."""
    ops = ops or {}
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
            elif msg["op"] in ops:
                reply = {"ok": ops[msg["op"]](msg.get("args"))}
            else:
                reply = {"error": f"unknown op {msg['op']!r}; expected {', '.join(['info', 'measure', *ops])}"}
        except Exception:  # the orchestrator shows the traceback and stops
            reply = {"error": traceback.format_exc()}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def run_once(measure):
    """`python3 SCRIPT '{"case": ..., "warmup": W, "count": N}'`: measures once, writes one JSON line
    (the reply `serve` would give, with `info` added) and exits; the twin of bench/once.ts."""
    try:
        msg = json.loads(sys.argv[1])
        reply = {"ok": {**measure(msg["case"], msg["warmup"], msg["count"]), "info": info()}}
    except Exception:
        reply = {"error": traceback.format_exc()}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
    sys.exit(0 if "ok" in reply else 1)
