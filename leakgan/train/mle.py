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
              device: torch.device, oracle=None) -> tuple[MLEGenerator, list[dict]]:
    """Train by MLE; return the model and the curve (epoch, train loss, NLL-test, oracle NLL)."""
    s = MLESettings.from_dict(settings, stage="pretrain")
    torch.manual_seed(stage_seed(seed, "mle-init"))
    model = MLEGenerator(MLEConfig(vocab_size=vocab_size, seq_len=train.shape[1],
                                   emb_dim=s.emb_dim, hidden_dim=s.hidden_dim)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=s.lr)
    shuffle_gen = torch_generator(seed, "mle-shuffle")
    curve_gen = torch_generator(seed, "mle-curve", device)
    batch_size, epochs = s.batch_size, s.epochs
    curve: list[dict] = []

    def record(epoch: int, train_loss: float | None) -> None:
        model.eval()
        point = {"epoch": epoch, "train_loss": train_loss, "nll_test": model.nll(test, 1000)}
        if oracle is not None:
            samples = model.sample(s.curve_samples, 1.0, curve_gen)
            point["oracle_nll"] = oracle.nll(samples)
        curve.append(point)
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
            total += float(loss.detach()) * batch.shape[0]
            count += batch.shape[0]
        if epoch % s.eval_every == 0 or epoch == epochs:
            record(epoch, total / count)
            bar.set_postfix({k: round(v, 3) for k, v in curve[-1].items() if k != "epoch" and v is not None})
    model.eval()
    return model, curve


def pretrain(job: TrainingJob) -> tuple[dict, list[dict]]:
    """The MLE baseline's one training stage: the checkpoint and the curve."""
    model, curve = train_mle(job.train, job.test, job.vocab["size"], job.settings, job.seed, job.device, job.oracle)
    return model.checkpoint(job.settings, job.vocab.get("pad_id")), curve
