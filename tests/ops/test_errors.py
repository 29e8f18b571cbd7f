"""Bad arguments raise Python exceptions naming the op and the offending shapes/dtypes;
nothing crashes the interpreter. InvalidArgumentError is a ValueError."""

import re

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError

f32 = np.float32


def _t(shape, dtype=f32):
    return tf.constant(np.ones(shape, dtype=dtype))


def _shape_text(shape):
    return re.escape(str(tuple(shape)))


def test_invalid_argument_error_is_value_error():
    assert issubclass(InvalidArgumentError, ValueError)


BINARY = [tf.add, tf.subtract, tf.multiply, tf.divide, tf.pow, tf.maximum, tf.minimum, tf.nn.relu_grad]


@pytest.mark.parametrize("op", BINARY, ids=lambda f: f.__name__)
@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 3, 4), (3, 5))])
def test_broadcast_mismatch(op, sa, sb):
    with pytest.raises(ValueError) as e:
        op(_t(sa), _t(sb))
    msg = str(e.value)
    assert op.__name__ in msg and str(sa) in msg and str(sb) in msg, msg


@pytest.mark.parametrize("op", BINARY + [tf.matmul], ids=lambda f: f.__name__)
@pytest.mark.parametrize("order", ["f32_f64", "f64_f32"])
def test_mixed_dtypes(op, order):
    a, b = _t((2, 2), np.float32), _t((2, 2), np.float64)
    if order == "f64_f32":
        a, b = b, a
    with pytest.raises(TypeError) as e:
        op(a, b)
    msg = str(e.value)
    assert op.__name__ in msg and "float32" in msg and "float64" in msg, msg


@pytest.mark.parametrize("call", [
    lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a @ b,
    lambda a, b: tf.concat([a, b], 0), lambda a, b: tf.stack([a, b]),
    lambda a, b: tf.nn.linear(a, b), lambda a, b: tf.nn.linear(a, a, b[0]),
    lambda a, b: tf._core.mask_ge(a, b, b), lambda a, b: tf.clip_by_norm(a, b[0, 0]) + b,
], ids=["add_op", "mul_op", "matmul_op", "concat", "stack", "linear", "linear_bias", "mask_ge",
        "clip_by_norm_then_add"])
def test_mixed_dtypes_other_ops(call):
    with pytest.raises(TypeError, match="float32.*float64|float64.*float32"):
        call(_t((2, 2), np.float32), _t((2, 2), np.float64))


@pytest.mark.parametrize("sa,sb,kw", [
    ((2, 3), (4, 5), {}), ((2, 3), (2, 3), {}), ((3, 2), (3, 4), {"transpose_b": True}),
    ((2, 3), (2, 4), {"transpose_a": False}), ((2, 2, 3), (3, 3, 4), {}), ((2, 2, 3), (2, 4, 4), {}),
])
def test_matmul_shape_mismatch(sa, sb, kw):
    with pytest.raises(ValueError) as e:
        tf.matmul(_t(sa), _t(sb), **kw)
    msg = str(e.value)
    assert "matmul" in msg and str(sa) in msg and str(sb) in msg, msg


def test_matmul_rank_and_linear_shapes():
    with pytest.raises(ValueError, match="matmul"):
        tf.matmul(_t((3,)), _t((3, 2)))
    with pytest.raises(ValueError, match=r"linear.*\(2, 3\).*\(4, 2\)"):
        tf.nn.linear(_t((2, 3)), _t((4, 2)))
    with pytest.raises(ValueError, match="linear.*bias"):
        tf.nn.linear(_t((2, 3)), _t((3, 2)), _t((3,)))
    with pytest.raises(ValueError, match="activation"):
        tf.nn.linear(_t((2, 3)), _t((3, 2)), None, activation="gelu")


@pytest.mark.parametrize("call,op", [
    (lambda x: tf.reduce_sum(x, 2), "reduce_sum"),
    (lambda x: tf.reduce_mean(x, -3), "reduce_mean"),
    (lambda x: tf.reduce_max(x, [0, 0]), "reduce_max"),
    (lambda x: tf.reduce_sum(x, [1, -1]), "reduce_sum"),
    (lambda x: tf.transpose(x, [0, 0]), "transpose"),
    (lambda x: tf.transpose(x, [0]), "transpose"),
    (lambda x: tf.transpose(x, [0, 2]), "transpose"),
    (lambda x: tf.transpose(x, [1, 0, 2]), "transpose"),
    (lambda x: tf.reshape(x, [4, 2]), "reshape|Cannot reshape"),
    (lambda x: tf.reshape(x, [-1, -1]), "reshape"),
    (lambda x: tf.reshape(x, [-1, 4]), "reshape|Input to reshape"),
    (lambda x: tf.reshape(x, [-2, -3]), "reshape"),
    (lambda x: tf.concat([x, x], 2), "concat"),
    (lambda x: tf.concat([x, tf.ones((3, 3))], 1), "ConcatOp|concat"),
    (lambda x: tf.concat([], 0), "concat"),
    (lambda x: tf.stack([x, tf.ones((3, 2))]), "stack"),
    (lambda x: tf.stack([x, x], 3), "stack"),
    (lambda x: tf.slice(x, [0, 0], [3, 1]), "slice"),
    (lambda x: tf.slice(x, [0], [1]), "slice"),
    (lambda x: tf.slice(x, [-1, 0], [1, 1]), "slice"),
    (lambda x: tf.slice(x, [1, 0], [-2, 1]), "slice"),
    (lambda x: tf.nn.softmax(x, 2), "softmax"),
    (lambda x: tf.nn.log_softmax(x, -3), "log_softmax"),
    (lambda x: tf.broadcast_to(x, (3, 3)), "broadcast_to"),
    (lambda x: tf.broadcast_to(x, (3,)), "broadcast_to"),
    (lambda x: tf._core.sum_to(x, (4,)), "sum_to"),
    (lambda x: tf._core.sum_to(x, (1, 2, 3)), "sum_to"),
    (lambda x: tf.pad(x, [[1, 1]]), "pad"),
    (lambda x: tf.pad(x, [[-1, 0], [0, 0]]), "pad"),
    (lambda x: tf.expand_dims(x, 3), "expand_dims"),
    (lambda x: tf.expand_dims(x, -4), "expand_dims"),
    (lambda x: tf.squeeze(x, [0]), "squeeze"),
    (lambda x: tf.squeeze(x, [5]), "squeeze"),
    # composite: the error comes from its reduction
    (lambda x: tf.clip_by_norm(x, 1.0, axes=[2]), "clip_by_norm|reduce_sum"),
])
def test_bad_axes_perm_shape(call, op):
    with pytest.raises(ValueError, match=op):
        call(_t((2, 3)))


I64_MAX = 2**63 - 1


@pytest.mark.parametrize("call,exc,match", [
    # The product of the sizes once wrapped around int64 to exactly x's element count, and
    # reshape returned a (7, 7905747460161236407) view of one float.
    (lambda: tf.reshape(tf.constant([1.0]), [7, 7905747460161236407]), ValueError,
     r"reshape: shape \(7, 7905747460161236407\) has too many elements"),
    (lambda: tf.reshape(_t((0, 3)), [2**62, 4]), ValueError, "reshape: .*too many elements"),
    (lambda: tf.reshape(_t((0, 3)), [-1, 2**62, 2**62]), ValueError, "reshape: .*too many elements"),
    (lambda: tf.reshape(_t((0, 3)), [0, 2**62, 2**62]), ValueError, "reshape: .*too many elements"),
    # begin + size wrapped negative and passed the bounds check: a read far past the buffer.
    (lambda: tf.slice(_t((2, 3)), [I64_MAX, 0], [1, 1]), InvalidArgumentError, "slice"),
    (lambda: tf.slice(_t((2, 3)), [1, 0], [I64_MAX, 1]), InvalidArgumentError, "slice"),
    (lambda: tf.slice(_t((2, 3)), [-2**63, 0], [-1, 1]), InvalidArgumentError, "slice"),
    (lambda: tf.pad(_t((2, 3)), [[2**62, 2**62], [0, 0]]), ValueError, "pad: .*overflows"),
    (lambda: tf.pad(_t((2, 3)), [[I64_MAX, 0], [0, 0]]), ValueError, "pad: .*overflows"),
    # Zero elements, but byte strides past int64 (numpy refuses such arrays too).
    (lambda: tf.zeros((0, I64_MAX, I64_MAX)), ValueError, "too many elements"),
    (lambda: tf.broadcast_to(tf.constant([1.0]), (0, 2**62, 2**62)), ValueError,
     "too many elements"),
])
def test_sizes_past_int64_are_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_empty_shapes_with_large_sizes_still_work():
    x = tf.reshape(_t((0, 3)), [0, 2**40, 2**10])
    assert x.shape == (0, 2**40, 2**10) and x.numpy().shape == (0, 2**40, 2**10)
    assert tf.zeros((2**20, 0, 2**30)).shape == (2**20, 0, 2**30)
    assert tf.slice(_t((2, 3)), [2, 3], [-1, -1]).shape == (0, 0)


def test_index_errors():
    x = _t((2, 3))
    with pytest.raises(IndexError):
        x[2]
    with pytest.raises(IndexError):
        x[0, 0, 0]
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        x[::0]


def test_cast_to_unsupported_dtype():
    with pytest.raises(TypeError, match="int16"):
        tf.cast(_t((2,)), "int16")


def test_errors_do_not_leave_tape_broken():
    # A failed op under a tape records nothing; the tape still works afterwards.
    x = tf.constant(np.array([1.0, 2.0]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        with pytest.raises(ValueError):
            tf.add(x, tf.constant(np.ones(3)))
        y = x * x
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 4.0])


def test_gradient_seed_mismatch():
    x = tf.constant(np.array([1.0, 2.0]))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * 2.0
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        tape.gradient(y, x, output_gradients=tf.constant(np.ones(3)))
    with pytest.raises(TypeError, match="float32.*float64|float64.*float32"):
        tape.gradient(y, x, output_gradients=tf.constant(np.ones(2, np.float32)))
