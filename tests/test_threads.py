"""Threads: kernels from several Python threads, and changing the thread count mid-run."""

import os
import sys
import threading

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import _core


def test_set_num_threads_while_other_threads_compute():
    rng = np.random.default_rng(0)
    a = tf.constant(rng.normal(size=(300_000,)).astype(np.float32))
    m = tf.constant(rng.normal(size=(256, 256)).astype(np.float32))
    want_sum = np.exp(a.numpy()).astype(np.float64).sum()
    want_mm = m.numpy() @ m.numpy()
    errors, stop = [], threading.Event()
    old = tf.get_num_threads()

    def compute():
        try:
            while not stop.is_set():
                np.testing.assert_allclose(float(tf.reduce_sum(tf.exp(a))), want_sum, rtol=1e-4)
                np.testing.assert_allclose(tf.matmul(m, m).numpy(), want_mm, rtol=1e-3, atol=1e-3)
        except Exception as e:  # reported below
            errors.append(e)

    workers = [threading.Thread(target=compute) for _ in range(3)]
    for w in workers:
        w.start()
    try:
        for i in range(200):
            tf.set_num_threads(1 + i % 2)
    finally:
        stop.set()
        for w in workers:
            w.join()
        tf.set_num_threads(old)
    assert not errors, errors[0]


def test_default_thread_count_is_the_cores_we_may_use():
    import os
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert 1 <= tf.get_num_threads() <= max(n, 1) or "TAPEGRAD_NUM_THREADS" in os.environ


def test_pool_workers_sleep_after_their_spin():
    """Workers poll for the next job for a moment (Note [Worker spin-wait]), then sleep: an
    idle process must not keep burning CPU after a multi-threaded kernel."""
    import resource
    import time

    old = tf.get_num_threads()
    tf.set_num_threads(2)
    try:
        x = tf.constant(np.ones(1 << 20, np.float32))
        for _ in range(20):
            tf.exp(x)  # parallel jobs: the worker is woken and spins afterwards
        time.sleep(0.05)  # the spin is over well before this
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        time.sleep(0.5)
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        tf.set_num_threads(old)
    used = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    assert used < 0.1, f"{used:.3f} s of CPU while idle for 0.5 s: a pool worker kept spinning"


def _allowed_cpus_of_every_thread():
    import os
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/status") as f:
                for line in f:
                    if line.startswith("Cpus_allowed_list:"):
                        out[tid] = line.split(":", 1)[1].strip()
        except OSError:  # the thread ended meanwhile
            pass
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux") or len(os.sched_getaffinity(0)) < 2,
                    reason="the step-off is Linux-only (sched_setaffinity) and needs a second CPU to step to")
def test_worker_woken_on_the_callers_cpu_steps_off_it_and_keeps_its_affinity():
    """Note [Waking onto the caller's CPU]: a worker woken from sleep counts the wake, and when
    it finds itself on the caller's CPU it leaves it by narrowing its affinity for one call.
    Afterwards every thread of the process must have its old affinity back, and the results
    must be what one thread computes."""
    import time

    old = tf.get_num_threads()
    before = _allowed_cpus_of_every_thread()
    rng = np.random.default_rng(0)
    a = rng.standard_normal((256, 256)).astype(np.float32)
    ta = tf.constant(a)
    tf.set_num_threads(1)
    want = tf.matmul(ta, ta).numpy()
    tf.set_num_threads(2)
    try:
        tf.matmul(ta, ta)  # starts the pool
        wakes0, on_caller0 = _core._pool_wake_stats()
        deadline = time.monotonic() + 5.0
        rounds = 0
        # Sleep past the workers' spin so each job wakes a sleeping worker; stop once a wake
        # has landed on the caller's CPU (most do on this VM) or after 5 s.
        while rounds < 10 or (_core._pool_wake_stats()[1] == on_caller0 and
                              time.monotonic() < deadline):
            time.sleep(0.01)
            np.testing.assert_array_equal(tf.matmul(ta, ta).numpy(), want)
            rounds += 1
        wakes1, on_caller1 = _core._pool_wake_stats()
        assert wakes1 - wakes0 >= rounds // 2, (wakes0, wakes1, rounds)
        assert 0 <= on_caller1 - on_caller0 <= wakes1 - wakes0
        mine = before.get(str(os.getpid()))
        after = _allowed_cpus_of_every_thread()
        # The calling thread never narrows its own mask.
        assert after.get(str(os.getpid())) == mine, (after, before)
        # A worker narrows its mask between two syscalls right after it wakes, and the caller
        # may have run every chunk and returned before a late worker has even woken (it is
        # then between them while we read): give workers a moment to finish that step.
        deadline = time.monotonic() + 2.0
        while (any(cpus != before.get(tid, mine) for tid, cpus in after.items()) and
               time.monotonic() < deadline):
            time.sleep(0.01)
            after = _allowed_cpus_of_every_thread()
        for tid, cpus in after.items():
            assert cpus == before.get(tid, mine), (tid, cpus, before)
    finally:
        tf.set_num_threads(old)


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("where", ["first", "last", "middle"])
def test_an_exception_in_any_chunk_reaches_the_caller(threads, where):
    # A worker's exception used to escape its thread function: std::terminate. Now every chunk
    # still runs, the caller rethrows the first exception, and the pool stays usable.
    old = tf.get_num_threads()
    try:
        tf.set_num_threads(threads)
        n = 1000
        fail_at = {"first": 0, "last": n - 1, "middle": n // 2}[where]
        for _ in range(3):
            with pytest.raises(MemoryError):
                _core._pool_fail_chunk(n, fail_at)
            assert _core._pool_fail_chunk(n, -1) == n
        a = np.arange(64 * 64, dtype=np.float32).reshape(64, 64) / 1000
        np.testing.assert_allclose(tf.matmul(tf.constant(a), tf.constant(a)).numpy(), a @ a, rtol=1e-5)
    finally:
        tf.set_num_threads(old)
