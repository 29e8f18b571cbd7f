"""tapegrad.testing: check tape gradients against central finite differences.

Use float64 inputs: central differences have error O(eps**2) from truncation plus
O(ulp / eps) from rounding, which is about 1e-10 in float64 with ``eps=1e-6`` and useless in
float32.

    import numpy as np, tapegrad as tf
    from tapegrad.testing import numerical_gradient, check_gradients

    numerical_gradient(tf.tanh, np.array([0.5, -1.0]), 1e-6)   # -> 1 - tanh(x)**2
    check_gradients(lambda a, b: a * b, [np.ones((2, 3)), np.arange(3.0)], second_order=True)

A function ``f`` takes one Tensor per input and returns one Tensor (or a list of them).
Gradients are vector-Jacobian products with random ``output_gradients`` (seeded), so every
entry of the Jacobian contributes; ``second_order=True`` also differentiates the first
gradient with an outer tape and compares it with finite differences of that gradient.
"""

import numpy as _np

__all__ = ["numerical_gradient", "tape_gradient", "tape_second_order", "check_gradients",
           "assert_allclose"]


def _tf():
    import tapegrad
    return tapegrad


def _as_list(x):
    return (list(x), False) if isinstance(x, (list, tuple)) else ([x], True)


def _np_out(y):
    ys, _ = _as_list(y)
    return [_np.asarray(v.numpy() if hasattr(v, "numpy") else v, dtype=_np.float64) for v in ys]


def _consts(arrays):
    tf = _tf()
    return [tf.constant(a) for a in arrays]


def _fd(scalar_fn, xs, eps):
    """Central differences of scalar_fn(list of arrays) -> float, one entry at a time."""
    grads = []
    for i, x in enumerate(xs):
        g = _np.zeros(x.shape, dtype=_np.float64)
        for j in range(x.size):
            plus = [a.copy() for a in xs]
            minus = [a.copy() for a in xs]
            plus[i].reshape(-1)[j] += eps
            minus[i].reshape(-1)[j] -= eps
            g.reshape(-1)[j] = (scalar_fn(plus) - scalar_fn(minus)) / (2 * eps)
        grads.append(g)
    return grads


def _seeds(f, xs, output_gradients, seed):
    outs = _np_out(f(*_consts(xs)))
    if output_gradients is None:
        rng = _np.random.default_rng(seed)
        return [rng.standard_normal(o.shape) for o in outs]
    vs, _ = _as_list(output_gradients)
    return [_np.asarray(v, dtype=_np.float64) for v in vs]


def numerical_gradient(f, x, eps=1e-6, output_gradients=None):
    """Central finite-difference gradient of ``sum(output_gradients * f(*x))`` w.r.t. ``x``.

    ``x`` is one array (returns one array) or a list of arrays (returns a list). Without
    ``output_gradients`` this is the gradient of ``reduce_sum(f(x))``, like ``tape.gradient``.
    """
    xl, single = _as_list(x)
    xs = [_np.array(a, dtype=_np.float64) for a in xl]
    if output_gradients is None:
        vs = [_np.ones_like(o) for o in _np_out(f(*_consts(xs)))]
    else:
        vs = [_np.asarray(v, dtype=_np.float64) for v in _as_list(output_gradients)[0]]

    def value(args):
        return float(sum(_np.sum(v * o) for v, o in zip(vs, _np_out(f(*_consts(args))))))

    grads = _fd(value, xs, eps)
    return grads[0] if single else grads


def tape_gradient(f, xs, output_gradients):
    """The tape's gradient of ``f(*xs)`` seeded with ``output_gradients``, as float64 arrays
    (zeros where the tape returns None)."""
    tf = _tf()
    ts = _consts(xs)
    with tf.GradientTape() as tape:
        tape.watch(ts)
        y = f(*ts)
    ys, single = _as_list(y)
    seeds = [tf.constant(_np.asarray(v).astype(o.dtype.as_numpy_dtype)) for v, o in zip(output_gradients, ys)]
    gs = tape.gradient(ys, ts, output_gradients=seeds, unconnected_gradients="zero")
    return [_np.asarray(g.numpy(), dtype=_np.float64) for g in gs]


def tape_second_order(f, xs, output_gradients, second_gradients):
    """``d/dx sum_i <second_gradients[i], d<output_gradients, f(x)>/dx_i>`` with nested tapes:
    an outer tape records the inner tape's gradient computation and differentiates it."""
    tf = _tf()
    ts = _consts(xs)
    with tf.GradientTape() as outer:
        outer.watch(ts)
        with tf.GradientTape() as inner:
            inner.watch(ts)
            y = f(*ts)
        ys, _ = _as_list(y)
        seeds = [tf.constant(_np.asarray(v).astype(o.dtype.as_numpy_dtype))
                 for v, o in zip(output_gradients, ys)]
        gs = inner.gradient(ys, ts, output_gradients=seeds, unconnected_gradients="zero")
    ws = [tf.constant(_np.asarray(w).astype(g.dtype.as_numpy_dtype)) for w, g in zip(second_gradients, gs)]
    hs = outer.gradient(gs, ts, output_gradients=ws, unconnected_gradients="zero")
    return [_np.asarray(h.numpy(), dtype=_np.float64) for h in hs]


def assert_allclose(actual, desired, rtol, atol, what=""):
    """numpy's assert_allclose with the worst entry in the message."""
    actual = _np.asarray(actual, dtype=_np.float64)
    desired = _np.asarray(desired, dtype=_np.float64)
    if actual.shape != desired.shape:
        raise AssertionError(f"{what}: shape {actual.shape} != expected {desired.shape}")
    err = _np.abs(actual - desired) - (atol + rtol * _np.abs(desired))
    if actual.size and not _np.all(err <= 0):  # also catches NaN
        k = int(_np.nanargmax(_np.where(_np.isnan(err), _np.inf, err)))
        raise AssertionError(
            f"{what}: mismatch at flat index {k}: got {actual.reshape(-1)[k]!r}, expected "
            f"{desired.reshape(-1)[k]!r} (rtol={rtol}, atol={atol})\n got:\n{actual}\n"
            f" expected:\n{desired}")


def check_gradients(f, xs, output_gradients=None, eps=1e-6, rtol=1e-6, atol=1e-8,
                    second_order=False, second_eps=1e-5, second_rtol=1e-5, second_atol=1e-7,
                    seed=0):
    """Assert the tape's gradient of ``f`` at ``xs`` matches central finite differences.

    ``xs`` is a list of float64 arrays (one per argument of ``f``). ``output_gradients``
    defaults to seeded standard-normal arrays. With ``second_order=True`` the second-order
    product from :func:`tape_second_order` (random ``second_gradients``) is compared with
    finite differences of the tape's first gradient. Raises AssertionError naming the input
    and the worst entry; returns ``(tape_grads, numerical_grads)``.
    """
    xs = [_np.array(a, dtype=_np.float64) for a in _as_list(xs)[0]]
    vs = _seeds(f, xs, output_gradients, seed)
    analytic = tape_gradient(f, xs, vs)
    numeric = numerical_gradient(f, xs, eps, vs)
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        assert_allclose(a, n, rtol, atol, f"gradient w.r.t. input {i}")
    if second_order:
        rng = _np.random.default_rng(seed + 1)
        ws = [rng.standard_normal(x.shape) for x in xs]
        second = tape_second_order(f, xs, vs, ws)

        def first(args):
            gs = tape_gradient(f, args, vs)
            return float(sum(_np.sum(w * g) for w, g in zip(ws, gs)))

        second_num = _fd(first, xs, second_eps)
        for i, (a, n) in enumerate(zip(second, second_num)):
            assert_allclose(a, n, second_rtol, second_atol, f"second order w.r.t. input {i}")
    return analytic, numeric
