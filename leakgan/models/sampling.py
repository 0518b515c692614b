"""Drawing tokens from logits, shared by the oracle and the generators."""
from __future__ import annotations

import torch

START_TOKEN = 0  # every generator (and the oracle) starts by feeding token 0
# The lowest α accepted anywhere (config schemas say 0.05 too): below it softmax(logits / α) is an argmax
# in float32 for most logits, and at 0 no distribution at all.
MIN_TEMPERATURE = 0.05
_BLOCK = 64  # vocabulary entries per block of the two-level search


def categorical(logits: torch.Tensor, generator: torch.Generator | None, uniform: torch.Tensor | None = None) -> torch.Tensor:
    """One token per row of `logits` [N, V], by inverse-CDF sampling with a seeded generator.

    torch.multinomial is several times slower on CPU for vocabularies of
    thousands, and so is a cumulative sum over the whole vocabulary. One
    uniform number per row is searched for in two levels: among the running
    totals of blocks of 64 probabilities, then inside the chosen block.
    """
    n, vocab = logits.shape
    probs = torch.softmax(logits.float(), dim=-1)  # one fused pass
    full = vocab // _BLOCK
    sums = probs[:, :full * _BLOCK].view(n, full, _BLOCK).sum(dim=-1)
    if full * _BLOCK < vocab:
        sums = torch.cat([sums, probs[:, full * _BLOCK:].sum(dim=-1, keepdim=True)], dim=1)
    cdf = sums.cumsum(dim=-1)  # [N, blocks]
    # `uniform` [N, 1] in [0, 1): the caller's own draws (so that how rows are batched cannot change them)
    u = (torch.rand(n, 1, generator=generator, device=logits.device) if uniform is None else uniform) * cdf[:, -1:]
    block = torch.searchsorted(cdf, u).clamp_(max=cdf.shape[1] - 1)  # [N, 1]
    before = torch.where(block > 0, cdf.gather(1, (block - 1).clamp(min=0)), 0.0)
    columns = block * _BLOCK + torch.arange(_BLOCK, device=logits.device)  # [N, 64]
    inner = probs.gather(1, columns.clamp(max=vocab - 1))
    inner = torch.where(columns < vocab, inner, 0.0).cumsum(dim=-1)
    # rounding can leave u just above the block's own total: take its last entry that has mass
    last = (inner < inner[:, -1:]).sum(dim=1, keepdim=True)
    within = torch.minimum(torch.searchsorted(inner, u - before), last)
    return (block * _BLOCK + within).squeeze(1)
