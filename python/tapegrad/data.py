"""tapegrad.data: ``tf.data.Dataset`` for eager input pipelines, as ``tf.data``.

A Dataset is a recipe for a sequence of elements: each element is a tensor or a nested
structure (tuples, namedtuples, dicts) of tensors, and iterating the dataset runs the recipe
again (``shuffle`` draws a new order each time, ``cache`` keeps the first full pass). As in TF,
Python lists are values, not structures: ``from_tensor_slices([1, 2, 3])`` slices one tensor.
Elements are tapegrad Tensors with tapegrad's conversion rules (numpy arrays keep their dtype,
Python floats and ints become float32 as ``tapegrad.constant`` makes them; ``range`` gives int64).

Batching does not stack single elements when nothing changes them: a dataset made by
``from_tensor_slices`` or ``range`` and then only ``shuffle``, ``take``, ``skip``, ``repeat``,
``cache``, ``shard`` (the "indexed" path) carries the row indices of its source arrays, and
``batch`` copies each batch out of them with one numpy indexing per component (one slice when
the rows are consecutive). After ``map``, ``filter``, ``zip``... elements are stacked.
"""

import builtins as _builtins
import itertools as _itertools
import numbers as _numbers
import types as _types

import numpy as _np

from . import _core
from . import random as _random
from .dtypes import as_dtype as _as_dtype, int64 as _int64, bool as _bool
from .errors import InvalidArgumentError

__all__ = ["Dataset", "TensorSpec", "AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY",
           "experimental"]

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2
_INF, _UNK = INFINITE_CARDINALITY, UNKNOWN_CARDINALITY
_CHUNK = 4096  # indices per chunk of an index stream


class TensorSpec:
    """The shape and dtype of one component of a dataset's elements, as ``tf.TensorSpec``
    (``None`` for a dimension whose size is not fixed, such as the last batch's)."""

    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = None if shape is None else tuple(None if d is None else int(d) for d in shape)
        self.dtype = _as_dtype(dtype)
        self.name = name

    def is_compatible_with(self, other):
        """True when ``other`` (a TensorSpec or a tensor) could be described by this spec."""
        shape = tuple(other.shape)
        if self.dtype != other.dtype:
            return False
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
        return f"TensorSpec(shape={self.shape}, dtype=tf.{self.dtype.name}, name={self.name!r})"


# -- structures: tuples, namedtuples and dicts nest; lists and everything else are values -----
def _is_struct(s):
    return isinstance(s, (tuple, dict))


def _flatten(s):
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


def _to_tensor(x, op):
    """One component as a Tensor: tensors pass, anything else converts as tf.constant does."""
    if isinstance(x, _core.Tensor):
        return x
    if isinstance(x, _core.Variable):
        return x.read_value()
    if isinstance(x, Dataset):
        raise TypeError(f"{op}: a Dataset cannot be a component of an element")
    return _core._constant(x, None, op)


def _normalize(value, op, top=True):
    """A value returned by a user function as an element: a top-level list becomes a tuple
    (as TF's map does), components become tensors."""
    if top and isinstance(value, list):
        value = tuple(value)
    return _pack(value, [_to_tensor(v, op) for v in _flatten(value)])


def _call(fn, element):
    # TF's rule: a tuple element is unpacked into positional arguments; anything else
    # (a tensor, a dict, a namedtuple) is passed as one argument.
    return fn(*element) if type(element) is tuple else fn(element)


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


def _spec_of(tensor, lead=()):
    return TensorSpec(tuple(lead) + tuple(tensor.shape), tensor.dtype)


# -- sources of the indexed path -----------------------------------------------------------------
class _Arrays:
    """Components sliced along their first axis: numpy arrays (views of the tensors given)."""

    def __init__(self, structure, arrays, dtypes, n):
        self.structure, self.arrays, self.dtypes, self.n = structure, arrays, dtypes, n

    def fetch(self, rows):
        return [a[rows] for a in self.arrays]

    def element(self, i):
        return _pack(self.structure, [_core._constant(v, d) for v, d in zip(self.fetch(i), self.dtypes)])

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
                out.append(_core._constant(a[rows], d))
        return _pack(self.structure, out)

    def spec(self, lead=()):
        return _pack(self.structure, [TensorSpec(tuple(lead) + a.shape[1:], d)
                                      for a, d in zip(self.arrays, self.dtypes)])


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

    def batch(self, rows):
        return _core._constant(self._values(rows), self.dtypes[0])

    def spec(self, lead=()):
        return TensorSpec(tuple(lead), self.dtypes[0])


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
    flats = [_flatten(e) for e in elements]
    for k, e in enumerate(elements[1:], 1):
        if not _same_structure(first, e) or len(flats[k]) != len(flats[0]):
            raise TypeError(f"{op}: element {k} has a different structure than element 0")
    out = []
    for c in range(len(flats[0])):
        ts = [f[c] for f in flats]
        shape0, dt = tuple(ts[0].shape), ts[0].dtype
        for k, t in enumerate(ts[1:], 1):
            if tuple(t.shape) != shape0:
                raise InvalidArgumentError(
                    f"{op}: Cannot batch tensors with different shapes in component {c}. First "
                    f"element had shape {_shape_text(shape0)} and element {k} had shape "
                    f"{_shape_text(t.shape)}.")
            if t.dtype != dt:
                raise TypeError(f"{op}: component {c} is {dt.name} in element 0 and "
                                f"{t.dtype.name} in element {k}")
        out.append(_core._constant(_np.stack([t.numpy() for t in ts]), dt))
    return _pack(first, out)


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
        """The next element (StopIteration at the end, as ``next``)."""
        return next(self._gen)


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
    a = t.numpy()
    return a[()] if a.ndim == 0 else a


class Dataset:
    """A sequence of elements, built by the ``from_*`` / ``range`` / ``zip`` constructors and
    transformed by the methods (each returns a new Dataset), as ``tf.data.Dataset``.

    ``for element in dataset`` runs it eagerly and yields tapegrad Tensors (or structures of
    them); ``as_numpy_iterator()`` yields numpy values. Not constructed directly.
    """

    def __init__(self, elements, cardinality, source=None, indices=None, spec=None):
        # elements: a zero-argument callable -> an iterator of elements. On the indexed path
        # also source (an _Arrays) and indices (zero-argument callable -> int64 chunks).
        self._elements = elements
        self._card = int(cardinality)
        self._source = source
        self._indices = indices
        self._spec = spec

    @classmethod
    def _indexed(cls, source, indices, card):
        def elements():
            for chunk in indices():
                for i in chunk.tolist():
                    yield source.element(i)
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
            if t.ndim == 0:
                raise ValueError(f"{op}: Unbatching a tensor is only supported for rank >= 1; "
                                 f"got a scalar component {t!r:.80}")
        n = flat[0].shape[0]
        for t in flat[1:]:
            if t.shape[0] != n:
                raise InvalidArgumentError(
                    f"{op}: all components must have the same size in their first dimension, "
                    f"got shapes {', '.join(_shape_text(u.shape) for u in flat)}")
        source = _Arrays(tensors if _is_struct(tensors) else None,
                         [t.numpy() for t in flat], [t.dtype for t in flat], n)
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
            raise TypeError(f"{op}: expected 1 to 3 arguments (start, stop, step), got {len(args)}")
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
        if output_signature is not None:
            dts = [s.dtype for s in _flatten(output_signature)]
        elif output_types is not None:
            dts = [_as_dtype(d) for d in _flatten(output_types)]
        else:
            dts = None
        call_args = tuple(args) if args is not None else ()

        def elements():
            for value in generator(*call_args):
                if dts is None:
                    yield _normalize(value, op)
                    continue
                flat = _flatten(value)
                if len(flat) != len(dts):
                    raise TypeError(f"{op}: the generator yielded {value!r:.80}, which does not "
                                    f"match the {len(dts)} components of the declared structure")
                ts = [_to_tensor(v, op) for v in flat]
                ts = [t if t.dtype == d else _core._constant(_np.asarray(t.numpy()).astype(d.as_numpy_dtype), d)
                      for t, d in zip(ts, dts)]
                yield _pack(value, ts) if _is_struct(value) else ts[0]
        spec = output_signature if output_signature is not None else None
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
        return Dataset(elements, card)

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
        """The structure of ``TensorSpec`` describing each element (for datasets whose
        elements come from a user function, found by computing the first element)."""
        if self._spec is None:
            first = next(iter(self._elements()), None)
            if first is None:
                raise ValueError("element_spec: the dataset is empty and its elements come from "
                                 "a function, so their structure is unknown")
            self._spec = _pack(first, [_spec_of(t) for t in _flatten(first)])
        return self._spec

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
        spec = None
        if self._spec is not None:
            spec = _pack(self._spec, [TensorSpec(((size if drop else None),) + s.shape, s.dtype)
                                      for s in _flatten(self._spec)])
        if self._source is not None:
            source, indices = self._source, self._indices

            def fast():
                for rows in _regroup(indices(), size, drop):
                    yield source.batch(rows)
            return Dataset(fast, card, spec=spec)
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
        return Dataset(elements, card, spec=spec)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """Batches whose components are padded (at the end of each dimension) to a common
        shape: the largest in the batch, or ``padded_shapes`` (None or -1 for "the largest"),
        with ``padding_values`` (default 0), as TF."""
        op = "Dataset.padded_batch"
        size = _int_arg(batch_size, op, "batch_size")
        if size <= 0:
            raise InvalidArgumentError(f"{op}: batch_size must be greater than zero, got {size}")
        drop = _builtins.bool(drop_remainder)
        parent = self._elements

        def targets(structure, n):
            if padded_shapes is None:
                return [None] * n
            if not _is_struct(structure):
                return [padded_shapes]
            flat = _flatten(padded_shapes)
            if len(flat) != n:
                raise ValueError(f"{op}: padded_shapes {padded_shapes!r:.80} does not match the "
                                 f"element structure ({n} components)")
            return flat

        def values(structure, n):
            if padding_values is None:
                return [0] * n
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
                arrs = [f[c].numpy() for f in flats]
                dt = flats[0][c].dtype
                rank = arrs[0].ndim
                if any(a.ndim != rank for a in arrs):
                    raise InvalidArgumentError(f"{op}: component {c} has different ranks across "
                                               f"the batch")
                biggest = [max(a.shape[d] for a in arrs) for d in _builtins.range(rank)]
                if want is None:
                    shape = biggest
                else:
                    want = [want] if isinstance(want, _numbers.Integral) else list(want)
                    if len(want) != rank:
                        raise ValueError(f"{op}: padded shape {want} for component {c} has rank "
                                         f"{len(want)}, the component has rank {rank}")
                    shape = [b if (w is None or w == -1) else int(w) for w, b in zip(want, biggest)]
                    for d, (s, b) in enumerate(zip(shape, biggest)):
                        if b > s:
                            raise InvalidArgumentError(
                                f"{op}: Attempted to pad to a smaller size than the input element: "
                                f"component {c} has size {b} in dimension {d}, padded shape {shape}")
                pad_value = pv.numpy() if isinstance(pv, (_core.Tensor, _core.Variable)) else pv
                block = _np.full([len(arrs)] + shape, pad_value, dtype=dt.as_numpy_dtype)
                for i, a in enumerate(arrs):
                    block[(i,) + tuple(_builtins.slice(0, s) for s in a.shape)] = a
                out.append(_core._constant(block, dt))
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
        return Dataset(elements, _batch_card(self._card, size, drop))

    def unbatch(self, name=None):
        """Each element split along its first axis into elements (the inverse of ``batch``),
        as TF; every component must have the same first dimension."""
        op = "Dataset.unbatch"
        spec = None
        if self._spec is not None:
            flat = _flatten(self._spec)
            if any(s.shape is not None and len(s.shape) == 0 for s in flat):
                raise ValueError(f"{op}: Cannot unbatch an input with scalar components.")
            spec = _pack(self._spec, [TensorSpec(s.shape[1:], s.dtype) for s in flat])
        parent = self._elements

        def elements():
            for e in parent():
                flat = _flatten(e)
                if any(t.ndim == 0 for t in flat):
                    raise ValueError(f"{op}: Cannot unbatch an input with scalar components.")
                n = flat[0].shape[0]
                if any(t.shape[0] != n for t in flat):
                    raise InvalidArgumentError(
                        f"{op}: Input element must have the same batch size in each component, "
                        f"got shapes {', '.join(_shape_text(t.shape) for t in flat)}")
                arrs = [t.numpy() for t in flat]
                for i in _builtins.range(n):
                    yield _pack(e, [_core._constant(a[i], t.dtype) for a, t in zip(arrs, flat)])
        return Dataset(elements, _INF if self._card == _INF else _UNK, spec=spec)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """``map_func`` applied to every element, as TF: a tuple element is passed as
        positional arguments, anything else (a tensor, a dict) as one argument; what it
        returns (a tensor, a tuple or dict of them; a list becomes a tuple) is the new
        element. ``num_parallel_calls`` is accepted and ignored (eager, one at a time)."""
        op = "Dataset.map"
        _check_fn(map_func, op, "map_func")
        parent = self._elements

        def elements():
            for e in parent():
                yield _normalize(_call(map_func, e), op)
        return Dataset(elements, self._card)

    def flat_map(self, map_func, name=None):
        """``map_func(element)`` must return a Dataset; their elements, in order."""
        op = "Dataset.flat_map"
        _check_fn(map_func, op, "map_func")
        parent = self._elements

        def elements():
            for e in parent():
                d = _call(map_func, e)
                if not isinstance(d, Dataset):
                    raise TypeError(f"{op}: map_func must return a Dataset, got {type(d).__name__}")
                yield from d._elements()
        return Dataset(elements, _INF if self._card == _INF else _UNK)

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
        return Dataset(elements, _UNK, spec=self._spec)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True, name=None):
        """The elements in a random order, as TF's buffer: ``buffer_size`` elements are held,
        each output is drawn uniformly from them and replaced by the next input (a buffer at
        least as large as the dataset gives a uniform permutation). Each iteration draws a
        new order unless ``reshuffle_each_iteration=False``; ``seed`` (with
        ``tf.random.set_seed``'s global seed), or the global seed alone, makes the sequence of
        orders the same on every run."""
        op = "Dataset.shuffle"
        size = _int_arg(buffer_size, op, "buffer_size")
        if size <= 0:
            raise InvalidArgumentError(f"{op}: buffer_size must be greater than zero, got {size}")
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
        return Dataset(elements, card, spec=self._spec)

    def repeat(self, count=None, name=None):
        """The dataset ``count`` times over (forever for None or -1), as TF; an iteration that
        yields nothing ends the repetition (an empty dataset repeated forever is empty)."""
        op = "Dataset.repeat"
        c = -1 if count is None else _int_arg(count, op, "count")
        n = self._card
        if c == 0 or n == 0:
            card = 0
        elif n in (_INF, _UNK):
            card = n
        elif c < 0:
            card = _INF
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
        return Dataset(repeated(self._elements), card, spec=self._spec)

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
        return Dataset(lambda: _itertools.islice(parent(), c), card, spec=self._spec)

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
        return Dataset(elements, card, spec=self._spec)

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
        return Dataset(lambda: _itertools.islice(parent(), i, None, k), card, spec=self._spec)

    def prefetch(self, buffer_size, name=None):
        """The dataset itself: eager iteration has nothing to overlap (``buffer_size``, e.g.
        ``AUTOTUNE``, is accepted)."""
        _int_arg(buffer_size, "Dataset.prefetch", "buffer_size")
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
        return Dataset(replay(self._elements), self._card, spec=self._spec)

    def enumerate(self, start=0, name=None):
        """``(i, element)`` pairs with int64 ``i`` counting from ``start``, as TF."""
        s = _int_arg(start, "Dataset.enumerate", "start")
        parent = self._elements

        def elements():
            for i, e in enumerate(parent(), s):
                yield (_core._constant(_np.int64(i), _int64), e)
        spec = None if self._spec is None else (TensorSpec((), _int64), self._spec)
        return Dataset(elements, self._card, spec=spec)

    def concatenate(self, dataset, name=None):
        """This dataset's elements, then ``dataset``'s (same structure and dtypes), as TF."""
        op = "Dataset.concatenate"
        if not isinstance(dataset, Dataset):
            raise TypeError(f"{op}: expected a Dataset, got {type(dataset).__name__}")
        a, b = self._spec, dataset._spec
        if a is not None and b is not None:
            fa, fb = _flatten(a), _flatten(b)
            if not _same_structure(a, b) or len(fa) != len(fb) or \
                    any(x.dtype != y.dtype for x, y in zip(fa, fb)):
                raise TypeError(f"{op}: Incompatible dataset elements: {a!r} and {b!r}")
        n, m = self._card, dataset._card
        card = _INF if _INF in (n, m) else (_UNK if _UNK in (n, m) else n + m)
        first, second = self._elements, dataset._elements
        spec = a
        if a is not None and b is not None:  # a dimension that differs becomes None
            spec = _pack(a, [TensorSpec(None if x.shape is None or y.shape is None or len(x.shape) != len(y.shape)
                                        else tuple(p if p == q else None for p, q in zip(x.shape, y.shape)),
                                        x.dtype) for x, y in zip(_flatten(a), _flatten(b))])
        return Dataset(lambda: _itertools.chain(first(), second()), card, spec=spec)

    def apply(self, transformation_func):
        """``transformation_func(self)``, which must return a Dataset, as TF."""
        _check_fn(transformation_func, "Dataset.apply", "transformation_func")
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError("Dataset.apply: `transformation_func` must return a Dataset, got "
                            f"{type(out).__name__}")
        return out


def _chunks_range(start, stop):
    for a in _builtins.range(start, stop, _CHUNK):
        yield _np.arange(a, min(a + _CHUNK, stop), dtype=_np.int64)


def _cardinality(dataset):
    """``tf.data.experimental.cardinality(dataset)``: ``dataset.cardinality()``."""
    if not isinstance(dataset, Dataset):
        raise TypeError(f"cardinality: expected a Dataset, got {type(dataset).__name__}")
    return dataset.cardinality()


experimental = _types.SimpleNamespace(
    AUTOTUNE=AUTOTUNE, INFINITE_CARDINALITY=INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY=UNKNOWN_CARDINALITY, cardinality=_cardinality)
