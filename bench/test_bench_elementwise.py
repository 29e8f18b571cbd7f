"""pytest-benchmark: memory-bound kernels (issue 4) against numpy, one group per
(op, size, threads) so each ratio is measured in one run.

    pytest bench/test_bench_elementwise.py --benchmark-group-by=group
    pytest bench/test_bench_elementwise.py -k "exp and 1M"

float32 at 1K, 64K, 1M and 16M elements, 1 and 2 threads (numpy's elementwise ufuncs are
single-threaded either way). Ours are the raw kernels of the active ISA through
tapegrad._core._kernels for now (the public ops will replace them). Every benchmark checks
its result against numpy once before timing, so fast-but-wrong can't pass.
"""
import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
_core = pytest.importorskip("tapegrad._core")
K = _core._kernels.f32

SIZES = {"1K": 1 << 10, "64K": 1 << 16, "1M": 1 << 20, "16M": 1 << 24}
THREADS = [1, 2]
LR = np.float32(0.01)


def _isa():
    return _core.isa()


def _shape2d(n):  # for reduce_sum over axis 0: square-ish [rows, cols]
    cols = 1 << ((n.bit_length() - 1) // 2)
    return n // cols, cols


# op -> (numpy baseline, ours, checker(ours_out, numpy_out) or None where checked specially)
def _close(rtol):
    return lambda a, b: np.testing.assert_allclose(a, b, rtol=rtol, atol=0)


def _exact(a, b):
    np.testing.assert_array_equal(a, b)


OPS = {
    "add": (lambda x, y: np.add(x, y), lambda x, y: K.binary(_isa(), "add", x, y), _exact),
    "multiply": (lambda x, y: np.multiply(x, y), lambda x, y: K.binary(_isa(), "mul", x, y), _exact),
    "relu": (lambda x, y: np.maximum(x, 0), lambda x, y: K.unary(_isa(), "relu", x), _exact),
    "relu_backward": (lambda x, g: np.where(x > 0, g, np.float32(0)),
                      lambda x, g: K.binary(_isa(), "relu_grad", g, x), _exact),
    "reduce_sum_axis0": (lambda x, y: x.reshape(_shape2d(x.size)).sum(axis=0),
                         lambda x, y: K.reduce(_isa(), "sum", x, 1, *_shape2d(x.size)), None),  # checked against float64
    "sigmoid": (lambda x, y: 1 / (1 + np.exp(-x)), lambda x, y: K.unary(_isa(), "sigmoid", x),
                _close(3e-7)),
    "exp": (lambda x, y: np.exp(x), lambda x, y: K.unary(_isa(), "exp", x), _close(4e-7)),
    # assign_sub(lr * g): numpy in place w -= lr * g; ours the in-place axpy kernel
    "axpy_assign_sub": (lambda w, g: np.subtract(w, LR * g, out=w),
                        lambda w, g: K.axpy_inplace(_isa(), -LR, g, w), None),
}

# float32 arrays read + written per element (for GB/s): 2 in 1 out, 1 in 1 out, 1 in.
BYTES_PER_ELEMENT = {"add": 3, "multiply": 3, "relu": 2, "relu_backward": 3, "reduce_sum_axis0": 1,
                     "sigmoid": 2, "exp": 2, "axpy_assign_sub": 3}

CASES = [(op, s, t) for op in OPS for s in SIZES for t in THREADS]


def _rounds(n):
    return int(min(2000, max(5, 2e8 / (n * 4) / 8)))


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("case", CASES, ids=[f"{o}-{s}-{t}T" for o, s, t in CASES])
def test_elementwise(benchmark, case, impl):
    op, size, threads = case
    n = SIZES[size]
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n, dtype=np.float32)
    y = rng.standard_normal(n, dtype=np.float32)
    ref_fn, ours_fn, check = OPS[op]
    old = _core.get_num_threads()
    _core.set_num_threads(threads)
    try:
        if op == "axpy_assign_sub":
            w0 = x.copy()
            w = x.copy()
            ours_fn(w, y)
            np.testing.assert_allclose(w, w0 - LR * y, rtol=1e-6, atol=1e-7)
        elif op == "reduce_sum_axis0":
            exact = x.reshape(_shape2d(n)).astype(np.float64).sum(axis=0)
            np.testing.assert_allclose(ours_fn(x, y), exact, rtol=0, atol=1e-6 * np.sqrt(n))
        else:
            check(ours_fn(x, y), ref_fn(x, y))
        fn = ref_fn if impl == "numpy" else ours_fn  # axpy: x drifts by lr*y a round; cost doesn't
        benchmark.group = f"{op}-{size}-{threads}T"
        benchmark.extra_info["bytes"] = 4 * n * BYTES_PER_ELEMENT[op]
        benchmark.pedantic(fn, args=(x, y), rounds=_rounds(n), iterations=1, warmup_rounds=2)
    finally:
        _core.set_num_threads(old)
