"""keras.layers.GroupNormalization and UnitNormalization against numpy, with gradients."""

import numpy as np
import pytest

from tapegrad import keras
from tapegrad.testing import check_gradients

L = keras.layers
RNG = np.random.default_rng(17)


def np_group_norm(x, groups, eps, gamma, beta):
    shape = x.shape
    g = x.reshape(shape[:-1] + (groups, shape[-1] // groups))
    axes = tuple(a for a in range(1, g.ndim) if a != g.ndim - 2)
    mean = g.mean(axes, keepdims=True)
    var = g.var(axes, keepdims=True)
    return ((g - mean) / np.sqrt(var + eps)).reshape(shape) * gamma + beta


@pytest.mark.parametrize("shape, groups", [((4, 6), 3), ((2, 5, 8), 4), ((2, 3, 3, 6), 2),
                                           ((2, 3, 3, 6), 6), ((2, 4, 4), 1)])
def test_group_normalization(shape, groups):
    x = RNG.standard_normal(shape) * 3 + 1
    layer = L.GroupNormalization(groups=groups, dtype="float64")
    layer(x)
    layer.gamma.assign(RNG.standard_normal(shape[-1]))
    layer.beta.assign(RNG.standard_normal(shape[-1]))
    got = layer(x).numpy()
    np.testing.assert_allclose(got, np_group_norm(x, groups, 1e-3, layer.gamma.numpy(),
                                                  layer.beta.numpy()), rtol=1e-10, atol=1e-12)
    check_gradients(lambda t: layer(t), [x], second_order=True)
    assert [w.name.split("/")[-1] for w in layer.weights] == ["gamma:0", "beta:0"]


def test_group_normalization_errors():
    with pytest.raises(ValueError, match=r"number of groups \(4\) must divide the channels \(6\)"):
        L.GroupNormalization(groups=4)(np.ones((2, 6), np.float32))
    with pytest.raises(ValueError, match="groups"):
        L.GroupNormalization(groups=0)


def test_unit_normalization():
    x = RNG.standard_normal((3, 4, 5))
    got = L.UnitNormalization(dtype="float64")(x).numpy()
    np.testing.assert_allclose(np.linalg.norm(got, axis=-1), 1.0, rtol=1e-12)
    both = L.UnitNormalization(axis=[1, 2], dtype="float64")(x).numpy()
    np.testing.assert_allclose(np.sqrt((both ** 2).sum(axis=(1, 2))), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(L.UnitNormalization()(np.zeros((1, 3), np.float32)).numpy(), 0)
    check_gradients(lambda t: L.UnitNormalization(dtype="float64")(t), [x], second_order=True)
