"""pytest-benchmark: one training step of a 784-512(ReLU)-10 MLP, tapegrad vs numpy by hand.

    pytest bench/test_bench_training.py --benchmark-group-by=group
    pytest bench/test_bench_training.py -k "1T and b32"

One group per (threads, batch) holding numpy by hand (the baseline), tapegrad through
tapegrad.keras, tapegrad on the raw tape, and PyTorch / TF eager when installed. The step
implementations live in training_report.py (which also prints the ratio table for RESULTS.md);
every benchmark checks one step against numpy's before timing, so fast-but-wrong can't pass.
"""
import os
import sys

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import training_report as tr  # noqa: E402

IMPLS = {c.name: c for c in tr.CONTENDERS + tr._optional_steps()}
CASES = [(th, b) for th in tr.THREADS for b in tr.BATCHES]


def _id(case):
    th, b = case
    return f"{th}T-b{b}"


def _rounds(batch):
    return {1: 300, 32: 100, 256: 30}.get(batch, 30)


@pytest.mark.parametrize("impl", list(IMPLS))
@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_training_step(benchmark, case, impl):
    th, batch = case
    ctx = tr.set_threads(th)
    try:
        cls = IMPLS[impl]
        if cls is not tr.NumpyStep:
            tr.check(cls, batch)
        x, y, params = tr.problem(batch)
        step = cls(x, y, params)
        benchmark.group = _id(case)
        benchmark.extra_info["threads"] = th
        benchmark.extra_info["batch"] = batch
        loss = benchmark.pedantic(step, rounds=_rounds(batch), iterations=1, warmup_rounds=3)
        assert np.isfinite(float(loss))
    finally:
        if ctx is not None:
            ctx.restore_original_limits()


def test_loss_curve_matches_numpy():
    """A 30-step training run's losses equal numpy's to float32 rounding."""
    ref = tr.loss_curve(tr.NumpyStep, 32)
    for cls in (tr.KerasStep, tr.RawTapeStep):
        got = tr.loss_curve(cls, 32)
        np.testing.assert_allclose(got, ref, rtol=2e-5)
