"""``python -m tapegrad.demo``: the seed document's examples, then a training run.

1. The seed's GradientTape examples, printing the numbers the seed prints (10.0, 2.0,
   625000.0, 500.0, 75.0, ...), and a Dense ReLU layer with its gradient.
2. A 2-layer ReLU MLP trained with ``tapegrad.keras`` on a synthetic regression set made
   here (no downloads), next to the same model trained by hand in numpy (the formulas, no
   autodiff) from the same initial weights on the same batches: both loss curves, and the
   time per training step of each.
3. Pictures: ``loss.png`` (loss per epoch, with matplotlib) and ``tape.png`` (the nested-tape
   example's graph, with Graphviz; ``tape.dot`` otherwise), in ``--out-dir``.

Options: --epochs, --batch-size, --threads, --quiet, --out-dir.

``mpiexec -n 2 python -m tapegrad.demo --distributed`` instead trains the same MLP
data-parallel on the MPI job's processes (``tapegrad.distributed``, ``fit(distributed=True)``,
batch 256 per rank by default, 16384 samples) and prints, on rank 0, the loss per epoch, the
samples per second of all ranks together and the communication time per step.
"""

import argparse
import os
import sys
import time

import numpy as np

import tapegrad as tf
from tapegrad import keras
from tapegrad.utils import plot_tape, tape_to_dot

__all__ = ["main", "seed_examples", "make_regression", "numpy_train", "train_distributed"]


def _say(*args):
    print(*args, flush=True)


def seed_examples(out_dir=None):
    """Run the seed document's examples and print their results; returns them as a dict.

    With ``out_dir``, also draws the nested-tape example's outer tape (tape.png, or tape.dot
    without Graphviz) and returns the path under 'tape_file'.
    """
    results = {}
    _say("== 1. The seed's GradientTape examples ==")

    # Nested tapes: the outer tape records the inner tape's gradient computation.
    x = tf.constant(5.0)
    with tf.GradientTape() as g:
        g.watch(x)
        with tf.GradientTape() as gg:
            gg.watch(x)
            y = x ** 2
        dydx1 = gg.gradient(y, x)
    # The outer tape is not persistent: capture its picture before gradient() frees it.
    dot = tape_to_dot(g, targets=dydx1, sources=x, name="nested_tapes")
    tape_file = _draw_tape(g, dydx1, x, dot, out_dir) if out_dir else None
    dydx2 = g.gradient(dydx1, x)
    _say("x = 5.0, y = x**2 with nested tapes")
    _say(f"  dy/dx   = gg.gradient(y, x)     -> {dydx1!r}")
    _say(f"  d2y/dx2 = g.gradient(dydx1, x)  -> {dydx2!r}")
    results["dydx1"], results["dydx2"] = float(dydx1), float(dydx2)

    # One set of gradients per non-persistent tape.
    x = tf.constant(5.0)
    with tf.GradientTape() as f:
        f.watch(x)
        y = x ** 2
        z = y ** 2
        w = z ** 2
    dwdx = f.gradient(w, x)
    _say("y = x**2, z = y**2, w = z**2")
    _say(f"  f.gradient(w, x) -> {float(dwdx)}")
    try:
        f.gradient(z, x)
    except RuntimeError as e:
        _say(f"  f.gradient(z, x) again -> RuntimeError: {e}")
    results["dwdx"] = float(dwdx)

    # persistent=True keeps the record for several calls.
    x = tf.constant(5.0)
    with tf.GradientTape(persistent=True) as f:
        f.watch(x)
        y = x ** 2
        z = y ** 2
        w = z ** 2
    grads = [float(f.gradient(t, x)) for t in (w, z, y)]
    _say(f"  with persistent=True: dw/dx, dz/dx, dy/dx -> {grads[0]}, {grads[1]}, {grads[2]}")
    results["persistent"] = grads
    del f

    # watch_accessed_variables=False: only what is watched explicitly.
    x = tf.constant(5.0)
    w = tf.constant(2.0)
    with tf.GradientTape(persistent=True, watch_accessed_variables=False) as g:
        g.watch(x)
        y = x ** 3
        z = w ** 3
    dy = g.gradient(y, x).numpy()
    dz = g.gradient(z, w)
    _say("x = 5.0, w = 2.0, y = x**3, z = w**3, only x watched")
    _say(f"  g.gradient(y, x).numpy() -> {dy}")
    _say(f"  g.gradient(z, w)         -> {dz}")
    results["dydx_cubed"], results["dzdw"] = float(dy), dz

    # The chain rule on a matrix.
    x = tf.ones((2, 2))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(x)
        z = tf.multiply(y, y)
    dzdx = t.gradient(z, x)
    _say("x = ones((2, 2)), y = sum(x), z = y**2")
    _say(f"  dz/dx -> {dzdx.numpy().tolist()}")
    results["dzdx"] = dzdx.numpy()

    # The seed's layer: output = relu(dot(input, W) + b), and its gradient.
    tf.random.set_seed(0)
    layer = keras.layers.Dense(4, activation="relu")
    inputs = tf.constant([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as t:
        out = layer(inputs)
        cost = tf.reduce_mean(tf.square(out - 1.0))
    dW, db = t.gradient(cost, [layer.kernel, layer.bias])
    _say("Dense(4, activation='relu') on [[1, 2, 3]]: kernel (3, 4), bias (4,)")
    _say(f"  output         -> {np.round(out.numpy().astype(np.float64), 4).tolist()}")
    _say(f"  d cost / d b   -> {np.round(db.numpy().astype(np.float64), 4).tolist()}")
    results["tape_file"] = tape_file
    return results


def _draw_tape(tape, target, source, dot, out_dir):
    png = os.path.join(out_dir, "tape.png")
    try:
        return plot_tape(tape, png, targets=target, sources=source)
    except (ImportError, OSError, RuntimeError):
        path = os.path.join(out_dir, "tape.dot")
        with open(path, "w") as fh:
            fh.write(dot)
        return path


def make_regression(n=4096, features=64, seed=0):
    """A synthetic regression set made in code: y = sin(x·a) + 0.5 (x·b)² + noise, float32."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype(np.float32)
    a = rng.standard_normal(features) / np.sqrt(features)
    b = rng.standard_normal(features) / np.sqrt(features)
    y = np.sin(x @ a) + 0.5 * (x @ b) ** 2 + 0.05 * rng.standard_normal(n)
    return x, y.astype(np.float32)[:, None]


def numpy_mlp_step(x, y, W1, b1, W2, b2, lr):
    """One SGD step of the 2-layer ReLU MLP with MSE, written by hand in numpy.

    Forward ``relu(x W1 + b1) W2 + b2``, the MSE gradient by the chain rule, and the update
    ``W -= lr * dW`` in place on the given float32 arrays. Returns the loss before the update.
    (bench/training_report.py times this same function as its numpy baseline.)
    """
    h = x @ W1
    h += b1
    np.maximum(h, 0, out=h)
    p = h @ W2
    p += b2
    d = p - y
    loss = np.mean(d * d)
    dp = d * np.float32(2.0 / d.size)
    dW2 = h.T @ dp
    db2 = dp.sum(axis=0)
    dh = dp @ W2.T
    dh *= h > 0
    dW1 = x.T @ dh
    db1 = dh.sum(axis=0)
    W1 -= lr * dW1
    b1 -= lr * db1
    W2 -= lr * dW2
    b2 -= lr * db2
    return loss


def numpy_train(weights, x, y, epochs, batch_size, lr):
    """The same MLP and SGD written by hand in numpy (forward, MSE, backward, update).

    ``weights`` = [W1, b1, W2, b2] (copied); same batches in the same order as ``fit`` with
    shuffle=False. Returns (loss per epoch, seconds per step, final weights).
    """
    W1, b1, W2, b2 = (np.array(w, dtype=np.float32) for w in weights)
    lr = np.float32(lr)
    n = len(x)
    batches = [(x[s:s + batch_size], y[s:s + batch_size]) for s in range(0, n, batch_size)]
    losses, steps = [], 0
    t0 = time.perf_counter()
    for _ in range(epochs):
        total, count = 0.0, 0
        for xb, yb in batches:
            loss = float(numpy_mlp_step(xb, yb, W1, b1, W2, b2, lr))
            total += loss * len(xb)
            count += len(xb)
            steps += 1
        losses.append(total / count)
    return losses, (time.perf_counter() - t0) / max(steps, 1), [W1, b1, W2, b2]


def _plot_losses(path, tg_losses, np_losses):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker  # noqa: F401
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    epochs = np.arange(1, len(tg_losses) + 1)
    ax.plot(epochs, tg_losses, "o-", label="tapegrad.keras")
    ax.plot(epochs, np_losses, "x--", label="numpy by hand")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (MSE)")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_title("2-layer ReLU MLP on a synthetic regression set")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def train_demo(epochs=10, batch_size=32, quiet=False, out_dir=".", hidden=256, n=4096,
               features=64, lr=0.01):
    """Train the MLP with tapegrad.keras and with numpy by hand; print and return the results."""
    _say("\n== 2. Training a 2-layer ReLU MLP (tapegrad.keras vs numpy by hand) ==")
    x, y = make_regression(n, features)
    tf.random.set_seed(1)
    model = keras.Sequential([
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(1),
    ])
    model.build((None, features))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    if not quiet:
        model.summary()
    init = model.get_weights()
    steps = -(-n // batch_size)
    _say(f"data: {n} samples x {features} features (made in code), batch {batch_size}, "
         f"{steps} steps/epoch, SGD lr={lr}, {epochs} epochs, threads={tf.get_num_threads()}")

    t0 = time.perf_counter()
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False,
                        verbose=0 if quiet else 1)
    tg_step = (time.perf_counter() - t0) / (epochs * steps)
    tg_losses = history.history["loss"]

    np_losses, np_step, np_weights = numpy_train(init, x, y, epochs, batch_size, lr)

    if not quiet:
        _say("\nepoch   tapegrad loss   numpy loss    rel. diff")
        for i, (a, b) in enumerate(zip(tg_losses, np_losses)):
            _say(f"{i + 1:5d}   {a:13.6f}   {b:10.6f}    {abs(a - b) / max(abs(b), 1e-30):.1e}")
    rel = max(abs(a - b) / max(abs(b), 1e-30) for a, b in zip(tg_losses, np_losses))
    wdiff = max(float(np.max(np.abs(a - b))) for a, b in zip(model.get_weights(), np_weights))
    _say(f"\nfinal loss: tapegrad {tg_losses[-1]:.6f}, numpy by hand {np_losses[-1]:.6f} "
         f"(largest relative difference over the epochs {rel:.1e}; weights differ by at most {wdiff:.1e})")
    _say("time per training step (forward, loss, gradient, SGD update):")
    _say(f"  tapegrad.keras fit   {tg_step * 1e6:9.1f} us")
    _say(f"  numpy by hand        {np_step * 1e6:9.1f} us")
    _say(f"  numpy / tapegrad     {np_step / tg_step:9.2f}x")

    loss_png = _plot_losses(os.path.join(out_dir, "loss.png"), tg_losses, np_losses)
    return {"tapegrad_losses": tg_losses, "numpy_losses": np_losses, "tapegrad_step": tg_step,
            "numpy_step": np_step, "loss_png": loss_png, "max_rel_diff": rel}


class _EpochTimer(keras.callbacks.Callback):
    """Wall time of each epoch (for the throughput of the distributed demo)."""

    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self.t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self.t0)


def train_distributed(epochs=10, batch_size=256, quiet=False, hidden=256, n=16384, features=64,
                      lr=0.01, say=None):
    """Train the demo's MLP data-parallel over the MPI job (one process without a launcher).

    Each rank starts from differently seeded weights, ``broadcast_variables`` makes them rank
    0's, and ``fit(distributed=True)`` deals each epoch's batches of ``batch_size`` out to the
    ranks and averages the gradients. Rank 0 prints; every rank returns a dict with the
    losses, ``samples_per_s`` (all ranks together, from the epochs after the first when there
    are several), ``step_s`` and ``comm_s`` (seconds per step, and in the gradient allreduce
    per step, over the same epochs), and ``identical`` (whether all ranks end with the same
    weights, bit for bit).
    """
    from . import distributed as dist
    dist.init()
    me, nranks = dist.rank(), dist.size()
    out = (say or _say) if me == 0 else (lambda *a: None)
    x, y = make_regression(n, features)
    tf.random.set_seed(1 + me)  # different on every rank: the broadcast below equalises them
    model = keras.Sequential([
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dense(1),
    ])
    model.build((None, features))
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    before = _allgather_digest(model, dist)
    dist.broadcast_variables(model.weights, root=0)
    after = _allgather_digest(model, dist)
    steps = (-(-n // batch_size)) // nranks
    out(f"== Data-parallel training of the MLP on {nranks} MPI process"
        f"{'es' if nranks > 1 else ''} (tapegrad.distributed) ==")
    out(f"data: {n} samples x {features} features, batch {batch_size} per rank "
        f"({batch_size * nranks} per step), {steps} steps/epoch on each rank, SGD lr={lr}, "
        f"{epochs} epochs, {tf.get_num_threads()} thread(s) per rank")
    out(f"initial weights: {len(set(before))} distinct value set(s) over the ranks before "
        f"broadcast_variables, {len(set(after))} after")
    timer = _EpochTimer()
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=True,
                        distributed=True, callbacks=[timer], verbose=0 if quiet else 1)
    timed = slice(1, None) if epochs > 1 else slice(None)
    seconds = sum(timer.times[timed])
    epochs_timed = len(timer.times[timed])
    samples = epochs_timed * steps * batch_size * nranks
    comm = history.history.get("comm_time", [0.0] * epochs)[timed]
    comm_s = sum(comm) / max(len(comm), 1)
    step_s = seconds / max(epochs_timed * steps, 1)
    final = _allgather_digest(model, dist)
    identical = len(set(final)) == 1
    losses = history.history["loss"]
    out(f"\nfinal loss {losses[-1]:.6f} (first epoch {losses[0]:.6f}); weights identical on all "
        f"{nranks} ranks: {'yes' if identical else 'NO'}")
    which = "epochs 2-" + str(epochs) if epochs > 1 else "1 epoch"
    out(f"throughput ({which}): {samples / seconds:,.0f} samples/s over all ranks; "
        f"{step_s * 1e3:.3f} ms per step, of which communication (gradient allreduce) "
        f"{comm_s * 1e3:.3f} ms ({100 * comm_s / step_s:.1f}%)")
    return {"losses": losses, "samples_per_s": samples / seconds, "step_s": step_s,
            "comm_s": comm_s, "identical": identical, "size": nranks,
            "threads": tf.get_num_threads()}


def _allgather_digest(model, dist):
    """Every rank's SHA-1 of its model weights' bytes (to check that they are identical)."""
    import hashlib
    h = hashlib.sha1()
    for w in model.get_weights():
        h.update(np.ascontiguousarray(w).tobytes())
    return dist.allgather_object(h.hexdigest())


def main(argv=None):
    """Command-line entry point of ``python -m tapegrad.demo``."""
    p = argparse.ArgumentParser(
        prog="python -m tapegrad.demo",
        description="The seed document's GradientTape examples, then a 2-layer ReLU MLP trained "
                    "with tapegrad.keras next to the same model written by hand in numpy.")
    p.add_argument("--epochs", type=int, default=10, help="training epochs (default 10)")
    p.add_argument("--batch-size", type=int, default=None,
                   help="batch size (default 32; per rank with --distributed, default 256)")
    p.add_argument("--distributed", action="store_true",
                   help="train the MLP data-parallel over an MPI job: "
                        "mpiexec -n 2 python -m tapegrad.demo --distributed")
    p.add_argument("--threads", type=int, default=None,
                   help="threads for tapegrad's kernels and numpy's BLAS (default: all)")
    p.add_argument("--quiet", action="store_true", help="no progress bar, tables or model summary")
    p.add_argument("--out-dir", default=".", help="where loss.png and tape.png go (default: .)")
    args = p.parse_args(argv)
    if args.batch_size is None:
        args.batch_size = 256 if args.distributed else 32
    if args.epochs < 1 or args.batch_size < 1:
        p.error("--epochs and --batch-size must be positive")
    os.makedirs(args.out_dir, exist_ok=True)
    if args.distributed:  # first: init() shares the cores among the ranks, --threads overrides
        from . import distributed
        distributed.init()

    limiter = None
    if args.threads is not None:
        tf.set_num_threads(args.threads)
        try:
            from threadpoolctl import threadpool_limits
            limiter = threadpool_limits(args.threads)
        except ImportError:
            _say("(threadpoolctl is not installed: numpy's BLAS keeps its own thread count; "
                 "pip install threadpoolctl to limit it too)")
    t_start = time.perf_counter()
    if args.distributed:
        try:
            train_distributed(args.epochs, args.batch_size, args.quiet)
        finally:
            if limiter is not None:
                limiter.restore_original_limits()
        if distributed.rank() == 0:
            _say(f"\ndone in {time.perf_counter() - t_start:.1f} s")
        return 0
    try:
        seed = seed_examples(out_dir=args.out_dir)
        result = train_demo(args.epochs, args.batch_size, args.quiet, args.out_dir)
    finally:
        if limiter is not None:
            limiter.restore_original_limits()

    _say("\n== 3. Pictures ==")
    if result["loss_png"]:
        _say(f"loss per epoch: {os.path.abspath(result['loss_png'])}")
    else:
        _say("loss per epoch: matplotlib is not installed, so no loss.png "
             "(pip install matplotlib, then run the demo again)")
    tape_file = seed["tape_file"]
    if tape_file and tape_file.endswith(".dot"):
        _say(f"nested-tape graph: Graphviz is not installed, so the DOT text went to "
             f"{os.path.abspath(tape_file)} (pip install graphviz and apt-get install graphviz "
             f"for tape.png, or: dot -Tpng {tape_file} -o tape.png)")
    elif tape_file:
        _say(f"nested-tape graph: {os.path.abspath(tape_file)}")
    _say(f"\ndone in {time.perf_counter() - t_start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
