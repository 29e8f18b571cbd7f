"""Keras' activation functions by name and the activation layers (ReLU, LeakyReLU, PReLU, ELU,
Softmax): values against Keras' formulas in numpy, float32 and float64, gradients and second
derivatives against finite differences, PReLU's learned slopes, and bad arguments."""

import math

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.testing import check_gradients

L = keras.layers
# points away from the kinks (0, +-3, the thresholds), where the derivatives exist
X = np.array([[-4.1, -2.5, -0.7, -0.2, 0.3, 0.9, 2.2, 3.6, 6.4]])
erf = np.vectorize(math.erf)


def sig(x):
    return 1 / (1 + np.exp(-x))


def softplus(x):
    return np.log1p(np.exp(x))


REFS = {
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
    "gelu": lambda x: 0.5 * x * (1 + erf(x / np.sqrt(2))),
    "silu": lambda x: x * sig(x),
    "swish": lambda x: x * sig(x),
    "softplus": softplus,
    "softsign": lambda x: x / (1 + np.abs(x)),
    "exponential": np.exp,
    "hard_sigmoid": lambda x: np.clip(x + 3, 0, 6) / 6,
    "hard_silu": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "hard_swish": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "relu6": lambda x: np.clip(x, 0, 6),
    "mish": lambda x: x * np.tanh(softplus(x)),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(REFS))
def test_activation_by_name(name, dtype):
    fn = keras.activations.get(name)
    got = fn(tf.constant(X.astype(dtype))).numpy()
    tol = dict(rtol=2e-6, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got, REFS[name](X), **tol)
    assert keras.activations.serialize(fn) in (name, "silu", "hard_silu")


@pytest.mark.parametrize("name", sorted(set(REFS) - {"swish", "hard_swish"}))
def test_activation_gradients(name):
    fn = keras.activations.get(name)
    smooth = name not in ("leaky_relu", "relu6", "hard_sigmoid", "hard_silu", "elu", "selu")
    check_gradients(fn, [X], second_order=smooth)


def test_activation_gelu_approximate_and_dense():
    t = tf.constant(X)
    want = 0.5 * X * (1 + np.tanh(np.sqrt(2 / np.pi) * (X + 0.044715 * X ** 3)))
    np.testing.assert_allclose(keras.activations.gelu(t, approximate=True).numpy(), want,
                               rtol=1e-12)
    d = L.Dense(3, activation="gelu", dtype="float64")
    y = d(X)
    z = X @ d.kernel.numpy() + d.bias.numpy()
    np.testing.assert_allclose(y.numpy(), REFS["gelu"](z), rtol=1e-12, atol=1e-14)


RELU_CASES = [
    (dict(), lambda x: np.maximum(x, 0)),
    (dict(max_value=2.0), lambda x: np.clip(x, 0, 2)),
    (dict(negative_slope=0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
    (dict(threshold=0.5), lambda x: np.where(x > 0.5, x, 0.0)),
    (dict(threshold=-1.0, negative_slope=0.1, max_value=2.0),
     lambda x: np.clip(np.where(x > -1, x, 0.0), 0, 2) + np.where(x < -1, 0.1 * (x + 1), 0.0)),
]


@pytest.mark.parametrize("kwargs, ref", RELU_CASES)
def test_relu_layer_and_function(kwargs, ref):
    np.testing.assert_allclose(L.ReLU(**kwargs, dtype="float64")(X).numpy(), ref(X), rtol=1e-12)
    np.testing.assert_allclose(
        keras.activations.relu(tf.constant(X), kwargs.get("negative_slope", 0.0),
                               kwargs.get("max_value"), kwargs.get("threshold", 0.0)).numpy(),
        ref(X), rtol=1e-12)
    check_gradients(L.ReLU(**kwargs, dtype="float64"), [X])


def test_relu_documented_examples():
    # Keras' ReLU docstring
    x = np.array([-3.0, -1.0, 0.0, 2.0], np.float32)
    np.testing.assert_allclose(L.ReLU()(x[None]).numpy()[0], [0.0, 0.0, 0.0, 2.0])
    np.testing.assert_allclose(L.ReLU(max_value=1.0)(x[None]).numpy()[0], [0.0, 0.0, 0.0, 1.0])
    np.testing.assert_allclose(L.ReLU(negative_slope=1.0)(x[None]).numpy()[0], [-3.0, -1.0, 0.0, 2.0])
    np.testing.assert_allclose(L.ReLU(threshold=1.5)(x[None]).numpy()[0], [0.0, 0.0, 0.0, 2.0])
    np.testing.assert_allclose(L.LeakyReLU(negative_slope=0.5)(x[None]).numpy()[0],
                               [-1.5, -0.5, 0.0, 2.0])


def test_leaky_elu_softmax_layers():
    np.testing.assert_allclose(L.LeakyReLU(dtype="float64")(X).numpy(), np.where(X > 0, X, 0.3 * X))
    np.testing.assert_allclose(L.ELU(alpha=0.5, dtype="float64")(X).numpy(),
                               np.where(X > 0, X, 0.5 * np.expm1(X)), rtol=1e-12)
    e = np.exp(X - X.max())
    np.testing.assert_allclose(L.Softmax(dtype="float64")(X).numpy(), e / e.sum(), rtol=1e-12)
    mask = np.array([[1, 1, 0, 1, 1, 1, 1, 0, 1]], bool)
    got = L.Softmax(dtype="float64")(X, mask=mask).numpy()
    e = np.where(mask, np.exp(X - X.max()), 0.0)
    np.testing.assert_allclose(got, e / e.sum(), rtol=1e-12, atol=1e-300)
    x3 = np.random.default_rng(0).standard_normal((2, 3, 4))
    got = L.Softmax(axis=(1, 2), dtype="float64")(x3).numpy()
    e = np.exp(x3)
    np.testing.assert_allclose(got, e / e.sum(axis=(1, 2), keepdims=True), rtol=1e-12)
    check_gradients(L.Softmax(dtype="float64"), [X], second_order=True)


def test_prelu_learns_slopes_and_shares_axes():
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    p = L.PReLU(alpha_initializer=keras.initializers.Constant(0.25), shared_axes=[1],
                dtype="float64")
    y = p(x)
    assert tuple(p.alpha.shape) == (1, 4)
    np.testing.assert_allclose(y.numpy(), np.where(x > 0, x, 0.25 * x), rtol=1e-12)
    with tf.GradientTape() as tape:
        out = tf.reduce_sum(p(x))
    g = tape.gradient(out, p.alpha).numpy()
    np.testing.assert_allclose(g, np.minimum(x, 0).sum(axis=(0, 1))[None], rtol=1e-12)
    check_gradients(lambda t: p(t), [x])
    assert len(L.PReLU()(np.ones((2, 5))).shape) == 2


@pytest.mark.parametrize("make, match", [
    (lambda: L.ReLU(max_value=-1.0), "max_value"),
    (lambda: L.ReLU(negative_slope=-0.1), "negative_slope"),
    (lambda: L.LeakyReLU(negative_slope=-1.0), "negative_slope"),
    (lambda: keras.activations.get("nope"), "Could not interpret activation"),
    (lambda: L.PReLU(shared_axes=[3])(np.ones((2, 4))), "shared axis 3 is out of range"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()
