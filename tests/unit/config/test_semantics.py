"""The training semantics: the `presets:` annotations of a block's schema (the paper's values or the authors'
code's), filled into the block's null keys by the config layer."""
from __future__ import annotations

import pytest

from leakgan.config.schema import fill_presets, load_schema, presets, unresolved


@pytest.fixture(scope="module")
def schema():
    return load_schema("leakgan.schema.yaml")


def test_paper_presets_are_the_papers_values(schema):
    assert presets(schema, "paper", "synthetic") == {
        "loss_reduction": "per_segment", "first_tokens_temperature": None, "positives": "train",
        "divide_by_rollouts": False, "optimizer_states": "shared", "intrinsic_reward": "eq9",
        "goal_alignment": "paper", "initial_goal": "shared", "mle_epoch_fraction": 1.0, "rescale_with_real": 0,
        "lr": 0.001, "dropout": 0.25, "l2_reg": 0.2, "delta": 12.0, "mle_every": 15}


def test_authors_presets_differ_between_synthetic_and_text(schema):
    synthetic, text = (presets(schema, "authors", kind) for kind in ("synthetic", "text"))
    assert (synthetic["positives"], synthetic["mle_every"], synthetic["delta"], synthetic["initial_goal"]) == \
        ("fresh_oracle", 0, 16.0, "per_row")
    # the COCO script: training data as positives, interleaved MLE on 1/20 of the data, 64 real rows ranked
    assert (text["positives"], text["mle_every"], text["mle_epoch_fraction"], text["rescale_with_real"]) == \
        ("train", 15, 0.05, 64)
    assert {k for k in synthetic if synthetic[k] != text[k]} == {"positives", "mle_every", "mle_epoch_fraction",
                                                                  "rescale_with_real"}


def test_fill_presets_keeps_explicit_values_and_fills_nulls(schema):
    filled = fill_presets({"semantics": "authors", "delta": 9.0, "lr": None}, "synthetic", schema)
    assert filled["delta"] == 9.0 and filled["lr"] == 0.0015 and filled["mle_every"] == 0
    assert fill_presets({"lr": None}, "synthetic", schema) == {"lr": None}  # a block without semantics
    assert unresolved({"semantics": "paper", "lr": None}, schema) == ["lr"]
    assert unresolved(filled, schema) == []
    with pytest.raises(ValueError, match="unknown semantics 'neither'"):
        presets(schema, "neither", "synthetic")
