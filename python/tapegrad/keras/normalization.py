"""Keras' GroupNormalization, UnitNormalization and RMSNormalization (exported by keras.layers;
Batch- and LayerNormalization are in layers.py). Recorded ops: differentiable to any order."""

from .. import _core
from . import initializers as _initializers
from .layers import Layer, _serialize_constraint

__all__ = ["GroupNormalization", "UnitNormalization", "RMSNormalization"]


class GroupNormalization(Layer):
    """Normalizes each sample over groups of its channels (the last axis split into
    ``groups``), then scales by ``gamma`` and shifts by ``beta`` per channel, as Keras 3's
    GroupNormalization: mean and variance over every axis but the batch and the group."""

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self._set_constraints(beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        if axis != -1:
            raise NotImplementedError(f"GroupNormalization {self.name!r}: only axis=-1 "
                                      f"(channels last) is supported, got {axis!r}")
        if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
            raise ValueError(f"GroupNormalization {self.name!r}: `groups` must be a positive "
                             f"integer, got {groups!r}")
        self.groups, self.axis, self.epsilon = groups, axis, float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self._inits = (_initializers.get(beta_initializer), _initializers.get(gamma_initializer))
        self.gamma = self.beta = None

    def build(self, input_shape):
        """``gamma`` and ``beta`` of the channel count, which ``groups`` must divide."""
        c = input_shape[-1]
        if c is None or len(input_shape) < 2:
            raise ValueError(f"GroupNormalization {self.name!r}: the channel axis must be known, "
                             f"got input shape {tuple(input_shape)}")
        if c % self.groups:
            raise ValueError(f"GroupNormalization {self.name!r}: number of groups "
                             f"({self.groups}) must divide the channels ({c}); input shape "
                             f"{tuple(input_shape)}")
        if self.scale:
            self.gamma = self.add_weight("gamma", (c,), self._inits[1], constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight("beta", (c,), self._inits[0], constraint=self.beta_constraint)
        self.built = True

    def call(self, inputs):
        """Group statistics, normalization, then the per-channel scale and shift."""
        shape = list(inputs.shape)
        c = shape[-1]
        g = _core.reshape(inputs, shape[:-1] + [self.groups, c // self.groups])
        axes = [a for a in range(1, g.ndim) if a != g.ndim - 2]
        mean = _core.reduce_mean(g, axes, True)
        centred = _core.subtract(g, mean)
        var = _core.reduce_mean(_core.square(centred), axes, True)
        out = _core.divide(centred, _core.sqrt(_core.add(var, self.epsilon)))
        out = _core.reshape(out, shape)
        if self.gamma is not None:
            out = _core.multiply(out, self.gamma)
        if self.beta is not None:
            out = _core.add(out, self.beta)
        return out

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(groups=self.groups, axis=self.axis, epsilon=self.epsilon, center=self.center,
                   scale=self.scale, beta_initializer=_initializers.serialize(self._inits[0]),
                   gamma_initializer=_initializers.serialize(self._inits[1]),
                   beta_constraint=_serialize_constraint(self.beta_constraint),
                   gamma_constraint=_serialize_constraint(self.gamma_constraint))
        return cfg


class UnitNormalization(Layer):
    """Each sample scaled to unit L2 norm along ``axis``: ``x / sqrt(max(sum(x²), 1e-12))``,
    as Keras'."""

    supports_masking = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = [axis] if isinstance(axis, int) else list(axis)

    def call(self, inputs):
        """The normalized inputs."""
        ss = _core.reduce_sum(_core.square(inputs), self.axis, True)
        return _core.divide(inputs, _core.sqrt(_core.maximum(ss, 1e-12)))

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(axis=self.axis)
        return cfg


class RMSNormalization(Layer):
    """Root-mean-square normalization, as Keras 3's RMSNormalization:
    ``x * rsqrt(mean(x², axis) + epsilon) * scale``, with a learned ``scale`` (ones at first)
    over the normalized axes. ``axis`` is an int or a list of ints (-1 by default);
    ``epsilon`` 1e-6. After ``build`` the layer's ``axis`` is a sorted list, as in Keras.
    ``scale`` (shape: the normalized axes' sizes, in sorted ``axis`` order) is broadcast
    along those axes wherever they are (Keras only lines it up with the last axes)."""

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        owner = f"RMSNormalization {self.name!r}"
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not axes or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
            raise TypeError(f"{owner}: `axis` must be an int or a list of ints, got {axis!r}")
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon < 0:
            raise ValueError(f"{owner}: `epsilon` must be a float >= 0, got {epsilon!r}")
        self.axis = axis
        self.epsilon = epsilon
        self.scale = None
        self._scale_layout = None  # (perm or None, broadcast shape or None), set by build

    def _axes(self, rank):
        """The normalized axes for inputs of ``rank``, checked (ValueError naming the layer)."""
        axes = list(self.axis) if isinstance(self.axis, (list, tuple)) else [self.axis]
        for a in axes:
            if not -rank <= a < rank:
                raise ValueError(f"RMSNormalization {self.name!r}: axis {a} is out of bounds for "
                                 f"inputs of rank {rank}. Received: axis={self.axis}")
        if len({a % rank for a in axes}) != len(axes):
            raise ValueError(f"RMSNormalization {self.name!r}: repeated axis in {self.axis}")
        return axes

    def build(self, input_shape):
        """``scale`` of the normalized axes' dimensions (in sorted axis order)."""
        rank = len(input_shape)
        axes = self._axes(rank)
        self.axis = sorted(axes) if isinstance(self.axis, (list, tuple)) else [self.axis]
        shape = tuple(input_shape[a] for a in self.axis)
        if any(d is None for d in shape):
            raise ValueError(f"RMSNormalization {self.name!r}: the normalized axes {self.axis} "
                             f"must have known dimensions, got input shape {tuple(input_shape)}")
        self.scale = self.add_weight("scale", shape, "ones")
        # How scale lines up with the inputs: already, when the axes are the last ones in
        # order (the usual case); else transposed into axis order and given 1s elsewhere.
        pos = [a % rank for a in self.axis]
        if pos == list(range(rank - len(pos), rank)):
            self._scale_layout = (None, None)
        else:
            order = sorted(range(len(pos)), key=lambda i: pos[i])
            perm = order if order != list(range(len(pos))) else None
            bshape = [input_shape[d] if d in pos else 1 for d in range(rank)]
            self._scale_layout = (perm, bshape)
        self.built = True

    def compute_output_shape(self, input_shape):
        """The input shape (the axes are checked against its rank)."""
        self._axes(len(input_shape))
        return tuple(input_shape)

    def call(self, inputs):
        """The normalized inputs times ``scale``."""
        x = inputs
        if x.ndim == 0:
            x = _core.expand_dims(x, 0)
        ms = _core.reduce_mean(_core.square(x), self.axis, True)
        out = _core.divide(x, _core.sqrt(_core.add(ms, self.epsilon)))
        scale = self.scale
        perm, bshape = self._scale_layout or (None, None)
        if perm is not None:
            scale = _core.transpose(scale, perm)
        if bshape is not None:
            scale = _core.reshape(scale, bshape)
        return _core.multiply(out, scale)

    def get_config(self):
        """The constructor arguments, as a dict (``axis`` as given, a sorted list once built)."""
        cfg = super().get_config()
        cfg.update(axis=self.axis, epsilon=self.epsilon)
        return cfg
