"""pytest-benchmark: the special functions (tapegrad/_special.py, vectorized numpy in float64)
against the baselines a user without scipy has, at 1e3 and 1e6 float64 elements, 1 and 2
threads.

numpy has a special function of its own only for ``bessel_i0`` (``np.i0``). For the others
the baseline is the Python standard library mapped over the array: ``np.vectorize(math.lgamma)``,
``statistics.NormalDist().inv_cdf`` for ``ndtri`` (Wichura's AS241 in Python), and Newton's
method on ``math.erf`` for ``erfinv``. ``igamma``, ``betainc`` and ``digamma`` have no
baseline at all (only tapegrad is timed). The special functions run numpy, single-threaded
(except the C library erf / erfc calls of erfinv and ndtri, which go through tapegrad's
kernels), so the thread count mainly shows that nothing depends on it.

    pytest bench/test_bench_special.py --benchmark-group-by=group
"""
import contextlib
import math
import statistics

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")


def _limit(threads):
    from gemm_report import set_threads
    return set_threads(threads) or contextlib.nullcontext()


def _erfinv_newton(y):
    """erfinv by Newton's method on math.erf, from the central guess sqrt(pi)/2 y."""
    if not -1 < y < 1:
        return math.copysign(math.inf, y) if abs(y) == 1 else math.nan
    x = 0.5 * math.sqrt(math.pi) * y
    for _ in range(60):
        step = (math.erf(x) - y) / (2 / math.sqrt(math.pi) * math.exp(-x * x))
        x -= step
        if abs(step) <= 1e-16 * max(1.0, abs(x)):
            break
    return x


_np_lgamma = np.vectorize(math.lgamma, otypes=[float])
_np_erfinv = np.vectorize(_erfinv_newton, otypes=[float])
_np_ndtri = np.vectorize(statistics.NormalDist().inv_cdf, otypes=[float])


def _inputs(n):
    rng = np.random.default_rng(0)
    return {"x": rng.uniform(0.01, 20.0, n), "p": rng.uniform(1e-6, 1 - 1e-6, n),
            "y": rng.uniform(-0.999, 0.999, n), "a": rng.uniform(0.1, 20.0, n),
            "b": rng.uniform(0.1, 20.0, n), "u": rng.uniform(0.0, 1.0, n)}


CASES = {
    "lgamma": (lambda d: tf.math.lgamma(d["tx"]), lambda d: _np_lgamma(d["x"]), 1e-13),
    "erfinv": (lambda d: tf.math.erfinv(d["ty"]), lambda d: _np_erfinv(d["y"]), 1e-13),
    "ndtri": (lambda d: tf.math.ndtri(d["tp"]), lambda d: _np_ndtri(d["p"]), 1e-12),
    "bessel_i0": (lambda d: tf.math.bessel_i0(d["tx"]), lambda d: np.i0(d["x"]), 1e-13),
    "digamma": (lambda d: tf.math.digamma(d["tx"]), None, None),
    "igamma": (lambda d: tf.math.igamma(d["ta"], d["tx"]), None, None),
    "betainc": (lambda d: tf.math.betainc(d["ta"], d["tb"], d["tu"]), None, None),
}


@pytest.fixture(scope="module", params=[1_000, 1_000_000], ids=["1e3", "1e6"])
def data(request):
    d = _inputs(request.param)
    d.update({"t" + k: tf.constant(v) for k, v in list(d.items())})
    d["n"] = request.param
    return d


@pytest.mark.parametrize("impl", ["baseline", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("name", list(CASES))
def test_special(benchmark, data, name, threads, impl):
    ours, base, tol = CASES[name]
    if impl == "baseline" and base is None:
        pytest.skip(f"{name}: no numpy or standard-library baseline")
    if base is not None and impl == "tapegrad":
        # atol: the C library's lgamma is accurate only absolutely next to its zeros at 1 and 2
        np.testing.assert_allclose(ours(data).numpy(), base(data), rtol=tol, atol=1e-15)
    benchmark.group = f"{name}, {data['n']:.0e} float64, {threads}T"
    slow = impl == "baseline" and data["n"] >= 1_000_000
    with _limit(threads):
        fn = ours if impl == "tapegrad" else base
        if slow:  # seconds per call: a few rounds are enough
            benchmark.pedantic(fn, args=(data,), rounds=3, iterations=1)
        else:
            benchmark(fn, data)
