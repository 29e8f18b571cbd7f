"""Conversions the Python-level functions share (tapegrad.nn, tapegrad.math, the composites,
the Keras losses): arguments to tensors with errors that name the caller, integer labels to
one-hot tensors."""

import numpy as _np

from . import _core
from .errors import InvalidArgumentError as _InvalidArgumentError


def holds_tensor(x, _depth=0):
    """Whether the list or tuple x holds a Tensor or Variable at any depth a tensor can have:
    such a list is packed with a recorded stack, so gradients reach its tensors (Note [Lists
    of tensors])."""
    return isinstance(x, (list, tuple)) and _depth <= 8 and any(
        isinstance(v, (_core.Tensor, _core.Variable)) or holds_tensor(v, _depth + 1) for v in x)


def pack(x):
    """The list or tuple x holding tensors as one tensor, through the recorded stack the core
    packs it with (Note [Lists of tensors]; ``identity`` converts its argument that way)."""
    return _core.identity(x)


def as_tensor(x, dtype=None, what="loss", python_ints=False):
    """x as a tensor (of ``dtype`` when given); ``what`` names the loss and argument in errors.
    Python ints become float32 (what a loss or layer computes with) unless ``python_ints``,
    which keeps TF's int32 / int64 for them (an op's arguments)."""
    if holds_tensor(x):
        x = pack(x)
    if isinstance(x, _core.Tensor):
        return x if dtype is None or x.dtype == dtype else _core.cast(x, dtype)
    if isinstance(x, _core.Variable):
        x = x.read_value()
        return x if dtype is None or x.dtype == dtype else _core.cast(x, dtype)
    try:
        arr = _np.asarray(x)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"{what}: {e}") from None
    if arr.dtype.kind not in "biuf":  # None, strings, objects: numpy would make them NaN or fail
        text = repr(x)
        raise TypeError(f"{what}: expected numbers, got {text[:77] + '...' if len(text) > 80 else text} "
                        f"(numpy dtype {arr.dtype})")
    if dtype is None:
        # float32, as tf.constant: Python numbers and lists too (np.asarray makes them
        # float64); a numpy float64 array or scalar keeps float64; bools stay bool (a list of
        # Python bools too, as tf.constant([True, False])).
        if arr.dtype == _np.bool_:
            return _core._constant(arr, None)
        if python_ints and arr.dtype.kind in "iu" and not isinstance(x, (_np.ndarray, _np.generic)):
            return _core._constant(x, None)  # TF's int32, int64 past its range
        if arr.dtype != _np.float64 or not isinstance(x, (_np.ndarray, _np.generic)):
            arr = arr.astype(_np.float32)
        return _core._constant(arr, None)
    return _core._constant(arr.astype(dtype.as_numpy_dtype, copy=False), dtype)


def one_hot_labels(labels, depth, dtype, op="sparse_categorical_crossentropy", batch_shape=None):
    """Integer class labels (any array-like, shape (batch,) or (batch, 1)) as a one-hot tensor.

    Labels are data, not differentiated, so this runs in numpy once per call. With
    ``batch_shape`` the labels must have exactly that shape (tf.nn's sparse cross-entropy).
    """
    lab = _np.asarray(labels.numpy() if isinstance(labels, _core.Tensor) else labels)
    if lab.dtype.kind not in "biuf":
        raise TypeError(f"{op}: labels must be integer class ids, "
                        f"got {labels!r:.80} (numpy dtype {lab.dtype})")
    if batch_shape is not None:
        if lab.shape != tuple(batch_shape):
            raise _InvalidArgumentError(
                f"{op}: labels of shape {list(lab.shape)} do not match logits of shape "
                f"{list(batch_shape) + [depth]} (labels must have the logits' shape without "
                "the last dimension)")
    elif lab.ndim >= 1 and lab.shape[-1] == 1:
        lab = lab.reshape(lab.shape[:-1])
    if lab.dtype.kind == "f":
        if not _np.all(lab == _np.floor(lab)):
            raise ValueError(f"{op}: labels must be integer class ids")
    lab = lab.astype(_np.int64)
    if lab.size and (lab.min() < 0 or lab.max() >= depth):
        bad = int(lab.max()) if lab.max() >= depth else int(lab.min())
        raise _InvalidArgumentError(
            f"{op}: Received a label value of {bad} "
            f"which is outside the valid range of [0, {depth}).")
    out = _np.zeros(lab.shape + (depth,), dtype=dtype.as_numpy_dtype)
    _np.put_along_axis(out, lab[..., None], 1, axis=-1)
    return _core._constant(out, dtype)
