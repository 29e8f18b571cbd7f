"""tf.autodiff.ForwardAccumulator: JVPs against jacobian @ tangent and finite differences,
nesting with GradientTape both ways (Hessian-vector products), structures, errors."""
import numpy as np
import pytest

import tapegrad as tf
from tapegrad.autodiff import ForwardAccumulator

RNG = np.random.default_rng(21)
W = tf.constant(RNG.standard_normal((4, 2)))

FUNCS = {
    "elementwise": lambda x: tf.sin(x) * tf.exp(-x) + x ** 2,
    "matmul_relu": lambda x: tf.nn.relu(tf.matmul(tf.reshape(x, [3, 4]), W)),
    "softmax_sum": lambda x: tf.nn.softmax(tf.reshape(x, [2, 6]), axis=-1) * tf.reduce_sum(x),
    "reduce_gather": lambda x: tf.gather(x, [0, 5, 5, 11]) * tf.reduce_max(x),
    "sigmoid_tanh": lambda x: tf.sigmoid(x[:6]) - tf.tanh(x[6:]) ** 3,
}


@pytest.mark.parametrize("name", list(FUNCS))
def test_jvp_equals_jacobian_times_tangent(name):
    f = FUNCS[name]
    x = tf.constant(RNG.standard_normal(12))
    v = RNG.standard_normal(12)
    with ForwardAccumulator(x, v) as acc:
        y = f(x)
    jvp = acc.jvp(y)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y2 = f(x)
    jac = tape.jacobian(y2, x).numpy().reshape(-1, 12)
    np.testing.assert_allclose(jvp.numpy().ravel(), jac @ v, rtol=1e-10, atol=1e-12)
    # and against central differences of f along v
    eps = 1e-6
    fd = (f(tf.constant(x.numpy() + eps * v)).numpy() - f(tf.constant(x.numpy() - eps * v)).numpy()) / (2 * eps)
    np.testing.assert_allclose(jvp.numpy(), fd, rtol=1e-5, atol=1e-6)
    assert jvp.dtype == y.dtype and tuple(jvp.shape) == tuple(y.shape)


def test_hessian_vector_products_both_nestings():
    a = RNG.standard_normal((5, 5))
    x = tf.constant(RNG.standard_normal(5))
    v = RNG.standard_normal(5)

    def f(z):
        return tf.reduce_sum(tf.matmul(tf.reshape(z, [1, 5]), tf.constant(a)) ** 2) + tf.reduce_sum(z ** 4)

    xs = x.numpy()
    hess = 2 * a @ a.T + np.diag(12 * xs ** 2)
    with ForwardAccumulator(x, v) as acc:  # forward-over-back
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        g = tape.gradient(y, x)
    np.testing.assert_allclose(acc.jvp(g).numpy(), hess @ v, rtol=1e-10)
    with tf.GradientTape() as tape:  # back-over-forward
        tape.watch(x)
        with ForwardAccumulator(x, v) as acc:
            y = f(x)
        jvp = acc.jvp(y)
    np.testing.assert_allclose(tape.gradient(jvp, x).numpy(), hess @ v, rtol=1e-10)


def test_structures_variables_float32_and_unconnected():
    w = tf.Variable(RNG.standard_normal((3, 2)).astype(np.float32))
    b = tf.constant(np.float32([0.5, -1.0]))
    x = tf.constant(RNG.standard_normal((4, 3)).astype(np.float32))
    tw = RNG.standard_normal((3, 2)).astype(np.float32)
    tb = np.float32([1.0, 2.0])
    with ForwardAccumulator({"w": w, "b": b}, {"w": tw, "b": tb}) as acc:
        y = tf.matmul(x, w) + b
        z = tf.constant(np.ones(3, np.float32)) * 2.0  # does not depend on the primals
        k = tf.cast(y > 0, tf.int32)
    out = acc.jvp({"y": y, "z": z, "k": k})
    np.testing.assert_allclose(out["y"].numpy(), x.numpy() @ tw + tb, rtol=1e-5, atol=1e-6)
    assert out["y"].dtype == tf.float32
    assert out["z"] is None and out["k"] is None
    zero = acc.jvp([z], unconnected_gradients="zero")[0]
    np.testing.assert_array_equal(zero.numpy(), np.zeros(3, np.float32))
    # computed after the block: not recorded, so not connected
    after = tf.matmul(x, w)
    assert acc.jvp(after) is None
    # jvp called inside the block leaves the recorded computation alone
    with ForwardAccumulator(w, tw) as acc2:
        y1 = tf.reduce_sum(tf.matmul(x, w))
        first = acc2.jvp(y1)
        y2 = y1 * 3.0
        second = acc2.jvp(y2)
    np.testing.assert_allclose(second.numpy(), 3 * first.numpy(), rtol=1e-6)
    np.testing.assert_allclose(first.numpy(), np.sum(x.numpy() @ tw), rtol=1e-5)


def test_nested_accumulators_give_second_directional_derivatives():
    x = tf.constant([0.3, -0.7])
    u, v = np.array([1.0, 2.0]), np.array([-0.5, 0.25])
    with ForwardAccumulator(x, u) as outer:
        with ForwardAccumulator(x, v) as inner:
            y = tf.reduce_sum(tf.sin(x) * x[0])
        jv = inner.jvp(y)
    # d/du d/dv of sin(x0)x0 + sin(x1)x0
    xs = x.numpy()
    hess = np.array([[2 * np.cos(xs[0]) - xs[0] * np.sin(xs[0]), np.cos(xs[1])],
                     [np.cos(xs[1]), -xs[0] * np.sin(xs[1])]])
    np.testing.assert_allclose(outer.jvp(jv).numpy(), u @ hess @ v, rtol=1e-6)


def test_errors():
    x = tf.constant([1.0, 2.0])
    with pytest.raises(ValueError, match=r"ForwardAccumulator: primals and tangents must have the same structure: got 2 primals and 1 tangents"):
        ForwardAccumulator([x, x], [x])
    with pytest.raises(ValueError, match=r"tangents\[0\] has shape \(3,\), its primal has shape \(2,\)"):
        ForwardAccumulator(x, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"primals\[0\] must be float32 or float64.*int32"):
        ForwardAccumulator(tf.constant([1, 2], dtype=tf.int32), [1, 1])
    with pytest.raises(TypeError, match=r"primals\[0\] must be a Tensor or Variable, got float"):
        ForwardAccumulator([[1.0, 2.0]], [[1.0, 2.0]])
    with pytest.raises(TypeError, match=r"tangents\[0\] could not be converted"):
        ForwardAccumulator(x, "ab")
    with ForwardAccumulator(x, [1.0, 1.0]) as acc:
        y = x * 2.0
    with pytest.raises(TypeError, match=r"ForwardAccumulator.jvp: expected Tensors, got ndarray"):
        acc.jvp(np.ones(2))
    with pytest.raises(ValueError, match="Unknown value for unconnected_gradients"):
        acc.jvp(y, unconnected_gradients="maybe")
    assert tf.autodiff.GradientTape is tf.GradientTape
