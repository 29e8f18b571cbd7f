"""tapegrad.keras.metrics: Keras' metrics, stateful classes and per-sample functions.

A metric class accumulates over batches: ``update_state(y_true, y_pred, sample_weight=None)``
adds a batch, ``result()`` is the value so far (a float32 scalar tensor), ``reset_state()``
starts again. Most classes here are means (Keras' ``Mean`` / ``MeanMetricWrapper``): two
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

Besides the means there are ``Sum``, ``RootMeanSquaredError`` (the root of a mean) and the
confusion-matrix metrics ``Precision``, ``Recall`` and ``AUC``, whose state is float32
Variables of weighted true/false positive/negative counts, one entry per threshold, updated
as Keras' ``update_confusion_matrix_variables`` (AUC's evenly spaced thresholds by its
bucketed O(T + N) algorithm).
"""

import numpy as _np

from .. import _core
from .._convert import as_tensor as _as_tensor
from .. import math as _math
from ..dtypes import float32 as _float32, int32 as _int32, int64 as _int64
from ..errors import InvalidArgumentError as _InvalidArgumentError
from . import losses as _losses

__all__ = [
    "Metric", "Mean", "MeanMetricWrapper", "MeanSquaredError", "MeanAbsoluteError",
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
    "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "mean_squared_error", "mean_absolute_error", "mse", "mae", "get", "serialize", "deserialize",
    "RootMeanSquaredError", "Sum", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
    "CosineSimilarity", "LogCoshError", "KLDivergence", "Poisson", "Hinge", "SquaredHinge",
    "CategoricalHinge", "BinaryCrossentropy", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy", "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy",
    "Precision", "Recall", "AUC", "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "kl_divergence", "log_cosh", "poisson", "hinge",
    "squared_hinge", "categorical_hinge", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "mape", "msle", "kld",
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


def _trailing_mean(t, start, reduce=_core.reduce_mean):
    """The mean (or ``reduce``) of ``t`` over its axes from ``start`` on (``t`` itself when it
    has none)."""
    if t.ndim <= start:
        return t
    return reduce(t, list(range(start, t.ndim)))


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


def _in_top_k(labels, y_pred, k):
    """float32 1/0 per row of the (n, classes) ``y_pred``: whether the score of the int64
    ``labels`` class is among the ``k`` largest, as tf.math.in_top_k (fewer than k classes
    score strictly higher, so ties at the boundary count as in; a label outside
    [0, classes) or a non-finite score is out)."""
    classes = _core._constant(_np.arange(y_pred.shape[-1], dtype=_np.int64), _int64)
    is_label = _core.equal(_core.expand_dims(labels, -1), classes)
    neg_inf = _core._constant(-_np.inf, y_pred.dtype)
    target = _core.reduce_max(_core.where(is_label, y_pred, neg_inf), -1, True)
    above = _core.reduce_sum(_core.cast(_core.greater(y_pred, target), _float32), -1)
    finite = _core.logical_and(_core.greater(target, neg_inf),
                               _core.less(target, _core._constant(_np.inf, y_pred.dtype)))
    inside = _core.logical_and(_core.less(above, float(k)), _core.squeeze(finite, [-1]))
    return _core.cast(inside, _float32)


def _top_k_matches(labels, y_pred, k):
    """in_top_k of integer ``labels`` against ``y_pred`` flattened to (n, classes), reshaped
    back to the labels' shape (Keras' top-k accuracies)."""
    if not y_pred.dtype.is_floating:
        y_pred = _core.cast(y_pred, _float32)
    if labels.dtype != _int64:
        labels = _core.cast(labels, _int64)
    shape = tuple(labels.shape)
    if y_pred.ndim < 1 or _np.prod(shape, dtype=_np.int64) * y_pred.shape[-1] != _np.prod(
            tuple(y_pred.shape), dtype=_np.int64):
        raise _InvalidArgumentError(
            "labels must have y_pred's shape without its last dimension (or with a last "
            "dimension of 1)")
    flat = _core.reshape(y_pred, [-1, y_pred.shape[-1]])
    return _core.reshape(_in_top_k(_core.reshape(labels, [-1]), flat, int(k)), shape)


@_losses._named
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Per sample, 1.0 where the class of the one-hot ``y_true`` is among the ``k`` highest
    scores of ``y_pred`` (ties at the k-th score count as in, as tf.math.in_top_k), else 0.0
    (Keras' ``top_k_categorical_accuracy``)."""
    y_pred = _as_tensor(y_pred, None, "top_k_categorical_accuracy: y_pred")
    y_true = _as_labels(y_true, "top_k_categorical_accuracy: y_true")
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise _InvalidArgumentError(
            f"one-hot y_true must have y_pred's shape {tuple(y_pred.shape)}")
    return _top_k_matches(_core.argmax(y_true, -1), y_pred, k)


@_losses._named
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Per sample, 1.0 where the integer class label ``y_true`` (shape (batch,) or (batch, 1))
    is among the ``k`` highest scores of ``y_pred``, else 0.0 (Keras'
    ``sparse_top_k_categorical_accuracy``; the result has the labels' shape)."""
    y_pred = _as_tensor(y_pred, None, "sparse_top_k_categorical_accuracy: y_pred")
    y_true = _as_labels(y_true, "sparse_top_k_categorical_accuracy: y_true")
    return _top_k_matches(y_true, y_pred, k)


def _cosine(y_true, y_pred, axis=-1):
    """The cosine similarity along ``axis`` (the negative of the loss ``cosine_similarity``)."""
    return _core.negative(_losses.cosine_similarity(y_true, y_pred, axis))


mean_squared_error = mse = MSE = _losses.mean_squared_error
mean_absolute_percentage_error = mape = MAPE = _losses.mean_absolute_percentage_error
mean_squared_logarithmic_error = msle = MSLE = _losses.mean_squared_logarithmic_error
kl_divergence = kld = KLD = _losses.kl_divergence
log_cosh = _losses.log_cosh
poisson = _losses.poisson
hinge = _losses.hinge
squared_hinge = _losses.squared_hinge
categorical_hinge = _losses.categorical_hinge
binary_crossentropy = _losses.binary_crossentropy
categorical_crossentropy = _losses.categorical_crossentropy
sparse_categorical_crossentropy = _losses.sparse_categorical_crossentropy
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

    @classmethod
    def from_config(cls, config):
        """A metric from ``get_config``'s dict (a wrapped function's config deserialized)."""
        from . import saving
        return saving._with_fn(cls, config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def _samplewise(values, sample_weight, name, reduce=_core.reduce_mean):
    """Keras' reduce_to_samplewise_values: the values (float32) averaged (or ``reduce``d)
    down to one per sample, multiplied by the weights, and the weights with as many
    dimensions (or None)."""
    values = _as_tensor(values, _float32, f"{name}: values")
    if sample_weight is not None:
        w = _as_tensor(sample_weight, _float32, f"{name}: sample_weight")
        given = tuple(values.shape)
        values, w = _same_rank(values, w)
        values = _trailing_mean(values, w.ndim, reduce)
        if tuple(w.shape) != tuple(values.shape):
            try:
                w = _core.broadcast_to(w, tuple(values.shape))
            except _InvalidArgumentError:
                raise _InvalidArgumentError(
                    f"{name}: sample_weight of shape {tuple(w.shape)} does not match values "
                    f"of shape {given} (one weight per sample: shape {given[:1]})"
                ) from None
        values = _core.multiply(values, w)
        sample_weight = _trailing_mean(w, 1, reduce)
    return _trailing_mean(values, 1, reduce), sample_weight


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
        """The constructor arguments, as a dict (the function's keyword arguments included;
        a MeanMetricWrapper itself also gives its function as ``fn``)."""
        cfg = super().get_config()
        if type(self) is MeanMetricWrapper:
            from . import saving
            cfg["fn"] = saving.serialize_keras_object(self._fn)
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


class RootMeanSquaredError(Metric):
    """sqrt of the (weighted) mean of (y_pred - y_true)² over the samples seen: each sample's
    squared errors averaged first, as Keras' ``RootMeanSquaredError``. Its state is a Mean's
    (``total``, ``count``); it is not a ``Mean`` itself, since its result is the root."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._mean = Mean(name=self.name)
        self.total, self.count = self._mean.total, self._mean.count
        self._variables = self._mean._variables

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the squared errors of this batch (optionally weighted per sample)."""
        try:
            y_true, y_pred = _losses._prepare_float(y_true, y_pred, self.name)
            error_sq = _core.square(_core.subtract(y_pred, y_true))
        except _InvalidArgumentError as e:
            raise _losses._mismatch(self.name, y_true, y_pred, e) from None
        self._mean.update_state(error_sq, sample_weight)

    def result(self):
        """sqrt(total / count) as a float32 scalar tensor (0.0 before any update)."""
        return _core.sqrt(self._mean.result())


class Sum(Metric):
    """The (weighted) sum of the values given to ``update_state(values, sample_weight=None)``
    (Keras' ``Sum``: one float32 Variable, ``total``)."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")

    def update_state(self, values, sample_weight=None):
        """Add sum(w * values) of this batch to the total."""
        values, _ = _samplewise(values, sample_weight, self.name, _core.reduce_sum)
        self.total.assign_add(_core.reduce_sum(values, None), read_value=False)

    def result(self):
        """The total so far, a float32 scalar tensor."""
        return self.total.read_value()


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """The mean over samples of 100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7), axis=-1)."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """The mean over samples of mean((log(1 + y_pred) - log(1 + y_true))², axis=-1)."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """The mean over samples of the cosine similarity of y_true and y_pred along ``axis``
    (1 when aligned: the negative of the loss ``CosineSimilarity``)."""

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(_cosine, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class LogCoshError(MeanMetricWrapper):
    """The mean over samples of mean(log(cosh(y_pred - y_true)), axis=-1)."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)


class KLDivergence(MeanMetricWrapper):
    """The mean over samples of sum(y_true log(y_true / y_pred), axis=-1) (both clipped to
    [1e-7, 1])."""

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """The mean over samples of mean(y_pred - y_true log(y_pred + 1e-7), axis=-1)."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name=name, dtype=dtype)


class Hinge(MeanMetricWrapper):
    """The mean over samples of mean(max(1 - y_true y_pred, 0), axis=-1) (0/1 labels become
    -1/1)."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """The mean over samples of mean(max(1 - y_true y_pred, 0)², axis=-1) (0/1 labels become
    -1/1)."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """The mean over samples of max(max((1 - y_true) y_pred) - sum(y_true y_pred) + 1, 0)."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)


class BinaryCrossentropy(MeanMetricWrapper):
    """The mean over samples of the binary cross-entropy (``from_logits=True`` for raw
    scores)."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0.0):
        super().__init__(binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits, self.label_smoothing = from_logits, label_smoothing


class CategoricalCrossentropy(MeanMetricWrapper):
    """The mean over samples of the categorical cross-entropy of one-hot targets."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0.0, axis=-1):
        super().__init__(categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The mean over samples of the categorical cross-entropy of integer class labels."""

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, axis=axis)
        self.from_logits, self.axis = from_logits, axis


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target's class is among the ``k`` highest scores."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer class label is among the ``k`` highest scores."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


# -- confusion-matrix metrics: Precision, Recall, AUC ------------------------------------------
NEG_INF = -1e10  # Keras' stand-in for -inf: the threshold under top_k, the score of non-top-k


def _parse_thresholds(thresholds, default, name):
    """Keras' parse_init_thresholds: a list of floats in [0, 1] (``default`` when None)."""
    if thresholds is None:
        return [float(default)]
    many = isinstance(thresholds, (list, tuple, _np.ndarray))
    values = list(thresholds) if many else [thresholds]
    bad = [t for t in values if t is None or not 0.0 <= float(t) <= 1.0]
    if bad:
        raise ValueError(f"{name}: Threshold values must be in [0, 1]. Received: {bad}")
    return [float(t) for t in values]


def _evenly_distributed(thresholds):
    """Keras' is_evenly_distributed_thresholds: 3 or more, i / (n - 1) within 1e-7."""
    n = len(thresholds)
    if n < 3:
        return False
    even = _np.arange(n, dtype=_np.float32) / (n - 1)
    return bool(_np.allclose(thresholds, even, atol=_losses.EPSILON))


def _last_slice(t, index):
    """t[..., index:index + 1]."""
    shape = list(t.shape)
    return _core.slice(t, [0] * (len(shape) - 1) + [index], shape[:-1] + [1])


def _filter_top_k(x, k):
    """x with every entry outside the ``k`` largest of its last axis (ties in index order)
    set to NEG_INF, as Keras' _filter_top_k."""
    from .._array_ops import top_k
    idx = top_k(x, k).indices
    mask = _core.reduce_sum(_core.one_hot(idx, x.shape[-1], dtype=_float32), -2)
    return _core.add(_core.multiply(x, mask), _core.multiply(_core.subtract(1.0, mask), NEG_INF))


def _update_confusion(name, variables, y_true, y_pred, thresholds, evenly, top_k=None,
                      class_id=None, sample_weight=None, multi_label=False, label_weights=None):
    """Keras' update_confusion_matrix_variables: add to the Variables of ``variables`` ('tp',
    'fp', 'tn', 'fn', one entry per threshold) the weighted counts of predictions above
    (positive) or at/below (negative) each threshold against the labels (nonzero: positive),
    over every element of y_true / y_pred. With ``multi_label`` the inputs are (batch,
    labels) and each label gets its own column of counts (Variables (thresholds, labels));
    ``label_weights`` (labels,) (only without ``multi_label``) multiplies the weights of each
    label's column, as Keras. With ``evenly`` (thresholds i / (n - 1), maybe with epsilon
    ends) it is Keras' bucketed O(T + N) algorithm, else a comparison against every
    threshold."""
    y_pred = _as_tensor(y_pred, None, f"{name}: y_pred")
    y_true = _as_labels(y_true, f"{name}: y_true")
    y_pred, y_true = _core.cast(y_pred, _float32), _core.cast(y_true, _float32)
    y_pred, y_true = _same_rank(y_pred, y_true)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise _InvalidArgumentError(
            f"{name}: y_true of shape {tuple(y_true.shape)} and y_pred of shape "
            f"{tuple(y_pred.shape)} are incompatible (they must have one shape)")
    w = None
    if sample_weight is not None:
        w = _core.expand_dims(_as_tensor(sample_weight, _float32, f"{name}: sample_weight"), -1)
        if w.ndim == y_true.ndim + 1 and w.shape[-1] == 1:
            w = _core.squeeze(w, [-1])
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim < 2:
            raise ValueError(f"{name}: When class_id is provided, y_pred must be a 2D array "
                             f"with shape (num_samples, num_classes), found shape: "
                             f"{tuple(y_pred.shape)}")
        y_true, y_pred = _last_slice(y_true, class_id), _last_slice(y_pred, class_id)
    shape = tuple(y_pred.shape)
    if w is not None:
        try:
            w = _core.broadcast_to(w, shape)
        except _InvalidArgumentError:
            raise _InvalidArgumentError(
                f"{name}: sample_weight of shape {_losses._shape_of(sample_weight)} does not "
                f"match y_pred of shape {shape}") from None
    if label_weights is not None:  # (labels,): a weight per column of (batch, labels)
        lw = _core.broadcast_to(label_weights, shape)
        w = lw if w is None else _core.multiply(w, lw)
    labels = _core.cast(_core.not_equal(y_true, 0.0), _float32)
    preds = y_pred
    if not multi_label:
        labels, preds = _core.reshape(labels, [-1]), _core.reshape(preds, [-1])
        if w is not None:
            w = _core.reshape(w, [-1])
    neg = _core.subtract(1.0, labels)
    pos, neg = (labels, neg) if w is None else (_core.multiply(labels, w), _core.multiply(neg, w))
    n = len(thresholds)
    if evenly:
        clipped = _core.clip_by_value(preds, 0.0, 1.0)
        bucket = _core.subtract(_math.ceil(_core.multiply(clipped, float(n - 1))), 1.0)
        if thresholds[0] < 0.0 or thresholds[-1] > 1.0:
            bucket = _core.maximum(bucket, 0.0)  # every prediction is above the -eps threshold
        bucket = _core.cast(bucket, _int32)
        if multi_label:
            # Label j's buckets are the segments j * n .. j * n + n - 1 of one segment sum.
            n_labels = shape[1]
            offsets = _core._constant(_np.arange(n_labels, dtype=_np.int32) * n, _int32)
            ids = _core.reshape(_core.add(bucket, offsets), [-1])

            def per_label(v):
                sums = _core.reshape(_core.unsorted_segment_sum(_core.reshape(v, [-1]), ids,
                                                                n * n_labels), [n_labels, n])
                return _core.transpose(_core.cumsum(sums, 1, False, True))  # (n, labels)
            tp, fp = per_label(pos), per_label(neg)
        else:
            tp = _core.cumsum(_core.unsorted_segment_sum(pos, bucket, n), 0, False, True)
            fp = _core.cumsum(_core.unsorted_segment_sum(neg, bucket, n), 0, False, True)
    else:
        thr = _np.asarray(thresholds, _np.float32).reshape((n,) + (1,) * preds.ndim)
        thr = _core._constant(thr, _float32)
        # (T, N) or, multi-label, (T, N, L): prediction above threshold
        above = _core.cast(_core.greater(_core.expand_dims(preds, 0), thr), _float32)
        tp = _core.reduce_sum(_core.multiply(above, pos), 1)
        fp = _core.reduce_sum(_core.multiply(above, neg), 1)
    counts = {"tp": tp, "fp": fp}
    totals_axis = 0 if multi_label else None
    if "fn" in variables:
        counts["fn"] = _core.subtract(_core.reduce_sum(pos, totals_axis), tp)
    if "tn" in variables:
        counts["tn"] = _core.subtract(_core.reduce_sum(neg, totals_axis), fp)
    for key, var in variables.items():
        var.assign_add(counts[key], read_value=False)


def _no_nan_ratio(num, den):
    """num / den, 0 where den is 0 (Keras' divide_no_nan)."""
    return _math.divide_no_nan(num, den)


class _ThresholdMetric(Metric):
    """Precision and Recall: confusion counts per threshold (``thresholds``, default 0.5, or
    NEG_INF with ``top_k``), optionally over the ``top_k`` scores of each sample or the
    class ``class_id`` only."""

    _counts = ()

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k, self.class_id = top_k, class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = _parse_thresholds(thresholds, default, self.name)
        self._evenly = _evenly_distributed(self.thresholds)
        n = len(self.thresholds)
        long_names = {"tp": "true_positives", "fp": "false_positives", "fn": "false_negatives"}
        self._vars = {}
        for key in self._counts:
            var = self.add_variable((n,), name=long_names[key])
            setattr(self, long_names[key], var)
            self._vars[key] = var

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add this batch's confusion counts (labels: nonzero is positive; predictions:
        above the threshold is positive), optionally weighted."""
        _update_confusion(self.name, self._vars, y_true, y_pred, self.thresholds, self._evenly,
                          self.top_k, self.class_id, sample_weight)

    def _ratio(self, other):
        tp = self.true_positives.read_value()
        r = _no_nan_ratio(tp, _core.add(tp, other.read_value()))
        return _core.reshape(r, []) if len(self.thresholds) == 1 else r

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(thresholds=self.init_thresholds, top_k=self.top_k, class_id=self.class_id)
        return cfg


class Precision(_ThresholdMetric):
    """TP / (TP + FP) over the batches seen (0 when nothing was predicted positive), as
    Keras' ``Precision(thresholds=None, top_k=None, class_id=None)``: a prediction is
    positive above the threshold (0.5 by default); a list of thresholds gives one value
    each."""

    _counts = ("tp", "fp")

    def result(self):
        """Precision as a float32 tensor (a scalar for one threshold)."""
        return self._ratio(self.false_positives)


class Recall(_ThresholdMetric):
    """TP / (TP + FN) over the batches seen (0 when there was no positive label), as Keras'
    ``Recall(thresholds=None, top_k=None, class_id=None)``."""

    _counts = ("tp", "fn")

    def result(self):
        """Recall as a float32 tensor (a scalar for one threshold)."""
        return self._ratio(self.false_negatives)


class AUC(Metric):
    """Area under the ROC or precision-recall curve, as Keras' ``AUC``: the confusion counts at
    ``num_thresholds`` thresholds (i / (num_thresholds - 1) for the inner ones, -1e-7 and
    1 + 1e-7 at the ends; or ``thresholds`` given), then a Riemann sum over them
    (``summation_method`` 'interpolation' (trapezoids; for PR, Davis & Goadrich's
    interpolation), 'minoring' or 'majoring'). ``from_logits`` applies a sigmoid first.

    ``multi_label=True``: inputs are (batch, labels), each label has its own confusion counts
    (Variables (num_thresholds, labels), created at the first update unless ``num_labels`` is
    given) and its own area; the result is their mean, or with ``label_weights`` their
    weighted mean ``sum(w * auc) / sum(w)`` (0 when the weights sum to 0). Without
    ``multi_label``, ``label_weights`` (one per column of (batch, labels) inputs) weights each
    label's predictions in the one set of counts, as Keras does. ``label_weights`` must be
    non-negative."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        curves = {"roc": "ROC", "pr": "PR"}
        if str(curve).lower() not in curves:
            raise ValueError(f'{self.name}: Invalid AUCCurve value: "{curve}". Expected values '
                             'are ["PR", "ROC"]')
        methods = ("interpolation", "minoring", "majoring")
        if str(summation_method).lower() not in methods:
            raise ValueError(f'{self.name}: Invalid AUC summation method value: '
                             f'"{summation_method}". Expected values are ["interpolation", '
                             '"majoring", "minoring"]')
        self.curve = curves[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        self.multi_label, self._from_logits = bool(multi_label), bool(from_logits)
        if num_labels is not None:
            if not self.multi_label:
                raise ValueError(f"{self.name}: `num_labels` is needed only when `multi_label` "
                                 f"is True. Received: num_labels={num_labels!r}")
            if isinstance(num_labels, bool) or not isinstance(num_labels, (int, _np.integer)) \
                    or num_labels <= 0:
                raise ValueError(f"{self.name}: `num_labels` must be a positive integer, got "
                                 f"{num_labels!r}")
            num_labels = int(num_labels)
        self.num_labels = num_labels
        self._label_weights_list = None
        self.label_weights = None
        if label_weights is not None:
            lw = _np.asarray(label_weights.numpy() if hasattr(label_weights, "numpy")
                             else label_weights)
            if lw.ndim != 1 or lw.dtype.kind not in "biuf" or lw.size == 0:
                raise ValueError(f"{self.name}: `label_weights` must be a non-empty 1-D list of "
                                 f"numbers (one per label), got {label_weights!r}")
            lw = lw.astype(_np.float32)
            if not _np.all(lw >= 0):  # NaN fails too
                raise _InvalidArgumentError(f"{self.name}: All values of `label_weights` must "
                                            f"be non-negative. Received: {lw.tolist()}")
            if num_labels is not None and lw.size != num_labels:
                raise ValueError(f"{self.name}: Number of labels is not consistent: "
                                 f"num_labels={num_labels} but {lw.size} label_weights")
            self._label_weights_list = lw.tolist()
            self.label_weights = _core._constant(lw, _float32)
        if thresholds is not None:
            inner = sorted(_parse_thresholds(thresholds, 0.5, self.name))
            self.num_thresholds = len(inner) + 2
            self._evenly = _evenly_distributed([0.0] + inner + [1.0])
        else:
            if int(num_thresholds) <= 1:
                raise ValueError(f"{self.name}: Argument `num_thresholds` must be an integer "
                                 f"> 1. Received: num_thresholds={num_thresholds}")
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) * 1.0 / (self.num_thresholds - 1)
                     for i in range(self.num_thresholds - 2)]
            self._evenly = True
        eps = _losses.EPSILON
        self._thresholds = [0.0 - eps] + inner + [1.0 + eps]
        self._num_labels = None
        self._built = False
        if not self.multi_label:
            self._build(None)
        elif num_labels is not None:
            self._build(num_labels)

    def _build(self, num_labels):
        """The confusion-count Variables: (num_thresholds,), or (num_thresholds, num_labels)
        with multi_label."""
        n = self.num_thresholds
        shape = (n,) if num_labels is None else (n, num_labels)
        self._num_labels = num_labels
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.true_negatives = self.add_variable(shape, name="true_negatives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self._built = True

    @property
    def thresholds(self):
        """The thresholds, the two epsilon ends included."""
        return list(self._thresholds)

    def _check_labels(self, y_true, y_pred):
        """Keras' shape checks for multi_label / label_weights: (batch, labels) inputs with
        one label count throughout (the Variables', label_weights'); builds the multi-label
        Variables on first use. Raises before anything changes."""
        y_true, y_pred = _same_rank(y_true, y_pred)
        if self.multi_label and y_pred.ndim != 2:
            raise ValueError(f"{self.name}: `y_true` must have rank 2 when `multi_label=True`. "
                             f"Found rank {y_pred.ndim}. Full shape received for `y_pred`: "
                             f"{tuple(y_pred.shape)}")
        if tuple(y_true.shape) != tuple(y_pred.shape):
            raise _InvalidArgumentError(
                f"{self.name}: y_true of shape {tuple(y_true.shape)} and y_pred of shape "
                f"{tuple(y_pred.shape)} are incompatible (they must have one shape)")
        expected = self._num_labels if self._num_labels is not None else (
            len(self._label_weights_list) if self._label_weights_list is not None else None)
        found = y_true.shape[1] if y_true.ndim == 2 else None
        if found is None or (expected is not None and found != expected):
            want = "(batch, labels)" if expected is None else f"(batch, {expected})"
            raise ValueError(f"{self.name}: Number of labels is not consistent: expected y_true "
                             f"and y_pred of shape {want}, got {tuple(y_true.shape)}")
        if self.multi_label and not self._built:
            self._build(found)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add this batch's confusion counts at every threshold (optionally weighted)."""
        y_pred = _as_tensor(y_pred, None, f"{self.name}: y_pred")
        if self._from_logits:
            y_pred = _core.sigmoid(y_pred)
        if self.multi_label or self.label_weights is not None:
            y_true = _as_labels(y_true, f"{self.name}: y_true")
            self._check_labels(y_true, y_pred)
        _update_confusion(self.name, {"tp": self.true_positives, "fp": self.false_positives,
                                      "tn": self.true_negatives, "fn": self.false_negatives},
                          y_true, y_pred, self._thresholds, self._evenly,
                          sample_weight=sample_weight, multi_label=self.multi_label,
                          label_weights=None if self.multi_label else self.label_weights)

    def _pairs(self, t):
        """(t[:-1], t[1:]) of a per-threshold tensor (along its first axis)."""
        n, rest = self.num_thresholds, [-1] * (t.ndim - 1)
        zeros = [0] * (t.ndim - 1)
        return _core.slice(t, [0] + zeros, [n - 1] + rest), _core.slice(t, [1] + zeros, [n - 1] + rest)

    def _total(self, terms):
        """The area from the per-threshold terms: their sum, or with multi_label each label's
        sum, averaged over the labels (weighted by label_weights), as Keras."""
        if not self.multi_label:
            return _core.reduce_sum(terms, None)
        by_label = _core.reduce_sum(terms, 0)
        if self.label_weights is None:
            return _core.reduce_mean(by_label, None)
        return _no_nan_ratio(_core.reduce_sum(_core.multiply(by_label, self.label_weights), None),
                             _core.reduce_sum(self.label_weights, None))

    def _interpolate_pr_auc(self):
        """Davis & Goadrich's interpolated PR-AUC, as Keras' interpolate_pr_auc."""
        tp = self.true_positives.read_value()
        p = _core.add(tp, self.false_positives.read_value())
        tp0, tp1 = self._pairs(tp)
        p0, p1 = self._pairs(p)
        dtp = _core.subtract(tp0, tp1)
        prec_slope = _no_nan_ratio(dtp, _core.maximum(_core.subtract(p0, p1), 0.0))
        intercept = _core.subtract(tp1, _core.multiply(prec_slope, p1))
        both = _core.logical_and(_core.greater(p0, 0.0), _core.greater(p1, 0.0))
        safe_p_ratio = _core.where(both, _no_nan_ratio(p0, _core.maximum(p1, 0.0)),
                                   _core._fill(tuple(p1.shape), 1.0, _float32))
        _, fn1 = self._pairs(self.false_negatives.read_value())
        increment = _no_nan_ratio(
            _core.multiply(prec_slope, _core.add(dtp, _core.multiply(intercept,
                                                                     _core.log(safe_p_ratio)))),
            _core.maximum(_core.add(tp1, fn1), 0.0))
        return self._total(increment)

    def result(self):
        """The area as a float32 scalar tensor (0 before a multi-label metric has seen data)."""
        if not self._built:
            return _core._fill((), 0.0, _float32)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc()
        tp = self.true_positives.read_value()
        recall = _no_nan_ratio(tp, _core.add(tp, self.false_negatives.read_value()))
        if self.curve == "ROC":
            fp = self.false_positives.read_value()
            x = _no_nan_ratio(fp, _core.add(fp, self.true_negatives.read_value()))
            y = recall
        else:
            x = recall
            y = _no_nan_ratio(tp, _core.add(tp, self.false_positives.read_value()))
        y0, y1 = self._pairs(y)
        if self.summation_method == "interpolation":
            heights = _core.multiply(_core.add(y0, y1), 0.5)
        elif self.summation_method == "minoring":
            heights = _core.minimum(y0, y1)
        else:
            heights = _core.maximum(y0, y1)
        x0, x1 = self._pairs(x)
        return self._total(_core.multiply(_core.subtract(x0, x1), heights))

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(num_thresholds=self.num_thresholds, curve=self.curve,
                   summation_method=self.summation_method, from_logits=self._from_logits,
                   thresholds=self._thresholds[1:-1] if not self._evenly else None,
                   multi_label=self.multi_label, num_labels=self.num_labels,
                   label_weights=None if self._label_weights_list is None
                   else list(self._label_weights_list))
        return cfg


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
    "bce": _losses.binary_crossentropy, "BCE": _losses.binary_crossentropy,
    "mean_absolute_percentage_error": mean_absolute_percentage_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    "kl_divergence": kl_divergence, "kld": kl_divergence, "KLD": kl_divergence,
    "log_cosh": log_cosh, "poisson": poisson, "hinge": hinge, "squared_hinge": squared_hinge,
    "categorical_hinge": categorical_hinge,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
}
_CLASSES = {cls.__name__: cls for cls in (
    Mean, MeanSquaredError, MeanAbsoluteError, Accuracy, BinaryAccuracy, CategoricalAccuracy,
    SparseCategoricalAccuracy, RootMeanSquaredError, Sum, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError, KLDivergence, Poisson, Hinge,
    SquaredHinge, CategoricalHinge, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    Precision, Recall, AUC)}
# Keras 3 also takes the snake_case names of the classes; where a function has that name
# (binary_accuracy, hinge, ...) the function wins here, as before.
_SNAKE_CLASSES = {"root_mean_squared_error": RootMeanSquaredError, "sum": Sum, "mean": Mean,
                  "cosine_similarity": CosineSimilarity, "log_cosh_error": LogCoshError,
                  "precision": Precision, "recall": Recall, "auc": AUC}


def get(identifier):
    """A metric from an identifier, as ``keras.metrics.get``: a function's name ('accuracy',
    'acc', 'binary_accuracy', 'mse', 'mean_absolute_error', 'mape', 'kld', ...) gives the
    function, a class name ('BinaryAccuracy', 'AUC', ...) or the snake_case name of a class
    without such a function ('auc', 'precision', 'recall', 'root_mean_squared_error', ...)
    a new instance; Metric instances and callables are returned
    as they are, None gives None. Unknown names raise ValueError."""
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        cls = _CLASSES.get(identifier) or _SNAKE_CLASSES.get(identifier)
        if cls is not None:
            return cls()
        from . import saving
        found = saving.get_registered_object(identifier)
        if found is not None:
            return found() if isinstance(found, type) else found
        raise ValueError(f"Unknown metric function: {identifier!r}. Known names: "
                         f"{', '.join(sorted(_FUNCTIONS))}, and the classes "
                         f"{', '.join(sorted(_CLASSES))}.")
    if isinstance(identifier, dict) and "class_name" in identifier:
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def serialize(metric):
    """``{'module', 'class_name', 'config', 'registered_name'}`` for a Metric (its
    configuration, not its state; a function by module and name), as
    ``keras.metrics.serialize``."""
    from . import saving
    return saving.serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    """A new metric (or metric function) from ``serialize``'s dict (custom ones from
    ``custom_objects`` / the registry)."""
    from . import saving
    table = dict(_CLASSES)
    table["MeanMetricWrapper"] = MeanMetricWrapper
    table.update(_FUNCTIONS)
    metric = saving.deserialize_keras_object(config, custom_objects, module_objects=table)
    if not callable(metric):
        raise ValueError(f"Could not interpret metric identifier: {config!r}")
    return metric


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
