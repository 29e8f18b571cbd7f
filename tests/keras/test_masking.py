"""Padding masks, as Keras: Embedding(mask_zero=True) and Masking make them, Sequential and
functional models pass them on, SimpleRNN / LSTM / GRU / Bidirectional skip the masked steps
and GlobalAveragePooling1D / GlobalMaxPooling1D leave them out. A padded batch must give each
sample what its unpadded sequence gives."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.testing import check_gradients

L = keras.layers
RNG = np.random.default_rng(13)
LENGTHS = [5, 3, 1, 4]


def padded_batch(features=3, t=5):
    x = RNG.standard_normal((len(LENGTHS), t, features))
    mask = np.zeros((len(LENGTHS), t), bool)
    for i, n in enumerate(LENGTHS):
        mask[i, :n] = True
    return x * mask[:, :, None], mask


@pytest.mark.parametrize("cls", [L.SimpleRNN, L.LSTM, L.GRU])
@pytest.mark.parametrize("backwards", [False, True])
def test_recurrent_mask_equals_unpadded_sequences(cls, backwards):
    x, mask = padded_batch()
    layer = cls(4, dtype="float64", go_backwards=backwards, bias_initializer="random_normal")
    last = layer(x, mask=mask).numpy()
    seq_layer = cls(4, dtype="float64", go_backwards=backwards, return_sequences=True)
    seq_layer(x)
    seq_layer.set_weights(layer.get_weights())
    seq = seq_layer(x, mask=mask).numpy()
    for i, n in enumerate(LENGTHS):
        alone = layer(x[i:i + 1, :n]).numpy()[0]
        np.testing.assert_allclose(last[i], alone, rtol=1e-12, atol=1e-12)
        steps = seq_layer(x[i:i + 1, :n]).numpy()[0]
        # outputs come in processing order (reversed with go_backwards, as Keras), and the
        # masked steps, at the end of the time axis, give zeros
        real, pad = (slice(5 - n, 5), slice(0, 5 - n)) if backwards else (slice(0, n), slice(n, 5))
        np.testing.assert_allclose(seq[i, real], steps, rtol=1e-12, atol=1e-12)
        assert not seq[i, pad].any()
    assert seq_layer.compute_mask(x, mask) is mask and layer.compute_mask(x, mask) is None


def test_masked_recurrent_gradient():
    x, mask = padded_batch(2, 4)
    layer = L.LSTM(2, dtype="float64")
    check_gradients(lambda t: layer(t, mask=mask), [x], second_order=True)


def test_masked_global_pooling():
    x, mask = padded_batch()
    avg = L.GlobalAveragePooling1D(dtype="float64")(x, mask=mask).numpy()
    mx = L.GlobalMaxPooling1D(dtype="float64")(x - 10, mask=mask).numpy()
    for i, n in enumerate(LENGTHS):
        np.testing.assert_allclose(avg[i], x[i, :n].mean(0), rtol=1e-12)
        np.testing.assert_allclose(mx[i], (x[i, :n] - 10).max(0), rtol=1e-12)


def test_masking_layer():
    x, mask = padded_batch()
    layer = L.Masking(mask_value=0.0)
    np.testing.assert_array_equal(layer.compute_mask(tf.constant(x)).numpy(), mask)
    np.testing.assert_allclose(layer(x).numpy(), x, rtol=1e-6)
    x2 = x.copy()
    x2[~mask] = -1.0
    m2 = L.Masking(mask_value=-1.0)
    np.testing.assert_array_equal(m2.compute_mask(tf.constant(x2)).numpy(), mask)
    assert not m2(x2).numpy()[~mask].any()


def test_sequential_passes_the_embedding_mask():
    ids = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2], [5, 0, 0, 0, 0]])
    model = keras.Sequential([keras.Input(shape=(5,)), L.Embedding(10, 4, mask_zero=True),
                              L.Dropout(0.0), L.LSTM(3, return_sequences=True),
                              L.GlobalAveragePooling1D(), L.Dense(2)])
    out = model(ids).numpy()
    for i, row in enumerate(ids):
        n = int((row != 0).sum())
        np.testing.assert_allclose(out[i], model(row[None, :n]).numpy()[0], rtol=1e-5, atol=1e-6)
    plain = keras.Sequential([keras.Input(shape=(5,)), L.Embedding(10, 4),
                              L.GlobalAveragePooling1D()])
    assert plain(ids).shape == (3, 4)  # no mask: padding counts


def test_functional_model_passes_masks_and_trains():
    tf.random.set_seed(2)
    inp = keras.Input(shape=(6,), dtype="int32")
    h = L.Embedding(12, 5, mask_zero=True)(inp)
    h = L.Bidirectional(L.GRU(4))(h)
    out = L.Dense(1)(h)
    model = keras.Model(inp, out)
    ids = RNG.integers(1, 12, (64, 6))
    lengths = RNG.integers(1, 7, 64)
    for i, n in enumerate(lengths):
        ids[i, n:] = 0
    # the target depends on the real tokens only: their count of tokens above 6
    y = ((ids > 6).sum(1, keepdims=True) / 3.0).astype(np.float32)
    got = model(ids[:3]).numpy()
    for i in range(3):
        n = lengths[i]
        np.testing.assert_allclose(got[i], model(ids[i:i + 1, :n]).numpy()[0], rtol=1e-5,
                                   atol=1e-6)
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    hist = model.fit(ids, y, epochs=30, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < 0.3 * hist.history["loss"][0]


def test_bad_mask_shape():
    with pytest.raises(ValueError, match=r"mask must have shape \(2, 3\)"):
        L.LSTM(2)(np.zeros((2, 3, 4), np.float32), mask=np.ones((2, 4), bool))
