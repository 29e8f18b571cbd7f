"""tapegrad.distributed: data-parallel training over MPI (mpi4py), in Horovod's shape.

Run the same script on every process with an MPI launcher::

    mpiexec -n 2 python train.py          # pip install "tapegrad[mpi]" (mpi4py + MPICH)

and in it::

    import tapegrad.distributed as dist
    dist.init()
    dist.broadcast_variables(model.weights, root=0)        # every rank starts equal
    with tf.GradientTape() as tape:
        loss = ...                                          # on this rank's shard of the batch
    tape = dist.DistributedGradientTape(tape)
    grads = tape.gradient(loss, model.trainable_variables)  # averaged over the ranks
    opt.apply_gradients(zip(grads, model.trainable_variables))

or ``model.compile(optimizer=dist.DistributedOptimizer(opt), ...)``, or simply
``model.fit(x, y, distributed=True)``, which shards each epoch's batches by rank.

Without a launcher (no MPI environment variables) everything works as one process: size 1,
rank 0, no communication, and mpi4py is not even imported. The transport is the MPI library
mpi4py loads (MPICH from the ``mpich`` wheel, or the system's MPI); there is none of our own.

Buffers: ``allreduce`` hands the tensor's own memory to MPI as the send buffer and a freshly
allocated tensor's memory as the receive buffer (``_core._empty_writable``), so the only copy
is the one MPI makes. Lists of gradients are fused, as Horovod does: tensors smaller than the
fusion threshold (``TAPEGRAD_FUSION_THRESHOLD`` bytes, default 64 MiB) are packed into one
reusable flat buffer per dtype and reduced with one Allreduce per step, then unpacked into new
tensors (with the division by ``size()`` done in the unpacking pass); a tensor at least as large
as the threshold is reduced on its own, straight from its buffer.

Every collective must be called by all ranks in the same order with tensors of the same shapes
and dtypes (as in any MPI program). After ``init()`` in a job of more than one process, an
uncaught exception on any rank prints its traceback and aborts the whole job
(``MPI_Abort``), so a failing rank never leaves the others waiting in a collective.
"""

import os
import sys
import threading
import time

import numpy as _np

from . import _core, _nest

__all__ = [
    "init", "is_initialized", "rank", "size", "local_rank", "local_size", "barrier",
    "allreduce", "grouped_allreduce", "broadcast", "broadcast_variables", "allgather_object",
    "DistributedGradientTape", "DistributedOptimizer", "communication_stats",
]

# Environment variables that MPI launchers set in the processes they start, and which give the
# number of processes: MPICH/Intel MPI (hydra), Open MPI, MVAPICH.
_LAUNCHER_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
# Variables that show a launcher without the size (PMIx-based launchers).
_LAUNCHER_VARS = ("PMIX_RANK", "PMI_RANK", "OMPI_COMM_WORLD_RANK")

_DEFAULT_FUSION_THRESHOLD = 64 * 1024 * 1024  # bytes, Horovod's default

_OPS = ("mean", "sum")


class _State:
    """Everything init() finds out, and the communication counters (one per process)."""

    def __init__(self):
        self.initialized = False
        self.MPI = None        # the mpi4py.MPI module, when MPI is in use
        self.comm = None       # the communicator (None: one process, no MPI)
        self.rank, self.size = 0, 1
        self.local_rank, self.local_size = 0, 1
        self.previous_excepthook = None
        self.fusion_buffers = {}  # numpy dtype -> reusable flat numpy buffer
        self.fusion_threshold = None  # bytes; from TAPEGRAD_FUSION_THRESHOLD on first use
        # communication_stats(): time in allreduces of tensors and gradients.
        self.seconds = 0.0      # total, including packing and unpacking
        self.mpi_seconds = 0.0  # inside MPI calls only (includes waiting for the slowest rank)
        self.calls = 0          # allreduce calls (MPI or shared memory)
        self.shm_calls = 0      # of which through the shared-memory window
        self.node = None        # node communicator, kept when every rank is on this machine
        self.shm_enabled = False
        self.shm = None         # _core._ShmAllreduce over shm_win
        self.shm_win = None
        # Held around every use of the window: the C++ call releases the GIL, so without it a
        # second Python thread could grow (free) the window under the first one.
        self.shm_lock = threading.Lock()
        self.nbytes = 0         # bytes reduced


_state = _State()


def _launcher_size():
    """The number of processes a launcher's environment announces, 0 when it shows a
    launcher but not the size, None when there is no launcher."""
    for var in _LAUNCHER_SIZE_VARS:
        value = os.environ.get(var)
        if value:
            try:
                return int(value)
            except ValueError:
                return 0
    if any(os.environ.get(v) for v in _LAUNCHER_VARS):
        return 0
    return None


def init(comm=None):
    """Start the distributed runtime (idempotent); every other function calls it if needed.

    Under an MPI launcher (``mpiexec``/``mpirun``/``srun``), imports mpi4py and uses
    ``MPI.COMM_WORLD`` (or ``comm``, an mpi4py communicator). Without a launcher, or with
    ``TAPEGRAD_MPI=0``, runs as one process (size 1) without MPI; ``TAPEGRAD_MPI=1`` forces
    MPI. With more than one process it also

    - installs an excepthook that prints an uncaught exception and calls ``MPI_Abort``, so
      the job fails instead of hanging, and
    - unless ``TAPEGRAD_NUM_THREADS`` is set, limits each of the ``local_size()`` processes
      on a machine to an equal share of its cores (``set_num_threads``, only ever lowering
      the count), so ranks don't oversubscribe the CPU.

    Raises RuntimeError when the environment shows several processes but mpi4py is missing
    (each would otherwise train alone, silently).
    """
    st = _state
    if st.initialized:
        return
    forced = os.environ.get("TAPEGRAD_MPI", "").strip().lower()
    launcher = _launcher_size()
    use_mpi = comm is not None or forced in ("1", "true", "yes") or (
        launcher is not None and forced not in ("0", "false", "no"))
    if not use_mpi:
        st.initialized = True
        return
    try:
        from mpi4py import MPI
    except ImportError as e:
        if comm is None and forced not in ("1", "true", "yes") and launcher in (None, 0, 1):
            st.initialized = True  # a launcher with one process (or unknown): run alone
            return
        raise RuntimeError(
            "tapegrad.distributed: this process was started by an MPI launcher "
            f"({_launcher_desc()}), but mpi4py is not installed, so the processes cannot "
            "communicate and each would train alone. Install it with "
            "`pip install \"tapegrad[mpi]\"` (mpi4py and MPICH), or run without mpiexec."
        ) from e
    world = comm if comm is not None else MPI.COMM_WORLD
    st.MPI, st.comm = MPI, world
    st.rank, st.size = world.Get_rank(), world.Get_size()
    if st.size > 1:
        node = world.Split_type(MPI.COMM_TYPE_SHARED, key=st.rank)
        st.local_rank, st.local_size = node.Get_rank(), node.Get_size()
        if st.local_size == st.size:  # one machine: fused reductions may use shared memory
            st.node = node
            st.shm_enabled = os.environ.get("TAPEGRAD_SHM_ALLREDUCE", "1").strip().lower() \
                not in ("0", "false", "no")
        else:
            node.Free()
        _install_abort_hook()
        if not os.environ.get("TAPEGRAD_NUM_THREADS") and st.local_size > 1:
            share = max(1, _cpu_count() // st.local_size)
            if _core.get_num_threads() > share:
                _core.set_num_threads(share)
    st.initialized = True


def _launcher_desc():
    found = [f"{v}={os.environ[v]}" for v in _LAUNCHER_SIZE_VARS + _LAUNCHER_VARS
             if os.environ.get(v)]
    return ", ".join(found) or "TAPEGRAD_MPI=1"


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _install_abort_hook():
    st = _state
    if st.previous_excepthook is not None:
        return
    st.previous_excepthook = sys.excepthook

    def hook(exc_type, exc, tb):
        try:
            sys.stdout.flush()
            if st.previous_excepthook is sys.__excepthook__:
                # One write of the whole report, then a moment for the launcher to forward it
                # before MPI_Abort has it kill every process (output still in the pipe would
                # be lost).
                import traceback
                text = "".join(traceback.format_exception(exc_type, exc, tb))
                sys.stderr.write(f"tapegrad.distributed: uncaught exception on rank {st.rank} "
                                 f"of {st.size}; aborting the MPI job\n{text}")
            else:
                sys.stderr.write(f"tapegrad.distributed: uncaught exception on rank {st.rank} "
                                 f"of {st.size}; aborting the MPI job\n")
                st.previous_excepthook(exc_type, exc, tb)
            sys.stderr.flush()
            time.sleep(0.3)
        finally:
            st.comm.Abort(1)

    sys.excepthook = hook


def is_initialized():
    """Whether ``init()`` has run."""
    return _state.initialized


def _ready():
    """The runtime's state, initialised on first use."""
    if not _state.initialized:
        init()
    return _state


def _comm():
    st = _ready()
    return st.comm if st.size > 1 else None


def rank():
    """This process's index in the job, 0 ... size()-1 (0 without MPI)."""
    return _ready().rank


def size():
    """The number of processes in the job (1 without MPI)."""
    return _ready().size


def local_rank():
    """This process's index among the job's processes on the same machine."""
    return _ready().local_rank


def local_size():
    """The number of the job's processes on this machine."""
    return _ready().local_size


def barrier():
    """Wait until every rank reaches this call."""
    comm = _comm()
    if comm is not None:
        comm.Barrier()


def communication_stats():
    """This rank's totals since init for allreduce: ``seconds`` (including packing and
    unpacking fused buffers), ``mpi_seconds`` (inside the reduction proper, MPI's or the
    shared-memory one, which includes waiting for the slowest rank), ``calls`` (reductions),
    ``shm_calls`` (how many of them went through shared memory) and ``bytes`` (bytes
    reduced)."""
    st = _state
    return {"seconds": st.seconds, "mpi_seconds": st.mpi_seconds, "calls": st.calls,
            "shm_calls": st.shm_calls, "bytes": st.nbytes}


# -- tensors ------------------------------------------------------------------------------------
def _check_op(op):
    if op not in _OPS:
        raise ValueError(f"allreduce: op must be 'mean' or 'sum', got {op!r}")
    return op


def _as_tensor(x, what, floating=True):
    if isinstance(x, _core.Tensor):
        t = x
    elif isinstance(x, _core.Variable):
        t = x.read_value()  # shares the variable's buffer (copy-on-write), no copy
    else:
        try:
            t = _core._constant(x, None)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{what}: expected a tapegrad Tensor or Variable, got {type(x).__name__}") from e
    if floating and not t.dtype.is_floating:  # reductions are of gradients: floats only
        raise TypeError(f"{what}: expected a float32 or float64 tensor, got {t.dtype.name}")
    return t


def _count(t0, nbytes, shm):
    """Adds one reduction that started at perf_counter() ``t0`` to communication_stats()."""
    st = _state
    st.mpi_seconds += time.perf_counter() - t0
    st.calls += 1
    st.shm_calls += shm
    st.nbytes += nbytes


def _divisor(op):
    return float(_state.size) if op == "mean" else 1.0


def _reduce_into(send, recv, count_bytes):
    """One MPI Allreduce (sum) of ``send`` into ``recv`` (numpy views, or IN_PLACE)."""
    st = _state
    t0 = time.perf_counter()
    st.comm.Allreduce(send, recv, op=st.MPI.SUM)
    _count(t0, count_bytes, False)


def _allreduce_one(t, op):
    out, view = _core._empty_writable(tuple(t.shape), t.dtype)
    _reduce_into(t.numpy(), view, view.nbytes)
    if op == "mean":
        _np.divide(view, _state.size, out=view)
    return out


def allreduce(tensor, op="mean", name=None):
    """The elementwise mean (or sum, ``op='sum'``) of ``tensor`` over all ranks, as a new
    tensor of the same shape and dtype (float32 or float64).

    MPI reads straight from ``tensor``'s buffer and writes straight into the new tensor's;
    the mean is the sum divided by ``size()`` in place. With one process the result is
    ``tensor`` itself (tensors are immutable), or a Variable's current value.
    """
    _check_op(op)
    t = _as_tensor(tensor, "allreduce")
    if _comm() is None:
        return t
    st = _state
    t0 = time.perf_counter()
    out = _allreduce_one(t, op)
    st.seconds += time.perf_counter() - t0
    return out


def _fusion_threshold(value):
    if value is not None:
        return int(value)
    st = _state
    if st.fusion_threshold is None:  # read once per process
        env = os.environ.get("TAPEGRAD_FUSION_THRESHOLD")
        st.fusion_threshold = int(env) if env else _DEFAULT_FUSION_THRESHOLD
    return st.fusion_threshold


def _fusion_buffer(np_dtype, count):
    """A flat numpy buffer of ``count`` elements, reused from step to step."""
    buf = _state.fusion_buffers.get(np_dtype)
    if buf is None or buf.size < count:
        buf = _np.empty(max(count, 1), dtype=np_dtype)
        _state.fusion_buffers[np_dtype] = buf
    return buf[:count]


# Buckets up to this many bytes go through the shared-memory window (two slots of the next
# power of two per rank); larger ones through MPI_Allreduce, which is bandwidth-bound there too.
_SHM_MAX_BYTES = 16 << 20
_SHM_MIN_SLOT = 64 << 10


def _shm_engine(nbytes):
    """The shared-memory allreduce (Note [Shared-memory allreduce] in
    csrc/bindings/collectives.cc) with room for ``nbytes``, or None when it does not apply:
    ranks on several machines, ``TAPEGRAD_SHM_ALLREDUCE=0``, or a bucket above 16 MiB.
    Collective when the window has to grow (every rank reduces the same sizes in the same
    order, so every rank grows it in the same call)."""
    st = _state
    if not st.shm_enabled or nbytes > _SHM_MAX_BYTES:
        return None
    eng = st.shm
    if eng is not None and nbytes <= eng.slot_bytes:
        return eng
    slot = max(_SHM_MIN_SLOT, 1 << max(nbytes - 1, 1).bit_length())
    if st.shm_win is not None:
        st.shm, win, st.shm_win = None, st.shm_win, None
        win.Free()
    total = _core._ShmAllreduce.required_bytes(st.size, slot)
    win = st.MPI.Win.Allocate_shared(total if st.local_rank == 0 else 0, 1, comm=st.node)
    mem, _ = win.Shared_query(0)
    if mem.address % 64:  # not seen with MPICH or Open MPI; MPI_Allreduce then
        win.Free()
        st.shm_enabled = False
        return None
    eng = _core._ShmAllreduce(mem.address, total, st.local_rank, st.size, slot)
    if st.local_rank == 0:
        eng.reset()
    st.node.Barrier()
    st.shm, st.shm_win = eng, win
    return eng


def _reduce_bucket(items, out, op):
    """Allreduce the tensors ``items`` = [(index, tensor)] (one dtype) through one fused
    buffer, the shared-memory window's or a flat numpy one for MPI; new tensors go to
    ``out[index]``."""
    tensors = [t for _, t in items]
    nbytes = sum(t.size for t in tensors) * tensors[0].dtype.size
    st = _state
    with st.shm_lock:
        eng = _shm_engine(nbytes)
        t0 = time.perf_counter()
        results = None if eng is None else eng(tensors, _divisor(op))
    if eng is not None and results is None:  # the window fits nbytes, so this cannot be
        raise RuntimeError("grouped_allreduce: the shared-memory window did not fit "
                           f"{nbytes} bytes after growing to {eng.slot_bytes}")
    if results is not None:
        _count(t0, nbytes, True)
        for (i, _), r in zip(items, results):
            out[i] = r
        return
    if len(items) == 1:
        i, t = items[0]
        out[i] = _allreduce_one(t, op)
        return
    buf = _fusion_buffer(tensors[0].dtype.as_numpy_dtype, sum(t.size for t in tensors))
    _core._pack_flat(tensors, buf)  # one copy of each gradient into the flat buffer
    _reduce_into(_state.MPI.IN_PLACE, buf, buf.nbytes)
    # new tensors from the flat buffer, the mean's division in the same pass
    results = _core._unpack_flat(buf, [tuple(t.shape) for t in tensors], _divisor(op))
    for (i, _), r in zip(items, results):
        out[i] = r


def grouped_allreduce(tensors, op="mean", fusion_threshold=None):
    """``allreduce`` of each tensor of a list (``None`` entries stay ``None``), fused.

    Tensors smaller than ``fusion_threshold`` bytes (default: ``TAPEGRAD_FUSION_THRESHOLD``
    or 64 MiB) are packed into flat buffers of at most that size per dtype, so a model's
    gradients usually take one MPI Allreduce; larger tensors are reduced on their own from
    their own buffers. ``fusion_threshold=0`` reduces every tensor separately. Every rank
    must pass the same shapes and dtypes, with ``None`` at the same places.
    """
    _check_op(op)
    st = _state
    if st.shm is not None and _fusion_threshold(fusion_threshold) > _SHM_MAX_BYTES:
        # The common case in one C++ call: a list of tensors of one dtype that fits the
        # shared-memory window (so it is one bucket, below the fusion threshold). None: not
        # a list of tensors of one dtype (no communication happened), or too large for the
        # window on every rank (the path below grows it).
        t0 = time.perf_counter()
        with st.shm_lock:
            eng = st.shm
            out = eng.reduce_if_fits(tensors, _divisor(op))
            nbytes = eng.last_bytes
        if out is not None:
            _count(t0, nbytes, True)
            st.seconds += time.perf_counter() - t0
            return out
    items = [None if t is None else _as_tensor(t, "grouped_allreduce") for t in tensors]
    if _comm() is None:
        return items
    t0 = time.perf_counter()
    threshold = _fusion_threshold(fusion_threshold)
    out = [None] * len(items)
    buckets = {}  # dtype name -> (bucket list, bytes)
    for i, t in enumerate(items):
        if t is None:
            continue
        nbytes = t.size * t.dtype.size
        if nbytes >= threshold or threshold <= 0:
            out[i] = _allreduce_one(t, op)
            continue
        key = t.dtype.name
        bucket, used = buckets.get(key, ([], 0))
        if bucket and used + nbytes > threshold:
            _reduce_bucket(bucket, out, op)
            bucket, used = [], 0
        bucket.append((i, t))
        buckets[key] = (bucket, used + nbytes)
    for bucket, _ in buckets.values():
        if bucket:
            _reduce_bucket(bucket, out, op)
    st.seconds += time.perf_counter() - t0
    return out


def broadcast(tensor, root=0):
    """Rank ``root``'s value of ``tensor`` on every rank, as a tensor (MPI Bcast: the root
    sends from its tensor's buffer, the others receive into a new tensor's buffer)."""
    t = _as_tensor(tensor, "broadcast", floating=False)
    comm = _comm()
    if comm is None:
        return t
    if _state.rank == root:
        comm.Bcast(t.numpy(), root=root)
        return t
    out, view = _core._empty_writable(tuple(t.shape), t.dtype)
    comm.Bcast(view, root=root)
    return out


def broadcast_variables(variables, root=0):
    """Assign rank ``root``'s values of ``variables`` (a list, e.g. ``model.weights``) to the
    same variables on every other rank; call it once after building the model so that all
    ranks start from the same weights. Raises ValueError on every rank (instead of hanging)
    if the ranks' lists differ in length, shapes or dtypes."""
    variables = list(variables)
    comm = _comm()
    if comm is None:
        return
    if not 0 <= root < _state.size:
        raise ValueError(f"broadcast_variables: root {root} is not a rank (size {_state.size})")
    sig = [(tuple(v.shape), v.dtype.name) for v in variables]
    sigs = comm.allgather(sig)
    if any(s != sigs[root] for s in sigs):
        bad = [r for r, s in enumerate(sigs) if s != sigs[root]]
        raise ValueError(
            f"broadcast_variables: ranks {bad} have variables different from root {root}'s "
            f"(root: {len(sigs[root])} variables {sigs[root][:4]}{'...' if len(sigs[root]) > 4 else ''})")
    for v in variables:
        value = broadcast(v, root)
        if _state.rank != root:
            v.assign(value)


def allgather_object(obj):
    """A list of every rank's ``obj`` (any picklable Python object), in rank order."""
    comm = _comm()
    if comm is None:
        return [obj]
    return comm.allgather(obj)


def _allreduce_floats(values):
    """Sum a short list of Python floats over the ranks (for fit's epoch loss)."""
    comm = _comm()
    if comm is None:
        return list(values)
    buf = _np.asarray(values, dtype=_np.float64)
    comm.Allreduce(_state.MPI.IN_PLACE, buf, op=_state.MPI.SUM)
    return buf.tolist()


def _broadcast_array(arr, root=0):
    """Rank ``root``'s numpy array (same shape and dtype on every rank), in place."""
    comm = _comm()
    if comm is not None:
        comm.Bcast(arr, root=root)
    return arr


# -- wrappers -----------------------------------------------------------------------------------
class DistributedGradientTape:
    """A GradientTape whose ``gradient`` returns the gradients averaged over all ranks.

    Wrap a tape after (or around) recording, as Horovod's::

        with tf.GradientTape() as tape:
            loss = ...
        tape = DistributedGradientTape(tape)
        grads = tape.gradient(loss, variables)

    ``op='sum'`` sums instead. The gradients are reduced with ``grouped_allreduce`` (one
    fused Allreduce per call for ordinary models). Other attributes are the wrapped tape's.
    """

    def __init__(self, gradtape, op="mean", fusion_threshold=None):
        self._tape = gradtape
        self._op = _check_op(op)
        self._fusion_threshold = fusion_threshold

    def __enter__(self):
        self._tape.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb):
        return self._tape.__exit__(exc_type, exc, tb)

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """The wrapped tape's gradient, averaged (or summed) over the ranks elementwise."""
        grads = self._tape.gradient(target, sources, output_gradients=output_gradients,
                                    unconnected_gradients=unconnected_gradients)
        if isinstance(grads, (_core.Tensor, _core.Variable)) or grads is None:
            return grouped_allreduce([grads], self._op, self._fusion_threshold)[0]
        if type(grads) is list and all(g is None or isinstance(g, _core.Tensor) for g in grads):
            return grouped_allreduce(grads, self._op, self._fusion_threshold)
        flat = _nest.flatten(grads)  # nests of sources: lists, tuples, dicts
        reduced = grouped_allreduce(flat, self._op, self._fusion_threshold)
        return _nest.pack_sequence_as(grads, reduced)

    def __getattr__(self, name):
        return getattr(self._tape, name)


class _DistributedOptimizerMixin:
    """apply_gradients averages the gradients over the ranks first."""

    _distributed_op = "mean"
    _distributed_fusion_threshold = None

    def apply_gradients(self, grads_and_vars, name=None):
        """Average each gradient over the ranks (one fused allreduce), then apply."""
        pairs = list(grads_and_vars)
        grads = grouped_allreduce([g for g, _ in pairs], self._distributed_op,
                                  self._distributed_fusion_threshold)
        return super().apply_gradients(zip(grads, [v for _, v in pairs]), name=name)


def DistributedOptimizer(optimizer, op="mean", fusion_threshold=None):
    """``optimizer`` (a tapegrad.keras optimizer) whose ``apply_gradients`` (and so
    ``minimize`` and ``Sequential.fit``) first averages the gradients over all ranks.

    Returns an instance of a subclass of the optimizer's class (so ``compile`` accepts it)
    that shares the wrapped optimizer's state: its slots and ``iterations``. Use it or
    ``DistributedGradientTape``, not both (the gradients would be reduced twice).
    """
    from .keras.optimizers import Optimizer
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"DistributedOptimizer: expected a tapegrad.keras optimizer, got "
                        f"{type(optimizer).__name__}")
    _check_op(op)
    base = type(optimizer)
    if isinstance(optimizer, _DistributedOptimizerMixin):
        base = base.__mro__[2]  # rewrap the original class
    cls = type(f"Distributed{base.__name__}", (_DistributedOptimizerMixin, base),
               {"__module__": __name__})
    wrapped = object.__new__(cls)
    wrapped.__dict__ = optimizer.__dict__  # one state, two faces
    wrapped._distributed_op = op
    wrapped._distributed_fusion_threshold = fusion_threshold
    return wrapped
