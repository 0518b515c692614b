"""The report's figures: the Figure 2 training curves."""
from __future__ import annotations

from leakgan.report.plots import curve_series, plot_curves
from tests.unit.report.examples import nll_result


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
