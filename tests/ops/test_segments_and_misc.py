"""TF functions added in Python (helper session "misc"): tf.math.segment_* and unsorted_segment_*,
bincount, in_top_k, confusion_matrix, cumulative_logsumexp; tf.unique, searchsorted,
histogram_fixed_width, tensor_scatter_nd_sub/max/min, dynamic_partition, dynamic_stitch,
space_to_depth, depth_to_space, ensure_shape, identity_n, shape_n, broadcast_*_shape, print;
tf.nn.embedding_lookup, batch_normalization, weighted_cross_entropy_with_logits,
log_poisson_loss, compute_average_loss, scale_regularization_loss, crelu, normalize_moments.

The differentiable ones: forward against numpy in float32 and float64, gradients and second
derivatives against finite differences; then TF's documented values, edge cases and bad input
(the class and a message naming the function, the caller's arrays unchanged)."""

import io
import sys

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError
from opcases import Case, define_tests, distinct, normal, nonzero

IDS = np.array([0, 0, 1, 3, 3, 3])          # sorted, segment 2 empty
UIDS = np.array([2, 0, -1, 2, 1, 0, 2])     # unsorted, one dropped (-1), segment 3 empty


def _seg_ref(x, ids, n, fn, empty):
    out = np.full((n,) + x.shape[1:], empty, dtype=np.float64)
    for s in range(n):
        rows = x[ids == s]
        if len(rows):
            out[s] = fn(rows, axis=0)
    return out


def _s2d_ref(x, bs):
    b, h, w, c = x.shape
    y = x.reshape(b, h // bs, bs, w // bs, bs, c).transpose(0, 1, 3, 2, 4, 5)
    return y.reshape(b, h // bs, w // bs, bs * bs * c)


def _clse_ref(x, axis=0, exclusive=False, reverse=False):
    x = np.moveaxis(x, axis, 0)
    if reverse:
        x = x[::-1]
    out = np.logaddexp.accumulate(x, axis=0)
    if exclusive:
        out = np.concatenate([np.full((1,) + x.shape[1:], -np.inf), out[:-1]], 0)
    if reverse:
        out = out[::-1]
    return np.moveaxis(out, 0, axis)


def _scatter_max_ref(t, u, fn):
    out = t.copy()
    fn.at(out, [1, 3, 1], u)
    return out


def _wce_ref(z, x, q=2.5):
    s = 1 / (1 + np.exp(-x))
    return -(q * z * np.log(s) + (1 - z) * np.log(1 - s))


def _stitch_ref(a, b):
    out = np.zeros((5, 2))
    out[[0, 3]] = a
    out[[4, 3, 1]] = b  # the later 3 wins
    return out


CASES = [
    Case("segment_sum", "unsorted_segment_sum", lambda x: tf.math.segment_sum(x, IDS),
         lambda x: _seg_ref(x, IDS, 4, np.sum, 0.0), normal((6, 3))),
    Case("segment_mean", ("unsorted_segment_sum", "divide"), lambda x: tf.math.segment_mean(x, IDS),
         lambda x: _seg_ref(x, IDS, 4, np.mean, 0.0), normal((6, 3))),
    Case("segment_max", "custom_gradient", lambda x: tf.math.segment_max(x, IDS),
         lambda x: _seg_ref(x, IDS, 4, np.max, 0.0), distinct((6, 3))),
    Case("segment_min", "custom_gradient", lambda x: tf.math.segment_min(x, IDS),
         lambda x: _seg_ref(x, IDS, 4, np.min, 0.0), distinct((6, 3))),
    Case("segment_prod", "custom_gradient", lambda x: tf.math.segment_prod(x, IDS),
         lambda x: _seg_ref(x, IDS, 4, np.prod, 1.0), nonzero((6, 2))),
    Case("unsorted_segment_mean", ("unsorted_segment_sum", "divide"),
         lambda x: tf.math.unsorted_segment_mean(x, UIDS, 4),
         lambda x: _seg_ref(x, UIDS, 4, np.mean, 0.0), normal((7, 2))),
    Case("unsorted_segment_max", "custom_gradient", lambda x: tf.math.unsorted_segment_max(x, UIDS, 3),
         lambda x: _seg_ref(x, UIDS, 3, np.max, -np.inf), distinct((7, 2))),
    Case("unsorted_segment_min", "custom_gradient", lambda x: tf.math.unsorted_segment_min(x, UIDS, 3),
         lambda x: _seg_ref(x, UIDS, 3, np.min, np.inf), distinct((7, 2))),
    Case("unsorted_segment_prod", "custom_gradient", lambda x: tf.math.unsorted_segment_prod(x, UIDS, 4),
         lambda x: _seg_ref(x, UIDS, 4, np.prod, 1.0), nonzero((7, 2))),
    Case("unsorted_segment_max_2d_ids", "custom_gradient",
         lambda x: tf.math.unsorted_segment_max(x, np.array([[0, 1, 0], [1, 1, 2]]), 3),
         lambda x: np.stack([x[0, [0, 2]].max(0), np.stack([x[0, 1], x[1, 0], x[1, 1]]).max(0), x[1, 2]]),
         distinct((2, 3, 2))),
    Case("bincount_weights", "unsorted_segment_sum",
         lambda w: tf.math.bincount(np.array([1, 3, 1, 0, 7]), weights=w, maxlength=5),
         lambda w: np.array([w[3], w[0] + w[2], 0, w[1], 0]), normal((5,))),
    Case("confusion_matrix_weights", "unsorted_segment_sum",
         lambda w: tf.math.confusion_matrix([0, 2, 2, 1], [1, 2, 2, 0], num_classes=3, weights=w,
                                            dtype=w.dtype),
         lambda w: np.array([[0, w[0], 0], [w[3], 0, 0], [0, 0, w[1] + w[2]]]), normal((4,))),
    Case("cumulative_logsumexp", ("exp", "cumsum", "log"), lambda x: tf.math.cumulative_logsumexp(x, 1),
         lambda x: _clse_ref(x, 1), normal((3, 5), scale=3.0)),
    Case("cumulative_logsumexp_excl_rev", ("exp", "cumsum", "log"),
         lambda x: tf.math.cumulative_logsumexp(x, 0, exclusive=True, reverse=True)[:-1],
         lambda x: _clse_ref(x, 0, True, True)[:-1], normal((5, 2))),
    Case("tensor_scatter_nd_sub", ("subtract", "unsorted_segment_sum"),
         lambda t, u: tf.tensor_scatter_nd_sub(t, [[2], [0], [2]], u),
         lambda t, u: t - np.stack([u[1], np.zeros(4), u[0] + u[2]]), normal((3, 4), (3, 4))),
    Case("tensor_scatter_nd_max", "custom_gradient",
         lambda t, u: tf.tensor_scatter_nd_max(t, [[1], [3], [1]], u),
         lambda t, u: _scatter_max_ref(t, u, np.maximum), distinct((5,), (3,))),
    Case("tensor_scatter_nd_min", "custom_gradient",
         lambda t, u: tf.tensor_scatter_nd_min(t, [[1], [3], [1]], u),
         lambda t, u: _scatter_max_ref(t, u, np.minimum), distinct((5,), (3,))),
    Case("dynamic_partition", "gather",
         lambda x: tf.concat(tf.dynamic_partition(x, np.array([1, 0, 2, 1]), 3), 0),
         lambda x: x[[1, 0, 3, 2]], normal((4, 2))),
    Case("dynamic_stitch", ("gather", "concat"),
         lambda a, b: tf.dynamic_stitch([np.array([0, 3]), np.array([4, 3, 1])], [a, b]),
         _stitch_ref, normal((2, 2), (3, 2))),
    Case("space_to_depth", ("reshape", "transpose"), lambda x: tf.space_to_depth(x, 2),
         lambda x: _s2d_ref(x, 2), normal((2, 4, 6, 3))),
    Case("depth_to_space", ("reshape", "transpose"), lambda x: tf.nn.depth_to_space(x, 2),
         lambda x: x.reshape(2, 2, 3, 2, 2, 3).transpose(0, 1, 3, 2, 4, 5).reshape(2, 4, 6, 3),
         normal((2, 2, 3, 12))),
    Case("ensure_shape", "identity", lambda x: tf.ensure_shape(x, [None, 3]), lambda x: x, normal((2, 3))),
    Case("identity_n", "identity", lambda a, b: tf.add(*tf.identity_n([a, b])), np.add, normal((3,), (3,))),
    Case("embedding_lookup", "gather", lambda p: tf.nn.embedding_lookup(p, [[2, 0], [2, 1]]),
         lambda p: p[[[2, 0], [2, 1]]], normal((3, 2))),
    Case("embedding_lookup_shards", ("gather", "concat"),
         lambda a, b: tf.nn.embedding_lookup([a, b], [3, 0, 2]),
         lambda a, b: np.concatenate([a, b])[[3, 0, 2]], normal((2, 2), (2, 2))),
    Case("batch_normalization", ("add", "multiply", "rsqrt"),
         lambda x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 1e-3),
         lambda x, m, v, o, s: s * (x - m) / np.sqrt(v + 1e-3) + o,
         lambda rng: [rng.standard_normal((4, 3)), rng.standard_normal(3), rng.uniform(0.5, 2, 3),
                      rng.standard_normal(3), rng.standard_normal(3)]),
    Case("weighted_cross_entropy_with_logits", ("exp", "log1p", "relu"),
         lambda z, x: tf.nn.weighted_cross_entropy_with_logits(z, x, 2.5), _wce_ref,
         lambda rng: [rng.uniform(0, 1, (3, 4)), rng.standard_normal((3, 4)) * 2]),
    Case("log_poisson_loss_full", ("exp", "log", "where"),
         lambda t, c: tf.nn.log_poisson_loss(t, c, compute_full_loss=True),
         lambda t, c: np.exp(c) - c * t + np.where(t > 1, t * np.log(t) - t + 0.5 * np.log(2 * np.pi * t), 0),
         lambda rng: [np.where(rng.uniform(0, 1, (3, 4)) < 0.5, rng.uniform(0.1, 0.8, (3, 4)),
                               rng.uniform(1.5, 4, (3, 4))), rng.standard_normal((3, 4))]),
    Case("compute_average_loss", ("multiply", "reduce_sum", "divide"),
         lambda l, w: tf.nn.compute_average_loss(l, w, global_batch_size=8),
         lambda l, w: np.sum(l * w) / 8, normal((4,), (4,))),
    Case("scale_regularization_loss", "reduce_sum",
         lambda a, b: tf.nn.scale_regularization_loss([a, b]), lambda a, b: np.sum(a + b), normal((3,), (3,))),
    Case("crelu", ("relu", "concat"), lambda x: tf.nn.crelu(x, axis=0),
         lambda x: np.concatenate([np.maximum(x, 0), np.maximum(-x, 0)], 0),
         lambda rng: [np.where(rng.random((3, 2)) < 0.5, -1, 1) * rng.uniform(0.2, 2, (3, 2))]),
    Case("normalize_moments", ("divide", "square"),
         lambda c, m, v, s: tf.add(*tf.nn.normalize_moments(c, m, v, s)),
         lambda c, m, v, s: (m / c + s) + (v / c - (m / c) ** 2),
         lambda rng: [rng.uniform(2, 5, (3,)), rng.standard_normal(3), rng.uniform(3, 6, 3),
                      rng.standard_normal(3)]),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


# -- TF's documented values -----------------------------------------------------------------------

C = np.array([[1, 2, 3, 4], [4, 3, 2, 1], [5, 6, 7, 8]], np.int32)


def test_segment_tf_examples_keep_integer_dtypes():
    cases = [(tf.math.segment_sum, [[5, 5, 5, 5], [5, 6, 7, 8]]),
             (tf.math.segment_max, [[4, 3, 3, 4], [5, 6, 7, 8]]),
             (tf.math.segment_min, [[1, 2, 2, 1], [5, 6, 7, 8]]),
             (tf.math.segment_prod, [[4, 6, 6, 4], [5, 6, 7, 8]]),
             (tf.math.segment_mean, [[2, 2, 2, 2], [5, 6, 7, 8]])]
    for fn, want in cases:
        got = fn(C, tf.constant(np.array([0, 0, 1], np.int32)))
        assert got.dtype == tf.int32, fn.__name__
        np.testing.assert_array_equal(got.numpy(), want, err_msg=fn.__name__)
    # TF's unsorted_segment_sum / max examples
    np.testing.assert_array_equal(tf.math.unsorted_segment_max(C, [0, 1, 0], 2).numpy(),
                                  [[5, 6, 7, 8], [4, 3, 2, 1]])
    np.testing.assert_array_equal(tf.math.unsorted_segment_prod(C, [0, 1, 0], 2).numpy(),
                                  [[5, 12, 21, 32], [4, 3, 2, 1]])


def test_empty_segments_fill_values_as_tf():
    x = np.array([[1.0], [2.0]])
    np.testing.assert_array_equal(tf.math.segment_max(x, [0, 2]).numpy().ravel(), [1, 0, 2])
    np.testing.assert_array_equal(tf.math.segment_min(x, [0, 2]).numpy().ravel(), [1, 0, 2])
    np.testing.assert_array_equal(tf.math.segment_prod(x, [0, 2]).numpy().ravel(), [1, 1, 2])
    np.testing.assert_array_equal(tf.math.segment_mean(x, [0, 2]).numpy().ravel(), [1, 0, 2])
    # numeric_limits<T>::lowest() / max() as TF documents: -DBL_MAX / DBL_MAX for float64,
    # -FLT_MAX / FLT_MAX for float32, not -inf / inf; a segment of -inf alone is still -inf
    big = np.finfo(np.float64).max
    np.testing.assert_array_equal(tf.math.unsorted_segment_max(x, [0, 2], 4).numpy().ravel(),
                                  [1, -big, 2, -big])
    np.testing.assert_array_equal(tf.math.unsorted_segment_min(x, [0, 2], 3).numpy().ravel(), [1, big, 2])
    f = np.array([-np.inf, np.inf], np.float32)
    np.testing.assert_array_equal(tf.math.unsorted_segment_max(f, [0, 1], 3).numpy(),
                                  [-np.inf, np.inf, np.finfo(np.float32).min])
    np.testing.assert_array_equal(tf.math.unsorted_segment_min(f, [0, 1], 3).numpy(),
                                  [-np.inf, np.inf, np.finfo(np.float32).max])
    i = np.array([3, 1], np.int32)
    assert tf.math.unsorted_segment_max(i, [1, 1], 2).numpy()[0] == np.iinfo(np.int32).min
    assert tf.math.unsorted_segment_min(i, [1, 1], 2).numpy()[0] == np.iinfo(np.int32).max
    np.testing.assert_array_equal(tf.math.unsorted_segment_mean(x, [-1, 1], 2).numpy().ravel(), [0, 2])
    assert tf.math.segment_sum(np.zeros((0, 2)), np.zeros(0, np.int64)).shape == (0, 2)


def test_segment_max_gradient_splits_ties_and_prod_gradient_at_zeros():
    x = tf.constant([3.0, 1.0, 3.0, 2.0, 5.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.math.unsorted_segment_max(x, [0, 0, 0, 1, 1], 2)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.5, 0, 0.5, 0, 1])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.math.segment_min(x, [0, 0, 0, 1, 1])
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0, 1, 0, 1, 0])
    # prod: one zero in a segment -> its gradient is the product of the others; two zeros -> 0
    x = tf.constant([2.0, 0.0, 3.0, 0.0, 0.0, 4.0], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.math.segment_prod(x, [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(y.numpy(), [0, 0])
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0, 6, 0, 0, 0, 0])


def test_unsorted_segment_large_matches_numpy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20000, 3)).astype(np.float32)
    ids = rng.integers(-1, 50, 20000)
    for fn, ufunc, init, empty in ((tf.math.unsorted_segment_max, np.maximum, -np.inf, np.finfo(np.float32).min),
                                   (tf.math.unsorted_segment_min, np.minimum, np.inf, np.finfo(np.float32).max)):
        want = np.full((50, 3), init, np.float32)
        ufunc.at(want, ids[ids >= 0], x[ids >= 0])
        want[np.bincount(ids[ids >= 0], minlength=50) == 0] = empty
        np.testing.assert_array_equal(fn(x, ids, 50).numpy(), want)
    want = np.zeros((50, 3))
    np.add.at(want, ids[ids >= 0], x[ids >= 0].astype(np.float64))
    cnt = np.maximum(np.bincount(ids[ids >= 0], minlength=50), 1)[:, None]
    np.testing.assert_allclose(tf.math.unsorted_segment_mean(x, ids, 50).numpy(), want / cnt, rtol=1e-5, atol=1e-6)


def test_bincount_tf_examples():
    values = np.array([1, 1, 2, 3, 2, 4, 4, 5])
    got = tf.math.bincount(values)
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), [0, 2, 2, 1, 2, 1])
    np.testing.assert_array_equal(tf.math.bincount(values, minlength=8).numpy(), [0, 2, 2, 1, 2, 1, 0, 0])
    np.testing.assert_array_equal(tf.math.bincount(values, maxlength=3).numpy(), [0, 2, 2])
    w = np.array([1, 5, 0, 1, 0, 5, 4, 5], np.float32)
    got = tf.math.bincount(values, weights=w)
    assert got.dtype == tf.float32
    np.testing.assert_array_equal(got.numpy(), [0, 6, 0, 1, 9, 5])
    # TF's axis=-1 and binary_output example
    data = np.array([[1, 2, 3, 0], [0, 0, 1, 2]], np.int32)
    np.testing.assert_array_equal(tf.math.bincount(data, axis=-1).numpy(), [[1, 1, 1, 1], [2, 1, 1, 0]])
    data = np.array([[1, 1, 2, 3, 2, 4, 4, 5], [1, 1, 2, 3, 2, 4, 4, 5]])
    np.testing.assert_array_equal(tf.math.bincount(data, axis=-1, binary_output=True).numpy(),
                                  [[0, 1, 1, 1, 1, 1], [0, 1, 1, 1, 1, 1]])
    assert tf.math.bincount(np.zeros(0, np.int32)).shape == (0,)
    assert tf.math.bincount(values, dtype=tf.int64).dtype == tf.int64


def test_in_top_k_tf_example_and_edge_cases():
    pred = tf.constant([[1.2, -0.3, 2.8, 5.2], [0.1, 0.0, 0.0, 0.0], [0.0, 0.5, 0.3, 0.3]])
    got = tf.math.in_top_k(np.array([0, 1, 3]), pred, 2)
    assert got.dtype == tf.bool
    np.testing.assert_array_equal(got.numpy(), [False, True, True])
    assert tf.nn.in_top_k is tf.math.in_top_k
    # a non-finite row or an out-of-range target: False, as TF's kernel
    p = np.array([[1.0, np.nan, 0.0], [1.0, 2.0, 3.0]], np.float32)
    np.testing.assert_array_equal(tf.math.in_top_k([0, 5], p, 3).numpy(), [False, False])
    np.testing.assert_array_equal(tf.math.in_top_k([0, 2], p, 0).numpy(), [False, False])


def test_confusion_matrix_tf_example():
    got = tf.math.confusion_matrix([1, 2, 4], [2, 2, 4])
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), [[0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 1, 0, 0],
                                                [0, 0, 0, 0, 0], [0, 0, 0, 0, 1]])
    got = tf.math.confusion_matrix([0, 1], [1, 1], num_classes=3, weights=np.array([2.0, 0.5]), dtype=tf.float64)
    np.testing.assert_array_equal(got.numpy(), [[0, 2, 0], [0, 0.5, 0], [0, 0, 0]])


def test_cumulative_logsumexp_wide_range_and_exclusive():
    # a range of 600 along the axis: exact in float32 (computed in float64 inside)
    x = tf.constant([-300.0, 0.0, 300.0])
    np.testing.assert_allclose(tf.math.cumulative_logsumexp(x).numpy(), [-300, 0, 300], rtol=1e-6)
    np.testing.assert_allclose(tf.math.cumulative_logsumexp(x, reverse=True).numpy(), [300, 300, 300], rtol=1e-6)
    got = tf.math.cumulative_logsumexp(tf.constant([1.0, 2.0, 3.0]), exclusive=True).numpy()
    np.testing.assert_allclose(got, [-np.inf, 1.0, np.logaddexp(1, 2)], rtol=1e-6)
    assert tf.math.cumulative_logsumexp(tf.constant([1.0, 2.0], tf.float64)).dtype == tf.float64


def test_unique_tf_examples():
    y, idx = tf.unique(np.array([1, 1, 2, 4, 4, 4, 7, 8, 8], np.int32))
    assert y.dtype == tf.int32 and idx.dtype == tf.int32
    np.testing.assert_array_equal(y.numpy(), [1, 2, 4, 7, 8])
    np.testing.assert_array_equal(idx.numpy(), [0, 0, 1, 2, 2, 2, 3, 4, 4])
    out = tf.unique(tf.constant([3.0, 1.0, 3.0, 2.0]), out_idx=tf.int64)
    np.testing.assert_array_equal(out.y.numpy(), [3, 1, 2])
    np.testing.assert_array_equal(out.idx.numpy(), [0, 1, 0, 2])
    assert out.idx.dtype == tf.int64
    e = tf.unique(np.zeros(0, np.int64))
    assert e.y.shape == (0,) and e.idx.shape == (0,)


def test_searchsorted_tf_example():
    s = np.array([[0, 3, 9, 9, 10], [1, 2, 3, 4, 5]])
    v = np.array([[2, 4, 9], [0, 2, 6]])
    got = tf.searchsorted(s, v)
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), [[1, 2, 2], [0, 1, 5]])
    np.testing.assert_array_equal(tf.searchsorted(s, v, side="right", out_type=tf.int64).numpy(),
                                  [[1, 2, 4], [0, 2, 5]])
    np.testing.assert_array_equal(tf.searchsorted(tf.constant([1.0, 2.0, 3.0]), tf.constant([2.5, 0.0])).numpy(), [2, 0])


def test_histogram_fixed_width_tf_example():
    got = tf.histogram_fixed_width(tf.constant([-1.0, 0.0, 1.5, 2.0, 5.0, 15]), tf.constant([0.0, 5.0]), nbins=5)
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), [2, 1, 1, 0, 2])
    assert tf.histogram_fixed_width(tf.constant([0.5]), [0.0, 1.0]).shape == (100,)


def test_dynamic_partition_and_stitch_tf_examples():
    parts = tf.dynamic_partition(np.array([10, 20, 30, 40, 50]), np.array([0, 0, 1, 1, 0]), 2)
    np.testing.assert_array_equal(parts[0].numpy(), [10, 20, 50])
    np.testing.assert_array_equal(parts[1].numpy(), [30, 40])
    parts = tf.dynamic_partition(np.array([[1, 2], [3, 4], [5, 6], [7, 8]]), np.array([1, 3, 1, 2]), 4)
    assert parts[0].shape == (0, 2)
    np.testing.assert_array_equal(parts[1].numpy(), [[1, 2], [5, 6]])
    indices = [np.array(6), np.array([4, 1]), np.array([[5, 2], [0, 3]])]
    data = [np.array([61, 62]), np.array([[41, 42], [11, 12]]), np.array([[[51, 52], [21, 22]], [[1, 2], [31, 32]]])]
    got = tf.dynamic_stitch(indices, data)
    np.testing.assert_array_equal(got.numpy(), [[1, 2], [11, 12], [21, 22], [31, 32], [41, 42], [51, 52], [61, 62]])
    # the last of repeated indices wins; unnamed rows are 0
    got = tf.dynamic_stitch([np.array([0, 2]), np.array([2])], [tf.constant([1.0, 2.0]), tf.constant([9.0])])
    np.testing.assert_array_equal(got.numpy(), [1, 0, 9])


def test_space_to_depth_tf_examples():
    x = np.array([[[[1], [2]], [[3], [4]]]], np.float32)
    got = tf.space_to_depth(x, 2)
    np.testing.assert_array_equal(got.numpy(), [[[[1, 2, 3, 4]]]])
    x = np.array([[[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]], np.float32)
    np.testing.assert_array_equal(tf.nn.space_to_depth(x, 2).numpy(), [[[[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]]]])
    x = np.arange(1, 17, dtype=np.int32).reshape(1, 4, 4, 1)
    got = tf.space_to_depth(x, 2)
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), [[[[1, 2, 5, 6], [3, 4, 7, 8]], [[9, 10, 13, 14], [11, 12, 15, 16]]]])
    np.testing.assert_array_equal(tf.depth_to_space(got, 2).numpy(), x)


def test_tensor_scatter_nd_max_min_tf_examples_and_ties():
    t = np.zeros(8, np.int32)
    idx = np.array([[1], [3], [4], [7]])
    up = np.array([9, 10, 11, 12], np.int32)
    np.testing.assert_array_equal(tf.tensor_scatter_nd_max(t, idx, up).numpy(), [0, 9, 0, 10, 11, 0, 0, 12])
    np.testing.assert_array_equal(tf.tensor_scatter_nd_min(t, idx, -up).numpy(), [0, -9, 0, -10, -11, 0, 0, -12])
    np.testing.assert_array_equal(tf.tensor_scatter_nd_sub(t, idx, up).numpy(), [0, -9, 0, -10, -11, 0, 0, -12])
    # a tie between the tensor entry and an update splits the gradient
    a, u = tf.constant([1.0, 2.0]), tf.constant([2.0, 0.5])
    with tf.GradientTape() as tape:
        tape.watch([a, u])
        y = tf.tensor_scatter_nd_max(a, [[1], [0]], u)
    ga, gu = tape.gradient(y, [a, u])
    np.testing.assert_array_equal(y.numpy(), [1, 2])
    np.testing.assert_array_equal(ga.numpy(), [1, 0.5])
    np.testing.assert_array_equal(gu.numpy(), [0.5, 0])


def test_shape_helpers():
    x = tf.constant(np.ones((2, 3)))
    assert tf.ensure_shape(x, [2, 3]).shape == (2, 3)
    assert tf.ensure_shape(x, tf.TensorShape([2, 3])).shape == (2, 3)
    assert tf.ensure_shape(x, None).shape == (2, 3)
    with pytest.raises(InvalidArgumentError, match=r"ensure_shape: .*\[2, 3\].*\[\?,4\]"):
        tf.ensure_shape(x, [None, 4])
    with pytest.raises(InvalidArgumentError, match="ensure_shape"):
        tf.ensure_shape(x, [2, 3, 1])
    s = tf.shape_n([x, tf.constant([1.0])], out_type=tf.int64)
    assert [v.numpy().tolist() for v in s] == [[2, 3], [1]] and s[0].dtype == tf.int64
    assert tf.broadcast_static_shape(tf.TensorShape([1, 2, 1]), tf.TensorShape([3, 1, 4])) == (3, 2, 4)
    with pytest.raises(ValueError, match="broadcast_static_shape"):
        tf.broadcast_static_shape([2, 3], [4])
    got = tf.broadcast_dynamic_shape(tf.constant(np.array([1, 2, 3], np.int32)), tf.constant(np.array([5, 1, 3], np.int32)))
    assert got.dtype == tf.int32
    np.testing.assert_array_equal(got.numpy(), [5, 2, 3])
    with pytest.raises(InvalidArgumentError, match="broadcast_dynamic_shape"):
        tf.broadcast_dynamic_shape([2, 3], [4])


def test_print_format_and_streams(capsys):
    buf = io.StringIO()
    tf.print("loss:", tf.constant([[1.0, 2.5], [3.0, 4.0]]), tf.constant(7, tf.int32), output_stream=buf)
    assert buf.getvalue() == "loss: [[1 2.5]\n [3 4]] 7\n"
    buf = io.StringIO()
    tf.print(tf.constant(np.arange(10, dtype=np.int32)), tf.constant([True, False]), sep="|", end="!", output_stream=buf)
    assert buf.getvalue() == "[0 1 2 ... 7 8 9]|[1 0]!"
    buf = io.StringIO()
    tf.print(tf.constant(np.arange(10, dtype=np.int32)), summarize=-1, output_stream=buf)
    assert buf.getvalue() == "[0 1 2 3 4 5 6 7 8 9]\n"
    tf.print("to stderr", tf.constant(1.5))
    tf.print("to stdout", output_stream=sys.stdout)
    out = capsys.readouterr()
    assert out.err == "to stderr 1.5\n" and out.out == "to stdout\n"


def test_nn_documented_values():
    # weighted_cross_entropy: pos_weight 1 is sigmoid_cross_entropy
    z, x = tf.constant([[0.0, 1.0, 0.5]]), tf.constant([[2.0, -3.0, 0.1]])
    np.testing.assert_allclose(tf.nn.weighted_cross_entropy_with_logits(z, x, 1.0).numpy(),
                               tf.nn.sigmoid_cross_entropy_with_logits(z, x).numpy(), rtol=1e-6)
    # large logits stay finite
    assert np.isfinite(tf.nn.weighted_cross_entropy_with_logits(tf.constant([1.0]), tf.constant([-200.0]), 3.0).numpy()).all()
    np.testing.assert_allclose(tf.nn.log_poisson_loss(tf.constant([0.0, 2.0]), tf.constant([0.0, 1.0])).numpy(),
                               [1.0, np.e - 2.0], rtol=1e-6)
    # TF's compute_average_loss divides by the (global) batch size, not the weights' sum
    np.testing.assert_allclose(tf.nn.compute_average_loss(tf.constant([1.0, 2.0, 3.0, 4.0])).numpy(), 2.5)
    np.testing.assert_allclose(tf.nn.compute_average_loss(tf.constant([1.0, 2.0]), sample_weight=0.5).numpy(), 0.75)
    np.testing.assert_allclose(tf.nn.scale_regularization_loss(tf.constant(3.0)).numpy(), 3.0)
    mean, var = tf.nn.normalize_moments(4.0, tf.constant([8.0]), tf.constant([20.0]), None)
    np.testing.assert_allclose([mean.numpy()[0], var.numpy()[0]], [2.0, 1.0])
    x = tf.constant([[1.0, 2.0], [3.0, 6.0]])
    m, v = tf.nn.moments(x, [0])
    np.testing.assert_allclose(tf.nn.batch_normalization(x, m, v, None, None, 0.0).numpy(), [[-1, -1], [1, 1]], rtol=1e-6)
    with pytest.raises(NotImplementedError, match="embedding_lookup"):
        tf.nn.embedding_lookup(x, [0], max_norm=1.0)


@pytest.mark.parametrize("idt", [np.int32, np.int64])
@pytest.mark.parametrize("inner", [(), (3,)])
def test_segment_sum_checks_sorted_ids_in_its_pass(idt, inner):
    # segment_sum checks order and sign while it sums (one pass over the ids): each offence
    # is named at its first position, whatever the last id (which sets the row count) says.
    d = tf.constant(np.arange(6.0 * int(np.prod(inner))).reshape((6,) + inner))
    cases = [([0, 0, 1, 3, 2, 4], r"segment_ids\[3\] = 3 > segment_ids\[4\] = 2"),
             ([0, 9, 1, 1, 1, 1], r"segment_ids\[1\] = 9 > segment_ids\[2\] = 1"),
             ([-2, 0, 0, 1, 1, 1], r"must be non-negative, got -2 at position 0"),
             ([0, 0, 0, 0, 0, -1], r"segment_ids\[4\] = 0 > segment_ids\[5\] = -1"),
             ([-3, -2, -2, -1, -1, -1], r"must be non-negative, got -3 at position 0")]
    for ids, msg in cases:
        with pytest.raises(InvalidArgumentError, match="segment_sum: .*" + msg):
            tf.math.segment_sum(d, tf.constant(np.array(ids, idt)))
    ids = np.array([0, 0, 2, 2, 2, 5], idt)
    want = np.zeros((6,) + inner)
    np.add.at(want, ids, d.numpy())
    np.testing.assert_array_equal(tf.math.segment_sum(d, tf.constant(ids)).numpy(), want)
    np.testing.assert_array_equal(tf.math.segment_sum(d, ids.tolist()).numpy(), want)
    empty = tf.math.segment_sum(tf.constant(np.zeros((0,) + inner)), tf.constant(np.zeros(0, idt)))
    assert tuple(empty.shape) == (0,) + inner


def test_unsorted_segment_sum_names_first_out_of_range_id():
    d = tf.constant(np.ones(1000))
    ids = np.zeros(1000, np.int64)
    ids[[10, 500]] = [7, 9]
    with pytest.raises(InvalidArgumentError, match=r"unsorted_segment_sum: segment_ids\[10\] = 7 is out of range \[0, 5\)"):
        tf.math.unsorted_segment_sum(d, tf.constant(ids), 5)
    ids[[10, 500]] = [-1, 4]  # a negative id drops its row
    np.testing.assert_array_equal(tf.math.unsorted_segment_sum(d, tf.constant(ids), 5).numpy(), [998, 0, 0, 0, 1])


@pytest.mark.parametrize("idt", [np.int32, np.int64])
def test_segment_sums_over_runs_of_every_length(idt):
    # Runs of equal ids are scanned 8 at a time: lengths 1..40 around multiples of 8, runs of
    # dropped (negative) ids, a run that ends the array, an id reappearing after other runs.
    rng = np.random.default_rng(7)
    lengths = np.concatenate([np.arange(1, 41), rng.integers(1, 30, 60)])
    vals = rng.integers(-1, 25, lengths.size)
    ids = np.repeat(vals, lengths).astype(idt)
    for tail in (0, 5, 8, 17):  # a last run of `tail` more ids equal to the last one
        i = np.concatenate([ids, np.full(tail, ids[-1], idt)])
        d = rng.standard_normal(i.size)
        want = np.zeros(25)
        np.add.at(want, i[i >= 0], d[i >= 0])
        got = tf.math.unsorted_segment_sum(tf.constant(d), tf.constant(i), 25).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        s = np.sort(np.abs(i))  # sorted: tf.math.segment_sum
        want_s = np.zeros(int(s[-1]) + 1)
        np.add.at(want_s, s, d)
        np.testing.assert_allclose(tf.math.segment_sum(tf.constant(d), tf.constant(s)).numpy(), want_s,
                                   rtol=1e-12, atol=1e-12)


# -- bad input --------------------------------------------------------------------------------------

def _arrays_unchanged(call, *arrays):
    before = [a.copy() for a in arrays]
    call()
    for a, b in zip(arrays, before):
        np.testing.assert_array_equal(a, b)


BAD = [
    ("segment_unsorted", InvalidArgumentError, "segment_sum: segment ids are not increasing",
     lambda d, i: tf.math.segment_sum(d, i), np.ones((3, 2)), np.array([0, 2, 1])),
    ("segment_negative", InvalidArgumentError, "segment_max: segment ids must be non-negative",
     lambda d, i: tf.math.segment_max(d, i), np.ones((3, 2)), np.array([-1, 0, 1])),
    ("segment_ids_shape", InvalidArgumentError, "segment_mean: segment_ids shape \\[2\\] must be a prefix",
     lambda d, i: tf.math.segment_mean(d, i), np.ones((3, 2)), np.array([0, 0])),
    ("segment_float_ids", TypeError, "segment_prod: segment_ids must be an int32 or int64",
     lambda d, i: tf.math.segment_prod(d, i), np.ones((3, 2)), np.array([0.0, 0.0, 1.0])),
    ("unsorted_out_of_range", InvalidArgumentError, "unsorted_segment_max: segment_ids\\[1\\] = 5 is out of range",
     lambda d, i: tf.math.unsorted_segment_max(d, i, 3), np.ones((3,)), np.array([0, 5, 1])),
    ("unsorted_negative_count", InvalidArgumentError, "unsorted_segment_mean: num_segments must be non-negative",
     lambda d, i: tf.math.unsorted_segment_mean(d, i, -2), np.ones((3,)), np.array([0, 1, 1])),
    ("unsorted_huge", InvalidArgumentError, "unsorted_segment_prod: the result would have",
     lambda d, i: tf.math.unsorted_segment_prod(d, i, 2 ** 40), np.ones((3, 4)), np.array([0, 1, 1])),
    ("unsorted_bool", TypeError, "unsorted_segment_min: data must be",
     lambda d, i: tf.math.unsorted_segment_min(d, i, 2), np.ones((3,), bool), np.array([0, 1, 1])),
    ("bincount_negative", InvalidArgumentError, "bincount: arr must be non-negative",
     lambda a: tf.math.bincount(a), np.array([1, -1, 2])),
    ("bincount_huge", InvalidArgumentError, "bincount: the result would have",
     lambda a: tf.math.bincount(a, minlength=2 ** 40), np.array([1, 2])),
    ("bincount_float", TypeError, "bincount: arr must be an int32 or int64",
     lambda a: tf.math.bincount(a), np.array([1.0, 2.0])),
    ("bincount_weights_shape", InvalidArgumentError, "bincount: weights shape",
     lambda a, w: tf.math.bincount(a, weights=w), np.array([1, 2]), np.ones(3)),
    ("in_top_k_rank", InvalidArgumentError, "in_top_k: predictions must be 2-D",
     lambda t, p: tf.math.in_top_k(t, p, 1), np.array([0]), np.ones(3, np.float32)),
    ("in_top_k_int_pred", TypeError, "in_top_k: predictions must be float",
     lambda t, p: tf.math.in_top_k(t, p, 1), np.array([0]), np.ones((1, 3), np.int32)),
    ("in_top_k_neg_k", InvalidArgumentError, "in_top_k: k must be non-negative",
     lambda t, p: tf.math.in_top_k(t, p, -1), np.array([0]), np.ones((1, 3), np.float32)),
    ("confusion_out_of_range", InvalidArgumentError, "confusion_matrix: labels contains 3",
     lambda l, p: tf.math.confusion_matrix(l, p, num_classes=3), np.array([0, 3]), np.array([0, 1])),
    ("confusion_negative", InvalidArgumentError, "confusion_matrix: predictions must be non-negative",
     lambda l, p: tf.math.confusion_matrix(l, p), np.array([0, 1]), np.array([0, -1])),
    ("clse_int", TypeError, "cumulative_logsumexp: expected a float32 or float64",
     lambda x: tf.math.cumulative_logsumexp(x), np.array([1, 2])),
    ("clse_axis", InvalidArgumentError, "cumulative_logsumexp: axis 2 is out of range",
     lambda x: tf.math.cumulative_logsumexp(x, 2), np.ones((2, 2))),
    ("unique_2d", InvalidArgumentError, "unique: x must be a vector",
     lambda x: tf.unique(x), np.ones((2, 2))),
    ("searchsorted_dtypes", TypeError, "searchsorted: sorted_sequence and values must have one dtype",
     lambda s, v: tf.searchsorted(s, v), np.array([1.0, 2.0]), np.array([1, 2])),
    ("searchsorted_leading", InvalidArgumentError, "searchsorted: the leading dimensions",
     lambda s, v: tf.searchsorted(s, v), np.ones((2, 3)), np.ones((3, 1))),
    ("histogram_range", InvalidArgumentError, "histogram_fixed_width: value_range\\[0\\]",
     lambda v, r: tf.histogram_fixed_width(v, r), np.ones(3), np.array([1.0, 1.0])),
    ("histogram_nbins", InvalidArgumentError, "histogram_fixed_width: nbins must be non-negative",
     lambda v, r: tf.histogram_fixed_width(v, r, nbins=-3), np.ones(3), np.array([0.0, 1.0])),
    ("scatter_max_dtype", TypeError, "tensor_scatter_nd_max: updates must be float64",
     lambda t, u: tf.tensor_scatter_nd_max(t, [[0]], u), np.ones(3), np.ones(1, np.float32)),
    ("scatter_min_index", InvalidArgumentError, "tensor_scatter_nd_min: indices\\[0\\] = \\[5\\]",
     lambda t, u: tf.tensor_scatter_nd_min(t, [[5]], u), np.ones(3), np.ones(1)),
    ("scatter_sub_shape", InvalidArgumentError, "tensor_scatter_nd_sub: updates must have shape",
     lambda t, u: tf.tensor_scatter_nd_sub(t, [[0]], u), np.ones(3), np.ones(2)),
    ("partition_range", InvalidArgumentError, "dynamic_partition: partitions\\[1\\] = 2 is not in \\[0, 2\\)",
     lambda d, p: tf.dynamic_partition(d, p, 2), np.ones(3), np.array([0, 2, 1])),
    ("stitch_dtype", TypeError, "dynamic_stitch: data\\[1\\] is float32",
     lambda a, b: tf.dynamic_stitch([[0], [1]], [a, b]), np.ones(1), np.ones(1, np.float32)),
    ("stitch_negative", InvalidArgumentError, "dynamic_stitch: indices must be non-negative",
     lambda a: tf.dynamic_stitch([[-1]], [a]), np.ones(1)),
    ("s2d_divisible", InvalidArgumentError, "space_to_depth: height 3 and width 4 must be divisible",
     lambda x: tf.space_to_depth(x, 2), np.ones((1, 3, 4, 1))),
    ("d2s_depth", InvalidArgumentError, "depth_to_space: the depth 3 must be divisible",
     lambda x: tf.depth_to_space(x, 2), np.ones((1, 2, 2, 3))),
    ("s2d_rank", InvalidArgumentError, "space_to_depth: input must be 4-D",
     lambda x: tf.space_to_depth(x, 2), np.ones((2, 2))),
    ("s2d_block", InvalidArgumentError, "space_to_depth: block_size must be at least 2",
     lambda x: tf.space_to_depth(x, 1), np.ones((1, 2, 2, 1))),
    ("embedding_range", InvalidArgumentError, "embedding_lookup: ids\\[1\\] = 3 is not in \\[0, 3\\)",
     lambda p: tf.nn.embedding_lookup(p, [0, 3]), np.ones((3, 2))),
    ("wce_shapes", InvalidArgumentError, "weighted_cross_entropy_with_logits: labels and logits must have the same shape",
     lambda z, x: tf.nn.weighted_cross_entropy_with_logits(z, x, 2.0), np.ones(3), np.ones(2)),
    ("average_loss_batch", ValueError, "compute_average_loss: global_batch_size must be positive",
     lambda l: tf.nn.compute_average_loss(l, global_batch_size=0), np.ones(3)),
    ("crelu_axis", InvalidArgumentError, "crelu: axis 3 is out of range",
     lambda x: tf.nn.crelu(x, axis=3), np.ones((2, 2))),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_input_raises_naming_the_function(case):
    _, exc, match, fn, *arrays = case

    def call():
        with pytest.raises(exc, match=match):
            fn(*arrays)
    _arrays_unchanged(call, *arrays)


def _np_segment(values, ids, n, ufunc, empty):
    ident = {np.add: 0, np.multiply: 1}.get(ufunc)
    if ident is None:
        big = np.inf if values.dtype.kind == "f" else np.iinfo(values.dtype).max
        ident = -big if ufunc is np.maximum else big
        if values.dtype.kind != "f" and ufunc is np.maximum:
            ident = np.iinfo(values.dtype).min
    if empty is None and values.dtype.kind == "f" and ufunc in (np.maximum, np.minimum):
        # TF's empty unsorted segment: numeric_limits<T>::lowest() / max(), not -inf / inf
        info = np.finfo(values.dtype)
        empty = info.min if ufunc is np.maximum else info.max
    out = np.full((n,) + values.shape[1:], ident, values.dtype)
    keep = ids >= 0
    with np.errstate(all="ignore"):
        ufunc.at(out, ids[keep], values[keep])
    if empty is not None:
        touched = np.zeros(n, bool)
        touched[ids[keep]] = True
        out[~touched] = empty
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
@pytest.mark.parametrize("inner", [(), (3,), (2, 2)])
def test_segment_max_min_prod_match_numpy_ufunc_at(dtype, inner):
    # the core's one-pass reductions against numpy's ufunc.at: negative ids dropped, empty
    # segments (identity unsorted, 0 for segment_max/min), NaN propagating as np.maximum
    rng = np.random.default_rng(7)
    m, n = 200, 13
    x = rng.integers(-5, 6, (m,) + inner).astype(dtype)
    if dtype in (np.float32, np.float64):
        x[3] = np.nan
        x[50] = -np.inf
    ids = rng.integers(-2, n, m)
    ids[ids == 7] = 8  # segment 7 is empty
    t = tf.constant(x)
    for f, ufunc in [(tf.math.unsorted_segment_max, np.maximum), (tf.math.unsorted_segment_min, np.minimum),
                     (tf.math.unsorted_segment_prod, np.multiply)]:
        got = f(t, tf.constant(ids), n).numpy()
        np.testing.assert_array_equal(got, _np_segment(x, ids, n, ufunc, None))
    sids = np.sort(np.abs(ids))
    for f, ufunc, empty in [(tf.math.segment_max, np.maximum, 0), (tf.math.segment_min, np.minimum, 0),
                            (tf.math.segment_prod, np.multiply, None)]:
        got = f(t, tf.constant(sids)).numpy()
        np.testing.assert_array_equal(got, _np_segment(x, sids, int(sids[-1]) + 1, ufunc, empty))
