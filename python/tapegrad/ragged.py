"""tapegrad.ragged: ``tf.RaggedTensor`` and the ``tf.ragged`` module, as TF 2 documents them.

A ``RaggedTensor`` is a tensor whose rows may have different lengths: a ``values`` tensor (the
rows concatenated) and a ``row_splits`` vector (row ``i`` is ``values[row_splits[i]:
row_splits[i + 1]]``). ``values`` may itself be a RaggedTensor (one more ragged dimension); the
innermost ``flat_values`` is an ordinary tapegrad Tensor of any rank (uniform inner
dimensions).

The row partitions are index bookkeeping: they live in numpy (int64) and are validated when
the RaggedTensor is made. Everything done to the values goes through recorded tapegrad ops
(``gather``, ``slice``, ``concat``, ``reshape``, ``unsorted_segment_*``, the elementwise ops),
so gradients flow through ``flat_values`` to any order. The indices those ops take are
computed with vectorized numpy (no Python loop over rows, except where a Python list or a
per-row numpy object is the result: ``to_list``, ``numpy()``, ``repr``, iteration).

``tf.reduce_sum/mean/max/min/prod/any/all`` take a RaggedTensor (any ``axis``, the ragged ones
included, as TF's ragged dispatch), ``tf.concat`` takes RaggedTensors (any axis), and
RaggedTensors support ``+ - * / // % **``, comparisons and ``& | ^ ~`` with scalars, dense
tensors that broadcast (along the uniform dimensions, or with size 1 or the row count where
the RaggedTensor is ragged) and RaggedTensors of the same row partitions, on either side
(``tensor + rt``: the Tensor's operator defers to the RaggedTensor's reflected one, as TF's).
"""

import builtins as _builtins
import numbers as _numbers
import operator as _operator

import numpy as np

from . import _core
from . import dtypes as _dtypes
from .errors import IndexOutOfBoundsError, InvalidArgumentError

__all__ = ["RaggedTensor", "constant", "range", "stack", "boolean_mask", "map_flat_values",
           "row_splits_to_segment_ids", "segment_ids_to_row_splits"]

_range = _builtins.range  # `range` below is tf.ragged.range
_slice = _builtins.slice
_int32, _int64 = _dtypes.int32, _dtypes.int64

# Results larger than this many elements are refused before numpy allocates them (TF's own
# limit for an int32 count of elements; as tapegrad's segment ops).
_MAX_ELEMENTS = 2 ** 31 - 1


# -- index bookkeeping (numpy) ------------------------------------------------------------------

def _itensor(a, bound=None):
    """An index array as an int tensor: int32 when every index is below ``bound`` < 2**31
    (half the bytes to build and to read), else int64."""
    a = np.asarray(a)
    if bound is not None and bound < 2 ** 31:
        return _core._constant(np.ascontiguousarray(a, dtype=np.int32), _int32)
    return _core._constant(np.ascontiguousarray(a, dtype=np.int64), _int64)


def _ranges(starts, lengths):
    """The concatenation of ``arange(starts[i], starts[i] + lengths[i])`` over i, vectorized
    (int32 when every value fits: half the bytes to make and to read)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum()) if lengths.size else 0
    if total == 0:
        return np.zeros(0, np.int64)
    starts = np.asarray(starts, np.int64)
    dt = np.int32 if total < 2 ** 31 and int((starts + lengths).max()) < 2 ** 31 else np.int64
    offsets = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=dt) + np.repeat((starts - offsets).astype(dt), lengths)


def _splits_from_lengths(lengths):
    out = np.zeros(len(lengths) + 1, np.int64)
    np.cumsum(lengths, out=out[1:])
    return out


def _is_int(k):
    if isinstance(k, (bool, np.bool_)):
        return False
    if isinstance(k, (_core.Tensor, _core.Variable)):
        return k.ndim == 0 and k.dtype in (_int32, _int64)
    try:
        _operator.index(k)
        return True
    except TypeError:
        return False


def _as_int(k):
    if isinstance(k, (_core.Tensor, _core.Variable)):
        return int(k.numpy())
    return _operator.index(k)


_AXIS_RANGE = "{what} {a} is out of range for a RaggedTensor of rank {rank}"


def _check_axis(a, rank, op, what="axis", kind="an int", shown=None, message=_AXIS_RANGE):
    """``a`` (an int, or an int scalar tensor) as an axis in ``[0, rank)``: a TypeError
    "``{op}: {what} must be {kind}, got {shown!r:.40}``" (``shown`` defaults to ``a``) when it
    is not an int, an InvalidArgumentError "``{op}: ``" + ``message`` (formatted with
    ``what``, ``a``, ``rank``) unless ``-rank <= a < rank``."""
    if not _is_int(a):
        raise TypeError(f"{op}: {what} must be {kind}, got {a if shown is None else shown!r:.40}")
    a = _as_int(a)
    if not -rank <= a < rank:
        raise InvalidArgumentError(f"{op}: " + message.format(what=what, a=a, rank=rank))
    return a % rank


def _partition(x, op, what):
    """A row-partition argument as a fresh 1-D int64 numpy array and its tapegrad dtype
    (int32 or int64, as TF: a Python list is int64). Float partitions are a ValueError, as
    TF's (tapegrad's ``constant([0, 2])`` is float32: pass a list, or ``dtype=tf.int64``)."""
    if isinstance(x, _core.Variable):
        x = x.read_value()
    if isinstance(x, RaggedTensor):
        raise TypeError(f"{op}: {what} must be a vector of integers, got a RaggedTensor")
    if isinstance(x, _core.Tensor):
        if x.dtype not in (_int32, _int64):
            raise ValueError(f"{op}: {what} must have dtype int32 or int64, got {x.dtype.name} "
                             "(pass a list of ints, or cast it)")
        a, dt = x.numpy(), x.dtype
    else:
        try:
            a = np.asarray(x)
        except (ValueError, TypeError) as e:
            raise ValueError(f"{op}: {what} must be a vector of integers ({e})") from None
        if a.size == 0 and a.dtype.kind == "f":
            a = a.astype(np.int64)  # [] is an empty list of integers
        if a.dtype.kind not in "iu":
            raise ValueError(f"{op}: {what} must have dtype int32 or int64, got numpy dtype "
                             f"{a.dtype} ({x!r:.60})")
        if a.dtype.kind == "u" and a.size and int(a.max()) >= 2 ** 63:
            raise InvalidArgumentError(f"{op}: {what} has a value {int(a.max())} beyond int64")
        dt = _int32 if a.dtype == np.int32 else _int64
    if a.ndim != 1:
        raise ValueError(f"{op}: {what} must be a vector (rank 1), got shape {list(a.shape)}")
    return np.array(a, dtype=np.int64), dt


def _count_arg(n, op, what):
    """A non-negative integer scalar (Python/numpy int or an int scalar tensor)."""
    v = n.numpy() if isinstance(n, (_core.Tensor, _core.Variable)) else n
    v = np.asarray(v)
    if v.ndim != 0 or v.dtype.kind not in "iu":
        raise TypeError(f"{op}: {what} must be an integer scalar, got {n!r:.60}")
    v = int(v)
    if v < 0:
        raise InvalidArgumentError(f"{op}: {what} must be non-negative, got {v}")
    return v


def _check_size(total, op, what="the result"):
    if total > _MAX_ELEMENTS:
        raise InvalidArgumentError(f"{op}: {what} would have {total} elements, more than "
                                   f"{_MAX_ELEMENTS}")


def _check_sorted(a, op, what):
    """The differences ``a[1:] - a[:-1]`` (for splits: the row lengths), checked >= 0."""
    d = a[1:] - a[:-1]
    if d.size and d.min() < 0:
        i = int(np.argmax(d < 0))
        raise InvalidArgumentError(
            f"{op}: {what} must be sorted in ascending order, got {what}[{i}] = {int(a[i])} > "
            f"{what}[{i + 1}] = {int(a[i + 1])} (the arguments do not form a valid RaggedTensor)")
    return d


def _check_splits(splits, nvals, op, what="row_splits", values_shape=None):
    """Checks a row partition; returns its row lengths."""
    if splits.size == 0:
        raise InvalidArgumentError(f"{op}: {what} may not be empty (it has nrows + 1 entries)")
    if splits[0] != 0:
        raise InvalidArgumentError(f"{op}: {what}[0] must be 0, got {int(splits[0])} (the "
                                   "arguments do not form a valid RaggedTensor)")
    lengths = _check_sorted(splits, op, what)
    if splits[-1] != nvals:
        shape = "" if values_shape is None else f" (values shape {values_shape})"
        raise InvalidArgumentError(f"{op}: {what}[-1] = {int(splits[-1])} must equal the number "
                                   f"of values {nvals}{shape} (the arguments do not form a valid "
                                   "RaggedTensor)")
    return lengths


def _as_values(x, op, what="values"):
    """A RaggedTensor, or a tensor of rank >= 1 (numpy keeps its dtype, Python lists are
    float32 as ``tapegrad.constant``)."""
    if isinstance(x, RaggedTensor):
        return x
    if isinstance(x, _core.Variable):
        x = x.read_value()
    if not isinstance(x, _core.Tensor):
        x = _core._constant(x, None, op)
    if x.ndim == 0:
        raise InvalidArgumentError(f"{op}: {what} must have rank >= 1, got a scalar")
    return x


def _as_dense(x, op, what):
    if isinstance(x, RaggedTensor):
        raise TypeError(f"{op}: {what} must be a dense tensor, got a RaggedTensor")
    if isinstance(x, _core.Variable):
        return x.read_value()
    if isinstance(x, _core.Tensor):
        return x
    return _core._constant(x, None, op)


def _nrows_of(v):
    return v._nrows if isinstance(v, RaggedTensor) else int(v.shape[0])


def _index_dtype(dtype, op, what="row_splits_dtype"):
    dt = _dtypes.as_dtype(dtype)
    if dt not in (_int32, _int64):
        raise ValueError(f"{op}: {what} must be int32 or int64, got {dt.name}")
    return dt


# -- rows of a Tensor or RaggedTensor ----------------------------------------------------------

def _slice_rows(x, a, b):
    """Rows a..b-1 of a tensor or RaggedTensor (one recorded ``slice`` of the flat values)."""
    if isinstance(x, RaggedTensor):
        s = x._splits
        lo, hi = int(s[a]), int(s[b])
        return RaggedTensor._make(_slice_rows(x._values, lo, hi), s[a:b + 1] - lo, x._sdtype)
    if a == 0 and b == x.shape[0]:
        return x
    return _core.slice(x, [a] + [0] * (x.ndim - 1), [b - a] + list(x.shape[1:]))


def _gather_rows(x, idx):
    """Rows ``idx`` (a numpy int array of valid row indices) of a tensor or RaggedTensor:
    one recorded ``gather`` of the flat values (a ``slice`` when idx is a contiguous run)."""
    idx = np.asarray(idx)
    if idx.dtype not in (np.int32, np.int64):
        idx = idx.astype(np.int64)
    n = _nrows_of(x)
    if idx.size == 0:
        return _slice_rows(x, 0, 0)
    if idx[-1] - idx[0] == idx.size - 1 and (idx.size == 1 or (np.diff(idx) == 1).all()):
        return _slice_rows(x, int(idx[0]), int(idx[-1]) + 1)
    if isinstance(x, RaggedTensor):
        s = x._splits
        lengths = s[idx + 1] - s[idx]
        return RaggedTensor._make(_gather_rows(x._values, _ranges(s[idx], lengths)),
                                  _splits_from_lengths(lengths), x._sdtype)
    return _core.gather(x, _itensor(idx, n), 0)


def _level_list(rt):
    """[rt, rt.values, ...]: the RaggedTensor of every ragged level, outermost first."""
    out = []
    while isinstance(rt, RaggedTensor):
        out.append(rt)
        rt = rt._values
    return out


def _coords(rt):
    """For every row of ``rt.flat_values``: its index in each of the ragged rank + 1 leading
    dimensions (``[c0, c1, ..., cR]``, numpy int64 arrays)."""
    levels = _level_list(rt)
    r = len(levels)
    coords = [None] * (r + 1)
    n = _nrows_of(levels[-1]._values)
    parent = None  # None: the identity (the rows of the innermost level's values)
    for k in _range(r - 1, -1, -1):
        lv = levels[k]
        pos, rowid = lv._positions(), lv._rowids()
        coords[k + 1] = pos if parent is None else pos[parent]
        parent = rowid if parent is None else rowid[parent]
    coords[0] = parent if parent is not None else np.arange(n, dtype=np.int64)
    return coords


def _same_partitions(a, b):
    la, lb = _level_list(a), _level_list(b)
    if len(la) != len(lb):
        return False
    return all(x is y or x._splits is y._splits or np.array_equal(x._splits, y._splits)
               for x, y in zip(la, lb))


def _check_same_partitions(a, b, op):
    if not _same_partitions(a, b):
        raise InvalidArgumentError(
            f"{op}: the RaggedTensors must have identical row partitions, got shapes "
            f"{a.shape} and {b.shape} with row lengths {_lengths_text(a)} and {_lengths_text(b)}")


def _lengths_text(rt):
    lengths = np.diff(rt._splits)
    text = np.array2string(lengths[:8], separator=", ")
    return text[:-1] + ", ...]" if lengths.size > 8 else text


# -- the class -----------------------------------------------------------------------------------

class RaggedTensor:
    """A tensor with one or more ragged dimensions, as ``tf.RaggedTensor``: ``values`` (a
    Tensor of shape ``[nvals, ...]`` or a RaggedTensor) partitioned into rows by
    ``row_splits``. Make one with a factory (``from_row_splits``, ``from_row_lengths``,
    ``from_value_rowids``, ``from_row_starts``, ``from_row_limits``, ``from_tensor``,
    ``from_nested_row_splits``, ...) or ``tapegrad.ragged.constant``. Immutable; the
    gradient of anything computed from it flows to its ``flat_values``.

        >>> rt = tf.RaggedTensor.from_row_splits([3, 1, 4, 1, 5, 9, 2, 6], [0, 4, 4, 7, 8, 8])
        >>> rt.shape
        TensorShape([5, None])
    """

    __slots__ = ("_values", "_splits", "_sdtype", "_cache", "__weakref__")
    _tapegrad_ragged = True  # tapegrad.math's reductions dispatch on this
    __array_ufunc__ = None   # numpy defers to the reflected operators (array + rt)

    def __init__(self, values=None, row_partition=None, internal=False):
        raise ValueError("RaggedTensor: the constructor is private; use one of the factory "
                         "methods (e.g. RaggedTensor.from_row_lengths()) or "
                         "tapegrad.ragged.constant()")

    @classmethod
    def _make(cls, values, splits, sdtype=_int64):
        """Internal: no checks (splits a numpy int64 vector consistent with values)."""
        self = object.__new__(cls)
        splits = np.asarray(splits, dtype=np.int64)
        splits.flags.writeable = False
        self._values, self._splits, self._sdtype, self._cache = values, splits, sdtype, {}
        return self

    # -- factories ---------------------------------------------------------------------------
    @classmethod
    def from_row_splits(cls, values, row_splits, name=None, validate=True):
        """A RaggedTensor whose row ``i`` is ``values[row_splits[i]:row_splits[i + 1]]``, as
        ``tf.RaggedTensor.from_row_splits``. ``row_splits`` (int32/int64, ``nrows + 1``
        entries) must start at 0, be sorted and end at ``values``' row count: otherwise an
        InvalidArgumentError (the checks always run; ``validate`` is accepted for TF's
        signature)."""
        op = "RaggedTensor.from_row_splits"
        values = _as_values(values, op)
        splits, dt = _partition(row_splits, op, "row_splits")
        lengths = _check_splits(splits, _nrows_of(values), op, values_shape=values.shape)
        out = cls._make(values, splits, _sdtype_for(values, dt, op))
        out._cache["lengths"] = lengths  # computed by the check: not again by _lengths()
        return out

    @classmethod
    def from_row_lengths(cls, values, row_lengths, name=None, validate=True):
        """A RaggedTensor whose row ``i`` has ``row_lengths[i]`` values, as
        ``tf.RaggedTensor.from_row_lengths`` (lengths non-negative, summing to the number of
        values: else an InvalidArgumentError)."""
        op = "RaggedTensor.from_row_lengths"
        values = _as_values(values, op)
        lengths, dt = _partition(row_lengths, op, "row_lengths")
        if lengths.size and lengths.min() < 0:
            i = int(np.argmax(lengths < 0))
            raise InvalidArgumentError(f"{op}: row_lengths must be non-negative, got "
                                       f"row_lengths[{i}] = {int(lengths[i])}")
        nvals = _nrows_of(values)
        total = int(lengths.sum()) if lengths.size else 0
        if total != nvals:
            raise InvalidArgumentError(f"{op}: row_lengths sum to {total}, but values have {nvals} "
                                       f"rows (shape {values.shape})")
        return cls._make(values, _splits_from_lengths(lengths), _sdtype_for(values, dt, op))

    @classmethod
    def from_value_rowids(cls, values, value_rowids, nrows=None, name=None, validate=True):
        """A RaggedTensor whose row ``r`` holds the values ``values[j]`` with
        ``value_rowids[j] == r``, as ``tf.RaggedTensor.from_value_rowids``: ``value_rowids``
        one non-negative, sorted row index per value; ``nrows`` (default
        ``value_rowids[-1] + 1``) adds trailing empty rows."""
        op = "RaggedTensor.from_value_rowids"
        values = _as_values(values, op)
        ids, dt = _partition(value_rowids, op, "value_rowids")
        nvals = _nrows_of(values)
        if ids.size != nvals:
            raise InvalidArgumentError(f"{op}: value_rowids has {ids.size} entries, but values have "
                                       f"{nvals} rows (shape {values.shape})")
        if ids.size and ids[0] < 0:
            raise InvalidArgumentError(f"{op}: value_rowids must be non-negative, got {int(ids[0])}")
        _check_sorted(ids, op, "value_rowids")
        need = int(ids[-1]) + 1 if ids.size else 0
        if nrows is None:
            n = need
        else:
            n = _count_arg(nrows, op, "nrows")
            if n < need:
                raise InvalidArgumentError(f"{op}: Expected nrows >= value_rowids[-1] + 1; got "
                                           f"nrows={n}, value_rowids[-1]={need - 1}")
        _check_size(n, op, "the row partition")
        return cls._make(values, _splits_from_lengths(np.bincount(ids, minlength=n)),
                         _sdtype_for(values, dt, op))

    @classmethod
    def from_row_starts(cls, values, row_starts, name=None, validate=True):
        """A RaggedTensor from the offsets where the rows start, as
        ``tf.RaggedTensor.from_row_starts`` (``row_splits`` is ``row_starts`` followed by the
        number of values)."""
        op = "RaggedTensor.from_row_starts"
        values = _as_values(values, op)
        starts, dt = _partition(row_starts, op, "row_starts")
        nvals = _nrows_of(values)
        if starts.size and starts[0] != 0:
            raise InvalidArgumentError(f"{op}: row_starts[0] must be 0, got {int(starts[0])}")
        _check_sorted(starts, op, "row_starts")
        if starts.size and starts[-1] > nvals:
            raise InvalidArgumentError(f"{op}: row_starts[-1] = {int(starts[-1])} is past the "
                                       f"number of values {nvals}")
        return cls._make(values, np.append(starts, nvals), _sdtype_for(values, dt, op))

    @classmethod
    def from_row_limits(cls, values, row_limits, name=None, validate=True):
        """A RaggedTensor from the offsets where the rows end, as
        ``tf.RaggedTensor.from_row_limits`` (``row_splits`` is 0 followed by ``row_limits``;
        the last limit must be the number of values)."""
        op = "RaggedTensor.from_row_limits"
        values = _as_values(values, op)
        limits, dt = _partition(row_limits, op, "row_limits")
        splits = np.concatenate([np.zeros(1, np.int64), limits])
        _check_splits(splits, _nrows_of(values), op, "[0] + row_limits", values.shape)
        return cls._make(values, splits, _sdtype_for(values, dt, op))

    @classmethod
    def from_nested_row_splits(cls, flat_values, nested_row_splits, name=None, validate=True):
        """A RaggedTensor with one ragged dimension per entry of ``nested_row_splits`` (a list
        or tuple, outermost first), as ``tf.RaggedTensor.from_nested_row_splits``."""
        op = "RaggedTensor.from_nested_row_splits"
        if not isinstance(nested_row_splits, (list, tuple)):
            raise TypeError(f"{op}: nested_row_splits must be a list or tuple of vectors, got "
                            f"{type(nested_row_splits).__name__}")
        result = _as_dense(flat_values, op, "flat_values") if not isinstance(flat_values, RaggedTensor) \
            else flat_values
        for splits in reversed(nested_row_splits):
            result = cls.from_row_splits(result, splits)
        return result

    @classmethod
    def from_nested_row_lengths(cls, flat_values, nested_row_lengths, name=None, validate=True):
        """A RaggedTensor with one ragged dimension per entry of ``nested_row_lengths``
        (outermost first), as ``tf.RaggedTensor.from_nested_row_lengths``."""
        op = "RaggedTensor.from_nested_row_lengths"
        if not isinstance(nested_row_lengths, (list, tuple)):
            raise TypeError(f"{op}: nested_row_lengths must be a list or tuple of vectors, got "
                            f"{type(nested_row_lengths).__name__}")
        result = flat_values
        for lengths in reversed(nested_row_lengths):
            result = cls.from_row_lengths(result, lengths)
        return result

    @classmethod
    def from_nested_value_rowids(cls, flat_values, nested_value_rowids, nested_nrows=None,
                                 name=None, validate=True):
        """A RaggedTensor with one ragged dimension per entry of ``nested_value_rowids``
        (outermost first; ``nested_nrows`` the row counts), as
        ``tf.RaggedTensor.from_nested_value_rowids``."""
        op = "RaggedTensor.from_nested_value_rowids"
        if not isinstance(nested_value_rowids, (list, tuple)):
            raise TypeError(f"{op}: nested_value_rowids must be a list or tuple of vectors")
        if nested_nrows is None:
            nested_nrows = [None] * len(nested_value_rowids)
        if not isinstance(nested_nrows, (list, tuple)) or len(nested_nrows) != len(nested_value_rowids):
            raise ValueError(f"{op}: nested_nrows must be a list of the same length as "
                             "nested_value_rowids")
        result = flat_values
        for ids, n in reversed(list(zip(nested_value_rowids, nested_nrows))):
            result = cls.from_value_rowids(result, ids, n)
        return result

    @classmethod
    def from_tensor(cls, tensor, lengths=None, padding=None, ragged_rank=1, name=None,
                    row_splits_dtype=_int64):
        """The dense ``tensor`` as a RaggedTensor, as ``tf.RaggedTensor.from_tensor``: every
        row keeps all its entries, or the first ``lengths[i]`` (clipped to [0, ncols]), or, with
        ``padding`` (shape ``tensor.shape[2:]``), all but its trailing entries equal to
        ``padding``. ``ragged_rank`` > 1 makes the leading dimensions ragged partitions too
        (each then with rows of equal length; the innermost one is trimmed); ``lengths`` may
        then be a list of ``ragged_rank`` nested row lengths. One recorded gather (a reshape
        when nothing is trimmed)."""
        op = "RaggedTensor.from_tensor"
        t = _as_dense(tensor, op, "tensor")
        sdt = _index_dtype(row_splits_dtype, op)
        if isinstance(ragged_rank, (bool, np.bool_)) or not isinstance(ragged_rank, _numbers.Integral):
            raise TypeError(f"{op}: ragged_rank must be an int, got {ragged_rank!r:.40}")
        ragged_rank = int(ragged_rank)
        if not 0 < ragged_rank < t.ndim:
            raise ValueError(f"{op}: ragged_rank must be in [1, rank(tensor)) = [1, {t.ndim}) for a "
                             f"tensor of shape {list(t.shape)}, got {ragged_rank}")
        if lengths is not None and padding is not None:
            raise ValueError(f"{op}: specify lengths or padding, but not both")
        if isinstance(lengths, (list, tuple)) and lengths and not all(
                np.ndim(v) == 0 for v in lengths):
            return _from_tensor_nested_lengths(t, lengths, ragged_rank, sdt, op)
        dims = list(t.shape)
        if ragged_rank > 1:
            flat_rows = int(np.prod(dims[:ragged_rank], dtype=np.int64))
            result = cls.from_tensor(_core.reshape(t, [flat_rows] + dims[ragged_rank:]), lengths,
                                     padding, 1, row_splits_dtype=sdt)
            for axis in _range(ragged_rank - 1, 0, -1):
                n = int(np.prod(dims[:axis], dtype=np.int64))
                result = cls._make(result, np.arange(n + 1, dtype=np.int64) * dims[axis], sdt)
            return result
        n, m = dims[0], dims[1]
        inner = dims[2:]
        if lengths is not None:
            lens, _ = _partition(lengths, op, "lengths")
            if lens.size != n:
                raise InvalidArgumentError(f"{op}: lengths has {lens.size} entries, but tensor has "
                                           f"{n} rows (shape {dims})")
            lens = np.clip(lens, 0, m)
        elif padding is not None:
            pad = padding.read_value() if isinstance(padding, _core.Variable) else padding
            if isinstance(pad, _core.Tensor):
                if pad.dtype != t.dtype:
                    raise TypeError(f"{op}: padding has dtype {pad.dtype.name}, tensor {t.dtype.name}")
                pv = pad.numpy()
            else:
                pv = np.asarray(pad)
                if pv.dtype.kind not in "biuf":
                    raise TypeError(f"{op}: padding must be a number, got {padding!r:.60}")
            if list(pv.shape) != inner:
                raise ValueError(f"{op}: padding must have shape tensor.shape[2:] = {inner}, got "
                                 f"{list(pv.shape)}")
            is_pad = t.numpy() == pv.astype(t.dtype.as_numpy_dtype)
            if is_pad.ndim > 2:
                is_pad = is_pad.reshape(n, m, -1).all(axis=2)
            keep = ~is_pad
            lens = np.where(keep.any(axis=1), m - np.argmax(keep[:, ::-1], axis=1), 0) if m else \
                np.zeros(n, np.int64)
        else:
            lens = np.full(n, m, np.int64)
        lens = lens.astype(np.int64)
        flat = _core.reshape(t, [n * m] + inner)
        if (lens == m).all():
            values = flat
        else:  # the first lens[i] entries of every row i: one gather
            values = _gather_rows(flat, _ranges(np.arange(n, dtype=np.int64) * m, lens))
        return cls._make(values, _splits_from_lengths(lens), sdt)

    # -- properties -------------------------------------------------------------------------
    @property
    def values(self):
        """The concatenated rows (a Tensor, or a RaggedTensor for ragged_rank > 1)."""
        return self._values

    @property
    def flat_values(self):
        """The innermost values: a Tensor of shape ``[nvals, <uniform inner dims>]``."""
        v = self._values
        while isinstance(v, RaggedTensor):
            v = v._values
        return v

    @property
    def row_splits(self):
        """The row partition: row ``i`` is ``values[row_splits[i]:row_splits[i + 1]]``
        (int64 unless made from int32 partitions)."""
        return self._index_tensor("row_splits", lambda: self._splits)

    @property
    def nested_row_splits(self):
        """The ``row_splits`` of every ragged dimension, outermost first (a tuple)."""
        return tuple(lv.row_splits for lv in _level_list(self))

    @property
    def ragged_rank(self):
        """The number of ragged dimensions (1 + values' ragged rank)."""
        return len(_level_list(self))

    @property
    def dtype(self):
        """The dtype of the values."""
        return self.flat_values.dtype

    @property
    def row_splits_dtype(self):
        """The dtype of the row partitions (int64 or int32)."""
        return self._sdtype

    @property
    def uniform_row_length(self):
        """None: tapegrad's RaggedTensors have no uniform-row-length partitions."""
        return None

    @property
    def shape(self):
        """The static shape: ``TensorShape([nrows, None, ..., <inner dims>])``, None for each
        ragged dimension (as TF)."""
        from . import TensorShape
        flat = self.flat_values
        return TensorShape((self._nrows,) + (None,) * self.ragged_rank + tuple(flat.shape[1:]))

    def get_shape(self):
        """The static shape (as ``shape``)."""
        return self.shape

    @property
    def _nrows(self):
        return len(self._splits) - 1

    # -- cached partition encodings ------------------------------------------------------------
    def _index_tensor(self, key, make, dtype=None):
        c = self._cache
        k = (key, dtype)
        if k not in c:
            dt = dtype or self._sdtype
            c[k] = _core._constant(np.ascontiguousarray(make(), dtype=dt.as_numpy_dtype), dt)
        return c[k]

    def _lengths(self):
        c = self._cache
        if "lengths" not in c:
            s = self._splits
            c["lengths"] = s[1:] - s[:-1]
        return c["lengths"]

    def _small(self):
        """int32 suffices for the row ids and positions (half the bytes to make and read)."""
        return self._splits[-1] < 2 ** 31 and self._nrows < 2 ** 31

    def _rowids(self):
        """The row index of every value row (numpy; int32 when small)."""
        c = self._cache
        if "rowids" not in c:
            dt = np.int32 if self._small() else np.int64
            c["rowids"] = np.repeat(np.arange(self._nrows, dtype=dt), self._lengths())
        return c["rowids"]

    def _positions(self):
        """For every value row: its position within its row (numpy; int32 when small)."""
        c = self._cache
        if "positions" not in c:
            dt = np.int32 if self._small() else np.int64
            n = int(self._splits[-1])
            c["positions"] = np.arange(n, dtype=dt) - np.repeat(self._splits[:-1].astype(dt), self._lengths())
        return c["positions"]

    # -- partition encodings ------------------------------------------------------------------
    def nrows(self, out_type=None, name=None):
        """The number of rows, a scalar int tensor (``out_type``, default the splits' dtype)."""
        dt = self._sdtype if out_type is None else _index_dtype(out_type, "nrows", "out_type")
        return _core._constant(np.array(self._nrows, dtype=dt.as_numpy_dtype), dt)

    def row_lengths(self, axis=1, name=None):
        """The length of every row, as ``tf.RaggedTensor.row_lengths``: ``axis=1`` a vector
        (one per row); a deeper axis a RaggedTensor of the lengths of the rows there;
        ``axis=0`` the number of rows."""
        a = _check_axis(axis, self.shape.rank, "row_lengths")
        if a == 0:
            return self.nrows()
        if a == 1:
            return self._index_tensor("row_lengths", self._lengths)
        if isinstance(self._values, RaggedTensor):
            return self._with_values(self._values.row_lengths(a - 1))
        v = self._values
        reps = int(np.prod(v.shape[:a - 1], dtype=np.int64))
        arr = np.full(reps, v.shape[a - 1], dtype=self._sdtype.as_numpy_dtype).reshape(v.shape[:a - 1])
        return self._with_values(_core._constant(arr, self._sdtype))

    def value_rowids(self, name=None):
        """The row index of every value (sorted; the splits' dtype)."""
        return self._index_tensor("value_rowids", self._rowids)

    def row_starts(self, name=None):
        """Where each row starts in ``values``: ``row_splits[:-1]``."""
        return self._index_tensor("row_starts", lambda: self._splits[:-1])

    def row_limits(self, name=None):
        """Where each row ends in ``values``: ``row_splits[1:]``."""
        return self._index_tensor("row_limits", lambda: self._splits[1:])

    def nested_row_lengths(self, name=None):
        """The ``row_lengths`` of every ragged dimension, outermost first (a tuple)."""
        return tuple(lv.row_lengths() for lv in _level_list(self))

    def nested_value_rowids(self, name=None):
        """The ``value_rowids`` of every ragged dimension, outermost first (a tuple)."""
        return tuple(lv.value_rowids() for lv in _level_list(self))

    def bounding_shape(self, axis=None, name=None, out_type=None):
        """The shape of the smallest dense box holding every row: ``[nrows, longest row, ...,
        <inner dims>]`` (int tensor, the splits' dtype or ``out_type``); ``axis`` picks
        entries."""
        dt = self._sdtype if out_type is None else _index_dtype(out_type, "bounding_shape", "out_type")
        dims = np.array(_bounding(self), dtype=np.int64)
        if axis is not None:
            try:
                dims = dims[np.asarray(axis.numpy() if isinstance(axis, _core.Tensor) else axis)]
            except (IndexError, TypeError, ValueError) as e:
                raise InvalidArgumentError(f"bounding_shape: bad axis {axis!r:.40} for rank "
                                           f"{dims.size} ({e})") from None
        return _core._constant(dims.astype(dt.as_numpy_dtype), dt)

    # -- new RaggedTensors with the same partitions ----------------------------------------------
    def _with_values(self, values):
        return RaggedTensor._make(values, self._splits, self._sdtype)

    def with_values(self, new_values):
        """A RaggedTensor with this one's row partition and ``new_values`` (the same number of
        rows as ``values``)."""
        op = "RaggedTensor.with_values"
        v = _as_values(new_values, op, "new_values")
        if _nrows_of(v) != _nrows_of(self._values):
            raise ValueError(f"{op}: new_values have {_nrows_of(v)} rows, values have "
                             f"{_nrows_of(self._values)}")
        if isinstance(v, RaggedTensor) and v._sdtype != self._sdtype:
            raise ValueError(f"{op}: new_values' row_splits dtype {v._sdtype.name} differs from "
                             f"{self._sdtype.name}")
        return self._with_values(v)

    def with_flat_values(self, new_values):
        """A RaggedTensor with this one's nested row partitions and ``new_values`` as its
        flat values (the same number of rows as ``flat_values``)."""
        op = "RaggedTensor.with_flat_values"
        v = _as_values(new_values, op, "new_values")
        if isinstance(v, RaggedTensor):
            raise TypeError(f"{op}: new_values must be a dense tensor")
        if _nrows_of(v) != _nrows_of(self.flat_values):
            raise ValueError(f"{op}: new_values have {_nrows_of(v)} rows, flat_values have "
                             f"{_nrows_of(self.flat_values)}")
        return self._with_flat(v)

    def _with_flat(self, v):
        if isinstance(self._values, RaggedTensor):
            return self._with_values(self._values._with_flat(v))
        return self._with_values(v)

    def with_row_splits_dtype(self, dtype):
        """This RaggedTensor with row partitions of ``dtype`` (int32 or int64)."""
        dt = _index_dtype(dtype, "with_row_splits_dtype", "dtype")
        if dt == _int32 and self._splits[-1] >= 2 ** 31:
            raise InvalidArgumentError("with_row_splits_dtype: the partitions do not fit in int32")
        v = self._values
        if isinstance(v, RaggedTensor):
            v = v.with_row_splits_dtype(dt)
        return RaggedTensor._make(v, self._splits, dt)

    def merge_dims(self, outer_axis, inner_axis):
        """The dimensions ``outer_axis..inner_axis`` merged into one, as
        ``tf.RaggedTensor.merge_dims`` (``merge_dims(0, -1)`` flattens everything; merging
        the outermost dimension away gives a Tensor when nothing ragged is left)."""
        op = "RaggedTensor.merge_dims"
        rank = self.shape.rank
        message = f"{{what}}={{a}} out of bounds: expected {-rank} <= {{what}} < {{rank}}"
        axes = [_check_axis(a, rank, op, what, message=message)
                for what, a in (("outer_axis", outer_axis), ("inner_axis", inner_axis))]
        if axes[0] > axes[1]:
            raise ValueError(f"{op}: expected outer_axis ({axes[0]}) to be less than or equal to "
                             f"inner_axis ({axes[1]})")
        return _merge_dims(self, axes[0], axes[1])

    # -- conversions ----------------------------------------------------------------------------
    def to_tensor(self, default_value=None, name=None, shape=None):
        """The dense tensor of ``bounding_shape()`` (or of ``shape``, where None/-1 entries
        take the bounding size: rows and columns beyond it are cut off), ``default_value``
        (0; broadcastable to the inner dimensions; differentiable when a tensor) where a row
        is short, as ``tf.RaggedTensor.to_tensor``. One recorded gather (a reshape when every
        row is full)."""
        return _to_tensor(self, default_value, shape)

    def to_list(self):
        """The nested Python list of the values."""
        items = self.flat_values.numpy().tolist()
        for lv in reversed(_level_list(self)):
            s = lv._splits.tolist()
            items = [items[a:b] for a, b in zip(s[:-1], s[1:])]
        return items

    def numpy(self):
        """The values as numpy, as TF's: a 1-D object array with one numpy array per row (a
        plain array when every row has the same length)."""
        values = self._values.numpy()
        s = self._splits
        n = len(s) - 1
        if n == 0:
            return np.zeros((0, 0) + values.shape[1:], dtype=values.dtype)
        bounds = s.tolist()
        rows = [values[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        lengths = self._lengths()
        if (lengths == lengths[0]).all():
            return np.stack(rows)
        out = np.empty(n, dtype=object)
        for i, r in enumerate(rows):
            out[i] = r
        return out

    def __repr__(self):
        with np.printoptions(formatter={"all": _formatter}):
            text = _formatter(self.numpy())
        return f"<tapegrad.RaggedTensor {text}>"

    __str__ = __repr__

    def __bool__(self):
        raise TypeError("RaggedTensor: the truth value of a RaggedTensor is ambiguous "
                        "(use tapegrad.reduce_any / reduce_all)")

    def __iter__(self):
        return (self._row(i) for i in _range(self._nrows))

    def _row(self, i):
        s = self._splits
        return _slice_rows(self._values, int(s[i]), int(s[i + 1]))

    # -- indexing -------------------------------------------------------------------------------
    def __getitem__(self, key):
        """TF's ragged indexing: ``rt[i]`` a row (a Tensor, or a RaggedTensor for
        ragged_rank > 1; negative counts from the end), ``rt[a:b:c]`` rows, ``rt[i, j]`` into
        a row, ``rt[:, a:b]`` a slice of every row (short rows give what they have),
        ``rt[..., k]`` / ``rt[:, :, k]`` on uniform inner dimensions, ``tf.newaxis`` (None)
        anywhere (a new dimension of size 1; ragged, as tapegrad has no uniform-length
        partitions, where it is not innermost). An integer index into a ragged dimension
        other than through a row (``rt[:, j]``) is a ValueError, as TF's; an index out of
        range an IndexOutOfBoundsError (TF's InvalidArgumentError, and an IndexError).
        Differentiable (slices and gathers of the flat values)."""
        op = "RaggedTensor.__getitem__"
        if not isinstance(key, tuple):
            key = (key,)
        v, rank = self._values, 2
        while isinstance(v, RaggedTensor):
            v, rank = v._values, rank + 1
        rank += v.ndim - 1  # self.shape.rank, without making the TensorShape
        n_ell = sum(1 for k in key if k is Ellipsis)
        if n_ell > 1:
            raise ValueError(f"{op}: an index can only have a single ellipsis ('...')")
        n_new = sum(1 for k in key if k is None)
        if n_ell:
            i = key.index(Ellipsis)
            key = key[:i] + (_slice(None),) * max(0, rank - (len(key) - 1 - n_new)) + key[i + 1:]
        if len(key) - n_new > rank:
            raise IndexOutOfBoundsError(f"{op}: too many indices ({len(key) - n_new}) for a "
                                        f"RaggedTensor of rank {rank} (shape {self.shape})")
        if n_new:
            return _getitem_newaxis(self, key, op)
        if not key:
            return self
        return _getitem_outer(self, key, op)

    # -- operators ------------------------------------------------------------------------------
    __hash__ = None  # tensors compare elementwise (as TF 2): unhashable

    def __neg__(self):
        return self._with_flat(_core.negative(self.flat_values))

    def __abs__(self):
        return self._with_flat(_core.abs(self.flat_values))

    def __invert__(self):
        return self._with_flat(~self.flat_values)

    def __pos__(self):
        return self


def _sdtype_for(values, dt, op):
    if isinstance(values, RaggedTensor) and values._sdtype != dt:
        raise ValueError(f"{op}: the row partition dtype {dt.name} differs from values' row_splits "
                         f"dtype {values._sdtype.name} (use with_row_splits_dtype)")
    return dt


def _formatter(x):
    """TF's: numpy arrays separated by commas, an empty one as its list."""
    if isinstance(x, np.ndarray):
        if x.size != 0:
            return np.array2string(x, separator=", ")
        return repr(x.tolist())
    return str(x)


def _bounding(rt):
    dims = [rt._nrows]
    for lv in _level_list(rt):
        lengths = lv._lengths()
        dims.append(int(lengths.max()) if lengths.size else 0)
    return dims + list(rt.flat_values.shape[1:])


def _from_tensor_nested_lengths(t, lengths, ragged_rank, sdt, op):
    if ragged_rank not in (1, len(lengths)):
        raise ValueError(f"{op}: if lengths is a tuple of row_lengths, then ragged_rank must be "
                         f"len(lengths) = {len(lengths)}, got {ragged_rank}")
    k = len(lengths)
    if t.ndim < k + 1:
        raise ValueError(f"{op}: {k} nested lengths need a tensor of rank >= {k + 1}, got shape "
                         f"{list(t.shape)}")
    parts = [_partition(v, op, "lengths")[0] for v in lengths]
    dims = list(t.shape)
    if parts[0].size != dims[0]:
        raise InvalidArgumentError(f"{op}: lengths[0] has {parts[0].size} entries, but tensor has "
                                   f"{dims[0]} rows (shape {dims})")
    mask_rt = RaggedTensor.from_nested_row_lengths(np.ones(int(parts[-1].sum()), np.bool_),
                                                   [p.astype(np.int64) for p in parts])
    for lv, d in zip(_level_list(mask_rt), dims[1:k + 1]):
        if lv._lengths().size and lv._lengths().max() > d:
            raise InvalidArgumentError(f"{op}: a row length {int(lv._lengths().max())} is larger "
                                       f"than the tensor's dimension {d} (shape {dims})")
    coords = _coords(mask_rt)
    pos = np.ravel_multi_index(tuple(coords), dims[:k + 1]) if coords[0].size else np.zeros(0, np.int64)
    flat = _core.reshape(t, [int(np.prod(dims[:k + 1], dtype=np.int64))] + dims[k + 1:])
    values = _gather_rows(flat, pos)
    out = mask_rt.with_flat_values(values)
    return out if sdt == _int64 else out.with_row_splits_dtype(sdt)


# -- to_tensor ----------------------------------------------------------------------------------

def _parse_shape(shape, rank, op):
    if isinstance(shape, (_core.Tensor, _core.Variable)):
        shape = shape.numpy().tolist()
    try:
        dims = list(shape)
    except TypeError:
        raise TypeError(f"{op}: shape must be a list of ints or None, got {shape!r:.60}") from None
    if len(dims) != rank:
        raise InvalidArgumentError(f"{op}: shape {dims} must have {rank} entries (the rank of the "
                                   "RaggedTensor)")
    out = []
    for d in dims:
        if d is None:
            out.append(None)
            continue
        if not _is_int(d):
            raise TypeError(f"{op}: shape entries must be ints or None, got {d!r:.40}")
        d = _as_int(d)
        if d < -1:
            raise ValueError(f"{op}: shape entries must be >= -1, got {d}")
        out.append(None if d == -1 else d)
    return out


def _to_tensor(rt, default_value, shape):
    op = "RaggedTensor.to_tensor"
    flat = rt.flat_values
    r = rt.ragged_rank
    inner = list(flat.shape[1:])
    bounding = _bounding(rt)
    target = list(bounding)
    if shape is not None:
        dims = _parse_shape(shape, r + 1 + len(inner), op)
        for i, d in enumerate(dims):
            if d is None:
                continue
            if i > r and d != inner[i - r - 1]:
                raise InvalidArgumentError(f"{op}: shape {dims} changes the uniform inner dimension "
                                           f"{i} of size {inner[i - r - 1]} (only the ragged and "
                                           "outermost dimensions can be padded or cut)")
            target[i] = d
    cells = int(np.prod(target[:r + 1], dtype=object))
    _check_size(cells, op, "the dense tensor")
    _check_size(cells * int(np.prod(inner, dtype=np.int64)), op, "the dense tensor")
    if default_value is None:
        default = None
    else:
        if isinstance(default_value, RaggedTensor):
            raise TypeError(f"{op}: default_value must be a dense tensor or a number")
        from . import convert_to_tensor
        if isinstance(default_value, (_core.Tensor, _core.Variable)):
            default = convert_to_tensor(default_value, dtype=flat.dtype)
        else:
            arr = np.asarray(default_value)
            if arr.dtype.kind not in "biuf":
                raise TypeError(f"{op}: default_value must be a number, got {default_value!r:.60}")
            default = _core._constant(arr.astype(flat.dtype.as_numpy_dtype), flat.dtype)
        if default.ndim > len(inner) or any(
                a not in (1, b) for a, b in zip(default.shape[::-1], inner[::-1])):
            raise InvalidArgumentError(f"{op}: default_value of shape {list(default.shape)} does not "
                                       f"broadcast to the inner shape {inner}")
    nvals = int(flat.shape[0])
    if target == bounding and nvals == cells:  # every row full: the values, row-major
        return _core.reshape(flat, target)
    pos = _dense_positions(rt, target)
    kept = pos >= 0
    if cells == 0 or not kept.any():
        if default is None:
            return _core._fill(target, 0.0, flat.dtype)
        return _core.broadcast_to(default, target)
    # The value row for every cell of the box, nvals (a default row appended) where none: one
    # gather, exact (no arithmetic on the values), its gradient a segment sum.
    idt = np.int32 if max(cells, nvals + 1) < 2 ** 31 else np.int64
    inv = np.full(cells, nvals, dtype=idt)
    if kept.all():
        inv[pos] = np.arange(nvals, dtype=idt)
    else:
        inv[pos[kept]] = np.flatnonzero(kept).astype(idt)
    if default is None:
        pad = _core._fill([1] + inner, 0.0, flat.dtype)
    else:
        pad = _core.broadcast_to(_core.reshape(default, [1] * (1 + len(inner) - default.ndim) +
                                               list(default.shape)), [1] + inner)
    src = _core.concat([flat, pad], 0)
    return _core.reshape(_core.gather(src, _core._constant(inv, None), 0), target)


def _dense_positions(rt, target):
    """For every flat value row: its flat position in the dense box ``target[:ragged_rank +
    1]`` (row-major), -1 where the box cuts it off."""
    levels = _level_list(rt)
    r = len(levels)
    n_flat = _nrows_of(levels[-1]._values)
    if r == 1 and target[0] >= rt._nrows and target[1] >= _bounding(rt)[1]:
        # position = j + rowid * T1 - row_splits[rowid]: one repeat
        s = rt._splits
        return np.arange(n_flat, dtype=np.int64) + np.repeat(
            np.arange(rt._nrows, dtype=np.int64) * target[1] - s[:-1], rt._lengths())
    coords = _coords(rt)
    pos = coords[0].astype(np.int64)
    keep = coords[0] < target[0]
    for c, d in zip(coords[1:], target[1:r + 1]):
        keep &= c < d
        pos = pos * d + c
    pos[~keep] = -1
    return pos


def _merge_dims(value, outer, inner):
    if outer == inner:
        return value
    while outer == 0 and isinstance(value, RaggedTensor):
        value = value._values
        inner -= 1
        if inner == 0:
            return value
    if not isinstance(value, RaggedTensor):
        dims = list(value.shape)
        return _core.reshape(value, dims[:outer] + [int(np.prod(dims[outer:inner + 1], dtype=np.int64))]
                             + dims[inner + 1:])
    if outer > 1:
        return value._with_values(_merge_dims(value._values, outer - 1, inner - 1))
    new_values, new_splits = value._values, value._splits
    for axis in _range(outer, inner):
        if isinstance(new_values, RaggedTensor):
            new_splits = new_values._splits[new_splits]
            new_values = new_values._values
        else:
            dims = list(new_values.shape)
            split = inner - axis + 1
            size = int(np.prod(dims[1:split], dtype=np.int64))
            new_values = _core.reshape(new_values, [dims[0] * size] + dims[split:])
            new_splits = new_splits * size
            break
    return RaggedTensor._make(new_values, new_splits, value._sdtype)


# -- indexing -----------------------------------------------------------------------------------

def _slice_args(k, op):
    out = []
    for v in (k.start, k.stop, k.step):
        if v is None:
            out.append(None)
        elif _is_int(v):
            out.append(_as_int(v))
        else:
            raise TypeError(f"{op}: slice indices must be integers or None, got {v!r:.40}")
    if out[2] == 0:
        raise ValueError(f"{op}: slice step cannot be zero")
    return out


def _getitem_outer(rt, key, op):
    k0, rest = key[0], key[1:]
    n = rt._nrows
    if isinstance(k0, _slice):
        start, stop, step = _slice(*_slice_args(k0, op)).indices(n)
        if step == 1 and start == 0 and stop == n:
            out = rt  # every row (rt[:, ...]): nothing to copy, and rt's cached encodings kept
        else:
            out = _gather_rows(rt, np.arange(start, stop, step, dtype=np.int64))
        return _getitem_inner(out, rest, op) if rest else out
    if not _is_int(k0):
        raise TypeError(f"{op}: RaggedTensor indices must be integers, slices or '...', got "
                        f"{k0!r:.60}")
    i = _as_int(k0)
    if not -n <= i < n:
        raise IndexOutOfBoundsError(f"{op}: row index {i} is out of bounds for a RaggedTensor "
                                    f"with {n} rows")
    row = rt._row(i % n)
    if not rest:
        return row
    if isinstance(row, RaggedTensor):
        return _getitem_outer(row, rest, op)
    return row[rest]


def _getitem_newaxis(rt, key, op):
    """``rt[key]`` where ``key`` holds ``None`` (tf.newaxis): the key without them, then a
    dimension of size 1 inserted at each None's place in the result (ints drop a dimension,
    slices keep one)."""
    axes, d = [], 0
    for k in key:
        if k is None:
            axes.append(d)
            d += 1
        elif not _is_int(k):
            d += 1
    rest = tuple(k for k in key if k is not None)
    out = _getitem_outer(rt, rest, op) if rest else rt
    for a in axes:
        out = _expand(out, a)
    return out


def _getitem_inner(rt, key, op):
    """``key`` applied to dimensions 1.. of ``rt`` (dimension 1 ragged)."""
    if not key:
        return rt
    k, rest = key[0], key[1:]
    if isinstance(k, _slice):
        start, stop, step = _slice_args(k, op)
        new = rt if (start, stop, step) in ((None, None, None), (None, None, 1)) else \
            _slice_each_row(rt, start, stop, step)
        if rest:
            v = new._values
            v = _getitem_inner(v, rest, op) if isinstance(v, RaggedTensor) else \
                v[(_slice(None),) + tuple(rest)]
            new = new._with_values(v)
        return new
    if _is_int(k):
        raise ValueError(f"{op}: cannot index into an inner ragged dimension with an integer "
                         f"(got {k!r:.40}): its rows have different lengths. Slice it "
                         "(rt[:, j:j+1]) or index rt.to_tensor() instead")
    raise TypeError(f"{op}: RaggedTensor indices must be integers, slices or '...', got {k!r:.60}")


def _slice_each_row(rt, start, stop, step):
    """``row[start:stop:step]`` of every row, with Python's slice rules per row length,
    vectorized on the row lengths (per value only one repeat and one arange of the kept
    positions): one gather of the values (a slice when they are one run)."""
    lengths = rt._lengths()
    step = 1 if step is None else step
    # b, e: every row's first index and end (exclusive), clipped as slice.indices(len(row))
    # clips them; b the scalar 0 when it is 0 in every row (then the span e is >= 0, and the
    # counts need no clipping)
    from_0 = step > 0 and not start
    if step > 0:
        b = 0 if from_0 else _row_bound(start, lengths, 0, lengths)
        e = lengths if stop is None else _row_bound(stop, lengths, 0, lengths)
        span = e if from_0 else e - b
    else:
        b = lengths - 1 if start is None else _row_bound(start, lengths, -1, lengths - 1)
        span = b + 1 if stop is None else b - _row_bound(stop, lengths, -1, lengths - 1)
    if step not in (1, -1):
        span = (span + (abs(step) - 1)) // abs(step)
    counts = span if from_0 else np.maximum(span, 0)
    splits = np.zeros(counts.size + 1, np.int64)
    np.add.accumulate(counts, out=splits[1:])
    total = int(splits[-1])
    if total:
        # the k-th kept value, j-th of row i's slice (k = splits[i] + j), is at
        # row_splits[i] + b[i] + j * step: a repeat of the per-row part, plus k * step
        dt = np.int32 if int(rt._splits[-1]) + total * abs(step) < 2 ** 31 else np.int64
        base = np.subtract(rt._splits[:-1], splits[:-1] if step == 1 else splits[:-1] * step,
                           dtype=dt, casting="unsafe")  # no overflow: see dt
        if not from_0:
            base += b
        idx = base.repeat(counts)
        k = np.arange(total, dtype=dt)
        if step != 1:
            k *= step
        idx += k
    else:
        idx = np.zeros(0, np.int64)
    out = RaggedTensor._make(_gather_rows(rt._values, idx), splits, rt._sdtype)
    out._cache["lengths"] = counts
    return out


def _row_bound(v, lengths, lower, upper):
    """The int index ``v`` in every row, clipped as ``slice.indices``: from the row's end when
    negative (at least ``lower``), else at most ``upper``."""
    return np.maximum(lengths + v, lower) if v < 0 else np.minimum(upper, v)


# -- elementwise operators -----------------------------------------------------------------------

def _elementwise(fn, rt, other, reverse, op):
    if isinstance(other, RaggedTensor):
        _check_same_partitions(rt, other, op)
        a, b = rt.flat_values, other.flat_values
        return rt._with_flat(fn(b, a) if reverse else fn(a, b))
    flat = rt.flat_values
    if isinstance(other, _core.Variable):
        other = other.read_value()
    if isinstance(other, (_core.Tensor, np.ndarray, np.generic)):
        nd = other.ndim
    elif isinstance(other, (bool, _numbers.Number)):
        nd = 0
    else:
        try:
            nd = np.ndim(other)
        except (ValueError, TypeError):
            nd = 0  # let fn name what is wrong with it
    if nd <= flat.ndim - 1:  # broadcasts along the uniform inner dimensions
        return rt._with_flat(fn(other, flat) if reverse else fn(flat, other))
    extra = nd - (rt.ragged_rank + flat.ndim)
    if extra > 0:  # more dimensions than rt: rt repeated along the dense operand's leading ones
        rt = _tile_outer(rt, list(np.shape(other) if not isinstance(other, _core.Tensor)
                                  else other.shape)[:extra])
        flat = rt.flat_values
    return rt._with_flat(_broadcast_dense(fn, rt, flat, other, reverse, op))


def _tile_outer(rt, lead):
    """``rt`` broadcast to new leading dimensions ``lead`` (as TF's ragged broadcasting with a
    dense operand of higher rank): ``prod(lead)`` copies of its rows (one recorded gather),
    partitioned into uniform (here ragged) dimensions."""
    copies = int(np.prod(lead, dtype=np.int64))
    _check_size(copies * int(rt.flat_values.shape[0]), "broadcast")
    n = rt._nrows
    out = _gather_rows(rt, np.tile(np.arange(n, dtype=np.int64), copies))
    for i in _range(len(lead) - 1, -1, -1):  # level i: prod(lead[:i + 1]) rows of lead[i + 1]
        rows = int(np.prod(lead[:i + 1], dtype=np.int64))
        size = n if i == len(lead) - 1 else lead[i + 1]
        out = RaggedTensor._make(out, np.arange(rows + 1, dtype=np.int64) * size, rt._sdtype)
    return out


def _broadcast_dense(fn, rt, flat, other, reverse, op):
    """``fn(flat, other)`` with a dense ``other`` that reaches into the ragged dimensions: its
    dimensions there must be 1 (broadcast), the row count (the outermost), or the length of
    every row; its entry for each flat value is gathered."""
    if not isinstance(other, _core.Tensor):
        other = np.asarray(other)  # a constant: gathered in numpy, converted by fn as usual
    r = rt.ragged_rank
    rank = r + flat.ndim
    dims = [1] * (rank - other.ndim) + list(other.shape)
    outer, inner = dims[:r + 1], dims[r + 1:]
    levels = _level_list(rt)
    coords = _coords(rt)
    idx = np.zeros(int(flat.shape[0]), np.int64)
    for k, d in enumerate(outer):
        if d == 1:
            continue
        if k == 0:
            ok = d == rt._nrows
        else:
            lengths = levels[k - 1]._lengths()
            ok = bool((lengths == d).all())
        if not ok:
            raise InvalidArgumentError(
                f"{op}: a dense operand of shape {list(other.shape)} does not broadcast to the "
                f"RaggedTensor of shape {rt.shape}: its dimension {k + len(dims) - rank} of size {d} "
                f"meets a {'row count' if k == 0 else 'ragged dimension'} that is not {d}")
    for k, d in enumerate(outer):
        idx = idx * d + (coords[k] if d != 1 else 0)
    rows = int(np.prod(outer, dtype=np.int64))
    if isinstance(other, np.ndarray):
        expanded = other.reshape([rows] + inner)[idx]
    else:
        expanded = _core.gather(_core.reshape(other, [rows] + inner), _itensor(idx, rows), 0)
    return fn(expanded, flat) if reverse else fn(flat, expanded)


def _make_binop(name, fn_name, reverse=False, module="_core"):
    def method(self, other):
        if module == "_core":
            fn = getattr(_core, fn_name)
        elif module == "operator":  # & | ^: the Tensor operators (logical on bool, bitwise on int)
            fn = {"logical_and": _operator.and_, "logical_or": _operator.or_,
                  "logical_xor": _operator.xor}[fn_name]
        else:
            from . import math as _math
            fn = getattr(_math, fn_name)
        return _elementwise(fn, self, other, reverse, fn_name)
    method.__name__ = method.__qualname__ = name
    return method


for _name, _fn, _rev in [
        ("__add__", "add", False), ("__radd__", "add", True),
        ("__sub__", "subtract", False), ("__rsub__", "subtract", True),
        ("__mul__", "multiply", False), ("__rmul__", "multiply", True),
        ("__truediv__", "divide", False), ("__rtruediv__", "divide", True),
        ("__floordiv__", "floordiv", False), ("__rfloordiv__", "floordiv", True),
        ("__pow__", "pow", False), ("__rpow__", "pow", True),
        ("__lt__", "less", False), ("__le__", "less_equal", False),
        ("__gt__", "greater", False), ("__ge__", "greater_equal", False),
        ]:
    setattr(RaggedTensor, _name, _make_binop(_name, _fn, _rev))
for _name, _fn, _rev in [
        ("__and__", "logical_and", False), ("__rand__", "logical_and", True),
        ("__or__", "logical_or", False), ("__ror__", "logical_or", True),
        ("__xor__", "logical_xor", False), ("__rxor__", "logical_xor", True)]:
    setattr(RaggedTensor, _name, _make_binop(_name, _fn, _rev, "operator"))
RaggedTensor.__mod__ = _make_binop("__mod__", "floormod", False, "math")
RaggedTensor.__rmod__ = _make_binop("__rmod__", "floormod", True, "math")


def _make_eq(name, fn_name):
    def method(self, other):
        try:
            return _elementwise(getattr(_core, fn_name), self, other, False, fn_name)
        except (TypeError, ValueError):
            if isinstance(other, (RaggedTensor, _core.Tensor, _core.Variable, np.ndarray,
                                  _numbers.Number)):
                raise
            return NotImplemented  # None, strings, ...: Python's identity comparison
    method.__name__ = method.__qualname__ = name
    return method


RaggedTensor.__eq__ = _make_eq("__eq__", "equal")
RaggedTensor.__ne__ = _make_eq("__ne__", "not_equal")
del _name, _fn, _rev


# -- reductions (tapegrad.reduce_* dispatch here) -----------------------------------------------

_REDUCE_DENSE = {"sum": "reduce_sum", "max": "reduce_max", "min": "reduce_min",
                 "prod": "reduce_prod", "any": "reduce_any", "all": "reduce_all"}


def _dense_reduce(kind, x, axis, keepdims):
    return getattr(_core, _REDUCE_DENSE[kind])(x, axis, keepdims)


def _segment(kind, data, ids, n, op):
    """The unsorted segment reduction of ``data``'s rows by ``ids`` (numpy, in [0, n)) into
    ``n`` rows; a RaggedTensor ``data`` gives a RaggedTensor (TF's _ragged_segment_aggregate:
    each output row as long as the longest row reduced into it)."""
    if isinstance(data, RaggedTensor):
        lengths = data._lengths()
        out_lengths = np.zeros(n, np.int64)
        if ids.size:
            np.maximum.at(out_lengths, ids, lengths)
        out_splits = _splits_from_lengths(out_lengths)
        val_ids = _ranges(out_splits[:-1][ids], lengths)
        return RaggedTensor._make(_segment(kind, data._values, val_ids, int(out_splits[-1]), op),
                                  out_splits, data._sdtype)
    from . import math as _math
    ids_t = _itensor(ids, n)
    if kind == "sum":
        if data.dtype == _dtypes.bool:
            raise TypeError(f"{op}: expected a number tensor, got a bool RaggedTensor")
        return _core.unsorted_segment_sum(data, ids_t, n)
    if kind in ("any", "all"):
        if data.dtype != _dtypes.bool:
            raise TypeError(f"{op}: expected a bool RaggedTensor, got {data.dtype.name}")
        as_int = _core.cast(data, _int32)
        if kind == "any":
            return _core.greater(_math.unsorted_segment_max(as_int, ids_t, n), 0)
        return _core.greater(_math.unsorted_segment_min(as_int, ids_t, n), 0)
    if data.dtype == _dtypes.bool:
        raise TypeError(f"{op}: expected a number tensor, got a bool RaggedTensor")
    fn = {"max": _math.unsorted_segment_max, "min": _math.unsorted_segment_min,
          "prod": _math.unsorted_segment_prod}[kind]
    return fn(data, ids_t, n)


def _rows_minmax(kind, rt):
    """The max/min of every row of a ragged-rank-1 RaggedTensor (rows are contiguous runs of
    the values): one C++ pass over the row splits for the value (an empty row gives the
    dtype's lowest / highest, TF's numeric_limits, not -inf / inf; NaN wins, as
    ``unsorted_segment_max/min``), TF's gradient with recorded ops: to the entries equal to
    their row's result, split equally among ties."""
    from ._custom_gradient import custom_gradient
    data = rt._values
    result = _core._row_splits_reduce(data, rt._splits, kind, f"reduce_{kind}")
    if not data.dtype.is_floating or not _core._recording():
        return result
    v, out = data.numpy(), result.numpy()
    npdt = v.dtype
    n, lengths = rt._nrows, rt._lengths()
    nonempty = lengths > 0
    starts = rt._splits[:-1][nonempty]
    rowids = rt._rowids()
    selected = v == out[rowids]
    ties = np.zeros(out.shape, dtype=np.int64)
    if starts.size:
        ties[nonempty] = np.add.reduceat(selected.astype(np.int64), starts, axis=0)
    weight = np.where(selected, 1.0 / np.maximum(ties, 1)[rowids], 0.0).astype(npdt)
    ids_t = _itensor(rowids, n)
    weight_t = _core._constant(weight, data.dtype)

    @custom_gradient
    def _f(x):
        def grad(dy):
            return _core.multiply(_core.gather(dy, ids_t, 0), weight_t)
        return result, grad
    return _f(data)


def _expand(x, axis):
    """expand_dims for a dense or ragged result (a new dimension of size 1 at ``axis``)."""
    if not isinstance(x, RaggedTensor):
        return _core.expand_dims(x, axis)
    if axis == 0:
        return RaggedTensor._make(x, np.array([0, x._nrows], np.int64), x._sdtype)
    if axis == 1:
        return RaggedTensor._make(x, np.arange(x._nrows + 1, dtype=np.int64), x._sdtype)
    return x._with_values(_expand(x._values, axis - 1))


def _reduce_one(kind, x, axis, keepdims, op):
    if not isinstance(x, RaggedTensor):
        return _dense_reduce(kind, x, [axis], keepdims)
    if axis == 0:
        lengths = x._lengths()
        n = int(lengths.max()) if lengths.size else 0
        out = _segment(kind, x._values, x._positions(), n, op)
    elif axis == 1:
        dense_rows = not isinstance(x._values, RaggedTensor) and x._values.dtype != _dtypes.bool
        if kind in ("max", "min") and dense_rows:
            out = _rows_minmax(kind, x)
        elif kind == "sum" and dense_rows:
            out = _core._row_splits_sum(x._values, x._splits)  # contiguous rows: no row ids
        else:
            out = _segment(kind, x._values, x._rowids(), x._nrows, op)
    else:
        return x._with_values(_reduce_one(kind, x._values, axis - 1, keepdims, op))
    return _expand(out, axis) if keepdims else out


def _axes(axis, rank, op):
    if isinstance(axis, (_core.Tensor, _core.Variable)):
        axis = axis.numpy().tolist()
    vals = list(axis) if isinstance(axis, (list, tuple, np.ndarray)) else [axis]
    return sorted({_check_axis(a, rank, op, kind="an int or a list of ints", shown=axis)
                   for a in vals})


def _reduce(kind, rt, axis=None, keepdims=False):
    """``tf.reduce_<kind>`` of a RaggedTensor, as TF's ragged dispatch: ``axis`` None reduces
    the flat values; a ragged axis is an unsorted segment reduction over the value rows
    (empty rows give 0 for sum, the dtype's lowest/highest for max/min, 1 for prod, NaN for
    mean); several axes are reduced one at a time, innermost first."""
    op = f"reduce_{kind}"
    keepdims = bool(keepdims)
    rank = rt.shape.rank
    if kind == "mean":
        return _reduce_mean(rt, axis, keepdims, rank, op)
    if axis is None:
        out = _dense_reduce(kind, rt.flat_values, None, False)
        return _core.reshape(out, [1] * rank) if keepdims else out
    axes = _axes(axis, rank, op)
    out = rt
    for a in reversed(axes):
        out = _reduce_one(kind, out, a, keepdims, op)
    return out


def _reduce_mean(rt, axis, keepdims, rank, op):
    """TF's ragged mean: the sum over the count (int values give float64, as TF's ``/``)."""
    flat = rt.flat_values
    if axis is not None:
        _axes(axis, rank, op)  # a bad axis first, as TF
    if flat.dtype == _dtypes.bool:
        raise TypeError(f"{op}: expected a number tensor, got a bool RaggedTensor")
    total = _reduce("sum", rt, axis, keepdims)
    if axis is None:
        count = _core._constant(np.array(int(np.prod(flat.shape, dtype=np.int64)),
                                         flat.dtype.as_numpy_dtype), flat.dtype)
    else:
        axes = _axes(axis, rank, op)
        if axes == [1] and not isinstance(rt._values, RaggedTensor):
            c = rt._lengths().reshape([-1] + [1] * (flat.ndim - 1 + keepdims))
            count = _core._constant(c.astype(flat.dtype.as_numpy_dtype), flat.dtype)
        else:
            ones = rt._with_flat(_core._fill(list(flat.shape), 1.0, flat.dtype))
            count = _reduce("sum", ones, axes, keepdims)
    if isinstance(total, RaggedTensor):
        return total._with_flat(_core.divide(total.flat_values, count.flat_values))
    return _core.divide(total, count)



# tf.reduce_sum and the other C++ reductions hand a RaggedTensor to _reduce (Note [Foreign
# reductions] in csrc/bindings/common.h).
_core._set_foreign_reduce(_reduce)

# -- concat / stack -----------------------------------------------------------------------------

def _rank_of(x):
    return x.shape.rank if isinstance(x, RaggedTensor) else x.ndim


def _raise_ragged_rank(x, k):
    """``x`` (dense or ragged) with ragged rank ``k`` (uniform dimensions made ragged)."""
    if isinstance(x, RaggedTensor):
        if x.ragged_rank >= k:
            return x
        v = x._values
        if isinstance(v, RaggedTensor):
            return x._with_values(_raise_ragged_rank(v, k - 1))
        return x._with_values(RaggedTensor.from_tensor(v, ragged_rank=k - 1, row_splits_dtype=x._sdtype))
    return RaggedTensor.from_tensor(x, ragged_rank=k)


def _concat_axis0(items):
    """Row-wise concatenation of tensors (or RaggedTensors of one ragged rank)."""
    if not isinstance(items[0], RaggedTensor):
        return _core.concat(items, 0)
    parts, offset = [np.zeros(1, np.int64)], 0
    for x in items:
        parts.append(x._splits[1:] + offset)
        offset += int(x._splits[-1])
    return RaggedTensor._make(_concat_axis0([x._values for x in items]), np.concatenate(parts),
                              items[0]._sdtype)


def _stack_concat(values, axis, stack, op):
    """TF's ``_ragged_stack_concat_helper``."""
    if isinstance(values, RaggedTensor) or not isinstance(values, (list, tuple)):
        raise TypeError(f"{op}: values must be a list or tuple of tensors")
    if not values:
        raise ValueError(f"{op}: values must be a non-empty list")
    items = [v if isinstance(v, RaggedTensor) else _as_dense(v, op, "values") for v in values]
    if len(items) == 1 and not stack:
        return items[0]
    ranks = [_rank_of(x) for x in items]
    if len(set(ranks)) != 1:
        raise ValueError(f"{op}: all inputs must have the same rank, got ranks {ranks}")
    rank = ranks[0]
    dts = {x.dtype for x in items}
    if len(dts) != 1:
        raise TypeError(f"{op}: all inputs must have the same dtype, got "
                        f"{sorted(d.name for d in dts)}")
    out_rank = rank + 1 if stack else rank
    a = _check_axis(axis, out_rank, op,
                    message=f"{{what}} {{a}} is out of range for inputs of rank {rank}")
    ragged = [x for x in items if isinstance(x, RaggedTensor)]
    sdts = {x._sdtype for x in ragged}
    if len(sdts) > 1:
        raise ValueError(f"{op}: the RaggedTensors have mixed row_splits dtypes (use "
                         "with_row_splits_dtype)")
    sdt = sdts.pop() if sdts else _int64
    if stack and rank == 1 and a == 0:  # vectors of any lengths: the rows of the result
        return RaggedTensor._make(_core.concat(items, 0),
                                  _splits_from_lengths([x.shape[0] for x in items]), sdt)
    if not ragged:
        if a in (out_rank - 1, rank - 1):
            return _core.stack(items, a) if stack else _core.concat(items, a)
        if rank == 0:
            raise ValueError(f"{op}: cannot concatenate scalars")
    items = [x if isinstance(x, RaggedTensor) else
             RaggedTensor.from_tensor(x, ragged_rank=1, row_splits_dtype=sdt) for x in items]
    k = max(x.ragged_rank for x in items)
    items = [_raise_ragged_rank(x, k) for x in items]
    return _stack_concat_ragged(items, a, stack, op)


def _stack_concat_ragged(items, axis, stack, op):
    num = len(items)
    if axis == 0:
        cat = _concat_axis0(items)
        if not stack:
            return cat
        return RaggedTensor._make(cat, _splits_from_lengths([x._nrows for x in items]), items[0]._sdtype)
    if axis == 1:
        n = items[0]._nrows
        if any(x._nrows != n for x in items):
            raise InvalidArgumentError(f"{op}: along axis 1 the inputs must have the same number of "
                                       f"rows, got {[x._nrows for x in items]}")
        cat = _concat_axis0(items)
        perm = np.arange(n * num, dtype=np.int64).reshape(num, n).T.reshape(-1)
        permuted = _gather_rows(cat, perm)
        if stack:
            return RaggedTensor._make(permuted, np.arange(0, n * num + 1, num, dtype=np.int64),
                                      items[0]._sdtype)
        return RaggedTensor._make(permuted._values, permuted._splits[::num], items[0]._sdtype)
    first = items[0]
    for x in items[1:]:
        if not (x._splits is first._splits or np.array_equal(x._splits, first._splits)):
            raise InvalidArgumentError(f"{op}: along axis {axis} the inputs must have the same row "
                                       f"partition, got row lengths {_lengths_text(first)} and "
                                       f"{_lengths_text(x)}")
    vals = [x._values for x in items]
    if isinstance(vals[0], RaggedTensor):
        inner = _stack_concat_ragged(vals, axis - 1, stack, op)
    else:
        inner = _core.stack(vals, axis - 1) if stack else _core.concat(vals, axis - 1)
    return first._with_values(inner)


def _dispatch_concat(values, axis, name=None):
    """Concatenate tensors along ``axis``, as ``tf.concat`` (the C++ ``concat``; its gradient
    slices). With RaggedTensors among ``values`` (dense ones are converted), TF's ragged
    concat: axis 0 appends rows, axis 1 joins the rows pairwise (the inputs need one row
    count), deeper axes need one row partition."""
    try:  # the C++ op first (tf.concat is on hot paths); RaggedTensors fail to convert
        return _core.concat(values, axis, name)
    except ValueError:
        if not (isinstance(values, (list, tuple)) and any(isinstance(v, RaggedTensor) for v in values)):
            raise
    return _stack_concat(values, axis, False, "concat")


_dispatch_concat.__name__ = _dispatch_concat.__qualname__ = "concat"


def stack(values, axis=0, name=None):
    """Stack tensors and RaggedTensors of one rank along a new ``axis``, as
    ``tf.ragged.stack``: ``axis=0`` makes each input one row of the result, ``axis=1``
    groups the i-th rows of the inputs into the result's row i (one row count); dense
    inputs are converted (all dense: ``tf.stack``). Differentiable (concat and gather)."""
    return _stack_concat(values, axis, True, "ragged.stack")


# -- module functions ----------------------------------------------------------------------------

def _scalar_leaf(x):
    return not isinstance(x, (list, tuple, np.ndarray)) or (isinstance(x, np.ndarray) and x.ndim == 0)


def constant(pylist, dtype=None, ragged_rank=None, inner_shape=None, name=None,
             row_splits_dtype=_int64):
    """A RaggedTensor from a nested Python list, as ``tf.ragged.constant``: the scalars must all
    sit at the same depth K (else a ValueError); ``ragged_rank`` defaults to K - 1 (minus the
    length of ``inner_shape``), and the lists below it must have one length per depth (else a
    ValueError). A plain list (K = 1) or ``ragged_rank=0`` gives a dense Tensor. The dtype is
    tapegrad's ``constant``'s: Python numbers become float32 (ints too: tapegrad's documented
    difference), numpy arrays keep theirs, ``dtype`` overrides. ``row_splits_dtype`` int64
    (default) or int32."""
    op = "ragged.constant"
    sdt = _index_dtype(row_splits_dtype, op)
    if isinstance(pylist, RaggedTensor):
        raise TypeError(f"{op}: pylist must be a nested list, got a RaggedTensor")
    if isinstance(pylist, (_core.Tensor, _core.Variable)):
        pylist = pylist.numpy()
    if _scalar_leaf(pylist):  # TF: a scalar tensor
        if ragged_rank not in (None, 0):
            raise ValueError(f"{op}: pylist is the scalar {_short(pylist)}, but ragged_rank="
                             f"{ragged_rank!r:.20} needs lists")
        try:
            flat = _core._constant(pylist, dtype, op)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{op}: {e}") from None
        return flat if dtype is None or flat.dtype == _dtypes.as_dtype(dtype) else _core.cast(flat, dtype)
    np_dtype = None
    level = [pylist]
    lengths = []  # lengths[d]: the lengths of the lists at depth d (lengths[0] = [len(pylist)])
    while True:
        kinds = {_scalar_leaf(x) for x in level}
        if len(kinds) > 1:
            raise ValueError(f"{op}: all scalar values must have the same nesting depth (found "
                             f"scalars and lists at depth {len(lengths)} of {_short(pylist)})")
        if not level or kinds == {True}:
            break
        nxt, lens = [], []
        for x in level:
            if isinstance(x, np.ndarray):
                if x.dtype.kind in "biuf" and np_dtype is None:
                    np_dtype = x.dtype
                x = list(x)
            lens.append(len(x))
            nxt.extend(x)
        lengths.append(np.asarray(lens, np.int64))
        level = nxt
    depth = len(lengths)  # the scalars' depth K, or the deepest lists' depth when there are none
    scalars = level
    inner = None
    if inner_shape is not None:
        try:
            inner = [_as_int(d) for d in inner_shape]
        except TypeError:
            raise TypeError(f"{op}: inner_shape must be a tuple of ints, got {inner_shape!r:.40}") from None
    if ragged_rank is None:
        if depth < 2 or (inner is not None and scalars and depth - len(inner) < 2):
            rr = 0
        else:
            rr = max(1, depth - 1 - (len(inner) if inner is not None and scalars else 0))
    else:
        if not _is_int(ragged_rank) or _as_int(ragged_rank) < 0:
            raise ValueError(f"{op}: ragged_rank must be a non-negative int, got {ragged_rank!r:.40}")
        rr = _as_int(ragged_rank)
        if scalars and rr >= depth:
            raise ValueError(f"{op}: pylist has scalar values depth {depth}, but ragged_rank={rr} "
                             f"requires scalar value depth greater than {rr}")
    if inner is not None and scalars and rr + 1 + len(inner) != depth:
        raise ValueError(f"{op}: pylist has scalar values depth {depth}, but ragged_rank={rr} and "
                         f"len(inner_shape)={len(inner)}")
    if dtype is None and np_dtype is not None:
        dtype = _dtypes.as_dtype(np_dtype)
    try:
        flat = _core._constant(scalars if scalars else np.zeros(0, np.float32), dtype, op)
    except (TypeError, ValueError) as e:
        raise type(e)(f"{op}: {e}") from None
    if dtype is not None and flat.dtype != _dtypes.as_dtype(dtype):
        flat = _core.cast(flat, dtype)
    # The depths below the ragged ones are uniform: one list length each.
    uniform = []
    for d in _range(max(rr, 0) + 1, depth):
        lv = lengths[d]
        if lv.size and (lv != lv[0]).any():
            raise ValueError(f"{op}: inner values have inconsistent shape: the lists at depth {d} "
                             f"have lengths {sorted(set(lv.tolist()))[:5]}, but ragged_rank={rr} "
                             "needs them uniform")
        j = len(uniform)
        uniform.append(int(lv[0]) if lv.size else (inner[j] if inner is not None and j < len(inner) else 0))
    if not scalars and inner is not None:
        uniform += inner[len(uniform):]
    if rr == 0:
        return _core.reshape(flat, [int(lengths[0][0])] + uniform)
    part = [lengths[i] if i < depth else np.zeros(0, np.int64) for i in _range(rr + 1)]
    nflat = int(part[rr].sum())
    result = _core.reshape(flat, [nflat] + uniform)
    for i in _range(rr, 0, -1):
        result = RaggedTensor._make(result, _splits_from_lengths(part[i]), sdt)
    return result


def _short(x):
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def range(starts, limits=None, deltas=1, dtype=None, name=None, row_splits_dtype=_int64):  # noqa: A001
    """A RaggedTensor whose row i is ``range(starts[i], limits[i], deltas[i])``, as
    ``tf.ragged.range`` (scalars broadcast; ``range(n)`` counts from 0; the dtype inferred as
    ``tapegrad.range``'s: the widest of the arguments'). A zero delta is an
    InvalidArgumentError. No gradient (as TF)."""
    op = "ragged.range"
    sdt = _index_dtype(row_splits_dtype, op)
    if limits is None:
        starts, limits = 0, starts
    order = [_int32, _int64, _dtypes.float32, _dtypes.float64]
    arrays, kinds = [], []
    for what, v in (("starts", starts), ("limits", limits), ("deltas", deltas)):
        if isinstance(v, _core.Variable):
            v = v.read_value()
        if isinstance(v, _core.Tensor):
            dt, a = v.dtype, v.numpy()
        else:
            if isinstance(v, (bool, np.bool_)):
                raise TypeError(f"{op}: {what} must be numbers, got {v!r}")
            a = np.asarray(v)
            if a.dtype.kind not in "iuf" or a.dtype.kind == "b":
                raise TypeError(f"{op}: {what} must be numbers, got {v!r:.60}")
            if isinstance(v, np.ndarray) or isinstance(v, np.generic):
                dt = _dtypes.as_dtype(a.dtype) if a.dtype.name in ("int32", "int64", "float32", "float64") \
                    else (_int64 if a.dtype.kind in "iu" else _dtypes.float64)
            else:
                dt = _int32 if a.dtype.kind in "iu" else _dtypes.float32
        if dt not in order:
            raise TypeError(f"{op}: {what} must be int32, int64, float32 or float64, got {dt.name}")
        if a.ndim > 1:
            raise ValueError(f"{op}: {what} must be a scalar or a vector, got shape {list(a.shape)}")
        arrays.append(a)
        kinds.append(dt)
    out_dt = _dtypes.as_dtype(dtype) if dtype is not None else max(kinds, key=order.index)
    if out_dt not in order:
        raise TypeError(f"{op}: dtype must be int32, int64, float32 or float64, got {out_dt.name}")
    try:
        s, lim, d = np.broadcast_arrays(*[np.atleast_1d(a) for a in arrays])
    except ValueError:
        raise InvalidArgumentError(f"{op}: starts, limits and deltas must have one length (or be "
                                   f"scalars), got shapes {[list(np.shape(a)) for a in arrays]}") from None
    if not any(np.ndim(a) for a in arrays):
        s, lim, d = s[:1], lim[:1], d[:1]
    is_int = out_dt.is_integer
    calc = np.int64 if is_int else np.float64
    with np.errstate(all="ignore"):
        s, lim, d = (np.asarray(a).astype(calc) for a in (s, lim, d))
    if (d == 0).any():
        raise InvalidArgumentError(f"{op}: Requires delta != 0")
    with np.errstate(all="ignore"):
        if is_int:
            span = np.where(d > 0, lim - s, s - lim)
            ad = np.abs(d)
            counts = np.where(span > 0, (span + ad - 1) // ad, 0)
        else:
            q = np.ceil((lim - s) / d)
            if not np.isfinite(q).all():
                raise InvalidArgumentError(f"{op}: the ranges must be finite")
            counts = np.maximum(q, 0)
    if counts.size and float(counts.max()) * counts.size > _MAX_ELEMENTS or \
            (counts.size and float(counts.sum()) > _MAX_ELEMENTS):
        raise InvalidArgumentError(f"{op}: the result would have more than {_MAX_ELEMENTS} values")
    counts = counts.astype(np.int64)
    total = int(counts.sum())
    offsets = np.cumsum(counts) - counts
    k = np.arange(total, dtype=np.int64) - np.repeat(offsets, counts)
    vals = np.repeat(s, counts) + k.astype(calc) * np.repeat(d, counts)
    flat = _core._constant(vals.astype(out_dt.as_numpy_dtype), out_dt)
    return RaggedTensor._make(flat, _splits_from_lengths(counts), sdt)


def row_splits_to_segment_ids(splits, name=None, out_type=None):
    """The row index of every value from ``splits`` (``value_rowids``), as
    ``tf.ragged.row_splits_to_segment_ids``: ``splits`` must start at 0 and be sorted (else
    an InvalidArgumentError). ``out_type`` defaults to the splits' dtype when they are a
    tensor, else int64 (as TF)."""
    op = "ragged.row_splits_to_segment_ids"
    s, dt = _partition(splits, op, "splits")
    if s.size == 0:
        raise ValueError(f"{op}: splits may not be empty")
    if s[0] != 0:
        raise InvalidArgumentError(f"{op}: splits[0] must be 0, got {int(s[0])}")
    _check_sorted(s, op, "splits")
    _check_size(int(s[-1]), op)
    if out_type is not None:
        out = _index_dtype(out_type, op, "out_type")
    else:  # TF: the splits' dtype when they are a tensor, else int64
        out = dt if isinstance(splits, (_core.Tensor, _core.Variable)) else _int64
    ids = np.repeat(np.arange(s.size - 1, dtype=np.int64), np.diff(s))
    return _core._constant(ids.astype(out.as_numpy_dtype), out)


def segment_ids_to_row_splits(segment_ids, num_segments=None, out_type=None, name=None):
    """The ``row_splits`` for segment ids (one non-negative id per value), as
    ``tf.ragged.segment_ids_to_row_splits``: ``[0, cumsum(bincount(ids))]`` with
    ``num_segments`` rows (default ``max(id) + 1``; larger ids are dropped, as TF's bincount
    with ``maxlength``). ``out_type`` defaults to the ids' dtype (int64 for lists)."""
    op = "ragged.segment_ids_to_row_splits"
    ids, dt = _partition(segment_ids, op, "segment_ids")
    if ids.size and ids.min() < 0:
        raise InvalidArgumentError(f"{op}: segment_ids must be non-negative, got {int(ids.min())}")
    if out_type is None:
        if isinstance(segment_ids, (_core.Tensor, _core.Variable)):
            out = dt
        elif isinstance(num_segments, (_core.Tensor, _core.Variable)):
            out = _index_dtype(num_segments.dtype, op, "num_segments")
        else:
            out = _int64
    else:
        out = _index_dtype(out_type, op, "out_type")
    if num_segments is None:
        n = int(ids.max()) + 1 if ids.size else 0
    else:
        n = _count_arg(num_segments, op, "num_segments")
    _check_size(n, op)
    counts = np.bincount(ids[ids < n], minlength=n) if ids.size else np.zeros(n, np.int64)
    return _core._constant(_splits_from_lengths(counts).astype(out.as_numpy_dtype), out)


def boolean_mask(data, mask, name=None):
    """The entries of ``data`` where ``mask`` is True, as ``tf.ragged.boolean_mask``: ``mask``
    (bool, dense or ragged) has a prefix of data's shape; a mask of rank k keeps data's first
    k - 1 dimensions and drops the masked entries of dimension k, so the result is a
    RaggedTensor with ragged rank ``max(data's, k - 1)`` (a vector mask on dense data: the
    selected rows, a Tensor). One recorded gather: differentiable in ``data``."""
    op = "ragged.boolean_mask"
    m = mask if isinstance(mask, RaggedTensor) else _as_dense(mask, op, "mask")
    if m.dtype != _dtypes.bool:
        raise TypeError(f"{op}: mask must be a bool tensor, got {m.dtype.name}")
    x = data if isinstance(data, RaggedTensor) else _as_dense(data, op, "data")
    k = _rank_of(m)
    if k == 0:
        raise ValueError(f"{op}: mask cannot be a scalar")
    if k > _rank_of(x):
        raise ValueError(f"{op}: mask (shape {m.shape}) has a higher rank than data (shape {x.shape})")
    if k == 1:
        if isinstance(m, RaggedTensor):
            raise ValueError(f"{op}: a ragged mask has rank >= 2")
        mv = m.numpy()
        if mv.size != _nrows_of(x):
            raise InvalidArgumentError(f"{op}: mask has {mv.size} entries, data has {_nrows_of(x)} "
                                       f"rows (shapes {list(m.shape)} and {x.shape})")
        return _gather_rows(x, np.flatnonzero(mv))
    if not isinstance(x, RaggedTensor):
        x = RaggedTensor.from_tensor(x, ragged_rank=k - 1)
    elif x.ragged_rank < k - 1:
        x = _raise_ragged_rank(x, k - 1)
    if not isinstance(m, RaggedTensor):
        m = RaggedTensor.from_tensor(m, ragged_rank=k - 1)
    elif m.ragged_rank != k - 1:
        raise ValueError(f"{op}: a ragged mask must have no uniform inner dimensions, got shape {m.shape}")
    xl, ml = _level_list(x), _level_list(m)
    for i, (a, b) in enumerate(zip(xl[:k - 1], ml)):
        if not np.array_equal(a._splits, b._splits):
            raise InvalidArgumentError(f"{op}: mask (shape {m.shape}) does not match data (shape "
                                       f"{x.shape}) in dimension {i + 1}: row lengths "
                                       f"{_lengths_text(b)} and {_lengths_text(a)}")
    keep = m.flat_values.numpy()
    last = xl[k - 2]
    kept = np.concatenate([np.zeros(1, np.int64), np.cumsum(keep, dtype=np.int64)])
    new_last = RaggedTensor._make(_gather_rows(last._values, np.flatnonzero(keep)),
                                  kept[last._splits], last._sdtype)
    result = new_last
    for lv in reversed(xl[:k - 2]):
        result = lv._with_values(result)
    return result


def map_flat_values(op, *args, **kwargs):
    """``op(*args, **kwargs)`` with every RaggedTensor in them (also inside lists, tuples and
    dicts) replaced by its ``flat_values``, the result given the row partitions back, as
    ``tf.ragged.map_flat_values``: the RaggedTensors must share their nested row partitions
    (else an InvalidArgumentError) and ``op``'s result must keep the flat values' row count.
    Without RaggedTensors it is ``op(*args, **kwargs)``. Gradients flow through ``op``."""
    where = "ragged.map_flat_values"
    found = []

    def replace(x):
        if isinstance(x, RaggedTensor):
            found.append(x)
            return x.flat_values
        if isinstance(x, list):
            return [replace(v) for v in x]
        if isinstance(x, tuple):
            items = [replace(v) for v in x]
            return type(x)(*items) if hasattr(x, "_fields") else tuple(items)
        if isinstance(x, dict):
            return {kk: replace(v) for kk, v in x.items()}
        return x

    if not callable(op):
        raise TypeError(f"{where}: op must be callable, got {op!r:.40}")
    inner_args = replace(list(args))
    inner_kwargs = replace(dict(kwargs))
    if not found:
        return op(*args, **kwargs)
    first = found[0]
    for other in found[1:]:
        if other.ragged_rank != first.ragged_rank:
            raise ValueError(f"{where}: all ragged inputs must have the same ragged_rank, got "
                             f"{first.ragged_rank} and {other.ragged_rank}")
        _check_same_partitions(first, other, where)
    out = op(*inner_args, **inner_kwargs)
    if isinstance(out, _core.Variable):
        out = out.read_value()
    if not isinstance(out, _core.Tensor):
        out = _core._constant(out, None, where)
    n = _nrows_of(first.flat_values)
    if out.ndim == 0 or out.shape[0] != n:
        raise InvalidArgumentError(f"{where}: op's result (shape {list(out.shape)}) must keep the "
                                   f"{n} rows of the flat values")
    return first._with_flat(out)
