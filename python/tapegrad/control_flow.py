"""Control flow, as TF runs it eagerly: ``cond``, ``while_loop``, ``map_fn``, ``scan``,
``foldl``, ``foldr``, ``vectorized_map``, ``py_function``, ``numpy_function``.

tapegrad has no graphs, so these are Python control flow around recorded ops: ``cond`` calls
one branch, ``while_loop`` loops in Python, ``map_fn`` and ``scan`` unstack their inputs
(recorded slices), call the function per element and stack the results (a recorded stack).
A GradientTape therefore records exactly the ops that ran, and gradients of any order flow
through all of them (``numpy_function`` excepted: its outputs are constants, as in TF).
"""

import builtins as _builtins

import numpy as _np

from . import _core, _nest
from .dtypes import as_dtype as _as_dtype, bool as _bool
from .errors import InvalidArgumentError

__all__ = ["cond", "while_loop", "map_fn", "scan", "foldl", "foldr", "vectorized_map",
           "py_function", "numpy_function"]


def _check_callable(fn, op, what):
    if not callable(fn):
        raise TypeError(f"{op}: {what} must be callable, got {fn!r:.60} of type {type(fn).__name__}")


def _truth(pred, op, what="pred", ints=False):
    """A scalar bool predicate's value: Python / numpy bools (and 0 and 1 with ``ints``, as
    TF's cond takes them), and scalar bool tensors; anything else a TypeError (dtype) or
    ValueError (shape) naming ``op``."""
    if isinstance(pred, (_builtins.bool, _np.bool_)):
        return _builtins.bool(pred)
    if ints and isinstance(pred, int) and pred in (0, 1):
        return _builtins.bool(pred)
    if isinstance(pred, (_core.Tensor, _core.Variable, _np.ndarray)):
        dt = pred.dtype
        if (isinstance(dt, _np.dtype) and dt != _np.bool_) or (not isinstance(dt, _np.dtype) and dt != _bool):
            name = dt.name if hasattr(dt, "name") else str(dt)
            raise TypeError(f"{op}: {what} must be a bool tensor, got a {name} tensor of shape "
                            f"{list(pred.shape)}")
        if len(pred.shape) != 0:
            raise ValueError(f"{op}: {what} must be a scalar (rank 0) bool tensor, got shape "
                             f"{list(pred.shape)}")
        return _builtins.bool(_np.asarray(pred))
    raise TypeError(f"{op}: {what} must be a scalar bool tensor or a Python bool, got "
                    f"{pred!r:.60} of type {type(pred).__name__}")


def cond(pred, true_fn=None, false_fn=None, name=None):
    """``true_fn()`` if ``pred`` else ``false_fn()``, as ``tf.cond`` in eager mode: only the
    chosen branch runs, so the tape records it alone and gradients flow through it.
    ``pred`` is a scalar bool tensor (or a Python bool); another dtype is a TypeError, another
    shape a ValueError."""
    if true_fn is None:
        raise TypeError("cond: 'true_fn' argument required")
    if false_fn is None:
        raise TypeError("cond: 'false_fn' argument required")
    _check_callable(true_fn, "cond", "true_fn")
    _check_callable(false_fn, "cond", "false_fn")
    return true_fn() if _truth(pred, "cond", ints=True) else false_fn()


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None):
    """``while cond(*loop_vars): loop_vars = body(*loop_vars)``, as ``tf.while_loop`` in
    eager mode, at most ``maximum_iterations`` times. ``loop_vars`` is a tuple, list or any
    nesting of them (a single tensor is passed alone); the result has its structure, and
    ``body`` must return one of the same nesting. ``cond`` returns a scalar bool. Every
    iteration's ops are recorded: gradients flow through the loop."""
    op = "while_loop"
    _check_callable(cond, op, "cond")
    _check_callable(body, op, "body")
    if loop_vars is None or (isinstance(loop_vars, (list, tuple)) and len(loop_vars) == 0):
        raise ValueError(f"{op}: 'loop_vars' must be provided")
    if maximum_iterations is not None:
        m = _np.asarray(maximum_iterations.numpy() if isinstance(maximum_iterations, _core.Tensor)
                        else maximum_iterations)
        if m.ndim != 0 or m.dtype.kind not in "iu" and not (m.dtype.kind == "f" and float(m).is_integer()):
            raise TypeError(f"{op}: maximum_iterations must be a scalar integer, got "
                            f"{maximum_iterations!r:.60}")
        maximum_iterations = int(m)
        if maximum_iterations < 0:
            raise InvalidArgumentError(f"{op}: maximum_iterations must be non-negative, got "
                                       f"{maximum_iterations}")
    single = not isinstance(loop_vars, (list, tuple))
    args = [loop_vars] if single else list(loop_vars)
    n_leaves = len(_nest.flatten(args))
    i = 0
    while maximum_iterations is None or i < maximum_iterations:
        if not _truth(cond(*args), op, "the value cond returns"):
            break
        out = body(*args)
        if single:
            out = [out]
        elif len(args) == 1 and not isinstance(out, (list, tuple)):
            out = [out]  # a body of one variable may return it bare
        if not isinstance(out, (list, tuple)) or len(out) != len(args) or \
                len(_nest.flatten(list(out))) != n_leaves:
            raise ValueError(f"{op}: body must return the structure of loop_vars ({len(args)} "
                             f"values, {n_leaves} tensors), got {out!r:.100}")
        args = list(out)
        i += 1
    if single:
        return args[0]
    return _nest.pack_sequence_as(loop_vars, _nest.flatten(args))


# -- map_fn, scan, folds ---------------------------------------------------------------------
def _value(x, op):
    if isinstance(x, _core.Tensor):
        return x
    if isinstance(x, _core.Variable):
        return x.read_value()
    if isinstance(x, (_np.ndarray, _np.generic)):
        return _core._constant(x, None, op)
    return _core._constant(x, None, op)


def _elems(elems, op):
    """The leaves of ``elems`` as tensors and their common first dimension."""
    if elems is None:
        raise ValueError(f"{op}: elems must be a tensor or a nested structure of tensors, got None")
    flat = [_value(x, op) for x in _nest.flatten(elems)]
    if not flat:
        raise ValueError(f"{op}: elems must contain at least one tensor")
    for t in flat:
        if t.ndim == 0:
            raise ValueError(f"{op}: elements in elems must be 1+ dimensional, got a scalar "
                             f"{t!r:.60}")
    n = flat[0].shape[0]
    if any(t.shape[0] != n for t in flat):
        raise ValueError(f"{op}: the elements of elems must all have the same first dimension, "
                         f"got shapes {', '.join(str(list(t.shape)) for t in flat)}")
    return flat, n


def _rows(flat, n):
    """Per leaf, its n rows (recorded slices, so gradients reach elems)."""
    from ._array_ops import unstack
    return [unstack(t, n) if n else [] for t in flat]


def _pack(structure, leaves):
    return leaves[0] if not isinstance(structure, (list, tuple, dict)) else \
        _nest.pack_sequence_as(structure, list(leaves))


def _signature_dtypes(sig, op):
    if sig is None:
        return None
    out = []
    for s in _nest.flatten(sig):
        dt = getattr(s, "dtype", s)
        try:
            out.append(_as_dtype(dt))
        except TypeError as e:
            raise TypeError(f"{op}: fn_output_signature must be dtypes or TensorSpecs, got {s!r:.60}") from e
    return out


def _outputs(result, op, dtypes=None):
    """A function's result as a flat list of tensors (Python numbers converted)."""
    flat = _nest.flatten(result)
    if dtypes is not None and len(dtypes) != len(flat):
        raise ValueError(f"{op}: fn returned {len(flat)} values, fn_output_signature declares "
                         f"{len(dtypes)}")
    out = []
    for k, v in enumerate(flat):
        if v is None:
            raise TypeError(f"{op}: fn returned None where a tensor was expected")
        d = None if dtypes is None else dtypes[k]
        if isinstance(v, (_core.Tensor, _core.Variable)):
            t = _value(v, op)
            if d is not None and t.dtype != d:
                raise TypeError(f"{op}: fn returned a {t.dtype.name} tensor where "
                                f"fn_output_signature says {d.name}")
        else:
            t = _core._constant(v, d, op)
        out.append(t)
    return out


def _stack(columns, op):
    out = []
    for k, col in enumerate(columns):
        shape0 = col[0].shape
        for j, t in enumerate(col):
            if t.shape != shape0 or t.dtype != col[0].dtype:
                raise InvalidArgumentError(
                    f"{op}: the function's output {k} has shape {list(shape0)} "
                    f"({col[0].dtype.name}) for element 0 but {list(t.shape)} ({t.dtype.name}) "
                    f"for element {j}")
        out.append(_core.stack(col, 0))
    return out


def _empty(shape, dtype):
    return _core._constant(_np.zeros((0,) + tuple(shape), dtype=dtype.as_numpy_dtype), dtype)


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True, swap_memory=False,
           infer_shape=True, name=None, fn_output_signature=None):
    """``fn`` applied to the slices of ``elems`` along axis 0, the results stacked, as
    ``tf.map_fn``: ``elems`` is a tensor or a nested structure of tensors with one first
    dimension (``fn`` gets one slice of each, in that structure); ``fn`` may return another
    structure (``fn_output_signature`` declares its dtypes, needed only when elems is empty).
    Gradients of any order flow to elems and to whatever fn uses."""
    op = "map_fn"
    _check_callable(fn, op, "fn")
    sig = fn_output_signature if fn_output_signature is not None else dtype
    dtypes = _signature_dtypes(sig, op)
    flat, n = _elems(elems, op)
    rows = _rows(flat, n)
    if n == 0:
        if sig is not None:
            specs = _nest.flatten(sig)
            leaves = [_empty(getattr(s, "shape", None) or (), d) for s, d in zip(specs, dtypes)]
            return _pack(sig, leaves)
        # Eagerly, the only way to know the output's shape is to run fn once, on zeros.
        probe = _pack(elems, [_core._constant(_np.zeros(t.shape[1:], t.dtype.as_numpy_dtype), t.dtype)
                              for t in flat])
        result = fn(probe)
        return _pack(result, [_empty(t.shape, t.dtype) for t in _outputs(result, op)])
    structure, columns = None, None
    for i in _builtins.range(n):
        result = fn(_pack(elems, [r[i] for r in rows]))
        outs = _outputs(result, op, dtypes)
        if columns is None:
            structure, columns = result, [[] for _ in outs]
        elif len(outs) != len(columns):
            raise ValueError(f"{op}: fn returned {len(outs)} values for element {i} but "
                             f"{len(columns)} for element 0")
        for c, t in zip(columns, outs):
            c.append(t)
    return _pack(sig if sig is not None and isinstance(sig, (list, tuple, dict)) else structure,
                 _stack(columns, op))


def vectorized_map(fn, elems, fallback_to_while_loop=True, warn=True):
    """``tf.vectorized_map``: the same results as ``map_fn(fn, elems)``, which it is here
    (tapegrad does not vectorise Python functions); ``fn`` sees one slice at a time."""
    return map_fn(fn, elems)


def _scan(fn, elems, initializer, reverse, op):
    _check_callable(fn, op, "fn")
    flat, n = _elems(elems, op)
    rows = _rows(flat, n)
    order = list(_builtins.range(n - 1, -1, -1)) if reverse else list(_builtins.range(n))
    if initializer is None:
        if n == 0:
            raise ValueError(f"{op}: elems is empty and no initializer is given")
        first = order.pop(0)
        acc = _pack(elems, [r[first] for r in rows])
        outputs = [(first, _nest.flatten(acc))]
    else:
        acc = _pack(initializer, [_value(v, op) for v in _nest.flatten(initializer)])
        first, outputs = None, []
    acc_structure = acc
    n_acc = len(_nest.flatten(acc))
    for i in order:
        x = _pack(elems, [r[i] for r in rows])
        result = fn(acc, x)
        outs = _outputs(result, op)
        if len(outs) != n_acc:
            raise ValueError(f"{op}: fn must return a value with the structure of the "
                             f"accumulator ({n_acc} tensors), got {len(outs)} at element {i}")
        acc = _pack(acc_structure, outs)
        outputs.append((i, outs))
    return acc, acc_structure, outputs


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
         infer_shape=True, reverse=False, name=None):
    """The running values ``a = fn(a, x)`` over the slices ``x`` of ``elems`` along axis 0,
    stacked, as ``tf.scan``: ``a`` starts as ``initializer`` (without one, as the first slice,
    which is then the first output); ``reverse=True`` scans from the last slice, and the
    outputs stay in the slices' order. ``scan(lambda a, x: a + x, [1., 2., 3.])`` is
    ``[1., 3., 6.]``. Gradients of any order flow through every step."""
    op = "scan"
    _, structure, outputs = _scan(fn, elems, initializer, reverse, op)
    if not outputs:
        return _pack(structure, [_empty(t.shape, t.dtype) for t in _nest.flatten(structure)])
    outputs.sort(key=lambda p: p[0])
    columns = [list(c) for c in zip(*[o for _, o in outputs])]
    return _pack(structure, _stack(columns, op))


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
          name=None):
    """The final ``a = fn(a, x)`` over the slices of ``elems`` from first to last, as
    ``tf.foldl`` (``a`` starts as ``initializer``, else the first slice)."""
    return _scan(fn, elems, initializer, False, "foldl")[0]


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True, swap_memory=False,
          name=None):
    """The final ``a = fn(a, x)`` over the slices of ``elems`` from last to first, as
    ``tf.foldr`` (``a`` starts as ``initializer``, else the last slice)."""
    return _scan(fn, elems, initializer, True, "foldr")[0]


# -- Python functions --------------------------------------------------------------------------
def _touts(Tout, op):
    if Tout is None:
        return None, True
    if isinstance(Tout, (list, tuple)):
        return [_as_dtype(getattr(t, "dtype", t)) for t in Tout], False
    return [_as_dtype(getattr(Tout, "dtype", Tout))], True


def _inputs(inp, op):
    if inp is None:
        return []
    if not isinstance(inp, (list, tuple)):
        inp = [inp]
    return [_value(x, op) for x in inp]


def _returned(out, dts, single, op):
    """What func returned, as a list of one value per dtype in ``Tout``."""
    values = [out] if single else (list(out) if isinstance(out, (list, tuple)) else [out])
    if len(values) != len(dts):
        raise ValueError(f"{op}: func returned {len(values)} values, Tout declares {len(dts)}")
    return values


def py_function(func, inp=None, Tout=None, name=None):
    """``func(*inp)`` called now, on tensors, as ``tf.py_function`` runs eagerly: its ops are
    recorded, so gradients flow through it. ``Tout`` (a dtype, or a list of them) gives the
    outputs' dtypes (a single tensor, or a list); Python values returned are converted to
    them, a tensor of another dtype is a TypeError. ``Tout=None``: the result is None."""
    op = "py_function"
    _check_callable(func, op, "func")
    dts, single = _touts(Tout, op)
    out = func(*_inputs(inp, op))
    if dts is None:
        return None
    res = []
    values = _returned(out, dts, single, op)
    for k, (v, d) in enumerate(zip(values, dts)):
        if isinstance(v, (_core.Tensor, _core.Variable)):
            t = _value(v, op)
            if t.dtype != d:
                raise TypeError(f"{op}: output {k} of func is a {t.dtype.name} tensor, Tout says {d.name}")
        else:
            t = _core._constant(v, d, op)
        res.append(t)
    return res[0] if single else res


def numpy_function(func, inp, Tout, stateful=True, name=None):
    """``func`` called now on the inputs as numpy arrays, its numpy results converted to
    tensors of ``Tout`` (a dtype, or a list of them), as ``tf.numpy_function``. An array of
    another dtype is an InvalidArgumentError (as TF); no gradient flows through it."""
    op = "numpy_function"
    _check_callable(func, op, "func")
    dts, single = _touts(Tout, op)
    args = [t.numpy() for t in _inputs(inp, op)]
    out = func(*args)
    if dts is None:
        return None
    res = []
    values = _returned(out, dts, single, op)
    for k, (v, d) in enumerate(zip(values, dts)):
        if isinstance(v, (_core.Tensor, _core.Variable)):
            v = v.numpy()
        if isinstance(v, (_np.ndarray, _np.generic)) and v.dtype != d.as_numpy_dtype:
            raise InvalidArgumentError(f"{op}: {k}-th value returned by func is {v.dtype.name}, "
                                       f"but expects {d.name}")
        res.append(_core._constant(_np.asarray(v, dtype=d.as_numpy_dtype), d))
    return res[0] if single else res
