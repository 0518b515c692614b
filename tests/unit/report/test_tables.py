"""The report: paper tables beside ours (Markdown, HTML), seeded samples, the Figure 2 curve PNG."""
from __future__ import annotations

import json
from argparse import Namespace

import pytest

from leakgan.errors import UserError
from leakgan.metrics.report import (
    bleu_table,
    curve_series,
    html_report,
    markdown_section,
    markdown_table,
    nll_table,
    pick_samples,
    plot_curves,
)
from leakgan.stages.report import main as run


def nll_result(seq_len=20):
    return {
        "dataset": f"synthetic-{seq_len}", "scale": "smoke", "seed": 42, "seq_len": seq_len,
        "models": {
            "real": {"oracle_nll": 5.75012, "nll_test": 5.8, "temperature": 1.0, "num_samples": 200},
            "mle": {"oracle_nll": 9.1234, "nll_test": 7.0, "temperature": 1.0, "num_samples": 200,
                    "curve": [{"epoch": 0, "oracle_nll": 10.0}, {"epoch": 1, "oracle_nll": 9.5},
                              {"epoch": 2, "oracle_nll": 9.1}]},
            "leakgan": {"oracle_nll": 7.5, "nll_test": 7.2, "temperature": 0.6667, "num_samples": 200,
                        "curve": [{"stage": "pretrain", "epoch": 1, "oracle_nll": 9.8},
                                  {"stage": "pretrain", "epoch": 2},  # not an evaluation epoch
                                  {"stage": "pretrain", "epoch": 3, "oracle_nll": 9.0},
                                  {"stage": "adversarial", "epoch": 1, "oracle_nll": 8.0},
                                  {"stage": "adversarial", "epoch": 2, "oracle_nll": 7.5}]},
            "leakgan_matched": {"oracle_nll": 8.25, "nll_test": 7.2, "temperature": 1.0, "num_samples": 200},
        },
    }


def bleu_result(dataset="wmt", orders=(2, 3, 4, 5)):
    def scores(base, temperature):
        return {**{f"bleu{n}": base - n / 10 for n in orders}, "nll_test": 4.5, "temperature": temperature,
                "num_samples": 100}
    return {"dataset": dataset, "scale": "paper", "seed": 7,
            "models": {"mle": scores(0.9, 1.0), "leakgan": scores(0.95, 0.6667),
                       "leakgan_matched": scores(0.85, 1.0)}}


def test_nll_table_puts_table_1_beside_ours():
    title, header, rows = nll_table(nll_result(20))
    assert title == "synthetic-20: oracle NLL (Table 1, length 20)"
    assert markdown_table(header, rows) == [
        "| Model | α | oracle NLL | oracle NLL (paper) | NLL-test |",
        "|:---|---:|---:|---:|---:|",
        "| MLE | 1 | 9.123 | 9.038 | 7.000 |",
        "| SeqGAN | - | - | 8.736 | - |",
        "| RankGAN | - | - | 8.247 | - |",
        "| LeakGAN | 0.6667 | 7.500 | 7.038 | 7.200 |",
        "| LeakGAN (α=1) | 1 | 8.250 | - | 7.200 |",
        "| Real | - | 5.750 | 5.750 | 5.800 |",
        # the paper's test (LeakGAN vs the best other model); ours needs two seeds or more
        "| p-value: LeakGAN vs the best other | - | - | < 1e-6 | - |",
    ]


def test_nll_table_length_40_and_unknown_length():
    rows = dict((r[0], r) for r in nll_table(nll_result(40))[2])
    assert rows["LeakGAN"][3] == "7.191" and rows["Real"][3] == "4.071" and rows["MLE"][3] == "10.411"
    title, header, rows = nll_table(nll_result(30))
    assert title == "synthetic-30: oracle NLL (no paper numbers for this length)"
    assert header == ["Model", "α", "oracle NLL", "NLL-test"]
    assert [r[0] for r in rows] == ["MLE", "LeakGAN", "LeakGAN (α=1)", "Real"]  # no paper, one seed: no p row


def test_bleu_table_wmt_layout_of_table_2():
    title, header, rows = bleu_table(bleu_result("wmt"))
    assert title == "wmt: BLEU (Table 2, EMNLP2017 WMT News)"
    assert markdown_table(header, rows) == [
        "| Model | α | BLEU-2 | BLEU-2 (paper) | BLEU-3 | BLEU-3 (paper) | BLEU-4 | BLEU-4 (paper) "
        "| BLEU-5 | BLEU-5 (paper) | NLL-test |",
        "|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        "| MLE | 1 | 0.700 | - | 0.600 | - | 0.500 | - | 0.400 | - | 4.500 |",
        "| SeqGAN | - | - | 0.8590 | - | 0.6015 | - | 0.4541 | - | 0.4498 | - |",
        "| RankGAN | - | - | 0.778 | - | 0.478 | - | 0.411 | - | 0.463 | - |",
        "| LeakGAN | 0.6667 | 0.750 | 0.956 | 0.650 | 0.819 | 0.550 | 0.627 | 0.450 | 0.498 | 4.500 |",
        "| LeakGAN (α=1) | 1 | 0.650 | - | 0.550 | - | 0.450 | - | 0.350 | - | 4.500 |",
        "| p-value: LeakGAN vs the best other | - | - | < 1e-6 | - | < 1e-6 | - | < 1e-6 | - | < 1e-6 | - |",
    ]


def test_bleu_table_coco_is_table_3():
    rows = {r[0]: r for r in bleu_table(bleu_result("coco"))[2]}
    assert rows["LeakGAN"][2:4] == ["0.750", "0.950"]
    assert rows["RankGAN"][9] == "0.544"


def test_bleu_table_poems_has_paper_bleu2_only():
    title, header, rows = bleu_table(bleu_result("poems"))
    assert title == "poems: BLEU (Table 4, Chinese Poems)"
    assert header == ["Model", "α", "BLEU-2", "BLEU-2 (paper)", "BLEU-3", "BLEU-4", "BLEU-5", "NLL-test"]
    assert {r[0]: r[3] for r in rows} == {"MLE": "-", "SeqGAN": "0.738", "RankGAN": "0.812",
                                          "LeakGAN": "0.881", "LeakGAN (α=1)": "-",
                                          "p-value: LeakGAN vs the best other": "< 1e-6"}


def test_bleu_table_own_corpus_has_no_paper_columns():
    title, header, rows = bleu_table(bleu_result("mycorpus", orders=(2, 3)))
    assert title == "mycorpus: BLEU (no paper numbers for this dataset)"
    assert header == ["Model", "α", "BLEU-2", "BLEU-3", "NLL-test"]
    assert [r[0] for r in rows] == ["MLE", "LeakGAN", "LeakGAN (α=1)"]


def test_markdown_section_warns_off_paper_scale_and_lists_samples():
    lines = markdown_section(nll_result())
    assert lines[:3] == ["## synthetic-20: oracle NLL (Table 1, length 20)", "",
                         "scale smoke, seed 42, 200 samples per model; not the paper's sizes, "
                         "so not comparable with the paper's numbers"]
    lines = markdown_section(bleu_result(), {"mle": ["a b c", ""], "leakgan": ["d e"]})
    assert lines[2] == "scale paper, seed 7, 100 samples per model"
    assert lines[-13:] == ["", "### wmt: 2 random samples from MLE", "", "```text", "a b c", "(empty)", "```",
                           "", "### wmt: 1 random sample from LeakGAN", "", "```text", "d e", "```"]


def test_html_report_escapes_and_shades_paper_columns():
    page = html_report([(bleu_result(), {"mle": ["<unk> & co"]})])
    assert page.startswith("<!DOCTYPE html>")
    assert '<th class="paper">BLEU-2 (paper)</th>' in page
    assert '<td class="paper">0.8590</td>' in page
    assert "<li>&lt;unk&gt; &amp; co</li>" in page


def test_pick_samples_is_seeded_and_keeps_file_order():
    lines = [f"s{i}" for i in range(100)]
    first = pick_samples(lines, 20, 42, "wmt/mle")
    assert first == pick_samples(lines, 20, 42, "wmt/mle")
    assert len(set(first)) == 20 and first == sorted(first, key=lambda s: int(s[1:]))
    assert first != pick_samples(lines, 20, 43, "wmt/mle")
    assert first != pick_samples(lines, 20, 42, "wmt/leakgan")
    assert pick_samples(lines[:5], 20, 42, "x") == lines[:5]


def test_curve_series_puts_adversarial_after_pretraining():
    series, start = curve_series(nll_result())
    assert start == 3
    assert series["MLE (α=1)"] == ([0, 1, 2], [10.0, 9.5, 9.1])
    assert series["LeakGAN (α=0.6667)"] == ([1, 3, 4, 5], [9.8, 9.0, 8.0, 7.5])


def test_plot_curves_writes_a_png(tmp_path):
    out = tmp_path / "fig" / "nll_curve.png"
    plot_curves(nll_result(), out)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000


def _args(results, **kw):
    defaults = dict(markdown=None, html=None, figure=None, frontier=None, num_samples=20, seed=42)
    return Namespace(results=[str(p) for p in results], **{**defaults, **kw})


def test_run_writes_markdown_with_samples_from_beside_bleu_json(tmp_path):
    bleu = tmp_path / "results" / "wmt" / "bleu.json"
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
    bleu = tmp_path / "wmt" / "bleu.json"
    bleu.parent.mkdir()
    bleu.write_text(json.dumps(bleu_result()))
    with pytest.raises(UserError, match=r"samples.txt: samples file not found; run the evaluate stage for wmt/mle"):
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
