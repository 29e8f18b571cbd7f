"""tapegrad.math: the math ops under TF's ``tf.math.*`` names."""

import contextlib

from . import _core
from ._array_ops import top_k  # noqa: F401 (tf.math.top_k)
from ._convert import as_tensor
from ._segment_ops import segment_sum, segment_mean, segment_max, segment_min, segment_prod, \
    unsorted_segment_mean, unsorted_segment_max, unsorted_segment_min, unsorted_segment_prod, \
    bincount, in_top_k, confusion_matrix, cumulative_logsumexp  # noqa: F401 (tf.math names)
from ._core import (  # noqa: F401
    add, subtract, multiply, divide, negative, pow, square, sqrt, exp, log, tanh, sigmoid,
    maximum, minimum, abs, sign, log1p,
    equal, not_equal, less, less_equal, greater, greater_equal,
    logical_and, logical_or, logical_xor, logical_not,
    argmax, argmin, unsorted_segment_sum, floordiv, floormod, erf, erfc, cumsum, cumprod,
    sin, cos, tan, atan, softmax, log_softmax,
)

truediv = divide
mod = floormod


# -- reductions: the C++ ops, or tapegrad.ragged's for a RaggedTensor (TF's ragged dispatch) --------

# The reductions are the C++ ones: they hand a RaggedTensor to tapegrad.ragged themselves
# (Note [Foreign reductions] in csrc/bindings/common.h), so no Python runs for a Tensor.
reduce_sum = _core.reduce_sum
reduce_mean = _core.reduce_mean
reduce_max = _core.reduce_max
reduce_min = _core.reduce_min
reduce_prod = _core.reduce_prod
reduce_any = _core.reduce_any
reduce_all = _core.reduce_all


def softplus(features, name=None):
    """``log(1 + exp(features))``, as ``tf.math.softplus`` / ``tf.nn.softplus``: computed as
    ``relu(x) + log1p(exp(-|x|))``, so it neither overflows nor loses the small values of very
    negative x; its gradient is ``sigmoid(x)`` (0.5 at 0), of every order."""
    from ._custom_gradient import custom_gradient
    from .nn import relu

    @custom_gradient
    def _softplus(x):
        y = add(relu(x), log1p(exp(negative(abs(x)))))
        return y, lambda dy: multiply(dy, sigmoid(x))
    return _softplus(_float(features, "softplus", "features"))


def reduce_logsumexp(input_tensor, axis=None, keepdims=False, name=None):
    """``log(reduce_sum(exp(x), axis, keepdims))`` without overflow, as
    ``tf.math.reduce_logsumexp``: the maximum over ``axis`` is taken out first (held constant
    for the gradient, which is ``softmax`` over the reduced axes). Rows that are all ``-inf``
    give ``-inf``, as TF.
    """
    import numpy as np
    x = _float(input_tensor, "reduce_logsumexp", "input_tensor")
    m = np.array(reduce_max(x, axis, True).numpy())
    m[~np.isfinite(m)] = 0  # an all--inf (or inf, NaN) row: no shift, exp and log give TF's value
    m = _core._constant(m, x.dtype)
    out = add(log(reduce_sum(exp(subtract(x, m)), axis, True)), m)
    if keepdims:
        return out
    return _core.reshape(out, reduce_sum(x, axis, False).shape)


@contextlib.contextmanager
def _no_tape():
    """Ops run inside are recorded on no tape (values no gradient goes through)."""
    pause = _core._pause_all()
    try:
        yield
    finally:
        del pause


def _value(x, op, what="x"):
    """x as a tensor of the dtype ``tf.constant`` gives it, as TF converts an op's arguments:
    numpy arrays keep theirs, Python ints are int32 (int64 past its range), floats float32."""
    if isinstance(x, (_core.Tensor, _core.Variable)):
        return x.read_value() if isinstance(x, _core.Variable) else x
    import numpy as np
    if isinstance(x, np.ndarray) or isinstance(x, np.generic):
        return _core._constant(x, None)
    return as_tensor(x, None, f"{op}: {what}", python_ints=True)  # its messages name the op


def _pair(x, y, op):
    """x and y as tensors the way TF converts a binary op's arguments: a tensor operand
    fixes the dtype, and a Python number or list on the other side takes it (``x_float / 0``
    is float); with no tensor, x converts first and y takes its dtype."""
    tensor = (_core.Tensor, _core.Variable)
    if isinstance(y, tensor) and not isinstance(x, tensor):
        b = _value(y, op, "y")
        return _convert_like(x, b.dtype, op, "x"), b
    a = _value(x, op, "x")
    return a, _convert_like(y, a.dtype, op, "y")


def _convert_like(v, dtype, op, what):
    """v (a Python number or list: anything but a tensor or numpy data) as a ``dtype``
    tensor; tensors and numpy data keep their own dtypes (TF: a dtype mismatch)."""
    import numpy as np
    if isinstance(v, (_core.Tensor, _core.Variable, np.ndarray, np.generic)):
        return _value(v, op, what)
    try:
        return _core._constant(v, dtype, f"{op}: {what}")
    except (TypeError, ValueError):
        return _value(v, op, what)  # its own dtype: the caller's mismatch error names both


def _float(x, op, what="x", name_it=False):
    """x as a float tensor, else a TypeError naming op (and the argument, with name_it)."""
    t = _value(x, op, what)
    if not t.dtype.is_floating:
        article = "an" if t.dtype.name[0] == "i" else "a"
        head = f"{op}: {what} must be" if name_it else f"{op}: expected"
        raise TypeError(f"{head} a float32 or float64 tensor, got {article} {t.dtype.name} tensor")
    return t


def expm1(x, name=None):
    """``exp(x) - 1`` without its cancellation near 0, as ``tf.math.expm1`` (one SIMD kernel,
    Note [Expm1]). Gradient ``exp(x)``, of every order."""
    return _core.expm1(_float(x, "expm1"))


def log_sigmoid(x, name=None):
    """``log(sigmoid(x)) = -softplus(-x)``, as ``tf.math.log_sigmoid``: finite for any x."""
    return negative(softplus(negative(_float(x, "log_sigmoid"))))


def squared_difference(x, y, name=None):
    """``(x - y) ** 2`` elementwise with broadcasting, as ``tf.math.squared_difference``."""
    return square(subtract(x, y))


def reciprocal(x, name=None):
    """``1 / x``, as ``tf.math.reciprocal``; its gradient is 0 where the incoming one is 0
    (TF's ReciprocalGrad), so an untaken ``where`` branch adds no NaN at x = 0."""
    return _core.reciprocal(_float(x, "reciprocal"))


def rsqrt(x, name=None):
    """``1 / sqrt(x)``, as ``tf.math.rsqrt``; its gradient is 0 where the incoming one is 0
    (TF's RsqrtGrad), so an untaken ``where`` branch adds no NaN at x <= 0."""
    return _core.rsqrt(_float(x, "rsqrt"))


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """The population variance ``mean((x - mean(x))**2)`` over ``axis``, as
    ``tf.math.reduce_variance`` (differentiable; float tensors)."""
    x = _float(input_tensor, "reduce_variance", "input_tensor")
    means = reduce_mean(x, axis, True)
    return reduce_mean(squared_difference(x, means), axis, keepdims)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """``sqrt(reduce_variance(x))``, as ``tf.math.reduce_std`` (its gradient where the variance
    is 0 is NaN/inf, as TF's)."""
    return sqrt(reduce_variance(_float(input_tensor, "reduce_std", "input_tensor"), axis, keepdims))


def add_n(inputs, name=None):
    """The elementwise sum of a list of tensors of one shape and dtype, as ``tf.math.add_n``
    (no broadcasting: a differing shape is an InvalidArgumentError)."""
    from .errors import InvalidArgumentError
    if isinstance(inputs, (_core.Tensor, _core.Variable)):
        # TF iterates a tensor given as the list: the sum of its rows
        t = _value(inputs, "add_n", "inputs")
        if t.ndim == 0:
            raise TypeError("add_n: inputs must be a list of tensors, got a scalar tensor")
        if t.shape[0] == 0:
            raise ValueError("add_n: inputs must be a non-empty list of tensors")
        return _core.reduce_sum(t, 0)
    items = [_value(v, "add_n", "inputs") for v in (inputs if isinstance(inputs, (list, tuple)) else [inputs])]
    if not items:
        raise ValueError("add_n: inputs must be a non-empty list of tensors")
    for t in items[1:]:
        if t.shape != items[0].shape:
            raise InvalidArgumentError(f"add_n: all inputs must have the same shape, got {list(items[0].shape)} "
                                       f"and {list(t.shape)}")
    out = items[0]
    for t in items[1:]:
        out = add(out, t)
    return out


def is_nan(x, name=None):
    """A bool tensor, True where x is NaN, as ``tf.math.is_nan`` (float tensors)."""
    t = _float(x, "is_nan")
    return not_equal(t, t)


def is_inf(x, name=None):
    """A bool tensor, True where x is +-inf, as ``tf.math.is_inf``."""
    return equal(abs(_float(x, "is_inf")), float("inf"))


def is_finite(x, name=None):
    """A bool tensor, True where x is neither NaN nor +-inf, as ``tf.math.is_finite``."""
    t = _float(x, "is_finite")
    return equal(subtract(t, t), 0.0)  # inf - inf and NaN - NaN are NaN


def floor(x, name=None):
    """The largest integer value not above x, elementwise, as ``tf.math.floor`` (float tensors;
    no gradient, as TF's)."""
    return floordiv(_float(x, "floor"), 1.0)


def ceil(x, name=None):
    """The smallest integer value not below x, as ``tf.math.ceil`` (no gradient)."""
    return negative(floordiv(negative(_float(x, "ceil")), 1.0))


def round(x, name=None):  # noqa: A001 (TF's name)
    """x rounded to the nearest integer, halves to even (banker's rounding), as
    ``tf.math.round``; the sign of zero kept (``round(-0.4)`` is ``-0.0``). No gradient."""
    t = _value(x, "round")
    if t.dtype.is_integer:  # TF: an int tensor rounds to itself
        return t
    t = _float(t, "round")
    with _no_tape():
        r = floordiv(t, 1.0)
        d = subtract(t, r)  # exact
        up = add(r, 1.0)
        tie = _core.where(equal(floormod(r, 2.0), 0.0), r, up)
        res = _core.where(greater(d, 0.5), up, _core.where(less(d, 0.5), r, tie))
        return _core.where(equal(res, 0.0), multiply(t, 0.0), res)


def divide_no_nan(x, y, name=None):
    """``x / y``, and 0 where ``y`` is 0 (even for x 0, inf or NaN), as
    ``tf.math.divide_no_nan``. Its gradients are 0 there too."""
    a, b = _pair(x, y, "divide_no_nan")
    if a.dtype != b.dtype:
        raise TypeError(f"divide_no_nan: `x` and `y` must have the same dtype, got "
                        f"{a.dtype.name} != {b.dtype.name}")
    if a.dtype.is_integer:  # TF's _TRUEDIV_TABLE: int32/int64 divide as float64, uint8 as float32
        f = "float32" if a.dtype.name == "uint8" else "float64"
        a, b = _core.cast(a, f), _core.cast(b, f)
    a, b = _float(a, "divide_no_nan"), _float(b, "divide_no_nan", "y")
    zero = equal(b, 0.0)
    safe = _core.where(zero, _core._constant(1.0, b.dtype), b)
    return _core.where(zero, _core._constant(0.0, a.dtype), divide(a, safe))


def count_nonzero(input, axis=None, keepdims=None, dtype="int64", name=None):  # noqa: A002
    """The number of nonzero elements over ``axis`` (None: all), as ``tf.math.count_nonzero``
    (int64 by default)."""
    from .dtypes import as_dtype
    t = _value(input, "count_nonzero", "input")
    nz = not_equal(t, False) if t.dtype.name == "bool" else not_equal(t, 0)
    return reduce_sum(_core.cast(nz, as_dtype(dtype)), axis, bool(keepdims))


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """``x / sqrt(max(sum(x**2, axis), epsilon))``, as ``tf.math.l2_normalize`` /
    ``tf.nn.l2_normalize`` (``axis`` None: over all elements)."""
    t = _float(x, "l2_normalize")
    axis = dim if axis is None else axis
    ss = reduce_sum(square(t), axis, True)
    return multiply(t, rsqrt(maximum(ss, _core._constant(float(epsilon), t.dtype))))



def _where_zero(cond, value):
    """``value`` with 0 where ``cond``."""
    return _core.where(cond, _core._constant(0.0, value.dtype), value)


def xlogy(x, y, name=None):
    """``x * log(y)``, and 0 where ``x`` is 0 (whatever y is), as ``tf.math.xlogy``; its
    gradients are 0 there too (TF's)."""
    a, b = _float(x, "xlogy"), _float(y, "xlogy", "y")
    zero = equal(a, 0.0)
    safe = _core.where(zero, _core._constant(1.0, b.dtype), b)
    return _where_zero(zero, multiply(a, log(safe)))


def xdivy(x, y, name=None):
    """``x / y``, and 0 where ``x`` is 0 (whatever y is), as ``tf.math.xdivy``; its gradients
    are 0 there too (TF's)."""
    a, b = _float(x, "xdivy"), _float(y, "xdivy", "y")
    zero = equal(a, 0.0)
    safe = _core.where(zero, _core._constant(1.0, b.dtype), b)
    return _where_zero(zero, divide(a, safe))


def multiply_no_nan(x, y, name=None):
    """``x * y``, and 0 where ``y`` is 0 even if x is inf or NaN, as ``tf.math.multiply_no_nan``.
    Gradients are TF's: ``multiply_no_nan(dy, y)`` for x and ``multiply_no_nan(x, dy)`` for y."""
    from ._custom_gradient import custom_gradient
    a, b = _float(x, "multiply_no_nan"), _float(y, "multiply_no_nan", "y")
    if a.dtype != b.dtype:
        raise TypeError(f"multiply_no_nan: x and y must have one dtype, got {a.dtype.name} and {b.dtype.name}")

    @custom_gradient
    def _mul(u, v):
        with _no_tape():
            out = _where_zero(equal(v, 0.0), multiply(u, v))

        def grad(dy):
            return (_core.sum_to(multiply_no_nan(dy, v), u.shape), _core.sum_to(multiply_no_nan(u, dy), v.shape))
        return out, grad
    return _mul(a, b)


def reciprocal_no_nan(x, name=None):
    """``1 / x``, and 0 where x is 0, as ``tf.math.reciprocal_no_nan``."""
    t = _float(x, "reciprocal_no_nan")
    return divide_no_nan(_core._constant(1.0, t.dtype), t)


def softsign(features, name=None):
    """``x / (1 + |x|)``, as ``tf.math.softsign`` / ``tf.nn.softsign``. Gradient
    ``1 / (1 + |x|)^2`` (TF's; not the quotient rule, which cancels for large |x|), of every
    order."""
    from ._custom_gradient import custom_gradient
    t = _float(features, "softsign", "features")

    def one_plus_abs(v):
        return add(_core._constant(1.0, v.dtype), abs(v))

    @custom_gradient
    def _softsign(v):
        with _no_tape():
            y = divide(v, one_plus_abs(v))
        return y, lambda dy: divide(dy, square(one_plus_abs(v)))  # recorded: any order
    return _softsign(t)


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """``sqrt(sum(x**2))`` over ``axis`` (None: all), as ``tf.math.reduce_euclidean_norm``
    (float tensors; its gradient at an all-zero slice is NaN, as TF's)."""
    t = _value(input_tensor, "reduce_euclidean_norm", "input_tensor")
    if t.dtype.is_integer:
        # TF's int kernel: the square root of the int sum of squares, truncated to an int
        # (computed in float64: exact for every sum below 2**53).
        s = reduce_sum(multiply(t, t), axis, bool(keepdims))
        return _core.cast(floor(sqrt(_core.cast(s, "float64"))), t.dtype)
    t = _float(t, "reduce_euclidean_norm", "input_tensor")
    return sqrt(reduce_sum(square(t), axis, bool(keepdims)))


def scalar_mul(scalar, x, name=None):
    """``scalar * x``, as ``tf.math.scalar_mul`` (``scalar`` a number or a 0-d tensor)."""
    if isinstance(scalar, _core.Tensor) and scalar.ndim != 0:
        raise ValueError(f"scalar_mul: scalar must be a 0-D tensor, got shape {list(scalar.shape)}")
    return multiply(scalar, x)


# -- hyperbolic functions: values computed with no tape, gradients recorded (any order) ---------

def _hyperbolic(name, value, derivative):
    from ._custom_gradient import custom_gradient

    op = name

    def fn(x, name=None):
        @custom_gradient
        def _f(v):
            with _no_tape():
                y = value(v)
            return y, lambda dy: multiply(dy, derivative(v))
        return _f(_float(x, op))
    fn.__name__ = fn.__qualname__ = op
    return fn


def _one(t):
    return _core._constant(1.0, t.dtype)


def _big(t):
    """|t| past which t**2 overflows float32 (asinh, acosh use log(2|t|) there)."""
    return greater(abs(t), _core._constant(2.0 ** 28, t.dtype))


def _exp_half_squared(a):
    """e^a / 2 for a >= 0 as (e^(a/2))^2 / 2: finite up to where e^a / 2 itself overflows
    (float32 a <= 89.4, float64 a <= 710.4), where exp(a) alone overflows past 88.7 / 709.8."""
    e = exp(multiply(a, 0.5))
    return multiply(e, multiply(e, 0.5))


def _exp_limit(v):
    """|v| past which exp(v) overflows: 88 (float32), 709 (float64)."""
    return _core._constant(88.0 if v.dtype.name == "float32" else 709.0, v.dtype)


def _sinh_value(v):
    small = less(abs(v), 1.0)
    u = expm1(_core.where(small, v, _core._constant(0.0, v.dtype)))  # e^v - 1, no cancellation
    near = multiply(0.5, add(u, divide(u, add(u, 1.0))))               # (e^v - e^-v) / 2
    far = multiply(0.5, subtract(exp(v), exp(negative(v))))
    a = abs(v)
    huge = greater(a, _exp_limit(v))  # e^-|v| is negligible there
    far = _core.where(huge, multiply(sign(v), _exp_half_squared(a)), far)
    return _core.where(small, near, far)


def _cosh_value(v):
    a = abs(v)
    return _core.where(greater(a, _exp_limit(v)), _exp_half_squared(a),
                       multiply(0.5, add(exp(v), exp(negative(v)))))


def _with_sign_of(v, r):
    """An odd function's value from r = f(|v|): -r where v < 0, v itself at +-0 (keeps -0),
    r elsewhere (NaN stays NaN)."""
    return _core.where(less(v, 0.0), negative(r), _core.where(equal(v, 0.0), v, r))


def _asinh_value(v):
    a = abs(v)
    big = _big(v)
    safe = _core.where(big, _one(v), a)
    near = log1p(add(safe, divide(square(safe), add(_one(v), sqrt(add(_one(v), square(safe)))))))
    far = add(log(_core.where(big, a, _one(v))), 0.6931471805599453)
    r = _core.where(big, far, near)
    return _with_sign_of(v, r)


def _nan_below_one(v, y):
    """y, and NaN where v < 1 (acosh's domain; NaN v stays NaN)."""
    return _core.where(less(v, 1.0), _core._constant(float("nan"), v.dtype), y)


def _acosh_value(v):
    big = _big(v)
    t = subtract(_core.where(big, _core._constant(2.0, v.dtype), v), 1.0)  # x - 1, exact near 1
    near = log1p(add(t, sqrt(multiply(t, add(t, 2.0)))))
    far = add(log(_core.where(big, abs(v), _one(v))), 0.6931471805599453)
    return _nan_below_one(v, _core.where(big, far, near))


def _atanh_value(v):
    # On |x| with x's sign put back: near -1, log1p(2x / (1 - x)) takes an argument near -1,
    # where its rounding error turns into a large relative error.
    a = abs(v)
    r = multiply(0.5, log1p(divide(multiply(2.0, a), subtract(1.0, a))))
    return _with_sign_of(v, r)


sinh = _hyperbolic("sinh", _sinh_value, lambda v: cosh(v))
sinh.__doc__ = """``(e^x - e^-x) / 2``, as ``tf.math.sinh``: through ``expm1`` where |x| < 1 (no
    cancellation near 0). Gradient ``cosh(x)``, of every order."""
cosh = _hyperbolic("cosh", _cosh_value, lambda v: sinh(v))
cosh.__doc__ = """``(e^x + e^-x) / 2``, as ``tf.math.cosh``. Gradient ``sinh(x)``, of every order."""
asinh = _hyperbolic("asinh", _asinh_value,
                    lambda v: divide(1.0, sqrt(add(1.0, square(v)))))
asinh.__doc__ = """The inverse of sinh, as ``tf.math.asinh``: ``log1p(|x| + x^2 / (1 + sqrt(1 +
    x^2)))`` with x's sign (accurate near 0; ``log(2|x|)`` past 2^28). Gradient
    ``1 / sqrt(1 + x^2)``, of every order."""
acosh = _hyperbolic("acosh", _acosh_value,
                    lambda v: _nan_below_one(v, divide(1.0, sqrt(multiply(subtract(v, 1.0), add(v, 1.0))))))
acosh.__doc__ = """The inverse of cosh on x >= 1 (NaN below), as ``tf.math.acosh``: ``log1p(t +
    sqrt(t (t + 2)))`` for ``t = x - 1`` (accurate near 1; ``log(2x)`` past 2^28). Gradient
    ``1 / sqrt(x^2 - 1)``, of every order (NaN below 1, as TF's)."""
atanh = _hyperbolic("atanh", _atanh_value, lambda v: divide(1.0, subtract(1.0, square(v))))
atanh.__doc__ = """The inverse of tanh on (-1, 1) (+-inf at +-1, NaN past), as ``tf.math.atanh``:
    ``log1p(2|x| / (1 - |x|)) / 2`` with x's sign (accurate near -1 and 1). Gradient
    ``1 / (1 - x^2)``, of every order."""



# -- inverse sine, cosine, two-argument arctangent: numpy's values (its float32 and float64
#    functions, within an ulp), gradients from recorded ops (any order) ------------------------

def _np_value(fn, *ts):
    import numpy as np
    with np.errstate(invalid="ignore", divide="ignore"):
        out = fn(*[t.numpy() for t in ts])
    return _core._constant(np.asarray(out, dtype=ts[0].dtype.as_numpy_dtype), ts[0].dtype)


def asin(x, name=None):
    """The inverse of sin on [-1, 1] (NaN outside), as ``tf.math.asin``. Gradient
    ``1 / sqrt(1 - x^2)``, of every order."""
    import numpy as np
    from ._custom_gradient import custom_gradient
    t = _float(x, "asin")

    @custom_gradient
    def _asin(v):
        return _np_value(np.arcsin, v), lambda dy: divide(dy, sqrt(multiply(subtract(1.0, v), add(1.0, v))))
    return _asin(t)


def acos(x, name=None):
    """The inverse of cos on [-1, 1] (NaN outside), as ``tf.math.acos``. Gradient
    ``-1 / sqrt(1 - x^2)``, of every order."""
    import numpy as np
    from ._custom_gradient import custom_gradient
    t = _float(x, "acos")

    @custom_gradient
    def _acos(v):
        return _np_value(np.arccos, v), lambda dy: negative(divide(dy, sqrt(multiply(subtract(1.0, v), add(1.0, v)))))
    return _acos(t)


def atan2(y, x, name=None):
    """The angle of the point (x, y), in [-pi, pi], as ``tf.math.atan2(y, x)`` (numpy
    broadcasting; IEEE signed zeros and infinities as numpy's ``arctan2``). Gradients
    ``x / (x^2 + y^2)`` for y and ``-y / (x^2 + y^2)`` for x, of every order."""
    import numpy as np
    from ._custom_gradient import custom_gradient
    a, b = _float(y, "atan2", "y"), _float(x, "atan2", "x")
    if a.dtype != b.dtype:
        raise TypeError(f"atan2: y and x must have one dtype, got {a.dtype.name} and {b.dtype.name}")
    try:
        np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    except ValueError:
        from .errors import InvalidArgumentError
        raise InvalidArgumentError(f"Incompatible shapes for atan2: {tuple(a.shape)} vs. {tuple(b.shape)}") from None

    @custom_gradient
    def _atan2(u, v):
        def grad(dy):
            r = add(square(u), square(v))
            return (_core.sum_to(multiply(dy, divide(v, r)), u.shape),
                    _core.sum_to(negative(multiply(dy, divide(u, r))), v.shape))
        return _np_value(np.arctan2, u, v), grad
    return _atan2(a, b)


__all__ = [
    "add", "subtract", "multiply", "divide", "truediv", "negative", "pow", "square", "sqrt",
    "exp", "log", "log1p", "erf", "erfc", "sin", "cos", "tan", "softplus", "tanh", "sigmoid", "maximum", "minimum", "abs", "sign",
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_logsumexp",
    "floordiv", "floormod", "mod", "expm1", "log_sigmoid", "squared_difference", "reciprocal",
    "rsqrt", "reduce_variance", "reduce_std", "add_n", "is_nan", "is_inf", "is_finite", "floor",
    "ceil", "round", "divide_no_nan", "count_nonzero", "l2_normalize", "cumsum",
    "cumprod", "reduce_prod", "top_k", "softmax", "log_softmax", "xlogy", "xdivy",
    "multiply_no_nan", "reciprocal_no_nan", "softsign", "reduce_euclidean_norm", "scalar_mul",
    "sinh", "cosh", "asinh", "acosh", "atanh", "atan", "asin", "acos", "atan2",
    "unsorted_segment_sum", "segment_sum", "segment_mean", "segment_max", "segment_min",
    "segment_prod", "unsorted_segment_mean", "unsorted_segment_max", "unsorted_segment_min",
    "unsorted_segment_prod", "bincount", "in_top_k", "confusion_matrix", "cumulative_logsumexp",
]

# Special functions (tapegrad/_special.py); tf.math.special is a namespace module of its own.
from ._special import lgamma, digamma, polygamma, zeta, erfinv, erfcinv, ndtri, lbeta, betainc, \
    igamma, igammac, bessel_i0, bessel_i0e, bessel_i1, bessel_i1e, special  # noqa: E402,F401

__all__ += ["lgamma", "digamma", "polygamma", "zeta", "erfinv", "erfcinv", "ndtri", "lbeta",
            "betainc", "igamma", "igammac", "bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e",
            "special"]

# tf.math names from _compat_ops (imported last: it uses this module's helpers).
from ._compat_ops import invert_permutation, is_non_decreasing, is_strictly_increasing, rint, \
    accumulate_n, zero_fraction, unsorted_segment_sqrt_n, xlog1py, polyval, nextafter  # noqa: E402,F401

__all__ += ["invert_permutation", "is_non_decreasing", "is_strictly_increasing", "rint",
            "accumulate_n", "zero_fraction", "unsorted_segment_sqrt_n", "xlog1py", "polyval",
            "nextafter"]


# -- complex-number accessors on real tensors, approximate top-k (session 24) ----------------------
# tapegrad has no complex dtypes: real/imag/conj/angle take the real-input paths of TF's Python
# wrappers (math_ops.real etc.), which is what TF runs for a float or integer tensor.

def _numeric(x, op, what="input"):
    t = _value(x, op, what)
    if t.dtype.name == "bool":
        raise TypeError(f"{op}: expected a numeric tensor, got a bool tensor")
    return t


def real(input, name=None):  # noqa: A002 (TF's name)
    """The real part of ``input``, as ``tf.math.real``: for a real (float or integer) tensor,
    the tensor itself (TF returns its input unchanged), so the gradient is 1. tapegrad has no
    complex dtypes."""
    return _numeric(input, "real")


def imag(input, name=None):  # noqa: A002
    """The imaginary part of ``input``, as ``tf.math.imag``: zeros of a real tensor's shape
    and dtype (TF's ``zeros_like``: no gradient path, so ``tape.gradient`` gives None)."""
    t = _numeric(input, "imag")
    return _core._fill(tuple(t.shape), 0.0, t.dtype)


def conj(x, name=None):
    """The complex conjugate, as ``tf.math.conj``: a real (float or integer) tensor itself, as
    TF (gradient 1). A bool tensor is a TypeError, as TF's."""
    return _numeric(x, "conj", "x")


def angle(input, name=None):  # noqa: A002
    """The argument of ``input``, as ``tf.math.angle``: for a real tensor ``pi`` where
    ``input < 0`` and 0 elsewhere (NaN and -0.0 give 0, as TF's ``where(input < 0, pi, 0)``).
    Float tensors only (an integer tensor is a TypeError, as TF's); no gradient (None)."""
    import numpy as np
    t = _numeric(input, "angle")
    if not t.dtype.is_floating:
        raise TypeError(f"angle: cannot convert pi to a {t.dtype.name} tensor (expected a float32 "
                        f"or float64 tensor)")
    v = np.where(t.numpy() < 0, np.pi, 0.0).astype(t.dtype.as_numpy_dtype)
    return _core._constant(v, t.dtype)


def _approx_k(operand, k, reduction_dimension, is_max, op):
    import numpy as np
    from .errors import InvalidArgumentError
    from ._array_ops import top_k as _top_k
    t = _value(operand, op, "operand")
    if not t.dtype.is_floating:
        raise InvalidArgumentError(f"{op}: operand must be a float tensor (half, bfloat16, float), got "
                                   f"{t.dtype.name}")
    if t.ndim < 1:
        raise InvalidArgumentError(f"{op}: input must be >= 1-D, got shape {list(t.shape)}")
    k = int(k)
    if k < 0:
        raise InvalidArgumentError(f"{op}: Value for attr 'k' of {k} must be at least minimum 0")
    d = int(reduction_dimension)
    if not -t.ndim <= d < t.ndim:
        raise InvalidArgumentError(f"{op}: reduction_dimension {d} is out of range for a rank-{t.ndim} "
                                   "operand")
    d %= t.ndim
    if t.shape[d] < k:
        raise InvalidArgumentError(f"{op}: input must have at least k columns. Had {t.shape[d]}, needed {k}")
    perm = list(range(t.ndim))
    perm[d], perm[-1] = perm[-1], perm[d]
    moved = t if d == t.ndim - 1 else _core.transpose(t, perm)
    values, idx = _top_k(moved if is_max else negative(moved), k)
    if not is_max:
        values = negative(values)
    if d != t.ndim - 1:
        values = _core.transpose(values, perm)
        idx = _core._constant(np.ascontiguousarray(np.swapaxes(idx.numpy(), d, -1)), idx.dtype)
    return _ApproxTopK(values, idx)


def _approx_top_k_type():
    import collections
    return collections.namedtuple("ApproxTopK", ["values", "indices"])


_ApproxTopK = _approx_top_k_type()


def approx_max_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None):
    """The ``k`` largest values of ``operand`` along ``reduction_dimension`` and their int32
    indices, as ``tf.math.approx_max_k`` / ``tf.nn.approx_max_k``: an ``ApproxTopK(values,
    indices)`` named tuple, largest first, ties in index order, NaN counted as the largest.

    On the CPU TF's op is exact (``recall_target`` and the other tuning arguments change
    nothing) and so is this one. Differentiable: the gradient goes to the chosen positions
    (TF's). TF's CPU kernel takes float32 only and only the last dimension; this one also
    takes float64 and any ``reduction_dimension`` (as TF's XLA kernel). An integer operand, a
    scalar, a negative ``k`` or ``k`` above the dimension's size are InvalidArgumentErrors,
    as TF's."""
    return _approx_k(operand, k, reduction_dimension, True, "approx_max_k")


def approx_min_k(operand, k, reduction_dimension=-1, recall_target=0.95,
                 reduction_input_size_override=-1, aggregate_to_topk=True, name=None):
    """The ``k`` smallest values of ``operand`` along ``reduction_dimension`` and their int32
    indices, as ``tf.math.approx_min_k`` (smallest first, ties in index order). Exact, as
    ``approx_max_k``; differentiable (gradient to the chosen positions). TF registers no CPU
    kernel for it (NotFoundError there): this one follows its XLA kernel's results."""
    return _approx_k(operand, k, reduction_dimension, False, "approx_min_k")


__all__ += ["real", "imag", "conj", "angle", "approx_max_k", "approx_min_k"]
