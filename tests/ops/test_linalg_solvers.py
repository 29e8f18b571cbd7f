"""tf.linalg's inverses, determinants, Cholesky factors and solvers (inv, det, slogdet, logdet,
cholesky, cholesky_solve, solve, triangular_solve, band_part): forward against numpy in float32
and float64, gradients and second derivatives against finite differences (batched, with the
adjoint and lower/upper variants); then TF's documented values, TF's behaviour on singular
input and bad input refused by name."""

import numpy as np
import pytest

import tapegrad as tf
from opcases import Case, define_tests
from tapegrad.errors import InvalidArgumentError
from tapegrad.testing import assert_allclose, check_gradients

F32_LOOSE = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-10, atol=1e-11)}


def well_conditioned(*shapes):
    """Square matrices (last two dimensions) with a dominant diagonal of either sign."""
    def gen(rng):
        out = []
        for s in shapes:
            n = s[-1]
            x = rng.standard_normal(s)
            x = x + np.eye(n) * (n + 1) * rng.choice([-1.0, 1.0], s[:-1])[..., None]
            out.append(x)
        return out
    return gen


def spd(*shapes):
    """Symmetric positive definite matrices."""
    def gen(rng):
        out = []
        for s in shapes:
            b = rng.standard_normal(s)
            out.append(b @ np.swapaxes(b, -1, -2) + s[-1] * np.eye(s[-1]))
        return out
    return gen


def system(mshape, rshape):
    def gen(rng):
        return well_conditioned(mshape)(rng) + [rng.standard_normal(rshape)]
    return gen


def _sym(x):
    """The symmetric part: the gradient TF gives a function of symmetric input (cholesky reads
    only the lower triangle; TF's gradient is symmetric, so it is checked on this)."""
    return tf.multiply(tf.add(x, tf.linalg.matrix_transpose(x)), 0.5)


def _np_sym(x):
    return (x + np.swapaxes(x, -1, -2)) / 2


def _np_tsolve(m, r, lower=True, adjoint=False):
    t = np.tril(m) if lower else np.triu(m)
    if adjoint:
        t = np.swapaxes(t, -1, -2)
    return np.linalg.solve(t, r)


CG = "custom_gradient"
CASES = [
    Case("inv", CG, tf.linalg.inv, np.linalg.inv, well_conditioned((3, 3)), fwd_tol=F32_LOOSE),
    Case("inv_batch_adjoint", CG, lambda x: tf.linalg.inv(x, adjoint=True),
         lambda x: np.linalg.inv(np.swapaxes(x, -1, -2)), well_conditioned((2, 4, 4)), fwd_tol=F32_LOOSE),
    Case("det", CG, tf.linalg.det, np.linalg.det, well_conditioned((3, 3)), fwd_tol=F32_LOOSE),
    Case("det_batch", CG, tf.linalg.det, np.linalg.det, well_conditioned((2, 3, 3)), fwd_tol=F32_LOOSE),
    Case("slogdet", CG, lambda x: tf.linalg.slogdet(x)[1], lambda x: np.linalg.slogdet(x)[1],
         well_conditioned((2, 4, 4)), fwd_tol=F32_LOOSE),
    Case("cholesky", CG, lambda x: tf.linalg.cholesky(_sym(x)), lambda x: np.linalg.cholesky(_np_sym(x)),
         spd((4, 4)), fwd_tol=F32_LOOSE),
    Case("cholesky_batch", CG, lambda x: tf.linalg.cholesky(_sym(x)),
         lambda x: np.linalg.cholesky(_np_sym(x)), spd((2, 3, 3)), fwd_tol=F32_LOOSE),
    Case("logdet", CG, lambda x: tf.linalg.logdet(_sym(x)), lambda x: np.linalg.slogdet(_np_sym(x))[1],
         spd((2, 4, 4)), fwd_tol=F32_LOOSE),
    Case("solve", CG, tf.linalg.solve, np.linalg.solve, system((3, 3), (3, 2)), fwd_tol=F32_LOOSE),
    Case("solve_adjoint_batch", CG, lambda m, r: tf.linalg.solve(m, r, adjoint=True),
         lambda m, r: np.linalg.solve(np.swapaxes(m, -1, -2), r), system((2, 3, 3), (2, 3, 2)),
         fwd_tol=F32_LOOSE),
    Case("solve_broadcast", CG, tf.linalg.solve, lambda m, r: np.linalg.solve(m[None], r),
         system((3, 3), (2, 3, 1)), fwd_tol=F32_LOOSE),
    Case("triangular_solve_lower", CG, tf.linalg.triangular_solve, _np_tsolve,
         system((4, 4), (4, 3)), fwd_tol=F32_LOOSE),
    Case("triangular_solve_upper_adjoint", CG,
         lambda m, r: tf.linalg.triangular_solve(m, r, lower=False, adjoint=True),
         lambda m, r: _np_tsolve(m, r, lower=False, adjoint=True), system((2, 3, 3), (2, 3, 2)),
         fwd_tol=F32_LOOSE),
    Case("cholesky_solve", CG, lambda x, r: tf.linalg.cholesky_solve(tf.linalg.cholesky(_sym(x)), r),
         lambda x, r: np.linalg.solve(_np_sym(x), r),
         lambda rng: spd((3, 3))(rng) + [rng.standard_normal((3, 2))], fwd_tol=F32_LOOSE),
    Case("band_part", "where", lambda x: tf.linalg.band_part(x, 1, 0),
         lambda x: np.triu(np.tril(x, 0), -1), well_conditioned((2, 4, 4))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


def test_band_part_tf_documented_examples():
    x = np.array([[0, 1, 2, 3], [-1, 0, 1, 2], [-2, -1, 0, 1], [-3, -2, -1, 0]], dtype=np.float32)
    got = tf.linalg.band_part(tf.constant(x), 1, -1).numpy()
    np.testing.assert_array_equal(got, [[0, 1, 2, 3], [-1, 0, 1, 2], [0, -1, 0, 1], [0, 0, -1, 0]])
    got = tf.linalg.band_part(tf.constant(x), 2, 1).numpy()
    np.testing.assert_array_equal(got, [[0, 1, 0, 0], [-1, 0, 1, 0], [-2, -1, 0, 1], [0, -2, -1, 0]])
    np.testing.assert_array_equal(tf.linalg.band_part(tf.constant(x), 0, 0).numpy(), np.diag(np.diag(x)))
    np.testing.assert_array_equal(tf.linalg.band_part(tf.constant(x), -1, -1).numpy(), x)
    # integer matrices keep their dtype; an inf outside the band does not turn into NaN
    i = tf.linalg.band_part(np.arange(6, dtype=np.int32).reshape(2, 3), 0, -1)
    assert i.dtype == tf.int32
    np.testing.assert_array_equal(i.numpy(), [[0, 1, 2], [0, 4, 5]])
    y = tf.linalg.band_part(tf.constant([[1.0, np.inf], [2.0, 3.0]]), -1, 0).numpy()
    np.testing.assert_array_equal(y, [[1.0, 0.0], [2.0, 3.0]])


def test_values_and_identities():
    rng = np.random.default_rng(3)
    a = well_conditioned((5, 5))(rng)[0]
    x = tf.constant(a)
    assert_allclose(tf.matmul(x, tf.linalg.inv(x)).numpy(), np.eye(5), rtol=0, atol=1e-12)
    assert tf.linalg.det(x).shape == ()
    sign, logabs = tf.linalg.slogdet(x)
    assert_allclose(sign.numpy() * np.exp(logabs.numpy()), np.linalg.det(a), rtol=1e-12, atol=0)
    s = spd((5, 5))(rng)[0]
    l = tf.linalg.cholesky(tf.constant(s)).numpy()
    assert_allclose(l @ l.T, s, rtol=1e-12, atol=1e-12)
    assert np.all(np.triu(l, 1) == 0)
    # cholesky reads only the lower triangle, as TF's
    junk = s + np.triu(np.full((5, 5), 7.0), 1)
    np.testing.assert_array_equal(tf.linalg.cholesky(tf.constant(junk)).numpy(), l)
    # triangular_solve reads only its triangle
    r = rng.standard_normal((5, 2))
    got = tf.linalg.triangular_solve(tf.constant(a), tf.constant(r), lower=True).numpy()
    assert_allclose(np.tril(a) @ got, r, rtol=1e-12, atol=1e-12)
    # float32 stays float32, Variables are read (and watched)
    v = tf.Variable(a.astype(np.float32))
    with tf.GradientTape() as tape:
        d = tf.linalg.det(v)
    assert d.dtype == tf.float32
    g = tape.gradient(d, v)
    assert_allclose(g.numpy(), np.linalg.det(a) * np.linalg.inv(a).T, rtol=1e-3, atol=1e-3)


def test_singular_input_as_tf():
    s = tf.constant([[1.0, 2.0], [2.0, 4.0]])
    assert tf.linalg.det(s).numpy() == 0.0
    sign, logabs = tf.linalg.slogdet(s)
    assert sign.numpy() == 0.0 and logabs.numpy() == -np.inf
    with pytest.raises(InvalidArgumentError, match="inv: Input is not invertible"):
        tf.linalg.inv(s)
    with pytest.raises(InvalidArgumentError, match="solve: Input matrix is not invertible"):
        tf.linalg.solve(s, tf.constant([[1.0], [1.0]]))
    # not positive definite: NaN in the lower triangle, as TF 2's kernel (no error)
    chol = tf.linalg.cholesky(tf.constant([[1.0, 2.0], [2.0, 1.0]])).numpy()
    assert np.isnan(chol[[0, 1, 1], [0, 0, 1]]).all() and chol[0, 1] == 0.0
    # the determinant's gradient is TF's: it needs the inverse, and fails the same way
    with tf.GradientTape() as tape:
        tape.watch(s)
        d = tf.linalg.det(s)
    with pytest.raises(InvalidArgumentError, match="inv"):
        tape.gradient(d, s)
    # a zero on a triangle's diagonal: substitution's infinities, not an error (TF checks nothing)
    out = tf.linalg.triangular_solve(tf.constant([[0.0, 0.0], [1.0, 1.0]]), tf.constant([[1.0], [1.0]]))
    assert not np.all(np.isfinite(out.numpy()))


def test_bad_input_is_refused_by_name():
    m = tf.constant(np.eye(3))
    for fn in (tf.linalg.inv, tf.linalg.det, tf.linalg.slogdet, tf.linalg.cholesky, tf.linalg.logdet):
        name = fn.__name__
        with pytest.raises(InvalidArgumentError, match=f"{name}: .*square.*\\[2, 3\\]"):
            fn(tf.constant(np.ones((2, 3))))
        with pytest.raises(InvalidArgumentError, match=f"{name}: .*rank >= 2"):
            fn(tf.constant([1.0, 2.0]))
        with pytest.raises(TypeError, match=f"{name}: .*float32 or float64.*int32"):
            fn(np.eye(2, dtype=np.int32))
    with pytest.raises(InvalidArgumentError, match="solve: rhs must have 3 rows"):
        tf.linalg.solve(m, tf.constant(np.ones((2, 1))))
    with pytest.raises(InvalidArgumentError, match="triangular_solve: the leading dimensions"):
        tf.linalg.triangular_solve(tf.constant(np.ones((2, 3, 3))), tf.constant(np.ones((4, 3, 1))))
    with pytest.raises(TypeError, match="solve: matrix and rhs must have one dtype"):
        tf.linalg.solve(m, tf.constant(np.ones((3, 1), dtype=np.float32)))
    with pytest.raises(InvalidArgumentError, match="cholesky_solve: rhs must have 3 rows"):
        tf.linalg.cholesky_solve(m, tf.constant(np.ones((2, 1))))
    with pytest.raises(TypeError, match="band_part: num_lower must be an integer"):
        tf.linalg.band_part(m, 0.5, 0)


def test_second_order_of_inverse_matches_numpy_hessian_vector():
    # d²/dx² of sum(inv(x) * w) in direction u: 2 · inv(x) u inv(x) u inv(x) contracted with w,
    # worked out by hand; the tape's nested gradient must give it.
    rng = np.random.default_rng(7)
    a = well_conditioned((3, 3))(rng)[0]
    w, u = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    x = tf.constant(a)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.multiply(tf.linalg.inv(x), w))
        g = inner.gradient(y, x)
        gu = tf.reduce_sum(tf.multiply(g, u))
    hu = outer.gradient(gu, x).numpy()
    ai = np.linalg.inv(a)
    # f(x) = <inv(x), w>; df[u] = -<ai u ai, w>; d²f[u, v] = <ai v ai u ai + ai u ai v ai, w>
    want = (ai.T @ w @ ai.T @ u.T @ ai.T) + (ai.T @ u.T @ ai.T @ w @ ai.T)
    assert_allclose(hu, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n", [63, 64, 65, 130, 257])
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("rhs_batch", [(), (2,)])
def test_triangular_solve_large_blocked(n, lower, rhs_batch):
    """Above 64 rows the values come from the blocked solve (halves and one product each):
    against numpy's LU solve of the triangle, with the matrix's batch broadcast to the rhs."""
    rng = np.random.default_rng(n)
    m = rng.standard_normal((2, n, n)) + np.eye(n) * n
    r = rng.standard_normal(rhs_batch + (n, 3))
    got = tf.linalg.triangular_solve(tf.constant(m), tf.constant(r), lower=lower).numpy()
    tri = np.tril(m) if lower else np.triu(m)
    np.testing.assert_allclose(got, np.linalg.solve(tri, np.broadcast_to(r, (2, n, 3))),
                               rtol=1e-10, atol=1e-12)
    got32 = tf.linalg.triangular_solve(tf.constant(m.astype(np.float32)),
                                       tf.constant(r.astype(np.float32)), lower=lower).numpy()
    np.testing.assert_allclose(got32, got, rtol=2e-4, atol=2e-5)
