"""Maximum-likelihood training of the MLE baseline, with the NLL-test and oracle-NLL curve."""
from __future__ import annotations

import sys
from dataclasses import dataclass

import torch
from tqdm import tqdm

from leakgan.config import Settings
from leakgan.models.mle import MLEConfig, MLEGenerator
from leakgan.seeding import stage_seed, torch_generator
from leakgan.train.job import TrainingJob
from leakgan.train.selection import BestSelection, Budget, curve_point_scores, state_snapshot


@dataclass
class MLESettings(Settings):
    """The `mle` config block (see workflow/schemas/mle.schema.yaml for every key)."""

    block = "mle"

    emb_dim: int
    hidden_dim: int
    batch_size: int
    lr: float
    epochs: int
    eval_every: int
    curve_samples: int
    grad_clip: float
    temperature: float


def train_mle(train: torch.Tensor, test: torch.Tensor, vocab_size: int, settings: dict, seed: int,
              device: torch.device, oracle=None, *, validation: torch.Tensor | None = None, select: str = "last",
              budget: Budget | None = None, on_point=None, references=None, pad_id: int | None = None,
              phase: str | None = None) -> tuple[MLEGenerator, list[dict]]:
    """Train by MLE; return the model and the curve (epoch, train loss, NLL-test and -validation, oracle NLL).

    Every `eval_every` epochs (and at epoch 0 and the last) a curve point is
    recorded and handed to `on_point`; `select` picks the model returned:
    the point with the lowest validation NLL (`best_validation`) or the last.
    `budget`, when given, is filled with what the run spent. On real text
    (`references`, a BLEU-2 reference set of the test data) the points carry
    BLEU-2 of fresh samples instead of oracle NLL.
    """
    s = MLESettings.from_dict(settings, stage="pretrain")
    torch.manual_seed(stage_seed(seed, "mle-init"))
    model = MLEGenerator(MLEConfig(vocab_size=vocab_size, seq_len=train.shape[1],
                                   emb_dim=s.emb_dim, hidden_dim=s.hidden_dim)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=s.lr)
    shuffle_gen = torch_generator(seed, "mle-shuffle")
    curve_gen = torch_generator(seed, "mle-curve", device)
    batch_size, epochs = s.batch_size, s.epochs
    curve: list[dict] = []
    budget = budget if budget is not None else Budget()
    selection = BestSelection(select)

    def record(epoch: int, train_loss: float | None) -> None:
        model.eval()
        point = {"epoch": epoch, "train_loss": train_loss, "nll_test": model.nll(test, 1000)}
        if phase is not None:
            point["phase"] = phase
        if validation is not None:
            point["nll_valid"] = model.nll(validation, 1000)
        if oracle is not None or references is not None:
            samples = model.sample(s.curve_samples, 1.0, curve_gen)
            point.update(curve_point_scores(samples, oracle, references, pad_id))
        if selection.offer(epoch, point.get("nll_valid"), lambda: state_snapshot(model)):
            point["selected"] = True
        curve.append(point)
        if on_point is not None:
            on_point(point)
        model.train()

    record(0, None)
    bar = tqdm(range(1, epochs + 1), desc="mle", unit="epoch", file=sys.stderr, mininterval=1.0)
    for epoch in bar:
        order = torch.randperm(train.shape[0], generator=shuffle_gen)
        total, count = 0.0, 0
        for start in range(0, len(order), batch_size):
            batch = train[order[start:start + batch_size]].to(device)
            loss = model.loss(batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), s.grad_clip)
            optimizer.step()
            budget.update(batch.numel())
            total += float(loss.detach()) * batch.shape[0]
            count += batch.shape[0]
        budget.epochs += 1
        if epoch % s.eval_every == 0 or epoch == epochs:
            record(epoch, total / count)
            bar.set_postfix({k: round(v, 3) for k, v in curve[-1].items()
                             if k not in ("epoch", "phase", "selected") and isinstance(v, float)})
    if selection.epoch != curve[-1]["epoch"]:
        model.load_state_dict(selection.state)
    budget.selected_epoch = selection.epoch
    model.eval()
    return model, curve


def pretrain(job: TrainingJob) -> tuple[dict, list[dict]]:
    """The MLE baseline's one training stage: the checkpoint (the selected epoch's model) and the curve."""
    budget = Budget()
    model, curve = train_mle(job.train, job.test, job.vocab["size"], job.settings, job.seed, job.device, job.oracle,
                             validation=job.validation, select=job.select, budget=budget, on_point=job.on_point,
                             references=job.references(), pad_id=job.vocab.get("pad_id"))
    ckpt = model.checkpoint(job.settings, job.vocab.get("pad_id"))
    ckpt["budget"] = {"pretrain": budget.to_dict()}
    return ckpt, curve
