"""tapegrad.keras.saving: Keras 3's object serialization and whole-model saving.

``serialize_keras_object(obj)`` turns a layer, model, initializer, regularizer, optimizer,
learning-rate schedule, loss, metric or function into a JSON-able dict, Keras 3's layout::

    {"module": "tapegrad.keras.layers", "class_name": "Dense",
     "config": {"name": "dense", "units": 4, ...}, "registered_name": None,
     "build_config": {"input_shape": ...}}

and ``deserialize_keras_object(config, custom_objects=None, safe_mode=True)`` makes the object
again (``cls.from_config(config)``). Classes and functions outside tapegrad are found by
``register_keras_serializable(package, name)`` (the name ``"package>Name"``),
``custom_objects={"Name": cls}`` or a ``custom_object_scope``; a name found nowhere is a
``TypeError`` that says so. Tuples, numpy arrays, tensors, slices, ``...`` and bytes are kept
as ``{"class_name": "__tuple__" / "__numpy__" / ..., "config": ...}`` so that they come back
as they were. A Python ``lambda`` is stored as its marshalled bytecode (``"__lambda__"``,
with its defaults, closure and the modules it uses); loading one runs code from the file, so
it needs ``safe_mode=False``, as Keras (and the same Python minor version).

The ``.keras`` file (``model.save(path)``, ``load_model(path)``)
----------------------------------------------------------------
A zip archive with three members, as Keras 3's (which holds ``model.weights.h5`` instead of
the npz):

- ``config.json``: ``serialize_keras_object(model)``: the model's config (a Sequential's
  layers in order and its build input shape; a functional model's layers, each with its
  ``inbound_nodes`` (the calls: ``{"args", "kwargs"}`` with ``__keras_tensor__`` references
  ``[layer name, node index, tensor index]``), and ``input_layers`` / ``output_layers``;
  a subclassed model's ``get_config()`` and ``build_config``), and ``compile_config``: the
  optimizer (its config, learning-rate schedule included), loss, metrics, loss_weights and
  weighted_metrics given to ``compile``.
- ``metadata.json``: ``{"format": "tapegrad.keras", "format_version": 1,
  "tapegrad_version": ..., "date_saved": ..., "note": ...}``.
- ``model.weights.npz``: a numpy ``.npz`` archive (tapegrad has no HDF5 dependency) with
  every Variable of the model under its path (``layers/<layer name>/vars/<i>`` for the
  layers of a Sequential or functional model, ``<attribute>/vars/<i>`` for the layers a
  subclassed model holds, nested as the layers are), and the optimizer's state:
  ``optimizer/iterations``, its per-variable slots ``optimizer/slots/<variable path>/<slot>``
  (momentum, Adam's m and v, ...) and any scalar state of its rule (Nadam's momentum
  product), so that training continues exactly where it stopped.
- ``assets/<layer path>/...`` (only when a layer writes some): the files a layer's
  ``save_assets(dir_path)`` writes (an adapted IntegerLookup's ``vocabulary.txt``, as
  Keras'); ``load_model`` hands them to the rebuilt layer's ``load_assets(dir_path)`` before
  the weights are loaded.

Keras cannot read these files (nor tapegrad Keras' ``.h5`` weights): the config follows
Keras' layout, but module names are tapegrad's and the weights are an npz. Loading never
changes ``tapegrad.random``'s global state (the layers' initial values are drawn and
overwritten under a saved generator state).
"""

import base64
import builtins
import datetime
import importlib
import inspect
import io
import json
import marshal
import os
import sys
import threading
import types
import warnings
import zipfile
import zlib

import numpy as _np

__all__ = ["serialize_keras_object", "deserialize_keras_object", "register_keras_serializable",
           "get_registered_object", "get_registered_name", "get_custom_objects",
           "custom_object_scope", "CustomObjectScope", "save_model", "load_model",
           "clone_model", "model_from_json"]

FORMAT = "tapegrad.keras"
FORMAT_VERSION = 1
_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.npz"

_GLOBAL_CUSTOM_OBJECTS = {}  # "package>Name" -> class or function
_GLOBAL_CUSTOM_NAMES = {}  # class or function -> "package>Name"
_state = threading.local()  # .objects (custom_object_scope), .safe_mode, .collect


# -- registration and custom objects ----------------------------------------------------------

def register_keras_serializable(package="Custom", name=None):
    """A decorator that registers a class or function for (de)serialization under
    ``"package>name"`` (``name`` defaults to its ``__name__``), as
    ``keras.saving.register_keras_serializable``. A registered class must have a
    ``get_config`` method; loading then finds it without ``custom_objects``."""
    if not isinstance(package, str) or not package or ">" in package:
        raise ValueError(f"register_keras_serializable: `package` must be a non-empty string "
                         f"without '>', got {package!r}")
    if name is not None and (not isinstance(name, str) or not name):
        raise ValueError(f"register_keras_serializable: `name` must be a non-empty string or "
                         f"None, got {name!r}")

    def decorator(arg):
        if not (inspect.isclass(arg) or isinstance(arg, (types.FunctionType,
                                                          types.BuiltinFunctionType))):
            raise TypeError(f"register_keras_serializable: can register a class or a function, "
                            f"got {arg!r} of type {type(arg).__name__}")
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        registered = f"{package}>{name if name is not None else arg.__name__}"
        _GLOBAL_CUSTOM_OBJECTS[registered] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered
        return arg
    return decorator


def get_registered_name(obj):
    """The name ``obj`` (a class or function) is registered under (``"package>Name"``), or
    its ``__name__`` when it is not registered, as Keras'."""
    try:
        name = _GLOBAL_CUSTOM_NAMES.get(obj)
    except TypeError:  # unhashable
        name = None
    return name if name is not None else getattr(obj, "__name__", None)


def get_custom_objects():
    """The live global dict of registered objects (``"package>Name" -> object``); adding to
    it registers, as ``keras.saving.get_custom_objects``."""
    return _GLOBAL_CUSTOM_OBJECTS


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function called ``name`` in the innermost ``custom_object_scope``, the
    global registry, ``custom_objects`` or ``module_objects`` (in that order), or None."""
    for table in (getattr(_state, "objects", None), _GLOBAL_CUSTOM_OBJECTS, custom_objects,
                  module_objects):
        if table and name in table:
            return table[name]
    return None


class CustomObjectScope:
    """``with custom_object_scope({"MyLayer": MyLayer}):`` makes those names known to every
    deserialization inside the block (this thread), as Keras' ``CustomObjectScope``."""

    def __init__(self, *custom_objects):
        for d in custom_objects:
            if d is not None and not isinstance(d, dict):
                raise TypeError(f"custom_object_scope: expected dicts of name -> object, got "
                                f"{d!r} of type {type(d).__name__}")
        self.custom_objects = [d for d in custom_objects if d]
        self._backup = None

    def __enter__(self):
        self._backup = getattr(_state, "objects", None)
        merged = dict(self._backup or {})
        for d in self.custom_objects:
            merged.update(d)
        _state.objects = merged
        return self

    def __exit__(self, *exc):
        _state.objects = self._backup
        return False


custom_object_scope = CustomObjectScope


class _SafeMode:
    """Internal: the safe-mode flag seen by nested deserializations (this thread)."""

    def __init__(self, value):
        self.value = value

    def __enter__(self):
        self._backup = getattr(_state, "safe_mode", None)
        _state.safe_mode = self.value

    def __exit__(self, *exc):
        _state.safe_mode = self._backup
        return False


class _Collect:
    """Internal: records every class and function serialized inside the block by the names
    a config refers to them by (clone_model rebuilds from configs within the same process)."""

    def __enter__(self):
        self._backup = getattr(_state, "collect", None)
        self.objects = {}
        _state.collect = self.objects
        return self

    def __exit__(self, *exc):
        _state.collect = self._backup
        return False


def _remember(obj, *names):
    table = getattr(_state, "collect", None)
    if table is not None:
        for n in names:
            if n:
                table.setdefault(n, obj)


# -- serialization ----------------------------------------------------------------------------

_SPECIAL = ("__tuple__", "__numpy__", "__tensor__", "__bytes__", "__slice__", "__ellipsis__",
            "__lambda__", "__keras_tensor__")


def _is_tapegrad(module):
    return isinstance(module, str) and (module == "tapegrad" or module.startswith("tapegrad."))


def _class_name(obj):
    from .models import Model
    if type(obj) is Model and obj._graph is not None:
        return "Functional"  # Keras 3's name for keras.Model(inputs, outputs)
    return type(obj).__name__


def serialize_keras_object(obj):
    """A JSON-able description of ``obj``, as ``keras.saving.serialize_keras_object``:
    None, bools, numbers and strings as they are; lists and dicts element by element; an
    object with ``get_config`` as ``{"module", "class_name", "config", "registered_name"}``
    (and ``build_config`` / ``compile_config`` for built layers and compiled models); a
    function by module and name; tuples, numpy arrays, tensors, slices, ``...`` and bytes as
    ``{"class_name": "__tuple__", ...}``-style dicts; a ``lambda`` as its bytecode (with a
    warning: loading it needs ``safe_mode=False``). Anything else is a TypeError."""
    from .. import _core
    from ..dtypes import DType
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, _np.generic):
        return obj.item()
    if isinstance(obj, list):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, tuple):
        return {"class_name": "__tuple__",
                "config": {"value": [serialize_keras_object(x) for x in obj]}}
    if isinstance(obj, dict):
        return _serialize_dict(obj)
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {
            "start": serialize_keras_object(obj.start), "stop": serialize_keras_object(obj.stop),
            "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    from .functional import KerasTensor
    if isinstance(obj, KerasTensor):
        raise TypeError(f"serialize_keras_object: a symbolic KerasTensor ({obj!r}) can only be "
                        "serialized as part of its functional model's config")
    if isinstance(obj, (_core.Tensor, _core.Variable)):
        return {"class_name": "__tensor__",
                "config": {"value": obj.numpy().tolist(), "dtype": obj.dtype.name}}
    if isinstance(obj, _np.ndarray):
        if obj.dtype.kind not in "biuf":
            raise TypeError(f"serialize_keras_object: cannot serialize a numpy array of dtype "
                            f"{obj.dtype}")
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(),
                                                      "dtype": obj.dtype.name}}
    if isinstance(obj, DType):
        return obj.name
    if isinstance(obj, _np.dtype):
        return obj.name
    if isinstance(obj, type) and issubclass(obj, _np.generic):
        return _np.dtype(obj).name
    if isinstance(obj, types.FunctionType) and obj.__name__ == "<lambda>":
        warnings.warn("The object being serialized includes a `lambda`, stored as Python "
                      "bytecode: loading it runs code from the file, so it needs "
                      "safe_mode=False (and the same Python version). Use a named function "
                      "(registered with keras.saving.register_keras_serializable) instead.",
                      UserWarning, stacklevel=2)
        return _lambda_config(obj)
    if isinstance(obj, (types.FunctionType, types.BuiltinFunctionType)):
        return _function_config(obj)
    if inspect.isclass(obj):
        raise TypeError(f"serialize_keras_object: cannot serialize the class {obj.__name__} "
                        "itself; pass an instance (or register a function)")
    if hasattr(obj, "get_config"):
        return _object_config(obj)
    raise TypeError(f"Cannot serialize object {obj!r} of type {type(obj).__name__}. To be "
                    "serializable, a class must implement the `get_config()` method.")


def _serialize_dict(d):
    out = {}
    for k, v in d.items():
        if not isinstance(k, str):
            raise TypeError(f"serialize_keras_object: dict keys must be strings, got {k!r} "
                            f"({type(k).__name__})")
        out[k] = serialize_keras_object(v)
    return out


def _function_config(fn):
    module = getattr(fn, "__module__", None)
    name = fn.__name__
    registered = _GLOBAL_CUSTOM_NAMES.get(fn)
    _remember(fn, registered, name)
    return {"module": module, "class_name": "function", "config": name,
            "registered_name": registered if registered is not None else
            (None if _is_tapegrad(module) else name)}


def _serialized_class(obj):
    cls = type(obj)
    dist = sys.modules.get("tapegrad.distributed")
    if dist is not None and isinstance(obj, dist._DistributedOptimizerMixin):
        cls = cls.__mro__[2]  # a DistributedOptimizer is saved as the optimizer it wraps
    return cls


def _object_config(obj):
    cls = _serialized_class(obj)
    config = obj.get_config()
    if not isinstance(config, dict):
        raise TypeError(f"The `get_config()` method of {obj!r} should return a dict. It "
                        f"returned: {config!r}")
    registered = _GLOBAL_CUSTOM_NAMES.get(cls)
    _remember(cls, registered, cls.__name__)
    out = {"module": cls.__module__,
           "class_name": _class_name(obj) if cls is type(obj) else cls.__name__,
           "config": _serialize_dict(config),
           "registered_name": registered if registered is not None else
           (None if _is_tapegrad(cls.__module__) else cls.__name__)}
    if hasattr(obj, "get_build_config"):
        build = obj.get_build_config()
        if build is not None:
            out["build_config"] = _serialize_dict(build)
    if hasattr(obj, "get_compile_config"):
        compile_config = obj.get_compile_config()
        if compile_config is not None:
            out["compile_config"] = compile_config
    return out


def _code_names(code):
    """Every global name a code object (and the code objects nested in it) reads."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _code_names(const)
    return names


def _lambda_config(fn):
    try:
        closure = None if fn.__closure__ is None else \
            [serialize_keras_object(c.cell_contents) for c in fn.__closure__]
    except ValueError:
        raise TypeError("serialize_keras_object: the lambda's closure has an empty cell") from None
    modules, values = {}, {}
    for name in sorted(_code_names(fn.__code__)):
        if name not in fn.__globals__:
            continue
        value = fn.__globals__[name]
        if isinstance(value, types.ModuleType):
            modules[name] = value.__name__
        else:
            try:
                values[name] = serialize_keras_object(value)
            except TypeError:
                pass  # not storable: the loaded lambda raises NameError if it reads it
    return {"class_name": "__lambda__", "config": {
        "code": base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii"),
        "defaults": None if fn.__defaults__ is None else
        [serialize_keras_object(d) for d in fn.__defaults__],
        "closure": closure, "modules": modules, "globals": values,
        "python": "%d.%d" % sys.version_info[:2]}}


# -- deserialization --------------------------------------------------------------------------

def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object ``config`` (from ``serialize_keras_object``) describes, as
    ``keras.saving.deserialize_keras_object``: its class is found in ``custom_objects``, the
    active ``custom_object_scope``s and the registry (by registered name, then class name),
    else among tapegrad's classes and functions; then ``cls.from_config(config["config"])``.
    A class found nowhere is a TypeError naming it. ``safe_mode`` (True) refuses to load a
    ``lambda``'s bytecode. ``module_objects`` (a dict) adds a table of names to search."""
    module_objects = kwargs.pop("module_objects", None)
    if kwargs:
        raise TypeError(f"deserialize_keras_object: unexpected keyword arguments {sorted(kwargs)}")
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError(f"deserialize_keras_object: `custom_objects` must be a dict, got "
                        f"{type(custom_objects).__name__}")
    scoped = getattr(_state, "safe_mode", None)
    safe = bool(scoped if scoped is not None else safe_mode)
    if isinstance(config, str):  # a bare name: a custom object, else the string itself
        found = get_registered_object(config, custom_objects, module_objects)
        return found if found is not None else config
    with CustomObjectScope(custom_objects), _SafeMode(safe):
        return _from(config, module_objects)


def _lookup(name, registered, module, kind, module_objects, full):
    # Keras' order: a registered name first; a class name only for classes outside tapegrad
    # (so that custom_objects cannot silently replace a built-in layer).
    keys = [registered, name] if registered else ([] if _is_tapegrad(module) else [name])
    for key in keys:
        found = get_registered_object(key)
        if found is not None:
            return found
    if module_objects and name in module_objects:
        return module_objects[name]
    if kind == "class" and name == "Functional" and (module is None or _is_tapegrad(module)):
        from .models import Model
        return Model
    if _is_tapegrad(module):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            mod = None
        found = getattr(mod, name, None) if mod is not None else None
        if found is not None:
            return found
    elif module is None:
        found = _builtin(name)
        if found is not None:
            return found
    raise TypeError(f"Could not locate {kind} '{name}'. Make sure custom classes and functions "
                    "are decorated with `@keras.saving.register_keras_serializable()` or passed "
                    f"in `custom_objects`. Full object config: {_short(full)}")


def _short(config, limit=600):
    text = repr(config)
    return text if len(text) <= limit else text[:limit] + "...}"


def _builtin(name):
    """A tapegrad Keras class or function by name, for configs without a module."""
    from . import activations, initializers, layers, losses, metrics, models, optimizers
    from . import constraints, regularizers, schedules
    for mod in (layers, models, initializers, regularizers, constraints, optimizers, schedules,
                losses, metrics, activations):
        found = vars(mod).get(name)
        if found is not None and (inspect.isclass(found) or callable(found)):
            return found
    return None


def _plain(value):
    """``value`` with the special encodings (tuples, arrays, slices, ...) decoded; the
    configs of nested objects are left as dicts for their owner's ``from_config``."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        if "class_name" in value and "config" in value:
            return _from(value, None) if value["class_name"] in _SPECIAL else value
        return {k: _plain(v) for k, v in value.items()}
    return value


def _from(config, module_objects):
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    if isinstance(config, (list, tuple)):
        return [_from(c, module_objects) for c in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {_short(config)}")
    if "class_name" not in config or "config" not in config:
        return {k: _from(v, module_objects) for k, v in config.items()}
    class_name, inner = config["class_name"], config["config"]
    if class_name == "__tuple__":
        return tuple(_from(v, None) for v in inner["value"])
    if class_name == "__numpy__":
        return _np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__tensor__":
        from .. import _core
        from ..dtypes import as_dtype
        dtype = as_dtype(inner["dtype"])
        return _core._constant(_np.array(inner["value"], dtype=dtype.as_numpy_dtype), dtype)
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__slice__":
        return slice(_from(inner["start"], None), _from(inner["stop"], None),
                     _from(inner["step"], None))
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__lambda__":
        return _lambda_from_config(inner)
    if class_name == "__keras_tensor__":
        raise ValueError("deserialize_keras_object: a __keras_tensor__ reference outside of a "
                         "functional model's inbound_nodes")
    if not isinstance(class_name, str):
        raise TypeError(f"Could not parse config: class_name must be a string, got "
                        f"{_short(config)}")
    module = config.get("module")
    registered = config.get("registered_name")
    if class_name == "function":
        return _lookup(inner, registered, module, "function", module_objects, config)
    cls = _lookup(class_name, registered, module, "class", module_objects, config)
    if isinstance(cls, (types.FunctionType, types.BuiltinFunctionType)):
        return cls
    if not hasattr(cls, "from_config"):
        raise TypeError(f"Unable to reconstruct an instance of '{class_name}' because the class "
                        f"is missing a `from_config()` method. Full object config: {_short(config)}")
    inner = _plain(inner if inner is not None else {})
    try:
        instance = cls.from_config(inner)
    except TypeError as e:
        raise TypeError(f"{cls.__name__} could not be deserialized properly: {e}. Make sure "
                        "that the objects its get_config() returns (layers, models, ...) are "
                        "deserialized in its from_config(), and that its constructor takes "
                        f"every key of the config. config={_short(config)}") from e
    build_config = config.get("build_config")
    if build_config and not getattr(instance, "built", True):
        instance.build_from_config(_plain(build_config))
    compile_config = config.get("compile_config")
    if compile_config and hasattr(instance, "compile_from_config"):
        instance.compile_from_config(compile_config)
    return instance


def _lambda_from_config(inner):
    if getattr(_state, "safe_mode", None):
        raise ValueError(
            "Requested the deserialization of a `lambda` object. This carries a potential risk "
            "of arbitrary code execution and thus it is disallowed by default. If you trust the "
            "source of the saved model, you can pass `safe_mode=False` to the loading function "
            "(load_model, deserialize_keras_object, model_from_json) in order to allow `lambda` "
            "loading.")
    here = "%d.%d" % sys.version_info[:2]
    if inner.get("python") not in (None, here):
        raise ValueError(f"Cannot load a `lambda` saved by Python {inner.get('python')} under "
                         f"Python {here}: its bytecode is specific to the Python version")
    code = marshal.loads(base64.b64decode(inner["code"]))
    globs = {"__builtins__": builtins}
    for name, module in (inner.get("modules") or {}).items():
        globs[name] = importlib.import_module(module)
    for name, value in (inner.get("globals") or {}).items():
        globs[name] = _from(value, None)
    defaults = inner.get("defaults")
    closure = inner.get("closure")
    return types.FunctionType(
        code, globs, code.co_name,
        None if defaults is None else tuple(_from(d, None) for d in defaults),
        None if closure is None else tuple(types.CellType(_from(c, None)) for c in closure))


def _nested(config):
    """A nested object's config (a layer's cell, a wrapped layer, a loss's function)
    deserialized inside a ``from_config``: the custom objects and safe mode of the
    deserialization in progress apply (outside one, a ``lambda`` is allowed, as Keras'
    ``from_config``); an object that is not a config is returned as it is."""
    if isinstance(config, (dict, list)):
        return _from(config, None)
    return config


def _with_fn(cls, config):
    """``cls(**config)`` with a wrapped function's config (``fn``, a dict) deserialized: the
    ``from_config`` of Loss and Metric, whose wrappers keep the function in ``fn``."""
    config = dict(config)
    if isinstance(config.get("fn"), dict):
        config["fn"] = _nested(config["fn"])
    return cls(**config)


def _function_or_none(value, what):
    """A function from a config value: a function config dict (deserialized in the current
    scope and safe mode), a callable, or None."""
    if value is None or callable(value):
        return value
    if isinstance(value, dict):
        return _from(value, None)
    raise TypeError(f"{what}: expected a function or its config, got {value!r}")


# -- model configs ----------------------------------------------------------------------------

def _functional_like(cls):
    from .models import Model
    return cls.__init__ is Model.__init__


def _unique_layer_names(model, layers):
    names = {}
    for layer in layers:
        if layer.name in names and names[layer.name] is not layer:
            raise ValueError(f"Model {model.name!r}: the name {layer.name!r} is used by two "
                             "layers; layer names must be unique within a model to save or "
                             "serialize it (name the layers)")
        names[layer.name] = layer


def _model_config(model):
    """Model.get_config: Sequential, functional or subclassed (see Model.get_config)."""
    from .models import Model, Sequential
    if isinstance(model, Sequential):
        return _sequential_config(model)
    if model._graph is not None and _functional_like(type(model)):
        return _functional_config(model)
    config = {"name": model.name, "trainable": model.trainable}
    if type(model).get_config is not Model.get_config:
        return config  # the subclass's get_config adds its arguments
    return _auto_config(model, config, "Model")


def _auto_config(obj, base, kind):
    """Keras 3's automatic config of a subclass without get_config: the constructor's
    arguments, when they were plain values (numbers, strings, None, lists and dicts of them)."""
    cls = type(obj)
    auto = obj.__dict__.get("_auto_config")
    if auto is None:
        raise NotImplementedError(
            f"{kind} {cls.__name__} was created by passing non-serializable argument values "
            f"in `__init__()` (or has no recorded arguments), and therefore it must override "
            f"`get_config()` in order to be serializable: return a dict of the arguments "
            f"`__init__` needs (`config = super().get_config(); config.update(units=self."
            f"units); return config`) and register the class with "
            f"@keras.saving.register_keras_serializable().")
    args, kwargs = auto
    sig = inspect.signature(cls.__init__)
    params = list(sig.parameters.values())[1:]
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                        p.POSITIONAL_OR_KEYWORD)]
    if len(args) > len(positional):
        raise NotImplementedError(f"{kind} {cls.__name__}: arguments passed as *args cannot be "
                                  "named in a config; override `get_config()`")
    config = dict(base)
    from ..dtypes import DType
    named = dict(zip(positional, args))
    named.update(kwargs)
    for k, v in named.items():
        if k not in base:  # name, trainable, dtype: the layer's own (a generated name too)
            config[k] = v.name if isinstance(v, DType) else v
    if not any(p.kind == p.VAR_KEYWORD for p in params):
        accepted = {p.name for p in params}
        for key in set(base) - accepted:
            config.pop(key, None)
    return config


def _sequential_config(model):
    from .layers import Layer
    layers = []
    for layer in model.layers:
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential {model.name!r}: the entry {layer!r} is a plain callable, "
                            "not a Layer: it cannot be serialized (wrap it in a Lambda layer)")
        layers.append(serialize_keras_object(layer))
    config = {"name": model.name, "trainable": model.trainable, "layers": layers}
    if model._input_shape is not None:
        config["build_input_shape"] = tuple(model._input_shape)
    return config


def _sequential_from_config(cls, config):
    config = dict(config)
    model = cls(name=config.get("name"))
    for layer_config in config.get("layers", []):
        model.add(_from(layer_config, None) if isinstance(layer_config, dict) else layer_config)
    if "trainable" in config:
        model.trainable = bool(config["trainable"])
    shape = config.get("build_input_shape")
    if shape is not None and model._input_shape is None:
        model.build(tuple(_plain(shape)))
    return model


def _node_positions(graph):
    """id(node) -> its index among the calls of its layer in this graph; id(layer) -> nodes."""
    index, per_layer = {}, {}
    for node in graph.nodes:
        calls = per_layer.setdefault(id(node.layer), [])
        index[id(node)] = len(calls)
        calls.append(node)
    return index, per_layer


def _functional_config(model):
    from .functional import KerasTensor
    graph = model._graph
    layers = graph.layers()
    _unique_layer_names(model, layers)
    index, per_layer = _node_positions(graph)

    def ref(t):
        layer, node, i = t._keras_history
        return [layer.name, 0 if node is None else index[id(node)], int(i)]

    def node_value(x):
        if isinstance(x, KerasTensor):
            return {"class_name": "__keras_tensor__", "config": {
                "shape": list(x.shape), "dtype": x.dtype.name, "keras_history": ref(x)}}
        if isinstance(x, list):
            return [node_value(v) for v in x]
        if isinstance(x, tuple):
            return {"class_name": "__tuple__", "config": {"value": [node_value(v) for v in x]}}
        if isinstance(x, dict):
            return {k: node_value(v) for k, v in x.items()}
        return serialize_keras_object(x)

    def structure(s):
        if isinstance(s, KerasTensor):
            return ref(s)
        if isinstance(s, list):
            return [structure(v) for v in s]
        if isinstance(s, tuple):
            return {"class_name": "__tuple__", "config": {"value": [structure(v) for v in s]}}
        return {k: structure(v) for k, v in s.items()}

    layer_configs = []
    for layer in layers:
        entry = serialize_keras_object(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [{"args": [node_value(a) for a in node.args],
                                   "kwargs": node_value(dict(node.kwargs))}
                                  for node in per_layer.get(id(layer), [])]
        layer_configs.append(entry)
    return {"name": model.name, "trainable": model.trainable, "layers": layer_configs,
            "input_layers": structure(graph.inputs), "output_layers": structure(graph.outputs)}


class _NotReady(Exception):
    """A node's input comes from a call that has not been replayed yet."""


def _functional_from_config(cls, config):
    from . import functional
    from .layers import InputLayer, Layer
    config = dict(config)
    try:
        layer_configs = config.pop("layers")
        inputs_cfg, outputs_cfg = config.pop("input_layers"), config.pop("output_layers")
    except KeyError as e:
        raise ValueError(f"functional model config: missing {e}") from None
    name, trainable = config.pop("name", None), config.pop("trainable", True)
    created, outputs, pending, order = {}, {}, {}, []
    for entry in layer_configs:
        layer = _from(entry, None)
        if not isinstance(layer, Layer):
            raise ValueError(f"functional model config: expected a layer, got {layer!r}")
        layer_name = entry.get("name", layer.name)
        created[layer_name] = layer
        order.append(layer_name)
        pending[layer_name] = list(entry.get("inbound_nodes") or [])
        if isinstance(layer, InputLayer):
            outputs[layer_name] = [[layer.output]]

    def tensor(history):
        layer_name, node, i = history
        if layer_name not in created:
            raise ValueError(f"functional model config: a node refers to the layer "
                             f"{layer_name!r}, which the config does not define")
        calls = outputs.get(layer_name, [])
        if node >= len(calls):
            raise _NotReady(layer_name)
        try:
            return calls[node][i]
        except IndexError:
            raise ValueError(f"functional model config: layer {layer_name!r} has no output "
                             f"{i} at call {node}") from None

    def decode(x):
        if isinstance(x, list):
            return [decode(v) for v in x]
        if isinstance(x, dict):
            if x.get("class_name") == "__keras_tensor__":
                return tensor(x["config"]["keras_history"])
            if x.get("class_name") == "__tuple__" and "config" in x:
                return tuple(decode(v) for v in x["config"]["value"])
            if "class_name" in x and "config" in x:
                return _from(x, None)
            return {k: decode(v) for k, v in x.items()}
        return x

    while any(pending.values()):
        progress = False
        for layer_name in order:
            queue = pending[layer_name]
            while queue:
                try:
                    args = decode(queue[0].get("args", []))
                    kwargs = decode(queue[0].get("kwargs", {}))
                except _NotReady:
                    break
                out = created[layer_name](*args, **kwargs)
                flat = []
                functional._map(flat.append, out)
                outputs.setdefault(layer_name, []).append(flat)
                queue.pop(0)
                progress = True
        if not progress:
            stuck = sorted(n for n, q in pending.items() if q)
            raise ValueError(f"functional model config: the calls of layers {stuck} wait for "
                             "inputs that no call produces (a cycle or a missing layer)")

    def structure(s):
        if isinstance(s, list) and len(s) == 3 and isinstance(s[0], str):
            try:
                return tensor(s)
            except _NotReady:
                raise ValueError(f"functional model config: no call of layer {s[0]!r} "
                                 f"produced the tensor {s}") from None
        if isinstance(s, dict) and s.get("class_name") == "__tuple__":
            return tuple(structure(v) for v in s["config"]["value"])
        if isinstance(s, dict):
            return {k: structure(v) for k, v in s.items()}
        if isinstance(s, list):
            return [structure(v) for v in s]
        raise ValueError(f"functional model config: cannot read the tensor reference {s!r}")

    return cls(inputs=structure(inputs_cfg), outputs=structure(outputs_cfg), name=name,
               trainable=trainable, **config)


def _model_from_config(cls, config, custom_objects=None):
    """Model.from_config: a Sequential, a functional model (its config has layers,
    input_layers and output_layers and the class has Model's constructor), else
    ``cls(**config)``."""
    from .models import Sequential
    if not isinstance(config, dict):
        raise TypeError(f"{cls.__name__}.from_config: expected a dict, got {type(config).__name__}")
    with CustomObjectScope(custom_objects):
        if issubclass(cls, Sequential):
            return _sequential_from_config(cls, config)
        if all(k in config for k in ("layers", "input_layers", "output_layers")) and \
                _functional_like(cls):
            return _functional_from_config(cls, config)
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(
                f"Unable to revive model from config. When overriding the `get_config()` method, "
                f"make sure that the returned config contains all items used as arguments in the "
                f"constructor to {cls}, which is the default behavior. You can override this "
                f"default behavior by defining a `from_config(cls, config)` class method to "
                f"specify how to create an instance of {cls.__name__} from its config.\n\n"
                f"Received config={_short(config)}\n\nError encountered during "
                f"deserialization: {e}") from e


# -- weights and optimizer state --------------------------------------------------------------

def _with_paths(value, prefix, out):
    """(path, leaf) for the leaves of an attribute value, in tf.nest's order."""
    from .._nest import _sorted_keys
    if isinstance(value, dict):
        for k in _sorted_keys(value):
            _with_paths(value[k], f"{prefix}/{k}", out)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _with_paths(v, f"{prefix}/{i}", out)
    else:
        out.append((prefix, value))


def _layer_members(layer):
    """(own Variables, [(path, sub-layer)]) of ``layer`` as the saved paths name them: the
    layers of a Sequential or functional model are ``layers/<name>``, the layers held in
    attributes ``<attribute>[/<index or key>]``."""
    from .. import _core
    from .layers import Layer
    from .models import Model, Sequential
    own, children = list(layer._weights), []
    skip = {"_weights"}
    listed = None
    if isinstance(layer, Sequential):
        listed, skip = layer._layer_list, skip | {"_layer_list"}
    elif isinstance(layer, Model) and layer._graph is not None:
        listed, skip = layer._functional_layers, skip | {"_functional_layers"}
    if listed is not None:
        subs = [sub for sub in listed if isinstance(sub, Layer)]
        _unique_layer_names(layer, subs)
        children += [(f"layers/{sub.name}", sub) for sub in subs]
    for key, value in vars(layer).items():
        if key in skip:
            continue
        leaves = []
        _with_paths(value, key, leaves)
        for path, leaf in leaves:
            if isinstance(leaf, _core.Variable):
                own.append(leaf)
            elif isinstance(leaf, Layer):
                children.append((path, leaf))
    return own, children


def _walk_layers(model, fn):
    """Calls fn(prefix, layer, own Variables) for ``model`` and every layer under it, each
    once, depth first, with the path prefix ``_layer_members`` names it by."""
    seen = set()

    def visit(layer, prefix):
        seen.add(id(layer))
        own, children = _layer_members(layer)
        fn(prefix, layer, own)
        for path, child in children:
            if id(child) not in seen:
                visit(child, f"{prefix}{path}/")

    visit(model, "")


def _variable_paths(model):
    """path -> Variable for every Variable of ``model`` (the set of ``model.weights``), each
    once: a layer's own Variables are ``<layer path>/vars/<i>`` (layer paths: see
    ``_layer_members``)."""
    out, seen_vars = {}, set()

    def take(prefix, layer, own):
        k = 0
        for v in own:
            if id(v) not in seen_vars:
                seen_vars.add(id(v))
                out[f"{prefix}vars/{k}"] = v
                k += 1

    _walk_layers(model, take)
    return out


def _asset_layers(model):
    """(path prefix, layer) for the layers of ``model`` (itself included) that have
    ``save_assets`` / ``load_assets``, with the paths ``_variable_paths`` gives them."""
    out = []

    def take(prefix, layer, own):
        if callable(getattr(layer, "save_assets", None)) or \
                callable(getattr(layer, "load_assets", None)):
            out.append((prefix, layer))

    _walk_layers(model, take)
    return out


def _saved_assets(model):
    """zip member name -> bytes of the files each layer's ``save_assets`` writes."""
    import tempfile
    files = {}
    for prefix, layer in _asset_layers(model):
        if not callable(getattr(layer, "save_assets", None)):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            layer.save_assets(tmp)
            for root, _, names in os.walk(tmp):
                for name in names:
                    full = os.path.join(root, name)
                    rel = os.path.relpath(full, tmp).replace(os.sep, "/")
                    with open(full, "rb") as f:
                        files[f"assets/{prefix}{rel}"] = f.read()
    return files


def _restore_assets(model, path):
    """Hand each layer with ``load_assets`` its ``assets/<layer path>/`` files of the zip
    (in a temporary directory)."""
    import tempfile
    with zipfile.ZipFile(path) as zf:
        members = [n for n in zf.namelist() if n.startswith("assets/") and not n.endswith("/")]
        if not members:
            return
        for prefix, layer in _asset_layers(model):
            if not callable(getattr(layer, "load_assets", None)):
                continue
            start = f"assets/{prefix}"
            mine = [n for n in members if n.startswith(start)]
            with tempfile.TemporaryDirectory() as tmp:
                for name in mine:
                    rel = name[len(start):]
                    if not rel or rel.startswith("/") or ".." in rel.split("/"):
                        continue  # never write outside the temporary directory
                    target = os.path.join(tmp, *rel.split("/"))
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with open(target, "wb") as f:
                        f.write(zf.read(name))
                layer.load_assets(tmp)


def _optimizer_arrays(optimizer, paths):
    from ..train import _entry_arrays, _optimizer_entries
    var_paths = {id(v): p for p, v in paths.items()}
    return _entry_arrays(_optimizer_entries("optimizer", optimizer, var_paths))


def _restore_optimizer(optimizer, saved, paths, where):
    """Assign the saved optimizer state (iterations, scalar state, slots) to ``optimizer``,
    creating its slots for the model's Variables."""
    from .optimizers import _Step
    from ..train import _SCALAR_STATE
    prefix = "optimizer/slots/"
    slots = []
    for key, value in saved.items():
        if key.startswith(prefix):
            var_path, slot_name = key[len(prefix):].rsplit("/", 1)
            var = paths.get(var_path)
            if var is None:
                raise ValueError(f"{where}: the optimizer state names the variable "
                                 f"{var_path!r}, which the model does not have")
            want = tuple(optimizer._slot_shape(var, slot_name))  # Adafactor factors some
            if tuple(value.shape) != want:
                raise ValueError(f"{where}: optimizer slot {key!r} has shape {value.shape}, "
                                 f"expected {want} for its variable of shape {tuple(var.shape)}")
            slots.append((var, slot_name, value))
    for var, slot_name, value in slots:
        optimizer._slot(var, slot_name).assign(value.astype(var.dtype.as_numpy_dtype))
    if "optimizer/iterations" in saved:
        optimizer.iterations = _Step(int(saved["optimizer/iterations"]))
    for name in _SCALAR_STATE:
        key = f"optimizer/{name}"
        if key in saved and hasattr(optimizer, name):
            setattr(optimizer, name, float(saved[key]))


def _zeros_like_shape(shape, dtype):
    from .. import _core
    from ..dtypes import as_dtype
    dt = as_dtype(dtype)
    dims = [1 if d is None else int(d) for d in shape]
    if dims:
        dims[0] = 1
    return _core._constant(_np.zeros(dims, dtype=dt.as_numpy_dtype), dt)


def _is_shape(s):
    return isinstance(s, (list, tuple)) and all(d is None or (isinstance(d, int) and
                                                              not isinstance(d, bool)) for d in s)


def _zeros_for(shapes, dtype="float32"):
    """Zeros (batch 1, unknown dimensions 1) for a shape or a structure of shapes."""
    if _is_shape(shapes):
        return _zeros_like_shape(shapes, dtype)
    if isinstance(shapes, dict):
        return {k: _zeros_for(v, dtype) for k, v in shapes.items()}
    return type(shapes)(_zeros_for(v, dtype) for v in shapes)


def _materialize(model):
    """Create the Variables a model makes at its first call (layers built lazily) by calling
    it once on zeros of its input shape (batch 1, inference); False when the shape is
    unknown."""
    from . import functional
    from .models import Sequential
    from ..math import _no_tape
    if isinstance(model, Sequential):
        if model._input_shape is None:
            return False
        x = _zeros_for(tuple(model._input_shape))
    elif model._graph is not None:
        x = functional._map(lambda t: _zeros_like_shape(t.shape, t.dtype), model._graph.inputs)
    elif model.input_shape is not None:
        x = _zeros_for(model.input_shape)
    else:
        return False
    with _no_tape():
        model(x, training=False)
    return True


class _KeepRandomState:
    """Internal: leaves tapegrad.random's global generator as it was, and has add_weight make
    zeros instead of drawing initial values (loading overwrites them: the draws of a big
    model took longer than reading its weights)."""

    def __enter__(self):
        from .. import random
        from .layers import _loading
        self._gen = random._generator
        self._state = self._gen.bit_generator.state
        self._was = _loading.active
        _loading.active = True

    def __exit__(self, *exc):
        from .. import random
        from .layers import _loading
        _loading.active = self._was
        random._generator = self._gen
        self._gen.bit_generator.state = self._state
        return False


# -- the .keras file --------------------------------------------------------------------------

def _check_model(model, where):
    from .models import Model
    if not isinstance(model, Model):
        raise TypeError(f"{where}: expected a keras Model, got {type(model).__name__}")


def _path(filepath, where):
    try:
        return os.fspath(filepath)
    except TypeError:
        raise TypeError(f"{where}: `filepath` must be a str or os.PathLike, got "
                        f"{type(filepath).__name__}") from None


def save_model(model, filepath, overwrite=True, **kwargs):
    """Write ``model`` to ``filepath`` (which must end in ``.keras``) as Keras 3's zip layout:
    config.json (architecture and compile arguments), metadata.json and model.weights.npz
    (every Variable and the optimizer's state); see the module docstring. A ``.h5`` path is
    refused (tapegrad has no h5py), as is any other extension (Keras' SavedModel export is not
    supported). ``overwrite=False`` refuses an existing file."""
    _check_model(model, "save_model")
    path = _path(filepath, "save_model")
    kwargs.pop("zipped", None)
    if kwargs:
        raise TypeError(f"save_model: unexpected keyword arguments {sorted(kwargs)}")
    if path.endswith((".h5", ".hdf5")):
        raise ValueError(f"save_model: tapegrad cannot write the legacy HDF5 format (it has no "
                         f"h5py dependency); save to a `.keras` file instead (weights alone: "
                         f"model.save_weights). Received: filepath={path}")
    if not path.endswith(".keras"):
        raise ValueError("Invalid filepath extension for saving. Please add a `.keras` extension "
                         "for the native Keras format (tapegrad's .keras zip). model.export() "
                         "(a TF SavedModel for TFLite / TF Serving) is not supported by tapegrad. "
                         f"Received: filepath={path}")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"save_model: {path} exists and overwrite=False")
    config = serialize_keras_object(model)
    text = json.dumps(config)
    paths = _variable_paths(model)
    arrays = {p: v.numpy() for p, v in paths.items()}
    if model.optimizer is not None and getattr(model, "compiled", False):
        arrays.update(_optimizer_arrays(model.optimizer, paths))
    assets = _saved_assets(model)
    from .. import __version__
    metadata = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "tapegrad_version": __version__,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
                "note": "Written by tapegrad.keras: Keras 3's .keras layout with the weights "
                        "in a numpy .npz (model.weights.npz) instead of HDF5; not readable "
                        "by Keras."}
    tmp = path + ".tmp"
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(_METADATA, json.dumps(metadata, indent=1))
            zf.writestr(_CONFIG, text)
            # The weights are stored, not deflated: floats barely compress, and deflating
            # them took 50 times as long as writing them.
            info = zipfile.ZipInfo(_WEIGHTS, date_time=datetime.datetime.now().timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED
            with zf.open(info, "w", force_zip64=True) as member:
                _np.savez(member, **arrays)
            for name, data in assets.items():
                zf.writestr(name, data)
        os.replace(tmp, path)  # a reader never sees half a file
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _read_archive(path):
    where = "load_model"
    if not path.endswith(".keras"):
        if path.endswith((".h5", ".hdf5")):
            raise ValueError(f"{where}: tapegrad cannot read the legacy HDF5 format (it has no "
                             f"h5py dependency); save the model as a `.keras` file. Received: "
                             f"filepath={path}")
        raise ValueError(f"File format not supported: filepath={path}. tapegrad's load_model "
                         "reads `.keras` files (as model.save writes them); TensorFlow "
                         "SavedModel directories are not supported.")
    if not os.path.exists(path):
        raise ValueError(f"File not found: filepath={path}. Please ensure the file is an "
                         "accessible `.keras` zip file.")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if _CONFIG not in names:
                raise ValueError(f"{where}: {path} is not a tapegrad .keras file: it has no "
                                 f"{_CONFIG} (members: {sorted(names)[:10]})")
            if _WEIGHTS not in names:
                hint = (" (it holds model.weights.h5: a file written by Keras, whose HDF5 "
                        "weights tapegrad cannot read)") if "model.weights.h5" in names else ""
                raise ValueError(f"{where}: {path} has no {_WEIGHTS}{hint}")
            raw_config = zf.read(_CONFIG)
            raw_meta = zf.read(_METADATA) if _METADATA in names else b"{}"
            raw_weights = zf.read(_WEIGHTS)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, OSError) as e:
        if isinstance(e, (FileNotFoundError, PermissionError)):
            raise
        raise ValueError(f"{where}: {path} is not a valid .keras archive (a corrupted or "
                         f"truncated zip file?): {e}") from None
    try:
        config = json.loads(raw_config)
        metadata = json.loads(raw_meta)
    except ValueError as e:
        raise ValueError(f"{where}: the {_CONFIG} or {_METADATA} of {path} is not valid JSON: "
                         f"{e}") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"{where}: the {_CONFIG} of {path} does not describe a model")
    version = metadata.get("format_version") if isinstance(metadata, dict) else None
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise ValueError(f"{where}: {path} has format version {version}; this tapegrad reads "
                         f"version {FORMAT_VERSION} and older")
    try:
        with _np.load(io.BytesIO(raw_weights), allow_pickle=False) as data:
            saved = {k: data[k] for k in data.files}
    except Exception as e:  # numpy raises ValueError, OSError, zipfile errors, ...
        raise ValueError(f"{where}: the {_WEIGHTS} of {path} is not a readable numpy archive: "
                         f"{e}") from None
    return config, saved


def _load_weights(model, saved, where):
    paths = _variable_paths(model)
    model_keys = {k for k in saved if not k.startswith("optimizer/")}
    if model_keys - set(paths):
        try:
            if _materialize(model):
                paths = _variable_paths(model)
        except Exception:  # noqa: BLE001 (the mismatch below is the error to report)
            pass
    missing = sorted(set(paths) - model_keys)
    unexpected = sorted(model_keys - set(paths))
    if missing or unexpected:
        raise ValueError(f"{where}: the saved weights do not match the model rebuilt from its "
                         f"config: missing {missing[:8]}{'...' if len(missing) > 8 else ''}, "
                         f"unexpected {unexpected[:8]}{'...' if len(unexpected) > 8 else ''}")
    for key, var in paths.items():
        if tuple(saved[key].shape) != tuple(var.shape):
            raise ValueError(f"{where}: weight {key!r} ({var.name}) has shape {tuple(var.shape)} "
                             f"but the file holds shape {saved[key].shape}")
    for key, var in paths.items():
        var.assign(saved[key].astype(var.dtype.as_numpy_dtype))
    return paths


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model ``save_model`` / ``model.save`` wrote to ``filepath`` (a ``.keras`` file),
    as ``keras.models.load_model``: rebuilt from its config (custom classes and functions
    from ``custom_objects``, a ``custom_object_scope`` or the registry), its weights loaded,
    and with ``compile=True`` compiled as it was, with the optimizer's state (step count,
    slots) restored. ``safe_mode=False`` allows loading ``lambda`` bytecode. A missing file,
    another extension or a damaged archive is a ValueError saying which."""
    path = _path(filepath, "load_model")
    config, saved = _read_archive(path)
    compile_config = config.pop("compile_config", None)
    where = f"load_model({path!r})"
    with CustomObjectScope(custom_objects), _SafeMode(bool(safe_mode)), _KeepRandomState():
        model = _from(config, None)
        _check_model(model, "load_model")
        _restore_assets(model, path)
        paths = _load_weights(model, saved, where)
        if compile and compile_config:
            model.compile_from_config(compile_config)
            if model.optimizer is not None:
                _restore_optimizer(model.optimizer, saved, paths, where)
    return model


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """A new (untrained) model from ``model.to_json()``'s string, as
    ``keras.models.model_from_json``."""
    from .models import Model
    if not isinstance(json_string, (str, bytes, bytearray)):
        raise TypeError(f"model_from_json: expected a JSON string (model.to_json()), got "
                        f"{type(json_string).__name__}")
    try:
        config = json.loads(json_string)
    except ValueError as e:
        raise ValueError(f"model_from_json: the string is not valid JSON: {e}") from None
    model = deserialize_keras_object(config, custom_objects=custom_objects, safe_mode=safe_mode)
    if not isinstance(model, Model):
        raise TypeError(f"model_from_json: the JSON describes a {type(model).__name__}, not a model")
    return model


def _default_clone(layer):
    return layer.__class__.from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and new weights (drawn by the initializers), as
    ``keras.models.clone_model``. Each layer is ``clone_function(layer)`` (default:
    ``layer.__class__.from_config(layer.get_config())``); a functional model's calls are
    replayed on new Inputs (or ``input_tensors``, KerasTensors from ``keras.Input``). A
    subclassed model is rebuilt from its config (``get_config`` needed); clone_function and
    input_tensors are then not supported. The clone is not compiled."""
    from .layers import Layer
    from .models import Sequential
    _check_model(model, "clone_model")
    if clone_function is not None and not callable(clone_function):
        raise TypeError(f"clone_model: `clone_function` must be callable, got {clone_function!r}")
    with _Collect() as seen:
        if isinstance(model, Sequential) or model._graph is not None:
            for layer in (model.layers if isinstance(model, Sequential) else model._functional_layers):
                if hasattr(layer, "get_config"):
                    try:
                        serialize_keras_object(layer)
                    except (TypeError, NotImplementedError, ValueError):
                        pass  # the clone_function may know better; the default will say
        else:
            config = serialize_keras_object(model)
    with CustomObjectScope(seen.objects):
        make = clone_function or _default_clone
        if isinstance(model, Sequential):
            new = Sequential(name=model.name)
            if input_tensors is not None:
                new.add(input_tensors[0] if isinstance(input_tensors, (list, tuple)) else input_tensors)
            for layer in model.layers:
                new.add(make(layer) if isinstance(layer, Layer) else layer)
            if new._input_shape is None and model._input_shape is not None:
                new.build(model._input_shape)
            new.trainable = model.trainable
            return new
        if model._graph is not None:
            return _clone_functional(model, input_tensors, make)
        if clone_function is not None or input_tensors is not None:
            raise ValueError("clone_model: `clone_function` and `input_tensors` are only supported "
                             f"for Sequential and functional models, got a {type(model).__name__}")
        config.pop("compile_config", None)
        return deserialize_keras_object(config, custom_objects={type(model).__name__: type(model)})


def _clone_functional(model, input_tensors, make):
    from . import functional
    from .functional import KerasTensor
    from .layers import InputLayer
    from .models import Model
    graph = model._graph
    new_of = {}  # id(old KerasTensor) -> new KerasTensor
    flat_in = graph.flat_inputs
    if input_tensors is not None:
        given = []
        functional._map(given.append, input_tensors)
        if len(given) != len(flat_in) or not all(isinstance(t, KerasTensor) for t in given):
            raise ValueError(f"clone_model: `input_tensors` must be {len(flat_in)} KerasTensor(s) "
                             f"(from keras.Input), got {input_tensors!r}")
        for old, new in zip(flat_in, given):
            new_of[id(old)] = new
    else:
        for old in flat_in:
            layer = old._keras_history[0]
            new_of[id(old)] = InputLayer.from_config(layer.get_config()).output
    layers = {}

    def swap(x):
        if isinstance(x, KerasTensor):
            return new_of[id(x)]
        if isinstance(x, (list, tuple)):
            return type(x)(swap(v) for v in x)
        if isinstance(x, dict):
            return {k: swap(v) for k, v in x.items()}
        return x

    for node in graph.nodes:
        layer = layers.get(id(node.layer))
        if layer is None:
            layer = layers[id(node.layer)] = make(node.layer)
        out = layer(*swap(list(node.args)), **swap(dict(node.kwargs)))
        old_flat, new_flat = [], []
        functional._map(old_flat.append, node.outputs)
        functional._map(new_flat.append, out)
        for o, n in zip(old_flat, new_flat):
            new_of[id(o)] = n
    cls = type(model) if _functional_like(type(model)) else Model
    return cls(inputs=swap(graph.inputs), outputs=swap(graph.outputs), name=model.name,
               trainable=model.trainable)
