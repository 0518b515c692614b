"""Several training chains on one device: aggregate adversarial epochs per second at K = 1, 2, 4, 8 chains.

Run (from the repository root; a GPU is what it is for):
    python benchmarks/chains_per_gpu.py --device cuda [--chains 1 2 4 8] [--epochs 3]
    python benchmarks/chains_per_gpu.py --smoke          # the path, on the CPU, tiny sizes

For each K, K processes start together, each running `--epochs` paper-scale
LeakGAN adversarial epochs (a generator step with rollouts, then 5 D steps of
10,000 fresh negatives × 3 epochs, Table 7's D) on the same device, the way K
Snakemake jobs sharing a GPU slot-pool would (`resources.chains_per_gpu`). The
table gives the wall time, the aggregate epochs per second and its ratio to
K = 1: the throughput multiplier that `benchmarks/study_cost.py --chain-speedup`
takes.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def chain(a: argparse.Namespace) -> None:
    """One chain (a child process): build a LeakGAN and run its adversarial epochs."""
    sys.path.insert(0, str(ROOT))
    import torch

    from leakgan import registry
    from leakgan.train.leakgan import LeakGANRun, build_model

    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    small = dict(filter_sizes=[1, 2, 8], num_filters=[8, 8, 8], dis_emb_dim=8, emb_dim=8, hidden_dim=8,
                 num_negatives=200, gen_batch=200) if a.smoke else {"gen_batch": 10000 if a.device == "cuda" else 1000}
    s = registry.get("leakgan").settings.defaults(**small)
    V, T = (200, 8) if a.smoke else (5000, 20)
    train = torch.randint(0, V, (s.num_negatives, T), generator=torch.Generator().manual_seed(a.rank))
    run = LeakGANRun(build_model(s, V, T, a.rank).to(device), s, train, train, a.rank, stage="adversarial")
    run.train_epoch(1)  # warm-up: kernels, cuDNN autotuning, the D step's CUDA graph
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for epoch in range(2, a.epochs + 2):
        run.train_epoch(epoch)
    if device.type == "cuda":
        torch.cuda.synchronize()
    print(json.dumps({"seconds": time.perf_counter() - start}))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--chains", nargs="+", type=int, default=[1, 2, 4, 8])
    p.add_argument("--epochs", type=int, default=3, help="timed adversarial epochs per chain (after one warm-up)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads per chain")
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--rank", type=int, default=None, help=argparse.SUPPRESS)  # set for a child process
    a = p.parse_args()
    if a.rank is not None:
        chain(a)
        return 0
    if a.smoke:
        a.chains, a.epochs = [1, 2], 1
    print(f"device: {a.device}; {a.epochs} timed paper-scale adversarial epochs per chain"
          + (" (smoke sizes)" if a.smoke else "") + "\n")
    print(f"{'chains K':>8} {'wall s':>8} {'epochs/s':>9} {'x K=1':>7}")
    base = None
    for k in a.chains:
        command = [sys.executable, __file__, "--device", a.device, "--epochs", str(a.epochs), "--threads",
                   str(a.threads)] + (["--smoke"] if a.smoke else [])
        start = time.perf_counter()
        children = [subprocess.Popen([*command, "--rank", str(r)], stdout=subprocess.PIPE, text=True)
                    for r in range(k)]
        outputs = [child.communicate()[0] for child in children]
        wall = time.perf_counter() - start
        if any(child.returncode for child in children):
            print(f"a chain failed at K = {k}")
            return 1
        slowest = max(json.loads(out.strip().splitlines()[-1])["seconds"] for out in outputs)
        rate = k * a.epochs / slowest
        base = base or rate
        print(f"{k:>8} {wall:>8.1f} {rate:>9.3f} {rate / base:>6.2f}x")
    print("\n(epochs/s: K × epochs over the slowest chain's timed epochs; wall s includes start-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
