"""tapegrad.keras.losses: Keras' losses, written with tapegrad ops (so they differentiate).

Functions (``mean_squared_error``, ...) return one loss per sample (the mean over the last
axis); classes (``MeanSquaredError``, ...) reduce those to a scalar with ``reduction``:
'sum_over_batch_size' (the default, Keras' 'auto': the mean), 'sum' or 'none'.
The cross-entropies take ``from_logits=True`` for raw scores and are then computed from
``log_softmax`` so that large logits neither overflow nor lose the gradient.

Also Keras 3's ``huber``, ``log_cosh``, ``kl_divergence``, ``poisson``, ``hinge``,
``squared_hinge``, ``categorical_hinge``, ``cosine_similarity`` (the negative cosine, so that
minimising it aligns the vectors), ``mean_squared_logarithmic_error``,
``mean_absolute_percentage_error``, ``binary_focal_crossentropy``,
``categorical_focal_crossentropy``, ``dice`` and ``tversky``, each with its class; every
formula is recorded tapegrad ops, so each loss differentiates to any order (where smooth).

Every Loss also takes Keras 3's ``reduction='mean_with_sample_weight'`` (sum(w l) / sum(w))
and ``dtype=`` (the dtype its inputs are cast to); ``get(name)`` returns the per-sample
function for a function name ('mse') and a new instance for a class name ('MeanSquaredError'),
as ``keras.losses.get``.
"""

import functools as _functools
import re as _re

import numpy as _np

from .. import _core
from ..errors import InvalidArgumentError as _InvalidArgumentError
from .._convert import as_tensor as _as_tensor, one_hot_labels as _one_hot

__all__ = [
    "Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError", "BinaryCrossentropy",
    "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "Huber", "LogCosh",
    "KLDivergence", "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge", "CosineSimilarity",
    "MeanSquaredLogarithmicError", "MeanAbsolutePercentageError", "BinaryFocalCrossentropy",
    "mean_squared_error", "mean_absolute_error", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "huber", "log_cosh",
    "kl_divergence", "poisson", "hinge", "squared_hinge", "categorical_hinge",
    "cosine_similarity", "mean_squared_logarithmic_error", "mean_absolute_percentage_error",
    "binary_focal_crossentropy", "mse", "mae", "msle", "mape", "kld", "get", "serialize",
    "deserialize", "CategoricalFocalCrossentropy", "Dice", "Tversky",
    "categorical_focal_crossentropy", "dice", "tversky",
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


def _bce_elements(y_true, y_pred, from_logits):
    """Elementwise -(y log p + (1 - y) log(1 - p)): softplus(z) - y z for logits z (exact for
    any z), else with p clipped to [1e-7, 1 - 1e-7] as in Keras."""
    if from_logits:
        return _core.subtract(_softplus(y_pred), _core.multiply(y_true, y_pred))
    p = _core.clip_by_value(y_pred, EPSILON, 1.0 - EPSILON)
    one_minus_y = _core.subtract(1.0, y_true)
    return _core.negative(_core.add(
        _core.multiply(y_true, _core.log(p)),
        _core.multiply(one_minus_y, _core.log(_core.subtract(1.0, p)))))


def _smooth_binary(y_true, label_smoothing):
    """Binary targets pulled towards 0.5 by ``label_smoothing``, as Keras."""
    if not label_smoothing:
        return y_true
    return _core.add(_core.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)


@_named
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-(y log p + (1 - y) log(1 - p)), mean over ``axis``: one value per sample.

    With ``from_logits`` it is softplus(z) - y z, which is exact for any logit z.
    Without, p is clipped to [1e-7, 1 - 1e-7] as in Keras.
    """
    y_true, y_pred = _prepare(y_true, y_pred, "binary_crossentropy")
    y_true = _smooth_binary(y_true, label_smoothing)
    return _core.reduce_mean(_bce_elements(y_true, y_pred, from_logits), axis)


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
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Categorical cross-entropy with integer class labels instead of one-hot targets.

    ``axis`` is y_pred's class axis (the labels have y_pred's shape without it).
    ``ignore_class`` (an int, e.g. -1 or 255 for a "void" class): entries with that label
    give 0 and no gradient, as Keras (the Loss class also leaves them out of its mean).
    """
    return _sparse_ce(y_true, y_pred, from_logits, ignore_class, axis)[0]


def _sparse_ce(y_true, y_pred, from_logits, ignore_class, axis):
    """(per-entry losses, valid mask or None): sparse_categorical_crossentropy's work; the
    mask (a 0/1 tensor of the losses' shape) is what the SparseCategoricalCrossentropy class
    folds into its reduction when ``ignore_class`` is set, as Keras' loss mask."""
    op = "sparse_categorical_crossentropy"
    if isinstance(axis, bool) or not isinstance(axis, (int, _np.integer)):
        raise ValueError(f"{op}: `axis` must be an int, got axis={axis!r}")
    y_pred = _as_tensor(y_pred, None, f"{op}: y_pred")
    rank = y_pred.ndim
    if not -rank <= axis < rank:
        raise ValueError(f"{op}: axis={axis} is out of range for y_pred of rank {rank}")
    axis = int(axis) % rank
    depth = y_pred.shape[axis]
    if ignore_class is None and axis == rank - 1:
        onehot = _one_hot(y_true, depth, y_pred.dtype)
        return categorical_crossentropy(onehot, y_pred, from_logits=from_logits, axis=axis), None
    if ignore_class is not None and (isinstance(ignore_class, bool)
                                     or not isinstance(ignore_class, (int, _np.integer))):
        raise TypeError(f"{op}: `ignore_class` must be an int class id (or None), got "
                        f"ignore_class={ignore_class!r}")
    labels = _np.asarray(y_true.numpy() if isinstance(y_true, (_core.Tensor, _core.Variable))
                         else y_true)
    if labels.ndim == rank and labels.shape[axis] == 1:  # Keras squeezes a size-1 class axis
        labels = _np.squeeze(labels, axis)
    valid = None
    if ignore_class is not None:
        keep = labels != ignore_class
        labels = _np.where(keep, labels, 0)
        valid = _core._constant(keep.astype(y_pred.dtype.as_numpy_dtype), y_pred.dtype)
        keep_t = _core._constant(_np.ascontiguousarray(keep), None)
        # The ignored entries' predictions are replaced (uniform, so the loss stays finite)
        # and their losses set to 0: neither value nor gradient reaches y_pred there.
        y_pred = _core.where(_core.expand_dims(keep_t, axis), y_pred,
                             _core._fill((), 1.0, y_pred.dtype))
    onehot = _one_hot(labels, depth, y_pred.dtype)
    if axis != rank - 1:
        onehot = _core._constant(_np.ascontiguousarray(_np.moveaxis(onehot.numpy(), -1, axis)),
                                 y_pred.dtype)
    res = categorical_crossentropy(onehot, y_pred, from_logits=from_logits, axis=axis)
    if valid is not None:
        res = _core.where(keep_t, res, _core._fill((), 0.0, res.dtype))
    return res, valid


def _prepare_float(y_true, y_pred, op):
    """``_prepare`` for the losses whose formulas need floats: an integer or bool y_pred
    tensor is refused with a TypeError naming the loss (Keras would compute in integers)."""
    y_pred = _as_tensor(y_pred, None, f"{op}: y_pred")
    if not y_pred.dtype.is_floating:
        raise TypeError(f"{op}: y_pred must be a float32 or float64 tensor, got "
                        f"{'an' if y_pred.dtype.is_integer else 'a'} {y_pred.dtype.name} tensor "
                        f"of shape {tuple(y_pred.shape)}")
    return _prepare(y_true, y_pred, op)


@_named
def huber(y_true, y_pred, delta=1.0):
    """Per sample, the mean over the last axis of 0.5 e² where |e| <= delta, else
    delta |e| - 0.5 delta², with e = y_pred - y_true (Keras' ``huber``)."""
    y_true, y_pred = _prepare_float(y_true, y_pred, "huber")
    delta = float(delta)
    error = _core.subtract(y_pred, y_true)
    abs_error = _core.abs(error)
    quadratic = _core.multiply(_core.square(error), 0.5)
    linear = _core.subtract(_core.multiply(abs_error, delta), 0.5 * delta * delta)
    return _core.reduce_mean(_core.where(_core.less_equal(abs_error, delta), quadratic, linear), -1)


@_named
def log_cosh(y_true, y_pred):
    """Per sample, the mean over the last axis of log(cosh(y_pred - y_true)), computed as
    x + softplus(-2x) - log 2 so that large errors do not overflow (Keras' ``log_cosh``)."""
    y_true, y_pred = _prepare_float(y_true, y_pred, "log_cosh")
    x = _core.subtract(y_pred, y_true)
    per_elem = _core.subtract(_core.add(x, _softplus(_core.multiply(x, -2.0))), float(_np.log(2.0)))
    return _core.reduce_mean(per_elem, -1)


@_named
def kl_divergence(y_true, y_pred):
    """Per sample, sum(y_true log(y_true / y_pred)) over the last axis, both clipped to
    [1e-7, 1] first, as Keras' ``kl_divergence``."""
    y_true, y_pred = _prepare_float(y_true, y_pred, "kl_divergence")
    t = _core.clip_by_value(y_true, EPSILON, 1.0)
    p = _core.clip_by_value(y_pred, EPSILON, 1.0)
    return _core.reduce_sum(_core.multiply(t, _core.log(_core.divide(t, p))), -1)


@_named
def poisson(y_true, y_pred):
    """Per sample, the mean over the last axis of y_pred - y_true log(y_pred + 1e-7)
    (Keras' ``poisson``)."""
    y_true, y_pred = _prepare_float(y_true, y_pred, "poisson")
    return _core.reduce_mean(_core.subtract(
        y_pred, _core.multiply(y_true, _core.log(_core.add(y_pred, EPSILON)))), -1)


def _hinge_labels(y_true):
    """Keras' convert_binary_labels_to_hinge: labels that are all 0 or 1 become -1 / 1, any
    other labels (already -1 / 1) are kept."""
    is_binary = _core.reduce_all(_core.logical_or(_core.equal(y_true, 0.0),
                                                  _core.equal(y_true, 1.0)), None)
    return _core.where(is_binary, _core.subtract(_core.multiply(y_true, 2.0), 1.0), y_true)


def _hinge_margins(y_true, y_pred, op):
    """max(1 - y_true y_pred, 0) elementwise, 0/1 labels turned into -1/1 first."""
    y_true, y_pred = _prepare_float(y_true, y_pred, op)
    y_true = _hinge_labels(y_true)
    return _core.maximum(_core.subtract(1.0, _core.multiply(y_true, y_pred)), 0.0)


@_named
def hinge(y_true, y_pred):
    """Per sample, the mean over the last axis of max(1 - y_true y_pred, 0); labels are -1/1
    (0/1 labels are converted, as Keras' ``hinge``)."""
    return _core.reduce_mean(_hinge_margins(y_true, y_pred, "hinge"), -1)


@_named
def squared_hinge(y_true, y_pred):
    """Per sample, the mean over the last axis of max(1 - y_true y_pred, 0)² (0/1 labels
    converted to -1/1, as Keras' ``squared_hinge``)."""
    return _core.reduce_mean(_core.square(_hinge_margins(y_true, y_pred, "squared_hinge")), -1)


@_named
def categorical_hinge(y_true, y_pred):
    """Per sample, max(neg - pos + 1, 0) with pos = sum(y_true y_pred) and
    neg = max((1 - y_true) y_pred) over the last axis (Keras' ``categorical_hinge``, one-hot
    y_true)."""
    y_true, y_pred = _prepare_float(y_true, y_pred, "categorical_hinge")
    pos = _core.reduce_sum(_core.multiply(y_true, y_pred), -1)
    neg = _core.reduce_max(_core.multiply(_core.subtract(1.0, y_true), y_pred), -1)
    return _core.maximum(_core.add(_core.subtract(neg, pos), 1.0), 0.0)


def _l2_normalize(x, axis):
    """x / max(||x||, 1e-7) along ``axis`` (Keras' ``normalize``: x * min(rsqrt(sum x²), 1e7))."""
    ss = _core.reduce_sum(_core.square(x), axis, True)
    return _core.divide(x, _core.sqrt(_core.maximum(ss, EPSILON * EPSILON)))


@_named
def cosine_similarity(y_true, y_pred, axis=-1):
    """Per sample, the negative cosine similarity -sum(l2_normalize(y_true) *
    l2_normalize(y_pred)) over ``axis``: -1 for vectors pointing the same way, as Keras'
    loss (``keras.metrics.CosineSimilarity`` reports the cosine itself)."""
    y_true, y_pred = _prepare_float(y_true, y_pred, "cosine_similarity")
    return _core.negative(_core.reduce_sum(
        _core.multiply(_l2_normalize(y_true, axis), _l2_normalize(y_pred, axis)), axis))


@_named
def mean_squared_logarithmic_error(y_true, y_pred):
    """Per sample, the mean over the last axis of (log(max(y_pred, 1e-7) + 1) -
    log(max(y_true, 1e-7) + 1))² (Keras' ``mean_squared_logarithmic_error``)."""
    y_true, y_pred = _prepare_float(y_true, y_pred, "mean_squared_logarithmic_error")
    first = _core.log(_core.add(_core.maximum(y_pred, EPSILON), 1.0))
    second = _core.log(_core.add(_core.maximum(y_true, EPSILON), 1.0))
    return _core.reduce_mean(_core.square(_core.subtract(first, second)), -1)


@_named
def mean_absolute_percentage_error(y_true, y_pred):
    """Per sample, 100 times the mean over the last axis of |y_true - y_pred| /
    max(|y_true|, 1e-7) (Keras' ``mean_absolute_percentage_error``)."""
    y_true, y_pred = _prepare_float(y_true, y_pred, "mean_absolute_percentage_error")
    diff = _core.abs(_core.divide(_core.subtract(y_true, y_pred),
                                  _core.maximum(_core.abs(y_true), EPSILON)))
    return _core.multiply(_core.reduce_mean(diff, -1), 100.0)


@_named
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy times the focal factor (1 - p_t)^gamma, p_t = y p + (1 - y)(1 - p),
    mean over ``axis`` (Keras' ``binary_focal_crossentropy``). ``apply_class_balancing``
    also weights class 1 by ``alpha`` and class 0 by 1 - alpha. With ``from_logits`` p is
    sigmoid(y_pred) and the cross-entropy is computed from the logits (exact for any logit;
    Keras clips sigmoid(z) to [1e-7, 1 - 1e-7], which differs only beyond |z| ~ 16)."""
    y_true, y_pred = _prepare_float(y_true, y_pred, "binary_focal_crossentropy")
    y_true = _smooth_binary(y_true, label_smoothing)
    bce = _bce_elements(y_true, y_pred, from_logits)
    p = _core.sigmoid(y_pred) if from_logits else y_pred
    one_minus_y = _core.subtract(1.0, y_true)
    p_t = _core.add(_core.multiply(y_true, p), _core.multiply(one_minus_y, _core.subtract(1.0, p)))
    focal = _core.multiply(_core.pow(_core.subtract(1.0, p_t), float(gamma)), bce)
    if apply_class_balancing:
        weight = _core.add(_core.multiply(y_true, float(alpha)),
                           _core.multiply(one_minus_y, 1.0 - float(alpha)))
        focal = _core.multiply(weight, focal)
    return _core.reduce_mean(focal, axis)


def _check_axis_int(axis, op):
    if isinstance(axis, bool) or not isinstance(axis, (int, _np.integer)):
        raise ValueError(f"{op}: `axis` must be of type `int`. Received: axis={axis!r} of type "
                         f"{type(axis).__name__}")


@_named
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Per sample, sum over ``axis`` of alpha (1 - p)^gamma (-y log p): categorical
    cross-entropy with each class's term down-weighted where it is already predicted well
    (Keras' ``categorical_focal_crossentropy``, Lin et al. 2018). p is y_pred (softmax of
    it with ``from_logits``) renormalised to sum to 1 and clipped to [1e-7, 1 - 1e-7], as
    Keras; ``alpha`` is a number or one weight per class (a list as long as the last axis);
    ``label_smoothing`` mixes y_true with 1 / (size of the last axis), as Keras."""
    op = "categorical_focal_crossentropy"
    _check_axis_int(axis, op)
    y_true, y_pred = _prepare_float(y_true, y_pred, op)
    if y_pred.ndim and y_pred.shape[-1] == 1:
        import warnings
        warnings.warn(f"In loss {op}, expected y_pred.shape to be (batch_size, num_classes) "
                      f"with num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. "
                      "Consider using 'binary_crossentropy' if you only have 2 classes.",
                      SyntaxWarning, stacklevel=3)
    if label_smoothing:
        n = y_true.shape[-1]  # Keras: the last axis, whatever ``axis`` is
        y_true = _core.add(_core.multiply(y_true, 1.0 - float(label_smoothing)),
                           float(label_smoothing) / n)
    if isinstance(alpha, (list, tuple, _np.ndarray, _core.Tensor)):
        a = _as_tensor(alpha, y_pred.dtype, f"{op}: alpha")
        if a.ndim > 1 or (a.ndim == 1 and a.shape[0] not in (1, y_pred.shape[-1])):
            raise ValueError(f"{op}: `alpha` must be a number or one weight per class (a list "
                             f"of {y_pred.shape[-1]}, the size of y_pred's last axis); got "
                             f"{tuple(a.shape)} values for y_pred of shape {tuple(y_pred.shape)}")
    else:
        a = float(alpha)
    p = _core.softmax(y_pred, axis) if from_logits else y_pred
    p = _core.clip_by_value(_core.divide(p, _core.reduce_sum(p, axis, True)),
                            EPSILON, 1.0 - EPSILON)
    cce = _core.negative(_core.multiply(y_true, _core.log(p)))
    weight = _core.multiply(_core.pow(_core.subtract(1.0, p), float(gamma)), a)
    return _core.reduce_sum(_core.multiply(weight, cce), axis)


def _overlap_axis(axis, op):
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        for a in axis:
            _check_axis_int(a, op)
        return list(axis)
    _check_axis_int(axis, op)
    return axis


@_named
def dice(y_true, y_pred, axis=None):
    """1 - 2 sum(y_true y_pred) / (sum(y_true) + sum(y_pred) + 1e-7), the sums over ``axis``
    (None: every element, one value for the batch; a tuple such as (1, 2, 3): one value per
    sample), as Keras' ``dice``."""
    y_true, y_pred = _prepare_float(y_true, y_pred, "dice")
    axis = _overlap_axis(axis, "dice")
    inter = _core.reduce_sum(_core.multiply(y_true, y_pred), axis)
    total = _core.add(_core.add(_core.reduce_sum(y_true, axis), _core.reduce_sum(y_pred, axis)),
                      EPSILON)
    return _core.subtract(1.0, _core.divide(_core.multiply(inter, 2.0), total))


@_named
def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - I / (I + alpha a + beta b + 1e-7) with I = sum(y_true y_pred),
    a = sum((1 - y_pred) y_true) and b = sum(y_pred (1 - y_true)) over ``axis`` (Keras'
    ``tversky``, whose formula this follows term for term; alpha = beta = 0.5 is ``dice``)."""
    y_true, y_pred = _prepare_float(y_true, y_pred, "tversky")
    axis = _overlap_axis(axis, "tversky")
    inter = _core.reduce_sum(_core.multiply(y_true, y_pred), axis)
    a = _core.reduce_sum(_core.multiply(_core.subtract(1.0, y_pred), y_true), axis)
    b = _core.reduce_sum(_core.multiply(y_pred, _core.subtract(1.0, y_true)), axis)
    denom = _core.add(_core.add(_core.add(inter, _core.multiply(a, float(alpha))),
                                _core.multiply(b, float(beta))), EPSILON)
    return _core.subtract(1.0, _core.divide(inter, denom))


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
msle = MSLE = mean_squared_logarithmic_error
mape = MAPE = mean_absolute_percentage_error
kld = KLD = kl_divergence


# -- classes ------------------------------------------------------------------------------------
_REDUCTIONS = ("sum_over_batch_size", "sum", "none", "auto", "mean", "mean_with_sample_weight",
               None)


def _compute_dtype(dtype, owner):
    """Loss(dtype=...): None, or float32 / float64 given as a name, a tapegrad / numpy dtype
    or a dtype policy (its ``compute_dtype``)."""
    if dtype is None:
        return None
    from ..dtypes import as_dtype
    given = getattr(dtype, "compute_dtype", dtype)
    try:
        dt = as_dtype(given)
    except (TypeError, ValueError):
        dt = None
    if dt is None or not dt.is_floating:
        raise ValueError(f"{owner}: `dtype` must be a float dtype (float32 or float64, the "
                         f"dtypes tapegrad computes in), got dtype={dtype!r}")
    return dt


class Loss:
    """Base class: ``loss(y_true, y_pred, sample_weight=None)`` returns the reduced loss.

    Subclasses implement ``call(y_true, y_pred)`` returning one value per sample.
    ``reduction``: 'sum_over_batch_size' (default; 'auto' and 'mean' are the same) averages
    the per-sample losses (after weighting), 'sum' adds them, 'mean_with_sample_weight'
    divides their weighted sum by the sum of the sample weights (0 when that is 0; the plain
    mean without weights), 'none' (or None) returns them. ``dtype`` (float32 or float64):
    y_true and y_pred are cast to it first, as Keras; by default (None) the loss computes
    in y_pred's dtype.
    """

    _dtype = None  # for subclasses that do not call Loss.__init__

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None):
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: Invalid value for argument `reduction`. Expected one "
                f"of {list(_REDUCTIONS)}. Received: reduction={reduction!r}")
        if reduction in ("auto", "mean"):
            reduction = "sum_over_batch_size"
        self.reduction = "none" if reduction is None else reduction
        self.name = name or _snake(type(self).__name__)
        self._dtype = _compute_dtype(dtype, f"{type(self).__name__} {self.name!r}")

    @property
    def dtype(self):
        """The dtype name the inputs are cast to ('float32', 'float64'), or None when the
        loss computes in y_pred's dtype (the default; Keras' default is floatx, float32)."""
        return None if self._dtype is None else self._dtype.name

    def call(self, y_true, y_pred):
        """The per-sample losses (override in subclasses)."""
        raise NotImplementedError

    def _cast(self, y_true, y_pred):
        """y_true and y_pred as tensors of the loss's ``dtype`` (when one was given)."""
        dt = self._dtype
        if dt is None:
            return y_true, y_pred
        return (_as_tensor(y_true, dt, f"{self.name}: y_true"),
                _as_tensor(y_pred, dt, f"{self.name}: y_pred"))

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The loss of ``y_pred`` against ``y_true``, weighted and reduced."""
        if self._dtype is not None:
            y_true, y_pred = self._cast(y_true, y_pred)
        return self._reduce(self.call(y_true, y_pred), sample_weight)

    def _call_with_mask(self, y_true, y_pred, sample_weight, mask):
        """The loss with the predictions' padding ``mask`` (a model's output mask) folded into
        the sample weights, as Keras reads ``y_pred._keras_mask``."""
        if mask is None:
            return self(y_true, y_pred, sample_weight)
        dtype = self._dtype or (y_pred.dtype if isinstance(y_pred, _core.Tensor)
                                else _as_tensor(y_pred, None, f"{self.name}: y_pred").dtype)
        return self(y_true, y_pred, _apply_mask(sample_weight, mask, dtype, self.reduction))

    def _reduce(self, losses, sample_weight, mask=None):
        """Keras' reduce_weighted_values: ``mask`` (0/1, the losses' shape) and the sample
        weights multiply the losses, then ``reduction`` applies."""
        reduction = self.reduction
        if mask is not None:
            sample_weight = _apply_mask(sample_weight, mask, losses.dtype, reduction)
        w = None
        if sample_weight is not None:
            w = _as_tensor(sample_weight, losses.dtype, f"{self.name}: sample_weight")
            while w.ndim > losses.ndim and w.shape[-1] == 1:
                w = _core.squeeze(w, [-1])
            try:
                losses = _core.multiply(losses, w)
            except _InvalidArgumentError:
                raise _InvalidArgumentError(
                    f"{self.name}: sample_weight of shape {_shape_of(sample_weight)} does not "
                    f"match the per-sample losses of shape {tuple(losses.shape)}") from None
        if reduction == "none":
            return losses
        if reduction == "sum":
            return _core.reduce_sum(losses, None)
        if reduction == "mean_with_sample_weight" and w is not None and losses.ndim:
            total = _core.reduce_sum(w, None)
            zero = _core.equal(total, 0.0)
            safe = _core.where(zero, _core._fill((), 1.0, total.dtype), total)
            return _core.where(zero, _core._fill((), 0.0, total.dtype),
                               _core.divide(_core.reduce_sum(losses, None), safe))
        return _core.reduce_mean(losses, None)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        """A loss from ``get_config``'s dict (a wrapped function's config deserialized)."""
        from . import saving
        return saving._with_fn(cls, config)


def _apply_mask(sample_weight, mask, dtype, reduction):
    """Keras' apply_mask: the padding mask of the predictions (the model's output mask, 1 for
    a real step, 0 for padding) folded into the sample weights. Under the mean reduction
    the kept entries are scaled by total / valid, so that the mean over all the entries is
    the mean over the kept ones (an all-padding batch gives 0, as Keras' divide_no_nan).
    Per-sample weights of lower rank than the mask weigh every step of their sample."""
    if mask is None:
        return sample_weight
    m = _core.cast(mask, dtype) if mask.dtype != dtype else mask
    if reduction == "sum_over_batch_size":
        total = float(_np.prod(m.shape))
        valid = _core.maximum(_core.reduce_sum(m, None), 1e-30)  # 0 kept: m is all 0 anyway
        m = _core.multiply(m, _core.divide(total, valid))
    if sample_weight is None:
        return m
    w = _as_tensor(sample_weight, dtype, "loss: sample_weight")
    while w.ndim and w.ndim < m.ndim:
        w = _core.expand_dims(w, -1)
    return _core.multiply(m, w)


def _snake(name):
    """Keras' to_snake_case: 'MeanSquaredError' -> 'mean_squared_error', 'AUC' -> 'auc',
    'KLDivergence' -> 'kl_divergence' (runs of capitals stay one word)."""
    name = _re.sub(r"\W+", "", name)
    name = _re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return _re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


class MeanSquaredError(Loss):
    """Mean of (y_pred - y_true)²: per sample over the last axis, then over the batch."""

    def call(self, y_true, y_pred):
        """Per-sample mean squared error."""
        return mean_squared_error(y_true, y_pred)

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss; the default reduction is one mean over every element (3 ops),
        equal to the mean of the per-sample means since every sample has as many elements."""
        if sample_weight is None and self.reduction == "sum_over_batch_size" and self._dtype is None:
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
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(reduction, name, dtype)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis

    def call(self, y_true, y_pred):
        """Per-sample binary cross-entropy."""
        return binary_crossentropy(y_true, y_pred, self.from_logits, self.label_smoothing, self.axis)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(from_logits=self.from_logits, label_smoothing=self.label_smoothing,
                   axis=self.axis)
        return cfg


class CategoricalCrossentropy(Loss):
    """Cross-entropy for one-hot targets; ``from_logits=True`` for raw scores."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(reduction, name, dtype)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis

    def call(self, y_true, y_pred):
        """Per-sample categorical cross-entropy."""
        return categorical_crossentropy(y_true, y_pred, self.from_logits, self.label_smoothing,
                                        self.axis)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(from_logits=self.from_logits, label_smoothing=self.label_smoothing,
                   axis=self.axis)
        return cfg


class SparseCategoricalCrossentropy(Loss):
    """Cross-entropy for integer class labels; ``from_logits=True`` for raw scores.

    ``ignore_class`` (an int such as -1 or 255, a "void" label): those entries count for
    nothing, neither in the value nor in the gradient, and the default reduction is the mean
    over the other entries (Keras' loss mask). ``axis`` is y_pred's class axis.
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(reduction, name, dtype)
        if ignore_class is not None and (isinstance(ignore_class, bool)
                                         or not isinstance(ignore_class, (int, _np.integer))):
            raise TypeError(f"SparseCategoricalCrossentropy: `ignore_class` must be an int class "
                            f"id (or None), got ignore_class={ignore_class!r}")
        _check_axis_int(axis, "SparseCategoricalCrossentropy")
        self.from_logits = from_logits
        self.ignore_class = None if ignore_class is None else int(ignore_class)
        self.axis = int(axis)

    def call(self, y_true, y_pred):
        """Per-sample sparse categorical cross-entropy (0 where the label is ignore_class)."""
        return _named_sparse(y_true, y_pred, self.from_logits, self.ignore_class, self.axis)[0]

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The reduced loss; with ``ignore_class`` the ignored entries are masked out of it."""
        if self.ignore_class is None:
            return Loss.__call__(self, y_true, y_pred, sample_weight)
        return self._call_with_mask(y_true, y_pred, sample_weight, None)

    def _call_with_mask(self, y_true, y_pred, sample_weight, mask):
        if self.ignore_class is None:
            return Loss._call_with_mask(self, y_true, y_pred, sample_weight, mask)
        y_true, y_pred = self._cast(y_true, y_pred)
        losses, valid = _named_sparse(y_true, y_pred, self.from_logits, self.ignore_class,
                                      self.axis)
        if mask is not None:  # the model's output mask and the ignore_class mask, both
            m = _core.cast(mask, valid.dtype) if mask.dtype != valid.dtype else mask
            valid = _core.multiply(valid, m)
        return self._reduce(losses, sample_weight, valid)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config; ``axis`` only when it is
        not -1, which Keras leaves out)."""
        cfg = super().get_config()
        cfg.update(from_logits=self.from_logits, ignore_class=self.ignore_class)
        if self.axis != -1:
            cfg["axis"] = self.axis
        return cfg


def _named_sparse(y_true, y_pred, from_logits, ignore_class, axis):
    try:
        return _sparse_ce(y_true, y_pred, from_logits, ignore_class, axis)
    except _InvalidArgumentError as e:
        raise _mismatch("sparse_categorical_crossentropy", y_true, y_pred, e) from None


class LossFunctionWrapper(Loss):
    """A Loss from a per-sample function: ``call`` is ``fn(y_true, y_pred, **kwargs)``
    (Keras' ``LossFunctionWrapper``); ``get_config`` includes the keyword arguments."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(reduction, name or getattr(fn, "__name__", None), dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        """Per-sample losses of the wrapped function."""
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        """The constructor arguments, as a dict (the function's keyword arguments included;
        a LossFunctionWrapper itself also gives its function as ``fn``)."""
        cfg = super().get_config()
        if type(self) is LossFunctionWrapper:
            from . import saving
            cfg["fn"] = saving.serialize_keras_object(self.fn)
        cfg.update(self._fn_kwargs)
        return cfg


class Huber(LossFunctionWrapper):
    """Huber loss: quadratic for errors up to ``delta``, linear beyond (Keras' ``Huber``)."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, reduction, name, dtype, delta=float(delta))


class LogCosh(LossFunctionWrapper):
    """log(cosh(y_pred - y_true)): about e²/2 for small errors, |e| - log 2 for large ones."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction, name, dtype)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence of y_pred from y_true (both clipped to [1e-7, 1])."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction, name, dtype)


class Poisson(LossFunctionWrapper):
    """Poisson negative log-likelihood up to a constant: y_pred - y_true log(y_pred + 1e-7)."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction, name, dtype)


class Hinge(LossFunctionWrapper):
    """Hinge loss max(1 - y_true y_pred, 0) for -1/1 (or 0/1) labels."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction, name, dtype)


class SquaredHinge(LossFunctionWrapper):
    """Squared hinge loss max(1 - y_true y_pred, 0)² for -1/1 (or 0/1) labels."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction, name, dtype)


class CategoricalHinge(LossFunctionWrapper):
    """Categorical hinge loss max(neg - pos + 1, 0) for one-hot labels."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction, name, dtype)


class CosineSimilarity(LossFunctionWrapper):
    """The negative cosine similarity along ``axis`` (-1 when aligned, 1 when opposite)."""

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, reduction, name, dtype, axis=axis)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Mean of (log(1 + y_pred) - log(1 + y_true))² (both floored at 1e-7)."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction, name, dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7))."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction, name, dtype)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy down-weighting easy examples by (1 - p_t)^gamma (Lin et al.,
    2018); ``apply_class_balancing`` weights the classes by ``alpha`` / 1 - alpha."""

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, reduction, name, dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy with each class's term weighted by alpha (1 - p)^gamma, so
    that well-classified examples count less (Keras' ``CategoricalFocalCrossentropy``);
    ``alpha`` is a number or a list of one weight per class."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        _check_axis_int(axis, "CategoricalFocalCrossentropy")
        super().__init__(categorical_focal_crossentropy, reduction, name, dtype, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)
        self.alpha, self.gamma = alpha, gamma
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class Dice(LossFunctionWrapper):
    """Dice loss 1 - 2 sum(y_true y_pred) / (sum(y_true) + sum(y_pred)), the sums over
    ``axis`` (None: the whole batch at once, as Keras' default; (1, 2, 3) for one value per
    image of a segmentation batch)."""

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        _overlap_axis(axis, "Dice")
        super().__init__(dice, reduction, name, dtype, axis=axis)
        self.axis = axis


class Tversky(LossFunctionWrapper):
    """Tversky loss: Dice with the two kinds of error weighted by ``alpha`` and ``beta``
    (Salehi et al., 2017; Keras' ``Tversky``, alpha = beta = 0.5 being Dice)."""

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        _overlap_axis(axis, "Tversky")
        super().__init__(tversky, reduction, name, dtype, alpha=alpha, beta=beta, axis=axis)
        self.alpha, self.beta, self.axis = alpha, beta, axis


_BY_NAME = {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    # Keras 3's aliases, and the names of the losses below
    "MSE": MeanSquaredError, "MAE": MeanAbsoluteError,
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "huber": Huber, "log_cosh": LogCosh,
    "kl_divergence": KLDivergence, "kld": KLDivergence, "KLD": KLDivergence,
    "KLDivergence": KLDivergence,
    "poisson": Poisson, "hinge": Hinge, "squared_hinge": SquaredHinge,
    "categorical_hinge": CategoricalHinge, "cosine_similarity": CosineSimilarity,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "binary_focal_crossentropy": BinaryFocalCrossentropy,
    "categorical_focal_crossentropy": CategoricalFocalCrossentropy,
    "dice": Dice, "tversky": Tversky,
}

# keras.losses.get's table (Keras 3's ALL_OBJECTS_DICT): class names give a new instance,
# function names and the short aliases give the per-sample function.
_CLASSES = {c.__name__: c for c in set(_BY_NAME.values())}
_CLASSES["Loss"] = Loss
_FUNCTIONS = {f.__name__: f for f in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, huber, log_cosh, hinge, squared_hinge,
    categorical_hinge, kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, sparse_categorical_crossentropy,
    dice, tversky)}
_FUNCTIONS.update(bce=binary_crossentropy, BCE=binary_crossentropy, kld=kl_divergence,
                  KLD=kl_divergence, mae=mean_absolute_error, MAE=mean_absolute_error,
                  mse=mean_squared_error, MSE=mean_squared_error,
                  mape=mean_absolute_percentage_error, MAPE=mean_absolute_percentage_error,
                  msle=mean_squared_logarithmic_error, MSLE=mean_squared_logarithmic_error)


def get(identifier):
    """A loss from an identifier, as ``keras.losses.get``: a function name or alias ('mse',
    'mae', 'binary_crossentropy', 'huber', 'kld', ...) gives the per-sample function
    (``get('mse')(y, p)`` has one value per sample); a class name ('MeanSquaredError',
    'Huber', ...) a new instance; a custom name from ``custom_objects`` / the registry its
    object; a config dict (``serialize``'s) the object it describes; None gives None; a Loss
    instance or any callable ``f(y_true, y_pred)`` is returned as it is.
    ``compile(loss='mse')`` still uses the Loss class (``MeanSquaredError()``)."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        from . import saving
        found = saving.get_registered_object(identifier)
        if found is not None:
            return found() if isinstance(found, type) else found
        raise ValueError(f"Could not interpret loss identifier: {identifier!r}")
    if isinstance(identifier, dict) and "class_name" in identifier:
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


def _get_instance(identifier):
    """compile's loss lookup: a name gives a new instance of its Loss class ('mse' ->
    ``MeanSquaredError()``, 'binary_crossentropy' -> ``BinaryCrossentropy()``: one fused
    reduction, and fit's one-hot fast path for SparseCategoricalCrossentropy); anything
    else as ``get``."""
    if isinstance(identifier, str):
        key = identifier if identifier in _BY_NAME else _snake(identifier)
        if key in _BY_NAME:
            return _BY_NAME[key]()
    return get(identifier)


def serialize(loss):
    """``{'module', 'class_name', 'config', 'registered_name'}`` for a Loss (a function by
    module and name), as ``keras.losses.serialize``."""
    from . import saving
    return saving.serialize_keras_object(loss)


def deserialize(config, custom_objects=None):
    """The loss ``serialize`` described (custom ones from ``custom_objects`` / the
    registry)."""
    from . import saving
    table = dict(_CLASSES)
    table["LossFunctionWrapper"] = LossFunctionWrapper
    loss = saving.deserialize_keras_object(config, custom_objects, module_objects=table)
    if not callable(loss):
        raise ValueError(f"Could not interpret loss identifier: {config!r}")
    return loss
