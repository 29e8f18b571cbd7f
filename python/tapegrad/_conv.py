"""Convolutions and pooling over NHWC images, as tf.nn's: conv1d, conv2d, conv2d_transpose,
depthwise_conv2d, separable_conv2d, max_pool1d/2d, avg_pool1d/2d, max_pool, avg_pool, and
tf.image.extract_patches (the 3-D ones and tf.nn's other entry points are in _conv3d.py).

Each is two recorded ops around the GEMM (Note [Patches] in csrc/ops/patches.h): ``im2col``
lays every window of the input out as a row, a matmul with the filter reshaped to
``[kh * kw * C, O]`` makes the output; ``col2im``, im2col's adjoint, adds rows back into an
image (the input gradient, and conv2d_transpose's forward). Gradients of every order follow
from those of im2col, col2im, matmul and the reductions. Only ``data_format="NHWC"`` (``NWC``),
as TF's CPU kernels.
"""

import math
import numbers

import numpy as np

from . import _core
from .errors import InvalidArgumentError


def _float_tensor(x, op, what):
    from .math import _float
    return _float(x, op, what, name_it=True)


def _pool_input(x, op, what="input"):
    """The input of max pooling or extract_patches: a float tensor, or an integer one (TF's
    MaxPool and ExtractImagePatches kernels take int32, int64 and uint8 too)."""
    from .math import _value
    t = _value(x, op, what)
    return t if t.dtype.is_integer else _float_tensor(t, op, what)


def _int_im2col(x, geom, pad_value):
    """im2col of an integer tensor ``x``, exactly for every dtype: the windows of x's positions
    1..size (0 where a window reads padding), gathered from x with ``pad_value`` in front."""
    size = int(np.prod(x.shape, dtype=np.int64))
    pos = _core._constant(np.arange(1, size + 1, dtype=np.float64).reshape(x.shape), None)
    cols = _core.cast(_core._im2col(pos, geom, 0.0), "int64")
    pad = _core._constant(np.array([pad_value], dtype=x.dtype.as_numpy_dtype), x.dtype)
    return _core.gather(_core.concat([pad, _core.reshape(x, [-1])], 0), cols)


def _check_format(data_format, op, ok):
    if data_format not in ok:
        raise InvalidArgumentError(f"{op}: data_format {data_format!r} is not supported; tapegrad, as "
                                   f"TF's CPU kernels, takes {ok[0]!r} (channels last)")


def _spatial(value, op, what, rank, default=None):
    """TF's int-or-list spatial arguments (strides, dilations, ksize): an int, or `rank` ints,
    or `rank + 2` ints whose batch and channel entries are 1. Returns `rank` ints >= 1."""
    if value is None:
        value = default
    if isinstance(value, _core.Tensor):
        value = value.numpy().tolist()
    if isinstance(value, numbers.Integral):
        vals = [int(value)] * rank
    else:
        try:
            vals = [int(v) for v in value]
        except (TypeError, ValueError):
            raise TypeError(f"{op}: {what} must be an int or a list of ints, got {value!r}") from None
        if any(not isinstance(v, numbers.Integral) for v in value):
            raise TypeError(f"{op}: {what} must be an int or a list of ints, got {value!r}")
        if len(vals) == 1:
            vals = vals * rank
        elif len(vals) == rank + 2:
            if vals[0] != 1 or vals[-1] != 1:
                raise InvalidArgumentError(f"{op}: {what} in the batch and channel dimensions must be "
                                           f"1, got {list(value)}")
            vals = vals[1:-1]
        elif len(vals) != rank:
            raise InvalidArgumentError(f"{op}: {what} must have 1, {rank} or {rank + 2} entries, got "
                                       f"{list(value)}")
    if any(v < 1 for v in vals):
        raise InvalidArgumentError(f"{op}: {what} must be positive, got {value!r}")
    return vals


def _padding(padding, op, rank):
    """'SAME', 'VALID', or TF's explicit list ([[0, 0], [top, bottom], [left, right], [0, 0]]
    for rank 2). Returns 'SAME', 'VALID' or a list of (before, after) per spatial dim."""
    if isinstance(padding, str):
        p = padding.upper()
        if p in ("SAME", "VALID"):
            return p
        raise InvalidArgumentError(f"{op}: padding must be 'SAME', 'VALID' or a list of pairs, got {padding!r}")
    try:
        pairs = [tuple(int(v) for v in pr) for pr in padding]
    except (TypeError, ValueError):
        raise InvalidArgumentError(f"{op}: padding must be 'SAME', 'VALID' or a list of pairs, got {padding!r}") from None
    if len(pairs) == rank + 2:
        if pairs[0] != (0, 0) or pairs[-1] != (0, 0):
            raise InvalidArgumentError(f"{op}: explicit padding in the batch and channel dimensions must "
                                       f"be 0, got {padding!r}")
        pairs = pairs[1:-1]
    if len(pairs) != rank or any(len(pr) != 2 or min(pr) < 0 for pr in pairs):
        raise InvalidArgumentError(f"{op}: explicit padding must be {rank + 2} pairs of non-negative "
                                   f"ints, got {padding!r}")
    return pairs


def _dim(op, size, k, s, d, pad, axis):
    """(pad before, output size) along one spatial dim, by TF's rules."""
    eff = (k - 1) * d + 1
    if pad == "SAME":
        out = -(-size // s)
        total = max((out - 1) * s + eff - size, 0)
        return total // 2, out
    before, after = (0, 0) if pad == "VALID" else pad[axis]
    span = size + before + after - eff
    # TF's GetWindowedOutputSize: (span + s) / s in C++ (truncating toward zero), so a window
    # larger than the input by less than 2 strides gives an empty output, not an error
    q = span + s
    out = q // s if q >= 0 else -(-q // s)
    if out < 0:
        raise InvalidArgumentError(f"{op}: the window ({k} with dilation {d}) is larger than the "
                                   f"padded input ({size + before + after}) in spatial dimension {axis}: "
                                   f"computed output size would be negative")
    return before, out


def _geometry(op, h, w, ksize, strides, dilations, padding):
    pt, oh = _dim(op, h, ksize[0], strides[0], dilations[0], padding, 0)
    pl, ow = _dim(op, w, ksize[1], strides[1], dilations[1], padding, 1)
    return [h, w, ksize[0], ksize[1], strides[0], strides[1], dilations[0], dilations[1], pt, pl, oh, ow]


def _images(x, op, rank=4):
    if x.ndim != rank:
        what = {5: "[batch, depth, height, width, channels]", 4: "[batch, height, width, channels]",
                3: "[batch, width, channels]"}[rank]
        raise InvalidArgumentError(f"{op}: input must be {what} (rank {rank}), got shape {list(x.shape)}")
    return x


def _images_and_filters(op, input, filters, data_format, channels, spatial=2):  # noqa: A002
    """conv2d's and conv2d_transpose's operands: NHWC images and [kh, kw, <channels>] filters
    of one float dtype; with ``spatial=3`` conv3d's: NDHWC volumes, [kd, kh, kw, <channels>]."""
    _check_format(data_format, op, ("NHWC",) if spatial == 2 else ("NDHWC",))
    x = _images(_float_tensor(input, op, "input"), op, spatial + 2)
    f = _float_tensor(filters, op, "filters")
    if x.dtype != f.dtype:
        raise TypeError(f"{op}: input and filters must have one dtype, got {x.dtype.name} and {f.dtype.name}")
    if f.ndim != spatial + 2:
        dims = "height, width" if spatial == 2 else "depth, height, width"
        raise InvalidArgumentError(f"{op}: filters must be [{dims}, {channels}], got shape "
                                   f"{list(f.shape)}")
    return x, f


def _conv_geometry(op, x, f, strides, dilations, padding, whose):
    """The window geometry of a convolution of x by f, once x's depth is f's in_channels."""
    if f.shape[2] != x.shape[3]:
        raise InvalidArgumentError(f"{op}: input depth {x.shape[3]} must equal the {whose} in_channels "
                                   f"{f.shape[2]} (input {list(x.shape)}, filters {list(f.shape)})")
    return _geometry(op, x.shape[1], x.shape[2], list(f.shape[:2]), _spatial(strides, op, "strides", 2),
                     _spatial(dilations, op, "dilations", 2, 1), _padding(padding, op, 2))


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):  # noqa: A002
    """2-D convolution (cross-correlation, as TF's) of ``input`` ``[N, H, W, C]`` with
    ``filters`` ``[kh, kw, C, O]``, as ``tf.nn.conv2d``: ``strides`` and ``dilations`` an int or
    2 or 4 ints; ``padding`` 'SAME', 'VALID' or explicit pairs. Result ``[N, OH, OW, O]``:
    the windows laid out by ``im2col``, then one GEMM."""
    op = "conv2d"
    x, f = _images_and_filters(op, input, filters, data_format, "in_channels, out_channels")
    n, h, w, c = x.shape
    kh, kw, _, o = f.shape
    geom = _conv_geometry(op, x, f, strides, dilations, padding, "filters'")
    oh, ow = geom[10], geom[11]
    if kh == kw == 1 and geom[4] == geom[5] == 1 and geom[8] == geom[9] == 0 and (oh, ow) == (h, w):
        cols = x  # a 1x1 convolution: the windows are the pixels
    else:
        cols = _core._im2col(x, geom, 0.0)
    y = _core.matmul(_core.reshape(cols, [n * oh * ow, kh * kw * c]), _core.reshape(f, [kh * kw * c, o]))
    return _core.reshape(y, [n, oh, ow, o])


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):  # noqa: A002
    """1-D convolution of ``input`` ``[N, W, C]`` with ``filters`` ``[kw, C, O]``, as
    ``tf.nn.conv1d``: conv2d over images of height 1."""
    op = "conv1d"
    _check_format(data_format, op, ("NWC",))
    x = _images(_float_tensor(input, op, "input"), op, rank=3)
    f = _float_tensor(filters, op, "filters")
    if f.ndim != 3:
        raise InvalidArgumentError(f"{op}: filters must be [width, in_channels, out_channels], got "
                                   f"shape {list(f.shape)}")
    pad = _padding(padding, op, 1)
    pad2 = pad if isinstance(pad, str) else [(0, 0)] + pad
    s = _spatial(stride, op, "stride", 1)[0]
    d = _spatial(dilations, op, "dilations", 1, 1)[0]
    y = conv2d(_core.expand_dims(x, 1), _core.expand_dims(f, 0), [1, s], pad2, dilations=[1, d])
    return _core.squeeze(y, [1])


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC",  # noqa: A002
                     dilations=None, name=None):
    """The transpose (gradient) of conv2d, as ``tf.nn.conv2d_transpose``: ``input``
    ``[N, IH, IW, I]``, ``filters`` ``[kh, kw, O, I]``, ``output_shape`` ``[N, H, W, O]``, the
    shape whose conv2d by these filters, strides and padding has ``input``'s shape. One GEMM,
    then ``col2im``."""
    op = "conv2d_transpose"
    x, f = _images_and_filters(op, input, filters, data_format, "output_channels, in_channels")
    if isinstance(output_shape, _core.Tensor):
        output_shape = output_shape.numpy().tolist()
    out = [int(v) for v in output_shape]
    if len(out) != 4:
        raise InvalidArgumentError(f"{op}: output_shape must have 4 entries [N, H, W, C], got {output_shape!r}")
    n, ih, iw, ic = x.shape
    kh, kw, o, fi = f.shape
    if fi != ic or out[3] != o or out[0] != n:
        raise InvalidArgumentError(f"{op}: input {list(x.shape)}, filters {list(f.shape)} and "
                                   f"output_shape {out} disagree (filters are [height, width, "
                                   f"output_channels, in_channels])")
    geom = _geometry(op, out[1], out[2], [kh, kw], _spatial(strides, op, "strides", 2),
                     _spatial(dilations, op, "dilations", 2, 1), _padding(padding, op, 2))
    if (geom[10], geom[11]) != (ih, iw):
        raise InvalidArgumentError(f"{op}: a conv2d of output_shape {out} with these filters, strides "
                                   f"and padding has spatial shape [{geom[10]}, {geom[11]}], but input "
                                   f"has [{ih}, {iw}]")
    cols = _core.matmul(_core.reshape(x, [n * ih * iw, ic]), _core.reshape(f, [kh * kw * o, ic]),
                        transpose_b=True)
    return _core._col2im(_core.reshape(cols, [n, ih, iw, kh * kw * o]), geom, o)


def extract_patches(images, sizes, strides, rates, padding, name=None):
    """The ``sizes`` windows of ``images`` ``[N, H, W, C]`` as ``[N, OH, OW, kh * kw * C]``
    (each window's values in (row, column, channel) order), as ``tf.image.extract_patches``:
    ``sizes``, ``strides`` and ``rates`` are 4 ints ``[1, kh, kw, 1]`` (or 2); ``padding``
    'SAME' or 'VALID'. Differentiable (col2im)."""
    op = "extract_patches"
    x = _images(_pool_input(images, op, "images"), op)
    pad = _padding(padding, op, 2)
    if not isinstance(pad, str):
        raise InvalidArgumentError(f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}")
    geom = _geometry(op, x.shape[1], x.shape[2], _spatial(sizes, op, "sizes", 2),
                     _spatial(strides, op, "strides", 2), _spatial(rates, op, "rates", 2), pad)
    if x.dtype.is_integer:  # TF's kernel takes every real dtype; 'SAME' pads with zeros
        return _int_im2col(x, geom, 0)
    return _core._im2col(x, geom, 0.0)


def _pool_windows(op, x, ksize, strides, padding, pad_value):
    """im2col windows of a pooling op as [N, OH, OW, kh * kw, C], with the geometry."""
    k = _spatial(ksize, op, "ksize", 2)
    s = _spatial(strides, op, "strides", 2)
    pad = _padding(padding, op, 2)
    if not isinstance(pad, str):
        raise InvalidArgumentError(f"{op}: padding must be 'SAME' or 'VALID', got {padding!r}")
    n, h, w, c = x.shape
    geom = _geometry(op, h, w, k, s, [1, 1], pad)
    if x.dtype.is_integer:  # max pooling of ints: the padding is the dtype's lowest value
        cols = _int_im2col(x, geom, np.iinfo(x.dtype.as_numpy_dtype).min)
    else:
        cols = _core._im2col(x, geom, pad_value)
    return _core.reshape(cols, [n, geom[10], geom[11], k[0] * k[1], c]), geom


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """The maximum of each ``ksize`` window of ``input`` ``[N, H, W, C]``, as
    ``tf.nn.max_pool2d`` (padding never wins: it is -inf). The gradient goes to the first
    maximum of a window (row-major), as TF's. Integer inputs (uint8 images) pool too, as TF's
    kernel, with no gradient."""
    op = "max_pool2d"
    _check_format(data_format, op, ("NHWC",))
    x = _images(_pool_input(input, op, "input"), op)
    win, _ = _pool_windows(op, x, ksize, strides, padding, -math.inf)
    if x.dtype.is_integer:
        return _core.reduce_max(win, [3])
    return _first_max(win, 3)


def _first_max(win, axis):
    """reduce_max of ``win`` over ``axis`` (its window axis, the last but one), the gradient
    to the first maximum of each window, as TF's 1-D and 2-D max pooling."""
    from ._custom_gradient import custom_gradient

    @custom_gradient
    def pool(w):
        def grad(dy):
            # The window's first maximum (row-major) takes its gradient: a constant mask, so
            # this rule is linear in dy and differentiates again.
            depth = w.shape[axis]
            first = _core.argmax(w, axis, output_type="int32")
            which = _core.equal(_core.expand_dims(first, axis),
                                _core._constant(np.arange(depth, dtype=np.int32).reshape(depth, 1), None))
            zero = _core._constant(np.zeros((), dtype=w.dtype.as_numpy_dtype), w.dtype)
            return _core.where(which, _core.expand_dims(dy, axis), zero)
        return _core.reduce_max(w, [axis]), grad
    return pool(win)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """The mean of each ``ksize`` window of ``input`` ``[N, H, W, C]``, as ``tf.nn.avg_pool2d``:
    with 'SAME' padding, over the window's positions inside the image only, as TF's."""
    op = "avg_pool2d"
    _check_format(data_format, op, ("NHWC",))
    x = _images(_float_tensor(input, op, "input"), op)
    win, geom = _pool_windows(op, x, ksize, strides, padding, 0.0)
    total = _core.reduce_sum(win, [3])
    h, w, kh, kw, sh, sw, _, _, pt, pl, oh, ow = geom
    rows = np.clip(np.arange(oh) * sh - pt + kh, 0, h) - np.clip(np.arange(oh) * sh - pt, 0, h)
    cols = np.clip(np.arange(ow) * sw - pl + kw, 0, w) - np.clip(np.arange(ow) * sw - pl, 0, w)
    count = (rows[:, None] * cols[None, :]).astype(x.dtype.as_numpy_dtype)[..., None]
    return _core.divide(total, _core._constant(count, x.dtype))


def _pool1d(pool2d, op, input, ksize, strides, padding, data_format):  # noqa: A002
    _check_format(data_format, op, ("NWC",))
    x = _images((_pool_input if pool2d is max_pool2d else _float_tensor)(input, op, "input"), op, rank=3)
    k = _spatial(ksize, op, "ksize", 1)[0]
    s = _spatial(strides, op, "strides", 1)[0]
    return _core.squeeze(pool2d(_core.expand_dims(x, 1), [1, k], [1, s], padding), [1])


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """max_pool2d over ``[N, W, C]`` (windows of ``ksize``), as ``tf.nn.max_pool1d``."""
    return _pool1d(max_pool2d, "max_pool1d", input, ksize, strides, padding, data_format)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """avg_pool2d over ``[N, W, C]``, as ``tf.nn.avg_pool1d``."""
    return _pool1d(avg_pool2d, "avg_pool1d", input, ksize, strides, padding, data_format)


def _pool_nd(pool1d, pool2d, op, input, ksize, strides, padding, data_format):  # noqa: A002
    x = (_pool_input if op == "max_pool" else _float_tensor)(input, op, "input")
    if x.ndim == 3:
        return pool1d(x, ksize, strides, padding, data_format or "NWC")
    if x.ndim == 4:
        return pool2d(x, ksize, strides, padding, data_format or "NHWC")
    if x.ndim == 5:
        from ._conv3d import avg_pool3d, max_pool3d
        pool3d = max_pool3d if op == "max_pool" else avg_pool3d
        return pool3d(x, ksize, strides, padding, data_format or "NDHWC")
    raise InvalidArgumentError(f"{op}: input must have rank 3 or 4 (1-D or 2-D pooling) or 5 (3-D "
                               f"pooling), got shape {list(x.shape)}")


def max_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """max_pool1d, max_pool2d or max_pool3d by the rank of ``input``, as ``tf.nn.max_pool``."""
    return _pool_nd(max_pool1d, max_pool2d, "max_pool", input, ksize, strides, padding, data_format)


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """avg_pool1d, avg_pool2d or avg_pool3d by the rank of ``input``, as ``tf.nn.avg_pool``."""
    return _pool_nd(avg_pool1d, avg_pool2d, "avg_pool", input, ksize, strides, padding, data_format)


def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None, name=None):  # noqa: A002
    """Each input channel convolved with its own ``channel_multiplier`` filters, as
    ``tf.nn.depthwise_conv2d``: ``input`` ``[N, H, W, C]``, ``filter`` ``[kh, kw, C, M]``,
    result ``[N, OH, OW, C * M]`` (channel c's outputs at c * M .. c * M + M - 1). ``strides``
    4 ints ``[1, sh, sw, 1]`` (or an int or 2); ``padding`` 'SAME', 'VALID' or explicit pairs.
    The windows from ``im2col``, multiplied by the filter and summed over each window."""
    op = "depthwise_conv2d"
    x, f = _images_and_filters(op, input, filter, data_format or "NHWC", "in_channels, channel_multiplier")
    n, h, w, c = x.shape
    kh, kw, _, mult = f.shape
    geom = _conv_geometry(op, x, f, strides, dilations, padding, "filter's")
    oh, ow = geom[10], geom[11]
    win = _core.reshape(_core._im2col(x, geom, 0.0), [n, oh, ow, kh * kw, c, 1])
    prod = _core.multiply(win, _core.reshape(f, [kh * kw, c, mult]))
    return _core.reshape(_core.reduce_sum(prod, [3]), [n, oh, ow, c * mult])


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding,  # noqa: A002
                     data_format=None, dilations=None, name=None):
    """depthwise_conv2d, then a 1x1 conv2d with ``pointwise_filter`` ``[1, 1, C * M, O]``, as
    ``tf.nn.separable_conv2d``."""
    y = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format, dilations)
    return conv2d(y, pointwise_filter, 1, "VALID")
