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


def _shape(shape):
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(d) for d in shape)


def _to_tensor(array, dtype):
    dtype = as_dtype(dtype)
    return _core._constant(_np.ascontiguousarray(array, dtype=dtype.as_numpy_dtype), dtype)


def normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    """A tensor of ``shape`` with values from a normal distribution N(mean, stddev²)."""
    values = _rng(seed).standard_normal(_shape(shape)) * stddev + mean
    return _to_tensor(values, dtype)


def uniform(shape, minval=0, maxval=None, dtype=float32, seed=None, name=None):
    """A tensor of ``shape`` with values uniform in [minval, maxval) (maxval defaults to 1)."""
    if maxval is None:
        maxval = 1
    if not maxval > minval:
        raise ValueError(f"uniform: need minval < maxval, got minval={minval}, maxval={maxval}")
    values = _rng(seed).uniform(float(minval), float(maxval), _shape(shape))
    return _to_tensor(values, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    """Normal values, redrawn until each lies within two standard deviations of the mean."""
    rng = _rng(seed)
    shape = _shape(shape)
    values = rng.standard_normal(shape)
    bad = _np.abs(values) > 2.0
    while bad.any():
        values[bad] = rng.standard_normal(int(bad.sum()))
        bad = _np.abs(values) > 2.0
    return _to_tensor(values * stddev + mean, dtype)


def shuffle(value, seed=None, name=None):
    """``value`` with its first dimension in a random order (a new tensor)."""
    from . import convert_to_tensor
    t = convert_to_tensor(value)
    arr = t.numpy()
    perm = _rng(seed).permutation(arr.shape[0]) if arr.ndim else None
    return _to_tensor(arr if perm is None else arr[perm], t.dtype)


def _permutation(n):
    """Internal: a random order of range(n) from the global generator (fit's shuffling)."""
    return _generator.permutation(n)
