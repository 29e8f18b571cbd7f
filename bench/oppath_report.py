"""Print the op-path table of issue 4: microseconds per `y = y * x + x` iteration.

Usage: python bench/oppath_report.py [--rounds 15]
Each contender is timed in alternating rounds in one process (best round reported), so the
figures are side by side on this shared machine. PyTorch/TF columns appear when installed.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import tapegrad as tf  # noqa: E402
import oppath  # noqa: E402


def best_time(fn, reps, rounds):
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        best = min(best, (time.perf_counter() - t0) / reps)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--reps", type=int, default=30)
    args = ap.parse_args()
    x0 = 0.999
    contenders = {
        "tapegrad chain+gradient": lambda x=tf.constant(x0): oppath.tapegrad_chain(tf, x),
        "tapegrad forward": lambda x=tf.constant(x0): oppath.tapegrad_forward(tf, x),
        "numpy by hand chain+derivative": lambda x=np.float32(x0): oppath.numpy_chain(x),
        "numpy forward": lambda x=np.float32(x0): oppath.numpy_forward(x),
    }
    try:
        import torch
        torch.set_num_threads(1)
        tx = torch.tensor(x0)
        contenders["torch chain+autograd.grad"] = lambda: oppath.torch_chain(torch, tx)
        contenders["torch forward (no_grad)"] = lambda: oppath.torch_forward(torch, tx)
    except (ImportError, OSError):  # absent, or a broken install: an optional column
        pass
    try:
        import tensorflow as real_tf  # noqa: F401
        rx = real_tf.constant(x0)
        contenders["TF eager chain+GradientTape"] = lambda: oppath.tapegrad_chain(real_tf, rx)
    except (ImportError, OSError):
        pass
    # Check once, then warm up.
    np.testing.assert_allclose(float(oppath.tapegrad_chain(tf, tf.constant(x0))),
                               oppath.expected_gradient(x0), rtol=1e-3)
    for fn in contenders.values():
        fn()
    results = {name: float("inf") for name in contenders}
    for _ in range(args.rounds):  # alternate contenders round by round
        for name, fn in contenders.items():
            results[name] = min(results[name], best_time(fn, args.reps, 1))
    print(f"load average: {os.getloadavg()[0]:.1f}; isa={tf.config.isa()}; N={oppath.N}")
    print("| contender | µs per iteration (2 ops) | µs per op |")
    print("|---|---|---|")
    for name, t in results.items():
        per_iter = t / oppath.N * 1e6
        print(f"| {name} | {per_iter:.2f} | {per_iter / 2:.2f} |")


if __name__ == "__main__":
    main()
