"""pytest-benchmark: memory-bound kernels (issue 4) against numpy, one group per
(op, size, threads) so each ratio is measured in one run.

    pytest bench/test_bench_elementwise.py --benchmark-group-by=group
    pytest bench/test_bench_elementwise.py -k "exp and 1M"

float32 at 1K, 64K, 1M and 16M elements, 1 and 2 threads (numpy's elementwise ufuncs are
single-threaded either way). Ours is the public API a user calls, on tapegrad tensors
(`tf.add(x, y)`, `tf.nn.relu(x)`, `v.assign_sub(d)`, ...), each allocating its result as numpy
does; numpy runs on arrays. Every benchmark checks its result against numpy once before timing,
so fast-but-wrong can't pass.
"""
import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")

SIZES = {"1K": 1 << 10, "64K": 1 << 16, "1M": 1 << 20, "16M": 1 << 24}
THREADS = [1, 2]


def _shape2d(n):  # for reduce_sum over axis 0: square-ish [rows, cols]
    cols = 1 << ((n.bit_length() - 1) // 2)
    return n // cols, cols


def _close(rtol):
    return lambda a, b: np.testing.assert_allclose(a, b, rtol=rtol, atol=0)


def _near(rtol, atol):
    return lambda a, b: np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def _exact(a, b):
    np.testing.assert_array_equal(a, b)


# op -> (numpy baseline on arrays, ours on tapegrad tensors, checker(ours, numpy) or None where
# checked specially). Both take (x, y): x, y are arrays for numpy and tensors for ours, except
# assign_sub where ours gets (Variable, tensor).
OPS = {
    "add": (lambda x, y: np.add(x, y), lambda x, y: tf.add(x, y), _exact),
    "multiply": (lambda x, y: np.multiply(x, y), lambda x, y: tf.multiply(x, y), _exact),
    "relu": (lambda x, y: np.maximum(x, 0), lambda x, y: tf.nn.relu(x), _exact),
    "relu_backward": (lambda x, g: np.where(x > 0, g, np.float32(0)),
                      lambda x, g: tf.nn.relu_grad(g, x), _exact),
    "reduce_sum_axis0": (lambda x, y: x.sum(axis=0), lambda x, y: tf.reduce_sum(x, 0), None),
    # Running sums (Note [Scans]): down the columns of [rows, cols], and along each row.
    "cumsum_axis0": (lambda x, y: np.cumsum(x, axis=0), lambda x, y: tf.cumsum(x, 0), _exact),
    "cumsum_rows": (lambda x, y: np.cumsum(x, axis=1), lambda x, y: tf.cumsum(x, 1), _exact),
    "cumprod_axis0": (lambda x, y: np.cumprod(x, axis=0), lambda x, y: tf.math.cumprod(x, 0), _exact),
    "reduce_prod_axis0": (lambda x, y: np.prod(x, axis=0), lambda x, y: tf.reduce_prod(x, 0), _exact),
    "sigmoid": (lambda x, y: 1 / (1 + np.exp(-x)), lambda x, y: tf.sigmoid(x), _close(3e-7)),
    "tanh": (lambda x, y: np.tanh(x), lambda x, y: tf.tanh(x), _close(3e-7)),
    "exp": (lambda x, y: np.exp(x), lambda x, y: tf.exp(x), _close(4e-7)),
    # Note [Sin and cos] (ours within 1 ulp of correctly rounded; numpy's SIMD ones close to it)
    "sin": (lambda x, y: np.sin(x), lambda x, y: tf.sin(x), _near(3e-7, 1e-7)),
    "cos": (lambda x, y: np.cos(x), lambda x, y: tf.cos(x), _near(3e-7, 1e-7)),
    "tan": (lambda x, y: np.tan(x), lambda x, y: tf.tan(x), _near(3e-7, 1e-7)),
    "atan": (lambda x, y: np.arctan(x), lambda x, y: tf.atan(x), _near(3e-7, 1e-7)),  # Note [Atan]
    # One in-place pass each: numpy w -= d, ours Variable.assign_sub(d).
    "assign_sub": (lambda w, d: np.subtract(w, d, out=w), lambda v, d: v.assign_sub(d), None),
}

# float32 arrays read + written per element (for GB/s): 2 in 1 out, 1 in 1 out, 1 in.
BYTES_PER_ELEMENT = {"add": 3, "multiply": 3, "relu": 2, "relu_backward": 3, "reduce_sum_axis0": 1,
                     "cumsum_axis0": 2, "cumsum_rows": 2, "cumprod_axis0": 2, "reduce_prod_axis0": 1,
                     "sigmoid": 2, "tanh": 2, "exp": 2, "sin": 2, "cos": 2, "tan": 2, "atan": 2,
                     "assign_sub": 3}

CASES = [(op, s, t) for op in OPS for s in SIZES for t in THREADS]


def _rounds(n):
    return int(min(2000, max(5, 2e8 / (n * 4) / 8)))


def operands(op, n, rng):
    """The float32 operands x, y of `op` at n elements (also used by elementwise_report.py):
    [rows, cols] for the reductions and scans along an axis, else n-vectors."""
    shape = _shape2d(n) if op in ("reduce_sum_axis0", "cumsum_axis0", "cumsum_rows", "cumprod_axis0",
                                  "reduce_prod_axis0") else (n,)
    x = rng.standard_normal(shape, dtype=np.float32)
    y = rng.standard_normal(shape, dtype=np.float32) * np.float32(1e-3)
    if op in ("cumprod_axis0", "reduce_prod_axis0"):
        x = 1 + x * np.float32(1e-3)  # products that stay normal (no subnormal slow paths)
    return x, y


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("case", CASES, ids=[f"{o}-{s}-{t}T" for o, s, t in CASES])
def test_elementwise(benchmark, case, impl):
    op, size, threads = case
    n = SIZES[size]
    x, y = operands(op, n, np.random.default_rng(0))
    ref_fn, ours_fn, check = OPS[op]
    old = tf.get_num_threads()
    tf.set_num_threads(threads)
    try:
        if op == "assign_sub":
            ours_args = (tf.Variable(x), tf.constant(y))
            ours_fn(*ours_args)
            np.testing.assert_allclose(ours_args[0].numpy(), x - y, rtol=1e-6, atol=1e-7)
            x = x.copy()  # numpy's w drifts by d a round; the cost doesn't
        else:
            ours_args = (tf.constant(x), tf.constant(y))
            got = ours_fn(*ours_args).numpy()
            if op == "reduce_sum_axis0":
                exact = x.astype(np.float64).sum(axis=0)
                np.testing.assert_allclose(got, exact, rtol=0, atol=1e-6 * np.sqrt(n))
            else:
                check(got, ref_fn(x, y))
        fn, args = (ref_fn, (x, y)) if impl == "numpy" else (ours_fn, ours_args)
        benchmark.group = f"{op}-{size}-{threads}T"
        benchmark.extra_info["bytes"] = 4 * n * BYTES_PER_ELEMENT[op]
        iters = max(1, (1 << 16) // n)  # small sizes: time many calls per round (timer cost)
        benchmark.pedantic(fn, args=args, rounds=max(5, _rounds(n) // iters), iterations=iters,
                           warmup_rounds=2)
    finally:
        tf.set_num_threads(old)
