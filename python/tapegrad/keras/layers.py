"""tapegrad.keras.layers: Keras layers on tapegrad ops (Dense is one fused ``nn.linear`` op).

A layer owns Variables and is built on its first call from the input's shape, as in Keras.
Calling a layer under a ``GradientTape`` records its ops like any other tapegrad code.
"""

import threading

import numpy as _np

from .. import _core
from ..dtypes import as_dtype, float32
from ..module import Module, _attribute_children, _leaves
from . import activations as _activations
from . import constraints as _constraints
from . import initializers as _initializers
from . import functional as _functional
from .losses import _snake  # Keras' to_snake_case: Dense -> dense, MaxPooling2D -> max_pooling2d

__all__ = ["Layer", "Dense", "Activation", "Flatten", "InputLayer", "Input", "Conv2D", "MaxPooling2D",
           "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Dropout",
           "BatchNormalization", "Reshape", "Conv1D", "Conv2DTranspose", "LayerNormalization", "Embedding",
           "DepthwiseConv2D", "SeparableConv2D", "MaxPooling1D", "AveragePooling1D",
           "GlobalAveragePooling1D", "GlobalMaxPooling1D", "ZeroPadding2D", "UpSampling2D", "SimpleRNN",
           "LSTM", "GRU"]

_name_counts = {}


class _Loading(threading.local):
    """Set by keras.saving.load_model while it rebuilds a model: add_weight then makes zeros
    instead of drawing initial values that the loaded weights overwrite."""
    active = False


_loading = _Loading()


def _unique_name(prefix):
    """Keras-style automatic names: dense, dense_1, dense_2, ..."""
    n = _name_counts.get(prefix, 0)
    _name_counts[prefix] = n + 1
    return prefix if n == 0 else f"{prefix}_{n}"


def _as_input(x, dtype, where="layer", keep_ints=False):
    """``x`` as a Tensor of the layer's dtype: numpy/lists are copied once, float64 tensors
    cast (Keras autocasts a layer's floating inputs to its dtype). ``where`` names the layer
    or model in conversion errors (None, strings, ragged lists).

    ``keep_ints``: int and bool inputs stay as they are (numpy int64 arrays int64, Python
    int lists int32), as Keras' ``convert_input`` (it casts floating inputs only): what a
    user's Layer subclass, a Lambda, a model and the shape-only layers get."""
    if type(x) is _core.Tensor:
        # DTypes are singletons (the core returns the registered objects): `is` is enough.
        if x.dtype is dtype or (keep_ints and not x.dtype.is_floating):
            return x
        return _core.cast(x, dtype)
    if isinstance(x, _core.Variable):
        if x.dtype == dtype:
            return x
        if keep_ints and not x.dtype.is_floating:
            return x.read_value()
        return _core.cast(x.read_value(), dtype)
    if keep_ints:
        kind = getattr(getattr(x, "dtype", None), "kind", None)
        if kind in ("i", "u", "b") or (kind is None and not isinstance(x, (float, complex))
                                       and _is_int_data(x)):
            return _core._constant(x, None, where)
    return _core._constant(x, dtype, where)


def _is_int_data(x):
    """Python int/bool data (an int, or nested lists of ints and bools only)."""
    if isinstance(x, (bool, int, _np.integer, _np.bool_)):
        return True
    if isinstance(x, (list, tuple)) and x:
        return all(_is_int_data(v) for v in x)
    return False


def _assign_all(variables, values, owner):
    """set_weights: every value is converted and checked before any Variable changes, so a
    bad list leaves all the weights as they were."""
    values = list(values)
    if len(values) != len(variables):
        raise ValueError(f"{owner} expects {len(variables)} weights, got {len(values)}")
    new = []
    for var, value in zip(variables, values):
        try:
            if value is None:
                raise TypeError(f"got None for weight {var.name!r}")
            arr = _np.asarray(value, dtype=var.dtype.as_numpy_dtype)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{owner}.set_weights: {e}") from None
        if arr.shape != tuple(var.shape):
            raise ValueError(f"{owner}.set_weights: weight {var.name!r} has shape "
                             f"{tuple(var.shape)}, got a value of shape {arr.shape}")
        new.append(arr)
    for var, arr in zip(variables, new):
        var.assign(arr)


def _is_structure(x):
    """True for inputs that are several tensors (a dict, or a list/tuple holding tensors,
    arrays or dicts), False for one tensor's data (a nested list of Python numbers)."""
    if isinstance(x, dict):
        return True
    if isinstance(x, (list, tuple)):
        return any(isinstance(e, (_core.Tensor, _core.Variable, _np.ndarray, dict)) or _is_structure(e)
                   for e in x)
    return False


def _serialize_regularizer(reg):
    if reg is None:
        return None
    from . import regularizers as _regularizers
    return _regularizers.serialize(reg)


def _serialize_constraint(constraint):
    return None if constraint is None else _constraints.serialize(constraint)


def _kernel_bias_config(layer):
    """The kernel/bias initializer, regularizer and constraint entries of a get_config."""
    return dict(kernel_initializer=_initializers.serialize(layer.kernel_initializer),
                bias_initializer=_initializers.serialize(layer.bias_initializer),
                kernel_regularizer=_serialize_regularizer(layer.kernel_regularizer),
                bias_regularizer=_serialize_regularizer(layer.bias_regularizer),
                kernel_constraint=_serialize_constraint(layer.kernel_constraint),
                bias_constraint=_serialize_constraint(layer.bias_constraint))


def _plain_args(args, kwargs):
    """True when every argument is a number, string, bool, None or DType, or a list / tuple /
    dict of them (what Keras 3's automatic config records)."""
    from ..dtypes import DType

    def plain(v):
        if v is None or isinstance(v, (bool, int, float, str, DType)):
            return True
        if isinstance(v, (list, tuple)):
            return all(plain(x) for x in v)
        if isinstance(v, dict):
            return all(isinstance(k, str) and plain(x) for k, x in v.items())
        return False
    return plain(args) and plain(kwargs)


def _batchless(shape):
    """A build shape with its batch dimension left unknown (each one, for several inputs)."""
    if shape is None:
        return None
    if isinstance(shape, dict):
        return {k: _batchless(v) for k, v in shape.items()}
    if isinstance(shape, list) or (shape and isinstance(shape[0], (tuple, list, dict))):
        return type(shape)(_batchless(v) for v in shape)
    return (None,) + tuple(shape[1:]) if len(shape) else ()


class _TrainingContext(threading.local):
    """Keras' call context: the ``training`` of the layer call now running on this thread.
    A layer called without ``training`` (or with None) takes its enclosing call's, so the
    Dropout and BatchNormalization that a subclassed model's ``call`` runs without passing
    ``training`` follow ``fit`` (True) and ``predict`` (False), as in Keras; with no enclosing
    value, the default of the layer's own ``call`` signature applies."""
    value = None


_training_ctx = _TrainingContext()


class Layer(Module):
    """Base class of layers: owns weights, builds lazily, maps inputs to outputs.

    Subclasses implement ``build(input_shape)`` (create weights with ``add_weight``) and
    ``call(inputs)``; ``__call__`` builds on first use, converts inputs and calls ``call``.
    Layers and Variables assigned to a layer's attributes (or held in lists and dicts there)
    are tracked as in Keras: their weights are the layer's weights, after its own.
    ``inputs`` may be one tensor or a list / tuple / dict of them (then ``build`` gets the
    same structure of shapes); further arguments of ``call`` pass through unchanged.
    """

    def __new__(cls, *args, **kwargs):
        # Keras 3's automatic config: a subclass without get_config that was built from plain
        # values (numbers, strings, None, lists / dicts of them) serializes those arguments.
        self = super().__new__(cls)
        self.__dict__["_auto_config"] = (args, kwargs) if _plain_args(args, kwargs) else None
        return self

    # Whether int and bool inputs reach ``call`` as they are (Keras casts only floating
    # inputs to a layer's dtype). True for the layers users write (a Layer or Model
    # subclass outside tapegrad: set in __init_subclass__), Lambda, models and the
    # shape-only layers; tapegrad's layers that do float math on their inputs (Dense,
    # convolutions, RNNs, normalizations, ...) keep False and take ints as floats, as
    # Keras' ops promote an int input against a float weight.
    _keep_int_inputs = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_keep_int_inputs" not in cls.__dict__ and not cls.__module__.startswith("tapegrad."):
            # A user's layer: ints kept when it derives from Layer (or Model) itself; a
            # subclass of Dense etc. takes its base's rule.
            base = next(b for b in cls.__mro__[1:] if b.__module__.startswith("tapegrad."))
            if base is Layer:
                cls._keep_int_inputs = True

    def __init__(self, trainable=True, name=None, dtype=None, input_shape=None,
                 activity_regularizer=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments {sorted(kwargs)}")
        self.name = name or _unique_name(_snake(type(self).__name__))
        if activity_regularizer is not None:
            from . import regularizers as _regularizers
            self.activity_regularizer = _regularizers.get(activity_regularizer)
        self.trainable = trainable
        self.dtype = as_dtype(dtype) if dtype is not None else float32
        self.built = False
        self._weights = []
        self._losses = []
        self._input_shape_arg = tuple(input_shape) if input_shape is not None else None
        self.input_shape = None
        self.output_shape = None

    @property
    def name(self):
        """The layer's name (given, or the class name in snake case made unique: dense_1)."""
        return self._module_name

    @name.setter
    def name(self, value):
        self._module_name = value

    # -- weights ---------------------------------------------------------------------------
    def add_weight(self, name, shape, initializer="glorot_uniform", trainable=True, dtype=None,
                   regularizer=None, constraint=None):
        """Create a Variable named ``<layer>/<name>`` from ``initializer`` and track it;
        ``regularizer(variable)`` is then added to ``losses`` at every call. ``constraint``
        (a name, config, ``keras.constraints`` object or callable) becomes the Variable's
        ``constraint``, which the optimizers apply after each update, as Keras."""
        dtype = as_dtype(dtype) if dtype is not None else self.dtype
        constraint = _constraints.get(constraint)
        if _loading.active:  # keras.saving.load_model: the file's values replace these
            value = _core._fill(tuple(shape), 0.0, dtype)
        else:
            init = _initializers.get(initializer)
            value = init(tuple(shape), dtype=dtype)
        var = _core.Variable(value, trainable=trainable, name=f"{self.name}/{name}", dtype=dtype,
                             constraint=constraint)
        self._weights.append(var)
        if regularizer is not None:
            from . import regularizers as _regularizers
            reg = _regularizers.get(regularizer)
            self.__dict__.setdefault("_weight_regularizers", []).append((var, reg))
        return var

    def _regularizers(self, kernel_regularizer, bias_regularizer):
        """Sets ``kernel_regularizer`` / ``bias_regularizer`` (names, instances, callables)."""
        from . import regularizers as _regularizers
        self.kernel_regularizer = _regularizers.get(kernel_regularizer)
        self.bias_regularizer = _regularizers.get(bias_regularizer)

    def _set_constraints(self, **constraints):
        """Sets each ``<what>_constraint`` attribute from None, a name, a config dict, a
        ``keras.constraints`` object or a callable (``keras.constraints.get``)."""
        for attr, value in constraints.items():
            setattr(self, attr, _constraints.get(value))

    def _own_and_sublayers(self, seen):
        """The layer's own Variables (add_weight's, then Variables in its attributes) and its
        tracked sub-layers, in attribute order; ``seen`` (ids) makes each count once."""
        own = [w for w in self._weights if id(w) not in seen]
        seen.update(id(w) for w in own)
        found, subs = _attribute_children(self, list(vars(self)), Layer, seen, ("_weights",))
        own += found
        return own, subs

    def _weight_lists(self, seen):
        """(trainable, non-trainable) Variables: the layer's own, then each sub-layer's."""
        own, subs = self._own_and_sublayers(seen)
        trainable = [w for w in own if w.trainable]
        frozen = [w for w in own if not w.trainable]
        for sub in subs:
            t, f = sub._weight_lists(seen)
            trainable += t
            frozen += f
        if not self.trainable:
            return [], trainable + frozen
        return trainable, frozen

    def _all_weights(self, seen):
        """Keras 3's ``weights`` order: the layer's own (trainable first), then each
        sub-layer's ``weights`` in turn."""
        own, subs = self._own_and_sublayers(seen)
        out = [w for w in own if w.trainable] + [w for w in own if not w.trainable]
        for sub in subs:
            out += sub._all_weights(seen)
        return out

    def _sublayers(self):
        """The layers tracked in this layer's attributes, depth first, each once."""
        out, seen = [], {id(self)}

        def visit(layer):
            for sub in _attribute_children(layer, list(vars(layer)), Layer, seen)[1]:
                out.append(sub)
                visit(sub)
        visit(self)
        return out

    @property
    def weights(self):
        """All the layer's Variables: its own (trainable first), then each sub-layer's in
        turn (Keras 3's order; ``get_weights`` and ``save_weights`` use it)."""
        return self._all_weights({id(self)})

    @property
    def trainable_weights(self):
        """The Variables training updates (empty when the layer is frozen)."""
        return self._weight_lists({id(self)})[0]

    @property
    def non_trainable_weights(self):
        """The Variables training leaves alone."""
        return self._weight_lists({id(self)})[1]

    @property
    def trainable_variables(self):
        """``trainable_weights`` (Keras' other name)."""
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        """``non_trainable_weights`` (Keras' other name)."""
        return self.non_trainable_weights

    @property
    def variables(self):
        """``weights`` (Keras' other name)."""
        return self.weights

    def count_params(self):
        """Number of scalars in all the layer's weights."""
        return int(sum(w.size for w in self.weights))

    def get_weights(self):
        """The weights' values as a list of numpy arrays."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights):
        """Assign numpy arrays (same shapes, same order as ``get_weights``) to the weights."""
        _assign_all(self.weights, weights, f"Layer {self.name!r}")

    # -- losses ----------------------------------------------------------------------------
    def add_loss(self, loss):
        """Add a scalar loss tensor (a regularization term) that ``losses`` reports until the
        layer's next call; ``fit`` adds the sum of a model's ``losses`` to its loss."""
        self._losses.append(loss)

    @property
    def losses(self):
        """The losses of the last call, as Keras orders them: every ``add_loss`` and activity
        penalty (this layer's, then its sub-layers'), then the regularizers' penalties of the
        trainable weights (a frozen weight adds none). Scalar tensors, recorded ops."""
        return self._losses_from(self._loss_sources())

    def _loss_sources(self):
        """What ``losses`` reads: the layers (self and sub-layers) and the (weight,
        regularizer) pairs of the trainable weights. A training loop takes it once."""
        layers = [self] + self._sublayers()
        regs = {id(v): r for layer in layers
                for v, r in layer.__dict__.get("_weight_regularizers", ())}
        pairs = [(v, regs[id(v)]) for v in self.trainable_weights if id(v) in regs] if regs else []
        return layers, pairs

    @staticmethod
    def _losses_from(sources):
        layers, pairs = sources
        out = [loss for layer in layers for loss in layer._losses]
        out.extend(reg(v) for v, reg in pairs)
        return out

    # -- building and calling --------------------------------------------------------------
    def build(self, input_shape):
        """Create the weights for inputs of ``input_shape`` (a tuple whose first entry may be None)."""
        self.built = True

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape`` (the same, unless a subclass says otherwise)."""
        return tuple(input_shape)

    # -- masks (Keras' padding masks: True where a timestep is real) ---------------------
    supports_masking = False  # a layer that passes its input's mask on unchanged
    _makes_mask = False  # a layer that can create a mask (Embedding(mask_zero=True), Masking)

    def compute_mask(self, inputs, mask=None):
        """The mask of this layer's output: the input's mask when the layer supports
        masking, else None (Keras' default)."""
        return mask if self.supports_masking else None

    def _maybe_build(self, input_shape):
        if not self.built:
            self.input_shape = _batchless(input_shape)
            self.build(input_shape)
            self.built = True
            self.output_shape = self.compute_output_shape(self.input_shape)

    def call(self, inputs):
        """The layer's computation on a Tensor (override in subclasses; a ``call`` that takes
        ``training`` receives the flag, as in Keras)."""
        return inputs

    def _convert_inputs(self, inputs):
        where = f"layer {self.name!r}"
        if _is_structure(inputs):
            keep = self._keep_int_inputs
            x = _functional._map(lambda v: v if v is None else _as_input(v, self.dtype, where, keep),
                                 inputs)
            shape = _functional._map(lambda v: None if v is None else tuple(v.shape), x)
            return x, shape
        x = _as_input(inputs, self.dtype, where, self._keep_int_inputs)
        return x, tuple(x.shape)

    def __call__(self, inputs, *args, training=None, **kwargs):
        """Build on first call from ``inputs``' shape, then return ``call(inputs, ...)`` (with
        ``training=`` when the subclass's call takes it). On KerasTensors (``keras.Input``) it
        records the call for a functional model instead."""
        if type(inputs) is _core.Tensor and self.built:  # the common case: one built tensor
            x = inputs if inputs.dtype is self.dtype or (
                self._keep_int_inputs and not inputs.dtype.is_floating) else _core.cast(inputs, self.dtype)
        else:
            if _functional.is_symbolic(inputs) or ((args or kwargs)
                                                   and _functional.is_symbolic([args, kwargs])):
                if training is not None:
                    kwargs["training"] = training
                return _functional.symbolic_call(self, inputs, args, kwargs)
            x, shape = self._convert_inputs(inputs)
            if not self.built:
                self._maybe_build(shape)
        if self._losses:
            self._losses = []
        outer = _training_ctx.value
        if training is None:  # Keras: the enclosing call's value, else call's own default
            training = outer if outer is not None else self._call_training_default()
        if self._call_takes_training():
            kwargs["training"] = training
        if "mask" in kwargs and not self._call_takes_mask():
            del kwargs["mask"]  # a model hands masks to every layer; this one has no use for it
        if training is outer:
            out = self.call(x, *args, **kwargs)
        else:  # the layers this call runs inherit its training (Note: _TrainingContext)
            _training_ctx.value = training
            try:
                out = self.call(x, *args, **kwargs)
            finally:
                _training_ctx.value = outer
        activity = self.__dict__.get("activity_regularizer")
        if activity is not None:
            leaves = []
            _leaves(out, leaves)
            for y in leaves:  # Keras: the penalty of each output over its batch size
                self._losses.append(_core.divide(activity(y), float(y.shape[0] if y.ndim else 1)))
        return out

    @classmethod
    def _call_takes(cls, arg):
        """Whether this class's ``call`` has a parameter ``arg`` (cached per class)."""
        cache = cls.__dict__.get("_call_params_cache")
        if cache is None:
            import inspect
            cache = frozenset(inspect.signature(cls.call).parameters)
            setattr(cls, "_call_params_cache", cache)
        return arg in cache

    @classmethod
    def _call_takes_mask(cls):
        return cls._call_takes("mask")

    @classmethod
    def _call_takes_training(cls):
        return cls._call_takes("training")

    @classmethod
    def _call_training_default(cls):
        """The default of ``training`` in this class's ``call`` signature (None if it has no
        such parameter or no default): RandomFlip's True, Dropout's None (cached per class)."""
        try:
            return cls.__dict__["_call_training_default_cache"]
        except KeyError:
            import inspect
            param = inspect.signature(cls.call).parameters.get("training")
            value = None if param is None or param.default is inspect.Parameter.empty else param.default
            setattr(cls, "_call_training_default_cache", value)
            return value

    def get_config(self):
        """The constructor arguments, as a dict (Keras 3's): ``name``, ``trainable``,
        ``dtype`` (and ``activity_regularizer`` when set); each layer adds its own. A subclass
        that does not override it gets the arguments it was constructed with, when those
        were plain values (numbers, strings, None, lists and dicts of them), as Keras 3;
        otherwise it raises NotImplementedError: override ``get_config``."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype.name}
        activity = self.__dict__.get("activity_regularizer")
        if activity is not None:
            from . import regularizers as _regularizers
            config["activity_regularizer"] = _regularizers.serialize(activity)
        cls = type(self)
        if cls.get_config is not Layer.get_config or cls.__module__.startswith("tapegrad."):
            return config  # the subclass's get_config adds its arguments
        from . import saving
        return saving._auto_config(self, config, "Layer")

    @classmethod
    def from_config(cls, config):
        """A new layer from ``get_config``'s dict: ``cls(**config)`` (layers holding other
        layers deserialize them first), as Keras'. The weights are not part of the config."""
        if not isinstance(config, dict):
            raise TypeError(f"{cls.__name__}.from_config: expected a dict, got "
                            f"{type(config).__name__}")
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(f"Error when deserializing class '{cls.__name__}' using config="
                            f"{config}.\n\nException encountered: {e}") from e

    def get_build_config(self):
        """``{'input_shape': ...}`` once the layer is built (what ``build_from_config`` needs
        to create its weights before they are loaded), else None."""
        if self.built and self.input_shape is not None:
            return {"input_shape": self.input_shape}
        return None

    def build_from_config(self, config):
        """Build the layer for ``get_build_config``'s input shape."""
        shape = (config or {}).get("input_shape")
        if shape is not None and not self.built:
            self._maybe_build(shape)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


class Dense(Layer):
    """A densely connected layer: ``activation(inputs @ kernel + bias)`` as one fused op.

    Built on its first call from the input's last dimension: ``kernel`` is (in, units),
    ``bias`` (units,). ``activation`` is None (linear), 'relu', 'sigmoid', 'tanh', 'softmax'
    or any callable; relu/sigmoid/tanh run inside ``tapegrad.nn.linear``'s GEMM epilogue.
    """

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self._regularizers(kernel_regularizer, bias_regularizer)
        self._set_constraints(kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        try:
            units = int(units) if not isinstance(units, bool) else units
        except (TypeError, ValueError):
            pass  # reported below, in Keras' words
        if not isinstance(units, int) or units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive integer. Received: units={units}")
        self.units = units
        self.activation = _activations.get(activation)
        # The name nn.linear fuses, or False when the activation runs as its own op.
        self._fused = _activations._FUSED.get(self.activation, False)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.kernel = None
        self.bias = None

    def build(self, input_shape):
        """Create ``kernel`` (last input dim, units) and ``bias`` (units,)."""
        if len(input_shape) < 1 or input_shape[-1] is None:
            raise ValueError(f"Dense {self.name!r}: the last dimension of the inputs must be known, got shape {input_shape}")
        in_dim = int(input_shape[-1])
        self.kernel = self.add_weight("kernel", (in_dim, self.units), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.units,), self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def compute_output_shape(self, input_shape):
        """``input_shape`` with its last dimension replaced by ``units``."""
        return tuple(input_shape[:-1]) + (self.units,)

    def call(self, inputs):
        """One fused linear op (the op behind ``tapegrad.nn.linear``), plus the activation
        as its own op when it is not relu, sigmoid or tanh."""
        try:
            if self._fused is not False:
                return _core.linear(inputs, self.kernel, self.bias, self._fused)
            y = _core.linear(inputs, self.kernel, self.bias, None)
        except ValueError:
            # The op checks shapes before any work; say it in Keras' words when that's the cause.
            if inputs.ndim >= 1 and inputs.shape[-1] != self.kernel.shape[0]:
                raise ValueError(
                    f"Input 0 of layer {self.name!r} is incompatible with the layer: expected "
                    f"axis -1 of input shape to have value {self.kernel.shape[0]}, but received "
                    f"input with shape {tuple(inputs.shape)}") from None
            raise
        return self.activation(y)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(units=self.units, activation=_activations.serialize(self.activation),
                   use_bias=self.use_bias,
                   **_kernel_bias_config(self))
        return cfg


class Activation(Layer):
    """Applies an activation function ('relu', 'softmax', a callable, ...) to its input."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = _activations.get(activation)

    def call(self, inputs):
        """``activation(inputs)``."""
        return self.activation(inputs)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(activation=_activations.serialize(self.activation))
        return cfg


class Flatten(Layer):
    """Reshapes (batch, d1, d2, ...) to (batch, d1 * d2 * ...)."""

    def compute_output_shape(self, input_shape):
        """(batch, product of the other dimensions)."""
        n = 1
        for d in input_shape[1:]:
            n *= d
        return (input_shape[0], n)

    def call(self, inputs):
        """The reshape (no copy of the data's meaning, one op)."""
        return _core.reshape(inputs, [inputs.shape[0], -1])


def _pair(value, what, owner):
    """Keras' int-or-pair arguments (kernel_size, strides, pool_size, dilation_rate)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value, value)
    try:
        a, b = (int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: `{what}` must be an int or a pair of ints, got {value!r}") from None
    if a <= 0 or b <= 0:
        raise ValueError(f"{owner}: `{what}` must be positive, got {value!r}")
    return (a, b)


def _keras_padding(padding, owner):
    p = str(padding).lower()
    if p not in ("valid", "same"):
        raise ValueError(f"{owner}: `padding` must be 'valid' or 'same', got {padding!r}")
    return p


def _images_shape(input_shape, owner):
    if len(input_shape) != 4:
        raise ValueError(f"{owner}: expects inputs of shape (batch, height, width, channels), got "
                         f"{tuple(input_shape)}")


def _steps_shape(input_shape, owner):
    if len(input_shape) != 3:
        raise ValueError(f"{owner}: expects inputs of shape (batch, steps, channels), got {tuple(input_shape)}")


def _conv_out(size, k, s, d, padding):
    if size is None:
        return None
    if padding == "same":
        return -(-size // s)
    eff = (k - 1) * d + 1
    return max((size - eff) // s + 1, 0)


class _Conv(Layer):
    """What Conv1D, Conv2D and Conv2DTranspose share: filters, activation, bias, initializers,
    the bias-and-activation tail and the config."""

    def __init__(self, filters, activation, use_bias, kernel_initializer, bias_initializer,
                 data_format, kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self._regularizers(kernel_regularizer, bias_regularizer)
        self._set_constraints(kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self._owner = f"{type(self).__name__} {self.name!r}"
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{self._owner}: `filters` must be a positive integer, got {filters!r}")
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{self._owner}: only data_format='channels_last' is supported, got {data_format!r}")
        self.filters = filters
        self.activation = _activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self.kernel = None
        self.bias = None

    def _window(self, kernel_size, strides, padding, dilation_rate=None):
        """The 2-D window options, each an int or a pair (dilation_rate only where it applies)."""
        self.kernel_size = _pair(kernel_size, "kernel_size", self._owner)
        self.strides = _pair(strides, "strides", self._owner)
        if dilation_rate is not None:
            self.dilation_rate = _pair(dilation_rate, "dilation_rate", self._owner)
        self.padding = _keras_padding(padding, self._owner)

    def _make_weights(self, kernel_shape, name="kernel"):
        self.kernel = self.add_weight(name, tuple(kernel_shape), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.filters,), self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def _check_input(self, inputs, rank, channels, what):
        if inputs.ndim != rank or inputs.shape[-1] != channels:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected "
                             f"shape ({what}, {channels}), but received input with shape {tuple(inputs.shape)}")

    def _finish(self, y):
        if self.bias is not None:
            y = _core.add(y, self.bias)
        return self.activation(y)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(filters=self.filters, kernel_size=self.kernel_size, strides=self.strides,
                   padding=self.padding, data_format="channels_last",
                   activation=_activations.serialize(self.activation), use_bias=self.use_bias,
                   **_kernel_bias_config(self))
        if hasattr(self, "dilation_rate"):
            cfg["dilation_rate"] = self.dilation_rate
        return cfg


class Conv2D(_Conv):
    """2-D convolution layer over (batch, height, width, channels) inputs, as Keras':
    ``activation(conv2d(inputs, kernel) + bias)`` with ``kernel`` (kh, kw, in, filters). Runs
    ``tapegrad.nn.conv2d`` (im2col and one GEMM)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(filters, activation, use_bias, kernel_initializer, bias_initializer,
                         data_format, **kwargs)
        self._window(kernel_size, strides, padding, dilation_rate)

    def build(self, input_shape):
        """Create ``kernel`` (kh, kw, channels, filters) and ``bias`` (filters,)."""
        _images_shape(input_shape, self._owner)
        if input_shape[-1] is None:
            raise ValueError(f"{self._owner}: the channel dimension of the inputs must be known")
        self._make_weights(self.kernel_size + (int(input_shape[-1]), self.filters))

    def compute_output_shape(self, input_shape):
        """(batch, out height, out width, filters) by the padding rule."""
        h = _conv_out(input_shape[1], self.kernel_size[0], self.strides[0], self.dilation_rate[0], self.padding)
        w = _conv_out(input_shape[2], self.kernel_size[1], self.strides[1], self.dilation_rate[1], self.padding)
        return (input_shape[0], h, w, self.filters)

    def call(self, inputs):
        """conv2d, bias, activation."""
        from .. import nn
        self._check_input(inputs, 4, self.kernel.shape[2], "batch, height, width")
        return self._finish(nn.conv2d(inputs, self.kernel, self.strides, self.padding.upper(),
                                      dilations=self.dilation_rate))


class Conv1D(_Conv):
    """1-D convolution layer over (batch, steps, channels) inputs, as Keras': ``kernel``
    (kernel_size, in, filters); ``padding`` 'valid', 'same' or 'causal' (zeros on the left
    only, so output t sees inputs up to t). Runs ``tapegrad.nn.conv1d``."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(filters, activation, use_bias, kernel_initializer, bias_initializer,
                         data_format, **kwargs)

        def single(v, what):
            return _pair(v[0] if isinstance(v, (tuple, list)) and len(v) == 1 else v, what, self._owner)[0]
        self.kernel_size = (single(kernel_size, "kernel_size"),)
        self.strides = (single(strides, "strides"),)
        self.dilation_rate = (single(dilation_rate, "dilation_rate"),)
        p = str(padding).lower()
        if p not in ("valid", "same", "causal"):
            raise ValueError(f"{self._owner}: `padding` must be 'valid', 'same' or 'causal', got {padding!r}")
        self.padding = p

    def build(self, input_shape):
        """Create ``kernel`` (kernel_size, channels, filters) and ``bias`` (filters,)."""
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"{self._owner}: expects inputs of shape (batch, steps, channels), got "
                             f"{tuple(input_shape)}")
        self._make_weights(self.kernel_size + (int(input_shape[-1]), self.filters))

    def compute_output_shape(self, input_shape):
        """(batch, out steps, filters) by the padding rule."""
        k, s, d = self.kernel_size[0], self.strides[0], self.dilation_rate[0]
        size = input_shape[1]
        if self.padding == "causal" and size is not None:
            size = size + (k - 1) * d
        return (input_shape[0], _conv_out(size, k, s, d, "same" if self.padding == "same" else "valid"),
                self.filters)

    def call(self, inputs):
        """conv1d, bias, activation."""
        from .. import nn
        self._check_input(inputs, 3, self.kernel.shape[1], "batch, steps")
        pad = self.padding.upper()
        if self.padding == "causal":
            pad = [[0, 0], [(self.kernel_size[0] - 1) * self.dilation_rate[0], 0], [0, 0]]
        return self._finish(nn.conv1d(inputs, self.kernel, self.strides[0], pad,
                                      dilations=self.dilation_rate[0]))


class Conv2DTranspose(_Conv):
    """The transposed 2-D convolution (upsampling) layer, as Keras': ``kernel`` (kh, kw,
    filters, in); output size ``in * stride`` ('same') or ``(in - 1) * stride + kernel``
    ('valid'). Runs ``tapegrad.nn.conv2d_transpose`` (one GEMM, then col2im)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(filters, activation, use_bias, kernel_initializer, bias_initializer,
                         data_format, **kwargs)
        self._window(kernel_size, strides, padding)

    def build(self, input_shape):
        """Create ``kernel`` (kh, kw, filters, channels) and ``bias`` (filters,)."""
        _images_shape(input_shape, self._owner)
        self._make_weights(self.kernel_size + (self.filters, int(input_shape[-1])))

    def _out(self, size, k, s):
        if size is None:
            return None
        return size * s if self.padding == "same" else (size - 1) * s + k

    def compute_output_shape(self, input_shape):
        """(batch, out height, out width, filters)."""
        return (input_shape[0], self._out(input_shape[1], self.kernel_size[0], self.strides[0]),
                self._out(input_shape[2], self.kernel_size[1], self.strides[1]), self.filters)

    def call(self, inputs):
        """conv2d_transpose, bias, activation."""
        from .. import nn
        self._check_input(inputs, 4, self.kernel.shape[3], "batch, height, width")
        out = list(self.compute_output_shape(tuple(inputs.shape)))
        return self._finish(nn.conv2d_transpose(inputs, self.kernel, out, self.strides, self.padding.upper()))


class Conv1DTranspose(_Conv):
    """The transposed 1-D convolution layer, as Keras': ``kernel`` (k, filters, in) on
    (batch, steps, channels); output steps ``steps * stride`` ('same') or ``(steps - 1) *
    stride + k`` ('valid'). Runs ``nn.conv2d_transpose`` on a height of 1."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(filters, activation, use_bias, kernel_initializer, bias_initializer,
                         data_format, **kwargs)
        k = kernel_size[0] if isinstance(kernel_size, (tuple, list)) else kernel_size
        st = strides[0] if isinstance(strides, (tuple, list)) else strides
        self._window((1, k), (1, st), padding)

    def build(self, input_shape):
        """Create ``kernel`` (k, filters, channels) and ``bias`` (filters,)."""
        _steps_shape(input_shape, self._owner)
        self._make_weights((self.kernel_size[1], self.filters, int(input_shape[-1])))

    def compute_output_shape(self, input_shape):
        """(batch, out steps, filters)."""
        t = input_shape[1]
        k, s = self.kernel_size[1], self.strides[1]
        out = None if t is None else (t * s if self.padding == "same" else (t - 1) * s + k)
        return (input_shape[0], out, self.filters)

    def call(self, inputs):
        """conv2d_transpose on (batch, 1, steps, channels), bias, activation."""
        from .. import nn
        self._check_input(inputs, 3, self.kernel.shape[2], "batch, steps")
        n, t, c = inputs.shape
        out_t = self.compute_output_shape((n, t, c))[1]
        y = nn.conv2d_transpose(_core.reshape(inputs, [n, 1, t, c]),
                                _core.expand_dims(self.kernel, 0), [n, 1, out_t, self.filters],
                                self.strides, self.padding.upper())
        return self._finish(_core.reshape(y, [n, out_t, self.filters]))

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config: 1-D sizes)."""
        cfg = super().get_config()
        cfg.update(kernel_size=self.kernel_size[1:], strides=self.strides[1:])
        return cfg


class DepthwiseConv2D(_Conv):
    """Each input channel convolved with its own ``depth_multiplier`` filters, as Keras':
    ``depthwise_kernel`` (kh, kw, in, depth_multiplier), output channels in * depth_multiplier.
    Runs ``tapegrad.nn.depthwise_conv2d``."""

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_constraint=None, **kwargs):
        if isinstance(depth_multiplier, bool) or not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ValueError(f"DepthwiseConv2D: `depth_multiplier` must be a positive integer, got {depth_multiplier!r}")
        # filters is known once the input's channels are (build); 1 stands in for the check
        super().__init__(1, activation, use_bias, depthwise_initializer, bias_initializer, data_format,
                         kernel_constraint=depthwise_constraint, **kwargs)
        self.depthwise_constraint = self.kernel_constraint
        self.depth_multiplier = depth_multiplier
        self._window(kernel_size, strides, padding, dilation_rate)

    def build(self, input_shape):
        """Create ``depthwise_kernel`` (kh, kw, channels, depth_multiplier) and ``bias``."""
        _images_shape(input_shape, self._owner)
        c = int(input_shape[-1])
        self.filters = c * self.depth_multiplier
        self._make_weights(self.kernel_size + (c, self.depth_multiplier), "depthwise_kernel")
        self.depthwise_kernel = self.kernel

    def compute_output_shape(self, input_shape):
        """(batch, out height, out width, channels * depth_multiplier)."""
        h = _conv_out(input_shape[1], self.kernel_size[0], self.strides[0], self.dilation_rate[0], self.padding)
        w = _conv_out(input_shape[2], self.kernel_size[1], self.strides[1], self.dilation_rate[1], self.padding)
        return (input_shape[0], h, w, input_shape[3] * self.depth_multiplier)

    def call(self, inputs):
        """depthwise_conv2d, bias, activation."""
        from .. import nn
        self._check_input(inputs, 4, self.kernel.shape[2], "batch, height, width")
        return self._finish(nn.depthwise_conv2d(inputs, self.kernel, self.strides, self.padding.upper(),
                                                dilations=self.dilation_rate))

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.pop("filters")
        cfg["depthwise_initializer"] = cfg.pop("kernel_initializer")
        cfg["depthwise_constraint"] = cfg.pop("kernel_constraint")
        cfg["depth_multiplier"] = self.depth_multiplier
        return cfg


class SeparableConv2D(Conv2D):
    """A depthwise convolution, then a 1x1 convolution to ``filters`` channels, as Keras':
    ``depthwise_kernel`` (kh, kw, in, depth_multiplier), ``pointwise_kernel`` (1, 1, in *
    depth_multiplier, filters). Runs ``tapegrad.nn.separable_conv2d``."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_constraint=None, pointwise_constraint=None,
                 **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, pointwise_initializer, bias_initializer,
                         kernel_constraint=pointwise_constraint, **kwargs)
        self.pointwise_constraint = self.kernel_constraint
        self._set_constraints(depthwise_constraint=depthwise_constraint)
        if isinstance(depth_multiplier, bool) or not isinstance(depth_multiplier, int) or depth_multiplier <= 0:
            raise ValueError(f"{self._owner}: `depth_multiplier` must be a positive integer, got {depth_multiplier!r}")
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = _initializers.get(depthwise_initializer)
        self.depthwise_kernel = self.pointwise_kernel = None

    def build(self, input_shape):
        """Create ``depthwise_kernel``, ``pointwise_kernel`` and ``bias``."""
        _images_shape(input_shape, self._owner)
        c = int(input_shape[-1])
        self.depthwise_kernel = self.add_weight("depthwise_kernel", self.kernel_size + (c, self.depth_multiplier),
                                                self.depthwise_initializer,
                                                constraint=self.depthwise_constraint)
        self._make_weights((1, 1, c * self.depth_multiplier, self.filters), "pointwise_kernel")
        self.pointwise_kernel = self.kernel

    def call(self, inputs):
        """separable_conv2d, bias, activation."""
        from .. import nn
        self._check_input(inputs, 4, self.depthwise_kernel.shape[2], "batch, height, width")
        return self._finish(nn.separable_conv2d(inputs, self.depthwise_kernel, self.pointwise_kernel,
                                                self.strides, self.padding.upper(), dilations=self.dilation_rate))

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg["pointwise_initializer"] = cfg.pop("kernel_initializer")
        cfg["pointwise_constraint"] = cfg.pop("kernel_constraint")
        cfg["depthwise_constraint"] = _serialize_constraint(self.depthwise_constraint)
        cfg["depthwise_initializer"] = _initializers.serialize(self.depthwise_initializer)
        cfg["depth_multiplier"] = self.depth_multiplier
        return cfg


class _Pooling(Layer):
    """What the 1-D and 2-D pooling layers share: the options, the op call, the config."""
    _fn = None

    def __init__(self, pool_size, strides, padding, data_format, single, **kwargs):
        super().__init__(**kwargs)
        owner = f"{type(self).__name__} {self.name!r}"
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{owner}: only data_format='channels_last' is supported, got {data_format!r}")

        def size(v, what):
            if single:
                return _pair(v[0] if isinstance(v, (tuple, list)) and len(v) == 1 else v, what, owner)[0]
            return _pair(v, what, owner)
        self.pool_size = size(pool_size, "pool_size")
        self.strides = size(strides if strides is not None else self.pool_size, "strides")
        self.padding = _keras_padding(padding, owner)

    def call(self, inputs):
        """The pooling op."""
        from .. import nn
        return getattr(nn, self._fn)(inputs, self.pool_size, self.strides, self.padding.upper())

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(pool_size=self.pool_size, strides=self.strides, padding=self.padding,
                   data_format="channels_last")
        return cfg


class _Pooling2D(_Pooling):
    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, False, **kwargs)

    def build(self, input_shape):
        _images_shape(input_shape, f"{type(self).__name__} {self.name!r}")
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, out height, out width, channels) by the padding rule."""
        h = _conv_out(input_shape[1], self.pool_size[0], self.strides[0], 1, self.padding)
        w = _conv_out(input_shape[2], self.pool_size[1], self.strides[1], 1, self.padding)
        return (input_shape[0], h, w, input_shape[3])


class MaxPooling2D(_Pooling2D):
    """The maximum of each ``pool_size`` window (strides default to pool_size), as Keras'."""
    _fn = "max_pool2d"


class AveragePooling2D(_Pooling2D):
    """The mean of each ``pool_size`` window ('same' padding: over the positions inside the
    image), as Keras'."""
    _fn = "avg_pool2d"


class _Pooling1D(_Pooling):
    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, True, **kwargs)

    def build(self, input_shape):
        _steps_shape(input_shape, f"{type(self).__name__} {self.name!r}")
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, out steps, channels) by the padding rule."""
        return (input_shape[0], _conv_out(input_shape[1], self.pool_size, self.strides, 1, self.padding),
                input_shape[2])


class MaxPooling1D(_Pooling1D):
    """The maximum of each ``pool_size`` window of (batch, steps, channels), as Keras'."""
    _fn = "max_pool1d"


class AveragePooling1D(_Pooling1D):
    """The mean of each ``pool_size`` window of (batch, steps, channels), as Keras'."""
    _fn = "avg_pool1d"


def _global_reduce(x, reduce, axes, keepdims):
    """``reduce`` over ``axes``; a bool input's max is its any (Keras' GlobalMaxPooling of a
    bool input gives bool, as TF's reduce_max)."""
    if x.dtype.name == "bool" and reduce == "reduce_max":
        return _core.cast(_core.reduce_max(_core.cast(x, "uint8"), axes, keepdims=keepdims), "bool")
    return getattr(_core, reduce)(x, axes, keepdims=keepdims)


class _GlobalPooling(Layer):
    """What the global pooling layers share: a reduction over the spatial axes."""
    _reduce = None
    _axes = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{type(self).__name__}: only data_format='channels_last' is supported")
        self.keepdims = bool(keepdims)

    def call(self, inputs):
        """The reduction over the spatial axes."""
        return _global_reduce(inputs, self._reduce, self._axes, self.keepdims)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(data_format="channels_last", keepdims=self.keepdims)
        return cfg


class _GlobalPooling1D(_GlobalPooling):
    _axes = [1]

    def call(self, inputs, mask=None):
        """The reduction over the steps; with a mask, over the real steps only (average:
        their mean; max: their maximum), as Keras'."""
        if mask is None:
            return _GlobalPooling.call(self, inputs)
        keep = _core.expand_dims(_core.cast(mask, inputs.dtype), -1)
        if self._reduce == "reduce_mean":
            total = _core.reduce_sum(_core.multiply(inputs, keep), [1], keepdims=self.keepdims)
            count = _core.reduce_sum(keep, [1], keepdims=self.keepdims)
            return _core.divide(total, _core.maximum(count, 1.0))
        lowest = _core.multiply(_core.subtract(1.0, keep), -3.0e38 if inputs.dtype == float32
                                else -1.0e308)
        return _core.reduce_max(_core.add(inputs, lowest), [1], keepdims=self.keepdims)

    def build(self, input_shape):
        _steps_shape(input_shape, f"{type(self).__name__} {self.name!r}")
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, channels), or (batch, 1, channels) with keepdims."""
        return (input_shape[0], 1, input_shape[2]) if self.keepdims else (input_shape[0], input_shape[2])


class GlobalAveragePooling1D(_GlobalPooling1D):
    """The mean over the steps of (batch, steps, channels) inputs, as Keras'."""
    _reduce = "reduce_mean"


class GlobalMaxPooling1D(_GlobalPooling1D):
    """The maximum over the steps of (batch, steps, channels) inputs, as Keras'."""
    _reduce = "reduce_max"


def _edge_pairs(value, n, owner, what):
    """Keras' amounts at the two ends of ``n`` spatial axes: an int (all ends), ``n`` ints
    (both ends of each axis), or ``n`` pairs; for n = 1 also one pair. A tuple of pairs."""
    try:
        if isinstance(value, int):
            pairs = ((value, value),) * n
        elif n == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
            pairs = (tuple(value),)
        elif all(isinstance(v, int) for v in value):
            pairs = tuple((v, v) for v in value)
        else:
            pairs = tuple(tuple(int(v) for v in p) for p in value)
        assert len(pairs) == n and all(len(p) == 2 and min(p) >= 0 for p in pairs)
    except (TypeError, ValueError, AssertionError):
        shapes = "an int or a pair of non-negative ints" if n == 1 else \
            "an int, a pair of ints or a pair of pairs of non-negative ints"
        raise ValueError(f"{owner}: `{what}` must be {shapes}, got {value!r}") from None
    return pairs


class ZeroPadding2D(Layer):
    """Zero rows and columns around (batch, height, width, channels) images, as Keras':
    ``padding`` an int, (rows, columns), or ((top, bottom), (left, right))."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = f"ZeroPadding2D {self.name!r}"
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{owner}: only data_format='channels_last' is supported, got {data_format!r}")
        self.padding = _edge_pairs(padding, 2, owner, "padding")

    def build(self, input_shape):
        _images_shape(input_shape, f"ZeroPadding2D {self.name!r}")
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, height + top + bottom, width + left + right, channels)."""
        (t, b), (l, r) = self.padding
        grow = lambda d, n: None if d is None else d + n  # noqa: E731
        return (input_shape[0], grow(input_shape[1], t + b), grow(input_shape[2], l + r), input_shape[3])

    def call(self, inputs):
        """One pad op."""
        (t, b), (l, r) = self.padding
        return _core._pad(inputs, [0, t, l, 0], [0, b, r, 0])

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(padding=self.padding, data_format="channels_last")
        return cfg


class UpSampling2D(Layer):
    """Images enlarged ``size[0]`` times in height and ``size[1]`` times in width, as Keras':
    ``interpolation='nearest'`` (default) repeats each row and column; 'bilinear', 'bicubic',
    'lanczos3' and 'lanczos5' are ``tf.image.resize`` to the new size with that method."""

    _INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        owner = f"UpSampling2D {self.name!r}"
        if data_format not in (None, "channels_last"):
            raise ValueError(f"{owner}: only data_format='channels_last' is supported, got {data_format!r}")
        interpolation = interpolation.lower() if isinstance(interpolation, str) else interpolation
        if interpolation not in self._INTERPOLATIONS:
            raise ValueError(f"{owner}: `interpolation` must be one of {list(self._INTERPOLATIONS)}, "
                             f"got {interpolation!r}")
        self.interpolation = interpolation
        self.size = _pair(size, "size", owner)

    def build(self, input_shape):
        _images_shape(input_shape, f"UpSampling2D {self.name!r}")
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, height * size[0], width * size[1], channels)."""
        grow = lambda d, k: None if d is None else d * k  # noqa: E731
        return (input_shape[0], grow(input_shape[1], self.size[0]), grow(input_shape[2], self.size[1]),
                input_shape[3])

    def call(self, inputs):
        """'nearest': a broadcast over two new axes, read back as the bigger image (its
        gradient sums the copies); otherwise ``image.resize`` (recorded ops too)."""
        n, h, w, c = inputs.shape
        a, b = self.size
        if self.interpolation != "nearest":
            from .. import image
            return image.resize(inputs, [h * a, w * b], method=self.interpolation)
        x = _core.reshape(inputs, [n, h, 1, w, 1, c])
        x = _core.broadcast_to(x, [n, h, a, w, b, c])
        return _core.reshape(x, [n, h * a, w * b, c])

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(size=self.size, data_format="channels_last", interpolation=self.interpolation)
        return cfg


class _GlobalPooling2D(_GlobalPooling):
    _axes = [1, 2]

    def build(self, input_shape):
        _images_shape(input_shape, f"{type(self).__name__} {self.name!r}")
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, channels), or (batch, 1, 1, channels) with keepdims."""
        return (input_shape[0], 1, 1, input_shape[3]) if self.keepdims else (input_shape[0], input_shape[3])


class GlobalAveragePooling2D(_GlobalPooling2D):
    """The mean over height and width of (batch, height, width, channels) inputs, as Keras'."""
    _reduce = "reduce_mean"


class GlobalMaxPooling2D(_GlobalPooling2D):
    """The maximum over height and width of (batch, height, width, channels) inputs, as Keras'."""
    _reduce = "reduce_max"


class Dropout(Layer):
    """Sets each input to 0 with probability ``rate`` (the others scaled by 1 / (1 - rate))
    when called with ``training=True`` (as ``fit`` does); the identity otherwise, as Keras'."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        rate = float(rate)
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float value "
                             f"between 0 and 1. Received: rate={rate}")
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed

    def call(self, inputs, training=None):
        """``nn.dropout`` in training, else the inputs."""
        if not training or self.rate == 0.0:
            return inputs
        if self.rate == 1.0:
            return _core.multiply(inputs, 0.0)
        from .. import nn
        shape = None
        if self.noise_shape is not None:
            shape = [inputs.shape[i] if d is None else int(d) for i, d in enumerate(self.noise_shape)]
        return nn.dropout(inputs, self.rate, noise_shape=shape, seed=self.seed)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)
        return cfg


class BatchNormalization(Layer):
    """Normalizes each feature of ``axis`` (default the last), as Keras':
    ``gamma * (x - mean) / sqrt(var + epsilon) + beta``. With ``training=True`` (as ``fit``
    calls it) mean and var are the batch's over every other axis (the biased variance, as
    Keras 3), and the moving averages move towards them (``moving = moving * momentum +
    batch * (1 - momentum)``); otherwise the moving averages are used. Weights: gamma, beta
    (trainable), moving_mean, moving_variance."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise ValueError(f"BatchNormalization: `axis` must be an int, got {axis!r}")
        self._set_constraints(beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self._inits = (beta_initializer, gamma_initializer, moving_mean_initializer, moving_variance_initializer)
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        """Create gamma, beta, moving_mean and moving_variance of the axis' size."""
        rank = len(input_shape)
        axis = self.axis + rank if self.axis < 0 else self.axis
        if not 0 <= axis < rank or input_shape[axis] is None:
            raise ValueError(f"BatchNormalization {self.name!r}: axis {self.axis} is not a known dimension "
                             f"of inputs of shape {tuple(input_shape)}")
        self._axis = axis
        self._built_shape = tuple(input_shape)  # also when build() is called by hand
        n = (int(input_shape[axis]),)
        beta_i, gamma_i, mean_i, var_i = self._inits
        if self.scale:
            self.gamma = self.add_weight("gamma", n, gamma_i, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight("beta", n, beta_i, constraint=self.beta_constraint)
        self.moving_mean = self.add_weight("moving_mean", n, mean_i, trainable=False)
        self.moving_variance = self.add_weight("moving_variance", n, var_i, trainable=False)
        self.built = True

    def call(self, inputs, training=None):
        """Normalize with the batch's moments (training) or the moving ones. A frozen layer
        (``trainable=False``) always runs in inference mode, as Keras 3's: the moving
        statistics normalize and stay as they are (fine-tuning)."""
        from .. import nn
        rank = inputs.ndim
        if rank != len(self._built_shape) or inputs.shape[self._axis] != self.moving_mean.shape[0]:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected "
                             f"shape {self._built_shape}, but received input with shape {tuple(inputs.shape)}")
        shape = [1] * rank
        shape[self._axis] = inputs.shape[self._axis]
        if training and self.trainable:
            axes = [d for d in range(rank) if d != self._axis]
            mean, var = nn.moments(inputs, axes)
            m = self.momentum
            from ..math import _no_tape
            with _no_tape():  # the moving averages are state, not part of the computation
                self.moving_mean.assign(self.moving_mean * m + mean * (1.0 - m))
                self.moving_variance.assign(self.moving_variance * m + var * (1.0 - m))
        else:
            mean, var = self.moving_mean, self.moving_variance
        from ..math import rsqrt
        inv = rsqrt(_core.add(var, self.epsilon))
        if self.gamma is not None:
            inv = _core.multiply(inv, self.gamma)
        y = _core.multiply(_core.subtract(inputs, _core.reshape(mean, shape)), _core.reshape(inv, shape))
        if self.beta is not None:
            y = _core.add(y, _core.reshape(self.beta, shape))
        return y

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(axis=self.axis, momentum=self.momentum, epsilon=self.epsilon, center=self.center,
                   scale=self.scale, beta_constraint=_serialize_constraint(self.beta_constraint),
                   gamma_constraint=_serialize_constraint(self.gamma_constraint))
        for key, init in zip(("beta_initializer", "gamma_initializer", "moving_mean_initializer",
                              "moving_variance_initializer"), self._inits):
            cfg[key] = _initializers.serialize(_initializers.get(init))
        return cfg


class LayerNormalization(Layer):
    """Normalizes each example over ``axis`` (default the last; an int or a list), as Keras':
    ``gamma * (x - mean) / sqrt(var + epsilon) + beta`` with the example's own mean and
    (biased) variance; gamma and beta have the shape of those axes."""

    def __init__(self, axis=-1, epsilon=0.001, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.axis = [axis] if isinstance(axis, int) else list(axis)
        self._set_constraints(beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self._inits = (beta_initializer, gamma_initializer)
        self.gamma = self.beta = None

    def build(self, input_shape):
        """Create gamma and beta of the normalized axes' shape."""
        rank = len(input_shape)
        axes = sorted(a + rank if a < 0 else a for a in self.axis)
        if any(not 0 < a < rank or input_shape[a] is None for a in axes) or len(set(axes)) != len(axes):
            raise ValueError(f"LayerNormalization {self.name!r}: axis {self.axis} must name known, distinct, "
                             f"non-batch dimensions of inputs of shape {tuple(input_shape)}")
        self._axes = axes
        self._rank = rank  # also when build() is called by hand
        shape = tuple(int(input_shape[a]) for a in axes)
        if self.scale:
            self.gamma = self.add_weight("gamma", shape, self._inits[1], constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight("beta", shape, self._inits[0], constraint=self.beta_constraint)
        self.built = True

    def call(self, inputs):
        """(x - mean) / sqrt(var + epsilon), scaled and shifted."""
        from .. import nn
        from ..math import rsqrt
        rank = inputs.ndim
        if rank != self._rank:
            raise ValueError(f"Input 0 of layer {self.name!r} is incompatible with the layer: expected "
                             f"rank {self._rank}, but received input with shape {tuple(inputs.shape)}")
        mean, var = nn.moments(inputs, self._axes, keepdims=True)
        y = _core.multiply(_core.subtract(inputs, mean), rsqrt(_core.add(var, self.epsilon)))
        shape = [inputs.shape[d] if d in self._axes else 1 for d in range(rank)]
        if self.gamma is not None:
            y = _core.multiply(y, _core.reshape(self.gamma, shape))
        if self.beta is not None:
            y = _core.add(y, _core.reshape(self.beta, shape))
        return y

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(axis=self.axis, epsilon=self.epsilon, center=self.center, scale=self.scale,
                   beta_initializer=_initializers.serialize(_initializers.get(self._inits[0])),
                   gamma_initializer=_initializers.serialize(_initializers.get(self._inits[1])),
                   beta_constraint=_serialize_constraint(self.beta_constraint),
                   gamma_constraint=_serialize_constraint(self.gamma_constraint))
        return cfg


class Embedding(Layer):
    """Rows of an (input_dim, output_dim) ``embeddings`` matrix picked by integer indices, as
    Keras': inputs (batch, ...) give (batch, ..., output_dim). Float inputs (a Sequential
    hands its inputs over as float32) are cast to int32: exact for indices below 2**24. An
    index outside [0, input_dim) raises InvalidArgumentError, as TF on CPU. The gradient is
    dense (the rows not picked get zeros)."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", mask_zero=False,
                 embeddings_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self._set_constraints(embeddings_constraint=embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self._makes_mask = self.mask_zero
        for what, v in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                raise ValueError(f"Embedding: `{what}` must be a positive integer, got {v!r}")
        self.input_dim, self.output_dim = input_dim, output_dim
        init = embeddings_initializer
        self.embeddings_initializer = _initializers.get("random_uniform" if init == "uniform" else init)
        self.embeddings = None

    def build(self, input_shape):
        """Create ``embeddings`` (input_dim, output_dim)."""
        self.embeddings = self.add_weight("embeddings", (self.input_dim, self.output_dim),
                                          self.embeddings_initializer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def compute_output_shape(self, input_shape):
        """input_shape + (output_dim,)."""
        return tuple(input_shape) + (self.output_dim,)

    def compute_mask(self, inputs, mask=None):
        """With ``mask_zero``: True where the index is not 0 (index 0 is padding)."""
        if not self.mask_zero:
            return None
        from .._convert import as_tensor
        ids = as_tensor(inputs, None, f"{self.name}.compute_mask: inputs")  # numpy ints keep their dtype
        if ids.dtype.name == "bool":
            ids = _core.cast(ids, "int32")
        return _core.not_equal(ids, _core._constant(0, ids.dtype))

    def __call__(self, inputs, training=None, mask=None):
        """Indices keep (or become) an integer dtype, not the layer's float dtype."""
        if _functional.is_symbolic(inputs):
            return Layer.__call__(self, inputs, training=training)
        x = inputs.read_value() if isinstance(inputs, _core.Variable) else inputs
        if not isinstance(x, _core.Tensor):
            x = _core._constant(_np.asarray(x), None, f"layer {self.name!r}")
        if x.dtype.name not in ("int32", "int64"):  # uint8, bool, floats: int32, as Keras
            x = _core.cast(x, "int32")
        if not self.built:
            self._maybe_build(tuple(x.shape))
        return self.call(x)

    def call(self, inputs):
        """One gather."""
        return _core.gather(self.embeddings, inputs)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(input_dim=self.input_dim, output_dim=self.output_dim, mask_zero=self.mask_zero,
                   embeddings_initializer=_initializers.serialize(self.embeddings_initializer),
                   embeddings_constraint=_serialize_constraint(self.embeddings_constraint))
        return cfg


class Reshape(Layer):
    """Reshapes each example to ``target_shape`` (one entry may be -1), as Keras'."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1 or any(d < -1 or d == 0 for d in self.target_shape):
            raise ValueError(f"Reshape: `target_shape` may hold one -1 and positive sizes, got {target_shape!r}")

    def compute_output_shape(self, input_shape):
        """(batch,) + target_shape, the -1 resolved."""
        shape = list(self.target_shape)
        if -1 in shape and all(d is not None for d in input_shape[1:]):
            total = 1
            for d in input_shape[1:]:
                total *= d
            known = 1
            for d in shape:
                if d != -1:
                    known *= d
            shape[shape.index(-1)] = total // known
        return (input_shape[0],) + tuple(shape)

    def call(self, inputs):
        """One reshape op."""
        return _core.reshape(inputs, [inputs.shape[0]] + list(self.target_shape))

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(target_shape=self.target_shape)
        return cfg


class InputLayer(Layer):
    """The input of a model: ``shape`` without the batch dimension (or ``batch_shape`` with
    it). ``output`` is the symbolic :class:`KerasTensor` a functional model starts from;
    ``keras.Input`` returns it, and a Sequential takes either as its first entry."""

    def __init__(self, shape=None, batch_size=None, input_shape=None, batch_shape=None,
                 **kwargs):
        if batch_shape is not None:
            batch_shape = tuple(batch_shape)
            batch_size, shape = batch_shape[0], batch_shape[1:]
        shape = shape if shape is not None else input_shape
        if shape is None:
            raise ValueError("InputLayer needs a `shape`")
        if isinstance(shape, int):
            shape = (shape,)
        super().__init__(**kwargs)
        self.shape = tuple(shape)
        self.batch_size = batch_size
        self.input_shape = (batch_size,) + self.shape
        self.output_shape = self.input_shape
        self.built = True
        self.output = _functional.KerasTensor(self.input_shape, self.dtype, name=self.name,
                                              layer=self)

    def get_config(self):
        """``batch_shape`` (the batch size first, None when free), ``dtype`` and ``name``, as
        Keras 3's InputLayer."""
        return {"batch_shape": self.input_shape, "dtype": self.dtype.name, "name": self.name}

    def get_build_config(self):
        """None: an InputLayer is built by its constructor."""
        return None


Input = _functional.Input


from .recurrent import SimpleRNN, LSTM, GRU, SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells, RNN  # noqa: E402,E501 (they subclass Layer)

__all__ += ["SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "RNN"]
from .merging import (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate,  # noqa: E402
                      Dot, Lambda, TimeDistributed, Bidirectional)

__all__ += ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
            "Lambda", "TimeDistributed", "Bidirectional"]
from .attention import MultiHeadAttention, Attention, AdditiveAttention  # noqa: E402

__all__ += ["MultiHeadAttention", "Attention", "AdditiveAttention"]
from .activation_layers import ReLU, LeakyReLU, PReLU, ELU, Softmax  # noqa: E402

__all__ += ["ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"]
from .reshaping import ZeroPadding1D, UpSampling1D, Cropping1D, Cropping2D, RepeatVector, Permute  # noqa: E402
from .preprocessing import (Rescaling, Normalization, GaussianNoise, GaussianDropout,  # noqa: E402
                            SpatialDropout1D, SpatialDropout2D, SpatialDropout3D, Identity,
                            Resizing, CenterCrop, RandomFlip, CategoryEncoding, Discretization)

__all__ += ["ZeroPadding1D", "UpSampling1D", "Cropping1D", "Cropping2D", "RepeatVector", "Permute",
            "Rescaling", "Normalization", "GaussianNoise", "GaussianDropout", "SpatialDropout1D",
            "SpatialDropout2D", "SpatialDropout3D", "Identity", "Resizing", "CenterCrop",
            "RandomFlip", "CategoryEncoding", "Discretization"]
from .lookup import IntegerLookup  # noqa: E402

__all__ += ["IntegerLookup"]

from .augmentation import (RandomRotation, RandomZoom, RandomTranslation, RandomCrop,  # noqa: E402
                           RandomContrast, RandomBrightness)

__all__ += ["RandomRotation", "RandomZoom", "RandomTranslation", "RandomCrop", "RandomContrast",
            "RandomBrightness"]

from .normalization import GroupNormalization, UnitNormalization, RMSNormalization  # noqa: E402

__all__ += ["GroupNormalization", "UnitNormalization", "RMSNormalization"]
from .einsum_dense import EinsumDense  # noqa: E402

__all__ += ["EinsumDense"]


class Masking(Layer):
    """Marks the timesteps whose features all equal ``mask_value`` as padding: the output is
    the input with those steps set to 0, and its mask (True for the other steps) goes to the
    layers after it (RNNs skip masked steps, GlobalAveragePooling1D leaves them out)."""

    supports_masking = True
    _makes_mask = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)

    def compute_mask(self, inputs, mask=None):
        """True where any feature of the step differs from ``mask_value``."""
        return _core.reduce_any(_core.not_equal(inputs, self.mask_value), [-1])

    def call(self, inputs):
        """The inputs with the masked steps zeroed."""
        keep = _core.cast(self.compute_mask(inputs), inputs.dtype)
        return _core.multiply(inputs, _core.expand_dims(keep, -1))

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(mask_value=self.mask_value)
        return cfg


# Keras' layers that pass their input's mask on unchanged (elementwise in time).
for _cls in (Dense, Activation, Dropout, BatchNormalization, LayerNormalization, ReLU, LeakyReLU,
             PReLU, ELU, Softmax, Rescaling, GaussianNoise, GaussianDropout, SpatialDropout1D,
             Identity, TimeDistributed):
    _cls.supports_masking = True
del _cls

__all__ += ["Masking"]


# Keras' other names for the same layers.
Convolution1D, Convolution2D, Convolution1DTranspose, Convolution2DTranspose = (
    Conv1D, Conv2D, Conv1DTranspose, Conv2DTranspose)
MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D = (MaxPooling1D, MaxPooling2D, AveragePooling1D,
                                              AveragePooling2D)
GlobalMaxPool1D, GlobalMaxPool2D, GlobalAvgPool1D, GlobalAvgPool2D = (
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D)

__all__ += ["Conv1DTranspose", "Convolution1D", "Convolution2D", "Convolution1DTranspose",
            "Convolution2DTranspose", "MaxPool1D", "MaxPool2D", "AvgPool1D", "AvgPool2D",
            "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalAvgPool1D", "GlobalAvgPool2D"]

from .conv3d import (Conv3D, Conv3DTranspose, MaxPooling3D, AveragePooling3D,  # noqa: E402
                     GlobalMaxPooling3D, GlobalAveragePooling3D, UpSampling3D, ZeroPadding3D,
                     Cropping3D, DepthwiseConv1D, SeparableConv1D, Convolution3D,
                     Convolution3DTranspose, MaxPool3D, AvgPool3D, GlobalMaxPool3D, GlobalAvgPool3D,
                     SeparableConvolution1D)

SeparableConvolution2D = SeparableConv2D
__all__ += ["Conv3D", "Conv3DTranspose", "MaxPooling3D", "AveragePooling3D", "GlobalMaxPooling3D",
            "GlobalAveragePooling3D", "UpSampling3D", "ZeroPadding3D", "Cropping3D", "DepthwiseConv1D",
            "SeparableConv1D", "Convolution3D", "Convolution3DTranspose", "MaxPool3D", "AvgPool3D",
            "GlobalMaxPool3D", "GlobalAvgPool3D", "SeparableConvolution1D", "SeparableConvolution2D"]


# Shape-only layers: an int input stays int (Keras casts floating inputs only).
Flatten._keep_int_inputs = Reshape._keep_int_inputs = InputLayer._keep_int_inputs = True
# Layers whose Keras ops keep an int input's dtype (relu / linear, max pooling, padding,
# nearest upsampling, inference dropout): Keras casts floating inputs only, so a uint8 image
# stays uint8 (an activation Keras' TF ops refuse on ints, e.g. sigmoid, fails on them here too).
for _cls in (Activation, MaxPooling1D, MaxPooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D,
             ZeroPadding2D, UpSampling2D, Dropout):
    _cls._keep_int_inputs = True
del _cls
