"""keras.callbacks.LearningRateScheduler, ReduceLROnPlateau and ModelCheckpoint: what they
set and write during fit, Keras' argument forms, and bad arguments."""

import os

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras


def _model(lr=0.1, seed=0):
    tf.random.set_seed(seed)
    m = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(lr), loss="mse")
    return m


X = np.random.default_rng(0).standard_normal((16, 3)).astype(np.float32)
Y = (X @ np.array([[1.0], [-2.0], [0.5]])).astype(np.float32)


def test_learning_rate_scheduler_one_and_two_argument_schedules():
    m = _model()
    h = m.fit(X, Y, epochs=4, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(lambda e, lr: lr * 0.5)])
    np.testing.assert_allclose(h.history["learning_rate"], [0.05, 0.025, 0.0125, 0.00625])
    assert m.optimizer.learning_rate == pytest.approx(0.00625)
    m = _model()
    h = m.fit(X, Y, epochs=3, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(lambda e: 0.01 * (e + 1))])
    np.testing.assert_allclose(h.history["learning_rate"], [0.01, 0.02, 0.03])
    # a zero rate stops the weights from moving
    m = _model()
    before = m.get_weights()
    m.fit(X, Y, epochs=2, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(lambda e: 0.0)])
    for a, b in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="the schedule gave -1.0 for epoch 0"):
        _model().fit(X, Y, epochs=1, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(lambda e: -1.0)])
    with pytest.raises(TypeError, match="schedule must be callable"):
        keras.callbacks.LearningRateScheduler(0.1)


def test_reduce_lr_on_plateau():
    # zero inputs and a bias that already fits the targets: the loss is 0 and stays 0, so no
    # epoch after the first improves on it
    m = _model(lr=0.08)
    m.layers[0].bias.assign([1.0])
    xz = np.zeros_like(X)
    cb = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2)
    h = m.fit(xz, np.ones_like(Y), epochs=7, verbose=0, callbacks=[cb])
    assert h.history["loss"] == [0.0] * 7
    # epoch 0 sets the best; epochs 1-2 wait and halve at the end of 2; 3-4, 5-6 likewise. The
    # logs hold the rate each epoch ran with (as Keras: recorded before the reduction)
    np.testing.assert_allclose(h.history["learning_rate"], [0.08, 0.08, 0.08, 0.04, 0.04, 0.02, 0.02])
    assert m.optimizer.learning_rate == pytest.approx(0.01)
    with pytest.raises(ValueError, match="factor must be in \\[0, 1\\)"):
        keras.callbacks.ReduceLROnPlateau(factor=2.0)


def test_model_checkpoint_every_epoch_and_best_only(tmp_path):
    m = _model()
    pattern = str(tmp_path / "w-{epoch:02d}-{loss:.3f}.npz")
    h = m.fit(X, Y, epochs=3, verbose=0,
              callbacks=[keras.callbacks.ModelCheckpoint(pattern, monitor="loss", save_weights_only=True)])
    names = sorted(os.listdir(tmp_path))
    assert [n[:4] for n in names] == ["w-01", "w-02", "w-03"]
    assert names[2] == f"w-03-{h.history['loss'][2]:.3f}.npz"
    fresh = _model(seed=5)
    fresh.load_weights(str(tmp_path / names[2]))
    for a, b in zip(m.get_weights(), fresh.get_weights()):
        np.testing.assert_array_equal(a, b)
    # best only, on a monitor that gets worse after the first epoch (a learning rate that diverges)
    best = str(tmp_path / "best.npz")
    m = _model(lr=2.0)
    h = m.fit(X, Y, epochs=4, verbose=0, callbacks=[
        keras.callbacks.ModelCheckpoint(best, monitor="loss", save_best_only=True, save_weights_only=True)])
    losses = h.history["loss"]
    assert np.argmin(losses) == 0 and losses[-1] > losses[0]
    assert os.path.exists(best)
    with pytest.raises(ValueError, match=r"must end in `\.keras`"):
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m.npz"))  # a whole model needs .keras


def test_csv_logger_writes_one_row_per_epoch(tmp_path):
    import csv
    x = np.random.default_rng(0).standard_normal((32, 3)).astype(np.float32)
    y = x[:, :1].copy()
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    path = tmp_path / "log.csv"
    hist = model.fit(x, y, epochs=3, verbose=0, validation_split=0.25,
                     callbacks=[keras.callbacks.CSVLogger(str(path))])
    rows = list(csv.reader(open(path)))
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2"]
    np.testing.assert_allclose([float(r[1]) for r in rows[1:]], hist.history["loss"], rtol=1e-6)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[keras.callbacks.CSVLogger(str(path), append=True)])
    rows = list(csv.reader(open(path)))
    assert len(rows) == 6 and rows[0][0] == "epoch"  # no second header


def test_terminate_on_nan_and_lambda_callback():
    x = np.full((16, 2), np.nan, np.float32)
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    seen = []
    cb = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: seen.append("begin"),
        on_epoch_end=lambda epoch, logs: seen.append(("epoch", epoch)),
        on_batch_end=lambda batch, logs: seen.append(("batch", batch)))
    hist = model.fit(x, np.zeros((16, 1), np.float32), epochs=5, batch_size=4, verbose=0,
                     callbacks=[keras.callbacks.TerminateOnNaN(), cb])
    assert len(hist.history["loss"]) == 1  # stopped in the first epoch, at its first batch
    assert seen == ["begin", ("batch", 0), ("epoch", 0)]
    with pytest.raises(TypeError, match="callable"):
        keras.callbacks.LambdaCallback(on_epoch_end=3)
