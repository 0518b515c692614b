"""The paper's baselines on the same pipeline: SeqGAN and SeqGAN with rescaled activation (and RankGAN's loop).

Every baseline shares the MLE baseline's LSTM generator (`leakgan.models.mle`),
pretrained by maximum likelihood (`train_mle`, with the MLE baseline's own
random streams, so every model starts from the same initialisation), then
trained by REINFORCE with per-token Monte Carlo rollouts scored by a critic
(`leakgan.train.discriminator.Critic`):

- seqgan (Yu et al., AAAI 2017): the reward of token t is the mean over
  `rollout_num` rollouts (keeping x_0..x_t) of D's probability that the
  completed sentence is real; the last token's reward is D on the sentence
  itself. D is LeakGAN's CNN discriminator, its feature not leaked to G.
- seqgan_rescaled: the same rewards passed through the bootstrapped rescaled
  activation (Eq. 11, rank within the batch per token position, δ =
  `delta`) by the kernels' dispatcher (`score_rollouts`).
- rankgan (`leakgan.train.rankgan`) runs this loop with its ranker.

Schedules and choices (from the papers and the public SeqGAN code; written
in the README too): G pretraining `pretrain_epochs` MLE epochs (SeqGAN's code:
120) with Adam lr 0.01 and gradient clip 5.0; D/ranker pretraining
`pretrain_d_steps` (50) × fresh negatives × `d_epochs` (3) epochs; an
adversarial epoch is `g_steps` (1) generator steps, then `d_steps` (5) × fresh
negatives × `d_epochs` (3) epochs of D; 200 adversarial epochs. The REINFORCE
loss is −Σ_{b,t} Q_{b,t} log G(x_t | x_<t), summed over the batch and the
tokens as in SeqGAN's code, with a fresh Adam (lr 0.01) for the adversarial
phase. Rollouts come from a delayed copy of G (SeqGAN's rollout network):
after each adversarial epoch its LSTM and output weights move to
`rollout_update_rate`·old + (1 − rate)·G (rate 0.8) and its embedding is
copied (`rollout_network: delayed`). `rollout_network: current` is what the
public code computes: LantaoYu/SeqGAN's `ROLLOUT.__init__` (rollout.py)
builds its rollout graph from `tf.identity(self.lstm.<weight>)`, ops that
read G's variables whenever the graph runs, and `update_params` only makes
new Python tensors and units that the already built `gen_x` never uses; so
every rollout runs with G's current weights (desire2020/RankGAN's rollout.py
is the same code). Under `current` the rollout network is G's copy before
every generator step and after the epoch. Negatives are drawn at α = 1; D drops 25% of its features in
training (SeqGAN's keep probability 0.75) and takes L2 0.2 on its output
layer, with Adam lr 1e-4.
"""
from __future__ import annotations

import copy
import math
import sys
from typing import Callable

import torch
from torch import nn
from tqdm import tqdm

from leakgan.errors import UserError
from leakgan.kernels import score_rollouts
from leakgan.models.discriminator import Discriminator, DiscriminatorConfig
from leakgan.models.mle import MLEGenerator
from leakgan.seeding import stage_seed, torch_generator
from leakgan.train import checkpoints
from leakgan.train.discriminator import Critic, DiscriminatorCritic, discriminator_config
from leakgan.train.job import TrainingJob
from leakgan.train.loop import Streams, fit, mean_of, rounded
from leakgan.train.mle import MLESchedule, train_mle
from leakgan.train.selection import Budget, state_snapshot

STREAMS = "seqgan-{stage}"  # the random streams of SeqGAN and its rescaled variant: seqgan-<stage>-sample, ...


def mean_rewards(scores: torch.Tensor, settings) -> torch.Tensor:
    """Q [B, T]: the mean of the rollouts' scores [R, T, B] (SeqGAN, RankGAN)."""
    return scores.mean(dim=0).T


def rescaled_rewards(scores: torch.Tensor, settings) -> torch.Tensor:
    """Q [B, T]: the rollouts' mean score ranked within the batch per position, through Eq. 11 (δ = `delta`)."""
    return score_rollouts(scores.contiguous(), settings.delta)


class SeqGANRun:
    """G, its critic, its delayed rollout network, their optimizers and random streams (a `loop.Run`)."""

    def __init__(self, job: TrainingJob, settings, generator: MLEGenerator, critic: Critic, stage: str = "pretrain",
                 streams: str = STREAMS, rewards: Callable = mean_rewards):
        self.job, self.settings, self.critic, self.stage = job, settings, critic, stage
        self.generator, self.rewards = generator, rewards
        self.device = generator.out.weight.device
        lr = getattr(settings, "adversarial_lr", None) if stage == "adversarial" else None
        self.g_opt = torch.optim.Adam(generator.parameters(), lr=settings.lr if lr is None else lr)
        self.budget = Budget()
        self.streams = Streams.of(job.seed, streams.format(stage=stage), self.device)
        self.rollout_model = copy.deepcopy(generator)

    @property
    def dis_opt(self) -> torch.optim.Optimizer:
        return self.critic.optimizer

    @property
    def sample_rng(self) -> torch.Generator:
        return self.streams.sample

    @property
    def shuffle_rng(self) -> torch.Generator:
        return self.streams.shuffle

    def negatives(self, num: int) -> torch.Tensor:
        """The critic's negatives: fresh samples of G at α = 1."""
        return self.generator.sample(num, 1.0, self.streams.sample, self.settings.gen_batch)

    def train_critic(self, steps: int) -> float:
        return self.critic.train_steps(steps, self.negatives, self.streams)

    # ---- the loop's Run protocol

    def train_epoch(self, epoch: int) -> dict:
        s = self.settings
        current = getattr(s, "rollout_network", "delayed") == "current"
        steps = []
        for _ in range(s.g_steps):
            if current:  # the public code's rollouts: G's own weights at every step
                copy_rollout_model(self.rollout_model, self.generator)
            steps.append(adversarial_step(self))
        point = {"phase": "adversarial", **mean_of(steps)}
        if current:
            copy_rollout_model(self.rollout_model, self.generator)
        else:
            update_rollout_model(self.rollout_model, self.generator, s.rollout_update_rate)
        point["d_loss"] = self.train_critic(s.d_steps)
        return point

    @torch.no_grad()
    def evaluate(self, epoch: int) -> dict:
        """NLL-test on the first eval_samples test sequences (and the validation NLL); oracle NLL (synthetic) or
        BLEU-2 (real text) of as many fresh samples at α = 1."""
        s, G, job = self.settings, self.generator, self.job
        rng = torch_generator(job.seed, f"{job.model}-eval-{self.stage}-{epoch}", self.device)
        point = job.nll_point(G, s.gen_batch, s.eval_samples)
        if job.scores_samples:
            point.update(job.curve_scores(G.sample(s.eval_samples, 1.0, rng, s.gen_batch)))
        return point

    def snapshot(self):
        return state_snapshot(self.generator)

    def state_dict(self) -> dict:
        return {"generator": state_snapshot(self.generator), "critic": state_snapshot(self.critic.module),
                "rollout_model": state_snapshot(self.rollout_model), "dis_opt": self.dis_opt.state_dict(),
                "g_opt": self.g_opt.state_dict(), **self.streams.state_dict(), "budget": self.budget.to_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.load_state_dict(state["generator"])
        self.critic.module.load_state_dict(state["critic"])
        self.rollout_model.load_state_dict(state["rollout_model"])
        self.dis_opt.load_state_dict(state["dis_opt"])
        self.g_opt.load_state_dict(state["g_opt"])
        self.streams.load_state_dict(state)
        self.budget = Budget.from_dict(state.get("budget"))


@torch.no_grad()
def rollout_rewards(run: SeqGANRun, samples: torch.Tensor, rollout_model: MLEGenerator) -> tuple[torch.Tensor, float]:
    """Q [B, T] for sampled sequences [B, T]: per-token rollout scores, and the mean raw score.

    Scores [R, T, B]: index t < T−1 are the rollouts keeping x_0..x_t, the
    last is the sentence itself (the same for every r); the run's `rewards`
    turns them into Q (the mean over r, or Eq. 11's rescaling).
    """
    s = run.settings
    B, T = samples.shape
    R = s.rollout_num
    rollouts = rollout_model.rollouts(samples, R, 1.0, run.sample_rng, s.rollout_chunk)  # [R, T-1, B, T]
    scored = run.critic.score(torch.cat([rollouts.reshape(-1, T), samples]), run.streams, s.rollout_chunk)
    partial, full = scored[:-B].view(R, T - 1, B), scored[-B:]
    scores = torch.cat([partial, full.expand(R, 1, B)], dim=1)  # [R, T, B]
    return run.rewards(scores, s), float(scores.mean())


def adversarial_step(run: SeqGANRun, rollout_model: MLEGenerator | None = None) -> dict:
    """One REINFORCE step of G on a sampled batch with per-token rollout rewards."""
    s, G = run.settings, run.generator
    G.eval()
    # a clone: sample() runs in inference mode, whose tensors cannot take part in the backward pass
    samples = G.sample(s.batch_size, 1.0, run.sample_rng, s.batch_size).to(run.device).clone()
    rewards, mean_score = rollout_rewards(run, samples, run.rollout_model if rollout_model is None else rollout_model)
    G.train()
    log_probs = torch.log_softmax(G(samples), dim=-1).gather(-1, samples.unsqueeze(-1)).squeeze(-1)  # [B, T]
    loss = -(log_probs * rewards).sum()
    run.g_opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(G.parameters(), s.grad_clip)
    run.g_opt.step()
    run.budget.update(samples.numel())
    G.eval()
    return {"mean_score": mean_score, "mean_reward": float(rewards.mean()), "g_loss": float(loss.detach())}


@torch.no_grad()
def update_rollout_model(rollout_model: MLEGenerator, G: MLEGenerator, rate: float) -> None:
    """SeqGAN's delayed rollout network: LSTM and output weights ← rate·own + (1 − rate)·G's; embedding copied."""
    for (name, mine), theirs in zip(rollout_model.named_parameters(), G.parameters()):
        if name.startswith("embedding."):
            mine.copy_(theirs)
        else:
            mine.mul_(rate).add_(theirs, alpha=1.0 - rate)


@torch.no_grad()
def copy_rollout_model(rollout_model: MLEGenerator, G: MLEGenerator) -> None:
    """`rollout_network: current`: the rollout network becomes an exact copy of G."""
    for mine, theirs in zip(rollout_model.parameters(), G.parameters()):
        mine.copy_(theirs)


def checkpoint(run: SeqGANRun, job: TrainingJob, **extra) -> dict:
    """The LSTM generators' checkpoint format (what evaluation loads) plus the critic and its optimizer."""
    ckpt = run.generator.checkpoint(job.model, job.settings, job.pad_id)
    cfg = run.critic.module.cfg
    ckpt["critic_config"] = {**vars(cfg), "filter_sizes": list(cfg.filter_sizes), "num_filters": list(cfg.num_filters)}
    ckpt["critic"] = {k: v.detach().cpu().clone() for k, v in run.critic.module.state_dict().items()}
    ckpt["dis_opt"] = run.dis_opt.state_dict()
    return {**ckpt, **extra}


def discriminator_critic(job: TrainingJob, s, module: nn.Module) -> DiscriminatorCritic:
    """D as the baselines' critic: plain Adam (SeqGAN's code), real examples from the training data."""
    return DiscriminatorCritic(module, torch.optim.Adam(module.parameters(), lr=s.dis_lr), s, job.train, job.device)


# ---------------------------------------------------------------- the two stages, any critic

def pretrain_gan(job: TrainingJob, new_critic: Callable[[DiscriminatorConfig], nn.Module],
                 make_critic: Callable[[TrainingJob, object, nn.Module], Critic], streams: str
                 ) -> tuple[dict, list[dict]] | None:
    """G by MLE (the MLE baseline's streams), then the critic against fresh samples of it."""
    s = job.spec.settings.from_dict(job.settings, stage="pretrain")
    schedule = MLESchedule(emb_dim=s.emb_dim, hidden_dim=s.hidden_dim, batch_size=s.batch_size, lr=s.lr,
                           epochs=s.pretrain_epochs, eval_every=s.eval_every, curve_samples=s.eval_samples,
                           grad_clip=s.grad_clip)
    budget = Budget()
    trained = train_mle(job, schedule, budget, phase="pretrain")
    if trained is None:
        return None
    G, curve = trained
    cfg = discriminator_config(s, job.vocab["size"], job.train.shape[1])
    torch.manual_seed(stage_seed(job.seed, f"{job.model}-critic-init"))
    module = new_critic(cfg)
    module.reset_parameters(torch_generator(job.seed, f"{job.model}-critic-init"))
    run = SeqGANRun(job, s, G, make_critic(job, s, module.to(job.device)), streams=streams)
    bar = tqdm(range(s.pretrain_d_steps), desc=f"{job.model} critic pretrain", unit="step", file=sys.stderr,
               mininterval=1.0)
    loss = None
    for _ in bar:
        loss = run.train_critic(1)
        bar.set_postfix(loss=round(loss, 4))
    if curve:
        curve[-1]["d_loss"] = loss
    return checkpoint(run, job, budget={"pretrain": budget.to_dict()}), curve


def adversarial_gan(job: TrainingJob, new_critic: Callable[[DiscriminatorConfig], nn.Module],
                    make_critic: Callable[[TrainingJob, object, nn.Module], Critic], streams: str,
                    rewards: Callable = mean_rewards) -> tuple[dict, list[dict]] | None:
    """REINFORCE with per-token rollouts from the pretrained checkpoint; resumable like LeakGAN's stage."""
    s = job.spec.settings.from_dict(job.settings, stage="adversarial")
    ckpt, path = job.pretrained, job.pretrained_path
    checkpoints.check_pretrained(job, job.model)
    G = MLEGenerator.from_checkpoint(ckpt, job.device)
    try:
        module = new_critic(DiscriminatorConfig(**ckpt["critic_config"]))
        module.load_state_dict(ckpt["critic"])
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise UserError(f"{path}: not a complete {job.model} checkpoint ({type(exc).__name__}: {exc}); "
                        f"delete it and re-run the {job.model} pretrain stage") from None
    run = SeqGANRun(job, s, G, make_critic(job, s, module.to(job.device)), stage="adversarial", streams=streams,
                    rewards=rewards)
    run.dis_opt.load_state_dict(copy.deepcopy(ckpt["dis_opt"]))  # Adam updates it in place
    resumable = checkpoints.Resumable(job.checkpoint_dir, checkpoints.job_fingerprint(job, [path, job.train]),
                                      job.model, job.keep_checkpoints)
    curve = fit(run, job, epochs=s.adversarial_epochs, eval_every=s.eval_every, desc=f"{job.model} adversarial",
                checkpoints=resumable, checkpoint_every=s.checkpoint_every,
                postfix=lambda p: rounded(p, ("mean_reward", "d_loss")))
    if curve is None:
        return None
    budget = {**ckpt.get("budget", {}), "adversarial": run.budget.to_dict()}
    return checkpoint(run, job, epoch=s.adversarial_epochs, budget=budget), curve


# ---------------------------------------------------------------- the registry's trainers

def planned_updates(s, sequences: int) -> int:
    """A baseline's generator updates: its MLE pretraining's batches, then g_steps per adversarial epoch."""
    return s.pretrain_epochs * math.ceil(sequences / s.batch_size) + s.adversarial_epochs * s.g_steps


def pretrain(job: TrainingJob) -> tuple[dict, list[dict]]:
    """SeqGAN's (and its rescaled variant's) first stage: G by MLE, then D."""
    return pretrain_gan(job, Discriminator, discriminator_critic, STREAMS)


def adversarial(job: TrainingJob) -> tuple[dict, list[dict]] | None:
    """SeqGAN's adversarial stage: Q = the mean of D over the rollouts."""
    return adversarial_gan(job, Discriminator, discriminator_critic, STREAMS)


def adversarial_rescaled(job: TrainingJob) -> tuple[dict, list[dict]] | None:
    """SeqGAN (rescaled)'s adversarial stage: Q = Eq. 11 of the rollouts' mean."""
    return adversarial_gan(job, Discriminator, discriminator_critic, STREAMS, rescaled_rewards)
