"""The op-path workloads of issue 4, shared by test_bench_oppath.py and oppath_report.py.

A chain of N iterations of ``y = y * x + x`` on scalars: recorded under a tape and
differentiated (``chain_*``), or forward only (``forward_*``). Per-iteration time = total / N.
"""

import numpy as np

N = 100


def tapegrad_chain(tf, x):
    with tf.GradientTape() as t:
        t.watch(x)
        y = x
        for _ in range(N):
            y = y * x + x
    return t.gradient(y, x)


def tapegrad_forward(tf, x):
    y = x
    for _ in range(N):
        y = y * x + x
    return y


def numpy_chain(x):
    # The same value and derivative by hand: y' = y_prev + x * y_prev' + 1.
    y, dy = x, np.float32(1.0)
    for _ in range(N):
        y, dy = y * x + x, y + x * dy + np.float32(1.0)
    return dy


def numpy_forward(x):
    y = x
    for _ in range(N):
        y = y * x + x
    return y


def torch_chain(torch, x):
    x = x.detach().requires_grad_(True)
    y = x
    for _ in range(N):
        y = y * x + x
    (g,) = torch.autograd.grad(y, x)
    return g


def torch_forward(torch, x):
    with torch.no_grad():
        y = x
        for _ in range(N):
            y = y * x + x
    return y


def expected_gradient(x0):
    y, dy = x0, 1.0
    for _ in range(N):
        y, dy = y * x0 + x0, y + x0 * dy + 1.0
    return dy
