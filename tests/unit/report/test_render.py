"""Writing the report: Markdown sections, the HTML page."""
from __future__ import annotations

from leakgan.report.render import html_report, markdown_section
from tests.unit.report.examples import bleu_result, nll_result


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
