"""Maximum-likelihood training of the LSTM baseline, with the oracle-NLL curve."""
from __future__ import annotations

import sys

import torch
from tqdm import tqdm

from leakgan.models.lstm import LSTMConfig, LSTMGenerator
from leakgan.seeding import stage_seed, torch_generator


def train_mle(train: torch.Tensor, test: torch.Tensor, vocab_size: int, settings: dict, seed: int,
              device: torch.device, oracle=None) -> tuple[LSTMGenerator, list[dict]]:
    """Train by MLE; return the model and the curve (epoch, train loss, NLL-test, oracle NLL)."""
    torch.manual_seed(stage_seed(seed, "mle-init"))
    model = LSTMGenerator(LSTMConfig(vocab_size=vocab_size, seq_len=train.shape[1],
                                     emb_dim=settings["emb_dim"], hidden_dim=settings["hidden_dim"])).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings["lr"])
    shuffle_gen = torch_generator(seed, "mle-shuffle")
    curve_gen = torch_generator(seed, "mle-curve", device)
    batch_size, epochs = settings["batch_size"], settings["epochs"]
    curve: list[dict] = []

    def record(epoch: int, train_loss: float | None) -> None:
        model.eval()
        point = {"epoch": epoch, "train_loss": train_loss, "nll_test": model.nll(test, 1000)}
        if oracle is not None:
            samples = model.sample(settings["curve_samples"], 1.0, curve_gen)
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
            torch.nn.utils.clip_grad_norm_(model.parameters(), settings["grad_clip"])
            optimizer.step()
            total += float(loss.detach()) * batch.shape[0]
            count += batch.shape[0]
        if epoch % settings["eval_every"] == 0 or epoch == epochs:
            record(epoch, total / count)
            bar.set_postfix({k: round(v, 3) for k, v in curve[-1].items() if k != "epoch" and v is not None})
    model.eval()
    return model, curve
