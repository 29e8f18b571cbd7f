"""tapegrad.keras.callbacks: hooks into ``fit`` (Callback, History, EarlyStopping, progress bar,
learning-rate schedules, checkpoints, CSVLogger, TerminateOnNaN, LambdaCallback)."""

import sys
import time

import numpy as _np

__all__ = ["Callback", "History", "EarlyStopping", "ProgbarLogger", "LearningRateScheduler",
           "ReduceLROnPlateau", "ModelCheckpoint", "CSVLogger", "TerminateOnNaN", "LambdaCallback"]



def format_log_value(v):
    """A logged value as the progress line shows it: ``0.1234``, or an array (F1Score with
    ``average=None``, thresholds lists) as ``[0.1 0.2]`` with 4 decimals."""
    if isinstance(v, _np.ndarray) and v.ndim > 0:
        return _np.array2string(v, precision=4, separator=" ")
    return f"{v:.4f}"

class Callback:
    """Base class of ``fit`` hooks; override the ``on_*`` methods you need.

    ``self.model`` is the model being trained, ``self.params`` fit's settings
    (epochs, steps, verbose).
    """

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        """Called by fit before training."""
        self.model = model

    def set_params(self, params):
        """Called by fit before training."""
        self.params = params

    def on_train_begin(self, logs=None):
        """Before the first epoch."""

    def on_train_end(self, logs=None):
        """After the last epoch."""

    def on_epoch_begin(self, epoch, logs=None):
        """Before each epoch (0-based)."""

    def on_epoch_end(self, epoch, logs=None):
        """After each epoch; ``logs`` has 'loss' and each compiled metric's value (and
        'val_loss', 'val_<metric>' with validation data)."""

    def on_train_batch_begin(self, batch, logs=None):
        """Before each training step."""

    def on_train_batch_end(self, batch, logs=None):
        """After each training step; ``logs['loss']`` (and each compiled metric) is the
        running value of the epoch so far."""


class History(Callback):
    """Records each epoch's logs: ``history.history['loss']`` is the loss per epoch.

    ``fit`` returns it; ``history.epoch`` lists the epoch indices.
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        """Keep the records of earlier fit calls' epochs (as Keras), ready for new ones."""
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        """Append this epoch's values."""
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)

    def __repr__(self):
        return f"<History epochs={len(self.epoch)} keys={sorted(self.history)}>"


def _direction(monitor, mode, who):
    """(mode, sign) for a monitored value: 'auto' (as Keras) is 'max' for a monitor ending in
    'acc', 'accuracy' or 'auc' and 'min' otherwise; sign * value is smaller when better."""
    if mode not in ("min", "max", "auto"):
        raise ValueError(f"{who}: invalid mode {mode!r}")
    if mode == "auto":
        mode = "max" if monitor.endswith(("acc", "accuracy", "auc")) else "min"
    return mode, (-1.0 if mode == "max" else 1.0)


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    ``mode`` 'min' or 'max' says which way is better; 'auto' (the default, as Keras) takes
    'max' for a monitor ending in 'acc', 'accuracy' or 'auc' ('val_accuracy') and 'min'
    otherwise ('val_loss', 'mse').
    """

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, mode="auto",
                 restore_best_weights=False):
        super().__init__()
        self.monitor, self.min_delta, self.patience = monitor, abs(min_delta), patience
        self.mode, self.sign = _direction(monitor, mode, "EarlyStopping")
        self.restore_best_weights = restore_best_weights
        self.stopped_epoch = 0

    def on_train_begin(self, logs=None):
        """Reset the best value and the wait counter."""
        self.best = _np.inf
        self.wait = 0
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        """Count epochs without improvement; set ``model.stop_training`` after ``patience``."""
        value = (logs or {}).get(self.monitor)
        if value is None:
            return
        value = self.sign * value
        if value < self.best - self.min_delta:
            self.best, self.wait = value, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.best_weights is not None:
                self.model.set_weights(self.best_weights)


class ProgbarLogger(Callback):
    """The per-epoch progress bar ``fit`` shows with verbose=1 (one summary line with 2).

    ``Epoch 3/10`` then ``32/32 [==============================] - 0s 1ms/step - loss: 0.0123``
    (then `` - accuracy: 0.9000`` for each compiled metric, then the ``val_`` values).
    On a terminal the bar redraws in place (at most 20 times a second, so it costs nothing
    measurable); otherwise only the finished line of each epoch is written.
    """

    WIDTH = 30

    def __init__(self, verbose=1, stream=None):
        super().__init__()
        self.verbose = verbose
        self.stream = stream

    def _out(self):
        return self.stream if self.stream is not None else sys.stdout

    def on_epoch_begin(self, epoch, logs=None):
        """Print the epoch header and start its clock."""
        self.steps = self.params.get("steps")
        self.start = time.perf_counter()
        self.last_draw = 0.0
        self.drawn = 0
        out = self._out()
        self.interactive = self.verbose == 1 and hasattr(out, "isatty") and out.isatty()
        out.write(f"Epoch {epoch + 1}/{self.params.get('epochs')}\n")
        out.flush()

    def _line(self, done, logs, final):
        elapsed = time.perf_counter() - self.start
        steps = self.steps or done
        width = len(str(steps))
        parts = [f"{done:>{width}}/{steps}"]
        if self.verbose == 1:
            filled = int(self.WIDTH * done / steps) if steps else self.WIDTH
            bar = "=" * filled
            if filled < self.WIDTH:
                bar = bar[:-1] + ">" if filled else ">"
                bar += "." * (self.WIDTH - len(bar))
            parts.append(f"[{bar}]")
        per_step = elapsed / max(done, 1)
        if final:
            unit = f"{per_step * 1e3:.0f}ms/step" if per_step >= 1e-3 else f"{per_step * 1e6:.0f}us/step"
            parts.append(f"- {elapsed:.0f}s {unit}")
        else:
            parts.append(f"- ETA: {per_step * (steps - done):.0f}s")
        for k, v in (logs or {}).items():
            if k == "comm_time":  # fit(distributed=True): seconds per step in the allreduce
                parts.append(f"- comm: {v * 1e3:.3f}ms/step")
            else:
                parts.append(f"- {k}: {format_log_value(v)}")
        return " ".join(parts)

    def on_train_batch_end(self, batch, logs=None):
        """Redraw the bar on a terminal (throttled)."""
        if not self.interactive:
            return
        now = time.perf_counter()
        if now - self.last_draw < 0.05:
            return
        self.last_draw = now
        out = self._out()
        line = self._line(batch + 1, logs, False)
        out.write("\r" + line.ljust(self.drawn))  # pad over a longer previous line
        self.drawn = len(line)
        out.flush()

    def on_epoch_end(self, epoch, logs=None):
        """Write the finished line: steps, time, time per step, loss and metrics (and their
        val_ values)."""
        out = self._out()
        line = self._line(self.steps or 0, logs, True)
        out.write(("\r" + line.ljust(self.drawn) + "\n") if self.interactive else (line + "\n"))
        out.flush()


def _optimizer_lr(model, who):
    opt = getattr(model, "optimizer", None)
    if opt is None or not hasattr(opt, "learning_rate"):
        raise ValueError(f"{who}: the model has no optimizer with a learning_rate (compile it first)")
    if callable(getattr(opt, "_learning_rate", None)):
        raise ValueError(f"{who}: the optimizer's learning_rate is a schedule; give it a float")
    return opt


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate at the start of each epoch to ``schedule(epoch, lr)``
    (or ``schedule(epoch)``), as Keras'; each epoch's rate goes into the logs as
    ``learning_rate``."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be callable, got {schedule!r}")
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        """Ask the schedule for this epoch's rate and set it."""
        import inspect
        opt = _optimizer_lr(self.model, "LearningRateScheduler")
        try:
            two = len(inspect.signature(self.schedule).parameters) >= 2
        except (TypeError, ValueError):
            two = True
        lr = self.schedule(epoch, float(opt.learning_rate)) if two else self.schedule(epoch)
        lr = float(lr)
        if not lr == lr or lr < 0:  # NaN or negative
            raise ValueError(f"LearningRateScheduler: the schedule gave {lr} for epoch {epoch}")
        opt.learning_rate = lr
        if self.verbose:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        """Record the epoch's rate."""
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by ``factor`` (not below ``min_lr``) when ``monitor`` has
    not improved by ``min_delta`` for ``patience`` epochs, then waits ``cooldown`` epochs, as
    Keras'."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0):
        super().__init__()
        if not 0.0 <= factor < 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be in [0, 1), got {factor}")
        self.monitor, self.factor, self.patience, self.verbose = monitor, float(factor), patience, verbose
        self.mode, self.sign = _direction(monitor, mode, "ReduceLROnPlateau")
        self.min_delta, self.cooldown, self.min_lr = abs(min_delta), cooldown, float(min_lr)

    def on_train_begin(self, logs=None):
        """Reset the best value and the counters."""
        self.best, self.wait, self.cooldown_counter = _np.inf, 0, 0

    def on_epoch_end(self, epoch, logs=None):
        """Count epochs without improvement; reduce the rate after ``patience`` of them."""
        logs = logs if logs is not None else {}
        value = logs.get(self.monitor)
        opt = _optimizer_lr(self.model, "ReduceLROnPlateau")
        logs["learning_rate"] = float(opt.learning_rate)
        if value is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        value = self.sign * value
        if value < self.best - self.min_delta:
            self.best, self.wait = value, 0
            return
        if self.cooldown_counter > 0:
            return
        self.wait += 1
        if self.wait >= self.patience:
            old = float(opt.learning_rate)
            new = max(old * self.factor, self.min_lr)
            if new < old:
                opt.learning_rate = new
                if self.verbose:
                    print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
            self.cooldown_counter, self.wait = self.cooldown, 0


class ModelCheckpoint(Callback):
    """Saves the model after each epoch, or only when ``monitor`` improves with
    ``save_best_only``, as Keras'. ``filepath`` may hold ``{epoch}`` and the logs' names
    (``"m-{epoch:02d}-{val_loss:.2f}.keras"``). By default (``save_weights_only=False``) the
    whole model goes to a ``.keras`` file (``model.save``: architecture, weights, compile
    arguments and optimizer state; ``keras.models.load_model`` reads it), and the path must
    end in ``.keras``, as Keras 3 requires; with ``save_weights_only=True`` the weights alone
    go to a numpy ``.npz`` archive (``save_weights``; Keras writes ``.weights.h5``)."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch"):
        super().__init__()
        self.filepath, self.monitor, self.verbose = str(filepath), monitor, verbose
        if not save_weights_only and not self.filepath.endswith(".keras"):
            raise ValueError("ModelCheckpoint: the filepath provided must end in `.keras` (Keras "
                             "model format); pass save_weights_only=True to save the weights "
                             f"alone (a numpy .npz archive). Received: filepath={self.filepath}")
        if save_freq != "epoch":
            raise NotImplementedError("ModelCheckpoint: only save_freq='epoch' is implemented")
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        self.mode, self.sign = _direction(monitor, mode, "ModelCheckpoint")
        self.best = _np.inf

    def on_epoch_end(self, epoch, logs=None):
        """Save, if every epoch or if the monitored value improved."""
        logs = logs or {}
        if self.save_best_only:
            value = logs.get(self.monitor)
            if value is None:
                return
            if not self.sign * value < self.best:
                return
            self.best = self.sign * value
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path, overwrite=True)
        if self.verbose:
            what = "model weights" if self.save_weights_only else "model"
            print(f"\nEpoch {epoch + 1}: saving {what} to {path}")


class CSVLogger(Callback):
    """Writes each epoch's logs as a row of a CSV file (``epoch`` first, then the log keys in
    sorted order), as Keras' CSVLogger; ``append=True`` continues an existing file."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.sep, self.append = str(filename), separator, bool(append)
        self._keys = None
        self._file = None

    def on_train_begin(self, logs=None):
        """Open the file (appending, or anew)."""
        import os
        has_rows = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self._file = open(self.filename, "a" if self.append else "w", newline="")
        self._keys = None
        self._header_written = has_rows

    def on_epoch_end(self, epoch, logs=None):
        """One row: the epoch and its logs."""
        import csv
        logs = dict(logs or {})
        if self._keys is None:
            self._keys = sorted(logs)
        writer = csv.writer(self._file, delimiter=self.sep)
        if not self._header_written:
            writer.writerow(["epoch"] + self._keys)
            self._header_written = True
        writer.writerow([epoch] + [logs.get(k, "NA") for k in self._keys])
        self._file.flush()

    def on_train_end(self, logs=None):
        """Close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None


class TerminateOnNaN(Callback):
    """Stops training when a batch's loss is NaN or infinite, as Keras'."""

    def on_train_batch_end(self, batch, logs=None):
        """Check the loss so far."""
        import math
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback from plain functions: ``on_epoch_begin(epoch, logs)``,
    ``on_epoch_end(epoch, logs)``, ``on_train_batch_begin(batch, logs)``,
    ``on_train_batch_end(batch, logs)``, ``on_train_begin(logs)``, ``on_train_end(logs)``."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_batch_begin=None,
                 on_train_batch_end=None, on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_batch_begin=on_train_batch_begin or kwargs.pop("on_batch_begin", None),
                     on_train_batch_end=on_train_batch_end or kwargs.pop("on_batch_end", None),
                     on_train_begin=on_train_begin, on_train_end=on_train_end)
        if kwargs:
            raise TypeError(f"LambdaCallback: unexpected keyword arguments {sorted(kwargs)}")
        for name, fn in given.items():
            if fn is None:
                continue
            if not callable(fn):
                raise TypeError(f"LambdaCallback: {name} must be callable, got {fn!r}")
            if name in ("on_train_begin", "on_train_end"):
                setattr(self, name, lambda logs=None, fn=fn: fn(logs))
            else:
                setattr(self, name, lambda i, logs=None, fn=fn: fn(i, logs))
