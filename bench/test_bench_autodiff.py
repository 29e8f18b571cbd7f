"""pytest-benchmark: tf.autodiff.ForwardAccumulator's JVP (two recorded reverse passes) against
the forward-mode tangent propagation a user would write in numpy, 1 and 2 threads, float32.

Case: y = tanh(x @ W1) @ W2 (x 64 x 256, W1 256 x 256, W2 256 x 10); the JVP w.r.t. x along v,
forward pass included in both (numpy: y and dy = ((1 - tanh²) * (v @ W1)) @ W2).

    PYTHONPATH=build-dev/py:bench pytest bench/test_bench_autodiff.py --benchmark-group-by=group
"""
import contextlib

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")


def _limit(threads):
    from gemm_report import set_threads
    return set_threads(threads) or contextlib.nullcontext()


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 256), dtype=np.float32)
    v = rng.standard_normal((64, 256), dtype=np.float32)
    w1 = (rng.standard_normal((256, 256)) / 16).astype(np.float32)
    w2 = (rng.standard_normal((256, 10)) / 16).astype(np.float32)
    return x, v, w1, w2


def np_jvp(x, v, w1, w2):
    h = np.tanh(x @ w1)
    return h @ w2, ((1 - h * h) * (v @ w1)) @ w2


def tg_jvp(x, v, w1, w2):
    with tf.autodiff.ForwardAccumulator(x, v) as acc:
        y = tf.matmul(tf.tanh(tf.matmul(x, w1)), w2)
    return y, acc.jvp(y)


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
def test_jvp_mlp(benchmark, threads, impl):
    x, v, w1, w2 = _data()
    targs = [tf.constant(a) for a in (x, v, w1, w2)]
    want = np_jvp(x, v, w1, w2)
    got = tg_jvp(*targs)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w, rtol=2e-3, atol=2e-4)
    benchmark.group = f"jvp of tanh(x @ W1) @ W2, 64 x 256 x 256 x 10, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(np_jvp, x, v, w1, w2)
        else:
            benchmark(tg_jvp, *targs)
