"""pytest-benchmark: the helper session's segment reductions and space_to_depth against the
numpy a user would write, 1 and 2 threads, float32.

- ``math.segment_sum`` (sorted ids), ``math.unsorted_segment_mean`` and
  ``math.unsorted_segment_max`` forward on 1M rows, 1000 segments: numpy's ``np.add.reduceat``
  on sorted ids, ``np.add.at`` / ``np.bincount`` and ``np.maximum.at``.
- ``space_to_depth`` (32 x 64 x 64 x 16, block 2): numpy's reshape, transpose and copy.
- ``gather`` of 1M scalars from a 1000-entry table and of 20000 rows of a 50000 x 64
  embedding table: ``np.take`` (session 18: the scalar case had been 5.6x slower).

    pytest bench/test_bench_tf_misc.py --benchmark-group-by=group
"""
import contextlib

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")

N, S = 1_000_000, 1000


def _limit(threads):
    from gemm_report import set_threads
    return set_threads(threads) or contextlib.nullcontext()


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(N, dtype=np.float32)
    ids = rng.integers(0, S, N)
    return x, ids


def np_segment_sum(x, sorted_ids):
    starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
    out = np.zeros(sorted_ids[-1] + 1, np.float32)
    out[sorted_ids[starts]] = np.add.reduceat(x, starts)
    return out


def np_unsorted_mean(x, ids):
    s = np.bincount(ids, weights=x, minlength=S)
    return (s / np.maximum(np.bincount(ids, minlength=S), 1)).astype(np.float32)


def np_unsorted_max(x, ids):
    out = np.full(S, -np.inf, np.float32)
    np.maximum.at(out, ids, x)
    return out


def np_space_to_depth(x, bs):
    b, h, w, c = x.shape
    return np.ascontiguousarray(x.reshape(b, h // bs, bs, w // bs, bs, c).transpose(0, 1, 3, 2, 4, 5)
                                ).reshape(b, h // bs, w // bs, bs * bs * c)


CASES = {
    "segment_sum": (lambda x, ids: tf.math.segment_sum(x, ids), np_segment_sum, True),
    "unsorted_segment_mean": (lambda x, ids: tf.math.unsorted_segment_mean(x, ids, S), np_unsorted_mean, False),
    "unsorted_segment_max": (lambda x, ids: tf.math.unsorted_segment_max(x, ids, S), np_unsorted_max, False),
}


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name", list(CASES))
def test_segment_forward(benchmark, name, threads, impl):
    x, ids = _data()
    tg, ref, sort = CASES[name]
    if sort:
        ids = np.sort(ids)
    tx, tids = tf.constant(x), tf.constant(ids)
    np.testing.assert_allclose(tg(tx, tids).numpy(), ref(x, ids), rtol=1e-4, atol=1e-3)
    benchmark.group = f"{name} forward, 1M rows, {S} segments, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(ref, x, ids)
        else:
            benchmark(tg, tx, tids)


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
def test_space_to_depth(benchmark, threads, impl):
    x = np.random.default_rng(1).standard_normal((32, 64, 64, 16), dtype=np.float32)
    tx = tf.constant(x)
    np.testing.assert_array_equal(tf.space_to_depth(tx, 2).numpy(), np_space_to_depth(x, 2))
    benchmark.group = f"space_to_depth 32x64x64x16, block 2, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(np_space_to_depth, x, 2)
        else:
            benchmark(tf.space_to_depth, tx, 2)


GATHER = {"scalars, 1M ids into 1000": (1000, (), 1_000_000),
          "rows, 20000 ids into 50000 x 64": (50000, (64,), 20000)}


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("case", list(GATHER))
def test_gather(benchmark, case, threads, impl):
    rows, inner, k = GATHER[case]
    rng = np.random.default_rng(1)
    p = rng.standard_normal((rows,) + inner, dtype=np.float32)
    ids = rng.integers(0, rows, k)
    tp, tids = tf.constant(p), tf.constant(ids)
    np.testing.assert_array_equal(tf.gather(tp, tids).numpy(), np.take(p, ids, axis=0))
    benchmark.group = f"gather {case}, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(np.take, p, ids, axis=0)
        else:
            benchmark(tf.gather, tp, tids)
