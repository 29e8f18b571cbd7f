"""TF-style error classes. InvalidArgumentError is also a ValueError (core/errors.h)."""

from ._core import InvalidArgumentError

__all__ = ["InvalidArgumentError", "OutOfRangeError"]


class OutOfRangeError(IndexError):
    """TF's ``tf.errors.OutOfRangeError``: an index past the end of a sequence (a
    ``TensorArray`` read or write out of range). Also an IndexError."""


class IndexOutOfBoundsError(InvalidArgumentError, IndexError):
    """``x[i]`` with ``i`` past a dimension's end, or more indices than dimensions: TF raises
    InvalidArgumentError there; this is one, and also the IndexError Python code expects."""
