"""The shared end-to-end runs: one smoke pipeline per kind of dataset, made once per test session.

- `synthetic_run`: synthetic-20 at smoke scale with all five registered models and one ablation arm
  (leakgan_constant), up to results/synthetic-20/nll.json (every seed's chain, the frontier, the aggregate).
- `coco_run`: the shared COCO captions (../shared/data/coco) at smoke scale with all five models, up to
  results/coco/bleu.json and the report (tables, curves, the frontier, Figures 3-5).

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
COCO_TARGETS = ["results/coco/bleu.json", "report"]


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


def copy_run(run: Path, dest: Path) -> Path:
    """A copy of a shared run (results, logs and Snakemake's records) for a check that changes files."""
    shutil.copytree(run, dest, symlinks=True)
    return dest
