"""Launching MPI jobs from the tests: ``mpiexec -n N python worker.py ...`` on this machine only.

mpiexec comes from the ``mpich`` wheel (the test extra installs it with mpi4py, next to the
Python that runs the tests). With MPICH's hydra the processes are started with the fork
launcher on localhost, hydra talks over the loopback interface (``-iface lo``) and UCX is
limited to shared memory (``UCX_TLS=self,sm``), so no test traffic leaves loopback. Every job
runs under a timeout: a hang fails the test instead of stalling the run.
"""

import os
import shutil
import subprocess
import sys
import sysconfig

import pytest

import tapegrad

WORKERS = os.path.join(os.path.dirname(__file__), "workers")
LOOPBACK = "lo0" if sys.platform == "darwin" else "lo"  # the loopback interface's name
# Variables of an enclosing MPI job: a test's job must not believe it is part of ours.
_LAUNCHER_ENV = ("PMI_", "PMIX_", "OMPI_", "MV2_", "MPI_LOCAL", "HYDRA_", "TAPEGRAD_MPI")


def _find_mpiexec():
    scripts = sysconfig.get_path("scripts")
    for name in ("mpiexec", "mpirun"):
        for path in (os.path.join(scripts, name), shutil.which(name)):
            if path and os.path.isfile(path) and os.access(path, os.X_OK):
                return path
    return None


def _why_no_mpi():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return "mpi4py is not installed (pip install \".[test]\" installs it with MPICH)"
    if _find_mpiexec() is None:
        return "no mpiexec next to this Python or on PATH (pip install mpich)"
    return None


class MPIRunner:
    """Runs ``python <worker> args`` (a file in workers/, or ``"-m module"``) on ``n``
    processes; returns the CompletedProcess."""

    def __init__(self, mpiexec):
        self.mpiexec = mpiexec
        try:
            version = subprocess.run([mpiexec, "--version"], capture_output=True, text=True,
                                     timeout=30).stdout
        except (OSError, subprocess.TimeoutExpired):
            version = ""
        self.hydra = "HYDRA" in version
        self.openmpi = "Open MPI" in version or "OpenRTE" in version

    def command(self, n, script, *args):
        cmd = [self.mpiexec]
        if self.hydra:
            cmd += ["-launcher", "fork", "-iface", LOOPBACK, "-host", "localhost"]
        elif self.openmpi:
            cmd += ["--oversubscribe", "--host", f"localhost:{n}"]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                cmd.append("--allow-run-as-root")
        target = script.split() if script.startswith("-m ") else [os.path.join(WORKERS, script)]
        cmd += ["-n", str(n), sys.executable, *target, *map(str, args)]
        return cmd

    def env(self, threads=1):
        env = {k: v for k, v in os.environ.items() if not k.startswith(_LAUNCHER_ENV)}
        pkg_parent = os.path.dirname(os.path.dirname(tapegrad.__file__))
        env["PYTHONPATH"] = pkg_parent + os.pathsep + env.get("PYTHONPATH", "")
        env["TAPEGRAD_NUM_THREADS"] = str(threads)
        env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "1"
        env["UCX_TLS"] = "self,sm"          # shared memory only
        env["UCX_NET_DEVICES"] = LOOPBACK
        env["FI_PROVIDER"] = "shm"          # if MPICH picks its OFI netmod instead
        env["HYDRA_IFACE"] = LOOPBACK
        return env

    def run(self, n, script, *args, timeout=60, threads=1):
        cmd = self.command(n, script, *args)
        try:
            return subprocess.run(cmd, env=self.env(threads), capture_output=True, text=True,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
            err = (e.stderr or b"").decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
            pytest.fail(f"MPI job did not finish within {timeout} s: {' '.join(cmd)}\n"
                        f"stdout:\n{out}\nstderr:\n{err}")


@pytest.fixture(scope="session")
def mpirun():
    """An MPIRunner; the test is skipped (with the reason) where MPI is not installed."""
    why = _why_no_mpi()
    if why:
        pytest.skip(why)
    return MPIRunner(_find_mpiexec())
