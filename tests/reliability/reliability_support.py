"""Shared by the reliability tests: counters that conftest.py prints at the end of the run (and
appends to the file named by $TAPEGRAD_RELIABILITY_REPORT, for quoting), and the environment
for child processes."""

import collections
import os

import tapegrad

COUNTS = collections.Counter()
LINES = []


def add(line):
    """A line for the end-of-run summary (also written to $TAPEGRAD_RELIABILITY_REPORT)."""
    LINES.append(line)
    path = os.environ.get("TAPEGRAD_RELIABILITY_REPORT")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


def child_env():
    """os.environ with the tapegrad this test run imported first on PYTHONPATH, so a child
    process (whatever its working directory) tests the same build."""
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(tapegrad.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in [env.get("PYTHONPATH")] if p])
    return env
