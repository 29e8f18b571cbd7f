"""pytest-benchmark: tapegrad.ragged against the numpy a user would write, 1 and 2 threads,
float32, 10 000 rows of 0-199 values (about 1M values; every 97th row empty).

- ``RaggedTensor.from_row_splits(values, splits).to_tensor()``: numpy's padding by fancy-index
  assignment (``out[rowids, cols] = values``, with the index arithmetic in the timed part).
- ``RaggedTensor.from_tensor(dense, lengths=...)``: numpy's ``dense[arange(m) < lengths]``.
- ``reduce_sum`` / ``reduce_mean`` / ``reduce_max`` over the ragged axis (``axis=1``):
  ``np.add.reduceat`` / ``np.maximum.reduceat`` (empty rows patched afterwards).
- ``rt[:, :3]`` (the first three values of every row): numpy's index arithmetic and a take.

tapegrad's side includes making the RaggedTensor from (values, row_splits) every call (its
splits are validated, its row ids computed), as numpy's side computes its indices every call.

    pytest bench/test_bench_ragged.py --benchmark-group-by=group
"""
import contextlib

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")

NROWS = 10_000


def _limit(threads):
    from gemm_report import set_threads
    return set_threads(threads) or contextlib.nullcontext()


def _data():
    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 200, NROWS)
    lengths[::97] = 0
    splits = np.concatenate([[0], np.cumsum(lengths)])
    values = rng.standard_normal(int(splits[-1])).astype(np.float32)
    return values, splits, lengths


def np_to_tensor(values, splits, lengths):
    rowids = np.repeat(np.arange(lengths.size), lengths)
    cols = np.arange(values.size) - np.repeat(splits[:-1], lengths)
    out = np.zeros((lengths.size, lengths.max()), values.dtype)
    out[rowids, cols] = values
    return out


def np_from_tensor(dense, lengths):
    return dense[np.arange(dense.shape[1]) < lengths[:, None]]


def _reduceat(ufunc, values, splits, lengths, empty):
    out = np.full(lengths.size, empty, values.dtype)
    nonempty = lengths > 0
    out[nonempty] = ufunc.reduceat(values, splits[:-1][nonempty])
    return out


def np_sum(values, splits, lengths):
    return _reduceat(np.add, values, splits, lengths, 0)


def np_mean(values, splits, lengths):
    with np.errstate(invalid="ignore"):
        return np_sum(values, splits, lengths) / lengths.astype(np.float32)


def np_max(values, splits, lengths):
    # an empty row holds the dtype's lowest value, as TF (not -inf)
    return _reduceat(np.maximum, values, splits, lengths, np.finfo(values.dtype).min)


def np_head(values, splits, lengths, k=3):
    counts = np.minimum(lengths, k)
    offsets = np.cumsum(counts) - counts
    idx = np.repeat(splits[:-1] - offsets, counts) + np.arange(counts.sum())
    return values[idx], np.concatenate([[0], np.cumsum(counts)])


def _rt(tv, splits):
    return tf.RaggedTensor.from_row_splits(tv, splits)


CASES = {
    "to_tensor": (lambda tv, s, ln: _rt(tv, s).to_tensor(), np_to_tensor),
    "reduce_sum axis=1": (lambda tv, s, ln: tf.reduce_sum(_rt(tv, s), axis=1), np_sum),
    "reduce_mean axis=1": (lambda tv, s, ln: tf.reduce_mean(_rt(tv, s), axis=1), np_mean),
    "reduce_max axis=1": (lambda tv, s, ln: tf.reduce_max(_rt(tv, s), axis=1), np_max),
    "rt[:, :3]": (lambda tv, s, ln: _rt(tv, s)[:, :3], np_head),
}


def _check(name, got, want):
    if isinstance(want, tuple):
        np.testing.assert_array_equal(got.flat_values.numpy(), want[0])
        np.testing.assert_array_equal(got.row_splits.numpy(), want[1])
    else:
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-3, err_msg=name)


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name", list(CASES))
def test_ragged(benchmark, name, threads, impl):
    values, splits, lengths = _data()
    tv = tf.constant(values)
    ours, ref = CASES[name]
    _check(name, ours(tv, splits, lengths), ref(values, splits, lengths))
    benchmark.group = f"ragged {name}, {NROWS} rows, {values.size} values, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(ref, values, splits, lengths)
        else:
            benchmark(ours, tv, splits, lengths)


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
def test_from_tensor(benchmark, threads, impl):
    values, splits, lengths = _data()
    dense = np_to_tensor(values, splits, lengths)
    td = tf.constant(dense)
    got = tf.RaggedTensor.from_tensor(td, lengths=lengths)
    np.testing.assert_array_equal(got.flat_values.numpy(), values)
    benchmark.group = f"ragged from_tensor(lengths), {dense.shape}, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(np_from_tensor, dense, lengths)
        else:
            benchmark(tf.RaggedTensor.from_tensor, td, lengths=lengths)
