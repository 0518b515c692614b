"""The inverse-CDF sampler draws from softmax(logits), including the vocabulary's last partial block."""
import pytest
import torch

from leakgan.models.sampling import categorical


@pytest.mark.parametrize("vocab", [1, 5, 64, 130, 5000])
def test_frequencies_follow_the_softmax(vocab):
    gen = torch.Generator().manual_seed(vocab)
    logits = torch.randn(1, vocab, generator=gen) * 2
    logits[0, vocab // 3] = -200.0  # probability 0 in float32
    logits[0, -1] = 3.0  # the last entry (in the partial block) is likely
    n = min(200_000, 50_000_000 // vocab)
    draws = categorical(logits.expand(n, vocab).contiguous(), gen)
    assert draws.dtype == torch.long and draws.shape == (n,)
    assert int(draws.min()) >= 0 and int(draws.max()) < vocab
    freq = torch.bincount(draws, minlength=vocab).double() / n
    probs = torch.softmax(logits[0].double(), dim=0)
    if vocab > 1:
        assert int((draws == vocab // 3).sum()) == 0
    # the largest deviation of any single frequency stays within 5 binomial standard deviations
    sd = (probs * (1 - probs) / n).sqrt()
    assert float(((freq - probs).abs() - 5 * sd).max()) < 1e-4


def test_rows_are_independent_and_reproducible():
    logits = torch.randn(6, 300, generator=torch.Generator().manual_seed(0))
    a = categorical(logits, torch.Generator().manual_seed(1))
    b = categorical(logits, torch.Generator().manual_seed(1))
    assert torch.equal(a, b)
    peaked = torch.full((4, 300), -50.0)
    peaked[torch.arange(4), torch.tensor([0, 63, 64, 299])] = 50.0
    assert categorical(peaked, torch.Generator().manual_seed(2)).tolist() == [0, 63, 64, 299]
