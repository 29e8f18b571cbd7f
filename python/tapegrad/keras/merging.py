"""Keras' merging layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot)
and wrappers (Lambda, TimeDistributed, Bidirectional), exported from ``keras.layers``.

A merging layer takes a list of tensors; elementwise ones broadcast as the ops do and check the
shapes first (the error names the layer and every shape). Everything is recorded ops.
"""

import copy

import numpy as _np

from .. import _core
from .._array_ops import reverse as _reverse
from .layers import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "Lambda", "TimeDistributed", "Bidirectional"]


def _broadcast_shape(shapes, owner):
    """The broadcast of ``shapes`` (None matches anything), or ValueError naming them."""
    rank = max(len(s) for s in shapes)
    out = []
    for i in range(rank):
        dims = {s[len(s) - rank + i] for s in shapes if len(s) - rank + i >= 0} - {None, 1}
        if len(dims) > 1:
            raise ValueError(f"{owner}: inputs must have compatible shapes, got "
                             f"{[tuple(s) for s in shapes]}")
        out.append(dims.pop() if dims else (None if any(
            len(s) - rank + i >= 0 and s[len(s) - rank + i] is None for s in shapes) else 1))
    return tuple(out)


def _promoted(xs, dtype):
    """The merge inputs in one dtype, as Keras' ops promote them: int / bool inputs stay as
    they are (Keras autocasts floating inputs only: uint8 + uint8 wraps, as TF), a mix with a
    float becomes the layer's float dtype, a mix of ints the wider int."""
    dts = {x.dtype for x in xs if x is not None}
    if len(dts) <= 1:
        return xs
    if any(d.is_floating for d in dts):
        target = dtype
    else:
        target = _np.result_type(*[d.as_numpy_dtype for d in dts]).name
    return [x if x is None or x.dtype == target else _core.cast(x, target) for x in xs]


class _Merge(Layer):
    """A layer of a list of at least ``_min_inputs`` tensors (exactly ``_max_inputs`` if set)."""

    _min_inputs, _max_inputs = 2, None
    _keep_int_inputs = True  # Keras: int inputs merge in their own dtype

    def _owner(self):
        return f"{type(self).__name__} {self.name!r}"

    def _check_list(self, shapes):
        n = len(shapes) if isinstance(shapes, (list, tuple)) and shapes and \
            isinstance(shapes[0], (list, tuple)) else None
        if n is None or n < self._min_inputs or (self._max_inputs and n != self._max_inputs):
            want = (f"exactly {self._max_inputs}" if self._max_inputs
                    else f"at least {self._min_inputs}")
            raise ValueError(f"{self._owner()}: expects a list of {want} input tensors, got "
                             f"{'shape ' + str(tuple(shapes)) if n is None else n}")

    def build(self, input_shape):
        """Checks the inputs: a list of the right length and compatible shapes."""
        self._check_list(input_shape)
        _broadcast_shape(input_shape, self._owner())
        self.built = True

    def compute_output_shape(self, input_shape):
        """The inputs' broadcast shape."""
        return _broadcast_shape(input_shape, self._owner())

    def call(self, inputs):
        """The merge of ``inputs`` (a list of tensors)."""
        shapes = [tuple(x.shape) for x in inputs] if isinstance(inputs, (list, tuple)) else inputs
        self._check_list(shapes)
        _broadcast_shape(shapes, self._owner())
        return self._merge(_promoted(list(inputs), self.dtype))


class Add(_Merge):
    """The elementwise sum of a list of tensors."""

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = _core.add(out, x)
        return out


class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (exactly two tensors)."""

    _max_inputs = 2

    def _merge(self, xs):
        return _core.subtract(xs[0], xs[1])


class Multiply(_Merge):
    """The elementwise product of a list of tensors."""

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = _core.multiply(out, x)
        return out


class Average(_Merge):
    """The elementwise mean of a list of tensors."""

    def _merge(self, xs):
        total = Add._merge(self, xs)
        if not total.dtype.is_floating:
            # Keras divides the int sum (wrapped in its dtype) by n in a float: float32 for
            # 8/16-bit ints and bool, float64 for int32 / int64 (TF's truediv rule).
            total = _core.cast(total, "float64" if total.dtype.size >= 4 else "float32")
        return _core.divide(total, _core._constant(float(len(xs)), total.dtype))


class Maximum(_Merge):
    """The elementwise maximum of a list of tensors."""

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = _core.maximum(out, x)
        return out


class Minimum(_Merge):
    """The elementwise minimum of a list of tensors."""

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = _core.minimum(out, x)
        return out


class Concatenate(_Merge):
    """Joins a list of tensors along ``axis`` (-1 by default); the other dimensions must match."""

    _min_inputs = 1

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _joined(self, shapes):
        self._check_list(shapes)
        rank = len(shapes[0])
        axis = self.axis % rank if rank else 0
        if any(len(s) != rank for s in shapes) or any(
                len({s[i] for s in shapes} - {None}) > 1 for i in range(rank) if i != axis):
            raise ValueError(f"{self._owner()}: a `Concatenate` layer requires inputs with matching "
                             f"shapes except for the concatenation axis {self.axis}. Received: "
                             f"input_shape={[tuple(s) for s in shapes]}")
        total = None if any(s[axis] is None for s in shapes) else sum(s[axis] for s in shapes)
        out = list(next((s for s in shapes if None not in s), shapes[0]))
        out[axis] = total
        return tuple(out)

    def build(self, input_shape):
        """Checks that the shapes agree except along ``axis``."""
        self._joined(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        """The shared shape with the ``axis`` dimensions summed."""
        return self._joined(input_shape)

    def call(self, inputs):
        """``concat(inputs, axis)``."""
        self._joined([tuple(x.shape) for x in inputs])
        return _core.concat(_promoted(list(inputs), self.dtype), self.axis)

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(axis=self.axis)
        return cfg


def _l2_normalize(x, axis):
    norm = _core.sqrt(_core.maximum(_core.reduce_sum(_core.square(x), [axis], True), 1e-12))
    return _core.divide(x, norm)


class Dot(_Merge):
    """The dot product of two tensors along ``axes`` (an int or a pair), batch by batch, as
    Keras' Dot: for (batch, n) inputs the result is (batch, 1); for (batch, n, d) and
    (batch, m, d) with ``axes=2``, (batch, n, m). ``normalize=True`` takes the cosine
    similarity. Inputs of rank 2 or 3."""

    _max_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, int):
            axes = (axes, axes)
        if not (isinstance(axes, (list, tuple)) and len(axes) == 2
                and all(isinstance(a, int) and not isinstance(a, bool) for a in axes)):
            raise TypeError(f"{self._owner()}: `axes` must be an int or a pair of ints, got {axes!r}")
        self.axes = tuple(axes)
        self.normalize = bool(normalize)

    def _plan(self, shapes):
        self._check_list(shapes)
        a, b = shapes
        if len(a) != len(b) or len(a) not in (2, 3):
            raise ValueError(f"{self._owner()}: expects two inputs of the same rank, 2 or 3, got "
                             f"shapes {tuple(a)} and {tuple(b)}")
        ax = [ax % len(s) for ax, s in zip(self.axes, shapes)]
        if 0 in ax:
            raise ValueError(f"{self._owner()}: cannot take the dot product along the batch axis "
                             f"(axes={self.axes})")
        if a[ax[0]] is not None and b[ax[1]] is not None and a[ax[0]] != b[ax[1]]:
            raise ValueError(f"{self._owner()}: incompatible input shapes: axis values "
                             f"{a[ax[0]]} (at axis {ax[0]}) != {b[ax[1]]} (at axis {ax[1]}). "
                             f"Full input shapes: {tuple(a)}, {tuple(b)}")
        return ax

    def build(self, input_shape):
        """Checks the two shapes against ``axes``."""
        self._plan(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, 1) for rank 2; (batch, other dim of a, other dim of b) for rank 3."""
        ax = self._plan(input_shape)
        a, b = input_shape
        if len(a) == 2:
            return (a[0], 1)
        return (a[0], a[3 - ax[0]], b[3 - ax[1]])

    def call(self, inputs):
        """The batched dot product of ``inputs[0]`` and ``inputs[1]``."""
        x, y = _promoted(list(inputs), self.dtype)
        ax = self._plan([tuple(x.shape), tuple(y.shape)])
        if self.normalize:
            x, y = _l2_normalize(x, ax[0]), _l2_normalize(y, ax[1])
        if x.ndim == 2:
            return _core.reduce_sum(_core.multiply(x, y), [1], True)
        # (b, p, k) @ (b, k, q): contract x's axis ax[0] with y's axis ax[1]
        return _core.matmul(x, y, ax[0] == 1, ax[1] == 2)

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(axes=self.axes, normalize=self.normalize)
        return cfg


class Lambda(Layer):
    """Wraps ``function(inputs, **arguments)`` as a layer (no weights). ``output_shape`` (a
    shape without the batch dimension, or a function of the input shape) lets a Sequential
    build the layers after it before the first call."""

    def __init__(self, function, output_shape=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda {self.name!r}: `function` must be callable, got {function!r}")
        self.function = function
        self._output_shape = output_shape
        self.arguments = dict(arguments or {})

    def compute_output_shape(self, input_shape):
        """From ``output_shape`` when given, else None (known only after a call)."""
        if self._output_shape is None:
            return None
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        return (input_shape[0],) + tuple(self._output_shape)

    def call(self, inputs):
        """``function(inputs, **arguments)``."""
        return self.function(inputs, **self.arguments)

    def get_config(self):
        """The constructor arguments, as a dict: ``function`` (and a callable
        ``output_shape``) as serialized functions: a named function by module and name (a
        custom one must be registered or given in ``custom_objects`` to load), a ``lambda`` as
        its bytecode (loading it needs ``safe_mode=False``), as Keras 3's Lambda."""
        from . import saving
        cfg = super().get_config()
        shape = self._output_shape
        cfg.update(function=saving.serialize_keras_object(self.function),
                   output_shape=saving.serialize_keras_object(shape) if callable(shape) else shape,
                   arguments=dict(self.arguments))
        return cfg

    @classmethod
    def from_config(cls, config):
        """A Lambda from ``get_config``'s dict (its function deserialized: a ``lambda``'s
        bytecode only outside safe mode)."""
        from . import saving
        config = dict(config)
        config["function"] = saving._function_or_none(config.get("function"), "Lambda")
        if isinstance(config.get("output_shape"), dict):
            config["output_shape"] = saving._function_or_none(config["output_shape"], "Lambda")
        return super().from_config(config)


class TimeDistributed(Layer):
    """Applies ``layer`` to every timestep of (batch, timesteps, ...) inputs: the two leading
    dimensions are merged, the layer runs once on (batch * timesteps, ...), and the result is
    split again."""

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed: please initialize it with a `keras.layers.Layer` "
                             f"instance. Received: {layer!r}")
        self.layer = layer

    def build(self, input_shape):
        """Builds the wrapped layer for (batch * timesteps, ...) inputs."""
        if len(input_shape) < 3:
            raise ValueError(f"TimeDistributed {self.name!r}: inputs must have rank >= 3 (batch, "
                             f"timesteps, ...), got shape {tuple(input_shape)}")
        self.layer._maybe_build((None,) + tuple(input_shape[2:]))
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, timesteps) + the wrapped layer's output shape without its batch."""
        inner = self.layer.compute_output_shape((None,) + tuple(input_shape[2:]))
        return None if inner is None else tuple(input_shape[:2]) + tuple(inner[1:])

    def call(self, inputs, training=None):
        """The wrapped layer on every timestep at once."""
        n, t = inputs.shape[0], inputs.shape[1]
        flat = _core.reshape(inputs, [n * t] + list(inputs.shape[2:]))
        y = self.layer(flat, training=training)
        return _core.reshape(y, [n, t] + list(y.shape[1:]))

    def get_config(self):
        """The constructor arguments, as a dict: ``layer`` as its serialized config."""
        from . import saving
        cfg = super().get_config()
        cfg["layer"] = saving.serialize_keras_object(self.layer)
        return cfg

    @classmethod
    def from_config(cls, config):
        """A TimeDistributed from ``get_config``'s dict (its layer deserialized)."""
        from . import saving
        config = dict(config)
        config["layer"] = saving._nested(config["layer"])
        return super().from_config(config)


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy of it backwards over the timesteps and merges
    their outputs (``merge_mode`` 'concat', 'sum', 'mul', 'ave', or None for a list). With
    ``return_sequences`` the backward outputs are reversed back to the input's time order."""

    _MODES = ("concat", "sum", "mul", "ave", None)

    def __init__(self, layer, merge_mode="concat", backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        from .recurrent import _RNN
        if not isinstance(layer, _RNN):
            raise ValueError("Bidirectional: please initialize it with a recurrent layer "
                             f"(SimpleRNN, LSTM, GRU). Received: {layer!r}")
        if merge_mode not in self._MODES:
            raise ValueError(f"Bidirectional: invalid merge mode. Received: {merge_mode!r}. "
                             f"Merge mode should be one of {list(self._MODES)}")
        if backward_layer is None:
            if layer.built:
                raise ValueError("Bidirectional: the layer to wrap must not be built yet (its "
                                 "backward copy is made from it), or pass `backward_layer`")
            backward_layer = copy.deepcopy(layer)
            backward_layer.go_backwards = not layer.go_backwards
            backward_layer.name = "backward_" + layer.name
            layer.name = "forward_" + layer.name  # Keras' names for the two directions
        elif not isinstance(backward_layer, _RNN) or \
                backward_layer.return_sequences != layer.return_sequences or \
                backward_layer.return_state != layer.return_state:
            raise ValueError("Bidirectional: `backward_layer` must be a recurrent layer with the "
                             "same return_sequences and return_state as `layer`")
        self.forward_layer = layer
        self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state

    def build(self, input_shape):
        """Builds both directions."""
        self.forward_layer._maybe_build(tuple(input_shape))
        self.backward_layer._maybe_build(tuple(input_shape))
        self.built = True

    def compute_output_shape(self, input_shape):
        """The forward layer's output shape, its last dimension doubled for 'concat'."""
        out = self.forward_layer.compute_output_shape(input_shape)
        if self.merge_mode == "concat":
            return tuple(out[:-1]) + (out[-1] * 2,)
        return out

    def compute_mask(self, inputs, mask=None):
        """The input's mask with return_sequences, else None."""
        return mask if self.return_sequences else None

    def call(self, inputs, initial_state=None, mask=None):
        """Both directions, merged; with return_state, then the forward and backward states
        (``initial_state`` lists the forward states, then the backward ones). ``mask`` goes
        to both directions."""
        fwd_state = bwd_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            fwd_state, bwd_state = list(initial_state[:half]), list(initial_state[half:])
        y_f = self.forward_layer(inputs, initial_state=fwd_state, mask=mask)
        y_b = self.backward_layer(inputs, initial_state=bwd_state, mask=mask)
        states = []
        if self.return_state:
            states = list(y_f[1:]) + list(y_b[1:])
            y_f, y_b = y_f[0], y_b[0]
        if self.return_sequences:
            y_b = _reverse(y_b, [1])
        if self.merge_mode == "concat":
            out = _core.concat([y_f, y_b], -1)
        elif self.merge_mode == "sum":
            out = _core.add(y_f, y_b)
        elif self.merge_mode == "mul":
            out = _core.multiply(y_f, y_b)
        elif self.merge_mode == "ave":
            out = _core.multiply(_core.add(y_f, y_b), 0.5)
        else:
            out = [y_f, y_b]
        if self.return_state:
            return (out if isinstance(out, list) else [out]) + states
        return out

    def get_config(self):
        """The constructor arguments, as a dict: ``layer`` (the forward layer) and
        ``backward_layer`` as serialized configs, as Keras 3's."""
        from . import saving
        cfg = super().get_config()
        cfg.update(merge_mode=self.merge_mode,
                   layer=saving.serialize_keras_object(self.forward_layer),
                   backward_layer=saving.serialize_keras_object(self.backward_layer))
        return cfg

    @classmethod
    def from_config(cls, config):
        """A Bidirectional from ``get_config``'s dict (both directions deserialized)."""
        from . import saving
        config = dict(config)
        config["layer"] = saving._nested(config["layer"])
        if config.get("backward_layer") is not None:
            config["backward_layer"] = saving._nested(config["backward_layer"])
        return super().from_config(config)



Lambda._keep_int_inputs = TimeDistributed._keep_int_inputs = True  # ints reach the user's code
