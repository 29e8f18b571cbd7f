"""pytest-benchmark: tapegrad.sparse against the numpy a user would write without scipy, 1 and
2 threads, float32, 100 000 stored entries.

- ``sparse.sparse_dense_matmul`` of a 10000 x 10000 SparseTensor (1e5 entries, canonical order)
  and a 10000 x 64 dense matrix: numpy's fancy-index gather of the rows, a multiply, and
  ``np.add.at`` into the output rows, or one ``np.bincount`` per output column (the fastest
  numpy form found; ``np.add.reduceat`` over the sorted rows is no faster).
- the same product forward and backward (gradients to the values and to the dense matrix):
  numpy's hand-written backward (a gather and row sums for the values, ``np.add.at`` for the
  dense matrix).
- ``sparse.to_dense`` into 2000 x 2000: ``np.bincount`` of the flat positions with the values
  as weights, and a zero array with the values assigned at the flat positions (numpy's
  fastest; it does not add repeated indices, which canonical indices do not have). The flat
  positions are precomputed for numpy; tapegrad computes them once per SparseTensor and keeps
  them.
- ``sparse.reduce_sum(sp, axis=1)``: ``np.bincount`` of the rows.
- ``nn.embedding_lookup_sparse`` (combiner 'mean', weights) of 10000 rows x 10 ids into a
  50000 x 64 table: numpy's gather, multiply, ``np.add.at`` and division.

    pytest bench/test_bench_sparse.py --benchmark-group-by=group
"""
import contextlib

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")

NNZ = 100_000


def _limit(threads):
    from gemm_report import set_threads
    return set_threads(threads) or contextlib.nullcontext()


def _pattern(shape, seed=0):
    rng = np.random.default_rng(seed)
    flat = np.sort(rng.choice(shape[0] * shape[1], NNZ, replace=False))
    rows, cols = np.unravel_index(flat, shape)
    vals = rng.standard_normal(NNZ, dtype=np.float32)
    return flat, rows, cols, vals


M, K, N = 10000, 10000, 64


def _matmul_data():
    flat, rows, cols, vals = _pattern((M, K))
    b = np.random.default_rng(1).standard_normal((K, N), dtype=np.float32)
    return rows, cols, vals, b


def np_matmul_add_at(rows, cols, vals, b):
    out = np.zeros((M, b.shape[1]), np.float32)
    np.add.at(out, rows, np.take(b, cols, axis=0) * vals[:, None])
    return out


def np_matmul_bincount(rows, cols, vals, b):
    p = np.take(b, cols, axis=0) * vals[:, None]
    out = np.empty((M, b.shape[1]), np.float32)
    for j in range(b.shape[1]):
        out[:, j] = np.bincount(rows, weights=p[:, j], minlength=M)
    return out


def np_matmul_backward(rows, cols, vals, b, dout):
    g = np.take(b, cols, axis=0)
    out = np_matmul_bincount(rows, cols, vals, b)
    dy = np.take(dout, rows, axis=0)
    dvals = np.einsum("ij,ij->i", g, dy)
    db = np.zeros_like(b)
    np.add.at(db, cols, dy * vals[:, None])
    return out, dvals, db


@pytest.mark.parametrize("impl", ["numpy add.at", "numpy bincount", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
def test_sparse_dense_matmul(benchmark, threads, impl):
    rows, cols, vals, b = _matmul_data()
    sp = tf.SparseTensor(np.stack([rows, cols], 1), vals, [M, K])
    tb = tf.constant(b)
    ref = np_matmul_bincount(rows, cols, vals, b)
    np.testing.assert_allclose(tf.sparse.sparse_dense_matmul(sp, tb).numpy(), ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(np_matmul_add_at(rows, cols, vals, b), ref, rtol=1e-4, atol=1e-4)
    benchmark.group = f"sparse_dense_matmul {M}x{K} ({NNZ} entries) @ {K}x{N}, {threads}T"
    with _limit(threads):
        if impl == "numpy add.at":
            benchmark(np_matmul_add_at, rows, cols, vals, b)
        elif impl == "numpy bincount":
            benchmark(np_matmul_bincount, rows, cols, vals, b)
        else:
            benchmark(tf.sparse.sparse_dense_matmul, sp, tb)


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
def test_sparse_dense_matmul_backward(benchmark, threads, impl):
    rows, cols, vals, b = _matmul_data()
    dout = np.random.default_rng(2).standard_normal((M, N), dtype=np.float32)
    tv, tb, tdout = tf.constant(vals), tf.constant(b), tf.constant(dout)
    idx = np.stack([rows, cols], 1)

    def ours():
        with tf.GradientTape() as tape:
            tape.watch([tv, tb])
            y = tf.sparse.sparse_dense_matmul(tf.SparseTensor(idx, tv, [M, K]), tb)
        return (y,) + tuple(tape.gradient(y, [tv, tb], output_gradients=tdout))

    want = np_matmul_backward(rows, cols, vals, b, dout)
    for g, w in zip(ours(), want):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-3, atol=1e-3)
    benchmark.group = f"sparse_dense_matmul forward + backward ({NNZ} entries, {K}x{N}), {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(np_matmul_backward, rows, cols, vals, b, dout)
        else:
            benchmark(ours)


D = (2000, 2000)


def np_to_dense_bincount(flat, vals):
    return np.bincount(flat, weights=vals, minlength=D[0] * D[1]).astype(np.float32).reshape(D)


def np_to_dense_assign(flat, vals):
    out = np.zeros(D[0] * D[1], np.float32)
    out[flat] = vals
    return out.reshape(D)


@pytest.mark.parametrize("impl", ["numpy bincount", "numpy assign", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
def test_to_dense(benchmark, threads, impl):
    flat, rows, cols, vals = _pattern(D)
    sp = tf.SparseTensor(np.stack([rows, cols], 1), vals, D)
    np.testing.assert_array_equal(tf.sparse.to_dense(sp).numpy(), np_to_dense_assign(flat, vals))
    benchmark.group = f"to_dense {NNZ} entries into {D[0]}x{D[1]}, {threads}T"
    with _limit(threads):
        if impl == "numpy bincount":
            benchmark(np_to_dense_bincount, flat, vals)
        elif impl == "numpy assign":
            benchmark(np_to_dense_assign, flat, vals)
        else:
            benchmark(tf.sparse.to_dense, sp)


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
def test_reduce_sum_rows(benchmark, threads, impl):
    flat, rows, cols, vals = _pattern(D)
    sp = tf.SparseTensor(np.stack([rows, cols], 1), vals, D)

    def ref():
        return np.bincount(rows, weights=vals, minlength=D[0]).astype(np.float32)
    np.testing.assert_allclose(tf.sparse.reduce_sum(sp, 1).numpy(), ref(), rtol=1e-4, atol=1e-4)
    benchmark.group = f"reduce_sum axis 1, {NNZ} entries of {D[0]}x{D[1]}, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(ref)
        else:
            benchmark(tf.sparse.reduce_sum, sp, 1)


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
def test_embedding_lookup_sparse(benchmark, threads, impl):
    rng = np.random.default_rng(3)
    vocab, dim, batch, per = 50000, 64, 10000, 10
    table = rng.standard_normal((vocab, dim), dtype=np.float32)
    rows = np.repeat(np.arange(batch), per)
    idx = np.stack([rows, np.tile(np.arange(per), batch)], 1)
    ids = rng.integers(0, vocab, batch * per)
    w = rng.uniform(0.5, 1.5, batch * per).astype(np.float32)
    t_table = tf.constant(table)
    sp_ids = tf.SparseTensor(idx, ids, [batch, per])
    sp_w = tf.SparseTensor(idx, w, [batch, per])

    def ref():
        out = np.zeros((batch, dim), np.float32)
        np.add.at(out, rows, np.take(table, ids, axis=0) * w[:, None])
        return out / np.bincount(rows, weights=w, minlength=batch).astype(np.float32)[:, None]
    np.testing.assert_allclose(tf.nn.embedding_lookup_sparse(t_table, sp_ids, sp_w).numpy(), ref(),
                               rtol=1e-4, atol=1e-4)
    benchmark.group = f"embedding_lookup_sparse mean, {batch}x{per} ids into {vocab}x{dim}, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(ref)
        else:
            benchmark(tf.nn.embedding_lookup_sparse, t_table, sp_ids, sp_w)
