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

__all__ = ["set_seed", "get_seed", "normal", "uniform", "truncated_normal", "shuffle", "categorical",
           "poisson", "gamma", "stateless_normal", "stateless_uniform"]

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


def _uniform_range(dtype, minval, maxval, op):
    """uniform's maxval (1 by default for floats; integer dtypes need it), checked > minval."""
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"{op}: Must specify maxval for integer dtype {dtype.name}")
        maxval = 1
    if not maxval > minval:
        raise ValueError(f"{op}: need minval < maxval, got minval={minval}, maxval={maxval}")
    return maxval


def uniform(shape, minval=0, maxval=None, dtype=float32, seed=None, name=None):
    """A tensor of ``shape`` with values uniform in [minval, maxval) (maxval defaults to 1 for
    float dtypes; int32/int64 need it, as in TF, and draw integers)."""
    dtype = _dtype(dtype, "random.uniform", integers=True)
    maxval = _uniform_range(dtype, minval, maxval, "random.uniform")
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


def _values(x, op, what):
    """x as a float64 numpy array (tensors, arrays, numbers); TypeError otherwise."""
    if isinstance(x, (_core.Tensor, _core.Variable)):
        a = x.numpy()
    else:
        try:
            a = _np.asarray(x)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{op}: {what} must be numbers ({e})") from None
    if a.dtype.kind not in "iuf":
        raise TypeError(f"{op}: {what} must be a float or integer tensor, got {a.dtype}")
    return a.astype(_np.float64)


def _out_shape(shape, extra, op):
    dims = _shape(shape, op)
    full = tuple(dims) + tuple(extra)
    _shape(list(full), op)  # refuses too many elements
    return full


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """Samples from categorical distributions, as ``tf.random.categorical``: ``logits`` is
    ``[batch, classes]`` unnormalized log-probabilities (``-inf``: never drawn); the result is
    ``[batch, num_samples]`` class ids, int64 (or ``dtype`` int32). Seeding as ``uniform``'s."""
    from .errors import InvalidArgumentError
    op = "random.categorical"
    lg = _values(logits, op, "logits")
    if lg.ndim != 2:
        raise InvalidArgumentError(f"{op}: logits must be 2-D [batch, classes], got shape {list(lg.shape)}")
    dt = as_dtype("int64" if dtype is None else dtype)
    if dt.name not in ("int32", "int64"):
        raise TypeError(f"{op}: dtype must be int32 or int64, got {dt.name}")
    n = num_samples.numpy() if isinstance(num_samples, (_core.Tensor, _core.Variable)) else num_samples
    if isinstance(n, bool) or not (isinstance(n, (int, _np.integer)) or (isinstance(n, (float, _np.floating, _np.ndarray))
                                                                        and _np.ndim(n) == 0 and float(n).is_integer())):
        raise TypeError(f"{op}: num_samples must be an int, got {num_samples!r:.40}")
    n = int(n)
    if n < 0:
        raise InvalidArgumentError(f"{op}: num_samples must be non-negative, got {n}")
    b, k = lg.shape
    _shape([b, n], op)
    if b and n and k == 0:
        raise InvalidArgumentError(f"{op}: logits must have at least one class")
    if _np.isnan(lg).any() or _np.isposinf(lg).any():
        raise InvalidArgumentError(f"{op}: logits must not be NaN or +inf")
    with _np.errstate(invalid="ignore", over="ignore"):
        m = lg.max(axis=1, keepdims=True) if k else _np.zeros((b, 1))
        p = _np.exp(lg - _np.where(_np.isfinite(m), m, 0.0))
    total = p.sum(axis=1, keepdims=True)
    if b and n and (total <= 0).any():
        raise InvalidArgumentError(f"{op}: a row of logits is all -inf")
    cdf = _np.cumsum(p / _np.where(total > 0, total, 1.0), axis=1)
    u = _draw(op, [b, n], lambda: _rng(seed).random((b, n)))
    # One searchsorted for every row: row r's cdf and draws shifted by r (all increasing).
    shift = _np.arange(b, dtype=_np.float64)[:, None]
    pos = _np.searchsorted((cdf + shift).reshape(-1), (u + shift).reshape(-1), side="right")
    out = _np.minimum(pos.reshape(b, n) - _np.arange(b)[:, None] * k, k - 1) if b * n else \
        _np.zeros((b, n), _np.int64)
    return _to_tensor(out, dt)


def poisson(shape, lam, dtype=float32, seed=None, name=None):
    """Samples from Poisson distributions of rates ``lam``, as ``tf.random.poisson``: the result
    has shape ``shape + lam.shape`` (float32, float64, int32 or int64). Rates must be
    non-negative (InvalidArgumentError). Seeding as ``uniform``'s. No gradient."""
    from .errors import InvalidArgumentError
    op = "random.poisson"
    dt = _dtype(dtype, op, integers=True)
    lam_ = _values(lam, op, "lam")
    if _np.isnan(lam_).any() or (lam_ < 0).any() or (lam_ > 1e15).any():
        raise InvalidArgumentError(f"{op}: lam must be non-negative and at most 1e15, got {lam_.min() if lam_.size else lam_}")
    full = _out_shape(shape, lam_.shape, op)
    values = _draw(op, list(full), lambda: _rng(seed).poisson(lam_, size=full))
    return _to_tensor(values, dt)


def gamma(shape, alpha, beta=None, dtype=float32, seed=None, name=None):
    """Samples from Gamma distributions of concentration ``alpha`` and rate ``beta`` (default 1),
    as ``tf.random.gamma``: shape ``shape + broadcast(alpha, beta).shape``, float32 or float64.
    ``alpha`` and ``beta`` must be positive (InvalidArgumentError). Seeding as ``uniform``'s.
    No gradient (TF's implicit reparameterization gradient is not implemented)."""
    from .errors import InvalidArgumentError
    op = "random.gamma"
    dt = _dtype(dtype, op)
    a = _values(alpha, op, "alpha")
    b = _np.ones(()) if beta is None else _values(beta, op, "beta")
    try:
        a, b = _np.broadcast_arrays(a, b)
    except ValueError:
        raise InvalidArgumentError(f"{op}: alpha shape {list(a.shape)} and beta shape {list(b.shape)} "
                                   "do not broadcast") from None
    if not (a > 0).all() or not (b > 0).all() or not _np.isfinite(a).all() or not _np.isfinite(b).all():
        raise InvalidArgumentError(f"{op}: alpha and beta must be positive and finite")
    full = _out_shape(shape, a.shape, op)
    values = _draw(op, list(full), lambda: _rng(seed).gamma(a, 1.0 / b, size=full))
    return _to_tensor(values, dt)


def _stateless_rng(seed, op):
    """A numpy Generator determined by the seed pair alone (not the global seed)."""
    arr = seed.numpy() if isinstance(seed, (_core.Tensor, _core.Variable)) else _np.asarray(seed)
    if arr.shape != (2,):
        raise ValueError(f"{op}: seed must be a pair of ints [a, b], got shape {list(_np.shape(arr))}")
    if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and _np.all(_np.isfinite(arr)) and
                                         _np.all(arr == _np.floor(arr))):
        raise TypeError(f"{op}: seed must be int32 or int64, got {arr.dtype}")
    words = [int(v) & (2 ** 64 - 1) for v in arr.tolist()]
    return _np.random.Generator(_np.random.Philox(key=words[0] | (words[1] << 64)))


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=float32, name=None, alg="auto_select"):
    """Normal values that depend only on the ``seed`` pair ``[a, b]``, as
    ``tf.random.stateless_normal``: the same seed gives the same tensor on every call (not
    TF's sequence). Float32 or float64."""
    op = "random.stateless_normal"
    dt = _dtype(dtype, op)
    dims = _shape(shape, op)
    rng = _stateless_rng(seed, op)
    values = _draw(op, dims, lambda: rng.standard_normal(dims) * stddev + mean)
    return _to_tensor(values, dt)


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=float32, name=None, alg="auto_select"):
    """Uniform values in [minval, maxval) that depend only on the ``seed`` pair, as
    ``tf.random.stateless_uniform`` (maxval defaults to 1 for floats; int32/int64 need it)."""
    op = "random.stateless_uniform"
    dt = _dtype(dtype, op, integers=True)
    maxval = _uniform_range(dt, minval, maxval, op)
    dims = _shape(shape, op)
    rng = _stateless_rng(seed, op)
    if dt.is_integer:
        info = _np.iinfo(dt.as_numpy_dtype)
        if minval < info.min or maxval - 1 > info.max:
            raise ValueError(f"{op}: [minval, maxval) = [{minval}, {maxval}) is out of range for {dt.name}")
        values = _draw(op, dims, lambda: rng.integers(int(minval), int(maxval), dims))
        return _to_tensor(values, dt)
    values = _draw(op, dims, lambda: rng.uniform(float(minval), float(maxval), dims))
    return _to_tensor(values, dt)
