"""experiments/text_tables.py's equal budgets with LeakGAN's interleaved training, and experiments/text_collapse.py:
its measures on hand examples and a run on a tiny model folder."""
from __future__ import annotations

import argparse
import math
import re
import sys

import numpy as np
import pytest
import torch

from leakgan import registry
from leakgan.config.resolve import load, model_settings
from leakgan.errors import UserError
from leakgan.io import write_tokens
from leakgan.train.leakgan import build_model
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "experiments"))
import text_collapse  # noqa: E402
import text_tables  # noqa: E402


def test_leakgans_schedule_on_the_coco_budget():
    """9,497 rows: a full epoch is 149 batches, a 5% epoch (474 rows) 8; pretraining round(149 / 8) = 19 of them,
    and (298 - 19 x 8 - 4 x 8) // 4 = 28 policy-gradient steps per adversarial epoch."""
    assert text_tables.leakgan_schedule(9497, 2, 4, 0.05) == (19, 28)
    with pytest.raises(SystemExit, match="leaves LeakGAN no policy-gradient steps"):
        text_tables.leakgan_schedule(9497, 2, 4, 0.5)


def test_the_overlay_gives_every_model_the_same_budget_within_one_percent(tmp_path):
    (tmp_path / "coco").mkdir()
    for name in ("train_captions.txt", "test_captions.txt"):
        (tmp_path / "coco" / name).write_text("a man rides a horse\n", encoding="utf-8")
    a = argparse.Namespace(dataset="coco", shared=str(tmp_path), models=text_tables.ALL_MODELS, seeds=[1, 2, 3],
                           epochs=2, adversarial_epochs=4, rollout_num=2, samples=1000, mle_fraction=0.05,
                           baseline_adversarial_lr=0.001, smoke=False)
    overlay = text_tables.overlay(a)
    block = overlay["leakgan"]
    assert (block["pretrain_order"], block["mle_every"], block["mle_epoch_fraction"], block["pretrain_g_epochs"],
            block["g_steps"], block["eval_every"]) == ("g_first", 1, 0.05, 19, 28, 19)
    assert {overlay[m]["adversarial_lr"] for m in ("seqgan", "seqgan_rescaled", "rankgan")} == {0.001}
    config = load(overrides=overlay)
    rows = 9997 - math.ceil(9997 * 0.05)
    planned = {m: registry.get(m).planned_updates(model_settings(config, "coco", m), rows)
               for m in text_tables.ALL_MODELS}
    assert planned == {"mle": 298, "seqgan": 297, "seqgan_rescaled": 297, "rankgan": 297, "leakgan": 296}


def tiny_shared(tmp_path):
    """A --shared folder with one-line COCO caption files and News sentences."""
    (tmp_path / "coco").mkdir()
    (tmp_path / "news").mkdir()
    for name in ("train_captions.txt", "test_captions.txt"):
        (tmp_path / "coco" / name).write_text("a man rides a horse\n", encoding="utf-8")
    (tmp_path / "news" / "news_sentences.txt").write_text("the market rose on monday .\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("dataset,given,expected", [("coco", None, 2), ("wmt_benchmark", None, 1),
                                                     ("wmt_benchmark", 3, 3)])
def test_rollouts_per_prefix_default_to_the_datasets_and_follow_the_flag(tmp_path, dataset, given, expected):
    a = argparse.Namespace(dataset=dataset, shared=str(tiny_shared(tmp_path)), models=text_tables.ALL_MODELS,
                           seeds=[1], epochs=2, adversarial_epochs=4, rollout_num=given, samples=1000,
                           mle_fraction=0.05, baseline_adversarial_lr=None, smoke=False)
    overlay = text_tables.overlay(a)
    assert {overlay[m]["rollout_num"] for m in text_tables.ALL_MODELS if m != "mle"} == {expected}


def test_the_baselines_adversarial_rate_defaults_to_the_one_that_does_not_collapse_them():
    assert text_tables.parser().parse_args(["--dataset", "coco"]).baseline_adversarial_lr == 0.001
    assert text_tables.parser().parse_args(["--dataset", "coco", "--baseline-adversarial-lr", "0.01"]
                                           ).baseline_adversarial_lr == 0.01


def test_a_rollout_count_below_one_is_one_argparse_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        text_tables.main(["--dataset", "coco", "--rollout-num", "0"])
    assert exit_.value.code == 2
    assert "argument --rollout-num: expected a whole number of at least 1, got '0'" in capsys.readouterr().err


def test_dry_run_lists_the_jobs_and_runs_none(tmp_path, capsys):
    work = tmp_path / "work"
    code = text_tables.main(["--dataset", "coco", "--shared", str(tiny_shared(tmp_path)), "--workdir", str(work),
                             "--smoke", "--models", "mle", "--seeds", "1", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    jobs = dict(line.split() for line in out.splitlines() if re.fullmatch(r"(prepare|pretrain|frontier)\s+\d+", line))
    assert jobs == {"prepare": "1", "pretrain": "1", "frontier": "1"}
    assert "This was a dry-run" in out
    assert (work / "tables.yaml").is_file() and not (work / "results").exists()


def test_job_times_sum_the_benchmark_files_and_skip_unreadable_ones(tmp_path):
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    (tmp_path / "seed1" / "mle").mkdir(parents=True)
    (tmp_path / "seed1" / "mle" / "pretrain.benchmark.tsv").write_text(
        header + "181.69\t0:03:01\t2554.52\t3019.96\t2417.46\t2468.05\t1.66\t8.59\t42.59\t77.57\n")
    (tmp_path / "prepare.benchmark.tsv").write_text(header + "10.5\t0:00:10\t1\t1\t1\t1\t0\t0\t50\t9.25\n")
    (tmp_path / "broken.benchmark.tsv").write_text(header + "n/a\tx\n")
    (tmp_path / "empty.benchmark.tsv").write_text("")
    jobs, wall, cpu = text_tables.job_times(tmp_path)
    assert jobs == 2 and wall == pytest.approx(192.19, rel=1e-9) and cpu == pytest.approx(86.82, rel=1e-9)


def test_figure3_numbers_are_read_from_the_figure_log(tmp_path):
    log = tmp_path / "figure3.log"
    assert text_tables.figure3_numbers(log) is None  # no log: nothing to print
    log.write_text("a warning from a library\n")
    assert text_tables.figure3_numbers(log) is None
    table = "Figure 3 (coco, seed 1): mean sentence BLEU-4 by length\nbaseline  length\nSeqGAN    5-8"
    log.write_text("a warning from a library\n" + table + "\n\n")
    assert text_tables.figure3_numbers(log) == table

def test_reward_by_position_splits_words_from_the_end_of_the_sentence():
    tokens = torch.tensor([[5, 6, 0, 0], [7, 0, 0, 0], [8, 9, 4, 0]])
    rewards = torch.tensor([[0.1, 0.2, 0.9, 0.5], [0.3, 0.8, 0.5, 0.5], [0.4, 0.6, 0.7, 0.7]])
    rows = text_collapse.reward_by_position(tokens, rewards, 0, [0, 1, 2, 3])
    assert rows[0][1:] == (pytest.approx(0.8 / 3, rel=1e-6), 3, rows[0][3], 0) and math.isnan(rows[0][3])
    assert rows[1][1:] == (pytest.approx(0.4, rel=1e-6), 2, pytest.approx(0.8, rel=1e-6), 1)
    assert rows[2][1:] == (pytest.approx(0.7, rel=1e-6), 1, pytest.approx(0.9, rel=1e-6), 1)
    assert rows[3][2] == 0 and rows[3][3:] == (pytest.approx(0.7, rel=1e-6), 1)  # later pads are neither


def test_empty_share_and_length():
    samples = torch.tensor([[0, 0, 0], [3, 0, 2], [1, 2, 3], [0, 4, 0]])
    assert text_collapse.empty_share_and_length(samples, 0) == (0.5, 1.0)  # lengths 0, 1, 3, 0


def test_set_reads_json_values_and_names_an_unknown_key():
    assert text_collapse.settings_with({"mle_every": 0, "reward": "discriminator"},
                                       ["mle_every=1", "reward=constant"]) == {"mle_every": 1, "reward": "constant"}
    with pytest.raises(UserError, match="--set 'nope=1': expected KEY=VALUE with a key of the LeakGAN block"):
        text_collapse.settings_with({"mle_every": 0}, ["nope=1"])


TINY = dict(emb_dim=4, hidden_dim=5, goal_size=3, step_size=2, dis_emb_dim=4, filter_sizes=[1, 2, 8],
            num_filters=[2, 2, 2], batch_size=4, dis_batch_size=8, pretrain_rounds=1, pretrain_d_steps=1,
            pretrain_g_epochs=1, d_epochs=1, num_negatives=8, adversarial_epochs=1, g_steps=2, d_steps=1,
            rollout_num=2, mle_every=1, checkpoint_every=1, eval_every=1, eval_samples=4, gen_batch=8)


@pytest.fixture
def model_folder(tmp_path):
    """results/<dataset>/seed1/leakgan with pretrain.pt and adversarial.pt of a tiny text model, and data/."""
    settings = registry.get("leakgan").settings.defaults("text", **TINY)
    model = build_model(settings, 12, 8, 1)
    folder = tmp_path / "results" / "toy" / "seed1" / "leakgan"
    folder.mkdir(parents=True)
    ckpt = model.checkpoint("leakgan", settings.to_dict(), pad_id=0)
    torch.save(ckpt, folder / "pretrain.pt")
    torch.save(ckpt, folder / "adversarial.pt")
    data = tmp_path / "results" / "toy" / "data"
    data.mkdir()
    rng = np.random.default_rng(0)
    for name, rows in (("train.txt", 40), ("test.txt", 12)):
        tokens = rng.integers(1, 12, size=(rows, 8))
        tokens[:, 5:] = 0  # sentences of five words, then the pad token
        write_tokens(data / name, tokens)
    return folder


def test_text_collapse_prints_the_reward_table_and_a_probe_per_step(model_folder, capsys):
    assert text_collapse.main(["--model", str(model_folder), "--steps", "2", "--every", "1"]) == 0
    out = capsys.readouterr().out
    assert "40 training and 12 test sentences (mean length 5.00), pad id 0" in out
    assert "| position | words | n | end of sentence | n |" in out
    assert "| all |" in out
    table = out.split("Training (500 samples at α = 1 per row):")[1]
    assert [line.split(" | ")[0] for line in table.strip().splitlines()[2:]] == ["| start", "| step 1", "| step 2"]


def test_text_collapse_runs_whole_epochs_and_names_a_bad_key(model_folder, capsys):
    assert text_collapse.main(["--model", str(model_folder), "--epochs", "1", "--set", "g_steps=1"]) == 0
    assert "| epoch 1 |" in capsys.readouterr().out
    assert text_collapse.main(["--model", str(model_folder), "--set", "g_step=1"]) == 2
    assert "text_collapse.py: --set 'g_step=1': expected KEY=VALUE" in capsys.readouterr().err


@pytest.mark.parametrize("flag, message", [("--every=0", "--every must be at least 1"),
                                           ("--steps=-1", "--steps must be 0 or more")])
def test_text_collapse_refuses_a_bad_count_in_one_line(model_folder, capsys, flag, message):
    with pytest.raises(SystemExit) as exit_:
        text_collapse.main(["--model", str(model_folder), flag])
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_text_collapse_names_a_missing_folder(tmp_path, capsys):
    assert text_collapse.main(["--model", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("text_collapse.py: ") and "pretrain.pt" in err and len(err.strip().splitlines()) == 1
