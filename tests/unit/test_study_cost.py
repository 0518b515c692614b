"""benchmarks/study_cost.py: its totals follow from the times it reads; --smoke prints the table from the
committed times; benchmarks/stage_times.py composes blocks that study_cost reads."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import study_cost  # noqa: E402


def times_file(tmp_path, cpu_epoch: float, gpu_epoch: float, estimate: bool = False, kinds=("synthetic-20",)):
    """A times JSON where the MLE chain is 80 pretraining epochs of the given seconds and nothing else costs."""
    def entries(seconds):
        return {"pretrain_epoch": {"seconds": seconds, "source": "hand-made", "estimate": estimate},
                "evaluation": {"seconds": 0.0, "source": "hand-made"}}
    doc = {"devices": {dev: {"label": dev, "models": {"mle": {k: entries(sec) for k in kinds}}}
                       for dev, sec in (("cpu-2core", cpu_epoch), ("h200", gpu_epoch))}}
    path = tmp_path / "times.json"
    path.write_text(json.dumps(doc))
    return path


def run(tmp_path, *args):
    out = tmp_path / "out.json"
    assert study_cost.main([*args, "--json", str(out)]) == 0
    return json.loads(out.read_text())


def test_two_one_hour_chains_take_two_hours_on_the_cpu_and_one_on_two_gpus(tmp_path, capsys):
    # mle.epochs is 80 in config.yaml: 45 s per epoch is a 1-hour chain on the CPU, 9 s a 12-minute one on the GPU
    times = times_file(tmp_path, cpu_epoch=45.0, gpu_epoch=45.0)
    result = run(tmp_path, "--times", str(times), "--datasets", "synthetic-20", "--models", "mle", "--seeds", "2",
                 "--chain-speedup", "1=1,2=1.6", "--gpus", "1,2")
    (row,) = result["rows"]
    assert row["schedule"]["pretrain_epochs"] == 80 and row["cpu_hours"] == pytest.approx(1.0)
    totals = result["totals"]
    assert totals["chains"] == 2
    assert totals["cpu_one_at_a_time_hours"] == pytest.approx(2.0)
    assert totals["gpu"]["1x1"] == pytest.approx(2.0)          # one GPU, one chain at a time
    assert totals["gpu"]["2x1"] == pytest.approx(1.0)          # two GPUs: never below the longest chain
    assert totals["gpu"]["1x2"] == pytest.approx(2.0 / 1.6)    # both at once on one GPU at 1.6x throughput
    assert totals["gpu"]["2x2"] == pytest.approx(1.0 * 2 / 1.6)  # one chain per GPU, each slot at 1.6/2 speed
    out = capsys.readouterr().out
    assert re.search(r"2 CPU cores, one chain at a time:\s+2\.0 h", out)
    assert "ASSUMED" not in out and "given with --chain-speedup" in out


def test_missing_kinds_are_scaled_and_starred(tmp_path, capsys):
    times = times_file(tmp_path, cpu_epoch=45.0, gpu_epoch=4.5)
    result = run(tmp_path, "--times", str(times), "--datasets", "synthetic-20,synthetic-40,coco",
                 "--models", "mle", "--seeds", "1")
    hours = {r["dataset"]: r["cpu_hours"] for r in result["rows"]}
    assert hours["synthetic-20"] == pytest.approx(1.0)
    assert hours["synthetic-40"] == pytest.approx(2.0)                 # 10,000 × 40 tokens
    assert hours["coco"] == pytest.approx(80000 * 32 / (10000 * 20))  # training tokens relative to 10,000 × 20
    estimated = {r["dataset"]: r["cpu_estimate"] for r in result["rows"]}
    assert estimated == {"synthetic-20": False, "synthetic-40": True, "coco": True}
    out = capsys.readouterr().out
    assert re.search(r"^synthetic-40\s+mle\s+80\s+0\s+0\s+\d+\s+2\.0\*", out, re.M)
    assert re.search(r"^synthetic-20\s+mle\s+80\s+0\s+0\s+\d+\s+1\.0 ", out, re.M)
    assert "ASSUMED, not measured" in out  # the default chain-speedup table is an assumption


def test_estimate_entries_star_the_row(tmp_path):
    times = times_file(tmp_path, cpu_epoch=45.0, gpu_epoch=4.5, estimate=True)
    result = run(tmp_path, "--times", str(times), "--datasets", "synthetic-20", "--models", "mle")
    assert result["rows"][0]["cpu_estimate"]
    assert result["notes"]["cpu-2core"] == {"hand-made": {"blocks": [], "rows": ["synthetic-20/mle"]}}


def test_schedule_follows_the_config():
    config = study_cost.yaml.safe_load((REPO / "config.yaml").read_text())
    leak = study_cost.schedule(config, "synthetic-20", "leakgan")
    # 10 rounds × 8 G epochs + 800 // 15 interleaved MLE epochs; 10 × 5 D steps; 16 + 160 + 7 evaluations
    assert leak == {"pretrain_epochs": 80 + 53, "d_steps": 50, "adversarial_epochs": 800, "evaluations": 183}
    seq = study_cost.schedule(config, "coco", "seqgan")
    assert seq == {"pretrain_epochs": 120, "d_steps": 50, "adversarial_epochs": 200, "evaluations": 1 + 24 + 40 + 6}


def test_smoke_prints_the_table_from_the_committed_times():
    proc = subprocess.run([sys.executable, "benchmarks/study_cost.py", "--smoke"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "4 datasets × 5 models × 3 seeds = 60 chains" in out
    for dataset in study_cost.DATASETS:
        for model in study_cost.MODELS:
            assert re.search(rf"^{re.escape(dataset)}\s+{model}\s+\d+\s+\d+\s+\d+\s+\d+\s+[\d.]+[* ]", out, re.M), \
                (dataset, model)
    assert re.search(r"2 CPU cores, one chain at a time:\s+[\d,.]+ h", out)
    for k in (1, 2, 4, 8):
        assert re.search(rf"1 GPU, {k} chains? at once \(x[\d.]+ throughput\):\s+[\d,.]+ h", out)


def test_stage_times_blocks_are_what_study_cost_reads(tmp_path):
    import stage_times

    parts = {k: 1.0 for k in ("mle_batch", "mle_sample", "mle_nll", "oracle_nll", "leakgan_batch", "leakgan_sample",
                              "leakgan_nll", "leakgan_g_step", "d_batch", "seqgan_g_step", "seqgan_rescaled_g_step",
                              "rankgan_g_step", "ranker_batch")}
    shape = stage_times.KINDS["synthetic-20"]
    block = {"label": "fake", "models": {m: {"synthetic-20": e}
                                         for m, e in stage_times.compose("synthetic-20", shape, parts, "test").items()}}
    # 9,500 training sentences / 64 = 149 minibatches; a D step: 10,000 samples + 3 × 313 minibatches
    assert block["models"]["mle"]["synthetic-20"]["pretrain_epoch"]["seconds"] == 149
    assert block["models"]["seqgan"]["synthetic-20"]["d_step"]["seconds"] == 1 + 3 * 313
    assert block["models"]["leakgan"]["synthetic-20"]["adversarial_epoch"]["seconds"] == 1 + 5 * (1 + 3 * 313)
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"devices": {"cpu-2core": block, "h200": block}}))
    result = run(tmp_path, "--times", str(path), "--datasets", "synthetic-20")
    assert {r["model"] for r in result["rows"]} == set(study_cost.MODELS)


def fake_parts(value: float = 1.0, g_steps: bool = True) -> dict:
    keys = ["mle_batch", "mle_sample", "mle_nll", "oracle_nll", "leakgan_batch", "leakgan_sample", "leakgan_nll",
            "d_batch", "ranker_batch"]
    if g_steps:
        keys += ["leakgan_g_step", "seqgan_g_step", "seqgan_rescaled_g_step", "rankgan_g_step"]
    return {k: value for k in keys}


def test_readme_blocks_keep_the_readme_numbers_and_mark_the_rest():
    import stage_times

    raw = {"synthetic-20": fake_parts(), "wmt": fake_parts(2.0, g_steps=False)}
    parts, basis, calibration = stage_times.to_readme_cpu(raw)
    readme = stage_times.README["cpu-2core"]
    assert parts["synthetic-20"]["leakgan_sample"] == readme["a"] and "leakgan_sample" not in basis["synthetic-20"]
    assert parts["synthetic-20"]["seqgan_g_step"] == readme["g_step"]["seqgan"]
    assert calibration["generator_factor"] == pytest.approx(readme["a"])  # README (a) / ours (1 s)
    assert parts["wmt"]["d_batch"] == pytest.approx(2.0 * calibration["d_factor"]) and "d_batch" in basis["wmt"]
    assert parts["wmt"]["seqgan_g_step"] == pytest.approx(readme["g_step"]["seqgan"] * (51 / 20) ** 2)
    entries = stage_times.compose("synthetic-20", stage_times.KINDS["synthetic-20"], parts["synthetic-20"], "test",
                                  basis["synthetic-20"])
    # LeakGAN's D step is the README's ((c) - (b)) / 5: measured, not an estimate; MLE's epoch is carried over
    assert entries["leakgan"]["d_step"]["seconds"] == pytest.approx((readme["c"] - readme["b"]) / 5, abs=1e-3)
    assert not entries["leakgan"]["d_step"]["estimate"]
    assert entries["mle"]["pretrain_epoch"]["estimate"] and "mle_batch" in entries["mle"]["pretrain_epoch"]["basis"]
    h200 = stage_times.h200_block(fake_parts())["models"]
    assert h200["leakgan"]["synthetic-20"]["adversarial_epoch"] == {
        "seconds": 7.89, "source": f"(c) adversarial epoch, {stage_times.SPEED}, H200", "estimate": False}
    assert "ASSUMED 2x" in h200["seqgan"]["synthetic-20"]["d_step"]["basis"]
