"""Adversarial-training speed: the straightforward LeakGAN loop against this project's, in one run.

Straightforward (what this project did before incremental features, and what
the public implementations do; `leakgan.train.reference`, which the tests
check against the package's `features: full` / `rollouts: sequential` path):
every generation step re-runs D's CNN on the padded prefix; sequences are
sampled in batches of 64, by a cumulative sum over the whole vocabulary; an
adversarial generator step runs its rollouts one boundary and one repeat at a
time (64 rows each), each re-running its prefix, and the training pass re-runs
the CNN on every padded prefix; D's epochs copy every batch to the device and
read its loss back batch by batch; torch's default (unfused) Adam. Both paths
skip the MANAGER (and D's highway) after the last goal boundary.

Ours: incremental prefix features, one-batch sampling (`gen_batch` rows)
with a two-level inverse-CDF search instead of a cumulative sum over the
whole vocabulary, batched rollouts from cached states, the trace's features
reused by the training pass, D's data kept on the device, fused Adam (and a
CUDA graph per D step on a GPU).

Measured: (a) sampling 10,000 sequences, (b) one adversarial generator step
(batch 64, 4 rollouts), (c) one full adversarial epoch at paper settings
(generator step + 5 × (10,000 fresh negatives, 3 D epochs over 20,000
sequences)). Paper sizes: length 20, vocabulary 5000, Table 7's D. The models
are freshly initialised and the "real" data are uniform random tokens: speed
does not depend on what the weights have learnt.

It also measures the device's float32 matrix-product throughput and prints the
FLOP floor of (a) and (b): the WORKER's output layer (2·|V|·k·hidden per
token) plus the incremental conv work (2·E·Σ w·n per token), and, beside it,
the "every-step floor" that adds D's highway, the MANAGER and the WORKER's
LSTM at every token (ours skips some of those steps, so it can go below it),
with our fraction of each.

    python benchmarks/adversarial_speed.py                 # CPU, 2 threads
    python benchmarks/adversarial_speed.py --device cuda   # GPU
    python benchmarks/adversarial_speed.py --smoke         # every part at tiny sizes, in seconds
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leakgan.train import reference  # noqa: E402
from leakgan import registry  # noqa: E402
from leakgan.train.leakgan import LeakGANRun, adversarial_step, build_model, train_discriminator  # noqa: E402

# --smoke: every part, both paths, at sizes that take seconds (the timings mean nothing).
SMOKE_ARGS = dict(vocab=300, seq_len=12, num=64, g_repeats=1)
SMOKE_SETTINGS = dict(emb_dim=16, hidden_dim=16, dis_emb_dim=16, filter_sizes=[1, 2, 4, 12],
                      num_filters=[8, 8, 8, 8], batch_size=16, rollout_num=2, d_steps=1, d_epochs=1)


# ------------------------------------------------------------------ measuring

def sync(device):
    """Wait for the device's queued work (a no-op on CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(device, fn, repeats=1):
    """Seconds per call (mean of `repeats`)."""
    sync(device)
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    sync(device)
    return (time.perf_counter() - start) / repeats


def matmul_throughput(device, n=2048, seconds=2.0):
    """float32 FLOP/s of n×n matrix products, measured for about `seconds`."""
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    a @ b
    sync(device)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        count += 1
        if device.type == "cuda" and count % 10:
            continue
        sync(device)
    sync(device)
    return 2 * n ** 3 * count / (time.perf_counter() - start)


def per_token_flops(model):
    """FLOPs per token: (the floor: WORKER output + incremental conv, the every-step floor: all of a step)."""
    g, d = model.cfg, model.dis_cfg
    worker_out = 2 * g.vocab_size * g.goal_size * g.hidden_dim
    conv = 2 * d.emb_dim * sum(w * n for w, n in zip(d.filter_sizes, d.num_filters))
    F = d.feature_dim
    highway = 2 * 2 * F * F
    lstms = 2 * 4 * g.hidden_dim * (F + g.hidden_dim) + 2 * 4 * g.hidden_dim * (g.emb_dim + g.hidden_dim)
    manager_out = 2 * g.hidden_dim * F + 2 * F * g.goal_size
    return worker_out + conv, worker_out + conv + highway + lstms + manager_out


def main() -> int:
    """Time both paths, print each part as it finishes and the table at the end."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--vocab", type=int, default=5000)
    ap.add_argument("--seq-len", type=int, default=20)
    ap.add_argument("--num", type=int, default=10000, help="sequences sampled in (a) and per D step")
    ap.add_argument("--gen-batch", type=int, default=None, help="our generation batch (default 1000 on CPU, 10000 on CUDA)")
    ap.add_argument("--g-repeats", type=int, default=3, help="generator steps timed in (b), each path")
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: a, b, c, c-straight")
    ap.add_argument("--smoke", action="store_true",
                    help=f"tiny sizes ({', '.join(f'{k}={v}' for k, v in SMOKE_ARGS.items())}, a small D and schedule) "
                         "to check that every part runs; explicit options still win")
    args = ap.parse_args()
    if args.smoke:
        ap.set_defaults(**SMOKE_ARGS)
        args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("CUDA: torch sees no GPU")
        return 1
    skip = set(filter(None, args.skip.split(",")))
    gen_batch = args.gen_batch or (10000 if device.type == "cuda" else 1000)
    s = registry.get("leakgan").settings.defaults(num_negatives=args.num, gen_batch=gen_batch, **(SMOKE_SETTINGS if args.smoke else {}))
    model = build_model(s, args.vocab, args.seq_len, 0).to(device)
    train = torch.randint(0, args.vocab, (args.num, args.seq_len), generator=torch.Generator().manual_seed(1))
    run = LeakGANRun(model, s, train, train, seed=0)
    # the same model; plain Adam of its own, as the straightforward path had
    straight_run = reference.reference_run(model, s, train, train, seed=0)
    name = torch.cuda.get_device_name() if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"device: {name}; torch {torch.__version__}; vocab {args.vocab}, length {args.seq_len}, "
          f"D filters {sum(model.dis_cfg.num_filters)}, batch {s.batch_size}, rollouts {s.rollout_num}, "
          f"our gen_batch {gen_batch}")
    if args.smoke:
        print("smoke run: tiny sizes, so the times and ratios below say nothing about speed")

    side = 256 if args.smoke else 2048
    peak = matmul_throughput(device, side, 0.2 if args.smoke else 2.0)
    floor_tok, model_tok = per_token_flops(model)
    T, B, R, c = args.seq_len, s.batch_size, s.rollout_num, s.step_size
    print(f"float32 matmul ({side}^3): {peak / 1e9:.1f} GFLOP/s; per token: floor {floor_tok / 1e6:.2f} MFLOP "
          f"(WORKER output + incremental conv), every step {model_tok / 1e6:.2f} MFLOP")
    rows = []

    def report(label, straight, ours, tokens=None):
        line = {"part": label, "straight": straight, "ours": ours}
        if tokens is not None:
            line["floor"] = tokens * floor_tok / peak
            line["model_floor"] = tokens * model_tok / peak
        rows.append(line)
        ratio = f"{straight / ours:6.1f}x" if straight else "     -"
        extra = ""
        if tokens is not None:
            extra = (f"  floor {line['floor']:.3f} s ({100 * line['floor'] / ours:.0f}% of it), "
                     f"every-step floor {line['model_floor']:.3f} s ({100 * line['model_floor'] / ours:.0f}%)")
        print(f"{label:<34} straight {straight or float('nan'):9.3f} s  ours {ours:8.3f} s  {ratio}{extra}", flush=True)

    if "a" not in skip:
        gen = torch.Generator(device=device)
        model.sample(min(args.num, 200), s.temperature, gen.manual_seed(0), gen_batch)  # warm-up
        ours = timed(device, lambda: model.sample(args.num, s.temperature, gen.manual_seed(0), gen_batch))
        straight = timed(device, lambda: reference.sample(model, args.num, s.temperature, gen.manual_seed(0)))
        report(f"(a) sample {args.num:,}", straight, ours, args.num * T)
    if "b" not in skip:
        adversarial_step(run)  # warm-up
        reference.generator_step(straight_run)
        ours = timed(device, lambda: adversarial_step(run), args.g_repeats)
        straight = timed(device, lambda: reference.generator_step(straight_run), max(1, args.g_repeats - 1))
        rollout_tokens = R * B * sum(T - b for b in range(c, T, c))
        report(f"(b) generator step ({B} x {R} rollouts)", straight, ours, B * T + rollout_tokens)
    if "c" not in skip:
        train_discriminator(run, 1) if device.type == "cuda" else None  # capture the D-step graph first
        ours_g = timed(device, lambda: adversarial_step(run))
        ours_d = timed(device, lambda: train_discriminator(run, s.d_steps))
        straight = None
        if "c-straight" not in skip:
            straight_g = timed(device, lambda: reference.generator_step(straight_run))
            straight_d = timed(device, lambda: reference.discriminator_steps(straight_run, s.d_steps))
            straight = straight_g + straight_d
            print(f"    straight: generator step {straight_g:.2f} s, {s.d_steps} D steps {straight_d:.2f} s")
        print(f"    ours: generator step {ours_g:.2f} s, {s.d_steps} D steps {ours_d:.2f} s "
              f"(D step path: {run.critic.step.reason})")
        report(f"(c) adversarial epoch ({s.d_steps} D steps)", straight, ours_g + ours_d)
    print()
    print(f"{'part':<40} {'straight s':>11} {'ours s':>9} {'speed-up':>9} {'floor s':>8} {'% floor':>8}")
    for line in rows:
        ratio = f"{line['straight'] / line['ours']:.1f}x" if line["straight"] else "-"
        floor = f"{line['floor']:.3f}" if "floor" in line else "-"
        frac = f"{100 * line['floor'] / line['ours']:.0f}%" if "floor" in line else "-"
        straight = f"{line['straight']:.3f}" if line["straight"] else "-"
        print(f"{line['part']:<40} {straight:>11} {line['ours']:>9.3f} {ratio:>9} {floor:>8} {frac:>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
