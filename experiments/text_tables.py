"""The paper's Tables 2 and 3 on equal footing: all five models on real text, several seeds, one command each.

Run (from the repository root). COCO at the default schedule took 2 h 20 min on a 2-core machine (one core
for its first 52 minutes; re-running LeakGAN's stages alone with the interleaved schedule 36 minutes): each
GAN's adversarial phase (148 generator updates with 2 rollouts) 8-12 minutes on one core, each frontier job
2-9. News sentences are longer (20-51 tokens) and a rollout costs with the square of the length: with the
2 rollouts per prefix of COCO a SeqGAN adversarial epoch on News took 13 minutes on a loaded core (the whole
run about 5 hours on 2 cores), so News defaults to 1 rollout per prefix (--rollout-num): a baseline's
adversarial stage then takes 830-930 CPU-seconds, the whole News table an estimated 4.6 CPU-hours:
    python experiments/text_tables.py --dataset coco > experiments/out/coco_table.txt 2>&1
    python experiments/text_tables.py --dataset wmt_benchmark > experiments/out/news_table.txt 2>&1
    python experiments/text_tables.py --dataset coco --smoke     # the whole path at tiny sizes
    python experiments/text_tables.py --dataset coco --dry-run   # the jobs a run would start, and why

The experiment is the pipeline itself, as experiments/frontier.py: this
script writes a config overlay (printed at the top: the data and the
schedule), runs `snakemake` in a work folder (experiments/out/<dataset>/) for
results/<dataset>/bleu.json, the frontier figure and Figure 3, then prints the
report's tables: BLEU-2..5 beside the paper's, self-BLEU, NLL-test, the LM
score and the Fréchet distance (under the dataset's reference LM) and the
reverse-LM score, each as mean ± std over the seeds with Welch's p against
LeakGAN; the frontier; every model at equal diversity; the budgets.

Data (../shared/data relative to the repository root, or --shared PATH):
- coco: the COCO benchmark's caption files (train_captions.txt, test_captions.txt; recipes/coco-local.yaml).
- wmt_benchmark: the EMNLP2017 News benchmark sentences (news/news_sentences.txt, its 10,000-sentence
  split): 90% train, 10% test, every word kept.
Every model gets the same budget of generator updates (within 1%): MLE `--epochs` epochs; SeqGAN, its
rescaled variant and RankGAN `--epochs - 1` epochs of MLE pretraining and one adversarial phase of as many
generator steps as one epoch has batches (`--adversarial-epochs` epochs of g_steps steps), with the reduced D
of the other experiments; their generator's Adam rate in the adversarial phase is 0.001
(`--baseline-adversarial-lr`: at their code's 0.01 they collapse at this schedule). LeakGAN trains with the
paper's interleaved training: after every adversarial epoch one MLE epoch over a fresh `--mle-fraction` of the
data (the authors' COCO share, 1/20), its pretraining in
epochs of that size too (as many as make `--epochs - 1` full ones), its D pretrained last, against the
pretrained generator (`pretrain_order: g_first`), and as many policy-gradient steps as the budget leaves
(`leakgan_schedule`). Without the interleaving LeakGAN's samples shrink to empty sentences within one
adversarial epoch: experiments/text_collapse.py shows why.
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "experiments"))

from frontier import REDUCED_D, run_workflow  # noqa: E402
from leakgan.report.paper_figures import GAIN_TABLE_START  # noqa: E402
from leakgan.report.render import markdown_table, run_note  # noqa: E402
from leakgan.train.leakgan import mle_epoch_rows  # noqa: E402
from leakgan.report.tables import all_tables  # noqa: E402
from leakgan.stages.collect import benchmark_seconds  # noqa: E402

ALL_MODELS = ["mle", "seqgan", "seqgan_rescaled", "rankgan", "leakgan"]
DEFAULT_SHARED = ROOT.parent / "shared" / "data"
TEMPERATURES = [1.0, 0.8, 0.67, 0.5]
BATCH = 64
HELD_OUT = 0.05  # training.validation_fraction of the overlay
# Monte Carlo rollouts per prefix when --rollout-num is not given: a rollout costs with the square of the length,
# so News (sentences of 20-51 tokens) gets one, to fit the run in a few hours on 2 cores.
ROLLOUTS = {"coco": 2, "wmt_benchmark": 1}


def dataset_block(name: str, shared: Path) -> tuple[dict, int]:
    """The dataset's config block and its number of training sentences (for the budget)."""
    if name == "coco":
        train, test = shared / "coco" / "train_captions.txt", shared / "coco" / "test_captions.txt"
        for path in (train, test):
            if not path.is_file():
                sys.exit(f"text_tables.py: {path} not found; pass --shared PATH (the folder with coco/ and news/)")
        return ({"source": str(train), "test_source": str(test), "format": "text", "min_freq": 1, "num_train": "all",
                 "num_test": "all"}, 9997)
    news = shared / "news" / "news_sentences.txt"
    if not news.is_file():
        sys.exit(f"text_tables.py: {news} not found; pass --shared PATH (the folder with coco/ and news/)")
    return ({"source": str(news), "test_source": None, "format": "text", "min_freq": 1, "num_train": "all",
             "num_test": 1000}, 9000)


def leakgan_schedule(rows: int, epochs: int, adversarial_epochs: int, fraction: float) -> tuple[int, int]:
    """LeakGAN's (pretraining epochs, g_steps) on the budget of `epochs` MLE epochs over `rows` sequences, when
    each of its MLE epochs (pretraining and the interleaved one after every adversarial epoch) sees `fraction`.

    Pretraining gets as many fractional epochs as make the GANs' `epochs - 1` full ones (rounded); the
    adversarial epochs share what is left, less their interleaved MLE batches.
    """
    per_epoch = math.ceil(rows / BATCH)
    part = math.ceil(mle_epoch_rows(SimpleNamespace(mle_epoch_fraction=fraction), rows) / BATCH)  # the trainer's rows
    pretrain = max(1, round((epochs - 1) * per_epoch / part))
    left = epochs * per_epoch - pretrain * part - adversarial_epochs * part
    if left < adversarial_epochs:
        sys.exit(f"text_tables.py: --mle-fraction {fraction} leaves LeakGAN no policy-gradient steps in the "
                 f"budget of {epochs} MLE epochs; use a smaller fraction or more --epochs")
    return pretrain, left // adversarial_epochs


def overlay(a: argparse.Namespace) -> dict:
    """The config the experiment runs: the data, models, seeds, temperatures and the equal-budget schedule."""
    block, sentences = dataset_block(a.dataset, Path(a.shared))
    if a.smoke:
        return {"scale": "smoke", "models": a.models, "seeds": a.seeds[:2], "datasets": {a.dataset: block},
                "evaluate": {"temperatures": [1.0, 0.5], "reverse_lm": {"temperatures": [1.0]}},
                "report": {"datasets": [a.dataset], "num_samples": 3}}
    rows = sentences - math.ceil(sentences * HELD_OUT)  # the chains' training rows (5% held out for selection)
    steps = math.ceil(rows / BATCH)  # one epoch's generator updates
    g_steps = max(1, steps // a.adversarial_epochs)
    leak_pretrain, leak_g_steps = leakgan_schedule(rows, a.epochs, a.adversarial_epochs, a.mle_fraction)
    rollouts = ROLLOUTS[a.dataset] if a.rollout_num is None else a.rollout_num
    schedule = {"adversarial_lr": a.baseline_adversarial_lr, "pretrain_epochs": a.epochs - 1, "pretrain_d_steps": 2,
                "d_epochs": 1, "num_negatives": 2000,
                "adversarial_epochs": a.adversarial_epochs, "g_steps": g_steps, "d_steps": 1,
                "rollout_num": rollouts, "checkpoint_every": 1, "eval_every": a.adversarial_epochs,
                "eval_samples": 1000, "batch_size": BATCH}
    return {
        "scale": "paper",
        "models": a.models,
        "seeds": a.seeds,
        "datasets": {a.dataset: block},
        "evaluate": {"num_samples": a.samples, "batch_size": 1000, "temperatures": TEMPERATURES,
                     "test_sequences": None,
                     "lm": {"emb_dim": 128, "hidden_dim": 128, "batch_size": 64, "lr": 0.005, "max_epochs": 10,
                            "patience": 2, "validation_fraction": 0.1},
                     "reverse_lm": {"samples": a.samples, "temperatures": None, "emb_dim": 64, "hidden_dim": 64,
                                    "batch_size": 64, "lr": 0.005, "max_epochs": 5, "patience": 2,
                                    "validation_fraction": 0.1}},
        "training": {"validation_fraction": HELD_OUT, "select": "best_validation", "keep_checkpoints": "last"},
        "report": {"datasets": [a.dataset], "num_samples": 5},
        "mle": {"epochs": a.epochs, "eval_every": 1, "curve_samples": 1000, "batch_size": BATCH},
        **{name: {**REDUCED_D, **schedule} for name in ("seqgan", "seqgan_rescaled", "rankgan")},
        # Interleaved training (the paper's guard against collapse) after every adversarial epoch, on a fresh
        # `--mle-fraction` of the data; pretraining in epochs of that size too (the key sets both), D last.
        "leakgan": {**REDUCED_D, "pretrain_rounds": 1, "pretrain_d_steps": 2, "pretrain_g_epochs": leak_pretrain,
                    "pretrain_order": "g_first", "d_epochs": 1, "num_negatives": 2000,
                    "adversarial_epochs": a.adversarial_epochs, "g_steps": leak_g_steps, "d_steps": 1,
                    "rollout_num": rollouts, "mle_every": 1, "mle_epoch_fraction": a.mle_fraction,
                    "checkpoint_every": 1, "eval_every": max(leak_pretrain, a.adversarial_epochs),
                    "eval_samples": 1000, "batch_size": BATCH},
    }


def job_times(logs: Path) -> tuple[int, float, float]:
    """(jobs, summed wall seconds, summed CPU seconds) over the Snakemake benchmark files under `logs`: the cost
    of a run however many invocations it took (each file holds its job's last run; a stage resumed from a
    checkpoint counts only the part after the resume). Unreadable files are skipped."""
    jobs, wall, cpu = 0, 0.0, 0.0
    for path in sorted(logs.rglob("*.benchmark.tsv")):
        seconds = benchmark_seconds(path)
        if seconds is not None:
            jobs, wall, cpu = jobs + 1, wall + seconds, cpu + (benchmark_seconds(path, "cpu_time") or 0.0)
    return jobs, wall, cpu


def figure3_numbers(log: Path) -> str | None:
    """Figure 3's table from its job's log (what `leakgan figures` printed, from its title on); None without one."""
    try:
        text = log.read_text(encoding="utf-8")
    except OSError:
        return None
    start = text.find(GAIN_TABLE_START)
    return text[start:].rstrip() if start >= 0 else None


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dataset", choices=["coco", "wmt_benchmark"], required=True)
    p.add_argument("--shared", default=str(DEFAULT_SHARED), help="the folder holding coco/ and news/")
    p.add_argument("--models", nargs="+", default=ALL_MODELS)
    p.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    p.add_argument("--epochs", type=int, default=2, help="MLE epochs; the GANs pretrain one fewer")
    p.add_argument("--adversarial-epochs", type=int, default=4,
                   help="adversarial epochs, which share one epoch's worth of generator steps")
    p.add_argument("--rollout-num", type=positive, default=None,
                   help="Monte Carlo rollouts per prefix (the paper: 16; default 2 on coco, 1 on wmt_benchmark)")
    p.add_argument("--mle-fraction", type=float, default=0.05,
                   help="share of the data in each of LeakGAN's MLE epochs (the authors' COCO 1/20)")
    p.add_argument("--baseline-adversarial-lr", type=float, default=0.001,
                   help="G's Adam rate in SeqGAN's and RankGAN's adversarial phase (default 0.001; their code's "
                        "0.01 collapses them at this schedule: README)")
    p.add_argument("--samples", type=int, default=1000, help="samples per model, seed and α")
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--workdir", default=None, help="default experiments/out/<dataset>")
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks the whole path (numbers mean nothing)")
    p.add_argument("--dry-run", action="store_true",
                   help="write and print the schedule, then list the jobs the run would start (by rule) and why")
    return p


def main(argv: list[str] | None = None) -> int:
    a = parser().parse_args(argv)

    workdir = Path(a.workdir or ROOT / "experiments" / "out" / a.dataset)
    workdir.mkdir(parents=True, exist_ok=True)
    config = overlay(a)
    (workdir / "tables.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    print(f"# {a.dataset}: the paper's table on equal footing (experiments/text_tables.py)\n")
    print("Schedule (config overlay on config.yaml):\n")
    print("```yaml\n" + yaml.safe_dump(config, sort_keys=False).rstrip() + "\n```\n", flush=True)
    figures = [f"results/report/{a.dataset}/frontier.png", f"results/report/{a.dataset}/bleu_curve.png"]
    if "leakgan" in a.models and set(a.models) & {"seqgan", "rankgan", "seqgan_rescaled"}:
        figures.append(f"results/report/{a.dataset}/figure3.png")
    targets = [f"results/{a.dataset}/bleu.json", *figures]
    code, wall = run_workflow(workdir, workdir / "tables.yaml", targets, a.cores, dry_run=a.dry_run)
    if code != 0 or a.dry_run:
        return code
    result = json.loads((workdir / f"results/{a.dataset}/bleu.json").read_text(encoding="utf-8"))
    lm = json.loads((workdir / f"results/{a.dataset}/lm/reference.json").read_text(encoding="utf-8"))
    print(f"Wall time of the run: {wall / 60:.1f} min ({run_note(result)})")
    jobs, job_wall, job_cpu = job_times(workdir / "logs" / a.dataset)
    print(f"Its {jobs} jobs (their last runs, over every invocation): {job_wall / 3600:.2f} h of wall time summed, "
          f"{job_cpu / 3600:.2f} h of CPU time")
    print(f"Reference LM: test NLL {lm['test_nll']:.3f} per token after {lm['epochs']} epochs "
          f"({lm['parameters']:,} parameters)\n")
    for title, header, rows in all_tables(result):
        print(f"## {title}\n")
        print("\n".join(markdown_table(header, rows)) + "\n")
    (ROOT / "experiments" / "out").mkdir(parents=True, exist_ok=True)  # --workdir may lie elsewhere
    for figure in figures:
        target = ROOT / "experiments" / "out" / f"{a.dataset}_{Path(figure).name}"
        shutil.copyfile(workdir / figure, target)
        print(f"Figure: {target}")
    numbers = figure3_numbers(workdir / "logs" / "report" / a.dataset / "figure3.log")
    if numbers:
        print("\n## Figure 3's numbers (first seed)\n\n```\n" + numbers + "\n```")
    return 0


if __name__ == "__main__":
    sys.exit(main())
