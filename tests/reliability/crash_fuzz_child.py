"""The crash fuzzer's child process (run by test_crash_fuzz.py, never collected by pytest).

    python crash_fuzz_child.py SEED CALLS LOGFILE SUMMARYFILE

Calls random public tapegrad callables (top level, math, nn, random, config, utils, the keras
modules) and random methods of the objects earlier calls returned, with random arguments of
random types, sometimes under a recording GradientTape whose gradient is then taken. Every call
must return or raise a Python exception; a crash or hang kills this process and fails the
test. Before each call its description is written (unbuffered) to LOGFILE, so the parent can
name the call that crashed. At the end a JSON summary goes to SUMMARYFILE.
"""

import collections
import faulthandler
import inspect
import json
import os
import random
import resource
import sys
import types
import warnings

import numpy as np

import tapegrad as tf

CALL_TIMEOUT = 60  # seconds: a single call taking longer counts as a hang

# -- what to call ---------------------------------------------------------------------------------
MODULES = [tf, tf.math, tf.nn, tf.random, tf.config, tf.utils, tf.keras, tf.keras.activations,
           tf.keras.losses, tf.keras.initializers, tf.keras.layers, tf.keras.optimizers,
           tf.keras.models, tf.keras.callbacks, tf.debugging, tf.linalg, tf.image, tf.autodiff,
           tf.math.special, tf.keras.saving, tf.keras.constraints, tf.sparse, tf.ragged]


def public_callables():
    out = {}
    for mod in MODULES:
        names = getattr(mod, "__all__", None) or [n for n in dir(mod) if not n.startswith("_")]
        for n in names:
            obj = getattr(mod, n, None)
            if callable(obj) and not isinstance(obj, types.ModuleType):
                out[f"{mod.__name__}.{n}"] = obj
    return out


DUNDERS = ["__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
           "__rtruediv__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__", "__neg__",
           "__abs__", "__getitem__", "__len__", "__float__", "__int__", "__bool__", "__array__",
           "__format__", "__repr__", "__str__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__",
           "__ge__", "__iter__", "__hash__", "__index__", "__copy__", "__deepcopy__",
           "__reduce__", "__reduce_ex__", "__contains__", "__call__", "__dlpack__"]
# Methods whose random use is a legitimate way to ask for unbounded work, or that change the
# recording state of the thread (left entered, a tape records everything after it).
SKIP_METHODS = {"__enter__", "__exit__", "fit", "evaluate", "predict"}
KWARG_NAMES = ["axis", "keepdims", "dtype", "shape", "name", "activation", "transpose_a",
               "transpose_b", "adjoint_a", "adjoint_b", "perm", "seed", "mean", "stddev",
               "minval", "maxval", "units", "use_bias", "learning_rate", "momentum", "nesterov",
               "from_logits", "reduction", "persistent", "watch_accessed_variables",
               "unconnected_gradients", "output_gradients", "trainable", "input_shape", "axes",
               "clip_value_min", "clip_value_max", "paddings", "mode", "constant_values",
               "begin", "size", "initializer", "kernel_initializer", "bias_initializer",
               "label_smoothing", "beta_1", "epsilon", "rho", "clipnorm", "clipvalue",
               "global_clipnorm", "weight_decay", "value", "dims", "values", "x", "y", "a", "b",
               "target", "sources", "tensor", "input", "logits", "features", "filename",
               "targets", "line_length", "print_fn", "training", "layers", "batch_size"]

INTS = [0, 1, -1, 2, 3, 5, -3, 7, 64, 2**31 - 1, 2**31, 2**32, 2**62, 2**63 - 1, 2**63, 2**64,
        -2**63, -2**64, 10**6, 10**30]
FLOATS = [0.0, -0.0, 1.5, -2.5, 0.5, float("nan"), float("inf"), float("-inf"), 1e308, 5e-324,
          1e-7, 1e30]
STRINGS = ["", "relu", "sigmoid", "tanh", "softmax", "linear", "float32", "float64", "int32",
           "float16", "glorot_uniform", "zeros", "ones", "he_normal", "mse", "mae",
           "categorical_crossentropy", "adam", "sgd", "rmsprop", "CONSTANT", "REFLECT", "none",
           "zero", "sum", "auto", "avx2", "scalar", "avx512", "\x00", "é" * 3, "a" * 5000]
NP_DTYPES = [np.float32, np.float64, np.float16, np.int8, np.int32, np.int64, np.uint8, np.bool_,
             np.complex64, np.complex128, object, "U3"]


class Fuzzer:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.np = np.random.default_rng(seed)
        self.pool = []  # objects earlier calls returned (tensors, layers, tapes, ...)
        self.callables = public_callables()
        self.names = sorted(self.callables)

    # -- random values -------------------------------------------------------------------------
    def shape(self, max_rank=4, max_dim=5):
        return tuple(self.r.randint(0, max_dim) if self.r.random() < 0.15 else
                     self.r.randint(1, max_dim) for _ in range(self.r.randint(0, max_rank)))

    def float_array(self, dtype=np.float32):
        a = self.np.standard_normal(self.shape()).astype(dtype)
        if a.size and self.r.random() < 0.2:
            a.reshape(-1)[self.r.randrange(a.size)] = self.r.choice(
                [np.nan, np.inf, -np.inf, 1e30, 0.0])
        return a

    def np_array(self):
        dt = self.r.choice(NP_DTYPES)
        base = self.np.standard_normal(self.shape()) * 3
        if dt == object:
            a = np.array(base, dtype=object)
            if a.ndim and a.size and self.r.random() < 0.5:
                a.reshape(-1)[0] = self.r.choice(["x", None, [1], object()])
        elif dt == "U3":
            a = base.astype("U3")
        else:
            with np.errstate(all="ignore"):
                a = base.astype(dt)
        a = np.array(a, dtype=a.dtype, ndmin=0)
        r = self.r.random()
        if r < 0.15 and a.ndim >= 1:
            a = a[::2]  # non-contiguous
        elif r < 0.3 and a.ndim >= 2:
            a = a.T
        elif r < 0.4:
            a.flags.writeable = False
        return a

    def tensor(self):
        return tf.constant(self.float_array(self.r.choice([np.float32, np.float64])))

    def shape_like(self):
        return self.r.choice([
            list(self.shape()), tuple(self.shape()), [-1], [-1, 2], [2, -1, -1], [-5],
            [2**40, 2**40], [2**62, 4], [0, 2**62], [2.5, 2], ["a"], [None, 2], np.array([2, 3]),
            np.array([[1, 2]]), tf.TensorShape((2, 3)), [True, 2], [[0, 1], [1, 0]],
        ])

    def arg(self, depth=0):
        k = self.r.random()
        if self.pool and k < 0.3:
            return self.r.choice(self.pool)
        if k < 0.6:
            return self.tensor()
        choices = [
            lambda: tf.Variable(self.float_array(self.r.choice([np.float32, np.float64]))),
            self.np_array, self.shape_like,
            lambda: self.r.choice(INTS), lambda: self.r.choice(FLOATS),
            lambda: self.r.choice(STRINGS), lambda: None, lambda: self.r.choice([True, False]),
            lambda: self.r.choice([Ellipsis, slice(None, 2), slice(1, None, -1), slice(2**62)]),
            lambda: self.r.choice([complex(1, 2), b"abc", bytearray(b"x"), object(), int,
                                   float, np.float32, np.dtype("float64"), tf.float32,
                                   tf.float64, np.float64(1.5), np.int64(3), np.bool_(True)]),
            lambda: self.r.choice([lambda *a, **k: None, lambda *a, **k: a[0] if a else 0,
                                   lambda x: (x, lambda dy: dy), print, len]),
            lambda: {"a": self.tensor()} if self.r.random() < 0.5 else {},
            lambda: iter([self.tensor()]),
        ]
        if depth < 2:
            choices += [
                lambda: [self.arg(depth + 1) for _ in range(self.r.randint(0, 3))],
                lambda: tuple(self.arg(depth + 1) for _ in range(self.r.randint(0, 3))),
                lambda: [[1.0, 2.0], [3.0]],  # ragged
                lambda: [[self.r.choice(FLOATS)] * 2] * 2,
                lambda: [self.tensor() for _ in range(self.r.randint(1, 3))],
            ]
        return self.r.choice(choices)()

    def args(self, fn):
        # Mostly as many positional arguments as the callable requires; sometimes any number.
        need = required_positional(fn)
        n = need if need is not None and self.r.random() < 0.7 else self.r.choice([0, 1, 1, 2, 2, 3])
        a = [self.arg() for _ in range(min(n, 4))]
        kw = {}
        if self.r.random() < 0.35:
            for _ in range(self.r.randint(1, 2)):
                kw[self.r.choice(KWARG_NAMES)] = self.arg()
        return a, kw

    # -- random calls --------------------------------------------------------------------------
    def target(self):
        """(description, callable): a public function, or a method of a pooled object."""
        if self.pool and self.r.random() < 0.35:
            obj = self.r.choice(self.pool)
            try:
                names = [n for n in dir(obj) if not n.startswith("_")]
            except TypeError:  # a dict in the pool was some object's __dict__ (see keep)
                names = []
            names += [n for n in DUNDERS if hasattr(obj, n)]
            names = [n for n in names if n not in SKIP_METHODS]
            if names:
                n = self.r.choice(names)
                try:
                    return f"<{type(obj).__name__}>.{n}", getattr(obj, n)
                except Exception as e:  # a property that raises is a fine outcome
                    return f"<{type(obj).__name__}>.{n} (property)", e
        n = self.r.choice(self.names)
        return n, self.callables[n]

    def keep(self, result):
        if result is None or isinstance(result, (bool, int, float, str, bytes)):
            return
        if isinstance(result, (list, tuple)) and result and len(result) < 8:
            result = self.r.choice(list(result))
            if result is None:
                return
        if isinstance(result, types.GeneratorType):
            return
        if isinstance(result, tf.GradientTape) and result._recording:
            return
        self.pool.append(result)
        if len(self.pool) > 48:
            self.pool.pop(self.r.randrange(len(self.pool)))


def required_positional(fn):
    """Positional parameters without a default, from the signature (Python callables) or the
    first docstring line pybind11 writes (``name(a: object, b: object = None) -> ...``)."""
    try:
        sig = inspect.signature(fn)
        return sum(1 for p in sig.parameters.values()
                   if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
    except (TypeError, ValueError):
        pass
    doc = (getattr(fn, "__doc__", None) or "").split("\n")[0]
    if "(" not in doc or ")" not in doc:
        return None
    params = [p for p in doc[doc.index("(") + 1:doc.index(")")].split(",") if p.strip()]
    return sum(1 for p in params if "=" not in p and not p.strip().startswith("*"))


def describe(x, depth=0):
    if isinstance(x, (tf.Tensor, tf.Variable)):
        return f"{type(x).__name__}{tuple(x.shape)}:{x.dtype.name}"
    if isinstance(x, np.ndarray):
        return f"ndarray{x.shape}:{x.dtype}"
    if isinstance(x, (list, tuple)) and depth < 2:
        inner = ", ".join(describe(v, depth + 1) for v in list(x)[:6])
        return f"[{inner}]" if isinstance(x, list) else f"({inner})"
    r = repr(x)
    return r if len(r) < 60 else r[:57] + "..."


def main():
    seed, calls, logfile, summaryfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    warnings.simplefilter("ignore")
    faulthandler.enable()
    # Make huge allocations fail (MemoryError) instead of swapping or waking the OOM killer.
    # Under ASan (whose shadow memory takes terabytes of address space) .ci/sanitize caps single
    # allocations with max_allocation_size_mb instead.
    if "libasan" not in os.environ.get("LD_PRELOAD", ""):
        with open("/proc/self/status") as f:
            vm = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (vm + (3 << 30), hard))
    tf.set_num_threads(2)
    isa = tf.config.isa()
    log = os.open(logfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    fz = Fuzzer(seed)
    outcomes, exc_types, suspicious = collections.Counter(), collections.Counter(), []
    samples = set()  # RuntimeError/MemoryError messages, to read
    for i in range(calls):
        name, fn = fz.target()
        args, kwargs = fz.args(fn)
        taped = fz.r.random() < 0.25
        shown = [describe(a) for a in args] + [f"{k}={describe(v)}" for k, v in kwargs.items()]
        text = f"{i}: {name}({', '.join(shown)}){' [taped]' if taped else ''}\n"
        os.write(log, text.encode("utf-8", "replace"))
        faulthandler.dump_traceback_later(CALL_TIMEOUT, exit=True)
        try:
            if isinstance(fn, Exception):
                raise fn
            if taped:
                with tf.GradientTape(persistent=fz.r.random() < 0.5) as tape:
                    watched = [a for a in args if isinstance(a, (tf.Tensor, tf.Variable))]
                    tape.watch(watched + [fz.tensor()])
                    result = fn(*args, **kwargs)
                if isinstance(result, (tf.Tensor, tf.Variable)) and (watched or fz.pool):
                    tape.gradient(result, watched or [fz.r.choice(fz.pool)])
            else:
                result = fn(*args, **kwargs)
            if isinstance(result, (tf.Tensor, tf.Variable)):
                result.numpy()
            if not name.endswith("__"):  # __reduce_ex__ hands out an object's own __dict__
                fz.keep(result)
            outcomes["returned"] += 1
        except SystemError as e:  # a C-API misuse inside the library: a bug
            suspicious.append(f"{text.strip()} -> SystemError: {e}")
            outcomes["raised"] += 1
        except Exception as e:
            exc_types[type(e).__name__] += 1
            outcomes["raised"] += 1
            if isinstance(e, (RuntimeError, MemoryError)) and len(samples) < 40:
                samples.add(f"{name}: {type(e).__name__}: {str(e)[:160]}")
        finally:
            faulthandler.cancel_dump_traceback_later()
        if name.endswith(("set_num_threads", "set_isa")):
            tf.set_num_threads(2)  # keep the rest of the run at a sane thread count ...
            tf.config.set_isa(isa)  # ... and on the kernels it started with
        if taped and tf._core._recording():
            suspicious.append(f"{text.strip()} -> a tape is still recording after the with block")
    os.write(log, b"done\n")
    os.close(log)
    with open(summaryfile, "w") as f:
        json.dump({"calls": calls, "outcomes": outcomes, "exceptions": exc_types,
                   "suspicious": suspicious, "callables": len(fz.names),
                   "runtime_errors": sorted(samples)}, f)


if __name__ == "__main__":
    main()
