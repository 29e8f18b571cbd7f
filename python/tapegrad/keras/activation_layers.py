"""Keras' activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax (exported by keras.layers).

Each is the matching ``keras.activations`` function as a layer; PReLU learns its slopes.
"""

from .. import _core
from . import activations as _activations
from . import initializers as _initializers
from .layers import Layer, _serialize_constraint

__all__ = ["ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"]


def _non_negative(owner, **values):
    for key, value in values.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or value < 0):
            raise ValueError(f"{owner}: `{key}` must be a non-negative float, received "
                             f"{key}={value!r}")


class ReLU(Layer):
    """``keras.activations.relu`` as a layer: ``max_value`` caps it, ``negative_slope`` scales
    the part below ``threshold``."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        _non_negative("ReLU", max_value=max_value, negative_slope=negative_slope)
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise ValueError(f"ReLU: `threshold` must be a float, received threshold={threshold!r}")
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope, self.threshold = float(negative_slope), float(threshold)

    def call(self, inputs):
        """relu(inputs) with the layer's options."""
        return _activations.relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(max_value=self.max_value, negative_slope=self.negative_slope,
                   threshold=self.threshold)
        return cfg


class LeakyReLU(Layer):
    """x where positive, ``negative_slope * x`` elsewhere (Keras' default slope 0.3)."""

    def __init__(self, negative_slope=0.3, **kwargs):
        super().__init__(**kwargs)
        _non_negative("LeakyReLU", negative_slope=negative_slope)
        self.negative_slope = float(negative_slope)

    def call(self, inputs):
        """leaky_relu(inputs, negative_slope)."""
        return _activations.leaky_relu(inputs, self.negative_slope)

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(negative_slope=self.negative_slope)
        return cfg


class ELU(Layer):
    """x where positive, ``alpha * (exp(x) - 1)`` elsewhere."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        """elu(inputs, alpha)."""
        return _activations.elu(inputs, self.alpha)

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(alpha=self.alpha)
        return cfg


class PReLU(Layer):
    """Leaky ReLU with learned slopes ``alpha`` (one per input feature, shared along
    ``shared_axes``): ``relu(x) - alpha * relu(-x)``."""

    def __init__(self, alpha_initializer="zeros", shared_axes=None, alpha_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = _initializers.get(alpha_initializer)
        self._set_constraints(alpha_constraint=alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, int):
            self.shared_axes = (shared_axes,)
        else:
            self.shared_axes = tuple(shared_axes)
        self.alpha = None

    def build(self, input_shape):
        """``alpha`` of the input's shape without the batch, 1 along the shared axes."""
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if not 1 <= axis < len(input_shape):
                raise ValueError(f"PReLU {self.name!r}: shared axis {axis} is out of range for "
                                 f"inputs of shape {tuple(input_shape)}")
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(f"PReLU {self.name!r}: the non-shared dimensions must be known, got "
                             f"{tuple(input_shape)}")
        self.alpha = self.add_weight("alpha", tuple(shape), self.alpha_initializer,
                                     constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        """relu(x) - alpha * relu(-x)."""
        return _core.subtract(_core.relu(inputs),
                              _core.multiply(self.alpha, _core.relu(_core.negative(inputs))))

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(shared_axes=self.shared_axes,
                   alpha_initializer=_initializers.serialize(self.alpha_initializer),
                   alpha_constraint=_serialize_constraint(self.alpha_constraint))
        return cfg


class Softmax(Layer):
    """softmax along ``axis`` (-1); ``call(inputs, mask=None)``: where the mask is False the
    input gets -1e9 first, as Keras."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        """softmax(inputs, axis), masked positions pushed to 0."""
        if mask is not None:
            import numpy as np
            keep = _core._constant(np.asarray(mask.numpy() if hasattr(mask, "numpy") else mask)
                                   .astype(bool).astype(inputs.dtype.as_numpy_dtype), inputs.dtype)
            inputs = _core.subtract(inputs, _core.multiply(_core.subtract(1.0, keep), 1e9))
        if isinstance(self.axis, (list, tuple)):
            from ..math import reduce_logsumexp
            return _core.exp(_core.subtract(inputs, reduce_logsumexp(inputs, list(self.axis), True)))
        return _core.softmax(inputs, self.axis)

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(axis=self.axis)
        return cfg


ReLU._keep_int_inputs = True  # Keras: relu keeps an int input's dtype (LeakyReLU gives float32)
