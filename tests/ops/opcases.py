"""Shared machinery for tests/ops: an op test case and the three checks every case gets.

Each tests/ops/test_<family>.py defines ``CASES`` (a list of :class:`Case`) and parametrizes
``test_forward`` / ``test_gradient`` / ``test_second_order`` over it. test_op_coverage.py reads
the same lists, so the op names a case declares are exactly the ops whose gradients run.
"""

from dataclasses import dataclass, field
from typing import Callable, Optional, Tuple

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.testing import assert_allclose, check_gradients

DTYPES = [np.float32, np.float64]
# Forward tolerance per dtype: a few ulps of the result after a handful of roundings.
FWD_TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


def normal(*shapes, scale=1.0):
    return lambda rng: [scale * rng.standard_normal(s) for s in shapes]


def positive(*shapes, low=0.5, high=2.0):
    return lambda rng: [rng.uniform(low, high, s) for s in shapes]


def uniform(*shapes, low=-1.0, high=1.0):
    """Values in [low, high] of both signs (an op defined or well conditioned only there)."""
    return lambda rng: [rng.uniform(low, high, s) for s in shapes]


def nonzero(*shapes, low=0.5, high=2.0):
    """Magnitudes in [low, high] with random signs (divisors)."""
    return lambda rng: [rng.uniform(low, high, s) * rng.choice([-1.0, 1.0], s) for s in shapes]


def away_from_zero(*shapes, margin=0.2):
    """Normal samples pushed at least ``margin`` away from 0 (kinks of abs/relu/sign)."""
    def gen(rng):
        out = []
        for s in shapes:
            x = rng.standard_normal(s)
            out.append(np.where(x >= 0, x + margin, x - margin))
        return out
    return gen


def distinct(*shapes, gap=0.1):
    """Samples whose values are all at least ``gap`` apart, across every input (no ties for
    max/min/reduce_max), shuffled."""
    def gen(rng):
        sizes = [int(np.prod(s)) for s in shapes]
        vals = rng.permutation(np.arange(sum(sizes)) * gap * 3 + rng.uniform(0, gap, sum(sizes)))
        vals = vals - vals.mean()
        out, k = [], 0
        for s, n in zip(shapes, sizes):
            out.append(vals[k:k + n].reshape(s))
            k += n
        return out
    return gen


@dataclass
class Case:
    id: str
    ops: Tuple[str, ...]          # ops.def rows whose gradient this case checks
    fn: Callable                  # fn(*tensors) -> Tensor
    ref: Optional[Callable]       # numpy forward ref(*float64 arrays); None: no forward check
    inputs: Callable              # inputs(rng) -> list of float64 arrays
    second_order: bool = True
    eps: float = 1e-6
    grad_tol: dict = field(default_factory=lambda: dict(rtol=1e-6, atol=1e-8))
    fwd_tol: Optional[dict] = None  # overrides FWD_TOL, keyed by dtype
    second_kw: dict = field(default_factory=dict)  # second_eps / second_rtol / second_atol
    recorded: bool = True         # False only for ops documented not to record (zero gradient)

    def __post_init__(self):
        if isinstance(self.ops, str):
            self.ops = (self.ops,)

    def sample(self):
        # Seeded per case so a case's data does not depend on which other tests ran.
        seed = sum(ord(c) * (i + 1) for i, c in enumerate(self.id)) % (2 ** 32)
        return [np.asarray(a, dtype=np.float64) for a in self.inputs(np.random.default_rng(seed))]


def params(cases):
    return pytest.mark.parametrize("case", cases, ids=[c.id for c in cases])


def recorded_ops(fn, xs):
    """Names of the ops a forward call of ``fn`` records on a tape watching its inputs."""
    ts = [tf.constant(a) for a in xs]
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(ts)
        fn(*ts)
    return {e[0] for e in tape._tape.entries()}


def run_forward(case, dtype):
    xs = [a.astype(dtype) for a in case.sample()]
    got = case.fn(*[tf.constant(a) for a in xs])
    assert got.dtype == tf.as_dtype(dtype), f"{case.id}: result dtype {got.dtype} for {dtype}"
    want = np.asarray(case.ref(*[a.astype(np.float64) for a in xs]))
    assert tuple(got.shape) == want.shape, f"{case.id}: shape {got.shape} != numpy {want.shape}"
    tol = (case.fwd_tol or FWD_TOL)[dtype]
    assert_allclose(got.numpy(), want, what=f"{case.id} forward ({np.dtype(dtype).name})", **tol)


def run_gradient(case):
    xs = case.sample()
    # The case must really go through the ops it claims to cover.
    missing = set(case.ops) - recorded_ops(case.fn, xs) if case.recorded else set()
    assert not missing, f"{case.id}: claims {sorted(missing)} but the tape recorded no such op"
    check_gradients(case.fn, xs, eps=case.eps, **case.grad_tol)


def run_second_order(case):
    xs = case.sample()
    check_gradients(case.fn, xs, eps=case.eps, second_order=True, **case.grad_tol, **case.second_kw)


def define_tests(cases):
    """The three standard tests over ``cases``; assign them to module-level test_* names."""
    fwd = [c for c in cases if c.ref is not None]
    so = [c for c in cases if c.second_order]

    @params(fwd)
    @pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
    def test_forward(case, dtype):
        run_forward(case, dtype)

    @params(cases)
    def test_gradient(case):
        run_gradient(case)

    @params(so)
    def test_second_order(case):
        run_second_order(case)

    return test_forward, test_gradient, test_second_order
