"""`leakgan aggregate`: every seed's nll.json / bleu.json of a dataset as one result (mean, std, Welch's t-test)."""
from __future__ import annotations

import argparse

from leakgan.errors import UserError
from leakgan.io import read_json, write_json
from leakgan.stages.common import json_block, name_path_pairs


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--runs", nargs="+", required=True, metavar="SEED=PATH",
                        help="one seed's results (written by `leakgan collect`) per seed")
    parser.add_argument("--meta", default="{}", help="extra JSON fields (scale, seeds, seq_len)")
    parser.add_argument("--provenance", default=None, metavar="JSON",
                        help='{"device": ..., "models": {model: settings}}: recorded with the environment')
    parser.add_argument("--data-dir", default=None, help="the dataset's data folder (its statistics are recorded)")
    parser.add_argument("--out", required=True)


def main(args: argparse.Namespace) -> int:
    from leakgan.eval.aggregate import aggregate
    from leakgan.eval.results_shape import check_seed_result

    meta = json_block(args.meta, "--meta")
    runs = {}
    for seed, path in name_path_pairs(args.runs).items():
        try:
            key = int(seed)
        except ValueError:
            raise UserError(f"--runs: the seed of {path} must be an integer, got {seed!r}") from None
        # shapes and finite numbers: a NaN would silently leave its seed out of the mean
        runs[key] = check_seed_result(read_json(path), path)
    result = aggregate(runs, {"dataset": args.dataset, **meta})
    if args.provenance is not None:
        from leakgan.eval.provenance import provenance

        given = json_block(args.provenance, "--provenance")
        result["provenance"] = provenance(str(given.get("device", "cpu")), dict(given.get("models") or {}),
                                          args.data_dir)
    write_json(args.out, result)
    return 0
