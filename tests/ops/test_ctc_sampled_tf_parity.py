"""tf.nn.ctc_loss, compute_accidental_hits, nce_loss, sampled_softmax_loss and the
tf.random candidate samplers (session 24, helper "ctc/sampled").

TensorFlow is not installed in CI: the expected numbers were measured with TF 2.21 on the CPU
and are hard-coded (the logits are np.random.RandomState(0).randn(5, 3, 4), float32).
ctc_loss gradients are checked against TF's numbers and against float64 central
differences."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError

# TF 2.21 (CPU) numbers, measured with tensorflow; see the module docstring.
TF_DENSE_NONE = [4.400852, 5.596892, 2.812135]
TF_DENSE_NONE_G = [[[-0.431155, -0.190931, 0.137234, 0.484852], [0.298396, 0.036558, 0.251201, -0.586155], [-0.325638, 0.192165, -0.412206, 0.545679]], [[-0.222414, -0.208563, 0.206695, 0.224282], [0.005, 0.115321, 0.19363, -0.313951], [0.000432, 0.396382, -0.494973, 0.09816]], [[-0.103284, -0.017522, 0.050447, 0.070358], [-0.434316, 0.374543, 0.100614, -0.040841], [-0.199417, 0.056892, -0.339649, 0.482174]], [[-0.035439, -0.007649, -0.047398, 0.090486], [0.037674, 0.016268, 0.023251, -0.077193], [0.0, 0.0, 0.0, 0.0]], [[-0.034983, 0.279875, -0.754677, 0.509784], [0.166034, -0.900335, 0.284772, 0.44953], [0.0, 0.0, 0.0, 0.0]]]
TF_DENSE_2 = [6.803411, 7.623336, 2.54705]
TF_DENSE_2_G = [[[0.300968, -0.510139, -0.275681, 0.484852], [0.628744, 0.036558, -0.001268, -0.664034], [0.114955, -0.496139, -0.164495, 0.545679]], [[0.343872, -0.440727, -0.127428, 0.224282], [0.630782, 0.115321, -0.469983, -0.27612], [0.016051, -0.201561, 0.08735, 0.09816]], [[0.821013, -0.073672, -0.8177, 0.070358], [0.399066, 0.374543, -0.505391, -0.268218], [0.169724, -0.093169, -0.558728, 0.482174]], [[0.418967, -0.44993, -0.059524, 0.090486], [0.044884, -0.017291, 0.014552, -0.042145], [0.0, 0.0, 0.0, 0.0]], [[0.068937, -0.428305, -0.150416, 0.509784], [0.17575, -0.873384, 0.248105, 0.44953], [0.0, 0.0, 0.0, 0.0]]]
TF_DENSE_M1 = [5.872057, 8.661705, 1.255896]
TF_DENSE_M1_G = [[[0.300968, -0.169222, 0.137234, -0.26898], [0.628744, 0.036558, -0.724228, 0.058926], [0.114955, 0.192165, -0.072877, -0.234243]], [[0.343872, -0.400358, 0.167312, -0.110827], [0.630782, 0.115321, 0.095139, -0.841242], [0.016051, 0.396382, -0.431366, 0.018933]], [[0.821013, -0.164716, -0.348787, -0.30751], [0.399066, 0.374543, -0.777887, 0.004278], [0.169724, 0.056892, -0.110263, -0.116353]], [[0.418967, 0.165589, -0.394439, -0.190118], [0.044884, -0.116013, -0.116652, 0.187781], [0.0, 0.0, 0.0, 0.0]], [[0.068937, 0.279875, -0.26119, -0.087622], [0.17575, -0.787586, 0.284772, 0.327064], [0.0, 0.0, 0.0, 0.0]]]
TF_SPARSE2 = [6.803411, 7.623335, 2.54705]
TF_SPARSE2_G = [[[0.300968, -0.510139, -0.275681, 0.484852], [0.628744, 0.036558, -0.001268, -0.664034], [0.114955, -0.496139, -0.164495, 0.545679]], [[0.343872, -0.440727, -0.127428, 0.224282], [0.630782, 0.115321, -0.469983, -0.27612], [0.016051, -0.201561, 0.08735, 0.09816]], [[0.821013, -0.073671, -0.8177, 0.070358], [0.399066, 0.374543, -0.505392, -0.268217], [0.169724, -0.093169, -0.558728, 0.482174]], [[0.418967, -0.44993, -0.059524, 0.090486], [0.044884, -0.017291, 0.014552, -0.042145], [0.0, 0.0, 0.0, 0.0]], [[0.068937, -0.428305, -0.150416, 0.509784], [0.17575, -0.873384, 0.248105, 0.44953], [0.0, 0.0, 0.0, 0.0]]]
TF_SPARSEINF = [np.inf, np.inf, 2.812135]
TF_SPARSEINF_G = [[[0.34884, 0.089186, 0.0, 0.561974], [0.628744, 0.036558, 0.251201, 0.083497]], [[0.458746, 0.242048, 0.0, 0.299206], [0.630782, 0.115321, 0.19363, 0.060267]], [[0.901038, 0.021746, 0.0, 0.077216], [0.399066, 0.374543, 0.100614, 0.125777]], [[0.456944, 0.444367, 0.0, 0.098688], [0.0, 0.0, 0.0, 0.0]], [[0.08029, 0.325969, 0.0, 0.593742], [0.0, 0.0, 0.0, 0.0]]]
TF_IMPOSSIBLE = [707.866699, 5.596892, 2.812135]

LOGITS = np.random.RandomState(0).randn(5, 3, 4).astype(np.float32)
LABELS = np.array([[1, 2, 0], [3, 3, 1], [2, 0, 0]], np.int32)
LABEL_LEN = [2, 3, 1]
LOGIT_LEN = [5, 5, 3]


def _sparse_labels():
    return tf.SparseTensor([[0, 0], [0, 1], [1, 0], [1, 1], [1, 2], [2, 0]],
                           tf.constant(np.array([1, 2, 3, 3, 1, 2], np.int32)), [3, 3])


def _loss_and_grad(fn, logits=LOGITS):
    x = tf.constant(logits)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
    return y.numpy(), tape.gradient(y, x).numpy()


@pytest.mark.parametrize("blank,want,want_g", [(None, TF_DENSE_NONE, TF_DENSE_NONE_G),
                                               (2, TF_DENSE_2, TF_DENSE_2_G),
                                               (-1, TF_DENSE_M1, TF_DENSE_M1_G)])
def test_ctc_loss_dense_tf_values_and_gradients(blank, want, want_g):
    y, g = _loss_and_grad(lambda x: tf.nn.ctc_loss(LABELS, x, LABEL_LEN, LOGIT_LEN, blank_index=blank))
    assert y.dtype == np.float32 and y.shape == (3,)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(g, want_g, atol=2e-6)
    # batch-major logits give the same loss and the gradient transposed
    y2, g2 = _loss_and_grad(lambda x: tf.nn.ctc_loss(LABELS, x, LABEL_LEN, LOGIT_LEN, logits_time_major=False,
                                                     blank_index=blank), LOGITS.transpose(1, 0, 2).copy())
    np.testing.assert_allclose(y2, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(g2.transpose(1, 0, 2), want_g, atol=2e-6)


def test_ctc_loss_sparse_labels_tf_values():
    y, g = _loss_and_grad(lambda x: tf.nn.ctc_loss(_sparse_labels(), x, None, LOGIT_LEN, blank_index=2))
    np.testing.assert_allclose(y, TF_SPARSE2, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(g, TF_SPARSE2_G, atol=2e-6)
    # sparse labels need blank_index (TF's ValueError); -1 is the last class
    with pytest.raises(ValueError, match="blank_index"):
        tf.nn.ctc_loss(_sparse_labels(), LOGITS, None, LOGIT_LEN)
    ya = tf.nn.ctc_loss(_sparse_labels(), LOGITS, None, LOGIT_LEN, blank_index=-1).numpy()
    np.testing.assert_allclose(ya, TF_DENSE_M1, rtol=1e-5, atol=1e-5)


def test_ctc_loss_impossible_and_minus_inf_as_tf():
    # sparse labels (TF's CTCLoss kernel): no valid path -> inf, gradient softmax(logits)
    lg = LOGITS.copy()
    lg[:, 0, 2] = -np.inf   # label 2 of row 0 has probability 0; row 1 has too few frames
    y, g = _loss_and_grad(lambda x: tf.nn.ctc_loss(_sparse_labels(), x, None, [5, 3, 3], blank_index=0), lg)
    np.testing.assert_allclose(y, TF_SPARSEINF, rtol=1e-5)
    np.testing.assert_allclose(g[:, :2], TF_SPARSEINF_G, atol=2e-6)
    assert not np.isnan(g).any()
    # dense labels: TF's log(1e-307) weights make an impossible row finite (~707)
    y = tf.nn.ctc_loss(LABELS, LOGITS, [2, 3, 1], [1, 5, 3]).numpy()
    np.testing.assert_allclose(y, TF_IMPOSSIBLE, rtol=1e-5)
    # dense labels: a -inf logit anywhere in a row makes the row and its gradient NaN (TF's -inf * 0)
    lg = LOGITS.copy()
    lg[:, 0, 3] = -np.inf
    y, g = _loss_and_grad(lambda x: tf.nn.ctc_loss(LABELS, x, LABEL_LEN, LOGIT_LEN), lg)
    assert np.isnan(y[0]) and np.isnan(g[:, 0]).all()
    np.testing.assert_allclose(y[1:], TF_DENSE_NONE[1:], rtol=1e-5)
    np.testing.assert_allclose(g[:, 1:], np.asarray(TF_DENSE_NONE_G)[:, 1:], atol=2e-6)
    # zero frames: a zero gradient, not None
    y, g = _loss_and_grad(lambda x: tf.nn.ctc_loss(np.array([[1, 2]], np.int32), x[:, :1], [0], [0]))
    assert y[0] == 0.0 and not g.any()


def test_ctc_loss_float64_finite_differences():
    rng = np.random.RandomState(3)
    lg = rng.randn(6, 2, 5)
    labels = np.array([[1, 1, 3], [4, 2, 0]], np.int64)

    def f(a):
        return tf.reduce_sum(tf.nn.ctc_loss(labels, tf.constant(a), [3, 2], [6, 4], blank_index=2) *
                             tf.constant([1.0, 0.5], dtype=tf.float64)).numpy()
    y, g = _loss_and_grad(lambda x: tf.nn.ctc_loss(labels, x, [3, 2], [6, 4], blank_index=2) *
                          tf.constant([1.0, 0.5], dtype=tf.float64), lg)
    assert y.dtype == np.float64
    fd = np.zeros_like(lg)
    for i in np.ndindex(lg.shape):
        p, m = lg.copy(), lg.copy()
        p[i] += 1e-6
        m[i] -= 1e-6
        fd[i] = (f(p) - f(m)) / 2e-6
    np.testing.assert_allclose(g, fd, atol=1e-7)
    assert not g[4:, 1].any()  # frames past logit_length get no gradient
    sp = tf.SparseTensor([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1]],
                         tf.constant(np.array([1, 1, 3, 4, 2], np.int32)), [2, 3])
    ys = tf.nn.ctc_loss(sp, tf.constant(lg), None, [6, 4], blank_index=2).numpy()
    np.testing.assert_allclose(ys, tf.nn.ctc_loss(labels, tf.constant(lg), [3, 2], [6, 4], blank_index=2).numpy(),
                               rtol=1e-12)


def test_ctc_loss_errors():
    with pytest.raises(ValueError):
        tf.nn.ctc_loss(LABELS, LOGITS, None, LOGIT_LEN)
    with pytest.raises(InvalidArgumentError):
        tf.nn.ctc_loss(LABELS, LOGITS[0], LABEL_LEN, LOGIT_LEN)
    with pytest.raises(InvalidArgumentError, match="sequence_length"):
        tf.nn.ctc_loss(_sparse_labels(), LOGITS, None, [6, 5, 3], blank_index=0)
    with pytest.raises(InvalidArgumentError, match="zero"):
        tf.nn.ctc_loss(tf.SparseTensor([[0, 0]], tf.constant(np.array([1], np.int32)), [3, 1]), LOGITS, None,
                       LOGIT_LEN, blank_index=0)
    with pytest.raises(TypeError):
        tf.nn.ctc_loss(LABELS, LOGITS.astype(np.int32), LABEL_LEN, LOGIT_LEN)


# -- nce_loss / sampled_softmax_loss with given sampled_values (TF 2.21's numbers) ---------------

TF_NCE_LOSS_0 = ([7.301147, 8.916151, 5.804389], [[0.053375, -0.149888, -0.214369, -0.237906], [-0.028354, 0.129506, 0.122346, 0.216665], [0.031054, 0.054938, -0.103869, 0.135113], [0.23442, 0.36999, -0.757923, 0.771326], [0.0, 0.0, 0.0, 0.0], [0.000875, 0.928509, 0.209143, 1.409641], [0.0, 0.0, 0.0, 0.0], [0.281569, 1.306719, -0.692345, 2.131232], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]], [-0.25551, 0.313149, 0.468824, 2.225733, 0.0, 1.438256, 0.0, 3.289836, 0.0, 0.0], [[-0.567314, -0.016185, 1.091936, -2.083245], [-1.689639, 0.898677, 1.633767, -1.400911], [-0.919404, 0.972568, 0.185843, -0.476507]])
TF_NCE_LOSS_1 = ([5.652015, 6.601365, 5.417439], [[0.053375, -0.149888, -0.214369, -0.237906], [-0.107099, 0.221913, 0.422067, 0.308309], [0.031054, 0.054938, -0.103869, 0.135113], [-0.079172, 0.346434, 0.328952, 0.627626], [0.0, 0.0, 0.0, 0.0], [0.000875, 0.928509, 0.209143, 1.409641], [0.0, 0.0, 0.0, 0.0], [0.469827, 0.778047, -1.448447, 1.292111], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]], [-0.25551, 0.050815, 0.468824, 1.165432, 0.0, 1.438256, 0.0, 2.388623, 0.0, 0.0], [[-0.555936, 0.871566, -0.204126, -1.070266], [-1.448215, 0.420714, 2.2571, -1.043352], [-0.815948, 1.095801, -0.177955, -0.12358]])
TF_SAMPLED_SOFTMAX_LOSS_1 = ([3.199483, 2.527975, 3.383276], [[0.102461, -0.287734, -0.411515, -0.456698], [-0.148545, 0.178005, 0.565946, 0.179937], [0.000944, 0.002295, -0.00306, 0.005289], [-0.404734, -0.608409, 1.237424, -0.897633], [0.0, 0.0, 0.0, 0.0], [-0.01803, 0.119808, 0.0884, 0.184491], [0.0, 0.0, 0.0, 0.0], [0.467905, 0.596034, -1.477195, 0.984615], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]], [-0.490492, -0.479113, 0.016819, -1.125001, 0.0, 0.187241, 0.0, 1.890546, 0.0, 0.0], [[-0.53183, 1.700424, -1.810948, 0.413438], [-1.041994, 0.471683, 0.479392, 0.333627], [0.018018, 0.875519, -1.635045, 0.690659]])


_RNG = np.random.RandomState(1)
W = _RNG.randn(10, 4).astype(np.float32)
BIAS = _RNG.randn(10).astype(np.float32)
X = _RNG.randn(3, 4).astype(np.float32)
TRUE = np.array([[1, 3], [0, 7], [3, 3]], np.int64)
SAMPLED = (np.array([7, 1, 2, 3, 5], np.int64), np.array([[0.5, .4], [.3, .2], [.4, .4]], np.float32),
           np.array([.5, .6, .7, .8, .9], np.float32))


@pytest.mark.parametrize("fn,rah,want", [("nce_loss", False, TF_NCE_LOSS_0), ("nce_loss", True, TF_NCE_LOSS_1),
                                         ("sampled_softmax_loss", True, TF_SAMPLED_SOFTMAX_LOSS_1)])
def test_sampled_losses_tf_values_and_gradients(fn, rah, want):
    w, b, x = tf.constant(W), tf.constant(BIAS), tf.constant(X)
    with tf.GradientTape() as tape:
        tape.watch([w, b, x])
        y = getattr(tf.nn, fn)(w, b, TRUE, x, 5, 10, num_true=2, sampled_values=SAMPLED,
                               remove_accidental_hits=rah)
    grads = tape.gradient(y, [w, b, x])
    np.testing.assert_allclose(y.numpy(), want[0], rtol=1e-5, atol=1e-5)
    for g, wg in zip(grads, want[1:]):
        np.testing.assert_allclose(np.asarray(g.numpy()), wg, atol=2e-6)
    # weights given as two 'div' shards give the same loss
    y2 = getattr(tf.nn, fn)([tf.constant(W[:5]), tf.constant(W[5:])], b, TRUE, x, 5, 10, num_true=2,
                            sampled_values=SAMPLED, remove_accidental_hits=rah)
    np.testing.assert_allclose(y2.numpy(), want[0], rtol=1e-5, atol=1e-5)


def test_compute_accidental_hits_as_tf():
    # TF 2.21: a candidate sampled twice is reported at its last position
    hits = tf.nn.compute_accidental_hits(TRUE, np.array([7, 1, 7, 2, 3], np.int64), 2)
    assert hits.indices.numpy().tolist() == [0, 0, 1, 2, 2] and hits.indices.dtype == tf.int32
    assert hits.ids.numpy().tolist() == [1, 4, 2, 4, 4] and hits.ids.dtype == tf.int64
    assert (hits.weights.numpy() == -np.finfo(np.float32).max).all() and hits.weights.dtype == tf.float32


def test_default_sampler_runs_and_is_seeded():
    y1 = tf.nn.sampled_softmax_loss(tf.constant(W), tf.constant(BIAS), TRUE[:, :1], tf.constant(X), 4, 10, seed=7)
    assert y1.shape == (3,) and np.isfinite(y1.numpy()).all()


# -- candidate samplers: TF's structure and expected counts (draws are tapegrad's) --------------

def _p_log_uniform(k, r):
    return np.log((k + 2.0) / (k + 1.0)) / np.log(r + 1.0)


@pytest.mark.parametrize("name", ["uniform_candidate_sampler", "log_uniform_candidate_sampler",
                                  "learned_unigram_candidate_sampler"])
def test_candidate_samplers_structure(name):
    tc = tf.constant(np.array([[1, 3], [0, 7]], np.int64))
    for unique in (False, True):
        s, te, se = getattr(tf.random, name)(tc, 2, 5, unique, 10, seed=11)
        assert (s.dtype, te.dtype, se.dtype) == (tf.int64, tf.float32, tf.float32)
        assert s.shape == (5,) and te.shape == (2, 2) and se.shape == (5,)
        v = s.numpy()
        assert ((v >= 0) & (v < 10)).all()
        if unique:
            assert len(set(v.tolist())) == 5
    # seeds repeat tapegrad's draws (a fresh op-seed sequence after set_seed)
    tf.random.set_seed(4)
    a = tf.random.uniform_candidate_sampler(tc, 2, 6, False, 10, seed=1)[0].numpy()
    tf.random.set_seed(4)
    b = tf.random.uniform_candidate_sampler(tc, 2, 6, False, 10, seed=1)[0].numpy()
    assert a.tolist() == b.tolist()


def test_candidate_sampler_expected_counts_tf_formula():
    tc = tf.constant(np.array([[1, 3], [0, 7]], np.int64))
    # not unique: p * num_sampled (TF: uniform 0.5 each for 5 of 10)
    _, te, se = tf.random.uniform_candidate_sampler(tc, 2, 5, False, 10)
    np.testing.assert_allclose(te.numpy(), 0.5)
    np.testing.assert_allclose(se.numpy(), 0.5)
    # TF 2.21 log_uniform, not unique: true_expected_count [[0.84546, 0.46529], [1.445324, 0.245597]]
    s, te, se = tf.random.log_uniform_candidate_sampler(tc, 2, 5, False, 10)
    np.testing.assert_allclose(te.numpy(), [[0.8454604, 0.46529043], [1.4453242, 0.2455967]], rtol=1e-6)
    np.testing.assert_allclose(se.numpy(), 5 * _p_log_uniform(s.numpy(), 10), rtol=1e-6)
    # unique: 1 - (1 - p)^num_tries, the same num_tries for true and sampled classes
    s, te, se = tf.random.log_uniform_candidate_sampler(tc, 2, 9, True, 10, seed=2)
    p0 = _p_log_uniform(0, 10)
    tries = np.log1p(-te.numpy()[1, 0]) / np.log1p(-p0)
    assert tries >= 9 and abs(tries - round(tries)) < 1e-3
    np.testing.assert_allclose(se.numpy(), -np.expm1(round(tries) * np.log1p(-_p_log_uniform(s.numpy(), 10))),
                               rtol=1e-5)
    # fixed unigrams with reserved ids (TF 2.21: [[0, 0.2777778], [0, 0.8333334]])
    _, te, _ = tf.random.fixed_unigram_candidate_sampler(tc, 2, 5, False, 10, unigrams=[1, 2, 3, 4, 5, 6, 7, 8],
                                                         num_reserved_ids=2)
    np.testing.assert_allclose(te.numpy(), [[0.0, 0.2777778], [0.0, 0.8333334]], rtol=1e-6)
    # distortion 0.5, unique (TF: p ~ sqrt(count))
    _, te, _ = tf.random.fixed_unigram_candidate_sampler(tc, 2, 5, False, 10, unigrams=list(range(1, 11)),
                                                         distortion=0.5)
    w = np.sqrt(np.arange(1, 11.0))
    np.testing.assert_allclose(te.numpy(), 5 * w[[[1, 3], [0, 7]]] / w.sum(), rtol=1e-6)
    s, te, se = tf.random.all_candidate_sampler(tc, 2, 5, True)
    assert s.numpy().tolist() == [0, 1, 2, 3, 4] and (te.numpy() == 1).all() and (se.numpy() == 1).all()


def test_learned_unigram_learns_true_classes(monkeypatch):
    # The sampler's learned counts live in the process (TF's kernel state): start from none.
    import tapegrad.random as tg_random
    monkeypatch.setattr(tg_random, "_LEARNED_COUNTS", {})
    tc = tf.constant(np.array([[1, 3], [0, 7]], np.int64))
    _, te, _ = tf.random.learned_unigram_candidate_sampler(tc, 2, 5, False, 10, seed=12345)
    np.testing.assert_allclose(te.numpy(), 0.5)      # all counts 1 at first (TF: 0.5)
    _, te, se = tf.random.learned_unigram_candidate_sampler(tc, 2, 5, False, 10, seed=12345)
    np.testing.assert_allclose(te.numpy(), 5 * 2 / 14, rtol=1e-6)   # TF 2.21: 0.71428573


def test_candidate_sampler_errors():
    tc = tf.constant(np.array([[1, 3], [0, 7]], np.int64))
    with pytest.raises(InvalidArgumentError):
        tf.random.uniform_candidate_sampler(tf.constant(np.array([[1, 3]], np.int32)), 2, 5, False, 10)
    with pytest.raises(InvalidArgumentError):
        tf.random.uniform_candidate_sampler(tc, 3, 5, False, 10)
    with pytest.raises(InvalidArgumentError, match="range"):
        tf.random.uniform_candidate_sampler(tc, 2, 5, True, 3)
    with pytest.raises(InvalidArgumentError, match="weights size"):
        tf.random.fixed_unigram_candidate_sampler(tc, 2, 5, False, 10, unigrams=[1, 2, 3])
