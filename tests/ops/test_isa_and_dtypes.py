"""Every case's forward and float64 gradient agree across the kernel ISAs this CPU supports
(scalar is the reference), and float32 gradients agree with float64 ones."""

import importlib
import pathlib

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.testing import assert_allclose, tape_gradient

# The SIMD ISAs, each compared with the scalar reference; one this CPU cannot run is reported
# as skipped (with the reason), not left out.
SIMD_ISAS = [pytest.param(i, marks=pytest.mark.skipif(
    not tf.config.cpu_supports(i),
    reason=f"this CPU (or this build) cannot run the {i} kernels; a CPU that has {i} runs them"
           + (", and CI runs them emulated (.ci/emulate-avx512)" if i == "avx512" else "")))
    for i in ("avx2", "avx512")]
_MODULES = [p.stem for p in sorted(pathlib.Path(__file__).parent.glob("test_*.py"))
            if p.stem not in ("test_op_coverage", "test_isa_and_dtypes")]
ALL_CASES = [c for m in _MODULES for c in getattr(importlib.import_module(m), "CASES", [])]


def _seed(case, xs):
    out = case.fn(*[tf.constant(a) for a in xs])
    return [np.random.default_rng(7).standard_normal(tuple(out.shape))]


def _run(case, xs, dtype, v):
    out = case.fn(*[tf.constant(a.astype(dtype)) for a in xs]).numpy()
    return out, tape_gradient(case.fn, [a.astype(dtype) for a in xs], [v[0].astype(dtype)])


@pytest.mark.parametrize("isa", SIMD_ISAS)
def test_isa_matches_scalar(isa):
    before = tf.config.isa()
    failures = []
    try:
        for case in ALL_CASES:
            xs = case.sample()
            v = _seed(case, xs)
            for dtype, tol in ((np.float32, dict(rtol=1e-5, atol=1e-6)),
                               (np.float64, dict(rtol=1e-12, atol=1e-13))):
                tf.config.set_isa("scalar")
                ref_out, ref_g = _run(case, xs, dtype, v)
                tf.config.set_isa(isa)
                out, g = _run(case, xs, dtype, v)
                try:
                    assert_allclose(out, ref_out, what=f"{case.id} forward", **tol)
                    for i, (a, b) in enumerate(zip(g, ref_g)):
                        assert_allclose(a, b, what=f"{case.id} gradient {i}", **tol)
                except AssertionError as e:
                    failures.append(f"{np.dtype(dtype).name}: {str(e).splitlines()[0]}")
    finally:
        tf.config.set_isa(before)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.id for c in ALL_CASES])
def test_float32_gradient_matches_float64(case):
    xs = case.sample()
    v = _seed(case, xs)
    _, g64 = _run(case, xs, np.float64, v)
    _, g32 = _run(case, xs, np.float32, v)
    for i, (a, b) in enumerate(zip(g32, g64)):
        assert_allclose(a, b, rtol=1e-3, atol=1e-4, what=f"{case.id} float32 gradient {i}")
