"""tapegrad.keras.activations: activation functions by name, as ``keras.activations``.

``relu``, ``sigmoid`` and ``tanh`` are also the activations ``nn.linear`` fuses into its GEMM
epilogue; ``Dense`` recognises these functions (or their names) and uses the fused op.
"""

from .. import _core

__all__ = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "get", "serialize"]


def relu(x):
    """max(x, 0), elementwise."""
    return _core.relu(x)


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


_BY_NAME = {
    "relu": relu, "sigmoid": sigmoid, "tanh": tanh, "softmax": softmax,
    "log_softmax": log_softmax, "linear": linear,
}
# The activations nn.linear computes inside its fused op, by function.
_FUSED = {relu: "relu", sigmoid: "sigmoid", tanh: "tanh", linear: None}


def get(identifier):
    """The activation function for ``identifier``: None or a name gives ours, a callable itself.

    Raises ``ValueError`` for an unknown name (Keras' wording).
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        try:
            return _BY_NAME[identifier]
        except KeyError:
            raise ValueError(f"Could not interpret activation function identifier: {identifier!r}") from None
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(activation):
    """The name of a built-in activation (the callable's ``__name__`` otherwise)."""
    for name, fn in _BY_NAME.items():
        if fn is activation:
            return name
    return getattr(activation, "__name__", repr(activation))
