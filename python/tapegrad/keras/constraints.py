"""tapegrad.keras.constraints: Keras' weight constraints (MaxNorm, NonNeg, UnitNorm,
MinMaxNorm, RadialConstraint), with TF 2's (tf.keras') formulas.

A constraint is a callable ``c(w) -> tensor`` of ``w``'s shape. Layers take them as
``kernel_constraint``, ``bias_constraint``, ``embeddings_constraint``, ... and give them to
their weights (``add_weight(..., constraint=c)``, which makes ``tf.Variable(...,
constraint=c)``); a Keras optimizer then projects each variable it updated with
``var.assign(var.constraint(var))`` after the update, as Keras does. The constraints are built
from recorded tapegrad ops, so they can also be differentiated (to any order).

    from tapegrad import keras
    layer = keras.layers.Dense(8, kernel_constraint=keras.constraints.MaxNorm(2.0))
    layer = keras.layers.Dense(8, kernel_constraint="non_neg")
"""

import math as _math
import numbers as _numbers

import numpy as _np

from .. import _core
from ..errors import InvalidArgumentError as _InvalidArgumentError

__all__ = ["Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm", "RadialConstraint",
           "max_norm", "non_neg", "unit_norm", "min_max_norm", "radial_constraint", "get",
           "serialize", "deserialize"]


def _epsilon():
    from . import utils
    return utils.epsilon()  # keras.backend.epsilon(), read at call time as Keras does


def _number(value, arg, owner):
    """A real number (not a bool, not NaN) for a constructor argument."""
    if isinstance(value, bool) or not isinstance(value, _numbers.Real):
        raise TypeError(f"{owner}: argument `{arg}` must be a number, got {value!r} of type "
                        f"{type(value).__name__}")
    if _math.isnan(value):
        raise ValueError(f"{owner}: argument `{arg}` must not be NaN")
    return value


def _axis(value, owner):
    """An int or a list / tuple of ints (Keras' ``axis``); stored as given (a tuple as a list)."""
    def is_int(v):
        return isinstance(v, _numbers.Integral) and not isinstance(v, bool)
    if is_int(value):
        return int(value)
    if isinstance(value, (list, tuple)) and value and all(is_int(v) for v in value):
        return [int(v) for v in value]
    raise TypeError(f"{owner}: argument `axis` must be an int or a non-empty list of ints, got "
                    f"{value!r}")


def _as_weight(w, owner):
    """``w`` (a Variable, Tensor or array) as something the ops take, float."""
    if isinstance(w, (_core.Tensor, _core.Variable)):
        t = w
    else:
        t = _core._constant(w, None, owner)
    if not t.dtype.is_floating:
        raise TypeError(f"{owner}: expected a floating-point weight tensor, got dtype "
                        f"{t.dtype.name}")
    return t


def _norms(w, axis):
    """sqrt(sum(w**2, axis, keepdims=True)), Keras' column norms."""
    return _core.sqrt(_core.reduce_sum(_core.square(w), axis, True))


def _clip(x, lo, hi):
    """keras.backend.clip: a maximum below the minimum becomes the minimum."""
    if hi < lo:
        hi = lo
    return _core.clip_by_value(x, lo, hi)


def _check_axis(w, axis, owner):
    rank = len(w.shape)
    for a in (axis if isinstance(axis, list) else [axis]):
        if not -rank <= a < rank:
            raise _InvalidArgumentError(
                f"{owner}: axis {axis} is out of range for a weight of shape {tuple(w.shape)} "
                f"(rank {rank})")


class Constraint:
    """Base class of weight constraints: ``__call__(w)`` returns the projected weight
    (the base class returns ``w`` unchanged). Subclasses override ``__call__`` and, when
    they take arguments, ``get_config``."""

    def __call__(self, w):
        return w

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """A constraint from ``get_config``'s dict: ``cls(**config)``."""
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """The weights incident to each unit get a norm of at most ``max_value``, as
    ``tf.keras.constraints.MaxNorm``: ``norms = sqrt(sum(w**2, axis, keepdims=True))``,
    ``w * clip(norms, 0, max_value) / (epsilon + norms)`` (epsilon = 1e-7). ``axis`` 0 (the
    default) constrains each column of a Dense kernel (in, out); for a Conv2D kernel (rows,
    cols, in, out) use ``axis=[0, 1, 2]``."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = _number(max_value, "max_value", "MaxNorm")
        self.axis = _axis(axis, "MaxNorm")

    def __call__(self, w):
        w = _as_weight(w, "MaxNorm")
        _check_axis(w, self.axis, "MaxNorm")
        norms = _norms(w, self.axis)
        desired = _clip(norms, 0, self.max_value)
        return _core.multiply(w, _core.divide(desired, _core.add(norms, _epsilon())))

    def get_config(self):
        """``{'max_value', 'axis'}``."""
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Non-negative weights, as ``tf.keras.constraints.NonNeg``: ``w * cast(w >= 0)``."""

    def __call__(self, w):
        w = _as_weight(w, "NonNeg")
        return _core.multiply(w, _core.cast(_core.greater_equal(w, 0.0), w.dtype))


class UnitNorm(Constraint):
    """Weights incident to each unit scaled to unit norm, as
    ``tf.keras.constraints.UnitNorm``: ``w / (epsilon + sqrt(sum(w**2, axis,
    keepdims=True)))``."""

    def __init__(self, axis=0):
        self.axis = _axis(axis, "UnitNorm")

    def __call__(self, w):
        w = _as_weight(w, "UnitNorm")
        _check_axis(w, self.axis, "UnitNorm")
        return _core.divide(w, _core.add(_norms(w, self.axis), _epsilon()))

    def get_config(self):
        """``{'axis'}``."""
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Norms of the weights incident to each unit kept between ``min_value`` and
    ``max_value``, as ``tf.keras.constraints.MinMaxNorm``: ``desired = rate * clip(norms,
    min_value, max_value) + (1 - rate) * norms``, ``w * desired / (epsilon + norms)``.
    ``rate`` 1 enforces the bounds strictly; a smaller rate moves the norms part of the way
    each step."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = _number(min_value, "min_value", "MinMaxNorm")
        self.max_value = _number(max_value, "max_value", "MinMaxNorm")
        self.rate = _number(rate, "rate", "MinMaxNorm")
        self.axis = _axis(axis, "MinMaxNorm")

    def __call__(self, w):
        w = _as_weight(w, "MinMaxNorm")
        _check_axis(w, self.axis, "MinMaxNorm")
        norms = _norms(w, self.axis)
        desired = _core.add(_core.multiply(_clip(norms, self.min_value, self.max_value), self.rate),
                            _core.multiply(norms, 1 - self.rate))
        return _core.multiply(w, _core.divide(desired, _core.add(norms, _epsilon())))

    def get_config(self):
        """``{'min_value', 'max_value', 'rate', 'axis'}``."""
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


def _radial_sources(size):
    """For a size x size kernel, the index ``d`` of the diagonal element ``k[d, d]`` that TF's
    RadialConstraint writes at each position (a (size, size) int array).

    TF builds the result from the middle outwards: for an even size 2m it starts from a 2x2
    block of ``k[m-1, m-1]`` and pads ring j = 1 .. m-1 with ``k[m+j, m+j]``; for an odd size
    2m+1 it starts from the 1x1 ``k[m-1, m-1]`` and pads ring j = 1 .. m with
    ``k[m+j-1, m+j-1]`` (its slice ``kernel[start-1:start]`` with start = size // 2)."""
    m = size // 2
    idx = _np.arange(size)
    if size % 2:
        dist = _np.abs(idx - m)
    else:
        dist = _np.where(idx < m, m - 1 - idx, idx - m)
    ring = _np.maximum(dist[:, None], dist[None, :])
    if size % 2:
        return _np.where(ring == 0, m - 1, m + ring - 1)
    return _np.where(ring == 0, m - 1, m + ring)


class RadialConstraint(Constraint):
    """Conv2D kernels (rows, cols, in, out) made the same along each ring around the centre,
    as ``tf.keras.constraints.RadialConstraint``: every (rows, cols) slice is rebuilt from
    its diagonal, ring by ring from the middle out, with TF's indexing (for a 4x4 kernel the
    middle 2x2 takes ``k[1, 1]`` and the outer ring ``k[3, 3]``; for 3x3 the centre takes
    ``k[0, 0]`` and the ring ``k[1, 1]``). The kernel must be square, at least 2x2 (TF's
    code needs both; it fails on others). One recorded gather."""

    def __call__(self, w):
        w = _as_weight(w, "RadialConstraint")
        shape = tuple(w.shape)
        if len(shape) != 4:
            raise ValueError(f"RadialConstraint: the weight tensor must have rank 4 (rows, cols, "
                             f"input_depth, output_depth). Received weight tensor with shape: "
                             f"{shape}")
        h, wd, c, k = shape
        if h != wd or h < 2:
            raise _InvalidArgumentError(
                f"RadialConstraint: the kernel must be square and at least 2x2 (rows == cols "
                f">= 2), got shape {shape}")
        src = _radial_sources(h)
        rows = (src * h + src).reshape(-1).astype(_np.int32)  # flat index of k[d, d]
        flat = _core.reshape(w, [h * h, c, k])
        out = _core.gather(flat, _core._constant(rows, "int32"), 0)
        return _core.reshape(out, [h, wd, c, k])


# Keras' lowercase aliases, and its legacy ones.
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm
radial_constraint = RadialConstraint
maxnorm = max_norm
nonneg = non_neg
unitnorm = unit_norm

_CLASSES = {c.__name__: c for c in (Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm,
                                    RadialConstraint)}
_BY_NAME = dict(_CLASSES, max_norm=MaxNorm, non_neg=NonNeg, unit_norm=UnitNorm,
                min_max_norm=MinMaxNorm, radial_constraint=RadialConstraint, maxnorm=MaxNorm,
                nonneg=NonNeg, unitnorm=UnitNorm)


def get(identifier):
    """A constraint from an identifier, as ``keras.constraints.get``: None gives None; a name
    ('max_norm', 'MaxNorm', 'non_neg', 'NonNeg', 'unit_norm', 'min_max_norm',
    'radial_constraint', Keras' legacy 'maxnorm' / 'nonneg' / 'unitnorm', or a registered
    custom one) a new instance with the defaults; a config dict (``serialize``'s) the object
    it describes; a constraint or any other callable is returned as it is. Anything else is a
    ValueError ('Unknown constraint: ...' for names)."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier)
        if cls is None:
            from . import saving
            cls = saving.get_registered_object(identifier)
        if cls is None:
            raise ValueError(f"Unknown constraint: {identifier!r}. Known names: "
                             f"{', '.join(sorted(_BY_NAME))}; custom constraints need "
                             "custom_objects or keras.saving.register_keras_serializable.")
        return cls() if isinstance(cls, type) else cls
    if isinstance(identifier, dict):
        try:
            obj = deserialize(identifier)
        except TypeError as e:
            raise ValueError(f"Could not interpret constraint function identifier: "
                             f"{identifier!r} ({e})") from None
        if isinstance(obj, type):
            obj = obj()
        if not callable(obj):
            raise ValueError(f"Could not interpret constraint function identifier: {identifier!r}")
        return obj
    if isinstance(identifier, type) and issubclass(identifier, Constraint):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint function identifier: {identifier!r}")


def serialize(constraint):
    """``{'module', 'class_name', 'config', 'registered_name'}`` for a constraint (a function
    by module and name), as ``keras.constraints.serialize``; None for None."""
    if constraint is None:
        return None
    from . import saving
    return saving.serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """The constraint ``serialize`` described (its class among Keras' constraints, or a custom
    one in ``custom_objects`` / the registry); Keras 2's ``{'class_name': 'MaxNorm',
    'config': {...}}`` without a module works too."""
    from . import saving
    return saving.deserialize_keras_object(config, custom_objects, module_objects=dict(_BY_NAME))
