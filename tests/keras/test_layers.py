"""keras.layers: Dense builds from the input's last dimension and computes act(x @ W + b)."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras


def test_dense_builds_on_first_call():
    layer = keras.layers.Dense(5)
    assert not layer.built and layer.kernel is None
    out = layer(np.ones((3, 7), dtype=np.float32))
    assert layer.built
    assert tuple(layer.kernel.shape) == (7, 5)
    assert tuple(layer.bias.shape) == (5,)
    assert tuple(out.shape) == (3, 5)
    assert layer.trainable_variables == [layer.kernel, layer.bias] or \
        [v.name for v in layer.trainable_variables] == [layer.kernel.name, layer.bias.name]
    assert len(layer.weights) == 2
    assert layer.count_params() == 7 * 5 + 5
    assert layer.kernel.name.endswith("kernel:0") and layer.bias.name.endswith("bias:0")


@pytest.mark.parametrize("act,fn", [
    (None, lambda z: z),
    ("relu", lambda z: np.maximum(z, 0)),
    ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
    ("tanh", np.tanh),
    ("softmax", lambda z: np.exp(z - z.max(-1, keepdims=True)) / np.exp(z - z.max(-1, keepdims=True)).sum(-1, keepdims=True)),
    (lambda t: t * 2.0, lambda z: 2 * z),
])
def test_dense_forward_matches_numpy(act, fn):
    tf.random.set_seed(3)
    layer = keras.layers.Dense(4, activation=act, bias_initializer="random_normal")
    x = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    out = layer(x).numpy()
    z = x @ layer.kernel.numpy() + layer.bias.numpy()
    np.testing.assert_allclose(out, fn(z), rtol=1e-5, atol=1e-6)


def test_dense_gradient_matches_formula():
    tf.random.set_seed(1)
    layer = keras.layers.Dense(3, activation="relu")
    x = tf.constant(np.random.default_rng(1).standard_normal((4, 2)).astype(np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x))
    dW, db = tape.gradient(loss, layer.trainable_variables)
    z = x.numpy() @ layer.kernel.numpy() + layer.bias.numpy()
    mask = (z > 0).astype(np.float32)
    np.testing.assert_allclose(dW.numpy(), x.numpy().T @ mask, rtol=1e-5)
    np.testing.assert_allclose(db.numpy(), mask.sum(0), rtol=1e-5)


def test_dense_no_bias_and_initializers():
    layer = keras.layers.Dense(2, use_bias=False, kernel_initializer="ones")
    out = layer(np.array([[1.0, 2.0]], dtype=np.float32))
    assert layer.bias is None and len(layer.weights) == 1
    np.testing.assert_allclose(out.numpy(), [[3.0, 3.0]])


def test_glorot_uniform_limit():
    tf.random.set_seed(0)
    layer = keras.layers.Dense(300)
    layer(np.zeros((1, 200), dtype=np.float32))
    k = layer.kernel.numpy()
    limit = np.sqrt(6 / (200 + 300))
    assert np.abs(k).max() <= limit
    assert np.abs(k).max() > 0.95 * limit
    np.testing.assert_allclose(layer.bias.numpy(), 0)


def test_dense_rejects_wrong_input_dim():
    layer = keras.layers.Dense(2)
    layer(np.zeros((1, 3), dtype=np.float32))
    with pytest.raises(ValueError):
        layer(np.zeros((1, 4), dtype=np.float32))


def test_dense_invalid_units_and_activation():
    with pytest.raises(ValueError):
        keras.layers.Dense(0)
    with pytest.raises(ValueError):
        keras.layers.Dense(2, activation="nope")


def test_float64_input_is_cast_to_float32():
    layer = keras.layers.Dense(2)
    out = layer(np.ones((2, 3)))  # numpy float64
    assert out.dtype == tf.float32


def test_auto_names_are_unique():
    a, b = keras.layers.Dense(1), keras.layers.Dense(1)
    assert a.name != b.name
