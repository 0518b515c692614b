"""The adversarial generator step of every GAN at the paper's sizes: LeakGAN (per-segment rollouts) vs SeqGAN,
SeqGAN (rescaled) and RankGAN (per-token rollouts), and SeqGAN's rollouts batched vs one at a time.

Run from the repository root:
    python benchmarks/baseline_speed.py                 # CPU (2 threads), paper sizes
    python benchmarks/baseline_speed.py --device cuda   # the same on a GPU
    python benchmarks/baseline_speed.py --smoke         # tiny sizes (seconds)

Sizes: vocabulary 5,000, length 20, batch 64, Table 7's D (1,720 features,
embedding 64) for every critic; LeakGAN 4 rollouts from each of 4 segment
boundaries, the baselines 16 rollouts from each of 19 token positions (the
papers' numbers). One step = sample a batch, rollouts, the critic's scores,
rewards, one generator update. The straightforward SeqGAN rollouts re-run the
prefix for every (repeat, position) and score each batch of 64 separately, as
the public SeqGAN code does; ours run all repeats and positions as one batch
grown from cached LSTM states. Times are medians of --repeats steps after one
warm-up step.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from leakgan.models.mle import MLEConfig, MLEGenerator  # noqa: E402
from leakgan.models.sampling import START_TOKEN, categorical  # noqa: E402
from leakgan import registry  # noqa: E402
from leakgan.models.discriminator import Discriminator  # noqa: E402
from leakgan.models.ranker import Ranker  # noqa: E402
from leakgan.train import rankgan, seqgan  # noqa: E402
from leakgan.train.discriminator import discriminator_config  # noqa: E402
from leakgan.train.job import TrainingJob  # noqa: E402
from leakgan.train.leakgan import LeakGANRun, adversarial_step, build_model  # noqa: E402

SMOKE = dict(vocab=100, seq_len=6, batch=8, repeats=1)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn, device, repeats: int) -> float:
    """Median seconds of fn() over `repeats` calls after one warm-up call."""
    fn()
    sync(device)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


@torch.no_grad()
def sequential_rollouts(G: MLEGenerator, tokens: torch.Tensor, repeats: int, rng: torch.Generator) -> torch.Tensor:
    """The straightforward per-token rollouts: for every repeat and prefix length, re-run the prefix, then sample."""
    B, T = tokens.shape
    out = torch.empty(repeats, T - 1, B, T, dtype=torch.long, device=tokens.device)
    for r in range(repeats):
        for g in range(1, T):
            token, state = torch.full((B,), START_TOKEN, dtype=torch.long, device=tokens.device), None
            for t in range(T):
                hidden, state = G.lstm(G.embedding(token)[:, None, :], state)
                token = tokens[:, t] if t < g else categorical(G.out(hidden[:, 0]), rng)
                out[r, g - 1, :, t] = token
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--vocab", type=int, default=5000)
    ap.add_argument("--seq-len", type=int, default=20)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, to check that every path runs")
    a = ap.parse_args()
    if a.smoke:
        ap.set_defaults(**SMOKE)
        a = ap.parse_args()
    torch.set_num_threads(a.threads)
    device = torch.device(a.device)
    V, T, B = a.vocab, a.seq_len, a.batch
    gen = torch.Generator().manual_seed(0)
    train = torch.randint(0, V, (max(4 * B, 256), T), generator=gen)
    table7 = dict(filter_sizes=None, num_filters=None) if not a.smoke else dict(filter_sizes=[1, 2, T],
                                                                                num_filters=[8, 8, 8])
    rows = []

    # LeakGAN: the package's adversarial step (batched per-segment rollouts)
    s = registry.get("leakgan").settings.defaults(batch_size=B, **table7)
    run = LeakGANRun(build_model(s, V, T, 0).to(device), s, train, train, 0)
    run.model.train()
    rows.append(("LeakGAN (4 rollouts × segments)", timed(lambda: adversarial_step(run), device, a.repeats)))

    # the baselines: the package's adversarial step (batched per-token rollouts)
    for name in ("seqgan", "seqgan_rescaled", "rankgan"):
        spec = registry.get(name)
        bs = spec.settings.defaults(batch_size=B, rollout_num=16, **table7)
        job = TrainingJob(spec=spec, settings=bs.to_dict(), vocab={"size": V, "pad_id": None}, train=train,
                          test=train, seed=0, device=device)
        torch.manual_seed(0)
        G = MLEGenerator(MLEConfig(V, T, bs.emb_dim, bs.hidden_dim)).to(device).eval()
        module = (Ranker if name == "rankgan" else Discriminator)(discriminator_config(bs, V, T))
        module.reset_parameters(torch.Generator().manual_seed(1))
        make_critic = rankgan.ranker_critic if name == "rankgan" else seqgan.discriminator_critic
        rewards = seqgan.rescaled_rewards if name == "seqgan_rescaled" else seqgan.mean_rewards
        brun = seqgan.SeqGANRun(job, bs, G, make_critic(job, bs, module.to(device)), stage="adversarial",
                                rewards=rewards)
        rows.append((f"{spec.label} (16 rollouts × tokens)",
                     timed(lambda: seqgan.adversarial_step(brun), device, a.repeats)))
        if name == "seqgan":
            samples = G.sample(B, 1.0, brun.sample_rng, B).to(device)
            D = brun.critic.module.eval()

            def straightforward():
                with torch.no_grad():
                    rolled = sequential_rollouts(G, samples, 16, brun.sample_rng)
                    torch.stack([D.real_prob(rolled[r, g]) for r in range(16) for g in range(T - 1)])

            def ours():
                with torch.no_grad():
                    rolled = G.rollouts(samples, 16, 1.0, brun.sample_rng, bs.rollout_chunk)
                    torch.cat([D.real_prob(part) for part in rolled.reshape(-1, T).split(bs.rollout_chunk)])

            slow = timed(straightforward, device, 1)
            fast = timed(ours, device, a.repeats)
            rows.append(("SeqGAN rollouts + D: straightforward", slow))
            rows.append(("SeqGAN rollouts + D: ours (batched)", fast))

    leak = rows[0][1]
    print(f"adversarial generator step, {a.device}" + (f" ({torch.get_num_threads()} threads)" if a.device == "cpu"
                                                        else f" ({torch.cuda.get_device_name()})")
          + f"; vocab {V}, length {T}, batch {B}" + ("  [SMOKE]" if a.smoke else ""))
    print(f"{'what':<40}{'seconds':>10}{'ratio':>10}")
    print("-" * 60)
    for label, sec in rows:
        if "straightforward" in label:
            ratio = ""
        elif "ours (batched)" in label:
            ratio = f"{rows[[r[0] for r in rows].index('SeqGAN rollouts + D: straightforward')][1] / sec:.1f}x"
        else:
            ratio = f"{sec / leak:.1f}"
        print(f"{label:<40}{sec:>10.3f}{ratio:>10}".rstrip())
    print("-" * 60)
    print("ratio: step time relative to LeakGAN's step; for the rollouts, the straightforward time over ours (speed-up)")


if __name__ == "__main__":
    main()
