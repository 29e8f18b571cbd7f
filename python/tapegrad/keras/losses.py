"""tapegrad.keras.losses: Keras' losses, written with tapegrad ops (so they differentiate).

Functions (``mean_squared_error``, ...) return one loss per sample (the mean over the last
axis); classes (``MeanSquaredError``, ...) reduce those to a scalar with ``reduction``:
'sum_over_batch_size' (the default, Keras' 'auto': the mean), 'sum' or 'none'.
The cross-entropies take ``from_logits=True`` for raw scores and are then computed from
``log_softmax`` so that large logits neither overflow nor lose the gradient.
"""

import functools as _functools

import numpy as _np

from .. import _core
from ..errors import InvalidArgumentError as _InvalidArgumentError
from .._convert import as_tensor as _as_tensor, one_hot_labels as _one_hot

__all__ = [
    "Loss", "MeanSquaredError", "MeanAbsoluteError", "BinaryCrossentropy",
    "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
    "mean_squared_error", "mean_absolute_error", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "mse", "mae", "get",
]

EPSILON = 1e-7  # keras.backend.epsilon(): how far probabilities are kept from 0 and 1


def _prepare(y_true, y_pred, op):
    """Both as tensors of y_pred's dtype, y_true's rank matched to y_pred's as Keras does
    ((batch,) labels against (batch, 1) predictions would otherwise broadcast to (batch, batch))."""
    y_pred = _as_tensor(y_pred, None, f"{op}: y_pred")
    y_true = _as_tensor(y_true, y_pred.dtype, f"{op}: y_true")
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        y_true = _core.expand_dims(y_true, -1)
    elif y_pred.ndim == y_true.ndim - 1 and y_true.shape[-1] == 1:
        y_true = _core.squeeze(y_true, [-1])
    return y_true, y_pred


def _shape_of(x):
    return tuple(x.shape) if hasattr(x, "shape") else _np.shape(x)


def _mismatch(op, y_true, y_pred, e):
    """The error of an op inside a loss, reworded to name the loss and both shapes."""
    return _InvalidArgumentError(f"{op}: y_true of shape {_shape_of(y_true)} and y_pred of shape "
                                 f"{_shape_of(y_pred)} are incompatible ({e})")


def _named(fn):
    """Shape errors of the ops inside a loss function name the loss and its inputs' shapes."""
    @_functools.wraps(fn)
    def loss(y_true, y_pred, *args, **kwargs):
        try:
            return fn(y_true, y_pred, *args, **kwargs)
        except _InvalidArgumentError as e:
            raise _mismatch(fn.__name__, y_true, y_pred, e) from None
    return loss


# -- per-sample functions -----------------------------------------------------------------------
@_named
def mean_squared_error(y_true, y_pred):
    """mean((y_pred - y_true)², axis=-1): one value per sample."""
    y_true, y_pred = _prepare(y_true, y_pred, "mean_squared_error")
    return _core.reduce_mean(_core.square(_core.subtract(y_pred, y_true)), -1)


@_named
def mean_absolute_error(y_true, y_pred):
    """mean(|y_pred - y_true|, axis=-1): one value per sample."""
    y_true, y_pred = _prepare(y_true, y_pred, "mean_absolute_error")
    return _core.reduce_mean(_core.abs(_core.subtract(y_pred, y_true)), -1)


def _take_last(t, index):
    """t[..., index] for a tensor whose last axis is tiny (one slice + reshape)."""
    shape = list(t.shape)
    begin = [0] * (len(shape) - 1) + [index]
    size = shape[:-1] + [1]
    return _core.reshape(_core.slice(t, begin, size), shape[:-1])


def _softplus(z):
    """log(1 + exp(z)) without overflow: -log_softmax([0, z])[0], smooth everywhere."""
    pair = _core.stack([_core._fill(tuple(z.shape), 0.0, z.dtype), z], -1)
    return _core.negative(_take_last(_core.log_softmax(pair, -1), 0))


@_named
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-(y log p + (1 - y) log(1 - p)), mean over ``axis``: one value per sample.

    With ``from_logits`` it is softplus(z) - y z, which is exact for any logit z.
    Without, p is clipped to [1e-7, 1 - 1e-7] as in Keras.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "binary_crossentropy")
    if label_smoothing:
        y_true = _core.add(_core.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        per_elem = _core.subtract(_softplus(y_pred), _core.multiply(y_true, y_pred))
    else:
        p = _core.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
        one_minus_y = _core.subtract(1.0, y_true)
        per_elem = _core.negative(_core.add(
            _core.multiply(y_true, _core.log(p)),
            _core.multiply(one_minus_y, _core.log(_core.subtract(1.0, p)))))
    return _core.reduce_mean(per_elem, axis)


@_named
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y log p, axis) for one-hot (or soft) targets: one value per sample.

    With ``from_logits``, log p is ``log_softmax(y_pred)`` (stable for large logits);
    without, y_pred is renormalised to sum to 1 and clipped to [1e-7, 1 - 1e-7] as in Keras.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "categorical_crossentropy")
    if label_smoothing:
        n = y_pred.shape[axis]
        y_true = _core.add(_core.multiply(y_true, 1.0 - label_smoothing), label_smoothing / n)
    if from_logits:
        logp = _core.log_softmax(y_pred, axis)
    else:
        p = _core.divide(y_pred, _core.reduce_sum(y_pred, axis, True))
        logp = _core.log(_core.clip_by_value(p, EPSILON, 1.0 - EPSILON))
    return _core.negative(_core.reduce_sum(_core.multiply(y_true, logp), axis))


@_named
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    """Categorical cross-entropy with integer class labels instead of one-hot targets."""
    y_pred = _as_tensor(y_pred, None, "sparse_categorical_crossentropy: y_pred")
    onehot = _one_hot(y_true, y_pred.shape[axis], y_pred.dtype)
    return categorical_crossentropy(onehot, y_pred, from_logits=from_logits, axis=axis)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


# -- classes ------------------------------------------------------------------------------------
_REDUCTIONS = ("sum_over_batch_size", "sum", "none", "auto", "mean", None)


class Loss:
    """Base class: ``loss(y_true, y_pred, sample_weight=None)`` returns the reduced loss.

    Subclasses implement ``call(y_true, y_pred)`` returning one value per sample.
    ``reduction``: 'sum_over_batch_size' (default; 'auto' and 'mean' are the same) averages
    the per-sample losses (after weighting), 'sum' adds them, 'none' returns them.
    """

    def __init__(self, reduction="sum_over_batch_size", name=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"Invalid value for argument `reduction`. Expected one of {list(_REDUCTIONS)}. "
                f"Received: reduction={reduction!r}")
        if reduction in ("auto", "mean"):
            reduction = "sum_over_batch_size"
        self.reduction = "none" if reduction is None else reduction
        self.name = name or _snake(type(self).__name__)

    def call(self, y_true, y_pred):
        """The per-sample losses (override in subclasses)."""
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The loss of ``y_pred`` against ``y_true``, weighted and reduced."""
        losses = self.call(y_true, y_pred)
        if sample_weight is not None:
            w = _as_tensor(sample_weight, losses.dtype, f"{self.name}: sample_weight")
            while w.ndim > losses.ndim and w.shape[-1] == 1:
                w = _core.squeeze(w, [-1])
            losses = _core.multiply(losses, w)
        if self.reduction == "none":
            return losses
        if self.reduction == "sum":
            return _core.reduce_sum(losses, None)
        return _core.reduce_mean(losses, None)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"name": self.name, "reduction": self.reduction}


def _snake(name):
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


class MeanSquaredError(Loss):
    """Mean of (y_pred - y_true)²: per sample over the last axis, then over the batch."""

    def call(self, y_true, y_pred):
        """Per-sample mean squared error."""
        return mean_squared_error(y_true, y_pred)

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss; the default reduction is one mean over every element (3 ops),
        equal to the mean of the per-sample means since every sample has as many elements."""
        if sample_weight is None and self.reduction == "sum_over_batch_size":
            T = _core.Tensor
            if not (type(y_pred) is T and type(y_true) is T and y_true.dtype is y_pred.dtype
                    and y_true.ndim == y_pred.ndim):
                y_true, y_pred = _prepare(y_true, y_pred, "mean_squared_error")
            try:
                return _core.reduce_mean(_core.square(_core.subtract(y_pred, y_true)), None)
            except _InvalidArgumentError as e:
                raise _mismatch("mean_squared_error", y_true, y_pred, e) from None
        return super().__call__(y_true, y_pred, sample_weight)


class MeanAbsoluteError(Loss):
    """Mean of |y_pred - y_true|: per sample over the last axis, then over the batch."""

    def call(self, y_true, y_pred):
        """Per-sample mean absolute error."""
        return mean_absolute_error(y_true, y_pred)


class BinaryCrossentropy(Loss):
    """Binary cross-entropy for 0/1 targets; ``from_logits=True`` for raw scores."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy"):
        super().__init__(reduction, name)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis

    def call(self, y_true, y_pred):
        """Per-sample binary cross-entropy."""
        return binary_crossentropy(y_true, y_pred, self.from_logits, self.label_smoothing, self.axis)


class CategoricalCrossentropy(Loss):
    """Cross-entropy for one-hot targets; ``from_logits=True`` for raw scores."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy"):
        super().__init__(reduction, name)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis

    def call(self, y_true, y_pred):
        """Per-sample categorical cross-entropy."""
        return categorical_crossentropy(y_true, y_pred, self.from_logits, self.label_smoothing,
                                        self.axis)


class SparseCategoricalCrossentropy(Loss):
    """Cross-entropy for integer class labels; ``from_logits=True`` for raw scores."""

    def __init__(self, from_logits=False, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy"):
        super().__init__(reduction, name)
        self.from_logits = from_logits

    def call(self, y_true, y_pred):
        """Per-sample sparse categorical cross-entropy."""
        return sparse_categorical_crossentropy(y_true, y_pred, self.from_logits)


_BY_NAME = {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}


def get(identifier):
    """A loss from a name ('mse', 'binary_crossentropy', 'MeanSquaredError', ...), an
    instance or a callable ``f(y_true, y_pred)``."""
    if isinstance(identifier, str):
        key = identifier if identifier in _BY_NAME else _snake(identifier)
        if key not in _BY_NAME:
            raise ValueError(f"Could not interpret loss identifier: {identifier!r}")
        return _BY_NAME[key]()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")
