"""The shared synthetic smoke run end to end: the results' fields, what Snakemake plans on it afterwards
(caching), deleting an intermediate; a second run in a fresh folder gives the same bytes; a killed job leaves no
complete-looking output."""
from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import time

import psutil
import pytest

from tests.conftest import REPO, planned_jobs, snakemake, tool_env
from tests.e2e.conftest import ALL_MODELS, ARMS, SYNTHETIC, SYNTHETIC_TARGET, copy_run

pytestmark = pytest.mark.slow
TARGET = SYNTHETIC_TARGET
SMOKE = SYNTHETIC
RUN = "seed42"  # the one training chain of the default `seeds: [42]`


DATA_FILES = ["data/train.txt", "data/test.txt", "data/vocab.json", "oracle/oracle.pt", f"{RUN}/real/samples.ids.txt",
              f"{RUN}/mle/pretrain.pt", f"{RUN}/mle/samples.ids.txt", f"{RUN}/leakgan/pretrain.pt",
              f"{RUN}/leakgan/adversarial.pt", f"{RUN}/leakgan/samples.ids.txt",
              # the rank-rescaled reward (the Numba twin, threaded on large batches): same bytes too
              f"{RUN}/seqgan_rescaled/adversarial.pt"]


TEMPERATURES = [1.0, 0.9, 0.8, 0.67, 0.5]


def test_nll_json_has_every_field(synthetic_run):
    result = json.loads((synthetic_run / TARGET).read_text())
    assert result["dataset"] == "synthetic-20"
    assert result["scale"] == "smoke" and result["seeds"] == [42] and result["data_seed"] == 42
    assert result["seq_len"] == 20
    assert result["training"] == {"validation_fraction": 0.05, "select": "best_validation", "keep_checkpoints": "all"}
    one_seed = json.loads((synthetic_run / f"results/synthetic-20/{RUN}/nll.json").read_text())
    assert one_seed["seed"] == 42 and one_seed["models"]["mle"]["oracle_nll"] == result["models"]["mle"]["oracle_nll"]
    # every model and the arm, each GAN of α != 1 also at the matched α
    assert set(result["models"]) == {"real", *ALL_MODELS, *ARMS, "leakgan_matched", "leakgan_constant_matched"}
    assert result["labels"] == {"leakgan_constant": "LeakGAN (constant reward)"}
    # one seed: the values, no spread and no test
    assert result["models"]["mle"]["stats"]["oracle_nll"] == {
        "values": [one_seed["models"]["mle"]["oracle_nll"]], "mean": result["models"]["mle"]["oracle_nll"],
        "std": None, "n": 1, "p_value": None}
    # the frontier: every model at every α, NLL-test of the tempered model
    assert set(result["frontier"]) == set(ALL_MODELS + ARMS)
    for model, points in result["frontier"].items():
        assert [p["temperature"] for p in points] == TEMPERATURES, model
        assert all(math.isfinite(p["oracle_nll"]) and math.isfinite(p["nll_test"]) for p in points), model
    mle_at_1 = result["frontier"]["mle"][0]
    assert mle_at_1["nll_test"] == result["models"]["mle"]["nll_test"]  # same model, same α, same test set
    assert result["equal_diversity"]["mle"]["temperature"] == 1.0
    # budgets: deterministic counts from the checkpoints, wall times from the jobs' benchmark files
    mle_budget = result["models"]["mle"]["budget"]
    assert mle_budget["pretrain"]["epochs"] == 3 and mle_budget["pretrain"]["generator_updates"] == 3 * 9  # 285 / 32
    assert mle_budget["pretrain"]["training_tokens"] == 3 * 285 * 20  # 300 sequences less 15 held out
    # equal budgets at smoke scale: LeakGAN's 2 pretraining epochs of 9 updates and 3 adversarial epochs of 3
    gan_budget = result["models"]["leakgan"]["budget"]
    assert (gan_budget["pretrain"]["generator_updates"], gan_budget["adversarial"]["generator_updates"]) == (18, 9)
    assert set(mle_budget["wall_time_s"]) >= {"pretrain", "sample", "evaluate", "frontier"}
    assert set(result["models"]["leakgan"]["budget"]) >= {"pretrain", "adversarial", "wall_time_s"}
    # provenance: the code, the libraries, each model's resolved settings and the data
    import torch

    from leakgan.eval.provenance import settings_hash

    origin = result["provenance"]
    assert origin["environment"]["torch"] == torch.__version__ and origin["environment"]["device"] == "cpu"
    assert set(origin["models"]) == set(ALL_MODELS + ARMS)
    assert origin["models"]["leakgan_constant"]["settings"]["reward"] == "constant"
    leakgan_block = origin["models"]["leakgan"]
    assert leakgan_block["settings"]["temperature"] == 0.6667 and leakgan_block["settings"]["emb_dim"] == 16
    assert leakgan_block["sha256"] == settings_hash(leakgan_block["settings"])
    assert origin["data"]["vocab_size"] == 200
    assert origin["data"]["train"]["sequences"] == 300 and origin["data"]["test"]["sequences"] == 100
    assert result["models"]["leakgan"]["temperature"] == 0.6667
    assert result["models"]["leakgan_matched"]["temperature"] == 1.0
    for name, scores in result["models"].items():
        assert scores["num_samples"] == 200
        for key in ("oracle_nll", "nll_test"):
            assert math.isfinite(scores[key]) and scores[key] > 0, (name, key)
    curve = result["models"]["mle"]["curve"]
    assert [p["epoch"] for p in curve] == [0, 1, 2, 3]
    assert all(math.isfinite(p[k]) for p in curve for k in ("oracle_nll", "nll_test", "nll_valid"))
    stages = [p["stage"] for p in result["models"]["leakgan"]["curve"]]
    assert stages[0] == "pretrain" and stages[-1] == "adversarial"
    adversarial = [p for p in result["models"]["leakgan"]["curve"] if p["stage"] == "adversarial"]
    assert [p["epoch"] for p in adversarial] == [1, 2, 3]
    assert all(math.isfinite(p["oracle_nll"]) for p in adversarial)
    # The real data is the oracle's own distribution: it scores best under the oracle.
    assert result["models"]["real"]["oracle_nll"] < result["models"]["mle"]["oracle_nll"]
    for log in ("oracle.log", f"{RUN}/mle/pretrain.log"):
        assert (synthetic_run / "logs" / "synthetic-20" / log).exists()
    assert "MLE: 100%" in (synthetic_run / f"logs/synthetic-20/{RUN}/mle/pretrain.log").read_text()
    # the gathering jobs' logs: one seed's collect, the dataset's aggregate
    assert (synthetic_run / f"logs/synthetic-20/{RUN}/nll.collect.log").exists()
    assert (synthetic_run / "logs/synthetic-20/nll.aggregate.log").exists()


def test_complete_run_plans_nothing(synthetic_run):
    proc = snakemake(synthetic_run, *SMOKE, "-n", "--", TARGET)
    assert planned_jobs(proc.stdout) == {}
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_changing_an_mle_setting_replans_only_training_and_after(synthetic_run):
    proc = snakemake(synthetic_run, "--config", "scale=smoke", "mle={lr: 0.005}", "-n", "--", TARGET)
    assert planned_jobs(proc.stdout) == {"pretrain": 1, "sample": 1, "evaluate_synthetic": 1, "frontier": 1,
                                         "collect": 1, "aggregate": 1}


def test_changing_an_adversarial_setting_does_not_redo_pretraining(synthetic_run):
    proc = snakemake(synthetic_run, "--config", "scale=smoke", "leakgan={delta: 16.0}", "-n", "--", TARGET)
    # LeakGAN's samples at its own α and at the matched α are both redone.
    assert planned_jobs(proc.stdout) == {"adversarial": 1, "sample": 2, "evaluate_synthetic": 2, "frontier": 1,
                                         "collect": 1, "aggregate": 1}


def test_deleting_an_intermediate_replans_only_what_depends_on_it(tmp_path, synthetic_run):
    workdir = copy_run(synthetic_run, tmp_path / "copy")
    samples = f"results/synthetic-20/{RUN}/mle/samples.ids.txt"
    (workdir / samples).unlink()
    # Snakemake (since 7.7) keeps an up-to-date final target even when an intermediate is gone ...
    assert planned_jobs(snakemake(workdir, *SMOKE, "-n", "--", TARGET).stdout) == {}
    # ... rebuilding the intermediate needs only its own job ...
    assert planned_jobs(snakemake(workdir, *SMOKE, "-n", "--", samples).stdout) == {"sample": 1}
    # ... and forcing it re-plans exactly the stages downstream of it, not the oracle or training.
    forced = snakemake(workdir, *SMOKE, "-n", "--forcerun", samples, "--", TARGET)
    assert planned_jobs(forced.stdout) == {"sample": 1, "evaluate_synthetic": 1, "collect": 1, "aggregate": 1}
    snakemake(workdir, *SMOKE, "--", samples)
    # Rebuilt with the same seed, the file has the same bytes, so nothing after it is stale.
    assert (workdir / samples).read_bytes() == (synthetic_run / samples).read_bytes()
    assert planned_jobs(snakemake(workdir, *SMOKE, "-n", "--", TARGET).stdout) == {}


def test_same_seed_gives_byte_identical_files(tmp_path, synthetic_run):
    # Every training output and sample file, rebuilt in a fresh folder; the scores are functions of these files.
    snakemake(tmp_path, *SMOKE, "--", *(f"results/synthetic-20/{rel}" for rel in DATA_FILES))
    for rel in DATA_FILES:
        a = (synthetic_run / "results/synthetic-20" / rel).read_bytes()
        b = (tmp_path / "results/synthetic-20" / rel).read_bytes()
        assert a == b, rel
    assert not (tmp_path / TARGET).exists()  # nothing beyond the files asked for was made


def test_killed_training_job_leaves_no_complete_looking_output(tmp_path, synthetic_run):
    # the data stage done: the shared run's data and oracle (the oracle's "real" row is left to this run)
    copy_run(synthetic_run, tmp_path, "results/synthetic-20/data", "results/synthetic-20/oracle")
    long_run = ["--config", "scale=smoke", "models=[mle]", "mle={epochs: 400, eval_every: 400}"]
    cmd = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "-d", str(tmp_path), "--cores", "2",
           *long_run, "--", TARGET]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=tool_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    log = tmp_path / f"logs/synthetic-20/{RUN}/mle/pretrain.log"
    curve = tmp_path / f"results/synthetic-20/{RUN}/mle/pretrain.jsonl.part"  # the live curve, until the stage ends
    deadline = time.time() + 120
    victim = None
    live_curve = []
    while time.time() < deadline and victim is None:
        time.sleep(0.5)
        if log.exists() and "epoch/s" in log.read_text():  # training is past its first epoch
            # the live curve grows while the job runs: the epoch-0 point is there already
            live_curve = [json.loads(line) for line in curve.read_text().splitlines()]
            for child in psutil.Process(proc.pid).children(recursive=True):
                cmdline = child.cmdline()
                if "pretrain" in cmdline and child.name() not in ("sh", "bash"):
                    victim = child
    assert victim is not None, "the training job never started"
    assert [p["epoch"] for p in live_curve] == [0] and "nll_valid" in live_curve[0]
    victim.send_signal(signal.SIGKILL)
    proc.communicate(timeout=120)
    assert proc.returncode != 0
    mle_dir = tmp_path / f"results/synthetic-20/{RUN}/mle"
    assert not (mle_dir / "pretrain.pt").exists()
    assert not (mle_dir / "pretrain.jsonl").exists()
    # The next run plans the training job again, and everything after it. (The workflow profile's
    # keep-going let the jobs that do not need it, the oracle's own "real" row, finish.)
    dry = snakemake(tmp_path, *long_run, "-n", "--", TARGET)
    assert planned_jobs(dry.stdout) == {"pretrain": 1, "sample": 1, "evaluate_synthetic": 1, "frontier": 1,
                                        "collect": 1, "aggregate": 1}


def test_the_report_of_a_run_with_an_arm_has_the_arm_in_its_tables_and_figures(tmp_path, synthetic_run):
    """Issue #25 item 1: `snakemake report` with an arm in `models` (figure 4 once knew only registered models)."""
    workdir = copy_run(synthetic_run, tmp_path / "run")
    proc = snakemake(workdir, *SMOKE, "report={datasets: [synthetic-20], num_samples: 3}", "--", "report",
                     timeout=900)
    assert "Nothing to be done" not in proc.stdout + proc.stderr
    tables = (workdir / "results" / "tables.md").read_text(encoding="utf-8")
    assert "LeakGAN (constant reward)" in tables
    report = workdir / "results" / "report" / "synthetic-20"
    for name in ("nll_curve", "frontier", "figure4", "figure5"):
        assert (report / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
