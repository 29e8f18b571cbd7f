"""tapegrad.data against TF 2.21's tf.data: the numbers here are TF 2.21's outputs (element
values, element_spec, cardinality, error classes), from the differential test in
/work/notes/helper_s23_data.md. Each fix of that session has a test, as do the main
agreements (interleave / window / grouping orders, Keras fit on a Dataset)."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError, OutOfRangeError

D = tf.data.Dataset
INF, UNK = tf.data.INFINITE_CARDINALITY, tf.data.UNKNOWN_CARDINALITY


def _py(x):
    if isinstance(x, tuple):
        return tuple(_py(v) for v in x)
    if isinstance(x, dict):
        return {k: _py(v) for k, v in x.items()}
    return x.tolist() if isinstance(x, np.ndarray) else (x.item() if isinstance(x, np.generic) else x)


def L(ds):
    return [_py(x) for x in ds.as_numpy_iterator()]


def sp(ds):
    """element_spec as TF's literals below: (shape list or None, dtype name), DatasetSpec as
    ("DS", inner)."""
    def one(s):
        if isinstance(s, tf.data.DatasetSpec):
            return ("DS", walk(s.element_spec))
        return (None if s.shape is None else list(s.shape), s.dtype.name)

    def walk(s):
        if isinstance(s, dict):
            return {k: walk(v) for k, v in s.items()}
        if isinstance(s, tuple):
            return tuple(walk(v) for v in s)
        return one(s)
    return walk(ds.element_spec)


def card(ds):
    return int(ds.cardinality().numpy())


def seq():
    return D.range(1, 5).map(lambda x: tf.fill([x], x))


# -- element_spec: batch dimensions and padded dimensions are None as TF's --------------------
def test_padded_batch_element_spec():
    # TF 2.21's output
    assert sp(seq().padded_batch(2)) == ([None, None], "int64")
    assert L(seq().padded_batch(2)) == [[[1, 0], [2, 2]], [[3, 3, 3, 0], [4, 4, 4, 4]]]
    assert sp(seq().padded_batch(2, padded_shapes=[5])) == ([None, 5], "int64")
    assert sp(seq().padded_batch(3, drop_remainder=True)) == ([3, None], "int64")
    assert sp(D.from_tensor_slices(np.zeros((4, 3), np.float32)).padded_batch(2)) == ([None, 3], "float32")
    assert sp(D.range(0).padded_batch(2)) == ([None], "int64")  # an empty dataset has a spec too
    ds = seq().map(lambda x: (x, tf.size(x))).padded_batch(
        2, padded_shapes=([4], []), padding_values=(np.int64(-1), np.int32(0)))
    assert sp(ds) == (([None, 4], "int64"), ([None], "int32"))
    assert L(ds) == [([[1, -1, -1, -1], [2, 2, -1, -1]], [1, 2]), ([[3, 3, 3, -1], [4, 4, 4, 4]], [3, 4])]


def test_batch_and_transformations_derive_the_spec():
    # TF 2.21's output: after map the batch dimension is None (unless drop_remainder)
    assert sp(D.range(5).map(lambda x: x * 2).batch(2)) == ([None], "int64")
    assert sp(D.range(5).map(lambda x: x * 2).batch(2, drop_remainder=True)) == ([2], "int64")
    assert sp(D.zip((D.range(3).map(lambda a: a), D.range(2))).batch(2)) == (([None], "int64"), ([None], "int64"))
    assert sp(D.range(3).window(2).enumerate()) == (([], "int64"), ("DS", ([], "int64")))
    assert sp(D.range(5).batch(2).window(2)) == ("DS", ([None], "int64"))
    # spec shapes are TensorShapes, as TF's: as_list / rank work
    shape = D.from_tensor_slices(np.zeros((4, 3), np.float32)).batch(2).element_spec.shape
    assert shape.as_list() == [None, 3] and shape.rank == 2 and shape == (None, 3) and shape[1:] == [3]


def test_flat_map_interleave_spec_is_the_returned_datasets():
    # TF 2.21's output
    ds = D.range(7).window(3, 2).flat_map(lambda w: w.batch(3))
    assert sp(ds) == ([None], "int64")
    assert L(ds) == [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6]]
    assert sp(D.range(1, 3).interleave(lambda x: D.range(x).batch(2), cycle_length=2)) == ([None], "int64")


def test_group_by_window_and_bucket_spec():
    # TF 2.21's output
    assert sp(D.range(10).group_by_window(lambda x: x % 2, lambda k, d: d.batch(5), window_size=5)) == \
        ([None], "int64")
    ds = D.range(6).group_by_window(lambda x: x % 2, lambda k, d: d.map(lambda v: tf.cast(v, tf.float32))
                                    .batch(2), window_size=3)
    assert sp(ds) == ([None], "float32")
    assert L(ds) == [[0.0, 2.0], [4.0], [1.0, 3.0], [5.0]]
    data = [[0], [1, 2, 3, 4], [5, 6, 7], [7, 8, 9, 10, 11], [13, 14, 15, 16, 19, 20], [21, 22]]

    def el():
        return D.from_generator(lambda: iter(data), tf.int64, output_shapes=[None])
    assert sp(el().bucket_by_sequence_length(lambda e: tf.shape(e)[0], [3, 5], [2, 2, 2])) == \
        ([None, None], "int64")
    assert sp(el().bucket_by_sequence_length(lambda e: tf.shape(e)[0], [3, 5], [2, 2, 2],
                                             padded_shapes=[8])) == ([None, 8], "int64")
    ds = D.range(10).bucket_by_sequence_length(lambda e: tf.cast(e, tf.int32), [3, 6], [2, 2, 2],
                                               no_padding=True)
    assert sp(ds) == ([None], "int64")
    assert L(ds) == [[0, 1], [3, 4], [6, 7], [8, 9], [2], [5]]
    # TF's documented output with pad_to_bucket_boundary
    assert L(el().bucket_by_sequence_length(lambda e: tf.shape(e)[0], [4, 7], [2, 2, 2],
                                            pad_to_bucket_boundary=True, padding_values=np.int64(-1))) == \
        [[[0, -1, -1], [5, 6, 7]], [[1, 2, 3, 4, -1, -1], [7, 8, 9, 10, 11, -1]], [[21, 22, -1]],
         [[13, 14, 15, 16, 19, 20]]]


def test_zip_has_a_static_spec():
    # TF 2.21's output
    ds = D.zip({"a": D.range(3), "b": (D.range(2).batch(2), D.from_tensor_slices(np.zeros((2, 3), np.float32)))})
    assert sp(ds) == {"a": ([], "int64"), "b": (([None], "int64"), ([3], "float32"))}
    empty = D.zip((D.range(0), D.range(3)))
    assert sp(empty) == (([], "int64"), ([], "int64")) and card(empty) == 0
    # so concatenate sees the structure at once, as TF
    with pytest.raises(TypeError, match="Incompatible"):
        D.range(3).concatenate(D.zip((D.range(2), D.range(2))))


def test_from_generator_specs_and_checks():
    g = D.from_generator(lambda: iter([np.zeros(2, np.int64), np.ones(3, np.int64)]), output_types=tf.int64)
    # TF 2.21's output: output_types alone leaves the shape unknown
    assert repr(g.element_spec) == "TensorSpec(shape=<unknown>, dtype=tf.int64, name=None)"
    assert sp(g.batch(2)) == (None, "int64") and L(g) == [[0, 0], [1, 1, 1]]
    assert repr(D.from_generator(lambda: iter([]), output_types=tf.int64).element_spec) == \
        "TensorSpec(shape=<unknown>, dtype=tf.int64, name=None)"
    assert sp(D.from_generator(lambda: iter([[1, 2], [3]]), output_types=tf.int64, output_shapes=[None])) == \
        ([None], "int64")
    # unknown rank still pads by the elements' own rank in tapegrad
    assert L(g.padded_batch(2)) == [[[0, 0, 0], [1, 1, 1]]]
    # TF 2.21: a yielded shape that does not fit the signature is an InvalidArgumentError
    bad = D.from_generator(lambda: iter([np.zeros(3, np.float32)]),
                           output_signature=tf.TensorSpec((2,), tf.float32))
    with pytest.raises(InvalidArgumentError, match=r"yielded an element of shape \(3,\) where an element of shape \(2,\)"):
        L(bad)
    with pytest.raises(InvalidArgumentError, match="did not match the expected structure"):
        L(D.from_generator(lambda: iter([(1, 2)]), output_types=(tf.int64, tf.int64, tf.int64)))
    ok = D.from_generator(lambda: iter([np.array([1, 2]), np.array([3])]),
                          output_signature=tf.TensorSpec([None], tf.int64))
    assert L(ok) == [[1, 2], [3]]
    # tapegrad has no tf.string: "string" names it
    assert L(D.from_generator(lambda: iter(["a", "bb"]), output_types="string")) == [b"a", b"bb"]


def test_save_load_spec_covers_every_element(tmp_path):
    D.range(1, 4).map(lambda x: tf.fill([x], x)).save(str(tmp_path / "r"))
    assert sp(D.load(str(tmp_path / "r"))) == ([None], "int64")  # TF 2.21's output


# -- cardinality ------------------------------------------------------------------------------
def test_unbatch_cardinality_from_a_static_batch_dimension():
    # TF 2.21's output
    assert card(D.from_tensors((np.array([1, 2]), np.array([3.0, 4.0]))).unbatch()) == 2
    assert card(D.range(7).batch(2, drop_remainder=True).unbatch()) == 6
    assert card(D.from_tensor_slices(np.zeros((3, 4))).unbatch()) == 12
    assert card(D.range(7).map(lambda x: x).batch(2, drop_remainder=True).unbatch()) == 6
    assert card(D.range(7).batch(2).unbatch()) == UNK
    assert card(D.range(7).map(lambda x: x).batch(2, drop_remainder=True).shuffle(3).take(2).unbatch()) == 4
    with pytest.raises(ValueError, match="matching leading dimension. Encountered both 2 and 3"):
        D.from_tensors((np.zeros(2), np.zeros(3))).unbatch()


def test_cardinality_of_infinite_inputs():
    inf = D.range(3).repeat()
    # TF 2.21's output: flat_map, take_while, unique and interleave do not know
    assert card(inf.flat_map(lambda x: D.range(x))) == UNK
    assert card(inf.take_while(lambda x: True)) == UNK
    assert card(inf.unique()) == UNK
    assert card(inf.interleave(lambda x: D.range(x), cycle_length=2)) == UNK
    assert card(inf.group_by_window(lambda x: x, lambda k, d: d, window_size=2)) == INF
    assert card(inf.batch(2).unbatch()) == INF
    assert card(inf.scan(np.int64(0), lambda s, x: (s, x))) == INF
    # an unknown input repeated forever counts as infinite, twice as unknown
    assert card(D.range(3).filter(lambda x: True).repeat()) == INF
    assert card(D.range(3).filter(lambda x: True).repeat(2)) == UNK


def test_cardinality_agreements():
    # TF 2.21's output
    assert card(D.range(3).repeat(-1)) == INF and card(D.range(0).repeat()) == 0 and L(D.range(0).repeat()) == []
    assert card(D.range(10).shard(3, 1)) == 3 and card(D.range(10).shard(3, 0)) == 4
    assert card(D.range(1, 4).concatenate(D.range(4, 8).repeat())) == INF
    assert card(D.range(1, 4).concatenate(D.range(4, 8).filter(lambda x: True))) == UNK


# -- iteration and arguments ------------------------------------------------------------------
def test_get_next_at_the_end_is_out_of_range():
    it = iter(D.range(1))
    assert int(it.get_next()) == 0
    with pytest.raises(OutOfRangeError, match="End of sequence"):  # TF 2.21's class
        it.get_next()
    with pytest.raises(StopIteration):
        next(iter(D.range(0)))


def test_padding_values_must_fit_the_component():
    # TF 2.21 raises TypeError for a padding value of another dtype, ValueError for a vector
    with pytest.raises(TypeError, match="`padding_values` values type float32 does not match type int64"):
        L(seq().padded_batch(2, padding_values=tf.constant(1.0)))
    with pytest.raises(TypeError, match="values type int32 does not match type int64"):
        L(seq().padded_batch(2, padding_values=np.int32(1)))
    with pytest.raises(TypeError, match="does not match type int64"):
        L(seq().padded_batch(2, padding_values=1.5))
    with pytest.raises(ValueError, match="should be scalars"):
        L(D.range(2).padded_batch(2, padding_values=np.array([1, 2])))
    with pytest.raises(TypeError, match="does not match type string"):
        L(D.from_tensor_slices(["a"]).padded_batch(1, padding_values=0))
    assert L(seq().padded_batch(2, padding_values=tf.constant(7, tf.int64)))[0] == [[1, 7], [2, 2]]
    assert L(seq().padded_batch(2, padding_values=-1))[0] == [[1, -1], [2, 2]]  # Python ints are taken
    # TF 2.21's output
    assert L(D.from_tensor_slices([["a"], ["b"], ["c"]]).padded_batch(2, padded_shapes=[3], padding_values="<pad>")) == \
        [[[b"a", b"<pad>", b"<pad>"], [b"b", b"<pad>", b"<pad>"]], [[b"c", b"<pad>", b"<pad>"]]]


def test_argument_checks_as_tf():
    with pytest.raises(InvalidArgumentError, match="buffer_size must be >= 0 or set buffer_size to be -1"):
        D.range(3).prefetch(-5)
    assert L(D.range(3).prefetch(0)) == [0, 1, 2]
    with pytest.raises(InvalidArgumentError, match="num_parallel_calls must be greater than zero"):
        D.range(3).map(lambda x: x, num_parallel_calls=0)
    with pytest.raises(InvalidArgumentError, match="num_parallel_calls must be greater than zero"):
        D.range(3).batch(2, num_parallel_calls=0)  # TF builds it and then hangs on iteration
    assert L(D.range(6).map(lambda x: x + 1, num_parallel_calls=tf.data.AUTOTUNE)) == [1, 2, 3, 4, 5, 6]
    with pytest.raises(ValueError, match=r"The length of `args` should be between 1 and 3 but was 4"):
        D.range(1, 2, 3, 4)
    # shuffle(UNKNOWN_CARDINALITY) buffers everything, as TF
    ds = D.range(6).shuffle(-2)
    assert card(ds) == 6 and sorted(L(ds)) == [0, 1, 2, 3, 4, 5]
    with pytest.raises(InvalidArgumentError, match="buffer_size"):
        D.range(6).shuffle(-1)


def test_concatenate_checks_structures_that_come_from_functions():
    a = D.range(3).map(lambda x: x)
    with pytest.raises(TypeError, match="Incompatible dataset elements"):
        L(a.concatenate(D.range(3).map(lambda x: (x, x))))
    with pytest.raises(TypeError, match="Incompatible dataset elements"):
        L(a.concatenate(D.range(3).map(lambda x: tf.cast(x, tf.float32))))
    ok = a.concatenate(D.range(2).map(lambda x: x * 2))
    assert L(ok) == [0, 1, 2, 0, 2] and sp(ok) == ([], "int64")


# -- agreements: orders and values ------------------------------------------------------------
def test_interleave_orders():
    # TF 2.21's output
    assert L(D.range(1, 6).interleave(lambda x: D.from_tensors(x).repeat(6), cycle_length=2, block_length=4)) == \
        [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5]
    assert L(D.range(1, 6).interleave(lambda x: D.range(x), cycle_length=3, block_length=2)) == \
        [0, 0, 1, 0, 1, 0, 1, 2, 2, 3, 0, 1, 2, 3, 4]
    assert L(D.from_tensor_slices(np.array([3, 0, 5, 1, 2], np.int64)).interleave(
        lambda n: D.range(n), cycle_length=3, block_length=2)) == [0, 1, 0, 1, 2, 0, 2, 3, 0, 1, 4]


def test_window_and_grouping_orders():
    # TF 2.21's output
    assert [L(w) for w in D.range(12).window(2, 3, 5)] == [[0, 5], [3, 8], [6, 11], [9]]
    assert [L(w) for w in D.range(12).window(2, 3, 5, True)] == [[0, 5], [3, 8], [6, 11]]
    assert L(D.range(5).map(lambda x: x).window(2, 7).flat_map(lambda w: w.batch(5))) == [[0, 1]]
    assert L(D.range(13).group_by_window(lambda x: x % 3, lambda k, d: d.batch(10), window_size=3)) == \
        [[0, 3, 6], [1, 4, 7], [2, 5, 8], [9, 12], [10], [11]]
    assert L(D.range(12).group_by_window(lambda x: x % 3, lambda k, d: d.batch(10),
                                         window_size_func=lambda k: k + 1)) == \
        [[0], [3], [1, 4], [6], [2, 5, 8], [9], [7, 10], [11]]


def test_small_agreements():
    # TF 2.21's output
    assert L(D.range(20).skip(3).take(10).skip(2).take(4)) == [5, 6, 7, 8]
    assert L(D.range(5).take(-1)) == [0, 1, 2, 3, 4] and L(D.range(5).skip(-1)) == [] and L(D.range(5).skip(10)) == []
    assert L(D.range(10).shard(3, 1)) == [1, 4, 7]
    out = list(D.from_tensor_slices(np.array([1.0, 2.0], np.float32)).enumerate(start=5).as_numpy_iterator())
    assert out == [(5, 1.0), (6, 2.0)] and type(out[0][0]) is np.int64 and type(out[0][1]) is np.float32
    assert sp(D.range(3, output_type=tf.int32)) == ([], "int32")
    assert L(D.range(-3, 3, 2, output_type=tf.int32)) == [-3, -1, 1] and L(D.range(5, 1, -2)) == [5, 3]
    assert L(D.range(5).scan((np.int64(0), np.int64(1)), lambda s, x: ((s[0] + x, s[1] * 2), s[0]))) == \
        [0, 0, 1, 3, 6]
    choice = D.from_tensor_slices(np.array([0, 1, 0, 0, 1]))
    assert L(D.choose_from_datasets([D.range(2), D.range(10, 15)], choice, stop_on_empty_dataset=False)) == \
        [0, 10, 1, 11]
    assert L(D.choose_from_datasets([D.range(2), D.range(10, 15)], choice)) == [0, 10, 1]
    assert L(D.from_tensor_slices(["b", "a", "b"]).unique()) == [b"b", b"a"]


# -- Keras: fit / evaluate / predict on a Dataset give TF 2.21 / Keras 3's numbers -------------
def _keras_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(37, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3).astype(np.float32)
    w0 = [rng.normal(size=(3, 4)).astype(np.float32) * 0.5, np.zeros(4, np.float32),
          rng.normal(size=(4, 1)).astype(np.float32) * 0.5, np.zeros(1, np.float32)]
    sw = rng.uniform(0.5, 1.5, size=37).astype(np.float32)
    return x, y, w0, sw


def _keras_model(w0):
    K = tf.keras
    m = K.Sequential([K.Input((3,)), K.layers.Dense(4, activation="tanh"), K.layers.Dense(1)])
    m.set_weights(w0)
    m.compile(optimizer=K.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    return m


def test_keras_fit_evaluate_predict_on_datasets_match_tf():
    x, y, w0, sw = _keras_data()
    close = dict(rtol=1e-5, atol=1e-6)
    m = _keras_model(w0)
    h = m.fit(D.from_tensor_slices((x, y)).batch(8), epochs=3, verbose=0)
    # TF 2.21's output
    np.testing.assert_allclose(h.history["loss"], [4.1218132972717285, 1.8629820346832275, 0.7619953155517578], **close)
    np.testing.assert_allclose(h.history["mae"], [1.5135916471481323, 0.9898300170898438, 0.5828280448913574], **close)
    np.testing.assert_allclose(m.evaluate(D.from_tensor_slices((x, y)).batch(8), verbose=0),
                               [0.4189661741256714, 0.3898236155509949], **close)
    np.testing.assert_allclose(m.predict(D.from_tensor_slices(x).batch(10), verbose=0)[:4, 0],
                               [0.9271438121795654, 1.5862512588500977, -0.5078057050704956, 0.3624970316886902],
                               **close)
    m = _keras_model(w0)
    h = m.fit(D.from_tensor_slices((x, y, sw)).batch(8), epochs=2, verbose=0)
    np.testing.assert_allclose(h.history["loss"], [3.647707223892212, 1.721171259880066], **close)
    m = _keras_model(w0)
    h = m.fit(D.from_tensor_slices((x[:30], y[:30])).batch(8), epochs=2, verbose=0,
              validation_data=D.from_tensor_slices((x[30:], y[30:])).batch(4))
    np.testing.assert_allclose(h.history["loss"], [4.3120198249816895, 2.33465313911438], **close)
    np.testing.assert_allclose(h.history["val_loss"], [3.0707621574401855, 1.5366257429122925], **close)
    m = _keras_model(w0)
    h = m.fit(D.from_tensor_slices((x, y)).batch(8).repeat(), epochs=3, steps_per_epoch=3, verbose=0)
    np.testing.assert_allclose(h.history["loss"], [3.628774881362915, 3.743062734603882, 2.1291608810424805], **close)
    m = _keras_model(w0)
    h = m.fit(D.from_tensor_slices((x, y)).map(lambda a, b: (a * 2.0, b)).batch(8), epochs=2, verbose=0)
    np.testing.assert_allclose(h.history["loss"], [3.827151298522949, 1.1497751474380493], **close)
