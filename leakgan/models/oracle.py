"""The synthetic-data oracle: an LSTM with N(0, 1) weights that defines the "real" distribution.

The standard oracle (SeqGAN, LeakGAN, Texygen) is a Python 2 pickle of 15
numpy arrays. Gates follow that file's layout:
i = σ(x Wi + h Ui + bi), f = σ(x Wf + h Uf + bf), o = σ(x Wog + h Uog + bog),
c̃ = tanh(x Wc + h Uc + bc), c = f·c + i·c̃, h = o·tanh(c), logits = h Wo + bo.
Generation starts from token 0 with a zero state.
"""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import torch
from torch import nn

from leakgan.errors import UserError
from leakgan.models.sampling import categorical

# The file lists its arrays in this order.
PARAM_NAMES = (
    "embedding",
    "Wi", "Ui", "bi",
    "Wf", "Uf", "bf",
    "Wog", "Uog", "bog",
    "Wc", "Uc", "bc",
    "Wo", "bo",
)

# Only what numpy needs to rebuild an array may be loaded from an oracle pickle.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
}


class _ArrayOnlyUnpickler(pickle.Unpickler):
    def __init__(self, handle, path):
        super().__init__(handle, encoding="latin1")
        self._path = path

    def find_class(self, module, name):
        if (module, name) not in _ALLOWED_GLOBALS:
            raise UserError(
                f"{self._path}: refusing to load: the pickle asks for {module}.{name}, "
                "but an oracle file may hold only numpy arrays; use the standard target_params.pkl"
            )
        return super().find_class(module, name)


def load_oracle_pickle(path: str | Path) -> list[np.ndarray]:
    """Read the standard oracle pickle, admitting nothing but numpy array reconstruction."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: oracle file not found; fix datasets.<name>.oracle_params in config.yaml")
    with open(path, "rb") as handle:
        try:
            arrays = _ArrayOnlyUnpickler(handle, path).load()
        except UserError:
            raise
        except Exception as exc:  # a truncated or foreign file: say which, not how it broke
            raise UserError(f"{path}: not a readable oracle pickle ({type(exc).__name__}: {exc})") from None
    if not isinstance(arrays, list) or len(arrays) != len(PARAM_NAMES) or not all(
        isinstance(a, np.ndarray) for a in arrays
    ):
        raise UserError(f"{path}: expected a list of {len(PARAM_NAMES)} numpy arrays (the standard oracle layout)")
    return arrays


class Oracle(nn.Module):
    """The oracle LSTM; its parameters are fixed (never trained)."""

    def __init__(self, vocab_size: int, emb_dim: int = 32, hidden_dim: int = 32):
        super().__init__()
        self.vocab_size, self.emb_dim, self.hidden_dim = vocab_size, emb_dim, hidden_dim
        shapes = {
            "embedding": (vocab_size, emb_dim),
            "Wo": (hidden_dim, vocab_size),
            "bo": (vocab_size,),
        }
        for gate in ("i", "f", "og", "c"):
            shapes[f"W{gate}"] = (emb_dim, hidden_dim)
            shapes[f"U{gate}"] = (hidden_dim, hidden_dim)
            shapes[f"b{gate}"] = (hidden_dim,)
        for name in PARAM_NAMES:
            self.register_buffer(name, torch.zeros(shapes[name]))
        self.eval()

    @classmethod
    def random(cls, vocab_size: int, emb_dim: int, hidden_dim: int, std: float, generator: torch.Generator) -> "Oracle":
        """An oracle with every weight drawn from N(0, std²), as in the paper's synthetic setup."""
        oracle = cls(vocab_size, emb_dim, hidden_dim)
        for name in PARAM_NAMES:
            buf = getattr(oracle, name)
            buf.copy_(torch.randn(buf.shape, generator=generator) * std)
        return oracle

    @classmethod
    def from_arrays(cls, arrays: list[np.ndarray], source: str = "oracle") -> "Oracle":
        """Build from the 15 arrays of the standard oracle file (shapes are checked)."""
        vocab_size, emb_dim = arrays[0].shape
        hidden_dim = arrays[1].shape[1]
        oracle = cls(vocab_size, emb_dim, hidden_dim)
        for name, array in zip(PARAM_NAMES, arrays):
            buf = getattr(oracle, name)
            if tuple(array.shape) != tuple(buf.shape):
                raise UserError(f"{source}: array {name} has shape {array.shape}, expected {tuple(buf.shape)}")
            buf.copy_(torch.from_numpy(np.asarray(array, dtype=np.float32)))
        return oracle

    def save(self, path: str | Path) -> None:
        """Save as a small torch file (the pipeline's own format)."""
        from leakgan.io import save_torch

        payload = {"vocab_size": self.vocab_size, "emb_dim": self.emb_dim, "hidden_dim": self.hidden_dim,
                   "state": {k: v.clone() for k, v in self.state_dict().items()}}
        save_torch(path, payload)

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device = "cpu") -> "Oracle":
        """Load an oracle saved by `save`."""
        path = Path(path)
        if not path.exists():
            raise UserError(f"{path}: oracle not found; run the oracle stage first")
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
            oracle = cls(payload["vocab_size"], payload["emb_dim"], payload["hidden_dim"])
            oracle.load_state_dict(payload["state"])
        except Exception as exc:
            raise UserError(
                f"{path}: not a valid oracle file ({type(exc).__name__}); delete it and re-run the oracle stage"
            ) from None
        return oracle.to(device)

    def _step(self, x_emb, h, c):
        i = torch.sigmoid(x_emb @ self.Wi + h @ self.Ui + self.bi)
        f = torch.sigmoid(x_emb @ self.Wf + h @ self.Uf + self.bf)
        o = torch.sigmoid(x_emb @ self.Wog + h @ self.Uog + self.bog)
        c_tilde = torch.tanh(x_emb @ self.Wc + h @ self.Uc + self.bc)
        c = f * c + i * c_tilde
        h = o * torch.tanh(c)
        return h @ self.Wo + self.bo, h, c

    @torch.inference_mode()
    def sample(self, num: int, seq_len: int, generator: torch.Generator, batch_size: int = 1000) -> torch.Tensor:
        """Draw `num` sequences of `seq_len` tokens."""
        out = []
        device = self.bo.device
        for start in range(0, num, batch_size):
            n = min(batch_size, num - start)
            h = torch.zeros(n, self.hidden_dim, device=device)
            c = torch.zeros_like(h)
            token = torch.zeros(n, dtype=torch.long, device=device)
            seq = []
            for _ in range(seq_len):
                logits, h, c = self._step(self.embedding[token], h, c)
                token = categorical(logits, generator)
                seq.append(token)
            out.append(torch.stack(seq, dim=1))
        return torch.cat(out).cpu()

    @torch.inference_mode()
    def nll(self, tokens: torch.Tensor, batch_size: int = 1000) -> float:
        """Mean per-token −log p_oracle(x_t | x_<t) over all tokens of all sequences."""
        tokens = torch.as_tensor(tokens, dtype=torch.long)
        if tokens.numel() and (int(tokens.min()) < 0 or int(tokens.max()) >= self.vocab_size):
            raise UserError(f"token ids must lie in 0..{self.vocab_size - 1} for this oracle")
        device = self.bo.device
        total, count = 0.0, 0
        for start in range(0, tokens.shape[0], batch_size):
            batch = tokens[start:start + batch_size].to(device)
            n, length = batch.shape
            h = torch.zeros(n, self.hidden_dim, device=device)
            c = torch.zeros_like(h)
            prev = torch.zeros(n, dtype=torch.long, device=device)
            for t in range(length):
                logits, h, c = self._step(self.embedding[prev], h, c)
                logp = torch.log_softmax(logits, dim=-1).gather(1, batch[:, t:t + 1])
                total -= float(logp.double().sum())
                prev = batch[:, t]
            count += n * length
        return total / count
