"""The index rows (where, gather, unsorted_segment_sum): differentiable in their float operands,
with bool conditions and int32/int64 indices captured in each case's fn (inputs() yields only
the float operands). gather's vjp is unsorted_segment_sum and unsorted_segment_sum's is gather
(negative ids dropped), so their second-order cases run each other's vjp."""

import numpy as np
import pytest

import tapegrad as tf
from opcases import Case, away_from_zero, define_tests, normal


# ----------------------------------------------------------------------------------------------
# numpy references

def _where(cond):
    return lambda x, y: np.where(cond, x, y)


def _gather(indices, axis=0):
    return lambda p: np.take(p, np.asarray(indices), axis=axis)


def _gather_bd(indices, axis, batch_dims):
    """TF's gather with batch dimensions: each batch element of params takes its own indices."""
    idx = np.asarray(indices)
    b = batch_dims + idx.ndim if batch_dims < 0 else batch_dims

    def ref(p):
        a = axis + p.ndim if axis < 0 else axis
        out = np.empty(p.shape[:a] + idx.shape[b:] + p.shape[a + 1:])
        for bi in np.ndindex(p.shape[:b]):
            out[bi] = np.take(p[bi], idx[bi], axis=a - b)
        return out
    return ref


def _uss(ids, num_segments):
    """TF's unsorted_segment_sum: ids.shape is a prefix of data.shape; negative ids dropped."""
    ids = np.asarray(ids)

    def ref(data):
        rows = data.reshape((ids.size,) + data.shape[ids.ndim:])
        out = np.zeros((num_segments,) + data.shape[ids.ndim:])
        for j, s in enumerate(ids.ravel()):
            if s >= 0:
                out[s] += rows[j]
        return out
    return ref


# ----------------------------------------------------------------------------------------------
# fns: the bool / integer operand is a numpy array in the closure, made a tensor at each call

def _where_fn(cond):
    cond = np.asarray(cond, dtype=bool)
    return lambda x, y: tf.where(tf.constant(cond), x, y)


def _gather_fn(indices, dtype, axis=None):
    idx = np.asarray(indices, dtype=dtype)
    if axis is None:
        return lambda p: tf.gather(p, tf.constant(idx))
    return lambda p: tf.gather(p, tf.constant(idx), axis=axis)


def _gather_bd_fn(indices, dtype, axis, batch_dims):
    idx = np.asarray(indices, dtype=dtype)
    if axis is None:
        return lambda p: tf.gather(p, tf.constant(idx), batch_dims=batch_dims)
    return lambda p: tf.gather(p, tf.constant(idx), axis=axis, batch_dims=batch_dims)


def _uss_fn(ids, dtype, num_segments):
    ids = np.asarray(ids, dtype=dtype)
    return lambda d: tf.math.unsorted_segment_sum(d, tf.constant(ids), num_segments)


_C34 = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, False]])
_ROW = np.array([True, False, False, True])
_COL = np.array([[False], [True], [True]])
_C345 = (np.arange(60).reshape(3, 4, 5) % 3 == 1)

CASES = [
    # --- where: x where cond else y; gradient to x and y, none to cond
    Case("where_same_shape", "where", _where_fn(_C34), _where(_C34), normal((3, 4), (3, 4))),
    Case("where_cond_scalar_true", "where", _where_fn(True), _where(True), normal((2, 3), (2, 3))),
    Case("where_cond_scalar_false", "where", _where_fn(False), _where(False), normal((2, 3), (2, 3))),
    Case("where_cond_scalar_broadcast_xy", "where", _where_fn(True), _where(True), normal((3, 1), (4,))),
    Case("where_cond_row", "where", _where_fn(_ROW), _where(_ROW), normal((3, 4), (3, 4))),
    Case("where_cond_column", "where", _where_fn(_COL), _where(_COL), normal((3, 4), (3, 4))),
    Case("where_cond_row_xy_scalar", "where", _where_fn(_ROW), _where(_ROW), normal((), ())),
    Case("where_xy_col_and_row", "where", _where_fn(_C34), _where(_C34), normal((3, 1), (4,))),
    Case("where_x_scalar", "where", _where_fn(_C34), _where(_C34), normal((), (3, 4))),
    Case("where_y_leading_dims", "where", _where_fn(_ROW), _where(_ROW), normal((4,), (2, 3, 4))),
    Case("where_all_broadcast", "where", _where_fn(_C345[:, :1, :1]), _where(_C345[:, :1, :1]),
         normal((1, 4, 1), (1, 1, 5))),
    Case("where_cond_3d_x_row", "where", _where_fn(_C345), _where(_C345), normal((5,), (4, 1))),
    # The condition computed from an input carries no gradient (inputs kept away from 0).
    Case("where_cond_from_compare", "where", lambda x, y: tf.where(x > 0.0, x, y * 2.0),
         lambda x, y: np.where(x > 0, x, 2 * y), away_from_zero((3, 4), (3, 4))),
    # Nonlinear in x and y, so second order is more than zero.
    Case("where_of_products", ("where", "multiply"),
         lambda x, y: tf.where(tf.constant(_C34), x * x, x * y),
         lambda x, y: np.where(_C34, x * x, x * y), normal((3, 4), (3, 4))),
    Case("where_same_input_twice", "where", lambda x: tf.where(tf.constant(_COL), x, -3.0 * x),
         lambda x: np.where(_COL, x, -3 * x), normal((3, 4))),

    # --- gather: slices of params along axis; gradient = unsorted_segment_sum of the seed
    Case("gather_axis0_int32", "gather", _gather_fn([4, 0, 2], np.int32), _gather([4, 0, 2]),
         normal((5, 3))),
    Case("gather_axis0_int64", "gather", _gather_fn([3, 1], np.int64), _gather([3, 1]), normal((5, 3))),
    Case("gather_repeated", "gather", _gather_fn([1, 1, 3, 1, 0], np.int64), _gather([1, 1, 3, 1, 0]),
         normal((4, 2))),
    Case("gather_1d_params", "gather", _gather_fn([5, 0, 5, 2], np.int32), _gather([5, 0, 5, 2]),
         normal((6,))),
    Case("gather_scalar_index", "gather", _gather_fn(2, np.int32), _gather(2), normal((4, 3))),
    Case("gather_axis1", "gather", _gather_fn([0, 4, 4, 2], np.int32, axis=1),
         _gather([0, 4, 4, 2], axis=1), normal((2, 5, 3))),
    Case("gather_axis1_int64", "gather", _gather_fn([1, 0, 1], np.int64, axis=1),
         _gather([1, 0, 1], axis=1), normal((3, 2))),
    Case("gather_axis_neg1", "gather", _gather_fn([3, 0, 3], np.int64, axis=-1),
         _gather([3, 0, 3], axis=-1), normal((2, 3, 4))),
    Case("gather_axis_last_positive", "gather", _gather_fn([2, 2], np.int32, axis=2),
         _gather([2, 2], axis=2), normal((2, 2, 3))),
    Case("gather_2d_indices", "gather", _gather_fn([[0, 1], [4, 4], [2, 0]], np.int64),
         _gather([[0, 1], [4, 4], [2, 0]]), normal((5, 3))),
    Case("gather_2d_indices_axis1", "gather", _gather_fn([[3, 0, 3], [1, 1, 2]], np.int32, axis=1),
         _gather([[3, 0, 3], [1, 1, 2]], axis=1), normal((2, 4, 3))),
    Case("gather_2d_indices_axis_neg1", "gather", _gather_fn([[2], [0]], np.int64, axis=-1),
         _gather([[2], [0]], axis=-1), normal((3, 3))),
    Case("gather_then_square", ("gather", "square"),
         lambda p: tf.square(tf.gather(p, tf.constant(np.array([2, 0, 2], np.int32)))),
         lambda p: np.take(p, [2, 0, 2], axis=0) ** 2, normal((3, 2))),
    Case("gather_twice", "gather",
         lambda p: tf.gather(tf.gather(p, tf.constant(np.array([1, 1, 0], np.int64)), axis=1) * p[:, :1],
                             tf.constant(np.array([[0, 2], [2, 2]], np.int32))),
         lambda p: np.take(np.take(p, [1, 1, 0], axis=1) * p[:, :1], [[0, 2], [2, 2]], axis=0),
         normal((3, 2))),

    # --- gather with batch dimensions: the first batch_dims of params and indices match
    Case("gather_batch1_rows", "gather", _gather_bd_fn([[2, 0, 2], [1, 1, 0]], np.int32, None, 1),
         _gather_bd([[2, 0, 2], [1, 1, 0]], 1, 1), normal((2, 3, 4))),
    Case("gather_batch1_last_axis", "gather", _gather_bd_fn([[3, 0], [1, 3], [2, 2]], np.int64, -1, 1),
         _gather_bd([[3, 0], [1, 3], [2, 2]], -1, 1), normal((3, 4))),
    Case("gather_batch1_axis_past_batch", "gather", _gather_bd_fn([[1, 0, 1], [2, 2, 0]], np.int64, 2, 1),
         _gather_bd([[1, 0, 1], [2, 2, 0]], 2, 1), normal((2, 3, 3, 2))),
    Case("gather_batch2", "gather", _gather_bd_fn(np.arange(12).reshape(2, 3, 2) % 4, np.int32, 2, 2),
         _gather_bd(np.arange(12).reshape(2, 3, 2) % 4, 2, 2), normal((2, 3, 4, 2))),
    Case("gather_batch_neg", "gather", _gather_bd_fn([[[0], [1]], [[1], [1]]], np.int64, 2, -1),
         _gather_bd([[[0], [1]], [[1], [1]]], 2, 2), normal((2, 2, 2))),
    Case("gather_batch_all_index_dims", "gather", _gather_bd_fn([1, 0, 2], np.int32, 1, 1),
         _gather_bd([1, 0, 2], 1, 1), normal((3, 3, 2))),

    # --- unsorted_segment_sum: rows summed by id; negative ids dropped; gradient = gather
    Case("uss_basic_int32", "unsorted_segment_sum", _uss_fn([0, 2, 2, 1, 0, 3], np.int32, 4),
         _uss([0, 2, 2, 1, 0, 3], 4), normal((6, 3))),
    Case("uss_basic_int64", "unsorted_segment_sum", _uss_fn([1, 1, 0], np.int64, 2),
         _uss([1, 1, 0], 2), normal((3, 2, 2))),
    Case("uss_1d_data", "unsorted_segment_sum", _uss_fn([2, 0, 2, 2, 1], np.int64, 3),
         _uss([2, 0, 2, 2, 1], 3), normal((5,))),
    Case("uss_negative_ids", "unsorted_segment_sum", _uss_fn([1, -1, 1, -3, 0], np.int32, 3),
         _uss([1, -1, 1, -3, 0], 3), normal((5, 2))),
    Case("uss_all_negative", "unsorted_segment_sum", _uss_fn([-1, -2], np.int64, 2),
         _uss([-1, -2], 2), normal((2, 3))),
    Case("uss_more_segments_than_ids", "unsorted_segment_sum", _uss_fn([2, 0, 2], np.int32, 7),
         _uss([2, 0, 2], 7), normal((3, 2))),
    Case("uss_2d_ids", "unsorted_segment_sum", _uss_fn([[0, 3, 0], [-1, 1, 3]], np.int64, 5),
         _uss([[0, 3, 0], [-1, 1, 3]], 5), normal((2, 3, 4))),
    Case("uss_2d_ids_exact_shape", "unsorted_segment_sum", _uss_fn([[1, 1], [0, -2]], np.int32, 2),
         _uss([[1, 1], [0, -2]], 2), normal((2, 2))),
    Case("uss_then_square", ("unsorted_segment_sum", "square"),
         lambda d: tf.square(tf.math.unsorted_segment_sum(d, tf.constant(np.array([1, -1, 1, 0], np.int64)), 3)),
         lambda d: _uss([1, -1, 1, 0], 3)(d) ** 2, normal((4, 2))),
    Case("uss_of_gather", ("gather", "unsorted_segment_sum"),
         lambda p: tf.math.unsorted_segment_sum(
             tf.gather(p, tf.constant(np.array([0, 2, 2, 1], np.int32))) * tf.gather(p, tf.constant(np.array([1, 1, 0, 2], np.int32))),
             tf.constant(np.array([1, 0, -1, 1], np.int64)), 2),
         lambda p: _uss([1, 0, -1, 1], 2)(np.take(p, [0, 2, 2, 1], 0) * np.take(p, [1, 1, 0, 2], 0)),
         normal((3, 2))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


# ----------------------------------------------------------------------------------------------
# exact gradients, dtypes, errors

def _grad(f, *xs, seed=None):
    ts = [tf.constant(x) for x in xs]
    with tf.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    return y, tape.gradient(y, ts, output_gradients=None if seed is None else tf.constant(seed))


def test_where_gradients_are_exact_masks_summed_to_shape():
    cond = _C34
    x = np.arange(3.0).reshape(3, 1)
    y = np.arange(4.0)
    seed = np.arange(12.0).reshape(3, 4) + 1
    out, (gx, gy) = _grad(lambda a, b: tf.where(tf.constant(cond), a, b), x, y, seed=seed)
    np.testing.assert_array_equal(out.numpy(), np.where(cond, x, y))
    np.testing.assert_array_equal(gx.numpy(), np.where(cond, seed, 0).sum(1, keepdims=True))
    np.testing.assert_array_equal(gy.numpy(), np.where(cond, 0, seed).sum(0))
    assert gx.dtype == tf.float64 and gy.dtype == tf.float64


def test_where_no_gradient_to_cond_source():
    x = tf.constant(np.array([-2.0, -0.5, 0.5, 3.0]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.where(x > 0.0, tf.ones_like(x), tf.zeros_like(x))
    assert tape.gradient(y, x) is None
    np.testing.assert_array_equal(y.numpy(), [0.0, 0.0, 1.0, 1.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64, np.bool_])
def test_where_every_dtype_forward(dtype):
    rng = np.random.default_rng(0)
    cond = rng.random((7, 1, 5)) < 0.5
    x = (rng.integers(-50, 50, (1, 3, 5))).astype(dtype)
    y = (rng.integers(-50, 50, (3, 1))).astype(dtype)
    got = tf.where(tf.constant(cond), tf.constant(x), tf.constant(y))
    assert got.dtype == tf.as_dtype(dtype)
    np.testing.assert_array_equal(got.numpy(), np.where(cond, x, y))


def test_where_large_and_empty():
    rng = np.random.default_rng(1)
    n = 1_000_003
    cond = rng.random(n) < 0.3
    x = rng.standard_normal(n).astype(np.float32)
    got = tf.where(tf.constant(cond), tf.constant(x), tf.constant(np.float32(-1.0)))
    np.testing.assert_array_equal(got.numpy(), np.where(cond, x, np.float32(-1.0)))
    empty = tf.where(tf.constant(np.zeros((0, 3), bool)), tf.constant(np.ones((1, 3))), tf.constant(2.0, dtype=tf.float64))
    assert tuple(empty.shape) == (0, 3)


def test_where_errors():
    x = tf.constant(np.ones((2, 3)))
    with pytest.raises(TypeError, match=r"where: condition must be a bool tensor, got a float64 tensor"):
        tf.where(x, x, x)
    with pytest.raises(TypeError, match=r"where"):
        tf.where(tf.constant(np.ones((2, 3), bool)), x, tf.constant(np.ones((2, 3), np.float32)))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.where(tf.constant(np.ones((2, 3), bool)), x, tf.constant(np.ones((4,))))
    with pytest.raises(ValueError, match=r"both"):
        tf.where(tf.constant(True), x)


def test_gather_gradient_with_repeated_indices_is_exact():
    p = np.arange(12.0).reshape(4, 3)
    idx = np.array([[3, 1], [3, 3]], np.int32)
    seed = np.arange(12.0).reshape(2, 2, 3) + 1
    out, (g,) = _grad(lambda t: tf.gather(t, tf.constant(idx)), p, seed=seed)
    np.testing.assert_array_equal(out.numpy(), p[idx])
    want = np.zeros_like(p)
    np.add.at(want, idx.ravel(), seed.reshape(-1, 3))
    np.testing.assert_array_equal(g.numpy(), want)
    # along axis 1
    idx1 = np.array([2, 0, 2, 2], np.int64)
    seed1 = np.arange(16.0).reshape(4, 4)
    out, (g,) = _grad(lambda t: tf.gather(t, tf.constant(idx1), axis=1), p, seed=seed1)
    np.testing.assert_array_equal(out.numpy(), p[:, idx1])
    want = np.zeros_like(p)
    for j, i in enumerate(idx1):
        want[:, i] += seed1[:, j]
    np.testing.assert_array_equal(g.numpy(), want)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64, np.bool_])
@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2])
def test_gather_every_dtype_and_axis(dtype, axis):
    rng = np.random.default_rng(2)
    p = rng.integers(-9, 9, (4, 5, 3)).astype(dtype)
    idx = rng.integers(0, p.shape[axis], (2, 3))
    for idt in (np.int32, np.int64):
        got = tf.gather(tf.constant(p), tf.constant(idx.astype(idt)), axis=axis)
        assert got.dtype == tf.as_dtype(dtype)
        np.testing.assert_array_equal(got.numpy(), np.take(p, idx, axis=axis))


def test_gather_large_and_empty():
    rng = np.random.default_rng(3)
    p = rng.standard_normal((1000, 7))
    idx = rng.integers(0, 1000, 200_003)
    np.testing.assert_array_equal(tf.gather(tf.constant(p), tf.constant(idx)).numpy(), p[idx])
    empty = tf.gather(tf.constant(p), tf.constant(np.zeros((0,), np.int32)))
    assert tuple(empty.shape) == (0, 7)
    empty2 = tf.gather(tf.constant(p), tf.constant(np.zeros((2, 0), np.int64)), axis=1)
    assert tuple(empty2.shape) == (1000, 2, 0)
    # a Python list / numpy array of ints works as indices
    np.testing.assert_array_equal(tf.gather(tf.constant(p), np.array([5, 1])).numpy(), p[[5, 1]])


def test_gather_of_variable_gradient_is_dense():
    v = tf.Variable(np.arange(8.0).reshape(4, 2))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, tf.constant(np.array([3, 0, 3], np.int64))) * 2.0)
    g = tape.gradient(y, v)
    np.testing.assert_array_equal(g.numpy(), [[2.0, 2.0], [0.0, 0.0], [0.0, 0.0], [4.0, 4.0]])
    assert float(y) == 2.0 * (6 + 7 + 0 + 1 + 6 + 7)


def test_gather_python_int_indices():
    # TF converts Python ints to an int32 tensor: tf.gather(x, [0, 2]) and tf.gather(x, 1) are
    # the usual calls, and the gradient flows as with a tensor of indices.
    p = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(tf.gather(tf.constant(p), [3, 0, 3]).numpy(), p[[3, 0, 3]])
    np.testing.assert_array_equal(tf.gather(tf.constant(p), [[1], [2]], axis=1).numpy(), p[:, [[1], [2]]])
    np.testing.assert_array_equal(tf.gather(tf.constant(p), 1).numpy(), p[1])


def test_gather_errors():
    p = tf.constant(np.ones((3, 2)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"gather: indices\[1\] = 3 is not in \[0, 3\)"):
        tf.gather(p, tf.constant(np.array([0, 3], np.int32)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"-1 is not in \[0, 3\)"):
        tf.gather(p, tf.constant(np.array([-1], np.int64)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"axis"):
        tf.gather(p, tf.constant(np.array([0], np.int64)), axis=2)
    with pytest.raises(TypeError, match=r"gather: indices must be an int32 or int64 tensor, got a float64 tensor"):
        tf.gather(p, tf.constant(np.array([0.0, 1.0])))
    with pytest.raises(TypeError, match=r"gather: indices must be an int32 or int64 tensor, got a bool tensor"):
        tf.gather(p, tf.constant(np.array([True])))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"scalar"):
        tf.gather(tf.constant(1.0), tf.constant(np.array([0], np.int32)))
    i = tf.constant(np.array([[0], [2], [1]], np.int32))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"gather: params.shape\[:1\] \[3\] must equal indices.shape\[:1\] \[2\]"):
        tf.gather(p, tf.constant(np.array([[0], [1]], np.int32)), batch_dims=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"gather: indices\[1\] = 2 is not in \[0, 2\)"):
        tf.gather(p, i, batch_dims=1)  # 2 would be the next batch element's row: not silently
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"gather: indices\[1\] = -2 is not in \[0, 2\)"):
        tf.gather(p, -i, batch_dims=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"gather: axis 0 must be in \[batch_dims, rank\(params\)\) = \[1, 2\)"):
        tf.gather(p, i, axis=0, batch_dims=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"gather: batch_dims 3 is out of range for indices of rank 2"):
        tf.gather(p, i, batch_dims=3)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"gather: batch_dims -3 is out of range"):
        tf.gather(p, i, batch_dims=-3)
    with pytest.raises(TypeError, match=r"gather: indices must be an int32 or int64 tensor, got float64"):
        tf.gather(p, np.array([[0.0], [1.0], [0.0]]), batch_dims=1)
    with pytest.raises(TypeError, match=r"gather: batch_dims must be an int, got 1.0"):
        tf.gather(p, i, batch_dims=1.0)


def test_gather_batch_dims_as_tf_docs():
    # tf.gather's documented batch_dims example: per-batch lookups, and the shape rule
    # params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis + 1:].
    params = tf.constant([[0, 1.0, 2.0], [10.0, 11.0, 12.0], [20.0, 21.0, 22.0]])
    got = tf.gather(params, np.array([[0, 1], [1, 2], [2, 0]]), batch_dims=1)
    np.testing.assert_array_equal(got.numpy(), [[0, 1], [11, 12], [22, 20]])
    p = tf.zeros((2, 5, 4, 3))
    assert tf.gather(p, np.zeros((2, 6, 7), np.int64), axis=2, batch_dims=1).shape == (2, 5, 6, 7, 3)
    assert tf.gather(p, np.zeros((2, 5), np.int64), axis=2, batch_dims=2).shape == (2, 5, 3)
    assert tf.gather(p, np.zeros((2, 0), np.int32), batch_dims=1).shape == (2, 0, 4, 3)
    # params converted as the op converts them: a numpy int array stays int, a list of Python
    # ints is int32 (as TF)
    got = tf.gather(np.array([[1, 2], [3, 4]]), np.array([[1], [0]]), batch_dims=1)
    assert got.dtype == tf.int64 and got.numpy().tolist() == [[2], [3]]
    assert tf.gather([[1, 2], [3, 4]], np.array([[1], [0]]), batch_dims=1).dtype == tf.int32
    v = tf.Variable(np.arange(6.0).reshape(2, 3))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, np.array([[2, 2], [0, 1]]), batch_dims=1) * [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [[0, 0, 3], [3, 4, 0]])


def test_uss_gradient_drops_negative_ids_exactly():
    d = np.arange(10.0).reshape(5, 2)
    ids = np.array([1, -1, 1, -3, 0], np.int64)
    seed = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    out, (g,) = _grad(lambda t: tf.math.unsorted_segment_sum(t, tf.constant(ids), 3), d, seed=seed)
    np.testing.assert_array_equal(out.numpy(), [[8.0, 9.0], [4.0, 6.0], [0.0, 0.0]])
    np.testing.assert_array_equal(g.numpy(), [[3.0, 4.0], [0.0, 0.0], [3.0, 4.0], [0.0, 0.0], [1.0, 2.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_uss_every_dtype(dtype):
    rng = np.random.default_rng(4)
    ids = rng.integers(-2, 6, (4, 3))
    d = rng.integers(-100, 100, (4, 3, 2)).astype(dtype)
    for idt in (np.int32, np.int64):
        got = tf.math.unsorted_segment_sum(tf.constant(d), tf.constant(ids.astype(idt)), 8)
        assert got.dtype == tf.as_dtype(dtype)
        want = np.zeros((8, 2), dtype)
        for j, s in enumerate(ids.ravel()):
            if s >= 0:
                want[s] += d.reshape(12, 2)[j]
        np.testing.assert_array_equal(got.numpy(), want)


def test_uss_large_matches_bincount():
    rng = np.random.default_rng(5)
    n = 1_000_003
    ids = rng.integers(-1, 50, n)
    d = rng.integers(-1000, 1000, n).astype(np.float64)  # integer-valued: sums are exact
    got = tf.math.unsorted_segment_sum(tf.constant(d), tf.constant(ids), 50)
    keep = ids >= 0
    np.testing.assert_array_equal(got.numpy(), np.bincount(ids[keep], weights=d[keep], minlength=50))


def test_uss_scalar_ids():
    d = np.arange(6.0).reshape(2, 3)
    got = tf.math.unsorted_segment_sum(tf.constant(d), tf.constant(np.int32(1)), 3)  # ids.shape () is a prefix
    np.testing.assert_array_equal(got.numpy(), np.stack([np.zeros_like(d), d, np.zeros_like(d)]))


def test_uss_python_int_ids():
    # TF converts a list of Python ints to an int32 tensor of segment ids.
    d = np.arange(6.0).reshape(2, 3)
    got = tf.math.unsorted_segment_sum(tf.constant(d), [1, -1], 2)
    np.testing.assert_array_equal(got.numpy(), [[0.0, 0.0, 0.0], [0.0, 1.0, 2.0]])


def test_uss_errors():
    d = tf.constant(np.ones((3, 2)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"segment_ids\[2\] = 4 is out of range \[0, 4\)"):
        tf.math.unsorted_segment_sum(d, tf.constant(np.array([0, 1, 4], np.int32)), 4)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"prefix"):
        tf.math.unsorted_segment_sum(d, tf.constant(np.array([0, 1], np.int32)), 4)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"num_segments must be >= 0"):
        tf.math.unsorted_segment_sum(d, tf.constant(np.array([0, 1, 0], np.int32)), -1)
    with pytest.raises(TypeError, match=r"segment_ids must be an int32 or int64 tensor"):
        tf.math.unsorted_segment_sum(d, tf.constant(np.array([0.0, 1.0, 0.0])), 2)
    with pytest.raises(TypeError, match=r"bool"):
        tf.math.unsorted_segment_sum(tf.constant(np.ones(3, bool)), tf.constant(np.array([0, 1, 0])), 2)
    zero = tf.math.unsorted_segment_sum(d, tf.constant(np.array([-1, -1, -1], np.int64)), 0)
    assert tuple(zero.shape) == (0, 2)


@pytest.mark.parametrize("dtype", [np.bool_, np.int32, np.float32, np.float64, np.int64])
@pytest.mark.parametrize("bad_at", [0, 5, 999])
def test_gather_one_element_rows_check_every_index(dtype, bad_at):
    # 1-, 4- and 8-byte rows are copied as values with the range checked on the way: the
    # first bad index is named wherever it is, and a good call equals np.take.
    rng = np.random.default_rng(5)
    p = rng.integers(0, 2, 50).astype(dtype)
    for idt in (np.int32, np.int64):
        idx = rng.integers(0, 50, 1000).astype(idt)
        np.testing.assert_array_equal(tf.gather(tf.constant(p), tf.constant(idx)).numpy(), np.take(p, idx))
        np.testing.assert_array_equal(tf.gather(tf.constant(p.reshape(1, 50)), tf.constant(idx), axis=1).numpy(),
                                      np.take(p.reshape(1, 50), idx, axis=1))
        for bad in (50, -1):
            b = idx.copy()
            b[bad_at] = bad
            b[-1] = 51  # a later bad index is not the one named
            if bad_at == 999:
                b[-1] = bad
            with pytest.raises(tf.errors.InvalidArgumentError,
                               match=rf"gather: indices\[{bad_at}\] = {bad} is not in \[0, 50\)"):
                tf.gather(tf.constant(p), tf.constant(b))


def test_gather_gradient_drops_nothing_for_scalar_rows():
    # the vjp of a 1-D gather (unsorted_segment_sum with one-element rows) against np.add.at
    rng = np.random.default_rng(6)
    p = tf.constant(rng.standard_normal(7))
    idx = rng.integers(0, 7, 40)
    w = rng.standard_normal(40)
    with tf.GradientTape() as tape:
        tape.watch(p)
        y = tf.reduce_sum(tf.gather(p, idx) * w)
    want = np.zeros(7)
    np.add.at(want, idx, w)
    np.testing.assert_allclose(tape.gradient(y, p).numpy(), want, rtol=1e-12)
