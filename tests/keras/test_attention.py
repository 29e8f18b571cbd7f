"""keras.layers.MultiHeadAttention and Attention: against the same equations in numpy (with the
layers' own weights), Keras' documented shapes, masks (attention, query/value/key, causal),
dropout only in training, gradients against finite differences, and bad input."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.testing import check_gradients

L = keras.layers
RNG = np.random.default_rng(11)


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def mha_reference(layer, q, v, k=None, keep=None):
    k = v if k is None else k
    w = [x.numpy().astype(np.float64) for x in layer.weights]
    qk, qb, kk, kb, vk, vb, ok, ob = w
    Q = (np.einsum("abc,cde->abde", q, qk) + qb) / np.sqrt(layer.key_dim)
    K = np.einsum("abc,cde->abde", k, kk) + kb
    V = np.einsum("abc,cde->abde", v, vk) + vb
    S = np.einsum("aecd,abcd->acbe", K, Q)
    if keep is not None:
        S = S - (1.0 - keep[:, None]) * 1e9
    P = softmax(S)
    C = np.einsum("acbe,aecd->abcd", P, V)
    return np.einsum("abcd,cde->abe", C, ok) + ob, P


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mha_against_numpy(dtype):
    q = RNG.standard_normal((2, 4, 5))
    v = RNG.standard_normal((2, 6, 7))
    k = RNG.standard_normal((2, 6, 3))
    layer = L.MultiHeadAttention(num_heads=3, key_dim=2, value_dim=4, dtype=np.dtype(dtype).name)
    out, probs = layer(q.astype(dtype), v.astype(dtype), key=k.astype(dtype),
                       return_attention_scores=True)
    want, want_p = mha_reference(layer, q, v, k)
    tol = dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out.numpy(), want, **tol)
    np.testing.assert_allclose(probs.numpy(), want_p, **tol)
    assert out.dtype == tf.as_dtype(dtype)
    shapes = [tuple(w.shape) for w in layer.weights]
    assert shapes == [(5, 3, 2), (3, 2), (3, 3, 2), (3, 2), (7, 3, 4), (3, 4), (3, 4, 5), (5,)]
    assert [w.name.split("/", 1)[1] for w in layer.weights][::2] == [
        "query/kernel:0", "key/kernel:0", "value/kernel:0", "attention_output/kernel:0"]


def test_mha_documented_shapes():
    # Keras' docstring: target (8, 16), source (4, 16), num_heads=2, key_dim=2
    layer = L.MultiHeadAttention(num_heads=2, key_dim=2)
    target = np.ones((3, 8, 16), np.float32)
    source = np.ones((3, 4, 16), np.float32)
    out, weights = layer(target, source, return_attention_scores=True)
    assert tuple(out.shape) == (3, 8, 16) and tuple(weights.shape) == (3, 2, 8, 4)
    assert layer.compute_output_shape((None, 8, 16)) == (None, 8, 16)
    assert tuple(L.MultiHeadAttention(2, 2, output_shape=5)(target, source).shape) == (3, 8, 5)


def test_mha_masks():
    q = RNG.standard_normal((2, 3, 4))
    v = RNG.standard_normal((2, 5, 4))
    layer = L.MultiHeadAttention(num_heads=2, key_dim=3, dtype="float64")
    attention_mask = RNG.random((2, 3, 5)) > 0.3
    attention_mask[:, :, 0] = True  # every query sees a key
    value_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    out, probs = layer(q, v, attention_mask=attention_mask, value_mask=value_mask,
                       return_attention_scores=True)
    keep = attention_mask & value_mask[:, None, :]
    want, want_p = mha_reference(layer, q, v, keep=keep.astype(float))
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10, atol=1e-12)
    assert np.all(probs.numpy()[np.broadcast_to(~keep[:, None], probs.shape)] < 1e-30)
    # causal: query i attends to keys 0..i
    x = RNG.standard_normal((2, 4, 4))
    out, probs = layer(x, x, use_causal_mask=True, return_attention_scores=True)
    want, _ = mha_reference(layer, x, x, keep=np.tril(np.ones((4, 4)))[None])
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10, atol=1e-12)
    assert np.all(np.triu(probs.numpy()[0, 0], 1) < 1e-30)


def test_mha_dropout_only_in_training():
    x = RNG.standard_normal((2, 5, 4)).astype(np.float32)
    layer = L.MultiHeadAttention(num_heads=2, key_dim=2, dropout=0.5)
    a, b = layer(x, x).numpy(), layer(x, x, training=False).numpy()
    np.testing.assert_array_equal(a, b)
    tf.random.set_seed(3)
    c = layer(x, x, training=True).numpy()
    assert not np.allclose(a, c)


def test_mha_gradients_and_second_order():
    q = RNG.standard_normal((1, 3, 2))
    v = RNG.standard_normal((1, 2, 2))
    layer = L.MultiHeadAttention(num_heads=2, key_dim=2, dtype="float64")
    layer(q, v)
    check_gradients(lambda a, b: layer(a, b, use_causal_mask=False), [q, v])
    # the weights' gradients (and through them training) against finite differences
    kernel = layer.weights[0]

    def f(k):
        kernel.assign(k)
        return layer(q, v)
    k0 = kernel.numpy().copy()
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(q, v) ** 2)
    g = tape.gradient(y, kernel).numpy()
    eps = 1e-6
    idx = (1, 0, 1)
    kp, km = k0.copy(), k0.copy()
    kp[idx] += eps
    km[idx] -= eps
    fp = float(tf.reduce_sum(f(kp) ** 2))
    fm = float(tf.reduce_sum(f(km) ** 2))
    kernel.assign(k0)
    np.testing.assert_allclose(g[idx], (fp - fm) / (2 * eps), rtol=1e-6)
    # second order: d/dq of the gradient w.r.t. q exists and matches finite differences
    with tf.GradientTape() as outer:
        qt = tf.constant(q)
        outer.watch(qt)
        with tf.GradientTape() as inner:
            inner.watch(qt)
            y = tf.reduce_sum(tf.tanh(layer(qt, v)))
        gq = inner.gradient(y, qt)
        s = tf.reduce_sum(gq * gq)
    h = outer.gradient(s, qt).numpy()

    def s_of(qv):
        qt2 = tf.constant(qv)
        with tf.GradientTape() as t2:
            t2.watch(qt2)
            y2 = tf.reduce_sum(tf.tanh(layer(qt2, v)))
        return float(tf.reduce_sum(t2.gradient(y2, qt2) ** 2))
    qp, qm = q.copy(), q.copy()
    qp[0, 1, 0] += eps
    qm[0, 1, 0] -= eps
    np.testing.assert_allclose(h[0, 1, 0], (s_of(qp) - s_of(qm)) / (2 * eps), rtol=1e-5)


@pytest.mark.parametrize("call, match", [
    (lambda l: l(np.ones((2, 3)), np.ones((2, 3))), r"query must have shape \(batch, steps, features\)"),
    (lambda l: l(np.ones((2, 3, 4)), np.ones((3, 3, 4))), "incompatible shapes"),
    (lambda l: l(np.ones((2, 3, 4)), np.ones((2, 5, 4)), attention_mask=np.ones((2, 3, 4))),
     r"attention_mask must have shape \(batch, 3, 5\)"),
    (lambda l: l(np.ones((2, 3, 4)), np.ones((2, 5, 4)), value_mask=np.ones((2, 3))),
     r"value_mask must have shape \(2, 5\)"),
])
def test_mha_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call(L.MultiHeadAttention(num_heads=2, key_dim=2))


def test_mha_bad_arguments_and_rebuild():
    with pytest.raises(ValueError, match="num_heads"):
        L.MultiHeadAttention(num_heads=0, key_dim=2)
    with pytest.raises(NotImplementedError, match="attention over axes"):
        L.MultiHeadAttention(num_heads=1, key_dim=2, attention_axes=(1, 2))
    layer = L.MultiHeadAttention(num_heads=1, key_dim=2)
    layer(np.ones((1, 2, 4)), np.ones((1, 2, 4)))
    with pytest.raises(ValueError, match=r"built for query, key and value features \(4, 4, 4\)"):
        layer(np.ones((1, 2, 3)), np.ones((1, 2, 4)))


# -- Attention ----------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["dot", "concat"])
@pytest.mark.parametrize("use_scale", [False, True])
def test_attention_against_numpy(mode, use_scale):
    q = RNG.standard_normal((2, 3, 4))
    v = RNG.standard_normal((2, 5, 6))
    k = RNG.standard_normal((2, 5, 4))
    layer = L.Attention(use_scale=use_scale, score_mode=mode, dtype="float64")
    out, probs = layer([q, v, k], return_attention_scores=True)
    if use_scale:
        layer.scale.assign(0.7)
        out, probs = layer([q, v, k], return_attention_scores=True)
    scale = 0.7 if use_scale else 1.0
    if mode == "dot":
        scores = scale * q @ k.transpose(0, 2, 1)
    else:
        scores = np.tanh(scale * (q[:, :, None, :] + k[:, None, :, :])).sum(-1)
    p = softmax(scores)
    np.testing.assert_allclose(probs.numpy(), p, rtol=1e-12)
    np.testing.assert_allclose(out.numpy(), p @ v, rtol=1e-12)
    check_gradients(lambda a, b, c: layer([a, b, c]), [q, v, k])


def test_attention_masks():
    q = RNG.standard_normal((2, 3, 4))
    v = RNG.standard_normal((2, 3, 4))
    q_mask = np.array([[1, 1, 0], [1, 1, 1]], bool)
    v_mask = np.array([[1, 0, 1], [1, 1, 0]], bool)
    layer = L.Attention(dtype="float64")
    out = layer([q, v], mask=[q_mask, v_mask], use_causal_mask=True).numpy()
    scores = q @ v.transpose(0, 2, 1) - 1e9 * (1 - v_mask[:, None, :] * np.tril(np.ones((3, 3))))
    want = softmax(scores) @ v * q_mask[..., None]
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)
    assert np.all(out[0, 2] == 0.0)


def test_attention_bad_input():
    with pytest.raises(ValueError, match="score_mode"):
        L.Attention(score_mode="add")
    with pytest.raises(ValueError, match=r"list \[query, value\]"):
        L.Attention()(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="incompatible shapes"):
        L.Attention()([np.ones((2, 3, 4)), np.ones((2, 5, 3))])


def test_transformer_block_trains():
    """A small self-attention classifier learns to tell sequences with a bright first step."""
    x = RNG.standard_normal((64, 6, 4)).astype(np.float32)
    y = (x[:, 0, 0] > 0).astype(np.int64)

    class Block(L.Layer):
        def __init__(self):
            super().__init__()
            self.att = L.MultiHeadAttention(num_heads=2, key_dim=4)
            self.norm = L.LayerNormalization()
            self.pool = L.GlobalAveragePooling1D()
            self.head = L.Dense(2)

        def call(self, t):
            return self.head(self.pool(self.norm(t + self.att(t, t))))

    tf.random.set_seed(0)
    model = keras.Sequential([keras.Input(shape=(6, 4)), Block()])
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    first = model.evaluate(x, y, verbose=0)[0]
    model.fit(x, y, epochs=40, batch_size=16, verbose=0)
    loss, acc = model.evaluate(x, y, verbose=0)
    assert loss < 0.5 * first and acc > 0.9
    assert len(model.trainable_variables) == 8 + 2 + 2
