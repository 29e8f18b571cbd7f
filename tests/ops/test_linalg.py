"""tf.linalg, tf.einsum and tf.tensordot: forward against numpy, gradients of first and second
order by finite differences, the GEMM layouts they pick, and their errors."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tapegrad as tf
from opcases import Case, define_tests, normal
from tapegrad.errors import InvalidArgumentError
from tapegrad.testing import assert_allclose


def _ein(eq):
    return lambda *xs: tf.einsum(eq, *xs)


def _np_ein(eq):
    return lambda *xs: np.einsum(eq, *xs)


def _ein_case(eq, *shapes, ops=("matmul",)):
    return Case(f"einsum[{eq}]", ops, _ein(eq), _np_ein(eq), normal(*shapes))


CASES = [
    # two operands: every layout of a matrix product (no copy where the GEMM can read it
    # transposed), batches, outer products, dot products, broadcast '...'
    _ein_case("ij,jk->ik", (3, 4), (4, 5)),
    _ein_case("ji,jk->ik", (4, 3), (4, 5)),
    _ein_case("ij,kj->ik", (3, 4), (5, 4)),
    _ein_case("ji,kj->ik", (4, 3), (5, 4)),
    _ein_case("ij,jk->ki", (3, 4), (4, 5), ops=("matmul", "transpose")),
    _ein_case("bij,bjk->bik", (2, 3, 4), (2, 4, 5)),
    _ein_case("bij,bkj->bik", (2, 3, 4), (2, 5, 4)),
    _ein_case("ibj,bjk->bik", (3, 2, 4), (2, 4, 5), ops=("matmul", "transpose")),
    _ein_case("abij,bajk->abik", (2, 3, 2, 4), (3, 2, 4, 2), ops=("matmul", "transpose")),
    _ein_case("i,j->ij", (3,), (4,)),
    _ein_case("i,i->", (5,), (5,)),
    _ein_case("ij,j->i", (3, 4), (4,)),
    # batched dot and outer products: a broadcasting multiply (and sum), not 1-row GEMMs
    _ein_case("ij,ij->i", (3, 4), (3, 4), ops=("multiply", "reduce_sum")),
    _ein_case("bi,bj->bij", (3, 4), (3, 2), ops=("multiply",)),
    _ein_case("bi,bj->jbi", (3, 4), (3, 2), ops=("multiply", "transpose")),
    _ein_case("bi,bi->ib", (3, 4), (3, 4), ops=("multiply", "transpose")),
    _ein_case("...i,...j->...ij", (2, 1, 3), (4, 2), ops=("multiply",)),
    _ein_case("bxi,bi->bx", (2, 3, 4), (2, 4), ops=("matmul",)),
    _ein_case("bij,bjk->bik", (3, 1, 4), (3, 4, 1), ops=("multiply", "reduce_sum")),
    _ein_case("ijk,jl->ilk", (2, 3, 4), (3, 5), ops=("matmul", "transpose")),
    _ein_case("ij,kl->ijkl", (2, 3), (4, 2)),
    _ein_case("...ij,...jk->...ik", (2, 3, 4), (4, 5)),
    _ein_case("...ij,...jk->...ik", (2, 1, 3, 4), (3, 4, 2)),
    _ein_case("b...i,b...i->b...", (2, 3, 4), (2, 1, 4), ops=("multiply", "reduce_sum")),
    _ein_case("ij,jk", (3, 4), (4, 5)),
    _ein_case("ba,ac", (4, 3), (3, 2)),
    _ein_case("cb,ba", (2, 3), (3, 4)),
    _ein_case("ba", (3, 4), ops=("transpose",)),
    # summed before the product: labels in one operand only
    _ein_case("ijk,kl->il", (2, 3, 4), (4, 5), ops=("matmul", "reduce_sum")),
    _ein_case("ij,kl->", (2, 3), (4, 5), ops=("matmul", "reduce_sum")),
    # one operand: transposes, sums, diagonals, trace
    _ein_case("ij->ji", (3, 4), ops=("transpose",)),
    _ein_case("ijk->kij", (2, 3, 4), ops=("transpose",)),
    _ein_case("ij->", (3, 4), ops=("reduce_sum",)),
    _ein_case("ijk->j", (2, 3, 4), ops=("reduce_sum",)),
    _ein_case("ii->i", (4, 4), ops=("gather",)),
    _ein_case("ii", (4, 4), ops=("gather", "reduce_sum")),
    _ein_case("iji->j", (3, 2, 3), ops=("gather", "reduce_sum")),
    _ein_case("...ii->...i", (2, 3, 3), ops=("gather",)),
    _ein_case("ij", (3, 4), ops=()),
    # three operands, left to right
    _ein_case("ij,jk,kl->il", (2, 3), (3, 4), (4, 2)),
    _ein_case("i,ij,j->", (3,), (3, 4), (4,)),
    _ein_case("bi,bij,bj->b", (2, 3), (2, 3, 4), (2, 4)),
    # the same product inside a larger expression: second derivatives mix both operands
    Case("einsum_squared", ("matmul", "square"), lambda a, b: tf.square(tf.einsum("ik,jk->ij", a, b)),
         lambda a, b: (a @ b.T) ** 2, normal((3, 4), (2, 4))),

    Case("tensordot_int", "matmul", lambda a, b: tf.tensordot(a, b, 1), lambda a, b: np.tensordot(a, b, 1),
         normal((2, 3), (3, 4))),
    Case("tensordot_2", "matmul", lambda a, b: tf.tensordot(a, b, 2), lambda a, b: np.tensordot(a, b, 2),
         normal((2, 3, 4), (3, 4, 5))),
    Case("tensordot_0_outer", "matmul", lambda a, b: tf.tensordot(a, b, 0),
         lambda a, b: np.tensordot(a, b, 0), normal((2, 3), (4,))),
    Case("tensordot_lists", ("matmul", "transpose"), lambda a, b: tf.tensordot(a, b, [[1, 2], [1, 0]]),
         lambda a, b: np.tensordot(a, b, [[1, 2], [1, 0]]), normal((2, 3, 4), (4, 3, 5))),
    Case("tensordot_ints_pair", "matmul", lambda a, b: tf.tensordot(a, b, [0, -1]),
         lambda a, b: np.tensordot(a, b, [0, -1]), normal((3, 2), (4, 3))),
    Case("tensordot_negative_axes", "matmul", lambda a, b: tf.tensordot(a, b, [[-1], [0]]),
         lambda a, b: np.tensordot(a, b, [[-1], [0]]), normal((2, 3), (3, 2))),

    Case("matvec", "matmul", lambda a, b: tf.linalg.matvec(a, b), lambda a, b: a @ b,
         normal((3, 4), (4,))),
    Case("matvec_transpose_a", "matmul", lambda a, b: tf.linalg.matvec(a, b, transpose_a=True),
         lambda a, b: a.T @ b, normal((4, 3), (4,))),
    Case("matvec_batch_broadcast", "matmul", lambda a, b: tf.linalg.matvec(a, b),
         lambda a, b: np.einsum("bij,cbj->cbi", a, b), normal((2, 3, 4), (5, 2, 4))),
    Case("matmul_alias", "matmul", lambda a, b: tf.linalg.matmul(a, b, transpose_b=True),
         lambda a, b: a @ b.T, normal((3, 4), (2, 4))),
    Case("matrix_transpose", "transpose", lambda a: tf.linalg.matrix_transpose(a),
         lambda a: np.swapaxes(a, -1, -2), normal((2, 3, 4))),
    Case("adjoint", "transpose", lambda a: tf.linalg.adjoint(a), lambda a: a.T, normal((3, 4))),
    Case("diag_part_square", "gather", lambda a: tf.linalg.diag_part(a),
         lambda a: np.diagonal(a, axis1=-2, axis2=-1), normal((2, 4, 4))),
    Case("diag_part_wide", "gather", lambda a: tf.linalg.diag_part(a),
         lambda a: np.diagonal(a, axis1=-2, axis2=-1), normal((3, 5))),
    Case("diag_part_tall", "gather", lambda a: tf.linalg.diag_part(a),
         lambda a: np.diagonal(a, axis1=-2, axis2=-1), normal((2, 5, 3))),
    Case("diag", ("pad", "slice"), lambda d: tf.linalg.diag(d),
         lambda d: d[..., :, None] * np.eye(d.shape[-1]), normal((2, 3))),
    Case("diag_of_square", ("pad", "slice", "square"), lambda d: tf.linalg.diag(tf.square(d)),
         lambda d: np.diag(d ** 2), normal((4,))),
    Case("trace", ("gather", "reduce_sum"), lambda a: tf.linalg.trace(a),
         lambda a: np.trace(a, axis1=-2, axis2=-1), normal((2, 3, 3))),
    Case("trace_of_product", ("gather", "reduce_sum", "matmul"),
         lambda a, b: tf.linalg.trace(tf.matmul(a, b)), lambda a, b: np.trace(a @ b), normal((3, 4), (4, 3))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


# ----------------------------------------------------------------------------------------------
# random equations against numpy

_LETTERS = "abcdef"


@st.composite
def _equations(draw):
    """A 1-3 operand equation over up to 6 labels, with sizes, and its operands' shapes."""
    sizes = {c: draw(st.integers(1, 4)) for c in _LETTERS}
    n_ops = draw(st.integers(1, 3))
    terms = []
    for _ in range(n_ops):
        labels = draw(st.lists(st.sampled_from(_LETTERS), min_size=0, max_size=4))
        terms.append("".join(labels))
    used = sorted(set("".join(terms)))
    out = draw(st.permutations(used).map(lambda p: "".join(p)))
    out = out[:draw(st.integers(0, len(out)))]
    eq = ",".join(terms) + "->" + out
    shapes = [tuple(sizes[c] for c in t) for t in terms]
    return eq, shapes


@settings(max_examples=150, deadline=None)
@given(_equations(), st.sampled_from([np.float32, np.float64]))
def test_einsum_random_equations_match_numpy(eq_shapes, dtype):
    eq, shapes = eq_shapes
    rng = np.random.default_rng(sum(ord(c) * (i + 1) for i, c in enumerate(eq)))
    xs = [rng.standard_normal(s).astype(dtype) for s in shapes]
    got = tf.einsum(eq, *xs)
    want = np.einsum(eq, *[x.astype(np.float64) for x in xs])
    assert got.dtype == tf.as_dtype(dtype)
    assert tuple(got.shape) == want.shape, eq
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    assert_allclose(got.numpy(), want, what=eq, **tol)


def test_einsum_gradient_is_exact_for_a_matrix_product():
    a = tf.constant(np.arange(12.0).reshape(3, 4))
    b = tf.constant(np.arange(8.0).reshape(2, 4))
    g = np.arange(6.0).reshape(3, 2)
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = tf.einsum("ik,jk->ij", a, b)
    da, db = tape.gradient(y, [a, b], output_gradients=tf.constant(g))
    np.testing.assert_array_equal(da.numpy(), g @ b.numpy())
    np.testing.assert_array_equal(db.numpy(), g.T @ a.numpy())


def test_einsum_reads_transposed_operands_in_place():
    # 'ji,kj->ik' is Aᵀ Bᵀ: both go to the GEMM with transpose flags, no transpose op recorded.
    a = tf.constant(np.ones((4, 3)))
    b = tf.constant(np.ones((5, 4)))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([a, b])
        tf.einsum("ji,kj->ik", a, b)
    ops = [e[0] for e in tape._tape.entries()]
    assert "matmul" in ops and "transpose" not in ops, ops


def test_einsum_of_variables_and_python_values():
    w = tf.Variable(np.eye(3, dtype=np.float32))  # a Python list is float32, as tf.constant
    x = [[1.0, 2.0, 3.0]]
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.einsum("bi,ij->bj", x, w))
    g = tape.gradient(y, w)
    np.testing.assert_array_equal(g.numpy(), np.repeat(np.array(x).T, 3, axis=1))


def test_einsum_empty_dimensions():
    a = np.ones((0, 3))
    b = np.ones((3, 4))
    assert tf.einsum("ij,jk->ik", a, b).shape == (0, 4)
    np.testing.assert_array_equal(tf.einsum("ij,jk->ik", np.ones((2, 0)), np.ones((0, 3))).numpy(),
                                  np.zeros((2, 3)))
    assert tf.einsum("ij->", np.ones((0, 2))).numpy() == 0


def test_linalg_diag_keeps_inf_on_the_diagonal_only():
    d = tf.linalg.diag([1.0, np.inf, -np.inf])
    want = np.diag([1.0, np.inf, -np.inf])
    np.testing.assert_array_equal(d.numpy(), want)
    assert tf.linalg.diag(np.zeros((2, 0))).shape == (2, 0, 0)


def test_linalg_names_are_the_top_level_ones():
    assert tf.linalg.matmul is tf.matmul
    assert tf.linalg.einsum is tf.einsum and tf.linalg.tensordot is tf.tensordot
    assert tf.linalg.norm is tf.norm and tf.linalg.eye is tf.eye
    x = np.array([[3.0, 4.0]])
    np.testing.assert_allclose(tf.linalg.l2_normalize(x, axis=1).numpy(), [[0.6, 0.8]])


@pytest.mark.parametrize("eq, shapes, err, match", [
    ("ij,jk->ik", [(2, 3), (4, 5)], InvalidArgumentError, "subscript 'j' has size 3 in operand 0"),
    ("ij,jk->ik", [(2, 3)], ValueError, "names 2 operand"),
    ("ij->ik", [(2, 3)], ValueError, "'k' of 'ij->ik' is in no input"),
    ("ij->ii", [(2, 2)], ValueError, "appears twice"),
    ("ij", [(2, 3, 4)], InvalidArgumentError, "rank 3"),
    ("ijk", [(2, 3)], InvalidArgumentError, "name 3 dimension"),
    ("i1", [(2, 3)], ValueError, "letters"),
    ("i->j->k", [(2,)], ValueError, "more than one '->'"),
    ("...i->i", [(2, 3)], ValueError, "must appear in the output"),
    ("i....", [(2, 3)], ValueError, "at most once"),
    ("ii->i", [(2, 3)], InvalidArgumentError, r"size 2 in operand 0 \(shape \[2, 3\]\) and 3 in operand 0"),
    ("...i,...i->...", [(2, 3), (4, 3)], InvalidArgumentError, "'...' dimension has size 2"),
    ("...i,...i,...i->...", [(1, 3), (2, 3), (4, 3)], InvalidArgumentError,
     r"'...' dimension has size 2 in operand 1 \(shape \[2, 3\]\) and 4 in operand 2"),
])
def test_einsum_errors(eq, shapes, err, match):
    with pytest.raises(err, match=match):
        tf.einsum(eq, *[np.ones(s) for s in shapes])


def test_integer_operands_keep_their_dtype():
    # numpy integer arrays stay integers (as tf.constant), and the products compute in their
    # integer type, as TF's; mixing an int tensor with a float one is TF's InvalidArgumentError.
    a = np.array([[1, 2], [3, 4]], np.int64)
    e = tf.einsum("ij,jk->ik", a, a)
    assert e.dtype == tf.int64 and e.numpy().tolist() == [[7, 10], [15, 22]]
    with pytest.raises(InvalidArgumentError, match="tensordot: .*expected to be a int32 tensor but is a float64"):
        tf.tensordot(a.astype(np.int32), np.ones((2, 2)), 1)
    tr = tf.linalg.trace(a)
    assert tr.dtype == tf.int64 and int(tr.numpy()) == 5
    np.testing.assert_array_equal(tf.linalg.matrix_transpose(a).numpy(), a.T)
    np.testing.assert_array_equal(tf.linalg.diag_part(a).numpy(), [1, 4])


def test_einsum_argument_errors():
    with pytest.raises(InvalidArgumentError, match="expected to be a float32 tensor but is a float64 tensor"):
        tf.einsum("i,i->", tf.constant(np.ones(2, np.float32)), tf.constant(np.ones(2)))
    # Two numpy operands: the second takes the first one's dtype, as TF converts them.
    assert tf.einsum("i,i->", np.ones(2, np.float32), np.ones(2, np.float64)).dtype == tf.float32
    with pytest.raises(TypeError, match="equation must be a str"):
        tf.einsum(3, np.ones(2))
    with pytest.raises(ValueError, match="at least one input"):
        tf.einsum("i->i")
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
        tf.einsum("i->i", np.ones(2), foo=1)
    assert tf.einsum("i->i", np.ones(2), optimize="greedy", name="e").shape == (2,)


@pytest.mark.parametrize("axes, match", [
    (3, r"axes=3 must be in \[0, min"),
    (-1, "axes=-1"),
    ([[0], [0, 1]], "name 1 axes of a and 2 of b"),
    ([[5], [0]], "axis 5 is out of range for a"),
    ([[0, 0], [0, 1]], "named twice"),
    ([[1], [1]], "axis 1 of a .* has size 3 but axis 1 of b"),
    ("x", "an int or a pair"),
])
def test_tensordot_errors(axes, match):
    with pytest.raises(InvalidArgumentError, match=match):
        tf.tensordot(np.ones((2, 3)), np.ones((3, 2)), axes)


def test_linalg_shape_errors():
    with pytest.raises(InvalidArgumentError, match="matvec: a must have rank >= 2"):
        tf.linalg.matvec(np.ones(3), np.ones(3))
    with pytest.raises(InvalidArgumentError, match="matvec: b must have rank >= 1"):
        tf.linalg.matvec(np.ones((2, 3)), 1.0)
    with pytest.raises(InvalidArgumentError, match="matmul"):
        tf.linalg.matvec(np.ones((2, 3)), np.ones(4))
    with pytest.raises(InvalidArgumentError, match=r"trace: x must have rank >= 2, got shape \[3\]"):
        tf.linalg.trace(np.ones(3))
    with pytest.raises(InvalidArgumentError, match="matrix_transpose: a must have rank >= 2"):
        tf.linalg.matrix_transpose(np.ones(3))
    with pytest.raises(InvalidArgumentError, match="diag_part: lower_diag_index is out of bound: 3"):
        tf.linalg.diag_part(np.ones((3, 3)), k=3)
    with pytest.raises(InvalidArgumentError, match="diag: The number of rows is too small"):
        tf.linalg.diag(np.ones(3), k=1, num_rows=2)
    with pytest.raises(InvalidArgumentError, match="diag: diagonal must have rank >= 1"):
        tf.linalg.diag(1.0)
