"""tapegrad.keras.utils and keras.backend's everyday helpers: ``to_categorical``,
``normalize``, ``set_random_seed``, ``clear_session``, ``epsilon``, ``floatx``."""

import numpy as _np

from . import layers as _layers

__all__ = ["to_categorical", "normalize", "set_random_seed", "clear_session", "epsilon",
           "floatx", "set_floatx", "get_custom_objects", "custom_object_scope", "CustomObjectScope",
           "register_keras_serializable", "get_registered_name", "get_registered_object",
           "serialize_keras_object", "deserialize_keras_object"]


def to_categorical(x, num_classes=None):
    """Class ids (any shape, integers ``0 .. num_classes - 1``) as one-hot float64 rows, as
    ``keras.utils.to_categorical``: the result has shape ``x.shape + (num_classes,)`` (a
    trailing dimension of 1 is dropped first, as Keras). ``num_classes`` defaults to
    ``max(x) + 1``. A numpy array, as Keras returns."""
    from .preprocessing import _check_ids, _int_array
    ids = _int_array(x, "to_categorical", "class ids")
    if ids.ndim > 1 and ids.shape[-1] == 1:
        ids = ids.reshape(ids.shape[:-1])
    if num_classes is None:
        num_classes = int(ids.max()) + 1 if ids.size else 0
    num_classes = int(num_classes)
    _check_ids(ids, num_classes, "to_categorical", "class ids")
    out = _np.zeros(ids.shape + (num_classes,), dtype=_np.float64)  # Keras 3: float64
    if ids.size:
        _np.put_along_axis(out, ids[..., None], 1.0, axis=-1)
    return out


def normalize(x, axis=-1, order=2):
    """``x`` divided by its ``order``-norm along ``axis`` (zero vectors stay zero), as
    ``keras.utils.normalize``; a numpy array."""
    arr = _np.asarray(x.numpy() if hasattr(x, "numpy") else x, dtype=_np.float64)
    norm = _np.atleast_1d(_np.linalg.norm(arr, order, axis))
    norm[norm == 0] = 1
    out = arr / _np.expand_dims(norm, axis)
    return out.astype(_np.asarray(x).dtype if _np.asarray(x).dtype.kind == "f" else _np.float32)


def set_random_seed(seed):
    """Seed every random source tapegrad and numpy's global generator use (Keras':
    ``keras.utils.set_random_seed``): ``tapegrad.random.set_seed`` and ``numpy.random.seed``."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"set_random_seed: expected `seed` to be an integer, got {seed!r}")
    from .. import random
    random.set_seed(seed)
    _np.random.seed(seed % (2 ** 32))


def clear_session():
    """Reset Keras' automatic layer names (dense, dense_1, ... start again), as
    ``keras.backend.clear_session``; tapegrad has no graph to free."""
    _layers._name_counts.clear()


def epsilon():
    """The fuzz factor Keras uses in its formulas: 1e-7."""
    return 1e-7


def floatx():
    """The default float type of layers: 'float32'."""
    return "float32"


def set_floatx(value):
    """Only 'float32' (Keras' default) is supported as the default layer dtype; pass
    ``dtype='float64'`` to a layer for float64."""
    if value != "float32":
        raise NotImplementedError(f"set_floatx: only 'float32' is supported, got {value!r}; "
                                  "pass dtype='float64' to the layers instead")


# keras.utils' names for the serialization helpers of keras.saving.
from .saving import (get_custom_objects, custom_object_scope, CustomObjectScope,  # noqa: E402
                     register_keras_serializable, get_registered_name, get_registered_object,
                     serialize_keras_object, deserialize_keras_object)
