"""Resumable training: periodic checkpoints of a whole run, found again after a kill or a longer schedule.

A run is identified by a fingerprint of its inputs (the previous stage's
checkpoint bytes, the settings and the seed) *without* its length: the number
of epochs (and how often it checkpoints) is not part of it, so raising
`adversarial_epochs` continues from the newest checkpoint, and lowering it
takes the checkpoint of that epoch when one was kept (`keep: all`).
Checkpoints of a run with other inputs are removed rather than resumed; with
`keep: last` only the newest checkpoint is kept (a paper-size checkpoint is
over 100 MB).
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Callable

import torch

from leakgan.errors import UserError
from leakgan.io import save_torch

FORMAT = 2  # the layout of a resumable checkpoint; checkpoints of another format belong to another run
LENGTH_KEYS = ("adversarial_epochs", "checkpoint_every")  # how long a run goes, not what it computes
KEEP = ("last", "all")


def check_pretrained(job, label: str) -> None:
    """Stop unless `job.pretrained` is the first-stage checkpoint of `job.model` for this vocabulary and length."""
    ckpt, path = job.pretrained, job.pretrained_path
    if ckpt.get("model") != job.model:
        raise UserError(f"{path}: a '{ckpt.get('model')}' checkpoint, not {label}; "
                        f"pass the output of `leakgan pretrain --model {job.model}`")
    if ckpt.get("vocab_size") != job.vocab["size"] or ckpt.get("seq_len") != job.train.shape[1]:
        raise UserError(f"{path}: trained for vocabulary {ckpt.get('vocab_size')} and length {ckpt.get('seq_len')}, "
                        f"but the data have {job.vocab['size']} and {job.train.shape[1]}; re-run the {label} "
                        "pretrain stage for this dataset")


def fingerprint(pretrained: Path, settings: dict, seed: int) -> str:
    """The identity of a run: its starting checkpoint's bytes, its settings but their length keys, its seed."""
    digest = hashlib.sha256(Path(pretrained).read_bytes())
    same_run = {k: v for k, v in settings.items() if k not in LENGTH_KEYS}
    digest.update(json.dumps({"settings": same_run, "seed": seed, "format": FORMAT}, sort_keys=True).encode())
    return digest.hexdigest()


class Resumable:
    """The checkpoint folder of one run."""

    def __init__(self, folder: str | Path, fingerprint: str, what: str, keep: str = "last"):
        if keep not in KEEP:
            raise UserError(f"config key 'training.keep_checkpoints': {keep!r} is not one of {', '.join(KEEP)}")
        self.folder, self.fingerprint, self.what, self.keep = Path(folder), fingerprint, what, keep
        self.folder.mkdir(parents=True, exist_ok=True)
        self._evaluated: dict[int, list[str]] = {}  # epoch -> the fields its evaluation added to the curve

    def _files(self) -> list[Path]:
        return sorted(p for p in self.folder.glob("epoch-*.pt") if re.fullmatch(r"epoch-[0-9]+\.pt", p.name))

    @staticmethod
    def _epoch_of(path: Path) -> int:
        return int(path.stem.split("-")[1])

    def _load(self, path: Path) -> dict | None:
        """A checkpoint of this run, or None (a checkpoint of another run is removed)."""
        try:
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:
            raise UserError(f"{path}: damaged checkpoint ({type(exc).__name__}); delete it and re-run the stage") from None
        if not isinstance(ckpt, dict) or ckpt.get("fingerprint") != self.fingerprint:
            print(f"leakgan: {path} belongs to a run with other inputs; removing it", file=sys.stderr)
            path.unlink()
            return None
        return ckpt

    def latest(self, epochs: int) -> dict | None:
        """The checkpoint to continue from: the newest of this run at or before `epochs` (the run's length)."""
        found = None
        for path in reversed(self._files()):
            ckpt = self._load(path)
            if ckpt is not None and found is None and self._epoch_of(path) <= epochs:
                found = ckpt
        return found

    def resume(self, run, evaluated_now: Callable[[int], bool], epochs: int | None = None) -> tuple[int, list[dict]]:
        """(epoch, curve) to continue from, the run restored from the checkpoint; (0, []) to start afresh.

        A curve point that the run's current schedule would not evaluate (the last epoch of a shorter run
        being continued) loses the fields its evaluation added, so the curve is the one an uninterrupted run
        of the current length writes.
        """
        limit = epochs if epochs is not None else sys.maxsize
        newest = max((self._epoch_of(p) for p in self._files()), default=0)
        resumed = self.latest(limit)
        if resumed is None:
            if newest > limit:
                print(f"leakgan adversarial: no checkpoint of {self.what} at or before epoch {limit} was kept "
                      "(training.keep_checkpoints: last); training from the pretrained model", file=sys.stderr)
            return 0, []
        try:
            run.load_state_dict(resumed["run"])
            epoch, curve, evaluated = resumed["epoch"], resumed["curve"], resumed["evaluated"]
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise UserError(f"{self.folder}: the newest checkpoint is incomplete ({type(exc).__name__}: {exc}); "
                            "delete the folder and run the stage again") from None
        self._evaluated = {int(k): list(v) for k, v in evaluated.items()}
        for point in curve:
            at = point.get("epoch")
            if at in self._evaluated and not evaluated_now(at):
                for key in self._evaluated.pop(at):
                    point.pop(key, None)
        print(f"leakgan adversarial: resuming {self.what} after epoch {epoch}", file=sys.stderr)
        return epoch, curve

    def evaluated(self, epoch: int, keys: list[str]) -> None:
        """Note the fields an evaluation added to the curve point of `epoch`."""
        self._evaluated[epoch] = list(keys)

    def save(self, epoch: int, run, curve: list[dict]) -> None:
        """Write the checkpoint of `epoch` (and, with keep: last, remove the older ones)."""
        previous = self._files()
        name = f"epoch-{epoch:05d}.pt"
        save_torch(self.folder / name, {"fingerprint": self.fingerprint, "format": FORMAT, "epoch": epoch,
                                        "curve": curve, "evaluated": {str(k): v for k, v in self._evaluated.items()},
                                        "run": run.state_dict()})
        for path in previous:
            if path.name != name and (self.keep == "last" or self._epoch_of(path) > epoch):
                path.unlink()
