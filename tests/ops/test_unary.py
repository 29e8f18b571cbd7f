"""UNARY rows of ops.def: forward vs numpy, gradient vs finite differences, second order."""

import math

import numpy as np
import pytest

import tapegrad as tf
from opcases import Case, away_from_zero, define_tests, normal, positive, uniform

S = (3, 4)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


CASES = [
    Case("negative", "negative", tf.negative, np.negative, normal(S)),
    Case("abs", "abs", tf.abs, np.abs, away_from_zero(S)),
    # sign is piecewise constant: it records nothing and its gradient is None (zero).
    Case("sign", "sign", tf.sign, np.sign, away_from_zero(S), recorded=False),
    Case("square", "square", tf.square, np.square, normal(S)),
    Case("sqrt", "sqrt", tf.sqrt, np.sqrt, positive(S)),
    Case("exp", "exp", tf.exp, np.exp, normal(S)),
    Case("log", "log", tf.log, np.log, positive(S)),
    Case("log1p", "log1p", tf.math.log1p, np.log1p, positive(S, low=-0.7, high=3.0)),
    Case("log1p_tiny", "log1p", tf.math.log1p, np.log1p, normal(S, scale=1e-6)),
    Case("tanh", "tanh", tf.tanh, np.tanh, normal(S, scale=1.5)),
    # erf: both pieces of the float32 kernel (|x| < 1 and above, Note [Erf]); scale 2.5 reaches 4
    Case("erf", "erf", tf.math.erf, np.vectorize(math.erf), normal(S, scale=2.5)),
    # erfc: the near piece and the tails of both signs (Note [Erfc])
    Case("erfc", "erfc", tf.math.erfc, np.vectorize(math.erfc), normal(S, scale=2.5)),
    # sin / cos: several quadrants of the reduction by pi/2 (Note [Sin and cos]); tan away from
    # its poles at +-pi/2, where finite differences (and the function) blow up
    Case("sin", "sin", tf.sin, np.sin, normal(S, scale=4.0)),
    Case("cos", "cos", tf.cos, np.cos, normal(S, scale=4.0)),
    Case("tan", "tan", tf.tan, np.tan, uniform(S, low=-1.3, high=1.3)),
    Case("math.sin", "sin", tf.math.sin, np.sin, normal(S, scale=4.0)),
    Case("math.tan_far", "tan", tf.math.tan, np.tan, uniform(S, low=2.0, high=4.5)),
    # atan: both reductions (past 1 and past tan(pi/12), Note [Atan])
    Case("atan", "atan", tf.atan, np.arctan, normal(S, scale=2.0)),
    Case("sigmoid", "sigmoid", tf.sigmoid, _sigmoid, normal(S, scale=2.0)),
    Case("nn.sigmoid", "sigmoid", tf.nn.sigmoid, _sigmoid, normal(S, scale=2.0)),
    Case("relu", "relu", tf.nn.relu, lambda x: np.maximum(x, 0), away_from_zero(S)),
    Case("identity", "identity", tf.identity, lambda x: x, normal(S)),
    # rank 0 and rank 3 operands
    Case("exp_scalar", "exp", tf.exp, np.exp, normal(())),
    Case("tanh_3d", "tanh", tf.tanh, np.tanh, normal((2, 3, 2))),
    Case("relu_1d_long", "relu", tf.nn.relu, lambda x: np.maximum(x, 0), away_from_zero((19,))),
    # operator overloads
    Case("neg_operator", "negative", lambda x: -x, np.negative, normal(S)),
    Case("abs_builtin", "abs", lambda x: abs(x), np.abs, away_from_zero(S)),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


def test_sign_gradient_is_zero():
    x = tf.constant(np.array([-2.0, 3.0]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.sign(x)
    g = tape.gradient(y, x, unconnected_gradients="zero")
    np.testing.assert_array_equal(g.numpy(), [0.0, 0.0])


def test_forward_large_inputs_match_numpy():
    # Sizes around SIMD widths and tails for the elementwise unary kernels.
    rng = np.random.default_rng(0)
    for n in (1, 7, 8, 9, 15, 16, 17, 33, 1000):
        for dtype in (np.float32, np.float64):
            x = rng.uniform(0.5, 3.0, n).astype(dtype)
            t = tf.constant(x)
            tol = dict(rtol=2e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-14)
            for fn, ref in ((tf.exp, np.exp), (tf.log, np.log), (tf.sqrt, np.sqrt),
                            (tf.tanh, np.tanh), (tf.sigmoid, lambda v: 1 / (1 + np.exp(-v)))):
                np.testing.assert_allclose(fn(t).numpy(), ref(x.astype(np.float64)), **tol,
                                           err_msg=f"{fn.__name__} n={n} {np.dtype(dtype).name}")
            np.testing.assert_allclose(tf.exp(-t).numpy(), np.exp(-x.astype(np.float64)), **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_erfc_tail_keeps_relative_accuracy_and_its_gradient(dtype):
    """Where erfc is tiny (x up to 9.5, float32 subnormals from about 9.2) or near 2, value and
    gradient keep their relative accuracy: 1 - erf(x) would give 0 and 2 exactly."""
    x = np.concatenate([np.linspace(3.0, 9.5, 27), -np.linspace(3.0, 9.5, 27)]).astype(dtype)
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.math.erfc(t)
    want = np.array([math.erfc(v) for v in x.astype(np.float64)])
    rtol = 1.2e-7 if dtype == np.float32 else 1e-15
    big = want > 1e-37  # float32 normal results; subnormals hold fewer bits
    np.testing.assert_allclose(y.numpy()[big], want[big], rtol=rtol)
    g = tape.gradient(y, t).numpy().astype(np.float64)
    dwant = -2 / math.sqrt(math.pi) * np.exp(-x.astype(np.float64) ** 2)
    gbig = np.abs(dwant) > 1e-37
    np.testing.assert_allclose(g[gbig], dwant[gbig], rtol=1e-5 if dtype == np.float32 else 1e-13)


def test_sin_cos_tan_tf_documented_values():
    """TF's documented example for tf.math.sin (float32), and the identities at special points:
    sin(-0) = -0, inf and NaN give NaN, cos(0) = 1, tan(-0) = -0."""
    x = tf.constant([-float("inf"), -9, -0.5, 1, 1.2, 200, 10, float("inf")])
    np.testing.assert_allclose(
        tf.math.sin(x).numpy(),
        [np.nan, -0.4121185, -0.47942555, 0.84147096, 0.9320391, -0.87329733, -0.54402107, np.nan],
        rtol=1e-6)
    for dtype in (np.float32, np.float64):
        z = tf.constant(np.array([-0.0, 0.0, np.nan], dtype))
        s, c, t = tf.sin(z).numpy(), tf.cos(z).numpy(), tf.tan(z).numpy()
        assert s.dtype == dtype and np.signbit(s[0]) and not np.signbit(s[1]) and np.isnan(s[2])
        np.testing.assert_array_equal(c[:2], [1.0, 1.0])
        assert np.signbit(t[0]) and np.isnan(c[2]) and np.isnan(t[2])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sin_cos_large_arguments_match_the_c_library(dtype):
    """Past 2^26 the float32 kernel hands lanes to the C library; either way the result is the
    correctly reduced one (1e22 is far past where a naive x mod 2pi loses every digit)."""
    x = np.array([3.0, 1e5, 6.7e7, 1e8, 1e22, -3e38, 12345.678], dtype)
    want_s = np.array([math.sin(v) for v in x.astype(np.float64)]).astype(dtype)
    want_c = np.array([math.cos(v) for v in x.astype(np.float64)]).astype(dtype)
    tol = dict(rtol=2e-7, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(tf.sin(x).numpy(), want_s, **tol)
    np.testing.assert_allclose(tf.cos(x).numpy(), want_c, **tol)


def test_tan_gradient_is_sec_squared_and_integers_are_refused():
    x = tf.constant(np.array([0.3, -1.1, 1.4]))
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = tf.tan(x)
        g = t1.gradient(y, x)
    gg = t2.gradient(g, x)
    xv = x.numpy()
    np.testing.assert_allclose(g.numpy(), 1 / np.cos(xv) ** 2, rtol=1e-12)
    np.testing.assert_allclose(gg.numpy(), 2 * np.tan(xv) / np.cos(xv) ** 2, rtol=1e-11)
    for fn in (tf.sin, tf.cos, tf.tan):
        with pytest.raises(TypeError, match=fn.__name__ + r": expected a float32 or float64 tensor, got an int"):
            fn(np.array([1, 2]))
