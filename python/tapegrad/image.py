"""tapegrad.image: TF's ``tf.image`` for NHWC images (a batch ``[n, h, w, c]`` or one image
``[h, w, c]``): resizing (TF 2's bilinear, nearest, bicubic, area, lanczos3/5, gaussian and
mitchellcubic, ``antialias``), flips and rotations, crops and pads, ``convert_image_dtype``,
colour and contrast adjustments (integer images scaled to [0, 1] and back, as TF's),
standardisation, the random flips / crops / brightness of data augmentation, and
``extract_patches``.

Every function is recorded ops (gathers, slices, pads, matmuls with constant weight matrices,
arithmetic), so gradients flow to the pixels to any order. Sizes and offsets are Python
integers, as TF requires them to be known.
"""

import math
import numbers

import numpy as _np

from . import _core
from ._array_ops import reverse as _reverse
from ._conv import extract_patches
from .dtypes import float32
from .errors import InvalidArgumentError

__all__ = ["extract_patches", "resize", "flip_left_right", "flip_up_down", "rot90",
           "transpose", "rgb_to_grayscale", "grayscale_to_rgb", "adjust_brightness",
           "adjust_contrast", "per_image_standardization", "central_crop",
           "crop_to_bounding_box", "pad_to_bounding_box", "resize_with_crop_or_pad",
           "random_flip_left_right", "random_flip_up_down", "random_crop", "random_brightness",
           "convert_image_dtype", "ResizeMethod"]


class ResizeMethod:
    """The names ``resize`` takes for ``method``."""
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


def _images(images, op):
    """(a float or int tensor of rank 4, whether it was one image of rank 3)."""
    x = _value(images, op, "images")
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: images must have rank 3 [height, width, channels] or 4 "
                         f"[batch, height, width, channels], got shape {list(x.shape)}")
    if x.ndim == 3:
        return _core.expand_dims(x, 0), True
    return x, False


def _value(x, op, what):
    from .math import _value as value
    return value(x, op, what)


def _done(x, single):
    return _core.squeeze(x, [0]) if single else x


def _size(size, op):
    if isinstance(size, _core.Tensor):
        size = size.numpy().tolist()
    try:
        h, w = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(f"{op}: size must be a pair of ints [new_height, new_width], got "
                         f"{size!r}") from None
    if h <= 0 or w <= 0:  # an InvalidArgumentError (a ValueError), as TF's resize kernels
        raise InvalidArgumentError(f"{op}: size must be positive, got {[h, w]}")
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


# -- the other resize methods: one [n_out, n_in] weight matrix per axis, TF's kernels' weights
# computed in float32 as theirs (ResizeBicubic, ResizeArea, ScaleAndTranslate), applied with two
# matmuls (so differentiable, to any order).

_F = _np.float32
_TINY = _F(1000.0) * _np.finfo(_np.float32).tiny  # TF's threshold for renormalising weights


def _keys_table():
    """ResizeBicubic's table of Keys' cubic coefficients (a = -0.5, 1024 steps), float32."""
    a = -0.5
    x = (_np.arange(1025) / 1024.0).astype(_F).astype(_np.float64)
    t0 = (((a + 2) * x - (a + 3)) * x * x + 1).astype(_F)
    x1 = (x.astype(_F) + _F(1.0)).astype(_np.float64)
    t1 = (((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a).astype(_F)
    return t0, t1


def _bicubic_weights(n_in, n_out):
    """TF 2's ResizeBicubic (half-pixel centres, Keys' a = -0.5 from a 1024-entry table; taps
    outside the image get weight 0 and the rest are renormalised)."""
    t0, t1 = _keys_table()
    scale = _F(n_in) / _F(n_out)
    loc = (_np.arange(n_out).astype(_F) + _F(0.5)) * scale - _F(0.5)
    base = _np.floor(loc).astype(_np.int64)
    delta = loc - base.astype(_F)
    off = _np.rint(delta * _F(1024)).astype(_np.int64)
    w = _np.stack([t1[off], t0[off], t0[1024 - off], t1[1024 - off]], 1)
    idx = base[:, None] + _np.arange(-1, 3)
    w = _np.where((idx >= 0) & (idx < n_in), w, _F(0))
    total = ((w[:, 0] + w[:, 1]) + w[:, 2]) + w[:, 3]
    ok = _np.abs(total) >= _TINY
    with _np.errstate(all="ignore"):
        w = _np.where(ok[:, None], w * (_F(1) / total)[:, None], w)
    m = _np.zeros((n_out, n_in), _F)
    _np.add.at(m, (_np.repeat(_np.arange(n_out), 4), _np.clip(idx, 0, n_in - 1).reshape(-1)),
               w.reshape(-1))
    return m


def _area_weights(n_in, n_out):
    """TF's ResizeArea along one axis (no half-pixel offset): each output cell averages the
    input cells it covers, weighted by the covered fraction. The 1 / scale factor is applied
    once for both axes (``_area_factor``)."""
    scale = _F(n_in) / _F(n_out)
    y = _np.arange(n_out)
    in0 = y.astype(_F) * scale
    in1 = (y + 1).astype(_F) * scale
    start = _np.floor(in0).astype(_np.int64)
    end = _np.ceil(in1).astype(_np.int64)
    i = start[:, None] + _np.arange(max(int((end - start).max()), 1))
    fi = i.astype(_F)
    a0, a1 = in0[:, None], in1[:, None]
    w = _np.where(fi < a0, _np.where(fi + _F(1) > a1, scale, fi + _F(1) - a0),
                  _np.where(fi + _F(1) > a1, a1 - fi, _F(1))).astype(_F)
    valid = i < end[:, None]
    m = _np.zeros((n_out, n_in), _F)
    rows = _np.broadcast_to(y[:, None], i.shape)
    _np.add.at(m, (rows[valid], _np.clip(i[valid], 0, n_in - 1)), w[valid])
    return m


def _lanczos(r):
    def k(x):
        pi = _F(3.14159265359)
        with _np.errstate(all="ignore"):
            v = _F(r) * _np.sin(pi * x) * _np.sin(pi * x / _F(r)) / (pi * pi * x * x)
        return _np.where(x > r, _F(0), _np.where(x <= 1e-3, _F(1), v))
    return k, float(r)


def _gaussian(x):
    sigma = _F(1.5) / _F(3.0)
    v = _np.exp((-x * x).astype(_np.float64) / (2.0 * float(sigma) * float(sigma))).astype(_F)
    return _np.where(x >= _F(1.5), _F(0), v)


def _triangle(x):
    return _np.where(x < _F(1), _F(1) - x, _F(0))


def _keys_cubic(x):
    far = ((_F(-0.5) * x + _F(2.5)) * x - _F(4.0)) * x + _F(2.0)
    near = ((_F(1.5) * x - _F(2.5)) * x) * x + _F(1.0)
    return _np.where(x >= _F(2), _F(0), _np.where(x >= _F(1), far, near))


def _mitchell_cubic(x):
    far = (((_F(-7.0) / _F(18.0)) * x + _F(2.0)) * x - _F(10.0) / _F(3.0)) * x + _F(16.0) / _F(9.0)
    near = (((_F(7.0) / _F(6.0)) * x - _F(2.0)) * x) * x + _F(8.0) / _F(9.0)
    return _np.where(x >= _F(2), _F(0), _np.where(x >= _F(1), far, near))


_SCALE_KERNELS = {"triangle": (_triangle, 1.0), "keyscubic": (_keys_cubic, 2.0),
                  "mitchellcubic": (_mitchell_cubic, 2.0), "gaussian": (_gaussian, 1.5),
                  "lanczos3": _lanczos(3), "lanczos5": _lanczos(5)}


def _scale_translate_weights(n_in, n_out, kernel, antialias):
    """TF's ScaleAndTranslate spans along one axis (scale n_out / n_in, no translation): the
    kernel centred on each output's sampling position, widened by the downscaling factor with
    ``antialias``, its weights normalised to sum 1."""
    fn, radius = _SCALE_KERNELS[kernel]
    scale = _F(n_out) / _F(n_in)
    inv_scale = _F(1.0 / float(scale))
    kscale = max(inv_scale, _F(1)) if antialias else _F(1)
    one_over = _F(1) / kscale
    reach = _F(radius) * kscale
    sample = (_np.arange(n_out).astype(_F) + _F(0.5)) * inv_scale
    starts = _np.clip(_np.ceil(sample - reach - _F(0.5)), 0, n_in - 1).astype(_np.int64)
    ends = _np.clip(_np.floor(sample + reach - _F(0.5)), 0, n_in - 1).astype(_np.int64) + 1
    src = starts[:, None] + _np.arange(max(int((ends - starts).max()), 1))
    valid = (src < ends[:, None]) & ((sample >= 0) & (sample <= n_in))[:, None]
    pos = src.astype(_F) + _F(0.5) - sample[:, None]
    w = _np.where(valid, fn(_np.abs(pos * one_over)).astype(_F), _F(0))
    total = _np.cumsum(w, axis=1, dtype=_F)[:, -1]
    with _np.errstate(all="ignore"):
        w = _np.where((_np.abs(total) >= _TINY)[:, None], w * (_F(1) / total)[:, None], _F(0))
    m = _np.zeros((n_out, n_in), _F)
    rows = _np.broadcast_to(_np.arange(n_out)[:, None], src.shape)
    m[rows[valid], src[valid]] = w[valid]
    return m


def _weigh_axis(x, m, axis):
    """x [n, h, w, c] with axis 1 or 2 replaced by ``m @`` it (m [n_out, n_in] constant)."""
    if m.shape[0] == m.shape[1] and _np.array_equal(m, _np.eye(m.shape[0], dtype=m.dtype)):
        return x
    n, h, w, c = x.shape
    mt = _core._constant(_np.ascontiguousarray(m), float32)
    if axis == 1:
        y = _core.matmul(mt, _core.reshape(x, [n, h, w * c]))
        return _core.reshape(y, [n, m.shape[0], w, c])
    y = _core.matmul(mt, _core.reshape(x, [n * h, w, c]))
    return _core.reshape(y, [n, h, m.shape[0], c])


_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
            "mitchellcubic")


def resize(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False,
           antialias=False, name=None):
    """Images resized to ``size`` = [new_height, new_width], as ``tf.image.resize`` (TF 2:
    half-pixel centres). Every method but 'nearest' returns float32, whatever the input dtype
    (float64 too, as TF's kernels; integers are not rescaled); 'nearest' keeps the dtype.
    'bilinear' (default) interpolates between the two nearest rows and columns; 'nearest' takes
    the nearest pixel; 'bicubic' is TF's ResizeBicubic (Keys' cubic, a = -0.5, taps outside the
    image dropped and the rest renormalised); 'area' is TF's ResizeArea (the covered fraction
    of each input pixel); 'lanczos3', 'lanczos5', 'gaussian', 'mitchellcubic', and 'bilinear' /
    'bicubic' with ``antialias=True``, are TF's ScaleAndTranslate kernels (with ``antialias``
    the kernel widens by the downscaling factor, low-pass filtering; 'nearest' and 'area'
    ignore it). The weights are TF's, computed in float32 as TF's kernels do; the result is
    one or two matmuls (or gathers), differentiable (TF has no gradient for 'area').
    ``preserve_aspect_ratio`` fits the image inside ``size`` (TF's float32 arithmetic)."""
    op = "image.resize"
    method = method.lower() if isinstance(method, str) else method
    if method == "nearest_neighbor":
        method = "nearest"
    if method not in _METHODS:
        raise ValueError(f"{op}: Resize method is not implemented: {method!r} (one of "
                         f"{', '.join(_METHODS)})")
    x, single = _images(images, op)
    if isinstance(size, _core.Tensor):
        size = size.numpy().tolist()
    try:
        if len(size) != 2:
            raise TypeError
    except TypeError:
        raise ValueError(f"{op}: size must be a pair of ints [new_height, new_width], got "
                         f"{size!r}") from None
    if preserve_aspect_ratio:
        h0, w0 = x.shape[1], x.shape[2]
        factor = min(_F(int(size[0])) / _F(h0), _F(int(size[1])) / _F(w0))
        size = [int(_np.rint(factor * _F(h0))), int(_np.rint(factor * _F(w0)))]
    h, w = _size(size, op)
    if method == "nearest":
        for axis, n_out in ((1, h), (2, w)):
            n_in = x.shape[axis]
            idx = _np.minimum(_np.floor((_np.arange(n_out) + 0.5) * (n_in / n_out)),
                              n_in - 1).astype(_np.int64)
            x = _core.gather(x, _core._constant(idx, None), axis)
        return _done(x, single)
    if x.dtype != float32:  # TF's kernels compute in float32 and return it
        x = _core.cast(x, float32)
    h_in, w_in = x.shape[1], x.shape[2]
    if method == "bilinear" and not antialias:
        return _done(_lerp_axis(_lerp_axis(x, 1, h), 2, w), single)
    if method == "area":
        x = _weigh_axis(_weigh_axis(x, _area_weights(h_in, h), 1), _area_weights(w_in, w), 2)
        factor = _F(1.0 / float(_F(h_in) / _F(h) * (_F(w_in) / _F(w))))
        if factor != 1:
            x = _core.multiply(x, _core._constant(_np.asarray(factor), float32))
        return _done(x, single)
    if method == "bicubic" and not antialias:
        return _done(_weigh_axis(_weigh_axis(x, _bicubic_weights(h_in, h), 1),
                                 _bicubic_weights(w_in, w), 2), single)
    kernel = {"bilinear": "triangle", "bicubic": "keyscubic"}.get(method, method)
    aa = bool(antialias)
    return _done(_weigh_axis(_weigh_axis(x, _scale_translate_weights(h_in, h, kernel, aa), 1),
                             _scale_translate_weights(w_in, w, kernel, aa), 2), single)


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
    if isinstance(k, (_core.Tensor, _np.ndarray)) and k.ndim == 0 and \
            _np.dtype(k.numpy().dtype if isinstance(k, _core.Tensor) else k.dtype).kind in "iu":
        k = int(k.numpy() if isinstance(k, _core.Tensor) else k)  # a 0-d integer tensor, as TF
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


def _pixels(image, op, min_rank=0):
    """(tensor, the integer range its pixels came in or None for float): a numpy uint16 /
    int8 / int16 array (no such tapegrad dtypes: it becomes int32) keeps its own range, as
    TF's conversions scale by the input dtype's maximum; uint8 is a tapegrad dtype."""
    x = _value(image, op, "image")
    if x.ndim < min_rank:
        raise ValueError(f"{op}: image must have rank >= {min_rank}, got shape {list(x.shape)}")
    src = _np.asarray(image).dtype if isinstance(image, (_np.ndarray, _np.generic)) else None
    if src is not None and src.kind in "iu":
        info = _np.iinfo(src)
        return x, (int(info.min), int(info.max))
    if x.dtype.is_integer:
        info = _np.iinfo(x.dtype.as_numpy_dtype)
        return x, (int(info.min), int(info.max))
    if x.dtype.is_floating:
        return x, None
    raise AttributeError(f"{op}: image dtype must be either floating point or integer, got "
                         f"{x.dtype.name}")


def _to_dtype(x, rng_in, out, saturate=False, rng_out=None):
    """TF's convert_image_dtype of ``x`` (pixels of the integer range ``rng_in``, or float for
    None) to ``out`` (an integer output's pixels in ``rng_out``, default its dtype's range)."""
    from ._compat_ops import saturate_cast
    if out.is_floating:
        if rng_in is None:
            return x if x.dtype == out else _core.cast(x, out)
        scale = _np.asarray(1.0 / rng_in[1], out.as_numpy_dtype)  # cast first, then scale
        return _core.multiply(_core.cast(x, out), _core._constant(scale, out))
    own = _np.iinfo(out.as_numpy_dtype)
    lo, hi = rng_out or (int(own.min), int(own.max))
    narrow = (lo, hi) != (int(own.min), int(own.max))

    def cast(t):
        if not saturate:
            return _core.cast(t, out)
        if narrow:  # e.g. uint8 pixels in an int32 tensor: clip to uint8's range first
            c = _np.asarray(lo, t.dtype.as_numpy_dtype), _np.asarray(hi, t.dtype.as_numpy_dtype)
            t = _core.clip_by_value(t, _core._constant(c[0], t.dtype), _core._constant(c[1], t.dtype))
            return _core.cast(t, out)
        return saturate_cast(t, out)
    if rng_in is None:  # float to integer: scale first, then cast
        scale = _np.asarray(hi + 0.5, x.dtype.as_numpy_dtype)
        return cast(_core.multiply(x, _core._constant(scale, x.dtype)))
    if rng_in == (lo, hi) and x.dtype == out:
        return x
    if rng_in[1] > hi:  # scaling down: integer division first
        div = (rng_in[1] + 1) // (hi + 1)
        return cast(_core.floordiv(x, _core._constant(_np.asarray(div, x.dtype.as_numpy_dtype),
                                                      x.dtype)))
    mul = (hi + 1) // (rng_in[1] + 1)
    y = cast(x) if x.dtype != out else x
    return _core.multiply(y, _core._constant(_np.asarray(mul, out.as_numpy_dtype), out))


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """``image`` converted to ``dtype``, rescaling the values, as
    ``tf.image.convert_image_dtype``: integer pixels map to floats in [0, 1] by dividing by
    the integer dtype's maximum (cast first), floats to integers by multiplying by its maximum
    + 0.5 (then a cast, a saturating one with ``saturate``), integers to integers by the ratio
    of the maxima; float to float is a cast. uint8 images scale by 255, as TF; a numpy uint16
    / int8 / int16 array by its own dtype's maximum too (it becomes an int32 tensor: tapegrad
    has no such dtypes). Differentiable between float dtypes."""
    from .dtypes import as_dtype
    op = "image.convert_image_dtype"
    out = as_dtype(dtype)
    if not (out.is_floating or out.is_integer):
        raise AttributeError(f"{op}: dtype must be either floating point or integer, got "
                             f"{out.name}")
    x, rng = _pixels(image, op)
    return _to_dtype(x, rng, out, saturate)


def _as_float32(image, op, min_rank=0):
    """TF's pattern for the colour adjustments: float32 and float64 pixels as they are (float64
    keeps its precision here: TF computes it in float32), integer pixels converted to float32
    in [0, 1]; with the function that converts a float result back."""
    x, rng = _pixels(image, op, min_rank)
    if rng is None:
        return x, (lambda y, saturate=False: y)
    dt = x.dtype
    return _to_dtype(x, rng, float32), \
        (lambda y, saturate=False: _to_dtype(y, None, dt, saturate, rng))


def _scalar(v, dtype, op, what):
    """A number as a constant of ``dtype`` (exact in float64), a tensor cast to it (so
    differentiable)."""
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        return _core._constant(_np.asarray(v, dtype.as_numpy_dtype), dtype)
    t = _value(v, op, what)
    return t if t.dtype == dtype else _core.cast(t, dtype)


def rgb_to_grayscale(images, name=None):
    """The weighted sum 0.2989 R + 0.5870 G + 0.1140 B of the last axis (size 3; any rank),
    keeping it as an axis of 1, as ``tf.image.rgb_to_grayscale``. Integer images give integers
    of their dtype (TF's conversion to float32 in [0, 1] and back, truncating)."""
    op = "image.rgb_to_grayscale"
    x, back = _as_float32(images, op, 1)
    if x.shape[-1] != 3:
        raise ValueError(f"{op}: images must have 3 channels, got shape {list(x.shape)}")
    w = _core._constant(_np.array(_GRAY, dtype=x.dtype.as_numpy_dtype), x.dtype)
    return back(_core.reduce_sum(_core.multiply(x, w), [-1], True))


def grayscale_to_rgb(images, name=None):
    """The one channel (last axis, size 1; rank >= 2) repeated three times, as
    ``tf.image.grayscale_to_rgb``."""
    op = "image.grayscale_to_rgb"
    x = _value(images, op, "images")
    if x.ndim < 2 or x.shape[-1] != 1:
        raise ValueError(f"{op}: images must have rank >= 2 and 1 channel (the last axis), got "
                         f"shape {list(x.shape)}")
    return _core.concat([x, x, x], -1)


def adjust_brightness(image, delta):
    """``image + delta`` (any rank; ``delta`` a number or a tensor, differentiable), as
    ``tf.image.adjust_brightness``. Integer images are converted to float32 in [0, 1] first
    (so ``delta`` is in those units) and back, saturating, to their dtype, as TF's."""
    op = "image.adjust_brightness"
    x, back = _as_float32(image, op)
    d = _scalar(delta, x.dtype, op, "delta")
    return back(_core.add(x, d), True)


def adjust_contrast(images, contrast_factor):
    """``(x - mean) * contrast_factor + mean``, the mean of each channel of each image over
    its height and width (the axes -3 and -2; rank >= 3, leading axes are batches), as
    ``tf.image.adjust_contrast``. Integer images are converted to float32 in [0, 1] first and
    back, saturating, to their dtype, as TF's. Differentiable (TF's op has no gradient)."""
    op = "image.adjust_contrast"
    x, back = _as_float32(images, op, 3)
    f = _scalar(contrast_factor, x.dtype, op, "contrast_factor")
    mean = _core.reduce_mean(x, [-3, -2], True)
    return back(_core.add(_core.multiply(_core.subtract(x, mean), f), mean), True)


def per_image_standardization(image):
    """Each image scaled to mean 0 and variance 1: ``(x - mean) / max(stddev, 1 / sqrt(N))``
    over its last three axes (height, width, channels; rank >= 3), as
    ``tf.image.per_image_standardization``: float32 out, whatever the input dtype (TF casts
    to float32, integers unscaled)."""
    op = "image.per_image_standardization"
    x = _value(image, op, "image")
    if x.ndim < 3:
        raise ValueError(f"{op}: image must have rank >= 3 [height, width, channels], got shape "
                         f"{list(x.shape)}")
    if x.dtype != float32:
        x = _core.cast(x, float32)
    n = x.shape[-1] * x.shape[-2] * x.shape[-3]
    axes = [-3, -2, -1]
    mean = _core.reduce_mean(x, axes, True)
    centred = _core.subtract(x, mean)
    std = _core.sqrt(_core.reduce_mean(_core.square(centred), axes, True))
    return _core.divide(centred, _core.maximum(std, 1.0 / math.sqrt(max(n, 1))))


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
    # tapegrad.random's: an op seed's sequence advances on every call, as TF's stateful ops
    from . import random as _random
    return _random._rng(None if seed is None else int(seed))


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
