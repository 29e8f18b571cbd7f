"""TF's top-level scatter, partition, block-rearranging, shape-checking and printing
functions (``tf.tensor_scatter_nd_sub/max/min``, ``dynamic_partition``, ``dynamic_stitch``,
``space_to_depth``, ``depth_to_space``, ``ensure_shape``, ``identity_n``, ``shape_n``,
``broadcast_static_shape``, ``broadcast_dynamic_shape``, ``print``), built from recorded ops
(gathers, scatters, reshapes, transposes) so that the differentiable ones have gradients of
every order."""

import builtins
import numbers
import sys

import numpy as np

from . import _core, dtypes
from ._array_ops import _index_constant, _keep_dtype, _scatter_args, _scatter_sum
from .errors import InvalidArgumentError

__all__ = ["tensor_scatter_nd_sub", "tensor_scatter_nd_max", "tensor_scatter_nd_min",
           "dynamic_partition", "dynamic_stitch", "space_to_depth", "depth_to_space",
           "ensure_shape", "identity_n", "shape_n", "broadcast_static_shape",
           "broadcast_dynamic_shape", "print"]


def _pair(tensor, updates, op):
    from .math import _convert_like
    t = _keep_dtype(tensor, op, "tensor")
    u = _convert_like(updates, t.dtype, op, "updates")  # a Python list takes tensor's dtype, as TF
    if u.dtype != t.dtype:
        raise TypeError(f"{op}: updates must be {t.dtype.name} as tensor, got {u.dtype.name}")
    if t.dtype == dtypes.bool:
        raise TypeError(f"{op}: tensor must be a float or integer tensor, got bool")
    return t, u


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """``tensor`` with ``updates`` subtracted at ``indices``, as ``tf.tensor_scatter_nd_sub``
    (repeated indices subtract each). Differentiable in both."""
    op = "tensor_scatter_nd_sub"
    t, u = _pair(tensor, updates, op)
    return _core.subtract(t, _scatter_sum(*_scatter_args(indices, t.shape, op, "tensor"), u, t.shape, op, "tensor"))


def _scatter_minmax(tensor, indices, updates, op, is_max):
    from ._custom_gradient import custom_gradient
    t, u = _pair(tensor, updates, op)
    idx, flat, rest = _scatter_args(indices, t.shape, op, "tensor")
    want = list(idx.shape[:-1]) + rest
    if list(u.shape) != want:
        raise InvalidArgumentError(f"{op}: updates must have shape indices.shape[:-1] + tensor.shape"
                                   f"[{idx.shape[-1]}:] = {want}, got {list(u.shape)}")
    n = int(np.prod(t.shape[:idx.shape[-1]], dtype=np.int64))
    pos = flat.reshape(-1)
    tv = t.numpy().reshape([n] + rest)
    uv = u.numpy().reshape([pos.size] + rest)
    out = tv.copy()
    (np.maximum if is_max else np.minimum).at(out, pos, uv)
    shape = [int(d) for d in t.shape]
    if not t.dtype.is_floating or not _core._recording():
        return _core._constant(out.reshape(shape), t.dtype)
    # TF's gradient (_TensorScatterMinOrMaxGrad): to the tensor entries and updates equal to
    # the result, split equally among them.
    npdt = t.dtype.as_numpy_dtype
    x_ind = (tv == out).astype(npdt)
    y_ind = (uv == out[pos]).astype(npdt)
    count = x_ind.copy()
    np.add.at(count, pos, y_ind)
    count = np.maximum(count, 1)
    xw = _core._constant((x_ind / count).reshape(shape), t.dtype)
    yw = _core._constant((y_ind / count[pos]).reshape(u.shape), t.dtype)
    gidx = _index_constant(pos)
    ushape = [int(d) for d in u.shape]

    @custom_gradient
    def _f(a, b):
        def grad(dy):
            rows = _core.reshape(dy, [n] + rest)
            gy = _core.reshape(_core.gather(rows, gidx, 0), ushape)
            return _core.multiply(dy, xw), _core.multiply(gy, yw)
        return _core._constant(out.reshape(shape), t.dtype), grad
    return _f(t, u)


def tensor_scatter_nd_max(tensor, indices, updates, name=None):
    """``tensor`` with each entry at ``indices`` replaced by the maximum of it and the updates
    there, as ``tf.tensor_scatter_nd_max``. The gradient goes to the tensor entries and updates
    equal to the result, split equally among ties (TF's rule)."""
    return _scatter_minmax(tensor, indices, updates, "tensor_scatter_nd_max", True)


def tensor_scatter_nd_min(tensor, indices, updates, name=None):
    """``tensor`` with each entry at ``indices`` replaced by the minimum of it and the updates
    there, as ``tf.tensor_scatter_nd_min``. Gradient as ``tensor_scatter_nd_max``'s."""
    return _scatter_minmax(tensor, indices, updates, "tensor_scatter_nd_min", False)


def _int_array(x, op, what):
    from ._segment_ops import _int_array as ia
    return ia(x, op, what)


def dynamic_partition(data, partitions, num_partitions, name=None):
    """``data`` split into ``num_partitions`` tensors by ``partitions`` (ints in ``[0,
    num_partitions)``, shape a prefix of data's), as ``tf.dynamic_partition``: output i holds,
    in order, the slices ``data[j]`` with ``partitions[j] == i``. Each output is a gather:
    differentiable."""
    from ._segment_ops import _count
    op = "dynamic_partition"
    x = _keep_dtype(data, op, "data")
    p = _int_array(partitions, op, "partitions")
    n = _count(num_partitions, op, "num_partitions")
    if n == 0:
        raise InvalidArgumentError("dynamic_partition: num_partitions must be at least 1")
    if n > 2 ** 20:
        raise InvalidArgumentError(f"dynamic_partition: num_partitions {n} is more than tapegrad "
                                   f"makes output tensors for ({2 ** 20})")
    if tuple(x.shape[:p.ndim]) != p.shape:
        raise InvalidArgumentError(f"dynamic_partition: partitions shape {list(p.shape)} must be a "
                                   f"prefix of data shape {list(x.shape)}")
    flat = p.reshape(-1)
    bad = (flat < 0) | (flat >= n)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidArgumentError(f"dynamic_partition: partitions[{i}] = {int(flat[i])} is not in "
                                   f"[0, {n})")
    inner = [int(d) for d in x.shape[p.ndim:]]
    rows = _core.reshape(x, [flat.size] + inner)
    return [_core.gather(rows, _index_constant(np.flatnonzero(flat == i)), 0) for i in builtins.range(n)]


def dynamic_stitch(indices, data, name=None):
    """The slices of the ``data`` tensors placed at the rows ``indices`` name, as
    ``tf.dynamic_stitch``: ``merged[indices[m][i]] = data[m][i]``, ``max(index) + 1`` rows; of
    repeated indices the last (in list order) wins, rows no index names are 0. One gather from
    the concatenated data: differentiable in each ``data[m]``."""
    op = "dynamic_stitch"
    if not isinstance(indices, (list, tuple)) or not isinstance(data, (list, tuple)):
        raise TypeError("dynamic_stitch: indices and data must be lists of tensors")
    if len(indices) != len(data) or not indices:
        raise InvalidArgumentError(f"dynamic_stitch: indices and data must be non-empty lists of one "
                                   f"length, got {len(indices)} and {len(data)}")
    idx = [_int_array(i, op, f"indices[{k}]") for k, i in enumerate(indices)]
    ds = [_keep_dtype(d, op, f"data[{k}]") for k, d in enumerate(data)]
    inner = None
    for k, (i, d) in enumerate(zip(idx, ds)):
        if d.dtype != ds[0].dtype:
            raise TypeError(f"dynamic_stitch: data[{k}] is {d.dtype.name}, data[0] {ds[0].dtype.name}")
        if tuple(d.shape[:i.ndim]) != i.shape:
            raise InvalidArgumentError(f"dynamic_stitch: data[{k}] shape {list(d.shape)} must start "
                                       f"with indices[{k}] shape {list(i.shape)}")
        rest = [int(v) for v in d.shape[i.ndim:]]
        if inner is None:
            inner = rest
        elif rest != inner:
            raise InvalidArgumentError(f"dynamic_stitch: data[{k}] slices have shape {rest}, "
                                       f"data[0]'s {inner}")
    flat = np.concatenate([i.reshape(-1) for i in idx])
    if flat.size and flat.min() < 0:
        raise InvalidArgumentError(f"dynamic_stitch: indices must be non-negative, got {int(flat.min())}")
    n = int(flat.max()) + 1 if flat.size else 0
    from ._segment_ops import _check_size
    _check_size(n, inner, op)
    src = np.full(n, flat.size, dtype=np.int64)  # flat.size: the zero row appended below
    src[flat] = np.arange(flat.size)  # numpy assigns repeats in order: the last wins
    last = np.zeros(n, bool)
    last[flat] = True
    src[~last] = flat.size
    pieces = [_core.reshape(d, [i.size] + inner) for i, d in zip(idx, ds)]
    pieces.append(_core._fill([1] + inner, 0.0, ds[0].dtype))
    return _core.reshape(_core.gather(_core.concat(pieces, 0), _index_constant(src), 0), [n] + inner)


def _block(block_size, x, op):
    if isinstance(block_size, (bool, np.bool_)) or not isinstance(block_size, numbers.Integral):
        raise TypeError(f"{op}: block_size must be an int, got {block_size!r:.40}")
    bs = int(block_size)
    if bs < 2:
        raise InvalidArgumentError(f"{op}: block_size must be at least 2, got {bs}")
    if x.ndim != 4:
        raise InvalidArgumentError(f"{op}: input must be 4-D (NHWC), got shape {list(x.shape)}")
    return bs


def _layout(data_format, op):
    if data_format != "NHWC":
        raise ValueError(f"{op}: only data_format='NHWC' is supported, got {data_format!r}")


def space_to_depth(input, block_size, data_format="NHWC", name=None):  # noqa: A002 (TF's name)
    """Non-overlapping ``block_size x block_size`` blocks of an NHWC tensor moved into the
    channels, as ``tf.nn.space_to_depth``: ``[b, h, w, c] -> [b, h/bs, w/bs, bs*bs*c]``, the
    channel index ``(row_in_block * bs + col_in_block) * c + c_in``. A reshape and a transpose:
    differentiable."""
    op = "space_to_depth"
    _layout(data_format, op)
    x = _keep_dtype(input, op, "input")
    bs = _block(block_size, x, op)
    b, h, w, c = (int(d) for d in x.shape)
    if h % bs or w % bs:
        raise InvalidArgumentError(f"space_to_depth: height {h} and width {w} must be divisible by "
                                   f"block_size {bs}")
    y = _core.reshape(x, [b, h // bs, bs, w // bs, bs, c])
    y = _core.transpose(y, [0, 1, 3, 2, 4, 5])
    return _core.reshape(y, [b, h // bs, w // bs, bs * bs * c])


def depth_to_space(input, block_size, data_format="NHWC", name=None):  # noqa: A002
    """The inverse of ``space_to_depth``, as ``tf.nn.depth_to_space``: ``[b, h, w, c] ->
    [b, h*bs, w*bs, c/(bs*bs)]``. A reshape and a transpose: differentiable."""
    op = "depth_to_space"
    _layout(data_format, op)
    x = _keep_dtype(input, op, "input")
    bs = _block(block_size, x, op)
    b, h, w, c = (int(d) for d in x.shape)
    if c % (bs * bs):
        raise InvalidArgumentError(f"depth_to_space: the depth {c} must be divisible by "
                                   f"block_size * block_size = {bs * bs}")
    y = _core.reshape(x, [b, h, w, bs, bs, c // (bs * bs)])
    y = _core.transpose(y, [0, 1, 3, 2, 4, 5])
    return _core.reshape(y, [b, h * bs, w * bs, c // (bs * bs)])


def _dims(shape, op):
    """A shape spec: None (unknown rank) or a list of ints / None (unknown dimension)."""
    if shape is None:
        return None
    if isinstance(shape, (_core.Tensor, _core.Variable)):
        shape = shape.numpy().tolist()
    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise TypeError(f"{op}: shape must be a list of ints or None, got {shape!r:.60}")
    out = []
    for d in shape:
        if d is None or (isinstance(d, numbers.Integral) and not isinstance(d, (bool, np.bool_)) and d == -1):
            out.append(None)
        elif isinstance(d, numbers.Integral) and not isinstance(d, (bool, np.bool_)) and d >= 0:
            out.append(int(d))
        else:
            raise TypeError(f"{op}: shape entries must be non-negative ints or None, got {d!r:.40}")
    return out


def ensure_shape(x, shape, name=None):
    """``x``, after checking its shape against ``shape`` (a list of ints where None or -1
    matches any dimension; None matches any shape), as ``tf.ensure_shape``: a mismatch is an
    InvalidArgumentError. The result is ``identity(x)``: differentiable."""
    t = _keep_dtype(x, "ensure_shape", "x")
    want = _dims(shape, "ensure_shape")
    if want is not None and (len(want) != t.ndim or any(w is not None and w != d for w, d in zip(want, t.shape))):
        text = "[" + ",".join("?" if w is None else str(w) for w in want) + "]"
        raise InvalidArgumentError(f"ensure_shape: Shape of tensor x {list(t.shape)} is not compatible "
                                   f"with expected shape {text}.")
    return _core.identity(t)


def identity_n(input, name=None):  # noqa: A002 (TF's name)
    """``[identity(t) for t in input]``, as ``tf.identity_n`` (differentiable)."""
    if isinstance(input, (_core.Tensor, _core.Variable)) or not isinstance(input, (list, tuple)):
        raise TypeError("identity_n: input must be a list of tensors")
    return [_core.identity(_keep_dtype(t, "identity_n", f"input[{i}]")) for i, t in enumerate(input)]


def shape_n(input, out_type=dtypes.int32, name=None):  # noqa: A002
    """The shapes of the tensors in ``input`` as 1-D int32 tensors (``out_type=int64``), as
    ``tf.shape_n``."""
    from . import shape as _shape
    if isinstance(input, (_core.Tensor, _core.Variable)) or not isinstance(input, (list, tuple)):
        raise TypeError("shape_n: input must be a list of tensors")
    return [_shape(t, out_type) for t in input]


def _broadcast(a, b, op, err):
    ra, rb = list(reversed(a)), list(reversed(b))
    out = []
    for i in builtins.range(max(len(ra), len(rb))):
        x = ra[i] if i < len(ra) else 1
        y = rb[i] if i < len(rb) else 1
        if x is None or y is None:
            out.append(y if x == 1 else x if y == 1 else None)
        elif x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            raise err(f"{op}: Incompatible shapes for broadcasting: {list(a)} and {list(b)}")
    return list(reversed(out))


def broadcast_static_shape(shape_x, shape_y):
    """The shape two shapes broadcast to, as ``tf.broadcast_static_shape`` (TensorShapes or
    lists; None dimensions stay unknown unless the other is known and not 1). Incompatible
    shapes are a ValueError."""
    from . import TensorShape
    a = _dims(shape_x, "broadcast_static_shape")
    b = _dims(shape_y, "broadcast_static_shape")
    if a is None or b is None:
        raise ValueError("broadcast_static_shape: shapes of unknown rank are not supported")
    out = _broadcast(a, b, "broadcast_static_shape", ValueError)
    if any(d is None for d in out):
        return out
    return TensorShape(out)


def broadcast_dynamic_shape(shape_x, shape_y):
    """The shape two shapes (1-D int tensors or lists) broadcast to, as a 1-D tensor of their
    dtype (int32 by default), as ``tf.broadcast_dynamic_shape``; incompatible shapes are an
    InvalidArgumentError."""
    op = "broadcast_dynamic_shape"
    arrs = []
    for s in (shape_x, shape_y):
        if isinstance(s, (_core.Tensor, _core.Variable)):
            a = s.numpy()
            if a.dtype.kind not in "iu":
                raise TypeError(f"{op}: shapes must be int32 or int64 tensors, got {a.dtype.name}")
        else:
            a = np.asarray(list(s) if isinstance(s, tuple) else s)
            if a.size == 0:
                a = a.astype(np.int32)
            if a.dtype.kind not in "iu":
                raise TypeError(f"{op}: shapes must be lists of ints, got {s!r:.60}")
            a = a.astype(np.int32) if a.dtype.kind in "iu" and (a.size == 0 or np.abs(a).max() < 2 ** 31) else a
        if a.ndim != 1 or (a.size and a.min() < 0):
            raise InvalidArgumentError(f"{op}: shapes must be vectors of non-negative ints, got {a.tolist()}")
        arrs.append(a)
    out = _broadcast(arrs[0].tolist(), arrs[1].tolist(), op, InvalidArgumentError)
    dt = dtypes.int64 if dtypes.int64.as_numpy_dtype in (arrs[0].dtype.type, arrs[1].dtype.type) else dtypes.int32
    return _core._constant(np.asarray(out, dtype=dt.as_numpy_dtype), dt)


# -- tf.print ----------------------------------------------------------------------------------

def _scalar_text(v):
    if isinstance(v, (bool, np.bool_)):
        return "1" if v else "0"
    if isinstance(v, (np.floating, float)):
        return f"{float(v):g}" if np.isfinite(v) else ("nan" if np.isnan(v) else ("inf" if v > 0 else "-inf"))
    return str(v)


def _array_text(a, summarize, depth=0):
    if a.ndim == 0:
        return _scalar_text(a[()])
    n = a.shape[0]
    if summarize is not None and summarize >= 0 and n > 2 * summarize:
        idx = list(builtins.range(summarize)) + [None] + list(builtins.range(n - summarize, n))
    else:
        idx = list(builtins.range(n))
    parts = ["..." if i is None else _array_text(a[i], summarize, depth + 1) for i in idx]
    if a.ndim == 1:
        return "[" + " ".join(parts) + "]"
    sep = "\n" * (a.ndim - 1) + " " * (depth + 1)
    return "[" + sep.join(parts) + "]"


def _text(obj, summarize):
    if isinstance(obj, (_core.Tensor, _core.Variable)):
        return _array_text(obj.numpy(), summarize)
    if isinstance(obj, np.ndarray):
        return _array_text(obj, summarize)
    if isinstance(obj, (list, tuple)):
        inner = ", ".join(_text(o, summarize) for o in obj)
        return f"[{inner}]" if isinstance(obj, list) else f"({inner}{',' if len(obj) == 1 else ''})"
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{k!r}: {_text(v, summarize)}" for k, v in obj.items()) + "}"
    return str(obj)


def print(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):  # noqa: A001
    """Print ``inputs`` (tensors, arrays, strings, nested lists/tuples/dicts of them), as
    ``tf.print``: a tensor prints as its values in brackets with spaces between them, one row
    per line (``[[1 2]\\n [3 4]]``), floats in ``%g`` form, bools as 1/0 -- an approximation of
    TF's format; with ``summarize`` n, each dimension longer than 2n shows its first and last n
    entries around ``...`` (``summarize=-1`` or None: everything). ``output_stream`` is
    ``sys.stderr`` (TF's default), ``sys.stdout`` or any object with ``write``; ``sep`` and
    ``end`` as Python's ``print``. Returns None."""
    stream = sys.stderr if output_stream is None else output_stream
    if not hasattr(stream, "write"):
        raise ValueError(f"print: output_stream must be sys.stdout, sys.stderr or a file-like "
                         f"object, got {output_stream!r:.60}")
    if not isinstance(sep, str) or not isinstance(end, str):
        raise TypeError("print: sep and end must be strings")
    if summarize is not None and (isinstance(summarize, bool) or not isinstance(summarize, numbers.Integral)):
        raise TypeError(f"print: summarize must be an int or None, got {summarize!r:.40}")
    stream.write(sep.join(_text(o, summarize) for o in inputs) + end)
    if hasattr(stream, "flush"):
        stream.flush()


# -- session 24: tf.histogram_fixed_width_bins, guarantee_const, is_symbolic_tensor, Assert,
#    inside_function, get_current_name_scope, gradients / hessians (graph-only: TF's eager error)

def histogram_fixed_width_bins(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """The bin of each of ``values`` among ``nbins`` equal-width bins spanning ``value_range =
    [lo, hi]``, as ``tf.histogram_fixed_width_bins``: ``floor(nbins * (v - lo) / (hi - lo))``
    computed in the values' float dtype, clipped to ``[0, nbins - 1]``; an int32 tensor of
    ``values``' shape. TF quirks kept: ``dtype`` is ignored (always int32) and a NaN value gives
    -2**31 (its int32 cast). ``nbins`` <= 0 or an integer ``values`` tensor is an
    InvalidArgumentError, as TF's. No gradient."""
    from .math import _value
    op = "histogram_fixed_width_bins"
    v = _value(values, op, "values")
    if not v.dtype.is_floating:
        raise InvalidArgumentError(f"{op}: values must be a float32 or float64 tensor (TF's Sub/Mul "
                                   f"against the float bin count), got {v.dtype.name}")
    r = value_range.numpy() if isinstance(value_range, (_core.Tensor, _core.Variable)) else np.asarray(value_range)
    if r.shape != (2,):
        raise InvalidArgumentError(f"{op}: value_range must have shape [2], got {list(r.shape)}")
    nb = nbins.numpy() if isinstance(nbins, (_core.Tensor, _core.Variable)) else nbins
    nb = int(nb)
    if nb <= 0:
        raise InvalidArgumentError(f"{op}: nbins {nb} must > 0")
    ft = v.dtype.as_numpy_dtype
    a = v.numpy().astype(ft)
    lo, hi = (ft(t) for t in r.astype(ft))
    with np.errstate(all="ignore"):
        idx = np.floor(ft(nb) * ((a - lo) / (hi - lo)))
        idx = np.clip(idx, ft(0), ft(nb - 1))
        out = np.where(np.isnan(idx), np.int32(-2 ** 31), idx.astype(np.float64).clip(-2 ** 31, 2 ** 31 - 1)).astype(np.int32)
    return _core._constant(out, dtypes.int32)


def guarantee_const(input, name=None):  # noqa: A002 (TF's name)
    """``input`` itself, as ``tf.guarantee_const`` (a graph-optimizer hint, deprecated in TF).
    TF registers no gradient for it (differentiating through it is a LookupError there);
    here the result is cut from the tape (``stop_gradient``)."""
    from .math import _value
    return _core.stop_gradient(_value(input, "guarantee_const", "input"))


def is_symbolic_tensor(tensor):
    """False, as ``tf.is_symbolic_tensor`` in eager mode: tapegrad has only eager tensors."""
    return False


def inside_function():
    """False, as ``tf.inside_function()`` outside a graph: tapegrad builds no graphs (its
    ``tf.function`` runs eagerly)."""
    return False


def get_current_name_scope():
    """The current ``tf.name_scope`` path without its trailing '/', as
    ``tf.get_current_name_scope()`` ('' at the top; 'a/b' inside scopes a and b)."""
    from ._compat_ops import _scope_name
    return _scope_name().rstrip("/")


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 (TF's name)
    """Eager ``tf.Assert``: None when ``condition`` (a Python bool or a scalar bool tensor) is
    true, else an InvalidArgumentError whose message shows ``data`` (a list of tensors or
    values, at most ``summarize`` entries of each; 3 by default), as TF's."""
    if isinstance(condition, (_core.Tensor, _core.Variable)):
        c = condition.numpy()
        if np.ndim(c) != 0:
            raise ValueError("The truth value of an array with more than one element is ambiguous. "
                             "Use a.any() or a.all()")
        ok, shown = builtins.bool(c), f"tf.Tensor({builtins.bool(c)}, shape=(), dtype=bool)"
    else:
        ok, shown = builtins.bool(condition), repr(condition)
    if ok:
        return None
    n = 3 if summarize is None else int(summarize)
    parts = []
    for d in (data if isinstance(data, (list, tuple)) else [data]):
        if isinstance(d, (_core.Tensor, _core.Variable)):
            d = d.numpy()
        if isinstance(d, str):
            parts.append(d)
            continue
        a = np.asarray(d)
        if a.dtype.kind in "US":
            parts.append(" ".join(str(s) for s in a.reshape(-1)))
            continue
        flat = a.reshape(-1)
        text = ", ".join(str(s) for s in flat[:n if n >= 0 else None])
        parts.append(text + ("..." if 0 <= n < flat.size else ""))
    raise InvalidArgumentError(f"Expected '{shown}' to be true. Summarized data: " + "\n".join(parts))


def gradients(ys, xs, grad_ys=None, name="gradients", gate_gradients=False, aggregation_method=None,
              stop_gradients=None, unconnected_gradients=None):
    """``tf.gradients`` is graph-only: in eager mode (tapegrad's only mode) it raises TF's
    RuntimeError. Use ``tf.GradientTape``."""
    raise RuntimeError("tf.gradients is not supported when eager execution is enabled. Use "
                       "tf.GradientTape instead.")


def hessians(ys, xs, gate_gradients=False, aggregation_method=None, name="hessians"):
    """``tf.hessians`` is graph-only (it calls ``tf.gradients``): TF's eager RuntimeError. Use
    nested ``tf.GradientTape``s (or ``tape.jacobian`` of a gradient)."""
    return gradients(ys, xs)


__all__ += ["histogram_fixed_width_bins", "guarantee_const", "is_symbolic_tensor", "inside_function",
            "get_current_name_scope", "Assert", "gradients", "hessians"]
