"""Runtime configuration: which kernel ISA runs, how many threads kernels use, and the cache of
large freed buffers."""

from ._core import get_num_threads, set_num_threads, cpu_supports
from ._core import isa as _isa, set_isa as _set_isa
from ._core import _cache_bytes, _cache_limit, _empty_cache, _set_cache_limit


def isa():
    """The kernel instruction set in use: 'scalar', 'avx2' or 'avx512'.

    Chosen once at import from the CPU (CPUID); the environment variable
    ``TAPEGRAD_ISA=scalar|avx2|avx512`` forces one.
    """
    return _isa()


def set_isa(name):
    """Switch kernels to ``name`` for this process (ValueError if unknown, RuntimeError if
    this CPU lacks it). Meant for tests and benchmarks comparing ISAs."""
    _set_isa(name)


def set_memory_cache_limit(nbytes):
    """Bound the cache of freed large buffers (256 KiB and up) to ``nbytes``; 0 turns it off.

    Tensors of the same size are allocated every training step; reusing their freed buffers
    spares the operating system's page zeroing and faults (a 16M-element add runs several
    times faster). The default bound is 512 MiB, or ``TAPEGRAD_CACHE_LIMIT_MB`` from the
    environment. Lowering it frees what no longer fits.
    """
    _set_cache_limit(int(nbytes))


def get_memory_cache_limit():
    """The bound of the large-buffer cache in bytes (see set_memory_cache_limit)."""
    return _cache_limit()


def memory_cache_bytes():
    """Bytes currently held by the large-buffer cache (freed buffers kept for reuse)."""
    return _cache_bytes()


def empty_cache():
    """Give every cached free buffer back to the operating system (as torch.cuda.empty_cache)."""
    _empty_cache()


__all__ = ["isa", "set_isa", "cpu_supports", "get_num_threads", "set_num_threads",
           "set_memory_cache_limit", "get_memory_cache_limit", "memory_cache_bytes", "empty_cache"]
