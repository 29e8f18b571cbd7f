"""tapegrad.debugging: TF's run-time checks (``tf.debugging.*``).

Eager, as TF 2's: each assertion checks its tensors now and raises ``InvalidArgumentError``
(a ``ValueError``) with the given ``message`` and the failing condition when it does not hold,
else returns None. ``check_numerics`` returns its tensor, and its gradient checks the gradient.
"""

import numpy as _np

from . import _core
from .dtypes import as_dtype as _as_dtype
from .errors import InvalidArgumentError

__all__ = ["check_numerics", "assert_equal", "assert_none_equal", "assert_less",
           "assert_less_equal", "assert_greater", "assert_greater_equal", "assert_near",
           "assert_rank", "assert_rank_at_least", "assert_type", "assert_all_finite",
           "assert_positive", "assert_negative", "assert_non_negative", "assert_non_positive",
           "assert_integer", "assert_scalar", "is_numeric_tensor"]


def _tensor(x, op, what):
    from .math import _value
    return _value(x, op, what)


def _fail(message, text):
    head = f"{message}\n" if message else ""
    raise InvalidArgumentError(head + text)


def _summary(a, summarize):
    flat = a.reshape(-1)
    n = 3 if summarize is None else max(int(summarize), 0)
    text = " ".join(str(v) for v in flat[:n])
    return f"[{text}{' ...' if flat.size > n else ''}]"


def check_numerics(tensor, message, name=None):
    """``tensor``, after checking it has no NaN or infinity: else an InvalidArgumentError
    ``"check_numerics: <message> : Tensor had NaN values"`` (or ``Inf``), as
    ``tf.debugging.check_numerics``. Float tensors only (TypeError). Differentiable as
    identity; the gradient is checked the same way, as TF's."""
    from ._custom_gradient import custom_gradient
    t = _tensor(tensor, "check_numerics", "tensor")
    if not t.dtype.is_floating:
        raise TypeError(f"check_numerics: tensor must be float32 or float64, got {t.dtype.name}")
    a = t.numpy()
    if _np.isnan(a).any():
        raise InvalidArgumentError(f"check_numerics: {message} : Tensor had NaN values")
    if _np.isinf(a).any():
        raise InvalidArgumentError(f"check_numerics: {message} : Tensor had Inf values")

    @custom_gradient
    def _identity(v):
        def grad(dy):
            return check_numerics(dy, f"Not a number (NaN) or infinity (Inf) values detected in gradient. {message}")
        return _core.identity(v), grad
    return _identity(t)


def assert_all_finite(t, msg, name=None):
    """``check_numerics(t, msg)``, as ``tf.debugging.assert_all_finite``."""
    return check_numerics(t, msg)


def _compare(x, y, fn, symbol, op, message, summarize):
    a, b = _tensor(x, op, "x"), _tensor(y, op, "y")
    av, bv = a.numpy(), b.numpy()
    try:
        with _np.errstate(invalid="ignore"):
            ok = fn(av, bv)
    except ValueError:
        raise InvalidArgumentError(f"{op}: x shape {list(a.shape)} and y shape {list(b.shape)} "
                                   "are not broadcastable") from None
    if not _np.all(ok):
        _fail(message, f"{op}: Condition x {symbol} y did not hold element-wise: x (shape "
                       f"{list(a.shape)}) = {_summary(av, summarize)}, y (shape {list(b.shape)}) = "
                       f"{_summary(bv, summarize)}; first failing index "
                       f"{[int(i) for i in _np.argwhere(~_np.broadcast_to(ok, _np.broadcast_shapes(av.shape, bv.shape)))[0]]}")
    return None


def assert_equal(x, y, message=None, summarize=None, name=None):
    """Check ``x == y`` elementwise (broadcasting), as ``tf.debugging.assert_equal``."""
    return _compare(x, y, _np.equal, "==", "assert_equal", message, summarize)


def assert_none_equal(x, y, message=None, summarize=None, name=None):
    """Check ``x != y`` for every element, as ``tf.debugging.assert_none_equal``."""
    return _compare(x, y, _np.not_equal, "!=", "assert_none_equal", message, summarize)


def assert_less(x, y, message=None, summarize=None, name=None):
    """Check ``x < y`` elementwise, as ``tf.debugging.assert_less``."""
    return _compare(x, y, _np.less, "<", "assert_less", message, summarize)


def assert_less_equal(x, y, message=None, summarize=None, name=None):
    """Check ``x <= y`` elementwise, as ``tf.debugging.assert_less_equal``."""
    return _compare(x, y, _np.less_equal, "<=", "assert_less_equal", message, summarize)


def assert_greater(x, y, message=None, summarize=None, name=None):
    """Check ``x > y`` elementwise, as ``tf.debugging.assert_greater``."""
    return _compare(x, y, _np.greater, ">", "assert_greater", message, summarize)


def assert_greater_equal(x, y, message=None, summarize=None, name=None):
    """Check ``x >= y`` elementwise, as ``tf.debugging.assert_greater_equal``."""
    return _compare(x, y, _np.greater_equal, ">=", "assert_greater_equal", message, summarize)


def assert_near(x, y, rtol=None, atol=None, message=None, summarize=None, name=None):
    """Check ``|x - y| <= atol + rtol * |y|`` elementwise, as ``tf.debugging.assert_near``;
    ``rtol`` and ``atol`` default to 10 times the float dtype's epsilon."""
    op = "assert_near"
    a, b = _tensor(x, op, "x"), _tensor(y, op, "y")
    eps = _np.finfo(a.dtype.as_numpy_dtype).eps if a.dtype.is_floating else 0.0
    rt = 10 * eps if rtol is None else float(rtol)
    at = 10 * eps if atol is None else float(atol)
    return _compare(a, b, lambda u, v: _np.abs(u - v) <= at + rt * _np.abs(v),
                    f"~= (atol={at:g}, rtol={rt:g})", op, message, summarize)


def _sign_check(x, fn, text, op, message, summarize):
    t = _tensor(x, op, "x")
    if t.dtype.is_bool:
        raise TypeError(f"{op}: x must be a number tensor, got bool")
    a = t.numpy()
    with _np.errstate(invalid="ignore"):
        ok = fn(a)
    if not _np.all(ok):
        _fail(message, f"{op}: Condition x {text} did not hold element-wise: x (shape {list(t.shape)}) = "
                       f"{_summary(a, summarize)}")
    return None


def assert_positive(x, message=None, summarize=None, name=None):
    """Check ``x > 0`` elementwise, as ``tf.debugging.assert_positive``."""
    return _sign_check(x, lambda a: a > 0, "> 0", "assert_positive", message, summarize)


def assert_negative(x, message=None, summarize=None, name=None):
    """Check ``x < 0`` elementwise, as ``tf.debugging.assert_negative``."""
    return _sign_check(x, lambda a: a < 0, "< 0", "assert_negative", message, summarize)


def assert_non_negative(x, message=None, summarize=None, name=None):
    """Check ``x >= 0`` elementwise, as ``tf.debugging.assert_non_negative``."""
    return _sign_check(x, lambda a: a >= 0, ">= 0", "assert_non_negative", message, summarize)


def assert_non_positive(x, message=None, summarize=None, name=None):
    """Check ``x <= 0`` elementwise, as ``tf.debugging.assert_non_positive``."""
    return _sign_check(x, lambda a: a <= 0, "<= 0", "assert_non_positive", message, summarize)


def _rank_arg(rank, op):
    r = rank.numpy() if isinstance(rank, (_core.Tensor, _core.Variable)) else rank
    r = _np.asarray(r)
    if r.ndim != 0 or not (r.dtype.kind in "iu" or (r.dtype.kind == "f" and float(r).is_integer())):
        raise InvalidArgumentError(f"{op}: rank must be a scalar integer, got {rank!r:.40}")
    return int(r)


def assert_rank(x, rank, message=None, name=None):
    """Check that ``x`` has rank ``rank``, as ``tf.debugging.assert_rank`` (an
    InvalidArgumentError, which is a ValueError as TF's static failure)."""
    t = _tensor(x, "assert_rank", "x")
    r = _rank_arg(rank, "assert_rank")
    if t.ndim != r:
        _fail(message, f"assert_rank: Tensor must have rank {r}. Received rank {t.ndim}, shape {list(t.shape)}")
    return None


def assert_rank_at_least(x, rank, message=None, name=None):
    """Check that ``x`` has rank ``rank`` or more, as ``tf.debugging.assert_rank_at_least``."""
    t = _tensor(x, "assert_rank_at_least", "x")
    r = _rank_arg(rank, "assert_rank_at_least")
    if t.ndim < r:
        _fail(message, f"assert_rank_at_least: Tensor must have rank at least {r}. Received rank "
                       f"{t.ndim}, shape {list(t.shape)}")
    return None


def assert_scalar(tensor, message=None, name=None):
    """Check that ``tensor`` is a scalar (rank 0), as ``tf.debugging.assert_scalar``; returns
    the tensor."""
    t = _tensor(tensor, "assert_scalar", "tensor")
    if t.ndim != 0:
        _fail(message, f"assert_scalar: Expected scalar shape, saw shape: {list(t.shape)}")
    return t


def assert_type(tensor, tf_type, message=None, name=None):
    """Check that ``tensor`` has dtype ``tf_type``, as ``tf.debugging.assert_type``: a
    TypeError otherwise (TF's)."""
    t = _tensor(tensor, "assert_type", "tensor")
    want = _as_dtype(tf_type)
    if t.dtype != want:
        head = f"{message}: " if message else ""
        raise TypeError(f"{head}assert_type: tensor must be of type {want.name}, got {t.dtype.name}")
    return None


def assert_integer(x, message=None, name=None):
    """Check that ``x`` has an integer dtype, as ``tf.debugging.assert_integer`` (TypeError)."""
    t = _tensor(x, "assert_integer", "x")
    if not t.dtype.is_integer:
        head = f"{message}: " if message else ""
        raise TypeError(f"{head}assert_integer: Expected integer type, got {t.dtype.name}")
    return None


def is_numeric_tensor(tensor):
    """True for a Tensor or Variable of a number dtype (float or int; not bool), as
    ``tf.debugging.is_numeric_tensor``."""
    return isinstance(tensor, (_core.Tensor, _core.Variable)) and (
        tensor.dtype.is_floating or tensor.dtype.is_integer)
