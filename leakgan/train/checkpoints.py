"""Resumable training: periodic checkpoints of a whole run, found again after a kill or with a longer schedule.

A run is identified by a fingerprint of its inputs (the data or the previous
stage's checkpoint, the settings and the seed) *without* the keys that only
say how long it goes (schema annotation `length: true`: the number of epochs,
how often it checkpoints). So raising `adversarial_epochs` (or the MLE
`epochs`) continues from the newest checkpoint, and lowering it takes the
checkpoint of that epoch when one was kept (`training.keep_checkpoints: all`).
Checkpoints of a run with other inputs are removed rather than resumed; with
`keep_checkpoints: last` only the newest is kept (a paper-size checkpoint is
over 100 MB).

The last epoch of a run is always evaluated. A checkpoint remembers what that
evaluation added (its curve fields, and the best-validation selection before
it), so a longer run continuing it writes what an uninterrupted run of the
longer schedule would have written.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Iterable

import torch

from leakgan.errors import UserError
from leakgan.io import save_torch
from leakgan.train.selection import BestSelection

FORMAT = 2  # the layout of a resumable checkpoint; checkpoints of another format belong to another run
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


def fingerprint(inputs: Iterable, settings: dict, seed: int, length_keys: Iterable[str] = ()) -> str:
    """The identity of a run: its inputs (files or tensors), its settings but their length keys, its seed."""
    digest = hashlib.sha256()
    for item in inputs:
        if isinstance(item, torch.Tensor):
            digest.update(str(tuple(item.shape)).encode() + item.detach().cpu().contiguous().numpy().tobytes())
        elif item is not None:
            digest.update(Path(item).read_bytes())
    same_run = {k: v for k, v in settings.items() if k not in set(length_keys)}
    digest.update(json.dumps({"settings": same_run, "seed": seed, "format": FORMAT}, sort_keys=True).encode())
    return digest.hexdigest()


def job_fingerprint(job, stage_inputs: Iterable) -> str:
    """A training job's fingerprint: `stage_inputs`, the job's settings without their length keys, its seed."""
    return fingerprint(stage_inputs, job.settings, job.seed, job.spec.settings.length_keys())


class Resumable:
    """The checkpoint folder of one run."""

    def __init__(self, folder: str | Path, fingerprint: str, what: str, keep: str = "last"):
        if keep not in KEEP:
            raise UserError(f"config key 'training.keep_checkpoints': {keep!r} is not one of {', '.join(KEEP)}")
        self.folder, self.fingerprint, self.what, self.keep = Path(folder), fingerprint, what, keep
        self.folder.mkdir(parents=True, exist_ok=True)
        self.final_fields: list[str] = []  # what the last epoch's evaluation added to its curve point
        self.before_final = None  # the selection's state before that evaluation

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

    def resume(self, run, epochs: int, selection: BestSelection | None) -> tuple[int, list[dict]]:
        """(epoch, curve) to continue from, the run (and the selection) restored; (0, []) to start afresh.

        From a checkpoint whose last epoch was evaluated only because it was the last, a run going further
        drops what that evaluation added, so the curve and the selection are an uninterrupted run's.
        """
        newest = max((self._epoch_of(p) for p in self._files()), default=0)
        resumed = self.latest(epochs)
        if resumed is None:
            if newest > epochs:
                print(f"leakgan: no checkpoint of {self.what} at or before epoch {epochs} was kept "
                      "(training.keep_checkpoints: last); training from the start", file=sys.stderr)
            return 0, []
        try:
            epoch, curve = resumed["epoch"], resumed["curve"]
            final_fields, saved = resumed["final_fields"], resumed["selection"]
            going_on = epoch < epochs and final_fields is not None
            # the run as it stood before its last epoch's extra evaluation (whose samples moved a stream)
            run.load_state_dict(resumed["run_before_final"] if going_on else resumed["run"])
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise UserError(f"{self.folder}: the newest checkpoint is incomplete ({type(exc).__name__}: {exc}); "
                            "delete the folder and run the stage again") from None
        if going_on and curve and curve[-1].get("epoch") == epoch:
            if final_fields == "point":  # a point recorded only because it was evaluated
                curve.pop()
            else:
                for key in final_fields:
                    curve[-1].pop(key, None)
        if selection is not None and saved is not None:
            selection.load_state_dict(saved["before_final"] if going_on else saved["after"])
        print(f"leakgan: resuming {self.what} after epoch {epoch}", file=sys.stderr)
        return epoch, curve

    def save(self, epoch: int, run, curve: list[dict], selection: BestSelection | None,
             final_fields=None, before_final: dict | None = None, run_before_final: dict | None = None) -> None:
        """Write the checkpoint of `epoch` (and, with keep: last, remove the older ones).

        `final_fields`: what the evaluation of this epoch added only because it is the run's last (a list of
        curve fields, or "point" for a point recorded only because it was evaluated); None when the epoch would
        be evaluated anyway. `before_final` and `run_before_final`: the selection's and the run's states
        before that evaluation.
        """
        previous = self._files()
        name = f"epoch-{epoch:05d}.pt"
        selection_state = None if selection is None else {
            "after": selection.state_dict(), "before_final": before_final or selection.state_dict()}
        save_torch(self.folder / name, {"fingerprint": self.fingerprint, "format": FORMAT, "epoch": epoch,
                                        "curve": curve, "final_fields": final_fields, "selection": selection_state,
                                        "run": run.state_dict(), "run_before_final": run_before_final})
        for path in previous:
            if path.name != name and (self.keep == "last" or self._epoch_of(path) > epoch):
                path.unlink()


def needs_checkpoint(epoch: int, every: int, last: int, stop_after: int | None) -> bool:
    """Whether a run saves a checkpoint after `epoch`: every `every` epochs, after its last, and at a stop."""
    return (every and epoch % every == 0) or epoch == last or epoch == stop_after

