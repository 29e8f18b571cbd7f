"""nn.linear: act(x @ kernel + bias) as one op, for each activation, with and without bias,
for 2-D and batched 3-D x."""

import numpy as np

import tapegrad as tf
from opcases import Case, define_tests

ACTS = {
    None: lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
}


def _inputs(xshape, units, bias, margin=0.1):
    """x, kernel[, bias] with every pre-activation at least `margin` from 0 (ReLU's kink)."""
    def gen(rng):
        for _ in range(1000):
            x = rng.standard_normal(xshape)
            w = rng.standard_normal((xshape[-1], units))
            b = rng.standard_normal(units)
            z = x @ w + (b if bias else 0)
            if np.all(np.abs(z) > margin):
                return [x, w, b] if bias else [x, w]
        raise RuntimeError("could not sample pre-activations away from 0")
    return gen


CASES = []
for act, f in ACTS.items():
    for bias in (True, False):
        for xshape in ((4, 3), (2, 3, 3)):
            tag = f"{act}_{'bias' if bias else 'nobias'}_{len(xshape)}d"
            if bias:
                fn = (lambda act: lambda x, w, b: tf.nn.linear(x, w, b, activation=act))(act)
                ref = (lambda f: lambda x, w, b: f(x @ w + b))(f)
            else:
                fn = (lambda act: lambda x, w: tf.nn.linear(x, w, None, activation=act))(act)
                ref = (lambda f: lambda x, w: f(x @ w))(f)
            CASES.append(Case(f"linear_{tag}", "linear", fn, ref, _inputs(xshape, 2, bias)))
CASES.append(Case("linear_activation_linear", "linear",
                  lambda x, w, b: tf.nn.linear(x, w, b, activation="linear"),
                  lambda x, w, b: x @ w + b, _inputs((3, 4), 5, True)))
CASES.append(Case("linear_then_softmax", ("linear", "softmax"),
                  lambda x, w, b: tf.nn.linear(x, w, b, activation="softmax"),
                  lambda x, w, b: (lambda z: np.exp(z) / np.exp(z).sum(-1, keepdims=True))(x @ w + b),
                  _inputs((3, 4), 3, True)))

test_forward, test_gradient, test_second_order = define_tests(CASES)


def test_linear_large_matches_numpy():
    # Big enough for the blocked GEMM with the fused epilogue.
    rng = np.random.default_rng(2)
    for dtype in (np.float32, np.float64):
        x = rng.standard_normal((67, 129)).astype(dtype)
        w = rng.standard_normal((129, 45)).astype(dtype)
        b = rng.standard_normal(45).astype(dtype)
        for act, f in ACTS.items():
            got = tf.nn.linear(tf.constant(x), tf.constant(w), tf.constant(b), activation=act).numpy()
            want = f(x.astype(np.float64) @ w.astype(np.float64) + b)
            tol = 2e-4 if dtype == np.float32 else 1e-12
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol, err_msg=f"{act} {np.dtype(dtype).name}")
