"""pytest-benchmark: session 17's Keras and tf.data pieces against the numpy a user would write
for the same equations, 1 and 2 threads, float32.

- MultiHeadAttention forward (batch 32, 64 steps, 128 features, 8 heads of 16): the Keras
  equations in numpy (einsum projections, scaled scores, softmax, output projection).
- One optimizer step on a 1M-parameter variable (Nadam, Adamax, Lion, Adagrad, AdamW): Keras'
  formula in numpy on arrays against ``apply_gradients`` on a Variable.
- One epoch of ``Dataset.from_tensor_slices((x, y)).shuffle(n).batch(128)`` over 60000 x 784
  against a numpy permutation and fancy-indexed batches.
- ``tf.image.resize`` (bilinear, 32 x 64 x 64 x 3 to 96 x 96) against the same separable
  interpolation in numpy.

    pytest bench/test_bench_keras_more.py --benchmark-group-by=group
"""
import contextlib

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")
from tapegrad import keras  # noqa: E402


def _limit(threads):
    from gemm_report import set_threads
    return set_threads(threads) or contextlib.nullcontext()


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def np_mha(q, v, w):
    qk, qb, kk, kb, vk, vb, ok, ob = w
    Q = (np.einsum("abc,cde->abde", q, qk, optimize=True) + qb) * (1.0 / np.sqrt(qk.shape[-1]))
    K = np.einsum("abc,cde->abde", v, kk, optimize=True) + kb
    V = np.einsum("abc,cde->abde", v, vk, optimize=True) + vb
    P = _softmax(np.einsum("aecd,abcd->acbe", K, Q, optimize=True))
    C = np.einsum("acbe,aecd->abcd", P, V, optimize=True)
    return np.einsum("abcd,cde->abe", C, ok, optimize=True) + ob


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
def test_multi_head_attention_forward(benchmark, threads, impl):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 64, 128), dtype=np.float32)
    layer = keras.layers.MultiHeadAttention(num_heads=8, key_dim=16,
                                            bias_initializer="random_normal")
    tx = tf.constant(x)
    got = layer(tx, tx).numpy()
    w = [v.numpy() for v in layer.weights]
    np.testing.assert_allclose(got, np_mha(x, x, w), rtol=1e-4, atol=1e-4)
    benchmark.group = f"MultiHeadAttention 32x64x128, 8 heads x 16, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(np_mha, x, x, w)
        else:
            benchmark(layer, tx, tx)


def _np_rule(name):
    lr, b1, b2, eps = 0.001, 0.9, 0.999, 1e-7

    def nadam(w, g, s):
        s["t"] += 1
        t = s["t"]
        u_t, u_n = b1 * (1 - 0.5 * 0.96 ** t), b1 * (1 - 0.5 * 0.96 ** (t + 1))
        s["p"] *= u_t
        s["m"] += (g - s["m"]) * (1 - b1)
        s["v"] += (g * g - s["v"]) * (1 - b2)
        m_hat = u_n * s["m"] / (1 - s["p"] * u_n) + (1 - u_t) * g / (1 - s["p"])
        w -= lr * m_hat / (np.sqrt(s["v"] / (1 - b2 ** t)) + eps)

    def adamax(w, g, s):
        s["t"] += 1
        s["m"] += (g - s["m"]) * (1 - b1)
        np.maximum(b2 * s["u"], np.abs(g), out=s["u"])
        w -= lr / (1 - b1 ** s["t"]) * s["m"] / (s["u"] + eps)

    def lion(w, g, s):
        w -= lr * np.sign(0.9 * s["m"] + 0.1 * g)
        s["m"] += (g - s["m"]) * 0.01

    def adagrad(w, g, s):
        s["acc"] += g * g
        w -= lr * g / np.sqrt(s["acc"] + eps)

    def adamw(w, g, s):
        s["t"] += 1
        w -= lr * 0.004 * w
        s["m"] += (g - s["m"]) * (1 - b1)
        s["v"] += (g * g - s["v"]) * (1 - b2)
        w -= lr * np.sqrt(1 - b2 ** s["t"]) / (1 - b1 ** s["t"]) * s["m"] / (np.sqrt(s["v"]) + eps)

    return {"Nadam": nadam, "Adamax": adamax, "Lion": lion, "Adagrad": adagrad, "AdamW": adamw}[name]


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name", ["Nadam", "Adamax", "Lion", "Adagrad", "AdamW"])
def test_optimizer_step(benchmark, name, threads, impl):
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal(1 << 20, dtype=np.float32)
    g = rng.standard_normal(1 << 20, dtype=np.float32)
    benchmark.group = f"{name} step, 1M float32, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            z = np.zeros_like(w0)
            state = {"t": 0, "p": 1.0, "m": z.copy(), "v": z.copy(), "u": z.copy(),
                     "acc": np.full_like(w0, 0.1)}
            benchmark(_np_rule(name), w0.copy(), g, state)
        else:
            opt = getattr(keras.optimizers, name)()
            var = tf.Variable(w0)
            tg = tf.constant(g)
            benchmark(opt.apply_gradients, [(tg, var)])


def np_epoch(x, y, rng, batch):
    order = rng.permutation(len(x))
    out = 0
    for i in range(0, len(x), batch):
        idx = order[i:i + batch]
        xb, yb = x[idx], y[idx]
        out += xb.shape[0] + 0 * yb.shape[0]
    return out


def tf_epoch(ds):
    out = 0
    for xb, yb in ds:
        out += xb.shape[0] + 0 * yb.shape[0]
    return out


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
def test_dataset_shuffle_batch_epoch(benchmark, threads, impl):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((60000, 784), dtype=np.float32)
    y = rng.integers(0, 10, 60000).astype(np.int64)
    benchmark.group = f"shuffle + batch(128) epoch, 60000x784 float32, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            assert benchmark(np_epoch, x, y, rng, 128) == 60000
        else:
            ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(60000).batch(128)
            assert benchmark(tf_epoch, ds) == 60000


def np_resize_bilinear(x, h, w):
    """TF 2's half-pixel bilinear resize in numpy (the separable form ours uses)."""
    def axis(a, ax, n_out):
        n_in = a.shape[ax]
        pos = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
        lo = np.clip(np.floor(pos), 0, n_in - 1).astype(np.int64)
        hi = np.clip(np.ceil(pos), 0, n_in - 1).astype(np.int64)
        shape = [1] * a.ndim
        shape[ax] = n_out
        t = (pos - np.floor(pos)).reshape(shape).astype(a.dtype)
        lo_v = np.take(a, lo, ax)
        return lo_v + (np.take(a, hi, ax) - lo_v) * t
    return axis(axis(x, 1, h), 2, w)


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
def test_image_resize_bilinear(benchmark, threads, impl):
    x = np.random.default_rng(3).standard_normal((32, 64, 64, 3), dtype=np.float32)
    tx = tf.constant(x)
    np.testing.assert_allclose(tf.image.resize(tx, [96, 96]).numpy(),
                               np_resize_bilinear(x, 96, 96), rtol=1e-5, atol=1e-5)
    benchmark.group = f"image.resize bilinear 32x64x64x3 -> 96x96, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(np_resize_bilinear, x, 96, 96)
        else:
            benchmark(tf.image.resize, tx, [96, 96])
