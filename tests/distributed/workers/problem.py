"""The training problem shared by the MPI workers and the single-process references."""

import hashlib

import numpy as np

import tapegrad as tf
from tapegrad import keras

FEATURES, HIDDEN = 6, 16
BATCH = 8          # rows per rank and step
STEPS = 4          # steps per epoch
SEED = 1000        # rank r seeds its weights with SEED + r; broadcast makes them rank 0's


def data(size):
    """STEPS * size * BATCH rows: every step's global batch is size * BATCH rows."""
    rng = np.random.default_rng(0)
    n = STEPS * size * BATCH
    x = rng.standard_normal((n, FEATURES)).astype(np.float32)
    y = (np.sin(x[:, :1]) + 0.5 * x[:, 1:2] ** 2).astype(np.float32)
    return x, y


def model(seed):
    """The MLP, with weights drawn from ``seed``."""
    tf.random.set_seed(seed)
    m = keras.Sequential([keras.layers.Dense(HIDDEN, activation="relu"), keras.layers.Dense(1)])
    m.build((None, FEATURES))
    return m


def rank_rows(step, rank, size):
    """This rank's rows of a step: the rank-th BATCH rows of the step's global batch."""
    start = (step * size + rank) * BATCH
    return slice(start, start + BATCH)


def global_rows(step, size):
    """All the rows of a step (the concatenation of every rank's rows)."""
    return slice(step * size * BATCH, (step + 1) * size * BATCH)


def allreduce_input(shape, dtype, rank):
    """Rank ``rank``'s input of the allreduce tests: small multiples of 1/2, so that sums
    over a few ranks are exact."""
    n = int(np.prod(shape, dtype=np.int64))
    return ((np.arange(n) % 7) + 0.5 * rank).astype(dtype).reshape(shape)


ALLREDUCE_SHAPES = [(0,), (1,), (), (10**6 + 3,), (2, 3, 4)]
ALLREDUCE_DTYPES = ["float32", "float64"]


def digest(a):
    """SHA-1 of an array's dtype, shape and bytes."""
    a = np.ascontiguousarray(a)
    return hashlib.sha1(f"{a.dtype.str}{a.shape}".encode() + a.tobytes()).hexdigest()
