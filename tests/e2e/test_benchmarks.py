"""Every script in benchmarks/ runs end to end with --smoke and prints its table.

The scripts are not imported by the package, so nothing else notices when a
refactoring breaks one; these runs do. Their timings at smoke sizes mean
nothing: the checks are on the shape of the output.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import AUTHORS_LOG, REPO, require_shared

pytestmark = pytest.mark.slow
NUMBER = r"\d+(?:\.\d+)?"
RATIO = rf"{NUMBER}x"


def smoke(script: str, *args: str, timeout: int = 300) -> str:
    """Run `script` (benchmarks/NAME.py or experiments/NAME.py) --smoke from the repository root; its stdout, after
    checking it exited 0."""
    script = script if "/" in script else f"benchmarks/{script}"
    cmd = [sys.executable, script, "--smoke", *args]
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


def test_baseline_speed_smoke_times_every_gan_and_both_rollout_paths():
    out = smoke("baseline_speed.py")
    assert lines_matching(r"what\s+seconds\s+ratio$", out)
    for label in (r"LeakGAN \(4 rollouts × segments\)", r"SeqGAN \(16 rollouts × tokens\)",
                  r"SeqGAN \(rescaled\) \(16 rollouts × tokens\)", r"RankGAN \(16 rollouts × tokens\)"):
        assert lines_matching(rf"{label}\s+{NUMBER}\s+{NUMBER}$", out), label
    assert lines_matching(rf"SeqGAN rollouts \+ D: straightforward\s+{NUMBER}$", out)
    assert lines_matching(rf"SeqGAN rollouts \+ D: ours \(batched\)\s+{NUMBER}\s+{RATIO}$", out)


def test_mle_after_adversarial_smoke_keeps_one_thread_through_training():
    """The benchmark's table, and a 1-thread run that stays on 1 thread and one OpenMP state after its reward."""
    out = smoke("mle_after_adversarial.py", "--threads", "1")
    assert lines_matching(r"phase\s+cpu s\s+wall s$", out)
    for phase in ("MLE epoch before", "1 adversarial step", "MLE epoch after"):
        assert lines_matching(rf"{phase}\s+{NUMBER}\s+{NUMBER}$", out), (phase, out)
    assert lines_matching(rf"ratio after/before: {RATIO} \(target <= 1\.1\)$", out)
    states = [line.split(maxsplit=1)[1] for line in out.splitlines()
              if line.startswith(("start ", "after MLE epoch ", "after adversarial ", "end "))]
    assert len(states) == 4 and all("torch threads 1," in state for state in states), states
    assert len({state.split("OpenMP max_active_levels ")[1].split(",")[0] for state in states}) == 1, states


def test_authors_trajectory_smoke_prints_both_curves_side_by_side(tmp_path):
    if not AUTHORS_LOG.is_file():
        pytest.skip(f"the authors' log is absent: {AUTHORS_LOG} (tests read ../shared/reference from the project root)")
    out = smoke("authors_trajectory.py", "--workdir", str(tmp_path / "run"))
    assert lines_matching(r"Each oracle's own samples \(the real data\): the authors' 'Groud-Truth' 4\.119, "
                          rf"ours {NUMBER}\. Both oracles are random N\(0, 1\) LSTMs "
                          r"\(theirs 64 × 64, ours 16 × 16\)", out)
    # smoke: 1 round of 2 G epochs evaluated after each, then 2 adversarial epochs evaluated after each
    assert lines_matching(rf"\| 1 \| 12\.312 \| {NUMBER} \|$", out)
    assert lines_matching(rf"\| 2 \| - \| {NUMBER} \|$", out)
    assert lines_matching(rf"\| 1 \| 9\.036 \| {NUMBER} \|$", out)
    assert len(lines_matching(r"\| \d+ \| [\d.-]+ \| [\d.-]+ \|$", out)) == 20 + 1 + 25 + 1
    again = subprocess.run([sys.executable, "benchmarks/authors_trajectory.py", "--table-only", "--workdir",
                            str(tmp_path / "run")], cwd=REPO, capture_output=True, text=True)
    assert again.returncode == 0 and again.stdout.split("## Pretraining")[1] == out.split("## Pretraining")[1]


def test_cuda_stage_smoke_runs_the_oracle_pretraining_and_adversarial_stages():
    out = smoke("cuda_stage.py", "--epochs", "2")
    assert lines_matching(r"cuda_stage: synthetic-20 \(smoke sizes\), LeakGAN, device cpu \(CPU\), 2 adversarial epochs", out)
    assert [line.split()[0] for line in lines_matching(rf"\w+\s+{NUMBER}$", out)] == ["oracle", "pretrain",
                                                                                       "adversarial"]
    assert lines_matching(rf"oracle NLL of the samples: {NUMBER} after pretraining \(D accuracy {NUMBER}\), "
                          rf"{NUMBER} after adversarial epoch 2 \(checkpoint's epoch: 2\)$", out)


def test_gpu_checks_smoke_runs_its_steps_without_snakemake(tmp_path):
    """The GPU script's steps on the CPU at smoke sizes, with Snakemake unimportable (a GPU machine may lack it)."""
    block = tmp_path / "block"
    block.mkdir()
    (block / "snakemake.py").write_text("raise ImportError('no snakemake here')\n")
    env = {**os.environ, "PYTHON": sys.executable, "PYTHONPATH": str(block)}
    script = ["bash", "benchmarks/gpu_checks.sh"]
    proc = subprocess.run([*script, "--smoke", str(tmp_path / "out"), "env", "stage"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = (tmp_path / "out" / "summary.txt").read_text().splitlines()
    assert [re.match(r"(\w+)\s+rc=0\s+\d+ s$", line).group(1) for line in summary] == ["env", "stage"]
    assert "torch.cuda.is_available: False" in (tmp_path / "out" / "env.txt").read_text()
    assert lines_matching(r"adversarial\s+\d", (tmp_path / "out" / "stage.txt").read_text())
    capped = subprocess.run([*script, "--smoke", str(tmp_path / "capped"), "stage"], cwd=REPO,
                            env={**env, "GPU_CHECKS_CAP_STAGE": "1"}, capture_output=True, text=True, timeout=60)
    assert capped.returncode == 1  # a step stopped at its cap fails the run
    assert re.match(r"stage\s+rc=124\s+\d+ s \(stopped at its cap\)$", (tmp_path / "capped" / "summary.txt").read_text())
    bad = subprocess.run([*script, str(tmp_path / "out"), "epochs"], cwd=REPO, env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.splitlines()[0] == "gpu_checks: unknown step 'epochs'"
    (block / "jsonschema.py").write_text("raise ImportError('no jsonschema here')\n")
    (tmp_path / "wheels").mkdir()
    none = subprocess.run([*script, "--smoke", "--wheels", str(tmp_path / "wheels"), str(tmp_path / "out"), "env"],
                          cwd=REPO, env=env, capture_output=True, text=True)
    assert none.returncode == 2 and none.stderr == f"gpu_checks: no .whl file in {tmp_path / 'wheels'}\n"
