"""The seed document's examples, with the numbers and messages it prints."""

import numpy as np
import pytest

import tapegrad as tf


def test_nested_tapes_second_derivative():
    x = tf.constant(5.0)
    with tf.GradientTape() as g:
        g.watch(x)
        with tf.GradientTape() as gg:
            gg.watch(x)
            y = x**2
        dydx1 = gg.gradient(y, x)
    dydx2 = g.gradient(dydx1, x)
    assert repr(dydx1) == "<tapegrad.Tensor: shape=(), dtype=float32, numpy=10.0>"
    assert repr(dydx2) == "<tapegrad.Tensor: shape=(), dtype=float32, numpy=2.0>"


def _chain(tape_kwargs):
    x = tf.constant(5.0)
    with tf.GradientTape(**tape_kwargs) as f:
        f.watch(x)
        y = x**2
        z = y**2
        w = z**2
    return f, x, y, z, w


def test_non_persistent_tape_second_call_fails():
    f, x, y, z, w = _chain({})
    assert float(f.gradient(w, x)) == 625000.0
    with pytest.raises(RuntimeError) as e:
        f.gradient(z, x)
    assert str(e.value) == (
        "A non-persistent GradientTape can only be used to compute one set of gradients "
        "(or jacobians)"
    )


def test_persistent_tape_many_gradients():
    f, x, y, z, w = _chain({"persistent": True})
    assert float(f.gradient(w, x)) == 625000.0
    assert float(f.gradient(z, x)) == 500.0
    assert float(f.gradient(y, x)) == 10.0


def test_watch_accessed_variables_false():
    x = tf.constant(5.0)
    w = tf.constant(2.0)
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as g:
        g.watch(x)
        y = x**3
        z = w**3
    assert g.gradient(y, x).numpy() == 75.0
    assert g.gradient(z, w) is None


def test_chain_rule_on_matrix():
    x = tf.ones((2, 2))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(x)
        z = tf.multiply(y, y)
    dz_dx = t.gradient(z, x)
    np.testing.assert_array_equal(dz_dx.numpy(), [[8.0, 8.0], [8.0, 8.0]])


def test_dense_relu_layer_and_gradient_descent():
    # output = relu(dot(input, W) + b); cost = mean((y_pred - y)^2); W -= lr * dcost/dW
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3)).astype(np.float32)
    y = rng.normal(size=(8, 1)).astype(np.float32)
    W = tf.Variable(rng.normal(size=(3, 1)).astype(np.float32))
    b = tf.Variable(np.zeros(1, np.float32))
    losses = []
    for _ in range(50):
        with tf.GradientTape() as tape:
            y_pred = tf.matmul(x, W) + b
            cost = tf.reduce_mean(tf.square(y_pred - y))
        dW, db = tape.gradient(cost, [W, b])
        # the gradient by hand: 2/N * xᵀ (y_pred - y)
        np.testing.assert_allclose(
            dW.numpy(), 2 / 8 * x.T @ (y_pred.numpy() - y), rtol=1e-5, atol=1e-6)
        W.assign_sub(0.1 * dW)
        b.assign_sub(0.1 * db)
        losses.append(float(cost))
    assert losses[-1] < 0.5 * losses[0]
