"""tf.math.cumsum, tf.math.cumprod and tf.math.reduce_prod: forward against numpy, gradients
of first and second order (TF's rules, zeros included), integer dtypes, and errors."""

import numpy as np
import pytest

import tapegrad as tf
from opcases import Case, define_tests, nonzero, normal
from tapegrad.errors import InvalidArgumentError


def _ref(axis=0, exclusive=False, reverse=False, op="cumsum"):
    def f(x):
        y = np.flip(x, axis) if reverse else x
        c = getattr(np, op)(y, axis=axis)
        if exclusive:
            c = np.moveaxis(c, axis, 0)
            first = np.zeros_like(c[:1]) if op == "cumsum" else np.ones_like(c[:1])
            c = np.concatenate([first, c[:-1]], axis=0)
            c = np.moveaxis(c, 0, axis)
        return np.flip(c, axis) if reverse else c
    return f


def _case(id, shape, **kw):
    return Case(f"cumsum_{id}", "cumsum", lambda x: tf.math.cumsum(x, **kw), _ref(**kw), normal(shape))


CASES = [
    _case("1d", (7,)),
    _case("1d_exclusive", (7,), exclusive=True),
    _case("1d_reverse", (7,), reverse=True),
    _case("1d_exclusive_reverse", (7,), exclusive=True, reverse=True),
    _case("rows_last_axis", (3, 5), axis=1),
    _case("rows_negative_axis", (3, 5), axis=-1, reverse=True),
    _case("columns", (5, 3)),
    _case("columns_exclusive", (5, 19), exclusive=True),
    _case("middle_axis", (2, 4, 3), axis=1),
    _case("middle_axis_exclusive_reverse", (2, 4, 3), axis=1, exclusive=True, reverse=True),
    _case("length_one_axis", (3, 1, 2), axis=1, exclusive=True),
    # second derivatives that do not vanish: cumsum inside a product
    Case("cumsum_squared", ("cumsum", "square"), lambda x: tf.square(tf.cumsum(x, axis=1)),
         lambda x: np.cumsum(x, axis=1) ** 2, normal((2, 5))),
    Case("cumsum_times_input", ("cumsum", "multiply"),
         lambda x: tf.cumsum(x, exclusive=True, reverse=True) * x,
         lambda x: _ref(0, True, True)(x) * x, normal((6,))),
]



def _prod_case(id, shape, **kw):
    return Case(f"cumprod_{id}", "cumprod", lambda x: tf.math.cumprod(x, **kw), _ref(**kw, op="cumprod"),
                nonzero(shape))


def _rp_case(id, shape, axis=None, keepdims=False):
    return Case(f"reduce_prod_{id}", "reduce_prod",
                lambda x: tf.reduce_prod(x, axis, keepdims),
                lambda x: np.prod(x, axis=tuple(axis) if isinstance(axis, list) else axis, keepdims=keepdims),
                nonzero(shape))


CASES += [
    _prod_case("1d", (6,)),
    _prod_case("exclusive_reverse", (6,), exclusive=True, reverse=True),
    _prod_case("rows", (3, 5), axis=1),
    _prod_case("columns_exclusive", (5, 17), exclusive=True),
    _prod_case("middle_axis_reverse", (2, 4, 3), axis=1, reverse=True),
    _rp_case("all", (2, 3)),
    _rp_case("axis1", (3, 4), axis=1),
    _rp_case("axes_0_2_keepdims", (2, 3, 4), axis=[0, 2], keepdims=True),
    _rp_case("negative_axis", (3, 4), axis=-2),
    _rp_case("middle_axis", (2, 5, 3), axis=1),
    _rp_case("axes_1_2_of_4d", (2, 3, 2, 2), axis=[1, 2]),
    _rp_case("no_axes", (2, 3), axis=[]),
    _rp_case("scalar", ()),
    Case("reduce_prod_squared", ("reduce_prod", "square"),
         lambda x: tf.square(tf.reduce_prod(x, 0)), lambda x: np.prod(x, 0) ** 2, nonzero((3, 2))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


def test_reduce_prod_gradient_at_zeros_is_the_product_of_the_others():
    # TF's rule: no division, so one zero gives the others' product there, two zeros give 0s.
    x = tf.constant(np.array([[2.0, 0.0, 3.0, 4.0], [0.0, 5.0, 0.0, 6.0]]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_prod(x, axis=1)
    np.testing.assert_array_equal(y.numpy(), [0.0, 0.0])
    g = tape.gradient(y, x, output_gradients=tf.constant(np.array([1.0, 10.0])))
    np.testing.assert_array_equal(g.numpy(), [[0.0, 24.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cumprod_gradient_at_zero_is_zero_as_tf(dtype):
    # TF 2's cumprod gradient is div_no_nan(cumsum(y * g, reverse), x): 0 where x is 0 (TF
    # 2.21 gives [1, 0, 0] here; the derivative there would be 8), the others exact.
    x = tf.constant(np.array([2.0, 0.0, 3.0], dtype))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.math.cumprod(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [1.0, 0.0, 0.0])
    x = tf.constant(np.array([[2.0, 0.0], [0.0, 0.0], [3.0, 4.0]], dtype))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.math.cumprod(x, axis=0, exclusive=True, reverse=True)
    g = tape.gradient(y, x, output_gradients=tf.constant(np.full((3, 2), 2.0, dtype))).numpy()
    assert np.isfinite(g).all()
    # y = [x1 x2, x2, 1] per column: column 0 is [0, 3, 1] -> dx = [0, 0 (x1 is 0), 2 * (x1 + 1)]
    np.testing.assert_array_equal(g[:, 0], [0.0, 0.0, 2.0])


def test_reduce_prod_second_order_is_finite_at_zeros_as_tf():
    # TF 2.21's Hessian of reduce_prod([1, 3, 0]) (its cumprod gradient is div_no_nan).
    x = tf.constant(np.array([1.0, 3.0, 0.0]))
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_prod(x)
        g = inner.gradient(y, x)
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(outer.jacobian(g, x).numpy(), [[0, 0, 0], [0, 0, 0], [3, 1, 0]])


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_cumprod_and_reduce_prod_integers_wrap_as_tf(dtype):
    x = np.array([[np.iinfo(dtype).max, 2, 3], [-3, 4, -5]], dtype)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(tf.math.cumprod(x, axis=1).numpy(), np.cumprod(x, axis=1, dtype=dtype))
        np.testing.assert_array_equal(tf.reduce_prod(x, 1).numpy(), np.prod(x, 1, dtype=dtype))
    assert tf.reduce_prod(x).dtype == tf.as_dtype(dtype)
    np.testing.assert_array_equal(tf.math.cumprod(x, 0, exclusive=True).numpy(), [[1, 1, 1], x[0]])


def test_reduce_prod_empty_scalar_and_python_values():
    np.testing.assert_array_equal(tf.reduce_prod(np.zeros((0, 3)), 0).numpy(), [1.0, 1.0, 1.0])
    assert tf.reduce_prod(np.zeros((2, 0))).numpy() == 1.0
    assert tf.reduce_prod(3.0).numpy() == 3.0 and tf.reduce_prod(3.0).dtype == tf.float32
    assert tf.math.reduce_prod([1.0, 2.0, 3.0]).numpy() == 6.0
    assert tf.reduce_prod(np.ones((2, 3)), axis=tf.constant(1)).shape == (2,)


def test_cumprod_and_reduce_prod_errors():
    with pytest.raises(InvalidArgumentError, match="cumprod: axis 2 is out of range for a tensor of rank 2"):
        tf.math.cumprod(np.ones((2, 3)), axis=2)
    with pytest.raises(InvalidArgumentError, match="cumprod: expected a tensor of rank >= 1"):
        tf.math.cumprod(2.0)
    with pytest.raises(TypeError, match="cumprod: expected a float or integer tensor, got a bool"):
        tf.math.cumprod(np.array([True]))
    with pytest.raises(InvalidArgumentError, match="reduce_prod: axis 2 is out of range for a tensor of rank 2"):
        tf.reduce_prod(np.ones((2, 3)), axis=2)
    with pytest.raises(TypeError, match="reduce_prod: expected a float or integer tensor, got a bool"):
        tf.reduce_prod(np.array([True, False]))


def test_cumsum_gradient_is_the_reverse_cumsum_exactly():
    x = tf.constant(np.arange(5.0))
    g = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    for exclusive in (False, True):
        for reverse in (False, True):
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = tf.cumsum(x, exclusive=exclusive, reverse=reverse)
            dx = tape.gradient(y, x, output_gradients=tf.constant(g))
            want = _ref(0, exclusive, not reverse)(g)
            np.testing.assert_array_equal(dx.numpy(), want)


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_cumsum_integers_wrap_as_tf(dtype):
    x = np.array([[np.iinfo(dtype).max, 1, 2], [-3, 4, -5]], dtype)
    got = tf.cumsum(x, axis=1)
    assert got.dtype == tf.as_dtype(dtype)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(got.numpy(), np.cumsum(x, axis=1, dtype=dtype))
    np.testing.assert_array_equal(tf.cumsum(x, axis=0, exclusive=True, reverse=True).numpy(),
                                  [[-3, 4, -5], [0, 0, 0]])
    # no gradient through an integer result (as TF): the tape records nothing
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        with pytest.warns(UserWarning, match="must be floating"):
            tape.watch(t)
        y = tf.cumsum(t)
    assert tape.gradient(y, t) is None


def test_cumsum_float32_stays_float32_and_matches_numpy_bits():
    x = np.random.default_rng(0).standard_normal((3, 1000)).astype(np.float32)
    got = tf.cumsum(x, axis=1)
    assert got.dtype == tf.float32
    np.testing.assert_array_equal(got.numpy(), np.cumsum(x, axis=1, dtype=np.float32))


def test_cumsum_empty_and_axis_as_tensor():
    assert tf.cumsum(np.zeros((0, 3)), axis=0).shape == (0, 3)
    assert tf.cumsum(np.zeros((2, 0)), axis=1, exclusive=True).shape == (2, 0)
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(tf.cumsum(x, axis=tf.constant(1, dtype=tf.int32)).numpy(),
                                  np.cumsum(x, axis=1))


def test_cumsum_errors():
    with pytest.raises(InvalidArgumentError, match="cumsum: expected a tensor of rank >= 1, got a scalar"):
        tf.cumsum(1.0)
    with pytest.raises(InvalidArgumentError, match="cumsum: axis 2 is out of range for a tensor of rank 2"):
        tf.cumsum(np.ones((2, 3)), axis=2)
    with pytest.raises(InvalidArgumentError, match="axis -3"):
        tf.cumsum(np.ones((2, 3)), axis=-3)
    with pytest.raises(TypeError, match="cumsum: expected a float or integer tensor, got a bool"):
        tf.cumsum(np.array([True, False]))
    with pytest.raises(TypeError, match="cumsum"):
        tf.cumsum(np.ones(3), axis=1.5)
