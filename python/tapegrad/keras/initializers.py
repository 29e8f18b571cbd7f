"""tapegrad.keras.initializers: weight initialisers with Keras' names, defaults and formulas.

An initialiser is called as ``init(shape, dtype=float32)`` and returns a Tensor. The random
ones draw from ``tapegrad.random`` so ``tapegrad.random.set_seed(n)`` makes them reproducible.
"""

import math as _math

from .. import random as _random, _core
from ..dtypes import as_dtype, float32

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform",
    "LecunNormal", "LecunUniform", "VarianceScaling", "Orthogonal", "get", "serialize",
    "deserialize",
]


def _fans(shape):
    """(fan_in, fan_out) as Keras computes them: a Dense kernel (in, out) gives (in, out)."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = 1
    for d in shape[:-2]:
        receptive *= d
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: ``__call__(shape, dtype)`` returns the initial Tensor."""

    def __call__(self, shape, dtype=float32):
        raise NotImplementedError

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """An initializer from ``get_config``'s dict."""
        return cls(**config)


class Constant(Initializer):
    """Every element equal to ``value``."""

    def __init__(self, value=0.0):
        self.value = float(value)

    def __call__(self, shape, dtype=float32):
        return _core._fill(tuple(shape), self.value, as_dtype(dtype))

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        return {"value": self.value}


class Zeros(Constant):
    """All zeros (the default bias initialiser)."""

    def __init__(self):
        super().__init__(0.0)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        return {}


class Ones(Constant):
    """All ones."""

    def __init__(self):
        super().__init__(1.0)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        return {}


class RandomNormal(Initializer):
    """Normal values N(mean, stddev²); Keras defaults mean=0, stddev=0.05."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=float32):
        with _random._repeat_op_seeds():  # Keras 3: a seeded initializer repeats
            return _random.normal(shape, self.mean, self.stddev, dtype=dtype, seed=self.seed)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Uniform values in [minval, maxval); Keras defaults -0.05, 0.05."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=float32):
        with _random._repeat_op_seeds():  # Keras 3: a seeded initializer repeats
            return _random.uniform(shape, self.minval, self.maxval, dtype=dtype, seed=self.seed)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(Initializer):
    """Normal values N(mean, stddev²) cut at two standard deviations; defaults 0, 0.05."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=float32):
        with _random._repeat_op_seeds():  # Keras 3: a seeded initializer repeats
            return _random.truncated_normal(shape, self.mean, self.stddev, dtype=dtype, seed=self.seed)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Values with variance ``scale / n``, n = fan_in, fan_out or their mean (``mode``).

    ``distribution`` is 'truncated_normal' (stddev corrected for the cut, as Keras),
    'untruncated_normal' or 'uniform' (limit sqrt(3 * scale / n)).
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be positive, got {scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: invalid mode {mode!r}")
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(f"VarianceScaling: invalid distribution {distribution!r}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=float32):
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        scale = self.scale / max(1.0, n)
        with _random._repeat_op_seeds():  # Keras 3: a seeded initializer repeats
            if self.distribution == "uniform":
                limit = _math.sqrt(3.0 * scale)
                return _random.uniform(shape, -limit, limit, dtype=dtype, seed=self.seed)
            if self.distribution == "untruncated_normal":
                return _random.normal(shape, 0.0, _math.sqrt(scale), dtype=dtype, seed=self.seed)
            # stddev of a unit normal truncated at +-2 is 0.87962566103423978
            stddev = _math.sqrt(scale) / 0.87962566103423978
            return _random.truncated_normal(shape, 0.0, stddev, dtype=dtype, seed=self.seed)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class GlorotUniform(VarianceScaling):
    """Uniform in [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)) (Dense's default kernel)."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "uniform", seed)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        return {"seed": self.seed}


class GlorotNormal(VarianceScaling):
    """Truncated normal with stddev sqrt(2 / (fan_in + fan_out))."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        return {"seed": self.seed}


class HeNormal(VarianceScaling):
    """Truncated normal with stddev sqrt(2 / fan_in) (suits ReLU layers)."""

    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "truncated_normal", seed)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        return {"seed": self.seed}


class HeUniform(VarianceScaling):
    """Uniform in [-limit, limit], limit = sqrt(6 / fan_in)."""

    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "uniform", seed)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        return {"seed": self.seed}


class LecunNormal(VarianceScaling):
    """Truncated normal with stddev sqrt(1 / fan_in)."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "truncated_normal", seed)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        return {"seed": self.seed}


class LecunUniform(VarianceScaling):
    """Uniform in [-limit, limit], limit = sqrt(3 / fan_in)."""

    def __init__(self, seed=None):
        super().__init__(1.0, "fan_in", "uniform", seed)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        return {"seed": self.seed}


class Orthogonal(Initializer):
    """A random orthogonal matrix (rows or columns orthonormal, whichever are fewer) times
    ``gain``, as Keras' (the QR factor of a normal matrix, its signs fixed by R's diagonal);
    shapes of rank > 2 are flattened to (product of all but the last, last). Keras' default for
    recurrent kernels."""

    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = float(gain), seed

    def __call__(self, shape, dtype=float32):
        import numpy as np
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: the shape must have rank >= 2, got {shape}")
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        with _random._repeat_op_seeds():  # Keras 3: a seeded initializer repeats
            a = _random.normal((max(rows, cols), min(rows, cols)), dtype=float32, seed=self.seed).numpy()
        q, r = np.linalg.qr(a.astype(np.float64))
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return _core._constant((self.gain * q).reshape(shape).astype(as_dtype(dtype).as_numpy_dtype), as_dtype(dtype))

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        return {"gain": self.gain, "seed": self.seed}


_BY_NAME = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal, "he_normal": HeNormal,
    "he_uniform": HeUniform, "lecun_normal": LecunNormal, "lecun_uniform": LecunUniform,
    "variance_scaling": VarianceScaling, "orthogonal": Orthogonal,
}


def get(identifier):
    """An initialiser from a name ('glorot_uniform', 'zeros', 'GlorotUniform', ...), a config
    dict (``serialize``'s), an instance or a callable; names and configs of custom
    initializers are found in ``custom_objects`` / the registry (keras.saving)."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        key = identifier
        if key not in _BY_NAME:
            # Keras also accepts the class names ('GlorotUniform').
            key = "".join("_" + c.lower() if c.isupper() else c for c in identifier).lstrip("_")
        if key in _BY_NAME:
            return _BY_NAME[key]()
        from . import saving
        found = saving.get_registered_object(identifier)
        if found is not None:
            return found() if isinstance(found, type) else found
        raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


def serialize(initializer):
    """``{'module', 'class_name', 'config', 'registered_name'}`` for an initializer (a
    function by module and name), as ``keras.initializers.serialize``; None for None."""
    if initializer is None:
        return None
    from . import saving
    return saving.serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    """The initializer ``serialize`` described (its class among Keras' initializers, or a
    custom one in ``custom_objects`` / the registry)."""
    from . import saving
    table = {c.__name__: c for c in _BY_NAME.values()}
    obj = saving.deserialize_keras_object(config, custom_objects, module_objects=table)
    if isinstance(obj, type):
        obj = obj()
    if not callable(obj):
        raise ValueError(f"Could not interpret initializer identifier: {config!r}")
    return obj
