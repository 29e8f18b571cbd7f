"""tf.Module: a container that finds the Variables and sub-modules held in its attributes.

``Module.variables`` / ``trainable_variables`` walk the object's attributes (and lists, tuples
and dicts of them, and the attributes of sub-modules) and return every ``tapegrad.Variable``
found, each once. Keras layers are Modules too, so a ``keras.layers.Dense`` stored in a Module
contributes its kernel and bias. ``name_scope`` and ``with_name_scope`` exist for TF's API; in
eager tapegrad they change no names.
"""

import contextlib
import re

from . import _core, _nest

__all__ = ["Module"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _camel_to_snake(name):
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _leaves(value, out):
    """``value`` flattened as tf.nest does (lists and tuples in order, dicts by sorted key)."""
    _nest._flatten(value, out)


def _attribute_children(obj, keys, kind, seen, skip=()):
    """The Variables and the ``kind`` objects held in ``obj``'s attributes ``keys`` (each
    attribute flattened as a nest), each once: ``seen`` (ids) is updated."""
    attrs = vars(obj)
    variables, children = [], []
    for key in keys:
        if key in skip:
            continue
        leaves = []
        _leaves(attrs[key], leaves)
        for leaf in leaves:
            if id(leaf) in seen:
                continue
            if isinstance(leaf, _core.Variable):
                seen.add(id(leaf))
                variables.append(leaf)
            elif isinstance(leaf, kind):
                seen.add(id(leaf))
                children.append(leaf)
    return variables, children


def _flatten_module(module, variables, modules, seen):
    """TF's walk: the module's attributes in sorted order, each flattened as a nest; its
    Variables and sub-modules are collected first, then each sub-module is walked in turn.
    ``seen`` (ids) makes every object count once, and stops cycles."""
    found, subs = _attribute_children(module, sorted(vars(module)), Module, seen,
                                      module._TF_MODULE_IGNORED_PROPERTIES)
    variables.extend(found)
    modules.extend(subs)
    for sub in subs:
        _flatten_module(sub, variables, modules, seen)


class Module:
    """Base class for a model piece that owns Variables, as ``tf.Module``.

    Assign Variables, other Modules (or Keras layers) and lists/dicts of them to attributes;
    ``variables``, ``trainable_variables`` and ``submodules`` find them. ``name`` defaults to
    the class name in snake case and must be a valid Python identifier (as TF)."""

    # Attributes a walk skips: a subclass lists its own bookkeeping here.
    _TF_MODULE_IGNORED_PROPERTIES = frozenset()

    def __init__(self, name=None):
        if name is None:
            name = _camel_to_snake(type(self).__name__)
        elif not isinstance(name, str) or not _IDENTIFIER.match(name):
            raise ValueError(f"{name!r} is not a valid module name. Module names must be valid "
                             "Python identifiers (e.g. a valid class name).")
        self._module_name = name

    @property
    def name(self):
        """The module's name (given to the constructor, or the class name in snake case)."""
        return self._module_name

    @property
    def name_scope(self):
        """A context manager for TF's name scope (names of tapegrad's eager tensors are not
        scoped: it changes nothing)."""
        return contextlib.nullcontext(self.name)

    def _flatten(self):
        variables, modules = [], []
        _flatten_module(self, variables, modules, {id(self)})
        return variables, modules

    @property
    def variables(self):
        """Every Variable held by this module and its sub-modules (each once), as a tuple."""
        return tuple(self._flatten()[0])

    @property
    def trainable_variables(self):
        """The Variables with ``trainable=True``, as a tuple."""
        return tuple(v for v in self._flatten()[0] if v.trainable)

    @property
    def non_trainable_variables(self):
        """The Variables with ``trainable=False``, as a tuple."""
        return tuple(v for v in self._flatten()[0] if not v.trainable)

    @property
    def submodules(self):
        """Every Module reachable from this one's attributes (not itself), as a tuple."""
        return tuple(self._flatten()[1])

    @classmethod
    def with_name_scope(cls, method):
        """Decorator TF uses to run a method inside the module's name scope: here the method
        itself (tapegrad does not scope names)."""
        return method

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
