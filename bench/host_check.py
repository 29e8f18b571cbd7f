"""How steady is this machine's CPU time? Each vCPU's FMA throughput alone and with the others busy.

    python bench/host_check.py [--trials 20] [--seconds 0.1]

Runs the register-only FMA loop of bench/fma_ceiling.py (no memory traffic) pinned to each CPU
the process may use, first on one CPU at a time, then on all of them at once, ``--trials``
times, and prints each CPU's GFLOP/s. On dedicated cores the "together" figures equal the
"alone" ones. On a cloud VM whose vCPUs share physical cores with other tenants (or with each
other), a vCPU may run slower whenever the others are busy: 2-thread GEMMs, 2-rank MPI jobs
and any run that waits for the slower of two CPUs then lose time that no code change on our
side recovers. The summary is the share of trials in which some CPU ran below 90 % of its
alone figure while all were busy, and the lowest such share.
"""

import argparse
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fma_ceiling  # noqa: E402


def _run_pinned(fn, cpu, iters, out, key, barrier):
    os.sched_setaffinity(0, {cpu})  # pid 0: this thread only (Linux)
    fn(iters // 16)  # settle on the CPU
    if barrier is not None:
        barrier.wait()
    t = time.perf_counter()
    fn(iters)
    out[key] = time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=0.1, help="length of each timed loop")
    args = ap.parse_args()
    if not hasattr(os, "sched_setaffinity"):
        sys.exit("host_check needs Linux (os.sched_setaffinity)")
    lib = fma_ceiling._load() if fma_ceiling._cpu_ok() else None
    if lib is None:
        sys.exit("host_check needs a C compiler and a CPU with AVX2 and FMA")
    cpus = sorted(os.sched_getaffinity(0))
    flops_per_iter = 12 * 8 * 2  # fma_f32: 12 chains of 8-lane FMAs
    t = time.perf_counter()
    lib.fma_f32(1 << 20)
    iters = max(1 << 16, int((1 << 20) * args.seconds / (time.perf_counter() - t)))
    gf = lambda s: iters * flops_per_iter / s / 1e9  # noqa: E731

    print(f"CPUs {cpus}; load average {os.getloadavg()[0]:.2f}; {args.trials} trials of "
          f"{args.seconds:.2f} s loops (GFLOP/s, float32 FMA)")
    print("| trial | " + " | ".join(f"cpu{c} alone" for c in cpus) + " | "
          + " | ".join(f"cpu{c} together" for c in cpus) + " |")
    print("|---|" + "---|" * (2 * len(cpus)))
    ratios, slow_trials = [], 0
    for trial in range(args.trials):
        times = {}
        for c in cpus:  # one at a time
            th = threading.Thread(target=_run_pinned, args=(lib.fma_f32, c, iters, times, ("a", c), None))
            th.start()
            th.join()
        barrier = threading.Barrier(len(cpus))
        ths = [threading.Thread(target=_run_pinned, args=(lib.fma_f32, c, iters, times, ("t", c), barrier))
               for c in cpus]
        for th in ths:
            th.start()
        for th in ths:
            th.join()
        r = [times[("a", c)] / times[("t", c)] for c in cpus]
        ratios.extend(r)
        slow_trials += min(r) < 0.9
        print(f"| {trial + 1} | " + " | ".join(f"{gf(times[('a', c)]):.1f}" for c in cpus) + " | "
              + " | ".join(f"{gf(times[('t', c)]):.1f}" for c in cpus) + " |", flush=True)
    print(f"\ntogether / alone, per CPU and trial: median {statistics.median(ratios):.2f}, "
          f"min {min(ratios):.2f}; trials with a CPU below 0.90 while all were busy: "
          f"{slow_trials} of {args.trials}")


if __name__ == "__main__":
    main()
