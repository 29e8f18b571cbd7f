"""Keras' 3-D convolution, pooling and reshaping layers (Conv3D, Conv3DTranspose, MaxPooling3D,
AveragePooling3D, GlobalMaxPooling3D, GlobalAveragePooling3D, UpSampling3D, ZeroPadding3D,
Cropping3D) and the 1-D depthwise and separable convolutions (DepthwiseConv1D,
SeparableConv1D), on tapegrad.nn's ops (Note [Depth folded into channels] in _conv3d.py);
exported by keras.layers with Keras' other names (Convolution3D, MaxPool3D, ...).

Keras 3's constructor arguments and defaults; ``data_format`` 'channels_last' only (tapegrad's
convolutions, as TF's CPU kernels, run channels last); the ``*_constraint`` arguments
(keras.constraints) go to the weights, which the optimizers project after each update.
``get_config`` returns every constructor argument.
"""

import numbers

from .. import _core
from . import activations as _activations
from . import initializers as _initializers
from . import regularizers as _regularizers
from .layers import Layer, _conv_out, _edge_pairs, _keras_padding, _serialize_constraint

__all__ = ["Conv3D", "Conv3DTranspose", "MaxPooling3D", "AveragePooling3D", "GlobalMaxPooling3D",
           "GlobalAveragePooling3D", "UpSampling3D", "ZeroPadding3D", "Cropping3D", "DepthwiseConv1D",
           "SeparableConv1D", "Convolution3D", "Convolution3DTranspose", "MaxPool3D", "AvgPool3D",
           "GlobalMaxPool3D", "GlobalAvgPool3D", "SeparableConvolution1D"]

_LAYOUT = {1: "(batch, steps, channels)", 3: "(batch, depth, height, width, channels)"}
_LEAD = {1: "batch, steps", 3: "batch, depth, height, width"}


def _ntuple(value, n, what, owner, minimum=1):
    """Keras' int-or-tuple arguments: an int (every axis) or ``n`` ints >= ``minimum``."""
    given = value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,) * n
    try:
        vals = tuple(int(v) for v in value)
        if len(vals) != n or any(isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in value):
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: `{what}` must be an int or a tuple of {n} ints, got {given!r}") from None
    if min(vals) < minimum:
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{owner}: `{what}` must be {kind}, got {given!r}")
    return vals


def _channels_last(data_format, owner):
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{owner}: only data_format='channels_last' is supported (tapegrad's "
                         f"convolutions run channels last, as TF's CPU kernels), got {data_format!r}")
    return "channels_last"


def _positive_int(value, what, owner):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{owner}: `{what}` must be a positive integer, got {value!r}")
    return int(value)


def _check_shape(input_shape, rank, owner):
    if len(input_shape) != rank + 2:
        raise ValueError(f"{owner}: expects inputs of shape {_LAYOUT[rank]}, got {tuple(input_shape)}")


def _known_channels(input_shape, rank, owner):
    _check_shape(input_shape, rank, owner)
    if input_shape[-1] is None:
        raise ValueError(f"{owner}: the channel dimension of the inputs must be known, got {tuple(input_shape)}")
    return int(input_shape[-1])


class _ConvBase(Layer):
    """What the layers here with a kernel share: the window options, activation, bias,
    initializers, regularizers, the bias-and-activation tail and the config."""
    _rank = 3

    def __init__(self, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                 bias_initializer, bias_regularizer, bias_constraint, **kwargs):
        super().__init__(**kwargs)
        owner = self._owner = f"{type(self).__name__} {self.name!r}"
        n = self._rank
        self.kernel_size = _ntuple(kernel_size, n, "kernel_size", owner)
        self.strides = _ntuple(strides, n, "strides", owner)
        self.padding = _keras_padding(padding, owner)
        self.data_format = _channels_last(data_format, owner)
        self.dilation_rate = _ntuple(dilation_rate, n, "dilation_rate", owner)
        self.activation = _activations.get(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.bias_regularizer = _regularizers.get(bias_regularizer)
        self._set_constraints(bias_constraint=bias_constraint)
        self.bias = None

    def _add_bias(self, units):
        if self.use_bias:
            self.bias = self.add_weight("bias", (units,), self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def _check_input(self, inputs, channels):
        if inputs.ndim != self._rank + 2 or inputs.shape[-1] != channels:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected "
                             f"shape ({_LEAD[self._rank]}, {channels}), but received input with "
                             f"shape {tuple(inputs.shape)}")

    def _finish(self, y):
        if self.bias is not None:
            y = _core.add(y, self.bias)
        return self.activation(y)

    def _out(self, input_shape):
        return tuple(_conv_out(input_shape[1 + i], self.kernel_size[i], self.strides[i], self.dilation_rate[i],
                               self.padding) for i in range(self._rank))

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(kernel_size=self.kernel_size, strides=self.strides, padding=self.padding,
                   data_format=self.data_format, dilation_rate=self.dilation_rate,
                   activation=_activations.serialize(self.activation), use_bias=self.use_bias,
                   bias_initializer=_initializers.serialize(self.bias_initializer),
                   bias_regularizer=_regularizers.serialize(self.bias_regularizer),
                   activity_regularizer=_regularizers.serialize(self.__dict__.get("activity_regularizer")),
                   bias_constraint=_serialize_constraint(self.bias_constraint))
        return cfg


class _KernelConv(_ConvBase):
    """A convolution with one ``kernel`` of ``filters`` outputs (Conv3D, Conv3DTranspose)."""

    def __init__(self, filters, kernel_size, strides, padding, data_format, dilation_rate, activation,
                 use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                 kernel_constraint, bias_constraint, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, bias_constraint, **kwargs)
        self.filters = _positive_int(filters, "filters", self._owner)
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.kernel_regularizer = _regularizers.get(kernel_regularizer)
        self._set_constraints(kernel_constraint=kernel_constraint)
        self.kernel = None

    def _make_weights(self, kernel_shape):
        self.kernel = self.add_weight("kernel", tuple(kernel_shape), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self.built = True

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(filters=self.filters, kernel_initializer=_initializers.serialize(self.kernel_initializer),
                   kernel_regularizer=_regularizers.serialize(self.kernel_regularizer),
                   kernel_constraint=_serialize_constraint(self.kernel_constraint))
        return cfg


class Conv3D(_KernelConv):
    """3-D convolution layer over (batch, depth, height, width, channels) inputs, as Keras':
    ``activation(conv3d(inputs, kernel) + bias)`` with ``kernel`` (kd, kh, kw, channels /
    groups, filters). ``groups`` > 1 splits the channels and the filters into that many
    independent convolutions, concatenated. Runs ``tapegrad.nn.conv3d``."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, kernel_constraint, bias_constraint,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.groups = _positive_int(groups, "groups", self._owner)
        if self.filters % self.groups:
            raise ValueError(f"{self._owner}: the number of filters must be evenly divisible by the number "
                             f"of groups. Received: groups={self.groups}, filters={self.filters}")

    def build(self, input_shape):
        """Create ``kernel`` (kd, kh, kw, channels / groups, filters) and ``bias`` (filters,)."""
        c = _known_channels(input_shape, 3, self._owner)
        if c % self.groups:
            raise ValueError(f"{self._owner}: the number of input channels must be evenly divisible by the "
                             f"number of groups. Received groups={self.groups}, but the input has {c} "
                             f"channels (full input shape is {tuple(input_shape)})")
        self._make_weights(self.kernel_size + (c // self.groups, self.filters))

    def compute_output_shape(self, input_shape):
        """(batch, out depth, out height, out width, filters) by the padding rule."""
        return (input_shape[0],) + self._out(input_shape) + (self.filters,)

    def call(self, inputs):
        """conv3d (one per group), bias, activation."""
        from .. import nn
        cin = self.kernel.shape[3]
        self._check_input(inputs, cin * self.groups)
        pad = self.padding.upper()
        if self.groups == 1:
            return self._finish(nn.conv3d(inputs, self.kernel, self.strides, pad, dilations=self.dilation_rate))
        x_shape, k_shape = list(inputs.shape), list(self.kernel.shape)
        per = self.filters // self.groups
        outs = []
        for g in range(self.groups):
            xg = _core.slice(inputs, [0, 0, 0, 0, g * cin], x_shape[:4] + [cin])
            kg = _core.slice(self.kernel, [0, 0, 0, 0, g * per], k_shape[:4] + [per])
            outs.append(nn.conv3d(xg, kg, self.strides, pad, dilations=self.dilation_rate))
        return self._finish(_core.concat(outs, 4))

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg["groups"] = self.groups
        return cfg


def _transpose_length(size, k, s, d, padding, output_padding):
    """Keras' deconv_output_length."""
    if size is None:
        return None
    k = k + (k - 1) * (d - 1)
    if output_padding is None:
        return size * s + max(k - s, 0) if padding == "valid" else size * s
    pad = k // 2 if padding == "same" else 0
    return (size - 1) * s + k - 2 * pad + output_padding


class Conv3DTranspose(_KernelConv):
    """The transposed 3-D convolution (upsampling) layer, as Keras': ``kernel`` (kd, kh, kw,
    filters, channels); output size ``in * stride`` ('same') or ``in * stride + max(kernel -
    stride, 0)`` ('valid'), or with ``output_padding`` ``(in - 1) * stride + kernel - 2 * pad
    + output_padding``. Runs ``tapegrad.nn.conv3d_transpose`` (one GEMM, then col2im)."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 output_padding=None, dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, kernel_constraint, bias_constraint,
                         activity_regularizer=activity_regularizer, **kwargs)
        if output_padding is not None:
            output_padding = _ntuple(output_padding, 3, "output_padding", self._owner, minimum=0)
            if any(p >= s for p, s in zip(output_padding, self.strides)):
                raise ValueError(f"{self._owner}: strides must be greater than output padding. Received "
                                 f"strides={self.strides}, output_padding={output_padding}")
        self.output_padding = output_padding

    def build(self, input_shape):
        """Create ``kernel`` (kd, kh, kw, filters, channels) and ``bias`` (filters,)."""
        self._make_weights(self.kernel_size + (self.filters, _known_channels(input_shape, 3, self._owner)))

    def compute_output_shape(self, input_shape):
        """(batch, out depth, out height, out width, filters)."""
        op = self.output_padding or (None,) * 3
        dims = tuple(_transpose_length(input_shape[1 + i], self.kernel_size[i], self.strides[i],
                                       self.dilation_rate[i], self.padding,
                                       None if self.output_padding is None else op[i]) for i in range(3))
        return (input_shape[0],) + dims + (self.filters,)

    def call(self, inputs):
        """conv3d_transpose, bias, activation."""
        from .. import nn
        self._check_input(inputs, self.kernel.shape[4])
        out = list(self.compute_output_shape(tuple(inputs.shape)))
        return self._finish(nn.conv3d_transpose(inputs, self.kernel, out, self.strides, self.padding.upper(),
                                                dilations=self.dilation_rate))

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg["output_padding"] = self.output_padding
        return cfg


class _Depthwise1D(_ConvBase):
    """What DepthwiseConv1D and SeparableConv1D share: the depthwise kernel (k, channels,
    depth_multiplier) and its options."""
    _rank = 1

    def __init__(self, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
                 activation, use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer,
                 bias_regularizer, depthwise_constraint, bias_constraint, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, bias_constraint, **kwargs)
        self.depth_multiplier = _positive_int(depth_multiplier, "depth_multiplier", self._owner)
        self.depthwise_initializer = _initializers.get(depthwise_initializer)
        self.depthwise_regularizer = _regularizers.get(depthwise_regularizer)
        self._set_constraints(depthwise_constraint=depthwise_constraint)
        self.depthwise_kernel = None

    def _make_depthwise(self, channels):
        shape = self.kernel_size + (channels, self.depth_multiplier)
        self.depthwise_kernel = self.add_weight("depthwise_kernel", shape, self.depthwise_initializer,
                                                regularizer=self.depthwise_regularizer,
                                                constraint=self.depthwise_constraint)

    def _windows(self):
        """nn.depthwise_conv2d's strides, padding and dilations for (batch, 1, steps, channels)."""
        return [1, 1, self.strides[0], 1], self.padding.upper(), [1, self.dilation_rate[0]]

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(depth_multiplier=self.depth_multiplier,
                   depthwise_initializer=_initializers.serialize(self.depthwise_initializer),
                   depthwise_regularizer=_regularizers.serialize(self.depthwise_regularizer),
                   depthwise_constraint=_serialize_constraint(self.depthwise_constraint))
        return cfg


class DepthwiseConv1D(_Depthwise1D):
    """Each input channel of (batch, steps, channels) convolved with its own
    ``depth_multiplier`` filters, as Keras': ``depthwise_kernel`` (also ``kernel``) (k,
    channels, depth_multiplier), output channels ``channels * depth_multiplier`` (channel c's
    at c * depth_multiplier + m). Runs ``tapegrad.nn.depthwise_conv2d`` on a height of 1."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
                         activation, use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer,
                         bias_regularizer, depthwise_constraint, bias_constraint,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.kernel = None

    def build(self, input_shape):
        """Create ``depthwise_kernel`` (k, channels, depth_multiplier) and ``bias``."""
        c = _known_channels(input_shape, 1, self._owner)
        self._make_depthwise(c)
        self.kernel = self.depthwise_kernel
        self._add_bias(c * self.depth_multiplier)
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, out steps, channels * depth_multiplier)."""
        c = input_shape[2]
        return (input_shape[0],) + self._out(input_shape) + (None if c is None else c * self.depth_multiplier,)

    def call(self, inputs):
        """depthwise_conv2d over (batch, 1, steps, channels), bias, activation."""
        from .. import nn
        self._check_input(inputs, self.depthwise_kernel.shape[1])
        strides, pad, dil = self._windows()
        y = nn.depthwise_conv2d(_core.expand_dims(inputs, 1), _core.expand_dims(self.depthwise_kernel, 0),
                                strides, pad, dilations=dil)
        return self._finish(_core.squeeze(y, [1]))


class SeparableConv1D(_Depthwise1D):
    """A depthwise 1-D convolution, then a pointwise one to ``filters`` channels, as Keras':
    ``depthwise_kernel`` (k, channels, depth_multiplier), ``pointwise_kernel`` (1, channels *
    depth_multiplier, filters). Runs ``tapegrad.nn.separable_conv2d`` on a height of 1."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
                         activation, use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer,
                         bias_regularizer, depthwise_constraint, bias_constraint,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.filters = _positive_int(filters, "filters", self._owner)
        self.pointwise_initializer = _initializers.get(pointwise_initializer)
        self.pointwise_regularizer = _regularizers.get(pointwise_regularizer)
        self._set_constraints(pointwise_constraint=pointwise_constraint)
        self.pointwise_kernel = None

    def build(self, input_shape):
        """Create ``depthwise_kernel``, ``pointwise_kernel`` and ``bias`` (filters,)."""
        c = _known_channels(input_shape, 1, self._owner)
        self._make_depthwise(c)
        self.pointwise_kernel = self.add_weight("pointwise_kernel", (1, c * self.depth_multiplier, self.filters),
                                                self.pointwise_initializer, regularizer=self.pointwise_regularizer,
                                                constraint=self.pointwise_constraint)
        self._add_bias(self.filters)
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, out steps, filters)."""
        return (input_shape[0],) + self._out(input_shape) + (self.filters,)

    def call(self, inputs):
        """separable_conv2d over (batch, 1, steps, channels), bias, activation."""
        from .. import nn
        self._check_input(inputs, self.depthwise_kernel.shape[1])
        strides, pad, dil = self._windows()
        y = nn.separable_conv2d(_core.expand_dims(inputs, 1), _core.expand_dims(self.depthwise_kernel, 0),
                                _core.expand_dims(self.pointwise_kernel, 0), strides, pad, dilations=dil)
        return self._finish(_core.squeeze(y, [1]))

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(filters=self.filters, pointwise_initializer=_initializers.serialize(self.pointwise_initializer),
                   pointwise_regularizer=_regularizers.serialize(self.pointwise_regularizer),
                   pointwise_constraint=_serialize_constraint(self.pointwise_constraint))
        return cfg


class _Pooling3D(Layer):
    """What MaxPooling3D and AveragePooling3D share."""
    _fn = None

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = self._owner = f"{type(self).__name__} {self.name!r}"
        self.pool_size = _ntuple(pool_size, 3, "pool_size", owner)
        self.strides = _ntuple(strides if strides is not None else self.pool_size, 3, "strides", owner)
        self.padding = _keras_padding(padding, owner)
        self.data_format = _channels_last(data_format, owner)

    def build(self, input_shape):
        """Checks the inputs are (batch, depth, height, width, channels)."""
        _check_shape(input_shape, 3, self._owner)
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, out depth, out height, out width, channels) by the padding rule."""
        return (input_shape[0],) + tuple(_conv_out(input_shape[1 + i], self.pool_size[i], self.strides[i], 1,
                                                   self.padding) for i in range(3)) + (input_shape[4],)

    def call(self, inputs):
        """The pooling op."""
        from .. import nn
        return getattr(nn, self._fn)(inputs, self.pool_size, self.strides, self.padding.upper())

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(pool_size=self.pool_size, strides=self.strides, padding=self.padding,
                   data_format=self.data_format)
        return cfg


class MaxPooling3D(_Pooling3D):
    """The maximum of each ``pool_size`` window of (batch, depth, height, width, channels)
    (strides default to pool_size), as Keras'; ``tapegrad.nn.max_pool3d`` (TF's gradient:
    every entry within 1e-5 of a window's maximum gets its gradient)."""
    _fn = "max_pool3d"


class AveragePooling3D(_Pooling3D):
    """The mean of each ``pool_size`` window ('same' padding: over the positions inside the
    volume), as Keras'; ``tapegrad.nn.avg_pool3d``."""
    _fn = "avg_pool3d"


class _GlobalPooling3D(Layer):
    _reduce = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self._owner = f"{type(self).__name__} {self.name!r}"
        self.data_format = _channels_last(data_format, self._owner)
        self.keepdims = bool(keepdims)

    def build(self, input_shape):
        """Checks the inputs are (batch, depth, height, width, channels)."""
        _check_shape(input_shape, 3, self._owner)
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, channels), or (batch, 1, 1, 1, channels) with keepdims."""
        return (input_shape[0], 1, 1, 1, input_shape[4]) if self.keepdims else (input_shape[0], input_shape[4])

    def call(self, inputs):
        """The reduction over depth, height and width."""
        from .layers import _global_reduce
        return _global_reduce(inputs, self._reduce, [1, 2, 3], self.keepdims)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(data_format=self.data_format, keepdims=self.keepdims)
        return cfg


class GlobalAveragePooling3D(_GlobalPooling3D):
    """The mean over depth, height and width of (batch, depth, height, width, channels), as Keras'."""
    _reduce = "reduce_mean"


class GlobalMaxPooling3D(_GlobalPooling3D):
    """The maximum over depth, height and width of (batch, depth, height, width, channels), as Keras'."""
    _reduce = "reduce_max"


def _grow(d, n):
    return None if d is None else d + n


class UpSampling3D(Layer):
    """Repeats each plane, row and column ``size[0]``, ``size[1]``, ``size[2]`` times, as
    Keras' (nearest)."""

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._owner = f"UpSampling3D {self.name!r}"
        self.size = _ntuple(size, 3, "size", self._owner)
        self.data_format = _channels_last(data_format, self._owner)

    def build(self, input_shape):
        """Checks the inputs are (batch, depth, height, width, channels)."""
        _check_shape(input_shape, 3, self._owner)
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, depth * size[0], height * size[1], width * size[2], channels)."""
        grown = tuple(None if d is None else d * k for d, k in zip(input_shape[1:4], self.size))
        return (input_shape[0],) + grown + (input_shape[4],)

    def call(self, inputs):
        """A broadcast over three new axes, read back as the bigger volume (its gradient sums
        the copies)."""
        n, d, h, w, c = inputs.shape
        a, b, e = self.size
        x = _core.broadcast_to(_core.reshape(inputs, [n, d, 1, h, 1, w, 1, c]), [n, d, a, h, b, w, e, c])
        return _core.reshape(x, [n, d * a, h * b, w * e, c])

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(size=self.size, data_format=self.data_format)
        return cfg


class ZeroPadding3D(Layer):
    """Zero planes, rows and columns around (batch, depth, height, width, channels) volumes, as
    Keras': ``padding`` an int, 3 ints (both ends of each axis) or 3 pairs."""

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._owner = f"ZeroPadding3D {self.name!r}"
        self.padding = _edge_pairs(padding, 3, self._owner, "padding")
        self.data_format = _channels_last(data_format, self._owner)

    def build(self, input_shape):
        """Checks the inputs are (batch, depth, height, width, channels)."""
        _check_shape(input_shape, 3, self._owner)
        self.built = True

    def compute_output_shape(self, input_shape):
        """Each spatial dimension grown by its two paddings."""
        return (input_shape[0],) + tuple(_grow(d, sum(p)) for d, p in zip(input_shape[1:4], self.padding)) \
            + (input_shape[4],)

    def call(self, inputs):
        """One pad op."""
        before, after = zip(*self.padding)
        return _core._pad(inputs, [0, *before, 0], [0, *after, 0])

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(padding=self.padding, data_format=self.data_format)
        return cfg


class Cropping3D(Layer):
    """Drops planes, rows and columns at the edges of (batch, depth, height, width, channels)
    volumes, as Keras': ``cropping`` an int, 3 ints or 3 pairs."""

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self._owner = f"Cropping3D {self.name!r}"
        self.cropping = _edge_pairs(cropping, 3, self._owner, "cropping")
        self.data_format = _channels_last(data_format, self._owner)

    def build(self, input_shape):
        """Checks the inputs and that something is left."""
        _check_shape(input_shape, 3, self._owner)
        for d, (a, b) in zip(input_shape[1:4], self.cropping):
            if d is not None and a + b >= d:
                raise ValueError(f"{self._owner}: cropping {self.cropping} is too large for inputs of shape "
                                 f"{tuple(input_shape)}")
        self.built = True

    def compute_output_shape(self, input_shape):
        """Each spatial dimension shrunk by its two croppings."""
        return (input_shape[0],) + tuple(_grow(d, -sum(p)) for d, p in zip(input_shape[1:4], self.cropping)) \
            + (input_shape[4],)

    def call(self, inputs):
        """One slice."""
        shape = list(inputs.shape)
        begin = [0] + [p[0] for p in self.cropping] + [0]
        size = [shape[0]] + [d - sum(p) for d, p in zip(shape[1:4], self.cropping)] + [shape[4]]
        return _core.slice(inputs, begin, size)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(cropping=self.cropping, data_format=self.data_format)
        return cfg


# Keras' other names for the same layers.
Convolution3D, Convolution3DTranspose, SeparableConvolution1D = Conv3D, Conv3DTranspose, SeparableConv1D
MaxPool3D, AvgPool3D, GlobalMaxPool3D, GlobalAvgPool3D = (MaxPooling3D, AveragePooling3D, GlobalMaxPooling3D,
                                                          GlobalAveragePooling3D)

# Keras keeps an int input's dtype through max pooling, padding and upsampling (it casts
# floating inputs only).
for _cls in (MaxPooling3D, GlobalMaxPooling3D, UpSampling3D, ZeroPadding3D):
    _cls._keep_int_inputs = True
del _cls
