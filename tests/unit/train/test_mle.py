"""Maximum-likelihood training (the MLE baseline, the baselines' pretraining): a learnable toy task,
reproducibility, best-validation selection and the budget."""
from __future__ import annotations

import pytest
import torch

from leakgan.models.mle import MLEGenerator
from leakgan.train.mle import train_mle
from leakgan.train.selection import Budget, split_validation
from tests.unit.helpers import mle_schedule, training_job


SETTINGS = {"emb_dim": 16, "hidden_dim": 16, "batch_size": 16, "lr": 0.02, "epochs": 8, "eval_every": 4,
            "curve_samples": 20, "grad_clip": 5.0, "temperature": 1.0}


def cyclic_data(n=64, length=6, vocab=5):
    # Deterministic sequences 1,2,3,4,1,... from a random start: easy to learn by MLE.
    starts = torch.arange(n) % (vocab - 1)
    return (starts[:, None] + torch.arange(length)[None, :]) % (vocab - 1) + 1


def test_mle_learns_a_deterministic_cycle():
    data = cyclic_data()
    model, curve = train_mle(training_job("mle", data, data, vocab_size=5, seed=1), mle_schedule(SETTINGS))
    assert [p["epoch"] for p in curve] == [0, 4, 8]
    # From log(5) ≈ 1.61 at the start down to a small fraction: only the first token is uncertain.
    assert curve[0]["nll_test"] > 1.4
    assert curve[-1]["nll_test"] < 0.5
    samples = model.sample(50, 1.0, torch.Generator().manual_seed(0))
    assert samples.shape == (50, 6)
    # After the first token each next token follows the cycle.
    follows = ((samples[:, 1:] - 1) == (samples[:, :-1] % 4)).float().mean()
    assert follows > 0.9


def test_training_is_reproducible_and_checkpoint_round_trips():
    data = cyclic_data()
    settings = dict(SETTINGS, epochs=2)
    a, curve_a = train_mle(training_job("mle", data, data, 5, seed=3), mle_schedule(settings))
    b, curve_b = train_mle(training_job("mle", data, data, 5, seed=3), mle_schedule(settings))
    assert curve_a == curve_b
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    again = MLEGenerator.from_checkpoint(a.checkpoint("mle", settings, None))
    assert again.nll(data) == a.nll(data)


def test_mle_training_returns_the_selected_epoch():
    torch.manual_seed(0)
    data = torch.randint(0, 5, (60, 4))
    train, valid = split_validation(data, 0.2, seed=1)
    settings = {"emb_dim": 4, "hidden_dim": 4, "batch_size": 8, "lr": 0.5, "epochs": 6, "eval_every": 1,
                "curve_samples": 4, "grad_clip": 5.0, "temperature": 1.0}
    budget = Budget()
    job = training_job("mle", train, data, 5, seed=3, validation=valid, select="best_validation")
    model, curve = train_mle(job, mle_schedule(settings), budget)
    best = min(curve, key=lambda p: p["nll_valid"])
    assert budget.selected_epoch == best["epoch"]
    assert model.nll(valid) == pytest.approx(best["nll_valid"], rel=1e-6)
    assert budget.epochs == 6 and budget.generator_updates == 6 * 6 and budget.training_tokens == 6 * 48 * 4
