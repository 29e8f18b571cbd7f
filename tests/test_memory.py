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


def test_large_buffer_cache_reuses_blocks_and_never_leaks_stale_values():
    # Note [Large block cache]: freed buffers of 256 KiB and up are kept for reuse. Poison the
    # cache with NaN buffers of the sizes the ops below allocate, then check every op's result:
    # an op that relied on fresh (zeroed) memory would now show NaNs.
    old_limit = tf.config.get_memory_cache_limit()
    try:
        tf.config.empty_cache()
        assert tf.config.memory_cache_bytes() == 0
        shape = (256, 300)  # 300 KiB in float32
        for _ in range(4):
            poison = [tf.fill(shape, float("nan")) for _ in range(6)]
            poison += [tf.fill((512, 300), float("nan")), tf.fill((256, 600), float("nan"))]
            del poison
        assert tf.config.memory_cache_bytes() > 0
        rng = np.random.default_rng(0)
        a = rng.standard_normal(shape).astype(np.float32)
        b = rng.standard_normal((300, 256)).astype(np.float32)
        ta, tb = tf.constant(a), tf.constant(b)
        checks = [
            (tf.zeros(shape), np.zeros(shape, np.float32)),
            (tf.pad(ta, [[1, 1], [0, 0]]), np.pad(a, [[1, 1], [0, 0]])),
            (tf.concat([ta, ta], 0), np.concatenate([a, a], 0)),
            (tf.matmul(tb, ta), b @ a),
            (tf.reduce_sum(tf.reshape(ta, (2, 128, 300)), 0), a.reshape(2, 128, 300).sum(0)),
            (tf.broadcast_to(ta[:1], shape), np.broadcast_to(a[:1], shape)),
            (ta + 1.0, a + 1.0),
        ]
        with tf.GradientTape() as t:
            t.watch(ta)
            y = tf.reduce_sum(tf.nn.relu(ta) * 2.0)
        checks.append((t.gradient(y, ta), np.where(a > 0, 2.0, 0.0).astype(np.float32)))
        for got, want in checks:
            np.testing.assert_allclose(got.numpy(), want, rtol=1e-4, atol=1e-4)
        # The bound is honoured and 0 turns the cache off.
        tf.config.set_memory_cache_limit(0)
        assert tf.config.memory_cache_bytes() == 0
        del checks
        assert tf.config.memory_cache_bytes() == 0
        with pytest.raises(ValueError, match="set_cache_limit"):
            tf.config.set_memory_cache_limit(-1)
    finally:
        tf.config.set_memory_cache_limit(old_limit)
