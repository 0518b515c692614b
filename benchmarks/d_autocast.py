"""D's training step in float32 against bfloat16 autocast (`dis_autocast: bf16`): speed and D's accuracy.

Run (from the repository root):
    python benchmarks/d_autocast.py [--device cuda] [--steps 300] [--threads 2]
    python benchmarks/d_autocast.py --smoke

Table 7's D (length 20, 12 windows, 1,720 features, embedding 64) at batch 64
learns to tell oracle samples (the standard oracle's, or a seeded random
oracle's) from a fresh MLE generator's, twice from the same initial weights
and on the same batches: once in float32, once with its forward pass under
bfloat16 autocast (the weights, gradients and Adam states stay float32). The
table gives the median seconds per step, the loss of the last steps and D's
accuracy on held-out real and generated sequences. bfloat16 is fast only where
the hardware has it (AVX512-BF16 or AMX on a CPU, any recent GPU); elsewhere it
is emulated and slower.
"""
from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from leakgan.models.discriminator import Discriminator, DiscriminatorConfig  # noqa: E402
from leakgan.models.mle import MLEConfig, MLEGenerator  # noqa: E402
from leakgan.models.oracle import Oracle  # noqa: E402
from leakgan.train.discriminator import DiscriminatorStep  # noqa: E402

DEFAULT_ORACLE = ROOT.parent / "shared" / "data" / "oracle" / "target_params.pkl"


def data(a, device):
    """(train tokens, train labels, held-out tokens, held-out labels): half oracle samples, half generated."""
    gen = torch.Generator().manual_seed(0)
    if Path(a.oracle).is_file() and not a.smoke:
        from leakgan.models.oracle import load_oracle_pickle

        oracle = Oracle.from_arrays(load_oracle_pickle(a.oracle))
    else:
        oracle = Oracle.random(a.vocab, 32, 32, 1.0, gen)
    n = a.batch * a.steps // 2 + 1000
    real = oracle.sample(n, a.seq_len, gen, 1000)
    torch.manual_seed(1)
    fake = MLEGenerator(MLEConfig(a.vocab, a.seq_len, 32, 32)).sample(n, 1.0, gen, 1000)
    tokens = torch.cat([real, fake])
    labels = torch.cat([torch.ones(n, dtype=torch.long), torch.zeros(n, dtype=torch.long)])
    order = torch.randperm(2 * n, generator=gen)
    tokens, labels = tokens[order].to(device), labels[order].to(device)
    return tokens[2000:], labels[2000:], tokens[:2000], labels[:2000]


def train(D0, a, device, autocast, batches):
    """(seconds per step, mean loss of the last tenth of the steps, held-out accuracy) of one D trained on batches."""
    D = copy.deepcopy(D0)
    opt = torch.optim.Adam(D.parameters(), lr=a.lr)
    step = DiscriminatorStep(D, opt, a.batch, device, autocast)
    times, losses = [], []
    D.train()
    for tokens, labels in batches:
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        losses.append(float(step(tokens, labels)))
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    D.eval()
    return statistics.median(times[2:] or times), sum(losses[-len(losses) // 10 or -1:]) / max(len(losses) // 10, 1), D


@torch.no_grad()
def accuracy(D, tokens, labels) -> float:
    return float(((D.real_prob(tokens) > 0.5).long() == labels).float().mean())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--vocab", type=int, default=5000)
    p.add_argument("--seq-len", type=int, default=20)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--oracle", default=str(DEFAULT_ORACLE))
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks the path (numbers mean nothing)")
    a = p.parse_args()
    if a.smoke:
        a.steps, a.vocab, a.seq_len = 12, 200, 8
    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    cfg = DiscriminatorConfig(vocab_size=a.vocab, seq_len=a.seq_len, emb_dim=64 if not a.smoke else 8,
                              **({"filter_sizes": (1, 2, 8), "num_filters": (4, 4, 4)} if a.smoke else {}),
                              dropout=0.25, l2_reg=0.2)
    D0 = Discriminator(cfg)
    D0.reset_parameters(torch.Generator().manual_seed(2))
    D0.to(device)
    tokens, labels, held_tokens, held_labels = data(a, device)
    batches = [(tokens[i:i + a.batch], labels[i:i + a.batch]) for i in range(0, a.steps * a.batch, a.batch)]
    name = torch.cuda.get_device_name() if device.type == "cuda" else f"CPU ({torch.backends.cpu.get_cpu_capability()}), {a.threads} threads"
    print(f"device: {name}; D: {len(cfg.filter_sizes)} windows, {cfg.feature_dim} features; batch {a.batch}; "
          f"{a.steps} steps from the same weights on the same batches\n")
    print(f"{'precision':<10} {'s / step':>9} {'last loss':>10} {'held-out acc':>13}")
    rows = {}
    for autocast in ("none", "bf16"):
        seconds, loss, D = train(D0, a, device, autocast, batches)
        rows[autocast] = seconds
        print(f"{'float32' if autocast == 'none' else 'bf16':<10} {seconds:>9.4f} {loss:>10.4f} "
              f"{accuracy(D, held_tokens, held_labels):>13.3f}")
    print(f"\nspeed-up of bf16 autocast: {rows['none'] / rows['bf16']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
