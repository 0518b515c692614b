"""The `adversarial` stage: LeakGAN's adversarial training from a pretrained checkpoint, resumable.

Every `checkpoint_every` epochs the whole run (model, optimizers, random
streams, metrics so far) goes atomically to `--checkpoint-dir/epoch-NNNNN.pt`.
Started again after a kill, the stage continues from the newest checkpoint of
the same run (same pretrained file, settings and seed) and ends with the same
bytes in `--out` as an uninterrupted run on CPU.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import torch

from leakgan.errors import UserError
from leakgan.files import write_jsonl
from leakgan.models import read_checkpoint
from leakgan.models.generator import LeakGANModel
from leakgan.seeding import resolve_device
from leakgan.train.leakgan import LeakGANRun, LeakGANSettings, adversarial, save_checkpoint
from leakgan.train.pretrain import add_training_arguments, load_data, load_oracle


def configure(parser: argparse.ArgumentParser) -> None:
    add_training_arguments(parser)
    parser.add_argument("--pretrained", required=True, help="checkpoint written by `leakgan pretrain --model leakgan`")
    parser.add_argument("--checkpoint-dir", required=True, help="folder for resumable checkpoints")


def _fingerprint(pretrained: Path, settings: dict, seed: int) -> str:
    digest = hashlib.sha256(pretrained.read_bytes())
    digest.update(json.dumps({"settings": settings, "seed": seed}, sort_keys=True).encode())
    return digest.hexdigest()


def _checkpoints(folder: Path) -> list[Path]:
    return sorted(folder.glob("epoch-*.pt"))


def _latest_checkpoint(folder: Path, fingerprint: str) -> dict | None:
    """The newest checkpoint of this run; checkpoints of other runs (changed inputs) are removed."""
    found = None
    for path in reversed(_checkpoints(folder)):
        try:
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:
            raise UserError(f"{path}: damaged checkpoint ({type(exc).__name__}); delete it and re-run the stage") from None
        if not isinstance(ckpt, dict) or ckpt.get("fingerprint") != fingerprint:
            print(f"leakgan adversarial: {path} belongs to a run with other inputs; removing it", file=sys.stderr)
            path.unlink()
        elif found is None:
            found = ckpt
    return found


def adversarial_stage(args: argparse.Namespace, stop_after: int | None = None) -> int:
    """Run (or resume) adversarial training; `stop_after` ends early after that epoch (tests simulate a kill)."""
    s = LeakGANSettings.from_dict(args.settings)
    device = resolve_device(args.device)
    vocab, train, test = load_data(args)
    pretrained_path = Path(args.pretrained)
    pretrained = read_checkpoint(pretrained_path)
    if pretrained["model"] != "leakgan":
        raise UserError(f"{pretrained_path}: a '{pretrained['model']}' checkpoint, not LeakGAN; "
                        "pass the output of `leakgan pretrain --model leakgan`")
    if pretrained.get("vocab_size") != vocab["size"] or pretrained.get("seq_len") != train.shape[1]:
        raise UserError(f"{pretrained_path}: trained for vocabulary {pretrained.get('vocab_size')} and length "
                        f"{pretrained.get('seq_len')}, but {args.vocab} / {args.train} have {vocab['size']} and "
                        f"{train.shape[1]}; re-run the LeakGAN pretrain stage for this dataset")
    model = LeakGANModel.from_checkpoint(pretrained, device)
    run = LeakGANRun(model, s, train, test, args.seed, load_oracle(args.oracle, device), stage="adversarial")
    if "dis_opt" in pretrained:
        run.dis_opt.load_state_dict(pretrained["dis_opt"])

    folder = Path(args.checkpoint_dir)
    folder.mkdir(parents=True, exist_ok=True)
    fingerprint = _fingerprint(pretrained_path, args.settings, args.seed)
    start_epoch, metrics = 0, []
    resumed = _latest_checkpoint(folder, fingerprint)
    if resumed is not None:
        model.load_state_dict(resumed["state"])
        run.load_state_dict(resumed["run"])
        start_epoch, metrics = resumed["epoch"], resumed["metrics"]
        print(f"leakgan adversarial: resuming after epoch {start_epoch}", file=sys.stderr)

    class Stop(Exception):
        pass

    def on_epoch_end(epoch: int, metrics_so_far: list[dict]) -> None:
        if epoch % s.checkpoint_every == 0 or epoch == stop_after:
            previous = _checkpoints(folder)
            save_checkpoint(folder / f"epoch-{epoch:05d}.pt",
                            model.checkpoint(args.settings, vocab.get("pad_id"), epoch=epoch, metrics=metrics_so_far,
                                             run=run.state_dict(), fingerprint=fingerprint))
            for path in previous:  # keep only the newest: a paper-size checkpoint is over 100 MB
                path.unlink()
        if epoch == stop_after:
            raise Stop

    try:
        metrics = adversarial(run, start_epoch, metrics, on_epoch_end)
    except Stop:
        return 0
    save_checkpoint(args.out, model.checkpoint(args.settings, vocab.get("pad_id"), epoch=s.adversarial_epochs))
    write_jsonl(args.metrics, metrics)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.threads:
        torch.set_num_threads(args.threads)
    return adversarial_stage(args)
