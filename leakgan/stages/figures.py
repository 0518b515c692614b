"""`leakgan figures`: the paper's Figures 3-5 from one seed's trained models and samples (PNG).

RESULTS_DIR is a dataset's folder, results/<dataset>: the data come from its
data/ folder and the models from seed<k>/<model>/ (leakgan.layout). Figure 3
needs real text (decoded sentences); `--figure all` skips it with one line
on a synthetic dataset or when no baseline's samples are there.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from leakgan import layout
from leakgan.errors import UserError
from leakgan.metrics import figures
from leakgan.metrics.bleu import SMOOTHINGS
from leakgan.models import registry

FIGURES = ("3", "4", "5")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("results", metavar="RESULTS_DIR", help="a dataset's results folder, e.g. results/wmt")
    parser.add_argument("--seed", type=int, default=None,
                        help="the training chain to draw (folder seed<k>); default: the lowest seed with a LeakGAN "
                             "checkpoint")
    parser.add_argument("--figure", choices=[*FIGURES, "all"], default="all",
                        help="which figure to draw (default all; 'all' skips Figure 3 on synthetic data)")
    parser.add_argument("--out", required=True, help="folder to write figure3.png, figure4.png, figure5.png in")
    parser.add_argument("--models", default=None,
                        help="comma-separated models to draw (default: LeakGAN and every model with samples in the "
                             "seed folder)")
    parser.add_argument("--bleu-n", type=int, default=4, help="Figure 3: the BLEU order (default 4)")
    parser.add_argument("--smoothing", default="none", choices=SMOOTHINGS, help="Figure 3: BLEU smoothing")
    parser.add_argument("--bucket-width", type=int, default=None,
                        help="Figure 3: tokens per length bucket (default: about 8 buckets over the lengths seen)")
    parser.add_argument("--min-count", type=int, default=20,
                        help="Figure 3: drop a bucket with fewer sentences of either model (default 20)")
    parser.add_argument("--traces", type=int, default=3, help="Figure 4: sentences traced per model (default 3)")
    parser.add_argument("--num-real", type=int, default=1000,
                        help="Figure 4: real test sentences whose features fit the PCA (default 1000; 0 = all)")
    parser.add_argument("--draw-seed", type=int, default=0, help="seed of the choice of sentences (default 0)")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch's default)")


class Run:
    """One seed's files of a dataset: the paths under RESULTS_DIR, and the Snakemake target of each."""

    def __init__(self, results: Path, dataset: str, seed: int):
        self.results, self.dataset, self.seed = results, dataset, seed

    @property
    def folder(self) -> Path:
        """The seed's folder, RESULTS_DIR/seed<k>."""
        return self.local(layout.run_dir(self.dataset, self.seed))

    def local(self, target: str) -> Path:
        """Where a layout path (results/<dataset>/...) lies under RESULTS_DIR."""
        return self.results / Path(target).relative_to(f"results/{self.dataset}")

    def need(self, target: str) -> Path:
        """The file of a layout path under RESULTS_DIR; one line naming it and its Snakemake target if missing."""
        path = self.local(target)
        if not path.is_file():
            raise UserError(f"{path}: not found; make it with `snakemake --cores 1 -- {target}`")
        return path

    def data(self, name: str) -> Path:
        return self.need(f"results/{self.dataset}/data/{name}")

    def samples(self, model: str) -> Path:
        return self.need(layout.sample_ids(self.dataset, model, self.seed))

    def checkpoint(self, model: str) -> Path:
        return self.need(layout.checkpoint(self.dataset, model, registry.get(model).final_stage, self.seed))

    def has_samples(self, model: str) -> bool:
        return self.local(layout.sample_ids(self.dataset, model, self.seed)).is_file()


def default_seed(results: Path, dataset: str, need_checkpoint: bool) -> int:
    """The lowest seed<k> folder with LeakGAN's final checkpoint (or, for Figure 3 alone, its samples)."""

    def target(seed: int) -> str:
        if need_checkpoint:
            return layout.checkpoint(dataset, "leakgan", registry.get("leakgan").final_stage, seed)
        return layout.sample_ids(dataset, "leakgan", seed)

    seeds = sorted(int(m.group(1)) for p in results.glob("seed*")
                   if p.is_dir() and (m := re.fullmatch(r"seed([0-9]+)", p.name)))
    for seed in seeds:
        if Run(results, dataset, seed).local(target(seed)).is_file():
            return seed
    inside = Path(target(0)).relative_to(layout.run_dir(dataset, 0))
    raise UserError(f"{results}: no seed<k> folder holds {inside}; make it with "
                    f"`snakemake --cores 1 -- results/{dataset}/seed<k>/{inside}` (or give --seed)")


def chosen_models(run: Run, names: str | None) -> list[str]:
    """--models, checked against the registry; else LeakGAN and every other registered model with samples in
    the seed folder (LeakGAN always, so that its missing files are named when a figure reads them)."""
    if names is None:
        return [m for m in registry.names() if m == "leakgan" or run.has_samples(m)]
    models = [n.strip() for n in names.split(",") if n.strip()]
    for name in models:
        registry.get(name)  # one clear line for an unknown model
    return models


def paper_order(models: list[str]) -> list[str]:
    """The models with LeakGAN last (drawn on top of the baselines)."""
    return [m for m in models if m != "leakgan"] + [m for m in models if m == "leakgan"]


def load_leakgan(run: Run):
    """LeakGAN's final model of the run (its D gives every feature of Figure 4)."""
    from leakgan.models.registry import load_model_and_checkpoint

    path = run.checkpoint("leakgan")
    model, ckpt = load_model_and_checkpoint(path)
    if ckpt["model"] != "leakgan":
        raise UserError(f"{path}: a checkpoint of model '{ckpt['model']}', not LeakGAN's; re-run LeakGAN's training")
    return model


def read_ids(path: Path, vocab: dict, seq_len: int | None = None):
    """A token file as a LongTensor, checked against the vocabulary (and the model's length when given)."""
    import torch

    from leakgan.io import read_tokens

    tokens = torch.from_numpy(read_tokens(path, vocab["size"]))
    if seq_len is not None and tokens.shape[1] != seq_len:
        raise UserError(f"{path}: sequences of {tokens.shape[1]} tokens, but the LeakGAN model makes {seq_len}")
    return tokens


def draw_figure3(run: Run, vocab: dict, vocab_path: Path, models: list[str], args, path: Path) -> None:
    from leakgan.metrics.scores import decode

    samples = {m: decode(read_ids(run.samples(m), vocab), vocab, str(vocab_path)) for m in models}
    test = run.data("test.txt")
    references = decode(read_ids(test, vocab), vocab, str(vocab_path))
    data = figures.bleu_gain_by_length(samples, references, args.bleu_n, args.smoothing, args.bucket_width,
                                       args.min_count)
    figures.plot_bleu_gain(data, path, run.dataset, run.seed)


def draw_figure4(run: Run, vocab: dict, model, models: list[str], args, path: Path) -> None:
    seq_len = model.cfg.seq_len
    real = read_ids(run.data("test.txt"), vocab, seq_len)
    if args.num_real:
        real = real[figures.pick_indices(len(real), args.num_real, args.draw_seed, "figure4/real")]
    samples = {}
    for name in paper_order(models):
        tokens = read_ids(run.samples(name), vocab, seq_len)
        samples[name] = tokens[figures.pick_indices(len(tokens), args.traces, args.draw_seed, f"figure4/{name}")]
    data = figures.feature_traces(model, real, samples)
    figures.plot_feature_traces(data, path, run.dataset, run.seed)


def draw_figure5(run: Run, vocab: dict, model, args, path: Path) -> None:
    """One seeded LeakGAN sample (non-empty on real text), cut at its first padding token on real text."""
    tokens = read_ids(run.samples("leakgan"), vocab, model.cfg.seq_len)
    words, pad = vocab.get("tokens"), vocab.get("pad_id")
    candidates = [i for i, row in enumerate(tokens.tolist()) if pad is None or row[0] != pad]
    if not candidates:
        raise UserError(f"{run.samples('leakgan')}: every LeakGAN sample is empty; Figure 5 needs a sentence")
    row = candidates[figures.pick_indices(len(candidates), 1, args.draw_seed, "figure5")[0]]
    ids = tokens[row].tolist()
    length = ids.index(pad) if pad is not None and pad in ids else len(ids)
    values = figures.worker_manager_product(model, tokens[row])[:length]
    labels = [words[t] if words else str(t) for t in ids[:length]]
    data = figures.WorkerManagerProduct(values, labels, row, model.cfg.step_size)
    figures.plot_worker_manager(data, path, run.dataset, run.seed)


def main(args: argparse.Namespace) -> int:
    from leakgan.io import read_vocab

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
    seed = args.seed if args.seed is not None else default_seed(results, dataset, wanted != ["3"])
    run = Run(results, dataset, seed)
    vocab_path = run.data("vocab.json")
    vocab = read_vocab(vocab_path)
    models = chosen_models(run, args.models)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    out = Path(args.out)
    text = bool(vocab.get("tokens"))
    if args.figure == "all" and 3 not in figures.paper_figures(models, text):
        reason = (f"{dataset} is synthetic; Figure 3 needs real text" if not text else
                  f"Figure 3 needs the samples of LeakGAN and of a baseline ({', '.join(figures.BASELINES)}) "
                  f"in {run.folder}")
        print(f"leakgan figures: Figure 3 skipped: {reason}", file=sys.stderr)
        wanted.remove("3")
    model = None
    for figure in wanted:
        path = out / f"figure{figure}.png"
        drawn = figures.figure_models(models, int(figure), text)
        if figure == "3":
            draw_figure3(run, vocab, vocab_path, drawn, args, path)
            continue
        if model is None:
            model = load_leakgan(run)
        if figure == "4":
            draw_figure4(run, vocab, model, drawn, args, path)
        else:
            draw_figure5(run, vocab, model, args, path)
    return 0
