"""Data-movement rows (broadcast_to, sum_to, reshape, transpose, concat, slice, pad) and the
composites built on them (expand_dims, squeeze, stack, tile, split, indexing x[...])."""

import numpy as np
import pytest

import tapegrad as tf
from opcases import Case, define_tests, normal


def _sum_to(x, shape):
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape) if d == 1 and x.shape[lead + i] != 1)
    return x.sum(axis=axes).reshape(shape)


def _slice(x, begin, size):
    return x[tuple(slice(b, x.shape[i] if s == -1 else b + s) for i, (b, s) in enumerate(zip(begin, size)))]


def _case(id, op, fn, ref, gen, **kw):
    return Case(id, op, fn, ref, gen, **kw)


CASES = [
    # broadcast_to / sum_to are each other's vjp
    _case("broadcast_to_col", "broadcast_to", lambda x: tf.broadcast_to(x, (2, 3, 4)),
          lambda x: np.broadcast_to(x, (2, 3, 4)), normal((3, 1))),
    _case("broadcast_to_scalar", "broadcast_to", lambda x: tf.broadcast_to(x, (2, 3)),
          lambda x: np.broadcast_to(x, (2, 3)), normal(())),
    _case("broadcast_to_same", "broadcast_to", lambda x: tf.broadcast_to(x, (2, 3)),
          lambda x: np.broadcast_to(x, (2, 3)), normal((1, 3))),
    _case("sum_to_col", "sum_to", lambda x: tf._core.sum_to(x, (3, 1)), lambda x: _sum_to(x, (3, 1)),
          normal((2, 3, 4))),
    _case("sum_to_row", "sum_to", lambda x: tf._core.sum_to(x, (4,)), lambda x: _sum_to(x, (4,)),
          normal((2, 3, 4))),
    _case("sum_to_scalar", "sum_to", lambda x: tf._core.sum_to(x, ()), lambda x: _sum_to(x, ()),
          normal((2, 3))),
    _case("sum_to_inner", "sum_to", lambda x: tf._core.sum_to(x, (2, 1, 4)), lambda x: _sum_to(x, (2, 1, 4)),
          normal((2, 3, 4))),
    # reshape
    _case("reshape", "reshape", lambda x: tf.reshape(x, (4, 6)), lambda x: x.reshape(4, 6),
          normal((2, 3, 4))),
    _case("reshape_infer", "reshape", lambda x: tf.reshape(x, [-1, 2]), lambda x: x.reshape(-1, 2),
          normal((2, 3, 4))),
    _case("reshape_to_scalar", "reshape", lambda x: tf.reshape(x, []), lambda x: x.reshape(()),
          normal((1, 1))),
    # transpose
    _case("transpose_default", "transpose", tf.transpose, np.transpose, normal((2, 3, 4))),
    _case("transpose_perm", "transpose", lambda x: tf.transpose(x, [1, 2, 0]),
          lambda x: np.transpose(x, (1, 2, 0)), normal((2, 3, 4))),
    _case("transpose_2d", "transpose", lambda x: tf.transpose(x, (1, 0)), np.transpose, normal((3, 5))),
    _case("transpose_operator_T", "transpose", lambda x: tf.transpose(x) * 1.0, lambda x: x.T, normal((3, 2))),
    # concat
    _case("concat_axis0", "concat", lambda a, b, c: tf.concat([a, b, c], 0),
          lambda a, b, c: np.concatenate([a, b, c], 0), normal((1, 3), (2, 3), (3, 3))),
    _case("concat_axis1", "concat", lambda a, b: tf.concat([a, b], axis=1),
          lambda a, b: np.concatenate([a, b], 1), normal((2, 2, 3), (2, 1, 3))),
    _case("concat_neg_axis", "concat", lambda a, b: tf.concat([a, b], -1),
          lambda a, b: np.concatenate([a, b], -1), normal((2, 3, 1), (2, 3, 2))),
    _case("concat_same_tensor", "concat", lambda a: tf.concat([a, a * 2.0], 0),
          lambda a: np.concatenate([a, 2 * a], 0), normal((2, 2))),
    # slice
    _case("slice", "slice", lambda x: tf.slice(x, [1, 0, 2], [1, 2, 2]),
          lambda x: _slice(x, [1, 0, 2], [1, 2, 2]), normal((2, 3, 4))),
    _case("slice_size_minus_one", "slice", lambda x: tf.slice(x, [1, 1], [-1, -1]),
          lambda x: _slice(x, [1, 1], [-1, -1]), normal((3, 4))),
    # pad
    _case("pad", "pad", lambda x: tf.pad(x, [[1, 0], [2, 3]]),
          lambda x: np.pad(x, [(1, 0), (2, 3)]), normal((2, 3))),
    _case("pad_3d_zero_sides", "pad", lambda x: tf.pad(x, [[0, 0], [1, 1], [0, 2]]),
          lambda x: np.pad(x, [(0, 0), (1, 1), (0, 2)]), normal((2, 1, 2))),
    # composites: expand_dims / squeeze are reshapes, stack is expand_dims + concat
    _case("expand_dims_0", "reshape", lambda x: tf.expand_dims(x, 0), lambda x: np.expand_dims(x, 0),
          normal((2, 3))),
    _case("expand_dims_neg", "reshape", lambda x: tf.expand_dims(x, -1), lambda x: np.expand_dims(x, -1),
          normal((2, 3))),
    _case("squeeze_all", "reshape", lambda x: tf.squeeze(x), np.squeeze, normal((1, 3, 1, 2))),
    _case("squeeze_axis", "reshape", lambda x: tf.squeeze(x, [2]), lambda x: np.squeeze(x, 2),
          normal((1, 3, 1, 2))),
    _case("stack_0", "concat", lambda a, b, c: tf.stack([a, b, c]), lambda a, b, c: np.stack([a, b, c]),
          normal((2, 3), (2, 3), (2, 3))),
    _case("stack_last", "concat", lambda a, b: tf.stack([a, b], axis=-1), lambda a, b: np.stack([a, b], -1),
          normal((2, 3), (2, 3))),
    _case("stack_1", "concat", lambda a, b: tf.stack([a, b], axis=1), lambda a, b: np.stack([a, b], 1),
          normal((2, 3), (2, 3))),
    # indexing: slice + reshape
    _case("index_int", "slice", lambda x: x[1], lambda x: x[1], normal((3, 4))),
    _case("index_neg_int", "slice", lambda x: x[-1, 2], lambda x: x[-1, 2], normal((3, 4))),
    _case("index_slices", "slice", lambda x: x[1:, :3], lambda x: x[1:, :3], normal((3, 4))),
    _case("index_ellipsis", "slice", lambda x: x[..., 1], lambda x: x[..., 1], normal((2, 3, 4))),
    _case("index_newaxis", "slice", lambda x: x[:, None, 0:2], lambda x: x[:, None, 0:2], normal((3, 4))),
    _case("index_mixed", "slice", lambda x: x[0, ..., -2:], lambda x: x[0, ..., -2:], normal((2, 3, 4))),
    # tile: reshape + broadcast_to + reshape (its gradient sums the copies)
    _case("tile_rows", "broadcast_to", lambda x: tf.tile(x, [3, 1]), lambda x: np.tile(x, (3, 1)),
          normal((2, 3))),
    _case("tile_3d", "broadcast_to", lambda x: tf.tile(x, (2, 1, 3)), lambda x: np.tile(x, (2, 1, 3)),
          normal((1, 2, 2))),
    # split: one slice per piece; weighting the pieces differently checks each piece's gradient
    _case("split_even", "slice",
          lambda x: tf.concat([p * float(i + 1) for i, p in enumerate(tf.split(x, 3, axis=1))], 1),
          lambda x: np.concatenate([p * (i + 1) for i, p in enumerate(np.split(x, 3, axis=1))], 1),
          normal((2, 6))),
    _case("split_sizes", "slice",
          lambda x: tf.concat([p * float(i + 1) for i, p in enumerate(tf.split(x, [1, -1, 2], -1))], -1),
          lambda x: np.concatenate([p * (i + 1) for i, p in enumerate(np.split(x, [1, 2], -1))], -1),
          normal((2, 4))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


def test_large_transpose_and_concat_forward():
    rng = np.random.default_rng(3)
    for dtype in (np.float32, np.float64):
        x = rng.standard_normal((17, 33, 9)).astype(dtype)
        for perm in ((0, 2, 1), (2, 1, 0), (1, 0, 2), (2, 0, 1)):
            np.testing.assert_array_equal(tf.transpose(tf.constant(x), perm).numpy(), np.transpose(x, perm))
        for axis in (0, 1, 2):
            parts = np.array_split(x, 3, axis=axis)
            got = tf.concat([tf.constant(p) for p in parts], axis)
            np.testing.assert_array_equal(got.numpy(), x)


def test_empty_slices_and_pads():
    x = tf.constant(np.arange(6.0).reshape(2, 3))
    assert tuple(x[1:1].shape) == (0, 3)
    assert tuple(tf.slice(x, [0, 3], [2, 0]).shape) == (2, 0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x[2:]) + tf.reduce_sum(x[:, 1:2])
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [[0, 1, 0], [0, 1, 0]])


def test_tile_and_split_shapes_and_errors():
    x = tf.constant(np.arange(6.0).reshape(2, 3))
    assert tf.tile(x, [0, 2]).shape == (0, 6)
    assert tf.tile(tf.constant(5.0), []).numpy() == 5.0
    assert [p.shape for p in tf.split(x, [0, 3], axis=1)] == [(2, 0), (2, 3)]
    for call, match in [
            (lambda: tf.tile(x, [2]), r"tile: expected multiples argument to be a vector of length 2"),
            (lambda: tf.tile(x, [1, -1]), r"tile: multiples must be non-negative"),
            (lambda: tf.tile(x, [1.5, 1]), r"tile: multiples must be a list of integers"),
            (lambda: tf.split(x, 2, axis=1), r"split: the dimension 1 of size 3 .* does not split evenly into 2"),
            (lambda: tf.split(x, [1, 1], axis=1), r"split: sizes \[1, 1\] add up to 2, not to the size 3"),
            (lambda: tf.split(x, [-1, -1, 1], axis=1), r"at most one -1"),
            (lambda: tf.split(x, [4, -1], axis=1), r"add up to more than"),
            (lambda: tf.split(x, 3, axis=2), r"split: axis 2 is out of range for a tensor of rank 2"),
            (lambda: tf.split(x, 3, axis=1, num=2), r"num=2 but the split makes 3 pieces"),
            (lambda: tf.split(tf.constant(1.0), 1), r"rank >= 1")]:
        with pytest.raises(tf.errors.InvalidArgumentError, match=match):
            call()


def test_getitem_with_steps_matches_numpy_and_differentiates():
    # slices of any step (negative too), mixed with ints, ..., None, as numpy's basic indexing
    rng = np.random.default_rng(12)
    a = rng.standard_normal((5, 6, 7))
    x = tf.constant(a)
    keys = [np.s_[::2], np.s_[::-1], np.s_[1::3, ::-2], np.s_[..., ::2], np.s_[4:0:-2, 2, None, 5:1:-1],
            np.s_[::7], np.s_[3:3:-1], np.s_[-1::-4, :, 1::2], np.s_[None, ::2, ..., -2::-3], np.s_[:, 10::-2]]
    for key in keys:
        np.testing.assert_array_equal(x[key].numpy(), a[key], err_msg=str(key))
        with tf.GradientTape() as outer:
            outer.watch(x)
            with tf.GradientTape() as tape:
                tape.watch(x)
                y = tf.reduce_sum(x[key] ** 2)
            g = tape.gradient(y, x)
            gs = tf.reduce_sum(g * g)
        want = np.zeros_like(a)
        want[key] = 2 * a[key]  # basic indexing never repeats an element
        np.testing.assert_allclose(g.numpy(), want, rtol=1e-12)
        want2 = np.zeros_like(a)
        want2[key] = 8 * a[key]
        np.testing.assert_allclose(outer.gradient(gs, x).numpy(), want2, rtol=1e-12)
    v = tf.Variable(a)
    np.testing.assert_array_equal(v[::-2, 1].numpy(), a[::-2, 1])
