"""TF functions built in Python from recorded ops (no ops.def row: their gradients are those of
the ops they use), and ``tf.function``, which eager-only tapegrad runs as plain Python."""

import builtins
import collections
import collections.abc
import functools
import numbers

import numpy as np

from . import _core, dtypes
from ._convert import as_tensor
from .errors import InvalidArgumentError

builtins_range = builtins.range  # `range` below is TF's

__all__ = ["function", "tile", "split", "norm", "range", "eye", "unstack", "reverse", "boolean_mask",
           "is_tensor", "sort", "argsort", "top_k"]


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_implements=None,
             experimental_autograph_options=None, experimental_attributes=None,
             experimental_relax_shapes=None, experimental_compile=None,
             experimental_follow_type_hints=None):
    """``tf.function``, for code written for TF: tapegrad has no graphs, so the decorated
    function runs eagerly, as TF's does under ``tf.config.run_functions_eagerly(True)``.

    Works as ``@function`` and as ``@function(...)`` (the arguments are accepted and ignored).
    Tapes record the ops it runs as usual; Python side effects happen on every call (under TF
    they happen only while tracing).
    """
    def wrap(f):
        if not callable(f):
            raise TypeError(f"function: expected a callable, got {type(f).__name__!r}")

        @functools.wraps(f)
        def run(*args, **kwargs):
            return f(*args, **kwargs)
        run.python_function = f
        return run
    return wrap if func is None else wrap(func)


def _tensor(x, op, what):
    return as_tensor(x, None, f"{op}: {what}")


def _ints(values, op, what):
    vals = np.asarray(values.numpy() if isinstance(values, _core.Tensor) else values)
    if vals.ndim > 1 or vals.dtype.kind not in "iub" and not (
            vals.dtype.kind == "f" and np.all(vals == np.floor(vals))):
        raise InvalidArgumentError(f"{op}: {what} must be a list of integers, got {values!r:.80}")
    return [int(v) for v in np.atleast_1d(vals)]


def tile(input, multiples, name=None):  # noqa: A002 (TF's argument name)
    """``input`` repeated ``multiples[i]`` times along each axis i, as ``tf.tile``
    (``multiples`` has one non-negative integer per dimension). Its gradient sums the copies.
    """
    x = _keep_dtype(input, "tile", "input")
    reps = _ints(multiples, "tile", "multiples")
    if len(reps) != x.ndim:
        raise InvalidArgumentError(
            f"tile: expected multiples argument to be a vector of length {x.ndim} (the rank of "
            f"input {list(x.shape)}), got {len(reps)} values")
    if any(r < 0 for r in reps):
        raise InvalidArgumentError(f"tile: multiples must be non-negative, got {reps}")
    if all(r == 1 for r in reps):
        return _core.identity(x)
    # (d0, d1, ...) -> (1, d0, 1, d1, ...) -> broadcast (m0, d0, m1, d1, ...) -> (m0 d0, m1 d1, ...)
    inter = [v for d in x.shape for v in (1, d)]
    wide = [v for r, d in zip(reps, x.shape) for v in (r, d)]
    y = _core.broadcast_to(_core.reshape(x, inter), wide)
    return _core.reshape(y, [r * d for r, d in zip(reps, x.shape)])


def split(value, num_or_size_splits, axis=0, num=None, name=None):
    """A list of pieces of ``value`` along ``axis``, as ``tf.split``: an int n cuts it into n
    equal pieces (the dimension must divide evenly), a list gives the sizes (one of them may be
    -1: the rest). Each piece is a recorded slice.
    """
    x = _keep_dtype(value, "split", "value")
    if x.ndim == 0:
        raise InvalidArgumentError("split: value must have rank >= 1, got a scalar")
    if not isinstance(axis, numbers.Integral) or not -x.ndim <= axis < x.ndim:
        raise InvalidArgumentError(
            f"split: axis {axis!r} is out of range for a tensor of rank {x.ndim}")
    axis = int(axis) % x.ndim
    dim = x.shape[axis]
    if isinstance(num_or_size_splits, numbers.Integral):
        n = int(num_or_size_splits)
        if n <= 0 or dim % n:
            raise InvalidArgumentError(
                f"split: the dimension {axis} of size {dim} (shape {list(x.shape)}) does not "
                f"split evenly into {n} pieces")
        sizes = [dim // n] * n
    else:
        sizes = _ints(num_or_size_splits, "split", "num_or_size_splits")
        if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
            raise InvalidArgumentError(
                f"split: sizes must be non-negative with at most one -1, got {sizes}")
        if -1 in sizes:
            rest = dim - (sum(sizes) + 1)
            if rest < 0:
                raise InvalidArgumentError(
                    f"split: sizes {sizes} add up to more than the dimension {axis} of size {dim}")
            sizes[sizes.index(-1)] = rest
        if sum(sizes) != dim:
            raise InvalidArgumentError(
                f"split: sizes {sizes} add up to {sum(sizes)}, not to the size {dim} of "
                f"dimension {axis} (shape {list(x.shape)})")
    if num is not None and int(num) != len(sizes):
        raise InvalidArgumentError(f"split: num={num} but the split makes {len(sizes)} pieces")
    pieces, start = [], 0
    for s in sizes:
        begin = [0] * x.ndim
        size = list(x.shape)
        begin[axis], size[axis] = start, s
        pieces.append(_core.slice(x, begin, size))
        start += s
    return pieces


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 (TF's name)
    """The numbers ``start, start + delta, ...`` up to ``limit`` (excluded), as ``tf.range``:
    ``range(n)`` counts from 0. The dtype is ``dtype``, else, as TF infers it, the widest of
    the arguments' dtypes in the order int32 < int64 < float32 < float64, where a tensor or
    numpy scalar has its own, a Python int is int32 and a Python float float32."""
    from .dtypes import as_dtype, float32, float64, int32, int64
    if limit is None:
        start, limit = 0, start
    args = [start, limit, delta]
    for a in args:
        if isinstance(a, bool) or not isinstance(a, (numbers.Real, _core.Tensor)):
            raise TypeError(f"range: start, limit and delta must be numbers, got {a!r}")
    vals = [a.numpy()[()] if isinstance(a, _core.Tensor) else a for a in args]
    if dtype is None:
        order = [int32, int64, float32, float64]

        def own(a):
            if isinstance(a, _core.Tensor):
                d = a.dtype
            elif isinstance(a, np.generic):
                d = as_dtype(a.dtype)
            else:
                d = int32 if isinstance(a, numbers.Integral) else float32
            if d not in order:
                raise TypeError(f"range: arguments must be int32, int64, float32 or float64, "
                                f"got {d.name}")
            return d
        dtype = max((own(a) for a in args), key=order.index)
    dtype = as_dtype(dtype)
    if dtype.is_bool:
        raise TypeError("range: dtype must be a number type, got bool")
    if vals[2] == 0:
        raise InvalidArgumentError("range: Requires delta != 0")
    if (vals[2] > 0 and vals[0] > vals[1]) or (vals[2] < 0 and vals[0] < vals[1]):
        raise InvalidArgumentError(f"range: Requires start <= limit when delta > 0 (or >= when "
                                   f"delta < 0): {vals[0]}/{vals[1]}/{vals[2]}")
    out = np.arange(vals[0], vals[1], vals[2], dtype=np.float64 if dtype.is_floating else np.int64)
    if dtype.is_integer and out.size and (out.min() < dtype.min or out.max() > dtype.max):
        raise ValueError(f"range: values out of range for {dtype.name}")
    return _core._constant(out.astype(dtype.as_numpy_dtype), dtype)


def _keep_dtype(x, op, what):
    """x as a tensor of its own dtype (numpy integer/bool arrays keep theirs, as in TF)."""
    from .math import _value
    return _value(x, op, what)


def eye(num_rows, num_columns=None, batch_shape=None, dtype="float32", name=None):
    """The identity matrix (ones on the diagonal), as ``tf.eye``: ``num_rows x num_columns``
    (square by default), repeated over ``batch_shape`` when given."""
    from .dtypes import as_dtype
    dt = as_dtype(dtype)
    n = int(num_rows)
    m = n if num_columns is None else int(num_columns)
    if n < 0 or m < 0:
        raise InvalidArgumentError(f"eye: num_rows and num_columns must be >= 0, got {n} and {m}")
    e = np.eye(n, m, dtype=dt.as_numpy_dtype)
    if batch_shape is not None:
        e = np.broadcast_to(e, tuple(_ints(batch_shape, "eye", "batch_shape")) + (n, m)).copy()
    return _core._constant(e, dt)


def unstack(value, num=None, axis=0, name=None):
    """The slices of ``value`` along ``axis``, each without that axis, as ``tf.unstack``
    (differentiable). ``num``, when given, must equal the dimension."""
    x = _keep_dtype(value, "unstack", "value")
    if x.ndim == 0:
        raise ValueError("unstack: cannot unstack a scalar (rank 0) tensor")
    axis = int(axis)
    if not -x.ndim <= axis < x.ndim:
        raise InvalidArgumentError(f"unstack: axis {axis} is out of range for a tensor of rank {x.ndim}")
    axis %= x.ndim
    dim = x.shape[axis]
    if num is not None and int(num) != dim:
        raise ValueError(f"unstack: num={num} but dimension {axis} has size {dim}")
    out = []
    for i in builtins_range(dim):
        begin = [0] * x.ndim
        size = list(x.shape)
        begin[axis], size[axis] = i, 1
        out.append(_core.squeeze(_core.slice(x, begin, size), [axis]))
    return out


def reverse(tensor, axis, name=None):
    """``tensor`` with the order of its entries reversed along each of ``axis``, as
    ``tf.reverse`` (a gather per axis: its gradient reverses the gradient)."""
    x = _keep_dtype(tensor, "reverse", "tensor")
    axes = _ints(axis, "reverse", "axis")
    seen = set()
    for a in axes:
        if not -x.ndim <= a < x.ndim:
            raise InvalidArgumentError(f"reverse: axis {a} is out of range for a tensor of rank {x.ndim}")
        if a % x.ndim in seen:
            raise InvalidArgumentError(f"reverse: axis {a % x.ndim} specified more than once")
        seen.add(a % x.ndim)
    for a in sorted(seen):
        idx = _core._constant(np.arange(x.shape[a] - 1, -1, -1, dtype=np.int64), None)
        x = _core.gather(x, idx, a)
    return x


def boolean_mask(tensor, mask, axis=None, name=None):
    """The entries of ``tensor`` where ``mask`` is True, as ``tf.boolean_mask``: ``mask`` (rank
    k, shape equal to ``tensor``'s dimensions ``axis .. axis + k``) flattens those dimensions
    to one, keeping the selected rows in order. A numeric mask selects its nonzero entries
    (NaN included), as TF's eager boolean_mask does (its ``tf.where``). Differentiable in
    ``tensor``."""
    x = _keep_dtype(tensor, "boolean_mask", "tensor")
    m = _keep_dtype(mask, "boolean_mask", "mask")
    axis = 0 if axis is None else int(axis)
    k = m.ndim
    if k == 0:
        raise ValueError("boolean_mask: mask cannot be a scalar")
    if axis < 0:
        axis += x.ndim
    if axis < 0 or axis + k > x.ndim or list(x.shape[axis:axis + k]) != list(m.shape):
        raise InvalidArgumentError(
            f"boolean_mask: mask shape {list(m.shape)} must match the dimensions {axis}..{axis + k - 1} "
            f"of tensor shape {list(x.shape)}")
    lead, rest = list(x.shape[:axis]), list(x.shape[axis + k:])
    flat = _core.reshape(x, lead + [int(np.prod(m.shape, dtype=np.int64))] + rest)
    idx = _core.reshape(_core.where(_core.reshape(m, [-1])), [-1])
    return _core.gather(flat, idx, axis)


def _gather_batch_dims(params, indices, axis, batch_dims):
    """``tf.gather`` with ``batch_dims`` != 0 (the C++ op calls this; see its docstring): the
    first b dimensions of ``params`` and ``indices`` are batch dimensions that must match, each
    batch element gathering with its own indices; ``axis`` defaults to b and may not be less.
    Done as one ordinary gather over the merged batch and axis dimensions, each batch
    element's indices offset by its first row, so the gradient is gather's."""
    p = params.read_value() if isinstance(params, _core.Variable) else params
    if not isinstance(p, _core.Tensor):
        p = _core._constant(p, None, "gather")  # the op's own conversion: numpy ints stay ints
    idx = np.asarray(indices.numpy() if isinstance(indices, (_core.Tensor, _core.Variable)) else indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"gather: indices must be an int32 or int64 tensor, got {idx.dtype.name} "
                        "(cast it with tapegrad.cast)")
    b = int(batch_dims) + (idx.ndim if batch_dims < 0 else 0)
    if not 0 <= b <= idx.ndim:
        raise InvalidArgumentError(f"gather: batch_dims {batch_dims} is out of range for indices of "
                                   f"rank {idx.ndim} (expected [-{idx.ndim}, {idx.ndim}])")
    nd = p.ndim
    a = b if axis is None else int(axis)
    a += nd if a < 0 else 0
    if not b <= a < nd:
        raise InvalidArgumentError(f"gather: axis {axis} must be in [batch_dims, rank(params)) = "
                                   f"[{b}, {nd}) for params of shape {list(p.shape)}")
    if tuple(p.shape[:b]) != idx.shape[:b]:
        raise InvalidArgumentError(f"gather: params.shape[:{b}] {list(p.shape[:b])} must equal "
                                   f"indices.shape[:{b}] {list(idx.shape[:b])} (batch_dims {b})")
    n = p.shape[a]
    bad = (idx < 0) | (idx >= n)
    if bad.any():
        j = int(np.flatnonzero(bad.reshape(-1))[0])
        raise InvalidArgumentError(f"gather: indices[{j}] = {int(idx.reshape(-1)[j])} is not in [0, {n})")
    # Bring axis next to the batch dimensions, merge them with it, and offset each batch
    # element's indices by its first row: one ordinary gather along axis 0.
    batch, between, rest = list(p.shape[:b]), list(p.shape[b:a]), list(p.shape[a + 1:])
    nb = int(np.prod(batch, dtype=np.int64))
    if a != b:
        p = _core.transpose(p, list(builtins_range(b)) + [a] + list(builtins_range(b, a)) +
                            list(builtins_range(a + 1, nd)))
    flat = _core.reshape(p, [nb * n] + between + rest)
    offsets = (np.arange(nb, dtype=np.int64) * n).reshape((nb,) + (1,) * (idx.ndim - b))
    fi = idx.reshape((nb,) + idx.shape[b:]).astype(np.int64) + offsets
    out = _core.gather(flat, _core._constant(fi, None), 0)  # [nb, *indices.shape[b:], *between, *rest]
    ik = idx.ndim - b
    out = _core.reshape(out, batch + list(idx.shape[b:]) + between + rest)
    if a != b:  # TF's order: batch, between, the index dimensions, rest
        nbt, nw = len(batch), len(between)
        out = _core.transpose(out, list(builtins_range(nbt)) +
                              list(builtins_range(nbt + ik, nbt + ik + nw)) +
                              list(builtins_range(nbt, nbt + ik)) +
                              list(builtins_range(nbt + ik + nw, nbt + ik + nw + len(rest))))
    return out


def is_tensor(x):
    """True for a tapegrad Tensor or Variable, as ``tf.is_tensor``."""
    return isinstance(x, (_core.Tensor, _core.Variable))


def _descending(direction, op):
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"{op}: direction must be 'ASCENDING' or 'DESCENDING', got {direction!r}")
    return direction == "DESCENDING"


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """int32 indices that sort ``values`` along ``axis``, as ``tf.argsort``. Ties keep their
    order (always stable); NaN sorts above every number (last ascending, first descending).
    Float, int32 and int64 tensors. No gradient."""
    desc = _descending(direction, "argsort")
    return _core._argsort(_keep_dtype(values, "argsort", "values"), axis, desc, None, "argsort", False)


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """``values`` sorted along ``axis``, as ``tf.sort`` (the order of ``argsort``). The
    gradient goes back to each value's original position."""
    desc = _descending(direction, "sort")
    x = _keep_dtype(values, "sort", "values")
    if not _core._recording() and x.dtype != dtypes.bool and x.ndim > 0:
        # No tape: numpy's sort (AVX-512 sorting networks in numpy 2), 10-30x our argsort and
        # gather; the same values in the same order (stable or not, equal values are equal).
        ax = axis if isinstance(axis, numbers.Integral) else _ints(axis, "sort", "axis")[0]
        if not -x.ndim <= ax < x.ndim:
            raise InvalidArgumentError(f"sort: axis {ax} is out of range for a tensor of rank {x.ndim}")
        a = x.numpy()
        out = np.flip(np.sort(np.flip(a, ax), axis=ax), ax) if desc else np.sort(a, axis=ax)
        return _core._constant(out, x.dtype)
    # One gather of flattened x at the positions argsort gives: the gradient goes back to
    # where each value came from.
    pos = _core._argsort(x, axis, desc, None, "sort", True)
    return _core.reshape(_core.gather(_core.reshape(x, [-1]), _core.reshape(pos, [-1])), pos.shape)


TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def top_k(input, k=1, sorted=True, index_type="int32", name=None):  # noqa: A002 (TF's names)
    """The ``k`` largest entries along the last axis and their indices, as ``tf.math.top_k``:
    a ``(values, indices)`` named tuple, largest first, ties in index order (NaN counts as the
    largest). ``sorted=False`` returns them sorted too. Gradient: to the chosen positions."""
    x = _keep_dtype(input, "top_k", "input")
    kv = np.asarray(k.numpy() if isinstance(k, _core.Tensor) else k)
    if kv.ndim != 0:
        raise InvalidArgumentError(f"top_k: k must be a scalar, got shape {list(kv.shape)}")
    # an int (or a whole float: tf.constant(3) is float32 in tapegrad)
    if not (kv.dtype.kind in "iu" or kv.dtype.kind == "f" and float(kv).is_integer()):
        raise TypeError(f"top_k: k must be an integer, got {k!r:.60}")
    k = int(kv)
    if k < 0:
        raise InvalidArgumentError(f"top_k: need k >= 0, got {k}")
    itype = dtypes.as_dtype(index_type)
    if itype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"top_k: index_type must be int32 or int64, got {itype.name}")
    pos = _core._argsort(x, -1, True, k, "top_k", True)  # positions in x: row * n + index
    values = _core.reshape(_core.gather(_core.reshape(x, [-1]), _core.reshape(pos, [-1])), pos.shape)
    idx = pos.numpy() % max(x.shape[-1], 1)
    return TopKV2(values, _core._constant(idx.astype(itype.as_numpy_dtype), itype))


def _index_constant(values):
    return _core._constant(np.asarray(values, dtype=np.int64), None)


def roll(input, shift, axis, name=None):  # noqa: A002 (TF's argument name)
    """``input`` with its entries shifted ``shift`` places along ``axis``, wrapping around, as
    ``tf.roll`` (``shift`` and ``axis`` ints or equal-length lists; shifts on the same axis add
    up); negative shifts go the other way). Per rolled axis the two pieces swap places: two
    slices and a concat (a gather along an inner axis was 7-14x slower than numpy's roll);
    the gradient rolls back."""
    x = _keep_dtype(input, "roll", "input")
    shifts = _ints(shift, "roll", "shift")
    axes = _ints(axis, "roll", "axis")
    if len(shifts) != len(axes):
        raise InvalidArgumentError(f"roll: shift and axis must have the same size, got {len(shifts)} "
                                   f"shifts and {len(axes)} axes")
    total = collections.defaultdict(int)
    for s, a in zip(shifts, axes):
        if not -x.ndim <= a < x.ndim:
            raise InvalidArgumentError(f"roll: axis {a} is out of range for a tensor of rank {x.ndim}")
        total[a % x.ndim] += s
    for a in sorted(total):
        n = x.shape[a]
        s = total[a] % n if n else 0
        if s:
            begin, size = [0] * x.ndim, list(x.shape)
            tail_begin, tail_size = list(begin), list(size)
            tail_begin[a], tail_size[a] = n - s, s
            size[a] = n - s
            x = _core.concat([_core.slice(x, tail_begin, tail_size), _core.slice(x, begin, size)], a)
    return x if x is not input else _core.identity(x)


def repeat(input, repeats, axis=None, name=None):  # noqa: A002 (TF's argument name)
    """Each entry of ``input`` repeated ``repeats`` times along ``axis``, as ``tf.repeat`` /
    ``np.repeat``: ``repeats`` an int or one non-negative int per entry of that axis; ``axis``
    None repeats the flattened tensor. A gather: its gradient sums each entry's copies."""
    x = _keep_dtype(input, "repeat", "input")
    reps = _ints(repeats, "repeat", "repeats")
    if axis is None:
        x = _core.reshape(x, [-1])
        axis = 0
    if not isinstance(axis, numbers.Integral) or not -max(x.ndim, 1) <= axis < max(x.ndim, 1) or x.ndim == 0:
        raise InvalidArgumentError(f"repeat: axis {axis!r} is out of range for a tensor of rank {x.ndim}")
    axis = int(axis) % x.ndim
    n = x.shape[axis]
    if len(reps) not in (1, n):
        raise InvalidArgumentError(f"repeat: repeats must be a scalar or have one value per entry of "
                                   f"axis {axis} ({n}), got {len(reps)} values")
    if any(r < 0 for r in reps):
        raise InvalidArgumentError(f"repeat: repeats must be non-negative, got {reps}")
    return _core.gather(x, _index_constant(np.repeat(np.arange(n), reps if len(reps) == n else reps[0])), axis)


def meshgrid(*args, **kwargs):
    """Coordinate grids from 1-D tensors, as ``tf.meshgrid`` / ``np.meshgrid``: ``indexing='xy'``
    (the default: the first two outputs' axes swapped, for Cartesian x/y) or ``'ij'`` (matrix
    indexing). Each output is a broadcast of one input: its gradient sums over the others' axes."""
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"meshgrid: unexpected keyword arguments {sorted(kwargs)}")
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    xs = [_keep_dtype(a, "meshgrid", f"argument {i}") for i, a in enumerate(args)]
    if not xs:
        return []
    for i, t in enumerate(xs):
        if t.ndim != 1:
            raise InvalidArgumentError(f"meshgrid: argument {i} must be 1-D, got shape {list(t.shape)}")
    sizes = [t.shape[0] for t in xs]
    order = list(builtins.range(len(xs)))
    if indexing == "xy" and len(xs) > 1:
        order[0], order[1] = 1, 0  # output axis of each input
    shape = [sizes[order.index(d)] for d in builtins.range(len(xs))]
    out = []
    for i, t in enumerate(xs):
        view = [1] * len(xs)
        view[order[i]] = sizes[i]
        out.append(_core.broadcast_to(_core.reshape(t, view), shape))
    return out


def sequence_mask(lengths, maxlen=None, dtype="bool", name=None):
    """``mask[..., j] = j < lengths[...]``, as ``tf.sequence_mask`` (``maxlen`` defaults to the
    largest length; ``dtype`` bool, or any dtype the mask is cast to). No gradient."""
    n = np.asarray(lengths.numpy() if isinstance(lengths, _core.Tensor) else lengths)
    if n.dtype.kind not in "iu" and not (n.dtype.kind == "f" and np.all(n == np.floor(n))):
        raise TypeError(f"sequence_mask: lengths must be integers, got {n.dtype.name}")
    if maxlen is None:
        maxlen = int(n.max()) if n.size else 0
    else:
        maxlen = int(maxlen.numpy() if isinstance(maxlen, _core.Tensor) else maxlen)
        if maxlen < 0:
            raise InvalidArgumentError(f"sequence_mask: maxlen must be non-negative, got {maxlen}")
    mask = np.arange(maxlen) < n[..., None]
    return _core.cast(_core._constant(mask, None), dtypes.as_dtype(dtype))


def gather_nd(params, indices, batch_dims=0, name=None):
    """Slices of ``params`` at the index tuples in the last axis of ``indices``, as
    ``tf.gather_nd``: ``indices[..., :M]`` addresses ``params``'s first M dimensions (after the
    ``batch_dims`` leading ones, which ``params`` and ``indices`` share), and the result has
    shape ``indices.shape[:-1] + params.shape[batch_dims + M:]``. Out-of-range indices are an
    InvalidArgumentError (TF's CPU behaviour). One gather on the flattened leading dimensions:
    differentiable in ``params``."""
    x = _keep_dtype(params, "gather_nd", "params")
    idx = _nd_indices(indices, "gather_nd")
    b = int(batch_dims)
    if not 0 <= b < idx.ndim or b > x.ndim:
        raise InvalidArgumentError(f"gather_nd: batch_dims {batch_dims} must be in [0, {min(idx.ndim - 1, x.ndim)}]")
    if list(idx.shape[:b]) != list(x.shape[:b]):
        raise InvalidArgumentError(f"gather_nd: the {b} batch dimensions of params {list(x.shape)} and "
                                   f"indices {list(idx.shape)} differ")
    m = idx.shape[-1]
    if b:  # the batch coordinates become leading index columns
        grids = np.meshgrid(*[np.arange(d) for d in idx.shape[:b]], indexing="ij")
        cols = [np.broadcast_to(g.reshape(g.shape + (1,) * (idx.ndim - 1 - b)), idx.shape[:-1]) for g in grids]
        idx = np.concatenate([np.stack(cols, -1), idx], -1) if m else np.stack(cols, -1)
    flat, rest = _nd_flat(idx, x.shape, "gather_nd", "params")
    src = _core.reshape(x, [int(np.prod(x.shape[:b + m], dtype=np.int64))] + rest)
    out = _core.gather(src, _index_constant(flat.reshape(-1)), 0)
    return _core.reshape(out, list(idx.shape[:-1]) + rest)


def _nd_indices(indices, op):
    idx = np.asarray(indices.numpy() if isinstance(indices, _core.Tensor) else indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be int32 or int64, got {idx.dtype.name}")
    if idx.ndim == 0:
        raise InvalidArgumentError(f"{op}: indices must have rank >= 1, got a scalar")
    return idx


def _nd_flat(idx, shape, op, what):
    """Row-major positions in ``shape[:M]`` of the index tuples ``idx[..., :M]`` (bounds
    checked), and the shape of the slices they address, ``shape[M:]``."""
    m = idx.shape[-1]
    if m > len(shape):
        raise InvalidArgumentError(f"{op}: index tuples of length {m} (indices shape {list(idx.shape)}) "
                                   f"address more than the {len(shape)} dimensions of {what} {list(shape)}")
    lead = [int(d) for d in shape[:m]]
    bad = (idx < 0) | (idx >= np.asarray(lead, dtype=np.int64))
    if bad.any():
        pos = tuple(int(v) for v in np.argwhere(bad)[0][:-1])
        raise InvalidArgumentError(f"{op}: indices{list(pos)} = {idx[pos].tolist()} does not index "
                                   f"{what} of shape {list(shape)}")
    flat = np.ravel_multi_index(tuple(np.moveaxis(idx, -1, 0)), lead) if lead else np.zeros(idx.shape[:-1], np.int64)
    return flat.astype(np.int64), [int(d) for d in shape[m:]]


def _scatter_sum(idx, flat, rest, updates, shape, op, what):
    """``zeros(shape)`` with ``updates`` added at the index tuples ``idx`` (their positions
    ``flat`` and slice shape ``rest`` from _nd_flat; repeats add up): one unsorted_segment_sum
    over the flattened leading dimensions, differentiable in updates."""
    want = list(idx.shape[:-1]) + rest
    if list(updates.shape) != want:
        raise InvalidArgumentError(f"{op}: updates must have shape indices.shape[:-1] + {what}.shape"
                                   f"[{idx.shape[-1]}:] = {want}, got {list(updates.shape)}")
    n = int(np.prod(shape[:idx.shape[-1]], dtype=np.int64))
    rows = _core.reshape(updates, [flat.size] + rest)
    out = _core.unsorted_segment_sum(rows, _index_constant(flat.reshape(-1)), n)
    return _core.reshape(out, [int(d) for d in shape])


def _scatter_args(indices, shape, op, what):
    idx = _nd_indices(indices, op)
    return (idx,) + _nd_flat(idx, shape, op, what)


def scatter_nd(indices, updates, shape, name=None):
    """A tensor of ``shape``, zero but for ``updates`` added at ``indices``, as
    ``tf.scatter_nd`` (repeated indices add up). Differentiable in ``updates``."""
    u = _keep_dtype(updates, "scatter_nd", "updates")
    shp = _ints(shape, "scatter_nd", "shape")
    if any(d < 0 for d in shp):
        raise InvalidArgumentError(f"scatter_nd: shape must be non-negative, got {shp}")
    return _scatter_sum(*_scatter_args(indices, shp, "scatter_nd", "shape"), u, shp, "scatter_nd", "shape")


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """``tensor`` with ``updates`` added at ``indices``, as ``tf.tensor_scatter_nd_add``
    (repeated indices add up). Differentiable in both."""
    from .math import _convert_like
    t = _keep_dtype(tensor, "tensor_scatter_nd_add", "tensor")
    u = _convert_like(updates, t.dtype, "tensor_scatter_nd_add", "updates")  # a list takes t's dtype
    if u.dtype != t.dtype:
        raise TypeError(f"tensor_scatter_nd_add: updates must be {t.dtype.name} as tensor, got {u.dtype.name}")
    op = "tensor_scatter_nd_add"
    return _core.add(t, _scatter_sum(*_scatter_args(indices, t.shape, op, "tensor"), u, t.shape, op, "tensor"))


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """``tensor`` with the slices at ``indices`` replaced by ``updates``, as
    ``tf.tensor_scatter_nd_update``; of repeated indices the last update wins (TF leaves the
    order unspecified). Differentiable in both: the replaced slices pass no gradient to
    ``tensor``, a losing repeat none to its update."""
    from .math import _convert_like
    op = "tensor_scatter_nd_update"
    t = _keep_dtype(tensor, op, "tensor")
    u = _convert_like(updates, t.dtype, op, "updates")  # a Python list takes t's dtype, as TF
    if u.dtype != t.dtype:
        raise TypeError(f"{op}: updates must be {t.dtype.name} as tensor, got {u.dtype.name}")
    idx, flat, rest = _scatter_args(indices, t.shape, op, "tensor")
    pos = flat.reshape(-1)
    last = np.zeros(pos.size, bool)  # the last occurrence of each position
    last[pos.size - 1 - np.unique(pos[::-1], return_index=True)[1]] = True
    keep = last.reshape(idx.shape[:-1])
    if keep.all():
        kept = u
    else:  # losing repeats contribute 0 (a where: an inf or NaN among them must not leak)
        sel = _core._constant(np.ascontiguousarray(keep.reshape(keep.shape + (1,) * (u.ndim - keep.ndim))), None)
        kept = _core.where(sel, u, _core._constant(np.zeros((), u.dtype.as_numpy_dtype), u.dtype))
    scattered = _scatter_sum(idx, flat, rest, kept, t.shape, op, "tensor")
    hit = np.zeros(int(np.prod(t.shape[:idx.shape[-1]], dtype=np.int64)), bool)
    hit[pos] = True
    mask = np.broadcast_to(hit.reshape([int(d) for d in t.shape[:idx.shape[-1]]] + [1] * (t.ndim - idx.shape[-1])), t.shape)
    return _core.where(_core._constant(np.ascontiguousarray(mask), None), scattered, t)


def _global_norm(tensors):
    """``sqrt(sum of every element squared)`` over the float tensors of one dtype in
    ``tensors`` (``tf.linalg.global_norm``'s value; ``clip_by_global_norm`` uses it too)."""
    sq = [_core.reduce_sum(_core.square(t)) for t in tensors]
    total = sq[0]
    for s in sq[1:]:
        total = _core.add(total, s)
    return _core.sqrt(total)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """``(t * clip_norm / max(global_norm, clip_norm) for t in t_list, global_norm)``, as
    ``tf.clip_by_global_norm``: ``global_norm = sqrt(sum of every element squared)`` over the
    whole list (``use_norm`` replaces it), None entries stay None, and an infinite norm makes
    every entry NaN (as TF). Differentiable in the tensors."""
    if isinstance(t_list, (_core.Tensor, _core.Variable)) or not isinstance(t_list, collections.abc.Sequence):
        raise TypeError("clip_by_global_norm: t_list should be a sequence of tensors")
    ts = [None if t is None else _keep_dtype(t, "clip_by_global_norm", "t_list entry") for t in t_list]
    present = [t for t in ts if t is not None]
    if not present:
        raise ValueError("clip_by_global_norm: t_list has no tensors (only None)")
    dt = present[0].dtype
    for t in present:
        if not t.dtype.is_floating or t.dtype != dt:
            raise TypeError(f"clip_by_global_norm: every tensor must be {dt.name} (a float dtype), got {t.dtype.name}")
    if use_norm is None:
        use_norm = _global_norm(present)
    else:
        use_norm = _core.cast(_tensor(use_norm, "clip_by_global_norm", "use_norm"), dt)
    c = _core.cast(_tensor(clip_norm, "clip_by_global_norm", "clip_norm"), dt)
    one = _core._constant(1.0, dt)
    scale = _core.multiply(c, _core.minimum(_core.divide(one, use_norm), _core.divide(one, c)))
    scale = _core.add(scale, _core.subtract(use_norm, use_norm))  # NaN if the norm is inf
    return [None if t is None else _core.multiply(t, scale) for t in ts], use_norm


def linspace(start, stop, num, axis=0, name=None):
    """``num`` evenly spaced values from ``start`` to ``stop`` (both included), as
    ``tf.linspace``; ``start`` and ``stop`` may be tensors of one shape, the values then run
    along ``axis`` of the result. float32 or float64 (``start``'s; an int32 / int64 ``start``
    gives float64, a uint8 one float32, as TF's true division); differentiable in both."""
    a = _keep_dtype(start, "linspace", "start")
    b = _keep_dtype(stop, "linspace", "stop")
    span = None
    if a.dtype == dtypes.uint8:
        # TF's linspace_nd: (stop - start) in uint8, which wraps around (10 -> 0 spans 246),
        # then true division, float32 for uint8 (its _TRUEDIV_TABLE)
        if b.dtype != a.dtype:
            b = _core.cast(b, a.dtype)
        span = _core.cast(_core.subtract(b, a), "float32")
        a, b = _core.cast(a, "float32"), _core.cast(b, "float32")
    elif a.dtype.is_integer:  # TF: an integer start (a Python int too) gives float64 values
        a = _core.cast(a, "float64")
    if not a.dtype.is_floating:
        raise TypeError(f"linspace: start and stop must be numbers, got {a.dtype.name}")
    if b.dtype != a.dtype:
        b = _core.cast(b, a.dtype)
    n = int(num.numpy() if isinstance(num, _core.Tensor) else num)
    if n < 0:
        raise InvalidArgumentError(f"linspace: num must be non-negative, got {n}")
    steps = np.arange(n) / (n - 1) if n > 1 else np.zeros(n)
    a_, b_ = _core.expand_dims(a, -1), _core.expand_dims(b, -1)
    t = _core._constant(steps.astype(a.dtype.as_numpy_dtype), a.dtype)
    d_ = _core.subtract(b_, a_) if span is None else _core.expand_dims(span, -1)
    out = _core.add(a_, _core.multiply(d_, t))
    if n > 1:  # the last value is stop itself, as numpy's and TF's
        last = _core.broadcast_to(b_, out.shape[:-1] + (1,))
        out = _core.concat([_core.slice(out, [0] * out.ndim, list(out.shape[:-1]) + [n - 1]), last], -1)
    nd = out.ndim
    ax = int(axis)
    if not -nd <= ax < nd:
        raise InvalidArgumentError(f"linspace: axis {ax} is out of range for a result of rank {nd}")
    ax %= nd
    if ax != nd - 1:
        perm = list(builtins.range(ax)) + [nd - 1] + list(builtins.range(ax, nd - 1))
        out = _core.transpose(out, perm)
    return out
