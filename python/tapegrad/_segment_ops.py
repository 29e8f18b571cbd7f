"""TF's segment reductions, counting and bucketing functions (``tf.math.segment_*``,
``unsorted_segment_*``, ``bincount``, ``in_top_k``, ``confusion_matrix``,
``cumulative_logsumexp``; ``tf.unique``, ``searchsorted``, ``histogram_fixed_width``).

The differentiable ones are built from recorded ops (``unsorted_segment_sum``, ``gather``,
``where``, ...) or are custom gradients whose gradient functions are recorded ops, so their
derivatives of every order exist; integer results (ids, counts, positions) come from numpy.
"""

import collections

import numpy as np

from . import _core, dtypes
from .errors import InvalidArgumentError

__all__ = ["segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod",
           "unsorted_segment_mean", "unsorted_segment_max", "unsorted_segment_min",
           "unsorted_segment_prod", "bincount", "in_top_k", "confusion_matrix",
           "cumulative_logsumexp", "unique", "searchsorted", "histogram_fixed_width"]

# Results larger than this many elements are refused before numpy allocates them (TF's
# kernels would try; an int32 count of elements is TF's own limit).
_MAX_ELEMENTS = 2 ** 31 - 1


def _value(x, op, what):
    from .math import _value as v
    return v(x, op, what)


def _int_array(x, op, what):
    """x as a numpy integer array (int32/int64 tensors or arrays, Python int lists)."""
    if isinstance(x, _core.Variable):
        x = x.read_value()
    if isinstance(x, _core.Tensor):
        a = x.numpy()
    else:
        try:
            a = np.asarray(x)
        except (ValueError, TypeError) as e:
            raise TypeError(f"{op}: {what} must be an int32 or int64 tensor ({e})") from None
        if a.dtype == object or a.dtype.kind in "US":
            raise TypeError(f"{op}: {what} must be an int32 or int64 tensor, got {x!r:.60}")
        if a.size == 0 and a.dtype.kind == "f":
            a = a.astype(np.int64)  # [] is an empty list of ids
    if a.dtype.kind not in "iu":
        raise TypeError(f"{op}: {what} must be an int32 or int64 tensor, got {a.dtype.name}")
    if a.dtype == np.int32:
        return a  # kept: half the bytes to check and to hand to the core op
    return a.astype(np.int64, copy=False)


def _count(n, op, what="num_segments"):
    """A non-negative int count (a Python int, numpy int or scalar int tensor)."""
    v = n.numpy() if isinstance(n, (_core.Tensor, _core.Variable)) else n
    v = np.asarray(v)
    if v.ndim != 0 or not (v.dtype.kind in "iu" or (v.dtype.kind == "f" and np.isfinite(v) and float(v).is_integer())):
        raise TypeError(f"{op}: {what} must be an integer scalar, got {n!r:.60}")
    v = int(v)
    if v < 0:
        raise InvalidArgumentError(f"{op}: {what} must be non-negative, got {v}")
    return v


def _check_size(n_rows, inner, op):
    total = n_rows * int(np.prod(inner, dtype=np.int64))
    if total > _MAX_ELEMENTS:
        raise InvalidArgumentError(f"{op}: the result would have {total} elements (shape "
                                   f"{[n_rows] + list(inner)}), more than {_MAX_ELEMENTS}")


class _Ids(np.ndarray):
    """The flat ids as numpy (a view) that also carry the int tensor they came from (``.tensor``),
    so that the core ops take it without a copy; ``_ids_tensor`` makes one only for others."""


def _segment_args(data, segment_ids, op, num_segments=None, check_sorted=True):
    """(data tensor, flat ids (int32/int64, negatives kept; an ``_Ids``), inner shape, number of
    segments). ``check_sorted=False``: the caller's core op checks sorted ids itself; ``n`` is
    then read from the last id."""
    x = _value(data, op, "data")
    if x.dtype == dtypes.bool:
        raise TypeError(f"{op}: data must be a float or integer tensor, got bool")
    if isinstance(segment_ids, _core.Variable):
        segment_ids = segment_ids.read_value()
    ids = _int_array(segment_ids, op, "segment_ids")
    tensor = segment_ids if isinstance(segment_ids, _core.Tensor) else _core._constant(np.ascontiguousarray(ids), None)
    sorted_ = num_segments is None
    if sorted_ and ids.ndim != 1:
        raise InvalidArgumentError(f"{op}: segment_ids must be a vector, got shape {list(ids.shape)}")
    if tuple(x.shape[:ids.ndim]) != ids.shape:
        raise InvalidArgumentError(f"{op}: segment_ids shape {list(ids.shape)} must be a prefix of "
                                   f"data shape {list(x.shape)}")
    flat = ids.reshape(-1)
    inner = [int(d) for d in x.shape[ids.ndim:]]
    if sorted_:
        if check_sorted:
            n = _core._sorted_segment_count(tensor, op)  # one pass in C++: >= 0, non-decreasing
        else:
            n = max(int(flat[-1]) + 1, 0) if flat.size else 0
    else:
        n = _count(num_segments, op)
        if flat.size and flat.max() >= n:
            i = int(np.argmax(flat))
            raise InvalidArgumentError(f"{op}: segment_ids[{i}] = {int(flat[i])} is out of range "
                                       f"[0, {n})")
    _check_size(n, inner, op)
    flat = flat.view(_Ids)
    flat.tensor = tensor if len(tensor.shape) == 1 else _core.reshape(tensor, [-1])
    return x, flat, inner, n


def _ids_tensor(flat):
    t = getattr(flat, "tensor", None)
    return t if t is not None else _core._constant(np.ascontiguousarray(flat), None)


def _rows(x, m, inner):
    return _core.reshape(x, [m] + inner)


def _seg_sum(x, flat, inner, n):
    return _core.unsorted_segment_sum(_rows(x, flat.size, inner), _ids_tensor(flat), n)


def _counts(flat, n, inner, dtype):
    c = np.bincount(flat[flat >= 0] if flat.size and flat.min() < 0 else flat, minlength=n)
    c = c.astype(dtype.as_numpy_dtype)
    return c.reshape([n] + [1] * len(inner))


def _mean(x, flat, inner, n):
    counts = _counts(flat, n, inner, x.dtype)
    if not x.dtype.is_floating:  # TF's integer mean truncates
        s = _seg_sum(x, flat, inner, n).numpy()
        return _core._constant(np.trunc(s / np.maximum(counts, 1)).astype(s.dtype), x.dtype)
    return _core.divide(_seg_sum(x, flat, inner, n), _core._constant(np.maximum(counts, 1), x.dtype))


def _minmax(x, flat, inner, n, is_max, empty_zero):
    """Segment max/min: the core's value (NaN wins, as numpy's maximum), TF's gradient
    (_UnsortedSegmentMinOrMaxGrad): to the rows equal to their segment's result, split equally
    among ties."""
    from ._custom_gradient import custom_gradient
    npdt = x.dtype.as_numpy_dtype
    op = ("" if empty_zero else "unsorted_") + ("segment_max" if is_max else "segment_min")
    result = _core._segment_reduce(_rows(x, flat.size, inner), _ids_tensor(flat), n,
                                   "max" if is_max else "min", empty_zero, op)
    if not x.dtype.is_floating or not _core._recording():
        return result
    values = x.numpy().reshape([flat.size] + inner)
    out = result.numpy()
    clipped = np.maximum(flat, 0)
    selected = (values == out[clipped]) & (flat >= 0).reshape([-1] + [1] * len(inner))
    num = _core.unsorted_segment_sum(_core._constant(selected.astype(npdt), x.dtype), _ids_tensor(flat), n).numpy()
    weight = np.where(selected, 1.0 / np.maximum(num, 1)[clipped], 0.0).astype(npdt)
    shape = list(x.shape)

    @custom_gradient
    def _f(v):
        def grad(dy):
            g = _core.gather(dy, _ids_tensor(clipped), 0)
            return _core.reshape(_core.multiply(g, _core._constant(weight, x.dtype)), shape)
        return result, grad
    return _f(x)


def _prod(x, flat, inner, n):
    """Segment product: numpy's value, TF's gradient (_UnsortedSegmentProdGrad): the product
    of the others, from the product of the nonzero entries where an entry is the one zero of
    its segment, 0 where a segment has two zeros or more."""
    from ._custom_gradient import custom_gradient
    result = _core._segment_reduce(_rows(x, flat.size, inner), _ids_tensor(flat), n, "prod", False,
                                   "segment_prod")
    if not x.dtype.is_floating or not _core._recording():
        return result
    shape = list(x.shape)
    clipped = _ids_tensor(np.maximum(flat, 0))
    dropped = flat < 0
    npdt = x.dtype.as_numpy_dtype

    @custom_gradient
    def _f(v):
        def grad(dy):
            rows = _rows(v, flat.size, inner)
            is_zero = _core.equal(rows, 0.0)
            one = _core._constant(np.ones((), npdt), x.dtype)
            zero = _core._constant(np.zeros((), npdt), x.dtype)
            nz = _core.cast(is_zero, x.dtype)
            num_zeros = _core.unsorted_segment_sum(nz, _ids_tensor(flat), n)
            dy2 = _core.where(_core.greater(num_zeros, 1.0), zero, dy)
            non_zero = _core.where(is_zero, one, rows)
            non_zero_prod = _prod(non_zero, flat, inner, n)
            y = _prod(rows, flat, inner, n)
            safe = _core.where(is_zero, one, rows)
            partial = _core.where(is_zero, _core.gather(non_zero_prod, clipped, 0),
                                  _core.divide(_core.gather(y, clipped, 0), safe))
            g = _core.multiply(_core.gather(dy2, clipped, 0), partial)
            if dropped.any():
                mask = _core._constant(np.ascontiguousarray(dropped.reshape([-1] + [1] * len(inner))), None)
                g = _core.where(mask, zero, g)
            return _core.reshape(g, shape)
        return result, grad
    return _f(x)


# -- sorted segments ------------------------------------------------------------------------------

def segment_sum(data, segment_ids, name=None):
    """The sum of the rows of ``data`` in each segment, as ``tf.math.segment_sum``:
    ``segment_ids`` (1-D, the length of data's first dimension) are sorted non-negative ids;
    the result has ``max(id) + 1`` rows, 0 for an id no row has. Differentiable (a gather)."""
    x, flat, _, _ = _segment_args(data, segment_ids, "segment_sum", check_sorted=False)
    return _core._sorted_segment_sum(x, _ids_tensor(flat), "segment_sum")  # checks the ids


def segment_mean(data, segment_ids, name=None):
    """The mean of the rows in each segment, as ``tf.math.segment_mean`` (sorted ids; 0 for an
    empty segment; integers truncate). Differentiable: the gradient divided by the counts."""
    x, flat, inner, n = _segment_args(data, segment_ids, "segment_mean")
    return _mean(x, flat, inner, n)


def segment_max(data, segment_ids, name=None):
    """The maximum of the rows in each segment, as ``tf.math.segment_max`` (sorted ids; 0 for an
    empty segment, as TF documents). The gradient goes to the rows equal to the maximum, split
    equally among ties (TF's rule)."""
    x, flat, inner, n = _segment_args(data, segment_ids, "segment_max")
    return _minmax(x, flat, inner, n, True, True)


def segment_min(data, segment_ids, name=None):
    """The minimum of the rows in each segment, as ``tf.math.segment_min`` (sorted ids; 0 for an
    empty segment). Gradient as ``segment_max``'s."""
    x, flat, inner, n = _segment_args(data, segment_ids, "segment_min")
    return _minmax(x, flat, inner, n, False, True)


def segment_prod(data, segment_ids, name=None):
    """The product of the rows in each segment, as ``tf.math.segment_prod`` (sorted ids; 1 for an
    empty segment). TF's gradient: the product of the other rows, finite where rows are 0."""
    x, flat, inner, n = _segment_args(data, segment_ids, "segment_prod")
    return _prod(x, flat, inner, n)


# -- unsorted segments ----------------------------------------------------------------------------

def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """The mean of the entries of ``data`` in each of ``num_segments`` segments, as
    ``tf.math.unsorted_segment_mean``: ``segment_ids`` (any order; its shape a prefix of data's)
    in ``[0, num_segments)``, negative ids dropped, 0 for an empty segment. Differentiable."""
    x, flat, inner, n = _segment_args(data, segment_ids, "unsorted_segment_mean", num_segments)
    if x.dtype.is_integer:
        # TF's Python unsorted_segment_mean: the int sum (in the data's dtype: uint8 wraps
        # around) over the int count, a true division (float64; float32 for uint8, TF's
        # _TRUEDIV_TABLE), 0 for an empty segment.
        f = np.float32 if x.dtype.name == "uint8" else np.float64
        total = _core.cast(_seg_sum(x, flat, inner, n), f.__name__)
        c = np.bincount(flat[flat >= 0], minlength=n)[:n] if flat.size else np.zeros(n, np.int64)
        if x.dtype.name == "uint8":  # TF counts in the data's dtype too
            c = c % 256
        c = np.maximum(c, 1).astype(f).reshape([n] + [1] * len(inner))
        return _core.divide(total, _core._constant(c, None))
    return _mean(x, flat, inner, n)


def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    """The maximum in each segment, as ``tf.math.unsorted_segment_max``; an empty segment gives
    TF's ``numeric_limits<T>::lowest()`` (-3.4028235e+38 for float32; a segment of -inf alone
    gives -inf). The gradient goes to the entries equal to
    their segment's maximum, split equally among ties (TF's rule)."""
    x, flat, inner, n = _segment_args(data, segment_ids, "unsorted_segment_max", num_segments)
    return _minmax(x, flat, inner, n, True, False)


def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    """The minimum in each segment, as ``tf.math.unsorted_segment_min``; an empty segment gives
    the dtype's highest value (3.4028235e+38 for float32), as TF. Gradient as ``unsorted_segment_max``'s."""
    x, flat, inner, n = _segment_args(data, segment_ids, "unsorted_segment_min", num_segments)
    return _minmax(x, flat, inner, n, False, False)


def unsorted_segment_prod(data, segment_ids, num_segments, name=None):
    """The product in each segment, as ``tf.math.unsorted_segment_prod`` (1 for an empty
    segment). TF's gradient, as ``segment_prod``'s."""
    x, flat, inner, n = _segment_args(data, segment_ids, "unsorted_segment_prod", num_segments)
    return _prod(x, flat, inner, n)


# -- counting ---------------------------------------------------------------------------------------

def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32, name=None,
             axis=None, binary_output=False):
    """The number of occurrences of each value in the non-negative integer tensor ``arr``, as
    ``tf.math.bincount``: the result has ``max(max(arr) + 1, minlength)`` bins, at most
    ``maxlength`` (larger values are ignored). With ``weights`` (arr's shape) each occurrence
    adds its weight, and the result has the weights' dtype (differentiable in float weights);
    without, ``dtype``. ``axis=-1`` counts each row of a 2-D ``arr`` separately;
    ``binary_output`` gives 1 where a value occurs. Negative values are an
    InvalidArgumentError, as TF's CPU kernel."""
    op = "bincount"
    a = _int_array(arr, op, "arr")
    if axis not in (None, 0, -1):
        raise InvalidArgumentError(f"bincount: axis must be None, 0 or -1, got {axis!r}")
    if axis == -1 and a.ndim != 2:
        raise InvalidArgumentError(f"bincount: axis=-1 needs a 2-D arr, got shape {list(a.shape)}")
    if a.size and a.min() < 0:
        raise InvalidArgumentError(f"bincount: arr must be non-negative, got {int(a.min())}")
    w = None
    if weights is not None:
        w = _value(weights, op, "weights")
        if w.dtype == dtypes.bool:
            raise TypeError("bincount: weights must be a float or integer tensor, got bool")
        if tuple(w.shape) != a.shape:
            raise InvalidArgumentError(f"bincount: weights shape {list(w.shape)} must equal arr shape "
                                       f"{list(a.shape)}")
        if binary_output:
            raise InvalidArgumentError("bincount: weights and binary_output cannot both be given")
    out_dtype = w.dtype if w is not None else dtypes.as_dtype(dtype)
    if out_dtype == dtypes.bool:
        raise TypeError("bincount: dtype must be a number type, got bool")
    length = int(a.max()) + 1 if a.size else 0
    if minlength is not None:
        length = max(length, _count(minlength, op, "minlength"))
    if maxlength is not None:
        length = min(length, _count(maxlength, op, "maxlength"))
    rows = a.shape[0] if axis == -1 else 1
    _check_size(rows, [length], op)
    if axis == -1:
        pos = np.where(a < length, a + np.arange(a.shape[0])[:, None] * length, -1).reshape(-1)
        shape = [rows, length]
    else:
        flat = a.reshape(-1)
        pos = np.where(flat < length, flat, -1)
        shape = [length]
    if w is not None:
        out = _core.unsorted_segment_sum(_core.reshape(w, [-1]), _ids_tensor(pos), rows * length)
        return _core.reshape(out, shape)
    counts = np.bincount(pos[pos >= 0], minlength=rows * length).reshape(shape)
    if binary_output:
        counts = np.minimum(counts, 1)
    return _core._constant(counts.astype(out_dtype.as_numpy_dtype), out_dtype)


def in_top_k(targets, predictions, k, name=None):
    """Whether ``predictions[i, targets[i]]`` is among the ``k`` largest of row i, as
    ``tf.math.in_top_k(targets, predictions, k)`` (TF 2's argument order): ties at the k-th
    place all count as in; a row with a non-finite prediction, or a target out of range, gives
    False (TF's kernel). A bool vector; no gradient."""
    op = "in_top_k"
    t = _int_array(targets, op, "targets")
    p = _value(predictions, op, "predictions")
    if not p.dtype.is_floating:
        raise TypeError(f"in_top_k: predictions must be float32 or float64, got {p.dtype.name}")
    if p.ndim != 2:
        raise InvalidArgumentError(f"in_top_k: predictions must be 2-D, got shape {list(p.shape)}")
    if t.shape != (p.shape[0],):
        raise InvalidArgumentError(f"in_top_k: targets must be a vector of length {p.shape[0]} (the "
                                   f"rows of predictions), got shape {list(t.shape)}")
    k = _count(k, op, "k")
    pv = p.numpy()
    n_cls = pv.shape[1]
    ok = (t >= 0) & (t < n_cls)
    tp = pv[np.arange(t.size), np.where(ok, t, 0)] if n_cls else np.zeros(t.size, pv.dtype)
    finite = np.isfinite(pv).all(axis=1)
    above = (pv > tp[:, None]).sum(axis=1)
    return _core._constant(ok & finite & (above < k), None)


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=dtypes.int32,
                     name=None):
    """The ``num_classes x num_classes`` matrix counting (or summing ``weights`` of) the pairs
    ``(labels[i], predictions[i])``, rows the labels, as ``tf.math.confusion_matrix``.
    ``num_classes`` defaults to ``max(labels, predictions) + 1``; a negative or out-of-range
    value is an InvalidArgumentError. Differentiable in float ``weights``."""
    op = "confusion_matrix"
    lab = _int_array(labels, op, "labels")
    pred = _int_array(predictions, op, "predictions")
    if lab.ndim != 1 or pred.shape != lab.shape:
        raise InvalidArgumentError(f"confusion_matrix: labels and predictions must be vectors of one "
                                   f"length, got shapes {list(lab.shape)} and {list(pred.shape)}")
    for what, v in (("labels", lab), ("predictions", pred)):
        if v.size and v.min() < 0:
            raise InvalidArgumentError(f"confusion_matrix: {what} must be non-negative, got {int(v.min())}")
    if num_classes is None:
        n = int(max(lab.max(), pred.max())) + 1 if lab.size else 0
    else:
        n = _count(num_classes, op, "num_classes")
        for what, v in (("labels", lab), ("predictions", pred)):
            if v.size and v.max() >= n:
                raise InvalidArgumentError(f"confusion_matrix: {what} contains {int(v.max())}, not less "
                                           f"than num_classes {n}")
    _check_size(n, [n], op)
    dt = dtypes.as_dtype(dtype)
    if dt == dtypes.bool:
        raise TypeError("confusion_matrix: dtype must be a number type, got bool")
    pos = lab * n + pred
    if weights is None:
        counts = np.bincount(pos, minlength=n * n).reshape(n, n)
        return _core._constant(counts.astype(dt.as_numpy_dtype), dt)
    w = _value(weights, op, "weights")
    if tuple(w.shape) != lab.shape:
        raise InvalidArgumentError(f"confusion_matrix: weights shape {list(w.shape)} must equal labels "
                                   f"shape {list(lab.shape)}")
    if w.dtype != dt:
        w = _core.cast(w, dt)
    return _core.reshape(_core.unsorted_segment_sum(w, _ids_tensor(pos), n * n), [n, n])


def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """``log(cumsum(exp(x), axis, exclusive, reverse))`` without overflow, as
    ``tf.math.cumulative_logsumexp`` (an exclusive sum's first entry is ``-inf``). Computed as
    ``m + log(cumsum(exp(x - m)))`` with ``m`` the maximum along ``axis`` (held constant), in
    float64 for float32 input: entries whose running sum is below ``exp(-700)`` times that
    maximum's give ``-inf``. Recorded ops: gradients of every order."""
    from .math import _float
    op = "cumulative_logsumexp"
    t = _float(x, op)
    if t.ndim == 0:
        raise InvalidArgumentError("cumulative_logsumexp: x must have rank >= 1, got a scalar")
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)) or \
            not -t.ndim <= int(axis) < t.ndim:
        raise InvalidArgumentError(f"cumulative_logsumexp: axis {axis!r} is out of range for a "
                                   f"tensor of rank {t.ndim}")
    axis = int(axis) % t.ndim
    w = _core.cast(t, dtypes.float64) if t.dtype == dtypes.float32 else t
    m = np.max(w.numpy(), axis=axis, keepdims=True) if t.shape[axis] else np.zeros(
        [1 if d == axis else s for d, s in enumerate(t.shape)])
    m = np.where(np.isfinite(m), m, 0.0)
    mc = _core._constant(m, dtypes.float64)
    s = _core.cumsum(_core.exp(_core.subtract(w, mc)), axis, bool(exclusive), bool(reverse))
    out = _core.add(_core.log(s), mc)
    return _core.cast(out, t.dtype) if out.dtype != t.dtype else out


# -- top level ------------------------------------------------------------------------------------

Unique = collections.namedtuple("Unique", ["y", "idx"])


def unique(x, out_idx=dtypes.int32, name=None):
    """The distinct values of the 1-D ``x`` in order of first occurrence, and for each entry
    of x the position of its value among them, as ``tf.unique``: a ``(y, idx)`` named tuple
    with ``x == gather(y, idx)``. ``idx`` is int32 (``out_idx=int64``). No gradient."""
    t = _value(x, "unique", "x")
    if t.ndim != 1:
        raise InvalidArgumentError(f"unique: x must be a vector, got shape {list(t.shape)}")
    it = dtypes.as_dtype(out_idx)
    if it not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"unique: out_idx must be int32 or int64, got {it.name}")
    v = t.numpy()
    # each NaN is its own value, as TF's hash-map kernel (NaN != NaN); numpy would merge them
    _, first, inv = np.unique(v, return_index=True, return_inverse=True, equal_nan=False)
    order = np.argsort(first, kind="stable")  # sorted-unique position -> first-occurrence rank
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    y = v[np.sort(first)]
    return Unique(_core._constant(np.ascontiguousarray(y), t.dtype),
                  _core._constant(rank[inv.reshape(-1)].astype(it.as_numpy_dtype), it))


def searchsorted(sorted_sequence, values, side="left", out_type=dtypes.int32, name=None):
    """For each of ``values[..., j]``, the index in ``sorted_sequence[...]`` (sorted along its
    last axis; the leading dimensions equal values') where it would be inserted to keep the
    order, as ``tf.searchsorted``: ``side='left'`` before equal entries, ``'right'`` after.
    int32 (``out_type=int64``); no gradient."""
    op = "searchsorted"
    s = _value(sorted_sequence, op, "sorted_sequence")
    v = _value(values, op, "values")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
    it = dtypes.as_dtype(out_type)
    if it not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"searchsorted: out_type must be int32 or int64, got {it.name}")
    if s.dtype != v.dtype:
        raise TypeError(f"searchsorted: sorted_sequence and values must have one dtype, got "
                        f"{s.dtype.name} and {v.dtype.name}")
    if s.ndim == 0 or v.ndim == 0:
        raise InvalidArgumentError("searchsorted: sorted_sequence and values must have rank >= 1")
    if s.shape[:-1] != v.shape[:-1]:
        raise InvalidArgumentError(f"searchsorted: the leading dimensions of sorted_sequence "
                                   f"{list(s.shape)} and values {list(v.shape)} must be equal")
    sa, va = s.numpy(), v.numpy()
    m, k = sa.shape[-1], va.shape[-1]
    nrows = int(np.prod(sa.shape[:-1], dtype=np.int64))
    rows_s, rows_v = sa.reshape(nrows, m), va.reshape(nrows, k)
    if nrows == 1:
        out = np.searchsorted(rows_s[0], rows_v[0], side=side)[None]
    else:  # compare every value with every entry of its row: sum of (entry < value)
        out = np.empty(rows_v.shape, dtype=np.int64)
        step = max(1, 2 ** 22 // max(m * k, 1))
        cmp = np.less if side == "left" else np.less_equal
        for r in range(0, nrows, step):
            out[r:r + step] = cmp(rows_s[r:r + step, None, :], rows_v[r:r + step, :, None]).sum(-1)
    if it == dtypes.int32 and m > np.iinfo(np.int32).max:
        raise InvalidArgumentError("searchsorted: sorted_sequence is too long for int32 results")
    return _core._constant(out.reshape(va.shape).astype(it.as_numpy_dtype), it)


def histogram_fixed_width(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """The counts of ``values`` in ``nbins`` equal-width bins spanning ``value_range = [lo,
    hi]``, as ``tf.histogram_fixed_width``: values below ``lo`` count in the first bin, values
    at or above ``hi`` in the last. int32 (or ``dtype``); no gradient."""
    op = "histogram_fixed_width"
    v = _value(values, op, "values")
    r = _value(value_range, op, "value_range")
    if v.dtype == dtypes.bool or r.dtype == dtypes.bool:
        raise TypeError("histogram_fixed_width: values and value_range must be numbers, got bool")
    if r.shape != (2,):
        raise InvalidArgumentError(f"histogram_fixed_width: value_range must have shape [2], got "
                                   f"{list(r.shape)}")
    nb = _count(nbins, op, "nbins")
    if nb == 0:
        raise InvalidArgumentError("histogram_fixed_width: nbins should be a positive number, got 0")
    _check_size(1, [nb], op)
    lo, hi = (float(a) for a in r.numpy())
    if not (np.isfinite(lo) and np.isfinite(hi)) or not lo < hi:
        raise InvalidArgumentError(f"histogram_fixed_width: value_range[0] ({lo}) must be less than "
                                   f"value_range[1] ({hi}), both finite")
    dt = dtypes.as_dtype(dtype)
    if dt not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"histogram_fixed_width: dtype must be int32 or int64, got {dt.name}")
    a = v.numpy().astype(np.float64).reshape(-1)
    a = a[~np.isnan(a)]
    with np.errstate(all="ignore"):
        b = np.floor((a - lo) / (hi - lo) * nb)
    b = np.clip(b, 0, nb - 1).astype(np.int64)
    return _core._constant(np.bincount(b, minlength=nb).astype(dt.as_numpy_dtype), dt)
