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

# Expected shapes, in the sizes V (vocabulary), E (embedding) and H (hidden).
PARAM_SHAPES = {"embedding": ("V", "E"), "Wo": ("H", "V"), "bo": ("V",)}
for _gate in ("i", "f", "og", "c"):
    PARAM_SHAPES.update({f"W{_gate}": ("E", "H"), f"U{_gate}": ("H", "H"), f"b{_gate}": ("H",)})


def _latin1_encode(text, encoding="utf-8"):
    """`_codecs.encode` as Python 3 pickles of protocol 0-2 use it (bytes stored as latin-1 text), and nothing else."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"_codecs.encode({type(text).__name__}, {encoding!r}) is not how numpy stores bytes")
    return text.encode("latin-1")


def _numpy_global(name: str):
    """numpy's own array-rebuilding functions, wherever this numpy keeps them (numpy.core became numpy._core)."""
    def find():
        import importlib

        for module in (f"numpy._core.{name.split('.')[0]}", f"numpy.core.{name.split('.')[0]}"):
            try:
                return getattr(importlib.import_module(module), name.split(".")[1])
            except (ImportError, AttributeError):
                continue
        raise pickle.UnpicklingError(f"this numpy has no {name}")
    return find


# Only what numpy needs to rebuild a plain array may be loaded from an oracle pickle: Python 2's
# protocol 0 (the standard file) and Python 3's protocols 0-5 ask for these and nothing else.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _numpy_global("multiarray._reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"): _numpy_global("multiarray._reconstruct"),
    ("numpy.core.numeric", "_frombuffer"): _numpy_global("numeric._frombuffer"),  # protocol 5
    ("numpy._core.numeric", "_frombuffer"): _numpy_global("numeric._frombuffer"),
    ("numpy", "ndarray"): lambda: np.ndarray,
    ("numpy", "dtype"): lambda: np.dtype,
    ("_codecs", "encode"): lambda: _latin1_encode,  # Python 3, protocols 0-2: bytes as latin-1 text
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
        return _ALLOWED_GLOBALS[(module, name)]()

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("persistent ids are not allowed in an oracle file")


def check_arrays(arrays, source) -> tuple[int, int, int]:
    """(V, E, H) of the 15 oracle arrays, or one line naming the first bad array and what is wrong with it.

    Each must be a finite floating-point numpy array of the standard layout:
    embedding V×E, W* E×H, U* H×H, b* H, Wo H×V, bo V.
    """
    if not isinstance(arrays, (list, tuple)) or len(arrays) != len(PARAM_NAMES):
        got = f"{len(arrays)} items" if isinstance(arrays, (list, tuple)) else f"a {type(arrays).__name__}"
        raise UserError(f"{source}: expected a list of {len(PARAM_NAMES)} numpy arrays (the standard oracle layout: "
                        f"{', '.join(PARAM_NAMES)}), got {got}")
    for name, array in zip(PARAM_NAMES, arrays):
        layout = "×".join(PARAM_SHAPES[name])
        if not isinstance(array, np.ndarray):
            raise UserError(f"{source}: array {name} is a {type(array).__name__}, not a numpy array; "
                            "use the standard target_params.pkl")
        if array.dtype.kind != "f":
            raise UserError(f"{source}: array {name} has dtype {array.dtype}, expected floating point (float32 or "
                            "float64); use the standard target_params.pkl")
        if array.ndim != len(PARAM_SHAPES[name]):
            raise UserError(f"{source}: array {name} has {array.ndim} dimension(s) (shape {tuple(array.shape)}), "
                            f"expected {len(PARAM_SHAPES[name])} ({layout})")
        if 0 in array.shape:
            raise UserError(f"{source}: array {name} is empty (shape {tuple(array.shape)}, expected {layout})")
    sizes = {"V": arrays[0].shape[0], "E": arrays[0].shape[1], "H": arrays[PARAM_NAMES.index("Wi")].shape[1]}
    for name, array in zip(PARAM_NAMES, arrays):
        expected = tuple(sizes[d] for d in PARAM_SHAPES[name])
        if tuple(array.shape) != expected:
            raise UserError(f"{source}: array {name} has shape {tuple(array.shape)}, expected {expected} "
                            f"({'×'.join(PARAM_SHAPES[name])} with V={sizes['V']}, E={sizes['E']}, H={sizes['H']} "
                            "from embedding and Wi)")
    limit = float(np.finfo(np.float32).max)  # the oracle computes in float32
    for name, array in zip(PARAM_NAMES, arrays):
        with np.errstate(invalid="ignore"):
            finite = np.isfinite(array) & (np.abs(array) <= limit)
        if not finite.all():
            bad = int((~finite).sum())
            kinds = "NaN" if np.isnan(array).any() else "infinite (or beyond float32)"
            raise UserError(f"{source}: array {name} holds {bad} {kinds} value(s); every oracle weight must be "
                            "a finite number: use the standard target_params.pkl")
    return sizes["V"], sizes["E"], sizes["H"]


def load_oracle_pickle(path: str | Path) -> list[np.ndarray]:
    """Read the standard oracle pickle, admitting nothing but numpy array reconstruction; arrays are checked."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: oracle file not found; fix datasets.<name>.oracle_params in config.yaml")
    with open(path, "rb") as handle:
        try:
            arrays = _ArrayOnlyUnpickler(handle, path).load()
        except UserError:
            raise
        except Exception as exc:  # a truncated or foreign file: say which, not how it broke
            raise UserError(f"{path}: not a readable oracle pickle ({type(exc).__name__}: {exc})") from None
    if isinstance(arrays, tuple):
        arrays = list(arrays)
    # Arrays rebuilt from the file's bytes cannot outgrow it; bigger ones were allocated empty by a crafted
    # pickle calling numpy.ndarray(shape) directly: refuse them before anything touches their memory.
    if isinstance(arrays, list) and all(isinstance(a, np.ndarray) for a in arrays):
        held = sum(a.nbytes for a in arrays)
        if held > 4 * path.stat().st_size + (1 << 20):
            raise UserError(f"{path}: its arrays claim {held} bytes, more than the file holds; "
                            "a crafted or damaged pickle: use the standard target_params.pkl")
    check_arrays(arrays, path)
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
        """Build from the 15 arrays of the standard oracle file (types, shapes and values are checked)."""
        vocab_size, emb_dim, hidden_dim = check_arrays(arrays, source)
        oracle = cls(vocab_size, emb_dim, hidden_dim)
        for name, array in zip(PARAM_NAMES, arrays):
            getattr(oracle, name).copy_(torch.from_numpy(np.asarray(array, dtype=np.float32)))
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
