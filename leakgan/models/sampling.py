"""Drawing tokens from logits, shared by the oracle and the generators."""
from __future__ import annotations

import torch


def categorical(logits: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One token per row of `logits` [N, V], by inverse-CDF sampling with a seeded generator.

    torch.multinomial is several times slower on CPU for vocabularies of
    thousands; a cumulative sum and a binary search draw from the same
    distribution with one uniform number per row.
    """
    probs = torch.softmax(logits.float(), dim=-1)  # one fused pass
    cdf = probs.cumsum(dim=-1)
    u = torch.rand(logits.shape[0], 1, generator=generator, device=logits.device) * cdf[:, -1:]
    return torch.searchsorted(cdf, u).squeeze(1).clamp_(max=logits.shape[-1] - 1)
