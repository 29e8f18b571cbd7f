"""TF 2's everyday top-level and ``tf.math`` functions that eager tapegrad lacked: the
boilerplate TF code is full of (``name_scope``, ``device``, ``control_dependencies``,
``executing_eagerly``, ``init_scope``, ``no_op``, ``group``, ``tuple``, ``get_static_value``,
``timestamp``, ``get_logger``), small ops (``truncatediv``, ``truncatemod``, ``realdiv``,
``saturate_cast``, ``parallel_stack``, ``switch_case``, ``case``, ``unravel_index``,
``unique_with_counts``, ``reverse_sequence``, ``strided_slice``, ``space_to_batch_nd``,
``space_to_batch``, ``batch_to_space``, ``recompute_grad``, ``grad_pass_through``), the
``tf.math`` ones (``invert_permutation``, ``is_non_decreasing``, ``is_strictly_increasing``,
``rint``, ``accumulate_n``, ``zero_fraction``, ``unsorted_segment_sqrt_n``, ``xlog1py``,
``polyval``, ``nextafter``), ``TensorArray`` and TF's initializer classes.

Semantics are TF 2's eager ones. The differentiable functions are built from recorded ops
(slices, gathers, reshapes, transposes, pads, where) or are custom gradients written with
recorded ops, so their gradients of every order exist; integer results and the values of the
non-differentiable functions come from numpy.
"""

import builtins
import collections
import contextlib
import functools
import logging
import numbers
import threading
import time

import numpy as np

from . import _core, dtypes
from .errors import InvalidArgumentError, OutOfRangeError
from .math import _float, _value

__all__ = [
    "name_scope", "device", "control_dependencies", "executing_eagerly", "init_scope", "no_op",
    "group", "tuple_", "get_static_value", "timestamp", "get_logger",
    "realdiv", "truncatediv", "truncatemod", "saturate_cast", "parallel_stack", "switch_case",
    "case", "unravel_index", "unique_with_counts", "reverse_sequence", "strided_slice",
    "space_to_batch_nd", "space_to_batch", "batch_to_space", "recompute_grad",
    "grad_pass_through", "invert_permutation", "is_non_decreasing", "is_strictly_increasing",
    "rint", "accumulate_n", "zero_fraction", "unsorted_segment_sqrt_n", "xlog1py", "polyval",
    "nextafter", "TensorArray", "random_normal_initializer", "random_uniform_initializer",
    "zeros_initializer", "ones_initializer", "constant_initializer",
]

# Results larger than this many elements are refused before they are allocated (an int32
# count of elements is TF's own limit, as in _segment_ops).
_MAX_ELEMENTS = 2 ** 31 - 1


def _is_int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))


def _int_scalar(v, op, what):
    """A Python int from an int, numpy int or scalar int tensor; else a TypeError."""
    if isinstance(v, (_core.Tensor, _core.Variable)):
        if not v.dtype.is_integer or v.ndim != 0:
            raise TypeError(f"{op}: {what} must be an integer scalar, got a {v.dtype.name} tensor "
                            f"of shape {list(v.shape)}")
        return int(v.numpy())
    if not _is_int(v):
        raise TypeError(f"{op}: {what} must be an integer, got {v!r:.60} of type {type(v).__name__}")
    return int(v)


def _int_vector(v, op, what, ndim=1):
    """A numpy int64 array of rank ``ndim`` (ints, lists of ints, int tensors or arrays)."""
    if isinstance(v, _core.Variable):
        v = v.read_value()
    if isinstance(v, _core.Tensor):
        if not v.dtype.is_integer:
            raise TypeError(f"{op}: {what} must be an int32 or int64 tensor, got {v.dtype.name}")
        a = v.numpy()
    else:
        try:
            a = np.asarray(v)
        except (TypeError, ValueError):
            raise TypeError(f"{op}: {what} must be a list of integers, got {v!r:.60}") from None
        if a.size == 0 and a.dtype.kind == "f":
            a = a.astype(np.int64)
        if a.dtype.kind not in "iu":
            raise TypeError(f"{op}: {what} must be integers, got {v!r:.60}")
    if ndim is not None and a.ndim != ndim:
        raise InvalidArgumentError(f"{op}: {what} must have rank {ndim}, got shape {list(a.shape)}")
    if a.dtype == np.uint64 and a.size and a.max() > np.iinfo(np.int64).max:
        raise InvalidArgumentError(f"{op}: {what} has a value beyond int64: {int(a.max())}")
    return a.astype(np.int64)


def _check_elements(shape, op):
    total = 1
    for d in shape:
        total *= int(d)
    if total > _MAX_ELEMENTS:
        raise InvalidArgumentError(f"{op}: the result would have {total} elements (shape "
                                   f"{[int(d) for d in shape]}), more than {_MAX_ELEMENTS}")


def _c_array(a, dtype=None):
    """``a`` as a C-contiguous numpy array, keeping a 0-d shape (``np.ascontiguousarray`` makes
    0-d arrays 1-d)."""
    return np.array(a, dtype=dtype, order="C", copy=True)


def _index_constant(a):
    return _core._constant(np.ascontiguousarray(a, dtype=np.int64), None)


# =============================================================================================
# Boilerplate: TF 2's eager no-ops with TF's behaviour.

_scope = threading.local()


def _scope_name():
    return getattr(_scope, "name", "")


class name_scope:  # noqa: N801 (TF's name)
    """A context manager for TF 2's name scopes, as ``tf.name_scope(name)`` in eager mode:
    ``name`` must be a string (else a ValueError, as TF's); entering returns the scope's full
    name, ``'outer/name/'`` inside ``name_scope('outer')`` (a name ending in ``'/'`` is used
    as it is; ``''`` resets to the top). Nothing else changes: eager tapegrad tensors carry no
    op names. Scopes are per thread, nest, and may be re-entered."""

    def __init__(self, name):
        if not isinstance(name, str):
            raise ValueError(f"name_scope: name for name_scope must be a string, got {name!r:.60} "
                             f"of type {type(name).__name__}")
        self._name = name
        self._saved = []

    @property
    def name(self):
        """The name this scope was created with."""
        return self._name

    def __enter__(self):
        old = _scope_name()
        name = self._name
        if not name:
            new = ""
        elif name.endswith("/"):
            new = name
        else:
            new = old + name + "/"
        self._saved.append(old)
        _scope.name = new
        return new

    def __exit__(self, exc_type, exc, tb):
        if self._saved:
            _scope.name = self._saved.pop()
        return False


_DEVICE_TYPES = {"CPU", "GPU", "TPU", "TPU_SYSTEM", "XLA_CPU", "XLA_GPU"}


def _check_device(spec):
    """TF's DeviceSpec parse of ``spec`` ('/job:x/replica:0/task:0/device:GPU:0', '/GPU:0',
    'cpu', ...); a malformed one is a ValueError, as TF's."""
    kind = None
    for part in spec.split("/"):
        fields = part.split(":")
        n = len(fields)
        head = fields[0]
        try:
            if n == 2 and head == "job":
                continue
            if n == 2 and head in ("replica", "task"):
                int(fields[1])
                continue
            if n in (1, 2) and head.upper() in _DEVICE_TYPES:
                if kind is not None:
                    raise ValueError("multiple")
                kind = head.upper()
                if n == 2 and fields[1] != "*":
                    int(fields[1])
                continue
            if n == 3 and head == "device":
                if kind is not None:
                    raise ValueError("multiple")
                kind = fields[1]
                if fields[2] != "*":
                    int(fields[2])
                continue
        except ValueError as e:
            what = ("Multiple device types are not allowed" if str(e) == "multiple" else
                    f"Invalid number in {part!r}")
            raise ValueError(f"device: {what} while parsing the device spec {spec!r}") from None
        if head != "":
            raise ValueError(f"device: Unknown attribute {head!r} is encountered while parsing the "
                             f"device spec {spec!r}")


class device:  # noqa: N801 (TF's name)
    """A context manager naming the device for the ops inside, as ``tf.device(name)``:
    ``'/CPU:0'``, ``'/GPU:0'``, ``'/device:GPU:1'``, ``'/job:localhost/replica:0/task:0/
    device:CPU:0'``, ``'cpu'``, or None. The name is parsed as TF's DeviceSpec does (a
    malformed one, or one that is not a string, is a ValueError; a function a RuntimeError,
    as in TF's eager mode), but nothing is placed: tapegrad runs every op on the CPU, so
    ``'/GPU:0'`` is accepted and ignored, as TF's soft placement does on a machine without
    GPUs."""

    def __init__(self, device_name):
        if callable(device_name):
            raise RuntimeError("device: tf.device does not support functions when eager execution "
                               "is enabled.")
        if device_name is not None and not isinstance(device_name, str):
            raise ValueError(f"device: Expecting a string device name. Got "
                             f"{type(device_name).__name__}({device_name!r:.60})")
        if device_name:
            _check_device(device_name)
        self._name = device_name

    def __enter__(self):
        return None

    def __exit__(self, exc_type, exc, tb):
        return False


def control_dependencies(control_inputs):
    """A context manager for ``tf.control_dependencies(control_inputs)`` in eager mode, where
    ops already run in program order: ``control_inputs`` (a list of tensors, operations,
    callables or None entries, or None) is not waited on; callables in it are called now, as
    TF's eager mode does. The context manager does nothing."""
    if control_inputs is not None:
        if isinstance(control_inputs, (_core.Tensor, _core.Variable, str, bytes)) or \
                not isinstance(control_inputs, collections.abc.Iterable):
            raise TypeError(f"control_dependencies: control_inputs must be a list of tensors or "
                            f"None, got {type(control_inputs).__name__}")
        for c in control_inputs:
            if callable(c):
                c()
    return contextlib.nullcontext()


def executing_eagerly():
    """True: tapegrad always executes eagerly (``tf.executing_eagerly()``, also inside
    ``tapegrad.function``, which runs its function as plain Python)."""
    return True


@contextlib.contextmanager
def init_scope():
    """A context manager for ``tf.init_scope()``: as in TF, the ops run inside it are recorded
    on no GradientTape (TF lifts them out of function graphs and stops the tapes); the name
    scope and device are kept. Yields None."""
    pause = _core._pause_all()
    try:
        yield
    finally:
        del pause


def no_op(name=None):
    """Does nothing, as ``tf.no_op()`` in eager mode (which returns None)."""
    return None


def group(*inputs, **kwargs):
    """``tf.group(*inputs)``: in eager mode the inputs have already run, so it returns None.
    Keyword arguments other than ``name`` are a TypeError, as TF's."""
    unknown = sorted(set(kwargs) - {"name"})
    if unknown:
        raise TypeError(f"group: Unknown keyword arguments: {unknown}")
    return None


def tuple_(tensors, control_inputs=None, name=None):
    """``tf.tuple(tensors)``: in eager mode, ``tensors`` itself (TF's eager ``tuple`` returns
    its argument; there is nothing to wait for)."""
    if control_inputs is not None and not isinstance(control_inputs, (list, builtins.tuple)):
        raise TypeError("tuple: control_inputs must be a list or tuple")
    return tensors


tuple_.__name__ = tuple_.__qualname__ = "tuple"


def get_static_value(tensor, partial=False):
    """The value of ``tensor`` as a numpy array (a numpy scalar for a 0-d tensor), as
    ``tf.get_static_value``: every eager tensor has one; a Variable's value is not constant,
    so it gives None (as TF's); anything that is not a tensor (a number, a list, a numpy
    array) is returned unchanged."""
    if isinstance(tensor, _core.Tensor):
        return tensor.numpy()
    if isinstance(tensor, _core.Variable):
        return None
    return tensor


def timestamp(name=None):
    """The current time in seconds since the Unix epoch, as a float64 scalar tensor
    (``tf.timestamp()``)."""
    return _core._constant(np.float64(time.time()), dtypes.float64)


def get_logger():
    """The ``logging.Logger`` tapegrad logs to (named ``'tapegrad'``; TF's is
    ``'tensorflow'``), as ``tf.get_logger()``."""
    return logging.getLogger("tapegrad")


# =============================================================================================
# Binary arithmetic with C semantics.

def _binary(x, y, op, floats=True, ints=True):
    """x and y as tensors of one dtype: a Python number takes the other operand's dtype (two
    Python numbers: int32, float32 if either is a float, as tf.constant)."""
    def own(v):
        return isinstance(v, (_core.Tensor, _core.Variable, np.ndarray, np.generic))
    if own(x):
        a = _value(x, op, "x")
        b = _value(y, op, "y") if own(y) else _scalar_like(y, a, op, "y")
    elif own(y):
        b = _value(y, op, "y")
        a = _scalar_like(x, b, op, "x")
    elif isinstance(x, numbers.Number) and isinstance(y, numbers.Number):
        a = _plain(x, y)
        b = _scalar_like(y, a, op, "y")
    else:
        a, b = _value(x, op, "x"), _value(y, op, "y")
    for t, what in ((a, "x"), (b, "y")):
        if t.dtype == dtypes.bool or (t.dtype.is_floating and not floats) or (t.dtype.is_integer and not ints):
            kinds = " or ".join(k for k, ok in (("float", floats), ("integer", ints)) if ok)
            raise TypeError(f"{op}: {what} must be a {kinds} tensor, got {t.dtype.name}")
    if a.dtype != b.dtype:
        raise TypeError(f"{op}: x and y must have one dtype, got {a.dtype.name} and {b.dtype.name} "
                        f"(cast with tapegrad.cast)")
    try:
        np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    except ValueError:
        raise InvalidArgumentError(f"{op}: Incompatible shapes: {list(a.shape)} vs. {list(b.shape)}") from None
    return a, b


def _plain(x, y):
    """Two Python numbers: int32 if both are ints, else float32."""
    if isinstance(x, (bool, np.bool_)):
        return _core._constant(np.asarray(x), None)
    dt = dtypes.int32 if _is_int(x) and _is_int(y) else dtypes.float32
    return _core._constant(np.asarray(x, dtype=dt.as_numpy_dtype), dt)


def _scalar_like(v, other, op, what):
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Number):
        return _value(v, op, what)
    if other.dtype.is_integer and not _is_int(v):
        raise TypeError(f"{op}: {what} = {v!r} is not an integer, the other operand is "
                        f"{other.dtype.name}")
    with np.errstate(over="ignore"):
        arr = np.asarray(v).astype(other.dtype.as_numpy_dtype)
    if other.dtype.is_integer and int(arr) != v:
        raise TypeError(f"{op}: {what} = {v!r} does not fit in {other.dtype.name}")
    return _core._constant(arr, other.dtype)


def _zero_divisor(b, op):
    if b.dtype.is_integer and np.any(b.numpy() == 0):
        raise InvalidArgumentError(f"{op}: Integer division by zero")


def realdiv(x, y, name=None):
    """``x / y`` for float tensors, as ``tf.realdiv`` (an integer tensor is a TypeError: TF has
    no integer kernel for it). Gradients those of ``divide``, of every order."""
    a, b = _binary(x, y, "realdiv", ints=False)
    return _core.divide(a, b)


def truncatediv(x, y, name=None):
    """``x / y`` rounded toward zero (C's integer division: ``-7 / 2 = -3``, where
    ``floordiv`` gives -4), as ``tf.truncatediv``; int32/int64 (division by zero an
    InvalidArgumentError, as TF's) and, beyond TF's CPU kernels, float tensors
    (``trunc(x / y)``). No gradient, as TF's."""
    op = "truncatediv"
    a, b = _binary(x, y, op)
    _zero_divisor(b, op)
    av, bv = a.numpy(), b.numpy()
    with np.errstate(all="ignore"):
        if a.dtype.is_integer:
            q = av // bv
            q = q + ((av % bv != 0) & ((av < 0) != (bv < 0))).astype(q.dtype)
        else:
            q = np.trunc(av / bv)
    return _core._constant(_c_array(q, dtype=a.dtype.as_numpy_dtype), a.dtype)


def truncatemod(x, y, name=None):
    """The remainder of ``truncatediv``, with the sign of ``x`` (C's ``fmod``: ``-7 mod 2 =
    -1``, where ``floormod`` gives 1), as ``tf.truncatemod``; int32/int64 (a zero divisor an
    InvalidArgumentError) and float tensors. For floats it has ``floormod``'s gradient with
    ``trunc(x / y)`` in place of ``floor(x / y)``: 1 for x, ``-trunc(x / y)`` for y (TF
    registers none)."""
    from ._custom_gradient import custom_gradient
    op = "truncatemod"
    a, b = _binary(x, y, op)
    _zero_divisor(b, op)
    av, bv = a.numpy(), b.numpy()
    with np.errstate(all="ignore"):
        r = _c_array(np.fmod(av, bv), dtype=a.dtype.as_numpy_dtype)
    if a.dtype.is_integer:
        return _core._constant(r, a.dtype)
    with np.errstate(all="ignore"):
        q = _core._constant(_c_array(np.trunc(av / bv), dtype=a.dtype.as_numpy_dtype), a.dtype)

    @custom_gradient
    def _mod(u, v):
        def grad(dy):
            return (_core.sum_to(dy, u.shape),
                    _core.sum_to(_core.negative(_core.multiply(dy, q)), v.shape))
        return _core._constant(r, a.dtype), grad
    return _mod(a, b)


def saturate_cast(value, dtype, name=None):
    """``value`` cast to ``dtype`` with values beyond the new dtype's range clipped to it (in
    the input dtype, first), as ``tf.saturate_cast``: float64 1e300 becomes float32's largest
    value, float -1e10 int32's smallest. As TF's, the limits are nudged toward zero to the
    nearest input value inside the output range (float32 to int32 saturates at 2147483520, the
    largest float32 below 2^31); NaN becomes 0 for integer outputs. Differentiable between
    float dtypes (the clip's gradient: 0 where clipped); bool is a TypeError, as in TF."""
    op = "saturate_cast"
    t = _value(value, op, "value")
    out = dtypes.as_dtype(dtype)
    if t.dtype == dtypes.bool or out == dtypes.bool:
        raise TypeError(f"{op}: cannot saturate to or from bool (got {t.dtype.name} to {out.name}): "
                        f"bool has no min or max")
    in_np, out_np = t.dtype.as_numpy_dtype, out.as_numpy_dtype
    info_in = np.finfo(in_np) if t.dtype.is_floating else np.iinfo(in_np)
    info_out = np.finfo(out_np) if out.is_floating else np.iinfo(out_np)
    if float(info_in.min) < float(info_out.min) or float(info_in.max) > float(info_out.max):
        lo = in_np(max(info_in.min, info_out.min)) if t.dtype.is_floating else \
            in_np(max(int(info_in.min), int(info_out.min)))
        hi = in_np(min(info_in.max, info_out.max)) if t.dtype.is_floating else \
            in_np(min(int(info_in.max), int(info_out.max)))
        if t.dtype.is_floating:
            if float(lo) < float(info_out.min):
                lo = np.nextafter(lo, in_np(0), dtype=in_np)
            if float(hi) > float(info_out.max):
                hi = np.nextafter(hi, in_np(0), dtype=in_np)
            if out.is_integer:
                # an integer output: a numpy clip (NaN -> 0); no gradient in any case
                v = t.numpy()
                with np.errstate(invalid="ignore"):
                    c = np.where(np.isnan(v), 0, np.clip(v, lo, hi)).astype(out_np)
                return _core._constant(_c_array(c), out)
            t = _core.clip_by_value(t, _core._constant(lo, t.dtype), _core._constant(hi, t.dtype))
        else:
            c = np.clip(t.numpy(), lo, hi).astype(out_np)
            return _core._constant(_c_array(c), out)
    return _core.cast(t, out)


def parallel_stack(values, name="parallel_stack"):
    """``stack(values, axis=0)`` of tensors of one shape and dtype, as ``tf.parallel_stack``
    computes it inside a ``tf.function`` (TF's eager mode refuses it with a RuntimeError;
    tapegrad runs ``function`` eagerly, so it is a plain ``stack`` here, and differentiable
    where TF's has no gradient)."""
    op = "parallel_stack"
    if isinstance(values, (_core.Tensor, _core.Variable)) or not isinstance(values, (list, builtins.tuple)):
        raise TypeError(f"{op}: values must be a list of tensors, got {type(values).__name__}")
    if not values:
        raise ValueError(f"{op}: values must be a non-empty list of tensors")
    ts = [_value(v, op, f"values[{i}]") for i, v in enumerate(values)]
    for i, t in enumerate(ts[1:], 1):
        if t.shape != ts[0].shape or t.dtype != ts[0].dtype:
            raise InvalidArgumentError(
                f"{op}: values[{i}] has shape {list(t.shape)} and dtype {t.dtype.name}, values[0] "
                f"shape {list(ts[0].shape)} and dtype {ts[0].dtype.name}")
    return _core.stack(ts, 0)


# =============================================================================================
# Control flow: switch_case, case; gradient helpers.

def _branch_index(index, op):
    if isinstance(index, _core.Variable):
        index = index.read_value()
    if isinstance(index, _core.Tensor):
        if not index.dtype.is_integer:
            raise TypeError(f"{op}: 'branch_index' must be an integer Tensor, got {index.dtype.name}")
        if index.ndim != 0:
            raise ValueError(f"{op}: 'branch_index' must be a scalar, got shape {list(index.shape)}")
        return int(index.numpy())
    if _is_int(index):
        return int(index)
    raise TypeError(f"{op}: 'branch_index' must be an int32 scalar Tensor, got {index!r:.60} of "
                    f"type {type(index).__name__}")


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """``branch_fns[branch_index]()``, as ``tf.switch_case`` in eager mode: ``branch_fns`` is a
    list of callables, a list of ``(int, callable)`` pairs or a dict ``{int: callable}``
    (keys 0..n-1); an index out of range runs ``default`` (the last branch when None). Only the
    chosen branch runs, so a tape records it alone. ``branch_index`` is a scalar integer tensor
    (or a Python int)."""
    op = "switch_case"
    idx = _branch_index(branch_index, op)
    if not isinstance(branch_fns, (list, builtins.tuple, dict)):
        raise TypeError(f"{op}: 'branch_fns' must be a list, tuple, or dict, got {type(branch_fns).__name__}")
    if not branch_fns:
        raise ValueError(f"{op}: Must provide at least one item in 'branch_fns'")
    items = list(branch_fns.items()) if isinstance(branch_fns, dict) else list(branch_fns)
    if all(callable(f) for f in items):
        items = list(enumerate(items))
    for pair in items:
        if not isinstance(pair, builtins.tuple) or len(pair) != 2:
            raise TypeError(f"{op}: Each entry in 'branch_fns' must be a 2-tuple (key, callable), "
                            f"got {pair!r:.60}")
        key, fn = pair
        if not _is_int(key):
            raise TypeError(f"{op}: key must be a Python `int`, got {type(key).__name__}")
        if not callable(fn):
            raise TypeError(f"{op}: fn for key {key} must be callable")
    keys = sorted(int(k) for k, _ in items)
    if keys != list(builtins.range(len(keys))):
        raise ValueError(f"{op}: branch indices (keys) must form contiguous range of [0 to "
                         f"{len(keys)}) but found {{{','.join(map(str, keys))}}}")
    actions = [fn for _, fn in sorted(items, key=lambda p: int(p[0]))]
    if default is not None:
        if not callable(default):
            raise TypeError(f"{op}: default must be callable, got {type(default).__name__}")
        actions.append(default)
    if not 0 <= idx < len(keys):
        idx = len(actions) - 1
    return actions[idx]()


def _pred(pred, op):
    from . import Reference
    if isinstance(pred, Reference):  # a dict's key (tensors are unhashable, as in TF 2)
        pred = pred.deref()
    if isinstance(pred, _core.Variable):
        pred = pred.read_value()
    if not isinstance(pred, _core.Tensor):
        raise TypeError(f"{op}: pred must be a Tensor, got: {pred!r:.60} (TF 2's case takes "
                        f"bool tensors, not Python bools)")
    if pred.dtype != dtypes.bool:
        raise TypeError(f"{op}: pred must be Tensor of type bool, got {pred.dtype.name}")
    if pred.ndim != 0:
        raise ValueError(f"{op}: pred must be a scalar bool tensor, got shape {list(pred.shape)}")
    return builtins.bool(pred.numpy())


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """The function of the first pair whose predicate is True, as ``tf.case`` in eager mode:
    ``pred_fn_pairs`` is a list of ``(scalar bool tensor, callable)`` tuples (a dict, keyed by
    ``pred.ref()`` as tensors are unhashable, only with ``exclusive=True``, as TF's eager
    mode); none True runs ``default``, or, without one, is an
    InvalidArgumentError (TF uses the last pair's function as the default and asserts its
    predicate). With ``exclusive=True`` more than one True predicate is an
    InvalidArgumentError. Every predicate is checked; only the chosen function runs."""
    op = "case"
    if not isinstance(pred_fn_pairs, (list, builtins.tuple, dict)):
        raise TypeError(f"{op}: 'pred_fn_pairs' must be a list, tuple, or dict. Received: "
                        f"{type(pred_fn_pairs).__name__}")
    if isinstance(pred_fn_pairs, dict):
        if not exclusive and not isinstance(pred_fn_pairs, collections.OrderedDict):
            raise ValueError(f"{op}: Unordered dictionaries are not supported for the "
                             f"'pred_fn_pairs' argument when `exclusive=False` and eager mode is "
                             f"enabled.")
        pred_fn_pairs = list(pred_fn_pairs.items())
    values = []
    for pair in pred_fn_pairs:
        if not isinstance(pair, builtins.tuple) or len(pair) != 2:
            raise TypeError(f"{op}: Each entry in 'pred_fn_pairs' must be a 2-tuple. Received "
                            f"{pair!r:.60}.")
        pred, fn = pair
        values.append(_pred(pred, op))
        if not callable(fn):
            raise TypeError(f"{op}: fn for pred {len(values) - 1} must be callable")
    if default is not None and not callable(default):
        raise TypeError(f"{op}: default must be callable, got {type(default).__name__}")
    true = [i for i, v in enumerate(values) if v]
    if exclusive and len(true) > 1:
        raise InvalidArgumentError(f"{op}: Input error: exclusive=True: more than 1 conditions "
                                   f"({', '.join(f'pred {i}' for i in true)}) evaluated as True")
    if true:
        return pred_fn_pairs[true[0]][1]()
    if default is not None:
        return default()
    raise InvalidArgumentError(f"{op}: Input error: None of conditions evaluated as True: "
                               f"{[builtins.bool(v) for v in values]} (and no default)")


def recompute_grad(f):
    """``f`` wrapped as ``tf.recompute_grad(f)``: TF recomputes ``f``'s forward pass during the
    backward pass to save memory; in eager tapegrad the wrapper simply calls ``f`` (its
    activations are kept), so the values and the gradients, of every order and to the
    Variables ``f`` reads, are ``f``'s own."""
    if not callable(f):
        raise TypeError(f"recompute_grad: f must be callable, got {type(f).__name__}")

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        return f(*args, **kwargs)
    return wrapped


def grad_pass_through(f):
    """``f`` with an identity gradient, as ``tf.grad_pass_through(f)``: calling the result
    returns ``f(*args)``, and its gradient passes the output gradients unchanged to the
    arguments (one output per argument, as TF's), ignoring how ``f`` computes; Variables that
    ``f`` reads get no gradient through it. TF's example: ``y =
    tf.grad_pass_through(x.assign)(z ** 2)`` gives ``dy/dz = 2z``."""
    from ._custom_gradient import custom_gradient
    if not callable(f):
        raise TypeError(f"grad_pass_through: f must be callable, got {type(f).__name__}")

    @custom_gradient
    def _through(*args, **kwargs):
        out = f(*args, **kwargs)
        if isinstance(out, _core.Variable):
            out = out.read_value()

        def grad(*dys, variables=None):
            if variables is not None:
                return list(dys), [None] * len(variables)
            return list(dys) if len(dys) != 1 else dys[0]
        return out, grad

    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        return _through(*args, **kwargs)
    return wrapped


# =============================================================================================
# Index and permutation utilities.

def _int_tensor(x, op, what):
    """(numpy int array, dtype): int tensors and arrays keep their dtype, Python ints are int32."""
    if isinstance(x, _core.Variable):
        x = x.read_value()
    if isinstance(x, _core.Tensor):
        if x.dtype not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"{op}: {what} must be an int32 or int64 tensor, got {x.dtype.name}")
        return x.numpy(), x.dtype
    if isinstance(x, (np.ndarray, np.generic)):
        if x.dtype.kind not in "iu":
            raise TypeError(f"{op}: {what} must be an int32 or int64 tensor, got {x.dtype.name}")
        dt = dtypes.int32 if x.dtype == np.int32 else dtypes.int64
        return np.asarray(x).astype(dt.as_numpy_dtype), dt
    try:
        a = np.asarray(x)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {what} must be integers, got {x!r:.60}") from None
    if a.size == 0 and a.dtype.kind == "f":
        a = a.astype(np.int32)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{op}: {what} must be integers, got {x!r:.60}")
    if a.size and (a.max() > np.iinfo(np.int32).max or a.min() < np.iinfo(np.int32).min):
        raise InvalidArgumentError(f"{op}: {what} {x!r:.60} does not fit in int32 (pass an int64 tensor)")
    return a.astype(np.int32), dtypes.int32


def unravel_index(indices, dims, name=None):
    """The coordinates in an array of shape ``dims`` of the flat (row-major) ``indices``, as
    ``tf.unravel_index``: ``indices`` a scalar or 1-D, ``dims`` 1-D, both int32 or int64 of one
    dtype (Python ints are int32); the result, of that dtype, has shape ``[len(dims)]`` or
    ``[len(dims), N]``. An index outside ``[0, prod(dims))`` is an InvalidArgumentError."""
    op = "unravel_index"
    idx, dt = _int_tensor(indices, op, "indices")
    d, ddt = _int_tensor(dims, op, "dims")
    typed = [isinstance(v, (_core.Tensor, _core.Variable, np.ndarray, np.generic)) for v in (indices, dims)]
    if typed[0] and not typed[1]:
        d, ddt = d.astype(dt.as_numpy_dtype), dt
    elif typed[1] and not typed[0]:
        idx, dt = idx.astype(ddt.as_numpy_dtype), ddt
    if dt != ddt:
        raise TypeError(f"{op}: indices and dims must have one dtype, got {dt.name} and {ddt.name}")
    if idx.ndim > 1:
        raise InvalidArgumentError(f"{op}: The indices can only be scalar or vector, got shape "
                                   f"{list(idx.shape)}")
    if d.ndim != 1:
        raise InvalidArgumentError(f"{op}: The dims must be a vector, got shape {list(d.shape)}")
    if d.size and d.min() <= 0:
        raise InvalidArgumentError(f"{op}: Input dims must be positive, got {d.tolist()}")
    total = 1
    for v in d.tolist():
        total *= v
    if idx.size and (idx.min() < 0 or idx.max() >= total):
        bad = int(idx.min()) if idx.min() < 0 else int(idx.max())
        raise InvalidArgumentError(f"{op}: index {bad} is out of bounds for array in dims "
                                   f"{d.tolist()} (size {total})")
    if d.size == 0:
        out = np.zeros((0,) + idx.shape, dtype=dt.as_numpy_dtype)
    else:
        out = np.stack(np.unravel_index(idx.astype(np.int64), [int(v) for v in d])) if idx.ndim else \
            np.asarray(np.unravel_index(int(idx), [int(v) for v in d]))
    return _core._constant(_c_array(out, dtype=dt.as_numpy_dtype), dt)


UniqueWithCounts = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def unique_with_counts(x, out_idx=dtypes.int32, name=None):
    """``tf.unique`` with the number of occurrences of each distinct value: a ``(y, idx,
    count)`` named tuple, as ``tf.unique_with_counts`` (``y`` in order of first occurrence,
    ``x == gather(y, idx)``, ``count`` and ``idx`` int32 or ``out_idx``). No gradient."""
    from ._segment_ops import unique
    y, idx = unique(x, out_idx)
    it = idx.dtype
    counts = np.bincount(idx.numpy().astype(np.int64), minlength=y.shape[0]) if idx.shape[0] else \
        np.zeros(0, np.int64)
    return UniqueWithCounts(y, idx, _core._constant(counts.astype(it.as_numpy_dtype), it))


def invert_permutation(x, name=None):
    """The inverse permutation of the 1-D int32/int64 ``x`` (``y[x[i]] = i``), as
    ``tf.math.invert_permutation``; a value out of ``[0, n)`` or repeated is an
    InvalidArgumentError, as TF's."""
    op = "invert_permutation"
    p, dt = _int_tensor(x, op, "x")
    if p.ndim != 1:
        raise InvalidArgumentError(f"{op}: x must be a vector, got shape {list(p.shape)}")
    n = p.size
    bad = (p < 0) | (p >= n)
    if bad.any():
        raise InvalidArgumentError(f"{op}: {int(p[bad][0])} is not between 0 and {n}")
    seen = np.zeros(n, bool)
    out = np.empty(n, dtype=dt.as_numpy_dtype)
    out[p] = np.arange(n)
    seen[p] = True
    if not seen.all():
        vals, counts = np.unique(p, return_counts=True)
        raise InvalidArgumentError(f"{op}: {int(vals[counts > 1][0])} is duplicated in the input.")
    return _core._constant(out, dt)


def _monotonic(x, op, strict):
    t = _value(x, op, "x")
    if t.dtype == dtypes.bool:
        raise TypeError(f"{op}: Expected x to be numeric, got bool")
    v = t.numpy().reshape(-1)
    with np.errstate(invalid="ignore"):
        ok = np.all(v[:-1] < v[1:]) if strict else np.all(v[:-1] <= v[1:])
    return _core._constant(np.bool_(ok), dtypes.bool)


def is_non_decreasing(x, name=None):
    """True if each element of the flattened ``x`` is <= the next, as
    ``tf.math.is_non_decreasing`` (fewer than two elements: True; a NaN makes it False). A
    scalar bool tensor; bool ``x`` is a TypeError. (Compared directly: TF subtracts, which can
    overflow for integers far apart.)"""
    return _monotonic(x, "is_non_decreasing", False)


def is_strictly_increasing(x, name=None):
    """True if each element of the flattened ``x`` is < the next, as
    ``tf.math.is_strictly_increasing`` (fewer than two elements: True)."""
    return _monotonic(x, "is_strictly_increasing", True)


# =============================================================================================
# tf.math additions.

def rint(x, name=None):
    """The nearest integer value of each element of ``x``, halves to even (``rint(2.5) = 2``,
    ``rint(-1.5) = -2``), as ``tf.math.rint``; float tensors; the sign of zero kept. No
    gradient, as TF's (the same values as ``tf.math.round``)."""
    from .math import round as _round
    return _round(_float(x, "rint"))


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    """The elementwise sum of a list of tensors of one shape and dtype, as
    ``tf.math.accumulate_n`` (TF 2 computes it with ``add_n``): a differing shape or dtype,
    or ``shape`` / ``tensor_dtype`` that do not match them, is a ValueError / TypeError, as
    TF's."""
    from .math import add_n
    op = "accumulate_n"
    if not inputs or not isinstance(inputs, (list, builtins.tuple)):
        raise ValueError(f"{op}: inputs must be a list of at least one Tensor with the same dtype "
                         f"and shape")
    ts = [_value(t, op, f"inputs[{i}]") for i, t in enumerate(inputs)]
    if any(t.dtype != ts[0].dtype for t in ts):
        raise ValueError(f"{op}: inputs must be a list of at least one Tensor with the same dtype "
                         f"and shape, got dtypes {[t.dtype.name for t in ts]}")
    want = None
    if shape is not None:
        from ._misc_ops import _dims
        want = _dims(shape, op)
    for t in ts:
        if want is not None and (len(want) != t.ndim or any(w is not None and w != d for w, d in zip(want, t.shape))):
            raise ValueError(f"{op}: Shapes {list(t.shape)} and {want} are incompatible")
        if t.shape != ts[0].shape:
            raise ValueError(f"{op}: Shapes {list(ts[0].shape)} and {list(t.shape)} are incompatible")
    if tensor_dtype is not None and dtypes.as_dtype(tensor_dtype) != ts[0].dtype:
        raise TypeError(f"{op}: The `tensor_dtype` argument is {dtypes.as_dtype(tensor_dtype).name}, but "
                        f"`input` is of type {ts[0].dtype.name}. These must be equal.")
    if len(ts) == 1:
        return ts[0]
    return add_n(ts)


def zero_fraction(value, name=None):
    """The fraction of the elements of ``value`` that are zero, as a float32 scalar
    (``tf.math.zero_fraction`` / ``tf.nn.zero_fraction``; an empty tensor gives NaN, 0/0, as
    TF's; NaN is not zero). Any dtype, bool False counting as zero. No gradient."""
    t = _value(value, "zero_fraction", "value")
    v = t.numpy()
    n = v.size
    zeros = n - int(np.count_nonzero(v))
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.float32(zeros) / np.float32(n)
    return _core._constant(np.float32(frac), dtypes.float32)


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """The sum of the entries of ``data`` in each of ``num_segments`` segments divided by the
    square root of their number, as ``tf.math.unsorted_segment_sqrt_n`` (ids any order, shape a
    prefix of data's, negative ids dropped; an empty segment 0). Float tensors (TF's takes no
    integers); differentiable (the gradient of ``unsorted_segment_sum`` scaled)."""
    from ._segment_ops import _counts, _seg_sum, _segment_args
    op = "unsorted_segment_sqrt_n"
    x, flat, inner, n = _segment_args(data, segment_ids, op, num_segments)
    if not x.dtype.is_floating:
        raise TypeError(f"{op}: data must be a float32 or float64 tensor, got {x.dtype.name}")
    counts = _counts(flat, n, inner, x.dtype)
    scale = 1.0 / np.sqrt(np.maximum(counts, 1))
    return _core.multiply(_seg_sum(x, flat, inner, n),
                          _core._constant(_c_array(scale, dtype=x.dtype.as_numpy_dtype), x.dtype))


def xlog1py(x, y, name=None):
    """``x * log1p(y)``, and 0 where ``x`` is 0 (whatever y is), as ``tf.math.xlog1py``. Its
    gradients are TF's: ``log1p(y)`` for x and ``x / (1 + y)`` for y, both 0 where x is 0; of
    every order."""
    from .math import _where_zero, log1p
    a, b = _float(x, "xlog1py"), _float(y, "xlog1py", "y")
    zero = _core.equal(a, 0.0)
    safe = _core.where(zero, _core._constant(0.0, b.dtype), b)
    return _where_zero(zero, _core.multiply(a, log1p(safe)))


def polyval(coeffs, x, name=None):
    """The polynomial ``coeffs[0] * x**(n-1) + ... + coeffs[n-1]`` by Horner's rule, as
    ``tf.math.polyval``: ``coeffs`` a list of tensors (or numbers) broadcasting against ``x``;
    an empty list gives zeros like ``x``. Differentiable in ``x`` and in each coefficient."""
    op = "polyval"
    if not isinstance(coeffs, list):
        raise ValueError(f"{op}: Argument coeffs must be list type found {type(coeffs).__name__}.")
    xt = _value(x, op, "x")
    if not coeffs:
        return _core._fill(tuple(xt.shape), 0.0, xt.dtype)
    cs = [_value(c, op, f"coeffs[{i}]") if isinstance(c, (_core.Tensor, _core.Variable, np.ndarray))
          else c for i, c in enumerate(coeffs)]
    p = cs[0] if isinstance(cs[0], _core.Tensor) else _core._constant(np.asarray(cs[0], dtype=xt.dtype.as_numpy_dtype), xt.dtype)
    for c in cs[1:]:
        p = _core.add(c, _core.multiply(p, xt))
    return p


def nextafter(x1, x2, name=None):
    """The next representable value after ``x1`` in the direction of ``x2``, elementwise with
    broadcasting, as ``tf.math.nextafter`` (float32 or float64 of one dtype). No gradient, as
    TF's."""
    a, b = _binary(x1, x2, "nextafter", ints=False)
    v = np.nextafter(a.numpy(), b.numpy())
    return _core._constant(_c_array(v, dtype=a.dtype.as_numpy_dtype), a.dtype)


# =============================================================================================
# reverse_sequence, strided_slice, space_to_batch / batch_to_space.

def _axis(a, ndim, op, what):
    a = _int_scalar(a, op, what)
    if not -ndim <= a < ndim:
        raise InvalidArgumentError(f"{op}: {what} {a} is out of range for a tensor of rank {ndim}")
    return a % ndim


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None):  # noqa: A002
    """Each batch entry ``b`` of ``input`` with its first ``seq_lengths[b]`` elements along
    ``seq_axis`` reversed (the rest unchanged), as ``tf.reverse_sequence``; ``batch_axis``
    defaults to 0. ``seq_lengths`` is 1-D int, one per batch entry, each in ``[0,
    input.shape[seq_axis]]`` (else an InvalidArgumentError, as TF's). One gather:
    differentiable."""
    op = "reverse_sequence"
    x = _value(input, op, "input")
    if seq_axis is None:
        raise TypeError(f"{op}: seq_axis is required")
    nd = x.ndim
    if nd < 2:
        raise InvalidArgumentError(f"{op}: input must have rank >= 2, got shape {list(x.shape)}")
    s = _axis(seq_axis, nd, op, "seq_axis")
    b = _axis(0 if batch_axis is None else batch_axis, nd, op, "batch_axis")
    if s == b:
        raise InvalidArgumentError(f"{op}: batch_axis == seq_axis == {s}")
    lens, _ = _int_tensor(seq_lengths, op, "seq_lengths")
    if lens.ndim != 1:
        raise InvalidArgumentError(f"{op}: seq_lengths must be 1-dim, not {lens.ndim}")
    nb, ns = x.shape[b], x.shape[s]
    if lens.size != nb:
        raise InvalidArgumentError(f"{op}: Length of seq_lengths != input.dims({b}), ({lens.size} vs. {nb})")
    if lens.size and lens.min() < 0:
        raise InvalidArgumentError(f"{op}: seq_lengths[{int(np.argmin(lens))}] = {int(lens.min())} < 0")
    if lens.size and lens.max() > ns:
        i = int(np.argmax(lens))
        raise InvalidArgumentError(f"{op}: seq_lengths[{i}] = {int(lens[i])} > input.dims({s}) = {ns}")
    rest = [d for d in builtins.range(nd) if d not in (b, s)]
    perm = [b, s] + rest
    y = _core.transpose(x, perm) if perm != list(builtins.range(nd)) else x
    inner = [int(x.shape[d]) for d in rest]
    j = np.arange(ns)[None, :]
    L = lens.astype(np.int64)[:, None]
    src = np.where(j < L, L - 1 - j, j) + np.arange(nb)[:, None] * ns
    rows = _core.reshape(y, [nb * ns] + inner)
    out = _core.reshape(_core.gather(rows, _index_constant(src.reshape(-1)), 0), [nb, ns] + inner)
    inv = list(np.argsort(perm))
    return _core.transpose(out, inv) if perm != list(builtins.range(nd)) else out


def _mask_bits(m, op, what):
    return _int_scalar(m, op, what)


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None):
    """The strided slice ``input_[begin[0]:end[0]:strides[0], ...]``, with TF's masks, as
    ``tf.strided_slice`` (what TF's indexing lowers to). ``begin``, ``end``, ``strides`` are
    1-D int lists of one length n (strides default 1, never 0); bit i of ``begin_mask`` /
    ``end_mask`` ignores ``begin[i]`` / ``end[i]`` (the widest range in the stride's
    direction); bit i of ``ellipsis_mask`` makes entry i an ``...`` (at most one), of
    ``new_axis_mask`` a new axis of size 1, of ``shrink_axis_mask`` an index (``begin[i]``,
    negative from the end; out of range an InvalidArgumentError) that removes its dimension.
    Entries past n take whole dimensions. Negative strides walk backward; bounds clip as
    Python's slices. Slices and gathers: differentiable. (``var`` is accepted and ignored.)"""
    op = "strided_slice"
    x = _value(input_, op, "input_")
    bg = _int_vector(begin, op, "begin")
    en = _int_vector(end, op, "end")
    st = np.ones_like(bg) if strides is None else _int_vector(strides, op, "strides")
    if not (bg.size == en.size == st.size):
        raise InvalidArgumentError(f"{op}: Expected begin, end, and strides to be 1D equal size "
                                   f"tensors, but got shapes [{bg.size}], [{en.size}], and [{st.size}] instead.")
    n = bg.size
    if n > 64:
        raise InvalidArgumentError(f"{op}: at most 64 slice entries are supported, got {n}")
    masks = [_mask_bits(m, op, w) for m, w in ((begin_mask, "begin_mask"), (end_mask, "end_mask"),
                                              (ellipsis_mask, "ellipsis_mask"),
                                              (new_axis_mask, "new_axis_mask"),
                                              (shrink_axis_mask, "shrink_axis_mask"))]
    bmask, emask, ell, newax, shrink = masks

    def bit(m, i):
        return (m >> i) & 1 == 1

    ells = [i for i in builtins.range(n) if bit(ell, i)]
    if len(ells) > 1:
        raise InvalidArgumentError(f"{op}: Multiple ellipses in slice spec not allowed")
    # TF's sparse spec: an implicit ellipsis at the end when there is none.
    entries = []  # (kind, begin, end, stride, bmask, emask) with kind in e, n, s, r
    for i in builtins.range(n):
        if bit(ell, i):
            entries.append(("e",))
        elif bit(newax, i):
            entries.append(("n",))
        else:
            entries.append(("s" if bit(shrink, i) else "r", int(bg[i]), int(en[i]), int(st[i]),
                            bit(bmask, i), bit(emask, i), i))
    if not ells:
        entries.append(("e",))
    e_pos = next(i for i, ent in enumerate(entries) if ent[0] == "e")
    after = sum(1 for ent in entries[e_pos + 1:] if ent[0] in "sr")
    before = sum(1 for ent in entries[:e_pos] if ent[0] in "sr")
    nd = x.ndim
    if before + after > nd:
        raise InvalidArgumentError(f"{op}: Index out of range using input dim {nd}; input has only "
                                   f"{nd} dims (shape {list(x.shape)}, {before + after} slice entries)")
    dense = []  # per input dim: (begin, end, stride, shrink); and the output layout
    layout = []  # ("dim", d) or ("new",)
    d = 0
    for ent in entries:
        if ent[0] == "e":
            for _ in builtins.range(nd - before - after):
                dense.append((0, x.shape[d], 1, False))
                layout.append(("dim", d))
                d += 1
        elif ent[0] == "n":
            layout.append(("new",))
        else:
            kind, b0, e0, s0, bm, em, pos = ent
            dim = x.shape[d]
            if s0 == 0:
                raise InvalidArgumentError(f"{op}: strides[{pos}] must be non-zero")
            if kind == "s":
                if s0 <= 0:
                    raise InvalidArgumentError(f"{op}: only stride 1 allowed on non-range indexing.")
                i0 = b0 + dim if b0 < 0 else b0
                if not 0 <= i0 < dim:
                    raise InvalidArgumentError(f"{op}: slice index {b0} of dimension {d} out of bounds "
                                               f"(size {dim}, input shape {list(x.shape)})")
                dense.append((i0, i0 + 1, 1, True))
            else:
                lo, hi = builtins.slice(None if bm else b0, None if em else e0, s0).indices(dim)[:2]
                dense.append((lo, hi, s0, False))
                layout.append(("dim", d))
            d += 1
    # Slice the bounding box of the stride-1 dims (and each whole strided dim), then gather
    # the strided dims.
    begin_, size_ = [], []
    gathers = []
    for k, (lo, hi, s0, _) in enumerate(dense):
        if s0 == 1:
            begin_.append(lo if hi > lo else 0)
            size_.append(max(hi - lo, 0))
        else:
            begin_.append(0)
            size_.append(x.shape[k])
            gathers.append((k, np.arange(lo, hi, s0, dtype=np.int64)))
    y = x
    if begin_ != [0] * nd or size_ != list(x.shape):
        y = _core.slice(y, begin_, size_)
    for k, idx in gathers:
        y = _core.gather(y, _index_constant(idx), k)
    out_shape = []
    for item in layout:
        out_shape.append(1 if item[0] == "new" else y.shape[item[1]])
    if list(y.shape) != out_shape:
        y = _core.reshape(y, out_shape)
    elif y is x:
        y = _core.identity(x)
    return y


def _block_args(x, block_shape, pairs, op, what):
    blocks = _int_vector(block_shape, op, "block_shape")
    m = blocks.size
    p = _int_vector(pairs, op, what, ndim=None)
    if p.size == 0 and m == 0:
        p = p.reshape(0, 2)
    if p.shape != (m, 2):
        raise InvalidArgumentError(f"{op}: {what} must have shape [{m}, 2] (block_shape has {m} "
                                   f"values), got {list(p.shape)}")
    if x.ndim < 1 + m:
        raise InvalidArgumentError(f"{op}: input rank should be >= {1 + m} for block_shape of "
                                   f"length {m}, got shape {list(x.shape)}")
    if m and blocks.min() < 1:
        raise InvalidArgumentError(f"{op}: All values in block_shape must be positive, got {blocks.tolist()}")
    if m and p.min() < 0:
        raise InvalidArgumentError(f"{op}: All values in {what} must be non-negative, got {p.tolist()}")
    return [int(v) for v in blocks], [[int(a), int(b)] for a, b in p]


def space_to_batch_nd(input, block_shape, paddings, name=None):  # noqa: A002
    """Zero-pads the M spatial dimensions ``input.shape[1:M+1]`` by ``paddings`` (``[M, 2]``),
    cuts them into ``block_shape`` blocks and moves the blocks into the batch dimension, as
    ``tf.space_to_batch_nd``: ``[batch] + spatial + rest`` becomes
    ``[batch * prod(block_shape)] + [padded_i / block_shape_i] + rest``, TF's order (the
    block offset outermost). A padded size not divisible by its block is an
    InvalidArgumentError. Pad, reshape and transpose: differentiable."""
    op = "space_to_batch_nd"
    x = _value(input, op, "input")
    blocks, pads = _block_args(x, block_shape, paddings, op, "paddings")
    m = len(blocks)
    shape = [int(d) for d in x.shape]
    padded = [shape[1 + i] + pads[i][0] + pads[i][1] for i in builtins.range(m)]
    for i in builtins.range(m):
        if padded[i] % blocks[i]:
            raise InvalidArgumentError(f"{op}: padded_shape[{i}]={padded[i]} is not divisible by "
                                       f"block_shape[{i}]={blocks[i]} (input shape {shape}, "
                                       f"paddings {pads})")
    rest = shape[1 + m:]
    _check_elements([shape[0]] + padded + rest, op)
    y = x
    if any(a or b for a, b in pads):
        y = _core._pad(y, [0] + [a for a, _ in pads] + [0] * len(rest),
                       [0] + [b for _, b in pads] + [0] * len(rest))
    inter = [shape[0]]
    for i in builtins.range(m):
        inter += [padded[i] // blocks[i], blocks[i]]
    y = _core.reshape(y, inter + rest)
    perm = [2 + 2 * i for i in builtins.range(m)] + [0] + [1 + 2 * i for i in builtins.range(m)] + \
        [1 + 2 * m + j for j in builtins.range(len(rest))]
    y = _core.transpose(y, perm)
    batch = shape[0]
    for b_ in blocks:
        batch *= b_
    return _core.reshape(y, [batch] + [padded[i] // blocks[i] for i in builtins.range(m)] + rest)


def space_to_batch(input, block_shape, paddings, name=None):  # noqa: A002
    """TF 2's ``tf.space_to_batch`` (also ``tf.nn.space_to_batch``): ``space_to_batch_nd``."""
    return space_to_batch_nd(input, block_shape, paddings)


def batch_to_space(input, block_shape, crops, name=None):  # noqa: A002
    """The inverse of ``space_to_batch_nd``, as TF 2's ``tf.batch_to_space`` (batch_to_space_nd):
    ``[batch] + spatial + rest`` with ``batch`` divisible by ``prod(block_shape)`` becomes
    ``[batch / prod(block_shape)] + [spatial_i * block_shape_i - crops]`` + rest, cropping
    ``crops`` (``[M, 2]``) from the start and end of each spatial dimension; an int
    ``block_shape`` means ``[b, b]``, as TF 2's. Reshape, transpose and slice:
    differentiable."""
    op = "batch_to_space"
    x = _value(input, op, "input")
    if _is_int(block_shape):
        block_shape = [int(block_shape)] * 2
    blocks, crop = _block_args(x, block_shape, crops, op, "crops")
    m = len(blocks)
    shape = [int(d) for d in x.shape]
    prod = 1
    for b_ in blocks:
        prod *= b_
    if shape[0] % prod:
        raise InvalidArgumentError(f"{op}: Input batch dimension ({shape[0]}) is not divisible by "
                                   f"product of block sizes ({prod}) (input shape {shape}, "
                                   f"block_shape {blocks})")
    spatial, rest = shape[1:1 + m], shape[1 + m:]
    full = [spatial[i] * blocks[i] for i in builtins.range(m)]
    for i in builtins.range(m):
        if crop[i][0] + crop[i][1] > full[i]:
            raise InvalidArgumentError(f"{op}: crops {crop[i]} are more than the size {full[i]} of "
                                       f"spatial dimension {i} (input shape {shape}, block_shape {blocks})")
    nb = shape[0] // prod
    y = _core.reshape(x, blocks + [nb] + spatial + rest)
    perm = [m]
    for i in builtins.range(m):
        perm += [m + 1 + i, i]
    perm += [2 * m + 1 + j for j in builtins.range(len(rest))]
    y = _core.transpose(y, perm)
    y = _core.reshape(y, [nb] + full + rest)
    if any(a or b for a, b in crop):
        y = _core.slice(y, [0] + [a for a, _ in crop] + [0] * len(rest),
                        [nb] + [full[i] - crop[i][0] - crop[i][1] for i in builtins.range(m)] + rest)
    return y


# =============================================================================================
# TensorArray (TF's eager implementation: a Python list of tensors).

# A TensorArray is a Python list of tensors (as TF's eager one): joining more elements than
# this is refused rather than looping for minutes.
_MAX_ARRAY_ELEMENTS = 2 ** 24


def _check_count(n, op):
    if n > _MAX_ARRAY_ELEMENTS:
        raise InvalidArgumentError(f"{op}: {n} elements are more than a tapegrad TensorArray joins "
                                   f"({_MAX_ARRAY_ELEMENTS}; it is a Python list of tensors)")


def _shape_spec(shape, op):
    """None (unknown) or a list of ints / None."""
    if shape is None:
        return None
    from ._misc_ops import _dims
    return _dims(shape, op)


def _compatible(spec, shape):
    return spec is None or (len(spec) == len(shape) and all(a is None or a == b for a, b in zip(spec, shape)))


def _merge(spec, shape):
    if spec is None:
        return [int(d) for d in shape]
    return [int(b) if a is None else a for a, b in zip(spec, shape)]


class TensorArray:
    """An array of tensors written and read one at a time, as ``tf.TensorArray`` in TF 2's
    eager mode (a Python list of tensors): ``TensorArray(dtype, size=0, dynamic_size=False,
    clear_after_read=True, element_shape=None, infer_shape=True)``.

    ``write(i, value)`` stores ``value`` (converted to ``dtype``; another dtype is an
    InvalidArgumentError, an index at or past ``size`` an OutOfRangeError unless
    ``dynamic_size``) and returns the array itself; ``read(i)`` returns element i (a slot
    never written gives zeros of ``element_shape``; with ``clear_after_read`` a second read is
    an InvalidArgumentError); ``stack()``, ``gather(indices)`` and ``concat()`` join the
    elements (recorded stack/concat: gradients flow to the written tensors); ``unstack(value)``,
    ``scatter(indices, value)`` and ``split(value, lengths)`` write slices of ``value``;
    ``size()`` is an int32 scalar. With ``infer_shape`` every element must have the first
    one's shape (a ValueError otherwise)."""

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        op = "TensorArray"
        if handle is not None:
            raise ValueError(f"{op}: TensorArray handles are not supported when eager execution is "
                             f"enabled.")
        if size is None:
            raise ValueError(f"{op}: Size must be declared for TensorArrays when eager execution is "
                             f"enabled.")
        self._dtype = dtypes.as_dtype(dtype)
        n = _int_scalar(size, op, "size")
        if not 0 <= n <= np.iinfo(np.int32).max:
            raise InvalidArgumentError(f"{op}: size must be in [0, 2**31 - 1], got {n}")
        self._size = n
        self._items = {}  # index -> tensor (a dict: a large declared size costs nothing)
        self._dynamic_size = builtins.bool(dynamic_size)
        self._clear_after_read = True if clear_after_read is None else builtins.bool(clear_after_read)
        self._infer_shape = builtins.bool(infer_shape)
        self._element_shape = _shape_spec(element_shape, op)
        self._read = set()

    @property
    def dtype(self):
        """The dtype of the elements."""
        return self._dtype

    @property
    def element_shape(self):
        """The elements' shape as known so far (a TensorShape, or None when unknown; None
        entries are unknown dimensions)."""
        from . import TensorShape
        spec = self._element_shape
        if spec is None or any(d is None for d in spec):
            return spec
        return TensorShape(spec)

    @property
    def dynamic_size(self):
        """Whether writes past the end grow the array."""
        return self._dynamic_size

    @property
    def flow(self):
        """TF's flow tensor: not meaningful in eager mode (a constant 0, as TF's)."""
        return _core._constant(np.int32(0), dtypes.int32)

    @property
    def handle(self):
        """TF's handle: None in eager mode."""
        return None

    def _index(self, index, what):
        i = _int_scalar(index, f"TensorArray.{what}", "index")
        if i < 0:
            raise OutOfRangeError(f"TensorArray.{what}: {'Reading from' if what == 'read' else 'Writing to'} "
                                  f"negative indices (index {i}) is not allowed.")
        return i

    def _zero(self, i):
        t = self._items.get(i)
        if t is None:
            spec = self._element_shape
            if spec is None or any(d is None for d in spec):
                raise InvalidArgumentError(
                    f"TensorArray: element {i} was never written and the element shape is not "
                    f"fully known ({spec}), so it cannot be zeros")
            _check_elements(spec, "TensorArray")
            t = _core._fill(spec, 0.0, self._dtype)
            self._items[i] = t
        return t

    def _convert(self, value, op):
        if isinstance(value, (_core.Tensor, _core.Variable)):
            t = value.read_value() if isinstance(value, _core.Variable) else value
        elif isinstance(value, (np.ndarray, np.generic)):
            t = _core._constant(value, None)
        else:
            from ._convert import as_tensor
            t = as_tensor(value, self._dtype, f"{op}: value")
        if t.dtype != self._dtype:
            raise InvalidArgumentError(f"{op}: TensorArray dtype is {self._dtype.name} but Op is trying "
                                       f"to write dtype {t.dtype.name}")
        return t

    def _write(self, i, t, op):
        if i >= self._size:
            if not self._dynamic_size:
                raise OutOfRangeError(f"{op}: Tried to write to index {i} but array is not resizeable "
                                      f"and size is: {self._size}")
            if i > np.iinfo(np.int32).max - 1:
                raise InvalidArgumentError(f"{op}: index {i} is beyond int32")
            self._size = i + 1
        if not _compatible(self._element_shape, t.shape):
            raise ValueError(f"{op}: Incompatible shape for value ({list(t.shape)}), expected "
                             f"({self._element_shape})")
        if self._infer_shape:
            self._element_shape = _merge(self._element_shape, t.shape)
        self._items[i] = t
        self._read.discard(i)

    def read(self, index, name=None):
        """Element ``index`` (zeros of ``element_shape`` if it was never written)."""
        i = self._index(index, "read")
        if i >= self._size:
            raise OutOfRangeError(f"TensorArray.read: Tried to read from index {i} but array size "
                                  f"is: {self._size}")
        t = self._items.get(i)
        if t is None:
            if i in self._read:
                raise InvalidArgumentError(
                    f"TensorArray.read: Could not read index {i} twice because it was cleared after "
                    f"a previous read (perhaps try setting clear_after_read = false?)")
            t = self._zero(i)
        if self._clear_after_read:
            self._items.pop(i, None)
            self._read.add(i)
        return t

    def write(self, index, value, name=None):
        """Stores ``value`` at ``index``; returns this TensorArray (TF's eager ``write``
        returns its array, so ``ta = ta.write(i, v)`` works)."""
        i = self._index(index, "write")
        self._write(i, self._convert(value, "TensorArray.write"), "TensorArray.write")
        return self

    def _all(self, op):
        _check_count(self._size, op)
        return [self._zero(i) for i in builtins.range(self._size)]

    def stack(self, name=None):
        """All elements stacked along a new axis 0 (a recorded stack)."""
        if self._size == 0:
            spec = self._element_shape
            if spec is None or any(d is None for d in spec):
                raise InvalidArgumentError("TensorArray.stack: the array is empty and its element "
                                           "shape is not fully known")
            return _core._fill([0] + spec, 0.0, self._dtype)
        return _core.stack(self._all("TensorArray.stack"), 0)

    def gather(self, indices, name=None):
        """The elements at ``indices`` (a 1-D list or int tensor), stacked."""
        idx = _int_vector(indices, "TensorArray.gather", "indices")
        _check_count(idx.size, "TensorArray.gather")
        for i in idx.tolist():
            if not 0 <= i < self._size:
                raise OutOfRangeError(f"TensorArray.gather: index {i} is out of range for an array of "
                                      f"size {self._size}")
        if idx.size == 0:
            spec = self._element_shape
            if spec is None or any(d is None for d in spec):
                raise InvalidArgumentError("TensorArray.gather: no indices and the element shape is "
                                           "not fully known")
            return _core._fill([0] + spec, 0.0, self._dtype)
        return _core.stack([self._zero(i) for i in idx.tolist()], 0)

    def concat(self, name=None):
        """All elements concatenated along their axis 0 (each must have rank >= 1)."""
        items = self._all("TensorArray.concat")
        for i, t in enumerate(items):
            if t.ndim == 0:
                raise InvalidArgumentError(f"TensorArray.concat: Concat saw a scalar shape at index {i} "
                                           f"but requires at least vectors.")
        if not items:
            raise InvalidArgumentError("TensorArray.concat: the array is empty")
        return _core.concat(items, 0)

    def unstack(self, value, name=None):
        """Writes the slices of ``value`` along axis 0 as the elements (replacing them all);
        returns this TensorArray. More slices than a static size is a ValueError."""
        from ._array_ops import unstack
        t = self._convert(value, "TensorArray.unstack")
        if t.ndim == 0:
            raise ValueError("TensorArray.unstack: value must have rank >= 1, got a scalar")
        if t.shape[0] > self._size and not self._dynamic_size:
            raise ValueError(f"TensorArray.unstack: Cannot unstack {t.shape[0]} tensors into a "
                             f"TensorArray of static size {self._size}")
        _check_count(t.shape[0], "TensorArray.unstack")
        pieces = unstack(t)
        self._items, self._read = {}, set()
        self._size = len(pieces)
        for i, p in enumerate(pieces):
            self._write(i, p, "TensorArray.unstack")
        return self

    def scatter(self, indices, value, name=None):
        """Writes ``value[k]`` at ``indices[k]``; returns this TensorArray."""
        from ._array_ops import unstack
        idx = _int_vector(indices, "TensorArray.scatter", "indices")
        _check_count(idx.size, "TensorArray.scatter")
        t = self._convert(value, "TensorArray.scatter")
        if t.ndim == 0 or t.shape[0] != idx.size:
            raise InvalidArgumentError(f"TensorArray.scatter: value must have {idx.size} rows (one per "
                                       f"index), got shape {list(t.shape)}")
        for i, p in zip(idx.tolist(), unstack(t) if idx.size else []):
            if i < 0:
                raise OutOfRangeError(f"TensorArray.scatter: Writing to negative indices (index {i}) is "
                                      f"not allowed.")
            self._write(i, p, "TensorArray.scatter")
        return self

    def split(self, value, lengths, name=None):
        """Writes the pieces of ``value`` cut along axis 0 into ``lengths`` rows as the
        elements; returns this TensorArray."""
        from ._array_ops import split
        op = "TensorArray.split"
        t = self._convert(value, op)
        ln = _int_vector(lengths, op, "lengths")
        _check_count(ln.size, op)
        if t.ndim == 0:
            raise InvalidArgumentError(f"{op}: Expected value to be at least a vector, but received "
                                       f"shape: []")
        if int(ln.sum()) != t.shape[0] or (ln.size and ln.min() < 0):
            raise InvalidArgumentError(f"{op}: Expected sum of lengths to be equal to values.shape[0], "
                                       f"but sum of lengths is {int(ln.sum())} and value's shape is: "
                                       f"{list(t.shape)}")
        if not self._dynamic_size and ln.size != self._size:
            raise InvalidArgumentError(f"{op}: TensorArray's size is not equal to the size of lengths "
                                       f"({self._size} vs. {ln.size}), and the TensorArray is not "
                                       f"marked as dynamically resizeable")
        pieces = split(t, [int(v) for v in ln]) if ln.size else []
        self._items, self._read = {}, set()
        self._size = len(pieces)
        saved = self._infer_shape
        self._infer_shape = False  # pieces may differ in their first dimension
        try:
            for i, p in enumerate(pieces):
                self._items[i] = p
        finally:
            self._infer_shape = saved
        return self

    def size(self, name=None):
        """The number of elements, an int32 scalar tensor."""
        return _core._constant(np.int32(self._size), dtypes.int32)

    def identity(self, name=None):
        """This TensorArray (TF's eager ``identity`` returns its array)."""
        return self

    def close(self, name=None):
        """Drops every element (the size becomes 0, as TF's eager ``close``)."""
        self._items, self._read = {}, set()
        self._size = 0

    def grad(self, source, flow=None, name=None):
        """Not supported in eager mode, as TF's: tapes differentiate through the reads,
        writes and stacks directly."""
        raise NotImplementedError("TensorArray.grad is not supported when executing eagerly; "
                                  "eager's gradient implementation does not use/need this function "
                                  "to compute gradients of operations that use TensorArrays.")

    def __repr__(self):
        return (f"<tapegrad.TensorArray dtype={self._dtype.name} size={self._size} "
                f"element_shape={self._element_shape}>")


# =============================================================================================
# TF 2's initializer classes (tf.random_normal_initializer, ...): the Keras ones with TF's
# dtype checks.

def _initializers():
    from .keras import initializers
    return initializers


def _init_dtype(dtype, op, ints):
    dt = dtypes.as_dtype(dtype)
    if dt.is_floating or (ints and dt.is_integer):
        return dt
    kinds = "numeric" if ints else "floating point"
    raise ValueError(f"{op}: Expected {kinds} type, got {dt.name}")


class random_normal_initializer:  # noqa: N801 (TF's name)
    """Initializer of normal values N(mean, stddev²), as ``tf.random_normal_initializer(mean=0.0,
    stddev=0.05, seed=None)``: ``init(shape, dtype=float32)`` returns a tensor (float dtypes
    only, a ValueError otherwise, as TF's); ``tapegrad.random.set_seed`` or ``seed`` make it
    repeat. ``get_config`` / ``from_config`` as TF's."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=dtypes.float32, **kwargs):
        dt = _init_dtype(dtype, "random_normal_initializer", ints=False)
        return _initializers().RandomNormal(self.mean, self.stddev, self.seed)(shape, dt)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        """An initializer from ``get_config``'s dict."""
        return cls(**config)


class random_uniform_initializer:  # noqa: N801 (TF's name)
    """Initializer of uniform values in [minval, maxval), as
    ``tf.random_uniform_initializer(minval=-0.05, maxval=0.05, seed=None)``: ``init(shape,
    dtype=float32)`` returns a tensor (float or integer dtypes, integers drawn in
    [minval, maxval)); ``get_config`` / ``from_config`` as TF's."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=dtypes.float32, **kwargs):
        dt = _init_dtype(dtype, "random_uniform_initializer", ints=True)
        return _initializers().RandomUniform(self.minval, self.maxval, self.seed)(shape, dt)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        """An initializer from ``get_config``'s dict."""
        return cls(**config)


class constant_initializer:  # noqa: N801 (TF's name)
    """Initializer of a constant, as ``tf.constant_initializer(value=0)``: a scalar fills the
    shape; a list or array must have the shape's number of elements and is reshaped to it (a
    ValueError otherwise, as TF's). ``init(shape, dtype=float32)``."""

    def __init__(self, value=0):
        if isinstance(value, (_core.Tensor, _core.Variable)):
            value = value.numpy()
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"constant_initializer: Invalid type for initial value: {type(value).__name__}")
        self.value = value

    def __call__(self, shape, dtype=dtypes.float32, **kwargs):
        dt = dtypes.as_dtype(dtype)
        shp = [int(d) for d in _core._parse_shape(shape, "constant_initializer")]
        arr = np.asarray(self.value)
        if arr.ndim == 0:
            return _core._fill(shp, float(arr), dt)
        n = int(np.prod(shp, dtype=np.int64))
        if arr.size != n:
            raise TypeError(f"constant_initializer: Eager execution of tf.constant with unsupported "
                            f"shape. Tensor {arr.tolist()!r:.60} (converted from {arr.size} values) "
                            f"has {arr.size} elements, but got `shape` {shp} with {n} elements.")
        return _core._constant(_c_array(arr.reshape(shp).astype(dt.as_numpy_dtype)), dt)

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"value": self.value}

    @classmethod
    def from_config(cls, config):
        """An initializer from ``get_config``'s dict."""
        return cls(**config)


class zeros_initializer:  # noqa: N801 (TF's name)
    """Initializer of zeros, as ``tf.zeros_initializer()``: ``init(shape, dtype=float32)``."""

    def __call__(self, shape, dtype=dtypes.float32, **kwargs):
        return _core._fill(_core._parse_shape(shape, "zeros_initializer"), 0.0, dtypes.as_dtype(dtype))

    def get_config(self):
        """The constructor arguments (none), as a dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """An initializer from ``get_config``'s dict."""
        return cls(**config)


class ones_initializer:  # noqa: N801 (TF's name)
    """Initializer of ones, as ``tf.ones_initializer()``: ``init(shape, dtype=float32)``."""

    def __call__(self, shape, dtype=dtypes.float32, **kwargs):
        return _core._fill(_core._parse_shape(shape, "ones_initializer"), 1.0, dtypes.as_dtype(dtype))

    def get_config(self):
        """The constructor arguments (none), as a dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """An initializer from ``get_config``'s dict."""
        return cls(**config)
