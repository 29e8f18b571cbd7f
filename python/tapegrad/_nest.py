"""Flatten and rebuild nests of lists/tuples/dicts, as tf.nest does (dicts by sorted key)."""

__all__ = ["flatten", "pack_sequence_as"]


def flatten(structure):
    out = []
    _flatten(structure, out)
    return out


def _sorted_keys(d):
    """A dict's keys sorted (tf.nest's order), or in insertion order when they do not sort."""
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def _flatten(s, out):
    if isinstance(s, dict):
        for k in _sorted_keys(s):
            _flatten(s[k], out)
    elif isinstance(s, (list, tuple)):
        for x in s:
            _flatten(x, out)
    else:
        out.append(s)


def pack_sequence_as(structure, flat):
    it = iter(flat)
    result = _pack(structure, it)
    return result


def _pack(s, it):
    if isinstance(s, dict):
        packed = {k: _pack(s[k], it) for k in _sorted_keys(s)}
        return type(s)((k, packed[k]) for k in s)
    if isinstance(s, tuple) and hasattr(s, "_fields"):  # namedtuple
        return type(s)(*[_pack(x, it) for x in s])
    if isinstance(s, (list, tuple)):
        return type(s)(_pack(x, it) for x in s)
    return next(it)
