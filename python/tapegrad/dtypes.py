"""tapegrad's dtypes: float32 (the default) and float64, with TF's names."""

import numpy as np

__all__ = ["DType", "float32", "float64", "as_dtype"]


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
        """True: tapegrad tensors are float32 or float64."""
        return True

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


def as_dtype(value):
    """Convert a tapegrad dtype, numpy dtype or name ('float32') to a tapegrad DType."""
    if isinstance(value, DType):
        return value
    if value is None:  # numpy would read None as float64
        raise TypeError("tapegrad supports the dtypes float32 and float64, got None")
    try:
        d = np.dtype(value)
    except TypeError:
        raise TypeError(f"Cannot convert {value!r} to a tapegrad dtype") from None
    if d == np.float32:
        return float32
    if d == np.float64:
        return float64
    raise TypeError(f"tapegrad supports the dtypes float32 and float64, got {value!r}")
