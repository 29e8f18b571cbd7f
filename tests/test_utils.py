"""tapegrad.utils: tape_to_dot shows ops, shapes, dtypes, sources, targets and backward edges."""

import re

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.utils import plot_tape, tape_to_dot


def _persistent_matmul():
    w = tf.Variable(np.ones((2, 3), np.float32), name="w")
    x = tf.constant(np.ones((4, 2), np.float32))
    with tf.GradientTape(persistent=True) as tape:
        y = tf.nn.relu(tf.matmul(x, w))
        loss = tf.reduce_sum(y)
    return tape, w, loss


def test_dot_has_ops_shapes_dtypes_and_roles():
    tape, w, loss = _persistent_matmul()
    tape.gradient(loss, w)  # persistent: the record survives gradient()
    dot = tape_to_dot(tape)
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    for op in ("matmul", "relu", "reduce_sum"):
        assert f"{op}  #" in dot
    assert "(4, 3) float32" in dot                     # matmul / relu outputs
    assert "() float32" in dot                         # the loss
    assert re.search(r'label="w:0 \(t\d+\)\\n\(2, 3\) float32\\n\[source\]"', dot)
    assert "[target]" in dot
    assert "const" in dot                              # x is not watched
    # one dashed backward edge into each op from its output, one out to each watched input
    assert dot.count("style=dashed") == 2 * 3


def test_explicit_targets_and_sources():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * 2.0
    dot = tape_to_dot(tape, targets=y, sources=x)
    sy = tape._tape.slot_of(y)
    sz = tape._tape.slot_of(z)
    assert re.search(rf't{sy} \[[^\]]*\[target\]', dot)
    assert not re.search(rf't{sz} \[[^\]]*\[target\]', dot)


def test_released_non_persistent_tape_says_so():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    before = tape_to_dot(tape)
    assert "multiply" in before
    tape.gradient(y, x)
    with pytest.raises(ValueError, match="non-persistent GradientTape released"):
        tape_to_dot(tape)


def test_empty_tape():
    with tf.GradientTape() as tape:
        pass
    assert "recorded no operations" in tape_to_dot(tape)


def test_nested_tape_records_the_backward_pass():
    x = tf.constant(5.0)
    with tf.GradientTape() as g:
        g.watch(x)
        with tf.GradientTape() as gg:
            gg.watch(x)
            y = x ** 2
        dydx = gg.gradient(y, x)
    dot = tape_to_dot(g, targets=dydx, sources=x)
    assert dot.count("shape=box") >= 2  # the forward pow and the backward ops
    assert "pow" in dot


def test_plot_tape_without_graphviz_is_clear_or_renders(tmp_path):
    tape, w, loss = _persistent_matmul()
    target = tmp_path / "tape.png"
    try:
        path = plot_tape(tape, str(target))
    except ImportError as e:
        assert "graphviz" in str(e).lower() and "tape_to_dot" in str(e)
    else:
        assert path == str(target) and target.stat().st_size > 0


def test_rejects_non_tape():
    with pytest.raises(TypeError):
        tape_to_dot(object())
