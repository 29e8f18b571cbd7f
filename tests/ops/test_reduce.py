"""reduce_sum / reduce_mean / reduce_max / reduce_min over axis None, single, negative and several axes,
with and without keepdims."""

import numpy as np
import pytest

import tapegrad as tf
from opcases import Case, define_tests, distinct, normal

S = (2, 3, 4)
AXES = [None, 0, -1, 1, (0, 2), [-1, 0], (0, 1, 2)]

CASES = []
for name, fn, ref, gen in (("reduce_sum", tf.reduce_sum, np.sum, normal(S)),
                           ("reduce_mean", tf.reduce_mean, np.mean, normal(S)),
                           ("reduce_max", tf.reduce_max, np.max, distinct(S)),
                           ("reduce_min", tf.reduce_min, np.min, distinct(S))):
    for axis in AXES:
        for keep in (False, True):
            tag = "all" if axis is None else "_".join(map(str, np.atleast_1d(axis)))
            nax = axis if axis is None or np.isscalar(axis) else tuple(axis)
            CASES.append(Case(
                f"{name}_{tag}{'_keep' if keep else ''}", name,
                (lambda fn, axis, keep: lambda x: fn(x, axis=axis, keepdims=keep))(fn, axis, keep),
                (lambda ref, nax, keep: lambda x: ref(x, axis=nax, keepdims=keep))(ref, nax, keep),
                gen))
CASES += [
    Case("reduce_sum_1d", "reduce_sum", tf.reduce_sum, np.sum, normal((7,))),
    Case("reduce_max_scalar", "reduce_max", tf.reduce_max, np.max, normal(())),
    Case("reduce_min_scalar", "reduce_min", tf.reduce_min, np.min, normal(())),
    Case("reduce_min_math", "reduce_min", lambda x: tf.math.reduce_min(x, 0), lambda x: x.min(0),
         distinct((4, 3))),
    Case("reduce_mean_math", "reduce_mean", lambda x: tf.math.reduce_mean(x, 1), lambda x: x.mean(1),
         normal((3, 5))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


def test_reduce_max_gradient_at_tie_is_not_doubled():
    # A tie must not give each maximal entry the full gradient AND count it twice in total;
    # TF splits it evenly. What matters here: the total equals the upstream gradient.
    x = tf.constant(np.array([[1.0, 3.0, 3.0], [0.0, -1.0, 2.0]]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_max(x, axis=1)
    g = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(g.sum(axis=1), [1.0, 1.0])
    np.testing.assert_array_equal(g[1], [0.0, 0.0, 1.0])


def test_reduce_min_gradient_at_tie_is_split_evenly():
    # TF: the upstream gradient is shared evenly by the minimal entries.
    x = tf.constant(np.array([[1.0, -3.0, -3.0], [0.0, -1.0, 2.0]]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_min(x, axis=1)
    g = tape.gradient(y, x).numpy()
    np.testing.assert_array_equal(g, [[0.0, 0.5, 0.5], [0.0, 1.0, 0.0]])


def test_reduce_min_of_nothing_is_inf_and_of_nan_is_nan():
    # As TF / np.min with an initial value: the empty minimum is +inf (the maximum's -inf).
    e = tf.zeros((0, 3))
    np.testing.assert_array_equal(tf.reduce_min(e, 0).numpy(), [np.inf] * 3)
    np.testing.assert_array_equal(tf.reduce_max(e, 0).numpy(), [-np.inf] * 3)
    assert np.isnan(tf.reduce_min(tf.constant([1.0, np.nan, -2.0])).numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axis", [((1000,), None), ((33, 65), 0), ((33, 65), 1),
                                        ((17, 9, 31), (0, 2)), ((5, 0, 3), 1)])
def test_reduce_large_forward(shape, axis, dtype):
    rng = np.random.default_rng(len(shape) * 100 + shape[-1])
    x = rng.standard_normal(shape).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    t = tf.constant(x)
    np.testing.assert_allclose(tf.reduce_sum(t, axis).numpy(), x.astype(np.float64).sum(axis), **tol)
    if x.size and x.shape[axis if isinstance(axis, int) else 0]:
        np.testing.assert_allclose(tf.reduce_mean(t, axis).numpy(), x.astype(np.float64).mean(axis), **tol)
        np.testing.assert_array_equal(tf.reduce_max(t, axis).numpy(), x.max(axis))
        np.testing.assert_array_equal(tf.reduce_min(t, axis).numpy(), x.min(axis))
