"""Resumable training: periodic checkpoints of a whole run, found again after a kill.

A run is identified by a fingerprint of its inputs (the previous stage's
checkpoint bytes, the settings and the seed). Checkpoints of a run with other
inputs are removed rather than resumed; only the newest checkpoint is kept
(a paper-size checkpoint is over 100 MB).
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Callable

import torch

from leakgan.errors import UserError
from leakgan.io import save_torch


class Stop(Exception):
    """Raised by an epoch callback to end training early on purpose (tests simulate a kill with it)."""


def check_pretrained(job, model: str, label: str) -> None:
    """Stop unless `job.pretrained` is `model`'s first-stage checkpoint for this vocabulary and length."""
    ckpt, path = job.pretrained, job.pretrained_path
    if ckpt.get("model") != model:
        raise UserError(f"{path}: a '{ckpt.get('model')}' checkpoint, not {label}; "
                        f"pass the output of `leakgan pretrain --model {model}`")
    if ckpt.get("vocab_size") != job.vocab["size"] or ckpt.get("seq_len") != job.train.shape[1]:
        raise UserError(f"{path}: trained for vocabulary {ckpt.get('vocab_size')} and length {ckpt.get('seq_len')}, "
                        f"but the data have {job.vocab['size']} and {job.train.shape[1]}; re-run the {label} "
                        "pretrain stage for this dataset")


def fingerprint(pretrained: Path, settings: dict, seed: int) -> str:
    """The identity of a run: its starting checkpoint's bytes, its settings and its seed."""
    digest = hashlib.sha256(Path(pretrained).read_bytes())
    digest.update(json.dumps({"settings": settings, "seed": seed}, sort_keys=True).encode())
    return digest.hexdigest()


class Resumable:
    """The checkpoint folder of one run."""

    def __init__(self, folder: str | Path, fingerprint: str):
        self.folder, self.fingerprint = Path(folder), fingerprint
        self.folder.mkdir(parents=True, exist_ok=True)

    def _files(self) -> list[Path]:
        return sorted(self.folder.glob("epoch-*.pt"))

    def latest(self) -> dict | None:
        """The newest checkpoint of this run; checkpoints of other runs (changed inputs) are removed."""
        found = None
        for path in reversed(self._files()):
            try:
                ckpt = torch.load(path, map_location="cpu", weights_only=True)
            except Exception as exc:
                raise UserError(f"{path}: damaged checkpoint ({type(exc).__name__}); delete it and re-run the stage") from None
            if not isinstance(ckpt, dict) or ckpt.get("fingerprint") != self.fingerprint:
                print(f"leakgan: {path} belongs to a run with other inputs; removing it", file=sys.stderr)
                path.unlink()
            elif found is None:
                found = ckpt
        return found

    def resume(self, restore: Callable[[dict], None], what: str) -> tuple[int, list[dict]]:
        """(epoch, metrics) to continue from: the newest checkpoint of this run handed to `restore`, or (0, [])."""
        resumed = self.latest()
        if resumed is None:
            return 0, []
        try:
            restore(resumed)
            epoch, metrics = resumed["epoch"], resumed["metrics"]
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise UserError(f"{self.folder}: the newest checkpoint is incomplete ({type(exc).__name__}: {exc}); "
                            "delete the folder and run the stage again") from None
        print(f"leakgan adversarial: resuming {what} after epoch {epoch}", file=sys.stderr)
        return epoch, metrics

    def save(self, epoch: int, ckpt: dict) -> None:
        """Write the checkpoint of `epoch` and remove the older ones."""
        previous = self._files()
        save_torch(self.folder / f"epoch-{epoch:05d}.pt", ckpt)
        for path in previous:
            if path.name != f"epoch-{epoch:05d}.pt":
                path.unlink()
