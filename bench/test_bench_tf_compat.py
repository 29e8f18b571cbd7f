"""pytest-benchmark: the tf.linalg additions that do real work against the numpy a user
without scipy would write, 1 and 2 threads, float64 (cross: float32).

- ``linalg.lu`` (256 x 256; a batch of 64 matrices 32 x 32): a numpy partial-pivoting LU,
  column by column, vectorised over the batch (``np_lu``). ``numpy_getrf`` is LAPACK's own
  LU (``np.linalg.slogdet`` factors with getrf and reads the diagonal), the floor for any
  LU in numpy.
- ``linalg.expm`` (64 x 64, 1-norm 20; a batch of 100 matrices 8 x 8 of mixed norms): the
  same scaling and squaring with Padé 13 in numpy (``np_expm``, batched).
- ``linalg.tridiagonal_solve`` (one system of 2000 unknowns; 256 systems of 128): the
  Thomas algorithm with partial pivoting in numpy, vectorised over the batch
  (``np_tridiagonal``); ``numpy_dense`` is ``np.linalg.solve`` on the dense matrices.
- ``linalg.cross`` (1M vectors, float32): ``np.cross``.

    pytest bench/test_bench_tf_compat.py --benchmark-group-by=group
"""
import contextlib

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")


def _limit(threads):
    from gemm_report import set_threads
    return set_threads(threads) or contextlib.nullcontext()


# -- numpy baselines ----------------------------------------------------------------------------

def np_lu(a):
    """Partial-pivoting LU (lu packed, perm) of each matrix of a [b, n, n], column by column."""
    a = a.copy()
    b, n, _ = a.shape
    perm = np.tile(np.arange(n), (b, 1))
    rows = np.arange(b)
    for k in range(n):
        p = k + np.argmax(np.abs(a[:, k:, k]), axis=1)
        a[rows, [k] * b], a[rows, p] = a[rows, p], a[rows, [k] * b].copy()
        perm[rows, k], perm[rows, p] = perm[rows, p], perm[rows, k].copy()
        piv = a[:, k, k]
        a[:, k + 1:, k] /= np.where(piv != 0, piv, 1)[:, None]
        a[:, k + 1:, k + 1:] -= a[:, k + 1:, k:k + 1] * a[:, k:k + 1, k + 1:]
    return a, perm


_B13 = [64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
        129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
        40840800.0, 960960.0, 16380.0, 182.0]


def np_expm(a):
    """Scaling and squaring with the Padé 13 approximant (Higham 2005), batched [b, n, n]."""
    b = _B13
    n = a.shape[-1]
    l1 = np.abs(a).sum(axis=-2).max(axis=-1)
    s = np.maximum(np.ceil(np.log2(np.maximum(l1, 1e-300) / 5.371920351148152)), 0).astype(int)
    m = a / (2.0 ** s)[:, None, None]
    i = np.eye(n)
    m2 = m @ m
    m4 = m2 @ m2
    m6 = m4 @ m2
    u = m @ (m6 @ (m6 + b[11] * m4 + b[9] * m2) + b[7] * m6 + b[5] * m4 + b[3] * m2 + b[1] * i)
    v = m6 @ (b[12] * m6 + b[10] * m4 + b[8] * m2) + b[6] * m6 + b[4] * m4 + b[2] * m2 + b[0] * i
    r = np.linalg.solve(v - u, v + u)
    for k in range(int(s.max())):
        sq = r @ r
        r = np.where((k < s)[:, None, None], sq, r)
    return r


def np_tridiagonal(d, r):
    """Gaussian elimination with partial pivoting on each tridiagonal system, vectorised
    over the batch: d [b, 3, m] (super, diag, sub), r [b, m, k]."""
    sup, dia, sub = d[:, 0].copy(), d[:, 1].copy(), d[:, 2].copy()
    bsz, m = dia.shape
    r = r.copy()
    u2 = np.zeros((bsz, m))
    for i in range(m - 1):
        swap = np.abs(dia[:, i]) < np.abs(sub[:, i + 1])
        if swap.any():
            s = np.flatnonzero(swap)
            nxt_sup = sup[s, i + 1] if i + 2 < m else np.zeros(len(s))
            dia[s, i], sub[s, i + 1] = sub[s, i + 1], dia[s, i].copy()
            sup[s, i], dia[s, i + 1] = dia[s, i + 1], sup[s, i].copy()
            u2[s, i] = nxt_sup
            if i + 2 < m:
                sup[s, i + 1] = 0.0
            r[s, i], r[s, i + 1] = r[s, i + 1], r[s, i].copy()
        f = sub[:, i + 1] / dia[:, i]
        dia[:, i + 1] -= f * sup[:, i]
        if i + 2 < m:
            sup[:, i + 1] -= f * u2[:, i]
        r[:, i + 1] -= f[:, None] * r[:, i]
    x = np.empty_like(r)
    x[:, m - 1] = r[:, m - 1] / dia[:, m - 1, None]
    x[:, m - 2] = (r[:, m - 2] - sup[:, m - 2, None] * x[:, m - 1]) / dia[:, m - 2, None]
    for i in range(m - 3, -1, -1):
        x[:, i] = (r[:, i] - sup[:, i, None] * x[:, i + 1] - u2[:, i, None] * x[:, i + 2]) / dia[:, i, None]
    return x


def np_dense_tridiagonal(d, r):
    m = d.shape[-1]
    a = np.zeros(d.shape[:-2] + (m, m))
    i = np.arange(m)
    a[..., i, i] = d[..., 1, :]
    a[..., i[:-1], i[:-1] + 1] = d[..., 0, :-1]
    a[..., i[1:], i[1:] - 1] = d[..., 2, 1:]
    return np.linalg.solve(a, r)


# -- cases ----------------------------------------------------------------------------------------

def _lu_data(case):
    rng = np.random.default_rng(0)
    return rng.standard_normal((1, 256, 256) if case == "256x256" else (64, 32, 32))


def _expm_data(case):
    rng = np.random.default_rng(1)
    if case == "64x64":
        a = rng.standard_normal((1, 64, 64))
        return a * 20.0 / np.abs(a).sum(axis=-2).max()
    a = rng.standard_normal((100, 8, 8))
    return a * np.geomspace(0.01, 50.0, 100)[:, None, None] / np.abs(a).sum(axis=-2).max(axis=-1)[:, None, None]


def _tri_data(case):
    rng = np.random.default_rng(2)
    b, m = (1, 2000) if case == "1 x 2000" else (256, 128)
    return rng.standard_normal((b, 3, m)), rng.standard_normal((b, m, 1))


@pytest.mark.parametrize("impl", ["numpy", "numpy_getrf", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("case", ["256x256", "64 x 32x32"])
def test_lu(benchmark, case, threads, impl):
    a = _lu_data(case)
    ta = tf.constant(a)
    lu, p = tf.linalg.lu(ta)
    want_lu, want_p = np_lu(a)
    np.testing.assert_array_equal(p.numpy(), want_p)
    np.testing.assert_allclose(lu.numpy(), want_lu, rtol=1e-8, atol=1e-8)
    benchmark.group = f"linalg.lu {case}, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(np_lu, a)
        elif impl == "numpy_getrf":
            benchmark(np.linalg.slogdet, a)
        else:
            benchmark(tf.linalg.lu, ta)


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("case", ["64x64", "100 x 8x8"])
def test_expm(benchmark, case, threads, impl):
    a = _expm_data(case)
    ta = tf.constant(a)
    np.testing.assert_allclose(tf.linalg.expm(ta).numpy(), np_expm(a), rtol=1e-9, atol=1e-9)
    benchmark.group = f"linalg.expm {case}, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(np_expm, a)
        else:
            benchmark(tf.linalg.expm, ta)


@pytest.mark.parametrize("impl", ["numpy", "numpy_dense", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("case", ["1 x 2000", "256 x 128"])
def test_tridiagonal_solve(benchmark, case, threads, impl):
    d, r = _tri_data(case)
    td, tr = tf.constant(d), tf.constant(r)
    want = np_dense_tridiagonal(d, r)
    np.testing.assert_allclose(tf.linalg.tridiagonal_solve(td, tr).numpy(), want, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(np_tridiagonal(d, r), want, rtol=1e-6, atol=1e-8)
    benchmark.group = f"linalg.tridiagonal_solve {case}, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(np_tridiagonal, d, r)
        elif impl == "numpy_dense":
            benchmark(np_dense_tridiagonal, d, r)
        else:
            benchmark(tf.linalg.tridiagonal_solve, td, tr)


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
def test_cross(benchmark, threads, impl):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((1_000_000, 3), dtype=np.float32)
    b = rng.standard_normal((1_000_000, 3), dtype=np.float32)
    ta, tb = tf.constant(a), tf.constant(b)
    np.testing.assert_allclose(tf.linalg.cross(ta, tb).numpy(), np.cross(a, b), rtol=1e-5, atol=1e-5)
    benchmark.group = f"linalg.cross 1M x 3, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(np.cross, a, b)
        else:
            benchmark(tf.linalg.cross, ta, tb)
