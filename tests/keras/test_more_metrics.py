"""The Keras 3 metrics beyond the accuracies and MSE/MAE: RootMeanSquaredError, Sum, the mean
wrappers over the losses (MAPE, MSLE, CosineSimilarity, LogCoshError, KLDivergence, Poisson,
the hinges, the cross-entropies), the top-k accuracies, Precision, Recall and AUC.

Against numpy versions of Keras' formulas (AUC: Keras' bucketed algorithm), Keras' documented
example values, several batches, reset_state, sample_weight, compile + fit, and bad input."""

import json
import re

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

M = keras.metrics
EPS = 1e-7
rng = np.random.default_rng(11)


def _value(metric):
    r = metric.result()
    assert isinstance(r, tf.Tensor) and r.dtype == tf.float32
    return float(r) if r.shape == () else r.numpy()


def _run(metric, *args, sample_weight=None):
    metric.reset_state()
    metric.update_state(*args, sample_weight=sample_weight)
    return _value(metric)


# -- Keras' documented values ---------------------------------------------------------------------
T1, P1 = [[0, 1], [0, 0]], [[1, 1], [0, 0]]
T2, P2 = [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]
T3, P3 = [[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
TK, PK = [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]

DOCS = [
    # (id, metric, y_true, y_pred, sample_weight, result, weighted result)
    ("RootMeanSquaredError", M.RootMeanSquaredError, T1, P1, [1, 0], 0.5, 0.70710677),
    ("MeanAbsolutePercentageError", M.MeanAbsolutePercentageError, T1, P1, [1, 0], 250000000.0, 500000000.0),
    ("MeanSquaredLogarithmicError", M.MeanSquaredLogarithmicError, T1, P1, [1, 0], 0.12011322, 0.24022643),
    ("LogCoshError", M.LogCoshError, T1, P1, [1, 0], 0.10844523, 0.21689045),
    ("KLDivergence", M.KLDivergence, T2, P2, [1, 0], 0.45814306, 0.9162892),
    ("Poisson", M.Poisson, T1, P1, [1, 0], 0.49999997, 0.99999994),
    ("Hinge", M.Hinge, T2, P2, [1, 0], 1.3, 1.1),
    ("SquaredHinge", M.SquaredHinge, T2, P2, [1, 0], 1.86, 1.46),
    ("CategoricalHinge", M.CategoricalHinge, T2, P2, [1, 0], 1.4000001, 1.2),
    ("BinaryCrossentropy", M.BinaryCrossentropy, T2, P2, [1, 0], 0.81492424, 0.9162905),
    ("CategoricalCrossentropy", M.CategoricalCrossentropy, T3, P3, [0.3, 0.7], 1.1769392, 1.6271976),
    ("SparseCategoricalCrossentropy", M.SparseCategoricalCrossentropy, [1, 2], P3, [0.3, 0.7], 1.1769392, 1.6271976),
    ("CosineSimilarity", lambda: M.CosineSimilarity(axis=1), [[0, 1], [1, 1]], [[1, 0], [1, 1]], [0.3, 0.7],
     0.49999997, 0.6999999),
    ("TopKCategoricalAccuracy", lambda: M.TopKCategoricalAccuracy(k=1), TK, PK, [0.7, 0.3], 0.5, 0.3),
    ("SparseTopKCategoricalAccuracy", lambda: M.SparseTopKCategoricalAccuracy(k=1), [2, 1], PK, [0.7, 0.3], 0.5, 0.3),
    ("Precision", M.Precision, [0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0], 0.6666667, 1.0),
    ("Recall", M.Recall, [0, 1, 1, 1], [1, 0, 1, 1], [0, 0, 1, 0], 0.6666667, 1.0),
    ("AUC", lambda: M.AUC(num_thresholds=3), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9], [1, 0, 0, 1], 0.75, 1.0),
]


@pytest.mark.parametrize("doc", DOCS, ids=[d[0] for d in DOCS])
def test_keras_documented_values(doc):
    _, make, t, p, w, plain, weighted = doc
    m = make()
    assert _run(m, t, p) == pytest.approx(plain, rel=1e-6)
    assert _run(m, t, p, sample_weight=w) == pytest.approx(weighted, rel=1e-6)


def test_sum_documented_values():
    m = M.Sum()
    assert m.name == "sum" and _value(m) == 0.0
    m.update_state([1, 3, 5, 7])
    assert _value(m) == 16.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 0, 0, 1])
    assert _value(m) == 8.0
    m.update_state(np.ones((2, 3)), sample_weight=[2.0, 0.5])  # rows summed, then weighted
    assert _value(m) == 8.0 + 6.0 + 1.5
    assert [v.name.split(":")[0] for v in m.variables] == ["total"]


def test_precision_top_k_documented_values():
    assert _run(M.Precision(top_k=2), [0, 0, 1, 1], [1, 1, 1, 1]) == 0.0
    assert _run(M.Precision(top_k=4), [0, 0, 1, 1], [1, 1, 1, 1]) == 0.5


def test_auc_documented_counts():
    m = M.AUC(num_thresholds=3)
    np.testing.assert_allclose(m.thresholds, [-1e-7, 0.5, 1 + 1e-7])
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    np.testing.assert_array_equal(m.true_positives.numpy(), [2, 1, 0])
    np.testing.assert_array_equal(m.false_positives.numpy(), [2, 0, 0])
    np.testing.assert_array_equal(m.false_negatives.numpy(), [0, 1, 2])
    np.testing.assert_array_equal(m.true_negatives.numpy(), [0, 2, 2])


# -- mean wrappers against numpy, over several batches ------------------------------------------
def _np_cos(t, p):
    def nrm(x):
        return x / np.maximum(np.sqrt((x ** 2).sum(-1, keepdims=True)), EPS)
    return (nrm(t) * nrm(p)).sum(-1)


def _np_ce(t, p):
    return -(t * np.log(np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS))).sum(-1)


def _np_bce(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(-1)


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _probs(k, n=4):
    x = rng.random((k, n)) + 0.05
    return (x / x.sum(-1, keepdims=True)).astype(np.float32)


def _np_in_top_k(labels, p, k):
    target = p[np.arange(len(labels)), labels]
    return ((p > target[:, None]).sum(-1) < k).astype(np.float32)


WRAPPERS = {
    "MeanAbsolutePercentageError": (M.MeanAbsolutePercentageError, "mean_absolute_percentage_error",
                                    lambda k: rng.standard_normal((k, 3)).astype(np.float32),
                                    lambda k: rng.standard_normal((k, 3)).astype(np.float32),
                                    lambda t, p: 100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1)),
    "MeanSquaredLogarithmicError": (M.MeanSquaredLogarithmicError, "mean_squared_logarithmic_error",
                                    lambda k: rng.random((k, 3)).astype(np.float32) * 4,
                                    lambda k: rng.standard_normal((k, 3)).astype(np.float32) * 2,
                                    lambda t, p: ((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2).mean(-1)),
    "CosineSimilarity": (M.CosineSimilarity, "cosine_similarity",
                         lambda k: rng.standard_normal((k, 3)).astype(np.float32),
                         lambda k: rng.standard_normal((k, 3)).astype(np.float32), _np_cos),
    "LogCoshError": (M.LogCoshError, "logcosh",
                     lambda k: rng.standard_normal((k, 3)).astype(np.float32),
                     lambda k: rng.standard_normal((k, 3)).astype(np.float32),
                     lambda t, p: np.log(np.cosh(p - t)).mean(-1)),
    "KLDivergence": (M.KLDivergence, "kl_divergence", _probs, _probs,
                     lambda t, p: (t * np.log(t / p)).sum(-1)),
    "Poisson": (M.Poisson, "poisson",
                lambda k: rng.random((k, 3)).astype(np.float32) * 3,
                lambda k: rng.random((k, 3)).astype(np.float32) * 3 + 0.1,
                lambda t, p: (p - t * np.log(p + EPS)).mean(-1)),
    "Hinge": (M.Hinge, "hinge", lambda k: (rng.random((k, 3)) > 0.5).astype(np.float32),
              lambda k: rng.standard_normal((k, 3)).astype(np.float32),
              lambda t, p: np.maximum(1 - (2 * t - 1) * p, 0).mean(-1)),
    "SquaredHinge": (M.SquaredHinge, "squared_hinge", lambda k: (rng.random((k, 3)) > 0.5).astype(np.float32),
                     lambda k: rng.standard_normal((k, 3)).astype(np.float32),
                     lambda t, p: (np.maximum(1 - (2 * t - 1) * p, 0) ** 2).mean(-1)),
    "CategoricalHinge": (M.CategoricalHinge, "categorical_hinge",
                         lambda k: np.eye(4, dtype=np.float32)[rng.integers(0, 4, k)],
                         lambda k: rng.standard_normal((k, 4)).astype(np.float32),
                         lambda t, p: np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0)),
    "BinaryCrossentropy": (M.BinaryCrossentropy, "binary_crossentropy",
                           lambda k: (rng.random((k, 2)) > 0.5).astype(np.float32),
                           lambda k: rng.random((k, 2)).astype(np.float32), _np_bce),
    "CategoricalCrossentropy": (M.CategoricalCrossentropy, "categorical_crossentropy",
                                lambda k: np.eye(4, dtype=np.float32)[rng.integers(0, 4, k)], _probs, _np_ce),
    "SparseCategoricalCrossentropy": (M.SparseCategoricalCrossentropy, "sparse_categorical_crossentropy",
                                      lambda k: rng.integers(0, 4, (k, 1)), _probs,
                                      lambda t, p: _np_ce(np.eye(4)[t[:, 0]], p)),
    "TopKCategoricalAccuracy": (M.TopKCategoricalAccuracy, "top_k_categorical_accuracy",
                                lambda k: np.eye(8, dtype=np.float32)[rng.integers(0, 8, k)],
                                lambda k: rng.random((k, 8)).astype(np.float32),
                                lambda t, p: _np_in_top_k(t.argmax(-1), p, 5)),
    "SparseTopKCategoricalAccuracy": (M.SparseTopKCategoricalAccuracy, "sparse_top_k_categorical_accuracy",
                                      lambda k: rng.integers(0, 8, k),
                                      lambda k: rng.random((k, 8)).astype(np.float32),
                                      lambda t, p: _np_in_top_k(t, p, 5)),
}


@pytest.mark.parametrize("case", sorted(WRAPPERS))
def test_wrapper_accumulates_weights_and_resets(case):
    cls, name, make_y, make_p, per_sample = WRAPPERS[case]
    ys = [make_y(k) for k in (7, 5)]
    ps = [make_p(k) for k in (7, 5)]
    ws = [rng.random(k).astype(np.float32) for k in (7, 5)]
    ref = np.concatenate([per_sample(y.astype(np.float64) if y.dtype.kind == "f" else y,
                                     p.astype(np.float64)) for y, p in zip(ys, ps)])
    m = cls()
    assert m.name == name and _value(m) == 0.0 and isinstance(m, M.MeanMetricWrapper)
    for y, p in zip(ys, ps):
        m.update_state(y, tf.constant(p))
    np.testing.assert_allclose(_value(m), ref.mean(), rtol=1e-5)
    m.reset_state()
    assert _value(m) == 0.0
    for y, p, w in zip(ys, ps, ws):
        m.update_state(y, p, sample_weight=w)
    w = np.concatenate(ws)
    np.testing.assert_allclose(_value(m), (ref * w).sum() / w.sum(), rtol=1e-5)
    assert cls(name="custom").name == "custom"


def test_root_mean_squared_error_against_numpy_over_batches():
    m = M.RootMeanSquaredError()
    assert m.name == "root_mean_squared_error" and _value(m) == 0.0
    assert not isinstance(m, M.Mean)  # its result is a root: fit's distributed means skip it
    ys = [rng.standard_normal((k, 3)).astype(np.float32) for k in (6, 4)]
    ps = [rng.standard_normal((k, 3)).astype(np.float32) for k in (6, 4)]
    ws = [rng.random(k).astype(np.float32) for k in (6, 4)]
    per = np.concatenate([((p - y) ** 2).mean(-1) for y, p in zip(ys, ps)])
    for y, p in zip(ys, ps):
        m.update_state(y, p)
    np.testing.assert_allclose(_value(m), np.sqrt(per.mean()), rtol=1e-6)
    m.reset_state()
    assert float(m.count) == 0.0
    for y, p, w in zip(ys, ps, ws):
        m.update_state(y, p, sample_weight=w)
    w = np.concatenate(ws)
    np.testing.assert_allclose(_value(m), np.sqrt((per * w).sum() / w.sum()), rtol=1e-6)
    # rank-1 inputs: one squared error per sample
    m.reset_state()
    m.update_state([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])
    np.testing.assert_allclose(_value(m), np.sqrt(4 / 3), rtol=1e-6)


def test_cross_entropy_metrics_from_logits():
    z = rng.standard_normal((6, 4)).astype(np.float32) * 3
    lab = rng.integers(0, 4, 6)
    onehot = np.eye(4, dtype=np.float32)[lab]
    logp = z - z.max(-1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(-1, keepdims=True))
    want = -(onehot * logp).sum(-1).mean()
    assert _run(M.CategoricalCrossentropy(from_logits=True), onehot, z) == pytest.approx(want, rel=1e-5)
    assert _run(M.SparseCategoricalCrossentropy(from_logits=True), lab, z) == pytest.approx(want, rel=1e-5)
    b = (rng.random((6, 4)) > 0.5).astype(np.float32)
    want_b = (np.maximum(z, 0) - b * z + np.log1p(np.exp(-np.abs(z)))).mean()
    m = M.BinaryCrossentropy(from_logits=True)
    assert _run(m, b, z) == pytest.approx(want_b, rel=1e-5)
    assert m.get_config()["from_logits"] is True and m.from_logits is True
    smoothed = M.BinaryCrossentropy(label_smoothing=0.2)
    bs = b * 0.8 + 0.1
    assert _run(smoothed, b, _sig(z)) == pytest.approx(_np_bce(bs, _sig(z).astype(np.float64)).mean(), rel=1e-4)


# -- top k ----------------------------------------------------------------------------------------
def test_top_k_ties_rank_3_and_k_beyond_the_classes():
    p = np.array([[0.5, 0.5, 0.5, 0.1], [0.4, 0.3, 0.2, 0.1]], np.float32)
    # label 2 tied with two others at the top: in the top 1 as tf.math.in_top_k
    np.testing.assert_array_equal(M.sparse_top_k_categorical_accuracy([2, 3], p, k=1).numpy(), [1, 0])
    np.testing.assert_array_equal(M.sparse_top_k_categorical_accuracy([3, 3], p, k=3).numpy(), [0, 0])
    np.testing.assert_array_equal(M.sparse_top_k_categorical_accuracy([3, 3], p, k=4).numpy(), [1, 1])
    np.testing.assert_array_equal(M.sparse_top_k_categorical_accuracy([3, 3], p, k=10).numpy(), [1, 1])
    # (batch, 1) labels: the result keeps their shape, as Keras
    assert M.sparse_top_k_categorical_accuracy(np.array([[2], [0]]), p, k=1).shape == (2, 1)
    # rank 3: flattened over the leading axes
    p3 = rng.random((2, 3, 5)).astype(np.float32)
    lab3 = rng.integers(0, 5, (2, 3))
    out = M.sparse_top_k_categorical_accuracy(lab3, p3, k=2)
    assert out.shape == (2, 3)
    np.testing.assert_array_equal(out.numpy().reshape(-1), _np_in_top_k(lab3.reshape(-1), p3.reshape(-1, 5), 2))
    out = M.top_k_categorical_accuracy(np.eye(5, dtype=np.float32)[lab3], p3, k=2)
    np.testing.assert_array_equal(out.numpy().reshape(-1), _np_in_top_k(lab3.reshape(-1), p3.reshape(-1, 5), 2))
    # float labels and int tensors
    np.testing.assert_array_equal(M.sparse_top_k_categorical_accuracy(tf.constant([2.0, 0.0]), p, k=1).numpy(), [1, 1])
    np.testing.assert_array_equal(M.sparse_top_k_categorical_accuracy(tf.constant(np.array([2, 0], np.int32)), p, k=1).numpy(), [1, 1])
    m = M.SparseTopKCategoricalAccuracy(k=2)
    assert m.k == 2 and m.get_config()["k"] == 2
    assert M.TopKCategoricalAccuracy(3).k == 3  # k first, as Keras' signature


# -- Precision / Recall ---------------------------------------------------------------------------
def _np_counts(t, p, thresholds, w=None, top_k=None, class_id=None):
    """Keras' update_confusion_matrix_variables, general path, in numpy float64."""
    t, p = np.asarray(t, np.float64), np.asarray(p, np.float64)
    if w is not None:
        w = np.asarray(w, np.float64)
        w = w[..., None] if w.ndim < t.ndim else w
    if top_k is not None:
        idx = np.argsort(-p, axis=-1, kind="stable")[..., :top_k]
        mask = np.zeros_like(p)
        np.put_along_axis(mask, idx, 1.0, -1)
        p = p * mask + -1e10 * (1 - mask)
    if class_id is not None:
        t, p = t[..., class_id:class_id + 1], p[..., class_id:class_id + 1]
    w = np.ones_like(p) if w is None else np.broadcast_to(w, p.shape)
    lab, w, p = (t != 0).reshape(-1), w.reshape(-1), p.reshape(-1)
    above = p[None, :] > np.asarray(thresholds)[:, None]
    tp = (above & lab) @ w
    fp = (above & ~lab) @ w
    fn = (~above & lab) @ w
    tn = (~above & ~lab) @ w
    return tp, fp, fn, tn


def _ratio(a, b):
    return np.where(a + b == 0, 0.0, a / np.where(a + b == 0, 1, a + b))


@pytest.mark.parametrize("kw", [dict(), dict(thresholds=0.3), dict(thresholds=[0.1, 0.5, 0.9]),
                                dict(thresholds=[0.0, 0.5, 1.0]), dict(top_k=2), dict(class_id=1),
                                dict(top_k=3, class_id=2), dict(thresholds=[0.2, 0.7], class_id=0)],
                         ids=["default", "t0.3", "three", "even", "top2", "class1", "top3_class2", "two_class0"])
def test_precision_and_recall_against_numpy_over_batches(kw):
    batches = [((rng.random((k, 4)) > 0.6).astype(np.float32), rng.random((k, 4)).astype(np.float32),
                rng.random(k).astype(np.float32)) for k in (9, 6)]
    thresholds = kw.get("thresholds")
    thr = [0.5 if "top_k" not in kw else -1e10] if thresholds is None else np.atleast_1d(thresholds).tolist()
    np_kw = {k: v for k, v in kw.items() if k != "thresholds"}
    for weighted in (False, True):
        prec, rec = M.Precision(**kw), M.Recall(**kw)
        sums = np.zeros((4, len(thr)))
        for t, p, w in batches:
            sw = w if weighted else None
            prec.update_state(t, p, sample_weight=sw)
            rec.update_state(t, tf.constant(p), sample_weight=sw)
            sums += np.array(_np_counts(t, p, thr, sw, **np_kw))
        tp, fp, fn, _ = sums
        want_p, want_r = _ratio(tp, fp), _ratio(tp, fn)
        if len(thr) == 1:
            want_p, want_r = want_p[0], want_r[0]
        np.testing.assert_allclose(_value(prec), want_p, rtol=1e-5)
        np.testing.assert_allclose(_value(rec), want_r, rtol=1e-5)
        np.testing.assert_allclose(prec.true_positives.numpy(), tp, rtol=1e-5)
        np.testing.assert_allclose(prec.false_positives.numpy(), fp, rtol=1e-5)
        np.testing.assert_allclose(rec.false_negatives.numpy(), fn, rtol=1e-5)
        prec.reset_state()
        assert np.all(prec.true_positives.numpy() == 0) and np.all(_value(prec) == 0)


def test_precision_recall_zero_denominator_names_and_config():
    p, r = M.Precision(), M.Recall()
    assert p.name == "precision" and r.name == "recall"
    assert _value(p) == 0.0 and _value(r) == 0.0  # divide_no_nan before any update
    p.update_state([1, 1], [0.1, 0.2])  # nothing predicted positive
    r.update_state([0, 0], [0.9, 0.2])  # no positive label
    assert _value(p) == 0.0 and _value(r) == 0.0
    assert p.get_config() == {"name": "precision", "dtype": "float32", "thresholds": None,
                              "top_k": None, "class_id": None}
    assert M.Precision(thresholds=[0.2, 0.8]).result().shape == (2,)
    assert [v.name.split(":")[0] for v in p.variables] == ["true_positives", "false_positives"]
    # predictions exactly at the threshold are negative (strictly greater is positive)
    assert _run(M.Recall(), [1, 1], [0.5, 0.50001]) == 0.5


def test_precision_sample_weight_shapes():
    t = np.array([[1, 0], [1, 1], [0, 1]], np.float32)
    p = np.array([[0.9, 0.8], [0.3, 0.7], [0.6, 0.1]], np.float32)
    # (batch,), (batch, 1) and elementwise weights
    w = np.array([1.0, 2.0, 0.5], np.float32)
    tp, fp, _, _ = _np_counts(t, p, [0.5], w)
    want = tp[0] / (tp[0] + fp[0])
    assert _run(M.Precision(), t, p, sample_weight=w) == pytest.approx(want, rel=1e-6)
    assert _run(M.Precision(), t, p, sample_weight=w[:, None]) == pytest.approx(want, rel=1e-6)
    we = rng.random((3, 2)).astype(np.float32)
    tp, fp, _, _ = _np_counts(t, p, [0.5], we)
    assert _run(M.Precision(), t, p, sample_weight=we) == pytest.approx(tp[0] / (tp[0] + fp[0]), rel=1e-6)
    # (batch,) labels against (batch, 1) scores
    assert _run(M.Recall(), np.array([1, 0, 1]), np.array([[0.7], [0.9], [0.2]], np.float32)) == 0.5


# -- AUC ------------------------------------------------------------------------------------------
def _np_auc_counts(t, p, n, w=None):
    """Keras' bucketed algorithm for evenly spaced thresholds with epsilon ends (float32)."""
    t = (np.asarray(t, np.float32).reshape(-1) != 0).astype(np.float32)
    p = np.clip(np.asarray(p, np.float32).reshape(-1), 0, 1)
    w = np.ones_like(t) if w is None else np.broadcast_to(np.asarray(w, np.float32).reshape(-1), t.shape)
    b = np.maximum(np.ceil(p * np.float32(n - 1)) - 1, 0).astype(int)
    tp = np.cumsum(np.bincount(b, t * w, n)[::-1])[::-1]
    fp = np.cumsum(np.bincount(b, (1 - t) * w, n)[::-1])[::-1]
    return tp, fp, (t * w).sum() - tp, ((1 - t) * w).sum() - fp


def _np_auc(tp, fp, fn, tn, curve="ROC", method="interpolation"):
    with np.errstate(divide="ignore", invalid="ignore"):
        if curve == "PR" and method == "interpolation":
            dtp = tp[:-1] - tp[1:]
            p = tp + fp
            dp = p[:-1] - p[1:]
            slope = _ratio_pos(dtp, np.maximum(dp, 0))
            intercept = tp[1:] - slope * p[1:]
            safe = np.where((p[:-1] > 0) & (p[1:] > 0), _ratio_pos(p[:-1], np.maximum(p[1:], 0)), 1.0)
            return np.sum(_ratio_pos(slope * (dtp + intercept * np.log(safe)), np.maximum(tp[1:] + fn[1:], 0)))
        recall = _ratio(tp, fn)
        if curve == "ROC":
            x, y = _ratio(fp, tn), recall
        else:
            x, y = recall, _ratio(tp, fp)
        h = {"interpolation": (y[:-1] + y[1:]) / 2, "minoring": np.minimum(y[:-1], y[1:]),
             "majoring": np.maximum(y[:-1], y[1:])}[method]
        return np.sum((x[:-1] - x[1:]) * h)


def _ratio_pos(a, b):
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("method", ["interpolation", "minoring", "majoring"])
def test_auc_against_numpy_bucketed_algorithm(curve, method):
    batches = [((rng.random(k) > 0.5).astype(np.float32),
                np.round(rng.random(k), 2).astype(np.float32),  # values on and between thresholds
                rng.random(k).astype(np.float32)) for k in (40, 25)]
    for weighted in (False, True):
        m = M.AUC(num_thresholds=51, curve=curve, summation_method=method)
        counts = np.zeros((4, 51))
        for t, p, w in batches:
            m.update_state(t, p, sample_weight=w if weighted else None)
            counts += np.array(_np_auc_counts(t, p, 51, w if weighted else None))
        for var, want in zip((m.true_positives, m.false_positives, m.false_negatives, m.true_negatives), counts):
            np.testing.assert_allclose(var.numpy(), want, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(_value(m), _np_auc(*counts, curve, method), rtol=1e-5)


def test_auc_default_thresholds_and_exact_roc_area():
    m = M.AUC()
    assert m.num_thresholds == 200 and m.name == "auc" and m.curve == "ROC"
    th = np.array(m.thresholds)
    assert th[0] == -1e-7 and th[-1] == 1 + 1e-7
    np.testing.assert_allclose(th[1:-1], np.arange(1, 199) / 199)
    # with many thresholds, the ROC area approaches the exact (Mann-Whitney) statistic
    t = (rng.random(400) > 0.5).astype(np.float32)
    s = np.clip(rng.normal(0.4 + 0.25 * t, 0.2), 0, 1).astype(np.float32)
    m = M.AUC(num_thresholds=2000)
    m.update_state(t, s)
    pos, neg = s[t == 1], s[t == 0]
    exact = ((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (len(pos) * len(neg))
    assert _value(m) == pytest.approx(exact, abs=2e-3)
    m.reset_state()
    assert np.all(m.true_positives.numpy() == 0)


def test_auc_given_thresholds_from_logits_and_2d_inputs():
    t = (rng.random((10, 3)) > 0.5).astype(np.float32)
    z = rng.standard_normal((10, 3)).astype(np.float32)
    # uneven thresholds: the comparison path; both ends get the epsilon thresholds
    m = M.AUC(thresholds=[0.7, 0.2, 0.5], from_logits=True)
    assert m.num_thresholds == 5
    np.testing.assert_allclose(m.thresholds, [-1e-7, 0.2, 0.5, 0.7, 1 + 1e-7], rtol=1e-7)
    m.update_state(t, z)
    tp, fp, fn, tn = _np_counts(t, _sig(z.astype(np.float64)), m.thresholds)
    np.testing.assert_allclose(m.true_positives.numpy(), tp)
    np.testing.assert_allclose(m.true_negatives.numpy(), tn)
    np.testing.assert_allclose(_value(m), _np_auc(tp, fp, fn, tn), rtol=1e-5)
    # evenly spaced thresholds given: the bucketed path, same as num_thresholds
    a, b = M.AUC(thresholds=[0.25, 0.5, 0.75]), M.AUC(num_thresholds=5)
    p = rng.random((10, 3)).astype(np.float32)
    assert _run(a, t, p) == pytest.approx(_run(b, t, p), rel=1e-6)
    cfg = M.AUC(curve="pr", summation_method="Majoring").get_config()
    assert cfg["curve"] == "PR" and cfg["summation_method"] == "majoring"


# -- AUC: multi_label, num_labels, label_weights ---------------------------------------------------
def _ref_counts(t, p, thresholds, w=None):
    """Keras' confusion counts by their definition (prediction > threshold), in float64: arrays
    of shape (T,) + p.shape[1:] (per label for (batch, labels) inputs)."""
    t = (np.asarray(t) != 0).astype(np.float64)
    p = np.asarray(p, np.float32)
    if w is None:
        w = np.ones(t.shape)
    else:  # one weight per sample (or per entry)
        w = np.asarray(w, np.float64)
        w = np.broadcast_to(w.reshape(w.shape + (1,) * (t.ndim - w.ndim)), t.shape)
    thr = np.asarray(thresholds, np.float32).reshape((-1,) + (1,) * p.ndim)
    above = (p[None] > thr).astype(np.float64)
    tp = (above * (t * w)[None]).sum(axis=1)
    fp = (above * ((1 - t) * w)[None]).sum(axis=1)
    return tp, fp, (t * w).sum(axis=0) - tp, ((1 - t) * w).sum(axis=0) - fp


def _no_nan(a, b):
    return 0.0 if b == 0 else a / b


def _ref_auc(tp, fp, fn, tn, curve="ROC", method="interpolation"):
    """Keras' AUC.result for one label, threshold by threshold (plain loops)."""
    n = len(tp)
    area = 0.0
    if curve == "PR" and method == "interpolation":
        for i in range(n - 1):
            dtp = tp[i] - tp[i + 1]
            p0, p1 = tp[i] + fp[i], tp[i + 1] + fp[i + 1]
            slope = _no_nan(dtp, max(p0 - p1, 0.0))
            intercept = tp[i + 1] - slope * p1
            ratio = _no_nan(p0, max(p1, 0.0)) if (p0 > 0 and p1 > 0) else 1.0
            area += _no_nan(slope * (dtp + intercept * np.log(ratio)), max(tp[i + 1] + fn[i + 1], 0.0))
        return area
    rec = [_no_nan(tp[i], tp[i] + fn[i]) for i in range(n)]
    if curve == "ROC":
        x, y = [_no_nan(fp[i], fp[i] + tn[i]) for i in range(n)], rec
    else:
        x, y = rec, [_no_nan(tp[i], tp[i] + fp[i]) for i in range(n)]
    for i in range(n - 1):
        h = {"interpolation": (y[i] + y[i + 1]) / 2, "minoring": min(y[i], y[i + 1]),
             "majoring": max(y[i], y[i + 1])}[method]
        area += (x[i] - x[i + 1]) * h
    return area


def _ref_multi_auc(counts, curve, method, label_weights=None):
    per = np.array([_ref_auc(*(c[:, j] for c in counts), curve, method)
                    for j in range(counts[0].shape[1])])
    if label_weights is None:
        return per.mean(), per
    lw = np.asarray(label_weights, np.float64)
    return _no_nan((per * lw).sum(), lw.sum()), per


def _multi_batches(labels=4, sizes=(30, 17)):
    out = []
    for k in sizes:
        t = (rng.random((k, labels)) > 0.6).astype(np.float32)
        t[:, 0] = 0  # a label without positives: its recall terms are all divide_no_nan zeros
        t[0, 0] = 1 if k == sizes[0] else 0
        out.append((t, rng.random((k, labels)).astype(np.float32), rng.random(k).astype(np.float32)))
    return out


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("method", ["interpolation", "minoring", "majoring"])
@pytest.mark.parametrize("thresholds", [None, [0.8, 0.1, 0.45, 0.3]], ids=["even", "given"])
@pytest.mark.parametrize("label_weights", [None, [0.5, 2.0, 0.0, 1.0]], ids=["mean", "weighted"])
def test_auc_multi_label_against_numpy(curve, method, thresholds, label_weights):
    m = M.AUC(num_thresholds=33, curve=curve, summation_method=method, thresholds=thresholds,
              multi_label=True, label_weights=label_weights)
    assert m.variables == [] and float(m.result()) == 0.0  # built at the first update
    counts = [0, 0, 0, 0]
    for i, (t, p, w) in enumerate(_multi_batches()):
        sw = w if i == 1 else None
        m.update_state(t, p, sample_weight=sw)
        counts = [a + b for a, b in zip(counts, _ref_counts(t, p, m.thresholds, sw))]
    assert tuple(m.true_positives.shape) == (m.num_thresholds, 4)
    for var, want in zip((m.true_positives, m.false_positives, m.false_negatives, m.true_negatives), counts):
        np.testing.assert_allclose(var.numpy(), want, rtol=1e-5, atol=1e-5)
    want, per_label = _ref_multi_auc(counts, curve, method, label_weights)
    np.testing.assert_allclose(_value(m), want, rtol=1e-5, atol=1e-6)
    assert len(set(np.round(per_label, 6))) > 1  # the labels' areas differ: the average matters


def test_auc_multi_label_is_the_mean_of_per_label_aucs():
    t = (rng.random((60, 3)) > 0.5).astype(np.float32)
    p = np.clip(t * 0.3 + rng.random((60, 3)) * 0.7, 0, 1).astype(np.float32)
    w = rng.random(60).astype(np.float32)
    for kw in (dict(), dict(curve="PR"), dict(curve="PR", summation_method="majoring"),
               dict(thresholds=[0.2, 0.5, 0.7])):
        per = [_run(M.AUC(**kw), t[:, j], p[:, j], sample_weight=w) for j in range(3)]
        got = _run(M.AUC(multi_label=True, **kw), t, p, sample_weight=w)
        np.testing.assert_allclose(got, np.mean(per), rtol=1e-5)
        lw = [3.0, 1.0, 0.5]
        got = _run(M.AUC(multi_label=True, num_labels=3, label_weights=lw, **kw), t, p, sample_weight=w)
        np.testing.assert_allclose(got, np.dot(per, lw) / sum(lw), rtol=1e-5)
    # all label weights zero: divide_no_nan gives 0
    assert _run(M.AUC(multi_label=True, label_weights=[0, 0, 0]), t, p) == 0.0


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("thresholds", [None, [0.25, 0.6, 0.9]], ids=["even", "given"])
def test_auc_label_weights_without_multi_label(curve, thresholds):
    """Keras: one set of counts, each (sample, label) entry weighted by sample_weight * the
    label's weight."""
    lw = np.array([1.0, 0.0, 2.5], np.float32)
    t = (rng.random((40, 3)) > 0.5).astype(np.float32)
    p = rng.random((40, 3)).astype(np.float32)
    w = rng.random(40).astype(np.float32)
    for sw in (None, w):
        m = M.AUC(num_thresholds=21, curve=curve, thresholds=thresholds, label_weights=lw)
        m.update_state(t, p, sample_weight=sw)
        weights = np.broadcast_to(lw[None, :] * (1.0 if sw is None else sw[:, None]), t.shape)
        counts = _ref_counts(t.reshape(-1), p.reshape(-1), m.thresholds, weights.reshape(-1))
        assert tuple(m.true_positives.shape) == (m.num_thresholds,)
        np.testing.assert_allclose(m.true_positives.numpy(), counts[0], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(m.true_negatives.numpy(), counts[3], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(_value(m), _ref_auc(*counts, curve), rtol=1e-5, atol=1e-6)
        # the same as flattening the inputs with per-entry sample weights
        plain = M.AUC(num_thresholds=21, curve=curve, thresholds=thresholds)
        np.testing.assert_allclose(_value(m), _run(plain, t.reshape(-1), p.reshape(-1),
                                                   sample_weight=weights.reshape(-1)), rtol=1e-5)


def test_auc_multi_label_state_config_and_logits():
    t = (rng.random((20, 2)) > 0.5).astype(np.float32)
    z = rng.standard_normal((20, 2)).astype(np.float32)
    m = M.AUC(multi_label=True, num_labels=2, from_logits=True, label_weights=[1, 3])
    assert tuple(m.true_positives.shape) == (200, 2)  # num_labels: built at once
    m.update_state(t, z)
    counts = _ref_counts(t, _sig(z.astype(np.float64)).astype(np.float32), m.thresholds)
    np.testing.assert_allclose(_value(m), _ref_multi_auc(counts, "ROC", "interpolation", [1, 3])[0],
                               rtol=1e-5)
    cfg = m.get_config()
    assert cfg["multi_label"] is True and cfg["num_labels"] == 2 and cfg["label_weights"] == [1.0, 3.0]
    again = M.AUC.from_config(cfg)
    assert again.get_config() == cfg
    np.testing.assert_allclose(_run(again, t, z), _value(m), rtol=1e-6)
    back = M.deserialize(json.loads(json.dumps(M.serialize(m))))
    assert isinstance(back, M.AUC) and back.get_config() == cfg
    m.reset_state()
    assert all(np.all(v.numpy() == 0) for v in m.variables) and _value(m) == 0.0
    lazy = M.AUC(multi_label=True)
    assert lazy.get_config()["num_labels"] is None
    lazy.update_state(t, _sig(z))
    assert tuple(lazy.false_negatives.shape) == (200, 2) and len(lazy.variables) == 4
    lazy.update_state(t[:5], _sig(z[:5]))  # later batches reuse the Variables
    assert len(lazy.variables) == 4


def test_compile_fit_evaluate_with_multi_label_auc():
    r = np.random.default_rng(3)
    x = r.standard_normal((80, 4)).astype(np.float32)
    y = (x[:, :3] + 0.5 * r.standard_normal((80, 3)) > 0).astype(np.float32)
    tf.random.set_seed(0)
    model = keras.Sequential([keras.layers.Dense(3, activation="sigmoid")])
    model.build((None, 4))
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="binary_crossentropy",
                  metrics=[M.AUC(multi_label=True, name="ml_auc"),
                           M.AUC(multi_label=True, num_labels=3, label_weights=[1, 0, 2], curve="PR",
                                 name="wpr_auc")])
    h = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    p = model.predict(x, verbose=0)
    th = M.AUC().thresholds
    counts = _ref_counts(y, p, th)
    want = _ref_multi_auc(counts, "ROC", "interpolation")[0]
    want_pr = _ref_multi_auc(counts, "PR", "interpolation", [1, 0, 2])[0]
    np.testing.assert_allclose(h.history["ml_auc"], [want], rtol=2e-5)
    np.testing.assert_allclose(h.history["wpr_auc"], [want_pr], rtol=2e-5)
    res = model.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)
    np.testing.assert_allclose([res["ml_auc"], res["wpr_auc"]], [want, want_pr], rtol=2e-5)


def test_auc_multi_label_bad_input():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=re.escape("auc: All values of `label_weights` must be non-negative. Received: [1.0, -0.5]")):
        M.AUC(label_weights=[1.0, -0.5])
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be non-negative"):
        M.AUC(multi_label=True, label_weights=[1.0, float("nan")])
    with pytest.raises(ValueError, match="`label_weights` must be a non-empty 1-D list of numbers"):
        M.AUC(multi_label=True, label_weights=[[1.0, 2.0]])
    with pytest.raises(ValueError, match="`label_weights` must be a non-empty 1-D list of numbers"):
        M.AUC(label_weights=["a"])
    with pytest.raises(ValueError, match="`num_labels` must be a positive integer, got 0"):
        M.AUC(multi_label=True, num_labels=0)
    with pytest.raises(ValueError, match="Number of labels is not consistent: num_labels=3 but 2 label_weights"):
        M.AUC(multi_label=True, num_labels=3, label_weights=[1, 2])
    m = M.AUC(multi_label=True)
    with pytest.raises(ValueError, match=re.escape("auc: `y_true` must have rank 2 when `multi_label=True`. Found rank 1")):
        m.update_state([0, 1, 1], [0.2, 0.6, 0.7])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=re.escape("auc: y_true of shape (2, 3) and y_pred of shape (2, 2) are incompatible")):
        m.update_state(np.zeros((2, 3)), np.zeros((2, 2), np.float32))
    assert m.variables == []  # nothing built by the bad calls
    m.update_state(np.eye(2), np.full((2, 2), 0.4, np.float32))
    before = [v.numpy().copy() for v in m.variables]
    with pytest.raises(ValueError, match=re.escape("auc: Number of labels is not consistent: expected y_true "
                                                   "and y_pred of shape (batch, 2), got (2, 3)")):
        m.update_state(np.zeros((2, 3)), np.zeros((2, 3), np.float32))
    for v, b in zip(m.variables, before):
        np.testing.assert_array_equal(v.numpy(), b)
    w = M.AUC(label_weights=[1, 2, 3])
    with pytest.raises(ValueError, match=re.escape("expected y_true and y_pred of shape (batch, 3), got (4, 2)")):
        w.update_state(np.zeros((4, 2)), np.zeros((4, 2), np.float32))
    with pytest.raises(ValueError, match=re.escape("expected y_true and y_pred of shape (batch, 3), got (4,)")):
        w.update_state(np.zeros(4), np.zeros(4, np.float32))
    assert np.all(w.true_positives.numpy() == 0)


# -- names, compile and fit -----------------------------------------------------------------------
def test_get_names():
    assert M.get("mape") is M.mape is keras.losses.mean_absolute_percentage_error
    assert M.get("msle") is M.get("MSLE") is M.mean_squared_logarithmic_error
    assert M.get("kld") is M.get("kl_divergence") is M.kl_divergence
    for name in ("log_cosh", "poisson", "hinge", "squared_hinge", "categorical_hinge",
                 "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy"):
        assert M.get(name) is getattr(M, name)
    assert M.get("bce") is keras.losses.binary_crossentropy
    for name, cls in [("auc", M.AUC), ("AUC", M.AUC), ("precision", M.Precision), ("Precision", M.Precision),
                      ("recall", M.Recall), ("root_mean_squared_error", M.RootMeanSquaredError),
                      ("RootMeanSquaredError", M.RootMeanSquaredError), ("cosine_similarity", M.CosineSimilarity),
                      ("LogCoshError", M.LogCoshError), ("sum", M.Sum), ("TopKCategoricalAccuracy", M.TopKCategoricalAccuracy)]:
        assert type(M.get(name)) is cls, name
    with pytest.raises(ValueError, match=re.escape("Unknown metric function: 'rmse'")):
        M.get("rmse")  # not a Keras 3 name


def _binary_model(seed=0):
    tf.random.set_seed(seed)
    m = keras.Sequential([keras.layers.Dense(6, activation="tanh"), keras.layers.Dense(1, activation="sigmoid")])
    m.build((None, 3))
    return m


def test_compile_fit_evaluate_with_confusion_metrics():
    r = np.random.default_rng(1)
    x = r.standard_normal((96, 3)).astype(np.float32)
    y = (x[:, :1] - 0.5 * x[:, 1:2] + 0.3 * r.standard_normal((96, 1)) > 0).astype(np.float32)
    m = _binary_model()
    m.compile(optimizer=keras.optimizers.SGD(0.0), loss="binary_crossentropy",
              metrics=["auc", "precision", M.Recall(thresholds=0.3, name="recall_30"),
                       M.AUC(curve="PR", name="pr_auc"), "root_mean_squared_error", "kld"])
    assert m.metrics_names == ["loss", "auc", "precision", "recall_30", "pr_auc",
                               "root_mean_squared_error", "kld"]
    h = m.fit(x, y, epochs=2, batch_size=16, verbose=0, validation_data=(x[:40], y[:40]))
    p = m.predict(x, verbose=0)
    counts = _np_auc_counts(y, p, 200)
    tp, fp, _, _ = _np_counts(y, p, [0.5])
    tp3, _, fn3, _ = _np_counts(y, p, [0.3])
    want = {"auc": _np_auc(*counts), "precision": tp[0] / (tp[0] + fp[0]),
            "recall_30": tp3[0] / (tp3[0] + fn3[0]), "pr_auc": _np_auc(*counts, "PR"),
            "root_mean_squared_error": np.sqrt(((p - y) ** 2).mean()),
            "kld": (np.clip(y, EPS, 1) * np.log(np.clip(y, EPS, 1) / np.clip(p, EPS, 1))).sum(-1).mean()}
    for key, value in want.items():
        np.testing.assert_allclose(h.history[key], [value, value], rtol=2e-5, err_msg=key)
    assert 0.5 < want["auc"] < 1.0
    pv = m.predict(x[:40], verbose=0)
    np.testing.assert_allclose(h.history["val_auc"], [_np_auc(*_np_auc_counts(y[:40], pv, 200))] * 2, rtol=2e-5)
    res = m.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)
    np.testing.assert_allclose(res["auc"], want["auc"], rtol=2e-5)


def test_compile_fit_with_top_k_and_weighted_metrics():
    r = np.random.default_rng(2)
    x = r.standard_normal((60, 3)).astype(np.float32)
    lab = r.integers(0, 6, 60)
    w = r.random(60).astype(np.float32)
    tf.random.set_seed(0)
    m = keras.Sequential([keras.layers.Dense(6)])
    m.build((None, 3))
    m.compile(optimizer=keras.optimizers.SGD(0.0),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=[M.SparseTopKCategoricalAccuracy(k=2), M.SparseCategoricalCrossentropy(from_logits=True)],
              weighted_metrics=["sparse_top_k_categorical_accuracy"])
    assert m.metrics_names == ["loss", "sparse_top_k_categorical_accuracy", "sparse_categorical_crossentropy",
                               "weighted_sparse_top_k_categorical_accuracy"]
    h = m.fit(x, lab, sample_weight=w, epochs=1, batch_size=16, verbose=0)
    z = m.predict(x, verbose=0)
    top2 = _np_in_top_k(lab, z, 2)
    top5 = _np_in_top_k(lab, z, 5)  # the string gives Keras' default k=5
    np.testing.assert_allclose(h.history["sparse_top_k_categorical_accuracy"], [top2.mean()], rtol=1e-6)
    np.testing.assert_allclose(h.history["weighted_sparse_top_k_categorical_accuracy"],
                               [(top5 * w).sum() / w.sum()], rtol=1e-5)
    assert 0 < top2.mean() < 1


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [M.Precision, M.Recall, M.AUC], ids=["Precision", "Recall", "AUC"])
def test_confusion_metrics_refuse_mismatched_shapes(make):
    m = make()
    t, p = np.array([0, 1, 1, 0]), np.array([0.2, 0.8, 0.4, 0.9, 0.1], np.float32)
    t0, p0 = t.copy(), p.copy()
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=re.escape(f"{m.name}: y_true of shape (4,) and y_pred of shape (5,) are incompatible")):
        m.update_state(t, p)
    assert np.all(m.variables[0].numpy() == 0)  # nothing accumulated
    np.testing.assert_array_equal(t, t0)
    np.testing.assert_array_equal(p, p0)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=re.escape(f"{m.name}: sample_weight of shape (3,) does not match y_pred of shape (4,)")):
        m.update_state(t, p[:4], sample_weight=np.ones(3))
    with pytest.raises(TypeError, match=f"{m.name}: y_pred: expected numbers, got None"):
        m.update_state(t, None)


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match=re.escape("precision: Threshold values must be in [0, 1]. Received: [1.5]")):
        M.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match=re.escape('auc: Invalid AUCCurve value: "XY"')):
        M.AUC(curve="XY")
    with pytest.raises(ValueError, match="auc: Invalid AUC summation method value"):
        M.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match=re.escape("auc: Argument `num_thresholds` must be an integer > 1. Received: num_thresholds=1")):
        M.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="`num_labels` is needed only when `multi_label` is True"):
        M.AUC(num_labels=3)
    with pytest.raises(ValueError, match="When class_id is provided, y_pred must be a 2D array"):
        M.Precision(class_id=1).update_state([0, 1], [0.3, 0.6])


def test_metric_functions_refuse_mismatched_shapes():
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=re.escape("sparse_top_k_categorical_accuracy: y_true of shape (3,) and y_pred of shape (4, 5)")):
        M.sparse_top_k_categorical_accuracy(np.array([1, 2, 3]), np.zeros((4, 5), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="top_k_categorical_accuracy: .*one-hot"):
        M.top_k_categorical_accuracy(np.zeros((4, 3)), np.zeros((4, 5), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=re.escape("root_mean_squared_error: y_true of shape (3, 2) and y_pred of shape (4, 2)")):
        M.RootMeanSquaredError().update_state(np.zeros((3, 2)), np.zeros((4, 2)))
    with pytest.raises(TypeError, match="root_mean_squared_error: y_pred must be a float32 or float64 tensor"):
        M.RootMeanSquaredError().update_state(np.zeros((3, 2)), tf.constant(np.zeros((3, 2), np.int32)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="mean_absolute_percentage_error: y_true of shape"):
        M.MeanAbsolutePercentageError().update_state(np.zeros((3, 2)), np.zeros((4, 2)))
