"""Op-path benchmarks (issue 4): the fixed cost of one recorded op plus its backward.

Run: python -m pytest bench/test_bench_oppath.py --benchmark-group-by=group
Divide the reported time by oppath.N (100) for the per-iteration cost.
"""

import numpy as np
import pytest

import tapegrad as tf

import oppath

X0 = 0.999


@pytest.fixture(params=[1, 2], ids=["1thread", "2threads"])
def threads(request):
    old = tf.get_num_threads()
    tf.set_num_threads(request.param)
    yield request.param
    tf.set_num_threads(old)


def _check(got, want):
    np.testing.assert_allclose(float(got), want, rtol=1e-3)


@pytest.mark.benchmark(group="oppath-chain-with-gradient")
def test_tapegrad_chain(benchmark, threads):
    x = tf.constant(X0)
    _check(oppath.tapegrad_chain(tf, x), oppath.expected_gradient(X0))
    benchmark(oppath.tapegrad_chain, tf, x)


@pytest.mark.benchmark(group="oppath-chain-with-gradient")
def test_numpy_by_hand_chain(benchmark):
    x = np.float32(X0)
    _check(oppath.numpy_chain(x), oppath.expected_gradient(X0))
    benchmark(oppath.numpy_chain, x)


@pytest.mark.benchmark(group="oppath-chain-with-gradient")
def test_torch_chain(benchmark):
    torch = pytest.importorskip("torch", reason="PyTorch is an optional comparison")
    x = torch.tensor(X0)
    _check(oppath.torch_chain(torch, x), oppath.expected_gradient(X0))
    benchmark(oppath.torch_chain, torch, x)


@pytest.mark.benchmark(group="oppath-forward")
def test_tapegrad_forward(benchmark):
    x = tf.constant(X0)
    _check(oppath.tapegrad_forward(tf, x), float(oppath.numpy_forward(np.float32(X0))))
    benchmark(oppath.tapegrad_forward, tf, x)


@pytest.mark.benchmark(group="oppath-forward")
def test_numpy_forward(benchmark):
    x = np.float32(X0)
    benchmark(oppath.numpy_forward, x)


@pytest.mark.benchmark(group="oppath-forward")
def test_torch_forward(benchmark):
    torch = pytest.importorskip("torch", reason="PyTorch is an optional comparison")
    x = torch.tensor(X0)
    benchmark(oppath.torch_forward, torch, x)
