"""tf.image: TF's documented examples, bilinear resize against TF's half-pixel formula in
numpy, gradients (and second order) to the pixels, random ops repeatable with a seed, and bad
input refused by name."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.testing import check_gradients

RNG = np.random.default_rng(9)
X = np.array([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [[7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]],
             np.float32)


def np_bilinear(x, h, w):
    """TF 2's resize_bilinear (half-pixel centres) for [n, H, W, c], written per axis."""
    def axis(a, ax, n_out):
        n_in = a.shape[ax]
        pos = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5
        lo = np.clip(np.floor(pos), 0, n_in - 1).astype(int)
        hi = np.clip(np.ceil(pos), 0, n_in - 1).astype(int)
        t = pos - np.floor(pos)
        shape = [1] * a.ndim
        shape[ax] = n_out
        t = t.reshape(shape)
        return np.take(a, lo, ax) * (1 - t) + np.take(a, hi, ax) * t
    return axis(axis(x, 1, h), 2, w)


def test_documented_examples():
    np.testing.assert_array_equal(tf.image.flip_left_right(X).numpy(),
                                  [[[4, 5, 6], [1, 2, 3]], [[10, 11, 12], [7, 8, 9]]])
    np.testing.assert_array_equal(tf.image.flip_up_down(X).numpy(), X[::-1])
    a = np.array([[[1.0], [2.0]], [[3.0], [4.0]]], np.float32)
    np.testing.assert_array_equal(tf.image.rot90(a).numpy(), [[[2], [4]], [[1], [3]]])
    np.testing.assert_array_equal(tf.image.rot90(a, k=2).numpy(), np.rot90(a, 2))
    np.testing.assert_array_equal(tf.image.rot90(a, k=3).numpy(), np.rot90(a, 3))
    np.testing.assert_allclose(tf.image.rgb_to_grayscale(np.array([[[1.0, 2.0, 3.0]]])).numpy(),
                               [[[0.2989 + 2 * 0.5870 + 3 * 0.1140]]], rtol=1e-6)
    np.testing.assert_allclose(
        tf.image.per_image_standardization(X).numpy(),
        [[[-1.593255, -1.3035723, -1.0138896], [-0.7242068, -0.4345241, -0.1448414]],
         [[0.1448414, 0.4345241, 0.7242068], [1.0138896, 1.3035723, 1.593255]]], rtol=1e-5)
    np.testing.assert_allclose(tf.image.adjust_contrast(X, 2.0).numpy(),
                               [[[-3.5, -2.5, -1.5], [2.5, 3.5, 4.5]],
                                [[8.5, 9.5, 10.5], [14.5, 15.5, 16.5]]], rtol=1e-6)
    np.testing.assert_allclose(tf.image.adjust_brightness(X, 0.1).numpy(), X + 0.1, rtol=1e-6)
    assert tuple(tf.image.central_crop(np.zeros((256, 256, 3), np.float32), 0.5).shape) == (128, 128, 3)
    # the classic 2x2 -> 4x4 half-pixel bilinear upsampling
    src = np.array([[0.0, 1.0], [2.0, 3.0]], np.float32)[None, :, :, None]
    np.testing.assert_allclose(tf.image.resize(src, [4, 4]).numpy()[0, :, :, 0],
                               [[0, 0.25, 0.75, 1], [0.5, 0.75, 1.25, 1.5],
                                [1.5, 1.75, 2.25, 2.5], [2, 2.25, 2.75, 3]], rtol=1e-6)


@pytest.mark.parametrize("size", [(5, 7), (3, 2), (8, 8), (1, 1), (6, 3)])
def test_resize_bilinear_and_nearest(size):
    x = RNG.standard_normal((2, 6, 5, 3))
    got = tf.image.resize(x, size)
    assert got.dtype == tf.float32  # TF's ResizeBilinear computes and returns float32, float64 in too
    np.testing.assert_allclose(got.numpy(), np_bilinear(x, *size), rtol=1e-5, atol=1e-6)
    near = tf.image.resize(x, size, method="nearest").numpy()
    ri = np.minimum(np.floor((np.arange(size[0]) + 0.5) * 6 / size[0]), 5).astype(int)
    ci = np.minimum(np.floor((np.arange(size[1]) + 0.5) * 5 / size[1]), 4).astype(int)
    np.testing.assert_array_equal(near, x[:, ri][:, :, ci])
    ints = tf.image.resize(np.arange(12, dtype=np.int32).reshape(3, 4, 1), size)
    assert ints.dtype == tf.float32
    kept = tf.image.resize(np.arange(12, dtype=np.int32).reshape(3, 4, 1), size, method="nearest")
    assert kept.dtype == tf.int32


def test_resize_preserve_aspect_ratio():
    x = np.zeros((10, 20, 1), np.float32)
    assert tuple(tf.image.resize(x, [8, 8], preserve_aspect_ratio=True).shape) == (4, 8, 1)


def test_gradients_reach_the_pixels():
    x = RNG.standard_normal((1, 4, 5, 2))
    # resize and per_image_standardization compute in float32 (as TF's): coarser differences
    f32 = dict(eps=1e-3, rtol=5e-3, atol=1e-3, second_eps=1e-3, second_rtol=5e-3, second_atol=1e-3)
    check_gradients(lambda t: tf.image.resize(t, [6, 3]), [x], second_order=True, **f32)
    check_gradients(lambda t: tf.image.rot90(tf.image.flip_left_right(t), 1), [x])
    check_gradients(tf.image.per_image_standardization, [x], second_order=True, **f32)
    check_gradients(lambda t: tf.image.adjust_contrast(t, 1.7), [x])
    check_gradients(lambda t: tf.image.resize_with_crop_or_pad(t, 6, 3), [x])
    check_gradients(tf.image.rgb_to_grayscale, [RNG.standard_normal((1, 2, 3, 3))])


def test_crops_and_pads():
    x = np.arange(2 * 5 * 6 * 1, dtype=np.float32).reshape(2, 5, 6, 1)
    np.testing.assert_array_equal(tf.image.crop_to_bounding_box(x, 1, 2, 3, 4).numpy(),
                                  x[:, 1:4, 2:6])
    padded = tf.image.pad_to_bounding_box(x, 1, 2, 8, 9).numpy()
    assert padded.shape == (2, 8, 9, 1) and padded[:, 1:6, 2:8].tolist() == x.tolist()
    assert padded.sum() == x.sum()
    np.testing.assert_array_equal(tf.image.resize_with_crop_or_pad(x, 3, 4).numpy(),
                                  x[:, 1:4, 1:5])
    big = tf.image.resize_with_crop_or_pad(x, 7, 10).numpy()
    assert big.shape == (2, 7, 10, 1) and big[:, 1:6, 2:8].tolist() == x.tolist()
    np.testing.assert_array_equal(tf.image.transpose(x).numpy(), x.transpose(0, 2, 1, 3))
    g = tf.image.grayscale_to_rgb(x).numpy()
    assert g.shape == (2, 5, 6, 3) and (g == x).all()


def test_random_ops_repeat_with_a_seed():
    x = RNG.standard_normal((16, 4, 5, 3)).astype(np.float32)

    def draw():
        tf.random.set_seed(11)
        return (tf.image.random_flip_left_right(x).numpy(),
                tf.image.random_crop(x, [16, 3, 3, 3]).numpy(),
                tf.image.random_brightness(x, 0.2).numpy())
    a, b = draw(), draw()
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    flipped, crop, bright = a
    same = [(flipped[i] == x[i]).all() for i in range(16)]
    mirrored = [(flipped[i] == x[i, :, ::-1]).all() for i in range(16)]
    assert all(s or m for s, m in zip(same, mirrored)) and 0 < sum(mirrored) < 16
    assert crop.shape == (16, 3, 3, 3)
    delta = bright - x
    assert np.allclose(delta, delta.flat[0], atol=1e-6) and abs(delta.flat[0]) <= 0.2


@pytest.mark.parametrize("fn, match, exc", [
    (lambda: tf.image.resize(np.zeros((4, 4)), [2, 2]), r"image.resize: images must have rank 3", ValueError),
    (lambda: tf.image.resize(np.zeros((4, 4, 1)), [0, 2]), "size must be positive", ValueError),
    (lambda: tf.image.resize(np.zeros((4, 4, 1)), [2, 2], method="cubic"), "not implemented", ValueError),
    (lambda: tf.image.crop_to_bounding_box(np.zeros((4, 4, 1)), 2, 0, 3, 2), "does not fit", tf.errors.InvalidArgumentError),
    (lambda: tf.image.central_crop(np.zeros((4, 4, 1)), 0.0), r"within \(0, 1\]", ValueError),
    (lambda: tf.image.rgb_to_grayscale(np.zeros((2, 2, 4))), "3 channels", ValueError),
    (lambda: tf.image.random_crop(np.zeros((4, 4)), [5, 2]), "does not fit", tf.errors.InvalidArgumentError),
])
def test_bad_input(fn, match, exc):
    with pytest.raises(exc, match=match):
        fn()


def test_keras_image_layers():
    from tapegrad import keras
    x = RNG.standard_normal((2, 6, 8, 3)).astype(np.float32)
    np.testing.assert_allclose(keras.layers.Resizing(3, 4)(x).numpy(),
                               np_bilinear(x.astype(np.float64), 3, 4), rtol=1e-5, atol=1e-6)
    sq = keras.layers.Resizing(4, 4, crop_to_aspect_ratio=True)(x).numpy()
    np.testing.assert_allclose(sq, np_bilinear(x[:, :, 1:7].astype(np.float64), 4, 4),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(keras.layers.CenterCrop(4, 4)(x).numpy(), x[:, 1:5, 2:6])
    flip = keras.layers.RandomFlip("horizontal", seed=3)
    np.testing.assert_array_equal(flip(x).numpy(), x)  # inference: identity
    y = flip(x, training=True).numpy()
    assert all((y[i] == x[i]).all() or (y[i] == x[i, :, ::-1]).all() for i in range(2))
    model = keras.Sequential([keras.Input(shape=(6, 8, 3)), keras.layers.Resizing(3, 4),
                              keras.layers.Flatten(), keras.layers.Dense(1)])
    assert tuple(model(x).shape) == (2, 1)
    with pytest.raises(ValueError, match="mode must be one of"):
        keras.layers.RandomFlip("diagonal")
