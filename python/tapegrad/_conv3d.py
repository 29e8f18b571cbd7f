"""3-D convolutions and pooling over NDHWC volumes, and tf.nn's other convolution entry
points: conv3d, conv3d_transpose, max_pool3d, avg_pool3d, conv1d_transpose, conv_transpose,
convolution, pool, max_pool_with_argmax, dilation2d, erosion2d, atrous_conv2d,
atrous_conv2d_transpose.

Note [Depth folded into channels]
---------------------------------
A 3-D window is a depth run of 2-D windows, so the 3-D ops reuse the 2-D ``im2col`` /
``col2im`` ops (Note [Patches] in csrc/ops/patches.h). The depth windows of x [N, D, H, W, C],
seen as an image [N, D, 1, H*W*C], are ``im2col`` with a (KD, 1) window: [N, OD, 1,
KD*H*W*C], each output plane's KD input planes (padding planes included) in a row. A
transpose puts the KD planes side by side as channels, [N*OD, H, W, KD*C], and the ordinary
2-D ``im2col`` over (H, W) then lays out every 3-D window as a row, in (row, column, plane,
channel) order: conv3d is one GEMM of those rows with the filters transposed to [KH, KW, KD,
C, O]. The depth copy is KD times the input, small next to the KH*KW*KD-times row matrix.
conv3d_transpose is the adjoint, step by step: the GEMM, 2-D ``col2im``, the transpose back,
a depth ``col2im``. max_pool3d reduces the same windows; avg_pool3d sums the (H, W) windows,
then the depth runs of those sums (sums are separable, so the windows never exist at full
size). Every step is a recorded op (im2col's gradient is col2im and the reverse), so the
gradients of every order follow.

Measured (N=4, 16x32x32, C=8 -> 16, k=3, 'SAME', float32, both with the GEMM below): the
other formulation, a sum over the KD depth offsets of 2-D convolutions of depth slices
batched together (KD im2cols and GEMMs with K = KH*KW*C, KD - 1 adds, KD col2ims back,
instead of one GEMM with K = KH*KW*KD*C), took 10-30% longer forward and 30-60% longer
forward + backward, on 1 and 2 threads. bench/test_bench_conv3d.py times it as ``slices``
(through the public conv2d). For max_pool3d the separable order (the (H, W) maxima, then
the maximum of each depth run) was 15-40% faster forward (0.44 against 0.52 ms, 1 thread,
4x16x32x32x16, 2x2x2 windows), but TF's gradient rule compares every entry with its 3-D
window's maximum, so the backward pass needs the full windows anyway: the full windows are
kept, one path for both (the forward is ~5x numpy's either way).

Note [Filter gradient of the convolution GEMM]
----------------------------------------------
matmul's gradient for its right operand B of ``A @ B`` is ``Aᵀ dY``, with A, the tall
[N*OD*OH*OW, KH*KW*KD*C] row matrix, a transposed operand of the GEMM: measured 2.5-3x
slower here than ``(dYᵀ A)ᵀ`` with dY ([rows, O], a fraction of A's size) transposed
explicitly, a plain GEMM, and the small [O, K] result transposed back. ``_gemm`` is the same product with
the faster rule as a custom gradient (recorded tapegrad ops, so it differentiates again); it
cut conv3d's forward + backward time by 25-30% (1 and 2 threads).

TF's CPU kernels take only channels-last data (NDHWC, NHWC, NWC); the channels-first formats
are refused with an InvalidArgumentError, as there. Beyond TF's CPU kernels: float64
everywhere, dilations in conv3d (TF's CPU Conv3D refuses rates > 1; tf.nn.convolution
reaches them through space_to_batch, with the same result) and explicit padding pairs in
conv3d / conv3d_transpose.
"""

import math
import numbers

import numpy as np

from . import _core
from ._conv import (_check_format, _dim, _first_max, _float_tensor, _geometry, _images,
                    _images_and_filters, _padding, _spatial, avg_pool1d, avg_pool2d, conv1d,
                    conv2d, conv2d_transpose, max_pool1d, max_pool2d)
from .errors import InvalidArgumentError
from .math import _no_tape

__all__ = ["conv3d", "conv3d_transpose", "max_pool3d", "avg_pool3d", "conv1d_transpose",
           "conv_transpose", "convolution", "pool", "max_pool_with_argmax", "dilation2d",
           "erosion2d", "atrous_conv2d", "atrous_conv2d_transpose"]

_CHANNELS_LAST = {1: "NWC", 2: "NHWC", 3: "NDHWC"}
_LAYOUTS = {1: "[batch, width, channels]", 2: "[batch, height, width, channels]",
            3: "[batch, depth, height, width, channels]"}


def _gemm(a, b, transpose_b=False):
    """``a @ b`` (``a @ bᵀ`` with transpose_b), ``a`` the tall row matrix, with the filter
    gradient taken through the narrow operand transposed: Note [Filter gradient of the
    convolution GEMM]."""
    from ._custom_gradient import custom_gradient

    @custom_gradient
    def gemm(a, b):
        def grad(dy):
            if transpose_b:  # y = a bᵀ: da = dy b, db = dyᵀ a = (aᵀ dy)ᵀ, a the narrow one
                return _core.matmul(dy, b), _core.transpose(_core.matmul(_core.transpose(a, [1, 0]), dy), [1, 0])
            # y = a b: da = dy bᵀ, db = aᵀ dy = (dyᵀ a)ᵀ, dy the narrow one
            return (_core.matmul(dy, b, transpose_b=True),
                    _core.transpose(_core.matmul(_core.transpose(dy, [1, 0]), a), [1, 0]))
        with _no_tape():  # the custom gradient stands for this product on the tape
            return _core.matmul(a, b, transpose_b=transpose_b), grad
    return gemm(a, b)


def _fold_depth(x, kd, sd, dd, pd, od, pad_value):
    """x [N, D, H, W, C] -> [N*OD, H, W, KD*C]: output plane j's KD input planes (j*sd - pd +
    i*dd for i < KD; outside the volume, planes of pad_value) side by side as channels. Note
    [Depth folded into channels]."""
    n, d, h, w, c = x.shape
    if kd == 1 and sd == 1 and pd == 0 and od == d:
        return _core.reshape(x, [n * d, h, w, c])
    geom = [d, 1, kd, 1, sd, 1, dd, 1, pd, 0, od, 1]
    planes = _core._im2col(_core.reshape(x, [n, d, 1, h * w * c]), geom, pad_value)
    if kd > 1:
        planes = _core.transpose(_core.reshape(planes, [n * od, kd, h * w, c]), [0, 2, 1, 3])
    return _core.reshape(planes, [n * od, h, w, kd * c])


def _unfold_depth(y, n, d, kd, sd, dd, pd, od):
    """The adjoint of _fold_depth (zero padding): [N*OD, H, W, KD*C] -> [N, D, H, W, C], each
    plane added back where it came from (padding planes dropped)."""
    _, h, w, kc = y.shape
    c = kc // kd
    if kd == 1 and sd == 1 and pd == 0 and od == d:
        return _core.reshape(y, [n, d, h, w, c])
    if kd > 1:
        y = _core.transpose(_core.reshape(y, [n * od, h * w, kd, c]), [0, 2, 1, 3])
    y = _core.reshape(y, [n, od, 1, kd * h * w * c])
    planes = _core._col2im(y, [d, 1, kd, 1, sd, 1, dd, 1, pd, 0, od, 1], h * w * c)
    return _core.reshape(planes, [n, d, h, w, c])


def _geometry3(op, sizes, ksize, strides, dilations, padding):
    """[(window, pad before, out)] for depth, height and width by TF's rules."""
    return [(ksize[i],) + _dim(op, sizes[i], ksize[i], strides[i], dilations[i], padding, i)
            for i in range(3)]


def _output_shape(output_shape, op, rank, what):
    if isinstance(output_shape, _core.Tensor):
        output_shape = output_shape.numpy().tolist()
    try:
        out = [int(v) for v in output_shape]
        if any(not isinstance(v, numbers.Integral) for v in output_shape):
            raise TypeError
    except (TypeError, ValueError):
        raise TypeError(f"{op}: output_shape must be a list of {rank} ints {what}, got {output_shape!r}") from None
    if len(out) != rank:
        raise InvalidArgumentError(f"{op}: output_shape must have {rank} entries {what}, got {output_shape!r}")
    if any(v < 0 for v in out):
        raise InvalidArgumentError(f"{op}: output_shape must be non-negative, got {out}")
    return out


def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None, name=None):  # noqa: A002
    """3-D convolution (cross-correlation, as TF's) of ``input`` ``[N, D, H, W, C]`` with
    ``filters`` ``[kd, kh, kw, C, O]``, as ``tf.nn.conv3d``: ``strides`` and ``dilations`` an
    int or 3 or 5 ints; ``padding`` 'SAME', 'VALID' or explicit pairs. Result ``[N, OD, OH,
    OW, O]``: the depth windows folded into channels, the 2-D ``im2col``, one GEMM (Note
    [Depth folded into channels]). Only NDHWC, as TF's CPU kernel."""
    op = "conv3d"
    x, f = _images_and_filters(op, input, filters, data_format, "in_channels, out_channels", 3)
    n, d, h, w, c = x.shape
    kd, kh, kw, fc, o = f.shape
    if fc != c:
        raise InvalidArgumentError(f"{op}: input depth {c} must equal the filters' in_channels {fc} "
                                   f"(input {list(x.shape)}, filters {list(f.shape)})")
    s = _spatial(strides, op, "strides", 3)
    dl = _spatial(dilations, op, "dilations", 3, 1)
    (_, pd, od), (_, ph, oh), (_, pw, ow) = _geometry3(op, (d, h, w), (kd, kh, kw), s, dl,
                                                       _padding(padding, op, 3))
    planes = _fold_depth(x, kd, s[0], dl[0], pd, od, 0.0)
    k = kh * kw * kd * c
    if kh == kw == 1 and s[1] == s[2] == 1 and ph == pw == 0 and (oh, ow) == (h, w):
        cols = planes  # 1x1 in the plane: the windows are the pixels
    else:
        cols = _core._im2col(planes, [h, w, kh, kw, s[1], s[2], dl[1], dl[2], ph, pw, oh, ow], 0.0)
    kernel = _core.reshape(_core.transpose(f, [1, 2, 0, 3, 4]), [k, o])
    y = _gemm(_core.reshape(cols, [n * od * oh * ow, k]), kernel)
    return _core.reshape(y, [n, od, oh, ow, o])


def conv3d_transpose(input, filters, output_shape, strides, padding="SAME",  # noqa: A002
                     data_format="NDHWC", dilations=None, name=None):
    """The transpose (gradient) of conv3d, as ``tf.nn.conv3d_transpose``: ``input`` ``[N, ID,
    IH, IW, I]``, ``filters`` ``[kd, kh, kw, O, I]``, ``output_shape`` ``[N, D, H, W, O]``, the
    shape whose conv3d by these filters, strides and padding has ``input``'s shape. One GEMM,
    ``col2im`` over (H, W), then over depth."""
    op = "conv3d_transpose"
    x, f = _images_and_filters(op, input, filters, data_format, "output_channels, in_channels", 3)
    out = _output_shape(output_shape, op, 5, "[N, D, H, W, C]")
    n, id_, ih, iw, ic = x.shape
    kd, kh, kw, o, fi = f.shape
    if fi != ic or out[4] != o or out[0] != n:
        raise InvalidArgumentError(f"{op}: input {list(x.shape)}, filters {list(f.shape)} and "
                                   f"output_shape {out} disagree (filters are [depth, height, width, "
                                   f"output_channels, in_channels])")
    s = _spatial(strides, op, "strides", 3)
    dl = _spatial(dilations, op, "dilations", 3, 1)
    d, h, w = out[1:4]
    (_, pd, od), (_, ph, oh), (_, pw, ow) = _geometry3(op, (d, h, w), (kd, kh, kw), s, dl,
                                                       _padding(padding, op, 3))
    if (od, oh, ow) != (id_, ih, iw):
        raise InvalidArgumentError(f"{op}: a conv3d of output_shape {out} with these filters, strides "
                                   f"and padding has spatial shape [{od}, {oh}, {ow}], but input has "
                                   f"[{id_}, {ih}, {iw}]")
    k = kh * kw * kd * o
    kernel = _core.reshape(_core.transpose(f, [1, 2, 0, 3, 4]), [k, ic])
    cols = _gemm(_core.reshape(x, [n * od * oh * ow, ic]), kernel, transpose_b=True)
    planes = _core._col2im(_core.reshape(cols, [n * od, oh, ow, k]),
                           [h, w, kh, kw, s[1], s[2], dl[1], dl[2], ph, pw, oh, ow], kd * o)
    return _unfold_depth(planes, n, d, kd, s[0], dl[0], pd, od)


# -- 3-D pooling ------------------------------------------------------------------------------

def _pool_axis(op, size, k, s, pad, axis):
    """(window, pad before, out) of a pooling op along one axis. With 'SAME' the padding
    never counts (max: -inf, average: left out), so the window offsets that meet the input at
    no output position are dropped: a window larger than the input costs nothing."""
    before, out = _dim(op, size, k, s, 1, pad, axis)
    if pad == "SAME" and size > 0 and out > 0:
        lo = max(0, before - (out - 1) * s)
        hi = min(k - 1, before + size - 1)
        return hi - lo + 1, before - lo, out
    return k, before, out


def _windows3(x, strides, dilations, geo, pad_value):
    """Every window of x [N, D, H, W, C] as [N, OD, OH, OW, KH*KW*KD, C] (a window's
    entries in (row, column, plane) order), padding entries pad_value. ``geo`` is
    _geometry3's [(window, pad before, out)] per axis."""
    n, d, h, w, c = x.shape
    (kd, pd, od), (kh, ph, oh), (kw, pw, ow) = geo
    s, dl = strides, dilations
    planes = _fold_depth(x, kd, s[0], dl[0], pd, od, pad_value)
    cols = _core._im2col(planes, [h, w, kh, kw, s[1], s[2], dl[1], dl[2], ph, pw, oh, ow], pad_value)
    return _core.reshape(cols, [n, od, oh, ow, kh * kw * kd, c])


def _max_near_ties(win, axis):
    """reduce_max of ``win`` over ``axis`` (the last but one), with the gradient of TF's CPU
    MaxPool3DGrad: every entry within 1e-5 of its window's maximum (in the input's dtype) gets
    that window's whole gradient, so tied maxima each get all of it (1-D and 2-D max pooling
    route it to the first maximum only). The mask is a constant, so the rule is linear in
    the upstream gradient and differentiates again."""
    from ._custom_gradient import custom_gradient

    @custom_gradient
    def pool(w):
        with _no_tape():
            y = _core.reduce_max(w, [axis])

        def grad(dy):
            with _no_tape():  # a boolean mask: nothing to differentiate
                near = _core.less(_core.abs(_core.subtract(w, _core.expand_dims(y, axis))), 1e-5)
            zero = _core._constant(np.zeros((), dtype=w.dtype.as_numpy_dtype), w.dtype)
            return _core.where(near, _core.expand_dims(dy, axis), zero)
        return y, grad
    return pool(win)


def _pool3d_args(op, input, ksize, strides, padding, data_format):  # noqa: A002
    _check_format(data_format, op, ("NDHWC",))
    x = _images(_float_tensor(input, op, "input"), op, 5)
    k = _spatial(ksize, op, "ksize", 3)
    s = _spatial(strides, op, "strides", 3)
    pad = _padding(padding, op, 3)
    if not isinstance(pad, str):
        raise InvalidArgumentError(f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}")
    geo = [_pool_axis(op, x.shape[1 + i], k[i], s[i], pad, i) for i in range(3)]
    return x, s, geo


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """The maximum of each ``ksize`` window of ``input`` ``[N, D, H, W, C]``, as
    ``tf.nn.max_pool3d``: ``ksize`` and ``strides`` an int or 3 or 5 ints, ``padding`` 'SAME'
    (padding never wins) or 'VALID'. The gradient is TF's CPU one: every entry within 1e-5
    of its window's maximum gets the window's gradient (ties: each of them, all of it)."""
    op = "max_pool3d"
    x, s, geo = _pool3d_args(op, input, ksize, strides, padding, data_format)
    return _max_near_ties(_windows3(x, s, [1, 1, 1], geo, -math.inf), 4)


def _inside(size, k, s, before, out):
    """How many of each window's positions along one axis are inside the input."""
    start = np.arange(out) * s - before
    return np.clip(start + k, 0, size) - np.clip(start, 0, size)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """The mean of each ``ksize`` window of ``input`` ``[N, D, H, W, C]``, as
    ``tf.nn.avg_pool3d``: with 'SAME' padding, over the window's positions inside the volume
    only, as TF's. The sums of the (H, W) windows, then of their depth runs."""
    op = "avg_pool3d"
    x, s, geo = _pool3d_args(op, input, ksize, strides, padding, data_format)
    n, d, h, w, c = x.shape
    (kd, pd, od), (kh, ph, oh), (kw, pw, ow) = geo
    cols = _core._im2col(_core.reshape(x, [n * d, h, w, c]),
                         [h, w, kh, kw, s[1], s[2], 1, 1, ph, pw, oh, ow], 0.0)
    area = _core.reduce_sum(_core.reshape(cols, [n * d, oh, ow, kh * kw, c]), [3])
    runs = _core._im2col(_core.reshape(area, [n, d, 1, oh * ow * c]),
                         [d, 1, kd, 1, s[0], 1, 1, 1, pd, 0, od, 1], 0.0)
    total = _core.reduce_sum(_core.reshape(runs, [n, od, kd, oh, ow, c]), [2])
    count = (_inside(d, kd, s[0], pd, od)[:, None, None] * _inside(h, kh, s[1], ph, oh)[None, :, None]
             * _inside(w, kw, s[2], pw, ow)[None, None, :])
    return _core.divide(total, _core._constant(count.astype(x.dtype.as_numpy_dtype)[..., None], x.dtype))


# -- tf.nn's rank-generic entry points --------------------------------------------------------

def _as_ints(value, op, what):
    if isinstance(value, _core.Tensor):
        value = value.numpy().tolist()
    try:
        vals = [int(v) for v in value]
        if any(not isinstance(v, numbers.Integral) for v in value):
            raise TypeError
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {what} must be a list of ints, got {value!r}") from None
    return vals


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NWC",  # noqa: A002
                     dilations=None, name=None):
    """The transpose (gradient) of conv1d, as ``tf.nn.conv1d_transpose``: ``input`` ``[N, IW,
    I]``, ``filters`` ``[kw, O, I]``, ``output_shape`` ``[N, W, O]``. conv2d_transpose over
    images of height 1."""
    op = "conv1d_transpose"
    _check_format(data_format, op, ("NWC",))
    x = _images(_float_tensor(input, op, "input"), op, rank=3)
    f = _float_tensor(filters, op, "filters")
    if x.dtype != f.dtype:
        raise TypeError(f"{op}: input and filters must have one dtype, got {x.dtype.name} and {f.dtype.name}")
    if f.ndim != 3:
        raise InvalidArgumentError(f"{op}: filters must be [width, output_channels, in_channels], got "
                                   f"shape {list(f.shape)}")
    out = _output_shape(output_shape, op, 3, "[N, W, C]")
    if f.shape[2] != x.shape[2] or out[2] != f.shape[1] or out[0] != x.shape[0]:
        raise InvalidArgumentError(f"{op}: input {list(x.shape)}, filters {list(f.shape)} and "
                                   f"output_shape {out} disagree (filters are [width, output_channels, "
                                   f"in_channels])")
    s = _spatial(strides, op, "strides", 1)[0]
    dl = _spatial(dilations, op, "dilations", 1, 1)[0]
    pad = _padding(padding, op, 1)
    width = _dim(op, out[1], f.shape[0], s, dl, pad, 0)[1]
    if width != x.shape[1]:
        raise InvalidArgumentError(f"{op}: a conv1d of output_shape {out} with these filters, strides "
                                   f"and padding has width {width}, but input has {x.shape[1]}")
    pad2 = pad if isinstance(pad, str) else [(0, 0)] + pad
    y = conv2d_transpose(_core.expand_dims(x, 1), _core.expand_dims(f, 0), [out[0], 1, out[1], out[2]],
                         [1, s], pad2, dilations=[1, dl])
    return _core.squeeze(y, [1])


def conv_transpose(input, filters, output_shape, strides, padding="SAME", data_format=None,  # noqa: A002
                   dilations=None, name=None):
    """conv1d_transpose, conv2d_transpose or conv3d_transpose by the length of
    ``output_shape`` (3, 4 or 5), as ``tf.nn.conv_transpose``."""
    op = "conv_transpose"
    shape = _as_ints(output_shape, op, "output_shape")
    n = len(shape) - 2
    if n not in (1, 2, 3):
        raise ValueError(f"{op}: output_shape must have 3, 4 or 5 entries (1-D, 2-D or 3-D), got "
                         f"{output_shape!r}")
    fn = {1: conv1d_transpose, 2: conv2d_transpose, 3: conv3d_transpose}[n]
    return fn(input, filters, shape, strides, padding, data_format or _CHANNELS_LAST[n], dilations)


def _spatial_rank(op, x, n, what):
    if x.ndim != n + 2:
        raise ValueError(f"{op}: input must be {_LAYOUTS[n]} (rank {n + 2}) for {what}, got shape "
                         f"{list(x.shape)}")


def convolution(input, filters, strides=None, padding="VALID", data_format=None, dilations=None,  # noqa: A002
                name=None):
    """conv1d, conv2d or conv3d by the rank of ``filters`` (3, 4 or 5), as
    ``tf.nn.convolution``: ``strides`` and ``dilations`` an int or N (or N + 2) ints, default
    1; strides > 1 together with dilations > 1 are refused (ValueError), as TF's."""
    op = "convolution"
    f = _float_tensor(filters, op, "filters")
    n = f.ndim - 2
    if n not in (1, 2, 3):
        raise ValueError(f"{op}: filters must have rank 3, 4 or 5 (a 1-D, 2-D or 3-D convolution), got "
                         f"shape {list(f.shape)}")
    x = _float_tensor(input, op, "input")
    _spatial_rank(op, x, n, f"filters of shape {list(f.shape)}")
    s = _spatial(strides, op, "strides", n, 1)
    dl = _spatial(dilations, op, "dilations", n, 1)
    if max(s) > 1 and max(dl) > 1:
        raise ValueError(f"{op}: strides > 1 are not supported together with dilations > 1, got "
                         f"strides {s} and dilations {dl}")
    fmt = data_format or _CHANNELS_LAST[n]
    if n == 1:
        return conv1d(x, f, s[0], padding, fmt, dl[0])
    if n == 2:
        return conv2d(x, f, s, padding, fmt, dl)
    return conv3d(x, f, s, padding, fmt, dl)


def pool(input, window_shape, pooling_type, strides=None, padding="VALID", data_format=None,  # noqa: A002
         dilations=None, name=None):
    """N-D max or average pooling, as ``tf.nn.pool``: ``window_shape`` N ints (N = 1, 2 or 3,
    ``input`` of rank N + 2), ``pooling_type`` 'MAX' or 'AVG', ``strides`` (default 1, none
    larger than the window) and ``dilations`` N ints (strides > 1 with dilations > 1
    refused, as TF). Without dilation it is max_pool1d/2d/3d or avg_pool1d/2d/3d. With it,
    TF's space_to_batch route: the input is padded with zeros ('SAME': as a convolution's),
    so zeros take part in a maximum and count in an average."""
    op = "pool"
    x = _float_tensor(input, op, "input")
    window = _as_ints(window_shape, op, "window_shape")
    n = len(window)
    if n not in (1, 2, 3):
        raise ValueError(f"{op}: window_shape must have 1, 2 or 3 entries, got {window_shape!r}")
    _spatial_rank(op, x, n, f"a window_shape of {n} entries")
    kind = pooling_type.upper() if isinstance(pooling_type, str) else pooling_type
    if kind not in ("MAX", "AVG"):
        raise ValueError(f"{op}: pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}")
    k = _spatial(window, op, "window_shape", n)
    s = _spatial(strides, op, "strides", n, 1)
    dl = _spatial(dilations, op, "dilations", n, 1)
    if any(a > b for a, b in zip(s, k)):
        raise ValueError(f"{op}: strides > window_shape are not supported (as TF, for CPU and GPU "
                         f"agreement), got strides {s} and window_shape {k}")
    if max(s) > 1 and max(dl) > 1:
        raise ValueError(f"{op}: strides > 1 are not supported together with dilations > 1, got "
                         f"strides {s} and dilations {dl}")
    fmt = data_format or _CHANNELS_LAST[n]
    _check_format(fmt, op, (_CHANNELS_LAST[n],))
    if max(dl) == 1:
        fns = {("MAX", 1): max_pool1d, ("MAX", 2): max_pool2d, ("MAX", 3): max_pool3d,
               ("AVG", 1): avg_pool1d, ("AVG", 2): avg_pool2d, ("AVG", 3): avg_pool3d}
        return fns[kind, n](x, k, s, padding, fmt)
    pad = _padding(padding, op, n)
    if not isinstance(pad, str):
        raise InvalidArgumentError(f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}")
    lead = 3 - n  # as a 3-D pooling over planes and rows of size 1
    shape5 = [x.shape[0]] + [1] * lead + list(x.shape[1:])
    k3, d3, sizes = [1] * lead + k, [1] * lead + dl, shape5[1:4]
    geo = [(k3[i],) + _dim(op, sizes[i], k3[i], 1, d3[i], pad, i - lead) for i in range(3)]
    win = _windows3(_core.reshape(x, shape5), [1, 1, 1], d3, geo, 0.0)
    if kind == "AVG":
        y = _core.reduce_mean(win, [4])
    else:
        y = (_max_near_ties if n == 3 else _first_max)(win, 4)
    return _core.reshape(y, [x.shape[0]] + [g[2] for g in geo[lead:]] + [x.shape[-1]])


def max_pool_with_argmax(input, ksize, strides, padding, data_format="NHWC", output_dtype="int64",  # noqa: A002
                         include_batch_in_index=False, name=None):
    """``(output, argmax)``, as ``tf.nn.max_pool_with_argmax``: max_pool2d of ``input``
    ``[N, H, W, C]`` and, for each output, the flattened index of the maximum chosen, ``(y *
    W + x) * C + c``, or ``((b * H + y) * W + x) * C + c`` with ``include_batch_in_index``
    (``output_dtype`` int64 or int32). The first maximum in the window (row-major) is chosen,
    as TF's CPU kernel; the output is gathered from the input at those indices, so its
    gradient goes there, as TF's."""
    from .dtypes import as_dtype, int32, int64
    from ._conv import _pool_input
    op = "max_pool_with_argmax"
    _check_format(data_format, op, ("NHWC",))
    x = _images(_pool_input(input, op, "input"), op)  # integer images too, as TF's kernel
    try:
        out_dtype = as_dtype(output_dtype)
    except (TypeError, ValueError):
        out_dtype = None
    if out_dtype not in (int32, int64):
        raise TypeError(f"{op}: output_dtype must be int32 or int64, got {output_dtype!r}")
    k = _spatial(ksize, op, "ksize", 2)
    s = _spatial(strides, op, "strides", 2)
    pad = _padding(padding, op, 2)
    if not isinstance(pad, str):
        raise InvalidArgumentError(f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}")
    n, h, w, c = x.shape
    (kh, pt, oh), (kw, pl, ow) = (_pool_axis(op, h, k[0], s[0], pad, 0), _pool_axis(op, w, k[1], s[1], pad, 1))
    a = x.numpy()
    rows = np.arange(oh)[:, None] * s[0] - pt + np.arange(kh)[None, :]  # [OH, kh]
    cols = np.arange(ow)[:, None] * s[1] - pl + np.arange(kw)[None, :]  # [OW, kw]
    best = np.zeros((n, oh, ow, c), a.dtype)
    arg = np.zeros((n, oh, ow, c), np.int64)
    unset = np.ones((n, oh, ow, c), bool)
    chan = np.arange(c)
    # TF's scan: a window's positions in row-major order, the first one inside the image
    # taken, then each later value only if strictly larger (so NaN never replaces).
    for i in range(kh):
        r = rows[:, i]
        r_in, r_at = (r >= 0) & (r < h), np.clip(r, 0, max(h - 1, 0))
        for j in range(kw):
            q = cols[:, j]
            q_in, q_at = (q >= 0) & (q < w), np.clip(q, 0, max(w - 1, 0))
            v = a[:, r_at][:, :, q_at]
            with np.errstate(invalid="ignore"):
                take = (r_in[:, None] & q_in[None, :])[None, :, :, None] & (unset | (best < v))
            best = np.where(take, v, best)
            arg = np.where(take, (r_at[:, None] * w + q_at[None, :])[None, :, :, None] * c + chan, arg)
            unset &= ~take
    flat = arg + (np.arange(n) * (h * w * c))[:, None, None, None]
    y = _core.gather(_core.reshape(x, [-1]), _core._constant(flat, None), 0)
    index = flat if include_batch_in_index else arg
    return y, _core._constant(index.astype(out_dtype.as_numpy_dtype), out_dtype)


def _morphology_args(op, input, filters, strides, padding, data_format, dilations):  # noqa: A002
    _check_format(data_format, op, ("NHWC",))
    x = _images(_float_tensor(input, op, "input"), op)
    f = _float_tensor(filters, op, "filters")
    if x.dtype != f.dtype:
        raise TypeError(f"{op}: input and filters must have one dtype, got {x.dtype.name} and {f.dtype.name}")
    if f.ndim != 3 or f.shape[2] != x.shape[3]:
        raise InvalidArgumentError(f"{op}: filters must be [height, width, channels] with the input's "
                                   f"{x.shape[3]} channels, got shape {list(f.shape)} (input {list(x.shape)})")
    pad = _padding(padding, op, 2)
    if not isinstance(pad, str):
        raise InvalidArgumentError(f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}")
    geom = _geometry(op, x.shape[1], x.shape[2], list(f.shape[:2]), _spatial(strides, op, "strides", 2),
                     _spatial(dilations, op, "dilations", 2, 1), pad)
    return x, f, geom


def _dilate(x, f, geom):
    n, c = x.shape[0], x.shape[3]
    fh, fw = f.shape[:2]
    win = _core.reshape(_core._im2col(x, geom, -math.inf), [n, geom[10], geom[11], fh * fw, c])
    y = _first_max(_core.add(win, _core.reshape(f, [fh * fw, c])), 3)
    lowest = float(np.finfo(x.dtype.as_numpy_dtype).min)  # TF's kernel starts from it
    return _core.where(_core.greater(y, lowest), y, _core._constant(lowest, x.dtype))


def dilation2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):  # noqa: A002
    """Grayscale morphological dilation, as ``tf.nn.dilation2d``: ``output[b, y, x, c] =
    max over (i, j) of input[b, y*sh + i*rh, x*sw + j*rw, c] + filters[i, j, c]`` (positions
    outside the image left out; ``filters`` ``[fh, fw, C]``; ``strides`` and ``dilations`` an
    int, 2 or 4 ints), never below the dtype's lowest value, as TF's CPU kernel. The gradient
    goes to the first maximum of each window (row-major), in the input and the filters, as
    TF's."""
    x, f, geom = _morphology_args("dilation2d", input, filters, strides, padding, data_format, dilations)
    return _dilate(x, f, geom)


def erosion2d(value, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """Grayscale morphological erosion, as ``tf.nn.erosion2d``: ``output[b, y, x, c] = min
    over (i, j) of value[b, y*sh + i*rh, x*sw + j*rw, c] - filters[i, j, c]``, computed as TF
    does, ``-dilation2d(-value, reverse(filters, [0, 1]))``."""
    from ._array_ops import reverse
    x, f, geom = _morphology_args("erosion2d", value, filters, strides, padding, data_format, dilations)
    return _core.negative(_dilate(_core.negative(x), reverse(f, [0, 1]), geom))


def atrous_conv2d(value, filters, rate, padding, name=None):
    """conv2d with dilation ``rate`` (an int >= 1) and stride 1, as ``tf.nn.atrous_conv2d``."""
    return conv2d(value, filters, 1, padding, dilations=_spatial(rate, "atrous_conv2d", "rate", 2))


def atrous_conv2d_transpose(value, filters, output_shape, rate, padding, name=None):
    """conv2d_transpose with dilation ``rate`` and stride 1, as ``tf.nn.atrous_conv2d_transpose``
    (``filters`` ``[kh, kw, out_channels, in_channels]``)."""
    return conv2d_transpose(value, filters, output_shape, 1, padding,
                            dilations=_spatial(rate, "atrous_conv2d_transpose", "rate", 2))
