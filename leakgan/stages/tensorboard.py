"""`leakgan tensorboard RESULTS_DIR --out DIR`: every training curve as TensorBoard scalars (see leakgan.report.tensorboard)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", metavar="RESULTS_DIR", help="a dataset's results folder (results/<dataset>) or results/")
    parser.add_argument("--out", required=True, help="folder for the event files (then: tensorboard --logdir DIR)")


def main(args: argparse.Namespace) -> int:
    from leakgan.report.tensorboard import export

    written = export(Path(args.results), Path(args.out))
    print(f"leakgan tensorboard: {len(written)} runs, {sum(written.values())} scalars in {args.out}; "
          f"view them with `tensorboard --logdir {args.out}`", file=sys.stderr)
    return 0
