"""Every float32 below 2^26 (both signs by symmetry) through our float32 sin/cos/tan kernels,
and every float32 up to inf through atan, against the double-precision function rounded once:
the checks behind Notes [Sin and cos] and [Atan].

    python bench/trig_exhaustive.py                  # every ISA this CPU runs, sin cos tan
    python bench/trig_exhaustive.py avx2 sin         # one ISA, one function

Prints the largest ulp distance and how many floats are more than 1 ulp away (the Note claims
none). About 30 s per ISA and function on one core (atan: 2 minutes).
"""
import sys
import time

import numpy as np

from tapegrad import _core

K = _core._kernels.f32
REF = {"sin": np.sin, "cos": np.cos, "tan": np.tan, "atan": np.arctan}
CHUNK = 1 << 24


def _ordered(bits):
    i = bits.view(np.int32).astype(np.int64)
    return np.where(i < 0, -(i & 0x7FFFFFFF), i)


def check(isa, fn):
    # sin/cos/tan: below 2^26, where the vector path runs (past it, the C library's); atan: all
    limit = int(np.float32(np.inf if fn == "atan" else 2.0 ** 26).view(np.uint32)) + (fn == "atan")
    worst, over = 0, 0
    for start in range(0, limit, CHUNK):
        x = np.arange(start, min(start + CHUNK, limit), dtype=np.uint32).view(np.float32)
        got = K.unary(isa, fn, x)
        with np.errstate(over="ignore"):
            want = REF[fn](x.astype(np.float64)).astype(np.float32)
        d = np.abs(_ordered(got) - _ordered(want))
        worst = max(worst, int(d.max()))
        over += int((d > 1).sum())
        if d.max() > 1:
            i = int(d.argmax())
            print(f"  {isa} {fn}({x[i]!r}) = {got[i]!r}, double rounded: {want[i]!r}", flush=True)
    return worst, over


def main(argv):
    isas = [argv[0]] if argv else list(K.isas()) if hasattr(K, "isas") else list(_core._kernels.isas())
    fns = argv[1:] or sorted(REF)
    bad = 0
    for isa in isas:
        for fn in fns:
            t = time.time()
            worst, over = check(isa, fn)
            bad += over
            print(f"{isa} {fn}: max {worst} ulp, {over} floats more than 1 ulp away "
                  f"({time.time() - t:.0f} s)", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
