"""benchmarks/authors_trajectory.py: the authors' log parsed into global epochs, their schedule in the overlay,
our curve read from a finished or a stopped stage, and the side-by-side table."""
from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from tests.conftest import AUTHORS_LOG, REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import authors_trajectory as trajectory  # noqa: E402


def args(**changes) -> argparse.Namespace:
    values = {"pretrain_rounds": 10, "adversarial_epochs": 120, "device": "cpu", "seed": 1, "eval_every": 5,
              "smoke": False}
    return argparse.Namespace(**{**values, **changes})


@pytest.fixture
def authors_log():
    if not AUTHORS_LOG.is_file():
        pytest.skip(f"the authors' log is absent: {AUTHORS_LOG} (tests read ../shared/reference from the project root)")
    return AUTHORS_LOG


def test_the_authors_log_parses_into_global_pretraining_epochs_and_adversarial_epochs(authors_log):
    log = trajectory.parse_log(authors_log)
    # 10 rounds of 8 G epochs, test_loss printed at the round's epochs 0 and 5: global epochs 1, 6, 9, 14, ...
    assert [epoch for epoch, _ in log["pretrain"]][:4] == [1, 6, 9, 14]
    assert len(log["pretrain"]) == 20 and log["pretrain"][-1][0] == 9 * 8 + 6
    assert log["pretrain"][0] == (1, 12.3121) and log["pretrain"][2] == (9, 10.7503)
    # adversarial test_loss every 5 epochs, counted from 0 in their log and from 1 here
    assert log["adversarial"][0] == (1, 9.03634) and log["adversarial"][-1] == (121, 7.03147)
    assert len(log["adversarial"]) == 25
    assert log["truth"] == pytest.approx(4.1193793, rel=1e-6)  # the mean of their 44 "Groud-Truth" lines


def test_a_hand_written_log_gives_its_own_numbers(tmp_path):
    log = tmp_path / "log.txt"
    log.write_text("Start pre-training...\npre-train epoch  0 test_loss  10.5\nGroud-Truth: 4.0\n"
                   "pre-train epoch  5 test_loss  9.5\nStart pre-training...\npre-train epoch  0 test_loss  9.25\n"
                   "Groud-Truth: 5.0\ntotal_batch:  0    -0.06    2.2\ntotal_batch:  0 test_loss:  9.0\n"
                   "total_batch:  5 test_loss:  8.5\n")
    log = trajectory.parse_log(log)
    assert log == {"pretrain": [(1, 10.5), (6, 9.5), (9, 9.25)], "adversarial": [(1, 9.0), (6, 8.5)], "truth": 4.5}


def test_the_overlay_is_the_authors_schedule_and_sizes():
    config = trajectory.overlay(args(pretrain_rounds=2, adversarial_epochs=4, eval_every=3))
    block = config["datasets"]["synthetic-40"]["leakgan"]
    assert block["semantics"] == "authors" and (block["emb_dim"], block["hidden_dim"], block["lr"]) == (64, 64, 0.0005)
    assert block["filter_sizes"] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 30] and sum(block["num_filters"]) == 1880
    schedule = {k: block[k] for k in ("pretrain_rounds", "pretrain_d_steps", "pretrain_g_epochs", "d_epochs",
                                      "num_negatives", "adversarial_epochs", "g_steps", "d_steps", "eval_every")}
    assert schedule == {"pretrain_rounds": 2, "pretrain_d_steps": 5, "pretrain_g_epochs": 8, "d_epochs": 3,
                        "num_negatives": 10000, "adversarial_epochs": 4, "g_steps": 1, "d_steps": 5, "eval_every": 3}
    assert config["training"] == {"validation_fraction": 0.0, "select": "last", "keep_checkpoints": "last"}
    assert config["datasets"]["synthetic-40"]["num_train"] == 10000 and config["models"] == ["leakgan"]


def test_our_curve_comes_from_the_finished_stage_or_from_the_part_file_of_a_stopped_one(tmp_path):
    folder = tmp_path / "results" / "synthetic-40" / "seed1" / "leakgan"
    folder.mkdir(parents=True)
    (folder / "pretrain.jsonl").write_text(json.dumps({"epoch": 3, "oracle_nll": 11.0}) + "\n"
                                           + json.dumps({"epoch": 4, "train_loss": 2.0}) + "\n")
    (folder / "adversarial.jsonl.part").write_text(json.dumps({"epoch": 1, "oracle_nll": 8.75}) + "\n")
    assert trajectory.ours(tmp_path, 1) == {"pretrain": [(3, 11.0)], "adversarial": [(1, 8.75)]}


def test_the_table_puts_both_curves_on_every_epoch_either_has():
    rows = trajectory.table([(1, 12.3121), (6, 11.4263)], [(3, 10.0), (6, 9.5)], "epoch")
    assert rows[2:] == ["| 1 | 12.312 | - |", "| 3 | - | 10.000 |", "| 6 | 11.426 | 9.500 |"]


def test_table_only_without_a_run_says_so(tmp_path, authors_log):
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "authors_trajectory.py"), "--table-only",
                           "--workdir", str(tmp_path / "none")], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1
    assert proc.stdout.strip() == (f"authors_trajectory.py: no run in {tmp_path / 'none'} (authors.yaml missing); "
                                   "run without --table-only first")
