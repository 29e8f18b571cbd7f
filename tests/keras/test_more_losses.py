"""The Keras 3 losses beyond MSE/MAE/cross-entropy: Huber, LogCosh, KLDivergence, Poisson, Hinge,
SquaredHinge, CategoricalHinge, CosineSimilarity, MeanSquaredLogarithmicError,
MeanAbsolutePercentageError, BinaryFocalCrossentropy.

Each against a numpy version of Keras' formula (float32 and float64), Keras' documented example
values, the three reductions and sample_weight, finite-difference gradients (and second order
for the smooth ones), the names `get` knows, and bad input."""

import re

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.testing import check_gradients

L = keras.losses
EPS = 1e-7
rng = np.random.default_rng(7)


# -- numpy versions of Keras 3's formulas ---------------------------------------------------------
def np_huber(t, p, delta=1.0):
    e = p - t
    a = np.abs(e)
    return np.where(a <= delta, 0.5 * e ** 2, delta * a - 0.5 * delta ** 2).mean(-1)


def np_log_cosh(t, p):
    return np.log(np.cosh(p - t)).mean(-1)


def np_kld(t, p):
    t, p = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    return (t * np.log(t / p)).sum(-1)


def np_poisson(t, p):
    return (p - t * np.log(p + EPS)).mean(-1)


def _hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def np_hinge(t, p):
    return np.maximum(1 - _hinge_labels(t) * p, 0).mean(-1)


def np_squared_hinge(t, p):
    return (np.maximum(1 - _hinge_labels(t) * p, 0) ** 2).mean(-1)


def np_categorical_hinge(t, p):
    pos = (t * p).sum(-1)
    neg = ((1 - t) * p).max(-1)
    return np.maximum(neg - pos + 1, 0)


def np_cosine(t, p, axis=-1):
    def nrm(x):
        return x / np.maximum(np.sqrt((x ** 2).sum(axis, keepdims=True)), EPS)
    return -(nrm(t) * nrm(p)).sum(axis)


def np_msle(t, p):
    return ((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2).mean(-1)


def np_mape(t, p):
    return 100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1)


def np_focal(t, p, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
             label_smoothing=0.0):
    if label_smoothing:
        t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        p = 1 / (1 + np.exp(-p))
    pc = np.clip(p, EPS, 1 - EPS)
    bce = -(t * np.log(pc) + (1 - t) * np.log(1 - pc))
    p_t = t * p + (1 - t) * (1 - p)
    out = (1 - p_t) ** gamma * bce
    if apply_class_balancing:
        out = (t * alpha + (1 - t) * (1 - alpha)) * out
    return out.mean(-1)


def _reals(shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


def _probs(shape, dtype):
    x = rng.random(shape) * 0.9 + 0.05
    return (x / x.sum(-1, keepdims=True)).astype(dtype)


def _positive(shape, dtype):
    return (rng.random(shape) * 3 + 0.1).astype(dtype)


def _binary(shape, dtype):
    return (rng.random(shape) > 0.5).astype(dtype)


def _signs(shape, dtype):
    return np.where(rng.random(shape) > 0.5, 1.0, -1.0).astype(dtype)


def _onehot(shape, dtype):
    return np.eye(shape[-1], dtype=dtype)[rng.integers(0, shape[-1], shape[:-1])]


def _unit(shape, dtype):
    return rng.random(shape).astype(dtype)


# name: (function, class, numpy reference, make y_true, make y_pred)
CASES = {
    "huber": (L.huber, L.Huber, np_huber, _reals, _reals),
    "log_cosh": (L.log_cosh, L.LogCosh, np_log_cosh, _reals, _reals),
    "kl_divergence": (L.kl_divergence, L.KLDivergence, np_kld, _probs, _probs),
    "poisson": (L.poisson, L.Poisson, np_poisson, _positive, _positive),
    "hinge": (L.hinge, L.Hinge, np_hinge, _binary, _reals),
    "hinge_pm1": (L.hinge, L.Hinge, np_hinge, _signs, _reals),
    "squared_hinge": (L.squared_hinge, L.SquaredHinge, np_squared_hinge, _binary, _reals),
    "categorical_hinge": (L.categorical_hinge, L.CategoricalHinge, np_categorical_hinge,
                          _onehot, _reals),
    "cosine_similarity": (L.cosine_similarity, L.CosineSimilarity, np_cosine, _reals, _reals),
    "mean_squared_logarithmic_error": (L.mean_squared_logarithmic_error,
                                       L.MeanSquaredLogarithmicError, np_msle, _positive, _reals),
    "mean_absolute_percentage_error": (L.mean_absolute_percentage_error,
                                       L.MeanAbsolutePercentageError, np_mape, _reals, _reals),
    "binary_focal_crossentropy": (L.binary_focal_crossentropy, L.BinaryFocalCrossentropy,
                                  np_focal, _binary, _unit),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_function_against_numpy(case, dtype):
    fn, _, ref, make_t, make_p = CASES[case]
    t, p = make_t((6, 4), dtype), make_p((6, 4), dtype)
    t0, p0 = t.copy(), p.copy()
    out = fn(t, p)
    assert out.shape == (6,) and out.dtype == (tf.float32 if dtype == np.float32 else tf.float64)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out.numpy(), ref(t.astype(np.float64), p.astype(np.float64)),
                               rtol=rtol, atol=rtol)
    # tensors in, the same; the caller's arrays untouched
    np.testing.assert_allclose(fn(tf.constant(t), tf.constant(p)).numpy(), out.numpy(), rtol=0)
    np.testing.assert_array_equal(t, t0)
    np.testing.assert_array_equal(p, p0)


@pytest.mark.parametrize("case", sorted(CASES))
def test_class_reductions_and_sample_weight(case):
    fn, cls, ref, make_t, make_p = CASES[case]
    t, p = make_t((5, 3), np.float32), make_p((5, 3), np.float32)
    per = ref(t.astype(np.float64), p.astype(np.float64))
    w = rng.random(5).astype(np.float32)
    np.testing.assert_allclose(float(cls()(t, p)), per.mean(), rtol=1e-5)
    np.testing.assert_allclose(float(cls(reduction="sum")(t, p)), per.sum(), rtol=1e-5)
    np.testing.assert_allclose(cls(reduction="none")(t, p).numpy(), per, rtol=1e-5, atol=1e-6)
    # Keras 3: 'sum_over_batch_size' divides the weighted sum by the batch size
    np.testing.assert_allclose(float(cls()(t, p, sample_weight=w)), (per * w).sum() / 5, rtol=1e-5)
    np.testing.assert_allclose(float(cls(reduction="sum")(t, p, sample_weight=w[:, None])),
                               (per * w).sum(), rtol=1e-5)
    loss = cls()
    assert loss.get_config()["reduction"] == "sum_over_batch_size"
    assert cls(name="custom").name == "custom"


# -- Keras' documented values ---------------------------------------------------------------------
T1, P1 = [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]
T2, P2 = [[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]]

DOCS = [
    # (loss, y_true, y_pred, sample_weight, reduction=auto, sum, none)
    ("Huber", L.Huber, T1, P1, [1, 0], 0.155, 0.09, 0.31, [0.18, 0.13]),
    ("LogCosh", L.LogCosh, T2, P2, [0.8, 0.2], 0.108, 0.087, 0.217, [0.217, 0.0]),
    ("KLDivergence", L.KLDivergence, T1, P1, [0.8, 0.2], 0.458, 0.366, 0.916, [0.916, -3.08e-06]),
    ("Poisson", L.Poisson, T2, P2, [0.8, 0.2], 0.5, 0.4, 0.999, [0.999, 0.0]),
    ("Hinge", L.Hinge, T1, P1, [1, 0], 1.3, 0.55, 2.6, [1.1, 1.5]),
    ("SquaredHinge", L.SquaredHinge, T1, P1, [1, 0], 1.86, 0.73, 3.72, [1.46, 2.26]),
    ("CategoricalHinge", L.CategoricalHinge, T1, P1, [1, 0], 1.4, 0.6, 2.8, [1.2, 1.6]),
    ("MSLE", L.MeanSquaredLogarithmicError, T2, [[1.0, 1.0], [1.0, 0.0]], [0.7, 0.3],
     0.240, 0.120, 0.480, [0.240, 0.240]),
    ("MAPE", L.MeanAbsolutePercentageError, [[2.0, 1.0], [2.0, 3.0]], [[1.0, 1.0], [1.0, 0.0]],
     [0.7, 0.3], 50.0, 20.0, 100.0, [25.0, 75.0]),
]


@pytest.mark.parametrize("doc", DOCS, ids=[d[0] for d in DOCS])
def test_keras_documented_values(doc):
    _, cls, t, p, w, auto, weighted, total, none = doc
    assert float(cls()(t, p)) == pytest.approx(auto, abs=1e-3)
    assert float(cls()(t, p, sample_weight=w)) == pytest.approx(weighted, abs=1e-3)
    assert float(cls(reduction="sum")(t, p)) == pytest.approx(total, abs=1e-3)
    np.testing.assert_allclose(cls(reduction="none")(t, p).numpy(), none, atol=1e-3)


def test_cosine_similarity_documented_values_axis_1():
    t, p = [[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]]
    assert float(L.CosineSimilarity(axis=1)(t, p)) == pytest.approx(-0.5, abs=1e-3)
    assert float(L.CosineSimilarity(axis=1)(t, p, sample_weight=[0.8, 0.2])) == pytest.approx(-0.0999, abs=1e-3)
    assert float(L.CosineSimilarity(axis=1, reduction="sum")(t, p)) == pytest.approx(-0.999, abs=1e-3)
    np.testing.assert_allclose(L.CosineSimilarity(axis=1, reduction="none")(t, p).numpy(),
                               [0.0, -0.999], atol=1e-3)
    assert L.CosineSimilarity(axis=1).get_config()["axis"] == 1


def test_binary_focal_crossentropy_documented_values():
    t, z = [0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8]
    assert float(L.BinaryFocalCrossentropy(gamma=2, from_logits=True)(t, z)) == pytest.approx(0.691, abs=1e-3)
    balanced = L.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=2, from_logits=True)
    assert float(balanced(t, z)) == pytest.approx(0.51, abs=1e-3)
    np.testing.assert_allclose(L.binary_focal_crossentropy(T1, P1, gamma=2).numpy(), [0.330, 0.206],
                               atol=1e-3)
    cfg = balanced.get_config()
    assert cfg["apply_class_balancing"] is True and cfg["alpha"] == 0.25 and cfg["gamma"] == 2
    assert cfg["name"] == "binary_focal_crossentropy"


@pytest.mark.parametrize("kw", [dict(), dict(gamma=0.0), dict(gamma=3.0, apply_class_balancing=True, alpha=0.4),
                                dict(label_smoothing=0.1), dict(from_logits=True),
                                dict(from_logits=True, label_smoothing=0.2, gamma=1.5)],
                         ids=["default", "gamma0", "balanced", "smoothing", "logits", "logits_smooth"])
def test_binary_focal_crossentropy_options_against_numpy(kw):
    t = _binary((7, 3), np.float64)
    p = rng.standard_normal((7, 3)) * 2 if kw.get("from_logits") else rng.random((7, 3)) * 0.98 + 0.01
    np.testing.assert_allclose(L.binary_focal_crossentropy(t, p, **kw).numpy(), np_focal(t, p, **kw),
                               rtol=1e-10)
    if kw == {"gamma": 0.0}:  # gamma 0: the plain binary cross-entropy
        np.testing.assert_allclose(L.binary_focal_crossentropy(t, p, gamma=0.0).numpy(),
                                   L.binary_crossentropy(t, p).numpy(), rtol=1e-12)


def test_binary_focal_crossentropy_large_logits_stay_finite():
    z = tf.constant([[60.0, -60.0, 0.0]])
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = L.BinaryFocalCrossentropy(from_logits=True)([[0.0, 1.0, 1.0]], z)
    assert np.isfinite(float(loss)) and np.isfinite(tape.gradient(loss, z).numpy()).all()


def test_huber_delta_and_config():
    t, p = _reals((6, 3), np.float64), _reals((6, 3), np.float64) * 3
    for delta in (0.1, 1.0, 2.5):
        np.testing.assert_allclose(L.huber(t, p, delta=delta).numpy(), np_huber(t, p, delta), rtol=1e-12)
    h = L.Huber(delta=2.5)
    assert h.name == "huber_loss" and h.get_config() == {"name": "huber_loss", "reduction": "sum_over_batch_size", "delta": 2.5}
    np.testing.assert_allclose(float(h(t, p)), np_huber(t, p, 2.5).mean(), rtol=1e-12)


def test_log_cosh_no_overflow_for_large_errors():
    out = L.log_cosh([[0.0, 0.0]], [[1000.0, -1000.0]]).numpy()
    np.testing.assert_allclose(out, [1000.0 - np.log(2.0)], rtol=1e-6)


def test_hinge_labels_0_1_and_minus_1_1_agree():
    p = _reals((5, 3), np.float32)
    b = _binary((5, 3), np.float32)
    for fn in (L.hinge, L.squared_hinge):
        np.testing.assert_allclose(fn(b, p).numpy(), fn(2 * b - 1, p).numpy(), rtol=1e-6)


def test_cosine_similarity_zero_vector_is_zero_not_nan():
    out = L.cosine_similarity([[0.0, 0.0], [1.0, 0.0]], [[1.0, 2.0], [0.0, 0.0]]).numpy()
    np.testing.assert_array_equal(out, [0.0, 0.0])


def test_kld_clips_like_keras():
    # y_pred 0 is clipped to 1e-7 (a large but finite loss); y_true 0 contributes ~0
    out = L.kl_divergence([[1.0, 0.0]], [[0.0, 1.0]]).numpy()
    np.testing.assert_allclose(out, [np.log(1 / EPS) + EPS * np.log(EPS)], rtol=1e-5)


def test_rank_matching_batch_labels_against_column_predictions():
    y = np.arange(4, dtype=np.float32) + 1.0
    p = (np.arange(4, dtype=np.float32) + 1.5)[:, None]
    # (batch,) against (batch, 1): lined up, not broadcast to (batch, batch)
    np.testing.assert_allclose(L.Huber(reduction="none")(y, p).numpy(), [0.125] * 4, rtol=1e-6)
    np.testing.assert_allclose(L.MeanAbsolutePercentageError(reduction="none")(y, p).numpy(),
                               100 * 0.5 / y, rtol=1e-6)


# -- gradients ------------------------------------------------------------------------------------
def _away_from_kinks(shape, kink_gap=0.05):
    """y_true, y_pred (float64) whose errors stay away from 0 and from +-1 (Huber's delta, the
    hinge's margin)."""
    t = rng.standard_normal(shape)
    e = rng.uniform(0.1, 0.9, shape) * np.where(rng.random(shape) > 0.5, 1, -1)
    e += np.where(rng.random(shape) > 0.5, 1.0 + kink_gap, 0.0) * np.sign(e)  # some beyond delta
    return t, t + e


GRAD_CASES = {
    # name: (loss of (y_true, y_pred), inputs, differentiate y_true too, second order)
    "huber": (L.huber, _away_from_kinks((4, 3)), True, True),
    "log_cosh": (L.log_cosh, (_reals((4, 3), np.float64), _reals((4, 3), np.float64)), True, True),
    "kl_divergence": (L.kl_divergence, (_probs((4, 3), np.float64), _probs((4, 3), np.float64)), True, True),
    "poisson": (L.poisson, (_positive((4, 3), np.float64), _positive((4, 3), np.float64)), True, True),
    "mean_squared_logarithmic_error": (L.mean_squared_logarithmic_error,
                                       (_positive((4, 3), np.float64), _positive((4, 3), np.float64)), True, True),
    "cosine_similarity": (L.cosine_similarity, (_reals((4, 3), np.float64), _reals((4, 3), np.float64)), True, True),
    "mean_absolute_percentage_error": (L.mean_absolute_percentage_error, _away_from_kinks((4, 3)), True, False),
    "hinge": (L.hinge, (_signs((4, 3), np.float64), _signs((4, 3), np.float64) * rng.uniform(0.1, 0.8, (4, 3))), False, False),
    "squared_hinge": (L.squared_hinge, (_signs((4, 3), np.float64), _signs((4, 3), np.float64) * rng.uniform(0.1, 0.8, (4, 3))), False, True),
    "categorical_hinge": (L.categorical_hinge, (_onehot((4, 3), np.float64), _reals((4, 3), np.float64) * 0.3), False, False),
    "binary_focal_crossentropy": (L.binary_focal_crossentropy,
                                  (_binary((4, 3), np.float64), rng.uniform(0.1, 0.9, (4, 3))), False, True),
    "binary_focal_crossentropy_logits": (
        lambda t, p: L.binary_focal_crossentropy(t, p, from_logits=True, apply_class_balancing=True, gamma=3.0),
        (_binary((4, 3), np.float64), _reals((4, 3), np.float64)), False, True),
}


@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_gradients_match_finite_differences(case):
    fn, (t, p), both, second = GRAD_CASES[case]
    if both:
        check_gradients(fn, [t, p], eps=1e-6, rtol=1e-6, atol=1e-8)
    else:
        check_gradients(lambda yp: fn(tf.constant(t), yp), [p], eps=1e-6, rtol=1e-6, atol=1e-8)
    if second:
        if both:
            check_gradients(fn, [t, p], eps=1e-5, rtol=1e-4, atol=1e-6, second_order=True)
        else:
            check_gradients(lambda yp: fn(tf.constant(t), yp), [p], eps=1e-5, rtol=1e-4, atol=1e-6,
                            second_order=True)


@pytest.mark.parametrize("cls", [L.Huber, L.LogCosh, L.CosineSimilarity, L.Poisson])
def test_class_with_sample_weight_differentiates_through_the_reduction(cls):
    t, p = _positive((4, 3), np.float64), _positive((4, 3), np.float64)
    w = rng.random(4)
    check_gradients(lambda yp: cls()(tf.constant(t), yp, sample_weight=w), [p], eps=1e-6, rtol=1e-6, atol=1e-8,
                    second_order=True, second_eps=1e-5, second_rtol=1e-4, second_atol=1e-6)


# -- names ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,cls", [
    ("huber", L.Huber), ("Huber", L.Huber), ("log_cosh", L.LogCosh), ("LogCosh", L.LogCosh),
    ("kl_divergence", L.KLDivergence), ("kld", L.KLDivergence), ("KLD", L.KLDivergence),
    ("KLDivergence", L.KLDivergence), ("poisson", L.Poisson), ("Poisson", L.Poisson),
    ("hinge", L.Hinge), ("squared_hinge", L.SquaredHinge), ("SquaredHinge", L.SquaredHinge),
    ("categorical_hinge", L.CategoricalHinge), ("cosine_similarity", L.CosineSimilarity),
    ("CosineSimilarity", L.CosineSimilarity),
    ("mean_squared_logarithmic_error", L.MeanSquaredLogarithmicError),
    ("msle", L.MeanSquaredLogarithmicError), ("MSLE", L.MeanSquaredLogarithmicError),
    ("MeanSquaredLogarithmicError", L.MeanSquaredLogarithmicError),
    ("mean_absolute_percentage_error", L.MeanAbsolutePercentageError),
    ("mape", L.MeanAbsolutePercentageError), ("MAPE", L.MeanAbsolutePercentageError),
    ("binary_focal_crossentropy", L.BinaryFocalCrossentropy),
    ("BinaryFocalCrossentropy", L.BinaryFocalCrossentropy),
    ("bce", L.BinaryCrossentropy), ("MSE", L.MeanSquaredError), ("MAE", L.MeanAbsoluteError),
])
def test_get_by_keras_names(name, cls):
    got = L.get(name)
    if name == cls.__name__:
        assert type(got) is cls
    else:  # a function name or alias: Keras 3's get returns the per-sample function
        assert callable(got) and not isinstance(got, L.Loss)
        m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
        m.compile("sgd", name)  # compile still uses the Loss class
        assert type(m.loss) is cls


def test_function_aliases_and_default_names():
    assert L.msle is L.MSLE is L.mean_squared_logarithmic_error
    assert L.mape is L.MAPE is L.mean_absolute_percentage_error
    assert L.kld is L.KLD is L.kl_divergence
    names = {L.Huber: "huber_loss", L.LogCosh: "log_cosh", L.KLDivergence: "kl_divergence",
             L.Poisson: "poisson", L.Hinge: "hinge", L.SquaredHinge: "squared_hinge",
             L.CategoricalHinge: "categorical_hinge", L.CosineSimilarity: "cosine_similarity",
             L.MeanSquaredLogarithmicError: "mean_squared_logarithmic_error",
             L.MeanAbsolutePercentageError: "mean_absolute_percentage_error",
             L.BinaryFocalCrossentropy: "binary_focal_crossentropy"}
    for cls, name in names.items():
        assert cls().name == name
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 'logcosh_typo'"):
        L.get("logcosh_typo")


def test_loss_function_wrapper():
    w = L.LossFunctionWrapper(L.huber, delta=0.5)
    t, p = _reals((3, 2), np.float64), _reals((3, 2), np.float64)
    assert w.name == "huber" and w.get_config()["delta"] == 0.5
    np.testing.assert_allclose(float(w(t, p)), np_huber(t, p, 0.5).mean(), rtol=1e-12)


@pytest.mark.parametrize("loss", ["huber", "log_cosh", "kld", "poisson", "msle", "mape",
                                  "cosine_similarity", "hinge", "squared_hinge",
                                  keras.losses.BinaryFocalCrossentropy(from_logits=True)])
def test_compile_and_fit_with_new_losses(loss):
    r = np.random.default_rng(1)
    x = r.standard_normal((32, 3)).astype(np.float32)
    y = (r.random((32, 2)) * 0.8 + 0.1).astype(np.float32)
    y = y / y.sum(-1, keepdims=True)
    tf.random.set_seed(0)
    act = "softmax" if loss in ("kld", "poisson", "msle") else None
    m = keras.Sequential([keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(2, activation=act)])
    m.build((None, 3))
    m.compile(optimizer=keras.optimizers.SGD(0.05), loss=loss)
    h = m.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert len(h.history["loss"]) == 3 and np.isfinite(h.history["loss"]).all()
    # evaluate's loss is the class's value on the predictions
    pred = m.predict(x, verbose=0)
    want = float(np.mean(L.get(loss)(y, pred))) if isinstance(loss, str) else float(loss(y, pred))
    np.testing.assert_allclose(m.evaluate(x, y, batch_size=32, verbose=0), want, rtol=1e-5)


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted({c[0].__name__ for c in CASES.values()}))
def test_mismatched_shapes_name_the_loss_and_shapes(name):
    fn = getattr(L, name)
    t, p = np.ones((3, 2), np.float32), np.ones((4, 2), np.float32) * 0.5
    t0, p0 = t.copy(), p.copy()
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=re.escape(f"{name}: y_true of shape (3, 2) and y_pred of shape (4, 2) are incompatible")):
        fn(t, p)
    np.testing.assert_array_equal(t, t0)
    np.testing.assert_array_equal(p, p0)


@pytest.mark.parametrize("name", sorted({c[0].__name__ for c in CASES.values()}))
def test_integer_predictions_and_non_numbers_refused(name):
    fn = getattr(L, name)
    with pytest.raises(TypeError, match=re.escape(f"{name}: y_pred must be a float32 or float64 tensor, "
                                                  "got an int32 tensor of shape (2, 2)")):
        fn(np.ones((2, 2), np.float32), tf.constant(np.ones((2, 2), np.int32)))
    with pytest.raises(TypeError, match=f"{name}: y_true: expected numbers, got None"):
        fn(None, np.ones((2, 2), np.float32))
    with pytest.raises(TypeError, match=f"{name}: y_pred: expected numbers"):
        fn(np.ones((2, 2), np.float32), "abc")


def test_class_sample_weight_mismatch_names_the_loss():
    w = np.ones(4)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=re.escape("huber_loss: sample_weight of shape (4,) does not match the "
                                       "per-sample losses of shape (3,)")):
        L.Huber()(np.ones((3, 2)), np.zeros((3, 2)), sample_weight=w)
    np.testing.assert_array_equal(w, np.ones(4))
    with pytest.raises(ValueError, match="Invalid value for argument `reduction`"):
        L.Huber(reduction="avg")
