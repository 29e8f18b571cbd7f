"""pytest-benchmark: tf.nn.conv2d (im2col + GEMM) and max/avg pooling against the numpy code a
user would write (sliding_window_view + tensordot, which copies the windows into a matrix and
calls BLAS; the backward pass as shifted adds), float32, 1 and 2 threads (tapegrad's pool;
OpenBLAS limited through threadpoolctl when it is installed), one group per case so each
ratio is measured in one run.

    pytest bench/test_bench_conv.py --benchmark-group-by=group

`fwd` times the convolution; `fwdbwd` the convolution and the gradients of sum(y * g) with
respect to the input and the filters. Every benchmark checks its result against the other
side once before timing.
"""
import contextlib

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")

# name -> (input shape NHWC, filter shape [kh, kw, C, O]), 'SAME' padding, stride 1
SHAPES = {
    "mnist_first": ((32, 28, 28, 1), (3, 3, 1, 32)),
    "mnist_second": ((32, 14, 14, 32), (3, 3, 32, 64)),
    "resnet_block": ((8, 56, 56, 64), (3, 3, 64, 64)),
}


def np_conv(x, f):
    kh, kw = f.shape[:2]
    xp = np.pad(x, [(0, 0), (kh // 2, (kh - 1) // 2), (kw // 2, (kw - 1) // 2), (0, 0)])
    win = sliding_window_view(xp, (kh, kw), axis=(1, 2))  # [N, OH, OW, C, kh, kw]
    return np.tensordot(win, f, axes=([4, 5, 3], [0, 1, 2])), win


def np_conv_fwdbwd(x, f, g):
    y, win = np_conv(x, f)
    df = np.tensordot(win, g, axes=([0, 1, 2], [0, 1, 2])).transpose(1, 2, 0, 3)  # [kh, kw, C, O]
    kh, kw = f.shape[:2]
    dxp = np.zeros((x.shape[0], x.shape[1] + kh - 1, x.shape[2] + kw - 1, x.shape[3]), x.dtype)
    for i in range(kh):
        for j in range(kw):
            dxp[:, i: i + x.shape[1], j: j + x.shape[2], :] += g @ f[i, j].T
    return y, dxp[:, kh // 2: kh // 2 + x.shape[1], kw // 2: kw // 2 + x.shape[2], :], df


def ours_fwdbwd(x, f, g):
    with tf.GradientTape() as tape:
        tape.watch([x, f])
        y = tf.nn.conv2d(x, f, 1, "SAME")
        loss = tf.reduce_sum(y * g)
    dx, df = tape.gradient(loss, [x, f])
    return y, dx, df


def np_pool(x, kind):
    win = sliding_window_view(x, (2, 2), axis=(1, 2))[:, ::2, ::2]
    return win.max(axis=(4, 5)) if kind == "max" else win.mean(axis=(4, 5))


def _limit(threads):
    """Both sides on `threads` threads (gemm_report's limit: ours and OpenBLAS's)."""
    from gemm_report import set_threads
    return set_threads(threads) or contextlib.nullcontext()


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("what", ["fwd", "fwdbwd"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_conv2d(benchmark, shape, what, threads, impl):
    xs, fs = SHAPES[shape]
    rng = np.random.default_rng(0)
    x = rng.standard_normal(xs, dtype=np.float32)
    f = (rng.standard_normal(fs) / np.sqrt(fs[0] * fs[1] * fs[2])).astype(np.float32)
    g = rng.standard_normal(xs[:3] + fs[3:], dtype=np.float32)
    tx, tfl, tg = tf.constant(x), tf.constant(f), tf.constant(g)
    if what == "fwd":
        ref, ours, a, b = (lambda: np_conv(x, f)[0]), (lambda: tf.nn.conv2d(tx, tfl, 1, "SAME")), None, None
    else:
        ref, ours = (lambda: np_conv_fwdbwd(x, f, g)), (lambda: ours_fwdbwd(tx, tfl, tg))
    got, want = ours(), ref()
    for o, w in zip(got if isinstance(got, tuple) else [got], want if isinstance(want, tuple) else [want]):
        np.testing.assert_allclose(o.numpy(), w, rtol=2e-3, atol=2e-3 * float(np.abs(w).max()))
    benchmark.group = f"conv2d {shape} {what} {threads}T"
    with _limit(threads):
        benchmark(ref if impl == "numpy" else ours)


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool2d(benchmark, kind, threads, impl):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 28, 28, 32), dtype=np.float32)
    tx = tf.constant(x)
    fn = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d
    np.testing.assert_allclose(fn(tx, 2, 2, "VALID").numpy(), np_pool(x, kind), rtol=1e-6, atol=1e-6)
    benchmark.group = f"{kind}_pool2d 32x28x28x32 2x2 {threads}T"
    with _limit(threads):
        benchmark((lambda: np_pool(x, kind)) if impl == "numpy" else (lambda: fn(tx, 2, 2, "VALID")))
