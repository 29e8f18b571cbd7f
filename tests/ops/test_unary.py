"""UNARY rows of ops.def: forward vs numpy, gradient vs finite differences, second order."""

import math

import numpy as np
import pytest

import tapegrad as tf
from opcases import Case, away_from_zero, define_tests, normal, positive

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
