"""pytest-benchmark: tf.einsum against numpy.einsum, one group per (equation, threads).

    pytest bench/test_bench_einsum.py --benchmark-group-by=group

numpy runs with ``optimize=True`` (its fastest: contractions through BLAS; the default,
``optimize=False``, loops in C and is 10-100x slower on these). float32; every benchmark
checks its result against numpy once before timing.
"""
import os
import sys

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gemm_report as gr  # noqa: E402

import tapegrad as tf  # noqa: E402

EQUATIONS = [
    ("ij,jk->ik", (64, 64), (64, 64)),
    ("ij,kj->ik", (256, 512), (512, 512)),
    ("bij,bjk->bik", (32, 64, 64), (32, 64, 64)),
    ("bhqd,bhkd->bhqk", (8, 4, 64, 32), (8, 4, 64, 32)),  # attention scores
    ("bi,bi->b", (256, 128), (256, 128)),  # batched dot products: multiply + sum
    ("bi,bj->bij", (64, 32), (64, 32)),  # batched outer products: one broadcasting multiply
    ("i,i->", (1000,), (1000,)),
]
CASES = [(th, e) for th in gr.THREADS for e in EQUATIONS]


def _id(case):
    th, (eq, sa, sb) = case
    return f"{eq}-{th}T-{'x'.join(map(str, sa))}-{'x'.join(map(str, sb))}"


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_einsum(benchmark, case, impl):
    th, (eq, sa, sb) = case
    ctx = gr.set_threads(th)
    try:
        rng = np.random.default_rng(0)
        a = rng.standard_normal(sa).astype(np.float32)
        b = rng.standard_normal(sb).astype(np.float32)
        want = np.einsum(eq, a.astype(np.float64), b.astype(np.float64))
        if impl == "numpy":
            def fn(x, y):
                return np.einsum(eq, x, y, optimize=True)
            args = (a, b)
        else:
            def fn(x, y):
                return tf.einsum(eq, x, y)
            args = (tf.constant(a), tf.constant(b))
        got = np.asarray(fn(*args))
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
        benchmark.group = _id(case)
        benchmark(fn, *args)
    finally:
        if ctx is not None:
            ctx.restore_original_limits()
