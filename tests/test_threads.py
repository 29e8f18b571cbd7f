"""Threads: kernels from several Python threads, and changing the thread count mid-run."""

import threading

import numpy as np

import tapegrad as tf


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
