"""tf.nn.ctc_beam_search_decoder against TF 2.21 (session 25, helper "ctc/edit").

TensorFlow is not installed in CI: the expected values below were measured with TF 2.21
(tensorflow-cpu, CPU) by /work/notes/s25_ctc_edit_scripts/gen_expected.py (printed as is; log
probabilities rounded to 7 decimals, 12 for float64). They include cases with a few tied
scores, checked by their log probabilities only: tapegrad orders exactly tied beams by arrival,
TF by its C++ heap and sort, so tied paths may come out in another order (with many ties a
different beam may even be kept; no test pins TF's choice there).
The randomised checks use properties TF's decoder has whatever its pruning: an exhaustive
beam gives exact CTC labelling probabilities (= -ctc_loss), and peaked logits give the
greedy decoding."""

import itertools

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import _ctc_beam
from tapegrad.errors import InvalidArgumentError, FailedPreconditionError

# ---- TF 2.21 values (gen_expected.py) ----
CASE_1_1 = ([([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 0]], [3, 1, 2, 1, 2, 1], [3, 3])], [[-4.4828444], [-3.0081964], [-1.5950915]])
CASE_3_2 = ([([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 0]], [3, 1, 2, 1, 1, 1], [3, 3]), ([[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1]], [1, 2, 1, 2, 1, 3], [3, 2])], [[-4.4828444, -4.8561792], [-2.5622406, -2.6138406], [-1.5268115, -1.7474639]])
CASE_10_3 = ([([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 0]], [3, 1, 2, 1, 2, 1], [3, 3]), ([[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1], [2, 0], [2, 1]], [3, 1, 2, 1, 2, 1, 1, 3], [3, 4]), ([[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1], [2, 0]], [3, 1, 0, 2, 1, 1, 3], [3, 4])], [[-3.8216374, -4.2280402, -4.2442808], [-2.4681034, -2.5595746, -2.5622406], [-1.5268115, -1.7474639, -1.8804913]])
CASE_100_4 = ([([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 0]], [3, 1, 2, 1, 2, 1], [3, 3]), ([[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1], [1, 2], [2, 0], [2, 1]], [3, 1, 2, 1, 1, 2, 1, 1, 3], [3, 4]), ([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 0]], [0, 1, 2, 2, 1, 3], [3, 3]), ([[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1], [2, 0]], [3, 1, 2, 0, 1, 1, 2], [3, 4])], [[-3.6984174, -4.0521483, -4.0719571, -4.0764308], [-2.4681034, -2.5454626, -2.5595746, -2.5622406], [-1.5268115, -1.7474639, -1.8804913, -2.2191391]])
CASE_F64 = ([([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1]], [0, 2, 0, 2, 1], [2, 3]), ([[0, 0], [0, 1], [0, 2], [0, 3], [1, 0]], [0, 2, 0, 2, 2], [2, 4]), ([[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1]], [0, 2, 0, 1, 0, 2], [2, 4])], [[-1.59351435532, -2.758390912586, -2.932350423248], [-1.32050829035, -1.353663101453, -2.350504032772]])
ZEROS = ([([[0, 0]], [0], [1, 1]), ([[0, 0]], [1], [1, 1]), ([[0, 0], [0, 1]], [0, 1], [1, 2]), ([[0, 0], [0, 1]], [1, 0], [1, 2])], [[-1.5040774, -1.5040774, -1.686399, -2.1972246]])
TIE_3_3 = ([([[0, 0]], [3], [1, 1]), ([[0, 0]], [0], [1, 1]), ([[0, 0]], [4], [1, 1])], [[-1.4118738, -1.4118738, -1.4118738]])
TIE_5_5 = ([([[0, 0]], [4], [1, 1]), ([[0, 0]], [0], [1, 1]), ([[0, 0]], [3], [1, 1]), ([[0, 0]], [1], [1, 1]), ([[0, 0]], [2], [1, 1])], [[-1.4118738, -1.4118738, -1.4118738, -2.4118738, -2.4118738]])
TIE_6_6 = ([([[0, 0]], [0], [1, 1]), ([[0, 0]], [3], [1, 1]), ([[0, 0]], [4], [1, 1]), ([], [], [1, 0]), ([[0, 0]], [1], [1, 1]), ([[0, 0]], [2], [1, 1])], [[-1.4118738, -1.4118738, -1.4118738, -2.4118738, -2.4118738, -2.4118738]])
TIE_4_2 = ([([[0, 0]], [3], [1, 1]), ([[0, 0]], [0], [1, 1])], [[-1.4118738, -1.4118738]])
XT = [[[1, 1, 0, 0, 2], [1, 1, 0, 0, 2]], [[2, 1, 1, 1, 0], [1, 2, 1, 1, 1]], [[1, 0, 2, 1, 2], [2, 2, 0, 0, 1]], [[0, 2, 2, 0, 0], [1, 1, 0, 1, 1]]]
TIES_RAND = ([([[0, 0], [0, 1], [1, 0]], [0, 2, 1], [2, 2]), ([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0], [2, 2]), ([[0, 0], [0, 1], [0, 2], [1, 0]], [0, 2, 1, 0], [2, 3]), ([[0, 0], [0, 1], [1, 0], [1, 1]], [2, 1, 0, 1], [2, 2])], [[-2.1736219, -2.7822514, -3.0860231, -3.5932713], [-1.743408, -2.1638126, -2.4706652, -3.0199738]])
CASE_BIG = ([([[0, 0], [0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [0, 6], [0, 7], [0, 8], [0, 9], [0, 10], [0, 11], [0, 12], [0, 13], [1, 0], [1, 1], [1, 2], [1, 3], [1, 4], [1, 5], [1, 6], [1, 7], [1, 8], [1, 9]], [2, 1, 2, 0, 5, 6, 2, 6, 1, 4, 1, 2, 6, 5, 5, 0, 5, 1, 0, 2, 3, 0, 4, 6], [2, 14]), ([[0, 0], [0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [0, 6], [0, 7], [0, 8], [0, 9], [0, 10], [0, 11], [0, 12], [0, 13], [1, 0], [1, 1], [1, 2], [1, 3], [1, 4], [1, 5], [1, 6], [1, 7], [1, 8]], [2, 1, 2, 0, 5, 6, 2, 3, 1, 4, 1, 2, 6, 5, 5, 6, 1, 0, 2, 3, 0, 4, 6], [2, 14]), ([[0, 0], [0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [0, 6], [0, 7], [0, 8], [0, 9], [0, 10], [0, 11], [0, 12], [0, 13], [0, 14], [1, 0], [1, 1], [1, 2], [1, 3], [1, 4], [1, 5], [1, 6], [1, 7], [1, 8], [1, 9]], [2, 1, 2, 0, 4, 5, 6, 2, 6, 1, 4, 1, 2, 6, 5, 5, 0, 6, 1, 0, 2, 3, 0, 4, 6], [2, 15])], [[-10.3799505, -10.3863926, -10.4737082], [-5.7066474, -6.2389455, -6.2449832]])

# gen_bigtie.py: zeros except x[1, 0, 2] = 1, shape [3, 1, 8] (more than 16 tied beams)

X = np.random.RandomState(0).randn(6, 3, 5).astype(np.float32)
X64 = np.random.RandomState(1).randn(5, 2, 4)
TIE = np.array([[[1, 0, 0, 1, 1, 0]]], np.float32)
XB = np.random.RandomState(5).randn(20, 2, 8).astype(np.float32) * 2


def _dec(d, lp):
    return [(s.indices.numpy().tolist(), s.values.numpy().tolist(), s.dense_shape.numpy().tolist())
            for s in d], lp.numpy()


def _check(got, want, rtol=1e-6, atol=1e-6):
    paths, lp = _dec(*got)
    assert paths == want[0]
    np.testing.assert_allclose(lp, want[1], rtol=rtol, atol=atol)


@pytest.mark.parametrize("bw,tp,want", [(1, 1, CASE_1_1), (3, 2, CASE_3_2), (10, 3, CASE_10_3),
                                        (100, 4, CASE_100_4)])
def test_random_float32_matches_tf(bw, tp, want):
    d, lp = tf.nn.ctc_beam_search_decoder(tf.constant(X), [6, 4, 2], beam_width=bw, top_paths=tp)
    assert len(d) == tp and lp.dtype == tf.float32 and lp.shape == (3, tp)
    for s in d:
        assert isinstance(s, tf.SparseTensor)
        assert s.values.dtype == tf.int64 and s.indices.dtype == tf.int64 and s.dense_shape.dtype == tf.int64
    _check((d, lp), want)


def test_defaults_are_beam_100_one_path():
    d, lp = tf.nn.ctc_beam_search_decoder(X, [6, 4, 2])
    paths, got = _dec(d, lp)
    assert paths == CASE_100_4[0][:1]
    np.testing.assert_allclose(got, np.asarray(CASE_100_4[1])[:, :1], rtol=1e-6, atol=1e-6)


def test_float64_matches_tf():
    d, lp = tf.nn.ctc_beam_search_decoder(tf.constant(X64), [5, 3], beam_width=4, top_paths=3)
    assert lp.dtype == tf.float64
    _check((d, lp), CASE_F64, rtol=1e-11, atol=1e-11)


def test_longer_sequences_with_evictions_match_tf():
    _check(tf.nn.ctc_beam_search_decoder(XB, [20, 13], beam_width=17, top_paths=3), CASE_BIG, atol=2e-6)


def _check_scores(got, want):
    # exact ties: TF's log probabilities; the tied paths in tapegrad's order (by arrival)
    paths, lp = _dec(*got)
    np.testing.assert_allclose(lp, want[1], rtol=1e-6, atol=1e-6)
    assert len(paths) == len(want[0])
    for p, w in zip(paths, want[0]):
        assert p[2][0] == w[2][0]  # batch size


def test_tied_scores_give_tf_log_probabilities():
    _check_scores(tf.nn.ctc_beam_search_decoder(np.zeros((3, 1, 3), np.float32), [3], beam_width=4, top_paths=4), ZEROS)
    for (bw, tp), want in (((3, 3), TIE_3_3), ((5, 5), TIE_5_5), ((6, 6), TIE_6_6), ((4, 2), TIE_4_2)):
        _check_scores(tf.nn.ctc_beam_search_decoder(TIE, [1], beam_width=bw, top_paths=tp), want)
    _check_scores(tf.nn.ctc_beam_search_decoder(np.array(XT, np.float32), [4, 3], beam_width=5, top_paths=4), TIES_RAND)


def test_short_and_empty_sequences():
    # a zero-length row decodes to the empty path with log probability 0
    d, lp = tf.nn.ctc_beam_search_decoder(X, [0, 6, -1], beam_width=3, top_paths=1)
    paths, got = _dec(d, lp)
    idx, vals, shape = paths[0]
    assert idx and all(r == 1 for r, _ in idx) and shape == [3, len(vals)]
    assert got[0, 0] == 0.0 and got[2, 0] == 0.0
    # one class (the blank): every row decodes to nothing
    d, lp = tf.nn.ctc_beam_search_decoder(X[:, :, :1], [6, 3, 1], beam_width=2, top_paths=1)
    assert _dec(d, lp)[0] == [([], [], [3, 0])] and np.all(lp.numpy() == 0)


def test_errors_as_tf():
    with pytest.raises(InvalidArgumentError, match="Less leaves in the beam search than requested"):
        tf.nn.ctc_beam_search_decoder(X, [0, 6, 6], beam_width=3, top_paths=2)
    with pytest.raises(InvalidArgumentError, match="requested more paths than the beam width"):
        tf.nn.ctc_beam_search_decoder(X, [6, 6, 6], beam_width=2, top_paths=3)
    for kw in ({"top_paths": 0}, {"beam_width": 0}):
        with pytest.raises(InvalidArgumentError, match="must be at least minimum 1"):
            tf.nn.ctc_beam_search_decoder(X, [6, 6, 6], **kw)
    with pytest.raises(FailedPreconditionError, match=r"sequence_length\(1\) <= 6"):
        tf.nn.ctc_beam_search_decoder(X, [6, 7, 6])
    with pytest.raises(FailedPreconditionError, match="len\\(sequence_length\\) != batch_size"):
        tf.nn.ctc_beam_search_decoder(X, [6, 6])
    with pytest.raises(InvalidArgumentError, match="sequence_length is not a vector"):
        tf.nn.ctc_beam_search_decoder(X, [[6, 6, 6]])
    with pytest.raises(InvalidArgumentError, match="inputs is not a 3-Tensor"):
        tf.nn.ctc_beam_search_decoder(X[0], [6, 6, 6])
    with pytest.raises(InvalidArgumentError, match="inputs must not be empty"):
        tf.nn.ctc_beam_search_decoder(X[:, :, :0], [6, 6, 6])
    with pytest.raises(InvalidArgumentError, match="not in the list of allowed values"):
        tf.nn.ctc_beam_search_decoder(tf.constant(X.astype(np.int32)), [6, 6, 6])
    # NaN scores never enter the beam: TF then has too few leaves
    with pytest.raises(InvalidArgumentError, match="Less leaves"):
        tf.nn.ctc_beam_search_decoder(np.array([[[0, np.nan, 0]]] * 2, np.float32), [2], beam_width=4, top_paths=2)


def test_numpy_int_inputs_are_taken_as_float32_like_tf():
    xi = np.random.RandomState(3).randint(-2, 3, size=(4, 2, 4))
    d1, lp1 = tf.nn.ctc_beam_search_decoder(xi.astype(np.int32), [4, 4], beam_width=3, top_paths=2)
    d2, lp2 = tf.nn.ctc_beam_search_decoder(xi.astype(np.float32), [4, 4], beam_width=3, top_paths=2)
    assert lp1.dtype == tf.float32 and _dec(d1, lp1)[0] == _dec(d2, lp2)[0]
    np.testing.assert_array_equal(lp1.numpy(), lp2.numpy())


def _all_labellings(n_labels, max_len):
    for k in range(max_len + 1):
        yield from itertools.product(range(n_labels), repeat=k)


@pytest.mark.parametrize("seed", range(6))
def test_exhaustive_beam_gives_exact_ctc_probabilities(seed):
    # with a beam wider than the number of prefixes nothing is pruned: every labelling's log
    # probability is exact, i.e. -ctc_loss, and they sum to 1
    rs = np.random.RandomState(seed)
    t, c = int(rs.randint(1, 4)), int(rs.randint(2, 4))
    x = (rs.randn(t, 1, c) * 1.5).astype(np.float32)
    # a labelling needs one step per label plus a blank between equal neighbours
    labs = [lab for lab in _all_labellings(c - 1, t)
            if len(lab) + sum(p == q for p, q in zip(lab, lab[1:])) <= t]
    n = len(labs)
    d, lp = tf.nn.ctc_beam_search_decoder(x, [t], beam_width=200, top_paths=n)
    got = {}
    for k, s in enumerate(d):
        got[tuple(s.values.numpy().tolist())] = float(lp.numpy()[0, k])
    assert sorted(got) == sorted(labs)  # every possible labelling exactly once
    assert np.all(np.diff(lp.numpy()[0]) <= 0)  # best first
    np.testing.assert_allclose(np.exp(lp.numpy()).sum(), 1.0, rtol=1e-5)
    for lab, v in got.items():
        if not lab:
            want = float(np.sum(tf.nn.log_softmax(tf.constant(x)).numpy()[:, 0, c - 1]))
        else:
            loss = tf.nn.ctc_loss(np.array([lab], np.int32), tf.constant(x), [len(lab)], [t],
                                  blank_index=c - 1)
            want = -float(loss.numpy()[0])
        if want > -30:
            np.testing.assert_allclose(v, want, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("seed", range(8))
def test_peaked_logits_decode_like_the_greedy_decoder(seed):
    rs = np.random.RandomState(seed)
    t, b, c = int(rs.randint(1, 12)), int(rs.randint(1, 4)), int(rs.randint(2, 7))
    best = rs.randint(0, c, size=(t, b))
    x = (rs.randn(t, b, c) * 0.1 + 20.0 * np.eye(c)[best]).astype(np.float32)
    sl = rs.randint(0, t + 1, size=b)
    bw = int(rs.choice([1, 2, 7, 50]))
    d, lp = tf.nn.ctc_beam_search_decoder(x, sl, beam_width=bw, top_paths=1)
    (g,), _ = tf.nn.ctc_greedy_decoder(x, sl, merge_repeated=True)
    assert d[0].indices.numpy().tolist() == g.indices.numpy().tolist()
    assert d[0].values.numpy().tolist() == g.values.numpy().tolist()
    assert d[0].dense_shape.numpy().tolist() == g.dense_shape.numpy().tolist()
    assert np.all(lp.numpy() <= 1e-6) and np.all(lp.numpy() > -1e-3 * t - 1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_top_paths_are_a_prefix_of_more_paths_and_sorted(seed):
    # TopPaths takes the best n of the same final beam: asking for fewer gives the first ones
    # (random logits: no ties)
    rs = np.random.RandomState(100 + seed)
    x = rs.randn(7, 2, 5).astype(np.float32)
    d4, lp4 = tf.nn.ctc_beam_search_decoder(x, [7, 5], beam_width=6, top_paths=4)
    d2, lp2 = tf.nn.ctc_beam_search_decoder(x, [7, 5], beam_width=6, top_paths=2)
    assert _dec(d4, lp4)[0][:2] == _dec(d2, lp2)[0]
    np.testing.assert_array_equal(lp4.numpy()[:, :2], lp2.numpy())
    assert np.all(np.diff(lp4.numpy(), axis=1) <= 0)


def test_top_n_keeps_the_best_and_sorts_them():
    rs = np.random.RandomState(3)

    class E:
        __slots__ = ("n_total",)

        def __init__(self, s):
            self.n_total = s
    items = [E(float(rs.randint(0, 40))) for _ in range(200)]
    for limit in (1, 5, 17, 200, 300):
        top = _ctc_beam._TopN(limit)
        for e in items:
            top.push(e)
        assert top.peek_bottom().n_total == min(e.n_total for e in top.entries())
        got = [e.n_total for e in top.extract()]
        assert got == sorted((e.n_total for e in items), reverse=True)[:limit]
