"""pytest-benchmark: tf.data pipelines of the session-18 data helper against the plain
Python / numpy loop that makes the same batches, 1 and 2 threads, 100k elements.

- ``interleave`` + ``batch``: 8 sources of 12500 float32 rows (8 features) interleaved with
  ``cycle_length=4, block_length=16`` and batched by 256. Baseline: the same round-robin
  over row iterators in Python, ``np.stack`` per batch.
- ``window`` + ``flat_map(batch)``: windows of 64 rows with shift 32 over 100000 x 8 float32
  rows (``drop_remainder``), each batched. Indexed path (``from_tensor_slices`` then
  ``window``: a window's batch is one row copy) and the general path (after a ``map``:
  windows of tensors, stacked). Baseline: ``x[s:s + 64].copy()`` for each start.

The data pipelines are Python; the thread count only matters to the numpy copies.

    pytest bench/test_bench_data.py --benchmark-group-by=group
"""
import contextlib

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")

N, F = 100_000, 8
PARTS, CYCLE, BLOCK, BATCH = 8, 4, 16, 256
WIN, SHIFT = 64, 32


def _limit(threads):
    from gemm_report import set_threads
    return set_threads(threads) or contextlib.nullcontext()


def _rows():
    return np.random.default_rng(0).standard_normal((N, F)).astype(np.float32)


# -- interleave + batch -------------------------------------------------------------------------
def tg_interleave(parts):
    ds = tf.data.Dataset.range(len(parts)).interleave(
        lambda i: tf.data.Dataset.from_tensor_slices(parts[int(i)]),
        cycle_length=CYCLE, block_length=BLOCK).batch(BATCH)
    return [b.numpy() for b in ds]


def py_interleave(parts):
    """TF's interleave order by hand: CYCLE open sources, BLOCK rows from each in turn."""
    pending = iter(range(len(parts)))
    slots = [None] * CYCLE
    out, buf = [], []
    index = block = 0
    done = False
    while not done or any(s is not None for s in slots):
        it = slots[index]
        if it is None:
            if not done:
                k = next(pending, None)
                if k is None:
                    done = True
                else:
                    slots[index] = iter(parts[k])
                    continue
            index, block = (index + 1) % CYCLE, 0
            continue
        row = next(it, None)
        if row is None:
            slots[index] = None
            index, block = (index + 1) % CYCLE, 0
            continue
        buf.append(row)
        if len(buf) == BATCH:
            out.append(np.stack(buf))
            buf = []
        block += 1
        if block == BLOCK:
            index, block = (index + 1) % CYCLE, 0
    if buf:
        out.append(np.stack(buf))
    return out


@pytest.mark.parametrize("impl", ["python", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
def test_interleave_batch(benchmark, threads, impl):
    parts = np.split(_rows(), PARTS)
    got, want = tg_interleave(parts), py_interleave(parts)
    assert len(got) == len(want) == -(-N // BATCH)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    benchmark.group = f"interleave(cycle {CYCLE}, block {BLOCK}) + batch({BATCH}), {N} rows, {threads}T"
    with _limit(threads):
        benchmark(py_interleave if impl == "python" else tg_interleave, parts)


# -- window + flat_map(batch) -------------------------------------------------------------------
def tg_window(x, mapped=False):
    ds = tf.data.Dataset.from_tensor_slices(x)
    if mapped:
        ds = ds.map(lambda r: r)
    ds = ds.window(WIN, shift=SHIFT, drop_remainder=True).flat_map(lambda w: w.batch(WIN))
    return [b.numpy() for b in ds]


def np_window(x):
    return [x[s:s + WIN].copy() for s in range(0, len(x) - WIN + 1, SHIFT)]


@pytest.mark.parametrize("impl", ["numpy", "tapegrad", "tapegrad-mapped"])
@pytest.mark.parametrize("threads", [1, 2])
def test_window_flat_map(benchmark, threads, impl):
    x = _rows()
    want = np_window(x)
    for mapped in (False, True):
        got = tg_window(x[:5000] if mapped else x, mapped)
        ref = np_window(x[:5000]) if mapped else want
        assert len(got) == len(ref)
        for a, b in zip(got, ref):
            np.testing.assert_array_equal(a, b)
    benchmark.group = f"window({WIN}, shift {SHIFT}) + flat_map(batch), {N} rows, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(np_window, x)
        else:
            benchmark(tg_window, x, impl == "tapegrad-mapped")
