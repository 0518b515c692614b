"""The LSTM generator of the MLE baseline (and of SeqGAN and RankGAN): shapes, sampling, per-token rollouts."""
from __future__ import annotations

import math

import pytest
import torch

from leakgan.models.mle import MLEConfig, MLEGenerator

torch.set_num_threads(1)

V, T = 30, 8


def test_shapes_and_gradients():
    model = MLEGenerator(MLEConfig(vocab_size=11, seq_len=7, emb_dim=4, hidden_dim=6))
    tokens = torch.randint(0, 11, (3, 7))
    assert model(tokens).shape == (3, 7, 11)
    model.loss(tokens).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


def test_low_temperature_sharpens_samples():
    torch.manual_seed(0)
    model = MLEGenerator(MLEConfig(vocab_size=50, seq_len=10, emb_dim=8, hidden_dim=8))
    hot = model.sample(400, 1.0, torch.Generator().manual_seed(1))
    cold = model.sample(400, 0.05, torch.Generator().manual_seed(1))
    # Near-greedy sampling visits far fewer distinct tokens.
    assert len(torch.unique(cold)) < len(torch.unique(hot))



# ------------------------------------------------------------------ rollouts (SeqGAN's and RankGAN's rewards)


def generator(seed: int = 0, vocab: int = V, length: int = T) -> MLEGenerator:
    torch.manual_seed(seed)
    return MLEGenerator(MLEConfig(vocab_size=vocab, seq_len=length, emb_dim=8, hidden_dim=8)).eval()


def distinct_samples(n: int = 16) -> torch.Tensor:
    samples = torch.randint(0, V, (n, T), generator=torch.Generator().manual_seed(5))
    assert len({tuple(row) for row in samples.tolist()}) == n
    return samples


@pytest.mark.parametrize("chunk", [4096, 3])
def test_rollouts_keep_the_prefix_and_complete_randomly(chunk):
    model = generator()
    tokens = distinct_samples(5)
    R = 4
    out = model.rollouts(tokens, R, 1.0, torch.Generator().manual_seed(7), chunk=chunk)
    assert out.shape == (R, T - 1, 5, T) and out.dtype == torch.long
    assert int(out.min()) >= 0 and int(out.max()) < V
    for g in range(1, T):
        assert torch.equal(out[:, g - 1, :, :g], tokens[:, :g].expand(R, 5, g))
        # the repeats differ somewhere in their sampled completions
        completions = out[:, g - 1, :, g:]
        assert any(not torch.equal(completions[0], completions[r]) for r in range(1, R)), g
    # a completion is not the sample itself everywhere (the rollouts are sampled, not copied)
    assert not torch.equal(out[:, 0], tokens.expand(R, 5, T))


def test_rollouts_of_length_one_are_empty():
    model = generator(length=1)
    out = model.rollouts(torch.zeros(3, 1, dtype=torch.long), 2, 1.0, torch.Generator().manual_seed(0))
    assert out.shape == (2, 0, 3, 1)


@pytest.mark.parametrize("chunk", [1, 7, 2 * (T - 1), 2 * (T - 1) * 3])
def test_rollout_chunking_does_not_change_the_numbers(chunk):
    model = generator()
    tokens = distinct_samples(5)
    whole = model.rollouts(tokens, 2, 1.0, torch.Generator().manual_seed(7), chunk=4096)
    parts = model.rollouts(tokens, 2, 1.0, torch.Generator().manual_seed(7), chunk=chunk)
    differ = float((parts != whole).float().mean())
    assert differ == 0.0, f"rollouts depend on chunk={chunk}: {differ:.0%} of the tokens differ"


@pytest.mark.parametrize("chunk", [4096, 2])
def test_degenerate_generator_completes_with_its_only_token(chunk):
    model = generator()
    with torch.no_grad():
        model.out.bias.zero_()
        model.out.bias[3] = 50.0
    tokens = distinct_samples(6)
    out = model.rollouts(tokens, 3, 1.0, torch.Generator().manual_seed(1), chunk=chunk)
    for g in range(1, T):
        assert torch.equal(out[:, g - 1, :, :g], tokens[:, :g].expand(3, 6, g))
        assert (out[:, g - 1, :, g:] == 3).all(), g


def test_tempered_nll_equals_log_softmax_of_logits_over_alpha_by_hand():
    model = MLEGenerator(MLEConfig(vocab_size=3, seq_len=2, emb_dim=2, hidden_dim=2))
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
        model.out.bias.copy_(torch.tensor([0.0, 1.0, 2.0]))  # logits [0, 1, 2] at every step
    tokens = torch.tensor([[2, 1]])
    # α = 0.5: logits / α = [0, 2, 4]; NLL = logsumexp - mean(4, 2)
    assert model.nll(tokens, temperature=0.5) == pytest.approx(math.log(1 + math.e ** 2 + math.e ** 4) - 3, rel=1e-6)
    assert model.nll(tokens) == pytest.approx(math.log(1 + math.e + math.e ** 2) - 1.5, rel=1e-6)
