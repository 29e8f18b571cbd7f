"""tapegrad's dtypes, with TF's names.

float32 (the default) and float64 are the differentiable dtypes: every op with a gradient takes
them. int32, int64, uint8 and bool hold what TF code computes next to them: comparisons give
bool, ``argmax`` gives int64, labels and indices are integers, images are often uint8, and
``cast`` converts between all six. No tape watches an integer or bool tensor, so no gradient
flows into one. uint8 arithmetic wraps around as TF's (``200 + 100`` is 44).
"""

import builtins

import numpy as np

__all__ = ["DType", "float32", "float64", "int32", "int64", "uint8", "bool", "as_dtype"]


class DType:
    """A tensor element type, as ``tf.DType``. Compares equal to its name and numpy dtype."""

    __slots__ = ("name", "_tapegrad_code", "as_numpy_dtype", "size")

    def __init__(self, name, code, np_type):
        self.name = name
        self._tapegrad_code = code
        self.as_numpy_dtype = np_type
        self.size = np.dtype(np_type).itemsize

    @property
    def is_floating(self):
        """True for float32 and float64, the dtypes that have gradients."""
        return self._tapegrad_code <= 1

    @property
    def is_integer(self):
        """True for int32, int64 and uint8."""
        return self._tapegrad_code in (2, 3, 5)

    @property
    def is_unsigned(self):
        """True for uint8; False for the signed, floating and bool dtypes (as TF)."""
        return self._tapegrad_code == 5

    @property
    def is_bool(self):
        """True for bool."""
        return self._tapegrad_code == 4

    def _limit(self, which):
        if self.is_bool:
            raise TypeError(f"Cannot find {which}imum value of bool.")
        info = (np.finfo if self.is_floating else np.iinfo)(self.as_numpy_dtype)
        return getattr(info, which)

    @property
    def min(self):
        """The smallest value of this dtype (as TF's ``DType.min``); a TypeError for bool."""
        return self._limit("min")

    @property
    def max(self):
        """The largest value of this dtype (as TF's ``DType.max``); a TypeError for bool."""
        return self._limit("max")

    @property
    def base_dtype(self):
        """This dtype (TF's reference-dtype distinction does not exist here)."""
        return self

    def __repr__(self):
        return f"tapegrad.{self.name}"

    def __eq__(self, other):
        if isinstance(other, DType):
            return other is self
        try:
            return np.dtype(other) == np.dtype(self.as_numpy_dtype)
        except TypeError:
            return False

    def __hash__(self):
        return hash(self.name)

    def __reduce__(self):
        return (as_dtype, (self.name,))


float32 = DType("float32", 0, np.float32)
float64 = DType("float64", 1, np.float64)
int32 = DType("int32", 2, np.int32)
int64 = DType("int64", 3, np.int64)
bool = DType("bool", 4, np.bool_)  # noqa: A001  (TF's name: tf.bool)
uint8 = DType("uint8", 5, np.uint8)

_ALL = (float32, float64, int32, int64, bool, uint8)  # in the core's code order
_BY_NUMPY = {np.dtype(d.as_numpy_dtype): d for d in _ALL}


def as_dtype(value):
    """Convert a tapegrad dtype, numpy dtype, type or name ('float32', 'int64', 'uint8', 'bool')
    to a tapegrad DType."""
    if isinstance(value, DType):
        return value
    if value is None:  # numpy would read None as float64
        raise TypeError("tapegrad supports the dtypes float32, float64, int32, int64, uint8 and "
                        "bool, got None")
    try:
        d = np.dtype(value)
    except TypeError:
        raise TypeError(f"Cannot convert {value!r} to a tapegrad dtype") from None
    found = _BY_NUMPY.get(d)
    if found is None:
        raise TypeError("tapegrad supports the dtypes float32, float64, int32, int64, uint8 and "
                        f"bool, got {value!r}")
    return found


del builtins
