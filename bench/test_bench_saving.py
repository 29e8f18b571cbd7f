"""pytest-benchmark: ``model.save`` / ``keras.models.load_model`` (the .keras zip: config.json,
metadata.json, model.weights.npz) against the numpy floor, ``np.savez`` / ``np.load`` of the
same arrays (the model's weights and Adam's slots) to and from one file, 1 and 2 threads.

The model is an MLP 784-512-512-10 (670 K parameters, 2.7 MB of float32 weights, 8 MB with
Adam's slots). load_model also rebuilds the model from its config (drawing initial values that
the loaded ones then replace), compiles it and restores the optimizer.

    pytest bench/test_bench_saving.py --benchmark-group-by=group
"""
import contextlib

import numpy as np
import pytest

pytest.importorskip("pytest_benchmark")
tf = pytest.importorskip("tapegrad")
from tapegrad import keras  # noqa: E402
from tapegrad.keras import saving  # noqa: E402


def _limit(threads):
    from gemm_report import set_threads
    return set_threads(threads) or contextlib.nullcontext()


def _model():
    tf.random.set_seed(0)
    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(512, activation="relu"),
                              keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).standard_normal((64, 784)).astype(np.float32)
    model.fit(x, np.zeros((64, 10), np.float32), epochs=1, verbose=0)
    return model


def _arrays(model):
    paths = saving._variable_paths(model)
    arrays = {p: v.numpy() for p, v in paths.items()}
    arrays.update(saving._optimizer_arrays(model.optimizer, paths))
    return arrays


def np_save(path, arrays):
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def np_load(path):
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
def test_save(benchmark, tmp_path, threads, impl):
    model = _model()
    arrays = _arrays(model)
    benchmark.group = f"save MLP 784-512-512-10 + Adam state, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(np_save, str(tmp_path / "w.npz"), arrays)
        else:
            benchmark(model.save, str(tmp_path / "m.keras"))


@pytest.mark.parametrize("impl", ["numpy", "tapegrad"])
@pytest.mark.parametrize("threads", [1, 2])
def test_load(benchmark, tmp_path, threads, impl):
    model = _model()
    path, npz = str(tmp_path / "m.keras"), str(tmp_path / "w.npz")
    model.save(path)
    np_save(npz, _arrays(model))
    loaded = keras.models.load_model(path)
    x = np.ones((2, 784), np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    benchmark.group = f"load MLP 784-512-512-10 + Adam state, {threads}T"
    with _limit(threads):
        if impl == "numpy":
            benchmark(np_load, npz)
        else:
            benchmark(keras.models.load_model, path)
