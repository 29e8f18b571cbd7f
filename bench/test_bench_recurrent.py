"""pytest-benchmark: keras LSTM, GRU and SimpleRNN forward passes against the numpy loop a
user would write for Keras' equations (one input GEMM up front, then a step per timestep, as
ours), float32, batch 32, 50 timesteps, 16 features, 64 units, 1 and 2 threads.

    pytest bench/test_bench_recurrent.py --benchmark-group-by=group
"""
import contextlib

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")
from tapegrad import keras  # noqa: E402


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def np_forward(kind, x, W, U, b):
    n, t, f = x.shape
    xw = (x.reshape(n * t, f) @ W).reshape(n, t, -1)
    h = np.zeros((n, U.shape[0]), x.dtype)
    c = np.zeros_like(h)
    for i in range(t):
        if kind == "SimpleRNN":
            h = np.tanh(xw[:, i] + h @ U + b)
        elif kind == "LSTM":
            zi, zf, zc, zo = np.split(xw[:, i] + h @ U + b, 4, axis=1)
            c = _sigmoid(zf) * c + _sigmoid(zi) * np.tanh(zc)
            h = _sigmoid(zo) * np.tanh(c)
        else:
            xz, xr, xh = np.split(xw[:, i] + b[0], 3, axis=1)
            rz, rr, rh = np.split(h @ U + b[1], 3, axis=1)
            z, r = _sigmoid(xz + rz), _sigmoid(xr + rr)
            h = z * h + (1 - z) * np.tanh(xh + r * rh)
    return h


def _limit(threads):
    from gemm_report import set_threads
    return set_threads(threads) or contextlib.nullcontext()


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("kind", ["SimpleRNN", "LSTM", "GRU"])
def test_recurrent_forward(benchmark, kind, threads, impl):
    x = np.random.default_rng(0).standard_normal((32, 50, 16), dtype=np.float32)
    layer = getattr(keras.layers, kind)(64, bias_initializer="random_normal")
    tx = tf.constant(x)
    got = layer(tx).numpy()
    W, U, b = (w.numpy() for w in (layer.kernel, layer.recurrent_kernel, layer.bias))
    np.testing.assert_allclose(got, np_forward(kind, x, W, U, b), rtol=1e-4, atol=1e-5)
    benchmark.group = f"{kind} 32x50x16 -> 64, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(np_forward, kind, x, W, U, b)
        else:
            benchmark(layer, tx)
