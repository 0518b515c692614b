"""A model registered from outside the package (tests/plugins/unigram.py, named in LEAKGAN_PLUGINS) flows
through the rules, the results and the tables: its own tiny pipeline, on the shared synthetic run's data, oracle and
"real" row."""
from __future__ import annotations

import collections
import json
import math
import os

import pytest

from tests.conftest import REPO, snakemake
from tests.e2e.conftest import copy_run, synthetic_chains

pytestmark = pytest.mark.slow
PLUGIN = {"LEAKGAN_PLUGINS": "tests.plugins.unigram", "PYTHONPATH": str(REPO)}


def test_a_registered_plugin_model_flows_through_rules_results_and_tables(tmp_path, monkeypatch, synthetic_run):
    workdir = copy_run(synthetic_run, tmp_path / "run", *synthetic_chains())
    for key, value in PLUGIN.items():
        monkeypatch.setenv(key, value)
    # no held-out split here, so the hand computation below counts every training sequence
    args = ["--config", "scale=smoke", "models=[unigram]", "unigram={smoothing: 1.0, temperature: 1.0}",
            "training={validation_fraction: 0, select: last}"]
    snakemake(workdir, *args, "--", "results/synthetic-20/nll.json", "results/tables.md")
    result = json.loads((workdir / "results/synthetic-20/nll.json").read_text())
    assert set(result["models"]) == {"real", "unigram"}
    unigram = result["models"]["unigram"]
    assert unigram["num_samples"] == 200 and unigram["temperature"] == 1.0
    assert [p["epoch"] for p in unigram["curve"]] == [0]
    # NLL-test recomputed by hand from the token files: add-one unigram frequencies of train.txt, scored on test.txt
    data = workdir / "results/synthetic-20/data"
    train = [int(t) for t in (data / "train.txt").read_text().split()]
    test = [int(t) for t in (data / "test.txt").read_text().split()]
    vocab = json.loads((data / "vocab.json").read_text())["size"]
    counts = collections.Counter(train)
    expected = -sum(math.log((counts[t] + 1) / (len(train) + vocab)) for t in test) / len(test)
    assert unigram["nll_test"] == pytest.approx(expected, rel=1e-5)
    table = (workdir / "results/tables.md").read_text()
    assert "| Unigram |" in table
    # unknown settings of the plugin's block are refused like any other
    bad = snakemake(workdir, "--config", "scale=smoke", "unigram={smoothing: 1.0, temperature: 1.0, alpha: 2}",
                    "-n", "--", "results/synthetic-20/nll.json", check=False)
    assert "config key 'unigram.alpha' is not known" in bad.stderr
    assert os.environ["LEAKGAN_PLUGINS"] == "tests.plugins.unigram"
