"""tf.sort, tf.argsort and tf.math.top_k: order (ties, NaN, integers) against a reference,
gradients of first and second order through the gather they use, threads, and errors."""

import numpy as np
import pytest

import tapegrad as tf
from opcases import Case, define_tests, distinct
from tapegrad.errors import InvalidArgumentError


def _np_sort(axis=-1, desc=False):
    return lambda x: np.flip(np.sort(np.flip(x, axis), axis), axis) if desc else np.sort(x, axis)


def _np_top_k(k):
    return lambda x: -np.sort(-x, axis=-1)[..., :k]


CASES = [
    Case("sort_1d", "gather", lambda x: tf.sort(x), _np_sort(), distinct((7,))),
    Case("sort_rows", "gather", lambda x: tf.sort(x, axis=1), _np_sort(1), distinct((3, 5))),
    Case("sort_descending", "gather", lambda x: tf.sort(x, direction="DESCENDING"),
         lambda x: -np.sort(-x, -1), distinct((2, 6))),
    Case("sort_axis0", "gather", lambda x: tf.sort(x, axis=0), _np_sort(0), distinct((4, 3))),
    Case("sort_middle_axis_descending", "gather",
         lambda x: tf.sort(x, axis=-2, direction="DESCENDING"),
         lambda x: -np.sort(-x, axis=1), distinct((2, 4, 3))),
    Case("sort_then_weights", ("gather", "multiply", "square"),
         lambda x: tf.square(tf.sort(x)) * tf.constant(np.arange(1.0, 6.0).astype(x.dtype.as_numpy_dtype)),
         lambda x: np.sort(x) ** 2 * np.arange(1.0, 6.0), distinct((5,))),
    Case("top_k_1", "gather", lambda x: tf.math.top_k(x).values, _np_top_k(1), distinct((3, 5))),
    Case("top_k_3", "gather", lambda x: tf.math.top_k(x, k=3).values, _np_top_k(3), distinct((2, 3, 6))),
    Case("top_k_all", "gather", lambda x: tf.nn.top_k(x, 4).values, _np_top_k(4), distinct((4,))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


def _ref_order(x, axis, desc, k=None):
    """Stable order by value, NaN above every number, ties by index."""
    x = np.moveaxis(np.asarray(x), axis, -1)
    out = np.empty(x.shape, np.int64)
    for pos in np.ndindex(*x.shape[:-1]):
        row = x[pos]
        def key(j, row=row):
            v = row[j]
            nan = isinstance(v, (float, np.floating)) and np.isnan(v)
            v = float(v) if isinstance(v, np.floating) else int(v)  # -v must not wrap
            if desc:
                return (0, 0, j) if nan else (1, -v, j)
            return (1, 0, j) if nan else (0, v, j)
        out[pos] = sorted(range(len(row)), key=key)
    out = out[..., :k] if k is not None else out
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
@pytest.mark.parametrize("desc", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_argsort_ties_and_nan_against_reference(dtype, desc, axis):
    rng = np.random.default_rng(axis + 1 + 3 * desc)
    x = rng.integers(-3, 4, (4, 9, 5)).astype(dtype)  # many ties
    if np.dtype(dtype).kind == "f":
        x[rng.random(x.shape) < 0.1] = np.nan
        x[0, 0, 0] = np.inf
        x[1, 1, 1] = -np.inf
    direction = "DESCENDING" if desc else "ASCENDING"
    got = tf.argsort(x, axis=axis, direction=direction)
    assert got.dtype == tf.int32
    want = _ref_order(x, axis, desc)
    np.testing.assert_array_equal(got.numpy(), want)
    vals = tf.sort(x, axis=axis, direction=direction)  # no tape: numpy's sort
    np.testing.assert_array_equal(vals.numpy(), np.take_along_axis(x, want, axis))
    assert vals.dtype == tf.as_dtype(dtype)
    if np.dtype(dtype).kind == "f":  # under a tape: our argsort and a gather
        t = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(t)
            taped = tf.sort(t, axis=axis, direction=direction)
        np.testing.assert_array_equal(taped.numpy(), vals.numpy())
        g = tape.gradient(taped, t)
        np.testing.assert_array_equal(g.numpy(), np.ones_like(x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
@pytest.mark.parametrize("desc", [False, True], ids=["asc", "desc"])
@pytest.mark.parametrize("shape, axis", [((3, 2000), -1), ((1500, 2), 0), ((1, 1024), 1)])
def test_argsort_long_lines_radix_path(dtype, desc, shape, axis):
    # Lines of 1024 and more take the radix sort (Note [Sort keys]): the same order.
    rng = np.random.default_rng(len(shape) + shape[0] + desc)
    x = rng.integers(-40, 40, shape).astype(dtype)  # ties
    wide = rng.random(shape) < 0.5  # and values spread over every key byte
    if np.dtype(dtype).kind == "f":
        x = x * dtype(0.25)
        x[wide] = (rng.standard_normal(shape) * 10.0 ** rng.integers(-30, 30, shape))[wide]
        x[rng.random(shape) < 0.05] = np.nan
        x[rng.random(shape) < 0.02] = np.inf
        x[rng.random(shape) < 0.02] = -np.inf
        x[rng.random(shape) < 0.05] = -0.0  # equal to +0.0: ties in index order
    else:
        info = np.iinfo(dtype)
        x[wide] = rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)[wide]
        x.flat[:3] = [info.min, info.max, 0]
    direction = "DESCENDING" if desc else "ASCENDING"
    got = tf.argsort(x, axis=axis, direction=direction).numpy()
    np.testing.assert_array_equal(got, _ref_order(x, axis, desc))
    top = tf.math.top_k(np.moveaxis(x, axis, -1), k=7)
    np.testing.assert_array_equal(top.indices.numpy(), _ref_order(np.moveaxis(x, axis, -1), -1, True, 7))


def test_argsort_ascending_is_numpys_stable_argsort():
    x = np.random.default_rng(0).integers(0, 50, (3, 1000)).astype(np.float32)
    np.testing.assert_array_equal(tf.argsort(x).numpy(), np.argsort(x, axis=-1, kind="stable"))


def test_top_k_ties_nan_and_index_type():
    x = np.array([[1.0, 3.0, 3.0, np.nan, 2.0], [5.0, 5.0, 5.0, 0.0, -1.0]])
    v, i = tf.math.top_k(x, k=3)
    np.testing.assert_array_equal(i.numpy(), [[3, 1, 2], [0, 1, 2]])
    np.testing.assert_array_equal(v.numpy(), [[np.nan, 3.0, 3.0], [5.0, 5.0, 5.0]])
    assert i.dtype == tf.int32
    r = tf.math.top_k(x, k=2, index_type=tf.int64)
    assert r.indices.dtype == tf.int64 and r._fields == ("values", "indices")
    assert tf.math.top_k(x, k=0).values.shape == (2, 0)
    assert tf.math.top_k(x, k=tf.constant(2, dtype=tf.int32), sorted=False).values.shape == (2, 2)
    assert tf.math.top_k(x, k=tf.constant(2.0)).values.shape == (2, 2)  # tf.constant(2) is float32 here


def test_top_k_gradient_goes_to_the_chosen_positions():
    x = tf.constant(np.array([[1.0, 4.0, 2.0, 3.0]]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        v = tf.math.top_k(x, k=2).values
    g = tape.gradient(v, x, output_gradients=tf.constant(np.array([[10.0, 20.0]])))
    np.testing.assert_array_equal(g.numpy(), [[0.0, 10.0, 0.0, 20.0]])


def test_sort_is_the_same_on_one_and_two_threads():
    x = np.random.default_rng(1).standard_normal((64, 4096)).astype(np.float32)
    old = tf.get_num_threads()
    try:
        tf.set_num_threads(1)
        one = tf.argsort(x, axis=0).numpy()
        tf.set_num_threads(2)
        two = tf.argsort(x, axis=0).numpy()
    finally:
        tf.set_num_threads(old)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one, np.argsort(x, axis=0, kind="stable"))


def test_sort_empty():
    assert tf.sort(np.zeros((0, 3))).shape == (0, 3)
    assert tf.argsort(np.zeros((2, 0)), axis=1).shape == (2, 0)
    assert tf.sort(np.zeros((3, 0)), axis=0).shape == (3, 0)


def test_sort_errors():
    with pytest.raises(ValueError, match="sort: direction must be 'ASCENDING' or 'DESCENDING', got 'up'"):
        tf.sort([1.0, 2.0], direction="up")
    with pytest.raises(ValueError, match="argsort: direction"):
        tf.argsort([1.0, 2.0], direction="ascending")
    with pytest.raises(InvalidArgumentError, match="argsort: expected a tensor of rank >= 1, got a scalar"):
        tf.argsort(1.0)
    with pytest.raises(InvalidArgumentError, match="sort: axis 2 is out of range for a tensor of rank 2"):
        tf.sort(np.ones((2, 3)), axis=2)
    with pytest.raises(TypeError, match="argsort: expected a float or integer tensor, got a bool"):
        tf.argsort(np.array([True, False]))
    with pytest.raises(InvalidArgumentError, match=r"top_k: input must have at least k = 4 elements"):
        tf.math.top_k(np.ones(3), k=4)
    with pytest.raises(InvalidArgumentError, match="top_k: need k >= 0, got -1"):
        tf.math.top_k(np.ones(3), k=-1)
    with pytest.raises(TypeError, match="top_k: k must be an integer, got 1.5"):
        tf.math.top_k(np.ones(3), k=1.5)
    with pytest.raises(TypeError, match="top_k: k must be an integer, got True"):
        tf.math.top_k(np.ones(3), k=True)
    with pytest.raises(InvalidArgumentError, match=r"top_k: k must be a scalar, got shape \[2\]"):
        tf.math.top_k(np.ones(3), k=[1, 2])
    with pytest.raises(TypeError, match="top_k: index_type must be int32 or int64, got float32"):
        tf.math.top_k(np.ones(3), index_type=tf.float32)
    with pytest.raises(InvalidArgumentError, match="top_k: expected a tensor of rank >= 1"):
        tf.math.top_k(1.0)
