"""The shared smoke run on real text: COCO captions from the shared data → bleu.json and the report."""
from __future__ import annotations

import json
import math

import pytest

from tests.conftest import require_shared
from tests.e2e.conftest import ALL_MODELS

pytestmark = pytest.mark.slow


def test_coco_smoke_pipeline_writes_bleu_json(coco_run):
    tmp_path = coco_run
    train = require_shared("coco", "train_captions.txt")
    result = json.loads((tmp_path / "results/coco/bleu.json").read_text())
    assert result["dataset"] == "coco" and result["scale"] == "smoke" and result["max_len"] == 32
    assert set(result["models"]) == {*ALL_MODELS, "leakgan_matched"}
    vocab = json.loads((tmp_path / "results/coco/data/vocab.json").read_text())
    words = set(vocab["tokens"]) - {vocab["tokens"][vocab["pad_id"]]}
    for name, scores in result["models"].items():
        assert scores["num_samples"] == 200
        for key in ["nll_test", "sacrebleu"] + [f"bleu{n}" for n in range(2, 6)] + [f"self_bleu{n}" for n in range(2, 6)]:
            assert math.isfinite(scores[key]), (name, key)
        assert 0.0 <= scores["bleu2"] <= 1.0 and scores["bleu5"] <= scores["bleu2"]
        assert scores["sacrebleu_signature"].startswith("nrefs:")
        model = name.removesuffix("_matched")
        suffix = ".matched" if name.endswith("_matched") else ""
        lines = (tmp_path / f"results/coco/seed42/{model}/samples{suffix}.txt").read_text().splitlines()
        assert len(lines) == 200
        assert all(set(line.split()) <= words for line in lines)
    assert result["models"]["leakgan"]["temperature"] == 0.6667
    assert result["models"]["mle"]["temperature"] == 1.0
    # the frontier on text: BLEU and self-BLEU of the samples and NLL-test of the tempered model at each α
    for model, points in result["frontier"].items():
        assert [p["temperature"] for p in points] == [1.0, 0.9, 0.8, 0.67, 0.5], model
        for point in points:
            assert all(math.isfinite(point[k]) for k in ("bleu2", "bleu5", "self_bleu2", "nll_test")), model
    # text curves: BLEU-2 of fresh samples against the test set and the validation NLL, while training
    for model in ("mle", "seqgan", "leakgan"):
        evaluated = [p for p in result["models"][model]["curve"] if "nll_test" in p]
        assert evaluated and all(0.0 <= p["bleu2"] <= 1.0 and math.isfinite(p["nll_valid"]) for p in evaluated)
    table = (tmp_path / "results/tables.md").read_text()
    for label in ("| MLE |", "| SeqGAN |", "| SeqGAN (rescaled) |", "| RankGAN |", "| LeakGAN |"):
        assert label in table, label
    stats = json.loads((tmp_path / "results/coco/data/stats.json").read_text())
    assert stats["lines_read"] == len(train.read_text(encoding="utf-8").splitlines())


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_the_report_of_the_coco_run_has_its_tables_curves_frontier_and_figures_4_5(coco_run):
    report = coco_run / "results" / "report"
    html = (report / "tables.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "coco: BLEU (Table 3" in html
    # the random samples of every model, in the Markdown and the HTML
    markdown = (coco_run / "results" / "tables.md").read_text(encoding="utf-8")
    assert "### coco: 3 random samples from LeakGAN (α=1)" in markdown
    for name in ("bleu_curve.png", "frontier.png", "figure4.png", "figure5.png"):
        assert (report / "coco" / name).read_bytes()[:8] == PNG_MAGIC, name
    for figure in (4, 5):
        assert (coco_run / "logs" / "report" / "coco" / f"figure{figure}.log").exists()


def test_figure_3_of_the_coco_run_with_smaller_length_buckets(coco_run, tmp_path, capsys):
    # 200 smoke samples per model hold no length bucket of 201 sentences of LeakGAN and a baseline
    from leakgan.cli import main

    assert main(["figures", str(coco_run / "results" / "coco"), "--figure", "3", "--min-count", "201",
                 "--out", str(tmp_path / "none")]) == 2
    assert "no length bucket holds 201 sentences" in capsys.readouterr().err
    assert not (tmp_path / "none" / "figure3.png").exists()
    # smoke models match no 4-gram of the test captions: no bucket has a BLEU-4 gain to draw
    assert main(["figures", str(coco_run / "results" / "coco"), "--figure", "3", "--min-count", "5",
                 "--out", str(tmp_path / "none")]) == 2
    assert "no length bucket holds 5 sentences of LeakGAN and of a baseline with a BLEU-4 match" in (
        capsys.readouterr().err)
    assert main(["figures", str(coco_run / "results" / "coco"), "--figure", "3", "--min-count", "5",
                 "--bleu-n", "2", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "figure3.png").read_bytes()[:8] == PNG_MAGIC
    assert capsys.readouterr().err.startswith("Figure 3 (coco, seed 42): mean sentence BLEU-2 by length")
