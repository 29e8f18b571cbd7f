"""tapegrad.random and the initialisers: reproducible with set_seed."""

import numpy as np

import tapegrad as tf
from tapegrad import keras


def test_set_seed_reproduces_normal_and_uniform():
    tf.random.set_seed(42)
    a = tf.random.normal((3, 4)).numpy(), tf.random.uniform((5,), -1, 1).numpy()
    tf.random.set_seed(42)
    b = tf.random.normal((3, 4)).numpy(), tf.random.uniform((5,), -1, 1).numpy()
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[0].dtype == np.float32
    assert (a[1] >= -1).all() and (a[1] < 1).all()
    tf.random.set_seed(43)
    c = tf.random.normal((3, 4)).numpy()
    assert not np.array_equal(a[0], c)


def test_normal_moments_and_dtype():
    tf.random.set_seed(0)
    x = tf.random.normal((20000,), mean=2.0, stddev=3.0, dtype=tf.float64).numpy()
    assert x.dtype == np.float64
    assert abs(x.mean() - 2.0) < 0.1 and abs(x.std() - 3.0) < 0.1


def test_truncated_normal_is_cut():
    tf.random.set_seed(0)
    x = tf.random.truncated_normal((10000,), stddev=1.0).numpy()
    assert np.abs(x).max() <= 2.0


def test_models_built_after_set_seed_are_identical():
    def build():
        tf.random.set_seed(7)
        m = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
        m.build((None, 3))
        return m.get_weights()
    for a, b in zip(build(), build()):
        np.testing.assert_array_equal(a, b)


def test_op_seed_sequence_restarts_with_set_seed():
    # as TF's stateful ops: the op seed's sequence advances, and set_seed starts it again
    tf.random.set_seed(1)
    a = tf.random.uniform((4,), seed=5).numpy()
    b = tf.random.uniform((4,), seed=5).numpy()
    assert not np.array_equal(a, b)
    tf.random.set_seed(1)
    np.testing.assert_array_equal(tf.random.uniform((4,), seed=5).numpy(), a)
