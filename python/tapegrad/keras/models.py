"""tapegrad.keras.models: ``Model`` (subclassed or functional) and ``Sequential``, with Keras'
compile / fit / evaluate / predict.

A training step is ``with GradientTape(): loss = loss_fn(y, model(x))``, ``tape.gradient``,
``optimizer.apply_gradients``: every op of it runs in C++. The data are converted once per
fit (to float32; int and bool inputs keep their dtype, as Keras); batches become tensors
once (once per fit without shuffling, once per epoch with it), never per op.
"""

import sys
import warnings as _warnings

import numpy as _np

from .. import _core
from .. import random as _random
from ..dtypes import float32
from ..tape import GradientTape
from . import callbacks as _callbacks
from . import layers as _layers
from . import losses as _losses
from . import metrics as _metrics
from . import optimizers as _optimizers
from . import functional as _functional
from ..data import Dataset as _Dataset
from ..module import _attribute_children, _leaves

__all__ = ["Model", "Sequential", "load_model", "save_model", "clone_model", "model_from_json"]


def _as_array(x, name, keep_ints=False):
    """A numpy array for a dataset, converted once: float32 (tensors, lists, float64 and
    int arrays all become float32). With ``keep_ints`` (the inputs ``x``), int and bool data
    keep their dtype and only floating data become float32, as Keras' data adapter (it
    casts floats to floatx only); the model then converts them as its own call does (a
    Sequential or functional model to its Input's dtype, a subclassed model's ``call``
    gets them as they are)."""
    if x is None:
        return None
    if isinstance(x, (_core.Tensor, _core.Variable)):
        x = x.numpy()
    arr = _np.asarray(x)
    if arr.dtype == object:
        raise ValueError(f"{name}: could not convert the data to a numeric array")
    if keep_ints and arr.dtype.kind in "iub":
        # tapegrad has no uint64 (_constant widens the other small ints itself)
        return _np.ascontiguousarray(arr, dtype=_np.int64 if arr.dtype == _np.uint64 else None)
    return _np.ascontiguousarray(arr, dtype=_np.float32)


def _batch_tensor(a):
    """A tensor of an array from ``_as_array``: float32, or int / bool as it is."""
    return _core._constant(a, float32 if a.dtype.kind == "f" else None)



def _metric_value(m):
    """A metric's result for the logs: a float, or a numpy array for a vector result (F1Score
    with ``average=None``, Precision with a list of thresholds), as Keras' History holds."""
    r = m.result()
    return float(r) if not r.shape else r.numpy()

def _as_data(x, name, keep_ints=False):
    """``_as_array`` for one input, or for each array of several (a list / tuple / dict of
    arrays for a model of several inputs, as Keras takes them)."""
    if _layers._is_structure(x):
        return _functional._map(lambda a: _as_array(a, name, keep_ints), x)
    return _as_array(x, name, keep_ints)


def _is_int_or_bool(x):
    """Whether ``x`` (a Tensor, an array, Python data) holds ints or bools."""
    dtype = getattr(x, "dtype", None)
    if isinstance(dtype, _np.dtype):
        return dtype.kind in "iub"
    if dtype is not None and hasattr(dtype, "is_floating"):
        return not dtype.is_floating and not getattr(dtype, "is_complex", False) \
            and dtype.name != "string"
    return _layers._is_int_data(x)


def _first_leaf_shape(x):
    """The shape of ``x`` (a Tensor, an array or Python data)."""
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else _np.shape(x)


def _first_leaf(x):
    leaves = []
    _leaves(x, leaves)
    return leaves[0] if leaves else None


def _num_rows(x):
    """The number of samples of an array or of a structure of arrays (all must agree)."""
    leaves = []
    _leaves(x, leaves)
    sizes = {len(a) for a in leaves}
    if len(sizes) > 1:
        raise ValueError(f"Data cardinality is ambiguous: the input arrays have "
                         f"{sorted(sizes)} samples. Make sure all arrays contain the same number "
                         "of samples.")
    return sizes.pop() if sizes else 0


def _map_rows(x, rows):
    """``x[rows]`` for an array or for each array of a structure."""
    return _functional._map(lambda a: a[rows], x)


def _class_weights(ys, class_weight):
    """Keras' class_weight as per-sample weights: each sample's class (its label, or the
    argmax of a one-hot row) looks up its weight; classes missing from the dict weigh 1."""
    if not isinstance(class_weight, dict):
        raise ValueError(f"fit: `class_weight` must be a dict mapping class indices to weights, "
                         f"got {type(class_weight).__name__}")
    y = ys
    if y.ndim > 1:
        y = y.reshape(len(y)) if y.shape[-1] == 1 and y.ndim == 2 else y
        if y.ndim == 2:
            y = _np.argmax(y, axis=-1)
    if y.ndim != 1:
        raise ValueError(f"fit: `class_weight` needs one label (or one-hot row) per sample, got "
                         f"targets of shape {ys.shape}")
    classes = _np.round(y).astype(_np.int64)
    out = _np.ones(len(classes), dtype=_np.float32)
    for cls, weight in class_weight.items():
        out[classes == int(cls)] = float(weight)
    return out


class _DatasetFeed:
    """fit / evaluate / predict on a ``tapegrad.data.Dataset``, as Keras takes one: each
    element is a batch ``(x, y)`` or ``(x, y, sample_weight)`` (predict: ``x`` alone too), so
    ``y``, ``batch_size`` and ``sample_weight`` must not be given. ``epoch()`` yields the
    ``(xb, yb, wb, mb, nb)`` tuples the array path's ``_batches`` makes: a new pass over the
    dataset per epoch, or with ``steps`` (``steps_per_epoch``) ``steps`` batches from one
    iterator that carries over between epochs; when it runs out, training stops (Keras)."""

    @classmethod
    def make(cls, model, where, x, y, batch_size, sample_weight, steps, validation_split=0.0,
             distributed=False):
        """None unless ``x`` is a Dataset; else the feed, after Keras' argument checks."""
        if not isinstance(x, _Dataset):
            return None
        for arg, value in (("y", y), ("sample_weight", sample_weight)):
            if value is not None:
                raise ValueError(f"{where}: the `{arg}` argument is not supported when using a "
                                 f"Dataset as input (its elements carry it)")
        if batch_size is not None:
            raise ValueError(f"{where}: the `batch_size` argument must not be specified when x "
                             f"is a Dataset (its elements are batches); got batch_size={batch_size!r}")
        if validation_split:
            raise ValueError(f"{where}: `validation_split` is only supported for arrays and "
                             f"tensors, not for a Dataset")
        if distributed:
            raise ValueError(f"{where}: distributed=True takes arrays, not a Dataset")
        if steps is not None and (isinstance(steps, bool) or int(steps) != steps or steps < 1):
            raise ValueError(f"{where}: steps must be a positive integer, got {steps!r}")
        return cls(model, where, x, None if steps is None else int(steps))

    def __init__(self, model, where, ds, steps):
        self.model, self.where, self.ds, self.limit = model, where, ds, steps
        card = ds._card
        if card == -1 and steps is None:
            raise ValueError(f"{where}: When providing an infinite dataset, you must specify the "
                             f"number of steps to run (steps_per_epoch / steps)")
        self.steps = steps if steps is not None else (card if card >= 0 else None)
        self._it = iter(ds)
        self._pending = next(self._it, None)
        self._fresh = True
        if self._pending is None:
            raise ValueError(f"{where}: Expected input data to be non-empty (the Dataset has no "
                             f"elements)")
        first = self._split(self._pending)
        self.x0 = _functional._map(lambda t: t.numpy(), first[0])
        self.y0 = None if first[1] is None else first[1].numpy()
        self.count = 0

    def _split(self, element):
        if isinstance(element, tuple) and 1 <= len(element) <= 3:
            parts = list(element) + [None] * (3 - len(element))
        elif self.where == "predict" and not isinstance(element, (tuple, dict)):
            parts = [element, None, None]
        else:
            parts = None
        if parts is None or (self.where != "predict" and parts[1] is None):
            raise ValueError(f"{self.where}: a Dataset must yield (x, y) or (x, y, sample_weight) "
                             f"tuples, got an element of type {type(element).__name__}")
        # x keeps int / bool data as they are (Keras: only floats become floatx)
        return [None if p is None else self._float(p, i == 0) for i, p in enumerate(parts)]

    @staticmethod
    def _float(t, keep_ints=False):
        if isinstance(t, (tuple, list, dict)):  # the inputs of a model of several inputs
            return _functional._map(lambda v: _DatasetFeed._float(v, keep_ints), t)
        if isinstance(t, _core.Tensor) and (t.dtype == float32
                                            or (keep_ints and not t.dtype.is_floating)):
            return t
        return _batch_tensor(_as_array(t, "x", keep_ints))

    def epoch(self, loss_fn=None):
        """One epoch's batches (a generator; ``count`` is how many it gave)."""
        dense = loss_fn is not None and loss_fn is not self.model.loss
        if self.limit is None and not self._fresh:
            self._it = iter(self.ds)
            self._pending = next(self._it, None)
        self._fresh = False
        return self._run(dense)

    def _run(self, dense):
        self.count = 0
        depth = int(self.model(_map_rows(self.x0, slice(0, 1))).shape[-1]) if dense else None
        while self._pending is not None and (self.limit is None or self.count < self.limit):
            xb, yb, wb = self._split(self._pending)
            self._pending = next(self._it, None)
            mb = None
            if dense:  # sparse labels for SparseCategoricalCrossentropy, as _dense_targets
                mb, yb = yb, _losses._one_hot(yb.numpy(), depth, float32)
            self.count += 1
            yield xb, yb, wb, mb, int(_first_leaf(xb).shape[0])
        if self._pending is None and self.limit is not None and self.where == "fit":
            import warnings
            warnings.warn(f"fit: the Dataset ran out of data after {self.count} steps of this "
                          f"epoch; interrupting training (give it repeat(), or fewer steps_per_epoch "
                          f"x epochs)", stacklevel=3)
            self.model.stop_training = True


def _validation_args(data, batch_size):
    """evaluate's arguments for fit's validation_data: a Dataset, or (x, y[, sample_weight])."""
    if isinstance(data, _Dataset):
        return {"x": data}
    return {"x": data[0], "y": data[1], "batch_size": batch_size,
            "sample_weight": data[2] if len(data) > 2 else None}


def _as_loss(identifier):
    """A Loss from a name, a Loss or a per-sample function (compile's ``loss``)."""
    loss = _losses._get_instance(identifier)
    return loss if isinstance(loss, _losses.Loss) else _FunctionLoss(loss)


class _MultiOutputLoss(_losses.Loss):
    """compile's loss for a model of several outputs, as Keras: one loss for every output,
    or a list (output order) / dict (output layer names) of them, optional ``loss_weights``
    (list or dict); the result is the weighted sum. ``y`` is a list or dict like the
    outputs."""

    def __init__(self, model, loss, loss_weights):
        super().__init__(name="loss")
        owner = f"Model {model.name!r}.compile"
        if model._graph is not None:
            names = [t._keras_history[0].name for t in model.outputs]
        elif isinstance(loss, (list, tuple)):  # a subclassed model: outputs by position
            names = [f"output_{i + 1}" for i in range(len(loss))]
        else:
            raise ValueError(f"{owner}: a dict of losses needs a functional model (its outputs "
                             "have names); give a subclassed model's losses as a list")
        self.names = names
        self.losses = self._per_output(loss, names, owner, "loss", _as_loss, None)
        weights = 1.0 if loss_weights is None else loss_weights
        self.weights = self._per_output(weights, names, owner, "loss_weights", float, 1.0)

    @staticmethod
    def _per_output(value, names, owner, what, convert, missing):
        if isinstance(value, dict):
            unknown = set(value) - set(names)
            if unknown:
                raise ValueError(f"{owner}: `{what}` names {sorted(unknown)}, which are not "
                                 f"outputs of the model; its outputs are {names}")
            return [missing if value.get(n) is None else convert(value[n]) for n in names]
        if isinstance(value, (list, tuple)):
            if len(value) != len(names):
                raise ValueError(f"{owner}: `{what}` has {len(value)} entries for a model of "
                                 f"{len(names)} outputs {names}")
            return [missing if v is None else convert(v) for v in value]
        return [convert(value)] * len(names)

    def _ordered(self, values, what):
        if isinstance(values, dict):
            missing = [n for n in self.names if n not in values]
            if missing:
                raise ValueError(f"{what} for the outputs {missing} are missing; the model's "
                                 f"outputs are {self.names}")
            return [values[n] for n in self.names]
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        if len(values) != len(self.names):
            raise ValueError(f"{what}: expected {len(self.names)} (one per output "
                             f"{self.names}), got {len(values)}")
        return values

    def __call__(self, y_true, y_pred, sample_weight=None, masks=None):
        """The weighted sum of the outputs' losses; ``masks`` (one per output, or None) are
        the outputs' padding masks. Each output's own loss (before its weight) is kept in
        ``last_values`` for the '<output>_loss' logs."""
        total = None
        masks = _per_output_masks(masks, len(self.names))
        self.last_values = values = [None] * len(self.names)
        for i, (loss, w, t, p) in enumerate(zip(self.losses, self.weights, self._ordered(y_true, "targets"),
                                                self._ordered(y_pred, "predictions"))):
            if loss is None:
                continue
            values[i] = value = loss._call_with_mask(t, p, sample_weight, masks[i])
            if w != 1.0:
                value = _core.multiply(value, w)
            total = value if total is None else _core.add(total, value)
        return total


def _per_output_masks(masks, n):
    """A model's output mask(s) (None, one mask, or a list with one entry per output) as a
    list of n entries."""
    if masks is None:
        return [None] * n
    if isinstance(masks, list):
        return masks
    return [masks] * n if n == 1 else [masks] + [None] * (n - 1)


def _output_names(model, loss):
    """The names compile gives a model's outputs: a functional model's output layers', else
    'output_1', ... for as many as a list of losses has (a subclassed model)."""
    if isinstance(loss, _MultiOutputLoss):
        return loss.names if len(loss.names) > 1 else None
    if model._graph is not None and len(model.outputs) > 1:
        return [t._keras_history[0].name for t in model.outputs]
    return None


def _compile_metrics(owner, given, arg, names):
    """compile's ``metrics`` / ``weighted_metrics``: a list of (Metric, output index or None).
    With several outputs (``names``), as Keras: a dict by output name or a list with one
    entry (a metric or a list of them, or None) per output; a flat list of names or
    functions applies each to every output. A metric of one output logs as
    '<output>_<name>'."""
    if given is None:
        return []
    if names is None:
        if not isinstance(given, (list, tuple)):
            raise TypeError(f"Expected `{arg}` argument to be a list or tuple. Received "
                            f"instead: {arg}={given!r} of type {type(given).__name__}")
        return [(_metrics._compile_metric(m), None) for m in given]
    if isinstance(given, dict):
        unknown = set(given) - set(names)
        if unknown:
            raise ValueError(f"{owner}: `{arg}` names {sorted(unknown)}, which are not outputs "
                             f"of the model; its outputs are {names}")
        per = [given.get(n) for n in names]
    elif isinstance(given, (list, tuple)):
        nested = [m is None or isinstance(m, (list, tuple)) for m in given]
        if all(nested) and len(given) == len(names):
            per = list(given)
        elif any(nested):
            raise ValueError(f"{owner}: `{arg}` for a model of {len(names)} outputs {names} "
                             f"must be a dict by output name or a list of {len(names)} lists; "
                             f"got {given!r:.120}")
        else:
            instances = [m for m in given if isinstance(m, _metrics.Metric)]
            if instances:
                raise ValueError(f"{owner}: the metric {instances[0].name!r} would be shared by "
                                 f"the {len(names)} outputs {names}: a metric keeps one state, "
                                 f"so give one per output (a dict by output name or a list of "
                                 f"lists)")
            per = [list(given)] * len(names)
    else:
        raise TypeError(f"Expected `{arg}` argument to be a list, tuple or dict. Received "
                        f"instead: {arg}={given!r} of type {type(given).__name__}")
    out = []
    for i, (name, ms) in enumerate(zip(names, per)):
        for identifier in ([] if ms is None else ms if isinstance(ms, (list, tuple)) else [ms]):
            metric = _metrics._compile_metric(identifier)
            metric.name = f"{name}_{metric.name}"
            out.append((metric, i))
    return out


class _NotCompiledError(RuntimeError, ValueError):
    """A model used for training or evaluation before ``compile``: a RuntimeError (tapegrad's
    error so far) that is also the ValueError Keras 3 raises."""


class _FunctionLoss(_losses.Loss):
    """A per-sample loss function ``f(y_true, y_pred)`` reduced to its batch mean (Keras'
    LossFunctionWrapper)."""

    def __init__(self, fn):
        super().__init__(name=getattr(fn, "__name__", "loss"))
        self.fn = fn

    def call(self, y_true, y_pred):
        """The wrapped function's per-sample losses."""
        return self.fn(y_true, y_pred)


class Model(_layers.Layer):
    """A model: layers with Keras' training API (compile, fit, evaluate, predict, ...).

    Three ways to make one, as in Keras:

    - subclass it, create layers in ``__init__`` and write ``call(self, inputs, training=None)``
      (the layers and Variables held in attributes are tracked: ``trainable_variables``);
    - functional: ``keras.Model(inputs, outputs)`` from ``keras.Input`` and layer calls on it
      (any graph of layers, several inputs and outputs);
    - ``keras.Sequential([...])``, a stack of layers.

    ``fit`` adds the sum of ``model.losses`` (weight regularizers, ``add_loss``) to the
    compiled loss, as Keras does.
    """

    _keep_int_inputs = True  # its layers decide (Keras: a model casts floating inputs only)

    def __init__(self, *args, **kwargs):
        if len(args) > 2:
            raise TypeError(f"Model takes at most (inputs, outputs) positionally, got {len(args)} "
                            "arguments")
        inputs = kwargs.pop("inputs", args[0] if args else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        super().__init__(**kwargs)
        self.optimizer = None
        self.loss = None
        self._metric_list = []  # [(Metric, weighted)] in log order, set by compile
        self.stop_training = False
        self.history = None
        self.compiled = False
        self._graph = None
        self._output_mask = None  # the last call's output padding mask(s): _compiled_loss
        if inputs is None and outputs is None:
            return
        if inputs is None or outputs is None:
            raise ValueError(f"Model {self.name!r}: a functional model needs both `inputs` and "
                             "`outputs`")
        self._graph = _functional.Graph(inputs, outputs, f"Model {self.name!r}")
        self._functional_layers = self._graph.layers()
        self.inputs = list(self._graph.flat_inputs)
        flat_out = []
        _leaves(outputs, flat_out)
        self.outputs = flat_out
        self.built = True
        # As Keras' Functional: the shapes of the flat inputs / outputs (a dict's by sorted
        # key), one shape alone when there is one.
        shapes_in, shapes_out = [t.shape for t in self.inputs], [t.shape for t in self.outputs]
        self.input_shape = shapes_in[0] if len(shapes_in) == 1 else shapes_in
        self.output_shape = shapes_out[0] if len(shapes_out) == 1 else shapes_out

    @property
    def layers(self):
        """The model's layers: a functional model's in execution order (its InputLayers
        first); a subclassed model's held in its attributes, in assignment order."""
        if self._graph is not None:
            return list(self._functional_layers)
        return _attribute_children(self, list(vars(self)), _layers.Layer, {id(self)})[1]

    def call(self, inputs, training=None):
        """A functional model's graph on ``inputs``; a subclass overrides this."""
        if self._graph is None:
            raise NotImplementedError(
                f"Model {self.name!r}: subclass keras.Model and implement call(self, inputs), "
                "or create a functional model with keras.Model(inputs, outputs)")
        masks = []
        out = self._graph.run(inputs, training, masks)
        has_mask = any(m is not None for m in masks)
        self._output_mask = (masks[0] if len(masks) == 1 else masks) if has_mask else None
        return out

    def compute_output_shape(self, input_shape):
        """A functional model's output shape(s); None for a subclassed one (known after a
        call)."""
        if self._graph is not None:
            return _functional._map(lambda t: t.shape, self._graph.outputs)
        return None

    def get_layer(self, name=None, index=None):
        """The layer called ``name`` (or at position ``index`` of ``layers``)."""
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Model {self.name!r}: was asked to retrieve layer at index "
                                 f"{index} but the model only has {len(layers)} layers")
            return layers[index]
        for layer in layers:
            if getattr(layer, "name", None) == name:
                return layer
        raise ValueError(f"Model {self.name!r}: no such layer: {name}. Existing layers are: "
                         f"{[getattr(l, 'name', '?') for l in layers]}")

    def _build_on(self, xs):
        """Create the weights by calling the model on the first sample of ``xs`` (Keras
        builds a subclassed model on its first call too)."""
        if not self.built or not self._layers_built():
            self(_map_rows(xs, slice(0, 1)), training=False)

    def _layers_built(self):
        """Whether every layer has its weights (a Sequential built from its Input stops
        building at a layer of unknown output shape, a Lambda: the rest build on a call)."""
        return True

    def set_weights(self, weights):
        """Assign numpy arrays (the order of ``get_weights``) to the weights."""
        _layers._assign_all(self.weights, weights, f"Model {self.name!r}")

    def save_weights(self, filepath, overwrite=True):
        """Write every weight to ``filepath`` as a numpy ``.npz`` archive (Keras writes HDF5;
        tapegrad has no h5py dependency), in ``get_weights`` order, keyed by position and
        Variable name. ``load_weights`` reads it back."""
        import os
        if not self.built:
            raise ValueError(f"Model {self.name!r}: build the model (call it, or give an Input) "
                             f"before save_weights")
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"save_weights: {filepath} exists and overwrite=False")
        arrays = {f"{i:06d}:{v.name}": v.numpy() for i, v in enumerate(self.weights)}
        with open(filepath, "wb") as f:  # a file object: numpy adds no '.npz' to the name
            _np.savez(f, **arrays)

    def load_weights(self, filepath):
        """Read weights written by ``save_weights`` into this (built) model: same number of
        weights and same shapes, else ValueError, and no weight changes."""
        if not self.built:
            raise ValueError(f"Model {self.name!r}: build the model (call it, or give an Input) "
                             f"before load_weights")
        with _np.load(filepath) as data:
            keys = sorted(data.files)
            values = [data[k] for k in keys]
        _layers._assign_all(self.weights, values, f"Model {self.name!r}")

    # -- saving and serialization (keras.saving) -----------------------------------------------
    def save(self, filepath, overwrite=True, **kwargs):
        """Save the whole model (architecture, weights, compile arguments and optimizer state)
        to a ``.keras`` file, as Keras 3's ``model.save``; ``keras.models.load_model`` reads
        it. The format is described in ``tapegrad.keras.saving``."""
        from . import saving
        saving.save_model(self, filepath, overwrite=overwrite, **kwargs)

    def get_config(self):
        """The model's config, as Keras 3's: a Sequential's layers (each serialized) and build
        input shape; a functional model's layers with their calls (``inbound_nodes``) and its
        ``input_layers`` / ``output_layers``; a subclassed model's ``name`` and ``trainable``
        (its get_config adds its constructor arguments; without one, the arguments it was
        built with when they are plain values, else NotImplementedError)."""
        from . import saving
        return saving._model_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A new model (new weights) from ``get_config``'s dict: a Sequential or functional
        model is rebuilt layer by layer, a subclassed one is ``cls(**config)``."""
        from . import saving
        return saving._model_from_config(cls, config, custom_objects)

    def to_json(self, **kwargs):
        """The model's serialized config (``keras.saving.serialize_keras_object``) as a JSON
        string (``kwargs`` go to ``json.dumps``); ``keras.models.model_from_json`` reads it."""
        import json
        from . import saving
        return json.dumps(saving.serialize_keras_object(self), **kwargs)

    def get_compile_config(self):
        """The arguments ``compile`` was given, serialized (the optimizer as it is now: its
        class and hyperparameters), or None when the model is not compiled."""
        if not getattr(self, "compiled", False) or "_compile_config" not in self.__dict__:
            return None
        from . import saving
        given = self._compile_config
        optimizer = self.optimizer
        try:
            return {"optimizer": saving.serialize_keras_object(optimizer),
                    "loss": saving.serialize_keras_object(given["loss"]),
                    "metrics": saving.serialize_keras_object(given["metrics"]),
                    "loss_weights": saving.serialize_keras_object(given["loss_weights"]),
                    "weighted_metrics": saving.serialize_keras_object(given["weighted_metrics"])}
        except (TypeError, NotImplementedError) as e:
            raise type(e)(f"Model {self.name!r}: its compile arguments cannot be serialized "
                          f"({e}); use named (registered) functions and serializable objects "
                          "in compile, or save the weights alone") from None

    def compile_from_config(self, config):
        """``compile`` with the arguments ``get_compile_config`` gave (deserialized)."""
        from . import saving
        self.compile(**saving._nested(config))

    def get_build_config(self):
        """``{'input_shape': ...}`` of a built subclassed model (loading calls it on zeros of
        that shape to create its weights); None for Sequential and functional models, whose
        configs rebuild them."""
        if self._graph is not None or isinstance(self, Sequential):
            return None
        return _layers.Layer.get_build_config(self)

    def build_from_config(self, config):
        """Create the weights of a subclassed model by calling it once on zeros (batch 1) of
        the saved input shape."""
        shape = (config or {}).get("input_shape")
        if shape is not None and not self.built:
            from . import saving
            from ..math import _no_tape
            with _no_tape():
                self(saving._zeros_for(shape), training=False)

    def summary(self, line_length=65, print_fn=None):
        """Print a table of layers, output shapes and parameter counts (Keras' layout)."""
        if not self.built and not all(getattr(l, "built", True) for l in self.layers):
            raise ValueError(
                "This model has not yet been built. Build the model first by calling `build()` "
                "or by calling the model on a batch of data.")
        print_fn = print_fn or print
        cols = [int(line_length * 0.45), int(line_length * 0.85), line_length]

        def row(fields):
            line = ""
            for text, stop in zip(fields, cols):
                line = (line + " " + str(text)).ljust(stop)[:stop] if len(line) < stop else line + " " + str(text)
            return line

        def size(n):
            b = 4 * n
            for unit in ("B", "KB", "MB", "GB"):
                if b < 1024 or unit == "GB":
                    return f"{b:.2f} {unit}"
                b /= 1024

        print_fn(f'Model: "{self.name}"')
        print_fn("_" * line_length)
        print_fn(row(["Layer (type)", "Output Shape", "Param #"]))
        print_fn("=" * line_length)
        shape = getattr(self, "_input_shape", None)
        for layer in self.layers:
            out = getattr(layer, "output_shape", None)
            if out is None and shape is not None and isinstance(layer, _layers.Layer):
                out = layer.compute_output_shape(shape)
            shape = out
            n = layer.count_params() if hasattr(layer, "count_params") else 0
            print_fn(row([f"{getattr(layer, 'name', '?')} ({type(layer).__name__})",
                          str(out) if out is not None else "?", n]))
        print_fn("=" * line_length)
        total = self.count_params()
        trainable = int(sum(v.size for v in self.trainable_variables))
        print_fn(f"Total params: {total} ({size(total)})")
        print_fn(f"Trainable params: {trainable} ({size(trainable)})")
        print_fn(f"Non-trainable params: {total - trainable} ({size(total - trainable)})")
        print_fn("_" * line_length)

    # -- training ------------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None,
                weighted_metrics=None, **kwargs):
        """Set the optimizer (name or instance), the loss (name, Loss or function) and the
        metrics fit and evaluate report.

        ``metrics`` is a list of names, ``keras.metrics`` instances or functions
        ``f(y_true, y_pred) -> per-sample values`` (averaged over the samples). 'accuracy'
        (or 'acc') is picked by the shapes of the first batch, as Keras: binary accuracy when
        y_pred's last dimension is 1, sparse categorical when the labels are class ids,
        categorical otherwise. Names log under the string given ('acc',
        'mse'), functions under their ``__name__``, instances under their ``name``. As in
        Keras, ``metrics`` ignore fit's ``sample_weight``; ``weighted_metrics`` are weighted
        by it (a name also in ``metrics`` gets the prefix 'weighted_').

        A model of several outputs takes, as Keras, ``metrics`` as a dict by output name or
        a list with one entry (a metric, a list of them or None) per output; a flat list of
        names or functions applies each to every output. They log as '<output>_<name>', and
        each output's loss as '<output>_loss' next to the total 'loss'.

        A padding mask on the model's output (``Embedding(mask_zero=True)``, ``Masking``,
        kept by ``return_sequences`` recurrent layers) weighs the loss and the mean metrics
        as in Keras: the masked steps count for nothing, and the loss is the mean over the
        steps kept.
        """
        self.optimizer = _optimizers.get(optimizer)
        n_out = len(self.outputs) if self._graph is not None else 1
        if loss is None:
            self.loss = None
        elif n_out > 1 or isinstance(loss, (list, tuple, dict)):
            self.loss = _MultiOutputLoss(self, loss, loss_weights)
        else:
            self.loss = _as_loss(loss)
        owner = f"Model {self.name!r}.compile"
        names = _output_names(self, self.loss)
        metric_list = []
        for weighted, given in ((False, metrics), (True, weighted_metrics)):
            arg = "weighted_metrics" if weighted else "metrics"
            for metric, index in _compile_metrics(owner, given, arg, names):
                if weighted and any(m.name == metric.name for m, _ in metric_list):
                    metric.name = "weighted_" + metric.name
                metric._output_index = index
                metric_list.append((metric, weighted))
        self._metric_list = metric_list
        self.compiled = True
        # What get_compile_config serializes (model.save, to_json).
        self._compile_config = {"loss": loss, "metrics": metrics, "loss_weights": loss_weights,
                                "weighted_metrics": weighted_metrics}

    @property
    def metrics(self):
        """The compiled metrics (``keras.metrics.Metric`` instances), in log order."""
        return [m for m, _ in self._metric_list]

    @property
    def metrics_names(self):
        """'loss', each output's '<output>_loss' (several outputs), then each compiled
        metric's name: the order of evaluate's list."""
        outs = []
        if isinstance(self.loss, _MultiOutputLoss) and len(self.loss.names) > 1:
            outs = [f"{n}_loss" for n, f in zip(self.loss.names, self.loss.losses) if f is not None]
        return ["loss"] + outs + [m.name for m, _ in self._metric_list]

    def reset_metrics(self):
        """Reset the state of every compiled metric (fit does it at each epoch's start,
        evaluate at its start)."""
        for m, _ in self._metric_list:
            m.reset_state()

    def _update_metrics(self, y_true, y_pred, sample_weight, logs=None):
        """Add one batch to every compiled metric (a metric of one output gets that output's
        targets and predictions; the output's padding mask weighs the mean metrics, as
        Keras) and, given ``logs``, put their results so far in it. Called outside any
        GradientTape: nothing here is recorded or differentiated."""
        multi = isinstance(self.loss, _MultiOutputLoss)
        if multi:
            ts = self.loss._ordered(y_true, "targets")
            ps = self.loss._ordered(y_pred, "predictions")
            masks = _per_output_masks(self._output_mask, len(ps))
        for m, weighted in self._metric_list:
            i = getattr(m, "_output_index", None)
            t, p, mask = (ts[i], ps[i], masks[i]) if multi and i is not None else \
                (y_true, y_pred, self._output_mask)
            sw = sample_weight if weighted else None
            if mask is not None and isinstance(m, _metrics.MeanMetricWrapper):
                sw = _losses._apply_mask(sw, mask, float32, "sum")
            m.update_state(t, p, sw)
            if logs is not None:
                logs[m.name] = _metric_value(m)
        return logs

    def _check_compiled(self, what):
        if self.optimizer is None or self.loss is None:
            raise _NotCompiledError(
                f"You must compile your model before {what}. Call `model.compile(optimizer, loss)`.")

    def train_step(self, x, y, sample_weight=None):
        """One step on a batch of tensors: forward, loss, gradient, update. Returns the loss."""
        return self._step(x, y, sample_weight)[0]

    def _with_losses(self, loss, sources=None):
        """``loss`` plus the sum of ``self.losses`` (regularizers, ``add_loss``) from the call
        just made, as Keras adds them to the compiled loss. ``sources`` is
        ``_loss_sources()``, taken once per fit / evaluate."""
        for extra in self._losses_from(sources or self._loss_sources()):
            loss = _core.add(loss, _core.cast(extra, loss.dtype) if extra.dtype != loss.dtype else extra)
        return loss

    def _compiled_loss(self, loss_fn, y, pred, sample_weight):
        """The compiled loss of one batch, the output padding mask of the call that made
        ``pred`` folded into the sample weights (Keras reads it from ``y_pred._keras_mask``)."""
        mask = self._output_mask
        if mask is None:
            return loss_fn(y, pred, sample_weight)
        if isinstance(loss_fn, _MultiOutputLoss):
            return loss_fn(y, pred, sample_weight, masks=mask)
        return loss_fn._call_with_mask(y, pred, sample_weight, mask)

    def _output_losses(self, logs, totals, nb, count):
        """Add this batch's '<output>_loss' values (a model of several outputs) to ``totals``
        and their means so far to ``logs``."""
        if not isinstance(self.loss, _MultiOutputLoss) or len(self.loss.names) < 2:
            return
        for name, v in zip(self.loss.names, self.loss.last_values):
            if v is not None:
                key = f"{name}_loss"
                totals[key] = totals.get(key, 0.0) + float(v) * nb
                logs[key] = totals[key] / count

    def _trainer_flag(self, training):
        """The ``training`` fit (True) and evaluate / predict (False) call the model with: as
        Keras 3's trainer, only when the model's ``call`` takes ``training``; a subclassed
        ``call(self, x)`` runs with None, so its layers keep their own defaults (Keras' fit
        then leaves a BatchNormalization it calls in inference mode: checked against Keras
        3.15)."""
        return training if self._call_takes_training() else None

    def _step(self, x, y, sample_weight):
        """train_step's work; returns (loss, predictions) for the metrics."""
        if not self.built or not self._layers_built():
            self(x, training=False)  # a subclassed model creates its weights on its first call
        tvars = self.trainable_variables
        with GradientTape() as tape:
            pred = self(x, training=self._trainer_flag(True))
            loss = self._with_losses(self._compiled_loss(self.loss, y, pred, sample_weight))
        grads = tape.gradient(loss, tvars)
        self.optimizer.apply_gradients(zip(grads, tvars))
        return loss, pred

    def train_on_batch(self, x, y, sample_weight=None, reset_metrics=True, return_dict=False):
        """One training step on (x, y). Returns the loss as a float, or with compiled metrics
        ``[loss, metric, ...]`` (their values on this batch, or accumulated since the last
        reset with ``reset_metrics=False``); a dict with ``return_dict``."""
        self._check_compiled("training")
        xb = _functional._map(_batch_tensor, _as_data(x, "x", keep_ints=True))
        yb = _functional._map(lambda a: _core._constant(a, float32), _as_data(y, "y"))
        sw = None if sample_weight is None else _core._constant(_as_array(sample_weight, "sample_weight"), float32)
        loss, pred = self._step(xb, yb, sw)
        logs = {"loss": float(loss)}
        self._output_losses(logs, {}, 1, 1)
        if self._metric_list:
            if reset_metrics:
                self.reset_metrics()
            self._update_metrics(yb, pred, sw, logs)
        if return_dict:
            return logs
        return list(logs.values()) if len(logs) > 1 else logs["loss"]

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The compiled loss (regularization losses included) and metrics of one batch, in
        inference mode and without any update, as Keras' ``test_on_batch``: a float, or
        ``[loss, <output>_loss..., metric, ...]`` (the order of ``metrics_names``) with
        compiled metrics or several outputs; a dict with ``return_dict``. The metrics are
        reset first, so their values are this batch's alone."""
        self._check_compiled("testing")
        if y is None:
            raise ValueError(f"Model {self.name!r}.test_on_batch: `y` (the targets) is required "
                             "to compute the compiled loss")
        xb = _functional._map(_batch_tensor, _as_data(x, "x", keep_ints=True))
        yb = _functional._map(lambda a: _core._constant(a, float32), _as_data(y, "y"))
        sw = None if sample_weight is None else _core._constant(
            _as_array(sample_weight, "sample_weight"), float32)
        if _num_rows(xb) != _num_rows(yb):
            raise ValueError(f"Model {self.name!r}.test_on_batch: x has {_num_rows(xb)} samples "
                             f"and y {_num_rows(yb)}; they must have the same number")
        pred = self(xb, training=self._trainer_flag(False))
        loss = self._with_losses(self._compiled_loss(self.loss, yb, pred, sw))
        logs = {"loss": float(loss)}
        self._output_losses(logs, {}, 1, 1)
        if self._metric_list:
            self.reset_metrics()
            self._update_metrics(yb, pred, sw, logs)
        if return_dict:
            return logs
        return list(logs.values()) if len(logs) > 1 else logs["loss"]

    def _dense_targets(self, loss_fn, xs, ys):
        """Integer labels for SparseCategoricalCrossentropy become one-hot rows once per
        fit/evaluate (with the equivalent CategoricalCrossentropy), so no step converts labels."""
        if (type(loss_fn) is not _losses.SparseCategoricalCrossentropy or _num_rows(xs) == 0
                or loss_fn.ignore_class is not None or loss_fn.axis not in (-1, None)):
            return loss_fn, ys
        depth = int(self(_map_rows(xs, slice(0, 1)), training=self._trainer_flag(False)).shape[-1])
        onehot = _losses._one_hot(ys, depth, float32).numpy()
        dense = _losses.CategoricalCrossentropy(from_logits=loss_fn.from_logits,
                                                reduction=loss_fn.reduction, name=loss_fn.name,
                                                dtype=loss_fn.dtype)
        return dense, onehot

    def _batches(self, arrays, batch_size, order=None, limit=None, shard=None):
        """Tensors of consecutive batches of each array (rows permuted by ``order`` first),
        at most ``limit`` of them. With ``shard=(rank, size)``, only the batches rank,
        rank + size, ... (``limit`` of them) are made. Each array's rows for all the batches
        are gathered into one tensor (float32; int / bool inputs keep their dtype) in one
        call, and the batches are views of it (no copy, no allocation each)."""
        n = _num_rows(arrays[0])
        if shard is not None:
            rank, size = shard
            starts = [(k * size + rank) * batch_size for k in range(limit)]
        else:
            if limit is not None:
                n = min(n, limit * batch_size)
            starts = range(0, n, batch_size)
        if not starts:
            return []
        stops = [min(start + batch_size, n) for start in starts]
        if shard is None or len(starts) == 1:  # one run of consecutive positions
            if order is None:
                rows = slice(starts[0], stops[-1])
            else:
                rows = _np.ascontiguousarray(order[starts[0]:stops[-1]], dtype=_np.int64)
        else:
            base = (_np.arange(n, dtype=_np.int64) if order is None
                    else _np.ascontiguousarray(order, dtype=_np.int64))
            rows = _np.concatenate([base[a:b] for a, b in zip(starts, stops)])

        def gather(a):
            if a is None:
                return [None] * len(starts)
            if isinstance(rows, slice):
                epoch = _batch_tensor(a[rows])
            elif a.dtype == _np.float32 and a.flags.c_contiguous and a.ndim >= 1:
                epoch = _core._take_rows(a, rows)  # one copy, no numpy temporary
            else:
                epoch = _batch_tensor(a[rows])  # int / bool inputs keep their dtype
            return _core._row_views(epoch, batch_size)

        def gather_any(a):
            if a is None or not isinstance(a, (list, tuple, dict)):
                return gather(a)
            leaves = []  # several inputs: each array batched, each batch packed back
            _leaves(a, leaves)
            cols = [gather(leaf) for leaf in leaves]
            return [_functional._pack(a, [col[i] for col in cols]) for i in range(len(starts))]

        columns = [gather_any(a) for a in arrays]
        return [tuple(col[i] for col in columns) + (stops[i] - starts[i],)
                for i in range(len(starts))]

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, distributed=False, class_weight=None):
        """Train for ``epochs`` passes over (x, y) in batches of ``batch_size`` (default 32).

        Returns a ``History``: ``history.history['loss']`` is each epoch's mean training loss
        (and 'val_loss' with ``validation_data`` or ``validation_split``); each compiled metric
        adds its epoch value under its name ('accuracy', 'mse', ...) and 'val_<name>'. The
        metrics are reset at each epoch's start and updated after each step on that step's
        predictions, outside the GradientTape. verbose=1 shows a progress bar per epoch
        (``loss: 0.1234 - accuracy: 0.9000``), 2 one line per epoch, 0 nothing. ``shuffle`` reorders the
        samples each epoch with ``tapegrad.random``'s generator (reproducible with set_seed).

        ``distributed=True`` trains data-parallel over the processes of an MPI job
        (``tapegrad.distributed``; one process without a launcher): every rank passes the
        same data, each epoch's batches of ``batch_size`` (per rank) are dealt out in turn,
        rank r taking batches r, r + size, ... (``steps_per_epoch``, if given, counts steps
        per rank; batches left over when their number is not a multiple of the number of
        ranks are skipped that epoch), each step's gradients are averaged over the ranks
        before the update (one fused allreduce), and the shuffled order is rank 0's. fit
        starts by giving every rank rank 0's weights (``distributed.broadcast_variables``);
        the progress bar shows on rank 0 only; the epoch's 'loss' is the mean over all
        ranks and each metric is computed from all the ranks' samples (their states summed),
        and 'comm_time' (seconds per step spent in the gradient allreduce on this rank,
        waiting for the slowest rank included) is logged and shown as ``comm: ...``.

        ``steps_per_epoch`` with arrays runs that many batches per epoch from one pass over
        the data carried across epochs, as Keras 3 (TF 2.21): the next epoch continues where
        the last stopped, so no rows are skipped. An epoch that reaches the end of the pass
        stops there, short, with a warning (Keras' "ran out of data", training goes on), and
        the next epoch starts a new pass (reshuffled with ``shuffle``). With 10 rows,
        ``batch_size=4``, ``steps_per_epoch=2`` and 3 epochs the batches are rows [0-3, 4-7],
        [8-9], [0-3, 4-7], exactly as TF. (With ``distributed=True`` each epoch starts again
        at the first batch.)

        ``class_weight`` (a dict class index -> weight) weighs each training sample by its
        class (its label, or the argmax of a one-hot row; missing classes weigh 1), times
        ``sample_weight`` when both are given, as Keras; validation is not weighted.

        ``x`` may be a ``tapegrad.data.Dataset`` of ``(x, y)`` or ``(x, y, sample_weight)``
        batches, as Keras (``y``, ``batch_size``, ``sample_weight`` and ``validation_split``
        then not given; ``shuffle`` is the dataset's business): each epoch is a pass over it,
        or with ``steps_per_epoch`` that many batches of one iterator carried across epochs
        (required for an infinite dataset). ``validation_data`` may be a Dataset too.
        """
        self._check_compiled("training")
        if verbose == "auto":
            verbose = 1
        feed = _DatasetFeed.make(self, "fit", x, y, batch_size, sample_weight, steps_per_epoch,
                                 validation_split, distributed)
        xs, ys = (feed.x0, feed.y0) if feed else (_as_data(x, "x", keep_ints=True),
                                                  _as_data(y, "y"))
        if xs is None or ys is None:
            raise ValueError("fit needs both `x` and `y`")
        if _num_rows(xs) != _num_rows(ys):
            raise ValueError(
                f"Data cardinality is ambiguous: x sizes: {_num_rows(xs)}, y sizes: {_num_rows(ys)}. "
                "Make sure all arrays contain the same number of samples.")
        sw = _as_array(sample_weight, "sample_weight")
        if validation_data is None and validation_split:
            if not 0.0 < validation_split < 1.0:
                raise ValueError("`validation_split` must be between 0 and 1")
            cut = int(_num_rows(xs) * (1.0 - validation_split))
            validation_data = (_map_rows(xs, slice(cut, None)), _map_rows(ys, slice(cut, None))) + (
                () if sw is None else (sw[cut:],))
            xs, ys = _map_rows(xs, slice(None, cut)), _map_rows(ys, slice(None, cut))
            sw = None if sw is None else sw[:cut]
        if class_weight is not None:
            if feed:
                raise ValueError("fit: `class_weight` is supported for arrays; with a Dataset, "
                                 "give each element its sample weights: (x, y, sample_weight)")
            cw = _class_weights(ys, class_weight)
            sw = cw if sw is None else sw * cw
        batch_size = int(batch_size or 32)
        n = _num_rows(xs)
        if n == 0:
            raise ValueError("Expected input data to be non-empty.")
        steps = -(-n // batch_size)
        dist, nranks, me = None, 1, 0
        if distributed:
            from .. import distributed as dist
            dist.init()
            nranks, me = dist.size(), dist.rank()
            if steps < nranks:
                raise ValueError(
                    f"fit(distributed=True): {n} samples make {steps} batches of {batch_size}, "
                    f"fewer than the {nranks} ranks; use a smaller batch_size")
            steps //= nranks
            if me != 0:
                verbose = 0
        # steps_per_epoch on arrays (one process), as Keras: one pass over the data is carried
        # across epochs: ``carry`` = [next batch of the pass, the pass's batches].
        carry = spe = None
        if steps_per_epoch is not None and not feed:
            if (isinstance(steps_per_epoch, bool) or not isinstance(steps_per_epoch, (int, _np.integer))
                    or steps_per_epoch < 1):
                raise ValueError(f"fit: `steps_per_epoch` must be a positive integer (or None), "
                                 f"got steps_per_epoch={steps_per_epoch!r}")
            spe = int(steps_per_epoch)
            if dist is None:
                carry, steps = [0, None], spe
            else:
                steps = min(steps, spe)
        if feed:
            steps = feed.steps

        history = _callbacks.History()
        cbs = list(callbacks or [])
        if verbose:
            cbs.append(_callbacks.ProgbarLogger(verbose))
        cbs.append(history)
        params = {"epochs": epochs, "steps": steps, "verbose": verbose, "batch_size": batch_size}
        for cb in cbs:
            cb.set_model(self)
            cb.set_params(params)
        self._build_on(xs)

        tvars = self.trainable_variables
        if not tvars:
            _warnings.warn("The model does not have any trainable weights.", UserWarning, stacklevel=2)
        loss_sources = self._loss_sources()
        train_flag = self._trainer_flag(True)
        loss_fn, opt = self.loss, self.optimizer
        metric_list = self._metric_list
        loss_fn, ys_loss = self._dense_targets(loss_fn, xs, ys)
        # The metrics see the labels as given (sparse ones too), batched alongside.
        ys_metric = ys if metric_list and ys_loss is not ys else None
        ys = ys_loss
        # With more than one rank, fit averages the gradients itself unless the optimizer
        # already does (DistributedOptimizer).
        reduce_grads = None
        if dist is not None and nranks > 1 and not isinstance(opt, dist._DistributedOptimizerMixin):
            reduce_grads = dist.grouped_allreduce
        shard = (me, nranks) if dist is not None else None
        if nranks > 1:
            dist.broadcast_variables(self.weights, root=0)
        fixed = None if shuffle or feed or carry else self._batches(
            [xs, ys, sw, ys_metric], batch_size, limit=steps, shard=shard)
        self.stop_training = False
        for cb in cbs:
            cb.on_train_begin()
        for epoch in range(initial_epoch, epochs):
            for m, _ in metric_list:  # before the callbacks' on_epoch_begin, as Keras
                m.reset_state()
            for cb in cbs:
                cb.on_epoch_begin(epoch)
            if feed:
                batches = feed.epoch(loss_fn)
            elif carry is not None:
                if carry[0] == 0 and (carry[1] is None or shuffle):  # a new pass (new order)
                    order = _random._permutation(n) if shuffle else None
                    carry[1] = self._batches([xs, ys, sw, ys_metric], batch_size, order)
                batches = carry[1][carry[0]:carry[0] + spe]
            elif fixed is None:
                order = _random._permutation(n)
                if nranks > 1:  # every rank draws (same generator use as one process); rank 0's wins
                    dist._broadcast_array(order, 0)
                batches = self._batches([xs, ys, sw, ys_metric], batch_size, order, steps,
                                        shard=shard)
            else:
                batches = fixed
            total, count, out_totals = 0.0, 0, {}
            logs = {}
            if nranks > 1:
                comm0 = dist.communication_stats()["seconds"]
            for step, (xb, yb, wb, mb, nb) in enumerate(batches):
                for cb in cbs:
                    cb.on_train_batch_begin(step)
                # The training step, inlined: every line below is one C++ call or a few.
                with GradientTape() as tape:
                    pred = self(xb, training=train_flag)
                    loss = self._with_losses(self._compiled_loss(loss_fn, yb, pred, wb), loss_sources)
                grads = tape.gradient(loss, tvars)
                if reduce_grads is not None:
                    grads = reduce_grads(grads)
                opt.apply_gradients(zip(grads, tvars))
                total += float(loss) * nb
                count += nb
                logs = {"loss": total / count}
                self._output_losses(logs, out_totals, nb, count)
                if metric_list:  # after the tape: the metrics are not recorded
                    self._update_metrics(yb if mb is None else mb, pred, wb, logs)
                for cb in cbs:
                    cb.on_train_batch_end(step, logs)
                # A callback stopped training (TerminateOnNaN): at once, as Keras. With
                # several ranks every one must run the same steps, so it waits for the epoch end.
                if self.stop_training and nranks == 1:
                    break
            if carry is not None:
                carry[0] += len(batches)
                if len(batches) < spe and not self.stop_training:
                    _warnings.warn(
                        f"fit: the data ran out after {len(batches)} of the {spe} steps of epoch "
                        f"{epoch + 1} ({n} samples make {len(carry[1])} batches of {batch_size}); "
                        f"the next epoch starts a new pass over them, as Keras (give "
                        f"steps_per_epoch x epochs batches to avoid short epochs)",
                        UserWarning, stacklevel=2)
                if carry[0] >= len(carry[1]):
                    carry[0] = 0
            if nranks > 1:
                comm_time = (dist.communication_stats()["seconds"] - comm0) / max(len(batches), 1)
                logs = self._allreduce_logs(dist, total, count, out_totals)
                logs["comm_time"] = comm_time
            if validation_data is not None:
                val = self.evaluate(**_validation_args(validation_data, batch_size), verbose=0,
                                    return_dict=True)
                logs.update(("val_" + k, v) for k, v in val.items())
            for cb in cbs:
                cb.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for cb in cbs:
            cb.on_train_end()
        history.params = params
        history.model = self
        self.history = history
        return history

    def _allreduce_logs(self, dist, total, count, out_totals=None):
        """The epoch's logs summed over the ranks of fit(distributed=True): the loss (and
        each output's, ``out_totals``) from its total and count, and every compiled metric
        from its state Variables summed over the ranks (all of keras.metrics keep sums:
        totals and counts, confusion counts), so each result is the one of all the ranks'
        samples together."""
        out_totals = out_totals or {}
        states = [v for m, _ in self._metric_list for v in m.variables]
        flat = [float(x) for v in states for x in _np.ravel(v.numpy())]
        sums = dist._allreduce_floats([total, count] + list(out_totals.values()) + flat)
        logs = {"loss": sums[0] / max(sums[1], 1)}
        for j, key in enumerate(out_totals):
            logs[key] = sums[2 + j] / max(sums[1], 1)
        at = 2 + len(out_totals)
        for v in states:
            n = v.size
            v.assign(_np.asarray(sums[at:at + n]).reshape(tuple(v.shape)).astype(v.dtype.as_numpy_dtype))
            at += n
        for m, _ in self._metric_list:
            logs[m.name] = _metric_value(m)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 return_dict=False, steps=None):
        """The loss on (x, y), the mean over batches of ``batch_size`` (default 32) weighted
        by batch size, as a float; with compiled metrics ``[loss, metric, ...]`` (the order of
        ``metrics_names``; the metrics are reset first). With return_dict, a dict
        ``{'loss': ..., name: ...}``. ``x`` may be a Dataset of ``(x, y[, sample_weight])``
        batches (then without y, batch_size and sample_weight); ``steps`` caps the batches."""
        self._check_compiled("evaluating")
        feed = _DatasetFeed.make(self, "evaluate", x, y, batch_size, sample_weight, steps)
        xs, ys = (feed.x0, feed.y0) if feed else (_as_data(x, "x", keep_ints=True),
                                                  _as_data(y, "y"))
        sw = _as_array(sample_weight, "sample_weight")
        total, count, out_totals = 0.0, 0, {}
        out_logs = {}
        metric_list = self._metric_list
        self.reset_metrics()
        loss_fn, ys_loss = self._dense_targets(self.loss, xs, ys)
        ys_metric = ys if metric_list and ys_loss is not ys else None
        loss_sources = self._loss_sources()
        for xb, yb, wb, mb, nb in (feed.epoch(loss_fn) if feed else self._batches(
                [xs, ys_loss, sw, ys_metric], int(batch_size or 32), limit=steps)):
            pred = self(xb, training=self._trainer_flag(False))
            total += float(self._with_losses(self._compiled_loss(loss_fn, yb, pred, wb), loss_sources)) * nb
            count += nb
            self._output_losses(out_logs, out_totals, nb, count)
            if metric_list:
                self._update_metrics(yb if mb is None else mb, pred, wb)
        logs = {"loss": total / max(count, 1)}
        logs.update(out_logs)
        for m, _ in metric_list:
            logs[m.name] = _metric_value(m)
        if verbose == "auto" or verbose:
            steps = feed.count if feed else -(-_num_rows(xs) // int(batch_size or 32))
            sys.stdout.write(f"{steps}/{steps} - "
                             + " - ".join(f"{k}: {_callbacks.format_log_value(v)}"
                                          for k, v in logs.items()) + "\n")
        if return_dict:
            return logs
        return list(logs.values()) if len(logs) > 1 else logs["loss"]

    def predict(self, x, batch_size=None, verbose="auto", steps=None):
        """The model's outputs for ``x`` as one numpy array (a list or dict of arrays for a
        model of several outputs), computed in batches (at most ``steps`` of them). ``x`` may
        be a Dataset of batches (``x`` or ``(x, ...)``)."""
        feed = _DatasetFeed.make(self, "predict", x, None, batch_size, None, steps)
        batches = feed.epoch() if feed else self._batches([_as_data(x, "x", keep_ints=True)],
                                                          int(batch_size or 32),
                                                          limit=steps)
        flag = self._trainer_flag(False)
        outs = [self(b[0], training=flag) for b in batches]
        if not outs:
            return _np.zeros((0,), dtype=_np.float32)
        if isinstance(outs[0], (list, tuple, dict)):  # several outputs: one array each
            flat = []
            for o in outs:
                leaves = []
                _leaves(o, leaves)
                flat.append(leaves)
            joined = [_np.concatenate([f[i].numpy() for f in flat], axis=0)
                      for i in range(len(flat[0]))]
            return _functional._pack(outs[0], joined)
        return _np.concatenate([o.numpy() for o in outs], axis=0)

    def predict_on_batch(self, x):
        """The model's outputs for one batch, as numpy arrays (a list or dict of them for a
        model of several outputs)."""
        return _functional._map(lambda t: t.numpy(), self(x, training=self._trainer_flag(False)))


class Sequential(Model):
    """A linear stack of layers, as ``keras.Sequential([Dense(64, 'relu'), Dense(1)])``.

    Layers are built on the first call (or by ``build``, or from a leading ``Input`` /
    ``input_shape=``). ``compile(optimizer, loss)`` then ``fit(x, y, ...)`` trains it.
    """

    def __init__(self, layers=None, name=None):
        super().__init__(name=name)
        self._layer_list = []
        self._input_shape = None
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self):
        """The layers, in order (not the leading Input)."""
        return self._layer_list

    @property
    def input_shape(self):
        """The input shape with its batch dimension, as Keras: ``(None, 4)`` for
        ``Sequential([Input((4,)), ...])`` (the Input's ``batch_size`` when it has one), the
        ``build`` shape, or ``(None,) + x.shape[1:]`` once built by a call. AttributeError
        (as Keras) while it is not known yet."""
        shape = self.__dict__.get("_input_shape")
        if shape is None:
            raise AttributeError(f"Sequential model {self.name!r} has no defined input shape "
                                 "yet.")
        return tuple(shape)

    @input_shape.setter
    def input_shape(self, value):
        # Layer.__init__ / _maybe_build assign it; a Sequential keeps its own (_input_shape,
        # set by build), so only a known shape is taken, and only while none is.
        if value is not None and self.__dict__.get("_input_shape") is None:
            self.__dict__["_input_shape"] = tuple(value)

    @property
    def output_shape(self):
        """The output shape for ``input_shape`` (batch dimension as in it), as Keras:
        ``(None, 2)`` for ``Sequential([Input((4,)), Dense(2)])``."""
        shape = self.input_shape
        out = self.compute_output_shape(shape)
        if out is None:  # a layer that cannot say (a Lambda, a plain callable): run it once
            from ..math import _no_tape
            from .saving import _zeros_for
            saved = (self.__dict__.get("_losses"), self.__dict__.get("_output_mask"))
            with _no_tape():
                y = self(_zeros_for((None,) + tuple(shape[1:])), training=False)
            self._losses, self._output_mask = saved
            out = (None,) + tuple(y.shape[1:])
        return (shape[0],) + tuple(out[1:])

    @output_shape.setter
    def output_shape(self, value):
        pass  # derived from input_shape (Layer.__init__ / _maybe_build assign it)

    # -- structure -----------------------------------------------------------------------------
    def add(self, layer):
        """Append a layer (an ``Input``/``InputLayer`` only fixes the input shape)."""
        history = getattr(layer, "_keras_history", None)
        if history is not None and isinstance(history[0], _layers.InputLayer):
            layer = history[0]  # keras.Input(...): the KerasTensor of an InputLayer
        if isinstance(layer, _layers.InputLayer):
            if self.layers:
                raise ValueError("An Input must be the first layer of a Sequential model")
            self._input_shape = (layer.batch_size,) + layer.shape
            self._input_dtype = layer.dtype  # an int Input: int inputs stay int (Keras)
            self.build(self._input_shape)
            return
        if not isinstance(layer, _layers.Layer) and not callable(layer):
            raise TypeError(f"The added layer must be an instance of class Layer. Received: layer={layer!r}")
        if not self.layers and self._input_shape is None and getattr(layer, "_input_shape_arg", None):
            self._input_shape = (None,) + layer._input_shape_arg
        self.layers.append(layer)
        self.built = False
        self.__dict__.pop("_untraceable", None)
        if self._input_shape is not None:
            self.build(self._input_shape)

    def pop(self):
        """Remove the last layer."""
        if not self.layers:
            raise TypeError("There are no layers in the model.")
        self.layers.pop()
        self.__dict__.pop("_untraceable", None)

    def build(self, input_shape=None):
        """Build every layer for inputs of ``input_shape`` (batch dimension first, may be None)."""
        if input_shape is None:
            input_shape = self._input_shape
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        shape = tuple(input_shape)
        self._input_shape = shape
        for layer in self.layers:
            if isinstance(layer, _layers.Layer):
                layer._maybe_build(shape)
                shape = layer.compute_output_shape((None,) + tuple(shape[1:]))
                if shape is None:  # unknown until the layer runs (a Lambda): build then
                    break
            else:
                # A plain callable: its output shape is unknown until it runs, so the layers
                # after it build on the first call instead.
                break
        self.built = True

    def _layers_built(self):
        return all(layer.built for layer in self.layers if isinstance(layer, _layers.Layer))

    def compute_output_shape(self, input_shape):
        """The shape the layers give for inputs of ``input_shape`` (None where a plain callable
        among them leaves it unknown)."""
        shape = tuple(input_shape)
        for layer in self.layers:
            if isinstance(layer, _layers.Layer):
                shape = layer.compute_output_shape((None,) + tuple(shape[1:]))
                if shape is None:
                    return None
            else:
                return None
        return shape

    # -- forward -------------------------------------------------------------------------------
    def __call__(self, inputs, training=None):
        """Run the layers in order on ``inputs`` (numpy or tensor; float64 becomes float32).
        ``training=True`` (as ``fit`` and ``train_on_batch`` call it) switches Dropout on and
        BatchNormalization to batch statistics; ``evaluate`` and ``predict`` run inference.
        On a KerasTensor it records the call for a functional model."""
        if type(inputs) is not _core.Tensor and _functional.is_symbolic(inputs):
            return _layers.Layer.__call__(self, inputs, training=training)
        x = self._convert_input(inputs)
        if not self.built:
            self._input_shape = (None,) + tuple(x.shape[1:])
        self._losses = []
        ctx = _layers._training_ctx
        outer = ctx.value
        if training is None:  # inside another model's call: its training (Keras' call context)
            training = outer
        own = training is not outer
        if own:
            ctx.value = training
        try:
            mask = None
            for layer in self.layers:
                if not isinstance(layer, _layers.Layer):  # a plain callable: no flag, no mask
                    x, mask = layer(x), None
                elif mask is None and not layer._makes_mask:
                    x = layer(x, training=training)
                else:  # a padding mask made by an earlier layer travels to the next ones
                    x_in = x
                    x = layer(x, training=training, mask=mask)
                    mask = layer.compute_mask(x_in, mask)
        finally:
            if own:
                ctx.value = outer
        self._output_mask = mask
        self.built = True
        return x

    def call(self, inputs, training=None):
        """The layers in order on ``inputs`` (what calling the model does)."""
        return Sequential.__call__(self, inputs, training=training)

    def _convert_input(self, inputs):
        """``inputs`` as a Tensor, as Keras 3 converts a Sequential's inputs. Keras runs a
        Sequential as a functional model whose Input has the dtype of a leading ``Input``
        or, without one, of the first layer (float32 unless it was given another), and
        converts every input to it: ints and bools to float32, a float64 array given to an
        int Input to int. Without an Input, the functional model comes from tracing the
        layers on a symbolic input of that dtype; when a Lambda cannot be traced so (its
        function fails on it, as ``tf.one_hot`` of a float), Keras runs the layers one by
        one instead, and int / bool inputs then reach the first layer as they are (floats
        still become its dtype). ``_keeps_int_inputs`` decides that, once."""
        where = f"model {self.name!r}"
        in_dtype = self.__dict__.get("_input_dtype")
        if in_dtype is None:
            first = self.layers[0] if self.layers else None
            in_dtype = first.dtype if isinstance(first, _layers.Layer) else float32
            if in_dtype.is_floating and _is_int_or_bool(inputs) and self._keeps_int_inputs(inputs):
                return _layers._as_input(inputs, in_dtype, where, keep_ints=True)
        if in_dtype.is_floating:
            return _layers._as_input(inputs, in_dtype, where)
        # An int Input: floats are cast to it (Keras), not refused as a lossy conversion.
        x = _layers._as_input(inputs, float32, where, keep_ints=True)
        return x if x.dtype == in_dtype else _core.cast(x, in_dtype)

    def _keeps_int_inputs(self, inputs):
        """Whether int / bool inputs reach the layers as they are, because Keras could not
        trace this Sequential (no Input) into a functional model: one of its Lambdas without
        an ``output_shape`` (or a plain callable) fails on an input of the first layer's
        dtype. Found once (until ``add`` / ``pop``), the way Keras traces: the layers run
        on zeros of one sample of that dtype, in inference mode and off the tape, up to the
        last such Lambda (the layers after it cannot decide it). A failure of any other
        layer leaves the conversion to the first layer's dtype (Keras would fail to build;
        here the real call reports it)."""
        known = self.__dict__.get("_untraceable")
        if known is not None:
            return known
        from .merging import Lambda
        from ..math import _no_tape

        def opaque(layer):
            return (not isinstance(layer, _layers.Layer)
                    or (isinstance(layer, Lambda) and layer._output_shape is None))

        layers = list(self.layers)
        last = max((i for i, layer in enumerate(layers) if opaque(layer)), default=-1)
        untraceable = False
        if last >= 0:
            first = layers[0]
            dtype = first.dtype if isinstance(first, _layers.Layer) else float32
            shape = _first_leaf_shape(inputs)
            saved = (self.__dict__.get("_losses"), self.__dict__.get("_output_mask"))
            try:
                with _no_tape():
                    x = _core._constant(_np.zeros((1,) + tuple(shape[1:]),
                                                  dtype=dtype.as_numpy_dtype), dtype)
                    for layer in layers[:last + 1]:
                        try:
                            x = layer(x, training=False) if isinstance(layer, _layers.Layer) \
                                else layer(x)
                        except Exception:  # noqa: BLE001 - a failed trace is the answer
                            untraceable = opaque(layer)
                            break
            finally:
                self._losses, self._output_mask = saved
        self.__dict__["_untraceable"] = untraceable
        return untraceable


from .saving import load_model, save_model, clone_model, model_from_json  # noqa: E402,F401
