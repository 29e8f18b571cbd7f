"""tapegrad.nest: nested structures of values, as ``tf.nest``.

Lists, tuples, namedtuples and dicts are structures (dicts in sorted-key order, as TF);
everything else, tensors and None included, is a leaf. ``flatten`` and ``pack_sequence_as``
are the ones tapegrad's custom_gradient uses (``tapegrad._nest``); these public versions
also check that the number of leaves fits.
"""

from . import _nest

__all__ = ["flatten", "pack_sequence_as", "map_structure", "assert_same_structure", "is_nested"]


def is_nested(seq):
    """True for a list, tuple (namedtuple) or dict: something ``flatten`` looks into."""
    return isinstance(seq, (list, tuple, dict))


def flatten(structure, expand_composites=False):
    """The leaves of ``structure`` in order (a leaf gives ``[leaf]``), as ``tf.nest.flatten``:
    ``flatten({'b': (1, 2), 'a': [3]})`` is ``[3, 1, 2]``."""
    return _nest.flatten(structure)


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """``flat_sequence`` rebuilt in the shape of ``structure`` (its leaves replaced in
    ``flatten`` order), as ``tf.nest.pack_sequence_as``; ValueError if the counts differ."""
    if not isinstance(flat_sequence, (list, tuple)):
        raise TypeError(f"pack_sequence_as: flat_sequence must be a list or tuple, got "
                        f"{type(flat_sequence).__name__}")
    n = len(_nest.flatten(structure))
    if n != len(flat_sequence):
        raise ValueError(f"pack_sequence_as: Could not pack sequence. Structure had {n} atoms, "
                         f"but flat_sequence had {len(flat_sequence)} items. Structure: "
                         f"{structure!r:.100}")
    if not is_nested(structure):
        return flat_sequence[0]
    return _nest.pack_sequence_as(structure, list(flat_sequence))


def _check(a, b, check_types, path):
    if is_nested(a) != is_nested(b):
        raise ValueError(f"assert_same_structure: The two structures don't have the same nested "
                         f"structure: {a!r:.60} and {b!r:.60} at {path or 'the top'}")
    if not is_nested(a):
        return
    if check_types and type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict)):
        raise TypeError(f"assert_same_structure: The two structures don't have the same sequence "
                        f"type: {type(a).__name__} and {type(b).__name__} at {path or 'the top'}")
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or sorted(a) != sorted(b):
            raise ValueError(f"assert_same_structure: The two structures don't have the same keys: "
                             f"{sorted(a) if isinstance(a, dict) else a!r:.60} and "
                             f"{sorted(b) if isinstance(b, dict) else b!r:.60}")
        for k in sorted(a):
            _check(a[k], b[k], check_types, f"{path}[{k!r}]")
        return
    if len(a) != len(b):
        raise ValueError(f"assert_same_structure: The two structures don't have the same number "
                         f"of elements: {len(a)} and {len(b)} at {path or 'the top'}")
    for i, (x, y) in enumerate(zip(a, b)):
        _check(x, y, check_types, f"{path}[{i}]")


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    """Raise ValueError unless the two have the same nesting (TypeError for a list against a
    tuple with ``check_types``), as ``tf.nest.assert_same_structure``."""
    _check(nest1, nest2, check_types, "")


def map_structure(func, *structure, **kwargs):
    """``func`` applied to the leaves of one or more structures of the same nesting, in a
    structure like the first, as ``tf.nest.map_structure``:
    ``map_structure(lambda a, b: a + b, (1, [2]), (10, [20]))`` is ``(11, [22])``."""
    if not callable(func):
        raise TypeError(f"map_structure: func must be callable, got {type(func).__name__}")
    if not structure:
        raise ValueError("map_structure: Must provide at least one structure")
    check_types = kwargs.pop("check_types", True)
    kwargs.pop("expand_composites", None)
    if kwargs:
        raise ValueError(f"map_structure: Only valid keyword arguments are `check_types` and "
                         f"`expand_composites`, got {sorted(kwargs)}")
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=check_types)
    flats = [_nest.flatten(s) for s in structure]
    return pack_sequence_as(structure[0], [func(*xs) for xs in zip(*flats)])
