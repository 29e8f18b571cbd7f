"""tf.nn's 3-D convolutions and pooling (conv3d, conv3d_transpose, max_pool3d, avg_pool3d) and
its other convolution entry points (conv1d_transpose, conv_transpose, convolution, pool,
max_pool_with_argmax, dilation2d, erosion2d, atrous_conv2d[_transpose]), plus
local_response_normalization, weighted_moments and sufficient_statistics: forward against
direct float64 numpy loops over the output positions (odd sizes, strides larger than the
window, dilations, 'SAME' / 'VALID' / explicit padding, batch 1, one channel), gradients and
second derivatives against finite differences, TF's tie rules, 1 and 2 threads, bad input."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tapegrad as tf
from opcases import Case, define_tests, distinct, normal
from tapegrad.errors import InvalidArgumentError
from tapegrad.testing import assert_allclose


def _pads(size, k, s, d, padding):
    """TF's (before, after) padding along one axis: 'SAME', 'VALID' or an explicit pair."""
    eff = (k - 1) * d + 1
    if padding == "SAME":
        out = -(-size // s)
        total = max((out - 1) * s + eff - size, 0)
        return total // 2, total - total // 2
    if padding == "VALID":
        return 0, 0
    return tuple(padding)


def _triple(v):
    return (v,) * 3 if isinstance(v, int) else tuple(v)


def np_conv3d(x, f, strides=1, padding="VALID", dilations=1):
    """Direct cross-correlation: one window at a time (float64 loops over the outputs)."""
    s, d = _triple(strides), _triple(dilations)
    k = f.shape[:3]
    pads = [_pads(x.shape[1 + i], k[i], s[i], d[i], padding if isinstance(padding, str) else padding[i])
            for i in range(3)]
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    out = [(xp.shape[1 + i] - (k[i] - 1) * d[i] - 1) // s[i] + 1 for i in range(3)]
    y = np.zeros((x.shape[0], *out, f.shape[4]))
    for a, b, c in itertools.product(*map(range, out)):
        win = xp[:, a * s[0]: a * s[0] + (k[0] - 1) * d[0] + 1: d[0],
                 b * s[1]: b * s[1] + (k[1] - 1) * d[1] + 1: d[1],
                 c * s[2]: c * s[2] + (k[2] - 1) * d[2] + 1: d[2], :]
        y[:, a, b, c] = np.tensordot(win, f, axes=([1, 2, 3, 4], [0, 1, 2, 3]))
    return y


def np_conv3d_transpose(x, f, out_shape, strides=1, padding="SAME", dilations=1):
    """The adjoint of np_conv3d in its input: every input voxel scattered through the filter."""
    s, d = _triple(strides), _triple(dilations)
    k = f.shape[:3]
    pads = [_pads(out_shape[1 + i], k[i], s[i], d[i], padding if isinstance(padding, str) else padding[i])
            for i in range(3)]
    big = np.zeros((out_shape[0],) + tuple(out_shape[1 + i] + sum(pads[i]) + (k[i] - 1) * d[i] + s[i]
                                           for i in range(3)) + (out_shape[4],))
    for a, b, c in itertools.product(*map(range, x.shape[1:4])):
        for i, j, m in itertools.product(*map(range, k)):
            big[:, a * s[0] + i * d[0], b * s[1] + j * d[1], c * s[2] + m * d[2], :] += x[:, a, b, c, :] @ f[i, j, m].T
    return big[:, pads[0][0]: pads[0][0] + out_shape[1], pads[1][0]: pads[1][0] + out_shape[2],
               pads[2][0]: pads[2][0] + out_shape[3], :]


def np_pool3d(x, k, s, padding, kind, dilations=1, fill=None):
    """Max ('SAME' padding never wins) or mean (over the positions inside) of each window;
    ``fill`` pads with that value instead and counts it (tf.nn.pool's dilated route)."""
    k, s, d = _triple(k), _triple(s), _triple(dilations)
    pads = [_pads(x.shape[1 + i], k[i], s[i], d[i], padding) for i in range(3)]
    pad_value = fill if fill is not None else (-np.inf if kind == "max" else np.nan)
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=pad_value)
    out = [(xp.shape[1 + i] - (k[i] - 1) * d[i] - 1) // s[i] + 1 for i in range(3)]
    y = np.zeros((x.shape[0], *out, x.shape[4]))
    for a, b, c in itertools.product(*map(range, out)):
        win = xp[:, a * s[0]: a * s[0] + (k[0] - 1) * d[0] + 1: d[0],
                 b * s[1]: b * s[1] + (k[1] - 1) * d[1] + 1: d[1],
                 c * s[2]: c * s[2] + (k[2] - 1) * d[2] + 1: d[2], :]
        y[:, a, b, c] = win.max(axis=(1, 2, 3)) if kind == "max" else np.nanmean(win, axis=(1, 2, 3))
    return y


def _as3d(fn, lead):
    """A numpy reference for 3-D volumes applied to 1-D or 2-D data (size-1 leading axes)."""
    def run(x, *args, **kw):
        x5 = x.reshape((x.shape[0],) + (1,) * lead + x.shape[1:])
        y = fn(x5, *args, **kw)
        return y.reshape((y.shape[0],) + y.shape[1 + lead:])
    return run


def np_dilation2d(x, f, strides, rates, padding):
    n, h, w, c = x.shape
    fh, fw = f.shape[:2]
    ph = _pads(h, fh, strides[0], rates[0], padding)
    pw = _pads(w, fw, strides[1], rates[1], padding)
    xp = np.pad(x, [(0, 0), ph, pw, (0, 0)], constant_values=-np.inf)
    oh = (xp.shape[1] - (fh - 1) * rates[0] - 1) // strides[0] + 1
    ow = (xp.shape[2] - (fw - 1) * rates[1] - 1) // strides[1] + 1
    y = np.full((n, oh, ow, c), -np.inf)
    for a, b, i, j in itertools.product(range(oh), range(ow), range(fh), range(fw)):
        y[:, a, b] = np.maximum(y[:, a, b], xp[:, a * strides[0] + i * rates[0], b * strides[1] + j * rates[1]] + f[i, j])
    return y


def np_lrn(x, r, bias, alpha, beta):
    c = x.shape[-1]
    sq = np.zeros_like(x)
    for d in range(c):
        sq[..., d] = (x[..., max(0, d - r): d + r + 1] ** 2).sum(-1)
    return x / (bias + alpha * sq) ** beta


def _conv3d_case(id, xs, fs, strides=1, padding="VALID", dilations=1,
                 ops=("im2col", "custom_gradient", "transpose")):
    pad_tf = padding if isinstance(padding, str) else [[0, 0]] + [list(p) for p in padding] + [[0, 0]]
    return Case(id, ops,
                lambda x, f: tf.nn.conv3d(x, f, strides, pad_tf, dilations=dilations),
                lambda x, f: np_conv3d(x, f, strides, padding, dilations), normal(xs, fs))


def _transpose_case(id, xs, fs, out, strides=1, padding="SAME", dilations=1):
    return Case(id, ("col2im", "custom_gradient"),
                lambda x, f: tf.nn.conv3d_transpose(x, f, out, strides, padding, dilations=dilations),
                lambda x, f: np_conv3d_transpose(x, f, out, strides, padding, dilations), normal(xs, fs))


def _flat(*ts):
    return tf.concat([tf.reshape(t, [-1]) for t in ts], 0)


CASES = [
    _conv3d_case("conv3d_valid", (2, 4, 5, 3, 2), (2, 3, 2, 2, 3)),
    _conv3d_case("conv3d_same_stride2", (1, 5, 4, 6, 3), (3, 3, 3, 3, 2), strides=2, padding="SAME"),
    _conv3d_case("conv3d_stride_beyond_kernel", (2, 7, 5, 6, 1), (2, 1, 2, 1, 2), strides=[3, 2, 4],
                 padding="SAME"),
    _conv3d_case("conv3d_even_kernel_same", (1, 4, 5, 3, 2), (2, 4, 2, 2, 1), padding="SAME"),
    _conv3d_case("conv3d_dilated_same", (1, 7, 6, 5, 2), (2, 2, 3, 2, 1), padding="SAME", dilations=[2, 3, 1]),
    _conv3d_case("conv3d_dilated_valid", (1, 6, 7, 5, 1), (2, 2, 2, 1, 2), dilations=2),
    _conv3d_case("conv3d_explicit_padding", (2, 3, 4, 3, 2), (2, 3, 2, 2, 1), strides=[1, 2, 1],
                 padding=[(1, 0), (2, 1), (0, 2)]),
    _conv3d_case("conv3d_1x1x1", (2, 3, 4, 2, 3), (1, 1, 1, 3, 2), ops=("custom_gradient", "reshape")),
    _conv3d_case("conv3d_1x1_plane_deep_kernel", (1, 5, 3, 2, 2), (3, 1, 1, 2, 2), strides=[2, 1, 1],
                 padding="SAME"),
    _conv3d_case("conv3d_batch1_channel1", (1, 3, 4, 5, 1), (3, 2, 3, 1, 1), padding="SAME"),
    _transpose_case("conv3d_transpose_same_stride2", (2, 3, 2, 3, 3), (3, 2, 3, 2, 3), [2, 5, 4, 6, 2],
                    strides=2),
    _transpose_case("conv3d_transpose_valid", (1, 3, 4, 2, 2), (2, 3, 2, 1, 2), [1, 4, 6, 3, 1],
                    padding="VALID"),
    _transpose_case("conv3d_transpose_strides_dilated", (1, 3, 2, 2, 1), (2, 2, 2, 2, 1), [1, 7, 4, 6, 2],
                    strides=[2, 1, 3], padding="VALID", dilations=[1, 2, 1]),
    Case("max_pool3d_valid", ("im2col", "custom_gradient"), lambda x: tf.nn.max_pool3d(x, 2, 2, "VALID"),
         lambda x: np_pool3d(x, 2, 2, "VALID", "max"), distinct((2, 4, 5, 6, 2))),
    Case("max_pool3d_same_overlap", ("im2col", "custom_gradient"),
         lambda x: tf.nn.max_pool3d(x, [3, 2, 2], 1, "SAME"),
         lambda x: np_pool3d(x, [3, 2, 2], 1, "SAME", "max"), distinct((1, 5, 4, 3, 2))),
    Case("max_pool3d_stride_beyond_window", ("im2col", "custom_gradient"),
         lambda x: tf.nn.max_pool3d(x, [1, 2, 2], [2, 3, 3], "SAME"),
         lambda x: np_pool3d(x, [1, 2, 2], [2, 3, 3], "SAME", "max"), distinct((2, 5, 7, 4, 1))),
    Case("max_pool3d_window_beyond_input", ("im2col", "custom_gradient"),
         lambda x: tf.nn.max_pool3d(x, [5, 4, 7], [1, 2, 3], "SAME"),
         lambda x: np_pool3d(x, [5, 4, 7], [1, 2, 3], "SAME", "max"), distinct((1, 2, 3, 2, 2))),
    Case("avg_pool3d_same", ("im2col", "reduce_sum"), lambda x: tf.nn.avg_pool3d(x, 3, 2, "SAME"),
         lambda x: np_pool3d(x, 3, 2, "SAME", "avg"), normal((2, 5, 4, 6, 2))),
    Case("avg_pool3d_valid", ("im2col", "reduce_sum"), lambda x: tf.nn.avg_pool3d(x, [2, 3, 1], [1, 2, 1], "VALID"),
         lambda x: np_pool3d(x, [2, 3, 1], [1, 2, 1], "VALID", "avg"), normal((1, 4, 7, 3, 3))),
    Case("avg_pool3d_window_beyond_input", ("im2col", "reduce_sum"),
         lambda x: tf.nn.avg_pool3d(x, [5, 4, 7], 1, "SAME"),
         lambda x: np_pool3d(x, [5, 4, 7], 1, "SAME", "avg"), normal((1, 2, 3, 2, 1))),
    Case("max_pool_rank5", ("im2col", "custom_gradient"), lambda x: tf.nn.max_pool(x, [2, 1, 3], [1, 1, 2], "VALID"),
         lambda x: np_pool3d(x, [2, 1, 3], [1, 1, 2], "VALID", "max"), distinct((1, 3, 2, 7, 2))),
    Case("conv1d_transpose", ("col2im", "matmul"), lambda x, f: tf.nn.conv1d_transpose(x, f, [2, 8, 2], 2, "SAME"),
         lambda x, f: _as3d(np_conv3d_transpose, 2)(x, f[None, None], [2, 1, 1, 8, 2], [1, 1, 2], "SAME"),
         normal((2, 4, 3), (3, 2, 3))),
    Case("conv1d_transpose_valid_dilated", ("col2im", "matmul"),
         lambda x, f: tf.nn.conv1d_transpose(x, f, [1, 9, 1], 1, "VALID", dilations=3),
         lambda x, f: _as3d(np_conv3d_transpose, 2)(x, f[None, None], [1, 1, 1, 9, 1], 1, "VALID", [1, 1, 3]),
         normal((1, 3, 2), (3, 1, 2))),
    Case("conv_transpose_rank3", ("col2im", "custom_gradient"),
         lambda x, f: tf.nn.conv_transpose(x, f, [1, 4, 3, 5, 1], [1, 2, 2], "SAME"),
         lambda x, f: np_conv3d_transpose(x, f, [1, 4, 3, 5, 1], [1, 2, 2], "SAME"), normal((1, 4, 2, 3, 2), (2, 2, 3, 1, 2))),
    Case("convolution_3d_dilated", ("im2col", "custom_gradient"),
         lambda x, f: tf.nn.convolution(x, f, padding="SAME", dilations=[1, 2, 2]),
         lambda x, f: np_conv3d(x, f, 1, "SAME", [1, 2, 2]), normal((1, 3, 6, 5, 2), (2, 2, 2, 2, 2))),
    Case("convolution_1d_strided", ("im2col", "matmul"),
         lambda x, f: tf.nn.convolution(x, f, strides=2, padding="VALID"),
         lambda x, f: _as3d(np_conv3d, 2)(x, f[None, None], [1, 1, 2], "VALID"), normal((2, 9, 2), (3, 2, 3))),
    Case("pool_max_2d_dilated_same", ("im2col", "custom_gradient"),
         lambda x: tf.nn.pool(x, [2, 3], "MAX", padding="SAME", dilations=[2, 1]),
         lambda x: _as3d(np_pool3d, 1)(x, [1, 2, 3], 1, "SAME", "max", [1, 2, 1], fill=0.0),
         distinct((2, 5, 6, 2))),
    Case("pool_avg_1d_dilated_same", ("im2col", "reduce_mean"),
         lambda x: tf.nn.pool(x, [3], "AVG", padding="SAME", dilations=[2]),
         lambda x: _as3d(np_pool3d, 2)(x, [1, 1, 3], 1, "SAME", "avg", [1, 1, 2], fill=0.0), normal((2, 7, 3))),
    Case("pool_max_3d_dilated_valid", ("im2col", "custom_gradient"),
         lambda x: tf.nn.pool(x, [2, 2, 2], "MAX", dilations=[1, 2, 2]),
         lambda x: np_pool3d(x, 2, 1, "VALID", "max", [1, 2, 2]), distinct((1, 3, 5, 4, 2))),
    Case("pool_avg_3d_strided", ("im2col", "reduce_sum"),
         lambda x: tf.nn.pool(x, [2, 2, 3], "AVG", strides=[1, 2, 3], padding="SAME"),
         lambda x: np_pool3d(x, [2, 2, 3], [1, 2, 3], "SAME", "avg"), normal((1, 3, 5, 7, 2))),
    Case("max_pool_with_argmax", ("gather",),
         lambda x: tf.nn.max_pool_with_argmax(x, [3, 2], [2, 2], "SAME")[0],
         lambda x: _as3d(np_pool3d, 1)(x, [1, 3, 2], [1, 2, 2], "SAME", "max"), distinct((2, 5, 6, 3))),
    Case("dilation2d", ("im2col", "custom_gradient"),
         lambda x, f: tf.nn.dilation2d(x, f, [1, 2, 1, 1], "SAME", "NHWC", [1, 1, 2, 1]),
         lambda x, f: np_dilation2d(x, f, (2, 1), (1, 2), "SAME"), distinct((2, 5, 6, 2), (2, 3, 2))),
    Case("erosion2d", ("im2col", "custom_gradient"),
         lambda x, f: tf.nn.erosion2d(x, f, [1, 1, 1, 1], "VALID", "NHWC", [1, 2, 1, 1]),
         lambda x, f: -np_dilation2d(-x, f[::-1, ::-1], (1, 1), (2, 1), "VALID"), distinct((1, 6, 5, 2), (2, 3, 2))),
    Case("atrous_conv2d", ("im2col", "matmul"), lambda x, f: tf.nn.atrous_conv2d(x, f, 2, "SAME"),
         lambda x, f: _as3d(np_conv3d, 1)(x, f[None], 1, "SAME", [1, 2, 2]), normal((1, 6, 7, 2), (3, 2, 2, 3))),
    Case("atrous_conv2d_transpose", ("col2im", "matmul"),
         lambda x, f: tf.nn.atrous_conv2d_transpose(x, f, [1, 6, 7, 2], 2, "SAME"),
         lambda x, f: _as3d(np_conv3d_transpose, 1)(x, f[None], [1, 1, 6, 7, 2], 1, "SAME", [1, 2, 2]),
         normal((1, 6, 7, 3), (3, 2, 2, 3))),
    Case("lrn", ("matmul", "pow"), lambda x: tf.nn.local_response_normalization(x, 2, 1.5, 0.3, 0.75),
         lambda x: np_lrn(x, 2, 1.5, 0.3, 0.75), normal((2, 3, 2, 7))),
    Case("lrn_radius_beyond_channels", ("matmul", "pow"), lambda x: tf.nn.lrn(x, 10),
         lambda x: np_lrn(x, 10, 1.0, 1.0, 0.5), normal((1, 2, 2, 3))),
    Case("weighted_moments", ("reduce_sum", "divide"),
         lambda x, w: _flat(*tf.nn.weighted_moments(x, [0, 2], w)),
         lambda x, w: np.concatenate([
             np.average(x, axis=(0, 2), weights=np.broadcast_to(w, x.shape)).ravel(),
             np.average((x - np.average(x, axis=(0, 2), weights=np.broadcast_to(w, x.shape), keepdims=True)) ** 2,
                        axis=(0, 2), weights=np.broadcast_to(w, x.shape)).ravel()]),
         lambda rng: [rng.standard_normal((3, 2, 4)), rng.uniform(0.5, 2.0, (3, 1, 4))]),
    Case("sufficient_statistics_shift", ("reduce_sum", "subtract"),
         lambda x, s: _flat(*tf.nn.sufficient_statistics(x, [1], shift=s, keepdims=True)[:3]),
         lambda x, s: np.concatenate([[x.shape[1]], (x - s).sum(1).ravel(), ((x - s) ** 2).sum(1).ravel()]),
         normal((3, 4, 2), (3, 1, 2))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


@st.composite
def _geometries(draw):
    """Random 3-D window geometries: sizes, windows, strides, dilations, padding."""
    k = [draw(st.integers(1, 3)) for _ in range(3)]
    s = [draw(st.integers(1, 4)) for _ in range(3)]
    d = [draw(st.integers(1, 2)) for _ in range(3)]
    padding = draw(st.sampled_from(["SAME", "VALID"]))
    lo = [(k[i] - 1) * d[i] + 1 if padding == "VALID" else 1 for i in range(3)]
    size = [draw(st.integers(lo[i], lo[i] + 4)) for i in range(3)]
    n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return n, size, c, o, k, s, d, padding


@settings(max_examples=60, deadline=None)
@given(_geometries(), st.integers(0, 2 ** 31 - 1))
def test_conv3d_and_pooling_match_numpy_at_random_geometries(geo, seed):
    n, size, c, o, k, s, d, padding = geo
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, *size, c))
    f = rng.standard_normal((*k, c, o))
    assert_allclose(tf.nn.conv3d(x, f, s, padding, dilations=d).numpy(), np_conv3d(x, f, s, padding, d),
                    rtol=1e-12, atol=1e-12, what=f"conv3d {geo}")
    y = np_conv3d(x, f, s, padding, d)
    g = rng.standard_normal(y.shape)
    assert_allclose(tf.nn.conv3d_transpose(g, f, [n, *size, c], s, padding, dilations=d).numpy(),
                    np_conv3d_transpose(g, f, [n, *size, c], s, padding, d), rtol=1e-12, atol=1e-12,
                    what=f"conv3d_transpose {geo}")
    assert_allclose(tf.nn.max_pool3d(x, k, s, padding).numpy(), np_pool3d(x, k, s, padding, "max"),
                    rtol=0, atol=0, what=f"max_pool3d {geo}")
    assert_allclose(tf.nn.avg_pool3d(x, k, s, padding).numpy(), np_pool3d(x, k, s, padding, "avg"),
                    rtol=1e-12, atol=1e-12, what=f"avg_pool3d {geo}")


def test_tf_example_shapes():
    # tf.nn.conv3d's and max_pool3d's shapes, as TF computes them
    x = tf.zeros([2, 9, 8, 7, 3])
    assert tf.nn.conv3d(x, tf.zeros([3, 3, 3, 3, 5]), [1, 2, 2, 2, 1], "SAME").shape == (2, 5, 4, 4, 5)
    assert tf.nn.conv3d(x, tf.zeros([3, 2, 1, 3, 5]), 1, "VALID").shape == (2, 7, 7, 7, 5)
    assert tf.nn.max_pool3d(x, 2, 2, "VALID").shape == (2, 4, 4, 3, 3)
    assert tf.nn.avg_pool3d(x, 3, 2, "SAME").shape == (2, 5, 4, 4, 3)
    assert tf.nn.conv3d_transpose(tf.zeros([2, 5, 4, 4, 5]), tf.zeros([3, 3, 3, 3, 5]), [2, 9, 8, 7, 3],
                                  2, "SAME").shape == (2, 9, 8, 7, 3)


def test_max_pool3d_gradient_goes_to_every_near_tie_as_tf_cpu():
    # TF's CPU MaxPool3DGrad: each entry within 1e-5 of the window's maximum gets all of it
    x = np.zeros((1, 2, 2, 2, 1))
    x[0, 1, 0, 1, 0] = 3e-6  # within 1e-5 of the maximum: a tie for TF
    x[0, 0, 1, 1, 0] = -2e-5  # not within
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.nn.max_pool3d(t, 2, 2, "VALID")
    g = tape.gradient(y, t).numpy()
    want = np.where(np.abs(x - x.max()) < 1e-5, 1.0, 0.0)
    np.testing.assert_array_equal(g, want)
    assert g.sum() == 7  # all but one entry
    # overlapping windows add up; padding never takes the gradient, even over negatives
    x = -np.arange(1.0, 9.0).reshape(1, 2, 2, 2, 1)
    t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(t)
        y = tf.nn.max_pool3d(t, 2, 1, "SAME")
    np.testing.assert_array_equal(y.numpy().ravel(), [-1, -2, -3, -4, -5, -6, -7, -8])
    np.testing.assert_array_equal(tape.gradient(y, t).numpy().ravel(), [1, 1, 1, 1, 1, 1, 1, 1])


def test_pool_1d_2d_keep_the_first_maximum_rule():
    x = tf.constant(np.zeros((1, 1, 4, 1)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.pool(x, [1, 2], "MAX", padding="VALID", dilations=[1, 2])
    np.testing.assert_array_equal(tape.gradient(y, x).numpy().ravel(), [1, 1, 0, 0])


def test_max_pool_with_argmax_indices_as_tf():
    # TF's documented convention: (y * width + x) * channels + c, with the batch if asked
    rng = np.random.default_rng(3)
    x = rng.permutation(2 * 4 * 5 * 3).reshape(2, 4, 5, 3).astype(np.float32)
    for batch in (False, True):
        for dt in (tf.int64, tf.int32):
            y, arg = tf.nn.max_pool_with_argmax(x, 2, 2, "SAME", output_dtype=dt, include_batch_in_index=batch)
            assert arg.dtype == dt and arg.shape == y.shape == (2, 2, 3, 3)
            a = arg.numpy().astype(np.int64)
            if not batch:
                a = a + (np.arange(2) * 4 * 5 * 3)[:, None, None, None]
            np.testing.assert_array_equal(x.ravel()[a], y.numpy())
            np.testing.assert_array_equal(y.numpy(), _as3d(np_pool3d, 1)(x.astype(np.float64), [1, 2, 2], [1, 2, 2], "SAME", "max"))
    # ties: the first maximum in the window (row-major); the gradient goes there only
    t = tf.constant(np.ones((1, 2, 2, 1), np.float32))
    with tf.GradientTape() as tape:
        tape.watch(t)
        y, arg = tf.nn.max_pool_with_argmax(t, 2, 2, "VALID")
    assert arg.numpy().ravel().tolist() == [0]
    np.testing.assert_array_equal(tape.gradient(y, t).numpy().ravel(), [1, 0, 0, 0])
    # NaN: TF's kernel takes the first value, and only a strictly larger one replaces it
    v = np.array([[1.0, np.nan], [3.0, 2.0]], np.float32).reshape(1, 2, 2, 1)
    y, arg = tf.nn.max_pool_with_argmax(v, 2, 2, "VALID")
    assert arg.numpy().ravel().tolist() == [2] and y.numpy().ravel().tolist() == [3.0]


def test_weighted_moments_and_sufficient_statistics_edges():
    x = np.arange(6.0).reshape(2, 3)
    m, v = tf.nn.weighted_moments(x, 1, np.zeros((2, 1)), keepdims=True)
    assert m.shape == (2, 1)
    np.testing.assert_array_equal(m.numpy(), 0.0)  # weights summing to 0: div_no_nan
    np.testing.assert_array_equal(v.numpy(), 0.0)
    c, ms, vs, s = tf.nn.sufficient_statistics(tf.constant(x, tf.float32), [0, 1])
    assert s is None and c.dtype == tf.float32 and float(c) == 6.0
    assert float(ms) == 15.0 and float(vs) == 55.0
    mean, var = tf.nn.normalize_moments(c, ms, vs, None)
    np.testing.assert_allclose([float(mean), float(var)], [x.mean(), x.var()], rtol=1e-6)
    with pytest.raises(InvalidArgumentError, match=r"sufficient_statistics: axis 2 is out of range for x of shape \[2, 3\]"):
        tf.nn.sufficient_statistics(x, [2])


def test_lrn_matches_tf_documented_formula_and_keeps_dtype():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2, 3, 10)).astype(np.float32)
    y = tf.nn.lrn(x)  # TF's defaults: depth_radius 5, bias 1, alpha 1, beta 0.5
    assert y.dtype == tf.float32
    assert_allclose(y.numpy(), np_lrn(x.astype(np.float64), 5, 1.0, 1.0, 0.5), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bigger_conv3d_on_1_and_2_threads(dtype):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 6, 9, 8, 4)).astype(dtype)
    f = rng.standard_normal((3, 3, 3, 4, 5)).astype(dtype)
    g = rng.standard_normal((2, 3, 9, 8, 5)).astype(dtype)
    want = np_conv3d(x.astype(np.float64), f.astype(np.float64), [2, 1, 1], "SAME")
    # the gradients: dx the transposed convolution of g, df the windows against g
    want_dx = np_conv3d_transpose(g.astype(np.float64), f.astype(np.float64), x.shape, [2, 1, 1], "SAME")
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-11)
    old = tf.get_num_threads()
    outs = []
    try:
        for th in (1, 2):
            tf.set_num_threads(th)
            tx, tff = tf.constant(x), tf.constant(f)
            with tf.GradientTape() as tape:
                tape.watch([tx, tff])
                y = tf.nn.conv3d(tx, tff, [2, 1, 1], "SAME")
                loss = tf.reduce_sum(y * g)
            dx, df = tape.gradient(loss, [tx, tff])
            assert y.dtype == dx.dtype == df.dtype == tf.as_dtype(dtype)
            assert_allclose(y.numpy(), want, what=f"conv3d {th}T", **tol)
            assert_allclose(dx.numpy(), want_dx, what=f"conv3d dx {th}T", **{k: v * 10 for k, v in tol.items()})
            # df by the definition: each filter tap sees one shifted input slice against g
            outs.append((y.numpy(), dx.numpy(), df.numpy()))
    finally:
        tf.set_num_threads(old)
    eps = 1e-6 if dtype == np.float64 else None
    if eps:
        i = (1, 0, 2, 3, 4)
        fp, fm = f.copy(), f.copy()
        fp[i] += eps
        fm[i] -= eps
        fd = ((np_conv3d(x, fp, [2, 1, 1], "SAME") - np_conv3d(x, fm, [2, 1, 1], "SAME")) * g).sum() / (2 * eps)
        np.testing.assert_allclose(outs[0][2][i], fd, rtol=1e-7)
    for a, b in zip(outs[0], outs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5 if dtype == np.float32 else 1e-12)


def test_conv3d_accepts_variables_keeps_inputs_and_empty_batches():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 3, 4, 4, 2)).astype(np.float32)
    keep = x.copy()
    w = tf.Variable(rng.standard_normal((2, 3, 3, 2, 1)).astype(np.float32))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.nn.conv3d(x, w, 1, "SAME"))
    assert tape.gradient(y, w).shape == (2, 3, 3, 2, 1)
    np.testing.assert_array_equal(x, keep)
    assert tf.nn.conv3d(tf.zeros([0, 4, 5, 5, 2]), tf.ones([3, 3, 3, 2, 4]), 2, "SAME").shape == (0, 2, 3, 3, 4)
    assert tf.nn.max_pool3d(tf.zeros([0, 4, 5, 5, 2]), 2, 2, "SAME").shape == (0, 2, 3, 3, 2)
    assert tf.nn.avg_pool3d(tf.zeros([3, 0, 5, 5, 2]), 2, 2, "SAME").shape == (3, 0, 3, 3, 2)


def test_conv3d_transpose_is_the_adjoint_of_conv3d():
    rng = np.random.default_rng(2)
    for strides, padding, dil in [(2, "SAME", 1), ([1, 3, 2], "VALID", 1), (1, "SAME", [2, 1, 2])]:
        x = rng.standard_normal((2, 5, 7, 6, 3))
        f = rng.standard_normal((3, 2, 3, 3, 4))
        y = tf.nn.conv3d(x, f, strides, padding, dilations=dil)
        g = rng.standard_normal(y.shape)
        back = tf.nn.conv3d_transpose(g, f, list(x.shape), strides, padding, dilations=dil)
        np.testing.assert_allclose(np.sum(y.numpy() * g), np.sum(x * back.numpy()), rtol=1e-10)


def test_bad_input_is_refused_by_name():
    x = tf.zeros([1, 4, 4, 4, 2])
    f = tf.zeros([3, 3, 3, 2, 1])
    with pytest.raises(InvalidArgumentError, match=r"conv3d: input must be \[batch, depth, height, width, channels\] \(rank 5\), got shape \[4, 4, 4, 2\]"):
        tf.nn.conv3d(tf.zeros([4, 4, 4, 2]), f, 1, "SAME")
    with pytest.raises(InvalidArgumentError, match=r"conv3d: input depth 2 must equal the filters' in_channels 3 \(input \[1, 4, 4, 4, 2\], filters \[3, 3, 3, 3, 1\]\)"):
        tf.nn.conv3d(x, tf.zeros([3, 3, 3, 3, 1]), 1, "SAME")
    with pytest.raises(InvalidArgumentError, match=r"conv3d: filters must be \[depth, height, width, in_channels, out_channels\], got shape \[3, 3, 2, 1\]"):
        tf.nn.conv3d(x, tf.zeros([3, 3, 2, 1]), 1, "SAME")
    with pytest.raises(InvalidArgumentError, match="conv3d: padding must be 'SAME', 'VALID' or a list of pairs, got 'FULL'"):
        tf.nn.conv3d(x, f, 1, "FULL")
    with pytest.raises(InvalidArgumentError, match="conv3d: strides must be positive, got -1"):
        tf.nn.conv3d(x, f, -1, "SAME")
    with pytest.raises(InvalidArgumentError, match=r"conv3d: strides in the batch and channel dimensions must be 1, got \[2, 1, 1, 1, 1\]"):
        tf.nn.conv3d(x, f, [2, 1, 1, 1, 1], "SAME")
    with pytest.raises(InvalidArgumentError, match="conv3d: data_format 'NCDHW' is not supported"):
        tf.nn.conv3d(x, f, 1, "SAME", data_format="NCDHW")
    assert tf.nn.conv3d(x, tf.zeros([5, 1, 1, 2, 1]), 1, "VALID").shape[1] == 0  # TF 2.21: empty
    with pytest.raises(InvalidArgumentError, match=r"conv3d: the window \(6 with dilation 1\) is larger than the padded input \(4\)"):
        tf.nn.conv3d(x, tf.zeros([6, 1, 1, 2, 1]), 1, "VALID")
    with pytest.raises(TypeError, match="conv3d: input and filters must have one dtype, got float32 and float64"):
        tf.nn.conv3d(x, tf.zeros([3, 3, 3, 2, 1], dtype=tf.float64), 1, "SAME")
    with pytest.raises(TypeError, match="conv3d: input must be a float32 or float64 tensor, got an int32"):
        tf.nn.conv3d(np.zeros((1, 4, 4, 4, 2), np.int32), f, 1, "SAME")
    with pytest.raises(InvalidArgumentError, match=r"conv3d_transpose: a conv3d of output_shape \[1, 9, 9, 9, 2\]"):
        tf.nn.conv3d_transpose(tf.zeros([1, 3, 3, 3, 1]), f, [1, 9, 9, 9, 2], 2, "SAME")
    with pytest.raises(InvalidArgumentError, match=r"conv3d_transpose: output_shape must have 5 entries"):
        tf.nn.conv3d_transpose(tf.zeros([1, 3, 3, 3, 1]), f, [1, 9, 9, 2], 2, "SAME")
    with pytest.raises(InvalidArgumentError, match=r"conv3d_transpose: input \[1, 3, 3, 3, 2\], filters \[3, 3, 3, 2, 1\] and output_shape"):
        tf.nn.conv3d_transpose(tf.zeros([1, 3, 3, 3, 2]), f, [1, 6, 6, 6, 2], 2, "SAME")
    with pytest.raises(InvalidArgumentError, match="max_pool3d: padding must be 'SAME' or 'VALID'"):
        tf.nn.max_pool3d(x, 2, 2, [[0, 0], [1, 1], [1, 1], [1, 1], [0, 0]])
    with pytest.raises(InvalidArgumentError, match="avg_pool3d: ksize must be positive, got 0"):
        tf.nn.avg_pool3d(x, 0, 1, "SAME")
    with pytest.raises(InvalidArgumentError, match=r"max_pool3d: input must be \[batch, depth, height, width, channels\] \(rank 5\), got shape \[1, 4, 4, 2\]"):
        tf.nn.max_pool3d(tf.zeros([1, 4, 4, 2]), 2, 2, "SAME")
    with pytest.raises(InvalidArgumentError, match="avg_pool3d: data_format 'NCDHW' is not supported"):
        tf.nn.avg_pool3d(x, 2, 2, "SAME", data_format="NCDHW")
    with pytest.raises(InvalidArgumentError, match=r"max_pool: input must have rank 3 or 4 \(1-D or 2-D pooling\) or 5"):
        tf.nn.max_pool(tf.zeros([2, 2]), 2, 2, "SAME")
    with pytest.raises(InvalidArgumentError, match=r"conv1d_transpose: a conv1d of output_shape \[2, 9, 2\] with these filters, strides and padding has width 5, but input has 4"):
        tf.nn.conv1d_transpose(tf.zeros([2, 4, 3]), tf.zeros([3, 2, 3]), [2, 9, 2], 2, "SAME")
    with pytest.raises(InvalidArgumentError, match=r"conv1d_transpose: input \[2, 4, 3\], filters \[3, 2, 2\] and output_shape"):
        tf.nn.conv1d_transpose(tf.zeros([2, 4, 3]), tf.zeros([3, 2, 2]), [2, 8, 2], 2, "SAME")
    with pytest.raises(ValueError, match=r"conv_transpose: output_shape must have 3, 4 or 5 entries"):
        tf.nn.conv_transpose(x, f, [1, 2], 1)
    with pytest.raises(ValueError, match=r"convolution: filters must have rank 3, 4 or 5 .*got shape \[3, 3\]"):
        tf.nn.convolution(x, tf.zeros([3, 3]))
    with pytest.raises(ValueError, match=r"convolution: input must be \[batch, height, width, channels\] \(rank 4\) for filters of shape \[3, 3, 2, 1\], got shape \[1, 4, 4, 4, 2\]"):
        tf.nn.convolution(x, tf.zeros([3, 3, 2, 1]))
    with pytest.raises(ValueError, match=r"convolution: strides > 1 are not supported together with dilations > 1"):
        tf.nn.convolution(x, f, strides=2, dilations=2)
    with pytest.raises(ValueError, match=r"pool: pooling_type must be 'MAX' or 'AVG', got 'MIN'"):
        tf.nn.pool(x, [2, 2, 2], "MIN")
    with pytest.raises(ValueError, match=r"pool: strides > window_shape are not supported"):
        tf.nn.pool(x, [2, 2, 2], "MAX", strides=[3, 1, 1])
    with pytest.raises(ValueError, match=r"pool: input must be \[batch, height, width, channels\] \(rank 4\)"):
        tf.nn.pool(x, [2, 2], "MAX")
    with pytest.raises(ValueError, match=r"pool: window_shape must have 1, 2 or 3 entries"):
        tf.nn.pool(x, [2, 2, 2, 2], "MAX")
    with pytest.raises(InvalidArgumentError, match="pool: data_format 'NCDHW' is not supported"):
        tf.nn.pool(x, [2, 2, 2], "MAX", data_format="NCDHW")
    with pytest.raises(TypeError, match=r"max_pool_with_argmax: output_dtype must be int32 or int64, got 'float32'"):
        tf.nn.max_pool_with_argmax(tf.zeros([1, 4, 4, 1]), 2, 2, "SAME", output_dtype="float32")
    with pytest.raises(InvalidArgumentError, match=r"max_pool_with_argmax: input must be \[batch, height, width, channels\] \(rank 4\)"):
        tf.nn.max_pool_with_argmax(x, 2, 2, "SAME")
    with pytest.raises(InvalidArgumentError, match=r"dilation2d: filters must be \[height, width, channels\] with the input's 2 channels, got shape \[2, 2, 3\]"):
        tf.nn.dilation2d(tf.zeros([1, 4, 4, 2]), tf.zeros([2, 2, 3]), 1, "SAME", "NHWC", 1)
    with pytest.raises(InvalidArgumentError, match=r"erosion2d: input must be \[batch, height, width, channels\]"):
        tf.nn.erosion2d(tf.zeros([4, 4, 2]), tf.zeros([2, 2, 2]), 1, "SAME", "NHWC", 1)
    with pytest.raises(InvalidArgumentError, match=r"local_response_normalization: input must be 4-D \[batch, height, width, channels\], got shape \[4, 4\]"):
        tf.nn.lrn(tf.zeros([4, 4]))
    with pytest.raises(InvalidArgumentError, match=r"local_response_normalization: depth_radius must be in \[0, 2\*\*31 - 1\), got -1"):
        tf.nn.lrn(tf.zeros([1, 2, 2, 3]), -1)
    with pytest.raises(TypeError, match=r"local_response_normalization: input must be a float32 or float64 tensor, got an int32"):
        tf.nn.lrn(np.zeros((1, 2, 2, 3), np.int32))
