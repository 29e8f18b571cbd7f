"""Keras 3's EinsumDense: a dense layer whose contraction is an einsum equation.

``EinsumDense("abc,cde->abde", output_shape=(None, 4, 8), bias_axes="de")`` is a projection
of (batch, steps, features) inputs to (batch, steps, 4, 8), as MultiHeadAttention's. The
kernel's shape comes from the equation, the input shape and ``output_shape``; the einsum is
``tapegrad.einsum`` (batched GEMMs recorded on the tape, so gradients of any order).
"""

import re

from .. import _core
from . import activations as _activations
from . import initializers as _initializers
from .layers import Layer, _kernel_bias_config

__all__ = ["EinsumDense"]


def _analyze_einsum_string(equation, bias_axes, input_shape, output_shape, owner):
    """(kernel shape, bias shape or None, full output shape, input axes, output axes) for
    ``equation`` of the forms 'ab,bc->ac', '...ab,bc->...ac' and 'ab...,bc->ac...', as
    Keras 3's helper of the same name (its errors, prefixed with the layer)."""
    dotted = re.sub(r"\.\.\.", "0", equation)
    for pattern, left in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", False),
                          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", True),
                          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$", False)):
        match = re.match(pattern, dotted)
        if match:
            return _analyze_split_string(match, bias_axes, input_shape, output_shape, left, owner)
    raise ValueError(f"{owner}: invalid einsum equation '{equation}'. Equations must be in the "
                     "form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _analyze_split_string(match, bias_axes, input_shape, output_shape, left_elided, owner):
    input_spec, weight_spec, output_spec = match.group(1), match.group(2), match.group(3)
    input_shape = list(input_shape)
    elided = len(input_shape) - len(input_spec)
    if elided < 0:
        raise ValueError(f"{owner}: the equation's input '{input_spec}' has {len(input_spec)} "
                         f"axes but the input has rank {len(input_shape)} "
                         f"(shape {tuple(input_shape)})")
    output_shape = list(output_shape)
    output_shape.insert(0, input_shape[0])
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output_shape.insert(1, input_shape[i])
    elif elided > 0:
        for i in range(len(input_shape) - elided, len(input_shape)):
            output_shape.append(input_shape[i])

    if left_elided:
        input_dim_map = {dim: (i + elided) - len(input_shape) for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i + elided for i, dim in enumerate(output_spec)}
    else:
        input_dim_map = {dim: i for i, dim in enumerate(input_spec)}
        output_dim_map = {dim: i for i, dim in enumerate(output_spec)}
    if len(output_shape) != len(output_spec) + (elided if elided > 0 else 0):
        raise ValueError(f"{owner}: `output_shape` {tuple(output_shape[1:])} (batch excluded) "
                         f"does not fit the equation's output '{output_spec}'")

    for dim in input_spec:
        in_dim = input_shape[input_dim_map[dim]]
        if dim in output_dim_map:
            out_dim = output_shape[output_dim_map[dim]]
            if out_dim is not None and in_dim is not None and out_dim != in_dim:
                raise ValueError(
                    f"{owner}: input shape and output shape do not match at shared dimension "
                    f"'{dim}'. Input shape is {in_dim}, and output shape is {out_dim}.")
    for dim in output_spec:
        if dim not in input_spec and dim not in weight_spec:
            raise ValueError(
                f"{owner}: dimension '{dim}' was specified in the output '{output_spec}' but has "
                f"no corresponding dim in the input spec '{input_spec}' or weight spec "
                f"'{weight_spec}'")

    weight_shape, input_axes, output_axes = [], [], []
    for i, dim in enumerate(weight_spec):
        if dim in output_dim_map:
            weight_shape.append(output_shape[output_dim_map[dim]])
            output_axes.append(i)
        elif dim in input_dim_map:
            weight_shape.append(input_shape[input_dim_map[dim]])
            input_axes.append(i)
        else:
            raise ValueError(
                f"{owner}: weight dimension '{dim}' did not have a match in either the input "
                f"spec '{input_spec}' or the output spec '{output_spec}'. For this layer, the "
                "weight must be fully specified.")

    bias_shape = None
    if bias_axes is not None:
        num_left_elided = elided if left_elided else 0
        idx_map = {char: output_shape[i + num_left_elided] for i, char in enumerate(output_spec)}
        for char in bias_axes:
            if char not in output_spec:
                raise ValueError(f"{owner}: bias dimension '{char}' was requested, but is not "
                                 f"part of the output spec '{output_spec}'")
        first = min(output_spec.find(char) for char in bias_axes)
        bias_shape = [idx_map[char] if char in bias_axes else 1 for char in output_spec[first:]]
        if not left_elided:
            bias_shape += [1] * elided
    return weight_shape, bias_shape, output_shape, input_axes, output_axes


class EinsumDense(Layer):
    """A dense layer computed by an einsum, as ``keras.layers.EinsumDense``:
    ``activation(einsum(equation, inputs, kernel) + bias)``.

    ``equation`` is 'ab,bc->ac' style ('...' allowed at the start of the input and output,
    or at the end of a 2+ letter input); ``output_shape`` the output's dimensions after the
    batch (an int, or a tuple with None where the input decides). ``bias_axes`` names the
    output letters that get a bias (none by default). A VarianceScaling kernel initializer
    (glorot_uniform by default) counts the kernel's input and output letters as fan-in and
    fan-out, as Keras 3. Weights: kernel, then bias.
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        for unsupported in ("lora_rank", "lora_alpha", "quantization_config",
                            "gptq_unpacked_column_size"):
            if kwargs.get(unsupported) is not None:
                raise NotImplementedError(f"EinsumDense: `{unsupported}` (LoRA / quantization) "
                                          "is not supported by tapegrad")
            kwargs.pop(unsupported, None)
        super().__init__(**kwargs)
        owner = f"EinsumDense {self.name!r}"
        if not isinstance(equation, str):
            raise TypeError(f"{owner}: `equation` must be a string such as 'ab,bc->ac', got "
                            f"{equation!r}")
        if isinstance(output_shape, int) and not isinstance(output_shape, bool):
            partial = (output_shape,)
        elif isinstance(output_shape, (list, tuple)) and all(
                d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0)
                for d in output_shape):
            partial = tuple(output_shape)
        else:
            raise ValueError(f"{owner}: `output_shape` must be an int or a tuple of positive "
                             f"ints / None, got {output_shape!r}")
        if isinstance(output_shape, int) and output_shape <= 0:
            raise ValueError(f"{owner}: `output_shape` must be positive, got {output_shape!r}")
        if bias_axes is not None and not isinstance(bias_axes, str):
            raise TypeError(f"{owner}: `bias_axes` must be a string of output letters or None, "
                            f"got {bias_axes!r}")
        self.equation = equation
        self.partial_output_shape = partial
        self.bias_axes = bias_axes
        self.activation = _activations.get(activation)
        self.kernel_initializer = _initializers.get(kernel_initializer)
        self.bias_initializer = _initializers.get(bias_initializer)
        self._regularizers(kernel_regularizer, bias_regularizer)
        self._set_constraints(kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        self.kernel = self.bias = None
        # A malformed equation (or bias_axes / output_shape that do not fit it) is reported
        # now rather than at the first call, when the equation fixes the input's rank.
        lhs = equation.split("->")[0].split(",")[0]
        if "..." not in equation and lhs.isalpha():
            _analyze_einsum_string(equation, bias_axes, (None,) * len(lhs), partial, owner)
        elif not re.match(r"^(\.\.\.)?[a-zA-Z]+(\.\.\.)?,[a-zA-Z]+->(\.\.\.)?[a-zA-Z]+(\.\.\.)?$",
                          equation):
            _analyze_einsum_string(equation, bias_axes, (), partial, owner)  # raises

    def _analyze(self, input_shape):
        return _analyze_einsum_string(self.equation, self.bias_axes, tuple(input_shape),
                                      self.partial_output_shape, f"EinsumDense {self.name!r}")

    def build(self, input_shape):
        """``kernel`` (and ``bias`` with ``bias_axes``) of the shapes the equation implies."""
        kernel_shape, bias_shape, _, in_axes, out_axes = self._analyze(input_shape)
        if any(d is None for d in kernel_shape) or (bias_shape and any(d is None for d in bias_shape)):
            raise ValueError(f"EinsumDense {self.name!r}: the kernel shape {tuple(kernel_shape)} "
                             f"has unknown dimensions for input shape {tuple(input_shape)}; give "
                             "them in `output_shape` or the input")
        init = self.kernel_initializer
        if isinstance(init, _initializers.VarianceScaling):
            init = _AxesFans(init, in_axes, out_axes)
        self.kernel = self.add_weight("kernel", tuple(kernel_shape), init,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if bias_shape is not None:
            self.bias = self.add_weight("bias", tuple(bias_shape), self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def compute_output_shape(self, input_shape):
        """The full output shape (batch first), as Keras 3's."""
        return tuple(self._analyze(input_shape)[2])

    def call(self, inputs):
        """einsum(equation, inputs, kernel), plus the bias, then the activation."""
        from ..linalg import einsum
        x = einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = _core.add(x, self.bias)
        return self.activation(x)

    def get_config(self):
        """The constructor arguments, as a dict (Keras 3's EinsumDense config)."""
        cfg = super().get_config()
        cfg.update(output_shape=self.partial_output_shape, equation=self.equation,
                   activation=_activations.serialize(self.activation), bias_axes=self.bias_axes,
                   **_kernel_bias_config(self))
        return cfg


class _AxesFans:
    """A VarianceScaling initializer whose fan-in / fan-out are the products of the kernel's
    input / output axes (Keras 3 passes ``input_axes`` / ``output_axes``). Every kernel axis
    is one or the other, so the values are drawn as a (fan_in, fan_out) matrix and reshaped."""

    def __init__(self, init, input_axes, output_axes):
        self.init, self.input_axes, self.output_axes = init, input_axes, output_axes

    def __call__(self, shape, dtype=None):
        fan_in = fan_out = 1
        for a in self.input_axes:
            fan_in *= shape[a]
        for a in self.output_axes:
            fan_out *= shape[a]
        return _core.reshape(self.init((fan_in, fan_out), dtype=dtype), list(shape))
