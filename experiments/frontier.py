"""The quality-diversity frontier on the standard oracle: MLE, SeqGAN and LeakGAN over several seeds.

Run (from the repository root; about an hour on 2 CPU cores at the default schedule):
    python experiments/frontier.py > experiments/out/frontier.txt 2>&1
    python experiments/frontier.py --smoke        # the whole path at tiny sizes (a few minutes; numbers mean nothing)

The experiment is the pipeline itself: this script writes a config overlay
(printed at the top: the schedule), runs `snakemake` in a work folder
(experiments/out/frontier/ by default) for results/synthetic-20/nll.json and
the frontier figure, then prints the tables the report shows — every model at
its own α and at α = 1, the frontier (oracle NLL / NLL-test at each α), the
models at equal diversity (where their NLL-test equals MLE's at α = 1), the
budgets — and copies the figure to experiments/out/frontier.png.

Needs the standard oracle (target_params.pkl) at
../shared/data/oracle/target_params.pkl relative to the repository root (or
--oracle PATH); --smoke uses a seeded N(0, 1) oracle when it is absent.
The schedule is a reduced CPU schedule (the paper's takes days per chain on
CPU): every model trains on the same 95% of the oracle's 10,000 training
sequences, selects its (pre)trained model by validation NLL on the other 5%,
and is scored on 5,000 samples per α and a 2,000-sequence test set.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from leakgan.report.render import markdown_table, run_note  # noqa: E402
from leakgan.report.tables import all_tables  # noqa: E402

DEFAULT_ORACLE = ROOT.parent / "shared" / "data" / "oracle" / "target_params.pkl"
REDUCED_D = {"dis_emb_dim": 64, "filter_sizes": [1, 2, 3, 4, 5, 10, 15, 20], "num_filters": [50] * 8}
TEMPERATURES = [1.5, 1.25, 1.0, 0.9, 0.8, 0.67, 0.5]


def overlay(a: argparse.Namespace) -> dict:
    """The config the experiment runs: the models, seeds, temperatures and the reduced schedule."""
    oracle = Path(a.oracle).resolve() if Path(a.oracle).is_file() else None
    if oracle is None and not a.smoke:
        sys.exit(f"frontier.py: the standard oracle is not at {a.oracle}; pass --oracle PATH")
    if a.smoke:
        return {"scale": "smoke", "models": a.models, "seeds": a.seeds[:2],
                "evaluate": {"temperatures": [1.0, 0.8, 0.5]},
                "datasets": {"synthetic-20": {"oracle_params": None}}}
    return {
        "scale": "paper",
        "models": a.models,
        "seeds": a.seeds,
        "datasets": {"synthetic-20": {"oracle_params": str(oracle), "num_train": 10000, "num_test": 2000}},
        "evaluate": {"num_samples": 5000, "batch_size": 1000, "temperatures": TEMPERATURES},
        "training": {"validation_fraction": 0.05, "select": "best_validation"},
        "mle": {"epochs": a.mle_epochs, "eval_every": 2, "curve_samples": 2000},
        "seqgan": {**REDUCED_D, "pretrain_epochs": a.mle_epochs, "pretrain_d_steps": 3, "d_epochs": 1,
                   "num_negatives": 2000, "adversarial_epochs": a.adversarial_epochs, "d_steps": 1,
                   "rollout_num": 8, "checkpoint_every": 10, "eval_every": 2, "eval_samples": 1000},
        "leakgan": {**REDUCED_D, "pretrain_rounds": 2, "pretrain_d_steps": 2, "pretrain_g_epochs": 4,
                    "d_epochs": 1, "num_negatives": 2000, "adversarial_epochs": a.adversarial_epochs, "d_steps": 1,
                    "rollout_num": 4, "mle_every": 10, "checkpoint_every": 10, "eval_every": 4,
                    "eval_samples": 1000},
    }


def run_workflow(workdir: Path, configfile: Path, targets: list[str], cores: int,
                 dry_run: bool = False) -> tuple[int, float]:
    """Run the pipeline (snakemake) in `workdir` for `targets` with a config overlay; (exit code, wall seconds).

    Training and frontier jobs run one thread each on 2 cores (two jobs at a time), two on more.
    The log goes to workdir/snakemake.log; a failure prints one line naming it. With `dry_run` nothing runs:
    snakemake's count of the jobs it would run, by rule, and why, goes to stdout.
    """
    threads = [f"{rule}={1 if cores <= 2 else 2}" for rule in ("pretrain", "adversarial", "frontier")]
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--directory",
               str(workdir), "--cores", str(cores), "--configfile", str(configfile),
               "--set-threads", *threads, "--rerun-incomplete", "--show-failed-logs",
               *(["--dry-run", "--quiet", "rules"] if dry_run else []), "--", *targets]
    # the rules call the `leakgan` command installed beside this Python
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    started = time.time()
    if dry_run:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT, env=env,
                              text=True)
        print(done.stdout.rstrip())
        code = done.returncode
    else:
        with open(workdir / "snakemake.log", "w", encoding="utf-8") as log:
            code = subprocess.call(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
    if code != 0:
        print(f"snakemake failed (exit {code}); see {'its output above' if dry_run else workdir / 'snakemake.log'}")
    return code, time.time() - started


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--oracle", default=str(DEFAULT_ORACLE), help="standard oracle pickle (target_params.pkl)")
    p.add_argument("--models", nargs="+", default=["mle", "seqgan", "leakgan"])
    p.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    p.add_argument("--mle-epochs", type=int, default=12, help="MLE epochs (and SeqGAN's pretraining epochs)")
    p.add_argument("--adversarial-epochs", type=int, default=30, help="adversarial epochs of SeqGAN and LeakGAN")
    p.add_argument("--cores", type=int, default=2, help="snakemake --cores (training jobs run one thread each)")
    p.add_argument("--workdir", default=str(ROOT / "experiments" / "out" / "frontier"))
    p.add_argument("--figure", default=str(ROOT / "experiments" / "out" / "frontier.png"),
                   help="where to copy the frontier figure")
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks the whole path (numbers mean nothing)")
    a = p.parse_args()

    workdir = Path(a.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    config = overlay(a)
    (workdir / "frontier.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    print("# Quality-diversity frontier on synthetic-20 (experiments/frontier.py)\n")
    print("Schedule (config overlay on config.yaml):\n")
    print("```yaml\n" + yaml.safe_dump(config, sort_keys=False).rstrip() + "\n```\n", flush=True)

    targets = ["results/synthetic-20/nll.json", "results/report/synthetic-20/frontier.png",
               "results/report/synthetic-20/nll_curve.png"]
    code, wall = run_workflow(workdir, workdir / "frontier.yaml", targets, a.cores)
    if code != 0:
        return code
    result = json.loads((workdir / "results/synthetic-20/nll.json").read_text(encoding="utf-8"))
    print(f"Wall time of the run: {wall / 60:.1f} min ({run_note(result)})\n")
    for title, header, rows in all_tables(result):
        print(f"## {title}\n")
        print("\n".join(markdown_table(header, rows)) + "\n")
    figure = Path(a.figure)
    figure.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(workdir / "results/report/synthetic-20/frontier.png", figure)
    print(f"Frontier figure: {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
