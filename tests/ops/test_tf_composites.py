"""TF functions written in Python from recorded ops (tapegrad/math.py, nn.py, _array_ops.py):
expm1, log_sigmoid, squared_difference, reciprocal, rsqrt, reduce_variance/std, add_n,
divide_no_nan, l2_normalize, relu6, elu, selu, silu, moments, dropout, unstack, reverse,
boolean_mask: forward against numpy in float32 and float64, gradients and second derivatives
against finite differences (the cases name the ops.def rows they go through). The functions
without a gradient (floor, ceil, round, is_nan/inf/finite, count_nonzero, eye) and the
errors are checked after the table."""

import math

import numpy as np
import pytest

import tapegrad as tf
from opcases import Case, away_from_zero, define_tests, nonzero, normal, positive

SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(x))


def _off(edges, shape, margin=0.1):
    """Normal samples kept ``margin`` away from the kinks at ``edges``."""
    def gen(rng):
        x = rng.standard_normal(shape) * 3
        for e in edges:
            x = np.where(np.abs(x - e) < margin, x + 2 * margin, x)
        return [x]
    return gen


def _mask_case(mask):
    return lambda x: tf.boolean_mask(x, mask)


MASK = np.array([[True, False, True], [False, False, True]])

CASES = [
    Case("expm1", "expm1", tf.math.expm1, np.expm1, normal((3, 4))),
    Case("expm1_small", "expm1", tf.math.expm1, np.expm1,
         lambda rng: [rng.uniform(-1e-3, 1e-3, (5,))], eps=1e-7),
    Case("log_sigmoid", ("negative", "custom_gradient"), tf.math.log_sigmoid,
         lambda x: -np.logaddexp(0, -x), lambda rng: [rng.standard_normal((3, 4)) * 10]),
    Case("squared_difference", ("subtract", "square"), tf.math.squared_difference,
         lambda a, b: (a - b) ** 2, normal((2, 3), (3,))),
    Case("reciprocal", "reciprocal", tf.math.reciprocal, lambda x: 1 / x, nonzero((2, 3))),
    Case("rsqrt", "rsqrt", tf.math.rsqrt, lambda x: 1 / np.sqrt(x), positive((2, 3))),
    Case("reduce_variance_all", ("reduce_mean", "square"), tf.math.reduce_variance, np.var,
         normal((3, 4))),
    Case("reduce_variance_axis", "reduce_mean", lambda x: tf.math.reduce_variance(x, axis=0, keepdims=True),
         lambda x: x.var(0, keepdims=True), normal((3, 4))),
    Case("reduce_std_axis", ("reduce_mean", "sqrt"), lambda x: tf.math.reduce_std(x, axis=-1),
         lambda x: x.std(-1), normal((3, 4))),
    Case("add_n", "add", lambda a, b, c: tf.math.add_n([a, b, c]), lambda a, b, c: a + b + c,
         normal((2, 3), (2, 3), (2, 3))),
    Case("divide_no_nan", ("where", "divide"), lambda a, b: tf.math.divide_no_nan(a, b * tf.constant([1.0, 0.0, 1.0], b.dtype)),
         lambda a, b: np.where(b * [1, 0, 1] == 0, 0, a / np.where(b * [1, 0, 1] == 0, 1, b * [1, 0, 1])),
         nonzero((2, 3), (3,))),
    Case("l2_normalize", ("multiply", "reduce_sum"), lambda x: tf.math.l2_normalize(x, axis=1),
         lambda x: x / np.sqrt((x * x).sum(1, keepdims=True)), normal((3, 4))),
    Case("nn_l2_normalize_all", "multiply", tf.nn.l2_normalize, lambda x: x / np.sqrt((x * x).sum()),
         normal((2, 3))),
    Case("relu6", ("where", "relu"), tf.nn.relu6, lambda x: np.clip(x, 0, 6), _off([0.0, 6.0], (4, 5))),
    Case("elu", ("where", "relu_grad", "expm1"), tf.nn.elu, _elu, away_from_zero((3, 4))),
    Case("elu_alpha", ("where", "relu_grad"), lambda x: tf.nn.elu(x, alpha=0.5), lambda x: _elu(x, 0.5),
         away_from_zero((3, 4))),
    Case("selu", "multiply", tf.nn.selu, lambda x: SELU_SCALE * _elu(x, SELU_ALPHA), away_from_zero((3, 4))),
    Case("silu", ("multiply", "sigmoid"), tf.nn.silu, lambda x: x * _sigmoid(x), normal((3, 4))),
    Case("gelu", ("erf", "multiply"), tf.nn.gelu,
         lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / np.sqrt(2))), normal((3, 4), scale=2.0)),
    Case("gelu_tanh", ("tanh", "pow"), lambda x: tf.nn.gelu(x, approximate=True),
         lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))), normal((3, 4), scale=2.0)),
    Case("swish_beta", "sigmoid", lambda x: tf.nn.swish(x, beta=1.5), lambda x: x * _sigmoid(1.5 * x),
         normal((3, 4))),
    Case("moments_mean", "reduce_mean", lambda x: tf.nn.moments(x, axes=[0])[0], lambda x: x.mean(0),
         normal((3, 4))),
    # TF takes the variance about stop_gradient(mean): the same first derivative (the mean's
    # share is zero), but not the true second one; test_moments_second_derivative_is_tfs.
    Case("moments_variance", ("reduce_mean", "square"), lambda x: tf.nn.moments(x, axes=[0, 1], keepdims=True)[1],
         lambda x: x.var(keepdims=True), normal((3, 4)), second_order=False),
    Case("unstack", "slice", lambda x: tf.unstack(x, axis=1)[2] * tf.unstack(x)[0][2],
         lambda x: x[:, 2] * x[0, 2], normal((3, 4))),
    Case("reverse", "gather", lambda x: tf.reverse(x, [0, -1]) * x, lambda x: x[::-1, ::-1] * x,
         normal((3, 4))),
    Case("boolean_mask", "gather", _mask_case(MASK), lambda x: x[MASK], normal((2, 3, 2))),
    Case("boolean_mask_axis", "gather", lambda x: tf.boolean_mask(x, np.array([False, True, True]), axis=1),
         lambda x: x[:, [1, 2]], normal((2, 3))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


# -- no gradient: rounding, classification, counting ------------------------------------------

SPECIALS = [-2.5, -1.5, -0.5, -0.4, -0.0, 0.0, 0.4, 0.5, 0.6, 1.5, 2.5, 3.7, -3.7, 1e9 + 0.5,
            2.0**23 + 1, -(2.0**52) - 1, np.inf, -np.inf, np.nan]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_floor_ceil_round_as_numpy(dtype):
    # numpy's rint/floor/ceil are TF's: halves to even, the sign of zero kept.
    rng = np.random.default_rng(3)
    x = np.concatenate([np.array(SPECIALS), rng.standard_normal(1000) * 100,
                        rng.integers(-50, 50, 200) + 0.5]).astype(dtype)
    t = tf.constant(x)
    for got, want in ((tf.math.floor(t), np.floor(x)), (tf.floor(t), np.floor(x)),
                      (tf.math.ceil(t), np.ceil(x)), (tf.math.round(t), np.rint(x)),
                      (tf.round(t), np.rint(x))):
        assert got.dtype == t.dtype
        np.testing.assert_array_equal(got.numpy(), want)
        np.testing.assert_array_equal(np.signbit(got.numpy()), np.signbit(want))


def test_rounding_has_no_gradient_as_tf():
    x = tf.Variable([0.3, 1.7, -2.5])
    with tf.GradientTape(persistent=True) as tape:
        outs = [tf.math.floor(x), tf.math.ceil(x), tf.math.round(x)]
    assert all(tape.gradient(y, x) is None for y in outs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_is_nan_inf_finite(dtype):
    x = np.array(SPECIALS + [np.finfo(dtype).max, np.finfo(dtype).tiny / 4], dtype)
    t = tf.constant(x)
    for fn, ref in ((tf.math.is_nan, np.isnan), (tf.math.is_inf, np.isinf),
                    (tf.math.is_finite, np.isfinite)):
        got = fn(t)
        assert got.dtype == tf.bool
        np.testing.assert_array_equal(got.numpy(), ref(x))
    with pytest.raises(TypeError, match="^is_nan: expected a float32 or float64 tensor, got an int32"):
        tf.math.is_nan(np.array([1], np.int32))


def test_count_nonzero():
    x = np.array([[0.0, 1.5, -0.0], [np.nan, 0.0, 2.0]])
    got = tf.math.count_nonzero(x)
    assert got.dtype == tf.int64 and int(got) == 3
    np.testing.assert_array_equal(tf.math.count_nonzero(x, axis=1).numpy(), [1, 2])
    k = tf.math.count_nonzero(np.array([[1, 0, 3]], np.int32), axis=0, keepdims=True, dtype=tf.int32)
    assert k.dtype == tf.int32 and k.numpy().tolist() == [[1, 0, 1]]
    assert int(tf.math.count_nonzero(np.array([True, False, True]))) == 2


def test_expm1_accuracy_and_specials():
    for dtype, max_ulp in ((np.float32, 2), (np.float64, 2)):
        x = np.concatenate([np.geomspace(1e-30, 80, 5000), -np.geomspace(1e-30, 100, 5000)]).astype(dtype)
        got = tf.math.expm1(x).numpy()
        want = np.expm1(x.astype(np.float64)).astype(dtype)
        it = np.int32 if dtype == np.float32 else np.int64
        ok = np.isfinite(want)
        assert np.abs(got[ok].view(it).astype(np.int64) - want[ok].view(it).astype(np.int64)).max() <= max_ulp
        sp = np.array([0.0, -0.0, np.inf, -np.inf, np.nan], dtype)
        g = tf.math.expm1(sp).numpy()
        np.testing.assert_array_equal(g, [0.0, -0.0, np.inf, -1.0, np.nan])
        assert np.signbit(g[1])


def test_moments_second_derivative_is_tfs():
    # d/dx of sum(d var / dx) with the mean held by stop_gradient: 2 / n per element (TF's
    # value; for the true variance it would be 0). reduce_variance differentiates the mean.
    x = tf.Variable(np.random.default_rng(1).standard_normal((3, 4)))
    for fn, want in ((lambda v: tf.nn.moments(v, axes=[0, 1])[1], 2 / 12),
                     (lambda v: tf.math.reduce_variance(v), 0.0)):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                var = fn(x)
            g = inner.gradient(var, x)
            s = tf.reduce_sum(g)
        np.testing.assert_allclose(outer.gradient(s, x).numpy(), np.full((3, 4), want), atol=1e-12)


def test_dropout():
    tf.random.set_seed(7)
    x = tf.ones((200, 300))
    y = tf.nn.dropout(x, rate=0.25)
    v = y.numpy()
    kept = v != 0
    assert np.allclose(v[kept], 1 / 0.75)
    assert abs(kept.mean() - 0.75) < 0.01  # 60000 draws
    # noise_shape shares a draw along its size-1 axes
    z = tf.nn.dropout(x, rate=0.5, noise_shape=[200, 1]).numpy()
    assert np.all((z == 0).all(1) | (z != 0).all(1))
    # the gradient is the same mask and scale
    w = tf.Variable(np.full((50, 40), 3.0, np.float32))
    with tf.GradientTape() as tape:
        out = tf.nn.dropout(w, rate=0.5, seed=3)
        s = tf.reduce_sum(out)
    np.testing.assert_allclose(tape.gradient(s, w).numpy(), out.numpy() / 3.0)
    assert tf.nn.dropout(x, 0.0) is not x and np.array_equal(tf.nn.dropout(x, 0.0).numpy(), x.numpy())
    for bad in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match=r"dropout: rate must be .* in the range \[0, 1\)"):
            tf.nn.dropout(x, bad)


def test_eye_unstack_reverse_boolean_mask_edges():
    np.testing.assert_array_equal(tf.eye(3).numpy(), np.eye(3))
    e = tf.eye(2, 3, batch_shape=[4], dtype=tf.float64)
    assert e.dtype == tf.float64 and e.shape == (4, 2, 3)
    np.testing.assert_array_equal(e.numpy()[2], np.eye(2, 3))
    assert tf.eye(0).shape == (0, 0)
    ints = tf.constant(np.arange(6, dtype=np.int32).reshape(2, 3))
    assert [t.numpy().tolist() for t in tf.unstack(ints)] == [[0, 1, 2], [3, 4, 5]]
    assert tf.reverse(ints, [1]).numpy().tolist() == [[2, 1, 0], [5, 4, 3]]
    assert tf.reverse(ints, []).numpy().tolist() == ints.numpy().tolist()
    assert tf.boolean_mask(ints, np.array([[False, True, False], [True, False, True]])).numpy().tolist() == [1, 3, 5]
    assert tf.boolean_mask(ints, np.zeros((2, 3), bool)).shape == (0,)
    assert tf.is_tensor(ints) and tf.is_tensor(tf.Variable(1.0)) and not tf.is_tensor([1.0])


def test_composite_errors():
    x = tf.constant(np.zeros((2, 3), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"add_n: all inputs must have the same shape"):
        tf.add_n([x, tf.zeros((3,))])
    with pytest.raises(ValueError, match="add_n: inputs must be a non-empty list"):
        tf.add_n([])
    with pytest.raises(ValueError, match="unstack: num=3 but dimension 0 has size 2"):
        tf.unstack(x, num=3)
    with pytest.raises(ValueError, match="unstack: cannot unstack a scalar"):
        tf.unstack(tf.constant(1.0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="reverse: axis 2 is out of range"):
        tf.reverse(x, [2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="reverse: axis 1 specified more than once"):
        tf.reverse(x, [1, -2 + 3 - 2 + 2])
    # TF 2.21 (eager) takes a numeric mask as its nonzero entries, NaN included: checked in TF
    for m in (np.array([1, 0], np.uint8), np.array([2, 0], np.int64), [1, 0],
              np.array([np.nan, 0.0], np.float32)):
        np.testing.assert_array_equal(tf.boolean_mask(x, m).numpy(), x.numpy()[:1])
    np.testing.assert_array_equal(
        tf.boolean_mask(tf.constant([[1., 2.], [3., 4.]]), np.array([[0.5, 0], [0, -1]], np.float32)).numpy(),
        [1., 4.])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"boolean_mask: mask shape \[3\] must match"):
        tf.boolean_mask(x, np.array([True, False, True]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="eye: num_rows and num_columns must be >= 0"):
        tf.eye(-1)
    with pytest.raises(TypeError, match="^rsqrt: expected a float32 or float64 tensor, got an int64"):
        tf.math.rsqrt(np.array([4], np.int64))


def test_python_numbers_are_float32_in_composites_as_in_the_core_ops():
    # As tf.constant: a Python float or list is float32 whichever function takes it (it was
    # float64 in the Python composites, float32 in the C++ ops); numpy float64 stays float64.
    for f in (tf.math.expm1, tf.math.softplus, tf.nn.leaky_relu, tf.nn.elu, tf.nn.gelu,
              tf.math.log_sigmoid, tf.exp, tf.nn.relu):
        assert f(1.0).dtype == tf.float32, f.__name__
        assert f([1.0, 2.0]).dtype == tf.float32, f.__name__
        assert f(np.array([1.0, 2.0])).dtype == tf.float64, f.__name__
        assert f(np.float64(1.0)).dtype == tf.float64, f.__name__
    assert tf.norm([3.0, 4.0]).dtype == tf.float32
    assert tf.math.reduce_logsumexp([1.0, 2.0]).dtype == tf.float32


def test_integer_arrays_keep_their_dtype_or_are_refused_by_name_as_in_tf():
    """numpy integer arrays: tile, split and bias_add compute in their dtype (TF's ops accept
    integers); softplus, reduce_logsumexp and l2_loss take float tensors only, as TF's,
    and refuse with a TypeError naming the op instead of converting to float32; norm with
    TF's InvalidArgumentError (its 1 and inf orders compute in the integer type)."""
    i = np.array([[1, 2], [3, 4]], dtype=np.int32)
    t = tf.tile(i, [1, 2])
    assert t.dtype == tf.int32 and t.numpy().tolist() == [[1, 2, 1, 2], [3, 4, 3, 4]]
    assert [p.dtype for p in tf.split(i, 2)] == [tf.int32, tf.int32]
    b = tf.nn.bias_add(i, np.array([10, 20], dtype=np.int32))
    assert b.dtype == tf.int32 and b.numpy().tolist() == [[11, 22], [13, 24]]
    for fn, name in ((tf.math.softplus, "softplus"), (tf.math.reduce_logsumexp, "reduce_logsumexp"),
                     (tf.nn.l2_loss, "l2_loss")):
        with pytest.raises(TypeError, match=name + r": expected a float32 or float64 tensor, got an int32"):
            fn(i)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"norm: Value for attr 'T' of int32 is not in the list"):
        tf.norm(i)
    n1 = tf.norm(i, ord=1)
    assert n1.dtype == tf.int32 and int(n1) == 10
