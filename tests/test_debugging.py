"""tf.debugging (tapegrad.debugging): check_numerics (value and gradient checks, identity
gradient of every order), the assertions (None when they hold; InvalidArgumentError carrying
the message and the condition when not; TypeError for assert_type / assert_integer),
is_numeric_tensor, and the top-level aliases TF 2 has."""

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError
from tapegrad.testing import check_gradients


def test_check_numerics_passes_values_and_gradients_through():
    x = tf.constant([1.0, 2.0])
    assert tf.debugging.check_numerics(x, "ok").numpy().tolist() == [1.0, 2.0]
    check_gradients(lambda v: tf.multiply(tf.debugging.check_numerics(tf.square(v), "m"), v),
                    [np.array([0.5, -1.5, 2.0])], second_order=True)
    for bad, what in ((np.nan, "NaN"), (np.inf, "Inf"), (-np.inf, "Inf")):
        with pytest.raises(InvalidArgumentError, match=f"check_numerics: my tensor : Tensor had {what} values"):
            tf.debugging.check_numerics(tf.constant([1.0, bad]), "my tensor")
    with pytest.raises(InvalidArgumentError, match="assert_all_finite|check_numerics: fin"):
        tf.debugging.assert_all_finite(tf.constant([np.nan]), "fin")
    with pytest.raises(TypeError, match="check_numerics: tensor must be float32 or float64"):
        tf.debugging.check_numerics(np.array([1, 2]), "ints")


def test_check_numerics_checks_the_gradient():
    x = tf.constant([0.0, 1.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.sqrt(tf.debugging.check_numerics(x, "before sqrt"))  # d sqrt at 0 is inf
    with pytest.raises(InvalidArgumentError, match="detected in gradient. before sqrt"):
        tape.gradient(y, x)


def test_comparisons_hold_or_raise_with_the_message():
    a, b = tf.constant([1.0, 2.0, 3.0]), tf.constant([1.0, 2.0, 4.0])
    assert tf.debugging.assert_equal(a, a) is None
    assert tf.debugging.assert_less_equal(a, b) is None
    assert tf.debugging.assert_greater_equal(b, a) is None
    assert tf.debugging.assert_less(a, 10.0) is None
    assert tf.debugging.assert_greater(b, 0.0) is None
    assert tf.debugging.assert_none_equal(a, tf.constant([0.0, 0.0, 0.0])) is None
    assert tf.debugging.assert_near(a, a + 1e-7) is None
    failing = [
        (lambda: tf.debugging.assert_equal(a, b, message="boom"), r"boom\nassert_equal: Condition x == y .*index \[2\]"),
        (lambda: tf.debugging.assert_none_equal(a, b, message="m"), "assert_none_equal: Condition x != y"),
        (lambda: tf.debugging.assert_less(a, b), "assert_less: Condition x < y"),
        (lambda: tf.debugging.assert_less_equal(b, a), "assert_less_equal: Condition x <= y"),
        (lambda: tf.debugging.assert_greater(b, a), "assert_greater: Condition x > y"),
        (lambda: tf.debugging.assert_greater_equal(a, b), "assert_greater_equal: Condition x >= y"),
        (lambda: tf.debugging.assert_near(a, b, atol=0.5, rtol=0.0), r"assert_near: Condition x ~= \(atol=0.5, rtol=0\) y"),
        (lambda: tf.debugging.assert_equal(tf.ones([2]), tf.ones([3])), "assert_equal: x shape \\[2\\] and y shape \\[3\\] are not broadcastable"),
        (lambda: tf.debugging.assert_positive(tf.constant([1.0, 0.0])), "assert_positive: Condition x > 0"),
        (lambda: tf.debugging.assert_negative(tf.constant([-1.0, 0.0])), "assert_negative"),
        (lambda: tf.debugging.assert_non_negative(tf.constant([-1.0])), "assert_non_negative"),
        (lambda: tf.debugging.assert_non_positive(tf.constant([1.0])), "assert_non_positive"),
        (lambda: tf.debugging.assert_rank(a, 2, message="need a matrix"), "need a matrix\nassert_rank: Tensor must have rank 2. Received rank 1"),
        (lambda: tf.debugging.assert_rank_at_least(a, 2), "assert_rank_at_least"),
        (lambda: tf.debugging.assert_scalar(a), "assert_scalar: Expected scalar shape"),
    ]
    for fn, match in failing:
        with pytest.raises(InvalidArgumentError, match=match):
            fn()
    # InvalidArgumentError is a ValueError, as TF's static failures of assert_rank are
    with pytest.raises(ValueError):
        tf.debugging.assert_rank(a, 0)
    assert tf.debugging.assert_rank(a, 1) is None
    assert tf.debugging.assert_rank_at_least(a, 1) is None
    assert tf.debugging.assert_scalar(tf.constant(1.0)).shape == ()


def test_assert_near_default_tolerances_follow_the_dtype():
    x = tf.constant([1.0], tf.float64)
    assert tf.debugging.assert_near(x, x + 1e-15) is None
    with pytest.raises(InvalidArgumentError, match="assert_near"):
        tf.debugging.assert_near(x, x + 1e-12)
    y = tf.constant([1.0])
    assert tf.debugging.assert_near(y, y + 5e-7) is None


def test_type_checks_and_is_numeric_tensor():
    assert tf.debugging.assert_type(tf.constant([1.0]), tf.float32) is None
    with pytest.raises(TypeError, match="oops: assert_type: tensor must be of type int32, got float32"):
        tf.debugging.assert_type(tf.constant([1.0]), tf.int32, message="oops")
    assert tf.debugging.assert_integer(tf.constant(np.array([1]))) is None
    with pytest.raises(TypeError, match="assert_integer"):
        tf.debugging.assert_integer(tf.constant([1.0]))
    assert tf.debugging.is_numeric_tensor(tf.constant([1.0]))
    assert tf.debugging.is_numeric_tensor(tf.Variable(np.array([1], np.int32)))
    assert not tf.debugging.is_numeric_tensor(tf.constant([True]))
    assert not tf.debugging.is_numeric_tensor(np.ones(2))


def test_top_level_aliases_and_inputs_unchanged():
    assert tf.assert_equal is tf.debugging.assert_equal
    assert tf.assert_rank is tf.debugging.assert_rank
    a = np.array([1.0, 2.0])
    before = a.copy()
    with pytest.raises(InvalidArgumentError):
        tf.assert_less(a, a)
    np.testing.assert_array_equal(a, before)
