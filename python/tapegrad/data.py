"""tapegrad.data: ``tf.data.Dataset`` for eager input pipelines, as ``tf.data``.

A Dataset is a recipe for a sequence of elements: each element is a tensor or a nested
structure (tuples, namedtuples, dicts) of tensors, and iterating the dataset runs the recipe
again (``shuffle`` draws a new order each time, ``cache`` keeps the first full pass). As in TF,
Python lists are values, not structures: ``from_tensor_slices([1, 2, 3])`` slices one tensor.
Elements are tapegrad Tensors with TF's conversion rules (numpy arrays keep their dtype,
Python floats become float32 and ints int32, as ``tapegrad.constant`` makes them; ``range`` gives
int64).

Batching does not stack single elements when nothing changes them: a dataset made by
``from_tensor_slices`` or ``range`` and then only ``shuffle``, ``take``, ``skip``, ``repeat``,
``cache``, ``shard`` (the "indexed" path) carries the row indices of its source arrays, and
``batch`` copies each batch out of them with one numpy indexing per component (one slice when
the rows are consecutive). After ``map``, ``filter``, ``zip``... elements are stacked.

Strings: tapegrad has no string tensors, so a string component (from ``list_files``,
``TextLineDataset``, or Python / numpy strings given to ``from_tensor_slices``, ``from_tensors``
or returned by ``map``) is kept as numpy values with TF's numpy forms: a scalar is a Python
``bytes`` (str is encoded as UTF-8, as ``tf.string``), a batch is a numpy object array of bytes.
Iteration and ``as_numpy_iterator`` both yield them so, ``element_spec`` says
``TensorSpec(shape=(), dtype=tf.string)``, and ``batch``, ``padded_batch`` (padding ``b''``),
``unbatch``, ``shuffle``, ``zip``, ``unique``... carry them like any other component.

Datasets can be components: ``window`` yields (structures of) Datasets, as TF, and a
``map`` function may return Datasets; their ``element_spec`` entry is a ``DatasetSpec``.
"""

import bisect as _bisect
import builtins as _builtins
import collections as _collections
import fnmatch as _fnmatch
import gzip as _gzip
import io as _io
import itertools as _itertools
import json as _json
import numbers as _numbers
import os as _os
import sys as _sys
import types as _types
import zlib as _zlib

import numpy as _np

from . import _core
from . import random as _random
from .dtypes import as_dtype as _as_dtype, int64 as _int64, bool as _bool
from .errors import InvalidArgumentError, OutOfRangeError as _OutOfRangeError

__all__ = ["Dataset", "TensorSpec", "DatasetSpec", "TextLineDataset", "AUTOTUNE",
           "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "experimental"]

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2
_INF, _UNK = INFINITE_CARDINALITY, UNKNOWN_CARDINALITY
_CHUNK = 4096  # indices per chunk of an index stream


class _PseudoDType:
    """Stands for ``tf.string`` (tapegrad has no string tensors: string components are Python
    bytes, or numpy object arrays of bytes) or ``tf.variant`` (a Dataset component) where
    specs name a dtype."""

    __slots__ = ("name",)
    as_numpy_dtype = object
    is_floating = is_integer = is_bool = False

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"tf.{self.name}"

    def __reduce__(self):
        return "_STRING" if self.name == "string" else "_VARIANT"


_STRING = _PseudoDType("string")
_VARIANT = _PseudoDType("variant")


class TensorSpec:
    """The shape and dtype of one component of a dataset's elements, as ``tf.TensorSpec``
    (``None`` for a dimension whose size is not fixed, such as the last batch's). ``dtype``
    may be ``"string"`` for string components."""

    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape, dtype="float32", name=None):
        # a tapegrad.TensorShape (a tuple with TF's as_list / rank...), None for an unknown rank
        self.shape = None if shape is None else _sys.modules[__package__].TensorShape(
            tuple(None if d is None else int(d) for d in shape))
        self.dtype = _STRING if (dtype is _STRING or (isinstance(dtype, str) and dtype == "string")) \
            else _as_dtype(dtype)
        self.name = name

    def is_compatible_with(self, other):
        """True when ``other`` (a TensorSpec or a tensor) could be described by this spec."""
        if isinstance(other, TensorSpec):
            shape, dtype = other.shape, other.dtype
        else:
            shape, dtype = _shape(other), _dtype(other)
        if self.dtype != dtype:
            return False
        if shape is None:
            return True
        shape = tuple(shape)
        if self.shape is None:
            return True
        return len(shape) == len(self.shape) and all(a is None or b is None or a == b
                                                     for a, b in zip(self.shape, shape))

    def __eq__(self, other):
        return (isinstance(other, TensorSpec) and self.shape == other.shape
                and self.dtype == other.dtype and self.name == other.name)

    def __hash__(self):
        return hash((self.shape, self.dtype.name, self.name))

    def __repr__(self):
        shape = "<unknown>" if self.shape is None else tuple(self.shape)
        return f"TensorSpec(shape={shape}, dtype=tf.{self.dtype.name}, name={self.name!r})"


class DatasetSpec:
    """The type of a component that is itself a Dataset (each window of ``Dataset.window``),
    as ``tf.data.DatasetSpec``: ``element_spec`` is that dataset's element spec."""

    __slots__ = ("element_spec", "dataset_shape")

    def __init__(self, element_spec, dataset_shape=()):
        self.element_spec = element_spec
        self.dataset_shape = tuple(dataset_shape)

    @property
    def dtype(self):
        """``tf.variant``, as TF names a dataset-valued component's dtype."""
        return _VARIANT

    @property
    def shape(self):
        """The dataset component's shape, ``()``."""
        return self.dataset_shape

    def is_compatible_with(self, other):
        """True when ``other`` (a DatasetSpec or a Dataset) has the same element structure and
        dtypes."""
        spec = other.element_spec
        if self.element_spec is None or spec is None:
            return True
        a, b = _flatten(self.element_spec), _flatten(spec)
        return _same_structure(self.element_spec, spec) and len(a) == len(b) and \
            all(x.dtype == y.dtype for x, y in zip(a, b))

    def __eq__(self, other):
        return (isinstance(other, DatasetSpec) and self.element_spec == other.element_spec
                and self.dataset_shape == other.dataset_shape)

    def __hash__(self):
        return hash((repr(self.element_spec), self.dataset_shape))

    def __repr__(self):
        return f"DatasetSpec({self.element_spec!r}, TensorShape({list(self.dataset_shape)}))"


# -- structures: tuples, namedtuples and dicts nest; lists and everything else are values -----
def _is_struct(s):
    return isinstance(s, (tuple, dict))


def _flatten(s):
    if not isinstance(s, (tuple, dict)):
        return [s]
    out = []

    def walk(x):
        if isinstance(x, dict):
            for k in sorted(x):
                walk(x[k])
        elif isinstance(x, tuple):
            for v in x:
                walk(v)
        else:
            out.append(x)
    walk(s)
    return out


def _pack(s, flat):
    if not isinstance(s, (tuple, dict)):
        return next(iter(flat))
    it = iter(flat)

    def build(x):
        if isinstance(x, dict):
            done = {k: build(x[k]) for k in sorted(x)}
            return type(x)((k, done[k]) for k in x)
        if isinstance(x, tuple):
            vals = [build(v) for v in x]
            return type(x)(*vals) if hasattr(x, "_fields") else type(x)(vals)
        return next(it)
    return build(s)


def _same_structure(a, b):
    if isinstance(a, dict) or isinstance(b, dict):
        return (isinstance(a, dict) and isinstance(b, dict) and sorted(a) == sorted(b)
                and all(_same_structure(a[k], b[k]) for k in a))
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)
                and all(_same_structure(x, y) for x, y in zip(a, b)))
    return True


# -- string components: Python bytes (scalars) or numpy object arrays of bytes -------------------
def _as_bytes(v, op):
    if isinstance(v, str):
        return v.encode("utf-8")
    if isinstance(v, bytes):
        return bytes(v)
    raise TypeError(f"{op}: cannot mix strings and {type(v).__name__} values in one component")


def _walk_list(x, op):
    """(shape, leaves) of a nested list; ValueError when the nesting is ragged."""
    if not isinstance(x, list):
        return (), [x]
    subs = [_walk_list(v, op) for v in x]
    if not subs:
        return (0,), []
    shape = subs[0][0]
    if any(sh != shape for sh, _ in subs):
        raise ValueError(f"{op}: cannot convert a ragged nested list of strings to one component "
                         f"(sub-lists of different lengths)")
    return (len(x),) + shape, [v for _, leaves in subs for v in leaves]


def _string_array(shape, leaves, op):
    flat = [_as_bytes(v, op) for v in leaves]
    if not shape:
        return flat[0]
    out = _np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(shape)


def _string_value(x, op):
    """``x`` as a string component (bytes, or an object array of bytes), or None when ``x``
    holds no strings. Lists mixing strings and numbers are a TypeError."""
    if isinstance(x, (str, bytes)):
        return _as_bytes(x, op)
    if isinstance(x, _np.ndarray):
        if x.dtype.kind in "SU" or (x.dtype.kind == "O" and x.size
                                     and all(isinstance(v, (str, bytes)) for v in x.flat)):
            return _string_array(x.shape, x.reshape(-1).tolist(), op)
        return None
    if isinstance(x, list):
        first = x
        while isinstance(first, list) and first:
            first = first[0]
        if not isinstance(first, (str, bytes)):
            return None
        shape, leaves = _walk_list(x, op)
        if not all(isinstance(v, (str, bytes)) for v in leaves):
            bad = next(v for v in leaves if not isinstance(v, (str, bytes)))
            raise TypeError(f"{op}: cannot convert a list that mixes strings and "
                            f"{type(bad).__name__} values: {x!r:.80}")
        return _string_array(shape, leaves, op)
    return None


def _is_string(c):
    return isinstance(c, bytes) or (isinstance(c, _np.ndarray) and c.dtype == object)


def _shape(c):
    """A component's shape as a tuple (tensor, string value or numpy array)."""
    if isinstance(c, bytes):
        return ()
    return tuple(c.shape)


def _dtype(c):
    return _STRING if _is_string(c) else c.dtype


def _value(c):
    """A component's value as a numpy array (0-d object array for a bytes scalar)."""
    if isinstance(c, bytes):
        out = _np.empty((), dtype=object)
        out[()] = c
        return out
    if isinstance(c, _np.ndarray):
        return c
    return c.numpy()


def _make(value, dtype):
    """A component of ``dtype`` from a numpy value (strings stay numpy / bytes)."""
    if dtype is _STRING:
        if isinstance(value, _np.ndarray):
            return value.item() if value.ndim == 0 else value
        return value
    return _core._constant(value, dtype)


def _to_tensor(x, op, allow_dataset=False):
    """One component as a Tensor: tensors pass, strings become string values, anything else
    converts as tf.constant does. Datasets pass where ``allow_dataset``."""
    if isinstance(x, _core.Tensor):
        return x
    if isinstance(x, _core.Variable):
        return x.read_value()
    if isinstance(x, Dataset):
        if allow_dataset:
            return x
        raise TypeError(f"{op}: a Dataset cannot be a component here")
    s = _string_value(x, op)
    if s is not None:
        return s
    if isinstance(x, list):
        arr = _stacked_arrays(x)
        if arr is not None:
            return _core._constant(arr, None, op)
    return _core._constant(x, None, op)


def _stacked_arrays(x):
    """A list (of lists) of numpy arrays all of one dtype as one array of that dtype, else None.
    TF's tf.data (structure.normalize_element) keeps the arrays' dtype there:
    ``from_tensor_slices([uint8_array, uint8_array])`` has uint8 elements (float64 arrays stay
    float64), where tf.constant of the same list gives int32 (float32)."""
    leaves = []

    def walk(v, depth):
        if isinstance(v, list) and depth < 32:
            return all(walk(u, depth + 1) for u in v)
        leaves.append(v)
        return isinstance(v, _np.ndarray)
    if not walk(x, 0) or not leaves or len({a.dtype for a in leaves}) != 1:
        return None
    try:
        arr = _np.array(x)
    except ValueError:  # ragged: the ordinary conversion gives its error
        return None
    return arr if arr.dtype == leaves[0].dtype else None


def _normalize(value, op, top=True):
    """A value returned by a user function as an element: a top-level list becomes a tuple
    (as TF's map does), components become tensors (or string values, or Datasets)."""
    if isinstance(value, _core.Tensor):
        return value
    if top and isinstance(value, list):
        value = tuple(value)
    return _pack(value, [_to_tensor(v, op, allow_dataset=True) for v in _flatten(value)])


def _call(fn, element):
    # TF's rule: a tuple element is unpacked into positional arguments; anything else
    # (a tensor, a dict, a namedtuple) is passed as one argument.
    return fn(*element) if type(element) is tuple else fn(element)


def _flatten_up_to(structure, values, op):
    """``values`` flattened to the depth of ``structure`` (for shapes, whose tuples are
    values, not structure)."""
    out = []

    def walk(st, v):
        if isinstance(st, dict):
            if not isinstance(v, dict) or sorted(v) != sorted(st):
                raise ValueError(f"{op}: {values!r:.80} does not match the structure {structure!r:.80}")
            for k in sorted(st):
                walk(st[k], v[k])
        elif isinstance(st, tuple):
            if not isinstance(v, (tuple, list)) or len(v) != len(st):
                raise ValueError(f"{op}: {values!r:.80} does not match the structure {structure!r:.80}")
            for a, b in zip(st, v):
                walk(a, b)
        else:
            out.append(v)
    walk(structure, values)
    return out


def _shape_arg(shape):
    """A shape given as None (unknown rank), an int, or a sequence of ints / None / -1."""
    if shape is None:
        return None
    if isinstance(shape, _numbers.Integral):
        return (int(shape),)
    dims = getattr(shape, "as_list", None)
    seq = dims() if callable(dims) else shape
    return tuple(None if d is None or int(d) == -1 else int(d) for d in seq)


def _parallel_arg(value, op):
    """Checks ``num_parallel_calls`` (a positive int or AUTOTUNE), as TF; eager tapegrad
    runs the calls one at a time in the deterministic order whatever its value."""
    npc = _int_arg(value, op, "num_parallel_calls")
    if npc <= 0 and npc != AUTOTUNE:
        raise InvalidArgumentError(f"{op}: num_parallel_calls must be greater than zero or "
                                   f"AUTOTUNE, got {npc}")
    return npc


def _padding_value(pv, dt, op):
    """padded_batch's padding value for a component of dtype ``dt`` (None: the default)."""
    if dt is _STRING:
        if pv is None:
            return b""
        if isinstance(pv, _np.ndarray) and pv.ndim == 0:
            pv = pv.item()
        if not isinstance(pv, (str, bytes)):
            raise TypeError(f"{op}: Invalid `padding_values`. `padding_values` values type "
                            f"{type(pv).__name__} does not match type string of the "
                            f"corresponding input component.")
        return _as_bytes(pv, op)
    if pv is None:
        return 0
    if isinstance(pv, (_core.Tensor, _core.Variable, _np.ndarray, _np.generic)):
        arr = _np.asarray(pv.numpy() if isinstance(pv, (_core.Tensor, _core.Variable)) else pv)
        pdt = pv.dtype.name if isinstance(pv, (_core.Tensor, _core.Variable)) else arr.dtype.name
        if arr.ndim != 0:
            raise ValueError(f"{op}: Invalid `padding_values`. `padding_values` values should be "
                             f"scalars, but got {tuple(arr.shape)}.")
        if pdt != dt.name:
            raise TypeError(f"{op}: Invalid `padding_values`. `padding_values` values type "
                            f"{pdt} does not match type {dt.name} of the corresponding input "
                            f"component.")
        return arr[()]
    if isinstance(pv, (str, bytes)):
        raise TypeError(f"{op}: Invalid `padding_values`. `padding_values` values type string "
                        f"does not match type {dt.name} of the corresponding input component.")
    if isinstance(pv, _builtins.bool) and not dt.is_bool or \
            dt.is_bool and not isinstance(pv, _builtins.bool) or \
            dt.is_integer and isinstance(pv, float) and not float(pv).is_integer():
        raise TypeError(f"{op}: Invalid `padding_values`. `padding_values` values type "
                        f"{type(pv).__name__} ({pv!r}) does not match type {dt.name} of the "
                        f"corresponding input component.")
    if not isinstance(pv, _numbers.Number):
        raise TypeError(f"{op}: Invalid `padding_values`. Expected scalars, got {pv!r:.80}")
    return pv


def _same(spec):
    return spec


def _returned_spec(parent, map_func, op):
    """flat_map's / interleave's element_spec: that of the dataset ``map_func`` returns for
    the input's first element (TF traces the function for it)."""
    def spec_fn():
        e = next(iter(parent()), _END)
        if e is _END:
            raise ValueError(f"{op}: the input is empty")
        return _returned_dataset(_call(map_func, e), op, "map_func").element_spec
    return spec_fn


def _dtype_arg(d):
    """A dtype argument: tapegrad dtypes and their names, or ``"string"`` (tapegrad has no
    ``tf.string``)."""
    if d is _STRING or (isinstance(d, str) and d == "string"):
        return _STRING
    return _as_dtype(d)


def _cast_component(t, dtype, op):
    """``t`` (a component) converted to ``dtype`` as from_generator's declared types ask."""
    if dtype is _STRING or _is_string(t):
        raise TypeError(f"{op}: the generator yielded a {_dtype(t).name} value where a "
                        f"{dtype.name} value was expected")
    return _core._constant(_np.asarray(t.numpy()).astype(dtype.as_numpy_dtype), dtype)


def _int_arg(value, op, what):
    if isinstance(value, (_core.Tensor, _core.Variable, _np.ndarray, _np.generic)):
        arr = _np.asarray(value)
        if arr.ndim != 0 or arr.dtype.kind not in "iu":
            raise TypeError(f"{op}: {what} must be a scalar integer, got {value!r:.80}")
        return int(arr)
    if isinstance(value, _builtins.bool) or not isinstance(value, _numbers.Integral):
        raise TypeError(f"{op}: {what} must be an integer, got {value!r:.80} of type "
                        f"{type(value).__name__}")
    return int(value)


def _check_fn(fn, op, what):
    if not callable(fn):
        raise TypeError(f"{op}: {what} must be callable, got {fn!r:.80} of type {type(fn).__name__}")


def _shape_text(shape):
    return str(list(shape))


def _map_specs(spec, fn):
    """``fn`` applied to every TensorSpec / DatasetSpec of a spec structure."""
    return _pack(spec, [fn(x) for x in _flatten(spec)])


def _batched_spec(x, dim):
    """A component's spec with a leading batch dimension ``dim`` (None: not fixed)."""
    if isinstance(x, DatasetSpec):
        return DatasetSpec(x.element_spec, (dim,) + x.dataset_shape)
    return TensorSpec(None if x.shape is None else (dim,) + x.shape, x.dtype)


def _unbatched_spec(x):
    if isinstance(x, DatasetSpec):
        return DatasetSpec(x.element_spec, x.dataset_shape[1:])
    return TensorSpec(None if x.shape is None else x.shape[1:], x.dtype)


def _merged_spec(x, y):
    """The spec describing both ``x`` and ``y`` (same dtype): dimensions that differ become
    None, a rank that differs makes the shape unknown."""
    if isinstance(x, DatasetSpec):
        return x
    if x.shape is None or y.shape is None or len(x.shape) != len(y.shape):
        return TensorSpec(None, x.dtype)
    return TensorSpec(tuple(p if p == q else None for p, q in zip(x.shape, y.shape)), x.dtype)


def _compatible_specs(a, b):
    """Same structure and dtypes (what concatenate and choose_from_datasets need)."""
    fa, fb = _flatten(a), _flatten(b)
    return _same_structure(a, b) and len(fa) == len(fb) and \
        all(type(x) is type(y) and x.dtype == y.dtype for x, y in zip(fa, fb))


def _spec_of(tensor, lead=()):
    if isinstance(tensor, Dataset):
        try:
            return DatasetSpec(tensor.element_spec)
        except ValueError:  # an empty dataset whose structure is unknown
            return DatasetSpec(None)
    return TensorSpec(tuple(lead) + _shape(tensor), _dtype(tensor))


# -- sources of the indexed path -----------------------------------------------------------------
class _Arrays:
    """Components sliced along their first axis: numpy arrays (views of the tensors given)."""

    def __init__(self, structure, arrays, dtypes, n):
        self.structure, self.arrays, self.dtypes, self.n = structure, arrays, dtypes, n

    def fetch(self, rows):
        return [a[rows] for a in self.arrays]

    def element(self, i):
        return _pack(self.structure, [_make(v, d) for v, d in zip(self.fetch(i), self.dtypes)])

    def rows(self, chunk):
        """The elements at the rows ``chunk`` (an int64 array), one by one."""
        if self.structure is None and self.dtypes[0] is not _STRING:
            d = self.dtypes[0]
            for v in self.arrays[0][chunk]:  # one gather per chunk, then a tensor per row
                yield _core._constant(v, d)
            return
        for i in chunk.tolist():
            yield self.element(i)

    def batch(self, rows):
        """One batch: the rows ``rows`` (an int64 array) of every component, one copy each."""
        if rows.size > 1 and rows[-1] - rows[0] == rows.size - 1 and _np.all(_np.diff(rows) == 1):
            rows = _builtins.slice(int(rows[0]), int(rows[-1]) + 1)
        out = []
        for a, d in zip(self.arrays, self.dtypes):
            if not isinstance(rows, _builtins.slice) and a.dtype == _np.float32 and a.flags.c_contiguous \
                    and a.ndim >= 1 and d.name == "float32":
                out.append(_core._take_rows(a, rows))  # one copy, no numpy temporary
            else:
                out.append(_make(a[rows], d))
        return _pack(self.structure, out)

    def component(self, c):
        """The source of component ``c`` alone (for per-component windows)."""
        return _Arrays(None, [self.arrays[c]], [self.dtypes[c]], self.n)

    def spec(self, lead=()):
        if not lead and getattr(self, "_spec0", None) is not None:
            return self._spec0
        out = _pack(self.structure, [TensorSpec(tuple(lead) + a.shape[1:], d)
                                     for a, d in zip(self.arrays, self.dtypes)])
        if not lead:
            self._spec0 = out
        return out


class _RangeSource(_Arrays):
    """``start + i * step`` for i in [0, n): computed per batch, never materialised."""

    def __init__(self, start, step, n, dtype):
        super().__init__(None, [], [dtype], n)
        self.start, self.step = start, step
        self.np_dtype = dtype.as_numpy_dtype

    def _values(self, rows):
        if isinstance(rows, _builtins.slice):
            rows = _np.arange(rows.start, rows.stop, dtype=_np.int64)
        return _np.asarray(self.start + self.step * _np.asarray(rows)).astype(self.np_dtype)

    def element(self, i):
        return _core._constant(self._values(i), self.dtypes[0])

    def rows(self, chunk):
        d = self.dtypes[0]
        for v in self._values(chunk):
            yield _core._constant(v, d)

    def batch(self, rows):
        return _core._constant(self._values(rows), self.dtypes[0])

    def spec(self, lead=()):
        return TensorSpec(tuple(lead), self.dtypes[0])

    def component(self, c):
        return self


def _chunks(values):
    """An iterable of Python ints as int64 index chunks."""
    it = iter(values)
    while True:
        block = list(_itertools.islice(it, _CHUNK))
        if not block:
            return
        yield _np.asarray(block, dtype=_np.int64)


def _regroup(chunks, size, drop):
    """Index chunks regrouped into arrays of exactly ``size`` (the last may be shorter)."""
    pending, count = [], 0
    for c in chunks:
        while c.size:
            take = min(size - count, c.size)
            pending.append(c[:take])
            count += take
            c = c[take:]
            if count == size:
                yield pending[0] if len(pending) == 1 else _np.concatenate(pending)
                pending, count = [], 0
    if count and not drop:
        yield pending[0] if len(pending) == 1 else _np.concatenate(pending)


def _buffer_shuffle(items, size, rng):
    """TF's shuffle: keep a buffer of ``size`` items, emit one chosen uniformly at random and
    put the next input item in its place; once the input ends, drain the buffer at random."""
    it = iter(items)
    buf = list(_itertools.islice(it, size))
    end = object()
    while buf:
        for u in rng.random(_CHUNK).tolist():
            if not buf:
                return
            j = int(u * len(buf))
            out = buf[j]
            nxt = next(it, end)
            if nxt is end:
                buf[j] = buf[-1]
                buf.pop()
            else:
                buf[j] = nxt
            yield out


def _shuffle_entropy(seed, op):
    """Seed material for one shuffle: ``seed`` with the global seed (the same orders on every
    run, as TF's op seed), else a draw from tapegrad.random's generator (reproducible after
    ``tf.random.set_seed``, fresh without it)."""
    if seed is None:
        return [int(_random._generator.integers(0, 2 ** 62))]
    s = _int_arg(seed, op, "seed")
    g = _random.get_seed()
    return [0 if g is None else int(g) & (2 ** 63 - 1), s & (2 ** 63 - 1)]


def _stack(elements, op, structure=None):
    """Elements (same structure) stacked along a new first axis, component by component."""
    first = elements[0]
    if isinstance(first, _core.Tensor) and all(isinstance(t, _core.Tensor) for t in elements):
        # one tensor per element: no structure to walk
        dt = first.dtype
        arrs = [t.numpy() for t in elements]
        for k, t in enumerate(elements):
            if t.dtype is not dt:  # dtypes are singletons
                raise TypeError(f"{op}: component 0 is {dt.name} in element 0 and "
                                f"{t.dtype.name} in element {k}")
        try:
            return _core._constant(_np.stack(arrs), dt)
        except ValueError:
            shape0 = arrs[0].shape
            k = next(k for k, a in enumerate(arrs) if a.shape != shape0)
            raise InvalidArgumentError(
                f"{op}: Cannot batch tensors with different shapes in component 0. First "
                f"element had shape {_shape_text(shape0)} and element {k} had shape "
                f"{_shape_text(arrs[k].shape)}.") from None
    flats = [_flatten(e) for e in elements]
    for k, e in enumerate(elements[1:], 1):
        if not _same_structure(first, e) or len(flats[k]) != len(flats[0]):
            raise TypeError(f"{op}: element {k} has a different structure than element 0")
    out = []
    for c in range(len(flats[0])):
        ts = [f[c] for f in flats]
        if any(isinstance(t, Dataset) for t in ts):
            raise TypeError(f"{op}: cannot batch elements whose components are Datasets "
                            f"(component {c}); use flat_map or interleave")
        shape0, dt = _shape(ts[0]), _dtype(ts[0])
        for k, t in enumerate(ts[1:], 1):
            if _shape(t) != shape0:
                raise InvalidArgumentError(
                    f"{op}: Cannot batch tensors with different shapes in component {c}. First "
                    f"element had shape {_shape_text(shape0)} and element {k} had shape "
                    f"{_shape_text(_shape(t))}.")
            if _dtype(t) != dt:
                raise TypeError(f"{op}: component {c} is {dt.name} in element 0 and "
                                f"{_dtype(t).name} in element {k}")
        out.append(_make(_np.stack([_value(t) for t in ts]), dt))
    return _pack(first, out)


def _no_dataset_components(spec, op):
    if spec is None or isinstance(spec, TensorSpec):
        return
    if any(isinstance(s, DatasetSpec) for s in _flatten(spec)):
        raise TypeError(f"{op}: cannot batch elements whose components are Datasets; use "
                        f"flat_map or interleave")


def _batch_card(n, size, drop):
    if n < 0:
        return n
    return n // size if drop else -(-n // size)


class _Iterator:
    """An iterator over a dataset's elements (``iter(dataset)``), as TF's OwnedIterator."""

    def __init__(self, gen, spec=None):
        self._gen = gen

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._gen)

    def get_next(self):
        """The next element; at the end an ``errors.OutOfRangeError`` ("End of sequence"),
        as TF's ``get_next`` (``next`` raises StopIteration)."""
        try:
            return next(self._gen)
        except StopIteration:
            raise _OutOfRangeError("End of sequence") from None


class _NumpyIterator:
    """The elements as numpy values (``Dataset.as_numpy_iterator``)."""

    def __init__(self, gen):
        self._gen = gen

    def __iter__(self):
        return self

    def __next__(self):
        e = next(self._gen)
        return _pack(e, [_numpy(t) for t in _flatten(e)])


def _numpy(t):
    if isinstance(t, (bytes, _np.ndarray)):
        return t
    if isinstance(t, Dataset):
        raise TypeError("Dataset.as_numpy_iterator() is not supported for datasets that produce "
                        "values of type Dataset (for example Dataset.window's); iterate the "
                        "dataset, or flat_map the windows first")
    a = t.numpy()
    return a[()] if a.ndim == 0 else a


class Dataset:
    """A sequence of elements, built by the ``from_*`` / ``range`` / ``zip`` constructors and
    transformed by the methods (each returns a new Dataset), as ``tf.data.Dataset``.

    ``for element in dataset`` runs it eagerly and yields tapegrad Tensors (or structures of
    them); ``as_numpy_iterator()`` yields numpy values. Not constructed directly.
    """

    def __init__(self, elements, cardinality, source=None, indices=None, spec=None, spec_fn=None):
        # elements: a zero-argument callable -> an iterator of elements. On the indexed path
        # also source (an _Arrays) and indices (zero-argument callable -> int64 chunks).
        self._elements = elements
        self._card = int(cardinality)
        self._source = source
        self._indices = indices
        self._spec = spec  # a static spec (from the source or the transformation), or None
        # spec_fn: when the spec is not static, a zero-argument callable deriving it from the
        # input's element_spec (batch, filter, zip...), as TF's transformations do
        self._spec_fn = spec_fn
        self._spec_cache = None  # the spec found by spec_fn or from the first element
        self._lead = None  # every component's first dimension when fixed (batch(n, True))

    def _derived(self, transform):
        """Spec arguments for a transformation whose spec is ``transform(self's spec)``:
        static when this dataset's spec is, else computed when asked for."""
        if self._spec is not None:
            return {"spec": transform(self._spec)}
        return {"spec_fn": lambda: transform(self.element_spec)}

    def _keep_lead(self, out):
        """``out`` (the same elements, fewer or reordered) keeps the fixed first dimension."""
        out._lead = self._lead
        return out

    @classmethod
    def _indexed(cls, source, indices, card):
        def elements():
            for chunk in indices():
                yield from source.rows(chunk)
        return cls(elements, card, source, indices, source.spec())

    # -- constructors ------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per row of ``tensors`` (a tensor, array or list, or a tuple / dict /
        namedtuple of them, all with the same first dimension), as TF:
        ``list(Dataset.from_tensor_slices(([1, 2], [3, 4])).as_numpy_iterator())`` is
        ``[(1.0, 3.0), (2.0, 4.0)]`` (Python numbers are float32 in tapegrad)."""
        op = "Dataset.from_tensor_slices"
        if isinstance(tensors, Dataset):
            raise TypeError(f"{op}: expected tensors or arrays, got a Dataset")
        flat = [_to_tensor(x, op) for x in _flatten(tensors)]
        if not flat:
            raise ValueError(f"{op}: tensors must contain at least one tensor, got {tensors!r:.80}")
        for t in flat:
            if not _shape(t):
                raise ValueError(f"{op}: Unbatching a tensor is only supported for rank >= 1; "
                                 f"got a scalar component {t!r:.80}")
        n = _shape(flat[0])[0]
        for t in flat[1:]:
            if _shape(t)[0] != n:
                raise InvalidArgumentError(
                    f"{op}: all components must have the same size in their first dimension, "
                    f"got shapes {', '.join(_shape_text(_shape(u)) for u in flat)}")
        source = _Arrays(tensors if _is_struct(tensors) else None,
                         [_value(t) for t in flat], [_dtype(t) for t in flat], n)
        return Dataset._indexed(source, lambda: _chunks_range(0, n), n)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset of one element, ``tensors`` itself (converted to tensors), as TF."""
        element = _normalize(tensors, "Dataset.from_tensors", top=False)
        spec = _pack(element, [_spec_of(t) for t in _flatten(element)])
        return Dataset(lambda: iter((element,)), 1, spec=spec)

    @staticmethod
    def range(*args, **kwargs):
        """``range(stop)``, ``range(start, stop[, step])``: int64 scalars (``output_type``
        for another dtype), as TF: ``list(Dataset.range(1, 5, 2).as_numpy_iterator())`` is
        ``[1, 3]``; an empty range when stop is on the wrong side of start."""
        op = "Dataset.range"
        dtype = _as_dtype(kwargs.pop("output_type", _int64))
        kwargs.pop("name", None)
        if kwargs:
            raise TypeError(f"{op}: unexpected keyword arguments {sorted(kwargs)}")
        if not 1 <= len(args) <= 3:
            raise ValueError(f"{op}: Invalid `args`. The length of `args` should be between 1 "
                             f"and 3 but was {len(args)}.")
        vals = [_int_arg(a, op, "start, stop and step") for a in args]
        start, stop, step = (0, vals[0], 1) if len(vals) == 1 else (vals + [1])[:3]
        if step == 0:
            raise InvalidArgumentError(f"{op}: step must be a non-zero integer, got 0")
        n = max(0, -(-(stop - start) // step))
        if dtype.is_bool:
            raise TypeError(f"{op}: output_type must be a number type, got bool")
        source = _RangeSource(start, step, n, dtype)
        return Dataset._indexed(source, lambda: _chunks_range(0, n), n)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """Elements from ``generator()`` (a callable returning an iterable; ``args`` are
        passed to it), each converted as ``tf.constant`` does, or cast to ``output_types`` /
        ``output_signature``'s dtypes when given. Cardinality unknown."""
        op = "Dataset.from_generator"
        _check_fn(generator, op, "generator")
        spec = None
        if output_signature is not None:
            spec = output_signature
            dts = [s.dtype for s in _flatten(output_signature)]
        elif output_types is not None:
            dts = [_dtype_arg(d) for d in _flatten(output_types)]
            if output_shapes is not None:
                # TF's legacy pair: the shapes' None dimensions stay None in element_spec
                flat_shapes = _flatten_up_to(output_types, output_shapes, op)
                shapes = [_shape_arg(sh) for sh in flat_shapes]
            else:  # as TF: types alone leave the shapes unknown (rank included)
                shapes = [None] * len(dts)
            specs = [TensorSpec(sh, d) for sh, d in zip(shapes, dts)]
            spec = _pack(output_types, specs) if _is_struct(output_types) else specs[0]
        else:
            dts = None
        want = None if spec is None else [s.shape for s in _flatten(spec)]
        call_args = tuple(args) if args is not None else ()

        def elements():
            for value in generator(*call_args):
                if dts is None:
                    yield _normalize(value, op)
                    continue
                flat = _flatten(value)
                if len(flat) != len(dts):
                    raise InvalidArgumentError(
                        f"{op}: `generator` yielded an element that did not match the expected "
                        f"structure. The expected structure was {_types_text(spec)}, but the "
                        f"yielded element was {value!r:.80}.")
                ts = [_to_tensor(v, op) for v in flat]
                ts = [t if _dtype(t) == d else _cast_component(t, d, op) for t, d in zip(ts, dts)]
                for t, sh in zip(ts, want):
                    got = _shape(t)
                    if sh is not None and (len(got) != len(sh) or any(
                            w is not None and w != g for w, g in zip(sh, got))):
                        raise InvalidArgumentError(
                            f"{op}: `generator` yielded an element of shape {got} where an "
                            f"element of shape {tuple(sh)} was expected.")
                yield _pack(value, ts) if _is_struct(value) else ts[0]
        return Dataset(elements, _UNK, spec=spec)

    @staticmethod
    def zip(*args, datasets=None, name=None):
        """Elements of several datasets side by side: ``zip((a, b))`` (or ``zip(a, b)``)
        yields ``(a_i, b_i)``, as long as the shortest; any nesting of tuples and dicts of
        datasets gives elements of that structure."""
        op = "Dataset.zip"
        if datasets is not None:
            if args:
                raise TypeError(f"{op}: give the datasets positionally or as datasets=, not both")
            structure = datasets
        elif len(args) == 1:
            structure = args[0]
        elif args:
            structure = tuple(args)
        else:
            raise TypeError(f"{op}: expected at least one dataset")
        flat = _flatten(structure)
        for d in flat:
            if not isinstance(d, Dataset):
                raise TypeError(f"{op}: expected a (nested) structure of Dataset objects, got "
                                f"{d!r:.80} of type {type(d).__name__}")
        if not flat:
            raise TypeError(f"{op}: expected at least one dataset")
        card = _INF
        for d in flat:
            if d._card == _UNK:
                card = _UNK
                break
            if d._card != _INF:
                card = d._card if card == _INF else min(card, d._card)

        def elements():
            for parts in zip(*[d._elements() for d in flat]):
                yield _pack(structure, parts) if _is_struct(structure) else parts[0]

        def spec_of(specs):
            return _pack(structure, specs) if _is_struct(structure) else specs[0]
        if all(d._spec is not None for d in flat):
            return Dataset(elements, card, spec=spec_of([d._spec for d in flat]))
        return Dataset(elements, card, spec_fn=lambda: spec_of([d.element_spec for d in flat]))

    # -- iteration ---------------------------------------------------------------------------
    def __iter__(self):
        return _Iterator(self._elements())

    def as_numpy_iterator(self):
        """An iterator of the elements as numpy values (0-d ones as numpy scalars), in the
        element structure, as TF: ``list(Dataset.range(3).as_numpy_iterator())`` is
        ``[0, 1, 2]``."""
        return _NumpyIterator(self._elements())

    def cardinality(self):
        """The number of elements as a scalar int64 tensor, or ``INFINITE_CARDINALITY`` (-1)
        / ``UNKNOWN_CARDINALITY`` (-2) (after ``filter``, ``from_generator``...), as TF."""
        return _core._constant(_np.int64(self._card), _int64)

    def __len__(self):
        if self._card == _INF:
            raise TypeError("The dataset is infinite.")
        if self._card == _UNK:
            raise TypeError("The dataset length is unknown.")
        return self._card

    def __bool__(self):
        return True

    @property
    def element_spec(self):
        """The structure of ``TensorSpec`` describing each element, as TF's: sources and
        most transformations know it statically (``batch`` adds a None batch dimension
        unless ``drop_remainder``, ``padded_batch`` leaves padded dimensions None, ``zip``,
        ``enumerate``, ``window``... combine their inputs'); ``flat_map`` / ``interleave`` /
        ``group_by_window`` take the spec of the dataset their function returns. Where
        elements come from ``map`` (or ``scan``, ``from_generator`` without a signature)
        the spec is found by computing the first element, so each dimension is fixed there
        where TF's traced function could leave some ``None``, and an empty such dataset has
        no spec (ValueError)."""
        if self._spec is not None:
            return self._spec
        if self._spec_cache is None:
            spec = None
            if self._spec_fn is not None:
                try:
                    spec = self._spec_fn()
                except Exception:  # e.g. an empty input after map: try our own first element
                    spec = None
            if spec is None:
                first = next(iter(self._elements()), None)
                if first is None:
                    raise ValueError("element_spec: the dataset is empty and its elements come "
                                     "from a function, so their structure is unknown")
                spec = _pack(first, [_spec_of(t) for t in _flatten(first)])
            self._spec_cache = spec
        return self._spec_cache

    def __repr__(self):
        if self._spec is not None:
            return f"<Dataset element_spec={self._spec!r}>"
        return f"<Dataset cardinality={self._card}>"

    def reduce(self, initial_state, reduce_func, name=None):
        """``state = reduce_func(state, element)`` over every element, from
        ``initial_state``; returns the final state, as TF:
        ``Dataset.range(5).reduce(np.int64(0), lambda s, x: s + x)`` is 10."""
        op = "Dataset.reduce"
        _check_fn(reduce_func, op, "reduce_func")
        if self._card == _INF:
            raise InvalidArgumentError(f"{op}: the dataset is infinite, the reduction would not end")
        state = _normalize(initial_state, op, top=False)
        for e in self._elements():
            state = _normalize(reduce_func(state, e), op, top=False)
        return state

    # -- transformations ---------------------------------------------------------------------
    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None, deterministic=None,
              name=None):
        """Consecutive elements stacked into batches of ``batch_size`` (the last one smaller
        unless ``drop_remainder``), as TF: ``list(Dataset.range(8).batch(3).as_numpy_iterator())``
        is ``[[0, 1, 2], [3, 4, 5], [6, 7]]``. Batches of sliced arrays are one copy each."""
        op = "Dataset.batch"
        size = _int_arg(batch_size, op, "batch_size")
        if size <= 0:
            raise InvalidArgumentError(f"{op}: batch_size must be greater than zero, got {size}")
        drop = _builtins.bool(drop_remainder)
        card = _batch_card(self._card, size, drop)
        _no_dataset_components(self._spec, op)
        if num_parallel_calls is not None:
            _parallel_arg(num_parallel_calls, op)
        dim = size if drop else None
        spec_args = self._derived(lambda sp: _map_specs(sp, lambda x: _batched_spec(x, dim)))
        if self._source is not None:
            source, indices = self._source, self._indices

            def fast():
                for rows in _regroup(indices(), size, drop):
                    yield source.batch(rows)
            out = Dataset(fast, card, **spec_args)
            out._lead = dim
            return out
        parent = self._elements

        def elements():
            buf = []
            for e in parent():
                buf.append(e)
                if len(buf) == size:
                    yield _stack(buf, op)
                    buf = []
            if buf and not drop:
                yield _stack(buf, op)
        out = Dataset(elements, card, **spec_args)
        out._lead = dim
        return out

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """Batches whose components are padded (at the end of each dimension) to a common
        shape: the largest in the batch, or ``padded_shapes`` (None or -1 for "the largest"),
        with ``padding_values`` (default 0; scalars of the component's dtype: a tensor or
        numpy value of another dtype, or a non-integral float for an integer component, is
        a TypeError as in TF; Python ints are taken for any number type), as TF.
        ``element_spec``'s batch dimension is None unless ``drop_remainder``, and a padded
        dimension is None unless ``padded_shapes`` or the input's static shape fixes it."""
        op = "Dataset.padded_batch"
        size = _int_arg(batch_size, op, "batch_size")
        if size <= 0:
            raise InvalidArgumentError(f"{op}: batch_size must be greater than zero, got {size}")
        drop = _builtins.bool(drop_remainder)
        _no_dataset_components(self._spec, op)
        parent = self._elements

        def targets(structure, n):
            if padded_shapes is None:
                return [None] * n
            if not _is_struct(structure):
                return [padded_shapes]
            flat = _flatten_up_to(structure, padded_shapes, op)
            if len(flat) != n:
                raise ValueError(f"{op}: padded_shapes {padded_shapes!r:.80} does not match the "
                                 f"element structure ({n} components)")
            return flat

        def values(structure, n):
            if padding_values is None:
                return [None] * n
            if not _is_struct(padding_values):
                return [padding_values] * n
            flat = _flatten(padding_values)
            if len(flat) != n:
                raise ValueError(f"{op}: padding_values does not match the element structure")
            return flat

        def pad_batch(buf):
            first = buf[0]
            flats = [_flatten(e) for e in buf]
            n = len(flats[0])
            out = []
            for c, (want, pv) in enumerate(zip(targets(first, n), values(first, n))):
                arrs = [_value(f[c]) for f in flats]
                dt = _dtype(flats[0][c])
                if any(_dtype(f[c]) != dt for f in flats):
                    raise TypeError(f"{op}: component {c} has different dtypes across the batch")
                rank = arrs[0].ndim
                if any(a.ndim != rank for a in arrs):
                    raise InvalidArgumentError(f"{op}: component {c} has different ranks across "
                                               f"the batch")
                biggest = [max(a.shape[d] for a in arrs) for d in _builtins.range(rank)]
                if want is None:
                    shape = biggest
                else:
                    want = [want] if isinstance(want, _numbers.Integral) else list(_shape_arg(want))
                    if len(want) != rank:
                        raise ValueError(f"{op}: padded shape {want} for component {c} has rank "
                                         f"{len(want)}, the component has rank {rank}")
                    shape = [b if w is None else int(w) for w, b in zip(want, biggest)]
                    for d, (s, b) in enumerate(zip(shape, biggest)):
                        if b > s:
                            raise InvalidArgumentError(
                                f"{op}: Attempted to pad to a smaller size than the input element: "
                                f"component {c} has size {b} in dimension {d}, padded shape {shape}")
                pad_value = _padding_value(pv, dt, op)
                block = _np.full([len(arrs)] + shape, pad_value, dtype=dt.as_numpy_dtype)
                for i, a in enumerate(arrs):
                    block[(i,) + tuple(_builtins.slice(0, s) for s in a.shape)] = a
                out.append(_make(block, dt))
            return _pack(first, out)

        def elements():
            buf = []
            for e in parent():
                buf.append(e)
                if len(buf) == size:
                    yield pad_batch(buf)
                    buf = []
            if buf and not drop:
                yield pad_batch(buf)
        static = self._spec is not None

        def out_spec(sp):
            flat = _flatten(sp)
            wants = targets(sp, len(flat))
            specs = []
            for x, want in zip(flat, wants):
                if want is not None:
                    shape = (int(want),) if isinstance(want, _numbers.Integral) else _shape_arg(want)
                elif x.shape is None or static:
                    shape = x.shape
                else:  # found from the first element (after map): padded dimensions vary
                    shape = (None,) * len(x.shape)
                specs.append(_batched_spec(TensorSpec(shape, x.dtype), size if drop else None))
            return _pack(sp, specs)
        out = Dataset(elements, _batch_card(self._card, size, drop), **self._derived(out_spec))
        out._lead = size if drop else None
        return out

    def unbatch(self, name=None):
        """Each element split along its first axis into elements (the inverse of ``batch``),
        as TF; every component must have the same first dimension."""
        op = "Dataset.unbatch"
        _no_dataset_components(self._spec, op)
        card = _INF if self._card == _INF else _UNK
        if self._spec is not None:
            flat = _flatten(self._spec)
            if any(s.shape is not None and len(s.shape) == 0 for s in flat):
                raise ValueError(f"{op}: Cannot unbatch an input with scalar components.")
            known = []
            for s in flat:
                if s.shape is not None and s.shape[0] is not None and s.shape[0] not in known:
                    known.append(s.shape[0])
            if len(known) > 1:
                raise ValueError(f"{op}: `unbatch()` is only supported for datasets of elements "
                                 f"whose components have a matching leading dimension. "
                                 f"Encountered both {known[0]} and {known[1]}.")
        else:
            known = [] if self._lead is None else [self._lead]
        if known and self._card >= 0:  # as TF: a static batch dimension fixes the count
            card = self._card * known[0]
        parent = self._elements

        def elements():
            for e in parent():
                flat = _flatten(e)
                if any(not _shape(t) for t in flat):
                    raise ValueError(f"{op}: Cannot unbatch an input with scalar components.")
                n = _shape(flat[0])[0]
                if any(_shape(t)[0] != n for t in flat):
                    raise InvalidArgumentError(
                        f"{op}: Input element must have the same batch size in each component, "
                        f"got shapes {', '.join(_shape_text(_shape(t)) for t in flat)}")
                arrs = [_value(t) for t in flat]
                dts = [_dtype(t) for t in flat]
                for i in _builtins.range(n):
                    yield _pack(e, [_make(a[i], d) for a, d in zip(arrs, dts)])
        return Dataset(elements, card, **self._derived(lambda sp: _map_specs(sp, _unbatched_spec)))

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """``map_func`` applied to every element, as TF: a tuple element is passed as
        positional arguments, anything else (a tensor, a dict) as one argument; what it
        returns (a tensor, a tuple or dict of them; a list becomes a tuple) is the new
        element. ``num_parallel_calls`` is accepted and ignored (eager, one at a time)."""
        op = "Dataset.map"
        _check_fn(map_func, op, "map_func")
        if num_parallel_calls is not None:
            _parallel_arg(num_parallel_calls, op)
        parent = self._elements

        def elements():
            for e in parent():
                yield _normalize(_call(map_func, e), op)
        return Dataset(elements, self._card)

    def flat_map(self, map_func, name=None):
        """``map_func(element)`` must return a Dataset; their elements, in order. Cardinality
        unknown, as TF (even for an infinite input: the datasets may all be empty);
        ``element_spec`` is that of the dataset ``map_func`` returns for the first element."""
        op = "Dataset.flat_map"
        _check_fn(map_func, op, "map_func")
        parent = self._elements

        def elements():
            for e in parent():
                d = _call(map_func, e)
                if not isinstance(d, Dataset):
                    raise TypeError(f"{op}: map_func must return a Dataset, got {type(d).__name__}")
                yield from d._elements()
        return Dataset(elements, _UNK, spec_fn=_returned_spec(parent, map_func, op))

    def filter(self, predicate, name=None):
        """The elements for which ``predicate`` (called as ``map``'s function) returns a
        scalar bool (True keeps), as TF: ``list(Dataset.from_tensor_slices([1, 2, 3])
        .filter(lambda x: x < 3).as_numpy_iterator())`` is ``[1.0, 2.0]``."""
        op = "Dataset.filter"
        _check_fn(predicate, op, "predicate")
        parent = self._elements

        def keep(r):
            if isinstance(r, (_builtins.bool, _np.bool_)):
                return _builtins.bool(r)
            if isinstance(r, (_core.Tensor, _core.Variable)) and r.dtype == _bool and r.ndim == 0:
                return _builtins.bool(r.numpy())
            what = (f"a {r.dtype.name} tensor of shape {_shape_text(r.shape)}"
                    if isinstance(r, (_core.Tensor, _core.Variable)) else f"{r!r:.60} of type {type(r).__name__}")
            raise TypeError(f"{op}: predicate must return a scalar bool tensor, got {what}")

        def elements():
            for e in parent():
                if keep(_call(predicate, e)):
                    yield e
        return self._keep_lead(Dataset(elements, _UNK, **self._derived(_same)))

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """The elements in a random order, as TF's buffer: ``buffer_size`` elements are held,
        each output is drawn uniformly from them and replaced by the next input (a buffer at
        least as large as the dataset gives a uniform permutation). Each iteration draws a
        new order unless ``reshuffle_each_iteration=False``; ``seed`` (with
        ``tf.random.set_seed``'s global seed), or the global seed alone, makes the sequence of
        orders the same on every run."""
        op = "Dataset.shuffle"
        size = _int_arg(buffer_size, op, "buffer_size")
        if size == _UNK:  # as TF: UNKNOWN_CARDINALITY buffers the whole dataset
            size = _sys.maxsize
        if size <= 0:
            raise InvalidArgumentError(f"{op}: buffer_size must be greater than zero or "
                                       f"UNKNOWN_CARDINALITY, got {size}")
        entropy = _shuffle_entropy(seed, op)
        counter = _itertools.count()
        reshuffle = _builtins.bool(reshuffle_each_iteration)

        def rng():
            return _np.random.default_rng(entropy + [next(counter) if reshuffle else 0])
        card = self._card
        if self._source is not None:
            indices = self._indices

            def shuffled():
                g = rng()
                if 0 <= card <= size:  # the whole dataset fits in the buffer
                    parts = list(indices())
                    if parts:
                        yield g.permutation(_np.concatenate(parts))
                    return
                flat = (i for c in indices() for i in c.tolist())
                yield from _chunks(_buffer_shuffle(flat, size, g))
            return Dataset._indexed(self._source, shuffled, card)
        parent = self._elements

        def elements():
            g = rng()
            if 0 <= card <= size:  # as on the indexed path: one permutation
                items = list(parent())
                for i in (g.permutation(len(items)).tolist() if items else ()):
                    yield items[i]
                return
            yield from _buffer_shuffle(parent(), size, g)
        return self._keep_lead(Dataset(elements, card, **self._derived(_same)))

    def repeat(self, count=None, name=None):
        """The dataset ``count`` times over (forever for None or -1), as TF; an iteration that
        yields nothing ends the repetition (an empty dataset repeated forever is empty)."""
        op = "Dataset.repeat"
        c = -1 if count is None else _int_arg(count, op, "count")
        n = self._card
        if c == 0 or n == 0:
            card = 0
        elif n == _INF or c < 0:  # as TF: an unknown input repeated forever counts as infinite
            card = _INF
        elif n == _UNK:
            card = _UNK
        else:
            card = n * c
        passes = (lambda: _itertools.count()) if c < 0 else (lambda: _builtins.range(c))

        def repeated(stream):
            def gen():
                for _ in passes():
                    empty = True
                    for x in stream():
                        empty = False
                        yield x
                    if empty:
                        return
            return gen
        if self._source is not None:
            return Dataset._indexed(self._source, repeated(self._indices), card)
        return self._keep_lead(Dataset(repeated(self._elements), card, **self._derived(_same)))

    def take(self, count, name=None):
        """The first ``count`` elements (all of them for -1), as TF."""
        c = _int_arg(count, "Dataset.take", "count")
        n = self._card
        if c < 0:
            card = n
        elif n == _INF:
            card = c
        elif n == _UNK:
            card = _UNK
        else:
            card = min(n, c)
        if c < 0:
            return self
        if self._source is not None:
            indices = self._indices

            def taken():
                left = c
                if left == 0:
                    return
                for chunk in indices():
                    yield chunk[:left]
                    left -= min(left, chunk.size)
                    if left == 0:
                        return
            return Dataset._indexed(self._source, taken, card)
        parent = self._elements
        return self._keep_lead(Dataset(lambda: _itertools.islice(parent(), c), card,
                                       **self._derived(_same)))

    def skip(self, count, name=None):
        """All but the first ``count`` elements (none left for -1), as TF."""
        c = _int_arg(count, "Dataset.skip", "count")
        n = self._card
        if n in (_INF, _UNK):
            card = n
        elif c < 0:
            card = 0
        else:
            card = max(0, n - c)
        if self._source is not None:
            indices = self._indices

            def skipped():
                if c < 0:
                    for _ in indices():
                        pass
                    return
                left = c
                for chunk in indices():
                    if left >= chunk.size:
                        left -= chunk.size
                        continue
                    yield chunk[left:]
                    left = 0
            return Dataset._indexed(self._source, skipped, card)
        parent = self._elements

        def elements():
            it = parent()
            if c < 0:
                for _ in it:
                    pass
                return
            yield from _itertools.islice(it, c, None)
        return self._keep_lead(Dataset(elements, card, **self._derived(_same)))

    def shard(self, num_shards, index, name=None):
        """Every ``num_shards``-th element starting at ``index``, as TF."""
        op = "Dataset.shard"
        k = _int_arg(num_shards, op, "num_shards")
        i = _int_arg(index, op, "index")
        if k <= 0 or not 0 <= i < k:
            raise InvalidArgumentError(f"{op}: need num_shards > 0 and 0 <= index < num_shards, "
                                       f"got num_shards={k}, index={i}")
        n = self._card
        card = n if n < 0 else n // k + (1 if i < n % k else 0)
        if self._source is not None:
            indices = self._indices

            def sharded():
                flat = (x for c in indices() for x in c.tolist())
                yield from _chunks(_itertools.islice(flat, i, None, k))
            return Dataset._indexed(self._source, sharded, card)
        parent = self._elements
        return self._keep_lead(Dataset(lambda: _itertools.islice(parent(), i, None, k), card,
                                       **self._derived(_same)))

    def prefetch(self, buffer_size, name=None):
        """The dataset itself: eager iteration has nothing to overlap (``buffer_size``, e.g.
        ``AUTOTUNE``, is accepted)."""
        b = _int_arg(buffer_size, "Dataset.prefetch", "buffer_size")
        if b < AUTOTUNE:
            raise InvalidArgumentError(f"Dataset.prefetch: buffer_size must be >= 0 or set "
                                       f"buffer_size to be -1 for auto-tuning, got {b}")
        return self

    def cache(self, filename="", name=None):
        """The same elements, computed once: the first complete iteration is kept in memory
        and later iterations replay it (so a shuffle before ``cache`` is frozen after the
        first pass, as in TF). Caching to a file is not supported."""
        if filename:
            raise NotImplementedError("Dataset.cache: caching to a file is not supported in "
                                      "tapegrad; call cache() to keep the elements in memory")
        store = []

        def replay(stream):
            def gen():
                if store:
                    yield from store[0]
                    return
                seen = []
                for x in stream():
                    seen.append(x)
                    yield x
                if not store:
                    store.append(seen)
            return gen
        if self._source is not None:
            return Dataset._indexed(self._source, replay(self._indices), self._card)
        return self._keep_lead(Dataset(replay(self._elements), self._card, **self._derived(_same)))

    def enumerate(self, start=0, name=None):
        """``(i, element)`` pairs with int64 ``i`` counting from ``start``, as TF."""
        s = _int_arg(start, "Dataset.enumerate", "start")
        parent = self._elements

        def elements():
            for i, e in enumerate(parent(), s):
                yield (_core._constant(_np.int64(i), _int64), e)
        return Dataset(elements, self._card,
                       **self._derived(lambda sp: (TensorSpec((), _int64), sp)))

    def concatenate(self, dataset, name=None):
        """This dataset's elements, then ``dataset``'s (same structure and dtypes), as TF."""
        op = "Dataset.concatenate"
        if not isinstance(dataset, Dataset):
            raise TypeError(f"{op}: expected a Dataset, got {type(dataset).__name__}")
        a, b = self._spec, dataset._spec
        if a is not None and b is not None and not _compatible_specs(a, b):
            raise TypeError(f"{op}: Incompatible dataset elements: {a!r} and {b!r}")
        n, m = self._card, dataset._card
        card = _INF if _INF in (n, m) else (_UNK if _UNK in (n, m) else n + m)
        first, second = self._elements, dataset._elements

        def merged(x, y):  # a dimension that differs becomes None
            return _pack(x, [_merged_spec(p, q) for p, q in zip(_flatten(x), _flatten(y))])
        if a is not None and b is not None:
            return Dataset(lambda: _itertools.chain(first(), second()), card, spec=merged(a, b))

        def checked():
            # a spec is not static: check the structures where the second dataset starts
            ref = None
            for x in first():
                if ref is None:
                    ref = _pack(x, [_spec_of(t) for t in _flatten(x)])
                yield x
            ref = ref if ref is not None else a
            for x in second():
                if ref is not None:
                    got = _pack(x, [_spec_of(t) for t in _flatten(x)])
                    if not _compatible_specs(ref, got):
                        raise TypeError(f"{op}: Incompatible dataset elements: {ref!r} and {got!r}")
                    ref = None
                yield x
        return Dataset(checked, card,
                       spec_fn=lambda: merged(self.element_spec, dataset.element_spec))

    def apply(self, transformation_func):
        """``transformation_func(self)``, which must return a Dataset, as TF."""
        _check_fn(transformation_func, "Dataset.apply", "transformation_func")
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError("Dataset.apply: `transformation_func` must return a Dataset, got "
                            f"{type(out).__name__}")
        return out

    # -- more transformations (interleave, window, scan, grouping...) -------------------------
    def interleave(self, map_func, cycle_length=None, block_length=1, num_parallel_calls=None,
                   deterministic=None, name=None):
        """The datasets ``map_func(element)`` returns, interleaved as TF's interleave:
        ``cycle_length`` input elements are open at once, ``block_length`` consecutive
        elements are taken from each in turn, and a finished one is replaced by the next
        input element in its slot. ``list(Dataset.range(1, 6).interleave(lambda x:
        Dataset.from_tensors(x).repeat(6), cycle_length=2, block_length=4)
        .as_numpy_iterator())`` is ``[1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4,
        4, 4, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5]``. ``cycle_length`` None or ``AUTOTUNE`` is the
        number of CPUs, as TF. ``num_parallel_calls`` and ``deterministic`` are accepted and
        the elements are made one at a time in the deterministic order. Cardinality unknown."""
        op = "Dataset.interleave"
        _check_fn(map_func, op, "map_func")
        cycle = _cycle_arg(cycle_length, op)
        block = _int_arg(block_length, op, "block_length")
        if block <= 0:
            raise InvalidArgumentError(f"{op}: block_length must be greater than zero, got {block}")
        if num_parallel_calls is not None:
            _parallel_arg(num_parallel_calls, op)
        parent = self._elements

        def elements():
            inputs = parent()
            slots = [None] * cycle
            index = block_index = num_open = 0
            end_of_input = False
            while not end_of_input or num_open > 0:
                current = slots[index]
                if current is not None:
                    x = next(current, _END)
                    if x is not _END:
                        block_index += 1
                        if block_index == block:
                            block_index, index = 0, (index + 1) % cycle
                        yield x
                        continue
                    slots[index] = None
                    num_open -= 1
                    block_index, index = 0, (index + 1) % cycle
                elif not end_of_input:
                    e = next(inputs, _END)
                    if e is _END:
                        end_of_input = True
                    else:
                        slots[index] = _returned_dataset(_call(map_func, e), op, "map_func")._elements()
                        num_open += 1
                else:
                    block_index, index = 0, (index + 1) % cycle
        return Dataset(elements, _UNK, spec_fn=_returned_spec(parent, map_func, op))

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None):
        """Windows of ``size`` elements: each element of the result is a Dataset (or, for
        structured elements, the same structure with one Dataset per component), as TF. A
        window starts every ``shift`` input elements (default ``size``) and takes every
        ``stride``-th element; the last windows are shorter unless ``drop_remainder``.
        ``[list(w.as_numpy_iterator()) for w in Dataset.range(7).window(3, 2, 1, True)]`` is
        ``[[0, 1, 2], [2, 3, 4], [4, 5, 6]]``; ``ds.window(n).flat_map(lambda w: w.batch(n))``
        batches. Windows of sliced arrays or ranges keep row indices, so batching a window
        copies its rows once."""
        op = "Dataset.window"
        size = _int_arg(size, op, "size")
        shift = size if shift is None else _int_arg(shift, op, "shift")
        stride = _int_arg(stride, op, "stride")
        for what, v in (("size", size), ("shift", shift), ("stride", stride)):
            if v <= 0:
                raise InvalidArgumentError(f"{op}: Window {what} must be greater than zero, but "
                                           f"got {v}.")
        drop = _builtins.bool(drop_remainder)
        target = (size - 1) * stride + 1
        n = self._card
        if n < 0:
            card = n
        elif drop:
            card = 0 if n < target else (n - target) // shift + 1
        else:
            card = n // shift + (1 if n % shift else 0)
        spec = self._spec
        spec_args = self._derived(lambda sp: _map_specs(sp, DatasetSpec))
        if self._source is not None:
            source, indices = self._source, self._indices
            structure = source.structure
            subs = ([source.component(c) for c in _builtins.range(len(source.dtypes))]
                    if structure is not None else [source])

            def one(src, rows):
                return Dataset._indexed(src, lambda: iter((rows,)), rows.size)

            def windows():
                it = indices()
                buf = _np.empty(0, _np.int64)
                skip, done = 0, False
                while True:
                    while not done and buf.size < target:
                        c = next(it, None)
                        if c is None:
                            done = True
                            break
                        if skip:
                            k = min(skip, c.size)
                            c, skip = c[k:], skip - k
                        buf = _np.concatenate((buf, c)) if buf.size else c
                    if not buf.size or (drop and buf.size < target):
                        return
                    rows = buf[:target:stride]
                    if shift >= buf.size:
                        skip, buf = shift - buf.size, buf[:0]
                    else:
                        buf = buf[shift:]
                    if structure is None:
                        yield one(source, rows)
                    else:
                        yield _pack(structure, [one(sub, rows) for sub in subs])
            return Dataset(windows, card, **spec_args)
        parent = self._elements
        flat_specs = None if spec is None else _flatten(spec)

        def make(win):
            first = win[0]
            if not _is_struct(first):
                return _list_dataset(win, spec)
            comps = list(zip(*[_flatten(e) for e in win]))
            return _pack(first, [_list_dataset(list(c), None if flat_specs is None else flat_specs[i])
                                 for i, c in enumerate(comps)])

        def elements():
            it = parent()
            buf, done = [], False
            while True:
                while not done and len(buf) < target:
                    e = next(it, _END)
                    if e is _END:
                        done = True
                    else:
                        buf.append(e)
                if not buf or (drop and len(buf) < target):
                    return
                win = buf[::stride]
                if shift >= len(buf):
                    for _ in _builtins.range(shift - len(buf)):  # TF discards these now
                        if done or next(it, _END) is _END:
                            done = True
                            break
                    buf = []
                else:
                    buf = buf[shift:]
                yield make(win)
        return Dataset(elements, card, **spec_args)

    def scan(self, initial_state, scan_func, name=None):
        """A running state over the elements, as TF: ``scan_func(state, element)`` returns
        ``(new_state, output)``; the outputs are the elements. The new state must keep the
        initial state's structure and dtypes (shapes may change).
        ``list(Dataset.range(10).scan(tf.constant(0, tf.int64), lambda s, i: (s + i, s + i))
        .as_numpy_iterator())`` is ``[0, 1, 3, 6, 10, 15, 21, 28, 36, 45]``."""
        op = "Dataset.scan"
        _check_fn(scan_func, op, "scan_func")
        state0 = _normalize(initial_state, op, top=False)
        flat0 = _flatten(state0)
        parent = self._elements

        def elements():
            state = state0
            for e in parent():
                r = scan_func(state, e)
                if not (isinstance(r, (tuple, list)) and len(r) == 2):
                    raise TypeError(f"{op}: Invalid `scan_func`. `scan_func` should return a pair "
                                    f"consisting of new state and the output value but it "
                                    f"returned {r!r:.80}")
                new = _normalize(r[0], op, top=False)
                flat = _flatten(new)
                if not _same_structure(state0, new) or len(flat) != len(flat0) or \
                        any(_dtype(a) != _dtype(b) for a, b in zip(flat0, flat)):
                    raise TypeError(
                        f"{op}: Invalid `scan_func`. The element types for the new state must "
                        f"match the initial state. Expected {_types_text(state0)}, got "
                        f"{_types_text(new)}.")
                state = new
                yield _normalize(r[1], op)
        return Dataset(elements, self._card)

    def take_while(self, predicate, name=None):
        """The elements up to (not including) the first for which ``predicate`` (called as
        ``map``'s function) returns False, as TF: ``list(Dataset.range(10).take_while(lambda x:
        x < 5).as_numpy_iterator())`` is ``[0, 1, 2, 3, 4]``. ``predicate`` must return a
        scalar bool (a ValueError otherwise, as TF). Cardinality unknown."""
        op = "Dataset.take_while"
        _check_fn(predicate, op, "predicate")
        parent = self._elements

        def elements():
            for e in parent():
                if not _predicate_value(_call(predicate, e), op):
                    return
                yield e
        return self._keep_lead(Dataset(elements, _UNK, **self._derived(_same)))

    def unique(self, name=None):
        """The elements without repeats, each kept where it first appears, as TF:
        ``sorted(Dataset.from_tensor_slices([1, 37, 2, 37, 2, 1]).unique()
        .as_numpy_iterator())`` is ``[1, 2, 37]``. TF takes int32, int64 and string
        components; float and bool components are taken too (compared by value, -0.0 equal
        to 0.0). Cardinality unknown."""
        op = "Dataset.unique"
        if self._spec is not None:
            for s in _flatten(self._spec):
                if isinstance(s, DatasetSpec):
                    raise TypeError(f"{op}: `tf.data.Dataset.unique` does not support Dataset "
                                    f"components -- only tensors and strings are supported.")
        parent = self._elements

        def key(e):
            parts = []
            for c in _flatten(e):
                if isinstance(c, Dataset):
                    raise TypeError(f"{op}: `tf.data.Dataset.unique` does not support Dataset "
                                    f"components -- only tensors and strings are supported.")
                if isinstance(c, bytes):
                    parts.append(c)
                    continue
                a = _value(c)
                if a.dtype == object:
                    parts.append((a.shape, tuple(a.reshape(-1).tolist())))
                    continue
                if a.dtype.kind == "f":
                    a = a + a.dtype.type(0)  # -0.0 -> 0.0
                parts.append((a.dtype.str, a.shape, a.tobytes()))
            return tuple(parts)

        def elements():
            seen = set()
            for e in parent():
                k = key(e)
                if k not in seen:
                    seen.add(k)
                    yield e
        return self._keep_lead(Dataset(elements, _UNK, **self._derived(_same)))

    def get_single_element(self, name=None):
        """The dataset's only element (a tensor or a structure of them), as TF; an
        InvalidArgumentError when it has none or more than one."""
        op = "Dataset.get_single_element"
        if self._card == _INF:
            raise InvalidArgumentError(f"{op}: Dataset had more than one element (it is infinite).")
        it = self._elements()
        first = next(it, _END)
        if first is _END:
            raise InvalidArgumentError(f"{op}: Dataset was empty.")
        if next(it, _END) is not _END:
            raise InvalidArgumentError(f"{op}: Dataset had more than one element.")
        return first

    def group_by_window(self, key_func, reduce_func, window_size=None, window_size_func=None,
                        name=None):
        """Elements grouped by ``key_func(element)`` (a scalar int64) into windows of
        ``window_size`` (or ``window_size_func(key)``) elements; each full window, as a
        Dataset, goes to ``reduce_func(key, window)``, which returns a Dataset whose elements
        are the output. At the end the partial windows are reduced in increasing key order,
        as TF. ``Dataset.range(10).group_by_window(lambda x: x % 2, lambda k, d: d.batch(5),
        window_size=5)`` gives ``[0 2 4 6 8]`` and ``[1 3 5 7 9]``."""
        op = "Dataset.group_by_window"
        if (window_size is not None and window_size_func) or \
                not (window_size is not None or window_size_func):
            raise ValueError(f"{op}: Either the `window_size` argument or the `window_size_func` "
                             f"argument must be specified.")
        _check_fn(key_func, op, "key_func")
        _check_fn(reduce_func, op, "reduce_func")
        if window_size is not None:
            size = _int_arg(window_size, op, "window_size")
            if size <= 0:
                raise InvalidArgumentError(f"{op}: Window size must be greater than zero, but got "
                                           f"{size}.")

            def window_size_func(key):
                return size
        else:
            _check_fn(window_size_func, op, "window_size_func")
        parent, spec = self._elements, self._spec

        def flush(key, group):
            d = _returned_dataset(reduce_func(_int64_scalar(key), _list_dataset(group, spec)),
                                  op, "reduce_func")
            yield from d._elements()

        def elements():
            groups, sizes = {}, {}
            for e in parent():
                k = _int64_result(_call(key_func, e), op, "key_func")
                if k not in sizes:
                    w = _int64_result(window_size_func(_int64_scalar(k)), op, "window_size_func")
                    if w <= 0:
                        raise InvalidArgumentError(f"{op}: Window size must be greater than zero, "
                                                   f"but got {w}.")
                    sizes[k] = w
                group = groups.setdefault(k, [])
                group.append(e)
                if len(group) == sizes[k]:
                    del groups[k]
                    yield from flush(k, group)
            for k in sorted(groups):
                yield from flush(k, groups.pop(k))

        def spec_fn():
            # TF traces reduce_func on a window of the input's spec; here a window holding the
            # input's first element (so that a map in reduce_func has an element to look at)
            first = next(iter(parent()), _END)
            if first is _END:
                window = Dataset(lambda: iter(()), 0, **self._derived(_same))
            else:
                window = _list_dataset([first], spec)
                key = _int64_result(_call(key_func, first), op, "key_func")
            return _returned_dataset(reduce_func(_int64_scalar(0 if first is _END else key), window),
                                     op, "reduce_func").element_spec
        return Dataset(elements, _INF if self._card == _INF else _UNK, spec_fn=spec_fn)

    def bucket_by_sequence_length(self, element_length_func, bucket_boundaries,
                                  bucket_batch_sizes, padded_shapes=None, padding_values=None,
                                  pad_to_bucket_boundary=False, no_padding=False,
                                  drop_remainder=False, name=None):
        """Elements grouped by length into buckets ``[0, b0), [b0, b1), ..., [b_last, inf)``
        and padded-batched per bucket (``bucket_batch_sizes[i]`` per batch), as TF (it is
        ``group_by_window`` with ``padded_batch``). Dimensions that are ``None`` in the
        padded shapes (``padded_shapes``, else the static ``element_spec``) are padded to the
        longest in the batch, or to the bucket's boundary minus 1 with
        ``pad_to_bucket_boundary``; ``no_padding`` batches without padding. When the element
        spec is not static (after ``map``), every dimension of rank-1 components counts as
        ``None``; give ``padded_shapes`` for higher ranks."""
        op = "Dataset.bucket_by_sequence_length"
        _check_fn(element_length_func, op, "element_length_func")
        bounds = [_int_arg(b, op, "bucket_boundaries") for b in _int_list(bucket_boundaries, op, "bucket_boundaries")]
        sizes = [_int_arg(b, op, "bucket_batch_sizes") for b in _int_list(bucket_batch_sizes, op, "bucket_batch_sizes")]
        if len(sizes) != len(bounds) + 1:
            raise ValueError(f"{op}: `len(bucket_batch_sizes)` must equal `len(bucket_boundaries) + "
                             f"1` but `len(bucket_batch_sizes)={len(sizes)}` and "
                             f"`len(bucket_boundaries)={len(bounds)}`.")
        if any(b >= c for b, c in zip(bounds, bounds[1:])):
            raise ValueError(f"{op}: bucket_boundaries must be increasing, got {bounds}")
        if any(b <= 0 for b in sizes):
            raise InvalidArgumentError(f"{op}: bucket_batch_sizes must be greater than zero, got "
                                       f"{sizes}")
        drop = _builtins.bool(drop_remainder)
        static = self._spec

        def bucket_id(*args):
            length = _call(element_length_func, args[0] if len(args) == 1 else args)
            length = _int_value(length, op, "element_length_func")
            return _np.int64(_bisect.bisect_right(bounds, length))

        def batching(key, grouped):
            b = int(key)
            if no_padding:
                return grouped.batch(sizes[b], drop_remainder=drop)
            filler = None
            if pad_to_bucket_boundary:
                if b >= len(bounds):
                    raise InvalidArgumentError(
                        f"{op}: When pad_to_bucket_boundary=True, elements must have length < "
                        f"max(bucket_boundaries).")
                filler = bounds[b] - 1
            shapes = _bucket_shapes(padded_shapes, static, grouped, filler, op)
            return grouped.padded_batch(sizes[b], shapes, padding_values, drop_remainder=drop)

        def key_func(*args):
            return bucket_id(*args)

        def window_size_func(key):
            return _np.int64(sizes[int(key)])
        out = self.group_by_window(key_func, batching, window_size_func=window_size_func)

        def out_spec(sp):
            # as TF: the batch dimension is None (unless drop_remainder) and so is every
            # padded dimension that padded_shapes does not fix (buckets pad differently)
            flat = _flatten(sp)
            wants = [None] * len(flat) if padded_shapes is None else (
                _flatten_up_to(sp, padded_shapes, op) if _is_struct(sp) else [padded_shapes])
            dim = None
            specs = []
            for x, want in zip(flat, wants):
                if no_padding:
                    shape = x.shape
                elif want is not None:
                    shape = _shape_arg(want)
                elif x.shape is None:
                    shape = None
                elif static is not None:
                    shape = x.shape
                else:
                    shape = (None,) * len(x.shape)
                specs.append(_batched_spec(TensorSpec(shape, x.dtype), dim))
            return _pack(sp, specs)
        spec_args = self._derived(out_spec)
        out._spec, out._spec_fn = spec_args.get("spec"), spec_args.get("spec_fn")
        return out

    def rejection_resample(self, class_func, target_dist, initial_dist=None, seed=None,
                           name=None):
        """``(class, element)`` pairs whose classes (``class_func(element)``, a scalar int)
        follow ``target_dist``, by TF's method: with ``r = target / initial`` and ``m =
        min(r)``, each output is an input element taken as it is with probability ``m``, else
        the next element of a second pass that keeps class ``i`` with probability ``(r_i - m) /
        (max(r) - m)``; the mixture has the target distribution. ``initial_dist`` None
        estimates the input distribution as the elements pass (per 32 elements, counts
        smoothed by 10 per class, as TF). Seeded as ``shuffle``; the draws are not TF's."""
        op = "Dataset.rejection_resample"
        _check_fn(class_func, op, "class_func")
        target = _dist_arg(target_dist, op, "target_dist")
        k = target.size
        entropy = _shuffle_entropy(seed, op)
        counter = _itertools.count()
        init = None
        if initial_dist is not None:
            init = _dist_arg(initial_dist, op, "initial_dist")
            if init.size != k:
                raise ValueError(f"{op}: initial_dist has {init.size} classes and target_dist "
                                 f"{k}; they must have the same length")
        parent = self._elements

        def classify(e):
            r = _call(class_func, e)
            c = _int_value(r, op, "class_func")
            if not 0 <= c < k:
                raise InvalidArgumentError(f"{op}: class_func returned {c}, outside [0, {k}) "
                                           f"(the classes of target_dist)")
            return _to_tensor(r, op), c

        def estimates():
            if init is not None:
                while True:
                    yield init
            counts = _np.full(k, 10.0)
            it = parent()
            while True:
                classes = [classify(e)[1] for e in _itertools.islice(it, 32)]
                if not classes:
                    return
                counts += _np.bincount(classes, minlength=k)
                d = counts / counts.sum()
                for _ in _builtins.range(32):
                    yield d

        def original():
            for e in parent():
                yield (classify(e)[0], e)

        def filtered(g):
            for e, d in zip(parent(), estimates()):
                value, c = classify(e)
                if g.random() < _acceptance(d, target)[0][c]:
                    yield (value, e)
        if init is not None:
            p_static = _acceptance(init, target)[1]
            if p_static >= 1.0:
                return Dataset(original, self._card)

        def elements():
            g = _np.random.default_rng(entropy + [next(counter)])
            streams = (original(), filtered(g))
            for d in estimates():
                x = next(streams[0 if g.random() < _acceptance(d, target)[1] else 1], _END)
                if x is _END:
                    return
                yield x
        return Dataset(elements, _INF if self._card == _INF else _UNK)

    # -- more constructors ---------------------------------------------------------------------
    @staticmethod
    def counter(start=0, step=1, dtype=_int64, name=None):
        """``start, start + step, start + 2 * step, ...`` forever (int64 by default), as TF:
        ``list(Dataset.counter(start=2, step=5).take(5).as_numpy_iterator())`` is
        ``[2, 7, 12, 17, 22]``. Batches of it are computed, never stacked."""
        op = "Dataset.counter"
        dt = _as_dtype(dtype)
        if dt.is_bool:
            raise TypeError(f"{op}: dtype must be a number type, got bool")
        vals = []
        for what, v in (("start", start), ("step", step)):
            if isinstance(v, (_core.Tensor, _core.Variable)):
                v = v.numpy()
            if dt.is_integer:
                vals.append(_int_arg(v, op, what))
            else:
                if not isinstance(v, (_numbers.Real, _np.ndarray, _np.generic)) or isinstance(v, _builtins.bool):
                    raise TypeError(f"{op}: {what} must be a number, got {v!r:.80}")
                vals.append(float(v))
        source = _RangeSource(vals[0], vals[1], _INF, dt)
        return Dataset._indexed(source, _chunks_forever, _INF)

    @staticmethod
    def random(seed=None, rerandomize_each_iteration=None, name=None):
        """An infinite dataset of uniformly distributed int64 values in ``[0, 2**32)`` (TF's
        range), as TF: with a ``seed`` (or the global seed) the same sequence every run; each
        iteration repeats the sequence unless ``rerandomize_each_iteration``. The values are
        numpy's, not TF's."""
        op = "Dataset.random"
        entropy = _shuffle_entropy(seed, op)
        counter = _itertools.count()
        again = _builtins.bool(rerandomize_each_iteration)

        def elements():
            g = _np.random.default_rng(entropy + [next(counter) if again else 0])
            while True:
                for v in g.integers(0, 2 ** 32, _CHUNK, dtype=_np.int64):
                    yield _core._constant(v, _int64)
        return Dataset(elements, _INF, spec=TensorSpec((), _int64))

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None, stop_on_empty_dataset=False,
                             rerandomize_each_iteration=None):
        """Elements drawn at random from ``datasets``: each step picks dataset ``i`` with
        probability ``weights[i] / sum(weights)`` (uniform without weights; ``weights`` may
        also be a Dataset of such lists, one per step) and takes its next element, as TF.
        Datasets with weight 0 are dropped; an exhausted dataset ends the result with
        ``stop_on_empty_dataset``, else it is skipped. Seeded as ``shuffle`` (the same
        choices every iteration unless ``rerandomize_each_iteration``); the draws are not
        TF's."""
        op = "Dataset.sample_from_datasets"
        datasets = _dataset_list(datasets, op)
        spec = _common_spec(datasets, op)
        stop = _builtins.bool(stop_on_empty_dataset)
        entropy = _shuffle_entropy(seed, op)
        counter = _itertools.count()
        again = _builtins.bool(rerandomize_each_iteration)
        dynamic = isinstance(weights, Dataset)
        if not dynamic:
            if weights is None:
                w = _np.ones(len(datasets))
            else:
                w = _weights_arg(weights, len(datasets), op)
                keep = [i for i in _builtins.range(len(datasets)) if w[i] > 0]
                if not keep:
                    return datasets[0].take(0)
                datasets, w = [datasets[i] for i in keep], w[keep]
            if len(datasets) == 1:
                return datasets[0]
            cdf = _np.cumsum(w / w.sum())
        k = len(datasets)
        card = _INF if any(d._card == _INF for d in datasets) else _UNK

        def picks(g):
            if not dynamic:
                while True:
                    yield from _np.minimum(_np.searchsorted(cdf, g.random(_CHUNK), side="right"),
                                           k - 1).tolist()
            for p in weights._elements():
                p = _weights_arg(p, k, op)
                c = _np.cumsum(p)
                yield min(int(_np.searchsorted(c, g.random() * c[-1], side="right")), k - 1)

        def elements():
            g = _np.random.default_rng(entropy + [next(counter) if again else 0])
            yield from _directed(picks(g), datasets, stop, op)
        return Dataset(elements, card, spec=spec, spec_fn=_lazy_common(datasets, op))

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
        """Elements of ``datasets`` in the order ``choice_dataset`` (scalar int64 indices)
        picks them, as TF: with ``datasets`` three repeated strings and ``choice_dataset =
        Dataset.range(3).repeat(3)`` the result is ``[b'foo', b'bar', b'baz'] * 3``. An
        exhausted dataset ends the result (``stop_on_empty_dataset``, the default) or is
        skipped; an index out of range is an InvalidArgumentError."""
        op = "Dataset.choose_from_datasets"
        datasets = _dataset_list(datasets, op)
        if not isinstance(choice_dataset, Dataset):
            raise TypeError(f"{op}: Invalid `choice_dataset`. `choice_dataset` should be a "
                            f"`tf.data.Dataset` but is {type(choice_dataset)}.")
        cspec = choice_dataset._spec
        if cspec is not None and not (isinstance(cspec, TensorSpec) and cspec.dtype == _int64
                                      and cspec.shape == ()):
            raise TypeError(f"{op}: Invalid `choice_dataset`. Elements of `choice_dataset` must "
                            f"be scalar `tf.int64` tensors but are {cspec}.")
        spec = _common_spec(datasets, op)
        stop = _builtins.bool(stop_on_empty_dataset)
        k = len(datasets)
        card = _INF if any(d._card == _INF for d in datasets) else _UNK

        def picks():
            for c in choice_dataset._elements():
                if not (isinstance(c, (_core.Tensor, _core.Variable)) and c.dtype == _int64
                        and not _shape(c)):
                    raise TypeError(f"{op}: Invalid `choice_dataset`. Elements of "
                                    f"`choice_dataset` must be scalar `tf.int64` tensors but "
                                    f"are {_spec_of(c) if not isinstance(c, tuple) else c!r:.80}.")
                i = int(c.numpy())
                if not 0 <= i < k:
                    raise InvalidArgumentError(f"{op}: Selector index out of range: {i} >= {k}")
                yield i
        return Dataset(lambda: _directed(picks(), datasets, stop, op), card, spec=spec,
                       spec_fn=_lazy_common(datasets, op))

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None):
        """The paths matching ``file_pattern`` (a glob pattern, or a list of them; ``*``,
        ``?``, ``[...]``, hidden files included) as string elements (bytes), sorted and then
        shuffled (unless ``shuffle=False``) with a buffer holding them all, as TF. No match is
        an InvalidArgumentError."""
        op = "Dataset.list_files"
        patterns = _string_list(file_pattern, op, "file_pattern")
        found = []
        for p in patterns:
            found.extend(_glob_all(_os.fsdecode(p)))
        if not found:
            raise InvalidArgumentError(f"{op}: No files matched pattern: "
                                       f"{', '.join(_os.fsdecode(p) for p in patterns)}")
        names = _np.empty(len(found), dtype=object)
        names[:] = sorted(_os.fsencode(f) for f in found)
        source = _Arrays(None, [names], [_STRING], len(found))
        ds = Dataset._indexed(source, lambda: _chunks_range(0, len(found)), len(found))
        if shuffle is None or shuffle:
            ds = ds.shuffle(max(len(found), 1), seed=seed)
        return ds

    # -- save / load (tapegrad's own format) --------------------------------------------------
    def save(self, path, compression=None, shard_func=None, checkpoint_args=None):
        """Writes the elements to the directory ``path`` in tapegrad's format (not TF's
        snapshot format): ``spec.json`` (the element structure and specs) and
        ``elements.npz`` (per component, one stacked array when every element has the same
        shape, else one array per element; strings as UTF-8 bytes with offsets).
        ``compression="GZIP"`` compresses the npz (zip deflate). ``Dataset.load(path)``
        reads it back. An infinite dataset is an InvalidArgumentError."""
        op = "Dataset.save"
        if shard_func is not None or checkpoint_args is not None:
            raise NotImplementedError(f"{op}: shard_func and checkpoint_args are not supported "
                                      f"in tapegrad")
        if compression not in (None, "", "GZIP"):
            raise ValueError(f"{op}: compression must be None or 'GZIP', got {compression!r}")
        if self._card == _INF:
            raise InvalidArgumentError(f"{op}: the dataset is infinite, it cannot be saved")
        elements = list(self._elements())
        spec = self._spec
        if spec is None and elements:  # what every element fits: dimensions that vary are None
            flat = [_spec_of(t) for t in _flatten(elements[0])]
            for e in elements[1:]:
                flat = [_merged_spec(x, _spec_of(t)) for x, t in zip(flat, _flatten(e))]
            spec = _pack(elements[0], flat)
        if spec is None:
            try:
                spec = self.element_spec
            except ValueError:
                raise ValueError(f"{op}: the dataset is empty and its element structure is "
                                 f"unknown") from None
        flat_spec = _flatten(spec)
        if any(isinstance(s, DatasetSpec) for s in flat_spec):
            raise TypeError(f"{op}: datasets whose elements contain Datasets cannot be saved")
        arrays = {}
        for c, s in enumerate(flat_spec):
            comps = [_flatten(e)[c] for e in elements]
            shapes = {_shape(t) for t in comps}
            if s.dtype is _STRING:
                vals = [_value(t) for t in comps]
                flat = [b for v in vals for b in v.reshape(-1).tolist()]
                arrays[f"c{c}_bytes"] = _np.frombuffer(b"".join(flat), dtype=_np.uint8)
                arrays[f"c{c}_lengths"] = _np.array([len(b) for b in flat], dtype=_np.int64)
                arrays[f"c{c}_shapes"] = _shapes_array(vals)
            elif len(shapes) <= 1:
                arrays[f"c{c}"] = (_np.stack([_value(t) for t in comps]) if comps
                                   else _np.zeros((0,) + tuple(d or 0 for d in (s.shape or ())),
                                                  s.dtype.as_numpy_dtype))
            else:
                vals = [_value(t) for t in comps]
                arrays[f"c{c}_flat"] = _np.concatenate([v.reshape(-1) for v in vals])
                arrays[f"c{c}_shapes"] = _shapes_array(vals)
        _os.makedirs(_os.fspath(path), exist_ok=True)
        meta = {"format": "tapegrad.data.save/1", "count": len(elements),
                "structure": _encode_structure(spec)}
        with open(_os.path.join(_os.fspath(path), "spec.json"), "w", encoding="utf-8") as f:
            _json.dump(meta, f)
        (_np.savez_compressed if compression == "GZIP" else _np.savez)(
            _os.path.join(_os.fspath(path), "elements.npz"), **arrays)

    @staticmethod
    def load(path, element_spec=None, compression=None, reader_func=None):
        """The dataset ``Dataset.save`` wrote to ``path`` (tapegrad's format, not TF's), with
        its element structure (namedtuples come back as namedtuples of the same name and
        fields) and specs; ``element_spec``, when given, must match."""
        op = "Dataset.load"
        if reader_func is not None:
            raise NotImplementedError(f"{op}: reader_func is not supported in tapegrad")
        base = _os.fspath(path)
        try:
            with open(_os.path.join(base, "spec.json"), encoding="utf-8") as f:
                meta = _json.load(f)
        except FileNotFoundError:
            raise FileNotFoundError(f"{op}: no dataset saved at {base!r} (spec.json is missing)") from None
        if meta.get("format") != "tapegrad.data.save/1":
            raise ValueError(f"{op}: {base!r} does not hold a dataset saved by tapegrad")
        spec = _decode_structure(meta["structure"])
        if element_spec is not None:
            fa, fb = _flatten(spec), _flatten(element_spec)
            if not _same_structure(spec, element_spec) or len(fa) != len(fb) or \
                    any(a.dtype != b.dtype for a, b in zip(fa, fb)):
                raise ValueError(f"{op}: element_spec {element_spec!r} does not match the saved "
                                 f"{spec!r}")
        n = meta["count"]
        with _np.load(_os.path.join(base, "elements.npz")) as z:
            data = {k: z[k] for k in z.files}
        columns = []
        for c, s in enumerate(_flatten(spec)):
            if s.dtype is _STRING:
                blob, lengths = data[f"c{c}_bytes"].tobytes(), data[f"c{c}_lengths"]
                ends = _np.cumsum(lengths)
                flat = [blob[e - ln:e] for e, ln in zip(ends.tolist(), lengths.tolist())]
                columns.append(_unflatten_values(flat, data[f"c{c}_shapes"], True))
            elif f"c{c}" in data:
                columns.append([_make(a, s.dtype) for a in data[f"c{c}"]])
            else:
                columns.append([_make(v, s.dtype) for v in
                                _unflatten_values(data[f"c{c}_flat"], data[f"c{c}_shapes"], False)])
        elements = [_pack(spec, [col[i] for col in columns]) for i in _builtins.range(n)]
        return Dataset(lambda: iter(elements), n, spec=spec)


def _chunks_range(start, stop):
    for a in _builtins.range(start, stop, _CHUNK):
        yield _np.arange(a, min(a + _CHUNK, stop), dtype=_np.int64)


def _cardinality(dataset):
    """``tf.data.experimental.cardinality(dataset)``: ``dataset.cardinality()``."""
    if not isinstance(dataset, Dataset):
        raise TypeError(f"cardinality: expected a Dataset, got {type(dataset).__name__}")
    return dataset.cardinality()


# -- helpers of the transformations above ------------------------------------------------------
_END = object()


def _chunks_forever():
    start = 0
    while True:
        yield _np.arange(start, start + _CHUNK, dtype=_np.int64)
        start += _CHUNK


def _default_cycle_length():
    try:
        return max(1, len(_os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, _os.cpu_count() or 1)


def _cycle_arg(cycle_length, op):
    if cycle_length is None:
        return _default_cycle_length()
    c = _int_arg(cycle_length, op, "cycle_length")
    if c == AUTOTUNE:
        return _default_cycle_length()
    if c <= 0:
        raise InvalidArgumentError(f"{op}: cycle_length must be greater than zero, got {c}")
    return c


def _returned_dataset(d, op, what):
    if not isinstance(d, Dataset):
        raise TypeError(f"{op}: Invalid `{what}`. `{what}` must return a `tf.data.Dataset` "
                        f"object, got {d!r:.60} of type {type(d).__name__}")
    return d


def _list_dataset(items, spec=None):
    """A dataset of the elements in the list ``items`` (windows and groups)."""
    return Dataset(lambda: iter(items), len(items), spec=spec)


def _types_text(structure):
    return repr(_pack(structure, [_dtype(c).name if not isinstance(c, Dataset) else "dataset"
                                  for c in _flatten(structure)]))


def _describe(r):
    if isinstance(r, (_core.Tensor, _core.Variable)):
        return f"a {r.dtype.name} tensor of shape {_shape_text(r.shape)}"
    return f"{r!r:.60} of type {type(r).__name__}"


def _predicate_value(r, op):
    """take_while's predicate result as a bool (ValueError otherwise, as TF)."""
    if isinstance(r, (_builtins.bool, _np.bool_)):
        return _builtins.bool(r)
    if isinstance(r, (_core.Tensor, _core.Variable)) and r.dtype == _bool and r.ndim == 0:
        return _builtins.bool(r.numpy())
    raise ValueError(f"{op}: Invalid `predicate`. `predicate` must return a `tf.bool` scalar "
                     f"tensor, but it returned {_describe(r)}.")


def _int64_scalar(v):
    return _core._constant(_np.int64(v), _int64)


def _int64_result(r, op, what):
    """A user function's result that must be a scalar int64 (TF's key / window size rule;
    Python and numpy integers are taken too)."""
    if isinstance(r, (_core.Tensor, _core.Variable)):
        if r.dtype == _int64 and r.ndim == 0:
            return int(r.numpy())
    elif isinstance(r, (_numbers.Integral, _np.integer)) and not isinstance(r, (_builtins.bool, _np.bool_)):
        return int(r)
    raise ValueError(f"{op}: Invalid `{what}`. `{what}` must return a single `tf.int64` scalar "
                     f"tensor but it returned {_describe(r)}.")


def _int_value(r, op, what):
    """A user function's result that must be a scalar integer (any integer dtype)."""
    if isinstance(r, (_core.Tensor, _core.Variable)):
        if r.dtype.is_integer and r.ndim == 0:
            return int(r.numpy())
    elif isinstance(r, (_numbers.Integral, _np.integer)) and not isinstance(r, (_builtins.bool, _np.bool_)):
        return int(r)
    raise ValueError(f"{op}: `{what}` must return a scalar integer, got {_describe(r)}")


def _int_list(values, op, what):
    if isinstance(values, (_core.Tensor, _core.Variable)):
        values = values.numpy()
    if isinstance(values, _np.ndarray):
        values = values.tolist()
    if not isinstance(values, (list, tuple)):
        raise TypeError(f"{op}: {what} must be a list of integers, got {values!r:.80}")
    return list(values)


def _bucket_shapes(padded_shapes, static, grouped, filler, op):
    """bucket_by_sequence_length's padded shapes: ``padded_shapes`` or the static element
    spec's shapes, with None dimensions set to ``filler`` (None: the batch's longest)."""
    if padded_shapes is not None:
        structure = static if static is not None else grouped.element_spec
        if _is_struct(structure):
            shapes = [_shape_arg(s) for s in _flatten_up_to(structure, padded_shapes, op)]
        else:
            shapes = [_shape_arg(padded_shapes)]
    elif static is not None:
        structure = static
        shapes = [s.shape for s in _flatten(static)]
        if any(sh is None for sh in shapes):  # unknown rank (from_generator's output_types)
            first = _flatten(next(iter(grouped._elements())))
            shapes = [(None,) * len(_shape(c)) if sh is None else sh
                      for sh, c in zip(shapes, first)]
    else:
        structure = grouped.element_spec
        shapes = []
        for s in _flatten(structure):
            if s.shape is not None and len(s.shape) > 1 and filler is not None:
                raise ValueError(f"{op}: with pad_to_bucket_boundary=True and an element_spec that "
                                 f"is not static (after map), give padded_shapes for components "
                                 f"of rank > 1 (got shape {_shape_text(s.shape)})")
            shapes.append(None if s.shape is None else (None,) * len(s.shape))
    if any(sh is None for sh in shapes):
        raise ValueError(f"{op}: components of unknown rank need padded_shapes")
    out = [[filler if d is None else d for d in sh] for sh in shapes]
    return _pack(structure, out) if _is_struct(structure) else out[0]


def _dist_arg(dist, op, what):
    if isinstance(dist, (_core.Tensor, _core.Variable)):
        dist = dist.numpy()
    try:
        d = _np.asarray(dist, dtype=_np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {what} must be a list of probabilities, got {dist!r:.80}") from None
    if d.ndim != 1 or d.size == 0:
        raise ValueError(f"{op}: {what} must be a non-empty 1-D list of probabilities, got shape "
                         f"{_shape_text(d.shape)}")
    if not _np.all(_np.isfinite(d)) or _np.any(d < 0) or d.sum() <= 0:
        raise InvalidArgumentError(f"{op}: {what} must be non-negative with a positive sum, got "
                                   f"{d.tolist()}")
    return d


def _acceptance(initial, target):
    """TF's acceptance probabilities with mixing: (per-class acceptance, probability of taking
    an element unfiltered)."""
    ratio = target / (initial + _np.finfo(_np.float64).tiny)
    hi, lo = ratio.max(), ratio.min()
    with _np.errstate(invalid="ignore", divide="ignore"):
        accept = (ratio - lo) / (hi - lo)
    return accept, lo


def _dataset_list(datasets, op):
    if isinstance(datasets, Dataset) or not isinstance(datasets, (list, tuple)):
        raise TypeError(f"{op}: Invalid `datasets`. `datasets` should be a list of "
                        f"`tf.data.Dataset`, got {type(datasets).__name__}")
    datasets = list(datasets)
    if not datasets:
        raise ValueError(f"{op}: Invalid `datasets`. `datasets` should not be empty.")
    for i, d in enumerate(datasets):
        if not isinstance(d, Dataset):
            raise TypeError(f"{op}: Invalid `datasets`. datasets[{i}] is a {type(d).__name__}, "
                            f"not a `tf.data.Dataset`")
    return datasets


def _lazy_common(datasets, op):
    return lambda: _common_of([d.element_spec for d in datasets], op)


def _common_spec(datasets, op):
    """The element spec the datasets share (dimensions that differ become None); a
    TypeError when their static specs differ in structure or dtype."""
    specs = [d._spec for d in datasets]
    if any(s is None for s in specs):
        return None
    return _common_of(specs, op)


def _common_of(specs, op):
    spec = specs[0]
    for i, s in enumerate(specs[1:], 1):
        fa, fb = _flatten(spec), _flatten(s)
        if not _same_structure(spec, s) or len(fa) != len(fb) or \
                any(x.dtype != y.dtype for x, y in zip(fa, fb)):
            raise TypeError(f"{op}: Invalid `datasets`. `datasets` must have compatible element "
                            f"specs.\n Dataset 0 element_spec={specs[0]!r}.\nDataset {i} "
                            f"element_spec={s!r}.")
        spec = _pack(spec, [x if isinstance(x, DatasetSpec) else TensorSpec(
            None if x.shape is None or y.shape is None or len(x.shape) != len(y.shape)
            else tuple(p if p == q else None for p, q in zip(x.shape, y.shape)), x.dtype)
            for x, y in zip(fa, fb)])
    return spec


def _weights_arg(weights, k, op):
    if isinstance(weights, (_core.Tensor, _core.Variable)):
        if not weights.dtype.is_floating:
            raise TypeError(f"{op}: Invalid `weights`. `weights` type must be `tf.float32` or "
                            f"`tf.float64` but is {weights.dtype.name}.")
        w = weights.numpy().astype(_np.float64)
    elif isinstance(weights, tuple):  # one step of a weights dataset with tuple elements
        w = _np.array([float(_value(v)) if not isinstance(v, _numbers.Real) else float(v) for v in weights])
    else:
        arr = _np.asarray(weights)
        if isinstance(weights, _np.ndarray) and arr.dtype.kind != "f":
            raise TypeError(f"{op}: Invalid `weights`. `weights` type must be floating-point but "
                            f"is {arr.dtype}.")
        if arr.dtype.kind not in "fiu" or arr.dtype.kind == "b":
            raise TypeError(f"{op}: Invalid `weights`. `weights` must be numbers, got "
                            f"{weights!r:.80}")
        w = arr.astype(_np.float64)
    if w.ndim != 1 or w.size != k:
        raise ValueError(f"{op}: Invalid `weights`. `weights` should have the same length as "
                         f"`datasets` but got `len(weights)={w.size if w.ndim else w.ndim}` vs. "
                         f"`len(datasets)={k}`.")
    if not _np.all(_np.isfinite(w)) or _np.any(w < 0):
        raise InvalidArgumentError(f"{op}: Invalid `weights`. weights must be finite and "
                                   f"non-negative, got {w.tolist()}")
    return w


def _directed(picks, datasets, stop, op):
    """TF's directed interleave: for each pick, the next element of that dataset; an exhausted
    one ends everything (``stop``) or is dropped, and the end comes when all are."""
    its = [d._elements() for d in datasets]
    active = len(its)
    for i in picks:
        it = its[i]
        if it is None:
            continue
        x = next(it, _END)
        if x is not _END:
            yield x
            continue
        if stop:
            return
        its[i] = None
        active -= 1
        if active == 0:
            return


def _string_list(value, op, what):
    """A string or list of strings (str, bytes, PathLike, numpy strings) as a list of bytes."""
    if isinstance(value, _os.PathLike):
        value = _os.fspath(value)
    if isinstance(value, (list, tuple)):
        value = [_os.fspath(v) if isinstance(v, _os.PathLike) else v for v in value]
    s = _string_value(value, op) if not isinstance(value, tuple) else _string_value(list(value), op)
    if s is None:
        raise TypeError(f"{op}: The `{what}` argument must contain `tf.string` elements, got "
                        f"{value!r:.80} of type {type(value).__name__}")
    if isinstance(s, bytes):
        return [s]
    if s.ndim != 1:
        raise ValueError(f"{op}: The `{what}` argument must contain `tf.string` elements of "
                         f"shape [] or [n], got shape {_shape_text(s.shape)}")
    return s.tolist()


def _has_magic(s):
    return any(c in s for c in "*?[")


def _glob_all(pattern):
    """The paths matching a glob pattern (``*``, ``?``, ``[...]`` in any component), hidden
    files included, as TF's file matching (Python's glob skips them before 3.11)."""
    if not _has_magic(pattern):
        return [pattern] if _os.path.lexists(pattern) else []
    dirname, base = _os.path.split(pattern)
    if dirname and _has_magic(dirname):
        dirs = [d for d in _glob_all(dirname) if _os.path.isdir(d)]
    else:
        dirs = [dirname]
    out = []
    for d in dirs:
        try:
            names = _os.listdir(d or _os.curdir)
        except OSError:
            continue
        if not base:
            out.append(d + _os.sep)
            continue
        out.extend(_os.path.join(d, n) for n in _fnmatch.filter(names, base))
    return out


def _shapes_array(values):
    out = []
    for v in values:
        out.append(v.ndim)
        out.extend(v.shape)
    return _np.array(out, dtype=_np.int64)


def _unflatten_values(flat, shapes, strings):
    out, pos, i = [], 0, 0
    shapes = shapes.tolist()
    while i < len(shapes):
        nd = shapes[i]
        shape = tuple(shapes[i + 1:i + 1 + nd])
        i += 1 + nd
        size = int(_np.prod(shape)) if shape else 1
        part = flat[pos:pos + size]
        pos += size
        if strings:
            out.append(_string_array(shape, list(part), "Dataset.load"))
        else:
            out.append(_np.asarray(part).reshape(shape))
    return out


def _encode_structure(spec):
    if isinstance(spec, dict):
        return {"dict": [[k, _encode_structure(v)] for k, v in spec.items()]}
    if isinstance(spec, tuple):
        if hasattr(spec, "_fields"):
            return {"namedtuple": type(spec).__name__, "fields": list(spec._fields),
                    "items": [_encode_structure(v) for v in spec]}
        return {"tuple": [_encode_structure(v) for v in spec]}
    return {"spec": None if spec.shape is None else list(spec.shape), "dtype": spec.dtype.name}


def _decode_structure(d):
    if "dict" in d:
        return {k: _decode_structure(v) for k, v in d["dict"]}
    if "namedtuple" in d:
        cls = _collections.namedtuple(d["namedtuple"], d["fields"])
        return cls(*[_decode_structure(v) for v in d["items"]])
    if "tuple" in d:
        return tuple(_decode_structure(v) for v in d["tuple"])
    return TensorSpec(d["spec"], d["dtype"])


_COMPRESSIONS = {None: "", "": "", "GZIP": "GZIP", "ZLIB": "ZLIB"}


def _read_lines(path, compression, op):
    """The lines of one file as bytes, without the line end (``\\n`` and a ``\\r`` before it,
    as TF's reader)."""
    name = _os.fsdecode(path)
    try:
        if compression == "GZIP":
            f = _gzip.open(name, "rb")
        elif compression == "ZLIB":
            with open(name, "rb") as raw:
                f = _io.BytesIO(_zlib.decompress(raw.read()))
        else:
            f = open(name, "rb")
    except FileNotFoundError:
        raise FileNotFoundError(f"{op}: {name}; No such file or directory") from None
    with f:
        for line in f:
            if line.endswith(b"\n"):
                line = line[:-1]
                if line.endswith(b"\r"):
                    line = line[:-1]
            else:  # the last line, without a newline
                if line.endswith(b"\r"):
                    line = line[:-1]
                if not line:
                    return
            yield line


class TextLineDataset(Dataset):
    """The lines of one or more text files, as ``tf.data.TextLineDataset``: each element is
    one line as ``bytes`` (tapegrad has no string tensors), without its ``\\n`` / ``\\r\\n``.
    ``filenames`` is a path, a list of paths, or a Dataset of them (e.g. from
    ``Dataset.list_files``); the files are read one after another, or ``num_parallel_reads``
    at a time interleaved line by line (TF's order; read sequentially here).
    ``compression_type`` is None / ``""``, ``"GZIP"`` or ``"ZLIB"``. A missing file is a
    FileNotFoundError when iterating."""

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        op = "TextLineDataset"
        if compression_type not in _COMPRESSIONS:
            raise InvalidArgumentError(f"{op}: Unsupported compression_type: {compression_type!r}; "
                                       f"expected None, '', 'GZIP' or 'ZLIB'.")
        compression = _COMPRESSIONS[compression_type]
        if isinstance(filenames, Dataset):
            spec = filenames._spec
            if spec is not None and not (isinstance(spec, TensorSpec) and spec.dtype is _STRING
                                         and spec.shape == ()):
                raise TypeError(f"{op}: `filenames` must be a `tf.data.Dataset` of scalar "
                                f"`tf.string` elements, got element_spec {spec!r}")
            files = filenames
        else:
            listed = _string_list(filenames, op, "filenames")
            names = _np.empty(len(listed), dtype=object)
            names[:] = listed
            files = Dataset._indexed(_Arrays(None, [names], [_STRING], len(listed)),
                                     lambda: _chunks_range(0, len(listed)), len(listed))
        spec = TensorSpec((), _STRING)

        def read(fname):
            if not isinstance(fname, bytes):
                raise TypeError(f"{op}: a file name must be a scalar string, got {_describe(fname)}")
            return Dataset(lambda: _read_lines(fname, compression, op), _UNK, spec=spec)
        if num_parallel_reads is None:
            inner = files.flat_map(read)
        else:
            inner = files.interleave(read, cycle_length=num_parallel_reads, block_length=1)
        super().__init__(inner._elements, _UNK, spec=spec)


# -- tf.data.experimental: the transformations as functions for Dataset.apply ----------------
def _assert_cardinality(expected_cardinality):
    """``tf.data.experimental.assert_cardinality(n)``: for ``Dataset.apply``; the dataset
    with cardinality ``n``, and an InvalidArgumentError while iterating if it has another
    number of elements (as TF)."""
    op = "assert_cardinality"
    n = _int_arg(expected_cardinality, op, "expected_cardinality")

    def apply(dataset):
        parent = dataset._elements

        def elements():
            count = 0
            for e in parent():
                count += 1
                if n >= 0 and count > n:
                    raise InvalidArgumentError(
                        f"{op}: Input dataset was expected to contain {n} "
                        f"element{'s' if n != 1 else ''} but contained at least {count} elements.")
                yield e
            if n == _INF:
                raise InvalidArgumentError(f"{op}: Input dataset was expected to contain an "
                                           f"infinite number of elements but contained only "
                                           f"{count} elements.")
            if n >= 0 and count < n:
                raise InvalidArgumentError(
                    f"{op}: Input dataset was expected to contain {n} elements but contained "
                    f"only {count} element{'s' if count != 1 else ''}.")
        return dataset._keep_lead(Dataset(elements, n, **dataset._derived(_same)))
    return apply


def _method(name, doc):
    def factory(*args, **kwargs):
        return lambda dataset: getattr(dataset, name)(*args, **kwargs)
    factory.__name__ = name
    factory.__doc__ = doc
    return factory


def _shuffle_and_repeat(buffer_size, count=None, seed=None):
    """``tf.data.experimental.shuffle_and_repeat``: for ``Dataset.apply``,
    ``shuffle(buffer_size, seed).repeat(count)`` (a new order each epoch)."""
    return lambda dataset: dataset.shuffle(buffer_size, seed=seed).repeat(count)


def _parallel_interleave(map_func, cycle_length, block_length=1, sloppy=False,
                         buffer_output_elements=None, prefetch_input_elements=None):
    """``tf.data.experimental.parallel_interleave``: for ``Dataset.apply``, ``interleave``
    with the same order (``sloppy`` and the buffers are accepted; the order is always the
    deterministic one)."""
    return lambda dataset: dataset.interleave(map_func, cycle_length, block_length)


def _get_single_element(dataset):
    """``tf.data.experimental.get_single_element(dataset)``: ``dataset.get_single_element()``."""
    if not isinstance(dataset, Dataset):
        raise TypeError(f"get_single_element: expected a Dataset, got {type(dataset).__name__}")
    return dataset.get_single_element()


def _save(dataset, path, compression=None, shard_func=None, checkpoint_args=None):
    """``tf.data.experimental.save``: ``dataset.save(path, ...)`` (tapegrad's format)."""
    if not isinstance(dataset, Dataset):
        raise TypeError(f"save: expected a Dataset, got {type(dataset).__name__}")
    return dataset.save(path, compression, shard_func, checkpoint_args)


experimental = _types.SimpleNamespace(
    AUTOTUNE=AUTOTUNE, INFINITE_CARDINALITY=INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY=UNKNOWN_CARDINALITY, cardinality=_cardinality,
    Counter=Dataset.counter, assert_cardinality=_assert_cardinality,
    sample_from_datasets=Dataset.sample_from_datasets,
    choose_from_datasets=Dataset.choose_from_datasets,
    get_single_element=_get_single_element,
    save=_save, load=Dataset.load,
    shuffle_and_repeat=_shuffle_and_repeat, parallel_interleave=_parallel_interleave,
    bucket_by_sequence_length=_method(
        "bucket_by_sequence_length", "For ``Dataset.apply``: ``Dataset.bucket_by_sequence_length``."),
    group_by_window=_method("group_by_window", "For ``Dataset.apply``: ``Dataset.group_by_window``."),
    scan=_method("scan", "For ``Dataset.apply``: ``Dataset.scan``."),
    take_while=_method("take_while", "For ``Dataset.apply``: ``Dataset.take_while``."),
    unique=_method("unique", "For ``Dataset.apply``: ``Dataset.unique``."),
    unbatch=_method("unbatch", "For ``Dataset.apply``: ``Dataset.unbatch``."),
    enumerate_dataset=_method("enumerate", "For ``Dataset.apply``: ``Dataset.enumerate``."),
    rejection_resample=_method("rejection_resample",
                               "For ``Dataset.apply``: ``Dataset.rejection_resample``."),
)
