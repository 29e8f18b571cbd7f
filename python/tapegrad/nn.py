"""tapegrad.nn: activations, the fused dense layer op, convolutions and pooling (_conv.py), and
tf.nn's losses and bias_add."""

from ._core import relu, sigmoid, tanh, softmax, log_softmax, relu_grad  # noqa: F401
from . import _core
from ._array_ops import top_k  # noqa: F401 (tf.nn.top_k)
from ._conv import conv1d, conv2d, conv2d_transpose, depthwise_conv2d, separable_conv2d, max_pool, \
    max_pool1d, max_pool2d, avg_pool, avg_pool1d, avg_pool2d  # noqa: F401 (tf.nn names)
from ._convert import as_tensor, one_hot_labels
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
    """``features`` where positive, ``alpha * features`` elsewhere, as ``tf.nn.leaky_relu``.

    The gradient is 1 where ``features > 0`` and ``alpha`` elsewhere (at 0 too, as TF's);
    written with the recorded masks of ``relu_grad``'s family, so it has derivatives of
    every order.
    """
    x = as_tensor(features, None, "leaky_relu: features")
    alpha = float(alpha)
    return _core.add(_core.mask_gt(x, x, 0.0), _core.mask_ge(_core.multiply(x, alpha), 0.0, x))


def _features(features, op):
    from .math import _float
    return _float(features, op, "features")


def relu6(features, name=None):
    """``min(max(features, 0), 6)``, as ``tf.nn.relu6``: gradient 1 strictly between 0 and 6,
    0 elsewhere (at 0 and 6 too, as TF's), of every order."""
    x = _features(features, "relu6")
    inside = _core.mask_gt(_core.mask_gt(x, x, 0.0), 6.0, x)  # x where 0 < x < 6
    six = _core.where(_core.greater_equal(x, 6.0), _core._constant(6.0, x.dtype),
                      _core._constant(0.0, x.dtype))  # 6 where x >= 6: a constant of x
    return _core.add(inside, six)


def elu(features, alpha=1.0, name=None):
    """``features`` where positive, ``alpha * (exp(features) - 1)`` elsewhere, as ``tf.nn.elu``
    (``alpha`` as Keras's ELU; TF's tf.nn.elu has alpha 1). Computed with ``expm1``; gradient 1
    and ``alpha * exp(features)``."""
    from .math import expm1
    x = _features(features, "elu")
    neg = _core.multiply(expm1(x), float(alpha))
    return _core.add(_core.mask_gt(x, x, 0.0), _core.mask_ge(neg, 0.0, x))


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


__all__ = ["top_k", "relu", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "relu_grad", "leaky_relu", "softplus", "softsign",
           "softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
           "sigmoid_cross_entropy_with_logits", "l2_loss", "bias_add", "relu6", "elu", "selu", "silu",
           "swish", "gelu", "moments", "l2_normalize", "dropout", "conv1d", "conv2d", "conv2d_transpose",
           "depthwise_conv2d", "separable_conv2d",
           "max_pool", "max_pool1d", "max_pool2d", "avg_pool", "avg_pool1d", "avg_pool2d"]
