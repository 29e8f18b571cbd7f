"""keras.optimizers: 3 steps of each rule against the formula computed by hand in numpy."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.keras import optimizers as opt_mod

_FLAGS = ("_HAS_FUSED_SGD_MOMENTUM", "_HAS_FUSED_ADAM", "_HAS_FUSED_RMSPROP")


@pytest.fixture(autouse=True, params=["ops", "fused"])
def update_path(request, monkeypatch):
    """Run every test with the update written in tapegrad ops, and again with the core's
    one-pass kernels (which every build has: a missing one is a failure, not a skip)."""
    if request.param == "ops":
        for f in _FLAGS:
            monkeypatch.setattr(opt_mod, f, False)
    else:
        assert all(getattr(opt_mod, f) for f in _FLAGS), "the core lacks a fused optimizer kernel"
    return request.param

W0 = np.array([[0.5, -1.0], [2.0, 0.25]], dtype=np.float32)
GRADS = [np.array([[0.1, -0.2], [0.3, 0.4]], np.float32),
         np.array([[-0.5, 0.1], [0.0, 0.2]], np.float32),
         np.array([[0.05, 0.3], [-0.1, -0.6]], np.float32)]


def _run(opt):
    v = tf.Variable(W0)
    for g in GRADS:
        opt.apply_gradients([(tf.constant(g), v)])
    return v.numpy()


def test_sgd_plain():
    w = W0.astype(np.float64)
    for g in GRADS:
        w = w - 0.1 * g
    opt = keras.optimizers.SGD(learning_rate=0.1)
    np.testing.assert_allclose(_run(opt), w, rtol=1e-6)
    assert int(opt.iterations) == 3


def test_sgd_defaults():
    opt = keras.optimizers.SGD()
    assert opt.learning_rate == 0.01 and opt.momentum == 0.0 and opt.nesterov is False


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum(nesterov):
    lr, mu = 0.1, 0.9
    w, m = W0.astype(np.float64), np.zeros_like(W0, dtype=np.float64)
    for g in GRADS:
        m = mu * m - lr * g
        w = w + (mu * m - lr * g if nesterov else m)
    got = _run(keras.optimizers.SGD(lr, momentum=mu, nesterov=nesterov))
    np.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam(amsgrad):
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    w = W0.astype(np.float64)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    vhat = np.zeros_like(w)
    for t, g in enumerate(GRADS, start=1):
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        vhat = np.maximum(vhat, v)
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        w = w - lr_t * m / (np.sqrt(vhat if amsgrad else v) + eps)
    opt = keras.optimizers.Adam(learning_rate=lr, amsgrad=amsgrad)
    np.testing.assert_allclose(_run(opt), w, rtol=1e-5, atol=1e-7)
    assert int(opt.iterations) == 3


def test_adam_defaults():
    opt = keras.optimizers.Adam()
    assert (opt.learning_rate, opt.beta_1, opt.beta_2, opt.epsilon) == (0.001, 0.9, 0.999, 1e-7)


def test_rmsprop():
    lr, rho, eps = 0.01, 0.9, 1e-7
    w = W0.astype(np.float64)
    v = np.zeros_like(w)
    for g in GRADS:
        v = rho * v + (1 - rho) * g * g
        w = w - lr * g / np.sqrt(v + eps)
    np.testing.assert_allclose(_run(keras.optimizers.RMSprop(lr)), w, rtol=1e-5, atol=1e-7)


def test_update_is_in_place():
    v = tf.Variable(W0)
    before = v._storage_id()
    keras.optimizers.SGD(0.1).apply_gradients(zip([tf.constant(GRADS[0])], [v]))
    assert v._storage_id() == before


def test_none_gradient_skipped_with_warning():
    a, b = tf.Variable(W0, name="a"), tf.Variable(W0, name="b")
    opt = keras.optimizers.SGD(0.1)
    with pytest.warns(UserWarning, match="Gradients do not exist for variables"):
        opt.apply_gradients(zip([tf.constant(GRADS[0]), None], [a, b]))
    np.testing.assert_allclose(a.numpy(), W0 - 0.1 * GRADS[0], rtol=1e-6)
    np.testing.assert_array_equal(b.numpy(), W0)


def test_all_none_gradients_raise():
    a = tf.Variable(W0)
    opt = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        opt.apply_gradients(zip([None], [a]))
    assert int(opt.iterations) == 0


def test_minimize_and_gradient_from_tape():
    v = tf.Variable(3.0)
    opt = keras.optimizers.SGD(0.25)
    for _ in range(2):
        opt.minimize(lambda: v * v, [v])
    # w <- w - 0.25 * 2w = w / 2
    np.testing.assert_allclose(v.numpy(), 0.75)


def test_clipnorm():
    v = tf.Variable(np.zeros(2, np.float32))
    keras.optimizers.SGD(1.0, clipnorm=1.0).apply_gradients([(tf.constant([3.0, 4.0]), v)])
    np.testing.assert_allclose(v.numpy(), [-0.6, -0.8], rtol=1e-6)


def test_get_by_name():
    assert isinstance(keras.optimizers.get("adam"), keras.optimizers.Adam)
    assert isinstance(keras.optimizers.get("SGD"), keras.optimizers.SGD)
    with pytest.raises(ValueError):
        keras.optimizers.get("nope")


# -- the other Keras 3 optimizers: each rule in numpy (float64), then tapegrad for 3 steps --------

def _numpy_rule(name, **hp):
    """Keras 3's update for `name` written out in numpy: returns step(w, g, state, t) -> w."""
    eps = hp.get("epsilon", 1e-7)
    lr = hp["learning_rate"]

    if name == "adagrad":
        def step(w, g, s, t):
            s.setdefault("acc", np.full_like(w, hp.get("initial_accumulator_value", 0.1)))
            s["acc"] = s["acc"] + g * g
            return w - lr * g / np.sqrt(s["acc"] + eps)
    elif name == "adadelta":
        rho = hp.get("rho", 0.95)

        def step(w, g, s, t):
            a = s.setdefault("a", np.zeros_like(w))
            ad = s.setdefault("ad", np.zeros_like(w))
            a = rho * a + (1 - rho) * g * g
            d = -np.sqrt(ad + eps) * g / np.sqrt(a + eps)
            s["a"], s["ad"] = a, rho * ad + (1 - rho) * d * d
            return w + lr * d
    elif name == "adamax":
        b1, b2 = hp.get("beta_1", 0.9), hp.get("beta_2", 0.999)

        def step(w, g, s, t):
            m = s.setdefault("m", np.zeros_like(w))
            u = s.setdefault("u", np.zeros_like(w))
            s["m"] = m = m + (g - m) * (1 - b1)
            s["u"] = u = np.maximum(b2 * u, np.abs(g))
            return w - lr * m / ((1 - b1 ** t) * (u + eps))
    elif name == "nadam":
        b1, b2 = hp.get("beta_1", 0.9), hp.get("beta_2", 0.999)

        def step(w, g, s, t):
            m = s.setdefault("m", np.zeros_like(w))
            v = s.setdefault("v", np.zeros_like(w))
            u = [b1 * (1 - 0.5 * 0.96 ** i) for i in range(1, t + 2)]
            prod_t = np.prod(u[:t])
            s["m"] = m = m + (g - m) * (1 - b1)
            s["v"] = v = v + (g * g - v) * (1 - b2)
            m_hat = u[t] * m / (1 - prod_t * u[t]) + (1 - u[t - 1]) * g / (1 - prod_t)
            v_hat = v / (1 - b2 ** t)
            return w - lr * m_hat / (np.sqrt(v_hat) + eps)
    elif name == "ftrl":
        p = -hp.get("learning_rate_power", -0.5)
        l1 = hp.get("l1_regularization_strength", 0.0)
        l2 = hp.get("l2_regularization_strength", 0.0) + hp.get("beta", 0.0) / (2 * lr)
        l2s = hp.get("l2_shrinkage_regularization_strength", 0.0)

        def step(w, g, s, t):
            n = s.setdefault("n", np.full_like(w, hp.get("initial_accumulator_value", 0.1)))
            z = s.setdefault("z", np.zeros_like(w))
            n_new = n + g * g
            z = z + g + 2 * l2s * w - (n_new ** p - n ** p) / lr * w
            s["n"], s["z"] = n_new, z
            return (np.clip(z, -l1, l1) - z) / (n_new ** p / lr + 2 * l2)
    elif name == "lion":
        b1, b2 = hp.get("beta_1", 0.9), hp.get("beta_2", 0.99)

        def step(w, g, s, t):
            m = s.setdefault("m", np.zeros_like(w))
            w = w - lr * np.sign(b1 * m + (1 - b1) * g)
            s["m"] = b2 * m + (1 - b2) * g
            return w
    elif name == "rmsprop_centered":
        rho, mu = hp.get("rho", 0.9), hp.get("momentum", 0.0)

        def step(w, g, s, t):
            v = s.setdefault("v", np.zeros_like(w))
            a = s.setdefault("a", np.zeros_like(w))
            mom = s.setdefault("mom", np.zeros_like(w))
            s["v"] = v = rho * v + (1 - rho) * g * g
            s["a"] = a = rho * a + (1 - rho) * g
            inc = lr * g / np.sqrt(v - a * a + eps)
            if mu:
                s["mom"] = mom = mu * mom + inc
                return w - mom
            return w - inc
    elif name == "adamw":
        b1, b2, wd = hp.get("beta_1", 0.9), hp.get("beta_2", 0.999), hp.get("weight_decay", 0.004)

        def step(w, g, s, t):
            w = w - lr * wd * w
            m = s.setdefault("m", np.zeros_like(w))
            v = s.setdefault("v", np.zeros_like(w))
            s["m"] = m = m + (g - m) * (1 - b1)
            s["v"] = v = v + (g * g - v) * (1 - b2)
            return w - lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
    return step


MORE = [
    ("adagrad", keras.optimizers.Adagrad, dict(learning_rate=0.1)),
    ("adagrad", keras.optimizers.Adagrad, dict(learning_rate=0.05, initial_accumulator_value=0.5,
                                               epsilon=1e-3)),
    ("adadelta", keras.optimizers.Adadelta, dict(learning_rate=1.0)),
    ("adadelta", keras.optimizers.Adadelta, dict(learning_rate=0.5, rho=0.8, epsilon=1e-4)),
    ("adamax", keras.optimizers.Adamax, dict(learning_rate=0.02)),
    ("adamax", keras.optimizers.Adamax, dict(learning_rate=0.02, beta_1=0.7, beta_2=0.9)),
    ("nadam", keras.optimizers.Nadam, dict(learning_rate=0.02)),
    ("nadam", keras.optimizers.Nadam, dict(learning_rate=0.02, beta_1=0.5, beta_2=0.9)),
    ("ftrl", keras.optimizers.Ftrl, dict(learning_rate=0.1)),
    ("ftrl", keras.optimizers.Ftrl, dict(learning_rate=0.1, learning_rate_power=-0.3,
                                         l1_regularization_strength=0.05,
                                         l2_regularization_strength=0.1,
                                         l2_shrinkage_regularization_strength=0.2, beta=0.5)),
    ("lion", keras.optimizers.Lion, dict(learning_rate=0.01)),
    ("lion", keras.optimizers.Lion, dict(learning_rate=0.01, beta_1=0.5, beta_2=0.8)),
    ("rmsprop_centered", keras.optimizers.RMSprop, dict(learning_rate=0.01, centered=True)),
    ("rmsprop_centered", keras.optimizers.RMSprop, dict(learning_rate=0.01, centered=True,
                                                        momentum=0.5, rho=0.8)),
    ("adamw", keras.optimizers.AdamW, dict(learning_rate=0.01)),
    ("adamw", keras.optimizers.AdamW, dict(learning_rate=0.01, weight_decay=0.1, beta_1=0.8)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, cls, hp", MORE, ids=[f"{m[0]}-{i}" for i, m in enumerate(MORE)])
def test_more_optimizers_against_numpy(name, cls, hp, dtype):
    """Four steps on two variables of different shapes, against Keras' formula in numpy."""
    rng = np.random.default_rng(3)
    w0 = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    grads = [[rng.standard_normal(w.shape) for w in w0] for _ in range(4)]
    want = [w.copy() for w in w0]
    states = [{}, {}]
    step = _numpy_rule(name, **hp)
    for t, gs in enumerate(grads, start=1):
        want = [step(w, g, s, t) for w, g, s in zip(want, gs, states)]
    opt = cls(**hp)
    vs = [tf.Variable(w.astype(dtype)) for w in w0]
    for gs in grads:
        opt.apply_gradients(zip([tf.constant(g.astype(dtype)) for g in gs], vs))
    tol = dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    for v, w in zip(vs, want):
        assert v.dtype == tf.as_dtype(dtype)
        np.testing.assert_allclose(v.numpy(), w, **tol)
    assert int(opt.iterations) == 4
    # Keras 3's variables: the int64 step count, the float32 learning rate, then the slots
    assert [v.dtype for v in opt.variables[:2]] == [tf.int64, tf.float32]
    assert all(s.dtype == tf.as_dtype(dtype) for s in opt.variables[2:])


def test_nadam_documented_example():
    # tf.keras.optimizers.Nadam's docstring: one step of (var1 ** 2) / 2 from 10.0 gives 9.8
    opt = keras.optimizers.Nadam(learning_rate=0.2)
    var1 = tf.Variable(10.0)
    opt.minimize(lambda: (var1 ** 2) / 2.0, [var1])
    assert "{:.1f}".format(var1.numpy()) == "9.8"


@pytest.mark.parametrize("name, cls, defaults", [
    ("adagrad", keras.optimizers.Adagrad,
     dict(learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7)),
    ("adadelta", keras.optimizers.Adadelta, dict(learning_rate=0.001, rho=0.95, epsilon=1e-7)),
    ("adamax", keras.optimizers.Adamax,
     dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)),
    ("nadam", keras.optimizers.Nadam,
     dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)),
    ("ftrl", keras.optimizers.Ftrl,
     dict(learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
          l1_regularization_strength=0.0, l2_regularization_strength=0.0,
          l2_shrinkage_regularization_strength=0.0, beta=0.0)),
    ("lion", keras.optimizers.Lion, dict(learning_rate=0.001, beta_1=0.9, beta_2=0.99)),
    ("adamw", keras.optimizers.AdamW,
     dict(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7)),
    ("rmsprop", keras.optimizers.RMSprop,
     dict(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False)),
])
def test_more_defaults_names_and_config(name, cls, defaults):
    opt = keras.optimizers.get(name)
    assert type(opt) is cls
    cfg = opt.get_config()
    for key, value in defaults.items():
        assert cfg[key] == value, key
    assert type(keras.optimizers.get(name.upper())) is cls


@pytest.mark.parametrize("make, match", [
    (lambda: keras.optimizers.Lion(beta_1=0.0), "beta_1"),
    (lambda: keras.optimizers.Lion(beta_1=1.5), "beta_1"),
    (lambda: keras.optimizers.Ftrl(learning_rate_power=0.5), "learning_rate_power"),
    (lambda: keras.optimizers.Ftrl(l1_regularization_strength=-1.0), "l1_regularization_strength"),
    (lambda: keras.optimizers.Adagrad(initial_accumulator_value=-0.1), "initial_accumulator_value"),
    (lambda: keras.optimizers.AdamW(weight_decay=None), "weight_decay"),
])
def test_more_bad_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("name", ["adagrad", "adadelta", "adamax", "nadam", "ftrl", "lion",
                                  "adamw"])
def test_more_bad_gradient_changes_nothing(name):
    """A gradient of the wrong shape is refused before any variable, slot or count changes."""
    opt = keras.optimizers.get(name)
    a, b = tf.Variable(W0), tf.Variable(W0)
    opt.apply_gradients([(tf.constant(GRADS[0]), a), (tf.constant(GRADS[0]), b)])
    before = [v.numpy().copy() for v in (a, b)] + [s.numpy().copy() for s in opt.variables]
    with pytest.raises((ValueError, tf.errors.InvalidArgumentError), match="apply_gradients"):
        opt.apply_gradients([(tf.constant(GRADS[0]), a), (tf.constant(np.ones(3, np.float32)), b)])
    after = [v.numpy() for v in (a, b)] + [s.numpy() for s in opt.variables]
    for x, y in zip(before, after):
        np.testing.assert_array_equal(x, y)
    assert int(opt.iterations) == 1


@pytest.mark.parametrize("name", ["adagrad", "adadelta", "adamax", "nadam", "ftrl", "lion",
                                  "adamw", "rmsprop"])
def test_more_optimizers_train_a_model(name):
    """Each rule lowers a linear regression's loss through compile / fit."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3
    opt = keras.optimizers.get(name)
    tf.random.set_seed(1)
    opt.learning_rate = {"adadelta": 1.0, "adagrad": 0.2, "ftrl": 0.5, "lion": 0.01}.get(name, 0.05)
    if name == "adadelta":
        opt.epsilon = 1e-2  # its first steps are ~ lr * sqrt(epsilon): Keras' 1e-7 crawls
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer=opt, loss="mse")
    first = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    last = model.evaluate(x, y, verbose=0)
    assert last < 0.5 * first


@pytest.mark.parametrize("threads", [1, 2])
def test_adamax_one_pass_kernel_large_nan_and_errors(threads):
    # the fused C++ Adamax: split over the pool above 2^17 elements, NaN in a gradient
    # propagating through max(beta_2 u, |g|) as numpy's maximum, shapes checked first
    old = tf.get_num_threads()
    tf.set_num_threads(threads)
    try:
        rng = np.random.default_rng(8)
        w0 = rng.standard_normal(300_001)
        g = [rng.standard_normal(w0.shape) for _ in range(3)]
        g[1][7] = np.nan
        want, state = w0.copy(), {}
        step = _numpy_rule("adamax", learning_rate=0.01)
        for t, gi in enumerate(g, start=1):
            with np.errstate(invalid="ignore"):
                want = step(want, gi, state, t)
        v = tf.Variable(w0)
        opt = keras.optimizers.Adamax(0.01)
        for gi in g:
            opt.apply_gradients([(tf.constant(gi), v)])
        np.testing.assert_allclose(v.numpy(), want, rtol=1e-12, atol=1e-14)
        assert np.isnan(v.numpy()[7]) and np.isnan(opt.variables[-1].numpy()[7])
        with pytest.raises(Exception, match="Adamax.apply_gradients"):
            opt.apply_gradients([(tf.constant(np.ones(3)), v)])
        np.testing.assert_allclose(v.numpy(), want, rtol=1e-12, atol=1e-14)  # nothing written
    finally:
        tf.set_num_threads(old)
