"""tf.linalg's decompositions and what is built on them (eigh, eigvalsh, svd, qr, pinv, lstsq):
forward against numpy in float32 and float64 (batched; square, tall and wide), gradients and
second derivatives against finite differences on functions that do not depend on the
eigenvectors' or singular vectors' signs, with well-separated eigen and singular values; then
TF's documented values and return conventions, the gradients TF does not implement, hand-derived
gradients, and bad input refused by name with the caller's arrays unchanged."""

import numpy as np
import pytest

import tapegrad as tf
from opcases import Case, define_tests
from tapegrad.errors import InvalidArgumentError
from tapegrad.testing import assert_allclose, check_gradients

F32_LOOSE = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-10, atol=1e-11)}
NEW = ["eigh", "eigvalsh", "svd", "qr", "pinv", "lstsq"]


def _orthogonal(rng, n):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def separated_eigs(*shapes):
    """Symmetric matrices with eigenvalues at least 1 apart (of both signs), plus junk in the
    strict upper triangle, which eigh does not read."""
    def gen(rng):
        out = []
        for s in shapes:
            n = s[-1]
            mats = []
            for _ in range(int(np.prod(s[:-2], dtype=int))):
                lam = 1.5 * np.arange(n) - 0.75 * n + rng.uniform(0, 0.4, n)
                q = _orthogonal(rng, n)
                a = q @ np.diag(lam) @ q.T
                mats.append(a + np.triu(rng.standard_normal((n, n)), 1))
            out.append(np.array(mats).reshape(s))
        return out
    return gen


def separated_svs(*shapes):
    """Matrices whose singular values are at least 0.8 apart and at least 1 (u diag(s) vᵀ with
    random orthogonal u and v): square, tall or wide."""
    def gen(rng):
        out = []
        for s in shapes:
            m, n = s[-2], s[-1]
            k = min(m, n)
            mats = []
            for _ in range(int(np.prod(s[:-2], dtype=int))):
                sv = 1.0 + 0.8 * np.arange(k)[::-1] + rng.uniform(0, 0.3, k)
                u = _orthogonal(rng, m)[:, :k]
                v = _orthogonal(rng, n)[:, :k]
                mats.append(u @ np.diag(sv) @ v.T)
            out.append(np.array(mats).reshape(s))
        return out
    return gen


def with_rhs(mshape, rshape):
    def gen(rng):
        return separated_svs(mshape)(rng) + [rng.standard_normal(rshape)]
    return gen


def _flat(*ts):
    """Every output flattened per matrix and joined (one tensor to compare and differentiate)."""
    lead = list(ts[0].shape[:-2])
    return tf.concat([tf.reshape(t, lead + [-1]) for t in ts], -1)


def _np_flat(*xs):
    lead = xs[0].shape[:-2]
    return np.concatenate([x.reshape(lead + (-1,)) for x in xs], -1)


def _np_lower_sym(x):
    """The symmetric matrix eigh reads: the lower triangle of x, mirrored."""
    low = np.tril(x)
    return low + np.swapaxes(np.tril(x, -1), -1, -2)


def _np_svd(x, full=False):
    u, s, vh = np.linalg.svd(x, full_matrices=full)
    return s, u, np.swapaxes(vh, -1, -2)


def _svd_polar(x):
    s, u, v = tf.linalg.svd(x)
    return tf.matmul(u, v, transpose_b=True)


def _np_polar(x):
    u, _, vh = np.linalg.svd(x, full_matrices=False)
    return u @ vh


def _eig_square(x):
    e, v = tf.linalg.eigh(x)
    return tf.matmul(v * tf.expand_dims(e * e, -2), v, transpose_b=True)


def _np_normal_eq(a, b, l2=0.0):
    m, n = a.shape[-2:]
    at = np.swapaxes(a, -1, -2)
    if m >= n:
        return np.linalg.solve(at @ a + l2 * np.eye(n), at @ b)
    return at @ np.linalg.solve(a @ at + l2 * np.eye(m), b)


def _svd_sq(**kw):
    """Every output of svd squared elementwise: unchanged by the singular vectors' signs."""
    return lambda x: _flat(*[t * t for t in tf.linalg.svd(x, **kw)])


def _np_svd_sq(full=False):
    return lambda x: _np_flat(*[t * t for t in _np_svd(x, full)])


def _qr(full=False):
    return lambda x: _flat(*tf.linalg.qr(x, full_matrices=full))


def _np_qr(full=False):
    return lambda x: _np_flat(*np.linalg.qr(x, mode="complete" if full else "reduced"))


CG = "custom_gradient"
F = F32_LOOSE
CASES = [
    # eigh / eigvalsh: the values, the squared eigenvectors (sign-free), and v diag(e²) vᵀ = A².
    Case("eigh_values", CG, lambda x: tf.linalg.eigh(x)[0], lambda x: np.linalg.eigh(x)[0],
         separated_eigs((4, 4)), fwd_tol=F),
    Case("eigh_values_batch", CG, lambda x: tf.linalg.eigh(x)[0], lambda x: np.linalg.eigh(x)[0],
         separated_eigs((2, 3, 3)), fwd_tol=F),
    Case("eigh_vectors_squared", CG, lambda x: tf.square(tf.linalg.eigh(x)[1]),
         lambda x: np.linalg.eigh(x)[1] ** 2, separated_eigs((2, 4, 4)), fwd_tol=F),
    Case("eigh_matrix_square", CG, _eig_square, lambda x: _np_lower_sym(x) @ _np_lower_sym(x),
         separated_eigs((3, 3)), fwd_tol=F),
    Case("eigvalsh", CG, tf.linalg.eigvalsh, np.linalg.eigvalsh, separated_eigs((2, 4, 4)),
         fwd_tol=F),
    # svd: singular values alone (compute_uv=False), the squared vectors, the polar factor u vᵀ.
    Case("svd_values_square", CG, lambda x: tf.linalg.svd(x, compute_uv=False),
         lambda x: np.linalg.svd(x, compute_uv=False), separated_svs((4, 4)), fwd_tol=F),
    Case("svd_values_tall_batch", CG, lambda x: tf.linalg.svd(x, compute_uv=False),
         lambda x: np.linalg.svd(x, compute_uv=False), separated_svs((2, 5, 3)), fwd_tol=F),
    Case("svd_values_wide", CG, lambda x: tf.linalg.svd(x, compute_uv=False),
         lambda x: np.linalg.svd(x, compute_uv=False), separated_svs((3, 5)), fwd_tol=F),
    Case("svd_all_square", CG, _svd_sq(), _np_svd_sq(), separated_svs((3, 3)), fwd_tol=F),
    Case("svd_all_tall_batch", CG, _svd_sq(), _np_svd_sq(), separated_svs((2, 5, 3)), fwd_tol=F),
    Case("svd_all_wide", CG, _svd_sq(), _np_svd_sq(), separated_svs((3, 5)), fwd_tol=F),
    Case("svd_polar_tall", CG, _svd_polar, _np_polar, separated_svs((5, 3)), fwd_tol=F),
    Case("svd_polar_wide_batch", CG, _svd_polar, _np_polar, separated_svs((2, 3, 4)), fwd_tol=F),
    Case("svd_full_square", CG, _svd_sq(full_matrices=True),
         _np_svd_sq(True), separated_svs((3, 3)), fwd_tol=F),
    # full_matrices with |M - N| = 1: TF's rule (the extra column's term); |M - N| > 1 raises.
    Case("svd_full_tall_by_one", CG, _svd_sq(full_matrices=True),
         _np_svd_sq(True), separated_svs((2, 4, 3)), fwd_tol=F),
    Case("svd_full_wide_by_one", CG, _svd_sq(full_matrices=True),
         _np_svd_sq(True), separated_svs((3, 4)), fwd_tol=F),
    # qr: q and r themselves (LAPACK's signs are a smooth function of generic input).
    Case("qr_square", CG, _qr(), _np_qr(), separated_svs((4, 4)), fwd_tol=F),
    Case("qr_tall_batch", CG, _qr(), _np_qr(), separated_svs((2, 5, 3)), fwd_tol=F),
    Case("qr_wide", CG, _qr(), _np_qr(), separated_svs((3, 5)), fwd_tol=F),
    Case("qr_wide_full_batch", CG, _qr(True), _np_qr(True), separated_svs((2, 3, 4)), fwd_tol=F),
    Case("qr_square_full", CG, _qr(True), _np_qr(True), separated_svs((3, 3)), fwd_tol=F),
    # pinv (from svd) and lstsq (normal equations, from cholesky / cholesky_solve).
    Case("pinv_square", CG, tf.linalg.pinv, np.linalg.pinv, separated_svs((4, 4)), fwd_tol=F),
    Case("pinv_tall_batch", CG, tf.linalg.pinv, np.linalg.pinv, separated_svs((2, 5, 3)), fwd_tol=F),
    Case("pinv_wide", CG, tf.linalg.pinv, np.linalg.pinv, separated_svs((3, 5)), fwd_tol=F),
    Case("lstsq_tall", CG, tf.linalg.lstsq, lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0],
         with_rhs((5, 3), (5, 2)), fwd_tol=F),
    Case("lstsq_wide_min_norm", CG, tf.linalg.lstsq, lambda a, b: np.linalg.pinv(a) @ b,
         with_rhs((3, 5), (3, 2)), fwd_tol=F),
    Case("lstsq_square_batch_broadcast", CG, tf.linalg.lstsq, lambda a, b: np.linalg.solve(a, b[None]),
         with_rhs((2, 3, 3), (3, 1)), fwd_tol=F),
    Case("lstsq_l2_tall_batch", CG, lambda a, b: tf.linalg.lstsq(a, b, l2_regularizer=0.5),
         lambda a, b: _np_normal_eq(a, b, 0.5), with_rhs((2, 4, 3), (2, 4, 2)), fwd_tol=F),
    Case("lstsq_l2_wide", CG, lambda a, b: tf.linalg.lstsq(a, b, l2_regularizer=0.25),
         lambda a, b: _np_normal_eq(a, b, 0.25), with_rhs((2, 4), (2, 3)), fwd_tol=F),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


def test_names_in_tf_linalg():
    for name in NEW:
        assert name in tf.linalg.__all__
        fn = getattr(tf.linalg, name)
        assert callable(fn) and fn.__doc__ and fn.__name__ == name


def test_pinv_tf_documented_examples():
    a = tf.constant([[1., 0.4, 0.5], [0.4, 0.2, 0.25], [0.5, 0.25, 0.35]])
    got = tf.matmul(tf.linalg.pinv(a), a)
    assert got.dtype == tf.float32
    assert_allclose(got.numpy(), np.eye(3), rtol=0, atol=1e-4)
    a = tf.constant([[1., 0.4, 0.5, 1.], [0.4, 0.2, 0.25, 2.], [0.5, 0.25, 0.35, 3.]])
    want = [[0.76, 0.37, 0.21, -0.02], [0.37, 0.43, -0.33, 0.02],
            [0.21, -0.33, 0.81, 0.01], [-0.02, 0.02, 0.01, 1.]]
    assert_allclose(tf.matmul(tf.linalg.pinv(a), a).numpy(), want, rtol=0, atol=0.0051)


def test_pinv_cutoff_is_tfs():
    # a singular value 3e-15 of the largest: above numpy's default rcond (1e-15), below TF's
    # 10 * max(M, N) * eps (6.7e-15 for 3x3 float64), so TF (and we) drop it, numpy keeps it
    d = np.diag([1.0, 3e-15, 0.5])
    np.testing.assert_allclose(tf.linalg.pinv(tf.constant(d)).numpy(), np.diag([1.0, 0.0, 2.0]), atol=1e-12)
    assert np.linalg.pinv(d)[1, 1] > 1e14
    rng = np.random.default_rng(5)
    b = rng.standard_normal((4, 2)) @ rng.standard_normal((2, 3))  # rank 2
    want = np.linalg.pinv(b, rcond=10 * 4 * np.finfo(np.float64).eps)
    got = tf.linalg.pinv(tf.constant(b)).numpy()
    assert got.shape == (3, 4)
    assert_allclose(got, want, rtol=1e-8, atol=1e-10)
    assert_allclose(b @ got @ b, b, rtol=1e-9, atol=1e-9)  # a Moore-Penrose condition
    # an explicit rcond, per matrix of a batch
    a = np.stack([np.diag([1.0, 0.05, 0.2]), np.diag([1.0, 0.05, 0.2])])
    got = tf.linalg.pinv(tf.constant(a), rcond=np.array([0.1, 0.01])).numpy()
    np.testing.assert_allclose(got[0], np.diag([1.0, 0.0, 5.0]), atol=1e-12)
    np.testing.assert_allclose(got[1], np.diag([1.0, 20.0, 5.0]), atol=1e-12)
    np.testing.assert_array_equal(tf.linalg.pinv(tf.zeros([3, 2])).numpy(), np.zeros((2, 3)))
    # the gradient at a rank-deficient matrix is finite (cut-off values are inf, not 1/0)
    x = tf.constant(b)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.linalg.pinv(x))
    assert np.all(np.isfinite(tape.gradient(y, x).numpy()))


def test_svd_returns_s_u_v_as_tf():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((2, 5, 3))
    s, u, v = tf.linalg.svd(tf.constant(a))
    assert (s.shape, u.shape, v.shape) == ((2, 3), (2, 5, 3), (2, 3, 3))
    s, u, v = s.numpy(), u.numpy(), v.numpy()
    assert np.all(np.diff(s, axis=-1) <= 0) and np.all(s >= 0)
    # v, not vᵀ: a = u diag(s) vᵀ
    assert_allclose(u @ (s[..., :, None] * np.swapaxes(v, -1, -2)), a, rtol=1e-12, atol=1e-12)
    assert_allclose(np.swapaxes(u, -1, -2) @ u, np.broadcast_to(np.eye(3), (2, 3, 3)), rtol=0, atol=1e-12)
    s2, u2, v2 = tf.linalg.svd(tf.constant(a), full_matrices=True)
    assert (u2.shape, v2.shape) == ((2, 5, 5), (2, 3, 3))
    assert_allclose(np.swapaxes(u2.numpy(), -1, -2) @ u2.numpy(), np.broadcast_to(np.eye(5), (2, 5, 5)),
                    rtol=0, atol=1e-12)
    only = tf.linalg.svd(tf.constant(a), compute_uv=False)
    assert isinstance(only, tf.Tensor) and only.shape == (2, 3)
    assert_allclose(only.numpy(), s, rtol=1e-13, atol=1e-14)
    w = tf.linalg.svd(tf.constant(a[0].T.astype(np.float32)))
    assert [t.dtype for t in w] == [tf.float32] * 3 and w[1].shape == (3, 3) and w[2].shape == (5, 3)


def test_eigh_reads_the_lower_triangle():
    rng = np.random.default_rng(4)
    a = separated_eigs((4, 4))(rng)[0]
    sym = _np_lower_sym(a)
    e, v = tf.linalg.eigh(tf.constant(a))
    e, v = e.numpy(), v.numpy()
    assert np.all(np.diff(e) > 0)
    assert_allclose(sym @ v, v * e, rtol=1e-12, atol=1e-12)
    assert_allclose(v.T @ v, np.eye(4), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(tf.linalg.eigvalsh(tf.constant(sym)).numpy(),
                                  tf.linalg.eigvalsh(tf.constant(a)).numpy())
    # the gradient of e_k is v_k v_kᵀ on the symmetric matrix; TF returns it as the lower
    # triangle (off-diagonal doubled): nothing for the strict upper triangle, which is not read
    x = tf.constant(a)
    with tf.GradientTape() as tape:
        tape.watch(x)
        top = tf.linalg.eigvalsh(x)[-1]
    g = tape.gradient(top, x).numpy()
    vk = v[:, -1:]
    p = vk @ vk.T
    assert_allclose(g, np.tril(2 * p) - np.diag(np.diag(p)), rtol=1e-10, atol=1e-12)
    assert np.all(np.triu(g, 1) == 0)


def test_nuclear_norm_gradient_is_u_vt():
    # d(sum of singular values)/da = u vᵀ (hand-derived, not finite differences), any shape
    rng = np.random.default_rng(8)
    for shape in [(4, 4), (5, 3), (2, 3, 5)]:
        a = separated_svs(shape)(rng)[0]
        x = tf.constant(a)
        for compute_uv in (False, True):
            with tf.GradientTape() as tape:
                tape.watch(x)
                out = tf.linalg.svd(x, compute_uv=compute_uv)
                y = tf.reduce_sum(out if not compute_uv else out[0])
            assert_allclose(tape.gradient(y, x).numpy(), _np_polar(a), rtol=1e-10, atol=1e-12)


def test_qr_factors():
    rng = np.random.default_rng(6)
    for shape, full in [((5, 3), False), ((5, 3), True), ((3, 5), False), ((2, 4, 4), False)]:
        a = rng.standard_normal(shape)
        q, r = [t.numpy() for t in tf.linalg.qr(tf.constant(a), full_matrices=full)]
        m, n = shape[-2:]
        k = m if full else min(m, n)
        assert q.shape == shape[:-2] + (m, k) and r.shape == shape[:-2] + (k, n)
        assert_allclose(q @ r, a, rtol=1e-12, atol=1e-12)
        assert_allclose(np.swapaxes(q, -1, -2) @ q, np.broadcast_to(np.eye(k), q.shape[:-2] + (k, k)),
                        rtol=0, atol=1e-12)
        assert np.all(np.tril(r, -1) == 0)


def test_gradients_tf_does_not_implement():
    rng = np.random.default_rng(9)
    x = tf.constant(rng.standard_normal((5, 3)))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        s, u, v = tf.linalg.svd(x, full_matrices=True)
        q, r = tf.linalg.qr(x, full_matrices=True)
        s_reduced = tf.linalg.svd(x)[0]
        r_reduced = tf.linalg.qr(x)[1]
    assert u.shape == (5, 5) and q.shape == (5, 5) and r.shape == (5, 3)  # the values work
    with pytest.raises(NotImplementedError, match=r"svd: .*full_matrices=True.*\[5, 3\]"):
        tape.gradient(u, x)
    with pytest.raises(NotImplementedError,
                       match=r"qr: .*more rows than columns.*full_matrices=True.*\[5, 3\]"):
        tape.gradient(r, x)
    with pytest.raises(NotImplementedError, match="svd: "):  # whichever output is used, as TF's
        tape.gradient(s, x)
    # the reduced forms of the same matrix differentiate
    assert tape.gradient(s_reduced, x).shape == (5, 3)
    assert tape.gradient(r_reduced, x).shape == (5, 3)


def test_lstsq_fast_and_robust_paths():
    rng = np.random.default_rng(10)
    a = rng.standard_normal((5, 3))
    a[:, 2] = 0.0  # rank 2: AᵀA is singular
    b = rng.standard_normal((5, 2))
    # fast=True: the Gramian's Cholesky factor is NaN (TF 2's kernel), so is the solution
    assert np.isnan(tf.linalg.lstsq(tf.constant(a), tf.constant(b)).numpy()).all()
    # fast=False: the minimum-norm least-squares solution; l2_regularizer ignored, as TF documents
    want = np.linalg.pinv(a) @ b
    got = tf.linalg.lstsq(tf.constant(a), tf.constant(b), fast=False)
    assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)
    got = tf.linalg.lstsq(tf.constant(a), tf.constant(b), l2_regularizer=3.0, fast=False)
    assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)
    batch = np.stack([a, rng.standard_normal((5, 3))])
    got = tf.linalg.lstsq(batch.astype(np.float32), b.astype(np.float32), fast=False)
    assert got.dtype == tf.float32 and got.shape == (2, 3, 2)
    assert_allclose(got.numpy(), np.linalg.pinv(batch) @ b, rtol=1e-4, atol=1e-5)
    # fast=True with λ > 0 solves the regularised problem of the singular matrix
    got = tf.linalg.lstsq(tf.constant(a), tf.constant(b), l2_regularizer=tf.constant(0.5, tf.float64))
    assert_allclose(got.numpy(), _np_normal_eq(a, b, 0.5), rtol=1e-10, atol=1e-12)
    # fast=False has no gradient, as TF's
    x = tf.constant(a)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.linalg.lstsq(x, tf.constant(b), fast=False)
    with pytest.raises(ValueError, match="lstsq: the gradient is not defined for fast=False"):
        tape.gradient(y, x)


def test_nan_propagates_in_svd():
    a = np.stack([np.diag([3.0, 2.0]), [[np.nan, 1.0], [1.0, 1.0]]])
    s = tf.linalg.svd(tf.constant(a), compute_uv=False).numpy()
    assert_allclose(s[0], [3.0, 2.0], rtol=1e-14, atol=0)
    assert np.all(np.isnan(s[1]))
    s, u, v = tf.linalg.svd(tf.constant(a))
    assert np.all(np.isnan(u.numpy()[1])) and np.all(np.isfinite(u.numpy()[0]))


def test_variables_and_dtypes():
    rng = np.random.default_rng(11)
    a = separated_eigs((3, 3))(rng)[0].astype(np.float32)
    var = tf.Variable(a)
    with tf.GradientTape() as tape:
        e = tf.linalg.eigvalsh(var)
        y = tf.reduce_sum(e * e)
    assert e.dtype == tf.float32
    g = tape.gradient(y, var)
    # sum(e²) = ||sym||_F²: the gradient is 2·sym, as the lower triangle with off-diagonals doubled
    sym = _np_lower_sym(a.astype(np.float64))
    assert_allclose(g.numpy(), np.tril(4 * sym) - np.diag(np.diag(2 * sym)), rtol=1e-4, atol=1e-4)


def test_bad_input_is_refused_by_name():
    ints = np.eye(3, dtype=np.int32)
    vec = np.array([1.0, 2.0])
    wide = np.arange(6.0).reshape(2, 3)
    held = {"ints": ints, "vec": vec, "wide": wide}
    copies = {k: v.copy() for k, v in held.items()}
    t_wide = tf.constant(wide)
    for name in NEW[:-1]:  # eigh, eigvalsh, svd, qr, pinv
        fn = getattr(tf.linalg, name)
        with pytest.raises(InvalidArgumentError, match=f"{name}: .*rank >= 2.*\\[2\\]"):
            fn(vec)
        with pytest.raises(TypeError, match=f"{name}: .*float32 or float64.*int32"):
            fn(ints)
    for name in ("eigh", "eigvalsh"):
        with pytest.raises(InvalidArgumentError, match=f"{name}: tensor must be square.*\\[2, 3\\]"):
            getattr(tf.linalg, name)(t_wide)
    with pytest.raises(InvalidArgumentError,
                       match=r"lstsq: rhs must have 2 rows to match matrix of shape \[2, 3\]"):
        tf.linalg.lstsq(wide, np.ones((3, 1)))
    with pytest.raises(InvalidArgumentError, match="lstsq: l2_regularizer must be >= 0, got -1.0"):
        tf.linalg.lstsq(wide, np.ones((2, 1)), l2_regularizer=-1.0)
    with pytest.raises(TypeError, match="lstsq: l2_regularizer must be a number"):
        tf.linalg.lstsq(wide, np.ones((2, 1)), l2_regularizer="big")
    with pytest.raises(TypeError,
                       match="lstsq: matrix and rhs must have one dtype, got float64 and float32"):
        tf.linalg.lstsq(wide, np.ones((2, 1), dtype=np.float32))
    with pytest.raises(InvalidArgumentError, match=r"lstsq: rhs must have rank >= 2"):
        tf.linalg.lstsq(wide, vec)
    with pytest.raises(TypeError, match="lstsq: expected float32 or float64 operands, got int32"):
        tf.linalg.lstsq(ints, np.ones((3, 1)))
    with pytest.raises(InvalidArgumentError, match=r"pinv: rcond of shape \[3\] does not broadcast"):
        tf.linalg.pinv(wide, rcond=np.ones(3))
    with pytest.raises(InvalidArgumentError, match=r"pinv: rcond of shape \[3\] does not broadcast .*\[2\]"):
        tf.linalg.pinv(np.ones((2, 2, 2)), rcond=np.ones(3))
    with pytest.raises(TypeError, match="pinv: rcond must be a number"):
        tf.linalg.pinv(wide, rcond="small")
    for k, v in held.items():
        np.testing.assert_array_equal(v, copies[k])
        assert v.dtype == copies[k].dtype
    np.testing.assert_array_equal(t_wide.numpy(), wide)
    # a successful call leaves its numpy input as it was (LAPACK works on copies)
    a = separated_eigs((3, 3))(np.random.default_rng(0))[0]
    keep = a.copy()
    for name in NEW[:-1]:
        getattr(tf.linalg, name)(a)
    tf.linalg.lstsq(a, a, fast=False)
    np.testing.assert_array_equal(a, keep)


def test_second_order_check_can_fail():
    # The second-order checks compare with finite differences of the first gradient: a wrong
    # rule must be caught (here the eigenvector gradient with the gaps' sign flipped).
    rng = np.random.default_rng(12)
    a = separated_eigs((3, 3))(rng)[0]

    @tf.custom_gradient
    def wrong(x):
        e, v = tf.linalg.eigh(x)

        def grad(dv):
            inner = tf.linalg.matmul(v, dv, transpose_a=True)
            gaps = tf.expand_dims(e, -1) - tf.expand_dims(e, -2)  # e_i - e_j: the sign flipped
            f = tf.math.divide_no_nan(tf.ones_like(gaps), gaps)
            g = tf.matmul(v, tf.matmul(f * inner, v, transpose_b=True))
            return tf.linalg.band_part(g + tf.linalg.matrix_transpose(g), -1, 0) * \
                (1.0 - 0.5 * tf.eye(3, dtype=tf.float64))
        return v * v, grad

    with pytest.raises(AssertionError):
        check_gradients(wrong, [a])
    check_gradients(lambda x: tf.linalg.eigh(x)[1] ** 2, [a])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_non_finite_matrices_give_nan_and_never_hang(dtype, bad):
    # numpy's gesdd never returns on a matrix holding an inf (u and v asked for); tapegrad's
    # svd, pinv and lstsq give NaN for such a matrix and the right values for the others
    import subprocess
    import sys
    import textwrap
    code = textwrap.dedent(f"""
        import numpy as np, tapegrad as tf
        good = np.eye(3, dtype=np.{np.dtype(dtype).name}) * 2 + 0.1
        m = np.stack([good, good.copy()])
        m[1, 0, 0] = {"np.nan" if np.isnan(bad) else "np.inf" if bad > 0 else "-np.inf"}
        s, u, v = tf.linalg.svd(m)
        assert np.isnan(s.numpy()[1]).all() and np.isnan(u.numpy()[1]).all()
        np.testing.assert_allclose(s.numpy()[0], np.linalg.svd(good, compute_uv=False), rtol=1e-5)
        assert np.isnan(tf.linalg.svd(m, full_matrices=True)[0].numpy()[1]).all()
        p = tf.linalg.pinv(m).numpy()
        assert np.isnan(p[1]).all()
        np.testing.assert_allclose(p[0], np.linalg.pinv(good), rtol=1e-4)
        x = tf.linalg.lstsq(m, np.ones((2, 3, 1), m.dtype), fast=False).numpy()
        assert np.isnan(x[1]).all() and np.isfinite(x[0]).all()
        print("ok")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]
    assert "DLASCL" not in r.stderr and "illegal value" not in r.stderr
