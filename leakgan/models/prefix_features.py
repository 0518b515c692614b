"""D's leaked feature of every prefix of a sequence, grown one token at a time.

Generation needs f_t for each prefix x[:t] (scored as the prefix followed by
padding). `PrefixFeatures` updates only the convolution windows that the
newest token touches; `FullPrefix` is the straightforward reference that
re-runs D's CNN on the padded prefix at every step. Both offer the same
interface (start, push, select, cat); `prefix_features` computes all
prefixes of given sequences with either.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

from leakgan.models.discriminator import PAD, Discriminator


def prefix_features(D: Discriminator, tokens: torch.Tensor, mode: str = "incremental", chunk: int = 4096) -> torch.Tensor:
    """Features [B, L+1, F] of every prefix of tokens [B, L]: index t is tokens[:, :t] then padding.

    t = 0 is the empty prefix (all padding) and t = L the whole input; the
    input is padded to seq_len, so L may be shorter than seq_len. `mode`
    "incremental" grows the prefix one token at a time (PrefixFeatures);
    "full" re-runs the CNN on every padded prefix (the reference).
    """
    batch, length = tokens.shape
    if mode == "incremental":
        state = PrefixFeatures.start(D, batch, tokens.device)
        pooled = [state.pooled]
        for t in range(length):
            state.push(tokens[:, t])
            pooled.append(state.pooled)
        return D.head(torch.stack(pooled, dim=1))
    if mode != "full":
        raise ValueError(f"feature mode must be 'incremental' or 'full', not {mode!r}")
    seq_len = D.cfg.seq_len
    keep = torch.arange(seq_len, device=tokens.device)[None, :] < torch.arange(length + 1, device=tokens.device)[:, None]
    padded = torch.full((batch, seq_len), PAD, dtype=tokens.dtype, device=tokens.device)
    padded[:, :length] = tokens
    prefixes = torch.where(keep[None], padded[:, None, :], PAD).reshape(-1, seq_len)  # [B·(L+1), T]
    feats = [D.feature(prefixes[i:i + chunk]) for i in range(0, prefixes.shape[0], chunk)]
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
