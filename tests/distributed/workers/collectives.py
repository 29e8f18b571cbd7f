"""MPI worker: ``mpiexec -n N python collectives.py OUTDIR``.

Each rank runs the collectives and the training loops of tests/distributed and saves what it
got to OUTDIR/rank<r>.npz (+ .json); the tests compare the ranks with each other and with
single-process references. Nothing is asserted here, except that the job is what it claims.
"""

import json
import os
import sys

import numpy as np

import problem as P
import tapegrad as tf
from tapegrad import distributed as dist, keras

out_dir = sys.argv[1]
dist.init()
rank, size = dist.rank(), dist.size()
saved = {}
meta = {"rank": rank, "size": size, "threads": tf.get_num_threads(),
        "local_size": dist.local_size()}

# -- allreduce: float32/float64, sizes 0, 1 (shapes (1,) and ()), 10**6+3, a 3-D shape --------
digests = {}
for dt in P.ALLREDUCE_DTYPES:
    for shape in P.ALLREDUCE_SHAPES:
        t = tf.constant(P.allreduce_input(shape, dt, rank), dtype=dt)
        for op in ("sum", "mean"):
            r = dist.allreduce(t, op=op)
            key = f"allreduce/{op}/{dt}/{'x'.join(map(str, shape))}"
            digests[key] = {"digest": P.digest(r.numpy()), "shape": list(r.shape),
                            "dtype": r.dtype.name, "type": type(r).__name__}
            if r.size <= 100:
                saved[key] = r.numpy()
meta["allreduce"] = digests
# the default op is the mean; a Variable reduces its current value
v = tf.Variable(P.allreduce_input((5,), "float32", rank))
saved["allreduce/default/variable"] = dist.allreduce(v).numpy()

# -- grouped_allreduce: mixed dtypes, a None, several fusion thresholds ------------------------
group = [P.allreduce_input((3, 4), "float32", rank), None, P.allreduce_input((5,), "float64", rank),
         P.allreduce_input((1000,), "float32", rank), P.allreduce_input((0,), "float32", rank),
         P.allreduce_input((), "float64", rank)]
group = [None if a is None else tf.constant(a, dtype=a.dtype) for a in group]
calls = {}
for thr in (None, 64, 0):
    before = dist.communication_stats()["calls"]
    res = dist.grouped_allreduce(group, op="mean", fusion_threshold=thr)
    calls[str(thr)] = dist.communication_stats()["calls"] - before
    for i, r in enumerate(res):
        saved[f"grouped/{thr}/{i}"] = np.array([]) if r is None else r.numpy()
        saved[f"grouped/{thr}/{i}/none"] = np.array(r is None)
meta["grouped_calls"] = calls

# -- the shared-memory allreduce (every rank is on this machine): rank-order sums, the window
#    growing from 64 KiB to 8 MiB for 10**6+3 float64, and the same bits as MPI_Allreduce ------
def _without_shm(fn):
    st = dist._state
    saved_state = st.shm_enabled, st.shm
    st.shm_enabled, st.shm = False, None
    try:
        return fn()
    finally:
        st.shm_enabled, st.shm = saved_state


shm = {}
for dt in P.ALLREDUCE_DTYPES:
    for shape in P.ALLREDUCE_SHAPES:
        group = [tf.constant(P.allreduce_input(shape, dt, rank), dtype=dt),
                 tf.constant(P.allreduce_input((7,), dt, rank + 3), dtype=dt)]
        for op in ("sum", "mean"):
            key = f"{op}/{dt}/{'x'.join(map(str, shape))}"
            before = dist.communication_stats()["shm_calls"]
            res = dist.grouped_allreduce(group, op=op)
            used = dist.communication_stats()["shm_calls"] - before
            ref = _without_shm(lambda: dist.grouped_allreduce(group, op=op))
            shm[key] = {"shm_calls": used, "digests": [P.digest(r.numpy()) for r in res],
                        "mpi_digests": [P.digest(r.numpy()) for r in ref],
                        "shapes": [list(r.shape) for r in res]}
meta["shm"] = shm
# ranks passing different shapes: the same clear error on every rank, and the next reduction
# is still right
try:
    dist.grouped_allreduce([tf.ones((3 + rank,)), tf.ones((2,))])
    meta["shm_mismatch"] = None
except ValueError as e:
    meta["shm_mismatch"] = f"{type(e).__name__}: {e}"
saved["shm/after_mismatch"] = dist.grouped_allreduce([tf.fill((5,), rank + 1.0)], op="sum")[0].numpy()
meta["shm_slot_bytes"] = dist._state.shm.slot_bytes if dist._state.shm is not None else None

# -- broadcast_variables equalises differently seeded models -----------------------------------
m = P.model(P.SEED + rank)
for i, w in enumerate(m.get_weights()):
    saved[f"bcast/before/{i}"] = w
dist.broadcast_variables(m.weights, root=0)
for i, w in enumerate(m.get_weights()):
    saved[f"bcast/after/{i}"] = w

x, y = P.data(size)
mse = keras.losses.MeanSquaredError()

# -- a hand-written loop with DistributedGradientTape (SGD with momentum) ----------------------
m = P.model(P.SEED + rank)
dist.broadcast_variables(m.weights)
opt = keras.optimizers.SGD(0.05, momentum=0.9)
for step in range(P.STEPS):
    rows = P.rank_rows(step, rank, size)
    with tf.GradientTape() as tape:
        loss = mse(y[rows], m(x[rows]))
    tape = dist.DistributedGradientTape(tape)
    grads = tape.gradient(loss, m.trainable_variables)
    opt.apply_gradients(zip(grads, m.trainable_variables))
for i, w in enumerate(m.get_weights()):
    saved[f"tape/{i}"] = w

# -- DistributedOptimizer (Adam) ---------------------------------------------------------------
m = P.model(P.SEED + rank)
dist.broadcast_variables(m.weights)
opt = dist.DistributedOptimizer(keras.optimizers.Adam(0.01))
meta["dopt_isinstance"] = isinstance(opt, keras.optimizers.Adam)
for step in range(P.STEPS):
    rows = P.rank_rows(step, rank, size)
    with tf.GradientTape() as tape:
        loss = mse(y[rows], m(x[rows]))
    grads = tape.gradient(loss, m.trainable_variables)
    opt.apply_gradients(zip(grads, m.trainable_variables))
meta["dopt_iterations"] = int(opt.iterations)
for i, w in enumerate(m.get_weights()):
    saved[f"dopt/{i}"] = w

# -- fit(distributed=True), shuffled; with a plain optimizer and with DistributedOptimizer ------
for name, make_opt in (("fit", lambda: keras.optimizers.SGD(0.05)),
                       ("fit_dopt", lambda: dist.DistributedOptimizer(keras.optimizers.SGD(0.05)))):
    m = P.model(P.SEED + rank)
    dist.broadcast_variables(m.weights)
    m.compile(optimizer=make_opt(), loss="mse", metrics=["mae"])
    before = dist.communication_stats()["calls"]
    before_shm = dist.communication_stats()["shm_calls"]
    h = m.fit(x, y, batch_size=P.BATCH, epochs=2, shuffle=True, distributed=True, verbose=0)
    meta[f"{name}_calls"] = dist.communication_stats()["calls"] - before
    meta[f"{name}_shm_calls"] = dist.communication_stats()["shm_calls"] - before_shm
    meta[f"{name}_loss"] = h.history["loss"]
    meta[f"{name}_mae"] = h.history["mae"]
    meta[f"{name}_comm_time"] = h.history.get("comm_time")
    for i, w in enumerate(m.get_weights()):
        saved[f"{name}/{i}"] = w

# -- fit(distributed=True) starts from rank 0's weights by itself --------------------------------
m = P.model(P.SEED + rank)
m.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
m.fit(x, y, batch_size=P.BATCH, epochs=2, shuffle=True, distributed=True, verbose=0)
for i, w in enumerate(m.get_weights()):
    saved[f"fit_nobcast/{i}"] = w

np.savez(os.path.join(out_dir, f"rank{rank}.npz"), **saved)
with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as fh:
    json.dump(meta, fh)
