"""The offline recipes (recipes/*.yaml) run at smoke scale up to their data stage from the shared local files."""
from __future__ import annotations

import json

import pytest

from tests.conftest import REPO, require_shared, snakemake

pytestmark = pytest.mark.slow
RECIPES = REPO / "recipes"


def test_coco_local_recipe_runs_to_its_data_stage(tmp_path):
    train = require_shared("coco", "train_captions.txt")
    test = require_shared("coco", "test_captions.txt")
    overlay = f"datasets={{coco: {{source: '{train}', test_source: '{test}'}}}}"
    snakemake(tmp_path, "--configfile", str(RECIPES / "coco-local.yaml"), "--config", "scale=smoke", overlay,
              "--", "results/coco/data/stats.json")
    stats = json.loads((tmp_path / "results/coco/data/stats.json").read_text(encoding="utf-8"))
    assert stats["filters"]["min_freq"] == 1 and stats["filters"]["num_train"] == "all"
    assert (stats["num_train"], stats["num_test"]) == (9997, 6869)
    assert stats["vocabulary"]["size_with_pad"] == 4602
    assert stats["test"]["rejected"]["outside_training_vocabulary"] == 3129
    assert not (tmp_path / "resources").exists()  # read in place, nothing downloaded


def test_news_local_recipe_runs_to_its_data_stage(tmp_path):
    news = require_shared("news", "news_sentences.txt")
    # only the benchmark's test split is shared: train and test are sampled from it (smoke: 300 + 100)
    overlay = f"datasets={{wmt_benchmark: {{source: '{news}', test_source: null}}}}"
    snakemake(tmp_path, "--configfile", str(RECIPES / "news-local.yaml"), "--config", "scale=smoke", overlay,
              "--", "results/wmt_benchmark/data/stats.json")
    stats = json.loads((tmp_path / "results/wmt_benchmark/data/stats.json").read_text(encoding="utf-8"))
    assert (stats["num_train"], stats["num_test"]) == (300, 100)
    assert stats["sentences"]["after_filters"] == 10000 and stats["vocabulary"]["read"] == 5562
    assert stats["filters"]["pre_tokenizer"] == "whitespace_split"
