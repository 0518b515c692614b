"""Training curves as TensorBoard event files: written from a results folder, and live while a stage trains."""
from __future__ import annotations

import json

import pytest

from leakgan.cli import main
from leakgan.report.tensorboard import ENV, LiveCurve, curve_files

pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed (pip install '.[tensorboard]')")


def read_scalars(folder):
    """{tag: [(step, value)]} of the event files in one run folder, read back with TensorBoard's own reader."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(folder))
    acc.Reload()
    return {tag: [(e.step, round(e.value, 6)) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def write_curve(path, points):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(p) + "\n" for p in points))


def test_every_curve_of_a_results_folder_becomes_a_run_with_its_scalars(tmp_path, capsys):
    results = tmp_path / "results" / "synthetic-20"
    write_curve(results / "seed1/mle/pretrain.jsonl",
                [{"epoch": 0, "train_loss": None, "nll_test": 8.5, "oracle_nll": 10.25},
                 {"epoch": 2, "train_loss": 7.5, "nll_test": 8.0, "oracle_nll": 9.75, "selected": True}])
    write_curve(results / "seed1/leakgan/adversarial.jsonl",
                [{"phase": "adversarial", "epoch": 1, "mean_reward": 0.5, "d_loss": 0.25}])
    write_curve(results / "seed2/leakgan/pretrain.jsonl.part", [{"epoch": 1, "round": 1, "worker_loss": 6.0}])
    out = tmp_path / "board"
    assert main(["tensorboard", str(results), "--out", str(out)]) == 0
    assert "3 runs, 8 scalars" in capsys.readouterr().err
    assert read_scalars(out / "synthetic-20/seed1/mle/pretrain") == {
        "nll_test": [(0, 8.5), (2, 8.0)], "oracle_nll": [(0, 10.25), (2, 9.75)], "train_loss": [(2, 7.5)]}
    assert read_scalars(out / "synthetic-20/seed1/leakgan/adversarial") == {"mean_reward": [(1, 0.5)],
                                                                            "d_loss": [(1, 0.25)]}
    assert read_scalars(out / "synthetic-20/seed2/leakgan/pretrain") == {"worker_loss": [(1, 6.0)]}


def test_a_finished_curve_supersedes_its_leftover_live_file(tmp_path):
    results = tmp_path / "results" / "d"
    write_curve(results / "seed1/mle/pretrain.jsonl", [{"epoch": 1, "nll_test": 1.0}])
    write_curve(results / "seed1/mle/pretrain.jsonl.part", [{"epoch": 1, "nll_test": 2.0}])
    assert [name for name, _ in curve_files(results)] == ["d/seed1/mle/pretrain"]


def test_an_empty_folder_is_one_line(tmp_path, capsys):
    assert main(["tensorboard", str(tmp_path), "--out", str(tmp_path / "b")]) == 2
    assert "no training curves" in capsys.readouterr().err


def test_a_training_stage_writes_its_points_live(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, str(tmp_path / "live"))
    live = LiveCurve(tmp_path / "results/coco/seed3/rankgan/adversarial.jsonl")
    live.point({"epoch": 1, "bleu2": 0.5, "phase": "adversarial"})
    live.point({"epoch": 2, "bleu2": 0.75})
    assert read_scalars(tmp_path / "live/coco/seed3/rankgan/adversarial") == {"bleu2": [(1, 0.5), (2, 0.75)]}
