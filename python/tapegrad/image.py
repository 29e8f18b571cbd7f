"""tapegrad.image: TF's ``tf.image`` for NHWC images (a batch ``[n, h, w, c]`` or one image
``[h, w, c]``): resizing (bilinear, nearest, area-free), flips and rotations, crops and pads,
colour and contrast adjustments, standardisation, the random flips / crops / brightness of
data augmentation, and ``extract_patches``.

Every function is recorded ops (gathers, slices, pads, arithmetic), so gradients flow to the
pixels (and, for resize, through the interpolation weights' pixels) to any order. Sizes and
offsets are Python integers, as TF requires them to be known.
"""

import math
import numbers

import numpy as _np

from . import _core
from ._array_ops import reverse as _reverse
from ._conv import extract_patches
from .dtypes import float32, float64
from .errors import InvalidArgumentError

__all__ = ["extract_patches", "resize", "flip_left_right", "flip_up_down", "rot90",
           "transpose", "rgb_to_grayscale", "grayscale_to_rgb", "adjust_brightness",
           "adjust_contrast", "per_image_standardization", "central_crop",
           "crop_to_bounding_box", "pad_to_bounding_box", "resize_with_crop_or_pad",
           "random_flip_left_right", "random_flip_up_down", "random_crop", "random_brightness",
           "ResizeMethod"]


class ResizeMethod:
    """The names ``resize`` takes for ``method``."""
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"


def _images(images, op):
    """(a float or int tensor of rank 4, whether it was one image of rank 3)."""
    from .math import _value
    x = _value(images, op, "images")
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: images must have rank 3 [height, width, channels] or 4 "
                         f"[batch, height, width, channels], got shape {list(x.shape)}")
    if x.ndim == 3:
        return _core.expand_dims(x, 0), True
    return x, False


def _done(x, single):
    return _core.squeeze(x, [0]) if single else x


def _float_images(images, op):
    x, single = _images(images, op)
    if x.dtype not in (float32, float64):
        x = _core.cast(x, float32)  # TF converts integer images to float for its arithmetic
    return x, single


def _size(size, op):
    try:
        h, w = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(f"{op}: size must be a pair of ints [new_height, new_width], got "
                         f"{size!r}") from None
    if h <= 0 or w <= 0:
        raise ValueError(f"{op}: size must be positive, got {[h, w]}")
    return h, w


def _linear_taps(n_in, n_out):
    """TF's half-pixel bilinear sampling along one axis: the lower and upper source index
    of every output position and the upper one's weight."""
    scale = n_in / n_out
    pos = (_np.arange(n_out) + 0.5) * scale - 0.5
    floor = _np.floor(pos)
    lower = _np.clip(floor, 0, n_in - 1).astype(_np.int64)
    upper = _np.clip(_np.ceil(pos), 0, n_in - 1).astype(_np.int64)
    return lower, upper, pos - floor


def _lerp_axis(x, axis, n_out):
    n_in = x.shape[axis]
    if n_in == n_out:
        return x
    lower, upper, frac = _linear_taps(n_in, n_out)
    a = _core.gather(x, _core._constant(lower, None), axis)
    b = _core.gather(x, _core._constant(upper, None), axis)
    shape = [1] * x.ndim
    shape[axis] = n_out
    t = _core._constant(frac.reshape(shape).astype(x.dtype.as_numpy_dtype), x.dtype)
    return _core.add(a, _core.multiply(_core.subtract(b, a), t))


def resize(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False,
           antialias=False, name=None):
    """Images resized to ``size`` = [new_height, new_width], as ``tf.image.resize`` (TF 2:
    half-pixel centres). 'bilinear' (default) interpolates between the two nearest rows and
    columns and returns float32 (float64 stays float64); 'nearest' takes the nearest pixel and
    keeps the dtype. ``preserve_aspect_ratio`` fits the image inside ``size``. Not supported:
    ``antialias=True`` and the other methods (area, bicubic, lanczos, gaussian, mitchellcubic)."""
    op = "image.resize"
    h, w = _size(size, op)
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not supported")
    x, single = _images(images, op)
    if preserve_aspect_ratio:
        scale = min(h / x.shape[1], w / x.shape[2])
        h = max(int(round(x.shape[1] * scale)), 1)
        w = max(int(round(x.shape[2] * scale)), 1)
    if method in ("bilinear", ResizeMethod.BILINEAR):
        if x.dtype not in (float32, float64):
            x = _core.cast(x, float32)
        return _done(_lerp_axis(_lerp_axis(x, 1, h), 2, w), single)
    if method in ("nearest", "nearest_neighbor"):
        for axis, n_out in ((1, h), (2, w)):
            n_in = x.shape[axis]
            idx = _np.minimum(_np.floor((_np.arange(n_out) + 0.5) * (n_in / n_out)),
                              n_in - 1).astype(_np.int64)
            x = _core.gather(x, _core._constant(idx, None), axis)
        return _done(x, single)
    raise NotImplementedError(f"{op}: method {method!r} is not supported; use 'bilinear' or "
                              "'nearest'")


def flip_left_right(image):
    """The image(s) mirrored along the width, as ``tf.image.flip_left_right``."""
    x, single = _images(image, "image.flip_left_right")
    return _done(_reverse(x, [2]), single)


def flip_up_down(image):
    """The image(s) mirrored along the height, as ``tf.image.flip_up_down``."""
    x, single = _images(image, "image.flip_up_down")
    return _done(_reverse(x, [1]), single)


def transpose(image, name=None):
    """Height and width swapped, as ``tf.image.transpose``."""
    x, single = _images(image, "image.transpose")
    return _done(_core.transpose(x, [0, 2, 1, 3]), single)


def rot90(image, k=1, name=None):
    """The image(s) rotated by ``k`` quarter turns counter-clockwise, as ``tf.image.rot90``."""
    x, single = _images(image, "image.rot90")
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise TypeError(f"image.rot90: k must be an int, got {k!r}")
    k = int(k) % 4
    if k == 1:
        x = _reverse(_core.transpose(x, [0, 2, 1, 3]), [1])
    elif k == 2:
        x = _reverse(x, [1, 2])
    elif k == 3:
        x = _core.transpose(_reverse(x, [1]), [0, 2, 1, 3])
    return _done(x, single)


_GRAY = (0.2989, 0.5870, 0.1140)  # TF's rgb_to_grayscale weights


def rgb_to_grayscale(images, name=None):
    """The weighted sum 0.2989 R + 0.5870 G + 0.1140 B, keeping a channel axis of 1, as
    ``tf.image.rgb_to_grayscale``."""
    x, single = _float_images(images, "image.rgb_to_grayscale")
    if x.shape[-1] != 3:
        raise ValueError(f"image.rgb_to_grayscale: images must have 3 channels, got shape "
                         f"{list(x.shape)}")
    w = _core._constant(_np.array(_GRAY, dtype=x.dtype.as_numpy_dtype), x.dtype)
    return _done(_core.reduce_sum(_core.multiply(x, w), [-1], True), single)


def grayscale_to_rgb(images, name=None):
    """The one channel repeated three times, as ``tf.image.grayscale_to_rgb``."""
    x, single = _images(images, "image.grayscale_to_rgb")
    if x.shape[-1] != 1:
        raise ValueError(f"image.grayscale_to_rgb: images must have 1 channel, got shape "
                         f"{list(x.shape)}")
    return _done(_core.concat([x, x, x], -1), single)


def adjust_brightness(image, delta):
    """``image + delta``, as ``tf.image.adjust_brightness``."""
    x, single = _float_images(image, "image.adjust_brightness")
    return _done(_core.add(x, float(delta)), single)


def adjust_contrast(images, contrast_factor):
    """``(x - mean) * contrast_factor + mean``, the mean of each channel of each image over
    its pixels, as ``tf.image.adjust_contrast``."""
    x, single = _float_images(images, "image.adjust_contrast")
    mean = _core.reduce_mean(x, [1, 2], True)
    return _done(_core.add(_core.multiply(_core.subtract(x, mean), float(contrast_factor)),
                           mean), single)


def per_image_standardization(image):
    """Each image scaled to mean 0 and variance 1: ``(x - mean) / max(stddev, 1 / sqrt(N))``
    over all its pixels and channels, as ``tf.image.per_image_standardization``."""
    x, single = _float_images(image, "image.per_image_standardization")
    n = x.shape[1] * x.shape[2] * x.shape[3]
    mean = _core.reduce_mean(x, [1, 2, 3], True)
    centred = _core.subtract(x, mean)
    std = _core.sqrt(_core.reduce_mean(_core.square(centred), [1, 2, 3], True))
    return _done(_core.divide(centred, _core.maximum(std, 1.0 / math.sqrt(max(n, 1)))), single)


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The ``target_height`` x ``target_width`` window at (``offset_height``,
    ``offset_width``), as ``tf.image.crop_to_bounding_box``."""
    op = "image.crop_to_bounding_box"
    x, single = _images(image, op)
    n, h, w, c = x.shape
    oh, ow, th, tw = (int(v) for v in (offset_height, offset_width, target_height, target_width))
    if oh < 0 or ow < 0 or th <= 0 or tw <= 0 or oh + th > h or ow + tw > w:
        raise InvalidArgumentError(f"{op}: the box offset ({oh}, {ow}) size ({th}, {tw}) does "
                                   f"not fit in images of height {h} and width {w}")
    return _done(_core.slice(x, [0, oh, ow, 0], [n, th, tw, c]), single)


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The image placed at (``offset_height``, ``offset_width``) in a zero canvas of
    ``target_height`` x ``target_width``, as ``tf.image.pad_to_bounding_box``."""
    op = "image.pad_to_bounding_box"
    x, single = _images(image, op)
    n, h, w, c = x.shape
    oh, ow, th, tw = (int(v) for v in (offset_height, offset_width, target_height, target_width))
    if oh < 0 or ow < 0 or oh + h > th or ow + w > tw:
        raise InvalidArgumentError(f"{op}: images of height {h} and width {w} at offset "
                                   f"({oh}, {ow}) do not fit in ({th}, {tw})")
    return _done(_core._pad(x, [0, oh, ow, 0], [0, th - h - oh, tw - w - ow, 0]), single)


def resize_with_crop_or_pad(image, target_height, target_width):
    """Centrally cropped and / or zero-padded to ``target_height`` x ``target_width``, as
    ``tf.image.resize_with_crop_or_pad``."""
    x, single = _images(image, "image.resize_with_crop_or_pad")
    th, tw = _size((target_height, target_width), "image.resize_with_crop_or_pad")
    h, w = x.shape[1], x.shape[2]
    ch, cw = min(h, th), min(w, tw)
    x = crop_to_bounding_box(x, max(h - th, 0) // 2, max(w - tw, 0) // 2, ch, cw)
    x = pad_to_bounding_box(x, max(th - h, 0) // 2, max(tw - w, 0) // 2, th, tw)
    return _done(x, single)


def central_crop(image, central_fraction):
    """The central ``central_fraction`` (in (0, 1]) of the height and width, as
    ``tf.image.central_crop``."""
    op = "image.central_crop"
    f = float(central_fraction)
    if not 0.0 < f <= 1.0:
        raise ValueError(f"{op}: central_fraction must be within (0, 1], got {central_fraction!r}")
    x, single = _images(image, op)
    h, w = x.shape[1], x.shape[2]
    if f == 1.0:
        return _done(x, single)
    top = int((h - h * f) / 2)
    left = int((w - w * f) / 2)
    return _done(crop_to_bounding_box(x, top, left, h - 2 * top, w - 2 * left), single)


def _rng(seed):
    from . import random as _random
    if seed is None:
        return _random._generator
    return _np.random.default_rng([_random._global_seed or 0, int(seed)])


def random_flip_left_right(image, seed=None):
    """Each image mirrored along the width with probability 1/2, as
    ``tf.image.random_flip_left_right`` (draws from tapegrad.random: ``set_seed`` repeats
    them)."""
    return _random_flip(image, seed, 2, "image.random_flip_left_right")


def random_flip_up_down(image, seed=None):
    """Each image mirrored along the height with probability 1/2."""
    return _random_flip(image, seed, 1, "image.random_flip_up_down")


def _random_flip(image, seed, axis, op):
    x, single = _images(image, op)
    flip = _rng(seed).random(x.shape[0]) < 0.5
    if not flip.any():
        return _done(x, single)
    flipped = _reverse(x, [axis])
    cond = _core._constant(flip.reshape(-1, 1, 1, 1), None)
    return _done(_core.where(_core.broadcast_to(cond, list(x.shape)), flipped, x), single)


def random_crop(value, size, seed=None, name=None):
    """A window of ``size`` (one entry per dimension of ``value``) at a uniformly random
    offset, as ``tf.random_crop`` / ``tf.image.random_crop``."""
    op = "image.random_crop"
    from .math import _value
    x = _value(value, op, "value")
    try:
        size = [int(s) for s in size]
    except (TypeError, ValueError):
        raise ValueError(f"{op}: size must be a list of ints, got {size!r}") from None
    if len(size) != x.ndim or any(s < 0 or s > d for s, d in zip(size, x.shape)):
        raise InvalidArgumentError(f"{op}: size {size} does not fit in value of shape "
                                   f"{list(x.shape)} (one entry per dimension, each <= it)")
    rng = _rng(seed)
    begin = [int(rng.integers(0, d - s + 1)) for s, d in zip(size, x.shape)]
    return _core.slice(x, begin, size)


def random_brightness(image, max_delta, seed=None):
    """``image + delta`` with delta uniform in [-max_delta, max_delta), one draw for the
    call, as ``tf.image.random_brightness``."""
    if not float(max_delta) >= 0:
        raise ValueError(f"image.random_brightness: max_delta must be non-negative, got "
                         f"{max_delta!r}")
    delta = _rng(seed).uniform(-float(max_delta), float(max_delta))
    return adjust_brightness(image, delta)
