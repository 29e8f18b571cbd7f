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
confusion-matrix metrics ``Precision``, ``Recall``, ``AUC``, the four counts
(``TruePositives``, ...) and ``PrecisionAtRecall``, ``RecallAtPrecision``,
``SensitivityAtSpecificity``, ``SpecificityAtSensitivity``, whose state is float32 Variables
of weighted true/false positive/negative counts, one entry per threshold, updated as Keras'
``update_confusion_matrix_variables`` (evenly spaced thresholds by its bucketed O(T + N)
algorithm). ``FBetaScore`` / ``F1Score`` and ``R2Score`` keep per-class sums, created on the
first batch; the IoUs (``IoU``, ``MeanIoU``, ``BinaryIoU``, ``OneHotIoU``,
``OneHotMeanIoU``) a (num_classes, num_classes) confusion matrix, int64 by default as Keras.
"""

import warnings

import numpy as _np

from .. import _core
from .._convert import as_tensor as _as_tensor
from .. import math as _math
from ..dtypes import float32 as _float32, float64 as _float64, int32 as _int32, \
    int64 as _int64
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
    "TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives", "PrecisionAtRecall",
    "RecallAtPrecision", "SensitivityAtSpecificity", "SpecificityAtSensitivity", "FBetaScore",
    "F1Score", "R2Score", "IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU",
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


def _zeros_like(t):
    return _core._fill(tuple(t.shape), 0.0, t.dtype)


_LONG_NAMES = {"tp": "true_positives", "fp": "false_positives", "tn": "true_negatives",
               "fn": "false_negatives"}


class _ThresholdMetric(Metric):
    """Precision, Recall and the four counts (TruePositives, ...): confusion counts per
    threshold (``thresholds``, default 0.5, or NEG_INF with ``top_k``), optionally over the
    ``top_k`` scores of each sample or the class ``class_id`` only."""

    _counts = ()
    _state_name = None  # the Variable's name for a single count (default: its long name)

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k, self.class_id = top_k, class_id
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = _parse_thresholds(thresholds, default, self.name)
        self._evenly = _evenly_distributed(self.thresholds)
        n = len(self.thresholds)
        self._vars = {}
        for key in self._counts:
            attr = self._state_name or _LONG_NAMES[key]
            var = self.add_variable((n,), name=attr)
            setattr(self, attr, var)
            self._vars[key] = var

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add this batch's confusion counts (labels: nonzero is positive; predictions:
        above the threshold is positive), optionally weighted."""
        _update_confusion(self.name, self._vars, y_true, y_pred, self.thresholds, self._evenly,
                          self.top_k, self.class_id, sample_weight)

    def _per_threshold(self, t):
        """A per-threshold tensor, a scalar for one threshold."""
        return _core.reshape(t, []) if len(self.thresholds) == 1 else t

    def _ratio(self, other):
        tp = self.true_positives.read_value()
        return self._per_threshold(_no_nan_ratio(tp, _core.add(tp, other.read_value())))

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


# -- the four counts: TruePositives, FalsePositives, TrueNegatives, FalseNegatives ---------------
class _ConfusionCount(_ThresholdMetric):
    """One weighted confusion count per threshold (Keras' _ConfusionMatrixConditionCount):
    a float32 Variable ``accumulator`` of shape (len(thresholds),)."""

    _state_name = "accumulator"

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds=thresholds, name=name, dtype=dtype)

    def result(self):
        """The count as a float32 tensor (a scalar for one threshold)."""
        return self._per_threshold(self.accumulator.read_value())

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = Metric.get_config(self)
        cfg["thresholds"] = self.init_thresholds
        return cfg


class TruePositives(_ConfusionCount):
    """The (weighted) number of positive labels (nonzero) predicted above the threshold
    (``thresholds``: 0.5 by default; a list gives one count each), as Keras'
    ``TruePositives``."""

    _counts = ("tp",)


class FalsePositives(_ConfusionCount):
    """The (weighted) number of negative labels (0) predicted above the threshold, as Keras'
    ``FalsePositives``."""

    _counts = ("fp",)


class TrueNegatives(_ConfusionCount):
    """The (weighted) number of negative labels predicted at or below the threshold, as
    Keras' ``TrueNegatives``."""

    _counts = ("tn",)


class FalseNegatives(_ConfusionCount):
    """The (weighted) number of positive labels predicted at or below the threshold, as
    Keras' ``FalseNegatives``."""

    _counts = ("fn",)


# -- PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity --
class _SensitivitySpecificityBase(_ThresholdMetric):
    """Confusion counts at ``num_thresholds`` evenly spaced thresholds in [0, 1] (0.5 alone
    for one), optionally of column ``class_id`` only, then the best value of one rate among
    the thresholds where another rate is at least ``value`` (Keras'
    SensitivitySpecificityBase). ``_arg`` names the constraint's argument; ``_constrained`` /
    ``_dependent`` name the two rates."""

    _counts = ("tp", "fp", "tn", "fn")
    _arg = _constrained = _dependent = None

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if value < 0 or value > 1:
            raise ValueError(f"{type(self).__name__}: Argument `{self._arg}` must be in the "
                             f"range [0, 1]. Received: {self._arg}={value}")
        if num_thresholds <= 0:
            raise ValueError(f"{name or _losses._snake(type(self).__name__)}: Argument "
                             f"`num_thresholds` must be an integer > 0. Received: "
                             f"num_thresholds={num_thresholds}")
        if num_thresholds == 1:
            thresholds = [0.5]
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            thresholds = [0.0] + inner + [1.0]
        super().__init__(thresholds=thresholds, class_id=class_id, name=name, dtype=dtype)
        self._evenly = num_thresholds > 1  # as Keras (also for 2: [0, 1])
        self.value, self.num_thresholds = value, num_thresholds
        setattr(self, self._arg, value)

    def _rate(self, which):
        """Per threshold: 'recall' (= sensitivity) TP / (TP + FN), 'precision'
        TP / (TP + FP), 'specificity' TN / (TN + FP); 0 where the denominator is 0."""
        num, other = {"recall": ("tp", "fn"), "precision": ("tp", "fp"),
                      "specificity": ("tn", "fp")}[which]
        n = self._vars[num].read_value()
        return _no_nan_ratio(n, _core.add(n, self._vars[other].read_value()))

    def result(self):
        """The largest ``_dependent`` rate over the thresholds whose ``_constrained`` rate is
        >= the value (0.0 when none is), a float32 scalar tensor."""
        feasible = _core.greater_equal(self._rate(self._constrained), float(self.value))
        dependent = self._rate(self._dependent)
        best = _core.reduce_max(_core.where(feasible, dependent, _zeros_like(dependent)), None)
        return _core.maximum(best, 0.0)

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = Metric.get_config(self)
        cfg.update({"class_id": self.class_id, "num_thresholds": self.num_thresholds,
                    self._arg: self.value})
        return cfg


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """The best sensitivity (recall) at a threshold where specificity TN / (TN + FP) is >=
    ``specificity``, as Keras' ``SensitivityAtSpecificity(specificity, num_thresholds=200,
    class_id=None)``."""

    _arg, _constrained, _dependent = "specificity", "specificity", "recall"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """The best specificity at a threshold where sensitivity TP / (TP + FN) is >=
    ``sensitivity``, as Keras' ``SpecificityAtSensitivity``."""

    _arg, _constrained, _dependent = "sensitivity", "recall", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_SensitivitySpecificityBase):
    """The best precision at a threshold where recall is >= ``recall``, as Keras'
    ``PrecisionAtRecall``."""

    _arg, _constrained, _dependent = "recall", "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_SensitivitySpecificityBase):
    """The best recall at a threshold where precision is >= ``precision``, as Keras'
    ``RecallAtPrecision``."""

    _arg, _constrained, _dependent = "precision", "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)


# -- FBetaScore, F1Score, R2Score: per-class state built on the first batch ------------------
def _accumulate(name, updates):
    """``var.assign(var + delta)`` for each (var, delta), as Keras' metrics update: the delta
    broadcasts against the Variable but the sum must keep its shape. Every sum is checked
    before any Variable changes."""
    sums = []
    for var, delta in updates:
        try:
            new = _core.add(var.read_value(), delta)
        except _InvalidArgumentError:
            raise _InvalidArgumentError(
                f"{name}: an update of shape {tuple(delta.shape)} does not broadcast to the "
                f"state '{var.name}' of shape {tuple(var.shape)}") from None
        if tuple(new.shape) != tuple(var.shape):
            raise ValueError(f"{name}: an update of shape {tuple(delta.shape)} does not fit the "
                             f"state '{var.name}' of shape {tuple(var.shape)}")
        sums.append(new)
    for (var, _), new in zip(updates, sums):
        var.assign(new, read_value=False)


class _PerClassMetric(Metric):
    """A metric whose state Variables ``_per_class`` (attribute and Variable names) are
    created by the first ``update_state``, one entry per column of its (batch_size,
    output_dim) inputs, as Keras' FBetaScore and R2Score; before that they are missing
    (AttributeError, as Keras)."""

    _per_class = ()

    def __getattr__(self, attr):
        if attr in [a for a, _ in type(self)._per_class]:
            raise AttributeError(f"{type(self).__name__} {self.__dict__.get('name')!r} has no "
                                 f"'{attr}' before its first update_state (it takes the number "
                                 f"of columns from the first batch)")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attr!r}")

    @property
    def _built(self):
        return self._per_class[0][0] in self.__dict__

    def _build(self, y_true, y_pred, shape=None):
        """Check the (batch_size, output_dim) shapes and create the Variables (of ``shape``,
        by default (output_dim,))."""
        if y_pred.ndim != 2 or y_true.ndim != 2:
            keras_name = [c for c in type(self).__mro__ if c.__base__ is _PerClassMetric][0]
            raise ValueError(f"{keras_name.__name__} expects 2D inputs with shape (batch_size, "
                             f"output_dim). Received input shapes: "
                             f"y_pred.shape={tuple(y_pred.shape)} and "
                             f"y_true.shape={tuple(y_true.shape)}.")
        shape = (y_pred.shape[-1],) if shape is None else shape
        for attr, var_name in self._per_class:
            setattr(self, attr, self.add_variable(shape, name=var_name))


class FBetaScore(_PerClassMetric):
    """The F-beta score ``(1 + b²) P R / (b² P + R)`` of precision P and recall R, as Keras'
    ``FBetaScore(average=None, beta=1.0, threshold=None)``: inputs (batch, classes), a
    prediction is positive above ``threshold`` (None: the largest nonzero score of each row);
    ``average`` None gives one score per class, 'micro' one from the pooled counts, 'macro'
    the mean of the classes', 'weighted' their mean weighted by the (weighted) number of
    true labels. Every ratio adds 1e-7 to its denominator, as Keras. The state (float32 TP,
    FP, FN and label totals, per class or pooled) is created by the first ``update_state``."""

    _per_class = (("true_positives", "true_positives"), ("false_positives", "false_positives"),
                  ("false_negatives", "false_negatives"),
                  ("intermediate_weights", "intermediate_weights"))

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"{self.name}: Invalid `average` argument value. Expected one of: "
                             f"{{None, 'micro', 'macro', 'weighted'}}. Received: "
                             f"average={average}")
        if not isinstance(beta, float):
            raise ValueError(f"{self.name}: Invalid `beta` argument value. It should be a "
                             f"Python float. Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"{self.name}: Invalid `beta` argument value. It should be > 0. "
                             f"Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(f"{self.name}: Invalid `threshold` argument value. It should "
                                 f"be a Python float. Received: threshold={threshold} of type "
                                 f"'{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(f"{self.name}: Invalid `threshold` argument value. It should "
                                 f"verify 0 < threshold <= 1. Received: threshold={threshold}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add this batch's (optionally per-sample weighted) TP, FP, FN and label totals."""
        y_true = _as_tensor(y_true, _float32, f"{self.name}: y_true")
        y_pred = _as_tensor(y_pred, _float32, f"{self.name}: y_pred")
        if not self._built:
            self._build(y_true, y_pred, () if self.average == "micro" else None)
        if self.threshold is None:
            top = _core.reduce_max(y_pred, -1, True)
            decided = _core.logical_and(_core.greater_equal(y_pred, top),
                                        _core.greater(_core.abs(y_pred), 1e-9))
        else:
            decided = _core.greater(y_pred, self.threshold)
        y_pred = _core.cast(decided, _float32)
        w = None
        if sample_weight is not None:
            w = _as_tensor(sample_weight, _float32, f"{self.name}: sample_weight")
            if w.ndim != 1:
                raise ValueError(f"{self.name}: sample_weight must have one weight per sample, "
                                 f"shape (batch,); got shape {tuple(w.shape)} for y_pred of "
                                 f"shape {tuple(y_pred.shape)}")
            w = _core.expand_dims(w, 1)

        def weighted_sum(v):
            return _core.reduce_sum(v if w is None else _core.multiply(v, w), self.axis)

        try:
            not_true = _core.subtract(1.0, y_true)
            deltas = [weighted_sum(_core.multiply(y_pred, y_true)),
                      weighted_sum(_core.multiply(y_pred, not_true)),
                      weighted_sum(_core.multiply(_core.subtract(1.0, y_pred), y_true)),
                      weighted_sum(y_true)]
        except _InvalidArgumentError:
            weights = "" if w is None else f" and sample_weight of shape {tuple(w.shape[:1])}"
            raise _InvalidArgumentError(
                f"{self.name}: y_true of shape {tuple(y_true.shape)}, y_pred of shape "
                f"{tuple(y_pred.shape)}{weights} are incompatible") from None
        _accumulate(self.name, [(getattr(self, attr), delta)
                                for (attr, _), delta in zip(self._per_class, deltas)])

    def result(self):
        """The score(s) as a float32 tensor: one per class with ``average=None``, else a
        scalar."""
        eps, b2 = _losses.EPSILON, self.beta ** 2
        tp = self.true_positives.read_value()
        precision = _core.divide(tp, _core.add(_core.add(tp, self.false_positives.read_value()),
                                               eps))
        recall = _core.divide(tp, _core.add(_core.add(tp, self.false_negatives.read_value()),
                                            eps))
        mul = _core.multiply(precision, recall)
        add = _core.add(_core.multiply(precision, b2), recall)
        score = _core.multiply(_core.divide(mul, _core.add(add, eps)), 1.0 + b2)
        if self.average == "weighted":
            iw = self.intermediate_weights.read_value()
            weights = _core.divide(iw, _core.add(_core.reduce_sum(iw, None), eps))
            return _core.reduce_sum(_core.multiply(score, weights), None)
        if self.average is not None:
            return _core.reduce_mean(score, None)
        return score

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(average=self.average, beta=self.beta, threshold=self.threshold)
        return cfg


class F1Score(FBetaScore):
    """The F1 score ``2 P R / (P + R)``: ``FBetaScore`` with ``beta=1.0``, as Keras'
    ``F1Score(average=None, threshold=None)``."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        del cfg["beta"]
        return cfg


class R2Score(_PerClassMetric):
    """The coefficient of determination ``1 - SS_res / SS_tot`` per output column of
    (batch, outputs) inputs, as Keras' ``R2Score(class_aggregation='uniform_average',
    num_regressors=0)``: ``class_aggregation`` None gives one score per column,
    'uniform_average' their mean, 'variance_weighted_average' their mean weighted by
    SS_tot. A column whose SS_tot is 0 scores 0 (NaN if SS_res is 0 too, as Keras).
    ``num_regressors`` p > 0 gives the adjusted score ``1 - (1 - R²)(n - 1) / (n - p - 1)``
    with n the number of elements seen (falling back, with a warning, to R² when
    p >= n - 1). Sample weights are per sample (batch,) or per element. The per-column
    state is created by the first ``update_state``."""

    _per_class = (("squared_sum", "squared_sum"), ("sum", "sum"), ("total_mse", "residual"),
                  ("count", "count"))

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(f"{self.name}: Invalid value for argument `class_aggregation`. "
                             f"Expected one of {valid}. Received: "
                             f"class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError(f"{self.name}: Invalid value for argument `num_regressors`. "
                             f"Expected a value >= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_variable(name="num_samples")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add this batch's (optionally weighted) sums of y_true, y_true², squared errors
        and weights per column."""
        y_true = _as_tensor(y_true, _float32, f"{self.name}: y_true")
        y_pred = _as_tensor(y_pred, _float32, f"{self.name}: y_pred")
        y_true, y_pred = _same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true, y_pred)
        w = _as_tensor(1.0 if sample_weight is None else sample_weight, _float32,
                       f"{self.name}: sample_weight")
        if w.ndim == 1:
            w = _core.expand_dims(w, 1)
        try:
            w = _core.broadcast_to(w, tuple(y_true.shape))
        except _InvalidArgumentError:
            raise _InvalidArgumentError(
                f"{self.name}: sample_weight of shape {_losses._shape_of(sample_weight)} does "
                f"not broadcast to y_true of shape {tuple(y_true.shape)}") from None
        try:
            weighted = _core.multiply(y_true, w)
            residual = _core.multiply(_core.square(_core.subtract(y_true, y_pred)), w)
        except _InvalidArgumentError:
            raise _InvalidArgumentError(
                f"{self.name}: y_true of shape {tuple(y_true.shape)} and y_pred of shape "
                f"{tuple(y_pred.shape)} are incompatible") from None
        size = float(_np.prod(tuple(y_true.shape), dtype=_np.int64))
        _accumulate(self.name, [
            (self.sum, _core.reduce_sum(weighted, 0)),
            (self.squared_sum, _core.reduce_sum(_core.multiply(y_true, weighted), 0)),
            (self.total_mse, _core.reduce_sum(residual, 0)),
            (self.count, _core.reduce_sum(w, 0)),
            (self.num_samples, _core._fill((), size, _float32))])

    def result(self):
        """The (aggregated, maybe adjusted) score as a float32 tensor."""
        s = self.sum.read_value()
        mean = _core.divide(s, self.count.read_value())
        total = _core.subtract(self.squared_sum.read_value(), _core.multiply(s, mean))
        raw = _core.subtract(1.0, _core.divide(self.total_mse.read_value(), total))
        raw = _core.where(_math.is_inf(raw), _zeros_like(raw), raw)
        if self.class_aggregation == "uniform_average":
            score = _core.reduce_mean(raw, None)
        elif self.class_aggregation == "variance_weighted_average":
            score = _core.divide(_core.reduce_sum(_core.multiply(total, raw), None),
                                 _core.reduce_sum(total, None))
        else:
            score = raw
        if self.num_regressors != 0:
            n = self.num_samples.read_value()
            if self.num_regressors > float(n) - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 "
                              "score. Falling back to standard R2 score.", stacklevel=2)
            elif self.num_regressors == float(n) - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard "
                              "R2 score.", stacklevel=2)
            else:
                num = _core.multiply(_core.subtract(1.0, score), _core.subtract(n, 1.0))
                den = _core.subtract(_core.subtract(n, float(self.num_regressors)), 1.0)
                score = _core.subtract(1.0, _core.divide(num, den))
        return score

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(class_aggregation=self.class_aggregation, num_regressors=self.num_regressors)
        return cfg


# -- IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU ------------------------------------------
_IOU_DTYPES = {"int": _int64, "int64": _int64, "int32": _int32, "float": _float32,
               "float32": _float32, "float64": _float64}


class IoU(Metric):
    """Intersection over union TP / (TP + FP + FN) of the classes ``target_class_ids``,
    averaged over those that occurred, from a (num_classes, num_classes) confusion matrix
    (rows: true class, columns: predicted), as Keras' ``IoU(num_classes, target_class_ids,
    ignore_class=None, sparse_y_true=True, sparse_y_pred=True, axis=-1)``.

    Labels and predictions are class ids (or, with ``sparse_y_* = False``, scores whose
    argmax along ``axis`` is taken), flattened. As Keras, the matrix has the metric's dtype,
    int64 by default, so labels, predictions and sample weights are first cast to it (float
    weights are truncated: use integer weights, or ``dtype='float32'``); pairs with a class
    outside [0, num_classes), or a true class ``ignore_class``, are left out. A class's IoU
    adds 1e-7 to its denominator; one that never occurred (denominator 0) is left out of the
    mean."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name)
        key = getattr(dtype, "name", dtype) or "int"
        if key not in _IOU_DTYPES:
            raise ValueError(f"{self.name}: dtype must be one of int64 (the default), int32, "
                             f"float32 or float64, got dtype={dtype!r}")
        self.dtype = _IOU_DTYPES[key]
        self.num_classes, self.ignore_class = num_classes, ignore_class
        self.sparse_y_true, self.sparse_y_pred, self.axis = sparse_y_true, sparse_y_pred, axis
        self.total_cm = self.add_variable((num_classes, num_classes),
                                          name="total_confusion_matrix")
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"{self.name}: Target class id {max(target_class_ids)} is out of "
                             f"range, which is [0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)

    def _ids(self, y, sparse, what):
        """Class ids in the metric's dtype, flattened (argmax along ``axis`` first unless
        sparse; floats truncated as tf.cast)."""
        if not sparse:
            y = _core.argmax(_as_tensor(y, None, f"{self.name}: {what}"), self.axis)
        y = _core.cast(_as_labels(y, f"{self.name}: {what}"), self.dtype)
        return _core.reshape(y, [-1]) if y.ndim > 1 else y

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add this batch's (optionally weighted) pairs (true class, predicted class) to the
        confusion matrix."""
        given = (_losses._shape_of(y_true), _losses._shape_of(y_pred))
        y_true = self._ids(y_true, self.sparse_y_true, "y_true")
        y_pred = self._ids(y_pred, self.sparse_y_pred, "y_pred")
        if tuple(y_true.shape) != tuple(y_pred.shape):
            raise _InvalidArgumentError(
                f"{self.name}: y_true of shape {given[0]} and y_pred of shape {given[1]} are "
                f"incompatible (they must have as many class ids: {tuple(y_true.shape)} vs "
                f"{tuple(y_pred.shape)} after flattening)")
        n = y_true.shape[0] if y_true.ndim else 1
        if sample_weight is None:
            w = _core._fill(tuple(y_true.shape), 1, self.dtype)
        else:
            if (hasattr(sample_weight, "dtype") and "float" in str(sample_weight.dtype)
                    and not self.dtype.is_floating):
                warnings.warn("You are passing weight as `float`, but dtype is `int`. This may "
                              "result in an incorrect weight due to type casting Consider "
                              "using integer weights.")
            w = self._ids(sample_weight, True, "sample_weight")
            try:
                w = _core.broadcast_to(w, tuple(y_true.shape))
            except _InvalidArgumentError:
                raise _InvalidArgumentError(
                    f"{self.name}: sample_weight of shape {_losses._shape_of(sample_weight)} "
                    f"does not match the {n} class ids of y_true of shape {given[0]}") from None
        zero = _core._fill((), 0, self.dtype)
        inside = _core.logical_and(
            _core.logical_and(_core.greater_equal(y_true, zero),
                              _core.less(y_true, _core._fill((), self.num_classes, self.dtype))),
            _core.logical_and(_core.greater_equal(y_pred, zero),
                              _core.less(y_pred, _core._fill((), self.num_classes, self.dtype))))
        if self.ignore_class is not None:
            inside = _core.logical_and(inside, _core.not_equal(
                y_true, _core._fill((), self.ignore_class, self.dtype)))
        y_true = _core.cast(_core.where(inside, y_true, zero), _int32)
        y_pred = _core.cast(_core.where(inside, y_pred, zero), _int32)
        w = _core.where(inside, w, zero)
        k = self.num_classes
        cell = _core.add(_core.multiply(y_true, k), y_pred)
        cm = _core.reshape(_core.unsorted_segment_sum(w, cell, k * k), [k, k])
        self.total_cm.assign(_core.add(self.total_cm.read_value(), cm), read_value=False)

    def result(self):
        """The mean IoU of the target classes that occurred, a float32 scalar tensor (0.0
        when none did)."""
        cm = self.total_cm.read_value()
        k = self.num_classes
        diag = _core.reshape(_core.gather(_core.reshape(cm, [-1]), _core._constant(
            _np.arange(k, dtype=_np.int32) * (k + 1), _int32), 0), [k])
        denominator = _core.subtract(_core.add(_core.reduce_sum(cm, 0), _core.reduce_sum(cm, 1)),
                                     diag)
        ids = _core._constant(_np.asarray([i % k for i in self.target_class_ids], _np.int32),
                              _int32)
        tp = _core.cast(_core.gather(diag, ids, 0), _float32)
        denominator = _core.cast(_core.gather(denominator, ids, 0), _float32)
        valid = _core.greater(denominator, 1e-9)
        num_valid = _core.reduce_sum(_core.cast(valid, _float32), None)
        iou = _core.divide(tp, _core.add(denominator, _losses.EPSILON))
        iou = _core.where(valid, iou, _zeros_like(iou))
        try:  # Keras sums along ``axis``, so an axis other than 0 / -1 fails here, as there
            total = _core.reduce_sum(iou, self.axis)
        except _InvalidArgumentError as e:
            raise _InvalidArgumentError(f"{self.name}: result() sums the per-class IoUs along "
                                        f"axis={self.axis}, as Keras: {e}") from None
        return _core.divide(total, _core.add(num_valid, _losses.EPSILON))

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(num_classes=self.num_classes, target_class_ids=self.target_class_ids,
                   ignore_class=self.ignore_class, sparse_y_true=self.sparse_y_true,
                   sparse_y_pred=self.sparse_y_pred, axis=self.axis)
        return cfg


class BinaryIoU(IoU):
    """IoU of binary labels against ``y_pred >= threshold`` (class 1) or below (class 0), of
    the classes ``target_class_ids`` ((0, 1): their mean), as Keras' ``BinaryIoU``. Labels
    are cast to the metric's dtype (int64: 0.9 counts as 0)."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Threshold the predictions, then add the pairs to the confusion matrix."""
        y_true = _core.cast(_as_labels(y_true, f"{self.name}: y_true"), self.dtype)
        y_pred = _as_tensor(y_pred, _float32, f"{self.name}: y_pred")
        y_pred = _core.cast(_core.greater_equal(y_pred, float(self.threshold)), self.dtype)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype.name}


class MeanIoU(IoU):
    """The mean IoU over all ``num_classes`` classes (those that occurred), as Keras'
    ``MeanIoU``."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype.name,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """IoU of one-hot labels (their argmax along ``axis``) against score predictions (their
    argmax, or class ids with ``sparse_y_pred=True``), as Keras' ``OneHotIoU``."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype.name, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """The mean IoU over all classes of one-hot labels against score predictions, as Keras'
    ``OneHotMeanIoU``."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype.name,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


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
    Precision, Recall, AUC, TruePositives, FalsePositives, TrueNegatives, FalseNegatives,
    PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity,
    FBetaScore, F1Score, R2Score, IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU)}
# Keras 3 also takes the snake_case names of the classes; where a function has that name
# (binary_accuracy, hinge, ...) the function wins here, as before.
# (Keras' to_snake_case: 'FBetaScore' -> 'f_beta_score', 'MeanIoU' -> 'mean_io_u'.)
_SNAKE_CLASSES = {"root_mean_squared_error": RootMeanSquaredError, "sum": Sum, "mean": Mean,
                  "cosine_similarity": CosineSimilarity, "log_cosh_error": LogCoshError,
                  "precision": Precision, "recall": Recall, "auc": AUC}
_SNAKE_CLASSES.update((_losses._snake(cls.__name__), cls) for cls in (
    TruePositives, FalsePositives, TrueNegatives, FalseNegatives, PrecisionAtRecall,
    RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity, FBetaScore, F1Score,
    R2Score, IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU))


def get(identifier):
    """A metric from an identifier, as ``keras.metrics.get``: a function's name ('accuracy',
    'acc', 'binary_accuracy', 'mse', 'mean_absolute_error', 'mape', 'kld', ...) gives the
    function, a class name ('BinaryAccuracy', 'AUC', ...) or the snake_case name of a class
    without such a function ('auc', 'precision', 'recall', 'root_mean_squared_error', ...)
    a new instance ('f1_score', 'r2_score', 'true_positives', 'binary_io_u', ...; a class
    with required arguments, as 'mean_io_u', raises TypeError, as Keras); Metric instances
    and callables are returned as they are, None gives None. Unknown names raise
    ValueError."""
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
    as their log name ('acc', 'mse'); a class's name gives an instance under its default
    name; functions are averaged under their ``__name__``."""
    if isinstance(identifier, str) and identifier in ("accuracy", "acc"):
        return _AutoAccuracy(name=identifier)
    metric = get(identifier)
    if isinstance(metric, Metric):
        return metric
    if metric is None:
        raise ValueError("Could not interpret metric identifier: None")
    name = identifier if isinstance(identifier, str) else None
    return MeanMetricWrapper(metric, name=name)
