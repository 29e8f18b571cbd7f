"""keras.optimizers.schedules against Keras 3's formulas, the optimizer using one step by step,
config round trips and bad arguments."""

import math

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

S = keras.optimizers.schedules
STEPS = [0, 1, 7, 10, 25, 99, 100, 101, 250]


@pytest.mark.parametrize("make, ref", [
    (lambda: S.ExponentialDecay(0.1, 10, 0.5), lambda s: 0.1 * 0.5 ** (s / 10)),
    (lambda: S.ExponentialDecay(0.1, 10, 0.5, staircase=True), lambda s: 0.1 * 0.5 ** (s // 10)),
    (lambda: S.InverseTimeDecay(1.0, 5, 0.5), lambda s: 1.0 / (1 + 0.5 * s / 5)),
    (lambda: S.InverseTimeDecay(1.0, 5, 0.5, staircase=True), lambda s: 1.0 / (1 + 0.5 * (s // 5))),
    (lambda: S.PiecewiseConstantDecay([10, 100], [1.0, 0.5, 0.1]),
     lambda s: 1.0 if s <= 10 else (0.5 if s <= 100 else 0.1)),
    (lambda: S.PolynomialDecay(1.0, 100, 0.01, power=2.0),
     lambda s: (1.0 - 0.01) * (1 - min(s, 100) / 100) ** 2 + 0.01),
    (lambda: S.PolynomialDecay(1.0, 100, 0.0, cycle=True),
     lambda s: 1.0 * (1 - s / (100 * max(math.ceil(s / 100), 1)))),
    (lambda: S.CosineDecay(1.0, 100, alpha=0.1),
     lambda s: 0.9 * 0.5 * (1 + math.cos(math.pi * min(s, 100) / 100)) + 0.1),
    (lambda: S.CosineDecay(0.0, 90, warmup_target=1.0, warmup_steps=10),
     lambda s: s / 10 if s < 10 else 0.5 * (1 + math.cos(math.pi * min(s - 10, 90) / 90))),
])
def test_schedule_values(make, ref):
    schedule = make()
    for s in STEPS:
        assert schedule(s) == pytest.approx(ref(s), rel=1e-12, abs=1e-15), s
    again = type(schedule).from_config(schedule.get_config())
    assert [again(s) for s in STEPS] == [schedule(s) for s in STEPS]
    assert S.deserialize(S.serialize(schedule))(7) == schedule(7)


def test_cosine_decay_restarts():
    s = S.CosineDecayRestarts(1.0, 10, t_mul=2.0, m_mul=0.5)
    assert s(0) == 1.0 and s(10) == pytest.approx(0.5) and s(30) == pytest.approx(0.25)
    assert s(5) == pytest.approx(0.5) and s(20) == pytest.approx(0.25)  # half way: half
    flat = S.CosineDecayRestarts(2.0, 4, t_mul=1.0)
    assert [flat(i) for i in (0, 4, 8)] == [2.0, 2.0, 2.0]


def test_optimizer_follows_the_schedule():
    schedule = S.PiecewiseConstantDecay([1, 2], [1.0, 0.5, 0.25])
    opt = keras.optimizers.SGD(learning_rate=schedule)
    v = tf.Variable(10.0)
    for _ in range(4):
        opt.apply_gradients([(tf.constant(1.0), v)])
    # steps 0, 1 use 1.0; step 2 uses 0.5; step 3 uses 0.25
    assert float(v.numpy()) == pytest.approx(10 - 1 - 1 - 0.5 - 0.25)
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(S.ExponentialDecay(0.05, 10, 0.9)), loss="mse")
    x = np.random.default_rng(0).standard_normal((32, 2)).astype(np.float32)
    model.fit(x, x[:, :1], epochs=2, verbose=0)
    assert int(model.optimizer.iterations) == 2


@pytest.mark.parametrize("make, match", [
    (lambda: S.ExponentialDecay(0.1, 0, 0.5), "decay_steps"),
    (lambda: S.PiecewiseConstantDecay([1, 2], [1.0]), "1 less than"),
    (lambda: S.PiecewiseConstantDecay([2, 1], [1.0, 2.0, 3.0]), "increase"),
    (lambda: S.deserialize({"class_name": "Nope"}), "Could not interpret"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()
