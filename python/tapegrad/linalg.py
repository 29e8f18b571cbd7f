"""tapegrad.linalg: TF's ``tf.linalg.*`` names that are products, transposes and diagonals.

Everything here is built from recorded ops (matmul, transpose, reshape, reduce_sum, gather,
multiply), so gradients of every order come from theirs. ``einsum`` and ``tensordot`` lower each
pairwise contraction to one (batched) ``matmul`` on the GEMM kernels, folding a transposed
operand into the GEMM's ``transpose_a`` / ``transpose_b`` instead of copying it where the
labels allow. ``inv``, ``det``, ``slogdet``, ``logdet``, ``cholesky``, ``cholesky_solve``,
``solve`` and ``triangular_solve``, and the decompositions ``eigh``, ``eigvalsh``, ``svd`` and
``qr``, take their values from numpy.linalg (LAPACK) and their gradients, TF's rules, from
recorded ops; ``pinv`` (from ``svd``) and ``lstsq`` (normal equations, from ``cholesky``) are
compositions of them. ``lu`` (a numpy LU with partial pivoting, TF's gradient), ``lu_solve``,
``lu_matrix_inverse``, ``lu_reconstruct``, ``tridiagonal_solve`` (numpy elimination, TF's
gradient), ``tridiagonal_matmul``, ``expm`` (TF's Padé scaling and squaring), ``set_diag``,
``tensor_diag``, ``tensor_diag_part``, ``cross``, ``matrix_rank``, ``normalize`` and
``global_norm`` are at the end. Not implemented among TF's decompositions: the general
(complex-valued) ``eig`` / ``eigvals``.
"""

import functools
import math
import numbers

import numpy as np

from . import _core
from ._array_ops import eye  # noqa: F401 (tf.linalg's name)
from .dtypes import float32, float64, int32, int64
from .errors import InvalidArgumentError
from .math import _value, l2_normalize  # noqa: F401

__all__ = ["matmul", "matvec", "matrix_transpose", "adjoint", "diag_part", "diag", "trace",
           "tensordot", "einsum", "norm", "eye", "l2_normalize"]

matmul = _core.matmul


def _tensor(x, op, what):
    """x as a tensor; a numpy integer or bool array keeps its dtype (as tf.constant)."""
    return _value(x, op, what)


def _require_float(ts, op):
    for t in ts:
        if t.dtype not in (float32, float64):
            raise TypeError(f"{op}: expected float32 or float64 operands, got {t.dtype.name} "
                            f"(cast with tapegrad.cast)")


def _at_least_matrix(x, op, what):
    x = _tensor(x, op, what)
    if x.ndim < 2:
        raise InvalidArgumentError(f"{op}: {what} must have rank >= 2, got shape {list(x.shape)}")
    return x


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Swaps the last two dimensions of ``a`` (rank >= 2), as ``tf.linalg.matrix_transpose``.
    ``conjugate`` changes nothing for the real dtypes tapegrad has."""
    a = _at_least_matrix(a, "matrix_transpose", "a")
    perm = list(range(a.ndim - 2)) + [a.ndim - 1, a.ndim - 2]
    return _core.transpose(a, perm)


def adjoint(matrix, name=None):
    """The conjugate transpose of the last two dimensions, as ``tf.linalg.adjoint``: for real
    dtypes, ``matrix_transpose``."""
    return matrix_transpose(matrix)


def matvec(a, b, transpose_a=False, adjoint_a=False, a_is_sparse=False, b_is_sparse=False,
           name=None):
    """Matrix times vector over the last dimensions, as ``tf.linalg.matvec``: ``a`` is
    ``[..., M, N]`` (``[..., N, M]`` with ``transpose_a`` or ``adjoint_a``), ``b`` is
    ``[..., N]``, the result ``[..., M]``; the leading dimensions broadcast."""
    a = _at_least_matrix(a, "matvec", "a")
    b = _tensor(b, "matvec", "b")
    if b.ndim < 1:
        raise InvalidArgumentError(f"matvec: b must have rank >= 1, got shape {list(b.shape)}")
    out = _core.matmul(a, _core.expand_dims(b, -1), transpose_a=bool(transpose_a or adjoint_a))
    return _core.squeeze(out, [-1])


def _diagonal_flat(x, rows, cols):
    """The main diagonal of the trailing [rows, cols] matrices of x: [..., min(rows, cols)]."""
    return _diagonal_of(x, list(x.shape[:-2]), rows, cols)


def _diagonal_of(x, lead, rows, cols):
    flat = _core.reshape(x, lead + [rows * cols])
    idx = np.arange(min(rows, cols), dtype=np.int64) * (cols + 1)
    return _core.gather(flat, idx, axis=-1)


_ALIGNS = ("RIGHT_LEFT", "LEFT_RIGHT", "LEFT_LEFT", "RIGHT_RIGHT")


def _band(k, op):
    """(lower, upper) diagonal indices from TF's ``k``: an int, or one or two ints (a list,
    tuple, numpy array or integer tensor)."""
    if isinstance(k, _core.Variable):
        k = k.read_value()
    v = k.numpy() if isinstance(k, _core.Tensor) else k
    arr = np.asarray(v)
    if isinstance(v, bool) or arr.dtype.kind not in "iu":
        raise TypeError(f"{op}: k must be an integer or a pair of integers, got {k!r:.40}")
    flat = arr.reshape(-1)
    if arr.ndim > 1 or flat.size not in (1, 2):
        raise InvalidArgumentError(f"{op}: diag_index must have only one or two elements, received "
                                   f"{flat.size} elements.")
    lo, hi = int(flat[0]), int(flat[-1])
    if lo > hi:
        raise InvalidArgumentError(f"{op}: lower_diag_index must not be larger than "
                                   f"upper_diag_index: {lo} > {hi}")
    return lo, hi


def _align(align, op):
    if align not in _ALIGNS:
        raise InvalidArgumentError(f"{op}: Value for attr 'align' of {align!r} is not in the list of "
                                   f"allowed values: {', '.join(_ALIGNS)}")
    return align.startswith("LEFT"), align.endswith("LEFT")


def _band_offset(d, m, n, max_len, left_super, left_sub):
    """Where diagonal d starts in its row of the packed ``[num_diags, max_len]`` diagonals
    (TF's ComputeOffset): 0 when left-aligned, else the padding before it."""
    if (d >= 0 and left_super) or (d <= 0 and left_sub):
        return 0
    return max_len - min(m + min(0, d), n - max(0, d))


def _check_band_bounds(lo, hi, m, n, op):
    for what, d in (("lower", lo), ("upper", hi)):
        if d != 0 and not -m < d < n:
            raise InvalidArgumentError(f"{op}: {what}_diag_index is out of bound: {d}. It must be "
                                       f"between {-m} and {n}")


def _padding(value, dtype, op):
    if isinstance(value, _core.Tensor):
        value = value.numpy()
    try:
        return np.asarray(value, dtype=dtype.as_numpy_dtype).reshape(())
    except (TypeError, ValueError):
        raise TypeError(f"{op}: padding_value must be a number (a scalar), got {value!r:.40}") from None


def _gather_padded(x, lead, idx, pad, dtype):
    """x [lead..., K] gathered at ``idx`` (numpy ints; K means the padding value)."""
    fill = _core._constant(np.full(tuple(lead) + (1,), pad, dtype=dtype.as_numpy_dtype), dtype)
    flat = _core.concat([x, fill], -1)
    return _core.gather(flat, _core._constant(np.ascontiguousarray(idx, np.int64), None), axis=-1)


def diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT"):  # noqa: A002
    """Diagonals of the last two dimensions, as ``tf.linalg.diag_part``: ``[..., M, N]`` gives
    the k-th diagonal ``[..., L]`` (k > 0 above the main one, k < 0 below; L its length), or
    with ``k = (lower, upper)`` the band ``[..., upper - lower + 1, max_len]``, from the
    ``upper`` diagonal down, the shorter ones padded with ``padding_value`` on the side
    ``align`` says (TF's 'RIGHT_LEFT' default: superdiagonals aligned right, subdiagonals
    left). A gather: differentiable."""
    op = "diag_part"
    x = _at_least_matrix(input, op, "input")
    lo, hi = _band(k, op)
    left_super, left_sub = _align(align, op)
    m, n = x.shape[-2], x.shape[-1]
    if lo == hi == 0:
        return _diagonal_flat(x, m, n)
    _check_band_bounds(lo, hi, m, n, op)
    pad = _padding(padding_value, x.dtype, op)
    max_len = max(min(m + min(hi, 0), n - max(lo, 0)), 0)
    rows = []
    for d in range(hi, lo - 1, -1):
        off = _band_offset(d, m, n, max_len, left_super, left_sub)
        j = np.arange(max_len) - off
        y, c = j + max(0, -d), j + max(0, d)
        ok = (j >= 0) & (y < m) & (c < n)
        rows.append(np.where(ok, y * n + c, m * n))
    idx = np.concatenate(rows)
    lead = list(x.shape[:-2])
    out = _gather_padded(_core.reshape(x, lead + [m * n]), lead, idx, pad, x.dtype)
    return _core.reshape(out, lead + ([max_len] if lo == hi else [hi - lo + 1, max_len]))


def _dim(v, op, what):
    if isinstance(v, _core.Tensor):
        v = v.numpy()
    if v is None:
        return -1
    if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer)) and \
            not (isinstance(v, np.ndarray) and v.ndim == 0 and v.dtype.kind in "iu"):
        raise TypeError(f"{op}: {what} must be an integer, got {v!r:.40}")
    return int(v)


def diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0,
         align="RIGHT_LEFT"):
    """Matrices with ``diagonal`` on their k-th diagonal and ``padding_value`` elsewhere, as
    ``tf.linalg.diag``: ``[..., L]`` gives ``[..., M, N]``, square (``L + |k|``) unless
    ``num_rows`` / ``num_cols`` say otherwise; with ``k = (lower, upper)``, ``diagonal`` is the
    band ``[..., upper - lower + 1, L]`` (from the ``upper`` diagonal down, each shorter one
    aligned as ``align`` says, TF's packing). Differentiable in ``diagonal``."""
    op = "diag"
    d = _tensor(diagonal, op, "diagonal")
    if d.ndim < 1:
        raise InvalidArgumentError(f"diag: diagonal must have rank >= 1, got shape {list(d.shape)}")
    lo, hi = _band(k, op)
    left_super, left_sub = _align(align, op)
    rows_arg, cols_arg = _dim(num_rows, op, "num_rows"), _dim(num_cols, op, "num_cols")
    pad = _padding(padding_value, d.dtype, op)
    if lo == hi == 0 and rows_arg == -1 and cols_arg == -1 and pad == 0:
        # d_j followed by n zeros, for each j, read back n to a row: d_j lands at (j, j). (No
        # product with an identity, which would turn an inf on the diagonal into NaNs beside it.)
        n = d.shape[-1]
        lead = list(d.shape[:-1])
        padded = _core._pad(_core.expand_dims(d, -1), [0] * (d.ndim + 1), [0] * d.ndim + [n])
        flat = _core.reshape(padded, lead + [n * (n + 1)])
        head = _core.slice(flat, [0] * d.ndim, lead + [n * n])
        return _core.reshape(head, lead + [n, n])
    num = hi - lo + 1
    if lo != hi and (d.ndim < 2 or d.shape[-2] != num):
        raise InvalidArgumentError(f"{op}: The number of diagonals provided in the input does not "
                                   f"match the lower_diag_index and upper_diag_index range (k=({lo}, "
                                   f"{hi}) needs {num}, diagonal has shape {list(d.shape)}).")
    max_len = d.shape[-1]
    min_rows, min_cols = max_len - min(hi, 0), max_len + max(lo, 0)
    if rows_arg == -1 and cols_arg == -1:
        m = n = max(min_rows, min_cols)
    else:
        m = min_rows if rows_arg == -1 else rows_arg
        n = min_cols if cols_arg == -1 else cols_arg
    if m < min_rows:
        raise InvalidArgumentError(f"{op}: The number of rows is too small.")
    if n < min_cols:
        raise InvalidArgumentError(f"{op}: The number of columns is too small.")
    if m != min_rows and n != min_cols:
        raise InvalidArgumentError(f"{op}: The number of rows or columns is not consistent with the "
                                   f"specified d_lower, d_upper, and diagonal.")
    y, c = np.indices((m, n))
    dd = c - y
    idx = np.full((m, n), num * max_len, dtype=np.int64)
    for dk in range(lo, hi + 1):
        off = _band_offset(dk, m, n, max_len, left_super, left_sub)
        at = dd == dk
        pos = (y if dk >= 0 else c) + off
        idx[at] = (hi - dk) * max_len + pos[at]
    lead = list(d.shape[:-1] if lo == hi else d.shape[:-2])
    out = _gather_padded(_core.reshape(d, lead + [num * max_len]), lead, idx.reshape(-1), pad, d.dtype)
    return _core.reshape(out, lead + [m, n])


def trace(x, name=None):
    """The sum of the main diagonal of the last two dimensions, as ``tf.linalg.trace``:
    ``[..., M, N]`` gives ``[...]``."""
    x = _at_least_matrix(x, "trace", "x")
    return _core.reduce_sum(_diagonal_flat(x, x.shape[-2], x.shape[-1]), [-1])


# ---------------------------------------------------------------------------------------------
# einsum / tensordot: operands carry one label per dimension; contractions go pairwise to matmul.

# A contraction is planned once per (equation, shapes) on shapes and labels alone, as a list of
# steps on registers (one per operand), then run on the tensors: a call costs the ops it runs.
# Steps: ("t", r, perm) transpose, ("r", r, shape) reshape, ("s", r, axes) reduce_sum,
# ("d", r, lead, rows, cols) main diagonal of the trailing matrices, ("m", r, q, ta, tb)
# r = matmul(r, q), ("x", r, q) r = r * q (broadcasting).

class _Planner:
    def __init__(self):
        self.steps = []

    def permute(self, r, shape, labels, order):
        if list(labels) == list(order):
            return shape, list(labels)
        perm = [labels.index(lab) for lab in order]
        self.steps.append(("t", r, perm))
        return tuple(shape[i] for i in perm), list(order)

    def reshape(self, r, shape, target):
        if tuple(shape) != tuple(target):
            self.steps.append(("r", r, list(target)))
        return tuple(target)

    def diagonals(self, r, shape, labels):
        """A label repeated in one operand ('ii->i') keeps the diagonal of those dimensions."""
        labels = list(labels)
        while len(set(labels)) < len(labels):
            lab = next(lab for lab in labels if labels.count(lab) > 1)
            i = labels.index(lab)
            j = labels.index(lab, i + 1)  # of the same size (_check_sizes)
            rest = [k for k in range(len(labels)) if k not in (i, j)]
            shape, labels = self._move_last(r, shape, labels, rest + [i, j])
            n = shape[-1]
            self.steps.append(("d", r, list(shape[:-2]), n, n))
            shape = shape[:-2] + (n,)
            labels = labels[:-2] + [lab]
        return shape, labels

    def _move_last(self, r, shape, labels, perm):
        if perm != list(range(len(perm))):
            self.steps.append(("t", r, perm))
        return tuple(shape[i] for i in perm), [labels[i] for i in perm]

    def sum_out(self, r, shape, labels, keep):
        """Sums the dimensions whose labels are not in ``keep``."""
        axes = [i for i, lab in enumerate(labels) if lab not in keep]
        if not axes:
            return shape, labels
        self.steps.append(("s", r, axes))
        return (tuple(d for d, lab in zip(shape, labels) if lab in keep),
                [lab for lab in labels if lab in keep])

    def pair(self, r, sa, la, q, sb, lb, keep):
        """r = the product of operands r and q summed over their shared labels not in
        ``keep``, as one batched matmul; returns its shape and labels (batch + left + right).
        Shared labels of different sizes are '...' dimensions, always kept: batch dimensions,
        where the matmul broadcasts a 1."""
        sa, la = self.sum_out(r, sa, la, keep | set(lb))
        sb, lb = self.sum_out(q, sb, lb, keep | set(la))
        size_a = dict(zip(la, sa))
        size_b = dict(zip(lb, sb))
        batch = [lab for lab in la if lab in size_b and lab in keep]
        contract = [lab for lab in la if lab in size_b and lab not in keep]
        left = [lab for lab in la if lab not in size_b]
        right = [lab for lab in lb if lab not in size_a]
        m = math.prod(size_a[lab] for lab in left)
        k = math.prod(size_a[lab] for lab in contract)
        n = math.prod(size_b[lab] for lab in right)
        if batch and (m * n == 1 or k == 1):
            # Batched dot products ('bi,bi->b') or outer products ('bi,bj->bij'): one
            # broadcasting multiply (and a sum), not a batch of 1-row or 1-deep GEMMs.
            # [batch, left, 1 (right), contract] * [batch, 1 (left), right, contract]
            sa, la = self.permute(r, sa, la, batch + left + contract)
            sb, lb = self.permute(q, sb, lb, batch + right + contract)
            nb, nl = len(batch), len(left)
            self.reshape(r, sa, list(sa[:nb + nl]) + [1] * len(right) + list(sa[nb + nl:]))
            self.reshape(q, sb, list(sb[:nb]) + [1] * nl + list(sb[nb:]))
            self.steps.append(("x", r, q))
            if contract:
                first = nb + nl + len(right)
                self.steps.append(("s", r, list(range(first, first + len(contract)))))
            bat = [max(size_a[lab], size_b[lab]) for lab in batch]
            return tuple(bat + [size_a[lab] for lab in left] + [size_b[lab] for lab in right]), \
                batch + left + right
        # Each operand as [batch..., rows, cols]: its labels already in either order of the
        # two groups means no copy, the GEMM reads it transposed.
        ta = la == batch + contract + left and la != batch + left + contract
        if not ta:
            sa, la = self.permute(r, sa, la, batch + left + contract)
        tb = lb == batch + right + contract and lb != batch + contract + right
        if not tb:
            sb, lb = self.permute(q, sb, lb, batch + contract + right)
        bat_a = [size_a[lab] for lab in batch]
        bat_b = [size_b[lab] for lab in batch]
        self.reshape(r, sa, bat_a + ([k, m] if ta else [m, k]))
        self.reshape(q, sb, bat_b + ([n, k] if tb else [k, n]))
        self.steps.append(("m", r, q, ta, tb))
        bat = [max(p, w) for p, w in zip(bat_a, bat_b)]
        shape = self.reshape(r, bat + [m, n], bat + [size_a[lab] for lab in left] +
                             [size_b[lab] for lab in right])
        return shape, batch + left + right


@functools.lru_cache(maxsize=512)
def _plan(shapes, labels, out_labels):
    """The steps of the einsum of operands of ``shapes`` and ``labels`` (tuples) into
    ``out_labels``, contracted left to right; the result is in register 0."""
    p = _Planner()
    out_set = set(out_labels)
    ops = [p.diagonals(r, s, lab) for r, (s, lab) in enumerate(zip(shapes, labels))]
    shape, lx = ops[0]
    for q in range(1, len(ops)):
        later = set(out_set)
        for _, lz in ops[q + 1:]:
            later.update(lz)
        shape, lx = p.pair(0, shape, lx, q, ops[q][0], ops[q][1], later)
    shape, lx = p.sum_out(0, shape, lx, out_set)
    p.permute(0, shape, lx, list(out_labels))
    return tuple(p.steps)


def _run(steps, tensors):
    regs = list(tensors)
    for st in steps:
        kind, r = st[0], st[1]
        if kind == "x":
            regs[r] = _core.multiply(regs[r], regs[st[2]])
        elif kind == "m":
            regs[r] = _core.matmul(regs[r], regs[st[2]], transpose_a=st[3], transpose_b=st[4])
        elif kind == "r":
            regs[r] = _core.reshape(regs[r], st[2])
        elif kind == "t":
            regs[r] = _core.transpose(regs[r], st[2])
        elif kind == "s":
            regs[r] = _core.reduce_sum(regs[r], st[2])
        else:
            _, _, lead, rows, cols = st
            regs[r] = _diagonal_of(regs[r], lead, rows, cols)
    return regs[0]


def _run_integer(steps, tensors):
    """``_run`` for int32 / int64 operands, in numpy int64 (wrapping, as TF's integer
    kernels: the sum of products modulo 2^64, then 2^32 for int32, is the same in any order);
    a constant of the operands' dtype (integer results have no gradient, as in TF)."""
    dtype = tensors[0].dtype
    regs = [t.numpy().astype(np.int64) for t in tensors]
    for st in steps:
        kind, r = st[0], st[1]
        if kind == "x":
            regs[r] = regs[r] * regs[st[2]]
        elif kind == "m":
            a = np.swapaxes(regs[r], -1, -2) if st[3] else regs[r]
            b = np.swapaxes(regs[st[2]], -1, -2) if st[4] else regs[st[2]]
            regs[r] = np.matmul(a, b)
        elif kind == "r":
            regs[r] = regs[r].reshape(st[2])
        elif kind == "t":
            regs[r] = regs[r].transpose(st[2])
        elif kind == "s":
            regs[r] = regs[r].sum(axis=tuple(st[2]))
        else:
            _, _, lead, rows, cols = st
            flat = regs[r].reshape(tuple(lead) + (rows * cols,))
            regs[r] = flat[..., np.arange(min(rows, cols), dtype=np.int64) * (cols + 1)]
    out = np.array(regs[0], dtype=dtype.as_numpy_dtype, order="C")  # ndim 0 stays 0
    return _core._constant(out, dtype)


def _run_any(steps, tensors):
    if tensors[0].dtype in (int32, int64):
        return _run_integer(steps, tensors)
    return _run(steps, tensors)


def _contract(operands, out_labels):
    """operands: [(tensor, labels)]; the einsum of them with output labels ``out_labels``."""
    steps = _plan(tuple(tuple(t.shape) for t, _ in operands),
                  tuple(tuple(lab) for _, lab in operands), tuple(out_labels))
    return _run_any(steps, [t for t, _ in operands])


def _is_tensor(x):
    return isinstance(x, (_core.Tensor, _core.Variable))


_PRODUCT_DTYPES = (float32, float64, int32, int64)


def _one_dtype(ts, op, kernel):
    """TF's kernel type check: every operand of the first one's dtype (else
    InvalidArgumentError, TF's message), that dtype float32, float64, int32 or int64."""
    want = ts[0].dtype
    for i, t in enumerate(ts):
        if t.dtype != want:
            raise InvalidArgumentError(f"{op}: cannot compute {kernel} as input #{i}(zero-based) "
                                       f"was expected to be a {want.name} tensor but is a "
                                       f"{t.dtype.name} tensor (operands must have one dtype)")


def _parse_einsum(equation, shapes):
    """Labels per operand and of the output, '...' expanded into per-dimension labels
    (strings of two or more characters, right-aligned across operands)."""
    eq = equation.replace(" ", "")
    if eq.count("->") > 1:
        raise ValueError(f"einsum: equation {equation!r} has more than one '->'")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: equation {equation!r} names {len(terms)} operand(s), "
                         f"got {len(shapes)} input(s)")

    def letters(term, where):
        body = term.replace("...", "", 1)
        if "." in body or (term.count("...") > 1):
            raise ValueError(f"einsum: {where} {term!r} of {equation!r}: '...' must appear whole "
                             "and at most once")
        bad = [c for c in body if not ("a" <= c <= "z" or "A" <= c <= "Z")]
        if bad:
            raise ValueError(f"einsum: {where} {term!r} of {equation!r}: subscripts must be "
                             f"letters a-z, A-Z, got {bad[0]!r}")
        return body

    ell_rank = 0
    parsed = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        body = letters(term, f"operand {i}")
        has_ell = "..." in term
        extra = len(shape) - len(body)
        if extra < 0 or (extra > 0 and not has_ell):
            raise InvalidArgumentError(
                f"einsum: operand {i} has shape {list(shape)} (rank {len(shape)}) but subscripts "
                f"{term!r} name {len(body)} dimension(s)")
        parsed.append((term, has_ell, extra))
        if has_ell:
            ell_rank = max(ell_rank, extra)

    def expand(term, extra):
        head, _, tail = term.partition("...")
        if "..." not in term:
            return list(term)
        return list(head) + [f"...{ell_rank - extra + j}" for j in range(extra)] + list(tail)

    labels = [expand(term, extra) for term, _, extra in parsed]
    if arrow:
        body = letters(rhs, "output")
        if "..." in rhs:
            out = expand(rhs, ell_rank)
        else:
            if ell_rank:
                raise ValueError(f"einsum: {equation!r}: the operands' '...' dimensions must appear "
                                 "in the output ('...' there)")
            out = list(body)
        dup = [lab for lab in body if body.count(lab) > 1]
        if dup:
            raise ValueError(f"einsum: output subscript {dup[0]!r} of {equation!r} appears twice")
        known = {lab for lab_list in labels for lab in lab_list}
        missing = [lab for lab in body if lab not in known]
        if missing:
            raise ValueError(f"einsum: output subscript {missing[0]!r} of {equation!r} is in no input")
    else:
        counts = {}
        for lab_list in labels:
            for lab in lab_list:
                if len(lab) == 1:
                    counts[lab] = counts.get(lab, 0) + 1
        out = [f"...{j}" for j in range(ell_rank)] + sorted(lab for lab, c in counts.items() if c == 1)
    return labels, out


def _check_sizes(shapes, labels, op):
    """Every label has one size across the operands (a '...' dimension may also be 1)."""
    seen = {}
    for i, (shape, labs) in enumerate(zip(shapes, labels)):
        for lab, d in zip(labs, shape):
            prev = seen.get(lab)
            if prev is None or prev[0] == d:
                seen[lab] = (d, i, shape) if prev is None else prev
            elif lab.startswith("...") and 1 in (prev[0], d):
                if d > prev[0]:
                    seen[lab] = (d, i, shape)
            else:
                what = "a '...' dimension" if lab.startswith("...") else f"subscript {lab!r}"
                raise InvalidArgumentError(
                    f"{op}: {what} has size {prev[0]} in operand {prev[1]} (shape {list(prev[2])}) "
                    f"and {d} in operand {i} (shape {list(shape)})")


@functools.lru_cache(maxsize=512)
def _einsum_steps(equation, shapes):
    labels, out = _parse_einsum(equation, shapes)
    _check_sizes(shapes, labels, "einsum")
    return _plan(shapes, tuple(tuple(lab) for lab in labels), tuple(out))


def einsum(equation, *inputs, **kwargs):
    """Einstein summation, as ``tf.einsum``: ``einsum('ij,jk->ik', a, b)`` is ``a @ b``.

    Subscripts are letters; ``'...'`` stands for the leading (broadcast) dimensions; without
    ``'->'`` the output is the subscripts that appear once, sorted (as numpy). A subscript
    repeated in one operand takes its diagonal (``'ii->i'``); subscripts missing from the
    output are summed. Operands are contracted left to right, each pair as one batched
    ``matmul``. ``optimize`` and ``name`` are accepted and ignored.

    Operands are float32, float64, int32 or int64, of one dtype, as TF's: tensors of two
    dtypes are an InvalidArgumentError; an input that is no tensor (a numpy array, a list) is
    converted to the dtype of the first tensor among the inputs (of the first input if none
    is one), as TF converts it (float to int truncates). Integer operands give an integer
    result, wrapping on overflow as TF's kernels, without a gradient; bool operands are a
    NotFoundError (TF has no kernel for them).
    """
    unknown = set(kwargs) - {"name", "optimize"}
    if unknown:
        raise TypeError(f"einsum: unexpected keyword argument {sorted(unknown)[0]!r}")
    if not inputs:
        raise ValueError("einsum: needs at least one input")
    # TF's type inference: the first tensor's dtype (else the first input's) is the op's;
    # inputs that are not tensors (numpy arrays, lists) are converted to it.
    first = next((x for x in inputs if _is_tensor(x)), inputs[0])
    want = _tensor(first, "einsum", "input").dtype
    ts = []
    for i, x in enumerate(inputs):
        t = _tensor(x, "einsum", f"input {i}")
        if not _is_tensor(x) and t.dtype != want:
            t = _core._constant(np.array(t.numpy(), dtype=want.as_numpy_dtype, order="C"), want)
        ts.append(t)
    if want not in _PRODUCT_DTYPES:
        from .errors import NotFoundError
        raise NotFoundError(f"einsum: no Einsum kernel for {want.name} operands (TF's kernels: "
                            f"float32, float64, int32, int64); cast them with tapegrad.cast")
    _one_dtype(ts, "einsum", "Einsum")
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a str, got {type(equation).__name__}")
    return _run_any(_einsum_steps(equation, tuple(tuple(t.shape) for t in ts)), ts)


def tensordot(a, b, axes, name=None):
    """The sum of products of ``a`` and ``b`` over the given axes, as ``tf.tensordot``:
    ``axes=N`` pairs the last N axes of ``a`` with the first N of ``b``; ``axes=[a_axes,
    b_axes]`` names them (ints or lists of equal length). The result has ``a``'s free
    dimensions, then ``b``'s. One matmul.

    ``a`` and ``b`` are float32, float64, int32 or int64 and of one dtype (each converted on
    its own: a numpy array keeps its dtype), else an InvalidArgumentError, as TF's MatMul.
    Integers give an integer result, wrapping on overflow as TF's, without a gradient."""
    a = _tensor(a, "tensordot", "a")
    b = _tensor(b, "tensordot", "b")
    _one_dtype((a, b), "tensordot", "MatMul")
    if a.dtype not in _PRODUCT_DTYPES:
        raise InvalidArgumentError(f"tensordot: Value for attr 'T' of {a.dtype.name} is not in the "
                                   f"list of allowed values (MatMul takes float32, float64, int32 "
                                   f"or int64 operands)")
    if isinstance(axes, _core.Tensor):
        axes = axes.numpy().tolist()
    if isinstance(axes, numbers.Integral) and not isinstance(axes, bool):
        n = int(axes)
        if n < 0 or n > a.ndim or n > b.ndim:
            raise InvalidArgumentError(f"tensordot: axes={n} must be in [0, min(rank a, rank b)] "
                                       f"for shapes {list(a.shape)} and {list(b.shape)}")
        ax_a, ax_b = list(range(a.ndim - n, a.ndim)), list(range(n))
    else:
        try:
            ax_a, ax_b = axes
        except (TypeError, ValueError):
            raise InvalidArgumentError(f"tensordot: axes must be an int or a pair of axis lists, "
                                       f"got {axes!r}") from None
        ax_a = [ax_a] if isinstance(ax_a, numbers.Integral) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, numbers.Integral) else list(ax_b)
        if len(ax_a) != len(ax_b):
            raise InvalidArgumentError(f"tensordot: axes name {len(ax_a)} axes of a and "
                                       f"{len(ax_b)} of b: {axes!r}")
    for axs, t, what in ((ax_a, a, "a"), (ax_b, b, "b")):
        for ax in axs:
            if not isinstance(ax, numbers.Integral) or not -t.ndim <= ax < t.ndim:
                raise InvalidArgumentError(f"tensordot: axis {ax!r} is out of range for {what} of "
                                           f"shape {list(t.shape)}")
    ax_a = [int(x) % a.ndim for x in ax_a]
    ax_b = [int(x) % b.ndim for x in ax_b]
    if len(set(ax_a)) != len(ax_a) or len(set(ax_b)) != len(ax_b):
        raise InvalidArgumentError(f"tensordot: an axis is named twice in {axes!r}")
    la = [f"a{i}" for i in range(a.ndim)]
    lb = [f"b{i}" for i in range(b.ndim)]
    for i, j in zip(ax_a, ax_b):
        if a.shape[i] != b.shape[j]:
            raise InvalidArgumentError(f"tensordot: axis {i} of a (shape {list(a.shape)}) has size "
                                       f"{a.shape[i]} but axis {j} of b (shape {list(b.shape)}) has "
                                       f"{b.shape[j]}")
        lb[j] = la[i]
    out = [lab for i, lab in enumerate(la) if i not in ax_a] + \
          [lab for j, lab in enumerate(lb) if j not in ax_b]
    return _contract([(a, la), (b, lb)], out)


# ---------------------------------------------------------------------------------------------
# Inverses, determinants, Cholesky and solvers. The values come from numpy.linalg (LAPACK, in
# the operands' own dtype, batched over the leading dimensions); each has a custom gradient
# written with recorded ops, among them calls to these same functions, so gradients of every
# order follow. The rules are TF's (tensorflow/python/ops/linalg_grad.py).

def _square(x, op, what="input"):
    t = _at_least_matrix(x, op, what)
    _require_float([t], op)
    if t.shape[-1] != t.shape[-2]:
        raise InvalidArgumentError(f"{op}: {what} must be square matrices (last two dimensions "
                                   f"equal), got shape {list(t.shape)}")
    return t


def _numpy_value(op, fn, dtype, *ts, fails=None):
    """fn(*arrays) as a constant of `dtype`; a numpy LinAlgError becomes `fails`."""
    return _numpy_values(op, lambda *arrays: (fn(*arrays),), dtype, *ts, fails=fails)[0]


def _numpy_values(op, fn, dtype, *ts, fails=None):
    """fn(*arrays) -> tuple of arrays, as constants of `dtype`; a numpy LinAlgError becomes
    InvalidArgumentError(`fails`)."""
    arrays = [t.numpy() for t in ts]
    try:
        with np.errstate(all="ignore"):
            outs = fn(*arrays)
    except np.linalg.LinAlgError:
        raise InvalidArgumentError(f"{op}: {fails}") from None
    npdt = dtype.as_numpy_dtype
    return tuple(_core._constant(np.array(o, dtype=npdt, order="C"), dtype) for o in outs)


def _swap_last(t):
    return _core.transpose(t, list(range(t.ndim - 2)) + [t.ndim - 1, t.ndim - 2])


def _scale_matrices(s, m):
    """s[..., None, None] * m: one scalar per matrix."""
    return _core.multiply(_core.expand_dims(_core.expand_dims(s, -1), -1), m)


def _custom(f):
    from ._custom_gradient import custom_gradient
    return custom_gradient(f)


def inv(input, adjoint=False, name=None):  # noqa: A002
    """The inverse of each square matrix in ``[..., M, M]`` (of its transpose with
    ``adjoint=True``), as ``tf.linalg.inv``. A singular matrix raises InvalidArgumentError.
    Gradient ``-inv(x)ᵀ · g · inv(x)ᵀ``, of every order."""
    x = _square(input, "inv")
    return _inv(_swap_last(x) if adjoint else x)


# Each rule below that needs its function's own result (inv(x) for inv, the solution for the
# solvers, L for cholesky) takes it again as a recorded call given the forward's values
# (`value`): no second LAPACK call, and the result stays a function of x for higher orders.
def _inv(x, value=None):
    @_custom
    def f(a):
        y = value if value is not None else \
            _numpy_value("inv", np.linalg.inv, a.dtype, a, fails="Input is not invertible.")

        def grad(dy):
            ya = _inv(a, y)
            return _core.negative(matmul(matmul(ya, dy, transpose_a=True), ya, transpose_b=True))
        return y, grad
    return f(x)


def det(input, name=None):  # noqa: A002
    """The determinant of each square matrix in ``[..., M, M]`` (shape ``[...]``), as
    ``tf.linalg.det``. Gradient ``g · det(x) · inv(x)ᵀ`` (TF's: it fails on a singular
    matrix, as TF's does), of every order."""
    return _det(_square(input, "det"))


def _det(x, value=None):
    @_custom
    def f(a):
        y = value if value is not None else _numpy_value("det", np.linalg.det, a.dtype, a)
        return y, lambda dy: _scale_matrices(_core.multiply(dy, _det(a, y)), inv(a, adjoint=True))
    return f(x)


def slogdet(input, name=None):  # noqa: A002
    """``(sign, log_abs_determinant)`` of each square matrix in ``[..., M, M]``, as
    ``tf.linalg.slogdet``: a singular matrix gives sign 0 and -inf. The gradient of the log
    is ``g · inv(x)ᵀ``, of every order; the sign has none."""
    x = _square(input, "slogdet")

    @_custom
    def _slogdet(a):
        with np.errstate(all="ignore"):
            sign, logabs = np.linalg.slogdet(a.numpy())
        sign = np.where(np.isnan(logabs), np.nan, sign)  # a NaN in the matrix: both NaN, as TF's
        dt = a.dtype.as_numpy_dtype
        outs = (_core._constant(np.asarray(sign, dtype=dt), a.dtype),
                _core._constant(np.asarray(logabs, dtype=dt), a.dtype))

        def grad(dsign, dlog):
            return _scale_matrices(dlog, inv(a, adjoint=True))
        return outs, grad
    return _slogdet(x)


def band_part(input, num_lower, num_upper, name=None):  # noqa: A002
    """Keeps the band of each matrix in ``[..., M, N]``: element (i, j) where ``i - j <=
    num_lower`` and ``j - i <= num_upper`` (a negative bound keeps that whole triangle),
    zeros elsewhere, as ``tf.linalg.band_part``. ``band_part(x, -1, 0)`` is the lower
    triangle, ``band_part(x, 0, 0)`` the diagonal."""
    x = _at_least_matrix(input, "band_part", "input")
    for what, v in (("num_lower", num_lower), ("num_upper", num_upper)):
        if isinstance(v, _core.Tensor):
            v = int(v.numpy())
        if not isinstance(v, numbers.Integral):
            raise TypeError(f"band_part: {what} must be an integer, got {type(v).__name__}")
    lo, up = int(np.asarray(num_lower)), int(np.asarray(num_upper))
    m, n = x.shape[-2], x.shape[-1]
    i = np.arange(m)[:, None]
    j = np.arange(n)[None, :]
    keep = ((lo < 0) | (i - j <= lo)) & ((up < 0) | (j - i <= up))
    if keep.all():
        return x
    zeros = _core._constant(np.zeros((), dtype=x.dtype.as_numpy_dtype), x.dtype)
    return _core.where(_core._constant(keep, None), x, zeros)


def cholesky(input, name=None):  # noqa: A002
    """The lower-triangular Cholesky factor L (``x = L Lᵀ``) of each symmetric positive
    definite matrix in ``[..., M, M]``, as ``tf.linalg.cholesky``: only the lower triangle of
    ``x`` is read. A matrix that is not positive definite gives NaN in its lower triangle
    (zeros above), the other matrices of the batch their factors, as TF 2's CPU kernel (which
    logs a warning and fills the lower triangle with NaN; it leaves the upper one unset).
    Gradient TF's (symmetric), of every order."""
    return _cholesky(_square(input, "cholesky"))


def _cholesky_values(mats):
    """numpy's Cholesky factors; a matrix LAPACK's potrf refuses (not positive definite)
    gets NaN in its lower triangle and zeros above, as TF's kernel."""
    try:
        return np.linalg.cholesky(mats)
    except np.linalg.LinAlgError:
        pass
    n = mats.shape[-1]
    flat = mats.reshape((-1, n, n))
    out = np.zeros_like(flat)
    failed = np.tril(np.full((n, n), np.nan, dtype=mats.dtype))
    for i, m in enumerate(flat):
        try:
            out[i] = np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            out[i] = failed
    return out.reshape(mats.shape)


def _cholesky(x, value=None):
    @_custom
    def f(a):
        y = value if value is not None else _numpy_value("cholesky", _cholesky_values, a.dtype, a)

        def grad(dy):
            l = _cholesky(a, y)
            n = l.shape[-1]
            l_inv = triangular_solve(l, eye(n, dtype=l.dtype), lower=True)
            middle = matmul(l, dy, transpose_a=True)
            half = np.tril(np.ones((n, n))) - 0.5 * np.eye(n)  # the lower triangle, diagonal halved
            middle = _core.multiply(middle, _core._constant(half.astype(l.dtype.as_numpy_dtype), l.dtype))
            g = matmul(matmul(l_inv, middle, transpose_a=True), l_inv)
            return _core.multiply(_core.add(g, _swap_last(g)), _core._constant(0.5, l.dtype))
        return y, grad
    return f(x)


def logdet(matrix, name=None):
    """The log of the determinant of each symmetric positive definite matrix in
    ``[..., M, M]``, as ``tf.linalg.logdet``: twice the sum of the logs of its Cholesky
    factor's diagonal."""
    l = cholesky(_square(matrix, "logdet", "matrix"))
    return _core.multiply(_core.reduce_sum(_core.log(diag_part(l)), [-1]), _core._constant(2.0, l.dtype))


def _system(matrix, rhs, op, square=True):
    """The (square, unless ``square=False``) matrices and right-hand sides of a solver, leading
    dimensions broadcast."""
    if square:
        a = _square(matrix, op, "matrix")
    else:
        a = _at_least_matrix(matrix, op, "matrix")
        _require_float([a], op)
    b = _at_least_matrix(rhs, op, "rhs")
    _require_float([b], op)
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: matrix and rhs must have one dtype, got {a.dtype.name} and {b.dtype.name}")
    if b.shape[-2] != a.shape[-2]:
        raise InvalidArgumentError(f"{op}: rhs must have {a.shape[-2]} rows to match matrix of shape "
                                   f"{list(a.shape)}, got shape {list(b.shape)}")
    try:
        batch = list(np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2])))
    except ValueError:
        raise InvalidArgumentError(f"{op}: the leading dimensions of matrix {list(a.shape)} and rhs "
                                   f"{list(b.shape)} do not broadcast") from None
    if list(a.shape[:-2]) != batch:
        a = _core.broadcast_to(a, batch + list(a.shape[-2:]))
    if list(b.shape[:-2]) != batch:
        b = _core.broadcast_to(b, batch + list(b.shape[-2:]))
    return a, b


def solve(matrix, rhs, adjoint=False, name=None):
    """X with ``matrix @ X = rhs`` (``matrixᵀ @ X = rhs`` with ``adjoint=True``) for each
    square matrix in ``[..., M, M]`` and right-hand sides ``[..., M, K]`` (leading dimensions
    broadcast), as ``tf.linalg.solve``. A singular matrix raises InvalidArgumentError.
    Gradients TF's, of every order."""
    a, b = _system(matrix, rhs, "solve")
    return _solve(a, b, adjoint)


def _solve(matrix, rhs, adjoint, value=None):
    @_custom
    def f(m, r):
        y = value if value is not None else _numpy_value(
            "solve", lambda mv, rv: np.linalg.solve(np.swapaxes(mv, -1, -2) if adjoint else mv, rv),
            m.dtype, m, r, fails="Input matrix is not invertible.")

        def grad(dy):
            gb = _solve(m, dy, not adjoint)
            c = _solve(m, r, adjoint, y)
            ga = matmul(c, gb, transpose_b=True) if adjoint else matmul(gb, c, transpose_b=True)
            return _core.negative(ga), gb
        return y, grad
    return f(matrix, rhs)


def _blocked_triangular(tri, r, lower, block=64):
    """Solves with the triangular ``tri`` by halves: the first half's solution updates the
    other half's right-hand side with one matrix product, so the work is O(n² k) in GEMMs
    (numpy has no triangular solver; a full LU solve of an n x n triangle costs O(n³)).
    Blocks of ``block`` rows or fewer are solved directly."""
    n = tri.shape[-1]
    if n <= block:
        return np.linalg.solve(tri, r)
    h = n // 2
    if lower:
        x1 = _blocked_triangular(tri[..., :h, :h], r[..., :h, :], lower, block)
        x2 = _blocked_triangular(tri[..., h:, h:], r[..., h:, :] - tri[..., h:, :h] @ x1,
                                 lower, block)
    else:
        x2 = _blocked_triangular(tri[..., h:, h:], r[..., h:, :], lower, block)
        x1 = _blocked_triangular(tri[..., :h, :h], r[..., :h, :] - tri[..., :h, h:] @ x2,
                                 lower, block)
    return np.concatenate([x1, x2], axis=-2)


def _triangular_values(m, r, lower):
    """Solves with the lower (upper) triangle of each m; a zero on its diagonal gives the
    infinities and NaNs of substitution, as TF's (which does not check), not an error."""
    tri = np.tril(m) if lower else np.triu(m)
    if np.isfinite(tri).all():  # else substitution, so NaN and inf spread as in TF's
        try:
            return _blocked_triangular(tri, r, lower)
        except np.linalg.LinAlgError:
            pass
    x = np.zeros(np.broadcast_shapes(tri.shape[:-1], r.shape[:-1]) + r.shape[-1:], dtype=r.dtype)
    n = tri.shape[-1]
    rows = range(n) if lower else range(n - 1, -1, -1)
    for i in rows:
        done = slice(0, i) if lower else slice(i + 1, n)  # the rows already solved
        s = r[..., i, :] - np.einsum("...j,...jk->...k", tri[..., i, done], x[..., done, :])
        x[..., i, :] = s / tri[..., i, i][..., None]
    return x


def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """X with ``L @ X = rhs`` for the lower triangle L of each square matrix in ``[..., M, M]``
    (the upper triangle with ``lower=False``; ``Lᵀ @ X = rhs`` with ``adjoint=True``),
    right-hand sides ``[..., M, K]``, leading dimensions broadcast, as
    ``tf.linalg.triangular_solve``. The other triangle is not read. Gradients TF's, of every
    order."""
    return _triangular_solve(matrix, rhs, lower, adjoint, "triangular_solve")


def _triangular_solve(matrix, rhs, lower, adjoint, op):
    a, b = _system(matrix, rhs, op)
    return _tsolve(a, b, lower, adjoint)


def _tsolve(matrix, rhs, lower, adjoint, value=None):
    def values(mv, rv):
        if adjoint:
            return _triangular_values(np.swapaxes(mv, -1, -2), rv, not lower)
        return _triangular_values(mv, rv, lower)

    @_custom
    def f(m, r):
        y = value if value is not None else _numpy_value("triangular_solve", values, m.dtype, m, r)

        def grad(dy):
            gb = _tsolve(m, dy, lower, not adjoint)
            c = _tsolve(m, r, lower, adjoint, y)
            ga = matmul(c, gb, transpose_b=True) if adjoint else matmul(gb, c, transpose_b=True)
            ga = band_part(ga, -1, 0) if lower else band_part(ga, 0, -1)
            return _core.negative(ga), gb
        return y, grad
    return f(matrix, rhs)


def cholesky_solve(chol, rhs, name=None):
    """X with ``A @ X = rhs`` for ``A = chol @ cholᵀ``, given the Cholesky factors ``chol``
    ``[..., M, M]`` (from ``cholesky``), as ``tf.linalg.cholesky_solve``."""
    y = _triangular_solve(chol, rhs, True, False, "cholesky_solve")
    return triangular_solve(chol, y, lower=True, adjoint=True)


__all__ += ["inv", "det", "slogdet", "logdet", "cholesky", "cholesky_solve", "solve",
            "triangular_solve", "band_part"]


# ---------------------------------------------------------------------------------------------
# Decompositions (eigh, eigvalsh, svd, qr) and what is built on them (pinv, lstsq). The values
# come from numpy.linalg as above; the gradients are TF's rules (linalg_grad.py: the self-adjoint
# eigen, SVD and QR ones) written with recorded ops on the decomposition's own outputs, taken
# again as a recorded call given the forward's values, so they differentiate to any order.
# pinv (from svd) and lstsq's fast path (from cholesky and cholesky_solve) are compositions of
# recorded calls, as TF's are: their gradients come from those of their parts.

def _const(x, dtype):
    return _core._constant(np.asarray(x, dtype=dtype.as_numpy_dtype), dtype)


def _columns(t, start, stop):
    """t[..., :, start:stop]."""
    return _core.slice(t, [0] * (t.ndim - 1) + [start], list(t.shape[:-1]) + [stop - start])


def _scale_columns(m, d):
    """m * d[..., None, :]: column j of each matrix times d_j."""
    return _core.multiply(m, _core.expand_dims(d, -2))


def _scale_rows(d, m):
    """d[..., :, None] * m: row i of each matrix times d_i."""
    return _core.multiply(_core.expand_dims(d, -1), m)


def _safe_reciprocal(x):
    """TF's _SafeReciprocal: x / (x² + 1e-20), finite (0) where x is 0."""
    return _core.divide(x, _core.add(_core.square(x), _const(1e-20, x.dtype)))


def _reciprocal_gaps(e):
    """The matrices F with F[i, j] = 1 / (e_j - e_i) off the diagonal (TF's safe reciprocal)
    and 0 on it; the diagonal is masked out, so no gradient reaches it (TF's matrix_set_diag)."""
    k = e.shape[-1]
    gaps = _core.subtract(_core.expand_dims(e, -2), _core.expand_dims(e, -1))
    off = _const(1.0 - np.eye(k), e.dtype)
    return _core.multiply(_safe_reciprocal(gaps), off)


def _lower_symmetric(g):
    """TF's last step for a function of a matrix's lower triangle: the lower triangle of
    g + gᵀ with the diagonal halved (the diagonal of g, the off-diagonal g_ij + g_ji)."""
    n = g.shape[-1]
    half = np.tril(np.ones((n, n))) - 0.5 * np.eye(n)
    return _core.multiply(_core.add(g, _swap_last(g)), _const(half, g.dtype))


_EIG_FAILS = "Self-adjoint eigen decomposition was not successful. The input might not be valid."


def _eigh_values(m, vectors=True):
    """numpy's eigh (eigvalsh); a NaN in a matrix's lower triangle (the part read) fails,
    as Eigen's solver in TF's kernel does (an inf gives NaNs, as there)."""
    if np.isnan(np.tril(m)).any():
        raise np.linalg.LinAlgError
    return tuple(np.linalg.eigh(m)) if vectors else (np.linalg.eigvalsh(m),)


def eigh(tensor, name=None):
    """``(e, v)``: the eigenvalues (ascending, ``[..., M]``) and eigenvectors (the columns of
    ``v``, ``[..., M, M]``) of each self-adjoint matrix in ``[..., M, M]``, as
    ``tf.linalg.eigh``; only the lower triangle of ``tensor`` is read. Each eigenvector's sign
    is LAPACK's (numpy.linalg.eigh). Gradient TF's: ``v (diag(ge) + F ∘ vᵀ gv) vᵀ`` with
    ``F_ij = 1/(e_j - e_i)``, returned as its lower triangle (symmetrised), of every order; it
    is not finite where two eigenvalues coincide, as TF's."""
    return _eigh(_square(tensor, "eigh", "tensor"))


def _eigh(x, value=None):
    @_custom
    def f(a):
        outs = value if value is not None else _numpy_values(
            "eigh", _eigh_values, a.dtype, a, fails=_EIG_FAILS)

        def grad(de, dv):
            e, v = _eigh(a, outs)
            vdv = matmul(v, dv, transpose_a=True)
            inner = _core.add(diag(de), _core.multiply(_reciprocal_gaps(e), vdv))
            return _lower_symmetric(matmul(v, matmul(inner, v, transpose_b=True)))
        return outs, grad
    return f(x)


def eigvalsh(tensor, name=None):
    """The eigenvalues (ascending, ``[..., M]``) of each self-adjoint matrix in
    ``[..., M, M]``, as ``tf.linalg.eigvalsh``; only the lower triangle is read. Gradient
    TF's, ``v diag(ge) vᵀ`` (lower triangle, symmetrised), of every order: it computes the
    eigenvectors again, as TF's does."""
    x = _square(tensor, "eigvalsh", "tensor")

    @_custom
    def f(a):
        (e,) = _numpy_values("eigvalsh", lambda m: _eigh_values(m, False), a.dtype, a,
                             fails=_EIG_FAILS)

        def grad(de):
            _, v = _eigh(a)
            return _lower_symmetric(matmul(_scale_columns(v, de), v, transpose_b=True))
        return e, grad
    return f(x)


def _svd_values(mats, full_matrices, compute_uv):
    """numpy's SVD as TF orders it, (s, u, v) (or (s,)); a matrix LAPACK does not converge on
    (NaN or inf in it) gives NaNs, as TF's (which does not check)."""
    def one(m):
        if not compute_uv:
            return (np.linalg.svd(m, compute_uv=False),)
        u, s, vh = np.linalg.svd(m, full_matrices=full_matrices)
        return s, u, np.swapaxes(vh, -1, -2)
    # LAPACK's gesdd (OpenBLAS 0.3.31) never returns on a matrix holding an inf when it
    # computes u and v, so non-finite matrices skip it: their results are all NaN.
    finite = np.isfinite(mats).all(axis=(-2, -1))
    if finite.all():
        try:
            return one(mats)
        except np.linalg.LinAlgError:
            pass
    lead = mats.shape[:-2]
    flat = mats.reshape((-1,) + mats.shape[-2:])
    parts = []
    for m, ok in zip(flat, finite.reshape(-1)):
        try:
            if not ok:
                raise np.linalg.LinAlgError
            parts.append(one(m))
        except np.linalg.LinAlgError:
            parts.append(tuple(np.full_like(p, np.nan) for p in one(np.zeros_like(m))))
    return tuple(np.stack([p[i] for p in parts]).reshape(lead + parts[0][i].shape)
                 for i in range(len(parts[0])))


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """The singular value decomposition of each matrix in ``[..., M, N]``, as
    ``tf.linalg.svd``: ``(s, u, v)`` with ``tensor = u @ diag(s) @ vᵀ`` (``v``, not ``vᵀ`` as
    numpy returns), ``s`` descending ``[..., P]`` (``P = min(M, N)``), ``u`` ``[..., M, P]``
    and ``v`` ``[..., N, P]`` (``[..., M, M]`` and ``[..., N, N]`` with ``full_matrices``);
    just ``s`` with ``compute_uv=False``. Signs of the singular vectors are LAPACK's. Gradients
    TF's, of every order; with ``full_matrices=True`` and ``|M - N| > 1`` the gradient raises
    NotImplementedError, as TF's."""
    x = _at_least_matrix(tensor, "svd", "tensor")
    _require_float([x], "svd")
    if not compute_uv:
        return _singular_values(x)
    return _svd(x, bool(full_matrices))


def _singular_values(x):
    @_custom
    def f(a):
        (s,) = _numpy_values("svd", lambda m: _svd_values(m, False, False), a.dtype, a)

        def grad(ds):
            _, u, v = _svd(a, False)
            return matmul(_scale_columns(u, ds), v, transpose_b=True)
        return s, grad
    return f(x)


def _svd(x, full, value=None):
    @_custom
    def f(a):
        outs = value if value is not None else _numpy_values(
            "svd", lambda m: _svd_values(m, full, True), a.dtype, a)

        def grad(ds, du, dv):
            rows, cols = a.shape[-2], a.shape[-1]
            if full and abs(rows - cols) > 1:
                raise NotImplementedError(
                    f"svd: the gradient with full_matrices=True is not implemented when the "
                    f"matrix dimensions differ by more than 1 (as TF's), got shape {list(a.shape)}; "
                    f"use full_matrices=False")
            s, u, v = _svd(a, full, outs)
            return _svd_grad(s, u, v, ds, du, dv, rows, cols, full)
        return outs, grad
    return f(x)


def _svd_grad(s, u, v, ds, du, dv, m, n, full):
    """TF's _SvdGrad for real matrices (Townsend's derivation for full_matrices=False)."""
    transposed = m > n
    if transposed:  # the gradient of aᵀ = v diag(s) uᵀ, transposed at the end
        m, n, u, v, du, dv = n, m, v, u, dv, du
    v1, dv1 = (v, dv) if v.shape[-1] == m else (_columns(v, 0, m), _columns(dv, 0, m))
    f = _reciprocal_gaps(_core.square(s))
    fu = _core.multiply(f, matmul(u, du, transpose_a=True))
    fv = _core.multiply(f, matmul(v1, dv1, transpose_a=True))
    inner = _core.add(diag(ds), _core.add(_scale_columns(_core.add(fu, _swap_last(fu)), s),
                                          _scale_rows(s, _core.add(fv, _swap_last(fv)))))
    g = matmul(u, matmul(inner, v1, transpose_b=True))
    if m != n:
        dv1t = _swap_last(dv1)
        rest = _core.subtract(dv1t, matmul(matmul(dv1t, v1), v1, transpose_b=True))
        if full:
            v2, dv2 = _columns(v, m, n), _columns(dv, m, n)
            rest = _core.subtract(rest, matmul(matmul(v1, dv2, transpose_a=True), v2, transpose_b=True))
        g = _core.add(g, matmul(_scale_columns(u, _safe_reciprocal(s)), rest))
    return _swap_last(g) if transposed else g


def qr(input, full_matrices=False, name=None):  # noqa: A002
    """``(q, r)`` with ``input = q @ r`` for each matrix in ``[..., M, N]``, as
    ``tf.linalg.qr``: ``q`` has orthonormal columns, ``r`` is upper triangular; ``q`` is
    ``[..., M, P]`` and ``r`` ``[..., P, N]`` (``P = min(M, N)``), or ``[..., M, M]`` and
    ``[..., M, N]`` with ``full_matrices``. The signs on ``r``'s diagonal are LAPACK's
    (Householder; not normalised, as TF's). Gradients TF's, of every order, for square, tall
    and wide matrices; with ``full_matrices=True`` and ``M > N`` the gradient raises
    NotImplementedError, as TF's."""
    x = _at_least_matrix(input, "qr", "input")
    _require_float([x], "qr")
    return _qr(x, bool(full_matrices))


def _qr(x, full, value=None):
    @_custom
    def f(a):
        mode = "complete" if full else "reduced"
        outs = value if value is not None else _numpy_values(
            "qr", lambda m: tuple(np.linalg.qr(m, mode=mode)), a.dtype, a)

        def grad(dq, dr):
            m, n = a.shape[-2], a.shape[-1]
            if full and m > n:
                raise NotImplementedError(
                    f"qr: the gradient is not implemented for matrices with more rows than columns "
                    f"and full_matrices=True (as TF's), got shape {list(a.shape)} (q "
                    f"{list(outs[0].shape)}, r {list(outs[1].shape)}); use full_matrices=False")
            q, r = _qr(a, full, outs)
            if m >= n:
                return _qr_grad_deep(q, r, dq, dr)
            # a = [x, y] with x square, r = [u, w]: the square case for x, and y = q w.
            y, u = _columns(a, m, n), _columns(r, 0, m)
            du, dw = _columns(dr, 0, m), _columns(dr, m, n)
            dx = _qr_grad_deep(q, u, _core.add(dq, matmul(y, dw, transpose_b=True)), du)
            return _core.concat([dx, matmul(q, dw)], -1)
        return outs, grad
    return f(x)


def _times_inverse_transpose(x, r):
    """x @ inv(r)ᵀ for upper-triangular r, by a triangular solve."""
    return _swap_last(triangular_solve(r, _swap_last(x), lower=False))


def _qr_grad_deep(q, r, dq, dr):
    """TF's QR gradient for M >= N (reduced): q [..., M, N], r [..., N, N]."""
    qdq = matmul(q, dq, transpose_a=True)
    rdr = matmul(r, dr, transpose_b=True)
    skew = _core.add(_core.subtract(qdq, _swap_last(qdq)), _core.subtract(rdr, _swap_last(rdr)))
    low = band_part(skew, -1, 0)
    ga = matmul(q, _core.add(dr, _times_inverse_transpose(low, r)))
    gb = _times_inverse_transpose(_core.subtract(dq, matmul(q, qdq)), r)
    return _core.add(ga, gb)


def pinv(a, rcond=None, validate_args=False, name=None):
    """The Moore-Penrose pseudo-inverse ``[..., N, M]`` of each matrix in ``[..., M, N]``, as
    ``tf.linalg.pinv``: ``v @ diag(1/s) @ uᵀ`` from ``svd``, singular values at or below
    ``rcond`` times the largest taken as zero (``rcond`` broadcasts against the leading
    dimensions; default ``10 * max(M, N) * eps`` of the dtype, TF's, not numpy's 1e-15).
    Gradients from svd's, of every order (the cut-off itself has none, as TF's)."""
    x = _at_least_matrix(a, "pinv", "a")
    _require_float([x], "pinv")
    m, n = x.shape[-2], x.shape[-1]
    npdt = x.dtype.as_numpy_dtype
    if rcond is None:
        rcond = 10.0 * max(m, n) * np.finfo(npdt).eps
    rc = rcond.numpy() if isinstance(rcond, _core.Tensor) else rcond
    try:
        rc = np.asarray(rc, dtype=npdt)
    except (TypeError, ValueError):
        raise TypeError(f"pinv: rcond must be a number or an array of numbers, got {rcond!r}") from None
    lead = tuple(x.shape[:-2])
    if min(m, n) == 0:
        return _core.reshape(_swap_last(x), list(lead) + [n, m])
    s, u, v = svd(x)
    sv = s.numpy()
    try:
        keep = np.broadcast_to(sv > np.asarray(rc * sv.max(axis=-1))[..., None], sv.shape)
    except ValueError:
        raise InvalidArgumentError(f"pinv: rcond of shape {list(rc.shape)} does not broadcast "
                                   f"against the leading dimensions {list(lead)} of a") from None
    # 1/inf = 0 where a singular value is cut off: no NaN in the gradient (TF's device).
    s = _core.where(_core._constant(np.ascontiguousarray(keep), None), s, _const(np.inf, x.dtype))
    return matmul(_core.divide(v, _core.expand_dims(s, -2)), u, transpose_b=True)


def lstsq(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """X minimising ``||matrix @ X - rhs||² + l2_regularizer ||X||²`` for each matrix in
    ``[..., M, N]`` and right-hand sides ``[..., M, K]`` (leading dimensions broadcast), as
    ``tf.linalg.lstsq``. With ``fast=True`` (TF's default), the normal equations by Cholesky:
    ``(AᵀA + λI)⁻¹ Aᵀ B`` for ``M >= N``, ``Aᵀ (AAᵀ + λI)⁻¹ B`` (the minimum-norm
    solution) for ``M < N``, built from ``cholesky`` and ``cholesky_solve`` so the gradients
    are theirs, of every order (none for ``l2_regularizer``); when the Gramian's Cholesky
    factorisation fails (a rank-deficient matrix with λ = 0) the solution is NaN, as TF's.
    With ``fast=False``, numpy.linalg.lstsq's minimum-norm least-squares solution (exact for
    rank-deficient matrices), ``l2_regularizer`` ignored, as TF documents; its gradient raises
    ValueError, as TF's."""
    a, b = _system(matrix, rhs, "lstsq", square=False)
    l2 = l2_regularizer.numpy() if isinstance(l2_regularizer, _core.Tensor) else l2_regularizer
    try:
        l2 = float(l2)
    except (TypeError, ValueError):
        raise TypeError(f"lstsq: l2_regularizer must be a number, got {l2_regularizer!r}") from None
    if not l2 >= 0:
        raise InvalidArgumentError(f"lstsq: l2_regularizer must be >= 0, got {l2}")
    if not fast:
        return _lstsq_robust(a, b)
    return _lstsq_fast(a, b, l2)


def _gram(a, l2):
    """AᵀA + λI for a tall (or square) A, AAᵀ + λI for a wide one."""
    tall = a.shape[-2] >= a.shape[-1]
    gram = matmul(a, a, transpose_a=tall, transpose_b=not tall)
    if l2 != 0:
        gram = _core.add(gram, _const(l2 * np.eye(min(a.shape[-2:])), a.dtype))
    return gram


def _lstsq_fast(a, b, l2, value=None):
    """lstsq's normal equations, with TF's gradient (_MatrixSolveLsGrad): one Cholesky solve
    and three products, reusing the forward's factor. ``value`` = (x, chol) of a forward
    already made: the recorded call the gradient differentiates again."""
    @_custom
    def f(av, bv):
        tall = av.shape[-2] >= av.shape[-1]
        if value is not None:
            x, chol = value
        else:
            chol = cholesky(_gram(av, l2))  # NaN for a rank-deficient matrix with λ = 0
            if tall:
                x = cholesky_solve(chol, matmul(av, bv, transpose_a=True))
            else:
                x = matmul(av, cholesky_solve(chol, bv), transpose_a=True)

        def grad(dx):
            c = _cholesky(_gram(av, l2), chol)  # the forward's factor, as a recorded call
            if tall:
                xr = _lstsq_fast(av, bv, l2, (x, chol))
                z = cholesky_solve(c, dx)
                xz = matmul(xr, z, transpose_b=True)
                grad_a = _core.subtract(matmul(bv, z, transpose_b=True),
                                        matmul(av, _core.add(xz, _swap_last(xz))))
                return grad_a, matmul(av, z)
            grad_b = cholesky_solve(c, matmul(av, dx))
            tmp = cholesky_solve(c, bv)
            a1 = matmul(grad_b, matmul(tmp, av, transpose_a=True))
            a2 = matmul(tmp, _core.subtract(dx, matmul(av, grad_b, transpose_a=True)),
                        transpose_b=True)
            return _core.subtract(a2, a1), grad_b
        return x, grad
    return f(a, b)


def _lstsq_robust(a, b):
    def values(av, bv):
        out = np.empty(av.shape[:-2] + (av.shape[-1], bv.shape[-1]), dtype=np.result_type(av, bv))
        for idx in np.ndindex(*av.shape[:-2]):
            if np.isfinite(av[idx]).all() and np.isfinite(bv[idx]).all():
                out[idx] = np.linalg.lstsq(av[idx], bv[idx], rcond=None)[0]
            else:  # LAPACK's gelsd rejects an inf (it prints to stderr): NaN, as TF's kernel
                out[idx] = np.nan
        return (out,)

    @_custom
    def f(m, r):
        (y,) = _numpy_values("lstsq", values, m.dtype, m, r)

        def grad(dy):
            raise ValueError("lstsq: the gradient is not defined for fast=False (as TF's); "
                             "use fast=True")
        return y, grad
    return f(a, b)


__all__ += ["eigh", "eigvalsh", "svd", "qr", "pinv", "lstsq"]


# ---------------------------------------------------------------------------------------------
# TF 2's other tf.linalg functions: global_norm, normalize, set_diag, tensor_diag,
# tensor_diag_part, cross, matrix_rank; lu (numpy's partial-pivoting LU, TF's packed format,
# with a custom gradient written with recorded ops) and the functions of its factors (lu_solve,
# lu_matrix_inverse, lu_reconstruct: compositions of triangular_solve, matmul and gathers);
# tridiagonal_solve (Gaussian elimination with partial pivoting in numpy, TF's gradient) and
# tridiagonal_matmul; expm (TF's scaling and squaring with Padé approximants, recorded ops).

def global_norm(t_list, name=None):
    """``sqrt(sum of every element squared)`` over all the tensors of ``t_list`` (None entries
    skipped), as ``tf.linalg.global_norm``; ``tf.clip_by_global_norm`` computes the same norm.
    The tensors must be float and of one dtype. Differentiable (NaN at an all-zero list, as
    TF's)."""
    import collections.abc
    from ._array_ops import _global_norm
    op = "global_norm"
    if isinstance(t_list, (_core.Tensor, _core.Variable, str, bytes)) or \
            not isinstance(t_list, collections.abc.Sequence):
        raise TypeError(f"{op}: `t_list` should be a sequence of tensors. Received "
                        f"{type(t_list).__name__}.")
    present = [_tensor(t, op, f"t_list[{i}]") for i, t in enumerate(t_list) if t is not None]
    if not present:  # an empty list (or only None): 0.0, as TF's
        return _const(0.0, float32)
    _require_float(present, op)
    for t in present[1:]:
        if t.dtype != present[0].dtype:
            raise TypeError(f"{op}: the tensors must have one dtype, got {present[0].dtype.name} and "
                            f"{t.dtype.name}")
    return _global_norm(present)


_VECTOR_ORDS = ("euclidean", 1, 2, np.inf)
_MATRIX_ORDS = ("euclidean", "fro", 1, 2, np.inf)


def _is_ord(ord, allowed):  # noqa: A002
    """``ord in allowed`` as TF tests it (by ==), without numpy's elementwise comparisons."""
    if isinstance(ord, str):
        return ord in allowed
    if isinstance(ord, (numbers.Real, np.generic)) and np.ndim(ord) == 0:
        return any(not isinstance(a, str) and bool(ord == a) for a in allowed)
    return False


def _norm_args(ord, axis, op):  # noqa: A002
    """TF's checks of ``ord`` and ``axis`` (ValueError, TypeError for a non-number ord):
    (is_matrix_norm, axis as a tuple or None)."""
    matrix = isinstance(axis, (tuple, list)) and len(axis) == 2
    if matrix:
        axis = tuple(axis)
        if not isinstance(axis[0], int) or not isinstance(axis[1], int) or axis[0] == axis[1]:
            raise ValueError(f"{op}: 'axis' must be None, an integer, or a tuple of 2 unique "
                             f"integers, got {axis}")
        if not _is_ord(ord, _MATRIX_ORDS):
            raise ValueError(f"{op}: 'ord' must be a supported matrix norm in ['euclidean', "
                             f"'fro', 1, 2, inf], got {ord}")
        return True, axis
    if not (axis is None or isinstance(axis, int)):
        raise ValueError(f"{op}: 'axis' must be None, an integer, or a tuple of 2 unique "
                         f"integers, got {axis}")
    if not _is_ord(ord, _VECTOR_ORDS):
        if isinstance(ord, str):
            raise ValueError(f"{op}: 'ord' must be a supported vector norm, got {ord}")
        if not (isinstance(ord, (numbers.Real, np.generic)) and np.ndim(ord) == 0
                and np.isreal(ord)):
            raise TypeError(f"{op}: 'ord' must be 'euclidean', 1, 2, np.inf or a positive real "
                            f"number, got {ord!r:.40}")
        if not ord > 0:
            raise ValueError(f"{op}: 'ord' must be a supported vector norm, got {ord}")
    return False, None if axis is None else (axis,)


def _norm_axes(axis, rank, op):
    """The axes non-negative, each checked against the rank (InvalidArgumentError)."""
    if axis is None:
        return None
    out = []
    for a in axis:
        if not -rank <= a < max(rank, 1) or rank == 0:
            raise InvalidArgumentError(f"{op}: Invalid reduction dimension ({a} for input with "
                                       f"{rank} dimension(s))")
        out.append(a % rank)
    return out


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):  # noqa: A002
    """The norm of ``tensor``, as ``tf.norm`` / ``tf.linalg.norm``, TF's computation step by step.

    ``axis`` None (the whole tensor, as one vector) or an int: a vector norm, ``ord``
    ``'euclidean'`` / 2 (``sqrt(sum x²)``), 1 (``sum |x|``), ``np.inf`` (``max |x|``) or any
    positive real p (``(sum |x|^p)^(1/p)``). ``axis`` a pair of distinct ints (a tuple or list):
    the matrix norm over those two axes, ``ord`` ``'fro'`` / ``'euclidean'`` (the Frobenius
    norm), 1 (the largest sum of |x| over ``axis[0]``), ``np.inf`` (the largest sum over
    ``axis[1]``) or 2 (the largest singular value, from ``svd``). The result has those axes
    removed, or kept as size 1 with ``keepdims``.

    As TF's: other ``ord`` / ``axis`` values (numpy ints as axes, ``'fro'`` for a vector, p <= 0)
    are a ValueError (a TypeError for an ``ord`` that is no number); an axis out of range an
    InvalidArgumentError. Integer tensors: ord 1 and ``np.inf`` give an integer result, the
    orders that take a square root or a singular value an InvalidArgumentError, the other p a
    TypeError; bool a TypeError. An empty reduction gives 0, except a maximum over nothing:
    ``-inf`` (e.g. ``np.inf`` of an empty vector). No rescaling: 1e20 squared overflows to inf.

    Gradients are those of the ops (TF's numbers): NaN for the 2-norm and the p-norms (p > 1)
    of zeros, 0 for ord 1 and ``np.inf`` there (``|x|``'s slope at 0 is 0), ties of a maximum
    share its gradient equally; the matrix 2-norm's is ``u vᵀ`` of the top singular vectors.
    Second order where TF has one: through ``svd``'s gradient for the matrix 2-norm.
    """
    op = "norm"
    keep = bool(keepdims) if keepdims is not None else False
    matrix, axes = _norm_args(ord, axis, op)
    x = _tensor(tensor, op, "tensor")
    if x.dtype not in (float32, float64, int32, int64):
        raise TypeError(f"{op}: expected a float32, float64, int32 or int64 tensor, got "
                        f"{x.dtype.name}")
    is_int = x.dtype in (int32, int64)
    rank = x.ndim
    two = _is_ord(ord, ("fro", "euclidean", 2))
    if is_int and not two and not _is_ord(ord, (1, np.inf)) and float(ord) != int(ord):
        # TF's first step |x|^p fails before any reduction (an integral p fails after).
        raise TypeError(f"{op}: Cannot convert {float(ord)!r} to a tensor of dtype "
                        f"{x.dtype.name} (ord={ord!r} needs a float32 or float64 tensor)")
    pos = _norm_axes(axes, rank, op)
    if two and matrix and pos[0] == pos[1]:
        if _is_ord(ord, (2,)):
            raise ValueError(f"{op}: axis {axis} names one axis twice for a tensor of rank {rank}")
        raise InvalidArgumentError(f"{op}: Invalid reduction arguments: Axes contains duplicate "
                                   f"dimension: {pos[0]}")
    if is_int and not _is_ord(ord, (1, np.inf)):
        if two:
            raise InvalidArgumentError(f"{op}: Value for attr 'T' of {x.dtype.name} is not in the "
                                       f"list of allowed values (ord={ord!r} needs a float32 or "
                                       f"float64 tensor; cast with tapegrad.cast)")
        raise TypeError(f"{op}: Cannot convert {1.0 / float(ord)!r} to a tensor of dtype "
                        f"{x.dtype.name} (ord={ord!r} needs a float32 or float64 tensor)")
    if two and matrix and _is_ord(ord, (2,)):
        # TF's: move the two axes last, the largest |singular value| of each matrix, back.
        rest = [i for i in range(rank) if i not in pos]
        perm = rest + pos
        s = _singular_values(_core.transpose(x, perm) if perm != list(range(rank)) else x)
        top = _core.expand_dims(_core.reduce_max(_core.abs(s), [-1], True), -1)
        inverse = [perm.index(i) for i in range(rank)]
        result = _core.transpose(top, inverse) if inverse != list(range(rank)) else top
    elif two:
        result = _core.sqrt(_core.reduce_sum(_core.square(x), pos, True))
    else:
        result = _core.abs(x)
        if _is_ord(ord, (1,)):
            result = _core.reduce_sum(result, None if pos is None else pos[:1], True)
            if matrix:
                result = _core.reduce_max(result, pos[-1:], True)
        elif _is_ord(ord, (np.inf,)):
            if matrix:
                result = _core.reduce_sum(result, pos[1:], True)
            result = _core.reduce_max(result, None if pos is None else pos[:1], True)
        else:  # a p-norm, p > 0
            p = float(ord)
            summed = _core.reduce_sum(_core.pow(result, p), pos, True)
            result = _core.pow(summed, 1.0 / p)
    if keep:
        return result
    if axes is None:
        return _core.reshape(result, [])
    return _core.squeeze(result, sorted(set(pos)))


def normalize(tensor, ord="euclidean", axis=None, name=None):  # noqa: A002 (TF's name)
    """``(tensor / n, n)`` with ``n = norm(tensor, ord, axis, keepdims=True)``, as
    ``tf.linalg.normalize`` (the orders and axes of ``norm``, its errors). A zero slice gives
    NaN (0 / 0). An integer tensor (ord 1 or ``np.inf``): the quotient in float64, the norm
    integer, as TF's true division. Differentiable."""
    t = _tensor(tensor, "normalize", "tensor")
    n = norm(t, ord=ord, axis=axis, keepdims=True)
    if t.dtype in (int32, int64):
        return _core.divide(_core.cast(t, float64), _core.cast(n, float64)), n
    return _core.divide(t, n), n


def set_diag(input, diagonal, name="set_diag", k=0, align="RIGHT_LEFT"):  # noqa: A002
    """``input`` (``[..., M, N]``) with its k-th diagonal replaced by ``diagonal``
    (``[..., L]``, L the diagonal's length; k > 0 above the main diagonal, k < 0 below), or
    with ``k = (lower, upper)`` the band replaced by ``diagonal`` ``[..., upper - lower + 1,
    max_len]`` (packed as ``diag_part`` gives it, ``align`` TF's), as ``tf.linalg.set_diag``;
    a diagonal of another shape is an InvalidArgumentError. A gather and a where:
    differentiable in both."""
    op = "set_diag"
    x = _at_least_matrix(input, op, "input")
    d = _tensor(diagonal, op, "diagonal")
    if d.dtype != x.dtype:
        raise TypeError(f"{op}: diagonal must have input's dtype {x.dtype.name}, got {d.dtype.name}")
    lo, hi = _band(k, op)
    left_super, left_sub = _align(align, op)
    m, n = x.shape[-2], x.shape[-1]
    if m and n:
        for what, v in (("lower", lo), ("upper", hi)):
            if not -m < v < n:
                raise InvalidArgumentError(f"{op}: diagonal index k={v} is out of bounds for "
                                           f"matrices of shape [{m}, {n}] (it must be in ({-m}, "
                                           f"{n}); TF: {what}_diag_index is out of bound)")
    max_len = max(min(m + min(hi, 0), n - max(lo, 0)), 0)
    want = list(x.shape[:-2]) + ([max_len] if lo == hi else [hi - lo + 1, max_len])
    if list(d.shape) != want:
        raise InvalidArgumentError(f"{op}: diagonal must have shape {want} for input of shape "
                                   f"{list(x.shape)} and k={lo if lo == hi else (lo, hi)}, got "
                                   f"{list(d.shape)}")
    if max_len == 0:
        return _core.identity(x)
    y, c = np.indices((m, n))
    dd = c - y
    mask = (dd >= lo) & (dd <= hi)
    idx = np.zeros((m, n), dtype=np.int64)
    for dk in range(lo, hi + 1):
        off = _band_offset(dk, m, n, max_len, left_super, left_sub)
        at = dd == dk
        idx[at] = (hi - dk) * max_len + ((y if dk >= 0 else c) + off)[at]
    flat = _core.reshape(d, list(x.shape[:-2]) + [(hi - lo + 1) * max_len])
    full = _core.reshape(_core.gather(flat, _core._constant(idx.reshape(-1), None), axis=-1),
                         list(x.shape))
    return _core.where(_core._constant(mask, None), full, x)


def tensor_diag(diagonal, name=None):
    """The tensor of rank 2k with ``diagonal`` (rank k >= 1) on its diagonal,
    ``output[i1..ik, i1..ik] = diagonal[i1..ik]`` and 0 elsewhere, as ``tf.linalg.tensor_diag``
    (``tf.linalg.diag`` of the flattened values, reshaped). Differentiable."""
    op = "tensor_diag"
    d = _tensor(diagonal, op, "diagonal")
    if d.ndim < 1:
        raise InvalidArgumentError(f"{op}: Input must be at least rank 1, got shape {list(d.shape)}")
    if d.dtype.name == "bool":
        raise TypeError(f"{op}: diagonal must be a float or integer tensor, got bool")
    n = int(np.prod(d.shape, dtype=np.int64))
    if n * n > 2 ** 31 - 1:
        raise InvalidArgumentError(f"{op}: the result would have {n * n} elements (diagonal shape "
                                   f"{list(d.shape)}), more than {2 ** 31 - 1}")
    return _core.reshape(diag(_core.reshape(d, [n])), list(d.shape) * 2)


def tensor_diag_part(input, name=None):  # noqa: A002
    """The diagonal ``output[i1..ik] = input[i1..ik, i1..ik]`` of a tensor of rank 2k whose
    shape is ``[D1..Dk, D1..Dk]``, as ``tf.linalg.tensor_diag_part``; another rank or shape is
    an InvalidArgumentError. A gather: differentiable."""
    op = "tensor_diag_part"
    x = _tensor(input, op, "input")
    r = x.ndim
    if r == 0 or r % 2:
        raise InvalidArgumentError(f"{op}: the rank of the tensor should be even and positive, got "
                                   f"shape {list(x.shape)}")
    k = r // 2
    if list(x.shape[:k]) != list(x.shape[k:]):
        raise InvalidArgumentError(f"{op}: Invalid shape {list(x.shape)}: the first {k} dimensions "
                                   f"must equal the last {k}")
    n = int(np.prod(x.shape[:k], dtype=np.int64))
    flat = _core.reshape(x, [n * n])
    out = _core.gather(flat, _core._constant(np.arange(n, dtype=np.int64) * (n + 1), None), axis=0)
    return _core.reshape(out, list(x.shape[:k]))


def cross(a, b, name=None):
    """The cross product of 3-vectors along the last dimension (size 3 in both), as
    ``tf.linalg.cross``; the leading dimensions broadcast (TF's needs equal shapes). Float or
    integer tensors of one dtype. Gathers, products and a difference: differentiable."""
    op = "cross"
    x, y = _tensor(a, op, "a"), _tensor(b, op, "b")
    for t, what in ((x, "a"), (y, "b")):
        if t.dtype.name == "bool":
            raise TypeError(f"{op}: {what} must be a float or integer tensor, got bool")
        if t.ndim < 1 or t.shape[-1] != 3:
            raise InvalidArgumentError(f"{op}: the last dimension of {what} must be 3, got shape "
                                       f"{list(t.shape)}")
    if x.dtype != y.dtype:
        raise TypeError(f"{op}: a and b must have one dtype, got {x.dtype.name} and {y.dtype.name}")
    try:
        np.broadcast_shapes(tuple(x.shape), tuple(y.shape))
    except ValueError:
        raise InvalidArgumentError(f"{op}: the leading dimensions of a {list(x.shape)} and b "
                                   f"{list(y.shape)} do not broadcast") from None
    yzx = _core._constant(np.array([1, 2, 0], np.int64), None)
    zxy = _core._constant(np.array([2, 0, 1], np.int64), None)
    x1, x2 = _core.gather(x, yzx, axis=-1), _core.gather(x, zxy, axis=-1)
    y1, y2 = _core.gather(y, yzx, axis=-1), _core.gather(y, zxy, axis=-1)
    return _core.subtract(_core.multiply(x1, y2), _core.multiply(x2, y1))


def matrix_rank(a, tol=None, validate_args=False, name=None):
    """The number of singular values of each matrix in ``[..., M, N]`` above ``tol``, an int32
    tensor ``[...]``, as ``tf.linalg.matrix_rank``; ``tol`` defaults to TF's ``eps * max(M,
    N) * max(singular value)`` (no factor 10, unlike ``pinv``'s rcond). Singular values from
    numpy's SVD. No gradient."""
    op = "matrix_rank"
    x = _tensor(a, op, "a")
    if not x.dtype.is_floating:
        raise TypeError(f"{op}: Input `a` must have `float`-like `dtype` (saw {x.dtype.name}).")
    if x.ndim < 2:
        raise ValueError(f"{op}: Input `a` must have at least 2 dimensions (saw: {x.ndim}, shape "
                         f"{list(x.shape)}).")
    m, n = x.shape[-2], x.shape[-1]
    npdt = x.dtype.as_numpy_dtype
    if min(m, n) == 0:
        return _core._constant(np.zeros(x.shape[:-2], np.int32), None)
    (s,) = _svd_values(x.numpy(), False, False)
    if tol is None:
        cut = np.finfo(npdt).eps * max(m, n) * s.max(axis=-1, keepdims=True)
    else:
        t = tol.numpy() if isinstance(tol, _core.Tensor) else tol
        try:
            cut = np.asarray(t, dtype=npdt)
        except (TypeError, ValueError):
            raise TypeError(f"{op}: tol must be a number or an array of numbers, got {tol!r:.40}") from None
    try:
        rank = np.sum(s > cut, axis=-1).astype(np.int32)
    except ValueError:
        raise InvalidArgumentError(f"{op}: tol of shape {list(np.shape(cut))} does not broadcast "
                                   f"against the singular values {list(s.shape)}") from None
    return _core._constant(np.array(rank, dtype=np.int32), None)


# -- LU --------------------------------------------------------------------------------------

import collections as _collections  # noqa: E402

Lu = _collections.namedtuple("Lu", ["lu", "p"])


def _unit_lower_solve(lower, rhs):
    """Solves with unit lower-triangular matrices (their strict lower triangles given)."""
    h = lower.shape[-1]
    return _blocked_triangular(np.tril(lower, -1) + np.eye(h, dtype=lower.dtype), rhs, True)


def _lu_panel(a, perm, c0, c1):
    """Factors columns c0..c1 of the batch ``a`` (rows c0..n) in place, LAPACK's recursive
    way: the left half, then U12 by a unit-lower solve, the Schur update of the right half as
    one matrix product, then the right half; panels of 16 columns or fewer column by column.
    Row interchanges swap whole rows (and ``perm``); the pivot is the first entry of largest
    magnitude in its column (LAPACK's idamax, Eigen's), a zero column is skipped."""
    w = c1 - c0
    if w <= 16:
        batch = np.arange(a.shape[0])
        n = a.shape[1]
        for k in builtins_range(c0, c1):
            p = np.argmax(np.abs(a[:, k:, k]), axis=1) + k
            swap = p != k
            if swap.any():
                bs, ps = batch[swap], p[swap]
                rows = a[bs, k, :].copy()
                a[bs, k, :] = a[bs, ps, :]
                a[bs, ps, :] = rows
                idx = perm[bs, k].copy()
                perm[bs, k] = perm[bs, ps]
                perm[bs, ps] = idx
            if k + 1 < n:
                piv = a[:, k, k]
                a[:, k + 1:, k] /= np.where(piv != 0, piv, 1)[:, None]
                if k + 1 < c1:
                    a[:, k + 1:, k + 1:c1] -= a[:, k + 1:, k:k + 1] * a[:, k:k + 1, k + 1:c1]
        return
    h = w // 2
    m = c0 + h
    _lu_panel(a, perm, c0, m)
    a[:, c0:m, m:c1] = _unit_lower_solve(a[:, c0:m, c0:m], a[:, c0:m, m:c1])
    a[:, m:, m:c1] -= a[:, m:, c0:m] @ a[:, c0:m, m:c1]
    _lu_panel(a, perm, m, c1)


builtins_range = range


def _lu_values(mats):
    """(lu, perm) of each square matrix in ``mats`` [..., n, n]: ``lu`` packs the unit lower
    factor L (below the diagonal) and U (on and above it), ``perm`` the rows: ``L @ U ==
    mats[..., perm, :]``."""
    shape = mats.shape
    n = shape[-1]
    if mats.size == 0:
        return np.array(mats, copy=True), np.zeros(shape[:-1], np.int64) + np.arange(n, dtype=np.int64)
    work = np.array(mats.reshape((-1, n, n)), order="C", copy=True)
    perm = np.array(np.broadcast_to(np.arange(n, dtype=np.int64), (work.shape[0], n)))
    if n and work.shape[0]:
        with np.errstate(all="ignore"):
            _lu_panel(work, perm, 0, n)
    return work.reshape(shape), perm.reshape(shape[:-1])


def _rows_of(x, perm):
    """``x[..., perm, :]`` per matrix (perm: numpy ints [..., n] with x's leading shape): one
    gather on the flattened rows."""
    n, k = x.shape[-2], x.shape[-1]
    lead = list(x.shape[:-2])
    nb = int(np.prod(lead, dtype=np.int64))
    idx = perm.reshape(nb, n) + (np.arange(nb, dtype=np.int64) * n)[:, None]
    rows = _core.reshape(x, [nb * n, k])
    out = _core.gather(rows, _core._constant(np.ascontiguousarray(idx.reshape(-1), np.int64), None), axis=0)
    return _core.reshape(out, lead + [n, k])


def _strict_lower(n, dtype):
    return _core._constant(np.tril(np.ones((n, n), bool), -1), None)


def _unit_lower(lu):
    """L of a packed LU: its strict lower triangle with ones on the diagonal."""
    n = lu.shape[-1]
    return _core.where(_strict_lower(n, lu.dtype), lu, _const(np.eye(n), lu.dtype))


def lu(input, output_idx_type=None, name=None):  # noqa: A002
    """The LU decomposition with partial pivoting of each square matrix in ``[..., M, M]``, as
    ``tf.linalg.lu``: a ``(lu, p)`` named tuple where ``lu`` packs the unit lower-triangular L
    (below the diagonal; its ones not stored) and U (on and above it), and ``p`` (int32, or
    ``output_idx_type`` int64) the row permutation: ``L @ U = input[..., p, :]``, so
    ``lu_reconstruct(lu, p)`` gives ``input`` back. The pivot of each column is its first
    entry of largest magnitude, as LAPACK's and Eigen's (TF's kernel); a matrix with an exact
    zero (or NaN) pivot on U's diagonal raises InvalidArgumentError ("Input is not
    invertible."), as TF's kernel checks. Values from numpy (a recursive
    blocked LU); gradient TF's (``lu`` is differentiable in TF): with ``G`` the gradient of
    ``lu``, ``L⁻ᵀ (tril(Lᵀ G, -1) + triu(G Uᵀ)) U⁻ᵀ`` with its rows put back in ``input``'s
    order, from recorded triangular solves and products, so of every order."""
    op = "lu"
    x = _square(input, op, "input")
    from .dtypes import as_dtype, int32, int64
    it = int32 if output_idx_type is None else as_dtype(output_idx_type)
    if it not in (int32, int64):
        raise TypeError(f"{op}: output_idx_type must be int32 or int64, got {it.name}")
    lu_v, perm = _lu_values(x.numpy())
    if lu_v.size and not (np.abs(np.diagonal(lu_v, axis1=-2, axis2=-1)) > 0).all():
        raise InvalidArgumentError(f"{op}: Input is not invertible.")
    value = (_core._constant(lu_v, x.dtype), perm)
    return Lu(_lu(x, value), _core._constant(np.ascontiguousarray(perm.astype(it.as_numpy_dtype)), it))


def _lu(x, value):
    lu_c, perm = value

    @_custom
    def f(a):
        def grad(g):
            return _lu_grad(_lu(a, value), perm, g)
        return lu_c, grad
    return f(x)


def _lu_grad(lu_t, perm, g):
    """TF's LU gradient (square case): with L, U the factors and G split into its strict
    lower part G_L and upper part G_U, ``L⁻ᵀ (tril(Lᵀ G_L, -1) + triu(G_U Uᵀ)) U⁻ᵀ``, rows in
    the input's order."""
    n = lu_t.shape[-1]
    strict = _strict_lower(n, lu_t.dtype)
    zero = _const(0.0, lu_t.dtype)
    lower = _unit_lower(lu_t)
    upper = band_part(lu_t, 0, -1)
    g_low = _core.where(strict, g, zero)
    g_up = band_part(g, 0, -1)
    middle = _core.add(_core.where(strict, matmul(lower, g_low, transpose_a=True), zero),
                       band_part(matmul(g_up, upper, transpose_b=True), 0, -1))
    left = triangular_solve(lower, middle, lower=True, adjoint=True)        # L⁻ᵀ middle
    grad_perm = _swap_last(triangular_solve(upper, _swap_last(left), lower=False))  # (.) U⁻ᵀ
    return _rows_of(grad_perm, np.argsort(perm, axis=-1, kind="stable"))


def _lu_args(lower_upper, perm, op):
    lu_t = _at_least_matrix(lower_upper, op, "lower_upper")
    _require_float([lu_t], op)
    if lu_t.shape[-1] != lu_t.shape[-2]:
        raise ValueError(f"{op}: `lower_upper` must be square, got shape {list(lu_t.shape)}")
    if isinstance(perm, _core.Variable):
        perm = perm.read_value()
    p = np.asarray(perm.numpy() if isinstance(perm, _core.Tensor) else perm)
    if p.dtype.kind not in "iu":
        raise TypeError(f"{op}: perm must be an int32 or int64 tensor, got {p.dtype}")
    if p.ndim != lu_t.ndim - 1:
        raise ValueError(f"{op}: `rank(lower_upper)` must equal `rank(perm) + 1`, got shapes "
                         f"{list(lu_t.shape)} and {list(p.shape)}")
    n = lu_t.shape[-1]
    if p.shape[-1] != n:
        raise ValueError(f"{op}: perm must have {n} entries per matrix (lower_upper shape "
                         f"{list(lu_t.shape)}), got shape {list(p.shape)}")
    if p.size and (p.min() < 0 or p.max() >= n):
        raise InvalidArgumentError(f"{op}: perm has values out of [0, {n}): {int(p.min())}..{int(p.max())}")
    return lu_t, p.astype(np.int64)


def lu_solve(lower_upper, perm, rhs, validate_args=False, name=None):
    """X with ``A @ X = rhs`` for ``A``'s LU factors ``(lower_upper, perm)`` from ``lu``, as
    ``tf.linalg.lu_solve``: ``rhs`` ``[..., M, K]`` (a matrix; leading dimensions of
    ``rhs`` and ``perm`` broadcast), its rows permuted by ``perm``, then two triangular solves
    (as TF's: the invertibility of A is not checked). Differentiable in ``lower_upper`` and
    ``rhs``, of every order."""
    op = "lu_solve"
    lu_t, p = _lu_args(lower_upper, perm, op)
    r = _tensor(rhs, op, "rhs")
    if r.ndim < 2:
        raise ValueError(f"{op}: Input `rhs` must have at least 2 dimensions, got shape "
                         f"{list(r.shape)}")
    _require_float([r], op)
    if r.dtype != lu_t.dtype:
        raise TypeError(f"{op}: lower_upper and rhs must have one dtype, got {lu_t.dtype.name} and "
                        f"{r.dtype.name}")
    n = lu_t.shape[-1]
    if r.shape[-2] != n:
        raise ValueError(f"{op}: `lower_upper.shape[-1]` must equal `rhs.shape[-2]`, got shapes "
                         f"{list(lu_t.shape)} and {list(r.shape)}")
    try:
        batch = list(np.broadcast_shapes(tuple(r.shape[:-2]), p.shape[:-1]))
    except ValueError:
        raise InvalidArgumentError(f"{op}: the leading dimensions of perm {list(p.shape)} and rhs "
                                   f"{list(r.shape)} do not broadcast") from None
    if list(r.shape[:-2]) != batch:
        r = _core.broadcast_to(r, batch + list(r.shape[-2:]))
    permuted = _rows_of(r, np.broadcast_to(p, tuple(batch) + (n,)))
    y = triangular_solve(_unit_lower(lu_t), permuted, lower=True)
    return triangular_solve(lu_t, y, lower=False)


def lu_matrix_inverse(lower_upper, perm, validate_args=False, name=None):
    """The inverse of each matrix from its LU factors ``(lower_upper, perm)``, as
    ``tf.linalg.lu_matrix_inverse``: ``lu_solve`` with the identity. Differentiable."""
    lu_t, p = _lu_args(lower_upper, perm, "lu_matrix_inverse")
    n = lu_t.shape[-1]
    eye_b = _const(np.broadcast_to(np.eye(n), tuple(lu_t.shape)), lu_t.dtype)
    return lu_solve(lu_t, p, eye_b)


def lu_reconstruct(lower_upper, perm, validate_args=False, name=None):
    """The matrix ``A`` whose LU factors are ``(lower_upper, perm)``, as
    ``tf.linalg.lu_reconstruct``: ``L @ U`` with its rows put back by the inverse of ``perm``
    (``perm`` has ``lower_upper``'s leading dimensions). Differentiable in ``lower_upper``."""
    op = "lu_reconstruct"
    lu_t, p = _lu_args(lower_upper, perm, op)
    if tuple(p.shape[:-1]) != tuple(lu_t.shape[:-2]):
        raise ValueError(f"{op}: perm's leading dimensions {list(p.shape[:-1])} must be "
                         f"lower_upper's {list(lu_t.shape[:-2])}")
    x = matmul(_unit_lower(lu_t), band_part(lu_t, 0, -1))
    return _rows_of(x, np.argsort(p, axis=-1, kind="stable"))


# -- tridiagonal systems ----------------------------------------------------------------------

def _compact(diagonals, fmt, op):
    """The diagonals in compact format ``[..., 3, M]`` (superdiagonal, diagonal, subdiagonal;
    the superdiagonal's last and the subdiagonal's first entries unused)."""
    if fmt == "compact":
        d = _tensor(diagonals, op, "diagonals")
        if d.ndim < 2:
            raise ValueError(f"{op}: Expected diagonals to have rank at least 2, got shape "
                             f"{list(d.shape)}")
        if d.shape[-2] != 3:
            raise ValueError(f"{op}: Expected 3 diagonals got {d.shape[-2]} (shape {list(d.shape)})")
        return d
    if fmt == "sequence":
        if not isinstance(diagonals, (list, tuple)) or len(diagonals) != 3:
            raise ValueError(f"{op}: Expected diagonals to be a sequence of length 3.")
        sup, mid, sub = (_tensor(t, op, w) for t, w in zip(diagonals, ("superdiag", "maindiag", "subdiag")))
        if mid.ndim < 1:
            raise ValueError(f"{op}: the diagonals must have rank >= 1, got shape {list(mid.shape)}")
        m = mid.shape[-1]
        for t in (sup, sub):
            if t.ndim != mid.ndim or list(t.shape[:-1]) != list(mid.shape[:-1]) or t.dtype != mid.dtype:
                raise ValueError(f"{op}: Tensors representing the three diagonals must have the same "
                                 f"shape, except for the last dimension, and one dtype, got "
                                 f"{list(sub.shape)}, {list(mid.shape)}, {list(sup.shape)}")
        padded = []
        for t, what, before in ((sup, "superdiagonal", False), (sub, "subdiagonal", True)):
            k = t.shape[-1]
            if k == m:
                padded.append(t)
            elif k == m - 1:
                z = [0] * t.ndim
                one = z[:-1] + [1]
                padded.append(_core._pad(t, one if before else z, z if before else one))
            else:
                raise ValueError(f"{op}: Expected {what} to be have length {m} or {m - 1}, got {k}.")
        return _core.stack([padded[0], mid, padded[1]], -2)
    if fmt == "matrix":
        a = _at_least_matrix(diagonals, op, "diagonals")
        m = a.shape[-1]
        if a.shape[-2] != m:
            raise ValueError(f"{op}: Expected last two dimensions of diagonals to be same, got "
                             f"{a.shape[-2]} and {m}")
        i = np.arange(m)
        zero_slot = m * m
        idx = np.stack([np.where(i < m - 1, i * m + i + 1, zero_slot), i * m + i,
                        np.where(i > 0, i * m + i - 1, zero_slot)]).reshape(-1)
        lead = list(a.shape[:-2])
        flat = _core.concat([_core.reshape(a, lead + [m * m]), _core._fill(lead + [1], 0.0, a.dtype)], -1)
        return _core.reshape(_core.gather(flat, _core._constant(idx.astype(np.int64), None), axis=-1),
                             lead + [3, m])
    raise ValueError(f"{op}: Unrecognized diagonals_format: {fmt!r}")


def _tridiagonal_values(diags, rhs, pivoting):
    """Gaussian elimination on each tridiagonal system (the CPU algorithm of TF's kernel:
    rows i and i+1 swap when the subdiagonal entry is larger in magnitude than the pivot),
    vectorised over the batch and the right-hand sides; then back substitution with U's
    three diagonals. A system that meets a zero pivot (a singular matrix, or one that needs
    pivoting without ``pivoting``) is all NaN, as TF's CPU kernel (which logs a warning)."""
    lead = diags.shape[:-2]
    m = diags.shape[-1]
    k = rhs.shape[-1]
    d = diags.reshape((-1, 3, m))
    r = rhs.reshape((-1, m, k))
    nb = d.shape[0]
    dt = diags.dtype
    if m == 0 or nb == 0:
        return np.zeros(rhs.shape, dt)
    if nb * k <= 4:
        # Few systems: plain Python floats (a numpy call per step costs ~10x a float operation)
        out = np.empty((nb, m, k), dt)
        for b in builtins_range(nb):
            out[b] = _tridiagonal_one(d[b].tolist(), r[b].tolist(), pivoting)
        return out.reshape(lead + (m, k))
    # step-major copies: each step reads contiguous rows of the batch
    sup, dia, sub = (np.ascontiguousarray(d[:, j, :].T) for j in (0, 1, 2))   # [m, nb]
    rr = np.ascontiguousarray(r.transpose(1, 0, 2))                          # [m, nb, k]
    u0 = np.empty((m, nb), dt)
    u1 = np.zeros((m, nb), dt)
    u2 = np.zeros((m, nb), dt)
    xb = np.empty((m, nb, k), dt)
    c0 = dia[0].copy()
    c1 = sup[0].copy() if m > 1 else np.zeros(nb, dt)
    cb = rr[0].copy()
    zero = np.zeros(nb, dt)
    bad = np.zeros(nb, bool)
    for i in builtins_range(m - 1):
        low, nd, nbv = sub[i + 1], dia[i + 1], rr[i + 1]
        ns = sup[i + 1] if i + 2 < m else zero
        swap = np.abs(c0) < np.abs(low) if pivoting else None
        if swap is not None and swap.any():
            p0 = np.where(swap, low, c0)
            p1 = np.where(swap, nd, c1)
            p2 = np.where(swap, ns, zero)
            pb = np.where(swap[:, None], nbv, cb)
            o0 = np.where(swap, c0, low)
            o1 = np.where(swap, c1, nd)
            o2 = np.where(swap, zero, ns)
            ob = np.where(swap[:, None], cb, nbv)
        else:  # no row of the batch swaps (TF's test: |pivot| >= |subdiagonal|)
            p0, p1, p2, pb, o0, o1, o2, ob = c0, c1, zero, cb, low, nd, ns, nbv
        if not p0.all():
            bad |= p0 == 0
            p0 = np.where(p0 == 0, 1, p0)  # the system is NaN in the end
        f = o0 / p0
        u0[i], u1[i], u2[i] = p0, p1, p2
        xb[i] = pb
        c0 = o1 - f * p1
        c1 = o2 - f * p2
        cb = ob - f[:, None] * pb
    if not c0.all():
        bad |= c0 == 0
        c0 = np.where(c0 == 0, 1, c0)
    u0[m - 1] = c0
    xb[m - 1] = cb
    x = np.empty((m, nb, k), dt)
    x[m - 1] = xb[m - 1] / u0[m - 1, :, None]
    if m > 1:
        x[m - 2] = (xb[m - 2] - u1[m - 2, :, None] * x[m - 1]) / u0[m - 2, :, None]
    for i in builtins_range(m - 3, -1, -1):
        x[i] = (xb[i] - u1[i, :, None] * x[i + 1] - u2[i, :, None] * x[i + 2]) / u0[i, :, None]
    x = x.transpose(1, 0, 2)
    x[bad] = np.nan
    return x.reshape(lead + (m, k))


def _tridiagonal_one(d, r, pivoting):
    """``_tridiagonal_values`` for one system in Python floats: ``d`` the three diagonals
    (lists), ``r`` the rows of the right-hand sides (lists); the same elimination (NaN for a
    zero pivot)."""
    sup, dia, sub = d
    m = len(dia)
    u0, u1, u2, xb = [0.0] * m, [0.0] * m, [0.0] * m, [None] * m
    c0, c1, cb = dia[0], (sup[0] if m > 1 else 0.0), list(r[0])
    failed = [[math.nan] * len(r[0]) for _ in builtins_range(m)]
    for i in builtins_range(m - 1):
        low, nd, nbv = sub[i + 1], dia[i + 1], r[i + 1]
        ns = sup[i + 1] if i + 2 < m else 0.0
        if pivoting and abs(c0) < abs(low):
            p0, p1, p2, pb, o0, o1, o2, ob = low, nd, ns, nbv, c0, c1, 0.0, cb
        else:
            p0, p1, p2, pb, o0, o1, o2, ob = c0, c1, 0.0, cb, low, nd, ns, nbv
        if p0 == 0:
            return failed
        f = o0 / p0
        u0[i], u1[i], u2[i], xb[i] = p0, p1, p2, pb
        c0, c1 = o1 - f * p1, o2 - f * p2
        cb = [ov - f * pv for ov, pv in zip(ob, pb)]
    if c0 == 0:
        return failed
    u0[m - 1], xb[m - 1] = c0, cb
    x = [None] * m
    x[m - 1] = [v / c0 for v in cb]
    if m > 1:
        x[m - 2] = [(v - u1[m - 2] * w) / u0[m - 2] for v, w in zip(xb[m - 2], x[m - 1])]
    for i in builtins_range(m - 3, -1, -1):
        a1, a2, piv = u1[i], u2[i], u0[i]
        x[i] = [(v - a1 * w1 - a2 * w2) / piv for v, w1, w2 in zip(xb[i], x[i + 1], x[i + 2])]
    return x


def _tridiagonal_transpose(d):
    """The compact diagonals of each matrix's transpose (TF's _TransposeTridiagonalMatrix)."""
    lead = list(d.shape[:-2])
    m = d.shape[-1]
    z = [0] * len(lead)
    sup = _core._pad(_core.slice(d, z + [2, 1], lead + [1, max(m - 1, 0)]), z + [0, 0], z + [0, 1])
    sub = _core._pad(_core.slice(d, z + [0, 0], lead + [1, max(m - 1, 0)]), z + [0, 1], z + [0, 0])
    return _core.concat([sup, _core.slice(d, z + [1, 0], lead + [1, m]), sub], -2)


def _shift_rows(x, up):
    """x[..., i + 1, :] (``up``) or x[..., i - 1, :] at row i, zero past the ends."""
    lead = list(x.shape[:-2])
    m, k = x.shape[-2], x.shape[-1]
    z = [0] * len(lead)
    part = _core.slice(x, z + [1 if up else 0, 0], lead + [max(m - 1, 0), k])
    return _core._pad(part, z + [0 if up else 1, 0], z + [1 if up else 0, 0])


def _three_diagonals_of_product(g, x):
    """The compact diagonals of ``g @ xᵀ`` (TF's _MatmulExtractingThreeDiagonals): O(M K)."""
    sup = _core.reduce_sum(_core.multiply(g, _shift_rows(x, True)), [-1])
    mid = _core.reduce_sum(_core.multiply(g, x), [-1])
    sub = _core.reduce_sum(_core.multiply(g, _shift_rows(x, False)), [-1])
    return _core.stack([sup, mid, sub], -2)


def _tridiagonal(diags, rhs, pivoting, value=None):
    @_custom
    def f(d, r):
        x = value if value is not None else _numpy_value(
            "tridiagonal_solve", lambda dv, rv: _tridiagonal_values(dv, rv, pivoting), d.dtype, d, r)

        def grad(dx):
            xr = _tridiagonal(d, r, pivoting, x)
            gr = _tridiagonal(_tridiagonal_transpose(d), dx, pivoting)
            return _core.negative(_three_diagonals_of_product(gr, xr)), gr
        return x, grad
    return f(diags, rhs)


def tridiagonal_solve(diagonals, rhs, diagonals_format="compact", transpose_rhs=False,
                      conjugate_rhs=False, name=None, partial_pivoting=True,
                      perturb_singular=False):
    """X with ``A @ X = rhs`` for tridiagonal matrices A, as ``tf.linalg.tridiagonal_solve``:
    ``diagonals`` in ``'compact'`` format ``[..., 3, M]`` (superdiagonal, diagonal,
    subdiagonal; ``diagonals[..., 0, M-1]`` and ``[..., 2, 0]`` unused), ``'sequence'`` (a
    list of the three, the off-diagonals of length M or M-1) or ``'matrix'`` (``[..., M, M]``,
    entries off the three diagonals ignored); ``rhs`` ``[..., M, K]`` or ``[..., M]`` (a
    vector), ``[..., K, M]`` with ``transpose_rhs``; the leading dimensions must be equal
    (a ValueError otherwise, as TF's). Gaussian elimination with partial pivoting (without,
    ``partial_pivoting=False``) in numpy, O(M K) per system; a system with a zero pivot (a
    singular matrix, or one that needs pivoting with ``partial_pivoting=False``) is all NaN, as
    TF's CPU kernel (which logs a warning). ``perturb_singular`` is not implemented.
    Gradient TF's (a solve with the transposed matrix, and the three diagonals of ``-gb xᵀ``),
    of every order."""
    op = "tridiagonal_solve"
    if perturb_singular and not partial_pivoting:
        raise ValueError(f"{op}: partial_pivoting must be True if perturb_singular is.")
    if perturb_singular:
        raise NotImplementedError(f"{op}: perturb_singular=True is not implemented")
    d = _compact(diagonals, diagonals_format, op)
    r = _tensor(rhs, op, "rhs")
    _require_float([d, r], op)
    if r.dtype != d.dtype:
        raise TypeError(f"{op}: diagonals and rhs must have one dtype, got {d.dtype.name} and "
                        f"{r.dtype.name}")
    nd = d.ndim
    if r.ndim not in (nd - 1, nd):
        raise ValueError(f"{op}: Expected the rank of rhs to be {nd - 1} or {nd}, got {r.ndim} "
                         f"(diagonals shape {list(d.shape)}, rhs shape {list(r.shape)})")
    vector = r.ndim == nd - 1
    if vector:
        r = _core.expand_dims(r, -1)
    elif transpose_rhs:
        r = _swap_last(r)
    if list(d.shape[:-2]) != list(r.shape[:-2]):
        raise ValueError(f"{op}: Batch shapes {list(d.shape[:-2])} and {list(r.shape[:-2])} are "
                         f"incompatible")
    if d.shape[-1] != r.shape[-2]:
        raise ValueError(f"{op}: Expected number of left-hand sided and right-hand sides to be "
                         f"equal, got {d.shape[-1]} and {r.shape[-2]}")
    x = _tridiagonal(d, r, bool(partial_pivoting))
    return _core.squeeze(x, [-1]) if vector else x


def tridiagonal_matmul(diagonals, rhs, diagonals_format="compact", name=None):
    """The product of tridiagonal matrices and ``rhs`` ``[..., M, N]``, as
    ``tf.linalg.tridiagonal_matmul``: ``diagonals`` in ``'compact'`` (``[..., 3, M]``),
    ``'sequence'`` or ``'matrix'`` format, as ``tridiagonal_solve``'s (the unused entries do
    not reach the result, even when inf or NaN); the leading dimensions must be equal. Row i
    is ``sub_i x_{i-1} + diag_i x_i + super_i x_{i+1}``: slices, products and pads,
    differentiable in both."""
    op = "tridiagonal_matmul"
    d = _compact(diagonals, diagonals_format, op)
    x = _tensor(rhs, op, "rhs")
    _require_float([d, x], op)
    if x.dtype != d.dtype:
        raise TypeError(f"{op}: diagonals and rhs must have one dtype, got {d.dtype.name} and "
                        f"{x.dtype.name}")
    if x.ndim != d.ndim or list(x.shape[:-2]) != list(d.shape[:-2]) or x.shape[-2] != d.shape[-1]:
        raise ValueError(f"{op}: rhs must have shape [..., M, N] with the diagonals' leading "
                         f"dimensions and M = {d.shape[-1]}; got diagonals {list(d.shape)} and rhs "
                         f"{list(x.shape)}")
    lead = list(d.shape[:-2])
    m = d.shape[-1]
    z = [0] * len(lead)

    def row(i, start, size):
        return _core.reshape(_core.slice(d, z + [i, start], lead + [1, size]), lead + [size, 1])

    out = _core.multiply(row(1, 0, m), x)
    if m > 1:
        k = x.shape[-1]
        above = _core.multiply(row(0, 0, m - 1), _core.slice(x, z + [1, 0], lead + [m - 1, k]))
        below = _core.multiply(row(2, 1, m - 1), _core.slice(x, z + [0, 0], lead + [m - 1, k]))
        out = _core.add(out, _core._pad(above, z + [0, 0], z + [1, 0]))
        out = _core.add(out, _core._pad(below, z + [1, 0], z + [0, 0]))
    return out


# -- expm ---------------------------------------------------------------------------------

_PADE = {
    3: [120.0, 60.0, 12.0],
    5: [30240.0, 15120.0, 3360.0, 420.0, 30.0],
    7: [17297280.0, 8648640.0, 1995840.0, 277200.0, 25200.0, 1512.0, 56.0],
    9: [17643225600.0, 8821612800.0, 2075673600.0, 302702400.0, 30270240.0, 2162160.0,
        110880.0, 3960.0, 90.0],
    13: [64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
         129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
         40840800.0, 960960.0, 16380.0, 182.0],
}
# TF's (Higham's) thresholds on the 1-norm for the degrees, and the norm the top degree's
# argument is scaled below.
_EXPM_F32 = ((0.4258730016922831, 1.880152677804762), (3, 5, 7), 3.925724783138660)
_EXPM_F64 = ((0.01495585217958292, 0.2539398330063230, 0.9504178996162932, 2.097847961257068),
             (3, 5, 7, 9, 13), 5.371920351148152)


def _pade(a, degree):
    """(U, V) of the Padé approximant of the given degree (TF's / Eigen's formulas)."""
    b = _PADE[degree]
    n = a.shape[-1]
    ident = _const(np.eye(n), a.dtype)

    def c(v):
        return _const(v, a.dtype)

    def scaled(pairs):
        out = None
        for coef, mat in pairs:
            term = _core.multiply(c(coef), mat)
            out = term if out is None else _core.add(out, term)
        return out

    a2 = matmul(a, a)
    if degree == 3:
        return matmul(a, _core.add(a2, scaled([(b[1], ident)]))), scaled([(b[2], a2), (b[0], ident)])
    a4 = matmul(a2, a2)
    if degree == 5:
        u = matmul(a, _core.add(a4, scaled([(b[3], a2), (b[1], ident)])))
        return u, scaled([(b[4], a4), (b[2], a2), (b[0], ident)])
    a6 = matmul(a4, a2)
    if degree == 7:
        u = matmul(a, _core.add(a6, scaled([(b[5], a4), (b[3], a2), (b[1], ident)])))
        return u, scaled([(b[6], a6), (b[4], a4), (b[2], a2), (b[0], ident)])
    if degree == 9:
        a8 = matmul(a6, a2)
        u = matmul(a, _core.add(a8, scaled([(b[7], a6), (b[5], a4), (b[3], a2), (b[1], ident)])))
        return u, scaled([(b[8], a8), (b[6], a6), (b[4], a4), (b[2], a2), (b[0], ident)])
    inner = matmul(a6, _core.add(a6, scaled([(b[11], a4), (b[9], a2)])))
    u = matmul(a, _core.add(inner, scaled([(b[7], a6), (b[5], a4), (b[3], a2), (b[1], ident)])))
    v = _core.add(matmul(a6, scaled([(b[12], a6), (b[10], a4), (b[8], a2)])),
                  scaled([(b[6], a6), (b[4], a4), (b[2], a2), (b[0], ident)]))
    return u, v


def _expm_group(a, degree, squarings):
    """exp of the matrices ``a`` [b, m, m] by the Padé approximant of ``degree``, each
    scaled by 2^-s and squared s times (``squarings``: numpy ints, one per matrix)."""
    top = int(squarings.max())
    if top:
        if squarings.min() == top:
            a = _core.multiply(a, _const(2.0 ** -top, a.dtype))
        else:
            a = _core.multiply(a, _const((2.0 ** -squarings.astype(np.float64))[:, None, None], a.dtype))
    u, v = _pade(a, degree)
    r = solve(_core.subtract(v, u), _core.add(u, v))
    for k in builtins_range(top):
        if squarings.min() > k:
            r = matmul(r, r)
        else:  # some matrices are done: they keep r (TF's where; no gradient to the square)
            r = _core.where(_core._constant((squarings > k)[:, None, None], None), matmul(r, r), r)
    return r


def expm(input, name=None):  # noqa: A002
    """The matrix exponential of each square matrix in ``[..., M, M]``, as
    ``tf.linalg.expm``: TF's scaling and squaring with Padé approximants (Higham 2005): by the
    1-norm, degree 3, 5, 7, 9 or 13 in float64 (3, 5 or 7 in float32), the top degree's
    argument scaled by 2^-s below TF's threshold, then squared s times. Each matrix gets only
    its own degree and squarings (TF computes every degree for the whole batch and selects).
    A non-finite entry anywhere in the batch makes every result NaN, as TF's. Recorded
    products, sums and a ``solve``: differentiable, of every order."""
    op = "expm"
    x = _square(input, op, "input")
    m = x.shape[-1]
    lead = list(x.shape[:-2])
    nb = int(np.prod(lead, dtype=np.int64))
    if m == 0 or nb == 0:
        return _core.identity(x)
    flat = _core.reshape(x, [nb, m, m])
    npdt = x.dtype.as_numpy_dtype
    l1 = np.abs(flat.numpy()).sum(axis=1).max(axis=1)
    if not np.all(np.isfinite(l1)):
        return _core._fill(list(x.shape), float("nan"), x.dtype)
    conds, degrees, maxnorm = _EXPM_F32 if x.dtype == float32 else _EXPM_F64
    with np.errstate(divide="ignore"):
        s = np.maximum(np.floor(np.log(l1 / npdt(maxnorm)) / np.log(npdt(2.0))), 0).astype(np.int64)
    level = np.searchsorted(np.asarray(conds), l1, side="right")  # l1 < conds[i] picks degree i
    s = np.where(level == len(conds), s, 0)  # below the top degree's range s is 0 anyway
    groups = {}
    for i, lv in enumerate(level.tolist()):
        groups.setdefault(degrees[lv], []).append(i)
    if len(groups) == 1:
        (degree,) = groups
        out = _expm_group(flat, degree, s)
    else:  # one group per degree (at most 5), each matrix with its own squarings
        pieces, order = [], []
        for degree, idx in sorted(groups.items()):
            sub = _core.gather(flat, _core._constant(np.asarray(idx, np.int64), None), axis=0)
            pieces.append(_expm_group(sub, degree, s[idx]))
            order += idx
        inverse = np.argsort(np.asarray(order, np.int64), kind="stable")
        out = _core.gather(_core.concat(pieces, 0), _core._constant(inverse.astype(np.int64), None), axis=0)
    return _core.reshape(out, list(x.shape))


__all__ += ["global_norm", "normalize", "set_diag", "tensor_diag", "tensor_diag_part", "cross",
            "matrix_rank", "lu", "lu_solve", "lu_matrix_inverse", "lu_reconstruct",
            "tridiagonal_solve", "tridiagonal_matmul", "expm"]

from ._more_api import sqrtm  # noqa: E402,F401 (session 25, helper "more api")
__all__ += ["sqrtm"]
