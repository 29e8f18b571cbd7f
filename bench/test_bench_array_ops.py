"""pytest-benchmark: the TF array functions written in Python over recorded ops (session 15)
against the numpy code a user would write, one group per (function, size) so each ratio is
measured in one run, 1 and 2 threads (tapegrad's pool; numpy's indexing is single-threaded).

    pytest bench/test_bench_array_ops.py --benchmark-group-by=group

Every benchmark checks its result against numpy once before timing.
"""
import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")

SIZES = {"small": 64, "large": 1024}  # rows of a [rows, 256] float32 matrix


def _np_scatter(idx, upd, shape):
    out = np.zeros(shape, upd.dtype)
    np.add.at(out, tuple(idx.T), upd)
    return out


def _np_clip(ts, c):
    g = np.sqrt(sum((t.astype(np.float64) ** 2).sum() for t in ts))
    return [t * np.float32(c / max(g, c)) for t in ts]


# name -> (numpy(x, idx), ours(tx, idx)); x is [rows, 256], idx [rows // 2, 2] valid positions
CASES = {
    "gather_nd": (lambda x, i: x[i[:, 0], i[:, 1]], lambda x, i: tf.gather_nd(x, i)),
    "scatter_nd": (lambda x, i: _np_scatter(i, x[: len(i), 0], x.shape),
                   lambda x, i: tf.scatter_nd(i, x[: len(i), 0], x.shape)),
    "roll": (lambda x, i: np.roll(x, 3, 1), lambda x, i: tf.roll(x, 3, 1)),
    "repeat": (lambda x, i: np.repeat(x, 2, 0), lambda x, i: tf.repeat(x, 2, 0)),
    "clip_by_global_norm": (lambda x, i: _np_clip([x, x[:1]], 1.0),
                            lambda x, i: tf.clip_by_global_norm([x, x[:1]], 1.0)[0]),
}


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(CASES))
def test_array_op(benchmark, name, size, threads, impl):
    rows = SIZES[size]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((rows, 256), dtype=np.float32)
    idx = np.stack([rng.integers(0, rows, rows // 2), rng.integers(0, 256, rows // 2)], 1)
    ref, ours = CASES[name]
    tx = tf.constant(x)
    if name == "scatter_nd":  # ours takes a tensor of updates
        upd = tf.constant(x[: len(idx), 0])
        ours_fn = lambda t, i: tf.scatter_nd(i, upd, x.shape)  # noqa: E731
    else:
        ours_fn = ours
    got = ours_fn(tx, idx)
    want = ref(x, idx)
    for g, w in zip(got if isinstance(got, list) else [got], want if isinstance(want, list) else [want]):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-5, atol=1e-6)
    old = tf.get_num_threads()
    tf.set_num_threads(threads)
    try:
        benchmark.group = f"{name}-{size}-{threads}T"
        fn, args = (ref, (x, idx)) if impl == "numpy" else (ours_fn, (tx, idx))
        benchmark.pedantic(fn, args=args, rounds=200, iterations=5, warmup_rounds=5)
    finally:
        tf.set_num_threads(old)
