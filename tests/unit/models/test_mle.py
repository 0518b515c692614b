"""The MLE baseline: shapes, a learnable toy task, sampling and checkpoints."""
from __future__ import annotations

import torch

from leakgan.models.mle import MLEConfig, MLEGenerator
from leakgan.train.mle import train_mle

SETTINGS = {"emb_dim": 16, "hidden_dim": 16, "batch_size": 16, "lr": 0.02, "epochs": 8, "eval_every": 4,
            "curve_samples": 20, "grad_clip": 5.0, "temperature": 1.0}


def cyclic_data(n=64, length=6, vocab=5):
    # Deterministic sequences 1,2,3,4,1,... from a random start: easy to learn by MLE.
    starts = torch.arange(n) % (vocab - 1)
    return (starts[:, None] + torch.arange(length)[None, :]) % (vocab - 1) + 1


def test_shapes_and_gradients():
    model = MLEGenerator(MLEConfig(vocab_size=11, seq_len=7, emb_dim=4, hidden_dim=6))
    tokens = torch.randint(0, 11, (3, 7))
    assert model(tokens).shape == (3, 7, 11)
    model.loss(tokens).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


def test_mle_learns_a_deterministic_cycle():
    data = cyclic_data()
    model, curve = train_mle(data, data, vocab_size=5, settings=SETTINGS, seed=1, device=torch.device("cpu"))
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
    a, curve_a = train_mle(data, data, 5, settings, seed=3, device=torch.device("cpu"))
    b, curve_b = train_mle(data, data, 5, settings, seed=3, device=torch.device("cpu"))
    assert curve_a == curve_b
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    again = MLEGenerator.from_checkpoint(a.checkpoint(settings, None))
    assert again.nll(data) == a.nll(data)


def test_low_temperature_sharpens_samples():
    torch.manual_seed(0)
    model = MLEGenerator(MLEConfig(vocab_size=50, seq_len=10, emb_dim=8, hidden_dim=8))
    hot = model.sample(400, 1.0, torch.Generator().manual_seed(1))
    cold = model.sample(400, 0.05, torch.Generator().manual_seed(1))
    # Near-greedy sampling visits far fewer distinct tokens.
    assert len(torch.unique(cold)) < len(torch.unique(hot))
