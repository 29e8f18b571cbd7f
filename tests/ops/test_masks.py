"""The backward-mask rows (relu_grad, mask_ge, mask_gt): ops in their own right, so that
relu/maximum/minimum/reduce_max have derivatives of every order. Gradient flows to g only."""

import numpy as np

import tapegrad as tf
from opcases import Case, away_from_zero, define_tests, distinct, normal


def _g_then(gen_rest, gshape):
    return lambda rng: normal(gshape)(rng) + gen_rest(rng)


CASES = [
    Case("relu_grad", "relu_grad", tf.nn.relu_grad, lambda g, x: np.where(x > 0, g, 0.0),
         _g_then(away_from_zero((3, 4)), (3, 4))),
    Case("relu_grad_broadcast", "relu_grad", tf.nn.relu_grad, lambda g, x: np.where(x > 0, g, 0.0),
         _g_then(away_from_zero((2, 1, 4)), (3, 1))),
    Case("mask_ge", "mask_ge", tf._core.mask_ge, lambda g, a, b: np.where(a >= b, g, 0.0),
         _g_then(distinct((3, 4), (3, 4)), (3, 4))),
    Case("mask_ge_broadcast", "mask_ge", tf._core.mask_ge, lambda g, a, b: np.where(a >= b, g, 0.0),
         _g_then(distinct((3, 1), (4,)), (3, 4))),
    Case("mask_gt", "mask_gt", tf._core.mask_gt, lambda g, a, b: np.where(a > b, g, 0.0),
         _g_then(distinct((3, 4), (3, 4)), (3, 4))),
    Case("mask_gt_broadcast_g", "mask_gt", tf._core.mask_gt, lambda g, a, b: np.where(a > b, g, 0.0),
         _g_then(distinct((2, 3), (3,)), (3,))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


def test_masks_at_ties():
    # ge keeps ties, gt drops them: maximum and minimum split a tie between their operands.
    g = tf.constant(np.array([1.0, 2.0, 3.0]))
    a = tf.constant(np.array([1.0, 2.0, 0.0]))
    b = tf.constant(np.array([1.0, 3.0, -1.0]))
    np.testing.assert_array_equal(tf._core.mask_ge(g, a, b).numpy(), [1.0, 0.0, 3.0])
    np.testing.assert_array_equal(tf._core.mask_gt(g, a, b).numpy(), [0.0, 0.0, 3.0])
    x = tf.constant(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(tf.nn.relu_grad(g, x).numpy(), [0.0, 0.0, 3.0])


def test_relu_second_derivative_through_relu_grad():
    # d/dx of relu'(x)*v is zero, but the outer tape must see relu_grad and reach v.
    x = tf.constant(np.array([-1.0, 2.0, 3.0]))
    v = tf.constant(np.array([0.5, -1.5, 2.0]))
    with tf.GradientTape(persistent=True) as outer:
        outer.watch([x, v])
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.nn.relu(x)
        g = inner.gradient(y, x, output_gradients=v)
    assert "relu_grad" in {e[0] for e in outer._tape.entries()}
    np.testing.assert_array_equal(outer.gradient(g, v).numpy(), [0.0, 1.0, 1.0])
    gx = outer.gradient(g, x, unconnected_gradients="zero")
    np.testing.assert_array_equal(gx.numpy(), [0.0, 0.0, 0.0])
