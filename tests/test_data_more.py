"""tapegrad.data, the rest of tf.data.Dataset: interleave, window, scan, take_while, unique,
get_single_element, group_by_window, bucket_by_sequence_length, rejection_resample,
sample_from_datasets, choose_from_datasets, counter, random, list_files, TextLineDataset,
save / load, string components and tf.data.experimental. TF's documented examples (their
printed outputs), closed-form references (hypothesis), cardinalities and element specs, edge
cases and the error classes TF raises."""

import collections
import gzip
import itertools
import os
import zlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError

D = tf.data.Dataset
TS = tf.TensorSpec


def L(ds):
    return list(ds.as_numpy_iterator())


def W(windows):
    """Windows (datasets, or structures of datasets) as nested Python lists."""
    return [tf.nest.map_structure(lambda d: [np.asarray(v).tolist() for v in L(d)], w) for w in windows]


def card(ds):
    return int(ds.cardinality().numpy())


# -- interleave ---------------------------------------------------------------------------------
def test_interleave_documented_examples():
    ds = D.range(1, 6).interleave(lambda x: D.from_tensors(x).repeat(6), cycle_length=2, block_length=4)
    assert L(ds) == [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4,
                     5, 5, 5, 5, 5, 5]
    # num_parallel_calls (and deterministic=True) give the same order
    par = D.range(1, 6).interleave(lambda x: D.from_tensors(x).repeat(6), cycle_length=2,
                                   block_length=4, num_parallel_calls=tf.data.AUTOTUNE,
                                   deterministic=True)
    assert L(par) == L(ds)
    # the docs' deterministic=False example: same multiset
    out = L(D.range(1, 6).interleave(lambda x: D.from_tensors(x).repeat(2), cycle_length=3,
                                     num_parallel_calls=2, deterministic=False))
    assert sorted(out) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert card(ds) == tf.data.UNKNOWN_CARDINALITY


def test_interleave_uneven_inputs_and_defaults():
    # inputs of different lengths: finding a slot's dataset exhausted moves on in the cycle
    # (TF's InterleaveDatasetOp), so slot 1 is refilled on its next turn
    ds = D.from_tensor_slices(np.array([3, 1, 2], np.int64)).interleave(
        lambda n: D.range(n * 10, n * 10 + n), cycle_length=2)
    assert L(ds) == [30, 10, 31, 32, 20, 21]
    # block_length larger than the inputs
    assert L(D.range(3).interleave(lambda x: D.range(x * 10, x * 10 + 2), cycle_length=2,
                                   block_length=5)) == [0, 1, 10, 11, 20, 21]
    # cycle_length 1 is flat_map
    f = lambda x: D.range(x)  # noqa: E731
    assert L(D.range(5).interleave(f, cycle_length=1)) == L(D.range(5).flat_map(f))
    # default cycle_length: the number of CPUs (TF); with one input each the order is that
    ncpu = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    got = L(D.range(4).interleave(lambda x: D.range(x * 10, x * 10 + 3)))
    want = L(D.range(4).interleave(lambda x: D.range(x * 10, x * 10 + 3), cycle_length=ncpu))
    assert got == want
    # empty inner datasets and an empty input
    assert L(D.range(4).interleave(lambda x: D.range(0), cycle_length=2)) == []
    assert L(D.range(0).interleave(lambda x: D.range(3), cycle_length=2)) == []


def test_interleave_structures_infinite_and_batch():
    ds = D.range(2).interleave(lambda x: D.from_tensors({"k": x, "v": (x * 2, x * 3)}).repeat(2),
                               cycle_length=2)
    out = L(ds)
    assert [e["k"] for e in out] == [0, 1, 0, 1] and out[1]["v"] == (2, 3)
    # infinite input (and infinite inner datasets) with take
    inf = D.counter().interleave(lambda x: D.from_tensors(x).repeat(), cycle_length=3, block_length=2)
    assert L(inf.take(8)) == [0, 0, 1, 1, 2, 2, 0, 0]
    b = L(D.range(4).interleave(lambda x: D.range(x, x + 2), cycle_length=2).batch(3))
    np.testing.assert_array_equal(np.concatenate(b), [0, 1, 1, 2, 2, 3, 3, 4])


def test_text_files_interleave_example(tmp_path):
    names = []
    for i in range(3):
        p = tmp_path / f"f{i}.txt"
        p.write_text("".join(f"{i}-{j}\n" for j in range(i + 2)))
        names.append(str(p))
    ds = D.from_tensor_slices(names).interleave(lambda f: tf.data.TextLineDataset(f), cycle_length=2,
                                                block_length=2)
    # slot 0 ends, slot 1 finishes its file (a block of 1 left), then f2 takes slot 0
    assert L(ds) == [b"0-0", b"0-1", b"1-0", b"1-1", b"1-2", b"2-0", b"2-1", b"2-2", b"2-3"]


# -- window -------------------------------------------------------------------------------------
def test_window_documented_examples():
    ds = D.range(7).window(3)
    wins = list(ds)
    assert all(isinstance(w, D) for w in wins)
    assert repr(wins[0]) == "<Dataset element_spec=TensorSpec(shape=(), dtype=tf.int64, name=None)>"
    assert W(wins) == [[0, 1, 2], [3, 4, 5], [6]]
    assert W(D.range(7).window(3, drop_remainder=True)) == [[0, 1, 2], [3, 4, 5]]
    assert W(D.range(7).window(3, 2, 1, True)) == [[0, 1, 2], [2, 3, 4], [4, 5, 6]]
    assert W(D.range(7).window(3, 1, 2, True)) == [[0, 2, 4], [1, 3, 5], [2, 4, 6]]
    # nested: a tuple of windows, a dict of windows
    ds = D.from_tensor_slices((np.array([1, 2, 3, 4, 5], np.int32), np.array([6, 7, 8, 9, 10], np.int32))).window(2)
    first = next(iter(ds))
    assert isinstance(first, tuple) and len(first) == 2
    assert first[0].element_spec == TS((), tf.int32)
    assert [(L(a), L(b)) for a, b in ds] == [([1, 2], [6, 7]), ([3, 4], [8, 9]), ([5], [10])]
    ds = D.from_tensor_slices({"a": [1, 2, 3], "b": [4, 5, 6], "c": [7, 8, 9]}).window(2)
    assert W(ds) == [{"a": [1, 2], "b": [4, 5], "c": [7, 8]}, {"a": [3], "b": [6], "c": [9]}]
    # the element spec is a DatasetSpec per component
    assert D.range(7).window(3).element_spec == tf.data.DatasetSpec(TS((), tf.int64))
    assert repr(D.range(7).window(3).element_spec) == \
        "DatasetSpec(TensorSpec(shape=(), dtype=tf.int64, name=None), TensorShape([]))"


def test_window_flat_map_batch_is_the_batching_idiom():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    ds = D.from_tensor_slices(x).window(4, shift=2, drop_remainder=True).flat_map(lambda w: w.batch(4))
    out = L(ds)
    assert len(out) == 4
    for i, b in enumerate(out):
        np.testing.assert_array_equal(b, x[2 * i:2 * i + 4])
        assert b.dtype == np.float32
    # structured: zip the per-component windows back, then batch
    ds = D.from_tensor_slices((x, np.arange(10))).window(3).flat_map(
        lambda a, b: D.zip((a.batch(3), b.batch(3))))
    out = L(ds)
    np.testing.assert_array_equal(out[-1][1], [9])
    np.testing.assert_array_equal(out[1][0], x[3:6])
    # the general (mapped) path gives the same windows as the indexed path
    slow = D.from_tensor_slices(x).map(lambda v: v).window(4, shift=2, drop_remainder=True)
    fast = D.from_tensor_slices(x).window(4, shift=2, drop_remainder=True)
    for a, b in zip(L(slow.flat_map(lambda w: w.batch(4))), L(fast.flat_map(lambda w: w.batch(4)))):
        np.testing.assert_array_equal(a, b)


def _window_reference(n, size, shift, stride, drop):
    out = []
    for s in range(0, n, shift):
        idx = [s + j * stride for j in range(size) if s + j * stride < n]
        if drop and s + (size - 1) * stride >= n:
            continue
        out.append(idx)
    return out


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 25), size=st.integers(1, 6), shift=st.integers(1, 7), stride=st.integers(1, 4),
       drop=st.booleans(), mapped=st.booleans())
def test_window_against_closed_form(n, size, shift, stride, drop, mapped):
    base = D.range(n)
    if mapped:
        base = base.map(lambda v: v)  # the element-by-element path
    ds = base.window(size, shift, stride, drop)
    want = _window_reference(n, size, shift, stride, drop)
    assert W(ds) == want
    if not mapped:
        assert card(ds) == len(want)


def test_window_cardinality_infinite_and_empty():
    assert card(D.range(10).window(3)) == 4
    assert card(D.range(10).window(3, drop_remainder=True)) == 3
    assert card(D.range(10).window(4, 3, 2, True)) == 2  # windows at 0 and 3 span 7 elements
    assert card(D.range(2).window(3, drop_remainder=True)) == 0
    assert card(D.range(10).repeat().window(3)) == tf.data.INFINITE_CARDINALITY
    assert card(D.range(10).filter(lambda x: True).window(3)) == tf.data.UNKNOWN_CARDINALITY
    assert W(D.range(0).window(3)) == []
    assert W(D.counter().window(2, 3).take(3)) == [[0, 1], [3, 4], [6, 7]]
    # shift past the buffer skips input elements lazily, also on an infinite input
    assert W(D.range(20).map(lambda x: x).window(2, 5).take(3)) == [[0, 1], [5, 6], [10, 11]]


# -- scan, take_while, unique, get_single_element --------------------------------------------
def test_scan_documented_example_and_structures():
    ds = D.range(10).scan(tf.constant(0, dtype=tf.int64), lambda state, i: (state + i, state + i))
    assert L(ds) == [0, 1, 3, 6, 10, 15, 21, 28, 36, 45]
    assert card(ds) == 10
    # structured state and output; the state's shape may change (TF relaxes it)
    ds = D.range(1, 5).scan((tf.constant(1, tf.int64), tf.zeros([0], tf.int64)),
                            lambda s, x: ((s[0] * x, tf.concat([s[1], [x]], 0)), {"f": s[0] * x, "n": tf.size(s[1])}))
    out = L(ds)
    assert [e["f"] for e in out] == [1, 2, 6, 24]
    # tuple elements come as one argument (TF's (state, element) rule)
    ds = D.from_tensor_slices(([1.0, 2.0], [3.0, 4.0])).scan(tf.constant(0.0), lambda s, e: (s + e[0] * e[1], s))
    assert L(ds) == [0.0, 3.0]
    rng = np.random.default_rng(1)
    x = rng.standard_normal(50)
    np.testing.assert_allclose(L(D.from_tensor_slices(x).scan(tf.constant(0.0, tf.float64),
                                                              lambda s, v: (s + v, s + v))), np.cumsum(x))
    assert L(D.range(0).scan(tf.constant(0, tf.int64), lambda s, x: (s, x))) == []


def test_take_while_unique_get_single_element_examples():
    assert L(D.range(10).take_while(lambda x: x < 5)) == [0, 1, 2, 3, 4]
    assert L(D.range(10).take_while(lambda x: True)) == list(range(10))
    assert L(D.range(10).take_while(lambda x: False)) == []
    assert L(D.counter().take_while(lambda x: x < 3)) == [0, 1, 2]  # infinite input
    assert card(D.range(10).take_while(lambda x: x < 5)) == tf.data.UNKNOWN_CARDINALITY
    # unique: TF's example (floats here: Python ints are float32 in tapegrad), ints, strings
    assert sorted(L(D.from_tensor_slices([1, 37, 2, 37, 2, 1]).unique())) == [1, 2, 37]
    ints = np.array([1, 37, 2, 37, 2, 1], np.int64)
    assert L(D.from_tensor_slices(ints).unique()) == [1, 37, 2]  # first occurrences, in order
    assert L(D.from_tensor_slices(["b", "a", "b", "c", "a"]).unique()) == [b"b", b"a", b"c"]
    assert L(D.from_tensor_slices(np.array([0.0, -0.0, 1.0])).unique()) == [0.0, 1.0]
    rows = np.array([[1, 2], [1, 2], [2, 1]], np.int32)
    assert [r.tolist() for r in L(D.from_tensor_slices(rows).unique())] == [[1, 2], [2, 1]]
    assert L(D.from_tensor_slices((ints, ints % 2)).unique()) == [(1, 1), (37, 1), (2, 0)]
    assert card(D.from_tensor_slices(ints).unique()) == tf.data.UNKNOWN_CARDINALITY
    # get_single_element: TF's batched-preprocessing example
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    got = D.from_tensor_slices(x).map(lambda r: r * 2.0, num_parallel_calls=4).batch(4).get_single_element()
    np.testing.assert_array_equal(got.numpy(), x * 2)
    pair = D.from_tensors((1.0, {"a": np.int64(2)})).get_single_element()
    assert float(pair[0]) == 1.0 and int(pair[1]["a"]) == 2
    assert tf.data.experimental.get_single_element(D.range(1)).numpy() == 0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-5, 5), max_size=30))
def test_unique_and_take_while_against_python(values):
    arr = np.array(values, np.int64)
    ds = D.from_tensor_slices(arr) if values else D.range(0)
    assert L(ds.unique()) == list(dict.fromkeys(values))
    assert L(ds.take_while(lambda x: x < 3)) == list(itertools.takewhile(lambda v: v < 3, values))


# -- group_by_window and bucket_by_sequence_length --------------------------------------------
def test_group_by_window_documented_example():
    ds = D.range(10).group_by_window(key_func=lambda x: x % 2,
                                     reduce_func=lambda key, d: d.batch(5), window_size=5)
    assert [e.tolist() for e in L(ds)] == [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]
    assert card(ds) == tf.data.UNKNOWN_CARDINALITY
    assert card(D.range(3).repeat().group_by_window(lambda x: x, lambda k, d: d, 2)) == tf.data.INFINITE_CARDINALITY


def test_group_by_window_order_sizes_and_structures():
    # full windows as they fill; at the end the partial ones in increasing key order
    ds = D.from_tensor_slices(np.array([5, 3, 5, 1, 3, 5, 7, 8, 4], np.int64)).group_by_window(
        lambda x: x % 4, lambda k, d: d.batch(10), window_size=2)
    assert [e.tolist() for e in L(ds)] == [[5, 5], [3, 3], [1, 5], [8, 4], [7]]
    ds = D.from_tensor_slices(np.array([7, 6, 5, 4], np.int64)).group_by_window(
        lambda x: x % 4, lambda k, d: d.batch(10), window_size=2)
    assert [e.tolist() for e in L(ds)] == [[4], [5], [6], [7]]
    # window_size_func is called once per key with an int64 key; reduce_func gets (key, window)
    calls = []

    def wsf(key):
        calls.append(key.dtype)
        return key + 1
    ds = D.range(12).group_by_window(lambda x: x % 3, lambda k, d: d.batch(100).map(lambda b: (k, b)),
                                     window_size_func=wsf)
    out = [(int(k), b.tolist()) for k, b in L(ds)]
    assert out == [(0, [0]), (0, [3]), (1, [1, 4]), (0, [6]), (2, [2, 5, 8]), (0, [9]), (1, [7, 10]), (2, [11])]
    assert calls == [tf.int64] * 3
    # tuple elements go to key_func as arguments; the window dataset keeps the element structure
    ds = D.from_tensor_slices((np.arange(6), np.arange(6) * 10)).group_by_window(
        lambda a, b: a % 2, lambda k, d: d.batch(3), window_size=3)
    out = L(ds)
    assert out[0][0].tolist() == [0, 2, 4] and out[0][1].tolist() == [0, 20, 40]
    # reduce_func may return any dataset, e.g. a reduction to one element
    ds = D.range(10).group_by_window(lambda x: x % 2, lambda k, d: D.from_tensors(d.reduce(np.int64(0), lambda s, x: s + x)),
                                     window_size=5)
    assert L(ds) == [20, 25]
    assert L(D.range(0).group_by_window(lambda x: x, lambda k, d: d, window_size=1)) == []


def test_bucket_by_sequence_length_documented_examples():
    elements = [[0], [1, 2, 3, 4], [5, 6, 7], [7, 8, 9, 10, 11], [13, 14, 15, 16, 19, 20], [21, 22]]
    ds = D.from_generator(lambda: elements, tf.int64, output_shapes=[None])
    assert ds.element_spec == TS((None,), tf.int64)
    out = L(ds.bucket_by_sequence_length(element_length_func=lambda elem: tf.shape(elem)[0],
                                         bucket_boundaries=[3, 5], bucket_batch_sizes=[2, 2, 2]))
    assert [o.tolist() for o in out] == [[[1, 2, 3, 4], [5, 6, 7, 0]],
                                         [[7, 8, 9, 10, 11, 0], [13, 14, 15, 16, 19, 20]],
                                         [[0, 0], [21, 22]]]
    ds = D.from_generator(lambda: elements, tf.int32, output_shapes=[None])
    out = L(ds.apply(tf.data.experimental.bucket_by_sequence_length(
        element_length_func=lambda elem: tf.shape(elem)[0], bucket_boundaries=[4, 7],
        bucket_batch_sizes=[2, 2, 2], pad_to_bucket_boundary=True, padding_values=-1)))
    assert [o.tolist() for o in out] == [[[0, -1, -1], [5, 6, 7]],
                                         [[1, 2, 3, 4, -1, -1], [7, 8, 9, 10, 11, -1]],
                                         [[21, 22, -1]], [[13, 14, 15, 16, 19, 20]]]
    assert out[0].dtype == np.int32
    out = L(ds.bucket_by_sequence_length(lambda elem: tf.shape(elem)[0], [4, 7], [2, 2, 2],
                                         pad_to_bucket_boundary=True, padding_values=-1, drop_remainder=True))
    assert [o.tolist() for o in out] == [[[0, -1, -1], [5, 6, 7]], [[1, 2, 3, 4, -1, -1], [7, 8, 9, 10, 11, -1]]]


def test_bucket_by_sequence_length_more():
    # after map (no static spec): rank-1 components are padded like None dimensions
    ds = D.range(1, 8).map(lambda n: (tf.fill([n], n), n))
    out = L(ds.bucket_by_sequence_length(lambda seq, n: tf.shape(seq)[0], [3], [2, 3]))
    assert [(a.tolist(), b.tolist()) for a, b in out] == [([[1, 0], [2, 2]], [1, 2]),
                                                         ([[3, 3, 3, 0, 0], [4, 4, 4, 4, 0], [5, 5, 5, 5, 5]], [3, 4, 5]),
                                                         ([[6, 6, 6, 6, 6, 6, 0], [7, 7, 7, 7, 7, 7, 7]], [6, 7])]
    # no_padding: equal shapes batch as they are
    out = L(D.range(6).bucket_by_sequence_length(lambda x: x, [3], [2, 2], no_padding=True))
    assert [o.tolist() for o in out] == [[0, 1], [3, 4], [2], [5]]
    # padded_shapes with None filled to the boundary; rank-2 components with padded_shapes
    seqs = D.range(1, 5).map(lambda n: tf.ones([n, 2]))
    out = L(seqs.bucket_by_sequence_length(lambda s: tf.shape(s)[0], [3, 5], [2, 2, 2],
                                           padded_shapes=[None, 2], pad_to_bucket_boundary=True))
    assert [o.shape for o in out] == [(2, 2, 2), (2, 4, 2)]
    np.testing.assert_array_equal(out[1][0], [[1, 1], [1, 1], [1, 1], [0, 0]])


# -- rejection_resample -------------------------------------------------------------------------
def test_rejection_resample_documented_example():
    rng = np.random.default_rng(0)
    initial_dist = [0.6, 0.4]
    n = 4000
    elems = rng.choice(len(initial_dist), size=n, p=initial_dist)
    dataset = D.from_tensor_slices(elems)
    zero, one = np.bincount(L(dataset)) / n
    assert abs(zero - 0.6) < 0.03
    resampled = dataset.rejection_resample(class_func=lambda x: x, target_dist=[0.5, 0.5],
                                           initial_dist=initial_dist, seed=3)
    pairs = L(resampled)
    assert all(c == x for c, x in pairs)
    data = L(resampled.map(lambda class_func_result, data: data))
    zero, one = np.bincount(data) / len(data)
    assert abs(zero - 0.5) < 0.03 and abs(one - 0.5) < 0.03
    # estimated initial distribution
    est = L(dataset.rejection_resample(lambda x: x, [0.5, 0.5], seed=4).map(lambda c, d: d))
    zero, one = np.bincount(est) / len(est)
    assert abs(zero - 0.5) < 0.04
    # target == initial: every element kept, in order
    same = L(dataset.rejection_resample(lambda x: x, initial_dist, initial_dist=initial_dist))
    assert [d for _, d in same] == list(elems)
    # reproducible with a seed
    tf.random.set_seed(1)
    a = L(dataset.take(300).rejection_resample(lambda x: x, [0.2, 0.8], seed=5))
    tf.random.set_seed(1)
    b = L(dataset.take(300).rejection_resample(lambda x: x, [0.2, 0.8], seed=5))
    assert a == b
    tf.random.set_seed(None)


# -- sample_from_datasets, choose_from_datasets ---------------------------------------------
def test_choose_from_datasets_documented_example():
    datasets = [D.from_tensors("foo").repeat(), D.from_tensors("bar").repeat(), D.from_tensors("baz").repeat()]
    choice_dataset = D.range(3).repeat(3)
    result = D.choose_from_datasets(datasets, choice_dataset)
    assert L(result) == [b"foo", b"bar", b"baz", b"foo", b"bar", b"baz", b"foo", b"bar", b"baz"]
    assert card(result) == tf.data.INFINITE_CARDINALITY  # an infinite input, as TF
    assert result.element_spec == TS((), "string")
    # stop_on_empty_dataset: True (the default) stops at the first exhausted pick, else skips it
    a, b = D.range(0, 2), D.range(10, 15)
    picks = D.from_tensor_slices(np.array([0, 1, 0, 0, 1, 1], np.int64))
    assert L(D.choose_from_datasets([a, b], picks)) == [0, 10, 1]
    assert L(D.choose_from_datasets([a, b], picks, stop_on_empty_dataset=False)) == [0, 10, 1, 11, 12]
    assert card(D.choose_from_datasets([a, b], picks)) == tf.data.UNKNOWN_CARDINALITY
    assert L(tf.data.experimental.choose_from_datasets([a, b], D.range(2))) == [0, 10]


def test_sample_from_datasets():
    d1, d2 = D.range(0, 3), D.range(100, 103)
    out = L(D.sample_from_datasets([d1, d2], weights=[0.5, 0.5], seed=1))
    assert sorted(out) == [0, 1, 2, 100, 101, 102]  # the docs' "one possible outcome"
    assert [v for v in out if v < 100] == [0, 1, 2] and [v for v in out if v >= 100] == [100, 101, 102]
    # frequencies follow the weights on infinite inputs
    ones, twos = D.from_tensors(np.int64(1)).repeat(), D.from_tensors(np.int64(2)).repeat()
    s = D.sample_from_datasets([ones, twos], weights=[0.2, 0.8], seed=7)
    assert card(s) == tf.data.INFINITE_CARDINALITY
    vals = np.array(L(s.take(5000)))
    assert abs((vals == 1).mean() - 0.2) < 0.02
    # weights as a Dataset of per-step lists
    w = D.from_tensors(np.array([1.0, 0.0])).repeat(3).concatenate(D.from_tensors(np.array([0.0, 1.0])).repeat(2))
    assert L(D.sample_from_datasets([ones, twos], weights=w, seed=2)) == [1, 1, 1, 2, 2]
    # a zero weight drops a dataset; one dataset left is returned itself
    assert D.sample_from_datasets([d1, d2], weights=[0.0, 1.0]) is d2
    assert L(D.sample_from_datasets([d1, d2], weights=[0.0, 0.0])) == []
    # stop_on_empty_dataset
    short = D.range(2)
    got = L(D.sample_from_datasets([short, ones], seed=3, stop_on_empty_dataset=True).take(100))
    assert got.count(0) <= 1 and 1 in got and len(got) < 100
    # reproducible: the same choices on each iteration, and on a re-run
    tf.random.set_seed(3)
    s = D.sample_from_datasets([D.range(50), D.range(100, 150)], seed=4)
    first = L(s)
    assert L(s) == first and sorted(first) == list(range(50)) + list(range(100, 150))
    tf.random.set_seed(3)
    assert L(D.sample_from_datasets([D.range(50), D.range(100, 150)], seed=4)) == first
    r = D.sample_from_datasets([D.range(50), D.range(100, 150)], seed=4, rerandomize_each_iteration=True)
    assert L(r) != L(r)
    tf.random.set_seed(None)
    # elements keep their structure; element_spec is the common one
    t1 = D.from_tensor_slices((np.zeros((2, 3), np.float32), np.arange(2)))
    t2 = D.from_tensor_slices((np.ones((2, 3), np.float32), np.arange(2)))
    s = D.sample_from_datasets([t1, t2], seed=1)
    assert s.element_spec == (TS((3,), tf.float32), TS((), tf.int64)) and len(L(s)) == 4


# -- counter, random ----------------------------------------------------------------------------
def test_counter_documented_examples():
    assert L(D.counter().take(5)) == [0, 1, 2, 3, 4]
    assert D.counter().element_spec == TS((), tf.int64)
    assert D.counter(dtype=tf.int32).element_spec == TS((), tf.int32)
    assert L(D.counter(start=2).take(5)) == [2, 3, 4, 5, 6]
    assert L(D.counter(start=2, step=5).take(5)) == [2, 7, 12, 17, 22]
    assert L(D.counter(start=10, step=-1).take(5)) == [10, 9, 8, 7, 6]
    assert L(tf.data.experimental.Counter(start=1).take(2)) == [1, 2]
    assert card(D.counter()) == tf.data.INFINITE_CARDINALITY
    assert card(D.counter().take(7)) == 7
    np.testing.assert_allclose(L(D.counter(0.5, 0.25, dtype=tf.float32).take(3)), [0.5, 0.75, 1.0])
    # batches of a counter are computed (the indexed path) and cross chunk boundaries
    b = L(D.counter(3).batch(5000).take(2))
    np.testing.assert_array_equal(b[1], np.arange(5003, 10003))
    assert L(D.zip((D.counter(), D.range(3, 6)))) == [(0, 3), (1, 4), (2, 5)]


def test_random_documented_examples():
    ds1 = D.random(seed=4).take(10)
    ds2 = D.random(seed=4).take(10)
    assert L(ds1) == L(ds2)
    v = np.array(L(D.random(seed=1).take(2000)))
    assert v.dtype == np.int64 and v.min() >= 0 and v.max() < 2 ** 32 and len(set(v.tolist())) > 1990
    assert D.random().element_spec == TS((), tf.int64) and card(D.random()) == tf.data.INFINITE_CARDINALITY
    ds3 = D.random(seed=4).take(10)
    assert L(ds3) == L(ds3)  # the same on each iteration...
    ds4 = D.random(seed=4, rerandomize_each_iteration=True).take(10)
    assert L(ds4) != L(ds4)  # ...unless rerandomized
    assert L(D.random(seed=5).take(5)) != L(ds1)[:5]


# -- strings, list_files, TextLineDataset --------------------------------------------------------
def test_string_components():
    ds = D.from_tensor_slices(["a", "bé", b"c"])
    assert ds.element_spec == TS((), "string") and repr(ds.element_spec) == \
        "TensorSpec(shape=(), dtype=tf.string, name=None)"
    assert L(ds) == [b"a", "bé".encode(), b"c"] and all(type(v) is bytes for v in L(ds))
    assert [type(v) for v in ds] == [bytes] * 3  # iteration yields bytes too (no string tensors)
    b = L(ds.batch(2))
    assert b[0].dtype == object and b[0].tolist() == [b"a", "bé".encode()] and b[1].tolist() == [b"c"]
    assert L(ds.batch(2).unbatch()) == L(ds)
    assert L(D.from_tensor_slices(np.array(["x", "yy"])).map(lambda s: s + b"!")) == [b"x!", b"yy!"]
    mixed = D.from_tensor_slices(({"name": ["p", "q"]}, np.array([1.5, 2.5])))
    assert L(mixed.shuffle(2, seed=1).batch(2).unbatch().map(lambda d, v: d["name"]).unique()) in \
        ([b"p", b"q"], [b"q", b"p"])
    assert L(D.from_tensors("one")) == [b"one"]
    words = D.from_tensor_slices([["a", "b"], ["c", "d"]])
    assert [w.tolist() for w in L(words)] == [[b"a", b"b"], [b"c", b"d"]]
    pad = L(D.from_tensor_slices(["x", "y", "z"]).map(lambda s: np.array([s] * (len(s) + (s == b"z")), dtype=object)).padded_batch(3))
    assert pad[0].tolist() == [[b"x", b""], [b"y", b""], [b"z", b"z"]]
    assert L(D.from_generator(lambda: iter(["u", "v"]), output_signature=TS((), "string"))) == [b"u", b"v"]


def test_list_files(tmp_path):
    for name in ("b.txt", "a.txt", "c.csv", ".hidden.txt"):
        (tmp_path / name).write_text("x\n")
    (tmp_path / "sub").mkdir()
    pat = str(tmp_path / "*.txt")
    files = L(D.list_files(pat, shuffle=False))
    want = sorted(os.fsencode(str(tmp_path / n)) for n in ("a.txt", "b.txt", ".hidden.txt"))
    assert files == want
    ds = D.list_files(pat, seed=2)
    assert sorted(L(ds)) == want and ds.element_spec == TS((), "string") and card(ds) == 3
    orders = {tuple(L(ds)) for _ in range(20)}
    assert len(orders) > 1  # shuffled anew each iteration, as TF
    tf.random.set_seed(8)
    first = L(D.list_files(pat, seed=2))
    tf.random.set_seed(8)
    assert L(D.list_files(pat, seed=2)) == first
    tf.random.set_seed(None)
    # several patterns: all matches, sorted together; a pathlib.Path; a bare path
    both = L(D.list_files([str(tmp_path / "*.csv"), pat], shuffle=False))
    assert both == sorted(want + [os.fsencode(str(tmp_path / "c.csv"))])
    assert L(D.list_files(tmp_path / "a.txt")) == [os.fsencode(str(tmp_path / "a.txt"))]
    assert L(D.list_files(str(tmp_path / "?.*"), shuffle=False)) == \
        [os.fsencode(str(tmp_path / n)) for n in ("a.txt", "b.txt", "c.csv")]
    # wildcards in directories too
    (tmp_path / "sub" / "d.txt").write_text("y\n")
    (tmp_path / "sub2").mkdir()
    (tmp_path / "sub2" / "e.txt").write_text("z\n")
    assert L(D.list_files(str(tmp_path / "sub*" / "*.txt"), shuffle=False)) == \
        [os.fsencode(str(tmp_path / "sub" / "d.txt")), os.fsencode(str(tmp_path / "sub2" / "e.txt"))]
    assert L(tf.data.TextLineDataset(D.list_files(str(tmp_path / "sub*" / "*.txt"), shuffle=False))) == [b"y", b"z"]


def test_text_line_dataset_documented_example(tmp_path):
    f0, f1 = tmp_path / "text_lines0.txt", tmp_path / "text_lines1.txt"
    with open(f0, "w") as f:
        f.write("the cow\n")
        f.write("jumped over\n")
        f.write("the moon\n")
    with open(f1, "w") as f:
        f.write("jack and jill\n")
        f.write("went up\n")
        f.write("the hill\n")
    dataset = tf.data.TextLineDataset([str(f0), str(f1)])
    assert L(dataset) == [b"the cow", b"jumped over", b"the moon", b"jack and jill", b"went up", b"the hill"]
    dataset = tf.data.TextLineDataset([str(f0), str(f1)], num_parallel_reads=2)
    assert L(dataset) == [b"the cow", b"jack and jill", b"jumped over", b"went up", b"the moon", b"the hill"]
    assert isinstance(dataset, D) and dataset.element_spec == TS((), "string")
    assert card(dataset) == tf.data.UNKNOWN_CARDINALITY
    # a Dataset of file names (list_files), then map over the lines
    lines = tf.data.TextLineDataset(D.list_files(str(tmp_path / "*.txt"), shuffle=False))
    assert L(lines.map(lambda s: len(s.split(b" ")))) == [2.0, 2.0, 2.0, 3.0, 2.0, 2.0]
    assert L(lines.filter(lambda s: s.startswith(b"the")).batch(5))[0].tolist() == \
        [b"the cow", b"the moon", b"the hill"]


def test_text_line_dataset_line_ends_and_compression(tmp_path):
    raw = b"a\r\nb\n\n  c  \nlast\r"
    (tmp_path / "plain.txt").write_bytes(raw)
    want = [b"a", b"b", b"", b"  c  ", b"last"]
    assert L(tf.data.TextLineDataset(str(tmp_path / "plain.txt"))) == want
    (tmp_path / "empty.txt").write_bytes(b"")
    assert L(tf.data.TextLineDataset(str(tmp_path / "empty.txt"))) == []
    (tmp_path / "nl.txt").write_bytes(b"\n")
    assert L(tf.data.TextLineDataset(str(tmp_path / "nl.txt"))) == [b""]
    with gzip.open(tmp_path / "z.gz", "wb") as f:
        f.write(raw)
    assert L(tf.data.TextLineDataset(str(tmp_path / "z.gz"), compression_type="GZIP")) == want
    (tmp_path / "z.zlib").write_bytes(zlib.compress(raw))
    assert L(tf.data.TextLineDataset(str(tmp_path / "z.zlib"), compression_type="ZLIB")) == want
    utf = "héllo wörld\n".encode()
    (tmp_path / "u.txt").write_bytes(utf)
    assert L(tf.data.TextLineDataset(str(tmp_path / "u.txt")))[0].decode() == "héllo wörld"


# -- save / load --------------------------------------------------------------------------------
def test_save_load_round_trip(tmp_path):
    P = collections.namedtuple("P", "x y")
    x = np.arange(12.0).reshape(4, 3)
    ds = D.from_tensor_slices({"p": P(x, ["a", "bb", "", "dddd"]), "n": np.arange(4, dtype=np.int32)})
    ds.save(str(tmp_path / "s"))
    back = D.load(str(tmp_path / "s"))
    assert back.element_spec == ds.element_spec and card(back) == 4
    got, want = L(back), L(ds)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g["p"].x, w["p"].x)
        assert g["p"].y == w["p"].y and g["n"] == w["n"] and type(g["p"]).__name__ == "P"
    # ragged shapes, GZIP, string batches, experimental spelling
    rag = D.range(4).map(lambda n: (tf.fill([n], tf.cast(n, tf.float32)), n))
    tf.data.experimental.save(rag, str(tmp_path / "r"), compression="GZIP")
    for g, w in zip(L(tf.data.experimental.load(str(tmp_path / "r"))), L(rag)):
        np.testing.assert_array_equal(g[0], w[0])
        assert g[1] == w[1]
    sb = D.from_tensor_slices(["a", "b", "c"]).batch(2)
    sb.save(tmp_path / "sb")
    assert [b.tolist() for b in L(D.load(tmp_path / "sb"))] == [[b"a", b"b"], [b"c"]]
    D.range(0).save(str(tmp_path / "e"))
    assert L(D.load(str(tmp_path / "e"))) == [] and D.load(str(tmp_path / "e")).element_spec == TS((), tf.int64)


# -- experimental -------------------------------------------------------------------------------
def test_experimental_functions():
    E = tf.data.experimental
    assert L(D.range(5).apply(E.scan(np.int64(0), lambda s, x: (s + x, s)))) == [0, 0, 1, 3, 6]
    assert L(D.range(5).apply(E.take_while(lambda x: x < 2))) == [0, 1]
    assert L(D.from_tensor_slices(np.array([1, 1, 2])).apply(E.unique())) == [1, 2]
    assert [e.tolist() for e in L(D.range(4).apply(E.group_by_window(lambda x: x % 2, lambda k, d: d.batch(2), 2)))] == [[0, 2], [1, 3]]
    assert L(D.range(3).apply(E.enumerate_dataset(5))) == [(5, 0), (6, 1), (7, 2)]
    assert L(D.range(4).batch(2).apply(E.unbatch())) == [0, 1, 2, 3]
    assert sorted(L(D.range(3).apply(E.shuffle_and_repeat(3, count=2, seed=1)))) == [0, 0, 1, 1, 2, 2]
    assert L(D.range(3).apply(E.parallel_interleave(lambda x: D.range(x), cycle_length=2))) == [0, 0, 1]
    assert card(D.range(5).filter(lambda x: True).apply(E.assert_cardinality(5))) == 5
    assert L(D.range(5).filter(lambda x: True).apply(E.assert_cardinality(5))) == [0, 1, 2, 3, 4]
    with pytest.raises(InvalidArgumentError, match="expected to contain 3 elements but contained at least 4"):
        L(D.range(5).apply(E.assert_cardinality(3)))
    with pytest.raises(InvalidArgumentError, match="expected to contain 7 elements but contained only 5"):
        L(D.range(5).apply(E.assert_cardinality(7)))
    assert len(L(D.sample_from_datasets([D.range(2), D.range(2)], seed=1))) == 4
    assert len(L(E.sample_from_datasets([D.range(2), D.range(2)], seed=1))) == 4


# -- errors -------------------------------------------------------------------------------------
def test_errors_transformations():
    with pytest.raises(TypeError, match="Dataset.interleave: map_func must be callable"):
        D.range(3).interleave(5)
    with pytest.raises(TypeError, match="Dataset.interleave: Invalid `map_func`. `map_func` must return a `tf.data.Dataset`"):
        L(D.range(3).interleave(lambda x: x, cycle_length=2))
    with pytest.raises(InvalidArgumentError, match="Dataset.interleave: cycle_length must be greater than zero, got 0"):
        D.range(3).interleave(lambda x: D.range(x), cycle_length=0)
    with pytest.raises(InvalidArgumentError, match="block_length must be greater than zero, got -1"):
        D.range(3).interleave(lambda x: D.range(x), block_length=-1)
    with pytest.raises(InvalidArgumentError, match="num_parallel_calls must be greater than zero"):
        D.range(3).interleave(lambda x: D.range(x), num_parallel_calls=0)
    for kw, what in (({"size": 0}, "size"), ({"size": 2, "shift": 0}, "shift"), ({"size": 2, "stride": -1}, "stride")):
        with pytest.raises(InvalidArgumentError, match=f"Dataset.window: Window {what} must be greater than zero, but got"):
            D.range(3).window(**kw)
    with pytest.raises(TypeError, match="Dataset.window: size must be an integer"):
        D.range(3).window(2.5)
    with pytest.raises(TypeError, match="as_numpy_iterator\\(\\) is not supported for datasets that produce values of type Dataset"):
        L(D.range(3).window(2))
    with pytest.raises(TypeError, match="Dataset.batch: cannot batch elements whose components are Datasets"):
        list(D.range(3).window(2).batch(2))
    with pytest.raises(TypeError, match="Dataset.scan: Invalid `scan_func`. `scan_func` should return a pair"):
        L(D.range(3).scan(np.int64(0), lambda s, x: s + x))
    with pytest.raises(TypeError, match=r"Dataset.scan: Invalid `scan_func`. The element types for the new state must match the initial state. Expected 'int64', got 'float32'"):
        L(D.range(3).scan(np.int64(0), lambda s, x: (tf.cast(s, tf.float32), x)))
    with pytest.raises(TypeError, match="Dataset.scan: Invalid `scan_func`. The element types"):
        L(D.range(3).scan((np.int64(0), np.int64(1)), lambda s, x: (s[0], x)))
    with pytest.raises(ValueError, match="Dataset.take_while: Invalid `predicate`. `predicate` must return a `tf.bool` scalar tensor, but it returned a float32 tensor"):
        L(D.from_tensor_slices([1.0, 2.0]).take_while(lambda x: x))
    with pytest.raises(ValueError, match="Dataset.take_while: Invalid `predicate`.*shape \\[2\\]"):
        L(D.range(3).take_while(lambda x: tf.constant([True, True])))
    with pytest.raises(TypeError, match="Dataset.unique: `tf.data.Dataset.unique` does not support Dataset components"):
        D.range(4).window(2).unique()
    with pytest.raises(InvalidArgumentError, match="Dataset.get_single_element: Dataset was empty."):
        D.range(0).get_single_element()
    with pytest.raises(InvalidArgumentError, match="Dataset.get_single_element: Dataset had more than one element."):
        D.range(2).get_single_element()
    with pytest.raises(InvalidArgumentError, match="more than one element"):
        D.range(2).repeat().get_single_element()


def test_errors_grouping():
    with pytest.raises(ValueError, match="Dataset.group_by_window: Either the `window_size` argument or the `window_size_func` argument must be specified."):
        D.range(3).group_by_window(lambda x: x, lambda k, d: d)
    with pytest.raises(ValueError, match="must be specified"):
        D.range(3).group_by_window(lambda x: x, lambda k, d: d, window_size=2, window_size_func=lambda k: k)
    with pytest.raises(ValueError, match="Dataset.group_by_window: Invalid `key_func`. `key_func` must return a single `tf.int64` scalar tensor but it returned a float32 tensor"):
        L(D.from_tensor_slices([1.0, 2.0]).group_by_window(lambda x: x, lambda k, d: d, window_size=2))
    with pytest.raises(ValueError, match="Invalid `key_func`.*int32 tensor"):
        L(D.range(3).group_by_window(lambda x: tf.cast(x, tf.int32), lambda k, d: d, window_size=2))
    with pytest.raises(InvalidArgumentError, match="Dataset.group_by_window: Window size must be greater than zero, but got 0."):
        D.range(3).group_by_window(lambda x: x, lambda k, d: d, window_size=0)
    with pytest.raises(InvalidArgumentError, match="Window size must be greater than zero, but got -1."):
        L(D.range(3).group_by_window(lambda x: x, lambda k, d: d, window_size_func=lambda k: k - 1))
    with pytest.raises(ValueError, match="Invalid `window_size_func`. `window_size_func` must return a single `tf.int64` scalar"):
        L(D.range(3).group_by_window(lambda x: x, lambda k, d: d, window_size_func=lambda k: 2.0))
    with pytest.raises(TypeError, match="Dataset.group_by_window: Invalid `reduce_func`. `reduce_func` must return a `tf.data.Dataset`"):
        L(D.range(3).group_by_window(lambda x: x, lambda k, d: k, window_size=1))
    with pytest.raises(ValueError, match=r"Dataset.bucket_by_sequence_length: `len\(bucket_batch_sizes\)` must equal `len\(bucket_boundaries\) \+ 1` but `len\(bucket_batch_sizes\)=2` and `len\(bucket_boundaries\)=2`"):
        D.range(3).bucket_by_sequence_length(lambda x: x, [1, 2], [1, 1])
    with pytest.raises(ValueError, match="bucket_boundaries must be increasing"):
        D.range(3).bucket_by_sequence_length(lambda x: x, [3, 2], [1, 1, 1])
    with pytest.raises(InvalidArgumentError, match="When pad_to_bucket_boundary=True, elements must have length < max\\(bucket_boundaries\\)"):
        L(D.range(1, 6).map(lambda n: tf.fill([n], 1.0)).bucket_by_sequence_length(
            lambda s: tf.shape(s)[0], [3], [2, 2], pad_to_bucket_boundary=True))
    with pytest.raises(ValueError, match="element_length_func` must return a scalar integer, got a float32 tensor"):
        L(D.from_tensor_slices([1.0]).bucket_by_sequence_length(lambda x: x, [3], [2, 2]))
    with pytest.raises(ValueError, match="give padded_shapes for components of rank > 1"):
        L(D.range(1, 3).map(lambda n: tf.ones([n, 2])).bucket_by_sequence_length(
            lambda s: tf.shape(s)[0], [3], [2, 2], pad_to_bucket_boundary=True))
    with pytest.raises(ValueError, match="Dataset.rejection_resample: target_dist must be a non-empty 1-D"):
        D.range(3).rejection_resample(lambda x: x, [[0.5, 0.5]])
    with pytest.raises(InvalidArgumentError, match="target_dist must be non-negative"):
        D.range(3).rejection_resample(lambda x: x, [-0.5, 1.5])
    with pytest.raises(InvalidArgumentError, match=r"class_func returned 2, outside \[0, 2\)"):
        L(D.range(4).rejection_resample(lambda x: x, [0.5, 0.5], initial_dist=[0.4, 0.6]))


def test_errors_sources():
    a, b = D.range(3), D.range(3)
    with pytest.raises(ValueError, match="Dataset.sample_from_datasets: Invalid `datasets`. `datasets` should not be empty."):
        D.sample_from_datasets([])
    with pytest.raises(TypeError, match="Invalid `datasets`. datasets\\[1\\] is a list"):
        D.sample_from_datasets([a, [1, 2]])
    with pytest.raises(TypeError, match="`datasets` should be a list"):
        D.sample_from_datasets(a)
    with pytest.raises(ValueError, match=r"Invalid `weights`. `weights` should have the same length as `datasets` but got `len\(weights\)=3` vs. `len\(datasets\)=2`"):
        D.sample_from_datasets([a, b], weights=[0.2, 0.3, 0.5])
    with pytest.raises(TypeError, match="Invalid `weights`. `weights` type must be `tf.float32` or `tf.float64` but is int64"):
        D.sample_from_datasets([a, b], weights=tf.constant(np.array([1, 1], np.int64)))
    with pytest.raises(TypeError, match="Invalid `weights`. `weights` type must be floating-point"):
        D.sample_from_datasets([a, b], weights=np.array([1, 1]))
    with pytest.raises(InvalidArgumentError, match="weights must be finite and non-negative"):
        D.sample_from_datasets([a, b], weights=[-1.0, 2.0])
    with pytest.raises(TypeError, match="Invalid `datasets`. `datasets` must have compatible element specs"):
        D.sample_from_datasets([a, D.from_tensor_slices([1.0])])
    with pytest.raises(TypeError, match="compatible element specs"):
        D.choose_from_datasets([a, D.from_tensor_slices(([1.0], [2.0]))], D.range(2))
    with pytest.raises(TypeError, match="Invalid `choice_dataset`. `choice_dataset` should be a `tf.data.Dataset`"):
        D.choose_from_datasets([a, b], [0, 1])
    with pytest.raises(TypeError, match="Invalid `choice_dataset`. Elements of `choice_dataset` must be scalar `tf.int64` tensors"):
        D.choose_from_datasets([a, b], D.from_tensor_slices([0.0, 1.0]))
    with pytest.raises(TypeError, match="Elements of `choice_dataset` must be scalar `tf.int64`"):
        L(D.choose_from_datasets([a, b], D.range(2).map(lambda x: tf.cast(x, tf.int32))))
    with pytest.raises(InvalidArgumentError, match="Dataset.choose_from_datasets: Selector index out of range: 2 >= 2"):
        L(D.choose_from_datasets([a, b], D.range(3)))
    with pytest.raises(TypeError, match="Dataset.counter: dtype must be a number type, got bool"):
        D.counter(dtype=tf.bool)
    with pytest.raises(TypeError, match="Dataset.counter: start must be an integer"):
        D.counter(1.5)


def test_errors_files_and_strings(tmp_path):
    with pytest.raises(InvalidArgumentError, match="Dataset.list_files: No files matched pattern: .*nothing\\*.txt"):
        D.list_files(str(tmp_path / "nothing*.txt"))
    with pytest.raises(TypeError, match="Dataset.list_files: The `file_pattern` argument must contain `tf.string` elements, got 3"):
        D.list_files(3)
    with pytest.raises(FileNotFoundError, match="TextLineDataset: .*missing.txt; No such file or directory"):
        L(tf.data.TextLineDataset(str(tmp_path / "missing.txt")))
    with pytest.raises(InvalidArgumentError, match="TextLineDataset: Unsupported compression_type: 'ZIP'"):
        tf.data.TextLineDataset("x.txt", compression_type="ZIP")
    with pytest.raises(TypeError, match="TextLineDataset: The `filenames` argument must contain `tf.string` elements"):
        tf.data.TextLineDataset([1, 2])
    with pytest.raises(ValueError, match=r"TextLineDataset: The `filenames` argument must contain `tf.string` elements of shape \[\] or \[n\], got shape \[1, 2\]"):
        tf.data.TextLineDataset([["a", "b"]])
    with pytest.raises(TypeError, match="TextLineDataset: `filenames` must be a `tf.data.Dataset` of scalar `tf.string` elements"):
        tf.data.TextLineDataset(D.range(3))
    with pytest.raises(TypeError, match="Dataset.from_tensor_slices: cannot convert a list that mixes strings and int values"):
        D.from_tensor_slices(["a", 1])
    with pytest.raises(ValueError, match="Dataset.from_tensor_slices: cannot convert a ragged nested list of strings"):
        D.from_tensor_slices([["a"], ["b", "c"]])
    with pytest.raises(TypeError, match="Dataset.from_generator: the generator yielded a float32 value where a string value was expected"):
        L(D.from_generator(lambda: iter([1.0]), output_signature=TS((), "string")))
    with pytest.raises(InvalidArgumentError, match="Dataset.save: the dataset is infinite"):
        D.range(2).repeat().save(str(tmp_path / "inf"))
    with pytest.raises(FileNotFoundError, match="Dataset.load: no dataset saved at"):
        D.load(str(tmp_path / "nowhere"))
    with pytest.raises(ValueError, match="Dataset.load: element_spec .* does not match the saved"):
        D.range(2).save(str(tmp_path / "r2"))
        D.load(str(tmp_path / "r2"), element_spec=TS((), tf.float32))
