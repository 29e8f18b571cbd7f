"""keras.layers.SimpleRNN, LSTM, GRU: outputs against numpy implementations of Keras'
equations with the same weights (return_sequences, return_state, go_backwards,
initial_state), gradients and second derivatives through time by finite differences,
a model that learns, and bad input."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.testing import check_gradients


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def np_rnn(kind, x, W, U, b, h0=None, c0=None, backwards=False):
    n, t, _ = x.shape
    u = U.shape[0]
    h = np.zeros((n, u)) if h0 is None else h0
    c = np.zeros((n, u)) if c0 is None else c0
    outs = []
    for i in (range(t - 1, -1, -1) if backwards else range(t)):
        xi = x[:, i] @ W
        if kind == "simple":
            h = np.tanh(xi + h @ U + b)
        elif kind == "lstm":
            z = xi + h @ U + b
            zi, zf, zc, zo = np.split(z, 4, axis=1)
            c = sigmoid(zf) * c + sigmoid(zi) * np.tanh(zc)
            h = sigmoid(zo) * np.tanh(c)
        else:
            xz, xr, xh = np.split(xi + b[0], 3, axis=1)
            rz, rr, rh = np.split(h @ U + b[1], 3, axis=1)
            z, r = sigmoid(xz + rz), sigmoid(xr + rr)
            h = z * h + (1 - z) * np.tanh(xh + r * rh)
        outs.append(h)
    return np.stack(outs, 1), h, c


LAYERS = {"simple": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}


@pytest.mark.parametrize("kind", list(LAYERS))
def test_outputs_match_keras_equations(kind):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 6, 4))
    layer = LAYERS[kind](5, return_sequences=True, return_state=True, dtype="float64",
                         bias_initializer="random_normal")
    out = layer(x)
    W, U, b = (w.numpy() for w in (layer.kernel, layer.recurrent_kernel, layer.bias))
    seq, h, c = np_rnn(kind, x, W, U, b)
    np.testing.assert_allclose(out[0].numpy(), seq, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out[1].numpy(), h, rtol=1e-12, atol=1e-12)
    if kind == "lstm":
        assert len(out) == 3
        np.testing.assert_allclose(out[2].numpy(), c, rtol=1e-12, atol=1e-12)
    # go_backwards and initial_state
    back = LAYERS[kind](5, go_backwards=True, dtype="float64")
    h0 = rng.standard_normal((3, 5))
    init = [h0, rng.standard_normal((3, 5))] if kind == "lstm" else h0
    y = back(x, initial_state=init).numpy()
    W, U, b = (w.numpy() for w in (back.kernel, back.recurrent_kernel, back.bias))
    _, h, _ = np_rnn(kind, x, W, U, b, h0=h0, c0=init[1] if kind == "lstm" else None, backwards=True)
    np.testing.assert_allclose(y, h, rtol=1e-12, atol=1e-12)
    assert layer.compute_output_shape((None, 6, 4)) == (None, 6, 5)
    assert back.compute_output_shape((None, 6, 4)) == (None, 5)


def test_weight_shapes_and_keras_defaults():
    lstm = keras.layers.LSTM(3)
    lstm(np.zeros((1, 2, 4), np.float32))
    assert [tuple(w.shape) for w in lstm.weights] == [(4, 12), (3, 12), (12,)]
    np.testing.assert_array_equal(lstm.bias.numpy(), [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])  # unit_forget_bias
    u = lstm.recurrent_kernel.numpy()
    np.testing.assert_allclose(u @ u.T, np.eye(3), atol=1e-5)  # orthogonal rows
    gru = keras.layers.GRU(3)
    gru(np.zeros((1, 2, 4), np.float32))
    assert [tuple(w.shape) for w in gru.weights] == [(4, 9), (3, 9), (2, 9)]
    assert [w.name.split("/")[-1] for w in gru.weights] == ["kernel:0", "recurrent_kernel:0", "bias:0"]


@pytest.mark.parametrize("kind", list(LAYERS))
def test_gradients_through_time(kind):
    tf.random.set_seed(2)
    layer = LAYERS[kind](3, return_sequences=True, dtype="float64", bias_initializer="random_normal")
    x = np.random.default_rng(1).standard_normal((2, 4, 2))
    layer(x)  # build

    def fn(xt):
        return layer(xt)

    check_gradients(fn, [x], eps=1e-6, rtol=1e-6, atol=1e-8)
    check_gradients(fn, [x], eps=1e-5, rtol=1e-4, atol=1e-6, second_order=True)
    # and the weights get gradients of the right shapes
    with tf.GradientTape() as tape:
        s = tf.reduce_sum(layer(x))
    grads = tape.gradient(s, layer.trainable_variables)
    assert [tuple(g.shape) for g in grads] == [tuple(v.shape) for v in layer.trainable_variables]


def test_lstm_learns_to_sum_a_sequence():
    tf.random.set_seed(5)
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (256, 8, 1)).astype(np.float32)
    y = x.sum(axis=1)
    model = keras.Sequential([keras.layers.LSTM(16), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    hist = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert hist.history["loss"][-1] < 0.1 * hist.history["loss"][0]


def test_bad_input():
    with pytest.raises(ValueError, match="`units` must be a positive integer"):
        keras.layers.LSTM(0)
    with pytest.raises(ValueError, match="expects inputs of shape \\(batch, timesteps, features\\)"):
        keras.layers.GRU(2)(np.zeros((3, 4), np.float32))
    layer = keras.layers.SimpleRNN(2)
    layer(np.zeros((1, 3, 4), np.float32))
    with pytest.raises(ValueError, match="is incompatible with the layer"):
        layer(np.zeros((1, 3, 5), np.float32))
    with pytest.raises(ValueError, match="expected 2 initial state"):
        keras.layers.LSTM(2)(np.zeros((1, 3, 4), np.float32), initial_state=np.zeros((1, 2), np.float32))
    with pytest.raises(ValueError, match="an initial state must have shape \\(1, 2\\)"):
        keras.layers.GRU(2)(np.zeros((1, 3, 4), np.float32), initial_state=np.zeros((1, 3), np.float32))


def test_zero_timesteps_give_the_initial_state():
    layer = keras.layers.GRU(3, return_sequences=True, return_state=True)
    seq, h = layer(np.zeros((2, 0, 4), np.float32))
    assert tuple(seq.shape) == (2, 0, 3)
    np.testing.assert_array_equal(h.numpy(), np.zeros((2, 3)))


def np_gru_reset_before(x, W, U, b):
    n, t, _ = x.shape
    u = U.shape[0]
    h = np.zeros((n, u))
    outs = []
    for i in range(t):
        xz, xr, xh = np.split(x[:, i] @ W + b, 3, axis=1)
        z = sigmoid(xz + h @ U[:, :u])
        r = sigmoid(xr + h @ U[:, u:2 * u])
        hh = np.tanh(xh + (r * h) @ U[:, 2 * u:])
        h = z * h + (1 - z) * hh
        outs.append(h)
    return np.stack(outs, 1)


def test_gru_reset_after_false_matches_keras_equations():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 5, 4))
    layer = keras.layers.GRU(6, reset_after=False, return_sequences=True, dtype="float64",
                             bias_initializer="random_normal")
    out = layer(x).numpy()
    assert tuple(layer.bias.shape) == (18,) and layer.get_config()["reset_after"] is False
    W, U, b = (w.numpy() for w in (layer.kernel, layer.recurrent_kernel, layer.bias))
    np.testing.assert_allclose(out, np_gru_reset_before(x, W, U, b), rtol=1e-12, atol=1e-12)
    small = keras.layers.GRU(2, reset_after=False, dtype="float64")
    check_gradients(lambda t: small(t), [rng.standard_normal((2, 3, 2))], second_order=True)


@pytest.mark.parametrize("cell_cls, layer_cls", [(keras.layers.SimpleRNNCell, keras.layers.SimpleRNN),
                                                 (keras.layers.LSTMCell, keras.layers.LSTM),
                                                 (keras.layers.GRUCell, keras.layers.GRU)])
@pytest.mark.parametrize("sequences", [False, True])
def test_rnn_of_a_cell_matches_the_fused_layer(cell_cls, layer_cls, sequences):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 5, 4))
    cell = cell_cls(6, dtype="float64", bias_initializer="random_normal")
    rnn = keras.layers.RNN(cell, return_sequences=sequences, return_state=True, dtype="float64")
    out = rnn(x)
    fused = layer_cls(6, return_sequences=sequences, return_state=True, dtype="float64")
    fused(x)
    fused.set_weights(cell.get_weights())
    want = fused(x)
    for a, b in zip(out, want):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)
    assert len(rnn.trainable_weights) == 3
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], bool)
    for a, b in zip(rnn(x, mask=mask), fused(x, mask=mask)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)
    h = cell(x[:, 0], cell.get_initial_state(3, "float64"))
    assert tuple(h[0].shape) == (3, 6)


def test_custom_cell_and_stacked_cells():
    class MinimalCell(keras.layers.Layer):
        state_size = 3

        def build(self, input_shape):
            self.w = self.add_weight("w", (input_shape[-1], 3))
            self.u = self.add_weight("u", (3, 3))

        def call(self, inputs, states):
            h = tf.tanh(inputs @ self.w + states[0] @ self.u)
            return h, [h]

    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 4, 5)).astype(np.float32)
    cell = MinimalCell()
    y = keras.layers.RNN(cell)(x).numpy()
    w, u = cell.w.numpy(), cell.u.numpy()
    h = np.zeros((2, 3), np.float32)
    for i in range(4):
        h = np.tanh(x[:, i] @ w + h @ u)
    np.testing.assert_allclose(y, h, rtol=1e-5, atol=1e-6)
    stacked = keras.layers.RNN([keras.layers.LSTMCell(4), keras.layers.GRUCell(2)],
                               return_state=True)
    out = stacked(x)
    assert tuple(out[0].shape) == (2, 2) and len(out) == 4  # output, h1, c1, h2
    model = keras.Sequential([keras.Input(shape=(4, 5)), keras.layers.RNN(MinimalCell()),
                              keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, np.ones((2, 1), np.float32), epochs=2, verbose=0)
    with pytest.raises(ValueError, match="state_size"):
        keras.layers.RNN(keras.layers.Dense(3))
