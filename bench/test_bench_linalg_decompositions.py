"""pytest-benchmark: tf.linalg's decompositions (eigh, eigvalsh, svd, qr) and pinv, lstsq against
numpy.linalg, float64, 1 and 2 threads (tapegrad's pool and OpenBLAS's, through threadpoolctl
when it is installed), one group per (function, size, threads) so each ratio is measured in
one run. Our values come from numpy.linalg, so a forward call costs numpy's plus the wrapping
(pinv: numpy's SVD, then recorded ops; lstsq: the normal equations by Cholesky, TF's fast path,
against numpy's SVD-based lstsq); `*_grad` times the forward and its gradient on a tape against
numpy code for the same two (the value, then TF's rule by hand). eigh is square [n, n]; svd,
qr, pinv and lstsq tall [2n, n].

    pytest bench/test_bench_linalg_decompositions.py --benchmark-group-by=group

Every benchmark checks its result against numpy once before timing.
"""
import contextlib

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")

SIZES = {"n16": 16, "n256": 256}


def _sym(a):
    return (a + a.T) / 2


def _lower_sym(g):
    """TF's last step of the eigh gradient: lower triangle of g + gᵀ, diagonal halved."""
    s = g + g.T
    return np.tril(s) - 0.5 * np.diag(np.diag(s))


def _np_eigh_grad(a):
    e, v = np.linalg.eigh(a)
    gaps = e[None, :] - e[:, None]
    with np.errstate(divide="ignore"):
        f = np.where(gaps == 0, 0.0, 1.0 / np.where(gaps == 0, 1.0, gaps))
    inner = np.eye(len(e)) + f * (v.T @ np.ones_like(v))
    return e, v, _lower_sym(v @ inner @ v.T)


def _np_svd_grad(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return s, u @ vh


def _np_qr_grad(a):
    q, r = np.linalg.qr(a)
    dq, dr = np.ones_like(q), np.ones_like(r)
    qdq = q.T @ dq
    low = np.tril(qdq - qdq.T + r @ dr.T - (r @ dr.T).T)

    def times_inv_t(x):
        return np.linalg.solve(r, x.T).T

    return q, r, q @ (dr + times_inv_t(low)) + times_inv_t(dq - q @ qdq)


def _np_lstsq(a, b):
    return np.linalg.lstsq(a, b, rcond=None)[0]


def _np_lstsq_grad(a, b):
    # TF's gradient of the normal-equations solution x = (AᵀA)⁻¹ Aᵀ b, upstream ones
    gram = a.T @ a
    x = np.linalg.solve(gram, a.T @ b)
    z = np.linalg.solve(gram, np.ones_like(x))
    xz = x @ z.T
    return x, -a @ (xz + xz.T) + b @ z.T


def _ours_grad(fn):
    def run(*ts):
        with tf.GradientTape() as tape:
            tape.watch(ts[0])
            y = fn(*ts)
        ys = list(y) if isinstance(y, (tuple, list)) else [y]
        return tuple(ys) + (tape.gradient(ys, ts[0]),)
    return run


def _svd_ours(a):
    s, u, v = tf.linalg.svd(a)
    return s, u, v


def _svd_np(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return s, u, vh.T


# name -> (numpy(a, b), ours(ta, tb), square operand?)
CASES = {
    "eigh": (lambda a, b: tuple(np.linalg.eigh(a)), lambda a, b: tf.linalg.eigh(a), True),
    "eigvalsh": (lambda a, b: np.linalg.eigvalsh(a), lambda a, b: tf.linalg.eigvalsh(a), True),
    "svd": (lambda a, b: _svd_np(a), lambda a, b: _svd_ours(a), False),
    "svd_values": (lambda a, b: np.linalg.svd(a, compute_uv=False),
                   lambda a, b: tf.linalg.svd(a, compute_uv=False), False),
    "qr": (lambda a, b: tuple(np.linalg.qr(a)), lambda a, b: tf.linalg.qr(a), False),
    "pinv": (lambda a, b: np.linalg.pinv(a), lambda a, b: tf.linalg.pinv(a), False),
    "lstsq": (_np_lstsq, tf.linalg.lstsq, False),
    "eigh_grad": (lambda a, b: _np_eigh_grad(a), _ours_grad(lambda a, b: tf.linalg.eigh(a)), True),
    "svd_grad": (lambda a, b: _np_svd_grad(a),
                 _ours_grad(lambda a, b: tf.linalg.svd(a, compute_uv=False)), False),
    "qr_grad": (lambda a, b: _np_qr_grad(a), _ours_grad(lambda a, b: tf.linalg.qr(a)), False),
    "lstsq_grad": (_np_lstsq_grad, _ours_grad(tf.linalg.lstsq), False),
}


def _limit(threads):
    """Both sides on `threads` threads (gemm_report's limit: ours and OpenBLAS's)."""
    from gemm_report import set_threads
    return set_threads(threads) or contextlib.nullcontext()


def _flat(x):
    return list(x) if isinstance(x, (tuple, list)) else [x]


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(CASES))
def test_linalg_decomposition(benchmark, name, size, threads, impl):
    n = SIZES[size]
    rng = np.random.default_rng(0)
    ref, ours, square = CASES[name]
    if square:
        a = _sym(rng.standard_normal((n, n)))
        b = rng.standard_normal((n, 4))
    else:
        a = rng.standard_normal((2 * n, n))
        b = rng.standard_normal((2 * n, 4))
    ta, tb = tf.constant(a), tf.constant(b)
    got, want = _flat(ours(ta, tb)), _flat(ref(a, b))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        tol = 1e-6 if name.startswith("lstsq") else 1e-8  # normal equations vs numpy's SVD
        np.testing.assert_allclose(g.numpy(), w, rtol=tol, atol=tol)
    benchmark.group = f"{name} {size} {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(ref, a, b)
        else:
            benchmark(ours, ta, tb)
