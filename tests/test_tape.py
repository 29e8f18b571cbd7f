"""GradientTape: TF's documented behaviours, one test each."""

import threading

import numpy as np
import pytest

import tapegrad as tf


def test_reenter_active_tape_raises():
    t = tf.GradientTape()
    with t:
        with pytest.raises(ValueError) as e:
            with t:
                pass
    assert str(e.value) == ("Tape is still recording, This can happen if you try to re-enter "
                            "an already-active tape.")


def test_reenter_after_exit_continues_recording():
    x = tf.constant(3.0)
    t = tf.GradientTape()
    with t:
        t.watch(x)
        y = x * x
    with t:
        z = y * x  # recorded: y is watched by t
    assert float(t.gradient(z, x)) == pytest.approx(27.0)


def test_ops_outside_context_are_not_recorded():
    x = tf.constant(3.0)
    t = tf.GradientTape()
    with t:
        t.watch(x)
    y = x * x
    assert t.gradient(y, x) is None


@pytest.mark.parametrize("bad, name", [
    (np.ones(3), "ndarray"), (3.0, "float"), ("x", "str"), (None, "NoneType"),
    ([tf.constant(1.0), np.float32(2.0)], "float32"),  # the offending element of a nest
])
def test_watch_rejects_non_tensors_naming_type(bad, name):
    with tf.GradientTape() as t:
        with pytest.raises(ValueError) as e:
            t.watch(bad)
    assert f"of type '{name}'" in str(e.value)


def test_watch_nests():
    a, b, c = tf.constant(1.0), tf.constant(2.0), tf.Variable(3.0)
    with tf.GradientTape(watch_accessed_variables=False) as t:
        t.watch({"a": a, "rest": [b, (c,)]})
        y = a * b * c
    ga, gb, gc = t.gradient(y, [a, b, c])
    assert (float(ga), float(gb), float(gc)) == (6.0, 3.0, 2.0)


def test_only_watched_inputs_are_recorded():
    x, w = tf.constant(2.0), tf.constant(4.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * w
        z = w * w
    assert float(t.gradient(y, x)) == 4.0
    assert t.gradient(y, w) is None
    assert t.gradient(z, x) is None


def test_trainable_variables_watched_automatically():
    v = tf.Variable(2.0)
    frozen = tf.Variable(5.0, trainable=False)
    with tf.GradientTape() as t:
        y = v * v * frozen
    assert t.watched_variables() == (v,)
    gv, gf = t.gradient(y, [v, frozen])
    assert float(gv) == 20.0 and gf is None


def test_watch_accessed_variables_false_needs_explicit_watch():
    v = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as t:
        y = v * v
    assert t.gradient(y, v) is None
    with tf.GradientTape(watch_accessed_variables=False) as t:
        t.watch(v)
        y = v * v
    assert float(t.gradient(y, v)) == 4.0


def test_variable_gradient_after_assign_sums_all_reads():
    v = tf.Variable(1.0)
    with tf.GradientTape() as t:
        a = v * 2.0
        v.assign(3.0)
        b = v * v
        y = a + b
    assert float(t.gradient(y, v)) == pytest.approx(2.0 + 6.0)


def test_multiple_and_nested_targets_sum():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y1 = x * x
        y2 = 3.0 * x
    g = t.gradient({"a": y1, "b": [y2]}, x)
    np.testing.assert_allclose(g.numpy(), 2 * np.array([1.0, 2.0]) + 3.0)


def test_output_gradients_give_vjp():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    g = t.gradient(y, x, output_gradients=tf.constant([1.0, 10.0, 100.0]))
    np.testing.assert_allclose(g.numpy(), [2.0, 40.0, 600.0])


def test_output_gradients_shape_checked():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        t.gradient(y, x, output_gradients=tf.constant([1.0, 1.0, 1.0]))


def test_result_has_structure_of_sources():
    a, b = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch([a, b])
        y = a * b
    g = t.gradient(y, {"x": a, "y": (b, a)})
    assert set(g) == {"x", "y"} and isinstance(g["y"], tuple)
    assert float(g["x"]) == 2.0 and float(g["y"][0]) == 1.0 and float(g["y"][1]) == 2.0


def test_duplicate_sources_each_get_gradient():
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    g1, g2 = t.gradient(y, [x, x])
    assert float(g1) == float(g2) == 6.0


def test_unconnected_gradients_none_and_zero():
    x, u = tf.constant([1.0, 2.0]), tf.constant([[5.0]])
    with tf.GradientTape(persistent=True) as t:
        t.watch([x, u])
        y = tf.reduce_sum(x * x)
    assert t.gradient(y, u) is None
    z = t.gradient(y, u, unconnected_gradients="zero")
    assert z.shape == (1, 1) and z.dtype == tf.float32 and float(z[0, 0]) == 0.0
    z2 = t.gradient(y, u, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert z2.shape == (1, 1)


def test_unknown_unconnected_gradients_value():
    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    with pytest.raises(ValueError) as e:
        t.gradient(y, x, unconnected_gradients="bogus")
    assert str(e.value) == "Unknown value for unconnected_gradients: 'bogus'"


def test_target_none_is_type_error():
    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
    with pytest.raises(TypeError, match="target.*tensor|Tensors"):
        t.gradient(None, x)


def test_gradient_has_source_shape_and_dtype():
    x = tf.constant(np.ones((2, 1)))  # float64
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(x * tf.constant(np.ones((2, 3))))
    g = t.gradient(y, x)
    assert g.shape == (2, 1) and g.dtype == tf.float64
    np.testing.assert_array_equal(g.numpy(), [[3.0], [3.0]])


def test_non_persistent_frees_saved_tensors():
    x = tf.constant(np.ones(1000, np.float32))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(tf.exp(x) * x)
    assert t._tape.num_entries > 0
    t.gradient(y, x)
    assert t._tape.num_entries == 0


def test_gradient_inside_non_persistent_context_stops_recording():
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
        g = t.gradient(y, x)
        n = t._tape.num_entries
        z = g * x  # not recorded any more
        assert t._tape.num_entries == n
    assert float(g) == 4.0


def test_persistent_tape_records_its_own_backward_for_higher_order():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x * x
        g = t.gradient(y, x)  # 3x² = 27, recorded on t
    g2 = t.gradient(g, x)  # 6x = 18
    assert float(g) == 27.0 and float(g2) == 18.0


def test_third_order_with_three_tapes():
    x = tf.constant(2.0)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.exp(x) * x  # y' = e^x (1 + x), y'' = e^x (2 + x), y''' = e^x (3 + x)
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    e = np.exp(2.0)
    np.testing.assert_allclose([float(d1), float(d2), float(d3)], [3 * e, 4 * e, 5 * e], rtol=1e-5)


def test_stop_recording():
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
        with t.stop_recording():
            z = x * x * x
        w = y + z
    # z was not recorded: dw/dx = dy/dx = 4
    assert float(t.gradient(w, x)) == 4.0


def test_stop_recording_outside_context():
    t = tf.GradientTape()
    with pytest.raises(RuntimeError, match="not recording"):
        with t.stop_recording():
            pass


def test_reset():
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
        t.reset()
        t.watch(x)
        z = x * x * x
    assert float(t.gradient(z, x)) == 12.0


def test_reset_outside_context():
    t = tf.GradientTape()
    with pytest.raises(ValueError, match="not recording"):
        t.reset()


def test_jacobian():
    x = tf.constant([1.0, 2.0, 3.0])
    w = tf.constant(np.arange(6, dtype=np.float32).reshape(3, 2))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.matmul(tf.reshape(x * x, (1, 3)), w)  # (1, 2)
    j = t.jacobian(y, x)
    assert j.shape == (1, 2, 3)
    expected = (w.numpy().T * 2 * np.array([1.0, 2.0, 3.0]))[None]
    np.testing.assert_allclose(j.numpy(), expected)
    with pytest.raises(RuntimeError):
        t.jacobian(y, x)


def test_jacobian_unconnected():
    x, u = tf.constant([1.0, 2.0]), tf.constant(3.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch([x, u])
        y = x * 2.0
    assert t.jacobian(y, u) is None
    assert t.jacobian(y, u, unconnected_gradients="zero").shape == (2,)


def test_batch_jacobian():
    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(size=(4, 3)))
    w = tf.constant(rng.normal(size=(3, 2)))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.tanh(tf.matmul(x, w))  # (4, 2)
    j = t.batch_jacobian(y, x)
    assert j.shape == (4, 2, 3)
    d = 1 - np.tanh(x.numpy() @ w.numpy()) ** 2  # (4, 2)
    expected = d[:, :, None] * w.numpy().T[None]
    np.testing.assert_allclose(j.numpy(), expected, rtol=1e-10)


def test_custom_gradient():
    @tf.custom_gradient
    def clipped_identity(x):
        def grad(upstream):
            return tf.clip_by_value(upstream, -1.0, 1.0)
        return tf.identity(x), grad

    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = clipped_identity(x) * 10.0
    np.testing.assert_array_equal(t.gradient(y, x).numpy(), [1.0, 1.0])


def test_custom_gradient_log1pexp_is_stable():
    # TF's documented example: log(1 + e^x) with a stable gradient.
    @tf.custom_gradient
    def log1pexp(x):
        e = tf.exp(x)
        def grad(upstream):
            return upstream * (1 - 1 / (1 + e))
        return tf.log(1 + e), grad

    x = tf.constant(100.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = log1pexp(x)
    assert float(t.gradient(y, x)) == 1.0


def test_custom_gradient_with_variables():
    v = tf.Variable(3.0)

    @tf.custom_gradient
    def f(x):
        def grad(upstream, variables=None):
            assert variables == [v]
            return upstream * v, [upstream * x * 100.0]
        return x * v, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = f(x)
    gx, gv = t.gradient(y, [x, v])
    assert float(gx) == 3.0 and float(gv) == 200.0


def test_custom_gradient_variables_need_kwarg():
    v = tf.Variable(3.0)

    @tf.custom_gradient
    def f(x):
        return x * v, lambda dy: dy * v

    with tf.GradientTape() as t:
        x = tf.constant(1.0)
        t.watch(x)
        with pytest.raises(TypeError, match="variables"):
            f(x)


def test_custom_gradient_wrong_number_of_gradients():
    @tf.custom_gradient
    def f(x, y):
        return x * y, lambda dy: dy  # one gradient for two inputs

    x, y = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch([x, y])
        z = f(x, y)
    with pytest.raises(ValueError, match="expected to return 2 gradients"):
        t.gradient(z, [x, y])


def test_custom_gradient_second_order():
    @tf.custom_gradient
    def cube(x):
        def grad(dy):
            return dy * 3.0 * x * x
        return x * x * x, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = cube(x)
        g = inner.gradient(y, x)
    assert float(g) == 12.0
    assert float(outer.gradient(g, x)) == 12.0  # d/dx 3x² = 6x


def test_tapes_in_threads_are_independent():
    results, errors = {}, []

    def work(k):
        try:
            x = tf.constant(float(k))
            for _ in range(200):
                with tf.GradientTape() as t:
                    t.watch(x)
                    y = x * x * x
                g = t.gradient(y, x)
            results[k] = float(g)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(1, 9)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    assert results == {k: 3.0 * k * k for k in range(1, 9)}


def test_tape_in_one_thread_does_not_record_other_threads_ops():
    x = tf.constant(2.0)
    other = {}
    with tf.GradientTape() as t:
        t.watch(x)

        def work():
            other["y"] = x * x  # another thread: t is not active there

        th = threading.Thread(target=work)
        th.start()
        th.join()
    assert t.gradient(other["y"], x) is None


def test_finished_tapes_leave_no_watches_behind():
    # A weight used by thousands of training steps must not collect one watch per tape.
    x = tf.constant(2.0)
    v = tf.Variable(3.0)
    for _ in range(100):
        with tf.GradientTape() as t:
            t.watch(x)
            y = x * v
        t.gradient(y, [x, v])
    with tf.GradientTape(persistent=True) as p:
        p.watch(x)
        y = x * v
    assert x._num_watches() == 1 and v._num_watches() == 1  # only the live persistent tape
    assert p.watched_variables() == (v,)
    del p
    assert x._num_watches() == 0 and v._num_watches() == 0


def test_fan_out_accumulation_never_writes_into_tensors_users_hold():
    # Note [In-place accumulation]: sums may be formed in place only in buffers nobody else sees.
    x = tf.constant([1.0, 2.0])
    seed = tf.constant([10.0, 20.0])
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        a = tf.identity(x)
        y = a + a + a * 2.0  # three uses of a, one of them directly the seed's path
    g = t.gradient(y, x, output_gradients=seed)
    np.testing.assert_array_equal(g.numpy(), [40.0, 80.0])
    np.testing.assert_array_equal(seed.numpy(), [10.0, 20.0])
    g2 = t.gradient(y, a)
    np.testing.assert_array_equal(g2.numpy(), [4.0, 4.0])
    np.testing.assert_array_equal(g.numpy(), [40.0, 80.0])  # the first result is untouched


def test_lists_holding_tensors_are_packed_with_a_gradient():
    # Note [Lists of tensors]: TF packs them with a recorded stack (TF 2.21's gradients below);
    # numpy would read the values and the gradient would be None.
    x = tf.Variable(2.0)
    cases = [
        (lambda: tf.reduce_sum([x, x]), 4.0, 2.0),
        (lambda: tf.reduce_sum(tf.tile([x], [2])), 4.0, 2.0),
        (lambda: tf.reduce_sum(tf.convert_to_tensor([x, x])), 4.0, 2.0),
        (lambda: tf.reduce_sum(tf.add([x, x], 1.0)), 6.0, 2.0),
        (lambda: tf.reduce_sum(tf.gather([x, 2 * x], [1])), 4.0, 2.0),
        (lambda: tf.reduce_sum(tf.convert_to_tensor([[x, 0.0], [0.0, x]]) * 3.0), 12.0, 6.0),
        (lambda: tf.reduce_sum([x, 1.0] * tf.constant(3.0)), 9.0, 3.0),
        (lambda: tf.reduce_sum(tf.matmul([[x, 1.0]], [[x], [2.0]])), 6.0, 4.0),
    ]
    for f, value, grad in cases:
        with tf.GradientTape() as tape:
            y = f()
        assert float(y) == value
        assert float(tape.gradient(y, x)) == grad
    with pytest.raises(TypeError, match="cannot pack an int32 tensor"):
        tf.reduce_sum([x, tf.constant(1)])
    with pytest.raises(ValueError, match="non-rectangular"):
        tf.reduce_sum([tf.ones([2]), tf.ones([3])])
    with pytest.raises(ValueError, match="requested dtype float64"):
        tf.convert_to_tensor([x], dtype=tf.float64)
