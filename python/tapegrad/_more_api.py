"""More TF 2 names, composed from existing tapegrad ops (Python only):

* ``tf.linalg.sqrtm`` / ``tf.matrix_square_root``: the principal square root of real square
  matrices, with TF's gradient (a Sylvester equation solved through a Kronecker system).
* ``tf.extract_volume_patches``: 3-D patches of an NDHWC input (strided slices and a stack, so
  the gradient is the recorded ops').
* ``tf.required_space_to_batch_paddings`` and ``tf.nn.with_space_to_batch``.
* ``tf.VariableAggregation`` / ``tf.VariableSynchronization``, and ``tf.Variable(...,
  aggregation=, synchronization=)`` with ``Variable.aggregation`` / ``.synchronization``.
* ``tf.no_gradient`` (a registry of names only: tapegrad has no op-type gradient registry).

TF 2.21's observed behaviour is the specification (values, dtypes, shapes, error classes).
"""

import builtins as _builtins
import enum as _enum
import sys as _sys
import weakref as _weakref

import numpy as _np

from . import _core
from .dtypes import float32 as _float32, float64 as _float64, int32 as _int32
from .errors import InvalidArgumentError, UnimplementedError, OutOfRangeError

__all__ = ["sqrtm", "matrix_square_root", "extract_volume_patches",
           "required_space_to_batch_paddings", "with_space_to_batch", "VariableAggregation",
           "VariableSynchronization", "no_gradient"]


def _value(x, op, what):
    from .math import _value as v
    return v(x, op, what)


# ---- tf.linalg.sqrtm -------------------------------------------------------------------------

def _nan_like(m):
    return _np.full(m.shape, _np.nan)


def _sqrtm_eig(m):
    """V diag(sqrt(w)) V^-1 (principal branch), real part: for singular matrices, where the
    Denman-Beavers iteration cannot start."""
    w, v = _np.linalg.eig(m)
    try:
        r = (v * _np.sqrt(w.astype(complex))) @ _np.linalg.inv(v)
    except _np.linalg.LinAlgError:
        return _nan_like(m)
    return r.real


def _sqrtm_db(m):
    """The scaled product-form Denman-Beavers iteration (Higham, Functions of Matrices, 6.3):
    M -> I, Y -> A^(1/2) for a nonsingular A without eigenvalues on the closed negative real
    axis. None when it does not converge."""
    n = m.shape[0]
    eye = _np.eye(n)
    y = m.copy()
    mk = m.copy()
    tol = n * _np.finfo(_np.float64).eps
    scaling = True
    for _ in _builtins.range(100):
        try:
            inv = _np.linalg.inv(mk)
        except _np.linalg.LinAlgError:
            return None
        if scaling:
            sign, logdet = _np.linalg.slogdet(mk)
            mu = _np.exp(-logdet / (2 * n)) if sign != 0 and _np.isfinite(logdet) else 1.0
            mk, inv, y = mk * mu * mu, inv / (mu * mu), y * mu
        y_next = 0.5 * (y @ (eye + inv))
        m_next = 0.5 * eye + 0.25 * (mk + inv)
        err = _np.linalg.norm(m_next - eye, 1)
        y, mk = y_next, m_next
        if not _np.all(_np.isfinite(y)):
            return None
        if err < 1e-2:
            scaling = False  # near convergence: plain quadratic steps
        if err <= tol:
            return y
    return y if err <= 1e3 * tol else None


def _sqrtm_one(m):
    n = m.shape[0]
    if n == 0:
        return m.copy()
    if not _np.all(_np.isfinite(m)):
        return _nan_like(m)
    w = _np.linalg.eigvals(m)
    if _np.any((w.imag == 0) & (w.real < 0)):
        return _nan_like(m)  # a negative real eigenvalue: no real principal root (TF: all NaN)
    if _np.array_equal(m, m.T):
        ev, vec = _np.linalg.eigh(m)
        if _np.any(ev < 0):
            return _nan_like(m)
        return (vec * _np.sqrt(ev)) @ vec.T
    r = _sqrtm_db(m)
    if r is None:
        r = _sqrtm_eig(m)
    return r


def _sqrtm_values(a):
    """The principal square roots of a float array [..., n, n], computed in float64."""
    shape = a.shape
    count = int(_np.prod(shape[:-2], dtype=_np.int64))
    mats = _np.asarray(a, _np.float64).reshape((count,) + tuple(shape[-2:]))
    with _np.errstate(all="ignore"):
        out = _np.stack([_sqrtm_one(m) for m in mats]) if len(mats) else mats.copy()
    return out.reshape(shape)


def _kron(b1, b2, m):
    """The Kronecker products of [..., m, m] batches (either may be an unbatched [m, m])."""
    lead1, lead2 = list(b1.shape[:-2]), list(b2.shape[:-2])
    p = _core.multiply(_core.reshape(b1, lead1 + [m, 1, m, 1]),
                       _core.reshape(b2, lead2 + [1, m, 1, m]))
    lead = lead1 if len(lead1) >= len(lead2) else lead2
    return _core.reshape(p, lead + [m * m, m * m])


def _sqrtm(x, value=None):
    from ._custom_gradient import custom_gradient
    from .linalg import solve, matrix_transpose, eye

    @custom_gradient
    def f(a):
        y = value if value is not None else _core._constant(
            _np.ascontiguousarray(_sqrtm_values(a.numpy()).astype(a.dtype.as_numpy_dtype)),
            a.dtype)

        def grad(dy):
            # dA = R dR + dR R; the adjoint X of the loss's gradient G = dL/dR solves
            # Rᵀ X + X Rᵀ = G: (I ⊗ Rᵀ + R ⊗ I) vec_rows(Xᵀ) = vec_rows(Gᵀ), as TF's rule.
            r = _sqrtm(a, y)
            m = int(r.shape[-1])
            lead = list(r.shape[:-2])
            i = eye(m, dtype=r.dtype)
            ksum = _core.add(_kron(i, matrix_transpose(r), m), _kron(r, i, m))
            vec = _core.reshape(matrix_transpose(dy), lead + [m * m, 1])
            sol = solve(ksum, vec)
            return matrix_transpose(_core.reshape(sol, lead + [m, m]))
        return y, grad
    return f(x)


def sqrtm(input, name=None):  # noqa: A002 (TF's name)
    """The principal square root of each real square matrix in ``[..., M, M]``, as
    ``tf.linalg.sqrtm`` (``tf.matrix_square_root``): float32/float64, batch dimensions kept.
    A matrix with a negative real eigenvalue has no real principal root: all NaN, as TF's.
    Differentiable with TF's gradient (a Sylvester equation, solved as TF's Kronecker system,
    with recorded ops: higher orders follow)."""
    op = "MatrixSquareRoot"
    x = _value(input, op, "input")
    if x.ndim < 2:
        raise InvalidArgumentError(f"{op}: Input tensor 0 must have rank >= 2, got {x.ndim}")
    if x.dtype not in (_float32, _float64):
        raise InvalidArgumentError(
            f"{op}: Value for attr 'T' of {x.dtype.name} is not in the list of allowed "
            f"values: double, float, half, complex64, complex128")
    if x.shape[-1] != x.shape[-2]:
        raise InvalidArgumentError(f"{op}: Input matrix must be square.")
    return _sqrtm(x)


matrix_square_root = sqrtm


# ---- tf.extract_volume_patches ---------------------------------------------------------------

def _int_list(v, attr, op):
    if isinstance(v, (_core.Tensor, _core.Variable)):
        v = v.numpy()
    try:
        out = [int(a) for a in v]
    except TypeError:
        raise TypeError(f"{op}: Expected list for '{attr}' argument, not {v!r}.") from None
    return out


def _out_size(n, k, s, padding, op):
    """(output size, padding before) of one dimension. "SAME"'s padding before is Eigen's
    ``((out - 1) * s + k - n) / 2`` rounded toward zero: negative when the windows span less
    than the input, which then starts that far in (TF's observed patches)."""
    if padding == "VALID":
        out = (n - k + s) // s
        if out < 0:
            raise InvalidArgumentError(
                f"{op}: Computed output size would be negative: {out} [input_size: {n}, "
                f"effective_filter_size: {k}, stride: {s}]")
        return out, 0
    out = (n + s - 1) // s
    total = (out - 1) * s + k - n
    return out, int(total / 2) if total < 0 else total // 2


def extract_volume_patches(input, ksizes, strides, padding, name=None):  # noqa: A002
    """The ``ksizes[1:4]`` patches of a 5-D NDHWC ``input``, as ``tf.extract_volume_patches``:
    output ``[batch, out_planes, out_rows, out_cols, kd * kh * kw * depth]``, each patch
    flattened in (plane, row, column, channel) order; "SAME" pads with zeros (more at the
    end), "VALID" keeps whole patches only. Numeric dtypes; strided slices, a pad and a stack:
    the gradient is the recorded ops' (TF's: scatter-add of the patches' gradients)."""
    op = "ExtractVolumePatches"
    ks = _int_list(ksizes, "ksizes", op)
    st = _int_list(strides, "strides", op)
    for attr, v in (("ksizes", ks), ("strides", st)):
        if len(v) < 5:
            raise InvalidArgumentError(
                f"{op}: Length for attr '{attr}' of {len(v)} must be at least minimum 5")
    if padding not in ("SAME", "VALID"):
        raise InvalidArgumentError(
            f"{op}: Value for attr 'padding' of \"{padding}\" is not in the list of allowed "
            f"values: \"SAME\", \"VALID\"")
    x = _value(input, op, "input")
    if x.dtype.name == "bool":
        raise InvalidArgumentError(f"{op}: Value for attr 'T' of bool is not in the list of "
                                   f"allowed values")
    if len(ks) != 5:
        raise InvalidArgumentError(f"{op}: Sliding window ksizes field must specify 5 dimensions")
    if len(st) != 5:
        raise InvalidArgumentError(f"{op}: Sliding window strides field must specify 5 dimensions")
    if ks[0] != 1 or ks[4] != 1:
        raise UnimplementedError(f"{op}: Only support ksizes across space.")
    if st[0] != 1 or st[4] != 1:
        raise UnimplementedError(f"{op}: Only support strides across space.")
    if any(k <= 0 for k in ks[1:4]):
        raise OutOfRangeError(f"{op}: ksizes is out of range.")
    if any(s <= 0 for s in st[1:4]):
        raise OutOfRangeError(f"{op}: strides is out of range.")
    if x.ndim != 5:
        raise InvalidArgumentError(f"{op}: input must be 5-dimensional{list(x.shape)}")
    shape = [int(d) for d in x.shape]
    outs, starts, befores, afters = [], [], [], []
    for i in _builtins.range(3):
        o, before = _out_size(shape[1 + i], ks[1 + i], st[1 + i], padding, op)
        outs.append(o)
        starts.append(_builtins.max(-before, 0))  # a negative padding: the windows start inside
        befores.append(_builtins.max(before, 0))
        # the windows read (o - 1) * s + k elements from the padded start
        afters.append(_builtins.max((o - 1) * st[1 + i] + ks[1 + i] - shape[1 + i] - before, 0)
                      if o > 0 else 0)
    n, c = shape[0], shape[4]
    k_count = ks[1] * ks[2] * ks[3]
    if n * outs[0] * outs[1] * outs[2] * c == 0:
        empty = _np.zeros([n] + outs + [k_count * c], x.dtype.as_numpy_dtype)
        return _core._constant(empty, x.dtype)
    if any(starts):
        x = x[:, starts[0]:, starts[1]:, starts[2]:, :]
    if any(befores) or any(afters):
        x = _core._pad(x, [0] + befores + [0], [0] + afters + [0])
    pieces = []
    for a in _builtins.range(ks[1]):
        for b in _builtins.range(ks[2]):
            for d in _builtins.range(ks[3]):
                pieces.append(x[:, a:a + (outs[0] - 1) * st[1] + 1:st[1],
                                b:b + (outs[1] - 1) * st[2] + 1:st[2],
                                d:d + (outs[2] - 1) * st[3] + 1:st[3], :])
    y = _core.stack(pieces, 4) if len(pieces) > 1 else _core.expand_dims(pieces[0], 4)
    return _core.reshape(y, [n] + outs + [k_count * c])


# ---- tf.required_space_to_batch_paddings, tf.nn.with_space_to_batch --------------------------

def _int32_array(v, what):
    """v as an int32 numpy array, as TF's convert_to_tensor(v, dtype=int32)."""
    if isinstance(v, (_core.Tensor, _core.Variable)):
        if v.dtype != _int32:
            raise ValueError(f"Tensor conversion requested dtype int32 for Tensor with dtype "
                             f"{v.dtype.name}: {v!r}")
        return _np.asarray(v.numpy(), _np.int32)
    a = _np.asarray(v)
    if a.size and a.dtype.kind not in "iu":
        raise TypeError(f"Cannot convert {v!r} to EagerTensor of dtype int32")
    return a.astype(_np.int32)


def _int32_tensor(a):
    return _core._constant(_np.ascontiguousarray(a, _np.int32), _int32)


def _required_paddings(input_shape, block_shape, base_paddings):
    """(paddings, crops) as int32 numpy arrays [N, 2]."""
    block = _int32_array(block_shape, "block_shape")
    if block.ndim != 1:
        raise ValueError(f"Shape {block.shape} must have rank 1")
    nb = block.shape[0]
    if nb == 0:
        return _np.zeros((0, 2), _np.int32), _np.zeros((0, 2), _np.int32)
    shape = _int32_array(input_shape, "input_shape")
    if shape.shape != (nb,):
        raise ValueError(f"Shapes {shape.shape} and [{nb}] are incompatible")
    if base_paddings is not None:
        base = _int32_array(base_paddings, "base_paddings")
        if base.shape != (nb, 2):
            raise ValueError(f"Shapes {base.shape} and [{nb}, 2] are incompatible")
    else:
        base = _np.zeros((nb, 2), _np.int32)
    with _np.errstate(all="ignore"):  # a zero block: numpy's x % 0 == 0, as TF's constant path
        full = shape + base[:, 0] + base[:, 1]
        extra = (block - full % block) % block
    paddings = _np.stack([base[:, 0], base[:, 1] + extra], 1).astype(_np.int32)
    crops = _np.stack([_np.zeros_like(extra), extra], 1).astype(_np.int32)
    return paddings, crops


def required_space_to_batch_paddings(input_shape, block_shape, base_paddings=None, name=None):
    """``(paddings, crops)``, int32 ``[N, 2]``, as ``tf.required_space_to_batch_paddings``:
    ``paddings[i] = [base[i, 0], base[i, 1] + extra_i]`` with the least ``extra_i >= 0`` that
    makes ``input_shape[i] + paddings[i, 0] + paddings[i, 1]`` divisible by ``block_shape[i]``,
    and ``crops[i] = [0, extra_i]``."""
    paddings, crops = _required_paddings(input_shape, block_shape, base_paddings)
    return _int32_tensor(paddings), _int32_tensor(crops)


def _spread(orig, fill, spatial_dims):
    """[max(spatial_dims), ...] rows: orig[i] at row spatial_dims[i] - 1, ``fill`` elsewhere."""
    out = _np.full((spatial_dims[-1],) + orig.shape[1:], fill, orig.dtype)
    for i, d in enumerate(spatial_dims):
        out[d - 1] = orig[i]
    return out


def with_space_to_batch(input, dilation_rate, padding, op, filter_shape=None,  # noqa: A002
                        spatial_dims=None, data_format=None):
    """``op`` (``op(converted_input, num_spatial_dims, padding)``) applied on the
    space-to-batch form of ``input`` and the result turned back, as
    ``tf.nn.with_space_to_batch``: with a ``dilation_rate`` above 1 the input is zero-padded
    (for "SAME", by the dilated ``filter_shape``'s extent, as conv2d, plus what divisibility
    needs), ``space_to_batch_nd``-ed, ``op`` runs with padding "VALID", and
    ``batch_to_space`` crops the extra; with all rates 1, ``op(input, n, padding)`` as is."""
    from ._compat_ops import space_to_batch_nd, batch_to_space
    x = _value(input, "with_space_to_batch", "input")
    rate = _int32_array(dilation_rate, "dilation_rate")
    if rate.ndim != 1:
        raise ValueError(f"`dilation_rate.shape.rank` must be 1. Received: "
                         f"dilation_rate={rate} of rank {rate.ndim}")
    num = rate.shape[0]
    start = 2 if data_format is not None and data_format.startswith("NC") else 1
    if spatial_dims is None:
        spatial_dims = _builtins.range(start, num + start)
    orig = list(spatial_dims)
    dims = sorted(set(int(d) for d in orig))
    if dims != orig or any(d < 1 for d in dims):
        raise ValueError(f"`spatial_dims` must be a monotonically increasing sequence of "
                         f"positive integers. Received: spatial_dims={orig}")
    expected_rank = dims[-1] if start == 2 else dims[-1] + 1
    if x.ndim < expected_rank:
        raise ValueError(f"`input.shape.rank` must be at least {expected_rank}. Received: "
                         f"input.shape={tuple(x.shape)} with rank {x.ndim}")
    if _np.any(rate < 1):
        raise ValueError(f"`dilation_rate` must be positive. Received: dilation_rate={rate}")
    if _np.all(rate == 1):
        return op(x, num, padding)
    explicit = None
    if padding == "EXPLICIT":
        raise ValueError("'EXPLICIT' is not a valid value for `padding`. To use explicit "
                         "padding, `padding` must be a list.")
    if isinstance(padding, (list, tuple)):
        for i, p in enumerate(padding):
            if not isinstance(p, (list, tuple)):
                raise ValueError(f"When `padding` is a list, each element of `padding` must be "
                                 f"a list/tuple of size 2. Received: padding={padding} with "
                                 f"element at index {i} of type {type(p)}")
            if len(p) != 2:
                raise ValueError(f"When `padding` is a list, each element of `padding` must be "
                                 f"a list/tuple of size 2. Received: padding={padding} with "
                                 f"element at index {i} of size {len(p)}")
        if len(padding) != 4:
            raise ValueError(f"When padding is a list, it must be of size 4. Received: "
                             f"padding={padding} of size {len(padding)}")
        explicit = _np.array(padding, _np.int64).reshape(num + 2, 2)
        padding = "EXPLICIT"
    if padding == "SAME":
        if filter_shape is None:
            raise ValueError(f"`filter_shape` must be specified for `padding='SAME'`. "
                             f"Received: filter_shape={filter_shape} and padding={padding}")
        fs = _np.asarray(filter_shape.numpy() if isinstance(filter_shape, (_core.Tensor, _core.Variable))
                         else filter_shape)
        extra = (fs[:num] - 1) * rate
        base = _np.stack([extra // 2, extra - extra // 2], 1)
    elif padding == "VALID":
        base = _np.zeros((num, 2), _np.int32)
    elif padding == "EXPLICIT":
        base = explicit[2:] if start == 2 else explicit[1:-1]
    else:
        raise ValueError(f"`padding` must be one of 'SAME' or 'VALID'. Received: padding={padding}")
    spatial_shape = [int(x.shape[d]) for d in dims]
    paddings, crops = _required_paddings(spatial_shape, rate, base)
    block = _spread(rate, 1, dims)
    paddings = _spread(paddings, 0, dims)
    crops = _spread(crops, 0, dims)
    converted = space_to_batch_nd(x, block.tolist(), paddings.tolist())
    result = op(converted, num, "VALID")
    return batch_to_space(result, block.tolist(), crops.tolist())


# ---- tf.VariableAggregation, tf.VariableSynchronization, tf.Variable(aggregation=, ...) ------

class VariableSynchronization(_enum.Enum):
    """When a distributed variable is aggregated, as ``tf.VariableSynchronization`` (tapegrad
    keeps the value on the variable only: distribution strategies read it)."""
    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregationV2(_enum.Enum):
    """How a distributed variable is aggregated, as ``tf.VariableAggregation`` (TF's class is
    named VariableAggregationV2 too). Its hash is its value's, as TF's."""
    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3

    def __hash__(self):
        return hash(self.value)


VariableAggregation = VariableAggregationV2

# id(variable) -> (synchronization, aggregation), for variables given either (see _forget).
_SYNC_AGG = {}
from . import _variables  # noqa: E402,F401  (its constructor wrapper first: the one wrapped here)
_prev_init = _core.Variable.__init__


def _forget(key):
    _SYNC_AGG.pop(key, None)


def _enum_arg(enum_cls, value, kind, name):
    if value is None:
        return None
    if isinstance(value, enum_cls):
        return value
    try:
        return enum_cls(value)
    except ValueError:
        raise ValueError(f"Invalid variable {kind} mode: {value} for variable: {name}") from None


def _variable_init(self, initial_value=None, trainable=None, name=None, dtype=None, *,
                   constraint=None, synchronization=None, aggregation=None):
    """A new Variable, as ``tf.Variable``: besides ``constraint`` (see _variables), TF's
    ``synchronization`` (a ``tf.VariableSynchronization`` or its int value) and
    ``aggregation`` (a ``tf.VariableAggregation`` or its int value), kept as the variable's
    ``.synchronization`` / ``.aggregation``. ``trainable`` defaults to True, False for an
    ON_READ variable, as TF."""
    if synchronization is None and aggregation is None:
        _prev_init(self, initial_value, True if trainable is None else trainable, name, dtype,
                   constraint=constraint)
        return
    sync = _enum_arg(VariableSynchronization, synchronization, "synchronization", name)
    agg = _enum_arg(VariableAggregationV2, aggregation, "aggregation", name)
    if trainable is None:
        trainable = sync is not VariableSynchronization.ON_READ
    _prev_init(self, initial_value, trainable, name, dtype, constraint=constraint)
    key = id(self)
    _SYNC_AGG[key] = (sync or VariableSynchronization.AUTO, agg or VariableAggregationV2.NONE)
    _weakref.finalize(self, _forget, key)


def _synchronization(self):
    """The ``tf.VariableSynchronization`` given at construction (AUTO by default)."""
    entry = _SYNC_AGG.get(id(self)) if _SYNC_AGG else None
    return entry[0] if entry else VariableSynchronization.AUTO


def _aggregation(self):
    """The ``tf.VariableAggregation`` given at construction (NONE by default)."""
    entry = _SYNC_AGG.get(id(self)) if _SYNC_AGG else None
    return entry[1] if entry else VariableAggregationV2.NONE


_variable_init.__name__ = "__init__"
_variable_init.__qualname__ = "Variable.__init__"
_core.Variable.__init__ = _variable_init
_core.Variable.synchronization = property(_synchronization)
_core.Variable.aggregation = property(_aggregation)


# ---- tf.no_gradient --------------------------------------------------------------------------

_NO_GRADIENT = {}


def no_gradient(op_type):
    """Declares the op type ``op_type`` (a string) as having no gradient, as
    ``tf.no_gradient``. TF uses it for graph-mode symbolic differentiation; tapegrad's tape
    records its ops' gradients itself, so this only records the name: declaring the same name
    twice is TF's KeyError, a non-string TF's TypeError."""
    if not isinstance(op_type, str):
        raise TypeError("op_type must be a string")
    if op_type in _NO_GRADIENT:
        raise KeyError(f"Registering two gradient with name '{op_type}'! (Previous "
                       f"registration was in {_NO_GRADIENT[op_type]})")
    caller = _sys._getframe(1)
    _NO_GRADIENT[op_type] = f"{caller.f_code.co_name} {caller.f_code.co_filename}:" \
                            f"{caller.f_lineno}"
