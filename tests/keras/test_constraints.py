"""keras.constraints (MaxNorm, NonNeg, UnitNorm, MinMaxNorm, RadialConstraint, get / serialize /
deserialize), tf.Variable(..., constraint=fn), the optimizers applying it after every update
rule, and the layers' ``*_constraint`` arguments (fit keeps the weights constrained, get_config
and model.save round trips).

Values against numpy versions of tf.keras' formulas (RadialConstraint: a line-by-line numpy port
of TF's while-loop construction), gradients of the constraints against finite differences
(float64) and second order, the loss gradients unaffected by a constraint, and bad input."""

import os
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tapegrad as tf
from tapegrad import keras
from tapegrad.keras import layers as L
from tapegrad.keras.saving import register_keras_serializable

C = keras.constraints
EPS = 1e-7
RNG = np.random.default_rng(7)


# -- numpy references (tf.keras 2's formulas) ----------------------------------------------------
def _norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=tuple(np.atleast_1d(axis)), keepdims=True))


def _clip(x, lo, hi):
    return np.clip(x, lo, max(hi, lo))


def np_max_norm(w, max_value=2, axis=0):
    n = _norms(w, axis)
    return w * (_clip(n, 0, max_value) / (EPS + n))


def np_non_neg(w):
    return w * (w >= 0).astype(w.dtype)


def np_unit_norm(w, axis=0):
    return w / (EPS + _norms(w, axis))


def np_min_max_norm(w, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
    n = _norms(w, axis)
    desired = rate * _clip(n, min_value, max_value) + (1 - rate) * n
    return w * (desired / (EPS + n))


def _tf_radial_kernel(kernel):
    """TF's RadialConstraint._kernel_constraint, step by step in numpy."""
    size = kernel.shape[0]
    start = int(size / 2)
    if size % 2:
        new = kernel[start - 1:start, start - 1:start]
        index = 0
    else:
        new = kernel[start - 1:start, start - 1:start] + np.zeros((2, 2), kernel.dtype)
        index = 1
    while index < start:
        new = np.pad(new, [[1, 1], [1, 1]], constant_values=kernel[start + index, start + index])
        index += 1
    return new


def np_radial(w):
    h, wd, c, k = w.shape
    flat = w.reshape(h, wd, c * k)
    out = np.stack([_tf_radial_kernel(flat[:, :, i]) for i in range(c * k)], axis=-1)
    return out.reshape(h, wd, c, k)


CASES = [
    ("MaxNorm", lambda: C.MaxNorm(), np_max_norm, (5, 4)),
    ("MaxNorm_small", lambda: C.MaxNorm(0.7, axis=1), lambda w: np_max_norm(w, 0.7, 1), (3, 6)),
    ("MaxNorm_conv", lambda: C.MaxNorm(1.5, axis=[0, 1, 2]), lambda w: np_max_norm(w, 1.5, [0, 1, 2]),
     (3, 3, 2, 4)),
    ("NonNeg", C.NonNeg, np_non_neg, (4, 5)),
    ("UnitNorm", C.UnitNorm, np_unit_norm, (5, 3)),
    ("UnitNorm_neg_axis", lambda: C.UnitNorm(axis=-1), lambda w: np_unit_norm(w, -1), (2, 3, 4)),
    ("MinMaxNorm", C.MinMaxNorm, np_min_max_norm, (6, 3)),
    ("MinMaxNorm_rate", lambda: C.MinMaxNorm(0.5, 1.2, rate=0.3, axis=[0, 1]),
     lambda w: np_min_max_norm(w, 0.5, 1.2, 0.3, [0, 1]), (3, 2, 4)),
    ("MinMaxNorm_max_below_min", lambda: C.MinMaxNorm(1.0, 0.5),  # Keras' clip: max becomes min
     lambda w: np_min_max_norm(w, 1.0, 1.0), (4, 3)),
    ("RadialConstraint_4", C.RadialConstraint, np_radial, (4, 4, 2, 3)),
    ("RadialConstraint_5", C.RadialConstraint, np_radial, (5, 5, 1, 2)),
    ("RadialConstraint_3", C.RadialConstraint, np_radial, (3, 3, 2, 2)),
    ("RadialConstraint_2", C.RadialConstraint, np_radial, (2, 2, 1, 1)),
    ("base_Constraint", C.Constraint, lambda w: w, (2, 3)),
]
IDS = [c[0] for c in CASES]


def _w(shape, dtype=np.float64, scale=1.5, seed=None):
    rng = RNG if seed is None else np.random.default_rng(seed)
    return (rng.standard_normal(shape) * scale).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,make,ref,shape", CASES, ids=IDS)
def test_values_against_numpy(name, make, ref, shape, dtype):
    w = _w(shape, dtype)
    w0 = w.copy()
    for arg in (w, tf.constant(w), tf.Variable(w)):
        out = make()(arg)
        out = out.numpy() if hasattr(out, "numpy") else np.asarray(out)
        assert out.dtype == dtype and out.shape == w.shape
        np.testing.assert_allclose(out, ref(w.astype(np.float64)),
                                   rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-7)
    np.testing.assert_array_equal(w, w0)  # the caller's array unchanged


def test_documented_properties():
    w = _w((6, 5), scale=3.0)
    assert np.all(np.linalg.norm(C.MaxNorm(2.0)(w).numpy(), axis=0) <= 2.0 + 1e-9)
    small = w * 0.01  # columns already within the bound are (all but epsilon) unchanged
    np.testing.assert_allclose(C.MaxNorm(2.0)(small).numpy(), small, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(C.UnitNorm()(w).numpy(), axis=0), 1.0, rtol=1e-6)
    n = np.linalg.norm(C.MinMaxNorm(0.5, 0.8)(w).numpy(), axis=0)
    assert np.all((n >= 0.5 - 1e-6) & (n <= 0.8 + 1e-6))
    assert np.all(C.NonNeg()(w).numpy() >= 0)
    # the 4x4 kernel of TF's code: the middle takes k[1, 1], the outer ring k[3, 3]
    k = np.arange(16.0).reshape(4, 4, 1, 1)
    got = C.RadialConstraint()(k).numpy()[:, :, 0, 0]
    want = np.full((4, 4), 15.0)
    want[1:3, 1:3] = 5.0
    np.testing.assert_array_equal(got, want)
    # a radially symmetric kernel is left as it is
    idx = np.abs(np.arange(6) - 2.5)
    sym = np.maximum(idx[:, None], idx[None, :])[:, :, None, None] * np.ones((1, 1, 2, 2))
    np.testing.assert_array_equal(C.RadialConstraint()(sym).numpy(), sym)


@settings(max_examples=40, deadline=None)
@given(w=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
                    elements=st.floats(-1e3, 1e3)),
       max_value=st.floats(0.0, 10.0), rate=st.floats(0.0, 1.0))
def test_hypothesis_against_numpy(w, max_value, rate):
    np.testing.assert_allclose(C.MaxNorm(max_value)(w).numpy(), np_max_norm(w, max_value),
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(C.MinMaxNorm(0.1, max_value, rate)(w).numpy(),
                               np_min_max_norm(w, 0.1, max_value, rate), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(C.UnitNorm(axis=-1)(w).numpy(), np_unit_norm(w, -1), rtol=1e-9,
                               atol=1e-12)
    np.testing.assert_array_equal(C.NonNeg()(w).numpy(), np_non_neg(w))


def test_epsilon_follows_the_backend():
    w = np.zeros((3, 2))  # zero columns: 0 / (epsilon + 0) stays 0, never NaN
    for c in (C.MaxNorm(), C.UnitNorm(), C.MinMaxNorm(1.0, 2.0)):
        assert np.all(c(w).numpy() == 0)


# -- gradients of the constraints --------------------------------------------------------------
def _fd_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(*x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g


GRAD_CASES = [c for c in CASES if c[0] not in ("NonNeg",)]


@pytest.mark.parametrize("name,make,ref,shape", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradient_and_second_order_against_finite_differences(name, make, ref, shape):
    c = make()
    w = _w(shape, seed=3)
    proj = np.random.default_rng(4).standard_normal(shape)

    def scalar(x):  # a smooth scalar of the constrained weight
        return float(np.sum(np.sin(ref(x)) * proj))

    x = tf.Variable(w)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.sin(c(x)) * proj)
        g = inner.gradient(y, x)
        gv = tf.reduce_sum(g * proj)
    np.testing.assert_allclose(float(y), scalar(w), rtol=1e-12)
    np.testing.assert_allclose(g.numpy(), _fd_grad(scalar, w), rtol=1e-5, atol=1e-7)
    # second order: d/dw of (grad . proj), against differences of the numpy gradient
    gg = outer.gradient(gv, x)

    def first(xv):
        v = tf.Variable(xv)
        with tf.GradientTape() as t:
            yy = tf.reduce_sum(tf.sin(c(v)) * proj)
        return float(tf.reduce_sum(t.gradient(yy, v) * proj))
    np.testing.assert_allclose(gg.numpy(), _fd_grad(first, w, 1e-5), rtol=1e-4, atol=1e-6)


def test_non_neg_gradient_is_the_mask():
    w = np.array([[1.5, -2.0], [0.0, 3.0]])
    x = tf.Variable(w)
    with tf.GradientTape() as t:
        y = tf.reduce_sum(C.NonNeg()(x) * 2.0)
    np.testing.assert_array_equal(t.gradient(y, x).numpy(), 2.0 * (w >= 0))


# -- tf.Variable(constraint=...) and the optimizers --------------------------------------------
def test_variable_stores_the_constraint_and_does_not_apply_it():
    c = C.NonNeg()
    v = tf.Variable([-1.0, 2.0], constraint=c)
    assert v.constraint is c
    np.testing.assert_array_equal(v.numpy(), [-1.0, 2.0])  # TF applies it only in optimizers
    assert tf.Variable(1.0).constraint is None
    v.assign([-3.0, -4.0])  # assign does not apply it either
    np.testing.assert_array_equal(v.numpy(), [-3.0, -4.0])
    f = tf.Variable(np.ones(3), trainable=False, name="f", dtype="float64", constraint=np.abs)
    assert f.constraint is np.abs and f.dtype == tf.float64 and not f.trainable


def test_variable_constraint_table_forgets_collected_variables():
    import gc
    from tapegrad import _variables
    before = len(_variables._CONSTRAINTS)
    vs = [tf.Variable(np.ones(2), constraint=C.NonNeg()) for _ in range(5)]
    assert len(_variables._CONSTRAINTS) == before + 5
    del vs
    gc.collect()
    assert len(_variables._CONSTRAINTS) == before


OPTIMIZERS = [
    ("SGD", lambda: keras.optimizers.SGD(0.3)),
    ("SGD_momentum", lambda: keras.optimizers.SGD(0.3, momentum=0.9)),
    ("SGD_nesterov", lambda: keras.optimizers.SGD(0.3, momentum=0.9, nesterov=True)),
    ("Adam", lambda: keras.optimizers.Adam(0.3)),
    ("Adam_amsgrad", lambda: keras.optimizers.Adam(0.3, amsgrad=True)),
    ("AdamW", lambda: keras.optimizers.AdamW(0.3)),
    ("RMSprop", lambda: keras.optimizers.RMSprop(0.3)),
    ("RMSprop_momentum", lambda: keras.optimizers.RMSprop(0.3, momentum=0.5)),
    ("RMSprop_centered", lambda: keras.optimizers.RMSprop(0.3, centered=True)),
    ("Adagrad", lambda: keras.optimizers.Adagrad(0.3)),
    ("Adadelta", lambda: keras.optimizers.Adadelta(30.0)),
    ("Adamax", lambda: keras.optimizers.Adamax(0.3)),
    ("Nadam", lambda: keras.optimizers.Nadam(0.3)),
    ("Ftrl", lambda: keras.optimizers.Ftrl(0.3)),
    ("Lion", lambda: keras.optimizers.Lion(0.3)),
    ("SGD_clipnorm", lambda: keras.optimizers.SGD(0.3, clipnorm=0.5)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,make", OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
def test_every_optimizer_applies_the_constraint_after_its_update(name, make, dtype):
    """After each step the constrained variable equals the constraint of what the same rule
    makes of an unconstrained twin that started from the same value."""
    w0 = _w((4, 3), dtype, seed=11)
    for constraint, ref in ((C.NonNeg(), np_non_neg), (C.MaxNorm(1.0), lambda w: np_max_norm(w, 1.0))):
        var = tf.Variable(w0, constraint=constraint)
        twin = tf.Variable(w0)
        free = tf.Variable(w0)  # a variable without a constraint, in the same call
        opt, opt_twin = make(), make()
        rng = np.random.default_rng(5)
        for step in range(3):
            twin.assign(var.numpy())
            g = rng.standard_normal(w0.shape).astype(dtype)
            before_free = free.numpy()
            opt.apply_gradients([(tf.constant(g), var), (tf.constant(g), free)])
            opt_twin.apply_gradients([(tf.constant(g), twin)])
            np.testing.assert_allclose(var.numpy(), ref(twin.numpy().astype(np.float64)),
                                       rtol=2e-5 if dtype == np.float32 else 1e-12, atol=1e-6)
            assert not np.array_equal(free.numpy(), before_free)
        assert int(opt.iterations) == 3
        assert var.numpy().dtype == dtype


def test_minimize_applies_the_constraint():
    var = tf.Variable([0.5, -0.2, 1.0], constraint=C.NonNeg())
    opt = keras.optimizers.SGD(1.0)
    opt.minimize(lambda: tf.reduce_sum(var * np.array([1.0, 1.0, -1.0], np.float32)), [var])
    np.testing.assert_allclose(var.numpy(), [0.0, 0.0, 2.0])


def test_loss_gradients_are_not_affected_by_a_constraint():
    w = _w((3, 2), seed=1)
    x = np.random.default_rng(2).standard_normal((5, 3))
    grads = []
    for c in (None, C.MaxNorm(0.1), C.NonNeg()):
        v = tf.Variable(w, constraint=c)
        with tf.GradientTape() as t:
            loss = tf.reduce_sum(tf.square(tf.matmul(x, v)))
        grads.append(t.gradient(loss, v).numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    np.testing.assert_array_equal(grads[0], grads[2])
    np.testing.assert_allclose(grads[0], 2 * x.T @ (x @ w), rtol=1e-12)


def test_apply_gradients_under_a_tape_records_no_constraint_ops():
    v = tf.Variable([1.0, -1.0], constraint=C.NonNeg())
    opt = keras.optimizers.SGD(0.1)
    with tf.GradientTape(persistent=True) as t:
        t.watch(v)
        opt.apply_gradients([(tf.constant([1.0, 1.0]), v)])
        y = tf.reduce_sum(v * 3.0)
    np.testing.assert_allclose(v.numpy(), [0.9, 0.0])
    np.testing.assert_allclose(t.gradient(y, v).numpy(), [3.0, 3.0])


# -- layers -------------------------------------------------------------------------------------
def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


LAYERS = [
    # (id, layer factory, input, {weight attribute: constraint argument})
    ("Dense", lambda **k: L.Dense(3, **k), _x(2, 4), {"kernel": "kernel_constraint", "bias": "bias_constraint"}),
    ("Conv1D", lambda **k: L.Conv1D(2, 3, **k), _x(1, 6, 2), {"kernel": "kernel_constraint", "bias": "bias_constraint"}),
    ("Conv2D", lambda **k: L.Conv2D(2, 3, **k), _x(1, 5, 5, 2), {"kernel": "kernel_constraint", "bias": "bias_constraint"}),
    ("Conv2DTranspose", lambda **k: L.Conv2DTranspose(2, 3, **k), _x(1, 4, 4, 2),
     {"kernel": "kernel_constraint", "bias": "bias_constraint"}),
    ("Conv1DTranspose", lambda **k: L.Conv1DTranspose(2, 3, **k), _x(1, 4, 2),
     {"kernel": "kernel_constraint", "bias": "bias_constraint"}),
    ("DepthwiseConv2D", lambda **k: L.DepthwiseConv2D(3, **k), _x(1, 5, 5, 2),
     {"depthwise_kernel": "depthwise_constraint", "bias": "bias_constraint"}),
    ("SeparableConv2D", lambda **k: L.SeparableConv2D(2, 3, **k), _x(1, 5, 5, 2),
     {"depthwise_kernel": "depthwise_constraint", "pointwise_kernel": "pointwise_constraint",
      "bias": "bias_constraint"}),
    ("Conv3D", lambda **k: L.Conv3D(2, 2, **k), _x(1, 3, 3, 3, 2), {"kernel": "kernel_constraint", "bias": "bias_constraint"}),
    ("Conv3DTranspose", lambda **k: L.Conv3DTranspose(2, 2, **k), _x(1, 2, 2, 2, 2),
     {"kernel": "kernel_constraint", "bias": "bias_constraint"}),
    ("DepthwiseConv1D", lambda **k: L.DepthwiseConv1D(3, **k), _x(1, 6, 2),
     {"depthwise_kernel": "depthwise_constraint", "bias": "bias_constraint"}),
    ("SeparableConv1D", lambda **k: L.SeparableConv1D(2, 3, **k), _x(1, 6, 2),
     {"depthwise_kernel": "depthwise_constraint", "pointwise_kernel": "pointwise_constraint",
      "bias": "bias_constraint"}),
    ("Embedding", lambda **k: L.Embedding(7, 3, **k), np.array([[1, 2, 6]]), {"embeddings": "embeddings_constraint"}),
    ("BatchNormalization", lambda **k: L.BatchNormalization(**k), _x(3, 4),
     {"gamma": "gamma_constraint", "beta": "beta_constraint"}),
    ("LayerNormalization", lambda **k: L.LayerNormalization(**k), _x(3, 4),
     {"gamma": "gamma_constraint", "beta": "beta_constraint"}),
    ("GroupNormalization", lambda **k: L.GroupNormalization(groups=2, **k), _x(3, 4),
     {"gamma": "gamma_constraint", "beta": "beta_constraint"}),
    ("SimpleRNN", lambda **k: L.SimpleRNN(3, **k), _x(2, 4, 2),
     {"kernel": "kernel_constraint", "recurrent_kernel": "recurrent_constraint", "bias": "bias_constraint"}),
    ("LSTM", lambda **k: L.LSTM(3, **k), _x(2, 4, 2),
     {"kernel": "kernel_constraint", "recurrent_kernel": "recurrent_constraint", "bias": "bias_constraint"}),
    ("GRU", lambda **k: L.GRU(3, **k), _x(2, 4, 2),
     {"kernel": "kernel_constraint", "recurrent_kernel": "recurrent_constraint", "bias": "bias_constraint"}),
    ("PReLU", lambda **k: L.PReLU(**k), _x(2, 4), {"alpha": "alpha_constraint"}),
]


@pytest.mark.parametrize("name,make,x,weights", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_constraints_reach_the_weights_and_round_trip(name, make, x, weights):
    args = {arg: C.MaxNorm(0.5 + i, axis=0) for i, arg in enumerate(weights.values())}
    layer = make(**args)
    layer(x)
    for attr, arg in weights.items():
        c = getattr(layer, arg)
        assert isinstance(c, C.MaxNorm) and c is args[arg]
        assert getattr(layer, attr).constraint is c, f"{name}.{attr} lacks its {arg}"
    cfg = layer.get_config()
    for arg in weights.values():
        assert cfg[arg]["class_name"] == "MaxNorm"
        assert cfg[arg]["config"] == args[arg].get_config()
    again = type(layer).from_config(cfg)
    again(x)
    for attr, arg in weights.items():
        c = getattr(again, attr).constraint
        assert isinstance(c, C.MaxNorm) and c.get_config() == args[arg].get_config()
    assert again.get_config() == cfg
    # names work too, and no constraint serializes as None
    plain = make(**{arg: "non_neg" for arg in weights.values()})
    assert all(isinstance(getattr(plain, arg), C.NonNeg) for arg in weights.values())
    assert all(make().get_config()[arg] is None for arg in weights.values())


def test_multi_head_attention_constraints():
    mha = L.MultiHeadAttention(2, 3, kernel_constraint="non_neg", bias_constraint=C.MaxNorm(0.1))
    q = _x(2, 4, 5)
    mha(q, q)
    kernels = [w for w in mha.weights if w.name.endswith("kernel:0") or "kernel" in w.name]
    biases = [w for w in mha.weights if "bias" in w.name]
    assert len(kernels) == 4 and len(biases) == 4
    assert all(isinstance(w.constraint, C.NonNeg) for w in kernels)
    assert all(isinstance(w.constraint, C.MaxNorm) for w in biases)
    again = L.MultiHeadAttention.from_config(mha.get_config())
    assert isinstance(again.kernel_constraint, C.NonNeg)
    assert again.bias_constraint.get_config() == {"max_value": 0.1, "axis": 0}


def test_add_weight_takes_a_constraint():
    class Scale(L.Layer):
        def build(self, input_shape):
            self.w = self.add_weight("w", (input_shape[-1],), "ones", constraint="non_neg")

        def call(self, x):
            return x * self.w

    s = Scale()
    s(np.ones((1, 3), np.float32))
    assert isinstance(s.w.constraint, C.NonNeg)
    opt = keras.optimizers.SGD(1.0)
    opt.apply_gradients([(tf.constant([2.0, 0.5, -1.0]), s.w)])
    np.testing.assert_allclose(s.w.numpy(), [0.0, 0.5, 2.0])


def _regression(seed=0, n=256, d=6):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    # a target that needs negative and large weights, so the constraints have work to do
    y = (x @ (rng.standard_normal((d, 1)) * 4) - 3 * x[:, :1]).astype(np.float32)
    return x, y


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
def test_fit_keeps_dense_kernels_constrained(optimizer):
    tf.random.set_seed(0)
    x, y = _regression()
    model = keras.Sequential([
        keras.Input(shape=(6,)),
        L.Dense(8, kernel_constraint="non_neg", bias_constraint=C.NonNeg()),
        L.Dense(1, kernel_constraint=C.MaxNorm(0.5)),
    ])
    model.compile(optimizer=keras.optimizers.get({"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}[optimizer]),
                  loss="mse")
    model.optimizer.learning_rate = 0.05
    first, second = model.layers
    assert first.kernel.numpy().min() < 0  # glorot init: the constraint has something to do
    model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    assert first.kernel.numpy().min() >= 0 and first.bias.numpy().min() >= 0
    assert np.linalg.norm(second.kernel.numpy(), axis=0).max() <= 0.5 + 1e-6
    # and training did move the weights
    assert np.count_nonzero(first.kernel.numpy()) > 0


def test_fit_keeps_conv_embedding_and_recurrent_weights_constrained():
    tf.random.set_seed(1)
    rng = np.random.default_rng(1)
    img = rng.standard_normal((64, 6, 6, 2)).astype(np.float32)
    target = img.mean(axis=(1, 2, 3))[:, None] * 5
    conv = keras.Sequential([
        keras.Input(shape=(6, 6, 2)),
        L.Conv2D(4, 3, kernel_constraint=C.MaxNorm(0.3, axis=[0, 1, 2])),
        L.BatchNormalization(gamma_constraint=C.MinMaxNorm(0.5, 0.9), beta_constraint="non_neg"),
        L.Flatten(), L.Dense(1)])
    conv.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    conv.fit(img, target, epochs=2, batch_size=16, verbose=0)
    k = conv.layers[0].kernel.numpy()
    assert np.sqrt((k ** 2).sum(axis=(0, 1, 2))).max() <= 0.3 + 1e-6
    bn = conv.layers[1]
    assert 0.5 - 1e-6 <= np.linalg.norm(bn.gamma.numpy()) <= 0.9 + 1e-6  # axis 0: the whole vector
    assert bn.beta.numpy().min() >= 0

    ids = rng.integers(0, 10, (64, 5))
    seq = keras.Sequential([
        keras.Input(shape=(5,)),
        L.Embedding(10, 4, embeddings_constraint=C.UnitNorm(axis=1)),
        L.LSTM(3, recurrent_constraint=C.MaxNorm(0.2), kernel_constraint="non_neg"),
        L.Dense(1)])
    seq.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    seq.fit(ids, rng.standard_normal((64, 1)).astype(np.float32), epochs=2, batch_size=16, verbose=0)
    emb = seq.layers[0].embeddings.numpy()
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, rtol=1e-5)
    lstm = seq.layers[1]
    assert np.linalg.norm(lstm.recurrent_kernel.numpy(), axis=0).max() <= 0.2 + 1e-6
    assert lstm.kernel.numpy().min() >= 0


@register_keras_serializable(package="tapegrad_test_constraints")
def clip_unit(w):
    """A custom constraint function (registered, so models that use it can be saved)."""
    return tf.clip_by_value(w, -1.0, 1.0)


def test_model_save_and_load_keeps_constraints(tmp_path):
    tf.random.set_seed(2)
    x, y = _regression(seed=2, n=64)
    model = keras.Sequential([
        keras.Input(shape=(6,)),
        L.Dense(5, kernel_constraint=C.MaxNorm(0.8), bias_constraint=clip_unit),
        L.Dense(1, kernel_constraint="non_neg")])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    a, b = loaded.layers
    assert isinstance(a.kernel.constraint, C.MaxNorm) and a.kernel.constraint.max_value == 0.8
    assert a.bias.constraint is clip_unit
    assert isinstance(b.kernel.constraint, C.NonNeg)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    loaded.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert np.linalg.norm(a.kernel.numpy(), axis=0).max() <= 0.8 + 1e-6
    assert b.kernel.numpy().min() >= 0
    # the config of the model, through JSON and back
    again = keras.Sequential.from_config(model.get_config())
    assert isinstance(again.layers[0].kernel_constraint, C.MaxNorm)


# -- get / serialize / deserialize --------------------------------------------------------------
@pytest.mark.parametrize("name,cls", [
    ("max_norm", C.MaxNorm), ("MaxNorm", C.MaxNorm), ("maxnorm", C.MaxNorm), ("non_neg", C.NonNeg),
    ("NonNeg", C.NonNeg), ("nonneg", C.NonNeg), ("unit_norm", C.UnitNorm), ("UnitNorm", C.UnitNorm),
    ("unitnorm", C.UnitNorm), ("min_max_norm", C.MinMaxNorm), ("MinMaxNorm", C.MinMaxNorm),
    ("radial_constraint", C.RadialConstraint), ("RadialConstraint", C.RadialConstraint)])
def test_get_by_name(name, cls):
    c = C.get(name)
    assert type(c) is cls
    assert c.get_config() == cls().get_config()


def test_aliases_defaults_and_configs():
    assert C.max_norm is C.MaxNorm and C.non_neg is C.NonNeg and C.unit_norm is C.UnitNorm
    assert C.min_max_norm is C.MinMaxNorm and C.radial_constraint is C.RadialConstraint
    assert C.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    assert C.UnitNorm().get_config() == {"axis": 0}
    assert C.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}
    assert C.NonNeg().get_config() == {} and C.RadialConstraint().get_config() == {}
    for c in (C.MaxNorm(3.5, axis=[0, 1]), C.UnitNorm(-1), C.MinMaxNorm(0.2, 3, 0.5, 1), C.NonNeg(),
              C.RadialConstraint(), C.Constraint()):
        cfg = C.serialize(c)
        assert cfg["class_name"] == type(c).__name__ and cfg["module"] == "tapegrad.keras.constraints"
        back = C.get(cfg)
        assert type(back) is type(c) and back.get_config() == c.get_config()
        assert C.deserialize(cfg).get_config() == c.get_config()
        assert type(c).from_config(c.get_config()).get_config() == c.get_config()
    # Keras 2's layout (no module)
    old = C.get({"class_name": "MaxNorm", "config": {"max_value": 3, "axis": [0, 1]}})
    assert isinstance(old, C.MaxNorm) and old.max_value == 3 and old.axis == [0, 1]
    assert C.get(None) is None and C.serialize(None) is None
    c = C.UnitNorm()
    assert C.get(c) is c
    assert C.get(np.abs) is np.abs
    assert isinstance(C.get(C.NonNeg), C.NonNeg)


def test_custom_constraint_class_through_custom_objects():
    class Clip(C.Constraint):
        def __init__(self, limit=1.0):
            self.limit = limit

        def __call__(self, w):
            return tf.clip_by_value(w, -self.limit, self.limit)

        def get_config(self):
            return {"limit": self.limit}

    cfg = C.serialize(Clip(0.25))
    with pytest.raises(ValueError, match="Could not interpret constraint function identifier"):
        C.get(cfg)
    got = C.deserialize(cfg, custom_objects={"Clip": Clip})
    assert isinstance(got, Clip) and got.limit == 0.25
    with keras.saving.custom_object_scope({"Clip": Clip}):
        assert C.get(cfg).limit == 0.25
        assert isinstance(C.get("Clip"), Clip)
        d = L.Dense(2, kernel_constraint=cfg)
        assert d.kernel_constraint.limit == 0.25


# -- bad input ----------------------------------------------------------------------------------
def test_bad_identifiers():
    with pytest.raises(ValueError, match=re.escape("Unknown constraint: 'no_such_thing'")):
        C.get("no_such_thing")
    with pytest.raises(ValueError, match="Could not interpret constraint function identifier: 5"):
        C.get(5)
    with pytest.raises(ValueError, match="Could not interpret constraint function identifier"):
        C.get({"class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match=re.escape("Unknown constraint: 'maxnorms'")):
        L.Dense(2, kernel_constraint="maxnorms")
    with pytest.raises(ValueError, match="Could not interpret constraint function identifier: 3.5"):
        L.Conv2D(2, 3, bias_constraint=3.5)
    with pytest.raises(ValueError, match=re.escape("Unknown constraint: 'x'")):
        L.LSTM(2, recurrent_constraint="x")
    with pytest.raises(ValueError, match="Variable: argument `constraint` must be None or a callable, got int: 5"):
        tf.Variable(1.0, constraint=5)
    with pytest.raises(ValueError, match="must be None or a callable, got str"):
        tf.Variable([1.0], constraint="non_neg")  # TF takes callables only (names are Keras')


def test_bad_constructor_arguments():
    with pytest.raises(TypeError, match="MaxNorm: argument `max_value` must be a number, got 'a'"):
        C.MaxNorm("a")
    with pytest.raises(TypeError, match="MaxNorm: argument `max_value` must be a number, got True"):
        C.MaxNorm(True)
    with pytest.raises(ValueError, match="MinMaxNorm: argument `rate` must not be NaN"):
        C.MinMaxNorm(rate=float("nan"))
    with pytest.raises(TypeError, match=re.escape("UnitNorm: argument `axis` must be an int or a non-empty list of ints, got 1.5")):
        C.UnitNorm(axis=1.5)
    with pytest.raises(TypeError, match="MaxNorm: argument `axis`"):
        C.MaxNorm(axis=[])
    with pytest.raises(TypeError, match="MinMaxNorm: argument `axis`"):
        C.MinMaxNorm(axis=None)


def test_bad_weights():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=re.escape("MaxNorm: axis 2 is out of range for a weight of shape (3, 4) (rank 2)")):
        C.MaxNorm(axis=2)(np.ones((3, 4)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="UnitNorm: axis \\[0, -3\\] is out of range"):
        C.UnitNorm(axis=[0, -3])(np.ones((3, 4)))
    with pytest.raises(ValueError, match=re.escape("RadialConstraint: the weight tensor must have rank 4")):
        C.RadialConstraint()(np.ones((3, 3)))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=re.escape("RadialConstraint: the kernel must be square and at least 2x2 (rows == cols >= 2), got shape (3, 4, 1, 1)")):
        C.RadialConstraint()(np.ones((3, 4, 1, 1)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="at least 2x2"):
        C.RadialConstraint()(np.ones((1, 1, 2, 2)))
    with pytest.raises(TypeError, match="NonNeg: expected a floating-point weight tensor, got dtype int32"):
        C.NonNeg()(np.array([1, -2], np.int32))
    with pytest.raises(ValueError, match=re.escape("MaxNorm: attempt to convert a value (None)")):
        C.MaxNorm()(None)  # TF's convert_to_tensor error


def test_a_constraint_of_the_wrong_shape_is_refused_by_assign():
    v = tf.Variable([1.0, -2.0], constraint=lambda w: tf.zeros((3,)))
    with pytest.raises(ValueError, match=re.escape("cannot assign a value of shape (3,) to Variable")):
        keras.optimizers.SGD(0.1).apply_gradients([(tf.constant([1.0, 1.0]), v)])
