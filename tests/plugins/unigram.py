"""A test-only model, registered through LEAKGAN_PLUGINS: proves that a model is one module plus a registry entry.

The unigram model draws every token independently from the smoothed token
frequencies of the training data. It has one training stage and a config
block `unigram` (schema beside this file).
"""
from __future__ import annotations

import math
from pathlib import Path

import torch

from leakgan.config.settings import settings_class
from leakgan.errors import UserError
from leakgan.registry import ModelParts, ModelSpec, register


class UnigramModel:
    """p(x_t) = (count(x) + smoothing) / (N + V·smoothing), independent of the prefix."""

    def __init__(self, log_probs: torch.Tensor, seq_len: int):
        self.log_probs, self.seq_len = log_probs, seq_len

    def sample(self, num: int, temperature: float, generator: torch.Generator, batch_size: int = 1000) -> torch.Tensor:
        probs = torch.softmax(self.log_probs / temperature, dim=0)
        return torch.multinomial(probs, num * self.seq_len, replacement=True, generator=generator).view(num, self.seq_len)

    def nll(self, tokens: torch.Tensor, batch_size: int = 1000, temperature: float = 1.0) -> float:
        log_probs = self.log_probs if temperature == 1.0 else torch.log_softmax(self.log_probs / temperature, dim=0)
        return -float(log_probs[tokens].double().mean())

    @classmethod
    def from_checkpoint(cls, ckpt: dict, device="cpu") -> "UnigramModel":
        try:
            return cls(ckpt["log_probs"], ckpt["seq_len"])
        except KeyError as exc:
            raise UserError(f"not a complete unigram checkpoint (no {exc})") from None


UnigramSettings = settings_class("unigram", Path(__file__).with_name("unigram.schema.yaml"))


def pretrain(job):
    s = UnigramSettings.from_dict(job.settings, stage="pretrain")
    counts = torch.bincount(job.train.flatten(), minlength=job.vocab["size"]).double() + s.smoothing
    log_probs = (counts / counts.sum()).log().float()
    model = UnigramModel(log_probs, job.train.shape[1])
    point = {"epoch": 0, "nll_test": model.nll(job.test)}
    if job.oracle is not None:
        point["oracle_nll"] = job.oracle.nll(model.sample(100, 1.0, torch.Generator().manual_seed(job.seed)))
    assert math.isfinite(point["nll_test"])
    ckpt = {"model": job.model, "settings": job.settings, "log_probs": log_probs, "seq_len": job.train.shape[1],
            "vocab_size": job.vocab["size"]}
    return ckpt, [point]


def parts() -> ModelParts:
    return ModelParts(UnigramModel, {"pretrain": pretrain})


register(ModelSpec("unigram", "Unigram", UnigramSettings, ("pretrain",), parts))
