"""LeakGAN's discriminator D: a CNN text classifier whose last hidden layer is the leaked feature f.

Eq. 12-13: f = F(s; φ_f) (embedding → conv + ReLU + max-over-time per window
size → highway → dropout) and D(s) = softmax(φ_l f) over {fake, real}; class 1
is "real", so D's reward is the class-1 probability.

Prefixes: D always reads `seq_len` positions. As in the authors' code, a
prefix is scored as the prefix followed by padding; padding is the id -1,
embedded as a learned row 0 (every real id is shifted up by one).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

PAD = -1  # token id that means "no token yet" (embedded as row 0)

# Table 7 (length 20): windows 1..10, 15, 20 with these filter counts.
_BASE_SIZES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
_BASE_COUNTS = (100, 200, 200, 200, 200, 100, 100, 100, 100, 100)
_LONG_COUNT = 160
# Table 7 lists its own long windows for length 40 (the authors' code uses 15, 20, 30 there).
_TABLE7_LONG = {20: (15, 20), 40: (16, 20, 30, 40)}


def filter_sizes(seq_len: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Window sizes and filter counts of D's convolutions for sequences of `seq_len` (Table 7)."""
    if seq_len < 1:
        raise ValueError(f"seq_len must be positive, got {seq_len}")
    if seq_len in _TABLE7_LONG:
        long = _TABLE7_LONG[seq_len]
    else:
        # Real text (authors' COCO setup: 1..10, 15, 20, 32): add the whole length as a window.
        long = tuple(w for w in (15, 20) if w < seq_len) + ((seq_len,) if seq_len > 10 else ())
    sizes = tuple(w for w in _BASE_SIZES if w <= seq_len) + long
    counts = tuple(_BASE_COUNTS[w - 1] if w <= 10 else _LONG_COUNT for w in sizes)
    return sizes, counts


@dataclass
class DiscriminatorConfig:
    vocab_size: int
    seq_len: int
    emb_dim: int = 64
    filter_sizes: tuple[int, ...] = ()
    num_filters: tuple[int, ...] = ()
    dropout: float = 0.0  # the authors keep every unit (keep_prob 1.0) on synthetic data
    l2_reg: float = 0.2

    def __post_init__(self):
        if not self.filter_sizes:
            self.filter_sizes, self.num_filters = filter_sizes(self.seq_len)
        self.filter_sizes, self.num_filters = tuple(self.filter_sizes), tuple(self.num_filters)
        if len(self.filter_sizes) != len(self.num_filters):
            raise ValueError("filter_sizes and num_filters must have the same length")
        if max(self.filter_sizes) > self.seq_len:
            raise ValueError(f"a window of {max(self.filter_sizes)} does not fit sequences of {self.seq_len}")

    @property
    def feature_dim(self) -> int:
        return sum(self.num_filters)


class Highway(nn.Module):
    """One highway layer: t·relu(W x) + (1 − t)·x with gate t = σ(W_t x) (gate bias 0, as the authors)."""

    def __init__(self, dim: int):
        super().__init__()
        self.transform = nn.Linear(dim, dim)
        self.gate = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = torch.sigmoid(self.gate(x))
        return t * F.relu(self.transform(x)) + (1.0 - t) * x


class Discriminator(nn.Module):
    """CNN classifier of whole sequences; `feature` is the leaked feature f (Eq. 12)."""

    def __init__(self, cfg: DiscriminatorConfig):
        super().__init__()
        self.cfg = cfg
        self.embedding = nn.Embedding(cfg.vocab_size + 1, cfg.emb_dim)  # row 0 = padding
        self.convs = nn.ModuleList(nn.Conv1d(cfg.emb_dim, n, w) for w, n in zip(cfg.filter_sizes, cfg.num_filters))
        self.highway = Highway(cfg.feature_dim)
        self.dropout = nn.Dropout(cfg.dropout)
        self.classifier = nn.Linear(cfg.feature_dim, 2)

    def reset_parameters(self, generator: torch.Generator) -> None:
        """Initialise as the authors do (uniform embedding, N(0, 0.1) truncated weights, 0.1 biases)."""
        with torch.no_grad():
            nn.init.uniform_(self.embedding.weight, -1.0, 1.0, generator=generator)
            for layer in [*self.convs, self.classifier, self.highway.transform, self.highway.gate]:
                nn.init.trunc_normal_(layer.weight, std=0.1, a=-0.2, b=0.2, generator=generator)
                nn.init.constant_(layer.bias, 0.1 if layer in (*self.convs, self.classifier) else 0.0)

    def pooled(self, tokens: torch.Tensor) -> torch.Tensor:
        """Max-over-time conv features [B, ΣN] (before the highway) of token sequences [B, seq_len]."""
        x = self.embedding(tokens + 1).transpose(1, 2)  # [B, E, T]
        return torch.cat([F.relu(conv(x)).amax(dim=2) for conv in self.convs], dim=1)

    def head(self, pooled: torch.Tensor) -> torch.Tensor:
        """The leaked feature f from pooled conv features: highway, then dropout."""
        return self.dropout(self.highway(pooled))

    def feature(self, tokens: torch.Tensor) -> torch.Tensor:
        """The leaked feature f [B, F] of token sequences [B, seq_len] (PAD = -1 allowed)."""
        return self.head(self.pooled(tokens))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Class logits [B, 2] (index 1 = real)."""
        return self.classifier(self.feature(tokens))

    def real_prob(self, tokens: torch.Tensor) -> torch.Tensor:
        """D(s): probability [B] that each sequence is real (Eq. 13)."""
        return self.real_prob_of(self.feature(tokens))

    def real_prob_of(self, feature: torch.Tensor) -> torch.Tensor:
        """D(s) from the leaked feature f [B, F] of s (when the caller already has it)."""
        return torch.softmax(self.classifier(feature), dim=1)[:, 1]

    def loss(self, tokens: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Cross-entropy plus l2_reg·(½‖W‖² + ½‖b‖²) of the output layer (the authors' L2)."""
        l2 = 0.5 * (self.classifier.weight.square().sum() + self.classifier.bias.square().sum())
        return F.cross_entropy(self(tokens), labels) + self.cfg.l2_reg * l2
