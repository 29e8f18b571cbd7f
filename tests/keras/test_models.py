"""keras.Sequential: build, summary, compile/fit/evaluate/predict, History, verbose."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras


def _data(n=256, d=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    y = (x @ rng.standard_normal((d, 1)) + 0.3 * np.sin(3 * x[:, :1])).astype(np.float32)
    return x, y


def _model(seed=0, d=4):
    tf.random.set_seed(seed)
    m = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    m.build((None, d))
    return m


def test_call_and_trainable_variables():
    m = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)])
    out = m(np.ones((3, 5), np.float32))
    assert tuple(out.shape) == (3, 2)
    shapes = [tuple(v.shape) for v in m.trainable_variables]
    assert shapes == [(5, 8), (8,), (8, 2), (2,)]
    assert m.count_params() == 5 * 8 + 8 + 8 * 2 + 2


def test_input_layer_builds_immediately():
    m = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(3)])
    assert m.built and tuple(m.layers[0].kernel.shape) == (6, 3)
    assert len(m.layers) == 1


def test_summary(capsys):
    m = _model()
    m.summary()
    out = capsys.readouterr().out
    assert "Layer (type)" in out and "(None, 16)" in out and "(None, 1)" in out
    assert "Total params: 97" in out  # 4*16+16 + 16+1


def test_summary_unbuilt_raises():
    with pytest.raises(ValueError, match="not yet been built"):
        keras.Sequential([keras.layers.Dense(2)]).summary()


def test_fit_loss_decreases_and_history():
    x, y = _data()
    m = _model()
    m.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    h = m.fit(x, y, epochs=8, batch_size=32, verbose=0)
    losses = h.history["loss"]
    assert len(losses) == 8 and h.epoch == list(range(8))
    assert losses[-1] < 0.5 * losses[0]
    assert all(b <= a * 1.05 for a, b in zip(losses, losses[1:]))
    assert m.optimizer.iterations == 8 * 8


def test_fit_verbose0_writes_nothing(capsys):
    x, y = _data(64)
    m = _model()
    m.compile(optimizer="sgd", loss="mse")
    m.fit(x, y, epochs=2, batch_size=16, verbose=0, validation_data=(x, y))
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_fit_verbose1_progress_bar(capsys):
    x, y = _data(64)
    m = _model()
    m.compile(optimizer="sgd", loss="mse")
    h = m.fit(x, y, epochs=2, batch_size=16, verbose=1, validation_data=(x[:16], y[:16]))
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "4/4 [==============================]" in out
    assert "loss:" in out and "val_loss:" in out and "/step" in out
    assert len(h.history["val_loss"]) == 2


def test_epoch_loss_is_mean_of_batch_losses_before_updates():
    x, y = _data(40)
    m = _model()
    m.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")  # lr 0: weights never change
    h = m.fit(x, y, epochs=1, batch_size=16, verbose=0, shuffle=False)
    pred = m.predict(x, verbose=0)
    np.testing.assert_allclose(h.history["loss"][0], ((pred - y) ** 2).mean(), rtol=1e-5)
    np.testing.assert_allclose(m.evaluate(x, y, verbose=0), ((pred - y) ** 2).mean(), rtol=1e-5)


def test_fit_matches_manual_gradient_tape_loop():
    x, y = _data(64)
    m1, m2 = _model(5), _model(5)
    m1.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    m1.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    opt = keras.optimizers.SGD(0.1)
    loss_fn = keras.losses.MeanSquaredError()
    for _ in range(2):
        for s in range(0, 64, 16):
            with tf.GradientTape() as tape:
                loss = loss_fn(y[s:s + 16], m2(x[s:s + 16]))
            grads = tape.gradient(loss, m2.trainable_variables)
            opt.apply_gradients(zip(grads, m2.trainable_variables))
    for a, b in zip(m1.get_weights(), m2.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_shuffle_is_reproducible_with_seed():
    x, y = _data(64)

    def run():
        m = _model(2)
        m.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
        return m.fit(x, y, epochs=3, batch_size=8, verbose=0).history["loss"]
    assert run() == run()


@pytest.mark.parametrize("layout", ["float32", "float64", "fortran"])
def test_shuffled_fit_matches_a_manual_loop_over_the_same_permutations(layout):
    # float32 C-contiguous input takes fit's direct row gather (_take_rows), the others numpy's
    x, y = _data(60)  # 60 = 3 x 16 + 12: a partial last batch
    xin = {"float32": x, "float64": x.astype(np.float64), "fortran": np.asfortranarray(x)}[layout]
    m1 = _model(7)
    m1.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    m1.fit(xin, y, epochs=2, batch_size=16, verbose=0, shuffle=True)
    m2 = _model(7)  # the same weights and the same generator state for the permutations
    opt = keras.optimizers.SGD(0.1)
    loss_fn = keras.losses.MeanSquaredError()
    for _ in range(2):
        order = tf.random._permutation(60)
        for s in range(0, 60, 16):
            rows = order[s:s + 16]
            with tf.GradientTape() as tape:
                loss = loss_fn(y[rows], m2(x[rows]))
            grads = tape.gradient(loss, m2.trainable_variables)
            opt.apply_gradients(zip(grads, m2.trainable_variables))
    for a, b in zip(m1.get_weights(), m2.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("shape", [(7,), (7, 3), (7, 1), (1, 5), (7, 2, 3), (7, 0)])
def test_take_rows_is_numpy_fancy_indexing(shape):
    from tapegrad import _core
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    for rows in ([0], list(range(shape[0]))[::-1], [shape[0] - 1, 0, shape[0] - 1], []):
        idx = np.asarray(rows, dtype=np.int64)
        t = _core._take_rows(a, idx)
        assert isinstance(t, tf.Tensor) and t.dtype == tf.float32
        assert t.shape == a[idx].shape and np.array_equal(t.numpy(), a[idx])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,size", [((10, 3), 4), ((10, 3), 10), ((10, 3), 16), ((7,), 2),
                                        ((6, 2, 5), 5), ((5, 0), 2), ((0, 3), 4)])
def test_row_views_are_numpy_row_slices_sharing_one_buffer(shape, size, dtype):
    from tapegrad import _core
    a = np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape) - 7
    epoch = tf.constant(a)
    views = _core._row_views(epoch, size)
    assert len(views) == -(-shape[0] // size)
    for i, v in enumerate(views):
        want = a[i * size:(i + 1) * size]
        assert v.dtype == epoch.dtype and v.shape == want.shape
        np.testing.assert_array_equal(v.numpy(), want)
        if v.shape[0]:
            assert v._storage_id() == epoch._storage_id()


def test_row_views_stay_valid_and_independent():
    from tapegrad import _core
    a = np.arange(24, dtype=np.float32).reshape(6, 4)
    views = _core._row_views(tf.constant(a), 2)  # the epoch tensor itself is gone at once
    second = views[1]
    del views[0]
    # Ops on a view read its own rows: reshape (an alias of the buffer), elementwise, matmul,
    # reductions, and a gradient with respect to it.
    np.testing.assert_array_equal(tf.reshape(second, (8,)).numpy(), a[2:4].ravel())
    np.testing.assert_array_equal((second * 2.0).numpy(), a[2:4] * 2)
    np.testing.assert_allclose(tf.matmul(second, second, transpose_b=True).numpy(),
                               a[2:4] @ a[2:4].T)
    np.testing.assert_array_equal(tf.reduce_sum(second, 0).numpy(), a[2:4].sum(0))
    with tf.GradientTape() as tape:
        tape.watch(second)
        y = tf.reduce_sum(tf.square(second))
    np.testing.assert_array_equal(tape.gradient(y, second).numpy(), 2 * a[2:4])
    # A Variable made from a view copies on its first write: the neighbouring rows keep
    # their values.
    v = tf.Variable(second)
    v.assign_sub(tf.ones((2, 4)))
    np.testing.assert_array_equal(v.numpy(), a[2:4] - 1)
    np.testing.assert_array_equal(second.numpy(), a[2:4])
    np.testing.assert_array_equal(views[1].numpy(), a[4:6])


def test_row_views_check_their_arguments():
    from tapegrad import _core
    with pytest.raises(TypeError, match="_row_views: expected a tensor"):
        _core._row_views(np.zeros((2, 2), np.float32), 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank >= 1"):
        _core._row_views(tf.constant(1.0), 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match="size must be >= 1, got 0"):
        _core._row_views(tf.zeros((2, 2)), 0)


def test_take_rows_checks_its_arguments():
    from tapegrad import _core
    a = np.zeros((4, 2), np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="row index 4 is out of range for 4"):
        _core._take_rows(a, np.array([0, 4], np.int64))
    with pytest.raises(tf.errors.InvalidArgumentError, match="-1"):
        _core._take_rows(a, np.array([-1], np.int64))
    with pytest.raises(TypeError, match="float32"):
        _core._take_rows(a.astype(np.float64), np.array([0], np.int64))
    with pytest.raises(TypeError, match="C-contiguous float32"):
        _core._take_rows(np.asfortranarray(a), np.array([0], np.int64))
    with pytest.raises(TypeError, match="int64"):
        _core._take_rows(a, np.array([0], np.int32))
    with pytest.raises(TypeError, match="int64"):
        _core._take_rows(a, np.arange(4, dtype=np.int64)[::2])


def test_predict_shape_and_classification_fit():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 2)).astype(np.float32)
    labels = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    tf.random.set_seed(0)
    m = keras.Sequential([keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(2)])
    m.compile(optimizer=keras.optimizers.Adam(0.05),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    h = m.fit(x, labels, epochs=10, batch_size=20, verbose=0)
    assert h.history["loss"][-1] < 0.3
    logits = m.predict(x, batch_size=64, verbose=0)
    assert logits.shape == (200, 2)
    assert (logits.argmax(1) == labels).mean() > 0.9


def test_fit_requires_compile_and_matching_lengths():
    m = _model()
    x, y = _data(8)
    with pytest.raises(RuntimeError, match="compile"):
        m.fit(x, y, verbose=0)
    m.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="cardinality"):
        m.fit(x, y[:4], verbose=0)


def test_set_and_get_weights_roundtrip():
    a, b = _model(1), _model(2)
    b.set_weights(a.get_weights())
    x = np.ones((2, 4), np.float32)
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())


def test_early_stopping():
    x, y = _data(64)
    m = _model()
    m.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    h = m.fit(x, y, epochs=10, verbose=0, validation_data=(x, y),
              callbacks=[keras.callbacks.EarlyStopping(patience=1)])
    assert len(h.history["loss"]) == 2


def test_input_shape_kwarg_builds_and_fit_accepts_1d_targets():
    m = keras.Sequential([keras.layers.Dense(4, activation="relu", input_shape=(3,)),
                          keras.layers.Dense(1)])
    assert m.built and [tuple(v.shape) for v in m.trainable_variables][0] == (3, 4)
    x = np.random.default_rng(0).standard_normal((32, 3)).astype(np.float32)
    y = x.sum(1)  # (batch,) against (batch, 1) predictions
    m.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    h = m.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]


def test_adam_and_function_loss_compile():
    x, y = _data(64)
    m = _model()
    m.compile(optimizer="adam", loss=keras.losses.mean_squared_error)
    h = m.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert len(h.history["loss"]) == 3 and h.history["loss"][-1] < h.history["loss"][0]


def test_sparse_labels_train_like_one_hot_targets():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((48, 3)).astype(np.float32)
    labels = rng.integers(0, 4, 48)

    def run(loss, y):
        tf.random.set_seed(4)
        m = keras.Sequential([keras.layers.Dense(5, activation="relu"), keras.layers.Dense(4)])
        m.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
        h = m.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False)
        return h.history["loss"], m.get_weights(), m.evaluate(x, y, verbose=0)
    a = run(keras.losses.SparseCategoricalCrossentropy(from_logits=True), labels)
    b = run(keras.losses.CategoricalCrossentropy(from_logits=True), np.eye(4)[labels])
    np.testing.assert_allclose(a[0], b[0], rtol=1e-6)
    np.testing.assert_allclose(a[2], b[2], rtol=1e-6)
    for wa, wb in zip(a[1], b[1]):
        np.testing.assert_allclose(wa, wb, rtol=1e-6, atol=1e-7)


def test_steps_per_epoch_limits_steps():
    x, y = _data(64)
    m = _model()
    m.compile(optimizer="sgd", loss="mse")
    m.fit(x, y, epochs=2, batch_size=8, steps_per_epoch=3, verbose=0)
    assert int(m.optimizer.iterations) == 6
