"""Long training loops keep memory flat: tapes free what they saved, watches don't pile up."""

import gc
import sys

import numpy as np
import pytest

import tapegrad as tf

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads RSS from /proc (Linux only)")


def _rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def test_training_steps_keep_rss_flat():
    rng = np.random.default_rng(0)
    W = tf.Variable(rng.normal(size=(64, 32)).astype(np.float32) * 0.1)
    b = tf.Variable(np.zeros(32, np.float32))
    x = tf.constant(rng.normal(size=(16, 64)).astype(np.float32))

    def step(kind):
        if kind == 0:  # plain non-persistent step
            with tf.GradientTape() as t:
                y = tf.reduce_mean(tf.square(tf.nn.linear(x, W, b, "relu")))
            g = t.gradient(y, [W, b])[0]
        elif kind == 1:  # persistent tape used twice
            with tf.GradientTape(persistent=True) as t:
                y = tf.reduce_mean(tf.square(tf.nn.linear(x, W, b, "tanh")))
            t.gradient(y, [W, b])
            g = t.gradient(y, W)
        elif kind == 2:  # nested tapes (second order)
            with tf.GradientTape() as outer:
                with tf.GradientTape() as inner:
                    y = tf.reduce_sum(tf.sigmoid(x @ W))
                gi = inner.gradient(y, W)
                z = tf.reduce_sum(gi * gi)
            g = outer.gradient(z, W)
        else:  # a tape abandoned by an exception
            try:
                with tf.GradientTape():
                    x @ W
                    raise RuntimeError("boom")
            except RuntimeError:
                pass
            g = W
        W.assign_sub(1e-4 * g)

    for i in range(1000):
        step(i % 4)
    gc.collect()
    before = _rss_mb()
    for i in range(4000):
        step(i % 4)
    gc.collect()
    assert _rss_mb() - before < 4.0
    assert W._num_watches() == 0 and b._num_watches() == 0
