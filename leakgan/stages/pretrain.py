"""`leakgan pretrain --model NAME`: a model's first training stage (the MLE baseline's whole training).

With `--checkpoint-dir` the stage checkpoints at every evaluated epoch and,
started again after a kill or with more epochs, continues from the newest
checkpoint of the same run (same data, settings and seed).
"""
from __future__ import annotations

import argparse
from pathlib import Path

from leakgan import registry
from leakgan.stages.common import add_training_arguments, training_job, write_training_outputs


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, choices=registry.names())
    add_training_arguments(parser)
    parser.add_argument("--checkpoint-dir", default=None, help="folder for resumable checkpoints (none: no resuming)")


def main(args: argparse.Namespace, stop_after: int | None = None) -> int:
    """Run (or resume) the stage; `stop_after` ends early after that epoch (tests simulate a kill)."""
    trainer = registry.get(args.model).trainer("pretrain")
    folder = Path(args.checkpoint_dir) if args.checkpoint_dir else None
    return write_training_outputs(args, trainer(training_job(args, args.model, checkpoint_dir=folder,
                                                             stop_after=stop_after)))
