"""python -m tapegrad.demo: runs with no downloads, prints the seed's numbers, trains."""

import os
import subprocess
import sys

import pytest

import tapegrad as tf

pytestmark = pytest.mark.filterwarnings("ignore")


def _run(tmp_path, *args):
    env = dict(os.environ)
    pkg_parent = os.path.dirname(os.path.dirname(tf.__file__))
    env["PYTHONPATH"] = pkg_parent + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "tapegrad.demo", *args, "--out-dir", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_demo_prints_seed_numbers_and_trains(tmp_path):
    r = _run(tmp_path, "--epochs", "2", "--threads", "1")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "numpy=10.0>" in out and "numpy=2.0>" in out
    assert "625000.0" in out
    assert "625000.0, 500.0, 10.0" in out
    assert "-> 75.0" in out
    assert "A non-persistent GradientTape can only be used to compute one set of gradients" in out
    assert "[[8.0, 8.0], [8.0, 8.0]]" in out
    assert "Epoch 2/2" in out and "[==============================]" in out
    assert "final loss:" in out and "numpy / tapegrad" in out
    # the picture of the nested tape (or its DOT text when Graphviz is missing)
    assert (tmp_path / "tape.png").exists() or (tmp_path / "tape.dot").exists()
    try:
        import matplotlib  # noqa: F401
        assert (tmp_path / "loss.png").exists()
    except ImportError:
        assert "pip install matplotlib" in out


def test_demo_quiet_has_no_progress_bar(tmp_path):
    r = _run(tmp_path, "--epochs", "1", "--quiet", "--batch-size", "128")
    assert r.returncode == 0, r.stderr
    assert "Epoch 1/1" not in r.stdout and "final loss:" in r.stdout


def test_demo_loss_curve_matches_numpy(tmp_path):
    from tapegrad.demo import train_demo
    res = train_demo(epochs=2, batch_size=64, quiet=True, out_dir=str(tmp_path), hidden=32, n=512)
    assert res["max_rel_diff"] < 1e-5
