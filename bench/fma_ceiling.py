"""The FMA ceiling of this machine, measured in the calling process (see fma_ceiling.c).

ceiling(dtype, threads) -> GFLOP/s of a register-only FMA loop on `threads` threads at once:
the faster of the 256-bit loop and, on a CPU with AVX-512F, the 512-bit one (the ceiling of
what tapegrad's AVX-512 kernels can reach). The C file is compiled once into a cache directory
with the system C compiler; returns None if there is no compiler or the CPU lacks AVX2/FMA.
"""
import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
_SRC = os.path.join(_HERE, "fma_ceiling.c")
_lib = None


def _load():
    global _lib
    if _lib is not None:
        return _lib
    cc = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        return None
    with open(_SRC, "rb") as f:
        tag = hashlib.sha1(f.read()).hexdigest()[:12]
    out = os.path.join(tempfile.gettempdir(), f"tapegrad_fma_ceiling_{tag}.so")
    if not os.path.exists(out):
        tmp = out + f".{os.getpid()}"
        subprocess.run([cc, "-O2", "-mavx2", "-mfma", "-shared", "-fPIC", _SRC, "-o", tmp], check=True)
        os.replace(tmp, out)
    lib = ctypes.CDLL(out)
    lib.fma_f32.restype, lib.fma_f32.argtypes = ctypes.c_float, [ctypes.c_int64]
    lib.fma_f64.restype, lib.fma_f64.argtypes = ctypes.c_double, [ctypes.c_int64]
    lib.fma512_f32.restype, lib.fma512_f32.argtypes = ctypes.c_float, [ctypes.c_int64]
    lib.fma512_f64.restype, lib.fma512_f64.argtypes = ctypes.c_double, [ctypes.c_int64]
    _lib = lib
    return lib


def _cpu_flags():
    try:
        with open("/proc/cpuinfo") as f:
            return f.read()
    except OSError:
        return ""


def _cpu_ok():
    flags = _cpu_flags()
    return " avx2" in flags and " fma" in flags


def has_avx512():
    """True if the CPU has AVX-512F (and the 512-bit loop may run)."""
    return " avx512f" in _cpu_flags()


def ceiling(dtype="float32", threads=1, seconds=0.2, repeats=5, width=None):
    """Best-of-`repeats` GFLOP/s summed over `threads` concurrent threads. width=256 or 512
    measures that loop only; None takes the faster (512 only on a CPU with AVX-512F)."""
    if not _cpu_ok():
        return None
    lib = _load()
    if lib is None:
        return None
    if width is None:
        widths = (256, 512) if has_avx512() else (256,)
        return max(ceiling(dtype, threads, seconds, repeats, w) for w in widths)
    f32 = str(dtype) in ("float32", "f32")
    if width == 512:
        fn, lanes = (lib.fma512_f32, 16) if f32 else (lib.fma512_f64, 8)
    else:
        fn, lanes = (lib.fma_f32, 8) if f32 else (lib.fma_f64, 4)
    iters = 1 << 20
    t0 = time.perf_counter()
    fn(iters)
    dt = time.perf_counter() - t0
    iters = max(1 << 16, int(iters * seconds / max(dt, 1e-6) / repeats))
    flops = iters * 12 * lanes * 2
    best = 0.0
    for _ in range(repeats):
        times = [0.0] * threads

        def work(i):
            t = time.perf_counter()
            fn(iters)
            times[i] = time.perf_counter() - t

        ts = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        best = max(best, sum(flops / t for t in times) / 1e9)
    return best


if __name__ == "__main__":
    for dt in ("float32", "float64"):
        for th in (1, 2):
            widths = (256, 512) if has_avx512() else (256,)
            parts = ", ".join(f"{w}-bit {ceiling(dt, th, width=w):.1f}" for w in widths)
            print(f"{dt} {th} thread(s): {parts} GFLOP/s")
