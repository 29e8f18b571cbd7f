"""tapegrad.random: random tensors and the global seed, as ``tf.random``.

Random values are drawn once, at creation (weight initialisation, shuffling), never on a
training step's hot path, so they come from one numpy ``Generator`` and are copied into a
tensor once. ``set_seed(n)`` makes every later draw in this process reproducible: layers
built, initialisers called and ``fit`` shuffles after ``set_seed(n)`` give the same numbers
on every run. Without a seed, draws differ from run to run (as in TF).
"""

import numpy as _np

from . import _core
from .dtypes import as_dtype, float32

__all__ = ["set_seed", "get_seed", "normal", "uniform", "truncated_normal", "shuffle"]

_global_seed = None
_generator = _np.random.default_rng()


def set_seed(seed):
    """Set the global random seed: later random draws repeat exactly across runs.

    As ``tf.random.set_seed``: calling it again with the same value restarts the sequence.
    ``None`` returns to unseeded (fresh OS entropy).
    """
    global _global_seed, _generator
    if seed is None:
        _global_seed = None
        _generator = _np.random.default_rng()
        return
    _global_seed = int(seed)
    _generator = _np.random.default_rng(_global_seed)


def get_seed():
    """The global seed last passed to :func:`set_seed` (``None`` when unseeded)."""
    return _global_seed


def _rng(seed=None):
    """The numpy Generator for one draw: the global one, or a fresh one for an op seed.

    An op-level ``seed`` gives the same values on every call (combined with the global seed,
    so different global seeds still differ), like a stateless TF op.
    """
    if seed is None:
        return _generator
    return _np.random.default_rng([0 if _global_seed is None else _global_seed, int(seed)])


def _shape(shape, op):
    # As the ops parse it: ints, scalar int tensors (tf.shape(x)[0]), a 1-D int tensor.
    dims = _core._parse_shape(shape, op)
    n = 1
    for d in dims:
        n *= d
    if n * 8 >= 2 ** 63:  # numpy draws in float64
        raise ValueError(f"{op}: shape {dims} has too many elements for a tensor")
    return dims


def _dtype(dtype, op, integers=False):
    try:
        d = as_dtype(dtype)
    except TypeError as e:
        raise TypeError(f"{op}: {e}") from None
    if not (d.is_floating or (integers and d.is_integer)):
        allowed = "float32, float64, int32 or int64" if integers else "float32 or float64"
        raise TypeError(f"{op}: dtype must be {allowed}, got {d.name!r}")
    return d


def _draw(op, shape, fn):
    """fn() -> a numpy array of `shape`; numpy's MemoryError reworded to name the op."""
    try:
        return fn()
    except MemoryError:
        n = 8
        for d in shape:
            n *= d
        raise MemoryError(f"{op}: failed to allocate {n} bytes ({n / 2**30:.1f} GiB) for a "
                          f"float64 draw of shape {shape}") from None


def _to_tensor(array, dtype):
    dtype = as_dtype(dtype)
    # np.asarray, not np.ascontiguousarray: the latter turns a scalar draw into shape (1,).
    return _core._constant(_np.asarray(array, dtype=dtype.as_numpy_dtype, order="C"), dtype)


def normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    """A tensor of ``shape`` with values from a normal distribution N(mean, stddev²)."""
    dtype = _dtype(dtype, "random.normal")
    shape = _shape(shape, "random.normal")
    values = _draw("random.normal", shape, lambda: _rng(seed).standard_normal(shape) * stddev + mean)
    return _to_tensor(values, dtype)


def uniform(shape, minval=0, maxval=None, dtype=float32, seed=None, name=None):
    """A tensor of ``shape`` with values uniform in [minval, maxval) (maxval defaults to 1 for
    float dtypes; int32/int64 need it, as in TF, and draw integers)."""
    dtype = _dtype(dtype, "random.uniform", integers=True)
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"random.uniform: Must specify maxval for integer dtype {dtype.name}")
        maxval = 1
    if not maxval > minval:
        raise ValueError(f"random.uniform: need minval < maxval, got minval={minval}, maxval={maxval}")
    shape = _shape(shape, "random.uniform")
    if dtype.is_integer:
        lo, hi = _np.iinfo(dtype.as_numpy_dtype).min, _np.iinfo(dtype.as_numpy_dtype).max
        if minval < lo or maxval - 1 > hi:
            raise ValueError(f"random.uniform: [minval, maxval) = [{minval}, {maxval}) is out of "
                             f"range for {dtype.name}")
        values = _draw("random.uniform", shape,
                       lambda: _rng(seed).integers(int(minval), int(maxval), shape))
        return _to_tensor(values, dtype)
    values = _draw("random.uniform", shape,
                   lambda: _rng(seed).uniform(float(minval), float(maxval), shape))
    return _to_tensor(values, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    """Normal values, redrawn until each lies within two standard deviations of the mean."""
    dtype = _dtype(dtype, "random.truncated_normal")
    rng = _rng(seed)
    shape = _shape(shape, "random.truncated_normal")
    values = _draw("random.truncated_normal", shape, lambda: rng.standard_normal(shape))
    bad = _np.abs(values) > 2.0
    while bad.any():
        values[bad] = rng.standard_normal(int(bad.sum()))
        bad = _np.abs(values) > 2.0
    return _to_tensor(values * stddev + mean, dtype)


def shuffle(value, seed=None, name=None):
    """``value`` with its first dimension in a random order (a new tensor)."""
    from . import convert_to_tensor
    t = convert_to_tensor(value)
    if t.ndim == 0:
        raise ValueError(f"random.shuffle: value must be at least 1-D, got shape {tuple(t.shape)}")
    arr = t.numpy()
    return _to_tensor(arr[_rng(seed).permutation(arr.shape[0])], t.dtype)


def _permutation(n):
    """Internal: a random order of range(n) from the global generator (fit's shuffling)."""
    return _generator.permutation(n)
