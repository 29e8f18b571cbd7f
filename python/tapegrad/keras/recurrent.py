"""keras.layers.SimpleRNN, LSTM and GRU over (batch, timesteps, features) inputs, with Keras'
weights, gate order and defaults.

The input projection of every timestep is one GEMM up front (``inputs @ kernel`` for all
steps at once); each step then costs one ``h @ recurrent_kernel`` and a few elementwise ops,
recorded like any others, so gradients (through time) of every order come from the tape.
The loop over timesteps is Python: about 10-15 ops per step.
"""

import numpy as _np

from .. import _core
from .._array_ops import split as _split_op
from . import activations as _activations
from . import initializers as _initializers
from .layers import Layer

__all__ = ["SimpleRNN", "LSTM", "GRU"]


class _RNN(Layer):
    _gates = 1  # blocks of `units` in the kernels and the bias

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", return_sequences=False, return_state=False,
                 go_backwards=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(f"{type(self).__name__}: `units` must be a positive integer, got {units!r}")
        self.units = units
        self.activation = _activations.get(activation)
        self.recurrent_activation = _activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.recurrent_initializer = _initializers.get(recurrent_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.kernel = self.recurrent_kernel = self.bias = None

    def _bias_shape(self):
        return (self._gates * self.units,)

    def build(self, input_shape):
        """Create ``kernel`` (features, gates * units), ``recurrent_kernel`` (units, gates *
        units) and ``bias``."""
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} {self.name!r}: expects inputs of shape (batch, "
                             f"timesteps, features), got {tuple(input_shape)}")
        g = self._gates * self.units
        self.kernel = self.add_weight("kernel", (int(input_shape[-1]), g), self.kernel_initializer)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, g), self.recurrent_initializer)
        if self.use_bias:
            self.bias = self.add_weight("bias", self._bias_shape(), self._bias_init())
        self.built = True

    def _bias_init(self):
        return self.bias_initializer

    def compute_output_shape(self, input_shape):
        """(batch, timesteps, units) with return_sequences, else (batch, units)."""
        if self.return_sequences:
            return (input_shape[0], input_shape[1], self.units)
        return (input_shape[0], self.units)

    def _zeros(self, n, dtype):
        return _core._constant(_np.zeros((n, self.units), dtype=dtype.as_numpy_dtype), dtype)

    def _initial_states(self, n, dtype):
        return [self._zeros(n, dtype)]

    def compute_mask(self, inputs, mask=None):
        """The input's mask with return_sequences (the steps stay the steps), else None."""
        return mask if self.return_sequences else None

    def _mask_array(self, mask, shape):
        m = mask.numpy() if hasattr(mask, "numpy") else _np.asarray(mask)
        if tuple(m.shape) != tuple(shape):
            raise ValueError(f"{type(self).__name__} {self.name!r}: mask must have shape "
                             f"{tuple(shape)} (batch, timesteps), got {tuple(m.shape)}")
        return m

    def __call__(self, inputs, *args, mask=None, **kwargs):
        """``Layer.__call__``, with a mask checked against the inputs first (a bad one leaves
        the layer unbuilt)."""
        if mask is not None and hasattr(inputs, "shape") and len(inputs.shape) == 3 and \
                not hasattr(inputs, "_keras_history"):
            self._mask_array(mask, tuple(inputs.shape)[:2])
        return Layer.__call__(self, inputs, *args, mask=mask, **kwargs)

    def call(self, inputs, initial_state=None, mask=None):
        """Runs the cell over the timesteps; returns the last output (or all of them), and
        with return_state also the final states. ``initial_state`` (a tensor, or a list for
        LSTM's h and c; ``layer(x, initial_state=...)``) replaces the zero states. ``mask``
        (batch, timesteps), True for real steps, as Keras: a masked step leaves the states as
        they were, its output in a sequence is zeros, and the last output is the last real
        step's."""
        if inputs.ndim != 3 or inputs.shape[-1] != self.kernel.shape[0]:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected "
                             f"shape (batch, timesteps, {self.kernel.shape[0]}), but received input with "
                             f"shape {tuple(inputs.shape)}")
        n, t, f = inputs.shape
        states = self._initial_states(n, inputs.dtype)
        if initial_state is not None:
            given = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            if len(given) != len(states):
                raise ValueError(f"{type(self).__name__} {self.name!r}: expected {len(states)} initial "
                                 f"state(s), got {len(given)}")
            from .layers import _as_input
            states = [_as_input(s, inputs.dtype, f"layer {self.name!r}: initial_state") for s in given]
            for s in states:
                if tuple(s.shape) != (n, self.units):
                    raise ValueError(f"{type(self).__name__} {self.name!r}: an initial state must have "
                                     f"shape {(n, self.units)}, got {tuple(s.shape)}")
        # Every step's input projection in one GEMM: (n * t, f) @ (f, gates * units).
        xw = _core.reshape(_core.matmul(_core.reshape(inputs, [n * t, f]), self.kernel), [n, t, self._gates * self.units])
        steps = range(t - 1, -1, -1) if self.go_backwards else range(t)
        keep = None
        if mask is not None:
            m = self._mask_array(mask, (n, t))
            keep = _core._constant(m.astype(bool).astype(inputs.dtype.as_numpy_dtype)[:, :, None],
                                   inputs.dtype)
        outputs = []
        for i in steps:
            x_i = _core.reshape(_core.slice(xw, [0, i, 0], [n, 1, -1]), [n, self._gates * self.units])
            out, new_states = self._step(x_i, states)
            if keep is not None:  # masked steps keep the states; their outputs are zeros
                k = _core.reshape(_core.slice(keep, [0, i, 0], [n, 1, 1]), [n, 1])
                states = [_core.add(s, _core.multiply(k, _core.subtract(ns, s)))
                          for s, ns in zip(states, new_states)]
                out = _core.multiply(k, out) if self.return_sequences else states[0]
            else:
                states = new_states
            if self.return_sequences:
                outputs.append(out)
        if t == 0:  # no steps: the initial state, and an empty sequence
            out = states[0]
            outputs = None
        if self.return_sequences:
            y = _core.stack(outputs, 1) if outputs else _core._constant(
                _np.zeros((n, 0, self.units), dtype=inputs.dtype.as_numpy_dtype), inputs.dtype)
        else:
            y = out
        if self.return_state:
            return [y] + list(states)
        return y

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(units=self.units, activation=_activations.serialize(self.activation),
                   recurrent_activation=_activations.serialize(self.recurrent_activation),
                   use_bias=self.use_bias, return_sequences=self.return_sequences,
                   return_state=self.return_state, go_backwards=self.go_backwards)
        return cfg


def _split(z, parts):
    return _split_op(z, parts, axis=-1) if parts > 1 else [z]


class SimpleRNN(_RNN):
    """The fully connected recurrent layer, as Keras':
    ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``."""

    def _step(self, x, states):
        z = _core.add(x, _core.matmul(states[0], self.recurrent_kernel))
        if self.bias is not None:
            z = _core.add(z, self.bias)
        h = self.activation(z)
        return h, [h]


class LSTM(_RNN):
    """Long short-term memory, as Keras': gates in the order input, forget, cell, output
    (``kernel`` (features, 4 * units)); ``c_t = f * c_{t-1} + i * activation(z_c)``, ``h_t =
    o * activation(c_t)``. ``unit_forget_bias`` (default True) starts the forget gate's bias
    at 1. States: [h, c]."""
    _gates = 4

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, u = self.bias_initializer, self.units

        def init(shape, dtype=None):
            b = base(shape, dtype=dtype).numpy().copy()
            b[u:2 * u] = 1.0
            return _core._constant(b, dtype)
        return init

    def _initial_states(self, n, dtype):
        return [self._zeros(n, dtype), self._zeros(n, dtype)]

    def _step(self, x, states):
        h, c = states
        z = _core.add(x, _core.matmul(h, self.recurrent_kernel))
        if self.bias is not None:
            z = _core.add(z, self.bias)
        zi, zf, zc, zo = _split(z, 4)
        ra = self.recurrent_activation
        c = _core.add(_core.multiply(ra(zf), c), _core.multiply(ra(zi), self.activation(zc)))
        h = _core.multiply(ra(zo), self.activation(c))
        return h, [h, c]

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg["unit_forget_bias"] = self.unit_forget_bias
        return cfg


class GRU(_RNN):
    """Gated recurrent unit, as Keras': gates update, reset, candidate (``kernel`` (features,
    3 * units)). With ``reset_after=True`` (Keras' default) ``bias`` is (2, 3 * units), the
    input bias and the recurrent one, and ``hh = activation(x_h + r * (h @ U_h + b_rh))``;
    with ``reset_after=False`` ``bias`` is (3 * units,) and ``hh = activation(x_h + (r * h) @
    U_h)``. Then ``h_t = z * h_{t-1} + (1 - z) * hh``."""
    _gates = 3

    def __init__(self, units, reset_after=True, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _step(self, x, states):
        h = states[0]
        ra = self.recurrent_activation
        if not self.reset_after:
            if self.bias is not None:
                x = _core.add(x, self.bias)
            xz, xr, xh = _split(x, 3)
            u_zr, u_h = _split_columns(self.recurrent_kernel, 2 * self.units)
            rz, rr = _split(_core.matmul(h, u_zr), 2)
            z = ra(_core.add(xz, rz))
            reset = ra(_core.add(xr, rr))
            hh = self.activation(_core.add(xh, _core.matmul(_core.multiply(reset, h), u_h)))
            h = _core.add(_core.multiply(z, h), _core.multiply(_core.subtract(1.0, z), hh))
            return h, [h]
        r = _core.matmul(h, self.recurrent_kernel)
        if self.bias is not None:
            b_in, b_rec = _split(_core.reshape(self.bias, [1, -1]), 2)
            x = _core.add(x, _core.reshape(b_in, [-1]))
            r = _core.add(r, _core.reshape(b_rec, [-1]))
        xz, xr, xh = _split(x, 3)
        rz, rr, rh = _split(r, 3)
        z = ra(_core.add(xz, rz))
        reset = ra(_core.add(xr, rr))
        hh = self.activation(_core.add(xh, _core.multiply(reset, rh)))
        h = _core.add(_core.multiply(z, h), _core.multiply(_core.subtract(1.0, z), hh))
        return h, [h]

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg["reset_after"] = self.reset_after
        return cfg


def _split_columns(m, at):
    """(m[:, :at], m[:, at:]) of a matrix (recorded slices)."""
    rows, cols = m.shape
    return (_core.slice(m, [0, 0], [rows, at]), _core.slice(m, [0, at], [rows, cols - at]))
