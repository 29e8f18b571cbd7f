"""Parity with TF 2.21 / Keras 3.15.1 for the layers and optimizers added in session 23:
RMSNormalization, AdditiveAttention, EinsumDense, SpatialDropout1D/2D/3D, the optimizers
Adafactor and Lamb, and Keras 3's optimizer state API (``iterations`` as an int64 Variable,
``variables``, ``build``, ``apply``).

Every array in ``TF`` at the end of this file is TF 2.21's output (``tf.keras`` = Keras
3.15.1, float32, CPU), rounded to 7 significant digits. The inputs, weights and gradients are
the closed-form ``_data`` below, identical in both runs, so no TF is needed here. Layer
cases: the output(s), the gradient of ``sum(out_i * _data(out_i.shape, 99 + i))`` w.r.t. every
input and every trainable weight. Optimizer cases: the three variables after the first and
the last ``apply_gradients`` step.
"""

import json

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.keras.saving import deserialize_keras_object, serialize_keras_object

L = keras.layers
O = keras.optimizers
RTOL, ATOL = 1e-5, 1e-6


def _data(shape, k=0, scale=1.0):
    n = int(np.prod(shape))
    return (np.sin(np.arange(n) * 0.37 + k) * scale).reshape(shape).astype("float32")


def _a(shape, values):
    return np.array(values, dtype=np.float64).reshape(shape)


X = _data((2, 3, 4), 1, 1.5)
X2 = _data((2, 4), 2, 1.2)
Q, V, K = _data((2, 3, 4), 3, 1.1), _data((2, 5, 4), 4, 0.9), _data((2, 5, 4), 5, 1.0)
QM = np.array([[True, True, False], [True, True, True]])
VM = np.array([[True, True, True, False, False], [True, False, True, True, True]])


# -- layers ----------------------------------------------------------------------------------

LAYER_CASES = {
    "rms_default": (lambda: L.RMSNormalization(), [X], {}),
    "rms_axes": (lambda: L.RMSNormalization(axis=[2, 1], epsilon=1e-3), [X], {}),
    "rms_2d": (lambda: L.RMSNormalization(epsilon=0.5), [X2], {}),
    "add_att": (lambda: L.AdditiveAttention(), [Q, V], {}),
    "add_att_key_mask": (lambda: L.AdditiveAttention(use_scale=False), [Q, V, K],
                         dict(mask=[QM, VM], return_attention_scores=True)),
    "add_att_causal": (lambda: L.AdditiveAttention(), [Q, V, K],
                       dict(mask=[None, VM], use_causal_mask=True, return_attention_scores=True)),
    "ed_dense": (lambda: L.EinsumDense("ab,bc->ac", 3, bias_axes="c"), [X2], {}),
    "ed_heads": (lambda: L.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de",
                                       activation="tanh"), [X], {}),
    "ed_left_ellipsis": (lambda: L.EinsumDense("...b,bc->...c", 5), [X], {}),
    "ed_right_ellipsis": (lambda: L.EinsumDense("ab...,bc->ac...", 5, bias_axes="c"), [X], {}),
    "ed_bias_b": (lambda: L.EinsumDense("abc,cd->abd", (3, 6), bias_axes="b", activation="relu"),
                  [X], {}),
}


def _run_layer(layer, inputs, kwargs):
    """Outputs, d(loss)/d(inputs), d(loss)/d(trainable weights), with TF's weights
    (``_data`` of each weight's shape) set after the first call."""
    xs = [tf.constant(v) for v in inputs]
    arg = xs if len(xs) > 1 else xs[0]
    layer(arg, **kwargs)
    layer.set_weights([_data(tuple(w.shape), 10 + i, 0.8) for i, w in enumerate(layer.weights)])
    with tf.GradientTape(persistent=True) as tape:
        for x in xs:
            tape.watch(x)
        y = layer(arg, **kwargs)
        ys = y if isinstance(y, (tuple, list)) else (y,)
        loss = tf.add_n([tf.reduce_sum(t * _data(tuple(t.shape), 99 + i)) for i, t in enumerate(ys)])
    dx = tape.gradient(loss, xs)
    dw = tape.gradient(loss, layer.trainable_weights)
    return [t.numpy() for t in ys], [g.numpy() for g in dx], [g.numpy() for g in dw]


@pytest.mark.parametrize("tag", sorted(LAYER_CASES))
def test_layer_outputs_and_gradients_match_tf(tag):
    make, inputs, kwargs = LAYER_CASES[tag]
    want = TF[tag]
    layer = make()
    out, dx, dw = _run_layer(layer, inputs, kwargs)
    # weight names, shapes and order (Keras 3's names; tapegrad's are '<layer>/<name>:0')
    assert [(w.name.split("/")[-1].split(":")[0], tuple(w.shape)) for w in layer.weights] == \
        want["weights"]
    for got, ref, what in ((out, want["out"], "output"), (dx, want["dx"], "d/dinput"),
                           (dw, want["dw"], "d/dweight")):
        assert len(got) == len(ref), what
        for i, (g, r) in enumerate(zip(got, ref)):
            np.testing.assert_allclose(g, r, rtol=RTOL, atol=ATOL, err_msg=f"{tag} {what} {i}")
    shapes = [(None,) + v.shape[1:] for v in inputs]
    assert layer.compute_output_shape(shapes if len(shapes) > 1 else shapes[0]) == \
        want["compute_output_shape"]


@pytest.mark.parametrize("tag", sorted(LAYER_CASES))
def test_layer_config_round_trip(tag):
    make, inputs, kwargs = LAYER_CASES[tag]
    layer = make()
    out = _run_layer(layer, inputs, kwargs)[0]
    cfg = layer.get_config()
    for clone in (type(layer).from_config(cfg),
                  deserialize_keras_object(json.loads(json.dumps(serialize_keras_object(layer))))):
        assert type(clone) is type(layer) and clone.get_config() == cfg
        again = _run_layer(clone, inputs, kwargs)[0]  # same _data weights
        for a, b in zip(again, out):
            np.testing.assert_array_equal(a, b)


def test_layer_configs_hold_keras_keys_and_values():
    # TF 2.21's get_config() of the same layers (name and dtype left out); tapegrad leaves out
    # EinsumDense's activity_regularizer (when None) and quantization_config.
    rms = L.RMSNormalization(axis=[2, 1], epsilon=1e-3)
    assert rms.get_config()["axis"] == [2, 1]  # as given until built (TF: the tuple/list given)
    rms.build((None, 3, 4))
    cfg = rms.get_config()
    assert {k: cfg[k] for k in ("trainable", "axis", "epsilon")} == \
        {"trainable": True, "axis": [1, 2], "epsilon": 0.001}
    cfg = L.AdditiveAttention().get_config()
    assert {k: v for k, v in cfg.items() if k not in ("name", "dtype")} == \
        {"trainable": True, "use_scale": True, "dropout": 0.0, "seed": None}
    cfg = L.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de", activation="tanh").get_config()
    assert set(cfg) == {"name", "trainable", "dtype", "output_shape", "equation", "activation",
                        "bias_axes", "kernel_initializer", "bias_initializer", "kernel_regularizer",
                        "bias_regularizer", "kernel_constraint", "bias_constraint"}
    assert (cfg["output_shape"], cfg["equation"], cfg["activation"], cfg["bias_axes"]) == \
        ((None, 2, 3), "abc,cde->abde", "tanh", "de")
    assert cfg["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert L.EinsumDense("ab,bc->ac", 3).get_config()["output_shape"] == (3,)
    # TF: {'rate', 'seed', 'name', 'dtype'} (+ data_format for 2D/3D); tapegrad adds trainable
    for cls, extra in ((L.SpatialDropout1D, {}), (L.SpatialDropout2D, {"data_format": "channels_last"}),
                       (L.SpatialDropout3D, {"data_format": "channels_last"})):
        cfg = cls(0.4, seed=3).get_config()
        assert {k: v for k, v in cfg.items() if k not in ("name", "dtype", "trainable")} == \
            {"rate": 0.4, "seed": 3, **extra}


def test_compute_output_shape_matches_tf():
    # TF 2.21's values
    assert L.EinsumDense("abc,cd->abd", (None, 64)).compute_output_shape((None, 32, 128)) == \
        (None, None, 64)
    assert L.AdditiveAttention().compute_output_shape([(None, 3, 4), (None, 5, 6)]) == (None, 3, 6)
    assert L.SpatialDropout3D(0.5).compute_output_shape((None, 2, 3, 3, 4)) == (None, 2, 3, 3, 4)
    assert L.RMSNormalization(axis=[1, 2]).compute_output_shape((None, 3, 4)) == (None, 3, 4)
    with pytest.raises(ValueError, match="RMSNormalization.*axis 5 is out of bounds"):
        L.RMSNormalization(axis=5).compute_output_shape((None, 3, 4))


def test_einsum_dense_glorot_counts_the_equations_fans():
    # Keras 3 gives VarianceScaling the kernel's input / output axes: kernel (c, d, e) of
    # 'abc,cde->abde' has fan_in c = 64 and fan_out d * e = 128, limit sqrt(6 / 192) = 0.17678
    # (TF 2.21's max |kernel| for this layer: 0.1767514). The convolution rule would give 0.0625.
    tf.random.set_seed(4)
    layer = L.EinsumDense("abc,cde->abde", (None, 8, 16), bias_axes="de")
    layer.build((None, 3, 64))
    k = layer.kernel.numpy()
    limit = np.sqrt(6 / (64 + 128))
    assert k.shape == (64, 8, 16) and layer.bias.shape == (8, 16)
    assert 0.95 * limit < np.abs(k).max() <= limit
    assert abs(k.std() - limit / np.sqrt(3)) < 0.01


def test_einsum_dense_in_a_model_trains():
    tf.random.set_seed(0)
    x = _data((32, 3, 4), 2)
    y = _data((32, 3, 2), 3) * 0.5
    model = keras.Sequential([keras.Input((3, 4)),
                              L.EinsumDense("abc,cd->abd", (None, 2), bias_axes="d")])
    model.compile(optimizer=O.Adam(0.05), loss="mse")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=30, batch_size=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.5 * first


def test_rms_normalization_scale_follows_non_trailing_axes():
    # TF 2.21 multiplies by `scale` with plain broadcasting, which for axis=1 of (2, 3, 4)
    # raises ("Incompatible shapes: [2,3,4] vs. [3]"); tapegrad lines scale up with the axis.
    layer = L.RMSNormalization(axis=1)
    layer(X)
    layer.set_weights([np.array([1.0, 2.0, 3.0], np.float32)])
    y = layer(X).numpy()
    want = X / np.sqrt((X ** 2).mean(axis=1, keepdims=True) + 1e-6) * np.array([1, 2, 3]).reshape(1, 3, 1)
    np.testing.assert_allclose(y, want, rtol=1e-6)
    assert layer.axis == [1] and layer.get_config()["axis"] == [1]


def test_spatial_dropout_drops_whole_channels():
    for cls, shape, data_format, channel_axis in (
            (L.SpatialDropout1D, (4, 5, 6), None, 2), (L.SpatialDropout2D, (3, 4, 4, 8), None, 3),
            (L.SpatialDropout2D, (3, 8, 4, 4), "channels_first", 1),
            (L.SpatialDropout3D, (3, 2, 3, 3, 8), None, 4),
            (L.SpatialDropout3D, (3, 8, 2, 3, 3), "channels_first", 1)):
        kw = {} if data_format is None else {"data_format": data_format}
        layer = cls(0.5, seed=1, **kw)
        x = np.ones(shape, np.float32)
        np.testing.assert_array_equal(layer(x).numpy(), x)  # inference: the identity
        tf.random.set_seed(5)
        y = layer(x, training=True).numpy()
        axes = tuple(a for a in range(1, len(shape)) if a != channel_axis)
        assert np.all((y == 0).all(axis=axes) | (y == 2).all(axis=axes)), cls.__name__
        assert 0 < (y == 0).mean() < 1


@pytest.mark.parametrize("make, exc, match", [
    (lambda: L.RMSNormalization(axis="x"), TypeError, "RMSNormalization.*`axis`"),
    (lambda: L.RMSNormalization(epsilon=-1.0), ValueError, "RMSNormalization.*`epsilon`"),
    (lambda: L.RMSNormalization(axis=3)(X), ValueError, "RMSNormalization.*out of bounds"),
    (lambda: L.AdditiveAttention()(Q), ValueError, "AdditiveAttention.*list"),
    (lambda: L.AdditiveAttention()([Q, V, K, K]), ValueError, "AdditiveAttention.*list"),
    (lambda: L.AdditiveAttention()([Q, V], mask=QM), ValueError, "AdditiveAttention.*mask"),
    (lambda: L.EinsumDense("ab,bc", 3), ValueError, "EinsumDense.*invalid einsum equation"),
    (lambda: L.EinsumDense("ab,bc->ac", 3, bias_axes="x"), ValueError,
     "EinsumDense.*bias dimension 'x'"),
    (lambda: L.EinsumDense("abc,cd->abd", (5, 6))(X), ValueError,
     "EinsumDense.*shared dimension 'b'"),
    (lambda: L.EinsumDense("ab,bc->ad", 3), ValueError, "EinsumDense.*dimension 'd'"),
    (lambda: L.EinsumDense("ab,bc->ac", 0), ValueError, "EinsumDense.*output_shape"),
    (lambda: L.EinsumDense("ab,bc->ac", 3, lora_rank=2), NotImplementedError, "EinsumDense.*lora"),
    (lambda: L.EinsumDense("abc,cd->abd", (3, 5))(X2), ValueError, "EinsumDense.*rank 2"),
    (lambda: L.SpatialDropout3D(0.5)(X, training=True), ValueError, "SpatialDropout3D.*rank 5"),
    (lambda: L.SpatialDropout2D(0.5, data_format="nchw"), ValueError,
     "SpatialDropout2D.*data_format"),
    (lambda: L.SpatialDropout1D(1.5), ValueError, "rate"),
])
def test_bad_layer_arguments(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


# -- optimizers ------------------------------------------------------------------------------

SHAPES = [(2, 3), (4,), (2, 2, 3)]

OPT_CASES = {
    "adafactor_default": (lambda: O.Adafactor(), 5, False),
    "adafactor_big": (lambda: O.Adafactor(learning_rate=0.5, clip_threshold=0.5, beta_2_decay=-0.5,
                                          epsilon_2=0.01), 5, False),
    "adafactor_schedule": (lambda: O.Adafactor(
        learning_rate=O.schedules.ExponentialDecay(0.3, 2, 0.5)), 5, False),
    "adafactor_norel_wd": (lambda: O.Adafactor(learning_rate=0.2, relative_step=False,
                                               weight_decay=0.1), 5, False),
    "lamb_default": (lambda: O.Lamb(), 5, False),
    "lamb_custom": (lambda: O.Lamb(learning_rate=0.05, beta_1=0.8, beta_2=0.9, epsilon=1e-4,
                                   weight_decay=0.01), 5, True),
    "lamb_clip": (lambda: O.Lamb(learning_rate=0.02, global_clipnorm=0.5), 5, False),
}


def _start(zero):
    w0 = [_data(s, 20 + i, 1.3) for i, s in enumerate(SHAPES)]
    if zero:  # a zero variable: Lamb's trust ratio falls back to 1
        w0[1] = np.zeros(4, np.float32)
    return w0


def _grads(t):
    return [_data(s, 40 + 3 * t + i, 0.7 + 0.2 * t) for i, s in enumerate(SHAPES)]


@pytest.mark.parametrize("tag", sorted(OPT_CASES))
def test_optimizer_steps_match_tf(tag):
    make, steps, zero = OPT_CASES[tag]
    want = TF[tag]
    w0 = _start(zero)
    vs = [tf.Variable(w) for w in w0]
    opt = make()
    for t in range(steps):
        opt.apply_gradients(zip([tf.constant(g) for g in _grads(t)], vs))
        key = f"step{t + 1}"
        if key in want:
            for i, (v, ref) in enumerate(zip(vs, want[key])):
                np.testing.assert_allclose(v.numpy(), ref, rtol=RTOL, atol=ATOL,
                                           err_msg=f"{tag} {key} variable {i}")
                # the change itself, so that a small step is checked too
                np.testing.assert_allclose(v.numpy() - w0[i], ref - w0[i], rtol=1e-4, atol=2e-7,
                                           err_msg=f"{tag} {key} variable {i} (change)")
    assert int(opt.iterations) == want["iterations"]


def test_adafactor_and_lamb_defaults_config_and_lookup():
    # TF 2.21's get_config() values (besides the base keys and Keras' float32 learning rate
    # 0.0010000000474974513, which tapegrad keeps as the float given)
    cfg = O.Adafactor().get_config()
    assert {k: cfg[k] for k in ("learning_rate", "beta_2_decay", "epsilon_1", "epsilon_2",
                                "clip_threshold", "relative_step", "weight_decay")} == \
        dict(learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
             clip_threshold=1.0, relative_step=True, weight_decay=None)
    cfg = O.Lamb().get_config()
    assert {k: cfg[k] for k in ("learning_rate", "beta_1", "beta_2", "epsilon")} == \
        dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)
    for name, cls in (("adafactor", O.Adafactor), ("Lamb", O.Lamb)):
        assert type(O.get(name)) is cls
    for opt in (O.Adafactor(learning_rate=O.schedules.ExponentialDecay(0.3, 2, 0.5),
                            clip_threshold=0.5, relative_step=False),
                O.Lamb(learning_rate=0.05, beta_1=0.8, epsilon=1e-4, weight_decay=0.01)):
        again = O.deserialize(json.loads(json.dumps(O.serialize(opt))))
        assert type(again) is type(opt)
        a, b = again.get_config(), opt.get_config()
        assert a == b


@pytest.mark.parametrize("make, match", [
    (lambda: O.Adafactor(clip_threshold=0.0), "Adafactor.*clip_threshold"),
    (lambda: O.Adafactor(epsilon_1=-1.0), "Adafactor.*epsilon_1"),
    (lambda: O.Adafactor(beta_2_decay="x"), "Adafactor.*beta_2_decay"),
    (lambda: O.Lamb(beta_1=1.5), "Lamb.*beta_1"),
    (lambda: O.Lamb(epsilon=-1e-7), "Lamb.*epsilon"),
    (lambda: O.Lamb(learning_rate="fast"), "Lamb.*learning_rate"),
])
def test_bad_optimizer_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# -- Keras 3's optimizer state: iterations, variables, build, apply -----------------------------

def test_iterations_is_an_int64_variable():
    opt = O.Adam(0.1)
    it = opt.iterations
    assert isinstance(it, tf.Variable) and it.dtype == tf.int64 and not it.trainable
    assert it.shape == () and int(it) == 0 and it.numpy() == 0
    v = tf.Variable([1.0, 2.0])
    ret = opt.apply_gradients([(tf.constant([0.5, -0.5]), v)])
    assert ret is opt.iterations and int(ret) == 1  # Keras 3 returns the variable
    assert int(opt.iterations + 1) == 2 and (opt.iterations + 1).dtype == tf.int64
    assert opt.iterations.numpy().dtype == np.int64
    opt.iterations.assign(3)
    assert int(opt.iterations) == 3
    opt.iterations = 5  # setting the attribute assigns the same variable
    assert opt.iterations is it and int(it) == 5


def test_adam_after_iterations_assign_matches_tf():
    # TF 2.21: Adam(0.1) on v = [1, 2], iterations.assign(3), then one step of g = [0.5, -0.5]
    # (bias correction for step 4) gives v = [0.9418881, 2.058112]; with a schedule the rate is
    # read at step 3, ExponentialDecay(0.1, 1, 0.5) -> 0.0125: v = [0.992736, 2.007264].
    for lr, want in ((0.1, [0.9418881, 2.058112]),
                     (O.schedules.ExponentialDecay(0.1, 1, 0.5), [0.992736, 2.007264])):
        opt = O.Adam(lr)
        v = tf.Variable([1.0, 2.0])
        opt.iterations.assign(3)
        opt.apply_gradients([(tf.constant([0.5, -0.5]), v)])
        np.testing.assert_allclose(v.numpy(), want, rtol=1e-5)
        assert int(opt.iterations) == 4


def test_variables_are_listed_as_keras_3_does():
    # TF 2.21's opt.variables for variables a (2, 3) and b (3,) after one step: names
    # 'iteration', 'learning_rate', then the slots, as (shape, dtype)
    a = tf.Variable(np.ones((2, 3), np.float32))
    b = tf.Variable(np.ones(3, np.float32))
    cases = {
        "sgd": (O.SGD(), []),
        "sgd_momentum": (O.SGD(momentum=0.9), [(2, 3), (3,)]),
        "adam_amsgrad": (O.Adam(amsgrad=True), [(2, 3), (2, 3), (3,), (3,), (2, 3), (3,)]),
        "rmsprop_centered": (O.RMSprop(momentum=0.5, centered=True),
                             [(2, 3), (3,), (2, 3), (3,), (2, 3), (3,)]),
        "adagrad": (O.Adagrad(), [(2, 3), (3,)]),
        "lamb": (O.Lamb(), [(2, 3), (2, 3), (3,), (3,)]),
        # TF also lists two int32 scalar placeholders for b (rank < 2), which tapegrad omits
        "adafactor": (O.Adafactor(), [(2,), (3,), (2, 3), (3,)]),
    }
    for name, (opt, slots) in cases.items():
        assert [v.name.split(":")[0] for v in opt.variables] == ["iteration", "learning_rate"]
        opt.apply_gradients([(tf.ones((2, 3)), a), (tf.ones(3), b)])
        got = opt.variables
        assert [(tuple(v.shape), v.dtype) for v in got[:2]] == [((), tf.int64), ((), tf.float32)]
        assert [tuple(v.shape) for v in got[2:]] == slots, name
    # RMSprop: all velocities, then momentums, then average gradients (Keras' order)
    names = [v.name for v in cases["rmsprop_centered"][0].variables[2:]]
    assert [n.split("/")[-1].split(":")[0] for n in names] == \
        ["velocity", "velocity", "momentum", "momentum", "average_gradient", "average_gradient"]
    # a schedule or a callable rate has no learning-rate variable (TF: ['iteration'])
    assert len(O.Adam(O.schedules.ExponentialDecay(0.1, 2, 0.5)).variables) == 1
    assert len(O.Adam(lambda: 0.1).variables) == 1


def test_learning_rate_variable_drives_the_rate():
    opt = O.SGD(0.1)
    lr_var = opt.variables[1]
    assert lr_var.dtype == tf.float32 and np.float32(lr_var.numpy()) == np.float32(0.1)
    v = tf.Variable([1.0])
    lr_var.assign(0.5)  # as a restore of opt.variables would
    assert float(opt.learning_rate) == 0.5
    opt.apply_gradients([(tf.constant([1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [0.5])
    opt.learning_rate = 0.25
    assert lr_var.numpy() == np.float32(0.25) and opt.variables[1] is lr_var
    opt.learning_rate.assign(0.125)
    assert lr_var.numpy() == np.float32(0.125)
    opt.learning_rate = O.schedules.ExponentialDecay(0.1, 2, 0.5)
    assert len(opt.variables) == 1


def test_build_then_apply_without_variables():
    a = tf.Variable([1.0, 2.0])
    b = tf.Variable([[3.0]])
    opt = O.Adam(0.1)
    assert not opt.built
    opt.build([a, b])
    assert opt.built and len(opt.variables) == 6  # TF 2.21: 6 as well
    before = [v.numpy().copy() for v in opt.variables[2:]]
    assert all(not x.any() for x in before)
    opt.apply([tf.constant([0.5, -0.5]), tf.constant([[1.0]])])
    ref = O.Adam(0.1)
    a2, b2 = tf.Variable([1.0, 2.0]), tf.Variable([[3.0]])
    ref.apply_gradients([(tf.constant([0.5, -0.5]), a2), (tf.constant([[1.0]]), b2)])
    np.testing.assert_array_equal(a.numpy(), a2.numpy())
    np.testing.assert_array_equal(b.numpy(), b2.numpy())
    assert int(opt.iterations) == 1
    assert opt.apply([]) is None and int(opt.iterations) == 1  # no gradients: a no-op
    opt.apply([tf.constant([1.0, 1.0])], [a])  # with variables
    assert int(opt.iterations) == 2


def test_apply_errors_name_the_optimizer():
    opt = O.Adam(name="my_adam")
    with pytest.raises(ValueError, match="my_adam.apply: .*must already be built"):
        opt.apply([tf.ones(2)])
    opt.build([tf.Variable([1.0, 2.0])])
    with pytest.raises(ValueError, match="my_adam.apply: .*Received a list of 2 gradients"):
        opt.apply([tf.ones(2), tf.ones(2)])
    with pytest.raises(ValueError, match="my_adam.apply: got 1 gradients for 2 variables"):
        opt.apply([tf.ones(2)], [tf.Variable([1.0, 2.0]), tf.Variable([1.0])])
    with pytest.raises(TypeError, match="my_adam.build: expected a list of tapegrad.Variable"):
        opt.build([np.ones(2)])
    with pytest.raises(ValueError, match="my_adam: argument `learning_rate`"):
        O.Adam(learning_rate="x", name="my_adam")


def test_adafactor_state_survives_save_and_load(tmp_path):
    # Adafactor's factored slots have their own shapes; a saved model brings them back.
    tf.random.set_seed(0)
    x, y = _data((16, 4), 1), _data((16, 2), 2)
    model = keras.Sequential([keras.Input((4,)), L.Dense(3), L.Dense(2)])
    model.compile(optimizer=O.Adafactor(learning_rate=0.1), loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert int(loaded.optimizer.iterations) == int(model.optimizer.iterations) == 4
    for var, var2 in zip(model.trainable_variables, loaded.trainable_variables):
        slots = model.optimizer._slots[id(var)][1]
        slots2 = loaded.optimizer._slots[id(var2)][1]
        assert sorted(slots) == sorted(slots2) == sorted(
            ["r", "c", "velocity"] if len(var.shape) == 2 else ["velocity"])
        for name in slots:
            assert slots2[name].shape == slots[name].shape
            np.testing.assert_array_equal(slots2[name].numpy(), slots[name].numpy())
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


def test_checkpoint_restores_iterations_variable(tmp_path):
    v = tf.Variable([1.0, 2.0])
    opt = O.Lamb(0.1)
    for _ in range(3):
        opt.apply_gradients([(tf.constant([0.5, -0.5]), v)])
    ckpt = tf.train.Checkpoint(v=v, opt=opt)
    path = ckpt.save(str(tmp_path / "ck"))
    v2, opt2 = tf.Variable([0.0, 0.0]), O.Lamb(0.1)
    opt2.build([v2])
    tf.train.Checkpoint(v=v2, opt=opt2).restore(path)
    assert opt2.iterations.dtype == tf.int64 and int(opt2.iterations) == 3
    np.testing.assert_array_equal(v2.numpy(), v.numpy())


# -- TF 2.21's numbers -------------------------------------------------------------------------

TF = {
    'rms_default': {
        'weights': [('scale', (4,))],
        'compute_output_shape': (None, 3, 4),
        'out': [
            _a((2, 3, 4), [
                -0.3986154, -0.6916806, -0.8304465, -0.7423296, -0.6611779, -0.460994, 0.1499134,
                0.8520012, 0.3513565, 0.6653326, 0.8558557, 0.8232703, 0.7069206, 0.6428261,
                0.1734111, -0.4557911, -0.2988311, -0.6328547, -0.8769889, -0.9035361, -0.682659,
                -0.7248566, -0.3991216, 0.1241659])],
        'dx': [
            _a((2, 3, 4), [
                -0.004538, 0.05884841, 0.02438438, -0.09076032, -0.4187797, -0.5483665, -0.7531967,
                -0.8210176, 0.005204469, -0.05542082, -0.02934614, 0.0821594, 0.0554242, 0.251425,
                0.573118, 0.8154519, 0.006399006, 0.05628109, 0.0312227, -0.08329338, 0.09024899,
                -0.05337534, -0.3439593, -0.6110473])],
        'dw': [
            _a((4,), [
                -3.448372, -2.642975, -2.561886, -3.247522])],
    },
    'rms_axes': {
        'weights': [('scale', (3, 4))],
        'compute_output_shape': (None, 3, 4),
        'out': [
            _a((2, 3, 4), [
                -0.46932, -0.8143679, -0.9777473, -0.8740006, -0.557394, -0.1935325, 0.0272614,
                -0.01050138, -0.2870685, -0.6577781, -0.9287255, -0.9581885, 0.5015831, 0.4561061,
                0.1230408, -0.3233986, -0.6496963, -0.6851779, -0.4112845, 0.02872051, 0.4046869,
                0.5199605, 0.3142461, -0.1048549])],
        'dx': [
            _a((2, 3, 4), [
                0.3708613, 0.5073832, 0.4694042, 0.2767877, 0.03032369, -0.1409966, -0.147461,
                0.01442434, 0.2600928, 0.4611358, 0.512456, 0.387232, 0.0693197, 0.1966987,
                0.4107831, 0.5679995, 0.5532718, 0.344657, 0.02883707, -0.2411862, -0.3244696,
                -0.1658109, 0.1738015, 0.5461118])],
        'dw': [
            _a((3, 4), [
                -1.343115, -1.055413, -0.8209391, -0.7623364, -0.9102584, -1.187332, -1.448631,
                -1.55748, -1.456942, -1.199607, -0.9200765, -0.7645624])],
    },
    'rms_2d': {
        'weights': [('scale', (4,))],
        'compute_output_shape': (None, 4),
        'out': [
            _a((2, 4), [
                -0.4683664, -0.5351689, -0.3580733, -0.02971177, 0.1505541, 0.4396529, 0.7107137,
                0.8219547])],
        'dx': [
            _a((2, 4), [
                0.1036927, 0.3372496, 0.4029914, 0.3090168, 0.1167817, 0.0145172, -0.1684401,
                -0.3101283])],
        'dw': [
            _a((4,), [
                -1.057692, -0.9695394, -0.9127324, -0.9169841])],
    },
    'add_att': {
        'weights': [('scale', (4,))],
        'compute_output_shape': (None, 3, 4),
        'out': [
            _a((2, 3, 4), [
                -0.4683536, -0.5796412, -0.6124771, -0.5624171, -0.3716953, -0.4806039, -0.524465,
                -0.4973422, -0.5007169, -0.6555219, -0.7216051, -0.6900225, -0.4274778, -0.4516162,
                -0.4146305, -0.3215265, -0.5821738, -0.5850403, -0.5087243, -0.3635549, -0.439753,
                -0.4529027, -0.4047542, -0.301824])],
        'dx': [
            _a((2, 3, 4), [
                -0.03704241, 0.1169153, 0.2028475, 0.1673587, -0.06595221, -0.1142515, -0.1597151,
                -0.1994775, -0.04242031, -0.0323834, 0.05488556, 0.154844, -0.01324867, -0.05354013,
                -0.1026324, -0.1150875, -0.05322368, -0.01141579, 0.06919668, 0.08040017,
                0.007583992, -0.01568105, -0.0379279, -0.06096335]),
            _a((2, 5, 4), [
                -0.00782929, 0.2178888, 0.4433839, 0.5910729, -0.08446684, -0.0500603, -0.004106186,
                0.0545485, -0.05125771, -0.03459421, -0.004595388, 0.01864083, -0.09248285,
                0.01241934, 0.06879681, 0.04364014, 0.03044075, 0.1951557, 0.3456283, 0.4448163,
                -0.2923521, -0.2825041, -0.2432133, -0.1801244, -0.01072344, -0.01489572,
                -0.009837821, 0.00422027, -0.03461543, -0.002044063, 0.06586105, 0.0803768,
                -0.3040786, -0.3729783, -0.4122531, -0.3766643, -0.537239, -0.588273, -0.5522013,
                -0.4577517])],
        'dw': [
            _a((4,), [
                -0.2607077, -0.2436327, -0.06079409, 0.09792197])],
    },
    'add_att_key_mask': {
        'weights': [],
        'compute_output_shape': (None, 3, 4),
        'out': [
            _a((2, 3, 4), [
                -0.03062686, 0.2073444, 0.4172526, 0.5706876, -0.008763373, 0.2156087, 0.4107991,
                0.5503898, 0, 0, 0, 0, -0.5261002, -0.4441231, -0.302036, -0.1190698, -0.631161,
                -0.5120257, -0.32359, -0.091358, -0.4769894, -0.4209743, -0.3079824, -0.1533064]),
            _a((2, 3, 5), [
                0.009632313, 0.4807398, 0.5096279, 0, 0, 0.03844707, 0.4330782, 0.5284746, 0, 0,
                0.01304845, 0.3163247, 0.6706268, 0, 0, 0.4895994, 0, 0.1799712, 0.02325552,
                0.307174, 0.6764587, 0, 0.1176142, 0.01342212, 0.192505, 0.4868986, 0, 0.1783408,
                0.09011696, 0.2446436])],
        'dx': [
            _a((2, 3, 4), [
                0.3866372, 0.1579187, -0.03842676, 0.165, 0.2166677, 0.1357796, 0.04788485,
                0.01963803, 0.01599039, 0.01769511, -5.791709e-05, -0.01195054, 0.1198629,
                0.07386315, 0.01698961, -0.02527238, 0.1765944, -0.01431391, 0.1082102, 0.2841537,
                0.04861952, 0.1006675, 0.1514288, 0.1565743]),
            _a((2, 5, 4), [
                -0.01158328, 0.003224301, 0.01759548, 0.0295852, -0.5024207, -0.3050936,
                -0.06647345, 0.1811436, -0.5361457, -0.3016683, -0.02636153, 0.2525132, 0, 0, 0, 0,
                0, 0, 0, 0, -0.7244987, -0.7642927, -0.7006432, -0.542165, 0, -0, 0, 0, -0.1418079,
                -0.1500153, -0.1379189, -0.1071558, -0.04363104, -0.02057115, 0.005272951,
                0.03040339, -0.2101825, -0.2451791, -0.2469919, -0.2153754]),
            _a((2, 5, 4), [
                0.009862654, 0.006435594, -0.0008813227, -0.03016225, 0.5321167, 0.4731306,
                0.4128918, 0.4347777, 0.07731597, -0.1681728, -0.4026103, -0.231928, 0, 0, 0, 0, 0,
                0, 0, 0, 0.1278466, 0.2471302, 0.3664965, 0.4592446, 0, 0, 0, 0, -0.2526641,
                -0.4386428, -0.3378026, -0.1923176, 0.02367142, 0.02495004, 0.02279124, 0.01662081,
                0.446223, 0.3267793, 0.2251435, 0.1319077])],
        'dw': [
],
    },
    'add_att_causal': {
        'weights': [('scale', (4,))],
        'compute_output_shape': (None, 3, 4),
        'out': [
            _a((2, 3, 4), [
                -0.6811222, -0.8477598, -0.899657, -0.8297898, -0.6761562, -0.7781073, -0.7747451,
                -0.6665248, -0.5845818, -0.6781619, -0.679956, -0.5897211, -0.8273957, -0.6433405,
                -0.3722122, -0.05070669, -0.8273957, -0.6433405, -0.3722122, -0.05070669, 0.3761317,
                0.3375862, 0.2533501, 0.1348243]),
            _a((2, 3, 5), [
                1, 0, 0, 0, 0, 0.8517944, 0.1482057, 0, 0, 0, 0.8233153, 0.1018722, 0.07481257, 0,
                0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0.2941782, 0, 0.7058218, 0, 0])],
        'dx': [
            _a((2, 3, 4), [
                0, 0, 0, 0, -0.04009104, -0.08987513, -0.1283532, -0.07186552, -0.08734967,
                0.02149705, 0.2063831, 0.1344035, 0, 0, 0, 0, 0, 0, 0, 0, 0.03196445, -0.01917353,
                -0.08835232, -0.1357035]),
            _a((2, 5, 4), [
                -0.2275433, 0.1519415, 0.5108617, 0.8006392, 0.0933003, 0.1457151, 0.178408,
                0.1869543, 0.0740621, 0.07287242, 0.06181978, 0.04240013, 0, 0, 0, 0, 0, 0, 0, 0,
                -0.836089, -1.148906, -1.306224, -1.286751, 0, -0, 0, 0, -0.2840312, -0.03115206,
                0.2259434, 0.4524585, 0, -0, 0, 0, 0, -0, 0, 0]),
            _a((2, 5, 4), [
                0.05084004, 0.1707783, 0.3424492, 0.3117266, -0.08778769, -0.147689, -0.1801605,
                -0.1651463, -0.09049307, -0.09146746, -0.08425882, -0.08404232, 0, 0, 0, 0, 0, 0, 0,
                0, -0.03297625, -0.06692722, -0.1183068, -0.1579349, 0, 0, 0, 0, 0.0649407,
                0.0477537, 0.02995447, 0.02223138, 0, 0, 0, 0, 0, 0, 0, 0])],
        'dw': [
            _a((4,), [
                0.5083912, 0.6471668, 0.5975013, 0.4822178])],
    },
    'ed_dense': {
        'weights': [('kernel', (4, 3)), ('bias', (3,))],
        'compute_output_shape': (None, 3),
        'out': [
            _a((2, 3), [
                -2.046313, -2.008222, -1.698327, -0.3778227, -0.8166861, -1.145015])],
        'dx': [
            _a((2, 4), [
                1.580019, 1.816985, 0.03586815, -1.785087, -0.03188595, 0.1960731, 0.2062583,
                -0.01264286])],
        'dw': [
            _a((4, 3), [
                -0.9274961, -0.9805014, -0.9008004, -0.5170228, -0.727668, -0.8398269, -0.03657308,
                -0.3763484, -0.6651868, 0.4488267, 0.02590825, -0.4005168]),
            _a((3,), [
                -1.407848, -0.9681308, -0.3973816])],
    },
    'ed_heads': {
        'weights': [('kernel', (4, 2, 3)), ('bias', (2, 3))],
        'compute_output_shape': (None, None, 2, 3),
        'out': [
            _a((2, 3, 2, 3), [
                -0.8973244, -0.9229098, -0.9122261, -0.8522815, -0.6734886, -0.2535262, -0.7548422,
                -0.7179212, -0.604561, -0.3820724, -0.0501474, 0.2994343, -0.1732947, 0.09012455,
                0.3306606, 0.500722, 0.5931373, 0.6183587, -0.4641134, -0.408988, -0.2981209,
                -0.1380174, 0.04841038, 0.22531, -0.8789158, -0.9092658, -0.8994609, -0.8386585,
                -0.6635967, -0.2669925, -0.8339558, -0.8324195, -0.773536, -0.6187025, -0.3085001,
                0.1275872])],
        'dx': [
            _a((2, 3, 4), [
                0.2196543, 0.1659083, -0.4202548, 0.3422237, -2.394939, 1.595863, 0.4653734,
                -2.158548, 1.543054, -1.452792, 0.2135232, 1.19462, 0.4660867, 0.7644529, -1.39039,
                0.9166742, -0.8671607, 0.5346559, 0.2207059, -0.8015124, 1.934405, -1.781478,
                0.2195882, 1.515973])],
        'dw': [
            _a((4, 2, 3), [
                0.6867397, 0.984809, 1.080337, 0.7707989, 0.1616229, -0.124299, 0.223619, 0.6531177,
                0.9000796, 0.7994581, 0.5242499, 0.5408031, -0.2697677, 0.2330299, 0.5980006,
                0.7199146, 0.8159222, 1.132711, -0.7266425, -0.2185974, 0.2149851, 0.5429339,
                0.9971633, 1.571311]),
            _a((2, 3), [
                -0.2597221, -0.4168338, -0.4155894, -0.242063, -0.0883252, 0.1120046])],
    },
    'ed_left_ellipsis': {
        'weights': [('kernel', (4, 5))],
        'compute_output_shape': (None, 3, 5),
        'out': [
            _a((2, 3, 5), [
                -0.08787733, -0.2542559, -0.3862219, -0.4659148, -0.482548, -0.7945965, -0.6990436,
                -0.5088785, -0.249839, 0.04301497, -0.05621724, 0.1274891, 0.2939404, 0.4206082,
                0.4903486, 0.7844018, 0.722163, 0.5621825, 0.3261135, 0.04590639, 0.1984633,
                0.003470242, -0.1919923, -0.3614698, -0.4820238, -0.748412, -0.7215337, -0.596999,
                -0.3916636, -0.1333182])],
        'dx': [
            _a((2, 3, 4), [
                1.940859, 0.6069945, -2.275423, 0.6471742, -2.700059, 0.5216854, 2.412516,
                -1.851417, -0.4526393, -0.8945373, 0.9456908, 0.373291, 2.949545, -0.02863386,
                -2.933763, 1.645667, -1.173092, 0.9103197, 0.6713419, -1.28035, -2.302959,
                -0.4731165, 2.563732, -0.9399625])],
        'dw': [
            _a((4, 5), [
                -0.104236, 1.076977, 2.112426, 2.861968, 3.224156, -1.562634, -0.382139, 0.8500772,
                1.967239, 2.818145, -2.809537, -1.789534, -0.5273254, 0.8062541, 2.030711,
                -3.676183, -2.954723, -1.833357, -0.4638537, 0.9684299])],
    },
    'ed_right_ellipsis': {
        'weights': [('kernel', (3, 5)), ('bias', (5, 1))],
        'compute_output_shape': (None, 5, 4),
        'out': [
            _a((2, 5, 4), [
                -2.627121, -2.674856, -2.468837, -2.036947, -2.687498, -2.925717, -2.868728,
                -2.524245, -2.384134, -2.780595, -2.880351, -2.669899, -1.758088, -2.259133,
                -2.502131, -2.454194, -0.894094, -1.431908, -1.78526, -1.906326, 0.1480251,
                -0.5063806, -1.200525, -1.84046, 0.7628043, 0.0835709, -0.7077482, -1.504052,
                1.274342, 0.6622115, -0.1191808, -0.9640771, 1.613403, 1.151225, 0.4855172,
                -0.2936195, 1.734098, 1.484425, 1.024503, 0.4165783])],
        'dx': [
            _a((2, 3, 4), [
                0.1897545, 0.2579066, 0.2911522, 0.2849918, 0.1036009, -0.1796297, -0.4385483,
                -0.6381115, -0.2468573, -0.1588981, -0.0494329, 0.06672284, 0.2845056, 0.239104,
                0.1613409, 0.06174093, -0.6410437, -0.7524669, -0.7620472, -0.668488, 0.06882524,
                0.1756411, 0.2586847, 0.3067167])],
        'dw': [
            _a((3, 5), [
                -3.501658, 0.9763595, 3.678715, -0.3092499, -3.734795, 0.03591967, 4.129476,
                0.7129329, -4.00019, -1.438341, 3.508172, -0.227507, -3.549429, -0.4161578, 3.473962]),
            _a((5, 1), [
                -2.521464, 5.431466, 3.506424, -4.7956, -4.376073])],
    },
    'ed_bias_b': {
        'weights': [('kernel', (4, 6)), ('bias', (3, 1))],
        'compute_output_shape': (None, 3, 6),
        'out': [
            _a((2, 3, 6), [
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.03654909, 0.2465623, 0.3435698, 0.314442,
                0.1631213, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])],
        'dx': [
            _a((2, 3, 4), [
                0, 0, 0, 0, -0, 0, 0, -0, 1.647202, -1.326988, -0.04273418, 1.378658, 0, 0, -0, 0,
                -0, 0, 0, -0, 0, 0, 0, 0])],
        'dw': [
            _a((4, 6), [
                -0.2523815, 0.1500381, 0.5321507, 0.8422393, 1.038335, 0, -0.3207326, 0.190672,
                0.6762701, 1.070338, 1.319541, 0, -0.3456739, 0.2054994, 0.7288594, 1.153572,
                1.422153, 0, -0.32383, 0.1925134, 0.682801, 1.080675, 1.332284, 0]),
            _a((3, 1), [
                0, 0, -2.109768])],
    },
    'adafactor_default': {
        'step1': [
            _a((2, 3), [
                1.18534327, 1.29739773, 1.23396397, 1.0033468, 0.6369645, 0.184170857]),
            _a((4,), [
                1.08833849, 0.757246673, 0.323757857, -0.153457165]),
            _a((2, 2, 3), [
                -0.0107548079, -0.479926974, -0.88406688, -1.16834283, -1.29486835, -1.24619305,
                -1.02891529, -0.672234178, -0.224557593, 0.253791004, 0.697640657, 1.0469861])],
        'step5': [
            _a((2, 3), [
                1.1854918, 1.29729795, 1.2336086, 1.00272477, 0.636479378, 0.184121951]),
            _a((4,), [
                1.08729863, 0.756644428, 0.323634565, -0.153493851]),
            _a((2, 2, 3), [
                -0.0108586913, -0.4799667, -0.884045064, -1.16836488, -1.2947917, -1.24597752,
                -1.02817976, -0.671811879, -0.224374205, 0.253898859, 0.697645545, 1.04693472])],
        'iterations': 5,
    },
    'adafactor_big': {
        'step1': [
            _a((2, 3), [
                0.815425456, 1.05970109, 1.18763745, 1.11181486, 0.89376092, 0.504482031]),
            _a((4,), [
                1.25920343, 0.928111553, 0.494622797, 0.0174077749]),
            _a((2, 2, 3), [
                0.179697782, -0.256344199, -0.638257146, -0.880491555, -1.09999216, -1.18422711,
                -1.12445164, -0.875714958, -0.505499482, 0.00414085388, 0.475209773, 0.861144543])],
        'step5': [
            _a((2, 3), [
                0.837204874, 1.02679408, 1.09919214, 0.958785653, 0.792511106, 0.530136228]),
            _a((4,), [
                0.988213897, 0.701744318, 0.417108297, -0.0448712856]),
            _a((2, 2, 3), [
                0.180217549, -0.235732988, -0.599930525, -0.852652907, -1.05852544, -1.12225544,
                -0.941726565, -0.798081696, -0.505174637, -0.00218579173, 0.446376324, 0.823957324])],
        'iterations': 5,
    },
    'adafactor_schedule': {
        'step1': [
            _a((2, 3), [
                0.741144776, 1.01197076, 1.17833495, 1.13359559, 0.945326447, 0.568801582]),
            _a((4,), [
                1.29351366, 0.962421834, 0.528933048, 0.0517180115]),
            _a((2, 2, 3), [
                0.214061514, -0.216002733, -0.59390521, -0.828553975, -1.0648303, -1.17304647,
                -1.14168954, -0.912429392, -0.556190312, -0.0409040153, 0.435076147, 0.827612758])],
        'step5': [
            _a((2, 3), [
                0.864428818, 1.08602524, 1.17899406, 1.06572199, 0.835605204, 0.462382287]),
            _a((4,), [
                1.14187825, 0.826051354, 0.425862223, -0.0463891253]),
            _a((2, 2, 3), [
                0.157002881, -0.27846247, -0.659373581, -0.907803059, -1.11535084, -1.1827153,
                -1.07226753, -0.83212477, -0.469053805, 0.0325514711, 0.495408505, 0.875230014])],
        'iterations': 5,
    },
    'adafactor_norel_wd': {
        'step1': [
            _a((2, 3), [
                0.871912003, 1.08528268, 1.17300117, 1.06823349, 0.825351477, 0.431359291]),
            _a((4,), [
                1.20039535, 0.875925303, 0.45110631, -0.016564399]),
            _a((2, 2, 3), [
                0.13609466, -0.298186272, -0.677130222, -0.923351824, -1.11893082, -1.17356002,
                -1.08189297, -0.815454602, -0.43637085, 0.0565030724, 0.512432575, 0.882962227])],
        'step5': [
            _a((2, 3), [
                0.794170141, 0.949702442, 0.997857034, 0.866665959, 0.690907717, 0.428460687]),
            _a((4,), [
                0.893812895, 0.681892276, 0.386630744, -0.0272299349]),
            _a((2, 2, 3), [
                0.132416606, -0.249176338, -0.58152771, -0.811978996, -0.98334229, -1.02110267,
                -0.856631041, -0.695376396, -0.40879488, 0.0366963297, 0.439285576, 0.774271488])],
        'iterations': 5,
    },
    'lamb_default': {
        'step1': [
            _a((2, 3), [
                1.1858238, 1.29734731, 1.233145, 1.00391626, 0.636938214, 0.183889553]),
            _a((4,), [
                1.08833849, 0.757246673, 0.323757857, -0.153457165]),
            _a((2, 2, 3), [
                -0.0106491977, -0.479952157, -0.884179771, -1.16862178, -1.29478025, -1.2455802,
                -1.02939558, -0.672288358, -0.224305958, 0.253919095, 0.697661281, 1.04686236])],
        'step5': [
            _a((2, 3), [
                1.18521118, 1.29700649, 1.23379385, 1.0055548, 0.638172746, 0.184970468]),
            _a((4,), [
                1.08943033, 0.758183897, 0.324680358, -0.152619123]),
            _a((2, 2, 3), [
                -0.00996355247, -0.479417592, -0.883783817, -1.16839159, -1.29482806, -1.24651468,
                -1.03132582, -0.673316717, -0.225083485, 0.253314316, 0.697196603, 1.04654419])],
        'iterations': 5,
    },
    'lamb_custom': {
        'step1': [
            _a((2, 3), [
                1.13599229, 1.24746609, 1.18335152, 1.05263555, 0.685855985, 0.233037367]),
            _a((4,), [
                0.0499550216, 0.049985867, 0.0499908887, 0.0499925278]),
            _a((2, 2, 3), [
                0.0313586481, -0.437709093, -0.841735005, -1.12603629, -1.25213635, -1.20299459,
                -1.07086408, -0.713950694, -0.266195625, 0.211789221, 0.655309439, 1.00433683])],
        'step5': [
            _a((2, 3), [
                1.10955989, 1.23031843, 1.20281911, 1.09424114, 0.722135842, 0.270819992]),
            _a((4,), [
                0.0525578521, 0.0515232459, 0.0520172082, 0.0518613867]),
            _a((2, 2, 3), [
                0.0548369661, -0.41750288, -0.824926972, -1.1139425, -1.2490046, -1.23078537,
                -1.11869264, -0.740041316, -0.291427523, 0.190014914, 0.63675791, 0.989656091])],
        'iterations': 5,
    },
    'lamb_clip': {
        'step1': [
            _a((2, 3), [
                1.1667273, 1.27825081, 1.21404862, 1.02301276, 0.656034768, 0.202986062]),
            _a((4,), [
                1.10137641, 0.770284534, 0.336795747, -0.14041926]),
            _a((2, 2, 3), [
                0.00564339105, -0.463659555, -0.867887199, -1.15232921, -1.27848768, -1.22928762,
                -1.04568815, -0.68858093, -0.240598544, 0.237626508, 0.681368709, 1.03056979])],
        'step5': [
            _a((2, 3), [
                1.14080989, 1.26086712, 1.22853839, 1.0850178, 0.703859091, 0.243807301]),
            _a((4,), [
                1.13653243, 0.806653619, 0.3699812, -0.109693974]),
            _a((2, 2, 3), [
                0.0365292132, -0.437960774, -0.846893668, -1.13697386, -1.27267158, -1.25482678,
                -1.12130439, -0.733398557, -0.27473709, 0.209531546, 0.658043027, 1.01221871])],
        'iterations': 5,
    },
}
