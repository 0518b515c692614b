"""The two WMT News datasets of config.yaml: `wmt` (the paper's preprocessing of the raw crawl) and `wmt_benchmark`."""
from __future__ import annotations

import collections
import json
from pathlib import Path

from leakgan import cli, config as leakgan_config
from leakgan.data.tokenize import Tokenizer
from tests.conftest import REPO, require_shared


def test_wmt_block_is_the_papers_preprocessing_of_the_wmt17_news_crawl():
    wmt = leakgan_config.load(REPO / "config.yaml")["datasets"]["wmt"]
    assert wmt["source"] == "http://data.statmt.org/wmt17/translation-task/news.2016.en.shuffled.gz"
    assert (wmt["format"], wmt["lowercase"], wmt["pre_tokenizer"]) == ("text.gz", False, "whitespace")
    assert (wmt["min_freq"], wmt["min_len"], wmt["max_len"]) == (4050, 20, 51)
    assert (wmt["num_train"], wmt["num_test"]) == (200000, 10000)


def test_wmt_benchmark_block_reads_the_pre_tokenized_files_whole():
    cfg = leakgan_config.load(REPO / "config.yaml")
    bench = cfg["datasets"]["wmt_benchmark"]
    assert (bench["source"], bench["test_source"]) == ("resources/raw/news/emnlp_news.txt",
                                                       "resources/raw/news/test_emnlp.txt")
    assert (bench["pre_tokenizer"], bench["min_freq"], bench["lowercase"]) == ("whitespace_split", 1, False)
    assert (bench["num_train"], bench["num_test"], bench["max_len"]) == ("all", "all", 51)
    smoke = leakgan_config.load(REPO / "config.yaml", {"scale": "smoke"})["datasets"]["wmt_benchmark"]
    assert (smoke["num_train"], smoke["num_test"]) == (300, 100)


def test_benchmark_sentences_are_exactly_what_the_whitespace_split_of_raw_text_gives():
    # The distributed files look tokenized by the `whitespace` rule (word runs and punctuation runs): re-splitting
    # them changes nothing, so `wmt` (raw crawl, `whitespace`) yields sentences of the benchmark's form.
    path = require_shared("news", "news_sentences.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    split = Tokenizer("whitespace").split(lines)
    assert len(lines) == 10000 and all(s == line.split() for s, line in zip(split, lines))


def test_min_freq_4050_fits_a_whole_crawl_not_a_400k_sample():
    # Scaled to the benchmark's 10k test sentences, min_freq 4050 over 397,726 sentences is a count of ~102:
    # a few hundred words, not the paper's 5,742. Nearly all 5,562 words of this split occur once or twice in it,
    # so a count of 4050 keeps them only in a corpus thousands of times larger: tens of millions of sentences.
    path = require_shared("news", "news_sentences.txt")
    counts = collections.Counter(path.read_text(encoding="utf-8").split())
    threshold = round(4050 * 10000 / 397726)
    assert threshold == 102
    assert sum(1 for c in counts.values() if c >= threshold) == 330
    assert len(counts) == 5562


def test_wmt_benchmark_settings_on_the_shared_news_split(tmp_path, capsys):
    path = require_shared("news", "news_sentences.txt")
    block = dict(leakgan_config.load(REPO / "config.yaml")["datasets"]["wmt_benchmark"], num_test=1000)
    block.pop("test_source")
    argv = ["prepare", "--dataset", "wmt_benchmark", "--settings", json.dumps(block), "--source", str(path),
            "--seed", "42", "--out-dir", str(tmp_path), "--no-progress"]
    assert cli.main(argv) == 0, capsys.readouterr().err
    stats = json.loads(Path(tmp_path / "stats.json").read_text(encoding="utf-8"))
    assert stats["sentences"] == {"nonempty": 10000, "after_min_freq": 10000, "after_length": 10000,
                                  "after_filters": 10000}
    assert stats["vocabulary"] == {"read": 5562, "after_min_freq": 5562, "after_filters": 5562, "size_with_pad": 5563}
    assert (stats["num_train"], stats["num_test"]) == (9000, 1000)
    assert min(i for i, n in enumerate(stats["length_histogram"]) if n) == 21
    assert max(i for i, n in enumerate(stats["length_histogram"]) if n) == 48
