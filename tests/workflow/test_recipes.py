"""The offline recipes (recipes/*.yaml): each runs at smoke scale up to its data stage from local files."""
from __future__ import annotations

import json

import pytest

from leakgan import config as leakgan_config
from tests.conftest import REPO, planned_jobs, require_shared, snakemake

RECIPES = REPO / "recipes"


def test_recipes_validate_and_point_at_local_files():
    for name, datasets in (("coco-local.yaml", ["coco"]), ("news-local.yaml", ["wmt", "wmt_benchmark"])):
        overrides = leakgan_config.read_yaml(RECIPES / name)
        cfg = leakgan_config.load(REPO / "config.yaml", overrides)
        for ds in datasets:
            block = cfg["datasets"][ds]
            for key in ("source", "test_source"):
                if block.get(key):
                    assert block[key].startswith("resources/raw/"), (name, ds, key, block[key])
    coco = leakgan_config.load(REPO / "config.yaml", leakgan_config.read_yaml(RECIPES / "coco-local.yaml"))
    assert coco["datasets"]["coco"]["format"] == "text" and coco["datasets"]["coco"]["num_train"] == "all"


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


def test_news_local_recipe_reads_the_raw_crawl_in_place(tmp_path):
    # No download job: the prepare job reads resources/raw/news/news.2016.en.shuffled.gz where it lies.
    raw = tmp_path / "resources" / "raw" / "news"
    raw.mkdir(parents=True)
    (raw / "news.2016.en.shuffled.gz").write_bytes(b"")
    proc = snakemake(tmp_path, "-n", "--configfile", str(RECIPES / "news-local.yaml"), "--config", "scale=smoke",
                     "--", "results/wmt/data/stats.json", timeout=120)
    assert planned_jobs(proc.stdout) == {"prepare": 1}


@pytest.mark.parametrize("recipe", ["coco-local.yaml", "news-local.yaml"])
def test_recipe_files_name_where_the_local_copies_go(recipe):
    text = (RECIPES / recipe).read_text(encoding="utf-8")
    assert "resources/raw/" in text and "--configfile recipes/" in text
