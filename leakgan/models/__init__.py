"""Models: the oracle, the MLE baseline, and LeakGAN's discriminator and generator."""
from __future__ import annotations

import importlib
from pathlib import Path

import torch

from leakgan.errors import UserError

# checkpoint["model"] -> (module, class with from_checkpoint(ckpt, device))
_LOADERS = {
    "mle": ("leakgan.models.lstm", "LSTMGenerator"),
    "leakgan": ("leakgan.models.generator", "LeakGANModel"),
}


def read_checkpoint(path: str | Path) -> dict:
    """Load a checkpoint dict, with one clear line if the file is missing or damaged."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: checkpoint not found; run the training stage that writes it")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise UserError(f"{path}: damaged or foreign checkpoint ({type(exc).__name__}); delete it and re-run training") from None
    if not isinstance(ckpt, dict) or ckpt.get("model") not in _LOADERS:
        raise UserError(f"{path}: not a checkpoint of this pipeline (no known 'model' entry); delete it and re-run training")
    return ckpt


def load_model(path: str | Path, device: str | torch.device = "cpu"):
    """Rebuild the generator stored in a checkpoint; it offers .sample(...) and .nll(...)."""
    ckpt = read_checkpoint(path)
    module_name, class_name = _LOADERS[ckpt["model"]]
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls.from_checkpoint(ckpt, device)
