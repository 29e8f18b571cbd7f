"""Shared fixtures of the kernel tests."""

import pytest

from tapegrad import _core


@pytest.fixture(params=[1, 2], ids=["1thread", "2threads"])
def threads(request):
    """Runs the test with the kernels limited to 1 and to 2 threads."""
    old = _core.get_num_threads()
    _core.set_num_threads(request.param)
    yield request.param
    _core.set_num_threads(old)


# Every kernel test with an `isa` argument runs once per ISA tapegrad knows. An ISA this CPU
# cannot run is reported as skipped, with the reason, rather than left out of the count: a
# run on a CPU without AVX-512 shows that the AVX-512 kernels were not exercised there.
_ALL_ISAS = ("scalar", "avx2", "avx512")


def pytest_generate_tests(metafunc):
    if "isa" in metafunc.fixturenames:
        metafunc.parametrize("isa", [
            pytest.param(isa, marks=pytest.mark.skipif(
                not _core._kernels.cpu_supports(isa),
                reason=f"this CPU (or this build) cannot run the {isa} kernels; a CPU that has "
                       f"{isa} runs them" + (", and CI runs them emulated (.ci/emulate-avx512)"
                                             if isa == "avx512" else "")))
            for isa in _ALL_ISAS])
