"""int32, int64 and bool tensors and the ops without a gradient (Note [Dtypes]): comparisons,
logic, reduce_any/all, argmax/argmin, one_hot, where(cond), cast, checked against numpy; the
Python protocol (==, !=, hash, ref, bool, __index__); how they meet the tape; and which ops
refuse them (the float ops) or take them (the ops that only move bytes)."""

import operator

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tapegrad as tf

HSET = settings(max_examples=40, deadline=None, database=None)

ALL_NP = [np.float32, np.float64, np.int32, np.int64, np.bool_]
NUMERIC_NP = [np.float32, np.float64, np.int32, np.int64]
INT_NP = [np.int32, np.int64]
SIZES = [0, 1, 7, 1_000_003]
COMPARE = ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal"]
OPERATORS = {"equal": operator.eq, "not_equal": operator.ne, "less": operator.lt,
             "less_equal": operator.le, "greater": operator.gt, "greater_equal": operator.ge}
LOGIC = {"logical_and": np.logical_and, "logical_or": np.logical_or, "logical_xor": np.logical_xor}
# mutually broadcastable shape pairs (scalar, rows, columns, leading dims, size-0 dims)
BROADCAST_PAIRS = [((), ()), ((), (3, 4)), ((3, 4), ()), ((4,), (3, 4)), ((3, 1), (3, 4)),
                   ((3, 1), (1, 4)), ((2, 1, 4), (3, 1)), ((1,), (5,)), ((1, 1), (2, 3)),
                   ((0,), (1,)), ((2, 0, 3), (1, 3)), ((2, 3, 1, 2), (3, 5, 1))]


def _rand(rng, dtype, shape, lo=-5, hi=5):
    """Values with many ties (small integer range) in any dtype."""
    if dtype is np.bool_:
        return rng.random(shape) < 0.5
    return rng.integers(lo, hi, shape).astype(dtype)


def _check(got, want, dtype=None):
    want = np.asarray(want)
    assert isinstance(got, tf.Tensor)
    assert got.dtype == tf.as_dtype(dtype if dtype is not None else want.dtype), (got.dtype, want.dtype)
    assert tuple(got.shape) == want.shape, (got.shape, want.shape)
    np.testing.assert_array_equal(got.numpy(), want)


# ----------------------------------------------------------------------------------------------
# dtypes and conversion

def test_dtype_objects():
    assert [d.name for d in (tf.int32, tf.int64, tf.bool)] == ["int32", "int64", "bool"]
    assert tf.int32 == np.int32 and tf.int64 == "int64" and tf.bool == np.bool_
    assert tf.as_dtype("int32") is tf.int32 and tf.as_dtype(np.int64) is tf.int64
    assert tf.as_dtype(bool) is tf.bool and tf.as_dtype(np.dtype("bool")) is tf.bool
    assert tf.int32.is_integer and not tf.int32.is_floating and not tf.int32.is_bool
    assert tf.bool.is_bool and not tf.bool.is_integer and not tf.bool.is_floating
    assert tf.int32.size == 4 and tf.int64.size == 8 and tf.bool.size == 1
    assert tf.int32.min == -2 ** 31 and tf.int32.max == 2 ** 31 - 1
    assert tf.int64.min == -2 ** 63 and tf.int64.max == 2 ** 63 - 1
    with pytest.raises(TypeError):
        tf.bool.min
    with pytest.raises(TypeError):
        tf.as_dtype(np.uint64)


@pytest.mark.parametrize("np_dtype, want", [
    (np.int8, tf.int32), (np.int16, tf.int32), (np.int32, tf.int32), (np.int64, tf.int64),
    (np.uint8, tf.uint8), (np.uint16, tf.int32), (np.uint32, tf.int64), (np.bool_, tf.bool)])
def test_numpy_arrays_keep_integer_and_bool_dtypes(np_dtype, want):
    if np_dtype is np.bool_:
        a = np.array([[0, 1, 0], [1, 1, 0]]).astype(np_dtype)
    else:  # the extremes of the source dtype fit in the target exactly
        info = np.iinfo(np_dtype)
        a = np.array([[info.min, 0, 1], [2, info.max - 1, info.max]]).astype(np_dtype)
    t = tf.constant(a)
    assert t.dtype is want
    np.testing.assert_array_equal(t.numpy(), a.astype(want.as_numpy_dtype))
    assert t.numpy().dtype == want.as_numpy_dtype


def test_python_values_conversion():
    # Python ints are int32 as in TF 2.21, int64 when a value needs it; a float among them
    # makes the list float32.
    assert tf.constant(3).dtype is tf.int32 and int(tf.constant(3)) == 3
    assert tf.constant([1, 2]).dtype is tf.int32 and tf.constant((1, 2)).dtype is tf.int32
    assert tf.constant([[1], [2]]).dtype is tf.int32
    assert tf.constant(-(2 ** 31)).dtype is tf.int32 and tf.constant(2 ** 31 - 1).dtype is tf.int32
    big = tf.constant(2 ** 40)
    assert big.dtype is tf.int64 and int(big) == 2 ** 40  # exact
    assert tf.constant([1, 2 ** 40 + 1]).dtype is tf.int64 and int(tf.constant([1, 2 ** 40 + 1])[1]) == 2 ** 40 + 1
    assert tf.constant(-(2 ** 31) - 1).dtype is tf.int64
    assert tf.constant([1, 2.5]).dtype is tf.float32
    assert tf.convert_to_tensor(7).dtype is tf.int32 and tf.Variable(0).dtype is tf.int32
    assert tf.constant(3, dtype=tf.float32).dtype is tf.float32
    with pytest.raises(ValueError, match="out of range for int64"):
        tf.constant(2 ** 63)
    with pytest.raises(ValueError, match="out of range for int64"):
        tf.constant([2 ** 63, 2 ** 64 - 1])
    # TF: an int tensor and a Python float do not mix; a Python int takes a float operand's dtype.
    with pytest.raises(TypeError):
        tf.constant([1, 2]) * 2.5
    assert (tf.constant([1.0, 2.0]) * 2).dtype is tf.float32
    assert (tf.constant([1, 2]) / 2).dtype is tf.float64  # truediv, as TF
    # Two non-tensor operands (TF 2.21's results): a Python scalar takes the other one's dtype.
    assert tf.add(np.ones(2, np.float32), 2).dtype is tf.float32
    assert tf.add(np.ones(2), 1).dtype is tf.float64
    assert tf.multiply([1.5, 2], 2).numpy().tolist() == [3.0, 4.0]
    p = tf.pow(2.0, 3)
    assert p.dtype is tf.float32 and float(p) == 8.0
    assert tf.equal([1, 2], 1).numpy().tolist() == [True, False]
    with pytest.raises(TypeError):
        tf.add(1, 2.5)  # int32 first: 2.5 cannot join it (TF refuses it too)
    t = tf.add(1.5, [1, 2])  # float32 first: the list takes its dtype, as TF
    assert t.dtype is tf.float32 and t.numpy().tolist() == [2.5, 3.5]
    assert tf.add(np.ones(2, np.float32), [1, 2]).numpy().tolist() == [2.0, 3.0]
    with pytest.raises(TypeError):
        tf.subtract([1, 2], 1.5)
    # Lists of Python numbers: [1, 2.5] is one float32 value to tf.stack, as TF packs it.
    st = tf.stack([1, 2.5])
    assert st.dtype is tf.float32 and st.numpy().tolist() == [1.0, 2.5]
    assert tf.stack([1, 2]).dtype is tf.int32
    assert tf.stack([tf.constant(1.0), 2]).dtype is tf.float32
    # Index and bitwise arguments: Python ints past int32's range are int64, as TF.
    big = tf.bitwise.bitwise_and(2 ** 40, 2 ** 40 + 1)
    assert big.dtype is tf.int64 and int(big) == 2 ** 40
    assert tf.gather([1.0, 2.0], [1]).numpy().tolist() == [2.0]
    assert tf.gather([1.0, 2.0], []).shape == (0,)
    assert tf.constant(True).dtype is tf.bool and tf.constant(True).numpy() == np.True_
    assert tf.constant([True, False]).dtype is tf.bool
    assert tf.constant(np.bool_(False)).dtype is tf.bool
    t = tf.constant(2 ** 40, dtype=tf.int64)
    assert t.dtype is tf.int64 and int(t) == 2 ** 40
    _check(tf.constant([-(2 ** 31), 2 ** 31 - 1], dtype=tf.int32), np.array([-(2 ** 31), 2 ** 31 - 1], np.int32))
    _check(tf.constant(np.arange(5), dtype=tf.int32), np.arange(5, dtype=np.int32))
    with pytest.raises(ValueError, match="out of range"):
        tf.constant(2 ** 31, dtype=tf.int32)
    with pytest.raises(ValueError, match="out of range"):
        tf.constant(np.array([0, 2 ** 40]), dtype=tf.int32)
    # a numpy float array asked for int32 is converted by numpy, as TF 2.21's constant
    assert tf.constant(np.array([1.5]), dtype=tf.int32).numpy().tolist() == [1]
    with pytest.raises(TypeError):
        tf.constant(1.5, dtype=tf.int64)
    with pytest.raises(TypeError):
        tf.constant([1, 0], dtype=tf.bool)  # Python ints never become bools (TF 2.21 too)
    assert float(tf.constant(True, dtype=tf.float32)) == 1.0  # TF 2.21: 1.0 (a bool is 0/1)
    with pytest.raises(TypeError):
        tf.constant(np.array([1], np.uint64))


# ----------------------------------------------------------------------------------------------
# comparisons

@pytest.mark.parametrize("dtype", ALL_NP)
@pytest.mark.parametrize("name", COMPARE)
def test_compare_broadcasting_vs_numpy(name, dtype):
    rng = np.random.default_rng(0)
    for sa, sb in BROADCAST_PAIRS:
        a, b = _rand(rng, dtype, sa, -3, 3), _rand(rng, dtype, sb, -3, 3)
        want = getattr(np, name)(a, b)
        _check(getattr(tf, name)(tf.constant(a), tf.constant(b)), want, np.bool_)
        _check(getattr(tf.math, name)(tf.constant(a), tf.constant(b)), want, np.bool_)
        _check(OPERATORS[name](tf.constant(a), tf.constant(b)), want, np.bool_)


# the large size for float32 and int64 only (time)
@pytest.mark.parametrize("n, dtype", [(n, d) for n in SIZES for d in ALL_NP
                                      if n < 1_000_000 or d in (np.float32, np.int64)])
def test_compare_sizes(n, dtype):
    rng = np.random.default_rng(n)
    a, b = _rand(rng, dtype, (n,)), _rand(rng, dtype, (n,))
    s, one = _rand(rng, dtype, ()), _rand(rng, dtype, (1,))
    for name in COMPARE:
        f = getattr(np, name)
        _check(getattr(tf, name)(tf.constant(a), tf.constant(b)), f(a, b), np.bool_)
        _check(getattr(tf, name)(tf.constant(a), tf.constant(one)), f(a, one), np.bool_)
        _check(getattr(tf, name)(tf.constant(s), tf.constant(b)), f(s, b), np.bool_)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compare_nan_and_inf_as_numpy(dtype):
    special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, np.finfo(dtype).max,
                        np.finfo(dtype).tiny, -np.finfo(dtype).tiny], dtype)
    a = np.repeat(special, len(special))
    b = np.tile(special, len(special))  # every pair
    for name in COMPARE:
        f = getattr(np, name)
        _check(getattr(tf, name)(tf.constant(a), tf.constant(b)), f(a, b), np.bool_)
        for s in (np.nan, np.inf, -0.0):  # scalar operand either side
            _check(getattr(tf, name)(tf.constant(a), tf.constant(dtype(s))), f(a, dtype(s)), np.bool_)
            _check(getattr(tf, name)(tf.constant(dtype(s)), tf.constant(b)), f(dtype(s), b), np.bool_)
    nan = tf.constant(np.array([np.nan], dtype))
    assert (nan == nan).numpy().tolist() == [False]
    assert (nan != nan).numpy().tolist() == [True]
    assert tf.not_equal(nan, nan).numpy().tolist() == [True]
    assert tf.equal(nan, nan).numpy().tolist() == [False]
    assert bool(tf.constant(dtype(np.nan)) != tf.constant(dtype(np.nan)))
    assert not bool(tf.constant(dtype(np.nan)) == tf.constant(dtype(np.nan)))


def test_compare_integer_extremes_are_exact():
    for dtype in INT_NP:
        info = np.iinfo(dtype)
        v = np.array([info.min, info.min + 1, -1, 0, 1, info.max - 1, info.max], dtype)
        a, b = np.repeat(v, len(v)), np.tile(v, len(v))
        for name in COMPARE:
            _check(getattr(tf, name)(tf.constant(a), tf.constant(b)), getattr(np, name)(a, b), np.bool_)
    # int64 values that one float64 cannot tell apart still compare exactly
    big = np.array([2 ** 53, 2 ** 53 + 1], np.int64)
    _check(tf.equal(tf.constant(big[:1]), tf.constant(big[1:])), [False])
    _check(tf.less(tf.constant(big[:1]), tf.constant(big[1:])), [True])


def test_compare_python_scalars_take_the_tensor_dtype():
    xi = tf.constant(np.array([1, 2, 3], np.int32))
    _check(tf.equal(xi, 2), [False, True, False])
    _check(tf.less(2, xi), [False, False, True])
    _check(xi >= 2, [False, True, True])
    _check(2 < xi, [False, False, True])  # reflected: xi > 2
    big = tf.constant(np.array([2 ** 40, 2 ** 40 + 1], np.int64))
    _check(big == 2 ** 40 + 1, [False, True])
    xf = tf.constant(np.array([0.5, 1.0], np.float32))
    _check(xf > 0.75, [False, True])
    _check(xf == 1, [False, True])
    xb = tf.constant(np.array([True, False]))
    _check(tf.equal(xb, True), [True, False])
    _check(tf.equal(tf.constant(np.array([1.0, 2.0])), [[1.0], [2.0]]), [[True, False], [False, True]])


def test_compare_errors():
    xi = tf.constant(np.array([1, 2], np.int32))
    xl = tf.constant(np.array([1, 2], np.int64))
    xf = tf.constant(np.array([1.0, 2.0], np.float32))
    with pytest.raises(TypeError, match=r"equal: cannot compute equal of an int32 tensor and an int64 tensor"):
        tf.equal(xi, xl)
    with pytest.raises(TypeError, match=r"less"):
        tf.less(xf, xi)
    with pytest.raises(TypeError):
        xi < xf
    with pytest.raises(TypeError):
        tf.equal(xi, 2.5)  # 2.5 is not an int32
    with pytest.raises(TypeError):
        xf == tf.constant(np.array([1, 2], np.int32))  # a tensor of another dtype is an error, as TF
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.equal(xf, tf.constant(np.ones(3, np.float32)))
    with pytest.raises(tf.errors.InvalidArgumentError):
        xf < tf.constant(np.ones(3, np.float32))


@HSET
@given(st.data())
def test_compare_hypothesis(data):
    dtype = data.draw(st.sampled_from(ALL_NP))
    sa, sb = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4)).input_shapes
    if dtype is np.bool_:
        elems = st.booleans()
    elif dtype in (np.float32, np.float64):
        elems = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.5, 3.0])
    else:
        info = np.iinfo(dtype)
        elems = st.sampled_from([info.min, -1, 0, 1, 2, info.max])
    a = data.draw(hnp.arrays(dtype, sa, elements=elems))
    b = data.draw(hnp.arrays(dtype, sb, elements=elems))
    for name in COMPARE:
        _check(getattr(tf, name)(tf.constant(a), tf.constant(b)), getattr(np, name)(a, b), np.bool_)


# ----------------------------------------------------------------------------------------------
# logic

@pytest.mark.parametrize("name", sorted(LOGIC))
def test_logical_broadcasting_vs_numpy(name):
    rng = np.random.default_rng(1)
    f = getattr(tf.math, name)
    op = {"logical_and": operator.and_, "logical_or": operator.or_, "logical_xor": operator.xor}[name]
    for sa, sb in BROADCAST_PAIRS:
        a, b = rng.random(sa) < 0.5, rng.random(sb) < 0.5
        want = LOGIC[name](a, b)
        _check(f(tf.constant(a), tf.constant(b)), want)
        _check(op(tf.constant(a), tf.constant(b)), want)
        if name != "logical_xor":
            _check(getattr(tf, name)(tf.constant(a), tf.constant(b)), want)
    t = tf.constant(np.array([True, False]))
    for s in (True, False):  # Python bools, either side
        _check(op(t, s), LOGIC[name](np.array([True, False]), s))
        _check(op(s, t), LOGIC[name](s, np.array([True, False])))


@pytest.mark.parametrize("n", SIZES)
def test_logical_sizes(n):
    rng = np.random.default_rng(n + 1)
    a, b = rng.random(n) < 0.5, rng.random(n) < 0.3
    for name, f in LOGIC.items():
        _check(getattr(tf.math, name)(tf.constant(a), tf.constant(b)), f(a, b))
    _check(tf.logical_not(tf.constant(a)), ~a)
    _check(tf.math.logical_not(tf.constant(a)), ~a)
    _check(~tf.constant(a), ~a)
    _check(~tf.constant(a.reshape(-1, 1)), ~a.reshape(-1, 1))


def test_logical_refuses_non_bool():
    xi = tf.constant(np.array([1, 0], np.int32))
    xb = tf.constant(np.array([True, False]))
    with pytest.raises(TypeError, match=r"logical_and: expected a bool tensor, got an int32 tensor"):
        tf.logical_and(xi, xi)
    with pytest.raises(TypeError, match=r"logical_or"):
        tf.logical_or(xb, tf.constant(np.array([1.0, 0.0])))
    with pytest.raises(TypeError, match=r"logical_not: expected a bool tensor, got a float32 tensor"):
        tf.logical_not(tf.constant(np.array([1.0], np.float32)))
    with pytest.raises(TypeError):
        xb & 1
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.math.logical_xor(xb, tf.constant(np.ones(3, bool)))


# ----------------------------------------------------------------------------------------------
# reduce_any / reduce_all

REDUCE_AXES = [None, 0, 1, 2, -1, -3, [0, 2], [2, 0], [1, 2], [0, 1, 2], []]


@pytest.mark.parametrize("shape", [(2, 3, 4), (1, 5, 1), (3, 0, 2), (4, 1, 7)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduce_any_all_axes(shape, keepdims):
    rng = np.random.default_rng(2)
    for p in (0.0, 0.15, 0.85, 1.0):
        x = rng.random(shape) < p
        for axis in REDUCE_AXES:
            npaxis = tuple(axis) if isinstance(axis, list) else axis
            _check(tf.reduce_any(x, axis=axis, keepdims=keepdims), np.any(x, axis=npaxis, keepdims=keepdims))
            _check(tf.reduce_all(tf.constant(x), axis, keepdims), np.all(x, axis=npaxis, keepdims=keepdims))
            _check(tf.math.reduce_any(tf.constant(x), axis=axis, keepdims=keepdims),
                   np.any(x, axis=npaxis, keepdims=keepdims))


@pytest.mark.parametrize("n", SIZES)
def test_reduce_any_all_sizes(n):
    for x in (np.zeros(n, bool), np.ones(n, bool)):
        _check(tf.reduce_any(tf.constant(x)), np.any(x))
        _check(tf.reduce_all(tf.constant(x)), np.all(x))
    if n:
        x = np.zeros(n, bool)
        x[-1] = True  # the last element decides
        _check(tf.reduce_any(tf.constant(x)), True)
        y = np.ones(n, bool)
        y[-1] = False
        _check(tf.reduce_all(tf.constant(y)), False)
        _check(tf.reduce_all(tf.constant(y), keepdims=True), [False])
    # the empty reduction: any is False, all is True
    _check(tf.reduce_any(tf.constant(np.zeros((0, 3), bool)), axis=0), np.zeros(3, bool))
    _check(tf.reduce_all(tf.constant(np.zeros((0, 3), bool)), axis=0), np.ones(3, bool))


@HSET
@given(hnp.arrays(np.bool_, hnp.array_shapes(min_dims=0, max_dims=5, min_side=0, max_side=4)),
       st.data())
def test_reduce_any_all_hypothesis(x, data):
    axes = data.draw(st.none() | st.lists(st.integers(0, max(x.ndim - 1, 0)), unique=True,
                                          max_size=x.ndim) if x.ndim else st.none())
    keep = data.draw(st.booleans())
    npaxis = None if axes is None else tuple(axes)
    _check(tf.reduce_any(tf.constant(x), axis=axes, keepdims=keep), np.any(x, axis=npaxis, keepdims=keep))
    _check(tf.reduce_all(tf.constant(x), axis=axes, keepdims=keep), np.all(x, axis=npaxis, keepdims=keep))


def test_reduce_any_all_errors():
    with pytest.raises(TypeError, match=r"reduce_any: expected a bool tensor, got an int64 tensor"):
        tf.reduce_any(tf.constant(np.array([1, 0])))
    with pytest.raises(TypeError, match=r"reduce_all: expected a bool tensor, got a float32 tensor"):
        tf.reduce_all(tf.constant(np.array([1.0], np.float32)))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.reduce_any(tf.constant(np.ones((2, 3), bool)), axis=2)


# ----------------------------------------------------------------------------------------------
# argmax / argmin

@pytest.mark.parametrize("dtype", NUMERIC_NP)
@pytest.mark.parametrize("fn", ["argmax", "argmin"])
def test_argmax_argmin_axes_ties_and_output_types(fn, dtype):
    rng = np.random.default_rng(3)
    x = _rand(rng, dtype, (4, 5, 6), -2, 2)  # many ties: the first index must win
    npf = getattr(np, fn)
    for f in (getattr(tf, fn), getattr(tf.math, fn)):
        _check(f(tf.constant(x)), npf(x, axis=0).astype(np.int64))  # default axis 0, int64
        for axis in (0, 1, 2, -1, -2, -3):
            _check(f(tf.constant(x), axis=axis), npf(x, axis=axis).astype(np.int64))
            _check(f(tf.constant(x), axis, output_type=tf.int32), npf(x, axis=axis).astype(np.int32))
            _check(f(tf.constant(x), axis=axis, output_type=tf.int64), npf(x, axis=axis).astype(np.int64))
    _check(getattr(tf, fn)(tf.constant(np.array([7, 7, 7], dtype))), np.int64(0))
    _check(getattr(tf, fn)(tf.constant(np.zeros((3, 0), dtype)), axis=0), np.zeros(0, np.int64))


@pytest.mark.parametrize("n", [1, 7, 1_000_003])
def test_argmax_argmin_sizes(n):
    rng = np.random.default_rng(n)
    for dtype in (np.float32, np.int64):
        x = rng.integers(-10 ** 6, 10 ** 6, n).astype(dtype)
        for fn in ("argmax", "argmin"):
            got = getattr(tf, fn)(tf.constant(x))
            _check(got, np.int64(getattr(np, fn)(x)))
        if n > 1:  # the extreme in the last position
            y = x.copy()
            y[-1] = np.iinfo(np.int32).max
            _check(tf.argmax(tf.constant(y), output_type=tf.int32), np.int32(n - 1))


def _tf_arg(fn, rows, axis):
    """TF 2.21's argmax/argmin: NaN skipped (np.nanargmax), 0 where a whole row is NaN."""
    if rows.dtype.kind != "f":
        return getattr(np, fn)(rows, axis=axis).astype(np.int64)
    filled = np.where(np.isnan(rows), -np.inf if fn == "argmax" else np.inf, rows)
    out = getattr(np, fn)(filled, axis=axis)
    return np.where(np.isnan(rows).all(axis=axis), 0, out).astype(np.int64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_argmax_argmin_nan_and_inf_as_tf(dtype):
    rows = np.array([[1.0, np.nan, 5.0, np.nan],
                     [np.nan, 1.0, 2.0, 3.0],
                     [1.0, 2.0, 3.0, np.nan],
                     [-np.inf, np.inf, np.inf, 0.0],
                     [-np.inf, -np.inf, 0.0, np.inf],
                     [0.0, -0.0, 0.0, -0.0],
                     [np.nan, np.nan, np.nan, np.nan]], dtype)
    for fn in ("argmax", "argmin"):
        _check(getattr(tf, fn)(tf.constant(rows), axis=1), _tf_arg(fn, rows, 1))
        _check(getattr(tf, fn)(tf.constant(rows.T), axis=0), _tf_arg(fn, rows.T, 0))
    # TF 2.21's outputs, literally
    n = np.nan
    for v, mx, mn in (([1., n, 3., n], 2, 0), ([n, 1.], 1, 1), ([1., n], 0, 0), ([n, n], 0, 0),
                      ([-np.inf, n, -1.], 2, 0), ([2., 2., n], 0, 0)):
        assert int(tf.argmax(tf.constant(np.array(v, dtype)))) == mx
        assert int(tf.argmin(tf.constant(np.array(v, dtype)))) == mn


def test_argmax_integer_extremes():
    for dtype in INT_NP:
        info = np.iinfo(dtype)
        x = np.array([info.min, info.max, info.max, info.min, 0], dtype)
        _check(tf.argmax(tf.constant(x)), np.int64(1))
        _check(tf.argmin(tf.constant(x)), np.int64(0))


@HSET
@given(hnp.arrays(st.sampled_from([np.float32, np.float64, np.int32, np.int64]),
                  hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=5),
                  elements=st.integers(-3, 3)), st.data())
def test_argmax_argmin_hypothesis(x, data):
    if x.dtype.kind == "f" and data.draw(st.booleans()):
        x = x.copy()
        x.reshape(-1)[data.draw(st.integers(0, x.size - 1))] = np.nan
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    _check(tf.argmax(tf.constant(x), axis=axis), _tf_arg("argmax", x, axis))
    _check(tf.argmin(tf.constant(x), axis=axis, output_type=tf.int32), _tf_arg("argmin", x, axis).astype(np.int32))


def test_argmax_errors():
    with pytest.raises(TypeError, match=r"argmax: expected a float or integer tensor, got a bool tensor"):
        tf.argmax(tf.constant(np.array([True, False])))
    with pytest.raises(TypeError, match=r"argmin: output_type must be int32 or int64, got float32"):
        tf.argmin(tf.constant(np.array([1.0, 2.0])), output_type=tf.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"scalar"):
        tf.argmax(tf.constant(1.0))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"axis 2 is out of range"):
        tf.argmax(tf.constant(np.ones((2, 3))), axis=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"empty"):
        tf.argmax(tf.constant(np.ones((2, 0))), axis=1)


# ----------------------------------------------------------------------------------------------
# one_hot

def _np_one_hot(idx, depth, on=1.0, off=0.0, axis=-1, dtype=np.float32):
    idx = np.asarray(idx)
    out = np.where(idx[..., None] == np.arange(depth), on, off).astype(dtype)
    return out if axis == -1 else np.moveaxis(out, -1, axis)


@pytest.mark.parametrize("idx_dtype", INT_NP)
def test_one_hot_axes(idx_dtype):
    rng = np.random.default_rng(4)
    idx = rng.integers(-2, 7, (3, 4, 2)).astype(idx_dtype)  # includes out-of-range and negatives
    for axis in (-1, 0, 1, 2, 3):
        _check(tf.one_hot(tf.constant(idx), 5, axis=axis), _np_one_hot(idx, 5, axis=axis))
    _check(tf.one_hot(idx, 5), _np_one_hot(idx, 5))  # a numpy array as indices
    vec = np.array([0, 4, 2, 5, -1, 2], idx_dtype)
    _check(tf.one_hot(tf.constant(vec), 5), _np_one_hot(vec, 5))
    _check(tf.one_hot(tf.constant(vec), 5, axis=0), _np_one_hot(vec, 5, axis=0))
    _check(tf.one_hot(tf.constant(idx_dtype(3)), 4), _np_one_hot(3, 4))  # scalar index
    _check(tf.one_hot(tf.constant(idx_dtype(3)), 4, axis=0), _np_one_hot(3, 4))


def test_one_hot_rows_of_off_value_for_out_of_range():
    idx = tf.constant(np.array([-1, 3, 10, -100, 0], np.int64))
    want = np.full((5, 3), 0.0, np.float32)
    want[4, 0] = 1.0
    _check(tf.one_hot(idx, 3), want)
    _check(tf.one_hot(tf.constant(np.array([2 ** 31 - 1, -(2 ** 31)], np.int32)), 2), np.zeros((2, 2), np.float32))
    _check(tf.one_hot(tf.constant(np.array([2 ** 40], np.int64)), 3), np.zeros((1, 3), np.float32))


def test_one_hot_values_and_dtypes():
    idx = np.array([[0, 2], [1, 7]], np.int32)
    _check(tf.one_hot(tf.constant(idx), 3, on_value=5, off_value=-1, dtype=tf.int32),
           _np_one_hot(idx, 3, 5, -1, dtype=np.int32))
    _check(tf.one_hot(tf.constant(idx), 3, on_value=2 ** 40, off_value=-7, dtype=tf.int64),
           _np_one_hot(idx, 3, 2 ** 40, -7, dtype=np.int64))
    _check(tf.one_hot(tf.constant(idx), 3, dtype=tf.int32), _np_one_hot(idx, 3, dtype=np.int32))
    _check(tf.one_hot(tf.constant(idx), 3, on_value=0.25, off_value=-0.5),
           _np_one_hot(idx, 3, 0.25, -0.5))
    _check(tf.one_hot(tf.constant(idx), 3, on_value=0.1, off_value=0.2, dtype=tf.float64, axis=1),
           _np_one_hot(idx, 3, 0.1, 0.2, axis=1, dtype=np.float64))
    _check(tf.one_hot(tf.constant(idx), 3, dtype=tf.bool), _np_one_hot(idx, 3, True, False, dtype=np.bool_))
    _check(tf.one_hot(tf.constant(idx), 0), np.zeros((2, 2, 0), np.float32))
    _check(tf.one_hot(tf.constant(np.zeros(0, np.int64)), 4), np.zeros((0, 4), np.float32))


def test_one_hot_int64_on_off_values_are_exact():
    # TF: on_value/off_value are tensors of `dtype`, so int64 values beyond 2**53 stay exact.
    idx = tf.constant(np.array([0, 2], np.int64))
    on, off = 2 ** 62 + 1, -(2 ** 62) - 1
    _check(tf.one_hot(idx, 3, on_value=on, off_value=off, dtype=tf.int64),
           np.array([[on, off, off], [off, off, on]], np.int64))
    big = np.iinfo(np.int64).max
    _check(tf.one_hot(idx, 2, on_value=big, off_value=0, dtype=tf.int64),
           np.array([[big, 0], [0, 0]], np.int64))


def test_one_hot_dtype_from_bool_on_off_values():
    # TF: without dtype, one_hot takes the dtype of on_value/off_value (here bool).
    idx = tf.constant(np.array([1, 0], np.int32))
    _check(tf.one_hot(idx, 2, on_value=True, off_value=False), np.array([[False, True], [True, False]]))


def test_one_hot_dtype_from_tensor_on_value():
    # TF: without dtype, one_hot takes the dtype of an on_value tensor (here int64).
    idx = tf.constant(np.array([1, 0], np.int32))
    got = tf.one_hot(idx, 2, on_value=tf.constant(np.int64(7)), off_value=tf.constant(np.int64(-1)))
    _check(got, np.array([[-1, 7], [7, -1]], np.int64))


def test_one_hot_python_list_indices():
    # TF converts a list of Python ints to an int32 tensor: tf.one_hot([0, 2], 3) is the usual call.
    _check(tf.one_hot([0, 2, 5], 3), _np_one_hot([0, 2, 5], 3))
    _check(tf.one_hot(1, 3), _np_one_hot(1, 3))


def test_one_hot_large():
    rng = np.random.default_rng(5)
    idx = rng.integers(-1, 11, 100_003)
    _check(tf.one_hot(tf.constant(idx), 10, dtype=tf.int32), _np_one_hot(idx, 10, dtype=np.int32))
    _check(tf.one_hot(tf.constant(idx), 10, axis=0), _np_one_hot(idx, 10, axis=0))


def test_one_hot_errors():
    with pytest.raises(TypeError, match=r"one_hot: indices must be an int32 or int64 tensor, got a float32 tensor"):
        tf.one_hot(tf.constant(np.array([0.0, 1.0], np.float32)), 3)
    with pytest.raises(TypeError, match=r"one_hot"):
        tf.one_hot(tf.constant(np.array([True])), 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"depth must be >= 0"):
        tf.one_hot(tf.constant(np.array([0])), -1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"axis"):
        tf.one_hot(tf.constant(np.array([0])), 3, axis=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"axis"):
        tf.one_hot(tf.constant(np.array([0])), 3, axis=-2)


# ----------------------------------------------------------------------------------------------
# where(cond): the indices of the true elements

@pytest.mark.parametrize("shape", [(), (1,), (7,), (0,), (2, 3, 4), (3, 1, 5), (2, 0, 3), (1, 1, 1, 1, 2)])
def test_where_one_argument(shape):
    rng = np.random.default_rng(6)
    for p in (0.0, 0.4, 1.0):
        cond = np.asarray(rng.random(shape) < p)
        _check(tf.where(tf.constant(cond)), np.argwhere(cond).astype(np.int64))
        _check(tf.where(cond), np.argwhere(cond).astype(np.int64))
    _check(tf.where(tf.constant(True)), np.zeros((1, 0), np.int64))
    _check(tf.where(tf.constant(False)), np.zeros((0, 0), np.int64))


def test_where_one_argument_large_and_from_comparison():
    rng = np.random.default_rng(7)
    x = rng.standard_normal(1_000_003).astype(np.float32)
    _check(tf.where(tf.constant(x) > 1.5), np.argwhere(x > 1.5).astype(np.int64))
    y = rng.integers(0, 5, (20, 30, 40))
    _check(tf.where(tf.equal(tf.constant(y), 3)), np.argwhere(y == 3).astype(np.int64))


def test_where_one_argument_numeric_condition_is_nonzero():
    # TF: a numeric condition selects its nonzero elements (NaN is nonzero).
    x = np.array([[0.0, -1.5, np.nan], [0.0, 0.0, 2.0]], np.float32)
    _check(tf.where(tf.constant(x)), np.argwhere(x != 0).astype(np.int64))
    i = np.array([0, 3, 0, -2], np.int64)
    _check(tf.where(tf.constant(i)), np.argwhere(i).astype(np.int64))


def test_int_variable_updates_as_tf_and_bool_refused():
    v = tf.Variable(np.array([1, 2], np.int32))
    v.assign_add(np.array([1, 1], np.int32))  # step counters: TF adds (and wraps) in int32/int64
    v.assign_sub(np.array([3, 0], np.int32))
    np.testing.assert_array_equal(v.numpy(), [-1, 3])
    b = tf.Variable(np.array([True, False]))
    with pytest.raises(TypeError, match=r"assign_add: expected a float32 or float64 tensor, got a bool"):
        b.assign_add(np.array([True, True]))
    np.testing.assert_array_equal(b.numpy(), [True, False])
    v = tf.Variable(np.array([1, 2], np.int32))
    v.assign(np.array([5, 6], np.int32))  # a plain assign is a copy: any dtype
    np.testing.assert_array_equal(v.numpy(), [5, 6])


def test_where_one_argument_errors():
    with pytest.raises(ValueError, match=r"both"):
        tf.where(tf.constant(True), y=tf.constant(1.0))


# ----------------------------------------------------------------------------------------------
# cast

CAST_VALUES = {
    # float sources: only values whose integer conversion is defined (in range of int32)
    np.float32: [0.0, -0.0, 0.5, -0.5, 0.99999994, 1.5, -1.5, 2.7, -2.7, 100.0, -1e6, 123456.79,
                 2.0 ** 24 + 2, 2147483520.0, -2147483648.0, 1e-40, -1e-45],
    np.float64: [0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.7, -2.7, 1e6 + 0.999, -1e6 - 0.5,
                 2147483647.0, -2147483648.0, 2147483647.75, -2147483648.75, 16777217.0,
                 1e-300, 4.9e-324, 0.1],
    np.int32: [0, 1, -1, 7, -(2 ** 31), 2 ** 31 - 1, 2 ** 24 + 1, -(2 ** 24) - 3, 123456789],
    np.int64: [0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32 + 5, 2 ** 53 + 1, -(2 ** 40) - 7,
               2 ** 63 - 1, -(2 ** 63), 2 ** 62 + 12345],
    np.bool_: [True, False, True],
}


def _in_range_for(src, dst, values):
    """The values numpy's astype defines (float -> int only for values that fit in dst)."""
    a = np.array(values, src)
    if np.dtype(src).kind == "f" and np.dtype(dst).kind == "i":
        info = np.iinfo(dst)
        a = a[(a > info.min - 1.0) & (a < info.max + 1.0)]
        a = a[np.trunc(a.astype(np.float64)) <= info.max]  # float32 rounding of info.max
    return a


@pytest.mark.parametrize("dst", ALL_NP, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("src", ALL_NP, ids=lambda d: np.dtype(d).name)
def test_cast_table_vs_numpy(src, dst):
    a = _in_range_for(src, dst, CAST_VALUES[src])
    with np.errstate(over="ignore"):
        want = a.astype(dst)
    _check(tf.cast(tf.constant(a), tf.as_dtype(dst)), want)
    _check(tf.cast(tf.constant(a), dst), want)  # numpy dtype spelling
    _check(tf.cast(tf.constant(a.reshape(-1, 1)[:0]), tf.as_dtype(dst)), want.reshape(-1, 1)[:0])
    if a.size:
        _check(tf.cast(tf.constant(a[0]), np.dtype(dst).name), want[0])  # scalar, string spelling


@pytest.mark.parametrize("src", [np.float32, np.float64])
def test_cast_float_specials_to_float_and_bool_as_numpy(src):
    a = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e300 if src is np.float64 else 3e38,
                  -1e300 if src is np.float64 else -3e38, 1e-320 if src is np.float64 else 1e-44], src)
    with np.errstate(over="ignore"):
        for dst in (np.float32, np.float64, np.bool_):
            got = tf.cast(tf.constant(a), tf.as_dtype(dst))
            _check(got, a.astype(dst))
            if dst is not np.bool_:  # the sign of zero survives
                np.testing.assert_array_equal(np.signbit(got.numpy()), np.signbit(a.astype(dst)))


@pytest.mark.parametrize("src", [np.float32, np.float64])
@pytest.mark.parametrize("dst", INT_NP)
def test_cast_float_to_int_nan_zero_and_saturation(src, dst):
    info = np.iinfo(dst)
    vals = [np.nan, -np.nan, np.inf, -np.inf, 1e30, -1e30, 3e9, -3e9, 2.0 ** 31, -(2.0 ** 31) - 4096,
            2.0 ** 63, -(2.0 ** 63), 2.0 ** 64, 9.3e18, -9.3e18]
    a = np.array(vals, src)
    want = []
    for v in a.astype(np.float64):
        if np.isnan(v):
            want.append(0)
        elif v >= info.max:
            want.append(info.max)
        elif v <= info.min:
            want.append(info.min)
        else:
            want.append(int(np.trunc(v)))
    _check(tf.cast(tf.constant(a), tf.as_dtype(dst)), np.array(want, dst))


def test_cast_float_to_int_truncates_toward_zero():
    a = np.array([2.9, -2.9, 0.999, -0.999, 1e-30, -1e-30, 1234567.5, -1234567.5])
    _check(tf.cast(tf.constant(a), tf.int32), np.trunc(a).astype(np.int32))
    _check(tf.cast(tf.constant(a.astype(np.float32)), tf.int64), np.trunc(a.astype(np.float32)).astype(np.int64))
    # the largest doubles below 2**63 and 2**31 are in range: exact, not saturated
    b = np.array([np.nextafter(2.0 ** 63, 0), -(2.0 ** 63)])
    _check(tf.cast(tf.constant(b), tf.int64), np.array([2 ** 63 - 1024, -(2 ** 63)], np.int64))
    c = np.array([np.nextafter(np.float32(2.0 ** 31), np.float32(0))], np.float32)
    _check(tf.cast(tf.constant(c), tf.int32), np.array([2147483520], np.int32))


@pytest.mark.parametrize("src, dst", [(np.float32, np.int32), (np.int64, np.float64), (np.float64, np.bool_),
                                      (np.bool_, np.float32), (np.int32, np.int64), (np.int64, np.int32)])
def test_cast_large(src, dst):
    rng = np.random.default_rng(8)
    a = rng.integers(-(2 ** 20), 2 ** 20, 1_000_003)
    a = (a % 2 == 0) if src is np.bool_ else (a * 0.37).astype(src) if np.dtype(src).kind == "f" else a.astype(src)
    _check(tf.cast(tf.constant(a), tf.as_dtype(dst)), a.astype(dst))


@HSET
@given(st.sampled_from(ALL_NP), st.sampled_from(ALL_NP), st.data())
def test_cast_hypothesis(src, dst, data):
    if np.dtype(src).kind == "f":
        hi = 2.0 ** 31 - 256 if np.dtype(dst).kind == "i" else 2.0 ** 100
        elems = st.floats(-hi, hi, width=np.dtype(src).itemsize * 8)
    elif src is np.bool_:
        elems = st.booleans()
    else:
        elems = st.integers(int(np.iinfo(src).min), int(np.iinfo(src).max))
    a = data.draw(hnp.arrays(src, hnp.array_shapes(min_dims=0, max_dims=3, max_side=5), elements=elems))
    _check(tf.cast(tf.constant(a), tf.as_dtype(dst)), a.astype(dst))


def test_cast_to_same_dtype_is_the_value():
    for dtype in ALL_NP:
        a = _rand(np.random.default_rng(9), dtype, (3, 2))
        _check(tf.cast(tf.constant(a), tf.as_dtype(dtype)), a)


# ----------------------------------------------------------------------------------------------
# ==, !=, hash, ref, bool, __index__ (Note [Tensor equality])

def test_eq_ne_are_elementwise():
    x = tf.constant(np.array([1.0, 2.0, 3.0]))
    y = tf.constant(np.array([1.0, 0.0, 3.0]))
    _check(x == y, [True, False, True])
    _check(x != y, [False, True, False])
    _check(x == x, [True, True, True])
    _check(x == 2.0, [False, True, False])
    _check(2.0 == x, [False, True, False])
    _check(x != [1.0, 2.0, 0.0], [False, False, True])
    _check(x == np.array([[1.0], [3.0]]), [[True, False, False], [False, False, True]])
    xi = tf.constant(np.array([[1, 2], [3, 4]], np.int32))
    _check(xi == 3, [[False, False], [True, False]])
    _check(xi != np.array([1, 0], np.int32), [[False, True], [True, True]])
    _check(np.array([1, 0], np.int32) == xi, [[True, False], [False, False]])  # numpy defers to us
    _check(np.array([2, 2]) < xi, [[False, False], [True, True]])
    _check([3, 4] == xi, [[False, False], [True, True]])
    xb = tf.constant(np.array([True, False]))
    _check(xb == True, [True, False])  # noqa: E712  (the operator is what is tested)
    _check(xb != tf.constant(np.array([True, True])), [False, True])


def test_eq_none_and_non_convertible():
    x = tf.constant(np.array([1.0, 2.0]))
    assert (x == None) is False  # noqa: E711
    assert (x != None) is True  # noqa: E711
    assert (None == x) is False  # noqa: E711
    assert (None != x) is True  # noqa: E711
    with pytest.raises(TypeError, match="cannot convert 'abc'"):  # TF 2.21 too
        x == "abc"  # noqa: B015
    with pytest.raises(TypeError, match="cannot convert 'abc'"):
        x != "abc"  # noqa: B015
    marker = object()
    assert (x == marker) is False and (x != marker) is True
    # A number or array that does not convert to the tensor's dtype is an error, as in TF,
    # not a silent False.
    xi = tf.constant(np.array([1, 2], np.int32))
    with pytest.raises(TypeError, match=r"equal: cannot convert 1.5 to an int32 tensor"):
        xi == 1.5  # noqa: B015
    with pytest.raises(TypeError, match=r"not_equal: cannot convert 1.5 to an int32 tensor"):
        xi != 1.5  # noqa: B015
    with pytest.raises(TypeError, match=r"equal: cannot convert a float64 value to an int32"):
        xi == np.array([1.0, 2.0])  # noqa: B015
    with pytest.raises(TypeError, match=r"equal: cannot compute equal of an int32 tensor and a float32"):
        xi == tf.constant([1.0, 2.0])  # noqa: B015
    _check(xi == 2, np.array([False, True]))


def test_eq_shapes_that_do_not_broadcast_give_scalar_false():
    x = tf.constant(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    for other in (np.zeros(4), tf.constant(np.zeros((3, 2))), [1.0, 2.0]):
        eq, ne = x == other, x != other
        _check(eq, np.bool_(False))
        _check(ne, np.bool_(True))
        assert not bool(eq) and bool(ne)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.equal(x, np.zeros(4))  # the function keeps TF's error


def test_in_list_and_identity():
    x = tf.constant(np.array([1.0, 2.0]))
    y = tf.constant(np.array([5.0, 6.0, 7.0]))
    assert x in [x]
    assert x in [y, x]  # y == x does not broadcast: False, then x is x
    assert x not in [y]
    s = tf.constant(1.0)
    assert s in [tf.constant(1.0)]  # scalars: elementwise == is one bool
    assert s not in [tf.constant(2.0)]
    assert [x, y].index(y) == 1
    with pytest.raises(ValueError):
        x in [tf.constant(np.array([1.0, 5.0]))]  # an elementwise result of two elements


def test_hash_raises_and_ref_is_hashable():
    x = tf.constant(np.array([1.0, 2.0]))
    x2 = tf.constant(np.array([1.0, 2.0]))
    v = tf.Variable(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"^Tensor is unhashable. Instead, use tensor.ref\(\) as the key.$"):
        hash(x)
    with pytest.raises(TypeError, match=r"unhashable. Instead, use .*ref\(\) as the key."):
        hash(v)
    with pytest.raises(TypeError, match=r"unhashable"):
        {x: 1}
    with pytest.raises(TypeError, match=r"unhashable"):
        {x}
    with pytest.raises(TypeError, match=r"unhashable"):
        hash(tf.constant(np.array([1, 2], np.int32)))
    d = {x.ref(): "x", x2.ref(): "x2", v.ref(): "v"}
    assert len(d) == 3  # equal values, different objects: different keys
    assert d[x.ref()] == "x" and d[x2.ref()] == "x2" and d[v.ref()] == "v"
    assert x.ref() == x.ref() and hash(x.ref()) == hash(x.ref())
    assert x.ref() != x2.ref()
    assert x.ref().deref() is x and v.ref().deref() is v
    assert x.experimental_ref() == x.ref()
    assert {x.ref(), x.ref(), v.ref()} == {v.ref(), x.ref()}
    assert x.ref() in {x.ref(): 1}
    assert (x.ref() == x) is False


def test_variable_equality():
    v = tf.Variable(np.array([1.0, 2.0, 3.0]))
    w = tf.Variable(np.array([1.0, 0.0, 3.0]))
    _check(v == v, [True, True, True])
    _check(v == w, [True, False, True])
    _check(v != w, [False, True, False])
    _check(v == tf.constant(np.array([0.0, 2.0, 0.0])), [False, True, False])
    _check(tf.constant(np.array([0.0, 2.0, 0.0])) == v, [False, True, False])
    _check(v == 3.0, [False, False, True])
    _check(v > 1.5, [False, True, True])
    assert (v == None) is False and (v != None) is True  # noqa: E711
    assert v in [v]
    vi = tf.Variable(np.array([4, 5], np.int64))
    _check(vi == 5, [False, True])
    assert vi.dtype is tf.int64


def test_in_list_with_equal_shaped_variable_is_ambiguous():
    v = tf.Variable(np.array([1.0, 2.0]))
    w = tf.Variable(np.array([1.0, 0.0]))
    with pytest.raises(ValueError):
        v in [w]
    with pytest.raises(ValueError):
        v in [w, v]  # w == v comes first, as in TF


def test_bool_of_tensors():
    assert bool(tf.constant(True)) is True
    assert bool(tf.constant(False)) is False
    assert bool(tf.constant(np.array([[True]])))
    assert bool(tf.constant(3.0) > 2.0) and not bool(tf.constant(3.0) < 2.0)
    assert bool(tf.constant(np.int32(0)) == 0)
    x = tf.constant(np.array([1.0, 2.0]))
    assert bool(tf.reduce_all(x > 0.0)) and not bool(tf.reduce_any(x > 5.0))
    hits = 0
    if tf.reduce_any(x == 2.0):
        hits += 1
    assert hits == 1
    with pytest.raises(ValueError, match="ambiguous"):
        bool(x > 0.0)


def test_int_tensors_as_python_ints():
    i32 = tf.constant(np.int32(2))
    i64 = tf.constant(np.int64(2 ** 62 + 1))
    assert [10, 20, 30][i32] == 30
    assert "abcd"[tf.constant(np.array([1], np.int64))] == "b"
    assert operator.index(i32) == 2 and list(range(tf.constant(np.int64(3)))) == [0, 1, 2]
    assert int(i64) == 2 ** 62 + 1 and type(int(i64)) is int
    assert int(tf.constant(np.int64(-(2 ** 63)))) == -(2 ** 63)
    assert int(tf.constant(np.int32(-7))) == -7
    assert float(i32) == 2.0
    assert np.arange(5)[tf.argmax(tf.constant(np.array([1.0, 9.0, 3.0])))] == 1
    with pytest.raises(TypeError):
        [1, 2][tf.constant(1.0)]
    with pytest.raises(TypeError):
        operator.index(tf.constant(True))
    with pytest.raises(TypeError):
        operator.index(tf.constant(np.array([1, 2], np.int32)))


def test_repr_and_numpy_of_int_and_bool():
    t = tf.constant(np.array([[1, -2]], np.int32))
    assert "dtype=int32" in repr(t) and t.numpy().dtype == np.int32
    b = tf.constant(np.array([True, False]))
    assert "dtype=bool" in repr(b) and b.numpy().dtype == np.bool_
    np.testing.assert_array_equal(np.asarray(b), [True, False])


# ----------------------------------------------------------------------------------------------
# the tape

def test_gradient_through_cast_of_comparison_is_the_mask():
    xs = np.array([-2.0, -0.5, 0.0, 0.25, 3.0], np.float32)
    x = tf.constant(xs)
    with tf.GradientTape() as tape:
        tape.watch(x)
        m = tf.cast(x > 0.0, tf.float32)
        y = m * x
    _check(y, np.where(xs > 0, xs, 0).astype(np.float32))
    _check(tape.gradient(y, x), (xs > 0).astype(np.float32))
    with tf.GradientTape() as tape:  # the mask alone carries no gradient
        tape.watch(x)
        m = tf.cast(x > 0.0, tf.float32)
    assert tape.gradient(m, x) is None


def test_gradient_with_respect_to_int_tensor_is_none():
    i = tf.constant(np.array([1, 2, 3], np.int32))
    x = tf.constant(np.array([0.5, 1.5, -2.0], np.float32))
    with tf.GradientTape(persistent=True) as tape:
        with pytest.warns(UserWarning, match="floating"):
            tape.watch(i)
        tape.watch(x)
        y = tf.cast(i, tf.float32) * x
    assert tape.gradient(y, i) is None
    gx, gi = tape.gradient(y, [x, i])
    assert gi is None
    _check(gx, np.array([1.0, 2.0, 3.0], np.float32))
    b = tf.constant(np.array([True, False]))
    with tf.GradientTape() as tape:
        with pytest.warns(UserWarning):
            tape.watch(b)
        z = tf.cast(b, tf.float64) * 2.0
    assert tape.gradient(z, b) is None


def test_gradient_of_int_or_bool_target_is_none():
    x = tf.constant(np.array([1.0, 3.0, 2.0]))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        am = tf.argmax(x)
        b = x > 2.0
        c = tf.cast(x, tf.int32)
        oh = tf.one_hot(am, 3)
    for target in (am, b, c, oh):
        assert tape.gradient(target, x) is None


def test_int_variables_are_not_watched():
    v = tf.Variable(np.array([1, 2], np.int64))
    w = tf.Variable(np.array([1.0, 2.0]))
    with tf.GradientTape() as tape:
        y = tf.cast(v, tf.float64) * w
    assert list(tape.watched_variables()) == [w]
    gv, gw = tape.gradient(y, [v, w])
    assert gv is None
    _check(gw, np.array([1.0, 2.0]))


def test_cast_through_int_cuts_the_gradient():
    xs = np.array([1.7, -2.2, 3.5])
    x = tf.constant(xs)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        t = tf.cast(tf.cast(x, tf.int32), tf.float64)
        y = t * x
    assert tape.gradient(t, x) is None
    _check(tape.gradient(y, x), np.trunc(xs))


def test_gather_at_argmax_gradient_is_one_hot():
    xs = np.array([[0.3, 2.0, -1.0], [5.0, 1.0, 5.0]])
    x = tf.constant(xs)
    with tf.GradientTape() as tape:
        tape.watch(x)
        best = tf.gather(tf.reshape(x, [-1]), tf.argmax(tf.reshape(x, [-1])))
    assert float(best) == 5.0
    _check(tape.gradient(best, x), np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]))


def test_one_hot_mask_gradient():
    rng = np.random.default_rng(10)
    logits = tf.constant(rng.standard_normal((6, 4)))
    labels = np.array([0, 3, 3, 1, 2, 0])
    with tf.GradientTape() as tape:
        tape.watch(logits)
        picked = tf.reduce_sum(tf.one_hot(tf.constant(labels), 4, dtype=tf.float64) * logits)
    np.testing.assert_allclose(float(picked), logits.numpy()[np.arange(6), labels].sum(), rtol=1e-14)
    _check(tape.gradient(picked, logits), np.eye(4)[labels])


def test_accuracy_computation():
    rng = np.random.default_rng(11)
    for n, k in ((1, 3), (7, 5), (1000, 10)):
        logits = rng.standard_normal((n, k)).astype(np.float32)
        logits[: n // 3, 0] = logits[: n // 3, 1]  # ties: the first index wins, as np.argmax
        labels = rng.integers(0, k, n)
        acc = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(logits, 1), labels), tf.float32))
        assert acc.dtype is tf.float32 and acc.shape == ()
        want = np.float32(np.mean(np.argmax(logits, 1) == labels))
        np.testing.assert_allclose(acc.numpy(), want, rtol=1e-6)
        acc32 = tf.reduce_mean(tf.cast(tf.equal(tf.argmax(tf.constant(logits), axis=1, output_type=tf.int32),
                                                tf.constant(labels.astype(np.int32))), tf.float32))
        np.testing.assert_allclose(acc32.numpy(), want, rtol=1e-6)
    with pytest.raises(TypeError, match="equal"):  # int64 argmax against int32 labels
        tf.equal(tf.argmax(tf.constant(logits), 1), tf.constant(labels.astype(np.int32)))


# ----------------------------------------------------------------------------------------------
# float ops refuse int/bool tensors; byte-moving ops take them

FLOAT_OPS = {
    "exp": lambda t: tf.exp(t),
    "sqrt": lambda t: tf.sqrt(t),
    "softmax": lambda t: tf.nn.softmax(t),
}
# Integer arithmetic exists (int_arith.cc, floordiv.cc, int / int and the integer mean); bool
# has none of it, as in TF.
BOOL_REFUSED = {
    "add": lambda t: tf.add(t, t),
    "negative": lambda t: -t,
    "reduce_sum": lambda t: tf.reduce_sum(t),
    "reduce_max": lambda t: tf.reduce_max(t),
    "divide": lambda t: tf.divide(t, t),
    "reduce_mean": lambda t: tf.reduce_mean(t),
    "matmul": lambda t: tf.matmul(t, tf.transpose(t)),
}


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_])
@pytest.mark.parametrize("op", sorted(FLOAT_OPS))
def test_float_ops_refuse_int_and_bool(op, dtype):
    t = tf.constant(np.ones((2, 3), dtype))
    a = "an" if dtype in (np.int32, np.int64) else "a"
    msg = rf"^{op}: expected a float32 or float64 tensor, got {a} {np.dtype(dtype).name} tensor"
    with pytest.raises(TypeError, match=msg):
        FLOAT_OPS[op](t)


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("sa, sb", [((7,), (7,)), ((3, 1), (1, 5)), ((), (4,)), ((2, 3), ()),
                                    ((0, 3), (1, 3)), ((1_000_003,), (1,))])
def test_integer_floordiv_and_mod_are_pythons(sa, sb, dtype):
    # TF's FloorDiv/FloorMod on integers are Python's // and % (numpy's floor_divide and
    # remainder for nonzero divisors), through the functions and the operators.
    rng = np.random.default_rng(5)
    a = rng.integers(-1000, 1000, sa, dtype=dtype)
    b = rng.integers(1, 50, sb, dtype=dtype) * rng.choice(np.array([-1, 1], dtype), sb)
    ta, tb = tf.constant(a), tf.constant(b)
    for got in (tf.math.floordiv(ta, tb), tf.floordiv(ta, tb), ta // tb):
        _check(got, np.floor_divide(a, b))
    for got in (tf.math.floormod(ta, tb), tf.math.mod(ta, tb), ta % tb):
        _check(got, np.remainder(a, b))


def test_integer_floordiv_and_mod_edges():
    for dtype in INT_NP:
        info = np.iinfo(dtype)
        a = np.array([info.min, info.min, info.max, -7, 7, -7, 7, 0], dtype)
        b = np.array([-1, 1, -1, 2, -2, -2, 2, -3], dtype)
        ta, tb = tf.constant(a), tf.constant(b)
        with np.errstate(over="ignore"):
            want_q = np.floor_divide(a, b)  # the lowest value // -1 wraps to itself, as in numpy
        _check(ta // tb, want_q)
        _check(ta % tb, np.remainder(a, b))
        # Python ints take the tensor's dtype: 7 // t, t % 3
        _check(7 // tf.constant(np.array([2, -2, 3], dtype)), np.array([3, -4, 2], dtype))
        _check(tf.constant(np.array([-7, 8], dtype)) % 3, np.array([2, 2], dtype))
        # an integer division by zero is an error naming the op, as TF's, wherever it is
        for op, fn in (("floordiv", lambda x, y: x // y), ("floormod", lambda x, y: x % y)):
            with pytest.raises(tf.errors.InvalidArgumentError, match=f"^{op}: integer division by zero"):
                fn(tf.constant(np.array([1, 2, 3], dtype)), tf.constant(np.array([1, 0, 1], dtype)))
            with pytest.raises(ValueError, match="division by zero"):
                fn(tf.constant(np.array([1, 2], dtype)), 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_floordiv_and_mod_as_tf(dtype):
    # TF's float FloorDiv is floor(x / y); its FloorMod is fmod moved into the sign of y.
    rng = np.random.default_rng(8)
    a = (rng.standard_normal((5, 7)) * 10).astype(dtype)
    b = rng.standard_normal(7).astype(dtype)
    a[0, :3] = [np.inf, -np.inf, np.nan]
    b[3:6] = [0.0, np.inf, -np.inf]
    ta, tb = tf.constant(a), tf.constant(b)
    with np.errstate(all="ignore"):
        want_q = np.floor(a / b)
        t = np.fmod(a, b)
        want_r = np.where((t != 0) & ((b < 0) != (t < 0)), t + b, t)
    np.testing.assert_array_equal((ta // tb).numpy(), want_q)
    np.testing.assert_array_equal(tf.math.floordiv(ta, tb).numpy(), want_q)
    np.testing.assert_array_equal((ta % tb).numpy(), want_r)
    np.testing.assert_array_equal(tf.math.floormod(ta, tb).numpy(), want_r)
    # On the quotients numpy agrees with (finite, nonzero divisors), so does numpy's % and //.
    ok = np.isfinite(a) & np.isfinite(b) & (b != 0)
    with np.errstate(all="ignore"):
        np.testing.assert_allclose((ta % tb).numpy()[ok], np.remainder(a, b)[ok], rtol=1e-5, atol=1e-5)


def test_floordiv_and_mod_errors():
    with pytest.raises(TypeError, match="^floordiv: expected a float32, float64, int32, int64 or uint8 tensor, got a bool tensor"):
        tf.constant([True]) // tf.constant([True])
    with pytest.raises(TypeError, match="floormod"):
        tf.constant([1.0]) % tf.constant(np.array([1], np.int32))
    with pytest.raises(TypeError, match="floordiv"):
        tf.constant(np.array([1], np.int32)) // 1.5  # a float does not convert to int32, as TF
    with pytest.raises(ValueError, match="floordiv"):
        tf.constant([1.0, 2.0]) // tf.constant([1.0, 2.0, 3.0])


def test_integer_true_division_is_float64_as_tf():
    for dtype in INT_NP:
        a = np.array([7, -7, 1, 0], dtype)
        b = np.array([2, 2, 3, 0], dtype)
        with np.errstate(all="ignore"):
            want = a.astype(np.float64) / b.astype(np.float64)
        for got in (tf.constant(a) / tf.constant(b), tf.divide(tf.constant(a), tf.constant(b)),
                    tf.truediv(tf.constant(a), tf.constant(b)), tf.math.truediv(tf.constant(a), b)):
            _check(got, want, np.float64)
        _check(tf.constant(a) / 2, a / 2, np.float64)
    with pytest.raises(TypeError, match="divide"):
        tf.constant(np.array([1], np.int32)) / tf.constant(np.array([1], np.int64))


@pytest.mark.parametrize("dtype", INT_NP)
def test_integer_mean_truncates_as_tf(dtype):
    x = np.array([[5, -7, 9], [-8, 2, 4]], dtype)
    t = tf.constant(x)

    def trunc_mean(v, axis=None):
        s = v.astype(np.int64).sum(axis=axis)
        n = v.size if axis is None else v.shape[axis]
        return (np.sign(s) * (np.abs(s) // n)).astype(dtype)  # C++ division: toward zero
    _check(tf.reduce_mean(t), trunc_mean(x))
    _check(tf.reduce_mean(t, axis=0), trunc_mean(x, 0))
    _check(tf.reduce_mean(t, axis=1, keepdims=True), trunc_mean(x, 1)[:, None])
    _check(tf.reduce_mean(t, axis=[]), x)
    assert np.array_equal(t.numpy(), x)  # the input is untouched
    # the mean of no elements is 0, as TF 2.21's
    _check(tf.reduce_mean(tf.constant(np.zeros((0, 3), dtype)), axis=0), np.zeros(3, dtype))
    _check(tf.reduce_mean(tf.constant(np.zeros((0, 3), dtype)), axis=1), np.zeros(0, dtype))
    _check(tf.reduce_mean(tf.constant(np.zeros((0, 0), dtype)), axis=0), np.zeros(0, dtype))


def test_floordiv_has_no_gradient_and_mod_has_tfs():
    x = tf.Variable([5.5, -7.25, 3.0])
    y = tf.Variable([2.0, 2.0, -1.25])
    with tf.GradientTape(persistent=True) as tape:
        q = x // y
        r = x % y
    assert tape.gradient(q, x) is None and tape.gradient(q, y) is None
    np.testing.assert_allclose(tape.gradient(r, x).numpy(), [1, 1, 1])
    np.testing.assert_allclose(tape.gradient(r, y).numpy(), -np.floor(np.array([5.5, -7.25, 3.0]) / [2.0, 2.0, -1.25]))


@pytest.mark.parametrize("op", sorted(BOOL_REFUSED))
def test_arithmetic_refuses_bool(op):
    t = tf.constant(np.ones((2, 3), np.bool_))
    # The ops over any number (reduce_sum, reduce_max, reduce_prod, matmul...) say so.
    takes = "a float or integer tensor" if op in ("reduce_sum", "reduce_max", "matmul") else "a float32 or float64 tensor"
    with pytest.raises(TypeError, match=rf"^{op}: expected {takes}, got a bool tensor"):
        BOOL_REFUSED[op](t)


INT_BINARY = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply,
              "maximum": np.maximum, "minimum": np.minimum}


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("name", sorted(INT_BINARY))
def test_integer_arithmetic_as_numpy(name, dtype):
    rng = np.random.default_rng(11)
    info = np.iinfo(dtype)
    for sa, sb in [((7,), (7,)), ((3, 1), (1, 5)), ((), (4,)), ((2, 3), ()), ((0, 3), (1, 3)),
                   ((1_000_003,), (1,))]:
        a = rng.integers(-1000, 1000, sa, dtype=dtype)
        b = rng.integers(-1000, 1000, sb, dtype=dtype)
        _check(getattr(tf, name)(tf.constant(a), tf.constant(b)), INT_BINARY[name](a, b))
    # wrap-around on overflow, as TF (and numpy)
    big = np.array([info.max, info.min, info.max], dtype)
    with np.errstate(over="ignore"):
        _check(getattr(tf, name)(tf.constant(big), tf.constant(np.array([1, -1, 2], dtype))),
               INT_BINARY[name](big, np.array([1, -1, 2], dtype)))


def test_integer_operators_and_unary_ops():
    r = tf.range(-3, 4)
    x = np.arange(-3, 4, dtype=np.int32)
    _check(r * 2, x * 2)
    _check(1 - r, 1 - x)
    _check(r + r, x + x)
    _check(-r, -x)
    _check(abs(r), np.abs(x))
    _check(tf.square(r), x * x)
    _check(tf.sign(r), np.sign(x))
    lo = np.array([np.iinfo(np.int64).min], np.int64)
    _check(-tf.constant(lo), lo)  # -lowest wraps to itself, as TF
    _check(tf.abs(tf.constant(lo)), lo)
    _check(r / 2, x / 2, np.float64)  # truediv, as TF
    _check(r // 2, x // 2)
    _check(r % 2, x % 2)
    _check(tf.reduce_mean(r), np.int32(0))
    with pytest.raises(TypeError, match=r"^exp: "):
        tf.exp(r)
    _check(r ** 2, x * x)  # integer pow, as TF
    with pytest.raises(TypeError, match=r"^add: cannot compute add of an int32 tensor and an int64"):
        r + tf.constant(np.array([1], np.int64))
    with pytest.raises(TypeError, match=r"^multiply: cannot convert 1.5 to an int32 tensor"):
        r * 1.5


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("shape,axis", [((7,), None), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), (0, 2)),
                                        ((2, 3, 4), -1), ((0, 3), 0), ((0, 3), 1), ((1_000_003,), 0)])
def test_integer_reductions_as_numpy(shape, axis, dtype):
    x = np.random.default_rng(12).integers(-10**6, 10**6, shape, dtype=dtype)
    t = tf.constant(x)
    for keepdims in (False, True):
        _check(tf.reduce_sum(t, axis, keepdims), np.sum(x, axis=axis, keepdims=keepdims, dtype=dtype))
        if x.size or axis is not None and x.shape[axis if isinstance(axis, int) else 0]:
            info = np.iinfo(dtype)  # the identity for an empty reduction, as TF
            _check(tf.reduce_max(t, axis, keepdims),
                   np.max(x, axis=axis, keepdims=keepdims, initial=info.min))
            _check(tf.reduce_min(t, axis, keepdims),
                   np.min(x, axis=axis, keepdims=keepdims, initial=info.max))
    # counting with a cast, the usual TF idiom
    assert int(tf.reduce_sum(tf.cast(t > 0, tf.int32))) == int((x > 0).sum())


def test_integer_results_carry_no_gradient():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        n = tf.reduce_sum(tf.cast(v > 1.5, tf.int32))
        y = tf.cast(n, tf.float32) * v
    assert tape.gradient(n, v) is None
    np.testing.assert_array_equal(tape.gradient(y, v).numpy(), [1.0, 1.0])


INT_BOOL = [np.int32, np.int64, np.bool_]


@pytest.mark.parametrize("dtype", INT_BOOL)
def test_byte_moving_ops_take_int_and_bool(dtype):
    rng = np.random.default_rng(12)
    a = _rand(rng, dtype, (2, 3, 4), -1000, 1000)
    b = _rand(rng, dtype, (2, 1, 4), -1000, 1000)
    t, u = tf.constant(a), tf.constant(b)
    _check(tf.reshape(t, [4, -1]), a.reshape(4, -1))
    _check(tf.reshape(t, (24,)), a.reshape(24))
    _check(tf.transpose(t), a.T)
    for perm in ((0, 2, 1), (2, 0, 1), (1, 0, 2)):
        _check(tf.transpose(t, perm), np.transpose(a, perm))
    _check(tf.concat([t, u], axis=1), np.concatenate([a, b], 1))
    _check(tf.concat([t, t], -1), np.concatenate([a, a], -1))
    _check(tf.stack([t, t, t], axis=1), np.stack([a, a, a], 1))
    _check(tf.slice(t, [1, 0, 2], [1, 2, -1]), a[1:2, 0:2, 2:])
    _check(t[1], a[1])
    _check(t[:, 1:, ::1], a[:, 1:, :])
    _check(t[..., -1], a[..., -1])
    _check(t[0, None, 2], a[0, None, 2])
    _check(tf.expand_dims(t, 1), np.expand_dims(a, 1))
    _check(tf.squeeze(u), np.squeeze(b))
    _check(tf.squeeze(u, [1]), np.squeeze(b, 1))
    _check(tf.broadcast_to(u, (3, 2, 5, 4)), np.broadcast_to(b, (3, 2, 5, 4)))
    _check(tf.identity(t), a)
    _check(tf.stop_gradient(t), a)
    _check(tf.tile(u, [1, 3, 2]), np.tile(b, (1, 3, 2)))
    for p, q in zip(tf.split(t, [1, 3], axis=2), np.split(a, [1], axis=2)):
        _check(p, q)
    _check(tf.pad(t, [[0, 1], [2, 0], [1, 1]]), np.pad(a, [(0, 1), (2, 0), (1, 1)]))
    _check(tf.zeros_like(t), np.zeros_like(a))
    _check(tf.ones_like(t), np.ones_like(a))


@pytest.mark.parametrize("dtype", INT_BOOL)
def test_byte_moving_ops_large_and_empty(dtype):
    rng = np.random.default_rng(13)
    a = _rand(rng, dtype, (101, 99, 103), -(2 ** 30), 2 ** 30)  # 1_030_197 elements
    t = tf.constant(a)
    _check(tf.transpose(t, (2, 0, 1)), np.transpose(a, (2, 0, 1)))
    _check(tf.concat([t, t[:1]], 0), np.concatenate([a, a[:1]], 0))
    _check(tf.reshape(t, [-1]), a.reshape(-1))
    e = tf.constant(np.zeros((0, 3), dtype))
    _check(tf.concat([e, e], 0), np.zeros((0, 3), dtype))
    _check(tf.transpose(e), np.zeros((3, 0), dtype))
    _check(tf.pad(e, [[1, 0], [0, 0]]), np.zeros((1, 3), dtype))


@pytest.mark.parametrize("dtype", [tf.int32, tf.int64, tf.bool])
def test_zeros_ones_with_int_dtypes(dtype):
    np_t = dtype.as_numpy_dtype
    _check(tf.zeros((2, 3), dtype=dtype), np.zeros((2, 3), np_t))
    _check(tf.ones([4], dtype), np.ones(4, np_t))
    _check(tf.zeros((), dtype=dtype), np.zeros((), np_t))
    _check(tf.ones((0, 2), dtype=dtype), np.ones((0, 2), np_t))
    _check(tf.zeros((2,), dtype=np.dtype(np_t).name), np.zeros(2, np_t))
    _check(tf.zeros_like(tf.constant(np.ones((2, 2))), dtype=dtype), np.zeros((2, 2), np_t))
    _check(tf.ones_like(np.zeros(3, np_t)), np.ones(3, np_t))


def test_mixed_dtypes_in_byte_moving_ops_are_errors():
    ti = tf.constant(np.ones((2, 2), np.int32))
    tl = tf.constant(np.ones((2, 2), np.int64))
    with pytest.raises((TypeError, tf.errors.InvalidArgumentError)):
        tf.concat([ti, tl], 0)
    with pytest.raises((TypeError, tf.errors.InvalidArgumentError)):
        tf.stack([ti, tf.constant(np.ones((2, 2), bool))])


# ----------------------------------------------------------------------------------------------
# range

def test_range_as_tf():
    _check(tf.range(5), np.arange(5, dtype=np.int32))
    _check(tf.range(2, 11, 3), np.arange(2, 11, 3, dtype=np.int32))
    _check(tf.range(5, 0, -2), np.arange(5, 0, -2, dtype=np.int32))
    _check(tf.range(0.5, 2.0, 0.5), np.arange(0.5, 2.0, 0.5, dtype=np.float32))
    _check(tf.range(3, dtype=tf.float64), np.arange(3, dtype=np.float64))
    _check(tf.range(3, dtype="int64"), np.arange(3, dtype=np.int64))
    _check(tf.range(0), np.zeros((0,), np.int32))
    # no dtype: the widest argument's, int32 < int64 < float32 < float64 (TF's inference)
    _check(tf.range(tf.constant(4, dtype=tf.int64)), np.arange(4, dtype=np.int64))
    _check(tf.range(1, tf.constant(7, dtype=tf.int64), 2), np.arange(1, 7, 2, dtype=np.int64))
    _check(tf.range(tf.constant(3, dtype=tf.int64), 5.5), np.arange(3, 5.5, dtype=np.float32))
    _check(tf.range(tf.constant(2.0, dtype=tf.float64)), np.arange(2.0, dtype=np.float64))
    _check(tf.range(np.int64(3)), np.arange(3, dtype=np.int64))
    _check(tf.range(tf.constant(4, dtype=tf.int32)), np.arange(4, dtype=np.int32))
    # the usual use: positions for gather / one_hot
    x = tf.constant(np.arange(12.0).reshape(4, 3))
    np.testing.assert_array_equal(tf.gather(x, tf.range(0, 4, 2)).numpy(), [[0, 1, 2], [6, 7, 8]])
    # the package's own uses of Python's range still work (iteration, indexing with Ellipsis)
    assert [float(v) for v in tf.constant([1.0, 2.0])] == [1.0, 2.0]
    assert x[..., 1].shape == (4,)


def test_range_errors():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"range: Requires delta != 0"):
        tf.range(0, 3, 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"range: Requires start <= limit"):
        tf.range(3, 0)
    with pytest.raises(TypeError, match=r"range: dtype must be a number type"):
        tf.range(3, dtype=tf.bool)
    with pytest.raises(TypeError, match=r"range: start, limit and delta must be numbers"):
        tf.range("a")
    with pytest.raises(TypeError, match=r"range: arguments must be int32, int64, float32 or float64"):
        tf.range(tf.constant(True))


# ----------------------------------------------------------------------------------------------
# shape, size, rank: int32 tensors, as TF (x.shape is the static TensorShape)

@pytest.mark.parametrize("value, dims", [
    (np.zeros((2, 3), np.float32), (2, 3)),
    (np.zeros((4, 0, 5)), (4, 0, 5)),
    ([[1.0, 2.0, 3.0]], (1, 3)),
    (3.0, ()),
    (np.arange(7, dtype=np.int64), (7,)),
])
def test_shape_size_rank_are_int32_tensors(value, dims):
    for x in (value, tf.constant(value), tf.Variable(value)):
        _check(tf.shape(x), np.array(dims, np.int32))
        _check(tf.size(x), np.array(int(np.prod(dims)), np.int32))
        _check(tf.rank(x), np.array(len(dims), np.int32))
        _check(tf.shape(x, out_type=tf.int64), np.array(dims, np.int64))
        _check(tf.size(x, out_type="int64"), np.array(int(np.prod(dims)), np.int64))


def test_shape_tensors_go_where_shapes_and_dimensions_go():
    x = tf.constant(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    s = tf.shape(x)
    assert tf.zeros(s).shape == (2, 3) and tf.ones(tf.shape(3.0)).shape == ()
    assert tf.reshape(x, [s[0], -1]).shape == (2, 3) and tf.reshape(x, [-1]).shape == (6,)
    assert tf.broadcast_to(tf.constant([1.0, 2.0, 3.0]), s).shape == (2, 3)
    assert tf.fill(s, 2.0).shape == (2, 3) and tf.zeros([s[1], s[0]]).shape == (3, 2)
    assert tf.random.normal(s).shape == (2, 3) and tf.random.uniform([s[1]]).shape == (3,)
    assert tf.one_hot([0, 2], s[1]).shape == (2, 3) and list(range(s[0])) == [0, 1]
    np.testing.assert_allclose(float(tf.reduce_sum(x) / tf.cast(tf.size(x), tf.float32)), 2.5)
    with pytest.raises(TypeError, match=r"shape: out_type must be int32 or int64, got float32"):
        tf.shape(x, out_type=tf.float32)
    with pytest.raises(TypeError, match=r"size: out_type must be int32 or int64, got bool"):
        tf.size(x, out_type=tf.bool)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"random.normal: shape must hold int32 or int64 values"):
        tf.random.normal(tf.constant([2.5]))  # TF 2.21: InvalidArgumentError


def test_empty_python_list_takes_any_dtype():
    # numpy calls [] float64, but it holds no float: TF makes tf.constant([], dtype=tf.int32).
    for dt, np_dt in ((tf.int32, np.int32), (tf.int64, np.int64), (tf.bool, np.bool_), (tf.float64, np.float64)):
        _check(tf.constant([], dtype=dt), np.zeros((0,), np_dt))
        _check(tf.constant([[], []], dtype=dt), np.zeros((2, 0), np_dt))
    _check(tf.constant([]), np.zeros((0,), np.float32))
    _check(tf.constant(np.zeros((0,)), dtype=tf.int32), np.zeros((0,), np.int32))  # numpy converts
    with pytest.raises(TypeError, match=r"constant: cannot convert a float64 value to an int32 tensor"):
        tf.constant([1.5], dtype=tf.int32)


def test_bool_array_bytes_other_than_0_and_1_are_true():
    raw = np.array([0, 1, 2, 255], np.uint8).view(np.bool_)  # numpy: any nonzero byte is True
    t = tf.constant(raw)
    np.testing.assert_array_equal(t.numpy().view(np.uint8), [0, 1, 1, 1])
    np.testing.assert_array_equal(tf.logical_not(t).numpy(), [True, False, False, False])
    np.testing.assert_array_equal(tf.cast(t, tf.float32).numpy(), [0, 1, 1, 1])


# ----------------------------------------------------------------------------------------------
# matmul, pow and relu on integers (TF computes them; no gradient)

@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
@pytest.mark.parametrize("shapes", [((3, 4), (4, 5)), ((1, 7), (7, 1)), ((2, 3, 4), (4, 2)),
                                    ((2, 1, 3, 4), (3, 4, 2)), ((0, 4), (4, 3)), ((3, 0), (0, 2)),
                                    ((17, 33), (33, 9)), ((5, 20), (20, 19)), ((2, 6, 3), (2, 3, 40))])
def test_int_matmul_vs_numpy(dtype, ta, tb, shapes):
    # Fewer than 16 columns run as dot products, more as rows of C (int_arith.cc).
    rng = np.random.default_rng(3)
    sa, sb = shapes
    a = rng.integers(-2 ** 20, 2 ** 20, sa).astype(dtype)  # products overflow int32: both wrap
    b = rng.integers(-2 ** 20, 2 ** 20, sb).astype(dtype)
    ap = np.swapaxes(a, -1, -2).copy() if ta else a
    bp = np.swapaxes(b, -1, -2).copy() if tb else b
    got = tf.linalg.matmul(ap, bp, transpose_a=ta, transpose_b=tb)
    with np.errstate(over="ignore"):
        want = np.matmul(a, b)
    assert got.dtype == tf.as_dtype(dtype)
    _check(got, want.astype(dtype))


def test_int_matmul_operator_and_no_gradient():
    x = tf.constant([[1, 2], [3, 4]])
    assert (x @ x).numpy().tolist() == [[7, 10], [15, 22]] and (x @ x).dtype is tf.int32
    with tf.GradientTape() as t:
        with pytest.warns(UserWarning, match="watched tensor must be floating"):
            t.watch(x)  # an int tensor is not differentiable (as TF)
        y = tf.reduce_sum(x @ x)
    assert t.gradient(y, x) is None


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_int_pow_wraps_and_refuses_negative_exponents(dtype):
    rng = np.random.default_rng(4)
    a = rng.integers(-50, 50, 64).astype(dtype)
    e = rng.integers(0, 40, 64).astype(dtype)
    with np.errstate(over="ignore"):
        want = np.power(a, e)  # numpy's integer power wraps the same way
    _check(tf.pow(a, e), want)
    _check(tf.constant(a) ** 2, a * a)
    assert int(tf.pow(tf.constant(0, dtype=tf.as_dtype(dtype)), 0)) == 1  # TF: 0 ** 0 = 1
    with pytest.raises(tf.errors.InvalidArgumentError, match="pow: Integers to negative integer powers are not allowed"):
        tf.pow(a, -e - 1)


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_int_relu_and_relu6(dtype):
    x = np.array([-7, -1, 0, 1, 5, 6, 9, np.iinfo(dtype).min, np.iinfo(dtype).max], dtype)
    _check(tf.nn.relu(x), np.maximum(x, 0))
    _check(tf.nn.relu6(x), np.clip(x, 0, 6))


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.int64])
@pytest.mark.parametrize("shape", [(3, 4, 5, 6), (0, 3), (1, 17), (17, 1, 2), (2, 0, 3)])
def test_integer_reductions_and_arithmetic_every_axis_set(dtype, shape):
    # the contiguous-run fast path of the integer reductions and the per-operation loops of
    # integer arithmetic, against numpy (wrapping in the dtype), every axis set and broadcast
    rs = np.random.RandomState(len(shape))
    lo = 0 if dtype == np.uint8 else -100
    x = rs.randint(lo, 100, shape).astype(dtype)
    y = rs.randint(lo, 100, shape).astype(dtype)
    t, u = tf.constant(x), tf.constant(y)
    nd = len(shape)
    axis_sets = [list(c) for r in range(1, nd + 1) for c in __import__("itertools").combinations(range(nd), r)]
    for axes in axis_sets:
        for name, ref in (("reduce_sum", lambda a, ax: a.sum(ax, dtype=dtype)),
                          ("reduce_prod", lambda a, ax: a.prod(ax, dtype=dtype)),
                          ("reduce_max", lambda a, ax: a.max(ax, initial=np.iinfo(dtype).min)),
                          ("reduce_min", lambda a, ax: a.min(ax, initial=np.iinfo(dtype).max))):
            got = getattr(tf, name)(t, axes)
            want = ref(x, tuple(axes))
            assert got.dtype == t.dtype and np.array_equal(got.numpy(), want), (name, axes)
    rows = (slice(0, 1),) * (nd - 1) + (slice(None),)
    for a, b, xa, yb in ((t, u, x, y), (t, u[rows], x, y[rows]), (t[rows], u, x[rows], y),
                         (t, tf.constant(y.reshape(-1)[:1].reshape(())) if y.size else u, x, y.reshape(-1)[:1].reshape(()) if y.size else y)):
        for op, ref in ((tf.add, np.add), (tf.subtract, np.subtract), (tf.multiply, np.multiply),
                        (tf.maximum, np.maximum), (tf.minimum, np.minimum)):
            with np.errstate(over="ignore"):
                want = ref(xa, yb).astype(dtype)
            assert np.array_equal(op(a, b).numpy(), want), op
