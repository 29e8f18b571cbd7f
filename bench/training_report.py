"""One training step of a 784-512(ReLU)-10 MLP with MSE and SGD, float32: tapegrad vs numpy.

    PYTHONPATH=<tapegrad> python bench/training_report.py [--rounds 15] [--threads 1 2]

A step is forward, loss, gradient, SGD update. The contenders, all from the same initial
weights on the same batch:

- numpy by hand: the formulas (h = relu(x W1 + b1), p = h W2 + b2, the chain rule written out,
  W -= lr dW); no autodiff.
- tapegrad: the Keras path a user writes: ``Sequential([Dense(512, 'relu'), Dense(10)])``,
  ``losses.MeanSquaredError``, ``GradientTape.gradient``, ``optimizers.SGD.apply_gradients``.
- tapegrad (raw tape): ``nn.linear`` twice, ``reduce_mean(square(p - y))``, ``Variable._axpy``.
- PyTorch eager and TensorFlow eager GradientTape, only when installed (TF only when one
  ``--threads`` value is given: its thread pools are sized once per process).

Timing alternates the contenders round by round (so machine noise hits all of them alike),
pausing between rounds on 2 threads so one library's spinning workers don't slow the next, and
reports the fastest round's time per step (and the median); ratio = numpy / tapegrad.
Every contender is checked once against numpy (updated weights after one step) before
timing, and a 30-step loss curve is compared against numpy's.
"""

import argparse
import statistics
import sys
import time

import numpy as np

import tapegrad as tf
from tapegrad import keras
from tapegrad.demo import numpy_mlp_step

D_IN, HIDDEN, D_OUT = 784, 512, 10
BATCHES = (1, 32, 256)
THREADS = (1, 2)
LR = 0.01


def set_threads(n):
    """Limit tapegrad's pool and numpy's BLAS to ``n`` threads; returns the threadpoolctl
    context to restore (or None without threadpoolctl)."""
    tf.set_num_threads(n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(n)


def problem(batch, seed=0):
    """(x, y, [W1, b1, W2, b2]) in float32; Glorot-uniform weights, small random biases."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, D_IN)).astype(np.float32)
    y = rng.standard_normal((batch, D_OUT)).astype(np.float32)
    l1 = np.sqrt(6 / (D_IN + HIDDEN))
    l2 = np.sqrt(6 / (HIDDEN + D_OUT))
    params = [rng.uniform(-l1, l1, (D_IN, HIDDEN)).astype(np.float32),
              (0.01 * rng.standard_normal(HIDDEN)).astype(np.float32),
              rng.uniform(-l2, l2, (HIDDEN, D_OUT)).astype(np.float32),
              (0.01 * rng.standard_normal(D_OUT)).astype(np.float32)]
    return x, y, params


class NumpyStep:
    """The training step written by hand in numpy (in-place where numpy allows)."""

    name = "numpy by hand"

    def __init__(self, x, y, params):
        self.x, self.y = x, y
        self.W1, self.b1, self.W2, self.b2 = (p.copy() for p in params)
        self.lr = np.float32(LR)

    def __call__(self):
        """One step; returns the loss before the update."""
        return numpy_mlp_step(self.x, self.y, self.W1, self.b1, self.W2, self.b2, self.lr)

    def weights(self):
        """The current [W1, b1, W2, b2] as numpy arrays."""
        return [self.W1, self.b1, self.W2, self.b2]

    def feed(self, x, y):
        """Train the next steps on this batch."""
        self.x, self.y = x, y


class KerasStep:
    """The step through tapegrad.keras: Sequential, MeanSquaredError, SGD.apply_gradients."""

    name = "tapegrad"

    def __init__(self, x, y, params):
        self.model = keras.Sequential([keras.layers.Dense(HIDDEN, activation="relu"),
                                       keras.layers.Dense(D_OUT)])
        self.model.build((None, D_IN))
        self.model.set_weights(params)
        self.loss_fn = keras.losses.MeanSquaredError()
        self.opt = keras.optimizers.SGD(learning_rate=LR)
        self.x, self.y = tf.constant(x), tf.constant(y)
        self.vars = self.model.trainable_variables

    def __call__(self):
        with tf.GradientTape() as tape:
            loss = self.loss_fn(self.y, self.model(self.x))
        grads = tape.gradient(loss, self.vars)
        self.opt.apply_gradients(zip(grads, self.vars))
        return loss

    def weights(self):
        """The current [W1, b1, W2, b2] as numpy arrays."""
        return self.model.get_weights()

    def feed(self, x, y):
        """Train the next steps on this batch (converted to tensors once)."""
        self.x, self.y = tf.constant(x), tf.constant(y)


class RawTapeStep:
    """The step on the bare tape: two fused ``nn.linear`` ops, MSE, ``Variable._axpy``."""

    name = "tapegrad (raw tape)"

    def __init__(self, x, y, params):
        self.vars = [tf.Variable(p) for p in params]
        self.x, self.y = tf.constant(x), tf.constant(y)

    def __call__(self):
        W1, b1, W2, b2 = self.vars
        with tf.GradientTape() as tape:
            p = tf.nn.linear(tf.nn.linear(self.x, W1, b1, "relu"), W2, b2)
            loss = tf.reduce_mean(tf.square(p - self.y))
        for v, g in zip(self.vars, tape.gradient(loss, self.vars)):
            v._axpy(-LR, g)
        return loss

    def weights(self):
        """The current [W1, b1, W2, b2] as numpy arrays."""
        return [v.numpy() for v in self.vars]

    def feed(self, x, y):
        """Train the next steps on this batch (converted to tensors once)."""
        self.x, self.y = tf.constant(x), tf.constant(y)


def _optional_steps(threads):
    """PyTorch and TF eager contenders, when installed. TF sizes its thread pools once per
    process, before its first op: it is sized to ``threads`` when that is one count, and left
    out when the report runs several (run ``--threads 1`` and ``--threads 2`` separately)."""
    steps = []
    try:
        import torch

        class TorchStep:
            name = "PyTorch eager"

            def __init__(self, x, y, params):
                self.x, self.y = torch.from_numpy(x), torch.from_numpy(y)
                self.ps = [torch.tensor(p, requires_grad=True) for p in params]

            def __call__(self):
                W1, b1, W2, b2 = self.ps
                p = torch.relu(self.x @ W1 + b1) @ W2 + b2
                loss = ((p - self.y) ** 2).mean()
                grads = torch.autograd.grad(loss, self.ps)
                with torch.no_grad():
                    for q, g in zip(self.ps, grads):
                        q.sub_(LR * g)
                return loss.detach()

            def weights(self):
                return [q.detach().numpy().copy() for q in self.ps]

        steps.append(TorchStep)
    except ImportError:
        pass
    try:
        if len(threads) != 1:
            raise ImportError("TF eager runs only with one --threads value")
        import tensorflow as realtf

        realtf.config.threading.set_intra_op_parallelism_threads(threads[0])
        realtf.config.threading.set_inter_op_parallelism_threads(threads[0])

        class TFStep:
            name = "TF eager GradientTape"

            def __init__(self, x, y, params):
                self.x, self.y = realtf.constant(x), realtf.constant(y)
                self.vs = [realtf.Variable(p) for p in params]

            def __call__(self):
                W1, b1, W2, b2 = self.vs
                with realtf.GradientTape() as tape:
                    p = realtf.matmul(realtf.nn.relu(realtf.matmul(self.x, W1) + b1), W2) + b2
                    loss = realtf.reduce_mean(realtf.square(p - self.y))
                for v, g in zip(self.vs, tape.gradient(loss, self.vs)):
                    v.assign_sub(LR * g)
                return loss

            def weights(self):
                return [v.numpy() for v in self.vs]

        steps.append(TFStep)
    except ImportError:
        pass
    return steps


CONTENDERS = [NumpyStep, KerasStep, RawTapeStep]


def check(cls, batch):
    """One step of ``cls`` and of numpy from the same start agree (loss and new weights)."""
    x, y, params = problem(batch)
    ref, ours = NumpyStep(x, y, params), cls(x, y, params)
    l_ref, l_ours = float(ref()), float(ours())
    np.testing.assert_allclose(l_ours, l_ref, rtol=1e-4)
    for a, b in zip(ours.weights(), ref.weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def loss_curve(cls, batch, steps=30):
    """Losses of a ``steps``-step training run over 4 rotating batches (same data, same
    initial weights for every contender)."""
    data = [problem(batch, seed=k)[:2] for k in range(4)]
    runner = cls(*problem(batch)[:3])
    out = []
    for s in range(steps):
        runner.feed(*data[s % 4])
        out.append(float(runner()))
    return out


def time_steps(contenders, batch, rounds, settle=0.0, warm=0.02):
    """Per contender: (best, median) seconds per step over ``rounds`` alternating rounds.

    ``settle`` seconds of sleep after each round let the previous contender's worker threads
    (OpenBLAS's spin-wait, our pool) go idle, so they don't steal the next one's cores; after
    such an idle a contender first runs untimed steps for ``warm`` seconds (at least one), as
    the vCPUs come back from idle slowly, then its timed round.
    """
    x, y, params = problem(batch)
    runners = [c(x, y, params) for c in contenders]
    n = max(3, int(round(0.02 / _estimate(runners[0]))))  # about 20 ms per round
    times = [[] for _ in runners]
    for r in runners:
        for _ in range(3):
            r()
    for _ in range(rounds):
        for i, r in enumerate(runners):
            if settle:
                end = time.perf_counter() + warm
                r()
                while time.perf_counter() < end:
                    r()
            t0 = time.perf_counter()
            for _ in range(n):
                r()
            times[i].append((time.perf_counter() - t0) / n)
            if settle:
                time.sleep(settle)
    return [(min(t), statistics.median(t)) for t in times]


def _estimate(step):
    t0 = time.perf_counter()
    for _ in range(3):
        step()
    return max((time.perf_counter() - t0) / 3, 1e-6)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--threads", type=int, nargs="+", default=list(THREADS))
    ap.add_argument("--batches", type=int, nargs="+", default=list(BATCHES))
    ap.add_argument("--settle", type=float, default=0.2,
                    help="seconds of idle between rounds on >1 thread (default 0.2)")
    args = ap.parse_args(argv)
    contenders = CONTENDERS + _optional_steps(args.threads)
    for c in contenders[1:]:
        for b in args.batches:
            check(c, b)
    ref_curve = loss_curve(NumpyStep, 32)
    tg_curve = loss_curve(KerasStep, 32)
    curve_diff = max(abs(a - b) / abs(b) for a, b in zip(tg_curve, ref_curve))

    names = [c.name for c in contenders]
    print(f"isa={tf.config.isa()}  numpy {np.__version__}  rounds={args.rounds}  "
          f"(best round, median in parentheses; µs per step)")
    print()
    print("| threads | batch | " + " | ".join(names) + " | numpy / tapegrad |")
    print("|---|---|" + "---|" * len(names) + "---|")
    for th in args.threads:
        ctx = set_threads(th)
        try:
            for b in args.batches:
                res = time_steps(contenders, b, args.rounds, args.settle if th > 1 else 0.0)
                cells = [f"{best * 1e6:.0f} ({med * 1e6:.0f})" for best, med in res]
                ratio = res[0][0] / res[1][0]
                ratio_med = res[0][1] / res[1][1]
                print(f"| {th} | {b} | " + " | ".join(cells) + f" | **{ratio:.2f}** ({ratio_med:.2f}) |",
                      flush=True)
        finally:
            if ctx is not None:
                ctx.restore_original_limits()
    print()
    print(f"30-step loss curve, batch 32: largest relative difference tapegrad vs numpy "
          f"{curve_diff:.1e} (first {ref_curve[0]:.6f}, last {ref_curve[-1]:.6f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
