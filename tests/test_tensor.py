"""Tensor and Variable: creation, dtypes, the Python/numpy protocol, operators, errors."""

import math

import numpy as np
import pytest

import tapegrad as tf


# -- creation and dtypes ----------------------------------------------------------------------
def test_python_floats_are_float32_and_ints_int32():
    assert tf.constant(5.0).dtype == tf.float32
    assert tf.constant(5).dtype == tf.int32  # as TF
    assert tf.constant([[1, 2], [3.5, 4]]).dtype == tf.float32
    assert tf.constant([[1, 2], [3.5, 4]]).shape == (2, 2)


def test_numpy_dtypes_kept():
    assert tf.constant(np.ones(3)).dtype == tf.float64
    assert tf.constant(np.ones(3, np.float32)).dtype == tf.float32
    assert tf.constant(np.float64(2.0)).dtype == tf.float64


@pytest.mark.parametrize("name", ["float32", "float64"])
@pytest.mark.parametrize("form", [lambda n: getattr(tf, n), str, lambda n: getattr(np, n), np.dtype,
                                  lambda n: np.dtype(n).newbyteorder(), lambda n: np.dtype(n).type],
                         ids=["tapegrad", "str", "numpy-type", "numpy-dtype", "swapped", "dtype.type"])
def test_dtype_argument_forms(name, form):
    t = tf.constant([1.0, 2.0], dtype=form(name))
    assert t.dtype == getattr(tf, name) and t.dtype.name == name
    assert t.dtype == name and t.dtype == getattr(np, name)
    assert tf.zeros((2,), dtype=form(name)).dtype == getattr(tf, name)


def test_constant_copies_any_strides_once():
    a = np.arange(24, dtype=np.float64).reshape(4, 6)[::2, 1::2]  # non-contiguous view
    t = tf.constant(a)
    np.testing.assert_array_equal(t.numpy(), a)
    f = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(tf.constant(f).numpy(), f)
    src = np.ones(3)
    t = tf.constant(src)
    src[0] = 7
    assert t.numpy()[0] == 1.0  # copied


@pytest.mark.parametrize("make", [
    lambda x: x,                                   # native, C-contiguous: one memcpy
    lambda x: x.astype(x.dtype.newbyteorder()),    # byte-swapped: numpy converts
    lambda x: x[:, ::-1],                          # negative strides
    lambda x: np.ma.masked_array(x),               # an ndarray subclass
    lambda x: x.reshape(-1)[1:].reshape(-1)[:5],   # offset into a buffer
    lambda x: x[1, 2],                             # a 0-d numpy scalar
], ids=["native", "byteswapped", "reversed", "subclass", "offset", "scalar"])
@pytest.mark.parametrize("dt", [np.float32, np.float64])
def test_constant_from_numpy_layouts(make, dt):
    src = make(np.arange(12, dtype=dt).reshape(3, 4) * dt(0.5) - dt(1.25))
    want = np.asarray(src).astype(dt)
    t = tf.constant(src)
    assert t.dtype == dt and t.shape == want.shape
    np.testing.assert_array_equal(t.numpy(), want)
    other = np.float64 if dt == np.float32 else np.float32  # an explicit dtype casts
    np.testing.assert_array_equal(tf.constant(src, dtype=other).numpy(), want.astype(other))


def test_integer_and_bool_arrays_keep_their_kind():
    # numpy's integer arrays stay integers, Python ints are int32 (both as TF).
    assert tf.constant(np.arange(3)).dtype == tf.int64
    assert tf.constant(np.arange(3, dtype=np.int32)).dtype == tf.int32
    assert tf.constant(np.arange(3, dtype=np.uint8)).dtype == tf.uint8
    assert tf.constant(np.arange(3, dtype=np.uint32)).dtype == tf.int64
    assert tf.constant(np.array([True, False])).dtype == tf.bool
    assert tf.constant(True).dtype == tf.bool and bool(tf.constant(True))
    assert tf.constant([1, 2]).dtype == tf.int32
    assert tf.constant(3, dtype=tf.int64).dtype == tf.int64 and int(tf.constant(3, dtype=tf.int64)) == 3
    t = tf.constant(np.arange(3), dtype=tf.float32)
    np.testing.assert_array_equal(t.numpy(), [0, 1, 2])
    big = np.array([2**62 + 1])
    assert int(tf.constant(big)[0]) == 2**62 + 1  # exact, not through a double
    np.testing.assert_array_equal(tf.constant(np.array([[1, -2]]), dtype="int32").numpy(), [[1, -2]])


@pytest.mark.parametrize("bad", [np.array([1 + 2j]), np.array(["a"]), "abc", np.ones(2, np.float16),
                                 np.arange(2, dtype=np.uint64)])
def test_unsupported_dtypes_rejected(bad):
    with pytest.raises(TypeError):
        tf.constant(bad)


def test_none_and_ragged_rejected():
    with pytest.raises(ValueError, match="NoneType"):
        tf.constant(None)
    with pytest.raises(ValueError, match="non-rectangular"):
        tf.constant([[1.0, 2.0], [3.0]])


def test_zeros_ones_fill_like():
    assert tf.zeros((2, 3)).shape == (2, 3) and float(tf.reduce_sum(tf.ones((2, 3)))) == 6.0
    assert tf.zeros(3, dtype=tf.float64).dtype == tf.float64
    f = tf.fill((2, 2), 7.0)
    np.testing.assert_array_equal(f.numpy(), np.full((2, 2), 7.0))
    x = tf.constant(np.ones((2, 1)))
    assert tf.zeros_like(x).dtype == tf.float64 and tf.ones_like(x).shape == (2, 1)
    with pytest.raises(ValueError):
        tf.zeros((-1, 2))


def test_convert_to_tensor_passes_tensors_through():
    t = tf.constant(1.0)
    assert tf.convert_to_tensor(t) is t
    assert tf.convert_to_tensor([1.0, 2.0]).shape == (2,)


def test_huge_shape_is_a_clean_error():
    with pytest.raises((ValueError, MemoryError)):
        tf.zeros((2**40, 2**40))
    with pytest.raises(MemoryError):
        tf.zeros((2**40,))


# -- protocol ----------------------------------------------------------------------------------
def test_attributes():
    t = tf.constant(np.zeros((2, 3, 4), np.float32))
    assert t.shape == (2, 3, 4) and isinstance(t.shape, tuple)
    assert t.shape.as_list() == [2, 3, 4] and t.shape.rank == 3
    assert t.ndim == 3 and t.size == 24 and len(t) == 2


def test_numpy_is_a_readonly_view_without_copy():
    t = tf.constant(np.arange(4.0))
    a = t.numpy()
    assert not a.flags.writeable
    assert a.ctypes.data == t.numpy().ctypes.data  # same memory both times
    with pytest.raises(ValueError):
        a[0] = 1.0
    del t
    np.testing.assert_array_equal(a, [0, 1, 2, 3])  # the view keeps the buffer alive


def test_array_protocol():
    t = tf.constant([1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(t), [1.0, 2.0])
    assert np.asarray(t, dtype=np.float64).dtype == np.float64


def test_scalar_conversions():
    t = tf.constant(2.5)
    assert float(t) == 2.5 and int(t) == 2 and bool(t) is True and not bool(tf.constant(0.0))
    with pytest.raises(TypeError):
        float(tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="ambiguous"):
        bool(tf.constant([1.0, 2.0]))
    with pytest.raises(TypeError, match="len"):
        len(tf.constant(1.0))


def test_repr_and_str_like_tf():
    assert repr(tf.constant(10.0)) == "<tapegrad.Tensor: shape=(), dtype=float32, numpy=10.0>"
    assert str(tf.constant(10.0)) == "tapegrad.Tensor(10.0, shape=(), dtype=float32)"
    r = repr(tf.constant([1.0, 2.0]))
    assert r == "<tapegrad.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>"
    assert f"{tf.constant(0.5):.2f}" == "0.50"


def test_indexing():
    a = np.arange(24.0).reshape(2, 3, 4)
    t = tf.constant(a)
    for key in [0, -1, (1, 2), (slice(None), 1), (Ellipsis, 2), (0, slice(1, 3)), (None, 0),
                (slice(1, None), Ellipsis, slice(0, 2))]:
        np.testing.assert_array_equal(t[key].numpy(), a[key], err_msg=str(key))
    with pytest.raises(IndexError):
        t[2]
    assert [float(r) for r in tf.constant([1.0, 2.0])] == [1.0, 2.0]


def test_indexing_is_differentiable():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x[1] * x[2]
    np.testing.assert_array_equal(t.gradient(y, x).numpy(), [0.0, 3.0, 2.0])


# -- operators ---------------------------------------------------------------------------------
def test_operators_and_reflected_forms():
    a = tf.constant([1.0, 2.0])
    na = np.array([1.0, 2.0], np.float32)
    cases = [
        (a + 1, na + 1), (1 + a, 1 + na), (a - 1, na - 1), (1 - a, 1 - na), (a * 3, na * 3),
        (3 * a, 3 * na), (a / 2, na / 2), (2 / a, 2 / na), (a ** 2, na ** 2), (2 ** a, 2 ** na),
        (-a, -na), (abs(-a), na),
    ]
    for got, want in cases:
        assert got.dtype == tf.float32
        np.testing.assert_allclose(got.numpy(), want)


def test_operators_defer_to_a_foreign_operands_reflected_method():
    # As TF's binary_op_wrapper: an operand that does not convert but whose type has the
    # reflected method gets it (tensor + RaggedTensor, user classes); others keep the error.
    seen = []

    class Foreign:
        def __radd__(self, other):
            seen.append(("radd", other))
            return "radd"

        def __rmatmul__(self, other):
            return "rmatmul"

        def __rpow__(self, other):
            return "rpow"

    a, f = tf.constant([1.0, 2.0]), Foreign()
    assert a + f == "radd" and seen[0][0] == "radd" and seen[0][1] is a
    assert tf.Variable([1.0]) + f == "radd"
    assert a @ f == "rmatmul" and a ** f == "rpow"
    with pytest.raises(ValueError, match="subtract: attempt to convert"):  # no __rsub__
        a - f
    with pytest.raises(ValueError, match="add: attempt to convert a value .* unsupported type"):
        a + object()
    with pytest.raises(ValueError, match="non-rectangular"):
        a + [[1.0, 2.0], [3.0]]  # a list keeps the conversion's message
    with pytest.raises(TypeError, match="float32 .* float64"):
        a + tf.constant(np.ones(2))  # tensors never defer
    rt = tf.ragged.constant([[1.0, 2.0], [3.0]])
    assert (tf.constant(1.0) + rt).to_list() == [[2.0, 3.0], [4.0]]
    assert (tf.constant(2.0) * rt).to_list() == [[2.0, 4.0], [6.0]]


def test_numpy_arrays_on_either_side():
    a = tf.constant([1.0, 2.0])
    r = np.array([10.0, 20.0]) + a  # numpy defers to our __radd__
    assert isinstance(r, tf.Tensor) and r.dtype == tf.float32
    np.testing.assert_allclose(r.numpy(), [11.0, 22.0])
    m = tf.constant(np.eye(2, dtype=np.float32))
    np.testing.assert_allclose((np.ones((1, 2), np.float32) @ m).numpy(), [[1.0, 1.0]])
    np.testing.assert_allclose((m @ np.ones((2, 1))).numpy(), [[1.0], [1.0]])


def test_python_scalar_takes_tensor_dtype():
    assert (tf.constant(np.ones(2)) * 2.0).dtype == tf.float64
    assert (2.0 * tf.constant(np.ones(2, np.float32))).dtype == tf.float32


def test_float32_float64_mix_is_type_error():
    a, b = tf.constant([1.0]), tf.constant(np.array([1.0]))
    for f, name in [(lambda: a + b, "add"), (lambda: a * b, "multiply"),
                    (lambda: tf.matmul(tf.reshape(a, (1, 1)), tf.reshape(b, (1, 1))), "matmul")]:
        with pytest.raises(TypeError) as e:
            f()
        msg = str(e.value)
        assert "float32" in msg and "float64" in msg and name in msg


def test_broadcast_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError) as e:
        tf.constant(np.ones((2, 3))) + tf.constant(np.ones(4))
    assert "add" in str(e.value) and "(2, 3)" in str(e.value) and "(4,)" in str(e.value)
    assert isinstance(e.value, tf.errors.InvalidArgumentError)


def test_matmul_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError) as e:
        tf.matmul(tf.ones((2, 3)), tf.ones((4, 5)))
    assert "matmul" in str(e.value) and "(2, 3)" in str(e.value) and "(4, 5)" in str(e.value)


# -- Variable ----------------------------------------------------------------------------------
def test_variable_basics_and_repr():
    v = tf.Variable([1.0, 2.0], name="w")
    assert v.name == "w:0" and v.trainable and v.shape == (2,) and v.dtype == tf.float32
    assert repr(v) == ("<tapegrad.Variable 'w:0' shape=(2,) dtype=float32, "
                       "numpy=array([1., 2.], dtype=float32)>")
    assert tf.Variable(1.0).name == "Variable:0"
    assert tf.Variable(np.ones(2), dtype=tf.float32).dtype == tf.float32


def test_variable_reads_as_tensor_in_ops():
    v = tf.Variable([1.0, 2.0])
    np.testing.assert_allclose((v * 2).numpy(), [2.0, 4.0])
    np.testing.assert_allclose(tf.exp(v).numpy(), np.exp([1.0, 2.0]), rtol=1e-6)
    np.testing.assert_allclose((3 - v).numpy(), [2.0, 1.0])


def test_variable_assign_in_place_and_checks():
    v = tf.Variable([1.0, 2.0])
    sid = v._storage_id()
    assert v.assign_sub([0.5, 0.5]) is v
    v.assign_add(tf.constant([1.0, 1.0]))
    np.testing.assert_allclose(v.numpy(), [1.5, 2.5])
    assert v._storage_id() == sid  # updated in place: nobody else held the buffer
    v.assign([7.0, 8.0])
    np.testing.assert_allclose(v.numpy(), [7.0, 8.0])
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        v.assign_sub([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="float64"):
        v.assign(tf.constant(np.ones(2)))
    np.testing.assert_allclose(v.numpy(), [7.0, 8.0])  # failed updates left it unchanged


def test_variable_updates_never_change_tensors_users_hold():
    v = tf.Variable([1.0, 2.0])
    snapshot = v.read_value()
    view = snapshot.numpy()
    init = tf.constant([5.0, 5.0])
    w = tf.Variable(init)
    v.assign_sub([1.0, 1.0])
    w.assign_add([1.0, 1.0])
    np.testing.assert_allclose(snapshot.numpy(), [1.0, 2.0])
    np.testing.assert_allclose(view, [1.0, 2.0])
    np.testing.assert_allclose(init.numpy(), [5.0, 5.0])
    np.testing.assert_allclose(v.numpy(), [0.0, 1.0])
    np.testing.assert_allclose(w.numpy(), [6.0, 6.0])


def test_variable_update_keeps_saved_tensors_of_persistent_tape():
    v = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as t:
        y = v * v
    v.assign_sub(1.0)  # the tape saved the old value; it must still be 3
    assert float(t.gradient(y, v)) == 6.0


def test_variable_numpy_is_a_copy():
    v = tf.Variable([1.0])
    a = v.numpy()
    a[0] = 5.0
    assert float(v[0]) == 1.0


def test_nan_and_inf_propagate():
    x = tf.constant([np.nan, np.inf, -np.inf, 1.0])
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(tf.exp(x).numpy(), np.exp(x.numpy()), rtol=1e-6)
        np.testing.assert_array_equal((x * 0).numpy(), x.numpy() * 0)
    r = tf.nn.relu(x).numpy()
    assert math.isnan(r[0]) and r[1] == np.inf and r[2] == 0 and r[3] == 1


def test_unbound_methods_on_wrong_objects_raise_instead_of_crashing():
    v = tf.Variable([1.0])
    calls = [lambda: tf.Tensor.numpy(5), lambda: tf.Tensor.numpy(v),
             lambda: tf.Tensor.__float__(3), lambda: tf.Variable.assign(3, 1.0),
             lambda: tf.Tensor.shape.fget("x"), lambda: tf.Variable.__len__(np.ones(3)),
             lambda: tf.Tensor(), lambda: tf._core._Tape(True, True).watch(3)]
    for call in calls:
        with pytest.raises(TypeError):
            call()


def test_math_module_holds_the_math_ops_under_tf_math_names():
    names = ["add", "subtract", "multiply", "divide", "negative", "pow", "square", "sqrt", "exp",
             "log", "tanh", "sigmoid", "maximum", "minimum", "abs", "reduce_sum", "reduce_mean",
             "reduce_max", "reduce_min"]
    for name in names:
        assert getattr(tf.math, name) is getattr(tf, name), name
    x = tf.constant([1.0, 4.0])
    np.testing.assert_allclose(tf.math.log(x).numpy(), np.log([1.0, 4.0]), rtol=1e-6)
    np.testing.assert_allclose(tf.math.truediv(x, 2.0).numpy(), [0.5, 2.0])


def test_tensor_objects_free_their_value_and_support_weakrefs():
    # Note [Fast tensor objects]: op results bypass pybind11's instance registry; they must still
    # free their storage on release, clear weak references, and survive numpy views outliving them.
    import gc
    import weakref

    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    y = x * 2.0
    ref = weakref.ref(y)
    view = y.numpy()  # keeps y's object alive, as a numpy view keeps its base
    del y
    gc.collect()
    np.testing.assert_array_equal(view, np.arange(6, dtype=np.float32).reshape(2, 3) * 2)
    assert ref() is not None
    del view
    gc.collect()
    assert ref() is None
    ids = {(x + 1.0)._storage_id() for _ in range(3)}
    assert len(ids) <= 2  # freed storage is reused, not leaked
    # Two Python objects may share one immutable value (e.g. a gradient that is the seed itself).
    with tf.GradientTape() as t:
        t.watch(x)
        z = tf.identity(x)
    g = t.gradient(z, x)
    np.testing.assert_array_equal(g.numpy(), np.ones((2, 3), np.float32))
