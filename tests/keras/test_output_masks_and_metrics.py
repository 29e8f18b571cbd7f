"""compile/fit/evaluate with padding masks on the outputs (Keras weighs the loss and the mean
metrics by them) and with metrics of several outputs ('<output>_<metric>' logs)."""
import numpy as np
import pytest

from tapegrad import keras
from tapegrad.keras import layers as L

RNG = np.random.default_rng(11)


def _seq_data(n=6, t=5, vocab=9):
    ids = RNG.integers(1, vocab, (n, t))
    lengths = RNG.integers(1, t + 1, n)
    for i, k in enumerate(lengths):
        ids[i, k:] = 0  # padding at the end
    y = RNG.standard_normal((n, t, 2)).astype(np.float32)
    return ids, y, (ids != 0)


def _masked_mse(pred, y, mask, w=None):
    per_step = np.mean((pred - y) ** 2, -1)
    weights = mask.astype(np.float64) * (1.0 if w is None else w[:, None])
    return np.sum(per_step * weights) / (mask.sum() + 1e-7)


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_loss_and_mean_metrics_skip_masked_steps(kind):
    ids, y, mask = _seq_data()
    layers = [L.Embedding(9, 4, mask_zero=True), L.SimpleRNN(3, return_sequences=True), L.Dense(2)]
    if kind == "sequential":
        model = keras.Sequential(layers)
    else:
        inp = keras.Input(shape=(ids.shape[1],), dtype="int64")
        h = inp
        for layer in layers:
            h = layer(h)
        model = keras.Model(inp, h)
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    pred = model.predict(ids, verbose=0)
    logs = model.evaluate(ids, y, batch_size=len(ids), verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], _masked_mse(pred, y, mask), rtol=1e-5)
    mae = np.sum(np.mean(np.abs(pred - y), -1) * mask) / mask.sum()
    np.testing.assert_allclose(logs["mae"], mae, rtol=1e-5)
    # what the padded steps' targets say changes nothing: not the loss, not the step
    y2 = y.copy()
    y2[~mask] = 1e3
    logs2 = model.evaluate(ids, y2, batch_size=len(ids), verbose=0, return_dict=True)
    np.testing.assert_allclose(logs2["loss"], logs["loss"], rtol=1e-6)
    w0 = [v.numpy().copy() for v in model.trainable_variables]
    model.train_on_batch(ids, y)
    w1 = [v.numpy().copy() for v in model.trainable_variables]
    for v, w in zip(model.trainable_variables, w0):
        v.assign(w)
    model.train_on_batch(ids, y2)
    for v, w in zip(model.trainable_variables, w1):
        np.testing.assert_allclose(v.numpy(), w, rtol=1e-6, atol=1e-7)


def test_mask_and_per_sample_weights_combine_as_keras():
    ids, y, mask = _seq_data(n=8)
    model = keras.Sequential([L.Embedding(9, 4, mask_zero=True), L.GRU(3, return_sequences=True), L.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    w = RNG.uniform(0.5, 2.0, len(ids)).astype(np.float32)
    pred = model.predict(ids, verbose=0)
    got = model.evaluate(ids, y, sample_weight=w, batch_size=len(ids), verbose=0)
    np.testing.assert_allclose(got, _masked_mse(pred, y, mask, w), rtol=1e-5)
    # 'sum' reduction: no rescaling by total / valid
    model.compile(optimizer="sgd", loss=keras.losses.MeanSquaredError(reduction="sum"))
    got = model.evaluate(ids, y, batch_size=len(ids), verbose=0)
    np.testing.assert_allclose(got, np.sum(np.mean((pred - y) ** 2, -1) * mask), rtol=1e-5)


def test_unmasked_models_are_unchanged():
    x = RNG.standard_normal((10, 3)).astype(np.float32)
    y = RNG.standard_normal((10, 1)).astype(np.float32)
    model = keras.Sequential([L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    logs = model.evaluate(x, y, batch_size=10, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    np.testing.assert_allclose(logs["loss"], np.mean((p - y) ** 2), rtol=1e-5)
    assert list(logs) == ["loss", "mae"]


def _two_outputs():
    inp = keras.Input(shape=(3,))
    h = L.Dense(8, activation="tanh")(inp)
    reg = L.Dense(1, name="reg")(h)
    cls = L.Dense(3, name="cls")(h)
    return keras.Model(inp, [reg, cls])


def test_metrics_of_several_outputs_dict_and_list_of_lists():
    x = RNG.standard_normal((40, 3)).astype(np.float32)
    y_reg = RNG.standard_normal((40, 1)).astype(np.float32)
    y_cls = RNG.integers(0, 3, 40)
    model = _two_outputs()
    model.compile(optimizer="adam", loss={"reg": "mse", "cls": keras.losses.SparseCategoricalCrossentropy(from_logits=True)},
                  metrics={"reg": ["mae", keras.metrics.RootMeanSquaredError()], "cls": "sparse_categorical_accuracy"})
    logs = model.evaluate(x, [y_reg, y_cls], batch_size=40, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "reg_loss", "cls_loss", "reg_mae", "reg_root_mean_squared_error",
                          "cls_sparse_categorical_accuracy"]
    pr, pc = model.predict(x, verbose=0)
    np.testing.assert_allclose(logs["reg_mae"], np.mean(np.abs(pr - y_reg)), rtol=1e-5)
    np.testing.assert_allclose(logs["reg_root_mean_squared_error"], np.sqrt(np.mean((pr - y_reg) ** 2)), rtol=1e-5)
    np.testing.assert_allclose(logs["cls_sparse_categorical_accuracy"], np.mean(np.argmax(pc, 1) == y_cls), rtol=1e-6)
    hist = model.fit(x, [y_reg, y_cls], epochs=2, batch_size=8, verbose=0)
    assert set(hist.history) == set(logs)
    # a list of lists (None: no metric for that output); weighted metrics too
    model.compile(optimizer="adam", loss=["mse", keras.losses.SparseCategoricalCrossentropy(from_logits=True)],
                  metrics=[None, ["accuracy"]], weighted_metrics=[["mse"], None])
    w = RNG.uniform(0.1, 1.0, 40).astype(np.float32)
    logs = model.evaluate(x, [y_reg, y_cls], sample_weight=w, batch_size=40, verbose=0, return_dict=True)
    assert list(logs) == ["loss", "reg_loss", "cls_loss", "cls_accuracy", "reg_mse"]
    pr, pc = model.predict(x, verbose=0)
    np.testing.assert_allclose(logs["reg_mse"], np.sum(w * np.mean((pr - y_reg) ** 2, 1)) / w.sum(), rtol=1e-5)
    np.testing.assert_allclose(logs["cls_accuracy"], np.mean(np.argmax(pc, 1) == y_cls), rtol=1e-6)
    out = model.train_on_batch(x, [y_reg, y_cls], return_dict=True)
    assert list(out) == list(logs)


def test_metrics_of_several_outputs_errors():
    model = _two_outputs()
    with pytest.raises(ValueError, match=r"`metrics` names \['nope'\], which are not outputs of the model; its outputs are \['reg', 'cls'\]"):
        model.compile(optimizer="sgd", loss="mse", metrics={"nope": ["mae"]})
    with pytest.raises(ValueError, match=r"must be a dict by output name or a list of 2 lists"):
        model.compile(optimizer="sgd", loss="mse", metrics=[["mae"], ["mae"], ["mae"]])
    with pytest.raises(ValueError, match=r"the metric 'mean_absolute_error' would be shared by the 2 outputs"):
        model.compile(optimizer="sgd", loss="mse", metrics=[keras.metrics.MeanAbsoluteError()])
    with pytest.raises(TypeError, match=r"Expected `metrics` argument to be a list, tuple or dict"):
        model.compile(optimizer="sgd", loss="mse", metrics="mae")
