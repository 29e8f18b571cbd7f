"""keras.optimizers: 3 steps of each rule against the formula computed by hand in numpy."""

import warnings

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
