"""tapegrad.ragged / tapegrad.sparse / tapegrad.random against TensorFlow 2.21.

The literals are TF 2.21's output (run in a venv with TensorFlow; the differential scripts are
described in /work/notes/helper_s23_ragged.md). Random values cannot match TF's streams: those
tests check TF's dtypes, shapes, argument rules and errors, the distributions' moments, and
that seeds repeat within tapegrad.
"""

import math

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError

R = tf.RaggedTensor
f32, i32, i64 = np.float32, np.int32, np.int64
V = np.array([3, 1, 4, 1, 5, 9, 2, 6], f32)
S = np.array([0, 4, 4, 7, 8, 8], i64)
LOWEST, HIGHEST = float(np.finfo(f32).min), float(np.finfo(f32).max)


def rt1():
    return R.from_row_splits(V, S)


def rt2():
    return R.from_nested_row_splits(np.arange(10, dtype=f32), [np.array([0, 2, 3, 5], i64),
                                                               np.array([0, 2, 2, 5, 6, 10], i64)])


def splits(x):
    return [s.numpy().tolist() for s in x.nested_row_splits]


def close(a, b, rtol=1e-6):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=rtol, atol=1e-6)


# == ragged: fixes ====================================================================================

@pytest.mark.parametrize("key, to_list, nested, shape", [
    # TF 2.21's output (TF's shapes show its uniform-row-length dimensions; tapegrad's are ragged)
    ((None,), [[[3.0, 1.0, 4.0, 1.0], [], [5.0, 9.0, 2.0], [6.0], []]], [[0, 5], [0, 4, 4, 7, 8, 8]],
     [1, None, None]),
    ((slice(None), None), [[[3.0, 1.0, 4.0, 1.0]], [[]], [[5.0, 9.0, 2.0]], [[6.0]], [[]]],
     [[0, 1, 2, 3, 4, 5], [0, 4, 4, 7, 8, 8]], [5, None, None]),
    ((Ellipsis, None), [[[3.0], [1.0], [4.0], [1.0]], [], [[5.0], [9.0], [2.0]], [[6.0]], []],
     [[0, 4, 4, 7, 8, 8]], [5, None, 1]),
])
def test_newaxis_in_ragged_indexing(key, to_list, nested, shape):
    out = rt1()[key]
    assert out.to_list() == to_list and splits(out) == nested and out.shape.as_list() == shape


def test_newaxis_ragged_rank_2():
    # TF 2.21's output
    out = rt2()[:, None, 1:]
    assert out.to_list() == [[[[]]], [[]], [[[6.0, 7.0, 8.0, 9.0]]]]
    assert splits(out) == [[0, 1, 2, 3], [0, 1, 1, 2], [0, 0, 4]]
    out = rt2()[:, :, None]
    assert splits(out) == [[0, 2, 3, 5], [0, 1, 2, 3, 4, 5], [0, 2, 2, 5, 6, 10]]
    assert out.to_list() == [[[[0.0, 1.0]], [[]]], [[[2.0, 3.0, 4.0]]], [[[5.0]], [[6.0, 7.0, 8.0, 9.0]]]]
    out = rt2()[0, None]
    assert out.to_list() == [[[0.0, 1.0], []]] and splits(out) == [[0, 2], [0, 2, 2]]
    # gradient through a newaxis slice: 1 where a value is kept
    x = tf.constant(V)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(R.from_row_splits(x, S)[:, None, 1:].flat_values)
    np.testing.assert_array_equal(t.gradient(y, x).numpy(), [0, 1, 1, 1, 0, 1, 1, 0])


def test_index_errors_are_tf_classes():
    # TF 2.21: rt[-6] is an InvalidArgumentError, rt[5] an IndexError ("Row key 5 out of
    # bounds"), too many indices an InvalidArgumentError: tapegrad's error is both.
    for key in (5, -6, (0, 1, 2)):
        with pytest.raises(InvalidArgumentError):
            rt1()[key]
        with pytest.raises(IndexError):
            rt1()[key]


def test_ragged_constant_of_a_scalar_is_a_scalar_tensor():
    out = tf.ragged.constant(3.0)  # TF 2.21: tf.Tensor(3.0, shape=(), dtype=float32)
    assert isinstance(out, tf.Tensor) and out.dtype == tf.float32 and out.shape == () and float(out) == 3.0
    out = tf.ragged.constant(3, dtype=tf.int32)  # TF 2.21: int32 3
    assert out.dtype == tf.int32 and int(out) == 3


def test_tf_error_classes_for_to_tensor_and_factories():
    # TF 2.21 raises InvalidArgumentError for each (tapegrad's is also a ValueError)
    with pytest.raises(InvalidArgumentError, match="must have 2 entries"):
        rt1().to_tensor(shape=[3])
    with pytest.raises(InvalidArgumentError, match="does not broadcast"):
        R.from_row_splits(np.ones((8, 2), f32), S).to_tensor(np.ones(3, f32))
    with pytest.raises(InvalidArgumentError, match="may not be empty"):
        R.from_row_splits(V, np.zeros(0, i64))
    with pytest.raises(InvalidArgumentError, match="rank >= 1"):
        R.from_row_splits(np.float32(1), [0, 1])
    # a bad axis comes before the dtype, as TF (ValueError "axis=2 out of bounds")
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        tf.reduce_mean(rt1() > 2, axis=2)


def test_row_splits_to_segment_ids_default_dtype():
    # TF 2.21: int64 unless the splits are a tensor (then its dtype)
    out = tf.ragged.row_splits_to_segment_ids(np.array([0, 2, 2, 5], i32))
    assert out.dtype == tf.int64 and out.numpy().tolist() == [0, 0, 2, 2, 2]
    assert tf.ragged.row_splits_to_segment_ids(tf.constant([0, 2], tf.int32)).dtype == tf.int32


def test_dense_operand_of_higher_rank_broadcasts_the_ragged_tensor():
    d = np.arange(10, dtype=f32).reshape(2, 5, 1)
    out = rt1() + d
    # TF 2.21's output (shape [2, 5, None]: tapegrad's outer dimension is ragged)
    assert out.to_list() == [[[3.0, 1.0, 4.0, 1.0], [], [7.0, 11.0, 4.0], [9.0], []],
                             [[8.0, 6.0, 9.0, 6.0], [], [12.0, 16.0, 9.0], [14.0], []]]
    assert splits(out) == [[0, 5, 10], [0, 4, 4, 7, 8, 8, 12, 12, 15, 16, 16]]
    out = tf.constant(d) * rt1()
    assert out.to_list() == [[[0.0, 0.0, 0.0, 0.0], [], [10.0, 18.0, 4.0], [18.0], []],
                             [[15.0, 5.0, 20.0, 5.0], [], [35.0, 63.0, 14.0], [48.0], []]]
    x, dd = tf.constant(V), tf.constant(d)
    with tf.GradientTape(persistent=True) as t:
        t.watch([x, dd])
        y = R.from_row_splits(x, S) * dd
        s = tf.reduce_sum(y.flat_values * y.flat_values)
    # TF 2.21's gradients
    close(t.gradient(s, x).numpy(), [150.0, 50.0, 200.0, 50.0, 530.0, 954.0, 212.0, 876.0])
    close(t.gradient(s, dd).numpy().ravel(), [0.0, 0.0, 440.0, 216.0, 0.0, 270.0, 0.0, 1540.0, 576.0, 0.0])
    with pytest.raises(InvalidArgumentError, match="does not broadcast"):
        rt1() + np.ones((2, 4, 1), f32)


# == ragged: agreements ===============================================================================

# TF 2.21's output; LOWEST / HIGHEST are float32's, for empty rows (as TF)
REDUCE = {
    ("reduce_sum", 0): [14.0, 10.0, 6.0, 1.0], ("reduce_sum", 1): [9.0, 0.0, 16.0, 6.0, 0.0],
    ("reduce_mean", 0): [4.666666507720947, 5.0, 3.0, 1.0],
    ("reduce_mean", 1): [2.25, math.nan, 5.333333492279053, 6.0, math.nan],
    ("reduce_max", 0): [6.0, 9.0, 4.0, 1.0], ("reduce_max", 1): [4.0, LOWEST, 9.0, 6.0, LOWEST],
    ("reduce_min", 0): [3.0, 1.0, 2.0, 1.0], ("reduce_min", 1): [1.0, HIGHEST, 2.0, 6.0, HIGHEST],
    ("reduce_prod", 0): [90.0, 9.0, 8.0, 1.0], ("reduce_prod", 1): [12.0, 1.0, 90.0, 6.0, 1.0],
}
REDUCE2 = {  # rt2 (ragged rank 2): to_list of the result, TF 2.21's
    ("reduce_sum", 0): [[7.0, 4.0, 4.0], [6.0, 7.0, 8.0, 9.0]],
    ("reduce_sum", 1): [[0.0, 1.0], [2.0, 3.0, 4.0], [11.0, 7.0, 8.0, 9.0]],
    ("reduce_sum", 2): [[1.0, 0.0], [9.0], [5.0, 30.0]],
    ("reduce_mean", 0): [[2.3333332538604736, 2.0, 4.0], [6.0, 7.0, 8.0, 9.0]],
    ("reduce_mean", 2): [[0.5, math.nan], [3.0], [5.0, 7.5]],
    ("reduce_max", 0): [[5.0, 3.0, 4.0], [6.0, 7.0, 8.0, 9.0]],
    ("reduce_max", 2): [[1.0, LOWEST], [4.0], [5.0, 9.0]],
    ("reduce_min", 0): [[0.0, 1.0, 4.0], [6.0, 7.0, 8.0, 9.0]],
    ("reduce_min", 2): [[0.0, HIGHEST], [2.0], [5.0, 6.0]],
    ("reduce_prod", 0): [[0.0, 3.0, 4.0], [6.0, 7.0, 8.0, 9.0]],
    ("reduce_prod", 1): [[0.0, 1.0], [2.0, 3.0, 4.0], [30.0, 7.0, 8.0, 9.0]],
    ("reduce_prod", 2): [[0.0, 1.0], [24.0], [5.0, 3024.0]],
}


@pytest.mark.parametrize("fn, axis", sorted(REDUCE))
def test_ragged_reductions_match_tf(fn, axis):
    out = getattr(tf, fn)(rt1(), axis=axis)
    assert out.dtype == tf.float32
    close(out.numpy(), REDUCE[fn, axis])


@pytest.mark.parametrize("fn, axis", sorted(REDUCE2))
def test_ragged_rank_2_reductions_match_tf(fn, axis):
    out = getattr(tf, fn)(rt2(), axis=axis)
    want = REDUCE2[fn, axis]
    assert [len(r) for r in out.to_list()] == [len(r) for r in want]
    close(np.concatenate(out.to_list()), np.concatenate(want))


def test_ragged_indexing_and_conversions_match_tf():
    # TF 2.21's output
    assert rt1()[:, 1:].to_list() == [[1.0, 4.0, 1.0], [], [9.0, 2.0], [], []]
    assert rt1()[::-2].to_list() == [[], [5.0, 9.0, 2.0], [3.0, 1.0, 4.0, 1.0]]
    assert rt1()[:, ::-1].to_list() == [[1.0, 4.0, 1.0, 3.0], [], [2.0, 9.0, 5.0], [6.0], []]
    assert rt1()[:, -2:].to_list() == [[4.0, 1.0], [], [9.0, 2.0], [6.0], []]
    assert rt1().to_tensor(-1.0).numpy().tolist() == [
        [3.0, 1.0, 4.0, 1.0], [-1.0] * 4, [5.0, 9.0, 2.0, -1.0], [6.0, -1.0, -1.0, -1.0], [-1.0] * 4]
    assert rt1().to_tensor(shape=[3, 2]).numpy().tolist() == [[3.0, 1.0], [0.0, 0.0], [5.0, 9.0]]
    out = tf.concat([rt1(), rt1() * 2], axis=1)
    assert out.to_list() == [[3.0, 1.0, 4.0, 1.0, 6.0, 2.0, 8.0, 2.0], [],
                             [5.0, 9.0, 2.0, 10.0, 18.0, 4.0], [6.0, 12.0], []]
    out = tf.ragged.stack([rt1(), rt1() * 2], axis=1)
    assert splits(out) == [[0, 2, 4, 6, 8, 10], [0, 4, 8, 8, 8, 11, 14, 15, 16, 16, 16]]
    out = rt1() + np.arange(1, 6, dtype=f32).reshape(5, 1)
    assert out.to_list() == [[4.0, 2.0, 5.0, 2.0], [], [8.0, 12.0, 5.0], [10.0], []]
    assert R.from_row_splits(V, S.astype(i32)).row_splits.dtype == tf.int32


@pytest.mark.parametrize("name, fn, g1, g2", [
    # TF 2.21's first and second order gradients of sum(out**2/2 + out) (g2: of sum(g1**2))
    ("reduce_max ax1", lambda r: tf.reduce_max(r, axis=1),
     [0.0, 0.0, 5.0, 0.0, 0.0, 10.0, 0.0, 7.0], [0.0, 0.0, 10.0, 0.0, 0.0, 20.0, 0.0, 14.0]),
    ("reduce_prod ax0", lambda r: tf.reduce_prod(r, axis=0),
     [2730.0, 90.0, 18.0, 2.0, 1638.0, 10.0, 36.0, 1365.0],
     [10942386.0, 14960.0, 1368.0, 4.0, 8473373.0, 3440.0, 1764.0, 7334418.0]),
    ("to_tensor", lambda r: r.to_tensor(),
     [4.0, 2.0, 5.0, 2.0, 6.0, 10.0, 3.0, 7.0], [8.0, 4.0, 10.0, 4.0, 12.0, 20.0, 6.0, 14.0]),
    ("reduce_mean ax0", lambda r: tf.reduce_mean(r, axis=0),
     [1.8888888359069824, 3.0, 2.0, 2.0, 1.8888888359069824, 3.0, 2.0, 1.8888888359069824],
     [1.2592592239379883, 3.0, 2.0, 4.0, 1.2592592239379883, 3.0, 2.0, 1.2592592239379883]),
])
def test_ragged_gradients_match_tf(name, fn, g1, g2):
    x = tf.constant(V)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            out = fn(R.from_row_splits(x, S))
            s = tf.reduce_sum(out * out * 0.5 + out)
        g = t1.gradient(s, x)
        s2 = tf.reduce_sum(g * g)
    close(g.numpy(), g1, 1e-5)
    close(t2.gradient(s2, x).numpy(), g2, 1e-5)


# == sparse ===========================================================================================

IDX = np.array([[0, 1], [1, 0], [1, 2], [2, 3]], i64)
VAL = np.array([1.5, -2.0, 3.0, 4.0], f32)
SH = [3, 4]


def sp(idx=IDX, val=VAL):
    return tf.SparseTensor(idx, val, SH)


def test_sparse_truediv_of_integers_is_float64():
    # TF 2.21: `/` casts int32 / int64 values (and the dense side) to float64
    s64 = tf.SparseTensor([[0], [1], [2]], np.array([-7, 7, 9], i64), [3])
    out = (s64 / 2).values
    assert out.dtype == tf.float64 and out.numpy().tolist() == [-3.5, 3.5, 4.5]
    s32 = tf.SparseTensor([[0], [1], [2]], np.array([-7, 7, 9], i32), [3])
    out = (s32 / np.array([2, -4, 3], i32)).values
    assert out.dtype == tf.float64 and out.numpy().tolist() == [-3.5, -1.75, 3.0]
    out = (s32 * 2).values  # multiplication keeps the dtype
    assert out.dtype == tf.int32 and out.numpy().tolist() == [-14, 14, 18]


def test_to_dense_repeated_indices_last_wins():
    # TF 2.21 (validate_indices=False): the last of repeated indices wins
    out = tf.sparse.to_dense(sp(np.array([[0, 1], [1, 0], [1, 0], [2, 3]], i64)), validate_indices=False)
    assert out.numpy().tolist() == [[0.0, 1.5, 0.0, 0.0], [3.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 4.0]]
    out = tf.sparse.to_dense(sp(np.array([[1, 0], [0, 1], [1, 0], [1, 0]], i64)), validate_indices=False)
    assert out.numpy().tolist() == [[0.0, -2.0, 0.0, 0.0], [4.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    # the gradient goes to the entry that is kept
    v = tf.constant(VAL)
    with tf.GradientTape() as t:
        t.watch(v)
        d = tf.sparse.to_dense(sp(np.array([[0, 1], [1, 0], [1, 0], [2, 3]], i64), v), validate_indices=False)
        y = tf.reduce_sum(d * np.arange(12, dtype=f32).reshape(3, 4))
    np.testing.assert_array_equal(t.gradient(y, v).numpy(), [1.0, 0.0, 4.0, 11.0])


def test_sparse_bincount_dtypes():
    out = tf.sparse.bincount(np.array([1, 1, 3, 0, 5], i32))
    # TF 2.21: int32 counts for int32 values
    assert out.values.dtype == tf.int32
    assert out.indices.numpy().tolist() == [[0], [1], [3], [5]] and out.values.numpy().tolist() == [1, 2, 1, 1]
    assert out.dense_shape.numpy().tolist() == [6]
    out = tf.sparse.bincount(np.array([[1, 1, 3], [0, 0, 2]], i32), axis=-1, binary_output=True)
    assert out.values.dtype == tf.int32
    assert out.indices.numpy().tolist() == [[0, 1], [0, 3], [1, 0], [1, 2]] and out.values.numpy().tolist() == [1] * 4
    assert tf.sparse.bincount(np.array([1, 2], i64)).values.dtype == tf.int64
    with pytest.raises(ValueError, match="mutually exclusive"):  # TF 2.21: ValueError
        tf.sparse.bincount(np.array([1, 1], i32), weights=np.ones(2, f32), binary_output=True)


def test_sparse_add_threshold_follows_tf_docs():
    # TF 2.21's kernel thresholds only the sums of indices present in both operands (its
    # singletons 0.1 and 0.2 survive threshold=1.0); its documentation (the .1 / -.2 example)
    # thresholds every output value, which tapegrad does.
    a = tf.SparseTensor([[0, 0], [0, 1]], [0.1, 5.0], [2, 2])
    b = tf.SparseTensor([[0, 1], [1, 1]], [-4.5, 0.2], [2, 2])
    assert tf.sparse.add(a, b, threshold=1.0).values.shape == (0,)
    # threshold 0 (the default) matches TF 2.21 exactly
    out = tf.sparse.add(sp(), sp(np.array([[0, 1], [0, 3], [1, 2], [2, 2]], i64),
                                 np.array([1.0, 5.0, -3.0, 0.5], f32)))
    assert out.indices.numpy().tolist() == [[0, 1], [0, 3], [1, 0], [1, 2], [2, 2], [2, 3]]
    assert out.values.numpy().tolist() == [2.5, 5.0, -2.0, 0.0, 0.5, 4.0]


M = np.arange(8, dtype=f32).reshape(4, 2) - 3


def test_sparse_dense_matmul_matches_tf():
    # TF 2.21's output
    close(tf.sparse.sparse_dense_matmul(sp(), M).numpy(), [[-1.5, 0.0], [9.0, 10.0], [12.0, 16.0]])
    close(tf.sparse.sparse_dense_matmul(sp(), np.arange(6, dtype=f32).reshape(2, 3), adjoint_a=True,
                                        adjoint_b=True).numpy(),
          [[-2.0, -8.0], [0.0, 4.5], [3.0, 12.0], [8.0, 20.0]])
    close(tf.sparse.sparse_dense_matmul(np.arange(6, dtype=f32).reshape(2, 3), sp()).numpy(),
          [[-2.0, 0.0, 3.0, 8.0], [-8.0, 4.5, 12.0, 20.0]])
    vv, mm = tf.constant(VAL), tf.constant(M)
    with tf.GradientTape(persistent=True) as t2:
        t2.watch([vv, mm])
        with tf.GradientTape(persistent=True) as t1:
            t1.watch([vv, mm])
            out = tf.sparse.sparse_dense_matmul(tf.SparseTensor(IDX, vv, SH), mm)
            s = tf.reduce_sum(out * out * 0.5 + out)
        gv, gm = t1.gradient(s, [vv, mm])
        s2 = tf.reduce_sum(gv * gv) + tf.reduce_sum(gm * gm)
    hv, hm = t2.gradient(s2, [vv, mm])
    # TF 2.21's first and second order gradients
    close(gv.numpy(), [0.5, -52.0, 32.0, 107.0])
    close(gm.numpy(), [[-20.0, -22.0], [-0.75, 1.5], [30.0, 33.0], [52.0, 68.0]])
    close(hv.numpy(), [7.0, -4036.0, 3206.0, 12438.0])
    close(hm.numpy(), [[-2312.0, -2388.0], [-5.375, 7.75], [2548.0, 2570.0], [7014.0, 9238.0]])


def test_sparse_reductions_softmax_and_ops_match_tf():
    # TF 2.21's output
    close(tf.sparse.reduce_sum(sp(), axis=1).numpy(), [1.5, 1.0, 4.0])
    close(tf.sparse.reduce_sum(sp(), axis=0, keepdims=True).numpy(), [[-2.0, 1.5, 3.0, 4.0]])
    assert float(tf.sparse.reduce_sum(sp())) == 6.5
    neg = sp(val=-np.abs(VAL))
    close(tf.sparse.reduce_max(neg, axis=1).numpy(), [-1.5, -2.0, -4.0])
    close(tf.sparse.reduce_max(neg, axis=0, keepdims=True).numpy(), [[-2.0, -1.5, -3.0, -4.0]])
    out = tf.sparse.reduce_max(neg, axis=1, output_is_sparse=True)
    assert out.indices.numpy().tolist() == [[0], [1], [2]] and out.values.numpy().tolist() == [-1.5, -2.0, -4.0]
    close(tf.sparse.softmax(sp()).values.numpy(), [1.0, 0.006692850962281227, 0.9933071732521057, 1.0])
    v = tf.constant(VAL)
    with tf.GradientTape() as t:
        t.watch(v)
        s = tf.reduce_sum(tf.sparse.softmax(tf.SparseTensor(IDX, v, SH)).values * np.array([1, 2, 3, 4], f32))
    close(t.gradient(s, v).numpy(), [0.0, -0.006648058071732521, 0.006647855043411255, 0.0], 1e-4)
    out = tf.sparse.slice(sp(), [1, 0], [5, 5])
    assert out.indices.numpy().tolist() == [[0, 0], [0, 2], [1, 3]] and out.dense_shape.numpy().tolist() == [2, 4]
    out, empty = tf.sparse.fill_empty_rows(tf.SparseTensor([[0, 1], [2, 0]], [1.0, 2.0], [4, 3]), -1.0)
    assert out.indices.numpy().tolist() == [[0, 1], [1, 0], [2, 0], [3, 0]]
    assert out.values.numpy().tolist() == [1.0, -1.0, 2.0, -1.0] and empty.numpy().tolist() == [False, True, False, True]


@pytest.mark.parametrize("combiner, want", [
    # TF 2.21's tf.nn.embedding_lookup_sparse rows 0 and 2 (row 1 is zeros)
    ("sum", [[2.8000001907348633, 3.0999999046325684, 3.4000000953674316, 3.700000047683716],
             [2.8000001907348633, 3.25, 3.700000047683716, 4.149999618530273]]),
    ("mean", [[0.9333333969116211, 1.0333333015441895, 1.1333333253860474, 1.2333333492279053],
              [0.6222222447395325, 0.7222222089767456, 0.8222222328186035, 0.9222221374511719]]),
    ("sqrtn", [[1.2521981000900269, 1.386362075805664, 1.5205262899398804, 1.6546902656555176],
               [0.8745731115341187, 1.0151294469833374, 1.1556857824325562, 1.296242117881775]]),
])
def test_embedding_lookup_sparse_matches_tf(combiner, want):
    P = np.arange(20, dtype=f32).reshape(5, 4) / 10
    where = [[0, 0], [0, 1], [2, 0], [2, 1], [2, 2]]
    ids = tf.SparseTensor(where, np.array([1, 3, 0, 4, 1], i64), [4, 3])
    w = tf.SparseTensor(where, np.array([1.0, 2.0, 0.5, 1.0, 3.0], f32), [4, 3])
    out = tf.nn.embedding_lookup_sparse(P, ids, w, combiner=combiner).numpy()
    assert out.shape == (3, 4)
    close(out[[0, 2]], want, 1e-5)
    safe = tf.nn.safe_embedding_lookup_sparse(P, ids, w, combiner=combiner).numpy()
    assert safe.shape == (4, 4) and not safe[[1, 3]].any()
    close(safe[[0, 2]], want, 1e-5)


# == random ===========================================================================================

def test_uniform_float32_never_returns_maxval():
    # seed 24's first 2**21 float64 draws hold one that rounds to 1.0 in float32: TF's
    # [minval, maxval) keeps it below
    tf.random.set_seed(24)
    u = tf.random.uniform([2 ** 21]).numpy()
    assert u.max() < 1.0 and u.min() >= 0.0
    u = tf.random.stateless_uniform([2 ** 21], seed=[4, 0]).numpy()
    assert u.max() < 1.0


def test_uniform_float_bounds_as_tf():
    # TF 2.21: minval == maxval gives minval; minval > maxval is allowed for floats
    np.testing.assert_array_equal(tf.random.uniform([3], 2.0, 2.0).numpy(), [2.0, 2.0, 2.0])
    u = tf.random.uniform([1000], 5.0, 1.0).numpy()
    assert u.min() > 1.0 and u.max() <= 5.0
    assert tf.random.stateless_uniform([3], [1, 2], minval=1.0).numpy().tolist() == [1.0, 1.0, 1.0]
    # tensor bounds broadcast with the shape (TF 2.21: shape [2, 3])
    lo = tf.constant([0.0, 10.0, 20.0])
    u = tf.random.uniform([2, 3], minval=lo, maxval=lo + 1.0).numpy()
    assert u.shape == (2, 3) and (u >= [0, 10, 20]).all() and (u < [1, 11, 21]).all()
    with pytest.raises(InvalidArgumentError, match="Need minval < maxval"):  # TF: InvalidArgumentError
        tf.random.uniform([3], 5, 2, dtype=tf.int32)
    with pytest.raises(InvalidArgumentError, match="0-D"):
        tf.random.uniform([3], tf.constant([0, 1, 2], tf.int32), 5, dtype=tf.int32)


def test_random_parameters_are_differentiable_as_tf():
    # TF 2.21: normal(mean=m, stddev=s) is z * s + m, uniform(minval=a, maxval=b) u * (b - a) + a
    m, s = tf.Variable(1.0), tf.Variable(2.0)
    tf.random.set_seed(3)
    with tf.GradientTape(persistent=True) as t:
        y = tf.random.normal([50], mean=m, stddev=s)
        total = tf.reduce_sum(y)
    assert float(t.gradient(total, m)) == 50.0  # TF 2.21 (3 draws): 3.0
    z = (y.numpy() - 1.0) / 2.0
    assert abs(float(t.gradient(total, s)) - z.sum()) < 1e-3
    a, b = tf.Variable(1.0), tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as t:
        u = tf.random.uniform([40], minval=a, maxval=b)
        total = tf.reduce_sum(u)
    frac = (u.numpy() - 1.0) / 2.0
    assert abs(float(t.gradient(total, a)) - (1 - frac).sum()) < 1e-3
    assert abs(float(t.gradient(total, b)) - frac.sum()) < 1e-3
    with tf.GradientTape() as t:
        total = tf.reduce_sum(tf.random.truncated_normal([30], mean=m))
    assert float(t.gradient(total, m)) == 30.0
    with pytest.raises(ValueError, match="float64 tensor"):  # TF 2.21: ValueError (no cast)
        tf.random.normal([2], mean=tf.constant(1.0, tf.float64))


def test_random_error_classes_and_small_rules_as_tf():
    with pytest.raises(InvalidArgumentError, match=">= 0"):  # TF: InvalidArgumentError
        tf.random.normal([2, -1])
    with pytest.raises(InvalidArgumentError, match="pair of ints"):
        tf.random.stateless_normal([2], seed=[1, 2, 3])
    with pytest.raises(ValueError, match="alg"):  # TF: ValueError
        tf.random.stateless_normal([2], seed=[1, 2], alg="nope")
    for alg in ("philox", "PHILOX", "auto_select", 1, 3, tf.random.Algorithm.PHILOX, None):
        assert tf.random.stateless_normal([2], seed=[1, 2], alg=alg).shape == (2,)
    # the full int range with minval=None, maxval=None (TF 2.21's stateless rule)
    x = tf.random.stateless_uniform([1000], [1, 2], minval=None, maxval=None, dtype=tf.int32)
    assert x.dtype == tf.int32 and x.numpy().min() < -2 ** 29 and x.numpy().max() > 2 ** 29
    with pytest.raises(ValueError, match="Must specify maxval"):
        tf.random.stateless_uniform([2], [1, 2], minval=None, maxval=5, dtype=tf.int32)
    out = tf.random.shuffle(tf.constant(3.0))  # TF 2.21: the scalar itself
    assert out.shape == () and float(out) == 3.0
    tf.random.set_seed(-1)  # TF accepts negative seeds
    a = tf.random.normal([3]).numpy()
    tf.random.set_seed(-1)
    np.testing.assert_array_equal(tf.random.normal([3]).numpy(), a)


def test_generator_api():
    g = tf.random.Generator.from_seed(5)
    # TF 2.21: algorithm 1 (Philox), an int64 state of 3 words, a scalar int64 key
    assert g.algorithm == 1 and g.state.dtype == tf.int64 and g.state.shape == (3,)
    assert g.key.dtype == tf.int64 and g.key.shape == ()
    a = g.normal([4])
    assert a.dtype == tf.float32 and a.shape == (4,)
    assert not np.array_equal(g.normal([4]).numpy(), a.numpy())  # each draw advances the state
    np.testing.assert_array_equal(tf.random.Generator.from_seed(5).normal([4]).numpy(), a.numpy())
    g.reset_from_seed(5)
    np.testing.assert_array_equal(g.normal([4]).numpy(), a.numpy())
    c = tf.random.Generator(copy_from=g)
    np.testing.assert_array_equal(c.normal([3]).numpy(), g.normal([3]).numpy())
    h = tf.random.Generator.from_state(g.state, g.algorithm)  # TF 2.21: shares g's Variable
    x, y = h.normal([3]).numpy(), g.normal([3]).numpy()
    assert not np.array_equal(x, y)
    h2 = tf.random.Generator.from_state(g.state.numpy(), g.algorithm)  # a copy
    np.testing.assert_array_equal(h2.normal([3]).numpy(), g.normal([3]).numpy())
    # dtypes and shapes as TF 2.21
    assert g.uniform([3], 0, 10, dtype=tf.int32).dtype == tf.int32
    assert g.uniform([2], None, None, dtype=tf.int64).dtype == tf.int64
    assert g.uniform_full_int([2], dtype=tf.int32).dtype == tf.int32
    seeds = g.make_seeds(3)
    assert seeds.dtype == tf.int64 and seeds.shape == (2, 3) and g.make_seeds().shape == (2, 1)
    kids = g.split(2)
    assert len(kids) == 2 and not np.array_equal(kids[0].normal([3]).numpy(), kids[1].normal([3]).numpy())
    b = g.binomial([2, 3], counts=[10.0, 20.0, 30.0], probs=0.5)
    assert b.dtype == tf.int32 and b.shape == (2, 3) and (b.numpy() <= [10, 20, 30]).all()
    assert g.truncated_normal([2, 3], stddev=tf.constant([1.0, 2.0, 3.0])).shape == (2, 3)
    with pytest.raises(ValueError, match="maxval"):  # TF 2.21: both bounds or neither for ints
        g.uniform([3], dtype=tf.int32)
    with pytest.raises(InvalidArgumentError, match="Need minval < maxval"):
        g.uniform([3], 5, 1, dtype=tf.int32)
    with pytest.raises(ValueError, match="alg"):
        tf.random.Generator.from_seed(1, alg="nope")
    # the global generator restarts with set_seed
    tf.random.set_seed(3)
    a = tf.random.get_global_generator().normal([3]).numpy()
    tf.random.set_seed(3)
    np.testing.assert_array_equal(tf.random.get_global_generator().normal([3]).numpy(), a)
    tf.random.set_global_generator(tf.random.Generator.from_seed(9))
    np.testing.assert_array_equal(tf.random.get_global_generator().normal([3]).numpy(),
                                  tf.random.Generator.from_seed(9).normal([3]).numpy())


def test_stateless_extras_shapes_dtypes_and_determinism():
    lg = np.log(np.array([[0.5, 0.5]], f32))
    # TF 2.21's dtypes and shapes
    cases = [
        (lambda: tf.random.stateless_truncated_normal([3, 2], [1, 2]), tf.float32, (3, 2)),
        (lambda: tf.random.stateless_categorical(lg, 4, [1, 2]), tf.int64, (1, 4)),
        (lambda: tf.random.stateless_categorical(lg, 4, [1, 2], dtype=tf.int32), tf.int32, (1, 4)),
        (lambda: tf.random.stateless_poisson([3, 2], [1, 2], lam=[2.0, 3.0]), tf.int32, (3, 2)),
        (lambda: tf.random.stateless_gamma([3, 2], [1, 2], alpha=[1.0, 2.0]), tf.float32, (3, 2)),
        (lambda: tf.random.stateless_binomial([3], [1, 2], counts=10, probs=0.5), tf.int32, (3,)),
        (lambda: tf.random.split([1, 2]), tf.int32, (2, 2)),
        (lambda: tf.random.split(tf.constant([1, 2], tf.int64), 3), tf.int64, (3, 2)),
        (lambda: tf.random.fold_in([1, 2], 3), tf.int32, (2,)),
        (lambda: tf.random.fold_in(tf.constant([1, 2], tf.int64), 3), tf.int32, (2,)),
        (lambda: tf.random.create_rng_state(5, "philox"), tf.int64, (3,)),
        (lambda: tf.random.create_rng_state(5, "threefry"), tf.int64, (2,)),
    ]
    for fn, dt, shape in cases:
        a = fn()
        assert a.dtype == dt and a.shape == shape
        tf.random.set_seed(11)  # the global seed plays no part
        np.testing.assert_array_equal(fn().numpy(), a.numpy())
    assert int(tf.random.fold_in([1, 2], 3).numpy()[1]) == 3  # TF: [draw, data]
    assert np.abs(tf.random.stateless_truncated_normal([10000], [1, 2]).numpy()).max() <= 2.0
    with pytest.raises(InvalidArgumentError, match="must end with"):  # TF 2.21: InvalidArgumentError
        tf.random.stateless_gamma([3], [1, 2], alpha=[1.0, 2.0])


TRUNC_VAR = 1 - 4 * math.exp(-2) / math.sqrt(2 * math.pi) / math.erf(2 / math.sqrt(2))


@pytest.mark.parametrize("name, draw, mean, var, lo, hi", [
    ("normal", lambda: tf.random.normal([100_000], 2.0, 3.0), 2.0, 9.0, None, None),
    ("uniform", lambda: tf.random.uniform([100_000], -3, 5), 1.0, 64 / 12, -3, 5),
    ("uniform int32", lambda: tf.random.uniform([100_000], 0, 10, dtype=tf.int32), 4.5, 99 / 12, 0, 9),
    ("truncated_normal", lambda: tf.random.truncated_normal([100_000], 1.0, 0.5), 1.0, 0.25 * TRUNC_VAR, 0, 2),
    ("stateless_normal", lambda: tf.random.stateless_normal([100_000], [3, 4]), 0.0, 1.0, None, None),
    ("stateless_uniform int", lambda: tf.random.stateless_uniform([100_000], [3, 4], 2, 7, dtype=tf.int64),
     4.0, 2.0, 2, 6),
    ("categorical", lambda: tf.random.categorical(np.log([[0.1, 0.2, 0.7]]), 100_000), 1.6, 0.44, 0, 2),
    ("poisson", lambda: tf.random.poisson([100_000], 3.5), 3.5, 3.5, 0, None),
    ("gamma", lambda: tf.random.gamma([100_000], 2.5, 2.0), 1.25, 0.625, 0, None),
    ("generator normal", lambda: tf.random.Generator.from_seed(1).normal([100_000]), 0.0, 1.0, None, None),
    ("generator binomial", lambda: tf.random.Generator.from_seed(1).binomial([100_000], 20.0, 0.3), 6.0, 4.2, 0, 20),
    ("stateless_poisson", lambda: tf.random.stateless_poisson([100_000], [5, 6], 2.0), 2.0, 2.0, 0, None),
    ("stateless_gamma", lambda: tf.random.stateless_gamma([100_000], [5, 6], 0.5, 2.0), 0.25, 0.125, 0, None),
])
def test_moments_of_1e5_draws(name, draw, mean, var, lo, hi):
    # TF's documented distributions (TF 2.21's own draws pass the same bounds)
    tf.random.set_seed(7)
    a = draw().numpy().astype(np.float64).ravel()
    assert abs(a.mean() - mean) < 5 * math.sqrt(var / a.size)
    assert abs(a.var() - var) < 5 * 2 * var * math.sqrt(2 / a.size)
    if lo is not None:
        assert a.min() >= lo
    if hi is not None:
        assert a.max() <= hi


def test_dense_times_sparse_is_sparse_as_tf():
    # TF 2.21: dense * sp is a SparseTensor (_mul_dispatch); dense + sp stays an error
    sp = tf.sparse.SparseTensor([[0, 0], [1, 1]], [1.0, 2.0], [2, 2])
    d = tf.constant([[3.0, 4.0], [5.0, 6.0]])
    with tf.GradientTape() as t:
        t.watch(d)
        r = d * sp
        s = tf.sparse.reduce_sum(r)
    assert isinstance(r, tf.sparse.SparseTensor)
    np.testing.assert_array_equal(tf.sparse.to_dense(r).numpy(), [[3.0, 0.0], [0.0, 12.0]])
    np.testing.assert_array_equal(t.gradient(s, d).numpy(), [[1.0, 0.0], [0.0, 2.0]])
    with pytest.raises(TypeError, match="Failed to convert a SparseTensor"):
        d + sp
