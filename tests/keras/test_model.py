"""keras.Model: subclassed models (variables tracked from attributes, custom GradientTape
training, compile/fit), functional models (keras.Input, graphs with several inputs and
outputs, shared layers, nested models, arithmetic on KerasTensors), regularization losses
added by fit, and errors for disconnected graphs and bad inputs."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

L = keras.layers
RNG = np.random.default_rng(21)


class MLP(keras.Model):
    def __init__(self, hidden=8, **kwargs):
        super().__init__(**kwargs)
        self.hidden = L.Dense(hidden, activation="relu")
        self.drop = L.Dropout(0.5)
        self.out = L.Dense(1)

    def call(self, inputs, training=None):
        return self.out(self.drop(self.hidden(inputs), training=training))


def regression(n=128):
    x = RNG.standard_normal((n, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype(np.float32)
    return x, y


def test_subclassed_model_tracks_layers_and_trains_with_a_tape():
    tf.random.set_seed(0)
    model = MLP()
    assert model.name == "mlp" and model.weights == [] and not model.built
    x, y = regression()
    y0 = model(x)
    assert tuple(y0.shape) == (128, 1) and model.built
    assert [v.name.split("/")[-1] for v in model.trainable_variables] == ["kernel:0", "bias:0"] * 2
    assert model.layers == [model.hidden, model.drop, model.out]
    opt = keras.optimizers.Adam(0.05)
    losses = []
    for _ in range(60):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(x, training=True) - y) ** 2)
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        losses.append(float(loss))
    assert losses[-1] < 0.3 * losses[0]
    # inference leaves Dropout off: two calls agree
    np.testing.assert_array_equal(model(x).numpy(), model(x).numpy())


def test_subclassed_model_compile_fit_evaluate_predict_save(tmp_path):
    tf.random.set_seed(1)
    x, y = regression()
    model = MLP(hidden=16)
    model.compile(optimizer=keras.optimizers.Adam(0.03), loss="mse", metrics=["mae"])
    hist = model.fit(x, y, epochs=25, batch_size=16, verbose=0)  # builds on the first sample
    assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]  # with Dropout on
    loss, mae = model.evaluate(x, y, verbose=0)
    assert loss < 0.2 * hist.history["loss"][0] and mae < 0.6
    assert model.predict(x[:5], verbose=0).shape == (5, 1)
    path = str(tmp_path / "w.npz")
    model.save_weights(path)
    other = MLP(hidden=16)
    other(x[:1])
    other.load_weights(path)
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))
    assert model.get_layer(model.out.name) is model.out
    assert model.get_layer(index=0) is model.hidden
    with pytest.raises(ValueError, match="no such layer"):
        model.get_layer("nope")


def test_model_without_call_or_graph():
    with pytest.raises(NotImplementedError, match="implement call"):
        keras.Model()(np.ones((1, 2)))


def test_functional_model_matches_its_layers():
    inputs = keras.Input(shape=(4,))
    h = L.Dense(6, activation="relu")(inputs)
    outputs = L.Dense(2)(h)
    model = keras.Model(inputs, outputs, name="func")
    assert [type(l).__name__ for l in model.layers] == ["InputLayer", "Dense", "Dense"]
    assert model.input_shape == (None, 4) and model.output_shape == (None, 2)
    x = RNG.standard_normal((5, 4)).astype(np.float32)
    d1, d2 = model.layers[1], model.layers[2]
    want = np.maximum(x @ d1.kernel.numpy() + d1.bias.numpy(), 0) @ d2.kernel.numpy() + d2.bias.numpy()
    np.testing.assert_allclose(model(x).numpy(), want, rtol=1e-5, atol=1e-6)
    assert len(model.trainable_variables) == 4 and model.count_params() == 4 * 6 + 6 + 6 * 2 + 2
    lines = []
    model.summary(print_fn=lines.append)
    assert any("dense" in line and "(None, 2)" in line for line in lines)


def test_functional_several_inputs_and_outputs_shared_layer_and_ops():
    a = keras.Input(shape=(3,), name="a")
    b = keras.Input(shape=(3,), name="b")
    shared = L.Dense(4)
    ha, hb = shared(a), shared(b)  # one layer, two calls: one set of weights
    merged = L.Concatenate()([ha, hb])
    out1 = L.Dense(1)(merged)
    out2 = (ha - hb) * 2.0 + 1.0  # arithmetic on KerasTensors
    model = keras.Model(inputs=[a, b], outputs=[out1, out2])
    assert len(model.trainable_variables) == 4  # shared kernel+bias, head kernel+bias
    xa = RNG.standard_normal((2, 3)).astype(np.float32)
    xb = RNG.standard_normal((2, 3)).astype(np.float32)
    o1, o2 = model([xa, xb])
    k, bias = shared.kernel.numpy(), shared.bias.numpy()
    pa, pb = xa @ k + bias, xb @ k + bias
    np.testing.assert_allclose(o2.numpy(), (pa - pb) * 2 + 1, rtol=1e-5, atol=1e-6)
    head = model.layers[-1] if isinstance(model.layers[-1], L.Dense) else [
        l for l in model.layers if isinstance(l, L.Dense) and l is not shared][0]
    np.testing.assert_allclose(o1.numpy(), np.concatenate([pa, pb], 1) @ head.kernel.numpy()
                               + head.bias.numpy(), rtol=1e-5, atol=1e-6)
    # gradients reach the shared weights through both branches
    with tf.GradientTape() as tape:
        o1, o2 = model([xa, xb])
        loss = tf.reduce_sum(o1) + tf.reduce_sum(o2)
    grads = tape.gradient(loss, model.trainable_variables)
    assert all(g is not None for g in grads)
    # compiled metrics of several outputs (a flat list: each on every output), per-output losses
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    ya, yb = xa[:, :1], np.concatenate([xa, xa[:, :1]], 1)
    logs = model.evaluate([xa, xb], [ya, yb], verbose=0, return_dict=True)
    n1, n2 = model.loss.names
    assert list(logs) == ["loss", f"{n1}_loss", f"{n2}_loss", f"{n1}_mae", f"{n2}_mae"]
    assert model.metrics_names == list(logs)
    p1, p2 = (o.numpy() for o in model([xa, xb]))
    np.testing.assert_allclose(logs[f"{n1}_loss"], np.mean((p1 - ya) ** 2), rtol=1e-5)
    np.testing.assert_allclose(logs[f"{n2}_mae"], np.mean(np.abs(p2 - yb)), rtol=1e-5)
    np.testing.assert_allclose(logs["loss"], logs[f"{n1}_loss"] + logs[f"{n2}_loss"], rtol=1e-5)


def test_functional_dict_inputs_and_fit_with_two_inputs():
    tf.random.set_seed(2)
    a = keras.Input(shape=(2,), name="left")
    b = keras.Input(shape=(1,), name="right")
    out = L.Dense(1)(L.Concatenate()([a, b]))
    model = keras.Model({"left": a, "right": b}, out)
    xa = RNG.standard_normal((96, 2)).astype(np.float32)
    xb = RNG.standard_normal((96, 1)).astype(np.float32)
    y = (xa[:, :1] - 2 * xa[:, 1:] + 3 * xb).astype(np.float32)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    hist = model.fit({"left": xa, "right": xb}, y, epochs=40, batch_size=16, verbose=0,
                     validation_split=0.25)
    assert hist.history["loss"][-1] < 0.05 and "val_loss" in hist.history
    pred = model.predict({"left": xa[:4], "right": xb[:4]}, verbose=0)
    np.testing.assert_allclose(pred, y[:4], atol=0.3)
    with pytest.raises(ValueError, match="missing model inputs"):
        model({"left": xa})


def test_nested_models_in_a_functional_graph():
    inner = keras.Sequential([L.Dense(3, activation="tanh"), L.Dense(2)])
    encoder_in = keras.Input(shape=(2,))
    encoder = keras.Model(encoder_in, L.Dense(2)(encoder_in))
    x_in = keras.Input(shape=(4,))
    out = encoder(inner(x_in))
    model = keras.Model(x_in, out)
    x = RNG.standard_normal((3, 4)).astype(np.float32)
    np.testing.assert_allclose(model(x).numpy(), encoder(inner(x)).numpy(), rtol=1e-6)
    assert len(model.trainable_variables) == 6


def test_graph_errors():
    a = keras.Input(shape=(2,))
    b = keras.Input(shape=(2,))
    out = L.Add()([a, b])
    with pytest.raises(ValueError, match="graph disconnected"):
        keras.Model(a, out)
    with pytest.raises(ValueError, match="must be KerasTensors"):
        keras.Model(a, np.ones(2))
    with pytest.raises(ValueError, match="needs both"):
        keras.Model(inputs=a)
    model = keras.Model([a, b], out)
    with pytest.raises(ValueError, match="expects 2 input"):
        model(np.ones((1, 2)))
    with pytest.raises(TypeError, match="no value"):
        np.asarray(a)


def test_regularization_losses_are_added_by_fit_and_evaluate():
    x, y = regression(32)
    tf.random.set_seed(3)
    model = keras.Sequential([keras.Input(shape=(3,)),
                              L.Dense(1, kernel_regularizer=keras.regularizers.L2(0.5))])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")  # lr 0: weights stay
    k, b = model.layers[0].kernel.numpy(), model.layers[0].bias.numpy()
    mse = float(np.mean((x @ k + b - y) ** 2))
    want = mse + 0.5 * float((k ** 2).sum())
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=32, verbose=0), want, rtol=1e-5)
    hist = model.fit(x, y, batch_size=32, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_allclose(hist.history["loss"][0], want, rtol=1e-5)
    # with a learning rate, the penalty shrinks the kernel further than plain mse would
    tf.random.set_seed(3)
    plain = keras.Sequential([keras.Input(shape=(3,)), L.Dense(1)])
    tf.random.set_seed(3)
    reg = keras.Sequential([keras.Input(shape=(3,)),
                            L.Dense(1, kernel_regularizer=keras.regularizers.L2(1.0))])
    for m in (plain, reg):
        m.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
        m.fit(x, y, epochs=30, batch_size=8, verbose=0, shuffle=False)
    assert np.abs(reg.layers[0].kernel.numpy()).sum() < 0.7 * np.abs(plain.layers[0].kernel.numpy()).sum()


def test_subclassed_model_add_loss_in_call():
    class WithPenalty(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(1)

        def call(self, x):
            y = self.dense(x)
            self.add_loss(tf.reduce_mean(y) * 0.0 + 1.5)
            return y

    model = WithPenalty()
    x, y = regression(16)
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    loss = model.evaluate(x, y, batch_size=16, verbose=0)
    mse = float(np.mean((model.predict(x, verbose=0) - y) ** 2))
    np.testing.assert_allclose(loss, mse + 1.5, rtol=1e-5)


def test_two_input_model_trains_on_a_dataset():
    tf.random.set_seed(4)
    a = keras.Input(shape=(2,))
    b = keras.Input(shape=(1,))
    model = keras.Model([a, b], L.Dense(1)(L.Concatenate()([a, b])))
    xa = RNG.standard_normal((64, 2)).astype(np.float32)
    xb = RNG.standard_normal((64, 1)).astype(np.float32)
    y = (xa[:, :1] + 2 * xb).astype(np.float32)
    ds = tf.data.Dataset.from_tensor_slices(((xa, xb), y)).batch(16)
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    hist = model.fit(ds, epochs=40, verbose=0)
    assert hist.history["loss"][-1] < 0.05
    assert model.evaluate(ds, verbose=0) < 0.05
    assert model.predict(ds, verbose=0).shape == (64, 1)


@pytest.mark.parametrize("onehot", [False, True])
def test_fit_class_weight_is_a_per_sample_weight(onehot):
    x = RNG.standard_normal((12, 3)).astype(np.float32)
    labels = np.array([0, 1, 2] * 4)
    y = np.eye(3, dtype=np.float32)[labels] if onehot else labels
    loss = keras.losses.CategoricalCrossentropy(from_logits=True) if onehot else \
        keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    cw = {0: 1.0, 1: 3.0}  # class 2 missing: weight 1
    runs = []
    for kwargs in ({"class_weight": cw}, {"sample_weight": np.array([1.0, 3.0, 1.0] * 4)}):
        tf.random.set_seed(5)
        model = keras.Sequential([keras.Input(shape=(3,)), L.Dense(3)])
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss)
        hist = model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0, **kwargs)
        runs.append((hist.history["loss"], [w.numpy() for w in model.weights]))
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-6)
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    with pytest.raises(ValueError, match="class_weight"):
        model.fit(x, y, class_weight=[1.0, 2.0], verbose=0)


def test_fit_a_model_of_two_outputs_with_weighted_losses():
    tf.random.set_seed(6)
    inp = keras.Input(shape=(3,))
    h = L.Dense(16, activation="tanh")(inp)
    reg = L.Dense(1, name="reg")(h)
    cls = L.Dense(2, name="cls")(h)
    model = keras.Model(inp, [reg, cls])
    x = RNG.standard_normal((96, 3)).astype(np.float32)
    y_reg = (x[:, :1] * 2).astype(np.float32)
    y_cls = (x[:, 1] > 0).astype(np.int64)
    model.compile(optimizer=keras.optimizers.Adam(0.03),
                  loss={"reg": "mse",
                        "cls": keras.losses.SparseCategoricalCrossentropy(from_logits=True)},
                  loss_weights={"reg": 1.0, "cls": 0.5})
    # the compiled loss is the weighted sum of the two
    p_reg, p_cls = model(x)
    l_reg = float(keras.losses.MeanSquaredError()(y_reg, p_reg))
    l_cls = float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y_cls, p_cls))
    # [total, reg_loss, cls_loss] (each output's loss before its weight), as Keras
    np.testing.assert_allclose(model.evaluate(x, [y_reg, y_cls], batch_size=96, verbose=0),
                               [l_reg + 0.5 * l_cls, l_reg, l_cls], rtol=1e-5)
    assert model.metrics_names == ["loss", "reg_loss", "cls_loss"]
    hist = model.fit(x, {"reg": y_reg, "cls": y_cls}, epochs=40, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < 0.3 * hist.history["loss"][0]
    np.testing.assert_allclose(np.add(hist.history["reg_loss"], np.multiply(0.5, hist.history["cls_loss"])),
                               hist.history["loss"], rtol=1e-5)
    pr, pc = model.predict(x, verbose=0)
    assert pr.shape == (96, 1) and pc.shape == (96, 2)
    assert np.mean(np.argmax(pc, 1) == y_cls) > 0.85
    # a list of losses in output order, and errors that name the outputs
    model.compile(optimizer="sgd", loss=["mse", None])
    total, reg_only = model.evaluate(x, [y_reg, y_cls], verbose=0)
    assert total == reg_only == pytest.approx(float(keras.losses.MeanSquaredError()(y_reg, model(x)[0])), rel=1e-5)
    with pytest.raises(ValueError, match=r"names \['nope'\], which are not outputs"):
        model.compile(optimizer="sgd", loss={"nope": "mse"})
    with pytest.raises(ValueError, match="has 3 entries for a model of 2 outputs"):
        model.compile(optimizer="sgd", loss=["mse"] * 3)


def test_functional_training_flag_reaches_dropout_and_batchnorm():
    inp = keras.Input(shape=(4,))
    h = L.BatchNormalization()(inp)
    out = L.Dropout(0.5)(keras.Sequential([L.Dense(8)])(h))
    model = keras.Model(inp, out)
    x = RNG.standard_normal((32, 4)).astype(np.float32) * 3 + 5
    bn = model.layers[1]
    mean0 = bn.moving_mean.numpy().copy()
    a, b = model(x).numpy(), model(x).numpy()
    np.testing.assert_array_equal(a, b)  # inference: no dropout, moving statistics
    np.testing.assert_array_equal(bn.moving_mean.numpy(), mean0)
    tf.random.set_seed(1)
    t = model(x, training=True).numpy()
    assert (t == 0).mean() > 0.3  # dropout ran
    assert not np.array_equal(bn.moving_mean.numpy(), mean0)  # batch statistics updated
    # fit passes training=True through the graph too
    model.compile(optimizer="sgd", loss="mse")
    mean1 = bn.moving_mean.numpy().copy()
    model.fit(x, np.zeros((32, 8), np.float32), epochs=1, batch_size=32, verbose=0)
    assert not np.array_equal(bn.moving_mean.numpy(), mean1)
