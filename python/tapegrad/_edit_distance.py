"""tf.edit_distance (session 25, helper "ctc/edit").

TF's EditDistance kernel, as observed with TF 2.21:

* The sequences are the runs of consecutive entries (in the order the indices are given: TF
  neither sorts nor checks them) that share all but the last index; the last index itself is
  never looked at, only the order of the entries. Each run's values are its sequence.
* The output has the shape ``max(hypothesis.dense_shape[:-1], truth.dense_shape[:-1])``
  (elementwise), float32, zeros where neither side has a sequence.
* The two run lists are merged like sorted lists (comparing the group indices
  lexicographically): a group in both gets the Levenshtein distance of the two sequences
  (divided by the truth's length with ``normalize``); a group only in the hypothesis gets
  its length (``inf`` with ``normalize``); one only in the truth its length (``1.0`` with
  ``normalize``). With unsorted indices this merge is what decides the pairing, as in TF.
* A group whose row-major position falls outside the output is TF's InternalError.
* Values compare with ``==`` (so NaN never matches NaN). Both sides' values must have the
  same dtype. No gradient (TF registers none).
"""

import numpy as np

from . import _core
from .errors import InvalidArgumentError

__all__ = ["edit_distance"]


def _levenshtein(a, b):
    """The edit distance of 1-D arrays a and b (unit insert/delete/substitute costs). One
    numpy pass per element of a: the in-row dependency d[j] <= d[j-1] + 1 is a running
    minimum of (d[k] - k) + j."""
    n, m = len(a), len(b)
    if n == 0:
        return m
    if m == 0:
        return n
    cols = np.arange(m + 1)
    prev = cols.copy()
    for i in range(n):
        cost = (b != a[i]).astype(np.int64)
        cand = np.empty(m + 1, np.int64)
        cand[0] = i + 1
        cand[1:] = np.minimum(prev[1:] + 1, prev[:-1] + cost)
        prev = np.minimum.accumulate(cand - cols) + cols
    return int(prev[m])


def _runs(idx, vals):
    """(group index tuple, values) for each run of consecutive entries with the same group."""
    n = idx.shape[0]
    if n == 0:
        return []
    g = idx[:, :-1]
    starts = np.flatnonzero(np.concatenate(([True], np.any(g[1:] != g[:-1], axis=1))))
    ends = np.append(starts[1:], n)
    return [(tuple(g[s].tolist()), vals[s:e]) for s, e in zip(starts.tolist(), ends.tolist())]


def _as_sparse(x, what):
    from .sparse import SparseTensor
    if isinstance(x, SparseTensor):
        return x
    if not isinstance(x, (_core.Tensor, _core.Variable)) and all(
            hasattr(x, k) for k in ("indices", "values", "dense_shape")):
        return SparseTensor.from_value(x)  # TF's SparseTensorValue
    raise TypeError(f"{what} must be a SparseTensor.")


def edit_distance(hypothesis, truth, normalize=True, name="edit_distance"):
    """The Levenshtein distance between the sequences of two SparseTensors, as
    ``tf.edit_distance``: a sequence is the values sharing all but the last index (in index
    order), and the result (float32) has one entry per such position, shape
    ``max(hypothesis.dense_shape[:-1], truth.dense_shape[:-1])``. With ``normalize`` each
    distance is divided by the truth's length (``inf`` where only the hypothesis has values,
    ``1.0`` where only the truth has); positions with no values on either side are 0.
    Both must have the same rank (at least 2) and value dtype (InvalidArgumentError
    otherwise, as TF). Not differentiable. See the module docstring for TF's handling of
    unsorted indices, which this reproduces."""
    from .errors import InternalError
    from .sparse import _check_dense_size
    op = "edit_distance"
    h = _as_sparse(hypothesis, "Hypothesis")
    t = _as_sparse(truth, "Truth")
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"Expected bool for argument 'normalize' not {normalize!r}.")
    hs, ts = list(h.shape.as_list()), list(t.shape.as_list())
    if len(ts) < 2:
        raise InvalidArgumentError(f"{op}: Input SparseTensors must have rank at least 2, but "
                                   f"truth_shape rank is: {len(ts)}")
    if len(hs) != len(ts):
        raise InvalidArgumentError(f"{op}: Expected truth and hypothesis to have matching ranks, "
                                   f"but their shapes are: [{len(ts)}] and [{len(hs)}]")
    if h.dtype != t.dtype:
        raise InvalidArgumentError(f"{op}: cannot compute EditDistance as input #4(zero-based) was "
                                   f"expected to be a {h.dtype.name} tensor but is a {t.dtype.name} "
                                   f"tensor")
    out_shape = [max(a, b) for a, b in zip(hs[:-1], ts[:-1])]
    total = _check_dense_size(out_shape, op)
    strides = np.ones(len(out_shape), np.int64)
    for d in range(len(out_shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * out_shape[d + 1]
    out = np.zeros(total, np.float32)

    def loc(g):
        p = int(np.dot(np.asarray(g, np.int64), strides)) if g else 0
        if not 0 <= p < total:
            raise InternalError(f"{op}: Got an inner product {p} which would require writing to "
                                f"outside of the buffer for the output tensor (max elements {total})")
        return p

    hr = _runs(h._idx, h.values.numpy())
    tr = _runs(t._idx, t.values.numpy())
    i = j = 0
    while i < len(hr) and j < len(tr):
        (gh, sh), (gt, st) = hr[i], tr[j]
        if gt == gh:
            d = np.float32(_levenshtein(st, sh))
            out[loc(gt)] = d / np.float32(len(st)) if normalize else d
            i += 1
            j += 1
        elif gt > gh:  # this hypothesis has no truth
            out[loc(gh)] = np.inf if normalize and len(sh) else len(sh)
            i += 1
        else:          # this truth has no hypothesis
            out[loc(gt)] = 1.0 if normalize else len(st)
            j += 1
    for gh, sh in hr[i:]:
        out[loc(gh)] = np.inf if normalize and len(sh) else len(sh)
    for gt, st in tr[j:]:
        out[loc(gt)] = 1.0 if normalize else len(st)
    return _core._constant(out.reshape(out_shape), "float32")
