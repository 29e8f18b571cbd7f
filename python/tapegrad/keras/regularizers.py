"""tapegrad.keras.regularizers: Keras' weight penalties (L1, L2, L1L2).

A regularizer is a callable ``reg(x) -> scalar tensor`` built from recorded ops, so its penalty
is differentiated with the loss. Layers take them as ``kernel_regularizer``,
``bias_regularizer`` and ``activity_regularizer``; the penalties appear in ``layer.losses`` /
``model.losses`` and ``fit`` adds their sum to the loss, as Keras does.
"""

import numbers

from .. import _core

__all__ = ["Regularizer", "L1", "L2", "L1L2", "l1", "l2", "l1_l2", "get", "serialize",
           "deserialize"]


def _factor(value, arg, owner):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0 \
            or value == float("inf"):
        raise ValueError(f"{owner}: invalid value for argument {arg}: expected a finite float "
                         f">= 0, received {arg}={value!r}")
    return float(value)


class Regularizer:
    """Base class: ``__call__(x)`` returns the penalty of the weight tensor ``x``."""

    def __call__(self, x):
        return _core._fill((), 0.0, x.dtype)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """A regularizer from ``get_config``'s dict."""
        return cls(**config)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)`` (both 0 by default)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(l1, "l1", "L1L2")
        self.l2 = _factor(l2, "l2", "L1L2")

    def __call__(self, x):
        out = None
        if self.l1:
            out = _core.multiply(_core.reduce_sum(_core.abs(x)), self.l1)
        if self.l2:
            term = _core.multiply(_core.reduce_sum(_core.square(x)), self.l2)
            out = term if out is None else _core.add(out, term)
        return out if out is not None else super().__call__(x)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """``l1 * sum(|x|)``, l1 = 0.01 by default."""

    def __init__(self, l1=0.01):
        super().__init__(l1=_factor(l1, "l1", "L1"))

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"l1": self.l1}


class L2(L1L2):
    """``l2 * sum(x**2)``, l2 = 0.01 by default."""

    def __init__(self, l2=0.01):
        super().__init__(l2=_factor(l2, "l2", "L2"))

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"l2": self.l2}


l1 = L1
l2 = L2
l1_l2 = L1L2

_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2}


def get(identifier):
    """A regularizer from None, a name ('l1', 'l2', 'l1_l2'), a config dict
    ``{'class_name': ..., 'config': {...}}`` (``serialize``'s; custom classes from
    ``custom_objects`` / the registry), an instance or any callable."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    if isinstance(identifier, dict) and "class_name" in identifier:
        try:
            return deserialize(identifier)
        except TypeError:
            raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}") from None
    if isinstance(identifier, str):
        from . import saving
        found = saving.get_registered_object(identifier)
        if found is not None:
            return found() if isinstance(found, type) else found
    if callable(identifier) and not isinstance(identifier, (str, dict)):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")


def serialize(regularizer):
    """``{'module', 'class_name', 'config', 'registered_name'}`` for a regularizer (a function
    by module and name), as ``keras.regularizers.serialize``; None for None."""
    if regularizer is None:
        return None
    from . import saving
    return saving.serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    """The regularizer ``serialize`` described."""
    from . import saving
    table = {c.__name__: c for c in (Regularizer, L1, L2, L1L2)}
    return saving.deserialize_keras_object(config, custom_objects, module_objects=table)
