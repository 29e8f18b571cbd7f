"""keras.layers.Dropout, BatchNormalization, Reshape and the training flag: fit and
train_on_batch call the model with training=True, evaluate and predict without."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras


def test_dropout_only_in_training():
    tf.random.set_seed(3)
    x = np.ones((200, 50), np.float32)
    d = keras.layers.Dropout(0.3)
    np.testing.assert_array_equal(d(x).numpy(), x)
    np.testing.assert_array_equal(d(x, training=False).numpy(), x)
    y = d(x, training=True).numpy()
    kept = y != 0
    assert 0.6 < kept.mean() < 0.8
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    # noise_shape with None: one draw per example, shared along the features
    y = keras.layers.Dropout(0.5, noise_shape=(None, 1))(x, training=True).numpy()
    assert all(len(set(row)) == 1 for row in y)
    np.testing.assert_array_equal(keras.layers.Dropout(1.0)(x, training=True).numpy(), 0 * x)
    with pytest.raises(ValueError, match="between 0 and 1"):
        keras.layers.Dropout(1.5)


def test_batch_normalization_training_and_inference():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 3)) * [1.0, 3.0, 0.5] + [2.0, -1.0, 0.0]).astype(np.float32)
    bn = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-3)
    y = bn(x, training=True).numpy()
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.9 + 0.1 * var, rtol=1e-5)
    # inference: the moving statistics, gamma and beta
    bn.gamma.assign([2.0, 1.0, 1.0])
    bn.beta.assign([0.0, 1.0, 0.0])
    want = (x - 0.1 * mean) / np.sqrt(0.9 + 0.1 * var + 1e-3) * [2.0, 1.0, 1.0] + [0.0, 1.0, 0.0]
    np.testing.assert_allclose(bn(x).numpy(), want, rtol=1e-5, atol=1e-5)
    assert [w.name.split("/")[-1] for w in bn.weights] == ["gamma:0", "beta:0", "moving_mean:0", "moving_variance:0"]
    assert len(bn.trainable_weights) == 2 and len(bn.non_trainable_weights) == 2
    # the gradient flows through the batch statistics (training) to gamma, beta and x
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        out = tf.reduce_sum(bn(xt, training=True) * np.arange(3, dtype=np.float32))
    gx, gg, gb = tape.gradient(out, [xt, bn.gamma, bn.beta])
    np.testing.assert_allclose(gb.numpy(), [0.0, 64.0, 128.0], rtol=1e-5)
    np.testing.assert_allclose(gx.numpy().sum(0), 0.0, atol=1e-3)  # a shift of x changes nothing


def test_batch_normalization_on_images_normalizes_channels():
    x = np.random.default_rng(1).standard_normal((8, 4, 4, 3)).astype(np.float32) * 5 + 3
    y = keras.layers.BatchNormalization()(x, training=True).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(y.std(axis=(0, 1, 2)), 1.0, rtol=1e-3)


def test_reshape():
    r = keras.layers.Reshape((2, -1))
    assert tuple(r(np.zeros((5, 12), np.float32)).shape) == (5, 2, 6)
    assert r.compute_output_shape((None, 12)) == (None, 2, 6)
    with pytest.raises(ValueError, match="one -1"):
        keras.layers.Reshape((-1, -1))


def test_fit_trains_with_the_flag_and_predict_does_not():
    tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 6)).astype(np.float32)
    y = (x @ rng.standard_normal((6, 1))).astype(np.float32)
    model = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.BatchNormalization(),
                              keras.layers.Dropout(0.2), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    hist = model.fit(x, y, epochs=15, batch_size=32, verbose=0)
    assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]
    bn = model.layers[1]
    assert np.any(bn.moving_mean.numpy() != 0)  # fit ran it in training mode
    moved = bn.moving_mean.numpy().copy()
    p1, p2 = model.predict(x, verbose=0), model.predict(x, verbose=0)
    np.testing.assert_array_equal(p1, p2)  # no dropout, no batch statistics
    model.evaluate(x, y, verbose=0)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), moved)  # inference leaves them alone
    model.train_on_batch(x[:32], y[:32])
    assert np.any(bn.moving_mean.numpy() != moved)


def test_plain_callables_in_a_sequential_get_no_training_flag():
    model = keras.Sequential([keras.layers.Dense(4), keras.layers.Dropout(0.5), lambda t: tf.nn.relu(t),
                              keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((8, 3), np.float32)
    model.fit(x, np.zeros((8, 1), np.float32), epochs=1, verbose=0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))


def test_nested_sequential_and_shape_changing_callables_build_right():
    inner = keras.Sequential([keras.layers.Dense(4), keras.layers.Dropout(0.5)])
    model = keras.Sequential([keras.Input(shape=(3,)), inner, keras.layers.Dense(1)])
    assert tuple(model.layers[1].kernel.shape) == (4, 1)  # built from the inner model's output
    assert model.compute_output_shape((None, 3)) == (None, 1)
    model.compile(optimizer="sgd", loss="mse")
    x = np.ones((8, 3), np.float32)
    model.fit(x, np.zeros((8, 1), np.float32), epochs=1, verbose=0)
    assert len(model.trainable_variables) == 4
    lines = []
    model.summary(print_fn=lines.append)
    assert any("(None, 4)" in line for line in lines)
    # after a callable that changes the shape, the next layers build on the first call
    m = keras.Sequential([keras.Input(shape=(2, 3)), lambda t: tf.reshape(t, [-1, 6]), keras.layers.Dense(2)])
    assert tuple(m(np.ones((4, 2, 3), np.float32)).shape) == (4, 2)
    assert tuple(m.layers[1].kernel.shape) == (6, 2)


def _cnn(seed):
    tf.random.set_seed(seed)
    return keras.Sequential([keras.Input(shape=(6, 6, 1)), keras.layers.Conv2D(3, 3),
                             keras.layers.BatchNormalization(), keras.layers.Flatten(), keras.layers.Dense(2)])


def test_save_and_load_weights(tmp_path):
    x = np.random.default_rng(0).standard_normal((4, 6, 6, 1)).astype(np.float32)
    a = _cnn(1)
    a(x, training=True)  # moves the BatchNormalization statistics: they are saved too
    path = str(tmp_path / "model.weights.npz")
    a.save_weights(path)
    b = _cnn(2)
    assert not np.array_equal(a.predict(x, verbose=0), b.predict(x, verbose=0))
    b.load_weights(path)
    np.testing.assert_array_equal(a.predict(x, verbose=0), b.predict(x, verbose=0))
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    # another architecture: refused, and nothing changes
    c = keras.Sequential([keras.Input(shape=(6, 6, 1)), keras.layers.Conv2D(4, 3), keras.layers.Flatten(),
                          keras.layers.Dense(2)])
    before = [w.copy() for w in c.get_weights()]
    with pytest.raises(ValueError, match="expects 4 weights, got 8"):
        c.load_weights(path)
    for w0, w1 in zip(before, c.get_weights()):
        np.testing.assert_array_equal(w0, w1)
    with pytest.raises(FileExistsError, match="overwrite=False"):
        a.save_weights(path, overwrite=False)
    with pytest.raises(ValueError, match="build the model"):
        keras.Sequential([keras.layers.Dense(2)]).save_weights(str(tmp_path / "x.npz"))
