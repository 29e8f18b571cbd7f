"""Bad input across the public API: a table of bad calls, each with the exception class and a
message that must name the op and the offending shapes / dtypes / values, and a check that
everything the caller holds (tensors, Variables, numpy arrays, layers, optimizers) is exactly as
it was after the failure. NaN and inf are not bad input: a second table checks that they
propagate as in numpy, with no exception.

Overlaps on purpose with tests/ops/test_errors.py (per-op message details) and
tests/ops/test_no_crash.py (a crash fails one test instead of the run); this file is the one
place that counts the bad calls (N_CASES, quoted in the README).
"""

import math
import os
import re
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError, OutOfRangeError

K = tf.keras
f32, f64 = np.float32, np.float64
i32 = np.int32


def T(*shape, dtype=f32):
    """A tensor with distinct values (so a change to any element is visible)."""
    n = int(np.prod(shape)) if shape else 1
    return tf.constant(np.arange(1, n + 1, dtype=dtype).reshape(shape))


def V(*shape, dtype=f32, name="v"):
    n = int(np.prod(shape)) if shape else 1
    return tf.Variable(np.arange(1, n + 1, dtype=dtype).reshape(shape), name=name)


class Case:
    """One bad call: ``fn(*args)`` raises ``exc`` with a message matching ``match``; ``args``
    are the objects the caller holds, compared before and after. ``after(*args)``, when given,
    checks that they still work (a tape still differentiates, a layer still runs)."""

    def __init__(self, id, exc, match, fn, *args, after=None):
        self.id, self.exc, self.match, self.fn, self.args, self.after = id, exc, match, fn, args, after

    def __repr__(self):
        return self.id


# -- objects some cases share the setup of ----------------------------------------------------------

def _ta_write_past_end(v):
    return tf.TensorArray(tf.float32, size=2).write(2, v)


def _compiled_model():
    m = K.Sequential([K.Input(shape=(2,)), K.layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    return m


def _built_conv3d():
    layer = K.layers.Conv3D(2, 1)
    layer(T(1, 2, 2, 2, 3))
    return layer


def _two_output_model():
    inp = K.Input(shape=(3,))
    h = K.layers.Dense(4)(inp)
    return K.Model(inp, [K.layers.Dense(1, name="reg")(h), K.layers.Dense(2, name="cls")(h)])


def _recorded(persistent=False):
    """A tape that recorded y = x * x for x = [1, 2] (y is unused by nothing else)."""
    x = T(2)
    tape = tf.GradientTape(persistent=persistent)
    with tape:
        tape.watch(x)
        y = x * x
    return tape, x, y


def _used_tape():
    tape, x, y = _recorded()
    tape.gradient(y, x)
    return tape, x, y


def _gradient_is_2x(tape, x, y):
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), 2 * x.numpy())


def _custom(grad_fn, n_inputs=1):
    """A tape that recorded a custom_gradient op whose gradient function is ``grad_fn``."""
    @tf.custom_gradient
    def f(*xs):
        return (xs[0] * 2.0 if len(xs) == 1 else xs[0] * xs[1]), grad_fn
    xs = [T(2) for _ in range(n_inputs)]
    tape = tf.GradientTape()
    with tape:
        tape.watch(xs)
        y = f(*xs) * 3.0
    return tape, y, xs


def _custom_not_pair():
    @tf.custom_gradient
    def f(x):
        return x * 2.0  # forgot the gradient function
    return f


def _built_dense():
    d = K.layers.Dense(2, name="dense_bad_input")
    d(np.ones((1, 3), f32))
    return d


def _two_vars():
    return V(2, name="a"), V(3, name="b")


def _tape_context_misuse(kind):
    t = tf.GradientTape()

    def run():
        if kind == "reenter":
            with t:
                with t:
                    pass
        elif kind == "stop_outside":
            with t.stop_recording():
                pass
        else:
            t.reset()
    return run


_BIG = 2 ** 46  # float32 elements: 256 TiB, beyond any user address space (fails whatever
#                 the overcommit policy, so no test ever touches a page of it)

_tape_g1, _x_g1, _y_g1 = _used_tape()
_tape_j1, _x_j1, _y_j1 = _used_tape()
_tape_p, _x_p, _y_p = _recorded(persistent=True)
_tape_np, _x_np, _y_np = _recorded()
_cg_shape = _custom(lambda dy: tf.ones((5,)))
_cg_dtype = _custom(lambda dy: tf.constant(np.ones(2)))
_cg_count = _custom(lambda dy: dy, n_inputs=2)
_cg_str = _custom(lambda dy: "abc")
_dense = _built_dense()
_dense2 = _built_dense()
_a1, _b1 = _two_vars()
_a2, _b2 = _two_vars()
_a3, _b3 = _two_vars()
_a4, _b4 = _two_vars()
_sgd, _sgdm, _adam, _rms = (K.optimizers.SGD(0.1, weight_decay=0.1),
                            K.optimizers.SGD(0.1, momentum=0.9), K.optimizers.Adam(),
                            K.optimizers.RMSprop(momentum=0.5))


def _seq():
    m = K.Sequential([K.layers.Dense(2)], name="seq_bad_input")
    m.compile("sgd", "mse")
    m(np.ones((1, 3), f32))
    return m


_model = _seq()


_a5, _b5 = _two_vars()
_nadam = K.optimizers.Nadam()


def _disconnected_graph():
    a, b = K.Input(shape=(2,)), K.Input(shape=(2,))
    return a, K.layers.Add()([a, b])


def _two_input_model():
    a, b = K.Input(shape=(2,)), K.Input(shape=(2,))
    return K.Model([a, b], K.layers.Add()([a, b]))


def _svd_full_grad(v):
    with tf.GradientTape() as tape:
        u = tf.linalg.svd(v, full_matrices=True)[1]
    return tape.gradient(u, v)


def _lstsq_slow_grad(v):
    with tf.GradientTape() as tape:
        x = tf.linalg.lstsq(v, tf.ones([3, 1], tf.float64), fast=False)
    return tape.gradient(x, v)


def _built_conv1d_transpose():
    layer = K.layers.Conv1DTranspose(2, 3)
    layer(np.ones((1, 4, 3), f32))
    return layer


def _built_conv():
    layer = K.layers.Conv2D(2, 3)
    layer(np.ones((1, 5, 5, 3), f32))
    return layer


def _built_lstm():
    layer = K.layers.LSTM(2)
    layer(np.ones((2, 3, 4), f32))
    return layer


def _built_batchnorm():
    layer = K.layers.BatchNormalization()
    layer(np.ones((2, 3), f32), training=True)
    return layer


def _built_embedding():
    layer = K.layers.Embedding(4, 2)
    layer(np.array([[0, 1]]))
    return layer


CASES = [
    # -- elementwise and broadcasting: mismatched and zero-sized shapes ------------------------
    Case("add_shapes", InvalidArgumentError, r"add: \(2, 3\) vs. \(4, 5\)", tf.add, T(2, 3), T(4, 5)),
    Case("subtract_shapes_operator", InvalidArgumentError, r"subtract: \(3,\) vs. \(4,\)",
         lambda a, b: a - b, T(3), T(4)),
    Case("multiply_zero_sized", InvalidArgumentError, r"multiply: \(0, 3\) vs. \(2, 3\)",
         tf.multiply, T(0, 3), T(2, 3)),
    Case("maximum_rank3", InvalidArgumentError, r"maximum: \(2, 3, 4\) vs. \(3, 5\)",
         tf.maximum, T(2, 3, 4), T(3, 5)),
    Case("math_pow_shapes", InvalidArgumentError, r"pow: \(2, 2\) vs. \(3,\)",
         tf.math.pow, T(2, 2), T(3)),
    Case("broadcast_to_incompatible", InvalidArgumentError, r"broadcast_to: \(2, 3\) vs. \(3, 3\)",
         tf.broadcast_to, T(2, 3), (3, 3)),
    Case("clip_by_value_bounds_shape", InvalidArgumentError, r"clip_by_value: \(2, 3\) vs. \(4,\)",
         tf.clip_by_value, T(2, 3), T(4), 1.0),
    # -- float32 / float64 mixes ------------------------------------------------------------------
    Case("add_f32_f64", TypeError, r"add.*float32.*float64", tf.add, T(2), T(2, dtype=f64)),
    Case("divide_f64_f32_operator", TypeError, r"divide.*float64.*float32",
         lambda a, b: a / b, T(2, dtype=f64), T(2)),
    Case("matmul_f32_f64", TypeError, r"matmul.*float32.*float64", tf.matmul, T(2, 2), T(2, 2, dtype=f64)),
    Case("concat_f32_f64", TypeError, r"concat.*float32.*float64",
         lambda a, b: tf.concat([a, b], 0), T(2), T(2, dtype=f64)),
    Case("stack_f32_f64", TypeError, r"stack.*float32.*float64",
         lambda a, b: tf.stack([a, b]), T(2), T(2, dtype=f64)),
    Case("linear_f32_f64", TypeError, r"linear.*float32.*float64", tf.nn.linear, T(2, 3), T(3, 2, dtype=f64)),
    Case("clip_by_value_f64_bound", TypeError, r"clip_by_value.*float32.*float64",
         tf.clip_by_value, T(2, 3), tf.constant(0.0, dtype=tf.float64), 1.0),
    Case("convert_to_tensor_f64_as_f32", ValueError, r"requested dtype float32 for Tensor with dtype float64",
         lambda t: tf.convert_to_tensor(t, dtype=tf.float32), T(2, dtype=f64)),
    # -- matmul / linear shapes and ranks ---------------------------------------------------------
    Case("matmul_inner", InvalidArgumentError, r"matmul.*\(2, 3\).*\(4, 5\)", tf.matmul, T(2, 3), T(4, 5)),
    Case("matmul_zero_sized_inner", InvalidArgumentError, r"matmul.*\(0, 3\).*\(4, 2\)",
         tf.matmul, T(0, 3), T(4, 2)),
    Case("matmul_rank1", InvalidArgumentError, r"matmul.*\(3,\)", tf.matmul, T(3), T(3, 2)),
    Case("matmul_batch", InvalidArgumentError, r"matmul.*\(2, 2, 3\).*\(5, 3, 4\)",
         tf.matmul, T(2, 2, 3), T(5, 3, 4)),
    Case("matmul_operator_transposed", InvalidArgumentError, r"matmul.*\(3, 2\).*\(3, 4\)",
         lambda a, b: a @ b, T(3, 2), T(3, 4)),
    Case("linear_kernel", InvalidArgumentError, r"linear.*\(2, 3\).*\(4, 2\)", tf.nn.linear, T(2, 3), T(4, 2)),
    Case("linear_bias", ValueError, r"linear.*bias.*\(3,\)", tf.nn.linear, T(2, 3), T(3, 2), T(3)),
    Case("linear_activation", ValueError, r"linear.*'gelu'",
         lambda x, k: tf.nn.linear(x, k, None, "gelu"), T(2, 3), T(3, 2)),
    # -- shape ops: wrong ranks, axes, sizes ------------------------------------------------------
    Case("reshape_count", InvalidArgumentError, r"reshape a tensor with 6 elements to shape \(4, 2\)",
         tf.reshape, T(2, 3), [4, 2]),
    Case("reshape_two_unknown", InvalidArgumentError, r"reshape.*-1.*0 and 1", tf.reshape, T(2, 3), [-1, -1]),
    Case("reshape_infer_indivisible", InvalidArgumentError, r"reshape.*6 values.*\(1, 4\)",
         tf.reshape, T(2, 3), [-1, 4]),
    Case("transpose_perm", InvalidArgumentError, r"transpose: perm \[0, 0\] is not a permutation of 0..1 \(shape \(2, 3\)\)",
         tf.transpose, T(2, 3), [0, 0]),
    Case("transpose_perm_rank", InvalidArgumentError, r"transpose: perm has 3 entries but the tensor has rank 2 \(shape \(2, 3\)\)",
         tf.transpose, T(2, 3), [1, 0, 2]),
    Case("reduce_sum_axis", InvalidArgumentError, r"reduce_sum: axis 2 is out of range for a tensor of rank 2",
         tf.reduce_sum, T(2, 3), 2),
    Case("reduce_max_duplicate_axes", InvalidArgumentError, r"reduce_max: axis 0 is given more than once",
         tf.reduce_max, T(2, 3), [0, 0]),
    Case("reduce_mean_axis_float", TypeError, r"reduce_mean: axis.*0\.5", tf.reduce_mean, T(2, 3), 0.5),
    Case("concat_axis", InvalidArgumentError, r"concat: axis 2 is out of range for rank 2",
         tf.concat, [T(2, 3), T(2, 3)], 2),
    Case("concat_shapes", InvalidArgumentError, r"ConcatOp.*\(2, 3\).*\(3, 3\)",
         lambda a, b: tf.concat([a, b], 1), T(2, 3), T(3, 3)),
    Case("concat_scalars", InvalidArgumentError, r"concat.*scalars", lambda a: tf.concat([a, a], 0), T()),
    Case("concat_empty_list", ValueError, r"concat: expected a non-empty list", tf.concat, [], 0),
    Case("stack_shapes", InvalidArgumentError, r"stack.*\(2, 3\).*\(3, 2\)",
         lambda a, b: tf.stack([a, b]), T(2, 3), T(3, 2)),
    Case("slice_out_of_bounds", InvalidArgumentError, r"slice.*\(2, 3\).*begin 0 size 3",
         tf.slice, T(2, 3), [0, 0], [3, 1]),
    Case("slice_rank", InvalidArgumentError, r"slice: begin and size must have one entry per dimension.*\(2, 3\)",
         tf.slice, T(2, 3), [0], [1]),
    Case("pad_rows", ValueError, r"pad: paddings must have shape \(2, 2\), got \(1, 2\)",
         tf.pad, T(2, 3), [[1, 1]]),
    Case("pad_negative", InvalidArgumentError, r"pad: paddings must be non-negative, got \[-1, 0\] for dimension 0 of shape \(2, 3\)",
         tf.pad, T(2, 3), [[-1, 0], [0, 0]]),
    Case("expand_dims_axis", InvalidArgumentError, r"expand_dims: axis 3 is out of range for a tensor of rank 2",
         tf.expand_dims, T(2, 3), 3),
    Case("expand_dims_rank_8", ValueError, r"expand_dims: .*rank at most 8, got shape \(1, 1, 1, 1, 1, 1, 1, 1\)",
         tf.expand_dims, T(1, 1, 1, 1, 1, 1, 1, 1), 0),
    Case("squeeze_not_one", InvalidArgumentError, r"squeeze: can not squeeze dim\[0\].*got 2 \(shape \(2, 3\)\)",
         tf.squeeze, T(2, 3), [0]),
    Case("softmax_axis", InvalidArgumentError, r"softmax: axis 2 is out of range for a tensor of rank 2",
         tf.nn.softmax, T(2, 3), 2),
    Case("log_softmax_scalar", InvalidArgumentError, r"log_softmax.*rank >= 1.*scalar", tf.nn.log_softmax, T()),
    Case("softmax_axis_str", TypeError, r"softmax: axis must be an int, got 'a'", tf.nn.softmax, T(2, 3), "a"),
    Case("reshape_rank_9", ValueError, r"reshape: .*rank at most 8, got a shape of rank 9",
         tf.reshape, T(2, 3), [1] * 7 + [2, 3]),
    Case("broadcast_to_rank_9", ValueError, r"broadcast_to: .*rank at most 8, got shape \[1, 1, 1, 1, 1, 1, 1, 2, 3\]",
         tf.broadcast_to, T(2, 3), [1] * 7 + [2, 3]),
    Case("constant_rank_9", ValueError, r"constant: .*rank at most 8, got rank 9", tf.constant, np.ones((1,) * 9, f32)),
    # -- conversion: None, ragged lists, non-float numpy arrays, strings, objects -----------------
    Case("constant_none", ValueError, r"constant.*\(None\).*NoneType", tf.constant, None),
    Case("constant_ragged", ValueError, r"constant: can't convert non-rectangular",
         tf.constant, [[1.0], [1.0, 2.0]]),
    Case("constant_ragged_deep", ValueError, r"constant: can't convert non-rectangular.*\(2, 1\)",
         tf.constant, [[[1.0]], [[1.0, 2.0]]]),
    Case("constant_uint64_array", TypeError, r"constant.*uint64", tf.constant, np.arange(3, dtype=np.uint64)),
    Case("constant_int64_to_int32_overflow", ValueError, r"constant.*int64 array is out of range for int32",
         tf.constant, np.array([2**40]), "int32"),
    Case("constant_python_int_as_bool", TypeError, r"constant: cannot convert an int64 value to a bool",
         tf.constant, [1, 0], "bool"),
    Case("constant_int8_array", TypeError, r"constant.*'int16'", tf.constant, np.ones(2, np.int8), "int16"),
    Case("constant_complex_array", TypeError, r"constant.*complex128", tf.constant, np.array([1j])),
    Case("constant_object_array", ValueError, r"constant.*dtype=object", tf.constant, np.array([None, 1.0], dtype=object)),
    Case("constant_str_array", TypeError, r"constant.*<U3", tf.constant, np.array(["abc"])),
    Case("constant_float16_array", TypeError, r"constant.*float16", tf.constant, np.ones(3, np.float16)),
    Case("constant_float_to_int", TypeError, r"constant: cannot convert a float64 value to an int32 tensor",
         tf.constant, [1.5], "int32"),
    Case("constant_int16_dtype", TypeError, r"constant.*'int16'", tf.constant, [1.0], "int16"),
    Case("add_none", ValueError, r"add.*\(None\)", tf.add, T(2), None),
    Case("add_ragged", ValueError, r"add: can't convert non-rectangular", tf.add, T(2), [[1.0], [1.0, 2.0]]),
    Case("logical_and_int", TypeError, r"logical_and: cannot convert 1 to a bool tensor",
         lambda a: tf.logical_and(tf.constant(a), 1), np.array([True, False])),
    Case("bitwise_and_float", TypeError, r"bitwise_and: expected an int32, int64 or uint8 tensor, got a float32",
         lambda a: a & a, T(2)),
    Case("invert_float", TypeError, r"invert: expected an int32, int64 or uint8 tensor, got a float32",
         lambda a: ~a, T(2)),
    Case("bitwise_or_int32_int64", TypeError, r"bitwise_or: cannot compute bitwise_or of an int32 tensor and an int64",
         tf.bitwise.bitwise_or, np.array([1], np.int32), np.array([1], np.int64)),
    Case("left_shift_broadcast", InvalidArgumentError, r"left_shift.*\(3,\).*\(2,\)",
         tf.bitwise.left_shift, np.array([1, 2, 3], np.int32), np.array([1, 2], np.int32)),
    Case("divide_bool_tensors", TypeError, r"divide: expected a float32 or float64 tensor, got a bool tensor",
         tf.divide, np.array([True]), np.array([True])),
    Case("add_bool_tensors", TypeError, r"add: expected a float32 or float64 tensor, got a bool tensor",
         tf.add, np.array([True]), np.array([False])),
    Case("add_float_int", TypeError, r"add: cannot compute add of a float32 tensor and an int64 tensor",
         lambda a: tf.add(a, tf.constant(np.array([1, 2]))), T(2)),
    Case("exp_bool", TypeError, r"exp: expected a float32 or float64 tensor, got a bool tensor",
         tf.exp, np.array([True])),
    Case("matmul_bool", TypeError, r"matmul: expected a float or integer tensor, got a bool tensor",
         tf.matmul, np.ones((2, 2), np.bool_), np.ones((2, 2), np.bool_)),
    Case("matmul_int_float", TypeError, r"matmul: cannot compute matmul of an int64 tensor and a float64",
         tf.matmul, np.ones((2, 2), np.int64), np.ones((2, 2))),
    Case("pow_int_negative", InvalidArgumentError, r"pow: Integers to negative integer powers are not allowed",
         tf.pow, np.array([2, 3], np.int32), np.array([1, -1], np.int32)),
    Case("reduce_mean_bool", TypeError, r"reduce_mean: expected a float32 or float64 tensor, got a bool",
         tf.reduce_mean, np.ones((2,), np.bool_)),
    Case("reduce_sum_bool", TypeError, r"reduce_sum: expected a float or integer tensor, got a bool",
         tf.reduce_sum, np.ones((2,), np.bool_)),
    Case("softmax_int", TypeError, r"softmax: expected a float32 or float64 tensor, got an int64",
         tf.nn.softmax, np.ones((2, 0), np.int64)),
    Case("equal_mixed_dtypes", TypeError, r"equal: cannot compute equal of a float32 tensor and an int64",
         lambda a: tf.equal(a, tf.constant(np.array([1, 2]))), T(2)),
    Case("less_float_scalar_int_tensor", TypeError, r"less: cannot convert 1.5 to an int64 tensor",
         lambda a: a < 1.5, tf.constant(np.array([1, 2]))),
    Case("logical_and_float", TypeError, r"logical_and: expected a bool tensor, got a float32 tensor",
         tf.logical_and, T(2), T(2)),
    Case("argmax_bool", TypeError, r"argmax: expected a float or integer tensor, got a bool tensor",
         tf.argmax, np.array([True])),
    Case("argmax_axis", tf.errors.InvalidArgumentError, r"argmax: axis 2 is out of range for a tensor of rank 1",
         tf.argmax, T(2), 2),
    Case("argmax_empty_axis", tf.errors.InvalidArgumentError, r"argmax: reduction axis 0 is empty in shape \(0, 3\)",
         tf.argmax, np.ones((0, 3), np.float32)),
    Case("argmax_output_type", TypeError, r"argmax: output_type must be int32 or int64, got float32",
         tf.argmax, T(2), 0, "float32"),
    Case("one_hot_float_indices", TypeError, r"one_hot: indices must be an int32 or int64 tensor, got a float32",
         tf.one_hot, T(2), 3),
    Case("one_hot_negative_depth", tf.errors.InvalidArgumentError, r"one_hot: depth must be >= 0, got -1",
         tf.one_hot, np.array([1]), -1),
    Case("where_float_cond", TypeError, r"where: condition must be a bool tensor, got a float32 tensor",
         tf.where, T(2), T(2), T(2)),
    Case("where_only_x", ValueError, r"where: x and y must both be given", tf.where, np.array([True]), T(1)),
    Case("where_shapes", tf.errors.InvalidArgumentError, r"Incompatible shapes for where: \(2,\) vs. \(3,\)",
         tf.where, np.array([True, False]), T(3), T(3)),
    Case("gather_float_indices", TypeError, r"gather: indices must be an int32 or int64 tensor, got a float32",
         tf.gather, T(3), T(2)),
    Case("gather_out_of_range", tf.errors.InvalidArgumentError, r"gather: indices\[1\] = 3 is not in \[0, 3\)",
         tf.gather, T(3), np.array([0, 3])),
    Case("gather_negative", tf.errors.InvalidArgumentError, r"gather: indices\[0\] = -1 is not in \[0, 3\)",
         tf.gather, T(3), np.array([-1])),
    Case("gather_axis", tf.errors.InvalidArgumentError, r"gather: axis 1 is out of range for params of rank 1",
         tf.gather, T(3), np.array([0]), 1),
    Case("gather_batch_dims", InvalidArgumentError, r"gather: params.shape\[:1\] \[2\] must equal indices.shape\[:1\] \[3\]",
         lambda: tf.gather(T(2, 2), np.array([[0], [1], [0]]), batch_dims=1)),
    Case("segment_sum_ids_shape", tf.errors.InvalidArgumentError,
         r"unsorted_segment_sum: segment_ids.shape \(3,\) must be a prefix of data.shape \(2, 2\)",
         tf.math.unsorted_segment_sum, T(2, 2), np.array([0, 1, 0]), 2),
    Case("segment_sum_id_range", tf.errors.InvalidArgumentError,
         r"unsorted_segment_sum: segment_ids\[1\] = 2 is out of range \[0, 2\)",
         tf.math.unsorted_segment_sum, T(2), np.array([0, 2]), 2),
    Case("floordiv_by_int_zero", tf.errors.InvalidArgumentError, r"^floordiv: integer division by zero",
         lambda a: a // 0, tf.constant(np.array([3, 4], np.int32))),
    Case("floormod_by_int_zero", tf.errors.InvalidArgumentError, r"^floormod: integer division by zero",
         tf.math.floormod, np.array([3, 4], np.int64), np.array([1, 0], np.int64)),
    Case("floordiv_bool", TypeError, r"^floordiv: expected a float32, float64, int32, int64 or uint8 tensor, got a bool",
         tf.math.floordiv, np.array([True]), np.array([True])),
    Case("floormod_shapes", tf.errors.InvalidArgumentError, r"floormod.*\(2,\).*\(3,\)",
         lambda a, b: a % b, T(2), T(3)),
    Case("truediv_int32_int64", TypeError, r"divide.*int32.*int64",
         tf.divide, np.array([1], np.int32), np.array([1], np.int64)),
    Case("index_with_float_tensor", TypeError, r"only integer tensors can be used as an index, got a float32",
         lambda a: [1, 2][a], tf.constant(1.0)),
    Case("multiply_str_operator", TypeError, r"multiply.*'a'.*str", lambda a: a * "a", T(2)),
    Case("multiply_complex_operator", TypeError, r"multiply.*1j.*complex", lambda a: a * 1j, T(2)),
    Case("exp_object", ValueError, r"exp.*dict", tf.exp, {"a": 1}),
    Case("matmul_str", TypeError, r"matmul.*'s'", tf.matmul, T(2, 2), "s"),
    Case("cast_int16", TypeError, r"cast.*'int16'", tf.cast, T(2), "int16"),
    Case("cast_none", TypeError, r"cast.*None", tf.cast, T(2), None),
    Case("zeros_like_none", ValueError, r"zeros_like.*\(None\)", tf.zeros_like, None),
    Case("fill_str", TypeError, r"fill: value must be a real number, got 'a'", tf.fill, (2,), "a"),
    Case("getitem_float", TypeError, r"indices must be ints.*0\.5", lambda a: a[0.5], T(2, 3)),
    Case("getitem_out_of_range", IndexError, r"index 5 is out of bounds for dimension 0 with size 2",
         lambda a: a[5], T(2, 3)),
    Case("float_of_matrix", TypeError, r"one element.*\(2, 3\)", float, T(2, 3)),
    Case("bool_of_matrix", ValueError, r"truth value of a tensor with 6 elements.*\(2, 3\)", bool, T(2, 3)),
    # -- huge shapes: element-count overflow (ValueError) and failed allocation (MemoryError) ------
    Case("zeros_count_overflow", ValueError, r"fill: shape \(1099511627776, 1099511627776\) has too many elements",
         tf.zeros, (2 ** 40, 2 ** 40)),
    Case("ones_count_overflow_int64", ValueError, r"fill: shape \(4611686018427387904, 4\) has too many",
         tf.ones, (2 ** 62, 4)),
    Case("zeros_negative_dim", ValueError, r"fill: dimensions must be >= 0, got shape \(2, -3\)", tf.zeros, (2, -3)),
    Case("zeros_alloc_fails", MemoryError, r"fill: failed to allocate 281474976710656 bytes.*float32.*\(70368744177664,\)",
         tf.zeros, (_BIG,)),
    Case("constant_numpy_view_alloc_fails", MemoryError, r"constant: failed to allocate 281474976710656 bytes",
         tf.constant, np.broadcast_to(np.float32(0), (_BIG,))),
    Case("variable_numpy_view_alloc_fails", MemoryError, r"Variable: failed to allocate 562949953421312 bytes.*float64",
         tf.Variable, np.broadcast_to(np.float64(0), (_BIG,))),
    Case("broadcast_to_alloc_fails", MemoryError, r"broadcast_to: failed to allocate 281474976710656 bytes",
         tf.broadcast_to, T(), (_BIG,)),
    Case("add_broadcast_alloc_fails", MemoryError, r"add: failed to allocate 281474976710656 bytes.*\(8388608, 8388608\)",
         tf.add, tf.zeros((2 ** 23, 1)), tf.zeros((1, 2 ** 23))),
    Case("matmul_alloc_fails", MemoryError, r"matmul: failed to allocate 281474976710656 bytes",
         tf.matmul, tf.zeros((2 ** 23, 1)), tf.zeros((1, 2 ** 23))),
    Case("reshape_count_overflow", ValueError, r"reshape: shape \(4294967296, 4294967296\) has too many elements",
         tf.reshape, T(0), [2 ** 32, 2 ** 32]),
    Case("pad_overflow", ValueError, r"pad.*4611686018427387904.*overflows|pad: shape.*too many",
         tf.pad, T(2, 3), [[2 ** 62, 2 ** 62], [0, 0]]),
    Case("random_normal_alloc_fails", MemoryError, r"random.normal: failed to allocate .* bytes.*\(1099511627776,\)",
         tf.random.normal, (2 ** 40,)),
    Case("random_uniform_count_overflow", ValueError, r"random.uniform: shape \(1099511627776, 1099511627776\)",
         tf.random.uniform, (2 ** 40, 2 ** 40)),
    # -- Variables: assign with the wrong shape / dtype / value ------------------------------------
    Case("variable_none", ValueError, r"Variable: initial_value.*None", tf.Variable, None),
    Case("variable_ragged", ValueError, r"Variable: can't convert non-rectangular", tf.Variable, [[1.0], [2.0, 3.0]]),
    Case("variable_float_as_int", TypeError, r"Variable: cannot convert 1.0 to an int32 tensor",
         lambda: tf.Variable(1.0, dtype="int32")),
    Case("assign_shape", ValueError, r"assign: cannot assign a value of shape \(3, 2\) to Variable 'v' of shape \(2, 3\)",
         lambda v, t: v.assign(t), V(2, 3), T(3, 2)),
    Case("assign_dtype", TypeError, r"assign: cannot assign a float64 value to Variable 'v' of dtype float32",
         lambda v, t: v.assign(t), V(2, 3), T(2, 3, dtype=f64)),
    Case("assign_sub_shape", ValueError, r"assign_sub: .*shape \(3,\).*shape \(2, 3\)",
         lambda v, t: v.assign_sub(t), V(2, 3), T(3)),
    Case("assign_add_dtype", TypeError, r"assign_add: .*float32.*float64",
         lambda v, t: v.assign_add(t), V(2, dtype=f64), T(2)),
    Case("assign_add_ragged", ValueError, r"assign_add: can't convert non-rectangular",
         lambda v: v.assign_add([[1.0], [2.0, 3.0]]), V(2, 3)),
    Case("assign_str", TypeError, r"assign.*'abc'", lambda v: v.assign("abc"), V(2)),
    # -- GradientTape misuse -----------------------------------------------------------------------
    Case("tape_gradient_twice", RuntimeError, r"non-persistent GradientTape can only be used to compute one set",
         lambda t, x, y: t.gradient(y, x), _tape_g1, _x_g1, _y_g1),
    Case("tape_jacobian_after_gradient", RuntimeError, r"non-persistent GradientTape",
         lambda t, x, y: t.jacobian(y, x), _tape_j1, _x_j1, _y_j1),
    Case("tape_reenter", ValueError, r"Tape is still recording.*re-enter", _tape_context_misuse("reenter")),
    Case("tape_stop_recording_outside", RuntimeError, r"stop recording a tape which is not recording",
         _tape_context_misuse("stop_outside")),
    Case("tape_reset_outside", ValueError, r"Tape is not recording", _tape_context_misuse("reset")),
    Case("tape_watch_ndarray", ValueError, r"Passed in object array\(\[1\., 1\.\]\) of type 'ndarray'",
         lambda a: tf.GradientTape().watch(a), np.ones(2)),
    Case("tape_watch_none", ValueError, r"Passed in object None of type 'NoneType'", lambda: tf.GradientTape().watch(None)),
    Case("tape_watch_nest_with_str", ValueError, r"Passed in object 's' of type 'str'",
         lambda a: tf.GradientTape().watch([a, "s"]), T(2)),
    Case("tape_target_none", TypeError, r"`target`.*received None",
         lambda t, x, y: t.gradient(None, x), _tape_p, _x_p, _y_p, after=_gradient_is_2x),
    Case("tape_source_str", ValueError, r"gradient: sources must be Tensors or Variables, got 's' of type 'str'",
         lambda t, x, y: t.gradient(y, "s"), _tape_p, _x_p, _y_p, after=_gradient_is_2x),
    Case("tape_seed_shape", ValueError, r"gradient: output_gradients\[0\] has shape \(3,\), which does not broadcast to its target.s shape \(2,\)",
         lambda t, x, y, s: t.gradient(y, x, output_gradients=s), _tape_p, _x_p, _y_p, T(3),
         after=lambda t, x, y, s: _gradient_is_2x(t, x, y)),
    Case("tape_seed_dtype", TypeError, r"gradient: output_gradients\[0\] has dtype float64 but its target has dtype float32",
         lambda t, x, y, s: t.gradient(y, x, output_gradients=s), _tape_p, _x_p, _y_p, T(2, dtype=f64)),
    Case("tape_seed_count", ValueError, r"gradient: got 2 output_gradients for 1 targets",
         lambda t, x, y: t.gradient(y, x, output_gradients=[x, x]), _tape_p, _x_p, _y_p),
    Case("tape_unconnected_value", ValueError, r"Unknown value for unconnected_gradients: 'bogus'",
         lambda t, x, y: t.gradient(y, x, unconnected_gradients="bogus"), _tape_p, _x_p, _y_p),
    Case("tape_batch_jacobian_batch", ValueError, r"batch_jacobian.*\(2,\) and \(3, 2\)",
         lambda t, x, y, s: t.batch_jacobian(y, s), _tape_p, _x_p, _y_p, T(3, 2)),
    Case("tape_non_persistent_bad_seed_then_ok", ValueError, r"output_gradients\[0\] has shape \(3,\)",
         lambda t, x, y, s: t.gradient(y, x, output_gradients=s), _tape_np, _x_np, _y_np, T(3),
         after=lambda t, x, y, s: _gradient_is_2x(t, x, y)),
    # -- custom_gradient returning the wrong gradients ---------------------------------------------
    Case("custom_gradient_count", ValueError, r"custom_gradient function expected to return 2 gradients, but returned 1",
         lambda t, y, xs: t.gradient(y, xs), *_cg_count),
    Case("custom_gradient_shape", ValueError, r"custom_gradient: .*gradient of shape \(5,\) for input 0 of shape \(2,\)",
         lambda t, y, xs: t.gradient(y, xs), *_cg_shape),
    Case("custom_gradient_dtype", TypeError, r"custom_gradient: .*float64 gradient for input 0 of dtype float32",
         lambda t, y, xs: t.gradient(y, xs), *_cg_dtype),
    Case("custom_gradient_str", TypeError, r"custom_gradient.*'abc'", lambda t, y, xs: t.gradient(y, xs), *_cg_str),
    Case("custom_gradient_not_a_pair", TypeError, r"custom_gradient: f must return a pair \(result, grad_fn\)",
         lambda x: _custom_not_pair()(x), T(2)),
    # -- keras: layers, losses, optimizers, models -------------------------------------------------
    Case("dense_input_last_dim", ValueError, r"layer 'dense_bad_input'.*expected axis -1 of input shape to have value 3.*\(1, 4\)",
         lambda d, x: d(x), _dense, np.ones((1, 4), f32), after=lambda d, x: d(np.ones((1, 3), f32))),
    Case("dense_input_none", ValueError, r"layer 'dense_bad_input'.*\(None\)", lambda d: d(None), _dense),
    Case("dense_input_str", TypeError, r"layer 'dense_bad_input'.*'abc'", lambda d: d("abc"), _dense),
    Case("dense_units_zero", ValueError, r"invalid value for `units`.*units=0", K.layers.Dense, 0),
    Case("dense_units_str", ValueError, r"invalid value for `units`.*units=a", K.layers.Dense, "a"),
    Case("set_weights_second_shape", ValueError, r"dense_bad_input.*set_weights.*'dense_bad_input/bias:0' has shape \(2,\), got a value of shape \(5,\)",
         lambda d, w: d.set_weights(w), _dense2, [np.full((3, 2), 7.0, f32), np.ones(5, f32)]),
    Case("model_set_weights_count", ValueError, r"Model 'seq_bad_input' expects 2 weights, got 1",
         lambda m, w: m.set_weights(w), _model, [np.ones((3, 2))]),
    Case("mse_shapes", InvalidArgumentError, r"mean_squared_error: y_true of shape \(3, 2\) and y_pred of shape \(4, 2\)",
         lambda a, b: K.losses.MeanSquaredError()(a, b), T(3, 2), T(4, 2)),
    Case("bce_y_true_none", TypeError, r"binary_crossentropy: y_true: expected numbers, got None",
         lambda p: K.losses.binary_crossentropy(None, p), T(2, 3)),
    Case("scce_label_range", ValueError, r"sparse_categorical_crossentropy: Received a label value of 5 .*\[0, 3\)",
         lambda y, p: K.losses.sparse_categorical_crossentropy(y, p), np.array([0, 5]), T(2, 3)),
    Case("loss_identifier", ValueError, r"Could not interpret loss identifier: 'bogus'", K.losses.get, "bogus"),
    Case("cce_shapes", InvalidArgumentError, r"categorical_crossentropy: y_true of shape \(2, 4\) and y_pred of shape \(2, 3\)",
         lambda a, b: K.losses.categorical_crossentropy(a, b), T(2, 4), T(2, 3)),
    Case("sgd_momentum_range", ValueError, r"`momentum` must be a float between \[0, 1\]. Received: momentum=2.0",
         lambda: K.optimizers.SGD(momentum=2.0)),
    Case("sgd_apply_second_shape", ValueError, r"SGD.apply_gradients: cannot assign a value of shape \(2,\) to Variable 'b' of shape \(3,\)",
         lambda o, a, b: o.apply_gradients([(tf.ones((2,)), a), (tf.ones((2,)), b)]), _sgd, _a1, _b1),
    Case("sgd_momentum_apply_dtype", TypeError, r"SGD.apply_gradients: cannot assign a float64 value to Variable 'b' of dtype float32",
         lambda o, a, b: o.apply_gradients([(tf.ones((2,)), a), (tf.constant(np.ones(3)), b)]), _sgdm, _a2, _b2),
    Case("adam_apply_second_shape", ValueError, r"Adam.apply_gradients: cannot assign a value of shape \(4,\) to Variable 'b' of shape \(3,\)",
         lambda o, a, b: o.apply_gradients([(tf.ones((2,)), a), (tf.ones((4,)), b)]), _adam, _a3, _b3),
    Case("rmsprop_apply_not_variable", TypeError, r"RMSprop.apply_gradients: expected a tapegrad.Variable.*'Tensor'",
         lambda o, a, b: o.apply_gradients([(tf.ones((2,)), a), (tf.ones((3,)), T(3))]), _rms, _a4, _b4),
    Case("apply_no_gradients", ValueError, r"No gradients provided for any variable.*'a:0'",
         lambda a: K.optimizers.SGD().apply_gradients([(None, a)]), V(2, name="a")),
    Case("optimizer_identifier", ValueError, r"Could not interpret optimizer identifier: 'bogus'",
         K.optimizers.get, "bogus"),
    # -- random and runtime configuration ----------------------------------------------------------
    Case("random_normal_negative", ValueError, r"random.normal: dimensions must be >= 0, got shape \(-1,\)",
         tf.random.normal, (-1,)),
    Case("random_normal_int_dtype", TypeError, r"random.normal: dtype must be float32 or float64, got 'int32'",
         lambda: tf.random.normal((2,), dtype="int32")),
    Case("random_uniform_int_no_maxval", ValueError, r"random.uniform: Must specify maxval for integer dtype int64",
         lambda: tf.random.uniform((2,), dtype="int64")),
    # (float bounds with minval >= maxval are allowed, and shuffle gives a scalar back, as TF 2.21)
    Case("random_uniform_range", InvalidArgumentError, r"random.uniform: Need minval < maxval, got 1 >= 0",
         lambda: tf.random.uniform((2,), 1, 0, dtype="int32")),
    Case("set_isa_unknown", ValueError, r"set_isa: unknown ISA 'bogus'", tf.config.set_isa, "bogus"),
    Case("set_num_threads_zero", ValueError, r"set_num_threads: n must be between 1 and 1024, got 0",
         tf.config.set_num_threads, 0),
    Case("set_num_threads_huge", ValueError, r"set_num_threads: .*got 1000000", tf.config.set_num_threads, 10 ** 6),
    # -- convolutions, pooling, linalg solvers, Keras conv/recurrent layers (session 16) --------------
    Case("conv2d_channels", InvalidArgumentError, r"conv2d: input depth 2 must equal the filters' in_channels 3",
         lambda x, w: tf.nn.conv2d(x, w, 1, "SAME"), T(1, 4, 4, 2), V(3, 3, 3, 1)),
    Case("conv2d_nchw", InvalidArgumentError, r"conv2d: data_format 'NCHW' is not supported",
         lambda x, w: tf.nn.conv2d(x, w, 1, "SAME", data_format="NCHW"), T(1, 4, 4, 2), V(3, 3, 2, 1)),
    Case("conv2d_f32_f64", TypeError, r"conv2d: input and filters must have one dtype, got float32 and float64",
         lambda x, w: tf.nn.conv2d(x, w, 1, "VALID"), T(1, 4, 4, 2), T(3, 3, 2, 1, dtype=f64)),
    Case("conv2d_window_too_big", InvalidArgumentError, r"conv2d: the window .*larger than the padded input",
         lambda x, w: tf.nn.conv2d(x, w, 1, "VALID"), T(1, 2, 2, 1), T(4, 4, 1, 1)),
    Case("conv2d_transpose_output_shape", InvalidArgumentError, r"conv2d_transpose: a conv2d of output_shape",
         lambda x, w: tf.nn.conv2d_transpose(x, w, [1, 9, 9, 2], 2, "SAME"), T(1, 3, 3, 1), V(3, 3, 2, 1)),
    Case("depthwise_channels", InvalidArgumentError, r"depthwise_conv2d: input depth 2 must equal",
         lambda x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"), T(1, 4, 4, 2), V(3, 3, 3, 1)),
    Case("max_pool_explicit_padding", InvalidArgumentError, r"max_pool2d: padding must be 'SAME' or 'VALID'",
         lambda x: tf.nn.max_pool2d(x, 2, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]), T(1, 4, 4, 1)),
    Case("avg_pool_rank", InvalidArgumentError, r"avg_pool: input must have rank 3 or 4", lambda x: tf.nn.avg_pool(x, 2, 2, "VALID"), T(4, 4)),
    Case("linalg_inv_singular", InvalidArgumentError, r"inv: Input is not invertible",
         tf.linalg.inv, tf.constant([[1.0, 2.0], [2.0, 4.0]])),
    Case("linalg_inv_not_square", InvalidArgumentError, r"inv: input must be square matrices.*\[2, 3\]",
         tf.linalg.inv, T(2, 3)),
    # (a matrix that is not positive definite is no error: NaN, as TF 2's cholesky kernel)
    Case("linalg_lu_singular", InvalidArgumentError, r"lu: Input is not invertible",
         tf.linalg.lu, tf.zeros([2, 2])),
    Case("linalg_solve_rows", InvalidArgumentError, r"solve: rhs must have 3 rows to match matrix of shape \[3, 3\]",
         tf.linalg.solve, tf.constant(np.eye(3, dtype=f32)), T(2, 1)),
    Case("linalg_det_int", TypeError, r"det: expected float32 or float64 operands, got int32",
         tf.linalg.det, np.eye(2, dtype=np.int32)),
    Case("keras_conv2d_channels", ValueError, r"Input 0 of layer .* is incompatible with the layer: expected shape "
         r"\(batch, height, width, 3\)", lambda layer, x: layer(x), _built_conv(), T(1, 5, 5, 2)),
    Case("keras_lstm_features", ValueError, r"Input 0 of layer .* is incompatible with the layer: expected shape "
         r"\(batch, timesteps, 4\)", lambda layer, x: layer(x), _built_lstm(), T(2, 3, 5)),
    Case("keras_batchnorm_shape", ValueError, r"Input 0 of layer .* is incompatible with the layer",
         lambda layer, x: layer(x, training=True), _built_batchnorm(), T(2, 5)),
    Case("keras_embedding_range", InvalidArgumentError, r"gather: indices\[1\] = 9 is not in \[0, 4\)",
         lambda layer, x: layer(x), _built_embedding(), np.array([[1, 9]])),
    # -- linalg decompositions ----------------------------------------------------------------
    Case("linalg_eigh_not_square", InvalidArgumentError,
         r"eigh: tensor must be square matrices.*\[2, 3\]", tf.linalg.eigh, T(2, 3)),
    Case("linalg_eigvalsh_int", TypeError, r"eigvalsh: expected float32 or float64 operands, got int32",
         tf.linalg.eigvalsh, np.eye(2, dtype=np.int32)),
    Case("linalg_svd_rank1", InvalidArgumentError, r"svd: tensor must have rank >= 2, got shape \[3\]",
         tf.linalg.svd, T(3)),
    Case("linalg_qr_int", TypeError, r"qr: expected float32 or float64 operands, got int32",
         tf.linalg.qr, np.eye(2, dtype=np.int32)),
    Case("linalg_pinv_rcond_shape", InvalidArgumentError,
         r"pinv: rcond of shape \[3\] does not broadcast against the leading dimensions \[2\]",
         lambda a: tf.linalg.pinv(a, rcond=np.ones(3)), T(2, 2, 2)),
    Case("linalg_lstsq_rows", InvalidArgumentError,
         r"lstsq: rhs must have 3 rows to match matrix of shape \[3, 2\], got shape \[2, 1\]",
         tf.linalg.lstsq, T(3, 2), T(2, 1)),
    Case("linalg_lstsq_l2_negative", InvalidArgumentError, r"lstsq: l2_regularizer must be >= 0, got -1.0",
         lambda a, b: tf.linalg.lstsq(a, b, l2_regularizer=-1.0), T(3, 2), V(3, 1)),
    Case("linalg_svd_full_grad", NotImplementedError,
         r"svd: the gradient with full_matrices=True is not implemented .*\[4, 2\]",
         _svd_full_grad, V(4, 2)),
    Case("linalg_lstsq_slow_grad", ValueError, r"lstsq: the gradient is not defined for fast=False",
         _lstsq_slow_grad, V(3, 2, dtype=f64)),
    # -- keras losses and metrics (Keras 3 set) -------------------------------------------------------
    Case("huber_shapes", InvalidArgumentError, r"huber: y_true of shape \(3, 2\) and y_pred of shape \(4, 2\) are incompatible",
         lambda a, b: K.losses.Huber()(a, b), T(3, 2), T(4, 2)),
    Case("kld_int_pred", TypeError, r"kl_divergence: y_pred must be a float32 or float64 tensor, got an int32 tensor of shape \(2, 2\)",
         lambda a, b: K.losses.kl_divergence(a, b), T(2, 2), T(2, 2, dtype=np.int32)),
    Case("cosine_y_true_none", TypeError, r"cosine_similarity: y_true: expected numbers, got None",
         lambda p: K.losses.cosine_similarity(None, p), T(2, 3)),
    Case("loss_sample_weight_shape", InvalidArgumentError, r"huber_loss: sample_weight of shape \(4,\) does not match the per-sample losses of shape \(3,\)",
         lambda a, b, w: K.losses.Huber()(a, b, sample_weight=w), T(3, 2), T(3, 2), np.ones(4, f32)),
    Case("precision_shapes", InvalidArgumentError, r"precision: y_true of shape \(4,\) and y_pred of shape \(5,\) are incompatible",
         lambda m, a, b: m.update_state(a, b), K.metrics.Precision(), np.array([0, 1, 1, 0]),
         np.linspace(0, 1, 5).astype(f32), after=lambda m, a, b: m.update_state(a, b[:4])),
    Case("auc_sample_weight_shape", InvalidArgumentError, r"auc: sample_weight of shape \(3,\) does not match y_pred of shape \(4,\)",
         lambda m, a, b, w: m.update_state(a, b, sample_weight=w), K.metrics.AUC(), np.array([0, 1, 1, 0]),
         np.array([0.1, 0.9, 0.4, 0.6], f32), np.ones(3, f32)),
    Case("auc_curve", ValueError, r'auc: Invalid AUCCurve value: "XY"', lambda: K.metrics.AUC(curve="XY")),
    Case("precision_threshold_range", ValueError, r"precision: Threshold values must be in \[0, 1\]. Received: \[1.5\]",
         lambda: K.metrics.Precision(thresholds=[0.5, 1.5])),
    Case("sparse_top_k_shapes", InvalidArgumentError, r"sparse_top_k_categorical_accuracy: y_true of shape \(3,\) and y_pred of shape \(4, 5\)",
         lambda a, b: K.metrics.sparse_top_k_categorical_accuracy(a, b), np.array([1, 2, 3]), T(4, 5)),
    Case("rmse_int_pred", TypeError, r"root_mean_squared_error: y_pred must be a float32 or float64 tensor, got an int32 tensor",
         lambda m, a, b: m.update_state(a, b), K.metrics.RootMeanSquaredError(), T(3, 2), T(3, 2, dtype=np.int32)),
    # -- tf.data and control flow ---------------------------------------------------------------
    Case("data_slices_mismatched", InvalidArgumentError,
         r"Dataset.from_tensor_slices: all components must have the same size in their first dimension, "
         r"got shapes \[3, 2\], \[2\]",
         lambda a, b: tf.data.Dataset.from_tensor_slices((a, b)), T(3, 2), T(2)),
    Case("data_slices_scalar", ValueError, r"Dataset.from_tensor_slices: Unbatching a tensor is only supported for rank >= 1",
         tf.data.Dataset.from_tensor_slices, T()),
    Case("data_batch_zero", InvalidArgumentError, r"Dataset.batch: batch_size must be greater than zero, got 0",
         lambda a: tf.data.Dataset.from_tensor_slices(a).batch(0), T(4)),
    Case("data_batch_ragged", InvalidArgumentError,
         r"Dataset.batch: Cannot batch tensors with different shapes in component 0. First element had shape \[1\] "
         r"and element 1 had shape \[2\]",
         lambda: list(tf.data.Dataset.range(1, 3).map(lambda n: tf.fill([n], 1.0)).batch(2))),
    Case("data_filter_not_bool", TypeError, r"Dataset.filter: predicate must return a scalar bool tensor, got a float32 tensor",
         lambda a: list(tf.data.Dataset.from_tensor_slices(a).filter(lambda x: x)), T(3)),
    Case("data_len_infinite", TypeError, r"The dataset is infinite",
         lambda a: len(tf.data.Dataset.from_tensor_slices(a).repeat()), T(3)),
    Case("fit_dataset_batch_size", ValueError, r"fit: the `batch_size` argument must not be specified",
         lambda m, x, y: m.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(2), batch_size=2, verbose=0),
         _seq(), np.ones((4, 3), f32), np.ones((4, 2), f32)),
    Case("cond_pred_not_scalar", ValueError, r"cond: pred must be a scalar \(rank 0\) bool tensor, got shape \[2\]",
         lambda p: tf.cond(p, lambda: 1.0, lambda: 2.0), tf.constant([True, False])),
    Case("cond_pred_float", TypeError, r"cond: pred must be a bool tensor, got a float32 tensor",
         lambda p: tf.cond(p, lambda: 1.0, lambda: 2.0), T()),
    Case("while_loop_body_structure", ValueError, r"while_loop: body must return the structure of loop_vars",
         lambda a: tf.while_loop(lambda i, x: i < 2, lambda i, x: i + 1, [0, a]), T(2)),
    Case("map_fn_first_dims", ValueError,
         r"map_fn: the elements of elems must all have the same first dimension, got shapes \[3\], \[2\]",
         lambda a, b: tf.map_fn(lambda t: t[0], (a, b)), T(3), T(2)),
    Case("scan_fold_empty", ValueError, r"foldl: elems is empty and no initializer is given",
         lambda a: tf.foldl(lambda s, x: s + x, a), T(0)),
    Case("numpy_function_dtype", InvalidArgumentError,
         r"numpy_function: 0-th value returned by func is float64, but expects float32",
         lambda a: tf.numpy_function(lambda v: v.astype(np.float64), [a], tf.float32), T(2)),
    # -- optimizers, regularizers, tf.Module, layers and models added in session 17 ----------------
    Case("adagrad_initial_accumulator", ValueError,
         r"Adagrad: `initial_accumulator_value` must be a float >= 0. Received: initial_accumulator_value=-1.0",
         lambda: K.optimizers.Adagrad(initial_accumulator_value=-1.0)),
    Case("lion_beta_1", ValueError, r"Lion: argument for `beta_1` must be in the range \(0, 1\]. Received: beta_1=0.0",
         lambda: K.optimizers.Lion(beta_1=0.0)),
    Case("nadam_apply_second_shape", ValueError,
         r"Nadam.apply_gradients: cannot assign a value of shape \(4,\) to Variable 'b' of shape \(3,\)",
         lambda o, a, b: o.apply_gradients([(tf.ones((2,)), a), (tf.ones((4,)), b)]), _nadam, _a5, _b5),
    Case("l2_negative", ValueError, r"L2: invalid value for argument l2: expected a finite float >= 0, received l2=-1.0",
         K.regularizers.L2, -1.0),
    Case("module_name", ValueError, r"'a b' is not a valid module name", tf.Module, "a b"),
    Case("add_layer_shapes", ValueError, r"Add 'add_bad_input': inputs must have compatible shapes, got \[\(2, 3\), \(2, 4\)\]",
         lambda layer, a, b: layer([a, b]), K.layers.Add(name="add_bad_input"), T(2, 3), T(2, 4)),
    Case("concatenate_shapes", ValueError, r"Concatenate 'concat_bad_input': a `Concatenate` layer requires inputs with "
         r"matching shapes except for the concatenation axis -1",
         lambda layer, a, b: layer([a, b]), K.layers.Concatenate(name="concat_bad_input"), T(2, 3), T(3, 3)),
    Case("mha_batch_sizes", ValueError, r"MultiHeadAttention 'mha_bad_input': incompatible shapes query \(2, 3, 4\), "
         r"value \(3, 5, 4\)", lambda layer, q, v: layer(q, v),
         K.layers.MultiHeadAttention(2, 2, name="mha_bad_input"), T(2, 3, 4), T(3, 5, 4)),
    Case("bidirectional_not_recurrent", ValueError, r"Bidirectional: please initialize it with a recurrent layer",
         lambda: K.layers.Bidirectional(K.layers.Dense(2))),
    Case("relu_layer_max_value", ValueError, r"ReLU: `max_value` must be a non-negative float, received max_value=-1.0",
         lambda: K.layers.ReLU(max_value=-1.0)),
    Case("normalization_mean_only", ValueError, r"Normalization .*: when setting `mean` or `variance`, both must be set",
         lambda: K.layers.Normalization(mean=1.0)),
    Case("model_graph_disconnected", ValueError, r"Model .*: graph disconnected: cannot obtain a value for",
         lambda: K.Model(*_disconnected_graph())),
    Case("model_input_count", ValueError, r"the model expects 2 input\(s\), got 1", lambda m, x: m(x),
         _two_input_model(), T(1, 2)),
    Case("model_no_call", NotImplementedError, r"Model .*: subclass keras.Model and implement call",
         lambda x: K.Model()(x), T(1, 2)),
    Case("checkpoint_restore_missing", FileNotFoundError, r"Checkpoint.restore: no checkpoint at '/nonexistent/ckpt-1'",
         lambda v: tf.train.Checkpoint(v=v).restore("/nonexistent/ckpt-1"), V(2)),
    Case("checkpoint_manager_max_to_keep", ValueError, r"CheckpointManager: max_to_keep must be a positive integer or None, got 0",
         lambda: tf.train.CheckpointManager(tf.train.Checkpoint(), "/tmp", max_to_keep=0)),
    Case("rnn_mask_shape", ValueError, r"LSTM 'lstm_bad_mask': mask must have shape \(2, 3\) \(batch, timesteps\), got \(2, 4\)",
         lambda layer, x, m: layer(x, mask=m), K.layers.LSTM(2, name="lstm_bad_mask"), T(2, 3, 4), np.ones((2, 4), bool)),
    Case("image_resize_rank", ValueError, r"image.resize: images must have rank 3 \[height, width, channels\] or 4",
         lambda x: tf.image.resize(x, [2, 2]), T(4, 4)),
    Case("rnn_cell_no_state_size", ValueError, r"RNN: `cell` should have a `state_size` attribute",
         lambda: K.layers.RNN(K.layers.Dense(3))),
    Case("schedule_decay_steps", ValueError, r"ExponentialDecay: `decay_steps` must be > 0, received decay_steps=0",
         lambda: K.optimizers.schedules.ExponentialDecay(0.1, 0, 0.5)),
    Case("group_norm_groups", ValueError, r"GroupNormalization .*: number of groups \(4\) must divide the channels \(6\)",
         lambda layer, x: layer(x), K.layers.GroupNormalization(groups=4), T(2, 6)),
    Case("category_encoding_range", ValueError, r"CategoryEncoding .*: token ids must be in \[0, 3\), got values from 0 to 5",
         lambda layer, x: layer(x), K.layers.CategoryEncoding(3), np.array([0, 5])),
    Case("conv1d_transpose_channels", ValueError, r"Input 0 of layer .* is incompatible with the layer: expected shape \(batch, steps, 3\)",
         lambda layer, x: layer(x), _built_conv1d_transpose(), T(1, 4, 2)),
    # -- tf.math segments, counting, scatter/partition, nn, random, debugging (session 17) ----------
    Case("segment_sum_unsorted_ids", InvalidArgumentError, r"segment_sum: segment ids are not increasing: segment_ids\[1\] = 2 > segment_ids\[2\] = 1",
         tf.math.segment_sum, T(3, 2), np.array([0, 2, 1])),
    Case("segment_max_negative_id", InvalidArgumentError, r"segment_max: segment ids must be non-negative, got -1",
         tf.math.segment_max, T(3), np.array([-1, 0, 1])),
    Case("unsorted_segment_max_id_out_of_range", InvalidArgumentError, r"unsorted_segment_max: segment_ids\[1\] = 5 is out of range \[0, 3\)",
         tf.math.unsorted_segment_max, T(3), np.array([0, 5, 1]), 3),
    Case("unsorted_segment_prod_huge", InvalidArgumentError, r"unsorted_segment_prod: the result would have 4398046511104 elements",
         tf.math.unsorted_segment_prod, T(3, 4), np.array([0, 1, 1]), 2 ** 40),
    Case("unsorted_segment_mean_float_ids", TypeError, r"unsorted_segment_mean: segment_ids must be an int32 or int64 tensor, got float32",
         tf.math.unsorted_segment_mean, T(3), T(3), 3),
    Case("bincount_negative", InvalidArgumentError, r"bincount: arr must be non-negative, got -1",
         tf.math.bincount, np.array([1, -1, 2])),
    Case("bincount_huge_minlength", InvalidArgumentError, r"bincount: the result would have 1099511627776 elements",
         lambda a: tf.math.bincount(a, minlength=2 ** 40), np.array([1, 2])),
    Case("in_top_k_1d_predictions", InvalidArgumentError, r"in_top_k: predictions must be 2-D, got shape \[3\]",
         tf.math.in_top_k, np.array([0]), T(3), 1),
    Case("confusion_matrix_label_too_big", InvalidArgumentError, r"confusion_matrix: labels contains 3, not less than num_classes 3",
         lambda l, p: tf.math.confusion_matrix(l, p, num_classes=3), np.array([0, 3]), np.array([0, 1])),
    Case("cumulative_logsumexp_int", TypeError, r"cumulative_logsumexp: expected a float32 or float64 tensor, got an int64 tensor",
         tf.math.cumulative_logsumexp, np.array([1, 2])),
    Case("unique_matrix", InvalidArgumentError, r"unique: x must be a vector, got shape \[2, 3\]", tf.unique, T(2, 3)),
    Case("searchsorted_mixed_dtypes", TypeError, r"searchsorted: sorted_sequence and values must have one dtype, got float32 and int64",
         tf.searchsorted, T(3), np.array([1, 2])),
    Case("histogram_empty_range", InvalidArgumentError, r"histogram_fixed_width: value_range\[0\] \(1.0\) must be less than value_range\[1\] \(1.0\)",
         tf.histogram_fixed_width, T(3), np.array([1.0, 1.0])),
    Case("tensor_scatter_nd_max_dtype", TypeError, r"tensor_scatter_nd_max: updates must be float32 as tensor, got float64",
         tf.tensor_scatter_nd_max, T(3), [[0]], np.ones(1)),
    Case("dynamic_partition_out_of_range", InvalidArgumentError, r"dynamic_partition: partitions\[1\] = 2 is not in \[0, 2\)",
         tf.dynamic_partition, T(3), np.array([0, 2, 1]), 2),
    Case("dynamic_stitch_mixed_dtypes", TypeError, r"dynamic_stitch: data\[1\] is float64, data\[0\] float32",
         lambda a, b: tf.dynamic_stitch([[0], [1]], [a, b]), T(1), np.ones(1)),
    Case("space_to_depth_indivisible", InvalidArgumentError, r"space_to_depth: height 3 and width 4 must be divisible by block_size 2",
         tf.space_to_depth, T(1, 3, 4, 1), 2),
    Case("depth_to_space_depth", InvalidArgumentError, r"depth_to_space: the depth 3 must be divisible by block_size \* block_size = 4",
         tf.depth_to_space, T(1, 2, 2, 3), 2),
    Case("ensure_shape_mismatch", InvalidArgumentError, r"ensure_shape: Shape of tensor x \[2, 3\] is not compatible with expected shape \[\?,4\]",
         tf.ensure_shape, T(2, 3), [None, 4]),
    Case("broadcast_dynamic_shape_incompatible", InvalidArgumentError, r"broadcast_dynamic_shape: Incompatible shapes for broadcasting: \[2, 3\] and \[4\]",
         tf.broadcast_dynamic_shape, [2, 3], [4]),
    Case("embedding_lookup_id_out_of_range", InvalidArgumentError, r"embedding_lookup: ids\[1\] = 3 is not in \[0, 3\)",
         tf.nn.embedding_lookup, V(3, 2), [0, 3]),
    Case("weighted_ce_shapes", InvalidArgumentError, r"weighted_cross_entropy_with_logits: labels and logits must have the same shape",
         tf.nn.weighted_cross_entropy_with_logits, T(3), T(2), 2.0),
    Case("random_categorical_1d", InvalidArgumentError, r"random.categorical: logits must be 2-D \[batch, classes\], got shape \[3\]",
         tf.random.categorical, T(3), 2),
    Case("random_poisson_negative_rate", InvalidArgumentError, r"random.poisson: lam must be non-negative", tf.random.poisson, [2], np.array([-1.0])),
    Case("stateless_normal_seed_triple", ValueError, r"random.stateless_normal: seed must be a pair of ints \[a, b\], got shape \[3\]",
         tf.random.stateless_normal, [2], [1, 2, 3]),
    Case("check_numerics_nan", InvalidArgumentError, r"check_numerics: loss : Tensor had NaN values",
         tf.debugging.check_numerics, np.array([1.0, np.nan]), "loss"),
    Case("assert_equal_fails", InvalidArgumentError, r"boom\nassert_equal: Condition x == y did not hold element-wise",
         lambda a, b: tf.debugging.assert_equal(a, b, message="boom"), T(2), V(2) * 2.0),
    Case("assert_type_wrong", TypeError, r"assert_type: tensor must be of type int32, got float32",
         tf.debugging.assert_type, T(2), tf.int32),
    Case("to_categorical_range", ValueError, r"to_categorical: class ids must be in \[0, 3\), got values from 0 to 3",
         K.utils.to_categorical, np.array([0, 3]), 3),
    # session 18: index checks inside the copy / sum, fused optimizer, forward mode, per-output metrics
    Case("gather_scalar_rows_bad_index_late", InvalidArgumentError, r"gather: indices\[998\] = 5 is not in \[0, 5\)",
         tf.gather, T(5), tf.constant(np.r_[np.zeros(998, np.int64), 5, 9])),
    Case("gather_int32_negative", InvalidArgumentError, r"gather: indices\[1\] = -1 is not in \[0, 4\)",
         tf.gather, T(4, dtype=f64), tf.constant(np.array([0, -1], np.int32))),
    Case("segment_sum_unsorted_late", InvalidArgumentError, r"segment_sum: segment ids are not increasing: segment_ids\[3\] = 2 > segment_ids\[4\] = 1",
         tf.math.segment_sum, T(5, 2), np.array([0, 0, 1, 2, 1])),
    Case("unsorted_segment_max_out_of_range", InvalidArgumentError, r"unsorted_segment_max: segment_ids\[2\] = 4 is out of range \[0, 3\)",
         lambda d, i: tf.math.unsorted_segment_max(d, i, 3), T(3), np.array([0, 1, 4])),
    Case("adamax_grad_shape", ValueError, r"Adamax.apply_gradients: cannot assign a value of shape \(3,\) to Variable 'v' of shape \(2,\)",
         lambda opt, v: opt.apply_gradients([(T(3), v)]), K.optimizers.Adamax(0.1), V(2)),
    Case("forward_accumulator_tangent_shape", ValueError, r"ForwardAccumulator: tangents\[0\] has shape \(3,\), its primal has shape \(2,\)",
         tf.autodiff.ForwardAccumulator, T(2), np.ones(3)),
    Case("forward_accumulator_int_primal", TypeError, r"ForwardAccumulator: primals\[0\] must be float32 or float64",
         tf.autodiff.ForwardAccumulator, tf.constant(np.array([1, 2], np.int32)), np.ones(2)),
    Case("compile_metrics_unknown_output", ValueError, r"`metrics` names \['nope'\], which are not outputs of the model",
         lambda m: m.compile(optimizer="sgd", loss="mse", metrics={"nope": ["mae"]}), _two_output_model()),
    Case("compile_metric_shared_by_outputs", ValueError, r"the metric 'mean_absolute_error' would be shared by the 2 outputs",
         lambda m: m.compile(optimizer="sgd", loss="mse", metrics=[K.metrics.MeanAbsoluteError()]), _two_output_model()),
    # -- tf top-level / math / linalg additions (helper, session 18) ------------------------------
    Case("truncatediv_int_zero", InvalidArgumentError, r"truncatediv: Integer division by zero",
         tf.truncatediv, np.array([7, -7], i32), np.array([2, 0], i32)),
    Case("truncatemod_dtypes", TypeError, r"truncatemod: x and y must have one dtype, got int32 and float32",
         tf.truncatemod, np.array([7], i32), T(1)),
    Case("strided_slice_shrink_range", InvalidArgumentError,
         r"strided_slice: slice index 3 of dimension 1 out of bounds \(size 3, input shape \[2, 3\]\)",
         lambda x: tf.strided_slice(x, [0, 3], [1, 4], shrink_axis_mask=2), T(2, 3)),
    Case("strided_slice_zero_stride", InvalidArgumentError, r"strided_slice: strides\[0\] must be non-zero",
         lambda x: tf.strided_slice(x, [0], [2], [0]), V(2, 3)),
    Case("reverse_sequence_too_long", InvalidArgumentError,
         r"reverse_sequence: seq_lengths\[0\] = 4 > input.dims\(1\) = 3",
         lambda x: tf.reverse_sequence(x, [4, 1], seq_axis=1), T(2, 3)),
    Case("space_to_batch_nd_divisible", InvalidArgumentError,
         r"space_to_batch_nd: padded_shape\[1\]=3 is not divisible by block_shape\[1\]=2 \(input shape \[1, 2, 3, 1\]",
         lambda x: tf.space_to_batch_nd(x, [2, 2], [[0, 0], [0, 0]]), T(1, 2, 3, 1)),
    Case("batch_to_space_batch", InvalidArgumentError,
         r"batch_to_space: Input batch dimension \(3\) is not divisible by product of block sizes \(4\)",
         lambda x: tf.batch_to_space(x, [2, 2], [[0, 0], [0, 0]]), T(3, 1, 1, 1)),
    Case("unravel_index_bounds", InvalidArgumentError,
         r"unravel_index: index 9 is out of bounds for array in dims \[3, 3\] \(size 9\)",
         tf.unravel_index, np.array([1, 9], i32), np.array([3, 3], i32)),
    Case("invert_permutation_duplicate", InvalidArgumentError, r"invert_permutation: 1 is duplicated in the input",
         tf.math.invert_permutation, np.array([0, 1, 1], i32)),
    Case("switch_case_float_index", TypeError,
         r"switch_case: 'branch_index' must be an integer Tensor, got float32",
         lambda i: tf.switch_case(i, [lambda: 1.0]), T()),
    Case("case_none_true", InvalidArgumentError, r"case: Input error: None of conditions evaluated as True",
         lambda p: tf.case([(p, lambda: 1.0)]), tf.constant(False)),
    Case("tensor_array_write_past_end", OutOfRangeError,
         r"TensorArray.write: Tried to write to index 2 but array is not resizeable and size is: 2",
         _ta_write_past_end, T()),
    Case("saturate_cast_bool", TypeError, r"saturate_cast: cannot saturate to or from bool \(got float32 to bool\)",
         lambda x: tf.saturate_cast(x, tf.bool), T(2)),
    Case("name_scope_not_str", ValueError, r"name_scope: name for name_scope must be a string, got 3",
         tf.name_scope, 3),
    Case("device_bad_spec", ValueError,
         r"device: Unknown attribute 'foo' is encountered while parsing the device spec '/foo:0'",
         tf.device, "/foo:0"),
    Case("linalg_lu_not_square", InvalidArgumentError, r"lu: input must be square matrices.*\[2, 3\]",
         tf.linalg.lu, T(2, 3)),
    Case("linalg_lu_solve_rows", ValueError,
         r"lu_solve: `lower_upper.shape\[-1\]` must equal `rhs.shape\[-2\]`, got shapes \[2, 2\] and \[3, 1\]",
         lambda lu, rhs: tf.linalg.lu_solve(lu, [0, 1], rhs), T(2, 2), T(3, 1)),
    # (a singular tridiagonal system is no error: NaN, as TF's CPU kernel)
    Case("linalg_eigvalsh_nan", InvalidArgumentError, r"eigvalsh: Self-adjoint eigen decomposition was not",
         tf.linalg.eigvalsh, tf.constant([[np.nan, 0.0], [0.0, 1.0]])),
    Case("linalg_tridiagonal_batch", ValueError,
         r"tridiagonal_solve: Batch shapes \[2\] and \[3\] are incompatible",
         tf.linalg.tridiagonal_solve, T(2, 3, 4), T(3, 4, 1)),
    Case("linalg_expm_int", TypeError, r"expm: expected float32 or float64 operands, got int32",
         tf.linalg.expm, np.eye(2, dtype=i32)),
    Case("linalg_cross_last_dim", InvalidArgumentError,
         r"cross: the last dimension of a must be 3, got shape \[2, 2\]",
         tf.linalg.cross, T(2, 2), T(2, 3)),
    Case("linalg_set_diag_shape", InvalidArgumentError,
         r"set_diag: diagonal must have shape \[2, 3\] for input of shape \[2, 3, 4\] and k=0, got \[3\]",
         tf.linalg.set_diag, T(2, 3, 4), T(3)),
    # -- tf.math special functions (helper, session 18) ---------------------------------------------
    Case("special_lgamma_int", TypeError, r"lgamma: x must be a float32 or float64 tensor, got an int32",
         tf.math.lgamma, tf.constant(np.array([1, 2], np.int32))),
    Case("special_digamma_np_int", TypeError, r"digamma: x must be a float32 or float64 tensor, got a numpy int64 array",
         tf.math.digamma, np.array([1, 2], np.int64)),
    Case("special_erfinv_bool", TypeError, r"erfinv: x must be a float32 or float64 tensor, got a bool", tf.math.erfinv, True),
    Case("special_ndtri_str", TypeError, r"ndtri: x", tf.math.ndtri, "a"),
    Case("special_igamma_dtypes", TypeError, r"igamma: a, x must have one dtype, got float32 and float64",
         tf.math.igamma, T(), T(dtype=f64)),
    Case("special_igammac_shapes", InvalidArgumentError, r"igammac: Incompatible shapes for a, x: \[3\] vs. \[4\]",
         tf.math.igammac, np.ones(3), np.ones(4)),
    Case("special_zeta_shapes", InvalidArgumentError, r"zeta: Incompatible shapes for x, q: \[2\] vs. \[3\]",
         tf.math.zeta, np.ones(2), np.ones(3)),
    Case("special_betainc_shapes", InvalidArgumentError, r"betainc: Shapes of a and x are inconsistent: \[2\] vs. \[2, 1\]",
         tf.math.betainc, np.ones(2), 1.0, np.full((2, 1), 0.5)),
    Case("special_betainc_int_b", TypeError, r"betainc: b must be a float32 or float64 tensor, got an int64 tensor",
         tf.math.betainc, 1.0, tf.constant(np.array([1, 2], np.int64)), 0.5),
    Case("special_lbeta_scalar", InvalidArgumentError, r"lbeta: x must have rank at least 1", tf.math.lbeta, 1.0),
    Case("special_polygamma_bool", TypeError, r"polygamma: a must be a float32 or float64 tensor, got a bool array",
         tf.math.polygamma, np.array([True]), 1.0),
    Case("special_bessel_j0_ragged", ValueError, r"bessel_j0: x", tf.math.special.bessel_j0, [[1.0], [1.0, 2.0]]),
    Case("special_spence_none", TypeError, r"spence: x: expected numbers", tf.math.special.spence, None),
    # -- keras saving ---------------------------------------------------------------------------------
    Case("save_h5", ValueError, r"save_model: tapegrad cannot write the legacy HDF5 format \(it has no h5py dependency\)",
         lambda m: m.save("/nonexistent_dir/m.h5"), _compiled_model()),
    Case("save_extension", ValueError, r"Invalid filepath extension for saving\..*model\.export\(\).*Received: filepath=m\.tf",
         lambda m: m.save("m.tf"), _compiled_model()),
    Case("load_missing", ValueError, r"File not found: filepath=/nonexistent/m\.keras",
         lambda: K.models.load_model("/nonexistent/m.keras")),
    Case("load_h5", ValueError, r"load_model: tapegrad cannot read the legacy HDF5 format",
         lambda: K.models.load_model("weights.h5")),
    Case("load_dir", ValueError, r"File format not supported: filepath=/tmp\. tapegrad's load_model reads `\.keras` files",
         lambda: K.models.load_model("/tmp")),
    Case("deserialize_unknown", TypeError, r"Could not locate class 'NoSuchLayer'\. Make sure custom classes and functions are decorated with `@keras\.saving\.register_keras_serializable\(\)`",
         lambda: K.saving.deserialize_keras_object({"module": "my_pkg.layers", "class_name": "NoSuchLayer", "config": {}, "registered_name": "NoSuchLayer"})),
    Case("serialize_object", TypeError, r"Cannot serialize object <object object at .*> of type object\. To be serializable, a class must implement the `get_config\(\)` method",
         lambda: K.saving.serialize_keras_object(object())),
    Case("from_config_extra", TypeError, r"Error when deserializing class 'Dense' using config=\{'units': 2, 'colour': 'red'\}.*unexpected keyword arguments \['colour'\]",
         lambda: K.layers.Dense.from_config({"units": 2, "colour": "red"})),
    Case("model_from_json_bad", ValueError, r"model_from_json: the string is not valid JSON: Expecting value",
         lambda: K.models.model_from_json("not json")),
    Case("model_from_json_type", TypeError, r"model_from_json: expected a JSON string \(model\.to_json\(\)\), got int",
         lambda: K.models.model_from_json(3)),
    Case("register_no_get_config", ValueError, r"Cannot register a class that does not have a get_config\(\) method",
         lambda: K.saving.register_keras_serializable()(type("NoConfig", (), {}))),
    Case("checkpoint_extension", ValueError, r"ModelCheckpoint: the filepath provided must end in `\.keras`.*Received: filepath=w\.h5",
         lambda: K.callbacks.ModelCheckpoint("w.h5")),
    Case("clone_not_model", TypeError, r"clone_model: expected a keras Model, got Dense",
         lambda: K.models.clone_model(K.layers.Dense(2))),
    Case("scope_not_dict", TypeError, r"custom_object_scope: expected dicts of name -> object, got \[1\] of type list",
         lambda: K.saving.custom_object_scope([1])),
    # -- 3-D convolutions and pooling, tf.nn's other convolution entry points, Keras' 3-D layers ----
    Case("conv3d_rank", InvalidArgumentError, r"conv3d: input must be \[batch, depth, height, width, channels\] \(rank 5\), got shape \[4, 4, 4, 2\]",
         lambda x, f: tf.nn.conv3d(x, f, 1, "SAME"), T(4, 4, 4, 2), T(3, 3, 3, 2, 1)),
    Case("conv3d_channels", InvalidArgumentError, r"conv3d: input depth 2 must equal the filters' in_channels 3 \(input \[1, 4, 4, 4, 2\], filters \[3, 3, 3, 3, 1\]\)",
         lambda x, f: tf.nn.conv3d(x, f, 1, "SAME"), T(1, 4, 4, 4, 2), T(3, 3, 3, 3, 1)),
    Case("conv3d_padding", InvalidArgumentError, r"conv3d: padding must be 'SAME', 'VALID' or a list of pairs, got 'FULL'",
         lambda x, f: tf.nn.conv3d(x, f, 1, "FULL"), T(1, 4, 4, 4, 2), T(3, 3, 3, 2, 1)),
    Case("conv3d_negative_stride", InvalidArgumentError, r"conv3d: strides must be positive, got \[1, -2, 1\]",
         lambda x, f: tf.nn.conv3d(x, f, [1, -2, 1], "SAME"), T(1, 4, 4, 4, 2), T(3, 3, 3, 2, 1)),
    Case("conv3d_ncdhw", InvalidArgumentError, r"conv3d: data_format 'NCDHW' is not supported",
         lambda x, f: tf.nn.conv3d(x, f, 1, "SAME", data_format="NCDHW"), T(1, 2, 4, 4, 4), T(3, 3, 3, 2, 1)),
    Case("conv3d_transpose_shape", InvalidArgumentError, r"conv3d_transpose: a conv3d of output_shape \[1, 9, 9, 9, 2\] with these filters, strides and padding has spatial shape \[5, 5, 5\], but input has \[3, 3, 3\]",
         lambda x, f: tf.nn.conv3d_transpose(x, f, [1, 9, 9, 9, 2], 2, "SAME"), T(1, 3, 3, 3, 1), T(3, 3, 3, 2, 1)),
    Case("max_pool3d_explicit_padding", InvalidArgumentError, r"max_pool3d: padding must be 'SAME' or 'VALID'",
         lambda x: tf.nn.max_pool3d(x, 2, 2, [[0, 0], [1, 1], [1, 1], [1, 1], [0, 0]]), T(1, 4, 4, 4, 2)),
    Case("avg_pool3d_int", TypeError, r"avg_pool3d: input must be a float32 or float64 tensor, got an int32 tensor",
         lambda x: tf.nn.avg_pool3d(x, 2, 2, "SAME"), T(1, 4, 4, 4, 2, dtype=np.int32)),
    Case("convolution_strides_and_dilations", ValueError, r"convolution: strides > 1 are not supported together with dilations > 1, got strides \[2, 2, 2\] and dilations \[2, 2, 2\]",
         lambda x, f: tf.nn.convolution(x, f, strides=2, dilations=2), T(1, 6, 6, 6, 2), T(2, 2, 2, 2, 1)),
    Case("pool_type", ValueError, r"pool: pooling_type must be 'MAX' or 'AVG', got 'MIN'",
         lambda x: tf.nn.pool(x, [2, 2], "MIN"), T(1, 4, 4, 2)),
    Case("conv_transpose_rank", ValueError, r"conv_transpose: output_shape must have 3, 4 or 5 entries \(1-D, 2-D or 3-D\), got \[1, 2\]",
         lambda x, f: tf.nn.conv_transpose(x, f, [1, 2], 1), T(1, 4, 2), T(3, 2, 2)),
    Case("max_pool_with_argmax_dtype", TypeError, r"max_pool_with_argmax: output_dtype must be int32 or int64, got 'float32'",
         lambda x: tf.nn.max_pool_with_argmax(x, 2, 2, "SAME", output_dtype="float32"), T(1, 4, 4, 1)),
    Case("lrn_rank", InvalidArgumentError, r"local_response_normalization: input must be 4-D \[batch, height, width, channels\], got shape \[4, 4\]",
         lambda x: tf.nn.local_response_normalization(x), T(4, 4)),
    Case("keras_conv3d_channels", ValueError, r"Input 0 of layer .* is incompatible with the layer: expected shape \(batch, depth, height, width, 3\), but received input with shape \(1, 2, 2, 2, 4\)",
         lambda layer, x: layer(x), _built_conv3d(), T(1, 2, 2, 2, 4)),
    Case("keras_conv3d_groups", ValueError, r"Conv3D 'conv3d\w*': the number of filters must be evenly divisible by the number of groups. Received: groups=2, filters=5",
         lambda: K.layers.Conv3D(5, 3, groups=2)),
    # tf.data's interleave, window, scan, grouping, sampling and file readers (helper, session 18)
    Case("data_interleave_cycle", InvalidArgumentError, r"Dataset.interleave: cycle_length must be greater than zero, got 0",
         lambda: tf.data.Dataset.range(3).interleave(lambda x: tf.data.Dataset.range(x), cycle_length=0)),
    Case("data_interleave_not_dataset", TypeError, r"Dataset.interleave: Invalid `map_func`. `map_func` must return a `tf.data.Dataset` object",
         lambda: list(tf.data.Dataset.range(3).interleave(lambda x: x, cycle_length=1))),
    Case("data_window_shift", InvalidArgumentError, r"Dataset.window: Window shift must be greater than zero, but got 0.",
         lambda: tf.data.Dataset.range(5).window(2, shift=0)),
    Case("data_batch_windows", TypeError, r"Dataset.batch: cannot batch elements whose components are Datasets",
         lambda: tf.data.Dataset.range(5).window(2).batch(2)),
    Case("data_scan_not_pair", TypeError, r"Dataset.scan: Invalid `scan_func`. `scan_func` should return a pair",
         lambda: list(tf.data.Dataset.range(3).scan(np.int64(0), lambda s, x: s + x))),
    Case("data_scan_state_dtype", TypeError, r"Dataset.scan: Invalid `scan_func`. The element types for the new state must match the initial state. Expected 'int64', got 'float32'",
         lambda: list(tf.data.Dataset.range(3).scan(np.int64(0), lambda s, x: (tf.cast(s, tf.float32), x)))),
    Case("data_take_while_float", ValueError, r"Dataset.take_while: Invalid `predicate`. `predicate` must return a `tf.bool` scalar tensor, but it returned a float32 tensor of shape \[\]",
         lambda: list(tf.data.Dataset.from_tensor_slices([1.0]).take_while(lambda x: x))),
    Case("data_single_element", InvalidArgumentError, r"Dataset.get_single_element: Dataset had more than one element.",
         lambda: tf.data.Dataset.range(2).get_single_element()),
    Case("data_group_by_window_args", ValueError, r"Dataset.group_by_window: Either the `window_size` argument or the `window_size_func` argument must be specified.",
         lambda: tf.data.Dataset.range(3).group_by_window(lambda x: x, lambda k, d: d)),
    Case("data_group_by_window_key", ValueError, r"Dataset.group_by_window: Invalid `key_func`. `key_func` must return a single `tf.int64` scalar tensor but it returned a float32 tensor",
         lambda: list(tf.data.Dataset.from_tensor_slices([1.0]).group_by_window(lambda x: x, lambda k, d: d, window_size=1))),
    Case("data_bucket_sizes", ValueError, r"Dataset.bucket_by_sequence_length: `len\(bucket_batch_sizes\)` must equal `len\(bucket_boundaries\) \+ 1`",
         lambda: tf.data.Dataset.range(3).bucket_by_sequence_length(lambda x: x, [1, 2], [1, 1])),
    Case("data_sample_weights_len", ValueError, r"Dataset.sample_from_datasets: Invalid `weights`. `weights` should have the same length as `datasets` but got `len\(weights\)=3` vs. `len\(datasets\)=2`",
         lambda: tf.data.Dataset.sample_from_datasets([tf.data.Dataset.range(2)] * 2, weights=[0.2, 0.3, 0.5])),
    Case("data_choose_float", TypeError, r"Dataset.choose_from_datasets: Invalid `choice_dataset`. Elements of `choice_dataset` must be scalar `tf.int64` tensors",
         lambda: tf.data.Dataset.choose_from_datasets([tf.data.Dataset.range(2)], tf.data.Dataset.from_tensor_slices([0.0]))),
    Case("data_choose_range", InvalidArgumentError, r"Dataset.choose_from_datasets: Selector index out of range: 2 >= 2",
         lambda: list(tf.data.Dataset.choose_from_datasets([tf.data.Dataset.range(2)] * 2, tf.data.Dataset.range(3)))),
    Case("data_list_files_none", InvalidArgumentError, r"Dataset.list_files: No files matched pattern: /nonexistent_dir_tapegrad/\*.txt",
         lambda: tf.data.Dataset.list_files("/nonexistent_dir_tapegrad/*.txt")),
    Case("data_textline_compression", InvalidArgumentError, r"TextLineDataset: Unsupported compression_type: 'ZIP'",
         lambda: tf.data.TextLineDataset("x.txt", compression_type="ZIP")),
    Case("data_mixed_strings", TypeError, r"Dataset.from_tensor_slices: cannot convert a list that mixes strings and int values",
         lambda: tf.data.Dataset.from_tensor_slices(["a", 1])),
    # keras.constraints, tf.Variable(constraint=), multi-label AUC (session 19)
    Case("constraint_unknown_name", ValueError, r"Unknown constraint: 'no_such'",
         lambda: K.constraints.get("no_such")),
    Case("constraint_not_callable", ValueError, r"Could not interpret constraint function identifier: 5",
         lambda: K.constraints.get(5)),
    Case("dense_kernel_constraint_name", ValueError, r"Unknown constraint: 'maxnorms'",
         lambda: K.layers.Dense(2, kernel_constraint="maxnorms")),
    Case("variable_constraint_not_callable", ValueError,
         r"Variable: argument `constraint` must be None or a callable, got int: 5",
         lambda: tf.Variable(1.0, constraint=5)),
    Case("max_norm_axis_range", InvalidArgumentError,
         r"MaxNorm: axis 2 is out of range for a weight of shape \(3, 4\) \(rank 2\)",
         lambda w: K.constraints.MaxNorm(axis=2)(w), np.ones((3, 4), f32)),
    Case("radial_not_square", InvalidArgumentError,
         r"RadialConstraint: the kernel must be square and at least 2x2 \(rows == cols >= 2\), got shape \(3, 4, 1, 1\)",
         lambda w: K.constraints.RadialConstraint()(w), np.ones((3, 4, 1, 1), f32)),
    Case("non_neg_int", TypeError, r"NonNeg: expected a floating-point weight tensor, got dtype int32",
         lambda w: K.constraints.NonNeg()(w), np.array([1, -2], np.int32)),
    Case("auc_multi_label_rank", ValueError, r"auc: `y_true` must have rank 2 when `multi_label=True`. Found rank 1",
         lambda m, a, b: m.update_state(a, b), K.metrics.AUC(multi_label=True),
         np.array([0, 1, 1], f32), np.array([0.2, 0.6, 0.7], f32)),
    Case("auc_multi_label_inconsistent", ValueError,
         r"auc: Number of labels is not consistent: expected y_true and y_pred of shape \(batch, 2\), got \(2, 3\)",
         lambda m, a, b: m.update_state(a, b), K.metrics.AUC(multi_label=True, num_labels=2),
         np.zeros((2, 3), f32), np.zeros((2, 3), f32)),
    # tf.sparse (session 19)
    Case("sparse_indices_rank", ValueError, r"indices must have rank 2",
         tf.SparseTensor, np.array([0, 1], np.int64), np.array([1.0], f32), np.array([2], np.int64)),
    Case("sparse_indices_values_disagree", ValueError, r"indices shape \[2, 2\] and values shape \[1\]",
         tf.SparseTensor, np.array([[0, 1], [1, 1]], np.int64), np.array([1.0], f32), np.array([2, 2], np.int64)),
    Case("sparse_indices_float", TypeError, r"indices must be int64",
         tf.SparseTensor, np.array([[0.5, 1.0]], f32), np.array([1.0], f32), np.array([2, 2], np.int64)),
    Case("sparse_to_dense_out_of_bounds", InvalidArgumentError, r"indices\[1\] = \[2, 1\] is out of bounds",
         lambda: tf.sparse.to_dense(tf.SparseTensor([[0, 0], [2, 1]], [1.0, 2.0], [2, 3]))),
    Case("sparse_to_dense_repeated", InvalidArgumentError, r"is repeated",
         lambda: tf.sparse.to_dense(tf.SparseTensor([[0, 0], [0, 0]], [1.0, 2.0], [2, 3]))),
    Case("sparse_to_dense_dense_input", TypeError, r"sp_input must be a SparseTensor",
         tf.sparse.to_dense, T(2, 2)),
    Case("sparse_matmul_inner", InvalidArgumentError, r"inner dimensions",
         lambda b: tf.sparse.sparse_dense_matmul(tf.SparseTensor([[0, 0]], [1.0], [2, 3]), b), T(2, 2)),
    Case("sparse_matmul_dtype", TypeError, r"float64",
         lambda b: tf.sparse.sparse_dense_matmul(tf.SparseTensor([[0, 0]], [1.0], [2, 3]), b), T(3, 2, dtype=f64)),
    Case("sparse_reshape_size", InvalidArgumentError, r"6 dense values",
         lambda: tf.sparse.reshape(tf.SparseTensor([[0, 0]], [1.0], [2, 3]), [4, 2])),
    Case("sparse_convert_to_tensor", TypeError, r"tf.sparse.to_dense",
         lambda: tf.convert_to_tensor(tf.SparseTensor([[0, 0]], [1.0], [2, 3]))),
    # tf.ragged (session 19)
    Case("ragged_row_splits_start", InvalidArgumentError, r"RaggedTensor.from_row_splits: row_splits\[0\] must be 0, got 1",
         tf.RaggedTensor.from_row_splits, T(3), np.array([1, 2, 3])),
    Case("ragged_row_splits_unsorted", InvalidArgumentError,
         r"from_row_splits: row_splits must be sorted in ascending order, got row_splits\[1\] = 3 > row_splits\[2\] = 2",
         tf.RaggedTensor.from_row_splits, T(3), np.array([0, 3, 2, 3])),
    Case("ragged_row_splits_end", InvalidArgumentError,
         r"from_row_splits: row_splits\[-1\] = 2 must equal the number of values 3 \(values shape \(3,\)\)",
         tf.RaggedTensor.from_row_splits, T(3), np.array([0, 2])),
    Case("ragged_row_splits_float", ValueError, r"from_row_splits: row_splits must have dtype int32 or int64, got float32",
         tf.RaggedTensor.from_row_splits, T(3), T(2)),
    Case("ragged_value_rowids_nrows", InvalidArgumentError,
         r"from_value_rowids: Expected nrows >= value_rowids\[-1\] \+ 1; got nrows=2, value_rowids\[-1\]=2",
         lambda v, ids: tf.RaggedTensor.from_value_rowids(v, ids, nrows=2), T(3), np.array([0, 1, 2])),
    Case("ragged_constant_nesting", ValueError, r"ragged.constant: all scalar values must have the same nesting depth",
         tf.ragged.constant, [[1.0, [2.0]]]),
    Case("ragged_getitem_inner_int", ValueError,
         r"RaggedTensor.__getitem__: cannot index into an inner ragged dimension with an integer",
         lambda v, s: tf.RaggedTensor.from_row_splits(v, s)[:, 0], T(3), np.array([0, 1, 3])),
    Case("ragged_add_partitions", InvalidArgumentError, r"add: the RaggedTensors must have identical row partitions",
         lambda v: tf.RaggedTensor.from_row_splits(v, [0, 1, 3]) + tf.RaggedTensor.from_row_splits(v, [0, 2, 3]), T(3)),
    Case("ragged_reduce_axis", InvalidArgumentError, r"reduce_sum: axis 2 is out of range for a RaggedTensor of rank 2",
         lambda v: tf.reduce_sum(tf.RaggedTensor.from_row_splits(v, [0, 1, 3]), axis=2), T(3)),
    Case("ragged_concat_axis1_rows", InvalidArgumentError,
         r"concat: along axis 1 the inputs must have the same number of rows, got \[1, 2\]",
         lambda v: tf.concat([tf.RaggedTensor.from_row_splits(v, [0, 3]), tf.RaggedTensor.from_row_splits(v, [0, 1, 3])], 1), T(3)),
]

N_CASES = len(CASES)


# -- what "unchanged" means for each kind of object a caller holds ----------------------------------

def _snapshot(obj):
    if isinstance(obj, (tf.Tensor, tf.Variable)):
        return ("tensor", type(obj), tuple(obj.shape), obj.dtype, np.array(obj.numpy(), copy=True))
    if isinstance(obj, np.ndarray):
        return ("array", obj.shape, obj.dtype, obj.copy() if obj.size < 2 ** 20 else obj.strides)
    if isinstance(obj, (list, tuple)):
        return (type(obj), [_snapshot(o) for o in obj])
    if isinstance(obj, K.layers.Layer):
        return ("layer", obj.built, [w.copy() for w in obj.get_weights()])
    if isinstance(obj, K.Sequential):
        return ("model", obj.built, [w.copy() for w in obj.get_weights()])
    if isinstance(obj, K.optimizers.Optimizer):
        return ("optimizer", int(obj.iterations), len(obj.variables), [v.numpy() for v in obj.variables])
    if isinstance(obj, tf.GradientTape):
        return ("tape", obj._tape.num_entries)
    return ("other", repr(obj))


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, (list, tuple)):
        return (isinstance(b, (list, tuple)) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b)))
    return a == b


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_bad_call(case):
    before = [_snapshot(a) for a in case.args]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(case.exc) as info:
            case.fn(*case.args)
    msg = str(info.value)
    assert re.search(case.match, msg, re.S), f"{type(info.value).__name__}: {msg}"
    after = [_snapshot(a) for a in case.args]
    for i, (b, a) in enumerate(zip(before, after)):
        assert _same(b, a), f"argument {i} changed: {b} -> {a}"
    if case.after is not None:
        case.after(*case.args)


def test_case_count():
    ids = [c.id for c in CASES]
    assert len(set(ids)) == len(ids), "case ids must be unique"
    assert N_CASES >= 60
    print(f"\n{N_CASES} bad calls checked")
    # The README quotes this figure: it must never claim more cases than the table holds.
    readme = os.path.join(os.path.dirname(__file__), os.pardir, "README.md")
    if os.path.exists(readme):
        for claimed in re.findall(r"(\d+) bad calls", open(readme, encoding="utf-8").read()):
            assert int(claimed) <= N_CASES, f"README claims {claimed} bad calls, the table has {N_CASES}"


def test_tape_still_records_after_a_failed_op():
    x = T(2)
    with tf.GradientTape() as tape:
        tape.watch(x)
        with pytest.raises(InvalidArgumentError):
            tf.add(x, T(3))
        with pytest.raises(MemoryError):
            tf.broadcast_to(x[0], (_BIG,))
        y = x * x
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 4.0])


def test_failed_optimizer_step_leaves_no_trace():
    # The cases above check the variables; the slots and the step counter must not move either.
    a, b = V(2, name="a"), V(3, name="b")
    opt = K.optimizers.Adam()
    with pytest.raises(ValueError):
        opt.apply_gradients([(tf.ones((2,)), a), (tf.ones((2,)), b)])
    # no slot was created: only Keras 3's step count and learning-rate variables
    assert int(opt.iterations) == 0 and len(opt.variables) == 2 and not opt.built
    opt.apply_gradients([(tf.ones((2,)), a), (tf.ones((3,)), b)])
    assert int(opt.iterations) == 1 and np.all(a.numpy() < [1.0, 2.0])


def test_gradient_of_an_op_with_more_than_64_inputs():
    # The backward walk kept one "needs a gradient" flag per input in a 64-entry array.
    xs = [tf.constant([float(i)]) for i in range(100)]
    with tf.GradientTape() as tape:
        tape.watch(xs)
        y = tf.concat(xs, 0) * tf.constant(np.arange(100, dtype=f32))
    grads = tape.gradient(y, xs)
    assert [float(g[0]) for g in grads] == [float(i) for i in range(100)]


def test_random_scalar_shape():
    assert tf.random.normal(()).shape == () and tf.random.uniform([]).shape == ()


def _kernel_refuses(nbytes):
    """Whether Linux refuses one allocation of nbytes outright, so no page of it is ever
    touched: overcommit mode 0 (heuristic) refuses more than RAM + swap, mode 2 (strict)
    refuses more than the commit limit; mode 1 grants anything."""
    try:
        mode = int(open("/proc/sys/vm/overcommit_memory").read())
        info = dict(line.split(":", 1) for line in open("/proc/meminfo"))
    except OSError:
        return False
    kib = lambda key: int(info[key].split()[0]) * 1024
    if mode == 0:
        return nbytes > kib("MemTotal") + kib("SwapTotal")
    return mode == 2 and nbytes > kib("CommitLimit")


@pytest.mark.skipif(not _kernel_refuses(2 ** 38), reason="this machine's overcommit policy "
                    "would grant 256 GiB, and zeros() would then write every page of it")
def test_zeros_of_256_gib_is_memory_error():
    with pytest.raises(MemoryError, match=r"fill: failed to allocate 274877906944 bytes \(256.0 GiB\) "
                                          r"for a float32 tensor of shape \(68719476736,\)"):
        tf.zeros((2 ** 36,))


# -- a failed allocation of an ordinary size, with the address space capped ----------------------

UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")

_CAPPED = textwrap.dedent(r"""
    import resource, numpy as np, tapegrad as tf
    x = tf.ones((1000,))
    # Cap the address space a little above what the process uses now: 1 GiB can't be had.
    with open("/proc/self/statm") as f:
        used = int(f.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (used + (256 << 20), resource.RLIM_INFINITY))
    for make in (lambda: tf.zeros((2 ** 28,)),
                 lambda: tf.constant(np.broadcast_to(np.float32(1), (2 ** 28,))),
                 lambda: x + tf.zeros((2 ** 18, 1000))):
        try:
            make()
            print("allocated")
        except MemoryError as e:
            print("MemoryError:", e)
    print("still works:", float(tf.reduce_sum(x * 2.0)))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc are Linux's")
def test_failed_allocation_of_ordinary_size_is_memory_error():
    r = subprocess.run([sys.executable, "-c", _CAPPED], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "TAPEGRAD_NUM_THREADS": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.splitlines()
    assert lines[0] == "MemoryError: fill: failed to allocate 1073741824 bytes (1.0 GiB) for a float32 tensor of shape (268435456,)"
    assert lines[1].startswith("MemoryError: constant: failed to allocate 1073741824 bytes")
    assert lines[2].startswith("MemoryError: ") and "(262144, 1000)" in lines[2]
    assert lines[3] == "still works: 2000.0"


_NO_THREADS = textwrap.dedent(r"""
    import resource, numpy as np, tapegrad as tf
    x = tf.constant(np.linspace(0, 1, 1 << 22, dtype=np.float32))
    want = float(np.sum(np.exp(x.numpy())))
    with open("/proc/self/statm") as f:
        used = int(f.read().split()[0]) * resource.getpagesize()
    # Room for the result (16 MiB) and a few thread stacks (8 MiB each), not for 999: the pool
    # starts some workers, then the OS refuses one.
    resource.setrlimit(resource.RLIMIT_AS, (used + (64 << 20), resource.RLIM_INFINITY))
    tf.set_num_threads(1000)
    y = tf.exp(x)
    print(float(tf.reduce_sum(y)) / want)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc are Linux's")
@pytest.mark.skipif(UNDER_ASAN, reason="under ASan (the sanitizer stage): ASan reserves terabytes of shadow address space, so RLIMIT_AS cannot cap it; allocation failure is covered there by max_allocation_size_mb")
def test_threads_the_os_refuses_fall_back_to_the_callers_thread():
    # The pool used to be left half-built (a hang in a condition variable's destructor).
    # One malloc arena: a new thread's first allocation (its thread-local data) then comes from
    # the process heap instead of a fresh 64 MiB arena the address-space cap would refuse
    # (glibc aborts the process when that fails).
    r = subprocess.run([sys.executable, "-c", _NO_THREADS], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "MALLOC_ARENA_MAX": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    assert abs(float(r.stdout) - 1.0) < 1e-4


_GEMM_SCRATCH = textwrap.dedent(r"""
    import re, resource, sys
    import numpy as np, tapegrad as tf
    tf.set_num_threads(int(sys.argv[1]))
    a = tf.constant(np.ones((2048, 2048), np.float32))
    tmp = a + 1  # starts the pool; its 16 MiB go back to the block cache for the matmul's result
    del tmp
    with open("/proc/self/status") as f:
        vm = int(re.search(r"VmSize:\s+(\d+)", f.read()).group(1)) * 1024
    # 1 MiB more address space: the result comes from the cache, the GEMM's packing buffers
    # (AVX-512: 2 MiB of A, 0.5 MiB of B per thread; AVX2: 0.2 MiB of A, 1.4 MiB of B) cannot
    # be had.
    resource.setrlimit(resource.RLIMIT_AS, (vm + (1 << 20), resource.RLIM_INFINITY))
    try:
        tf.matmul(a, a)
        print("no error")
    except MemoryError as e:
        print("MemoryError:", e)
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    print(float(tf.reduce_sum(tf.matmul(a, a))) / 2048 ** 3)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc are Linux's")
@pytest.mark.skipif(UNDER_ASAN, reason="under ASan (the sanitizer stage): ASan reserves terabytes of shadow address space, so RLIMIT_AS cannot cap it")
@pytest.mark.parametrize("threads", [1, 2])
def test_gemm_packing_buffer_that_cannot_be_had_is_memory_error(threads):
    # It aborted the process (and from a pool worker, an exception would have called
    # std::terminate): Note [Exceptions in chunks].
    # glibc's thresholds fixed at 128 KiB: a freed 16 MiB numpy array would otherwise raise the
    # mmap threshold, and a packing buffer of 1.4 MiB (AVX2's float32 B panel) could then come
    # from free heap space without new address space (seen once in a full run, session 20).
    env = {**os.environ, "MALLOC_ARENA_MAX": "1", "MALLOC_MMAP_THRESHOLD_": "131072",
           "MALLOC_TRIM_THRESHOLD_": "131072"}
    r = subprocess.run([sys.executable, "-c", _GEMM_SCRATCH, str(threads)], capture_output=True,
                       text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.splitlines()
    assert re.fullmatch(r"MemoryError: matmul: failed to allocate \d+ bytes for the GEMM's packing buffer",
                        lines[0]), lines
    assert lines[1] == "1.0"


# -- NaN and inf propagate as in numpy: no exception ------------------------------------------------

_NAN_IN = np.array([np.nan, np.inf, -np.inf, 1.0, -2.0, 0.0, np.nan, 3.0, np.inf, -0.5, 2.0,
                    np.nan, 5.0, -np.inf, 0.25, 7.0, 1.0])  # 17: a vector body and a tail
_NAN_W = np.array([1.0, np.inf, np.inf, np.nan, 0.0, 0.0, -1.0, np.nan, -np.inf, 2.0, np.nan, 3.0,
                   -np.inf, 1.0, 0.0, 1.0, np.nan])


def _np_relu(v):
    return np.where(np.isnan(v), v, np.maximum(v, 0))


def _np_softmax(v):
    e = np.exp(v - v.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


NAN_CASES = [
    ("add", lambda x, w: x + w, lambda v, w: v + w),
    ("subtract", tf.subtract, np.subtract),
    ("multiply", tf.multiply, np.multiply),
    ("divide", tf.divide, np.divide),
    ("pow", tf.pow, np.power),
    ("maximum", tf.maximum, np.maximum),
    ("minimum", tf.minimum, np.minimum),
    ("exp", lambda x, w: tf.exp(x), lambda v, w: np.exp(v)),
    ("log", lambda x, w: tf.math.log(x), lambda v, w: np.log(v)),
    ("sqrt", lambda x, w: tf.sqrt(x), lambda v, w: np.sqrt(v)),
    ("tanh", lambda x, w: tf.tanh(x), lambda v, w: np.tanh(v)),
    ("erf", lambda x, w: tf.math.erf(x), lambda v, w: np.vectorize(math.erf)(v)),
    ("sigmoid", lambda x, w: tf.sigmoid(x), lambda v, w: 1 / (1 + np.exp(-v))),
    ("abs", lambda x, w: tf.abs(x), lambda v, w: np.abs(v)),
    ("sign", lambda x, w: tf.sign(x), lambda v, w: np.sign(v)),
    ("square", lambda x, w: tf.square(x), lambda v, w: v * v),
    ("relu", lambda x, w: tf.nn.relu(x), lambda v, w: _np_relu(v)),
    ("reduce_sum", lambda x, w: tf.reduce_sum(x), lambda v, w: v.sum()),
    ("reduce_mean", lambda x, w: tf.reduce_mean(x), lambda v, w: v.mean()),
    ("reduce_max", lambda x, w: tf.reduce_max(x), lambda v, w: v.max()),
    ("reduce_max_rows", lambda x, w: tf.reduce_max(tf.reshape(x[:16], (4, 4)), 1),
     lambda v, w: v[:16].reshape(4, 4).max(1)),
    ("reduce_max_no_nan", lambda x, w: tf.reduce_max(x[1:6]), lambda v, w: v[1:6].max()),
    ("matmul", lambda x, w: tf.reshape(x[:16], (4, 4)) @ tf.reshape(w[:16], (4, 4)),
     lambda v, w: v[:16].reshape(4, 4) @ w[:16].reshape(4, 4)),
    ("linear_relu", lambda x, w: tf.nn.linear(tf.reshape(x[:16], (4, 4)), tf.reshape(w[:16], (4, 4)), None, "relu"),
     lambda v, w: _np_relu(v[:16].reshape(4, 4) @ w[:16].reshape(4, 4))),
    ("softmax", lambda x, w: tf.nn.softmax(tf.reshape(x[:16], (4, 4))), lambda v, w: _np_softmax(v[:16].reshape(4, 4))),
    ("clip_by_value", lambda x, w: tf.clip_by_value(x, -1.0, 1.0), lambda v, w: np.clip(v, -1, 1)),
    ("cast", lambda x, w: tf.cast(x, tf.float64 if x.dtype == tf.float32 else tf.float32),
     lambda v, w: v.astype(f64 if v.dtype == f32 else f32)),
]


@pytest.mark.parametrize("dtype", [f32, f64], ids=["float32", "float64"])
@pytest.mark.parametrize("name,op,ref", NAN_CASES, ids=[c[0] for c in NAN_CASES])
def test_nan_and_inf_propagate_as_in_numpy(name, op, ref, dtype):
    v, w = _NAN_IN.astype(dtype), _NAN_W.astype(dtype)
    got = np.asarray(op(tf.constant(v), tf.constant(w)).numpy())
    with np.errstate(all="ignore"):
        want = np.asarray(ref(v, w))
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got) * np.sign(got), np.isinf(want) * np.sign(want))
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=2e-6 if dtype == f32 else 1e-12, atol=0)


# -- TAPEGRAD_ISA: a bad value fails the import, with the reason ------------------------------------

def _import_with_isa(value, code="import tapegrad"):
    # Only the import: the error must come from it, not from a first op or config.isa().
    return subprocess.run([sys.executable, "-c", code],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TAPEGRAD_ISA": value})


def test_unknown_isa_in_environment_fails_the_import():
    r = _import_with_isa("avx1024")
    assert r.returncode != 0
    assert "ValueError: TAPEGRAD_ISA: unknown ISA 'avx1024'; expected one of scalar, avx2, avx512" in r.stderr


_LACKING = [i for i in ("avx512", "avx2") if not tf.config.cpu_supports(i)]


@pytest.mark.skipif(not _LACKING, reason="this CPU runs every ISA tapegrad has (or this is the emulated AVX-512 test build, .ci/emulate-avx512), so none can be refused")
def test_isa_the_cpu_lacks_fails_the_import():
    r = _import_with_isa(_LACKING[0])
    assert r.returncode != 0
    assert (f"RuntimeError: TAPEGRAD_ISA: ISA '{_LACKING[0]}': this CPU (or this build) does not "
            "support it") in r.stderr


def test_isa_from_the_environment_is_used():
    r = _import_with_isa("scalar", "import tapegrad; print(tapegrad.config.isa())")
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip() == "scalar"
