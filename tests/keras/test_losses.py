"""keras.losses against numpy formulas (and stable from_logits at large logits)."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

rng = np.random.default_rng(0)
Y_TRUE = rng.standard_normal((8, 3)).astype(np.float32)
Y_PRED = rng.standard_normal((8, 3)).astype(np.float32)


def test_mse_reductions():
    per_sample = ((Y_PRED - Y_TRUE) ** 2).mean(-1)
    np.testing.assert_allclose(keras.losses.mean_squared_error(Y_TRUE, Y_PRED).numpy(), per_sample, rtol=1e-6)
    np.testing.assert_allclose(float(keras.losses.MeanSquaredError()(Y_TRUE, Y_PRED)), per_sample.mean(), rtol=1e-6)
    np.testing.assert_allclose(float(keras.losses.MeanSquaredError(reduction="sum")(Y_TRUE, Y_PRED)), per_sample.sum(), rtol=1e-6)
    np.testing.assert_allclose(keras.losses.MeanSquaredError(reduction="none")(Y_TRUE, Y_PRED).numpy(), per_sample, rtol=1e-6)
    w = np.arange(8, dtype=np.float32)
    np.testing.assert_allclose(float(keras.losses.MeanSquaredError()(Y_TRUE, Y_PRED, sample_weight=w)),
                               (per_sample * w).mean(), rtol=1e-6)


def test_mse_rank_matching_and_gradient():
    y = np.arange(4, dtype=np.float32)            # (batch,)
    p = tf.constant(np.ones((4, 1), np.float32))  # (batch, 1): must not broadcast to (4, 4)
    with tf.GradientTape() as tape:
        tape.watch(p)
        loss = keras.losses.MeanSquaredError()(y, p)
    np.testing.assert_allclose(float(loss), ((1 - y) ** 2).mean(), rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(loss, p).numpy()[:, 0], 2 * (1 - y) / 4, rtol=1e-6)


def test_invalid_reduction():
    with pytest.raises(ValueError):
        keras.losses.MeanSquaredError(reduction="avg")


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_binary_crossentropy_probabilities_and_logits():
    y = (rng.random((6, 2)) > 0.5).astype(np.float32)
    z = rng.standard_normal((6, 2)).astype(np.float32) * 3
    p = np.clip(_sigmoid(z), 1e-7, 1 - 1e-7)
    ref = -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(-1)
    np.testing.assert_allclose(keras.losses.binary_crossentropy(y, _sigmoid(z)).numpy(), ref, rtol=1e-4)
    np.testing.assert_allclose(keras.losses.binary_crossentropy(y, z, from_logits=True).numpy(), ref, rtol=1e-4)
    np.testing.assert_allclose(float(keras.losses.BinaryCrossentropy(from_logits=True)(y, z)), ref.mean(), rtol=1e-4)


def test_binary_crossentropy_large_logits_stable():
    z = tf.constant([[100.0, -100.0, 0.0, 50.0]])
    y = np.array([[0.0, 1.0, 1.0, 1.0]], np.float32)
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = keras.losses.BinaryCrossentropy(from_logits=True, reduction="sum")(y, z)
    # per element: softplus(z) - y z = 100, 100, log 2, ~0; mean over the last axis
    np.testing.assert_allclose(float(loss), (100 + 100 + np.log(2) + 0) / 4, rtol=1e-5)
    g = tape.gradient(loss, z).numpy()
    assert np.isfinite(g).all()
    np.testing.assert_allclose(g, (_sigmoid(np.array([[100, -100, 0, 50.0]])) - y) / 4, atol=1e-6)


def _log_softmax(z):
    m = z.max(-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(-1, keepdims=True))


def test_categorical_crossentropy():
    z = rng.standard_normal((5, 4)).astype(np.float32)
    labels = np.array([0, 3, 1, 2, 3])
    y = np.eye(4, dtype=np.float32)[labels]
    ref = -(y * _log_softmax(z)).sum(-1)
    probs = np.exp(_log_softmax(z))
    np.testing.assert_allclose(keras.losses.categorical_crossentropy(y, z, from_logits=True).numpy(), ref, rtol=1e-5)
    np.testing.assert_allclose(keras.losses.categorical_crossentropy(y, probs).numpy(), ref, rtol=1e-4)
    np.testing.assert_allclose(float(keras.losses.CategoricalCrossentropy(from_logits=True)(y, z)), ref.mean(), rtol=1e-5)
    np.testing.assert_allclose(float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, z)), ref.mean(), rtol=1e-5)
    np.testing.assert_allclose(float(keras.losses.SparseCategoricalCrossentropy()(labels[:, None], probs)), ref.mean(), rtol=1e-4)


def test_categorical_crossentropy_large_logits_stable():
    z = tf.constant([[1000.0, 0.0, -1000.0]])
    y = np.array([[0.0, 1.0, 0.0]], np.float32)
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = keras.losses.CategoricalCrossentropy(from_logits=True)(y, z)
    np.testing.assert_allclose(float(loss), 1000.0, rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(loss, z).numpy(), [[1.0, -1.0, 0.0]], atol=1e-6)
    loss2 = keras.losses.SparseCategoricalCrossentropy(from_logits=True)([1], z)
    np.testing.assert_allclose(float(loss2), 1000.0, rtol=1e-6)


def test_sparse_label_out_of_range():
    with pytest.raises(ValueError):
        keras.losses.sparse_categorical_crossentropy([5], np.zeros((1, 3), np.float32), from_logits=True)


def test_get_by_name():
    # Keras 3: a function name gives the per-sample function, a class name an instance
    assert keras.losses.get("mse") is keras.losses.mean_squared_error
    assert keras.losses.get("binary_crossentropy") is keras.losses.binary_crossentropy
    assert isinstance(keras.losses.get("MeanSquaredError"), keras.losses.MeanSquaredError)
    with pytest.raises(ValueError):
        keras.losses.get("nope")
