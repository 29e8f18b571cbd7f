"""Sliced assignment (v[0, 1:].assign(x)), Variable.scatter_*, sparse_read/gather_nd,
read_value=False, and copy/deepcopy/pickle of tensors and variables.

The literal expectations are TensorFlow 2.21's outputs for the same calls."""
import copy
import pickle

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError

I64 = tf.int64


def var23():
    return tf.Variable(np.arange(6.0).reshape(2, 3))


# -- sliced assignment --------------------------------------------------------------------------

def test_sliced_assign_sequence_as_tf():
    v = var23()
    assert v[0, 1:].assign([9.0, 9.0]) is v
    np.testing.assert_array_equal(v.numpy(), [[0, 9, 9], [3, 4, 5]])
    v[1].assign(7.0)  # a scalar broadcasts
    np.testing.assert_array_equal(v.numpy(), [[0, 9, 9], [7, 7, 7]])
    v[:, ::2].assign(tf.zeros([2, 2], tf.float64))  # a strided slice
    np.testing.assert_array_equal(v.numpy(), [[0, 9, 0], [0, 7, 0]])
    v[..., 0].assign([4.0, 4.0])
    np.testing.assert_array_equal(v.numpy(), [[4, 9, 0], [4, 7, 0]])
    v[tf.newaxis, 0].assign([[1.0, 1.0, 1.0]])
    np.testing.assert_array_equal(v.numpy(), [[1, 1, 1], [4, 7, 0]])
    v[-1, ::-1].assign([1.0, 2.0, 3.0])  # negative index and step
    np.testing.assert_array_equal(v.numpy(), [[1, 1, 1], [3, 2, 1]])


def test_sliced_assign_leaves_the_slice_and_earlier_reads_alone():
    v = var23()
    before = v.read_value()
    s = v[0]
    s.assign(5.0)
    np.testing.assert_array_equal(s.numpy(), [0, 1, 2])  # the tensor keeps its values, as TF's
    np.testing.assert_array_equal(before.numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(v.numpy(), [[5, 5, 5], [3, 4, 5]])


def test_sliced_assign_inside_a_tape_is_a_new_value_for_later_reads():
    # TF 2.21: gradient([y, z], w) with z read after w[0].assign(10.) is [22, 8, 12]
    w = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as g:
        y = tf.reduce_sum(w * w)
        w[0].assign(10.0)
        z = tf.reduce_sum(w * w)
    np.testing.assert_array_equal(g.gradient([y, z], w).numpy(), [22.0, 8.0, 12.0])


def test_sliced_assign_errors():
    v = var23()
    with pytest.raises(InvalidArgumentError, match=r"assign: cannot broadcast a value of shape \(3,\) into the slice \[0, 1:\] of shape \(2,\)"):
        v[0, 1:].assign([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(v.numpy(), np.arange(6.0).reshape(2, 3))  # untouched
    with pytest.raises(ValueError, match="requested dtype float64 for Tensor with dtype float32"):
        v[0].assign(tf.constant([1.0, 2.0, 3.0]))  # float32 into a float64 variable (TF's class)
    with pytest.raises(AttributeError, match="only a slice of a Variable"):
        (v[0] + 1).assign(3.0)
    with pytest.raises(AttributeError):
        v[0][1:].assign(3.0)  # a slice of a slice is a plain tensor, as in TF
    assert not hasattr(tf.constant([1.0]), "assign")
    assert not hasattr(v.read_value()[0], "assign")


# -- scatter updates ------------------------------------------------------------------------------

def test_scatter_updates_sequence_as_tf():
    v = tf.Variable(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], np.float32))
    steps = [
        (lambda: v.scatter_add(tf.IndexedSlices(tf.constant([[1., 1.], [2., 2.]]), tf.constant([0, 0], I64))),
         [[4, 5], [3, 4], [5, 6]]),  # duplicates add up
        (lambda: v.scatter_sub(tf.IndexedSlices(tf.constant([[1., 1.]]), tf.constant([2], I64))),
         [[4, 5], [3, 4], [4, 5]]),
        (lambda: v.scatter_mul(tf.IndexedSlices(tf.constant([[2., 3.], [2., 2.]]), tf.constant([1, 1], I64))),
         [[4, 5], [12, 24], [4, 5]]),
        (lambda: v.scatter_div(tf.IndexedSlices(tf.constant([[2., 4.]]), tf.constant([0], I64))),
         [[2, 1.25], [12, 24], [4, 5]]),
        (lambda: v.scatter_max(tf.IndexedSlices(tf.constant([[100., -1.]]), tf.constant([2], I64))),
         [[2, 1.25], [12, 24], [100, 5]]),
        (lambda: v.scatter_min(tf.IndexedSlices(tf.constant([[0., -1.]]), tf.constant([1], I64))),
         [[2, 1.25], [0, -1], [100, 5]]),
        (lambda: v.scatter_update(tf.IndexedSlices(tf.constant([[7., 8.]]), tf.constant([1], I64))),
         [[2, 1.25], [7, 8], [100, 5]]),
        (lambda: v.scatter_nd_max(tf.constant([[0, 1]], I64), tf.constant([50.])),
         [[2, 50], [7, 8], [100, 5]]),
        (lambda: v.scatter_nd_min(tf.constant([[0], [2]], I64), tf.constant([[-1., -1.], [9., 9.]])),
         [[-1, -1], [7, 8], [9, 5]]),
        (lambda: v.scatter_nd_add(tf.constant([[1, 1], [1, 1]], I64), tf.constant([1., 1.])),
         [[-1, -1], [7, 10], [9, 5]]),
        (lambda: v.scatter_nd_update(tf.constant([1], I64), tf.constant([[3., 3.]])),  # 1-D: rows
         [[-1, -1], [3, 3], [9, 5]]),
        (lambda: v.scatter_nd_sub([[2, 0]], [9.0]), [[-1, -1], [3, 3], [0, 5]]),
    ]
    for step, want in steps:
        assert step() is v
        np.testing.assert_array_equal(v.numpy(), want)


def test_scatter_int_division_truncates_as_tf():
    w = tf.Variable(np.array([7, -7, 9], np.int32))
    w.scatter_div(tf.IndexedSlices(tf.constant(np.array([2, 2, -4], np.int32)), tf.constant([0, 1, 2], I64)))
    assert w.numpy().tolist() == [3, -3, -2]
    with pytest.raises(InvalidArgumentError, match="scatter_div: integer division by zero"):
        w.scatter_div(tf.IndexedSlices(tf.constant(np.array([0], np.int32)), tf.constant([0], I64)))
    assert w.numpy().tolist() == [3, -3, -2]


def test_scatter_errors_leave_the_variable_alone():
    v = tf.Variable(np.zeros((3, 2), np.float32))
    with pytest.raises(InvalidArgumentError, match=r"scatter_nd_update: updates must have shape \[2, 2\].*got \[1, 2\]"):
        v.scatter_nd_update(tf.constant([[0], [2]], I64), tf.constant([[1., 1.]]))
    with pytest.raises(InvalidArgumentError, match=r"scatter_nd_add: updates must have shape \[1\]"):
        v.scatter_nd_add(tf.constant([[1, 1]], I64), 5.0)  # no broadcasting, as TF
    with pytest.raises(InvalidArgumentError, match=r"scatter_nd_update: indices\[0\] = \[5, 0\] does not index into shape \[3, 2\]"):
        v.scatter_nd_update([[5, 0]], [1.0])
    with pytest.raises(InvalidArgumentError, match=r"scatter_add: indices\[1\] = \[-1\]"):
        v.scatter_add(tf.IndexedSlices(tf.ones([2, 2]), tf.constant([0, -1], I64)))
    with pytest.raises(TypeError, match="scatter_update: indices must be int32 or int64, got float32"):
        v.scatter_update(tf.IndexedSlices(tf.ones([1, 2]), tf.constant([1.0])))
    with pytest.raises(TypeError, match="scatter_update: sparse_delta must be a tapegrad.IndexedSlices"):
        v.scatter_update(tf.ones([1, 2]))
    with pytest.raises(InvalidArgumentError, match="indices of depth 3 for a variable of rank 2"):
        v.scatter_nd_update([[0, 0, 0]], [1.0])
    np.testing.assert_array_equal(v.numpy(), np.zeros((3, 2)))


def test_scatter_keeps_earlier_reads_and_tape_history():
    v = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as g:
        y = tf.reduce_sum(v * v)
        v.scatter_nd_update([[0]], [10.0])
    np.testing.assert_array_equal(g.gradient(y, v).numpy(), [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(v.numpy(), [10.0, 2.0, 3.0])


def test_sparse_read_and_gather_nd_are_differentiable_reads():
    v = tf.Variable(np.array([[1.0, 2.0], [3.0, 4.0]], np.float32))
    with tf.GradientTape() as g:
        y = tf.reduce_sum(v.sparse_read([1, 1, 0])) + tf.reduce_sum(v.gather_nd([[0, 1]]))
    np.testing.assert_array_equal(v.sparse_read([1, 0]).numpy(), [[3, 4], [1, 2]])
    np.testing.assert_array_equal(g.gradient(y, v).numpy(), [[1, 2], [2, 2]])


def test_read_value_false_returns_none_as_tf():
    w = tf.Variable(np.array([7, -7, 9], np.int32))
    assert w.assign([1, 2, 3], read_value=False) is None
    assert w.assign_add([1, 1, 1], read_value=False) is None
    assert w.assign_sub([1, 1, 1], read_value=False) is None
    assert w.numpy().tolist() == [1, 2, 3]
    assert w.assign([4, 5, 6]) is w


# -- copy, deepcopy, pickle ---------------------------------------------------------------------

def test_copy_and_deepcopy_as_tf():
    x = tf.constant([1.0, 2.0])
    assert copy.copy(x) is x
    d = copy.deepcopy(x)
    assert d is not x and d.dtype == x.dtype and d.numpy().tolist() == [1.0, 2.0]
    v = tf.Variable([1.0, 2.0], name="w", trainable=False)
    c, dv = copy.copy(v), copy.deepcopy(v)
    v.assign([5.0, 6.0])
    assert c is v  # TF: copy.copy of a variable is the variable
    assert dv.numpy().tolist() == [1.0, 2.0] and dv.name == "w:0" and dv.trainable is False
    # the "keep the best weights" idiom: a deep copy of a list of variables is independent
    ws = [tf.Variable([1.0]), tf.Variable([[2.0]], dtype=tf.float64)]
    best = copy.deepcopy(ws)
    ws[0].assign([9.0])
    assert best[0].numpy().tolist() == [1.0] and best[1].dtype == tf.float64


def test_deepcopy_keeps_the_constraint():
    clip = lambda t: tf.clip_by_value(t, 0.0, 1.0)  # noqa: E731
    v = tf.Variable([0.5], constraint=clip)
    assert copy.deepcopy(v).constraint is clip


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_round_trip_every_protocol(protocol):
    for x in (tf.constant([1.5, 2.0]), tf.constant(np.array([[1, 2]], np.int64)), tf.constant(True),
              tf.constant(np.zeros((0, 3), np.float64))):
        y = pickle.loads(pickle.dumps(x, protocol))
        assert isinstance(y, tf.Tensor) and y.dtype == x.dtype and y.shape == x.shape
        np.testing.assert_array_equal(y.numpy(), x.numpy())
    v = tf.Variable(np.array([5.0, 6.0], np.float32), name="w", trainable=False)
    u = pickle.loads(pickle.dumps(v, protocol))
    assert isinstance(u, tf.Variable) and u is not v
    assert u.name == "w:0" and u.trainable is False and u.numpy().tolist() == [5.0, 6.0]
