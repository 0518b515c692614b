"""Your own corpus in one line: the README's command with only a `source`, at smoke scale."""
from __future__ import annotations

import json
import random

import pytest

from tests.conftest import snakemake

pytestmark = pytest.mark.slow
WORDS = "the a cat dog sat ran on under mat sofa red big small quietly today".split()


def test_the_one_line_own_corpus_command_runs_with_the_defaults(tmp_path):
    rng = random.Random(0)
    corpus = tmp_path / "my.txt"
    corpus.write_text("".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))) + "\n"
                              for _ in range(400)))
    # the README's line, with scale=smoke for the test's sake
    snakemake(tmp_path, "--config", "scale=smoke", "datasets={mine: {source: my.txt}}", "--",
              "results/mine/bleu.json")
    stats = json.loads((tmp_path / "results/mine/data/stats.json").read_text())
    assert stats["filters"]["num_test"] == "10%" and stats["num_test"] == 40 and stats["num_train"] == 360
    vocab = json.loads((tmp_path / "results/mine/data/vocab.json").read_text())
    assert vocab["seq_len"] == 40 and sorted(vocab["tokens"]) == sorted(["<pad>", *WORDS])  # max_len 40, min_freq 1
    result = json.loads((tmp_path / "results/mine/bleu.json").read_text())
    assert set(result["models"]) == {"mle", "leakgan", "leakgan_matched"}
    assert all(key in result["models"]["mle"] for key in ("bleu2", "self_bleu2", "lm_score", "frechet", "nll_test"))
    assert all("reverse_lm_nll" in point for point in result["frontier"]["mle"])
    # the report covers every dataset with results when report.datasets is null
    proc = snakemake(tmp_path, "--config", "scale=smoke", "datasets={mine: {source: my.txt}}", "-n", "--", "report")
    assert "results/report/mine/frontier.png" in proc.stdout
