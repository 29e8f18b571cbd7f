"""The one-pass optimizer updates behind keras.optimizers: checks before writes, in place."""

import numpy as np
import pytest

import tapegrad as tf


def test_adam_update_matches_formula_and_is_in_place():
    w, m, v = tf.Variable([1.0, 2.0]), tf.Variable([0.1, 0.2]), tf.Variable([0.3, 0.4])
    g = np.array([0.5, -1.0], np.float32)
    ids = (w._storage_id(), m._storage_id(), v._storage_id())
    w._adam(g, m, v, None, 0.01, 0.9, 0.999, 1e-7)
    m_ref = np.float32([0.1, 0.2]) + (g - [0.1, 0.2]) * 0.1
    v_ref = np.float32([0.3, 0.4]) + (g * g - [0.3, 0.4]) * np.float32(0.001)
    np.testing.assert_allclose(m.numpy(), m_ref, rtol=1e-6)
    np.testing.assert_allclose(v.numpy(), v_ref, rtol=1e-6)
    np.testing.assert_allclose(w.numpy(), [1.0, 2.0] - 0.01 * m_ref / (np.sqrt(v_ref) + 1e-7),
                               rtol=1e-6)
    assert (w._storage_id(), m._storage_id(), v._storage_id()) == ids


def test_failed_update_changes_nothing():
    w, m, v = tf.Variable([1.0, 2.0]), tf.Variable([0.0, 0.0]), tf.Variable([0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"Adam.*\(2,\)"):
        w._adam([1.0, 1.0], m, v, None, 0.1, 0.9, 0.999, 1e-7)
    with pytest.raises(TypeError, match="float64"):
        w._sgd_momentum(tf.constant(np.ones(2)), m, 0.1, 0.9, False)
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(m.numpy(), [0.0, 0.0])


def test_update_never_changes_tensors_users_hold():
    w, m = tf.Variable([1.0, 2.0]), tf.Variable([0.0, 0.0])
    held_w, held_m = w.read_value(), m.read_value()
    w._sgd_momentum([1.0, 1.0], m, 0.5, 0.9, True)
    np.testing.assert_array_equal(held_w.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(held_m.numpy(), [0.0, 0.0])
    np.testing.assert_allclose(m.numpy(), [-0.5, -0.5])
    np.testing.assert_allclose(w.numpy(), [1.0 + 0.9 * -0.5 - 0.5, 2.0 + 0.9 * -0.5 - 0.5],
                               rtol=1e-6)


def test_large_update_uses_threads_and_agrees():
    n = 300_000
    rng = np.random.default_rng(0)
    g = rng.normal(size=n).astype(np.float32)
    results = []
    for threads in (1, 2):
        tf.set_num_threads(threads)
        w, v = tf.Variable(np.ones(n, np.float32)), tf.Variable(np.zeros(n, np.float32))
        w._rmsprop(g, v, None, 0.01, 0.9, 0.0, 1e-7)
        results.append(w.numpy())
    np.testing.assert_array_equal(results[0], results[1])
    v_ref = 0.1 * g.astype(np.float64) ** 2
    np.testing.assert_allclose(results[0], 1 - 0.01 * g / np.sqrt(v_ref + 1e-7), rtol=1e-5)
