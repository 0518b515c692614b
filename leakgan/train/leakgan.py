"""LeakGAN training: interleaved pretraining of D and G, then the adversarial loop (Algorithm 1).

The schedule follows the authors' Main.py: pretraining is `pretrain_rounds`
rounds of (D: `pretrain_d_steps` × fresh negatives × `d_epochs` epochs; G:
`pretrain_g_epochs` epochs of WORKER MLE + MANAGER Eq. 10); `pretrain_order:
g_first` puts each round's D phase after its G epochs instead. An adversarial
epoch is `g_steps` policy-gradient steps on a sampled batch, an MLE epoch
every `mle_every` epochs (interleaved training), then `d_steps` × fresh
negatives × `d_epochs` epochs of D. Negatives and evaluation samples are
drawn at α = `temperature` (the authors generate both with logits × 1.5);
the batches G learns from are drawn at α = `train_temperature`.

`semantics: authors` (and the keys it fills: the `presets:` of leakgan.schema.yaml)
trains as the authors' released code does; `generator_update: supervised`,
`reward: constant` and `manager_input: zero | frozen_random` are the
ablation's controls (README "What does the leak do?"). The settings arrive
resolved (the config layer fills the semantics' keys once).

`mle_epoch_fraction` < 1 makes one MLE epoch (pretraining and interleaved)
a fresh random share of the training data: the first ⌊fraction · N⌋ rows of
a new permutation from the shuffle stream (the authors' COCO
`pre_train_epoch` runs `num_batch/20` batches). `rescale_with_real` ranks
the rewards among real sentences too (`segment_rewards`). D's negatives are
drawn at α = `negatives_temperature` (null: `temperature`).

All randomness comes from seeded generators held in `LeakGANRun`, whose
`state_dict` captures it, so a run restored from a checkpoint continues
exactly as the uninterrupted one would on CPU.
"""
from __future__ import annotations

import copy
import math

import torch

from leakgan.config.schema import unresolved
from leakgan.errors import UserError
from leakgan.kernels import score_rollouts
from leakgan.models.generation import Trace
from leakgan.models.leakgan import (GeneratorConfig, LeakGANModel, intrinsic_reward, intrinsic_reward_authors,
                                    manager_loss, worker_loss)
from leakgan.seeding import torch_generator
from leakgan.train import checkpoints
from leakgan.train.discriminator import DiscriminatorCritic, adam, discriminator_config
from leakgan.train.job import TrainingJob
from leakgan.train.loop import Streams, fit, mean_of, rounded
from leakgan.train.selection import BestSelection, Budget, optimizer_snapshot, state_snapshot


def negatives_temperature(s) -> float:
    """α of D's negatives: `negatives_temperature`, or `temperature` when that is null."""
    value = getattr(s, "negatives_temperature", None)
    return s.temperature if value is None else value


FIRST_TOKENS = 2  # how many leading tokens `first_tokens_temperature` applies to (the authors' `i > 1` test)


def build_model(s, vocab_size: int, seq_len: int, seed: int) -> LeakGANModel:
    """A freshly initialised LeakGAN model (D and G) for this vocabulary and length."""
    dis_cfg = discriminator_config(s, vocab_size, seq_len)
    gen_cfg = GeneratorConfig(vocab_size=vocab_size, seq_len=seq_len, feature_dim=dis_cfg.feature_dim,
                              emb_dim=s.emb_dim, hidden_dim=s.hidden_dim, goal_size=s.goal_size, step_size=s.step_size,
                              initial_goal=s.initial_goal or "shared", initial_goal_rows=s.batch_size)
    model = LeakGANModel(gen_cfg, dis_cfg)
    model.reset_parameters(torch_generator(seed, "leakgan-init"))
    return model


class LeakGANRun:
    """Everything a LeakGAN training stage changes: model, optimizers, random streams, budget (a `loop.Run`)."""

    def __init__(self, model: LeakGANModel, settings, train: torch.Tensor, test: torch.Tensor, seed: int,
                 oracle=None, stage: str = "pretrain", job: TrainingJob | None = None):
        s = self.settings = settings
        self.model, self.train, self.test, self.seed, self.oracle, self.stage, self.job = (
            model, train, test, seed, oracle, stage, job)
        self.device = model.goal_init.device
        self.epoch = 0  # the epoch being trained (train_epoch sets it; rescale_with_real's ramp reads it)
        model.feature_mode = s.features
        model.goal_alignment = s.goal_alignment or "paper"
        model.manager_input = s.manager_input or "feature"  # pretraining (which does not read it): the feature
        if model.manager_input == "frozen_random" and model.frozen_discriminator is None:
            # a frozen copy of D's architecture with its own seeded initialisation: it never trains
            model.add_frozen_discriminator(torch_generator(seed, "leakgan-frozen-discriminator"))  # CPU init, as D's
        if s.dropout is not None:  # D's dropout while it trains (an arm may differ from the pretrained model's)
            model.discriminator.dropout.p = model.dis_cfg.dropout = s.dropout
        if self.device.type == "cuda":
            # D's many small convolutions: let cuDNN time its algorithms once per shape
            torch.backends.cudnn.benchmark = True
        # θ_w and θ_m are updated separately, each with its own Adam (as the paper and the authors).
        # fused: one kernel per update instead of a dozen passes over ~6M of D's highway weights.
        self.worker_opt = adam(model.worker_parameters(), s.lr)
        self.manager_opt = adam(model.manager_parameters(), s.lr)
        # The authors' interleaved MLE steps its own Adam pair (their pretrain_*_opt), apart from the policy gradient's.
        self.mle_opts = None
        if stage == "adversarial" and s.optimizer_states == "separate":
            self.mle_opts = (adam(model.worker_parameters(), s.lr), adam(model.manager_parameters(), s.lr))
        # capturable: D's steps can then be replayed as a CUDA graph (DiscriminatorStep)
        self.dis_opt = adam(model.discriminator.parameters(), s.dis_lr, capturable=self.device.type == "cuda")
        self.critic = DiscriminatorCritic(model.discriminator, self.dis_opt, s, train, self.device, oracle)
        self.budget = Budget()
        self.streams = Streams.of(seed, f"leakgan-{stage}", self.device)
        self._d_loss = None  # the last D loss of pretraining (its curve points repeat it until the next round)

    @property
    def sample_rng(self) -> torch.Generator:
        return self.streams.sample

    @property
    def shuffle_rng(self) -> torch.Generator:
        return self.streams.shuffle

    def negatives(self, num: int) -> torch.Tensor:
        """D's negatives: fresh samples at α = negatives_temperature (null: temperature, as the authors)."""
        s = self.settings
        return self.model.sample(num, negatives_temperature(s), self.streams.sample, s.gen_batch)

    def train_discriminator(self, steps: int) -> float:
        return self.critic.train_steps(steps, self.negatives, self.streams)

    # ---- the loop's Run protocol

    def train_epoch(self, epoch: int) -> dict:
        s = self.settings
        self.epoch = epoch
        if self.stage == "pretrain":
            g_first = getattr(s, "pretrain_order", "d_first") == "g_first"
            if not g_first and (epoch - 1) % s.pretrain_g_epochs == 0:  # d_first: a round starts with D
                self._d_loss = self.train_discriminator(s.pretrain_d_steps)
            worker, manager = mle_epoch(self)
            if g_first and epoch % s.pretrain_g_epochs == 0:  # g_first: a round ends with D, against this G
                self._d_loss = self.train_discriminator(s.pretrain_d_steps)
            return {"phase": "pretrain", "round": (epoch - 1) // s.pretrain_g_epochs + 1, "worker_loss": worker,
                    "manager_loss": manager, "d_loss": self._d_loss}
        self.model.train()
        point = {"phase": "adversarial", **mean_of([adversarial_step(self) for _ in range(s.g_steps)])}
        if s.mle_every and epoch % s.mle_every == 0:  # interleaved training: one supervised epoch every mle_every
            point["mle_worker_loss"], point["mle_manager_loss"] = mle_epoch(self, self.mle_opts)
        point["d_loss"] = self.train_discriminator(s.d_steps)
        return point

    def evaluate(self, epoch: int) -> dict:
        return evaluate(self, f"{self.stage}-{epoch}")

    def snapshot(self):
        return state_snapshot(self.model), optimizer_snapshot(self.dis_opt)

    def state_dict(self) -> dict:
        """Model, optimizer and random-stream states and the budget."""
        state = {"model": state_snapshot(self.model), "worker_opt": self.worker_opt.state_dict(),
                 "manager_opt": self.manager_opt.state_dict(), "dis_opt": self.dis_opt.state_dict(),
                 **self.streams.state_dict(), "budget": self.budget.to_dict(), "d_loss": self._d_loss}
        if self.mle_opts is not None:
            state["mle_opts"] = [opt.state_dict() for opt in self.mle_opts]
        return state

    def load_state_dict(self, state: dict) -> None:
        """Restore what `state_dict` returned."""
        self.model.load_state_dict(state["model"])
        self.worker_opt.load_state_dict(state["worker_opt"])
        self.manager_opt.load_state_dict(state["manager_opt"])
        self.dis_opt.load_state_dict(state["dis_opt"])
        self.streams.load_state_dict(state)
        self.budget = Budget.from_dict(state.get("budget"))
        self._d_loss = state.get("d_loss")
        if self.mle_opts is not None:
            for opt, saved in zip(self.mle_opts, state["mle_opts"]):
                opt.load_state_dict(saved)


def train_discriminator(run: LeakGANRun, steps: int) -> float:
    """`steps` × (fresh negatives at α = temperature, d_epochs epochs of D); the mean D loss of the last epoch."""
    return run.train_discriminator(steps)


def _step(optimizer: torch.optim.Optimizer, params, clip: float | None) -> None:
    if clip is not None:
        torch.nn.utils.clip_grad_norm_(params, clip)
    optimizer.step()


def update_generator(run: LeakGANRun, worker_loss_: torch.Tensor, manager_loss_: torch.Tensor,
                     optimizers: tuple | None = None) -> None:
    """One update of θ_w and θ_m by their own Adam each, from the two losses."""
    # The two losses touch disjoint parameters (goals reach the WORKER detached), so one
    # backward pass gives both separate updates of the paper.
    worker_opt, manager_opt = optimizers or (run.worker_opt, run.manager_opt)
    worker_opt.zero_grad(set_to_none=True)
    manager_opt.zero_grad(set_to_none=True)
    (worker_loss_ + manager_loss_).backward()
    _step(worker_opt, run.model.worker_parameters(), run.settings.grad_clip)
    _step(manager_opt, run.model.manager_parameters(), run.settings.grad_clip)


def mle_step(run: LeakGANRun, batch: torch.Tensor, optimizers: tuple | None = None) -> tuple[float, float]:
    """One supervised update on a batch: WORKER by MLE, MANAGER by Eq. 10; the (worker, manager) losses."""
    s, model = run.settings, run.model
    batch = batch.to(run.device)
    out = model.teacher_forced(batch, s.train_temperature)
    w_loss = -out.log_probs.mean()
    m_loss = manager_loss(out.features, out.goals, None, s.step_size)  # Eq. 10
    update_generator(run, w_loss, m_loss, optimizers)
    run.budget.update(batch.numel())
    return float(w_loss.detach()), float(m_loss.detach())


def mle_epoch_rows(settings, rows: int) -> int:
    """Rows one MLE epoch sees out of `rows`: all, or ⌊mle_epoch_fraction · rows⌋ (at least 1)."""
    fraction = getattr(settings, "mle_epoch_fraction", None)
    if fraction is None or fraction >= 1:
        return rows
    return max(1, min(rows, math.floor(fraction * rows + 1e-9)))


def mle_epoch(run: LeakGANRun, optimizers: tuple | None = None) -> tuple[float, float]:
    """One MLE epoch by `mle_step`: a pass over the training data, or over a fresh random `mle_epoch_fraction` of
    it (drawn without replacement from the shuffle stream); mean (worker, manager) losses."""
    s = run.settings
    order = torch.randperm(len(run.train), generator=run.shuffle_rng)
    order = order[:mle_epoch_rows(s, len(order))]
    sums, count = [0.0, 0.0], 0
    for start in range(0, len(order), s.batch_size):
        batch = run.train[order[start:start + s.batch_size]]
        w_loss, m_loss = mle_step(run, batch, optimizers)
        sums[0] += w_loss * len(batch)
        sums[1] += m_loss * len(batch)
        count += len(batch)
    return sums[0] / count, sums[1] / count


def real_rows(run: LeakGANRun) -> int:
    """How many real sentences join the ranking at this epoch: the authors' COCO `pos_num`.

    Their `get_reward` takes pos_num = min(64, int(total_batch / 20 · 10)) at the 0-based adversarial epoch
    total_batch, so min(rescale_with_real, ⌊(epoch − 1) / 2⌋) at our 1-based epoch.
    """
    cap = getattr(run.settings, "rescale_with_real", None) or 0
    return max(0, min(cap, (run.epoch - 1) // 2, len(run.train)))


def score_with_real(probs: torch.Tensor, real_probs: torch.Tensor | None, delta: float) -> torch.Tensor:
    """Eq. 11 over each column of the rollouts' mean [R, S, B] ranked together with real rows' D scores [R, P].

    Real row j has one score per repeat r (row j of the r-th real draw: the authors draw one real batch per
    rollout repeat), the same in every column (D scores the whole real sentence), so its value in the ranking
    is the mean of its R scores, like a generated row's mean over its R rollouts. Each column of B + P means
    is ranked and squashed with B + P as the batch size (the authors' `rescale` over len(l) = B + pos_num);
    the B generated rows' values are returned [B, S]. With no real rows this is `score_rollouts`.
    """
    B = probs.shape[2]
    if real_probs is None or real_probs.numel() == 0:
        return score_rollouts(probs.contiguous(), delta)
    R, S = probs.shape[:2]
    real = real_probs.to(probs.dtype)[:, None, :].expand(R, S, real_probs.shape[1])
    return score_rollouts(torch.cat([probs, real], dim=2).contiguous(), delta)[:B]


def segment_rewards(run: LeakGANRun, trace: Trace, real: int | None = None) -> tuple[torch.Tensor, float]:
    """Q [B, S]: D on `rollout_num` rollouts from each segment boundary c, 2c, ... and on the full sentence, rescaled (Eq. 11).

    `rollouts: batched` continues every boundary × repeat from the states
    cached in `trace`, in one batch; `rollouts: sequential` is the reference
    path: one boundary and one repeat at a time, each re-running its prefix.

    With real rows (`real`, default `real_rows(run)`; `rescale_with_real`), as the authors' COCO `get_reward`:
    for each rollout repeat a fresh draw of that many training sentences, scored whole by D (no rollouts: they
    are complete), joins every column's ranking (`score_with_real`); only the generated rows get rewards. The
    rescaling stays in the kernels' dispatcher (CUDA kernel or CPU twin), which ranks the longer column.
    """
    s, model, D = run.settings, run.model, run.model.discriminator
    samples = trace.tokens
    B, T = samples.shape
    R = s.rollout_num
    boundaries = model.segment_boundaries()
    with model.discriminator_eval(), torch.no_grad():
        full = D.real_prob_of(trace.features[:, T])  # the last segment needs no rollout
        if not boundaries:
            partial = full.new_zeros(R, 0, B)
        elif s.rollouts == "batched":
            _, partial = model.batched_rollouts(trace, R, s.train_temperature, run.sample_rng, s.rollout_chunk)
        else:
            partial = torch.stack([torch.stack([
                D.real_prob(model.rollout(samples, b, s.train_temperature, run.sample_rng)) for b in boundaries])
                for _ in range(R)])
        probs = torch.cat([partial, full.expand(R, 1, B)], dim=1)  # [R, S, B]
        P = real_rows(run) if real is None else real
        real_probs = None
        if P:
            index = torch.stack([torch.randperm(len(run.train), generator=run.shuffle_rng)[:P] for _ in range(R)])
            real_tokens = run.train[index.reshape(-1)].to(run.device)
            real_probs = D.real_prob(real_tokens).view(R, -1)  # [R, P]
    # The kernels' dispatcher: the CUDA kernel for CUDA tensors, the Numba CPU twin otherwise.
    rewards = score_with_real(probs, real_probs, s.delta)
    if s.divide_by_rollouts:  # the authors' get_reward divides the rescaled rewards by rollout_num
        rewards = rewards / R
    return rewards, float(probs.mean())


def constant_reward(batch: int, delta: float) -> float:
    """The mean of Eq. 11's rescaled activation sigmoid(δ (0.5 − rank / B)) over the ranks 1..B.

    The `reward: constant` control gives every segment this Q: the update keeps
    the paper's form and scale but carries no information from D.
    """
    ranks = torch.arange(1, batch + 1, dtype=torch.float64)
    return float(torch.sigmoid(delta * (0.5 - ranks / batch)).mean())


def worker_rewards(s, out) -> torch.Tensor:
    """The WORKER's intrinsic reward [B, T] of a teacher-forced pass `out`: Eq. 9, or the authors' Worker_Reward
    (one cosine against the segment's goal) under `intrinsic_reward: authors`; the goals enter detached."""
    if s.intrinsic_reward == "authors":
        return intrinsic_reward_authors(out.features, out.goals.detach(), s.step_size)
    return intrinsic_reward(out.features, out.sub_goals.detach(), s.step_size)


def adversarial_step(run: LeakGANRun) -> dict:
    """One generator step on a sampled batch: MANAGER by Eq. 7, WORKER by Eq. 8-9.

    `generator_update: supervised` makes it one supervised step on a training minibatch
    instead (`mle_step`); `reward: constant` replaces D's Q by `constant_reward`;
    `loss_reduction: scalar` reduces both losses as the authors' code does.
    """
    s, model = run.settings, run.model
    if s.generator_update == "supervised":
        order = torch.randperm(len(run.train), generator=run.shuffle_rng)[:s.batch_size]
        w_loss, m_loss = mle_step(run, run.train[order])
        return {"manager_loss": m_loss, "worker_loss": w_loss}
    constant = s.reward == "constant"
    boundaries = model.segment_boundaries() if s.rollouts == "batched" and not constant else ()
    trace = model.trace(s.batch_size, s.train_temperature, run.sample_rng, boundaries,
                        first_temperature=s.first_tokens_temperature, first_tokens=FIRST_TOKENS)
    if constant:
        num_segments = -(-model.cfg.seq_len // model.cfg.step_size)
        q = constant_reward(s.batch_size, s.delta) / (s.rollout_num if s.divide_by_rollouts else 1)
        rewards, reported = torch.full((len(trace.tokens), num_segments), q, device=run.device), {}
    else:
        rewards, mean_reward = segment_rewards(run, trace)
        reported = {"mean_reward": mean_reward}
    # The reference path (sequential rollouts) recomputes the prefix features for training as well.
    out = model.teacher_forced(trace.tokens, s.train_temperature,
                               features=trace.features if s.rollouts == "batched" else None)
    m_loss = manager_loss(out.features, out.goals, rewards, s.step_size, s.loss_reduction)  # Eq. 7
    w_loss = worker_loss(worker_rewards(s, out), out.log_probs, s.loss_reduction)  # Eq. 8 (REINFORCE)
    update_generator(run, w_loss, m_loss)
    run.budget.update(trace.tokens.numel())
    return {**reported, "manager_loss": float(m_loss.detach()), "worker_loss": float(w_loss.detach())}


@torch.no_grad()
def evaluate(run: LeakGANRun, tag: str) -> dict:
    """NLL-test and D's accuracy on the first eval_samples test sequences vs as many fresh samples; their oracle
    NLL (synthetic) or BLEU-2 (real text); the validation NLL."""
    s, model, D = run.settings, run.model, run.model.discriminator
    # A fresh stream per evaluation, so evaluating never shifts the training's random numbers.
    rng = torch_generator(run.seed, f"leakgan-eval-{tag}", run.device)
    samples = model.sample(s.eval_samples, s.temperature, rng, s.gen_batch)
    was_training = D.training
    D.eval()
    test = run.test[:s.eval_samples]  # at the paper's sizes the whole test set (10,000)
    real_ok = torch.cat([D.real_prob(b.to(run.device)) > 0.5 for b in test.split(s.gen_batch)])
    fake_ok = torch.cat([D.real_prob(b.to(run.device)) <= 0.5 for b in samples.split(s.gen_batch)])
    D.train(was_training)
    point = {"nll_test": model.nll(test, s.gen_batch),
             "d_accuracy": 0.5 * (float(real_ok.float().mean()) + float(fake_ok.float().mean()))}
    job = run.job
    if job is not None and job.validation is not None:
        point["nll_valid"] = model.nll(job.validation, s.gen_batch)
    if run.oracle is not None:
        point["oracle_nll"] = run.oracle.nll(samples)
    elif job is not None:
        point.update(job.curve_scores(samples))
    return point


# ---------------------------------------------------------------- the registry's trainers

def planned_updates(s, sequences: int) -> int:
    """LeakGAN's generator updates: pretraining epochs, g_steps per adversarial epoch, interleaved MLE epochs."""
    per_epoch = math.ceil(mle_epoch_rows(s, sequences) / s.batch_size)  # an MLE epoch may see a fraction
    interleaved = s.adversarial_epochs // s.mle_every if s.mle_every else 0
    return ((s.pretrain_rounds * s.pretrain_g_epochs + interleaved) * per_epoch
            + s.adversarial_epochs * s.g_steps)


def _settings(job: TrainingJob, stage: str):
    """The job's typed settings, which must arrive resolved (the config layer fills the semantics' keys)."""
    missing = unresolved(job.settings, job.spec.schema)
    if missing:
        raise UserError(f"config key '{job.model}.{missing[0]}' is null: the stage takes resolved settings "
                        "(the workflow passes them; by hand, leakgan.config.resolve.resolve_block fills them)")
    if job.settings.get("positives") == "fresh_oracle" and job.oracle is None:
        raise UserError(f"config key '{job.model}.positives': fresh_oracle needs the synthetic oracle (--oracle); "
                        "use train on real text")
    return job.spec.settings.from_dict(job.settings, stage=stage)


def pretrain(job: TrainingJob) -> tuple[dict, list[dict]] | None:
    """LeakGAN's first stage: interleaved pretraining of D and G from a fresh model."""
    s = _settings(job, "pretrain")
    model = build_model(s, job.vocab["size"], job.train.shape[1], job.seed).to(job.device)
    run = LeakGANRun(model, s, job.train, job.test, job.seed, job.oracle, job=job)
    selection = BestSelection(job.select)
    if s.pretrain_g_epochs == 0:  # D alone, round after round
        for _ in range(s.pretrain_rounds):
            run.train_discriminator(s.pretrain_d_steps)
    resumable = None
    if job.checkpoint_dir is not None:
        resumable = checkpoints.Resumable(job.checkpoint_dir, checkpoints.job_fingerprint(
            job, [job.train, job.validation, job.test]), job.model, job.keep_checkpoints)
    curve = fit(run, job, epochs=s.pretrain_rounds * s.pretrain_g_epochs, eval_every=s.eval_every,
                desc="leakgan pretrain", selection=selection, checkpoints=resumable, checkpoint_every=s.eval_every,
                postfix=lambda p: {"worker": round(p["worker_loss"], 3), "manager": round(p["manager_loss"], 3)})
    if curve is None:
        return None
    dis_opt = run.dis_opt.state_dict()
    if selection.epoch is not None and selection.epoch != curve[-1]["epoch"]:
        state, dis_opt = selection.state
        model.load_state_dict(state)
    run.budget.selected_epoch = selection.epoch
    model.eval()
    # D's optimizer carries over to the adversarial stage (the authors keep one Adam for D throughout).
    return model.checkpoint(job.model, job.settings, job.pad_id, dis_opt=dis_opt,
                            budget={"pretrain": run.budget.to_dict()}), curve


def adversarial(job: TrainingJob) -> tuple[dict, list[dict]] | None:
    """LeakGAN's second stage: adversarial training from the pretrained checkpoint, resumable.

    Every `checkpoint_every` epochs the whole run (model, optimizers, random
    streams, curve so far) goes to `job.checkpoint_dir`; started again after
    a kill, or with more epochs, training continues from the newest checkpoint
    of the same run and ends with the same checkpoint as an uninterrupted run on CPU.
    """
    s = _settings(job, "adversarial")
    pretrained, path = job.pretrained, job.pretrained_path
    checkpoints.check_pretrained(job, "LeakGAN")
    model = LeakGANModel.from_checkpoint(pretrained, job.device)
    run = LeakGANRun(model, s, job.train, job.test, job.seed, job.oracle, stage="adversarial", job=job)
    if "dis_opt" in pretrained:
        run.dis_opt.load_state_dict(copy.deepcopy(pretrained["dis_opt"]))  # Adam updates it in place
    resumable = checkpoints.Resumable(job.checkpoint_dir, checkpoints.job_fingerprint(job, [path, job.train]),
                                      job.model, job.keep_checkpoints)
    curve = fit(run, job, epochs=s.adversarial_epochs, eval_every=s.eval_every, desc="leakgan adversarial",
                checkpoints=resumable, checkpoint_every=s.checkpoint_every,
                postfix=lambda p: rounded(p, ("mean_reward", "manager_loss")))
    if curve is None:
        return None
    model.eval()
    budget = {**pretrained.get("budget", {}), "adversarial": run.budget.to_dict()}
    return model.checkpoint(job.model, job.settings, job.pad_id, epoch=s.adversarial_epochs, budget=budget), curve
