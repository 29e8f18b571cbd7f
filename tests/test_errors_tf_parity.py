"""tf.errors (python/tapegrad/errors.py) against TF 2.21: the classes, their hierarchy, the error
codes and OpError's attributes. The tables were measured with TensorFlow 2.21 and are
hard-coded: the tests run without TensorFlow."""

import pickle

import numpy as np
import pytest

import tapegrad as tf

# TF 2.21: tf.errors.<CODE> values.
TF_CODES = {"OK": 0, "CANCELLED": 1, "UNKNOWN": 2, "INVALID_ARGUMENT": 3, "DEADLINE_EXCEEDED": 4,
            "NOT_FOUND": 5, "ALREADY_EXISTS": 6, "PERMISSION_DENIED": 7, "RESOURCE_EXHAUSTED": 8,
            "FAILED_PRECONDITION": 9, "ABORTED": 10, "OUT_OF_RANGE": 11, "UNIMPLEMENTED": 12,
            "INTERNAL": 13, "UNAVAILABLE": 14, "DATA_LOSS": 15, "UNAUTHENTICATED": 16}

# TF 2.21: each OpError subclass and its error_code.
TF_CLASSES = {"CancelledError": 1, "UnknownError": 2, "InvalidArgumentError": 3,
              "DeadlineExceededError": 4, "NotFoundError": 5, "AlreadyExistsError": 6,
              "PermissionDeniedError": 7, "ResourceExhaustedError": 8,
              "FailedPreconditionError": 9, "AbortedError": 10, "OutOfRangeError": 11,
              "UnimplementedError": 12, "InternalError": 13, "UnavailableError": 14,
              "DataLossError": 15, "UnauthenticatedError": 16}


def test_errors_is_exported():
    assert tf.errors is __import__("tapegrad.errors").errors


@pytest.mark.parametrize("name, code", list(TF_CODES.items()))
def test_error_codes_are_tf_s(name, code):
    value = getattr(tf.errors, name)
    assert value == code and type(value) is int


@pytest.mark.parametrize("name, code", list(TF_CLASSES.items()))
def test_classes_are_op_errors_with_tf_s_codes(name, code):
    cls = getattr(tf.errors, name)
    assert issubclass(cls, tf.errors.OpError) and issubclass(cls, Exception)
    e = cls(None, None, "the message")  # TF's signature: (node_def, op, message, *args)
    assert e.error_code == code
    assert e.message == "the message" and str(e) == "the message"
    assert e.op is None and e.node_def is None and e.experimental_payloads == {}
    with pytest.raises(cls):
        raise e
    with pytest.raises(tf.errors.OpError):
        raise cls(None, None, "caught as the base")


def test_tapegrad_s_extra_bases_are_kept():
    assert issubclass(tf.errors.InvalidArgumentError, ValueError)
    assert issubclass(tf.errors.OutOfRangeError, IndexError)
    assert issubclass(tf.errors.IndexOutOfBoundsError, tf.errors.InvalidArgumentError)
    assert issubclass(tf.errors.IndexOutOfBoundsError, IndexError)
    assert issubclass(tf.errors.IndexOutOfBoundsError, tf.errors.OpError)
    # TF 2.21: OperatorNotAllowedInGraphError is a TypeError, not an OpError.
    assert issubclass(tf.errors.OperatorNotAllowedInGraphError, TypeError)
    assert not issubclass(tf.errors.OperatorNotAllowedInGraphError, tf.errors.OpError)
    for name in TF_CLASSES:
        if name not in ("InvalidArgumentError", "OutOfRangeError"):
            assert not issubclass(getattr(tf.errors, name), (ValueError, IndexError)), name


def test_errors_the_core_raises_are_op_errors():
    with pytest.raises(tf.errors.OpError) as info:
        tf.reshape(tf.zeros(3), (2, 2))
    e = info.value
    assert type(e) is tf.errors.InvalidArgumentError and isinstance(e, ValueError)
    assert e.error_code == tf.errors.INVALID_ARGUMENT == 3
    assert e.message == str(e) and "reshape" in e.message.lower()
    assert e.op is None and e.node_def is None  # eager, as TF's
    with pytest.raises(tf.errors.OpError) as info:
        tf.zeros(3)[5]
    assert isinstance(info.value, IndexError) and info.value.error_code == 3


def test_out_of_range_error_from_tensor_array():
    ta = tf.TensorArray(tf.float32, size=2)
    with pytest.raises(tf.errors.OpError) as info:
        ta.read(5)
    assert type(info.value) is tf.errors.OutOfRangeError and info.value.error_code == 11


def test_message_only_form_as_tapegrad_raises_them():
    for name, code in TF_CLASSES.items():
        e = getattr(tf.errors, name)("just a message")
        assert str(e) == e.message == "just a message" and e.error_code == code
    e = tf.errors.InvalidArgumentError(None, None, "tf style")
    assert str(e) == e.message == "tf style" and e.error_code == 3


def test_op_error_constructor_is_tf_s():
    e = tf.errors.OpError(None, None, "m", 5)  # TF 2.21: error_code 5 kept as given
    assert e.error_code == 5 and e.message == "m" and str(e) == "m"
    assert tf.errors.OpError(None, None, "m", 99).error_code == 99
    e = tf.errors.UnknownError(None, None, "x", {"k": b"v"})
    assert e.error_code == 2 and e.experimental_payloads == {"k": b"v"}
    e = tf.errors.NotFoundError(node_def=None, op=None, message="kw")
    assert e.message == "kw"
    with pytest.raises(TypeError):
        tf.errors.NotFoundError()  # TF 2.21: missing node_def, op and message
    with pytest.raises(TypeError):
        tf.errors.NotFoundError(None, None)
    with pytest.raises(TypeError):
        tf.errors.OpError(None, None, "no code")


@pytest.mark.parametrize("make", [
    lambda: tf.errors.NotFoundError(None, None, "m"),
    lambda: tf.errors.UnknownError(None, None, "x", {"k": b"v"}),
    lambda: tf.errors.OpError(None, None, "m", 7),
    lambda: tf.errors.OutOfRangeError(None, None, "end"),
    lambda: tf.errors.OutOfRangeError("end"),
    lambda: tf.errors.InvalidArgumentError("core style"),
    lambda: tf.errors.ResourceExhaustedError("oom"),
])
def test_errors_pickle(make):
    e = make()
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is type(e)
    assert back.message == e.message and back.error_code == e.error_code
    assert back.experimental_payloads == e.experimental_payloads


def test_every_tf_name_is_there():
    # TF 2.21's dir(tf.errors), public names.
    tf_names = ["ABORTED", "ALREADY_EXISTS", "AbortedError", "AlreadyExistsError", "CANCELLED",
                "CancelledError", "DATA_LOSS", "DEADLINE_EXCEEDED", "DataLossError",
                "DeadlineExceededError", "FAILED_PRECONDITION", "FailedPreconditionError",
                "INTERNAL", "INVALID_ARGUMENT", "InternalError", "InvalidArgumentError",
                "NOT_FOUND", "NotFoundError", "OK", "OUT_OF_RANGE", "OpError",
                "OperatorNotAllowedInGraphError", "OutOfRangeError", "PERMISSION_DENIED",
                "PermissionDeniedError", "RESOURCE_EXHAUSTED", "ResourceExhaustedError",
                "UNAUTHENTICATED", "UNAVAILABLE", "UNIMPLEMENTED", "UNKNOWN",
                "UnauthenticatedError", "UnavailableError", "UnimplementedError", "UnknownError"]
    missing = [n for n in tf_names if not hasattr(tf.errors, n)]
    assert not missing
    assert set(tf_names) <= set(tf.errors.__all__)


def test_einsum_bool_raises_not_found_as_tf():
    with pytest.raises(tf.errors.NotFoundError) as info:
        tf.einsum("ij->ji", tf.constant(np.array([[True]])))
    assert info.value.error_code == tf.errors.NOT_FOUND
