"""tf.edit_distance against TF 2.21 (session 25, helper "ctc/edit").

TensorFlow is not installed in CI: the expected values were measured with TF 2.21
(tensorflow-cpu) by /work/notes/s25_ctc_edit_scripts/probe_edit_tf.py (the hand-written
cases) and gen_expected.py (RANDOM_CASES: shape, hypothesis indices/values, truth
indices/values, normalized result, unnormalized result). The randomised checks compare with
a plain Levenshtein reference and the metric's properties."""

import itertools

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError, InternalError

ST = tf.SparseTensor

# ---- TF 2.21 values (gen_expected.py) ----
RANDOM_CASES = [([1, 6], [[0, 0], [0, 1], [0, 2], [0, 4], [0, 5]], [1, 2, 3, 2, 3], [[0, 1], [0, 4], [0, 5]], [3, 2, 1], [1.0], [3.0]), ([1, 3, 6], [[0, 0, 0], [0, 0, 1], [0, 0, 3], [0, 0, 4], [0, 1, 0], [0, 1, 2], [0, 1, 4], [0, 1, 5], [0, 2, 1], [0, 2, 2], [0, 2, 3], [0, 2, 4]], [1, 1, 1, 1, 2, 1, 3, 2, 2, 1, 1, 2], [[0, 0, 0], [0, 0, 1], [0, 0, 3], [0, 0, 4], [0, 0, 5], [0, 1, 0], [0, 1, 1], [0, 1, 2], [0, 1, 3], [0, 1, 4], [0, 2, 1], [0, 2, 2]], [1, 3, 1, 1, 2, 1, 1, 1, 1, 3, 2, 3], [[0.4000000059604645, 0.800000011920929, 1.5]], [[2.0, 4.0, 3.0]]), ([3, 3, 8], [[0, 0, 0], [0, 0, 2], [0, 0, 3], [0, 0, 4], [0, 1, 2], [0, 1, 3], [0, 1, 4], [0, 1, 5], [0, 1, 6], [0, 1, 7], [0, 2, 0], [0, 2, 1], [0, 2, 3], [0, 2, 4], [0, 2, 5], [0, 2, 6], [0, 2, 7], [1, 0, 1], [1, 0, 2], [1, 0, 5], [1, 0, 6], [1, 0, 7], [1, 1, 1], [1, 1, 2], [1, 1, 4], [1, 1, 6], [1, 1, 7], [1, 2, 1], [1, 2, 3], [1, 2, 5], [2, 0, 0], [2, 0, 1], [2, 0, 3], [2, 0, 5], [2, 1, 0], [2, 1, 1], [2, 1, 2], [2, 1, 3], [2, 1, 4], [2, 1, 5], [2, 1, 6], [2, 1, 7], [2, 2, 1], [2, 2, 3], [2, 2, 4], [2, 2, 5], [2, 2, 6], [2, 2, 7]], [2, 1, 2, 1, 1, 1, 2, 3, 1, 2, 2, 2, 1, 1, 2, 1, 1, 1, 2, 3, 3, 1, 2, 2, 2, 2, 1, 3, 2, 1, 3, 3, 2, 2, 1, 1, 2, 2, 3, 2, 2, 3, 2, 3, 3, 1, 3, 1], [[0, 0, 0], [0, 0, 1], [0, 0, 3], [0, 0, 4], [0, 0, 6], [0, 1, 1], [0, 1, 2], [0, 1, 3], [0, 1, 5], [0, 1, 6], [0, 1, 7], [0, 2, 1], [0, 2, 3], [0, 2, 5], [0, 2, 6], [1, 0, 0], [1, 0, 2], [1, 0, 3], [1, 0, 4], [1, 0, 5], [1, 0, 6], [1, 0, 7], [1, 1, 0], [1, 1, 2], [1, 1, 3], [1, 1, 4], [1, 1, 5], [1, 2, 0], [1, 2, 1], [1, 2, 3], [1, 2, 4], [1, 2, 5], [2, 0, 1], [2, 0, 6], [2, 0, 7], [2, 1, 0], [2, 1, 1], [2, 1, 3], [2, 1, 5], [2, 1, 7], [2, 2, 0], [2, 2, 1], [2, 2, 2], [2, 2, 4], [2, 2, 6], [2, 2, 7]], [2, 1, 3, 3, 2, 3, 2, 1, 2, 3, 1, 1, 2, 1, 1, 2, 2, 3, 3, 2, 3, 3, 2, 1, 1, 3, 3, 1, 1, 1, 1, 2, 3, 3, 1, 2, 3, 3, 3, 1, 2, 1, 3, 3, 2, 3], [[0.6000000238418579, 0.5, 0.75], [0.5714285969734192, 0.800000011920929, 0.800000011920929], [0.6666666865348816, 1.2000000476837158, 0.5]], [[3.0, 3.0, 3.0], [4.0, 4.0, 4.0], [2.0, 6.0, 3.0]]), ([1, 6], [[0, 0], [0, 1], [0, 2], [0, 3]], [3, 2, 1, 2], [[0, 0], [0, 1], [0, 3], [0, 4]], [1, 2, 1, 3], [0.5], [2.0]), ([2, 3, 2, 5], [[0, 0, 0, 0], [0, 0, 0, 3], [0, 0, 0, 4], [0, 0, 1, 0], [0, 0, 1, 2], [0, 1, 0, 0], [0, 1, 0, 1], [0, 1, 0, 2], [0, 1, 1, 1], [0, 1, 1, 2], [0, 1, 1, 3], [0, 1, 1, 4], [0, 2, 0, 1], [0, 2, 1, 3], [1, 0, 0, 0], [1, 0, 0, 1], [1, 0, 0, 2], [1, 0, 1, 0], [1, 0, 1, 1], [1, 0, 1, 4], [1, 1, 0, 0], [1, 1, 0, 1], [1, 1, 0, 2], [1, 1, 0, 3], [1, 1, 0, 4], [1, 1, 1, 0], [1, 1, 1, 3], [1, 1, 1, 4], [1, 2, 0, 0], [1, 2, 0, 2], [1, 2, 0, 3], [1, 2, 0, 4], [1, 2, 1, 0], [1, 2, 1, 3]], [1, 2, 3, 3, 1, 2, 2, 1, 1, 3, 3, 2, 1, 2, 2, 3, 3, 2, 3, 2, 1, 1, 3, 3, 3, 3, 1, 2, 1, 2, 2, 3, 3, 2], [[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 3], [0, 0, 1, 0], [0, 0, 1, 1], [0, 0, 1, 2], [0, 0, 1, 3], [0, 0, 1, 4], [0, 1, 0, 0], [0, 1, 0, 1], [0, 1, 0, 4], [0, 1, 1, 2], [0, 1, 1, 3], [0, 2, 0, 0], [0, 2, 0, 1], [0, 2, 0, 4], [0, 2, 1, 3], [0, 2, 1, 4], [1, 0, 0, 0], [1, 0, 0, 1], [1, 0, 0, 2], [1, 0, 0, 3], [1, 0, 0, 4], [1, 0, 1, 0], [1, 0, 1, 2], [1, 1, 0, 2], [1, 1, 0, 3], [1, 1, 1, 1], [1, 1, 1, 3], [1, 1, 1, 4], [1, 2, 0, 0], [1, 2, 0, 1], [1, 2, 0, 2], [1, 2, 0, 4], [1, 2, 1, 0], [1, 2, 1, 1], [1, 2, 1, 2], [1, 2, 1, 3], [1, 2, 1, 4]], [1, 1, 3, 1, 2, 3, 1, 1, 3, 1, 2, 2, 2, 3, 3, 1, 3, 1, 2, 1, 3, 2, 2, 1, 2, 1, 2, 3, 1, 2, 1, 3, 2, 2, 2, 1, 2, 2, 2], [[[0.3333333432674408, 0.6000000238418579], [1.0, 1.5], [0.6666666865348816, 1.0]], [[0.6000000238418579, 1.0], [2.0, 0.0], [0.5, 0.800000011920929]]], [[[1.0, 3.0], [3.0, 3.0], [2.0, 2.0]], [[3.0, 2.0], [4.0, 0.0], [2.0, 4.0]]]), ([2, 2, 3], [[0, 0, 0], [0, 0, 2], [0, 1, 1], [0, 1, 2], [1, 1, 0]], [3, 1, 2, 1, 1], [[0, 0, 0], [0, 0, 1], [0, 1, 1], [0, 1, 2], [1, 0, 0], [1, 0, 1], [1, 1, 0], [1, 1, 1], [1, 1, 2]], [3, 1, 3, 1, 1, 1, 3, 1, 1], [[0.0, 0.5], [1.0, 0.6666666865348816]], [[0.0, 1.0], [2.0, 2.0]])]


def _sp(idx, vals, shape, dtype="int32"):
    rank = len(shape)
    return ST(np.array(idx, np.int64).reshape(-1, rank), tf.constant(np.array(vals, dtype)), shape)


def _ed(h, t, **kw):
    r = tf.edit_distance(h, t, **kw)
    assert r.dtype == tf.float32
    return r.numpy()


H = ([[0, 0, 0], [1, 0, 0]], [1, 2], [2, 1, 1])
T = ([[0, 1, 0], [1, 0, 0], [1, 0, 1], [1, 1, 0]], [1, 2, 3, 1], [2, 2, 2])


def test_tf_doc_example():
    h, t = _sp(*H), _sp(*T)
    np.testing.assert_array_equal(_ed(h, t), [[np.inf, 1.0], [0.5, 1.0]])
    np.testing.assert_array_equal(_ed(h, t, normalize=False), [[1.0, 1.0], [1.0, 1.0]])
    np.testing.assert_array_equal(_ed(t, h), [[1.0, np.inf], [1.0, np.inf]])
    assert _ed(h, t).shape == (2, 2)


@pytest.mark.parametrize("k", range(6))
def test_random_cases_match_tf(k):
    shape, hi, hv, ti, tv, want_n, want_u = RANDOM_CASES[k]
    h, t = _sp(hi, hv, shape), _sp(ti, tv, shape)
    np.testing.assert_array_equal(_ed(h, t), np.array(want_n, np.float32))
    np.testing.assert_array_equal(_ed(h, t, normalize=False), np.array(want_u, np.float32))


def test_empty_sides_and_shapes_as_tf():
    e2 = (np.zeros((0, 2), np.int64), [], None)
    hyp_empty = ST(e2[0], tf.constant(np.zeros(0, np.int32)), [3, 4])
    np.testing.assert_array_equal(_ed(hyp_empty, _sp([[1, 0]], [7], [2, 5])), [0.0, 1.0, 0.0])
    truth_empty = ST(e2[0], tf.constant(np.zeros(0, np.int32)), [2, 5])
    np.testing.assert_array_equal(_ed(_sp([[1, 0], [1, 1]], [7, 7], [3, 4]), truth_empty), [0.0, np.inf, 0.0])
    np.testing.assert_array_equal(_ed(_sp([[1, 0], [1, 1]], [7, 7], [3, 4]), truth_empty, normalize=False),
                                  [0.0, 2.0, 0.0])
    np.testing.assert_array_equal(_ed(hyp_empty, truth_empty), [0.0, 0.0, 0.0])
    # the output shape is the elementwise max of the leading dims, even with zero sizes
    z = _ed(ST(np.zeros((0, 3), np.int64), tf.constant(np.zeros(0, np.int32)), [0, 2, 3]),
            ST(np.zeros((0, 3), np.int64), tf.constant(np.zeros(0, np.int32)), [1, 0, 1]))
    assert z.shape == (1, 2) and not z.any()
    r4 = _ed(_sp([[0, 1, 0, 0], [1, 0, 2, 1]], [1, 2], [2, 2, 3, 2]),
             _sp([[0, 1, 0, 0], [0, 1, 0, 1], [1, 0, 2, 0]], [1, 1, 2], [2, 2, 3, 2]))
    want = np.zeros((2, 2, 3), np.float32)
    want[0, 1, 0] = 0.5
    np.testing.assert_array_equal(r4, want)


def test_order_and_last_index_handling_as_tf():
    # only the order of the entries matters, not the last index; indices are not sorted or checked
    np.testing.assert_array_equal(_ed(_sp([[0, 0], [0, 3]], [1, 2], [1, 5]), _sp([[0, 0], [0, 1]], [1, 2], [1, 2])), [0.0])
    np.testing.assert_array_equal(_ed(_sp([[0, 1], [0, 0]], [1, 2], [1, 2]), _sp([[0, 0]], [1], [1, 1])), [1.0])
    np.testing.assert_array_equal(_ed(_sp([[0, 5]], [1], [1, 2]), _sp([[0, 0]], [1], [1, 1])), [0.0])
    # unsorted groups are paired by TF's sorted-merge walk
    np.testing.assert_array_equal(_ed(_sp([[1, 0], [0, 0]], [1, 2], [2, 1]), _sp([[0, 0], [1, 0]], [2, 1], [2, 1])),
                                  [np.inf, 0.0])
    np.testing.assert_array_equal(_ed(_sp([[0, 0], [1, 0], [0, 1]], [1, 2, 3], [2, 2]),
                                      _sp([[0, 0], [0, 1], [1, 0]], [1, 3, 2], [2, 2])), [np.inf, 0.0])
    # a group beyond its dense_shape but inside the output writes there, as TF
    np.testing.assert_array_equal(_ed(_sp([[0, 2, 0]], [1], [2, 2, 1]), _sp([[0, 0, 0]], [1], [2, 2, 1])),
                                  [[1.0, 0.0], [np.inf, 0.0]])
    np.testing.assert_array_equal(_ed(_sp([[0, 0], [1, 0]], [1, 1], [1, 2]), _sp([[0, 0]], [1], [2, 1])),
                                  [0.0, np.inf])


def test_value_dtypes_as_tf():
    np.testing.assert_array_equal(_ed(_sp([[0, 0], [0, 1]], [1.5, 2.0], [1, 2], "float32"),
                                      _sp([[0, 0]], [1.5], [1, 1], "float32")), [1.0])
    np.testing.assert_array_equal(_ed(_sp([[0, 0]], [1.0], [1, 1], "float64"), _sp([[0, 0]], [1.0], [1, 1], "float64")), [0.0])
    np.testing.assert_array_equal(_ed(_sp([[0, 0]], [np.nan], [1, 1], "float32"),
                                      _sp([[0, 0]], [np.nan], [1, 1], "float32")), [1.0])  # NaN != NaN
    np.testing.assert_array_equal(_ed(_sp([[0, 0], [0, 1]], [True, False], [1, 2], "bool"),
                                      _sp([[0, 0]], [False], [1, 1], "bool")), [1.0])
    long_h = _sp([[0, i] for i in range(6)], [1, 2, 3, 4, 5, 6], [1, 6])
    np.testing.assert_array_equal(_ed(long_h, _sp([[0, i] for i in range(4)], [2, 9, 4, 6], [1, 4])), [0.75])


def test_errors_as_tf():
    h, t = _sp(*H), _sp(*T)
    with pytest.raises(InvalidArgumentError, match=r"matching ranks, but their shapes are: \[3\] and \[2\]"):
        tf.edit_distance(_sp([[0, 0]], [1], [1, 1]), t)
    with pytest.raises(InvalidArgumentError, match="rank at least 2, but truth_shape rank is: 1"):
        tf.edit_distance(_sp([[0]], [1], [1]), _sp([[0], [1]], [1, 2], [2]))
    with pytest.raises(InvalidArgumentError, match="rank at least 2, but truth_shape rank is: 1"):
        tf.edit_distance(_sp([[0, 0]], [1], [1, 1]), _sp([[0]], [1], [1]))
    with pytest.raises(InvalidArgumentError, match="expected to be a int64 tensor but is a int32 tensor"):
        tf.edit_distance(_sp([[0, 0]], [1], [1, 1], "int64"), _sp([[0, 0]], [1], [1, 1], "int32"))
    with pytest.raises(TypeError, match="Hypothesis must be a SparseTensor"):
        tf.edit_distance(tf.constant([[1]]), t)
    with pytest.raises(TypeError, match="Truth must be a SparseTensor"):
        tf.edit_distance(h, tf.constant([[1]]))
    with pytest.raises(TypeError, match="Expected bool for argument 'normalize'"):
        tf.edit_distance(h, t, normalize=1)
    with pytest.raises(InternalError, match="Got an inner product 3"):
        tf.edit_distance(_sp([[3, 0]], [1], [1, 2]), _sp([[0, 0]], [1], [1, 1]))


def test_sparse_tensor_value_like_inputs():
    class V:
        def __init__(self, i, v, s):
            self.indices, self.values, self.dense_shape = i, v, s
    r = tf.edit_distance(V([[0, 0]], tf.constant([1]), [1, 1]), _sp([[0, 0]], [2], [1, 1]))
    np.testing.assert_array_equal(r.numpy(), [1.0])


def _ref_lev(a, b):
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, y in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (x != y))
    return d[-1]


def _rows(rs, n, max_len, alphabet):
    return [list(rs.randint(0, alphabet, size=rs.randint(0, max_len + 1))) for _ in range(n)]


def _batch(rows, width):
    idx = [[r, j] for r, row in enumerate(rows) for j in range(len(row))]
    vals = [v for row in rows for v in row]
    return _sp(idx, vals, [len(rows), width])


@pytest.mark.parametrize("seed", range(10))
def test_random_batches_against_reference_levenshtein(seed):
    rs = np.random.RandomState(seed)
    n = int(rs.randint(1, 8))
    max_len = int(rs.choice([3, 8, 30]))
    hyp, tru = _rows(rs, n, max_len, int(rs.choice([2, 5]))), _rows(rs, n, max_len, 3)
    h, t = _batch(hyp, max_len), _batch(tru, max_len)
    raw = _ed(h, t, normalize=False)
    want = np.array([_ref_lev(a, b) for a, b in zip(hyp, tru)], np.float32)
    np.testing.assert_array_equal(raw, want)
    norm = _ed(h, t)
    for r, (a, b) in enumerate(zip(hyp, tru)):
        if b:
            assert norm[r] == np.float32(want[r]) / np.float32(len(b))
        else:
            assert norm[r] == (np.inf if a else 0.0)


@pytest.mark.parametrize("seed", range(5))
def test_metric_properties(seed):
    rs = np.random.RandomState(50 + seed)
    a, b, c = _rows(rs, 3, 12, 3)
    seqs = [a, b, c]
    w = 12
    d = {}
    for (i, x), (j, y) in itertools.product(enumerate(seqs), repeat=2):
        d[i, j] = float(_ed(_batch([x], w), _batch([y], w), normalize=False)[0])
    for i in range(3):
        assert d[i, i] == 0
        for j in range(3):
            assert d[i, j] == d[j, i]
            assert abs(len(seqs[i]) - len(seqs[j])) <= d[i, j] <= max(len(seqs[i]), len(seqs[j]))
            for k in range(3):
                assert d[i, k] <= d[i, j] + d[j, k]
