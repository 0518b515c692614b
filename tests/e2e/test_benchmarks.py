"""Every script in benchmarks/ runs end to end with --smoke and prints its table.

The scripts are not imported by the package, so nothing else notices when a
refactoring breaks one; these runs do. Their timings at smoke sizes mean
nothing: the checks are on the shape of the output.
"""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import REPO, require_shared

NUMBER = r"\d+(?:\.\d+)?"
RATIO = rf"{NUMBER}x"


def smoke(script: str, *args: str, timeout: int = 300) -> str:
    """Run benchmarks/`script` --smoke from the repository root; its stdout, after checking it exited 0."""
    cmd = [sys.executable, f"benchmarks/{script}", "--smoke", *args]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, (f"{script} --smoke exited {proc.returncode}:\n"
                                  f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


def lines_matching(pattern: str, text: str) -> list[str]:
    """The lines of `text` that match `pattern` from their start."""
    return [line for line in text.splitlines() if re.match(pattern, line)]


def test_adversarial_speed_smoke_times_both_paths_of_every_part():
    out = smoke("adversarial_speed.py")
    assert lines_matching(r"part\s+straight s\s+ours s\s+speed-up\s+floor s\s+% floor$", out)
    table = out[out.rindex("\npart "):]
    parts = (r"\(a\) sample 64", r"\(b\) generator step \(16 x 2 rollouts\)", r"\(c\) adversarial epoch \(1 D steps\)")
    for part in parts:
        # straight, ours and their ratio (part (c) has no floor columns)
        assert lines_matching(rf"{part}\s+{NUMBER}\s+{NUMBER}\s+{RATIO}\s", table), (part, table)
    assert "D step path: cpu" in out


def test_bleu_speed_smoke_compares_with_nltk():
    require_shared("coco", "train_captions.txt")
    require_shared("coco", "test_captions.txt")
    out = smoke("bleu_speed.py")
    assert lines_matching(r"implementation\s+hypotheses\s+seconds\s+s / 10k hyps\s*$", out)
    assert lines_matching(rf"leakgan \(all, incl. reference stats\)\s+300\s+{NUMBER}\s+{NUMBER}", out)
    assert lines_matching(rf"nltk sentence_bleu \(slice\)\s+10\s+{NUMBER}\s+{NUMBER} \(extrapolated\)", out)
    assert lines_matching(rf"speed-up \(nltk extrapolated / ours\): {RATIO}$", out)
    assert lines_matching(r"max \|ours - nltk\| on the 10-hypothesis slice, BLEU-2\.\.5: .* -> EQUAL$", out)


def test_prepare_throughput_smoke_runs_both_engines():
    require_shared("news", "news_sentences.txt")
    out = smoke("prepare_throughput.py")
    header = r"engine\s+lines\s+MiB\s+wall s\s+sent/s\s+cpu s\s+sent/cpu-s\s+peak MiB\s+kept\s+vocab$"
    assert lines_matching(header, out)
    # MiB, then (wall s, sent/s), (cpu s, sent/cpu-s), peak MiB, kept, vocab
    rest = r"\s+\d+" + rf"\s+{NUMBER}\s+[\d,]+" * 2 + r"\s+\d+\s+[\d,]+\s+[\d,]+$"
    assert lines_matching(r"python\s+4,000" + rest, out) and lines_matching(r"hf\s+2,000" + rest, out)
    assert lines_matching(rf"ratio python/hf: {RATIO} per wall second, {RATIO} per CPU second$", out)


@pytest.mark.parametrize("script", ["bleu_speed.py", "prepare_throughput.py"])
def test_smoke_runs_say_what_they_skip_without_the_shared_data(script, tmp_path):
    out = smoke(script, "--data", str(tmp_path / "absent"))
    assert lines_matching(r"smoke: skipped, the shared data are absent \(.+ not found under --data\)$", out)


def test_rescale_speed_smoke_times_every_implementation():
    out = smoke("rescale_speed.py")
    names = ["python loop", "numpy ref", r"twin 1 thread", r"twin \d+ threads", "rescale_rewards", "torch cpu"]
    assert lines_matching(r"\s+B\s+S\s+" + r"\s+".join(names) + "$", out)
    cell = rf"\s+{NUMBER} \(\s*{RATIO}\)"
    for batch in (64, 256):
        assert lines_matching(rf"\s+{batch}\s+5" + cell * 6 + "$", out), out
    # the CUDA table, or the line saying why there is none
    assert lines_matching(r"CUDA: skipped \(torch sees no GPU\)$", out) or lines_matching(
        rf"\s+64\s+5\s+{NUMBER}\s+{NUMBER} \(\s*{RATIO}\)$", out)


def test_synthetic_quality_smoke_scores_every_row():
    out = smoke("synthetic_quality.py")
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


def test_baseline_speed_smoke_times_every_gan_and_both_rollout_paths():
    out = smoke("baseline_speed.py")
    assert lines_matching(r"what\s+seconds\s+ratio$", out)
    for label in (r"LeakGAN \(4 rollouts × segments\)", r"SeqGAN \(16 rollouts × tokens\)",
                  r"SeqGAN \(rescaled\) \(16 rollouts × tokens\)", r"RankGAN \(16 rollouts × tokens\)"):
        assert lines_matching(rf"{label}\s+{NUMBER}\s+{NUMBER}$", out), label
    assert lines_matching(rf"SeqGAN rollouts \+ D: straightforward\s+{NUMBER}$", out)
    assert lines_matching(rf"SeqGAN rollouts \+ D: ours \(batched\)\s+{NUMBER}\s+{RATIO}$", out)


def test_frontier_smoke_runs_two_seeds_through_the_pipeline(tmp_path):
    """Two seeds and three temperatures: the aggregate nll.json, the frontier figure and the tables."""
    import json

    out = smoke("frontier.py", "--workdir", str(tmp_path / "work"), "--figure", str(tmp_path / "frontier.png"),
                timeout=900)
    result = json.loads((tmp_path / "work/results/synthetic-20/nll.json").read_text())
    assert result["seeds"] == [1, 2] and result["temperatures"] == [1.0, 0.8, 0.5]
    for seed in (1, 2):
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


def test_adversarial_ablation_smoke_trains_every_arm_from_one_pretraining(tmp_path):
    """One seed: the five arms share one LeakGAN pretraining and each prints its row."""
    import json

    out = smoke("adversarial_ablation.py", "--workdir", str(tmp_path / "work"), "--seeds", "1", timeout=900)
    result = json.loads((tmp_path / "work/results/synthetic-20/nll.json").read_text())
    arms = ("leakgan_authors", "leakgan_authors_a1", "leakgan_mle", "leakgan_constant")
    assert set(result["models"]) >= {"mle", "leakgan", *arms}
    assert result["labels"]["leakgan_authors"] == "LeakGAN (authors' update)"
    run = tmp_path / "work/results/synthetic-20/seed1"
    assert sorted(p.parent.name for p in run.glob("*/pretrain.pt")) == ["leakgan", "mle"]
    assert sorted(p.parent.name for p in run.glob("*/adversarial.pt")) == sorted(["leakgan", *arms])
    for label in ("(a) paper's update", "(b) authors' update", "(c) authors' update, α = 1",
                  "(d) MLE continuation", "(e) constant reward"):
        assert lines_matching(rf"\| {re.escape(label)} \| {NUMBER} \| - \| {NUMBER} \| {NUMBER} \| ", out), label
    assert lines_matching(r"\| LeakGAN \(authors' update\) \| 0\.6667 \| ", out)
