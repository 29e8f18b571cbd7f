"""tapegrad: TensorFlow's GradientTape API on C++ SIMD kernels.

``import tapegrad as tf`` and write eager ``tf.GradientTape`` code: tensors, variables, the
ops below and their derivatives of any order. Every op runs in C++ (tapegrad._core); this
package only re-exports it with TF's names, plus the pieces that run once per call
(tape nests, Keras-style layers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING as _TYPE_CHECKING, Any as _Any, Optional as _Optional, \
    Sequence as _Sequence

import builtins as _builtins

import numpy as _np

from . import _core
from ._core import (  # noqa: F401  (re-exported)
    Tensor, Variable,
    add, subtract, multiply, divide, negative, pow, square, sqrt, exp, log, tanh, sigmoid,
    maximum, minimum, abs, sign, identity, matmul,
    reduce_sum, reduce_mean, reduce_max, reduce_min, broadcast_to, reshape, transpose, concat, stack,
    expand_dims, squeeze, slice, clip_by_value, clip_by_norm, stop_gradient, cast,
    get_num_threads, set_num_threads,
    equal, not_equal, less, less_equal, greater, greater_equal,
    logical_and, logical_or, logical_not, reduce_any, reduce_all,
    argmax, argmin, one_hot, where, gather, floordiv, cumsum, sin, cos, tan, atan,
)
from .dtypes import DType, float32, float64, int32, int64, uint8, bool, as_dtype  # noqa: A004
from . import dtypes as _dtypes_mod
from .tape import GradientTape, UnconnectedGradients
from .module import Module
from ._custom_gradient import custom_gradient
from . import errors
from ._convert import holds_tensor as _holds_tensor, pack as _pack
from .math import reduce_logsumexp, reduce_prod, truediv, add_n, floor, round, asin, acos, atan2  # noqa: A004
from ._array_ops import function, tile, split, range, eye, unstack, reverse, boolean_mask, is_tensor, \
    sort, argsort, roll, repeat, meshgrid, sequence_mask, gather_nd, clip_by_global_norm, linspace, \
    scatter_nd, tensor_scatter_nd_add, tensor_scatter_nd_update  # noqa: A004

newaxis = None  # tf.newaxis: x[:, tf.newaxis] adds an axis

if _TYPE_CHECKING:  # aliases that exist only in the stubs (_core.pyi)
    from ._core import DTypeLike, ShapeLike, TensorLike

__version__ = "0.1.0"


class TensorShape(tuple):
    """A tensor's shape: a tuple (compares equal to one, and to a list, as TF's) with TF's
    TensorShape helpers. Slicing and ``+`` give TensorShapes. Dimensions are ints (None for
    an unknown one, in shapes a user builds: ``TensorShape([None, 3])``)."""

    __slots__ = ()

    def __new__(cls, dims=()):
        if type(dims) is tuple:  # what tensor.shape passes: ints already (the hot path)
            return tuple.__new__(cls, dims)
        if dims is None:
            raise TypeError("TensorShape(None): shapes of unknown rank are not supported "
                            "(tapegrad is eager: every tensor's rank is known)")
        if isinstance(dims, (int, _np.integer)) and not isinstance(dims, (_builtins.bool, _np.bool_)):
            dims = (dims,)
        return super().__new__(cls, (None if d is None else int(d) for d in dims))

    @property
    def rank(self):
        """Number of dimensions."""
        return len(self)

    @property
    def ndims(self):
        """Number of dimensions (TF's older name for ``rank``)."""
        return len(self)

    @property
    def dims(self):
        """The dimensions as a list (TF 2: ints or None)."""
        return list(self)

    def as_list(self):
        """The dimensions as a list of ints."""
        return list(self)

    def num_elements(self):
        """Number of elements: the product of the dimensions (1 for a scalar; None if a
        dimension is unknown)."""
        n = 1
        for d in self:
            if d is None:
                return None
            n *= d
        return n

    def is_fully_defined(self):
        """True when no dimension is unknown."""
        return all(d is not None for d in self)

    def is_compatible_with(self, other):
        """True when the ranks agree and each pair of known dimensions is equal."""
        other = TensorShape(other)
        return len(self) == len(other) and all(a is None or b is None or a == b for a, b in zip(self, other))

    def assert_is_compatible_with(self, other):
        """Raises ValueError unless ``is_compatible_with(other)``."""
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {TensorShape(other)} are incompatible")

    def merge_with(self, other):
        """The shape with the known dimensions of both; ValueError if they are incompatible."""
        other = TensorShape(other)
        self.assert_is_compatible_with(other)
        return TensorShape(b if a is None else a for a, b in zip(self, other))

    def concatenate(self, other):
        """The dimensions of this shape followed by those of ``other``."""
        return TensorShape(tuple(self) + tuple(TensorShape(other)))

    def assert_has_rank(self, rank):
        """Raises ValueError unless the shape has rank ``rank``."""
        if len(self) != rank:
            raise ValueError(f"Shape {self} must have rank {rank}")

    def with_rank(self, rank):
        """This shape, if it has rank ``rank`` (else ValueError)."""
        self.assert_has_rank(rank)
        return self

    def assert_same_rank(self, other):
        """Raises ValueError unless ``other`` has this shape's rank."""
        if len(self) != len(TensorShape(other)):
            raise ValueError(f"Shapes {self} and {TensorShape(other)} must have the same rank")

    def __getitem__(self, key):
        got = tuple.__getitem__(self, key)
        return TensorShape(got) if isinstance(key, _builtins.slice) else got

    def __add__(self, other):
        return self.concatenate(other)

    def __radd__(self, other):
        return TensorShape(other).concatenate(self)

    def __eq__(self, other):
        if isinstance(other, list):
            other = tuple(other)
        return tuple.__eq__(self, other)

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = tuple.__hash__

    def __repr__(self):
        return f"TensorShape({list(self)})"

    def __str__(self):
        return "(" + ", ".join("None" if d is None else str(d) for d in self) + ("," if len(self) == 1 else "") + ")"


_core._register(_dtypes_mod._ALL, TensorShape)
# The kernel ISA is chosen now, not at the first op: a TAPEGRAD_ISA this CPU cannot run (or
# an unknown name) fails the import with the reason, instead of the user's first computation.
_core.isa()


# -- creation ---------------------------------------------------------------------------------
def constant(value: _Any, dtype: _Optional[DTypeLike] = None,
             shape: _Optional[_Sequence[int]] = None, name: _Optional[str] = None) -> Tensor:
    """A new Tensor from a Python scalar, nested list, numpy array or tensor.

    Python floats and lists become float32; numpy float64 arrays stay float64 (pass ``dtype``
    to choose). The value is copied once. ``shape`` broadcasts or reshapes a scalar/flat value.
    """
    t = _core._constant(value, dtype)
    if shape is not None:
        shape = tuple(shape)
        if t.size == 1:
            t = broadcast_to(reshape(t, []), shape)
        else:
            t = reshape(t, shape)
    return t


def convert_to_tensor(value: _Any, dtype: _Optional[DTypeLike] = None,
                      dtype_hint: _Optional[DTypeLike] = None, name: _Optional[str] = None) -> Tensor:
    """``value`` as a Tensor (Tensors pass through unchanged; Variables give their value; a list
    holding tensors is packed with a recorded stack, so gradients reach them, as TF's)."""
    if isinstance(value, (Tensor, Variable)):
        if dtype is not None and value.dtype != as_dtype(dtype):
            # TF's check: a tensor is never cast silently to a requested dtype.
            raise ValueError(f"Tensor conversion requested dtype {as_dtype(dtype).name} for "
                             f"Tensor with dtype {value.dtype.name}: {value!r}")
        return value if isinstance(value, Tensor) else value.read_value()
    if _holds_tensor(value):
        # TF packs a list holding tensors with a recorded stack: gradients reach them.
        t = _pack(value)
        if dtype is not None and t.dtype != as_dtype(dtype):
            raise ValueError(f"Tensor conversion requested dtype {as_dtype(dtype).name} for a list "
                             f"of {t.dtype.name} tensors")
        return t
    if dtype is None and dtype_hint is not None and not hasattr(value, "dtype"):
        dtype = dtype_hint
    t = _core._constant(value, dtype)
    if dtype is not None and t.dtype != as_dtype(dtype):
        raise TypeError(f"convert_to_tensor: value has dtype {t.dtype.name}, requested {dtype}")
    return t


def fill(dims: ShapeLike, value: _Any, name: _Optional[str] = None) -> Tensor:
    """A tensor of shape ``dims`` filled with the scalar ``value``: float32 for a Python
    float, int32 for a Python int (int64 past int32's range), as TF; the value's dtype for a
    numpy scalar (int64 exactly), a bool or a 0-d tensor. A
    tensor value is broadcast, so the fill is differentiable in it (the gradient sums), as
    TF's."""
    if isinstance(value, (Tensor, Variable)) or isinstance(value, (_builtins.bool, _np.bool_, _np.integer)) \
            or (isinstance(value, _np.ndarray) and value.ndim == 0 and value.dtype.kind in "biu"):
        t = value.read_value() if isinstance(value, Variable) else (
            value if isinstance(value, Tensor) else _core._constant(_np.asarray(value), None))
        if t.ndim != 0:
            from .errors import InvalidArgumentError
            raise InvalidArgumentError(f"fill: value must be a scalar, got a tensor of shape {list(t.shape)}")
        return broadcast_to(t, dims)
    if isinstance(value, _np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, int):  # TF: a Python int fills int32 (int64 past its range)
        return broadcast_to(_core._constant(value, None), dims)
    dtype = float64 if isinstance(value, (_np.float64,)) else float32
    if not isinstance(value, (int, float, _np.floating)):
        raise TypeError(f"fill: value must be a real number, got {value!r} of type "
                        f"{type(value).__name__!r}")
    return _core._fill(dims, float(value), dtype)


def zeros(shape: ShapeLike, dtype: DTypeLike = float32, name: _Optional[str] = None) -> Tensor:
    """A tensor of zeros (float32 by default)."""
    return _core._fill(shape, 0.0, dtype)


def ones(shape: ShapeLike, dtype: DTypeLike = float32, name: _Optional[str] = None) -> Tensor:
    """A tensor of ones (float32 by default)."""
    return _core._fill(shape, 1.0, dtype)


def _like(input, op):
    # Tensors and numpy arrays carry shape and dtype; anything else converts as in TF.
    if isinstance(input, (Tensor, Variable, _np.ndarray)):
        return input
    return _core._constant(input, None, op)


def zeros_like(input: _Any, dtype: _Optional[DTypeLike] = None, name: _Optional[str] = None) -> Tensor:
    """Zeros with ``input``'s shape and dtype."""
    input = _like(input, "zeros_like")
    return _core._fill(tuple(input.shape), 0.0, dtype or input.dtype)


def ones_like(input: _Any, dtype: _Optional[DTypeLike] = None, name: _Optional[str] = None) -> Tensor:
    """Ones with ``input``'s shape and dtype."""
    input = _like(input, "ones_like")
    return _core._fill(tuple(input.shape), 1.0, dtype or input.dtype)


def one_hot_seed(shape, index, dtype):
    """Internal: a tensor of ``shape`` that is 1 at flat ``index`` and 0 elsewhere."""
    a = _np.zeros(shape, dtype=as_dtype(dtype).as_numpy_dtype)
    a.reshape(-1)[index] = 1
    return _core._constant(a, dtype)


def pad(tensor: TensorLike, paddings: _Any, mode: str = "CONSTANT", constant_values: _Any = 0,
        name: _Optional[str] = None) -> Tensor:
    """Pad ``tensor``, as ``tf.pad``: ``paddings`` is [[before, after], ...] per dimension.

    ``mode`` 'CONSTANT' fills with ``constant_values`` (a number or a 0-d tensor, which is
    differentiable too); 'REFLECT' mirrors without repeating the edge (padding < the
    dimension), 'SYMMETRIC' mirrors repeating it (padding <= the dimension): a gather, so
    the gradient adds up the mirrored copies. Any order of gradient.
    """
    from .errors import InvalidArgumentError
    m = str(mode).upper()
    if m not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise ValueError(f"pad: mode must be one of 'CONSTANT', 'REFLECT', 'SYMMETRIC' "
                         f"(any case), got {mode!r}")
    p = _np.asarray(paddings.numpy() if isinstance(paddings, Tensor) else paddings)
    if p.dtype.kind not in "iu" and not (p.dtype.kind == "f" and (p == _np.floor(p)).all()):
        raise TypeError(f"pad: paddings must be integers, got {paddings!r:.80}")
    p = p.astype(_np.int64)
    t = convert_to_tensor(tensor)
    if p.shape != (t.ndim, 2):
        raise InvalidArgumentError(f"pad: paddings must have shape ({t.ndim}, 2), got {p.shape}")
    for axis, pair in enumerate(p.tolist()):
        if min(pair) < 0:
            raise InvalidArgumentError(f"pad: paddings must be non-negative, got {pair} for dimension "
                                       f"{axis} of shape {tuple(t.shape)}")
    if m == "CONSTANT":
        out = _core._pad(t, p[:, 0].tolist(), p[:, 1].tolist())
        if isinstance(constant_values, (Tensor, Variable)) or constant_values != 0:
            c = convert_to_tensor(constant_values)
            if c.ndim != 0:
                raise InvalidArgumentError(f"pad: constant_values must be a scalar, got shape {list(c.shape)}")
            if c.dtype != t.dtype:
                c = _core.cast(c, t.dtype)
            inside = _core._pad(ones(list(t.shape), float32), p[:, 0].tolist(), p[:, 1].tolist())
            out = _core.where(_core.not_equal(inside, 0), out, c)
        return out
    edge = 0 if m == "REFLECT" else 1  # SYMMETRIC repeats the edge element
    out = t
    for axis, (before, after) in enumerate(p.tolist()):
        if not before and not after:
            continue
        n = t.shape[axis]
        if max(before, after) > n - 1 + edge:
            raise InvalidArgumentError(
                f"pad: {m} paddings must be {'less than' if not edge else 'at most'} the dimension "
                f"size: [{before}, {after}] for dimension {axis} of size {n}")
        j = _np.arange(-before, n + after)
        j = _np.where(j < 0, -j - edge, j)
        j = _np.where(j >= n, 2 * n - 2 + edge - j, j)
        out = gather(out, constant(j.astype(_np.int64)), axis=axis)
    return out


def _dims_of(input, op):
    # A Tensor, Variable or numpy array has its shape; anything else converts as constant() does.
    dims = getattr(input, "shape", None)
    if dims is None or not isinstance(dims, tuple):
        dims = convert_to_tensor(input).shape
    return dims


def _index_dtype(out_type, op):
    dt = as_dtype(out_type)
    if dt not in (int32, int64):
        raise TypeError(f"{op}: out_type must be int32 or int64, got {dt.name}")
    return dt


def shape(input: _Any, out_type: DTypeLike = int32, name: _Optional[str] = None) -> Tensor:
    """The shape of ``input`` as a 1-D int32 tensor (``out_type=tf.int64`` for int64), as TF.

    ``input.shape`` gives the static TensorShape instead. The result can be indexed
    (``tf.shape(x)[0]``) and passed wherever a shape or a dimension is taken.
    """
    return constant(list(_dims_of(input, "shape")), dtype=_index_dtype(out_type, "shape"))


def size(input: _Any, out_type: DTypeLike = int32, name: _Optional[str] = None) -> Tensor:
    """Number of elements of ``input``, a scalar int32 tensor (or ``out_type``), as TF."""
    n = 1
    for d in _dims_of(input, "size"):
        n *= d
    return constant(n, dtype=_index_dtype(out_type, "size"))


def rank(input: _Any, name: _Optional[str] = None) -> Tensor:
    """Number of dimensions of ``input``, a scalar int32 tensor, as TF."""
    return constant(len(_dims_of(input, "rank")), dtype=int32)


# -- Tensor/Variable protocol pieces that only format or index ---------------------------------
def _numpy_text(arr, is_repr):
    if arr.ndim == 0:
        return str(arr[()])
    return repr(arr) if is_repr else str(arr)


def _tensor_repr(self):
    return (f"<tapegrad.Tensor: shape={self.shape}, dtype={self.dtype.name}, "
            f"numpy={_numpy_text(self.numpy(), True)}>")


def _tensor_str(self):
    arr = self.numpy()
    text = _numpy_text(arr, False)
    if arr.ndim > 1:
        text = "\n" + text
    return f"tapegrad.Tensor({text}, shape={self.shape}, dtype={self.dtype.name})"


def _variable_repr(self):
    return (f"<tapegrad.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, "
            f"numpy={_numpy_text(self.numpy(), True)}>")


def _array(self, dtype=None, copy=None):
    a = _np.asarray(self.numpy())  # numpy() of a 0-d tensor is a numpy scalar
    if dtype is not None and _np.dtype(dtype) != a.dtype:
        return a.astype(dtype)
    if copy:
        return a.copy()
    return a


def _format(self, spec):
    if self.ndim == 0:
        return format(self.numpy()[()], spec)
    return format(str(self), spec)


def _getitem(self, key):
    """Basic indexing: ints, slices (any step, negative too), Ellipsis and None (newaxis).
    A slice of step 1 is a view-like ``slice``; another step takes the slice's bounding box,
    then one ``gather`` along that axis (so both are differentiable)."""
    if isinstance(self, Variable):  # the slice can be assigned to: v[0, 1:].assign(x), as TF
        return _variables.remember_slice(self, key, _getitem(self.read_value(), key))
    t = self
    if not isinstance(key, tuple):
        key = (key,)
    if any(k is Ellipsis for k in key):
        i = key.index(Ellipsis)
        used = sum(1 for k in key if k is not None and k is not Ellipsis)
        key = key[:i] + (builtins_slice(None),) * (t.ndim - used) + key[i + 1:]
    begin, size_, out_shape = [], [], []
    strided = []  # (output axis, positions in the box) for slices of step != 1
    dim = 0
    for k in key:
        if k is None:
            out_shape.append(1)
            continue
        if dim >= t.ndim:
            raise errors.IndexOutOfBoundsError(f"too many indices for a tensor of shape {t.shape}")
        n = t.shape[dim]
        if isinstance(k, builtins_slice):
            start, stop, step = k.indices(n)
            if step != 1:
                picked = _builtins.range(start, stop, step)
                lo = min(picked) if len(picked) else 0
                length = (max(picked) + 1 - lo) if len(picked) else 0
                begin.append(lo)
                size_.append(length)
                strided.append((len(out_shape), [i - lo for i in picked]))
                out_shape.append(length)
                dim += 1
                continue
            length = max(0, stop - start)
            begin.append(start if length else 0)
            size_.append(length)
            out_shape.append(length)
        else:
            try:
                if isinstance(k, (_builtins.bool, _np.bool_)):
                    raise TypeError
                i = _operator.index(k)  # ints and numpy ints; never a float such as 0.5
            except TypeError:
                raise TypeError(f"tapegrad indices must be ints, slices, ... or None, got {k!r}") from None
            if i < -n or i >= n:
                raise errors.IndexOutOfBoundsError(
                    f"index {k} is out of bounds for dimension {dim} with size {n}")
            begin.append(i % n)
            size_.append(1)
        dim += 1
    for d in _builtins.range(dim, t.ndim):
        begin.append(0)
        size_.append(t.shape[d])
        out_shape.append(t.shape[d])
    out = reshape(slice(t, begin, size_), out_shape)
    for axis, positions in strided:
        out = gather(out, _np.asarray(positions, _np.int64), axis=axis)
    return out


import operator as _operator  # noqa: E402

builtins_slice = _builtins.slice

class Reference:
    """A hashable reference to a tensor or variable, as TF's ``x.ref()``: tensors compare
    elementwise and are unhashable (as in TF 2), so dicts and sets key them by reference.
    Two references are equal when they refer to the same object; ``deref()`` gives it back."""

    __slots__ = ("_obj",)

    def __init__(self, obj):
        self._obj = obj

    def deref(self):
        """The tensor or variable this reference refers to."""
        return self._obj

    def __eq__(self, other):
        return isinstance(other, Reference) and other._obj is self._obj

    def __hash__(self):
        return id(self._obj)

    def __repr__(self):
        return f"<Reference wrapping {self._obj!r}>"


def _ref(self):
    """A hashable reference to this object (``Reference``), for dict keys and sets."""
    return Reference(self)


for _cls in (Tensor, Variable):
    _cls.ref = _ref
    _cls.experimental_ref = _ref
    _cls.__array__ = _array
    _cls.__format__ = _format
    _cls.__getitem__ = _getitem
    _cls.__iter__ = lambda self: (self[i] for i in _builtins.range(len(self)))
Tensor.__repr__ = _tensor_repr
Tensor.__str__ = _tensor_str
Variable.__repr__ = _variable_repr
Variable.__str__ = _variable_repr
del _cls
from . import _variables  # noqa: E402,F401  (tf.Variable(..., constraint=fn), Variable.constraint)
from ._variables import IndexedSlices  # noqa: E402,F401

from . import math, nn, config, bitwise  # noqa: E402,F401
from . import random  # noqa: E402,F401
from . import keras  # noqa: E402,F401
from . import utils  # noqa: E402,F401
from . import linalg  # noqa: E402,F401
from . import image  # noqa: E402,F401
from . import data, nest, train  # noqa: E402,F401
from .data import TensorSpec  # noqa: E402,F401
from .control_flow import cond, while_loop, map_fn, scan, foldl, foldr, vectorized_map, \
    py_function, numpy_function  # noqa: E402,F401
from .linalg import einsum, tensordot, norm  # noqa: E402,F401
from . import debugging  # noqa: E402,F401
from . import autodiff  # noqa: E402,F401
from .debugging import assert_equal, assert_greater, assert_less, assert_rank  # noqa: E402,F401
from ._segment_ops import unique, searchsorted, histogram_fixed_width  # noqa: E402,F401
from ._misc_ops import tensor_scatter_nd_sub, tensor_scatter_nd_max, tensor_scatter_nd_min, \
    dynamic_partition, dynamic_stitch, space_to_depth, depth_to_space, ensure_shape, identity_n, \
    shape_n, broadcast_static_shape, broadcast_dynamic_shape, print  # noqa: E402,F401,A004
from ._misc_ops import histogram_fixed_width_bins, guarantee_const, is_symbolic_tensor, \
    inside_function, get_current_name_scope, Assert, gradients, hessians  # noqa: E402,F401
from .math import approx_max_k as _approx_max_k  # noqa: E402


def approx_top_k(input, k, reduction_dimension=-1, recall_target=0.95, is_max_k=True,  # noqa: A002
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None):
    """TF's raw ``tf.approx_top_k`` op: ``tf.math.approx_max_k`` (``is_max_k``) or
    ``approx_min_k``, returning ``(values, indices)``; exact, as TF's CPU kernel."""
    from .math import approx_min_k
    fn = _approx_max_k if is_max_k else approx_min_k
    return fn(input, k, reduction_dimension)
from ._compat_ops import name_scope, device, control_dependencies, executing_eagerly, init_scope, \
    no_op, group, get_static_value, timestamp, get_logger, realdiv, truncatediv, \
    truncatemod, saturate_cast, parallel_stack, switch_case, case, unravel_index, \
    unique_with_counts, reverse_sequence, strided_slice, space_to_batch_nd, space_to_batch, \
    batch_to_space, recompute_grad, grad_pass_through, TensorArray, random_normal_initializer, \
    random_uniform_initializer, zeros_initializer, ones_initializer, \
    constant_initializer  # noqa: E402,F401,A004
from .math import sinh, cosh, asinh, acosh, atanh, scalar_mul  # noqa: E402,F401
from . import sparse  # noqa: E402,F401
from .sparse import SparseTensor  # noqa: E402,F401
from . import ragged  # noqa: E402,F401
from .ragged import RaggedTensor, _dispatch_concat as concat  # noqa: E402,F401,F811
# tf.reduce_* and tf.concat accept RaggedTensors (TF's ragged dispatch): tapegrad.math's wrappers
from .math import reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_any, \
    reduce_all  # noqa: E402,F401,F811


def __getattr__(name):
    # tf.tuple, served here rather than bound as a global: a global named `tuple` would shadow
    # the builtin for the code of this module (TensorShape, constant, indexing use it).
    if name == "tuple":
        from ._compat_ops import tuple_
        return tuple_
    raise AttributeError(f"module 'tapegrad' has no attribute {name!r}")

__all__ = [
    "Tensor", "Variable", "IndexedSlices", "Module", "GradientTape", "UnconnectedGradients", "custom_gradient",
    "DType", "float32", "float64", "int32", "int64", "uint8", "bool", "as_dtype", "TensorShape",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_not", "reduce_any", "reduce_all",
    "argmax", "argmin", "one_hot", "where", "gather", "range", "eye", "unstack", "reverse",
    "boolean_mask", "is_tensor", "add_n", "floor", "round",
    "constant", "convert_to_tensor", "fill", "zeros", "ones", "zeros_like", "ones_like",
    "add", "subtract", "multiply", "divide", "truediv", "floordiv", "negative", "pow", "square", "sqrt", "exp", "log",
    "tanh", "sigmoid", "maximum", "minimum", "abs", "sign", "identity", "matmul",
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_logsumexp", "reduce_prod", "cumsum", "broadcast_to", "reshape", "transpose",
    "concat", "stack", "expand_dims", "squeeze", "slice", "pad", "tile", "split", "norm",
    "clip_by_value", "clip_by_norm", "function",
    "stop_gradient", "cast", "size", "rank", "shape",
    "math", "nn", "config", "errors", "set_num_threads", "get_num_threads",
    "random", "keras", "utils", "bitwise", "linalg", "einsum", "tensordot", "sort", "argsort",
    "data", "nest", "train", "TensorSpec", "cond", "while_loop", "map_fn", "scan", "foldl", "foldr",
    "vectorized_map", "py_function", "numpy_function",
    "debugging", "assert_equal", "assert_greater", "assert_less", "assert_rank",
    "unique", "searchsorted", "histogram_fixed_width", "tensor_scatter_nd_sub",
    "tensor_scatter_nd_max", "tensor_scatter_nd_min", "dynamic_partition", "dynamic_stitch",
    "space_to_depth", "depth_to_space", "ensure_shape", "identity_n", "shape_n",
    "broadcast_static_shape", "broadcast_dynamic_shape", "print",
]
__all__ += [
    "name_scope", "device", "control_dependencies", "executing_eagerly", "init_scope", "no_op",
    "group", "tuple", "get_static_value", "timestamp", "get_logger", "sinh", "cosh", "asinh",
    "acosh", "atanh", "scalar_mul", "realdiv", "truncatediv", "truncatemod", "saturate_cast",
    "parallel_stack", "switch_case", "case", "unravel_index", "unique_with_counts",
    "reverse_sequence", "strided_slice", "space_to_batch_nd", "space_to_batch", "batch_to_space",
    "recompute_grad", "grad_pass_through", "TensorArray", "random_normal_initializer",
    "random_uniform_initializer", "zeros_initializer", "ones_initializer", "constant_initializer",
]
__all__ += ["histogram_fixed_width_bins", "guarantee_const", "is_symbolic_tensor", "inside_function",
            "get_current_name_scope", "Assert", "gradients", "hessians", "approx_top_k"]
__all__ += ["sparse", "SparseTensor"]
__all__ += ["ragged", "RaggedTensor"]
from ._more_api import matrix_square_root, extract_volume_patches, \
    required_space_to_batch_paddings, VariableAggregation, VariableSynchronization, \
    no_gradient  # noqa: E402,F401 (session 25, helper "more api")
__all__ += ["matrix_square_root", "extract_volume_patches", "required_space_to_batch_paddings",
            "VariableAggregation", "VariableSynchronization", "no_gradient"]
from ._edit_distance import edit_distance  # noqa: E402,F401 (session 25, helper "ctc/edit")
__all__ += ["edit_distance"]
