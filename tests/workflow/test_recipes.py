"""The offline recipes (recipes/*.yaml): each runs at smoke scale up to its data stage from local files."""
from __future__ import annotations

import pytest

from leakgan.config import resolve as leakgan_config
from leakgan.config.yaml_files import read_yaml
from tests.conftest import REPO, planned_jobs, snakemake

RECIPES = REPO / "recipes"


def test_recipes_validate_and_point_at_local_files():
    for name, datasets in (("coco-local.yaml", ["coco"]), ("news-local.yaml", ["wmt", "wmt_benchmark"])):
        overrides = read_yaml(RECIPES / name)
        cfg = leakgan_config.load(REPO / "config.yaml", overrides)
        for ds in datasets:
            block = cfg["datasets"][ds]
            for key in ("source", "test_source"):
                if block.get(key):
                    assert block[key].startswith("resources/raw/"), (name, ds, key, block[key])
    coco = leakgan_config.load(REPO / "config.yaml", read_yaml(RECIPES / "coco-local.yaml"))
    assert coco["datasets"]["coco"]["format"] == "text" and coco["datasets"]["coco"]["num_train"] == "all"


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
