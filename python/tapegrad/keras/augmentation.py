"""Keras 3's image augmentation layers: RandomRotation, RandomZoom, RandomTranslation,
RandomCrop, RandomContrast and RandomBrightness (exported by keras.layers), and the
projective resampling they use (TF's ImageProjectiveTransformV3).

Images are channels_last, one image (height, width, channels) or a batch (batch, height,
width, channels). As Keras 3's, a layer augments unless its call's ``training`` is False:
``fit`` calls models with True, ``predict`` and ``evaluate`` with False, and a call without
``training`` takes the enclosing model's (Keras' call context, ``layers._TrainingContext``)
or, called alone, augments (the default of ``call``). Random draws are numpy's (a layer's ``seed`` starts its
own sequence, so two layers with the same seed draw the same values; without a seed the draws
come from tapegrad.random's global generator, which ``set_seed`` repeats); they cannot match
Keras' RNG, but every transform for given draws is Keras'.

The resampling computes source coordinates in numpy (float32, as TF's kernel) and applies
them to the image with recorded ops (one gather and weighted sums), so gradients flow to the
pixels: the exact adjoint of the sampling (TF registers an approximate gradient for
ImageProjectiveTransform instead: the inverse transform applied to the upstream gradient).
"""

import numbers

import numpy as _np

from .. import _core
from .layers import Layer

__all__ = ["RandomRotation", "RandomZoom", "RandomTranslation", "RandomCrop",
           "RandomContrast", "RandomBrightness", "affine_transform"]

_F = _np.float32
_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")


# -- resampling --------------------------------------------------------------------------------

def _map_coordinates(c, n, mode):
    """Source coordinates ``c`` (float32) along an axis of length ``n`` brought inside the image
    by ``mode``, as TF's ImageProjectiveTransformV3 does before interpolating."""
    if mode == "constant":
        return c
    hi = _F(n - 1)
    if mode == "nearest":
        return _np.clip(c, _F(0), hi)
    if n <= 1:
        return _np.zeros_like(c)
    c = c.copy()
    if mode == "reflect":
        # [abcd] -> [dcba|abcd|dcba]: period 2n, mirrored about -0.5 and n - 0.5
        period = _F(2 * n)
        low, high = c < 0, c > hi  # (TF: one branch or the other, on the original value)
        v = c[low]
        far = v < -period
        v[far] = period * _np.trunc(-v[far] / period).astype(_F) + v[far]
        c[low] = _np.where(v < -n, v + period, -v - _F(1))
        v = c[high]
        v = v - period * _np.trunc(v / period).astype(_F)
        c[high] = _np.where(v >= n, period - v - _F(1), v)
    else:  # wrap: [abcd] -> [abcd|abcd|abcd], TF's arithmetic (steps of n, counted per n - 1)
        step = _F(n - 1)
        low, high = c < 0, c > hi
        c[low] = c[low] + _F(n) * (_np.trunc(-c[low] / step) + 1).astype(_F)
        c[high] = c[high] - _F(n) * _np.trunc(c[high] / step).astype(_F)
    return _np.clip(c, _F(0), hi)


def _round_half_away(v):
    """std::round: halves away from zero (numpy's rint rounds them to even)."""
    return _np.where(v < 0, -_np.floor(_F(0.5) - v), _np.floor(v + _F(0.5)))


def affine_transform(images, transforms, interpolation="bilinear", fill_mode="constant",
                     fill_value=0.0):
    """``images`` resampled by projective ``transforms``, as TF's ImageProjectiveTransformV3
    (what Keras' ``ops.image.affine_transform`` calls): output pixel (x, y) reads the input at
    ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1, for each image's
    row [a0, a1, a2, b0, b1, b2, c0, c1] of ``transforms`` (shape (8,) or (batch, 8), numpy).

    Points outside the image follow ``fill_mode`` ('reflect', 'wrap', 'constant' with
    ``fill_value``, 'nearest'); ``interpolation`` is 'bilinear' or 'nearest'. Images
    (batch, height, width, channels) or (height, width, channels); the result is float32
    (ints are converted), made of recorded ops: a gradient flows to ``images``."""
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"affine_transform: `interpolation` must be one of {_INTERPOLATIONS}, "
                         f"got {interpolation!r}")
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"affine_transform: `fill_mode` must be one of {_FILL_MODES}, got "
                         f"{fill_mode!r}")
    x = images if isinstance(images, _core.Tensor) else _core._constant(images, None)
    if x.ndim not in (3, 4):
        raise ValueError("affine_transform: expected rank 3 (single image) or 4 (batch of "
                         f"images), got shape {tuple(x.shape)}")
    single = x.ndim == 3
    if single:
        x = _core.expand_dims(x, 0)
    if x.dtype.name != "float32":
        x = _core.cast(x, "float32")
    n, h, w, c = x.shape
    t = _np.asarray(transforms, _F)
    if t.ndim == 1:
        t = t[None]
    if t.ndim != 2 or t.shape[1] != 8 or t.shape[0] not in (1, n):
        raise ValueError(f"affine_transform: transforms must have shape (8,) or ({n}, 8), got "
                         f"{t.shape}")
    t = _np.broadcast_to(t, (n, 8))
    a0, a1, a2, b0, b1, b2, c0, c1 = (t[:, i, None, None] for i in range(8))
    ox = _np.arange(w, dtype=_F)[None, None, :]
    oy = _np.arange(h, dtype=_F)[None, :, None]
    k = c0 * ox + c1 * oy + _F(1)
    dead = _np.broadcast_to(k == 0, (n, h, w))  # TF: the fill value at infinite projections
    with _np.errstate(divide="ignore", invalid="ignore"):
        sx = _np.broadcast_to((a0 * ox + a1 * oy + a2) / k, (n, h, w))
        sy = _np.broadcast_to((b0 * ox + b1 * oy + b2) / k, (n, h, w))
    any_dead = bool(dead.any())
    if any_dead:
        sx, sy = _np.where(dead, _F(0), sx), _np.where(dead, _F(0), sy)
    sx = _map_coordinates(_np.asarray(sx, _F), w, fill_mode)
    sy = _map_coordinates(_np.asarray(sy, _F), h, fill_mode)
    # Channels first, one row per channel ([c, n * h * w]): gathers and weights then work on
    # contiguous rows (much faster than broadcasting weights over a short channel axis).
    p = n * h * w
    flat = _core.reshape(_core.transpose(x, [3, 0, 1, 2]), [c, p])
    base = (_np.arange(n, dtype=_np.int64) * (h * w))[:, None, None]
    fill = float(fill_value)
    if any_dead:
        dead = dead.reshape(-1)

    def inside(iy, ix):
        ok = (iy >= 0) & (iy < h) & (ix >= 0) & (ix < w)
        return ok & ~dead if any_dead else ok

    def const(a):
        return _core._constant(_np.ascontiguousarray(a, _F), None)

    if interpolation == "nearest":
        iy = _round_half_away(sy).astype(_np.int64)
        ix = _round_half_away(sx).astype(_np.int64)
        idx = (base + _np.clip(iy, 0, h - 1) * w + _np.clip(ix, 0, w - 1)).reshape(-1)
        ok = inside(iy.reshape(-1), ix.reshape(-1))
        out = _core.gather(flat, _core._constant(idx, None), 1)  # [c, p]
        if not ok.all():
            out = _core.multiply(out, const(ok))
            if fill != 0:
                out = _core.add(out, const(~ok * _F(fill)))
    else:
        fy, fx = _np.floor(sy).reshape(-1), _np.floor(sx).reshape(-1)
        sy, sx = sy.reshape(-1), sx.reshape(-1)
        iy = _np.stack([fy, fy + 1]).astype(_np.int64)  # [2, p]: the rows above and below
        ix = _np.stack([fx, fx + 1]).astype(_np.int64)  # the columns left and right
        wy = _np.stack([fy + _F(1) - sy, sy - fy]).astype(_F)
        wx = _np.stack([fx + _F(1) - sx, sx - fx]).astype(_F)
        pos = _np.broadcast_to(base, (n, h, w)).reshape(-1)
        cy, cx = _np.clip(iy, 0, h - 1) * w, _np.clip(ix, 0, w - 1)

        def row(r):
            # TF's order: a row's two taps weighed and summed (an outside tap reads
            # fill_value: its weight moves to a constant term), then the rows (below).
            total = spill = None
            for k in (0, 1):
                ok = inside(iy[r], ix[k])
                tap = _core.gather(flat, _core._constant(pos + cy[r] + cx[k], None), 1)
                term = _core.multiply(tap, const(wx[k] * ok))
                total = term if total is None else _core.add(total, term)
                if fill != 0 and not ok.all():
                    extra = wx[k] * ~ok * _F(fill)
                    spill = extra if spill is None else spill + extra
            return total if spill is None else _core.add(total, const(spill))

        out = _core.add(_core.multiply(row(0), const(wy[0])),
                        _core.multiply(row(1), const(wy[1])))  # [c, p]
    out = _core.transpose(_core.reshape(out, [c, n, h, w]), [1, 2, 3, 0])
    return _core.squeeze(out, [0]) if single else out


# -- shared checks -----------------------------------------------------------------------------

def _is_number(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _base_factor(factor, bounds, owner):
    """Keras' BaseImagePreprocessingLayer factor: a number f (|f| used: (max(-f, low), f)) or
    a pair (sorted), within ``bounds``; a ValueError otherwise."""
    factor = factor or 0.0
    msg = (f"{owner}: The `factor` argument should be a number (or a list of two numbers) in "
           f"the range [{bounds[0]}, {bounds[1]}]. Received: factor={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(_is_number(v) for v in factor):
            raise ValueError(msg)
        if factor[0] > bounds[1] or factor[1] < bounds[0]:
            raise ValueError(msg)
        lower, upper = sorted(factor)
        return lower, upper
    if _is_number(factor):
        if factor < bounds[0] or factor > bounds[1]:
            raise ValueError(msg)
        factor = abs(factor)
        return max(-factor, bounds[0]), factor
    raise ValueError(msg)


def _range_factor(factor, name, owner, open_low):
    """RandomZoom's / RandomTranslation's factor: a number f (giving (-|f|, |f|)) or a pair
    (sorted), each in [-1, 1] ((-1, 1] for zoom: ``open_low``); a ValueError otherwise."""
    rng_text = "(-1.0, 1.0]" if open_low else "[-1.0, 1.0]"
    what = ("The `height_factor` and `width_factor` arguments" if open_low
            else "The `factor` argument")

    def check(v):
        if not _is_number(v) or v > 1.0 or (v <= -1.0 if open_low else v < -1.0):
            raise ValueError(f"{owner}: {what} should be a number (or a list of two numbers) "
                             f"in the range {rng_text}. Received: {name}={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            check(None)
        check(factor[0])
        check(factor[1])
        lower, upper = sorted(factor)
        return lower, upper
    check(factor)
    return -abs(factor), abs(factor)


def _choice(value, allowed, what, owner):
    if value not in allowed:
        raise NotImplementedError(f"{owner}: Unknown `{what}` {value!r}. Expected one of "
                                  f"{allowed}.")
    return value


class _ImageAugmentation(Layer):
    """The part the augmentation layers share: data_format, seed, the rank check and the
    training switch (augment only with ``training=True``)."""

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{type(self).__name__} {self.name!r}: only "
                             f"data_format='channels_last' is supported, got {data_format!r}")
        self.seed = seed
        self.data_format = "channels_last"
        self._gen = None if seed is None else _np.random.default_rng(int(seed) & (2 ** 63 - 1))

    def _rng(self):
        if self._gen is not None:
            return self._gen
        from .. import random as _random
        return _random._rng(None)

    def _uniform(self, low, high, shape):
        """float32 draws in [low, high) (``low + (high - low) * u``: a degenerate range gives
        exactly ``low``, as Keras' uniform)."""
        u = self._rng().random(shape).astype(_F)
        return (_F(low) + (_F(high) - _F(low)) * u).astype(_F)

    def _check_rank(self, shape):
        if len(shape) not in (3, 4):
            raise ValueError(f"{type(self).__name__} {self.name!r}: Expected image tensor to "
                             "have rank 3 (single image) or 4 (batch of images). Received: "
                             f"data.shape={tuple(shape)}")

    def _per_image(self, inputs):
        """(number of images, the shape that broadcasts one value per image over them)."""
        if inputs.ndim == 4:
            return inputs.shape[0], (inputs.shape[0], 1, 1, 1)
        return 1, (1, 1, 1)

    def build(self, input_shape):
        self._check_rank(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        """The input shape (the images keep their size)."""
        return tuple(input_shape)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(data_format=self.data_format, seed=self.seed)
        return cfg


class _AffineAugmentation(_ImageAugmentation):
    """Layers that resample each image by a random affine transform (Keras' affine_transform
    with the layer's fill_mode, fill_value and interpolation); outputs float32."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        owner = f"{type(self).__name__} {self.name!r}"
        self.fill_mode = _choice(fill_mode, _FILL_MODES, "fill_mode", owner)
        self.interpolation = _choice(interpolation, _INTERPOLATIONS, "interpolation", owner)
        self.fill_value = fill_value

    def _transforms(self, n, h, w):
        raise NotImplementedError

    def call(self, inputs, training=True):
        """The images resampled by one random transform each (training), else the images
        (as float32)."""
        self._check_rank(inputs.shape)
        if not training:
            return inputs
        h, w = inputs.shape[-3], inputs.shape[-2]
        n = inputs.shape[0] if inputs.ndim == 4 else 1
        t = self._transforms(n, h, w)
        return affine_transform(inputs, t if inputs.ndim == 4 else t[0], self.interpolation,
                                self.fill_mode, self.fill_value)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(fill_mode=self.fill_mode, fill_value=self.fill_value,
                   interpolation=self.interpolation)
        return cfg


def _zeros(n):
    return _np.zeros(n, _F)


class RandomRotation(_AffineAugmentation):
    """Rotates each image by a random angle about its centre when training, as Keras 3's
    RandomRotation: ``factor`` is a fraction of a full turn, a number f (angles in
    [-f, f] * 360 degrees) or a pair (lower, upper); positive angles turn counter-clockwise.
    Each image of a batch draws its own angle. Points from outside the image follow
    ``fill_mode`` ('reflect', 'wrap', 'constant' with ``fill_value``, 'nearest');
    ``interpolation`` is 'bilinear' or 'nearest'. Outputs float32; the identity (cast to
    float32) unless ``training=True``."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = _base_factor(factor, (-1, 1), f"RandomRotation {self.name!r}")

    def _transforms(self, n, h, w):
        # Keras' affine matrix about the centre ((w - 1) / 2, (h - 1) / 2), in float32
        angle = self._uniform(self.factor[0] * 360.0, self.factor[1] * 360.0, n)
        angle = angle * _F(_np.pi / 180.0)
        cos, sin = _np.cos(angle).astype(_F), _np.sin(angle).astype(_F)
        cx, cy = _F(0.5) * _F(w - 1), _F(0.5) * _F(h - 1)
        a0, a1, b0, b1 = cos, -sin, sin, cos
        a2 = cx - cx * a0 - cy * a1
        b2 = cy - cx * b0 - cy * b1
        return _np.stack([a0, a1, a2, b0, b1, b2, _zeros(n), _zeros(n)], 1).astype(_F)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(factor=self.factor)
        return cfg


class RandomZoom(_AffineAugmentation):
    """Zooms each image by a random amount about its centre when training, as Keras 3's
    RandomZoom: ``height_factor`` (a number f for [-f, f], or a pair, each in (-1, 1]) scales
    the height by 1 + draw; a negative draw zooms in (the image is enlarged), a positive one
    zooms out. ``width_factor`` likewise for the width; None (default) zooms the width by the
    height's draw, keeping the aspect ratio. Each image draws its own zoom. ``fill_mode``,
    ``fill_value`` and ``interpolation`` as RandomRotation's. Outputs float32; the identity (cast
    to float32) unless ``training=True``."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        owner = f"RandomZoom {self.name!r}"
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _range_factor(height_factor, "height_factor",
                                                             owner, True)
        if width_factor is not None:
            self.width_lower, self.width_upper = _range_factor(width_factor, "width_factor",
                                                               owner, True)

    def _transforms(self, n, h, w):
        zy = self._uniform(1.0 + self.height_lower, 1.0 + self.height_upper, n)
        zx = zy if self.width_factor is None else \
            self._uniform(1.0 + self.width_lower, 1.0 + self.width_upper, n)
        ox = (_F(w) - _F(1)) / _F(2) * (_F(1) - zx)
        oy = (_F(h) - _F(1)) / _F(2) * (_F(1) - zy)
        return _np.stack([zx, _zeros(n), ox, _zeros(n), zy, oy, _zeros(n), _zeros(n)],
                         1).astype(_F)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return cfg


class RandomTranslation(_AffineAugmentation):
    """Shifts each image by a random offset when training, as Keras 3's RandomTranslation:
    ``height_factor`` (a number f for [-f, f], or a pair, each in [-1, 1]) is the vertical
    shift as a fraction of the height, positive moving the image down; ``width_factor`` the
    horizontal one, positive moving it right. Each image draws its own shift. ``fill_mode``,
    ``fill_value`` and ``interpolation`` as RandomRotation's. Outputs float32; the identity (cast
    to float32) unless ``training=True``."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        owner = f"RandomTranslation {self.name!r}"
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _range_factor(height_factor, "height_factor",
                                                             owner, False)
        self.width_lower, self.width_upper = _range_factor(width_factor, "width_factor",
                                                           owner, False)

    def _transforms(self, n, h, w):
        dy = (self._uniform(self.height_lower, self.height_upper, n) * _F(h)).astype(_F)
        dx = (self._uniform(self.width_lower, self.width_upper, n) * _F(w)).astype(_F)
        one = _np.ones(n, _F)
        return _np.stack([one, _zeros(n), -dx, _zeros(n), one, -dy, _zeros(n), _zeros(n)], 1)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(height_factor=self.height_factor, width_factor=self.width_factor)
        return cfg


class RandomCrop(_ImageAugmentation):
    """A random (``height``, ``width``) window of the images when training, as Keras 3's
    RandomCrop: one offset for the whole batch, uniform over the positions that fit, when the
    images are larger than the window in both dimensions; otherwise the central window of the
    target's aspect ratio, resized (bilinear) to (height, width) when smaller. Training outputs
    are float32. Unless ``training=True`` the images come back unchanged, uncropped and in
    their dtype (Keras 3.15 does the same, whatever ``compute_output_shape`` says)."""

    _keep_int_inputs = True  # Keras hands int images back untouched at inference

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height, self.width = int(height), int(width)

    def compute_output_shape(self, input_shape):
        """The input shape with the target height and width."""
        return tuple(input_shape[:-3]) + (self.height, self.width, input_shape[-1])

    def call(self, inputs, training=True):
        """The crop (training), else the images."""
        self._check_rank(inputs.shape)
        if not training:
            return inputs
        from .. import image
        x = inputs if inputs.dtype.name == "float32" else _core.cast(inputs, "float32")
        h, w = x.shape[-3], x.shape[-2]
        if h > self.height and w > self.width:
            top = int(self._uniform(0, float(h - self.height + 1), ()))
            left = int(self._uniform(0, float(w - self.width + 1), ()))
        else:  # Keras: the central window of the target's aspect ratio
            ch = max(min(h, int(float(w * self.height) / self.width)), 1)
            cw = max(min(w, int(float(h * self.width) / self.height)), 1)
            top, left = int(float(h - ch) / 2), int(float(w - cw) / 2)
        # Keras slices (top, left) + (height, width), cut at the image's edge
        ch, cw = min(self.height, h - top), min(self.width, w - left)
        x = image.crop_to_bounding_box(x, top, left, ch, cw)
        if (ch, cw) != (self.height, self.width):
            x = image.resize(x, [self.height, self.width], method="bilinear")
        return x

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(height=self.height, width=self.width)
        return cfg


def _value_range(value_range, owner):
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(f"{owner}: The `value_range` argument should be a list of two "
                         f"numbers. Received: value_range={value_range}")
    return value_range


class RandomContrast(_ImageAugmentation):
    """Scales each image's deviation from its mean by a random contrast factor when
    training, as Keras 3's RandomContrast: ``(x - mean) * c + mean`` (the mean over height and
    width, per channel), then clipped to ``value_range``. ``factor`` is a number f in [0, 1] or
    a pair (lower, upper); c is drawn in [1 - lower, 1 + upper] per image (Keras turns a number
    f into (0, f), so f alone only raises the contrast). Outputs float32 (int images are
    converted; Keras fails on them); the identity unless ``training=True``."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        owner = f"RandomContrast {self.name!r}"
        self.factor = _base_factor(factor, (0, 1), owner)
        self.value_range = value_range

    def call(self, inputs, training=True):
        """The contrast adjustment (training), else the images."""
        self._check_rank(inputs.shape)
        if not training:
            return inputs
        n, shape = self._per_image(inputs)
        c = self._uniform(1.0 - self.factor[0], 1.0 + self.factor[1], n).reshape(shape)
        mean = _core.reduce_mean(_core.reduce_mean(inputs, -3, keepdims=True), -2, keepdims=True)
        out = _core.add(_core.multiply(_core.subtract(inputs, mean), _core._constant(c, None)),
                        mean)
        return _core.clip_by_value(out, float(self.value_range[0]), float(self.value_range[1]))

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(factor=self.factor, value_range=self.value_range)
        return cfg


class RandomBrightness(_ImageAugmentation):
    """Adds a random brightness offset to each image when training, as Keras 3's
    RandomBrightness: the offset is ``draw * (value_range[1] - value_range[0])`` with the draw
    uniform in ``factor`` (a number f in [-1, 1] for [-f, f], or a pair), one per image; the
    result is clipped to ``value_range``. Float images come back float32; int images keep
    their dtype (the offset truncated to an integer, as Keras casts it; the sum is clipped
    before the cast back, where Keras' uint8 addition wraps around). The identity unless
    ``training=True``."""

    _keep_int_inputs = True  # Keras adds to an int image in its own dtype

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        owner = f"RandomBrightness {self.name!r}"
        self.factor = _base_factor(factor, (-1, 1), owner)
        self.value_range = sorted(_value_range(value_range, owner))

    def call(self, inputs, training=True):
        """The brightness shift (training), else the images."""
        self._check_rank(inputs.shape)
        if not training:
            return inputs
        n, shape = self._per_image(inputs)
        lo, hi = self.value_range
        delta = (self._uniform(self.factor[0], self.factor[1], n) * _F(hi - lo)).reshape(shape)
        if inputs.dtype.is_floating:
            out = _core.add(inputs, _core._constant(delta.astype(_F), None))
            return _core.clip_by_value(out, float(lo), float(hi))
        dtype = inputs.dtype
        wide = _core.add(_core.cast(inputs, "int64"), _core._constant(
            _np.trunc(delta).astype(_np.int64), None))
        wide = _core.clip_by_value(wide, int(_np.ceil(lo)), int(_np.floor(hi)))
        return _core.cast(wide, dtype)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(factor=self.factor, value_range=self.value_range)
        return cfg
