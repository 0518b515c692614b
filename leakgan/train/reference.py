"""The straightforward reference path of LeakGAN's adversarial training, for checking and timing the fast one.

The generating is the package's own reference machinery: D's CNN re-run on
every padded prefix (`features: full`, `FullPrefix`) and step-by-step
generation that re-runs the prefix for every rollout (`LeakGANModel.generate`,
what `rollouts: sequential` calls). This module adds only what the training
path has no switch for, so that the tests and benchmarks/adversarial_speed.py
share one copy of it: a pluggable sampler (by default the cumulative sum over
the whole vocabulary that this project used before the two-level search),
sampling 64 rows at a time, torch's default (unfused) Adam, and D epochs that
copy every batch to the device and read its loss back batch by batch.

With `sampler=categorical` a generator step here is `adversarial_step` with
`features: full` and `rollouts: sequential`, and D steps with the same
sampler are `train_discriminator`'s (tests/unit/train/test_reference.py checks both).
"""
from __future__ import annotations

from contextlib import contextmanager

import torch

from leakgan.kernels import score_rollouts
from leakgan.models.leakgan import LeakGANModel, intrinsic_reward, manager_loss
from leakgan.train.leakgan import LeakGANRun, negatives_temperature, update_generator

SAMPLE_BATCH = 64  # rows per generation call, as the public implementations sample


def cumsum_categorical(logits: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One token per row of `logits` [N, V] by inverse-CDF search in a cumulative sum over the whole vocabulary."""
    cdf = torch.softmax(logits.float(), dim=-1).cumsum(dim=-1)
    u = torch.rand(logits.shape[0], 1, generator=generator, device=logits.device) * cdf[:, -1:]
    return torch.searchsorted(cdf, u).squeeze(1).clamp_(max=logits.shape[-1] - 1)


@contextmanager
def full_features(model: LeakGANModel):
    """The model in `features: full` mode for the duration; its previous mode restored after."""
    previous = model.feature_mode
    model.feature_mode = "full"
    try:
        yield model
    finally:
        model.feature_mode = previous


@torch.no_grad()
def sample(model: LeakGANModel, num: int, temperature: float, generator: torch.Generator,
           sampler=cumsum_categorical, batch_size: int = SAMPLE_BATCH) -> torch.Tensor:
    """`num` sequences [num, T] (CPU) by step-by-step generation with full features, `batch_size` rows a call."""
    device = model.goal_init.device
    chunks = []
    with full_features(model):
        for first in range(0, num, batch_size):
            empty = torch.zeros(min(batch_size, num - first), model.cfg.seq_len, dtype=torch.long, device=device)
            chunks.append(model.generate(empty, 0, temperature, generator, sampler)[0].cpu())
    return torch.cat(chunks) if chunks else torch.zeros(0, model.cfg.seq_len, dtype=torch.long)


@torch.no_grad()
def sequential_rollouts(model: LeakGANModel, samples: torch.Tensor, boundaries, repeats: int, temperature: float,
                        generator: torch.Generator, sampler=cumsum_categorical) -> torch.Tensor:
    """Rollouts [R, nb, N, T] one repeat and one boundary at a time, each re-running its prefix with full features."""
    with full_features(model):
        return torch.stack([torch.stack([model.rollout(samples, b, temperature, generator, sampler)
                                         for b in boundaries]) for _ in range(repeats)])


def reference_run(model: LeakGANModel, settings, train: torch.Tensor, test: torch.Tensor,
                  seed: int, oracle=None, stage: str = "pretrain") -> LeakGANRun:
    """A LeakGANRun whose three optimizers are torch's default Adam (unfused, not capturable)."""
    run = LeakGANRun(model, settings, train, test, seed, oracle, stage)
    run.worker_opt = torch.optim.Adam(model.worker_parameters(), lr=settings.lr)
    run.manager_opt = torch.optim.Adam(model.manager_parameters(), lr=settings.lr)
    run.dis_opt = run.critic.optimizer = torch.optim.Adam(model.discriminator.parameters(), lr=settings.dis_lr)
    return run


def generator_step(run: LeakGANRun, sampler=cumsum_categorical) -> dict:
    """One policy-gradient step (Eq. 7-9) on a sampled batch, every prefix and rollout computed from scratch."""
    s, model, D = run.settings, run.model, run.model.discriminator
    samples = sample(model, s.batch_size, s.train_temperature, run.sample_rng, sampler).to(run.device)
    B, T = samples.shape
    R, boundaries = s.rollout_num, model.segment_boundaries()
    rollouts = sequential_rollouts(model, samples, boundaries, R, s.train_temperature, run.sample_rng, sampler)
    with model.discriminator_eval(), torch.no_grad():
        full = D.real_prob(samples)
        partial = torch.stack([D.real_prob(r) for r in rollouts.view(-1, B, T)]).view(R, len(boundaries), B)
        probs = torch.cat([partial, full.expand(R, 1, B)], dim=1)  # [R, S, B]
    rewards = score_rollouts(probs.contiguous(), s.delta)
    with full_features(model):
        out = model.teacher_forced(samples, s.train_temperature)
    m_loss = manager_loss(out.features, out.goals, rewards, s.step_size)
    w_loss = -(intrinsic_reward(out.features, out.sub_goals.detach(), s.step_size) * out.log_probs).mean()
    update_generator(run, w_loss, m_loss)
    return {"mean_reward": float(probs.mean()), "manager_loss": float(m_loss.detach()),
            "worker_loss": float(w_loss.detach())}


def discriminator_steps(run: LeakGANRun, steps: int, sampler=cumsum_categorical) -> float:
    """`steps` × (fresh negatives, `d_epochs` epochs), batches moved one by one; mean D loss of the last epoch."""
    s, model, D = run.settings, run.model, run.model.discriminator
    loss_sum, loss_count = 0.0, 0
    for _ in range(steps):
        negatives = sample(model, s.num_negatives, negatives_temperature(s), run.sample_rng, sampler)
        positives = run.train
        if len(positives) > len(negatives):
            positives = positives[torch.randperm(len(positives), generator=run.shuffle_rng)[:len(negatives)]]
        tokens = torch.cat([positives.cpu(), negatives])
        labels = torch.cat([torch.ones(len(positives), dtype=torch.long),
                            torch.zeros(len(negatives), dtype=torch.long)])
        D.train()
        for _ in range(s.d_epochs):
            order = torch.randperm(len(tokens), generator=run.shuffle_rng)
            loss_sum, loss_count = 0.0, 0
            for first in range(0, len(order), s.dis_batch_size):
                idx = order[first:first + s.dis_batch_size]
                loss = D.loss(tokens[idx].to(run.device), labels[idx].to(run.device))
                run.dis_opt.zero_grad(set_to_none=True)
                loss.backward()
                run.dis_opt.step()
                loss_sum += float(loss.detach()) * len(idx)
                loss_count += len(idx)
    return loss_sum / max(loss_count, 1)
