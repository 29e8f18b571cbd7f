"""Keras' reshaping layers beyond Flatten / Reshape / ZeroPadding2D / UpSampling2D:
ZeroPadding1D, UpSampling1D, Cropping1D, Cropping2D, RepeatVector, Permute (exported by
keras.layers). Each is one or two recorded ops."""

from .. import _core
from .layers import Layer, _edge_pairs, _steps_shape, _images_shape

__all__ = ["ZeroPadding1D", "UpSampling1D", "Cropping1D", "Cropping2D", "RepeatVector",
           "Permute"]


def _grow(d, n):
    return None if d is None else d + n


class ZeroPadding1D(Layer):
    """Zero steps at the start and end of (batch, steps, channels) inputs: ``padding`` an int
    or (start, end)."""

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = _edge_pairs(padding, 1, f"ZeroPadding1D {self.name!r}", "padding")[0]

    def build(self, input_shape):
        """Checks the inputs are (batch, steps, channels)."""
        _steps_shape(input_shape, f"ZeroPadding1D {self.name!r}")
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, steps + start + end, channels)."""
        return (input_shape[0], _grow(input_shape[1], sum(self.padding)), input_shape[2])

    def call(self, inputs):
        """One pad op."""
        a, b = self.padding
        return _core._pad(inputs, [0, a, 0], [0, b, 0])

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(padding=self.padding)
        return cfg


class UpSampling1D(Layer):
    """Repeats each step ``size`` times."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ValueError(f"UpSampling1D {self.name!r}: `size` must be a positive integer, "
                             f"got {size!r}")
        self.size = size

    def build(self, input_shape):
        """Checks the inputs are (batch, steps, channels)."""
        _steps_shape(input_shape, f"UpSampling1D {self.name!r}")
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, steps * size, channels)."""
        t = input_shape[1]
        return (input_shape[0], None if t is None else t * self.size, input_shape[2])

    def call(self, inputs):
        """A broadcast over a new axis, read back as the longer sequence."""
        n, t, c = inputs.shape
        x = _core.broadcast_to(_core.reshape(inputs, [n, t, 1, c]), [n, t, self.size, c])
        return _core.reshape(x, [n, t * self.size, c])

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(size=self.size)
        return cfg


class Cropping1D(Layer):
    """Drops steps at the start and end of (batch, steps, channels): ``cropping`` an int or
    (start, end)."""

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = _edge_pairs(cropping, 1, f"Cropping1D {self.name!r}", "cropping")[0]

    def build(self, input_shape):
        """Checks the inputs and that something is left."""
        owner = f"Cropping1D {self.name!r}"
        _steps_shape(input_shape, owner)
        if input_shape[1] is not None and sum(self.cropping) >= input_shape[1]:
            raise ValueError(f"{owner}: cropping {self.cropping} is too large for inputs of shape "
                             f"{tuple(input_shape)}")
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, steps - start - end, channels)."""
        return (input_shape[0], _grow(input_shape[1], -sum(self.cropping)), input_shape[2])

    def call(self, inputs):
        """One slice."""
        a, b = self.cropping
        n, t, c = inputs.shape
        return _core.slice(inputs, [0, a, 0], [n, t - a - b, c])

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(cropping=self.cropping)
        return cfg


class Cropping2D(Layer):
    """Drops rows and columns at the edges of (batch, height, width, channels) images:
    ``cropping`` an int, (rows, columns) or ((top, bottom), (left, right))."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = f"Cropping2D {self.name!r}"
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{owner}: only data_format='channels_last' is supported, got "
                             f"{data_format!r}")
        self.cropping = _edge_pairs(cropping, 2, owner, "cropping")

    def build(self, input_shape):
        """Checks the inputs and that something is left."""
        owner = f"Cropping2D {self.name!r}"
        _images_shape(input_shape, owner)
        for d, (a, b) in zip(input_shape[1:3], self.cropping):
            if d is not None and a + b >= d:
                raise ValueError(f"{owner}: cropping {self.cropping} is too large for inputs of "
                                 f"shape {tuple(input_shape)}")
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, height - top - bottom, width - left - right, channels)."""
        (t, b), (l, r) = self.cropping
        return (input_shape[0], _grow(input_shape[1], -t - b), _grow(input_shape[2], -l - r),
                input_shape[3])

    def call(self, inputs):
        """One slice."""
        (t, b), (l, r) = self.cropping
        n, h, w, c = inputs.shape
        return _core.slice(inputs, [0, t, l, 0], [n, h - t - b, w - l - r, c])

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(cropping=self.cropping, data_format="channels_last")
        return cfg


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features): the input repeated ``n`` times."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"RepeatVector {self.name!r}: `n` must be a non-negative integer, "
                             f"got {n!r}")
        self.n = n

    def build(self, input_shape):
        """Checks the inputs are (batch, features)."""
        if len(input_shape) != 2:
            raise ValueError(f"RepeatVector {self.name!r}: expects inputs of shape (batch, "
                             f"features), got {tuple(input_shape)}")
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, n, features)."""
        return (input_shape[0], self.n, input_shape[1])

    def call(self, inputs):
        """A broadcast over a new axis 1 (its gradient sums the copies)."""
        n, f = inputs.shape
        return _core.broadcast_to(_core.reshape(inputs, [n, 1, f]), [n, self.n, f])

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(n=self.n)
        return cfg


class Permute(Layer):
    """Reorders the non-batch axes: ``dims`` a permutation of 1..rank-1, as Keras'."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"Permute {self.name!r}: invalid permutation argument `dims`: it "
                             f"should be a permutation of 1..{len(dims)}, got {dims!r}")
        self.dims = dims

    def build(self, input_shape):
        """Checks the inputs' rank."""
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(f"Permute {self.name!r}: dims {self.dims} need inputs of rank "
                             f"{len(self.dims) + 1}, got shape {tuple(input_shape)}")
        self.built = True

    def compute_output_shape(self, input_shape):
        """The input shape with the non-batch axes reordered."""
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def call(self, inputs):
        """One transpose."""
        return _core.transpose(inputs, [0] + list(self.dims))

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(dims=self.dims)
        return cfg


# Shape-only layers: an int input stays int (Keras casts floating inputs only).
for _cls in (RepeatVector, Permute, Cropping1D, Cropping2D, ZeroPadding1D, UpSampling1D):
    _cls._keep_int_inputs = True
del _cls
