"""keras.optimizers.schedules: learning rates that change with the optimizer's step, as Keras 3's.

Pass one as an optimizer's ``learning_rate``; the optimizer calls ``schedule(iterations)``
before each update (step 0 first). Each returns a Python float.
"""

import math

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "InverseTimeDecay", "CosineDecay", "CosineDecayRestarts",
           "serialize", "deserialize"]


def _positive(owner, **values):
    for key, v in values.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
            raise ValueError(f"{owner}: `{key}` must be > 0, received {key}={v!r}")


class LearningRateSchedule:
    """Base class: ``__call__(step) -> float`` and ``get_config()``."""

    def __call__(self, step):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(step)")

    def get_config(self):
        """The constructor arguments, as a dict."""
        if "_config" not in self.__dict__:
            raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must "
                                      "override `get_config()` in order to be serializable.")
        return dict(self._config)

    @classmethod
    def from_config(cls, config):
        """A schedule from ``get_config``'s dict."""
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._config.items())
        return f"{type(self).__name__}({args})"


class _RateDecay(LearningRateSchedule):
    """What ExponentialDecay and InverseTimeDecay share: their arguments and the progress
    ``step / decay_steps`` (floored with ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name=None):
        _positive(type(self).__name__, decay_steps=decay_steps)
        self._config = dict(initial_learning_rate=initial_learning_rate, decay_steps=decay_steps,
                            decay_rate=decay_rate, staircase=staircase,
                            name=name or type(self).__name__)
        self.initial_learning_rate, self.decay_steps = float(initial_learning_rate), decay_steps
        self.decay_rate, self.staircase = float(decay_rate), bool(staircase)

    def _progress(self, step):
        p = float(step) / self.decay_steps
        return math.floor(p) if self.staircase else p


class ExponentialDecay(_RateDecay):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (the exponent floored
    with ``staircase``)."""

    def __call__(self, step):
        return self.initial_learning_rate * self.decay_rate ** self._progress(step)


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` up to and including ``boundaries[0]``, ``values[1]`` up to
    ``boundaries[1]``, ..., ``values[-1]`` after the last boundary."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(values) != len(boundaries) + 1:
            raise ValueError("PiecewiseConstantDecay: the length of boundaries should be 1 less "
                             f"than the length of values, got {len(boundaries)} boundaries and "
                             f"{len(values)} values")
        if any(b >= c for b, c in zip(boundaries, boundaries[1:])):
            raise ValueError(f"PiecewiseConstantDecay: boundaries must increase, got {boundaries}")
        self._config = dict(boundaries=boundaries, values=values, name=name)
        self.boundaries, self.values = boundaries, [float(v) for v in values]

    def __call__(self, step):
        s = float(step)
        for b, v in zip(self.boundaries, self.values):
            if s <= b:
                return v
        return self.values[-1]


class PolynomialDecay(LearningRateSchedule):
    """From ``initial_learning_rate`` to ``end_learning_rate`` over ``decay_steps`` along
    ``(1 - step / decay_steps) ** power``, then constant; with ``cycle`` the decay restarts
    over ever longer multiples of ``decay_steps``."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _positive("PolynomialDecay", decay_steps=decay_steps)
        self._config = dict(initial_learning_rate=initial_learning_rate, decay_steps=decay_steps,
                            end_learning_rate=end_learning_rate, power=power, cycle=cycle,
                            name=name)
        self.initial_learning_rate, self.decay_steps = float(initial_learning_rate), decay_steps
        self.end_learning_rate, self.power, self.cycle = float(end_learning_rate), float(power), cycle

    def __call__(self, step):
        s = float(step)
        steps = float(self.decay_steps)
        if self.cycle:
            steps *= max(math.ceil(s / steps), 1.0)
        else:
            s = min(s, steps)
        frac = (1.0 - s / steps) ** self.power
        return (self.initial_learning_rate - self.end_learning_rate) * frac + self.end_learning_rate


class InverseTimeDecay(_RateDecay):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (the ratio floored
    with ``staircase``)."""

    def __call__(self, step):
        return self.initial_learning_rate / (1.0 + self.decay_rate * self._progress(step))


class CosineDecay(LearningRateSchedule):
    """Cosine annealing from ``initial_learning_rate`` to ``alpha`` times it over
    ``decay_steps``; with ``warmup_steps`` and ``warmup_target`` it first rises linearly to
    ``warmup_target`` and decays from there, as Keras 3's."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _positive("CosineDecay", decay_steps=decay_steps)
        self._config = dict(initial_learning_rate=initial_learning_rate, decay_steps=decay_steps,
                            alpha=alpha, name=name, warmup_target=warmup_target,
                            warmup_steps=warmup_steps)
        self.initial_learning_rate, self.decay_steps = float(initial_learning_rate), decay_steps
        self.alpha, self.warmup_target, self.warmup_steps = float(alpha), warmup_target, warmup_steps

    def __call__(self, step):
        s = float(step)
        start = self.initial_learning_rate
        if self.warmup_target is not None:
            if s < self.warmup_steps:
                return start + (float(self.warmup_target) - start) * s / self.warmup_steps
            start = float(self.warmup_target)
            s -= self.warmup_steps
        s = min(s, float(self.decay_steps))
        cosine = 0.5 * (1.0 + math.cos(math.pi * s / self.decay_steps))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine annealing with warm restarts (SGDR): periods of ``first_decay_steps``, each
    ``t_mul`` times longer than the last, each restart's peak ``m_mul`` times lower."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        _positive("CosineDecayRestarts", first_decay_steps=first_decay_steps)
        self._config = dict(initial_learning_rate=initial_learning_rate,
                            first_decay_steps=first_decay_steps, t_mul=t_mul, m_mul=m_mul,
                            alpha=alpha, name=name)
        self.initial_learning_rate = float(initial_learning_rate)
        self.first_decay_steps = first_decay_steps
        self.t_mul, self.m_mul, self.alpha = float(t_mul), float(m_mul), float(alpha)

    def __call__(self, step):
        frac = float(step) / self.first_decay_steps
        if self.t_mul == 1.0:
            i = math.floor(frac)
            frac -= i
        else:
            i = math.floor(math.log(1.0 - frac * (1.0 - self.t_mul)) / math.log(self.t_mul))
            done = (1.0 - self.t_mul ** i) / (1.0 - self.t_mul)
            frac = (frac - done) / self.t_mul ** i
        cosine = 0.5 * self.m_mul ** i * (1.0 + math.cos(math.pi * frac))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)


_CLASSES = {c.__name__: c for c in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
                                    InverseTimeDecay, CosineDecay, CosineDecayRestarts)}


def serialize(schedule):
    """``{'module', 'class_name', 'config', 'registered_name'}`` for a schedule, as
    ``keras.optimizers.schedules.serialize``."""
    from . import saving
    return saving.serialize_keras_object(schedule)


def deserialize(config, custom_objects=None):
    """The schedule ``serialize`` described (custom schedules from ``custom_objects`` / the
    registry)."""
    from . import saving
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret learning rate schedule: {config!r}")
    try:
        schedule = saving.deserialize_keras_object(config, custom_objects, module_objects=_CLASSES)
    except TypeError as e:
        raise ValueError(f"Could not interpret learning rate schedule: {config!r} ({e})") from None
    if not isinstance(schedule, LearningRateSchedule):
        raise ValueError(f"Could not interpret learning rate schedule: {config!r}")
    return schedule
