"""Runtime configuration: which kernel ISA runs, and how many threads kernels use."""

from ._core import get_num_threads, set_num_threads, cpu_supports
from ._core import isa as _isa, set_isa as _set_isa


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


__all__ = ["isa", "set_isa", "cpu_supports", "get_num_threads", "set_num_threads"]
