"""The MLE baseline: an LSTM language model (emb 32, hidden 32 in the paper's synthetic runs).

Its training is `leakgan.train.mle`; its config block is `mle` (mle.schema.yaml).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from leakgan.errors import UserError
from leakgan.models.sampling import START_TOKEN, categorical


@dataclass
class MLEConfig:
    vocab_size: int
    seq_len: int
    emb_dim: int
    hidden_dim: int


class MLEGenerator(nn.Module):
    """Token embedding → LSTM → linear to the vocabulary."""

    def __init__(self, cfg: MLEConfig):
        super().__init__()
        self.cfg = cfg
        self.embedding = nn.Embedding(cfg.vocab_size, cfg.emb_dim)
        self.lstm = nn.LSTM(cfg.emb_dim, cfg.hidden_dim, batch_first=True)
        self.out = nn.Linear(cfg.hidden_dim, cfg.vocab_size)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Teacher-forced logits [B, T, V] for predicting tokens[:, t] from tokens[:, :t]."""
        start = torch.full_like(tokens[:, :1], START_TOKEN)
        inputs = torch.cat([start, tokens[:, :-1]], dim=1)
        hidden, _ = self.lstm(self.embedding(inputs))
        return self.out(hidden)

    def loss(self, tokens: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
        """Mean per-token negative log-likelihood of a batch (under softmax(logits / temperature))."""
        logits = self.forward(tokens)
        if temperature != 1.0:
            logits = logits / temperature
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens.reshape(-1))

    @torch.inference_mode()
    def nll(self, tokens: torch.Tensor, batch_size: int = 1000, temperature: float = 1.0) -> float:
        """Mean per-token NLL of `tokens` [N, T] under the model at α = temperature (NLL-test on held-out data)."""
        device = self.out.weight.device
        total, count = 0.0, 0
        for start in range(0, tokens.shape[0], batch_size):
            batch = tokens[start:start + batch_size].to(device)
            total += float(self.loss(batch, temperature).double()) * batch.numel()
            count += batch.numel()
        return total / count

    @torch.inference_mode()
    def sample(self, num: int, temperature: float, generator: torch.Generator, batch_size: int = 1000,
               prefix: list[int] | None = None) -> torch.Tensor:
        """Draw `num` sequences with logits divided by `temperature` (α); with `prefix`, each starts with those
        tokens (no random number is drawn for them)."""
        device = self.out.weight.device
        forced = torch.tensor(prefix or [], dtype=torch.long, device=device)
        chunks = []
        for start in range(0, num, batch_size):
            n = min(batch_size, num - start)
            token = torch.full((n,), START_TOKEN, dtype=torch.long, device=device)
            state = None
            seq = []
            for t in range(self.cfg.seq_len):
                hidden, state = self.lstm(self.embedding(token)[:, None, :], state)
                if t < len(forced):
                    token = forced[t].expand(n)
                else:
                    token = categorical(self.out(hidden[:, 0]) / temperature, generator)
                seq.append(token)
            chunks.append(torch.stack(seq, dim=1))
        return torch.cat(chunks).cpu()

    @torch.no_grad()
    def states_along(self, tokens: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """The LSTM state (h, c) [1, B, H] after reading the start token and x_0..x_{t-1}, for t = 0..T-1."""
        token = torch.full_like(tokens[:, 0], START_TOKEN)
        state, states = None, []
        for t in range(tokens.shape[1]):
            _, state = self.lstm(self.embedding(token)[:, None, :], state)
            states.append(state)
            token = tokens[:, t]
        return states

    @torch.no_grad()
    def rollouts(self, tokens: torch.Tensor, repeats: int, temperature: float, generator: torch.Generator,
                 chunk: int = 4096) -> torch.Tensor:
        """Per-token Monte Carlo rollouts (SeqGAN): [R, T-1, B, T], index g-1 keeps tokens[:, :g] and samples the rest.

        All prefix lengths g = 1..T-1 and all repeats run as one batch that
        grows as the position reaches each g; the prefix is never re-run (its
        states come from one pass along `tokens`). Groups of sequences are
        stepped together, each group at most `chunk` rollouts (but never less
        than one sequence's R·(T-1)). Every (position, g, repeat, sequence)
        has its own uniform number, drawn up front, so the grouping never
        changes the result.
        """
        B, T = tokens.shape
        R, G = repeats, T - 1
        out = torch.empty(R, G, B, T, dtype=torch.long, device=tokens.device)
        if G == 0:
            return out
        uniforms = torch.rand(T, G, R, B, generator=generator, device=tokens.device)
        states = self.states_along(tokens)
        group = max(1, chunk // (R * G))
        for first in range(0, B, group):
            rows = torch.arange(first, min(B, first + group), device=tokens.device)
            index = rows.repeat(R)  # a prefix length's block: rows ordered (repeat, sequence)
            active_tokens, h, c = None, None, None
            for t in range(1, T):
                # the rollouts that keep t tokens join, from the state after x_{t-1}
                block_h, block_c = (x[:, index] for x in states[t])
                block = tokens[index]
                active_tokens = block if active_tokens is None else torch.cat([active_tokens, block])
                h = block_h if h is None else torch.cat([h, block_h], dim=1)
                c = block_c if c is None else torch.cat([c, block_c], dim=1)
                token = categorical(self.out(h[0]) / temperature, None, uniforms[t, :t][:, :, rows].reshape(-1, 1))
                active_tokens[:, t] = token
                if t < T - 1:
                    _, (h, c) = self.lstm(self.embedding(token)[:, None, :], (h, c))
            k = len(rows)
            out[:, :, rows] = active_tokens.view(G, R, k, T).transpose(0, 1)
        return out

    def checkpoint(self, name: str, settings: dict, pad_id: int | None) -> dict:
        """Everything needed to rebuild this model (the LSTM generators' checkpoint format); `name`: its registry name."""
        return {"model": name, "settings": settings, "config": asdict(self.cfg), "pad_id": pad_id,
                "vocab_size": self.cfg.vocab_size, "seq_len": self.cfg.seq_len,
                "state": {k: v.detach().cpu().clone() for k, v in self.state_dict().items()}}

    @classmethod
    def from_checkpoint(cls, ckpt: dict, device: str | torch.device = "cpu") -> "MLEGenerator":
        """Rebuild from a dict made by `checkpoint`."""
        try:
            model = cls(MLEConfig(**ckpt["config"]))
            model.load_state_dict(ckpt["state"])
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise UserError(f"not a complete MLE checkpoint ({type(exc).__name__}: {exc}); "
                            "delete it and re-run the MLE pretrain stage") from None
        return model.to(device).eval()
