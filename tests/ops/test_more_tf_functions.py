"""TF functions written in Python from recorded ops (session 15): tf.roll, tf.repeat,
tf.meshgrid, tf.gather_nd, tf.scatter_nd, tf.tensor_scatter_nd_add/update, tf.clip_by_global_norm, tf.linspace, tf.sequence_mask, tf.newaxis;
tf.math.xlogy, xdivy, multiply_no_nan, reciprocal_no_nan, softsign, reduce_euclidean_norm,
scalar_mul, sinh, cosh, asinh, acosh, atanh, asin, acos, atan2. The differentiable ones: forward against numpy in
float32 and float64, gradients and second derivatives against finite differences; then TF's
documented values and edge cases, and bad input."""

import numpy as np
import pytest

import tapegrad as tf
from opcases import Case, define_tests, normal, positive, uniform


def _away(x, points, margin=0.15):
    for p in points:
        x = np.where(np.abs(x - p) < margin, x + 2 * margin, x)
    return x


def _xy_nonzero(shape_x, shape_y):
    def gen(rng):
        x = rng.standard_normal(shape_x)
        x = np.where(np.abs(x) < 0.2, 0.5, x)
        return [x, rng.uniform(0.5, 2.0, shape_y)]
    return gen


def _scatter_ref(u):
    out = np.zeros((3, 2, 2))
    np.add.at(out, ([1, 2, 1], [0, 1, 0]), u)
    return out


def _update_ref(t, u):
    out = t.copy()
    out[1, 3], out[0, 0] = u[2], u[1]  # the last of the repeats wins
    return out


CASES = [
    Case("roll", ("slice", "concat"), lambda x: tf.roll(x, [1, -2, 3], [0, 1, 1]),
         lambda x: np.roll(x, [1, 1], [0, 1]), normal((3, 4))),
    Case("repeat_axis", "gather", lambda x: tf.repeat(x, [2, 0, 1], axis=0),
         lambda x: np.repeat(x, [2, 0, 1], axis=0), normal((3, 2))),
    Case("repeat_flat", "gather", lambda x: tf.repeat(x, 3), lambda x: np.repeat(x, 3), normal((2, 2))),
    Case("meshgrid_xy", "broadcast_to", lambda a, b: tf.multiply(*tf.meshgrid(a, b)),
         lambda a, b: np.multiply(*np.meshgrid(a, b)), normal((3,), (2,))),
    Case("meshgrid_ij", "broadcast_to", lambda a, b, c: tf.add(tf.meshgrid(a, b, c, indexing="ij")[1],
                                                               tf.meshgrid(a, b, c, indexing="ij")[2]),
         lambda a, b, c: np.add(*np.meshgrid(a, b, c, indexing="ij")[1:]), normal((2,), (3,), (4,))),
    Case("gather_nd", "gather", lambda x: tf.gather_nd(x, [[0, 1], [2, 0], [0, 1]]),
         lambda x: x[[0, 2, 0], [1, 0, 1]], normal((3, 2, 2))),
    Case("gather_nd_batch", "gather", lambda x: tf.gather_nd(x, [[[1], [0]], [[2], [2]]], batch_dims=1),
         lambda x: np.stack([x[0, [1, 0]], x[1, [2, 2]]]), normal((2, 3, 2))),
    Case("scatter_nd", "unsorted_segment_sum",
         lambda u: tf.scatter_nd([[1, 0], [2, 1], [1, 0]], u, [3, 2, 2]),
         _scatter_ref, normal((3, 2))),
    Case("tensor_scatter_nd_add", ("add", "unsorted_segment_sum"),
         lambda t, u: tf.tensor_scatter_nd_add(t, [[2], [0], [2]], u),
         lambda t, u: t + np.stack([u[1], np.zeros(4), u[0] + u[2]]), normal((3, 4), (3, 4))),
    Case("tensor_scatter_nd_update", ("where", "unsorted_segment_sum"),
         lambda t, u: tf.tensor_scatter_nd_update(t, [[1, 3], [0, 0], [1, 3]], u),
         lambda t, u: _update_ref(t, u), normal((2, 4), (3,))),
    Case("clip_by_global_norm", ("square", "sqrt", "minimum"),
         lambda a, b: tf.add_n([tf.reduce_sum(t) for t in tf.clip_by_global_norm([a, b], 1.5)[0]]),
         lambda a, b: (a.sum() + b.sum()) * 1.5 / max(1.5, np.sqrt((a ** 2).sum() + (b ** 2).sum())),
         normal((3,), (2, 2))),
    Case("linspace", ("subtract", "multiply"), lambda a, b: tf.linspace(a, b, 5, axis=1),
         lambda a, b: np.linspace(a, b, 5, axis=1), normal((2,), (2,))),
    Case("xlogy", ("log", "where"), tf.math.xlogy, lambda x, y: x * np.log(y), _xy_nonzero((3, 1), (4,))),
    Case("xdivy", ("divide", "where"), tf.math.xdivy, lambda x, y: x / y, _xy_nonzero((3, 4), (4,))),
    Case("multiply_no_nan", "custom_gradient", tf.math.multiply_no_nan, lambda x, y: x * y,
         _xy_nonzero((3, 4), (3, 1))),
    Case("reciprocal_no_nan", ("divide", "where"), tf.math.reciprocal_no_nan, lambda x: 1 / x,
         lambda rng: [_away(rng.standard_normal((3, 4)), [0.0], 0.3)]),
    Case("softsign", "custom_gradient", tf.math.softsign, lambda x: x / (1 + np.abs(x)),
         lambda rng: [_away(rng.standard_normal((3, 4)) * 3, [0.0])]),
    Case("nn.softsign", "custom_gradient", tf.nn.softsign, lambda x: x / (1 + np.abs(x)),
         lambda rng: [_away(rng.standard_normal((5,)), [0.0])]),
    Case("reduce_euclidean_norm", ("square", "sqrt"), lambda x: tf.math.reduce_euclidean_norm(x, 1),
         lambda x: np.sqrt((x ** 2).sum(1)), normal((3, 4))),
    Case("scalar_mul", "multiply", lambda x: tf.math.scalar_mul(2.5, x), lambda x: 2.5 * x, normal((3,))),
    Case("sinh", "custom_gradient", tf.math.sinh, np.sinh, normal((3, 4), scale=2.0)),
    Case("sinh_small", "custom_gradient", tf.math.sinh, np.sinh, normal((6,), scale=1e-3), eps=1e-7),
    Case("cosh", "custom_gradient", tf.math.cosh, np.cosh, normal((3, 4), scale=2.0)),
    Case("asinh", "custom_gradient", tf.math.asinh, np.arcsinh, normal((3, 4), scale=3.0)),
    Case("acosh", "custom_gradient", tf.math.acosh, np.arccosh, positive((3, 4), low=1.2, high=6.0)),
    Case("atanh", "custom_gradient", tf.math.atanh, np.arctanh, uniform((3, 4), low=-0.8, high=0.8)),
    Case("asin", "custom_gradient", tf.math.asin, np.arcsin, uniform((3, 4), low=-0.9, high=0.9)),
    Case("acos", "custom_gradient", tf.math.acos, np.arccos, uniform((3, 4), low=-0.9, high=0.9)),
    Case("atan2", "custom_gradient", tf.math.atan2, np.arctan2,
         lambda rng: [rng.standard_normal((3, 1)), _away(rng.standard_normal((4,)), [0.0], 0.3)]),
    Case("math.softmax", "softmax", lambda x: tf.math.softmax(x),
         lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True), normal((2, 3))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


def test_roll_repeat_meshgrid_match_numpy_and_keep_integer_dtypes():
    x = np.arange(24, dtype=np.int32).reshape(2, 3, 4)
    for shift, axis in ((5, 2), (-1, 0), ([1, 2], [1, 2]), (0, 1), ([4, -4], [2, 2])):
        got = tf.roll(x, shift, axis)
        assert got.dtype == tf.int32
        np.testing.assert_array_equal(got.numpy(), np.roll(x, shift, axis))
    np.testing.assert_array_equal(tf.repeat(x, [1, 0, 3], axis=1).numpy(), np.repeat(x, [1, 0, 3], axis=1))
    np.testing.assert_array_equal(tf.repeat(x, 2, axis=-1).numpy(), np.repeat(x, 2, axis=-1))
    np.testing.assert_array_equal(tf.repeat([[1, 2], [3, 4]], 2).numpy(), [1, 1, 2, 2, 3, 3, 4, 4])
    # TF's documented example (with numbers for its strings)
    np.testing.assert_array_equal(tf.repeat([1, 2, 3], [1, 2, 3], axis=0).numpy(), [1, 2, 2, 3, 3, 3])
    for indexing in ("xy", "ij"):
        want = np.meshgrid([1, 2, 3], [4, 5], [6], indexing=indexing)
        got = tf.meshgrid(np.array([1, 2, 3]), np.array([4, 5]), np.array([6]), indexing=indexing)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g.numpy(), w)
    assert tf.meshgrid() == []


def test_gather_nd_tf_documented_examples():
    vals = np.arange(4.0).reshape(2, 2)  # TF's examples use strings: [[a, b], [c, d]] is 0..3 here
    np.testing.assert_array_equal(tf.gather_nd(vals, [[0, 0], [1, 1]]).numpy(), [0.0, 3.0])
    np.testing.assert_array_equal(tf.gather_nd(vals, [[1], [0]]).numpy(), [[2.0, 3.0], [0.0, 1.0]])
    np.testing.assert_array_equal(tf.gather_nd(vals, [[[0, 1]], [[1, 0]]]).numpy(), [[1.0], [2.0]])
    b = np.arange(8.0).reshape(2, 2, 2)
    np.testing.assert_array_equal(tf.gather_nd(b, [[1]]).numpy(), b[[1]])
    np.testing.assert_array_equal(tf.gather_nd(b, [[0, 1], [1, 0]], batch_dims=1).numpy(), [b[0, 0, 1], b[1, 1, 0]])
    np.testing.assert_array_equal(tf.gather_nd(b, np.zeros((2, 0), np.int64)).numpy(), np.stack([b, b]))
    assert tf.gather_nd(np.arange(6, dtype=np.int64).reshape(2, 3), [[1, 2]]).dtype == tf.int64
    # the gradient scatters back, adding up repeated picks
    x = tf.constant(np.arange(6.0).reshape(2, 3))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.gather_nd(x, [[0, 1], [0, 1], [1, 2]]))
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [[0, 2, 0], [0, 0, 1]])


def test_clip_by_global_norm_tf_semantics():
    a, b = tf.constant([3.0, 4.0]), tf.constant([[12.0]])
    (ca, none, cb), norm = tf.clip_by_global_norm([a, None, b], 6.5)
    assert none is None and norm.numpy() == pytest.approx(13.0)
    np.testing.assert_allclose(ca.numpy(), [1.5, 2.0])
    np.testing.assert_allclose(cb.numpy(), [[6.0]])
    (ua,), n2 = tf.clip_by_global_norm([a], 10.0)  # under the limit: unchanged
    np.testing.assert_allclose(ua.numpy(), [3.0, 4.0]) and n2.numpy() == pytest.approx(5.0)
    (za,), n0 = tf.clip_by_global_norm([tf.zeros([3])], 1.0)  # zero norm: no NaN
    np.testing.assert_array_equal(za.numpy(), [0.0, 0.0, 0.0])
    (ia,), ninf = tf.clip_by_global_norm([tf.constant([np.inf, 1.0])], 1.0)  # TF: all NaN
    assert np.isinf(ninf.numpy()) and np.isnan(ia.numpy()).all()
    (ua2,), used = tf.clip_by_global_norm([a], 1.0, use_norm=10.0)
    np.testing.assert_allclose(ua2.numpy(), [0.3, 0.4]) and used.numpy() == 10.0
    with pytest.raises(TypeError, match="clip_by_global_norm: t_list should be a sequence"):
        tf.clip_by_global_norm(a, 1.0)
    with pytest.raises(TypeError, match="clip_by_global_norm: every tensor must be float32"):
        tf.clip_by_global_norm([a, tf.constant(np.array([1.0]))], 1.0)
    with pytest.raises(ValueError, match="no tensors"):
        tf.clip_by_global_norm([None], 1.0)


def test_linspace_sequence_mask_newaxis():
    np.testing.assert_array_equal(tf.linspace(10.0, 12.0, 3).numpy(), [10.0, 11.0, 12.0])  # TF's example
    assert tf.linspace(10.0, 12.0, 3).dtype == tf.float32
    got = tf.linspace(np.array(0.1), np.array(0.7), 7)
    assert got.dtype == tf.float64 and got.numpy()[-1] == 0.7
    np.testing.assert_allclose(got.numpy(), np.linspace(0.1, 0.7, 7), rtol=1e-15)
    np.testing.assert_array_equal(tf.linspace(2.0, 5.0, 1).numpy(), [2.0])
    assert tf.linspace(2.0, 5.0, 0).shape == (0,)
    np.testing.assert_allclose(tf.linspace([0.0, 5.0], [1.0, 10.0], 3, axis=-1).numpy(),
                               np.linspace([0.0, 5.0], [1.0, 10.0], 3, axis=-1))
    # TF's sequence_mask examples
    np.testing.assert_array_equal(tf.sequence_mask([1, 3, 2], 5).numpy(),
                                  [[True, False, False, False, False], [True, True, True, False, False],
                                   [True, True, False, False, False]])
    np.testing.assert_array_equal(tf.sequence_mask([[1, 3], [2, 0]]).numpy(),
                                  [[[True, False, False], [True, True, True]],
                                   [[True, True, False], [False, False, False]]])
    m = tf.sequence_mask(tf.constant(np.array([2, 0])), 3, dtype=tf.float32)
    assert m.dtype == tf.float32 and m.numpy().tolist() == [[1, 1, 0], [0, 0, 0]]
    assert tf.newaxis is None and tf.constant(np.ones((2, 3)))[:, tf.newaxis].shape == (2, 1, 3)


def test_no_nan_functions_at_their_zeros():
    """0 (never NaN) at the points each function singles out, and gradients there as TF's."""
    x = tf.constant([0.0, 0.0, 2.0])
    y = tf.constant([0.0, np.nan, 0.0])
    np.testing.assert_array_equal(tf.math.xlogy(x, y).numpy()[:2], [0.0, 0.0])
    assert np.isneginf(tf.math.xlogy(x, y).numpy()[2])  # 2 log 0
    np.testing.assert_array_equal(tf.math.xdivy(x, tf.constant([0.0, 5.0, 4.0])).numpy(), [0.0, 0.0, 0.5])
    np.testing.assert_array_equal(
        tf.math.multiply_no_nan(tf.constant([np.inf, np.nan, 3.0]), tf.constant([0.0, 0.0, 2.0])).numpy(), [0, 0, 6])
    np.testing.assert_array_equal(tf.math.reciprocal_no_nan(tf.constant([0.0, 2.0, -4.0])).numpy(), [0, 0.5, -0.25])
    a, b = tf.constant([0.0, 3.0]), tf.constant([0.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        xl = tf.reduce_sum(tf.math.xlogy(a, b))
        mn = tf.reduce_sum(tf.math.multiply_no_nan(a, b))
    ga, gb = tape.gradient(xl, [a, b])
    np.testing.assert_allclose(ga.numpy(), [0.0, np.log(2.0)])  # TF: x_mask * log(y)
    np.testing.assert_allclose(gb.numpy(), [0.0, 1.5])          # TF: xdivy(x, y)
    ga, gb = tape.gradient(mn, [a, b])
    np.testing.assert_allclose(ga.numpy(), [0.0, 2.0])          # mul_no_nan(dy, y)
    np.testing.assert_allclose(gb.numpy(), [0.0, 3.0])          # mul_no_nan(x, dy)


def test_hyperbolic_special_values_and_accuracy():
    for dtype in (np.float32, np.float64):
        x = np.array([-0.0, 1e-30, -2e-4, 0.3, 5.0, 80.0], dtype)
        np.testing.assert_allclose(tf.math.sinh(x).numpy(), np.sinh(x.astype(np.float64)), rtol=3e-7 if dtype == np.float32 else 1e-15)
        np.testing.assert_allclose(tf.math.asinh(x).numpy(), np.arcsinh(x.astype(np.float64)), rtol=3e-7 if dtype == np.float32 else 1e-15)
        assert np.signbit(tf.math.sinh(x).numpy()[0]) and np.signbit(tf.math.asinh(x).numpy()[0])
        big = np.array([1e30, -3e38 if dtype == np.float32 else -1e300], dtype)
        np.testing.assert_allclose(tf.math.asinh(big).numpy(), np.arcsinh(big.astype(np.float64)), rtol=3e-7)
        np.testing.assert_allclose(tf.math.acosh(np.array([1.0, 1 + 1e-6, 1e30], dtype)).numpy(),
                                   np.arccosh(np.array([1.0, 1 + 1e-6, 1e30], dtype).astype(np.float64)), rtol=1e-6)
        with np.errstate(all="ignore"):
            assert np.isnan(tf.math.acosh(np.array([0.5], dtype)).numpy()).all()
            a = tf.math.atanh(np.array([1.0, -1.0, 1.5], dtype)).numpy()
        assert a[0] == np.inf and a[1] == -np.inf and np.isnan(a[2])
        np.testing.assert_array_equal(tf.math.cosh(np.array([0.0], dtype)).numpy(), [1.0])


def test_bad_input_is_refused_by_name():
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(tf.errors.InvalidArgumentError, match="roll: shift and axis must have the same size"):
        tf.roll(x, [1, 2], 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="roll: axis 2 is out of range"):
        tf.roll(x, 1, 2)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"repeat: repeats must be a scalar or have one value per"):
        tf.repeat(x, [1, 2], axis=1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="repeat: repeats must be non-negative"):
        tf.repeat(x, -1, axis=0)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"gather_nd: indices\[1\] = \[2, 0\] does not index"):
        tf.gather_nd(x, [[0, 0], [2, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="gather_nd: index tuples of length 3"):
        tf.gather_nd(x, [[0, 0, 0]])
    with pytest.raises(TypeError, match="gather_nd: indices must be int32 or int64"):
        tf.gather_nd(x, [[0.5, 0]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="meshgrid: argument 1 must be 1-D"):
        tf.meshgrid([1.0], x)
    with pytest.raises(ValueError, match="meshgrid: indexing must be"):
        tf.meshgrid([1.0], indexing="xyz")
    with pytest.raises(TypeError, match="linspace: start and stop must be numbers, got bool"):
        tf.linspace(np.bool_(False), np.bool_(True), 4)
    # TF 2.21: integer start and stop give float64 values
    got = tf.linspace(np.int32(0), np.int32(3), 4)
    assert got.dtype == tf.float64 and got.numpy().tolist() == [0.0, 1.0, 2.0, 3.0]
    assert tf.linspace(0, 1, 3).dtype == tf.float64
    with pytest.raises(TypeError, match="sequence_mask: lengths must be integers"):
        tf.sequence_mask([1.5])
    for fn in (tf.math.sinh, tf.math.cosh, tf.math.asinh, tf.math.acosh, tf.math.atanh, tf.math.softsign,
               tf.math.reciprocal_no_nan):  # reduce_euclidean_norm takes ints, as TF (int result)
        with pytest.raises(TypeError, match=fn.__name__ + ": expected a float32 or float64 tensor, got an int"):
            fn(np.array([1, 2]))
    with pytest.raises(TypeError, match="xlogy: expected a float32 or float64"):
        tf.math.xlogy(np.array([1, 2]), 1.0)
    with pytest.raises(TypeError, match="clip_by_global_norm: every tensor must be"):
        tf.clip_by_global_norm([np.array([1, 2])], 1.0)


def test_scatter_tf_documented_examples_and_errors():
    np.testing.assert_array_equal(tf.scatter_nd([[4], [3], [1], [7]], [9.0, 10, 11, 12], [8]).numpy(),
                                  [0, 11, 0, 10, 9, 0, 0, 12])
    upd = np.array([[[5, 5, 5, 5], [6, 6, 6, 6], [7, 7, 7, 7], [8, 8, 8, 8]]] * 2, dtype=np.float32)
    got = tf.scatter_nd([[0], [2]], upd, [4, 4, 4]).numpy()
    assert got.shape == (4, 4, 4) and (got[0] == upd[0]).all() and (got[2] == upd[1]).all() and not got[1].any()
    t = tf.tensor_scatter_nd_update(np.array([1, 2, 3, 4, 5, 6, 7, 8]), [[4], [3], [1], [7]], np.array([9, 10, 11, 12]))
    assert t.dtype == tf.int64 and t.numpy().tolist() == [1, 11, 3, 10, 9, 6, 7, 12]
    a = tf.tensor_scatter_nd_add(np.array([1, 2, 3, 4, 5, 6, 7, 8]), [[4], [3], [1], [7]], np.array([9, 10, 11, 12]))
    assert a.numpy().tolist() == [1, 13, 3, 14, 14, 6, 7, 20]
    # a losing repeat's inf does not leak into the winner
    w = tf.tensor_scatter_nd_update(tf.zeros([2]), [[0], [0]], tf.constant([np.inf, 3.0]))
    assert w.numpy().tolist() == [3.0, 0.0]
    # gradients: the replaced entries pass none to tensor, the losing repeat none to its update
    x, u = tf.constant([1.0, 2.0, 3.0]), tf.constant([10.0, 20.0])
    with tf.GradientTape() as tape:
        tape.watch([x, u])
        y = tf.reduce_sum(tf.multiply(tf.tensor_scatter_nd_update(x, [[1], [1]], u), [1.0, 2.0, 3.0]))
    gx, gu = tape.gradient(y, [x, u])
    assert gx.numpy().tolist() == [1.0, 0.0, 3.0] and gu.numpy().tolist() == [0.0, 2.0]
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"scatter_nd: updates must have shape"):
        tf.scatter_nd([[1], [2]], [1.0, 2.0, 3.0], [4])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"scatter_nd: indices\[1\] = \[4\] does not index shape"):
        tf.scatter_nd([[1], [4]], [1.0, 2.0], [4])
    with pytest.raises(TypeError, match="tensor_scatter_nd_add: updates must be float32"):
        tf.tensor_scatter_nd_add(tf.zeros([3]), [[0]], np.array([1.0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="tensor_scatter_nd_update: index tuples of length 2"):
        tf.tensor_scatter_nd_update(tf.zeros([3]), [[0, 0]], [1.0])


def test_inverse_trig_special_values():
    for dtype in (np.float32, np.float64):
        y = np.array([0.0, -0.0, 0.0, -0.0, 1.0, -1.0, np.inf, np.inf, -np.inf, 1.0, np.nan], dtype)
        x = np.array([0.0, 0.0, -0.0, -0.0, 0.0, 0.0, np.inf, -np.inf, 1.0, np.inf, 1.0], dtype)
        got = tf.math.atan2(y, x).numpy()
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, np.arctan2(y, x))
        assert np.array_equal(np.signbit(got[:4]), np.signbit(np.arctan2(y, x)[:4]))
        with np.errstate(invalid="ignore"):
            np.testing.assert_array_equal(tf.math.asin(np.array([1.0, -1.0, 1.5, -0.0], dtype)).numpy(),
                                          np.arcsin(np.array([1.0, -1.0, 1.5, -0.0], dtype)))
            np.testing.assert_array_equal(tf.math.acos(np.array([1.0, -1.0, 2.0], dtype)).numpy(),
                                          np.arccos(np.array([1.0, -1.0, 2.0], dtype)))
    np.testing.assert_allclose(tf.atan(tf.constant([1.0])).numpy(), [np.pi / 4], rtol=1e-7)
    with pytest.raises(TypeError, match="atan2: y and x must have one dtype"):
        tf.math.atan2(tf.constant([1.0]), tf.constant(np.array([1.0])))
    with pytest.raises(TypeError, match="asin: expected a float32 or float64 tensor, got an int"):
        tf.math.asin(np.array([0, 1]))
