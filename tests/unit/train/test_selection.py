"""Equal footing for every model: the validation split, best-validation selection."""
from __future__ import annotations

import pytest
import torch

from leakgan.errors import UserError
from leakgan.train.selection import BestSelection, split_validation


def test_validation_split_is_disjoint_seeded_and_covers_the_training_data():
    train = torch.arange(200).view(100, 2)  # row i = [2i, 2i+1]: rows are told apart by their first value
    kept, held = split_validation(train, 0.05, seed=7)
    assert held.shape == (5, 2) and kept.shape == (95, 2)
    assert set(kept[:, 0].tolist()).isdisjoint(held[:, 0].tolist())
    assert sorted(kept[:, 0].tolist() + held[:, 0].tolist()) == train[:, 0].tolist()
    assert kept[:, 0].tolist() == sorted(kept[:, 0].tolist())  # the file's order is kept
    assert torch.equal(split_validation(train, 0.05, seed=7)[1], held)
    assert not torch.equal(split_validation(train, 0.05, seed=8)[1], held)
    assert split_validation(train, 0.0, seed=7) == (train, None)
    with pytest.raises(UserError, match="validation_fraction"):
        split_validation(train[:1], 0.4, seed=7)


def test_best_validation_picks_the_lowest_epoch_on_a_crafted_curve():
    curve = [(0, 5.0), (2, 4.0), (4, 3.5), (6, 3.7), (8, 3.5), (10, 3.9)]
    best, last = BestSelection("best_validation"), BestSelection("last")
    snapshots = []
    for epoch, value in curve:
        best.offer(epoch, value, lambda e=epoch: snapshots.append(e) or f"state-{e}")
        last.offer(epoch, value, lambda e=epoch: f"state-{e}")
    assert (best.epoch, best.value, best.state) == (4, 3.5, "state-4")  # a later tie does not replace it
    assert snapshots == [0, 2, 4]  # states are copied only when they are selected
    assert (last.epoch, last.state) == (10, "state-10")
    with pytest.raises(UserError, match="training.select"):
        BestSelection("best")
