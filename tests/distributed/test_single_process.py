"""tapegrad.distributed without an MPI launcher: one process, size 1, no communication."""

import sys

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import _core, distributed as dist, keras

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

_LAUNCHER_VARS = ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK",
                  "MV2_COMM_WORLD_SIZE", "PMIX_RANK", "TAPEGRAD_MPI")


@pytest.fixture
def fresh(monkeypatch):
    """A fresh, uninitialised distributed state and no launcher in the environment."""
    for var in _LAUNCHER_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(dist, "_state", dist._State())
    return dist


def test_without_a_launcher_it_is_one_process_without_mpi(fresh, monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # importing it would raise
    assert not fresh.is_initialized()
    assert (fresh.rank(), fresh.size(), fresh.local_rank(), fresh.local_size()) == (0, 1, 0, 1)
    assert fresh.is_initialized() and fresh._state.comm is None
    fresh.barrier()
    assert fresh.allgather_object({"a": 1}) == [{"a": 1}]


def test_a_launcher_with_several_processes_but_no_mpi4py_is_a_clear_error(fresh, monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    monkeypatch.setenv("PMI_SIZE", "2")
    with pytest.raises(RuntimeError, match=r"mpi4py is not installed.*tapegrad\[mpi\]"):
        fresh.init()
    with pytest.raises(RuntimeError, match="PMI_SIZE=2"):
        fresh.init()


def test_a_launcher_with_one_process_and_no_mpi4py_runs_alone(fresh, monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "1")
    assert fresh.size() == 1


def test_allreduce_and_broadcast_with_one_process_return_the_value(fresh):
    t = tf.constant([1.0, 2.0, 3.0])
    assert fresh.allreduce(t) is t  # tensors are immutable: nothing to copy
    assert fresh.allreduce(t, op="sum") is t
    v = tf.Variable([4.0, 5.0], dtype="float64")
    r = fresh.allreduce(v)
    assert isinstance(r, tf.Tensor) and r.dtype == tf.float64
    np.testing.assert_array_equal(r.numpy(), [4.0, 5.0])
    assert fresh.grouped_allreduce([t, None]) == [t, None]
    assert fresh.broadcast(t) is t
    fresh.broadcast_variables([v])
    np.testing.assert_array_equal(v.numpy(), [4.0, 5.0])
    with pytest.raises(ValueError, match="op must be 'mean' or 'sum'"):
        fresh.allreduce(t, op="max")
    # reductions are of gradients: an integer tensor is refused (even with one process);
    # broadcast moves any dtype
    ti = tf.constant(np.array([1, 2], np.int32))
    with pytest.raises(TypeError, match="allreduce: expected a float32 or float64 tensor, got int32"):
        fresh.allreduce(ti)
    with pytest.raises(TypeError, match="grouped_allreduce: expected a float32 or float64 tensor, got int32"):
        fresh.grouped_allreduce([t, ti])
    assert fresh.broadcast(ti) is ti
    assert fresh.communication_stats()["calls"] == 0


def test_distributed_gradient_tape_with_one_process_is_the_tape(fresh):
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    b = tf.Variable([0.5, -0.5])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.square(x @ x + b))
    plain = tape.gradient(y, [x, b])
    with tf.GradientTape() as t2:
        y = tf.reduce_sum(tf.square(x @ x + b))
    t2 = fresh.DistributedGradientTape(t2)
    grads = t2.gradient(y, [x, b])
    for a, g in zip(plain, grads):
        np.testing.assert_array_equal(a.numpy(), g.numpy())
    # a single source gives a single tensor, a dict source a dict; the context form works too
    with fresh.DistributedGradientTape(tf.GradientTape(persistent=True)) as t3:
        y = tf.reduce_sum(x * x)
    assert isinstance(t3.gradient(y, x), tf.Tensor)
    d = t3.gradient(y, {"x": x, "b": b})
    assert set(d) == {"x", "b"} and d["b"] is None
    nested = t3.gradient(y, [[x], (b, x)])
    assert isinstance(nested, list) and isinstance(nested[1], tuple) and nested[1][0] is None
    np.testing.assert_array_equal(nested[0][0].numpy(), nested[1][1].numpy())
    assert t3.watched_variables()  # other attributes are the tape's


def test_distributed_optimizer_is_a_subclass_sharing_the_state(fresh):
    base = keras.optimizers.Adam(0.1)
    opt = fresh.DistributedOptimizer(base)
    assert isinstance(opt, keras.optimizers.Adam) and type(opt).__name__ == "DistributedAdam"
    v = tf.Variable([1.0, 2.0])
    opt.apply_gradients([(tf.constant([0.5, -0.5]), v)])
    assert int(base.iterations) == 1 and base.variables  # one state, two faces
    ref = keras.optimizers.Adam(0.1)
    w = tf.Variable([1.0, 2.0])
    ref.apply_gradients([(tf.constant([0.5, -0.5]), w)])
    np.testing.assert_array_equal(v.numpy(), w.numpy())
    assert type(fresh.DistributedOptimizer(opt)).__mro__[2] is keras.optimizers.Adam
    with pytest.raises(TypeError, match="tapegrad.keras optimizer"):
        fresh.DistributedOptimizer(object())


def _trained(distributed, shuffle):
    tf.random.set_seed(3)
    m = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    x = np.random.default_rng(1).standard_normal((50, 4)).astype(np.float32)
    y = x[:, :1] * 2 - x[:, 1:2]
    h = m.fit(x, y, batch_size=8, epochs=2, shuffle=shuffle, verbose=0, distributed=distributed)
    return m.get_weights(), h.history


@pytest.mark.parametrize("shuffle", [False, True])
def test_fit_distributed_with_one_process_is_fit(fresh, shuffle):
    w1, h1 = _trained(False, shuffle)
    w2, h2 = _trained(True, shuffle)
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    assert h1 == h2  # same losses, and no comm_time without communication


def test_empty_writable_gives_a_fresh_tensor_and_a_view_of_its_buffer():
    t, view = _core._empty_writable((2, 3), tf.float64)
    assert isinstance(t, tf.Tensor) and t.shape == (2, 3) and t.dtype == tf.float64
    assert view.flags.writeable and view.shape == (2, 3) and view.dtype == np.float64
    view[...] = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(t.numpy(), np.arange(6).reshape(2, 3))
    del t
    assert view.sum() == 15  # the view keeps the tensor's buffer alive
    t0, v0 = _core._empty_writable((0,), "float32")
    assert t0.shape == (0,) and v0.size == 0


def test_readme_distributed_example_runs_in_one_process(fresh, capsys):
    import pathlib
    import re
    readme = pathlib.Path(__file__).resolve().parents[2] / "README.md"
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", readme.read_text(), re.S)
                if "tapegrad.distributed" in b]
    ns = {}
    exec(compile(block, "README distributed block", "exec"), ns)
    assert ns["dist"].size() == 1
    assert "Epoch 2/2" in capsys.readouterr().out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("divisor", [1.0, 2.0, 3.0, 4.0, 7.0])
def test_pack_and_unpack_flat_round_trip_with_numpys_division(dtype, divisor):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(dtype) for s in [(3, 4), (0,), (), (5, 1, 2)]]
    arrays[0][0, 0] = np.finfo(dtype).tiny / 3  # a subnormal: rounds the same both ways
    tensors = [tf.constant(a, dtype=dtype) for a in arrays]
    buf = np.full(40, np.nan, dtype=dtype)
    assert _core._pack_flat(tensors, buf) == 23
    np.testing.assert_array_equal(buf[:23], np.concatenate([a.ravel() for a in arrays]))
    out = _core._unpack_flat(buf[:23], [a.shape for a in arrays], divisor)
    for a, t in zip(arrays, out):
        assert isinstance(t, tf.Tensor) and t.shape == a.shape and t.dtype == tf.as_dtype(dtype)
        expected = np.divide(a, np.asarray(divisor, dtype=dtype))
        assert np.array_equal(t.numpy(), expected), (divisor, a, t.numpy())


def test_pack_and_unpack_flat_check_their_buffer():
    t = tf.ones((4,))
    with pytest.raises(ValueError, match="do not fit"):
        _core._pack_flat([t], np.empty(3, np.float32))
    with pytest.raises(TypeError, match="dtype differs"):
        _core._pack_flat([t], np.empty(4, np.float64))
    with pytest.raises(ValueError, match="C-contiguous"):
        _core._pack_flat([t], np.empty(8, np.float32)[::2])
    ro = np.empty(4, np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError):
        _core._pack_flat([t], ro)
    with pytest.raises(ValueError, match="exceed"):
        _core._unpack_flat(np.empty(3, np.float32), [(2, 2)])
    with pytest.raises(TypeError, match="float32 or float64"):
        _core._unpack_flat(np.empty(3, np.int32), [(3,)])


def _shm_window(size, slot):
    """A 64-byte aligned numpy stand-in for the MPI shared window of `size` ranks."""
    nbytes = _core._ShmAllreduce.required_bytes(size, slot)
    raw = np.full(nbytes + 64, 0xAB, np.uint8)
    off = (-raw.ctypes.data) % 64
    return raw, raw[off:off + nbytes]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_shm_allreduce_engine_with_one_rank_is_the_division(dtype):
    raw, win = _shm_window(1, 1024)
    eng = _core._ShmAllreduce(win.ctypes.data, win.nbytes, 0, 1, 1024)
    eng.reset()
    assert eng.slot_bytes == 1024
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s).astype(dtype) for s in [(3, 4), (0,), (), (7, 1)]]
    tensors = [tf.constant(a, dtype=dtype) for a in arrays]
    for call in range(3):  # successive calls alternate between the window's two slots
        divisor = [1.0, 2.0, 3.0][call]
        out = eng(tensors, divisor)
        assert eng.last_bytes == 20 * np.dtype(dtype).itemsize
        for a, t in zip(arrays, out):
            assert isinstance(t, tf.Tensor) and t.shape == a.shape and t.dtype == tf.as_dtype(dtype)
            assert np.array_equal(t.numpy(), np.divide(a, np.asarray(divisor, dtype=dtype)))
    for a, t in zip(arrays, tensors):  # the inputs are untouched
        assert np.array_equal(t.numpy(), a)
    assert eng([], 2.0) == [] and eng.reduce_if_fits([], 2.0) == [] and eng.last_bytes == 0
    got = eng.reduce_if_fits(tensors, 1.0)
    assert all(np.array_equal(t.numpy(), a) for a, t in zip(arrays, got))


def test_shm_allreduce_engine_refuses_what_it_cannot_reduce():
    raw, win = _shm_window(1, 64)
    eng = _core._ShmAllreduce(win.ctypes.data, win.nbytes, 0, 1, 64)
    eng.reset()
    big = tf.ones((17,))  # 68 bytes > the 64-byte slot: None, grow the window and call again
    assert eng([big]) is None and eng.last_bytes == 68
    assert eng.reduce_if_fits([big], 2.0) is None
    out = eng([tf.ones((16,)) * 3.0], 2.0)  # and the engine is still usable
    assert np.array_equal(out[0].numpy(), np.full(16, 1.5, np.float32))
    mixed = [tf.ones((2,)), tf.ones((2,), dtype=tf.float64)]
    with pytest.raises(TypeError, match="one dtype"):
        eng(mixed)
    with pytest.raises(TypeError, match="list of tensors"):
        eng([np.ones(2, np.float32)])
    # the fast path of grouped_allreduce: None for anything but a list of tensors of one
    # dtype, without any communication (a rank of 2 would otherwise wait for the other)
    raw2, win2 = _shm_window(2, 64)
    eng2 = _core._ShmAllreduce(win2.ctypes.data, win2.nbytes, 1, 2, 64)
    for bad in (mixed, [tf.ones((2,)), None], (tf.ones((2,)),), [tf.Variable([1.0])]):
        assert eng2.reduce_if_fits(bad, 2.0) is None
    with pytest.raises(ValueError, match="smaller than"):
        _core._ShmAllreduce(win2.ctypes.data, win2.nbytes - 1, 0, 2, 64)
    with pytest.raises(ValueError, match="multiple of 64"):
        _core._ShmAllreduce(win2.ctypes.data, win2.nbytes, 0, 2, 32)
    with pytest.raises(ValueError, match="aligned"):
        _core._ShmAllreduce(win2.ctypes.data + 4, win2.nbytes - 64, 0, 1, 64)
    with pytest.raises(ValueError, match="rank"):
        _core._ShmAllreduce(win2.ctypes.data, win2.nbytes, 2, 2, 64)


def test_without_mpi_grouped_allreduce_uses_no_shared_memory(fresh):
    out = dist.grouped_allreduce([tf.ones((3,)), None])
    assert out[1] is None and np.array_equal(out[0].numpy(), np.ones(3, np.float32))
    assert dist.communication_stats()["shm_calls"] == 0 and dist._state.shm is None
