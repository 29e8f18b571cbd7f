"""tf.bitwise and the & | ^ ~ operators of integer tensors; bool operands of numeric ops.

The literal expectations are TensorFlow 2.21's outputs for the same calls; the random cases
compare with numpy (whose bitwise ops and shifts by 0..bits-1 agree with TF's)."""
import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError

INTS = [np.int32, np.int64]


@pytest.mark.parametrize("dt", INTS)
@pytest.mark.parametrize("shape_a, shape_b", [((), ()), ((7,), ()), ((), (5,)), ((3, 1), (1, 4)),
                                              ((2, 3, 5), (3, 5)), ((1000,), (1000,)), ((0, 3), (3,))])
@pytest.mark.parametrize("name, ref", [("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or),
                                       ("bitwise_xor", np.bitwise_xor)])
def test_binary_matches_numpy(dt, shape_a, shape_b, name, ref):
    rng = np.random.default_rng(7)
    info = np.iinfo(dt)
    a = rng.integers(info.min, info.max, size=shape_a, dtype=dt, endpoint=True)
    b = rng.integers(info.min, info.max, size=shape_b, dtype=dt, endpoint=True)
    out = getattr(tf.bitwise, name)(tf.constant(a), tf.constant(b))
    assert out.dtype == tf.as_dtype(dt)
    np.testing.assert_array_equal(out.numpy(), ref(a, b))
    op = {"bitwise_and": "__and__", "bitwise_or": "__or__", "bitwise_xor": "__xor__"}[name]
    np.testing.assert_array_equal(getattr(tf.constant(a), op)(tf.constant(b)).numpy(), ref(a, b))


@pytest.mark.parametrize("dt", INTS)
def test_shifts_match_numpy_in_range(dt):
    rng = np.random.default_rng(3)
    bits = np.iinfo(dt).bits
    a = rng.integers(np.iinfo(dt).min, np.iinfo(dt).max, size=257, dtype=dt)
    s = rng.integers(0, bits, size=257).astype(dt)
    np.testing.assert_array_equal(tf.bitwise.left_shift(tf.constant(a), tf.constant(s)).numpy(),
                                  np.left_shift(a, s))
    np.testing.assert_array_equal(tf.bitwise.right_shift(tf.constant(a), tf.constant(s)).numpy(),
                                  np.right_shift(a, s))


def test_shifts_out_of_range_are_clamped_as_tf():
    # TF 2.21: the shift is clamped to [0, bits - 1]; left shifts wrap, right shifts are arithmetic.
    i = tf.constant(np.array([1, -8, 3, 2**30], np.int32))
    s = tf.constant(np.array([-1, 31, 32, 33], np.int32))
    np.testing.assert_array_equal(tf.bitwise.left_shift(i, s).numpy(), [1, 0, -2147483648, 0])
    np.testing.assert_array_equal(tf.bitwise.right_shift(i, s).numpy(), [1, -1, 0, 0])
    np.testing.assert_array_equal(tf.bitwise.left_shift(i, 1).numpy(), [2, -16, 6, -2147483648])
    l = tf.constant(np.array([1, -8, 3, 2**40], np.int64))
    s64 = tf.constant(np.array([-1, 63, 64, 65], np.int64))
    np.testing.assert_array_equal(tf.bitwise.left_shift(l, s64).numpy(), [1, 0, -2**63, 0])
    np.testing.assert_array_equal(tf.bitwise.right_shift(l, s64).numpy(), [1, -1, 0, 0])


def test_invert_and_operators_as_tf():
    i = tf.constant(np.array([1, -8, 3, 2**30], np.int32))
    np.testing.assert_array_equal(tf.bitwise.invert(i).numpy(), [-2, 7, -4, -1073741825])
    np.testing.assert_array_equal((~i).numpy(), [-2, 7, -4, -1073741825])
    np.testing.assert_array_equal((i & 3).numpy(), [1, 0, 3, 0])
    np.testing.assert_array_equal((3 & i).numpy(), [1, 0, 3, 0])
    np.testing.assert_array_equal((np.int32(3) & i).numpy(), [1, 0, 3, 0])
    r = np.array([3, 3, 3, 3]) & i  # the int64 array takes the tensor's int32, as TF
    assert r.dtype == tf.int32 and r.numpy().tolist() == [1, 0, 3, 0]
    np.testing.assert_array_equal((i | np.int32(4)).numpy(), [5, -4, 7, 2**30 + 4])
    np.testing.assert_array_equal((i ^ i).numpy(), [0, 0, 0, 0])
    five = tf.constant(np.array([5, 6], np.int64)) & 3
    assert five.dtype == tf.int64 and five.numpy().tolist() == [1, 2]
    x = tf.bitwise.bitwise_xor([1, 2], [3, 3])  # Python ints alone are int32 here, as TF
    assert x.dtype == tf.int32 and x.numpy().tolist() == [2, 1]


def test_bool_operators_stay_logical():
    b = tf.constant([True, False, True])
    assert (b & True).numpy().tolist() == [True, False, True]
    assert (~b).numpy().tolist() == [False, True, False]
    assert (False ^ b).numpy().tolist() == [True, False, True]
    with pytest.raises(TypeError, match="logical_and: cannot convert 1 to a bool tensor"):
        b & 1


def test_ragged_operators_follow_the_values_dtype():
    r = tf.ragged.constant([[1, 2], [3]], dtype=tf.int32)
    assert (r & 1).to_list() == [[1, 0], [1]]
    assert (~r).to_list() == [[-2, -3], [-4]]
    assert (1 ^ r).to_list() == [[0, 3], [2]]
    assert (tf.ragged.constant([[True], [False, True]]) | True).to_list() == [[True], [True, True]]


def test_bitwise_errors_name_the_op():
    with pytest.raises(TypeError, match="bitwise_and: expected an int32, int64 or uint8 tensor, got a float32"):
        tf.constant([1.0]) & tf.constant([1.0])
    with pytest.raises(TypeError, match="invert: expected an int32, int64 or uint8 tensor, got a bool"):
        tf.bitwise.invert(tf.constant([True]))
    with pytest.raises(TypeError, match="bitwise_and: cannot compute bitwise_and of an int32 tensor and an int64"):
        tf.bitwise.bitwise_and(tf.constant(np.array([1], np.int32)), tf.constant(np.array([1], np.int64)))
    with pytest.raises(InvalidArgumentError, match="left_shift"):
        tf.bitwise.left_shift(tf.constant(np.array([1, 2, 3], np.int32)), tf.constant(np.array([1, 2], np.int32)))


def test_bitwise_has_no_gradient_and_does_not_break_the_tape():
    x = tf.constant([1.0, 2.0])
    idx = tf.constant(np.array([1, 2], np.int32))
    with tf.GradientTape() as t:
        t.watch(x)
        m = tf.cast(idx & 1, tf.float32)  # an int mask built with bitwise ops
        y = tf.reduce_sum(x * m)
    np.testing.assert_array_equal(t.gradient(y, x).numpy(), [1.0, 0.0])


# -- bool operands of numeric ops: 0 and 1 of the other operand's dtype (TF 2.21) -------------

def test_bool_numpy_and_python_operands_cast_as_tf():
    x = tf.constant([1.0, 2.0, 3.0])
    mask = np.array([True, False, True])
    np.testing.assert_array_equal((x * mask).numpy(), [1.0, 0.0, 3.0])
    np.testing.assert_array_equal((mask * x).numpy(), [1.0, 0.0, 3.0])
    np.testing.assert_array_equal((x * [True, False, True]).numpy(), [1.0, 0.0, 3.0])
    np.testing.assert_array_equal((x + True).numpy(), [2.0, 3.0, 4.0])
    np.testing.assert_array_equal((True + x).numpy(), [2.0, 3.0, 4.0])
    np.testing.assert_array_equal(tf.maximum(x, True).numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(tf.where(tf.constant(mask), x, True).numpy(), [1.0, 1.0, 3.0])
    assert (x == True).numpy().tolist() == [True, False, False]  # noqa: E712
    d = tf.cast(x, tf.float64) + np.bool_(True)
    assert d.dtype == tf.float64 and d.numpy().tolist() == [2.0, 3.0, 4.0]
    i = tf.constant(np.array([1, 2, 3], np.int32))
    r = i * mask
    assert r.dtype == tf.int32 and r.numpy().tolist() == [1, 0, 3]
    assert (i + True).numpy().tolist() == [2, 3, 4]
    c = tf.constant(True, dtype=tf.float32)
    assert c.dtype == tf.float32 and float(c) == 1.0
    assert tf.constant(np.array([True, False]), dtype="float64").numpy().tolist() == [1.0, 0.0]


def test_bool_mask_operand_is_differentiable_through_the_float_side():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(x * x * np.array([True, False, True]))
    np.testing.assert_array_equal(t.gradient(y, x).numpy(), [2.0, 0.0, 6.0])


def test_numbers_never_become_bools():
    # a Python number never becomes a bool; a numpy array asked for dtype=bool does (TF 2.21)
    with pytest.raises(TypeError, match="constant: cannot convert an int64 value to a bool"):
        tf.constant([1, 0], dtype=tf.bool)
    assert tf.constant(np.array([2, 0]), dtype=tf.bool).numpy().tolist() == [True, False]
    with pytest.raises(TypeError, match="cannot convert 1.5 to a bool"):
        tf.constant([True]) & 1.5


def test_tensor_on_the_left_of_a_ragged_tensor_defers_as_tf():
    # TF 2.21: tensor < ragged, tensor >= ragged, int tensor & / | ragged give RaggedTensors
    r = tf.ragged.constant([[1.0, 2.0], [3.0]])
    t = tf.constant(2.0)
    assert (t < r).to_list() == [[False, False], [True]]
    assert (t >= r).to_list() == [[True, True], [False]]
    ri = tf.ragged.constant([[1, 2], [3]], dtype=tf.int32)
    ti = tf.constant(np.int32(3))
    assert (ti & ri).to_list() == [[1, 2], [3]] and (ti | ri).to_list() == [[3, 3], [3]]
    # other operands keep their errors
    with pytest.raises(TypeError, match="less: tapegrad tensors are float32"):
        tf.constant(1.0) < "a"
    with pytest.raises(TypeError):
        tf.constant(1.0) < None
