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

    def prefix_features(self, tokens: torch.Tensor, mode: str = "incremental", chunk: int = 4096) -> torch.Tensor:
        """Features [B, L+1, F] of every prefix of tokens [B, L]: index t is tokens[:, :t] then padding.

        t = 0 is the empty prefix (all padding) and t = L the whole input; the
        input is padded to seq_len, so L may be shorter than seq_len. `mode`
        "incremental" grows the prefix one token at a time (PrefixFeatures);
        "full" re-runs the CNN on every padded prefix (the reference).
        """
        batch, length = tokens.shape
        if mode == "incremental":
            state = PrefixFeatures.start(self, batch, tokens.device)
            pooled = [state.pooled]
            for t in range(length):
                state.push(tokens[:, t])
                pooled.append(state.pooled)
            return self.head(torch.stack(pooled, dim=1))
        if mode != "full":
            raise ValueError(f"feature mode must be 'incremental' or 'full', not {mode!r}")
        seq_len = self.cfg.seq_len
        keep = torch.arange(seq_len, device=tokens.device)[None, :] < torch.arange(length + 1, device=tokens.device)[:, None]
        padded = torch.full((batch, seq_len), PAD, dtype=tokens.dtype, device=tokens.device)
        padded[:, :length] = tokens
        prefixes = torch.where(keep[None], padded[:, None, :], PAD).reshape(-1, seq_len)  # [B·(L+1), T]
        feats = [self.feature(prefixes[i:i + chunk]) for i in range(0, prefixes.shape[0], chunk)]
        return torch.cat(feats).reshape(batch, length + 1, -1)


@dataclass
class _TapWeights:
    """D's conv weights rearranged for PrefixFeatures (recomputed whenever D's weights may have changed)."""

    emb_delta: torch.Tensor  # [V+1, E]: embedding rows minus the padding row
    taps: torch.Tensor  # [E, Σ w·n]: conv i's block is [w, n] with its taps in reverse order
    base: list[torch.Tensor]  # per conv [n]: bias + the all-padding window's pre-activation
    blocks: list[tuple[int, int, int]]  # per conv (offset into taps' columns, w, n)
    seq_len: int
    table: torch.Tensor | None = None  # [V+1, Σ w·n] = emb_delta @ taps, when worth its memory

    def projection(self, tokens: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
        """(e(x) − e_pad)·W_j for every tap j of every conv: [B, Σ w·n] (into `out` when given)."""
        if self.table is not None:
            return torch.index_select(self.table, 0, tokens + 1, out=out) if out is not None else self.table[tokens + 1]
        return torch.matmul(self.emb_delta[tokens + 1], self.taps, out=out)


class PrefixFeatures:
    """Pooled conv features of a batch of prefixes that grow one token at a time (no gradient).

    A prefix is scored as its tokens followed by padding. For each conv, `acc`
    holds the pre-activation (bias included) of every window position p of
    the padded sequence; appending token x at position t adds (e(x) − e_pad)·W_j
    to the windows that cover t (j = t − p), so a step costs Σ w·n·E, not a
    pass of the CNN over seq_len positions. Windows that ended before t no
    longer change and live on as a running maximum (`best`); windows that
    start after t are all padding and equal; so the max over time of a step
    reads only the ≤ w windows from t − w + 2 to t + 1.
    """

    def __init__(self, weights: _TapWeights, acc: list[torch.Tensor], best: list[torch.Tensor], length: int,
                 pooled: torch.Tensor):
        self.weights, self.acc, self.best, self.length, self.pooled = weights, acc, best, length, pooled
        # Reused by every push: a fresh [B, Σ w·n] buffer per step (50 MB at B = 1000) costs
        # more in page faults than the projection itself.
        self._projection = None

    @staticmethod
    @torch.no_grad()
    def weights_of(D: Discriminator, table: bool = False) -> _TapWeights:
        """D's weights in the form `push` uses; `table` precomputes every token's projection
        ((V+1) × Σ w·n floats), which pays off when many more tokens than V will be pushed."""
        rows = D.embedding.weight
        pad = rows[0]
        taps, base, blocks, offset = [], [], [], 0
        for conv in D.convs:
            n, _, w = conv.weight.shape
            taps.append(conv.weight.flip(2).permute(1, 2, 0).reshape(-1, w * n))  # [E, w·n], tap w−1−j first
            base.append(conv.bias + torch.einsum("new,e->n", conv.weight, pad))
            blocks.append((offset, w, n))
            offset += w * n
        wts = _TapWeights(rows - pad, torch.cat(taps, dim=1).contiguous(), base, blocks, D.cfg.seq_len)
        if table:
            wts.table = wts.emb_delta @ wts.taps
        return wts

    @classmethod
    @torch.no_grad()
    def start(cls, D: Discriminator, batch: int, device, weights: _TapWeights | None = None) -> "PrefixFeatures":
        """The empty prefix (all padding) of `batch` rows."""
        wts = weights if weights is not None else cls.weights_of(D)
        T = wts.seq_len
        acc = [b.expand(batch, T - w + 1, n).clone() for b, (_, w, n) in zip(wts.base, wts.blocks)]
        best = [torch.full((batch, n), float("-inf"), device=device) for _, _, n in wts.blocks]
        pooled = torch.cat([F.relu(b).expand(batch, -1) for b in wts.base], dim=1)
        return cls(wts, acc, best, 0, pooled)

    @torch.no_grad()
    def push(self, tokens: torch.Tensor) -> torch.Tensor:
        """Append tokens [B] (ids ≥ 0) at position `length`; returns the new pooled features [B, ΣN]."""
        wts, t, T = self.weights, self.length, self.weights.seq_len
        if t >= T:
            raise ValueError(f"the prefix already holds all {T} positions")
        if self._projection is None or self._projection.shape[0] != tokens.shape[0]:
            self._projection = wts.taps.new_empty(tokens.shape[0], wts.taps.shape[1])
        proj = wts.projection(tokens, self._projection)  # [B, Σ w·n]
        out = []
        for (offset, w, n), acc, best in zip(wts.blocks, self.acc, self.best):
            block = proj[:, offset:offset + w * n].view(-1, w, n)
            lo, hi = max(0, t - w + 1), min(t, T - w)  # windows covering position t
            if lo <= hi:
                acc[:, lo:hi + 1] += block[:, w - 1 - t + lo:w - t + hi]
            if 0 <= t - w + 1 <= T - w:  # the window ending at t is complete: fold it into the running max
                torch.maximum(best, acc[:, t - w + 1], out=best)
            lo, hi = max(0, t - w + 2), min(t + 1, T - w)  # partial windows and the first all-padding one
            if lo <= hi:
                partial = acc[:, lo:hi + 1].amax(dim=1)
                out.append(torch.maximum(partial, best, out=partial))
            else:
                out.append(best)
        self.length = t + 1
        self.pooled = torch.cat(out, dim=1).relu_()
        return self.pooled

    def select(self, index: torch.Tensor) -> "PrefixFeatures":
        """The rows `index` (a copy) of this state."""
        return PrefixFeatures(self.weights, [a[index] for a in self.acc], [b[index] for b in self.best],
                              self.length, self.pooled[index])

    @staticmethod
    def cat(states: list["PrefixFeatures"]) -> "PrefixFeatures":
        """The rows of several states of the same length, in order."""
        first = states[0]
        if any(s.length != first.length for s in states):
            raise ValueError("only states of the same prefix length can be joined")
        return PrefixFeatures(first.weights, [torch.cat(parts) for parts in zip(*(s.acc for s in states))],
                              [torch.cat(parts) for parts in zip(*(s.best for s in states))], first.length,
                              torch.cat([s.pooled for s in states]))


class FullPrefix:
    """The reference for PrefixFeatures: the same interface, re-running the CNN on the padded prefix each step."""

    def __init__(self, D: Discriminator, tokens: torch.Tensor, length: int, pooled: torch.Tensor):
        self.D, self.tokens, self.length, self.pooled = D, tokens, length, pooled

    @classmethod
    @torch.no_grad()
    def start(cls, D: Discriminator, batch: int, device) -> "FullPrefix":
        tokens = torch.full((batch, D.cfg.seq_len), PAD, dtype=torch.long, device=device)
        return cls(D, tokens, 0, D.pooled(tokens))

    @torch.no_grad()
    def push(self, tokens: torch.Tensor) -> torch.Tensor:
        if self.length >= self.D.cfg.seq_len:
            raise ValueError(f"the prefix already holds all {self.D.cfg.seq_len} positions")
        self.tokens[:, self.length] = tokens
        self.length += 1
        self.pooled = self.D.pooled(self.tokens)
        return self.pooled

    def select(self, index: torch.Tensor) -> "FullPrefix":
        return FullPrefix(self.D, self.tokens[index], self.length, self.pooled[index])

    @staticmethod
    def cat(states: list["FullPrefix"]) -> "FullPrefix":
        first = states[0]
        if any(s.length != first.length for s in states):
            raise ValueError("only states of the same prefix length can be joined")
        return FullPrefix(first.D, torch.cat([s.tokens for s in states]), first.length,
                          torch.cat([s.pooled for s in states]))
