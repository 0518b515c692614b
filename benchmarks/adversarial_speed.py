"""Adversarial-training speed: the straightforward LeakGAN loop against this project's, in one run.

Straightforward (what this project did before incremental features, and what
the public implementations do): every generation step re-runs D's CNN and
highway on the padded prefix and runs the MANAGER; sequences are sampled in
batches of 64, by a cumulative sum over the whole vocabulary; an adversarial generator step runs its rollouts one boundary
and one repeat at a time (64 rows each), each re-running its prefix, and the
training pass re-runs the CNN on every padded prefix; D's epochs copy every
batch to the device and read its loss back batch by batch; torch's default
(unfused) Adam.

Ours: incremental prefix features, one-batch sampling (`gen_batch` rows)
with a two-level inverse-CDF search instead of a cumulative sum over the
whole vocabulary, the MANAGER skipped after the last goal boundary,
batched rollouts from cached states, the trace's features reused by the
training pass, D's data kept on the device, fused Adam (and a CUDA graph per
D step on a GPU).

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
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from leakgan.kernels import score_rollouts  # noqa: E402
from leakgan.models.discriminator import PAD  # noqa: E402
from leakgan.models.generator import START_TOKEN, intrinsic_reward, manager_loss  # noqa: E402
from leakgan.train.leakgan import (LeakGANRun, LeakGANSettings, _update_generator, adversarial_step,  # noqa: E402
                                   build_model, train_discriminator)


# ------------------------------------------------------------------ the straightforward path

def straight_categorical(logits, gen):
    """Inverse-CDF sampling over the whole vocabulary (the sampler this project used before)."""
    cdf = torch.softmax(logits.float(), dim=-1).cumsum(dim=-1)
    u = torch.rand(logits.shape[0], 1, generator=gen, device=logits.device) * cdf[:, -1:]
    return torch.searchsorted(cdf, u).squeeze(1).clamp_(max=logits.shape[-1] - 1)


@torch.no_grad()
def straight_generate(model, prefix, given, temperature, gen):
    """Step-by-step generation re-running D (CNN + highway) on the padded prefix at every step."""
    D, c = model.discriminator, model.cfg.step_size
    n, T = prefix.shape
    dev = model.goal_init.device
    given = torch.as_tensor(given, device=dev).expand(n)
    tokens = torch.full((n, T), PAD, dtype=torch.long, device=dev)
    prev = torch.full((n,), START_TOKEN, dtype=torch.long, device=dev)
    goal, pending = model.goal_init.expand(n, -1), torch.zeros(n, model.cfg.feature_dim, device=dev)
    ms = ws = None
    D.eval()
    for t in range(T):
        feature = D.feature(tokens)
        sub_goal, ms = model.manager(feature[:, None], ms)
        if t > 0:
            pending = pending + sub_goal[:, 0]
            if t % c == 0:
                goal, pending = pending, torch.zeros_like(pending)
        hidden, ws = model.worker(prev[:, None], ws)
        logits = model.worker.logits(hidden[:, 0], model.goal_embedding(goal)) / temperature
        prev = torch.where(t < given, prefix[:, t], straight_categorical(logits, gen))
        tokens[:, t] = prev
    return tokens


def straight_sample(model, num, temperature, gen, batch=64):
    dev = model.goal_init.device
    empty = lambda n: torch.zeros(n, model.cfg.seq_len, dtype=torch.long, device=dev)  # noqa: E731
    return torch.cat([straight_generate(model, empty(min(batch, num - i)), 0, temperature, gen).cpu()
                      for i in range(0, num, batch)])


def straight_g_step(run):
    s, model, D = run.settings, run.model, run.model.discriminator
    samples = straight_sample(model, s.batch_size, s.train_temperature, run.sample_rng).to(run.device)
    T = samples.shape[1]
    boundaries = range(s.step_size, T, s.step_size)
    with torch.no_grad():
        D.eval()
        full = D.real_prob(samples)
        partial = torch.stack([torch.stack([D.real_prob(straight_generate(model, samples, b, s.train_temperature,
                                                                          run.sample_rng)) for b in boundaries])
                               for _ in range(s.rollout_num)])
        probs = torch.cat([partial, full.expand(s.rollout_num, 1, -1)], dim=1)
    rewards = score_rollouts(probs.contiguous(), s.delta)
    model.feature_mode = "full"  # the CNN on every padded prefix
    try:
        out = model.teacher_forced(samples, s.train_temperature)
    finally:
        model.feature_mode = s.features
    m_loss = manager_loss(out.features, out.goals, rewards, s.step_size)
    w_loss = -(intrinsic_reward(out.features, out.sub_goals.detach(), s.step_size) * out.log_probs).mean()
    _update_generator(run, w_loss, m_loss)


def straight_d_step(run, steps):
    s, model, D = run.settings, run.model, run.model.discriminator
    for _ in range(steps):
        negatives = straight_sample(model, s.num_negatives, s.temperature, run.sample_rng)
        tokens = torch.cat([run.train[:len(negatives)], negatives])
        labels = torch.cat([torch.ones(len(negatives), dtype=torch.long), torch.zeros(len(negatives), dtype=torch.long)])
        D.train()
        for _ in range(s.d_epochs):
            order = torch.randperm(len(tokens), generator=run.shuffle_rng)
            for i in range(0, len(order), s.dis_batch_size):
                idx = order[i:i + s.dis_batch_size]
                loss = D.loss(tokens[idx].to(run.device), labels[idx].to(run.device))
                run.dis_opt.zero_grad(set_to_none=True)
                loss.backward()
                run.dis_opt.step()
                float(loss.detach())


# ------------------------------------------------------------------ measuring

def sync(device):
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
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--vocab", type=int, default=5000)
    ap.add_argument("--seq-len", type=int, default=20)
    ap.add_argument("--num", type=int, default=10000, help="sequences sampled in (a) and per D step")
    ap.add_argument("--gen-batch", type=int, default=None, help="our generation batch (default 1000 on CPU, 10000 on CUDA)")
    ap.add_argument("--g-repeats", type=int, default=3, help="generator steps timed in (b), each path")
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: a, b, c, c-straight")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("CUDA: torch sees no GPU")
        return 1
    skip = set(filter(None, args.skip.split(",")))
    gen_batch = args.gen_batch or (10000 if device.type == "cuda" else 1000)
    s = LeakGANSettings(num_negatives=args.num, gen_batch=gen_batch)
    model = build_model(s, args.vocab, args.seq_len, 0).to(device)
    train = torch.randint(0, args.vocab, (args.num, args.seq_len), generator=torch.Generator().manual_seed(1))
    run = LeakGANRun(model, s, train, train, seed=0)
    # the straightforward path keeps torch's default (unfused) Adam, as before
    plain = lambda params, lr: torch.optim.Adam(list(params), lr=lr)  # noqa: E731
    straight_run = SimpleNamespace(model=model, settings=s, train=train, device=device, sample_rng=run.sample_rng,
                                   shuffle_rng=run.shuffle_rng, worker_opt=plain(model.worker_parameters(), s.lr),
                                   manager_opt=plain(model.manager_parameters(), s.lr),
                                   dis_opt=plain(model.discriminator.parameters(), s.dis_lr))
    name = torch.cuda.get_device_name() if device.type == "cuda" else f"CPU, {torch.get_num_threads()} threads"
    print(f"device: {name}; torch {torch.__version__}; vocab {args.vocab}, length {args.seq_len}, "
          f"D filters {sum(model.dis_cfg.num_filters)}, batch {s.batch_size}, rollouts {s.rollout_num}, "
          f"our gen_batch {gen_batch}")

    peak = matmul_throughput(device)
    floor_tok, model_tok = per_token_flops(model)
    T, B, R, c = args.seq_len, s.batch_size, s.rollout_num, s.step_size
    print(f"float32 matmul (2048^3): {peak / 1e9:.1f} GFLOP/s; per token: floor {floor_tok / 1e6:.2f} MFLOP "
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
        straight = timed(device, lambda: straight_sample(model, args.num, s.temperature, gen.manual_seed(0)))
        report(f"(a) sample {args.num:,}", straight, ours, args.num * T)
    if "b" not in skip:
        adversarial_step(run)  # warm-up
        straight_g_step(straight_run)
        ours = timed(device, lambda: adversarial_step(run), args.g_repeats)
        straight = timed(device, lambda: straight_g_step(straight_run), max(1, args.g_repeats - 1))
        rollout_tokens = R * B * sum(T - b for b in range(c, T, c))
        report(f"(b) generator step ({B} x {R} rollouts)", straight, ours, B * T + rollout_tokens)
    if "c" not in skip:
        train_discriminator(run, 1) if device.type == "cuda" else None  # capture the D-step graph first
        ours_g = timed(device, lambda: adversarial_step(run))
        ours_d = timed(device, lambda: train_discriminator(run, s.d_steps))
        straight = None
        if "c-straight" not in skip:
            straight_g = timed(device, lambda: straight_g_step(straight_run))
            straight_d = timed(device, lambda: straight_d_step(straight_run, s.d_steps))
            straight = straight_g + straight_d
            print(f"    straight: generator step {straight_g:.2f} s, {s.d_steps} D steps {straight_d:.2f} s")
        print(f"    ours: generator step {ours_g:.2f} s, {s.d_steps} D steps {ours_d:.2f} s "
              f"(D step path: {run.d_step.reason})")
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
