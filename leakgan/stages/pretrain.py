"""`leakgan pretrain --model NAME`: a model's first training stage (the MLE baseline's whole training)."""
from __future__ import annotations

import argparse

from leakgan import registry
from leakgan.stages.common import add_training_arguments, training_job, write_training_outputs


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, choices=registry.names())
    add_training_arguments(parser)


def main(args: argparse.Namespace) -> int:
    trainer = registry.get(args.model).trainer("pretrain")
    return write_training_outputs(args, trainer(training_job(args, args.model)))
