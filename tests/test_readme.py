"""The README's Python examples run and print what they claim."""

import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def _blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_readme_examples_run():
    blocks = _blocks()
    assert len(blocks) >= 2
    ns = {}
    exec(compile(blocks[0], "README block 1", "exec"), ns)
    assert repr(ns["dydx"]) == "<tapegrad.Tensor: shape=(), dtype=float32, numpy=10.0>"
    assert repr(ns["d2ydx2"]) == "<tapegrad.Tensor: shape=(), dtype=float32, numpy=2.0>"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(blocks[1], "README block 2", "exec"), {})
    assert float(out.getvalue()) < 1.0  # the MSE cost after 10 steps went down from ~1


def test_readme_keras_cnn_example_learns():
    block = _blocks()[2]
    assert "keras.layers.Conv2D" in block
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README block 3", "exec"), {})
    loss, accuracy = eval(out.getvalue())  # the printed [loss, accuracy]
    assert loss < 0.3 and accuracy > 0.9


def test_readme_custom_training_loop_example():
    block = [b for b in _blocks() if "tf.train.Checkpoint" in b][0]
    assert "class Regressor(keras.Model)" in block and "tf.data.Dataset" in block
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README custom loop", "exec"), {})
    loss, name = out.getvalue().split()
    assert float(loss) < 0.02 and name == "ckpt-30"
