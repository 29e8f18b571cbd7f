"""Keras behaviour where a differential run against TF 2.21 / Keras 3.15 (session 22) found
tapegrad diverging; the expected numbers are Keras 3's for the same calls."""
import warnings

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras


def test_frozen_batch_normalization_runs_in_inference_mode():
    lay = keras.layers.BatchNormalization()
    x = np.array([[1.0, 2.0], [3.0, 6.0]], np.float32)
    lay(x, training=False)
    lay.trainable = False
    y = lay(x, training=True)  # Keras 3: frozen BN uses (and keeps) the moving statistics
    np.testing.assert_allclose(y.numpy(), x / np.sqrt(1 + 1e-3), rtol=1e-6)
    np.testing.assert_array_equal(lay.moving_mean.numpy(), [0, 0])
    np.testing.assert_array_equal(lay.moving_variance.numpy(), [1, 1])
    lay.trainable = True
    lay(x, training=True)
    np.testing.assert_allclose(lay.moving_mean.numpy(), [0.02, 0.04], rtol=1e-6)


def test_frozen_batch_normalization_in_fit_keeps_its_moving_statistics():
    model = keras.Sequential([keras.Input((4,)), keras.layers.BatchNormalization(), keras.layers.Dense(2)])
    model.layers[0].trainable = False
    model.compile("sgd", "mse")
    x = np.arange(32, dtype=np.float32).reshape(8, 4)
    model.fit(x, np.zeros((8, 2), np.float32), epochs=2, verbose=0)
    np.testing.assert_array_equal(model.layers[0].moving_mean.numpy(), np.zeros(4))


@pytest.mark.parametrize("make", [keras.layers.LayerNormalization, keras.layers.BatchNormalization])
def test_normalization_after_a_manual_build(make):
    lay = make()
    lay.build((4, 3))
    y = lay(np.arange(12, dtype=np.float32).reshape(4, 3), training=False)
    assert y.shape == (4, 3) and np.isfinite(y.numpy()).all()
    with pytest.raises(ValueError, match="incompatible"):
        lay(np.ones((4, 3, 1), np.float32))


def test_callable_learning_rate_takes_no_arguments_schedules_take_the_step():
    v = tf.Variable([1.0])
    keras.optimizers.SGD(lambda: 0.5).apply_gradients([(tf.constant([1.0]), v)])
    np.testing.assert_array_equal(v.numpy(), [0.5])
    opt = keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(1.0, 1, 0.5))
    for _ in range(2):
        opt.apply_gradients([(tf.constant([1.0]), v)])
    np.testing.assert_array_equal(v.numpy(), [0.5 - 1.0 - 0.5])


def test_apply_gradients_of_nothing_is_a_no_op_and_fit_of_a_frozen_model_warns():
    opt = keras.optimizers.Adam()
    assert int(opt.apply_gradients([])) == 0
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply_gradients([(None, tf.Variable(1.0))])
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.trainable = False
    model.compile("sgd", "mse")
    w = model.get_weights()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hist = model.fit(np.ones((4, 2), np.float32), np.ones((4, 1), np.float32), epochs=2, verbose=0)
    assert any("does not have any trainable weights" in str(c.message) for c in caught)
    assert len(hist.history["loss"]) == 2
    for a, b in zip(w, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_embedding_compute_mask_on_numpy_ids():
    e = keras.layers.Embedding(5, 2, mask_zero=True)
    e.build((None,))
    np.testing.assert_array_equal(e.compute_mask(np.array([[1, 0]], np.int64)).numpy(), [[True, False]])
    np.testing.assert_array_equal(e.compute_mask(np.array([[0, 3]], np.int32)).numpy(), [[False, True]])


def test_learning_rate_reads_as_a_value_with_assign_and_numpy():
    opt = keras.optimizers.SGD(0.5)
    assert opt.learning_rate == 0.5 and opt.learning_rate.numpy().dtype == np.float32
    opt.learning_rate.assign(0.25)  # the Keras 3 idiom in custom loops and callbacks
    v = tf.Variable([1.0])
    opt.apply_gradients([(tf.constant([1.0]), v)])
    np.testing.assert_array_equal(v.numpy(), [0.75])
    opt.learning_rate = tf.constant(0.125)
    assert float(opt.learning_rate) == 0.125 and opt.get_config()["learning_rate"] == 0.125
    sched = keras.optimizers.Adam(keras.optimizers.schedules.ExponentialDecay(0.1, 1, 0.5))
    assert float(sched.learning_rate) == pytest.approx(0.1)  # the schedule's value now (TF: 0.1)
    sched.apply_gradients([(tf.constant([1.0]), v)])
    assert float(sched.learning_rate) == pytest.approx(0.05)
    with pytest.raises(TypeError, match="schedule"):
        sched.learning_rate.assign(0.3)
