"""Keras' vocabulary lookup preprocessing layer: IntegerLookup (exported by keras.layers).

The vocabulary is held as numpy arrays (the tokens in index order, and the same tokens sorted
with their indices for ``searchsorted``), so a lookup is a few vectorised numpy passes over the
input whatever its size; ``adapt`` counts tokens with ``np.unique`` per batch and merges the
counts once at the end. The layer has no Variables (Keras' has none either): a vocabulary given
to the constructor is part of ``get_config``; one learned by ``adapt`` (or set by
``set_vocabulary``) is written by ``save_assets`` and read back by ``load_assets``, which
``keras.saving`` calls for the ``assets/`` folder of the ``.keras`` file, as Keras does.
"""

import collections as _collections
import os as _os

import numpy as _np

from .. import _core
from ..dtypes import int64 as _int64, float32 as _float32
from ..errors import FailedPreconditionError as _FailedPreconditionError
from ..errors import InvalidArgumentError as _InvalidArgumentError
from . import functional as _functional
from .layers import Layer

__all__ = ["IntegerLookup"]

_INT64_MAX = _np.iinfo(_np.int64).max
_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _to_numpy(x):
    """A numpy view of a tapegrad Tensor / Variable, numpy array, list or scalar."""
    if isinstance(x, _core.Variable):
        x = x.read_value()
    if hasattr(x, "numpy") and not isinstance(x, _np.ndarray):
        return _np.asarray(x.numpy())
    return _np.asarray(x)


def _as_int64(x):
    """``x`` as an int64 numpy array, as Keras' cast of its inputs to the vocabulary dtype
    (floats are truncated towards zero, numeric strings parsed)."""
    arr = _to_numpy(x)
    if arr.dtype == _np.int64:
        return arr
    if arr.dtype.kind in "SUO":
        try:
            return arr.astype(_np.int64)
        except (TypeError, ValueError) as e:
            raise ValueError(f"IntegerLookup: the inputs must be integer tokens, got {e}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"IntegerLookup: the inputs must be integer tokens, got dtype {arr.dtype}")
    return arr.astype(_np.int64)


def _python_int(v):
    return int(v) if isinstance(v, (_np.integer, int)) and not isinstance(v, bool) else v


class IntegerLookup(Layer):
    """Maps integer tokens to indices in a vocabulary (or, ``invert=True``, indices back to
    tokens), as Keras 3's IntegerLookup.

    The indices are laid out as Keras': the ``mask_token`` (if set, and ``output_mode`` is
    'int') at 0, then ``num_oov_indices`` out-of-vocabulary indices, then the vocabulary in
    order. A token not in the vocabulary goes to the OOV index (with several, to
    ``token mod num_oov_indices``, Keras' default ``oov_method='floormod'``; with none, it is an
    InvalidArgumentError). The vocabulary is given (``vocabulary=`` or ``set_vocabulary``, a
    list / array / tensor, or a text file of one token per line) or learned by
    ``adapt(data)``: the tokens by decreasing count, ties by decreasing token value, cut to
    ``max_tokens`` (which counts the mask and OOV indices).

    ``output_mode``: 'int' gives int64 indices of the input's shape; 'one_hot' one row per
    element (a trailing axis of 1 is replaced); 'multi_hot' / 'count' one row per sample
    (reduced over axis 1, or over all of a 1-D input); 'tf_idf' counts times ``idf_weights``
    (given, or learned by adapt as ``log(1 + documents / (1 + documents with the token))``, the
    OOV weight their mean). As Keras with its TensorFlow backend, 'one_hot' / 'multi_hot' /
    'count' results are int64 and 'tf_idf' float32 (the symbolic output of a functional model
    says float32 for all of them, as Keras' ``compute_output_spec``). The mask token is dropped
    from the encodings. ``pad_to_max_tokens`` makes their last axis ``max_tokens`` long;
    ``sparse=True`` returns a ``tf.SparseTensor``. ``oov_method='farmhash'`` is not supported.
    """

    _keep_int_inputs = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, oov_method="floormod",
                 salt=None, name=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError("If `max_tokens` is set for `IntegerLookup`, it must be greater than "
                             f"1. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError("The value of `num_oov_indices` argument for `IntegerLookup` must "
                             f">= 0. Received: num_oov_indices={num_oov_indices}")
        if vocabulary_dtype != "int64":
            raise ValueError("Only `vocabulary_dtype='int64'` is supported at this time. "
                             f"Received: vocabulary_dtype={vocabulary_dtype}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("If pad_to_max_tokens is True, must set `max_tokens`. "
                             f"Received: max_tokens={max_tokens}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError("Unknown value for `oov_method` argument of IntegerLookup. Allowed "
                             "values are: ('floormod', 'farmhash'). Received: "
                             f"oov_method={oov_method}")
        if salt is not None:
            if oov_method != "farmhash":
                raise ValueError("`salt` can only be used when `oov_method='farmhash'`. "
                                 f"Received: oov_method={oov_method}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = list(salt)
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError("The `salt` argument for `IndexLookup` can only be a tuple of 2 "
                                 f"integers, or a single integer. Received: salt={salt}.")
        if oov_method == "farmhash":
            raise NotImplementedError("IntegerLookup: oov_method='farmhash' (FarmHash64 / SipHash64 "
                                      "OOV buckets) is not supported by tapegrad; use the default "
                                      "'floormod'")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in _MODES:
            raise ValueError("Unknown value for `output_mode` argument of IntegerLookup. Allowed "
                             f"values are: {_MODES}. Received: output_mode={output_mode}")
        if invert and output_mode != "int":
            raise ValueError("`output_mode` must be `'int'` when `invert` is true. "
                             f"Received: output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError("`sparse` may only be true if `output_mode` is `'one_hot'`, "
                             "`'multi_hot'`, `'count'` or `'tf_idf'`. Received: "
                             f"sparse={sparse} and output_mode={output_mode}")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError("`idf_weights` should only be set if `output_mode` is `'tf_idf'`. "
                             f"Received: idf_weights={idf_weights} and output_mode={output_mode}")
        frozen_size = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        trainable = kwargs.pop("trainable", True)
        dtype = kwargs.pop("dtype", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword argument(s): {kwargs}")
        super().__init__(trainable=trainable, name=name, dtype=dtype)
        self.invert, self.max_tokens = bool(invert), max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token, self.oov_token = _python_int(mask_token), _python_int(oov_token)
        self.output_mode, self.sparse = output_mode, bool(sparse)
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.vocabulary_dtype = "int64"
        self.oov_method, self.salt = oov_method, salt
        self._frozen_vocab_size = frozen_size
        # The constructor's vocabulary is part of the config; a file path is not (its tokens
        # are saved as an asset instead), as Keras.
        self.input_vocabulary = None if isinstance(vocabulary, str) else _listify(vocabulary)
        self.input_idf_weights = _listify(idf_weights)
        self._has_input_vocabulary = bool(has_input_vocabulary)
        self._tokens = None      # the vocabulary without special tokens; None: none set yet
        self._sorted = None      # (tokens sorted, their indices) for the forward lookup
        self._dense = None       # (lowest token, span, index table) when the tokens are compact
        self._idf = None         # float32 [depth] idf weights ('tf_idf')
        if output_mode == "tf_idf":
            if self._has_input_vocabulary and idf_weights is None:
                raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output "
                                 "mode, the `idf_weights` argument must also be provided.")
            if idf_weights is not None:
                self._idf = _np.asarray(_to_numpy(idf_weights), _np.float32)
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        self._reset_counts()
        self.built = True

    # -- the index layout ------------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def _special_tokens(self):
        return [self.mask_token] * self._oov_start_index() + \
            [self.oov_token] * self.num_oov_indices

    @property
    def idf_weights(self):
        """The 'tf_idf' weights (float32 tensor, OOV weights first), or None."""
        return None if self._idf is None else _core._constant(self._idf, _float32)

    # -- vocabulary ------------------------------------------------------------------------
    def vocabulary_size(self):
        """The size of the vocabulary, mask and OOV indices included."""
        n = 0 if self._tokens is None else len(self._tokens)
        return n + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary as a list of ints: with ``include_special_tokens`` (default) the
        mask and OOV tokens first, so that a token's position is its index."""
        tokens = [] if self._tokens is None else self._tokens.tolist()
        if not include_special_tokens:
            return tokens
        return self._special_tokens() + tokens

    def _record_vocabulary_size(self):
        """Keras' frozen vocabulary size: the encodings' depth may not change once set."""
        size = self.vocabulary_size()
        if self.output_mode != "int" and not self.pad_to_max_tokens and \
                self._frozen_vocab_size is not None and size != self._frozen_vocab_size:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and "
                               "`pad_to_max_tokens=False`, the vocabulary size cannot be changed "
                               f"after the layer is called. Old vocab size is "
                               f"{self._frozen_vocab_size}, new vocab size is {size}")
        self._frozen_vocab_size = size

    def _set_tokens(self, tokens):
        tokens = _np.asarray(tokens, _np.int64).reshape(-1)
        order = _np.argsort(tokens, kind="stable")
        self._tokens = tokens
        self._sorted = (tokens[order], order.astype(_np.int64))
        self._dense = None
        if tokens.size:
            # Tokens in a compact range: a direct table (one gather per element) instead of
            # a binary search (3x faster on a million elements).
            lo, hi = int(tokens.min()), int(tokens.max())
            span = hi - lo + 1
            if span <= max(1 << 16, 8 * tokens.size) and span <= 1 << 24:
                table = _np.full(span, -1, _np.int64)
                table[tokens - lo] = _np.arange(tokens.size, dtype=_np.int64)
                self._dense = (_np.int64(lo), span, table)

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (and, for 'tf_idf', the idf weights) instead of learning it
        with ``adapt``, replacing any present. ``vocabulary``: a list, tuple, 1-D array or
        tensor of unique int tokens, optionally starting with the special tokens exactly as
        ``get_vocabulary()`` lists them, or the path of a text file of one token per line.
        ``idf_weights``: as long as ``vocabulary`` (the OOV weights are their mean when the
        special tokens are not given)."""
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError("`idf_weights` should only be set if output_mode is `'tf_idf'`. "
                             f"Received: output_mode={self.output_mode} and "
                             f"idf_weights={idf_weights}")
        if isinstance(vocabulary, str):
            self._set_vocabulary_file(vocabulary)
            return
        vocab = _to_numpy(vocabulary)
        if vocab.size == 0:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        if vocab.ndim != 1:
            raise TypeError(f"The vocabulary must be 1-D (a list of tokens). Received: a "
                            f"vocabulary of shape {vocab.shape}")
        token_start = self._token_start_index()
        special = self._special_tokens()
        found_special = len(vocab) >= token_start and all(
            s is not None and vocab[i] == s for i, s in enumerate(special))
        tokens = vocab[token_start:] if found_special else vocab
        repeated = _repeated(tokens)
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please "
                             "uniquify your dataset. The repeated terms are: "
                             f"{repeated}")
        # The OOV token is only reserved when inverting (it is then what OOV indices give).
        for kind, token, reserved in (("mask", self.mask_token, True),
                                      ("OOV", self.oov_token, self.invert)):
            if token is not None and reserved and _np.any(tokens == token):
                index = int(_np.nonzero(vocab == token)[0][-1])
                raise ValueError(
                    f"Found reserved {kind} token at unexpected location in `vocabulary`. Note "
                    "that passed `vocabulary` does not need to include the OOV and mask tokens. "
                    "Either remove all mask and OOV tokens, or include them only at the start "
                    f"of the vocabulary in precisely this order: {special}. Received: "
                    f"{kind.lower()}_token={token} at vocabulary index [{index}]")
        new_size = token_start + len(tokens)
        if self.max_tokens is not None and new_size > self.max_tokens:
            raise ValueError("Attempted to set a vocabulary larger than the maximum vocab size. "
                             f"Received vocabulary size is {new_size}; `max_tokens` is "
                             f"{self.max_tokens}.")
        self._set_tokens(_as_int64(tokens))
        self._record_vocabulary_size()
        if self.output_mode == "tf_idf" and idf_weights is not None:
            idf = _to_numpy(idf_weights)
            if len(vocab) != len(idf):
                raise ValueError("`idf_weights` must be the same length as vocabulary. "
                                 f"len(idf_weights) is {len(idf)}; len(vocabulary) is "
                                 f"{len(vocab)}")
            if idf.ndim != 1:
                raise ValueError("TF-IDF data must be a 1-index array. "
                                 f"Received: type(idf_weights)={type(idf_weights)}")
            idf = idf.astype(_np.float64)
            front, front_value = (0, 0.0) if found_special else (token_start, _np.average(idf))
            back = self.max_tokens - front - len(idf) if self.pad_to_max_tokens else 0
            self._idf = _np.pad(idf, (front, back), "constant",
                                constant_values=(front_value, 0.0)).astype(_np.float32)

    def _set_vocabulary_file(self, path):
        from . import saving
        if getattr(saving._state, "safe_mode", None):
            raise ValueError("Requested the loading of a vocabulary file outside of the model "
                             "archive. This carries a potential risk of loading arbitrary and "
                             "sensitive files and thus it is disallowed by default. If you trust "
                             "the source of the artifact, you can override this error by passing "
                             "`safe_mode=False` to the loading function. "
                             f"Vocabulary file: '{path}'")
        if not _os.path.exists(path):
            raise ValueError(f"Vocabulary file {path} does not exist.")
        if self.output_mode == "tf_idf":
            raise ValueError("output_mode `'tf_idf'` does not support loading a vocabulary from "
                             "file.")
        with open(path) as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        tokens = _np.asarray([int(line) for line in lines], _np.int64)
        repeated = _repeated(tokens)
        if repeated:
            raise ValueError("The passed vocabulary has at least one repeated term. Please "
                             f"uniquify your dataset. The repeated terms are: {repeated}")
        self._set_tokens(tokens)
        self._record_vocabulary_size()

    # -- adapt -----------------------------------------------------------------------------
    def _reset_counts(self):
        self._count_parts = []   # (unique tokens, counts) of each batch
        self._doc_parts = []     # (unique tokens, document counts) of each batch ('tf_idf')
        self._num_documents = 0

    def reset_state(self):
        """Forgets the token counts of ``update_state`` (not the vocabulary)."""
        if self._has_input_vocabulary:
            return
        self._reset_counts()

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary (and 'tf_idf' weights) from ``data``: a numpy array, list or
        tensor (each row a document; a 1-D array is one token per document), a
        ``tf.data.Dataset`` of batches (a 1-D batch is one document), or another iterable of
        batches. ``steps`` limits the batches read from a dataset or iterable;
        ``batch_size`` (tapegrad's addition; Keras' adapt has none) splits an array into
        batches of rows, which gives the same vocabulary."""
        from ..data import Dataset
        self.reset_state()
        if isinstance(data, Dataset):
            if steps is not None:
                data = data.take(steps)
            for batch in data:
                self.update_state(batch)
        elif hasattr(data, "__iter__") and not isinstance(data, (list, tuple, _np.ndarray)) \
                and not hasattr(data, "numpy"):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        else:
            arr = _as_int64(data)
            if arr.ndim == 1:
                arr = arr[:, None]
            if batch_size is not None and arr.ndim >= 1 and len(arr) > batch_size > 0:
                for start in range(0, len(arr), int(batch_size)):
                    self.update_state(arr[start:start + int(batch_size)])
            else:
                self.update_state(arr)
        self.finalize_state()

    def update_state(self, data):
        """Adds the tokens of one batch to the counts ``finalize_state`` turns into a
        vocabulary."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()` method.")
        arr = _as_int64(data)
        if arr.ndim == 0:
            arr = arr.reshape(1)
        if arr.ndim == 1:  # one document
            arr = arr[None, :]
        uniq, counts = _np.unique(arr, return_counts=True)
        self._count_parts.append((uniq, counts.astype(_np.int64)))
        if self.output_mode == "tf_idf":
            if arr.ndim != 2:
                raise _InvalidArgumentError("unique expects a 1D vector: with output_mode='tf_idf', "
                                            "adapt takes batches of rank 2 at most (one row per "
                                            "document)")
            if arr.size:
                rows = _np.sort(arr, axis=1)
                first = _np.ones(rows.shape, bool)
                first[:, 1:] = rows[:, 1:] != rows[:, :-1]
                uniq, counts = _np.unique(rows[first], return_counts=True)
                self._doc_parts.append((uniq, counts.astype(_np.int64)))
            self._num_documents += arr.shape[0]
        if len(self._count_parts) >= 64:  # merge now and then: memory stays bounded
            self._count_parts = [_merge(self._count_parts)]
            if self._doc_parts:
                self._doc_parts = [_merge(self._doc_parts)]

    def finalize_state(self):
        """Turns the counts into the vocabulary: by decreasing count, ties by decreasing token,
        without the mask and OOV tokens, cut to ``max_tokens``."""
        tokens, counts = _merge(self._count_parts)
        if self._has_input_vocabulary or tokens.size == 0:
            self._record_vocabulary_size()
            return
        keep = _np.ones(tokens.shape, bool)
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                keep &= tokens != special
        tokens, counts = tokens[keep], counts[keep]
        order = _np.lexsort((tokens, counts))[::-1]
        if self.max_tokens:
            order = order[:self.max_tokens - self._token_start_index()]
        tokens = tokens[order]
        if tokens.size == 0:  # only mask / OOV tokens seen: Keras' empty table import fails
            raise _InvalidArgumentError("keys and values cannot be empty tensors: the adapt data "
                                        "holds no token besides the mask and OOV tokens")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            doc_tokens, doc_counts = _merge(self._doc_parts)
            pos = _np.clip(_np.searchsorted(doc_tokens, tokens), 0, max(len(doc_tokens) - 1, 0))
            df = _np.where(doc_tokens[pos] == tokens, doc_counts[pos], 0) if len(doc_tokens) \
                else _np.zeros(len(tokens), _np.int64)
            idf = _np.log(1 + self._num_documents / (1 + df)).astype(_np.float32)
            with _np.errstate(invalid="ignore", divide="ignore"):
                mean = _np.float32(idf.mean(dtype=_np.float32)) if idf.size else _np.float32("nan")
            idf = _np.concatenate([_np.full(self._token_start_index(), mean, _np.float32), idf])
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = _np.pad(idf, (0, self.max_tokens - idf.size))
            self._idf = idf.astype(_np.float32)
        self.reset_state()
        self._record_vocabulary_size()

    # -- calling ---------------------------------------------------------------------------
    def __call__(self, inputs, training=None, **kwargs):
        """The lookup of ``inputs`` (int tokens, or indices with ``invert``): not cast to the
        layer's float dtype first. On a KerasTensor it records the call (output spec as Keras'
        ``compute_output_spec``) without needing the vocabulary yet."""
        if _functional.is_symbolic(inputs):
            return self._symbolic_call(inputs)
        return self.call(inputs)

    def _symbolic_call(self, inputs):
        from .functional import KerasTensor, Node
        shape = self.compute_output_shape(tuple(inputs.shape))
        dtype = _int64 if self.output_mode == "int" else _float32
        node = Node(self, (inputs,), {}, None)
        out = KerasTensor(shape, dtype, name=f"{self.name}_output", layer=self, node=node,
                          index=0)
        node.outputs = out
        return out

    def compute_output_shape(self, input_shape):
        """The input shape for 'int'; for the encodings, with the vocabulary (or
        ``max_tokens``) as last axis, as Keras'."""
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        input_shape = tuple(input_shape)
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def _lookup(self, x):
        """Forward lookup of int64 tokens ``x`` (any shape): indices, the mask token at 0
        ('int') or at int64 max (dropped by the encodings)."""
        if self._tokens is None:
            raise _FailedPreconditionError(
                "Table not initialized: the layer has no vocabulary; pass `vocabulary`, call "
                "`set_vocabulary()` or `adapt()` first.")
        oov_start = self._oov_start_index()
        default = oov_start if self.num_oov_indices == 1 else -1
        keys, index = self._sorted
        if self._dense is not None:
            lo, span, table = self._dense
            with _np.errstate(over="ignore"):
                rel = x - lo  # wraps modulo 2**64: in range exactly when < span unsigned
            ok = rel.view(_np.uint64) < span
            pos = table[_np.where(ok, rel, 0)]
            hit = ok & (pos >= 0)
            out = _np.where(hit, pos + self._token_start_index(), default)
        elif len(keys):
            pos = _np.searchsorted(keys, x)
            _np.minimum(pos, len(keys) - 1, out=pos)
            hit = keys[pos] == x
            out = _np.where(hit, index[pos] + self._token_start_index(), default)
        else:
            out = _np.full(x.shape, default, _np.int64)
        if self.mask_token is not None:
            mask_value = 0 if self.output_mode == "int" else _INT64_MAX
            out = _np.where(x == self.mask_token, mask_value, out)
        if self.num_oov_indices == 0:
            bad = out == -1
            if bad.any():
                raise _InvalidArgumentError(
                    "When `num_oov_indices=0` all inputs should be in vocabulary, found OOV "
                    f"values {x[bad]}, consider setting `num_oov_indices=1`.")
        elif self.num_oov_indices > 1:
            oov = out == -1
            if oov.any():
                out = _np.where(oov, _np.mod(x, self.num_oov_indices) + oov_start, out)
        return out.astype(_np.int64, copy=False)

    def _invert(self, ids):
        """Indices back to tokens: OOV and unknown indices give ``oov_token``, 0 the mask
        token (when set)."""
        if self._tokens is None:
            raise _FailedPreconditionError(
                "Table not initialized: the layer has no vocabulary; pass `vocabulary`, call "
                "`set_vocabulary()` or `adapt()` first.")
        start = self._token_start_index()
        rel = ids - start
        ok = (rel >= 0) & (rel < len(self._tokens))
        safe = _np.where(ok, rel, 0)
        tokens = self._tokens if len(self._tokens) else _np.zeros(1, _np.int64)
        out = _np.where(ok, tokens[safe], self.oov_token)
        if self.mask_token is not None:
            out = _np.where(ids == 0, self.mask_token, out)
        return out.astype(_np.int64)

    def call(self, inputs):
        """The lookup (see the class docstring) of a tensor, array, list or scalar."""
        if self.output_mode != "int" and not self.pad_to_max_tokens and \
                self._frozen_vocab_size is None:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and "
                               "`pad_to_max_tokens=False`, you must set the layer's vocabulary "
                               "before calling it. Either pass a `vocabulary` argument to the "
                               "layer, or call `adapt` with some sample data.")
        x = _as_int64(inputs)
        scalar = x.ndim == 0
        if scalar:
            x = x.reshape(1)
        if self.invert:
            out = self._invert(x)
            return _core._constant(out.reshape(()) if scalar else out, _int64)
        ids = self._lookup(x)
        if self.output_mode == "int":
            return _core._constant(ids.reshape(()) if scalar else ids, _int64)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        out = _encode(ids, self.output_mode, int(depth))
        if self.output_mode == "tf_idf":
            if self._idf is None:
                raise ValueError("When `output_mode` is `'tf_idf'`, `idf_weights` must be "
                                 "provided.")
            out = out.astype(_np.float32) * self._idf
            result = _core._constant(out.astype(_np.float32, copy=False), _float32)
        else:
            result = _core._constant(out, _int64)
        if self.sparse:
            from .. import sparse
            return sparse.from_dense(result)
        return result

    # -- config and saving -----------------------------------------------------------------
    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config: the constructor's
        ``vocabulary`` and ``idf_weights`` as lists, ``vocabulary_size`` the vocabulary's
        size; a vocabulary learned by adapt is saved as an asset, not here)."""
        cfg = super().get_config()
        cfg.update(invert=self.invert, max_tokens=self.max_tokens,
                   num_oov_indices=self.num_oov_indices, oov_token=_python_int(self.oov_token),
                   mask_token=_python_int(self.mask_token), output_mode=self.output_mode,
                   sparse=self.sparse, pad_to_max_tokens=self.pad_to_max_tokens,
                   vocabulary_dtype=self.vocabulary_dtype,
                   idf_weights=self.input_idf_weights,
                   vocabulary=None if self.input_vocabulary is None else
                   [int(v) for v in self.input_vocabulary],
                   vocabulary_size=self._frozen_vocab_size, oov_method=self.oov_method,
                   salt=self.salt)
        return cfg

    def get_build_config(self):
        """Nothing to build (Keras' get_build_config: {})."""
        return {}

    def save_assets(self, dir_path):
        """Writes the vocabulary (one token per line, special tokens first, as Keras'
        ``vocabulary.txt``) and, for 'tf_idf', the idf weights, unless the vocabulary was a
        constructor argument (then it is in the config)."""
        if self.input_vocabulary is not None or self._tokens is None:
            return
        with open(_os.path.join(dir_path, "vocabulary.txt"), "w") as f:
            f.write("\n".join(str(t) for t in self.get_vocabulary(include_special_tokens=True)))
        if self._idf is not None:
            _np.save(_os.path.join(dir_path, "idf_weights.npy"), self._idf)

    def load_assets(self, dir_path):
        """Reads what ``save_assets`` wrote."""
        path = _os.path.join(dir_path, "vocabulary.txt")
        if self.input_vocabulary is not None or not _os.path.exists(path):
            return
        with open(path) as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        values = [int(line) for line in lines]
        self._set_tokens(_np.asarray(values[self._token_start_index():], _np.int64))
        self._record_vocabulary_size()
        idf_path = _os.path.join(dir_path, "idf_weights.npy")
        if _os.path.exists(idf_path):
            self._idf = _np.load(idf_path).astype(_np.float32)


def _listify(x):
    """A tensor / array argument as a list (what get_config records); lists kept as given."""
    if x is None or isinstance(x, (list, tuple, str)):
        return list(x) if isinstance(x, tuple) else x
    return _to_numpy(x).tolist()


def _repeated(tokens):
    """The tokens that occur more than once, in order of first occurrence (Keras' message)."""
    values = [v.item() if hasattr(v, "item") else v for v in _np.asarray(tokens).tolist()]
    if len(set(values)) == len(values):
        return []
    return [v for v, c in _collections.Counter(values).items() if c > 1]


def _merge(parts):
    """Sum the counts of (unique tokens, counts) pairs: (sorted unique tokens, counts)."""
    if not parts:
        return _np.zeros(0, _np.int64), _np.zeros(0, _np.int64)
    if len(parts) == 1:
        return parts[0]
    tokens = _np.concatenate([p[0] for p in parts])
    counts = _np.concatenate([p[1] for p in parts])
    uniq, inverse = _np.unique(tokens, return_inverse=True)
    return uniq, _np.bincount(inverse.reshape(-1), weights=counts,
                              minlength=len(uniq)).astype(_np.int64)


def _encode(ids, mode, depth):
    """Keras' encode_categorical_inputs of int64 ``ids`` (at least 1-D): 'one_hot' appends an
    axis of ``depth`` (replacing a trailing axis of 1); 'multi_hot' / 'count' / 'tf_idf'
    (counts) reduce over axis 1 (axis 0 for 1-D ids). Ids outside [0, depth) are dropped."""
    if mode == "one_hot":
        if ids.ndim > 1 and ids.shape[-1] == 1:
            ids = ids[..., 0]
        flat = ids.reshape(-1)
        out = _np.zeros((flat.size, depth), _np.int64)
        ok = (flat >= 0) & (flat < depth)
        out[_np.nonzero(ok)[0], flat[ok]] = 1
        return out.reshape(ids.shape + (depth,))
    if ids.ndim == 1:
        rows, lead = ids[None, :], ()
    else:
        moved = _np.moveaxis(ids, 1, -1)  # (batch, rest..., reduced)
        lead = moved.shape[:-1]
        rows = moved.reshape(-1, moved.shape[-1])
    n = rows.shape[0]
    ok = (rows >= 0) & (rows < depth)
    flat = (_np.arange(n, dtype=_np.int64)[:, None] * depth + _np.where(ok, rows, 0))[ok]
    out = _np.bincount(flat, minlength=n * depth).astype(_np.int64).reshape(n, depth)
    if mode == "multi_hot":
        out = (out > 0).astype(_np.int64)
    return out.reshape(lead + (depth,)) if ids.ndim > 1 else out.reshape(depth)
