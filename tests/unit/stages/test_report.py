"""`leakgan report`: the tables.md / HTML with samples from beside bleu.json, the figures, one-line errors."""
from __future__ import annotations

import json
from argparse import Namespace

import pytest

from leakgan.errors import UserError
from leakgan.stages.report import main as run
from tests.unit.report.examples import bleu_result, nll_result


def _args(results, **kw):
    defaults = dict(markdown=None, html=None, figure=None, frontier=None, num_samples=20, seed=42)
    return Namespace(results=[str(p) for p in results], **{**defaults, **kw})


def test_run_writes_markdown_with_samples_from_beside_bleu_json(tmp_path):
    bleu = tmp_path / "results" / "wmt" / "seed7" / "bleu.json"  # one seed's results (bleu_result's seed)
    bleu.parent.mkdir(parents=True)
    bleu.write_text(json.dumps(bleu_result()))
    for sub, name in [("mle", "samples.txt"), ("leakgan", "samples.txt"), ("leakgan", "samples.matched.txt")]:
        (bleu.parent / sub).mkdir(exist_ok=True)
        (bleu.parent / sub / name).write_text("".join(f"{sub} {name} {i}\n" for i in range(50)))
    nll = tmp_path / "nll.json"
    nll.write_text(json.dumps(nll_result()))
    md = tmp_path / "tables.md"
    assert run(_args([nll, bleu], markdown=str(md), html=str(tmp_path / "t.html"))) == 0
    text = md.read_text()
    assert "## synthetic-20: oracle NLL (Table 1, length 20)" in text
    assert "### wmt: 20 random samples from LeakGAN (α=1)" in text
    assert text.count("leakgan samples.matched.txt ") == 20
    assert "random samples" not in text.split("## wmt")[0]  # none for synthetic data
    assert (tmp_path / "t.html").read_text().count("<li>") == 60


def test_run_errors_are_one_line(tmp_path):
    bleu = tmp_path / "wmt" / "seed7" / "bleu.json"
    bleu.parent.mkdir(parents=True)
    bleu.write_text(json.dumps(bleu_result()))
    with pytest.raises(UserError, match=r"seed7/mle/samples.txt: samples file not found; run the evaluate stage for wmt/mle"):
        run(_args([bleu], markdown=str(tmp_path / "t.md")))
    # text datasets have curves too (BLEU-2); this bleu.json has none to draw
    with pytest.raises(UserError, match="wmt: no training curve with BLEU-2 against the test set in the results file"):
        run(_args([bleu], figure=str(tmp_path / "f.png")))
    with pytest.raises(UserError, match="--figure draws one dataset: give exactly one nll.json or bleu.json"):
        run(_args([bleu, bleu], figure=str(tmp_path / "f.png")))
    with pytest.raises(UserError, match="wmt: no frontier in the results; set evaluate.temperatures and re-run"):
        run(_args([bleu], frontier=str(tmp_path / "f.png")))
    assert not (tmp_path / "f.png").exists()
    with pytest.raises(UserError, match="nothing to write"):
        run(_args([bleu]))
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"dataset": "x", "models": {"mle": {"nll_test": 1.0}}}))
    with pytest.raises(UserError, match="neither oracle NLL nor BLEU"):
        run(_args([other], markdown=str(tmp_path / "t.md")))
    assert not (tmp_path / "t.md").exists()
