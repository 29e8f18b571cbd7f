"""nn.softmax / nn.log_softmax on every axis (default -1), including rank 1 and rank 3."""

import numpy as np

import tapegrad as tf
from opcases import Case, define_tests, normal


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis):
    z = x - x.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


CASES = []
for name, fn, ref in (("softmax", tf.nn.softmax, _softmax), ("log_softmax", tf.nn.log_softmax, _log_softmax)):
    CASES.append(Case(f"{name}_default_axis", name, fn, (lambda ref: lambda x: ref(x, -1))(ref),
                      normal((3, 4), scale=2.0)))
    CASES.append(Case(f"{name}_1d", name, fn, (lambda ref: lambda x: ref(x, -1))(ref), normal((5,))))
    for axis in (0, 1, 2, -1, -2):
        CASES.append(Case(f"{name}_3d_axis{axis}", name,
                          (lambda fn, axis: lambda x: fn(x, axis=axis))(fn, axis),
                          (lambda ref, axis: lambda x: ref(x, axis))(ref, axis), normal((2, 3, 4), scale=2.0)))

test_forward, test_gradient, test_second_order = define_tests(CASES)


def test_softmax_is_stable_for_large_logits():
    for dtype in (np.float32, np.float64):
        x = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1000.0, -1002.0]], dtype=dtype)
        got = tf.nn.softmax(tf.constant(x)).numpy()
        np.testing.assert_allclose(got, _softmax(x.astype(np.float64), -1), rtol=1e-5)
        got = tf.nn.log_softmax(tf.constant(x), axis=0).numpy()
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, _log_softmax(x.astype(np.float64), 0), rtol=1e-5, atol=1e-5)


def test_softmax_large_rows_forward():
    rng = np.random.default_rng(4)
    for dtype in (np.float32, np.float64):
        x = (3 * rng.standard_normal((37, 129))).astype(dtype)
        tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
        for axis in (0, 1):
            np.testing.assert_allclose(tf.nn.softmax(tf.constant(x), axis).numpy(),
                                       _softmax(x.astype(np.float64), axis), **tol)
            np.testing.assert_allclose(tf.nn.log_softmax(tf.constant(x), axis).numpy(),
                                       _log_softmax(x.astype(np.float64), axis), **tol)
