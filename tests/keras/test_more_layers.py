"""keras.layers.Conv1D (causal padding too), Conv2DTranspose, LayerNormalization, Embedding:
values against numpy, the adjoint identity of the transposed convolution, shapes, gradients,
use in a Sequential, and bad arguments."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.errors import InvalidArgumentError


def np_conv1d(x, k, pad_left, pad_right, stride=1, dilation=1):
    xp = np.pad(x, [(0, 0), (pad_left, pad_right), (0, 0)])
    n = (xp.shape[1] - (k.shape[0] - 1) * dilation - 1) // stride + 1
    return sum(xp[:, i * dilation: i * dilation + (n - 1) * stride + 1: stride] @ k[i] for i in range(k.shape[0]))


def test_conv1d_valid_same_causal():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 9, 3)).astype(np.float32)
    for padding, pads in (("valid", (0, 0)), ("same", (1, 1)), ("causal", (2, 0))):
        layer = keras.layers.Conv1D(4, 3, padding=padding, use_bias=False)
        y = layer(x).numpy()
        want = np_conv1d(x.astype(np.float64), layer.kernel.numpy().astype(np.float64), *pads)
        np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)
        assert layer.compute_output_shape((None, 9, 3)) == (None,) + y.shape[1:]
    # causal: an output never sees a later input
    layer = keras.layers.Conv1D(2, 3, padding="causal", dilation_rate=2)
    a = layer(x).numpy()
    x2 = x.copy()
    x2[:, 6:] += 1.0
    b = layer(x2).numpy()
    np.testing.assert_array_equal(a[:, :6], b[:, :6])
    assert np.all(a[:, 6:] != b[:, 6:])
    strided = keras.layers.Conv1D(2, 2, strides=3)
    assert strided(x).shape == (2, 3, 2) == (2,) + strided.compute_output_shape((None, 9, 3))[1:]


def test_conv2d_transpose_is_the_adjoint_of_conv2d():
    rng = np.random.default_rng(1)
    for strides, padding in (((2, 2), "same"), ((2, 1), "valid"), ((1, 1), "same")):
        layer = keras.layers.Conv2DTranspose(3, (3, 2), strides=strides, padding=padding, use_bias=False)
        y = rng.standard_normal((2, 4, 5, 2)).astype(np.float32)
        out = layer(y)
        assert tuple(out.shape) == (2,) + layer.compute_output_shape((None, 4, 5, 2))[1:]
        x = rng.standard_normal(out.shape).astype(np.float32)
        # <T(y), x> == <y, conv2d(x)> for the same kernel, strides and padding
        lhs = float(np.sum(out.numpy().astype(np.float64) * x))
        conv = tf.nn.conv2d(x, layer.kernel, list(strides), padding.upper()).numpy()
        rhs = float(np.sum(y.astype(np.float64) * conv))
        assert abs(lhs - rhs) <= 1e-4 * max(1.0, abs(lhs))
    assert keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same").compute_output_shape((None, 7, 3, 1)) == \
        (None, 14, 6, 4)


def test_layer_normalization():
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((3, 4, 5)) * 4 + 1).astype(np.float32)
    ln = keras.layers.LayerNormalization(epsilon=1e-3)
    y = ln(x).numpy()
    m, v = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(y, (x - m) / np.sqrt(v + 1e-3), rtol=1e-4, atol=1e-5)
    ln.gamma.assign(np.arange(5, dtype=np.float32))
    ln.beta.assign(np.ones(5, np.float32))
    np.testing.assert_allclose(ln(x).numpy(), (x - m) / np.sqrt(v + 1e-3) * np.arange(5) + 1, rtol=1e-4, atol=1e-4)
    ln2 = keras.layers.LayerNormalization(axis=[1, 2])
    y2 = ln2(x).numpy()
    np.testing.assert_allclose(y2.mean(axis=(1, 2)), 0.0, atol=1e-5)
    assert tuple(ln2.gamma.shape) == (4, 5)
    with pytest.raises(ValueError, match="must name known, distinct, non-batch dimensions"):
        keras.layers.LayerNormalization(axis=0)(x)


def test_embedding_rows_gradient_and_errors():
    e = keras.layers.Embedding(6, 3)
    idx = np.array([[0, 5, 5], [2, 2, 2]])
    y = e(idx)
    np.testing.assert_array_equal(y.numpy(), e.embeddings.numpy()[idx])
    assert e.compute_output_shape((None, 3)) == (None, 3, 3)
    w = e.embeddings.numpy()
    assert np.all(np.abs(w) <= 0.05)  # Keras' 'uniform': [-0.05, 0.05]
    with tf.GradientTape() as tape:
        s = tf.reduce_sum(e(idx))
    g = tape.gradient(s, e.embeddings).numpy()
    np.testing.assert_array_equal(g[:, 0], [1, 0, 3, 0, 0, 2])  # a row's uses add up
    np.testing.assert_array_equal(e(idx.astype(np.float32)).numpy(), y.numpy())
    with pytest.raises(InvalidArgumentError, match="not in \\[0, 6\\)"):
        e(np.array([[6]]))
    with pytest.raises(ValueError, match="`input_dim` must be a positive integer"):
        keras.layers.Embedding(0, 3)


def test_embedding_model_learns():
    tf.random.set_seed(4)
    rng = np.random.default_rng(4)
    x = rng.integers(0, 20, (256, 5))
    y = (x % 2 == 0).sum(axis=1, keepdims=True).astype(np.float32)  # how many even tokens
    model = keras.Sequential([keras.layers.Embedding(20, 4), keras.layers.Flatten(),
                              keras.layers.LayerNormalization(), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    hist = model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    assert hist.history["loss"][-1] < 0.2 * hist.history["loss"][0]
