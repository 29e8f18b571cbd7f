"""tapegrad.sparse: ``tf.SparseTensor`` and TF 2's ``tf.sparse`` module.

A :class:`SparseTensor` is TF's COO form: ``indices`` (int64, ``[N, rank]``: the position of
each stored entry), ``values`` (``[N]``, any dtype) and ``dense_shape`` (int64, ``[rank]``).
The entries not stored are zeros (for most ops) or do not take part (``reduce_max``,
``softmax``), as TF documents.

How it is built: the index arithmetic (flat positions, orders, merges, bounds, groups) runs in
numpy on the indices, which carry no gradient; everything that touches ``values`` or a dense
operand is a recorded tapegrad op (``gather``, ``unsorted_segment_sum``, ``multiply``,
``where``, ...), so gradients flow to the values and to the dense operands, at every order.
``sparse_dense_matmul`` is one gather of the dense rows, one multiply and one
``unsorted_segment_sum``; ``to_dense`` one ``unsorted_segment_sum`` of the values: no Python
loop over the entries anywhere.

Facts about a SparseTensor's indices that ops need (in bounds, canonical order, flat
positions) are computed once and kept on the object: a SparseTensor never changes.

Like TF, a SparseTensor is not a Tensor: ``tf.convert_to_tensor(sp)`` and the dense ops given
one raise a TypeError (use ``tf.sparse.to_dense``); ``sp * dense`` and ``sp / dense`` are the
sparse-dense elementwise ops TF defines (the dense side broadcast to the sparse shape).
"""

import math as _pymath

import numpy as np

from . import _core, dtypes
from .errors import InvalidArgumentError

__all__ = ["SparseTensor", "from_dense", "to_dense", "reorder", "reshape", "transpose", "add",
           "sparse_dense_matmul", "reduce_sum", "reduce_max", "concat", "slice", "split",
           "retain", "reset_shape", "fill_empty_rows", "to_indicator", "expand_dims", "maximum",
           "minimum", "softmax", "eye", "map_values", "bincount", "segment_sum", "segment_mean",
           "segment_sqrt_n", "embedding_lookup_sparse", "safe_embedding_lookup_sparse"]

_INT64_MAX = 2 ** 63 - 1
# Dense results larger than this many elements are refused before anything is allocated
# (TF's int32 element count; the same limit as tapegrad's segment ops).
_MAX_ELEMENTS = 2 ** 31 - 1


# -- argument conversion ----------------------------------------------------------------------------

def _type_name(x):
    if isinstance(x, (_core.Tensor, _core.Variable)):
        return f"a {type(x).__name__} of shape {list(x.shape)} and dtype {x.dtype.name}"
    return f"a {type(x).__name__}"


def _sp(x, op, what="sp_input"):
    if not isinstance(x, SparseTensor):
        raise TypeError(f"{op}: {what} must be a SparseTensor, got {_type_name(x)}")
    return x


def _int64_array(x, op, what):
    """x (int64 tensor, numpy integer array, nested lists of ints, TensorShape) as numpy int64."""
    if isinstance(x, SparseTensor):
        raise TypeError(f"{op}: {what} must be an int64 tensor, got a SparseTensor")
    if isinstance(x, _core.Variable):
        x = x.read_value()
    if isinstance(x, _core.Tensor):
        if x.dtype != dtypes.int64:
            raise TypeError(f"{op}: {what} must be an int64 tensor, got {x.dtype.name} (shape "
                            f"{list(x.shape)}); cast it with tf.cast(..., tf.int64)")
        return x.numpy()
    try:
        a = np.asarray(x)
    except (ValueError, TypeError) as e:
        raise TypeError(f"{op}: {what} must be int64 values, got {x!r:.60} ({e})") from None
    if a.dtype.kind == "f" and a.size == 0:
        a = a.astype(np.int64)  # [] or np.empty((0, 2)): no entries
    if a.dtype == np.bool_ or a.dtype.kind not in "iu":
        raise TypeError(f"{op}: {what} must be int64 values, got {a.dtype.name} "
                        f"({x!r:.60})")
    if a.dtype == np.uint64 and a.size and int(a.max()) > _INT64_MAX:
        raise InvalidArgumentError(f"{op}: {what} has values beyond the int64 range")
    return a.astype(np.int64, copy=False)


def _value(x, op, what):
    if isinstance(x, SparseTensor):
        raise TypeError(f"{op}: {what} must be a dense tensor, got a SparseTensor")
    from .math import _value as v
    return v(x, op, what)


def _dense_operand(x, dtype, op, what):
    """A dense operand of a sparse op: tensors and numpy arrays keep their dtype, which must be
    the SparseTensor's; Python (and numpy) scalars and lists take the SparseTensor's dtype."""
    if isinstance(x, SparseTensor):
        raise TypeError(f"{op}: {what} must be a dense tensor, got a SparseTensor")
    if isinstance(x, (_core.Tensor, _core.Variable, np.ndarray)):
        t = _value(x, op, what)
        if t.dtype != dtype:
            raise TypeError(f"{op}: {what} is {t.dtype.name} but the SparseTensor's values are "
                            f"{dtype.name} (cast one of them)")
        return t
    from ._convert import as_tensor
    try:
        a = np.asarray(x)
    except (ValueError, TypeError) as e:
        raise TypeError(f"{op}: {what} must be a tensor or numbers, got {x!r:.60} ({e})") from None
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{op}: {what} must be a tensor or numbers, got {x!r:.60}")
    if dtype.is_integer and a.dtype.kind == "f" and not np.all(a == np.floor(a)):
        raise TypeError(f"{op}: {what} has fractional values but the SparseTensor's values are "
                        f"{dtype.name}")
    return as_tensor(a, dtype, f"{op}: {what}")


def _int_scalar(x, op, what):
    v = x.numpy() if isinstance(x, (_core.Tensor, _core.Variable)) else x
    if isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{op}: {what} must be an integer, got {x!r:.60}")
    try:
        a = np.asarray(v)
    except (ValueError, TypeError):
        raise TypeError(f"{op}: {what} must be an integer, got {x!r:.60}") from None
    if a.ndim != 0 or a.dtype.kind not in "iu":
        raise TypeError(f"{op}: {what} must be an integer, got {x!r:.60}")
    return int(a)


def _int_list(x, op, what):
    """A 1-D list of Python ints (a list, tuple, TensorShape, numpy array or int tensor)."""
    if isinstance(x, SparseTensor):
        raise TypeError(f"{op}: {what} must be a list of integers, got a SparseTensor")
    if isinstance(x, (_core.Tensor, _core.Variable)):
        if x.dtype not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"{op}: {what} must be an int32 or int64 tensor, got {x.dtype.name}")
        a = x.numpy()
    else:
        try:
            a = np.asarray(x)
        except (ValueError, TypeError) as e:
            raise TypeError(f"{op}: {what} must be a list of integers, got {x!r:.60} ({e})") from None
        if a.dtype.kind == "f" and a.size == 0:
            a = a.astype(np.int64)
        if a.dtype == np.bool_ or a.dtype.kind not in "iu":
            raise TypeError(f"{op}: {what} must be a list of integers, got {x!r:.60}")
    if a.ndim != 1:
        raise InvalidArgumentError(f"{op}: {what} must be a vector (1-D), got shape {list(a.shape)}")
    out = [int(v) for v in a]
    if any(abs(v) > _INT64_MAX for v in out):
        raise InvalidArgumentError(f"{op}: {what} has values beyond the int64 range: {out}")
    return out


def _whole_ids(values, op, what):
    """Integer ids from a SparseTensor's values: int32/int64, or floats holding whole numbers."""
    if values.dtype in (dtypes.int32, dtypes.int64):
        return values.numpy().astype(np.int64, copy=False)
    if values.dtype.is_floating:
        v = values.numpy()
        if np.all(np.isfinite(v)) and np.all(v == np.floor(v)) and (
                not v.size or np.abs(v).max() < 2.0 ** 62):
            return v.astype(np.int64)
    raise TypeError(f"{op}: {what} must hold integer ids (int32 or int64), got "
                    f"{values.dtype.name} values")


def _itensor(a):
    """An int64 index tensor from a numpy array (for gather / unsorted_segment_sum)."""
    return _core._constant(np.ascontiguousarray(a, dtype=np.int64), None)


def _prod(shape):
    return _pymath.prod(int(d) for d in shape)


def _check_dense_size(shape, op):
    total = _prod(shape)
    if total > _MAX_ELEMENTS:
        raise InvalidArgumentError(f"{op}: the dense result would have {total} elements (shape "
                                   f"{list(shape)}), more than {_MAX_ELEMENTS}")
    return total


def _axes(axis, rank, op):
    """Sorted distinct reduction axes in [0, rank)."""
    if axis is None:
        return list(range(rank))
    if isinstance(axis, (list, tuple)) and not axis:
        raw = []
    elif isinstance(axis, (list, tuple)) or np.ndim(axis.numpy() if isinstance(
            axis, (_core.Tensor, _core.Variable)) else axis) == 1:
        raw = _int_list(axis, op, "axis")
    else:
        raw = [_int_scalar(axis, op, "axis")]
    out = set()
    for a in raw:
        if not -rank <= a < rank:
            raise InvalidArgumentError(f"{op}: invalid reduction dimension {a}, for input with "
                                       f"{rank} dimensions")
        out.add(a % rank)
    return sorted(out)


# -- index arithmetic --------------------------------------------------------------------------------

def _linear(idx, shape):
    """Row-major flat positions of in-bounds index rows (the shape's size must fit int64)."""
    n, r = idx.shape
    if r == 0:
        return np.zeros(n, np.int64)
    pos = idx[:, 0].copy()
    for d in range(1, r):
        pos *= shape[d]
        pos += idx[:, d]
    return pos


def _unravel(pos, shape):
    out = np.empty((len(pos), len(shape)), np.int64)
    if not len(pos):
        return out
    rem = pos.copy()
    for d in range(len(shape) - 1, -1, -1):
        out[:, d] = rem % shape[d]
        rem //= shape[d]
    return out


def _keys(idx, shape):
    """int64 keys whose order is the index rows' lexicographic order (equal rows, equal keys):
    the flat positions when the shape's size fits int64, else the ranks of the distinct rows."""
    if _prod(shape) <= _INT64_MAX:
        return _linear(idx, shape)
    if not len(idx):
        return np.zeros(0, np.int64)
    return np.unique(idx, axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _check_bounds(sp, op):
    if sp._cache.get("bounds"):
        return
    idx = sp._idx
    if idx.size:
        bad = (idx < 0) | (idx >= np.asarray(sp._shape, dtype=np.int64))
        if bad.any():
            i = int(np.flatnonzero(bad.any(axis=1))[0])
            raise InvalidArgumentError(f"{op}: indices[{i}] = {idx[i].tolist()} is out of bounds: "
                                       f"need 0 <= index < {list(sp._shape)}")
    sp._cache["bounds"] = True


def _sp_keys(sp, op):
    k = sp._cache.get("keys")
    if k is None:
        _check_bounds(sp, op)
        k = sp._cache["keys"] = _keys(sp._idx, sp._shape)
    return k


def _order(sp, op):
    """'canonical' (strictly increasing rows), 'repeated' (non-decreasing) or 'unsorted'."""
    o = sp._cache.get("order")
    if o is None:
        d = np.diff(_sp_keys(sp, op))
        o = "canonical" if np.all(d > 0) else "repeated" if np.all(d >= 0) else "unsorted"
        sp._cache["order"] = o
    return o


def _flat_positions(sp, op):
    """Flat row-major positions of the entries in the dense tensor (the dense size must be
    allocatable: callers check it first)."""
    f = sp._cache.get("flat")
    if f is None:
        _check_bounds(sp, op)
        f = sp._cache["flat"] = _linear(sp._idx, sp._shape)
    return f


def _cached_tensor(sp, key, make):
    t = sp._cache.get(key)
    if t is None:
        t = sp._cache[key] = make()
    return t


def _make(idx, values, shape, order=None):
    """A SparseTensor from checked parts (indices in bounds): the ops' results."""
    sp = SparseTensor.__new__(SparseTensor)
    idx = np.ascontiguousarray(idx, dtype=np.int64)
    idx.flags.writeable = False
    sp._idx = idx
    sp._values = values
    sp._shape = tuple(int(d) for d in shape)
    sp._cache = {"bounds": True}
    if order is not None:
        sp._cache["order"] = order
    return sp


def _take(values, positions):
    """values[positions] as a recorded gather (differentiable)."""
    return _core.gather(values, _itensor(positions), 0)


def _seg_sum(values, ids, n):
    return _core.unsorted_segment_sum(values, _itensor(ids), int(n))


def _zero(dtype):
    return _core._constant(np.zeros((), dtype.as_numpy_dtype), dtype)


def _scalar_of(x, dtype, op, what):
    """A 0-d tensor of ``dtype`` (a Python number takes it; a tensor must have it)."""
    t = _dense_operand(x, dtype, op, what)
    if t.ndim != 0:
        raise InvalidArgumentError(f"{op}: {what} must be a scalar, got shape {list(t.shape)}")
    return t


# -- SparseTensor ----------------------------------------------------------------------------------

class SparseTensor:
    """A sparse tensor in TF's COO form, as ``tf.sparse.SparseTensor`` (``tf.SparseTensor``).

    ``SparseTensor(indices, values, dense_shape)``: ``indices`` an int64 ``[N, rank]`` array of
    the positions of the N stored entries, ``values`` the ``[N]`` entries (any dtype; Python
    numbers become float32, as ``tf.constant`` makes them here), ``dense_shape`` the int64
    ``[rank]`` shape of the dense tensor it stands for. The three shapes must agree
    (``ValueError`` otherwise, as TF); indices are checked against ``dense_shape`` by the ops
    that use them (``InvalidArgumentError``). Many ops expect the indices in canonical
    (row-major) order: ``tf.sparse.reorder`` makes it.

    Gradients flow through ``values``: build the SparseTensor from a watched tensor (or a
    Variable, read inside the tape) and differentiate any result with respect to it.
    """

    __slots__ = ("_idx", "_values", "_shape", "_cache", "__weakref__")

    def __init__(self, indices, values, dense_shape):
        op = "SparseTensor"
        idx = _int64_array(indices, op, "indices")
        shape = _int64_array(dense_shape, op, "dense_shape")
        if isinstance(values, SparseTensor):
            raise TypeError("SparseTensor: values must be a dense tensor, got a SparseTensor")
        vals = _value(values, op, "values")
        if idx.ndim != 2:
            raise ValueError(f"SparseTensor: indices must have rank 2 ([N, rank]), got shape "
                             f"{list(idx.shape)}")
        if vals.ndim != 1:
            raise ValueError(f"SparseTensor: values must have rank 1 ([N]), got shape "
                             f"{list(vals.shape)}")
        if shape.ndim != 1:
            raise ValueError(f"SparseTensor: dense_shape must have rank 1 ([rank]), got shape "
                             f"{list(shape.shape)}")
        if idx.shape[0] != vals.shape[0]:
            raise ValueError(f"SparseTensor: indices shape {list(idx.shape)} and values shape "
                             f"{list(vals.shape)} disagree on the number of entries "
                             f"({idx.shape[0]} vs {vals.shape[0]})")
        if idx.shape[1] != shape.shape[0]:
            raise ValueError(f"SparseTensor: indices shape {list(idx.shape)} and dense_shape shape "
                             f"{list(shape.shape)} disagree on the rank ({idx.shape[1]} vs "
                             f"{shape.shape[0]})")
        if shape.size and shape.min() < 0:
            raise ValueError(f"SparseTensor: dense_shape must be non-negative, got {shape.tolist()}")
        idx = np.array(idx, dtype=np.int64, copy=True, order="C")
        idx.flags.writeable = False
        self._idx = idx
        self._values = vals
        self._shape = tuple(int(d) for d in shape)
        self._cache = {}
        if isinstance(indices, _core.Tensor):
            self._cache["indices"] = indices

    @classmethod
    def from_value(cls, sparse_tensor_value):
        """A SparseTensor from one (returned as is) or from any object with ``indices``,
        ``values`` and ``dense_shape`` attributes (TF's ``SparseTensorValue``)."""
        if isinstance(sparse_tensor_value, SparseTensor):
            return sparse_tensor_value
        try:
            parts = (sparse_tensor_value.indices, sparse_tensor_value.values,
                     sparse_tensor_value.dense_shape)
        except AttributeError:
            raise TypeError(f"SparseTensor.from_value: expected a SparseTensor or an object with "
                            f"indices, values and dense_shape, got "
                            f"{type(sparse_tensor_value).__name__}") from None
        return cls(*parts)

    @property
    def indices(self):
        """The int64 ``[N, rank]`` tensor of the stored entries' positions."""
        return _cached_tensor(self, "indices", lambda: _core._constant(self._idx, None))

    @property
    def values(self):
        """The ``[N]`` tensor of the stored entries (what gradients flow through)."""
        return self._values

    @property
    def dense_shape(self):
        """The int64 ``[rank]`` tensor of the dense shape."""
        return _cached_tensor(self, "dense_shape",
                              lambda: _core._constant(np.array(self._shape, dtype=np.int64), None))

    @property
    def shape(self):
        """The dense shape as a ``TensorShape``."""
        from . import TensorShape
        return TensorShape(self._shape)

    def get_shape(self):
        """The dense shape as a ``TensorShape`` (``shape``)."""
        return self.shape

    @property
    def dtype(self):
        """The dtype of ``values``."""
        return self._values.dtype

    @property
    def rank(self):
        """The number of dimensions of the dense shape (an int)."""
        return len(self._shape)

    def set_shape(self, shape):
        """Check that the dense shape is compatible with ``shape`` (``None`` entries match any
        dimension); eager tensors have full shapes, so nothing changes (a ValueError if not)."""
        dims = list(shape) if shape is not None else None
        if dims is None:
            return
        if len(dims) != len(self._shape) or any(
                d is not None and int(d) != s for d, s in zip(dims, self._shape)):
            raise ValueError(f"SparseTensor.set_shape: shape {dims} is not compatible with the "
                             f"dense shape {list(self._shape)}")

    def with_values(self, new_values):
        """A SparseTensor with these indices and dense shape and ``new_values`` (the same
        ``[N]`` shape; any dtype), as TF's ``with_values``."""
        vals = _value(new_values, "SparseTensor.with_values", "new_values")
        if tuple(vals.shape) != tuple(self._values.shape):
            raise ValueError(f"SparseTensor.with_values: new_values must have shape "
                             f"{list(self._values.shape)}, got {list(vals.shape)}")
        out = _make(self._idx, vals, self._shape)
        out._cache = {k: v for k, v in self._cache.items() if k not in ("values",)}
        return out

    def __repr__(self):
        return (f"SparseTensor(indices={self.indices}, values={self._values}, "
                f"dense_shape={self.dense_shape})")

    __str__ = __repr__

    def __array__(self, dtype=None, copy=None):
        # Every conversion to a dense tensor or array goes through here (tf.convert_to_tensor,
        # the dense ops, np.asarray): refused with a TypeError (TF's is a ValueError).
        raise TypeError(f"Failed to convert a SparseTensor (dense_shape {list(self._shape)}, "
                        f"{len(self._idx)} stored {self.dtype.name} values) to a dense Tensor or "
                        f"array: use tf.sparse.to_dense(sp), or the tf.sparse ops")

    def _binary(self, other, op, name, cast=None):
        other_t = _dense_operand(other, self.dtype, name, "y")
        pos = _broadcast_positions(self, other_t, name)
        g = _take(_core.reshape(other_t, [-1]), pos) if other_t.ndim else other_t
        v = self._values
        if cast is not None:
            v, g = _core.cast(v, cast), _core.cast(g, cast)
        return _make(self._idx, op(v, g), self._shape, self._cache.get("order"))

    def __mul__(self, other):
        """``sp * dense``: the SparseTensor's entries times the dense tensor's at the same
        positions (the dense side broadcast to the sparse shape, never the other way), a
        SparseTensor with the same indices, as TF's ``sparse_dense_cwise_mul``."""
        return self._binary(other, _core.multiply, "SparseTensor.__mul__")

    def __rmul__(self, other):
        """``dense * sp``: the same as ``sp * dense`` (a SparseTensor), as TF's
        ``_mul_dispatch``. (A Tensor on the left hands it here: ``_tapegrad_defers``.)"""
        return self._binary(other, lambda v, g: _core.multiply(g, v), "SparseTensor.__rmul__")

    # the C++ operators of a Tensor on the left return NotImplemented for a SparseTensor (it
    # has an __array__, which raises, so they would otherwise keep their conversion error)
    _tapegrad_defers = True

    def __truediv__(self, other):
        """``sp / dense``: the entries divided by the dense tensor's at the same positions (the
        dense side broadcast to the sparse shape), as TF's ``sparse_dense_cwise_div``; integer
        values (and the dense side) are cast to float64 (float32 for uint8) first, as TF's
        ``/`` (truediv)."""
        # TF's truediv: int32 / int64 values (and the dense side) divide as float64, uint8 as float32
        return self._binary(other, _core.divide, "SparseTensor.__truediv__",
                            (dtypes.float32 if self.dtype == dtypes.uint8 else dtypes.float64)
                            if self.dtype.is_integer else None)


def _broadcast_positions(sp, dense, op):
    """Flat positions in ``dense`` of each stored entry, with ``dense`` broadcast to the sparse
    shape (its dimensions right-aligned, each 1 or equal)."""
    ds = [int(d) for d in dense.shape]
    r = len(sp._shape)
    if len(ds) > r or any(d != 1 and d != s for d, s in zip(ds[::-1], sp._shape[::-1])):
        raise InvalidArgumentError(f"{op}: the dense operand of shape {ds} does not broadcast to "
                                   f"the sparse shape {list(sp._shape)} (the dense side is "
                                   "broadcast to the sparse side only, as TF)")
    _check_bounds(sp, op)
    if not ds:
        return None
    cols = sp._idx[:, r - len(ds):]
    cols = np.where(np.asarray(ds) == 1, 0, cols)
    return _linear(cols, ds)


# -- conversion -----------------------------------------------------------------------------------

def from_dense(tensor, name=None):
    """The nonzero entries of a dense ``tensor`` as a SparseTensor in canonical order, as
    ``tf.sparse.from_dense`` (NaN counts as nonzero; for bool, the True entries). The values
    are a gather of the tensor: differentiable with respect to it."""
    t = _value(tensor, "from_dense", "tensor")
    a = t.numpy()
    nz = a if a.dtype == np.bool_ else a != 0
    flat = np.flatnonzero(nz)
    idx = np.stack(np.unravel_index(flat, a.shape), axis=1) if a.ndim else np.zeros((flat.size, 0), np.int64)
    values = _take(_core.reshape(t, [-1]), flat)
    return _make(idx, values, a.shape, "canonical")


def to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """The dense tensor a SparseTensor stands for, as ``tf.sparse.to_dense``: ``values`` at
    ``indices`` and ``default_value`` (0 by default) elsewhere. With ``validate_indices`` the
    indices must be in canonical order without repeats (an InvalidArgumentError naming the
    first one out of order or repeated; ``tf.sparse.reorder`` fixes the order); out-of-range
    indices are always an InvalidArgumentError. Without it, of repeated indices the last one
    wins, as TF's kernel. One ``unsorted_segment_sum`` of the values (a gather for bool):
    differentiable in the values and in a tensor ``default_value``."""
    op = "to_dense"
    sp = _sp(sp_input, op)
    _check_bounds(sp, op)
    total = _check_dense_size(sp._shape, op)
    if validate_indices and _order(sp, op) != "canonical":
        keys = _sp_keys(sp, op)
        d = np.diff(keys)
        i = int(np.flatnonzero(d <= 0)[0]) + 1
        if d[i - 1] < 0:
            raise InvalidArgumentError(
                f"{op}: indices[{i}] = {sp._idx[i].tolist()} is out of order. Many sparse ops "
                "require sorted indices: use tf.sparse.reorder to create a correctly ordered copy")
        raise InvalidArgumentError(f"{op}: indices[{i}] = {sp._idx[i].tolist()} is repeated")
    dt = sp.dtype
    pos = _flat_positions(sp, op)
    default = None
    if default_value is not None:
        default = _scalar_of(default_value, dt, op, "default_value")
    if dt == dtypes.bool:
        # A gather from the values and the default: the last of repeated indices wins.
        n = len(pos)
        src = np.full(total, n, dtype=np.int64)
        src[pos] = np.arange(n)
        fill = default if default is not None else _zero(dt)
        table = _core.concat([sp._values, _core.reshape(fill, [1])], 0)
        return _core.reshape(_take(table, src), list(sp._shape))
    values = sp._values
    if _order(sp, op) != "canonical":
        # Repeated indices (validate_indices=False): the last one wins, as TF's SparseToDense
        # (one gather of the last entry at each position, so its gradient goes to that entry).
        uniq, first_rev = np.unique(pos[::-1], return_index=True)
        if len(uniq) < len(pos):
            values = _take(values, len(pos) - 1 - first_rev)
            pos = uniq
    flat_t = _cached_tensor(sp, "flat_t", lambda: _itensor(pos)) if values is sp._values else \
        _itensor(pos)
    out = _core.unsorted_segment_sum(values, flat_t, total)
    if default is not None and (isinstance(default_value, (_core.Tensor, _core.Variable)) or
                                float(default.numpy()) != 0):
        hit = np.zeros(total, dtype=np.bool_)
        hit[pos] = True
        out = _core.where(_core._constant(hit, None), out, default)
    return _core.reshape(out, list(sp._shape))


# -- manipulation ---------------------------------------------------------------------------------

def reorder(sp_input, name=None):
    """The same SparseTensor with its entries in canonical (row-major) order, as
    ``tf.sparse.reorder`` (a stable sort: repeated indices keep their order). The values are a
    gather: differentiable."""
    op = "reorder"
    sp = _sp(sp_input, op)
    if _order(sp, op) != "unsorted":
        return _make(sp._idx, sp._values, sp._shape, sp._cache["order"])
    perm = np.argsort(_sp_keys(sp, op), kind="stable")
    out = _make(sp._idx[perm], _take(sp._values, perm), sp._shape)
    return out


def _sorted_make(idx, values, shape):
    """A canonical-order SparseTensor from unordered in-bounds parts (values gathered)."""
    keys = _keys(idx, shape)
    if len(keys) < 2 or np.all(np.diff(keys) >= 0):
        return _make(idx, values, shape)
    perm = np.argsort(keys, kind="stable")
    return _make(idx[perm], _take(values, perm), shape)


def reshape(sp_input, shape, name=None):
    """The SparseTensor with the same entries in a new dense shape, as ``tf.sparse.reshape``:
    the same row-major order of the dense elements; one entry of ``shape`` may be -1 (inferred).
    The values are unchanged (the same tensor)."""
    op = "reshape"
    sp = _sp(sp_input, op)
    new = _int_list(shape, op, "shape")
    old_total = _prod(sp._shape)
    if new.count(-1) > 1:
        raise InvalidArgumentError(f"{op}: at most one dimension of shape may be -1, got {new}")
    if any(d < -1 for d in new):
        raise InvalidArgumentError(f"{op}: shape has a negative dimension: {new}")
    if -1 in new:
        known = _prod(d for d in new if d != -1)
        if known == 0 or old_total % known:
            raise InvalidArgumentError(
                f"{op}: input to reshape is a SparseTensor with {old_total} dense values, but the "
                f"requested shape {new} requires a multiple of {known}")
        new[new.index(-1)] = old_total // known
    if _prod(new) != old_total:
        raise InvalidArgumentError(f"{op}: input to reshape is a SparseTensor with {old_total} dense "
                                   f"values (shape {list(sp._shape)}), but the requested shape "
                                   f"{new} has {_prod(new)}")
    if old_total > _INT64_MAX:
        raise InvalidArgumentError(f"{op}: the dense shape {list(sp._shape)} has more elements than "
                                   "int64 counts")
    pos = _flat_positions(sp, op)
    return _make(_unravel(pos, new), sp._values, new, sp._cache.get("order"))


def transpose(sp_input, perm=None, name=None):
    """The SparseTensor with its dimensions permuted (``perm``, reversed by default), in
    canonical order, as ``tf.sparse.transpose``. The values are a gather: differentiable."""
    op = "transpose"
    sp = _sp(sp_input, op)
    r = len(sp._shape)
    p = list(range(r - 1, -1, -1)) if perm is None else _int_list(perm, op, "perm")
    if sorted(p) != list(range(r)):
        raise InvalidArgumentError(f"{op}: perm {p} is not a permutation of the {r} dimensions "
                                   f"of dense shape {list(sp._shape)}")
    _check_bounds(sp, op)
    return _sorted_make(sp._idx[:, p], sp._values, [sp._shape[i] for i in p])


def expand_dims(sp_input, axis=None, name=None):
    """The SparseTensor with a dimension of size 1 inserted at ``axis`` (in ``[-rank - 1,
    rank]``; -1, the end, by default), as ``tf.sparse.expand_dims``. Same values."""
    op = "expand_dims"
    sp = _sp(sp_input, op)
    r = len(sp._shape)
    a = -1 if axis is None else _int_scalar(axis, op, "axis")
    if not -r - 1 <= a <= r:
        raise InvalidArgumentError(f"{op}: axis {a} is out of range [{-r - 1}, {r}] for dense shape "
                                   f"{list(sp._shape)}")
    a = a % (r + 1)
    _check_bounds(sp, op)
    idx = np.insert(sp._idx, a, 0, axis=1)
    shape = list(sp._shape)
    shape.insert(a, 1)
    return _make(idx, sp._values, shape, sp._cache.get("order"))


def slice(sp_input, start, size, name=None):  # noqa: A001 (TF's name)
    """The entries of the box ``[start, start + size)`` (clipped to the dense shape), shifted
    to start at 0, as ``tf.sparse.slice``; the dense shape is the clipped box's. The values are
    a gather: differentiable."""
    op = "slice"
    sp = _sp(sp_input, op)
    r = len(sp._shape)
    st = _int_list(start, op, "start")
    sz = _int_list(size, op, "size")
    if len(st) != r or len(sz) != r:
        raise InvalidArgumentError(f"{op}: start {st} and size {sz} must have one entry per "
                                   f"dimension of dense shape {list(sp._shape)}")
    if any(v < 0 for v in st + sz):
        raise InvalidArgumentError(f"{op}: start {st} and size {sz} must be non-negative")
    _check_bounds(sp, op)
    out_shape = [max(min(s + z, d) - s, 0) for s, z, d in zip(st, sz, sp._shape)]
    lo = np.asarray(st, dtype=np.int64)
    hi = lo + np.asarray(out_shape, dtype=np.int64)
    sel = np.flatnonzero(np.all((sp._idx >= lo) & (sp._idx < hi), axis=1)) if r else \
        np.arange(len(sp._idx))
    return _make(sp._idx[sel] - lo, _take(sp._values, sel), out_shape, sp._cache.get("order"))


def split(sp_input=None, num_split=None, axis=None, name=None):
    """``num_split`` SparseTensors cut from ``sp_input`` along ``axis``, as ``tf.sparse.split``:
    when the dimension does not divide evenly, the first ``dim % num_split`` pieces get one
    more. Each piece is a ``slice``."""
    op = "split"
    sp = _sp(sp_input, op)
    if num_split is None or axis is None:
        raise ValueError(f"{op}: num_split and axis are required")
    n = _int_scalar(num_split, op, "num_split")
    a = _int_scalar(axis, op, "axis")
    r = len(sp._shape)
    if not -r <= a < r:
        raise InvalidArgumentError(f"{op}: axis {a} is out of range for dense shape {list(sp._shape)}")
    a %= r
    dim = sp._shape[a]
    if n < 1 or n > max(dim, 1):
        raise InvalidArgumentError(f"{op}: num_split must be in [1, {max(dim, 1)}] (dimension {a} "
                                   f"has size {dim}), got {n}")
    if n > 2 ** 20:
        raise InvalidArgumentError(f"{op}: num_split {n} is more than tapegrad makes output "
                                   f"SparseTensors for ({2 ** 20})")
    pieces, begin = [], 0
    for i in range(n):
        size = dim // n + (1 if i < dim % n else 0)
        st = [0] * r
        sz = list(sp._shape)
        st[a], sz[a] = begin, size
        pieces.append(slice(sp, st, sz))
        begin += size
    return pieces


def retain(sp_input, to_retain):
    """The entries where the bool vector ``to_retain`` (one per entry) is True, as
    ``tf.sparse.retain``; the dense shape is unchanged. The values are a gather."""
    op = "retain"
    sp = _sp(sp_input, op)
    if isinstance(to_retain, (_core.Tensor, _core.Variable)):
        keep = to_retain.numpy()
    else:
        try:
            keep = np.asarray(to_retain)
        except (ValueError, TypeError) as e:
            raise TypeError(f"{op}: to_retain must be a bool vector ({e})") from None
    if keep.dtype != np.bool_:
        raise TypeError(f"{op}: to_retain must be a bool vector, got {keep.dtype.name}")
    if keep.shape != (len(sp._idx),):
        raise InvalidArgumentError(f"{op}: to_retain must be a vector of length {len(sp._idx)} (the "
                                   f"number of entries), got shape {list(keep.shape)}")
    sel = np.flatnonzero(keep)
    out = _make(sp._idx[sel], _take(sp._values, sel), sp._shape, sp._cache.get("order"))
    out._cache["bounds"] = bool(sp._cache.get("bounds"))
    return out


def reset_shape(sp_input, new_shape=None):
    """The SparseTensor with a new dense shape, as ``tf.sparse.reset_shape``: by default the
    tight bounding box of the indices (``max(indices) + 1`` per dimension), else
    ``new_shape``, of the same rank and no smaller than the current shape."""
    op = "reset_shape"
    sp = _sp(sp_input, op)
    r = len(sp._shape)
    _check_bounds(sp, op)
    if new_shape is None:
        shape = (sp._idx.max(axis=0) + 1).tolist() if len(sp._idx) else [0] * r
    else:
        shape = _int_list(new_shape, op, "new_shape")
        if len(shape) != r:
            raise InvalidArgumentError(f"{op}: new_shape {shape} must have rank {r} (dense shape "
                                       f"{list(sp._shape)})")
        if any(n < s for n, s in zip(shape, sp._shape)):
            raise InvalidArgumentError(f"{op}: new_shape {shape} must be at least the current dense "
                                       f"shape {list(sp._shape)} in every dimension")
    return _make(sp._idx, sp._values, shape, sp._cache.get("order"))


def concat(axis, sp_inputs, expand_nonconcat_dims=False, name=None):
    """The SparseTensors ``sp_inputs`` joined along ``axis``, in canonical order, as
    ``tf.sparse.concat``: the other dimensions must agree, unless ``expand_nonconcat_dims``
    takes their maximum. The values are a concat and a gather: differentiable."""
    op = "concat"
    if not isinstance(sp_inputs, (list, tuple)):
        raise TypeError(f"{op}: sp_inputs must be a list of SparseTensors, got {_type_name(sp_inputs)}")
    if not sp_inputs:
        raise ValueError(f"{op}: sp_inputs must not be empty")
    sps = [_sp(s, op, f"sp_inputs[{i}]") for i, s in enumerate(sp_inputs)]
    if len(sps) == 1:
        return sps[0]
    r = len(sps[0]._shape)
    a = _int_scalar(axis, op, "axis")
    for i, s in enumerate(sps):
        if len(s._shape) != r:
            raise InvalidArgumentError(f"{op}: sp_inputs[{i}] has dense shape {list(s._shape)}, "
                                       f"sp_inputs[0] {list(sps[0]._shape)}: the ranks differ")
        if s.dtype != sps[0].dtype:
            raise TypeError(f"{op}: sp_inputs[{i}] is {s.dtype.name}, sp_inputs[0] "
                            f"{sps[0].dtype.name}")
        _check_bounds(s, op)
    if not -r <= a < r:
        raise InvalidArgumentError(f"{op}: axis {a} is out of range for rank {r}")
    a %= r
    if expand_nonconcat_dims:
        top = [max(s._shape[d] for s in sps) for d in range(r)]
    else:
        top = list(sps[0]._shape)
        for i, s in enumerate(sps):
            if any(s._shape[d] != top[d] for d in range(r) if d != a):
                raise InvalidArgumentError(
                    f"{op}: sp_inputs[{i}] has dense shape {list(s._shape)}, sp_inputs[0] "
                    f"{list(sps[0]._shape)}: only dimension {a} may differ (or pass "
                    "expand_nonconcat_dims=True)")
    parts, offset = [], 0
    for s in sps:
        p = s._idx.copy()
        p[:, a] += offset
        parts.append(p)
        offset += s._shape[a]
    top[a] = offset
    values = _core.concat([s._values for s in sps], 0)
    return _sorted_make(np.concatenate(parts, 0), values, top)


def fill_empty_rows(sp_input, default_value, name=None):
    """``(sp_output, empty_row_indicator)``, as ``tf.sparse.fill_empty_rows``: every row (the
    first dimension) with no entry gets one at ``[row, 0, ..., 0]`` holding ``default_value``;
    the result is in canonical order, and the bool vector tells which rows were empty.
    Differentiable in the values and in a tensor ``default_value``."""
    op = "fill_empty_rows"
    sp = _sp(sp_input, op)
    if not sp._shape:
        raise InvalidArgumentError(f"{op}: sp_input must have rank >= 1, got a scalar SparseTensor")
    _check_bounds(sp, op)
    d = _scalar_of(default_value, sp.dtype, op, "default_value")
    rows = sp._shape[0]
    if rows > _MAX_ELEMENTS:
        raise InvalidArgumentError(f"{op}: dense shape {list(sp._shape)} has more rows than "
                                   f"{_MAX_ELEMENTS} (the empty-row indicator is dense)")
    present = np.zeros(rows, dtype=np.bool_)
    present[sp._idx[:, 0]] = True
    empty = np.flatnonzero(~present)
    if empty.size and any(s == 0 for s in sp._shape[1:]):
        raise InvalidArgumentError(f"{op}: cannot fill empty rows of dense shape {list(sp._shape)} "
                                   "(a dimension after the first is 0)")
    indicator = _core._constant(~present, None)
    if not empty.size:
        return _make(sp._idx, sp._values, sp._shape, sp._cache.get("order")), indicator
    new_idx = np.zeros((empty.size, len(sp._shape)), dtype=np.int64)
    new_idx[:, 0] = empty
    fills = _core.broadcast_to(_core.reshape(d, [1]), [int(empty.size)])
    values = _core.concat([sp._values, fills], 0)
    return _sorted_make(np.concatenate([sp._idx, new_idx], 0), values, sp._shape), indicator


def to_indicator(sp_input, vocab_size, name=None):
    """A dense bool tensor of shape ``dense_shape[:-1] + [vocab_size]`` that is True at
    ``[..., id]`` for every id ``sp_input`` holds in that row, as ``tf.sparse.to_indicator``
    (the last index dimension is replaced by the values). Ids outside ``[0, vocab_size)`` are an
    InvalidArgumentError. No gradient (a bool result)."""
    op = "to_indicator"
    sp = _sp(sp_input, op)
    if not sp._shape:
        raise InvalidArgumentError(f"{op}: sp_input must have rank >= 1, got a scalar SparseTensor")
    v = _int_scalar(vocab_size, op, "vocab_size")
    if v < 0:
        raise InvalidArgumentError(f"{op}: vocab_size must be non-negative, got {v}")
    ids = _whole_ids(sp._values, op, "sp_input")
    bad = (ids < 0) | (ids >= v)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidArgumentError(f"{op}: values[{i}] = {int(ids[i])} is out of range [0, {v})")
    _check_bounds(sp, op)
    shape = list(sp._shape[:-1]) + [v]
    total = _check_dense_size(shape, op)
    idx = np.concatenate([sp._idx[:, :-1], ids.reshape(-1, 1)], 1)
    out = np.zeros(total, dtype=np.bool_)
    out[_linear(idx, shape)] = True
    return _core._constant(out.reshape(shape), None)


def eye(num_rows, num_columns=None, dtype=dtypes.float32, name=None):
    """The ``num_rows x num_columns`` identity matrix (square by default) as a SparseTensor:
    ones at ``[i, i]``, as ``tf.sparse.eye``."""
    op = "eye"
    n = _int_scalar(num_rows, op, "num_rows")
    m = n if num_columns is None else _int_scalar(num_columns, op, "num_columns")
    if n < 0 or m < 0:
        raise InvalidArgumentError(f"{op}: num_rows and num_columns must be non-negative, got {n} "
                                   f"and {m}")
    if n > _INT64_MAX or m > _INT64_MAX:
        raise InvalidArgumentError(f"{op}: num_rows and num_columns must fit int64")
    k = min(n, m)
    if k > _MAX_ELEMENTS:
        raise InvalidArgumentError(f"{op}: {k} diagonal entries are more than {_MAX_ELEMENTS}")
    dt = dtypes.as_dtype(dtype)
    d = np.arange(k, dtype=np.int64)
    return _make(np.stack([d, d], 1), _core._constant(np.ones(k, dt.as_numpy_dtype), dt), [n, m],
                 "canonical")


def map_values(op, *args, **kwargs):
    """``op`` applied to the ``values`` of the SparseTensors among the arguments (lists, tuples
    and dicts are searched too), as ``tf.sparse.map_values``: the result is a SparseTensor with
    their indices and dense shape. All of them must have the same indices and dense shape (an
    InvalidArgumentError otherwise); at least one is required (ValueError)."""
    name = "map_values"
    if not callable(op):
        raise TypeError(f"{name}: op must be callable, got {_type_name(op)}")
    found = []

    def swap(x):
        if isinstance(x, SparseTensor):
            found.append(x)
            return x._values
        if isinstance(x, (list, tuple)):
            return type(x)(swap(v) for v in x)
        if isinstance(x, dict):
            return {k: swap(v) for k, v in x.items()}
        return x
    new_args = swap(list(args))
    new_kwargs = swap(dict(kwargs))
    if not found:
        raise ValueError(f"{name}: no SparseTensor in the arguments")
    first = found[0]
    for s in found[1:]:
        if s._shape != first._shape or not np.array_equal(s._idx, first._idx):
            raise InvalidArgumentError(f"{name}: the SparseTensors must have the same indices and "
                                       f"dense shape (dense shapes {list(first._shape)} and "
                                       f"{list(s._shape)}, {len(first._idx)} and {len(s._idx)} "
                                       "entries)")
    vals = op(*new_args, **new_kwargs)
    if isinstance(vals, SparseTensor):
        raise TypeError(f"{name}: op must return a dense tensor, got a SparseTensor")
    vals = _value(vals, name, "op's result")
    if tuple(vals.shape) != (len(first._idx),):
        raise ValueError(f"{name}: op must return one value per entry (shape [{len(first._idx)}]), "
                         f"got shape {list(vals.shape)}")
    out = _make(first._idx, vals, first._shape, first._cache.get("order"))
    out._cache["bounds"] = bool(first._cache.get("bounds"))
    return out


# -- arithmetic -------------------------------------------------------------------------------------

def _same_shape(a, b, op):
    if a._shape != b._shape:
        raise InvalidArgumentError(f"{op}: the operands' dense shapes differ: {list(a._shape)} and "
                                   f"{list(b._shape)}")
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: the operands' dtypes differ: {a.dtype.name} and {b.dtype.name}")
    _check_bounds(a, op)
    _check_bounds(b, op)


def _union(a, b):
    """(union indices in canonical order, positions of a's and b's entries in it)."""
    allidx = np.concatenate([a._idx, b._idx], 0)
    keys = _keys(allidx, a._shape)
    uniq, first, inv = np.unique(keys, return_index=True, return_inverse=True)
    inv = inv.reshape(-1)
    return allidx[first], inv[:len(a._idx)], inv[len(a._idx):], len(uniq)


def add(a, b, threshold=0, name=None):
    """``a + b`` where at least one is a SparseTensor, as ``tf.sparse.add``. Two SparseTensors
    (same dense shape and dtype) give a SparseTensor in canonical order holding the sums at
    the union of their indices, without the sums whose magnitude is below ``threshold`` (0
    keeps everything, zeros too). A SparseTensor and a dense tensor (of the dense shape) give
    the dense sum. Differentiable in the values and in the dense operand."""
    op = "add"
    a_sp, b_sp = isinstance(a, SparseTensor), isinstance(b, SparseTensor)
    if not (a_sp or b_sp):
        raise TypeError(f"{op}: at least one input must be a SparseTensor (got {_type_name(a)} and "
                        f"{_type_name(b)}); use tf.add for dense tensors")
    if a_sp and b_sp:
        _same_shape(a, b, op)
        if a.dtype == dtypes.bool:
            raise TypeError(f"{op}: bool SparseTensors cannot be added")
        thr = threshold.numpy() if isinstance(threshold, (_core.Tensor, _core.Variable)) else threshold
        try:
            thr = float(np.asarray(thr, dtype=np.float64))
        except (TypeError, ValueError):
            raise TypeError(f"{op}: threshold must be a real number, got {threshold!r:.60}") from None
        idx, ia, ib, n = _union(a, b)
        vals = _seg_sum(_core.concat([a._values, b._values], 0), np.concatenate([ia, ib]), n)
        if thr > 0:
            keep = np.flatnonzero(np.abs(vals.numpy().astype(np.float64)) >= thr)
            if keep.size != n:
                idx, vals = idx[keep], _take(vals, keep)
        return _make(idx, vals, a._shape, "canonical")
    sp, dense = (a, b) if a_sp else (b, a)
    d = _dense_operand(dense, sp.dtype, op, "the dense operand")
    if tuple(d.shape) != sp._shape:
        raise InvalidArgumentError(f"{op}: the dense operand has shape {list(d.shape)}, the "
                                   f"SparseTensor dense shape {list(sp._shape)}: they must be equal")
    if sp.dtype == dtypes.bool:
        raise TypeError(f"{op}: bool tensors cannot be added")
    return _core.add(d, to_dense(sp, validate_indices=False))


def _sparse_minmax(sp_a, sp_b, fn, op):
    a, b = _sp(sp_a, op, "sp_a"), _sp(sp_b, op, "sp_b")
    _same_shape(a, b, op)
    if a.dtype == dtypes.bool:
        raise TypeError(f"{op}: bool SparseTensors are not supported")
    idx, ia, ib, n = _union(a, b)
    va = _seg_sum(a._values, ia, n)  # 0 where a has no entry: the implicit zeros take part
    vb = _seg_sum(b._values, ib, n)
    return _make(idx, fn(va, vb), a._shape, "canonical")


def maximum(sp_a, sp_b, name=None):
    """The elementwise maximum of two SparseTensors of one dense shape, as
    ``tf.sparse.maximum``: a SparseTensor over the union of their indices (canonical order),
    where an entry one of them lacks counts as 0. Differentiable in both values."""
    return _sparse_minmax(sp_a, sp_b, _core.maximum, "maximum")


def minimum(sp_a, sp_b, name=None):
    """The elementwise minimum of two SparseTensors, as ``tf.sparse.minimum`` (see
    ``maximum``)."""
    return _sparse_minmax(sp_a, sp_b, _core.minimum, "minimum")


def _spmm(sp, dense, adj_sp, adj_dense, op):
    """``op(sp) @ op(dense)``: gather the dense rows the entries name, scale them by the values
    and sum them into their output rows (one gather, one multiply, one unsorted_segment_sum)."""
    d = _dense_operand(dense, sp.dtype, op, "the dense operand")
    if sp.dtype == dtypes.bool:
        raise TypeError(f"{op}: bool tensors cannot be multiplied")
    if len(sp._shape) != 2:
        raise InvalidArgumentError(f"{op}: the SparseTensor must be a matrix (rank 2), got dense "
                                   f"shape {list(sp._shape)}")
    if d.ndim != 2:
        raise InvalidArgumentError(f"{op}: the dense operand must be a matrix (rank 2), got shape "
                                   f"{list(d.shape)}")
    m, k = sp._shape[::-1] if adj_sp else sp._shape
    b = _core.transpose(d) if adj_dense else d
    if int(b.shape[0]) != k:
        raise InvalidArgumentError(
            f"{op}: cannot multiply A and B because the inner dimensions do not match: {k} vs. "
            f"{int(b.shape[0])} (dense shape of the SparseTensor {list(sp._shape)}, dense operand "
            f"{list(d.shape)}, adjoints {adj_sp} and {adj_dense})")
    _check_bounds(sp, op)
    n = int(b.shape[1])
    _check_dense_size([m, n], op)
    rows_c, cols_c = (1, 0) if adj_sp else (0, 1)
    rows = _cached_tensor(sp, f"col{rows_c}", lambda: _itensor(sp._idx[:, rows_c]))
    cols = _cached_tensor(sp, f"col{cols_c}", lambda: _itensor(sp._idx[:, cols_c]))
    g = _core.gather(b, cols, 0)
    prod = _core.multiply(g, _core.reshape(sp._values, [-1, 1]))
    return _core.unsorted_segment_sum(prod, rows, m)


def sparse_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    """The matrix product of a rank-2 SparseTensor and a dense matrix, in either order, as
    ``tf.sparse.sparse_dense_matmul``: ``op(sp_a) @ op(b)`` with ``op`` the (real) adjoint,
    i.e. the transpose, where ``adjoint_a`` / ``adjoint_b`` ask; with ``sp_a`` dense and ``b``
    a SparseTensor, the dense x sparse product. A dense result. One gather of the dense rows,
    one multiply and one ``unsorted_segment_sum``: differentiable (every order) in the values
    and in the dense matrix."""
    op = "sparse_dense_matmul"
    a_sp, b_sp = isinstance(sp_a, SparseTensor), isinstance(b, SparseTensor)
    if a_sp and b_sp:
        raise TypeError(f"{op}: only one of sp_a and b may be a SparseTensor (use "
                        "tf.sparse.to_dense on one of them)")
    if not (a_sp or b_sp):
        raise TypeError(f"{op}: one of sp_a and b must be a SparseTensor, got {_type_name(sp_a)} "
                        f"and {_type_name(b)}; use tf.matmul for dense matrices")
    if a_sp:
        return _spmm(sp_a, b, bool(adjoint_a), bool(adjoint_b), op)
    # dense x sparse: (op(A) op(B))^T = op(B)^T op(A)^T
    return _core.transpose(_spmm(b, sp_a, not adjoint_b, not adjoint_a, op))


# -- reductions ---------------------------------------------------------------------------------------

def _groups(sp, axis, keepdims, op):
    """(kept dims, output dense shape with keepdims applied, index columns of the kept dims)."""
    r = len(sp._shape)
    axes = _axes(axis, r, op)
    keep = [d for d in range(r) if d not in axes]
    kept_shape = [sp._shape[d] for d in keep]
    out_shape = [1 if d in axes else sp._shape[d] for d in range(r)] if keepdims else kept_shape
    _check_bounds(sp, op)
    return keep, kept_shape, out_shape, axes


def _reduce(sp_input, axis, keepdims, output_is_sparse, op, dense_fn, sparse_fn):
    sp = _sp(sp_input, op)
    if sp.dtype == dtypes.bool:
        raise TypeError(f"{op}: bool values cannot be reduced (cast them to a number type)")
    keep, kept_shape, out_shape, axes = _groups(sp, axis, bool(keepdims), op)
    sub = sp._idx[:, keep]
    if output_is_sparse:
        keys = _keys(sub, kept_shape)
        uniq, first, inv = np.unique(keys, return_index=True, return_inverse=True)
        vals = sparse_fn(sp._values, inv.reshape(-1), len(uniq))
        idx = sub[first]
        if keepdims:
            full = np.zeros((len(first), len(sp._shape)), dtype=np.int64)
            full[:, keep] = idx
            idx = full
        return _make(idx, vals, out_shape, "canonical")
    total = _check_dense_size(kept_shape, op)
    pos = _linear(sub, kept_shape)
    return _core.reshape(dense_fn(sp._values, pos, total), out_shape)


def reduce_sum(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """The sum of a SparseTensor's entries over ``axis`` (all by default; negative axes count
    from the end), as ``tf.sparse.reduce_sum``: a dense tensor (``keepdims`` keeps the reduced
    dimensions with size 1), or with ``output_is_sparse`` a SparseTensor holding the sums of
    the groups that have entries. One ``unsorted_segment_sum``: differentiable in the values."""
    return _reduce(sp_input, axis, keepdims, output_is_sparse, "reduce_sum",
                   lambda v, pos, n: _seg_sum(v, pos, n), lambda v, ids, n: _seg_sum(v, ids, n))


def _seg_max_dense(values, pos, n):
    from .math import unsorted_segment_max
    mx = unsorted_segment_max(values, pos, n)
    counts = np.bincount(pos, minlength=n) if len(pos) else np.zeros(n, np.int64)
    if counts.all():
        return mx
    return _core.where(_core._constant(counts > 0, None), mx, _zero(values.dtype))


def reduce_max(sp_input, axis=None, keepdims=None, output_is_sparse=False, name=None):
    """The maximum of a SparseTensor's entries over ``axis``, as ``tf.sparse.reduce_max``: the
    entries not stored do not take part (so the result can be negative), and a group with no
    entry gives 0; dense, or with ``output_is_sparse`` a SparseTensor of the groups that have
    entries. TF defines no gradient here; tapegrad's is ``unsorted_segment_max``'s (to the
    entries equal to their group's maximum, split among ties)."""
    from .math import unsorted_segment_max
    return _reduce(sp_input, axis, keepdims, output_is_sparse, "reduce_max", _seg_max_dense,
                   lambda v, ids, n: unsorted_segment_max(v, ids, n))


def softmax(sp_input, name=None):
    """Softmax over the last dimension of a SparseTensor of rank >= 2, as
    ``tf.sparse.softmax``: within each row (all indices but the last equal) over the stored
    entries only (the entries not stored do not take part and stay unstored). Same indices;
    the values are recorded ops (max-shifted exp, segment sums, divide): differentiable at
    every order."""
    op = "softmax"
    sp = _sp(sp_input, op)
    if len(sp._shape) < 2:
        raise InvalidArgumentError(f"{op}: sp_input must have rank >= 2, got dense shape "
                                   f"{list(sp._shape)}")
    if not sp.dtype.is_floating:
        raise TypeError(f"{op}: values must be float32 or float64, got {sp.dtype.name}")
    _check_bounds(sp, op)
    keys = _keys(sp._idx[:, :-1], sp._shape[:-1])
    uniq, inv = np.unique(keys, return_inverse=True)
    inv = inv.reshape(-1)
    n = len(uniq)
    ids = _itensor(inv)
    v = sp._values
    if not len(inv):
        return _make(sp._idx, v, sp._shape, sp._cache.get("order"))
    m = _core._segment_reduce(v, ids, n, "max", False, op)  # unrecorded: a constant shift
    m = np.where(np.isfinite(m.numpy()), m.numpy(), 0)
    e = _core.exp(_core.subtract(v, _core._constant(m[inv], v.dtype)))
    s = _core.unsorted_segment_sum(e, ids, n)
    return _make(sp._idx, _core.divide(e, _core.gather(s, ids, 0)), sp._shape,
                 sp._cache.get("order"))


# -- segments and counting ------------------------------------------------------------------------

def _sparse_segment(data, indices, segment_ids, num_segments, op, kind):
    from ._segment_ops import _int_array, _count, _check_size
    x = _value(data, op, "data")
    if x.dtype == dtypes.bool:
        raise TypeError(f"{op}: data must be a float or integer tensor, got bool")
    if x.ndim < 1:
        raise InvalidArgumentError(f"{op}: data must have rank >= 1, got a scalar")
    idx = _int_array(indices, op, "indices")
    seg = _int_array(segment_ids, op, "segment_ids")
    if idx.ndim != 1 or seg.shape != idx.shape:
        raise InvalidArgumentError(f"{op}: indices and segment_ids must be vectors of one length, got "
                                   f"shapes {list(idx.shape)} and {list(seg.shape)}")
    rows = int(x.shape[0])
    bad = (idx < 0) | (idx >= rows)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidArgumentError(f"{op}: indices[{i}] = {int(idx[i])} is out of range [0, {rows})")
    seg = seg.astype(np.int64)
    if kind != "sum" and not x.dtype.is_floating:
        raise TypeError(f"{op}: data must be float32 or float64, got {x.dtype.name}")
    if num_segments is None:
        if seg.size and (seg[0] < 0 or np.any(np.diff(seg) < 0)):
            raise InvalidArgumentError(f"{op}: segment_ids must be sorted and non-negative (or give "
                                       f"num_segments), got {seg.tolist()[:10]}")
        n = int(seg[-1]) + 1 if seg.size else 0
    else:
        n = _count(num_segments, op)
        if seg.size and (seg.min() < 0 or seg.max() >= n):
            i = int(np.flatnonzero((seg < 0) | (seg >= n))[0])
            raise InvalidArgumentError(f"{op}: segment_ids[{i}] = {int(seg[i])} is out of range "
                                       f"[0, {n})")
    inner = [int(d) for d in x.shape[1:]]
    _check_size(n, inner, op)
    picked = _core.gather(x, _itensor(idx), 0)
    s = _seg_sum(picked, seg, n)
    if kind == "sum":
        return s
    counts = np.bincount(seg, minlength=n).astype(np.float64).reshape([n] + [1] * len(inner))
    if kind == "sqrt_n":
        counts = np.sqrt(counts)
    return _core.divide(s, _core._constant(np.maximum(counts, 1).astype(x.dtype.as_numpy_dtype),
                                           x.dtype))


def segment_sum(data, indices, segment_ids, num_segments=None, name=None, sparse_gradient=False):
    """The sums of the rows ``data[indices[j]]`` grouped by ``segment_ids[j]``, as
    ``tf.sparse.segment_sum``: ``max(id) + 1`` rows (sorted ids) or ``num_segments`` (any
    order); 0 for an empty segment. A gather and an ``unsorted_segment_sum``: differentiable
    in ``data`` (a dense gradient; ``sparse_gradient`` is accepted and ignored)."""
    return _sparse_segment(data, indices, segment_ids, num_segments, "segment_sum", "sum")


def segment_mean(data, indices, segment_ids, num_segments=None, name=None, sparse_gradient=False):
    """The means of the rows ``data[indices[j]]`` grouped by ``segment_ids[j]``, as
    ``tf.sparse.segment_mean`` (0 for an empty segment). Differentiable in ``data``."""
    return _sparse_segment(data, indices, segment_ids, num_segments, "segment_mean", "mean")


def segment_sqrt_n(data, indices, segment_ids, num_segments=None, name=None,
                   sparse_gradient=False):
    """The sums of the rows ``data[indices[j]]`` grouped by ``segment_ids[j]``, divided by the
    square root of each segment's size, as ``tf.sparse.segment_sqrt_n`` (0 for an empty
    segment). Differentiable in ``data``."""
    return _sparse_segment(data, indices, segment_ids, num_segments, "segment_sqrt_n", "sqrt_n")


def bincount(values, weights=None, axis=0, minlength=None, maxlength=None, binary_output=False,
             name=None):
    """The number of times each integer occurs in ``values`` (a dense tensor or a
    SparseTensor's stored values), as a SparseTensor, as ``tf.sparse.bincount``: with
    ``axis=0`` (or None) over everything, dense shape ``[N]``; with ``axis=-1`` per row of a
    rank-2 input, dense shape ``[rows, N]``. ``N`` is ``maxlength`` when given (larger values
    are skipped), else ``max(max(values) + 1, minlength)``. The counts have the values' dtype
    (int32 or int64, as TF); with ``weights`` (the shape of ``values``, or a SparseTensor with
    its indices) each occurrence adds its weight (differentiable), and ``binary_output`` gives
    1 per value present (with ``weights`` a ValueError, as TF). Negative values are an
    InvalidArgumentError."""
    op = "bincount"
    if binary_output and weights is not None:
        raise ValueError(f"{op}: arguments binary_output and weights are mutually exclusive, as "
                         "TF's; specify only one")
    if axis not in (None, 0, -1) or isinstance(axis, bool):
        raise InvalidArgumentError(f"{op}: axis must be 0, -1 or None, got {axis!r:.40}")
    vdt = values._values.dtype if isinstance(values, SparseTensor) else None
    if isinstance(values, SparseTensor):
        _check_bounds(values, op)
        ids = _whole_ids(values._values, op, "values")
        rows_of = values._idx[:, 0] if values._shape else None
        rank, nrows = len(values._shape), (values._shape[0] if values._shape else 1)
    else:
        t = _value(values, op, "values")
        vdt = t.dtype
        ids = _whole_ids(t, op, "values").reshape(-1)
        rank, nrows = t.ndim, (int(t.shape[0]) if t.ndim else 1)
        rows_of = np.repeat(np.arange(nrows), ids.size // nrows) if t.ndim and nrows else \
            np.zeros(ids.size, np.int64)
    if axis == -1 and rank != 2:
        raise InvalidArgumentError(f"{op}: axis=-1 needs a rank-2 input, got rank {rank}")
    w = None
    if weights is not None:
        if isinstance(weights, SparseTensor):
            if not isinstance(values, SparseTensor) or weights._shape != values._shape or \
                    not np.array_equal(weights._idx, values._idx):
                raise InvalidArgumentError(f"{op}: a SparseTensor of weights must have the indices "
                                           "and dense shape of values")
            w = weights._values
        else:
            w = _value(weights, op, "weights")
            want = (len(ids),) if isinstance(values, SparseTensor) else tuple(
                _value(values, op, "values").shape)
            if tuple(w.shape) != want:
                raise InvalidArgumentError(f"{op}: weights shape {list(w.shape)} must equal the "
                                           f"values' shape {list(want)}")
            w = _core.reshape(w, [-1])
        if w.dtype == dtypes.bool:
            raise TypeError(f"{op}: weights must be numbers, got bool")
    if ids.size and ids.min() < 0:
        raise InvalidArgumentError(f"{op}: values must be non-negative, got {int(ids.min())}")
    from ._segment_ops import _count
    if maxlength is not None:
        n = _count(maxlength, op, "maxlength")
    else:
        n = int(ids.max()) + 1 if ids.size else 0
        if minlength is not None:
            n = max(n, _count(minlength, op, "minlength"))
    if n > _INT64_MAX:
        raise InvalidArgumentError(f"{op}: {n} bins do not fit int64")
    keep = np.flatnonzero(ids < n)
    per_row = axis == -1
    keys = (rows_of[keep].astype(np.int64) * n + ids[keep]) if per_row else ids[keep]
    if per_row and nrows * n > _INT64_MAX:
        raise InvalidArgumentError(f"{op}: {nrows} x {n} bins do not fit int64")
    uniq, inv = np.unique(keys, return_inverse=True)
    inv = inv.reshape(-1)
    if per_row:
        idx = np.stack([uniq // max(n, 1), uniq % max(n, 1)], 1) if uniq.size else np.zeros((0, 2), np.int64)
        shape = [nrows, n]
    else:
        idx = uniq.reshape(-1, 1)
        shape = [n]
    # The counts have the values' dtype (int32 or int64), as TF's (int64 for the whole-number
    # floats tapegrad accepts); weighted counts the weights'.
    cdt = vdt if vdt in (dtypes.int32, dtypes.int64) else dtypes.int64
    if w is not None:
        vals = _seg_sum(_take(w, keep), inv, len(uniq))
    else:
        counts = np.ones(len(uniq)) if binary_output else np.bincount(inv, minlength=len(uniq))
        vals = _core._constant(counts.astype(cdt.as_numpy_dtype), cdt)
    return _make(idx, vals, shape, "canonical")


# -- embeddings (tf.nn.embedding_lookup_sparse, tf.nn.safe_embedding_lookup_sparse) ----------------

def _table(params, op, dtype=None):
    if params is None:
        raise ValueError(f"{op}: params must not be None")
    shards = list(params) if isinstance(params, (list, tuple)) else [params]
    if not shards:
        raise ValueError(f"{op}: params must not be an empty list")
    ts = []
    for i, p in enumerate(shards):
        t = _value(p, op, "params")
        if dtype is not None and t.dtype != dtype:
            raise TypeError(f"{op}: params[{i}] is {t.dtype.name} but the weights are {dtype.name}")
        if not t.dtype.is_floating:
            raise TypeError(f"{op}: params must be float32 or float64, got {t.dtype.name}")
        if t.ndim < 1:
            raise InvalidArgumentError(f"{op}: params must have rank >= 1, got a scalar")
        if ts and (t.dtype != ts[0].dtype or tuple(t.shape[1:]) != tuple(ts[0].shape[1:])):
            raise InvalidArgumentError(f"{op}: the shards of params must share dtype and all but the "
                                       f"first dimension, got {list(ts[0].shape)} "
                                       f"({ts[0].dtype.name}) and {list(t.shape)} ({t.dtype.name})")
        ts.append(t)
    return ts[0] if len(ts) == 1 else _core.concat(ts, 0)


def _combiner(combiner, op):
    c = "mean" if combiner is None else combiner
    if c not in ("mean", "sqrtn", "sum"):
        raise ValueError(f"{op}: combiner must be one of 'mean', 'sqrtn' or 'sum', got {combiner!r:.40}")
    return c


def embedding_lookup_sparse(params, sp_ids, sp_weights, combiner=None, max_norm=None, name=None,
                            allow_fast_lookup=False):
    """Combined embeddings of the ids in each row of ``sp_ids``, as
    ``tf.nn.embedding_lookup_sparse``: row i of the result combines ``params[id] * weight``
    over the entries ``[i, ...]`` of ``sp_ids`` (and of ``sp_weights``, a SparseTensor with the
    same indices, or None for weights 1): ``combiner`` 'sum', 'mean' (the weighted sum over
    the sum of the weights, 0 where that is 0; the default) or 'sqrtn' (over the square root
    of the sum of the squared weights). ``params`` is a table or a list of shards
    concatenated along axis 0 (TF 2's 'div' strategy); ``max_norm`` clips each looked-up
    embedding's l2 norm. The result has ``max(row) + 1`` rows (TF's segment semantics; give
    every row an id, or use ``safe_embedding_lookup_sparse``). Ids out of range are an
    InvalidArgumentError. Gathers and segment sums: differentiable in ``params`` and the
    weights."""
    op = "embedding_lookup_sparse"
    c = _combiner(combiner, op)
    sp = _sp(sp_ids, op, "sp_ids")
    if sp_weights is not None and not isinstance(sp_weights, SparseTensor):
        raise TypeError(f"{op}: sp_weights must be None or a SparseTensor, got {_type_name(sp_weights)}")
    table = _table(params, op)
    if not sp._shape:
        raise InvalidArgumentError(f"{op}: sp_ids must have rank >= 1, got a scalar SparseTensor")
    _check_bounds(sp, op)
    ids = _whole_ids(sp._values, op, "sp_ids")
    vocab = int(table.shape[0])
    bad = (ids < 0) | (ids >= vocab)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidArgumentError(f"{op}: sp_ids.values[{i}] = {int(ids[i])} is not in [0, {vocab})")
    seg = sp._idx[:, 0]
    n = int(seg.max()) + 1 if seg.size else 0
    inner = [int(d) for d in table.shape[1:]]
    from ._segment_ops import _check_size
    _check_size(n, inner, op)
    emb = _take(table, ids)
    if max_norm is not None:
        mn = _core._constant(float(max_norm), emb.dtype)
        if inner:  # each looked-up row's l2 norm at most max_norm
            emb = _core.clip_by_norm(emb, mn, list(range(1, emb.ndim)))
        else:  # scalar embeddings: the norm is |x|
            emb = _core.clip_by_value(emb, _core.negative(mn), mn)
    segt = _itensor(seg)
    if sp_weights is not None:
        if sp_weights._shape != sp._shape or not np.array_equal(sp_weights._idx, sp._idx):
            raise InvalidArgumentError(f"{op}: sp_weights must have the indices and dense shape of "
                                       f"sp_ids (dense shapes {list(sp._shape)} and "
                                       f"{list(sp_weights._shape)})")
        w = sp_weights._values
        if w.dtype != emb.dtype:
            w = _core.cast(w, emb.dtype)
        wb = _core.reshape(w, [-1] + [1] * len(inner))
        s = _core.unsorted_segment_sum(_core.multiply(emb, wb), segt, n)
        if c == "sum":
            return s
        from .math import divide_no_nan
        if c == "mean":
            return divide_no_nan(s, _core.unsorted_segment_sum(wb, segt, n))
        return divide_no_nan(s, _core.sqrt(_core.unsorted_segment_sum(_core.square(wb), segt, n)))
    s = _core.unsorted_segment_sum(emb, segt, n)
    if c == "sum":
        return s
    counts = np.bincount(seg, minlength=n).astype(np.float64)
    if c == "sqrtn":
        counts = np.sqrt(counts)
    counts = np.maximum(counts, 1).reshape([n] + [1] * len(inner)).astype(emb.dtype.as_numpy_dtype)
    return _core.divide(s, _core._constant(counts, emb.dtype))


def safe_embedding_lookup_sparse(embedding_weights, sparse_ids, sparse_weights=None,
                                 combiner="mean", default_id=None, max_norm=None, name=None,
                                 allow_fast_lookup=False):
    """``embedding_lookup_sparse`` that tolerates invalid ids and empty rows, as
    ``tf.nn.safe_embedding_lookup_sparse``: ids < 0 are dropped (and, unless ``combiner`` is
    'sum', entries whose weight is not positive); a row left with no entry gives the embedding
    of ``default_id``, or zeros without one. ``sparse_ids`` may have any rank >= 1: the result
    has shape ``dense_shape[:-1] + params.shape[1:]`` (aggregation along the last dimension).
    With ``sparse_weights`` the tables must have its dtype. Differentiable in the tables and
    the weights."""
    op = "safe_embedding_lookup_sparse"
    if embedding_weights is None or (isinstance(embedding_weights, (list, tuple)) and
                                     not embedding_weights):
        raise ValueError(f"{op}: missing embedding_weights {embedding_weights!r}")
    c = _combiner(combiner, op)
    sp = _sp(sparse_ids, op, "sparse_ids")
    if sparse_weights is not None:
        _sp(sparse_weights, op, "sparse_weights")
        if sparse_weights._shape != sp._shape or len(sparse_weights._idx) != len(sp._idx):
            raise InvalidArgumentError(f"{op}: sparse_weights must have the dense shape and entries "
                                       f"of sparse_ids (dense shapes {list(sp._shape)} and "
                                       f"{list(sparse_weights._shape)}, {len(sp._idx)} and "
                                       f"{len(sparse_weights._idx)} entries)")
    table = _table(embedding_weights, op, sparse_weights.dtype if sparse_weights is not None else None)
    if not sp._shape:
        raise InvalidArgumentError(f"{op}: sparse_ids must have rank >= 1, got a scalar SparseTensor")
    lead = list(sp._shape[:-1])
    ids2 = reshape(sp, [_prod(lead), sp._shape[-1]])
    w2 = None if sparse_weights is None else _make(ids2._idx, sparse_weights._values, ids2._shape,
                                                   ids2._cache.get("order"))
    keep = _whole_ids(ids2._values, op, "sparse_ids") >= 0
    if c != "sum" and w2 is not None:
        keep &= (w2._values.numpy() > 0)
    if not keep.all():
        ids2 = retain(ids2, keep)
        w2 = None if w2 is None else retain(w2, keep)
    ids2, empty = fill_empty_rows(ids2, default_id or 0)
    if w2 is not None:
        w2, _ = fill_empty_rows(w2, 1.0)
    result = embedding_lookup_sparse(table, ids2, w2, combiner=c, max_norm=max_norm)
    inner = [int(d) for d in table.shape[1:]]
    if default_id is None and int(result.shape[0]):
        mask = empty.numpy().reshape([-1] + [1] * len(inner))
        result = _core.where(_core._constant(np.ascontiguousarray(mask), None), _zero(result.dtype),
                             result)
    return _core.reshape(result, lead + inner)
