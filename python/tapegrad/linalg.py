"""tapegrad.linalg: TF's ``tf.linalg.*`` names that are products, transposes and diagonals.

Everything here is built from recorded ops (matmul, transpose, reshape, reduce_sum, gather,
multiply), so gradients of every order come from theirs. ``einsum`` and ``tensordot`` lower each
pairwise contraction to one (batched) ``matmul`` on the GEMM kernels, folding a transposed
operand into the GEMM's ``transpose_a`` / ``transpose_b`` instead of copying it where the
labels allow. ``inv``, ``det``, ``slogdet``, ``logdet``, ``cholesky``, ``cholesky_solve``,
``solve`` and ``triangular_solve``, and the decompositions ``eigh``, ``eigvalsh``, ``svd`` and
``qr``, take their values from numpy.linalg (LAPACK) and their gradients, TF's rules, from
recorded ops; ``pinv`` (from ``svd``) and ``lstsq`` (normal equations, from ``cholesky``) are
compositions of them. Not implemented among TF's decompositions: ``lu`` and the general
(complex-valued) ``eig`` / ``eigvals``.
"""

import functools
import math
import numbers

import numpy as np

from . import _core
from ._array_ops import eye, norm  # noqa: F401 (tf.linalg's names)
from .dtypes import float32, float64
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


def diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT"):  # noqa: A002
    """The main diagonal of the last two dimensions, as ``tf.linalg.diag_part``: ``[..., M, N]``
    gives ``[..., min(M, N)]``. Only ``k=0`` (the main diagonal) is implemented."""
    x = _at_least_matrix(input, "diag_part", "input")
    if not (isinstance(k, numbers.Integral) and k == 0):
        raise NotImplementedError(f"diag_part: only the main diagonal (k=0) is implemented, got k={k!r}")
    return _diagonal_flat(x, x.shape[-2], x.shape[-1])


def diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0,
         align="RIGHT_LEFT"):
    """The square matrices whose main diagonal is ``diagonal`` (``[..., N]`` gives
    ``[..., N, N]``), zero elsewhere, as ``tf.linalg.diag``. Only ``k=0`` and the default
    ``num_rows``, ``num_cols`` and ``padding_value`` are implemented."""
    d = _tensor(diagonal, "diag", "diagonal")
    if d.ndim < 1:
        raise InvalidArgumentError(f"diag: diagonal must have rank >= 1, got shape {list(d.shape)}")
    if not (isinstance(k, numbers.Integral) and k == 0) or num_rows not in (-1, None) or \
            num_cols not in (-1, None) or padding_value != 0:
        raise NotImplementedError("diag: only the main diagonal (k=0) of a square matrix with zero "
                                  "padding is implemented")
    # d_j followed by n zeros, for each j, read back n to a row: d_j lands at (j, j). (No
    # product with an identity, which would turn an inf on the diagonal into NaNs beside it.)
    n = d.shape[-1]
    lead = list(d.shape[:-1])
    padded = _core._pad(_core.expand_dims(d, -1), [0] * (d.ndim + 1), [0] * d.ndim + [n])
    flat = _core.reshape(padded, lead + [n * (n + 1)])
    head = _core.slice(flat, [0] * d.ndim, lead + [n * n])
    return _core.reshape(head, lead + [n, n])


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


def _contract(operands, out_labels):
    """operands: [(tensor, labels)]; the einsum of them with output labels ``out_labels``."""
    steps = _plan(tuple(tuple(t.shape) for t, _ in operands),
                  tuple(tuple(lab) for _, lab in operands), tuple(out_labels))
    return _run(steps, [t for t, _ in operands])


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
    """
    unknown = set(kwargs) - {"name", "optimize"}
    if unknown:
        raise TypeError(f"einsum: unexpected keyword argument {sorted(unknown)[0]!r}")
    if not inputs:
        raise ValueError("einsum: needs at least one input")
    ts = [_tensor(x, "einsum", f"input {i}") for i, x in enumerate(inputs)]
    _require_float(ts, "einsum")
    dtypes = {t.dtype for t in ts}
    if len(dtypes) > 1:
        raise InvalidArgumentError(f"einsum: inputs must have one dtype, got "
                                   f"{', '.join(t.dtype.name for t in ts)}")
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a str, got {type(equation).__name__}")
    return _run(_einsum_steps(equation, tuple(tuple(t.shape) for t in ts)), ts)


def tensordot(a, b, axes, name=None):
    """The sum of products of ``a`` and ``b`` over the given axes, as ``tf.tensordot``:
    ``axes=N`` pairs the last N axes of ``a`` with the first N of ``b``; ``axes=[a_axes,
    b_axes]`` names them (ints or lists of equal length). The result has ``a``'s free
    dimensions, then ``b``'s. One matmul."""
    a = _tensor(a, "tensordot", "a")
    b = _tensor(b, "tensordot", "b")
    _require_float((a, b), "tensordot")
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
    ``x`` is read; a matrix that is not positive definite raises InvalidArgumentError.
    Gradient TF's (symmetric), of every order."""
    return _cholesky(_square(input, "cholesky"))


def _cholesky(x, value=None):
    @_custom
    def f(a):
        y = value if value is not None else _numpy_value(
            "cholesky", np.linalg.cholesky, a.dtype, a,
            fails="Cholesky decomposition was not successful. The input might not be valid.")

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
    try:
        return _blocked_triangular(tri, r, lower)
    except np.linalg.LinAlgError:
        pass
    x = np.zeros(np.broadcast_shapes(tri.shape[:-1], r.shape[:-1]) + r.shape[-1:], dtype=r.dtype)
    n = tri.shape[-1]
    rows = range(n) if lower else range(n - 1, -1, -1)
    for i in rows:
        s = r[..., i, :] - np.einsum("...j,...jk->...k", tri[..., i, :], x)
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
            "eigh", lambda m: tuple(np.linalg.eigh(m)), a.dtype, a, fails=_EIG_FAILS)

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
        (e,) = _numpy_values("eigvalsh", lambda m: (np.linalg.eigvalsh(m),), a.dtype, a,
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
    try:
        return one(mats)
    except np.linalg.LinAlgError:
        pass
    lead = mats.shape[:-2]
    flat = mats.reshape((-1,) + mats.shape[-2:])
    parts = []
    for m in flat:
        try:
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
    factorisation fails (a rank-deficient matrix with λ = 0) it raises InvalidArgumentError.
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
            try:
                chol = cholesky(_gram(av, l2))
            except InvalidArgumentError:
                raise InvalidArgumentError(
                    f"lstsq: the Cholesky decomposition of the Gramian of matrix (shape "
                    f"{list(av.shape)}) was not successful: the matrix is not numerically full "
                    f"rank; use l2_regularizer > 0 or fast=False") from None
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
            out[idx] = np.linalg.lstsq(av[idx], bv[idx], rcond=None)[0]
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
