"""``tf.autodiff``: forward-mode Jacobian-vector products (``ForwardAccumulator``) and the
``GradientTape`` alias.

``ForwardAccumulator(primals, tangents)`` gives ``acc.jvp(y) = J_y(primals) · tangents`` for
anything computed from the primals inside its ``with`` block, as TF's. tapegrad computes it
with reverse mode twice (the "double vjp"): the block's operations are recorded on a
persistent tape watching the primals; ``jvp(y)`` runs that tape's backward pass from a
cotangent ``u`` under a second tape, which gives ``g(u) = uᵀ J`` as recorded ops (linear in
``u``), and differentiates ``g`` w.r.t. ``u`` in the direction of the tangents:
``d(g(u) · t)/du = J t``. Two backward passes per ``jvp`` call instead of TF's one forward
pass alongside the computation; the values are the same. Because both passes are recorded
ops, accumulators nest with tapes either way: ``jvp`` of a gradient taken inside the block
is a Hessian-vector product (forward-over-back), and a tape around the block differentiates
the ``jvp`` (back-over-forward).
"""

from . import _core, _nest
from .tape import GradientTape, UnconnectedGradients, _parse_unconnected

__all__ = ["ForwardAccumulator", "GradientTape"]

_TENSORS = (_core.Tensor, _core.Variable)


class ForwardAccumulator:
    """Computes Jacobian-vector products with respect to ``primals``, as
    ``tf.autodiff.ForwardAccumulator``::

        with tf.autodiff.ForwardAccumulator(primals=x, tangents=v) as acc:
            y = f(x)
        acc.jvp(y)    # J_f(x) · v, shaped like y

    ``primals`` is a Tensor or Variable (float32 / float64) or a nested structure of them;
    ``tangents`` has the same structure, each of its primal's shape (it is converted to the
    primal's dtype; for a single primal, any array-like). ``jvp`` may be called inside or after the block; a target computed
    without the primals gives None (or zeros with ``unconnected_gradients='zero'``).
    Implemented as two recorded reverse passes (see the module docstring).
    """

    def __init__(self, primals, tangents):
        flat_p = _nest.flatten(primals)
        # One primal: its tangent is one value (a tensor, array or nested list of numbers).
        flat_t = [tangents] if isinstance(primals, _TENSORS) else _nest.flatten(tangents)
        if len(flat_p) != len(flat_t):
            raise ValueError(f"ForwardAccumulator: primals and tangents must have the same "
                             f"structure: got {len(flat_p)} primals and {len(flat_t)} tangents")
        self._primals = []
        self._tangents = []
        for i, (p, t) in enumerate(zip(flat_p, flat_t)):
            if not isinstance(p, _TENSORS):
                raise TypeError(f"ForwardAccumulator: primals[{i}] must be a Tensor or Variable, "
                                f"got {type(p).__name__}")
            if not p.dtype.is_floating:
                raise TypeError(f"ForwardAccumulator: primals[{i}] must be float32 or float64 "
                                f"(a tangent of an {p.dtype.name} tensor is not defined), got "
                                f"{p.dtype.name}")
            try:
                t = _core._constant(t.numpy() if isinstance(t, _TENSORS) else t, p.dtype)
            except (TypeError, ValueError) as e:
                raise TypeError(f"ForwardAccumulator: tangents[{i}] could not be converted to a "
                                f"{p.dtype.name} tensor: {e}") from None
            if tuple(t.shape) != tuple(p.shape):
                raise ValueError(f"ForwardAccumulator: tangents[{i}] has shape {tuple(t.shape)}, "
                                 f"its primal has shape {tuple(p.shape)}: they must match")
            self._primals.append(p)
            self._tangents.append(t)
        self._tape = GradientTape(persistent=True, watch_accessed_variables=False)
        self._inside = False

    def __enter__(self):
        self._tape.__enter__()
        self._inside = True
        for p in self._primals:
            self._tape.watch(p)
        return self

    def __exit__(self, exc_type, exc, tb):
        self._inside = False
        return self._tape.__exit__(exc_type, exc, tb)

    def jvp(self, primals, unconnected_gradients=UnconnectedGradients.NONE):
        """The Jacobian-vector product of ``primals`` (a tensor computed inside the block, or
        a nested structure of them) with the tangents: the same structure, each shaped like
        its target; None (or zeros) for a target that does not depend on the primals or is
        not float."""
        unconnected = _parse_unconnected(unconnected_gradients)
        flat = _nest.flatten(primals)
        for i, y in enumerate(flat):
            if not isinstance(y, _TENSORS):
                raise TypeError(f"ForwardAccumulator.jvp: expected Tensors, got {type(y).__name__} "
                                f"at position {i}")
        if self._inside:  # the double-vjp's own operations are not part of the block's
            with self._tape.stop_recording():
                out = self._jvps(flat)
        else:
            out = self._jvps(flat)
        if unconnected is UnconnectedGradients.ZERO:
            from . import zeros_like
            out = [zeros_like(y) if j is None else j for j, y in zip(out, flat)]
        if isinstance(primals, _TENSORS):
            return out[0]
        return _nest.pack_sequence_as(primals, out)

    def _jvps(self, targets):
        from . import ones_like
        idx = [i for i, y in enumerate(targets) if y.dtype.is_floating]
        out = [None] * len(targets)
        if not idx:
            return out
        seeds = [ones_like(targets[i]) for i in idx]  # any value: g(u) is linear in u
        with GradientTape(watch_accessed_variables=False) as outer:
            outer.watch(seeds)
            gs = self._tape.gradient([targets[i] for i in idx], self._primals, output_gradients=seeds)
        pairs = [(g, t) for g, t in zip(gs, self._tangents) if g is not None]
        if not pairs:
            return out
        jvps = outer.gradient([g for g, _ in pairs], seeds, output_gradients=[t for _, t in pairs])
        for i, j in zip(idx, jvps):
            out[i] = j
        return out
