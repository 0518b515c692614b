"""RankGAN's ranker (Lin et al., NeurIPS 2017): sentences ranked by relevance to human-written references.

The ranker embeds a sentence y = F(s) with the same CNN as LeakGAN's D (the
leaked feature: embedding, convolutions with max-over-time, highway,
dropout), without D's classifier. Relevance to a reference u is the cosine
α(s|u) = cos(y_s, y_u). Against a comparison set C, the rank score is

    P(s | u, C') = exp(γ α(s|u)) / Σ_{s' ∈ C'} exp(γ α(s'|u)),   C' = C ∪ {s},

and the expected log-rank score is log R(s | U, C) = mean_{u ∈ U} log P(s | u, C').
The ranker maximises log R of human-written sentences (compared against
generated ones) minus log R of generated sentences (compared against
human-written ones); the generator's reward is log R of its sentences
(rollouts) compared against human-written ones.

Choices where the paper is vague (also in the README): γ = 1 (the
temperature of the softmax), |U| = 16 references and |C| = 16 comparison
sentences, each drawn fresh from the training data for every ranker batch
and every generator step; the CNN is D's (Table 7 windows, embedding 64).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from leakgan.models.discriminator import Discriminator, DiscriminatorConfig


def log_rank(sentences: torch.Tensor, comparison: torch.Tensor, references: torch.Tensor,
             gamma: float) -> torch.Tensor:
    """log R(s | U, C) [N] of sentence embeddings [N, F] against comparison [C, F] and reference [U, F] embeddings."""
    sims = gamma * F.normalize(sentences, dim=-1) @ F.normalize(references, dim=-1).T  # [N, U]
    others = gamma * F.normalize(comparison, dim=-1) @ F.normalize(references, dim=-1).T  # [C, U]
    log_p = sims - torch.logaddexp(sims, torch.logsumexp(others, dim=0)[None, :])  # [N, U]: s joins its own set
    return log_p.mean(dim=1)


class Ranker(nn.Module):
    """D's CNN as a sentence encoder, scored by `log_rank`."""

    def __init__(self, cfg: DiscriminatorConfig):
        super().__init__()
        self.cfg = cfg
        self.cnn = Discriminator(cfg)  # its classifier stays unused

    def reset_parameters(self, generator: torch.Generator) -> None:
        self.cnn.reset_parameters(generator)

    def embed(self, tokens: torch.Tensor) -> torch.Tensor:
        """y = F(s) [B, F] for token sequences [B, T]."""
        return self.cnn.feature(tokens)

    def loss(self, real: torch.Tensor, fake: torch.Tensor, references: torch.Tensor, gamma: float) -> torch.Tensor:
        """−(mean log R(real | U, fake) − mean log R(fake | U, real)): the ranker's objective, to minimise."""
        y_real, y_fake, y_ref = self.embed(real), self.embed(fake), self.embed(references)
        return -(log_rank(y_real, y_fake, y_ref, gamma).mean() - log_rank(y_fake, y_real, y_ref, gamma).mean())

    @torch.no_grad()
    def scores(self, tokens: torch.Tensor, comparison: torch.Tensor, references: torch.Tensor, gamma: float,
               chunk: int = 4096) -> torch.Tensor:
        """log R(s | U, C) [N] of token sequences against human-written comparison and reference sentences."""
        y_c, y_u = self.embed(comparison), self.embed(references)
        return torch.cat([log_rank(self.embed(part), y_c, y_u, gamma) for part in tokens.split(chunk)])
