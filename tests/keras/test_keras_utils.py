"""keras.utils and keras.backend helpers: to_categorical (Keras' documented example), normalize,
set_random_seed (repeatable layers and shuffles), clear_session (names start again)."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras


def test_to_categorical_documented_example_and_shapes():
    a = keras.utils.to_categorical([0, 1, 2, 3], num_classes=4)
    np.testing.assert_array_equal(a, np.eye(4, dtype=np.float32))
    assert a.dtype == np.float64  # Keras 3 (TF 2.21): float64
    b = keras.utils.to_categorical(np.array([[1], [0], [2]]))  # trailing 1 dropped, classes 3
    np.testing.assert_array_equal(b, np.eye(3, dtype=np.float32)[[1, 0, 2]])
    c = keras.utils.to_categorical(tf.constant([[0, 2], [1, 1]], dtype=tf.int64), 3)
    assert c.shape == (2, 2, 3) and c[0, 1, 2] == 1.0 and c.sum() == 4
    assert keras.utils.to_categorical(np.array([1.0, 0.0])).tolist() == [[0, 1], [1, 0]]


@pytest.mark.parametrize("bad, match", [
    ([0, 3], r"class ids must be in \[0, 3\)"),
    ([-1, 1], r"class ids must be in"),
    ([0.5, 1.0], "integer class ids"),
])
def test_to_categorical_bad(bad, match):
    with pytest.raises(ValueError, match=match):
        keras.utils.to_categorical(bad, 3 if bad == [0, 3] else None)


def test_normalize():
    x = np.array([[3.0, 4.0], [0.0, 0.0]], np.float32)
    np.testing.assert_allclose(keras.utils.normalize(x), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(keras.utils.normalize(x, axis=0, order=1),
                               [[1.0, 1.0], [0.0, 0.0]], rtol=1e-6)


def test_set_random_seed_repeats_initial_weights_and_shuffles():
    def run():
        keras.utils.set_random_seed(7)
        layer = keras.layers.Dense(3)
        layer(np.ones((1, 2), np.float32))
        ds = tf.data.Dataset.range(10).shuffle(10)
        return layer.kernel.numpy(), [int(v) for v in ds], np.random.rand()
    a, b = run(), run()
    np.testing.assert_array_equal(a[0], b[0])
    assert a[1] == b[1] and a[2] == b[2]
    with pytest.raises(ValueError, match="integer"):
        keras.utils.set_random_seed(1.5)


def test_clear_session_and_backend():
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"
    assert keras.layers.Dense(1).name == "dense_1"
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"
    assert keras.backend.epsilon() == 1e-7 and keras.backend.floatx() == "float32"
    with pytest.raises(NotImplementedError, match="float32"):
        keras.backend.set_floatx("float64")
