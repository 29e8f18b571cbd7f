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


# -- sliced assignment: v[0, 1:].assign(x), as TF ---------------------------------------------
#
# TF's Variable.__getitem__ returns a tensor that carries an ``assign`` method writing into the
# variable (strided_slice_assign). Tensors here have no per-instance dict, so the slices a
# Variable hands out are remembered in a table keyed by id (an entry dies with its tensor), and
# ``Tensor.assign`` is a property that finds the entry: for any other tensor it raises the
# AttributeError Python would, so ``hasattr(t, "assign")`` stays False for plain tensors.

def _convert(value, dtype=None):
    from . import convert_to_tensor
    return convert_to_tensor(value, dtype=dtype)


# id(slice tensor) -> (weakref to it, variable, key)
_SLICES = {}


def _drop_slice(key):
    return lambda _ref: _SLICES.pop(key, None)


def _numpy_index(key):
    """The key Tensor/Variable.__getitem__ accepted, as a numpy basic index (same meaning)."""
    import operator
    out = []
    for k in key if isinstance(key, tuple) else (key,):
        if k is None or k is Ellipsis:
            out.append(k)
        elif isinstance(k, slice):
            out.append(slice(*(None if b is None else operator.index(b)
                               for b in (k.start, k.stop, k.step))))
        else:
            out.append(operator.index(k))
    return tuple(out)


def remember_slice(var, key, out):
    """Called by Variable.__getitem__: ``out`` (a Tensor) gets an ``assign`` into ``var``."""
    k = id(out)
    _SLICES[k] = (_weakref.ref(out, _drop_slice(k)), var, key)
    return out


def _assign_into_slice(sliced, var, key, value, name=None):
    import numpy as np

    from .errors import InvalidArgumentError
    value = _convert(value, dtype=var.dtype).numpy()
    shape = tuple(sliced.shape)
    try:
        np.broadcast_to(value, shape)
    except ValueError:
        raise InvalidArgumentError(
            f"assign: cannot broadcast a value of shape {value.shape} into the slice "
            f"{_describe(key)} of shape {shape} of variable {var.name!r}") from None
    view = var._writable_numpy()
    view[_numpy_index(key)] = value
    del view
    return var


def _describe(key):
    parts = []
    for k in key if isinstance(key, tuple) else (key,):
        if isinstance(k, slice):
            parts.append(":".join("" if b is None else str(b) for b in (k.start, k.stop)) +
                         ("" if k.step is None else f":{k.step}"))
        else:
            parts.append("..." if k is Ellipsis else "newaxis" if k is None else str(k))
    return "[" + ", ".join(parts) + "]"


def _tensor_assign(self):
    entry = _SLICES.get(id(self))
    if entry is None or entry[0]() is not self:
        raise AttributeError("'Tensor' object has no attribute 'assign' (only a slice of a "
                             "Variable, v[...], can be assigned to, as in TF)")
    _, var, key = entry

    def assign(value, name=None):
        """Write ``value`` (broadcast to this slice's shape, the variable's dtype) into the
        variable this tensor was sliced from, as TF's sliced assignment; returns the variable.
        This tensor keeps the values it had."""
        return _assign_into_slice(self, var, key, value, name)
    return assign


_core.Tensor.assign = property(_tensor_assign, doc=(
    "For a slice of a Variable (v[0, 1:]): assign(value) writes value into that part of the "
    "variable, as TF's sliced assignment, and returns the variable. Other tensors have none "
    "(AttributeError), as in TF."))


# -- scatter updates and sparse reads (tf.Variable.scatter_* / sparse_read / gather_nd) -----------

class IndexedSlices:
    """Rows ``values[i]`` of a dense tensor at ``indices[i]`` (along axis 0), as
    ``tf.IndexedSlices``: the ``sparse_delta`` of ``Variable.scatter_update`` and friends.
    ``dense_shape`` is optional. (tapegrad's gradients are dense tensors, never these.)"""

    def __init__(self, values, indices, dense_shape=None):
        self.values = _convert(values)
        self.indices = _convert(indices) if not isinstance(indices, (list, tuple)) \
            else _convert(indices, dtype="int64")
        self.dense_shape = dense_shape

    def __repr__(self):
        return (f"IndexedSlices(indices={self.indices!r}, values={self.values!r}, "
                f"dense_shape={self.dense_shape!r})")


def _int_indices(indices, op):
    import numpy as np
    idx = np.asarray(indices.numpy() if hasattr(indices, "numpy") else indices)
    if idx.size == 0:
        idx = idx.astype(np.int64)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be int32 or int64, got {idx.dtype} (a Python int "
                        f"list is float32 in tapegrad: pass dtype=tapegrad.int64, or a list)")
    return idx.astype(np.int64, copy=False)


_UFUNCS = {"update": None, "add": "add", "sub": "subtract", "mul": "multiply", "div": "divide",
           "max": "maximum", "min": "minimum"}


def _scatter(var, kind, idx, updates, index_depth, op):
    """Applies ``kind`` of ``updates`` at the positions ``idx`` (shape [..., index_depth]
    of leading coordinates) to ``var`` in place, after checking everything."""
    import numpy as np

    from .errors import InvalidArgumentError
    shape = tuple(var.shape)
    if index_depth > len(shape):
        raise InvalidArgumentError(f"{op}: indices of depth {index_depth} for a variable of rank "
                                   f"{len(shape)} (shape {shape})")
    want = idx.shape[:-1] + shape[index_depth:]
    upd = _convert(updates, dtype=var.dtype).numpy()
    if upd.shape != want:
        raise InvalidArgumentError(
            f"{op}: updates must have shape {list(want)} (indices {list(idx.shape)} into a "
            f"variable of shape {list(shape)}), got {list(upd.shape)}")
    flat = idx.reshape(-1, index_depth)
    for j in range(index_depth):
        bad = (flat[:, j] < 0) | (flat[:, j] >= shape[j])
        if bad.any():
            i = int(np.argmax(bad))
            raise InvalidArgumentError(f"{op}: indices[{i}] = {flat[i].tolist()} does not index "
                                       f"into shape {list(shape)}")
    if kind == "div" and var.dtype.is_integer and (upd == 0).any():
        raise InvalidArgumentError(f"{op}: integer division by zero")
    view = var._writable_numpy()
    where = tuple(flat[:, j] for j in range(index_depth))
    rows = upd.reshape((flat.shape[0],) + shape[index_depth:])
    if kind == "update":
        view[where] = rows  # duplicates: the last one wins (TF: unspecified)
    elif kind == "div" and var.dtype.is_integer:
        for i in range(flat.shape[0]):  # in order (duplicates divide twice), truncating as C++
            at = tuple(w[i] for w in where)
            a, b = view[at], rows[i]
            q = a // b
            view[at] = q + (((a % b) != 0) & ((a < 0) != (b < 0)))
    else:
        getattr(np, _UFUNCS[kind]).at(view, where, rows)
    del view
    return var


def _make_scatter_nd(kind):
    def method(self, indices, updates, name=None):
        op = f"scatter_nd_{kind}"
        idx = _int_indices(indices, op)
        if idx.ndim < 1:
            raise ValueError(f"{op}: indices must have rank >= 1, got a scalar")
        if idx.ndim == 1:  # N indices into axis 0, as TF's resource kernels read them
            idx = idx[:, None]
        return _scatter(self, kind, idx, updates, idx.shape[-1], op)
    method.__name__ = f"scatter_nd_{kind}"
    method.__doc__ = (f"Applies the {kind} of ``updates`` (shape ``indices.shape[:-1] + "
                      f"shape[K:]``) at ``indices`` (int, shape [..., K]: coordinates of the "
                      f"first K axes; 1-D: N rows) in place, as TF's "
                      f"``Variable.scatter_nd_{kind}``; returns the variable. Not differentiable.")
    return method


def _make_scatter(kind):
    def method(self, sparse_delta, use_locking=False, name=None):
        op = f"scatter_{kind}"
        if not isinstance(sparse_delta, IndexedSlices):
            raise TypeError(f"{op}: sparse_delta must be a tapegrad.IndexedSlices, got "
                            f"{type(sparse_delta).__name__}")
        idx = _int_indices(sparse_delta.indices, op)
        return _scatter(self, kind, idx[..., None], sparse_delta.values, 1, op)
    method.__name__ = f"scatter_{kind}"
    method.__doc__ = (f"Applies the {kind} of ``sparse_delta.values`` to the rows "
                      f"``sparse_delta.indices`` in place, as TF's ``Variable.scatter_{kind}``; "
                      f"returns the variable. Not differentiable.")
    return method


for _kind in ("update", "add", "sub", "max", "min"):
    setattr(_core.Variable, f"scatter_nd_{_kind}", _make_scatter_nd(_kind))
for _kind in ("update", "add", "sub", "mul", "div", "max", "min"):
    setattr(_core.Variable, f"scatter_{_kind}", _make_scatter(_kind))
del _kind


def _sparse_read(self, indices, name=None):
    """The rows ``indices`` of the value (a differentiable gather), as TF's
    ``Variable.sparse_read``."""
    from . import gather
    return gather(self, indices)


def _gather_nd(self, indices, name=None):
    """``gather_nd`` of the value (differentiable), as TF's ``Variable.gather_nd``."""
    from . import gather_nd
    return gather_nd(self, indices)


_core.Variable.sparse_read = _sparse_read
_core.Variable.gather_nd = _gather_nd


# -- copy, deepcopy, pickle (as TF) ----------------------------------------------------------

def _rebuild_tensor(array):
    return _convert(array)


def _rebuild_variable(array, trainable, name):
    return _core.Variable(array, trainable=trainable, name=name)


def _tensor_reduce(self, *protocol):
    return _rebuild_tensor, (self.numpy(),)


def _variable_reduce(self, *protocol):
    name = self.name[:-2] if self.name.endswith(":0") else self.name
    return _rebuild_variable, (self.numpy(), self.trainable, name)


def _tensor_deepcopy(self, memo):
    out = _convert(self.numpy())
    memo[id(self)] = out
    return out


def _variable_deepcopy(self, memo):
    name = self.name[:-2] if self.name.endswith(":0") else self.name
    out = _core.Variable(self.numpy(), trainable=self.trainable, name=name,
                         constraint=self.constraint)
    memo[id(self)] = out
    return out


_core.Tensor.__reduce__ = _core.Tensor.__reduce_ex__ = _tensor_reduce
_core.Variable.__reduce__ = _core.Variable.__reduce_ex__ = _variable_reduce
_core.Tensor.__copy__ = _core.Variable.__copy__ = lambda self: self  # TF: the same object
_core.Tensor.__deepcopy__ = _tensor_deepcopy
_core.Variable.__deepcopy__ = _variable_deepcopy
