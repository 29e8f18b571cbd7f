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
