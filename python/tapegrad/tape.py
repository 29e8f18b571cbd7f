"""tapegrad.GradientTape: TF's tape API over the C++ tape (tapegrad._core._Tape).

Every op records itself in C++; this module only handles what happens once per
``gradient`` call: nests, seeds, TF's messages, jacobians.
"""

import contextlib
import warnings
import enum

from . import _core, _nest

__all__ = ["GradientTape", "UnconnectedGradients"]

_NON_PERSISTENT_MSG = (
    "A non-persistent GradientTape can only be used to compute one set of gradients "
    "(or jacobians)"
)


class UnconnectedGradients(enum.Enum):
    """What gradient() returns for sources the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


def _parse_unconnected(value):
    if value is UnconnectedGradients.NONE or value == "none":
        return UnconnectedGradients.NONE
    try:
        return UnconnectedGradients(value)
    except ValueError:
        raise ValueError(f"Unknown value for unconnected_gradients: {value!r}") from None


_TENSOR_TYPES = (_core.Tensor, _core.Variable)


def _add_identity_terms(targets, seeds, sources, grads):
    """A target that is itself a source adds its seed to that source's gradient (d x / d x =
    1, as TF's ``tape.gradient([y, v], v)``). The tape already counts it for a watched tensor;
    it never sees it for a Variable target (the Variable's value, not a recorded read) or for
    an unwatched tensor (whose gradient is otherwise None)."""
    for j, s in enumerate(sources):
        if isinstance(s, _core.Tensor) and grads[j] is not None:
            continue  # a watched tensor: the identity is in already
        if not s.dtype.is_floating:
            continue
        for t, seed in zip(targets, seeds):
            if t is not s:
                continue
            add = _core._fill(tuple(s.shape), 1.0, s.dtype) if seed is None else \
                (seed if isinstance(seed, _core.Tensor) else _core._constant(seed, s.dtype))
            grads[j] = add if grads[j] is None else _core.add(grads[j], add)
    return grads


def _is_tensor_like(x):
    return isinstance(x, _TENSOR_TYPES)


def _flatten(x):
    # The common case first: one tensor, or a flat list of tensors.
    if isinstance(x, _TENSOR_TYPES):
        return [x]
    if type(x) is list and all(isinstance(t, _TENSOR_TYPES) for t in x):
        return x
    return _nest.flatten(x)


class GradientTape:
    """Record operations for automatic differentiation, as ``tf.GradientTape``.

    Operations run inside ``with GradientTape() as tape:`` on tensors the tape watches
    (``tape.watch(x)``, or trainable Variables read with ``watch_accessed_variables=True``)
    are recorded; ``tape.gradient(target, sources)`` computes the gradient. A non-persistent
    tape computes one set of gradients and then frees what it recorded; ``persistent=True``
    keeps it for several calls. Nested tapes give higher derivatives: an outer tape records
    the inner tape's gradient computation.
    """

    __slots__ = ("_tape", "_persistent", "_watch_accessed_variables", "_used", "__weakref__")

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._tape = _core._Tape(bool(persistent), bool(watch_accessed_variables))
        self._persistent = bool(persistent)
        self._watch_accessed_variables = bool(watch_accessed_variables)
        self._used = False

    # -- recording -------------------------------------------------------------------------
    def __enter__(self):
        self._push_tape()
        return self

    def __exit__(self, exc_type, exc, tb):
        if self._tape.recording:
            self._tape.pop()
        return False

    def _push_tape(self):
        self._tape.push()  # ValueError("Tape is still recording, ...") when already active

    def _pop_tape(self):
        if not self._tape.recording:
            raise ValueError("Tape is not recording.")
        self._tape.pop()

    @property
    def _recording(self):
        return self._tape.recording

    def watch(self, tensor):
        """Ensure ``tensor`` (a Tensor, Variable, or a list/tuple/dict nest of them) is traced."""
        if isinstance(tensor, _TENSOR_TYPES):
            self._watch_one(tensor)
            return
        for t in _nest.flatten(tensor):
            if not _is_tensor_like(t):
                raise ValueError(
                    f"Passed in object {t!r} of type {type(t).__name__!r}, "
                    "not tf.Tensor or tf.Variable or ExtensionType."
                )
            self._watch_one(t)

    def _watch_one(self, t):
        if not t.dtype.is_floating:  # no gradient flows into it: TF warns and goes on
            warnings.warn(f"The dtype of the watched tensor must be floating (e.g. "
                          f"tapegrad.float32), got {t.dtype!r}", stacklevel=3)
        self._tape.watch(t)

    def watched_variables(self):
        """The Variables this tape watches, in the order they were first watched."""
        return self._tape.watched_variables()

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily stop recording operations on this tape."""
        if not self._tape.recording:
            raise RuntimeError("Trying to stop recording a tape which is not recording.")
        self._tape.pop()
        try:
            yield
        finally:
            self._tape.push()

    def reset(self):
        """Clear everything this tape recorded and watched (it keeps recording)."""
        self._pop_tape()
        self._tape.reset()
        self._used = False
        self._tape.push()

    # -- differentiation -------------------------------------------------------------------
    def _check_usable(self):
        if self._used:
            raise RuntimeError(_NON_PERSISTENT_MSG)

    def _finish(self):
        if not self._persistent:
            self._used = True
            self._tape.release()

    def _stop_if_non_persistent(self):
        # TF: computing a non-persistent tape's gradient inside its own context stops it.
        if self._tape.recording and not self._persistent:
            self._tape.pop()

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """Gradient of ``target`` (summed over its elements and nest) w.r.t. ``sources``.

        ``output_gradients`` seeds a vector-Jacobian product (one per target). The result has
        the structure of ``sources``; unconnected sources give ``None`` or, with
        ``unconnected_gradients='zero'``, zeros.
        """
        self._check_usable()
        self._stop_if_non_persistent()
        unconnected = _parse_unconnected(unconnected_gradients)
        if target is None:
            raise TypeError(
                "Argument `target` should be a list or nested structure of Tensors, Variables "
                "or CompositeTensors to be differentiated, but received None."
            )
        flat_targets = _flatten(target)
        for t in flat_targets:
            if not _is_tensor_like(t):
                raise TypeError(
                    "Argument `target` should be a list or nested structure of Tensors, "
                    f"Variables or CompositeTensors to be differentiated, but received {t!r} "
                    f"of type {type(t).__name__!r}."
                )
        flat_sources = _flatten(sources)
        for s in flat_sources:
            if not _is_tensor_like(s):
                raise ValueError(
                    f"gradient: sources must be Tensors or Variables, got {s!r} of type "
                    f"{type(s).__name__!r}."
                )
        if output_gradients is None:
            seeds = [None] * len(flat_targets)
        else:
            seeds = _nest.flatten(output_gradients)
            if len(seeds) != len(flat_targets):
                raise ValueError(
                    f"gradient: got {len(seeds)} output_gradients for {len(flat_targets)} "
                    "targets; pass one per target (None for the default ones)."
                )
        grads = self._tape.gradient(flat_targets, seeds, flat_sources)
        grads = _add_identity_terms(flat_targets, seeds, flat_sources, list(grads))
        self._finish()
        if unconnected is UnconnectedGradients.ZERO:
            from . import zeros_like
            grads = [zeros_like(s) if g is None else g for g, s in zip(grads, flat_sources)]
        if isinstance(sources, _TENSOR_TYPES):
            return grads[0]
        if flat_sources is sources:
            return grads
        return _nest.pack_sequence_as(sources, grads)

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """Jacobian of ``target`` w.r.t. each source: shape ``target.shape + source.shape``."""
        from . import reshape, stack, zeros_like, one_hot_seed
        self._check_usable()
        self._stop_if_non_persistent()
        unconnected = _parse_unconnected(unconnected_gradients)
        if not _is_tensor_like(target):
            raise TypeError(f"jacobian: target must be a Tensor, got {type(target).__name__!r}")
        flat_sources = _nest.flatten(sources)
        tshape = tuple(target.shape)
        n = target.size
        rows = [[] for _ in flat_sources]
        for i in range(n):
            seed = one_hot_seed(tshape, i, target.dtype)
            gs = self._tape.gradient([target], [seed], flat_sources)
            for r, g in zip(rows, gs):
                r.append(g)
        self._finish()
        out = []
        for src, r in zip(flat_sources, rows):
            sshape = tuple(src.shape)
            if n == 0 or all(g is None for g in r):
                if unconnected is UnconnectedGradients.ZERO or n == 0:
                    from . import zeros
                    out.append(zeros(tshape + sshape, dtype=src.dtype))
                else:
                    out.append(None)
                continue
            r = [zeros_like(src) if g is None else g for g in r]
            out.append(reshape(stack(r), tshape + sshape))
        return _nest.pack_sequence_as(sources, out)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example jacobian: target [b, ...] and source [b, ...] give [b, t..., s...]."""
        from . import reshape, stack, zeros
        self._check_usable()
        self._stop_if_non_persistent()
        unconnected = _parse_unconnected(unconnected_gradients)
        tshape, sshape = tuple(target.shape), tuple(source.shape)
        if len(tshape) < 1 or len(sshape) < 1 or tshape[0] != sshape[0]:
            raise ValueError(
                "batch_jacobian: target and source must have the same first (batch) dimension, "
                f"got shapes {tshape} and {sshape}"
            )
        b = tshape[0]
        inner = 1
        for d in tshape[1:]:
            inner *= d
        import numpy as np
        cols = []
        for j in range(inner):
            seed = np.zeros((b, inner), dtype=target.dtype.as_numpy_dtype)
            seed[:, j] = 1
            (g,) = self._tape.gradient([target], [seed.reshape(tshape)], [source])
            cols.append(g)
        self._finish()
        if inner == 0 or all(g is None for g in cols):
            # zeros even for UnconnectedGradients.NONE: TF's batch_jacobian does this "to
            # maintain compatibility with the previous behavior"
            return zeros(tshape + sshape[1:], dtype=source.dtype)
        cols = [zeros(sshape, dtype=source.dtype) if g is None else g for g in cols]
        return reshape(stack(cols, axis=1), tshape + sshape[1:])
