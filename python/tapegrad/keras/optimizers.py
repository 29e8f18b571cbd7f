"""tapegrad.keras.optimizers: Keras 3's optimizers with their formulas, defaults and names.

SGD (momentum / Nesterov), Adam (amsgrad), AdamW, RMSprop (momentum, centered), Adagrad,
Adadelta, Adamax, Nadam, Ftrl, Lion, Adafactor and Lamb. ``apply_gradients(zip(grads, vars))``
(or Keras 3's ``apply(grads, vars)``) updates each Variable in place and adds one to
``iterations``, an int64 Variable as in Keras 3. Plain SGD is one fused C++ pass per variable (``Variable._axpy``: value +=
alpha * grad, copy-on-write safe), and so are SGD with momentum, Adam and uncentered RMSprop
(``Variable._sgd_momentum``, ``_adam``, ``_rmsprop``); the other rules are a few tapegrad ops on
their slot Variables. Nothing here goes through numpy. After every update a variable with a
``constraint`` (``tf.Variable(..., constraint=fn)``, a layer's ``kernel_constraint``) is
projected, ``var.assign(var.constraint(var))``, as Keras does.
"""

import math as _math
import warnings as _warnings

import numpy as _np

from .. import _core, _variables
from ..dtypes import float32 as _float32, int64 as _int64
from . import schedules  # noqa: F401 (keras.optimizers.schedules)
from .schedules import LearningRateSchedule as _Schedule

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "Nadam", "Ftrl", "Lion", "Adafactor", "Lamb", "get", "serialize", "deserialize"]

# One-pass C++ update kernels, used when the core provides them (requested in issue 5):
#   var._sgd_momentum(grad, m, lr, momentum, nesterov)
#   var._adam(grad, m, v, vhat_or_None, lr_t, beta_1, beta_2, epsilon)
#   var._rmsprop(grad, v, mom_or_None, lr, rho, momentum, epsilon)
#   var._adamax(grad, m, u, lr_t, beta_1, beta_2, epsilon)
# Each updates the variable and its slots in place in one pass, with the formulas below.
_HAS_FUSED_SGD_MOMENTUM = hasattr(_core.Variable, "_sgd_momentum")
_HAS_FUSED_ADAM = hasattr(_core.Variable, "_adam")
_HAS_FUSED_RMSPROP = hasattr(_core.Variable, "_rmsprop")


class _Step(int):
    """A step count as a Python int that also answers ``.numpy()`` (what a learning-rate
    schedule receives; ``optimizer.iterations`` itself is an int64 Variable)."""

    def numpy(self):
        """The count as a numpy int64."""
        return _np.int64(self)


class _LearningRate(float):
    """``optimizer.learning_rate``: the current rate as a float that also answers what Keras
    3's learning-rate variable does: ``assign`` (sets the optimizer's rate), ``numpy()``,
    ``dtype``. With a schedule it is the schedule's value at the current step."""

    def __new__(cls, value, opt):
        self = super().__new__(cls, value)
        self._opt = opt
        return self

    def assign(self, value):
        """Set the optimizer's learning rate (not allowed while it follows a schedule)."""
        if callable(self._opt._learning_rate):
            raise TypeError("This optimizer's learning_rate is a schedule or a callable: it cannot "
                            "be assigned (set `optimizer.learning_rate = value` to replace it)")
        self._opt.learning_rate = value
        return self._opt.learning_rate

    def numpy(self):
        """The rate as a numpy float32 (Keras 3 keeps it in a float32 variable)."""
        return _np.float32(self)

    @property
    def dtype(self):
        return _float32


class Optimizer:
    """Base class: applies gradients to Variables, counts steps in ``iterations``.

    ``learning_rate`` is a float, a ``LearningRateSchedule`` (called with the step) or a
    callable taking no arguments (Keras 3). Reading ``optimizer.learning_rate`` gives the
    current rate (a float with ``assign``/``numpy``); setting it replaces the rate. ``clipnorm``,
    ``clipvalue`` and ``global_clipnorm`` clip gradients first (Keras' meanings).

    As in Keras 3, ``iterations`` is a non-trainable int64 Variable (``assign``, ``numpy()``,
    arithmetic), a constant learning rate also lives in a float32 Variable, and
    ``variables`` lists ``[iteration, learning_rate, <slots>]``. ``build(var_list)`` creates
    the slots up front (``apply_gradients`` does it on first use); ``apply(grads, vars)`` is
    Keras 3's spelling of ``apply_gradients``. Subclasses implement
    ``update_step(grad, variable, learning_rate)`` and list their slots in ``_slot_specs``.
    """

    # Keras 3's order of the slots in ``variables``: groups of slot names, each group's slots
    # interleaved variable by variable (None: every slot of a variable, variable by variable).
    _SLOT_GROUPS = None

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None):
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set.")
        self.name = name or type(self).__name__
        # Keras 3: an int64 step counter Variable (non-trainable), first in `variables`.
        self._iterations = _core.Variable(0, trainable=False, name="iteration", dtype=_int64)
        self._t = None  # the step being applied (iterations + 1), set during apply_gradients
        self._lr_var = None  # the float32 learning-rate Variable (a constant rate only)
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self._slots = {}  # id(variable) -> (variable, {slot name: Variable})
        self._trainable_variables = []  # the variables the optimizer is built for, in order
        self._var_index = {}  # id(variable) -> index in _trainable_variables
        self.built = False

    # -- step counter --------------------------------------------------------------------------
    @property
    def iterations(self):
        """The number of steps applied: a non-trainable int64 Variable named 'iteration', as in
        Keras 3 (``int(opt.iterations)``, ``opt.iterations.numpy()``, ``.assign(n)``)."""
        return self._iterations

    @iterations.setter
    def iterations(self, value):
        self._iterations.assign(int(value))

    # -- slots ---------------------------------------------------------------------------------
    def _slot_specs(self, var):
        """``[(slot name, initial value), ...]`` the rule keeps for ``var`` (override)."""
        return []

    def _slot_shape(self, var, name):
        """The shape of slot ``name`` of ``var`` (the variable's own, unless a rule factors it)."""
        return tuple(var.shape)

    def _slot(self, var, name, initial_value=0.0):
        """The optimizer state ``name`` for ``var`` (``initial_value`` in its shape and dtype,
        created on first use)."""
        entry = self._slots.get(id(var))
        if entry is None or entry[0] is not var:
            entry = (var, {})
            self._slots[id(var)] = entry
        slots = entry[1]
        s = slots.get(name)
        if s is None:
            init = _core._fill(self._slot_shape(var, name), float(initial_value), var.dtype)
            base = var.name[:-2] if var.name.endswith(":0") else var.name
            s = _core.Variable(init, trainable=False, name=f"{self.name}/{base}/{name}")
            slots[name] = s
        return s

    def build(self, var_list):
        """Create the optimizer's state for the Variables ``var_list`` (Keras 3): each rule's
        slots, zeros (or the rule's initial value), in Keras' order. ``apply_gradients``
        builds on first use; an explicit call lets ``apply(grads)`` run without the
        variables and ``variables`` list every slot before the first step. Calling it again
        with new variables adds them."""
        var_list = list(var_list)
        for v in var_list:
            if not isinstance(v, _core.Variable):
                raise TypeError(f"{self.name}.build: expected a list of tapegrad.Variable, got "
                                f"{v!r:.80} of type {type(v).__name__!r}")
        idx = self._var_index
        for v in var_list:
            if id(v) not in idx:
                idx[id(v)] = len(self._trainable_variables)
                self._trainable_variables.append(v)
            for name, init in self._slot_specs(v):
                self._slot(v, name, init)
        self.built = True

    @property
    def variables(self):
        """The optimizer's Variables as Keras 3 lists them: ``iteration`` (int64), the float32
        ``learning_rate`` (when it is a constant, not a schedule or a callable), then the
        slots (momentum, moments, ...) in Keras' order."""
        out = [self._iterations]
        if self._lr_var is not None:
            out.append(self._lr_var)
        entries = list(self._slots.values())
        groups = self._SLOT_GROUPS
        if groups is None:
            out += [s for _, slots in entries for s in slots.values()]
        else:
            listed = set()
            for group in groups:
                for _, slots in entries:
                    for name in group:
                        s = slots.get(name)
                        if s is not None:
                            out.append(s)
                            listed.add(id(s))
            out += [s for _, slots in entries for s in slots.values() if id(s) not in listed]
        return out

    # -- learning rate -------------------------------------------------------------------------
    @property
    def learning_rate(self):
        """The current learning rate: a float with Keras 3's ``assign`` and ``numpy()``; with
        a schedule, its value at the current step. Setting it replaces the rate."""
        return _LearningRate(self._current_lr(), self)

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, (int, float, _np.floating, _np.integer)) and not isinstance(value, bool):
            value = float(value)
        elif isinstance(value, (_core.Tensor, _core.Variable, _np.ndarray)) and value.ndim == 0:
            value = float(value.numpy() if hasattr(value, "numpy") else value)  # its value now
        elif not callable(value):
            raise ValueError(
                f"{self.name}: argument `learning_rate` should be a float, an instance of "
                "LearningRateSchedule, or a callable (that takes no arguments and returns the "
                f"learning rate value). Received instead: learning_rate={value!r:.80}")
        self._learning_rate = value
        if type(value) is float:
            if self._lr_var is None:
                self._lr_var = _core.Variable(value, trainable=False, name="learning_rate",
                                              dtype=_float32)
            else:
                self._lr_var.assign(value)
            self._lr_seen = float(self._lr_var)
        else:
            self._lr_var = None  # a schedule or a callable has no variable (Keras 3)

    def _current_lr(self):
        """The rate for this step: the constant (re-read if its Variable was assigned), a
        LearningRateSchedule's value at the step count, or a plain callable's value (Keras 3
        calls it with no arguments, as in ``SGD(lambda: 0.5)``)."""
        lr = self._learning_rate
        if type(lr) is float:
            seen = float(self._lr_var)
            if seen != self._lr_seen:  # opt.variables[1].assign(...) or similar
                self._learning_rate = lr = self._lr_seen = seen
            return lr
        if isinstance(lr, _Schedule):
            t = self._t
            return float(lr(_Step(int(self._iterations) if t is None else t - 1)))
        return float(lr())

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
        """Update each variable in place from its gradient; returns ``iterations`` (the
        Variable, one more than before).

        ``None`` gradients are skipped with a warning; if every gradient is ``None`` this
        raises ``ValueError("No gradients provided for any variable...")``; an empty list
        does nothing (Keras 3). Variables not seen before are built first (their slots
        created). A variable with a ``constraint`` is then projected,
        ``var.assign(var.constraint(var))``, as Keras does.
        """
        grads_and_vars = list(grads_and_vars)
        if not grads_and_vars:  # no variables at all (a frozen model): a no-op, as Keras 3
            return self._iterations
        pairs = self._check(self._filter(grads_and_vars))
        idx = self._var_index
        for _, v in grads_and_vars:
            if id(v) not in idx:  # new variables (all checked): their slots, in Keras' order
                self.build([v for _, v in grads_and_vars if isinstance(v, _core.Variable)])
                break
        if self.clipnorm is not None or self.clipvalue is not None or self.global_clipnorm is not None:
            pairs = self._clip(pairs)
        self._t = int(self._iterations) + 1
        try:
            lr = self._current_lr()
            if self.weight_decay:
                for _, v in pairs:
                    v._axpy(-lr * self.weight_decay, v.read_value())
            self._apply(pairs, lr)
            if _variables.constraints_in_use():
                self._apply_constraints(pairs)
            self._iterations.assign_add(1)
        finally:
            self._t = None
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Keras 3's ``apply``: update ``trainable_variables`` from ``grads`` (two lists in the
        same order), as ``apply_gradients(zip(grads, trainable_variables))``. Without
        ``trainable_variables`` the optimizer must be built (``build(var_list)`` or an
        earlier step) and ``grads`` match the variables it was built with, one to one."""
        grads = list(grads)
        if not grads:  # nothing to apply: a no-op, as Keras 3
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    f"{self.name}.apply: when passing `grads` without `variables`, the optimizer "
                    "must already be built on a list of variables. Call "
                    "`optimizer.build(trainable_variables)` first.")
            trainable_variables = self._trainable_variables
            if len(grads) != len(trainable_variables):
                raise ValueError(
                    f"{self.name}.apply: when passing `grads` as a list of gradient tensors, the "
                    "gradients must match the variables the optimizer was built with, one to "
                    f"one. Received a list of {len(grads)} gradients, but the optimizer is "
                    f"tracking {len(trainable_variables)} trainable variables.")
        else:
            trainable_variables = list(trainable_variables)
            if len(grads) != len(trainable_variables):
                raise ValueError(
                    f"{self.name}.apply: got {len(grads)} gradients for "
                    f"{len(trainable_variables)} variables; they must match one to one")
        self.apply_gradients(zip(grads, trainable_variables))

    @staticmethod
    def _apply_constraints(pairs):
        """Keras: after the update, ``var.assign(var.constraint(var))`` for every updated
        variable that has a constraint (``tf.Variable(..., constraint=fn)``, a layer's
        ``kernel_constraint``, ...), whichever update rule (fused or not) ran. Not recorded
        on any active tape."""
        from ..math import _no_tape
        with _no_tape():
            for _, v in pairs:
                c = v.constraint
                if c is not None:
                    v.assign(c(v))

    def _apply(self, pairs, lr):
        for g, v in pairs:
            self.update_step(g, v, lr)

    def _local_step(self):
        """The step being applied, counted from 1 (``iterations + 1``) as a Python int."""
        t = self._t
        return int(self._iterations) + 1 if t is None else t

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
        """The constructor arguments, as a dict (Keras': a learning-rate schedule or function
        as its serialized config)."""
        lr = self._learning_rate
        if callable(lr):
            from . import saving
            lr = saving.serialize_keras_object(lr)
        return {"name": self.name, "learning_rate": lr,
                "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                "clipvalue": self.clipvalue, "global_clipnorm": self.global_clipnorm}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """An optimizer from ``get_config``'s dict (its learning-rate schedule deserialized)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            from . import saving
            with saving.CustomObjectScope(custom_objects, dict(schedules._CLASSES)):
                config["learning_rate"] = saving._nested(config["learning_rate"])
        return cls(**config)


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

    def _slot_specs(self, var):
        return [("momentum", 0.0)] if self.momentum > 0 else []

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

    _SLOT_GROUPS = (("m", "v"), ("vhat",))  # Keras 3: momentum/velocity pairs, then velocity_hat

    def _slot_specs(self, var):
        return [("m", 0.0), ("v", 0.0)] + ([("vhat", 0.0)] if self.amsgrad else [])

    def update_step(self, gradient, variable, learning_rate):
        """One Adam update of ``variable`` in place."""
        t = self._local_step()
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

    v = rho v + (1 - rho) g²;  centered: a = rho a + (1 - rho) g, d = v - a² + epsilon, else
    d = v + epsilon;  step = lr * g / sqrt(d);  with momentum: mom = momentum * mom + step,
    w -= mom; else w -= step. Uncentered, it is one fused pass per variable.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon = float(rho), float(momentum), float(epsilon)
        self.centered = bool(centered)

    _SLOT_GROUPS = (("velocity",), ("momentum",), ("average_gradient",))

    def _slot_specs(self, var):
        return ([("velocity", 0.0)] + ([("momentum", 0.0)] if self.momentum > 0 else [])
                + ([("average_gradient", 0.0)] if self.centered else []))

    def update_step(self, gradient, variable, learning_rate):
        """One RMSprop update of ``variable`` in place."""
        v = self._slot(variable, "velocity")
        if _HAS_FUSED_RMSPROP and not self.centered:
            mom = self._slot(variable, "momentum") if self.momentum > 0 else None
            variable._rmsprop(gradient, v, mom, learning_rate, self.rho, self.momentum, self.epsilon)
            return
        v._axpy(1.0 - self.rho, _core.subtract(_core.square(gradient), v))
        denom = _core.add(v, self.epsilon)
        if self.centered:
            avg = self._slot(variable, "average_gradient")
            avg._axpy(1.0 - self.rho, _core.subtract(gradient, avg))
            denom = _core.subtract(denom, _core.square(avg))
        step = _core.divide(gradient, _core.sqrt(denom))
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
        cfg.update(rho=self.rho, momentum=self.momentum, epsilon=self.epsilon,
                   centered=self.centered)
        return cfg


def _non_negative(owner, **values):
    """ValueError naming the optimizer and the argument for a negative hyperparameter."""
    for key, value in values.items():
        if not isinstance(value, (int, float)) or value < 0:
            raise ValueError(f"{owner}: `{key}` must be a float >= 0. Received: {key}={value!r}")


class AdamW(Adam):
    """Adam with decoupled weight decay (Keras 3's AdamW; weight_decay 0.004 by default).

    Before the Adam step each variable shrinks by ``lr * weight_decay * w`` (the base class's
    ``weight_decay``, applied at the same point as Keras)."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: argument `weight_decay` must be a float. "
                             "Received: weight_decay=None")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)


class Adagrad(Optimizer):
    """Adagrad with Keras 3's defaults (lr 0.001, initial_accumulator_value 0.1, epsilon 1e-7).

    acc += g²;  w -= lr * g / sqrt(acc + epsilon)
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        _non_negative(self.name, initial_accumulator_value=initial_accumulator_value)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)

    def _slot_specs(self, var):
        return [("accumulator", self.initial_accumulator_value)]

    def update_step(self, gradient, variable, learning_rate):
        """One Adagrad update of ``variable`` in place."""
        acc = self._slot(variable, "accumulator", self.initial_accumulator_value)
        acc.assign_add(_core.square(gradient))
        variable._axpy(-learning_rate,
                       _core.divide(gradient, _core.sqrt(_core.add(acc, self.epsilon))))

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(initial_accumulator_value=self.initial_accumulator_value,
                   epsilon=self.epsilon)
        return cfg


class Adadelta(Optimizer):
    """Adadelta with Keras 3's defaults (lr 0.001, rho 0.95, epsilon 1e-7).

    a = rho a + (1 - rho) g²;  d = -sqrt(ad + epsilon) * g / sqrt(a + epsilon);
    ad = rho ad + (1 - rho) d²;  w += lr * d
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.epsilon = float(rho), float(epsilon)

    def _slot_specs(self, var):
        return [("accumulated_grad", 0.0), ("accumulated_delta_var", 0.0)]

    def update_step(self, gradient, variable, learning_rate):
        """One Adadelta update of ``variable`` in place."""
        acc = self._slot(variable, "accumulated_grad")
        acc_delta = self._slot(variable, "accumulated_delta_var")
        rho, eps = self.rho, self.epsilon
        acc._axpy(1.0 - rho, _core.subtract(_core.square(gradient), acc))
        delta = _core.divide(_core.multiply(_core.sqrt(_core.add(acc_delta, eps)), gradient),
                             _core.sqrt(_core.add(acc, eps)))  # -delta_var in Keras' terms
        acc_delta._axpy(1.0 - rho, _core.subtract(_core.square(delta), acc_delta))
        variable._axpy(-learning_rate, delta)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(rho=self.rho, epsilon=self.epsilon)
        return cfg


class Adamax(Optimizer):
    """Adamax (Adam with the infinity norm) with Keras 3's defaults (lr 0.001, beta_1 0.9,
    beta_2 0.999, epsilon 1e-7).

    m += (g - m)(1 - beta_1);  u = max(beta_2 u, |g|);  w -= lr m / ((1 - beta_1^t)(u + epsilon))
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)

    def _slot_specs(self, var):
        return [("m", 0.0), ("u", 0.0)]

    def update_step(self, gradient, variable, learning_rate):
        """One Adamax update of ``variable`` in place."""
        t = self._local_step()
        m = self._slot(variable, "m")
        u = self._slot(variable, "u")
        scale = learning_rate / (1.0 - self.beta_1 ** t)
        variable._adamax(gradient, m, u, scale, self.beta_1, self.beta_2, self.epsilon)  # one C++ pass

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return cfg


class Nadam(Optimizer):
    """Nadam (Adam with Nesterov momentum) with Keras 3's defaults and momentum schedule.

    At step t: u_t = beta_1 (1 - 0.5 * 0.96^t), the running product P_t = u_1 ... u_t;
    m += (g - m)(1 - beta_1);  v += (g² - v)(1 - beta_2);
    m_hat = u_{t+1} m / (1 - P_t u_{t+1}) + (1 - u_t) g / (1 - P_t);  v_hat = v / (1 - beta_2^t);
    w -= lr m_hat / (sqrt(v_hat) + epsilon)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self._u_product = 1.0

    def _slot_specs(self, var):
        return [("m", 0.0), ("v", 0.0)]

    def _apply(self, pairs, lr):
        # The momentum product advances once per step, before any variable's update (Keras).
        self._u_product *= self._u(self._local_step())
        super()._apply(pairs, lr)

    def _u(self, step):
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** step)

    def update_step(self, gradient, variable, learning_rate):
        """One Nadam update of ``variable`` in place (after the step's momentum product)."""
        t = self._local_step()
        u_t, u_next = self._u(t), self._u(t + 1)
        p_t = self._u_product
        m = self._slot(variable, "m")
        v = self._slot(variable, "v")
        m._axpy(1.0 - self.beta_1, _core.subtract(gradient, m))
        v._axpy(1.0 - self.beta_2, _core.subtract(_core.square(gradient), v))
        m_hat = _core.add(_core.multiply(m, u_next / (1.0 - p_t * u_next)),
                          _core.multiply(gradient, (1.0 - u_t) / (1.0 - p_t)))
        v_hat = _core.multiply(v, 1.0 / (1.0 - self.beta_2 ** t))
        variable._axpy(-learning_rate,
                       _core.divide(m_hat, _core.add(_core.sqrt(v_hat), self.epsilon)))

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return cfg


class Ftrl(Optimizer):
    """FTRL-proximal with Keras 3's arguments and defaults (lr 0.001, learning_rate_power -0.5,
    initial_accumulator_value 0.1, l1/l2/l2-shrinkage strengths 0, beta 0).

    n' = n + g²;  z += g + 2 l2s w - (n'^-p - n^-p) / lr * w;
    w = (clip(z, -l1, l1) - z) / (n'^-p / lr + 2 (l2 + beta / (2 lr)));  n = n'
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(learning_rate_power, (int, float)) or learning_rate_power > 0:
            raise ValueError("Ftrl: `learning_rate_power` needs to be negative or zero. "
                             f"Received: learning_rate_power={learning_rate_power!r}")
        _non_negative(self.name, initial_accumulator_value=initial_accumulator_value,
                      l1_regularization_strength=l1_regularization_strength,
                      l2_regularization_strength=l2_regularization_strength,
                      l2_shrinkage_regularization_strength=l2_shrinkage_regularization_strength)
        self.learning_rate_power = float(learning_rate_power)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.l1_regularization_strength = float(l1_regularization_strength)
        self.l2_regularization_strength = float(l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = float(l2_shrinkage_regularization_strength)
        self.beta = float(beta)

    def _slot_specs(self, var):
        return [("accumulator", self.initial_accumulator_value), ("linear", 0.0)]

    def _power(self, x):
        p = -self.learning_rate_power
        return _core.sqrt(x) if p == 0.5 else _core.pow(x, p)

    def update_step(self, gradient, variable, learning_rate):
        """One FTRL update of ``variable`` in place."""
        lr = learning_rate
        accum = self._slot(variable, "accumulator", self.initial_accumulator_value)
        linear = self._slot(variable, "linear")
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        w = variable.read_value()
        grad = gradient
        if self.l2_shrinkage_regularization_strength:
            grad = _core.add(grad, _core.multiply(w, 2.0 * self.l2_shrinkage_regularization_strength))
        new_accum = _core.add(accum, _core.square(gradient))
        new_power = self._power(new_accum)
        sigma = _core.multiply(_core.subtract(new_power, self._power(accum)), 1.0 / lr)
        linear.assign_add(_core.subtract(grad, _core.multiply(sigma, w)))
        quadratic = _core.add(_core.multiply(new_power, 1.0 / lr), 2.0 * l2)
        clipped = _core.clip_by_value(linear, -l1, l1)
        variable.assign(_core.divide(_core.subtract(clipped, linear), quadratic))
        accum.assign(new_accum)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(learning_rate_power=self.learning_rate_power,
                   initial_accumulator_value=self.initial_accumulator_value,
                   l1_regularization_strength=self.l1_regularization_strength,
                   l2_regularization_strength=self.l2_regularization_strength,
                   l2_shrinkage_regularization_strength=self.l2_shrinkage_regularization_strength,
                   beta=self.beta)
        return cfg


class Lion(Optimizer):
    """Lion (evolved sign momentum) with Keras 3's defaults (lr 0.001, beta_1 0.9, beta_2 0.99).

    w -= lr * sign(beta_1 m + (1 - beta_1) g);  m = beta_2 m + (1 - beta_2) g
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(beta_1, (int, float)) or beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Lion: argument for `beta_1` must be in the range (0, 1]. "
                             f"Received: beta_1={beta_1!r}")
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)

    def _slot_specs(self, var):
        return [("momentum", 0.0)]

    def update_step(self, gradient, variable, learning_rate):
        """One Lion update of ``variable`` in place."""
        m = self._slot(variable, "momentum")
        direction = _core.add(_core.multiply(m, self.beta_1),
                              _core.multiply(gradient, 1.0 - self.beta_1))
        variable._axpy(-learning_rate, _core.sign(direction))
        m._axpy(1.0 - self.beta_2, _core.subtract(gradient, m))

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(beta_1=self.beta_1, beta_2=self.beta_2)
        return cfg


def _number(owner, key, value, low=None, high=None, low_open=False):
    """ValueError naming the optimizer and the argument unless ``value`` is a real number in
    the range (``low`` excluded with ``low_open``)."""
    ok = isinstance(value, (int, float, _np.floating, _np.integer)) and not isinstance(value, bool)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        where = "a number" if low is None and high is None else (
            f"a number {'>' if low_open else '>='} {low}" if high is None else
            f"a number in {'(' if low_open else '['}{low}, {high}]")
        raise ValueError(f"{owner}: `{key}` must be {where}. Received: {key}={value!r}")
    return float(value)


class Adafactor(Optimizer):
    """Adafactor with Keras 3's defaults (lr 0.001, beta_2_decay -0.8, epsilon_1 1e-30,
    epsilon_2 1e-3, clip_threshold 1.0, relative_step True).

    At step t (from 1): with a constant rate and ``relative_step``, lr = min(lr, 1/sqrt(t));
    rho = min(lr, 1/sqrt(t));  alpha = max(epsilon_2, rms(w)) * rho;
    beta = 1 - t^beta_2_decay;  G = g² + epsilon_1.
    A variable of rank >= 2 keeps factored second moments over its last two axes:
    r = beta r + (1 - beta) mean(G, -1),  c = beta c + (1 - beta) mean(G, -2),
    v = (r / mean(r, -1))[..., None] * c[..., None, :];  otherwise v = beta v + (1 - beta) G.
    u = g / sqrt(v);  w -= alpha * u / max(1, rms(u) / clip_threshold).
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_2_decay = _number(self.name, "beta_2_decay", beta_2_decay)
        self.epsilon_1 = _number(self.name, "epsilon_1", epsilon_1, 0.0)
        self.epsilon_2 = _number(self.name, "epsilon_2", epsilon_2, 0.0)
        self.clip_threshold = _number(self.name, "clip_threshold", clip_threshold, 0.0,
                                      low_open=True)
        self.relative_step = bool(relative_step)

    def _slot_specs(self, var):
        if len(var.shape) >= 2:
            return [("r", 0.0), ("c", 0.0), ("velocity", 0.0)]
        return [("velocity", 0.0)]

    def _slot_shape(self, var, name):
        shape = tuple(var.shape)
        if name == "r":  # the row statistics: the last axis averaged out
            return shape[:-1]
        if name == "c":  # the column statistics: the second-last axis averaged out
            return shape[:-2] + shape[-1:]
        return shape

    @staticmethod
    def _rms(x):
        return _core.sqrt(_core.reduce_mean(_core.square(x)))

    def update_step(self, gradient, variable, learning_rate):
        """One Adafactor update of ``variable`` in place."""
        t = float(self._local_step())
        inv_sqrt_t = 1.0 / _math.sqrt(t)
        lr = learning_rate
        if not callable(self._learning_rate) and self.relative_step:
            lr = min(lr, inv_sqrt_t)
        rho = min(lr, inv_sqrt_t)
        alpha = _core.multiply(_core.maximum(self._rms(variable), self.epsilon_2), rho)
        g2 = _core.add(_core.square(gradient), self.epsilon_1)
        beta = 1.0 - t ** self.beta_2_decay
        v = self._slot(variable, "velocity")
        if len(variable.shape) >= 2:
            r = self._slot(variable, "r")
            c = self._slot(variable, "c")
            r.assign(_core.add(_core.multiply(r, beta),
                               _core.multiply(_core.reduce_mean(g2, [-1]), 1.0 - beta)))
            c.assign(_core.add(_core.multiply(c, beta),
                               _core.multiply(_core.reduce_mean(g2, [-2]), 1.0 - beta)))
            row = _core.divide(r, _core.reduce_mean(r, [-1], True))
            v.assign(_core.multiply(_core.expand_dims(row, -1), _core.expand_dims(c, -2)))
        else:
            v.assign(_core.add(_core.multiply(v, beta), _core.multiply(g2, 1.0 - beta)))
        u = _core.divide(gradient, _core.sqrt(v))
        u = _core.divide(u, _core.maximum(_core.divide(self._rms(u), self.clip_threshold), 1.0))
        variable.assign_sub(_core.multiply(alpha, u))

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(beta_2_decay=self.beta_2_decay, epsilon_1=self.epsilon_1,
                   epsilon_2=self.epsilon_2, clip_threshold=self.clip_threshold,
                   relative_step=self.relative_step)
        return cfg


class Lamb(Optimizer):
    """LAMB (layer-wise adaptive moments) with Keras 3's defaults (lr 0.001, beta_1 0.9,
    beta_2 0.999, epsilon 1e-7).

    At step t (from 1): m += (g - m)(1 - beta_1);  v += (g² - v)(1 - beta_2);
    update = (m / (1 - beta_1^t)) / (sqrt(v / (1 - beta_2^t)) + epsilon);
    ratio = ||w|| / ||update|| (1 when either norm is 0);  w -= ratio * lr * update.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = _number(self.name, "beta_1", beta_1, 0.0, 1.0)
        self.beta_2 = _number(self.name, "beta_2", beta_2, 0.0, 1.0)
        self.epsilon = _number(self.name, "epsilon", epsilon, 0.0)

    def _slot_specs(self, var):
        return [("m", 0.0), ("v", 0.0)]

    def update_step(self, gradient, variable, learning_rate):
        """One Lamb update of ``variable`` in place."""
        t = self._local_step()
        b1, b2 = self.beta_1, self.beta_2
        m = self._slot(variable, "m")
        v = self._slot(variable, "v")
        m._axpy(1.0 - b1, _core.subtract(gradient, m))
        v._axpy(1.0 - b2, _core.subtract(_core.square(gradient), v))
        m_hat = _core.multiply(m, 1.0 / (1.0 - b1 ** t))
        v_sqrt = _core.add(_core.sqrt(_core.multiply(v, 1.0 / (1.0 - b2 ** t))), self.epsilon)
        update = _core.divide(m_hat, v_sqrt)
        w_norm = float(_core.sqrt(_core.reduce_sum(_core.square(variable))))
        u_norm = float(_core.sqrt(_core.reduce_sum(_core.square(update))))
        ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
        variable._axpy(-ratio * learning_rate, update)

    def get_config(self):
        """The constructor arguments, as a dict (Keras' get_config)."""
        cfg = super().get_config()
        cfg.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        return cfg


_BY_NAME = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad,
            "adadelta": Adadelta, "adamax": Adamax, "nadam": Nadam, "ftrl": Ftrl, "lion": Lion,
            "adafactor": Adafactor, "lamb": Lamb}


def get(identifier):
    """An optimizer from a name ('sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta',
    'adamax', 'nadam', 'ftrl', 'lion', 'adafactor', 'lamb'; any case), a config dict (``serialize``'s) or an
    instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    if isinstance(identifier, dict) and "class_name" in identifier:
        return deserialize(identifier)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")


def serialize(optimizer):
    """``{'module', 'class_name', 'config', 'registered_name'}`` for an optimizer (its
    hyperparameters; the state is not part of it), as ``keras.optimizers.serialize``."""
    from . import saving
    return saving.serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """A new optimizer from ``serialize``'s dict (custom classes from ``custom_objects`` /
    the registry)."""
    from . import saving
    table = {c.__name__: c for c in _BY_NAME.values()}
    opt = saving.deserialize_keras_object(config, custom_objects, module_objects=table)
    if not isinstance(opt, Optimizer):
        raise ValueError(f"Could not interpret optimizer identifier: {config!r}")
    return opt
