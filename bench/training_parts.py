"""Where a 1-thread batch-256 training step goes: numpy by hand and tapegrad, whole steps and
their two big GEMMs (x W1 and xᵀ dh, 256x784x512 each), against the FMA ceiling.

    PYTHONPATH=<tapegrad> python bench/training_parts.py [--rounds 20] [--batch 256]

Contenders alternate round by round; best of each. Prints what a step of 1.2x numpy's would
leave for the GEMMs (the issue-5 goal at batch 256).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import tapegrad as tf  # noqa: E402
import training_report as tr  # noqa: E402
from fma_ceiling import ceiling  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--batch", type=int, default=256)
    args = ap.parse_args(argv)
    ctx = tr.set_threads(1)
    x, y, params = tr.problem(args.batch)
    w1 = params[0]
    dh = np.random.default_rng(1).standard_normal((args.batch, tr.HIDDEN)).astype(np.float32)
    tx, tw1, tdh = tf.constant(x), tf.constant(w1), tf.constant(dh)
    parts = {
        "numpy step": tr.NumpyStep(x, y, params),
        "tapegrad step (keras)": tr.KerasStep(x, y, params),
        "tapegrad step (raw tape)": tr.RawTapeStep(x, y, params),
        "numpy x @ W1": lambda: x @ w1,
        "numpy x.T @ dh": lambda: x.T @ dh,
        "tapegrad x @ W1": lambda: tf.matmul(tx, tw1),
        "tapegrad xᵀ @ dh": lambda: tf.matmul(tx, tdh, transpose_a=True),
    }
    best = dict.fromkeys(parts, float("inf"))
    ceil = 0.0
    for _ in range(args.rounds):
        ceil = max(ceil, ceiling("float32", 1, seconds=0.1, repeats=3) or 0.0)
        for name, fn in parts.items():
            fn()
            t0 = time.perf_counter()
            for _ in range(5):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t0) / 5)
    if ctx is not None:
        ctx.restore_original_limits()
    flops = 2.0 * args.batch * tr.D_IN * tr.HIDDEN
    print(f"batch {args.batch}, 1 thread, load average {os.getloadavg()[0]:.1f}; FMA ceiling "
          f"{ceil:.1f} GFLOP/s: the two big GEMMs ({flops / 1e6:.1f} MFLOP each) take at least "
          f"{2 * flops / ceil / 1e3:.0f} µs")
    for name, t in best.items():
        extra = ""
        if "step" not in name:
            extra = f"  {flops / t / 1e9:.1f} GFLOP/s, {100 * flops / t / 1e9 / ceil:.0f} % of the ceiling"
        print(f"  {name:26s} {t * 1e6:8.0f} µs{extra}")
    for lib, step, gemms in (("numpy", "numpy step", ("numpy x @ W1", "numpy x.T @ dh")),
                             ("tapegrad", "tapegrad step (keras)",
                              ("tapegrad x @ W1", "tapegrad xᵀ @ dh"))):
        g = sum(best[k] for k in gemms)
        print(f"  {lib}: the two GEMMs {g * 1e6:.0f} µs, the rest of the step "
              f"{(best[step] - g) * 1e6:.0f} µs")
    target = best["numpy step"] / 1.2
    rest = best["tapegrad step (keras)"] - best["tapegrad x @ W1"] - best["tapegrad xᵀ @ dh"]
    left = target - rest
    print(f"a step of 1.2x numpy's: <= {target * 1e6:.0f} µs; with our rest, the two GEMMs in "
          f"{left * 1e6:.0f} µs = {100 * 2 * flops / left / 1e9 / ceil:.1f} % of the FMA ceiling "
          f"(now numpy / tapegrad = {best['numpy step'] / best['tapegrad step (keras)']:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
