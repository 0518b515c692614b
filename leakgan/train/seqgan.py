"""The paper's baselines on the same pipeline: SeqGAN, SeqGAN with rescaled activation, RankGAN.

All three share the MLE baseline's LSTM generator (`leakgan.models.mle`),
pretrained by maximum likelihood (`train_mle`, with the MLE baseline's own
random streams, so every model starts from the same initialisation), then
trained by REINFORCE with per-token Monte Carlo rollouts:

- seqgan (Yu et al., AAAI 2017): the reward of token t is the mean over
  `rollout_num` rollouts (keeping x_0..x_t) of D's probability that the
  completed sentence is real; the last token's reward is D on the sentence
  itself. D is LeakGAN's CNN discriminator, its feature not leaked to G.
- seqgan_rescaled: the same rewards passed through the bootstrapped rescaled
  activation (Eq. 11, rank within the batch per token position, δ =
  `delta`) by the kernels' dispatcher (`score_rollouts`).
- rankgan (Lin et al., NeurIPS 2017): D is replaced by a ranker
  (`leakgan.models.ranker`); the reward is the expected log-rank score of
  the rollouts against human-written comparison and reference sentences.

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
copied. Negatives are drawn at α = 1; D drops 25% of its features in
training (SeqGAN's keep probability 0.75) and takes L2 0.2 on its output
layer, with Adam lr 1e-4.
"""
from __future__ import annotations

import copy
import functools
import sys
from dataclasses import dataclass, field

import torch
from torch import nn
from tqdm import tqdm

from leakgan.config import Settings
from leakgan.errors import UserError
from leakgan.kernels import score_rollouts
from leakgan.models.discriminator import Discriminator, DiscriminatorConfig
from leakgan.models.mle import MLEGenerator
from leakgan.models.ranker import Ranker
from leakgan.seeding import stage_seed, torch_generator
from leakgan.train import checkpoints
from leakgan.train.discriminator import discriminator_config, train_discriminator
from leakgan.train.job import TrainingJob
from leakgan.train.mle import train_mle
from leakgan.train.selection import Budget


@dataclass
class SeqGANSettings(Settings):
    """The `seqgan` config block (see workflow/schemas/seqgan.schema.yaml for every key)."""

    block = "seqgan"

    emb_dim: int
    hidden_dim: int
    batch_size: int
    lr: float
    grad_clip: float
    temperature: float
    pretrain_epochs: int
    dis_emb_dim: int
    filter_sizes: list[int] | None
    num_filters: list[int] | None
    dropout: float
    l2_reg: float
    dis_batch_size: int
    dis_lr: float
    pretrain_d_steps: int
    d_epochs: int
    num_negatives: int
    adversarial_epochs: int
    g_steps: int
    d_steps: int
    rollout_num: int
    rollout_update_rate: float
    rollout_chunk: int
    checkpoint_every: int
    eval_every: int
    eval_samples: int
    gen_batch: int


@dataclass
class SeqGANRescaledSettings(SeqGANSettings):
    """The `seqgan_rescaled` block: SeqGAN's keys and δ of Eq. 11."""

    block = "seqgan_rescaled"

    delta: float


@dataclass
class RankGANSettings(SeqGANSettings):
    """The `rankgan` block: SeqGAN's keys (D's keys describe the ranker's CNN) and the ranker's γ and set sizes."""

    block = "rankgan"

    gamma: float
    ref_size: int
    comparison_size: int


SETTINGS = {"seqgan": SeqGANSettings, "seqgan_rescaled": SeqGANRescaledSettings, "rankgan": RankGANSettings}


class GeneratorAndCritic(nn.Module):
    """G and its critic (D or the ranker) together, as `train_discriminator` expects its run's model."""

    def __init__(self, generator: MLEGenerator, critic: nn.Module):
        super().__init__()
        self.generator, self.discriminator = generator, critic

    def sample(self, num: int, temperature: float, rng: torch.Generator, batch_size: int = 1000) -> torch.Tensor:
        return self.generator.sample(num, temperature, rng, batch_size)


def build_critic(name: str, cfg: DiscriminatorConfig) -> nn.Module:
    """D for SeqGAN and its rescaled variant, the ranker for RankGAN."""
    return Ranker(cfg) if name == "rankgan" else Discriminator(cfg)


@dataclass
class SeqGANRun:
    """Everything a baseline's training changes: G, its critic, their optimizers, the random streams."""

    name: str
    model: GeneratorAndCritic
    settings: SeqGANSettings
    train: torch.Tensor
    test: torch.Tensor
    seed: int
    oracle: object | None = None
    stage: str = "pretrain"
    dis_opt: torch.optim.Optimizer = field(init=False)
    g_opt: torch.optim.Optimizer = field(init=False)
    sample_rng: torch.Generator = field(init=False)
    shuffle_rng: torch.Generator = field(init=False)

    def __post_init__(self):
        self.device = self.model.generator.out.weight.device
        self.dis_opt = torch.optim.Adam(self.model.discriminator.parameters(), lr=self.settings.dis_lr)
        self.g_opt = torch.optim.Adam(self.model.generator.parameters(), lr=self.settings.lr)
        self.d_step = None  # made at the first D step (train_discriminator)
        self.budget = Budget()
        family = "rankgan" if self.name == "rankgan" else "seqgan"
        self.sample_rng = torch_generator(self.seed, f"{family}-{self.stage}-sample", self.device)
        self.shuffle_rng = torch_generator(self.seed, f"{family}-{self.stage}-shuffle")
        torch.manual_seed(stage_seed(self.seed, f"{family}-{self.stage}-dropout"))  # D's dropout: torch's global stream

    @property
    def generator(self) -> MLEGenerator:
        return self.model.generator

    @property
    def critic(self) -> nn.Module:
        return self.model.discriminator

    def state_dict(self) -> dict:
        return {"dis_opt": self.dis_opt.state_dict(), "g_opt": self.g_opt.state_dict(),
                "sample_rng": self.sample_rng.get_state(), "shuffle_rng": self.shuffle_rng.get_state(),
                "torch_rng": torch.get_rng_state(), "budget": self.budget.to_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.dis_opt.load_state_dict(state["dis_opt"])
        self.g_opt.load_state_dict(state["g_opt"])
        self.sample_rng.set_state(state["sample_rng"])
        self.shuffle_rng.set_state(state["shuffle_rng"])
        torch.set_rng_state(state["torch_rng"])
        self.budget = Budget.from_dict(state.get("budget"))


def _real_subset(run: SeqGANRun, k: int) -> torch.Tensor:
    """k training sentences drawn afresh (without replacement when there are enough)."""
    n = len(run.train)
    index = torch.randperm(n, generator=run.shuffle_rng)[:k] if k <= n else torch.randint(0, n, (k,), generator=run.shuffle_rng)
    return run.train[index].to(run.device)


def train_ranker(run: SeqGANRun, steps: int) -> float:
    """`steps` × (fresh negatives, `d_epochs` epochs of ranker batches); mean loss of the last epoch.

    Each batch pairs `dis_batch_size` human-written with as many generated
    sentences, each ranked against the other kind, with a fresh reference set.
    """
    s, ranker = run.settings, run.critic
    loss_sum, count = 0.0, 0
    for _ in range(steps):
        fake = run.generator.sample(s.num_negatives, 1.0, run.sample_rng, s.gen_batch).to(run.device)
        real = _real_subset(run, len(fake))
        ranker.train()
        for _ in range(s.d_epochs):
            order_real = torch.randperm(len(real), generator=run.shuffle_rng).to(run.device)
            order_fake = torch.randperm(len(fake), generator=run.shuffle_rng).to(run.device)
            loss_sum, count = 0.0, 0
            for start in range(0, len(fake), s.dis_batch_size):
                r, f = real[order_real[start:start + s.dis_batch_size]], fake[order_fake[start:start + s.dis_batch_size]]
                loss = ranker.loss(r, f, _real_subset(run, s.ref_size), s.gamma)
                run.dis_opt.zero_grad(set_to_none=True)
                loss.backward()
                run.dis_opt.step()
                loss_sum += float(loss.detach()) * len(f)
                count += len(f)
    ranker.eval()
    return loss_sum / max(count, 1)


def train_critic(run: SeqGANRun, steps: int) -> float:
    """D steps (SeqGAN, negatives at α = 1) or ranker steps (RankGAN)."""
    if run.name == "rankgan":
        return train_ranker(run, steps)
    return train_discriminator(run, steps, temperature=1.0)


@torch.no_grad()
def rollout_rewards(run: SeqGANRun, samples: torch.Tensor, rollout_model: MLEGenerator) -> tuple[torch.Tensor, float]:
    """Q [B, T] for sampled sequences [B, T]: per-token rollout scores, and the mean raw score.

    Scores [R, T, B]: index t < T−1 are the rollouts keeping x_0..x_t, the
    last is the sentence itself (the same for every r). seqgan averages D's
    real-probability over r; seqgan_rescaled rescales the scores (Eq. 11)
    with the kernels' dispatcher; rankgan averages the log-rank scores.
    """
    s, critic = run.settings, run.critic
    B, T = samples.shape
    R = s.rollout_num
    rollouts = rollout_model.rollouts(samples, R, 1.0, run.sample_rng, s.rollout_chunk)  # [R, T-1, B, T]
    critic.eval()
    flat = torch.cat([rollouts.reshape(-1, T), samples])
    if run.name == "rankgan":
        comparison, references = _real_subset(run, s.comparison_size), _real_subset(run, s.ref_size)
        scored = critic.scores(flat, comparison, references, s.gamma, s.rollout_chunk)
    else:
        scored = torch.cat([critic.real_prob(part) for part in flat.split(s.rollout_chunk)])
    partial, full = scored[:-B].view(R, T - 1, B), scored[-B:]
    scores = torch.cat([partial, full.expand(R, 1, B)], dim=1)  # [R, T, B]
    if run.name == "seqgan_rescaled":
        rewards = score_rollouts(scores.contiguous(), s.delta)
    else:
        rewards = scores.mean(dim=0).T
    return rewards, float(scores.mean())


def adversarial_step(run: SeqGANRun, rollout_model: MLEGenerator) -> dict:
    """One REINFORCE step of G on a sampled batch with per-token rollout rewards."""
    s, G = run.settings, run.generator
    G.eval()
    # a clone: sample() runs in inference mode, whose tensors cannot take part in the backward pass
    samples = G.sample(s.batch_size, 1.0, run.sample_rng, s.batch_size).to(run.device).clone()
    rewards, mean_score = rollout_rewards(run, samples, rollout_model)
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
def evaluate(run: SeqGANRun, tag: str, job: TrainingJob) -> dict:
    """NLL-test on the first eval_samples test sequences (and the validation NLL); oracle NLL (synthetic) or
    BLEU-2 (real text) of as many fresh samples at α = 1."""
    s, G = run.settings, run.generator
    rng = torch_generator(run.seed, f"{run.name}-eval-{tag}", run.device)
    point = {"nll_test": G.nll(run.test[:s.eval_samples], s.gen_batch)}
    if job.validation is not None:
        point["nll_valid"] = G.nll(job.validation, s.gen_batch)
    if run.oracle is not None or job.references() is not None:
        point.update(job.curve_scores(G.sample(s.eval_samples, 1.0, rng, s.gen_batch)))
    return point


def _checkpoint(training: SeqGANRun, settings: dict, pad_id, **extra) -> dict:
    """The MLE checkpoint format (what evaluation loads) plus the critic and its optimizer."""
    ckpt = training.generator.checkpoint(settings, pad_id)
    ckpt["model"] = training.name
    cfg = training.critic.cfg
    ckpt["critic_config"] = {**vars(cfg), "filter_sizes": list(cfg.filter_sizes), "num_filters": list(cfg.num_filters)}
    ckpt["critic"] = {k: v.detach().cpu().clone() for k, v in training.critic.state_dict().items()}
    ckpt["dis_opt"] = training.dis_opt.state_dict()
    return {**ckpt, **extra}


def pretrain_model(job: TrainingJob, name: str) -> tuple[dict, list[dict]]:
    """G by MLE (the MLE baseline's streams), then the critic against fresh samples of it."""
    s = SETTINGS[name].from_dict(job.settings, stage="pretrain")
    mle_settings = {"emb_dim": s.emb_dim, "hidden_dim": s.hidden_dim, "batch_size": s.batch_size, "lr": s.lr,
                    "epochs": s.pretrain_epochs, "eval_every": s.eval_every, "curve_samples": s.eval_samples,
                    "grad_clip": s.grad_clip}
    budget = Budget()
    G, curve = train_mle(job.train, job.test, job.vocab["size"], mle_settings, job.seed, job.device, job.oracle,
                         validation=job.validation, select=job.select, budget=budget, on_point=job.on_point,
                         references=job.references(), pad_id=job.vocab.get("pad_id"), phase="pretrain")
    cfg = discriminator_config(s, job.vocab["size"], job.train.shape[1])
    torch.manual_seed(stage_seed(job.seed, f"{name}-critic-init"))
    critic = build_critic(name, cfg)
    critic.reset_parameters(torch_generator(job.seed, f"{name}-critic-init"))
    run = SeqGANRun(name, GeneratorAndCritic(G, critic.to(job.device)), s, job.train, job.test, job.seed, job.oracle)
    bar = tqdm(range(s.pretrain_d_steps), desc=f"{name} critic pretrain", unit="step", file=sys.stderr,
               mininterval=1.0)
    loss = None
    for _ in bar:
        loss = train_critic(run, 1)
        bar.set_postfix(loss=round(loss, 4))
    if curve:
        curve[-1]["d_loss"] = loss
    return _checkpoint(run, job.settings, job.vocab.get("pad_id"), budget={"pretrain": budget.to_dict()}), curve


def adversarial_model(job: TrainingJob, name: str) -> tuple[dict, list[dict]] | None:
    """REINFORCE with per-token rollouts from the pretrained checkpoint; resumable like LeakGAN's stage."""
    s = SETTINGS[name].from_dict(job.settings, stage="adversarial")
    ckpt, path = job.pretrained, job.pretrained_path
    checkpoints.check_pretrained(job, name, name)
    G = MLEGenerator.from_checkpoint(ckpt, job.device)
    try:
        critic = build_critic(name, DiscriminatorConfig(**ckpt["critic_config"]))
        critic.load_state_dict(ckpt["critic"])
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise UserError(f"{path}: not a complete {name} checkpoint ({type(exc).__name__}: {exc}); "
                        f"delete it and re-run the {name} pretrain stage") from None
    run = SeqGANRun(name, GeneratorAndCritic(G, critic.to(job.device)), s, job.train, job.test, job.seed,
                    job.oracle, stage="adversarial")
    run.dis_opt.load_state_dict(copy.deepcopy(ckpt["dis_opt"]))  # Adam updates it in place
    rollout_model = copy.deepcopy(G)

    resumable = checkpoints.Resumable(job.checkpoint_dir, checkpoints.fingerprint(path, job.settings, job.seed))

    def restore(state: dict) -> None:
        G.load_state_dict(state["state"])
        critic.load_state_dict(state["critic"])
        rollout_model.load_state_dict(state["rollout_state"])
        run.load_state_dict(state["run"])

    start_epoch, metrics = resumable.resume(restore, name)
    job.resumed(metrics)

    bar = tqdm(range(start_epoch + 1, s.adversarial_epochs + 1), desc=f"{name} adversarial", unit="epoch",
               file=sys.stderr, mininterval=1.0, initial=start_epoch, total=s.adversarial_epochs)
    pad_id = job.vocab.get("pad_id")
    for epoch in bar:
        steps = [adversarial_step(run, rollout_model) for _ in range(s.g_steps)]
        point = {"phase": "adversarial", "epoch": epoch,
                 **{k: sum(step[k] for step in steps) / len(steps) for k in steps[0]}}
        update_rollout_model(rollout_model, G, s.rollout_update_rate)
        point["d_loss"] = train_critic(run, s.d_steps)
        if epoch % s.eval_every == 0 or epoch == s.adversarial_epochs:
            point.update(evaluate(run, f"adversarial-{epoch}", job))
        run.budget.epochs += 1
        job.record(metrics, point)
        bar.set_postfix(reward=round(point["mean_reward"], 3), d_loss=round(point["d_loss"], 3))
        if epoch % s.checkpoint_every == 0 or epoch == job.stop_after:
            resumable.save(epoch, _checkpoint(run, job.settings, pad_id, epoch=epoch, metrics=metrics,
                                              run=run.state_dict(), fingerprint=resumable.fingerprint,
                                              rollout_state={k: v.detach().cpu().clone()
                                                             for k, v in rollout_model.state_dict().items()}))
        if epoch == job.stop_after:
            return None
    budget = {**ckpt.get("budget", {}), "adversarial": run.budget.to_dict()}
    return _checkpoint(run, job.settings, pad_id, epoch=s.adversarial_epochs, budget=budget), metrics


# The registry's trainers: one function per model and stage.
pretrain_seqgan = functools.partial(pretrain_model, name="seqgan")
adversarial_seqgan = functools.partial(adversarial_model, name="seqgan")
pretrain_seqgan_rescaled = functools.partial(pretrain_model, name="seqgan_rescaled")
adversarial_seqgan_rescaled = functools.partial(adversarial_model, name="seqgan_rescaled")
pretrain_rankgan = functools.partial(pretrain_model, name="rankgan")
adversarial_rankgan = functools.partial(adversarial_model, name="rankgan")
