"""Keras' functional API: symbolic inputs (``keras.Input``), layers called on them, and the
graph ``keras.Model(inputs, outputs)`` runs.

``keras.Input(shape=...)`` returns a :class:`KerasTensor`: a shape and dtype with no values.
Calling a layer on KerasTensors builds the layer, finds its output shape by running it once on
zeros (batch 1) or from ``compute_output_shape``, and returns KerasTensors that remember the
call (a :class:`Node`). ``Model(inputs, outputs)`` collects the nodes between them in
execution order; calling the model runs those layer calls on real tensors, so every op is
recorded like any other. Arithmetic and indexing on KerasTensors become small Lambda layers.
"""

import numpy as _np

from .. import _core
from ..dtypes import as_dtype, float32
from ..module import _leaves

__all__ = ["KerasTensor", "Node", "Input"]


class Node:
    """One layer call in a functional graph: the layer, its arguments (KerasTensors inside any
    structure), its keyword arguments and its outputs."""

    __slots__ = ("layer", "args", "kwargs", "outputs")

    def __init__(self, layer, args, kwargs, outputs):
        self.layer, self.args, self.kwargs, self.outputs = layer, args, kwargs, outputs

    def parents(self):
        """The KerasTensors this call reads."""
        leaves = []
        _leaves([self.args, list(self.kwargs.values())], leaves)
        return [t for t in leaves if isinstance(t, KerasTensor)]


class KerasTensor:
    """A symbolic tensor of a functional model: ``shape`` (None for the batch and any unknown
    dimension) and ``dtype``, no values. ``_keras_history`` is (layer, node, output index)."""

    def __init__(self, shape, dtype=float32, name=None, layer=None, node=None, index=0):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = as_dtype(dtype)
        self.name = name
        self._keras_history = (layer, node, index)

    @property
    def ndim(self):
        """Number of dimensions."""
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype.name}, name={self.name}>"

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor has no value: it cannot be used as a Python bool")

    def __array__(self, dtype=None, copy=None):
        raise TypeError(f"A symbolic KerasTensor {self.shape} has no value: it cannot become a "
                        "numpy array. Call the model on data instead.")

    # -- operators become Lambda layers ------------------------------------------------------
    # Each is a Lambda of a named function (tensor_op / get_item) with its options in
    # `arguments`, so a functional model that uses them can be saved and loaded.
    def _op(self, op, name, *others, reflected=False):
        from .merging import Lambda
        if not others:
            return Lambda(tensor_op, arguments={"op": op}, name=_op_name(name))(self)
        args = {"op": op, "reflected": True} if reflected else {"op": op}
        return Lambda(tensor_op, arguments=args, name=_op_name(name))([self, *others])

    def __add__(self, o):
        return self._op("add", "add", o)

    def __radd__(self, o):
        return self._op("add", "add", o, reflected=True)

    def __sub__(self, o):
        return self._op("subtract", "subtract", o)

    def __rsub__(self, o):
        return self._op("subtract", "subtract", o, reflected=True)

    def __mul__(self, o):
        return self._op("multiply", "multiply", o)

    def __rmul__(self, o):
        return self._op("multiply", "multiply", o, reflected=True)

    def __truediv__(self, o):
        return self._op("divide", "divide", o)

    def __rtruediv__(self, o):
        return self._op("divide", "divide", o, reflected=True)

    def __pow__(self, o):
        return self._op("pow", "pow", o)

    def __matmul__(self, o):
        return self._op("matmul", "matmul", o)

    def __neg__(self):
        return self._op("negative", "negative")

    def __getitem__(self, key):
        from .merging import Lambda
        return Lambda(get_item, arguments={"key": key}, name=_op_name("get_item"))(self)


_TENSOR_OPS = {"add": _core.add, "subtract": _core.subtract, "multiply": _core.multiply,
               "divide": _core.divide, "pow": _core.pow, "matmul": _core.matmul}


def tensor_op(inputs, op, reflected=False):
    """What an operator on KerasTensors computes (the function of its Lambda layer):
    ``op`` ('add', 'subtract', 'multiply', 'divide', 'pow', 'matmul') of ``inputs = [a, b]``
    (of ``[b, a]`` when ``reflected``: ``2 - x``), or 'negative' of one tensor."""
    if op == "negative":
        return _core.negative(inputs)
    try:
        fn = _TENSOR_OPS[op]
    except KeyError:
        raise ValueError(f"tensor_op: unknown op {op!r}; expected one of "
                         f"{sorted(_TENSOR_OPS)} or 'negative'") from None
    a, b = inputs
    return fn(b, a) if reflected else fn(a, b)


def get_item(inputs, key):
    """``inputs[key]``: the function of the Lambda layer ``keras_tensor[key]`` makes."""
    return inputs[key]


def _op_name(base):
    from .layers import _unique_name
    return _unique_name(base)


def Input(shape=None, batch_size=None, name=None, dtype=None, batch_shape=None):
    """A symbolic input of ``shape`` (without the batch dimension), as ``keras.Input``: the
    start of a functional model, or the first entry of a Sequential."""
    from .layers import InputLayer
    layer = InputLayer(shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                       batch_shape=batch_shape)
    return layer.output


def is_symbolic(x):
    """True if ``x`` (a tensor or a list / tuple / dict of them) holds a KerasTensor."""
    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, (list, tuple, dict)):
        leaves = []
        _leaves(x, leaves)
        return any(isinstance(t, KerasTensor) for t in leaves)
    return False


def _map(fn, x):
    if isinstance(x, dict):
        return type(x)((k, _map(fn, v)) for k, v in x.items())
    if isinstance(x, (list, tuple)):
        return type(x)(_map(fn, v) for v in x)
    return fn(x)


class _Spec:
    """An output's shape and dtype (a leaf of the output structure)."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape, self.dtype = tuple(shape), dtype


def _concrete(t):
    """Zeros standing in for a KerasTensor: batch 1."""
    if not isinstance(t, KerasTensor):
        return t
    shape = [1 if d is None else d for d in t.shape]
    return _core._constant(_np.zeros(shape, dtype=t.dtype.as_numpy_dtype), t.dtype)


def symbolic_call(layer, inputs, args, kwargs):
    """``layer(inputs, *args, **kwargs)`` on KerasTensors: builds the layer, works out the
    outputs' shapes and returns KerasTensors that record the call."""
    leaves = []
    _leaves([inputs, list(args), list(kwargs.values())], leaves)
    unknown = any(isinstance(t, KerasTensor) and None in t.shape[1:] for t in leaves)
    shape = _map(lambda t: tuple(getattr(t, "shape", ())), inputs)
    out_spec = None
    if not unknown:
        # Run once on zeros of batch 1: the output structure and shapes, whatever the layer.
        real = layer(_map(_concrete, inputs), *_map(_concrete, list(args)),
                     **_map(_concrete, dict(kwargs)))
        out_spec = _map(lambda y: _Spec((None,) + tuple(y.shape[1:]) if y.ndim else (), y.dtype),
                        real)
    else:
        if not layer.built:
            layer._maybe_build(shape)
        out_shape = layer.compute_output_shape(shape)
        if out_shape is None:
            raise ValueError(f"Layer {layer.name!r} cannot give its output shape for inputs with "
                             f"unknown dimensions {shape}: give the Input a full shape")
        out_spec = _map_shapes(out_shape, _first_dtype(leaves, layer))
    node = Node(layer, (inputs,) + tuple(args), dict(kwargs), None)
    counter = iter(range(1 << 30))
    outputs = _map(lambda spec: KerasTensor(spec.shape, spec.dtype, name=f"{layer.name}_output",
                                            layer=layer, node=node, index=next(counter)),
                   out_spec)
    node.outputs = outputs
    return outputs


def _first_dtype(leaves, layer):
    for t in leaves:
        if isinstance(t, KerasTensor):
            return t.dtype if t.dtype.is_floating else layer.dtype
    return layer.dtype


def _map_shapes(shape, dtype):
    """compute_output_shape's result (a shape, or a list of shapes) as output specs."""
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return type(shape)(_Spec(s, dtype) for s in shape)
    return _Spec(shape, dtype)


class Graph:
    """The layer calls between a functional model's inputs and outputs, in execution order."""

    def __init__(self, inputs, outputs, owner):
        self.inputs, self.outputs = inputs, outputs
        flat_in, flat_out = [], []
        _leaves(inputs, flat_in)
        _leaves(outputs, flat_out)
        for what, flat in (("inputs", flat_in), ("outputs", flat_out)):
            bad = [t for t in flat if not isinstance(t, KerasTensor)]
            if bad or not flat:
                raise ValueError(f"{owner}: all {what} must be KerasTensors (from keras.Input and "
                                 f"layer calls on them), got {bad[0] if bad else what!r}")
        input_ids = {id(t) for t in flat_in}
        for t in flat_in:
            node = t._keras_history[1]
            if node is not None:
                raise ValueError(f"{owner}: input {t!r} must come from keras.Input, not from a "
                                 f"layer call")
        order, seen = [], set()

        def visit(t, path):
            if id(t) in input_ids:
                return
            node = t._keras_history[1]
            if node is None:
                raise ValueError(f"{owner}: graph disconnected: cannot obtain a value for "
                                 f"{t!r}, which is not among the model's inputs")
            if id(node) in seen:
                return
            if id(node) in path:
                raise ValueError(f"{owner}: the graph has a cycle at layer {node.layer.name!r}")
            path.add(id(node))
            for p in node.parents():
                visit(p, path)
            path.discard(id(node))
            seen.add(id(node))
            order.append(node)

        for t in flat_out:
            visit(t, set())
        self.nodes = order
        self.flat_inputs = flat_in

    def layers(self):
        """Every layer the graph calls, once each, in execution order (InputLayers first)."""
        out, seen = [], set()
        for t in self.flat_inputs:
            layer = t._keras_history[0]
            if layer is not None and id(layer) not in seen:
                seen.add(id(layer))
                out.append(layer)
        for node in self.nodes:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                out.append(node.layer)
        return out

    def run(self, values, training, masks_out=None):
        """The outputs for ``values`` (matching the inputs' structure): every node's layer
        called on real tensors, in order."""
        env = {}
        flat_vals = []
        if isinstance(self.inputs, KerasTensor):
            flat_vals = [values]
        elif isinstance(self.inputs, dict) and isinstance(values, dict):
            missing = set(self.inputs) - set(values)
            if missing:
                raise ValueError(f"missing model inputs {sorted(missing)}; the model takes "
                                 f"{sorted(self.inputs)}")
            flat_vals = [values[k] for k in sorted(self.inputs)]
        else:
            flat_vals = list(values) if isinstance(values, (list, tuple)) else [values]
        if len(flat_vals) != len(self.flat_inputs):
            raise ValueError(f"the model expects {len(self.flat_inputs)} input(s), got "
                             f"{len(flat_vals)}")
        for t, v in zip(self.flat_inputs, flat_vals):
            # Keras converts each input to its Input's dtype (ints too: an int array fed to a
            # float Input becomes float, a float one fed to an int Input int).
            if isinstance(v, _core.Tensor) and v.dtype != t.dtype:
                v = _core.cast(v, t.dtype)
            env[id(t)] = v

        def value(t):
            return env[id(t)] if isinstance(t, KerasTensor) else t

        masks = {}  # id(KerasTensor) -> the padding mask of its value, when there is one
        for node in self.nodes:
            args = _map(value, node.args)
            kwargs = _map(value, node.kwargs)
            if training is not None:
                kwargs.setdefault("training", training)
            src = node.args[0]
            mask = masks.get(id(src)) if isinstance(src, KerasTensor) else None
            layer = node.layer
            if mask is not None and "mask" not in kwargs:
                kwargs["mask"] = mask
            out = layer(*args, **kwargs)
            if (mask is not None or getattr(layer, "_makes_mask", False)) and \
                    isinstance(node.outputs, KerasTensor) and hasattr(layer, "compute_mask"):
                new_mask = layer.compute_mask(args[0], mask)
                if new_mask is not None:
                    masks[id(node.outputs)] = new_mask
            flat_sym, flat_out = [], []
            _leaves(node.outputs, flat_sym)
            _leaves(out, flat_out)
            for s, o in zip(flat_sym, flat_out):
                env[id(s)] = o
        if masks_out is not None:  # the padding masks of the outputs (None where there is none)
            flat_out = []
            _leaves(self.outputs, flat_out)
            masks_out.extend(masks.get(id(t)) for t in flat_out)
        return _map(value, self.outputs)


def _pack(structure, flat):
    """``flat`` (in ``_leaves`` order) rebuilt into ``structure``'s lists, tuples and dicts."""
    it = iter(flat)

    def pack(s):
        if isinstance(s, dict):
            keys = list(s)
            try:
                order = sorted(keys)
            except TypeError:
                order = keys
            packed = {k: pack(s[k]) for k in order}
            return type(s)((k, packed[k]) for k in keys)
        if isinstance(s, (list, tuple)):
            return type(s)(pack(v) for v in s)
        return next(it)
    return pack(structure)
