"""`leakgan table`: print the results table of an nll.json or bleu.json."""
from __future__ import annotations

import argparse

from leakgan.io import read_json
from leakgan.report.render import format_table


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", nargs="+", help="nll.json or bleu.json files")


def main(args: argparse.Namespace) -> int:
    from leakgan.eval.results_shape import check_table_result

    results = [check_table_result(read_json(path), path) for path in args.results]  # all checked before printing
    print("\n\n".join(format_table(result) for result in results))
    return 0
