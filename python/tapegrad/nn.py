"""tapegrad.nn: activations and the fused dense layer op."""

from ._core import relu, sigmoid, tanh, softmax, log_softmax, relu_grad  # noqa: F401
from . import _core


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


__all__ = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "relu_grad"]
