"""``tf.bitwise``: bitwise AND, OR, XOR, shifts and NOT of int32/int64 tensors (C++ loops in
csrc/ops/bitwise.cc). No gradient, as in TF. The ``& | ^ ~`` operators of an integer tensor
are these (on a bool tensor they are the logical ops)."""
from ._core import bitwise_and, bitwise_or, bitwise_xor, invert, left_shift, right_shift

__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift"]
