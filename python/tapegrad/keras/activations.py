"""tapegrad.keras.activations: activation functions by name, as ``keras.activations``.

``relu``, ``sigmoid`` and ``tanh`` are also the activations ``nn.linear`` fuses into its GEMM
epilogue; ``Dense`` recognises these functions (or their names) and uses the fused op.
"""

from .. import _core

__all__ = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "elu", "selu", "gelu",
           "silu", "swish", "softplus", "softsign", "exponential", "hard_sigmoid", "hard_silu",
           "hard_swish", "leaky_relu", "relu6", "mish", "get", "serialize", "deserialize"]


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0), elementwise; Keras' options: ``negative_slope`` times (x - threshold) below
    ``threshold``, values at or below ``threshold`` (when it is not 0) cut to 0, and a cap at
    ``max_value``."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return _core.relu(x)
    from ..math import _float
    x = _float(x, "relu", "x")
    if threshold != 0.0:
        above = _core.mask_gt(x, x, float(threshold))  # x where x > threshold, else 0
    else:
        above = _core.relu(x)
    if max_value is not None:
        above = _core.clip_by_value(above, 0.0, float(max_value))
    if negative_slope != 0.0:
        below = _core.mask_ge(_core.multiply(_core.subtract(x, float(threshold)), float(negative_slope)),
                              float(threshold), x)  # slope * (x - threshold) where x < threshold
        above = _core.add(above, below)
    return above


def sigmoid(x):
    """1 / (1 + exp(-x)), elementwise."""
    return _core.sigmoid(x)


def tanh(x):
    """Hyperbolic tangent, elementwise."""
    return _core.tanh(x)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis`` (numerically stable)."""
    return _core.softmax(x, axis)


def log_softmax(x, axis=-1):
    """log(softmax(x)) along ``axis``, computed without forming softmax."""
    return _core.log_softmax(x, axis)


def linear(x):
    """The identity: ``x`` unchanged."""
    return x


def elu(x, alpha=1.0):
    """x where positive, ``alpha * (exp(x) - 1)`` elsewhere."""
    from .. import nn
    return nn.elu(x, alpha)


def selu(x):
    """The scaled ELU with the self-normalizing constants."""
    from .. import nn
    return nn.selu(x)


def gelu(x, approximate=False):
    """Gaussian error linear unit (exact erf form; the tanh form with ``approximate=True``)."""
    from .. import nn
    return nn.gelu(x, approximate)


def silu(x):
    """``x * sigmoid(x)`` (also named swish)."""
    from .. import nn
    return nn.silu(x)


swish = silu


def softplus(x):
    """``log(1 + exp(x))``."""
    from .. import nn
    return nn.softplus(x)


def softsign(x):
    """``x / (1 + |x|)``."""
    from .. import nn
    return nn.softsign(x)


def exponential(x):
    """``exp(x)``."""
    return _core.exp(x)


def hard_sigmoid(x):
    """Keras 3's piecewise-linear sigmoid: ``relu6(x + 3) / 6`` (0 below -3, 1 above 3)."""
    from .. import nn
    return _core.multiply(nn.relu6(_core.add(x, 3.0)), 1.0 / 6.0)


def hard_silu(x):
    """``x * hard_sigmoid(x)`` (also named hard_swish)."""
    return _core.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def leaky_relu(x, negative_slope=0.2):
    """x where positive, ``negative_slope * x`` elsewhere."""
    from .. import nn
    return nn.leaky_relu(x, negative_slope)


def relu6(x):
    """``min(max(x, 0), 6)``."""
    from .. import nn
    return nn.relu6(x)


def mish(x):
    """``x * tanh(softplus(x))``."""
    return _core.multiply(x, _core.tanh(softplus(x)))


_BY_NAME = {
    "relu": relu, "sigmoid": sigmoid, "tanh": tanh, "softmax": softmax,
    "log_softmax": log_softmax, "linear": linear, "elu": elu, "selu": selu, "gelu": gelu,
    "silu": silu, "swish": swish, "softplus": softplus, "softsign": softsign,
    "exponential": exponential, "hard_sigmoid": hard_sigmoid, "hard_silu": hard_silu,
    "hard_swish": hard_swish, "leaky_relu": leaky_relu, "relu6": relu6, "mish": mish,
}
# The activations nn.linear computes inside its fused op, by function.
_FUSED = {relu: "relu", sigmoid: "sigmoid", tanh: "tanh", linear: None}


def get(identifier):
    """The activation function for ``identifier``: None or a name gives ours (a custom name
    is looked up in ``custom_objects`` / the registry), a config dict (``serialize``'s) its
    function, a callable itself.

    Raises ``ValueError`` for an unknown name (Keras' wording).
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier)
        if fn is None:
            from . import saving
            fn = saving.get_registered_object(identifier)
        if fn is None:
            raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")
        return fn
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(activation):
    """The name of a built-in activation (Keras' form); any other callable as
    ``keras.saving.serialize_keras_object`` describes it (a function by module and name)."""
    for name, fn in _BY_NAME.items():
        if fn is activation:
            return name
    from . import saving
    return saving.serialize_keras_object(activation)


def deserialize(config, custom_objects=None):
    """The activation ``serialize`` described: a built-in name, or a function / object config
    (custom ones from ``custom_objects`` / the registry)."""
    from . import saving
    if isinstance(config, str) and config in _BY_NAME:
        return _BY_NAME[config]
    fn = saving.deserialize_keras_object(config, custom_objects, module_objects=_BY_NAME)
    if not callable(fn):
        raise ValueError(f"Could not interpret activation function identifier: {config!r}")
    return fn
