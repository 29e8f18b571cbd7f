"""pytest-benchmark: tf.nn.conv3d (depth folded into channels, im2col + one GEMM; Note [Depth
folded into channels] in python/tapegrad/_conv3d.py) and max_pool3d against the numpy code a
user would write: an einsum over an as_strided window view (``optimize=True``: numpy copies
the windows into a matrix and calls BLAS), the input gradient as shifted adds. float32, 1 and
2 threads (tapegrad's pool; OpenBLAS limited through threadpoolctl when it is installed), one
group per case so each ratio is measured in one run.

    pytest bench/test_bench_conv3d.py --benchmark-group-by=group

N=4, 16x32x32, C=8 -> 16, k=3, 'SAME'. ``fwd`` times the convolution, ``fwdbwd`` the
convolution and the gradients of sum(y * g) with respect to the input and the filters.
``slices`` is the other formulation the module note measured: a sum over the 3 depth offsets
of conv2d on depth slices batched together (public ops only). Every benchmark checks its
result against numpy once before timing.
"""
import contextlib

import numpy as np
import pytest
from numpy.lib.stride_tricks import as_strided

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")

X_SHAPE, F_SHAPE = (4, 16, 32, 32, 8), (3, 3, 3, 8, 16)


def _limit(threads):
    """Both sides on `threads` threads (gemm_report's limit: ours and OpenBLAS's)."""
    from gemm_report import set_threads
    return set_threads(threads) or contextlib.nullcontext()


def windows(xp, k, out, s=(1, 1, 1)):
    """[N, OD, OH, OW, kd, kh, kw, C] view of the padded input xp (no copy)."""
    n, _, _, _, c = xp.shape
    sn, sd, sh, sw, sc = xp.strides
    return as_strided(xp, (n, *out, *k, c),
                      (sn, sd * s[0], sh * s[1], sw * s[2], sd, sh, sw, sc), writeable=False)


def _pad_same(x, k, value=0.0):
    return np.pad(x, [(0, 0)] + [(kk // 2, (kk - 1) // 2) for kk in k] + [(0, 0)], constant_values=value)


def np_conv3d(x, f):
    k = f.shape[:3]
    win = windows(_pad_same(x, k), k, x.shape[1:4])
    return np.einsum("ndhwijkc,ijkco->ndhwo", win, f, optimize=True), win


def np_conv3d_fwdbwd(x, f, g):
    y, win = np_conv3d(x, f)
    df = np.einsum("ndhwijkc,ndhwo->ijkco", win, g, optimize=True)
    kd, kh, kw = f.shape[:3]
    n, d, h, w, c = x.shape
    dxp = np.zeros((n, d + kd - 1, h + kh - 1, w + kw - 1, c), x.dtype)
    for i in range(kd):
        for j in range(kh):
            for m in range(kw):
                dxp[:, i: i + d, j: j + h, m: m + w] += g @ f[i, j, m].T
    return y, dxp[:, kd // 2: kd // 2 + d, kh // 2: kh // 2 + h, kw // 2: kw // 2 + w], df


def slices_conv3d(x, f):
    """The other formulation: sum over depth offsets i of conv2d(x[:, i : i + D]) with f[i]."""
    n, d, h, w, c = x.shape
    kd, kh, kw, _, o = f.shape
    xp = tf.pad(x, [[0, 0], [kd // 2, (kd - 1) // 2], [0, 0], [0, 0], [0, 0]])
    y = None
    for i in range(kd):
        part = tf.nn.conv2d(tf.reshape(xp[:, i: i + d], [n * d, h, w, c]), f[i], 1, "SAME")
        y = part if y is None else y + part
    return tf.reshape(y, [n, d, h, w, o])


def ours_fwdbwd(conv):
    def run(x, f, g):
        with tf.GradientTape() as tape:
            tape.watch([x, f])
            y = conv(x, f)
            loss = tf.reduce_sum(y * g)
        dx, df = tape.gradient(loss, [x, f])
        return y, dx, df
    return run


def ours_conv3d(x, f):
    return tf.nn.conv3d(x, f, 1, "SAME")


def np_max_pool3d(x, k, s, same):
    out = [-(-n // ss) for n, ss in zip(x.shape[1:4], s)] if same else \
        [(n - kk) // ss + 1 for n, kk, ss in zip(x.shape[1:4], k, s)]
    if same:
        tot = [max((o - 1) * ss + kk - n, 0) for o, ss, kk, n in zip(out, s, k, x.shape[1:4])]
        x = np.pad(x, [(0, 0)] + [(t // 2, t - t // 2) for t in tot] + [(0, 0)], constant_values=-np.inf)
    return windows(x, k, out, s).max(axis=(4, 5, 6))


@pytest.mark.parametrize("impl", ["numpy", "tapegrad", "slices"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("what", ["fwd", "fwdbwd"])
def test_conv3d(benchmark, what, threads, impl):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(X_SHAPE, dtype=np.float32)
    f = (rng.standard_normal(F_SHAPE) / np.sqrt(27 * 8)).astype(np.float32)
    g = rng.standard_normal(X_SHAPE[:4] + F_SHAPE[4:], dtype=np.float32)
    tx, tfl, tg = tf.constant(x), tf.constant(f), tf.constant(g)
    conv = ours_conv3d if impl != "slices" else slices_conv3d
    if what == "fwd":
        ref, ours = (lambda: np_conv3d(x, f)[0]), (lambda: conv(tx, tfl))
    else:
        ref, ours = (lambda: np_conv3d_fwdbwd(x, f, g)), (lambda: ours_fwdbwd(conv)(tx, tfl, tg))
    got, want = ours(), ref()
    for o, w in zip(got if isinstance(got, tuple) else [got], want if isinstance(want, tuple) else [want]):
        np.testing.assert_allclose(o.numpy(), w, rtol=2e-3, atol=2e-3 * float(np.abs(w).max()))
    benchmark.group = f"conv3d 4x16x32x32x8 k3 ->16 {what} {threads}T"
    with _limit(threads):
        benchmark(ref if impl == "numpy" else ours)


POOLS = {"k2s2_valid": ((2, 2, 2), (2, 2, 2), False), "k3s2_same": ((3, 3, 3), (2, 2, 2), True)}


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("pool", list(POOLS))
def test_max_pool3d(benchmark, pool, threads, impl):
    k, s, same = POOLS[pool]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 16, 32, 32, 16), dtype=np.float32)
    tx = tf.constant(x)
    pad = "SAME" if same else "VALID"
    np.testing.assert_array_equal(tf.nn.max_pool3d(tx, k, s, pad).numpy(), np_max_pool3d(x, k, s, same))
    benchmark.group = f"max_pool3d 4x16x32x32x16 {pool} {threads}T"
    with _limit(threads):
        benchmark((lambda: np_max_pool3d(x, k, s, same)) if impl == "numpy"
                  else (lambda: tf.nn.max_pool3d(tx, k, s, pad)))
