"""The shared end-to-end runs: one smoke pipeline per kind of dataset, made once per test session.

- `synthetic_run`: synthetic-20 at smoke scale with all five registered models and one ablation arm
  (leakgan_constant), up to results/synthetic-20/nll.json (every seed's chain, the frontier, the aggregate).
- `coco_run`: the shared COCO captions (../shared/data/coco) at smoke scale with all five models, up to
  results/coco/bleu.json and the report's tables, curves, frontier and Figures 4-5 (Figure 3's default of 20
  sentences per length bucket is more than 200 smoke samples give; tests/e2e/test_text.py draws it with fewer).

Every end-to-end check that only reads a run (results fields, dry runs, `leakgan generate`, the figures) reads
these; a check that must change files copies the run first (`copy_run`) or makes its own folder.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import require_shared, snakemake

ALL_MODELS = ["mle", "seqgan", "seqgan_rescaled", "rankgan", "leakgan"]
ARMS = ["leakgan_constant"]
SYNTHETIC = ["--config", "scale=smoke", f"models=[{', '.join(ALL_MODELS + ARMS)}]"]
SYNTHETIC_TARGET = "results/synthetic-20/nll.json"
COCO_TARGETS = ["results/coco/bleu.json", "results/tables.md", "results/report/tables.html",
                *(f"results/report/coco/{name}.png" for name in ("bleu_curve", "frontier", "figure4", "figure5"))]


def coco_config() -> list[str]:
    """The COCO run's --config values (skips the test when the shared captions are absent)."""
    train = require_shared("coco", "train_captions.txt")
    test = require_shared("coco", "test_captions.txt")
    return ["--config", "scale=smoke", f"models=[{', '.join(ALL_MODELS)}]",
            f"datasets={{coco: {{source: {train}, format: text, test_source: {test}}}}}",
            "report={datasets: [coco], num_samples: 3}"]


@pytest.fixture(scope="session")
def synthetic_run(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("synthetic-run")
    snakemake(workdir, *SYNTHETIC, "--", SYNTHETIC_TARGET, timeout=1200)
    return workdir


@pytest.fixture(scope="session")
def coco_run(tmp_path_factory) -> Path:
    config = coco_config()
    workdir = tmp_path_factory.mktemp("coco-run")
    snakemake(workdir, *config, "--", *COCO_TARGETS, timeout=1200)
    return workdir


def copy_run(run: Path, dest: Path, *parts: str) -> Path:
    """A copy of a shared run for a check that changes files: all of it (results, logs, checkpoints and Snakemake's
    records), or Snakemake's records and only `parts` (paths relative to the run, e.g. one model's chain)."""
    if not parts:
        shutil.copytree(run, dest, symlinks=True)
        return dest
    shutil.copytree(run / ".snakemake", dest / ".snakemake", symlinks=True)
    for part in parts:
        source = run / part
        (dest / part).parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, dest / part, symlinks=True)
        else:
            shutil.copy2(source, dest / part)
    return dest


def synthetic_chains(*models: str, seed: int = 42) -> list[str]:
    """The parts of the shared synthetic run a copy needs to reuse these models' chains of `seed`: the data, the
    oracle, the oracle's own "real" row and each model's folder."""
    return ["results/synthetic-20/data", "results/synthetic-20/oracle",
            *(f"results/synthetic-20/seed{seed}/{m}" for m in ("real", *models))]
