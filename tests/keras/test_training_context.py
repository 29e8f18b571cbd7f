"""Keras' call context: a layer called without ``training`` takes its enclosing call's.

Keras 3 resolves a layer call's ``training`` as: the argument when given (not None), else the
value of the enclosing layer call on this thread, else the default of the layer's own
``call`` signature. ``fit`` calls the model with True, ``predict``/``evaluate`` with False.
Before, tapegrad passed None to sublayers that a subclassed model's ``call`` ran without
``training``: under ``fit`` their Dropout never dropped and their BatchNormalization never
used batch statistics nor moved its averages (silently different training from Keras').
"""
import threading

import numpy as np
import pytest

import tapegrad as tf

keras = tf.keras


class Recorder(keras.layers.Layer):
    """Records the ``training`` each call received."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.seen = []

    def call(self, x, training=None):
        self.seen.append(training)
        return x


class NoDefault(keras.layers.Layer):
    def call(self, x, training):  # no default: must still be callable without it
        self.got = training
        return x


class Outer(keras.Model):
    """A subclassed model whose call runs its layers without passing ``training``."""

    def __init__(self):
        super().__init__()
        self.rec = Recorder()
        self.dense = keras.layers.Dense(4, kernel_initializer="ones")
        self.bn = keras.layers.BatchNormalization()

    def call(self, x):
        return self.bn(self.dense(self.rec(x)))


def test_sublayers_inherit_the_models_training():
    m = Outer()
    x = np.arange(24, dtype=np.float32).reshape(8, 3)
    m(x)
    m(x, training=True)
    m(x, training=False)
    assert m.rec.seen == [None, True, False]


class OuterTakesTraining(Outer):
    """The same layers; ``call`` takes ``training`` but does not pass it on."""

    def call(self, x, training=None):
        return self.bn(self.dense(self.rec(x)))


def _fit_once(model):
    x = np.ones((8, 3), np.float32)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, np.zeros((8, 4), np.float32), epochs=1, batch_size=8, verbose=0)
    return x


def test_fit_trains_batchnorm_in_a_call_that_takes_training():
    # Keras 3.15 (TF 2.21), this model and data: one SGD epoch on 8 rows of ones moves BN's
    # moving mean from 0 to (1 - 0.99) * 3 = 0.03 per unit (the Dense output is 3).
    m = OuterTakesTraining()
    x = _fit_once(m)
    np.testing.assert_allclose(m.bn.moving_mean.numpy(), np.full(4, 0.03, np.float32), rtol=1e-5)
    assert m.rec.seen[-1] is True
    m.predict(x, verbose=0)
    assert m.rec.seen[-1] is False
    m.evaluate(x, np.zeros((8, 4), np.float32), verbose=0)
    assert m.rec.seen[-1] is False


def test_fit_passes_no_training_to_a_call_without_it():
    # Keras 3.15's trainer passes training only to a call that takes it: with call(self, x),
    # fit leaves the BatchNormalization in inference mode (moving mean stays 0, checked in
    # Keras), and the layers see None; a direct call with training=True still trains it.
    m = Outer()
    x = _fit_once(m)
    np.testing.assert_array_equal(m.bn.moving_mean.numpy(), np.zeros(4, np.float32))
    assert m.rec.seen[-1] is None
    m.predict(x, verbose=0)
    assert m.rec.seen[-1] is None
    fresh = Outer()
    fresh(x, training=True)
    np.testing.assert_allclose(fresh.bn.moving_mean.numpy(), np.full(4, 0.03, np.float32), rtol=1e-5)


def test_dropout_inside_a_subclassed_call_drops_under_training_true():
    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.drop = keras.layers.Dropout(0.5, seed=3)

        def call(self, x):
            return self.drop(x)

    m = M()
    x = np.ones((64, 64), np.float32)
    out = m(x, training=True).numpy()
    assert (out == 0).mean() > 0.3 and set(np.unique(out)) <= {0.0, 2.0}
    np.testing.assert_array_equal(m(x).numpy(), x)  # Dropout's default: inference
    np.testing.assert_array_equal(m(x, training=False).numpy(), x)


def test_an_explicit_value_overrides_and_is_inherited_below_it():
    inner_rec = Recorder()

    class Inner(keras.layers.Layer):
        def call(self, x):
            return inner_rec(x)

    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.inner = Inner()
            self.rec = Recorder()

        def call(self, x):
            y = self.inner(x, training=False)  # explicit: its sublayers see False
            return self.rec(y)  # back to the model's value after it

    m = M()
    m(np.ones((2, 2), np.float32), training=True)
    # Keras 3.15 gives the later layer False too: its call context keeps the last value set
    # (an inner call's explicit one) until the outermost call returns; here each call's value
    # holds only inside it, so the model's own True comes back after the inner call.
    assert inner_rec.seen == [False] and m.rec.seen == [True]


def test_sequential_inside_a_subclassed_call_inherits():
    rec = Recorder()

    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.seq = keras.Sequential([keras.layers.Dense(2), rec])

        def call(self, x):
            return self.seq(x)

    m = M()
    m(np.ones((2, 3), np.float32), training=True)
    m(np.ones((2, 3), np.float32), training=False)
    assert rec.seen == [True, False]


def test_the_context_is_restored_after_an_exception():
    class Boom(keras.layers.Layer):
        def call(self, x, training=None):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        Boom()(np.ones((1, 1), np.float32), training=True)
    rec = Recorder()
    rec(np.ones((1, 1), np.float32))
    assert rec.seen == [None]


def test_a_call_without_default_gets_none_alone():
    layer = NoDefault()
    layer(np.ones((1, 1), np.float32))
    assert layer.got is None
    layer(np.ones((1, 1), np.float32), training=True)
    assert layer.got is True


def test_the_context_is_per_thread():
    other = Recorder()
    seen_in_thread = []

    class Spawner(keras.layers.Layer):
        def call(self, x, training=None):
            t = threading.Thread(target=lambda: seen_in_thread.append(other(x) is not None))
            t.start()
            t.join()
            return x

    Spawner()(np.ones((1, 1), np.float32), training=True)
    assert seen_in_thread == [True] and other.seen == [None]


def test_random_flip_augments_unless_training_is_false():
    # Keras 3: RandomFlip's call defaults to training=True, so a plain call flips; predict
    # (training=False) and an explicit False do not.
    x = np.arange(2 * 4 * 4 * 1, dtype=np.float32).reshape(2, 4, 4, 1)
    x = np.repeat(x, 16, axis=0)  # 32 images: some flip with any seed
    layer = keras.layers.RandomFlip("horizontal", seed=1)
    out = layer(x).numpy()
    flipped = [not np.array_equal(o, i) for o, i in zip(out, x)]
    assert any(flipped) and not all(flipped)
    for o, i, f in zip(out, x, flipped):
        if f:
            np.testing.assert_array_equal(o, i[:, ::-1])
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    model = keras.Sequential([keras.Input((4, 4, 1)), layer])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


def test_augmentation_in_predict_is_off():
    x = np.random.default_rng(0).random((4, 8, 8, 3)).astype(np.float32)
    model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.RandomRotation(0.2, seed=0),
                              keras.layers.RandomZoom(0.2, seed=0)])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    assert not np.array_equal(model(x).numpy(), x)  # a plain call augments, as Keras
