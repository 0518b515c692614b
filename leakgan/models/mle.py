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

    def loss(self, tokens: torch.Tensor) -> torch.Tensor:
        """Mean per-token negative log-likelihood of a batch."""
        logits = self.forward(tokens)
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens.reshape(-1))

    @torch.inference_mode()
    def nll(self, tokens: torch.Tensor, batch_size: int = 1000) -> float:
        """Mean per-token NLL of `tokens` [N, T] (NLL-test when given held-out data)."""
        device = self.out.weight.device
        total, count = 0.0, 0
        for start in range(0, tokens.shape[0], batch_size):
            batch = tokens[start:start + batch_size].to(device)
            total += float(self.loss(batch).double()) * batch.numel()
            count += batch.numel()
        return total / count

    @torch.inference_mode()
    def sample(self, num: int, temperature: float, generator: torch.Generator, batch_size: int = 1000) -> torch.Tensor:
        """Draw `num` sequences with logits divided by `temperature` (α)."""
        device = self.out.weight.device
        chunks = []
        for start in range(0, num, batch_size):
            n = min(batch_size, num - start)
            token = torch.full((n,), START_TOKEN, dtype=torch.long, device=device)
            state = None
            seq = []
            for _ in range(self.cfg.seq_len):
                hidden, state = self.lstm(self.embedding(token)[:, None, :], state)
                token = categorical(self.out(hidden[:, 0]) / temperature, generator)
                seq.append(token)
            chunks.append(torch.stack(seq, dim=1))
        return torch.cat(chunks).cpu()

    def checkpoint(self, settings: dict, pad_id: int | None) -> dict:
        """Everything needed to rebuild this model (the `mle` checkpoint format)."""
        return {"model": "mle", "settings": settings, "config": asdict(self.cfg), "pad_id": pad_id,
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
