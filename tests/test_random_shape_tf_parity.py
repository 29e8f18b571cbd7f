"""TF parity of how every shape-taking function of tapegrad.random handles its ``shape``
argument (and categorical's ``num_samples``): what is accepted and with which result shape,
and which exception class a bad one raises.

Every expected outcome below was observed by running the same calls with TF 2.21.0 (the
reference venv) and is pasted here as a literal: TF is not installed where the tests run.
TF converts ``shape`` to a tensor that must be a vector of int32 / int64 (a scalar such as
``tf.random.uniform(3)`` is an InvalidArgumentError); ``gamma`` and ``poisson`` convert it
with dtype int32 instead, so they differ on floats, bools and non-int32 tensors."""

import numpy as np
import pytest

import tapegrad as tf

IAE, VE, TE = "InvalidArgumentError", "ValueError", "TypeError"


def _functions():
    g = tf.random.Generator.from_seed(1)
    R = tf.random
    return {
        # name: (call, op name in messages)
        "uniform": (lambda s: R.uniform(s), "random.uniform"),
        "uniform_int": (lambda s: R.uniform(s, 0, 10, dtype=tf.int32), "random.uniform"),
        "normal": (lambda s: R.normal(s), "random.normal"),
        "truncated_normal": (lambda s: R.truncated_normal(s), "random.truncated_normal"),
        "gamma": (lambda s: R.gamma(s, 1.0), "random.gamma"),
        "poisson": (lambda s: R.poisson(s, 1.0), "random.poisson"),
        "stateless_uniform": (lambda s: R.stateless_uniform(s, [1, 2]), "random.stateless_uniform"),
        "stateless_normal": (lambda s: R.stateless_normal(s, [1, 2]), "random.stateless_normal"),
        "stateless_truncated_normal": (lambda s: R.stateless_truncated_normal(s, [1, 2]),
                                       "random.stateless_truncated_normal"),
        "stateless_poisson": (lambda s: R.stateless_poisson(s, [1, 2], 1.0), "random.stateless_poisson"),
        "stateless_gamma": (lambda s: R.stateless_gamma(s, [1, 2], 1.0), "random.stateless_gamma"),
        "stateless_binomial": (lambda s: R.stateless_binomial(s, [1, 2], 5.0, 0.5),
                               "random.stateless_binomial"),
        "Generator.normal": (lambda s: g.normal(s), "Generator.normal"),
        "Generator.uniform": (lambda s: g.uniform(s), "Generator.uniform"),
        "Generator.truncated_normal": (lambda s: g.truncated_normal(s), "Generator.truncated_normal"),
        "Generator.uniform_full_int": (lambda s: g.uniform_full_int(s), "Generator.uniform_full_int"),
        "Generator.binomial": (lambda s: g.binomial(s, 5.0, 0.5), "Generator.binomial"),
    }


FUNCTIONS = list(_functions())
INT32_SHAPED = {"gamma", "poisson"}  # TF converts their shape with dtype=int32

# name: (shape maker, TF 2.21's outcome for the 15 other functions, for gamma / poisson,
# a piece of the bad shape the message must show (None: not checked)).
# An outcome is the result's shape, or the class TF raised.
CASES = {
    "int": (lambda: 3, IAE, IAE, "3"),
    "np_int": (lambda: np.int64(3), IAE, IAE, "3"),
    "scalar_tensor": (lambda: tf.constant(3), IAE, IAE, "3"),
    "np_0d": (lambda: np.array(3), IAE, IAE, "3"),
    "float_scalar": (lambda: 3.0, IAE, TE, "3.0"),
    "np_float_scalar": (lambda: np.float32(3), IAE, IAE, "3"),
    "bool_scalar": (lambda: True, IAE, IAE, "True"),
    "str": (lambda: "ab", IAE, TE, "ab"),
    "empty_list": (lambda: [], (), (), None),
    "empty_tuple": (lambda: (), (), (), None),
    "list": (lambda: [2, 3], (2, 3), (2, 3), None),
    "tuple": (lambda: (2, 3), (2, 3), (2, 3), None),
    "zero_dim": (lambda: [0, 3], (0, 3), (0, 3), None),
    "tensor_i32": (lambda: tf.constant([2, 3]), (2, 3), (2, 3), None),
    "tensor_i64": (lambda: tf.constant([2, 3], dtype=tf.int64), (2, 3), VE, "int64"),
    "np_i64": (lambda: np.array([2, 3]), (2, 3), (2, 3), None),
    "np_i32": (lambda: np.array([2, 3], np.int32), (2, 3), (2, 3), None),
    "np_empty_i64": (lambda: np.array([], np.int64), (), (), None),
    "tensorshape": (lambda: tf.TensorShape([2, 3]), (2, 3), (2, 3), None),
    "list_scalar_tensor": (lambda: [tf.constant(2), 3], (2, 3), (2, 3), None),
    "list_i64_tensor": (lambda: [tf.constant(2, dtype=tf.int64), 3], (2, 3), (2, 3), None),
    "list_np_ints": (lambda: [np.int64(2), np.int32(3)], (2, 3), (2, 3), None),
    "negative": (lambda: [-1, 2], IAE, IAE, "-1"),
    "negative_tensor": (lambda: tf.constant([-1, 2]), IAE, IAE, "-1"),
    "negative_np": (lambda: np.array([-1, 2]), IAE, IAE, "-1"),
    "tensor_2d": (lambda: tf.constant([[2, 3]]), IAE, IAE, "[1, 2]"),
    "np_2d": (lambda: np.array([[2, 3]]), IAE, IAE, "[1, 2]"),
    "nested_list": (lambda: [[2, 3]], IAE, IAE, "[[2, 3]]"),
    "list_1d_tensor": (lambda: [tf.constant([2]), 3], IAE, IAE, None),
    "float_list": (lambda: [2.0, 3], IAE, TE, "[2.0, 3]"),
    "float_frac_list": (lambda: [2.5], IAE, TE, "[2.5]"),
    "list_np_float": (lambda: [np.float64(2.0), 3], IAE, TE, "2.0"),
    "list_float_tensor": (lambda: [tf.constant(2.0), 3], IAE, (2, 3), "float32"),
    "tensor_f32": (lambda: tf.constant([2., 3.]), IAE, VE, "float32"),
    "tensor_empty_f32": (lambda: tf.constant([], dtype=tf.float32), IAE, VE, "float32"),
    "np_f64": (lambda: np.array([2., 3.]), IAE, (2, 3), "float64"),
    "np_f64_frac": (lambda: np.array([2.5, 3.]), IAE, (2, 3), "float64"),
    "np_empty_f64": (lambda: np.array([]), IAE, (), "float64"),
    "tensor_bool": (lambda: tf.constant([True, False]), IAE, VE, "bool"),
    "np_bool": (lambda: np.array([True, False]), IAE, (1, 0), "bool"),
    "all_bool_list": (lambda: [True, True], IAE, (1, 1), "[True, True]"),
    "bool_int_list": (lambda: [True, 2], VE, (1, 2), "[True, 2]"),
    "np_u8": (lambda: np.array([2, 3], np.uint8), IAE, (2, 3), "uint8"),
    "tensor_u8": (lambda: tf.constant([2, 3], dtype=tf.uint8), IAE, VE, "uint8"),
    "none": (lambda: None, VE, VE, "None"),
    "none_dim": (lambda: [None, 2], VE, VE, "[None, 2]"),
    "partial_tensorshape": (lambda: tf.TensorShape([None, 2]), VE, VE, "None"),
    "ragged_list": (lambda: [[2, 3], [4]], VE, VE, "[[2, 3], [4]]"),
    "str_int_list": (lambda: ["a", 2], VE, VE, "['a', 2]"),
    "dict": (lambda: {"a": 1}, VE, VE, "{'a': 1}"),
}

# TF 2.21's Generator.binomial aborts the process (a failed CHECK in its kernel) on a valid
# non-empty int64 shape (an int64 tensor or numpy array, an int64 tensor in a list): no
# outcome to compare with there (tapegrad accepts them).
_TF_ABORTS = {("Generator.binomial", c) for c in ("tensor_i64", "np_i64", "list_i64_tensor")}


def _check(call, op, shape, expected, token):
    if isinstance(expected, tuple):
        assert tuple(call(shape).shape) == expected
        return
    exc = {IAE: tf.errors.InvalidArgumentError, VE: ValueError, TE: TypeError}[expected]
    with pytest.raises(exc) as info:
        call(shape)
    err = info.value
    if expected == VE:  # TF's plain ValueError, not an OpError (tapegrad's IAE is a ValueError)
        assert not isinstance(err, tf.errors.OpError)
    if expected == TE:
        assert not isinstance(err, ValueError)
    msg = str(err)
    assert msg.startswith(op + ":") and "shape" in msg
    if token is not None:
        assert token in msg


@pytest.mark.parametrize("fn", FUNCTIONS)
@pytest.mark.parametrize("case", list(CASES))
def test_shape_argument(case, fn):
    if (fn, case) in _TF_ABORTS:
        # no TF result to compare with (TF aborts): tapegrad takes the valid int64 shape
        call, _ = _functions()[fn]
        assert tuple(call(CASES[case][0]()).shape) == CASES[case][1]
        return
    make, op_outcome, int32_outcome, token = CASES[case]
    call, op = _functions()[fn]
    _check(call, op, make(), int32_outcome if fn in INT32_SHAPED else op_outcome, token)


def test_scalar_shape_message():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"random\.uniform: shape must be a vector .* got the scalar 3"):
        tf.random.uniform(3)


@pytest.mark.parametrize("fn", ["uniform", "stateless_normal", "Generator.normal"])
def test_too_many_elements_is_invalid_argument(fn):
    # TF 2.21: InvalidArgumentError "Shape [1099511627776,1099511627776] would have more than
    # 2**63 - 1 elements" (for gamma TF's int32 conversion wraps the dimensions around instead)
    call, op = _functions()[fn]
    with pytest.raises(tf.errors.InvalidArgumentError, match=op + r": shape \(1099511627776, "
                                                              r"1099511627776\) has too many"):
        call([2 ** 40, 2 ** 40])


@pytest.mark.parametrize("shape", [(2, 3), tf.constant([2, 3], dtype=tf.int64),
                                   np.array([2, 3], np.int32), [tf.constant(2), 3],
                                   tf.TensorShape([2, 3])], ids=["tuple", "i64", "np", "mixed", "ts"])
def test_accepted_shapes_draw_the_same_values(shape):
    ref = tf.random.stateless_uniform([2, 3], seed=[7, 8]).numpy()
    np.testing.assert_array_equal(tf.random.stateless_uniform(shape, seed=[7, 8]).numpy(), ref)


# -- categorical / stateless_categorical: num_samples ------------------------------------------
# name: (maker, TF 2.21's outcome for categorical, for stateless_categorical)
NUM_SAMPLES = {
    "int": (lambda: 3, (2, 3), (2, 3)),
    "zero": (lambda: 0, (2, 0), (2, 0)),
    "np_int": (lambda: np.int64(3), (2, 3), (2, 3)),
    "np_float": (lambda: np.float64(3.0), (2, 3), (2, 3)),
    "np_float_frac": (lambda: np.float64(3.7), (2, 3), (2, 3)),
    "np_0d_float": (lambda: np.array(3.0), (2, 3), (2, 3)),
    "np_0d_int": (lambda: np.array(3), (2, 3), (2, 3)),
    "tensor_i32": (lambda: tf.constant(3), (2, 3), (2, 3)),
    "variable_i32": (lambda: tf.Variable(3), (2, 3), (2, 3)),
    "bool": (lambda: True, (2, 1), (2, 1)),
    "tensor_i64": (lambda: tf.constant(3, dtype=tf.int64), IAE, VE),
    "tensor_f32": (lambda: tf.constant(3.0), IAE, VE),
    "list": (lambda: [3], IAE, IAE),
    "tensor_1d": (lambda: tf.constant([3]), IAE, IAE),
    "np_1d_float": (lambda: np.array([3.0]), IAE, IAE),
    "negative": (lambda: -1, IAE, IAE),
    "float": (lambda: 3.0, TE, TE),
    "float_list": (lambda: [3.0], TE, TE),
    "str": (lambda: "3", TE, TE),
    "none": (lambda: None, VE, VE),
}


@pytest.mark.parametrize("stateless", [False, True], ids=["categorical", "stateless_categorical"])
@pytest.mark.parametrize("case", list(NUM_SAMPLES))
def test_categorical_num_samples(case, stateless):
    make, outcome, stateless_outcome = NUM_SAMPLES[case]
    expected = stateless_outcome if stateless else outcome
    logits = tf.zeros([2, 3])
    op = "random.stateless_categorical" if stateless else "random.categorical"

    def call(n):
        if stateless:
            return tf.random.stateless_categorical(logits, n, seed=[1, 2])
        return tf.random.categorical(logits, n)

    if isinstance(expected, tuple):
        out = call(make())
        assert tuple(out.shape) == expected and out.dtype == tf.int64
        return
    exc = {IAE: tf.errors.InvalidArgumentError, VE: ValueError, TE: TypeError}[expected]
    with pytest.raises(exc, match=op + ": num_samples") as info:
        call(make())
    if expected == VE:
        assert not isinstance(info.value, tf.errors.OpError)
    if expected == TE:
        assert not isinstance(info.value, ValueError)
