"""Equal footing for every model: the validation split, best-validation selection, the budget, live curves.

- `split_validation`: a seeded share of the training sequences held out
  from training (never overlapping the rest; the test file is separate).
- `BestSelection`: keeps the state of the evaluation epoch with the lowest
  validation NLL (`select: best_validation`) or the last one (`select: last`).
- `Budget`: what a stage spent — epochs, generator updates, training tokens
  (tokens of the sequences the generator's loss was computed on).
"""
from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass
from typing import Callable

import torch

from leakgan.errors import UserError
from leakgan.seeding import torch_generator

SELECT_MODES = ("best_validation", "last")


def split_validation(train: torch.Tensor, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(train without the validation rows, validation rows), both in the file's order; (train, None) for 0.

    The held-out rows are drawn by a stream of the chain's seed, so every
    model of one seed holds out the same sequences.
    """
    if not 0 <= fraction < 0.5:
        raise UserError(f"config key 'training.validation_fraction': {fraction} must be at least 0 and below 0.5")
    n = train.shape[0]
    k = math.ceil(n * fraction) if fraction > 0 else 0
    if k == 0:
        return train, None
    if n - k < 1:
        raise UserError(f"config key 'training.validation_fraction': {fraction} of {n} training sequences leaves "
                        "none to train on")
    order = torch.randperm(n, generator=torch_generator(seed, "validation-split"))
    held = torch.zeros(n, dtype=torch.bool)
    held[order[:k]] = True
    return train[~held], train[held]


class BestSelection:
    """The checkpointed state of the epoch a run reports: lowest validation NLL, or simply the last offered."""

    def __init__(self, mode: str):
        if mode not in SELECT_MODES:
            raise UserError(f"config key 'training.select': {mode!r} is not one of {', '.join(SELECT_MODES)}")
        self.mode = mode
        self.epoch: int | None = None
        self.value: float | None = None
        self.state = None

    def offer(self, epoch: int, validation_nll: float | None, snapshot: Callable[[], object]) -> bool:
        """Consider the state at `epoch`; `snapshot()` is called (and kept) only when it is selected.

        best_validation keeps the first epoch with the lowest NLL (an equal
        value later does not replace it); last keeps every newer epoch.
        """
        if self.mode == "best_validation":
            if validation_nll is None:
                raise ValueError("best_validation selection needs a validation NLL at every evaluation")
            if self.value is not None and not validation_nll < self.value:
                return False
        self.epoch, self.value, self.state = epoch, validation_nll, snapshot()
        return True

    def state_dict(self) -> dict:
        """The selected epoch, its validation NLL and its state (for a resumable checkpoint)."""
        return {"epoch": self.epoch, "value": self.value, "state": self.state}

    def load_state_dict(self, saved: dict) -> None:
        self.epoch, self.value, self.state = saved["epoch"], saved["value"], saved["state"]


def state_snapshot(module: torch.nn.Module) -> dict:
    """A detached copy of a module's parameters and buffers (CPU), to restore the selected epoch."""
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}


def optimizer_snapshot(optimizer: torch.optim.Optimizer) -> dict:
    return copy.deepcopy(optimizer.state_dict())


@dataclass
class Budget:
    """What one training stage spent (deterministic counts; wall time comes from Snakemake's benchmark files)."""

    epochs: int = 0
    generator_updates: int = 0
    training_tokens: int = 0
    selected_epoch: int | None = None

    def update(self, tokens: int) -> None:
        """Count one generator update on a batch of `tokens` tokens."""
        self.generator_updates += 1
        self.training_tokens += int(tokens)

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, values: dict | None) -> "Budget":
        return cls(**(values or {}))
