"""MPI worker: rank 1 raises while the other ranks wait in an allreduce; the job must fail
with rank 1's error shown instead of hanging (tapegrad.distributed's abort-on-exception)."""

import tapegrad as tf
from tapegrad import distributed as dist

dist.init()
if dist.rank() == 1:
    raise ValueError("boom on rank 1")
dist.allreduce(tf.ones(3))
dist.barrier()
print(f"rank {dist.rank()} finished", flush=True)
