"""tapegrad.keras.optimizers: SGD (with momentum / Nesterov), Adam and RMSprop, Keras' formulas.

``apply_gradients(zip(grads, vars))`` updates each Variable in place. Plain SGD is one fused
C++ pass per variable (``Variable._axpy``: value += alpha * grad, copy-on-write safe); the
stateful rules are a few tapegrad ops on their slot Variables (see the final report of issue 5
for the fused kernels that would make them one pass too). Nothing here goes through numpy.
"""

import math as _math
import warnings as _warnings

import numpy as _np

from .. import _core

__all__ = ["Optimizer", "SGD", "Adam", "RMSprop", "get"]

# One-pass C++ update kernels, used when the core provides them (requested in issue 5):
#   var._sgd_momentum(grad, m, lr, momentum, nesterov)
#   var._adam(grad, m, v, vhat_or_None, lr_t, beta_1, beta_2, epsilon)
#   var._rmsprop(grad, v, mom_or_None, lr, rho, momentum, epsilon)
# Each updates the variable and its slots in place in one pass, with the formulas below.
_HAS_FUSED_SGD_MOMENTUM = hasattr(_core.Variable, "_sgd_momentum")
_HAS_FUSED_ADAM = hasattr(_core.Variable, "_adam")
_HAS_FUSED_RMSPROP = hasattr(_core.Variable, "_rmsprop")


class _Step(int):
    """The ``iterations`` counter: an int that also answers ``.numpy()`` like Keras' variable."""

    def numpy(self):
        """The count as a numpy int64."""
        return _np.int64(self)


class Optimizer:
    """Base class: applies gradients to Variables, counts steps in ``iterations``.

    ``learning_rate`` is a float or a callable ``schedule(step) -> float``. ``clipnorm``,
    ``clipvalue`` and ``global_clipnorm`` clip gradients first (Keras' meanings).
    Subclasses implement ``update_step(grad, variable, learning_rate)``.
    """

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None):
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set.")
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.name = name or type(self).__name__
        self.iterations = _Step(0)
        self._slots = {}  # id(variable) -> (variable, {slot name: Variable})

    # -- slots ---------------------------------------------------------------------------------
    def _slot(self, var, name):
        """The optimizer state ``name`` for ``var`` (zeros of its shape, created on first use)."""
        entry = self._slots.get(id(var))
        if entry is None or entry[0] is not var:
            entry = (var, {})
            self._slots[id(var)] = entry
        slots = entry[1]
        s = slots.get(name)
        if s is None:
            zeros = _core._fill(tuple(var.shape), 0.0, var.dtype)
            base = var.name[:-2] if var.name.endswith(":0") else var.name
            s = _core.Variable(zeros, trainable=False, name=f"{self.name}/{base}/{name}")
            slots[name] = s
        return s

    @property
    def variables(self):
        """All the optimizer's state Variables (momentum, moments, ...)."""
        return [s for _, slots in self._slots.values() for s in slots.values()]

    def _current_lr(self):
        lr = self.learning_rate
        return float(lr(self.iterations)) if callable(lr) else float(lr)

    # -- applying ------------------------------------------------------------------------------
    def _filter(self, grads_and_vars):
        pairs = []
        missing = []
        for g, v in grads_and_vars:
            if g is None:
                missing.append(v)
            else:
                pairs.append((g, v))
        if not pairs:
            raise ValueError(
                "No gradients provided for any variable. Variables: "
                f"{[getattr(v, 'name', repr(v)) for v in missing]}")
        if missing:
            _warnings.warn(
                f"Gradients do not exist for variables {[getattr(v, 'name', repr(v)) for v in missing]} "
                "when minimizing the loss. If using `model.compile()`, did you forget to provide "
                "a `loss` argument?", UserWarning, stacklevel=3)
        return pairs

    def _check(self, pairs):
        """Every pair checked (and converted) before any variable or slot changes: a bad
        gradient anywhere in the list leaves all the variables and the step count as they were."""
        op = f"{self.name}.apply_gradients"
        Variable = _core.Variable
        for g, v in pairs:
            if not isinstance(v, Variable):
                raise TypeError(f"{op}: expected a tapegrad.Variable to update, got {v!r} of "
                                f"type {type(v).__name__!r}")
        return [(v._checked(g, op), v) for g, v in pairs]

    def _clip(self, pairs):
        if self.clipnorm is not None:
            return [(_core.clip_by_norm(g, self.clipnorm), v) for g, v in pairs]
        if self.clipvalue is not None:
            c = self.clipvalue
            return [(_core.clip_by_value(g, -c, c), v) for g, v in pairs]
        if self.global_clipnorm is not None:
            total = _math.sqrt(sum(float(_core.reduce_sum(_core.square(g))) for g, _ in pairs))
            if total > self.global_clipnorm:
                scale = self.global_clipnorm / total
                return [(_core.multiply(g, scale), v) for g, v in pairs]
        return pairs

    def apply_gradients(self, grads_and_vars, name=None):
        """Update each variable in place from its gradient; returns the new ``iterations``.

        ``None`` gradients are skipped with a warning; if every gradient is ``None`` this
        raises ``ValueError("No gradients provided for any variable...")``.
        """
        pairs = self._check(self._filter(grads_and_vars))
        if self.clipnorm is not None or self.clipvalue is not None or self.global_clipnorm is not None:
            pairs = self._clip(pairs)
        lr = self._current_lr()
        if self.weight_decay:
            for _, v in pairs:
                v._axpy(-lr * self.weight_decay, v.read_value())
        self._apply(pairs, lr)
        self.iterations = _Step(self.iterations + 1)
        return self.iterations

    def _apply(self, pairs, lr):
        for g, v in pairs:
            self.update_step(g, v, lr)

    def update_step(self, gradient, variable, learning_rate):
        """Update one variable (override in subclasses)."""
        raise NotImplementedError

    def minimize(self, loss, var_list, tape=None):
        """Compute the gradient of ``loss`` (a tensor recorded on ``tape``, or a callable
        taking no arguments) w.r.t. ``var_list`` and apply it."""
        from ..tape import GradientTape
        if callable(loss):
            with GradientTape() as tape:
                value = loss()
        else:
            if tape is None:
                raise ValueError("`tape` is required when a `Tensor` loss is passed.")
            value = loss
        var_list = list(var_list() if callable(var_list) else var_list)
        grads = tape.gradient(value, var_list)
        return self.apply_gradients(zip(grads, var_list))

    def get_config(self):
        """The constructor arguments, as a dict."""
        return {"name": self.name, "learning_rate": self.learning_rate,
                "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                "clipvalue": self.clipvalue, "global_clipnorm": self.global_clipnorm}


class SGD(Optimizer):
    """Gradient descent, optionally with (Nesterov) momentum; Keras' defaults and formulas.

    momentum = 0:  w -= lr * g                        (one fused pass per variable)
    momentum > 0:  m = momentum * m - lr * g;  w += m   (or, with nesterov,
                   w += momentum * m - lr * g)
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(momentum, (int, float)) or momentum < 0 or momentum > 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _apply(self, pairs, lr):
        if self.momentum == 0.0:
            neg = -lr
            for g, v in pairs:
                v._axpy(neg, g)
            return
        for g, v in pairs:
            self.update_step(g, v, lr)

    def update_step(self, gradient, variable, learning_rate):
        """One SGD(+momentum) update of ``variable`` in place."""
        if self.momentum == 0.0:
            variable._axpy(-learning_rate, gradient)
            return
        m = self._slot(variable, "momentum")
        if _HAS_FUSED_SGD_MOMENTUM:
            variable._sgd_momentum(gradient, m, learning_rate, self.momentum, self.nesterov)
            return
        m.assign(_core.multiply(m, self.momentum))
        m._axpy(-learning_rate, gradient)
        if self.nesterov:
            variable._axpy(self.momentum, m)
            variable._axpy(-learning_rate, gradient)
        else:
            variable._axpy(1.0, m)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(momentum=self.momentum, nesterov=self.nesterov)
        return cfg


class Adam(Optimizer):
    """Adam with Keras' defaults (lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7).

    At step t (from 1): lr_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t);
    m += (g - m) (1 - beta_1);  v += (g² - v) (1 - beta_2);  w -= lr_t * m / (sqrt(v) + epsilon)
    (with ``amsgrad``, v is replaced by the running maximum of v).
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.amsgrad = bool(amsgrad)

    def update_step(self, gradient, variable, learning_rate):
        """One Adam update of ``variable`` in place."""
        t = self.iterations + 1
        b1, b2 = self.beta_1, self.beta_2
        lr_t = learning_rate * _math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
        m = self._slot(variable, "m")
        v = self._slot(variable, "v")
        if _HAS_FUSED_ADAM:
            vhat = self._slot(variable, "vhat") if self.amsgrad else None
            variable._adam(gradient, m, v, vhat, lr_t, b1, b2, self.epsilon)
            return
        m._axpy(1.0 - b1, _core.subtract(gradient, m))
        v._axpy(1.0 - b2, _core.subtract(_core.square(gradient), v))
        denom_src = v
        if self.amsgrad:
            vhat = self._slot(variable, "vhat")
            vhat.assign(_core.maximum(vhat, v))
            denom_src = vhat
        step = _core.divide(m, _core.add(_core.sqrt(denom_src), self.epsilon))
        variable._axpy(-lr_t, step)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon,
                   amsgrad=self.amsgrad)
        return cfg


class RMSprop(Optimizer):
    """RMSprop with Keras 3's defaults (lr 0.001, rho 0.9, momentum 0, epsilon 1e-7).

    v = rho v + (1 - rho) g²;  step = lr * g / sqrt(v + epsilon);  with momentum:
    mom = momentum * mom + step, w -= mom; else w -= step.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if centered:
            raise NotImplementedError("RMSprop(centered=True) is not supported yet")
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)
        self.centered = False

    def update_step(self, gradient, variable, learning_rate):
        """One RMSprop update of ``variable`` in place."""
        v = self._slot(variable, "velocity")
        if _HAS_FUSED_RMSPROP:
            mom = self._slot(variable, "momentum") if self.momentum > 0 else None
            variable._rmsprop(gradient, v, mom, learning_rate, self.rho, self.momentum, self.epsilon)
            return
        v._axpy(1.0 - self.rho, _core.subtract(_core.square(gradient), v))
        step = _core.divide(gradient, _core.sqrt(_core.add(v, self.epsilon)))
        if self.momentum > 0:
            mom = self._slot(variable, "momentum")
            mom.assign(_core.multiply(mom, self.momentum))
            mom._axpy(learning_rate, step)
            variable._axpy(-1.0, mom)
        else:
            variable._axpy(-learning_rate, step)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(rho=self.rho, momentum=self.momentum, epsilon=self.epsilon)
        return cfg


_BY_NAME = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}


def get(identifier):
    """An optimizer from a name ('sgd', 'adam', 'rmsprop', any case) or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")
