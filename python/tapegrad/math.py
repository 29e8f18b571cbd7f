"""tapegrad.math: the math ops under TF's ``tf.math.*`` names."""

from . import _core
from ._convert import as_tensor
from ._core import (  # noqa: F401
    add, subtract, multiply, divide, negative, pow, square, sqrt, exp, log, tanh, sigmoid,
    maximum, minimum, abs, sign, reduce_sum, reduce_mean, reduce_max, reduce_min, log1p,
    equal, not_equal, less, less_equal, greater, greater_equal,
    logical_and, logical_or, logical_xor, logical_not, reduce_any, reduce_all,
    argmax, argmin, unsorted_segment_sum, floordiv, floormod,
)

truediv = divide
mod = floormod


def softplus(features, name=None):
    """``log(1 + exp(features))``, as ``tf.math.softplus`` / ``tf.nn.softplus``: computed as
    ``relu(x) + log1p(exp(-|x|))``, so it neither overflows nor loses the small values of very
    negative x; its gradient is ``sigmoid(x)`` (0.5 at 0), of every order."""
    from ._custom_gradient import custom_gradient
    from .nn import relu

    @custom_gradient
    def _softplus(x):
        y = add(relu(x), log1p(exp(negative(abs(x)))))
        return y, lambda dy: multiply(dy, sigmoid(x))
    return _softplus(as_tensor(features, None, "softplus: features"))


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """``log(reduce_sum(exp(x), axis, keepdims))`` without overflow, as
    ``tf.math.reduce_logsumexp``: the maximum over ``axis`` is taken out first (held constant
    for the gradient, which is ``softmax`` over the reduced axes). Rows that are all ``-inf``
    give ``-inf``, as TF.
    """
    import numpy as np
    x = as_tensor(input_tensor, None, "reduce_logsumexp: input_tensor")
    m = np.array(reduce_max(x, axis, True).numpy())
    m[~np.isfinite(m)] = 0  # an all--inf (or inf, NaN) row: no shift, exp and log give TF's value
    m = _core._constant(m, x.dtype)
    out = add(log(reduce_sum(exp(subtract(x, m)), axis, True)), m)
    if keepdims:
        return out
    return _core.reshape(out, reduce_sum(x, axis, False).shape)

__all__ = [
    "add", "subtract", "multiply", "divide", "truediv", "negative", "pow", "square", "sqrt",
    "exp", "log", "log1p", "softplus", "tanh", "sigmoid", "maximum", "minimum", "abs", "sign",
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_logsumexp",
    "floordiv", "floormod", "mod",
]
