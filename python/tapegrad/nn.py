"""tapegrad.nn: activations, the fused dense layer op, convolutions and pooling (_conv.py), and
tf.nn's losses and bias_add."""

from ._core import relu, sigmoid, tanh, softmax, log_softmax, relu_grad  # noqa: F401
from . import _core
from ._array_ops import top_k  # noqa: F401 (tf.nn.top_k)
from ._conv import conv1d, conv2d, conv2d_transpose, depthwise_conv2d, separable_conv2d, max_pool, \
    max_pool1d, max_pool2d, avg_pool, avg_pool1d, avg_pool2d  # noqa: F401 (tf.nn names)
from ._conv3d import conv3d, conv3d_transpose, max_pool3d, avg_pool3d, conv1d_transpose, \
    conv_transpose, convolution, pool, max_pool_with_argmax, dilation2d, erosion2d, atrous_conv2d, \
    atrous_conv2d_transpose  # noqa: F401 (tf.nn names)
from ._convert import as_tensor, one_hot_labels
from ._misc_ops import space_to_depth, depth_to_space  # noqa: F401 (tf.nn names)
from ._segment_ops import in_top_k  # noqa: F401 (tf.nn.in_top_k)
import numpy as np
from .errors import InvalidArgumentError


def linear(x, kernel, bias=None, activation=None):
    """``activation(x @ kernel + bias)`` as ONE op (one GEMM pass with a fused epilogue).

    ``activation`` is None, 'relu', 'sigmoid' or 'tanh' (fused), or any callable/'softmax'
    (applied after the fused op). ``x`` is [..., in], ``kernel`` [in, units], ``bias`` [units].
    """
    if activation is None or activation in ("relu", "sigmoid", "tanh", "linear"):
        return _core.linear(x, kernel, bias, activation)
    y = _core.linear(x, kernel, bias, None)
    if activation == "softmax":
        return softmax(y)
    if callable(activation):
        return activation(y)
    raise ValueError(f"linear: unknown activation {activation!r}")


def softsign(features, name=None):
    """``x / (1 + |x|)`` (``tapegrad.math.softsign``), as ``tf.nn.softsign``."""
    from .math import softsign as _softsign
    return _softsign(features)


def softplus(features, name=None):
    """``log(1 + exp(features))`` (``tapegrad.math.softplus``), as ``tf.nn.softplus``."""
    from .math import softplus as _softplus
    return _softplus(features)


def leaky_relu(features, alpha=0.2, name=None):
    """``features`` where positive, ``alpha * features`` elsewhere, as ``tf.nn.leaky_relu``
    (NaN stays NaN).

    The gradient is 1 where ``features > 0`` and ``alpha`` elsewhere (at 0 and NaN too, as
    TF's); the positive branch goes through ``relu_grad``, so the second derivative is zeros
    (not None), as TF's, and every order exists.
    """
    x = _features(features, "leaky_relu")
    return _core.leaky_relu(x, float(alpha))  # one pass; csrc/ops/leaky_relu.cc


def _features(features, op):
    from .math import _float
    return _float(features, op, "features")


def relu6(features, name=None):
    """``min(max(features, 0), 6)``, as ``tf.nn.relu6`` (NaN stays NaN, inf gives 6): gradient
    1 strictly between 0 and 6, 0 elsewhere (at 0, 6 and NaN too, as TF's); the second
    derivative is zeros, as TF's. int32 / int64 features too (no gradient), as TF."""
    from .math import _value
    x = _value(features, "relu6", "features")
    if not x.dtype.is_integer:
        x = _features(x, "relu6")
    return _core.where(_core.greater_equal(x, 6), _core._constant(6, x.dtype), relu(x))


def elu(features, alpha=1.0, name=None):
    """``features`` where not negative (NaN stays NaN), ``alpha * (exp(features) - 1)`` where
    negative, as ``tf.nn.elu`` (``alpha`` as Keras's ELU; TF's tf.nn.elu has alpha 1). Computed
    with ``expm1`` on the negative part only, so a large input can't overflow into a NaN
    gradient; gradient 1 where ``features >= 0`` (0 included, as TF's) and ``alpha *
    exp(features)`` below, of every order."""
    from .math import expm1
    x = _features(features, "elu")
    neg_part = relu_grad(x, _core.negative(x))  # x where x < 0, else 0 (NaN too)
    return _core.where(_core.less(x, 0.0), _core.multiply(expm1(neg_part), float(alpha)), x)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(features, name=None):
    """``scale * elu(features, alpha)`` with the self-normalizing constants, as ``tf.nn.selu``."""
    return _core.multiply(elu(_features(features, "selu"), _SELU_ALPHA), _SELU_SCALE)


def silu(features, beta=1.0, name=None):
    """``features * sigmoid(beta * features)``, as ``tf.nn.silu`` / ``tf.nn.swish``."""
    x = _features(features, "silu")
    return _core.multiply(x, sigmoid(x if beta == 1.0 else _core.multiply(x, float(beta))))


swish = silu

_SQRT_2_OVER_PI = 0.7978845608028654


def gelu(features, approximate=False, name=None):
    """Gaussian error linear unit, as ``tf.nn.gelu``: ``x * P(X <= x)`` for a standard normal
    X, i.e. ``0.5 x (1 + erf(x / sqrt(2)))``; with ``approximate=True`` the tanh form
    ``0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))``. Both differentiate to every order."""
    x = _features(features, "gelu")
    if approximate:
        inner = _core.multiply(_core.add(x, _core.multiply(_core.pow(x, 3.0), 0.044715)), _SQRT_2_OVER_PI)
        return _core.multiply(_core.multiply(x, 0.5), _core.add(_core.tanh(inner), 1.0))
    return _core.multiply(_core.multiply(x, 0.5), _core.add(_core.erf(_core.multiply(x, 0.7071067811865476)), 1.0))


def moments(x, axes, shift=None, keepdims=False, name=None):
    """``(mean, variance)`` of ``x`` over ``axes``, as ``tf.nn.moments`` (the variance about a
    stop_gradient-ed mean, as TF computes it; the gradients are the same)."""
    from .math import squared_difference
    t = _features(x, "moments")
    axes = list(axes) if isinstance(axes, (list, tuple)) else [axes]
    mean = _core.reduce_mean(t, axes, True)
    var = _core.reduce_mean(squared_difference(t, _core.stop_gradient(mean)), axes, True)
    if not keepdims:
        mean = _core.squeeze(mean, axes)
        var = _core.squeeze(var, axes)
    return mean, var


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """``x / sqrt(max(sum(x**2, axis), epsilon))``, as ``tf.nn.l2_normalize``."""
    from .math import l2_normalize as _l2n
    return _l2n(x, axis, epsilon, dim=dim)


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Training-time dropout, as ``tf.nn.dropout``: each element is kept with probability
    ``1 - rate`` and scaled by ``1 / (1 - rate)``, or set to 0. ``noise_shape`` (broadcastable
    to x's shape) shares one draw along its size-1 axes; ``seed`` as ``random.uniform``'s. The
    gradient is the same mask and scale. ``rate`` must be in [0, 1)."""
    from . import random as _random
    t = _features(x, "dropout")
    rate = float(rate)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout: rate must be a scalar tensor or a float in the range [0, 1), got {rate}")
    if rate == 0.0:
        return _core.identity(t)
    shape = list(t.shape) if noise_shape is None else [int(d) for d in noise_shape]
    keep = _core.greater_equal(_random.uniform(shape, dtype=t.dtype, seed=seed), rate)
    scale = _core.cast(keep, t.dtype) * (1.0 / (1.0 - rate))
    return _core.multiply(t, scale)


def _same_shape_pair(labels, logits, op):
    """(labels, logits) as tensors of the logits' dtype; InvalidArgumentError unless their
    shapes are equal (TF's cross-entropies do not broadcast)."""
    logits = as_tensor(logits, None, f"{op}: logits")
    labels = as_tensor(labels, logits.dtype, f"{op}: labels")
    if labels.shape != logits.shape:
        raise InvalidArgumentError(
            f"{op}: labels and logits must have the same shape, got labels {list(labels.shape)} "
            f"and logits {list(logits.shape)}")
    return labels, logits


def softmax_cross_entropy_with_logits(labels, logits, axis=-1, name=None):
    """``-sum(labels * log_softmax(logits), axis)``: one value per example, as
    ``tf.nn.softmax_cross_entropy_with_logits``.

    ``labels`` are probabilities (one-hot or soft) of the logits' shape; computed from
    ``log_softmax``, so large logits neither overflow nor lose their gradient. Differentiable
    in ``logits`` and in ``labels``.
    """
    labels, logits = _same_shape_pair(labels, logits, "softmax_cross_entropy_with_logits")
    return _core.negative(_core.reduce_sum(_core.multiply(labels, log_softmax(logits, axis)), axis))


def sparse_softmax_cross_entropy_with_logits(labels, logits, name=None):
    """The softmax cross-entropy with integer class ``labels`` (shape: the logits' without the
    last axis, values in ``[0, num_classes)``), as ``tf.nn.sparse_softmax_cross_entropy_with_logits``.

    One value per example; differentiable in ``logits``. A label out of range raises
    InvalidArgumentError, as TF does on the CPU.
    """
    op = "sparse_softmax_cross_entropy_with_logits"
    logits = as_tensor(logits, None, f"{op}: logits")
    if logits.ndim < 1:
        raise InvalidArgumentError(f"{op}: logits must have rank >= 1, got a scalar")
    onehot = one_hot_labels(labels, logits.shape[-1], logits.dtype, op, batch_shape=logits.shape[:-1])
    return _core.negative(_core.reduce_sum(_core.multiply(onehot, log_softmax(logits, -1)), -1))


def sigmoid_cross_entropy_with_logits(labels=None, logits=None, name=None):
    """Elementwise ``-(labels log sigmoid(logits) + (1 - labels) log(1 - sigmoid(logits)))``, as
    ``tf.nn.sigmoid_cross_entropy_with_logits``: computed as softplus(logits) - labels * logits,
    exact for any logit. ``labels`` in [0, 1], the logits' shape."""
    from .math import softplus as _softplus
    labels, logits = _same_shape_pair(labels, logits, "sigmoid_cross_entropy_with_logits")
    return _core.subtract(_softplus(logits), _core.multiply(labels, logits))


def l2_loss(t, name=None):
    """``sum(t ** 2) / 2`` as a scalar, as ``tf.nn.l2_loss`` (weight decay terms)."""
    from .math import _float
    t = _float(t, "l2_loss", "t")
    return _core.multiply(_core.reduce_sum(_core.square(t)), 0.5)


def bias_add(value, bias, data_format=None, name=None):
    """``value + bias`` with a 1-D ``bias`` added along the last axis, as ``tf.nn.bias_add``
    (data_format None or 'N...C'; 'NC...' layouts are not supported). ``value`` has rank >= 2
    and its last dimension equals ``bias``'s length, else InvalidArgumentError."""
    if data_format not in (None, "NHWC", "NWC", "NDHWC", "N...C"):
        raise ValueError(f"bias_add: data_format {data_format!r} is not supported (only the "
                         "channels-last layouts)")
    from .math import _value
    value = _value(value, "bias_add", "value")  # integer tensors stay integers, as TF
    bias = as_tensor(bias, value.dtype, "bias_add: bias")
    if bias.ndim != 1:
        raise InvalidArgumentError(f"bias_add: bias must be 1-D, got shape {list(bias.shape)}")
    if value.ndim < 2:
        raise InvalidArgumentError(
            f"bias_add: value must have rank >= 2, got shape {list(value.shape)}")
    if value.shape[-1] != bias.shape[0]:
        raise InvalidArgumentError(
            f"bias_add: the last dimension of value {list(value.shape)} must equal the length "
            f"of bias {list(bias.shape)}")
    return _core.add(value, bias)


def embedding_lookup(params, ids, max_norm=None, name=None):
    """The rows of ``params`` at ``ids`` (any shape of int ids), as ``tf.nn.embedding_lookup``:
    ``gather(params, ids)``, shape ``ids.shape + params.shape[1:]``. ``params`` may be a list of
    shards, concatenated along axis 0 in order (TF 2's 'div' partitioning). Ids out of range
    are an InvalidArgumentError. Differentiable in ``params`` (a dense gradient).
    ``max_norm`` is not supported (NotImplementedError)."""
    if max_norm is not None:
        raise NotImplementedError("embedding_lookup: max_norm is not supported")
    from .math import _value
    if isinstance(params, (list, tuple)):
        if not params:
            raise ValueError("embedding_lookup: params must not be an empty list")
        shards = [_value(p, "embedding_lookup", "params") for p in params]
        table = shards[0] if len(shards) == 1 else _core.concat(shards, 0)
    else:
        table = _value(params, "embedding_lookup", "params")
    if table.ndim < 1:
        raise InvalidArgumentError("embedding_lookup: params must have rank >= 1, got a scalar")
    from ._segment_ops import _int_array
    idx = _int_array(ids, "embedding_lookup", "ids")
    n = table.shape[0]
    bad = (idx < 0) | (idx >= n)
    if bad.any():
        j = int(np.flatnonzero(bad.reshape(-1))[0])
        raise InvalidArgumentError(f"embedding_lookup: ids[{j}] = {int(idx.reshape(-1)[j])} is not in [0, {n})")
    return _core.gather(table, _core._constant(np.ascontiguousarray(idx), None), 0)


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """``scale * (x - mean) / sqrt(variance + variance_epsilon) + offset``, as
    ``tf.nn.batch_normalization`` (``offset`` and ``scale`` may be None; all broadcast against
    x). Computed as TF does, ``x * inv + (offset - mean * inv)`` with ``inv = scale *
    rsqrt(variance + eps)``. Differentiable in every tensor."""
    from .math import _float, rsqrt
    op = "batch_normalization"
    t = _float(x, op, "x", True)
    m = as_tensor(mean, t.dtype, f"{op}: mean")
    v = as_tensor(variance, t.dtype, f"{op}: variance")
    inv = rsqrt(_core.add(v, _core._constant(float(variance_epsilon), t.dtype)))
    if scale is not None:
        inv = _core.multiply(inv, as_tensor(scale, t.dtype, f"{op}: scale"))
    shift = _core.negative(_core.multiply(m, inv))
    if offset is not None:
        shift = _core.add(as_tensor(offset, t.dtype, f"{op}: offset"), shift)
    return _core.add(_core.multiply(t, inv), shift)


def weighted_cross_entropy_with_logits(labels, logits, pos_weight, name=None):
    """The sigmoid cross-entropy with the positive term weighted by ``pos_weight``, as
    ``tf.nn.weighted_cross_entropy_with_logits``: ``-(pos_weight * labels * log(sigmoid(x)) +
    (1 - labels) * log(1 - sigmoid(x)))``, computed stably as TF does: ``(1 - z) * x + (1 +
    (q - 1) * z) * (log1p(exp(-|x|)) + relu(-x))``. Elementwise; differentiable."""
    from .math import log1p
    op = "weighted_cross_entropy_with_logits"
    z, x = _same_shape_pair(labels, logits, op)
    q = as_tensor(pos_weight, x.dtype, f"{op}: pos_weight")
    one = _core._constant(1.0, x.dtype)
    log_weight = _core.add(one, _core.multiply(_core.subtract(q, one), z))
    soft = _core.add(log1p(_core.exp(_core.negative(_core.abs(x)))), relu(_core.negative(x)))
    return _core.add(_core.multiply(_core.subtract(one, z), x), _core.multiply(log_weight, soft))


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """The Poisson negative log-likelihood ``exp(log_input) - targets * log_input``, as
    ``tf.nn.log_poisson_loss``; with ``compute_full_loss`` the Stirling term ``t log t - t +
    0.5 log(2 pi t)`` is added where ``targets > 1``. Elementwise; differentiable."""
    op = "log_poisson_loss"
    t, c = _same_shape_pair(targets, log_input, op)
    loss = _core.subtract(_core.exp(c), _core.multiply(c, t))
    if compute_full_loss:
        one = _core._constant(1.0, c.dtype)
        big = _core.greater(t, 1.0)
        safe = _core.where(big, t, one)  # no log of t <= 0 (its gradient would be NaN)
        stirling = _core.add(_core.subtract(_core.multiply(safe, _core.log(safe)), safe),
                             _core.multiply(_core.log(_core.multiply(safe, 2 * np.pi)), 0.5))
        loss = _core.add(loss, _core.where(big, stirling, _core._constant(0.0, c.dtype)))
    return loss


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """``sum(per_example_loss * sample_weight) / global_batch_size``, as
    ``tf.nn.compute_average_loss`` (one replica: ``global_batch_size`` defaults to the first
    dimension of ``per_example_loss``; ``sample_weight`` broadcasts against it). A positive
    ``global_batch_size`` is required (ValueError). Differentiable."""
    from .math import _float
    op = "compute_average_loss"
    loss = _float(per_example_loss, op, "per_example_loss", True)
    if loss.ndim == 0:
        raise ValueError("compute_average_loss: per_example_loss must have rank >= 1, got a scalar")
    if sample_weight is not None:
        w = as_tensor(sample_weight, loss.dtype, f"{op}: sample_weight")
        loss = _core.multiply(loss, w)
    if global_batch_size is None:
        global_batch_size = loss.shape[0]
    else:
        from ._segment_ops import _count
        global_batch_size = _count(global_batch_size, op, "global_batch_size")
    if global_batch_size <= 0 and loss.shape[0] != 0:
        raise ValueError(f"compute_average_loss: global_batch_size must be positive, got {global_batch_size}")
    total = _core.reduce_sum(loss)
    if global_batch_size <= 0:  # an empty batch: 0, not 0/0
        return _core.multiply(total, 0.0)
    return _core.divide(total, _core._constant(float(global_batch_size), loss.dtype))


def scale_regularization_loss(regularization_loss, name=None):
    """The regularization loss summed (a list is added up), divided by the number of replicas
    (1: tapegrad runs one), as ``tf.nn.scale_regularization_loss``."""
    from .math import _float, add_n
    op = "scale_regularization_loss"
    if isinstance(regularization_loss, (list, tuple)):
        regularization_loss = add_n([_float(t, op, "regularization_loss", True) for t in regularization_loss])
    return _core.reduce_sum(_float(regularization_loss, op, "regularization_loss", True))


def crelu(features, axis=-1, name=None):
    """``concat([relu(x), relu(-x)], axis)``, as ``tf.nn.crelu`` (doubles that dimension)."""
    x = _features(features, "crelu")
    if x.ndim == 0 or isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or \
            not -x.ndim <= int(axis) < x.ndim:
        raise InvalidArgumentError(f"crelu: axis {axis!r} is out of range for a tensor of rank {x.ndim}")
    return _core.concat([relu(x), relu(_core.negative(x))], int(axis))


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """``(mean, variance)`` from sufficient statistics, as ``tf.nn.normalize_moments``:
    ``mean = mean_ss / counts + shift``, ``variance = variance_ss / counts - (mean_ss /
    counts)**2`` (``shift`` may be None). Differentiable."""
    from .math import _float
    op = "normalize_moments"
    m = _float(mean_ss, op, "mean_ss", True)
    v = as_tensor(variance_ss, m.dtype, f"{op}: variance_ss")
    c = as_tensor(counts, m.dtype, f"{op}: counts")
    divisor = _core.divide(_core._constant(1.0, m.dtype), c)
    shifted_mean = _core.multiply(m, divisor)
    mean = shifted_mean if shift is None else _core.add(shifted_mean, as_tensor(shift, m.dtype, f"{op}: shift"))
    variance = _core.subtract(_core.multiply(v, divisor), _core.square(shifted_mean))
    return mean, variance


def weighted_moments(x, axes, frequency_weights, keepdims=False, name=None):
    """``(mean, variance)`` of ``x`` over ``axes`` with each entry counted ``frequency_weights``
    times (broadcast against x), as ``tf.nn.weighted_moments``: ``mean = sum(w x) / sum(w)``,
    ``variance = sum(w (x - mean)**2) / sum(w)``, 0 where the weights sum to 0 (TF's
    ``div_no_nan``). Differentiable in x and the weights."""
    from .math import divide_no_nan, squared_difference
    op = "weighted_moments"
    t = _features(x, op)
    w = as_tensor(frequency_weights, t.dtype, f"{op}: frequency_weights")
    axes = list(axes) if isinstance(axes, (list, tuple)) else [axes]
    weighted_sum = _core.reduce_sum(_core.multiply(w, t), axes, True)
    total = _core.reduce_sum(_core.add(w, _core.multiply(t, 0.0)), axes, True)  # w broadcast to x
    mean = divide_no_nan(weighted_sum, total)
    var = divide_no_nan(_core.reduce_sum(_core.multiply(w, squared_difference(t, mean)), axes, True), total)
    if not keepdims:
        mean, var = _core.squeeze(mean, axes), _core.squeeze(var, axes)
    return mean, var


def sufficient_statistics(x, axes, shift=None, keepdims=False, name=None):
    """``(count, mean_ss, variance_ss, shift)``, as ``tf.nn.sufficient_statistics``: the number
    of entries reduced (a scalar of x's dtype), ``sum(x - shift)`` and ``sum((x - shift)**2)``
    over ``axes`` (``x`` and ``x**2`` without a shift), and the shift. ``normalize_moments``
    turns them into a mean and a variance."""
    from .math import squared_difference
    op = "sufficient_statistics"
    t = _features(x, op)
    axes = list(axes) if isinstance(axes, (list, tuple)) else [axes]
    count = 1
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or not -t.ndim <= int(a) < t.ndim:
            raise InvalidArgumentError(f"{op}: axis {a!r} is out of range for x of shape {list(t.shape)}")
        count *= t.shape[int(a)]
    counts = _core._constant(np.asarray(count, dtype=t.dtype.as_numpy_dtype), t.dtype)
    if shift is not None:
        shift = as_tensor(shift, t.dtype, f"{op}: shift")
        m, v = _core.subtract(t, shift), squared_difference(t, shift)
    else:
        m, v = t, _core.square(t)
    return counts, _core.reduce_sum(m, axes, keepdims), _core.reduce_sum(v, axes, keepdims), shift


def local_response_normalization(input, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5, name=None):  # noqa: A002
    """Local response normalization across channels, as ``tf.nn.local_response_normalization``
    (``tf.nn.lrn``): ``input / (bias + alpha * sqr_sum) ** beta`` with ``sqr_sum[b, y, x, d]``
    the sum of ``input[b, y, x, d - depth_radius : d + depth_radius + 1] ** 2``. ``input`` is
    4-D; the window sums are one GEMM with a band matrix of ones (as TF's CPU kernel), so the
    gradient (TF's LRNGrad) and its derivatives are those of recorded ops."""
    from .math import _float
    op = "local_response_normalization"
    t = _float(input, op, "input", True)
    if t.ndim != 4:
        raise InvalidArgumentError(f"{op}: input must be 4-D [batch, height, width, channels], got "
                                   f"shape {list(t.shape)}")
    if isinstance(depth_radius, bool) or not isinstance(depth_radius, (int, np.integer)):
        raise TypeError(f"{op}: depth_radius must be an int, got {depth_radius!r}")
    if not 0 <= depth_radius < 2 ** 31 - 1:
        raise InvalidArgumentError(f"{op}: depth_radius must be in [0, 2**31 - 1), got {depth_radius}")
    try:
        bias, alpha, beta = float(bias), float(alpha), float(beta)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: bias, alpha and beta must be floats, got {bias!r}, {alpha!r}, {beta!r}") from None
    c = t.shape[3]
    idx = np.arange(c)
    band = (np.abs(idx[:, None] - idx[None, :]) <= depth_radius).astype(t.dtype.as_numpy_dtype)
    sqr_sum = _core.matmul(_core.reshape(_core.square(t), [-1, c]), _core._constant(band, t.dtype))
    scale = _core.add(_core.multiply(_core.reshape(sqr_sum, list(t.shape)), alpha), bias)
    return _core.multiply(t, _core.pow(scale, -beta))


lrn = local_response_normalization


__all__ = ["top_k", "relu", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "relu_grad", "leaky_relu", "softplus", "softsign",
           "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
           "sigmoid_cross_entropy_with_logits", "l2_loss", "bias_add", "relu6", "elu", "selu", "silu",
           "swish", "gelu", "moments", "l2_normalize", "dropout", "conv1d", "conv2d", "conv2d_transpose",
           "depthwise_conv2d", "separable_conv2d",
           "max_pool", "max_pool1d", "max_pool2d", "avg_pool", "avg_pool1d", "avg_pool2d",
           "embedding_lookup", "batch_normalization", "weighted_cross_entropy_with_logits",
           "log_poisson_loss", "compute_average_loss", "scale_regularization_loss", "crelu",
           "normalize_moments", "space_to_depth", "depth_to_space", "in_top_k"]
__all__ += ["conv3d", "conv3d_transpose", "max_pool3d", "avg_pool3d", "conv1d_transpose",
            "conv_transpose", "convolution", "pool", "max_pool_with_argmax", "dilation2d", "erosion2d",
            "atrous_conv2d", "atrous_conv2d_transpose", "local_response_normalization", "lrn",
            "weighted_moments", "sufficient_statistics"]
from ._compat_ops import zero_fraction, space_to_batch  # noqa: E402,F401 (tf.nn names)
__all__ += ["zero_fraction", "space_to_batch"]
from .sparse import embedding_lookup_sparse, safe_embedding_lookup_sparse  # noqa: E402,F401
__all__ += ["embedding_lookup_sparse", "safe_embedding_lookup_sparse"]


# -- session 24: approx_max_k/min_k, isotonic_regression, batch_norm_with_global_normalization,
#    CTC helpers (collapse_repeated, ctc_unique_labels, ctc_greedy_decoder), depthwise backprops,
#    fractional pooling ---------------------------------------------------------------------------

from .math import approx_max_k, approx_min_k  # noqa: E402,F401 (tf.nn names)


def _error(name):
    """errors.<name> if tapegrad.errors has it, else InvalidArgumentError."""
    from . import errors
    return getattr(errors, name, InvalidArgumentError)


def _pav_decreasing(row):
    """Pool-adjacent-violators for a non-increasing fit of one float64 row: the segment id of
    each element (blocks numbered from 0). A block merges into the previous one only when the previous mean is
    strictly below its own (TF's kernel: equal neighbours stay separate; NaN never merges)."""
    sums, counts = [], []
    for v in row:
        s, c = float(v), 1
        while sums and sums[-1] / counts[-1] < s / c:
            s += sums.pop()
            c += counts.pop()
        sums.append(s)
        counts.append(c)
    counts = np.asarray(counts, dtype=np.int64)
    seg = np.repeat(np.arange(len(counts)), counts)
    return seg


def isotonic_regression(inputs, decreasing=True, axis=-1):
    """The least-squares non-increasing (``decreasing=True``) or non-decreasing fit of each 1-D
    slice of ``inputs`` along ``axis``, as ``tf.nn.isotonic_regression``: an
    ``IsotonicRegression(output, segments)`` named tuple; ``segments`` (int32, inputs' shape)
    numbers the pooled blocks of each slice from 0, and ``output`` is each block's mean.

    float32 stays float32; integer inputs give float64 (TF's output dtype). Differentiable in
    float ``inputs``: the output is ``gather(segment_mean(x))``, so the gradient is the
    upstream gradient averaged over each block (TF's IsotonicRegression gradient), and every
    order exists (the blocks held fixed)."""
    from .math import _value
    from ._segment_ops import _ids_tensor
    op = "isotonic_regression"
    x = _value(inputs, op, "inputs")
    if x.dtype.name == "bool":
        raise TypeError(f"{op}: inputs must be a number tensor, got bool")
    if not x.dtype.is_floating:
        x = _core.cast(x, "float64")
    nd = x.ndim
    if nd == 0:
        ax = None
        moved = _core.reshape(x, [1, 1])
    else:
        ax = int(axis)
        if not -nd <= ax < nd:
            raise InvalidArgumentError(f"{op}: axis {axis} is out of range for a rank-{nd} tensor")
        ax %= nd
        perm = [i for i in range(nd) if i != ax] + [ax]
        moved = x if ax == nd - 1 else _core.transpose(x, perm)
    shape = list(moved.shape)
    n = shape[-1] if shape else 1
    rows = int(np.prod(shape[:-1])) if shape else 1
    v = moved.numpy().astype(np.float64).reshape(rows, n)
    if not decreasing:
        v = -v
    seg = np.zeros((rows, n), dtype=np.int64)
    for r in range(rows):
        if n:
            seg[r] = _pav_decreasing(v[r])
    nseg = seg.max(axis=1) + 1 if n else np.zeros(rows, dtype=np.int64)
    offset = np.concatenate([[0], np.cumsum(nseg)[:-1]]).astype(np.int64)
    flat_ids = (seg + offset[:, None]).reshape(-1)
    total = int(nseg.sum())
    ids = _ids_tensor(flat_ids)
    flat = _core.reshape(moved, [-1])
    means = _core.divide(_core.unsorted_segment_sum(flat, ids, total),
                         _core._constant(np.bincount(flat_ids, minlength=total).astype(
                             x.dtype.as_numpy_dtype) if total else np.zeros(0, x.dtype.as_numpy_dtype),
                             x.dtype))
    out = _core.reshape(_core.gather(means, ids), shape)
    segs = seg.reshape(shape).astype(np.int32)
    if nd == 0:
        out = _core.reshape(out, [])
        segs = segs.reshape(())
    elif ax != nd - 1:
        inv = list(np.argsort(perm))
        out = _core.transpose(out, inv)
        segs = np.ascontiguousarray(np.transpose(segs, inv))
    return _IsotonicRegression(out, _core._constant(segs, "int32"))


def _named(name, fields):
    import collections
    return collections.namedtuple(name, fields)


_IsotonicRegression = _named("IsotonicRegression", ["output", "segments"])


def batch_norm_with_global_normalization(input, mean, variance, beta, gamma, variance_epsilon,  # noqa: A002
                                         scale_after_normalization, name=None):
    """TF 1's batch normalization with given moments, as
    ``tf.nn.batch_norm_with_global_normalization``: ``batch_normalization(input, mean,
    variance, beta, gamma if scale_after_normalization else None, variance_epsilon)``
    (``gamma`` then gets no gradient, None, as TF's). Differentiable in every tensor."""
    return batch_normalization(input, mean, variance, beta,
                               gamma if scale_after_normalization else None, variance_epsilon)


def _int_labels(labels, op, what="labels", rank=2):
    from ._segment_ops import _int_array
    a = _int_array(labels, op, what)
    if a.ndim != rank:
        raise InvalidArgumentError(f"{op}: {what} must be {rank}-D, got shape {list(a.shape)}")
    return a


def collapse_repeated(labels, seq_length, name=None):
    """Merge runs of a repeated label in each row of the batch-major ``labels`` ``[batch,
    max_len]`` (only the first ``seq_length[b]`` entries of row b count), as
    ``tf.nn.collapse_repeated``: ``(collapsed, new_seq_length)``, the rows left-aligned and
    0-padded to the longest new length, in ``labels``' dtype; the lengths in ``seq_length``'s
    dtype (int32 for a list)."""
    from ._segment_ops import _int_array
    op = "collapse_repeated"
    lab = _int_labels(labels, op)
    lt = labels.dtype if isinstance(labels, (_core.Tensor, _core.Variable)) else (
        "int64" if lab.dtype == np.int64 and not isinstance(labels, list) else "int32")
    sl = _int_array(seq_length, op, "seq_length")
    st = seq_length.dtype if isinstance(seq_length, (_core.Tensor, _core.Variable)) else (
        "int64" if sl.dtype == np.int64 and not isinstance(seq_length, list) else "int32")
    if sl.shape != (lab.shape[0],):
        raise InvalidArgumentError(f"{op}: seq_length must have shape [{lab.shape[0]}], got {list(sl.shape)}")
    b, m = lab.shape
    keep = np.ones((b, m), dtype=bool)
    if m:
        keep[:, 1:] = lab[:, 1:] != lab[:, :-1]
    keep &= np.arange(m)[None, :] < sl[:, None]
    new_len = keep.sum(axis=1)
    width = int(new_len.max()) if b else 0
    out = np.zeros((b, width), dtype=lab.dtype)
    for r in range(b):
        out[r, :new_len[r]] = lab[r][keep[r]]
    from .dtypes import as_dtype
    lt, st = as_dtype(lt), as_dtype(st)
    return (_core._constant(out.astype(lt.as_numpy_dtype), lt),
            _core._constant(new_len.astype(st.as_numpy_dtype), st))


def ctc_unique_labels(labels, name=None):
    """The unique labels of each row of ``labels`` ``[batch, max_len]``, in order of first
    appearance, 0-padded to ``max_len``, and each entry's index into them, as
    ``tf.nn.ctc_unique_labels``: ``[unique (int64), idx (int32)]`` (0 counts as a label)."""
    op = "ctc_unique_labels"
    lab = _int_labels(labels, op)
    b, m = lab.shape
    uniq = np.zeros((b, m), dtype=np.int64)
    idx = np.zeros((b, m), dtype=np.int32)
    for r in range(b):
        seen = {}
        for j, v in enumerate(lab[r].tolist()):
            if v not in seen:
                seen[v] = len(seen)
                uniq[r, seen[v]] = v
            idx[r, j] = seen[v]
    return [_core._constant(uniq, "int64"), _core._constant(idx, "int32")]


def ctc_greedy_decoder(inputs, sequence_length, merge_repeated=True, blank_index=None):
    """Best-path CTC decoding of time-major logits ``inputs`` ``[max_time, batch,
    num_classes]``, as ``tf.nn.ctc_greedy_decoder``: at each step of the first
    ``sequence_length[b]`` the arg-max class (the first on ties); blanks are dropped and, with
    ``merge_repeated``, a class equal to the previous step's is dropped (a blank in between
    keeps a repeat). ``blank_index`` None is ``num_classes - 1``; a negative one counts from
    the end. Returns ``([decoded], neg_sum_logits)``: one SparseTensor of int64 class ids
    (dense_shape ``[batch, longest]``) and ``-sum_t max(logits)`` as ``[batch, 1]``. No
    gradient. A ``sequence_length`` above ``max_time`` is a FailedPreconditionError (TF's
    class; InvalidArgumentError where tapegrad.errors lacks it)."""
    from .math import _float
    from ._segment_ops import _int_array
    from .sparse import SparseTensor
    op = "ctc_greedy_decoder"
    x = _float(inputs, op, "inputs", True)
    if x.ndim != 3:
        raise InvalidArgumentError(f"{op}: inputs is not a 3-Tensor, got shape {list(x.shape)}")
    t_max, b, c = x.shape
    sl = _int_array(sequence_length, op, "sequence_length")
    if sl.shape != (b,):
        raise InvalidArgumentError(f"{op}: len(sequence_length) != batch_size. len(sequence_length): "
                                   f"{sl.size} batch_size: {b}")
    for i, s in enumerate(sl.tolist()):
        if s > t_max:
            raise _error("FailedPreconditionError")(f"{op}: sequence_length({i}) <= {t_max}")
    blank = c - 1 if blank_index is None else int(blank_index)
    if blank < 0:
        blank += c
    v = x.numpy()
    best = v.argmax(axis=2) if c else np.zeros((t_max, b), dtype=np.int64)
    idx, vals, longest = [], [], 0
    neg = np.zeros((b, 1), dtype=v.dtype)
    for r in range(b):
        prev, n = -1, 0
        for t in range(int(sl[r])):
            k = int(best[t, r])
            neg[r, 0] -= v[t, r, k]
            if k != blank and not (merge_repeated and k == prev):
                idx.append((r, n))
                vals.append(k)
                n += 1
            prev = k
        longest = max(longest, n)
    sp = SparseTensor(_core._constant(np.asarray(idx, dtype=np.int64).reshape(-1, 2), "int64"),
                      _core._constant(np.asarray(vals, dtype=np.int64), "int64"),
                      _core._constant(np.asarray([b, longest], dtype=np.int64), "int64"))
    return [sp], _core._constant(neg, x.dtype)


def _nhwc4(v, what, op):
    """A 4-element NHWC strides / dilations list: its (h, w) pair."""
    s = [int(a) for a in (v if isinstance(v, (list, tuple)) else [v])]
    if len(s) == 1:
        s = s * 2
    elif len(s) == 4:
        if s[0] != 1 or s[3] != 1:
            raise InvalidArgumentError(f"{op}: {what} in the batch and depth dimensions must be 1, got {s}")
        s = s[1:3]
    elif len(s) != 2:
        raise InvalidArgumentError(f"{op}: {what} must have 1, 2 or 4 elements, got {s}")
    return s


def _depthwise_backprop(input_shape, filt, out_backprop, strides, padding, data_format, dilations, op, want):
    from .math import _float
    if data_format not in (None, "NHWC"):
        raise ValueError(f"{op}: only data_format 'NHWC' is supported, got {data_format!r}")
    dy = _float(out_backprop, op, "out_backprop", True)
    st = _nhwc4(strides, "strides", op)
    dl = _nhwc4(dilations if dilations is not None else [1, 1, 1, 1], "dilations", op)
    from .tape import GradientTape
    # The operand given (`filt`: the filter, or the input when the filter's gradient is
    # wanted) and a zero one of the wanted shape, which the tape differentiates against.
    given = as_tensor(filt, dy.dtype, f"{op}: {'filter' if want == 'input' else 'input'}")
    shape = [int(d) for d in (input_shape.numpy() if isinstance(input_shape, _core.Tensor) else input_shape)]
    wanted = _core._fill(tuple(shape), 0.0, dy.dtype)
    x, w = (wanted, given) if want == "input" else (given, wanted)
    with GradientTape() as tape:
        tape.watch(wanted)
        y = depthwise_conv2d(x, w, [1, st[0], st[1], 1], padding, dilations=dl)
    if tuple(y.shape) != tuple(dy.shape):
        raise InvalidArgumentError(f"{op}: out_backprop has shape {list(dy.shape)}, the convolution's "
                                   f"output has shape {list(y.shape)}")
    return tape.gradient(y, wanted, output_gradients=dy)


def depthwise_conv2d_backprop_input(input_sizes, filter, out_backprop, strides, padding,  # noqa: A002
                                    data_format="NHWC", dilations=[1, 1, 1, 1], name=None):  # noqa: B006
    """The gradient of ``depthwise_conv2d`` with respect to its input, as
    ``tf.nn.depthwise_conv2d_backprop_input``: ``input_sizes`` the input's NHWC shape,
    ``filter`` ``[fh, fw, in_channels, multiplier]``, ``out_backprop`` the convolution
    output's shape, ``strides`` / ``dilations`` 4-element NHWC lists. Computed by
    differentiating ``depthwise_conv2d`` on the tape (linear, so exact); itself differentiable
    in ``filter`` and ``out_backprop``."""
    return _depthwise_backprop(input_sizes, filter, out_backprop, strides, padding, data_format,
                               dilations, "depthwise_conv2d_backprop_input", "input")


def depthwise_conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                                     data_format="NHWC", dilations=[1, 1, 1, 1], name=None):  # noqa: B006
    """The gradient of ``depthwise_conv2d`` with respect to its filter, as
    ``tf.nn.depthwise_conv2d_backprop_filter``: ``filter_sizes`` the filter's shape ``[fh, fw,
    in_channels, multiplier]``; otherwise as ``depthwise_conv2d_backprop_input``.
    Differentiable in ``input`` and ``out_backprop``."""
    return _depthwise_backprop(filter_sizes, input, out_backprop, strides, padding, data_format,
                               dilations, "depthwise_conv2d_backprop_filter", "filter")


def _pool_sequence(n_in, n_out, pseudo_random, rng):
    """TF's GeneratePoolingSequence: n_out + 1 cumulative boundaries from 0 to n_in, steps of
    floor(n_in / n_out) or one more (random order, or Graham's pseudo-random ceil(alpha (i +
    u)) form)."""
    k = n_in // n_out
    if n_in % n_out == 0:
        diff = np.full(n_out, k, dtype=np.int64)
    elif pseudo_random:
        alpha = n_in / n_out
        max_u = min((k + 2) / alpha - 1, (n_in + 1 - k) / alpha - (n_out - 1))
        u = rng.random() * max_u
        cum = np.empty(n_out + 1, dtype=np.int64)
        cum[0], cum[n_out] = 1, n_in + 1
        for i in range(1, n_out):
            cum[i] = int(np.ceil(alpha * (i + u)))
        diff = np.diff(cum)
    else:
        diff = np.full(n_out, k, dtype=np.int64)
        diff[:n_in % n_out] += 1
        rng.shuffle(diff)
    return np.concatenate([[0], np.cumsum(diff)]).astype(np.int64)


def _fractional_args(value, pooling_ratio, seed, op, scalar_ok):
    from .math import _value
    x = _value(value, op, "value")
    if x.dtype.name not in ("float32", "float64", "int32", "int64"):
        raise TypeError(f"{op}: value must be a float32, float64, int32 or int64 tensor, got {x.dtype.name}")
    if isinstance(pooling_ratio, (list, tuple)):
        ratio = [float(r) for r in pooling_ratio]
        if ratio[0] != 1.0 or ratio[-1] != 1.0:
            raise ValueError("`pooling_ratio` should have first and last elements with value 1.0. "
                             f"Received: pooling_ratio={list(pooling_ratio)}")
        if any(r < 1.0 for r in ratio):
            raise ValueError(f"`pooling_ratio` elements should be >= 1.0. Received: pooling_ratio={list(pooling_ratio)}")
    elif not scalar_ok:
        raise TypeError(f"Expected list for 'pooling_ratio' argument to '{op}' Op, not {pooling_ratio!r}.")
    elif isinstance(pooling_ratio, (int, float, np.integer, np.floating)) and not isinstance(pooling_ratio, bool):
        if pooling_ratio < 1.0:
            raise ValueError(f"`pooling_ratio` should be >= 1.0. Received: pooling_ratio={pooling_ratio}")
        ratio = [1.0, float(pooling_ratio), float(pooling_ratio), 1.0]
    else:
        raise ValueError(f"`pooling_ratio` should be an int or a list of ints. Received: pooling_ratio={pooling_ratio}")
    if len(ratio) == 1:
        ratio = [1.0, ratio[0], ratio[0], 1.0]
    elif len(ratio) == 2:
        ratio = [1.0, ratio[0], ratio[1], 1.0]
    elif len(ratio) != 4:
        raise ValueError(f"pooling_ratio should be of length 1, 2 or 4. Received: pooling_ratio={ratio}")
    if x.ndim != 4:
        raise InvalidArgumentError(f"{op}: value must be 4-dimensional, got shape {list(x.shape)}")
    out = []
    for d in (1, 2):
        o = int(x.shape[d] / ratio[d])
        if o <= 0:
            raise InvalidArgumentError(
                f"{op}: Pooling ratio is higher than input dimension size for dimension {d}. Input dim "
                f"size: {x.shape[d]} pooling ratio: {ratio[d]:g}")
        out.append(o)
    rng = np.random.default_rng(None if not seed else int(seed))
    return x, out, rng


def _regions(seq, n_in, overlapping):
    """[(start, stop)] per output cell: stop exclusive; an overlapping region also takes its
    right boundary element (clamped to the input)."""
    return [(int(seq[i]), min(int(seq[i + 1]) + (1 if overlapping else 0), n_in)) for i in range(len(seq) - 1)]


def fractional_max_pool(value, pooling_ratio, pseudo_random=False, overlapping=False, seed=0, name=None):
    """Fractional max pooling (Graham, 2015) of the NHWC ``value``, as
    ``tf.nn.fractional_max_pool``: height and width shrink by ``pooling_ratio`` (a number >= 1
    for both, or a list ``[1.0, rh, rw, 1.0]`` / ``[rh, rw]``-style per TF's rules; output size
    ``floor(in / ratio)``), pooling over regions whose sizes are ``floor(ratio)`` or one more,
    in a random (or ``pseudo_random``) order; ``overlapping`` regions share their boundary
    row/column. Returns ``(output, row_pooling_sequence, col_pooling_sequence)`` (int64
    boundaries, ``out + 1`` each).

    ``seed`` 0 draws fresh sequences; another seed repeats them (tapegrad's own generator: the
    sequences differ from TF's for the same seed, their distribution is TF's). Differentiable:
    the gradient goes to the first maximum of each region in row-major order (TF's)."""
    op = "fractional_max_pool"
    x, (oh, ow), rng = _fractional_args(value, pooling_ratio, seed, op, True)
    rs = _pool_sequence(x.shape[1], oh, pseudo_random, rng)
    cs = _pool_sequence(x.shape[2], ow, pseudo_random, rng)
    b, h, w, c = x.shape
    v = x.numpy()
    flat_idx = np.zeros((b, oh, ow, c), dtype=np.int64)
    base = (np.arange(b)[:, None] * (h * w * c))
    chan = np.arange(c)[None, :]
    for i, (r0, r1) in enumerate(_regions(rs, h, overlapping)):
        for j, (c0, c1) in enumerate(_regions(cs, w, overlapping)):
            block = v[:, r0:r1, c0:c1, :].reshape(b, -1, c)
            pos = block.argmax(axis=1)  # first maximum, row-major
            rr = r0 + pos // (c1 - c0)
            cc = c0 + pos % (c1 - c0)
            flat_idx[:, i, j, :] = base + (rr * w + cc) * c + chan
    out = _core.reshape(_core.gather(_core.reshape(x, [-1]), _core._constant(flat_idx.reshape(-1), "int64")),
                        [b, oh, ow, c])
    return out, _core._constant(rs, "int64"), _core._constant(cs, "int64")


def fractional_avg_pool(value, pooling_ratio, pseudo_random=False, overlapping=False, seed=0, name=None):
    """Fractional average pooling of the NHWC ``value``, as ``tf.nn.fractional_avg_pool``: the
    regions of ``fractional_max_pool`` (``pooling_ratio`` must be a list here, as TF's), each
    averaged. Returns ``(output, row_pooling_sequence, col_pooling_sequence)``. Differentiable
    (a linear map: the gradient spreads each output's gradient evenly over its region, as
    TF's). Integer inputs average with truncation toward zero (no gradient)."""
    op = "fractional_avg_pool"
    x, (oh, ow), rng = _fractional_args(value, pooling_ratio, seed, op, False)
    rs = _pool_sequence(x.shape[1], oh, pseudo_random, rng)
    cs = _pool_sequence(x.shape[2], ow, pseudo_random, rng)
    b, h, w, c = x.shape

    def averaging(seq, n):
        m = np.zeros((len(seq) - 1, n))
        for i, (s0, s1) in enumerate(_regions(seq, n, overlapping)):
            m[i, s0:s1] = 1.0 / (s1 - s0)
        return m
    ah, aw = averaging(rs, h), averaging(cs, w)
    if not x.dtype.is_floating:
        v = x.numpy().astype(np.float64)
        sums = np.einsum("ih,bhwc,jw->bijc", (ah > 0).astype(np.float64), v, (aw > 0).astype(np.float64))
        counts = np.outer((ah > 0).sum(1), (aw > 0).sum(1))[None, :, :, None]
        out = _core._constant(np.trunc(sums / counts).astype(x.dtype.as_numpy_dtype), x.dtype)
    else:
        dt = x.dtype
        xr = _core.reshape(_core.transpose(x, [1, 0, 2, 3]), [h, b * w * c])
        y = _core.matmul(_core._constant(ah.astype(dt.as_numpy_dtype), dt), xr)       # [oh, b*w*c]
        y = _core.reshape(_core.transpose(_core.reshape(y, [oh, b, w, c]), [2, 1, 0, 3]), [w, b * oh * c])
        y = _core.matmul(_core._constant(aw.astype(dt.as_numpy_dtype), dt), y)        # [ow, b*oh*c]
        out = _core.transpose(_core.reshape(y, [ow, b, oh, c]), [1, 2, 0, 3])
    return out, _core._constant(rs, "int64"), _core._constant(cs, "int64")


__all__ += ["approx_max_k", "approx_min_k", "isotonic_regression", "batch_norm_with_global_normalization",
            "collapse_repeated", "ctc_unique_labels", "ctc_greedy_decoder",
            "depthwise_conv2d_backprop_input", "depthwise_conv2d_backprop_filter",
            "fractional_max_pool", "fractional_avg_pool"]


# -- session 24 (helper "ctc/sampled"): ctc_loss, compute_accidental_hits,
#    nce_loss, sampled_softmax_loss ---------------------------------------------------------------

_CTC_FLOOR = -1e30  # stands for log(0) inside the recursion: exp(floor - finite) is exactly 0
# TF's dense ctc_loss weights every non-start initial state and every non-final state by
# float32(log(1e-307)) instead of log(0) (ctc_state_log_probs); kept, so the losses match.
_CTC_LOG0 = float(np.float32(np.log(1e-307)))


def _lse(*xs):
    """Elementwise log(sum(exp(x))) of same-shape tensors, the max held constant (no -inf
    enters: the recursion uses _CTC_FLOOR), so value and gradient are exact and finite."""
    m = xs[0]
    for x in xs[1:]:
        m = _core.maximum(m, x)
    m = _core.stop_gradient(m)
    s = _core.exp(_core.subtract(xs[0], m))
    for x in xs[1:]:
        s = _core.add(s, _core.exp(_core.subtract(x, m)))
    return _core.add(_core.log(s), m)


def _ctc_forward(lp, labels, blank, label_length, logit_length, log0):
    """The CTC log-likelihood of each batch row, by the forward recursion in log space.

    ``lp`` [T, B, C] log-probabilities (a recorded tensor), ``labels`` [B, L] numpy ints (the
    classes of ``lp``; out of [0, C) contribute log-probability 0, as TF's one_hot does),
    ``blank`` the blank class. The states are TF's (ctc_ops._ctc_state_trans): label states
    0..L (0 the non-emitting start) and blank states 0..L (blank j follows label j); label j
    is entered from label j (stay), blank j-1 or label j-1 (unless it repeats label j), blank
    j from blank j or label j. The start weight is 1 on label state 0 (0 elsewhere),
    the end weight 1 on both states of ``label_length[b]`` and exp(log0) elsewhere (TF's
    loss, bwd[0, :, 0], starts from label state 0 alone), the end
    taken after frame ``logit_length[b]`` (clipped to [0, T]). log0 (end weights) is TF's dense value or
    _CTC_FLOOR (a true 0). O(T * B * L) time and tape memory; one loop over time, each step a
    few elementwise ops on [B, L + 1]."""
    t_max, b, c = lp.shape
    L = labels.shape[1]
    dt = lp.dtype
    npdt = dt.as_numpy_dtype

    def const(a):
        return _core._constant(np.ascontiguousarray(np.asarray(a, dtype=npdt)), dt)

    lpc = _core.maximum(lp, const(_CTC_FLOOR))
    # per-frame log-probabilities of each label state: one gather over [T, B*C]
    valid = (labels >= 0) & (labels < c)
    flat = (np.arange(b)[:, None] * c + np.where(valid, labels, 0)).reshape(-1).astype(np.int64)
    lab_obs = _core.reshape(_core.gather(_core.reshape(lpc, [t_max, b * c]),
                                         _core._constant(flat, "int64"), 1), [t_max, b, L])
    if not valid.all():
        lab_obs = _core.where(_core._constant(np.broadcast_to(valid, (t_max, b, L)).copy(), "bool"),
                              lab_obs, const(np.zeros((t_max, b, L))))
    lab_obs = _core.concat([const(np.full((t_max, b, 1), _CTC_FLOOR)), lab_obs], 2)   # [T, B, L+1]
    blk_obs = _core.slice(lpc, [0, 0, blank], [t_max, b, 1])                            # [T, B, 1]
    skip = np.zeros((b, L + 1))
    skip[:, 0] = _CTC_FLOOR
    if L > 1:
        skip[:, 2:] = np.where(labels[:, 1:] == labels[:, :-1], _CTC_FLOOR, 0.0)
    skip = const(skip)
    floor_col = const(np.full((b, 1), _CTC_FLOOR))
    init = np.full((b, L + 1), _CTC_FLOOR)
    init[:, 0] = 0.0
    lab, blk = const(init), const(np.full((b, L + 1), _CTC_FLOOR))
    n = np.clip(np.asarray(logit_length, dtype=np.int64), 0, t_max)
    end_lab, end_blk = lab, blk
    for t in range(int(n.max()) if b else 0):
        shifted_blk = _core.concat([floor_col, _core.slice(blk, [0, 0], [b, L])], 1)
        shifted_lab = _core.add(_core.concat([floor_col, _core.slice(lab, [0, 0], [b, L])], 1), skip)
        new_lab = _core.add(_lse(lab, shifted_blk, shifted_lab),
                            _core.reshape(_core.slice(lab_obs, [t, 0, 0], [1, b, L + 1]), [b, L + 1]))
        new_blk = _core.add(_lse(blk, lab), _core.reshape(_core.slice(blk_obs, [t, 0, 0], [1, b, 1]), [b, 1]))
        lab, blk = new_lab, new_blk
        here = n == t + 1
        if here.any():
            sel = _core._constant(here.reshape(b, 1).copy(), "bool")
            end_lab = _core.where(sel, lab, end_lab)
            end_blk = _core.where(sel, blk, end_blk)
    ll = np.asarray(label_length, dtype=np.int64)
    fin = np.full((b, L + 1), log0)
    ok = (ll >= 0) & (ll <= L)
    fin[np.flatnonzero(ok), ll[ok]] = 0.0
    fin = const(fin)
    both = _core.concat([_core.add(end_lab, fin), _core.add(end_blk, fin)], 1)
    m = _core.stop_gradient(_core.reduce_max(both, 1, True))
    out = _core.reshape(_core.add(_core.log(_core.reduce_sum(_core.exp(_core.subtract(both, m)), 1, True)), m), [b])
    if not (b and n.max()):  # no frame used: a zero gradient (TF's), not None
        out = _core.add(out, _core.multiply(_core.reduce_sum(lpc, [0, 2]), const(0.0)))
    return out


def _ctc_lengths(x, b, op, what):
    from ._segment_ops import _int_array
    if x is None:
        raise ValueError(f"{op}: {what} must be given (a [batch_size] int tensor), got None")
    a = _int_array(x, op, what)
    if a.shape != (b,):
        raise InvalidArgumentError(f"{op}: {what} must have shape [{b}], got {list(a.shape)}")
    return a.astype(np.int64)


def ctc_loss(labels, logits, label_length, logit_length, logits_time_major=True, unique=None,
             blank_index=None, name=None):
    """The CTC (connectionist temporal classification) loss, ``-log p(labels | logits)`` per
    batch row (``[batch]``), as ``tf.nn.ctc_loss`` (TF 2's ``ctc_loss_v3``).

    ``logits`` ``[frames, batch, num_classes]`` (``[batch, frames, num_classes]`` when
    ``logits_time_major=False``) are unnormalised (log_softmax is applied here); only the
    first ``logit_length[b]`` frames of row b count (a longer length counts as ``frames``).

    Dense ``labels`` ``[batch, max_label_length]`` (int, 0-padded) with ``label_length``
    (required): the blank is class 0 unless ``blank_index`` says otherwise (negative counts
    from ``num_classes``); as TF, a non-zero blank moves to the front and labels below it
    shift up by one (so a label equal to ``blank_index`` means class ``blank_index - 1``).
    TF's dense model is kept exactly: start and end weights of ``log(1e-307)`` (not log 0) on
    the other states, so an impossible row (labels too long for the frames) has a finite loss
    near 707, not inf; a label outside ``[0, num_classes)`` counts as probability 1; a
    ``-inf`` logit anywhere in a row makes that row's loss and gradient NaN (TF's ``-inf * 0``).
    ``unique`` (``ctc_unique_labels(labels)``) is only a speed hint in TF and is ignored here
    (TF's own unique path gives a different gradient with a non-zero ``blank_index``).

    ``SparseTensor`` labels (int32 values; ``label_length`` ignored) follow TF's CTCLoss
    kernel: ``blank_index`` is required (ValueError), an impossible row (a label of
    probability 0, or too few frames) has loss ``inf`` and gradient ``softmax(logits)``,
    ``-inf`` logits elsewhere are fine, an empty label row or a ``logit_length`` above the
    frames is InvalidArgumentError.

    Differentiable in ``logits`` with TF's gradient (``softmax - posterior``, zero past
    ``logit_length``): the loss is a recorded log-space forward recursion, vectorised over
    the batch and the label positions, with one Python step per frame. Cost: O(frames *
    batch * max_label_length) time and tape memory plus the O(frames * batch * num_classes)
    log_softmax; ``frames`` steps of about 30 small ops each. float32 and float64 (TF's dense
    path refuses float64); float16/bfloat16 are computed in float32 and cast back, as TF."""
    from .math import _float
    from .sparse import SparseTensor
    op = "ctc_loss"
    x = _float(logits, op, "logits", True)
    if x.ndim != 3:
        raise InvalidArgumentError(f"{op}: logits must be 3-D, got shape {list(x.shape)}")
    orig = x.dtype
    if orig.name in ("float16", "bfloat16"):
        x = _core.cast(x, "float32")
    if not logits_time_major:
        x = _core.transpose(x, [1, 0, 2])
    t_max, b, c = x.shape
    if isinstance(labels, SparseTensor):
        if blank_index is None:
            raise ValueError("ctc_loss: Argument `blank_index` must be provided when `labels` is "
                             "a `SparseTensor`.")
        blank = int(blank_index) + (c if int(blank_index) < 0 else 0)
        idx, vals = labels.indices.numpy(), labels.values
        if not vals.dtype.is_integer or vals.dtype.name != "int32":
            raise InvalidArgumentError(f"{op}: labels.values must be int32 (TF's CTCLoss), got "
                                       f"{vals.dtype.name}")
        vals = vals.numpy().astype(np.int64)
        if idx.shape[1] != 2:
            raise InvalidArgumentError(f"{op}: labels must be a 2-D SparseTensor")
        n = _ctc_lengths(logit_length, b, op, "logit_length")
        for i, s in enumerate(n.tolist()):
            if s > t_max:
                raise InvalidArgumentError(f"{op}: sequence_length({i}) <= {t_max}")
        if len(idx) and (idx[:, 0].min() < 0 or idx[:, 0].max() >= b):
            raise InvalidArgumentError(f"{op}: labels' batch indices must be in [0, {b})")
        rows = [vals[idx[:, 0] == r] for r in range(b)]
        for r, v in enumerate(rows):
            if not len(v):
                raise InvalidArgumentError(f"{op}: Labels length is zero in batch {r}")
        # TF moves the blank to the last class; labels above it shift down
        mapped = [np.where(v < blank, v, v - 1) for v in rows]
        for r, v in enumerate(mapped):
            if (v < 0).any() or (v >= c - 1).any():
                raise InvalidArgumentError(f"{op}: labels in batch {r} must be in [0, {c - 1}) "
                                           "once the blank is removed")
        if blank != c - 1:
            x = _core.concat([_core.slice(x, [0, 0, 0], [t_max, b, blank]),
                              _core.slice(x, [0, 0, blank + 1], [t_max, b, c - blank - 1]),
                              _core.slice(x, [0, 0, blank], [t_max, b, 1])], 2)
        ll = np.array([len(v) for v in mapped], dtype=np.int64)
        lab = np.zeros((b, int(ll.max()) if b else 0), dtype=np.int64)
        for r, v in enumerate(mapped):
            lab[r, :len(v)] = v
        lp = log_softmax(x, -1)
        loglik = _ctc_forward(lp, lab, c - 1, ll, n, _CTC_FLOOR)
        loss = _core.negative(loglik)
        bad = loss.numpy() > 1e29
        if bad.any():  # no valid path: TF's kernel gives inf and the gradient softmax(logits)
            mask = (np.arange(t_max)[:, None] < n[None, :]).astype(x.dtype.as_numpy_dtype)
            from .math import reduce_logsumexp
            lse = _core.reduce_sum(_core.multiply(reduce_logsumexp(x, 2),
                                                  _core._constant(mask, x.dtype)), 0)
            alt = _core.add(_core._constant(np.full(b, np.inf, x.dtype.as_numpy_dtype), x.dtype),
                            _core.subtract(lse, _core.stop_gradient(lse)))
            loss = _core.where(_core._constant(bad, "bool"), alt, loss)
    else:
        from ._segment_ops import _int_array
        lab = _int_array(labels, op, "labels").astype(np.int64)
        if lab.ndim != 2 or lab.shape[0] != b:
            raise InvalidArgumentError(f"{op}: labels must be [batch_size={b}, max_label_length], "
                                       f"got shape {list(lab.shape)}")
        ll = _ctc_lengths(label_length, b, op, "label_length")
        n = _ctc_lengths(logit_length, b, op, "logit_length")
        blank = 0 if blank_index is None else int(blank_index)
        if blank != 0:
            if blank < 0:
                blank += c
            x = _core.concat([_core.slice(x, [0, 0, blank], [t_max, b, 1]),
                              _core.slice(x, [0, 0, 0], [t_max, b, blank]),
                              _core.slice(x, [0, 0, blank + 1], [t_max, b, c - blank - 1])], 2)
            lab = np.where(lab < blank, lab + 1, lab)
        log0 = _CTC_LOG0 if x.dtype.name == "float32" else float(np.log(1e-307))
        lp = log_softmax(x, -1)
        loss = _core.negative(_ctc_forward(lp, lab, 0, ll, n, log0))
        bad = np.isneginf(x.numpy()).any(axis=(0, 2))
        if bad.any():  # TF: -inf * 0 in its one_hot product makes the row (and its gradient) NaN
            nan = np.zeros(x.shape, x.dtype.as_numpy_dtype)
            nan[:, bad, :] = np.nan
            loss = _core.add(loss, _core.reduce_sum(_core.multiply(x, _core._constant(nan, x.dtype)), [0, 2]))
    if orig.name in ("float16", "bfloat16"):
        loss = _core.cast(loss, orig)
    return loss


def compute_accidental_hits(true_classes, sampled_candidates, num_true, seed=None, name=None):
    """Where a sampled candidate equals one of a row's true classes, as
    ``tf.nn.compute_accidental_hits``: ``(indices`` int32 rows, ``ids`` int64 positions in
    ``sampled_candidates``, ``weights`` float32 ``-FLT_MAX)``, ordered by row then by true
    class; a candidate sampled twice is reported at its last position (TF's map)."""
    from ._segment_ops import _int_array
    op = "compute_accidental_hits"
    tc = _int_array(true_classes, op, "true_classes").astype(np.int64)
    if tc.ndim != 2 or tc.shape[1] != int(num_true):
        raise InvalidArgumentError(f"{op}: true_classes must be [batch_size, num_true={int(num_true)}], "
                                   f"got shape {list(tc.shape)}")
    sc = _int_array(sampled_candidates, op, "sampled_candidates").astype(np.int64).reshape(-1)
    pos = {int(v): i for i, v in enumerate(sc.tolist())}
    rows, ids = [], []
    for i in range(tc.shape[0]):
        for v in tc[i].tolist():
            j = pos.get(v)
            if j is not None:
                rows.append(i)
                ids.append(j)
    return _ComputeAccidentalHits(_core._constant(np.asarray(rows, np.int32), "int32"),
            _core._constant(np.asarray(ids, np.int64), "int64"),
            _core._constant(np.full(len(rows), -np.finfo(np.float32).max, np.float32), "float32"))


_ComputeAccidentalHits = _named("ComputeAccidentalHits", ["indices", "ids", "weights"])


def _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                    sampled_values, subtract_log_q, remove_accidental_hits, op, seed=None):
    """TF's _compute_sampled_logits: ``(logits [batch, num_true + num_sampled], labels)``, the
    true classes first (label 1 / num_true), then the sampled ones (label 0)."""
    from ._segment_ops import _int_array
    from .math import _float
    from . import random as _random
    x = _float(inputs, op, "inputs", True)
    if x.ndim != 2:
        raise InvalidArgumentError(f"{op}: inputs must be [batch_size, dim], got shape {list(x.shape)}")
    nt = int(num_true)
    lab = _int_array(labels, op, "labels").astype(np.int64)
    lab = lab.reshape(-1, nt) if lab.size == x.shape[0] * nt else lab
    if lab.shape != (x.shape[0], nt):
        raise InvalidArgumentError(f"{op}: labels must be [batch_size={x.shape[0]}, num_true={nt}], "
                                   f"got shape {list(np.shape(lab))}")
    if sampled_values is None:
        sampled_values = _random.log_uniform_candidate_sampler(
            _core._constant(lab, "int64"), nt, num_sampled, True, num_classes, seed=seed)
    sampled, true_exp, samp_exp = sampled_values
    sampled = _int_array(sampled, op, "sampled_candidates").astype(np.int64).reshape(-1)
    true_exp = _core.stop_gradient(as_tensor(true_exp, x.dtype, f"{op}: true_expected_count"))
    samp_exp = _core.stop_gradient(as_tensor(samp_exp, x.dtype, f"{op}: sampled_expected_count"))
    b = x.shape[0]
    ids = np.concatenate([lab.reshape(-1), sampled])
    all_w = embedding_lookup(weights, ids)
    if all_w.dtype != x.dtype:
        all_w = _core.cast(all_w, x.dtype)
    all_b = embedding_lookup(biases, ids)
    if all_b.dtype != x.dtype:
        all_b = _core.cast(all_b, x.dtype)
    nl, ns, dim = b * nt, len(sampled), all_w.shape[1]
    true_w = _core.reshape(_core.slice(all_w, [0, 0], [nl, dim]), [b, nt, dim])
    sampled_w = _core.slice(all_w, [nl, 0], [ns, dim])
    true_logits = _core.add(_core.reduce_sum(_core.multiply(_core.expand_dims(x, 1), true_w), 2),
                            _core.reshape(_core.slice(all_b, [0], [nl]), [b, nt]))
    sampled_logits = _core.add(_core.matmul(x, _core.transpose(sampled_w, [1, 0])),
                               _core.slice(all_b, [nl], [ns]))
    if remove_accidental_hits:
        rows, cols, _ = compute_accidental_hits(lab, sampled, nt)
        hits = np.zeros((b, ns), dtype=x.dtype.as_numpy_dtype)
        hits[rows.numpy(), cols.numpy()] = -np.finfo(np.float32).max
        sampled_logits = _core.add(sampled_logits, _core._constant(hits, x.dtype))
    if subtract_log_q:
        true_logits = _core.subtract(true_logits, _core.log(true_exp))
        sampled_logits = _core.subtract(sampled_logits, _core.log(samp_exp))
    logits = _core.concat([true_logits, sampled_logits], 1)
    target = np.concatenate([np.full((b, nt), 1.0 / nt), np.zeros((b, ns))], 1)
    return logits, _core._constant(target.astype(x.dtype.as_numpy_dtype), x.dtype)


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
             sampled_values=None, remove_accidental_hits=False, name="nce_loss"):
    """The noise-contrastive estimation loss per example (``[batch]``), as ``tf.nn.nce_loss``:
    logits ``inputs @ w[c] + b[c] - log(expected_count[c])`` of the ``num_true`` true classes
    (``labels`` ``[batch, num_true]``) and of the sampled classes, summed sigmoid
    cross-entropies against 1 / num_true (true) and 0 (sampled). ``weights`` ``[num_classes,
    dim]`` (or a list of shards, TF 2's 'div' partitioning), ``biases`` ``[num_classes]``.
    ``sampled_values`` is a ``(sampled_candidates, true_expected_count,
    sampled_expected_count)`` triple from a ``tapegrad.random.*_candidate_sampler`` (or TF's:
    pass the same one to both to compare exactly); None draws
    ``log_uniform_candidate_sampler(unique=True)``. ``remove_accidental_hits`` adds -FLT_MAX
    to a sampled logit equal to one of the row's true classes. Differentiable in
    ``weights``, ``biases`` and ``inputs`` (not the sampled values, TF's stop_gradient)."""
    logits, target = _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes,
                                     num_true, sampled_values, True, remove_accidental_hits, "nce_loss")
    return _core.reduce_sum(sigmoid_cross_entropy_with_logits(target, logits), 1)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
                         sampled_values=None, remove_accidental_hits=True, seed=None,
                         name="sampled_softmax_loss"):
    """The sampled softmax loss per example (``[batch]``), as ``tf.nn.sampled_softmax_loss``:
    the softmax cross-entropy of the logits of ``nce_loss`` (true classes' targets 1 /
    num_true, sampled classes 0). Arguments as ``nce_loss``'s; ``remove_accidental_hits``
    defaults to True, and ``seed`` seeds the default sampler. Differentiable in ``weights``,
    ``biases`` and ``inputs``."""
    logits, target = _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes,
                                     num_true, sampled_values, True, remove_accidental_hits,
                                     "sampled_softmax_loss", seed)
    return softmax_cross_entropy_with_logits(target, logits)


__all__ += ["ctc_loss", "compute_accidental_hits", "nce_loss", "sampled_softmax_loss"]

from ._ctc_beam import ctc_beam_search_decoder  # noqa: E402,F401 (session 25, helper "ctc/edit")
__all__ += ["ctc_beam_search_decoder"]

from ._more_api import with_space_to_batch  # noqa: E402,F401 (session 25, helper "more api")
__all__ += ["with_space_to_batch"]
