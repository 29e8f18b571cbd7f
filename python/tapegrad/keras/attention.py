"""Keras' attention layers: MultiHeadAttention, Attention (dot-product / additive scores) and
AdditiveAttention (Bahdanau-style, a learned scale per feature).

Both are built from recorded ops (einsum lowers to batched GEMMs; softmax is one op), so
their gradients of every order come from the tape. Masks follow Keras: a position whose mask
is False gets -1e9 added to its score before the softmax.
"""

import math

import numpy as _np

from .. import _core
from .layers import Layer, _as_input, _serialize_constraint

__all__ = ["MultiHeadAttention", "Attention", "AdditiveAttention"]

_LARGE_NEGATIVE = 1e9  # Keras' masked-score offset for float32 and float64


def _einsum(equation, *xs):
    from ..linalg import einsum
    return einsum(equation, *xs)


def _bool_mask(mask, dtype, owner, what):
    """A mask (bool or 0/1 numbers) as a 0/1 tensor of ``dtype``."""
    if isinstance(mask, (_core.Tensor, _core.Variable)):
        mask = mask.numpy()
    arr = _np.asarray(mask)
    if arr.dtype == object:
        raise TypeError(f"{owner}: {what} must be a boolean or 0/1 array, got {mask!r}")
    return _core._constant(arr.astype(bool).astype(dtype.as_numpy_dtype), dtype)


def _masked_softmax(scores, keep):
    """softmax over the last axis after adding -1e9 where ``keep`` (0/1, broadcastable) is 0."""
    if keep is not None:
        scores = _core.subtract(scores, _core.multiply(_core.subtract(1.0, keep), _LARGE_NEGATIVE))
    return _core.softmax(scores, -1)


def _dropout(x, rate, training, seed=None):
    if not training or rate == 0.0:
        return x
    from .. import nn
    return nn.dropout(x, rate, seed=seed)


def _causal(tq, tk, dtype):
    """Keras' causal mask: query i sees keys 0..i (a lower-triangular (tq, tk) block)."""
    return _core._constant(_np.tril(_np.ones((tq, tk))).astype(dtype.as_numpy_dtype), dtype)


class MultiHeadAttention(Layer):
    """Multi-head attention as ``keras.layers.MultiHeadAttention`` for (batch, steps, features)
    inputs: per-head projections of query, key and value (``key_dim`` / ``value_dim`` per head),
    scaled dot-product scores, a masked softmax, dropout on the probabilities in training, and
    an output projection back to the query's features (or ``output_shape``).

    Weights, in Keras' order and shapes: query/kernel (f_q, heads, key_dim), query/bias,
    key/kernel (f_k, heads, key_dim), key/bias, value/kernel (f_v, heads, value_dim),
    value/bias, attention_output/kernel (heads, value_dim, out), attention_output/bias.
    ``call(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False, query_mask=None, value_mask=None, key_mask=None)``.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", seed=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        owner = f"MultiHeadAttention {self.name!r}"
        self._set_constraints(kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        for arg, v in (("num_heads", num_heads), ("key_dim", key_dim)):
            if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                raise ValueError(f"{owner}: `{arg}` must be a positive integer, got {v!r}")
        if value_dim is not None and (isinstance(value_dim, bool) or not isinstance(value_dim, int)
                                      or value_dim <= 0):
            raise ValueError(f"{owner}: `value_dim` must be a positive integer, got {value_dim!r}")
        if attention_axes not in (None, 1, (1,), [1], -2, (-2,), [-2]):
            raise NotImplementedError(f"{owner}: attention over axes {attention_axes!r} is not "
                                      "supported; inputs are (batch, steps, features)")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"{owner}: `dropout` must be in [0, 1), got {dropout!r}")
        self.num_heads, self.key_dim = num_heads, key_dim
        self.value_dim = value_dim if value_dim is not None else key_dim
        self.dropout, self.use_bias, self.seed = float(dropout), bool(use_bias), seed
        if isinstance(output_shape, int):
            output_shape = (output_shape,)
        if output_shape is not None and len(tuple(output_shape)) != 1:
            raise NotImplementedError(f"{owner}: `output_shape` must be one dimension, got "
                                      f"{output_shape!r}")
        self._output_dim = None if output_shape is None else int(tuple(output_shape)[0])
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self._owner = owner
        self._attention_axes = attention_axes
        self._projections = None

    def build(self, input_shape):
        """The weights are created at the first call, from the query, key and value shapes."""
        self.built = True

    def __call__(self, query, value=None, key=None, **kwargs):
        """Checks query, value and key together before the layer is built or called, so a
        bad call leaves the layer as it was; then ``Layer.__call__``."""
        from . import functional
        if value is None:
            raise TypeError(f"{self._owner}: missing the `value` argument")
        if not functional.is_symbolic([query, value, key]):
            where = f"layer {self.name!r}"
            query = _as_input(query, self.dtype, where)
            value = _as_input(value, self.dtype, f"{where}: value")
            key = value if key is None else _as_input(key, self.dtype, f"{where}: key")
            self._check(query, value, key)
        return Layer.__call__(self, query, value, key=key, **kwargs)

    def _make_weights(self, fq, fk, fv):
        h = self.num_heads
        out = self._output_dim or fq

        def proj(name, fin, per_head):
            k = self.add_weight(f"{name}/kernel", (fin, h, per_head), self.kernel_initializer,
                                constraint=self.kernel_constraint)
            b = self.add_weight(f"{name}/bias", (h, per_head), self.bias_initializer,
                                constraint=self.bias_constraint) if self.use_bias else None
            return k, b

        q = proj("query", fq, self.key_dim)
        k = proj("key", fk, self.key_dim)
        v = proj("value", fv, self.value_dim)
        ok = self.add_weight("attention_output/kernel", (h, self.value_dim, out),
                             self.kernel_initializer, constraint=self.kernel_constraint)
        ob = self.add_weight("attention_output/bias", (out,), self.bias_initializer,
                             constraint=self.bias_constraint) if self.use_bias else None
        self._projections = (q, k, v, (ok, ob))
        self._features = (fq, fk, fv)

    def compute_output_shape(self, input_shape):
        """(batch, query steps, output features)."""
        return tuple(input_shape[:-1]) + (self._output_dim or input_shape[-1],)

    def _check(self, query, value, key):
        for what, t in (("query", query), ("value", value), ("key", key)):
            if t.ndim != 3:
                raise ValueError(f"{self._owner}: {what} must have shape (batch, steps, "
                                 f"features), got {tuple(t.shape)}")
        if value.shape[0] != query.shape[0] or key.shape[0] != query.shape[0] or \
                key.shape[1] != value.shape[1]:
            raise ValueError(f"{self._owner}: incompatible shapes query {tuple(query.shape)}, "
                             f"value {tuple(value.shape)}, key {tuple(key.shape)} (the batch "
                             "sizes must agree, and key and value must have the same steps)")
        if self._projections is not None:
            got = (query.shape[-1], key.shape[-1], value.shape[-1])
            if got != self._features:
                raise ValueError(f"{self._owner}: the layer was built for query, key and value "
                                 f"features {self._features}, got {got}")

    def _mask(self, n, tq, tk, dtype, attention_mask, use_causal_mask, query_mask, value_mask,
              key_mask):
        """The 0/1 keep-mask (batch, tq, tk) from every mask given, or None."""
        keep = None

        def both(a, b):
            return b if a is None else _core.multiply(a, b)

        if attention_mask is not None:
            m = _bool_mask(attention_mask, dtype, self._owner, "attention_mask")
            if m.ndim == 2:
                m = _core.expand_dims(m, 0)
            if m.ndim != 3 or tuple(m.shape[1:]) != (tq, tk) or m.shape[0] not in (1, n):
                raise ValueError(f"{self._owner}: attention_mask must have shape (batch, "
                                 f"{tq}, {tk}), got {tuple(m.shape)}")
            keep = m
        for what, m, axis, size in (("query_mask", query_mask, 2, tq),
                                    ("value_mask", value_mask, 1, tk),
                                    ("key_mask", key_mask, 1, tk)):
            if m is None:
                continue
            m = _bool_mask(m, dtype, self._owner, what)
            if tuple(m.shape) != (n, size):
                raise ValueError(f"{self._owner}: {what} must have shape ({n}, {size}), got "
                                 f"{tuple(m.shape)}")
            keep = both(keep, _core.expand_dims(m, axis))
        if use_causal_mask:
            keep = both(keep, _core.expand_dims(_causal(tq, tk, dtype), 0))
        return keep

    def call(self, query, value, key=None, attention_mask=None, return_attention_scores=False,
             training=None, use_causal_mask=False, query_mask=None, value_mask=None,
             key_mask=None):
        """The attention output (batch, query steps, out), and with
        ``return_attention_scores`` also the probabilities (batch, heads, query steps, key steps)."""
        value = _as_input(value, self.dtype, f"layer {self.name!r}: value")
        key = value if key is None else _as_input(key, self.dtype, f"layer {self.name!r}: key")
        self._check(query, value, key)
        if self._projections is None:
            self._make_weights(query.shape[-1], key.shape[-1], value.shape[-1])
        (qk, qb), (kk, kb), (vk, vb), (ok, ob) = self._projections

        def project(x, kernel, bias):
            y = _einsum("abc,cde->abde", x, kernel)
            return y if bias is None else _core.add(y, bias)

        q = _core.multiply(project(query, qk, qb), 1.0 / math.sqrt(float(self.key_dim)))
        k = project(key, kk, kb)
        v = project(value, vk, vb)
        scores = _einsum("aecd,abcd->acbe", k, q)  # (batch, heads, tq, tk)
        n, tq, tk = query.shape[0], query.shape[1], key.shape[1]
        keep = self._mask(n, tq, tk, query.dtype, attention_mask, use_causal_mask, query_mask,
                          value_mask, key_mask)
        probs = _masked_softmax(scores, None if keep is None else _core.expand_dims(keep, 1))
        dropped = _dropout(probs, self.dropout, training, self.seed)
        context = _einsum("acbe,aecd->abcd", dropped, v)  # (batch, tq, heads, value_dim)
        out = _einsum("abcd,cde->abe", context, ok)
        if ob is not None:
            out = _core.add(out, ob)
        if return_attention_scores:
            return out, probs
        return out

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        from . import initializers
        cfg.update(num_heads=self.num_heads, key_dim=self.key_dim, value_dim=self.value_dim,
                   dropout=self.dropout, use_bias=self.use_bias,
                   output_shape=None if self._output_dim is None else (self._output_dim,),
                   attention_axes=self._attention_axes, seed=self.seed,
                   kernel_initializer=initializers.serialize(
                       initializers.get(self.kernel_initializer)),
                   bias_initializer=initializers.serialize(initializers.get(self.bias_initializer)),
                   kernel_constraint=_serialize_constraint(self.kernel_constraint),
                   bias_constraint=_serialize_constraint(self.bias_constraint))
        return cfg


class Attention(Layer):
    """Dot-product attention as ``keras.layers.Attention``: ``inputs = [query, value]`` or
    ``[query, value, key]`` (batch, steps, dim); scores ``query @ keyᵀ`` (times a learned
    scalar with ``use_scale``), or with ``score_mode='concat'`` the additive
    ``sum(tanh(query + key))`` (times a learned scalar); a softmax over the keys, masked by
    ``mask=[query_mask, value_mask]`` and ``use_causal_mask``; then the weighted sum of values.
    Masked query rows come out as zeros."""

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError("Attention: invalid value for argument score_mode. Expected one of "
                             f"{{'dot', 'concat'}}. Received: score_mode={score_mode!r}")
        self.use_scale, self.score_mode = bool(use_scale), score_mode
        self.dropout, self.seed = float(dropout), seed
        self.scale = self.concat_score_weight = None

    def build(self, input_shape):
        """A scalar ``scale`` with use_scale, a scalar ``concat_score_weight`` for 'concat'."""
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) not in (2, 3) or \
                not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(f"Attention {self.name!r}: inputs must be a list [query, value] or "
                             f"[query, value, key], got shape {input_shape!r}")
        if self.use_scale:
            self.scale = self.add_weight("scale", (), "ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight("concat_score_weight", (), "ones")
        self.built = True

    def compute_output_shape(self, input_shape):
        """(batch, query steps, value dim)."""
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def _calculate_scores(self, query, key):
        """(batch, Tq, Tv) scores: ``query @ keyᵀ`` (times ``scale``), or for 'concat'
        ``concat_score_weight * sum(tanh(scale * (query + key)))``."""
        if self.score_mode == "dot":
            scores = _core.matmul(query, key, False, True)
            if self.scale is not None:
                scores = _core.multiply(scores, self.scale)
            return scores
        total = _core.add(_core.expand_dims(query, -2), _core.expand_dims(key, -3))
        if self.scale is not None:
            total = _core.multiply(total, self.scale)
        return _core.multiply(_core.reduce_sum(_core.tanh(total), [-1]), self.concat_score_weight)

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=False):
        """The attended values, and with ``return_attention_scores`` the probabilities."""
        owner = f"{type(self).__name__} {self.name!r}"
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError(f"{owner}: inputs must be a list [query, value] or [query, value, "
                             f"key], got {type(inputs).__name__}")
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        if query.ndim != 3 or value.ndim != 3 or key.ndim != 3 or \
                key.shape[:2] != value.shape[:2] or query.shape[0] != key.shape[0] or \
                query.shape[-1] != key.shape[-1]:
            raise ValueError(f"{owner}: incompatible shapes query {tuple(query.shape)}, value "
                             f"{tuple(value.shape)}, key {tuple(key.shape)}")
        scores = self._calculate_scores(query, key)
        tq, tk = query.shape[1], key.shape[1]
        q_mask = v_mask = None
        if mask is not None:
            if not isinstance(mask, (list, tuple)) or len(mask) not in (2, 3):
                raise ValueError(f"{owner}: mask must be a list [query_mask, value_mask], got "
                                 f"{mask!r}")
            q_mask, v_mask = mask[0], mask[1]
        keep = None
        if v_mask is not None:
            keep = _core.expand_dims(_bool_mask(v_mask, scores.dtype, owner, "value_mask"), -2)
        if use_causal_mask:
            causal = _core.expand_dims(_causal(tq, tk, scores.dtype), 0)
            keep = causal if keep is None else _core.multiply(keep, causal)
        probs = _masked_softmax(scores, keep)
        out = _core.matmul(_dropout(probs, self.dropout, training, self.seed), value)
        if q_mask is not None:
            out = _core.multiply(out, _core.expand_dims(
                _bool_mask(q_mask, out.dtype, owner, "query_mask"), -1))
        if return_attention_scores:
            return out, probs
        return out

    def get_config(self):
        """The constructor arguments, as a dict."""
        cfg = super().get_config()
        cfg.update(use_scale=self.use_scale, score_mode=self.score_mode, dropout=self.dropout,
                   seed=self.seed)
        return cfg


class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention, as ``keras.layers.AdditiveAttention``:
    ``inputs = [query, value]`` or ``[query, value, key]`` (batch, steps, dim); scores
    ``sum(scale * tanh(query + key), -1)`` with a learned ``scale`` of shape (dim,)
    (glorot_uniform at first; without ``use_scale`` the plain sum), then the masked softmax
    over the keys and the weighted sum of values, as Attention (``mask=[query_mask,
    value_mask]``, ``use_causal_mask``, ``return_attention_scores``, ``dropout``)."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        """``scale`` of the query's feature size (with ``use_scale``)."""
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) not in (2, 3) or \
                not isinstance(input_shape[0], (list, tuple)):
            raise ValueError(f"AdditiveAttention {self.name!r}: inputs must be a list [query, "
                             f"value] or [query, value, key], got shape {input_shape!r}")
        dim = input_shape[0][-1]
        if dim is None:
            raise ValueError(f"AdditiveAttention {self.name!r}: the query's last dimension must "
                             f"be known, got shape {tuple(input_shape[0])}")
        self.scale = self.add_weight("scale", (dim,), "glorot_uniform") if self.use_scale else None
        self.built = True

    def _calculate_scores(self, query, key):
        """(batch, Tq, Tv) scores ``sum(scale * tanh(query + key), -1)``."""
        t = _core.tanh(_core.add(_core.expand_dims(query, -2), _core.expand_dims(key, -3)))
        if self.scale is not None:
            t = _core.multiply(t, self.scale)
        return _core.reduce_sum(t, [-1])

    def get_config(self):
        """The constructor arguments, as a dict (Attention's without ``score_mode``)."""
        cfg = super().get_config()
        del cfg["score_mode"]
        return cfg
