"""Eager control flow (tapegrad.control_flow): tf.cond, while_loop, map_fn, scan, foldl,
foldr, vectorized_map, py_function, numpy_function, and tf.nest. Values against numpy and
TF's documented examples; tape gradients through each against finite differences
(tapegrad.testing.check_gradients), second derivatives through map_fn and scan; bad input."""

import collections

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError
from tapegrad.testing import check_gradients


def npv(t):
    return np.asarray(t.numpy() if hasattr(t, "numpy") else t)


# -- cond ---------------------------------------------------------------------------------------
def test_cond_values_and_only_one_branch_runs():
    ran = []
    x = tf.constant(2.0)
    out = tf.cond(x > 1.0, lambda: (ran.append("t"), x * 3.0)[1], lambda: (ran.append("f"), x)[1])
    assert float(out) == 6.0 and ran == ["t"]
    assert float(tf.cond(tf.constant(False), lambda: 1.0, lambda: 2.0)) == 2.0
    assert tf.cond(True, lambda: (1, 2), lambda: (3, 4)) == (1, 2)
    assert float(tf.cond(np.bool_(False), lambda: x, lambda: -x)) == -2.0


def test_cond_gradient():
    def f(x):
        return tf.cond(tf.reduce_sum(x) > 0, lambda: tf.reduce_sum(x ** 3), lambda: tf.reduce_sum(tf.sin(x)))
    check_gradients(f, [np.array([0.5, 1.0, -0.2])], second_order=True)
    check_gradients(f, [np.array([-0.5, 0.3])], second_order=True)
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.cond(x > 0, lambda: x * x, lambda: -x)
    assert float(t.gradient(y, x)) == 6.0


def test_cond_bad_predicate():
    with pytest.raises(ValueError, match=r"cond: pred must be a scalar \(rank 0\) bool tensor, got shape \[2\]"):
        tf.cond(tf.constant([True, False]), lambda: 1, lambda: 2)
    with pytest.raises(TypeError, match="cond: pred must be a bool tensor, got a float32"):
        tf.cond(tf.constant(1.0), lambda: 1, lambda: 2)
    with pytest.raises(TypeError, match="cond: pred must be a scalar bool"):
        tf.cond("yes", lambda: 1, lambda: 2)
    with pytest.raises(TypeError, match="cond: true_fn must be callable"):
        tf.cond(True, 1, lambda: 2)
    with pytest.raises(TypeError, match="cond: 'false_fn' argument required"):
        tf.cond(True, lambda: 1)


# -- while_loop -------------------------------------------------------------------------------------
def test_while_loop_structures():
    # TF's documented examples
    i = tf.constant(0, dtype=tf.int32)
    r = tf.while_loop(lambda i: tf.less(i, 10), lambda i: (tf.add(i, 1),), [i])
    assert isinstance(r, list) and int(r[0]) == 10
    assert int(tf.while_loop(lambda i: i < 10, lambda i: i + 1, 0)) == 10  # a bare loop variable
    Pair = collections.namedtuple("Pair", "j k")
    ijk_0 = (tf.constant(0, dtype=tf.int32), Pair(tf.constant(1, dtype=tf.int32), tf.constant(2, dtype=tf.int32)))
    out = tf.while_loop(lambda i, p: i < 10, lambda i, p: (i + 1, Pair((p.j + p.k), (p.j - p.k))), ijk_0)
    assert isinstance(out, tuple) and isinstance(out[1], Pair)
    # reference in Python
    j, k = 1, 2
    for _ in range(10):
        j, k = j + k, j - k
    assert int(out[0]) == 10 and int(out[1].j) == j and int(out[1].k) == k
    assert int(tf.while_loop(lambda i: True, lambda i: (i + 1,), [tf.constant(0, dtype=tf.int64)],
                             maximum_iterations=7)[0]) == 7
    assert int(tf.while_loop(lambda i: i < 3, lambda i: [i + 1], [0], maximum_iterations=0)[0]) == 0


def test_while_loop_gradient():
    def f(x):
        def body(i, acc):
            return i + 1, acc * x + tf.sin(acc)
        return tf.while_loop(lambda i, acc: i < 4, body, (tf.constant(0, dtype=tf.int32), x))[1]
    check_gradients(f, [np.array([0.3, -0.7, 1.1])], second_order=True)
    # d/dx of x^(2^3) by squaring three times
    x = tf.constant(1.1, dtype=tf.float64)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.while_loop(lambda k, v: k < 3, lambda k, v: (k + 1, v * v), [0, x])[1]
    np.testing.assert_allclose(float(t.gradient(y, x)), 8 * 1.1 ** 7, rtol=1e-12)


def test_while_loop_bad_input():
    with pytest.raises(TypeError, match="while_loop: cond must be callable"):
        tf.while_loop(1, lambda i: i, [0])
    with pytest.raises(ValueError, match="while_loop: 'loop_vars' must be provided"):
        tf.while_loop(lambda: True, lambda: (), [])
    with pytest.raises(ValueError, match="while_loop: body must return the structure of loop_vars"):
        tf.while_loop(lambda i, j: i < 3, lambda i, j: (i + 1,), [0, 1])
    with pytest.raises(TypeError, match="while_loop: the value cond returns must be a bool tensor"):
        tf.while_loop(lambda i: i, lambda i: (i - 1.0,), [tf.constant(3.0)])
    with pytest.raises(InvalidArgumentError, match="while_loop: maximum_iterations must be non-negative"):
        tf.while_loop(lambda i: i < 3, lambda i: (i + 1,), [0], maximum_iterations=-1)


# -- map_fn, vectorized_map ----------------------------------------------------------------------
def test_map_fn_values():
    elems = np.array([1.0, 2.0, 3.0], np.float32)
    np.testing.assert_array_equal(npv(tf.map_fn(lambda x: x * x, elems)), elems ** 2)
    # a tuple of elems, a different output structure
    a, b = np.arange(6.0).reshape(3, 2), np.array([1.0, 2.0, 3.0])
    out = tf.map_fn(lambda t: (t[0] * t[1], tf.reduce_sum(t[0])), (a, b),
                    fn_output_signature=(tf.float64, tf.float64))
    np.testing.assert_array_equal(npv(out[0]), a * b[:, None])
    np.testing.assert_array_equal(npv(out[1]), a.sum(1))
    d = tf.map_fn(lambda e: {"s": e["x"] + e["y"]}, {"x": a, "y": a})
    np.testing.assert_array_equal(npv(d["s"]), 2 * a)
    ints = tf.map_fn(lambda x: x + 1, np.array([1, 2], np.int64))
    assert ints.dtype == tf.int64
    empty = tf.map_fn(lambda x: x * 2.0, np.zeros((0, 4), np.float32))
    assert empty.shape == (0, 4) and empty.dtype == tf.float32
    sig = tf.map_fn(lambda x: x, np.zeros((0,)), fn_output_signature=tf.TensorSpec((3,), tf.float64))
    assert sig.shape == (0, 3)
    np.testing.assert_array_equal(npv(tf.vectorized_map(lambda r: r * 2.0, a)), 2 * a)


def test_map_fn_gradients_first_and_second_order():
    def f(x, w):
        return tf.map_fn(lambda row: tf.tanh(tf.reduce_sum(row * w)) * row, x)
    check_gradients(f, [np.random.default_rng(0).standard_normal((4, 3)), np.array([0.3, -0.2, 0.5])],
                    second_order=True)

    def g(x):
        return tf.map_fn(lambda t: t[0] * tf.exp(t[1]), (x, x * 0.5))
    check_gradients(g, [np.array([0.1, -0.4, 0.9])], second_order=True)


def test_map_fn_bad_input():
    with pytest.raises(ValueError, match=r"map_fn: the elements of elems must all have the same first dimension, got shapes \[3\], \[2\]"):
        tf.map_fn(lambda t: t[0], (np.zeros(3), np.zeros(2)))
    with pytest.raises(ValueError, match="map_fn: elements in elems must be 1\\+ dimensional"):
        tf.map_fn(lambda t: t, tf.constant(1.0))
    with pytest.raises(TypeError, match="map_fn: fn must be callable"):
        tf.map_fn(3, np.zeros(3))
    with pytest.raises(InvalidArgumentError, match="map_fn: the function's output 0 has shape"):
        tf.map_fn(lambda x: tf.fill([int(x)], 1.0), np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="map_fn: fn returned a float32 tensor where fn_output_signature says int64"):
        tf.map_fn(lambda x: x, np.zeros(2, np.float32), fn_output_signature=tf.int64)


# -- scan, foldl, foldr ---------------------------------------------------------------------------
def test_scan_documented_examples():
    elems = np.array([1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(npv(tf.scan(lambda a, x: a + x, elems)), [1, 3, 6, 10, 15, 21])
    np.testing.assert_array_equal(npv(tf.scan(lambda a, x: a + x, elems, reverse=True)), [21, 20, 18, 15, 11, 6])
    np.testing.assert_array_equal(npv(tf.scan(lambda a, x: x[0] - x[1] + a, (elems + 1, elems), np.array(0))),
                                  [1, 2, 3, 4, 5, 6])
    fib = tf.scan(lambda a, _: (a[1], a[0] + a[1]), np.array([1, 0, 0, 0, 0, 0]), (np.array(0), np.array(1)))
    np.testing.assert_array_equal(npv(fib[0]), [1, 1, 2, 3, 5, 8])
    np.testing.assert_array_equal(npv(fib[1]), [1, 2, 3, 5, 8, 13])
    assert int(tf.foldl(lambda a, x: a + x, elems)) == 21
    assert int(tf.foldr(lambda a, x: a + x, elems)) == 21
    # order: foldl sees 1 first, foldr sees 6 first
    assert npv(tf.foldl(lambda a, x: a * 10 + x, np.array([1, 2, 3]))) == 123
    assert npv(tf.foldr(lambda a, x: a * 10 + x, np.array([1, 2, 3]))) == 321
    assert npv(tf.foldl(lambda a, x: a - x, np.array([1, 2, 3]), initializer=np.int64(10))) == 4
    cum = tf.scan(lambda a, x: a + x, np.arange(6.0).reshape(3, 2), initializer=np.zeros(2))
    np.testing.assert_array_equal(npv(cum), np.cumsum(np.arange(6.0).reshape(3, 2), 0))


def test_scan_gradients_first_and_second_order():
    def running_product(x):
        return tf.scan(lambda a, v: a * v + tf.sin(v), x)
    check_gradients(running_product, [np.array([0.5, -1.2, 0.8, 1.5])], second_order=True)

    def with_init(x, w):
        return tf.scan(lambda a, v: tf.tanh(a * w + v), x, initializer=tf.zeros_like(w), reverse=True)
    check_gradients(with_init, [np.random.default_rng(1).standard_normal((3, 2)), np.array([0.7, -0.4])],
                    second_order=True)
    check_gradients(lambda x: tf.foldl(lambda a, v: a * v, x), [np.array([1.5, -0.5, 2.0])], second_order=True)
    check_gradients(lambda x: tf.foldr(lambda a, v: a / v + v, x), [np.array([1.5, -0.5, 2.0])])


def test_scan_bad_input():
    with pytest.raises(ValueError, match="foldl: elems is empty and no initializer is given"):
        tf.foldl(lambda a, x: a + x, np.zeros(0))
    with pytest.raises(ValueError, match="scan: fn must return a value with the structure of the accumulator"):
        tf.scan(lambda a, x: (a, x), np.ones(3))
    with pytest.raises(TypeError, match="scan: fn must be callable"):
        tf.scan(None, np.ones(3))


# -- py_function, numpy_function --------------------------------------------------------------------
def test_py_function_is_differentiable():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.py_function(lambda a: a * a * 3.0, [x], tf.float32)
    np.testing.assert_array_equal(npv(t.gradient(y, x)), [6.0, 12.0])
    a, b = tf.py_function(lambda u, v: (u + v, 2), [1.0, 2.0], [tf.float32, tf.int64])
    assert float(a) == 3.0 and b.dtype == tf.int64 and int(b) == 2
    with pytest.raises(TypeError, match="py_function: output 0 of func is a float32 tensor, Tout says float64"):
        tf.py_function(lambda u: u, [x], tf.float64)
    with pytest.raises(TypeError, match="py_function: func must be callable"):
        tf.py_function(None, [x], tf.float32)


def test_numpy_function():
    out = tf.numpy_function(lambda a, b: np.maximum(a, b), [np.array([1.0, 5.0]), np.array([3.0, 2.0])], tf.float64)
    np.testing.assert_array_equal(npv(out), [3.0, 5.0])
    seen = []
    tf.numpy_function(lambda a: seen.append(type(a)) or a, [tf.constant([1.0])], tf.float32)
    assert seen == [np.ndarray]
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.numpy_function(lambda a: a * 2, [x], tf.float32)
    assert t.gradient(y, x) is None  # no gradient, as TF
    with pytest.raises(InvalidArgumentError, match="numpy_function: 0-th value returned by func is float64, but expects float32"):
        tf.numpy_function(lambda a: a.astype(np.float64), [x], tf.float32)


# -- tf.nest ---------------------------------------------------------------------------------------
def test_nest():
    assert tf.nest.flatten({"b": (1, 2), "a": [3]}) == [3, 1, 2]
    assert tf.nest.flatten(None) == [None] and tf.nest.flatten(5) == [5]
    assert tf.nest.map_structure(lambda a, b: a + b, (1, [2]), (10, [20])) == (11, [22])
    assert tf.nest.pack_sequence_as({"b": 0, "a": (0, 0)}, [1, 2, 3]) == {"b": 3, "a": (1, 2)}
    assert tf.nest.pack_sequence_as(0, [7]) == 7
    assert tf.nest.is_nested([1]) and not tf.nest.is_nested(tf.constant(1.0))
    with pytest.raises(ValueError, match="Structure had 2 atoms, but flat_sequence had 3 items"):
        tf.nest.pack_sequence_as((0, 0), [1, 2, 3])
    with pytest.raises(ValueError, match="assert_same_structure"):
        tf.nest.assert_same_structure((1, 2), (1, (2, 3)))
    with pytest.raises(TypeError, match="same sequence type"):
        tf.nest.assert_same_structure((1, 2), [1, 2])
    tf.nest.assert_same_structure((1, 2), [1, 2], check_types=False)
