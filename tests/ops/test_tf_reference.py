"""Edge values and gradients where a differential run against TensorFlow 2.21 (session 22)
found tapegrad diverging. The expected numbers are TF 2.21's outputs for the same calls (and,
where the math has a closed form, that value too)."""
import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError


def grad(f, x, order=1):
    """The `order`-th derivative of sum(f(x)) at x (nested tapes), as a numpy array or None."""
    x = tf.constant(x)
    tapes = [tf.GradientTape() for _ in range(order)]
    for t in tapes:
        t.__enter__()
        t.watch(x)
    y = tf.reduce_sum(f(x))
    for t in reversed(tapes):
        t.__exit__(None, None, None)
        y = t.gradient(y, x)
        if y is None:
            return None
        if t is not tapes[0]:
            y = tf.reduce_sum(y)
    return y.numpy()


# -- hyperbolic functions --------------------------------------------------------------------

def test_atanh_is_accurate_near_minus_one():
    x = np.float32([-0.999999, -0.9999, -0.999, 0.999999, -0.5])
    got = tf.math.atanh(x).numpy()
    want = np.arctanh(x.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=2e-6)  # was 0.4 % off at -0.999999
    assert np.signbit(tf.math.atanh(tf.constant(-0.0)).numpy())
    np.testing.assert_array_equal(tf.math.atanh(np.float32([1, -1])).numpy(), [np.inf, -np.inf])
    assert np.isnan(tf.math.atanh(np.float32([np.nan, 2.0, -2.0])).numpy()).all()


@pytest.mark.parametrize("dtype, x", [(np.float32, 89.0), (np.float32, 89.4), (np.float64, 710.0)])
def test_sinh_cosh_stay_finite_up_to_their_overflow(dtype, x):
    want = np.sinh(np.longdouble(dtype(x)))  # of the input as rounded to dtype
    for v in (x, -x):
        np.testing.assert_allclose(tf.math.sinh(np.array(v, dtype)).numpy(), np.sign(v) * want, rtol=4 * np.finfo(dtype).eps)
        np.testing.assert_allclose(tf.math.cosh(np.array(v, dtype)).numpy(), want, rtol=4 * np.finfo(dtype).eps)
    # the gradients are cosh and sinh: finite too
    np.testing.assert_allclose(grad(tf.math.sinh, np.array([x], dtype)), [want], rtol=4 * np.finfo(dtype).eps)
    past = np.array(90.0 if dtype == np.float32 else 711.0, dtype)
    assert tf.math.sinh(past).numpy() == np.inf and tf.math.cosh(-past).numpy() == np.inf


def test_acosh_is_nan_below_one_value_and_gradient():
    x = np.float32([-2.5, -1.0, -np.inf, -1e6, 0.5])
    assert np.isnan(tf.math.acosh(x).numpy()).all()
    assert np.isnan(grad(tf.math.acosh, x)).all()  # TF: NaN (was 0.44, -inf, 0 for the first three)
    np.testing.assert_allclose(grad(tf.math.acosh, np.float32([2.0])), [1 / np.sqrt(3)], rtol=1e-6)
    assert grad(tf.math.acosh, np.float32([1.0]))[0] == np.inf


# -- gradients TF gives as zeros, not None ----------------------------------------------------

def test_sign_gradient_is_zeros():
    np.testing.assert_array_equal(grad(lambda x: tf.sign(x) * 3.0, np.float32([1, -2, 0])), [0, 0, 0])


@pytest.mark.parametrize("f", [tf.abs, tf.nn.relu, tf.nn.relu6, lambda x: tf.nn.leaky_relu(x, 0.2)],
                         ids=["abs", "relu", "relu6", "leaky_relu"])
def test_second_derivative_of_piecewise_linear_is_zeros(f):
    x = np.float32([0.3, -0.7, 2.0, 7.0])
    np.testing.assert_array_equal(grad(f, x, order=2), np.zeros(4, np.float32))


def test_relu_network_hessian_vector_product_is_zeros():
    W = tf.constant([[1.0, -1.0], [0.5, 2.0]])
    x = tf.constant([[0.3, -0.7]])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            out = tf.reduce_sum(tf.nn.relu(x @ W))
        gx = inner.gradient(out, x)
    np.testing.assert_array_equal(outer.gradient(gx, x).numpy(), [[0.0, 0.0]])


# -- other gradients ---------------------------------------------------------------------------

def test_divide_gradient_wrt_tiny_denominator():
    # TF computes (-x / y) / y: y * y would underflow to 0 for |y| < ~4e-23 in float32.
    for x, y, want in [(1e-30, 1e-30, -1e30), (0.0, 1e-30, -0.0)]:
        a, b = tf.constant(np.float32(x)), tf.constant(np.float32(y))
        with tf.GradientTape() as tape:
            tape.watch(b)
            q = a / b
        np.testing.assert_allclose(tape.gradient(q, b).numpy(), want, rtol=1e-6)


def test_softsign_gradient_for_large_inputs():
    x = np.float32([1e6, -1e6, np.inf, 0.5])
    np.testing.assert_allclose(grad(tf.nn.softsign, x), 1 / (1 + np.abs(x.astype(np.float64))) ** 2, rtol=1e-6)
    np.testing.assert_allclose(grad(tf.math.softsign, np.float64([1e20])), [1e-40], rtol=1e-12)
    # second order: -2 sign(x) / (1 + |x|)^3
    np.testing.assert_allclose(grad(tf.nn.softsign, np.float32([0.5, -3.0]), order=2),
                               [-2 / 1.5 ** 3, 2 / 4.0 ** 3], rtol=1e-6)


def test_atan2_incompatible_shapes_is_invalid_argument():
    with pytest.raises(InvalidArgumentError, match=r"atan2: \(1, 3\) vs. \(2,\)"):
        tf.math.atan2(tf.constant([[1.0, 2.0, 3.0]]), tf.constant([1.0, 2.0]))


# -- activations: NaN, infinities, the branch at 0, large inputs; TF 2.21's outputs --------------

_X = np.float32([0.3, -0.7, 0.0, 7.0, np.nan, np.inf, -np.inf])
_nan, _inf = np.nan, np.inf
_S, _SA = 1.050701, 1.7580993
_TF_ACTIVATIONS = {  # name: (value, gradient, second derivative) of sum(f(x)) at _X, from TF 2.21
    "leaky_relu": (lambda x: tf.nn.leaky_relu(x, 0.2),
                   [0.3, -0.14, 0, 7, _nan, _inf, -_inf], [1, 0.2, 0.2, 1, 0.2, 1, 0.2], [0] * 7),
    "leaky_relu_0": (lambda x: tf.nn.leaky_relu(x, 0.0),
                     [0.3, 0, 0, 7, _nan, _inf, _nan], [1, 0, 0, 1, 0, 1, 0], [0] * 7),
    "relu6": (tf.nn.relu6, [0.3, 0, 0, 6, _nan, 6, 0], [1, 0, 0, 0, 0, 0, 0], [0] * 7),
    "elu": (tf.nn.elu, [0.3, -0.5034147, 0, 7, _nan, _inf, -1], [1, 0.4965853, 1, 1, 1, 1, 0],
            [0, 0.4965853, 0, 0, 0, 0, 0]),
    "selu": (tf.nn.selu, [0.3152103, -0.88505304, 0, 7.354907, _nan, _inf, -_SA],
             [_S, 0.8730463, _S, _S, _S, _S, 0], [0, 0.8730463, 0, 0, 0, 0, 0]),
    "relu": (tf.nn.relu, [0.3, 0, 0, 7, _nan, _inf, 0], [1, 0, 0, 1, 0, 1, 0], [0] * 7),
}


@pytest.mark.parametrize("name", sorted(_TF_ACTIVATIONS))
def test_activation_values_and_two_derivatives_as_tf(name):
    f, value, d1, d2 = _TF_ACTIVATIONS[name]
    np.testing.assert_allclose(f(tf.constant(_X)).numpy(), np.float32(value), rtol=1e-6)
    np.testing.assert_allclose(grad(f, _X), np.float32(d1), rtol=1e-6)
    np.testing.assert_allclose(grad(f, _X, order=2), np.float32(d2), rtol=1e-6)


@pytest.mark.parametrize("f", [tf.nn.elu, tf.nn.selu, tf.keras.activations.elu, tf.keras.activations.selu])
@pytest.mark.parametrize("dtype, big", [(np.float32, 100.0), (np.float64, 1000.0)])
def test_elu_gradient_of_a_large_input_is_finite(f, dtype, big):
    g = grad(f, np.array([big, -big], dtype))
    assert np.isfinite(g).all() and g[0] > 0 and 0 <= g[1] < 1e-40  # exp(-100): subnormal (TF flushes to 0)


def test_sqrt_gradient_is_zero_where_the_incoming_gradient_is_zero():
    # the "safe sqrt" idiom: TF's SqrtGrad gives 0 where dy is 0, so no 0 * inf = NaN at x = 0
    f = lambda x: tf.where(x > 0, tf.sqrt(x), 0.0)  # noqa: E731
    np.testing.assert_array_equal(grad(f, np.float32([0.0, -1.0, 4.0])), [0.0, 0.0, 0.25])
    np.testing.assert_allclose(grad(tf.sqrt, np.float64([4.0, 0.25]), order=2), [-1 / 32, -2.0])  # -x^-1.5 / 4
    assert grad(tf.sqrt, np.float32([0.0]))[0] == np.inf  # a nonzero dy at 0 is still inf



@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rsqrt_and_reciprocal_gradients_are_zero_where_the_incoming_gradient_is_zero(dtype):
    # TF 2.21's RsqrtGrad / ReciprocalGrad, first and second order (TF's NaNs included)
    f = lambda x: tf.where(x > 0, tf.math.rsqrt(x), 0.0)  # noqa: E731
    x = dtype([-1.0, 0.0, 4.0])
    np.testing.assert_array_equal(grad(f, x), [0.0, 0.0, -0.0625])
    np.testing.assert_array_equal(grad(f, x, order=2), [np.nan, np.nan, 0.0234375])
    f = lambda x: tf.where(x != 0, tf.math.reciprocal(x), 0.0)  # noqa: E731
    x = dtype([-2.0, 0.0, 4.0])
    np.testing.assert_array_equal(grad(f, x), [-0.25, 0.0, -0.0625])
    np.testing.assert_array_equal(grad(f, x, order=2), [-0.25, np.nan, 0.03125])
    np.testing.assert_array_equal(grad(tf.math.rsqrt, dtype([0.25, 4.0]), order=2), [24.0, 0.0234375])
    np.testing.assert_array_equal(grad(tf.math.reciprocal, dtype([-2.0, 0.5]), order=2), [-0.25, 16.0])

# -- Variables ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_integer_variable_assign_add_and_sub_as_tf(dtype):
    step = tf.Variable(0, dtype=dtype)
    step.assign_add(1)
    step.assign_add(tf.constant(1, dtype=dtype))
    assert step.numpy() == 2 and step.dtype.name == dtype
    step.assign_sub(3)
    assert step.numpy() == -1
    big = np.iinfo(dtype).max
    v = tf.Variable(np.array([big, 5], dtype))
    v.assign_add(np.array([1, -6], dtype))  # wraps, as TF
    np.testing.assert_array_equal(v.numpy(), [np.iinfo(dtype).min, -1])
    with pytest.raises(TypeError, match="assign_add"):
        v.assign_add(np.array([1.5, 2.0]))
    with pytest.raises(ValueError, match="shape"):
        v.assign_sub(np.array([1, 2, 3], dtype))
    np.testing.assert_array_equal(v.numpy(), [np.iinfo(dtype).min, -1])  # untouched by the errors


def test_integer_variable_update_does_not_write_through_a_held_value():
    v = tf.Variable(np.array([1, 2], np.int32))
    held = v.value()
    v.assign_add(np.array([10, 10], np.int32))
    np.testing.assert_array_equal(held.numpy(), [1, 2])  # copy-on-write
    np.testing.assert_array_equal(v.numpy(), [11, 12])


@pytest.mark.parametrize("op, hint", [("+=", "assign_add"), ("-=", "assign_sub"),
                                      ("*=", r"var.assign\(var \* value\)"), ("/=", r"var.assign\(var / value\)")])
def test_inplace_operator_on_a_variable_is_tf_runtime_error(op, hint):
    v = tf.Variable(4.0)
    with pytest.raises(RuntimeError, match=hint):
        exec(f"v {op} 2.0", {}, {"v": v})
    assert v.numpy() == 4.0
    t = tf.constant(4.0)
    t += 2.0  # a tensor is immutable: += makes a new tensor, as TF
    assert t.numpy() == 6.0


# -- Tensor API ----------------------------------------------------------------------------------

def test_numpy_of_a_scalar_is_a_numpy_scalar_as_tf():
    import collections
    v = tf.reduce_mean(tf.constant([1.0, 2.0])).numpy()
    assert type(v) is np.float32 and v == 1.5
    counts = collections.Counter()
    for label in tf.constant(np.array([3, 1, 3], np.int64)):
        counts[label.numpy()] += 1  # hashable, as TF's
    assert counts == {3: 2, 1: 1}
    assert type(tf.Variable(2.0).numpy()) is np.float32
    a = tf.constant(np.float64(2.5))
    assert np.asarray(a).shape == () and np.asarray(a).dtype == np.float64  # __array__ still an array
    assert f"{a:.1f}" == "2.5" and float(a) == 2.5
    assert tf.constant([1.0]).numpy().shape == (1,)  # rank >= 1: arrays, as before


def test_tensor_shape_compares_with_lists_and_slices_to_shapes():
    s = tf.zeros([2, 3, 4]).shape
    assert s == [2, 3, 4] and s == (2, 3, 4) and not s != [2, 3, 4] and s != [2, 3]
    assert type(s[1:]) is tf.TensorShape and s[1:].as_list() == [3, 4] and s[0] == 2 and s[-1] == 4
    assert (s + [5]).as_list() == [2, 3, 4, 5] and ([1] + s).as_list() == [1, 2, 3, 4]
    assert s.concatenate(tf.TensorShape([7])) == [2, 3, 4, 7]
    assert hash(s) == hash((2, 3, 4)) and {s: 1}[(2, 3, 4)] == 1
    assert s.is_fully_defined() and s.dims == [2, 3, 4] and s.num_elements() == 24
    u = tf.TensorShape([None, 3])
    assert u.is_compatible_with([5, 3]) and not u.is_compatible_with([5, 4]) and not u.is_compatible_with([3])
    assert u.merge_with([5, None]) == [5, 3] and u.num_elements() is None and not u.is_fully_defined()
    assert s.with_rank(3) is s
    with pytest.raises(ValueError, match="rank 2"):
        s.assert_has_rank(2)
    with pytest.raises(ValueError, match="incompatible"):
        u.merge_with([5, 4])
    assert str(s) == "(2, 3, 4)" and repr(s) == "TensorShape([2, 3, 4])" and str(u) == "(None, 3)"


def test_expand_dims_takes_a_one_element_axis_list():
    assert tf.expand_dims(tf.zeros([2, 3]), [0]).shape == [1, 2, 3]
    assert tf.expand_dims(tf.zeros([2, 3]), tf.constant(-1)).shape == [2, 3, 1]
    with pytest.raises(InvalidArgumentError, match="single integer"):
        tf.expand_dims(tf.zeros([2]), [0, 1])


def test_reshape_of_an_empty_batch_infers_the_feature_size_as_tf():
    assert tf.reshape(tf.zeros([0, 4, 3]), [0, -1]).shape == [0, 12]
    assert tf.reshape(tf.zeros([0, 4, 3]), [-1, 12]).shape == [0, 12]
    assert tf.keras.layers.Flatten()(tf.zeros([0, 4, 3])).shape == [0, 12]
    assert tf.reshape(tf.zeros([6]), [-1, 3]).shape == [2, 3]
    assert tf.reshape(tf.zeros([0, 3]), [-1, 0]).shape == [3, 0]  # TF 2.21: (3, 0)
    assert tf.reshape(tf.zeros([0, 3]), [-1, 2]).shape == [0, 2]
    with pytest.raises(InvalidArgumentError, match="6 values"):
        tf.reshape(tf.zeros([6]), [-1, 4])
    with pytest.raises(InvalidArgumentError, match="6 elements"):
        tf.reshape(tf.zeros([6]), [-1, 0])


def test_fill_keeps_the_value_dtype_and_is_differentiable_in_a_tensor():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.fill([2, 3], x))
    assert tape.gradient(y, x).numpy() == 6.0  # TF: 6 (was None)
    big = tf.fill([2], np.int64(2 ** 40 + 1))
    assert big.dtype == tf.int64 and (big.numpy() == 2 ** 40 + 1).all()
    assert tf.fill([2], True).dtype == tf.bool and tf.fill([2], 3).dtype == tf.int32  # TF's
    assert tf.fill([2], 3.0).dtype == tf.float32 and tf.fill([2], 2 ** 40).dtype == tf.int64
    assert tf.fill([1], tf.constant(np.float64(1.5))).dtype == tf.float64
    with pytest.raises(InvalidArgumentError, match="fill: value must be a scalar"):
        tf.fill([2], tf.constant([1.0, 2.0]))


def test_python_bool_lists_stay_bool_in_array_ops():
    x = tf.constant([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(tf.boolean_mask(x, [True, False, True]).numpy(), [1.0, 3.0])
    for out in (tf.reverse([True, False], [0]), tf.tile([True, False], [2]), tf.roll([True, False], 1, 0)):
        assert out.dtype == tf.bool


@pytest.mark.parametrize("mode", ["CONSTANT", "REFLECT", "SYMMETRIC", "reflect"])
@pytest.mark.parametrize("shape", [(3,), (2, 3), (3, 4, 2), (1, 5)])
def test_pad_modes_against_numpy_with_gradients(mode, shape):
    rng = np.random.default_rng(len(shape))
    x = rng.standard_normal(shape).astype(np.float32)
    np_mode = {"CONSTANT": "constant", "REFLECT": "reflect", "SYMMETRIC": "symmetric"}[mode.upper()]
    for trial in range(4):
        lim = [s - 1 if mode.upper() == "REFLECT" else s for s in shape]
        p = [[int(rng.integers(0, m + 1)), int(rng.integers(0, m + 1))] for m in lim]
        kw = {"constant_values": -1.5} if np_mode == "constant" else {}
        want = np.pad(x, p, mode=np_mode, **kw)
        xt = tf.constant(x)
        w = rng.standard_normal(want.shape).astype(np.float32)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            y = tf.pad(xt, p, mode=mode, **kw)
            loss = tf.reduce_sum(y * w)
        np.testing.assert_array_equal(y.numpy(), want)
        # d loss / d x[i] = the sum of w over the positions that hold a copy of x[i]
        idx = np.pad(np.arange(x.size).reshape(shape), p, mode=np_mode, **({"constant_values": -1} if kw else {}))
        expect = np.zeros(x.size)
        np.add.at(expect, idx[idx >= 0], w[idx >= 0])
        np.testing.assert_allclose(tape.gradient(loss, xt).numpy().ravel(), expect, rtol=1e-5, atol=1e-6)


def test_pad_constant_values_tensor_is_differentiable_and_errors():
    c = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(c)
        y = tf.reduce_sum(tf.pad(tf.ones([2, 2]), [[1, 0], [0, 1]], constant_values=c))
    assert y.numpy() == 4 + 5 * 2.0 and tape.gradient(y, c).numpy() == 5.0
    with pytest.raises(ValueError, match="mode must be one of"):
        tf.pad(tf.ones([3]), [[1, 1]], mode="WRAP")
    with pytest.raises(InvalidArgumentError, match="REFLECT paddings must be less than"):
        tf.pad(tf.ones([3]), [[3, 0]], mode="REFLECT")
    with pytest.raises(InvalidArgumentError, match="SYMMETRIC paddings must be at most"):
        tf.pad(tf.ones([3]), [[0, 4]], mode="SYMMETRIC")
    assert tf.pad(tf.ones([3]), [[0, 3]], mode="SYMMETRIC").shape == [6]


def test_numpy_ufuncs_on_tensors_give_arrays_and_array_operators_give_tensors():
    t = tf.constant([1.0, 4.0])
    a = np.array([2.0, 3.0], np.float32)
    r = np.sqrt(t)  # TF: a ufunc takes the tensor's __array__
    assert type(r) is np.ndarray and r.tolist() == [1.0, 2.0]
    assert type(np.add(tf.Variable([1.0]), 1.0)) is np.ndarray
    for out in (a * t, a + t, t - a, a < t, np.float32(2) * t, a ** t, np.ones((1, 2), np.float32) @ tf.constant([[1.0], [2.0]])):
        assert isinstance(out, tf.Tensor)  # array <op> tensor defers to the tensor, as TF
    np.testing.assert_array_equal((a * t).numpy(), [2.0, 12.0])
    assert np.mean(t) == 2.5 and float(np.sum(tf.Variable([1.0, 2.0]))) == 3.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64, np.bool_])
def test_where_selects_exactly_for_every_broadcast_combination(dtype):
    # the select kernel works on bits: -0, NaN, the extremes must come through unchanged
    rng = np.random.default_rng(7)
    n = 1037
    cond = rng.random(n) < 0.5
    if dtype == np.bool_:
        x, y = rng.random(n) < 0.5, rng.random(n) < 0.5
    elif np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        x = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
        y = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    else:
        x = rng.standard_normal(n).astype(dtype)
        y = rng.standard_normal(n).astype(dtype)
        x[:4] = [-0.0, np.nan, np.inf, -np.inf]
        y[4:8] = [-0.0, np.nan, np.inf, -np.inf]
    for c in (cond, cond[:1]):
        for a in (x, x[:1]):
            for b in (y, y[:1]):
                got = tf.where(tf.constant(c), tf.constant(a), tf.constant(b)).numpy()
                want = np.where(c, a, b)
                assert got.dtype == want.dtype
                np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8))


def test_a_target_that_is_its_own_source_adds_its_seed_as_tf():
    v = tf.Variable(1.0)
    with tf.GradientTape(persistent=True) as tape:
        y = 2.0 * v
    assert tape.gradient([y, v], v).numpy() == 3.0  # was 2: the Variable target's own 1 lost
    assert tape.gradient(v, v).numpy() == 1.0
    assert tape.gradient(v, v, output_gradients=tf.constant(5.0)).numpy() == 5.0
    w = tf.Variable(3.0)
    assert tape.gradient(w, v) is None
    g = tape.gradient([v, y], [v, w])
    assert g[0].numpy() == 3.0 and g[1] is None
    u = tf.constant([1.0, 2.0])  # not watched: TF still gives d u / d u
    with tf.GradientTape(persistent=True) as tape:
        z = 2.0 * u
    np.testing.assert_array_equal(tape.gradient(u, u).numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(tape.gradient([u, u, z], u).numpy(), [2.0, 2.0])
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = 2.0 * x
    assert tape.gradient([y, x], x).numpy() == 3.0  # a watched tensor: counted once
    n = tf.Variable(1, dtype="int32")
    with tf.GradientTape() as tape:
        pass
    assert tape.gradient(n, n) is None  # integers have no gradient


# -- tape edge semantics ---------------------------------------------------------------------------

def test_output_gradients_that_broadcast_to_the_target_as_tf():
    # TF 2.21: y = x * x, x = [1, 2]; a seed of shape () or (1,) gives [4, 8]
    x = tf.constant([1.0, 2.0])
    for seed in (tf.constant(2.0), tf.constant([2.0]), 2.0):
        with tf.GradientTape() as t:
            t.watch(x)
            y = x * x
        np.testing.assert_array_equal(t.gradient(y, x, output_gradients=seed).numpy(), [4.0, 8.0])
    for bad in (tf.constant([[2.0], [3.0]]), tf.constant([2.0, 3.0, 4.0])):  # TF: InvalidArgumentError
        with tf.GradientTape() as t:
            t.watch(x)
            y = x * x
        with pytest.raises(tf.errors.InvalidArgumentError, match="does not broadcast to its target's shape"):
            t.gradient(y, x, output_gradients=bad)


def test_a_watched_broadcast_seed_stays_differentiable():
    x = tf.constant([1.0, 2.0])
    s = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(s)
        with tf.GradientTape() as t:
            t.watch(x)
            y = x * x
        g = t.gradient(y, x, output_gradients=s)  # 2 x s
        z = tf.reduce_sum(g)
    assert float(outer.gradient(z, s)) == 6.0


def test_batch_jacobian_of_an_unconnected_source_is_zeros_as_tf():
    # TF 2.21 returns zeros even with the default UnconnectedGradients.NONE ("compatibility")
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    u = tf.constant([[1.0], [2.0]])
    with tf.GradientTape(persistent=True) as t:
        t.watch([x, u])
        y = x * x
    j = t.batch_jacobian(y, u)
    assert j.shape == (2, 2, 1) and not j.numpy().any()
    np.testing.assert_array_equal(t.batch_jacobian(y, x).numpy(), [[[2, 0], [0, 4]], [[6, 0], [0, 8]]])


def test_out_of_range_index_is_invalid_argument_and_index_error():
    # TF 2.21: InvalidArgumentError "slice index 2 of dimension 0 out of bounds."
    x = tf.constant(np.zeros((2, 3), np.float32))
    for key in (2, (0, 3), (-3,), (0, 0, 0)):
        with pytest.raises(tf.errors.InvalidArgumentError):
            x[key]
        with pytest.raises(IndexError):
            x[key]
    assert [r.shape for r in x] == [(3,), (3,)]  # iteration still stops at the end


def test_unique_keeps_each_nan_as_tf():
    # TF 2.21: y [nan nan 1 -0], idx [0 1 2 3 3 2]
    r = tf.unique(tf.constant([np.nan, np.nan, 1.0, -0.0, 0.0, 1.0]))
    np.testing.assert_array_equal(r.y.numpy(), [np.nan, np.nan, 1.0, -0.0])
    assert r.idx.numpy().tolist() == [0, 1, 2, 3, 3, 2]
    c = tf.unique_with_counts(tf.constant([np.nan, 2.0, np.nan]))
    assert c.idx.numpy().tolist() == [0, 1, 2] and c.count.numpy().tolist() == [1, 1, 1]


def test_add_n_of_a_tensor_sums_its_rows_as_tf():
    # TF 2.21: add_n(tf.constant([1., 2.])) is 3.0 (TF iterates the tensor)
    assert float(tf.add_n(tf.constant([1.0, 2.0]))) == 3.0
    np.testing.assert_array_equal(tf.add_n(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy(), [4.0, 6.0])
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(tf.add_n(x) * tf.constant([1.0, 10.0]))
    np.testing.assert_array_equal(t.gradient(y, x).numpy(), [[1.0, 10.0], [1.0, 10.0]])
    with pytest.raises(TypeError, match="add_n: inputs must be a list of tensors, got a scalar"):
        tf.add_n(tf.constant(1.0))
