"""tapegrad.math: the math ops under TF's ``tf.math.*`` names."""

from ._core import (  # noqa: F401
    add, subtract, multiply, divide, negative, pow, square, sqrt, exp, log, tanh, sigmoid,
    maximum, minimum, abs, sign, reduce_sum, reduce_mean, reduce_max, reduce_min,
)

truediv = divide

__all__ = [
    "add", "subtract", "multiply", "divide", "truediv", "negative", "pow", "square", "sqrt",
    "exp", "log", "tanh", "sigmoid", "maximum", "minimum", "abs", "sign",
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min",
]
