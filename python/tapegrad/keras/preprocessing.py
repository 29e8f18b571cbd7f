"""Keras' preprocessing and noise layers: Rescaling, Normalization (with ``adapt``), Resizing,
CenterCrop, RandomFlip, GaussianNoise, GaussianDropout, SpatialDropout1D/2D/3D and Identity
(exported by keras.layers)."""

import math

import numpy as _np

from .. import _core
from . import functional as _functional
from .layers import Layer, Dropout

__all__ = ["Rescaling", "Normalization", "GaussianNoise", "GaussianDropout", "SpatialDropout1D",
           "SpatialDropout2D", "SpatialDropout3D", "Identity", "Resizing", "CenterCrop", "RandomFlip",
           "CategoryEncoding", "Discretization"]

_EPSILON = 1e-7  # keras.backend.epsilon()


class Identity(Layer):
    """Returns its input unchanged."""

    _keep_int_inputs = True  # Keras: an int input comes back as it is


class Rescaling(Layer):
    """``inputs * scale + offset`` (e.g. ``Rescaling(1 / 255)`` for pixel values)."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = float(scale), float(offset)

    def call(self, inputs):
        """One multiply and one add."""
        out = _core.multiply(inputs, self.scale)
        return _core.add(out, self.offset) if self.offset else out

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(scale=self.scale, offset=self.offset)
        return cfg


class Normalization(Layer):
    """Feature-wise standardisation ``(x - mean) / max(sqrt(variance), 1e-7)``, as Keras'.

    ``axis`` (-1 by default; an int, a tuple, or None for one scalar mean) are the axes that
    keep their own statistics. ``mean`` and ``variance`` are given, or learned from data by
    ``adapt(data)`` (a numpy array, tensor, or a ``tf.data.Dataset`` of batches); they are
    non-trainable weights. ``invert=True`` maps standardised values back.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(axis)
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization {self.name!r}: when setting `mean` or `variance`, "
                             "both must be set. Received: mean={mean!r} and variance={variance!r}"
                             .format(mean=mean, variance=variance))
        self._given = None if mean is None else (_np.asarray(mean, _np.float64),
                                                 _np.asarray(variance, _np.float64))
        self.invert = bool(invert)
        self.mean = self.variance = None
        self._adapted = False

    def _kept(self, rank):
        kept = []
        for a in self.axis:
            if not -rank < a < rank or a % rank == 0:
                raise ValueError(f"Normalization {self.name!r}: axis {a} is out of range for "
                                 f"inputs of rank {rank} (the batch axis 0 cannot be kept)")
            kept.append(a % rank)
        return sorted(set(kept))

    def build(self, input_shape):
        """``mean`` and ``variance`` weights, broadcastable over the inputs."""
        rank = len(input_shape)
        kept = self._kept(rank)
        for a in kept:
            if input_shape[a] is None:
                raise ValueError(f"Normalization {self.name!r}: axis {a} of the inputs must be "
                                 f"known, got shape {tuple(input_shape)}")
        # one scalar mean when no axis keeps its own (axis=None)
        self._broadcast = [input_shape[a] if a in kept else 1 for a in range(rank)] if kept else []
        shape = tuple(input_shape[a] for a in kept)
        self.mean = self.add_weight("mean", shape, "zeros", trainable=False)
        self.variance = self.add_weight("variance", shape, "ones", trainable=False)
        if self._given is not None:
            try:
                self.mean.assign(_np.broadcast_to(self._given[0], shape).astype(self.dtype.as_numpy_dtype))
                self.variance.assign(_np.broadcast_to(self._given[1], shape).astype(self.dtype.as_numpy_dtype))
            except ValueError:
                raise ValueError(f"Normalization {self.name!r}: mean of shape "
                                 f"{self._given[0].shape} and variance of shape "
                                 f"{self._given[1].shape} do not fit the kept axes of inputs "
                                 f"{tuple(input_shape)} (shape {shape})") from None
            self._adapted = True
        self.built = True

    def adapt(self, data, batch_size=None, steps=None):
        """Set ``mean`` and ``variance`` from ``data`` (all of it, or ``steps`` batches of a
        Dataset): the statistics over every axis but the kept ones, accumulated in float64."""
        batches = []
        if hasattr(data, "as_numpy_iterator"):
            for i, b in enumerate(data.as_numpy_iterator()):
                if steps is not None and i >= steps:
                    break
                batches.append(_np.asarray(b[0] if isinstance(b, tuple) else b, _np.float64))
        else:
            arr = data.numpy() if hasattr(data, "numpy") else data
            batches.append(_np.asarray(arr, _np.float64))
        if not batches or any(b.dtype == object for b in batches):
            raise ValueError(f"Normalization {self.name!r}.adapt: no numeric data to adapt to")
        x = _np.concatenate(batches, axis=0) if len(batches) > 1 else batches[0]
        if x.ndim == 1:
            x = x[:, None]
        kept = self._kept(x.ndim)
        reduce = tuple(a for a in range(x.ndim) if a not in kept)
        if not self.built:
            self._maybe_build((None,) + x.shape[1:])
        self._given = None
        mean = x.mean(axis=reduce)
        var = x.var(axis=reduce)
        npdt = self.dtype.as_numpy_dtype
        self.mean.assign(mean.reshape(tuple(self.mean.shape)).astype(npdt))
        self.variance.assign(var.reshape(tuple(self.variance.shape)).astype(npdt))
        self._adapted = True

    def call(self, inputs):
        """Standardise (or, with ``invert``, un-standardise) with the layer's statistics."""
        mean = _core.reshape(self.mean, self._broadcast)
        std = _core.maximum(_core.sqrt(_core.reshape(self.variance, self._broadcast)), _EPSILON)
        if self.invert:
            return _core.add(mean, _core.multiply(inputs, std))
        return _core.divide(_core.subtract(inputs, mean), std)

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(axis=self.axis, invert=self.invert)
        if self._given is not None:  # Keras gives mean and variance when they were arguments
            cfg.update(mean=self._given[0].tolist(), variance=self._given[1].tolist())
        return cfg


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of ``stddev`` in training (identity in inference)."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not float(stddev) >= 0:
            raise ValueError(f"GaussianNoise {self.name!r}: `stddev` must be >= 0, got {stddev!r}")
        self.stddev, self.seed = float(stddev), seed

    def call(self, inputs, training=None):
        """inputs + N(0, stddev²) noise when training."""
        if not training or self.stddev == 0.0:
            return inputs
        from .. import random
        noise = random.normal(tuple(inputs.shape), 0.0, self.stddev, inputs.dtype, self.seed)
        return _core.add(inputs, noise)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(stddev=self.stddev, seed=self.seed)
        return cfg


class GaussianDropout(Layer):
    """Multiplies by Gaussian noise of mean 1 and stddev ``sqrt(rate / (1 - rate))`` in
    training (identity in inference)."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= float(rate) <= 1.0:
            raise ValueError(f"GaussianDropout {self.name!r}: `rate` must be in [0, 1], got "
                             f"{rate!r}")
        self.rate, self.seed = float(rate), seed

    def call(self, inputs, training=None):
        """inputs * N(1, rate / (1 - rate)) noise when training."""
        if not training or not 0.0 < self.rate < 1.0:
            return inputs
        from .. import random
        std = math.sqrt(self.rate / (1.0 - self.rate))
        return _core.multiply(inputs, random.normal(tuple(inputs.shape), 1.0, std, inputs.dtype,
                                                    self.seed))

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(rate=self.rate, seed=self.seed)
        return cfg


class SpatialDropout1D(Dropout):
    """Dropout of whole channels of (batch, steps, channels): one draw per sample and channel,
    as Keras 3's SpatialDropout1D (the identity outside training)."""

    _rank = 3

    def __init__(self, rate, seed=None, **kwargs):
        if kwargs.pop("noise_shape", None) is not None:  # None: a config saved before 3D
            raise TypeError(f"{type(self).__name__}: `noise_shape` is fixed by the layer (whole "
                            "channels are dropped); it is not an argument")
        super().__init__(rate, seed=seed, **kwargs)

    def _noise_shape(self, shape):
        return (shape[0],) + (1,) * (self._rank - 2) + (shape[-1],)

    def call(self, inputs, training=None):
        """Dropout with one draw per sample and channel."""
        if inputs.ndim != self._rank:
            raise ValueError(f"{type(self).__name__} {self.name!r}: expects inputs of rank "
                             f"{self._rank}, got shape {tuple(inputs.shape)}")
        self.noise_shape = self._noise_shape(tuple(inputs.shape))
        return super().call(inputs, training=training)

    def get_config(self):
        """The constructor arguments, as a dict (Keras': rate and seed, no noise_shape)."""
        cfg = super().get_config()
        del cfg["noise_shape"]
        return cfg


class SpatialDropout2D(SpatialDropout1D):
    """Dropout of whole channels of (batch, height, width, channels) images, or of
    (batch, channels, height, width) with ``data_format='channels_first'``, as Keras 3's."""

    _rank = 4

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        data_format = "channels_last" if data_format is None else data_format
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"{type(self).__name__} {self.name!r}: `data_format` must be "
                             "'channels_last' or 'channels_first'. Received: "
                             f"data_format={data_format!r}")
        self.data_format = data_format

    def _noise_shape(self, shape):
        if self.data_format == "channels_first":
            return (shape[0], shape[1]) + (1,) * (self._rank - 2)
        return super()._noise_shape(shape)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(data_format=self.data_format)
        return cfg


class SpatialDropout3D(SpatialDropout2D):
    """Dropout of whole channels of (batch, dim1, dim2, dim3, channels) volumes (or channels
    first), as Keras 3's SpatialDropout3D."""

    _rank = 5


class Resizing(Layer):
    """Images resized to (``height``, ``width``) with ``tf.image.resize`` ('bilinear' or
    'nearest'), as Keras' Resizing; ``crop_to_aspect_ratio`` first crops the largest central
    window of the target's aspect ratio."""

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = int(height), int(width)
        self.interpolation, self.crop_to_aspect_ratio = interpolation, bool(crop_to_aspect_ratio)

    def compute_output_shape(self, input_shape):
        """The input shape with the target height and width."""
        return tuple(input_shape[:-3]) + (self.height, self.width, input_shape[-1])

    _keep_int_inputs = True  # Keras resizes an int image and hands it back in its dtype

    def call(self, inputs):
        """Crop (optionally), then resize; an int image comes back in its dtype, rounded and
        clipped to its range (Keras' Resizing)."""
        from .. import image
        x = inputs
        if self.crop_to_aspect_ratio:
            # Keras' sizes: the target's aspect ratio in the input, truncated (at least 1),
            # the window's corner truncated too.
            h, w = x.shape[-3], x.shape[-2]
            ch = max(min(h, int(float(w * self.height) / self.width)), 1)
            cw = max(min(w, int(float(h * self.width) / self.height)), 1)
            x = image.crop_to_bounding_box(x, int((h - ch) / 2), int((w - cw) / 2), ch, cw)
        dtype = x.dtype
        out = image.resize(x, [self.height, self.width], method=self.interpolation)
        if out.dtype != dtype and not dtype.is_floating:
            from ..math import round as _round
            out = _core.cast(_core.clip_by_value(_round(out), dtype.min, dtype.max), dtype)
        return out

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(height=self.height, width=self.width, interpolation=self.interpolation,
                   crop_to_aspect_ratio=self.crop_to_aspect_ratio)
        return cfg


class CenterCrop(Layer):
    """The central (``height``, ``width``) window of each image (resized up first when the
    image is smaller, as Keras' CenterCrop)."""

    def __init__(self, height, width, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = int(height), int(width)

    def compute_output_shape(self, input_shape):
        """The input shape with the target height and width."""
        return tuple(input_shape[:-3]) + (self.height, self.width, input_shape[-1])

    def call(self, inputs):
        """The central window."""
        from .. import image
        h, w = inputs.shape[-3], inputs.shape[-2]
        if h < self.height or w < self.width:
            return Resizing(self.height, self.width, crop_to_aspect_ratio=True,
                            dtype=self.dtype)(inputs)
        return image.crop_to_bounding_box(inputs, (h - self.height) // 2,
                                          (w - self.width) // 2, self.height, self.width)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(height=self.height, width=self.width)
        return cfg


class RandomFlip(Layer):
    """Mirrors each image at random (``mode`` 'horizontal', 'vertical' or
    'horizontal_and_vertical') unless called with ``training=False`` (``predict``,
    ``evaluate``), as Keras' RandomFlip: a plain call flips too."""

    _MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, **kwargs):
        super().__init__(**kwargs)
        if mode not in self._MODES:
            raise ValueError(f"RandomFlip {self.name!r}: mode must be one of {list(self._MODES)}, "
                             f"got {mode!r}")
        self.mode, self.seed = mode, seed

    def call(self, inputs, training=True):
        """Random flips unless ``training`` is False."""
        if not training:
            return inputs
        from .. import image
        x = inputs
        if self.mode != "vertical":
            x = image.random_flip_left_right(x, self.seed)
        if self.mode != "horizontal":
            x = image.random_flip_up_down(x, self.seed)
        return x

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(mode=self.mode, seed=self.seed)
        return cfg


def _int_array(inputs, owner, what="token ids"):
    """Integer ids (integer arrays or tensors, or floats holding integers) as int64."""
    arr = _np.asarray(inputs.numpy() if hasattr(inputs, "numpy") else inputs)
    if arr.dtype.kind == "f":
        if not _np.all(_np.isfinite(arr)) or not _np.all(arr == _np.round(arr)):
            raise ValueError(f"{owner}: expects integer {what}, got non-integer values")
    elif arr.dtype.kind not in "iub":
        raise ValueError(f"{owner}: expects integer {what}, got dtype {arr.dtype}")
    return arr.astype(_np.int64)


def _check_ids(ids, n, owner, what):
    """ValueError unless every id is in [0, n)."""
    if ids.size and (ids.min() < 0 or ids.max() >= n):
        raise ValueError(f"{owner}: {what} must be in [0, {n}), got values from "
                         f"{int(ids.min())} to {int(ids.max())}")


class CategoryEncoding(Layer):
    """Integer token ids as float32 vectors of ``num_tokens``, as Keras' CategoryEncoding:
    'one_hot' (one id per sample: (batch,) or (batch, 1)), 'multi_hot' (1 for each id a sample
    has) or 'count' (how often; ``count_weights`` sums weights instead). Ids must be in
    [0, num_tokens). No gradient (the inputs are ids)."""

    _MODES = ("one_hot", "multi_hot", "count")

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        owner = f"CategoryEncoding {self.name!r}"
        if isinstance(num_tokens, bool) or not isinstance(num_tokens, int) or num_tokens < 1:
            raise ValueError(f"{owner}: `num_tokens` must be a positive integer, got {num_tokens!r}")
        if output_mode not in self._MODES:
            raise ValueError(f"{owner}: `output_mode` must be one of {list(self._MODES)}, got "
                             f"{output_mode!r}")
        if sparse:
            raise NotImplementedError(f"{owner}: sparse=True (tapegrad has no sparse tensors)")
        self.num_tokens, self.output_mode, self._owner = num_tokens, output_mode, owner

    def __call__(self, inputs, count_weights=None):
        """The encoding of ``inputs`` (ids are not cast to the layer's float dtype first)."""
        if _functional.is_symbolic(inputs):
            return Layer.__call__(self, inputs)
        owner = self._owner
        ids = _int_array(inputs, owner)
        _check_ids(ids, self.num_tokens, owner, "token ids")
        if ids.ndim == 0 or ids.ndim > 2:
            raise ValueError(f"{owner}: expects ids of shape (batch,) or (batch, k), got "
                             f"{ids.shape}")
        if self.output_mode == "one_hot":
            if ids.ndim == 2 and ids.shape[1] != 1:
                raise ValueError(f"{owner}: 'one_hot' takes one id per sample, got shape "
                                 f"{ids.shape}")
            out = _np.zeros((len(ids), self.num_tokens), _np.float32)
            out[_np.arange(len(ids)), ids.reshape(-1)] = 1.0
        else:
            rows = ids.reshape(len(ids), -1) if ids.ndim == 2 else ids.reshape(-1, 1)
            out = _np.zeros((len(rows), self.num_tokens), _np.float32)
            w = _np.ones(rows.shape, _np.float32) if count_weights is None else _np.broadcast_to(
                _np.asarray(count_weights.numpy() if hasattr(count_weights, "numpy")
                            else count_weights, _np.float32).reshape(rows.shape), rows.shape)
            _np.add.at(out, (_np.repeat(_np.arange(len(rows)), rows.shape[1]), rows.ravel()),
                       w.ravel())
            if self.output_mode == "multi_hot":
                out = (out > 0).astype(_np.float32)
        return _core._constant(out.astype(self.dtype.as_numpy_dtype), self.dtype)

    def compute_output_shape(self, input_shape):
        """(batch, num_tokens)."""
        return (input_shape[0], self.num_tokens)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(num_tokens=self.num_tokens, output_mode=self.output_mode, sparse=False)
        return cfg


class Discretization(Layer):
    """Bucket ids of the inputs: the number of ``bin_boundaries`` at or below each value, as
    Keras' Discretization (``output_mode='int'``, int64). ``adapt(data)`` with ``num_bins``
    sets the boundaries at the data's quantiles."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 **kwargs):
        super().__init__(**kwargs)
        owner = f"Discretization {self.name!r}"
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError(f"{owner}: `output_mode` must be one of 'int', 'one_hot', "
                             f"'multi_hot', 'count', got {output_mode!r}")
        self.output_mode = output_mode
        if bin_boundaries is None and num_bins is None:
            raise ValueError(f"{owner}: give exactly one of `bin_boundaries` and `num_bins` "
                             "(or both, with len(bin_boundaries) == num_bins - 1)")
        if bin_boundaries is not None and num_bins is not None and \
                len(bin_boundaries) != num_bins - 1:
            raise ValueError(f"{owner}: both `num_bins` and `bin_boundaries` were given, but "
                             f"`len(bin_boundaries)` ({len(bin_boundaries)}) is not `num_bins - 1` "
                             f"({num_bins - 1})")
        self.num_bins, self.epsilon = num_bins, epsilon
        self.bin_boundaries = None if bin_boundaries is None else \
            [float(b) for b in bin_boundaries]
        if self.bin_boundaries is not None and any(
                a > b for a, b in zip(self.bin_boundaries, self.bin_boundaries[1:])):
            raise ValueError(f"{owner}: `bin_boundaries` must be sorted, got {bin_boundaries!r}")
        self._owner = owner

    def adapt(self, data, batch_size=None, steps=None):
        """Boundaries at the ``num_bins`` quantiles of ``data``."""
        if self.num_bins is None:
            raise ValueError(f"{self._owner}: adapt needs `num_bins`")
        arr = _np.asarray(data.numpy() if hasattr(data, "numpy") else data, _np.float64).ravel()
        qs = _np.linspace(0, 1, self.num_bins + 1)[1:-1]
        self.bin_boundaries = [float(v) for v in _np.quantile(arr, qs)]

    def __call__(self, inputs):
        """The bucket of every value: int32 ids ('int', as Keras 3), or their encoding in the
        layer's float dtype ('one_hot': a trailing axis of len(bin_boundaries) + 1;
        'multi_hot' / 'count': over the last axis, as Keras' encode_categorical_inputs)."""
        if _functional.is_symbolic(inputs):
            return Layer.__call__(self, inputs)
        if self.bin_boundaries is None:
            raise ValueError(f"{self._owner}: call adapt(data) first, or give `bin_boundaries`")
        arr = _np.asarray(inputs.numpy() if hasattr(inputs, "numpy") else inputs, _np.float64)
        ids = _np.digitize(arr, self.bin_boundaries)
        if self.output_mode == "int":
            return _core._constant(ids.astype(_np.int32), None)
        depth = len(self.bin_boundaries) + 1
        if ids.ndim == 0:
            ids = ids.reshape(1)
        if self.output_mode == "one_hot" and ids.ndim > 1 and ids.shape[-1] == 1:
            ids = ids[..., 0]
        hot = (ids[..., None] == _np.arange(depth)).astype(_np.float64)
        if self.output_mode != "one_hot":
            hot = hot.sum(axis=-2)
            if self.output_mode == "multi_hot":
                hot = (hot > 0).astype(_np.float64)
        return _core._constant(hot.astype(self.dtype.as_numpy_dtype), None)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config: the boundaries adapt found
        included)."""
        cfg = super().get_config()
        cfg.update(bin_boundaries=None if self.bin_boundaries is None else list(self.bin_boundaries),
                   num_bins=self.num_bins, epsilon=self.epsilon, output_mode=self.output_mode)
        return cfg
