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

`rank_score: batch_softmax` is desire2020/RankGAN's code instead
(discriminator.py, rollout.py): a sentence's score is its cosine to the mean
of the l2-normalised reference embeddings (|U| = 4 there), turned into a
probability by a softmax over the batch being scored; the generator's reward
is that probability (mean over the rollouts), and the ranker minimises
(−mean log p(real) + mean log p(fake)) / |U| over batches that mix real and
generated sentences.

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


def mean_reference_scores(sentences: torch.Tensor, references: torch.Tensor, gamma: float) -> torch.Tensor:
    """γ · cos̄ [N]: each sentence embedding's mean cosine to the references, normalise(y_s) · mean_u normalise(y_u).

    desire2020/RankGAN (discriminator.py): `reference` = the mean of the l2-normalised reference features,
    `scores` = normalise(feature) @ reference.
    """
    reference = F.normalize(references, dim=-1).mean(dim=0)
    return gamma * (F.normalize(sentences, dim=-1) @ reference)


def batch_log_softmax(sentences: torch.Tensor, references: torch.Tensor, gamma: float) -> torch.Tensor:
    """log p [N]: the log-softmax over the batch of `mean_reference_scores` (their `log_score`)."""
    return torch.log_softmax(mean_reference_scores(sentences, references, gamma), dim=0)


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

    def batch_softmax_loss(self, real: torch.Tensor, fake: torch.Tensor, references: torch.Tensor,
                           gamma: float) -> torch.Tensor:
        """desire2020/RankGAN's ranker loss on one batch of real and generated sentences ranked together:
        (−mean log p(real) + mean log p(fake)) / |U|, p the softmax over the batch (`batch_log_softmax`)."""
        log_p = batch_log_softmax(self.embed(torch.cat([real, fake])), self.embed(references), gamma)
        n = len(real)
        return (-log_p[:n].mean() + log_p[n:].mean()) / len(references)

    @torch.no_grad()
    def batch_softmax_scores(self, tokens: torch.Tensor, references: torch.Tensor, gamma: float) -> torch.Tensor:
        """p [N]: the softmax over the batch `tokens` of their mean cosine to the references (their `ypred_for_auc`,
        the generator's reward in desire2020/RankGAN's rollout.py)."""
        return batch_log_softmax(self.embed(tokens), self.embed(references), gamma).exp()

    @torch.no_grad()
    def scores(self, tokens: torch.Tensor, comparison: torch.Tensor, references: torch.Tensor, gamma: float,
               chunk: int = 4096) -> torch.Tensor:
        """log R(s | U, C) [N] of token sequences against human-written comparison and reference sentences."""
        y_c, y_u = self.embed(comparison), self.embed(references)
        return torch.cat([log_rank(self.embed(part), y_c, y_u, gamma) for part in tokens.split(chunk)])
