"""tapegrad.random: random tensors and the global seed, as ``tf.random``.

Random values are drawn once, at creation (weight initialisation, shuffling), never on a
training step's hot path, so they come from one numpy ``Generator`` and are copied into a
tensor once. ``set_seed(n)`` makes every later draw in this process reproducible: layers
built, initialisers called and ``fit`` shuffles after ``set_seed(n)`` give the same numbers
on every run. Without a seed, draws differ from run to run (as in TF).

The distributions, dtypes, shapes and argument rules are TF's; the values are not TF's
(numpy's generators): the same seeds give the same numbers in tapegrad, not TF's numbers.
A tensor ``mean``/``stddev`` (``normal``, ``truncated_normal``) or ``minval``/``maxval``
(float ``uniform``) makes the result ``z * stddev + mean`` of recorded ops, differentiable
in them, as TF's. ``Generator`` is ``tf.random.Generator`` over numpy's Philox (its ``state``
an int64 Variable ``[counter, counter, key]``).
"""

import contextlib as _contextlib
import enum as _enum
import threading as _threading

import numpy as _np

from . import _core
from .dtypes import as_dtype, float32, int32, int64
from .errors import InvalidArgumentError

__all__ = ["set_seed", "get_seed", "normal", "uniform", "truncated_normal", "shuffle", "categorical",
           "poisson", "gamma", "stateless_normal", "stateless_uniform", "stateless_truncated_normal",
           "stateless_categorical", "stateless_poisson", "stateless_gamma", "stateless_binomial",
           "fold_in", "split", "Algorithm", "Generator", "create_rng_state", "get_global_generator",
           "set_global_generator"]

_global_seed = None
_generator = _np.random.default_rng()
_global_gen = None  # get_global_generator()'s Generator, made on first use
_U64 = 2 ** 64


def _word(v):
    """An int as a non-negative 64-bit word (negative seeds allowed, as TF's)."""
    return int(v) % _U64 if int(v) < 0 else int(v)


def set_seed(seed):
    """Set the global random seed: later random draws repeat exactly across runs.

    As ``tf.random.set_seed``: calling it again with the same value restarts the sequence.
    ``None`` returns to unseeded (fresh OS entropy).
    """
    global _global_seed, _generator, _global_gen
    _global_gen = None  # get_global_generator() starts again from the new seed
    _OP_RNGS.clear()  # the op seeds' sequences start again too
    if seed is None:
        _global_seed = None
        _generator = _np.random.default_rng()
        return
    _global_seed = int(seed)
    _generator = _np.random.default_rng(_word(_global_seed))


def get_seed():
    """The global seed last passed to :func:`set_seed` (``None`` when unseeded)."""
    return _global_seed


# (global seed word, op seed word) -> the Generator of that op seed, advancing (set_seed clears it)
_OP_RNGS = {}
_repeat = _threading.local()


@_contextlib.contextmanager
def _repeat_op_seeds():
    """Within it an op-level seed gives the same values on every call: Keras' seeded
    initializers repeat (as Keras 3's), where TF's stateful ops advance."""
    prev = getattr(_repeat, "on", False)
    _repeat.on = True
    try:
        yield
    finally:
        _repeat.on = prev


def _rng(seed=None):
    """The numpy Generator for one draw: the global one, or the one of an op seed.

    As TF's stateful ops, an op-level ``seed`` (combined with the global seed) starts a
    sequence that advances on every call: ``uniform([1], seed=1)`` twice gives two values, a
    seeded ``nn.dropout`` a new mask each step, and the whole run repeats after ``set_seed``.
    (Inside ``_repeat_op_seeds`` the first values come back every time.)
    """
    if seed is None:
        return _generator
    key = (0 if _global_seed is None else _word(_global_seed), _word(seed))
    if getattr(_repeat, "on", False):
        return _np.random.default_rng(list(key))
    g = _OP_RNGS.get(key)
    if g is None:
        g = _OP_RNGS[key] = _np.random.default_rng(list(key))
    return g


def _shape(shape, op, int32_only=False):
    """``shape`` as a tuple of ints, by TF's rules for a random op's shape (checked before
    anything is drawn). TF converts it to a tensor that must be a vector of int32 / int64:
    a list or tuple of ints (numpy ints, scalar int tensors too), a 1-D int32 / int64 tensor
    or array, a TensorShape. Else, as TF:

    - InvalidArgumentError: a scalar (``3``, ``np.int64(3)``, a 0-D tensor), a 2-D shape
      (``[[2, 3]]``, a 2-D tensor or array), dimensions that are not int32 / int64 (floats,
      bools alone, strings, uint8 / int16 arrays and tensors), a negative dimension, more
      elements than a tensor can hold;
    - ValueError: None (the shape or a dimension: a partially known TensorShape too), a list
      mixing bools or strings with ints, a ragged list, a non-sequence (a dict).

    ``int32_only``: ``gamma`` / ``poisson``, where TF converts the shape with dtype int32:
    a tensor other than int32 is a ValueError, a float or string a TypeError, while numpy
    arrays (float ones too, truncated) and bools are converted."""
    dims = tuple(_shape_dims(shape, op, int32_only))
    for d in dims:
        if d < 0:
            raise InvalidArgumentError(f"{op}: dimensions must be >= 0, got shape {dims} "
                                       f"(Dimension {d} must be >= 0)")
    n = 1
    for d in dims:
        n *= d
    if n * 8 >= 2 ** 63:  # numpy draws in float64
        raise InvalidArgumentError(f"{op}: shape {dims} has too many elements for a tensor "
                                   "(more than 2**63 - 1 bytes to draw)")
    return dims


def _show(x):
    """A short description of a ``shape`` argument for messages."""
    if isinstance(x, (_core.Tensor, _core.Variable)):
        return f"a tensor of dtype {x.dtype.name} and shape {list(x.shape)} ({x.numpy().tolist()!r:.60})"
    if isinstance(x, _np.ndarray):
        return f"an array of dtype {x.dtype} and shape {list(x.shape)} ({x.tolist()!r:.60})"
    return f"{x!r:.60}"


def _shape_dims(shape, op, int32_only):
    """The dimensions of ``shape`` (see ``_shape``), before the range checks."""
    where = f"{op}: shape"
    if isinstance(shape, _core.Variable):
        shape = shape.read_value()
    if shape is None:
        raise ValueError(f"{where} must be a list or a 1-D tensor of ints, got None")
    if isinstance(shape, _core.Tensor):
        name = shape.dtype.name
        if int32_only and name != "int32":
            raise ValueError(f"{where}: Tensor conversion requested dtype int32 for "
                             f"{_show(shape)}")
        if name not in ("int32", "int64"):
            raise InvalidArgumentError(f"{where} must hold int32 or int64 values, got "
                                       f"{_show(shape)}")
        arr = shape.numpy()
    elif isinstance(shape, (_np.ndarray, _np.generic)):
        arr = _np.asarray(shape)
        if int32_only:
            if arr.dtype.kind not in "iufb":
                raise TypeError(f"{where}: cannot convert {_show(shape)} to int32")
            arr = arr.astype(_np.int64)
        elif arr.dtype not in (_np.int32, _np.int64):
            raise InvalidArgumentError(f"{where} must hold int32 or int64 values, got "
                                       f"{_show(arr)}")
    elif isinstance(shape, (bool, int, float, str, bytes)):
        if int32_only and isinstance(shape, (float, str, bytes)):
            raise TypeError(f"{where}: cannot convert {shape!r:.60} to an int32 tensor")
        if isinstance(shape, int):  # bool too: a scalar either way
            raise InvalidArgumentError(f"{where} must be a vector (a list or 1-D tensor) of "
                                       f"int32 / int64, got the scalar {shape!r} (write "
                                       f"[{int(shape)}] for a 1-D result)")
        raise InvalidArgumentError(f"{where} must be a vector of int32 / int64, got {shape!r:.60}")
    elif isinstance(shape, (list, tuple)):
        arr = _sequence_dims(shape, op, int32_only)
    else:
        raise ValueError(f"{where}: cannot convert a {type(shape).__name__} ({shape!r:.60}) to a "
                         "tensor; give a list or a 1-D int tensor")
    if arr.ndim != 1:
        raise InvalidArgumentError(f"{where} must be a vector (1-D) of int32 / int64, got "
                                   f"{_show(shape)}, of rank {arr.ndim}")
    return [int(d) for d in arr]


def _sequence_dims(seq, op, int32_only):
    """A list / tuple ``shape`` as TF converts it: an int64 numpy array of its values (of
    its nesting's rank), or TF's error."""
    where = f"{op}: shape"
    leaves, kinds = [], set()

    def walk(x, depth, dims):
        if isinstance(x, (list, tuple)) or (isinstance(x, _np.ndarray) and x.ndim):
            n = len(x)
            if len(dims) <= depth:
                dims.append(n)
            elif dims[depth] != n:
                raise ValueError(f"{where}: cannot convert the non-rectangular sequence "
                                 f"{seq!r:.60} to a tensor")
            for v in x:
                walk(v, depth + 1, dims)
            return
        if leaf_depth and leaf_depth[0] != depth:
            raise ValueError(f"{where}: cannot convert the non-rectangular sequence {seq!r:.60} "
                             "to a tensor")
        leaf_depth[:] = [depth]
        if x is None:
            raise ValueError(f"{where}: a dimension is None in {seq!r:.60} (a partially known "
                             "shape cannot become a tensor)")
        if isinstance(x, _core.Variable):
            x = x.read_value()
        if isinstance(x, _core.Tensor):
            if x.ndim:  # TF packs the elements: a non-scalar one does not fit
                raise InvalidArgumentError(f"{where}: the elements of {seq!r:.80} must be scalars "
                                           f"to make a 1-D shape, got {_show(x)}")
            name = x.dtype.name
            if int32_only:
                kinds.add("int")
                leaves.append(int(x.numpy()))
                return
            if name not in ("int32", "int64"):
                raise InvalidArgumentError(f"{where} must hold int32 or int64 values, got "
                                           f"{_show(x)} in {seq!r:.60}")
            kinds.add("int")
            leaves.append(int(x.numpy()))
            return
        if isinstance(x, (bool, _np.bool_)):
            kinds.add("bool")
        elif isinstance(x, (int, _np.integer)):
            kinds.add("int")
        elif isinstance(x, (float, _np.floating)):
            kinds.add("float")
        elif isinstance(x, (str, bytes)):
            kinds.add("str")
        else:
            raise ValueError(f"{where}: cannot convert a {type(x).__name__} ({x!r:.40}) in "
                             f"{seq!r:.60} to a tensor")
        leaves.append(x)

    leaf_depth = []
    dims = []
    walk(seq, 0, dims)
    if "str" in kinds and len(kinds) > 1 or (not int32_only and "bool" in kinds and len(kinds) > 1):
        raise ValueError(f"{where}: cannot convert {seq!r:.60}, a sequence of mixed types, to a "
                         "tensor")
    if int32_only:
        if kinds & {"float", "str"}:
            raise TypeError(f"{where}: cannot convert {seq!r:.60} to an int32 tensor")
    elif kinds - {"int"}:
        kind = "floats" if "float" in kinds else ("bools" if "bool" in kinds else "strings")
        raise InvalidArgumentError(f"{where} must hold int32 or int64 values, got {kind}: "
                                   f"{seq!r:.60}")
    return _np.asarray([int(v) for v in leaves], dtype=_np.int64).reshape(dims)


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


def _is_t(x):
    return isinstance(x, (_core.Tensor, _core.Variable))


def _param(x, dt, op, what):
    """A float parameter as a tensor of ``dt``: a tensor must have it (as TF's conversion);
    numbers and arrays take it."""
    if _is_t(x):
        if x.dtype != dt:
            raise ValueError(f"{op}: {what} is a {x.dtype.name} tensor, but dtype is {dt.name} "
                             "(as TF, a tensor argument is not cast)")
        return x
    try:
        return _to_tensor(_np.asarray(x, dtype=_np.float64), dt)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{op}: {what} must be a number or a tensor, got {x!r:.40} ({e})") from None


def _affine(op, dt, z, scale, shift, names=("stddev", "mean")):
    """``z * scale + shift`` (z a float64 numpy draw): numpy when both are numbers or arrays,
    recorded tapegrad ops (differentiable in them) when either is a tensor, as TF's."""
    if _is_t(scale) or _is_t(shift):
        zt = _to_tensor(z, dt)
        return _core.add(_core.multiply(zt, _param(scale, dt, op, names[0])),
                         _param(shift, dt, op, names[1]))
    try:
        sc, sh = _np.asarray(scale, dtype=_np.float64), _np.asarray(shift, dtype=_np.float64)
        with _np.errstate(over="ignore", invalid="ignore"):
            if sc.ndim == 0 and sh.ndim == 0:  # in place (z is this draw's own array)
                if sc != 1.0:
                    z *= sc
                if sh != 0.0:
                    z += sh
                return _to_tensor(z, dt)
            v = z * sc + sh
    except ValueError as e:  # parameters that do not broadcast with the shape
        raise InvalidArgumentError(f"{op}: {e}") from None
    return _to_tensor(v, dt)


def _truncated(rng, dims, op):
    """Standard normal values, redrawn until each lies within [-2, 2]."""
    values = _draw(op, dims, lambda: rng.standard_normal(dims))
    bad = _np.abs(values) > 2.0
    while bad.any():
        values[bad] = rng.standard_normal(int(bad.sum()))
        bad = _np.abs(values) > 2.0
    return values


def _int_bound(x, op, what):
    """An integer bound (int, numpy or tensor scalar; whole floats, as tapegrad's constants)."""
    v = x.numpy() if _is_t(x) else x
    a = _np.asarray(v)
    if a.ndim != 0:
        raise InvalidArgumentError(f"{op}: {what} must be 0-D for an integer dtype, got shape "
                                   f"{list(a.shape)}")
    if a.dtype.kind in "iu":
        return int(a)
    if a.dtype.kind == "f" and _np.isfinite(a) and float(a).is_integer():
        return int(a)
    raise TypeError(f"{op}: {what} must be an integer for an integer dtype, got {x!r:.40}")


def _uniform(op, rng_fn, dims, minval, maxval, dt, full_range):
    """Uniform draws in [minval, maxval) (TF's rules; ``full_range``: both None with an integer
    dtype gives the dtype's whole range, as the stateless ops and ``Generator``)."""
    if dt.is_integer:
        info = _np.iinfo(dt.as_numpy_dtype)
        if full_range and minval is None and maxval is None:
            return _to_tensor(_draw(op, dims, lambda: rng_fn().integers(
                int(info.min), int(info.max), dims, dtype=_np.int64, endpoint=True)), dt)
        if maxval is None or minval is None:
            full = " (or minval=None and maxval=None for its full range)" if full_range else ""
            raise ValueError(f"{op}: Must specify maxval for integer dtype {dt.name}{full}; got "
                             f"minval={minval!r:.20} and maxval={maxval!r:.20}")
        lo, hi = _int_bound(minval, op, "minval"), _int_bound(maxval, op, "maxval")
        if lo >= hi:
            raise InvalidArgumentError(f"{op}: Need minval < maxval, got {lo} >= {hi}")
        if lo < info.min or hi - 1 > info.max:
            raise InvalidArgumentError(f"{op}: [minval, maxval) = [{lo}, {hi}) is out of range for "
                                       f"{dt.name}")
        return _to_tensor(_draw(op, dims, lambda: rng_fn().integers(lo, hi, dims)), dt)
    if minval is None:
        raise ValueError(f"{op}: minval must be a number or a tensor for dtype {dt.name}, got None")
    if maxval is None:
        maxval = 1
    u = _draw(op, dims, lambda: rng_fn().random(dims))
    if _is_t(minval) or _is_t(maxval):  # u * (maxval - minval) + minval: differentiable, as TF
        lo, hi = _param(minval, dt, op, "minval"), _param(maxval, dt, op, "maxval")
        return _core.add(_core.multiply(_to_tensor(u, dt), _core.subtract(hi, lo)), lo)
    npdt = dt.as_numpy_dtype
    try:
        lo, hi = _np.asarray(minval, dtype=_np.float64), _np.asarray(maxval, dtype=_np.float64)
    except TypeError as e:
        raise TypeError(f"{op}: minval and maxval must be numbers or tensors ({e})") from None
    if lo.ndim == 0 and hi.ndim == 0:  # the common case: in place, one pass to check the top
        if not (lo == 0.0 and hi == 1.0):
            with _np.errstate(over="ignore", invalid="ignore"):
                u *= hi - lo
                u += lo
        out = u.astype(npdt)
        top = npdt(hi)
        if top > npdt(lo) and out.size and out.max() >= top:
            out[out >= top] = _np.nextafter(top, npdt(-_np.inf))
        return _to_tensor(out, dt)
    try:
        with _np.errstate(over="ignore", invalid="ignore"):
            out = (lo + (hi - lo) * u).astype(npdt)
    except ValueError as e:
        raise InvalidArgumentError(f"{op}: {e}") from None
    # [minval, maxval) as TF: a draw that rounds up to maxval in the dtype (float32 rounding of
    # draws within 2**-25 of it) is moved to the largest value below it. minval >= maxval is
    # allowed for floats, as TF (minval == maxval gives minval).
    lo_c, hi_c = lo.astype(npdt), hi.astype(npdt)
    bad = (out >= hi_c) & (hi_c > lo_c)
    if bad.any():
        out = _np.where(bad, _np.nextafter(_np.broadcast_to(hi_c, out.shape), _np.asarray(-_np.inf, npdt)),
                        out)
    return _to_tensor(out, dt)


def normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    """A tensor of ``shape`` with values from a normal distribution N(mean, stddev²), as
    ``tf.random.normal`` (``mean``/``stddev`` broadcast with the shape; tensors of ``dtype``
    make it differentiable in them)."""
    op = "random.normal"
    dtype = _dtype(dtype, op)
    shape = _shape(shape, op)
    z = _draw(op, shape, lambda: _rng(seed).standard_normal(shape))
    return _affine(op, dtype, z, stddev, mean)


def uniform(shape, minval=0, maxval=None, dtype=float32, seed=None, name=None):
    """A tensor of ``shape`` with values uniform in [minval, maxval), as ``tf.random.uniform``:
    maxval defaults to 1 for float dtypes (tensor bounds broadcast, differentiable; minval >=
    maxval is allowed, as TF); int32/int64 need it, scalar bounds with minval < maxval
    (InvalidArgumentError), and draw integers."""
    op = "random.uniform"
    dtype = _dtype(dtype, op, integers=True)
    shape = _shape(shape, op)
    return _uniform(op, lambda: _rng(seed), shape, minval, maxval, dtype, False)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=float32, seed=None, name=None):
    """Normal values, redrawn until each lies within two standard deviations of the mean, as
    ``tf.random.truncated_normal`` (tensor ``mean``/``stddev`` as ``normal``'s)."""
    op = "random.truncated_normal"
    dtype = _dtype(dtype, op)
    rng = _rng(seed)
    shape = _shape(shape, op)
    return _affine(op, dtype, _truncated(rng, shape, op), stddev, mean)


def shuffle(value, seed=None, name=None):
    """``value`` with its first dimension in a random order (a new tensor; a scalar as it is)."""
    from . import convert_to_tensor
    t = convert_to_tensor(value)
    if t.ndim == 0:  # as TF: a scalar comes back as it is
        return _to_tensor(t.numpy(), t.dtype)
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
    """gamma's / poisson's output shape: ``shape`` (converted as TF's int32 shape) then the
    parameters' shape."""
    dims = _shape(shape, op, int32_only=True)
    full = tuple(dims) + tuple(extra)
    _shape(list(full), op)  # refuses too many elements
    return full


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """Samples from categorical distributions, as ``tf.random.categorical``: ``logits`` is
    ``[batch, classes]`` unnormalized log-probabilities (``-inf``: never drawn); the result is
    ``[batch, num_samples]`` class ids, int64 (or ``dtype`` int32). Seeding as ``uniform``'s."""
    return _categorical("random.categorical", logits, num_samples, dtype, lambda: _rng(seed))


def _categorical(op, logits, num_samples, dtype, rng_fn):
    lg = _values(logits, op, "logits")
    if lg.ndim != 2:
        raise InvalidArgumentError(f"{op}: logits must be 2-D [batch, classes], got shape {list(lg.shape)}")
    dt = as_dtype("int64" if dtype is None else dtype)
    if dt.name not in ("int32", "int64"):
        raise TypeError(f"{op}: dtype must be int32 or int64, got {dt.name}")
    n = _num_samples(num_samples, op)
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
    u = _draw(op, [b, n], lambda: rng_fn().random((b, n)))
    # One searchsorted for every row: row r's cdf and draws shifted by r (all increasing).
    shift = _np.arange(b, dtype=_np.float64)[:, None]
    pos = _np.searchsorted((cdf + shift).reshape(-1), (u + shift).reshape(-1), side="right")
    out = _np.minimum(pos.reshape(b, n) - _np.arange(b)[:, None] * k, k - 1) if b * n else \
        _np.zeros((b, n), _np.int64)
    return _to_tensor(out, dt)


def _num_samples(num_samples, op):
    """``num_samples`` as an int, as TF converts it (to an int32 scalar): Python ints and
    bools, numpy numbers and 0-D arrays (floats truncated), int32 scalar tensors. A float or
    string is a TypeError, None a ValueError, a 1-D value an InvalidArgumentError, a tensor
    of another dtype an InvalidArgumentError (``categorical``) or a ValueError
    (``stateless_categorical``, which converts it first)."""
    where = f"{op}: num_samples"
    x = num_samples.read_value() if isinstance(num_samples, _core.Variable) else num_samples
    if x is None:
        raise ValueError(f"{where} must be an int, got None")
    if isinstance(x, _core.Tensor):
        if x.dtype.name != "int32":
            cls = ValueError if "stateless" in op else InvalidArgumentError
            raise cls(f"{where} must be an int32 scalar tensor, got {_show(x)}")
        arr = x.numpy()
    elif isinstance(x, (float, str, bytes)) and not isinstance(x, _np.generic):
        raise TypeError(f"{where} must be an int, got {x!r:.40}")
    elif isinstance(x, (list, tuple)):
        try:
            arr = _np.asarray(x)
        except ValueError:
            raise ValueError(f"{where} must be an int, got {x!r:.40}") from None
        if arr.dtype.kind not in "iub":
            raise TypeError(f"{where} must be an int, got {x!r:.40}")
    else:
        arr = _np.asarray(x)
        if arr.dtype.kind not in "iufb":
            raise TypeError(f"{where} must be an int, got {x!r:.40}")
    if arr.ndim:
        raise InvalidArgumentError(f"{where} should be a scalar, got shape {list(arr.shape)}: "
                                   f"{_show(x)}")
    return int(arr)


def poisson(shape, lam, dtype=float32, seed=None, name=None):
    """Samples from Poisson distributions of rates ``lam``, as ``tf.random.poisson``: the result
    has shape ``shape + lam.shape`` (float32, float64, int32 or int64). Rates must be
    non-negative (InvalidArgumentError). Seeding as ``uniform``'s. No gradient."""
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


def _seed_pair(seed, op):
    """The ``[a, b]`` seed of a stateless op as two Python ints and its dtype (int32 or int64;
    whole floats accepted, as tapegrad's constants are float32)."""
    if seed is None:
        raise ValueError(f"{op}: seed must be a pair of ints [a, b], got None")
    arr = seed.numpy() if _is_t(seed) else _np.asarray(seed)
    if arr.shape != (2,):
        raise InvalidArgumentError(f"{op}: seed must be a pair of ints [a, b], got shape "
                                   f"{list(_np.shape(arr))}")
    if arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and _np.all(_np.isfinite(arr)) and
                                         _np.all(arr == _np.floor(arr))):
        raise TypeError(f"{op}: seed must be int32 or int64, got {arr.dtype}")
    # The seed's dtype, for the seeds split / fold_in return: int64 tensors and arrays keep it;
    # Python lists are int32, as TF converts them (and tapegrad's float32 constants stand for them)
    dt = int64 if (_is_t(seed) and seed.dtype == int64) or (
        isinstance(seed, (_np.ndarray, _np.generic)) and arr.dtype == _np.int64) else int32
    return [int(v) for v in arr.tolist()], dt


def _stateless_rng(seed, op):
    """A numpy Generator determined by the seed pair alone (not the global seed)."""
    words = [int(v) & (_U64 - 1) for v in _seed_pair(seed, op)[0]]
    return _np.random.Generator(_np.random.Philox(key=words[0] | (words[1] << 64)))


class Algorithm(_enum.Enum):
    """The RNG algorithms, as ``tf.random.Algorithm`` (tapegrad draws with numpy's Philox for
    every one: the values are not TF's)."""
    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


_ALG_NAMES = {"philox": Algorithm.PHILOX, "threefry": Algorithm.THREEFRY,
              "auto_select": Algorithm.AUTO_SELECT}


def _alg(alg, op):
    """``alg`` as an Algorithm: None, 'philox' / 'threefry' / 'auto_select' (any case), 1 / 2 /
    3 or an Algorithm, as TF; anything else a ValueError."""
    if alg is None:
        return Algorithm.AUTO_SELECT
    if isinstance(alg, Algorithm):
        return alg
    if isinstance(alg, str) and alg.lower() in _ALG_NAMES:
        return _ALG_NAMES[alg.lower()]
    if isinstance(alg, (int, _np.integer)) and not isinstance(alg, bool) and int(alg) in (1, 2, 3):
        return Algorithm(int(alg))
    raise ValueError(f"{op}: Argument `alg` got unsupported value {alg!r:.40}. Supported values "
                     "are 'philox', 'threefry' and 'auto_select' (or a tf.random.Algorithm)")


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=float32, name=None, alg="auto_select"):
    """Normal values that depend only on the ``seed`` pair ``[a, b]``, as
    ``tf.random.stateless_normal``: the same seed gives the same tensor on every call (not
    TF's sequence). Float32 or float64; tensor ``mean``/``stddev`` as ``normal``'s."""
    op = "random.stateless_normal"
    dt = _dtype(dtype, op)
    dims = _shape(shape, op)
    _alg(alg, op)
    rng = _stateless_rng(seed, op)
    return _affine(op, dt, _draw(op, dims, lambda: rng.standard_normal(dims)), stddev, mean)


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=float32, name=None, alg="auto_select"):
    """Uniform values in [minval, maxval) that depend only on the ``seed`` pair, as
    ``tf.random.stateless_uniform`` (maxval defaults to 1 for floats; int32/int64 need both
    bounds, or both None for the dtype's full range)."""
    op = "random.stateless_uniform"
    dt = _dtype(dtype, op, integers=True)
    dims = _shape(shape, op)
    _alg(alg, op)
    rng = _stateless_rng(seed, op)
    return _uniform(op, lambda: rng, dims, minval, maxval, dt, True)


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=float32, name=None,
                               alg="auto_select"):
    """``truncated_normal`` values that depend only on the ``seed`` pair, as
    ``tf.random.stateless_truncated_normal``."""
    op = "random.stateless_truncated_normal"
    dt = _dtype(dtype, op)
    dims = _shape(shape, op)
    _alg(alg, op)
    return _affine(op, dt, _truncated(_stateless_rng(seed, op), dims, op), stddev, mean)


def stateless_categorical(logits, num_samples, seed, dtype=int64, name=None):
    """``categorical`` samples that depend only on the ``seed`` pair, as
    ``tf.random.stateless_categorical`` (int64 ids by default)."""
    op = "random.stateless_categorical"
    rng = _stateless_rng(seed, op)
    return _categorical(op, logits, num_samples, dtype, lambda: rng)


def _broadcast_params(op, dims, *params):
    """Parameters (float64 arrays) broadcast to the full output shape ``dims`` (TF's stateless
    rule: the shape must end with their broadcast shape)."""
    try:
        return [_np.broadcast_to(p, dims) for p in _np.broadcast_arrays(*params)]
    except ValueError:
        raise InvalidArgumentError(f"{op}: shape {list(dims)} must end with the parameters' broadcast "
                                   f"shape (shapes {[list(_np.shape(p)) for p in params]})") from None


def stateless_poisson(shape, seed, lam, dtype=int32, name=None):
    """Poisson samples of rates ``lam`` (broadcast to ``shape``, the full output shape) that
    depend only on the ``seed`` pair, as ``tf.random.stateless_poisson`` (int32 by default;
    float32/float64/int64 too)."""
    op = "random.stateless_poisson"
    dt = _dtype(dtype, op, integers=True)
    dims = _shape(shape, op)
    lam_ = _values(lam, op, "lam")
    if _np.isnan(lam_).any() or (lam_ < 0).any() or (lam_ > 1e15).any():
        raise InvalidArgumentError(f"{op}: lam must be non-negative and at most 1e15")
    (lam_,) = _broadcast_params(op, dims, lam_)
    rng = _stateless_rng(seed, op)
    return _to_tensor(_draw(op, dims, lambda: rng.poisson(lam_)), dt)


def stateless_gamma(shape, seed, alpha, beta=None, dtype=float32, name=None):
    """Gamma samples of concentration ``alpha`` and rate ``beta`` (default 1; both broadcast to
    ``shape``, the full output shape) that depend only on the ``seed`` pair, as
    ``tf.random.stateless_gamma``. No gradient."""
    op = "random.stateless_gamma"
    dt = _dtype(dtype, op)
    dims = _shape(shape, op)
    a = _values(alpha, op, "alpha")
    b = _np.ones(()) if beta is None else _values(beta, op, "beta")
    if not (a > 0).all() or not (b > 0).all() or not _np.isfinite(a).all() or not _np.isfinite(b).all():
        raise InvalidArgumentError(f"{op}: alpha and beta must be positive and finite")
    a, b = _broadcast_params(op, dims, a, b)
    rng = _stateless_rng(seed, op)
    return _to_tensor(_draw(op, dims, lambda: rng.gamma(a, 1.0 / b)), dt)


def _binomial(op, rng, dims, counts, probs, dt):
    n = _values(counts, op, "counts")
    p = _values(probs, op, "probs")
    if (n < 0).any() or not _np.isfinite(n).all() or _np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        raise InvalidArgumentError(f"{op}: counts must be non-negative and finite, probs in [0, 1]")
    n, p = _broadcast_params(op, dims, _np.floor(n), p)
    return _to_tensor(_draw(op, dims, lambda: rng.binomial(n.astype(_np.int64), p)), dt)


def stateless_binomial(shape, seed, counts, probs, output_dtype=int32, name=None):
    """Binomial samples (``counts`` trials of probability ``probs``, both broadcast to
    ``shape``) that depend only on the ``seed`` pair, as ``tf.random.stateless_binomial``."""
    op = "random.stateless_binomial"
    dt = _dtype(output_dtype, op, integers=True)
    return _binomial(op, _stateless_rng(seed, op), _shape(shape, op), counts, probs, dt)


def split(seed, num=2, alg="auto_select"):
    """``num`` new seed pairs derived from ``seed``, as ``tf.random.split``: as TF's,
    ``stateless_uniform([num, 2], seed, minval=None, maxval=None, dtype=<the seed's dtype>)``
    (int32 for a list; the values are not TF's)."""
    op = "random.split"
    _, dt = _seed_pair(seed, op)
    n = _int_bound(num, op, "num")
    if n < 0:
        raise InvalidArgumentError(f"{op}: num must be non-negative, got {n}")
    return stateless_uniform([n, 2], seed, minval=None, maxval=None, dtype=dt, alg=alg)


def fold_in(seed, data, alg="auto_select"):
    """A new seed pair from ``seed`` and the integer ``data``, as ``tf.random.fold_in``: as
    TF's, ``[stateless_uniform([], seed, minval=None, maxval=None, dtype=<data's dtype>),
    data]`` (int32 for a Python int; the values are not TF's)."""
    op = "random.fold_in"
    if _is_t(data):
        if data.dtype not in (int32, int64) or data.ndim != 0:
            raise TypeError(f"{op}: data must be an int32 or int64 scalar, got {data.dtype.name} of "
                            f"shape {list(data.shape)}")
        dt, d = data.dtype, int(data.numpy())
    else:
        dt = int64 if isinstance(data, (_np.int64, _np.ndarray)) and _np.asarray(data).dtype == _np.int64 \
            else int32
        d = _int_bound(data, op, "data")
    first = stateless_uniform([], seed, minval=None, maxval=None, dtype=dt, alg=alg)
    info = _np.iinfo(dt.as_numpy_dtype)
    if not info.min <= d <= info.max:
        raise ValueError(f"{op}: data {d} is out of range for {dt.name}")
    return _core._constant(_np.array([int(first.numpy()), d], dtype=dt.as_numpy_dtype), dt)


# -- tf.random.Generator ------------------------------------------------------------------------

def _state_size(alg):
    return 2 if alg == Algorithm.THREEFRY else 3


def _resolve(alg, op):
    a = _alg(alg, op)
    return Algorithm.PHILOX if a == Algorithm.AUTO_SELECT else a


def _seed_words(seed, size, op):
    """A seed (an int of any size, or a list/array/tensor of ints) as ``size`` int64 words: an
    int split into 64-bit words (little-endian), then zero-padded, as TF's _make_1d_state."""
    if _is_t(seed):
        seed = seed.numpy()
    if isinstance(seed, (bool, _np.bool_)):
        raise TypeError(f"{op}: seed must be an integer, got {seed!r}")
    if isinstance(seed, (int, _np.integer)):
        v = int(seed)
        if v < 0:  # TF: a negative seed is the all-ones words of its two's complement
            return [-1] * size
        words = []
        while v and len(words) < size:
            words.append(v & (_U64 - 1))
            v >>= 64
    else:
        a = _np.asarray(seed)
        if a.dtype.kind not in "iu" or a.ndim != 1:
            raise TypeError(f"{op}: seed must be an integer or a vector of integers, got {seed!r:.40}")
        words = [int(w) for w in a.tolist()][:size]
    words = words + [0] * (size - len(words))
    return [w - _U64 if w >= 2 ** 63 else w for w in words]


def _state_from_seed(seed, a, op):
    """The state for a seed: the seed's first word is the key and its next word the high counter
    word (Philox ``[0, w1, w0]``, ThreeFry ``[w1, w0]``), so different seeds give independent
    streams (TF puts the seed in the counter: its seeds 5 and 6 are one stream shifted)."""
    w = _seed_words(seed, 2, op)
    return [0, w[1], w[0]] if _state_size(a) == 3 else [w[1], w[0]]


def create_rng_state(seed, alg):
    """The int64 RNG state ``Generator`` keeps for a seed, as ``tf.random.create_rng_state``
    (Philox: 3 words ``[counter, counter, key]``, ThreeFry: 2; the seed goes in the key, not in
    the counter as TF's)."""
    op = "random.create_rng_state"
    a = _resolve(alg, op)
    return _core._constant(_np.array(_state_from_seed(seed, a, op), _np.int64), int64)


class Generator:
    """A random number generator with its own state, as ``tf.random.Generator``: ``from_seed``,
    ``from_non_deterministic_state``, ``from_state``, ``from_key_counter``, or ``Generator(
    copy_from=g)`` / ``Generator(state=..., alg=...)``; ``normal``, ``uniform`` (integers:
    both bounds, or both None for the full range), ``uniform_full_int`` (int64 by default:
    tapegrad has no uint64), ``truncated_normal``, ``binomial``, ``make_seeds``, ``split``,
    ``reset``, ``reset_from_seed``, ``reset_from_key_counter``, ``skip``; ``state`` (an int64
    Variable: Philox ``[counter, counter, key]``; a Variable given as ``state`` is shared, as
    TF's), ``algorithm``, ``key``. Each draw advances
    the state, so the same seed gives the same sequence (numpy's Philox: not TF's numbers).
    The distributions' arguments are the module functions' (tensor parameters
    differentiable)."""

    def __init__(self, copy_from=None, state=None, alg=None):
        op = "random.Generator"
        if copy_from is not None:
            if not isinstance(copy_from, Generator):
                raise TypeError(f"{op}: copy_from must be a Generator, got {type(copy_from).__name__}")
            a, words = copy_from._alg, copy_from._state.numpy().tolist()
        else:
            if state is None:
                raise ValueError(f"{op}: give copy_from or state (or use Generator.from_seed / "
                                 "from_non_deterministic_state)")
            a = _resolve(alg, op)
            if isinstance(state, _core.Variable) and state.dtype == int64 and \
                    tuple(state.shape) == (_state_size(a),):
                self._alg, self._state = a, state  # as TF: a Variable state is shared, not copied
                return
            arr = _np.asarray(state.numpy() if _is_t(state) else state)
            if arr.ndim != 1 or arr.shape[0] != _state_size(a) or (arr.size and arr.dtype.kind not in "iu"):
                raise ValueError(f"{op}: the state of algorithm {a.name} is {_state_size(a)} int64 "
                                 f"words, got {arr.dtype} of shape {list(arr.shape)}")
            words = arr.astype(_np.int64).tolist()
        from . import Variable
        self._alg = a
        self._state = Variable(_np.array(words, dtype=_np.int64), trainable=False, dtype=int64)

    # -- factories ----------------------------------------------------------------------------
    @classmethod
    def from_seed(cls, seed, alg=None):
        """A Generator whose state comes from ``seed`` (an int or a vector of ints)."""
        a = _resolve(alg, "Generator.from_seed")
        return cls(state=_np.array(_state_from_seed(seed, a, "Generator.from_seed"), _np.int64), alg=a)

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        """A Generator seeded from OS entropy (different on every run)."""
        return cls.from_seed(int(_np.random.SeedSequence().entropy) & (2 ** 63 - 1), alg)

    @classmethod
    def from_state(cls, state, alg):
        """A Generator with the int64 ``state`` given."""
        return cls(state=state, alg=alg)

    @classmethod
    def from_key_counter(cls, key, counter, alg):
        """A Generator from a key (an int) and a counter (a vector of ints)."""
        return cls(state=_np.concatenate([_np.asarray(counter, _np.int64).reshape(-1),
                                          _np.asarray([key], _np.int64)]), alg=alg)

    # -- state ----------------------------------------------------------------------------------
    @property
    def state(self):
        """The int64 state Variable (the counter words, then the key)."""
        return self._state

    @property
    def algorithm(self):
        """The algorithm's number (1: Philox, 2: ThreeFry), as TF's."""
        return self._alg.value

    @property
    def key(self):
        """The key: the state's last word (a scalar int64 tensor)."""
        return _core._constant(_np.array(self._state.numpy()[-1], _np.int64), int64)

    def reset(self, state):
        """Set the state (``algorithm``'s number of int64 words)."""
        arr = _np.asarray(state.numpy() if _is_t(state) else state, dtype=_np.int64)
        if arr.shape != (_state_size(self._alg),):
            raise ValueError(f"Generator.reset: the state has {_state_size(self._alg)} words, got "
                             f"shape {list(arr.shape)}")
        self._state.assign(arr)

    def reset_from_seed(self, seed):
        """Set the state from ``seed``, as ``from_seed`` does."""
        self._state.assign(_np.array(_state_from_seed(seed, self._alg, "Generator.reset_from_seed"),
                                     _np.int64))

    def reset_from_key_counter(self, key, counter):
        """Set the state from a key and a counter."""
        self.reset(_np.concatenate([_np.asarray(counter, _np.int64).reshape(-1),
                                    _np.asarray([key], _np.int64)]))

    def skip(self, delta):
        """Advance the counter by ``delta`` (as if that many blocks had been drawn)."""
        d = _int_bound(delta, "Generator.skip", "delta")
        words = [int(w) & (_U64 - 1) for w in self._state.numpy().tolist()]
        n = len(words) - 1
        counter = sum(w << (64 * i) for i, w in enumerate(words[:n])) + d
        counter %= 2 ** (64 * n)
        words[:n] = [(counter >> (64 * i)) & (_U64 - 1) for i in range(n)]
        self._state.assign(_np.array([w - _U64 if w >= 2 ** 63 else w for w in words], _np.int64))

    def _rng(self):
        """A numpy Philox Generator at the current state (``_advance`` stores where it ends)."""
        words = [int(w) & (_U64 - 1) for w in self._state.numpy().tolist()]
        counter = words[:-1] + [0] * (5 - len(words))
        return _np.random.Generator(_np.random.Philox(key=[words[-1], 0], counter=counter))

    def _run(self, fn):
        rng = self._rng()
        try:
            return fn(rng)
        finally:  # the next draw starts after the blocks this one used (never reuses them)
            c = rng.bit_generator.state["state"]["counter"]
            n = _state_size(self._alg) - 1
            words = [int(w) for w in c[:n]] + [int(self._state.numpy()[-1]) & (_U64 - 1)]
            self._state.assign(_np.array([w - _U64 if w >= 2 ** 63 else w for w in words], _np.int64))

    # -- distributions ----------------------------------------------------------------------------
    def normal(self, shape, mean=0.0, stddev=1.0, dtype=float32, name=None):
        """Normal values, as ``tf.random.normal`` (drawn from this generator)."""
        op = "Generator.normal"
        dt, dims = _dtype(dtype, op), _shape(shape, op)
        z = self._run(lambda rng: _draw(op, dims, lambda: rng.standard_normal(dims)))
        return _affine(op, dt, z, stddev, mean)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=float32, name=None):
        """Truncated normal values (within two standard deviations), as
        ``tf.random.truncated_normal``."""
        op = "Generator.truncated_normal"
        dt, dims = _dtype(dtype, op), _shape(shape, op)
        return _affine(op, dt, self._run(lambda rng: _truncated(rng, dims, op)), stddev, mean)

    def uniform(self, shape, minval=0, maxval=None, dtype=float32, name=None):
        """Uniform values in [minval, maxval), as ``tf.random.uniform`` (integers: both bounds,
        or both None for the dtype's full range)."""
        op = "Generator.uniform"
        dt, dims = _dtype(dtype, op, integers=True), _shape(shape, op)
        return self._run(lambda rng: _uniform(op, lambda: rng, dims, minval, maxval, dt, True))

    def uniform_full_int(self, shape, dtype=int64, name=None):
        """Integers over the dtype's whole range (int32 or int64; TF's default uint64 is int64
        here)."""
        op = "Generator.uniform_full_int"
        dt, dims = _dtype(dtype, op, integers=True), _shape(shape, op)
        if not dt.is_integer:
            raise TypeError(f"{op}: dtype must be int32 or int64, got {dt.name}")
        return self._run(lambda rng: _uniform(op, lambda: rng, dims, None, None, dt, True))

    def binomial(self, shape, counts, probs, dtype=int32, name=None):
        """Binomial samples (``counts``, ``probs`` broadcast to ``shape``), as
        ``tf.random.Generator.binomial``."""
        op = "Generator.binomial"
        dt, dims = _dtype(dtype, op, integers=True), _shape(shape, op)
        return self._run(lambda rng: _binomial(op, rng, dims, counts, probs, dt))

    def make_seeds(self, count=1):
        """``count`` seed pairs for the stateless ops: an int64 tensor of shape ``[2, count]``."""
        n = _int_bound(count, "Generator.make_seeds", "count")
        return self.uniform_full_int([2, n], int64)

    def split(self, count=1):
        """``count`` new Generators seeded from this one's draws (a list)."""
        seeds = self.make_seeds(count).numpy()
        return [Generator(state=_np.array(_state_from_seed(
            (int(seeds[0, i]) & (_U64 - 1)) | ((int(seeds[1, i]) & (_U64 - 1)) << 64), self._alg,
            "Generator.split"), _np.int64), alg=self._alg) for i in range(seeds.shape[1])]

    def __repr__(self):
        return f"<tapegrad.random.Generator algorithm={self._alg.name} state={self._state.numpy().tolist()}>"


def get_global_generator():
    """The global Generator, as ``tf.random.get_global_generator``: made on first use from the
    global seed when one is set (``set_seed`` starts it again), else from OS entropy."""
    global _global_gen
    if _global_gen is None:
        _global_gen = Generator.from_non_deterministic_state() if _global_seed is None else \
            Generator.from_seed(_global_seed)
    return _global_gen


def set_global_generator(generator):
    """Replace the global Generator, as ``tf.random.set_global_generator``."""
    global _global_gen
    if not isinstance(generator, Generator):
        raise TypeError(f"random.set_global_generator: expected a Generator, got "
                        f"{type(generator).__name__}")
    _global_gen = generator


# -- session 24 (helper "ctc/sampled"): the candidate samplers ----------------------------------
#
# TF's range samplers (core/kernels/range_sampler.cc): ``num_sampled`` draws from a fixed (or
# learned) distribution over [0, range_max); with ``unique`` a repeated draw is rejected and
# drawn again, and ``num_tries`` counts every draw. The expected count of a class of
# probability p is ``p * num_sampled`` when ``num_tries == num_sampled`` (always without
# ``unique``), else ``-expm1(num_tries * log1p(-p))``, TF's formula. The draws come from this
# module's numpy generators (seeded as ``uniform``), so they are not TF's numbers; the
# distributions, dtypes, shapes and expected counts are TF's.

__all__ += ["uniform_candidate_sampler", "log_uniform_candidate_sampler",
            "learned_unigram_candidate_sampler", "fixed_unigram_candidate_sampler",
            "all_candidate_sampler"]

_LEARNED_COUNTS = {}  # learned_unigram_candidate_sampler's counts, per argument set (TF's kernel state)


def _true_classes(true_classes, num_true, op):
    from ._segment_ops import _int_array
    if _is_t(true_classes) and true_classes.dtype.name != "int64":
        raise InvalidArgumentError(f"{op}: true_classes must be an int64 tensor, got "
                                   f"{true_classes.dtype.name}")
    a = _int_array(true_classes, op, "true_classes").astype(_np.int64)
    if a.ndim != 2:
        raise InvalidArgumentError(f"{op}: true_classes must be a matrix [batch_size, num_true], "
                                   f"got shape {list(a.shape)}")
    if a.shape[1] != int(num_true):
        raise InvalidArgumentError(f"{op}: true_classes must have num_true={int(num_true)} columns, "
                                   f"got shape {list(a.shape)}")
    return a


def _expected(p, num_sampled, num_tries):
    p = _np.asarray(p, dtype=_np.float32)
    if num_tries == num_sampled:
        return (p * _np.float32(num_sampled)).astype(_np.float32)
    with _np.errstate(divide="ignore"):
        return (-_np.expm1(_np.float32(num_tries) * _np.log1p(-p))).astype(_np.float32)


def _sample_candidates(op, true_classes, num_true, num_sampled, unique, range_max, seed, probs,
                       draw):
    """(sampled [num_sampled] int64, true_expected_count, sampled_expected_count) float32.
    ``probs(ids)`` gives the probabilities, ``draw(rng, n)`` n ids."""
    tc = _true_classes(true_classes, num_true, op)
    n = int(num_sampled)
    r = int(range_max)
    if n < 0 or r < 1:
        raise InvalidArgumentError(f"{op}: num_sampled must be >= 0 and range_max >= 1, got "
                                   f"{n} and {r}")
    if unique and n > r:
        raise InvalidArgumentError(f"{op}: Sampler's range is too small: num_sampled={n} "
                                   f"> range_max={r} with unique=True")
    if tc.size and (tc.min() < 0 or tc.max() >= r):
        bad = tc[(tc < 0) | (tc >= r)][0]
        raise InvalidArgumentError(f"{op}: `true_candidate` out of range [0, {r}), received {bad}")
    rng = _rng(seed)
    if unique:
        out, seen, tries = [], set(), 0
        while len(out) < n:
            for v in draw(rng, max(2 * (n - len(out)), 16)).tolist():
                tries += 1
                if v not in seen:
                    seen.add(v)
                    out.append(v)
                    if len(out) == n:
                        break
        sampled = _np.asarray(out, dtype=_np.int64)
    else:
        sampled = _np.asarray(draw(rng, n), dtype=_np.int64).reshape(n)
        tries = n
    true_exp = _expected(probs(tc), n, tries)
    samp_exp = _expected(probs(sampled), n, tries)
    return (_to_tensor(sampled, int64), _to_tensor(true_exp, float32), _to_tensor(samp_exp, float32))


def uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max, seed=None,
                              name=None):
    """``num_sampled`` classes drawn uniformly from ``[0, range_max)`` (without repeats when
    ``unique``), as ``tf.random.uniform_candidate_sampler``: ``(sampled_candidates`` int64
    ``[num_sampled]``, ``true_expected_count`` float32 ``[batch, num_true]``,
    ``sampled_expected_count`` float32 ``[num_sampled])``, the expected counts TF's (see the
    note above). ``true_classes`` is an int64 ``[batch, num_true]`` matrix. The draws are
    tapegrad's (a ``seed`` repeats them as ``uniform``'s), not TF's numbers. No gradient."""
    op = "uniform_candidate_sampler"
    r = int(range_max)
    return _sample_candidates(op, true_classes, num_true, num_sampled, unique, r, seed,
                              lambda ids: _np.full(_np.shape(ids), 1.0 / r),
                              lambda rng, k: rng.integers(0, r, size=k))


def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                  seed=None, name=None):
    """As ``uniform_candidate_sampler`` but Zipfian, as
    ``tf.random.log_uniform_candidate_sampler``: ``P(k) = log((k + 2) / (k + 1)) /
    log(range_max + 1)`` (class ids sorted by decreasing frequency)."""
    op = "log_uniform_candidate_sampler"
    r = int(range_max)
    log_range = _np.log1p(r)

    def draw(rng, k):
        v = _np.floor(_np.exp(rng.random(k) * log_range) - 1.0).astype(_np.int64)
        return _np.clip(v, 0, r - 1)
    return _sample_candidates(op, true_classes, num_true, num_sampled, unique, r, seed,
                              lambda ids: _np.log((_np.asarray(ids, _np.float64) + 2.0)
                                                  / (_np.asarray(ids, _np.float64) + 1.0)) / log_range,
                              draw)


def _weighted(weights):
    w = _np.asarray(weights, dtype=_np.float64)
    total = w.sum()
    p = w / total
    cdf = _np.cumsum(p)

    def draw(rng, k):
        return _np.minimum(_np.searchsorted(cdf, rng.random(k) * cdf[-1], side="right"), len(w) - 1)
    return (lambda ids: p[_np.asarray(ids, dtype=_np.int64)]), draw


def learned_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                      seed=None, name=None):
    """As ``uniform_candidate_sampler`` but from a unigram distribution learned from the true
    classes seen so far, as ``tf.random.learned_unigram_candidate_sampler``: every class
    starts with count 1, and after each call the true classes' counts grow by one (each
    occurrence), so the next call with the same arguments (``num_true``, ``num_sampled``,
    ``unique``, ``range_max``, ``seed``) samples from the updated counts, as TF's cached kernel
    does."""
    op = "learned_unigram_candidate_sampler"
    r = int(range_max)
    key = (int(num_true), int(num_sampled), bool(unique), r, seed)
    counts = _LEARNED_COUNTS.get(key)
    if counts is None:
        counts = _np.ones(r, dtype=_np.float64)
    probs, draw = _weighted(counts)
    out = _sample_candidates(op, true_classes, num_true, num_sampled, unique, r, seed, probs, draw)
    counts = counts.copy()
    _np.add.at(counts, _true_classes(true_classes, num_true, op).reshape(-1), 1.0)
    _LEARNED_COUNTS[key] = counts
    return out


def fixed_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                    vocab_file="", distortion=1.0, num_reserved_ids=0, num_shards=1,
                                    shard=0, unigrams=(), seed=None, name=None):
    """As ``uniform_candidate_sampler`` but from given unigram counts, as
    ``tf.random.fixed_unigram_candidate_sampler``: ``P(k)`` is proportional to
    ``count[k] ** distortion``; the counts are ``unigrams`` or the last comma-separated field
    of each line of ``vocab_file``, after ``num_reserved_ids`` ids of count 0. With
    ``num_shards`` > 1 only the ids ``i`` with ``i % num_shards == shard`` are kept (in order,
    numbered from 0), and ``range_max`` must equal their number (InvalidArgumentError, as TF)."""
    op = "fixed_unigram_candidate_sampler"
    if vocab_file and len(unigrams):
        raise InvalidArgumentError(f"{op}: give vocab_file or unigrams, not both")
    if vocab_file:
        with open(vocab_file) as f:
            counts = [float(line.strip().split(",")[-1]) for line in f if line.strip()]
    else:
        counts = [float(u) for u in unigrams]
    if not counts:
        raise InvalidArgumentError(f"{op}: must provide either vocab_file or unigrams")
    w = [0.0] * int(num_reserved_ids) + [c ** float(distortion) for c in counts]
    w = [v for i, v in enumerate(w) if i % int(num_shards) == int(shard)]
    r = int(range_max)
    if len(w) != r:
        raise InvalidArgumentError(f"{op}: range is {r} must be equal to weights size  {len(w)}")
    probs, draw = _weighted(w)
    return _sample_candidates(op, true_classes, num_true, num_sampled, unique, r, seed, probs, draw)


def all_candidate_sampler(true_classes, num_true, num_sampled, unique, seed=None, name=None):
    """Every class ``0 .. num_sampled - 1``, as ``tf.random.all_candidate_sampler`` (for tests:
    the full softmax): sampled ``range(num_sampled)`` int64, every expected count 1.0."""
    op = "all_candidate_sampler"
    tc = _true_classes(true_classes, num_true, op)
    n = int(num_sampled)
    return (_to_tensor(_np.arange(n), int64), _to_tensor(_np.ones(tc.shape), float32),
            _to_tensor(_np.ones(n), float32))
