"""tapegrad.linalg: TF's ``tf.linalg.*`` names that are products, transposes and diagonals.

Everything here is built from recorded ops (matmul, transpose, reshape, reduce_sum, gather,
multiply), so gradients of every order come from theirs. ``einsum`` and ``tensordot`` lower each
pairwise contraction to one (batched) ``matmul`` on the GEMM kernels, folding a transposed
operand into the GEMM's ``transpose_a`` / ``transpose_b`` instead of copying it where the
labels allow. Decompositions and solvers (``inv``, ``det``, ``cholesky``, ``solve``, ...) are not
implemented.
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
