"""tf.SparseTensor and the tf.sparse module (helper session "sparse"), and
tf.nn.embedding_lookup_sparse / safe_embedding_lookup_sparse.

The differentiable ops (with respect to a SparseTensor's values and to dense operands):
forward against numpy on the dense equivalent in float32 and float64, gradients and second
derivatives against finite differences (the opcases machinery). Then hypothesis over random
duplicate-free sparsity patterns in random order, TF's documented examples, dtypes, and bad
input (the class and a message naming the function)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError
from tapegrad.testing import check_gradients
from opcases import Case, define_tests, distinct, normal, nonzero, positive

# A fixed pattern: 3 x 4, five entries, given out of canonical order.
IDX = np.array([[2, 1], [0, 0], [0, 3], [1, 2], [2, 3]])
SHAPE = (3, 4)
ORDER = np.lexsort(IDX.T[::-1])          # canonical order of IDX's rows
IDX3 = np.array([[0, 1, 1], [1, 0, 2], [1, 2, 0], [0, 0, 0], [1, 2, 2], [0, 2, 1]])
SHAPE3 = (2, 3, 3)


def sp(v, idx=IDX, shape=SHAPE):
    return tf.SparseTensor(idx, v, shape)


def dense_of(v, idx=IDX, shape=SHAPE, fill=0.0):
    out = np.full(shape, fill, dtype=np.asarray(v).dtype)
    if len(shape):
        out[tuple(idx.T)] = v
    elif len(v):
        out[()] = v[-1]
    return out


def sp_softmax_ref(v, idx, shape):
    out = np.empty_like(v)
    rows = [tuple(r) for r in idx[:, :-1]]
    for key in set(rows):
        sel = np.array([r == key for r in rows])
        e = np.exp(v[sel] - v[sel].max())
        out[sel] = e / e.sum()
    return out


def sp_max_ref(v, idx, shape, axis):
    """Max over the stored entries of each group; 0 for an empty group (TF's reduce_max)."""
    d = dense_of(v, idx, shape, fill=-np.inf)
    out = d.max(axis=axis)
    return np.where(np.isneginf(out), 0.0, out)


B_IDX = np.array([[0, 0], [1, 2], [2, 3], [2, 0]])   # overlaps IDX at [0, 0] and [2, 3]
EMB_IDX = np.array([[0, 0], [0, 1], [1, 0], [3, 1], [3, 2]])  # row 2 empty
EMB_IDS = np.array([1, 3, 0, 1, 4])


def _emb_ref(params, w, combiner, ids=EMB_IDS, rows=EMB_IDX[:, 0], n=4):
    out = np.zeros((n,) + params.shape[1:])
    for r in range(n):
        sel = rows == r
        if not sel.any():
            continue
        s = (params[ids[sel]] * w[sel][:, None]).sum(0)
        if combiner == "sum":
            out[r] = s
        elif combiner == "mean":
            out[r] = s / w[sel].sum()
        else:
            out[r] = s / np.sqrt((w[sel] ** 2).sum())
    return out


CASES = [
    Case("to_dense", "unsorted_segment_sum",
         lambda v: tf.sparse.to_dense(tf.sparse.reorder(sp(v))), lambda v: dense_of(v), normal((5,))),
    Case("to_dense_default", ("unsorted_segment_sum", "where"),
         lambda v, d: tf.sparse.to_dense(tf.sparse.reorder(sp(v)), default_value=d),
         lambda v, d: dense_of(v, fill=float(d)), normal((5,), ())),
    Case("from_dense_values", "gather", lambda x: tf.sparse.from_dense(x).values,
         lambda x: x.reshape(-1), normal((3, 4))),
    Case("reorder", "gather", lambda v: tf.sparse.reorder(sp(v)).values, lambda v: v[ORDER], normal((5,))),
    Case("matmul", ("gather", "multiply", "unsorted_segment_sum"),
         lambda v, b: tf.sparse.sparse_dense_matmul(sp(v), b), lambda v, b: dense_of(v) @ b,
         normal((5,), (4, 2))),
    Case("matmul_adjoint_a", ("gather", "multiply", "unsorted_segment_sum"),
         lambda v, b: tf.sparse.sparse_dense_matmul(sp(v), b, adjoint_a=True),
         lambda v, b: dense_of(v).T @ b, normal((5,), (3, 2))),
    Case("matmul_adjoint_b", ("gather", "multiply", "unsorted_segment_sum", "transpose"),
         lambda v, b: tf.sparse.sparse_dense_matmul(sp(v), b, adjoint_b=True),
         lambda v, b: dense_of(v) @ b.T, normal((5,), (2, 4))),
    Case("matmul_adjoint_both", ("gather", "multiply", "unsorted_segment_sum", "transpose"),
         lambda v, b: tf.sparse.sparse_dense_matmul(sp(v), b, adjoint_a=True, adjoint_b=True),
         lambda v, b: dense_of(v).T @ b.T, normal((5,), (2, 3))),
    Case("dense_matmul_sparse", ("gather", "multiply", "unsorted_segment_sum", "transpose"),
         lambda a, v: tf.sparse.sparse_dense_matmul(a, sp(v)), lambda a, v: a @ dense_of(v),
         normal((2, 3), (5,))),
    Case("dense_matmul_sparse_adjoints", ("gather", "multiply", "unsorted_segment_sum", "transpose"),
         lambda a, v: tf.sparse.sparse_dense_matmul(a, sp(v), adjoint_a=True, adjoint_b=True),
         lambda a, v: a.T @ dense_of(v).T, normal((4, 2), (5,))),
    Case("reduce_sum_all", "unsorted_segment_sum", lambda v: tf.sparse.reduce_sum(sp(v)),
         lambda v: v.sum(), normal((5,))),
    Case("reduce_sum_axis1", "unsorted_segment_sum", lambda v: tf.sparse.reduce_sum(sp(v), 1),
         lambda v: dense_of(v).sum(1), normal((5,))),
    Case("reduce_sum_3d_keepdims", "unsorted_segment_sum",
         lambda v: tf.sparse.reduce_sum(sp(v, IDX3, SHAPE3), [0, -1], keepdims=True),
         lambda v: dense_of(v, IDX3, SHAPE3).sum((0, 2), keepdims=True), normal((6,))),
    Case("reduce_sum_sparse_out", "unsorted_segment_sum",
         lambda v: tf.sparse.reduce_sum(sp(v), 0, output_is_sparse=True).values,
         lambda v: dense_of(v).sum(0), normal((5,))),  # every column has an entry
    Case("reduce_max_axis1", "custom_gradient", lambda v: tf.sparse.reduce_max(sp(v), 1),
         lambda v: sp_max_ref(v, IDX, SHAPE, 1), distinct((5,))),
    Case("reduce_max_axis0_empty_groups", ("custom_gradient", "where"),
         lambda v: tf.sparse.reduce_max(sp(v, IDX3, SHAPE3), 0),
         lambda v: sp_max_ref(v, IDX3, SHAPE3, 0), distinct((6,))),
    Case("add_sparse_sparse", ("concat", "unsorted_segment_sum"),
         lambda a, b: tf.sparse.to_dense(tf.sparse.add(sp(a), sp(b, B_IDX))),
         lambda a, b: dense_of(a) + dense_of(b, B_IDX), normal((5,), (4,))),
    Case("add_sparse_dense", ("add", "unsorted_segment_sum"),
         lambda v, d: tf.sparse.add(d, sp(v)), lambda v, d: dense_of(v) + d, normal((5,), (3, 4))),
    Case("mul_dense_broadcast", ("gather", "multiply"), lambda v, d: (sp(v) * d).values,
         lambda v, d: v * d[IDX[:, 1]], normal((5,), (4,))),
    Case("mul_dense_full", ("gather", "multiply"), lambda v, d: (sp(v) * d).values,
         lambda v, d: v * d[tuple(IDX.T)], normal((5,), (3, 4))),
    Case("div_dense_column", ("gather", "divide"), lambda v, d: (sp(v) / d).values,
         lambda v, d: v / d[IDX[:, 0], 0], nonzero((5,), (3, 1))),
    Case("mul_scalar", "multiply", lambda v, d: (sp(v) * d).values, lambda v, d: v * d,
         normal((5,), ())),
    Case("softmax", ("exp", "unsorted_segment_sum", "divide", "gather"),
         lambda v: tf.sparse.softmax(sp(v)).values, lambda v: sp_softmax_ref(v, IDX, SHAPE),
         normal((5,))),
    Case("softmax_3d", ("exp", "unsorted_segment_sum", "divide", "gather"),
         lambda v: tf.sparse.softmax(sp(v, IDX3, SHAPE3)).values,
         lambda v: sp_softmax_ref(v, IDX3, SHAPE3), normal((6,), scale=2.0)),
    Case("concat_axis1", ("concat", "gather"),
         lambda a, b: tf.sparse.to_dense(tf.sparse.concat(1, [tf.sparse.reorder(sp(a)), sp(b, B_IDX)])),
         lambda a, b: np.concatenate([dense_of(a), dense_of(b, B_IDX)], 1), normal((5,), (4,))),
    Case("transpose", ("gather", "unsorted_segment_sum"),
         lambda v: tf.sparse.to_dense(tf.sparse.transpose(sp(v, IDX3, SHAPE3), [2, 0, 1])),
         lambda v: dense_of(v, IDX3, SHAPE3).transpose(2, 0, 1), normal((6,))),
    Case("reshape", "unsorted_segment_sum",
         lambda v: tf.sparse.to_dense(tf.sparse.reshape(sp(v, IDX3, SHAPE3), [3, -1]),
                                      validate_indices=False),
         lambda v: dense_of(v, IDX3, SHAPE3).reshape(3, 6), normal((6,))),
    Case("slice", ("gather", "unsorted_segment_sum"),
         lambda v: tf.sparse.to_dense(tf.sparse.slice(tf.sparse.reorder(sp(v)), [1, 1], [5, 2])),
         lambda v: dense_of(v)[1:, 1:3], normal((5,))),
    Case("retain", "gather", lambda v: tf.sparse.retain(sp(v), np.array([1, 0, 1, 1, 0], bool)).values,
         lambda v: v[[0, 2, 3]], normal((5,))),
    Case("fill_empty_rows", ("concat", "gather", "broadcast_to"),
         lambda v, d: tf.sparse.to_dense(tf.sparse.fill_empty_rows(
             tf.SparseTensor([[0, 1], [2, 0], [2, 2]], v, [4, 3]), d)[0]),
         lambda v, d: np.array([[0, v[0], 0], [d, 0, 0], [v[1], 0, v[2]], [d, 0, 0]]),
         normal((3,), ())),
    Case("maximum", ("unsorted_segment_sum", "maximum"),
         lambda a, b: tf.sparse.to_dense(tf.sparse.maximum(sp(a), sp(b, B_IDX))),
         lambda a, b: np.maximum(dense_of(a), dense_of(b, B_IDX)), distinct((5,), (4,))),
    Case("minimum", ("unsorted_segment_sum", "minimum"),
         lambda a, b: tf.sparse.to_dense(tf.sparse.minimum(sp(a), sp(b, B_IDX))),
         lambda a, b: np.minimum(dense_of(a), dense_of(b, B_IDX)), distinct((5,), (4,))),
    Case("map_values", ("multiply", "tanh"),
         lambda a, b: tf.sparse.map_values(lambda x, y: tf.tanh(x) * y, sp(a), sp(b)).values,
         lambda a, b: np.tanh(a) * b, normal((5,), (5,))),
    Case("sparse_segment_sum", ("gather", "unsorted_segment_sum"),
         lambda x: tf.sparse.segment_sum(x, [0, 2, 2, 1], [0, 0, 1, 3]),
         lambda x: np.stack([x[0] + x[2], x[2], 0 * x[0], x[1]]), normal((3, 2))),
    Case("sparse_segment_mean", ("gather", "unsorted_segment_sum", "divide"),
         lambda x: tf.sparse.segment_mean(x, [0, 2, 2, 1], [0, 0, 1, 3]),
         lambda x: np.stack([(x[0] + x[2]) / 2, x[2], 0 * x[0], x[1]]), normal((3, 2))),
    Case("sparse_segment_sqrt_n", ("gather", "unsorted_segment_sum", "divide"),
         lambda x: tf.sparse.segment_sqrt_n(x, [0, 2, 2, 1], [2, 0, 0, 1], num_segments=4),
         lambda x: np.stack([(x[2] + x[2]) / np.sqrt(2), x[1], x[0], 0 * x[0]]), normal((3, 2))),
    Case("bincount_weights", ("gather", "unsorted_segment_sum"),
         lambda w: tf.sparse.bincount(np.array([[3, 1, 3], [0, 1, 1]]), weights=w, axis=-1).values,
         lambda w: np.array([w[0, 1], w[0, 0] + w[0, 2], w[1, 0], w[1, 1] + w[1, 2]]), normal((2, 3))),
    Case("embedding_sum", ("gather", "multiply", "unsorted_segment_sum"),
         lambda p, w: tf.nn.embedding_lookup_sparse(p, sp(EMB_IDS, EMB_IDX, (4, 3)),
                                                    sp(w, EMB_IDX, (4, 3)), combiner="sum"),
         lambda p, w: _emb_ref(p, w, "sum"), normal((5, 2), (5,))),
    Case("embedding_mean", ("gather", "multiply", "unsorted_segment_sum", "divide"),
         lambda p, w: tf.nn.embedding_lookup_sparse(p, sp(EMB_IDS, EMB_IDX, (4, 3)),
                                                    sp(w, EMB_IDX, (4, 3))),
         lambda p, w: _emb_ref(p, w, "mean"), positive((5, 2), (5,))),
    Case("embedding_sqrtn", ("gather", "multiply", "unsorted_segment_sum", "divide", "sqrt"),
         lambda p, w: tf.nn.embedding_lookup_sparse(p, sp(EMB_IDS, EMB_IDX, (4, 3)),
                                                    sp(w, EMB_IDX, (4, 3)), combiner="sqrtn"),
         lambda p, w: _emb_ref(p, w, "sqrtn"), nonzero((5, 2), (5,))),
    Case("embedding_unweighted_mean", ("gather", "unsorted_segment_sum", "divide"),
         lambda p: tf.nn.embedding_lookup_sparse([p[:2], p[2:]], sp(EMB_IDS, EMB_IDX, (4, 3)), None),
         lambda p: _emb_ref(p, np.ones(5), "mean"), normal((5, 3))),
    Case("safe_embedding", ("gather", "multiply", "unsorted_segment_sum", "divide", "where"),
         lambda p, w: tf.nn.safe_embedding_lookup_sparse(
             p, tf.SparseTensor([[0, 0], [0, 1], [1, 0], [3, 0], [3, 1]], np.array([1, -1, 2, 0, 4]), [4, 2]),
             tf.SparseTensor([[0, 0], [0, 1], [1, 0], [3, 0], [3, 1]], w, [4, 2])),
         lambda p, w: np.stack([p[1], p[2], 0 * p[0], (w[3] * p[0] + w[4] * p[4]) / (w[3] + w[4])]),
         positive((5, 2), (5,))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


# -- hypothesis: random duplicate-free patterns, in random order ------------------------------------

@st.composite
def patterns(draw, min_rank=1, max_rank=3, dtype=np.float64):
    rank = draw(st.integers(min_rank, max_rank))
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=rank, max_size=rank)))
    total = int(np.prod(shape))
    flat = draw(st.lists(st.integers(0, total - 1), unique=True, max_size=min(total, 12)))
    idx = np.array(np.unravel_index(np.array(flat, dtype=np.int64), shape)).T.reshape(len(flat), rank) \
        if rank else np.zeros((len(flat), 0), np.int64)
    seed = draw(st.integers(0, 2 ** 16))
    vals = np.random.default_rng(seed).standard_normal(len(flat)).astype(dtype)
    return idx.astype(np.int64), vals, shape


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(patterns(0, 3, np.float32))
def test_to_dense_and_from_dense_round_trip(p):
    idx, vals, shape = p
    s = tf.sparse.reorder(tf.SparseTensor(idx, vals, shape))
    d = dense_of(vals, idx, shape)
    np.testing.assert_array_equal(tf.sparse.to_dense(s).numpy(), d)
    back = tf.sparse.from_dense(d)
    nz = np.argwhere(d != 0)
    assert back.indices.shape == nz.shape
    np.testing.assert_array_equal(back.indices.numpy(), nz)
    np.testing.assert_array_equal(tf.sparse.to_dense(back).numpy(), d)
    assert back.dtype == tf.float32 and tuple(back.shape) == shape


@SETTINGS
@given(patterns(1, 3), st.data())
def test_reductions_against_numpy(p, data):
    idx, vals, shape = p
    s = tf.SparseTensor(idx, vals, shape)
    d = dense_of(vals, idx, shape)
    axes = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), max_size=3, unique=True))
    ax = tuple(sorted({a % len(shape) for a in axes})) if axes else None
    keep = data.draw(st.booleans())
    np.testing.assert_allclose(tf.sparse.reduce_sum(s, axes or None, keepdims=keep).numpy(),
                               d.sum(axis=ax, keepdims=keep), rtol=1e-12, atol=1e-12)
    want = sp_max_ref(vals, idx, shape, ax)
    got = tf.sparse.reduce_max(s, axes or None).numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=0)
    out = tf.sparse.reduce_sum(s, axes or None, keepdims=keep, output_is_sparse=True)
    dense_out = tf.sparse.to_dense(out).numpy()
    np.testing.assert_allclose(dense_out, np.asarray(d.sum(axis=ax, keepdims=keep)), atol=1e-12)


@SETTINGS
@given(patterns(2, 2), st.integers(1, 4), st.booleans(), st.booleans())
def test_matmul_against_numpy(p, n, adj_a, adj_b):
    idx, vals, shape = p
    s = tf.SparseTensor(idx, vals, shape)
    a = dense_of(vals, idx, shape)
    a2 = a.T if adj_a else a
    rng = np.random.default_rng(n)
    b = rng.standard_normal((n, a2.shape[1]) if adj_b else (a2.shape[1], n))
    got = tf.sparse.sparse_dense_matmul(s, b, adjoint_a=adj_a, adjoint_b=adj_b).numpy()
    np.testing.assert_allclose(got, a2 @ (b.T if adj_b else b), rtol=1e-12, atol=1e-12)
    # dense x sparse
    c = rng.standard_normal((n, a.shape[0]))
    np.testing.assert_allclose(tf.sparse.sparse_dense_matmul(c, s).numpy(), c @ a, atol=1e-12)


@SETTINGS
@given(patterns(1, 3), st.data())
def test_manipulations_against_numpy(p, data):
    idx, vals, shape = p
    s = tf.SparseTensor(idx, vals, shape)
    d = dense_of(vals, idx, shape)
    r = len(shape)
    perm = data.draw(st.permutations(list(range(r))))
    t = tf.sparse.transpose(s, perm)
    np.testing.assert_array_equal(tf.sparse.to_dense(t).numpy(), d.transpose(perm))  # canonical
    new_shape = [int(np.prod(shape))] if data.draw(st.booleans()) else [-1, shape[-1]]
    np.testing.assert_array_equal(
        tf.sparse.to_dense(tf.sparse.reshape(tf.sparse.reorder(s), new_shape)).numpy(),
        d.reshape(new_shape))
    start = [data.draw(st.integers(0, k)) for k in shape]
    size = [data.draw(st.integers(0, k + 1)) for k in shape]
    sl = tf.sparse.slice(tf.sparse.reorder(s), start, size)
    box = tuple(builtins_slice(a, a + b) for a, b in zip(start, size))
    np.testing.assert_array_equal(tf.sparse.to_dense(sl).numpy(), d[box])
    ax = data.draw(st.integers(-r - 1, r))
    np.testing.assert_array_equal(tf.sparse.to_dense(tf.sparse.expand_dims(tf.sparse.reorder(s), ax)).numpy(),
                                  np.expand_dims(d, ax))
    # sparse + sparse and sparse + dense, maximum / minimum against a second pattern of the shape
    flat2 = data.draw(st.lists(st.integers(0, d.size - 1), unique=True, max_size=d.size))
    idx2 = np.array(np.unravel_index(np.array(flat2, dtype=np.int64), shape)).T.reshape(len(flat2), r)
    v2 = np.random.default_rng(len(flat2)).standard_normal(len(flat2))
    s2 = tf.SparseTensor(idx2, v2, shape)
    d2 = dense_of(v2, idx2, shape)
    summed = tf.sparse.add(s, s2)
    np.testing.assert_allclose(tf.sparse.to_dense(summed).numpy(), d + d2, atol=1e-12)
    np.testing.assert_allclose(tf.sparse.add(s, d2).numpy(), d + d2, atol=1e-12)
    assert len(summed.values.numpy()) == len(np.union1d(np.ravel_multi_index(idx.T, shape) if len(idx) else [],
                                                        flat2))
    np.testing.assert_allclose(tf.sparse.to_dense(tf.sparse.maximum(s, s2)).numpy(), np.maximum(d, d2))
    np.testing.assert_allclose(tf.sparse.to_dense(tf.sparse.minimum(s, s2)).numpy(), np.minimum(d, d2))
    cat = tf.sparse.concat(-1, [s, s2])
    np.testing.assert_array_equal(tf.sparse.to_dense(cat).numpy(), np.concatenate([d, d2], -1))


@SETTINGS
@given(patterns(2, 3))
def test_softmax_against_numpy(p):
    idx, vals, shape = p
    s = tf.SparseTensor(idx, vals * 3, shape)
    got = tf.sparse.softmax(s)
    np.testing.assert_allclose(got.values.numpy(), sp_softmax_ref(vals * 3, idx, shape), rtol=1e-12)
    np.testing.assert_array_equal(got.indices.numpy(), idx)


@settings(max_examples=15, deadline=None)
@given(patterns(2, 2))
def test_matmul_gradients_on_random_patterns(p):
    idx, vals, shape = p
    if not len(vals):
        return
    b = np.random.default_rng(len(vals)).standard_normal((shape[1], 2))
    check_gradients(lambda v, m: tf.sparse.sparse_dense_matmul(tf.SparseTensor(idx, v, shape), m),
                    [vals, b], second_order=True)


import builtins  # noqa: E402
builtins_slice = builtins.slice


# -- the SparseTensor object ---------------------------------------------------------------------------

def test_sparse_tensor_parts_and_repr():
    s = tf.SparseTensor(indices=[[0, 0], [1, 2]], values=[1.0, 2.0], dense_shape=[3, 4])
    assert s.indices.dtype == tf.int64 and s.dense_shape.dtype == tf.int64
    assert s.values.dtype == tf.float32 and s.dtype == tf.float32
    assert s.shape == (3, 4) and isinstance(s.shape, tf.TensorShape) and s.rank == 2
    assert s.get_shape().as_list() == [3, 4]
    np.testing.assert_array_equal(s.indices.numpy(), [[0, 0], [1, 2]])
    np.testing.assert_array_equal(s.dense_shape.numpy(), [3, 4])
    text = repr(s)
    assert text.startswith("SparseTensor(indices=") and "values=" in text and "dense_shape=" in text
    assert str(s) == text
    assert tf.sparse.SparseTensor is tf.SparseTensor
    s2 = s.with_values(np.array([5, 6], np.int32))
    assert s2.dtype == tf.int32 and s2.shape == s.shape
    np.testing.assert_array_equal(tf.sparse.to_dense(s2).numpy(), [[5, 0, 0, 0], [0, 0, 6, 0], [0, 0, 0, 0]])
    assert tf.SparseTensor.from_value(s) is s
    s.set_shape([3, None])
    with pytest.raises(ValueError, match="not compatible"):
        s.set_shape([4, 4])
    assert not hasattr(s, "consumers")


def test_sparse_tensor_keeps_a_copy_of_the_indices():
    idx = np.array([[0, 1]])
    s = tf.SparseTensor(idx, [1.0], [2, 2])
    idx[0, 0] = 5
    np.testing.assert_array_equal(s.indices.numpy(), [[0, 1]])


def test_empty_and_scalar_sparse_tensors():
    e = tf.SparseTensor(np.zeros((0, 2), np.int64), [], [3, 2])
    np.testing.assert_array_equal(tf.sparse.to_dense(e).numpy(), np.zeros((3, 2)))
    assert tf.sparse.reduce_sum(e).numpy() == 0
    np.testing.assert_array_equal(tf.sparse.sparse_dense_matmul(e, np.ones((2, 2), np.float32)).numpy(),
                                  np.zeros((3, 2)))
    sc = tf.SparseTensor(np.zeros((1, 0), np.int64), [7.0], [])
    assert tf.sparse.to_dense(sc).numpy() == 7.0
    assert tf.sparse.from_dense(tf.constant(0.0)).values.shape == (0,)


def test_conversion_to_a_dense_tensor_is_a_type_error():
    s = tf.SparseTensor([[0, 0]], [1.0], [2, 2])
    for fn in (lambda: tf.convert_to_tensor(s), lambda: tf.constant(s), lambda: tf.add(s, 1.0),
               lambda: tf.reduce_sum(s), lambda: tf.matmul(s, tf.ones((2, 2))), lambda: np.asarray(s),
               lambda: tf.constant([1.0, 2.0]) + s, lambda: 2.0 - s, lambda: tf.nn.relu(s)):
        with pytest.raises(TypeError):
            fn()
    # a product with a dense or Python factor on the left is sparse, as TF's _mul_dispatch
    for r in (tf.constant([1.0, 2.0]) * s, 2.0 * s):
        assert isinstance(r, tf.SparseTensor) and r.values.numpy().tolist() in ([1.0], [2.0])
    with pytest.raises(TypeError, match="to_dense"):
        tf.convert_to_tensor(s)
    # tf.shape / size / rank of a SparseTensor are its dense shape's, as TF
    np.testing.assert_array_equal(tf.shape(s).numpy(), [2, 2])
    assert int(tf.size(s)) == 4 and int(tf.rank(s)) == 2


# -- TF's documented examples ----------------------------------------------------------------------

def test_tf_reduce_max_examples():
    x = tf.SparseTensor([[0, 0], [0, 2], [1, 1]], np.array([1, 2, 3], np.int32), [2, 3])
    assert int(tf.sparse.reduce_max(x)) == 3
    np.testing.assert_array_equal(tf.sparse.reduce_max(x, 0).numpy(), [1, 3, 2])
    np.testing.assert_array_equal(tf.sparse.reduce_max(x, -1).numpy(), [2, 3])
    np.testing.assert_array_equal(tf.sparse.reduce_max(x, 1, keepdims=True).numpy(), [[2], [3]])
    assert int(tf.sparse.reduce_max(x, [0, 1])) == 3
    y = tf.SparseTensor([[0, 0], [1, 0], [1, 1]], np.array([-7, 4, 3], np.int32), [3, 2])
    np.testing.assert_array_equal(tf.sparse.reduce_max(y, 1).numpy(), [-7, 4, 0])
    assert tf.sparse.reduce_max(y, 1).dtype == tf.int32


def test_tf_reduce_sum_examples():
    x = tf.SparseTensor([[0, 0], [0, 2], [1, 1]], np.array([1, 1, 1], np.int32), [2, 3])
    assert int(tf.sparse.reduce_sum(x)) == 3
    np.testing.assert_array_equal(tf.sparse.reduce_sum(x, 0).numpy(), [1, 1, 1])
    np.testing.assert_array_equal(tf.sparse.reduce_sum(x, 1).numpy(), [2, 1])
    np.testing.assert_array_equal(tf.sparse.reduce_sum(x, 1, keepdims=True).numpy(), [[2], [1]])
    out = tf.sparse.reduce_sum(x, 1, keepdims=True, output_is_sparse=True)
    np.testing.assert_array_equal(out.indices.numpy(), [[0, 0], [1, 0]])
    assert out.shape == (2, 1)


def test_tf_reshape_and_concat_examples():
    s = tf.SparseTensor([[0, 0, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0], [1, 2, 3]],
                        np.arange(5.0), [2, 3, 6])
    r = tf.sparse.reshape(s, [9, -1])
    assert r.shape == (9, 4)
    np.testing.assert_array_equal(r.indices.numpy(), [[0, 0], [0, 1], [1, 2], [4, 2], [8, 1]])
    a = tf.SparseTensor([[0, 2], [1, 0], [1, 1]], [1.0, 2.0, 3.0], [2, 3])
    b = tf.SparseTensor([[0, 1], [0, 2]], [4.0, 5.0], [2, 4])
    c = tf.sparse.concat(1, [a, b])
    assert c.shape == (2, 7)
    np.testing.assert_array_equal(c.indices.numpy(), [[0, 2], [0, 4], [0, 5], [1, 0], [1, 1]])
    np.testing.assert_array_equal(c.values.numpy(), [1, 4, 5, 2, 3])
    a3 = tf.SparseTensor([[0, 2], [1, 0], [2, 1]], [1.0, 2.0, 3.0], [3, 3])
    with pytest.raises(InvalidArgumentError, match="concat"):
        tf.sparse.concat(1, [a3, b])
    c2 = tf.sparse.concat(1, [a3, b], expand_nonconcat_dims=True)
    assert c2.shape == (3, 7)
    np.testing.assert_array_equal(c2.indices.numpy(), [[0, 2], [0, 4], [0, 5], [1, 0], [2, 1]])


def test_tf_add_threshold_example():
    # The logical sum [[0, 0, 2], [.1, 0, 0], [6, 0, -.2]] with a zero stored at [1, 2].
    a = tf.SparseTensor([[0, 2], [1, 0], [2, 0], [2, 2], [1, 2]], [2.0, 0.1, 6.0, -0.2, 1.0], [3, 3])
    b = tf.SparseTensor([[1, 2]], [-1.0], [3, 3])
    assert len(tf.sparse.add(tf.sparse.reorder(a), b).values.numpy()) == 5
    kept = tf.sparse.add(tf.sparse.reorder(a), b, threshold=0.11)
    np.testing.assert_array_equal(kept.indices.numpy(), [[0, 2], [2, 0], [2, 2]])
    kept = tf.sparse.add(tf.sparse.reorder(a), b, threshold=0.21)
    np.testing.assert_array_equal(kept.indices.numpy(), [[0, 2], [2, 0]])


def test_tf_maximum_and_split_examples():
    res = tf.sparse.maximum(tf.SparseTensor([[0]], [0.0], [7]), tf.SparseTensor([[1]], [1.0], [7]))
    np.testing.assert_array_equal(res.indices.numpy(), [[0], [1]])
    np.testing.assert_array_equal(res.values.numpy(), [0.0, 1.0])
    s = tf.SparseTensor([[0, 2], [0, 4], [0, 5], [1, 0], [1, 1]], [1.0, 4.0, 5.0, 2.0, 3.0], [2, 7])
    p0, p1 = tf.sparse.split(sp_input=s, num_split=2, axis=1)
    assert p0.shape == (2, 4) and p1.shape == (2, 3)
    np.testing.assert_array_equal(p0.indices.numpy(), [[0, 2], [1, 0], [1, 1]])
    np.testing.assert_array_equal(p1.indices.numpy(), [[0, 0], [0, 1]])


def test_fill_empty_rows_and_indicator_and_eye():
    s = tf.SparseTensor([[0, 1], [2, 0], [2, 2]], np.array([5, 6, 7], np.int64), [4, 3])
    out, empty = tf.sparse.fill_empty_rows(s, -1)
    np.testing.assert_array_equal(out.indices.numpy(), [[0, 1], [1, 0], [2, 0], [2, 2], [3, 0]])
    np.testing.assert_array_equal(out.values.numpy(), [5, -1, 6, 7, -1])
    np.testing.assert_array_equal(empty.numpy(), [False, True, False, True])
    ids = tf.SparseTensor([[0, 0], [0, 1], [2, 0]], np.array([3, 1, 3], np.int64), [3, 2])
    ind = tf.sparse.to_indicator(ids, 4)
    assert ind.dtype == tf.bool
    np.testing.assert_array_equal(ind.numpy(), [[0, 1, 0, 1], [0, 0, 0, 0], [0, 0, 0, 1]])
    e = tf.sparse.eye(3, 4, dtype=tf.float64)
    assert e.dtype == tf.float64
    np.testing.assert_array_equal(tf.sparse.to_dense(e).numpy(), np.eye(3, 4))
    r = tf.sparse.reset_shape(s)
    assert r.shape == (3, 3)
    assert tf.sparse.reset_shape(s, [5, 3]).shape == (5, 3)


def test_embedding_lookup_sparse_tf_examples():
    params = tf.constant([[1, 2], [3, 4], [5, 6], [7, 8]], dtype=tf.float32)
    sp_ids = tf.SparseTensor(indices=[[0, 0], [0, 1], [1, 0], [2, 0]], values=[0, 1, 3, 2],
                             dense_shape=(3, 2))
    np.testing.assert_allclose(
        tf.nn.embedding_lookup_sparse(params, sp_ids, sp_weights=None, combiner="sum").numpy(),
        [[4, 6], [7, 8], [5, 6]])
    w = tf.SparseTensor(indices=[[0, 0], [0, 1], [1, 0], [2, 0]], values=[0.1, 1.0, 0.5, 2.0],
                        dense_shape=(3, 2))
    np.testing.assert_allclose(
        tf.nn.embedding_lookup_sparse(params, sp_ids, sp_weights=w, combiner="sum").numpy(),
        [[3.1, 4.2], [3.5, 4.0], [10, 12]], rtol=1e-6)
    # default combiner is mean; weights 0 give 0 (divide_no_nan)
    z = w.with_values(np.zeros(4, np.float32))
    np.testing.assert_array_equal(tf.nn.embedding_lookup_sparse(params, sp_ids, z).numpy(), np.zeros((3, 2)))
    # max_norm clips each looked-up row
    out = tf.nn.embedding_lookup_sparse(params, sp_ids, None, combiner="sum", max_norm=1.0).numpy()
    unit = params.numpy() / np.linalg.norm(params.numpy(), axis=1, keepdims=True)
    np.testing.assert_allclose(out, [unit[0] + unit[1], unit[3], unit[2]], rtol=1e-6)


def test_safe_embedding_lookup_sparse_ranks_and_defaults():
    rng = np.random.default_rng(0)
    params = rng.standard_normal((6, 3))
    # rank 3 ids: [2, 2, 3]; the entry [1, 0] has only invalid ids, [0, 1] none at all
    idx = np.array([[0, 0, 0], [0, 0, 2], [1, 0, 0], [1, 1, 1]])
    ids = tf.SparseTensor(idx, np.array([2, 5, -1, 3]), [2, 2, 3])
    out = tf.nn.safe_embedding_lookup_sparse(params, ids, combiner="sum")
    assert out.shape == (2, 2, 3)
    want = np.stack([np.stack([params[2] + params[5], np.zeros(3)]),
                     np.stack([np.zeros(3), params[3]])])
    np.testing.assert_allclose(out.numpy(), want)
    out = tf.nn.safe_embedding_lookup_sparse(params, ids, combiner="mean", default_id=4)
    want = np.stack([np.stack([(params[2] + params[5]) / 2, params[4]]),
                     np.stack([params[4], params[3]])])
    np.testing.assert_allclose(out.numpy(), want)
    # with weights: non-positive weights pruned unless combiner is sum
    w = tf.SparseTensor(idx, np.array([1.0, -2.0, 1.0, 0.5]), [2, 2, 3])
    out = tf.nn.safe_embedding_lookup_sparse(params, ids, w, combiner="mean")
    np.testing.assert_allclose(out.numpy()[0, 0], params[2])
    with pytest.raises(TypeError, match="float64"):
        tf.nn.safe_embedding_lookup_sparse(params.astype(np.float32), ids, w)


def test_bincount_semantics():
    out = tf.sparse.bincount(np.array([1, 1, 4, 2]), minlength=7)
    assert out.shape == (7,) and out.values.dtype == tf.int64
    np.testing.assert_array_equal(out.indices.numpy(), [[1], [2], [4]])
    np.testing.assert_array_equal(out.values.numpy(), [2, 1, 1])
    out = tf.sparse.bincount(np.array([1, 1, 4, 2]), maxlength=3, binary_output=True)
    assert out.shape == (3,)
    np.testing.assert_array_equal(out.values.numpy(), [1, 1])
    s = tf.SparseTensor([[0, 0], [1, 1], [1, 2]], np.array([2, 2, 0]), [2, 3])
    out = tf.sparse.bincount(s, axis=-1)
    np.testing.assert_array_equal(out.indices.numpy(), [[0, 2], [1, 0], [1, 2]])
    assert out.shape == (2, 3)
    with pytest.raises(InvalidArgumentError, match="non-negative"):
        tf.sparse.bincount(np.array([1, -1]))


# -- gradients beyond the cases ---------------------------------------------------------------------

def test_gradient_through_a_variable_and_a_chain_of_sparse_ops():
    v = tf.Variable(np.array([1.0, -2.0, 3.0, 0.5, 2.0]))
    w = tf.Variable(np.ones((4, 2)))
    with tf.GradientTape() as tape:
        s = tf.SparseTensor(IDX, v, SHAPE)
        s = tf.sparse.softmax(tf.sparse.reorder(s) * 2.0)
        y = tf.reduce_sum(tf.square(tf.sparse.sparse_dense_matmul(s, w)))
    gv, gw = tape.gradient(y, [v, w])
    assert gv.shape == (5,) and gw.shape == (4, 2)
    assert np.all(np.isfinite(gv.numpy())) and np.any(gv.numpy() != 0)


def test_no_gradient_for_indices_and_integer_values():
    v = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(v)
        s = tf.SparseTensor([[0, 1], [1, 0]], v, [2, 2])
        y = tf.reduce_sum(tf.sparse.to_dense(s) * tf.constant([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [2.0, 3.0])


# -- dtypes ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dt", [np.float32, np.float64, np.int32, np.int64])
def test_dtypes_are_kept(dt):
    s = tf.SparseTensor(IDX, np.arange(1, 6).astype(dt), SHAPE)
    d = dense_of(np.arange(1, 6).astype(dt))
    assert s.dtype == tf.as_dtype(dt)
    out = tf.sparse.to_dense(tf.sparse.reorder(s))
    assert out.dtype == tf.as_dtype(dt)
    np.testing.assert_array_equal(out.numpy(), d)
    assert tf.sparse.reduce_sum(s, 0).dtype == tf.as_dtype(dt)
    np.testing.assert_array_equal(tf.sparse.reduce_sum(s, 0).numpy(), d.sum(0))
    b = np.arange(8).reshape(4, 2).astype(dt)
    mm = tf.sparse.sparse_dense_matmul(s, b)
    assert mm.dtype == tf.as_dtype(dt)
    np.testing.assert_array_equal(mm.numpy(), d @ b)
    assert (s * 2).dtype == tf.as_dtype(dt)
    np.testing.assert_array_equal(tf.sparse.add(s, d).numpy(), 2 * d)


def test_bool_sparse_tensors():
    s = tf.SparseTensor([[0, 1], [1, 0]], np.array([True, True]), [2, 3])
    np.testing.assert_array_equal(tf.sparse.to_dense(s).numpy(), [[False, True, False], [True, False, False]])
    np.testing.assert_array_equal(tf.sparse.to_dense(s, default_value=True).numpy(), np.ones((2, 3), bool))
    back = tf.sparse.from_dense(np.array([[True, False], [False, True]]))
    np.testing.assert_array_equal(back.indices.numpy(), [[0, 0], [1, 1]])
    with pytest.raises(TypeError, match="reduce_sum"):
        tf.sparse.reduce_sum(s)


def test_python_ints_are_int32_values_as_tf_constant():
    s = tf.SparseTensor([[0]], [3], [2])
    assert s.dtype == tf.int32
    assert tf.SparseTensor([[0]], [3.0], [2]).dtype == tf.float32
    # ... but whole-number float ids are still accepted where ids are expected
    np.testing.assert_array_equal(tf.sparse.to_indicator(tf.SparseTensor([[0, 0]], [2], [1, 1]), 3).numpy(),
                                  [[False, False, True]])


def test_default_value_and_scalar_operands_take_the_values_dtype():
    s = tf.SparseTensor([[0, 0]], np.array([1.5]), [1, 2])
    out = tf.sparse.to_dense(s, default_value=-1)
    assert out.dtype == tf.float64
    np.testing.assert_array_equal(out.numpy(), [[1.5, -1.0]])
    assert (s * 2).dtype == tf.float64 and (s / 2).dtype == tf.float64


def test_integer_division_is_truediv_as_tf():
    # TF 2.21's `/` on a SparseTensor casts int32/int64 to float64 (truediv): [-3.5, 3.5]
    s = tf.SparseTensor([[0], [1]], np.array([-7, 7], np.int32), [2])
    out = (s / np.array([2], np.int32)).values
    assert out.dtype == tf.float64
    np.testing.assert_array_equal(out.numpy(), [-3.5, 3.5])


# -- bad input ---------------------------------------------------------------------------------------

S = tf.SparseTensor([[0, 0], [1, 2]], [1.0, 2.0], [2, 3])
S64 = tf.SparseTensor([[0, 0], [1, 2]], np.array([1.0, 2.0]), [2, 3])
UNSORTED = tf.SparseTensor([[1, 2], [0, 0]], [1.0, 2.0], [2, 3])
REPEATED = tf.SparseTensor([[0, 0], [0, 0]], [1.0, 2.0], [2, 3])
OUT_OF_RANGE = tf.SparseTensor([[0, 0], [2, 1]], [1.0, 2.0], [2, 3])

BAD = [
    ("indices_rank", lambda: tf.SparseTensor([0, 1], [1.0], [2]), ValueError, "indices must have rank 2"),
    ("values_rank", lambda: tf.SparseTensor([[0, 1]], [[1.0]], [2, 2]), ValueError, "values must have rank 1"),
    ("dense_shape_rank", lambda: tf.SparseTensor([[0, 1]], [1.0], [[2, 2]]), ValueError, "dense_shape must have rank 1"),
    ("count_mismatch", lambda: tf.SparseTensor([[0, 1], [1, 1]], [1.0], [2, 2]), ValueError, "[2, 2] and values shape [1]"),
    ("rank_mismatch", lambda: tf.SparseTensor([[0, 1]], [1.0], [2, 2, 2]), ValueError, "disagree on the rank"),
    ("float_indices", lambda: tf.SparseTensor([[0.5, 1.0]], [1.0], [2, 2]), TypeError, "indices must be int64"),
    ("int32_indices_tensor", lambda: tf.SparseTensor(tf.constant([[0, 1]], dtype=tf.int32), [1.0], [2, 2]),
     TypeError, "int32"),
    ("negative_shape", lambda: tf.SparseTensor([[0, 1]], [1.0], [2, -2]), ValueError, "non-negative"),
    ("string_values", lambda: tf.SparseTensor([[0, 1]], ["a"], [2, 2]), TypeError, "SparseTensor"),
    ("sparse_values", lambda: tf.SparseTensor([[0, 1]], S, [2, 2]), TypeError, "values must be a dense tensor"),
    ("to_dense_dense", lambda: tf.sparse.to_dense(tf.ones((2, 2))), TypeError, "to_dense: sp_input must be a SparseTensor"),
    ("to_dense_out_of_range", lambda: tf.sparse.to_dense(OUT_OF_RANGE), InvalidArgumentError, "indices[1] = [2, 1] is out of bounds"),
    ("to_dense_unsorted", lambda: tf.sparse.to_dense(UNSORTED), InvalidArgumentError, "out of order"),
    ("to_dense_repeated", lambda: tf.sparse.to_dense(REPEATED), InvalidArgumentError, "indices[1] = [0, 0] is repeated"),
    ("to_dense_default_shape", lambda: tf.sparse.to_dense(S, default_value=[1.0, 2.0]), InvalidArgumentError, "scalar"),
    ("to_dense_default_dtype", lambda: tf.sparse.to_dense(S, default_value=tf.constant(1.0, dtype=tf.float64)),
     TypeError, "float64"),
    ("to_dense_huge", lambda: tf.sparse.to_dense(tf.SparseTensor([[0, 0]], [1.0], [2 ** 40, 2 ** 40])),
     InvalidArgumentError, "more than"),
    ("matmul_inner", lambda: tf.sparse.sparse_dense_matmul(S, tf.ones((2, 2))), InvalidArgumentError, "inner dimensions"),
    ("matmul_rank", lambda: tf.sparse.sparse_dense_matmul(S, tf.ones((3,))), InvalidArgumentError, "matrix"),
    ("matmul_sparse_rank", lambda: tf.sparse.sparse_dense_matmul(tf.SparseTensor([[0]], [1.0], [3]), tf.ones((3, 1))),
     InvalidArgumentError, "rank 2"),
    ("matmul_dtype", lambda: tf.sparse.sparse_dense_matmul(S, tf.ones((3, 2), dtype=tf.float64)), TypeError, "float64"),
    ("matmul_two_dense", lambda: tf.sparse.sparse_dense_matmul(tf.ones((2, 2)), tf.ones((2, 2))), TypeError, "SparseTensor"),
    ("matmul_two_sparse", lambda: tf.sparse.sparse_dense_matmul(S, S), TypeError, "only one"),
    ("matmul_out_of_range", lambda: tf.sparse.sparse_dense_matmul(OUT_OF_RANGE, tf.ones((3, 2))),
     InvalidArgumentError, "out of bounds"),
    ("add_shapes", lambda: tf.sparse.add(S, tf.SparseTensor([[0, 0]], [1.0], [3, 3])), InvalidArgumentError, "[2, 3] and [3, 3]"),
    ("add_dtypes", lambda: tf.sparse.add(S, S64), TypeError, "float32 and float64"),
    ("add_dense_shape", lambda: tf.sparse.add(S, tf.ones((3, 2))), InvalidArgumentError, "[3, 2]"),
    ("add_two_dense", lambda: tf.sparse.add(tf.ones(2), tf.ones(2)), TypeError, "at least one input must be a SparseTensor"),
    ("mul_broadcast", lambda: S * tf.ones((3, 3)), InvalidArgumentError, "does not broadcast"),
    ("mul_sparse", lambda: S * S, TypeError, "dense tensor"),
    ("mul_dtype", lambda: S * tf.ones(3, dtype=tf.float64), TypeError, "float64"),
    ("reduce_axis", lambda: tf.sparse.reduce_sum(S, 2), InvalidArgumentError, "invalid reduction dimension 2"),
    ("reduce_axis_float", lambda: tf.sparse.reduce_sum(S, 0.5), TypeError, "axis must be an integer"),
    ("reshape_size", lambda: tf.sparse.reshape(S, [4, 2]), InvalidArgumentError, "6 dense values"),
    ("reshape_two_unknown", lambda: tf.sparse.reshape(S, [-1, -1]), InvalidArgumentError, "at most one"),
    ("reshape_indivisible", lambda: tf.sparse.reshape(S, [-1, 4]), InvalidArgumentError, "multiple of 4"),
    ("transpose_perm", lambda: tf.sparse.transpose(S, [0, 0]), InvalidArgumentError, "not a permutation"),
    ("slice_length", lambda: tf.sparse.slice(S, [0], [1, 1]), InvalidArgumentError, "one entry per dimension"),
    ("slice_negative", lambda: tf.sparse.slice(S, [-1, 0], [1, 1]), InvalidArgumentError, "non-negative"),
    ("retain_length", lambda: tf.sparse.retain(S, [True]), InvalidArgumentError, "length 2"),
    ("retain_dtype", lambda: tf.sparse.retain(S, [1, 0]), TypeError, "bool"),
    ("concat_not_list", lambda: tf.sparse.concat(0, S), TypeError, "list of SparseTensors"),
    ("concat_shapes", lambda: tf.sparse.concat(0, [S, tf.SparseTensor([[0, 0]], [1.0], [2, 2])]),
     InvalidArgumentError, "only dimension 0 may differ"),
    ("concat_dtype", lambda: tf.sparse.concat(0, [S, S64]), TypeError, "float64"),
    ("concat_dense", lambda: tf.sparse.concat(0, [S, tf.ones((2, 3))]), TypeError, "sp_inputs[1] must be a SparseTensor"),
    ("softmax_rank", lambda: tf.sparse.softmax(tf.SparseTensor([[0]], [1.0], [3])), InvalidArgumentError, "rank >= 2"),
    ("softmax_int", lambda: tf.sparse.softmax(tf.SparseTensor([[0, 0]], np.array([1]), [1, 3])), TypeError, "float32 or float64"),
    ("maximum_shapes", lambda: tf.sparse.maximum(S, tf.SparseTensor([[0]], [1.0], [3])), InvalidArgumentError, "differ"),
    ("to_indicator_range", lambda: tf.sparse.to_indicator(tf.SparseTensor([[0, 0]], np.array([5]), [1, 1]), 3),
     InvalidArgumentError, "out of range [0, 3)"),
    ("to_indicator_float", lambda: tf.sparse.to_indicator(tf.SparseTensor([[0, 0]], [0.5], [1, 1]), 3), TypeError, "integer ids"),
    ("expand_dims_axis", lambda: tf.sparse.expand_dims(S, 4), InvalidArgumentError, "out of range"),
    ("map_values_none", lambda: tf.sparse.map_values(tf.abs, tf.ones(2)), ValueError, "no SparseTensor"),
    ("map_values_indices", lambda: tf.sparse.map_values(tf.add, S, UNSORTED), InvalidArgumentError, "same indices"),
    ("fill_empty_rows_default", lambda: tf.sparse.fill_empty_rows(S, [1.0, 2.0]), InvalidArgumentError, "scalar"),
    ("eye_negative", lambda: tf.sparse.eye(-1), InvalidArgumentError, "non-negative"),
    ("eye_huge", lambda: tf.sparse.eye(2 ** 40), InvalidArgumentError, "diagonal entries"),
    ("split_required", lambda: tf.sparse.split(S), ValueError, "required"),
    ("segment_unsorted", lambda: tf.sparse.segment_sum(tf.ones((3, 2)), [0, 1], [1, 0]), InvalidArgumentError, "sorted"),
    ("segment_index", lambda: tf.sparse.segment_mean(tf.ones((3, 2)), [0, 3], [0, 0]), InvalidArgumentError, "indices[1] = 3"),
    ("bincount_axis", lambda: tf.sparse.bincount(np.array([1]), axis=1), InvalidArgumentError, "axis"),
    ("embedding_combiner", lambda: tf.nn.embedding_lookup_sparse(tf.ones((3, 2)), S, None, combiner="max"),
     ValueError, "combiner"),
    ("embedding_ids_dense", lambda: tf.nn.embedding_lookup_sparse(tf.ones((3, 2)), tf.ones((2, 2)), None),
     TypeError, "sp_ids must be a SparseTensor"),
    ("embedding_id_range", lambda: tf.nn.embedding_lookup_sparse(
        tf.ones((2, 2)), tf.SparseTensor([[0, 0]], np.array([7]), [1, 1]), None), InvalidArgumentError, "not in [0, 2)"),
    ("embedding_weights_type", lambda: tf.nn.embedding_lookup_sparse(tf.ones((3, 2)), S, tf.ones(2)),
     TypeError, "sp_weights must be None or a SparseTensor"),
    ("safe_embedding_none", lambda: tf.nn.safe_embedding_lookup_sparse(None, S), ValueError, "missing embedding_weights"),
]


@pytest.mark.parametrize("name,fn,exc,fragment", BAD, ids=[b[0] for b in BAD])
def test_bad_input(name, fn, exc, fragment):
    with pytest.raises(exc) as info:
        fn()
    assert fragment in str(info.value), str(info.value)


def test_failed_calls_leave_the_inputs_unchanged():
    before = (S.indices.numpy().copy(), S.values.numpy().copy(), S.dense_shape.numpy().copy())
    for name, fn, exc, _ in BAD:
        try:
            fn()
        except Exception:
            pass
    after = (S.indices.numpy(), S.values.numpy(), S.dense_shape.numpy())
    for a, b in zip(before, after):
        np.testing.assert_array_equal(a, b)
