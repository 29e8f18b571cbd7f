"""TF parity of the dtype int / bool / float64 inputs reach a model with in fit, evaluate,
predict, train_on_batch, test_on_batch and predict_on_batch (and a plain call).

Keras 3 (its data adapter) casts only floating data to float32 and keeps int / bool data; the
model then converts as its call does: a Sequential without Input to its first layer's dtype
(float32, ints too), unless tracing its layers fails on such an input (a Lambda doing
``tf.one_hot``), when int data reach its layers as they are; a Sequential with an Input or a
functional model to the Input's dtype (a float64 array given to an int Input becomes int); a
subclassed model's ``call`` gets int / bool data as they are and floats as float32.

Every expected dtype and number below was observed by running the same code with TF 2.21.0 /
Keras 3.15.1 (tf.keras in the reference venv) and pasted here as literals: TF is not installed
where the tests run."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

layers = keras.layers
RTOL = 1e-5

METHODS = ["call", "predict", "fit", "evaluate", "train_on_batch", "test_on_batch",
           "predict_on_batch"]

XE = np.array([[0, 1], [4, 2], [3, 3], [9, 0]])  # int64
DATA = {
    "int64": XE,
    "int32": XE.astype(np.int32),
    "uint8": XE.astype(np.uint8),
    "bool": XE > 2,
    "float64": XE.astype(np.float64),
}
Y4 = np.zeros((4, 2), np.float32)


def _run(model, method, x, y=Y4):
    model.compile("sgd", "mse")
    if method == "call":
        model(x)
    elif method == "predict":
        model.predict(x, verbose=0)
    elif method == "fit":
        model.fit(x, y, batch_size=2, verbose=0)
    elif method == "evaluate":
        model.evaluate(x, y, verbose=0)
    elif method == "train_on_batch":
        model.train_on_batch(x, y)
    elif method == "test_on_batch":
        model.test_on_batch(x, y)
    else:
        model.predict_on_batch(x)


class _Recorder:
    """A function that notes the dtype of each tensor it sees."""

    def __init__(self):
        self.seen = set()

    def __call__(self, t):
        self.seen.add(t.dtype.name)
        return t


def _to_float(t):
    return tf.cast(t, tf.float32)


def _seq_no_input(rec):
    return keras.Sequential([layers.Lambda(rec), layers.Dense(2)])


def _seq_int_input(rec):
    return keras.Sequential([keras.Input((2,), dtype="int64"), layers.Lambda(rec),
                             layers.Lambda(_to_float), layers.Dense(2)])


def _functional(dtype):
    def make(rec):
        i = keras.Input((2,), dtype=dtype)
        h = layers.Lambda(_to_float)(layers.Lambda(rec)(i))
        return keras.Model(i, layers.Dense(2)(h))
    return make


def _subclassed(rec):
    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(2)

        def call(self, x):
            rec(x)
            return self.d(tf.cast(x, tf.float32))
    return M()


# (model, data dtype) -> the dtype TF's model / first layer saw, the same for every method
# of METHODS (TF 2.21 observed).
DTYPE_CASES = [
    ("seq_no_input", "int64", "float32"),
    ("seq_no_input", "bool", "float32"),
    ("seq_no_input", "uint8", "float32"),
    ("seq_no_input", "float64", "float32"),
    ("seq_int64_input", "float64", "int64"),
    ("seq_int64_input", "int32", "int64"),
    ("seq_int64_input", "bool", "int64"),
    ("func_float_input", "int64", "float32"),
    ("func_float_input", "bool", "float32"),
    ("func_int32_input", "float64", "int32"),
    ("func_int32_input", "int64", "int32"),
    ("subclassed", "int64", "int64"),
    ("subclassed", "int32", "int32"),
    ("subclassed", "uint8", "uint8"),
    ("subclassed", "bool", "bool"),
    ("subclassed", "float64", "float32"),
]
MAKERS = {"seq_no_input": _seq_no_input, "seq_int64_input": _seq_int_input,
          "func_float_input": _functional(None), "func_int32_input": _functional("int32"),
          "subclassed": _subclassed}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind,data,expected", DTYPE_CASES)
def test_dtype_reaching_the_model(kind, data, expected, method):
    rec = _Recorder()
    _run(MAKERS[kind](rec), method, DATA[data])
    assert rec.seen == {expected}


@pytest.mark.parametrize("data,expected", [("int64", "int64"), ("bool", "bool"),
                                           ("float64", "float32")])
def test_dataset_inputs_keep_ints_for_a_subclassed_model(data, expected):
    rec = _Recorder()
    model = _subclassed(rec)
    model.compile("sgd", "mse")
    ds = tf.data.Dataset.from_tensor_slices((DATA[data], Y4)).batch(2)
    model.fit(ds, verbose=0)
    model.evaluate(ds, verbose=0)
    model.predict(ds, verbose=0)
    assert rec.seen == {expected}


# -- a Sequential whose Lambda cannot be traced on floats: int data reach it as they are ---------
K = np.array([[0.5, -1.0], [0.25, 0.75], [-0.5, 0.1], [1.0, 2.0], [0.3, -0.2]], np.float32)
B = np.array([0.1, -0.2], np.float32)
XI = np.array([0, 3, 1, 4, 4, 2])
Y = np.array([[1., 0.], [0., 1.], [0.5, 0.5], [2., -1.], [0., 0.], [1., 1.]], np.float32)


def _onehot_seq():
    m = keras.Sequential([layers.Lambda(lambda t: tf.one_hot(t, 5)), layers.Dense(2)])
    m(XI[:1])
    m.set_weights([K, B])
    m.compile(keras.optimizers.SGD(0.1), "mse")
    return m


def test_onehot_sequential_predict_and_batches():
    m = _onehot_seq()
    np.testing.assert_allclose(m.predict(XI, verbose=0), [
        [0.6000000238418579, -1.2000000476837158], [1.100000023841858, 1.7999999523162842],
        [0.3499999940395355, 0.550000011920929], [0.4000000059604645, -0.4000000059604645],
        [0.4000000059604645, -0.4000000059604645], [-0.4000000059604645, -0.10000000149011612]],
        rtol=RTOL)
    losses = [m.train_on_batch(XI, Y) for _ in range(2)]
    np.testing.assert_allclose(losses, [0.8237500190734863, 0.7865589261054993], rtol=RTOL)
    np.testing.assert_allclose(m.evaluate(XI, Y, verbose=0), 0.7543405890464783, rtol=RTOL)
    np.testing.assert_allclose(m.test_on_batch(XI, Y), 0.7543405890464783, rtol=RTOL)


def test_onehot_sequential_fit():
    m = _onehot_seq()
    h = m.fit(XI, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h.history["loss"], [0.8250682353973389, 0.7536225318908691],
                               rtol=RTOL)
    kernel, bias = m.get_weights()
    np.testing.assert_allclose(kernel, [
        [0.5179593563079834, -0.9425031542778015], [0.25561562180519104, 0.7457780838012695],
        [-0.36927881836891174, 0.20472227036952972], [0.9438968896865845, 1.9587469100952148],
        [0.3272237181663513, -0.1931246966123581]], rtol=RTOL)
    np.testing.assert_allclose(bias, [0.22541679441928864, -0.07638055831193924], rtol=RTOL)
    np.testing.assert_allclose(m.predict_on_batch(XI[:3]), [
        [0.7433761358261108, -1.0188837051391602], [1.169313669204712, 1.8823662996292114],
        [0.48103243112564087, 0.6693975329399109]], rtol=RTOL)


def test_onehot_sequential_float_data_still_fails_as_tf():
    # TF: float64 data become float32 and tf.one_hot refuses float indices (TypeError in
    # predict / fit; an InvalidArgumentError eagerly in a plain call).
    m = _onehot_seq()
    with pytest.raises(TypeError):
        m.predict(XI.astype(np.float64), verbose=0)
    with pytest.raises(TypeError):
        m.fit(XI.astype(np.float64), Y, verbose=0)


def test_traced_decision_is_per_model_and_reset_by_add():
    # A Sequential whose layers trace on float32 (no one_hot) converts ints to float32 ...
    rec = _Recorder()
    m = keras.Sequential([layers.Lambda(rec)])
    m(XE)
    assert rec.seen == {"float32"}
    # ... and adding a Lambda that cannot be traced on floats makes ints reach it (TF 2.21:
    # the rebuilt Sequential falls back to running the layers one by one).
    m.add(layers.Lambda(lambda t: tf.one_hot(t, 10)))
    out = m(XE)
    assert out.dtype == tf.float32
    np.testing.assert_array_equal(out.numpy(), np.eye(10, dtype=np.float32)[XE])


# -- Embedding: int and float64 data, with and without an int Input -----------------------------
E = np.array([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6], [-0.7, 0.8], [0.9, 1.0]], np.float32)
KD = np.array([[1.0], [-1.0], [0.5], [2.0]], np.float32)
XE5 = np.array([[0, 1], [2, 3], [4, 0], [1, 1]])
XE5_F = np.array([[0.2, 1.9], [2.5, 3.0], [4.7, 0.1], [1.0, 1.99]])  # truncated to XE5
YE = np.array([[1.], [0.], [-1.], [0.5]], np.float32)
EMB_OUT = [-0.75, 1.149999976158142, 0.3499999940395355, 0.050000011920928955]
EMB_LOSSES = [1.4089871644973755, 0.08956898003816605]
EMB_TABLE = [[0.24833042919635773, -0.26247066259384155], [0.38320547342300415, 0.037496015429496765],
             [0.38155409693717957, 0.7196131348609924], [-0.7599073052406311, 0.5625988841056824],
             [0.7852848768234253, 1.125685691833496]]


@pytest.mark.parametrize("input_dtype", [None, "int32"])
@pytest.mark.parametrize("x", [XE5, XE5_F], ids=["int64", "float64"])
def test_embedding_sequential(input_dtype, x):
    ls = [layers.Embedding(5, 2), layers.Flatten(), layers.Dense(1)]
    if input_dtype:
        ls = [keras.Input((2,), dtype=input_dtype)] + ls
    m = keras.Sequential(ls)
    m(XE5[:1])
    m.set_weights([E, KD, np.zeros(1, np.float32)])
    m.compile(keras.optimizers.SGD(0.1), "mse")
    # a float64 array given to an int Input is cast to it (tapegrad refused it before)
    np.testing.assert_allclose(np.ravel(m(x).numpy()), EMB_OUT, rtol=RTOL, atol=1e-7)
    np.testing.assert_allclose(np.ravel(m.predict_on_batch(x)), EMB_OUT, rtol=RTOL, atol=1e-7)
    h = m.fit(x, YE, batch_size=2, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h.history["loss"], EMB_LOSSES, rtol=RTOL)
    np.testing.assert_allclose(m.get_weights()[0], EMB_TABLE, rtol=RTOL, atol=1e-7)


# -- a subclassed model doing tf.one_hot on its int inputs -------------------------------------
class _OneHotModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.d = layers.Dense(2)

    def call(self, x):
        return self.d(tf.one_hot(x, 5))


def _onehot_sub():
    m = _OneHotModel()
    m(XI[:1])
    m.set_weights([K, B])
    m.compile(keras.optimizers.SGD(0.1), "mse")
    return m


def test_subclassed_onehot_fit_predict():
    m = _onehot_sub()
    h = m.fit(XI, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h.history["loss"], [0.8250682353973389, 0.7536225318908691],
                               rtol=RTOL)
    np.testing.assert_allclose(m.predict(XI, verbose=0), [
        [0.7433761358261108, -1.0188837051391602], [1.169313669204712, 1.8823662996292114],
        [0.48103243112564087, 0.6693975329399109], [0.5526404976844788, -0.26950526237487793],
        [0.5526404976844788, -0.26950526237487793], [-0.1438620239496231, 0.1283417046070099]],
        rtol=RTOL)
    np.testing.assert_allclose(m.train_on_batch(XI, Y), 0.6961354613304138, rtol=RTOL)
    np.testing.assert_allclose(m.evaluate(XI, Y, verbose=0), 0.674910306930542, rtol=RTOL)


def test_subclassed_onehot_fit_on_a_dataset():
    m = _onehot_sub()
    ds = tf.data.Dataset.from_tensor_slices((XI, Y)).batch(3)
    h = m.fit(ds, epochs=2, verbose=0)
    np.testing.assert_allclose(h.history["loss"], [0.8300625681877136, 0.7601473927497864],
                               rtol=RTOL)
    np.testing.assert_allclose(m.predict(ds, verbose=0), [
        [0.7471109628677368, -1.0504412651062012], [1.1487776041030884, 1.8184475898742676],
        [0.480722039937973, 0.6176142692565918], [0.5986731648445129, -0.3445546329021454],
        [0.5986731648445129, -0.3445546329021454], [-0.1859181523323059, 0.04238629341125488]],
        rtol=RTOL)


# -- Input + Lambda + Dense: the first fit / train_on_batch trains the Dense too ----------------
X2 = np.array([[1., 0.], [0., 1.], [1., 1.]], np.float32)
Y2 = np.array([[1.], [3.], [0.]], np.float32)


def _input_lambda_dense():
    m = keras.Sequential([keras.Input((2,)), layers.Lambda(lambda t: t * 2.0),
                          layers.Dense(1, kernel_initializer="ones")])
    m.compile(keras.optimizers.SGD(0.05), "mse")
    return m


def test_first_fit_trains_layers_after_a_lambda():
    m = _input_lambda_dense()
    h = m.fit(X2, Y2, batch_size=3, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h.history["loss"], [6.0, 3.410370111465454], rtol=RTOL)
    kernel, bias = m.get_weights()
    np.testing.assert_allclose(np.ravel(kernel), [0.46666663885116577, 0.7155555486679077],
                               rtol=RTOL)
    np.testing.assert_allclose(bias, [-0.18222223222255707], rtol=RTOL)


def test_first_train_on_batch_trains_layers_after_a_lambda():
    m = _input_lambda_dense()
    losses = [m.train_on_batch(X2, Y2) for _ in range(2)]
    np.testing.assert_allclose(losses, [6.0, 3.410370111465454], rtol=RTOL)
