"""Keras' GroupNormalization and UnitNormalization (exported by keras.layers; Batch- and
LayerNormalization are in layers.py). Recorded ops: differentiable to any order."""

from .. import _core
from . import initializers as _initializers
from .layers import Layer, _serialize_constraint

__all__ = ["GroupNormalization", "UnitNormalization"]


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
