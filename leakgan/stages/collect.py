"""`leakgan collect`: gather every model's scores and curves into results/<dataset>/nll.json or bleu.json."""
from __future__ import annotations

import argparse
import os

from leakgan.io import read_json, read_jsonl, write_json
from leakgan.stages.common import json_block, name_path_pairs


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--kind", required=True, choices=["synthetic", "text"])
    parser.add_argument("--scores", nargs="+", required=True, metavar="NAME=PATH", help="per-model scores JSON")
    parser.add_argument("--frontier", nargs="*", default=[], metavar="MODEL=PATH",
                        help="per-model scores at every α of the quality-diversity frontier (`leakgan frontier`)")
    parser.add_argument("--curves", nargs="*", default=[], metavar="NAME=PATH", help="per-model training curves (JSON lines)")
    parser.add_argument("--benchmarks", nargs="*", default=[], metavar="MODEL:STAGE=PATH",
                        help="Snakemake benchmark files of the model's jobs: their wall times (read when present)")
    parser.add_argument("--meta", default="{}", help="extra JSON fields (scale, seed, seq_len)")
    parser.add_argument("--out", required=True)



def main(args: argparse.Namespace) -> int:
    from leakgan.eval.results_shape import check_curve, check_frontier_file, check_scores

    meta = json_block(args.meta, "--meta")
    result = {"dataset": args.dataset, **meta, "models": {}}
    # Every input is read and checked (shape, finite numbers) before anything is written.
    for name, path in name_path_pairs(args.scores).items():
        result["models"][name] = check_scores(read_json(path), path)
    # NAME:STAGE=PATH curves are concatenated in the order given, each point tagged with its stage.
    for name, path in name_path_pairs(args.curves).items():
        base, _, stage = name.partition(":")
        curve = check_curve(read_jsonl(path), path, "", "delete it and re-run the training stage that writes it")
        points = [dict(p, stage=stage) if stage else p for p in curve]
        result["models"].setdefault(base, {}).setdefault("curve", []).extend(points)
    frontier: dict[str, list[dict]] = {}
    for model, path in name_path_pairs(args.frontier).items():
        points = check_frontier_file(read_json(path), path)
        frontier[model] = sorted(points, key=lambda p: -p["temperature"])
    if frontier:
        result["frontier"] = frontier
    for name, path in name_path_pairs(args.benchmarks).items():
        model, _, stage = name.partition(":")
        seconds = benchmark_seconds(path)
        if seconds is not None and model in result["models"]:
            budget = result["models"][model].setdefault("budget", {})
            budget.setdefault("wall_time_s", {})[stage] = seconds
    write_json(args.out, result)
    return 0


def benchmark_seconds(path: str | os.PathLike, column: str = "s") -> float | None:
    """The wall time (column `s`; `cpu_time` for the CPU time) of a Snakemake benchmark file; None when the file
    is absent or unreadable."""
    try:
        header, row = open(path, encoding="utf-8").read().splitlines()[:2]
        return round(float(row.split("\t")[header.split("\t").index(column)]), 2)
    except (OSError, ValueError, IndexError):
        return None
