"""BINARY rows of ops.def with numpy broadcasting: forward, gradient (through sum_to for the
broadcast operand), second order. Python scalars take the tensor operand's dtype."""

import numpy as np

import tapegrad as tf
from opcases import Case, away_from_zero, define_tests, distinct, nonzero, normal, positive

# (a shape, b shape): equal, column + row, trailing broadcast, scalars both sides, rank 3.
SHAPES = [((2, 3), (2, 3)), ((3, 1), (4,)), ((2, 3), (3,)), ((), (2, 3)), ((2, 3), ()),
          ((2, 1, 3), (4, 1))]


def _tag(sa, sb):
    return "x".join(map(str, sa)) or "s", "x".join(map(str, sb)) or "s"


def _positive_base(sa, sb):
    def gen(rng):
        return [rng.uniform(0.5, 2.0, sa), rng.uniform(-1.5, 1.5, sb)]
    return gen


def _divisor(sa, sb):
    return lambda rng: normal(sa)(rng) + nonzero(sb)(rng)


def _floormod_ref(a, b):
    """TF's float FloorMod: fmod moved into the sign of b."""
    t = np.fmod(a, b)
    return np.where((t != 0) & ((b < 0) != (t < 0)), t + b, t)


def _off_integer_quotients(sa, sb, margin=0.1):
    """a, b with every a / b at least ``margin`` from an integer, where floormod jumps (so the
    finite differences never straddle a jump)."""
    def gen(rng):
        for _ in range(20000):
            a, b = rng.standard_normal(sa) * 3.0, nonzero(sb)(rng)[0]
            f = np.mod(a / b, 1.0)
            if np.all((f > margin) & (f < 1 - margin)):
                return [a, b]
        raise AssertionError("no sample with quotients away from the integers")
    return gen


def _divisors_of(a, shape, rng, margin=0.1):
    """b of `shape` with every a / b at least ``margin`` from an integer."""
    for _ in range(20000):
        b = nonzero(shape)(rng)[0]
        f = np.mod(a / b, 1.0)
        if np.all((f > margin) & (f < 1 - margin)):
            return b
    raise AssertionError("no divisor sample away from the integers")


CASES = []
for sa, sb in SHAPES:
    ta, tb = _tag(sa, sb)
    sfx = f"{ta}_{tb}"
    CASES += [
        Case(f"add_{sfx}", "add", tf.add, np.add, normal(sa, sb)),
        Case(f"subtract_{sfx}", "subtract", tf.subtract, np.subtract, normal(sa, sb)),
        Case(f"multiply_{sfx}", "multiply", tf.multiply, np.multiply, normal(sa, sb)),
        Case(f"divide_{sfx}", "divide", tf.divide, np.divide, _divisor(sa, sb)),
        Case(f"pow_{sfx}", "pow", tf.pow, np.power, _positive_base(sa, sb)),
        Case(f"maximum_{sfx}", "maximum", tf.maximum, np.maximum, distinct(sa, sb)),
        Case(f"minimum_{sfx}", "minimum", tf.minimum, np.minimum, distinct(sa, sb)),
        Case(f"floormod_{sfx}", "floormod", tf.math.floormod, _floormod_ref,
             _off_integer_quotients(sa, sb)),
    ]

# Operators and Python-scalar operands (the scalar takes the tensor's dtype).
CASES += [
    Case("add_operator", "add", lambda a, b: a + b, np.add, normal((3, 1), (4,))),
    Case("radd_python_scalar", "add", lambda a: 2.5 + a, lambda a: 2.5 + a, normal((2, 3))),
    Case("sub_operator_rsub", "subtract", lambda a, b: 1.5 - (a - b), lambda a, b: 1.5 - (a - b),
         normal((2, 3), (3,))),
    Case("mul_operator_scalar", "multiply", lambda a, b: (a * b) * 3.0, lambda a, b: a * b * 3.0,
         normal((2, 3), (3,))),
    Case("truediv_operator", "divide", lambda a, b: a / b, np.divide, _divisor((2, 3), (3,))),
    Case("rtruediv_python_scalar", "divide", lambda b: 2.0 / b, lambda b: 2.0 / b,
         nonzero((3,))),
    Case("pow_python_exponent", "pow", lambda a: a ** 3.0, lambda a: a ** 3.0, normal((2, 3))),
    Case("pow_python_base", "pow", lambda b: 2.0 ** b, lambda b: 2.0 ** b, normal((2, 3))),
    Case("pow_half", "pow", lambda a: tf.pow(a, 0.5), np.sqrt, positive((4,))),
    Case("maximum_python_scalar", "maximum", lambda a: tf.maximum(a, 0.05), lambda a: np.maximum(a, 0.05),
         away_from_zero((3, 4))),
    Case("minimum_python_scalar", "minimum", lambda a: tf.minimum(0.05, a), lambda a: np.minimum(0.05, a),
         away_from_zero((3, 4))),
    Case("mod_operator", "floormod", lambda a, b: a % b, _floormod_ref,
         _off_integer_quotients((2, 3), (3,))),
    Case("rmod_python_scalar", "floormod", lambda b: 2.5 % b, lambda b: _floormod_ref(2.5, b),
         lambda rng: [_divisors_of(2.5, (4,), rng)]),
    # a // b has no gradient (TF's): only the multiply carries one here.
    Case("floordiv_times_operand", ("floormod", "multiply"), lambda a, b: (a // b) * a + a % b,
         lambda a, b: np.floor(a / b) * a + _floormod_ref(a, b), _off_integer_quotients((2, 3), (3,))),
    # The same tensor on both sides: the two gradient contributions must be summed.
    Case("multiply_same_operand", "multiply", lambda a: a * a, np.square, normal((5,))),
    Case("divide_same_operand", "divide", lambda a: (a + 3.0) / a, lambda a: (a + 3.0) / a,
         nonzero((5,))),
]

test_forward, test_gradient, test_second_order = define_tests(CASES)


def test_maximum_gradient_goes_to_the_larger_operand():
    a = tf.constant(np.array([1.0, 5.0, -2.0]))
    b = tf.constant(np.array([3.0, 2.0, -1.0]))
    with tf.GradientTape() as tape:
        tape.watch([a, b])
        y = tf.maximum(a, b)
    ga, gb = tape.gradient(y, [a, b])
    np.testing.assert_array_equal(ga.numpy(), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(gb.numpy(), [1.0, 0.0, 1.0])


def test_large_broadcast_forward_matches_numpy():
    # Big enough for the threaded / SIMD paths of the broadcasting kernels.
    rng = np.random.default_rng(1)
    for dtype in (np.float32, np.float64):
        a = rng.standard_normal((67, 1, 33)).astype(dtype)
        b = rng.uniform(0.5, 2.0, (45, 33)).astype(dtype)
        for fn, ref in ((tf.add, np.add), (tf.subtract, np.subtract), (tf.multiply, np.multiply),
                        (tf.divide, np.divide), (tf.maximum, np.maximum), (tf.minimum, np.minimum)):
            got = fn(tf.constant(a), tf.constant(b))
            np.testing.assert_allclose(got.numpy(), ref(a, b), rtol=1e-6 if dtype == np.float32 else 1e-14,
                                       err_msg=f"{fn.__name__} {np.dtype(dtype).name}")
