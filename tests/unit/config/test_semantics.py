"""The training semantics: the paper's values or the authors' code's, filled into a block's null keys."""
from __future__ import annotations

from leakgan.config import semantics


def test_semantics_presets_and_explicit_values():
    paper = semantics.preset("paper", "synthetic")
    assert paper == {"loss_reduction": "per_segment", "first_tokens_temperature": None, "positives": "train",
                     "lr": 0.001, "delta": 12.0, "divide_by_rollouts": False, "l2_reg": 0.2, "mle_every": 15,
                     "optimizer_states": "shared"}
    authors = semantics.preset("authors", "synthetic")
    assert authors["positives"] == "fresh_oracle" and authors["mle_every"] == 0 and authors["delta"] == 16.0
    text = semantics.preset("authors", "text")  # the COCO script: training data, interleaved MLE
    assert text["positives"] == "train" and text["mle_every"] == 15
    resolved = semantics.resolve({"semantics": "authors", "delta": 9.0, "lr": None}, "synthetic")
    assert resolved["delta"] == 9.0 and resolved["lr"] == 0.0015
    assert semantics.resolve({"lr": None}, "synthetic") == {"lr": None}  # a block without semantics
