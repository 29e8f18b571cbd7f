"""keras.metrics against numpy, and compile(metrics=...) in fit / evaluate / train_on_batch."""

import inspect
import re
import warnings

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import _core, keras

M = keras.metrics
rng = np.random.default_rng(0)


def _value(metric):
    r = metric.result()
    assert isinstance(r, tf.Tensor) and r.dtype == tf.float32 and r.shape == ()
    return float(r)


# -- numpy references -----------------------------------------------------------------------------
def _np_weighted_mean(per_sample, w=None):
    if w is None:
        return per_sample.mean()
    return (per_sample * w).sum() / w.sum()


def _np_binary(y, p, threshold=0.5):
    return ((p > threshold).astype(np.float32) == y).astype(np.float32).mean(-1)


def _np_categorical(y, p):
    return (y.argmax(-1) == p.argmax(-1)).astype(np.float32)


def _np_sparse(labels, p):
    return (labels.reshape(-1) == p.argmax(-1)).astype(np.float32)


# -- Mean -----------------------------------------------------------------------------------------
def test_mean_unweighted_weighted_and_reset():
    m = M.Mean()
    assert m.name == "mean" and _value(m) == 0.0  # 0 before any update, not NaN
    a, b = rng.standard_normal(5).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    m.update_state(a)
    m.update_state(tf.constant(b))
    np.testing.assert_allclose(_value(m), np.concatenate([a, b]).mean(), rtol=1e-6)
    m.reset_state()
    assert _value(m) == 0.0 and float(m.count) == 0.0
    w = np.array([1.0, 0.0, 2.0, 0.5, 3.0], np.float32)
    m.update_state(a, sample_weight=w)
    m.update_state(b, sample_weight=np.array([1.0, 1.0, 0.25], np.float32))
    ref = _np_weighted_mean(np.concatenate([a, b]), np.concatenate([w, [1.0, 1.0, 0.25]]))
    np.testing.assert_allclose(_value(m), ref, rtol=1e-6)
    np.testing.assert_allclose(float(m.total), (a * w).sum() + (b * [1, 1, 0.25]).sum(), rtol=1e-6)
    np.testing.assert_allclose(float(m.count), w.sum() + 2.25, rtol=1e-6)
    m.reset_states()  # Keras 2's name
    assert float(m.total) == 0.0 and float(m.count) == 0.0


def test_mean_of_rank_2_values_is_per_sample_then_weighted():
    v = rng.standard_normal((6, 4)).astype(np.float32)
    w = rng.random(6).astype(np.float32)
    m = M.Mean()
    m.update_state(v)
    np.testing.assert_allclose(_value(m), v.mean(), rtol=1e-6)
    assert float(m.count) == 6.0  # one per sample, not per element
    m.reset_state()
    m.update_state(v, sample_weight=w)
    np.testing.assert_allclose(_value(m), _np_weighted_mean(v.mean(-1), w), rtol=1e-6)
    m.reset_state()
    m.update_state(v, sample_weight=w[:, None])  # (batch, 1) weights: the same
    np.testing.assert_allclose(_value(m), _np_weighted_mean(v.mean(-1), w), rtol=1e-6)
    m.reset_state()
    w2 = rng.random((6, 4)).astype(np.float32)  # elementwise weights
    m.update_state(v, sample_weight=w2)
    np.testing.assert_allclose(_value(m), (v * w2).sum() / w2.sum(), rtol=1e-5)


def test_mean_scalar_values_count_one_each_and_call_returns_result():
    m = M.Mean(name="avg")
    assert m.name == "avg"
    m.update_state(2.0)
    out = m(5.0)  # update_state, then result()
    assert float(m.count) == 2.0
    np.testing.assert_allclose(float(out), 3.5)
    assert [v.name.split(":")[0] for v in m.variables] == ["total", "count"]
    assert not any(v.trainable for v in m.variables)
    assert m.get_config() == {"name": "avg", "dtype": "float32"}


# -- the metric functions -------------------------------------------------------------------------
def test_accuracy_function_is_exact_elementwise_equality():
    y = np.array([[1.0], [2.0], [3.0], [4.0]], np.float32)
    p = np.array([[1.0], [2.5], [3.0], [0.0]], np.float32)
    np.testing.assert_array_equal(M.accuracy(y, p).numpy(), [[1], [0], [1], [0]])
    # (batch,) labels against (batch, 1) predictions line up instead of broadcasting
    out = M.accuracy(y[:, 0], p)
    assert out.shape == (4, 1) and out.dtype == tf.float32
    np.testing.assert_array_equal(out.numpy()[:, 0], [1, 0, 1, 0])
    # int labels against float predictions: compared as numbers
    np.testing.assert_array_equal(
        M.accuracy(tf.constant([1, 2, 3], tf.int64), tf.constant([1.0, 2.0, 0.0])).numpy(), [1, 1, 0])
    assert M.acc is M.accuracy


def test_binary_accuracy_function_against_numpy():
    y = (rng.random((10, 3)) > 0.5).astype(np.float32)
    p = rng.random((10, 3)).astype(np.float32)
    out = M.binary_accuracy(y, p)
    assert out.shape == (10,) and out.dtype == tf.float32
    np.testing.assert_allclose(out.numpy(), _np_binary(y, p), rtol=1e-6)
    np.testing.assert_allclose(M.binary_accuracy(y, p, threshold=0.8).numpy(),
                               _np_binary(y, p, 0.8), rtol=1e-6)
    # int labels, and (batch,) labels against (batch, 1) probabilities
    lab = (rng.random(10) > 0.5).astype(np.int64)
    p1 = rng.random((10, 1)).astype(np.float32)
    np.testing.assert_array_equal(M.binary_accuracy(tf.constant(lab), p1).numpy(),
                                  _np_binary(lab[:, None].astype(np.float32), p1))
    np.testing.assert_array_equal(M.binary_accuracy(lab, p1).numpy(),
                                  _np_binary(lab[:, None].astype(np.float32), p1))
    # rank-1 inputs: one value per element
    np.testing.assert_array_equal(M.binary_accuracy([1.0, 0.0, 1.0], [0.7, 0.2, 0.4]).numpy(),
                                  [1, 1, 0])


def test_categorical_accuracy_function_against_numpy():
    labels = rng.integers(0, 5, 12)
    y = np.eye(5, dtype=np.float32)[labels]
    p = rng.random((12, 5)).astype(np.float32)
    p[0] = 0.0
    p[0, labels[0]] = 1.0  # at least one right
    out = M.categorical_accuracy(y, p)
    assert out.shape == (12,) and out.dtype == tf.float32
    np.testing.assert_array_equal(out.numpy(), _np_categorical(y, p))
    assert out.numpy()[0] == 1.0
    # ties go to the first index, as tf.argmax / np.argmax
    tie = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]], np.float32)
    np.testing.assert_array_equal(
        M.categorical_accuracy(np.array([[1, 0, 0], [0, 1, 0]], np.float32), tie).numpy(), [1, 0])


@pytest.mark.parametrize("kind", ["float (batch,)", "float (batch, 1)", "int64 (batch,)",
                                  "int32 tensor", "float tensor (batch, 1)", "numpy int"])
def test_sparse_categorical_accuracy_function_label_forms(kind):
    labels = rng.integers(0, 4, 9)
    p = rng.random((9, 4)).astype(np.float32)
    p[:3] = np.eye(4, dtype=np.float32)[labels[:3]]  # three certainly right
    y = {"float (batch,)": labels.astype(np.float32),
         "float (batch, 1)": labels.astype(np.float32)[:, None],
         "int64 (batch,)": tf.constant(labels, tf.int64),
         "int32 tensor": tf.constant(labels.astype(np.int32), tf.int32),
         "float tensor (batch, 1)": tf.constant(labels.astype(np.float32)[:, None]),
         "numpy int": labels}[kind]
    out = M.sparse_categorical_accuracy(y, p)
    assert out.shape == (9,) and out.dtype == tf.float32
    np.testing.assert_array_equal(out.numpy(), _np_sparse(labels, p))
    assert out.numpy()[:3].tolist() == [1.0, 1.0, 1.0]


def test_metric_functions_reject_mismatched_shapes_naming_the_metric():
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"sparse_categorical_accuracy: .*\(4, 2\)"):
        M.sparse_categorical_accuracy(np.zeros((4, 2)), np.zeros((4, 3), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="categorical_accuracy: .*one-hot"):
        M.categorical_accuracy(np.zeros((4, 2)), np.zeros((4, 3), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="binary_accuracy"):
        M.binary_accuracy(np.zeros((4, 2)), np.zeros((4, 3), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=re.escape("binary_accuracy: sample_weight of shape (5,) does not "
                                       "match values of shape (4,)")):
        M.BinaryAccuracy().update_state(np.zeros((4, 3)), np.zeros((4, 3)), np.ones(5))


# -- the metric classes ---------------------------------------------------------------------------
def _two_batches(make_y, make_p, n=(7, 5)):
    ys = [make_y(k) for k in n]
    ps = [make_p(k) for k in n]
    ws = [rng.random(k).astype(np.float32) for k in n]
    return ys, ps, ws


CLASS_CASES = {
    "MeanSquaredError": (M.MeanSquaredError, "mean_squared_error",
                         lambda k: rng.standard_normal((k, 3)).astype(np.float32),
                         lambda k: rng.standard_normal((k, 3)).astype(np.float32),
                         lambda y, p: ((p - y) ** 2).mean(-1)),
    "MeanAbsoluteError": (M.MeanAbsoluteError, "mean_absolute_error",
                          lambda k: rng.standard_normal((k, 3)).astype(np.float32),
                          lambda k: rng.standard_normal((k, 3)).astype(np.float32),
                          lambda y, p: np.abs(p - y).mean(-1)),
    "Accuracy": (M.Accuracy, "accuracy",
                 lambda k: rng.integers(0, 3, (k, 1)).astype(np.float32),
                 lambda k: rng.integers(0, 3, (k, 1)).astype(np.float32),
                 lambda y, p: (y == p).astype(np.float32)[:, 0]),
    "BinaryAccuracy": (M.BinaryAccuracy, "binary_accuracy",
                       lambda k: (rng.random((k, 2)) > 0.5).astype(np.float32),
                       lambda k: rng.random((k, 2)).astype(np.float32),
                       _np_binary),
    "CategoricalAccuracy": (M.CategoricalAccuracy, "categorical_accuracy",
                            lambda k: np.eye(4, dtype=np.float32)[rng.integers(0, 4, k)],
                            lambda k: rng.random((k, 4)).astype(np.float32),
                            _np_categorical),
    "SparseCategoricalAccuracy": (M.SparseCategoricalAccuracy, "sparse_categorical_accuracy",
                                  lambda k: rng.integers(0, 4, (k, 1)).astype(np.float32),
                                  lambda k: rng.random((k, 4)).astype(np.float32),
                                  _np_sparse),
}


@pytest.mark.parametrize("case", sorted(CLASS_CASES))
def test_metric_class_accumulates_weights_and_resets(case):
    cls, name, make_y, make_p, per_sample = CLASS_CASES[case]
    ys, ps, ws = _two_batches(make_y, make_p)
    ref = np.concatenate([per_sample(y, p) for y, p in zip(ys, ps)])
    m = cls()
    assert m.name == name and _value(m) == 0.0
    for y, p in zip(ys, ps):
        m.update_state(y, tf.constant(p))
    np.testing.assert_allclose(_value(m), ref.mean(), rtol=1e-6)
    m.reset_state()
    assert _value(m) == 0.0
    for y, p, w in zip(ys, ps, ws):
        m.update_state(tf.constant(y), p, sample_weight=w)
    np.testing.assert_allclose(_value(m), _np_weighted_mean(ref, np.concatenate(ws)), rtol=1e-5)
    # the same batch again after a reset gives that batch's value alone
    m.reset_state()
    m.update_state(ys[1], ps[1])
    np.testing.assert_allclose(_value(m), per_sample(ys[1], ps[1]).mean(), rtol=1e-6)
    assert cls(name="custom").name == "custom"


def test_binary_accuracy_threshold_and_accuracy_values():
    y = np.array([[1.0], [0.0], [1.0], [0.0]], np.float32)
    logits = np.array([[0.3], [-2.0], [-0.1], [0.2]], np.float32)
    default = M.BinaryAccuracy()
    default.update_state(y, logits)  # 0.5 on logits: only the label-0 rows are "right"
    assert _value(default) == 0.5
    at_zero = M.BinaryAccuracy(threshold=0.0)
    at_zero.update_state(y, logits)  # > 0: rows 0, 1 right, 2 and 3 wrong
    assert _value(at_zero) == 0.5 and at_zero.threshold == 0.0
    assert at_zero.get_config()["threshold"] == 0.0
    at_zero.update_state(np.array([[1.0]], np.float32), np.array([[5.0]], np.float32))
    np.testing.assert_allclose(_value(at_zero), 3 / 5, rtol=1e-6)


def test_mean_metric_wrapper_averages_any_function():
    def max_abs(y_true, y_pred):
        return tf.reduce_max(tf.abs(tf.subtract(y_pred, y_true)), -1)
    y, p = rng.standard_normal((6, 3)).astype(np.float32), rng.standard_normal((6, 3)).astype(np.float32)
    m = M.MeanMetricWrapper(max_abs)
    assert m.name == "max_abs"
    m.update_state(y, p)
    np.testing.assert_allclose(_value(m), np.abs(p - y).max(-1).mean(), rtol=1e-6)


# -- get ------------------------------------------------------------------------------------------
def test_get_names_instances_and_functions():
    assert M.get("accuracy") is M.accuracy and M.get("acc") is M.accuracy
    assert M.get("binary_accuracy") is M.binary_accuracy
    assert M.get("categorical_accuracy") is M.categorical_accuracy
    assert M.get("sparse_categorical_accuracy") is M.sparse_categorical_accuracy
    assert M.get("mse") is M.mean_squared_error is keras.losses.mean_squared_error
    assert M.get("mae") is M.get("mean_absolute_error") is M.mean_absolute_error
    made = M.get("BinaryAccuracy")
    assert isinstance(made, M.BinaryAccuracy) and made.name == "binary_accuracy"
    assert isinstance(M.get(M.CategoricalAccuracy), M.CategoricalAccuracy)
    inst = M.Mean()
    assert M.get(inst) is inst
    fn = lambda y_true, y_pred: y_pred  # noqa: E731
    assert M.get(fn) is fn
    assert M.get(None) is None


def test_get_unknown_names_raise_as_keras():
    with pytest.raises(ValueError, match=re.escape("Unknown metric function: 'bogus'")):
        M.get("bogus")
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 3"):
        M.get(3)


# -- compile --------------------------------------------------------------------------------------
def _clf(units, seed=0):
    tf.random.set_seed(seed)
    m = keras.Sequential([keras.layers.Dense(6, activation="tanh"), keras.layers.Dense(units)])
    m.build((None, 3))
    return m


@pytest.mark.parametrize("loss,units,labels,expected", [
    # Keras' rule: the shapes of the first batch decide, whatever the loss.
    ("binary_crossentropy", 1, "binary", M.binary_accuracy),
    ("mse", 1, "binary", M.binary_accuracy),
    ("categorical_crossentropy", 4, "onehot", M.categorical_accuracy),
    ("binary_crossentropy", 4, "onehot", M.categorical_accuracy),
    (keras.losses.CategoricalCrossentropy(from_logits=True), 4, "onehot", M.categorical_accuracy),
    ("sparse_categorical_crossentropy", 4, "sparse", M.sparse_categorical_accuracy),
    ("sparse_categorical_crossentropy", 4, "sparse_col", M.sparse_categorical_accuracy),
    (lambda y_true, y_pred: keras.losses.mean_squared_error(y_true, y_pred), 4, "onehot",
     M.categorical_accuracy),
])
def test_accuracy_string_resolves_by_shapes_as_keras(loss, units, labels, expected):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((16, 3)).astype(np.float32)
    k = rng.integers(0, units, 16)
    y = {"binary": (rng.random((16, 1)) < 0.5).astype(np.float32),
         "onehot": np.eye(units, dtype=np.float32)[k],
         "sparse": k, "sparse_col": k[:, None]}[labels]
    m = _clf(units)
    m.compile(optimizer="sgd", loss=loss, metrics=["accuracy", "acc"])
    assert [x.name for x in m.metrics] == ["accuracy", "acc"]
    assert m.metrics_names == ["loss", "accuracy", "acc"]
    loss_value, acc, acc2 = m.evaluate(x, y, batch_size=16, verbose=0)
    assert [x._fn for x in m.metrics] == [expected, expected]
    pred = m.predict(x, verbose=0)
    want = float(np.mean(expected(y, pred).numpy()))
    assert acc == pytest.approx(want, abs=1e-6) and acc2 == pytest.approx(want, abs=1e-6)


def test_compile_metric_names_as_keras():
    def my_metric(y_true, y_pred):
        """Per-sample max of y_pred."""
        return tf.reduce_max(y_pred, -1)
    inst = M.MeanAbsoluteError(name="l1")
    m = _clf(1)
    m.compile(optimizer="sgd", loss="mse",
              metrics=["mse", "mean_squared_error", "mae", my_metric, inst, "BinaryAccuracy"])
    assert m.metrics_names == ["loss", "mse", "mean_squared_error", "mae", "my_metric", "l1",
                               "binary_accuracy"]
    assert m.metrics[4] is inst
    assert isinstance(m.metrics[0], M.MeanMetricWrapper)


def test_compile_with_metrics_no_longer_warns():
    m = _clf(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy", "mse"])
    assert len(m.metrics) == 2


def test_compile_rejects_bad_metrics():
    m = _clf(1)
    with pytest.raises(ValueError, match=re.escape("Unknown metric function: 'bogus'")):
        m.compile(optimizer="sgd", loss="mse", metrics=["accuracy", "bogus"])
    with pytest.raises(TypeError, match="`metrics` argument to be a list or tuple"):
        m.compile(optimizer="sgd", loss="mse", metrics="accuracy")
    with pytest.raises(ValueError, match="Could not interpret metric identifier"):
        m.compile(optimizer="sgd", loss="mse", metrics=[None])


# -- fit / evaluate -------------------------------------------------------------------------------
def _binary_data(n=96, seed=1):
    r = np.random.default_rng(seed)
    x = r.standard_normal((n, 3)).astype(np.float32)
    y = (x[:, :1] - 0.5 * x[:, 1:2] > 0).astype(np.float32)
    return x, y


def _sigmoid_model(seed=0):
    tf.random.set_seed(seed)
    m = keras.Sequential([keras.layers.Dense(6, activation="tanh"),
                          keras.layers.Dense(1, activation="sigmoid")])
    m.build((None, 3))
    return m


def test_fit_history_with_frozen_weights_equals_numpy_on_the_predictions():
    x, y = _binary_data()
    xv, yv = x[:40] * 1.5, y[:40]
    m = _sigmoid_model()
    m.compile(optimizer=keras.optimizers.SGD(0.0), loss="binary_crossentropy",
              metrics=["accuracy", "mse", "mae"])
    h = m.fit(x, y, epochs=2, batch_size=16, verbose=0, validation_data=(xv, yv))
    assert list(h.history) == ["loss", "accuracy", "mse", "mae",
                               "val_loss", "val_accuracy", "val_mse", "val_mae"]
    p, pv = m.predict(x, verbose=0), m.predict(xv, verbose=0)
    want = {"accuracy": _np_binary(y, p).mean(), "mse": ((p - y) ** 2).mean(),
            "mae": np.abs(p - y).mean(), "val_accuracy": _np_binary(yv, pv).mean(),
            "val_mse": ((pv - yv) ** 2).mean(), "val_mae": np.abs(pv - yv).mean()}
    for key, value in want.items():
        assert len(h.history[key]) == 2
        np.testing.assert_allclose(h.history[key], [value, value], rtol=1e-5, err_msg=key)
    assert 0.0 < want["accuracy"] < 1.0  # a non-trivial value


def test_fit_metrics_are_per_step_predictions_before_each_update_and_reset_each_epoch():
    x, y = _binary_data(80)
    m1 = _sigmoid_model(3)
    m1.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy",
               metrics=["accuracy", "mse"])
    h = m1.fit(x, y, epochs=3, batch_size=16, verbose=0, shuffle=False)
    # The same training by hand: each epoch's metric is the mean over that epoch's steps of
    # the step's predictions (computed before its update), nothing carried over.
    m2 = _sigmoid_model(3)
    opt = keras.optimizers.SGD(0.5)
    bce = keras.losses.BinaryCrossentropy()
    want_acc, want_mse = [], []
    for _ in range(3):
        accs, errs = [], []
        for s in range(0, 80, 16):
            with tf.GradientTape() as tape:
                pred = m2(x[s:s + 16])
                loss = bce(y[s:s + 16], pred)
            p = pred.numpy()
            accs.append(_np_binary(y[s:s + 16], p))
            errs.append(((p - y[s:s + 16]) ** 2).mean(-1))
            grads = tape.gradient(loss, m2.trainable_variables)
            opt.apply_gradients(zip(grads, m2.trainable_variables))
        want_acc.append(np.concatenate(accs).mean())
        want_mse.append(np.concatenate(errs).mean())
    np.testing.assert_allclose(h.history["accuracy"], want_acc, rtol=1e-5)
    np.testing.assert_allclose(h.history["mse"], want_mse, rtol=1e-5)
    assert len(set(np.round(want_mse, 6))) == 3  # the epochs differ: a carried state would show


def test_metric_state_is_reset_at_each_epoch_start():
    x, y = _binary_data(48)
    seen = []

    class Probe(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            seen.append(("begin", [float(v) for v in self.model.metrics[0].variables]))

        def on_train_batch_end(self, batch, logs=None):
            seen.append(("batch", float(self.model.metrics[0].count), logs["accuracy"]))

    m = _sigmoid_model()
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy",
              metrics=["accuracy"])
    m.fit(x, y, epochs=2, batch_size=16, verbose=0, shuffle=False, callbacks=[Probe()],
          validation_data=(x[:8], y[:8]))
    begins = [s for s in seen if s[0] == "begin"]
    assert begins == [("begin", [0.0, 0.0])] * 2
    counts = [s[1] for s in seen if s[0] == "batch"]
    assert counts == [16.0, 32.0, 48.0] * 2
    assert all(0.0 <= s[2] <= 1.0 for s in seen if s[0] == "batch")


def test_metric_updates_run_outside_the_gradient_tape():
    x, y = _binary_data(48)
    recording = []

    def spy(y_true, y_pred):
        """Records whether a tape is recording while the metric runs."""
        recording.append(_core._recording())
        return keras.losses.mean_squared_error(y_true, y_pred)

    class SpyAccuracy(M.BinaryAccuracy):
        def update_state(self, y_true, y_pred, sample_weight=None):
            recording.append(_core._recording())
            super().update_state(y_true, y_pred, sample_weight)

    m = _sigmoid_model()
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy",
              metrics=[spy, SpyAccuracy()])
    h = m.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert recording == [False] * 6  # 3 steps x 2 metrics, none under a recording tape
    assert list(h.history) == ["loss", "spy", "binary_accuracy"]


def test_fit_without_metrics_matches_fit_with_metrics():
    # the metrics only observe: the trained weights and losses are the same
    x, y = _binary_data(64)
    runs = []
    for metrics in (None, ["accuracy", "mse"]):
        m = _sigmoid_model(5)
        m.compile(optimizer=keras.optimizers.SGD(0.3), loss="binary_crossentropy", metrics=metrics)
        h = m.fit(x, y, epochs=2, batch_size=16, verbose=0)
        runs.append((h.history["loss"], m.get_weights()))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)


def test_fit_progress_bar_shows_metrics_in_keras_format(capsys):
    x, y = _binary_data(64)
    m = _sigmoid_model()
    m.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy",
              metrics=["accuracy", "mae"])
    h = m.fit(x, y, epochs=2, batch_size=16, verbose=1, validation_data=(x[:16], y[:16]))
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.startswith("4/4")]
    assert len(lines) == 2
    for epoch, line in enumerate(lines):
        tail = line.split("/step - ", 1)[1]
        hist = {k: v[epoch] for k, v in h.history.items()}
        assert tail == (f"loss: {hist['loss']:.4f} - accuracy: {hist['accuracy']:.4f} - "
                        f"mae: {hist['mae']:.4f} - val_loss: {hist['val_loss']:.4f} - "
                        f"val_accuracy: {hist['val_accuracy']:.4f} - val_mae: {hist['val_mae']:.4f}")
    # verbose=2: the same values on one line per epoch
    m.fit(x, y, epochs=1, batch_size=16, verbose=2)
    line = capsys.readouterr().out.splitlines()[-1]
    assert re.fullmatch(r"4/4 - \d+s \d+[mu]s/step - loss: \d\.\d{4} - accuracy: \d\.\d{4} - "
                        r"mae: \d\.\d{4}", line), line


def test_evaluate_returns_loss_and_metrics():
    x, y = _binary_data(50)
    m = _sigmoid_model()
    m.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy", "mse"])
    p = m.predict(x, verbose=0)
    pc = np.clip(p, 1e-7, 1 - 1e-7)
    bce = -(y * np.log(pc) + (1 - y) * np.log(1 - pc)).mean()
    result = m.evaluate(x, y, batch_size=16, verbose=0)
    assert isinstance(result, list) and len(result) == 3
    assert all(isinstance(v, float) for v in result)
    np.testing.assert_allclose(result, [bce, _np_binary(y, p).mean(), ((p - y) ** 2).mean()],
                               rtol=1e-5)
    d = m.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    assert list(d) == ["loss", "accuracy", "mse"]
    np.testing.assert_allclose(list(d.values()), result, rtol=1e-6)
    # evaluate starts from a reset state: a second call gives the same values
    assert m.evaluate(x, y, batch_size=16, verbose=0) == result


def test_evaluate_without_metrics_returns_the_loss_and_prints_metrics(capsys):
    x, y = _binary_data(32)
    m = _sigmoid_model()
    m.compile(optimizer="sgd", loss="binary_crossentropy")
    value = m.evaluate(x, y, verbose=0)
    assert isinstance(value, float)
    assert m.evaluate(x, y, verbose=0, return_dict=True) == {"loss": value}
    m.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    loss, acc = m.evaluate(x, y, batch_size=16)
    assert capsys.readouterr().out == f"2/2 - loss: {loss:.4f} - accuracy: {acc:.4f}\n"
    np.testing.assert_allclose(loss, value, rtol=1e-6)


@pytest.mark.parametrize("label_shape", ["(batch,)", "(batch, 1)"])
def test_fit_sparse_labels_accuracy(label_shape):
    r = np.random.default_rng(2)
    x = r.standard_normal((60, 3)).astype(np.float32)
    labels = r.integers(0, 4, 60)
    y = labels if label_shape == "(batch,)" else labels[:, None]
    m = _clf(4)
    m.compile(optimizer=keras.optimizers.SGD(0.0),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy", keras.metrics.SparseCategoricalAccuracy(name="sca")])
    h = m.fit(x, y, epochs=1, batch_size=16, verbose=0, validation_data=(x[:20], y[:20]))
    logits = m.predict(x, verbose=0)
    want = _np_sparse(labels, logits).mean()
    assert 0.0 < want < 1.0
    np.testing.assert_allclose(h.history["accuracy"], [want], rtol=1e-6)
    np.testing.assert_allclose(h.history["sca"], [want], rtol=1e-6)
    np.testing.assert_allclose(h.history["val_accuracy"], [_np_sparse(labels[:20], logits[:20]).mean()],
                               rtol=1e-6)
    np.testing.assert_allclose(m.evaluate(x, y, verbose=0)[1], want, rtol=1e-6)


def test_fit_categorical_accuracy_with_one_hot_targets():
    r = np.random.default_rng(4)
    x = r.standard_normal((40, 3)).astype(np.float32)
    y = np.eye(4, dtype=np.float32)[r.integers(0, 4, 40)]
    m = _clf(4)
    m.compile(optimizer=keras.optimizers.SGD(0.0),
              loss=keras.losses.CategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    h = m.fit(x, y, epochs=1, batch_size=16, verbose=0)
    np.testing.assert_allclose(h.history["accuracy"],
                               [_np_categorical(y, m.predict(x, verbose=0)).mean()], rtol=1e-6)


def test_sample_weight_weights_only_weighted_metrics():
    x, y = _binary_data(48)
    w = np.random.default_rng(5).random(48).astype(np.float32)
    m = _sigmoid_model()
    m.compile(optimizer=keras.optimizers.SGD(0.0), loss="binary_crossentropy",
              metrics=["mae"], weighted_metrics=["mae", "accuracy"])
    assert m.metrics_names == ["loss", "mae", "weighted_mae", "accuracy"]
    h = m.fit(x, y, sample_weight=w, epochs=1, batch_size=16, verbose=0,
              validation_data=(x, y, w))
    p = m.predict(x, verbose=0)
    err = np.abs(p - y)[:, 0]
    np.testing.assert_allclose(h.history["mae"], [err.mean()], rtol=1e-5)
    np.testing.assert_allclose(h.history["weighted_mae"], [(err * w).sum() / w.sum()], rtol=1e-5)
    acc = _np_binary(y, p)
    np.testing.assert_allclose(h.history["accuracy"], [(acc * w).sum() / w.sum()], rtol=1e-5)
    np.testing.assert_allclose(h.history["val_weighted_mae"], h.history["weighted_mae"], rtol=1e-6)
    res = m.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    np.testing.assert_allclose(res["mae"], err.mean(), rtol=1e-5)
    np.testing.assert_allclose(res["weighted_mae"], (err * w).sum() / w.sum(), rtol=1e-5)


def test_train_on_batch_returns_loss_and_metrics():
    x, y = _binary_data(16)
    m = _sigmoid_model()
    m.compile(optimizer=keras.optimizers.SGD(0.0), loss="binary_crossentropy",
              metrics=["accuracy"])
    p = m.predict(x, verbose=0)
    loss, acc = m.train_on_batch(x, y)
    np.testing.assert_allclose(acc, _np_binary(y, p).mean(), rtol=1e-6)
    assert m.train_on_batch(x, y, return_dict=True) == {"loss": loss, "accuracy": acc}
    m.train_on_batch(x[:8], y[:8], reset_metrics=False)  # accumulates onto the last batch
    assert float(m.metrics[0].count) == 24.0
    m.compile(optimizer=keras.optimizers.SGD(0.0), loss="binary_crossentropy")
    assert isinstance(m.train_on_batch(x, y), float)


def test_reset_metrics():
    m = _sigmoid_model()
    m.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    x, y = _binary_data(8)
    m.evaluate(x, y, verbose=0)
    assert float(m.metrics[0].count) == 8.0
    m.reset_metrics()
    assert float(m.metrics[0].count) == 0.0 and _value(m.metrics[0]) == 0.0


def test_distributed_epoch_logs_combine_the_ranks_totals_and_counts():
    # fit(distributed=True) sums [loss total, sample count, then each mean metric's total and
    # count] over the ranks; a stand-in for the allreduce adds a second rank's values.
    m = _sigmoid_model()
    m.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy", "mse"])
    acc, err = m.metrics
    acc.update_state([[1.0], [0.0], [1.0], [1.0]], [[0.9], [0.2], [0.1], [0.7]])  # 3/4 here
    err.update_state([[1.0], [0.0]], [[0.5], [0.0]])                             # 0.25 / 2

    class OtherRank:
        @staticmethod
        def _allreduce_floats(values):
            assert values == [2.0, 4.0, 3.0, 4.0, 0.25, 2.0]
            return [a + b for a, b in zip(values, [6.0, 12.0, 1.0, 4.0, 1.75, 2.0])]

    logs = m._allreduce_logs(OtherRank, 2.0, 4)
    assert list(logs) == ["loss", "accuracy", "mse"]
    np.testing.assert_allclose([logs["loss"], logs["accuracy"], logs["mse"]],
                               [8 / 16, 4 / 8, 2.0 / 4], rtol=1e-7)


def test_early_stopping_auto_mode_maximises_accuracies():
    assert keras.callbacks.EarlyStopping().mode == "min"  # val_loss
    assert keras.callbacks.EarlyStopping(monitor="val_mse").mode == "min"
    for name in ("val_accuracy", "accuracy", "val_acc", "binary_accuracy"):
        assert keras.callbacks.EarlyStopping(monitor=name).mode == "max"
    assert keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="min").mode == "min"

    class Model:
        stop_training = False

    es = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=1)
    es.set_model(Model())
    es.on_train_begin()
    for epoch, value in enumerate([0.5, 0.6, 0.7, 0.65]):
        assert not es.model.stop_training
        es.on_epoch_end(epoch, {"val_accuracy": value})
    assert es.model.stop_training and es.stopped_epoch == 3


def test_every_public_name_of_keras_metrics_is_documented():
    assert "metrics" in keras.__all__ and keras.metrics is M
    missing = []
    for name in M.__all__:
        obj = getattr(M, name)
        if not inspect.getdoc(obj):
            missing.append(name)
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and callable(member) and not inspect.getdoc(member):
                    missing.append(f"{name}.{attr}")
    assert not missing, f"no docstring: {missing}"


def test_distributed_epoch_logs_combine_confusion_metrics():
    # Precision, RMSE and AUC keep sums too (confusion counts, squared-error totals): the ranks'
    # states are added, so each result is the one of both ranks' samples together.
    m = _sigmoid_model()
    mets = [keras.metrics.Precision(), keras.metrics.RootMeanSquaredError(),
            keras.metrics.AUC(num_thresholds=7)]
    m.compile(optimizer="sgd", loss="binary_crossentropy", metrics=mets)
    y1, p1 = [[1.0], [0.0], [1.0], [0.0]], [[0.9], [0.8], [0.3], [0.1]]
    y2, p2 = [[1.0], [1.0], [0.0]], [[0.6], [0.95], [0.7]]
    for metric in m.metrics:
        metric.update_state(y1, p1)
    others = [type(metric)(**({"num_thresholds": 7} if isinstance(metric, keras.metrics.AUC) else {}))
              for metric in m.metrics]
    for metric in others:
        metric.update_state(y2, p2)
    other_flat = [float(x) for o in others for v in o.variables for x in np.ravel(v.numpy())]

    class OtherRank:
        @staticmethod
        def _allreduce_floats(values):
            return [a + b for a, b in zip(values, [3.0, 3.0] + other_flat)]

    logs = m._allreduce_logs(OtherRank, 1.0, 4)
    refs = [type(metric)(**({"num_thresholds": 7} if isinstance(metric, keras.metrics.AUC) else {}))
            for metric in m.metrics]
    for ref in refs:
        ref.update_state(y1 + y2, p1 + p2)
    assert logs["loss"] == 4.0 / 7
    for metric, ref in zip(m.metrics, refs):
        np.testing.assert_allclose(logs[metric.name], float(ref.result()), rtol=1e-6)
    assert logs["precision"] != 0.5  # rank 1 alone: 1 of 2 predicted positives
