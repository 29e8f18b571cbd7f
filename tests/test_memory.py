"""Memory: the per-thread block lists and the large-buffer cache. (Long training loops keeping RSS flat, with every way of using
or abandoning tapes: tests/reliability/test_leaks.py.)"""

import os
import subprocess
import sys

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


def test_medium_blocks_are_reused_without_aliasing_or_stale_values():
    # Note [Medium blocks]: buffers of 1 KiB to 256 KiB come from per-thread lists in classes of
    # 1/8 of a power of two. Every class, at both ends: live tensors must never share memory,
    # a reused block must never show its old contents through an op that should overwrite it,
    # and blocks freed on another thread than the one that made them must be reusable there.
    import threading
    sizes = sorted({n for lg in range(8, 16) for k in range(1, 9)
                    for n in ((1 << lg) + k * (1 << lg) // 8 - 1, (1 << lg) + (k - 1) * (1 << lg) // 8 + 1)})
    assert sizes[0] * 4 <= 1100 and sizes[-1] * 4 >= 250_000  # spans the medium classes
    for _ in range(3):  # fill the lists with NaN blocks of every class
        poison = [tf.fill((n,), float("nan")) for n in sizes for _ in range(2)]
        del poison
    live = [tf.fill((n,), float(i)) for i, n in enumerate(sizes)]
    zeros = [tf.zeros((n,)) for n in sizes]
    sums = [tf.constant(np.arange(n, dtype=np.float32)) + 1.0 for n in sizes]
    for i, n in enumerate(sizes):
        assert np.all(live[i].numpy() == i), n
        assert np.all(zeros[i].numpy() == 0), n
        np.testing.assert_array_equal(sums[i].numpy(), np.arange(n, dtype=np.float32) + 1)
    made = []
    t = threading.Thread(target=lambda: made.extend(tf.fill((n,), 7.0) for n in sizes))
    t.start()
    t.join()
    del made[:]  # freed on this thread: these blocks now serve this thread's allocations
    again = [tf.fill((n,), -float(i)) for i, n in enumerate(sizes)]
    for i, n in enumerate(sizes):
        assert np.all(again[i].numpy() == -i) and np.all(live[i].numpy() == i), n


def _thp_mode():
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            return f.read().split("[")[1].split("]")[0]
    except (OSError, IndexError):
        return None


def _anon_huge_kib():
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            if line.startswith("AnonHugePages:"):
                return int(line.split()[1])
    return 0


@pytest.mark.skipif(_thp_mode() not in ("madvise", "always"),
                    reason="no transparent huge pages on this system (not Linux, or THP set to never): "
                           "MADV_HUGEPAGE has nothing to act on")
def test_big_buffers_are_2mib_aligned_and_backed_by_huge_pages():
    # Note [Huge pages]: from 4 MiB a buffer starts on a 2 MiB boundary (the tensor's data
    # follows the 64-byte storage header) and is marked MADV_HUGEPAGE, as numpy's arrays are.
    tf.config.empty_cache()
    before = _anon_huge_kib()
    t = tf.fill((16 << 20,), 1.5)  # 64 MiB, every page written
    addr = np.asarray(t).__array_interface__["data"][0]
    assert addr % (2 << 20) == 64
    gained = _anon_huge_kib() - before
    assert gained >= 32 << 10, f"only {gained} KiB of the 64 MiB tensor is in huge pages"
    np.testing.assert_array_equal(np.asarray(t)[[0, -1]], [1.5, 1.5])


def test_huge_page_advice_can_be_turned_off():
    code = ("import numpy as np, tapegrad as tf\n"
            "t = tf.fill((16 << 20,), 1.0)\n"
            "print(np.asarray(t).__array_interface__['data'][0] % (2 << 20))\n")
    env = dict(os.environ, TAPEGRAD_MADVISE_HUGEPAGE="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout
    # Without the advice the block comes from aligned_alloc(64, ...), whose result sits past
    # the allocator's own chunk header: 64-byte aligned, never 2 MiB-aligned.
    assert int(out) % 64 == 0
    assert int(out) != 64


def test_large_buffer_cache_keeps_an_epoch_of_batches():
    # An epoch of 100 batch tensors of 300 KiB, freed together, must all stay cached (the
    # cache is bounded at 256 entries and 512 MiB): the next epoch then faults nothing in.
    tf.config.empty_cache()
    batches = [tf.fill((256, 300), float(i)) for i in range(100)]
    assert tf.config.memory_cache_bytes() == 0
    del batches
    held = tf.config.memory_cache_bytes()
    assert held >= 100 * 256 * 300 * 4, held
    again = [tf.fill((256, 300), 1.0) for _ in range(100)]
    assert tf.config.memory_cache_bytes() == 0  # every block reused, none newly allocated
    del again
