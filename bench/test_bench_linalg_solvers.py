"""pytest-benchmark: tf.linalg's inverses, determinants, Cholesky factors and solvers against
numpy.linalg, float64, 1 and 2 threads (tapegrad's pool and OpenBLAS's, through threadpoolctl
when it is installed), one group per (function, size, threads) so each ratio is measured in
one run. Our values come from numpy.linalg, so a forward call costs numpy's plus the wrapping;
`*_grad` times the forward and its gradient on a tape against numpy code for the same two
(the value, then TF's rule by hand).

    pytest bench/test_bench_linalg_solvers.py --benchmark-group-by=group

Every benchmark checks its result against numpy once before timing.
"""
import contextlib

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")

SIZES = {"n16": 16, "n256": 256}


def _spd(a):
    return a @ a.T + a.shape[0] * np.eye(a.shape[0])


def _np_inv_grad(a):
    y = np.linalg.inv(a)
    return y, -y.T @ np.ones_like(a) @ y.T


def _np_solve_grad(a, b):
    x = np.linalg.solve(a, b)
    gb = np.linalg.solve(a.T, np.ones_like(b))
    return x, -gb @ x.T


def _np_chol_grad(a):
    l = np.linalg.cholesky(a)
    n = a.shape[0]
    li = np.linalg.inv(l)
    mid = l.T @ np.ones_like(a)
    mid = np.tril(mid) - 0.5 * np.diag(np.diag(mid))
    g = li.T @ mid @ li
    return l, 0.5 * (g + g.T)


def _ours_grad(fn):
    def run(*ts):
        with tf.GradientTape() as tape:
            tape.watch(ts[0])
            y = fn(*ts)
        return y, tape.gradient(y, ts[0])
    return run


# name -> (numpy(a, b), ours(ta, tb), matrix maker)
CASES = {
    "inv": (lambda a, b: np.linalg.inv(a), lambda a, b: tf.linalg.inv(a), lambda a: a),
    "det": (lambda a, b: np.linalg.det(a), lambda a, b: tf.linalg.det(a), lambda a: a),
    "solve": (lambda a, b: np.linalg.solve(a, b), lambda a, b: tf.linalg.solve(a, b), lambda a: a),
    "cholesky": (lambda a, b: np.linalg.cholesky(a), lambda a, b: tf.linalg.cholesky(a), _spd),
    "inv_grad": (lambda a, b: _np_inv_grad(a), _ours_grad(lambda a, b: tf.linalg.inv(a)), lambda a: a),
    "solve_grad": (_np_solve_grad, _ours_grad(tf.linalg.solve), lambda a: a),
    "cholesky_grad": (lambda a, b: _np_chol_grad(a), _ours_grad(lambda a, b: tf.linalg.cholesky(a)), _spd),
}


def _limit(threads):
    """Both sides on `threads` threads (gemm_report's limit: ours and OpenBLAS's)."""
    from gemm_report import set_threads
    return set_threads(threads) or contextlib.nullcontext()


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(CASES))
def test_linalg(benchmark, name, size, threads, impl):
    n = SIZES[size]
    rng = np.random.default_rng(0)
    ref, ours, make = CASES[name]
    a = make(rng.standard_normal((n, n)) + n * np.eye(n))
    b = rng.standard_normal((n, 4))
    ta, tb = tf.constant(a), tf.constant(b)
    got, want = ours(ta, tb), ref(a, b)
    for g, w in zip(got if isinstance(got, tuple) else [got], want if isinstance(want, tuple) else [want]):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-8, atol=1e-10)
    benchmark.group = f"{name} {size} {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(ref, a, b)
        else:
            benchmark(ours, ta, tb)
