"""Maximum-likelihood training of an LSTM generator: the MLE baseline, and the baselines' pretraining."""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from leakgan.models.mle import MLEConfig, MLEGenerator
from leakgan.seeding import stage_seed, torch_generator
from leakgan.train.checkpoints import Resumable, job_fingerprint
from leakgan.train.job import TrainingJob
from leakgan.train.loop import fit, rounded
from leakgan.train.selection import BestSelection, Budget, state_snapshot


@dataclass(frozen=True)
class MLESchedule:
    """The sizes and schedule of one MLE training (from the `mle` block, or a baseline's pretraining keys)."""

    emb_dim: int
    hidden_dim: int
    batch_size: int
    lr: float
    epochs: int
    eval_every: int
    curve_samples: int  # samples scored (oracle NLL or BLEU-2) at each curve point
    grad_clip: float


class MLERun:
    """An LSTM generator, its Adam and random streams (a `loop.Run`), seeded from the chain's seed."""

    def __init__(self, job: TrainingJob, schedule: MLESchedule, budget: Budget, phase: str | None = None):
        self.job, self.schedule, self.budget, self.phase = job, schedule, budget, phase
        torch.manual_seed(stage_seed(job.seed, "mle-init"))
        self.model = MLEGenerator(MLEConfig(vocab_size=job.vocab["size"], seq_len=job.train.shape[1],
                                            emb_dim=schedule.emb_dim, hidden_dim=schedule.hidden_dim)).to(job.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=schedule.lr)
        self.shuffle = torch_generator(job.seed, "mle-shuffle")
        self.curve_rng = torch_generator(job.seed, "mle-curve", job.device)

    def fields(self, train_loss: float | None) -> dict:
        return {"train_loss": train_loss, **({"phase": self.phase} if self.phase is not None else {})}

    def train_epoch(self, epoch: int) -> dict:
        s, model, train = self.schedule, self.model, self.job.train
        order = torch.randperm(train.shape[0], generator=self.shuffle)
        total, count = 0.0, 0
        for start in range(0, len(order), s.batch_size):
            batch = train[order[start:start + s.batch_size]].to(self.job.device)
            loss = model.loss(batch)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), s.grad_clip)
            self.optimizer.step()
            self.budget.update(batch.numel())
            total += float(loss.detach()) * batch.shape[0]
            count += batch.shape[0]
        return self.fields(total / count)

    def evaluate(self, epoch: int) -> dict:
        """NLL-test and validation NLL; oracle NLL (synthetic) or BLEU-2 (text) of samples at α = 1."""
        self.model.eval()
        point = self.job.nll_point(self.model, 1000)
        if self.job.scores_samples:
            point.update(self.job.curve_scores(self.model.sample(self.schedule.curve_samples, 1.0, self.curve_rng)))
        self.model.train()
        return point

    def snapshot(self):
        return state_snapshot(self.model)

    def state_dict(self) -> dict:
        return {"model": state_snapshot(self.model), "optimizer": self.optimizer.state_dict(),
                "shuffle_rng": self.shuffle.get_state(), "curve_rng": self.curve_rng.get_state(),
                "budget": self.budget.to_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.shuffle.set_state(state["shuffle_rng"])
        self.curve_rng.set_state(state["curve_rng"])
        restored = Budget.from_dict(state["budget"])
        for key, value in vars(restored).items():  # the caller holds this budget object: fill it in place
            setattr(self.budget, key, value)


def train_mle(job: TrainingJob, schedule: MLESchedule, budget: Budget | None = None,
              phase: str | None = None) -> tuple[MLEGenerator, list[dict]] | None:
    """Train by MLE; return the model and the curve (epoch, train loss, NLL-test and -validation, oracle NLL).

    The untrained model is a curve point (epoch 0), then every `eval_every` epochs and the last; `job.select`
    picks the model returned: the point with the lowest validation NLL (`best_validation`) or the last.
    `budget`, when given, is filled with what the run spent. With `job.checkpoint_dir`, the run checkpoints
    at every evaluation and continues after a kill or with more epochs (None when stopped on purpose).
    """
    budget = budget if budget is not None else Budget()
    run = MLERun(job, schedule, budget, phase)
    selection = BestSelection(job.select)
    checkpoints = None
    if job.checkpoint_dir is not None:
        checkpoints = Resumable(job.checkpoint_dir, job_fingerprint(job, [job.train, job.validation, job.test]),
                                job.model, job.keep_checkpoints)
    curve = fit(run, job, epochs=schedule.epochs, eval_every=schedule.eval_every, desc="MLE",
                untrained=run.fields(None), selection=selection, record="evaluated",
                checkpoints=checkpoints, checkpoint_every=schedule.eval_every,
                postfix=lambda p: rounded(p, [k for k in p if k not in ("epoch", "phase", "selected")]))
    if curve is None:
        return None
    if selection.epoch != curve[-1]["epoch"]:
        run.model.load_state_dict(selection.state)
    budget.selected_epoch = selection.epoch
    run.model.eval()
    return run.model, curve


def planned_updates(s, sequences: int) -> int:
    """The MLE baseline's generator updates: one per batch of every epoch."""
    return s.epochs * math.ceil(sequences / s.batch_size)


def pretrain(job: TrainingJob) -> tuple[dict, list[dict]] | None:
    """The MLE baseline's one training stage: the checkpoint (the selected epoch's model) and the curve."""
    s = job.spec.settings.from_dict(job.settings, stage="pretrain")
    schedule = MLESchedule(emb_dim=s.emb_dim, hidden_dim=s.hidden_dim, batch_size=s.batch_size, lr=s.lr,
                           epochs=s.epochs, eval_every=s.eval_every, curve_samples=s.curve_samples,
                           grad_clip=s.grad_clip)
    budget = Budget()
    trained = train_mle(job, schedule, budget)
    if trained is None:
        return None
    model, curve = trained
    ckpt = model.checkpoint(job.model, job.settings, job.pad_id)
    ckpt["budget"] = {"pretrain": budget.to_dict()}
    return ckpt, curve
