"""What does the leak do? An ablation of LeakGAN's adversarial phase on the standard oracle, over seeds.

Run (from the repository root; about two hours on 2 CPU cores at the default schedule):
    python experiments/adversarial_ablation.py > experiments/out/ablation.txt 2>&1
    python experiments/adversarial_ablation.py --smoke    # the whole path at tiny sizes (numbers mean nothing)

Every arm continues the same pretrained LeakGAN of each seed (config `arms`):
  (a)  leakgan                   the paper's update (Eq. 7-11)
  (b)  leakgan_authors           the authors' update (`semantics: authors`: the presets of leakgan.schema.yaml)
  (c)  leakgan_authors_a1        the authors' update with α = 1 everywhere (first tokens, negatives, evaluation)
  (d)  leakgan_mle               plain MLE continuation: as many supervised generator updates
  (e)  leakgan_constant          the paper's update with a constant reward (no information from D)
  (f)  leakgan_no_leak           the paper's update, the MANAGER reading a zero feature (the leak removed)
  (f') leakgan_random_d          the paper's update, the MANAGER reading a frozen randomly initialised D
  (g)  leakgan_authors_first_a1  the authors' update with only the first tokens at α = 1
  (h)  leakgan_authors_neg_a1    the authors' update with only D's negatives at α = 1
beside the MLE baseline. The script writes a config overlay (printed at the top:
the schedule), runs the pipeline in a work folder (experiments/out/ablation/ by
default) for results/synthetic-20/nll.json, and prints per arm the oracle NLL and
NLL-test at α = 1 and α = 2/3 (mean ± std over seeds, Welch's p against the
paper's update) and the arm at equal diversity (its frontier where its NLL-test
equals MLE's at α = 1), then the report's own tables.

The schedule is a reduced CPU schedule: the paper's 800 adversarial epochs take
days per chain on CPU. No arm runs interleaved MLE epochs (`mle_every: 0`, as the
authors' synthetic script), so the arms differ only in the generator's update.
Needs the standard oracle (target_params.pkl) at ../shared/data/oracle/ relative
to the repository root (or --oracle PATH); --smoke uses a seeded N(0, 1) oracle
when it is absent.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "experiments"))

from frontier import DEFAULT_ORACLE, REDUCED_D, run_workflow  # noqa: E402
from leakgan.report.render import markdown_table, run_note  # noqa: E402
from leakgan.report.tables import all_tables  # noqa: E402

ARMS = {  # model name -> the arm's letter and description
    "leakgan": "(a) paper's update",
    "leakgan_authors": "(b) authors' update",
    "leakgan_authors_a1": "(c) authors' update, α = 1",
    "leakgan_mle": "(d) MLE continuation",
    "leakgan_constant": "(e) constant reward",
    "leakgan_no_leak": "(f) leak removed: MANAGER reads zeros",
    "leakgan_random_d": "(f') leak removed: a frozen random D's feature",
    "leakgan_authors_first_a1": "(g) authors', first tokens at α = 1",
    "leakgan_authors_neg_a1": "(h) authors', negatives at α = 1",
}
ALPHAS = (1.0, 0.67)


def overlay(a: argparse.Namespace) -> dict:
    """The config the experiment runs: MLE and the five arms, the seeds, the temperatures and the schedule."""
    models = ["mle", *ARMS]
    oracle = Path(a.oracle).resolve() if Path(a.oracle).is_file() else None
    if oracle is None and not a.smoke:
        sys.exit(f"adversarial_ablation.py: the standard oracle is not at {a.oracle}; pass --oracle PATH")
    if a.smoke:
        # the smoke scale's schedule as it is (its interleaved MLE epoch included): a smoke run reuses the chains
        # (LeakGAN's, the constant-reward arm's) that a smoke pipeline of the same seed already trained
        return {"scale": "smoke", "models": models, "seeds": a.seeds[:2],
                "evaluate": {"temperatures": list(ALPHAS)},
                "datasets": {"synthetic-20": {"oracle_params": None}}}
    return {
        "scale": "paper",
        "models": models,
        "seeds": a.seeds,
        "datasets": {"synthetic-20": {"oracle_params": str(oracle), "num_train": 10000, "num_test": 2000}},
        "evaluate": {"num_samples": 2000, "batch_size": 1000, "temperatures": list(ALPHAS)},
        "training": {"validation_fraction": 0.05, "select": "best_validation"},
        "mle": {"epochs": a.mle_epochs, "eval_every": 2, "curve_samples": 1000},
        "leakgan": {**REDUCED_D, "pretrain_rounds": 1, "pretrain_d_steps": 2, "pretrain_g_epochs": a.pretrain_epochs,
                    "d_epochs": 1, "num_negatives": 1000, "adversarial_epochs": a.adversarial_epochs, "d_steps": 1,
                    "rollout_num": 4, "mle_every": 0, "checkpoint_every": 10,
                    "eval_every": a.adversarial_epochs, "eval_samples": 1000},
    }


def _cell(stats: dict | None, fallback) -> str:
    if stats:
        return f"{stats['mean']:.3f} ± {stats['std']:.3f}" if stats.get("n", 1) > 1 else f"{stats['mean']:.3f}"
    return "-" if fallback is None else f"{fallback:.3f}"


def _p(stats: dict | None) -> str:
    p = (stats or {}).get("p_value")
    return "-" if p is None else (f"{p:.2g}" if p >= 1e-4 else "< 1e-4")


def ablation_rows(result: dict) -> tuple[list[str], list[list[str]]]:
    """One row per arm: oracle NLL and NLL-test at each α of ALPHAS, and the arm at equal diversity."""
    header = ["Arm"]
    for alpha in ALPHAS:
        header += [f"oracle NLL α={alpha:g}", "p", f"NLL-test α={alpha:g}"]
    header += ["equal diversity: α", "oracle NLL", "seeds reaching it"]
    rows = []
    n = len(result.get("seeds", [])) or 1
    for model, name in ARMS.items():
        points = {round(p["temperature"], 4): p for p in result.get("frontier", {}).get(model, [])}
        row = [name]
        for alpha in ALPHAS:
            p = points.get(round(alpha, 4), {})
            stats = p.get("stats", {})
            row += [_cell(stats.get("oracle_nll"), p.get("oracle_nll")), _p(stats.get("oracle_nll")),
                    _cell(stats.get("nll_test"), p.get("nll_test"))]
        eq = (result.get("equal_diversity") or {}).get(model) or {}
        reached = eq.get("reached_in", 1 if "oracle_nll" in eq else 0)
        row += [f"{eq['temperature']:.3f}" if "temperature" in eq else "-",
                _cell(eq.get("stats", {}).get("oracle_nll"), eq.get("oracle_nll")), f"{reached} of {n}"]
        rows.append(row)
    mle = {round(p["temperature"], 4): p for p in result.get("frontier", {}).get("mle", [])}.get(1.0, {})
    rows.append(["MLE baseline (α = 1)", _cell(mle.get("stats", {}).get("oracle_nll"), mle.get("oracle_nll")), "",
                 _cell(mle.get("stats", {}).get("nll_test"), mle.get("nll_test"))] + [""] * (len(header) - 4))
    return header, rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--oracle", default=str(DEFAULT_ORACLE), help="standard oracle pickle (target_params.pkl)")
    p.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    p.add_argument("--mle-epochs", type=int, default=12, help="epochs of the MLE baseline")
    p.add_argument("--pretrain-epochs", type=int, default=4, help="LeakGAN's pretraining G epochs (one round)")
    p.add_argument("--adversarial-epochs", type=int, default=30, help="adversarial epochs of every arm")
    p.add_argument("--cores", type=int, default=2, help="snakemake --cores (training jobs run one thread each)")
    p.add_argument("--workdir", default=str(ROOT / "experiments" / "out" / "ablation"))
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks the whole path (numbers mean nothing)")
    a = p.parse_args()

    workdir = Path(a.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    config = overlay(a)
    configfile = workdir / "ablation.yaml"
    configfile.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    print("# Ablation of LeakGAN's adversarial phase on synthetic-20 (experiments/adversarial_ablation.py)\n")
    print("Schedule (config overlay on config.yaml):\n")
    print("```yaml\n" + yaml.safe_dump(config, sort_keys=False).rstrip() + "\n```\n", flush=True)

    code, wall = run_workflow(workdir, configfile, ["results/synthetic-20/nll.json"], a.cores)
    if code != 0:
        return code
    result = json.loads((workdir / "results/synthetic-20/nll.json").read_text(encoding="utf-8"))
    print(f"Wall time of the run: {wall / 60:.1f} min ({run_note(result)})\n")
    print("## The arms (mean ± std over seeds; p: Welch's t-test against (a), the paper's update)\n")
    header, rows = ablation_rows(result)
    print("\n".join(markdown_table(header, rows)) + "\n")
    for title, header, rows in all_tables(result):
        print(f"## {title}\n")
        print("\n".join(markdown_table(header, rows)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
