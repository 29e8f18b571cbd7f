"""tapegrad.ragged (helper session "ragged"): tf.RaggedTensor and the tf.ragged module.

The standard cases (forward against numpy in float32 and float64, gradients through the flat
values and second derivatives against finite differences), then TF's documented examples, then
hypothesis over random row lengths (empty rows and zero rows included) against plain Python /
numpy on the same lists, the dtypes, and bad input (the class and a message naming the
function; the caller's arrays unchanged)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError
from opcases import Case, define_tests, distinct, normal, nonzero

R = tf.RaggedTensor
S = [0, 3, 3, 5, 9, 9]        # 5 rows: lengths 3, 0, 2, 4, 0 (empty rows inside and at the end)
S_FULL = [0, 3, 4, 6, 9]      # 4 rows, none empty (mean / max / min without NaN or inf)
NESTED = ([0, 2, 2, 5], [0, 3, 3, 4, 6, 9])   # ragged rank 2 over 9 values
S_LONG = [0, 5, 5, 7, 12, 13, 13]   # 6 rows: lengths 5, 0, 2, 5, 1, 0 (rows longer than 3)


# -- numpy references on Python row lists ----------------------------------------------------------

def _rows(v, splits):
    return [v[a:b] for a, b in zip(splits[:-1], splits[1:])]


def _pad(rows, width=None, nrows=None, default=0.0):
    inner = rows[0].shape[1:] if rows else ()
    width = max([len(r) for r in rows], default=0) if width is None else width
    nrows = len(rows) if nrows is None else nrows
    out = np.full((nrows, width) + inner, default, dtype=np.float64)
    for i, r in enumerate(rows[:nrows]):
        k = min(len(r), width)
        out[i, :k] = r[:k]
    return out


def _reduce_rows(v, splits, fn, empty):
    return np.array([fn(r, axis=0) if len(r) else np.full(v.shape[1:], empty) for r in _rows(v, splits)])


def _reduce_cols(v, splits, fn):
    rows = _rows(v, splits)
    width = max(len(r) for r in rows)
    return np.array([fn(np.array([r[j] for r in rows if len(r) > j]), axis=0) for j in range(width)])


def _nested_rows(v, nested):
    inner = _rows(v, nested[1])
    return [inner[a:b] for a, b in zip(nested[0][:-1], nested[0][1:])]


def _slice_rows(v, splits, key):
    return np.concatenate([r[key] for r in _rows(v, splits)] or [v[:0]])


CASES = [
    Case("ragged_to_tensor", ("gather", "concat"), lambda v: R.from_row_splits(v, S).to_tensor(),
         lambda v: _pad(_rows(v, S)), normal((9,))),
    Case("ragged_to_tensor_default_shape", ("gather", "concat"),
         lambda v: R.from_row_splits(v, S).to_tensor(default_value=-1.5, shape=[6, 2]),
         lambda v: _pad(_rows(v, S), 2, 6, -1.5), normal((9,))),
    Case("ragged_to_tensor_tensor_default", ("gather", "concat"),
         lambda v, d: R.from_row_splits(v, S).to_tensor(default_value=d),
         lambda v, d: np.where(_pad(_rows(np.ones((9, 1)), S)) > 0, _pad(_rows(v, S)), d),
         normal((9, 2), (2,))),
    Case("ragged_nested_to_tensor", ("gather", "concat"),
         lambda v: R.from_nested_row_splits(v, NESTED).to_tensor(),
         lambda v: np.stack([_pad(rows, 3, 3) if rows else np.zeros((3, 3)) for rows in _nested_rows(v, NESTED)]),
         normal((9,))),
    Case("ragged_reduce_sum_axis1", "row_splits_sum",
         lambda v: tf.reduce_sum(R.from_row_splits(v, S), axis=1),
         lambda v: _reduce_rows(v, S, np.sum, 0.0), normal((9, 2))),
    Case("ragged_reduce_sum_axis1_long_rows", "row_splits_sum",
         lambda v: tf.reduce_sum(R.from_row_splits(v, [0, 40, 40, 57, 100]), axis=1),
         lambda v: _reduce_rows(v, [0, 40, 40, 57, 100], np.sum, 0.0), normal((100, 3))),
    Case("ragged_reduce_sum_axis0", "unsorted_segment_sum",
         lambda v: tf.reduce_sum(R.from_row_splits(v, S), axis=0),
         lambda v: _reduce_cols(v, S, np.sum), normal((9,))),
    Case("ragged_reduce_sum_axes01", ("row_splits_sum", "reduce_sum"),
         lambda v: tf.reduce_sum(R.from_row_splits(v, S), axis=[0, 1]), lambda v: v.sum(0), normal((9, 3))),
    Case("ragged_reduce_mean_axis1", ("row_splits_sum", "divide"),
         lambda v: tf.reduce_mean(R.from_row_splits(v, S_FULL), axis=1, keepdims=True),
         lambda v: _reduce_rows(v, S_FULL, np.mean, 0.0)[:, None], normal((9,))),
    Case("ragged_reduce_mean_axis0", ("unsorted_segment_sum", "divide"),
         lambda v: tf.math.reduce_mean(R.from_row_splits(v, S), axis=0),
         lambda v: _reduce_cols(v, S, np.mean), normal((9,))),
    Case("ragged_reduce_max_axis1", "custom_gradient",
         lambda v: tf.reduce_max(R.from_row_splits(v, S_FULL), axis=1),
         lambda v: _reduce_rows(v, S_FULL, np.max, -np.inf), distinct((9, 2))),
    Case("ragged_reduce_min_axis0", "custom_gradient",
         lambda v: tf.reduce_min(R.from_row_splits(v, S), axis=0),
         lambda v: _reduce_cols(v, S, np.min), distinct((9,))),
    Case("ragged_reduce_prod_axis1", "custom_gradient",
         lambda v: tf.math.reduce_prod(R.from_row_splits(v, S_FULL), axis=1),
         lambda v: _reduce_rows(v, S_FULL, np.prod, 1.0), nonzero((9,))),
    Case("ragged_nested_reduce_sum_axis1", "unsorted_segment_sum",
         lambda v: tf.reduce_sum(R.from_nested_row_splits(v, NESTED), axis=1).to_tensor(),
         lambda v: np.stack([_pad(rows, 3).sum(0) if rows else np.zeros(3) for rows in _nested_rows(v, NESTED)]),
         normal((9,))),
    Case("ragged_getitem_rows", "slice",
         lambda v: R.from_row_splits(v, S)[2:4].flat_values, lambda v: v[3:9], normal((9,))),
    Case("ragged_getitem_row_steps", "gather",
         lambda v: R.from_row_splits(v, S)[::-2].flat_values,
         lambda v: np.concatenate(_rows(v, S)[::-2]), normal((9,))),
    Case("ragged_getitem_row_index", "slice",
         lambda v: R.from_row_splits(v, S)[-2], lambda v: v[5:9], normal((9,))),
    Case("ragged_getitem_column_slice", "gather",
         lambda v: R.from_row_splits(v, S)[:, 1:].flat_values, lambda v: _slice_rows(v, S, np.s_[1:]),
         normal((9,))),
    Case("ragged_getitem_column_reverse_step", "gather",
         lambda v: R.from_row_splits(v, S)[:, -1::-2].flat_values,
         lambda v: _slice_rows(v, S, np.s_[-1::-2]), normal((9,))),
    Case("ragged_getitem_head", "gather",
         lambda v: R.from_row_splits(v, S_LONG)[:, :3].flat_values,
         lambda v: _slice_rows(v, S_LONG, np.s_[:3]), normal((13, 2))),
    Case("ragged_getitem_column_step_negative_bounds", "gather",
         lambda v: R.from_row_splits(v, S_LONG)[:, -5:-1:2].flat_values,
         lambda v: _slice_rows(v, S_LONG, np.s_[-5:-1:2]), normal((13,))),
    Case("ragged_getitem_column_past_row_ends", "gather",
         lambda v: R.from_row_splits(v, S_LONG)[:, 2:9].flat_values,
         lambda v: _slice_rows(v, S_LONG, np.s_[2:9]), normal((13,))),
    Case("ragged_getitem_nested_column_slice", "slice",  # the kept values are one run
         lambda v: R.from_nested_row_splits(v, NESTED)[:, 1:].flat_values, lambda v: v[4:9],
         normal((9,))),
    Case("ragged_getitem_uniform_inner", "slice",
         lambda v: R.from_row_splits(v, S)[:, :, 1].flat_values, lambda v: v[:, 1], normal((9, 3))),
    Case("ragged_elementwise", ("multiply", "add", "divide"),
         lambda a, b: (R.from_row_splits(a, S) * R.from_row_splits(b, S) + 2.0 / R.from_row_splits(b, S)).flat_values,
         lambda a, b: a * b + 2.0 / b, lambda rng: [rng.standard_normal(9), rng.uniform(0.5, 2, 9)]),
    Case("ragged_broadcast_dense", ("multiply", "gather"),
         lambda v, d: (R.from_row_splits(v, S) * d).flat_values,
         lambda v, d: v * np.repeat(d[:, 0], np.diff(S)), normal((9,), (5, 1))),
    Case("ragged_broadcast_inner", ("subtract",),
         lambda v, d: (R.from_row_splits(v, S).__rsub__(d)).flat_values, lambda v, d: d - v,
         normal((9, 2), (2,))),
    Case("ragged_concat_axis1", ("concat", "gather"),
         lambda a, b: tf.concat([R.from_row_splits(a, S), R.from_row_splits(b, [0, 1, 1, 1, 2, 3])], 1).flat_values,
         lambda a, b: np.concatenate([np.concatenate([x, y]) for x, y in
                                      zip(_rows(a, S), _rows(b, [0, 1, 1, 1, 2, 3]))]),
         normal((9,), (3,))),
    Case("ragged_stack_axis0", "concat",
         lambda a, b: tf.ragged.stack([R.from_row_splits(a, S), R.from_row_splits(b, [0, 2])]).flat_values,
         lambda a, b: np.concatenate([a, b]), normal((9,), (2,))),
    Case("ragged_boolean_mask", "gather",
         lambda v: tf.ragged.boolean_mask(R.from_row_splits(v, S), R.from_row_splits(
             np.array([1, 0, 1, 1, 1, 0, 0, 1, 1], bool), S)).flat_values,
         lambda v: v[[0, 2, 3, 4, 7, 8]], normal((9, 2))),
    Case("ragged_from_tensor_lengths", "gather",
         lambda t: R.from_tensor(t, lengths=[2, 0, 3, 1]).flat_values,
         lambda t: np.concatenate([t[0, :2], t[2], t[3, :1]]), normal((4, 3, 2))),
    Case("ragged_map_flat_values", ("tanh", "multiply"),
         lambda v: tf.ragged.map_flat_values(lambda x, y: tf.tanh(x) * y, R.from_row_splits(v, S),
                                             R.from_row_splits(v, S)).to_tensor(),
         lambda v: _pad(_rows(np.tanh(v) * v, S)), normal((9,))),
    Case("ragged_merge_dims", "reshape",
         lambda v: R.from_row_splits(v, [0, 2, 3]).merge_dims(1, 2).flat_values,
         lambda v: v.reshape(-1), normal((3, 4))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


# -- TF's documented examples ----------------------------------------------------------------------

I32 = tf.int32


def test_class_docstring_examples():
    values = np.array([3, 1, 4, 1, 5, 9, 2, 6], np.int32)
    want = "<tapegrad.RaggedTensor [[3, 1, 4, 1], [], [5, 9, 2], [6], []]>"
    rts = [R.from_row_splits(values, row_splits=[0, 4, 4, 7, 8, 8]),
           R.from_row_lengths(values, row_lengths=[4, 0, 3, 1, 0]),
           R.from_value_rowids(values, value_rowids=[0, 0, 0, 0, 2, 2, 2, 3], nrows=5),
           R.from_row_starts(values, row_starts=[0, 4, 4, 7, 8]),
           R.from_row_limits(values, row_limits=[4, 4, 7, 8, 8])]
    for rt in rts:
        assert repr(rt) == want and str(rt) == want
        assert rt.dtype == tf.int32 and rt.shape == (5, None) and rt.ragged_rank == 1
        assert rt.row_splits.dtype == tf.int64
    inner = R.from_row_splits(values, [0, 4, 4, 7, 8, 8])
    outer = R.from_row_splits(values=inner, row_splits=[0, 3, 3, 5])
    assert outer.to_list() == [[[3, 1, 4, 1], [], [5, 9, 2]], [], [[6], []]]
    assert outer.ragged_rank == 2 and outer.shape.as_list() == [3, None, None]
    assert R.from_nested_row_splits(values, ([0, 3, 3, 5], [0, 4, 4, 7, 8, 8])).to_list() == outer.to_list()
    rt = R.from_row_splits(values=tf.ones([5, 3], I32), row_splits=[0, 2, 5])
    assert rt.to_list() == [[[1, 1, 1], [1, 1, 1]], [[1, 1, 1], [1, 1, 1], [1, 1, 1]]]
    assert str(rt.shape) == "(2, None, 3)" and repr(rt.shape) == "TensorShape([2, None, 3])"
    assert rt.shape.rank == 3 and isinstance(rt.shape, tf.TensorShape)


def test_partition_encodings_doc_examples():
    rt = tf.ragged.constant([[3, 1, 4, 1], [], [5, 9, 2], [6], []], dtype=I32)
    np.testing.assert_array_equal(rt.values.numpy(), [3, 1, 4, 1, 5, 9, 2, 6])
    np.testing.assert_array_equal(rt.row_splits.numpy(), [0, 4, 4, 7, 8, 8])
    np.testing.assert_array_equal(rt.value_rowids().numpy(), [0, 0, 0, 0, 2, 2, 2, 3])
    assert int(rt.nrows()) == 5 and rt.nrows().dtype == tf.int64
    assert rt.nrows(out_type=tf.int32).dtype == tf.int32
    np.testing.assert_array_equal(rt.row_starts().numpy(), [0, 4, 4, 7, 8])
    np.testing.assert_array_equal(rt.row_limits().numpy(), [4, 4, 7, 8, 8])
    np.testing.assert_array_equal(rt.row_lengths().numpy(), [4, 0, 3, 1, 0])
    rt = tf.ragged.constant([[[3, 1, 4], [1]], [], [[5, 9], [2]], [[6]], []], dtype=I32)
    np.testing.assert_array_equal(rt.row_lengths().numpy(), [2, 0, 2, 1, 0])
    assert rt.row_lengths(axis=2).to_list() == [[3, 1], [], [2, 1], [1], []]
    assert [list(x.numpy()) for x in rt.nested_row_lengths()] == [[2, 0, 2, 1, 0], [3, 1, 2, 1, 1]]
    assert len(rt.nested_row_splits) == 2 and len(rt.nested_value_rowids()) == 2
    rt = tf.ragged.constant([[1, 2, 3, 4], [5], [], [6, 7, 8, 9], [10]], dtype=I32)
    np.testing.assert_array_equal(rt.bounding_shape().numpy(), [5, 4])
    assert int(rt.bounding_shape(axis=1)) == 4
    uni = R.from_row_splits(tf.ones([5, 3]), [0, 2, 5])
    assert uni.row_lengths(axis=2).to_list() == [[3, 3], [3, 3, 3]]
    assert int(uni.row_lengths(axis=0)) == 2


def test_to_tensor_and_from_tensor_doc_examples():
    rt = tf.ragged.constant([[9, 8, 7], [], [6, 5], [4]], dtype=I32)
    t = rt.to_tensor()
    assert t.dtype == tf.int32
    np.testing.assert_array_equal(t.numpy(), [[9, 8, 7], [0, 0, 0], [6, 5, 0], [4, 0, 0]])
    np.testing.assert_array_equal(rt.to_tensor(shape=[5, 2]).numpy(), [[9, 8], [0, 0], [6, 5], [4, 0], [0, 0]])
    dt = tf.constant([[5, 7, 0], [0, 3, 0], [6, 0, 0]], dtype=I32)
    # rows of one length print as numpy prints a 2-D array (TF's doc output, whitespace normalized)
    assert " ".join(repr(R.from_tensor(dt)).split()) == "<tapegrad.RaggedTensor [[5, 7, 0], [0, 3, 0], [6, 0, 0]]>"
    assert R.from_tensor(dt, lengths=[1, 0, 3]).to_list() == [[5], [], [6, 0, 0]]
    assert R.from_tensor(dt, padding=0).to_list() == [[5, 7], [0, 3], [6]]
    dt = tf.constant([[[5, 0], [7, 0], [0, 0]], [[0, 0], [3, 0], [0, 0]], [[6, 0], [0, 0], [0, 0]]], dtype=I32)
    assert R.from_tensor(dt, lengths=([2, 0, 3], [1, 1, 2, 0, 1])).to_list() == \
        [[[5], [7]], [], [[6, 0], [], [0]]]
    # padding with inner dimensions: an entry is padding when all of it equals padding
    assert R.from_tensor(dt, padding=[0, 0]).to_list() == [[[5, 0], [7, 0]], [[0, 0], [3, 0]], [[6, 0]]]
    # ragged_rank 2: the outer partition uniform, the inner one trimmed
    rt2 = R.from_tensor(dt, padding=0, ragged_rank=2)
    assert rt2.to_list() == [[[5], [7], []], [[], [3], []], [[6], [], []]]
    assert rt2.ragged_rank == 2


def test_merge_dims_and_with_values_doc_examples():
    rt = tf.ragged.constant([[[1, 2], [3]], [[4, 5, 6]]], dtype=I32)
    assert rt.merge_dims(0, 1).to_list() == [[1, 2], [3], [4, 5, 6]]
    assert rt.merge_dims(1, 2).to_list() == [[1, 2, 3], [4, 5, 6]]
    flat = rt.merge_dims(0, 2)
    assert isinstance(flat, tf.Tensor)
    np.testing.assert_array_equal(flat.numpy(), [1, 2, 3, 4, 5, 6])
    assert rt.merge_dims(-1, -1) is rt
    rt = tf.ragged.constant([[1, 2], [3, 4, 5]], dtype=I32)
    assert rt.with_values(rt.values * 2).to_list() == [[2, 4], [6, 8, 10]]
    nested = tf.ragged.constant([[[1], [2, 3]], [[4]]], dtype=I32)
    assert nested.with_flat_values(nested.flat_values + 10).to_list() == [[[11], [12, 13]], [[14]]]
    uni = R.from_row_splits(tf.reshape(tf.range(12), [6, 2]), [0, 4, 6])
    assert uni.merge_dims(1, 2).to_list() == [[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11]]
    assert uni.merge_dims(0, 1).shape == (6, 2)


def test_getitem_doc_examples():
    rt = tf.ragged.constant([[1, 2, 3], [4, 5], [6], [7]], dtype=I32)
    np.testing.assert_array_equal(rt[0].numpy(), [1, 2, 3])
    assert rt[:3].to_list() == [[1, 2, 3], [4, 5], [6]]
    assert int(rt[3, 0]) == 7
    rt = tf.ragged.constant([[[1, 2, 3], [4]], [[5], [], [6]], [[7]], [[8, 9], [10]]], dtype=I32)
    assert rt[1].to_list() == [[5], [], [6]]
    np.testing.assert_array_equal(rt[3, 0].numpy(), [8, 9])
    assert rt[:, 1:3].to_list() == [[[4]], [[], [6]], [], [[10]]]
    assert rt[:, -1:].to_list() == [[[4]], [[6]], [[7]], [[10]]]
    assert rt[...].to_list() == rt.to_list() and rt[:].to_list() == rt.to_list()
    assert rt[:, :, 1:].to_list() == [[[2, 3], []], [[], [], []], [[]], [[9], []]]
    uni = R.from_row_splits(tf.reshape(tf.range(12, dtype=tf.int32), [6, 2]), [0, 4, 6])
    assert uni[..., 1].to_list() == [[1, 3, 5, 7], [9, 11]]
    assert uni[1, -1, 0].numpy() == 10
    assert int(rt[tf.constant(-1, dtype=tf.int32), 1, 0]) == 10
    assert [r.numpy().tolist() for r in tf.ragged.constant([[1, 2], [3]], dtype=I32)] == [[1, 2], [3]]


def test_reductions_dispatch_from_cxx():
    # The C++ reductions hand a RaggedTensor to tapegrad.ragged (Note [Foreign reductions]);
    # other types go through the usual conversion and its errors.
    rt = tf.ragged.constant([[1.0, 2.0], [3.0]])
    for fn in (tf.reduce_sum, tf.reduce_mean, tf.reduce_max, tf.reduce_min, tf.math.reduce_sum):
        assert fn(rt, 1, False).shape == (2,), fn.__name__
    assert tf.reduce_sum(rt, axis=[0, 1], keepdims=True).numpy().tolist() == [[6.0]]

    class NotRagged:
        _tapegrad_ragged = False

        def __array__(self, dtype=None, copy=None):
            return np.array([1.0, 2.0], dtype=dtype or np.float32)

    assert float(tf.reduce_sum(NotRagged())) == 3.0
    with pytest.raises(TypeError, match="_set_foreign_reduce"):
        tf._core._set_foreign_reduce(42)


def test_reduce_doc_examples():
    rt = tf.ragged.constant([[3, 1, 4], [1, 5], [9], [2, 6]], dtype=I32)
    for fn, axis, want in [(tf.reduce_sum, 0, [15, 12, 4]), (tf.reduce_sum, 1, [8, 6, 9, 8]),
                           (tf.reduce_max, 0, [9, 6, 4]), (tf.reduce_max, 1, [4, 5, 9, 6]),
                           (tf.reduce_min, 0, [1, 1, 4]), (tf.reduce_min, 1, [1, 1, 9, 2]),
                           (tf.math.reduce_prod, 0, [54, 30, 4]), (tf.math.reduce_prod, 1, [12, 5, 9, 12])]:
        got = fn(rt, axis=axis)
        assert got.dtype == tf.int32, fn.__name__
        np.testing.assert_array_equal(got.numpy(), want, err_msg=f"{fn.__name__} axis={axis}")
    assert int(tf.reduce_sum(rt)) == 31 and tf.reduce_sum(rt, keepdims=True).shape == (1, 1)
    mean0, mean1 = tf.reduce_mean(rt, axis=0), tf.reduce_mean(rt, axis=1)
    assert mean0.dtype == tf.float64  # the sum over the count, TF's int `/`
    np.testing.assert_allclose(mean0.numpy(), [3.75, 4.0, 4.0])
    np.testing.assert_allclose(mean1.numpy(), [8 / 3, 3.0, 9.0, 4.0])
    assert tf.reduce_sum(rt, axis=1, keepdims=True).shape == (4, 1)
    assert tf.reduce_sum(rt, axis=0, keepdims=True).shape == (1, 3)
    b = tf.ragged.constant([[True, False], [], [False]])
    np.testing.assert_array_equal(tf.reduce_any(b, axis=1).numpy(), [True, False, False])
    np.testing.assert_array_equal(tf.reduce_all(b, axis=1).numpy(), [False, True, False])
    assert bool(tf.math.reduce_any(b)) and not bool(tf.reduce_all(b))
    # empty rows: 0, the dtype's lowest / highest, 1, NaN (as TF's unsorted segment ops and 0/0)
    e = tf.ragged.constant([[2.0], []])
    assert tf.reduce_sum(e, axis=1).numpy().tolist() == [2.0, 0.0]
    big = float(np.finfo(np.float32).max)  # TF's numeric_limits<float>::lowest() / max()
    assert tf.reduce_max(e, axis=1).numpy().tolist() == [2.0, -big]
    assert tf.reduce_min(e, axis=1).numpy().tolist() == [2.0, big]
    assert tf.math.reduce_prod(e, axis=1).numpy().tolist() == [2.0, 1.0]
    assert np.isnan(tf.reduce_mean(e, axis=1).numpy()[1])
    ei = tf.ragged.constant([[2], []], dtype=tf.int64)
    assert tf.reduce_max(ei, axis=1).numpy()[1] == np.iinfo(np.int64).min


def test_nested_reductions():
    rt = tf.ragged.constant([[[1, 2, 3], [4]], [], [[5, 6]]], dtype=I32)
    assert tf.reduce_sum(rt, axis=2).to_list() == [[6, 4], [], [11]]
    assert tf.reduce_sum(rt, axis=1).to_list() == [[5, 2, 3], [], [5, 6]]
    assert tf.reduce_sum(rt, axis=0).to_list() == [[6, 8, 3], [4]]
    np.testing.assert_array_equal(tf.reduce_sum(rt, axis=[1, 2]).numpy(), [10, 0, 11])
    np.testing.assert_array_equal(tf.reduce_max(rt, axis=[-1, 1]).numpy(), [4, np.iinfo(np.int32).min, 6])
    assert tf.reduce_sum(rt, axis=2, keepdims=True).to_list() == [[[6], [4]], [], [[11]]]
    assert tf.reduce_mean(rt, axis=2).to_list() == [[2.0, 4.0], [], [5.5]]
    uni = R.from_row_splits(tf.reshape(tf.range(6.0), [3, 2]), [0, 2, 3])
    assert tf.reduce_sum(uni, axis=2).to_list() == [[1.0, 5.0], [9.0]]
    np.testing.assert_array_equal(tf.reduce_sum(uni, axis=1).numpy(), [[2, 4], [4, 5]])


def test_module_function_doc_examples():
    assert tf.ragged.range([3, 5, 2]).to_list() == [[0, 1, 2], [0, 1, 2, 3, 4], [0, 1]]
    assert tf.ragged.range([0, 5, 8], [3, 3, 12]).to_list() == [[0, 1, 2], [], [8, 9, 10, 11]]
    assert tf.ragged.range([0, 5, 8], [3, 3, 12], 2).to_list() == [[0, 2], [], [8, 10]]
    assert tf.ragged.range(3).to_list() == [[0, 1, 2]] and tf.ragged.range(3).dtype == tf.int32
    assert tf.ragged.range([5, 0], 1, -2).to_list() == [[5, 3], []]
    assert tf.ragged.range([0.0], [1.0], 0.25).to_list() == [[0.0, 0.25, 0.5, 0.75]]
    np.testing.assert_array_equal(
        tf.ragged.segment_ids_to_row_splits([0, 0, 0, 2, 2, 3, 4, 4, 4]).numpy(), [0, 3, 3, 5, 6, 9])
    np.testing.assert_array_equal(tf.ragged.segment_ids_to_row_splits([0, 2], num_segments=4).numpy(),
                                  [0, 1, 1, 2, 2])
    ids = tf.ragged.row_splits_to_segment_ids([0, 3, 3, 5, 6, 9])
    np.testing.assert_array_equal(ids.numpy(), [0, 0, 0, 2, 2, 3, 4, 4, 4])
    assert ids.dtype == tf.int64
    assert tf.ragged.row_splits_to_segment_ids(tf.constant([0, 2], dtype=tf.int32)).dtype == tf.int32
    T, F = True, False
    assert tf.ragged.boolean_mask([[1, 2, 3], [4, 5, 6], [7, 8, 9]],
                                  [[T, F, T], [F, F, F], [T, F, F]]).to_list() == [[1, 3], [], [7]]
    assert tf.ragged.boolean_mask(tf.ragged.constant([[1, 2, 3], [4], [5, 6]], dtype=I32),
                                  tf.ragged.constant([[F, F, T], [F], [T, T]])).to_list() == [[3], [], [5, 6]]
    assert tf.ragged.boolean_mask(tf.ragged.constant([[1, 2, 3], [4], [5, 6]], dtype=I32),
                                  tf.constant([True, False, True])).to_list() == [[1, 2, 3], [5, 6]]
    sel = tf.ragged.boolean_mask(np.arange(6).reshape(3, 2), [True, False, True])
    assert isinstance(sel, tf.Tensor) and sel.numpy().tolist() == [[0, 1], [4, 5]]
    rt = tf.ragged.constant([[1, 2, 3], [], [4, 5], [6]], dtype=I32)
    assert tf.ragged.map_flat_values(tf.ones_like, rt).to_list() == [[1, 1, 1], [], [1, 1], [1]]
    assert tf.ragged.map_flat_values(tf.multiply, rt, rt).to_list() == [[1, 4, 9], [], [16, 25], [36]]
    assert tf.ragged.map_flat_values(tf.add, rt, 5).to_list() == [[6, 7, 8], [], [9, 10], [11]]
    assert tf.ragged.map_flat_values(lambda xs: xs[0] - xs[1], [rt, rt]).to_list() == [[0, 0, 0], [], [0, 0], [0]]
    np.testing.assert_array_equal(tf.ragged.map_flat_values(tf.add, 1, 2).numpy(), 3)


def test_constant_doc_examples_and_dtypes():
    rt = tf.ragged.constant([[1, 2], [3], [4, 5, 6]])
    assert rt.dtype == tf.int32  # Python ints are int32, as TF's constant
    assert repr(rt) == "<tapegrad.RaggedTensor [[1, 2], [3], [4, 5, 6]]>"
    assert repr(tf.ragged.constant([[1, 2.5], [3]])) == "<tapegrad.RaggedTensor [[1.0, 2.5], [3.0]]>"
    assert repr(tf.ragged.constant([[1, 2], [3]], dtype=I32)) == "<tapegrad.RaggedTensor [[1, 2], [3]]>"
    assert tf.ragged.constant([[True], []]).dtype == tf.bool
    assert tf.ragged.constant([np.array([1, 2], np.int64), np.array([3], np.int64)]).dtype == tf.int64
    assert tf.ragged.constant([[1.5]], dtype=tf.float64).flat_values.dtype == tf.float64
    rt = tf.ragged.constant([[[1, 2], [3, 4]], [], [[5, 6]]], ragged_rank=1, dtype=I32)
    assert rt.shape.as_list() == [3, None, 2] and rt.ragged_rank == 1
    assert rt.to_list() == [[[1, 2], [3, 4]], [], [[5, 6]]]
    rt = tf.ragged.constant([[[1, 2], [3]], [[4]]], dtype=I32)
    assert rt.ragged_rank == 2 and rt.shape.as_list() == [2, None, None]
    dense = tf.ragged.constant([[1, 2], [3, 4]], ragged_rank=0, dtype=I32)
    assert isinstance(dense, tf.Tensor) and dense.shape == (2, 2)
    flat = tf.ragged.constant([1, 2, 3], dtype=I32)
    assert isinstance(flat, tf.Tensor) and flat.numpy().tolist() == [1, 2, 3]
    assert tf.ragged.constant([[], []]).shape.as_list() == [2, None]
    assert tf.ragged.constant([[]], ragged_rank=2).shape.as_list() == [1, None, None]
    assert tf.ragged.constant([[1, 2]], row_splits_dtype=tf.int32).row_splits.dtype == tf.int32
    assert tf.ragged.constant([[[1, 2]], [[3, 4]]], inner_shape=(2,)).shape.as_list() == [2, None, 2]
    back = tf.ragged.constant(tf.ragged.constant([[1, 2], [3]], dtype=I32).numpy())
    assert back.to_list() == [[1, 2], [3]] and back.dtype == tf.int32


def test_numpy_repr_and_empty():
    rt = tf.ragged.constant([[1, 2, 3], [4, 5]], dtype=I32)
    a = rt.numpy()
    assert a.dtype == object and a.shape == (2,)
    np.testing.assert_array_equal(a[0], [1, 2, 3])
    np.testing.assert_array_equal(tf.ragged.constant([[1, 2], [3, 4]], dtype=I32).numpy(), [[1, 2], [3, 4]])
    empty = R.from_row_splits(np.zeros(0, np.float32), [0])
    assert empty.shape == (0, None) and empty.numpy().shape == (0, 0)
    assert repr(empty) == "<tapegrad.RaggedTensor []>" and empty.to_list() == []
    assert empty.to_tensor().shape == (0, 0)
    assert repr(tf.ragged.constant([[], [1.5]])) == "<tapegrad.RaggedTensor [[], [1.5]]>"
    assert repr(tf.ragged.constant([[True], []])) == "<tapegrad.RaggedTensor [[True], []]>"


def test_concat_and_stack_doc_examples():
    t1 = tf.ragged.constant([[1, 2], [3, 4, 5]], dtype=I32)
    t2 = tf.ragged.constant([[6], [7, 8, 9]], dtype=I32)
    assert tf.concat([t1, t2], axis=0).to_list() == [[1, 2], [3, 4, 5], [6], [7, 8, 9]]
    assert tf.concat([t1, t2], axis=1).to_list() == [[1, 2, 6], [3, 4, 5, 7, 8, 9]]
    assert tf.concat([t1, t2], axis=-1).to_list() == [[1, 2, 6], [3, 4, 5, 7, 8, 9]]
    assert tf.ragged.stack([t1, t2], axis=0).to_list() == [[[1, 2], [3, 4, 5]], [[6], [7, 8, 9]]]
    assert tf.ragged.stack([t1, t2], axis=1).to_list() == [[[1, 2], [6]], [[3, 4, 5], [7, 8, 9]]]
    assert tf.ragged.stack([tf.constant([1, 2], dtype=I32), tf.constant([3], dtype=I32)]).to_list() == [[1, 2], [3]]
    dense = tf.constant([[10, 11]], dtype=I32)
    assert tf.concat([t1, dense], 0).to_list() == [[1, 2], [3, 4, 5], [10, 11]]
    assert tf.concat([t1, dense], 0).ragged_rank == 1
    both = tf.ragged.stack([tf.ones([2, 2]), tf.zeros([2, 2])], axis=0)
    assert isinstance(both, R) and both.shape.as_list() == [2, None, None]
    assert isinstance(tf.ragged.stack([tf.ones([2, 2]), tf.zeros([2, 2])], axis=2), tf.Tensor)
    n1 = tf.ragged.constant([[[1], [2, 3]], [[4]]], dtype=I32)
    n2 = tf.ragged.constant([[[5, 6]], [[7], []]], dtype=I32)
    assert tf.concat([n1, n2], 1).to_list() == [[[1], [2, 3], [5, 6]], [[4], [7], []]]
    assert tf.concat([n1, n1], 2).to_list() == [[[1, 1], [2, 3, 2, 3]], [[4, 4]]]
    u = R.from_row_splits(tf.constant([[1, 2], [3, 4], [5, 6]], dtype=I32), [0, 2, 3])
    assert tf.concat([u, u], 2).to_list() == [[[1, 2, 1, 2], [3, 4, 3, 4]], [[5, 6, 5, 6]]]
    np.testing.assert_array_equal(tf.concat([tf.ones(2), tf.zeros(1)], 0).numpy(), [1, 1, 0])


def test_operators():
    a = tf.ragged.constant([[1.0, 2.0], [], [3.0]])
    b = tf.ragged.constant([[10.0, 20.0], [], [30.0]])
    assert (a + b).to_list() == [[11, 22], [], [33]]
    assert (b - a).to_list() == [[9, 18], [], [27]] and (1 - a).to_list() == [[0, -1], [], [-2]]
    assert (a * 2).to_list() == [[2, 4], [], [6]] and (2 * a).to_list() == [[2, 4], [], [6]]
    assert (b / a).to_list() == [[10, 10], [], [10]] and (6 / a).to_list() == [[6, 3], [], [2]]
    assert (b // 7).to_list() == [[1, 2], [], [4]] and (b % 7).to_list() == [[3, 6], [], [2]]
    assert (a ** 2).to_list() == [[1, 4], [], [9]] and (2 ** a).to_list() == [[2, 4], [], [8]]
    assert (-a).to_list() == [[-1, -2], [], [-3]] and abs(-a).to_list() == a.to_list()
    assert (a < 2).to_list() == [[True, False], [], [False]]
    assert (a >= b / 10).to_list() == [[True, True], [], [True]]
    assert (a == b / 10).to_list() == [[True, True], [], [True]] and (a != 1).to_list() == [[False, True], [], [True]]
    assert not (a == None) and (a != None)  # noqa: E711 (TF 2: False / True)
    m = a > 1
    assert (~m).to_list() == [[True, False], [], [False]]
    assert (m & m).to_list() == m.to_list() and (m | ~m).to_list() == [[True, True], [], [True]]
    assert (m ^ m).to_list() == [[False, False], [], [False]]
    assert (a + np.array([[1.0], [2.0], [3.0]])).to_list() == [[2, 3], [], [6]]
    assert (np.array([[1.0], [2.0], [3.0]]) + a).to_list() == [[2, 3], [], [6]]
    u = R.from_row_splits(tf.reshape(tf.range(6.0), [3, 2]), [0, 2, 3])
    assert (u + tf.constant([100.0, 200.0])).to_list() == [[[100, 201], [102, 203]], [[104, 205]]]
    assert (u * tf.constant([[[1.0]], [[-1.0]]])).to_list() == [[[0, 1], [2, 3]], [[-4, -5]]]
    # a dense operand whose size at the ragged dimension equals every row's length
    v = tf.ragged.constant([[1.0, 2.0], [3.0, 4.0]])
    assert (v * tf.constant([[1.0, 10.0]])).to_list() == [[1, 20], [3, 40]]
    i = tf.ragged.constant([[1, 2], [3]], dtype=I32)
    assert (i + 1).dtype == tf.int32 and (i + 1).to_list() == [[2, 3], [4]]
    with pytest.raises(TypeError):
        hash(a)
    with pytest.raises(TypeError, match="truth value"):
        bool(a)


def test_gradient_through_variable_and_tape():
    v = tf.Variable(np.array([1.0, 2.0, 3.0, 4.0]))
    with tf.GradientTape() as tape:
        rt = R.from_row_lengths(v, [2, 0, 2])
        loss = tf.reduce_sum(tf.reduce_max(rt * rt, axis=1)[::2]) + tf.reduce_sum(rt.to_tensor())
    np.testing.assert_allclose(tape.gradient(loss, v).numpy(), [1, 5, 1, 9])
    # max ties split the gradient equally (TF's rule for segment max)
    x = tf.constant([2.0, 2.0, 1.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_max(R.from_row_splits(x, [0, 3]), axis=1)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [0.5, 0.5, 0])


def test_caller_arrays_are_copied_and_unchanged():
    splits = np.array([0, 2, 3])
    vals = np.array([1.0, 2.0, 3.0], np.float32)
    rt = R.from_row_splits(vals, splits)
    splits[1] = 0
    assert rt.to_list() == [[1, 2], [3]]
    np.testing.assert_array_equal(vals, [1, 2, 3])
    bad = np.array([0, 5, 3])
    with pytest.raises(InvalidArgumentError):
        R.from_row_splits(vals, bad)
    np.testing.assert_array_equal(bad, [0, 5, 3])


# -- hypothesis: random row lengths (empty rows and zero rows included) ----------------------------

lengths_st = st.lists(st.integers(0, 5), min_size=0, max_size=7)
inner_st = st.sampled_from([(), (2,), (1, 3)])


def _make(lengths, inner, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    n = int(sum(lengths))
    v = rng.standard_normal((n,) + inner).astype(dtype)
    return v, [0] + list(np.cumsum(lengths, dtype=np.int64))


@settings(max_examples=80, deadline=None)
@given(lengths_st, inner_st, st.integers(0, 3), st.integers(0, 6))
def test_to_tensor_from_tensor_roundtrip_hypothesis(lengths, inner, extra_rows, width):
    v, s = _make(lengths, inner)
    rt = R.from_row_splits(v, s)
    rows = _rows(v, s)
    np.testing.assert_array_equal(rt.to_tensor().numpy(), _pad(rows).reshape((len(lengths), -1) + inner)
                                  if lengths else np.zeros((0, 0) + inner))
    got = rt.to_tensor(default_value=7.0, shape=[len(lengths) + extra_rows, width] + list(inner)).numpy()
    np.testing.assert_array_equal(got, _pad(rows + [], width, len(lengths) + extra_rows, 7.0).reshape(got.shape)
                                  if rows else np.full(got.shape, 7.0))
    if lengths:
        dense = rt.to_tensor()
        back = R.from_tensor(dense, lengths=lengths)
        assert back.to_list() == rt.to_list()
        np.testing.assert_array_equal(back.row_splits.numpy(), s)
    assert tf.ragged.constant(rt.to_list(), dtype=tf.float64, ragged_rank=1).to_list() == rt.to_list()


@settings(max_examples=80, deadline=None)
@given(lengths_st, inner_st)
def test_reductions_hypothesis(lengths, inner):
    v, s = _make(lengths, inner, seed=len(lengths))
    rt = R.from_row_splits(v, s)
    rows = _rows(v, s)
    big = np.finfo(v.dtype).max  # an empty row: TF's numeric_limits<T>::lowest() / max()
    for fn, npfn, empty in [(tf.reduce_sum, np.sum, 0.0), (tf.reduce_max, np.max, -big),
                            (tf.reduce_min, np.min, big), (tf.reduce_mean, np.mean, np.nan),
                            (tf.math.reduce_prod, np.prod, 1.0)]:
        want = np.array([npfn(r, axis=0) if len(r) else np.full(inner, empty) for r in rows]).reshape(
            (len(rows),) + inner)
        np.testing.assert_allclose(fn(rt, axis=1).numpy(), want, rtol=1e-12, err_msg=fn.__name__)
        width = max(lengths, default=0)
        cols = [[r[j] for r in rows if len(r) > j] for j in range(width)]
        want0 = np.array([npfn(np.array(c), axis=0) for c in cols]).reshape((width,) + inner)
        np.testing.assert_allclose(fn(rt, axis=0).numpy(), want0, rtol=1e-12, err_msg=fn.__name__)
        np.testing.assert_allclose(fn(rt).numpy(), npfn(v) if v.size else {
            np.sum: 0.0, np.max: -np.inf, np.min: np.inf, np.mean: np.nan, np.prod: 1.0}[npfn],
            rtol=1e-12, err_msg=fn.__name__)


@settings(max_examples=100, deadline=None)
@given(lengths_st, st.one_of(st.none(), st.integers(-7, 7)), st.one_of(st.none(), st.integers(-7, 7)),
       st.sampled_from([None, 1, 2, 3, -1, -2]), st.integers(-7, 7))
def test_getitem_hypothesis(lengths, start, stop, step, row):
    v, s = _make(lengths, ())
    rt = R.from_row_splits(v, s)
    lists = rt.to_list()
    key = slice(start, stop, step)
    assert rt[key].to_list() == lists[key]
    assert rt[:, key].to_list() == [r[key] for r in lists]
    assert rt[key, key].to_list() == [r[key] for r in lists[key]]
    if -len(lists) <= row < len(lists):
        assert rt[row].numpy().tolist() == lists[row]
        assert rt[row, key].numpy().tolist() == lists[row][key]
    else:
        with pytest.raises(IndexError):
            rt[row]


def test_getitem_column_slices_against_lists():
    # every row length 0-12 against Python's slice rules: negative starts and stops, steps of
    # either sign, bounds past the ends of the rows, empty rows first, inside and last
    lengths = [0, 1, 12, 3, 0, 7, 2, 5, 0]
    v, s = _make(lengths, ())
    rt = R.from_row_splits(v, s)
    lists = rt.to_list()
    bounds = [None, -13, -6, -1, 0, 1, 3, 5, 13]
    for step in [None, 1, 2, 3, -1, -2, -3]:
        for start in bounds:
            for stop in bounds:
                key = slice(start, stop, step)
                got = rt[:, key]
                want = [r[key] for r in lists]
                assert got.to_list() == want, key
                np.testing.assert_array_equal(got.row_lengths().numpy(), [len(r) for r in want])
                np.testing.assert_array_equal(got.row_splits.numpy(),
                                              np.cumsum([0] + [len(r) for r in want]))
    assert rt[:, :].to_list() == lists and rt[:, ::1].to_list() == lists and rt[:].to_list() == lists
    assert rt[1:-1, -2:].to_list() == [r[-2:] for r in lists[1:-1]]
    assert rt[::-2, 1::2].to_list() == [r[1::2] for r in lists[::-2]]
    # bounds given as numpy ints and int scalar tensors
    assert rt[:, np.int64(1):tf.constant(4, dtype=tf.int32)].to_list() == [r[1:4] for r in lists]
    # no rows, and only empty rows
    for ls in ([], [0, 0, 0]):
        e = R.from_row_lengths(np.zeros(0), ls)
        assert e[:, :3].to_list() == [[] for _ in ls] and e[:, ::-1].row_splits.numpy().tolist() == [0] * (len(ls) + 1)


def test_getitem_column_slices_keep_dtypes_and_inner_dims():
    lengths = [4, 0, 2, 6]
    v, s = _make(lengths, (2,), dtype=np.float32)
    rt = R.from_row_splits(v, np.array(s, np.int32))
    lists = rt.to_list()
    for key in [np.s_[:3], np.s_[-3:], np.s_[1::2], np.s_[::-3], np.s_[5:1:-1]]:
        got = rt[:, key]
        assert got.to_list() == [r[key] for r in lists], key
        assert got.dtype == tf.float32 and got.row_splits.dtype == tf.int32 and got.shape.as_list() == [4, None, 2]
    assert rt[:, :3, 1].to_list() == [[x[1] for x in r[:3]] for r in lists]
    nested = R.from_nested_row_lengths(np.arange(12.0), [[2, 0, 3], [4, 0, 1, 3, 4]])
    nl = nested.to_list()
    assert nested[:, 1:].to_list() == [r[1:] for r in nl]
    assert nested[:, ::-1, :2].to_list() == [[x[:2] for x in r[::-1]] for r in nl]


def test_gradient_through_head_slice():
    # rt[:, :3] (the benchmark's slice): the gradient flows back through one recorded gather
    v = tf.Variable(np.arange(1.0, 14.0))
    w = np.arange(1.0, 10.0)  # one weight per kept value (lengths 5, 0, 2, 5, 1, 0 -> 3, 0, 2, 3, 1, 0)
    with tf.GradientTape() as tape:
        head = R.from_row_splits(v, S_LONG)[:, :3]
        loss = tf.reduce_sum(head.flat_values * tf.constant(w))
    want = np.zeros(13)
    want[[0, 1, 2, 5, 6, 7, 8, 9, 12]] = w
    np.testing.assert_array_equal(tape.gradient(loss, v).numpy(), want)
    assert head.to_list() == [[1, 2, 3], [], [6, 7], [8, 9, 10], [13], []]


@settings(max_examples=60, deadline=None)
@given(st.lists(lengths_st, min_size=0, max_size=4), inner_st)
def test_nested_hypothesis(outer_lists, inner):
    outer = [len(x) for x in outer_lists]
    inner_lengths = [n for x in outer_lists for n in x]
    v, s_inner = _make(inner_lengths, inner)
    rt = R.from_nested_row_lengths(v, [outer, inner_lengths])
    rows = iter(_rows(v, s_inner))
    want = [[next(rows).tolist() for _ in x] for x in outer_lists]
    assert rt.to_list() == want
    assert rt.shape.as_list() == [len(outer), None, None] + list(inner)
    dense = rt.to_tensor().numpy()
    assert list(dense.shape) == rt.bounding_shape().numpy().tolist()
    for i, row in enumerate(want):
        for j, r in enumerate(row):
            np.testing.assert_array_equal(dense[i, j, :len(r)], np.array(r).reshape((len(r),) + inner))
            assert (dense[i, j, len(r):] == 0).all()
    np.testing.assert_array_equal(rt.merge_dims(1, 2).flat_values.numpy(), v)
    sums = np.array([np.reshape(r, (-1,) + inner).sum(0) if r else np.zeros(inner)
                     for row in want for r in row]).reshape((len(inner_lengths),) + inner)
    by_row = np.array([sums[a:b].sum(0) for a, b in zip([0] + list(np.cumsum(outer))[:-1],
                                                         np.cumsum(outer))]).reshape((len(outer),) + inner)
    np.testing.assert_allclose(tf.reduce_sum(rt, axis=[1, 2]).numpy(), by_row, atol=1e-12)
    assert tf.concat([rt, rt], 0).to_list() == want + want
    assert tf.ragged.constant(want, dtype=tf.float64, ragged_rank=2).to_list() == want


@settings(max_examples=60, deadline=None)
@given(lengths_st, lengths_st, st.integers(0, 2 ** 31))
def test_concat_mask_and_ids_hypothesis(la, lb, seed):
    va, sa = _make(la, (), seed % 100)
    vb, sb = _make(lb, (), seed % 100 + 1)
    a, b = R.from_row_splits(va, sa), R.from_row_splits(vb, sb)
    assert tf.concat([a, b], 0).to_list() == a.to_list() + b.to_list()
    assert tf.ragged.stack([a, b], 0).to_list() == [a.to_list(), b.to_list()]
    if len(la) == len(lb):
        assert tf.concat([a, b], 1).to_list() == [x + y for x, y in zip(a.to_list(), b.to_list())]
        assert tf.ragged.stack([a, b], 1).to_list() == [[x, y] for x, y in zip(a.to_list(), b.to_list())]
    mask = va > 0
    got = tf.ragged.boolean_mask(a, a.with_flat_values(mask)).to_list()
    assert got == [[x for x in r if x > 0] for r in a.to_list()]
    rowmask = np.arange(len(la)) % 2 == 0
    assert tf.ragged.boolean_mask(a, rowmask).to_list() == [r for r, k in zip(a.to_list(), rowmask) if k]
    ids = tf.ragged.row_splits_to_segment_ids(sa)
    np.testing.assert_array_equal(ids.numpy(), a.value_rowids().numpy())
    np.testing.assert_array_equal(tf.ragged.segment_ids_to_row_splits(ids, num_segments=len(la)).numpy(), sa)
    np.testing.assert_array_equal(R.from_value_rowids(va, ids, nrows=len(la)).row_splits.numpy(), sa)
    starts = tf.ragged.range(la, np.array(la) * 2 + 1, 2)
    assert starts.to_list() == [list(range(n, 2 * n + 1, 2)) for n in la]


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64, tf.int32, tf.int64, tf.bool])
def test_dtypes(dtype):
    base = np.array([1, 0, 3, 4, 0], dtype.as_numpy_dtype)
    rt = R.from_row_splits(base, [0, 2, 2, 5])
    assert rt.dtype == dtype and rt.flat_values.dtype == dtype
    t = rt.to_tensor()
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.array([[1, 0, 0], [0, 0, 0], [3, 4, 0]], dtype.as_numpy_dtype))
    assert rt[:, ::-1].to_list() == [[base[1], base[0]], [], [base[4], base[3], base[2]]]
    assert tf.concat([rt, rt], 1).flat_values.dtype == dtype
    if dtype == tf.bool:
        np.testing.assert_array_equal(tf.reduce_any(rt, axis=1).numpy(), [True, False, True])
        with pytest.raises(TypeError):
            tf.reduce_sum(rt, axis=1)
    else:
        s = tf.reduce_sum(rt, axis=1)
        assert s.dtype == dtype
        np.testing.assert_array_equal(s.numpy(), [1, 0, 7])
        np.testing.assert_array_equal(tf.reduce_max(rt, axis=0).numpy(), [3, 4, 0])
        rt32 = R.from_row_splits(base, np.array([0, 2, 2, 5], np.int32))
        assert rt32.row_splits.dtype == tf.int32 and rt32.value_rowids().dtype == tf.int32
        assert rt32.with_row_splits_dtype(tf.int64).row_splits.dtype == tf.int64


# -- bad input -------------------------------------------------------------------------------------

V3 = np.array([1.0, 2.0, 3.0], np.float32)


@pytest.mark.parametrize("call, exc, fragment", [
    (lambda: R.from_row_splits(V3, [1, 2, 3]), InvalidArgumentError, "from_row_splits: row_splits\\[0\\] must be 0"),
    (lambda: R.from_row_splits(V3, [0, 3, 2, 3]), InvalidArgumentError, "from_row_splits: row_splits must be sorted"),
    (lambda: R.from_row_splits(V3, [0, 2]), InvalidArgumentError, "must equal the number of values 3"),
    (lambda: R.from_row_splits(V3, []), ValueError, "may not be empty"),
    (lambda: R.from_row_splits(V3, [[0, 3]]), ValueError, "must be a vector"),
    (lambda: R.from_row_splits(V3, tf.constant([0.0, 3.0])), ValueError, "int32 or int64, got float32"),
    (lambda: R.from_row_splits(V3, [0.0, 3.5]), ValueError, "int32 or int64"),
    (lambda: R.from_row_splits(5.0, [0, 1]), ValueError, "rank >= 1"),
    (lambda: R.from_row_lengths(V3, [2, -1, 2]), InvalidArgumentError, "from_row_lengths: row_lengths must be non-negative"),
    (lambda: R.from_row_lengths(V3, [1, 1]), InvalidArgumentError, "sum to 2, but values have 3 rows"),
    (lambda: R.from_value_rowids(V3, [0, 2, 1]), InvalidArgumentError, "from_value_rowids: value_rowids must be sorted"),
    (lambda: R.from_value_rowids(V3, [-1, 0, 0]), InvalidArgumentError, "non-negative"),
    (lambda: R.from_value_rowids(V3, [0, 1, 2], nrows=2), InvalidArgumentError, "nrows >= value_rowids"),
    (lambda: R.from_value_rowids(V3, [0, 1]), InvalidArgumentError, "2 entries, but values have 3"),
    (lambda: R.from_row_starts(V3, [1, 2]), InvalidArgumentError, "from_row_starts: row_starts\\[0\\] must be 0"),
    (lambda: R.from_row_starts(V3, [0, 4]), InvalidArgumentError, "past the number of values"),
    (lambda: R.from_row_limits(V3, [2, 1, 3]), InvalidArgumentError, "from_row_limits"),
    (lambda: R.from_row_limits(V3, [1, 2]), InvalidArgumentError, "must equal the number of values"),
    (lambda: R.from_nested_row_splits(V3, np.array([0, 3])), TypeError, "list or tuple"),
    (lambda: R.from_row_splits(R.from_row_splits(V3, [0, 3]), np.array([0, 1], np.int32)), ValueError, "dtype"),
    (lambda: R(V3, None), ValueError, "constructor is private"),
    (lambda: R.from_tensor(tf.ones([2, 2]), lengths=[1, 1], padding=0), ValueError, "not both"),
    (lambda: R.from_tensor(tf.ones([2, 2]), ragged_rank=2), ValueError, "ragged_rank must be in"),
    (lambda: R.from_tensor(tf.ones([2, 2]), lengths=[1, 1, 1]), InvalidArgumentError, "lengths has 3 entries"),
    (lambda: R.from_tensor(tf.ones([2, 2, 3]), padding=0.0), ValueError, "padding must have shape"),
    (lambda: R.from_tensor(R.from_row_splits(V3, [0, 3])), TypeError, "dense tensor"),
    (lambda: tf.ragged.constant([[1, [2]]]), ValueError, "same nesting depth"),
    (lambda: tf.ragged.constant([[1, 2], [3]], ragged_rank=0), ValueError, "inconsistent shape"),
    (lambda: tf.ragged.constant([[1, 2]], ragged_rank=2), ValueError, "ragged_rank=2"),
    (lambda: tf.ragged.constant(3.0, ragged_rank=1), ValueError, "needs lists"),
    (lambda: tf.ragged.constant([["a"]]), TypeError, "ragged.constant"),
    (lambda: tf.ragged.range([1, 2], [3, 4, 5]), InvalidArgumentError, "ragged.range"),
    (lambda: tf.ragged.range(3, 5, 0), InvalidArgumentError, "delta != 0"),
    (lambda: tf.ragged.range(2 ** 40), InvalidArgumentError, "more than"),
    (lambda: tf.ragged.segment_ids_to_row_splits([0, -1]), InvalidArgumentError, "non-negative"),
    (lambda: tf.ragged.segment_ids_to_row_splits([2 ** 40]), InvalidArgumentError, "more than"),
    (lambda: tf.ragged.row_splits_to_segment_ids([1, 2]), InvalidArgumentError, "splits\\[0\\] must be 0"),
    (lambda: tf.ragged.row_splits_to_segment_ids([0, 2, 1]), InvalidArgumentError, "sorted"),
    (lambda: tf.ragged.boolean_mask(V3, [1, 0, 1]), TypeError, "mask must be a bool tensor"),
    (lambda: tf.ragged.boolean_mask(V3, [True, False]), InvalidArgumentError, "mask has 2 entries"),
    (lambda: tf.ragged.boolean_mask(R.from_row_splits(V3, [0, 1, 3]), R.from_row_splits(
        np.ones(3, bool), [0, 2, 3])), InvalidArgumentError, "does not match data"),
    (lambda: tf.ragged.map_flat_values(tf.add, R.from_row_splits(V3, [0, 1, 3]),
                                       R.from_row_splits(V3, [0, 2, 3])), InvalidArgumentError,
     "identical row partitions"),
    (lambda: tf.ragged.map_flat_values(lambda x: x[:1], R.from_row_splits(V3, [0, 1, 3])),
     InvalidArgumentError, "keep the 3 rows"),
    (lambda: tf.ragged.stack([R.from_row_splits(V3, [0, 3]), tf.ones([3])]), ValueError, "same rank"),
    (lambda: tf.concat([R.from_row_splits(V3, [0, 3]), R.from_row_splits(V3, [0, 1, 3])], 1),
     InvalidArgumentError, "same number of rows"),
    (lambda: tf.concat([R.from_row_splits(V3, [0, 3]), R.from_row_splits(V3.astype(np.float64), [0, 3])], 0),
     TypeError, "same dtype"),
    (lambda: tf.concat([R.from_row_splits(V3, [0, 3]), R.from_row_splits(V3, [0, 3])], 5),
     InvalidArgumentError, "axis 5 is out of range"),
])
def test_bad_input(call, exc, fragment):
    with pytest.raises(exc, match=fragment):
        call()


@pytest.mark.parametrize("call, exc, message", [
    (lambda rt: rt.row_lengths(axis=1.0), TypeError, "row_lengths: axis must be an int, got 1.0"),
    (lambda rt: rt.row_lengths(axis=True), TypeError, "row_lengths: axis must be an int, got True"),
    (lambda rt: rt.row_lengths(axis=-3), InvalidArgumentError,
     "row_lengths: axis -3 is out of range for a RaggedTensor of rank 2"),
    (lambda rt: rt.merge_dims(0.5, 1), TypeError, "RaggedTensor.merge_dims: outer_axis must be an int, got 0.5"),
    (lambda rt: rt.merge_dims(0, "a"), TypeError, "RaggedTensor.merge_dims: inner_axis must be an int, got 'a'"),
    (lambda rt: rt.merge_dims(0, 3), InvalidArgumentError,
     "RaggedTensor.merge_dims: inner_axis=3 out of bounds: expected -2 <= inner_axis < 2"),
    (lambda rt: rt.merge_dims(-3, 1), InvalidArgumentError,
     "RaggedTensor.merge_dims: outer_axis=-3 out of bounds: expected -2 <= outer_axis < 2"),
    (lambda rt: tf.reduce_sum(rt, axis=[0, "b"]), TypeError,
     "reduce_sum: axis must be an int or a list of ints, got [0, 'b']"),
    (lambda rt: tf.reduce_sum(rt, axis=1.5), TypeError, "reduce_sum: axis must be an int or a list of ints, got 1.5"),
    (lambda rt: tf.reduce_max(rt, axis=[1, -3]), InvalidArgumentError,
     "reduce_max: axis -3 is out of range for a RaggedTensor of rank 2"),
    (lambda rt: tf.ragged.stack([rt, rt], "q"), TypeError, "ragged.stack: axis must be an int, got 'q'"),
    (lambda rt: tf.ragged.stack([rt, rt], 3), InvalidArgumentError,
     "ragged.stack: axis 3 is out of range for inputs of rank 2"),
    (lambda rt: tf.concat([rt, rt], -3), InvalidArgumentError, "concat: axis -3 is out of range for inputs of rank 2"),
])
def test_bad_axis_messages(call, exc, message):
    # the exact texts of the shared axis check (_check_axis) at each of its callers
    with pytest.raises(exc) as info:
        call(R.from_row_splits(V3, [0, 1, 3]))
    assert str(info.value) == message


def test_good_axes():
    rt = R.from_nested_row_splits(np.arange(9.0), NESTED)
    assert rt.row_lengths(axis=-1).to_list() == rt.row_lengths(axis=2).to_list() == [[3, 0], [], [1, 2, 3]]
    assert rt.merge_dims(-3, -2).to_list() == rt.merge_dims(0, 1).to_list()
    np.testing.assert_array_equal(tf.reduce_sum(rt, axis=[-1, 0, 0, np.int64(1)]).numpy(), 36.0)
    assert tf.ragged.stack([rt, rt], -4).to_list() == [rt.to_list(), rt.to_list()]


def test_bad_indexing_and_methods():
    rt = R.from_row_splits(V3, [0, 1, 3])
    with pytest.raises(ValueError, match="inner ragged dimension"):
        rt[:, 0]
    with pytest.raises(IndexError, match="row index 2 is out of bounds"):
        rt[2]
    with pytest.raises(IndexError, match="too many indices"):
        rt[0, 0, 0]
    with pytest.raises(TypeError, match="indices must be integers"):
        rt["a"]
    with pytest.raises(TypeError, match="slice indices must be integers"):
        rt[0.5:]
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        rt[:, ::0]
    with pytest.raises(InvalidArgumentError, match="identical row partitions"):
        rt + R.from_row_splits(V3, [0, 2, 3])
    with pytest.raises(InvalidArgumentError, match="does not broadcast"):
        rt * tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(InvalidArgumentError, match="does not broadcast"):
        rt * tf.ones([2, 3, 1])
    with pytest.raises(ValueError, match="must have 2 entries"):
        rt.to_tensor(shape=[2])
    with pytest.raises(InvalidArgumentError, match="uniform inner dimension"):
        R.from_row_splits(tf.ones([3, 2]), [0, 3]).to_tensor(shape=[1, 3, 4])
    with pytest.raises(ValueError, match="does not broadcast to the inner shape"):
        rt.to_tensor(default_value=[1.0, 2.0])
    with pytest.raises(InvalidArgumentError, match="elements"):
        rt.to_tensor(shape=[2 ** 40, 2 ** 40])
    with pytest.raises(InvalidArgumentError, match="reduce_sum: axis 2 is out of range"):
        tf.reduce_sum(rt, axis=2)
    with pytest.raises(InvalidArgumentError, match="merge_dims"):
        rt.merge_dims(0, 3)
    with pytest.raises(ValueError, match="less than or equal"):
        rt.merge_dims(1, 0)
    with pytest.raises(InvalidArgumentError, match="row_lengths: axis 2"):
        rt.row_lengths(axis=2)
    with pytest.raises(ValueError, match="new_values have 2 rows"):
        rt.with_values(tf.ones([2]))
    with pytest.raises(TypeError, match="reduce_mean: expected a number tensor"):
        tf.reduce_mean(rt > 1, axis=1)
    with pytest.raises(TypeError, match="reduce_any: expected a bool"):
        tf.reduce_any(rt, axis=1)
    np.testing.assert_array_equal(V3, [1, 2, 3])


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_row_splits_sum_against_rows(dtype, threads):
    # Long and empty rows, an inner dimension, enough values for the rows to go to threads.
    rng = np.random.default_rng(5)
    lengths = rng.integers(0, 300, 700)
    lengths[::7] = 0
    splits = np.concatenate([[0], np.cumsum(lengths)])
    v = (rng.standard_normal((int(splits[-1]), 3)) * 100).astype(dtype)
    old = tf.get_num_threads()
    tf.set_num_threads(threads)
    try:
        got = tf.reduce_sum(R.from_row_splits(v, splits), axis=1).numpy()
        got32 = tf._core._row_splits_sum(v, splits.astype(np.int32)).numpy()
    finally:
        tf.set_num_threads(old)
    want = np.array([r.astype(np.float64).sum(0) for r in np.split(v, splits[1:-1])])
    if np.issubdtype(dtype, np.integer):
        np.testing.assert_array_equal(got, want.astype(dtype))
    else:
        np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-13, atol=1e-3)
    np.testing.assert_array_equal(got32, got)
    assert got.dtype == dtype and got.shape == (700, 3)


def test_row_splits_sum_integers_wrap_and_edges():
    big = np.iinfo(np.int32).max
    got = tf._core._row_splits_sum(np.array([big, 1, 5], np.int32), [0, 2, 3]).numpy()
    np.testing.assert_array_equal(got, np.array([np.iinfo(np.int32).min, 5], np.int32))  # wraps, as TF
    # no values: empty rows give zeros; no rows at all: an empty result
    np.testing.assert_array_equal(tf._core._row_splits_sum(np.zeros((0, 2), np.float32), [0, 0, 0]).numpy(),
                                  np.zeros((2, 2), np.float32))
    assert tf._core._row_splits_sum(np.zeros((0, 2), np.float32), [0]).shape == (0, 2)


@pytest.mark.parametrize("splits,msg", [
    ([1, 3], r"row_splits\[0\] must be 0, got 1"),
    ([0, 3, 2, 4], r"row_splits must be sorted in ascending order, got row_splits\[1\] = 3 > row_splits\[2\] = 2"),
    ([0, 2, 3], r"row_splits\[-1\] = 3 must equal the number of values 4"),
])
def test_row_splits_sum_rejects_bad_splits(splits, msg):
    with pytest.raises(InvalidArgumentError, match="row_splits_sum: " + msg):
        tf._core._row_splits_sum(np.ones(4, np.float32), np.array(splits, np.int64))


def test_row_splits_sum_rejects_bad_arguments():
    with pytest.raises(TypeError, match="row_splits_sum: expected a float or integer tensor, got a bool"):
        tf._core._row_splits_sum(np.ones(2, bool), [0, 2])
    with pytest.raises(TypeError, match="row_splits_sum"):
        tf._core._row_splits_sum(np.ones(2, np.float32), np.array([0.0, 2.0]))
    with pytest.raises(InvalidArgumentError, match="row_splits_sum: data must have rank >= 1"):
        tf._core._row_splits_sum(np.float32(1), [0, 1])
    with pytest.raises(InvalidArgumentError, match="row_splits_sum: row_splits must be a non-empty vector"):
        tf._core._row_splits_sum(np.ones(2, np.float32), np.zeros((0,), np.int64))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("kind", ["sum", "prod", "max", "min"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_row_splits_reduce_every_kind_against_rows(kind, dtype, threads):
    rng = np.random.default_rng(11)
    lengths = rng.integers(0, 120, 900)
    lengths[::5] = 0
    splits = np.concatenate([[0], np.cumsum(lengths)])
    if np.issubdtype(dtype, np.integer):
        v = rng.integers(-50, 50, (int(splits[-1]), 2)).astype(dtype)
    else:  # factors near 1 keep long products finite
        v = (1 + rng.standard_normal((int(splits[-1]), 2)) * 0.05).astype(dtype)
    old = tf.get_num_threads()
    tf.set_num_threads(threads)
    try:
        got = tf._core._row_splits_reduce(v, splits, kind, "op_x").numpy()
    finally:
        tf.set_num_threads(old)
    info = np.finfo(dtype) if np.issubdtype(dtype, np.floating) else np.iinfo(dtype)
    empty = {"sum": 0, "prod": 1, "max": info.min, "min": info.max}[kind]  # TF's, not -inf/inf
    fn = {"sum": np.sum, "prod": np.prod, "max": np.max, "min": np.min}[kind]
    with np.errstate(over="ignore"):
        want = np.array([fn(r, axis=0, dtype=dtype) if kind in ("sum", "prod") else fn(r, axis=0)
                         if len(r) else np.full(2, empty, dtype) for r in np.split(v, splits[1:-1])])
    assert got.dtype == dtype and got.shape == (900, 2)
    if np.issubdtype(dtype, np.integer) or kind in ("max", "min"):
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_row_splits_reduce_nan_wins_and_errors_name_the_op():
    v = np.array([1.0, np.nan, 3.0, -np.inf, 2.0], np.float32)
    np.testing.assert_array_equal(tf._core._row_splits_reduce(v, [0, 3, 5], "max", "x").numpy(), [np.nan, 2.0])
    np.testing.assert_array_equal(tf._core._row_splits_reduce(v, [0, 3, 5], "min", "x").numpy(), [np.nan, -np.inf])
    with pytest.raises(InvalidArgumentError, match=r"reduce_max: row_splits\[-1\] = 4 must equal"):
        tf._core._row_splits_reduce(v, [0, 4], "max", "reduce_max")
    with pytest.raises(InvalidArgumentError, match="kind must be sum, prod, max or min, got mean"):
        tf._core._row_splits_reduce(v, [0, 5], "mean", "x")
