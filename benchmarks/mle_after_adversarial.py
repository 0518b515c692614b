"""MLE epoch before and after adversarial steps: does an adversarial step slow the supervised epochs that follow?

LeakGAN's interleaved training runs an MLE epoch (`mle_epoch`) every
`mle_every` adversarial epochs, in the same process as the policy-gradient
steps (`adversarial_step`). This script times one MLE epoch, then K
adversarial steps, then one more MLE epoch, on the same model and data in
one process, and prints CPU and wall seconds of each and the ratio of the
two MLE epochs' CPU times (target <= 1.1: an MLE epoch costs the same
before and after). Beside the times it prints what could explain a
difference: torch's thread count, OpenMP's max-active-levels (read from
the libgomp torch uses, where there is one) and the number of subnormal
(denormal) float32 values in the generator's weights and Adam states.

Default sizes are the demo scale's: vocabulary 5000, length 20, D of 8
windows x 32 filters (embedding 32), G's embedding and hidden size 32,
batch 64, 4 rollouts; the "real" data are 10,000 uniform random sequences,
or `--oracle PATH` samples them from an oracle (the pipeline's oracle .pt
or the standard target_params .pkl). Times use `time.process_time` (CPU
seconds of the whole process, all threads) and `time.perf_counter`;
with `--repeats R` each MLE row is the fastest of R epochs in a row (CPU
time on a shared machine varies from epoch to epoch).

The slowdown it was written for (Numba's `omp` threading layer resetting
torch's thread count to NUMBA_NUM_THREADS, the core count, at the first
reward; fixed in `kernels/rescale.py`) shows when --threads is below the
core count: on a 2-core machine, with --threads 1.

    python benchmarks/mle_after_adversarial.py                # demo sizes, 2 torch threads
    python benchmarks/mle_after_adversarial.py --threads 1    # as a smoke-scale job runs
    python benchmarks/mle_after_adversarial.py --smoke        # tiny sizes, seconds
"""
from __future__ import annotations

import argparse
import ctypes
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leakgan import registry  # noqa: E402
from leakgan.train.leakgan import LeakGANRun, adversarial_step, build_model, mle_epoch  # noqa: E402

LeakGANSettings = registry.get("leakgan").settings

DEMO_SETTINGS = dict(dis_emb_dim=32, filter_sizes=[1, 2, 3, 4, 5, 10, 15, 20], num_filters=[32] * 8)
# --smoke: tiny sizes that take seconds (the timings and the ratio mean nothing).
SMOKE_ARGS = dict(vocab=300, seq_len=12, num=256)
SMOKE_SETTINGS = dict(emb_dim=16, hidden_dim=16, dis_emb_dim=16, filter_sizes=[1, 2, 4, 12],
                      num_filters=[8, 8, 8, 8], batch_size=16, rollout_num=2)


def libgomp():
    """The GNU OpenMP runtime torch loaded (torch/lib/libgomp.so.1), or None where there is none."""
    path = Path(torch.__file__).parent / "lib" / "libgomp.so.1"
    try:
        return ctypes.CDLL(str(path) if path.exists() else "libgomp.so.1", mode=os.RTLD_NOLOAD | os.RTLD_GLOBAL)
    except OSError:
        return None


def max_active_levels(gomp) -> str:
    return str(gomp.omp_get_max_active_levels()) if gomp is not None else "-"


def subnormals(tensors) -> int:
    """How many float32 values of the tensors are subnormal (nonzero, below the smallest normal)."""
    tiny = torch.finfo(torch.float32).tiny
    return sum(int(((t != 0) & (t.abs() < tiny)).sum()) for t in tensors if t.is_floating_point())


def generator_tensors(run):
    """G's weights and their Adam moments (the optimizers of the policy gradient and of interleaved MLE)."""
    params = [p.detach() for p in [*run.model.worker_parameters(), *run.model.manager_parameters()]]
    opts = [run.worker_opt, run.manager_opt, *(run.mle_opts or ())]
    states = [v for opt in opts for state in opt.state.values() for v in state.values()
              if torch.is_tensor(v) and v.dim() > 0]
    return params, states


def timed(fn):
    """(CPU seconds, wall seconds, result) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn()
    return time.process_time() - cpu, time.perf_counter() - wall, result


def load_data(args) -> torch.Tensor:
    gen = torch.Generator().manual_seed(1)
    if not args.oracle:
        return torch.randint(0, args.vocab, (args.num, args.seq_len), generator=gen)
    from leakgan.models.oracle import Oracle, load_oracle_pickle

    if args.oracle.endswith(".pkl"):
        oracle = Oracle.from_arrays(load_oracle_pickle(args.oracle), args.oracle)
    else:
        oracle = Oracle.load(args.oracle)
    args.vocab = oracle.vocab_size
    return oracle.sample(args.num, args.seq_len, gen)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--vocab", type=int, default=5000)
    ap.add_argument("--seq-len", type=int, default=20)
    ap.add_argument("--num", type=int, default=10000, help="training sequences (one MLE epoch = one pass)")
    ap.add_argument("--steps", type=int, default=1, help="adversarial steps K between the two MLE epochs")
    ap.add_argument("--repeats", type=int, default=1, help="MLE epochs timed before and after (the fastest is shown)")
    ap.add_argument("--oracle", default=None, help="sample the data from this oracle (.pt, or the standard .pkl)")
    ap.add_argument("--flush-denormal", action="store_true", help="probe: torch.set_flush_denormal(True) first")
    ap.add_argument("--smoke", action="store_true",
                    help=f"tiny sizes ({', '.join(f'{k}={v}' for k, v in SMOKE_ARGS.items())}, a small model); "
                         "explicit options still win")
    args = ap.parse_args()
    if args.smoke:
        ap.set_defaults(**SMOKE_ARGS)
        args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.flush_denormal:
        print(f"flush denormal: {torch.set_flush_denormal(True)}")
    gomp = libgomp()
    train = load_data(args)
    s = LeakGANSettings.defaults(**(SMOKE_SETTINGS if args.smoke else DEMO_SETTINGS))
    model = build_model(s, args.vocab, args.seq_len, 0)
    run = LeakGANRun(model, s, train, train, seed=0, stage="adversarial")
    print(f"CPU; torch {torch.__version__}; vocab {args.vocab}, length {args.seq_len}, {len(train):,} sequences "
          f"({'oracle ' + args.oracle if args.oracle else 'uniform random'}), D filters {sum(model.dis_cfg.num_filters)}, "
          f"emb/hidden {s.emb_dim}/{s.hidden_dim}, batch {s.batch_size}, rollouts {s.rollout_num}, K={args.steps}")
    if args.smoke:
        print("smoke run: tiny sizes, so the times and the ratio below say nothing about speed")

    def state(label):
        params, states = generator_tensors(run)
        print(f"{label:<22} torch threads {torch.get_num_threads()}, OpenMP max_active_levels "
              f"{max_active_levels(gomp)}, subnormal G weights {subnormals(params)}, Adam states {subnormals(states)}",
              flush=True)

    def epochs(label):
        times = [timed(lambda: mle_epoch(run))[:2] for _ in range(args.repeats)]
        if args.repeats > 1:
            print(f"{label}, cpu s of each: {', '.join(f'{cpu:.2f}' for cpu, _ in times)}", flush=True)
        return min(times)

    state("start")
    before = epochs("MLE epoch before")
    state("after MLE epoch")
    model.train()
    adv = timed(lambda: [adversarial_step(run) for _ in range(args.steps)])[:2]
    state("after adversarial")
    after = epochs("MLE epoch after")
    state("end")
    rows = [("MLE epoch before", *before), (f"{args.steps} adversarial step{'s' * (args.steps != 1)}", *adv),
            ("MLE epoch after", *after)]
    print()
    print(f"{'phase':<22} {'cpu s':>8} {'wall s':>8}")
    for label, cpu, wall in rows:
        print(f"{label:<22} {cpu:>8.2f} {wall:>8.2f}")
    print(f"ratio after/before: {after[0] / before[0]:.2f}x (target <= 1.1)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
