"""TF-style error classes and codes, as ``tf.errors``.

Every class TF users catch is here, with TF's error codes (``tf.errors.INVALID_ARGUMENT == 3``
...) and TF's hierarchy: each ``*Error`` is an ``OpError``, whose ``message``, ``op``,
``node_def``, ``error_code`` and ``experimental_payloads`` are TF's. A class takes TF's
arguments ``(node_def, op, message, *args)`` (``OpError``: ``(node_def, op, message,
error_code, *args)``), or just ``(message)`` as tapegrad raises them.

Two classes keep the Python base tapegrad code and tests rely on, beside ``OpError``:
``InvalidArgumentError`` (raised by the C++ core) is also a ``ValueError``, and
``OutOfRangeError`` an ``IndexError``. ``IndexOutOfBoundsError`` (``x[i]`` past the end) is an
``InvalidArgumentError`` and an ``IndexError``. ``OperatorNotAllowedInGraphError`` is a
``TypeError``, as TF's.
"""

from ._core import InvalidArgumentError

__all__ = ["OpError", "CancelledError", "UnknownError", "InvalidArgumentError",
           "DeadlineExceededError", "NotFoundError", "AlreadyExistsError",
           "PermissionDeniedError", "ResourceExhaustedError", "FailedPreconditionError",
           "AbortedError", "OutOfRangeError", "UnimplementedError", "InternalError",
           "UnavailableError", "DataLossError", "UnauthenticatedError",
           "OperatorNotAllowedInGraphError",
           "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
           "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
           "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
           "UNAUTHENTICATED"]

# TF's error codes (tensorflow/core/protobuf/error_codes.proto), as tf.errors exports them.
OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16

_NO_VALUE = object()


class OpError(Exception):
    """The base of TF's op errors, as ``tf.errors.OpError``: ``OpError(node_def, op, message,
    error_code, *args)`` (``args[0]``, if given, the ``experimental_payloads`` dict), or
    ``OpError(message)`` (error code UNKNOWN). ``str(e)`` is the message. Eager ops have no
    ``op`` or ``node_def``: both None for the errors tapegrad raises."""

    def __init__(self, *args, **kwargs):
        names = ("node_def", "op", "message", "error_code", "payloads")
        if len(args) == 1 and not kwargs:  # tapegrad's form: the message alone
            fields = {"message": args[0]}
        else:
            if len(args) > len(names) or set(kwargs) - set(names[:4]):
                raise TypeError(f"{type(self).__name__}: expected (node_def, op, message, "
                                f"error_code, payloads) or (message), got {len(args)} positional "
                                f"argument(s) and {sorted(kwargs)}")
            fields = dict(zip(names, args))
            for k, v in kwargs.items():
                if k in fields:
                    raise TypeError(f"{type(self).__name__}: got multiple values for argument {k!r}")
                fields[k] = v
            missing = [k for k in names[:4] if k not in fields]
            if missing:
                raise TypeError(f"{type(self).__name__}: missing required argument(s) "
                                f"{', '.join(map(repr, missing))}")
        super().__init__(fields["message"])
        self._node_def = fields.get("node_def")
        self._op = fields.get("op")
        self._message = fields["message"]
        self._error_code = fields.get("error_code", _NO_VALUE)
        self._experimental_payloads = fields.get("payloads", _NO_VALUE)

    # The properties also serve instances made by a builtin __init__ (the C++ core's
    # InvalidArgumentError, OutOfRangeError('msg')): their fields come from ``args``, which
    # hold (message) or TF's (node_def, op, message, *rest).
    def _field(self, name, index):
        v = self.__dict__.get("_" + name, _NO_VALUE)
        if v is not _NO_VALUE:
            return v
        if len(self.args) >= 3:
            return self.args[index]
        return self.args[0] if name == "message" and self.args else None

    @property
    def message(self):
        """The error message."""
        m = self._field("message", 2)
        return "" if m is None else m

    @property
    def op(self):
        """The op that failed: None in eager execution (tapegrad's only mode)."""
        return self._field("op", 1)

    @property
    def node_def(self):
        """The NodeDef of the failed op: None in eager execution."""
        return self._field("node_def", 0)

    @property
    def error_code(self):
        """The integer error code (``tf.errors.INVALID_ARGUMENT`` ...)."""
        code = self.__dict__.get("_error_code", _NO_VALUE)
        if code is not _NO_VALUE:
            return code
        for cls in type(self).__mro__:
            if cls in _CODES:
                return _CODES[cls]
        return UNKNOWN

    @property
    def experimental_payloads(self):
        """The payloads dict given after the message (``{}`` if none)."""
        p = self.__dict__.get("_experimental_payloads", _NO_VALUE)
        if p is not _NO_VALUE:
            return p
        rest = self.args[3:] if len(self.args) >= 3 else ()
        return rest[0] if rest and isinstance(rest[0], dict) else {}

    def __str__(self):
        if "_message" not in self.__dict__ and len(self.args) < 3:
            return super().__str__()
        return str(self.message)

    def __reduce__(self):
        if "_message" not in self.__dict__:
            return type(self), tuple(self.args)
        args = (self._node_def, self._op, self._message)
        if type(self) is OpError:
            args += (self.error_code,)
        if self.experimental_payloads:
            args += (self.experimental_payloads,)
        return type(self), args


def _init_with_code(name, code):
    """The __init__ of a class with a fixed error code: TF's (node_def, op, message, *args)."""
    def __init__(self, *args, **kwargs):
        if len(args) == 1 and not kwargs:
            OpError.__init__(self, args[0])
            return
        names = ("node_def", "op", "message", "payloads")
        if len(args) > len(names) or set(kwargs) - set(names[:3]):
            raise TypeError(f"{name}: expected (node_def, op, message, payloads) or (message), "
                            f"got {len(args)} positional argument(s) and {sorted(kwargs)}")
        fields = dict(zip(names, args))
        fields.update(kwargs)
        missing = [k for k in names[:3] if k not in fields]
        if missing:
            raise TypeError(f"{name}: missing required argument(s) {', '.join(map(repr, missing))}")
        rest = (fields["payloads"],) if "payloads" in fields else ()
        OpError.__init__(self, fields["node_def"], fields["op"], fields["message"], code, *rest)

    __init__.__doc__ = f"{name}(node_def, op, message, payloads=None) or {name}(message)."
    return __init__


def _op_error(name, code, doc):
    cls = type(name, (OpError,), {"__init__": _init_with_code(name, code), "__doc__": doc,
                                  "__module__": __name__})
    _CODES[cls] = code
    return cls


_CODES = {}

CancelledError = _op_error("CancelledError", CANCELLED,
                           "An operation or step was cancelled, as ``tf.errors.CancelledError``.")
UnknownError = _op_error("UnknownError", UNKNOWN,
                         "An error of no other class, as ``tf.errors.UnknownError``.")
DeadlineExceededError = _op_error("DeadlineExceededError", DEADLINE_EXCEEDED,
                                  "A deadline expired before the operation could complete, as "
                                  "``tf.errors.DeadlineExceededError``.")
NotFoundError = _op_error("NotFoundError", NOT_FOUND,
                          "A requested entity (a file, a key) was not found, as "
                          "``tf.errors.NotFoundError``.")
AlreadyExistsError = _op_error("AlreadyExistsError", ALREADY_EXISTS,
                               "An entity to create already exists, as "
                               "``tf.errors.AlreadyExistsError``.")
PermissionDeniedError = _op_error("PermissionDeniedError", PERMISSION_DENIED,
                                  "The caller may not run the operation, as "
                                  "``tf.errors.PermissionDeniedError``.")
ResourceExhaustedError = _op_error("ResourceExhaustedError", RESOURCE_EXHAUSTED,
                                   "A resource (memory, a quota) ran out, as "
                                   "``tf.errors.ResourceExhaustedError``.")
FailedPreconditionError = _op_error("FailedPreconditionError", FAILED_PRECONDITION,
                                    "The system is not in a state the operation needs (an "
                                    "uninitialized variable), as "
                                    "``tf.errors.FailedPreconditionError``.")
AbortedError = _op_error("AbortedError", ABORTED,
                         "The operation was aborted (a concurrent action), as "
                         "``tf.errors.AbortedError``.")
UnimplementedError = _op_error("UnimplementedError", UNIMPLEMENTED,
                               "The operation is not implemented or supported, as "
                               "``tf.errors.UnimplementedError``.")
InternalError = _op_error("InternalError", INTERNAL,
                          "An internal invariant broke, as ``tf.errors.InternalError``.")
UnavailableError = _op_error("UnavailableError", UNAVAILABLE,
                             "The service is unavailable, as ``tf.errors.UnavailableError``.")
DataLossError = _op_error("DataLossError", DATA_LOSS,
                          "Unrecoverable data loss or corruption, as ``tf.errors.DataLossError``.")
UnauthenticatedError = _op_error("UnauthenticatedError", UNAUTHENTICATED,
                                 "The request lacks valid credentials, as "
                                 "``tf.errors.UnauthenticatedError``.")

# The C++ core's InvalidArgumentError (a ValueError) becomes an OpError too, in place: errors the
# core raises are then caught by ``except tf.errors.OpError``, as TF's. (A subclass would not
# do: ``except`` matches the class the core raises.)
if OpError not in InvalidArgumentError.__mro__:
    try:
        InvalidArgumentError.__bases__ = (ValueError, OpError)
    except TypeError:  # a core built so that its class cannot be rebased: it stays a ValueError
        pass
_CODES[InvalidArgumentError] = INVALID_ARGUMENT


class OutOfRangeError(IndexError, OpError):
    """TF's ``tf.errors.OutOfRangeError``: an index past the end of a sequence (a
    ``TensorArray`` read or write out of range, the end of a dataset iterator). An OpError,
    and also an IndexError."""

    __init__ = _init_with_code("OutOfRangeError", OUT_OF_RANGE)


_CODES[OutOfRangeError] = OUT_OF_RANGE


class IndexOutOfBoundsError(InvalidArgumentError, IndexError):
    """``x[i]`` with ``i`` past a dimension's end, or more indices than dimensions: TF raises
    InvalidArgumentError there; this is one, and also the IndexError Python code expects."""


class OperatorNotAllowedInGraphError(TypeError):
    """TF's ``tf.errors.OperatorNotAllowedInGraphError`` (a TypeError): a Python operation on
    a symbolic tensor inside a traced function. tapegrad runs ``tf.function`` eagerly and never
    raises it; it is here for code that catches it."""

