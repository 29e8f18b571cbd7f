"""Composites without an ops.def row (stop_gradient, clip_by_value, clip_by_norm, tf.nn's
cross-entropies, l2_loss, bias_add) and the custom_gradient row: their gradients are those of
the ops they are built from."""

import numpy as np
import pytest

import tapegrad as tf
from opcases import Case, away_from_zero, define_tests, distinct, normal, positive
from tapegrad.testing import check_gradients, numerical_gradient


def _clip_inputs(shape, lo=-0.5, hi=0.7, margin=0.05):
    def gen(rng):
        x = rng.uniform(-1.5, 1.5, shape)
        # keep away from the clip points, where the gradient jumps
        for edge in (lo, hi):
            x = np.where(np.abs(x - edge) < margin, x + 3 * margin, x)
        return [x]
    return gen


def _clip_by_norm_ref(x, c, axes=None):
    n = np.sqrt((x * x).sum(axis=axes, keepdims=True))
    return x * c / np.maximum(n, c)


def _log_softmax(z, axis=-1):
    m = z.max(axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis, keepdims=True))


@tf.custom_gradient
def _cube(x):
    def grad(dy):
        return dy * 3.0 * x * x  # written with ops, so it has a second derivative
    return x * x * x, grad


@tf.custom_gradient
def _scaled_sum(x, y):
    # z = x * exp(y), y broadcast over x's rows, with the gradient by hand
    e = tf.exp(y)

    def grad(dz):
        return dz * e, tf.reduce_sum(dz * x * e, axis=0)
    return x * e, grad


CASES = [
    Case("clip_by_value", ("minimum", "maximum"), lambda x: tf.clip_by_value(x, -0.5, 0.7),
         lambda x: np.clip(x, -0.5, 0.7), _clip_inputs((3, 4))),
    Case("clip_by_value_tensor_bounds", ("minimum", "maximum"),
         lambda x, lo, hi: tf.clip_by_value(x, lo, hi), lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
         lambda rng: _clip_inputs((2, 3))(rng) + [np.full((3,), -0.5), np.full((1, 3), 0.7)]),
    # norms above the clip (scaled) and below it (identity), whole tensor and per axis
    Case("clip_by_norm_clipped", "sqrt", lambda x: tf.clip_by_norm(x, 0.5),
         lambda x: _clip_by_norm_ref(x, 0.5), normal((3, 4))),
    Case("clip_by_norm_unclipped", "sqrt", lambda x: tf.clip_by_norm(x, 50.0) * 1.0,
         lambda x: _clip_by_norm_ref(x, 50.0), normal((3, 4))),
    Case("clip_by_norm_axis1", "sqrt", lambda x: tf.clip_by_norm(x, 1.0, axes=[1]),
         lambda x: _clip_by_norm_ref(x, 1.0, axes=1), lambda rng: [rng.standard_normal((3, 4)) *
                                                                   np.array([[0.1], [1.0], [3.0]])]),
    Case("clip_by_norm_tensor_clip", ("sqrt", "maximum"), lambda x, c: tf.clip_by_norm(x, c),
         lambda x, c: _clip_by_norm_ref(x, c), lambda rng: [rng.standard_normal((5,)), np.array(0.7)]),
    Case("custom_gradient_cube", "custom_gradient", _cube, lambda x: x ** 3, normal((2, 3))),
    # tf.nn's losses: labels and logits both differentiated (TF gives labels a gradient too)
    Case("nn_softmax_cross_entropy", "log_softmax",
         lambda y, z: tf.nn.softmax_cross_entropy_with_logits(y, z), lambda y, z: -(y * _log_softmax(z)).sum(-1),
         lambda rng: [rng.dirichlet(np.ones(5), 3), 3 * rng.standard_normal((3, 5))]),
    Case("nn_softmax_cross_entropy_axis0", "log_softmax",
         lambda y, z: tf.nn.softmax_cross_entropy_with_logits(y, z, axis=0),
         lambda y, z: -(y * _log_softmax(z, 0)).sum(0),
         lambda rng: [rng.dirichlet(np.ones(4), 3).T, rng.standard_normal((4, 3))]),
    Case("nn_sparse_softmax_cross_entropy", "log_softmax",
         lambda z: tf.nn.sparse_softmax_cross_entropy_with_logits(np.array([[0, 4], [2, 2]]), z),
         lambda z: -np.take_along_axis(_log_softmax(z), np.array([[0, 4], [2, 2]])[..., None], -1)[..., 0],
         normal((2, 2, 5), scale=3.0)),
    Case("nn_sigmoid_cross_entropy", ("log1p", "custom_gradient"),
         lambda y, z: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z),
         lambda y, z: np.logaddexp(0, z) - y * z,
         lambda rng: [rng.uniform(0, 1, (3, 4)), 4 * rng.standard_normal((3, 4))]),
    Case("nn_leaky_relu", "leaky_relu", tf.nn.leaky_relu,
         lambda x: np.where(x > 0, x, 0.2 * x), away_from_zero((3, 4))),
    Case("nn_leaky_relu_alpha_above_1", "leaky_relu", lambda x: tf.nn.leaky_relu(x, 1.5),
         lambda x: np.where(x > 0, x, 1.5 * x), away_from_zero((5,))),
    Case("reduce_logsumexp_all", ("exp", "log"), tf.reduce_logsumexp,
         lambda x: np.log(np.exp(x).sum()), normal((3, 4))),
    Case("reduce_logsumexp_axis1", ("exp", "log"), lambda x: tf.math.reduce_logsumexp(x, 1),
         lambda x: np.log(np.exp(x).sum(1)), normal((3, 4), scale=5.0)),
    Case("reduce_logsumexp_axes_keep", ("exp", "log"),
         lambda x: tf.math.reduce_logsumexp(x, (0, 2), keepdims=True),
         lambda x: np.log(np.exp(x).sum((0, 2), keepdims=True)), normal((2, 3, 4))),
    Case("softplus", ("log1p", "exp", "custom_gradient"), tf.math.softplus, lambda x: np.logaddexp(0, x),
         normal((3, 4), scale=6.0)),
    Case("nn_softplus", ("log1p", "exp", "custom_gradient"), tf.nn.softplus, lambda x: np.logaddexp(0, x),
         normal((5,), scale=0.5)),
    Case("norm_all", "sqrt", tf.norm, np.linalg.norm, normal((3, 4))),
    Case("norm_axis1_keep", "sqrt", lambda x: tf.norm(x, axis=1, keepdims=True),
         lambda x: np.linalg.norm(x, axis=1, keepdims=True), normal((3, 4))),
    Case("norm_ord1", "abs", lambda x: tf.norm(x, ord=1, axis=0), lambda x: np.abs(x).sum(0),
         away_from_zero((3, 4))),
    Case("norm_inf", "reduce_max", lambda x: tf.norm(x, ord=np.inf), lambda x: np.abs(x).max(),
         distinct((7,))),
    Case("norm_fro_matrix", "sqrt", lambda x: tf.norm(x, ord="fro", axis=[-2, -1]),
         lambda x: np.linalg.norm(x, "fro", axis=(-2, -1)), normal((2, 3, 4))),
    Case("norm_matrix_1", "reduce_max", lambda x: tf.norm(x, ord=1, axis=(0, 1)),
         lambda x: np.linalg.norm(x, 1), distinct((3, 4))),
    Case("norm_matrix_inf", "reduce_max", lambda x: tf.norm(x, ord=np.inf, axis=(1, 2), keepdims=True),
         lambda x: np.linalg.norm(x, np.inf, axis=(1, 2))[:, None, None], distinct((2, 3, 4))),
    Case("nn_l2_loss", "square", tf.nn.l2_loss, lambda x: (x * x).sum() / 2, normal((3, 4))),
    Case("nn_bias_add", "add", tf.nn.bias_add, lambda x, b: x + b, normal((2, 3, 4), (4,))),
    Case("custom_gradient_two_inputs", "custom_gradient", _scaled_sum, lambda x, y: x * np.exp(y),
         normal((2, 3), (3,))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


def test_stop_gradient_blocks_every_order():
    x = tf.constant(np.array([1.0, -2.0, 3.0]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * tf.stop_gradient(x)
    # d/dx (x * c) with c = x held constant is c, not 2x
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [1.0, -2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.stop_gradient(tf.exp(x))
    assert tape.gradient(y, x) is None
    np.testing.assert_allclose(y.numpy(), np.exp([1.0, -2.0, 3.0]))


def test_stop_gradient_second_order():
    x = tf.constant(np.array([0.5, 2.0]))
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.square(x) * tf.stop_gradient(x)  # x^2 * c
        g = inner.gradient(y, x)  # 2 x c
    np.testing.assert_allclose(outer.gradient(g, x).numpy(), 2 * np.array([0.5, 2.0]))


def test_clip_by_norm_zero_tensor_has_finite_gradient():
    x = tf.constant(np.zeros((2, 3)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.clip_by_norm(x, 1.0)
    np.testing.assert_array_equal(y.numpy(), np.zeros((2, 3)))
    g = tape.gradient(y, x).numpy()
    assert np.all(np.isfinite(g))


def test_custom_gradient_is_what_the_tape_uses():
    # A deliberately "wrong" custom gradient: the tape must return it, not the true one,
    # and check_gradients must notice the difference.
    @tf.custom_gradient
    def f(x):
        return tf.square(x), lambda dy: dy * 10.0
    x = np.array([1.0, 2.0])
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = f(t)
    np.testing.assert_array_equal(tape.gradient(y, t).numpy(), [10.0, 10.0])
    with pytest.raises(AssertionError, match="gradient w.r.t. input 0"):
        check_gradients(f, [x])


def test_numerical_gradient_helper():
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(numerical_gradient(tf.tanh, x, 1e-6), 1 - np.tanh(x) ** 2, rtol=1e-8)
    ga, gb = numerical_gradient(tf.multiply, [x, np.array(3.0)], 1e-6)
    np.testing.assert_allclose(ga, [3.0, 3.0, 3.0], rtol=1e-9)
    np.testing.assert_allclose(gb, x.sum(), rtol=1e-9)
    # A wrong second derivative is caught too (first derivative right, second wrong).

    @tf.custom_gradient
    def g(x):
        return tf.square(x), lambda dy: dy * 2.0 * tf.stop_gradient(x)
    check_gradients(g, [x])
    with pytest.raises(AssertionError, match="second order"):
        check_gradients(g, [x], second_order=True)


def test_nn_cross_entropies_are_stable_and_match_tf_values():
    # The closed-form values (log-sum-exp by hand); logits of 1000 must not overflow.
    z = tf.constant([[2.0, 1.0, 0.0], [0.0, 3.0, -1.0]])
    y = tf.constant([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])
    np.testing.assert_allclose(tf.nn.softmax_cross_entropy_with_logits(y, z).numpy(),
                               [0.40760597, 2.0658839], rtol=1e-6)
    np.testing.assert_allclose(tf.nn.sparse_softmax_cross_entropy_with_logits([0, 1], z).numpy(),
                               [0.40760597, 0.06588392], rtol=1e-6)
    big = tf.constant([[1000.0, -1000.0]])
    np.testing.assert_allclose(tf.nn.softmax_cross_entropy_with_logits([[0.0, 1.0]], big).numpy(), [2000.0])
    np.testing.assert_allclose(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=[[0.0, 1.0]], logits=big).numpy(), [[1000.0, 1000.0]])
    with tf.GradientTape() as tape:
        tape.watch(big)
        loss = tf.nn.sparse_softmax_cross_entropy_with_logits([1], big)
    np.testing.assert_allclose(tape.gradient(loss, big).numpy(), [[1.0, -1.0]])


@pytest.mark.parametrize("call,match", [
    (lambda: tf.nn.sparse_softmax_cross_entropy_with_logits([0, 3], tf.zeros((2, 3))),
     r"sparse_softmax_cross_entropy_with_logits: Received a label value of 3 .* \[0, 3\)"),
    (lambda: tf.nn.sparse_softmax_cross_entropy_with_logits([-1, 0], tf.zeros((2, 3))),
     r"label value of -1"),
    (lambda: tf.nn.sparse_softmax_cross_entropy_with_logits([[0], [1]], tf.zeros((2, 3))),
     r"labels of shape \[2, 1\] do not match logits of shape \[2, 3\]"),
    (lambda: tf.nn.sparse_softmax_cross_entropy_with_logits([], tf.zeros(())), r"rank >= 1"),
    (lambda: tf.nn.softmax_cross_entropy_with_logits(tf.zeros((3,)), tf.zeros((2, 3))),
     r"softmax_cross_entropy_with_logits: labels and logits must have the same shape"),
    (lambda: tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros((2, 1)), logits=tf.zeros((2, 3))),
     r"sigmoid_cross_entropy_with_logits: labels and logits"),
    (lambda: tf.nn.bias_add(tf.zeros((2, 3)), [1.0, 2.0]), r"bias_add: the last dimension"),
    (lambda: tf.nn.bias_add(tf.zeros((2, 3)), tf.zeros((1, 3))), r"bias_add: bias must be 1-D"),
    (lambda: tf.nn.bias_add(tf.zeros((3,)), tf.zeros((3,))), r"bias_add: value must have rank >= 2"),
])
def test_nn_losses_and_bias_add_reject_bad_shapes(call, match):
    with pytest.raises(tf.errors.InvalidArgumentError, match=match):
        call()


def test_nn_bias_add_rejects_channels_first_and_non_numbers():
    with pytest.raises(ValueError, match="data_format 'NCHW' is not supported"):
        tf.nn.bias_add(tf.zeros((1, 2, 2, 3)), tf.zeros((3,)), data_format="NCHW")
    with pytest.raises(TypeError, match="bias_add: bias: expected numbers"):
        tf.nn.bias_add(tf.zeros((2, 3)), "abc")


def test_leaky_relu_gradient_at_zero_is_alpha_and_values_are_exact():
    # TF: features > 0 ? 1 : alpha, so alpha at 0; the values are x or alpha * x exactly.
    x = tf.constant([-3.0, 0.0, 2.5, -1e-30])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.leaky_relu(x, alpha=0.1)
    np.testing.assert_array_equal(y.numpy(), np.array([-3.0, 0.0, 2.5, -1e-30], np.float32) *
                                  np.array([0.1, 1, 1, 0.1], np.float32))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.1, 0.1, 1.0, 0.1])


def test_reduce_logsumexp_large_and_infinite_rows_as_tf():
    x = tf.constant([[1000.0, 1000.0], [-np.inf, -np.inf], [np.inf, 0.0], [-np.inf, 0.0]])
    got = tf.reduce_logsumexp(x, axis=1).numpy()
    np.testing.assert_allclose(got, [1000.0 + np.log(2.0), -np.inf, np.inf, 0.0], rtol=1e-6)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.reduce_logsumexp(x[:1], axis=1))
    np.testing.assert_allclose(tape.gradient(y, x).numpy()[0], [0.5, 0.5])  # softmax
    assert tf.reduce_logsumexp(tf.zeros((0, 3)), 0).numpy().tolist() == [-np.inf] * 3


def test_softplus_extremes_and_gradient_at_zero():
    x = tf.constant([-100.0, -20.0, 0.0, 20.0, 100.0, 1e30])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.softplus(x)
    ref = np.logaddexp(0, np.array([-100.0, -20.0, 0.0, 20.0, 100.0, 1e30])).astype(np.float32)
    np.testing.assert_allclose(y.numpy(), ref, rtol=2e-7)  # exp(-100) and exp(-20) not lost
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [3.7835059e-44, 2.0611537e-09, 0.5, 1.0, 1.0, 1.0],
                               rtol=1e-6, atol=1e-44)


def test_norm_rejects_what_tf_rejects():
    x = tf.zeros((2, 3))
    with pytest.raises(ValueError, match=r"'ord' must be a supported vector norm, got fro"):
        tf.norm(x, ord="fro", axis=1)
    with pytest.raises(ValueError, match=r"'axis' must be None, an integer, or a tuple of 2 unique"):
        tf.norm(x, axis=(1, 1))


def test_tf_function_runs_eagerly_under_a_tape():
    calls = []

    @tf.function
    def f(x):
        calls.append(1)
        return tf.reduce_sum(x * x)

    @tf.function(jit_compile=True, reduce_retracing=True)
    def g(x):
        return 3.0 * x

    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = f(x) + tf.reduce_sum(g(x))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [5.0, 7.0])
    f(x)
    assert len(calls) == 2 and f.__name__ == "f" and f.python_function(x).numpy() == 5.0
    with pytest.raises(TypeError, match="function: expected a callable"):
        tf.function(3)
