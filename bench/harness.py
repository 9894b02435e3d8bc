"""The Python side of bench/harness.ts: PyTorch as a peer that times its own work.

A peer script imports this module BEFORE torch (so that the allocator is tuned before the first
tensor, as momentum-torch tunes it when its addon loads), defines handlers and calls serve():
one JSON request per stdin line ({"op": NAME, ...args}), one JSON answer per stdout line
({"ok": value} or {"error": message}).

BENCH_MALLOC=tuned raises glibc's mmap and trim thresholds with mallopt, with the values of
momentum-torch's native/runtime.cc; BENCH_MALLOC=default leaves glibc as users run it.
BENCH_THREADS is the intra-op thread count both sides use. BENCH_COMPILE=1 (PyTorch 2 and later)
puts the training steps' models through torch.compile (compiled()).
"""
import ctypes
import json
import os
import re
import sys
import time
import traceback

# The PyTorch reference definitions the tests' oracles hold (test/oracle/): the peers build the
# same models from them.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "oracle"))

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest allowed value on 64-bit
TRIM_THRESHOLD = 1024 * 1024 * 1024


def _tune_malloc():
    libc = ctypes.CDLL("libc.so.6")
    return libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1


MALLOC_TUNED = os.environ.get("BENCH_MALLOC", "default") == "tuned" and _tune_malloc()

import torch  # noqa: E402  (after the allocator tuning, on purpose)

torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "1")))


# The same pattern as LIBRARY_PATTERN in bench/harness.ts.
LIBRARY_PATTERN = re.compile(r"blas|lapack|^libmkl_|^libtorch_cpu|^libc10\.", re.I)


def mapped_libraries():
    """The BLAS, LAPACK and LibTorch shared libraries this process has mapped, resolved to their files."""
    files = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            if "/" in line:
                file = line[line.index("/"):].strip()
                if LIBRARY_PATTERN.search(os.path.basename(file)):
                    files.add(os.path.realpath(file))
    return sorted(files)


def peak_rss_mib():
    """Peak resident set size so far (VmHWM), in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


# What seconds_per_call measures by default, as CLOCK in bench/harness.ts: wall time, or with
# BENCH_CLOCK=cpu the process's CPU time (all its threads).
CLOCK = "cpu" if os.environ.get("BENCH_CLOCK") == "cpu" else "wall"


def seconds_per_call(fn, iterations, warmup=0, clock=CLOCK):
    """Seconds of `clock` ("wall" or "cpu") per call of fn over `iterations` calls after `warmup` untimed ones."""
    seconds = time.process_time if clock == "cpu" else time.perf_counter
    for _ in range(warmup):
        fn()
    start = seconds()
    for _ in range(iterations):
        fn()
    return (seconds() - start) / iterations


COMPILE = os.environ.get("BENCH_COMPILE") == "1"


def compiled(model):
    """torch.compile(model) (inductor, its default mode) in a BENCH_COMPILE=1 peer, else the model itself."""
    return torch.compile(model) if COMPILE else model


def first_call(step):
    """The first step's loss and wall seconds (for a compiled model, its compile included), as setup answers them."""
    start = time.perf_counter()
    loss = step()
    return {"loss": loss, "seconds": time.perf_counter() - start}


def _hello():
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "mallocTuned": MALLOC_TUNED, "libraries": mapped_libraries()}


def serve(handlers):
    """Answers requests until stdin closes. Each handler takes the request's fields as keywords."""
    handlers = {"hello": _hello, "peakRss": peak_rss_mib, **handlers}
    for line in sys.stdin:
        request = json.loads(line)
        op = request.pop("op")
        try:
            reply = {"ok": handlers[op](**request)}
        except Exception as e:  # the TS side shows it; the peer keeps serving
            traceback.print_exc(file=sys.stderr)
            reply = {"error": f"{op}: {type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":  # a bare peer: bench/run.ts asks it what PyTorch runs on
    serve({})
