"""Memory: the large-buffer cache. (Long training loops keeping RSS flat, with every way of using
or abandoning tapes: tests/reliability/test_leaks.py.)"""

import numpy as np
import pytest

import tapegrad as tf


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
