"""TF 2.21 names that tapegrad lacked until session 24 (helper "api coverage"): tf.math.real,
imag, conj, angle, approx_max_k, approx_min_k; tf.nn.isotonic_regression,
batch_norm_with_global_normalization, collapse_repeated, ctc_unique_labels,
ctc_greedy_decoder, depthwise_conv2d_backprop_input/filter, fractional_max_pool,
fractional_avg_pool; tf.histogram_fixed_width_bins, guarantee_const, is_symbolic_tensor,
inside_function, get_current_name_scope, Assert, gradients, hessians, approx_top_k.

TensorFlow is not installed in CI: the expected numbers below were measured with TF 2.21 on
the CPU (each block says so) and are hard-coded. Gradients are compared with TF's numbers or
with float64 central differences."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError


def _fd_grad(f, x, eps=1e-6):
    """Central-difference gradient of the scalar numpy function f at the float64 array x."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


# -- tf.math.real / imag / conj / angle on real tensors -------------------------------------------

def test_real_imag_conj_angle_values_and_gradients():
    x = tf.constant([-2., 0., 3., -0.])
    # TF 2.21: angle [pi, 0, 0, 0] (grad None); real, conj the input (grad 1); imag zeros (grad None)
    expected = {"angle": [3.1415927, 0., 0., 0.], "real": [-2., 0., 3., -0.],
                "imag": [0., 0., 0., 0.], "conj": [-2., 0., 3., -0.]}
    grads = {"angle": None, "real": [1., 1., 1., 1.], "imag": None, "conj": [1., 1., 1., 1.]}
    for name, want in expected.items():
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = getattr(tf.math, name)(x)
        assert y.dtype == tf.float32
        np.testing.assert_allclose(y.numpy(), want, rtol=1e-7)
        g = tape.gradient(y, x)
        if grads[name] is None:
            assert g is None, name
        else:
            np.testing.assert_array_equal(g.numpy(), grads[name])
    # TF: angle of NaN is 0 and of -inf is pi
    np.testing.assert_allclose(tf.math.angle(tf.constant([np.nan, -np.inf])).numpy(), [0., np.pi], rtol=1e-7)


def test_real_imag_conj_integer_and_angle_errors():
    xi = tf.constant(np.array([1, -2], np.int32))
    # TF: real / conj / imag keep int32; angle of an int tensor is a TypeError
    assert tf.math.real(xi).dtype == tf.int32 and tf.math.real(xi).numpy().tolist() == [1, -2]
    assert tf.math.imag(xi).numpy().tolist() == [0, 0] and tf.math.imag(xi).dtype == tf.int32
    assert tf.math.conj(xi).numpy().tolist() == [1, -2]
    with pytest.raises(TypeError):
        tf.math.angle(xi)
    with pytest.raises(TypeError):
        tf.math.conj(tf.constant([True]))


# -- approx_max_k / approx_min_k / tf.approx_top_k --------------------------------------------------

A = [[3., 1., 4., 1., 5.], [9., 2., 6., 5., 3.]]


def test_approx_max_k_values_indices_gradient():
    a = tf.constant(A)
    with tf.GradientTape() as tape:
        tape.watch(a)
        v, i = tf.math.approx_max_k(a, 2)
        s = tf.reduce_sum(v * tf.constant([[1., 2.]]))
    # TF 2.21 CPU
    np.testing.assert_array_equal(v.numpy(), [[5., 4.], [9., 6.]])
    assert i.dtype == tf.int32 and i.numpy().tolist() == [[4, 2], [0, 2]]
    np.testing.assert_array_equal(tape.gradient(s, a).numpy(), [[0., 0., 2., 0., 1.], [1., 0., 2., 0., 0.]])
    # TF: NaN first, ties in index order, k = 0 gives empty results
    v, i = tf.nn.approx_max_k(tf.constant([1., np.nan, 3.]), 2)
    assert np.isnan(v.numpy()[0]) and v.numpy()[1] == 3. and i.numpy().tolist() == [1, 2]
    assert tf.math.approx_max_k(tf.constant([1., 3., 3., 2.]), 2).indices.numpy().tolist() == [1, 2]
    assert tf.math.approx_max_k(a, 0).values.shape == (2, 0)
    v, i = tf.approx_top_k(tf.constant([1., 5., 3.]), 2)
    assert v.numpy().tolist() == [5., 3.] and i.numpy().tolist() == [1, 2]


def test_approx_min_k_and_other_dimensions():
    a = tf.constant(A)
    v, i = tf.math.approx_min_k(a, 1, reduction_dimension=0)
    np.testing.assert_array_equal(v.numpy(), [[3., 1., 4., 1., 3.]])
    assert i.numpy().tolist() == [[0, 0, 0, 0, 1]]
    v, i = tf.nn.approx_min_k(a, 2)
    np.testing.assert_array_equal(v.numpy(), [[1., 1.], [2., 3.]])
    assert i.numpy().tolist() == [[1, 3], [1, 4]]
    with tf.GradientTape() as tape:
        tape.watch(a)
        v, _ = tf.math.approx_max_k(a, 1, reduction_dimension=0)
    np.testing.assert_array_equal(tape.gradient(v, a).numpy(), [[0, 0, 0, 0, 1], [1, 1, 1, 1, 0]])


def test_approx_max_k_errors():
    a = tf.constant(A)
    with pytest.raises(InvalidArgumentError, match="at least k"):   # TF: InvalidArgumentError
        tf.math.approx_max_k(a, 6)
    with pytest.raises(InvalidArgumentError):                       # TF: k >= 0
        tf.math.approx_max_k(a, -1)
    with pytest.raises(InvalidArgumentError):                       # TF: input must be >= 1-D
        tf.math.approx_max_k(tf.constant(3.), 1)
    with pytest.raises(InvalidArgumentError):                       # TF: T not in (half, bfloat16, float)
        tf.math.approx_max_k(tf.constant(np.array([1, 5, 3], np.int32)), 1)


# -- isotonic_regression -----------------------------------------------------------------------------

X_ISO = np.array([[1., 3., 2., 4.], [5., 1., 1., 0.]], np.float32)


def test_isotonic_regression_tf_values():
    # TF 2.21
    out, seg = tf.nn.isotonic_regression(X_ISO)
    np.testing.assert_allclose(out.numpy(), [[2.5, 2.5, 2.5, 2.5], [5., 1., 1., 0.]])
    assert seg.dtype == tf.int32 and seg.numpy().tolist() == [[0, 0, 0, 0], [0, 1, 2, 3]]
    out, seg = tf.nn.isotonic_regression(X_ISO, decreasing=False)
    np.testing.assert_allclose(out.numpy(), [[1., 2.5, 2.5, 4.], [1.75, 1.75, 1.75, 1.75]])
    assert seg.numpy().tolist() == [[0, 1, 1, 2], [0, 0, 0, 0]]
    out, seg = tf.nn.isotonic_regression(X_ISO, decreasing=False, axis=0)
    np.testing.assert_allclose(out.numpy(), [[1., 2., 1.5, 2.], [5., 2., 1.5, 2.]])
    assert seg.numpy().tolist() == [[0, 0, 0, 0], [1, 0, 0, 0]]
    # TF: equal neighbours stay separate segments; integer input gives float64; NaN never pools
    out, seg = tf.nn.isotonic_regression(tf.constant(np.array([1, 3, 2], np.int32)))
    assert out.dtype == tf.float64 and out.numpy().tolist() == [2., 2., 2.] and seg.numpy().tolist() == [0, 0, 1]
    out, seg = tf.nn.isotonic_regression(tf.constant(2.))
    assert out.shape == () and float(out) == 2. and int(seg) == 0
    out, seg = tf.nn.isotonic_regression(tf.constant([[1., np.nan, 2.]]))
    assert seg.numpy().tolist() == [[0, 1, 2]] and np.isnan(out.numpy()[0, 1])
    out, seg = tf.nn.isotonic_regression(np.zeros((2, 0), np.float32))
    assert out.shape == (2, 0) and seg.shape == (2, 0)


def test_isotonic_regression_gradients_first_and_second_order():
    x = tf.constant(X_ISO)
    w = tf.constant([[1., 2., 3., 4.], [1., -1., 2., 0.5]])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y, _ = tf.nn.isotonic_regression(x, decreasing=False)
        l1 = tf.reduce_sum(y * w)
        l2 = tf.reduce_sum(tf.square(y) * w)
    # TF 2.21
    np.testing.assert_allclose(tape.gradient(l1, x).numpy(), [[1., 2.5, 2.5, 4.], [0.625] * 4])
    np.testing.assert_allclose(tape.gradient(l2, x).numpy(), [[2., 12.5, 12.5, 32.], [2.1875] * 4])
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y, _ = tf.nn.isotonic_regression(x)
            loss = tf.reduce_sum(tf.square(y) * w)
        g = t1.gradient(loss, x)
        gg = tf.reduce_sum(g * w)
    # TF 2.21
    np.testing.assert_allclose(g.numpy(), [[12.5] * 4, [10., -2., 4., 0.]])
    np.testing.assert_allclose(t2.gradient(gg, x).numpy(), [[12.5] * 4, [2., 2., 8., 0.5]])


# -- batch_norm_with_global_normalization --------------------------------------------------------

def test_batch_norm_with_global_normalization_tf_values_and_gradients():
    x = tf.constant(np.arange(12, dtype=np.float32).reshape(1, 2, 2, 3) / 4)
    m, v = tf.constant([0.5, 1., 1.5]), tf.constant([1., 2., 0.5])
    b, g = tf.constant([0.1, 0.2, 0.3]), tf.constant([2., 1., 0.5])
    wts = tf.reshape(tf.range(12, dtype=tf.float32), [1, 2, 2, 3])
    # TF 2.21: values and the gradients for (x, mean, variance, beta, gamma)
    want = {True: ([-0.8995003700256348, -0.3301975727081299, -0.4064006805419922, 0.599750280380249,
                    0.19999998807907104, 0.12339991331100464, 2.099000930786133, 0.730197548866272,
                    0.6532004475593567, 3.5982513427734375, 1.2603951692581177, 1.1830010414123535],
                   [[0.0, 0.7069301009178162, 1.4128015041351318, 5.997002601623535, 2.8277204036712646,
                     3.532003879547119, 11.99400520324707, 4.948510646820068, 5.651206016540527,
                     17.99100685119629, 7.069301128387451, 7.7704081535339355],
                    [-35.98201370239258, -15.552462577819824, -18.366418838500977],
                    [-22.466293334960938, -3.4445621967315674, -10.222366333007812], [18.0, 22.0, 26.0],
                    [22.488758087158203, 13.785137176513672, 20.48562240600586]]),
            False: ([-0.3997502028942108, -0.3301975727081299, -1.112801432609558, 0.3498751223087311,
                     0.19999998807907104, -0.05320024490356445, 1.0995004177093506, 0.730197548866272,
                     1.0064008235931396, 1.849125623703003, 1.2603951692581177, 2.0660018920898438],
                    [[0.0, 0.7069301009178162, 2.8256030082702637, 2.9985013008117676, 2.8277204036712646,
                      7.064007759094238, 5.997002601623535, 4.948510646820068, 11.302412033081055,
                      8.995503425598145, 7.069301128387451, 15.540816307067871],
                     [-17.99100685119629, -15.552462577819824, -36.73283767700195],
                     [-11.233146667480469, -3.4445621967315674, -20.444732666015625], [18.0, 22.0, 26.0],
                     None])}
    for scale, (vals, grads) in want.items():
        with tf.GradientTape() as tape:
            tape.watch([x, m, v, b, g])
            y = tf.nn.batch_norm_with_global_normalization(x, m, v, b, g, 0.001, scale)
            loss = tf.reduce_sum(y * wts)
        np.testing.assert_allclose(y.numpy().ravel(), vals, rtol=1e-5, atol=1e-6)
        for got, exp in zip(tape.gradient(loss, [x, m, v, b, g]), grads):
            if exp is None:
                assert got is None
            else:
                np.testing.assert_allclose(got.numpy().ravel(), exp, rtol=1e-5, atol=1e-5)


# -- CTC helpers ----------------------------------------------------------------------------------

LABELS = np.array([[1, 1, 2, 2, 3], [4, 4, 4, 0, 0], [5, 6, 6, 6, 7]], np.int32)


def test_collapse_repeated_tf_values():
    # TF 2.21
    cases = {(5, 3, 4): ([[1, 2, 3], [4, 0, 0], [5, 6, 0]], [3, 1, 2]),
             (5, 5, 5): ([[1, 2, 3], [4, 0, 0], [5, 6, 7]], [3, 2, 3]),
             (0, 2, 1): ([[0], [4], [5]], [0, 1, 1])}
    for sl, (lab, lens) in cases.items():
        out, n = tf.nn.collapse_repeated(tf.constant(LABELS), list(sl))
        assert out.dtype == tf.int32 and n.dtype == tf.int32
        assert out.numpy().tolist() == lab and n.numpy().tolist() == lens


def test_ctc_unique_labels_tf_values():
    u, idx = tf.nn.ctc_unique_labels(tf.constant(LABELS))
    # TF 2.21
    assert u.dtype == tf.int64 and idx.dtype == tf.int32
    assert u.numpy().tolist() == [[1, 2, 3, 0, 0], [4, 0, 0, 0, 0], [5, 6, 7, 0, 0]]
    assert idx.numpy().tolist() == [[0, 0, 1, 1, 2], [0, 0, 0, 1, 1], [0, 1, 1, 1, 2]]
    u, idx = tf.nn.ctc_unique_labels(tf.constant(np.array([[3, 1, 3, 0, 1]], np.int32)))
    assert u.numpy().tolist() == [[3, 1, 0, 0, 0]] and idx.numpy().tolist() == [[0, 1, 0, 2, 1]]


CTC_LOGITS = np.log(np.array([
    [[0.1, 0.6, 0.3], [0.7, 0.2, 0.1]],
    [[0.1, 0.6, 0.3], [0.2, 0.2, 0.6]],
    [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1]],
    [[0.1, 0.6, 0.3], [0.1, 0.1, 0.8]],
    [[0.1, 0.2, 0.7], [0.1, 0.1, 0.8]]], np.float32))


def test_ctc_greedy_decoder_tf_values():
    # TF 2.21: (merge_repeated, blank_index) -> indices, values, dense_shape; log probs [[2.1123], [1.4473]]
    cases = {(True, None): ([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1]], [1, 0, 1, 0, 1], [2, 3]),
             (True, 0): ([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]], [1, 1, 2, 2, 1, 2], [2, 3]),
             (False, None): ([[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1]], [1, 1, 0, 1, 0, 1], [2, 4]),
             (False, 0): ([[0, 0], [0, 1], [0, 2], [0, 3], [1, 0], [1, 1], [1, 2]], [1, 1, 1, 2, 2, 1, 2], [2, 4])}
    for (merge, blank), (ind, vals, shape) in cases.items():
        decoded, neg = tf.nn.ctc_greedy_decoder(tf.constant(CTC_LOGITS), [5, 4], merge_repeated=merge,
                                                blank_index=blank)
        assert isinstance(decoded, list) and len(decoded) == 1
        d = decoded[0]
        assert d.indices.numpy().tolist() == ind and d.values.numpy().tolist() == vals
        assert d.values.dtype == tf.int64 and d.dense_shape.numpy().tolist() == shape
        assert neg.dtype == tf.float32 and neg.shape == (2, 1)
        np.testing.assert_allclose(neg.numpy(), [[2.112295150756836], [1.4473190307617188]], rtol=1e-6)
    with pytest.raises(Exception, match="sequence_length"):  # TF: FailedPreconditionError
        tf.nn.ctc_greedy_decoder(tf.constant(CTC_LOGITS), [6, 4])
    with pytest.raises(InvalidArgumentError):
        tf.nn.ctc_greedy_decoder(tf.constant(CTC_LOGITS[0]), [1, 1])


# -- depthwise_conv2d_backprop_input / _filter -------------------------------------------------------

def test_depthwise_backprops_tf_values():
    x = np.arange(1, 19, dtype=np.float32).reshape(1, 3, 3, 2) / 10
    w = np.array([1., -1., 2., 0.5, 0., 1., -2., 1.], np.float32).reshape(2, 2, 2, 1)
    dy = np.array([1., 2., -1., 0.5, 0., 1., 3., -2.], np.float32).reshape(1, 2, 2, 2)
    gi = tf.nn.depthwise_conv2d_backprop_input(list(x.shape), tf.constant(w), tf.constant(dy),
                                               [1, 1, 1, 1], "VALID")
    gf = tf.nn.depthwise_conv2d_backprop_filter(tf.constant(x), list(w.shape), tf.constant(dy),
                                                [1, 1, 1, 1], "VALID")
    # TF 2.21
    np.testing.assert_allclose(gi.numpy().ravel(), [1.0, -2.0, 1.0, 0.5, -2.0, 0.25, 0.0, 1.0, 1.0, 5.0, 8.0,
                                                    -0.5, 0.0, 1.0, 0.0, -1.0, -6.0, -2.0], atol=1e-6)
    np.testing.assert_allclose(gf.numpy().ravel(), [2.5, -0.6, 3.1, -0.3, 4.3, 0.3, 4.9, 0.6], rtol=1e-5)


def test_depthwise_backprops_match_the_tape_and_differentiate():
    rng = np.random.default_rng(3)
    x = tf.constant(rng.standard_normal((2, 5, 6, 3)))
    w = tf.constant(rng.standard_normal((3, 2, 3, 2)))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([x, w])
        y = tf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "SAME")
    dy = tf.constant(rng.standard_normal(y.shape))
    gx, gw = tape.gradient(y, [x, w], output_gradients=dy)
    bi = tf.nn.depthwise_conv2d_backprop_input(list(x.shape), w, dy, [1, 2, 2, 1], "SAME")
    bf = tf.nn.depthwise_conv2d_backprop_filter(x, list(w.shape), dy, [1, 2, 2, 1], "SAME")
    np.testing.assert_allclose(bi.numpy(), gx.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bf.numpy(), gw.numpy(), rtol=1e-12, atol=1e-12)
    # differentiable in the filter: d/dw sum(backprop_input * c) by central differences
    c = rng.standard_normal(x.shape)
    with tf.GradientTape() as t2:
        t2.watch(w)
        s = tf.reduce_sum(tf.nn.depthwise_conv2d_backprop_input(list(x.shape), w, dy, [1, 2, 2, 1], "SAME") * c)
    fd = _fd_grad(lambda wv: float(tf.reduce_sum(tf.nn.depthwise_conv2d_backprop_input(
        list(x.shape), tf.constant(wv), dy, [1, 2, 2, 1], "SAME") * c)), w.numpy())
    np.testing.assert_allclose(t2.gradient(s, w).numpy(), fd, rtol=1e-6, atol=1e-6)


# -- fractional pooling -----------------------------------------------------------------------------

ZZ = np.array([3., 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3], np.float32).reshape(1, 4, 4, 1)


def test_fractional_pools_tf_values_and_gradients():
    # 4 / 1.5 -> 2 outputs, 4 % 2 == 0: the sequences are [0, 2, 4] whatever the seed (TF's too)
    z = tf.constant(ZZ)
    # TF 2.21: overlapping regions take the boundary row/column too
    want = {("avg", True): [[4.111111, 4.3333335], [6.3333335, 6.25]],
            ("max", True): [[9., 8.], [9., 9.]],
            ("avg", False): [[4.5, 3.25], [6.0, 6.25]],
            ("max", False): [[9., 6.], [9., 9.]]}
    for (kind, ov), vals in want.items():
        fn = tf.nn.fractional_avg_pool if kind == "avg" else tf.nn.fractional_max_pool
        out, rows, cols = fn(z, [1., 1.5, 1.5, 1.], overlapping=ov, seed=1)
        np.testing.assert_allclose(out.numpy()[0, :, :, 0], vals, rtol=1e-6)
        assert rows.dtype == tf.int64 and rows.numpy().tolist() == [0, 2, 4] and cols.numpy().tolist() == [0, 2, 4]
    ones = tf.ones([1, 4, 4, 1])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(ones)
        ymax = tf.nn.fractional_max_pool(ones, [1., 1.5, 1.5, 1.], overlapping=True, seed=1)[0]
        yavg = tf.nn.fractional_avg_pool(ones, [1., 1.5, 1.5, 1.], overlapping=True, seed=1)[0]
    # TF 2.21: ties go to the first maximum (row-major); the average spreads evenly
    np.testing.assert_array_equal(tape.gradient(ymax, ones).numpy()[0, :, :, 0],
                                  [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]])
    np.testing.assert_allclose(tape.gradient(yavg, ones).numpy()[0, :, :, 0],
                               [[0.11111111, 0.11111111, 0.2777778, 0.16666667],
                                [0.11111111, 0.11111111, 0.2777778, 0.16666667],
                                [0.2777778, 0.2777778, 0.6944444, 0.41666666],
                                [0.16666667, 0.16666667, 0.41666666, 0.25]], rtol=1e-6)


@pytest.mark.parametrize("pseudo_random", [False, True])
@pytest.mark.parametrize("overlapping", [False, True])
def test_fractional_pools_random_sequences(pseudo_random, overlapping):
    rng = np.random.default_rng(5)
    xv = rng.standard_normal((2, 7, 9, 2))
    x = tf.constant(xv)
    out, rows, cols = tf.nn.fractional_max_pool(x, [1., 1.5, 1.7, 1.], pseudo_random=pseudo_random,
                                                overlapping=overlapping, seed=3)
    assert out.shape == (2, 4, 5, 2)  # TF: floor(7 / 1.5), floor(9 / 1.7)
    for seq, n, m in ((rows.numpy(), 7, 4), (cols.numpy(), 9, 5)):
        assert seq[0] == 0 and seq[-1] == n and len(seq) == m + 1
        assert set(np.diff(seq)) <= {n // m, n // m + 1}
    extra = 1 if overlapping else 0
    ref = np.zeros((2, 4, 5, 2))
    avg = np.zeros((2, 4, 5, 2))
    for i in range(4):
        r0, r1 = rows.numpy()[i], min(rows.numpy()[i + 1] + extra, 7)
        for j in range(5):
            c0, c1 = cols.numpy()[j], min(cols.numpy()[j + 1] + extra, 9)
            ref[:, i, j] = xv[:, r0:r1, c0:c1].max(axis=(1, 2))
            avg[:, i, j] = xv[:, r0:r1, c0:c1].mean(axis=(1, 2))
    np.testing.assert_array_equal(out.numpy(), ref)
    # the same seed gives the same sequences; avg pooling over them
    a, r2, c2 = tf.nn.fractional_avg_pool(x, [1., 1.5, 1.7, 1.], pseudo_random=pseudo_random,
                                          overlapping=overlapping, seed=3)
    assert r2.numpy().tolist() == rows.numpy().tolist() and c2.numpy().tolist() == cols.numpy().tolist()
    np.testing.assert_allclose(a.numpy(), avg, rtol=1e-12)
    # gradients by central differences (the sequences fixed by the seed)
    c = rng.standard_normal(out.shape)
    for fn in (tf.nn.fractional_max_pool, tf.nn.fractional_avg_pool):
        def f(v):
            return float(tf.reduce_sum(fn(tf.constant(v), [1., 1.5, 1.7, 1.], pseudo_random=pseudo_random,
                                          overlapping=overlapping, seed=3)[0] * c))
        with tf.GradientTape() as tape:
            tape.watch(x)
            s = tf.reduce_sum(fn(x, [1., 1.5, 1.7, 1.], pseudo_random=pseudo_random, overlapping=overlapping,
                                 seed=3)[0] * c)
        np.testing.assert_allclose(tape.gradient(s, x).numpy(), _fd_grad(f, xv), rtol=1e-6, atol=1e-8)


def test_fractional_pool_argument_errors():
    x = tf.reshape(tf.range(2 * 7 * 9 * 2, dtype=tf.float32), [2, 7, 9, 2])
    # TF 2.21: a scalar ratio is fine for max pooling, a TypeError for avg pooling
    assert [t.shape for t in tf.nn.fractional_max_pool(x, 1.5)] == [(2, 4, 6, 2), (5,), (7,)]
    with pytest.raises(TypeError, match="Expected list"):
        tf.nn.fractional_avg_pool(x, 1.5)
    with pytest.raises(ValueError, match="first and last"):
        tf.nn.fractional_max_pool(x, [2.0, 1.5, 2.0, 1.])
    with pytest.raises(ValueError, match=">= 1.0"):
        tf.nn.fractional_max_pool(x, [1.0, 0.5, 2.0, 1.])
    with pytest.raises(InvalidArgumentError, match="higher than input dimension"):
        tf.nn.fractional_max_pool(x, [1.0, 8.0, 2.0, 1.])


# -- top-level odds and ends -------------------------------------------------------------------------

def test_histogram_fixed_width_bins_tf_values():
    v = np.array([-1., 0., 1.5, 2., 5., 15., np.nan, 0.1, 9.99999, 3.3333333, 6.6666665], np.float32)
    # TF 2.21 (a NaN value gives -2**31, its int32 cast; a reversed range is not checked)
    want = {((0., 10.), 5): [0, 0, 0, 1, 2, 4, -2147483648, 0, 4, 1, 3],
            ((10., 0.), 4): [3, 3, 3, 3, 2, 0, -2147483648, 3, 0, 2, 1],
            ((0., 10.), 3): [0, 0, 0, 0, 1, 2, -2147483648, 0, 2, 0, 1],
            ((-1., 1.), 7): [0, 3, 6, 6, 6, 6, -2147483648, 3, 6, 6, 6]}
    for (rng_, nb), exp in want.items():
        got = tf.histogram_fixed_width_bins(v, list(rng_), nbins=nb)
        assert got.dtype == tf.int32 and got.numpy().tolist() == exp
    # TF: dtype is ignored, the values' shape is kept
    got = tf.histogram_fixed_width_bins(v[:9].reshape(3, 3), [0., 10.], nbins=5, dtype=tf.int64)
    assert got.dtype == tf.int32 and got.numpy().tolist() == [[0, 0, 0], [1, 2, 4], [-2147483648, 0, 4]]
    assert tf.histogram_fixed_width_bins(np.array([0.3, 0.7], np.float32), [0., 1.], nbins=3).numpy().tolist() == [0, 2]
    with pytest.raises(InvalidArgumentError):
        tf.histogram_fixed_width_bins(v, [0., 10.], nbins=0)


def test_eager_graph_helpers():
    x = tf.constant(1.)
    assert tf.is_symbolic_tensor(x) is False and tf.inside_function() is False
    assert tf.get_current_name_scope() == ""
    with tf.name_scope("a"):
        with tf.name_scope("b"):
            assert tf.get_current_name_scope() == "a/b"
    assert float(tf.guarantee_const(x)) == 1.
    assert tf.Assert(True, ["a"]) is None and tf.Assert(tf.constant(True), ["a"]) is None
    with pytest.raises(InvalidArgumentError, match="Summarized data: bad\n1, 2"):
        tf.Assert(tf.constant(False), ["bad", tf.constant(np.array([1, 2], np.int32))])
    with pytest.raises(ValueError):
        tf.Assert(tf.constant([True, True]), ["bad"])
    for fn in (tf.gradients, tf.hessians):
        with pytest.raises(RuntimeError, match="Use tf.GradientTape instead"):
            fn(x, x)
