"""`leakgan table`: print the results table of an nll.json or bleu.json."""
from __future__ import annotations

import argparse

from leakgan.io import read_json
from leakgan.report.render import format_table


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", nargs="+", help="nll.json or bleu.json files")


def main(args: argparse.Namespace) -> int:
    print("\n\n".join(format_table(read_json(path)) for path in args.results))
    return 0
