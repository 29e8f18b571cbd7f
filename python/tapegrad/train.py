"""tf.train: ``Checkpoint`` and ``CheckpointManager`` for the Variables of a training loop.

A checkpoint names every Variable reachable from the objects given to ``Checkpoint(**kwargs)``
by its path of attribute names (``net/dense/kernel``, ``net/layers/0/bias``), as TF's object
graph does; an optimizer adds its step count, its per-variable slots (keyed by the path of the
variable they belong to) and any scalar state of its rule. The file is a numpy ``.npz`` archive
(TF writes its own format: the two are not interchangeable). ``restore`` assigns the values by
path, creating optimizer slots as needed, and reports what did not match.
"""

import json
import os
import re

import numpy as _np

from . import _core
from ._nest import _sorted_keys
from .module import Module

__all__ = ["Checkpoint", "CheckpointManager", "latest_checkpoint"]

_SCALAR_STATE = ("_u_product",)  # optimizer attributes that are part of its rule's state


def _is_optimizer(obj):
    from .keras.optimizers import Optimizer
    return isinstance(obj, Optimizer)


def _walk(obj, path, out, seen, optimizers):
    """Fills ``out`` (path -> Variable) from ``obj``: Variables, Modules / Keras layers
    (their attributes, in sorted order), lists, tuples and dicts; optimizers go to
    ``optimizers`` (path, optimizer) for a second pass. Each object once (first path wins)."""
    if isinstance(obj, _core.Variable):
        if id(obj) not in seen:
            seen.add(id(obj))
            out[path] = obj
        return
    if _is_optimizer(obj):
        if id(obj) not in seen:
            seen.add(id(obj))
            optimizers.append((path, obj))
        return
    if isinstance(obj, dict):
        for k in _sorted_keys(obj):
            _walk(obj[k], f"{path}/{k}", out, seen, optimizers)
        return
    if isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            _walk(v, f"{path}/{i}", out, seen, optimizers)
        return
    if isinstance(obj, (Module, Checkpoint)):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        attrs = vars(obj)
        # public names first, so a Variable held as `kernel` and in `_weights` is `kernel`
        for key in sorted(attrs, key=lambda k: (k.startswith("_"), k)):
            _walk(attrs[key], f"{path}/{key}", out, seen, optimizers)


def _optimizer_entries(path, opt, var_paths):
    """path -> (getter, setter) for an optimizer's step count, scalar state and slots."""
    entries = {f"{path}/iterations": opt}
    for name in _SCALAR_STATE:
        if hasattr(opt, name):
            entries[f"{path}/{name}"] = opt
    for var, slots in opt._slots.values():
        vp = var_paths.get(id(var))
        if vp is None:
            continue
        for slot_name, slot in slots.items():
            entries[f"{path}/slots/{vp}/{slot_name}"] = slot
    return entries


class _Status:
    """What ``restore`` did: ``assert_consumed()`` raises if a saved value found no object or
    an object found no value; ``expect_partial()`` accepts either."""

    def __init__(self, unused, missing):
        self.unused_values, self.missing_values = sorted(unused), sorted(missing)

    def assert_consumed(self):
        """Raise AssertionError unless every saved value was restored into an object and
        every object's Variables got a value; returns self."""
        if self.unused_values or self.missing_values:
            raise AssertionError(
                f"Checkpoint.restore: unused values in the checkpoint: {self.unused_values}; "
                f"objects with no saved value: {self.missing_values}")
        return self

    def assert_existing_objects_matched(self):
        """Raise AssertionError unless every object's Variables got a value; returns self."""
        if self.missing_values:
            raise AssertionError(f"Checkpoint.restore: objects with no saved value: "
                                 f"{self.missing_values}")
        return self

    def expect_partial(self):
        """Accept a partial restore (no warnings, no errors); returns self."""
        return self


class Checkpoint:
    """Saves and restores the Variables of the objects given as keyword arguments, as
    ``tf.train.Checkpoint(step=tf.Variable(1), optimizer=opt, net=model)``.

    ``save(prefix)`` writes ``prefix-<n>`` (n counts the saves) and returns its path;
    ``write(path)`` writes exactly ``path``; ``restore(path)`` / ``read(path)`` assign the
    saved values back by path (``restore(None)`` does nothing, as TF)."""

    def __init__(self, root=None, **kwargs):
        for key in kwargs:
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_.\-]*$", key):
                raise ValueError(f"Checkpoint: invalid name {key!r} for a checkpointed object")
        if root is not None:
            kwargs = dict(root=root, **kwargs)
        self._objects = dict(kwargs)
        self.save_counter = _core.Variable(_np.int64(0), trainable=False,
                                           name="save_counter")
        for key, value in kwargs.items():
            object.__setattr__(self, key, value)

    def _entries(self):
        """(path -> Variable or optimizer, the optimizers found, path -> model Variable)."""
        variables, optimizers, seen = {}, [], set()
        for key in sorted(self._objects):
            _walk(self._objects[key], key, variables, seen, optimizers)
        entries = dict(variables)
        entries["save_counter"] = self.save_counter
        var_paths = {id(v): p for p, v in variables.items()}
        for path, opt in optimizers:
            entries.update(_optimizer_entries(path, opt, var_paths))
        return entries, optimizers, variables

    def write(self, file_prefix):
        """Write every checkpointed value to ``file_prefix`` (exactly that path) and return
        it."""
        path = os.fspath(file_prefix)
        entries, _, _ = self._entries()
        arrays = _entry_arrays(entries)
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:  # a file object: numpy adds no '.npz' to the name
            _np.savez(f, **arrays)
        os.replace(tmp, path)  # a reader never sees half a checkpoint
        return path

    def save(self, file_prefix):
        """Count one more save and ``write(f"{file_prefix}-{count}")``; returns that path."""
        self.save_counter.assign(_np.int64(int(self.save_counter.numpy()) + 1))
        return self.write(f"{os.fspath(file_prefix)}-{int(self.save_counter.numpy())}")

    def read(self, save_path):
        """Assign the values saved at ``save_path`` to the objects, matching by path.
        Optimizer slots that do not exist yet are created. Returns a status object
        (``assert_consumed``, ``expect_partial``)."""
        path = os.fspath(save_path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"Checkpoint.restore: no checkpoint at {path!r}")
        with _np.load(path) as data:
            saved = {k: data[k] for k in data.files}
        entries, optimizers, variables = self._entries()
        # Slots of a restored optimizer that has not stepped yet: make them, as TF defers them.
        for opt_path, opt in optimizers:
            prefix = f"{opt_path}/slots/"
            for key in saved:
                if key.startswith(prefix):
                    var_path, slot_name = key[len(prefix):].rsplit("/", 1)
                    if var_path in variables:
                        entries[key] = opt._slot(variables[var_path], slot_name)
        # Check every shape and dtype before any assignment: a mismatch changes nothing.
        for key, obj in entries.items():
            if key in saved and isinstance(obj, _core.Variable):
                value = saved[key]
                if tuple(value.shape) != tuple(obj.shape):
                    raise ValueError(f"Checkpoint.restore: {key!r} has shape {tuple(obj.shape)} "
                                     f"but the checkpoint holds shape {tuple(value.shape)}")
        for key, obj in entries.items():
            if key not in saved:
                continue
            if isinstance(obj, _core.Variable):
                obj.assign(saved[key].astype(obj.dtype.as_numpy_dtype))
            elif key.endswith("/iterations"):
                from .keras.optimizers import _Step
                obj.iterations = _Step(int(saved[key]))
            else:
                setattr(obj, key.rsplit("/", 1)[1], float(saved[key]))
        return _Status(set(saved) - set(entries), set(entries) - set(saved))

    def restore(self, save_path):
        """``read(save_path)``; ``None`` (no checkpoint yet, e.g. a fresh
        ``CheckpointManager.latest_checkpoint``) restores nothing, as TF."""
        if save_path is None:
            return _Status(set(), set())
        return self.read(save_path)


def _entry_arrays(entries):
    """The arrays saved for checkpoint entries: a Variable's value, an optimizer's step count
    ('<...>/iterations', int64), or another optimizer scalar (its attribute, float64)."""
    arrays = {}
    for key, obj in entries.items():
        if isinstance(obj, _core.Variable):
            arrays[key] = obj.numpy()
        elif key.endswith("/iterations"):
            arrays[key] = _np.int64(int(obj.iterations))
        else:
            arrays[key] = _np.float64(getattr(obj, key.rsplit("/", 1)[1]))
    return arrays


def _state_file(directory):
    return os.path.join(directory, "checkpoint")


def latest_checkpoint(checkpoint_dir):
    """The path of the newest checkpoint a CheckpointManager wrote in ``checkpoint_dir``, or
    None, as ``tf.train.latest_checkpoint``."""
    try:
        with open(_state_file(os.fspath(checkpoint_dir))) as f:
            state = json.load(f)
    except (OSError, ValueError):
        return None
    paths = state.get("all_model_checkpoint_paths") or []
    return paths[-1] if paths else None


class CheckpointManager:
    """Saves a ``Checkpoint`` as ``<directory>/<checkpoint_name>-<n>`` and keeps the newest
    ``max_to_keep`` (None keeps all), as ``tf.train.CheckpointManager``; the list survives
    restarts in ``<directory>/checkpoint``."""

    def __init__(self, checkpoint, directory, max_to_keep, checkpoint_name="ckpt"):
        if not isinstance(checkpoint, Checkpoint):
            raise TypeError(f"CheckpointManager: expected a tf.train.Checkpoint, got "
                            f"{type(checkpoint).__name__}")
        if max_to_keep is not None and (isinstance(max_to_keep, bool)
                                        or not isinstance(max_to_keep, int) or max_to_keep < 1):
            raise ValueError(f"CheckpointManager: max_to_keep must be a positive integer or "
                             f"None, got {max_to_keep!r}")
        self._checkpoint = checkpoint
        self.directory = os.fspath(directory)
        self.max_to_keep = max_to_keep
        self._prefix = os.path.join(self.directory, checkpoint_name)
        try:
            with open(_state_file(self.directory)) as f:
                self._paths = [p for p in json.load(f).get("all_model_checkpoint_paths", [])
                               if os.path.exists(p)]
        except (OSError, ValueError):
            self._paths = []

    @property
    def checkpoints(self):
        """The kept checkpoints' paths, oldest first."""
        return list(self._paths)

    @property
    def latest_checkpoint(self):
        """The newest checkpoint's path, or None."""
        return self._paths[-1] if self._paths else None

    def save(self, checkpoint_number=None):
        """Write a new checkpoint (numbered ``checkpoint_number`` or the checkpoint's save
        count), delete the oldest beyond ``max_to_keep``, and return its path."""
        if checkpoint_number is None:
            path = self._checkpoint.save(self._prefix)
        else:
            path = self._checkpoint.write(f"{self._prefix}-{int(checkpoint_number)}")
        if path in self._paths:
            self._paths.remove(path)
        self._paths.append(path)
        while self.max_to_keep is not None and len(self._paths) > self.max_to_keep:
            old = self._paths.pop(0)
            try:
                os.remove(old)
            except OSError:
                pass
        os.makedirs(self.directory, exist_ok=True)
        with open(_state_file(self.directory), "w") as f:
            json.dump({"all_model_checkpoint_paths": self._paths}, f)
        return path
