"""tapegrad.distributed on real MPI jobs of 2 and 3 processes (mpiexec on this machine).

One job per process count runs workers/collectives.py; the tests below check what each rank
saved: allreduce results, broadcast, and training that must leave every rank with identical
weights equal (to float32 rounding) to one process training on the concatenated batches.
"""

import json
import os
import sys
import time

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "workers"))
import problem as P  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

SIZES = [2, 3]


@pytest.fixture(scope="module", params=SIZES, ids=[f"{n}ranks" for n in SIZES])
def job(request, mpirun, tmp_path_factory):
    """Run the collectives worker on n processes once; the per-rank results."""
    n = request.param
    out = tmp_path_factory.mktemp(f"mpi{n}")
    r = mpirun.run(n, "collectives.py", out, timeout=120)
    assert r.returncode == 0, f"MPI job failed (rc {r.returncode}):\n{r.stdout}\n{r.stderr}"
    ranks = []
    for k in range(n):
        with open(out / f"rank{k}.json") as fh:
            meta = json.load(fh)
        arrays = dict(np.load(out / f"rank{k}.npz"))
        ranks.append((meta, arrays))
    return n, ranks


def _weights(arrays, prefix):
    out, i = [], 0
    while f"{prefix}/{i}" in arrays:
        out.append(arrays[f"{prefix}/{i}"])
        i += 1
    assert out, prefix
    return out


def _assert_identical_across_ranks(ranks, prefix):
    first = _weights(ranks[0][1], prefix)
    for meta, arrays in ranks[1:]:
        for a, b in zip(first, _weights(arrays, prefix)):
            assert np.array_equal(a, b), f"{prefix}: rank {meta['rank']} differs from rank 0"
    return first


def test_job_has_the_requested_size_and_one_thread_per_rank(job):
    n, ranks = job
    assert [m["rank"] for m, _ in ranks] == list(range(n))
    assert all(m["size"] == n and m["local_size"] == n for m, _ in ranks)
    assert all(m["threads"] == 1 for m, _ in ranks)


@pytest.mark.parametrize("dtype", P.ALLREDUCE_DTYPES)
@pytest.mark.parametrize("shape", P.ALLREDUCE_SHAPES, ids=lambda s: "x".join(map(str, s)) or "scalar")
@pytest.mark.parametrize("op", ["sum", "mean"])
def test_allreduce_is_exact_on_every_rank(job, dtype, shape, op):
    n, ranks = job
    total = sum(P.allreduce_input(shape, dtype, k) for k in range(n)).astype(dtype)
    expected = total if op == "sum" else np.divide(total, np.asarray(n, dtype=dtype)).astype(dtype)
    key = f"allreduce/{op}/{dtype}/{'x'.join(map(str, shape))}"
    for meta, arrays in ranks:
        got = meta["allreduce"][key]
        assert got["shape"] == list(shape) and got["dtype"] == dtype and got["type"] == "Tensor"
        if key in arrays:
            np.testing.assert_array_equal(arrays[key], expected)
        assert got["digest"] == P.digest(expected), f"rank {meta['rank']}: {key} is wrong"


def test_allreduce_of_a_variable_averages_its_value(job):
    n, ranks = job
    expected = np.mean([P.allreduce_input((5,), "float32", k) for k in range(n)], axis=0)
    for _, arrays in ranks:
        np.testing.assert_allclose(arrays["allreduce/default/variable"], expected, rtol=1e-7)


def test_grouped_allreduce_fuses_and_matches_separate_allreduces(job):
    n, ranks = job
    specs = [((3, 4), "float32"), None, ((5,), "float64"), ((1000,), "float32"),
             ((0,), "float32"), ((), "float64")]
    for meta, arrays in ranks:
        # one Allreduce per dtype with the default threshold; 64 bytes: the 4000-byte tensor
        # alone and one bucket per dtype; 0: one per tensor
        assert meta["grouped_calls"] == {"None": 2, "64": 3, "0": 5}
        for thr in ("None", "64", "0"):
            for i, spec in enumerate(specs):
                assert bool(arrays[f"grouped/{thr}/{i}/none"]) == (spec is None)
                if spec is None:
                    continue
                shape, dt = spec
                total = sum(P.allreduce_input(shape, dt, k) for k in range(n)).astype(dt)
                expected = np.divide(total, np.asarray(n, dtype=dt)).astype(dt)
                got = arrays[f"grouped/{thr}/{i}"]
                assert got.dtype == np.dtype(dt) and got.shape == shape
                np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("dtype", P.ALLREDUCE_DTYPES)
@pytest.mark.parametrize("shape", P.ALLREDUCE_SHAPES, ids=lambda s: "x".join(map(str, s)) or "scalar")
@pytest.mark.parametrize("op", ["sum", "mean"])
def test_shared_memory_allreduce_is_exact_and_matches_mpi(job, dtype, shape, op):
    n, ranks = job
    key = f"{op}/{dtype}/{'x'.join(map(str, shape))}"
    expected = []
    for s, offset in ((shape, 0), ((7,), 3)):
        # numpy's sum adds the ranks in rank order, as the shared-memory reduction does
        total = sum(P.allreduce_input(s, dtype, k + offset) for k in range(n)).astype(dtype)
        expected.append(total if op == "sum" else
                        np.divide(total, np.asarray(n, dtype=dtype)).astype(dtype))
    for meta, _ in ranks:
        got = meta["shm"][key]
        assert got["shm_calls"] == 1, f"rank {meta['rank']}: {key} did not use shared memory"
        assert got["shapes"] == [list(shape), [7]]
        assert got["digests"] == [P.digest(e) for e in expected], f"rank {meta['rank']}: {key}"
        assert got["mpi_digests"] == got["digests"]
    # 10**6+3 float64 (8 MB) grew the window from its first 64 KiB to 8 MiB slots
    assert all(m["shm_slot_bytes"] == 8 << 20 for m, _ in ranks)


def test_ranks_passing_different_shapes_all_get_the_same_clear_error(job):
    n, ranks = job
    parts = "; ".join(f"rank {r}: 2 float32 tensors, {4 * (3 + r) + 8} bytes" for r in range(n))
    for meta, arrays in ranks:
        assert meta["shm_mismatch"] == (
            f"InvalidArgumentError: grouped_allreduce: the ranks passed different tensors "
            f"({parts}); every rank must pass the same shapes and dtypes in the same order")
        np.testing.assert_array_equal(arrays["shm/after_mismatch"],
                                      np.full(5, n * (n + 1) / 2, np.float32))


def test_broadcast_variables_makes_differently_seeded_ranks_equal(job):
    n, ranks = job
    before = [_weights(arrays, "bcast/before") for _, arrays in ranks]
    # the ranks really started different ...
    for k in range(1, n):
        assert not np.array_equal(before[0][0], before[k][0])
    # ... and all hold rank 0's weights afterwards
    after = _assert_identical_across_ranks(ranks, "bcast/after")
    for a, b in zip(after, before[0]):
        np.testing.assert_array_equal(a, b)


def _reference_loop(n, make_opt):
    """One process, plain GradientTape, on each step's concatenated global batch."""
    x, y = P.data(n)
    m = P.model(P.SEED)
    opt = make_opt()
    mse = keras.losses.MeanSquaredError()
    for step in range(P.STEPS):
        rows = P.global_rows(step, n)
        with tf.GradientTape() as tape:
            loss = mse(y[rows], m(x[rows]))
        grads = tape.gradient(loss, m.trainable_variables)
        opt.apply_gradients(zip(grads, m.trainable_variables))
    return m.get_weights()


def _assert_close_to(weights, reference, what):
    for a, b in zip(weights, reference):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6, err_msg=what)
    # and training did move them: not a vacuous comparison
    assert any(not np.allclose(a, b) for a, b in zip(weights, P.model(P.SEED).get_weights()))


def test_distributed_gradient_tape_equals_one_process_on_the_concatenated_batch(job):
    n, ranks = job
    weights = _assert_identical_across_ranks(ranks, "tape")
    ref = _reference_loop(n, lambda: keras.optimizers.SGD(0.05, momentum=0.9))
    _assert_close_to(weights, ref, "DistributedGradientTape + SGD(momentum)")


def test_distributed_optimizer_equals_one_process_on_the_concatenated_batch(job):
    n, ranks = job
    weights = _assert_identical_across_ranks(ranks, "dopt")
    assert all(m["dopt_isinstance"] and m["dopt_iterations"] == P.STEPS for m, _ in ranks)
    ref = _reference_loop(n, lambda: keras.optimizers.Adam(0.01))
    _assert_close_to(weights, ref, "DistributedOptimizer(Adam)")


@pytest.mark.parametrize("name", ["fit", "fit_dopt"])
def test_fit_distributed_equals_one_process_fit_on_the_concatenated_batches(job, name):
    n, ranks = job
    weights = _assert_identical_across_ranks(ranks, name)
    x, y = P.data(n)
    m = P.model(P.SEED)  # the same seed as rank 0, so the same shuffled order as rank 0's
    m.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    h = m.fit(x, y, batch_size=P.BATCH * n, epochs=2, shuffle=True, verbose=0)
    _assert_close_to(weights, m.get_weights(), name)
    for meta, _ in ranks:
        # one fused allreduce per step (and not two with DistributedOptimizer), through the
        # shared-memory window since every rank is on this machine
        assert meta[f"{name}_calls"] == 2 * P.STEPS
        assert meta[f"{name}_shm_calls"] == 2 * P.STEPS
        np.testing.assert_allclose(meta[f"{name}_loss"], h.history["loss"], rtol=1e-5)
        # metrics: every rank logs the mean over all ranks' samples, as one process would
        np.testing.assert_allclose(meta[f"{name}_mae"], h.history["mae"], rtol=1e-5)
        comm = meta[f"{name}_comm_time"]
        assert comm is not None and len(comm) == 2 and all(c > 0 for c in comm)


def test_fit_distributed_starts_from_rank_0s_weights_without_an_explicit_broadcast(job):
    n, ranks = job
    weights = _assert_identical_across_ranks(ranks, "fit_nobcast")
    fitted = _assert_identical_across_ranks(ranks, "fit")  # the same run after a broadcast
    for a, b in zip(weights, fitted):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("where", ["mpi", "shm"])
def test_an_exception_on_one_rank_fails_the_job_with_its_message(mpirun, n, where):
    t0 = time.perf_counter()
    r = mpirun.run(n, "fail.py", where, timeout=60)
    elapsed = time.perf_counter() - t0
    assert r.returncode != 0
    text = r.stdout + r.stderr
    assert "ValueError: boom on rank 1" in text, text
    assert "uncaught exception on rank 1" in text, text
    assert "finished" not in r.stdout  # the other ranks did not get past the collective
    assert elapsed < 60


def test_demo_distributed_trains_on_two_processes(mpirun):
    r = mpirun.run(2, "-m tapegrad.demo", "--distributed",
                   "--epochs", "2", "--quiet", timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "on 2 MPI processes" in out
    assert "2 distinct value set(s) over the ranks before broadcast_variables, 1 after" in out
    assert "weights identical on all 2 ranks: yes" in out
    assert "samples/s over all ranks" in out and "communication (gradient allreduce)" in out
    assert out.count("== Data-parallel training") == 1  # rank 0 prints, rank 1 does not


def _readme_block():
    import pathlib
    import re
    readme = pathlib.Path(__file__).resolve().parents[2] / "README.md"
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(), re.S)
    block = [b for b in blocks if "tapegrad.distributed" in b]
    assert len(block) == 1
    return block[0]


_README_CHECK = """
import hashlib
digest = hashlib.sha1(b"".join(w.tobytes() for w in model.get_weights())).hexdigest()
digests = dist.allgather_object(digest)
if dist.rank() == 0:
    print("README ranks", dist.size(), "distinct weights", len(set(digests)), flush=True)
"""


def test_readme_distributed_example_runs_on_two_processes(mpirun, tmp_path):
    script = tmp_path / "readme_example.py"
    script.write_text(_readme_block() + _README_CHECK)
    r = mpirun.run(2, str(script), timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "README ranks 2 distinct weights 1" in r.stdout
    assert r.stdout.count("Epoch 2/2") == 1  # rank 0's progress only
