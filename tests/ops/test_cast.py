"""cast between float32 and float64: the gradient is cast back to the input's dtype."""

import numpy as np

import tapegrad as tf
from opcases import Case, define_tests, normal


def _roundtrip(x):
    """x -> the other float dtype -> back: both casts record (cast to the same dtype does not)."""
    other = tf.float32 if x.dtype == tf.float64 else tf.float64
    return tf.cast(tf.cast(x, other), x.dtype)


CASES = [
    # In float64 the trip goes through float32, so finite differences need a large step (the
    # function is linear: only the float32 rounding error, about 1e-7 / eps, remains).
    Case("cast_roundtrip", "cast", _roundtrip, lambda x: x.astype(np.float32).astype(np.float64),
         normal((2, 3)), eps=1e-2, grad_tol=dict(rtol=1e-4, atol=1e-4)),
    Case("cast_roundtrip_times_x", "cast", lambda x: _roundtrip(x) * x,
         lambda x: x.astype(np.float32).astype(np.float64) * x, normal((4,)),
         eps=1e-2, grad_tol=dict(rtol=1e-4, atol=1e-4),
         second_kw=dict(second_eps=1e-2, second_rtol=1e-4, second_atol=1e-4),
         fwd_tol={np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


def test_cast_forward_and_gradient_dtypes():
    x64 = np.array([1.0 / 3.0, -2.5, 1e-8])
    x = tf.constant(x64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(x, tf.float32)
        assert y.dtype == tf.float32
        np.testing.assert_array_equal(y.numpy(), x64.astype(np.float32))
    v = np.array([0.1, 2.0, -3.0], dtype=np.float32)
    g = tape.gradient(y, x, output_gradients=tf.constant(v))
    assert g.dtype == tf.float64
    np.testing.assert_array_equal(g.numpy(), v.astype(np.float64))

    x32 = tf.constant(np.array([1.5, -0.25], dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x32)
        z = tf.cast(x32, "float64") * tf.constant(np.array([2.0, 3.0]))
    g = tape.gradient(z, x32)
    assert g.dtype == tf.float32
    np.testing.assert_array_equal(g.numpy(), [2.0, 3.0])


def test_cast_same_dtype_is_identity():
    x = tf.constant(np.array([1.0, 2.0]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(x, tf.float64) * 3.0
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [3.0, 3.0])
