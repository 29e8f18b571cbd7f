"""``tf.Variable(..., constraint=fn)`` and ``Variable.constraint``, on the C++ Variable class.

The Variable type is the pybind11 class ``_core.Variable`` (no per-instance ``__dict__``):
its ``__init__`` is wrapped here to take TF's ``constraint`` argument, and the constraints live
in a table keyed by the variable's id, removed when the variable is collected. A variable
without a constraint costs nothing (no entry). Keras optimizers read ``variable.constraint``
after each update and assign ``constraint(variable)`` (keras/optimizers.py), as Keras does;
``tf.Variable`` itself never applies it.
"""

import weakref as _weakref

from . import _core

__all__ = []

# id(variable) -> constraint, for the live variables that have one (see _forget).
_CONSTRAINTS = {}

_core_init = _core.Variable.__init__


def _forget(key):
    _CONSTRAINTS.pop(key, None)


def _set_constraint(var, constraint):
    if constraint is None:
        return
    key = id(var)
    _CONSTRAINTS[key] = constraint
    _weakref.finalize(var, _forget, key)


def _variable_init(self, initial_value=None, trainable=True, name=None, dtype=None, *,
                   constraint=None):
    """A new Variable from ``initial_value`` (a tensor-like, or a callable returning one),
    as ``tf.Variable``. ``constraint`` (None or a callable ``c(variable) -> tensor`` of the
    same shape, e.g. a ``keras.constraints`` object) is stored as ``variable.constraint``:
    Keras optimizers apply ``variable.assign(constraint(variable))`` after each update of
    it; a constraint that is not callable is a ValueError, as TF."""
    if constraint is not None and not callable(constraint):
        raise ValueError(f"Variable: argument `constraint` must be None or a callable, got "
                         f"{type(constraint).__name__}: {constraint!r}")
    _core_init(self, initial_value, trainable, name, dtype)
    _set_constraint(self, constraint)


def _constraint(self):
    """The projection function given as ``constraint`` (None when there is none), which
    Keras optimizers apply after updating the variable, as ``tf.Variable.constraint``."""
    if not _CONSTRAINTS:
        return None
    return _CONSTRAINTS.get(id(self))


def constraints_in_use():
    """True when some live variable has a constraint (the optimizers' fast path skips the
    per-variable lookups otherwise)."""
    return bool(_CONSTRAINTS)


_variable_init.__name__ = "__init__"
_variable_init.__qualname__ = "Variable.__init__"
_core.Variable.__init__ = _variable_init
_core.Variable.constraint = property(_constraint)
