"""`leakgan figures`: the paper's Figures 3-5 from one seed's trained models and samples (PNG).

RESULTS_DIR is a dataset's folder, results/<dataset>: the data come from its
data/ folder and the models from seed<k>/<model>/ (leakgan.layout). Figure 3
needs real text (decoded sentences); `--figure all` skips it with one line
on a synthetic dataset or when no baseline's samples are there. Ablation arms
are drawn like models, labelled as the dataset's results file names them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from leakgan import layout, registry
from leakgan.errors import UserError
from leakgan.eval.bleu import SMOOTHINGS
from leakgan.io import read_vocab
from leakgan.report import paper_figures as figures

FIGURES = ("3", "4", "5")
DEFAULTS = figures.FigureOptions()


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", metavar="RESULTS_DIR", help="a dataset's results folder, e.g. results/wmt")
    parser.add_argument("--seed", type=int, default=None,
                        help="the training chain to draw (folder seed<k>); default: the lowest seed with the reference "
                             "model's (LeakGAN's) checkpoint")
    parser.add_argument("--figure", choices=[*FIGURES, "all"], default="all",
                        help="which figure to draw (default all; 'all' skips Figure 3 on synthetic data)")
    parser.add_argument("--out", required=True, help="folder to write figure3.png, figure4.png, figure5.png in")
    parser.add_argument("--models", default=None,
                        help="comma-separated models or arms to draw (default: LeakGAN and every registered model with "
                             "samples in the seed folder)")
    parser.add_argument("--bleu-n", type=int, default=DEFAULTS.bleu_n, help="Figure 3: the BLEU order (default 4)")
    parser.add_argument("--smoothing", default=DEFAULTS.smoothing, choices=SMOOTHINGS, help="Figure 3: BLEU smoothing")
    parser.add_argument("--bucket-width", type=int, default=None,
                        help="Figure 3: tokens per length bucket (default: about 8 buckets over the lengths seen)")
    parser.add_argument("--min-count", type=int, default=DEFAULTS.min_count,
                        help="Figure 3: drop a bucket with fewer sentences of either model (default 20)")
    parser.add_argument("--traces", type=int, default=DEFAULTS.traces, help="Figure 4: sentences traced per model")
    parser.add_argument("--num-real", type=int, default=DEFAULTS.num_real,
                        help="Figure 4: real test sentences whose features fit the PCA (default 1000; 0 = all)")
    parser.add_argument("--draw-seed", type=int, default=DEFAULTS.draw_seed,
                        help=f"seed of the choice of sentences (default {DEFAULTS.draw_seed}, the workflow's `seed`)")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default)")


def chosen_models(files: figures.SeedFiles, names: str | None) -> list[str]:
    """--models (registered models, or arms with samples in the seed folder); else the reference model and every
    other registered model with samples there (the reference always, so its missing files are named)."""
    if names is None:
        reference = registry.reference().name
        return [m for m in registry.names() if m == reference or files.has_samples(m)]
    models = [n.strip() for n in names.split(",") if n.strip()]
    for name in models:
        if name not in registry.models() and not files.has_samples(name):
            registry.get(name)  # one clear line for a name that is neither a model nor an arm with samples
    return models


def main(args: argparse.Namespace) -> int:
    for option, value, low in (("--bleu-n", args.bleu_n, 1), ("--min-count", args.min_count, 1),
                               ("--traces", args.traces, 1), ("--num-real", args.num_real, 0),
                               ("--bucket-width", args.bucket_width or 1, 1)):
        if value < low:
            raise UserError(f"{option} must be at least {low}, got {value}")
    results = Path(args.results)
    if not results.is_dir():
        raise UserError(f"{results}: no such results folder; give results/<dataset>")
    dataset = results.resolve().name
    wanted = list(FIGURES) if args.figure == "all" else [args.figure]
    spec = registry.reference()
    template = (layout.CHECKPOINT if wanted != ["3"] else layout.SAMPLE_IDS)
    fields = {"model": spec.name, "stage": spec.final_stage, "variant": ""}
    seed, found = layout.find_run(results, args.seed, template, **fields)
    if seed is None or (args.seed is None and not found.is_file()):
        inside = layout.under(Path("seed0"), template, **fields).relative_to("seed0")
        raise UserError(f"{results}: no seed<k> folder holds {inside}; make it with "
                        f"`snakemake --cores 1 -- results/{dataset}/seed<k>/{inside}` (or give --seed)")
    files = figures.SeedFiles(results, dataset, seed)
    models = chosen_models(files, args.models)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    text = bool(read_vocab(files.data("vocab.json")).get("tokens"))
    if args.figure == "all" and 3 not in figures.paper_figures(models, text):
        reason = (f"{dataset} is synthetic; Figure 3 needs real text" if not text else
                  f"Figure 3 needs the samples of {spec.label} and of a baseline "
                  f"({', '.join(registry.figure3_baselines())}) in {files.folder}")
        print(f"leakgan figures: Figure 3 skipped: {reason}", file=sys.stderr)
        wanted.remove("3")
    options = figures.FigureOptions(args.bleu_n, args.smoothing, args.bucket_width, args.min_count, args.traces,
                                    args.num_real, args.draw_seed)
    figures.draw(files, wanted, models, options, Path(args.out), _labels(results))
    return 0


def _labels(results: Path) -> dict:
    """The model and arm labels of the dataset's results file, when it is there (else the registry's)."""
    import json

    for kind in ("nll", "bleu"):
        path = results / f"{kind}.json"
        if path.is_file():
            try:
                return dict(json.loads(path.read_text(encoding="utf-8")).get("labels") or {})
            except (ValueError, OSError, AttributeError):
                return {}
    return {}
