"""The report's seeded samples of real text."""
from __future__ import annotations

from leakgan.report.samples import pick_samples


def test_pick_samples_is_seeded_and_keeps_file_order():
    lines = [f"s{i}" for i in range(100)]
    first = pick_samples(lines, 20, 42, "wmt/mle")
    assert first == pick_samples(lines, 20, 42, "wmt/mle")
    assert len(set(first)) == 20 and first == sorted(first, key=lambda s: int(s[1:]))
    assert first != pick_samples(lines, 20, 43, "wmt/mle")
    assert first != pick_samples(lines, 20, 42, "wmt/leakgan")
    assert pick_samples(lines[:5], 20, 42, "x") == lines[:5]
