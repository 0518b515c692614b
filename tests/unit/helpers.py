"""Helpers of the unit tests: a TrainingJob and an MLE schedule built by hand, as a training stage builds them."""
from __future__ import annotations

import torch

from leakgan import registry
from leakgan.train.job import TrainingJob
from leakgan.train.mle import MLESchedule


def training_job(model: str, train: torch.Tensor, test: torch.Tensor, vocab_size: int, seed: int,
                 settings: dict | None = None, pad_id: int | None = None, **kw) -> TrainingJob:
    """The inputs of one training stage of a registered model, on the CPU."""
    return TrainingJob(spec=registry.get(model), settings=dict(settings or {}),
                       vocab={"size": vocab_size, "pad_id": pad_id}, train=train, test=test, seed=seed,
                       device=torch.device("cpu"), **kw)


def mle_schedule(settings: dict) -> MLESchedule:
    """An MLE schedule from an `mle` block (keys MLESchedule does not take, like `temperature`, are left out)."""
    fields = MLESchedule.__dataclass_fields__
    return MLESchedule(**{k: v for k, v in settings.items() if k in fields})
