"""What a training stage hands to a model's trainer (see `leakgan.models.registry`)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch


@dataclass
class TrainingJob:
    """The inputs of one training stage of one model.

    A trainer is `trainer(job) -> (checkpoint dict, curve records)`, or None
    when it stopped early on purpose (`stop_after`, tests simulating a kill).
    """

    settings: dict  # the model's settings this stage reads, as the rule passed them (saved in the checkpoint)
    vocab: dict  # vocab.json
    train: torch.Tensor  # [N, T] token ids
    test: torch.Tensor  # [M, T]
    seed: int
    device: torch.device
    oracle: object | None = None  # the synthetic oracle, for oracle-NLL curves
    pretrained: dict | None = None  # the previous stage's checkpoint (later stages)
    pretrained_path: Path | None = None
    checkpoint_dir: Path | None = None  # where a resumable stage keeps its checkpoints
    stop_after: int | None = None  # end after this epoch, leaving only the resumable checkpoint
