"""`leakgan adversarial --model NAME`: adversarial training from a pretrained checkpoint, resumable.

Every `checkpoint_every` epochs the whole run goes atomically to
`--checkpoint-dir/epoch-NNNNN.pt`. Started again after a kill, the stage
continues from the newest checkpoint of the same run (same pretrained file,
settings and seed) and ends with the same bytes in `--out` as an
uninterrupted run on CPU.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from leakgan.io import read_checkpoint
from leakgan import registry
from leakgan.stages.common import add_training_arguments, training_job, write_training_outputs


def configure(parser: argparse.ArgumentParser) -> None:
    adversarial = [name for name, spec in registry.models().items() if "adversarial" in spec.stages]
    parser.add_argument("--model", default=registry.reference().name, choices=adversarial)
    add_training_arguments(parser)
    parser.add_argument("--pretrained", required=True, help="checkpoint written by `leakgan pretrain --model NAME`")
    parser.add_argument("--checkpoint-dir", required=True, help="folder for resumable checkpoints")


def main(args: argparse.Namespace, stop_after: int | None = None) -> int:
    """Run (or resume) adversarial training; `stop_after` ends early after that epoch (tests simulate a kill)."""
    trainer = registry.get(args.model).trainer("adversarial")
    job = training_job(args, args.model, pretrained=read_checkpoint(args.pretrained),
                       pretrained_path=Path(args.pretrained), checkpoint_dir=Path(args.checkpoint_dir),
                       stop_after=stop_after)
    return write_training_outputs(args, trainer(job))
