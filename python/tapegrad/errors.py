"""TF-style error classes. InvalidArgumentError is also a ValueError (core/errors.h)."""

from ._core import InvalidArgumentError

__all__ = ["InvalidArgumentError"]
