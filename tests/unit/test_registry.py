"""The model registry: one entry makes a model part of the rules, results and tables."""
from __future__ import annotations

import collections
import dataclasses
import json
import math
import os

import pytest

from leakgan import config as cfg
from leakgan.errors import UserError
from leakgan.models import registry
from tests.conftest import REPO, snakemake

PLUGIN = {"LEAKGAN_PLUGINS": "tests.plugins.unigram", "PYTHONPATH": str(REPO)}


@pytest.mark.parametrize("name", registry.names())
def test_every_model_has_typed_settings_matching_its_schema_and_config_block(name):
    spec = registry.get(name)
    schema = cfg.model_schema(name)
    block = cfg.base_block(name)
    settings_class = registry.resolve(spec.settings_class)
    assert settings_class.block == name
    fields = {f.name for f in dataclasses.fields(settings_class)}
    assert fields == set(schema["properties"]) == set(block) == set(schema["required"])
    assert all(p.get("stage", spec.stages[0]) in cfg.STAGE_ORDER for p in schema["properties"].values())


def test_stage_settings_leave_out_what_only_later_stages_read():
    c = cfg.load()
    pretrain = cfg.stage_settings(c, "synthetic-20", "leakgan", "pretrain")
    adversarial = cfg.stage_settings(c, "synthetic-20", "leakgan", "adversarial")
    assert "delta" not in pretrain and "rollout_num" not in pretrain and "temperature" in pretrain
    assert adversarial == cfg.model_settings(c, "synthetic-20", "leakgan")
    assert "temperature" not in cfg.stage_settings(c, "synthetic-20", "mle", "pretrain")


def test_unknown_model_and_double_registration_are_clear():
    with pytest.raises(UserError, match=r"unknown model 'gpt' \(registered: mle, leakgan"):
        registry.get("gpt")
    spec = registry.get("mle")
    with pytest.raises(ValueError, match="a model named 'mle' is already registered"):
        registry.register(dataclasses.replace(spec, label="Other"))
    with pytest.raises(ValueError, match="every stage needs exactly one trainer"):
        registry.register(dataclasses.replace(spec, name="broken", stages=("pretrain", "adversarial")))


def test_a_plugin_that_cannot_be_imported_is_one_line(monkeypatch):
    monkeypatch.setattr(registry, "_PLUGINS_LOADED", False)
    monkeypatch.setenv("LEAKGAN_PLUGINS", "no_such_plugin_module")
    with pytest.raises(UserError, match="LEAKGAN_PLUGINS names 'no_such_plugin_module', which cannot be imported"):
        registry.models()


@pytest.mark.slow
def test_a_registered_plugin_model_flows_through_rules_results_and_tables(tmp_path, monkeypatch):
    for key, value in PLUGIN.items():
        monkeypatch.setenv(key, value)
    # no held-out split here, so the hand computation below counts every training sequence
    args = ["--config", "scale=smoke", "models=[unigram]", "unigram={smoothing: 1.0, temperature: 1.0}",
            "training={validation_fraction: 0, select: last}"]
    snakemake(tmp_path, *args, "--", "results/synthetic-20/nll.json", "results/tables.md")
    result = json.loads((tmp_path / "results/synthetic-20/nll.json").read_text())
    assert set(result["models"]) == {"real", "unigram"}
    unigram = result["models"]["unigram"]
    assert unigram["num_samples"] == 200 and unigram["temperature"] == 1.0
    assert [p["epoch"] for p in unigram["curve"]] == [0]
    # NLL-test recomputed by hand from the token files: add-one unigram frequencies of train.txt, scored on test.txt
    data = tmp_path / "results/synthetic-20/data"
    train = [int(t) for t in (data / "train.txt").read_text().split()]
    test = [int(t) for t in (data / "test.txt").read_text().split()]
    vocab = json.loads((data / "vocab.json").read_text())["size"]
    counts = collections.Counter(train)
    expected = -sum(math.log((counts[t] + 1) / (len(train) + vocab)) for t in test) / len(test)
    assert unigram["nll_test"] == pytest.approx(expected, rel=1e-5)
    table = (tmp_path / "results/tables.md").read_text()
    assert "| Unigram |" in table
    # unknown settings of the plugin's block are refused like any other
    bad = snakemake(tmp_path, "--config", "scale=smoke", "unigram={smoothing: 1.0, temperature: 1.0, alpha: 2}",
                    "-n", "--", "results/synthetic-20/nll.json", check=False)
    assert "config key 'unigram.alpha' is not known" in bad.stderr
    assert os.environ["LEAKGAN_PLUGINS"] == "tests.plugins.unigram"
