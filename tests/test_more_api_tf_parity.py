"""TF 2.21 parity of the names in tapegrad/_more_api.py (session 25).

Expected values were printed by TF 2.21 (tensorflow-cpu) with the script kept at
/work/notes/helper_s25_more_api_gen.py and are hard-coded here; gradients are also checked
against central differences."""
import numpy as np
import pytest

import tapegrad as tf


def _numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


def _grad(f, x):
    v = tf.Variable(x)
    with tf.GradientTape() as t:
        y = f(v)
    return t.gradient(y, v).numpy()


# ---- graph-only names ------------------------------------------------------------------------

@pytest.mark.parametrize("fn", ["gradients", "hessians"])
def test_gradients_hessians_raise_tf_runtime_error(fn):
    with pytest.raises(RuntimeError, match=r"^tf.gradients is not supported when eager execution "
                                           r"is enabled. Use tf.GradientTape instead.$"):
        getattr(tf, fn)(tf.constant(1.0), tf.constant(1.0))


# ---- sqrtm -----------------------------------------------------------------------------------

A = np.array([[4., 1.], [2., 3.]])
W = np.array([[1., 2.], [3., 4.]])
S = np.array([[5., 1., 0.5], [1., 4., -1.], [0.5, -1., 3.]])


def test_sqrtm_is_matrix_square_root():
    assert tf.linalg.sqrtm is tf.matrix_square_root


def test_sqrtm_values_tf():
    np.testing.assert_allclose(tf.linalg.sqrtm(A).numpy(),
                               [[1.962116505790891, 0.273951471708898],
                                [0.5479029434177962, 1.6881650340819927]], rtol=1e-13)
    # complex eigenvalue pair, real principal root
    np.testing.assert_allclose(tf.linalg.sqrtm(np.array([[2., -3.], [1., 1.]])).numpy(),
                               [[1.5496746833096275, -1.0974857048145925],
                                [0.3658285682715309, 1.1838461150380968]], rtol=1e-13)
    # defective (Jordan block)
    np.testing.assert_allclose(tf.linalg.sqrtm(np.array([[4., 1.], [0., 4.]])).numpy(),
                               [[2.0, 0.25], [0.0, 2.0]], atol=1e-14)
    r = tf.linalg.sqrtm(S.astype(np.float32))
    assert r.dtype == tf.float32 and r.shape == (3, 3)
    np.testing.assert_allclose(r.numpy(), [[2.217395544052124, 0.2489752173423767, 0.1454983651638031],
                                           [0.24897527694702148, 1.964216947555542, -0.2825930118560791],
                                           [0.1454983353614807, -0.28259289264678955, 1.7026362419128418]],
                               atol=2e-6)


def test_sqrtm_squares_back_batched():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4, 4)) * 0.3 + 2 * np.eye(4)
    r = tf.linalg.sqrtm(x).numpy()
    assert r.shape == (2, 3, 4, 4)
    np.testing.assert_allclose(r @ r, x, atol=1e-12)


def test_sqrtm_negative_real_eigenvalue_is_all_nan_as_tf():
    r = tf.linalg.sqrtm(np.array([[1., 2.], [3., 4.]])).numpy()
    assert np.isnan(r).all()
    r = tf.linalg.sqrtm(np.array([[-1., 0.], [0., 4.]])).numpy()
    assert np.isnan(r).all()


def test_sqrtm_empty_and_errors():
    assert tf.linalg.sqrtm(np.ones((3, 0, 0))).shape == (3, 0, 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be square"):
        tf.linalg.sqrtm(np.ones((2, 3)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="rank >= 2"):
        tf.linalg.sqrtm(np.ones(3))
    with pytest.raises(tf.errors.InvalidArgumentError, match="attr 'T' of int32"):
        tf.linalg.sqrtm(np.ones((2, 2), np.int32))


def test_sqrtm_gradient_tf_and_numeric():
    g = _grad(lambda v: tf.reduce_sum(tf.linalg.sqrtm(v) * W), A)
    tf_g = [[0.1261682548238579, 0.37358575357129764], [0.7346958202034454, 1.0351812648738021]]
    np.testing.assert_allclose(g, tf_g, rtol=1e-12)
    num = _numeric_grad(lambda a: float(np.sum(tf.linalg.sqrtm(a).numpy() * W)), A)
    np.testing.assert_allclose(g, num, atol=1e-7)


def test_sqrtm_gradient_nonsymmetric_batched_numeric():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 3)) * 0.4 + 2 * np.eye(3)
    w = rng.standard_normal((2, 3, 3))
    g = _grad(lambda v: tf.reduce_sum(tf.linalg.sqrtm(v) * w), x)
    num = _numeric_grad(lambda a: float(np.sum(tf.linalg.sqrtm(a).numpy() * w)), x)
    np.testing.assert_allclose(g, num, atol=1e-7)


def test_sqrtm_second_order_tf():
    x = tf.Variable(S)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            loss = tf.reduce_sum(tf.linalg.sqrtm(x) * np.arange(9.).reshape(3, 3))
        g = t1.gradient(loss, x)
        gg = tf.reduce_sum(g * g)
    np.testing.assert_allclose(g.numpy(), [
        [-0.10029581185786986, 0.12023779132986612, 0.32443167127602546],
        [0.6854226641825507, 1.2344290180901811, 1.608762440182219],
        [1.3539487835761927, 2.1067122240981027, 2.5859196373938387]], rtol=1e-10)
    np.testing.assert_allclose(t2.gradient(gg, x).numpy(), [
        [-0.16839185175248672, -0.24576078221466277, -0.3017392091374],
        [-0.33171079289995364, -2.074007354690492, -3.0226696537645603],
        [-0.39968975082298513, -3.0999857596011426, -4.57546095313458]], rtol=1e-9)


def test_sqrtm_float32_gradient_close_to_float64():
    g32 = _grad(lambda v: tf.reduce_sum(tf.linalg.sqrtm(v) * W.astype(np.float32)), A.astype(np.float32))
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, [[0.1261682548238579, 0.37358575357129764],
                                     [0.7346958202034454, 1.0351812648738021]], rtol=1e-5)


# ---- extract_volume_patches ------------------------------------------------------------------

X = np.arange(2 * 4 * 5 * 6 * 3, dtype=np.float32).reshape(2, 4, 5, 6, 3)
EVP_CASES = [
    ([1, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID", (2, 3, 4, 5, 24), 1035360.0, 488367840.0,
     [606, 607, 608, 609, 610, 611, 624, 625, 626, 627, 628, 629], 2070720.0, 10117847040.0),
    ([1, 2, 3, 2, 1], [1, 2, 2, 3, 1], "SAME", (2, 2, 3, 2, 36), 240576.0, 115091824.0,
     [603, 604, 605, 606, 607, 608, 621, 622, 623, 624, 625, 626], 481152.0, 723078848.0),
    ([1, 1, 2, 1, 1], [1, 3, 3, 4, 1], "SAME", (2, 2, 2, 2, 6), 34368.0, 17245024.0,
     [696, 697, 698, 714, 715, 716], 68736.0, 68980096.0),
]


@pytest.mark.parametrize("ks,st,pad,shape,s1,s2,tail,g1,g2", EVP_CASES)
def test_extract_volume_patches_tf(ks, st, pad, shape, s1, s2, tail, g1, g2):
    r = tf.extract_volume_patches(X, ks, st, pad)
    assert r.shape == shape and r.dtype == tf.float32
    rv = r.numpy().astype(np.float64)
    # (TF's sums of squares were float32 reductions: close, not exact)
    assert rv.sum() == s1 and np.isclose((rv * rv).sum(), s2, rtol=1e-6)
    assert rv[1, -1, -1, -1, :12].tolist() == tail
    g = _grad(lambda v: tf.reduce_sum(tf.extract_volume_patches(v, ks, st, pad) ** 2), X).astype(np.float64)
    assert g.sum() == g1 and np.isclose((g * g).sum(), g2, rtol=1e-6)


@pytest.mark.parametrize("n,expected", [(5, [1, 2, 5, 0]), (6, [1, 2, 5, 6]), (7, [1, 2, 5, 6]),
                                        (8, [2, 3, 6, 7])])
def test_extract_volume_patches_same_window_offset_tf(n, expected):
    # TF's SAME padding before is ((out-1)*s + k - n) / 2 rounded toward zero: negative (the
    # windows start inside the input) when they span less than it
    x = np.arange(1, n + 1, dtype=np.float32).reshape(1, n, 1, 1, 1)
    r = tf.extract_volume_patches(x, [1, 2, 1, 1, 1], [1, 4, 1, 1, 1], "SAME")
    assert r.numpy().ravel().tolist() == expected


def test_extract_volume_patches_gradient_numeric():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 3, 4, 3, 2))
    w = rng.standard_normal((1, 2, 2, 1, 2 * 3 * 1 * 2))
    f = lambda v: tf.reduce_sum(tf.extract_volume_patches(v, [1, 2, 3, 1, 1], [1, 2, 2, 3, 1], "SAME") * w)  # noqa: E731
    np.testing.assert_allclose(_grad(f, x), _numeric_grad(lambda a: float(f(a)), x), atol=1e-8)


def test_extract_volume_patches_dtypes_and_errors():
    xi = np.arange(2 * 3 * 3 * 3).reshape(1, 2, 3, 3, 3)
    for dt in (np.int32, np.int64):
        r = tf.extract_volume_patches(xi.astype(dt), [1, 1, 2, 2, 1], [1, 1, 1, 1, 1], "VALID")
        assert r.dtype == tf.as_dtype(dt) and r.shape == (1, 2, 2, 2, 12)
        assert r.numpy()[0, 0, 0, 0].tolist() == [0, 1, 2, 3, 4, 5, 9, 10, 11, 12, 13, 14]
    assert tf.extract_volume_patches(np.zeros((1, 0, 3, 3, 1), np.float32), [1, 1, 1, 1, 1],
                                     [1, 1, 1, 1, 1], "VALID").shape == (1, 0, 3, 3, 1)
    E = tf.errors
    cases = [
        (([1, 2, 2, 2], [1, 1, 1, 1, 1], "VALID"), E.InvalidArgumentError, "must be at least minimum 5"),
        (([2, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID"), E.UnimplementedError, "Only support ksizes across space"),
        (([1, 2, 2, 2, 1], [2, 1, 1, 1, 1], "VALID"), E.UnimplementedError, "Only support strides across space"),
        (([1, 2, 2, 2, 1], [1, 1, 1, 1, 1], "FOO"), E.InvalidArgumentError, "padding"),
        (([1, 9, 2, 2, 1], [1, 1, 1, 1, 1], "VALID"), E.InvalidArgumentError,
         r"Computed output size would be negative: -4 \[input_size: 4, effective_filter_size: 9, stride: 1\]"),
        (([1, 2, 2, 2, 1], [1, 0, 1, 1, 1], "VALID"), E.OutOfRangeError, "strides is out of range"),
        (([1, 0, 2, 2, 1], [1, 1, 1, 1, 1], "VALID"), E.OutOfRangeError, "ksizes is out of range"),
    ]
    for args, cls, msg in cases:
        with pytest.raises(cls, match=msg):
            tf.extract_volume_patches(X, *args)
    with pytest.raises(E.InvalidArgumentError, match="5-dimensional"):
        tf.extract_volume_patches(X[0], [1, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID")
    with pytest.raises(E.InvalidArgumentError, match="bool"):
        tf.extract_volume_patches(X > 3, [1, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID")


# ---- required_space_to_batch_paddings, with_space_to_batch ------------------------------------

def test_required_space_to_batch_paddings_tf():
    p, c = tf.required_space_to_batch_paddings([5, 7], [2, 3], [[1, 0], [2, 2]])
    assert p.dtype == tf.int32 and c.dtype == tf.int32
    assert p.numpy().tolist() == [[1, 0], [2, 3]] and c.numpy().tolist() == [[0, 0], [0, 1]]
    p, c = tf.required_space_to_batch_paddings(np.array([5, 7], np.int64), [2, 3])
    assert p.dtype == tf.int32 and p.numpy().tolist() == [[0, 1], [0, 2]] == c.numpy().tolist()
    p, c = tf.required_space_to_batch_paddings([], [])
    assert p.shape == (0, 2) and c.shape == (0, 2)
    with pytest.raises(ValueError, match=r"Shapes \(2,\) and \[1\] are incompatible"):
        tf.required_space_to_batch_paddings([5, 7], [2])
    with pytest.raises(ValueError, match=r"Shapes \(1, 2\) and \[2, 2\] are incompatible"):
        tf.required_space_to_batch_paddings([5, 7], [2, 3], [[1, 0]])
    with pytest.raises(TypeError, match="Cannot convert"):
        tf.required_space_to_batch_paddings([5., 7.], [2, 3])


def test_with_space_to_batch_tf_values_and_gradient():
    x = np.arange(2 * 7 * 9 * 3, dtype=np.float32).reshape(2, 7, 9, 3) / 100
    f = np.arange(3 * 2 * 3 * 4, dtype=np.float32).reshape(3, 2, 3, 4) / 50 - 0.7
    calls = []

    def op(inp, n, p):
        calls.append((tuple(inp.shape), n, p))
        return tf.nn.convolution(inp, f, padding=p)
    xv = tf.Variable(x)
    with tf.GradientTape() as t:
        r = tf.nn.with_space_to_batch(xv, [2, 3], "SAME", op, filter_shape=[3, 2])
        loss = tf.reduce_sum(r * r)
    g = t.gradient(loss, xv).numpy()
    assert calls == [((12, 6, 4, 3), 2, "VALID")]  # TF's: H 7 + 2 + 2 + 1, W 9 + 1 + 2
    assert r.shape == (2, 7, 9, 4)
    np.testing.assert_allclose(float(tf.reduce_sum(r)), 509.4205017089844, rtol=1e-5)
    np.testing.assert_allclose(float(loss), 10639.849609375, rtol=1e-5)
    np.testing.assert_allclose(r.numpy()[1, 3, 4], [2.1930007934570312, 3.21720027923584,
                                                   4.241400718688965, 5.265600681304932], rtol=1e-5)
    np.testing.assert_allclose(g.sum(), 7501.28515625, rtol=1e-5)
    np.testing.assert_allclose(g[0, 2, 2], [-22.81747055053711, -13.15526294708252,
                                            -3.4930553436279297], rtol=1e-4)
    # the same as a dilated convolution
    np.testing.assert_allclose(r.numpy(), tf.nn.convolution(x, f, padding="SAME",
                                                           dilations=[2, 3]).numpy(), atol=1e-5)


def test_with_space_to_batch_rates_one_spatial_dims_nchw():
    x = np.arange(2 * 6 * 5 * 4, dtype=np.float32).reshape(2, 6, 5, 4)
    seen = []
    op = lambda i, n, p: (seen.append((tuple(i.shape), n, p)), i * 2)[1]  # noqa: E731
    r = tf.nn.with_space_to_batch(x, [1, 1], "SAME", op)
    assert seen[-1] == ((2, 6, 5, 4), 2, "SAME") and np.array_equal(r.numpy(), 2 * x)
    r = tf.nn.with_space_to_batch(x, [2], "VALID", op, spatial_dims=[2])
    assert seen[-1] == ((4, 6, 3, 4), 1, "VALID") and np.array_equal(r.numpy(), 2 * x)
    r = tf.nn.with_space_to_batch(x, [2, 3], "VALID", op, spatial_dims=[1, 3])
    assert seen[-1] == ((12, 3, 5, 2), 2, "VALID") and np.array_equal(r.numpy(), 2 * x)
    # SAME pads by the dilated filter's extent, which this op does not remove (TF's shapes)
    r = tf.nn.with_space_to_batch(x, [2, 2], "SAME", op, data_format="NCHW", filter_shape=[3, 3])
    assert seen[-1] == ((8, 6, 5, 4), 2, "VALID") and r.shape == (2, 6, 9, 8)
    rv = r.numpy()
    assert float(np.sum(rv * np.arange(rv.size).reshape(rv.shape))) == 33018960.0
    assert rv[0, 0, :2, :3].tolist() == [[0.0] * 3] * 2


@pytest.mark.parametrize("kw,msg", [
    (dict(dilation_rate=[2, 2], padding="FOO"), "`padding` must be one of 'SAME' or 'VALID'"),
    (dict(dilation_rate=[0, 2], padding="SAME"), "`dilation_rate` must be positive"),
    (dict(dilation_rate=[[2, 2]], padding="SAME"), "`dilation_rate.shape.rank` must be 1"),
    (dict(dilation_rate=[2, 2], padding="SAME", spatial_dims=[2, 1]), "monotonically increasing"),
    (dict(dilation_rate=[2, 2], padding="SAME", spatial_dims=[0, 1]), "monotonically increasing"),
    (dict(dilation_rate=[2, 2, 2, 2], padding="VALID"), "`input.shape.rank` must be at least 5"),
    (dict(dilation_rate=[2, 2], padding="SAME"), "`filter_shape` must be specified"),
    (dict(dilation_rate=[2, 2], padding="EXPLICIT"), "'EXPLICIT' is not a valid value"),
    (dict(dilation_rate=[2, 2], padding=[[0, 0], [1, 2], [3, 1]]), "it must be of size 4"),
])
def test_with_space_to_batch_errors_tf(kw, msg):
    with pytest.raises(ValueError, match=msg):
        tf.nn.with_space_to_batch(np.zeros((2, 7, 9, 3), np.float32), op=lambda i, n, p: i, **kw)


# ---- small names -----------------------------------------------------------------------------

def test_variable_aggregation_synchronization_enums_tf():
    assert [(e.name, e.value) for e in tf.VariableAggregation] == \
        [("NONE", 0), ("SUM", 1), ("MEAN", 2), ("ONLY_FIRST_REPLICA", 3)]
    assert [(e.name, e.value) for e in tf.VariableSynchronization] == \
        [("AUTO", 0), ("NONE", 1), ("ON_WRITE", 2), ("ON_READ", 3)]
    assert tf.VariableAggregation.__name__ == "VariableAggregationV2"
    assert tf.VariableAggregation.SUM != 1 and hash(tf.VariableAggregation.SUM) == hash(1)


def test_variable_accepts_aggregation_synchronization_tf():
    v = tf.Variable(1., aggregation=tf.VariableAggregation.MEAN,
                    synchronization=tf.VariableSynchronization.ON_READ)
    assert v.aggregation is tf.VariableAggregation.MEAN
    assert v.synchronization is tf.VariableSynchronization.ON_READ
    assert v.trainable is False  # ON_READ: not trainable by default, as TF
    v = tf.Variable(1., synchronization=tf.VariableSynchronization.ON_READ, trainable=True)
    assert v.trainable is True
    v = tf.Variable(1.)
    assert v.aggregation is tf.VariableAggregation.NONE
    assert v.synchronization is tf.VariableSynchronization.AUTO and v.trainable is True
    v = tf.Variable(1., aggregation=1, synchronization=1)
    assert v.aggregation is tf.VariableAggregation.SUM and v.synchronization is tf.VariableSynchronization.NONE
    with pytest.raises(ValueError, match="Invalid variable aggregation mode: sum for variable: None"):
        tf.Variable(1., aggregation="sum")
    with pytest.raises(ValueError, match="Invalid variable synchronization mode: auto"):
        tf.Variable(1., synchronization="auto")
    c = tf.Variable(2., constraint=lambda t: t, aggregation=tf.VariableAggregation.SUM)
    assert c.constraint is not None and c.aggregation is tf.VariableAggregation.SUM


def test_no_gradient_tf():
    assert tf.no_gradient("TapegradTestOpNoGrad") is None
    with pytest.raises(KeyError, match="Registering two gradient with name 'TapegradTestOpNoGrad'"):
        tf.no_gradient("TapegradTestOpNoGrad")
    for bad in (None, 3):
        with pytest.raises(TypeError, match="op_type must be a string"):
            tf.no_gradient(bad)


def test_small_eager_names_tf():
    assert tf.inside_function() is False
    assert tf.is_symbolic_tensor(tf.constant(1)) is False and tf.is_symbolic_tensor(1) is False
    assert tf.get_current_name_scope() == ""
    with tf.name_scope("a"):
        with tf.name_scope("b"):
            assert tf.get_current_name_scope() == "a/b"
    r = tf.guarantee_const(tf.constant([1, 2]))
    assert r.dtype == tf.int32 and r.numpy().tolist() == [1, 2]
