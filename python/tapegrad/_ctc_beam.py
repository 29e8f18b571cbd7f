"""tf.nn.ctc_beam_search_decoder (session 25, helper "ctc/edit").

TF's CTC beam search is a prefix-trie search whose result depends on the exact order in which
beams are visited, evicted and sorted (ties included), so this is a step-by-step model of
TF 2.21's decoder as observed, not a textbook beam search:

* Each time step is log-softmax normalised with ``norm = max + log(sum_j exp(x_j - max))``
  (the sum accumulated left to right in the input's dtype). Every beam keeps three log
  probabilities (``total``, ``blank``-ending, ``label``-ending) for the previous step (``old``)
  and the current one (``new``). A beam is *active* while ``new.total`` is not -inf.
* The beams of the last step are taken best first and first updated in place: a beam whose
  parent is still active also gains the parent's mass (the parent's ``old.blank`` when the two
  last labels repeat, else its ``old.total``); ``label += x[label] - norm``,
  ``blank = (old.total + x[blank]) - norm``, ``total = logsumexp(blank, label)``.
* Then, in the same order, each beam whose ``old.total`` would still enter the beam grows one
  child per non-blank class in class order; a child that is already active is left alone (its
  mass came through the update above), an inactive one starts at
  ``(x[c] - norm) + (old.blank if c repeats the beam's last label else old.total)`` and enters
  the beam if it beats the current worst beam (which is evicted: its ``new`` probabilities are
  cleared, so it can come back later only as a fresh child). A child that does not enter is
  cleared entirely (both ``old`` and ``new``).
* The beam container (:class:`_TopN`) is a binary min-heap on the log probability: the worst
  beam is evicted first, and the result is sorted best first. Beams with exactly equal
  scores are ordered by arrival, which is not always TF's order (its container's ties follow
  its C++ heap and sort): with exact ties, which of the tied beams is kept and the order of
  tied paths can differ from TF's; everything else is TF's.
* The result: the ``top_paths`` best beams (their labels, no merging of repeats in TF 2's
  API) and their ``new.total``. Fewer beams than ``top_paths`` is TF's InvalidArgumentError.

The arithmetic is done in numpy scalars of the input dtype (float32 or float64), in TF's
operation order, so the log probabilities agree with TF's to a few ulps and the decisions
with them except on near-ties within that rounding. Not differentiable (TF's isn't either).
"""

import ctypes
import heapq

import numpy as np

from . import _core
from .errors import InvalidArgumentError

__all__ = ["ctc_beam_search_decoder"]

_NEG_INF = float("-inf")


def _libm():
    """The C library's scalar exp/log/log1p (float and double), which TF's kernel calls; numpy's
    own (SIMD) versions can differ from them in the last bit. numpy's are used if libm cannot
    be loaded."""
    try:
        try:
            lib = ctypes.CDLL("libm.so.6")
        except OSError:
            from ctypes import util
            lib = ctypes.CDLL(util.find_library("m"))
        fns = {}
        for name, ct in (("expf", ctypes.c_float), ("logf", ctypes.c_float), ("log1pf", ctypes.c_float),
                         ("exp", ctypes.c_double), ("log", ctypes.c_double)):
            f = getattr(lib, name)
            f.restype, f.argtypes = ct, [ct]
            fns[name] = f
        return fns
    except (OSError, AttributeError, TypeError):
        return None


_LIBM = "unloaded"  # loaded on first use


class _Slot:
    """A beam in the container: ordered by its current log probability; among exact ties the
    later arrival counts as the worse (deterministic, though not TF's order for ties)."""

    __slots__ = ("e", "seq")

    def __init__(self, e, seq):
        self.e = e
        self.seq = seq

    def __lt__(self, other):
        a, b = self.e.n_total, other.e.n_total
        return a < b or (a == b and self.seq > other.seq)


class _TopN:
    """The beam (TF's role for gtl::TopN): at most ``limit`` entries in a binary min-heap on
    the log probability, so the worst is evicted first. An entry's score may only drop while
    it is the root (the eviction below sets it to -inf), which keeps the heap valid."""

    __slots__ = ("limit", "el", "seq")

    def __init__(self, limit):
        self.limit = limit
        self.el = []
        self.seq = 0

    def size(self):
        return len(self.el)

    def push(self, v):
        self.seq += 1
        if len(self.el) < self.limit:
            heapq.heappush(self.el, _Slot(v, self.seq))
        elif v.n_total > self.el[0].e.n_total:
            heapq.heapreplace(self.el, _Slot(v, self.seq))

    def peek_bottom(self):
        return self.el[0].e

    def entries(self):
        return [s.e for s in self.el]

    def extract(self):
        out, self.el = self.el, []
        out.sort(reverse=True)
        return [s.e for s in out]


class _Entry:
    """One node of the prefix trie (TF's BeamEntry): its old/new log probabilities."""

    __slots__ = ("parent", "label", "children", "o_total", "o_blank", "o_label",
                 "n_total", "n_blank", "n_label")

    def __init__(self, parent, label, zero):
        self.parent = parent
        self.label = label
        self.children = {}
        self.o_total = self.o_blank = self.o_label = zero
        self.n_total = self.n_blank = self.n_label = zero

    def labels(self, merge_repeated):
        out, prev, e = [], -1, self
        while e.parent is not None:
            if not merge_repeated or e.label != prev:
                out.append(e.label)
            prev = e.label
            e = e.parent
        out.reverse()
        return out


def _beam_search_row(x, beam_width, top_paths, merge_repeated):
    """The top paths and their log probabilities for one batch row ``x`` [time, classes]."""
    dt = x.dtype.type
    neg_inf = dt(_NEG_INF)
    c = x.shape[1]
    blank = c - 1
    global _LIBM
    if isinstance(_LIBM, str):
        _LIBM = _libm()
    f32 = np.float32
    if _LIBM is not None:
        expf, log1pf = _LIBM["expf"], _LIBM["log1pf"]
        exp_t, log_t = (_LIBM["expf"], _LIBM["logf"]) if dt is f32 else (_LIBM["exp"], _LIBM["log"])

        def corr(d):
            return dt(log1pf(expf(float(f32(d)))))

        def norm_of(row, mx):
            s = dt(0)
            for v in (row - mx).tolist():
                s = s + dt(exp_t(v))
            return mx + dt(log_t(float(s)))
    else:
        def corr(d):
            return dt(np.log1p(np.exp(f32(d))))

        def norm_of(row, mx):
            s = dt(0)
            for v in np.exp(row - mx):
                s = s + v
            return mx + np.log(s)

    def lse(p, q):
        # TF's LogSumExp: the correction term is log1pf(expf(.)), in float32 whatever T is
        if p == neg_inf:
            return q
        if q == neg_inf:
            return p
        if p > q:
            return p + corr(q - p)
        return q + corr(p - q)

    root = _Entry(None, -1, neg_inf)
    root.n_total = dt(0)
    root.n_blank = dt(0)
    leaves = _TopN(beam_width)
    leaves.push(root)
    with np.errstate(all="ignore"):
        for row in x:
            mx = row.max()
            norm = norm_of(row, mx)
            lp = row - norm                         # x[j] - norm, as TF computes it at each use
            xb = row[blank]
            branches = leaves.extract()
            for b in branches:
                b.o_total, b.o_blank, b.o_label = b.n_total, b.n_blank, b.n_label
            for b in branches:
                p = b.parent
                if p is not None:
                    if p.n_total != neg_inf:
                        prev = p.o_blank if b.label == p.label else p.o_total
                        b.n_label = lse(b.n_label, prev)
                    b.n_label = b.n_label + lp[b.label]
                b.n_blank = (b.o_total + xb) - norm
                b.n_total = lse(b.n_blank, b.n_label)
                leaves.push(b)
            for b in branches:
                ot = b.o_total
                if not (ot > neg_inf and (leaves.size() < beam_width or ot > leaves.peek_bottom().n_total)):
                    continue
                # the starting scores of all children at once (TF's float order: (x - norm) + prev)
                prevs = np.full(blank, ot, dtype=x.dtype)
                if 0 <= b.label < blank:
                    prevs[b.label] = b.o_blank
                start = lp[:blank] + prevs
                kids = b.children
                if leaves.size() >= beam_width:
                    # the bottom only rises while the beam is full: a child not above it now
                    # never enters (it is only cleared, if it exists)
                    bottom = leaves.peek_bottom().n_total
                    todo = set(np.flatnonzero(start > bottom).tolist())
                    todo.update(kids)
                    todo = sorted(todo)
                else:
                    todo = range(blank)
                for lab in todo:
                    ch = kids.get(lab)
                    if ch is None:
                        ch = kids[lab] = _Entry(b, lab, neg_inf)
                    if ch.n_total != neg_inf:
                        continue
                    v = start[lab]
                    ch.n_blank = neg_inf
                    ch.n_label = v
                    ch.n_total = v
                    if v > neg_inf and (leaves.size() < beam_width or v > leaves.peek_bottom().n_total):
                        if leaves.size() == beam_width:
                            bot = leaves.peek_bottom()
                            bot.n_total = bot.n_blank = bot.n_label = neg_inf
                        leaves.push(ch)
                    else:
                        ch.o_total = ch.o_blank = ch.o_label = neg_inf
                        ch.n_total = ch.n_blank = ch.n_label = neg_inf
    # TopPaths
    if top_paths > leaves.size():
        raise InvalidArgumentError("ctc_beam_search_decoder: Less leaves in the beam search than "
                                   "requested.")
    top = _TopN(top_paths)
    for e in leaves.entries():
        top.push(e)
    best = top.extract()[:top_paths]
    return [e.labels(merge_repeated) for e in best], [e.n_total for e in best]


def _beam_search(inputs, sequence_length, beam_width, top_paths, merge_repeated, op):
    from .math import _float
    from ._segment_ops import _int_array
    from .sparse import SparseTensor
    from .nn import _error
    for what, v in (("beam_width", beam_width), ("top_paths", top_paths)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{op}: {what} must be an int, got {v!r:.60}")
        if v < 1:
            raise InvalidArgumentError(f"{op}: Value for attr '{what}' of {int(v)} must be at "
                                       f"least minimum 1")
    beam_width, top_paths = int(beam_width), int(top_paths)
    if isinstance(inputs, (_core.Tensor, _core.Variable)):
        if inputs.dtype.name not in ("float32", "float64"):
            raise InvalidArgumentError(f"{op}: Value for attr 'T' of {inputs.dtype.name} is not in "
                                       f"the list of allowed values: float, double")
    else:
        # like TF, numpy integer / half arrays and Python numbers are taken as float32
        a = np.asarray(inputs)
        if a.dtype.kind in "iu" or a.dtype == np.float16:
            inputs = a.astype(np.float32)
    x = _float(inputs, op, "inputs", True)
    if x.ndim != 3:
        raise InvalidArgumentError(f"{op}: inputs is not a 3-Tensor, got shape {list(x.shape)}")
    t_max, b, c = x.shape
    sl = _int_array(sequence_length, op, "sequence_length")
    if sl.ndim != 1:
        raise InvalidArgumentError(f"{op}: sequence_length is not a vector")
    if 0 in (t_max, b, c):
        raise InvalidArgumentError(f"{op}: inputs must not be empty")
    if sl.size != b:
        raise _error("FailedPreconditionError")(
            f"{op}: len(sequence_length) != batch_size.  len(sequence_length):  {sl.size} "
            f"batch_size: {b}")
    for i, s in enumerate(sl.tolist()):
        if s > t_max:
            raise _error("FailedPreconditionError")(f"{op}: sequence_length({i}) <= {t_max}")
    if top_paths > beam_width:
        raise InvalidArgumentError(f"{op}: requested more paths than the beam width.")
    v = x.numpy()
    paths, probs = [], np.zeros((b, top_paths), dtype=v.dtype)
    for r in range(b):
        n = max(int(sl[r]), 0)
        p, lp = _beam_search_row(v[:n, r, :], beam_width, top_paths, merge_repeated)
        paths.append(p)
        probs[r] = lp
    decoded = []
    for k in range(top_paths):
        rows = [paths[r][k] for r in range(b)]
        longest = max(len(q) for q in rows)
        idx = np.array([(r, j) for r in range(b) for j in range(len(rows[r]))],
                       dtype=np.int64).reshape(-1, 2)
        vals = np.array([lab for q in rows for lab in q], dtype=np.int64)
        decoded.append(SparseTensor(_core._constant(idx, "int64"), _core._constant(vals, "int64"),
                                    _core._constant(np.array([b, longest], np.int64), "int64")))
    return decoded, _core._constant(probs, x.dtype)


def ctc_beam_search_decoder(inputs, sequence_length, beam_width=100, top_paths=1):
    """Beam search decoding of time-major logits ``inputs`` ``[max_time, batch, num_classes]``
    (blank = ``num_classes - 1``), as TF 2's ``tf.nn.ctc_beam_search_decoder``: each row is
    decoded over its first ``sequence_length[b]`` steps (a negative length counts as 0)
    with a beam of ``beam_width`` prefixes, paths that collapse to the same labelling sharing
    one beam. Returns ``(decoded, log_probabilities)``: ``decoded`` a list of ``top_paths``
    SparseTensors (int64 labels, ``dense_shape [batch, longest]``), the k-th holding every
    row's k-th best labelling; ``log_probabilities`` ``[batch, top_paths]`` (the input dtype)
    their log probabilities. Repeated labels are not merged (TF 2 passes
    ``merge_repeated=False``). ``top_paths`` above ``beam_width``, or above the number of
    beams a row ends with, is an InvalidArgumentError, as in TF; a ``sequence_length`` above
    ``max_time`` is a FailedPreconditionError. No gradient. See the module docstring for
    TF's exact search order, which this reproduces (ties included)."""
    return _beam_search(inputs, sequence_length, beam_width, top_paths, False,
                        "ctc_beam_search_decoder")
