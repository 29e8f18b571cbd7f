"""pytest-benchmark: tf.sort, tf.argsort and tf.math.top_k against numpy, one group per
(op, shape, threads).

    pytest bench/test_bench_sort.py --benchmark-group-by=group

float32 along the last axis. numpy: np.sort (its default introsort, AVX-512 accelerated in
numpy 2 on this CPU; tf.sort with no tape recording calls it), np.argsort(kind="stable") (the
order tf.argsort guarantees), for tf.sort under a tape (our argsort and a gather) the same by
hand in numpy (stable argsort, take_along_axis), and for top_k np.argpartition then a sort of
the k (the values and indices top_k returns). Every
benchmark checks its result against numpy once before timing.
"""
import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")

SHAPES = {"1000": (1000,), "256x256": (256, 256), "1024x1024": (1024, 1024), "1M": (1 << 20,)}
THREADS = [1, 2]
K = 10


def _np_top_k(x):
    part = np.argpartition(-x, K - 1, axis=-1)[..., :K]
    vals = np.take_along_axis(x, part, -1)
    order = np.argsort(-vals, axis=-1, kind="stable")
    return np.take_along_axis(vals, order, -1), np.take_along_axis(part, order, -1)


def _np_sort_positions(x):  # by hand in numpy, what a gradient needs: the order, then values
    order = np.argsort(x, axis=-1, kind="stable")
    return np.take_along_axis(x, order, -1)


def _taped_sort(t):
    with tf.GradientTape() as tape:
        tape.watch(t)
        return tf.sort(t)


OPS = {
    "sort": (lambda x: np.sort(x, axis=-1), lambda t: tf.sort(t)),
    "sort_taped": (_np_sort_positions, _taped_sort),
    "argsort": (lambda x: np.argsort(x, axis=-1, kind="stable"), lambda t: tf.argsort(t)),
    "top_k": (_np_top_k, lambda t: tf.math.top_k(t, K)),
}
CASES = [(op, s, th) for op in OPS for s in SHAPES for th in THREADS]


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("case", CASES, ids=[f"{o}-{s}-{t}T" for o, s, t in CASES])
def test_sort(benchmark, case, impl):
    op, shape, threads = case
    x = np.random.default_rng(0).standard_normal(SHAPES[shape]).astype(np.float32)
    ref, ours = OPS[op]
    old = tf.get_num_threads()
    tf.set_num_threads(threads)
    try:
        t = tf.constant(x)
        got, want = ours(t), ref(x)
        if op == "top_k":
            np.testing.assert_array_equal(got.values.numpy(), want[0])
        else:
            np.testing.assert_array_equal(got.numpy(), want)
        fn, arg = (ref, x) if impl == "numpy" else (ours, t)
        benchmark.group = f"{op}-{shape}-{threads}T"
        benchmark(fn, arg)
    finally:
        tf.set_num_threads(old)
