"""tapegrad.data (tf.data.Dataset): TF's documented example outputs, cardinalities, the
batching fast path against the stacking path, shuffle's buffer semantics and seeding, and
Sequential.fit / evaluate / predict on a Dataset against the same batches as arrays."""

import collections
import warnings

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError

D = tf.data.Dataset
K = tf.keras


def L(ds):
    return list(ds.as_numpy_iterator())


def eq(got, want):
    """Nested equality of numpy outputs against plain Python values."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want)
        for k in want:
            eq(got[k], want[k])
    elif isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            eq(g, w)
    elif isinstance(want, list) and (not want or isinstance(want[0], (tuple, dict, np.ndarray))):
        assert len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            eq(g, w)
    else:
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


# -- TF's documented examples -------------------------------------------------------------------
def test_range_examples():
    eq(L(D.range(5)), [0, 1, 2, 3, 4])
    eq(L(D.range(2, 5)), [2, 3, 4])
    eq(L(D.range(1, 5, 2)), [1, 3])
    eq(L(D.range(1, 5, -2)), [])
    eq(L(D.range(5, 1)), [])
    eq(L(D.range(5, 1, -2)), [5, 3])
    out = L(D.range(1, 5, 2, output_type=tf.float32))
    assert [type(v) for v in out] == [np.float32, np.float32] and out == [1.0, 3.0]
    t = next(iter(D.range(3)))
    assert isinstance(t, tf.Tensor) and t.dtype == tf.int64 and t.shape == ()


def test_batch_examples():
    eq(L(D.range(8).batch(3)), [np.array([0, 1, 2]), np.array([3, 4, 5]), np.array([6, 7])])
    eq(L(D.range(8).batch(3, drop_remainder=True)), [np.array([0, 1, 2]), np.array([3, 4, 5])])
    eq(L(D.range(3).repeat(2).batch(4)), [np.array([0, 1, 2, 0]), np.array([1, 2])])  # across repeats
    assert D.range(8).batch(3).cardinality().numpy() == 3
    assert D.range(8).batch(3, drop_remainder=True).cardinality().numpy() == 2


def test_from_tensor_slices_examples():
    eq(L(D.from_tensor_slices([1, 2, 3])), [1, 2, 3])
    eq(L(D.from_tensor_slices(([1, 2], [3, 4], [5, 6]))), [(1, 3, 5), (2, 4, 6)])
    eq(L(D.from_tensor_slices(([1, 2], [[3, 4], [5, 6]]))), [(1, np.array([3, 4])), (2, np.array([5, 6]))])
    eq(L(D.from_tensor_slices({"a": [1, 3], "b": [2, 4]})), [{"a": 1, "b": 2}, {"a": 3, "b": 4}])
    eq(L(D.from_tensor_slices({"a": ([1, 2], [3, 4]), "b": [5, 6]})),
       [{"a": (1, 3), "b": 5}, {"a": (2, 4), "b": 6}])
    eq(L(D.from_tensor_slices([[1, 2], [3, 4]])), [np.array([1, 2]), np.array([3, 4])])
    Point = collections.namedtuple("Point", "x y")
    out = L(D.from_tensor_slices(Point([1, 2], [3, 4])))
    assert isinstance(out[0], Point) and out[1].y == 4


def test_dtypes_follow_tapegrad_constant():
    f64 = next(iter(D.from_tensor_slices(np.array([1.5, 2.5]))))
    assert f64.dtype == tf.float64
    assert next(iter(D.from_tensor_slices([1.5, 2.5]))).dtype == tf.float32
    assert next(iter(D.from_tensor_slices(np.array([1, 2], np.int32)))).dtype == tf.int32
    assert next(iter(D.from_tensor_slices(np.array([True])))).dtype == tf.bool
    b = next(iter(D.from_tensor_slices(np.arange(6.0).reshape(3, 2)).batch(2)))
    assert b.dtype == tf.float64 and b.shape == (2, 2)
    v = tf.Variable([1.0, 2.0])
    eq(L(D.from_tensor_slices(v)), [1.0, 2.0])


def test_from_tensors():
    eq(L(D.from_tensors([1, 2, 3])), [np.array([1, 2, 3])])
    out = L(D.from_tensors(([1, 2, 3], 4.0)))
    eq(out, [(np.array([1, 2, 3]), 4.0)])
    assert D.from_tensors(1.0).cardinality().numpy() == 1


def test_map_filter_examples():
    eq(L(D.range(1, 6).map(lambda x: x + 1)), [2, 3, 4, 5, 6])
    # a tuple element is unpacked into arguments, a dict is one argument
    eq(L(D.from_tensor_slices(([1, 2], [3, 4])).map(lambda a, b: a * b)), [3, 8])
    eq(L(D.from_tensor_slices({"a": [1, 2], "b": [3, 4]}).map(lambda d: d["a"] + d["b"])), [4, 6])
    eq(L(D.range(3).map(lambda x: [x, x * 2])), [(0, 0), (1, 2), (2, 4)])  # a list becomes a tuple
    eq(L(D.from_tensor_slices([1, 2, 3]).filter(lambda x: x < 3)), [1, 2])
    eq(L(D.from_tensor_slices([1, 2, 3]).filter(lambda x: tf.equal(x, 1))), [1])
    eq(L(D.range(10).filter(lambda x: x % 2 == 0).map(lambda x: x * x)), [0, 4, 16, 36, 64])


def test_repeat_take_skip_examples():
    eq(L(D.from_tensor_slices([1, 2, 3]).repeat(3)), [1, 2, 3] * 3)
    eq(L(D.range(10).take(3)), [0, 1, 2])
    eq(L(D.range(10).skip(7)), [7, 8, 9])
    eq(L(D.range(4).take(-1)), [0, 1, 2, 3])
    eq(L(D.range(4).skip(-1)), [])
    eq(L(D.range(3).repeat().take(7)), [0, 1, 2, 0, 1, 2, 0])
    eq(L(D.range(0).repeat()), [])  # an empty epoch ends the repetition
    eq(L(D.range(10).map(lambda x: x).skip(8)), [8, 9])
    eq(L(D.range(10).shard(3, 1)), [1, 4, 7])


def test_enumerate_concatenate_zip_examples():
    out = L(D.from_tensor_slices([1, 2, 3]).enumerate(start=5))
    eq(out, [(5, 1), (6, 2), (7, 3)])
    assert isinstance(out[0][0], np.int64)
    eq(L(D.from_tensor_slices([(7, 8), (9, 10)]).enumerate()), [(0, np.array([7, 8])), (1, np.array([9, 10]))])
    eq(L(D.range(1, 4).concatenate(D.range(4, 8))), [1, 2, 3, 4, 5, 6, 7])
    a, b = D.range(1, 4), D.range(4, 7)
    c, d = D.range(7, 13).batch(2), D.range(13, 15)
    eq(L(D.zip((a, b))), [(1, 4), (2, 5), (3, 6)])
    eq(L(D.zip((b, a))), [(4, 1), (5, 2), (6, 3)])
    eq(L(D.zip((a, b, c))), [(1, 4, np.array([7, 8])), (2, 5, np.array([9, 10])), (3, 6, np.array([11, 12]))])
    eq(L(D.zip((a, d))), [(1, 13), (2, 14)])
    eq(L(D.zip(a, b)), [(1, 4), (2, 5), (3, 6)])
    eq(L(D.zip({"p": a, "q": b})), [{"p": 1, "q": 4}, {"p": 2, "q": 5}, {"p": 3, "q": 6}])


def test_unbatch_padded_batch_reduce_cache():
    eq(L(D.range(8).batch(3).unbatch()), list(range(8)))
    eq(L(D.from_tensor_slices((np.arange(6).reshape(3, 2), np.arange(3))).batch(2).unbatch()),
       [(np.array([0, 1]), 0), (np.array([2, 3]), 1), (np.array([4, 5]), 2)])
    A = D.range(1, 5).map(lambda x: tf.fill([x], x))
    eq(L(A.padded_batch(2)), [np.array([[1, 0], [2, 2]]), np.array([[3, 3, 3, 0], [4, 4, 4, 4]])])
    eq(L(A.padded_batch(2, padded_shapes=5)),
       [np.array([[1, 0, 0, 0, 0], [2, 2, 0, 0, 0]]), np.array([[3, 3, 3, 0, 0], [4, 4, 4, 4, 0]])])
    eq(L(A.padded_batch(2, padded_shapes=[None], padding_values=np.int64(-1))),
       [np.array([[1, -1], [2, 2]]), np.array([[3, 3, 3, -1], [4, 4, 4, 4]])])
    assert int(D.range(5).reduce(np.int64(0), lambda s, _: s + 1)) == 5
    assert int(D.range(5).reduce(np.int64(0), lambda s, x: s + x)) == 10
    calls = []
    ds = D.range(5).map(lambda x: (calls.append(1), x * x)[1]).cache()
    eq(L(ds), [0, 1, 4, 9, 16])
    eq(L(ds), [0, 1, 4, 9, 16])
    assert len(calls) == 5  # the second pass replays the cache
    assert ds.prefetch(tf.data.AUTOTUNE) is ds


def test_cardinality_and_len():
    assert tf.data.INFINITE_CARDINALITY == -1 and tf.data.UNKNOWN_CARDINALITY == -2
    assert tf.data.AUTOTUNE == -1
    ds = D.range(42)
    assert ds.cardinality().numpy() == 42 and ds.cardinality().dtype == tf.int64 and len(ds) == 42
    assert ds.repeat().cardinality().numpy() == tf.data.INFINITE_CARDINALITY
    assert ds.filter(lambda x: True).cardinality().numpy() == tf.data.UNKNOWN_CARDINALITY
    assert tf.data.experimental.cardinality(ds).numpy() == 42
    cases = [(ds.take(5), 5), (ds.skip(40), 2), (ds.skip(50), 0), (ds.repeat(3), 126),
             (ds.repeat().take(7), 7), (ds.batch(5), 9), (ds.shuffle(3), 42), (ds.map(lambda x: x), 42),
             (D.zip((ds, D.range(3))), 3), (D.zip((ds, ds.repeat())), 42), (ds.concatenate(ds), 84),
             (ds.enumerate(), 42), (ds.cache(), 42), (ds.shard(5, 1), 9), (ds.unbatch() if False else ds.batch(2).unbatch(), -2),
             (ds.repeat().concatenate(ds), -1), (ds.filter(lambda x: True).repeat(2), -2)]
    for d, n in cases:
        assert d.cardinality().numpy() == n, (d, n)
    with pytest.raises(TypeError, match="infinite"):
        len(ds.repeat())
    with pytest.raises(TypeError, match="unknown"):
        len(ds.filter(lambda x: True))


def test_element_spec():
    ds = D.from_tensor_slices((np.zeros((4, 3), np.float32), np.arange(4)))
    spec = ds.element_spec
    assert spec == (tf.TensorSpec((3,), tf.float32), tf.TensorSpec((), tf.int64))
    assert ds.batch(2).element_spec[0].shape == (None, 3)
    assert ds.batch(2, drop_remainder=True).element_spec[0].shape == (2, 3)
    assert D.range(3).map(lambda x: tf.cast(x, tf.float32)).element_spec.dtype == tf.float32


def test_iterator_protocol():
    it = iter(D.range(2))
    assert int(next(it)) == 0 and int(it.get_next()) == 1
    with pytest.raises(StopIteration):
        next(it)
    ds = D.range(3)
    assert [int(v) for v in ds] == [0, 1, 2] == [int(v) for v in ds]  # iterable again


# -- the batching fast path -------------------------------------------------------------------
def test_fast_batches_equal_stacked_batches():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((23, 4)).astype(np.float32)
    y = rng.integers(0, 5, 23)
    w = rng.random(23)
    base = D.from_tensor_slices((x, {"y": y, "w": w}))
    slow = base.map(lambda a, b: (a, b))  # same elements, general path
    for make in (lambda d: d.batch(5), lambda d: d.skip(3).take(17).batch(4, drop_remainder=True),
                 lambda d: d.repeat(2).batch(10), lambda d: d.shuffle(100, seed=7).batch(6),
                 lambda d: d.shuffle(4, seed=2).batch(6), lambda d: d.cache().batch(7)):
        fast_out, slow_out = L(make(base)), L(make(slow))
        assert len(fast_out) == len(slow_out)
        for f, s in zip(fast_out, slow_out):
            eq(f, s)
            assert f[0].dtype == np.float32 and f[1]["y"].dtype == y.dtype and f[1]["w"].dtype == np.float64


def test_fast_path_does_not_stack_single_elements(monkeypatch):
    import tapegrad.data as data
    calls = []
    monkeypatch.setattr(data, "_stack", lambda *a: calls.append(1))
    big = np.arange(100000, dtype=np.float32).reshape(-1, 4)
    out = L(D.from_tensor_slices(big).shuffle(1000, seed=1).batch(1000))
    assert not calls and len(out) == 25
    np.testing.assert_array_equal(np.sort(np.concatenate(out).reshape(-1)), big.reshape(-1))
    first = next(iter(D.from_tensor_slices(big).batch(7)))
    np.testing.assert_array_equal(first.numpy(), big[:7])


# -- shuffle ----------------------------------------------------------------------------------
def test_shuffle_is_a_permutation_and_reproducible():
    tf.random.set_seed(5)
    ds = D.range(100).shuffle(10, seed=3)
    a, b = L(ds), L(ds)
    assert sorted(a) == list(range(100)) == sorted(b)
    assert a != b  # reshuffled each iteration
    tf.random.set_seed(5)
    ds2 = D.range(100).shuffle(10, seed=3)
    assert L(ds2) == a and L(ds2) == b  # same sequence of orders on a re-run
    tf.random.set_seed(6)
    assert L(D.range(100).shuffle(10, seed=3)) != a  # the global seed matters
    fixed = D.range(50).shuffle(50, seed=1, reshuffle_each_iteration=False)
    assert L(fixed) == L(fixed) and sorted(L(fixed)) == list(range(50))
    # global seed only: reproducible given the same calls
    tf.random.set_seed(9)
    c = L(D.range(30).map(lambda x: x).shuffle(8))
    tf.random.set_seed(9)
    assert L(D.range(30).map(lambda x: x).shuffle(8)) == c and sorted(c) == list(range(30))
    tf.random.set_seed(None)


def test_shuffle_buffer_semantics():
    # A buffer of k: the element at output position i came from input position <= i + k - 1.
    for k in (1, 2, 5):
        for seed in range(5):
            out = L(D.range(40).shuffle(k, seed=seed))
            assert sorted(out) == list(range(40))
            assert all(v <= i + k - 1 for i, v in enumerate(out)), (k, out)
            if k == 1:
                assert out == list(range(40))
    # a full buffer: every first element is possible (uniform permutation)
    firsts = {L(D.range(5).shuffle(5, seed=s))[0] for s in range(60)}
    assert firsts == set(range(5))


def test_shuffle_then_repeat_reshuffles_each_epoch():
    out = L(D.range(6).shuffle(6, seed=4).repeat(3))
    epochs = [out[i:i + 6] for i in (0, 6, 12)]
    assert all(sorted(e) == list(range(6)) for e in epochs)
    assert len({tuple(e) for e in epochs}) > 1


# -- bad input --------------------------------------------------------------------------------
def test_bad_input():
    with pytest.raises(InvalidArgumentError, match=r"from_tensor_slices.*\[3, 2\].*\[2\]"):
        D.from_tensor_slices((np.zeros((3, 2)), np.zeros(2)))
    with pytest.raises(ValueError, match="from_tensor_slices.*rank >= 1"):
        D.from_tensor_slices(3.0)
    with pytest.raises(TypeError, match="from_tensor_slices"):
        D.from_tensor_slices([1.0, "b"])  # strings alone are string components (test_data_more.py)
    with pytest.raises(ValueError, match="from_tensor_slices"):
        D.from_tensor_slices([[1.0], [1.0, 2.0]])
    with pytest.raises(InvalidArgumentError, match="Dataset.batch: batch_size must be greater than zero"):
        D.range(3).batch(0)
    with pytest.raises(TypeError, match="Dataset.batch: batch_size"):
        D.range(3).batch(2.5)
    with pytest.raises(InvalidArgumentError, match="Dataset.shuffle: buffer_size"):
        D.range(3).shuffle(0)
    with pytest.raises(TypeError, match="Dataset.map: map_func must be callable"):
        D.range(3).map(5)
    with pytest.raises(TypeError, match="Dataset.filter: predicate must return a scalar bool"):
        L(D.range(3).filter(lambda x: x))
    with pytest.raises(TypeError, match="Dataset.concatenate"):
        D.range(3).concatenate([1, 2])
    with pytest.raises(TypeError, match="Dataset.concatenate: Incompatible"):
        D.range(3).concatenate(D.from_tensor_slices([1.0]))
    with pytest.raises(TypeError, match="Dataset.zip"):
        D.zip((D.range(3), [1, 2]))
    with pytest.raises(InvalidArgumentError, match="Dataset.range: step"):
        D.range(1, 5, 0)
    with pytest.raises(TypeError, match="Dataset.range"):
        D.range(1.5)
    with pytest.raises(InvalidArgumentError, match="Cannot batch tensors with different shapes in component 0"):
        L(D.range(1, 4).map(lambda x: tf.fill([x], x)).batch(2))
    with pytest.raises(ValueError, match="Cannot unbatch an input with scalar components"):
        D.range(3).unbatch()
    with pytest.raises(NotImplementedError, match="Dataset.cache"):
        D.range(3).cache("/tmp/x")
    with pytest.raises(TypeError, match="Dataset.apply"):
        D.range(3).apply(lambda d: 3)


# -- Keras ------------------------------------------------------------------------------------
def _data(n=50, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], np.float32))[:, None]
    return x, y


def _model(loss="mse", units=1, metrics=("mae",)):
    tf.random.set_seed(0)
    m = K.Sequential([K.layers.Dense(4, activation="tanh"), K.layers.Dense(units)])
    m.compile(K.optimizers.SGD(0.05), loss, metrics=list(metrics))
    return m


def test_fit_on_dataset_equals_fit_on_arrays():
    x, y = _data()
    w = np.linspace(0.5, 1.5, len(x)).astype(np.float32)
    m1 = _model()
    h1 = m1.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0, sample_weight=w,
                validation_data=(x[:10], y[:10]))
    m2 = _model()
    ds = D.from_tensor_slices((x, y, w)).batch(8)
    h2 = m2.fit(ds, epochs=3, verbose=0, validation_data=D.from_tensor_slices((x[:10], y[:10])).batch(32))
    for a, b in zip(m1.get_weights(), m2.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert h1.history["loss"] == h2.history["loss"] and h1.history["mae"] == h2.history["mae"]
    np.testing.assert_allclose(h1.history["val_loss"], h2.history["val_loss"], rtol=1e-6)
    # evaluate and predict on a dataset
    np.testing.assert_allclose(m1.evaluate(x, y, verbose=0), m2.evaluate(D.from_tensor_slices((x, y)).batch(8), verbose=0), rtol=1e-6)
    np.testing.assert_array_equal(m1.predict(x, batch_size=8, verbose=0),
                                  m2.predict(D.from_tensor_slices(x).batch(8), verbose=0))
    np.testing.assert_array_equal(m1.predict(x, batch_size=8, verbose=0), m2.predict(ds, verbose=0))  # (x, y, w): x used
    assert m2.evaluate(ds, verbose=0, steps=2, return_dict=True)["loss"] > 0


def test_fit_on_mapped_dataset_and_sparse_labels():
    x, _ = _data()
    labels = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0)
    m1 = _model("sparse_categorical_crossentropy", units=3, metrics=["accuracy"])
    m1.fit(x, labels, batch_size=10, epochs=2, shuffle=False, verbose=0)
    m2 = _model("sparse_categorical_crossentropy", units=3, metrics=["accuracy"])
    ds = D.from_tensor_slices({"x": x, "y": labels}).map(lambda d: (d["x"], d["y"])).batch(10)
    h2 = m2.fit(ds, epochs=2, verbose=0)
    for a, b in zip(m1.get_weights(), m2.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert 0 <= h2.history["accuracy"][-1] <= 1


def test_fit_steps_per_epoch():
    x, y = _data(40)
    m = _model()
    h = m.fit(D.from_tensor_slices((x, y)).batch(8).repeat(), epochs=3, steps_per_epoch=2, verbose=0)
    assert len(h.history["loss"]) == 3
    # the iterator carries over between epochs: 5 batches, 2 per epoch -> the third epoch runs out
    m = _model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = m.fit(D.from_tensor_slices((x, y)).batch(8), epochs=10, steps_per_epoch=2, verbose=0)
    assert len(h.history["loss"]) == 3 and any("ran out of data" in str(c.message) for c in caught)
    # with steps_per_epoch the batches seen are those of arrays in the same order
    m1 = _model()
    m1.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    m2 = _model()
    m2.fit(D.from_tensor_slices((x, y)).batch(8).repeat(), epochs=1, steps_per_epoch=5, verbose=0)
    for a, b in zip(m1.get_weights(), m2.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_keras_refuses_bad_dataset_input():
    x, y = _data(20)
    ds = D.from_tensor_slices((x, y)).batch(5)
    m = _model()
    with pytest.raises(ValueError, match="fit: the `batch_size` argument must not be specified"):
        m.fit(ds, batch_size=5, verbose=0)
    with pytest.raises(ValueError, match="fit: the `y` argument is not supported"):
        m.fit(ds, y, verbose=0)
    with pytest.raises(ValueError, match="fit: `validation_split`"):
        m.fit(ds, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="fit: When providing an infinite dataset"):
        m.fit(ds.repeat(), verbose=0)
    with pytest.raises(ValueError, match=r"fit: a Dataset must yield \(x, y\)"):
        m.fit(D.from_tensor_slices(x).batch(5), verbose=0)
    with pytest.raises(ValueError, match="evaluate: the `batch_size` argument"):
        m.evaluate(ds, batch_size=4, verbose=0)
    with pytest.raises(ValueError, match="fit: Expected input data to be non-empty"):
        m.fit(ds.take(0), verbose=0)
    with pytest.raises(ValueError, match="predict: When providing an infinite dataset"):
        m.predict(ds.repeat(), verbose=0)
