"""keras.layers.Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D,
GlobalMaxPooling2D: shapes, values against tf.nn, Keras' documented examples, a small CNN that
learns, and bad arguments."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras


def test_conv2d_builds_and_computes_conv_plus_bias_then_activation():
    layer = keras.layers.Conv2D(4, (3, 2), strides=(2, 1), padding="same", activation="relu",
                                bias_initializer="ones")
    assert layer.name.startswith("conv2d")
    x = np.random.default_rng(0).standard_normal((2, 7, 5, 3)).astype(np.float32)
    y = layer(x)
    assert tuple(layer.kernel.shape) == (3, 2, 3, 4) and tuple(layer.bias.shape) == (4,)
    assert layer.count_params() == 3 * 2 * 3 * 4 + 4
    want = np.maximum(tf.nn.conv2d(x, layer.kernel, [2, 1], "SAME").numpy() + 1.0, 0.0)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-6, atol=1e-6)
    assert tuple(y.shape) == (2, 4, 5, 4)
    assert layer.compute_output_shape((None, 7, 5, 3)) == (None, 4, 5, 4)
    cfg = layer.get_config()
    assert cfg["filters"] == 4 and cfg["kernel_size"] == (3, 2) and cfg["padding"] == "same"


def test_conv2d_valid_dilated_shape_and_gradients():
    layer = keras.layers.Conv2D(2, 3, dilation_rate=2, use_bias=False)
    x = tf.constant(np.ones((1, 9, 8, 1), np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(x))
    assert layer.compute_output_shape((None, 9, 8, 1)) == (None, 5, 4, 2)
    g = tape.gradient(y, layer.trainable_variables)
    assert len(g) == 1 and tuple(g[0].shape) == (3, 3, 1, 2)
    np.testing.assert_allclose(g[0].numpy(), np.full((3, 3, 1, 2), 20.0))  # 5 x 4 windows, all ones


def test_pooling_layers_keras_documented_examples():
    x = tf.reshape(tf.constant([[1., 2., 3.], [4., 5., 6.], [7., 8., 9.]]), [1, 3, 3, 1])
    mp = keras.layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="valid")
    np.testing.assert_array_equal(mp(x).numpy()[0, :, :, 0], [[5, 6], [8, 9]])
    assert mp.name.startswith("max_pooling2d")
    mp = keras.layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same")
    np.testing.assert_array_equal(mp(x).numpy()[0, :, :, 0], [[5, 6, 6], [8, 9, 9], [8, 9, 9]])
    ap = keras.layers.AveragePooling2D(pool_size=(2, 2), strides=(1, 1), padding="valid")
    np.testing.assert_array_equal(ap(x).numpy()[0, :, :, 0], [[3, 4], [6, 7]])
    # strides default to the pool size
    x4 = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    np.testing.assert_array_equal(keras.layers.MaxPooling2D()(x4).numpy()[0, :, :, 0], [[5, 7], [13, 15]])
    assert keras.layers.MaxPooling2D().compute_output_shape((None, 5, 5, 3)) == (None, 2, 2, 3)
    assert keras.layers.AveragePooling2D(3, 2, "same").compute_output_shape((None, 5, 5, 3)) == (None, 3, 3, 3)


def test_global_pooling():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    np.testing.assert_allclose(keras.layers.GlobalAveragePooling2D()(x).numpy(), x.mean(axis=(1, 2)))
    np.testing.assert_array_equal(keras.layers.GlobalMaxPooling2D()(x).numpy(), x.max(axis=(1, 2)))
    y = keras.layers.GlobalAveragePooling2D(keepdims=True)(x)
    assert tuple(y.shape) == (2, 1, 1, 5)


def test_a_small_cnn_learns():
    tf.random.set_seed(1)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((256, 10, 10, 1)).astype(np.float32)
    y = (x[:, 2:8, 2:8, 0].mean(axis=(1, 2)) > 0).astype(np.int32)  # depends on the centre only
    model = keras.Sequential([
        keras.Input(shape=(10, 10, 1)),
        keras.layers.Conv2D(8, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(2),
    ])
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    hist = model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    assert hist.history["loss"][-1] < 0.6 * hist.history["loss"][0]
    assert hist.history["accuracy"][-1] > 0.75
    assert model.predict(x[:3], verbose=0).shape == (3, 2)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`filters` must be a positive integer"):
        keras.layers.Conv2D(0, 3)
    with pytest.raises(ValueError, match="`kernel_size` must be an int or a pair"):
        keras.layers.Conv2D(2, (1, 2, 3))
    with pytest.raises(ValueError, match="`padding` must be 'valid' or 'same'"):
        keras.layers.Conv2D(2, 3, padding="full")
    with pytest.raises(ValueError, match="only data_format='channels_last'"):
        keras.layers.MaxPooling2D(data_format="channels_first")
    with pytest.raises(ValueError, match="expects inputs of shape \\(batch, height, width, channels\\)"):
        keras.layers.Conv2D(2, 3)(np.ones((4, 4, 1), np.float32))
    layer = keras.layers.Conv2D(2, 3)
    layer(np.ones((1, 5, 5, 3), np.float32))
    with pytest.raises(ValueError, match="is incompatible with the layer"):
        layer(np.ones((1, 5, 5, 2), np.float32))


def test_depthwise_and_separable_conv2d_layers():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 6, 5, 3)).astype(np.float32)
    d = keras.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", bias_initializer="ones")
    y = d(x)
    assert tuple(d.depthwise_kernel.shape) == (3, 3, 3, 2) and tuple(d.bias.shape) == (6,)
    assert d.depthwise_kernel.name.endswith("depthwise_kernel:0")
    want = tf.nn.depthwise_conv2d(x, d.depthwise_kernel, [1, 1, 1, 1], "SAME").numpy() + 1.0
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-6, atol=1e-6)
    assert d.compute_output_shape((None, 6, 5, 3)) == (None, 6, 5, 6)
    # channel c's outputs are c * M + m, each from channel c alone
    x0 = x.copy()
    x0[..., 1] = 0.0
    changed = np.any(d(x).numpy() != d(x0).numpy(), axis=(0, 1, 2))
    np.testing.assert_array_equal(changed, [False, False, True, True, False, False])
    s = keras.layers.SeparableConv2D(4, 3, depth_multiplier=2, activation="relu")
    y = s(x)
    assert [w.name.split("/")[-1] for w in s.weights] == ["depthwise_kernel:0", "pointwise_kernel:0", "bias:0"]
    assert tuple(s.pointwise_kernel.shape) == (1, 1, 6, 4)
    want = np.maximum(tf.nn.separable_conv2d(x, s.depthwise_kernel, s.pointwise_kernel, 1, "VALID").numpy(), 0)
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-6, atol=1e-6)
    assert s.compute_output_shape((None, 6, 5, 3)) == (None, 4, 3, 4) == (None,) + tuple(y.shape[1:])
    with pytest.raises(ValueError, match="`depth_multiplier` must be a positive integer"):
        keras.layers.DepthwiseConv2D(3, depth_multiplier=0)


def test_1d_pooling_layers():
    x = np.arange(2 * 7 * 3, dtype=np.float32).reshape(2, 7, 3)
    y = keras.layers.MaxPooling1D()(x).numpy()
    np.testing.assert_array_equal(y, x[:, 1:7:2])  # increasing steps: each window's last
    assert keras.layers.MaxPooling1D().compute_output_shape((None, 7, 3)) == (None, 3, 3)
    y = keras.layers.AveragePooling1D(3, 2, "same")(x).numpy()
    want = np.stack([x[:, max(0, 2 * t - 1): 2 * t + 2].mean(axis=1) for t in range(4)], axis=1)
    np.testing.assert_allclose(y, want, rtol=1e-6)
    np.testing.assert_allclose(keras.layers.GlobalAveragePooling1D()(x).numpy(), x.mean(axis=1))
    np.testing.assert_array_equal(keras.layers.GlobalMaxPooling1D(keepdims=True)(x).numpy(), x.max(axis=1, keepdims=True))


def test_zero_padding_and_upsampling():
    x = np.arange(2 * 2 * 3 * 1, dtype=np.float32).reshape(2, 2, 3, 1) + 1
    y = keras.layers.ZeroPadding2D(((1, 2), (0, 1)))(x).numpy()
    np.testing.assert_array_equal(y, np.pad(x, [(0, 0), (1, 2), (0, 1), (0, 0)]))
    assert keras.layers.ZeroPadding2D(2).compute_output_shape((None, 2, 3, 1)) == (None, 6, 7, 1)
    up = keras.layers.UpSampling2D((2, 3))
    y = up(x)
    np.testing.assert_array_equal(y.numpy(), x.repeat(2, axis=1).repeat(3, axis=2))
    assert up.compute_output_shape((None, 2, 3, 1)) == (None, 4, 9, 1)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        s = tf.reduce_sum(up(xt))
    np.testing.assert_array_equal(tape.gradient(s, xt).numpy(), np.full(x.shape, 6.0))  # 2 x 3 copies
    with pytest.raises(ValueError, match="`interpolation` must be one of"):
        keras.layers.UpSampling2D(interpolation="area")  # bilinear etc.: test_augmentation_tf_parity
    with pytest.raises(ValueError, match="`padding` must be an int"):
        keras.layers.ZeroPadding2D(((1, -1), (0, 0)))


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides", [1, 2, 3])
def test_conv1d_transpose_is_the_adjoint_of_conv1d(padding, strides):
    """<conv1d_transpose(x), y> equals <x, conv1d(y)> with the same kernel (the adjoint), and
    the shapes are Keras'."""
    from tapegrad.testing import check_gradients
    rng = np.random.default_rng(strides)
    x = rng.standard_normal((2, 5, 3))
    layer = keras.layers.Conv1DTranspose(4, 3, strides=strides, padding=padding,
                                         use_bias=False, dtype="float64")
    y = layer(x).numpy()
    t = 5 * strides if padding == "same" else 4 * strides + 3
    assert y.shape == (2, t, 4)
    k = layer.kernel.numpy()  # (3, 4, 3): (k, filters, in)
    probe = rng.standard_normal(y.shape)
    conv = tf.nn.conv1d(tf.constant(probe), tf.constant(k), strides, padding.upper()).numpy()
    np.testing.assert_allclose((y * probe).sum(), (x * conv).sum(), rtol=1e-10)
    check_gradients(lambda v: layer(v), [x])
    assert keras.layers.Convolution1DTranspose is keras.layers.Conv1DTranspose
    assert keras.layers.MaxPool2D is keras.layers.MaxPooling2D
