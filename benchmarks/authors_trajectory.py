"""Our `semantics: authors` run beside the authors' own length-40 training log (experiment-log40.txt).

Run (from the repository root):
    python benchmarks/authors_trajectory.py --pretrain-rounds 2 --adversarial-epochs 4 --eval-every 3 --cores 1  # CPU
    python benchmarks/authors_trajectory.py --device cuda           # all 120
    python benchmarks/authors_trajectory.py --table-only            # the table from a stopped run's curves
    python benchmarks/authors_trajectory.py --smoke                 # the path

It runs the pipeline (as experiments/frontier.py does) on synthetic-40 under
`semantics: authors` with the authors' sizes and schedule (recipes/authors-
length40.yaml: emb/hidden 64, lr 0.0005, their 13-window D of 1,880 features, a
random N(0, 1) 64 × 64 oracle; 10,000 training sequences, no validation split,
the last epoch kept; pretraining rounds of 5 D steps × 10,000 fresh negatives ×
3 epochs and 8 G epochs; adversarial epochs of 1 G step and 5 × 3 D epochs;
evaluation on 10,000 samples at the authors' ×1.5, α = 2/3), for as many
pretraining rounds and adversarial epochs as asked, then prints our oracle NLL
beside the authors' test_loss parsed from the shared copy of their log
(../shared/reference/authors-experiment-log40.txt). Their oracle is a random
one too, drawn with another seed, so the two curves can agree in shape and
level, not in value: the table says so, and prints each oracle's own NLL
("Groud-Truth" in their log, the real row here).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "experiments"))

from frontier import run_workflow  # noqa: E402
from leakgan.stages.common import live_curve  # noqa: E402

DEFAULT_LOG = ROOT.parent / "shared" / "reference" / "authors-experiment-log40.txt"
AUTHORS_G_EPOCHS = 8  # G epochs per pretraining round (their PRE_EPOCH_NUM / 10)


def parse_log(path: Path) -> dict:
    """The authors' log: pretraining test_loss per (round, epoch in the round), adversarial test_loss per epoch,
    and the ground truth (their oracle's NLL on its own samples)."""
    text = path.read_text(encoding="utf-8")
    pretrain, adversarial, truth = [], [], []
    round_ = -1
    for line in text.splitlines():
        if found := re.match(r"pre-train epoch\s+(\d+)\s+test_loss\s+([\d.]+)", line):
            epoch = int(found.group(1))
            round_ += epoch == 0
            pretrain.append((round_ * AUTHORS_G_EPOCHS + epoch + 1, float(found.group(2))))
        elif found := re.match(r"total_batch:\s+(\d+)\s+test_loss:\s+([\d.]+)", line):
            adversarial.append((int(found.group(1)) + 1, float(found.group(2))))  # their epochs count from 0
        elif found := re.match(r"Groud-Truth:\s+([\d.]+)", line):
            truth.append(float(found.group(1)))
    return {"pretrain": pretrain, "adversarial": adversarial, "truth": sum(truth) / max(len(truth), 1)}


def overlay(a: argparse.Namespace) -> dict:
    """The authors' run as a config overlay on config.yaml and recipes/authors-length40.yaml."""
    recipe = yaml.safe_load((ROOT / "recipes" / "authors-length40.yaml").read_text(encoding="utf-8"))
    block = recipe["datasets"]["synthetic-40"]["leakgan"]
    schedule = {"pretrain_rounds": a.pretrain_rounds, "pretrain_d_steps": 5, "pretrain_g_epochs": AUTHORS_G_EPOCHS,
                "d_epochs": 3, "num_negatives": 10000, "adversarial_epochs": a.adversarial_epochs, "g_steps": 1,
                "d_steps": 5, "eval_every": a.eval_every, "eval_samples": 10000, "checkpoint_every": 5,
                "gen_batch": 10000 if a.device == "cuda" else 1000}
    if a.smoke:
        block = {**block, "emb_dim": 16, "hidden_dim": 16, "filter_sizes": [1, 2, 5, 10],
                 "num_filters": [8, 8, 8, 8], "dis_emb_dim": 16}
        schedule.update(pretrain_rounds=1, pretrain_d_steps=1, pretrain_g_epochs=2, d_epochs=1, num_negatives=100,
                        adversarial_epochs=2, d_steps=1, eval_every=1, eval_samples=100, gen_batch=100)
    return {
        "scale": "smoke" if a.smoke else "paper",
        "device": a.device,
        "models": ["leakgan", "mle"] if a.smoke else ["leakgan"],
        "seeds": [a.seed],
        "oracle": recipe["oracle"] if not a.smoke else {"emb_dim": 16, "hidden_dim": 16, "init_std": 1.0},
        "training": {"validation_fraction": 0.0, "select": "last", "keep_checkpoints": "last"},
        "datasets": {"synthetic-40": {"oracle_params": None,
                                      **({} if a.smoke else {"num_train": 10000, "num_test": 10000}),
                                      "leakgan": {**block, **schedule}}},
    }


def ours(workdir: Path, seed: int) -> dict:
    """Our curves: oracle NLL (α = 2/3) per global pretraining epoch and per adversarial epoch; the oracle's own."""
    folder = workdir / "results" / "synthetic-40" / f"seed{seed}" / "leakgan"

    def points(name):
        path = folder / f"{name}.jsonl"
        if not path.is_file():  # a stage still running (or stopped) keeps its curve so far beside its output
            path = Path(live_curve(str(path)))
        lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
        return [(p["epoch"], p["oracle_nll"]) for p in map(json.loads, lines) if "oracle_nll" in p]

    return {"pretrain": points("pretrain"), "adversarial": points("adversarial")}


def table(theirs: list[tuple[int, float]], mine: list[tuple[int, float]], label: str) -> list[str]:
    """Markdown rows: every epoch either curve has, theirs and ours side by side."""
    a, b = dict(theirs), dict(mine)
    rows = [f"| {label} | authors' test_loss | ours (oracle NLL, α = 2/3) |", "|---:|---:|---:|"]
    for epoch in sorted(set(a) | set(b)):
        cells = [f"{curve[epoch]:.3f}" if epoch in curve else "-" for curve in (a, b)]
        rows.append(f"| {epoch} | {cells[0]} | {cells[1]} |")
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--log", default=str(DEFAULT_LOG), help="the authors' experiment-log40.txt")
    p.add_argument("--pretrain-rounds", type=int, default=10, help="pretraining rounds (the authors: 10)")
    p.add_argument("--adversarial-epochs", type=int, default=120, help="adversarial epochs (their log: 120)")
    p.add_argument("--eval-every", type=int, default=5,
                   help="evaluate every N G epochs in pretraining and every N adversarial epochs (their log: 5)")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--cores", type=int, default=2)
    p.add_argument("--workdir", default=str(ROOT / "experiments" / "out" / "authors_trajectory"))
    p.add_argument("--table-only", action="store_true",
                   help="print the table from the work folder's curves so far (a run stopped early) without running")
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks the whole path (numbers mean nothing)")
    a = p.parse_args()

    log = Path(a.log)
    if not log.is_file():
        print(f"authors_trajectory.py: the authors' log is not at {log}; pass --log PATH")
        return 1
    theirs = parse_log(log)
    workdir = Path(a.workdir)
    schedule = workdir / "authors.yaml"
    if a.table_only:  # the schedule the stopped run was started with
        if not schedule.is_file():
            print(f"authors_trajectory.py: no run in {workdir} (authors.yaml missing); run without --table-only first")
            return 1
        config = yaml.safe_load(schedule.read_text(encoding="utf-8"))
    else:
        workdir.mkdir(parents=True, exist_ok=True)
        config = overlay(a)
        schedule.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    print("# Our `semantics: authors` run beside the authors' length-40 log (benchmarks/authors_trajectory.py)\n")
    print("```yaml\n" + yaml.safe_dump(config, sort_keys=False).rstrip() + "\n```\n", flush=True)
    targets = [f"results/synthetic-40/seed{a.seed}/leakgan/adversarial.pt",
               f"results/synthetic-40/seed{a.seed}/real/scores.json"]
    if not a.table_only:
        started = time.time()
        code, wall = run_workflow(workdir, schedule, targets, a.cores)
        if code != 0:
            return code
        print(f"Wall time: {(time.time() - started) / 60:.1f} min on {a.device} "
              f"({a.pretrain_rounds} pretraining rounds, {a.adversarial_epochs} adversarial epochs)\n")
    mine = ours(workdir, a.seed)
    scores = workdir / targets[1]
    real = f"{json.loads(scores.read_text(encoding='utf-8'))['oracle_nll']:.3f}" if scores.is_file() else "(not run)"
    print("Each oracle's own samples (the real data): the authors' 'Groud-Truth' "
          f"{theirs['truth']:.3f}, ours {real}. Both oracles are random N(0, 1) LSTMs (theirs 64 × 64, ours "
          f"{config['oracle']['emb_dim']} × {config['oracle']['hidden_dim']}) drawn with different seeds: compare "
          "the curves' shape and level, not their values.\n")
    print("## Pretraining (global G epoch, 8 per round)\n")
    print("\n".join(table(theirs["pretrain"], mine["pretrain"], "epoch")) + "\n")
    print("## Adversarial training\n")
    print("\n".join(table(theirs["adversarial"], mine["adversarial"], "epoch")) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
