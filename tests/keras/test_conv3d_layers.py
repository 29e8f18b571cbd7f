"""keras.layers.Conv3D, Conv3DTranspose, MaxPooling3D, AveragePooling3D, GlobalMaxPooling3D,
GlobalAveragePooling3D, UpSampling3D, ZeroPadding3D, Cropping3D, DepthwiseConv1D and
SeparableConv1D: values against direct numpy, Keras' output-shape rules, gradients, complete
get_config (every constructor argument, and back), a small 3-D CNN that learns, bad
arguments."""

import inspect
import itertools

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import tapegrad as tf
from tapegrad import keras

L = keras.layers


def _same_pads(size, k, s, d=1):
    eff = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + eff - size, 0)
    return total // 2, total - total // 2


def np_conv3d(x, f, strides=(1, 1, 1), padding="valid", dilations=(1, 1, 1)):
    k = f.shape[:3]
    pads = [_same_pads(x.shape[1 + i], k[i], strides[i], dilations[i]) if padding == "same" else (0, 0)
            for i in range(3)]
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    out = [(xp.shape[1 + i] - (k[i] - 1) * dilations[i] - 1) // strides[i] + 1 for i in range(3)]
    y = np.zeros((x.shape[0], *out, f.shape[-1]))
    for a, b, c in itertools.product(*map(range, out)):
        win = xp[:, a * strides[0]: a * strides[0] + (k[0] - 1) * dilations[0] + 1: dilations[0],
                 b * strides[1]: b * strides[1] + (k[1] - 1) * dilations[1] + 1: dilations[1],
                 c * strides[2]: c * strides[2] + (k[2] - 1) * dilations[2] + 1: dilations[2]]
        y[:, a, b, c] = np.tensordot(win, f, axes=([1, 2, 3, 4], [0, 1, 2, 3]))
    return y


def np_pool3d(x, k, s, padding, kind):
    pads = [_same_pads(x.shape[1 + i], k[i], s[i]) if padding == "same" else (0, 0) for i in range(3)]
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=-np.inf if kind == "max" else np.nan)
    win = sliding_window_view(xp, k, axis=(1, 2, 3))[:, ::s[0], ::s[1], ::s[2]]
    return win.max(axis=(-3, -2, -1)) if kind == "max" else np.nanmean(win, axis=(-3, -2, -1))


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_conv3d_is_conv_plus_bias_then_activation():
    layer = L.Conv3D(4, (3, 2, 2), strides=(2, 1, 1), padding="same", activation="relu",
                     bias_initializer="ones")
    assert layer.name.startswith("conv3d")
    x = _x((2, 5, 4, 6, 3))
    y = layer(x)
    assert tuple(layer.kernel.shape) == (3, 2, 2, 3, 4) and tuple(layer.bias.shape) == (4,)
    assert layer.count_params() == 3 * 2 * 2 * 3 * 4 + 4
    want = np.maximum(np_conv3d(x.astype(np.float64), layer.kernel.numpy().astype(np.float64), (2, 1, 1), "same") + 1, 0)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-5, atol=1e-5)
    assert tuple(y.shape) == (2, 3, 4, 6, 4) == layer.compute_output_shape((2, 5, 4, 6, 3))
    assert layer.compute_output_shape((None, 5, None, 6, 3)) == (None, 3, None, 6, 4)


def test_conv3d_dilated_valid_and_groups():
    layer = L.Conv3D(2, 2, dilation_rate=(1, 2, 3), use_bias=False)
    x = _x((1, 4, 6, 7, 2))
    assert layer.compute_output_shape((None, 4, 6, 7, 2)) == (None, 3, 4, 4, 2)
    np.testing.assert_allclose(layer(x).numpy(), np_conv3d(x, layer.kernel.numpy(), dilations=(1, 2, 3)),
                               rtol=1e-5, atol=1e-5)
    # groups: channels and filters split into independent convolutions
    g = L.Conv3D(6, 3, padding="same", groups=3)
    x = _x((2, 3, 4, 5, 6), seed=1)
    y = g(x).numpy()
    k, b = g.kernel.numpy(), g.bias.numpy()
    assert k.shape == (3, 3, 3, 2, 6)
    want = np.concatenate([np_conv3d(x[..., 2 * i: 2 * i + 2], k[..., 2 * i: 2 * i + 2], padding="same")
                           for i in range(3)], -1) + b
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(g(x) ** 2)
    gk, gb = tape.gradient(loss, [g.kernel, g.bias])
    assert gk.shape == (3, 3, 3, 2, 6) and gb.shape == (6,)


def test_conv3d_transpose_shapes_follow_keras_and_values_the_adjoint():
    cases = [(dict(kernel_size=3, strides=2, padding="same"), (4, 6, 8)),
             (dict(kernel_size=3, strides=2, padding="valid"), (5, 7, 9)),
             (dict(kernel_size=2, strides=3, padding="valid"), (6, 9, 12)),  # stride > kernel
             (dict(kernel_size=3, strides=2, padding="same", output_padding=1), (4, 6, 8)),
             (dict(kernel_size=3, strides=(1, 2, 3), padding="valid", output_padding=(0, 1, 2)), (4, 8, 14)),
             (dict(kernel_size=2, dilation_rate=2, padding="valid"), (4, 5, 6))]
    x = _x((2, 2, 3, 4, 3))
    for kw, spatial in cases:
        layer = L.Conv3DTranspose(5, use_bias=False, **kw)
        y = layer(x)
        assert tuple(y.shape) == (2,) + spatial + (5,), kw
        assert layer.compute_output_shape((None, 2, 3, 4, 3)) == (None,) + spatial + (5,)
        assert tuple(layer.kernel.shape) == layer.kernel_size + (5, 3)
        # <conv3d(z), x> == <z, conv3d_transpose(x)>: the same kernel both ways
        z = _x((2,) + spatial + (5,), seed=2)
        fwd = tf.nn.conv3d(z, layer.kernel, layer.strides, layer.padding.upper(), dilations=layer.dilation_rate)
        assert fwd.shape == x.shape
        np.testing.assert_allclose(np.sum(fwd.numpy() * x), np.sum(z * y.numpy()), rtol=1e-4)


def test_pooling_layers_against_numpy():
    x = _x((2, 5, 6, 7, 3))
    for cls, kind in ((L.MaxPooling3D, "max"), (L.AveragePooling3D, "avg")):
        for kw, k, s, pad in [({}, (2, 2, 2), (2, 2, 2), "valid"),
                              (dict(pool_size=3, strides=(1, 2, 3), padding="same"), (3, 3, 3), (1, 2, 3), "same"),
                              (dict(pool_size=(1, 2, 3), strides=2), (1, 2, 3), (2, 2, 2), "valid")]:
            layer = cls(**kw)
            y = layer(x)
            np.testing.assert_allclose(y.numpy(), np_pool3d(x, k, s, pad, kind), rtol=1e-6, atol=1e-6)
            assert layer.compute_output_shape((None,) + x.shape[1:]) == (None,) + tuple(y.shape[1:])
    assert L.MaxPool3D is L.MaxPooling3D and L.AvgPool3D is L.AveragePooling3D
    assert L.MaxPooling3D().name.startswith("max_pooling3d")
    np.testing.assert_array_equal(L.GlobalMaxPooling3D()(x).numpy(), x.max(axis=(1, 2, 3)))
    np.testing.assert_allclose(L.GlobalAveragePooling3D()(x).numpy(), x.mean(axis=(1, 2, 3)), rtol=1e-6)
    y = L.GlobalAvgPool3D(keepdims=True)(x)
    assert tuple(y.shape) == (2, 1, 1, 1, 3)
    assert L.GlobalMaxPool3D(keepdims=True).compute_output_shape((None, 5, 6, 7, 3)) == (None, 1, 1, 1, 3)


def test_upsampling_padding_cropping():
    x = _x((2, 2, 3, 4, 2))
    up = L.UpSampling3D((2, 1, 3))
    np.testing.assert_array_equal(up(x).numpy(), x.repeat(2, 1).repeat(1, 2).repeat(3, 3))
    assert up.compute_output_shape((None, 2, None, 4, 2)) == (None, 4, None, 12, 2)
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        s = tf.reduce_sum(up(t))
    np.testing.assert_array_equal(tape.gradient(s, t).numpy(), np.full(x.shape, 6.0))  # each copy
    zp = L.ZeroPadding3D(((1, 0), (0, 2), (3, 1)))
    np.testing.assert_array_equal(zp(x).numpy(), np.pad(x, [(0, 0), (1, 0), (0, 2), (3, 1), (0, 0)]))
    assert L.ZeroPadding3D(2).compute_output_shape((None, 2, 3, 4, 2)) == (None, 6, 7, 8, 2)
    assert L.ZeroPadding3D().padding == ((1, 1), (1, 1), (1, 1))
    cr = L.Cropping3D(((0, 1), (1, 1), (2, 0)))
    np.testing.assert_array_equal(cr(x).numpy(), x[:, 0:1, 1:2, 2:])
    assert cr.compute_output_shape((None, 2, 3, 4, 2)) == (None, 1, 1, 2, 2)


def test_depthwise_and_separable_conv1d_against_numpy():
    x = _x((2, 9, 3))
    dw = L.DepthwiseConv1D(3, strides=2, padding="same", depth_multiplier=2, bias_initializer="ones")
    y = dw(x).numpy()
    k = dw.kernel.numpy()
    assert dw.kernel is dw.depthwise_kernel and k.shape == (3, 3, 2)
    lo, _ = _same_pads(9, 3, 2)
    xp = np.pad(x, [(0, 0), (lo, 9), (0, 0)])
    want = np.zeros((2, 5, 3, 2))
    for t in range(5):
        want[:, t] = np.einsum("nkc,kcm->ncm", xp[:, 2 * t: 2 * t + 3], k)
    np.testing.assert_allclose(y, want.reshape(2, 5, 6) + 1.0, rtol=1e-5, atol=1e-5)
    assert dw.compute_output_shape((None, 9, 3)) == (None, 5, 6)
    sep = L.SeparableConv1D(4, 2, dilation_rate=3, depth_multiplier=2)
    y = sep(x).numpy()
    d, p = sep.depthwise_kernel.numpy(), sep.pointwise_kernel.numpy()
    assert d.shape == (2, 3, 2) and p.shape == (1, 6, 4)
    mid = np.stack([np.einsum("nkc,kcm->ncm", x[:, [t, t + 3]], d).reshape(2, 6) for t in range(6)], 1)
    np.testing.assert_allclose(y, mid @ p[0] + sep.bias.numpy(), rtol=1e-5, atol=1e-5)
    assert sep.compute_output_shape((None, 9, 3)) == (None, 6, 4)
    assert L.SeparableConvolution1D is L.SeparableConv1D and L.SeparableConvolution2D is L.SeparableConv2D


ALL = [(L.Conv3D, (4, 3)), (L.Conv3DTranspose, (4, 3)), (L.MaxPooling3D, ()), (L.AveragePooling3D, ()),
       (L.GlobalMaxPooling3D, ()), (L.GlobalAveragePooling3D, ()), (L.UpSampling3D, ()),
       (L.ZeroPadding3D, ()), (L.Cropping3D, ()), (L.DepthwiseConv1D, (3,)), (L.SeparableConv1D, (4, 3))]


@pytest.mark.parametrize("cls,args", ALL, ids=[c.__name__ for c, _ in ALL])
def test_get_config_has_every_constructor_argument_and_rebuilds(cls, args):
    layer = cls(*args)
    cfg = layer.get_config()
    params = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "kwargs")]
    missing = [p for p in params if p not in cfg]
    assert not missing, f"{cls.__name__}.get_config lacks {missing}"
    assert {"name", "trainable", "dtype"} <= set(cfg)
    again = cls.from_config({**cfg, "name": cfg["name"] + "_copy"})
    cfg2 = again.get_config()
    cfg2["name"] = cfg["name"]
    assert cfg2 == cfg


def test_config_carries_initializers_regularizers_and_options():
    layer = L.Conv3D(8, (1, 2, 3), strides=2, padding="same", dilation_rate=1, groups=2, activation="tanh",
                     kernel_initializer="he_normal", bias_initializer="ones", kernel_regularizer="l2",
                     bias_regularizer=keras.regularizers.L1(0.5), activity_regularizer="l1")
    cfg = layer.get_config()
    assert cfg["kernel_size"] == (1, 2, 3) and cfg["strides"] == (2, 2, 2) and cfg["groups"] == 2
    assert cfg["activation"] == "tanh" and cfg["padding"] == "same" and cfg["data_format"] == "channels_last"
    assert cfg["kernel_initializer"]["class_name"] == "HeNormal"
    assert cfg["bias_regularizer"]["class_name"] == "L1" and cfg["bias_regularizer"]["config"] == {"l1": 0.5}
    assert cfg["activity_regularizer"]["class_name"] == "L1"
    again = L.Conv3D.from_config(cfg)
    assert isinstance(again.kernel_initializer, keras.initializers.HeNormal)
    assert again.get_config() == cfg
    # the regularizers add their penalties to `losses`
    x = _x((1, 3, 4, 5, 4))
    layer(x)
    assert len(layer.losses) == 3
    want = 0.01 * np.sum(layer.kernel.numpy() ** 2)
    np.testing.assert_allclose(float(layer.losses[1]), want, rtol=1e-5)
    tr = L.Conv3DTranspose(2, 3, strides=2, output_padding=(1, 0, 1))
    assert tr.get_config()["output_padding"] == (1, 0, 1)
    assert L.SeparableConv1D(3, 2, pointwise_regularizer="l1").get_config()["pointwise_regularizer"]["class_name"] == "L1"


def test_a_small_3d_cnn_learns():
    tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 6, 6, 6, 1)).astype(np.float32)
    y = (x[:, 2:4, 2:4, 2:4, 0].mean(axis=(1, 2, 3)) > 0).astype(np.int32)
    model = keras.Sequential([
        keras.Input(shape=(6, 6, 6, 1)),
        L.Conv3D(4, 3, padding="same", activation="relu"),
        L.MaxPooling3D(),
        L.Conv3DTranspose(2, 2, strides=2),
        L.AveragePooling3D(2),
        L.Flatten(),
        L.Dense(2),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.02),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.3 * first


def test_functional_shapes():
    inp = keras.Input(shape=(4, 5, 6, 2))
    h = L.Conv3D(3, 3, padding="same")(inp)
    h = L.ZeroPadding3D(1)(h)
    h = L.Cropping3D(((0, 2), (1, 1), (2, 2)))(h)
    out = L.UpSampling3D(2)(h)
    model = keras.Model(inp, out)
    assert tuple(out.shape) == (None, 8, 10, 8, 3)
    assert model.predict(_x((2, 4, 5, 6, 2)), verbose=0).shape == (2, 8, 10, 8, 3)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Conv3D .*`filters` must be a positive integer, got 0"):
        L.Conv3D(0, 3)
    with pytest.raises(ValueError, match=r"Conv3D .*`kernel_size` must be an int or a tuple of 3 ints, got \(3, 3\)"):
        L.Conv3D(2, (3, 3))
    with pytest.raises(ValueError, match=r"Conv3D .*`strides` must be positive, got -1"):
        L.Conv3D(2, 3, strides=-1)
    with pytest.raises(ValueError, match="Conv3D .*`padding` must be 'valid' or 'same', got 'causal'"):
        L.Conv3D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="MaxPooling3D .*only data_format='channels_last' is supported"):
        L.MaxPooling3D(data_format="channels_first")
    with pytest.raises(ValueError, match="Unknown constraint: 'no_such_constraint'"):
        L.Conv3D(2, 3, kernel_constraint="no_such_constraint")
    with pytest.raises(ValueError, match="Could not interpret constraint function identifier: 5"):
        L.Conv3D(2, 3, kernel_constraint=5)
    with pytest.raises(ValueError, match="the number of filters must be evenly divisible by the number of groups"):
        L.Conv3D(5, 3, groups=2)
    with pytest.raises(ValueError, match=r"input channels must be evenly divisible by the number of groups. Received groups=2, but the input has 3 channels"):
        L.Conv3D(4, 3, groups=2)(_x((1, 3, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"Conv3D .*expects inputs of shape \(batch, depth, height, width, channels\), got \(1, 3, 3, 3\)"):
        L.Conv3D(2, 3)(_x((1, 3, 3, 3)))
    layer = L.Conv3D(2, 1)
    layer(_x((1, 2, 2, 2, 3)))
    with pytest.raises(ValueError, match=r"Input 0 of layer .* is incompatible with the layer: expected shape \(batch, depth, height, width, 3\), but received input with shape \(1, 2, 2, 2, 4\)"):
        layer(_x((1, 2, 2, 2, 4)))
    with pytest.raises(ValueError, match=r"Conv3DTranspose .*strides must be greater than output padding"):
        L.Conv3DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match=r"Cropping3D .*cropping .* is too large for inputs of shape \(1, 2, 5, 5, 1\)"):
        L.Cropping3D(1)(_x((1, 2, 5, 5, 1)))
    with pytest.raises(ValueError, match=r"ZeroPadding3D .*`padding` must be"):
        L.ZeroPadding3D((1, 2))
    with pytest.raises(ValueError, match=r"DepthwiseConv1D .*`depth_multiplier` must be a positive integer"):
        L.DepthwiseConv1D(3, depth_multiplier=0)
    with pytest.raises(ValueError, match=r"SeparableConv1D .*expects inputs of shape \(batch, steps, channels\)"):
        L.SeparableConv1D(2, 3)(_x((1, 4, 4, 2)))
    with pytest.raises(ValueError, match=r"UpSampling3D .*`size` must be positive"):
        L.UpSampling3D(0)
