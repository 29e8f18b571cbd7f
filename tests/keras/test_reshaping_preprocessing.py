"""keras.layers ZeroPadding1D, UpSampling1D, Cropping1D/2D, RepeatVector, Permute, Rescaling,
Normalization (adapt), GaussianNoise, GaussianDropout, SpatialDropout1D/2D, Identity: Keras'
documented examples, numpy references, gradients, training-only noise and bad arguments."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.testing import check_gradients

L = keras.layers
RNG = np.random.default_rng(5)


def test_documented_reshaping_examples():
    x = np.arange(12).reshape(2, 2, 3).astype(np.float32)
    np.testing.assert_array_equal(
        L.UpSampling1D(size=2)(x).numpy(),
        [[[0, 1, 2], [0, 1, 2], [3, 4, 5], [3, 4, 5]], [[6, 7, 8], [6, 7, 8], [9, 10, 11], [9, 10, 11]]])
    y = L.ZeroPadding1D(padding=2)(x).numpy()
    assert y.shape == (2, 6, 3) and y[:, 2:4].tolist() == x.tolist() and not y[:, :2].any()
    x = np.arange(12).reshape(2, 3, 2).astype(np.float32)
    np.testing.assert_array_equal(L.Cropping1D(cropping=1)(x).numpy(), [[[2, 3]], [[8, 9]]])
    assert tuple(L.Cropping2D(cropping=((2, 2), (4, 4)))(np.ones((2, 28, 28, 3))).shape) == (2, 24, 20, 3)
    assert tuple(L.RepeatVector(3)(np.ones((4, 32))).shape) == (4, 3, 32)
    assert tuple(L.Permute((2, 1))(np.ones((4, 10, 64))).shape) == (4, 64, 10)


@pytest.mark.parametrize("layer, ref, shape", [
    (lambda: L.ZeroPadding1D((1, 3)), lambda x: np.pad(x, ((0, 0), (1, 3), (0, 0))), (2, 4, 3)),
    (lambda: L.UpSampling1D(3), lambda x: np.repeat(x, 3, axis=1), (2, 4, 3)),
    (lambda: L.Cropping1D((1, 2)), lambda x: x[:, 1:-2], (2, 5, 3)),
    (lambda: L.Cropping2D(((1, 0), (2, 1))), lambda x: x[:, 1:, 2:-1], (2, 4, 5, 3)),
    (lambda: L.Cropping2D(1), lambda x: x[:, 1:-1, 1:-1], (2, 4, 5, 3)),
    (lambda: L.RepeatVector(4), lambda x: np.repeat(x[:, None], 4, axis=1), (2, 3)),
    (lambda: L.Permute((3, 1, 2)), lambda x: x.transpose(0, 3, 1, 2), (2, 4, 5, 3)),
    (lambda: L.Identity(), lambda x: x, (2, 3)),
    (lambda: L.Rescaling(0.5, offset=-1.0), lambda x: 0.5 * x - 1, (2, 3)),
])
def test_values_shapes_and_gradients(layer, ref, shape):
    x = RNG.standard_normal(shape)
    lay = layer()
    lay.dtype = tf.float64
    y = lay(x)
    np.testing.assert_allclose(y.numpy(), ref(x), rtol=1e-12)
    assert lay.compute_output_shape((None,) + shape[1:]) == (None,) + ref(x).shape[1:]
    check_gradients(lambda t: lay(t), [x])


def test_normalization_documented_examples_and_adapt():
    layer = L.Normalization(axis=None)
    layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32))
    np.testing.assert_allclose(layer(np.array([1.0, 2.0, 3.0], np.float32)).numpy(),
                               [-1.4142135, -0.70710677, 0.0], rtol=1e-6)
    layer = L.Normalization(mean=3.0, variance=2.0)
    np.testing.assert_allclose(layer(np.array([[1.0], [2.0], [3.0]], np.float32)).numpy(),
                               [[-1.4142135], [-0.70710677], [0.0]], rtol=1e-6)
    layer = L.Normalization(mean=3.0, variance=2.0, invert=True)
    np.testing.assert_allclose(layer(np.array([[-1.4142135], [0.0]], np.float32)).numpy(),
                               [[1.0], [3.0]], rtol=1e-6)
    data = RNG.standard_normal((200, 3, 4)) * [1.0, 2.0, 3.0, 4.0] + [5.0, -1.0, 0.0, 2.0]
    layer = L.Normalization(axis=-1)
    layer.adapt(data)
    np.testing.assert_allclose(layer.mean.numpy(), data.mean(axis=(0, 1)), rtol=1e-5)
    np.testing.assert_allclose(layer.variance.numpy(), data.var(axis=(0, 1)), rtol=1e-5)
    out = layer(data).numpy()
    np.testing.assert_allclose(out.mean(axis=(0, 1)), 0, atol=1e-5)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    both = L.Normalization(axis=(1, 2))
    both.adapt(data)
    assert tuple(both.mean.shape) == (3, 4)


def test_normalization_adapt_from_dataset():
    data = RNG.standard_normal((64, 3)).astype(np.float32) * 3 + 1
    layer = L.Normalization()
    layer.adapt(tf.data.Dataset.from_tensor_slices(data).batch(10))
    np.testing.assert_allclose(layer.mean.numpy(), data.mean(0), rtol=1e-5)


def test_noise_layers_only_in_training():
    x = np.ones((4, 5, 6), np.float32)
    for layer in (L.GaussianNoise(0.5), L.GaussianDropout(0.3), L.SpatialDropout1D(0.5)):
        np.testing.assert_array_equal(layer(x).numpy(), x)
        tf.random.set_seed(1)
        assert not np.array_equal(layer(x, training=True).numpy(), x)
    tf.random.set_seed(2)
    noisy = L.GaussianNoise(0.5)(np.zeros((200, 100), np.float32), training=True).numpy()
    assert abs(noisy.std() - 0.5) < 0.01 and abs(noisy.mean()) < 0.01
    tf.random.set_seed(3)
    mult = L.GaussianDropout(0.2)(np.ones((200, 100), np.float32), training=True).numpy()
    assert abs(mult.mean() - 1) < 0.01 and abs(mult.std() - 0.5) < 0.01
    # whole channels: each (sample, channel) is all kept (scaled by 2) or all dropped
    y = L.SpatialDropout1D(0.5)(x, training=True).numpy()
    assert np.all((y == 0).all(axis=1) | (y == 2).all(axis=1))
    y = L.SpatialDropout2D(0.5)(np.ones((3, 4, 4, 8), np.float32), training=True).numpy()
    assert np.all((y == 0).all(axis=(1, 2)) | (y == 2).all(axis=(1, 2)))


@pytest.mark.parametrize("make, match", [
    (lambda: L.Cropping1D(3)(np.ones((1, 5, 2))), "too large"),
    (lambda: L.Cropping2D(((1, 1), (3, 3)))(np.ones((1, 5, 6, 2))), "too large"),
    (lambda: L.ZeroPadding1D(-1), "`padding` must be"),
    (lambda: L.UpSampling1D(0), "`size` must be a positive integer"),
    (lambda: L.RepeatVector(2)(np.ones((2, 3, 4))), r"\(batch, features\)"),
    (lambda: L.Permute((1, 3)), "permutation"),
    (lambda: L.Permute((2, 1))(np.ones((2, 3))), "rank 3"),
    (lambda: L.Normalization(mean=1.0), "both must be set"),
    (lambda: L.Normalization(axis=0)(np.ones((2, 3))), "batch axis 0"),
    (lambda: L.SpatialDropout2D(0.5)(np.ones((2, 3, 4)), training=True), "rank 4"),
    (lambda: L.GaussianNoise(-1.0), "stddev"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_category_encoding_documented_examples():
    CE = L.CategoryEncoding
    np.testing.assert_array_equal(CE(4, "one_hot")([3, 2, 0, 1]).numpy(),
                                  [[0, 0, 0, 1], [0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]])
    ids = [[0, 1], [0, 0], [1, 2], [3, 1]]
    np.testing.assert_array_equal(CE(4, "multi_hot")(ids).numpy(),
                                  [[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 1]])
    got = CE(4, "count")(ids, count_weights=[[.1, .2], [.1, .1], [.2, .3], [.4, .2]]).numpy()
    np.testing.assert_allclose(got, [[.1, .2, 0, 0], [.2, 0, 0, 0], [0, .2, .3, 0], [0, .2, 0, .4]],
                               rtol=1e-6)
    np.testing.assert_array_equal(CE(3, "count")(np.array([[2, 2, 0]])).numpy(), [[1, 0, 2]])
    with pytest.raises(ValueError, match=r"token ids must be in \[0, 4\)"):
        CE(4)([[0, 4]])
    with pytest.raises(ValueError, match="one id per sample"):
        CE(4, "one_hot")([[0, 1]])
    with pytest.raises(ValueError, match="output_mode"):
        CE(4, "tf_idf")


def test_discretization_documented_example_and_adapt():
    d = L.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    out = d([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]])
    assert out.dtype == tf.int32  # Keras 3 (TF 2.21): int32
    np.testing.assert_array_equal(out.numpy(), [[0, 2, 3, 1], [1, 3, 2, 1]])
    q = L.Discretization(num_bins=4)
    q.adapt(np.arange(100.0))
    counts = np.bincount(q(np.arange(100.0)).numpy(), minlength=4)
    assert counts.tolist() == [25, 25, 25, 25]
    with pytest.raises(ValueError, match="exactly one"):
        L.Discretization()
    with pytest.raises(ValueError, match="call adapt"):
        L.Discretization(num_bins=3)([1.0])


def test_encoding_layers_in_a_functional_model():
    inp = keras.Input(shape=(3,), dtype="int32")
    out = keras.layers.Dense(2)(L.CategoryEncoding(5, "multi_hot")(inp))
    model = keras.Model(inp, out)
    assert tuple(model(np.array([[0, 1, 4], [2, 2, 3]])).shape) == (2, 2)
