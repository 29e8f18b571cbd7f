"""Crash fuzzing: random calls of the public API with random arguments of random types end in
a result or a Python exception, never a crash or a hang.

The calls run in a child process (crash_fuzz_child.py), so a segfault or abort fails the test
instead of killing the test run; the child names the call it was making. Seeds and call counts
are fixed (CI); TAPEGRAD_CRASH_FUZZ_CALLS=N and TAPEGRAD_CRASH_FUZZ_SEEDS=a,b,c run more.

Then a battery of the crashes the fuzzer found, one call each, as regression tests.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

import reliability_support
from reliability_support import child_env

HERE = os.path.dirname(os.path.abspath(__file__))
CALLS = int(os.environ.get("TAPEGRAD_CRASH_FUZZ_CALLS", "2500"))
SEEDS = [int(s) for s in os.environ.get("TAPEGRAD_CRASH_FUZZ_SEEDS", "0,1").split(",")]
TIMEOUT = 600

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the child reads /proc and limits its address space")

_totals = {"calls": 0, "returned": 0, "raised": 0, "callables": 0}


@pytest.fixture(scope="module", autouse=True)
def _summary():
    yield
    if _totals["calls"]:
        reliability_support.add(
            f"crash fuzz: {_totals['calls']} random calls of {_totals['callables']} public "
            f"callables and the methods of what they returned ({_totals['returned']} returned, "
            f"{_totals['raised']} raised Python exceptions), seeds {SEEDS}")


@pytest.mark.parametrize("seed", SEEDS)
def test_random_calls_return_or_raise(seed, tmp_path):
    log, summary = tmp_path / "calls.log", tmp_path / "summary.json"
    try:
        r = subprocess.run([sys.executable, os.path.join(HERE, "crash_fuzz_child.py"), str(seed),
                            str(CALLS), str(log), str(summary)],
                           cwd=tmp_path, capture_output=True, text=True, env=child_env(),
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        last = log.read_text(errors="replace").splitlines()[-1:] if log.exists() else []
        pytest.fail(f"seed {seed}: the fuzzer hung; last call: {last}")
    if r.returncode != 0:
        last = log.read_text(errors="replace").splitlines()[-1:] if log.exists() else []
        pytest.fail(f"seed {seed}: the child died (exit {r.returncode}) during\n  {last}\n"
                    f"{r.stderr[-4000:]}")
    s = json.loads(summary.read_text())
    assert not s["suspicious"], "\n".join(s["suspicious"])
    assert s["outcomes"].get("returned", 0) + s["outcomes"].get("raised", 0) == CALLS
    # The fuzzer must reach real work, not only argument errors.
    assert s["outcomes"].get("returned", 0) > CALLS // 10, s["outcomes"]
    _totals["calls"] += CALLS
    _totals["returned"] += s["outcomes"].get("returned", 0)
    _totals["raised"] += s["outcomes"].get("raised", 0)
    _totals["callables"] = s["callables"]


# -- regressions: each of these crashed the interpreter or broke the C-API contract ---------------
REGRESSIONS = textwrap.dedent(r"""
    import copy, pickle, sys
    import numpy as np, tapegrad as tf

    def expect(exc, fn):
        try:
            fn()
        except exc:
            return
        except SystemError as e:  # an exception left set by C++: never acceptable
            raise AssertionError(f"SystemError: {e}")
        raise AssertionError(f"expected {exc.__name__}")

    x = tf.constant(np.ones((2, 3), np.float32))
    v0 = tf.Variable(np.float64(2.0))
    # Items of a numpy array used as a shape / list: the binding kept borrowed handles to
    # temporaries (segfault).
    expect(TypeError, lambda: tf.ones(np.zeros((2, 3, 0), np.float32)))
    expect(TypeError, lambda: tf.zeros(np.ones((2, 3))))
    expect(TypeError, lambda: tf.reshape(x, np.array([[3, 2]])))
    assert tf.concat(np.ones((2, 3, 2), np.float32), 0).shape == (6, 2)
    assert tf.stack(np.ones((2, 3), np.float32)).shape == (2, 3)
    # A 0-d Variable where a sequence is expected: len() failed inside the binding and the
    # error was left set (SystemError).
    expect(TypeError, lambda: tf.reduce_sum(x, v0))
    expect(TypeError, lambda: tf.concat(v0, 0))
    expect(TypeError, lambda: tf.stack(v0))
    # Pickle protocols 0/1 reached pybind11's base constructor (abort); now every protocol
    # round-trips through numpy, as TF's pickling does.
    for obj in (x, tf.Variable([1.0])):
        for proto in (0, 1, 2, pickle.HIGHEST_PROTOCOL):
            back = pickle.loads(pickle.dumps(obj, proto))
            assert type(back) is type(obj) and back.numpy().tolist() == obj.numpy().tolist()
        assert callable(obj.__reduce__()[0])
        assert copy.deepcopy(obj).numpy().tolist() == obj.numpy().tolist()
    # A non-int softmax axis: RuntimeError("Unable to cast ...") instead of TypeError.
    for bad in ([1], 1.5, "a", 2**70, x):
        expect(TypeError, lambda: tf.nn.softmax(x, bad))
        expect(TypeError, lambda: tf.nn.log_softmax(x, bad))
    expect(TypeError, lambda: tf.reduce_sum(x, 2**70))
    print("survived")
""")


def test_found_crashes_stay_fixed():
    r = subprocess.run([sys.executable, "-c", REGRESSIONS], capture_output=True, text=True,
                       env=child_env(), timeout=120)
    assert r.returncode == 0 and "survived" in r.stdout, (r.returncode, r.stderr[-3000:])
