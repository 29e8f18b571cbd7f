"""Convolutions and pooling (tf.nn.conv1d, conv2d, conv2d_transpose, max_pool*, avg_pool*,
tf.image.extract_patches) on the im2col / col2im ops: forward against direct numpy loops
(every padding mode, strides, dilations, odd shapes), gradients and second derivatives
against finite differences, TF's documented examples, 1 and 2 threads, and bad input."""

import math

import numpy as np
import pytest

import tapegrad as tf
from opcases import Case, define_tests, distinct, normal
from tapegrad.errors import InvalidArgumentError
from tapegrad.testing import assert_allclose


def _pads(size, k, s, d, padding):
    eff = (k - 1) * d + 1
    if padding == "SAME":
        out = -(-size // s)
        total = max((out - 1) * s + eff - size, 0)
        return total // 2, total - total // 2
    if padding == "VALID":
        return 0, 0
    return padding


def np_conv2d(x, f, strides=(1, 1), padding="VALID", dilations=(1, 1)):
    """Direct cross-correlation, TF's padding rules (padding: 'SAME', 'VALID' or 2 pairs)."""
    kh, kw = f.shape[:2]
    (sh, sw), (dh, dw) = strides, dilations
    ph = _pads(x.shape[1], kh, sh, dh, padding if isinstance(padding, str) else padding[0])
    pw = _pads(x.shape[2], kw, sw, dw, padding if isinstance(padding, str) else padding[1])
    xp = np.pad(x, [(0, 0), ph, pw, (0, 0)])
    oh = (xp.shape[1] - (kh - 1) * dh - 1) // sh + 1
    ow = (xp.shape[2] - (kw - 1) * dw - 1) // sw + 1
    y = np.zeros((x.shape[0], oh, ow, f.shape[3]))
    for i in range(kh):
        for j in range(kw):
            win = xp[:, i * dh: i * dh + (oh - 1) * sh + 1: sh, j * dw: j * dw + (ow - 1) * sw + 1: sw, :]
            y += win @ f[i, j]
    return y


def np_conv2d_transpose(x, f, out_shape, strides, padding):
    """The adjoint of np_conv2d in its input: scatter every input pixel through the filter."""
    kh, kw = f.shape[:2]
    (sh, sw) = strides
    ph = _pads(out_shape[1], kh, sh, 1, padding)
    pw = _pads(out_shape[2], kw, sw, 1, padding)
    big = np.zeros((out_shape[0], out_shape[1] + sum(ph) + kh, out_shape[2] + sum(pw) + kw, out_shape[3]))
    for oy in range(x.shape[1]):
        for ox in range(x.shape[2]):
            for i in range(kh):
                for j in range(kw):
                    big[:, oy * sh + i, ox * sw + j, :] += x[:, oy, ox, :] @ f[i, j].T
    return big[:, ph[0]: ph[0] + out_shape[1], pw[0]: pw[0] + out_shape[2], :]


def np_pool(x, k, s, padding, kind):
    (kh, kw), (sh, sw) = k, s
    ph, pw = _pads(x.shape[1], kh, sh, 1, padding), _pads(x.shape[2], kw, sw, 1, padding)
    fill = -np.inf if kind == "max" else np.nan
    xp = np.pad(x, [(0, 0), ph, pw, (0, 0)], constant_values=fill)
    oh, ow = (xp.shape[1] - kh) // sh + 1, (xp.shape[2] - kw) // sw + 1
    y = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for a in range(oh):
        for b in range(ow):
            win = xp[:, a * sh: a * sh + kh, b * sw: b * sw + kw, :]
            y[:, a, b, :] = win.max(axis=(1, 2)) if kind == "max" else np.nanmean(win, axis=(1, 2))
    return y


def np_depthwise(x, f, strides, padding, dilations=(1, 1)):
    """Each channel c convolved with f[:, :, c, m], outputs at c * M + m."""
    c, m = f.shape[2], f.shape[3]
    outs = [np_conv2d(x[..., i:i + 1], f[:, :, i:i + 1, :], strides, padding, dilations) for i in range(c)]
    return np.concatenate(outs, axis=-1).reshape(outs[0].shape[:3] + (c * m,))


def _conv_case(id, xs, fs, strides=1, padding="VALID", dilations=1, ops=("im2col", "matmul")):
    st = (strides, strides) if isinstance(strides, int) else tuple(strides)
    di = (dilations, dilations) if isinstance(dilations, int) else tuple(dilations)
    pad_tf = padding if isinstance(padding, str) else [[0, 0]] + [list(p) for p in padding] + [[0, 0]]
    return Case(id, ops, lambda x, f: tf.nn.conv2d(x, f, strides, pad_tf, dilations=dilations),
                lambda x, f: np_conv2d(x, f, st, padding, di), normal(xs, fs))


CASES = [
    _conv_case("conv2d_valid", (2, 5, 6, 2), (3, 2, 2, 3)),
    _conv_case("conv2d_same_stride2", (2, 7, 5, 3), (3, 3, 3, 2), strides=2, padding="SAME"),
    _conv_case("conv2d_same_even_kernel", (1, 6, 6, 1), (2, 4, 1, 2), strides=[1, 3], padding="SAME"),
    _conv_case("conv2d_dilated", (1, 7, 8, 2), (2, 3, 2, 2), padding="SAME", dilations=2),
    _conv_case("conv2d_explicit_padding", (2, 4, 5, 2), (3, 3, 2, 1), strides=[2, 1],
               padding=[(1, 2), (0, 3)]),
    _conv_case("conv2d_1x1", (2, 3, 4, 3), (1, 1, 3, 2), ops=("matmul",)),
    _conv_case("conv2d_1x1_stride2", (2, 5, 4, 3), (1, 1, 3, 2), strides=2),
    Case("conv1d", ("im2col", "matmul"), lambda x, f: tf.nn.conv1d(x, f, 2, "SAME"),
         lambda x, f: np_conv2d(x[:, None], f[None], (1, 2), [(0, 0), _pads(x.shape[1], f.shape[0], 2, 1, "SAME")])[:, 0],
         normal((2, 9, 2), (3, 2, 3))),
    Case("conv2d_transpose", ("col2im", "matmul"),
         lambda x, f: tf.nn.conv2d_transpose(x, f, [2, 7, 6, 2], 2, "SAME"),
         lambda x, f: np_conv2d_transpose(x, f, [2, 7, 6, 2], (2, 2), "SAME"), normal((2, 4, 3, 3), (3, 2, 2, 3))),
    Case("conv2d_transpose_valid", ("col2im", "matmul"),
         lambda x, f: tf.nn.conv2d_transpose(x, f, [1, 6, 5, 1], [1, 2], "VALID"),
         lambda x, f: np_conv2d_transpose(x, f, [1, 6, 5, 1], (1, 2), "VALID"), normal((1, 4, 2, 2), (3, 3, 1, 2))),
    Case("extract_patches", "im2col",
         lambda x: tf.image.extract_patches(x, [1, 2, 3, 1], [1, 2, 1, 1], [1, 1, 1, 1], "SAME"),
         lambda x: np_conv2d(x, np.eye(2 * 3 * 2).reshape(2, 3, 2, 12), (2, 1), "SAME"), normal((2, 5, 4, 2))),
    Case("depthwise_conv2d", ("im2col", "multiply", "reduce_sum"),
         lambda x, f: tf.nn.depthwise_conv2d(x, f, [1, 2, 1, 1], "SAME"),
         lambda x, f: np_depthwise(x, f, (2, 1), "SAME"), normal((2, 5, 4, 3), (3, 2, 3, 2))),
    Case("depthwise_conv2d_dilated_valid", ("im2col", "multiply", "reduce_sum"),
         lambda x, f: tf.nn.depthwise_conv2d(x, f, 1, "VALID", dilations=[2, 1]),
         lambda x, f: np_depthwise(x, f, (1, 1), "VALID", (2, 1)), normal((1, 6, 4, 2), (2, 2, 2, 1))),
    Case("separable_conv2d", ("im2col", "matmul"),
         lambda x, d, p: tf.nn.separable_conv2d(x, d, p, 1, "SAME"),
         lambda x, d, p: np_conv2d(np_depthwise(x, d, (1, 1), "SAME"), p), normal((1, 4, 4, 2), (3, 3, 2, 2), (1, 1, 4, 3))),
    Case("max_pool2d_valid", ("im2col", "custom_gradient"), lambda x: tf.nn.max_pool2d(x, 2, 2, "VALID"),
         lambda x: np_pool(x, (2, 2), (2, 2), "VALID", "max"), distinct((2, 5, 4, 3))),
    Case("max_pool2d_same_overlap", ("im2col", "custom_gradient"), lambda x: tf.nn.max_pool2d(x, [3, 2], 1, "SAME"),
         lambda x: np_pool(x, (3, 2), (1, 1), "SAME", "max"), distinct((1, 4, 5, 2))),
    Case("avg_pool2d_same", ("im2col", "reduce_sum"), lambda x: tf.nn.avg_pool2d(x, 3, 2, "SAME"),
         lambda x: np_pool(x, (3, 3), (2, 2), "SAME", "avg"), normal((2, 5, 6, 2))),
    Case("avg_pool2d_valid", ("im2col", "reduce_sum"), lambda x: tf.nn.avg_pool2d(x, [2, 3], [1, 2], "VALID"),
         lambda x: np_pool(x, (2, 3), (1, 2), "VALID", "avg"), normal((1, 4, 7, 2))),
    Case("max_pool1d", ("im2col", "custom_gradient"), lambda x: tf.nn.max_pool1d(x, 3, 2, "SAME"),
         lambda x: np_pool(x[:, None], (1, 3), (1, 2), "SAME", "max")[:, 0], distinct((2, 7, 2))),
    Case("avg_pool1d", ("im2col", "reduce_sum"), lambda x: tf.nn.avg_pool(x, 2, 2, "VALID"),
         lambda x: np_pool(x[:, None], (1, 2), (1, 2), "VALID", "avg")[:, 0], normal((2, 7, 2))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


def test_tf_documented_pooling_examples():
    x = tf.reshape(tf.constant([[1., 2., 3.], [4., 5., 6.], [7., 8., 9.]]), [1, 3, 3, 1])
    np.testing.assert_array_equal(tf.nn.max_pool2d(x, 2, 1, "VALID").numpy()[0, :, :, 0], [[5, 6], [8, 9]])
    np.testing.assert_array_equal(tf.nn.max_pool2d(x, 2, 1, "SAME").numpy()[0, :, :, 0],
                                  [[5, 6, 6], [8, 9, 9], [8, 9, 9]])
    np.testing.assert_array_equal(tf.nn.avg_pool2d(x, 2, 1, "VALID").numpy()[0, :, :, 0], [[3, 4], [6, 7]])
    np.testing.assert_array_equal(tf.nn.avg_pool2d(x, 2, 1, "SAME").numpy()[0, :, :, 0],
                                  [[3, 4, 4.5], [6, 7, 7.5], [7.5, 8.5, 9]])
    # tf.image.extract_patches' documented layout: a window's rows, then columns, then channels
    img = tf.reshape(tf.range(1.0, 101.0), [1, 10, 10, 1])
    p = tf.image.extract_patches(img, [1, 3, 3, 1], [1, 5, 5, 1], [1, 1, 1, 1], "VALID").numpy()
    np.testing.assert_array_equal(p[0, 0, 0], [1, 2, 3, 11, 12, 13, 21, 22, 23])
    np.testing.assert_array_equal(p[0, 1, 1], [56, 57, 58, 66, 67, 68, 76, 77, 78])
    # with dilations ('rates') the window spreads out
    p = tf.image.extract_patches(img, [1, 3, 3, 1], [1, 5, 5, 1], [1, 2, 2, 1], "VALID").numpy()
    np.testing.assert_array_equal(p[0, 0, 0], [1, 3, 5, 21, 23, 25, 41, 43, 45])


def test_max_pool_gradient_goes_to_the_first_maximum_as_tf():
    x = tf.constant(np.array([[0., 0.], [0., 0.]]).reshape(1, 2, 2, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool2d(x, 2, 2, "VALID")
    np.testing.assert_array_equal(tape.gradient(y, x).numpy().reshape(2, 2), [[1, 0], [0, 0]])
    # overlapping windows: each window's maximum gets that window's gradient
    x = tf.constant(np.array([1., 3., 2., 0.]).reshape(1, 1, 4, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.max_pool2d(x, [1, 2], 1, "VALID")  # windows (1,3) (3,2) (2,0): 3, 3, 2
    np.testing.assert_array_equal(tape.gradient(y, x).numpy().ravel(), [0, 2, 1, 0])
    # padding never wins, even over negative values
    neg = -np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    np.testing.assert_array_equal(tf.nn.max_pool2d(neg, 2, 2, "SAME").numpy().ravel(), [-1, -3, -7, -9])


@pytest.mark.parametrize("batch", [4, 1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bigger_convolutions_on_1_and_2_threads(dtype, batch):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((batch, 33, 31, 8)).astype(dtype)
    f = rng.standard_normal((3, 3, 8, 16)).astype(dtype)
    want = np_conv2d(x.astype(np.float64), f.astype(np.float64), (1, 1), "SAME")
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)
    old = tf.get_num_threads()
    outs = []
    try:
        for th in (1, 2):
            tf.set_num_threads(th)
            tx, tff = tf.constant(x), tf.constant(f)
            with tf.GradientTape() as tape:
                tape.watch([tx, tff])
                y = tf.nn.conv2d(tx, tff, 1, "SAME")
                loss = tf.reduce_sum(y * y)
            gx, gf = tape.gradient(loss, [tx, tff])
            assert y.dtype == tf.as_dtype(dtype)
            assert_allclose(y.numpy(), want, what=f"conv2d {th}T", **tol)
            outs.append((gx.numpy(), gf.numpy()))
    finally:
        tf.set_num_threads(old)
    # the gradients: dx = conv2d_transpose(dy), dw = windowsᵀ dy, against numpy
    dy = 2 * want
    gx_want = np_conv2d_transpose(dy, f.astype(np.float64), x.shape, (1, 1), "SAME")
    assert_allclose(outs[0][0], gx_want, what="dx", **{k: v * 100 for k, v in tol.items()})
    for a, b in zip(outs[0], outs[1]):  # the threads split rows and images, never sums
        np.testing.assert_array_equal(a, b)


def test_conv_keeps_the_inputs_and_accepts_variables():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 4, 4, 2)).astype(np.float32)
    keep = x.copy()
    w = tf.Variable(rng.standard_normal((3, 3, 2, 1)).astype(np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.nn.conv2d(x, w, 1, "SAME"))
    assert tape.gradient(y, w).shape == (3, 3, 2, 1)
    np.testing.assert_array_equal(x, keep)


def test_bad_input_is_refused_by_name():
    x = tf.zeros([1, 4, 4, 2])
    f = tf.zeros([3, 3, 2, 1])
    with pytest.raises(InvalidArgumentError, match="conv2d: input must be .*rank 4.*\\[4, 4, 2\\]"):
        tf.nn.conv2d(tf.zeros([4, 4, 2]), f, 1, "SAME")
    with pytest.raises(InvalidArgumentError, match="conv2d: input depth 2 must equal the filters' in_channels 3"):
        tf.nn.conv2d(x, tf.zeros([3, 3, 3, 1]), 1, "SAME")
    with pytest.raises(InvalidArgumentError, match="conv2d: filters must be"):
        tf.nn.conv2d(x, tf.zeros([3, 3, 2]), 1, "SAME")
    with pytest.raises(InvalidArgumentError, match="conv2d: padding must be 'SAME', 'VALID'"):
        tf.nn.conv2d(x, f, 1, "FULL")
    with pytest.raises(InvalidArgumentError, match="conv2d: data_format 'NCHW' is not supported"):
        tf.nn.conv2d(x, f, 1, "SAME", data_format="NCHW")
    with pytest.raises(InvalidArgumentError, match="conv2d: strides must be positive"):
        tf.nn.conv2d(x, f, 0, "SAME")
    with pytest.raises(InvalidArgumentError, match="conv2d: strides in the batch and channel dimensions must be 1"):
        tf.nn.conv2d(x, f, [2, 1, 1, 1], "SAME")
    # TF's output size (span + stride) / stride truncates: a window larger than the input by
    # less than 2 strides gives an empty output (TF 2.21), by more an error
    assert tf.nn.conv2d(x, tf.zeros([x.shape[1] + 1, 1, 2, 1]), 1, "VALID").shape[1] == 0
    with pytest.raises(InvalidArgumentError, match="conv2d: the window .* is larger than the padded input"):
        tf.nn.conv2d(x, tf.zeros([x.shape[1] + 2, 1, 2, 1]), 1, "VALID")
    with pytest.raises(TypeError, match="conv2d: input and filters must have one dtype"):
        tf.nn.conv2d(x, tf.zeros([3, 3, 2, 1], dtype=tf.float64), 1, "SAME")
    with pytest.raises(TypeError, match="conv2d: input must be a float32 or float64 tensor, got an int32"):
        tf.nn.conv2d(np.zeros((1, 4, 4, 2), np.int32), f, 1, "SAME")
    with pytest.raises(InvalidArgumentError, match="conv2d_transpose: a conv2d of output_shape"):
        tf.nn.conv2d_transpose(tf.zeros([1, 3, 3, 1]), tf.zeros([3, 3, 2, 1]), [1, 9, 9, 2], 2, "SAME")
    with pytest.raises(InvalidArgumentError, match="depthwise_conv2d: input depth 2 must equal the filter's in_channels 3"):
        tf.nn.depthwise_conv2d(x, tf.zeros([3, 3, 3, 1]), [1, 1, 1, 1], "SAME")
    with pytest.raises(InvalidArgumentError, match="max_pool2d: padding must be 'SAME' or 'VALID'"):
        tf.nn.max_pool2d(x, 2, 2, [[0, 0], [1, 1], [1, 1], [0, 0]])
    with pytest.raises(InvalidArgumentError, match="avg_pool: input must have rank 3 or 4"):
        tf.nn.avg_pool(tf.zeros([4, 4]), 2, 2, "VALID")
    # the private ops check their geometry too: no read outside the tensors
    with pytest.raises(InvalidArgumentError, match="im2col: expected images of shape"):
        tf._core._im2col(x, [5, 4, 2, 2, 1, 1, 1, 1, 0, 0, 4, 3], 0.0)
    with pytest.raises(InvalidArgumentError, match="col2im: expected windows of shape"):
        tf._core._col2im(x, [4, 4, 2, 2, 1, 1, 1, 1, 0, 0, 3, 3], 1)
    with pytest.raises(InvalidArgumentError, match="im2col: a window size, stride, dilation or padding is too large"):
        tf._core._im2col(x, [4, 4, 1, 1, 2 ** 35, 1, 1, 1, 0, 0, 2, 2], 0.0)
    with pytest.raises(InvalidArgumentError, match="col2im: strides must be at least 1"):
        tf._core._col2im(x, [4, 4, 1, 1, 0, 1, 1, 1, 0, 0, 4, 4], 2)
    with pytest.raises(InvalidArgumentError, match="im2col: the window geometry needs 12 integers"):
        tf._core._im2col(x, [4, 4, 2], 0.0)


def test_empty_batches_and_windows_past_the_edge():
    y = tf.nn.conv2d(tf.zeros([0, 5, 5, 2]), tf.ones([3, 3, 2, 4]), 2, "SAME")
    assert y.shape == (0, 3, 3, 4)
    # a stride larger than the image: one window, mostly padding
    x = np.arange(4.0).reshape(1, 2, 2, 1)
    got = tf.nn.conv2d(x, np.ones((3, 3, 1, 1)), 5, "SAME").numpy()
    np.testing.assert_array_equal(got, np_conv2d(x, np.ones((3, 3, 1, 1)), (5, 5), "SAME"))
    assert math.isclose(float(got.ravel()[0]), 6.0)


def test_windows_larger_than_the_input_as_tf():
    # TF 2.21 (GetWindowedOutputSize): size 3, stride 2, VALID: windows 4-6 give an empty
    # output, 7 the "would be negative" error; the empty outputs differentiate to zeros
    x = tf.ones([1, 3, 3, 1])
    for k in (4, 5, 6):
        assert tf.nn.max_pool2d(x, k, 2, "VALID").shape == (1, 0, 0, 1)
        assert tf.nn.avg_pool2d(x, k, 2, "VALID").shape == (1, 0, 0, 1)
        assert tf.nn.conv2d(x, tf.ones([k, k, 1, 1]), 2, "VALID").shape == (1, 0, 0, 1)
    assert tf.nn.conv1d(tf.ones([1, 3, 1]), tf.ones([5, 1, 1]), 2, "VALID").shape == (1, 0, 1)
    for fn in (lambda: tf.nn.max_pool2d(x, 7, 2, "VALID"),
               lambda: tf.nn.conv2d(x, tf.ones([7, 7, 1, 1]), 2, "VALID")):
        with pytest.raises(InvalidArgumentError, match="computed output size would be negative"):
            fn()
    xv = tf.Variable(tf.ones([2, 3, 3, 1]))
    w = tf.Variable(tf.ones([5, 5, 1, 1]))
    with tf.GradientTape() as t:
        y = tf.reduce_sum(tf.nn.conv2d(xv, w, 2, "VALID")) + tf.reduce_sum(tf.nn.max_pool2d(xv, 5, 2, "VALID"))
    gx, gw = t.gradient(y, [xv, w])
    assert gx.shape == (2, 3, 3, 1) and not np.any(gx.numpy())
    assert gw.shape == (5, 5, 1, 1) and not np.any(gw.numpy())
