"""Print the elementwise table of issue 4: numpy time / ours per op, size and thread count.

Usage: python bench/elementwise_report.py [--rounds 7] [--sizes 1K,64K,1M,16M]
Same workloads as test_bench_elementwise.py (public tapegrad ops on tensors against numpy on
arrays, results checked there); here numpy and ours alternate round by round in one process and
the best round of each is kept, so each ratio is side by side on this shared machine.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import tapegrad as tf  # noqa: E402
from test_bench_elementwise import BYTES_PER_ELEMENT, OPS, SIZES, operands  # noqa: E402


def _best(fn, args, iters, rounds):
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(iters):
            fn(*args)
        best = min(best, (time.perf_counter() - t0) / iters)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--sizes", default=",".join(SIZES))
    ap.add_argument("--ops", default=",".join(OPS))
    ap.add_argument("--alone", action="store_true",
                    help="time all of numpy's rounds, then all of ours, instead of alternating "
                         "(each side's data then has the caches to itself)")
    args = ap.parse_args()
    sizes = args.sizes.split(",")
    rng = np.random.default_rng(0)
    print(f"load average {os.getloadavg()[0]:.1f}; isa={tf.config.isa()}; float32; "
          "cells: ratio numpy/ours at 1 thread / 2 threads (GB/s of ours at 1 thread)")
    print("| op | " + " | ".join(sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for op in args.ops.split(","):
        ref_fn, ours_fn, _ = OPS[op]
        cells = []
        for size in sizes:
            n = SIZES[size]
            x, y = operands(op, n, rng)  # the benchmark's: 2-D for the ops along an axis
            ours_args = ((tf.Variable(x) if op == "assign_sub" else tf.constant(x)), tf.constant(y))
            np_args = (x.copy(), y)
            # A round runs enough calls to last ~2 ms on the faster side (so every round
            # measures steady throughput: warm caches and allocator, our pool's workers still
            # spinning between calls), the same count for both. Counting the calls from
            # numpy's time alone made our rounds a few calls long where we are much faster: at
            # 1M, 3-4 relu calls (~0.5 ms), the first on caches numpy had just filled (ratio
            # 2.3-2.8 alternating against 4.2-5.3 alone). Counting them per side instead
            # shortened numpy's rounds the same way.
            def calls(fn, a):
                return max(1, (1 << 18) // n, int(2e-3 / max(_best(fn, a, 1, 3), 1e-7)))
            iters = max(calls(ref_fn, np_args), calls(ours_fn, ours_args))
            ratios, gbs = [], None
            for threads in (1, 2):
                tf.set_num_threads(threads)
                t_np = t_us = float("inf")
                if args.alone:
                    t_np = _best(ref_fn, np_args, iters, args.rounds)
                    t_us = _best(ours_fn, ours_args, iters, args.rounds)
                for _ in range(0 if args.alone else args.rounds):  # alternate numpy and ours
                    t_np = min(t_np, _best(ref_fn, np_args, iters, 1))
                    t_us = min(t_us, _best(ours_fn, ours_args, iters, 1))
                ratios.append(t_np / t_us)
                if threads == 1:
                    gbs = 4 * n * BYTES_PER_ELEMENT[op] / t_us / 1e9
            cells.append(f"{ratios[0]:.2f} / {ratios[1]:.2f} ({gbs:.0f})")
        print(f"| {op} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
