"""tapegrad.keras.metrics: Keras' metrics, stateful classes and per-sample functions.

A metric class accumulates over batches: ``update_state(y_true, y_pred, sample_weight=None)``
adds a batch, ``result()`` is the value so far (a float32 scalar tensor), ``reset_state()``
starts again. All the classes here are means (Keras' ``Mean`` / ``MeanMetricWrapper``): two
float32 Variables, ``total`` (the sum of the weighted per-sample values) and ``count`` (the
number of samples, or the sum of their weights), and ``result() = total / count`` (0 before
any update)::

    m = keras.metrics.BinaryAccuracy()
    m.update_state([[1], [0], [1]], [[0.9], [0.6], [0.2]])
    float(m.result())  # 0.3333...

The functions (``binary_accuracy``, ``categorical_accuracy``, ...) return the per-sample
values the classes average. Everything is tapegrad ops (argmax, equal, cast, greater, ...),
no numpy round trip. ``Sequential.compile(metrics=[...])`` takes names ('accuracy', 'mse',
...), instances and functions ``f(y_true, y_pred) -> per-sample values``.
"""

import numpy as _np

from .. import _core
from .._convert import as_tensor as _as_tensor
from ..dtypes import float32 as _float32, int64 as _int64
from ..errors import InvalidArgumentError as _InvalidArgumentError
from . import losses as _losses

__all__ = [
    "Metric", "Mean", "MeanMetricWrapper", "MeanSquaredError", "MeanAbsoluteError",
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
    "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "mean_squared_error", "mean_absolute_error", "mse", "mae", "get",
]


# -- helpers ------------------------------------------------------------------------------------
def _same_rank(x1, x2):
    """Keras' squeeze_or_expand_to_same_rank: when the ranks differ by one and the longer one
    ends in a dimension of 1, squeeze it (or expand a rank-1 partner) so the two line up."""
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1:
            x2 = _core.expand_dims(x2, -1)
        else:
            x1 = _core.squeeze(x1, [-1])
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1:
            x1 = _core.expand_dims(x1, -1)
        else:
            x2 = _core.squeeze(x2, [-1])
    return x1, x2


def _trailing_mean(t, start):
    """The mean of ``t`` over its axes from ``start`` on (``t`` itself when it has none)."""
    if t.ndim <= start:
        return t
    return _core.reduce_mean(t, list(range(start, t.ndim)))


def _as_labels(y, what):
    """Class labels as a tensor: tensors keep their dtype (bool becomes int64), integer
    arrays become int64, anything else goes through the losses' float conversion."""
    if isinstance(y, _core.Variable):
        y = y.read_value()
    if isinstance(y, _core.Tensor):
        return _core.cast(y, _int64) if y.dtype.is_bool else y
    kind = getattr(getattr(y, "dtype", None), "kind", None)
    if kind in ("i", "u", "b"):
        return _core._constant(y.astype("int64"), _int64)
    return _as_tensor(y, None, what)


def _matches(labels, indices):
    """float32 1/0 where ``labels`` equals ``indices`` (int64 argmax output), comparing in the
    labels' dtype as Keras does (float labels 2.0 match index 2)."""
    if indices.dtype != labels.dtype:
        indices = _core.cast(indices, labels.dtype)
    return _core.cast(_core.equal(labels, indices), _float32)


# -- per-sample functions -----------------------------------------------------------------------
# Each function is wrapped by the losses' ``_named``: an InvalidArgumentError raised inside
# names the metric and the shapes of both inputs.
@_losses._named
def accuracy(y_true, y_pred):
    """1.0 where ``y_pred`` equals ``y_true`` exactly, else 0.0, elementwise (as Keras'
    ``accuracy``; y_true is compared in y_pred's dtype, a trailing dimension of 1 is
    squeezed or added to line the ranks up)."""
    y_pred = _as_tensor(y_pred, None, "accuracy: y_pred")
    y_true = _as_tensor(y_true, y_pred.dtype, "accuracy: y_true")
    y_true, y_pred = _same_rank(y_true, y_pred)
    return _core.cast(_core.equal(y_true, y_pred), _float32)


@_losses._named
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Per sample, the fraction of the last axis where ``y_pred > threshold`` agrees with the
    0/1 ``y_true`` (Keras' ``binary_accuracy``; rank-1 inputs give one value per element)."""
    y_pred = _as_tensor(y_pred, None, "binary_accuracy: y_pred")
    y_true = _as_tensor(y_true, y_pred.dtype, "binary_accuracy: y_true")
    y_true, y_pred = _same_rank(y_true, y_pred)
    decided = _core.cast(_core.greater(y_pred, float(threshold)), y_true.dtype)
    matches = _core.cast(_core.equal(y_true, decided), _float32)
    return _core.reduce_mean(matches, -1) if matches.ndim >= 2 else matches


@_losses._named
def categorical_accuracy(y_true, y_pred):
    """Per sample, 1.0 where the argmax of ``y_pred`` is the argmax of the one-hot ``y_true``
    (the first index on ties, as tf.argmax), else 0.0 (Keras' ``categorical_accuracy``)."""
    y_pred = _as_tensor(y_pred, None, "categorical_accuracy: y_pred")
    y_true = _as_labels(y_true, "categorical_accuracy: y_true")
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise _InvalidArgumentError(
            f"one-hot y_true must have y_pred's shape {tuple(y_pred.shape)}")
    return _matches(_core.argmax(y_true, -1), _core.argmax(y_pred, -1))


@_losses._named
def sparse_categorical_accuracy(y_true, y_pred):
    """Per sample, 1.0 where the argmax of ``y_pred`` equals the integer class label
    ``y_true`` (shape (batch,) or (batch, 1); int or float labels), else 0.0 (Keras'
    ``sparse_categorical_accuracy``)."""
    y_pred = _as_tensor(y_pred, None, "sparse_categorical_accuracy: y_pred")
    y_true = _as_labels(y_true, "sparse_categorical_accuracy: y_true")
    if y_true.ndim == y_pred.ndim and y_true.ndim >= 1 and y_true.shape[-1] == 1:
        y_true = _core.squeeze(y_true, [-1])
    if tuple(y_true.shape) != tuple(y_pred.shape[:-1]):
        raise _InvalidArgumentError("labels must have y_pred's shape without its last "
                                    "dimension (or with a last dimension of 1)")
    return _matches(y_true, _core.argmax(y_pred, -1))


mean_squared_error = mse = MSE = _losses.mean_squared_error
mean_absolute_error = mae = MAE = _losses.mean_absolute_error
acc = ACC = accuracy


# -- classes ------------------------------------------------------------------------------------
class Metric:
    """Base class of the stateful metrics: ``update_state(...)`` accumulates a batch,
    ``result()`` gives the value so far, ``reset_state()`` clears it.

    Subclasses create their state with ``add_variable`` in ``__init__`` and implement
    ``update_state`` and ``result``. Calling the metric, ``metric(y_true, y_pred)``, updates
    it and returns ``result()``. ``name`` is how fit's logs and History call it.
    """

    def __init__(self, name=None, dtype=None):
        if dtype is not None and not _float32 == dtype:
            raise ValueError(f"{type(self).__name__}: only dtype float32 is supported, "
                             f"got dtype={dtype!r}")
        self.name = name or _losses._snake(type(self).__name__)
        self.dtype = _float32
        self._variables = []

    def add_variable(self, shape=(), initializer="zeros", dtype=None, name=None):
        """A new non-trainable state Variable of ``shape``, zeros (the only initializer);
        ``reset_state`` sets it back to zeros."""
        if initializer not in ("zeros", None):
            raise ValueError(f"{type(self).__name__}.add_variable: only initializer='zeros' "
                             f"is supported, got {initializer!r}")
        v = _core.Variable(_core._fill(tuple(shape), 0.0, dtype or self.dtype), trainable=False,
                           name=name)
        self._variables.append(v)
        return v

    add_weight = add_variable

    @property
    def variables(self):
        """The state Variables (for a mean: total, count)."""
        return list(self._variables)

    def update_state(self, *args, **kwargs):
        """Accumulate one batch (implemented by subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def result(self):
        """The metric's value from the state so far (implemented by subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must implement result")

    def reset_state(self):
        """Set every state Variable back to zeros."""
        for v in self._variables:
            v.assign(_core._fill(tuple(v.shape), 0.0, v.dtype))

    def reset_states(self):
        """Keras 2's name for ``reset_state``."""
        self.reset_state()

    def __call__(self, *args, **kwargs):
        """``update_state(*args, **kwargs)``, then ``result()``."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"name": self.name, "dtype": self.dtype.name}

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def _samplewise(values, sample_weight, name):
    """Keras' reduce_to_samplewise_values: the values (float32) averaged down to one per
    sample, multiplied by the weights, and the weights with as many dimensions (or None)."""
    values = _as_tensor(values, _float32, f"{name}: values")
    if sample_weight is not None:
        w = _as_tensor(sample_weight, _float32, f"{name}: sample_weight")
        given = tuple(values.shape)
        values, w = _same_rank(values, w)
        values = _trailing_mean(values, w.ndim)
        if tuple(w.shape) != tuple(values.shape):
            try:
                w = _core.broadcast_to(w, tuple(values.shape))
            except _InvalidArgumentError:
                raise _InvalidArgumentError(
                    f"{name}: sample_weight of shape {tuple(w.shape)} does not match values "
                    f"of shape {given} (one weight per sample: shape {given[:1]})"
                ) from None
        values = _core.multiply(values, w)
        sample_weight = _trailing_mean(w, 1)
    return _trailing_mean(values, 1), sample_weight


class Mean(Metric):
    """The (weighted) mean of the values given to ``update_state(values, sample_weight=None)``.

    Values of rank > 1 are averaged to one value per sample first; with ``sample_weight``
    the result is sum(w * value) / sum(w) over the samples seen since the last reset.
    ``result()`` is 0.0 before any update.
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    def update_state(self, values, sample_weight=None):
        """Add a batch of values (optionally weighted per sample) to the running mean."""
        values, sample_weight = _samplewise(values, sample_weight, self.name)
        self.total.assign_add(_core.reduce_sum(values, None), read_value=False)
        if sample_weight is not None:
            self.count.assign_add(_core.reduce_sum(sample_weight, None), read_value=False)
        else:
            self.count.assign_add(float(values.shape[0]) if values.ndim else 1.0,
                                  read_value=False)

    def result(self):
        """total / count as a float32 scalar tensor (0.0 when count is 0)."""
        count = self.count.read_value()
        ratio = _core.divide(self.total.read_value(), count)
        return _core.where(_core.equal(count, 0.0), _core._fill((), 0.0, _float32), ratio)


class MeanMetricWrapper(Mean):
    """The mean of a per-sample function: ``update_state(y_true, y_pred, sample_weight=None)``
    averages ``fn(y_true, y_pred, **kwargs)`` (Keras' MeanMetricWrapper; compile wraps plain
    metric functions in it)."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the per-sample values of ``fn`` on this batch (optionally weighted)."""
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight)

    def get_config(self):
        """The constructor arguments, as a dict (the function's keyword arguments included)."""
        cfg = super().get_config()
        cfg.update(self._fn_kwargs)
        return cfg


class MeanSquaredError(MeanMetricWrapper):
    """The mean over samples of mean((y_pred - y_true)², axis=-1)."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """The mean over samples of mean(|y_pred - y_true|, axis=-1)."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class Accuracy(MeanMetricWrapper):
    """How often ``y_pred`` equals ``y_true`` exactly (for predictions that already are
    labels; see BinaryAccuracy / CategoricalAccuracy for probabilities)."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the 0/1 ``y_true`` (probabilities from a
    sigmoid; pass ``threshold=0.0`` for logits)."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of ``y_pred`` is the argmax of the one-hot ``y_true``."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of ``y_pred`` equals the integer class label ``y_true``."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


# -- lookup -------------------------------------------------------------------------------------
_FUNCTIONS = {
    "accuracy": accuracy, "acc": accuracy,
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "mean_squared_error": mean_squared_error, "mse": mean_squared_error, "MSE": mean_squared_error,
    "mean_absolute_error": mean_absolute_error, "mae": mean_absolute_error,
    "MAE": mean_absolute_error,
    "binary_crossentropy": _losses.binary_crossentropy,
    "categorical_crossentropy": _losses.categorical_crossentropy,
    "sparse_categorical_crossentropy": _losses.sparse_categorical_crossentropy,
}
_CLASSES = {cls.__name__: cls for cls in (
    Mean, MeanSquaredError, MeanAbsoluteError, Accuracy, BinaryAccuracy, CategoricalAccuracy,
    SparseCategoricalAccuracy)}


def get(identifier):
    """A metric from an identifier, as ``keras.metrics.get``: a function's name ('accuracy',
    'acc', 'binary_accuracy', 'mse', 'mean_absolute_error', ...) gives the function, a class
    name ('BinaryAccuracy', ...) a new instance; Metric instances and callables are returned
    as they are, None gives None. Unknown names raise ValueError."""
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        raise ValueError(f"Unknown metric function: {identifier!r}. Known names: "
                         f"{', '.join(sorted(_FUNCTIONS))}, and the classes "
                         f"{', '.join(sorted(_CLASSES))}.")
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


class _AutoAccuracy(MeanMetricWrapper):
    """What compile's 'accuracy' / 'acc' tracks: Keras picks the accuracy by the shapes of the
    first batch (a last dimension of 1 in y_pred: binary; labels of lower rank, or a last
    dimension of 1 against several classes: sparse categorical; else categorical)."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(None, name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Resolve the accuracy on the first batch, then average it as the others."""
        if self._fn is None:
            t_shape = tuple(getattr(y_true, "shape", None) or _np.shape(y_true))
            p_shape = tuple(getattr(y_pred, "shape", None) or _np.shape(y_pred))
            p_last = p_shape[-1] if p_shape else 1
            t_last = t_shape[-1] if t_shape else 1
            if p_last == 1:
                self._fn = binary_accuracy
            elif len(t_shape) < len(p_shape) or (t_last == 1 and p_last > 1):
                self._fn = sparse_categorical_accuracy
            else:
                self._fn = categorical_accuracy
        super().update_state(y_true, y_pred, sample_weight)


def _compile_metric(identifier):
    """The Metric instance ``compile(metrics=[identifier])`` tracks. Names keep the string
    as their log name ('acc', 'mse'); functions are averaged under their ``__name__``."""
    if isinstance(identifier, str) and identifier in ("accuracy", "acc"):
        return _AutoAccuracy(name=identifier)
    metric = get(identifier)
    if isinstance(metric, Metric):
        return metric
    if metric is None:
        raise ValueError("Could not interpret metric identifier: None")
    name = identifier if isinstance(identifier, str) else None
    return MeanMetricWrapper(metric, name=name)
