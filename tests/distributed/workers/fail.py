"""MPI worker: ``fail.py mpi|shm``: rank 1 raises while the other ranks wait in a collective,
an MPI allreduce (``mpi``) or the shared-memory gradient reduction's barrier (``shm``: every
rank first reduces once, which creates the window); the job must fail with rank 1's error
shown instead of hanging (tapegrad.distributed's abort-on-exception)."""

import sys

import tapegrad as tf
from tapegrad import distributed as dist

where = sys.argv[1] if len(sys.argv) > 1 else "mpi"
dist.init()
grads = [tf.ones(3), tf.ones((2, 2))]
if where == "shm":
    dist.grouped_allreduce(grads)
    assert dist.communication_stats()["shm_calls"] == 1
if dist.rank() == 1:
    raise ValueError("boom on rank 1")
if where == "shm":
    dist.grouped_allreduce(grads)
else:
    dist.allreduce(tf.ones(3))
dist.barrier()
print(f"rank {dist.rank()} finished", flush=True)
