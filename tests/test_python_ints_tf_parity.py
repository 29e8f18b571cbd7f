"""Python ints (and int lists / int numpy arrays) through tapegrad's public API, against the
results TF 2.21 gives (hard-coded here: CI has no TensorFlow). Session 24's differential sweep
(notes/helper_s24_ints.md)."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras


def _check(t, dtype, values):
    assert t.dtype == getattr(tf, dtype), (t.dtype, dtype)
    np.testing.assert_allclose(np.asarray(t.numpy(), dtype=np.float64), values, rtol=1e-6)


# -- tf.math on int tensors ---------------------------------------------------------------------

def test_round_of_ints_is_the_identity():
    _check(tf.round(tf.constant([1, 2], tf.int64)), "int64", [1, 2])  # TF: int64 [1 2]
    _check(tf.math.round([1, -3]), "int32", [1, -3])
    _check(tf.round([1.5, 2.5, -0.5]), "float32", [2.0, 2.0, -0.0])


def test_reduce_euclidean_norm_of_ints_truncates_as_tf():
    _check(tf.math.reduce_euclidean_norm([3, 4]), "int32", 5)  # TF: int32 5
    _check(tf.math.reduce_euclidean_norm([3, 5]), "int32", 5)  # sqrt(34) = 5.83 -> 5
    _check(tf.math.reduce_euclidean_norm([[3, 5], [1, 1]], axis=1), "int32", [5, 1])
    _check(tf.math.reduce_euclidean_norm(tf.constant([3, 5], tf.int64)), "int64", 5)
    _check(tf.math.reduce_euclidean_norm(tf.constant([[3, 4]]), axis=1, keepdims=True), "int32", [[5]])


def test_divide_no_nan_python_scalar_takes_the_tensor_dtype_and_ints_divide_as_float64():
    _check(tf.math.divide_no_nan(tf.constant([1.0, 2.0]), 0), "float32", [0.0, 0.0])
    _check(tf.math.divide_no_nan(tf.constant([1.0, 2.0]), [0, 2]), "float32", [0.0, 1.0])
    _check(tf.math.divide_no_nan([1, 2], [0, 2]), "float64", [0.0, 1.0])  # TF: float64
    _check(tf.math.divide_no_nan(tf.constant([1, 2], tf.int64), 0), "float64", [0.0, 0.0])
    _check(tf.math.divide_no_nan(6, tf.constant([0.0, 4.0], tf.float64)), "float64", [0.0, 1.5])
    with pytest.raises(TypeError, match="same dtype"):  # TF: TypeError, float32 != int32
        tf.math.divide_no_nan(tf.constant([1.0]), tf.constant([1]))


def test_unsorted_segment_mean_of_ints_is_float64():
    _check(tf.math.unsorted_segment_mean([1, 2, 4], [0, 0, 1], 2), "float64", [1.5, 4.0])
    _check(tf.math.unsorted_segment_mean(tf.constant([[1, 2], [4, 5]]), [0, 0], 2), "float64",
           [[2.5, 3.5], [0.0, 0.0]])
    _check(tf.math.unsorted_segment_mean([1, 2, 4], [0, -1, 2], 3), "float64", [1.0, 0.0, 4.0])
    _check(tf.math.unsorted_segment_mean([1.0, 2.0, 4.0], [0, 0, 1], 2), "float32", [1.5, 4.0])


# -- Keras layers: int inputs stay int where Keras keeps them ------------------------------------

class _Lookup(keras.layers.Layer):
    def build(self, input_shape):
        self.table = self.add_weight(name="t", shape=(5, 2), initializer="ones")

    def call(self, x):
        return tf.gather(self.table, x)


class _Seen(keras.layers.Layer):
    def call(self, x):
        self.seen = x.dtype.name
        return x


def test_user_layer_gets_int_inputs_as_ints():
    out = _Lookup()(np.array([[1, 2]]))  # TF: float32 (1, 2, 2) of ones
    assert out.shape == (1, 2, 2) and out.dtype == tf.float32
    for value, seen in [(np.array([1]), "int64"), (np.array([1], np.int32), "int32"),
                        (np.array([True]), "bool"), (np.array([1.0]), "float32"),
                        (tf.constant([1, 2]), "int32")]:
        layer = _Seen()
        layer(value)
        assert layer.seen == seen, (value, layer.seen)
    layer = _Seen()
    layer(tf.constant([1.0]))
    layer(tf.constant([3]))  # built: the fast path keeps the int too
    assert layer.seen == "int32"


def test_lambda_and_shape_layers_keep_ints():
    out = keras.layers.Lambda(lambda x: tf.one_hot(x, 3))(np.array([0, 2]))
    _check(out, "float32", [[1, 0, 0], [0, 0, 1]])
    _check(keras.layers.Lambda(lambda x: x * 2)(np.array([[1, 2]])), "int64", [[2, 4]])
    _check(keras.layers.Flatten()(np.array([[[1, 2]]])), "int64", [[1, 2]])
    _check(keras.layers.Reshape((2,))(np.array([[[1, 2]]])), "int64", [[1, 2]])
    _check(keras.layers.Permute((2, 1))(np.array([[[1, 2]]])), "int64", [[[1], [2]]])
    _check(keras.layers.RepeatVector(2)(np.array([[1, 2]])), "int64", [[[1, 2], [1, 2]]])
    _check(keras.layers.Cropping1D(1)(np.array([[[1], [2], [3]]])), "int64", [[[2]]])


def test_float_layers_still_take_ints_as_floats():
    _check(keras.layers.Dense(1, kernel_initializer="ones")(np.array([[1, 2]])), "float32", [[3]])

    class MyDense(keras.layers.Dense):  # a user's subclass of Dense: Dense's rule
        pass
    _check(MyDense(1, kernel_initializer="ones")(np.array([[1, 2]])), "float32", [[3]])
    _check(keras.layers.TimeDistributed(keras.layers.Dense(1, kernel_initializer="ones"))(
        np.array([[[1, 2]]])), "float32", [[[3]]])


def test_models_convert_inputs_to_their_input_dtype():
    # No Input / a float Input: ints become float32 (Keras' functional build), as TF.
    _check(keras.Sequential([keras.layers.Flatten()])(np.array([[[1, 2]]])), "float32", [[1, 2]])
    inp = keras.Input((2,))
    _check(keras.Model(inp, keras.layers.Flatten()(inp))(np.array([[1, 2]])), "float32", [[1, 2]])
    # An int Input keeps them.
    inp = keras.Input((2,), dtype="int64")
    _check(keras.Model(inp, keras.layers.Flatten()(inp))(np.array([[1, 2]])), "int64", [[1, 2]])
    seq = keras.Sequential([keras.Input((2,), dtype="int32"), keras.layers.Flatten()])
    _check(seq(np.array([[1, 2]])), "int32", [[1, 2]])
    seq = keras.Sequential([keras.Input((2,), dtype="int32"),
                            keras.layers.Lambda(lambda x: tf.one_hot(x, 3), output_shape=(2, 3))])
    _check(seq(np.array([[1, 2]])), "float32", [[[0, 1, 0], [0, 0, 1]]])


def test_functional_int_input_fit_matches_tf():
    inp = keras.Input((2,), dtype="int32")
    x = keras.layers.Lambda(lambda t: tf.one_hot(t, 3), output_shape=(2, 3))(inp)
    out = keras.layers.Dense(1, kernel_initializer="ones")(keras.layers.Flatten()(x))
    model = keras.Model(inp, out)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    h = model.fit(np.array([[1, 2], [0, 1]]), np.array([1, 0]), epochs=2, verbose=0,
                  shuffle=False)
    # TF 2.21 (with output_shape given): [2.5, 2.3137001991271973]
    np.testing.assert_allclose(h.history["loss"], [2.5, 2.3137001991271973], rtol=1e-5)


def test_subclassed_model_sees_int64_and_int_counter_weights():
    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.e = keras.layers.Embedding(5, 2, embeddings_initializer="ones")

        def call(self, x):
            self.seen = x.dtype.name
            return self.e(x)
    m = M()
    _check(m(np.array([[1, 2]])), "float32", np.ones((1, 2, 2)))
    assert m.seen == "int64"  # TF: int64

    class Count(keras.layers.Layer):
        def build(self, s):
            self.n = self.add_weight(name="n", shape=(), initializer="zeros", dtype="int32",
                                     trainable=False)

        def call(self, x):
            self.n.assign_add(1)
            return x
    layer = Count()
    layer(np.ones((1, 2), np.float32))
    layer(np.ones((1, 2), np.float32))
    _check(layer.n, "int32", 2)


def test_lists_with_ints_beyond_int64_are_refused_as_tf():
    # TF 2.21: ValueError "Can't convert Python sequence with out-of-range integer"; numpy makes
    # such a list float64, which tapegrad used to turn into float32 silently
    for v in ([1, 2 ** 63], [-1, 2 ** 63], [[1], [2 ** 63]], (3, -2 ** 64)):
        with pytest.raises(ValueError, match="out-of-range integer"):
            tf.constant(v)
    # a float in the list makes it float32, the big int included (TF too)
    got = tf.constant([1.5, 2 ** 63])
    assert got.dtype == tf.float32 and got.numpy()[1] == np.float32(2 ** 63)
    # an explicit dtype, and float literals that large, convert
    assert tf.constant([1, 2 ** 63], dtype=tf.float64).numpy()[1] == 2.0 ** 63
    assert tf.constant([1e19, 2.0]).dtype == tf.float32
    assert tf.constant([-2 ** 63, 5]).dtype == tf.int64  # int64's own minimum fits


def test_tensor_equals_a_string_is_a_type_error_as_tf():
    x = tf.constant([1, 2])
    with pytest.raises(TypeError, match="equal: cannot convert 'a' to an int32 tensor"):
        x == "a"  # noqa: B015
    with pytest.raises(TypeError, match="not_equal: cannot convert b'a' to an int32 tensor"):
        x != b"a"  # noqa: B015
    assert (x == None) is False and (x != None) is True  # noqa: E711
    assert (x == object()) is False  # not converted: Python's identity fallback


def test_numpy_floats_asked_for_an_integer_dtype_convert_as_tf():
    # TF 2.21's constant / convert_to_tensor / Variable with dtype=: numpy converts (truncating;
    # nonzero ints are True for bool); Python floats are refused; an integer tensor's operator
    # keeps refusing a float array (TF would truncate it silently: tapegrad's one deviation)
    np.testing.assert_array_equal(tf.constant(np.array([1.7, -1.7, 3.0]), dtype=tf.int32).numpy(), [1, -1, 3])
    assert tf.constant(np.array([1.7, -2.5]), dtype=tf.int64).numpy().tolist() == [1, -2]
    assert tf.constant(np.array([1.7, 300.0]), dtype=tf.uint8).numpy().tolist() == [1, 44]
    assert tf.constant(np.array([1.5, 0.0]), dtype=tf.bool).numpy().tolist() == [True, False]
    assert tf.constant(np.array([2, 0]), dtype=tf.bool).numpy().tolist() == [True, False]
    assert int(tf.constant(np.float64(1.7), dtype=tf.int32)) == 1
    assert tf.convert_to_tensor(np.array([1.7]), dtype=tf.int32).numpy().tolist() == [1]
    v = tf.Variable(np.array([1.7, 2.2], np.float32), dtype=tf.int32)
    assert v.dtype == tf.int32 and v.numpy().tolist() == [1, 2]
    for bad in ([1.5], [1.0], 2.5):
        with pytest.raises(TypeError, match="cannot convert"):
            tf.constant(bad, dtype=tf.int32)
    with pytest.raises(TypeError, match="add: cannot convert a float64 value to an int32 tensor"):
        tf.constant([1, 2]) + np.array([1.5, 1.5])


def test_lists_of_numpy_float64_stay_float64_as_tf():
    assert tf.constant([np.float64(1.5), 2.0]).dtype == tf.float64
    assert tf.constant([np.array([1.5]), np.array([2.0])]).dtype == tf.float64
    assert tf.constant([[np.float64(1.5)]]).dtype == tf.float64
    assert tf.constant([np.float32(1.5), 2.0]).dtype == tf.float32
    assert tf.constant([1.5, 2.0]).dtype == tf.float32 and tf.constant([[1.5]]).dtype == tf.float32


def test_integer_mean_of_nothing_is_zero_as_tf():
    assert int(tf.reduce_mean(tf.zeros([0], tf.int32))) == 0
    got = tf.reduce_mean(tf.zeros([2, 0], tf.int64), axis=1)
    assert got.dtype == tf.int64 and got.numpy().tolist() == [0, 0]
    assert tf.reduce_mean(tf.zeros([0, 3], tf.uint8), axis=0).numpy().tolist() == [0, 0, 0]
