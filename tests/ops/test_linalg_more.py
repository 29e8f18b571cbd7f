"""tf.linalg additions (python/tapegrad/linalg.py, last section): global_norm, normalize,
set_diag, tensor_diag, tensor_diag_part, cross, matrix_rank, lu, lu_solve, lu_matrix_inverse,
lu_reconstruct, tridiagonal_solve, tridiagonal_matmul, expm.

Forward against numpy references in float32 and float64 (an unblocked partial-pivoting LU,
dense solves, eigendecompositions for expm), gradients and second derivatives against finite
differences (opcases); then TF's documented examples, the pivots, the edge cases (singular,
empty, non-finite, mixed Padé degrees in a batch) and bad input."""

import numpy as np
import pytest

import tapegrad as tf
from opcases import Case, define_tests, normal
from tapegrad.errors import InvalidArgumentError
from tapegrad.testing import check_gradients

LOOSE = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-10, atol=1e-11)}


# -- references ---------------------------------------------------------------------------------

def np_lu(a):
    """Textbook LU with partial pivoting (the first largest |entry| of each column), column by
    column: (lu, perm) with L @ U == a[perm]."""
    a = np.array(a, dtype=np.float64)
    n = a.shape[-1]
    flat = a.reshape(-1, n, n)
    perms = []
    for m in flat:
        p = np.arange(n)
        for k in range(n):
            r = k + int(np.argmax(np.abs(m[k:, k])))
            if r != k:
                m[[k, r]] = m[[r, k]]
                p[[k, r]] = p[[r, k]]
            if m[k, k] != 0:
                m[k + 1:, k] /= m[k, k]
            m[k + 1:, k + 1:] -= np.outer(m[k + 1:, k], m[k, k + 1:])
        perms.append(p)
    return flat.reshape(a.shape), np.array(perms).reshape(a.shape[:-1])


def np_unpack(lu):
    n = lu.shape[-1]
    return np.tril(lu, -1) + np.eye(n), np.triu(lu)


def np_reconstruct(lu, perm):
    low, up = np_unpack(lu)
    x = low @ up
    inv = np.argsort(perm, axis=-1)
    return np.take_along_axis(x, inv[..., None], axis=-2)


def dense_tridiagonal(d):
    m = d.shape[-1]
    a = np.zeros(d.shape[:-2] + (m, m))
    i = np.arange(m)
    a[..., i, i] = d[..., 1, :]
    a[..., i[:-1], i[:-1] + 1] = d[..., 0, :-1]
    a[..., i[1:], i[1:] - 1] = d[..., 2, 1:]
    return a


def np_expm(a):
    """exp by the eigendecomposition (random matrices: well-conditioned eigenvectors)."""
    w, v = np.linalg.eig(a)
    return np.real(v @ (np.exp(w)[..., None] * np.linalg.inv(v)))


def np_set_diag(x, d, k):
    out = x.copy()
    m, n = x.shape[-2:]
    i = np.arange(d.shape[-1])
    rows, cols = (i, i + k) if k >= 0 else (i - k, i)
    out[..., rows, cols] = d
    return out


def well_conditioned(*shapes, shift=3.0):
    """Square matrices with a dominant diagonal of random sign (pivoting still permutes)."""
    def gen(rng):
        out = []
        for s in shapes:
            a = rng.standard_normal(s)
            n = s[-1]
            a = a + shift * np.eye(n) * rng.choice([-1.0, 1.0], s[:-1])[..., None]
            out.append(a)
        return out
    return gen


def random_square(*shapes):
    return lambda rng: [rng.standard_normal(s) for s in shapes]


def tridiagonal_inputs(dshape, rshape, dominant=True):
    def gen(rng):
        d = rng.standard_normal(dshape)
        if dominant:
            d[..., 1, :] += 4.0 * np.sign(d[..., 1, :])
        return [d, rng.standard_normal(rshape)]
    return gen


def scaled_matrices(shape, scales):
    """Matrices with 1-norms spread over ``scales`` (expm's degrees and squarings)."""
    def gen(rng):
        a = rng.standard_normal(shape)
        s = np.asarray(scales, dtype=np.float64).reshape((-1,) + (1,) * (len(shape) - 1))
        return [a * s / np.abs(a).sum(axis=-2).max(axis=-1, keepdims=True)[..., None]]
    return gen


def _lu_solve(a, b):
    return tf.linalg.lu_solve(*tf.linalg.lu(a), b)


CASES = [
    Case("cross", ("gather", "multiply", "subtract"), tf.linalg.cross, np.cross, normal((4, 3), (4, 3))),
    Case("cross_broadcast", ("gather", "multiply", "subtract"), tf.linalg.cross,
         lambda a, b: np.cross(a, b), normal((2, 1, 3), (5, 3))),
    Case("set_diag", ("gather", "where"), lambda x, d: tf.linalg.set_diag(x, d),
         lambda x, d: np_set_diag(x, d, 0), normal((2, 3, 4), (2, 3))),
    Case("set_diag_k", ("gather", "where"), lambda x, d: tf.linalg.set_diag(x, d, k=-1),
         lambda x, d: np_set_diag(x, d, -1), normal((4, 3), (3,))),
    Case("set_diag_k_above", ("gather", "where"), lambda x, d: tf.linalg.set_diag(x, d, k=2),
         lambda x, d: np_set_diag(x, d, 2), normal((3, 5), (3,))),
    Case("tensor_diag", ("pad", "reshape", "slice"), tf.linalg.tensor_diag,
         lambda d: np.diag(d.ravel()).reshape(d.shape * 2), normal((2, 3))),
    Case("tensor_diag_part", "gather", tf.linalg.tensor_diag_part,
         lambda x: np.diagonal(x.reshape(6, 6)).reshape(2, 3), normal((2, 3, 2, 3))),
    Case("global_norm", ("square", "reduce_sum", "sqrt"),
         lambda a, b: tf.linalg.global_norm([a, None, b]),
         lambda a, b: np.sqrt((a ** 2).sum() + (b ** 2).sum()), normal((2, 3), (4,))),
    Case("normalize", ("divide", "sqrt"), lambda x: tf.linalg.normalize(x, axis=1)[0],
         lambda x: x / np.linalg.norm(x, axis=1, keepdims=True), normal((3, 4))),
    Case("normalize_norm_1", ("divide", "abs"), lambda x: tf.linalg.normalize(x, ord=1)[1],
         lambda x: np.abs(x).sum(keepdims=True), normal((3, 4))),
    Case("lu", "custom_gradient", lambda a: tf.linalg.lu(a).lu, lambda a: np_lu(a)[0],
         random_square((5, 5)), fwd_tol=LOOSE),
    Case("lu_batched", "custom_gradient", lambda a: tf.linalg.lu(a).lu, lambda a: np_lu(a)[0],
         random_square((2, 4, 4)), fwd_tol=LOOSE),
    Case("lu_blocked", "custom_gradient", lambda a: tf.linalg.lu(a).lu, lambda a: np_lu(a)[0],
         well_conditioned((20, 20), shift=4.0), fwd_tol=LOOSE, second_order=False),
    Case("lu_solve", ("custom_gradient", "gather"), _lu_solve, np.linalg.solve,
         lambda rng: random_square((2, 4, 4))(rng) + [rng.standard_normal((2, 4, 2))], fwd_tol=LOOSE),
    Case("lu_solve_factors", ("custom_gradient", "gather"),
         lambda lu, b: tf.linalg.lu_solve(lu, np.array([2, 0, 1]), b),
         lambda lu, b: np.linalg.solve(np_reconstruct(lu, np.array([2, 0, 1])), b),
         lambda rng: [well_conditioned((3, 3))(rng)[0], rng.standard_normal((3, 2))], fwd_tol=LOOSE),
    Case("lu_matrix_inverse", "custom_gradient",
         lambda a: tf.linalg.lu_matrix_inverse(*tf.linalg.lu(a)), np.linalg.inv,
         well_conditioned((3, 3)), fwd_tol=LOOSE),
    Case("lu_reconstruct", ("matmul", "gather", "where"),
         lambda lu: tf.linalg.lu_reconstruct(lu, np.array([[1, 2, 0], [0, 2, 1]])),
         lambda lu: np_reconstruct(lu, np.array([[1, 2, 0], [0, 2, 1]])), normal((2, 3, 3))),
    Case("lu_round_trip", ("custom_gradient", "matmul", "gather"),
         lambda a: tf.linalg.lu_reconstruct(*tf.linalg.lu(a)), lambda a: a, random_square((2, 4, 4)),
         fwd_tol=LOOSE),
    Case("tridiagonal_solve", "custom_gradient", tf.linalg.tridiagonal_solve,
         lambda d, r: np.linalg.solve(dense_tridiagonal(d), r), tridiagonal_inputs((3, 6), (6, 1)),
         fwd_tol=LOOSE),
    Case("tridiagonal_solve_batched", "custom_gradient", tf.linalg.tridiagonal_solve,
         lambda d, r: np.linalg.solve(dense_tridiagonal(d), r),
         tridiagonal_inputs((3, 3, 5), (3, 5, 2), dominant=False), fwd_tol=LOOSE),
    Case("tridiagonal_solve_vector", "custom_gradient", tf.linalg.tridiagonal_solve,
         lambda d, r: np.linalg.solve(dense_tridiagonal(d), r[..., None])[..., 0],
         tridiagonal_inputs((2, 3, 4), (2, 4), dominant=False), fwd_tol=LOOSE),
    Case("tridiagonal_solve_no_pivoting", "custom_gradient",
         lambda d, r: tf.linalg.tridiagonal_solve(d, r, partial_pivoting=False),
         lambda d, r: np.linalg.solve(dense_tridiagonal(d), r), tridiagonal_inputs((3, 5), (5, 3)),
         fwd_tol=LOOSE),
    Case("tridiagonal_solve_matrix_format", ("custom_gradient", "gather"),
         lambda a, r: tf.linalg.tridiagonal_solve(a, r, diagonals_format="matrix"),
         lambda a, r: np.linalg.solve(np.triu(np.tril(a, 1), -1), r),
         lambda rng: [rng.standard_normal((4, 4)) + 4 * np.eye(4), rng.standard_normal((4, 2))],
         fwd_tol=LOOSE),
    Case("tridiagonal_solve_sequence", ("custom_gradient", "pad"),
         lambda sup, mid, sub, r: tf.linalg.tridiagonal_solve([sup, mid, sub], r, diagonals_format="sequence",
                                                                transpose_rhs=True),
         lambda sup, mid, sub, r: np.linalg.solve(np.diag(sup, 1) + np.diag(mid) + np.diag(sub, -1), r.T),
         lambda rng: [rng.standard_normal(3), rng.standard_normal(4) + 4, rng.standard_normal(3),
                      rng.standard_normal((2, 4))], fwd_tol=LOOSE),
    Case("tridiagonal_matmul", ("multiply", "pad", "slice"), tf.linalg.tridiagonal_matmul,
         lambda d, r: dense_tridiagonal(d) @ r, normal((2, 3, 5), (2, 5, 3))),
    Case("tridiagonal_matmul_sequence", ("multiply", "pad"),
         lambda a, b, c, r: tf.linalg.tridiagonal_matmul([a, b, c], r, diagonals_format="sequence"),
         lambda a, b, c, r: (np.diag(a[:-1], 1) + np.diag(b) + np.diag(c[1:], -1)) @ r,
         normal((4,), (4,), (4,), (4, 2))),
    Case("expm_small_norm", ("matmul", "custom_gradient"), tf.linalg.expm, np_expm,
         scaled_matrices((3, 4, 4), [0.01, 0.2, 0.7]), fwd_tol=LOOSE),
    Case("expm_degree_13", ("matmul", "custom_gradient"), tf.linalg.expm, np_expm,
         scaled_matrices((4, 4), [1.5]), fwd_tol=LOOSE),
    Case("expm_squarings", ("matmul", "custom_gradient"), tf.linalg.expm, np_expm,
         scaled_matrices((2, 3, 3), [12.0, 30.0]), fwd_tol={np.float32: dict(rtol=2e-4, atol=2e-4),
                                                            np.float64: dict(rtol=1e-9, atol=1e-9)},
         grad_tol=dict(rtol=1e-5, atol=1e-6)),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


# -- global_norm, normalize ---------------------------------------------------------------------

def test_global_norm_is_clip_by_global_norm_s_norm():
    ts = [tf.constant([3.0, 4.0]), None, tf.constant([[12.0]])]
    g = tf.linalg.global_norm(ts)
    assert float(g) == 13.0
    _, used = tf.clip_by_global_norm(ts, 1.0)
    assert float(used) == float(g)
    with pytest.raises(TypeError, match="global_norm: `t_list` should be a sequence of tensors"):
        tf.linalg.global_norm(tf.constant([1.0]))
    assert float(tf.linalg.global_norm([None])) == 0.0 and float(tf.linalg.global_norm([])) == 0.0
    with pytest.raises(TypeError, match="global_norm: the tensors must have one dtype, got float32 and float64"):
        tf.linalg.global_norm([tf.constant([1.0]), tf.constant(np.array([1.0]))])
    with pytest.raises(TypeError, match="global_norm: expected float32 or float64 operands, got int32"):
        tf.linalg.global_norm([np.array([1], np.int32)])


def test_normalize_tf_example():
    a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    n, norm = tf.linalg.normalize(a)
    np.testing.assert_allclose(norm.numpy(), [[np.sqrt(30.0)]], rtol=1e-6)
    assert norm.shape == (1, 1)
    np.testing.assert_allclose(n.numpy(), a.numpy() / np.sqrt(30.0), rtol=1e-6)
    _, rows = tf.linalg.normalize(a, ord=np.inf, axis=-1)
    np.testing.assert_array_equal(rows.numpy(), [[2.0], [4.0]])


# -- diagonals and cross ----------------------------------------------------------------------------

def test_set_diag_tf_example():
    x = np.full((2, 3, 4), 7.0)
    d = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    out = tf.linalg.set_diag(x, d).numpy()
    np.testing.assert_array_equal(out[0], [[1, 7, 7, 7], [7, 2, 7, 7], [7, 7, 3, 7]])
    np.testing.assert_array_equal(out[1], [[4, 7, 7, 7], [7, 5, 7, 7], [7, 7, 6, 7]])
    up = tf.linalg.set_diag(x, np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), k=1).numpy()
    np.testing.assert_array_equal(up[0], [[7, 1, 7, 7], [7, 7, 2, 7], [7, 7, 7, 3]])
    same = tf.linalg.set_diag(x, np.zeros((2, 3)), k=(0, 0))
    assert np.all(np.diagonal(same.numpy(), axis1=-2, axis2=-1) == 0)
    ints = tf.linalg.set_diag(np.zeros((2, 2), np.int32), np.array([5, 6], np.int32))
    assert ints.dtype == tf.int32 and ints.numpy().tolist() == [[5, 0], [0, 6]]


def test_set_diag_bad_input():
    with pytest.raises(InvalidArgumentError, match=r"set_diag: diagonal must have shape \[2, 3\] for input of shape \[2, 3, 4\] and k=0, got \[3\]"):
        tf.linalg.set_diag(tf.zeros([2, 3, 4]), tf.zeros([3]))
    with pytest.raises(InvalidArgumentError, match=r"set_diag: diagonal index k=4 is out of bounds for matrices of shape \[3, 4\]"):
        tf.linalg.set_diag(tf.zeros([3, 4]), tf.zeros([0]), k=4)
    with pytest.raises(InvalidArgumentError, match=r"set_diag: diagonal must have shape \[3, 3\] .* got \[2, 3\]"):
        tf.linalg.set_diag(tf.zeros([3, 3]), tf.zeros([2, 3]), k=(-1, 1))  # a band: 3 diagonals
    with pytest.raises(TypeError, match="set_diag: diagonal must have input's dtype float32, got float64"):
        tf.linalg.set_diag(tf.zeros([2, 2]), np.zeros(2))


def test_tensor_diag_and_part_tf_examples():
    d = tf.linalg.tensor_diag(np.array([1, 2, 3, 4], np.int32))
    assert d.dtype == tf.int32
    np.testing.assert_array_equal(d.numpy(), np.diag([1, 2, 3, 4]))
    x = np.array([[[[1, 0], [0, 0]], [[0, 2], [0, 0]]], [[[0, 0], [3, 0]], [[0, 0], [0, 4]]]])
    np.testing.assert_array_equal(tf.linalg.tensor_diag_part(x).numpy(), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(tf.linalg.tensor_diag(tf.constant([[1.0, 2.0], [3.0, 4.0]])).numpy(), x)
    with pytest.raises(InvalidArgumentError, match="tensor_diag_part: the rank of the tensor should be even and positive"):
        tf.linalg.tensor_diag_part(tf.zeros([2, 2, 2]))
    with pytest.raises(InvalidArgumentError, match=r"tensor_diag_part: Invalid shape \[2, 3\]"):
        tf.linalg.tensor_diag_part(tf.zeros([2, 3]))
    with pytest.raises(InvalidArgumentError, match="tensor_diag: Input must be at least rank 1"):
        tf.linalg.tensor_diag(tf.constant(1.0))


def test_cross_values_and_bad_input():
    np.testing.assert_array_equal(tf.linalg.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]).numpy(), [0, 0, 1])
    ints = tf.linalg.cross(np.array([[1, 2, 3]]), np.array([4, 5, 6]))
    assert ints.dtype == tf.int64 and ints.numpy().tolist() == [[-3, 6, -3]]
    with pytest.raises(InvalidArgumentError, match=r"cross: the last dimension of b must be 3, got shape \[2, 2\]"):
        tf.linalg.cross(tf.zeros([2, 3]), tf.zeros([2, 2]))
    with pytest.raises(InvalidArgumentError, match=r"cross: the leading dimensions of a \[2, 3\] and b \[4, 3\] do not broadcast"):
        tf.linalg.cross(tf.zeros([2, 3]), tf.zeros([4, 3]))
    with pytest.raises(TypeError, match="cross: a and b must have one dtype, got float32 and float64"):
        tf.linalg.cross(tf.zeros([3]), np.zeros(3))


def test_matrix_rank():
    assert int(tf.linalg.matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]]))) == 1
    r = tf.linalg.matrix_rank(np.stack([np.eye(3), np.diag([1.0, 1.0, 0.0]), np.zeros((3, 3))]))
    assert r.dtype == tf.int32 and r.numpy().tolist() == [3, 2, 0]
    near = np.diag([1.0, 1e-3, 1e-9])
    assert int(tf.linalg.matrix_rank(near)) == 3
    assert int(tf.linalg.matrix_rank(near, tol=1e-6)) == 2
    rng = np.random.default_rng(0)
    low = rng.standard_normal((6, 2)) @ rng.standard_normal((2, 5))
    assert int(tf.linalg.matrix_rank(tf.constant(low, tf.float32))) == 2
    assert tf.linalg.matrix_rank(np.zeros((2, 0, 3))).numpy().tolist() == [0, 0]
    with pytest.raises(TypeError, match=r"matrix_rank: Input `a` must have `float`-like `dtype` \(saw int32\)"):
        tf.linalg.matrix_rank(np.eye(2, dtype=np.int32))
    with pytest.raises(ValueError, match="matrix_rank: Input `a` must have at least 2 dimensions"):
        tf.linalg.matrix_rank(np.ones(3))


# -- lu -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1, 1), (4, 4), (3, 7, 7), (17, 17), (40, 40), (2, 3, 33, 33), (100, 100)])
def test_lu_pivots_and_values_match_the_textbook_algorithm(shape):
    rng = np.random.default_rng(sum(shape))
    a = rng.standard_normal(shape)
    lu, p = tf.linalg.lu(a)
    want_lu, want_p = np_lu(a)
    assert p.dtype == tf.int32 and p.shape == shape[:-1]
    np.testing.assert_array_equal(p.numpy(), want_p)
    np.testing.assert_allclose(lu.numpy(), want_lu, rtol=1e-9, atol=1e-9)
    low, up = np_unpack(lu.numpy())
    np.testing.assert_allclose(low @ up, np.take_along_axis(a, p.numpy()[..., None].astype(np.int64), -2), atol=1e-12)
    assert np.abs(np.tril(lu.numpy(), -1)).max(initial=0) <= 1.0  # partial pivoting: |L| <= 1


def test_lu_tf_conventions():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    out = tf.linalg.lu(x)
    assert out.p.numpy().tolist() == [1, 0]
    np.testing.assert_allclose(out.lu.numpy(), [[3.0, 4.0], [1 / 3, 2 / 3]])
    assert tf.linalg.lu(x, output_idx_type=tf.int64).p.dtype == tf.int64
    f32 = tf.linalg.lu(tf.constant(x, tf.float32))
    assert f32.lu.dtype == tf.float32
    # an exact zero pivot: TF's kernel checks min |U_ii| > 0
    with pytest.raises(InvalidArgumentError, match="lu: Input is not invertible"):
        tf.linalg.lu(np.array([[0.0, 0.0], [0.0, 1.0]]))
    ties = tf.linalg.lu(np.array([[1.0, 1.0], [-1.0, 2.0]]))  # |1| == |-1|: the first is kept
    assert ties.p.numpy().tolist() == [0, 1]
    empty = tf.linalg.lu(np.zeros((3, 0, 0)))
    assert empty.lu.shape == (3, 0, 0) and empty.p.shape == (3, 0)


def test_lu_gradient_through_the_recursive_path_and_second_order():
    rng = np.random.default_rng(7)
    a = rng.standard_normal((24, 24)) + 5 * np.eye(24)
    w = rng.standard_normal((24, 24))
    check_gradients(lambda t: tf.reduce_sum(tf.linalg.lu(t).lu * w), [a], rtol=1e-6, atol=1e-7)
    b = rng.standard_normal((2, 3, 3))
    check_gradients(lambda t: tf.linalg.lu(t).lu, [b], second_order=True)


def test_lu_gradient_of_the_determinant_is_tf_s():
    rng = np.random.default_rng(3)
    a = tf.constant(rng.standard_normal((4, 4)))
    with tf.GradientTape() as tape:
        tape.watch(a)
        lu, p = tf.linalg.lu(a)
        logabsdet = tf.reduce_sum(tf.math.log(tf.abs(tf.linalg.diag_part(lu))))
    np.testing.assert_allclose(tape.gradient(logabsdet, a).numpy(), np.linalg.inv(a.numpy()).T, rtol=1e-10)


def test_lu_solve_inverse_reconstruct_tf_examples():
    x = np.array([[[1.0, 2.0], [3.0, 4.0]], [[7.0, 8.0], [3.0, 4.0]]])
    inv = tf.linalg.lu_solve(*tf.linalg.lu(x), rhs=tf.eye(2, dtype=tf.float64))
    np.testing.assert_allclose(inv.numpy(), np.linalg.inv(x), rtol=1e-12)
    x2 = np.array([[[3.0, 4.0], [1.0, 2.0]], [[7.0, 8.0], [3.0, 4.0]]])
    np.testing.assert_allclose(tf.linalg.lu_matrix_inverse(*tf.linalg.lu(x2)).numpy(), np.linalg.inv(x2), rtol=1e-12)
    np.testing.assert_allclose(tf.linalg.lu_reconstruct(*tf.linalg.lu(x2)).numpy(), x2, rtol=1e-12)
    # rhs batch broadcasting against perm's
    lu, p = tf.linalg.lu(x[0])
    b = np.random.default_rng(0).standard_normal((3, 2, 1))
    np.testing.assert_allclose(tf.linalg.lu_solve(lu, p, b).numpy(), np.linalg.solve(x[0], b), rtol=1e-12)


def test_lu_bad_input():
    with pytest.raises(InvalidArgumentError, match=r"lu: input must be square matrices .*\[2, 3\]"):
        tf.linalg.lu(tf.zeros([2, 3]))
    with pytest.raises(TypeError, match="lu: expected float32 or float64 operands, got int32"):
        tf.linalg.lu(np.eye(2, dtype=np.int32))
    with pytest.raises(TypeError, match="lu: output_idx_type must be int32 or int64, got float32"):
        tf.linalg.lu(tf.eye(2), output_idx_type=tf.float32)
    lu, p = tf.linalg.lu(np.eye(3))
    with pytest.raises(ValueError, match=r"lu_solve: `lower_upper.shape\[-1\]` must equal `rhs.shape\[-2\]`"):
        tf.linalg.lu_solve(lu, p, np.zeros((2, 1)))
    with pytest.raises(ValueError, match="lu_solve: Input `rhs` must have at least 2 dimensions"):
        tf.linalg.lu_solve(lu, p, np.zeros(3))
    with pytest.raises(ValueError, match=r"lu_reconstruct: `rank\(lower_upper\)` must equal `rank\(perm\) \+ 1`"):
        tf.linalg.lu_reconstruct(lu, np.zeros((1, 3), np.int32))
    with pytest.raises(InvalidArgumentError, match=r"lu_matrix_inverse: perm has values out of \[0, 3\)"):
        tf.linalg.lu_matrix_inverse(lu, np.array([0, 1, 5]))
    with pytest.raises(TypeError, match="lu_solve: lower_upper and rhs must have one dtype, got float64 and float32"):
        tf.linalg.lu_solve(lu, p, tf.zeros([3, 1]))


# -- tridiagonal ----------------------------------------------------------------------------------

@pytest.mark.parametrize("batch,m,k", [((), 1, 1), ((), 2, 3), ((), 50, 1), ((4,), 30, 2), ((2, 3), 7, 1)])
@pytest.mark.parametrize("pivoting", [True, False])
def test_tridiagonal_solve_against_dense_solve(batch, m, k, pivoting):
    rng = np.random.default_rng(m * 10 + k)
    d = rng.standard_normal(batch + (3, m))
    if not pivoting:
        d[..., 1, :] += 4.0 * np.sign(d[..., 1, :])
    r = rng.standard_normal(batch + (m, k))
    x = tf.linalg.tridiagonal_solve(d, r, partial_pivoting=pivoting)
    assert x.shape == batch + (m, k)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(dense_tridiagonal(d), r), rtol=1e-9, atol=1e-10)


def test_tridiagonal_solve_needs_pivoting_and_ignores_the_unused_corners():
    d = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [0.0, 1.0, 1.0]])  # zero first pivot
    r = np.array([[1.0], [2.0], [3.0]])
    np.testing.assert_allclose(tf.linalg.tridiagonal_solve(d, r).numpy(),
                               np.linalg.solve(dense_tridiagonal(d), r))
    # without pivoting the zero pivot gives NaN, as TF's kernel (a logged warning, no error)
    assert np.isnan(tf.linalg.tridiagonal_solve(d, r, partial_pivoting=False).numpy()).all()
    corners = d.copy()
    corners[0, -1], corners[2, 0] = np.nan, np.inf
    np.testing.assert_array_equal(tf.linalg.tridiagonal_solve(corners, r).numpy(),
                                  tf.linalg.tridiagonal_solve(d, r).numpy())
    np.testing.assert_array_equal(tf.linalg.tridiagonal_matmul(corners, r).numpy(),
                                  dense_tridiagonal(d) @ r)


def test_tridiagonal_solve_tf_example_and_float32():
    diagonals = [[2.0, -1.0, -1.0, 0.0], [2.0, 2.0, 2.0, 2.0], [0.0, -1.0, -1.0, -1.0]]
    rhs = [1.0, 2.0, 3.0, 4.0]
    x = tf.linalg.tridiagonal_solve(tf.constant(diagonals), tf.constant(rhs))
    # super (2, -1, -1), diag 2, sub (-1, -1, -1)
    a = np.diag([2.0, 2, 2, 2]) + np.diag([2.0, -1, -1], 1) + np.diag([-1.0, -1, -1], -1)
    assert x.dtype == tf.float32 and x.shape == (4,)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, rhs), rtol=1e-5)


@pytest.mark.parametrize("batch,k", [((), 1), ((5,), 2)])  # the scalar path and the vectorised one
def test_tridiagonal_singular_matrices_are_refused(batch, k):
    # TF's CPU kernel fills a singular system's solution with NaN (and logs a warning)
    d = np.zeros(batch + (3, 4))
    d[..., 1, :] = 1.0
    d[..., 1, 2] = 0.0  # a zero row and column in the middle... with no off-diagonals
    assert np.isnan(tf.linalg.tridiagonal_solve(d, np.ones(batch + (4, k))).numpy()).all()
    one = np.zeros(batch + (3, 1))
    assert np.isnan(tf.linalg.tridiagonal_solve(one, np.ones(batch + (1, k))).numpy()).all()


def test_tridiagonal_second_order_on_the_vectorised_path():
    rng = np.random.default_rng(4)
    d = rng.standard_normal((3, 3, 4))
    d[..., 1, :] += 3.0
    r = rng.standard_normal((3, 4, 2))
    check_gradients(lambda a, b: tf.linalg.tridiagonal_solve(a, b), [d, r], second_order=True)


def test_tridiagonal_bad_input():
    d, r = tf.zeros([3, 4]), tf.zeros([4, 1])
    with pytest.raises(ValueError, match=r"tridiagonal_solve: Expected 3 diagonals got 2 \(shape \[2, 4\]\)"):
        tf.linalg.tridiagonal_solve(tf.zeros([2, 4]), r)
    with pytest.raises(ValueError, match="tridiagonal_solve: Expected number of left-hand sided and right-hand sides to be equal, got 4 and 3"):
        tf.linalg.tridiagonal_solve(d, tf.zeros([3, 1]))
    with pytest.raises(ValueError, match=r"tridiagonal_solve: Batch shapes \[2\] and \[3\] are incompatible"):
        tf.linalg.tridiagonal_solve(tf.zeros([2, 3, 4]), tf.zeros([3, 4, 1]))
    with pytest.raises(ValueError, match="tridiagonal_solve: Expected the rank of rhs to be 1 or 2, got 3"):
        tf.linalg.tridiagonal_solve(d, tf.zeros([1, 4, 1]))
    with pytest.raises(ValueError, match="tridiagonal_solve: Unrecognized diagonals_format: 'banded'"):
        tf.linalg.tridiagonal_solve(d, r, diagonals_format="banded")
    with pytest.raises(ValueError, match="tridiagonal_solve: partial_pivoting must be True if perturb_singular is"):
        tf.linalg.tridiagonal_solve(d, r, partial_pivoting=False, perturb_singular=True)
    with pytest.raises(NotImplementedError, match="tridiagonal_solve: perturb_singular=True is not implemented"):
        tf.linalg.tridiagonal_solve(d, r, perturb_singular=True)
    with pytest.raises(ValueError, match="tridiagonal_solve: Expected superdiagonal to be have length 4 or 3, got 2"):
        tf.linalg.tridiagonal_solve([tf.zeros([2]), tf.zeros([4]), tf.zeros([4])], r, diagonals_format="sequence")
    with pytest.raises(TypeError, match="tridiagonal_solve: diagonals and rhs must have one dtype, got float32 and float64"):
        tf.linalg.tridiagonal_solve(d, np.zeros((4, 1)))
    with pytest.raises(ValueError, match=r"tridiagonal_matmul: rhs must have shape \[..., M, N\]"):
        tf.linalg.tridiagonal_matmul(d, tf.zeros([4]))


# -- expm -----------------------------------------------------------------------------------------

def test_expm_exact_cases():
    np.testing.assert_allclose(tf.linalg.expm(np.zeros((3, 3))).numpy(), np.eye(3), atol=0)
    d = np.diag([0.5, -2.0, 3.0])
    np.testing.assert_allclose(tf.linalg.expm(d).numpy(), np.diag(np.exp([0.5, -2.0, 3.0])), rtol=1e-13)
    nil = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(tf.linalg.expm(nil).numpy(), np.eye(3) + nil + nil @ nil / 2, rtol=1e-14)
    t = 2.5
    rot = tf.linalg.expm(np.array([[0.0, -t], [t, 0.0]])).numpy()
    np.testing.assert_allclose(rot, [[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]], atol=1e-14)
    big = tf.linalg.expm(np.array([[50.0]])).numpy()
    np.testing.assert_allclose(big, [[np.exp(50.0)]], rtol=1e-12)  # 2^6 squarings
    assert tf.linalg.expm(np.zeros((2, 0, 0))).shape == (2, 0, 0)


def test_expm_mixed_batch_equals_each_matrix_alone():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((5, 4, 4)) * np.array([0.001, 0.1, 0.5, 2.0, 40.0])[:, None, None]
    batch = tf.linalg.expm(a).numpy()
    for i in range(5):
        np.testing.assert_allclose(batch[i], tf.linalg.expm(a[i]).numpy(), rtol=1e-15, atol=0)
        np.testing.assert_allclose(batch[i], np_expm(a[i]), rtol=1e-9, atol=1e-12)
    f32 = tf.linalg.expm(tf.constant(a, tf.float32)).numpy()
    np.testing.assert_allclose(f32, batch, rtol=5e-5, atol=1e-5)


def test_expm_non_finite_gives_nan_for_the_whole_batch_as_tf():
    a = np.stack([np.eye(2), np.array([[np.inf, 0.0], [0.0, 1.0]])])
    assert np.all(np.isnan(tf.linalg.expm(a).numpy()))


def test_expm_gradient_large_norm_first_order():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3, 3)) * 3.0
    check_gradients(tf.linalg.expm, [a], rtol=1e-5, atol=1e-5)  # entries ~1e3: FD's own error


def test_expm_bad_input():
    with pytest.raises(InvalidArgumentError, match=r"expm: input must be square matrices .*\[2, 3\]"):
        tf.linalg.expm(tf.zeros([2, 3]))
    with pytest.raises(TypeError, match="expm: expected float32 or float64 operands, got int32"):
        tf.linalg.expm(np.eye(2, dtype=np.int32))
