"""Data-parallel scaling of the demo MLP over MPI: 1 rank x 1 thread vs 2 ranks x 1 thread.

    PYTHONPATH=<tapegrad> python bench/distributed_report.py [--repeats 7] [--epochs 20]

Each repeat runs ``tapegrad.demo.train_distributed`` (the MLP of ``python -m tapegrad.demo``,
64 -> 256 ReLU -> 1, MSE, SGD, 16384 samples, ``fit(distributed=True)`` with batch 256 per
rank) once as a 1-process and once as a 2-process ``mpiexec`` job, alternating, both with
TAPEGRAD_NUM_THREADS=1 and OPENBLAS_NUM_THREADS=1, on this machine only (hydra's fork
launcher, loopback, UCX on shared memory). samples/s counts every rank's samples over the
epochs after the first; the communication time per step is the time in the gradient
allreduce (packing, MPI, unpacking; waiting for the slower rank included), as ``fit``
reports it. Prints one line per job and a Markdown table: the median of each, the median and
best of the per-repeat ratios (2 ranks / 1 rank), and the load average before and after.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig

LOOPBACK = "lo0" if sys.platform == "darwin" else "lo"


def worker(args):
    from tapegrad import distributed as dist
    from tapegrad.demo import train_distributed
    import time
    import tapegrad as tf
    dist.init()
    r = train_distributed(epochs=args.epochs, batch_size=args.batch_size, quiet=True,
                          say=lambda *a: None)
    # The gradient allreduce alone, back to back (no compute in between, so no waiting for
    # a slower rank): what the transfer itself costs.
    grads = [tf.zeros((64, 256)), tf.zeros((256,)), tf.zeros((256, 1)), tf.zeros((1,))]
    alone = []
    for _ in range(5):
        dist.barrier()
        t0 = time.perf_counter()
        for _ in range(100):
            dist.grouped_allreduce(grads)
        alone.append((time.perf_counter() - t0) / 100)
    r["allreduce_alone_s"] = sorted(alone)[len(alone) // 2]
    if dist.rank() == 0:
        print("RESULT " + json.dumps({k: r[k] for k in ("samples_per_s", "step_s", "comm_s",
                                                        "identical", "size", "threads",
                                                        "allreduce_alone_s")}),
              flush=True)


def find_mpiexec():
    for name in ("mpiexec", "mpirun"):
        for path in (os.path.join(sysconfig.get_path("scripts"), name), shutil.which(name)):
            if path and os.path.isfile(path):
                return path
    sys.exit("no mpiexec: pip install \"tapegrad[mpi]\" (mpi4py and MPICH)")


def start_job(mpiexec, n, args):
    env = dict(os.environ)
    env.update(TAPEGRAD_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               UCX_TLS="self,sm", UCX_NET_DEVICES=LOOPBACK, HYDRA_IFACE=LOOPBACK)
    cmd = ["nice", "-n", str(args.nice)] if args.nice else []
    cmd += [mpiexec, "-launcher", "fork", "-iface", LOOPBACK, "-host", "localhost", "-n", str(n),
           sys.executable, os.path.abspath(__file__), "--worker", "--epochs", str(args.epochs),
           "--batch-size", str(args.batch_size)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    return proc, cmd, n


def finish_job(job):
    proc, cmd, n = job
    out, err = proc.communicate(timeout=600)
    if proc.returncode != 0:
        sys.exit(f"job failed: {' '.join(cmd)}\n{out}\n{err}")
    line = next(l for l in out.splitlines() if l.startswith("RESULT "))
    res = json.loads(line[len("RESULT "):])
    assert res["identical"] and res["size"] == n and res["threads"] == 1, res
    return res


def run_job(mpiexec, n, args):
    return finish_job(start_job(mpiexec, n, args))


def run_pair(mpiexec, args):
    """Two independent 1-rank jobs at once (no communication between them): the scaling this
    machine allows for two processes of this workload, the ceiling for the 2-rank job."""
    jobs = [start_job(mpiexec, 1, args) for _ in range(2)]
    res = [finish_job(j) for j in jobs]
    return {"samples_per_s": sum(r["samples_per_s"] for r in res),
            "step_s": statistics.mean(r["step_s"] for r in res)}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=256, help="per rank (default 256)")
    p.add_argument("--nice", type=int, default=0,
                   help="run the jobs under `nice -n NICE` (a negative value, as root, gives "
                        "them priority over other work on a shared machine)")
    p.add_argument("--ceiling", action="store_true",
                   help="each repeat also runs two independent 1-rank jobs at once: the "
                        "samples/s two processes reach here without communicating")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args)
    mpiexec = find_mpiexec()
    load0 = os.getloadavg()
    one, two, ratios, ceilings = [], [], [], []
    for i in range(args.repeats):
        a = run_job(mpiexec, 1, args)
        b = run_job(mpiexec, 2, args)
        c = run_pair(mpiexec, args) if args.ceiling else None
        one.append(a)
        two.append(b)
        ratios.append(b["samples_per_s"] / a["samples_per_s"])
        if c:
            ceilings.append(c["samples_per_s"] / a["samples_per_s"])
        print(f"repeat {i + 1}: 1 rank {a['samples_per_s']:9,.0f} samples/s "
              f"({a['step_s'] * 1e3:.3f} ms/step) | 2 ranks {b['samples_per_s']:9,.0f} samples/s "
              f"({b['step_s'] * 1e3:.3f} ms/step, comm {b['comm_s'] * 1e3:.3f} ms/step) | "
              f"ratio {ratios[-1]:.2f}"
              + (f" | 2 independent 1-rank jobs {ceilings[-1]:.2f}" if c else "")
              + f"  [load {os.getloadavg()[0]:.2f}]", flush=True)
    load1 = os.getloadavg()
    med = statistics.median
    print()
    print(f"load average before {load0[0]:.2f} / after {load1[0]:.2f}; {args.repeats} repeats of "
          f"{args.epochs} epochs, batch {args.batch_size} per rank"
          + (f"; jobs under nice -n {args.nice}" if args.nice else ""))
    print()
    print("| job | samples/s (median) | ms per step | comm ms per step | share of the step | "
          "allreduce alone, ms |")
    print("|---|---|---|---|---|---|")
    for name, rs in (("1 rank x 1 thread", one), ("2 ranks x 1 thread", two)):
        step, comm = med(r["step_s"] for r in rs), med(r["comm_s"] for r in rs)
        alone = med(r["allreduce_alone_s"] for r in rs)
        print(f"| {name} | {med(r['samples_per_s'] for r in rs):,.0f} | {step * 1e3:.3f} | "
              f"{comm * 1e3:.3f} | {100 * comm / step:.0f} % | "
              f"{alone * 1e3:.3f} |" if rs is two else
              f"| {name} | {med(r['samples_per_s'] for r in rs):,.0f} | {step * 1e3:.3f} | "
              f"- | - | - |")
    print()
    print(f"scaling 2 ranks / 1 rank: median {med(ratios):.2f}x, best {max(ratios):.2f}x, "
          f"worst {min(ratios):.2f}x (goal >= 1.7x)")
    # What the ranks' own work would give if communication cost nothing (per repeat).
    free = [2 * a["step_s"] / (b["step_s"] - b["comm_s"]) for a, b in zip(one, two)]
    print(f"scaling without the communication time (2 x 1-rank step / (2-rank step - comm)): "
          f"median {med(free):.2f}x")
    if ceilings:
        print(f"two independent 1-rank jobs at once (no MPI traffic: this machine's ceiling for "
              f"2 processes): median {med(ceilings):.2f}x, best {max(ceilings):.2f}x")


if __name__ == "__main__":
    main()
