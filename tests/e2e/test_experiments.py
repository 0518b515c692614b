"""The experiments (experiments/*.py) run end to end with --smoke: the pipeline (frontier, ablation) or the library's
trainers (synthetic quality), and print their tables.

The two pipeline experiments run in a copy of the shared synthetic run's data and seed-42 chains of the models they
train, so that seed's training is reused (their schedules at smoke scale are the shared run's) and what they add
runs: seed 43, the frontier at their temperatures, the ablation arms' adversarial stages."""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import REPO
from tests.e2e.conftest import copy_run, synthetic_chains
from tests.e2e.test_benchmarks import NUMBER, lines_matching, smoke

pytestmark = pytest.mark.slow


def test_synthetic_quality_smoke_scores_every_row():
    out = smoke("experiments/synthetic_quality.py")
    # the standard oracle when ../shared/data has it, else a stand-in of the same shape, and the line saying so
    standard = (REPO / ".." / "shared" / "data" / "oracle" / "target_params.pkl").exists()
    assert ("smoke: skipped the standard oracle" in out) != standard
    assert lines_matching(r"model\s+α\s+setting\s+oracle NLL\s+NLL-test\s+paper \(T1\)\s+budget \(G\)$", out)
    rows = [("Real \\(oracle samples\\)", "-", ""), ("MLE", "1.0000", "default"), ("MLE", "0.6667", "matched"),
            ("LeakGAN after pretraining", "0.6667", "default"), ("LeakGAN after pretraining", "1.0000", "matched"),
            ("LeakGAN after adversarial", "0.6667", "default"), ("LeakGAN after adversarial", "1.0000", "matched")]
    for label in ("SeqGAN", "SeqGAN \\(rescaled\\)", "RankGAN"):
        rows += [(f"{label} after pretraining", "1.0000", "default"), (label, "1.0000", "default"),
                 (label, "0.6667", "matched")]
    for name, alpha, setting in rows:
        assert lines_matching(rf"{name}\s+{re.escape(alpha)}\s+{setting}\s+{NUMBER}\s+{NUMBER}", out), name
    # every default row carries its budget: generator epochs, updates and wall time
    assert lines_matching(rf"SeqGAN\s+1\.0000\s+default\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+1\+1 ep, \d+ upd, \d+ s$", out)
    matched = (rf"  α = 0\.6667:  MLE {NUMBER}   SeqGAN {NUMBER}   SeqGAN \(rescaled\) {NUMBER}   RankGAN {NUMBER}   "
               rf"LeakGAN pretrained {NUMBER}   LeakGAN adversarial {NUMBER}$")
    assert lines_matching(matched, out)


def test_frontier_smoke_runs_two_seeds_through_the_pipeline(tmp_path, synthetic_run):
    """Two seeds and three temperatures: the aggregate nll.json, the frontier figure and the tables."""
    copy_run(synthetic_run, tmp_path / "work", *synthetic_chains("mle", "seqgan", "leakgan"))
    out = smoke("experiments/frontier.py", "--workdir", str(tmp_path / "work"), "--figure", str(tmp_path / "frontier.png"),
                "--seeds", "42", "43", timeout=900)
    result = json.loads((tmp_path / "work/results/synthetic-20/nll.json").read_text())
    assert result["seeds"] == [42, 43] and result["temperatures"] == [1.0, 0.8, 0.5]
    for seed in (42, 43):
        assert json.loads((tmp_path / f"work/results/synthetic-20/seed{seed}/nll.json").read_text())["seed"] == seed
    stats = result["models"]["mle"]["stats"]["oracle_nll"]
    assert stats["n"] == 2 and len(stats["values"]) == 2 and stats["std"] > 0
    assert [p["temperature"] for p in result["frontier"]["leakgan"]] == [1.0, 0.8, 0.5]
    assert (tmp_path / "frontier.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for heading in ("## synthetic-20: oracle NLL (Table 1, length 20)",
                    "## synthetic-20: the quality-diversity frontier (oracle NLL / NLL-test at each α)",
                    "## synthetic-20: oracle NLL at equal diversity",
                    "## synthetic-20: training budget"):
        assert any(line.startswith(heading) for line in out.splitlines()), heading
    assert lines_matching(r"\| MLE \| 1 \| \d+\.\d{3} ± \d+\.\d{3} \| 9\.038 \| ", out)
    assert lines_matching(r"\| p-value: LeakGAN vs the best other \(", out)


def test_adversarial_ablation_smoke_trains_every_arm_from_one_pretraining(tmp_path, synthetic_run):
    """One seed: the nine arms share one LeakGAN pretraining and each prints its row."""
    copy_run(synthetic_run, tmp_path / "work", *synthetic_chains("mle", "leakgan", "leakgan_constant"))
    out = smoke("experiments/adversarial_ablation.py", "--workdir", str(tmp_path / "work"), "--seeds", "42", timeout=900)
    result = json.loads((tmp_path / "work/results/synthetic-20/nll.json").read_text())
    arms = ("leakgan_authors", "leakgan_authors_a1", "leakgan_mle", "leakgan_constant", "leakgan_no_leak",
            "leakgan_random_d", "leakgan_authors_first_a1", "leakgan_authors_neg_a1")
    assert set(result["models"]) >= {"mle", "leakgan", *arms}
    assert result["labels"]["leakgan_authors"] == "LeakGAN (authors' update)"
    run = tmp_path / "work/results/synthetic-20/seed42"
    assert sorted(p.parent.name for p in run.glob("*/pretrain.pt")) == ["leakgan", "mle"]
    assert sorted(p.parent.name for p in run.glob("*/adversarial.pt")) == sorted(["leakgan", *arms])
    for label in ("(a) paper's update", "(b) authors' update", "(c) authors' update, α = 1",
                  "(d) MLE continuation", "(e) constant reward", "(f) leak removed: MANAGER reads zeros",
                  "(f') leak removed: a frozen random D's feature", "(g) authors', first tokens at α = 1",
                  "(h) authors', negatives at α = 1"):
        assert lines_matching(rf"\| {re.escape(label)} \| {NUMBER} \| - \| {NUMBER} \| {NUMBER} \| ", out), label
    assert lines_matching(r"\| LeakGAN \(authors' update\) \| 0\.6667 \| ", out)
