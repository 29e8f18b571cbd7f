"""matmul: all four transpose combinations, batched 3-D, broadcast batch, vector-free 2-D.
C = A @ B, dA = dC @ Bᵀ, dB = Aᵀ @ dC (with the transposes folded in)."""

import numpy as np
import pytest

import tapegrad as tf
from opcases import Case, define_tests, normal


def _np_matmul(ta, tb):
    def ref(a, b):
        a = np.swapaxes(a, -1, -2) if ta else a
        b = np.swapaxes(b, -1, -2) if tb else b
        return np.matmul(a, b)
    return ref


def _shapes(m, k, n, ta, tb, batch_a=(), batch_b=()):
    sa = batch_a + ((k, m) if ta else (m, k))
    sb = batch_b + ((n, k) if tb else (k, n))
    return sa, sb


CASES = []
for ta in (False, True):
    for tb in (False, True):
        tag = f"{'T' if ta else 'N'}{'T' if tb else 'N'}"
        for name, (ba, bb) in {"2d": ((), ()), "batched": ((2,), (2,)),
                               "bcast_batch": ((2, 1), (3,)), "bcast_2d_b": ((2,), ())}.items():
            sa, sb = _shapes(3, 4, 2, ta, tb, ba, bb)
            CASES.append(Case(f"matmul_{tag}_{name}", "matmul",
                              (lambda ta, tb: lambda a, b: tf.matmul(a, b, transpose_a=ta, transpose_b=tb))(ta, tb),
                              _np_matmul(ta, tb), normal(sa, sb)))
CASES += [
    Case("matmul_operator", "matmul", lambda a, b: a @ b, np.matmul, normal((3, 5), (5, 2))),
    Case("matmul_adjoint", "matmul", lambda a, b: tf.matmul(a, b, adjoint_a=True, adjoint_b=True),
         _np_matmul(True, True), normal((4, 3), (2, 4))),
    Case("matmul_1x1", "matmul", tf.matmul, np.matmul, normal((1, 1), (1, 1))),
    Case("matmul_same_operand", "matmul", lambda a: tf.matmul(a, a, transpose_b=True),
         lambda a: a @ a.T, normal((3, 2))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (7, 3, 5), (17, 33, 9), (64, 65, 31), (130, 70, 129)])
def test_forward_sizes_match_numpy(m, k, n, ta, tb, dtype):
    # Around register-tile and cache-block edges of the GEMM, in every transpose mode.
    rng = np.random.default_rng(m * 10000 + k * 100 + n)
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
    got = tf.matmul(tf.constant(a), tf.constant(b), transpose_a=ta, transpose_b=tb).numpy()
    want = _np_matmul(ta, tb)(a.astype(np.float64), b.astype(np.float64))
    tol = 1e-5 * np.sqrt(k) if dtype == np.float32 else 1e-13 * np.sqrt(k)
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_matmul_gradient_large_batched():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 20, 30))
    b = rng.standard_normal((30, 25))
    v = rng.standard_normal((3, 20, 25))
    ta, tb = tf.constant(a), tf.constant(b)
    with tf.GradientTape() as tape:
        tape.watch([ta, tb])
        y = tf.matmul(ta, tb)
    ga, gb = tape.gradient(y, [ta, tb], output_gradients=tf.constant(v))
    np.testing.assert_allclose(ga.numpy(), v @ b.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gb.numpy(), np.einsum("bmk,bmn->kn", a, v), rtol=1e-12, atol=1e-12)
