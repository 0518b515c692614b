"""`leakgan prepare`: a raw corpus -> frequency- and length-filtered token files (see leakgan.data.corpus)."""
from __future__ import annotations

import argparse
import sys

from leakgan.data.corpus import prepare
from leakgan.data.settings import CorpusSettings
from leakgan.errors import UserError
from leakgan.stages.common import json_block


def configure(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of `leakgan prepare`."""
    parser.add_argument("--dataset", required=True, help="dataset name (as under `datasets:` in config.yaml)")
    parser.add_argument("--settings", required=True, help="the dataset's config block as JSON")
    parser.add_argument("--source", required=True, help="raw corpus file (text, .gz, COCO JSON or zip)")
    parser.add_argument("--test-source", default=None, help="raw held-out corpus file; default: sample the test set from --source")
    parser.add_argument("--seed", type=int, required=True, help="seed of the train/test sampling")
    parser.add_argument("--out-dir", required=True, help="folder for vocab.json, train.txt, test.txt, *.words.txt, stats.json")
    parser.add_argument("--threads", type=int, default=1,
                        help="worker processes for tokenizing (default 1; the output does not depend on it)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def main(args: argparse.Namespace) -> int:
    """Prepare one dataset (see `prepare`)."""
    if args.seed < 0:
        raise UserError(f"--seed must be 0 or more, not {args.seed}")
    block = json_block(args.settings, "--settings")
    settings = CorpusSettings.from_block(args.dataset, block)
    stats = prepare(settings, args.source, args.out_dir, args.seed, args.test_source or None,
                    progress=not args.no_progress, workers=args.threads)
    print(f"{args.dataset}: {stats['num_train']} train / {stats['num_test']} test sentences, "
          f"vocabulary {stats['vocabulary']['size_with_pad']}", file=sys.stderr)
    return 0
