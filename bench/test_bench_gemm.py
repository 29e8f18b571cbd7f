"""pytest-benchmark: our GEMM against numpy, one group per (dtype, threads, shape).

    pytest bench/test_bench_gemm.py --benchmark-group-by=group
    pytest bench/test_bench_gemm.py -k "float32 and 1T"

Shapes (issue 3's and the narrow ones), the callable under test and the thread limits come
from gemm_report.py; every benchmark checks its result against numpy once before timing, so
fast-but-wrong can't pass.
"""
import os
import sys
import time

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gemm_report as gr  # noqa: E402

CASES = [(dt, th, s) for th in gr.THREADS for dt in gr.DTYPES for s in gr.SHAPES + gr.NARROW]


def _id(case):
    dt, th, (m, k, n) = case
    return f"{np.dtype(dt).name}-{th}T-{m}x{k}x{n}"


SETTLE = 0.15  # seconds of sleep before a 2-thread benchmark
WARM = 0.02    # seconds of untimed calls before the rounds


def _rounds(shape):
    m, k, n = shape
    return int(min(200, max(5, 4e7 / (m * k * n))))


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_gemm(benchmark, case, impl):
    dt, th, shape = case
    ctx = gr.set_threads(th)
    try:
        a, b = gr.operands(shape, dt)
        gr.check(shape, dt, a, b)
        fn = gr.reference if impl == "numpy" else gr.ours
        if impl != "numpy":
            a, b = gr.as_ours(a, b)
        benchmark.group = _id(case)
        m, k, n = shape
        benchmark.extra_info["gflop"] = 2.0 * m * k * n / 1e9
        if th > 1:
            # OpenBLAS's workers spin after the previous benchmark's calls and would take a
            # core from this one's second thread (2T float32 1024³ gave 0.76 and 2.06 in two
            # runs without this): the report's settle time (gemm_report.time_pair).
            time.sleep(SETTLE)
        # Then, as the report does, calls back to back for WARM seconds untimed (the idle
        # vCPUs and pool workers come back slowly; after the other library's calls each
        # library's first two 2048³ float64 calls took 404-483 ms against 326-349 ms later,
        # bench/RESULTS.md session 27), and rounds of at least ~1 ms.
        t0 = time.perf_counter()
        fn(a, b)
        per = time.perf_counter() - t0
        gr._warm(lambda: fn(a, b), WARM)
        out = benchmark.pedantic(fn, args=(a, b), rounds=_rounds(shape),
                                 iterations=max(1, int(1e-3 / max(per, 1e-7))), warmup_rounds=1)
        assert out.shape == (m, n)
    finally:
        if ctx is not None:
            ctx.restore_original_limits()
