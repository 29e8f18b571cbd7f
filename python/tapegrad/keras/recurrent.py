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
from .layers import Layer, _serialize_constraint

__all__ = ["SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells",
           "RNN"]


class _RNN(Layer):
    _gates = 1  # blocks of `units` in the kernels and the bias

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", return_sequences=False, return_state=False,
                 go_backwards=False, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(f"{type(self).__name__}: `units` must be a positive integer, got {units!r}")
        self._set_constraints(kernel_constraint=kernel_constraint,
                              recurrent_constraint=recurrent_constraint,
                              bias_constraint=bias_constraint)
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
        self.kernel = self.add_weight("kernel", (int(input_shape[-1]), g), self.kernel_initializer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, g), self.recurrent_initializer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", self._bias_shape(), self._bias_init(),
                                        constraint=self.bias_constraint)
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
                   return_state=self.return_state, go_backwards=self.go_backwards,
                   kernel_initializer=_initializers.serialize(self.kernel_initializer),
                   recurrent_initializer=_initializers.serialize(self.recurrent_initializer),
                   bias_initializer=_initializers.serialize(self.bias_initializer),
                   kernel_constraint=_serialize_constraint(self.kernel_constraint),
                   recurrent_constraint=_serialize_constraint(self.recurrent_constraint),
                   bias_constraint=_serialize_constraint(self.bias_constraint))
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


# -- cells and the generic RNN layer ----------------------------------------------------------

class _Cell:
    """Turns a recurrent layer class into Keras' one-step cell: built from (batch, features),
    ``call(inputs, states)`` returns ``(output, new_states)``; ``state_size`` is units (or
    [units, units] for LSTM). The weights and equations are the layer's."""

    @property
    def state_size(self):
        """The size of each state: units, or [units, units] for LSTMCell."""
        n = len(self._initial_states(1, self.dtype))
        return self.units if n == 1 else [self.units] * n

    @property
    def output_size(self):
        """units."""
        return self.units

    def build(self, input_shape):
        """The layer's weights, for (batch, features) inputs."""
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} {self.name!r}: expects inputs of shape (batch, "
                             f"features), got {tuple(input_shape)}")
        _RNN.build(self, (input_shape[0], None, input_shape[1]))

    def compute_output_shape(self, input_shape):
        """(batch, units)."""
        return (input_shape[0], self.units)

    def get_initial_state(self, batch_size=None, dtype=None):
        """Zero states for ``batch_size`` samples."""
        from ..dtypes import as_dtype
        return self._initial_states(int(batch_size), as_dtype(dtype) if dtype else self.dtype)

    def call(self, inputs, states, training=None):
        """One step: ``(output, new_states)``."""
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        if inputs.ndim != 2 or inputs.shape[-1] != self.kernel.shape[0]:
            raise ValueError(f"{type(self).__name__} {self.name!r}: expected inputs of shape "
                             f"(batch, {self.kernel.shape[0]}), got {tuple(inputs.shape)}")
        return self._step(_core.matmul(inputs, self.kernel), states)

    def __call__(self, inputs, states=None, training=None, **kwargs):
        """Layer.__call__ (a cell's states are its second argument)."""
        if states is None:
            raise TypeError(f"{type(self).__name__}: missing the `states` argument")
        return Layer.__call__(self, inputs, states, training=training, **kwargs)


class SimpleRNNCell(_Cell, SimpleRNN):
    """SimpleRNN's step as a cell: ``h = activation(x @ kernel + h @ recurrent_kernel + b)``."""


class LSTMCell(_Cell, LSTM):
    """LSTM's step as a cell; states [h, c], output h."""


class GRUCell(_Cell, GRU):
    """GRU's step as a cell (``reset_after`` as GRU)."""


class StackedRNNCells(Layer):
    """Several cells run one after another at each step, as Keras': the states are the cells'
    states in order, the output the last cell's."""

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        self.cells = list(cells)
        for c in self.cells:
            if not hasattr(c, "state_size"):
                raise ValueError(f"StackedRNNCells: every cell needs a `state_size`, got {c!r}")

    @property
    def state_size(self):
        """The cells' state sizes, in order (flattened)."""
        out = []
        for c in self.cells:
            out.extend(c.state_size if isinstance(c.state_size, (list, tuple)) else [c.state_size])
        return out

    @property
    def output_size(self):
        """The last cell's output size."""
        last = self.cells[-1]
        return getattr(last, "output_size", last.state_size if isinstance(last.state_size, int)
                       else last.state_size[0])

    def build(self, input_shape):
        """Cells are built on their first step."""
        self.built = True

    def call(self, inputs, states, training=None):
        """Every cell's step in turn."""
        states, new, x = list(states), [], inputs
        for c in self.cells:
            k = len(c.state_size) if isinstance(c.state_size, (list, tuple)) else 1
            x, s = c(x, states[:k], training=training)
            states = states[k:]
            new.extend(s if isinstance(s, (list, tuple)) else [s])
        return x, new

    def __call__(self, inputs, states=None, training=None, **kwargs):
        """Layer.__call__ (the states are the second argument)."""
        return Layer.__call__(self, inputs, states, training=training, **kwargs)

    def get_config(self):
        """The constructor arguments, as a dict: ``cells`` as their serialized configs."""
        from . import saving
        cfg = super().get_config()
        cfg["cells"] = [saving.serialize_keras_object(c) for c in self.cells]
        return cfg

    @classmethod
    def from_config(cls, config):
        """StackedRNNCells from ``get_config``'s dict (its cells deserialized)."""
        from . import saving
        config = dict(config)
        config["cells"] = [c if isinstance(c, Layer) else saving._nested(c)
                           for c in config["cells"]]
        return cls(**config)


class RNN(Layer):
    """Runs ``cell`` over the timesteps of (batch, timesteps, features) inputs, as Keras'
    ``RNN``: any layer with a ``state_size`` and ``call(inputs, states) -> (output,
    new_states)`` (SimpleRNNCell, LSTMCell, GRUCell, a list of cells, or your own), with
    return_sequences, return_state, go_backwards, initial_state and masks. Each step is the
    cell's ops; the fused SimpleRNN / LSTM / GRU layers project all inputs in one GEMM first."""

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 **kwargs):
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not hasattr(cell, "state_size") or not callable(cell):
            raise ValueError("RNN: `cell` should have a `state_size` attribute and be callable "
                             f"as cell(inputs, states), got {cell!r}")
        self.cell = cell
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards = bool(go_backwards)

    def _sizes(self):
        s = self.cell.state_size
        return list(s) if isinstance(s, (list, tuple)) else [s]

    def build(self, input_shape):
        """Checks (batch, timesteps, features); the cell builds on its first step."""
        if len(input_shape) != 3:
            raise ValueError(f"RNN {self.name!r}: expects inputs of shape (batch, timesteps, "
                             f"features), got {tuple(input_shape)}")
        self.built = True

    def compute_mask(self, inputs, mask=None):
        """The input's mask with return_sequences, else None."""
        return mask if self.return_sequences else None

    def compute_output_shape(self, input_shape):
        """(batch, output size) or (batch, timesteps, output size) (and the states' shapes
        with return_state)."""
        size = getattr(self.cell, "output_size", None) or self._sizes()[0]
        out = (input_shape[0], input_shape[1], size) if self.return_sequences else (input_shape[0], size)
        if self.return_state:
            return [out] + [(input_shape[0], s) for s in self._sizes()]
        return out

    def call(self, inputs, initial_state=None, mask=None, training=None):
        """The cell over the steps; the last output (or all), and with return_state the
        final states."""
        n, t = inputs.shape[0], inputs.shape[1]
        if initial_state is None:
            states = [_core._constant(_np.zeros((n, s), dtype=inputs.dtype.as_numpy_dtype),
                                      inputs.dtype) for s in self._sizes()]
        else:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
            if len(states) != len(self._sizes()):
                raise ValueError(f"RNN {self.name!r}: expected {len(self._sizes())} initial "
                                 f"state(s), got {len(states)}")
        keep = None
        if mask is not None:
            m = mask.numpy() if hasattr(mask, "numpy") else _np.asarray(mask)
            if tuple(m.shape) != (n, t):
                raise ValueError(f"RNN {self.name!r}: mask must have shape {(n, t)} (batch, "
                                 f"timesteps), got {tuple(m.shape)}")
            keep = _core._constant(m.astype(bool).astype(inputs.dtype.as_numpy_dtype)[:, :, None],
                                   inputs.dtype)
        outputs, out, last = [], None, None
        for i in (range(t - 1, -1, -1) if self.go_backwards else range(t)):
            x_i = _core.reshape(_core.slice(inputs, [0, i, 0], [n, 1, -1]), [n, inputs.shape[2]])
            out, new = self.cell(x_i, states, training=training)
            new = list(new) if isinstance(new, (list, tuple)) else [new]
            if keep is not None:  # masked steps keep the states (and the last output)
                k = _core.reshape(_core.slice(keep, [0, i, 0], [n, 1, 1]), [n, 1])
                states = [_core.add(s, _core.multiply(k, _core.subtract(ns, s)))
                          for s, ns in zip(states, new)]
                if self.return_sequences:
                    out = _core.multiply(k, out)
                else:
                    last = _core.multiply(k, out) if last is None else \
                        _core.add(last, _core.multiply(k, _core.subtract(out, last)))
                    out = last
            else:
                states = new
            outputs.append(out)
        if self.return_sequences:
            y = _core.stack(outputs, 1) if outputs else _core._constant(
                _np.zeros((n, 0, self._sizes()[0]), dtype=inputs.dtype.as_numpy_dtype), inputs.dtype)
        else:
            y = out if out is not None else states[0]
        if self.return_state:
            return [y] + states
        return y

    def get_config(self):
        """The constructor arguments, as a dict: ``cell`` as its serialized config."""
        from . import saving
        cfg = super().get_config()
        cfg.update(cell=saving.serialize_keras_object(self.cell),
                   return_sequences=self.return_sequences, return_state=self.return_state,
                   go_backwards=self.go_backwards)
        return cfg

    @classmethod
    def from_config(cls, config):
        """An RNN from ``get_config``'s dict (its cell deserialized)."""
        from . import saving
        config = dict(config)
        if isinstance(config.get("cell"), dict):
            config["cell"] = saving._nested(config["cell"])
        elif isinstance(config.get("cell"), list):
            config["cell"] = [c if isinstance(c, Layer) else saving._nested(c)
                              for c in config["cell"]]
        return cls(**config)
