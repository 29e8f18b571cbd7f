"""Composing models: tf.Module's variable discovery, Keras layers that hold layers and Variables
(tracked as Keras does), layers of several inputs, the merging layers, Lambda, TimeDistributed,
Bidirectional and the weight regularizers. Values against numpy, gradients against finite
differences where a layer computes something of its own."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.testing import check_gradients

L = keras.layers
RNG = np.random.default_rng(7)


# -- tf.Module ----------------------------------------------------------------------------------

class Dense(tf.Module):
    def __init__(self, n_in, n_out, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(RNG.standard_normal((n_in, n_out)).astype(np.float32), name="w")
        self.b = tf.Variable(np.zeros(n_out, np.float32), name="b")

    def __call__(self, x):
        return tf.nn.relu(x @ self.w + self.b)


class MLP(tf.Module):
    def __init__(self):
        super().__init__()
        self.layers = [Dense(3, 4), Dense(4, 2)]
        self.scale = tf.Variable(2.0, trainable=False, name="scale")

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x * self.scale


def test_module_finds_variables_and_submodules():
    m = MLP()
    assert m.name == "mlp"
    assert len(m.variables) == 5
    assert len(m.trainable_variables) == 4 and m.non_trainable_variables == (m.scale,)
    assert isinstance(m.variables, tuple)
    # TF's order: this module's own attributes (sorted by name) first, then each sub-module's
    assert m.variables[0] is m.scale
    assert [v.name for v in m.variables[1:]] == ["b:0", "w:0", "b:0", "w:0"]
    assert m.submodules == tuple(m.layers)


def test_module_trains_with_a_tape():
    m = MLP()
    x = RNG.standard_normal((5, 3)).astype(np.float32)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(m(x))
    grads = tape.gradient(loss, m.trainable_variables)
    assert all(g is not None for g in grads)
    assert [tuple(g.shape) for g in grads] == [tuple(v.shape) for v in m.trainable_variables]


def test_module_each_variable_once_and_cycles():
    a = Dense(2, 2)
    outer = tf.Module(name="outer")
    outer.x = a
    outer.y = {"again": a, "list": [a.w]}
    a.parent = outer  # a cycle
    assert len(outer.variables) == 2
    assert outer.submodules == (a,)


def test_module_holding_keras_layers():
    m = tf.Module()
    m.dense = L.Dense(3)
    m.dense(np.ones((1, 2), np.float32))
    assert {v.name for v in m.trainable_variables} == {w.name for w in m.dense.weights}
    assert isinstance(m.dense, tf.Module)


@pytest.mark.parametrize("bad", ["has space", "1abc", "a/b", 3])
def test_module_bad_name(bad):
    with pytest.raises(ValueError, match="not a valid module name"):
        tf.Module(name=bad)


# -- layers that hold layers --------------------------------------------------------------------

class Block(L.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.inner = L.Dense(4, activation="relu")
        self.heads = [L.Dense(2), L.Dense(1)]
        self.gain = tf.Variable(1.5, name="gain")

    def call(self, x):
        h = self.inner(x) * self.gain
        return tf.concat([head(h) for head in self.heads], axis=-1)


def test_layer_tracks_sublayers_and_variables_in_keras_order():
    block = Block()
    y = block(RNG.standard_normal((3, 5)).astype(np.float32))
    assert tuple(y.shape) == (3, 3)
    names = [w.name.split("/")[-1] for w in block.weights]
    # own Variables first, then the sub-layers in attribute order
    assert names == ["gain:0", "kernel:0", "bias:0", "kernel:0", "bias:0", "kernel:0", "bias:0"]
    assert block.count_params() == 1 + 5 * 4 + 4 + 4 * 2 + 2 + 4 + 1


def test_frozen_sublayer_and_frozen_outer_layer():
    block = Block()
    block(np.ones((1, 5), np.float32))
    block.heads[0].trainable = False
    assert len(block.trainable_weights) == 5 and len(block.non_trainable_weights) == 2
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == 7


def test_custom_layer_trains_in_sequential():
    x = RNG.standard_normal((64, 5)).astype(np.float32)
    y = x[:, :3].sum(axis=1, keepdims=True).repeat(3, axis=1).astype(np.float32)
    tf.random.set_seed(0)
    model = keras.Sequential([keras.Input(shape=(5,)), Block()])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    first = model.evaluate(x, y, verbose=0)
    before = [w.copy() for w in model.get_weights()]
    model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.5 * first
    # every tracked weight was trained, including the sub-layers' and the attribute Variable
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


class TwoInputs(L.Layer):
    def build(self, input_shape):
        self.seen_shape = input_shape
        self.w = self.add_weight("w", (input_shape[0][-1], input_shape[1][-1]))

    def call(self, inputs, scale=1.0):
        a, b = inputs
        return tf.reduce_sum((a @ self.w) * b, axis=-1) * scale


def test_layer_with_a_list_of_inputs_and_extra_arguments():
    layer = TwoInputs()
    a = RNG.standard_normal((4, 3))
    b = RNG.standard_normal((4, 2))
    out = layer([a, b], scale=2.0)
    assert layer.seen_shape == [(4, 3), (4, 2)]
    assert layer.input_shape == [(None, 3), (None, 2)]
    w = layer.w.numpy().astype(np.float64)
    np.testing.assert_allclose(out.numpy(), 2.0 * ((a @ w) * b).sum(-1), rtol=1e-5)


# -- merging layers -----------------------------------------------------------------------------

A = RNG.standard_normal((3, 4)).astype(np.float32)
B = RNG.standard_normal((3, 4)).astype(np.float32)
C = RNG.standard_normal((3, 1)).astype(np.float32)

MERGES = [
    (L.Add, lambda *xs: sum(xs)),
    (L.Multiply, lambda *xs: np.prod(np.broadcast_arrays(*xs), axis=0)),
    (L.Average, lambda *xs: sum(xs) / len(xs)),
    (L.Maximum, lambda *xs: np.maximum.reduce(np.broadcast_arrays(*xs))),
    (L.Minimum, lambda *xs: np.minimum.reduce(np.broadcast_arrays(*xs))),
]


@pytest.mark.parametrize("cls, ref", MERGES, ids=[c.__name__ for c, _ in MERGES])
def test_elementwise_merges(cls, ref):
    np.testing.assert_allclose(cls()([A, B]).numpy(), ref(A, B), rtol=1e-6)
    np.testing.assert_allclose(cls()([A, B, C]).numpy(), ref(A, B, C), rtol=1e-6)
    assert cls().compute_output_shape([(None, 4), (None, 1)]) == (None, 4)


@pytest.mark.parametrize("cls", [L.Add, L.Multiply, L.Average, L.Subtract])
def test_merge_gradients(cls):
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))
    layer = cls(dtype="float64")
    check_gradients(lambda x, y: layer([x, y]), [a, b])


def test_subtract_and_concatenate_and_dot():
    np.testing.assert_allclose(L.Subtract()([A, B]).numpy(), A - B, rtol=1e-6)
    np.testing.assert_allclose(L.Concatenate()([A, C]).numpy(), np.concatenate([A, C], -1))
    np.testing.assert_allclose(L.Concatenate(axis=0)([A, B]).numpy(), np.concatenate([A, B], 0))
    assert L.Concatenate().compute_output_shape([(None, 4), (None, 1)]) == (None, 5)
    # Keras' documented Dot example: x (5, 2) = arange(10), y (5, 2) = arange(10, 20), axes=1
    x = np.arange(10, dtype=np.float32).reshape(1, 5, 2)
    y = np.arange(10, 20, dtype=np.float32).reshape(1, 2, 5)
    np.testing.assert_allclose(L.Dot(axes=(1, 2))([x, y]).numpy(), [[[260, 360], [320, 445]]])
    np.testing.assert_allclose(L.Dot(axes=1)([A, B]).numpy(), (A * B).sum(1, keepdims=True),
                               rtol=1e-5)
    cos = L.Dot(axes=1, normalize=True)([A, B]).numpy()
    want = (A * B).sum(1) / np.linalg.norm(A, axis=1) / np.linalg.norm(B, axis=1)
    np.testing.assert_allclose(cos.ravel(), want, rtol=1e-5)
    p, q = RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 5, 4))
    np.testing.assert_allclose(L.Dot(axes=2, dtype="float64")([p, q]).numpy(),
                               np.einsum("bnd,bmd->bnm", p, q), rtol=1e-12)
    check_gradients(lambda u, v: L.Dot(axes=2, dtype="float64")([u, v]), [p, q])


@pytest.mark.parametrize("make, inputs, match", [
    (L.Add, [A, np.ones((3, 5), np.float32)], r"compatible shapes, got \[\(3, 4\), \(3, 5\)\]"),
    (L.Add, [A], "at least 2"),
    (L.Subtract, [A, B, A], "exactly 2"),
    (L.Concatenate, [A, np.ones((2, 4), np.float32)], "matching shapes except for the concatenation axis"),
    (lambda: L.Dot(axes=1), [A, np.ones((3, 5), np.float32)], "incompatible input shapes"),
    (lambda: L.Dot(axes=0), [A, B], "batch axis"),
])
def test_merge_bad_input(make, inputs, match):
    copies = [x.copy() for x in inputs]
    with pytest.raises(ValueError, match=match):
        make()(inputs)
    for x, c in zip(inputs, copies):
        np.testing.assert_array_equal(x, c)


# -- wrappers -----------------------------------------------------------------------------------

def test_lambda():
    layer = L.Lambda(lambda x, k: x * k, arguments={"k": 3.0})
    np.testing.assert_allclose(layer(A).numpy(), 3 * A, rtol=1e-6)
    model = keras.Sequential([keras.Input(shape=(4,)), L.Lambda(lambda x: x[:, :2]), L.Dense(1)])
    assert tuple(model(A).shape) == (3, 1)
    with pytest.raises(TypeError, match="callable"):
        L.Lambda(3)


def test_time_distributed_matches_per_step_layer():
    x = RNG.standard_normal((2, 5, 3)).astype(np.float32)
    td = L.TimeDistributed(L.Dense(4))
    y = td(x).numpy()
    k, b = (w.numpy() for w in td.layer.weights)
    np.testing.assert_allclose(y, x @ k + b, rtol=1e-5, atol=1e-6)
    assert td.compute_output_shape((None, 5, 3)) == (None, 5, 4)
    assert len(td.trainable_weights) == 2
    with pytest.raises(ValueError, match="rank >= 3"):
        L.TimeDistributed(L.Dense(2))(A)


@pytest.mark.parametrize("mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("sequences", [False, True])
def test_bidirectional_against_two_layers(mode, sequences):
    x = RNG.standard_normal((2, 6, 3)).astype(np.float32)
    bi = L.Bidirectional(L.GRU(4, return_sequences=sequences), merge_mode=mode)
    out = bi(x)
    fwd = L.GRU(4, return_sequences=sequences)
    bwd = L.GRU(4, return_sequences=sequences, go_backwards=True)
    fwd(x), bwd(x)
    fwd.set_weights(bi.forward_layer.get_weights())
    bwd.set_weights(bi.backward_layer.get_weights())
    f, b = fwd(x).numpy(), bwd(x).numpy()
    if sequences:
        b = b[:, ::-1]
    want = {"concat": lambda: np.concatenate([f, b], -1), "sum": lambda: f + b,
            "mul": lambda: f * b, "ave": lambda: (f + b) / 2, None: lambda: [f, b]}[mode]()
    if mode is None:
        np.testing.assert_allclose(out[0].numpy(), want[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(out[1].numpy(), want[1], rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_allclose(out.numpy(), want, rtol=1e-5, atol=1e-6)
    assert [w.name.split("/")[0] for w in bi.weights][::3] == [bi.forward_layer.name,
                                                               bi.backward_layer.name]
    assert bi.forward_layer.name.startswith("forward_")


def test_bidirectional_return_state_and_errors():
    x = RNG.standard_normal((2, 4, 3)).astype(np.float32)
    out = L.Bidirectional(L.LSTM(5, return_state=True))(x)
    assert [tuple(t.shape) for t in out] == [(2, 10)] + [(2, 5)] * 4
    with pytest.raises(ValueError, match="recurrent layer"):
        L.Bidirectional(L.Dense(3))
    with pytest.raises(ValueError, match="merge mode"):
        L.Bidirectional(L.LSTM(2), merge_mode="max")


def test_bidirectional_gradient():
    x = RNG.standard_normal((2, 3, 2))
    bi = L.Bidirectional(L.SimpleRNN(3, return_sequences=True, dtype="float64"), dtype="float64")
    check_gradients(lambda t: bi(t), [x])


# -- regularizers -------------------------------------------------------------------------------

def test_regularizer_values():
    w = RNG.standard_normal((3, 4))
    t = tf.constant(w)
    np.testing.assert_allclose(keras.regularizers.L1(0.1)(t).numpy(), 0.1 * np.abs(w).sum())
    np.testing.assert_allclose(keras.regularizers.L2(0.2)(t).numpy(), 0.2 * (w ** 2).sum())
    np.testing.assert_allclose(keras.regularizers.L1L2(0.1, 0.2)(t).numpy(),
                               0.1 * np.abs(w).sum() + 0.2 * (w ** 2).sum())
    assert float(keras.regularizers.L1L2()(t)) == 0.0
    assert keras.regularizers.L2().l2 == 0.01 and keras.regularizers.L1().l1 == 0.01
    assert isinstance(keras.regularizers.get("l1_l2"), keras.regularizers.L1L2)
    cfg = keras.regularizers.serialize(keras.regularizers.L2(0.3))
    assert keras.regularizers.get(cfg).l2 == 0.3
    with pytest.raises(ValueError, match="l2"):
        keras.regularizers.L2(-1.0)
    with pytest.raises(ValueError, match="regularizer identifier"):
        keras.regularizers.get("nope")


def test_layer_losses_from_regularizers():
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    d = L.Dense(2, kernel_regularizer=keras.regularizers.L2(0.1), bias_regularizer="l1",
                activity_regularizer=keras.regularizers.L1(0.5))
    y = d(x)
    k, b = d.kernel.numpy(), d.bias.numpy()
    got = [float(v) for v in d.losses]
    want = [0.5 * np.abs(y.numpy()).sum() / 4, 0.1 * (k ** 2).sum(), 0.01 * np.abs(b).sum()]
    np.testing.assert_allclose(got, want, rtol=1e-5)
    d.trainable = False  # a frozen layer's weights add no penalty; the activity term stays
    assert len(d.losses) == 1
    conv = L.Conv2D(2, 3, kernel_regularizer="l2")
    conv(np.ones((1, 5, 5, 1), np.float32))
    np.testing.assert_allclose(float(conv.losses[0]), 0.01 * (conv.kernel.numpy() ** 2).sum(),
                               rtol=1e-5)


def test_regularizer_gradient_through_losses():
    d = L.Dense(2, kernel_regularizer=keras.regularizers.L2(0.5), use_bias=False, dtype="float64")
    x = np.zeros((1, 3))
    with tf.GradientTape() as tape:
        d(x)
        penalty = tf.add_n(d.losses)
    g = tape.gradient(penalty, d.kernel)
    np.testing.assert_allclose(g.numpy(), 2 * 0.5 * d.kernel.numpy(), rtol=1e-12)


def test_sublayer_losses_collected():
    class Outer(L.Layer):
        def __init__(self):
            super().__init__()
            self.d = L.Dense(2, kernel_regularizer="l2")

        def call(self, x):
            self.add_loss(tf.reduce_mean(x))
            return self.d(x)

    o = Outer()
    o(np.ones((2, 3), np.float32))
    assert len(o.losses) == 2
    np.testing.assert_allclose(float(o.losses[0]), 1.0)
