"""Hostile or careless input through whole runs (issue #15): URLs with shell characters are quoted and work, a
bad value keeps the previous good outputs, an unreachable download says why where Snakemake runs."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import snakemake
from tests.e2e.conftest import copy_run
from tests.workflow.test_config import SENTENCES, no_pwned, text_block, write_config

pytestmark = pytest.mark.slow


def test_urls_with_shell_characters_are_quoted_and_work(tmp_path):
    corpus = "".join(s + "\n" for s in SENTENCES[:60])
    for name in ("x;touch PWNED;.txt", "a(1).txt", "b c.txt"):
        (tmp_path / "src" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "src" / name).write_text(corpus, encoding="utf-8")
    src = (tmp_path / "src").as_posix()
    configfile = write_config(tmp_path, {
        "inj": text_block(f"file://{src}/x%3Btouch%20PWNED%3B.txt"),
        "paren": text_block(f"file://{src}/a(1).txt"),
        "space": text_block(f"file://{src}/b%20c.txt"),
    })
    proc = snakemake(tmp_path, "--configfile", str(configfile), "--config", "scale=smoke", "--",
                     *(f"results/{n}/data/stats.json" for n in ("inj", "paren", "space")), check=False)
    no_pwned(tmp_path, Path.cwd())
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("inj", "paren", "space"):
        stats = json.loads((tmp_path / "results" / name / "data" / "stats.json").read_text(encoding="utf-8"))
        assert stats["lines_read"] == 60 and stats["num_train"] == 30
    # Downloads land under plain-word names.
    names = sorted(p.name for p in (tmp_path / "resources" / "downloads").rglob("*") if p.is_file())
    assert all(re.fullmatch(r"[0-9a-f]{8}-[A-Za-z0-9._-]+", n) for n in names), names
    assert any(n.endswith("-x_touch_PWNED_.txt") for n in names)


def test_a_bad_value_keeps_the_previous_good_outputs(tmp_path, synthetic_run):
    workdir = copy_run(synthetic_run, tmp_path / "run")
    train = workdir / "results" / "synthetic-20" / "data" / "train.txt"
    before = train.read_bytes()
    proc = snakemake(workdir, "--config", "scale=smoke", "seed=42.0", "--", "results/synthetic-20/data/train.txt",
                     check=False)
    assert proc.returncode != 0
    assert "leakgan: config error: config key 'seed': 42.0 is not an integer (write it without '.0')" in proc.stderr
    assert train.read_bytes() == before


def test_offline_download_prints_its_reason_where_snakemake_runs(tmp_path):
    """An unreachable URL: the download job's one-line reason reaches snakemake's own stderr, not only the log."""
    import socket


    with socket.socket() as probe:  # a port nothing listens on: the connection is refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/news.2016.en.shuffled.gz"
    block = f"datasets={{offline: {{type: text, source: '{url}', format: text.gz, max_len: 20, num_train: 5, num_test: 5}}}}"
    proc = snakemake(tmp_path, "--config", "scale=smoke", block, "--", "results/offline/data/stats.json",
                     check=False, timeout=300)
    assert proc.returncode != 0
    reason = f"leakgan download: error: {url}: nothing downloaded after 4 tries (Connection refused)"
    assert reason in proc.stderr, proc.stderr[-3000:]
    logs = list((tmp_path / "logs" / "offline").glob("download-*.log"))
    assert len(logs) == 1 and reason in logs[0].read_text(encoding="utf-8")
    assert not (tmp_path / "resources").exists() or not list((tmp_path / "resources").rglob("*.gz"))
